"""Inputs of the GpuPool component and the pure checks on them.

Nothing here imports a cloud SDK: the toolkit runs these checks on a stack spec before any
resource is registered, and the component runs them again on its own args.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
from inferfleet_components import doc as _doc

from inferfleet_gpu_instance.catalog import Catalog, NotOfferedError, Offering, load_catalog
from inferfleet_gpu_instance.tuning import PROFILES, HostTuning

Cloud = Literal["huaweicloud", "alicloud", "tencentcloud", "aws"]
Placement = Literal["standalone", "scaling_group", "kubernetes"]
CLOUDS: tuple[Cloud, ...] = ("huaweicloud", "alicloud", "tencentcloud", "aws")
PLACEMENTS: tuple[Placement, ...] = ("standalone", "scaling_group", "kubernetes")

UNENCRYPTABLE_DATA_DISKS: dict[tuple[str, str], str] = {
    ("tencentcloud", "scaling_group"): "tencentcloud_iac_pulumi 0.2.3 as_.ScalingConfigDataDiskArgs has no `encrypt`",
}
"""(cloud, placement) pairs whose SDK cannot encrypt a data disk: a data disk there is refused."""


@dataclass(frozen=True, kw_only=True)
class ClusterArgs:
    """The managed Kubernetes cluster a node pool joins: an existing one by id, or one the pool creates."""

    id: str | None = field(default=None, metadata=_doc("Id (EKS: name) of an existing cluster. Default: None."))
    create: bool = field(default=False, metadata=_doc("Create the cluster under the pool. Default: False."))
    version: str = field(default="1.31", metadata=_doc("Kubernetes minor version of a created cluster. Default: 1.31."))
    kubeconfig: pulumi.Input[str] | None = field(
        default=None, metadata=_doc("Kubeconfig of an existing cluster (secret), passed through. Default: None.")
    )
    pod_cidr: str = field(
        default="172.20.0.0/16", metadata=_doc("Pod CIDR of a created cluster. Default: 172.20.0.0/16.")
    )
    service_cidr: str = field(
        default="172.21.0.0/20", metadata=_doc("Service CIDR of a created cluster. Default: 172.21.0.0/20.")
    )


@dataclass(frozen=True, kw_only=True)
class GpuPoolArgs:
    """A pool of GPU/NPU nodes of one accelerator model in one placement, with host tuning."""

    cloud: Cloud = field(metadata=_doc("Cloud: huaweicloud, alicloud, tencentcloud or aws. Required."))
    region: str = field(metadata=_doc("Region code; the flavor must be offered there. Required."))
    accelerator: str = field(metadata=_doc("Accelerator model from the catalog, e.g. ascend-910b. Required."))
    vpc_id: pulumi.Input[str] = field(metadata=_doc("VPC the nodes join. Required."))
    subnet_ids: Mapping[str, pulumi.Input[str]] = field(
        metadata=_doc("Subnet (vswitch) id per zone; nodes spread over them in zone order. Required.")
    )
    security_group_id: pulumi.Input[str] = field(metadata=_doc("Security group of the nodes. Required."))
    placement: Placement = field(
        default="standalone", metadata=_doc("standalone, scaling_group or kubernetes. Default: standalone.")
    )
    flavor: str | None = field(
        default=None, metadata=_doc("Instance type/flavor. Default: None (the catalog's first offering).")
    )
    count: int = field(default=1, metadata=_doc("Instances (standalone) or desired size. Default: 1."))
    min_count: int | None = field(default=None, metadata=_doc("Minimum group/pool size. Default: None (count)."))
    max_count: int | None = field(default=None, metadata=_doc("Maximum group/pool size. Default: None (count)."))
    image: str | None = field(
        default=None, metadata=_doc("Image (VMs) or node OS (node pools). Default: None (the family's catalog image).")
    )
    system_disk_gb: int = field(default=100, metadata=_doc("System disk size in GiB. Default: 100."))
    data_disk_gb: int = field(default=500, metadata=_doc("Data disk size in GiB, 0 for none. Default: 500."))
    kms_key_id: pulumi.Input[str] | None = field(
        default=None,
        metadata=_doc(
            "KMS key of the disks. Default: None (huaweicloud: a key created by the pool; others: service key)."
        ),
    )
    tuning: HostTuning = field(
        default=PROFILES["default"], metadata=_doc("Resolved host tuning (see resolve_tuning). Default: default.")
    )
    extra_cloud_config: Mapping[str, Any] = field(
        default_factory=dict,
        metadata=_doc(
            "Cloud-config parts merged after the tuning (VM placements only), e.g. write_files. Default: {}."
        ),
    )
    cluster: ClusterArgs | None = field(
        default=None, metadata=_doc("Cluster of a kubernetes placement. Default: None (required for kubernetes).")
    )
    key_pair: str | None = field(default=None, metadata=_doc("SSH key pair name. Default: None (no key)."))
    taint_nodes: bool = field(
        default=True, metadata=_doc("Taint node-pool nodes so only accelerator workloads land there. Default: True.")
    )
    name_prefix: str = field(
        default="",
        metadata=_doc(
            "Prefix of names seen in the cloud (e.g. the stack) so pools of two stacks never collide. Default: ''."
        ),
    )
    tags: Mapping[str, str] = field(
        default_factory=dict, metadata=_doc("Tags on every taggable resource. Default: {}.")
    )
    protect: bool = field(
        default=False,
        metadata=_doc("Protect instances (their disks), keys and clusters; set it in prod. Default: False."),
    )
    catalog: Catalog | None = field(
        default=None, metadata=_doc("Accelerator catalog. Default: None (the packaged catalog.yaml).")
    )

    @property
    def size_range(self) -> tuple[int, int]:
        """(min, max) with the defaults resolved."""
        low = self.count if self.min_count is None else self.min_count
        high = max(self.count, low) if self.max_count is None else self.max_count
        return low, high


def validate_sizes(count: int, min_count: int | None, max_count: int | None) -> None:
    """count >= 0, min <= count <= max."""
    if count < 0:
        raise ValueError(f"count: {count} is negative")
    low = count if min_count is None else min_count
    high = max(count, low) if max_count is None else max_count
    if low < 0:
        raise ValueError(f"min_count: {low} is negative")
    if low > high:
        raise ValueError(f"min_count: {low} is above max_count {high}")
    if not low <= count <= high:
        raise ValueError(f"count: {count} is outside [min_count {low}, max_count {high}]")


def validate_offering(
    catalog: Catalog, *, cloud: str, region: str, accelerator: str, flavor: str | None, placement: str
) -> Offering:
    """The catalog row of the pool; raises ValueError naming the field and listing what is offered."""
    if cloud not in CLOUDS:
        raise ValueError(f"cloud: {cloud!r} is not one of {', '.join(CLOUDS)}")
    if placement not in PLACEMENTS:
        raise ValueError(f"placement: {placement!r} is not one of {', '.join(PLACEMENTS)}")
    try:
        offering = catalog.lookup(cloud, region, accelerator)
    except NotOfferedError as error:
        raise ValueError(f"accelerator: {error}") from None
    if flavor is not None:
        try:
            offering = catalog.lookup(cloud, region, accelerator, flavor)
        except NotOfferedError as error:
            raise ValueError(f"flavor: {error}") from None
    if placement not in offering.placements:
        raise ValueError(
            f"placement: {offering.flavor} ({accelerator}) is offered on {cloud} only as "
            f"{', '.join(offering.placements)}, not {placement}"
        )
    return offering


def validate_network(subnet_ids: Mapping[str, object]) -> list[str]:
    """The zones, in order; at least one subnet is needed."""
    if not subnet_ids:
        raise ValueError("subnet_ids: empty; give at least one zone's subnet id")
    return list(subnet_ids)


def validate_disks(cloud: str, placement: str, system_disk_gb: int, data_disk_gb: int) -> None:
    if not 40 <= system_disk_gb <= 2048:
        raise ValueError(f"system_disk_gb: {system_disk_gb} is outside [40, 2048]")
    if not 0 <= data_disk_gb <= 32768:
        raise ValueError(f"data_disk_gb: {data_disk_gb} is outside [0, 32768]")
    reason = UNENCRYPTABLE_DATA_DISKS.get((cloud, placement))
    if reason and data_disk_gb:
        raise ValueError(
            f"data_disk_gb: {data_disk_gb} on {cloud} {placement} would be unencrypted ({reason}); "
            "set 0 or use another placement"
        )


def validate_cluster(placement: str, cluster: ClusterArgs | None) -> None:
    if placement == "kubernetes":
        if cluster is None:
            raise ValueError("cluster: required for placement kubernetes (an existing id or create=True)")
        if (cluster.id is None) == (not cluster.create):
            raise ValueError(
                f"cluster: give exactly one of id or create=True (got id={cluster.id!r}, create={cluster.create})"
            )
    elif cluster is not None:
        raise ValueError(f"cluster: only applies to placement kubernetes, not {placement}")


def validate_extra_cloud_config(placement: str, extra: Mapping[str, Any]) -> None:
    if extra and placement == "kubernetes":
        raise ValueError(
            f"extra_cloud_config: keys {', '.join(sorted(extra))} given for a kubernetes node pool; "
            "services there run as pods"
        )


def zones_for(count: int, zones: Sequence[str]) -> list[str]:
    """The zone of each of `count` standalone instances: round-robin in zone order."""
    return [zones[index % len(zones)] for index in range(count)]


def resolve_catalog(catalog: Catalog | None) -> Catalog:
    return catalog if catalog is not None else load_catalog()
