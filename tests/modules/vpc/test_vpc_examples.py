"""Every example of the vpc module is a runnable Pulumi program: it plans under the mock runtime."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
import yaml

from inferfleet.plan import plan_program

EXAMPLES = Path(__file__).resolve().parents[3] / "modules" / "vpc" / "examples"
CONFIG = {"south_project_id": "project-south", "north_project_id": "project-north", "access_point_id": "ap-example"}
CLOUD_PREFIX = {"huaweicloud": "huaweicloud:", "alicloud": "alicloud:", "tencentcloud": "tencentcloud:", "aws": "aws:"}


@pytest.mark.parametrize("example", sorted(path.name for path in EXAMPLES.iterdir() if path.is_dir()))
def test_example_plans_two_networks_and_a_link(example: str) -> None:
    folder = EXAMPLES / example
    declared = yaml.safe_load((folder / "Pulumi.yaml").read_text()).get("config", {})
    # The examples read their config without a namespace, so it lands in the project's own.
    config = {f"inference-fleet:{key}": CONFIG[key] for key in declared}

    def program() -> None:
        runpy.run_path(str(folder / "__main__.py"))

    plan = plan_program(program, config=config)
    types = [resource["type"] for resource in plan["resources"]]
    assert types.count("inferfleet:vpc:Vpc") == 2
    assert types.count("inferfleet:vpc:Interconnect") == 1
    cloud = example.split("-", maxsplit=1)[0]
    providers = [r for r in plan["resources"] if r["type"] == f"pulumi:providers:{cloud}"]
    assert len(providers) == 2
    assert all(t.startswith((CLOUD_PREFIX[cloud], "inferfleet:", "pulumi:", "pulumi-python:")) for t in types)
