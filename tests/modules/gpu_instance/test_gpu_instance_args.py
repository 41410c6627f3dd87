"""GpuPoolArgs documentation and the pure validate_* functions, one case per way to be wrong."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import pytest
from inferfleet_gpu_instance import ClusterArgs, GpuPoolArgs, load_catalog
from inferfleet_gpu_instance.args import (
    validate_cluster,
    validate_disks,
    validate_extra_cloud_config,
    validate_network,
    validate_offering,
    validate_sizes,
    zones_for,
)
from inferfleet_gpu_instance.cloudinit import merge_cloud_config


@pytest.mark.parametrize("cls", [GpuPoolArgs, ClusterArgs])
def test_every_field_is_documented_with_its_default(cls: type[Any]) -> None:
    for field in dataclasses.fields(cls):
        doc = field.metadata.get("doc", "")
        required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        assert doc.endswith("Required." if required else "."), field.name
        assert ("Required." in doc) == required, field.name
        assert required or "Default: " in doc, field.name


def test_args_are_keyword_only_and_frozen() -> None:
    with pytest.raises(TypeError):
        cast(Any, GpuPoolArgs)("aws", "us-west-2")
    args = GpuPoolArgs(cloud="aws", region="us-west-2", accelerator="nvidia-a10g", vpc_id="v", subnet_ids={"a": "s"},
                       security_group_id="g")  # fmt: skip
    with pytest.raises(dataclasses.FrozenInstanceError):
        cast(Any, args).count = 3
    assert args.size_range == (1, 1)


@pytest.mark.parametrize(
    ("count", "low", "high", "message"),
    [
        (-1, None, None, "count: -1 is negative"),
        (2, 3, 4, "count: 2 is outside [min_count 3, max_count 4]"),
        (2, 1, 0, "min_count: 1 is above max_count 0"),
        (5, 1, 4, "count: 5 is outside [min_count 1, max_count 4]"),
    ],
)
def test_validate_sizes(count: int, low: int | None, high: int | None, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        validate_sizes(count, low, high)


def test_validate_offering() -> None:
    catalog = load_catalog()
    found = validate_offering(
        catalog,
        cloud="aws",
        region="us-west-2",
        accelerator="nvidia-a10g",
        flavor="g5.12xlarge",
        placement="standalone",
    )
    assert found.accelerators_per_node == 4
    cases = [
        ({"cloud": "gcp"}, "cloud: 'gcp' is not one of"),
        ({"placement": "fargate"}, "placement: 'fargate' is not one of"),
        ({"accelerator": "nvidia-h20"}, "accelerator: 'nvidia-h20' is not offered by aws in us-west-2"),
        ({"flavor": "g4dn.xlarge"}, "flavor: flavor 'g4dn.xlarge' of nvidia-a10g is not offered"),
    ]
    for change, message in cases:
        values: dict[str, Any] = {"cloud": "aws", "region": "us-west-2", "accelerator": "nvidia-a10g", "flavor": None}
        values |= {"placement": "standalone"} | change
        with pytest.raises(ValueError, match=message):
            validate_offering(catalog, **values)
    with pytest.raises(ValueError, match="offered on huaweicloud only as kubernetes, not scaling_group"):
        validate_offering(
            catalog, cloud="huaweicloud", region="cn-south-1", accelerator="ascend-910b", flavor=None,
            placement="scaling_group",
        )  # fmt: skip


def test_validate_disks_network_cluster_and_extras() -> None:
    with pytest.raises(ValueError, match="system_disk_gb: 39 is outside"):
        validate_disks("aws", "standalone", 39, 0)
    with pytest.raises(ValueError, match="data_disk_gb: 40000 is outside"):
        validate_disks("aws", "standalone", 100, 40000)
    with pytest.raises(ValueError, match="data_disk_gb: 100 on tencentcloud scaling_group would be unencrypted"):
        validate_disks("tencentcloud", "scaling_group", 100, 100)
    validate_disks("tencentcloud", "scaling_group", 100, 0)
    with pytest.raises(ValueError, match="subnet_ids: empty"):
        validate_network({})
    with pytest.raises(ValueError, match="cluster: required for placement kubernetes"):
        validate_cluster("kubernetes", None)
    with pytest.raises(ValueError, match="cluster: give exactly one of id or create=True"):
        validate_cluster("kubernetes", ClusterArgs(id="c", create=True))
    with pytest.raises(ValueError, match="extra_cloud_config: keys runcmd given for a kubernetes node pool"):
        validate_extra_cloud_config("kubernetes", {"runcmd": ["true"]})
    assert zones_for(5, ["a", "b"]) == ["a", "b", "a", "b", "a"]


def test_merge_refuses_to_overwrite_a_setting() -> None:
    merged = merge_cloud_config({"runcmd": [["a"]], "timezone": "UTC"}, {"runcmd": [["b"]]}, {"packages": ["x"]})
    assert merged == {"runcmd": [["a"], ["b"]], "timezone": "UTC", "packages": ["x"]}
    with pytest.raises(ValueError, match=r"extra_cloud_config\.timezone: already set"):
        merge_cloud_config({"timezone": "UTC"}, {"timezone": "Asia/Shanghai"})
