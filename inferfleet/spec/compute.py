"""Spec of the compute layer: GPU pools and host tuning (module inferfleet-gpu-instance)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from inferfleet.spec.base import (
    MAX_GROUP_SIZE,
    MAX_SETTINGS,
    MAX_STANDALONE_COUNT,
    DnsLabel,
    PrivateCidr,
    ScalarValue,
    SpecModel,
)

if TYPE_CHECKING:
    from inferfleet.spec.model import FleetSpec

Problem = tuple[tuple[int | str, ...], str]

Placement = Literal["standalone", "scaling_group", "kubernetes"]
TuningProfileName = Literal["default", "high-bdp", "edge"]


class TuningSpec(SpecModel):
    """Host tuning: a named profile plus per-value overrides."""

    profile: TuningProfileName = Field(default="default", description="Base profile. Default: default.")
    sysctl: dict[str, ScalarValue] = Field(
        default_factory=dict,
        max_length=MAX_SETTINGS,
        description="sysctl overrides, e.g. net.core.rmem_max: 268435456. Default: none.",
    )
    block: dict[str, dict[str, ScalarValue]] = Field(
        default_factory=dict,
        max_length=MAX_SETTINGS,
        description="Block-device overrides per device class (nvme, virtio): scheduler, nr_requests, read_ahead_kb.",
    )


class ClusterSpec(SpecModel):
    """The managed Kubernetes cluster a node pool joins."""

    id: str | None = Field(default=None, description="Existing cluster id. Default: none (requires create).")
    create: bool = Field(default=False, description="Create the cluster in this stack. Default: false.")
    version: str = Field(default="1.31", pattern=r"^1\.\d+$", description="Kubernetes minor version. Default: 1.31.")
    kubeconfig_key: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z][A-Za-z0-9_-]*$",
        description=(
            "Secret stack-config key (inference-fleet namespace) holding the kubeconfig of the existing cluster "
            "`id`. Default: none (the Kubernetes provider's ambient kubeconfig)."
        ),
    )
    pod_cidr: PrivateCidr = Field(
        default=ipaddress.IPv4Network("172.20.0.0/16"),
        description="Pod CIDR of a created cluster (outside the VPC). Default: 172.20.0.0/16.",
    )
    service_cidr: PrivateCidr = Field(
        default=ipaddress.IPv4Network("172.21.0.0/20"),
        description="Service CIDR of a created cluster (outside the VPC and the pods). Default: 172.21.0.0/20.",
    )

    @model_validator(mode="after")
    def _id_or_create(self) -> ClusterSpec:
        if (self.id is None) == (not self.create):
            raise ValueError("give exactly one of `id` (an existing cluster) or `create: true`")
        if self.create and self.kubeconfig_key is not None:
            raise ValueError("`kubeconfig_key` is for an existing cluster (`id`); a created cluster provides its own")
        return self


class PoolSpec(SpecModel):
    """A pool of GPU nodes of one accelerator model in one placement."""

    name: DnsLabel = Field(description="Pool name; child resource names derive from it.")
    accelerator: str = Field(description="Accelerator model from the catalog, e.g. ascend-910b, nvidia-a10.")
    flavor: str | None = Field(
        default=None, description="Instance type/flavor. Default: the catalog's first offering of the accelerator."
    )
    placement: Placement = Field(default="standalone", description="Default: standalone.")
    count: int = Field(
        default=1,
        ge=0,
        le=MAX_GROUP_SIZE,
        description=f"Nodes (standalone, at most {MAX_STANDALONE_COUNT}) or desired size (group/pool, at most "
        f"{MAX_GROUP_SIZE}). Default: 1.",
    )
    min_count: int | None = Field(default=None, ge=0, le=MAX_GROUP_SIZE, description="Minimum size. Default: count.")
    max_count: int | None = Field(
        default=None, ge=1, le=MAX_GROUP_SIZE, description=f"Maximum size, at most {MAX_GROUP_SIZE}. Default: count."
    )
    image: str | None = Field(
        default=None,
        description="Image (VMs) or node OS (node pools) override. Default: the accelerator family's catalog image.",
    )
    system_disk_gb: int = Field(default=100, ge=40, le=2048, description="System disk size in GiB. Default: 100.")
    data_disk_gb: int = Field(default=500, ge=0, le=32768, description="Data disk size in GiB (0: none). Default: 500.")
    key_pair: str | None = Field(default=None, description="SSH key pair name on the nodes. Default: none.")
    kms_key_id: str | None = Field(
        default=None,
        description="KMS key of the disks. Default: huaweicloud a key created per pool, other clouds the service key.",
    )
    tuning: TuningSpec | None = Field(default=None, description="Host tuning. Default: the fleet's `tuning`.")
    cluster: ClusterSpec | None = Field(default=None, description="Required for placement kubernetes.")

    # Sizes and the cluster are checked in `pool_checks`, located at the offending key.

    @property
    def size_range(self) -> tuple[int, int]:
        """(min, max) with the defaults resolved."""
        low = self.min_count if self.min_count is not None else self.count
        high = self.max_count if self.max_count is not None else max(self.count, low)
        return low, high


def _field_problem(prefix: tuple[int | str, ...], error: ValueError) -> Problem:
    """A module `validate_*` error ("field: message") located under `prefix`."""
    field, _, message = str(error).partition(": ")
    if not message or " " in field:
        return prefix, str(error)
    return (*prefix, field.replace(" ", "_")), message


def pool_checks(fleet: FleetSpec) -> Iterator[Problem]:
    """Each pool against the accelerator catalog and the module's rules; user data within the cloud's limit."""
    from inferfleet_gpu_instance import load_catalog
    from inferfleet_gpu_instance.args import validate_disks, validate_offering

    catalog = load_catalog()
    for index, pool in enumerate(fleet.pools):
        where = ("pools", index)
        yield from _pool_shape(where, pool, fleet.network.cidr)
        try:
            validate_offering(
                catalog,
                cloud=fleet.cloud,
                region=fleet.region,
                accelerator=pool.accelerator,
                flavor=pool.flavor,
                placement=pool.placement,
            )
            validate_disks(fleet.cloud, pool.placement, pool.system_disk_gb, pool.data_disk_gb)
        except ValueError as error:
            yield _field_problem(where, error)


def _pool_shape(where: tuple[int | str, ...], pool: PoolSpec, vpc: ipaddress.IPv4Network) -> Iterator[Problem]:
    low, high = pool.size_range
    if pool.placement == "standalone" and pool.count > MAX_STANDALONE_COUNT:
        yield (
            (*where, "count"),
            f"{pool.count} standalone nodes, above the limit of {MAX_STANDALONE_COUNT}; run a pool this large as "
            "placement scaling_group or kubernetes",
        )
    if low > high:
        yield (*where, "min_count"), f"{low} is above max_count ({high})"
    elif pool.count > high:
        yield (*where, "count"), f"{pool.count} is above max_count ({high})"
    elif pool.count < low:
        yield (*where, "count"), f"{pool.count} is below min_count ({low})"
    if pool.placement == "kubernetes" and pool.cluster is None:
        yield (*where, "cluster"), "required for placement kubernetes (`id: <existing cluster>` or `create: true`)"
    if pool.placement != "kubernetes" and pool.cluster is not None:
        yield (*where, "cluster"), f"only applies to placement kubernetes, not {pool.placement}"
    cluster = pool.cluster
    if cluster is not None and cluster.create:
        for key, cidr in (("pod_cidr", cluster.pod_cidr), ("service_cidr", cluster.service_cidr)):
            if cidr.overlaps(vpc):
                yield (*where, "cluster", key), f"{cidr} overlaps the VPC CIDR {vpc}"
        if cluster.pod_cidr.overlaps(cluster.service_cidr):
            yield (*where, "cluster", "service_cidr"), f"{cluster.service_cidr} overlaps pod_cidr {cluster.pod_cidr}"


def tuning_checks(fleet: FleetSpec) -> Iterator[Problem]:
    """Known sysctl keys and udev attributes, values in range, buffer maxima not below their defaults."""
    from inferfleet_gpu_instance import tuning_problems

    sections: list[tuple[tuple[int | str, ...], TuningSpec]] = [(("tuning",), fleet.tuning)]
    sections += [(("pools", index, "tuning"), pool.tuning) for index, pool in enumerate(fleet.pools) if pool.tuning]
    for prefix, tuning in sections:
        for key, message in tuning_problems(tuning.profile, tuning.sysctl, tuning.block):
            yield (*prefix, *key), message


def user_data_checks(fleet: FleetSpec) -> Iterator[Problem]:
    """The rendered user data of each pool (tuning + service units) fits the cloud's field."""
    from inferfleet_gpu_instance import build_user_data, load_catalog, resolve_tuning
    from inferfleet_gpu_instance.userdata import SECRET_PLACEHOLDER

    from inferfleet.compose.serving import vm_host_extras

    if any(True for _ in pool_checks(fleet)) or any(True for _ in tuning_checks(fleet)):
        return  # reported by those checks; the user data cannot be rendered yet
    catalog = load_catalog()
    try:
        # Secrets are sized as their placeholder: their values exist only in the program (Pulumi secrets).
        extras = vm_host_extras(fleet, secret_value=lambda key: SECRET_PLACEHOLDER)
    except (ValueError, LookupError):
        return  # a service the serving checks refuse; its unit cannot be sized yet
    for index, pool in enumerate(fleet.pools):
        tuning_spec = fleet.tuning_of(pool)
        tuning = resolve_tuning(tuning_spec.profile, tuning_spec.sysctl, tuning_spec.block)
        family = catalog.lookup(fleet.cloud, fleet.region, pool.accelerator, pool.flavor).family
        try:
            build_user_data(fleet.cloud, pool.placement, tuning, family, extras.get(pool.name, {}))
        except ValueError as error:
            yield ("pools", index), str(error)


COMPUTE_CHECKS = (pool_checks, tuning_checks, user_data_checks)
