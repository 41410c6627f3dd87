"""Spec of the compute layer: GPU pools and host tuning (module inferfleet-gpu-instance)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from inferfleet.spec.base import DnsLabel, ScalarValue, SpecModel

Placement = Literal["standalone", "scaling_group", "kubernetes"]
TuningProfileName = Literal["default", "high-bdp", "edge"]


class TuningSpec(SpecModel):
    """Host tuning: a named profile plus per-value overrides."""

    profile: TuningProfileName = Field(default="default", description="Base profile. Default: default.")
    sysctl: dict[str, ScalarValue] = Field(
        default_factory=dict, description="sysctl overrides, e.g. net.core.rmem_max: 268435456. Default: none."
    )
    block: dict[str, dict[str, ScalarValue]] = Field(
        default_factory=dict,
        description="Block-device overrides per device class (nvme, virtio): scheduler, nr_requests, read_ahead_kb.",
    )


class ClusterSpec(SpecModel):
    """The managed Kubernetes cluster a node pool joins."""

    id: str | None = Field(default=None, description="Existing cluster id. Default: none (requires create).")
    create: bool = Field(default=False, description="Create the cluster in this stack. Default: false.")
    version: str = Field(default="1.31", pattern=r"^1\.\d+$", description="Kubernetes minor version. Default: 1.31.")

    @model_validator(mode="after")
    def _id_or_create(self) -> ClusterSpec:
        if (self.id is None) == (not self.create):
            raise ValueError("give exactly one of `id` (an existing cluster) or `create: true`")
        return self


class PoolSpec(SpecModel):
    """A pool of GPU nodes of one accelerator model in one placement."""

    name: DnsLabel = Field(description="Pool name; child resource names derive from it.")
    accelerator: str = Field(description="Accelerator model from the catalog, e.g. ascend-910b, nvidia-a10.")
    flavor: str | None = Field(
        default=None, description="Instance type/flavor. Default: the catalog's first offering of the accelerator."
    )
    placement: Placement = Field(default="standalone", description="Default: standalone.")
    count: int = Field(default=1, ge=0, description="Nodes (standalone) or desired size (group/pool). Default: 1.")
    min_count: int | None = Field(default=None, ge=0, description="Minimum size. Default: count.")
    max_count: int | None = Field(default=None, ge=1, description="Maximum size. Default: count.")
    image: str | None = Field(default=None, description="Image id override. Default: the accelerator family's image.")
    system_disk_gb: int = Field(default=100, ge=40, le=2048, description="System disk size in GiB. Default: 100.")
    data_disk_gb: int = Field(default=500, ge=0, le=32768, description="Data disk size in GiB (0: none). Default: 500.")
    tuning: TuningSpec | None = Field(default=None, description="Host tuning. Default: the fleet's `tuning`.")
    cluster: ClusterSpec | None = Field(default=None, description="Required for placement kubernetes.")

    @model_validator(mode="after")
    def _sizes(self) -> PoolSpec:
        low = self.min_count if self.min_count is not None else self.count
        high = self.max_count if self.max_count is not None else max(self.count, low)
        if low > high:
            raise ValueError(f"min_count ({low}) is above max_count ({high})")
        if not low <= self.count <= high:
            raise ValueError(f"count ({self.count}) must lie between min_count ({low}) and max_count ({high})")
        if self.placement == "kubernetes" and self.cluster is None:
            raise ValueError("placement kubernetes needs a `cluster` (id or create: true)")
        if self.placement != "kubernetes" and self.cluster is not None:
            raise ValueError(f"`cluster` only applies to placement kubernetes, not {self.placement}")
        return self

    @property
    def size_range(self) -> tuple[int, int]:
        """(min, max) with the defaults resolved."""
        low = self.min_count if self.min_count is not None else self.count
        high = self.max_count if self.max_count is not None else max(self.count, low)
        return low, high
