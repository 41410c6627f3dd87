"""The policies' accelerator table agrees with the gpu_instance module's catalog (data, two owners)."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
MODULE_CATALOG = REPO / "modules" / "gpu_instance" / "inferfleet_gpu_instance" / "catalog.yaml"
POLICY_TABLE = REPO / "policies" / "opa" / "lib" / "data.yaml"


def test_every_catalog_offering_is_known_to_the_policies_with_its_accelerator_count() -> None:
    catalog = yaml.safe_load(MODULE_CATALOG.read_text())
    table = yaml.safe_load(POLICY_TABLE.read_text())["accelerator_flavors"]
    offered = {
        row["flavor"]: {"accelerator": row["accelerator"], "count": row["count"]}
        for cloud in catalog["clouds"].values()
        for row in cloud["offerings"]
    }
    mismatched = {flavor: (row, table.get(flavor)) for flavor, row in offered.items() if table.get(flavor) != row}
    assert mismatched == {}, "update policies/opa/lib/data.yaml accelerator_flavors"
