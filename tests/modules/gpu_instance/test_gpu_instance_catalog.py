"""The accelerator catalog: the packaged data, lookups, and malformed files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from inferfleet_gpu_instance import CatalogError, NotOfferedError, load_catalog
from inferfleet_gpu_instance.catalog import DEFAULT_CATALOG, parse_catalog

REFERENCE_STACK_POOLS = [
    ("huaweicloud", "cn-south-1", "ascend-910b"),
    ("huaweicloud", "cn-south-1", "ascend-310"),
    ("huaweicloud", "cn-north-4", "nvidia-a100-80g"),
    ("alicloud", "cn-shanghai", "nvidia-a10"),
    ("alicloud", "cn-beijing", "nvidia-a10"),
    ("tencentcloud", "ap-guangzhou", "nvidia-a10"),
    ("aws", "us-west-2", "nvidia-a10g"),
]


@pytest.mark.parametrize(("cloud", "region", "accelerator"), REFERENCE_STACK_POOLS)
def test_reference_stack_accelerators_are_offered(cloud: str, region: str, accelerator: str) -> None:
    row = load_catalog().lookup(cloud, region, accelerator)
    assert row.accelerator == accelerator
    assert row.currency == ("USD" if cloud == "aws" else "CNY")
    assert row.price_per_hour > 0


def test_rows_keep_the_reference_marks() -> None:
    catalog = load_catalog()
    assert catalog.lookup("tencentcloud", "ap-guangzhou", "nvidia-a10", "PNV4.7XLARGE116").confirmed is True
    assert catalog.lookup("huaweicloud", "cn-south-1", "ascend-910b").confirmed is False
    a10 = catalog.lookup("alicloud", "cn-beijing", "nvidia-a10", "ecs.gn7i-c32g1.32xlarge")
    assert (a10.accelerators_per_node, a10.accelerator_memory_gib, a10.memory_gib) == (4, 24, 96)
    assert catalog.lookup("huaweicloud", "cn-south-1", "ascend-910b").device_plugin_resource == "huawei.com/Ascend910"


def test_lookup_errors_list_what_is_offered() -> None:
    catalog = load_catalog()
    with pytest.raises(
        NotOfferedError, match=r"'a100x' is not offered by huaweicloud in cn-south-1 \(.*known: .*ascend-910b"
    ):
        catalog.lookup("huaweicloud", "cn-south-1", "a100x")
    with pytest.raises(NotOfferedError, match=r"flavor 'g5.2xl' of nvidia-a10g .*did you mean 'g5.12xlarge'"):
        catalog.lookup("aws", "us-west-2", "nvidia-a10g", "g5.2xl")
    with pytest.raises(NotOfferedError, match="no offerings in that region"):
        catalog.lookup("aws", "mars-1", "nvidia-a10g")


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DEFAULT_CATALOG.read_text())
    return loaded


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(format="v0"), "format"),
        (lambda d: d["accelerators"]["nvidia-a10"].update(family="amd"), "accelerators.nvidia-a10.family"),
        (lambda d: d["clouds"]["aws"]["offerings"][0].update(count=0), "clouds.aws.offerings[0].count"),
        (lambda d: d["clouds"]["aws"]["offerings"][0].update(accelerator="tpu"), "clouds.aws.offerings[0].accelerator"),
        (lambda d: d["clouds"]["aws"]["offerings"][0].update(confirmed="yes"), "clouds.aws.offerings[0].confirmed"),
        (lambda d: d["clouds"]["aws"]["offerings"][0].update(regions=[]), "clouds.aws.offerings[0].regions"),
        (lambda d: d["clouds"]["aws"]["offerings"][0].update(gpus=1), "clouds.aws.offerings[0].gpus"),
        (lambda d: d["clouds"].update(gcp={}), "clouds.gcp"),
        (lambda d: d.update(acelerators={}), "acelerators"),
        (lambda d: d["accelerators"]["nvidia-a10"].update(memory=24), "accelerators.nvidia-a10.memory"),
        (lambda d: d["clouds"]["aws"].update(offering=[]), "clouds.aws.offering"),
        (lambda d: d["clouds"]["aws"]["images"]["nvidia"].update(ami="x"), "clouds.aws.images.nvidia.ami"),
    ],
)
def test_malformed_catalogs_name_the_key(change: Any, where: str) -> None:
    data = document()
    change(data)
    with pytest.raises(CatalogError, match=re.escape(f"catalog.yaml: {where}: ")):
        parse_catalog(data, "catalog.yaml")


def test_users_add_rows_without_code(tmp_path: Path) -> None:
    data = document()
    data["clouds"]["aws"]["offerings"].append(
        {"flavor": "g6e.xlarge", "accelerator": "nvidia-l4", "count": 1, "vcpu": 4, "ram_gib": 32,
         "price_per_hour": 1.8, "regions": ["us-west-2"], "confirmed": False, "source": "local"}
    )  # fmt: skip
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    assert load_catalog(path).lookup("aws", "us-west-2", "nvidia-l4", "g6e.xlarge").vcpu == 4
