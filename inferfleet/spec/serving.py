"""Spec of the serving layer: inference services and their canaries (module inferfleet-inference-service)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from inferfleet.spec.base import DnsLabel, Port, ScalarValue, SpecModel


class ModelServerSettings(SpecModel):
    """Settings passed to the model server."""

    name: str = Field(min_length=1, description="Served model name, e.g. autoglm-phone-9b.")
    path: str = Field(default="/models", description="Model path inside the container. Default: /models.")
    port: Port = Field(default=8000, description="Inference port. Default: 8000.")
    health_path: str = Field(default="/health", pattern=r"^/", description="Health endpoint. Default: /health.")
    max_batch_size: int = Field(default=32, ge=1, le=4096, description="Default: 32.")
    max_sequence_length: int = Field(default=8192, ge=128, le=1048576, description="Default: 8192.")
    precision: Literal["fp32", "fp16", "bf16", "int8", "fp8"] = Field(default="bf16", description="Default: bf16.")
    extra: dict[str, ScalarValue] = Field(default_factory=dict, description="Free-form extra settings.")


class CanarySpec(SpecModel):
    """A canary track beside the stable one, moving through traffic stages."""

    image: str = Field(description="Canary image, pinned by digest.")
    stages: list[int] = Field(
        default_factory=lambda: [5, 20, 100], description="Traffic % per stage. Default: 5, 20, 100."
    )
    stage: int = Field(default=0, ge=0, description="Index into `stages` of the current stage. Default: 0.")

    @model_validator(mode="after")
    def _stages(self) -> CanarySpec:
        if not self.stages:
            raise ValueError("stages must not be empty")
        if any(not 0 <= weight <= 100 for weight in self.stages):
            raise ValueError(f"every stage weight must lie in 0-100, got {self.stages}")
        if any(later <= earlier for earlier, later in zip(self.stages, self.stages[1:], strict=False)):
            raise ValueError(f"stages must strictly increase, got {self.stages}")
        if self.stage >= len(self.stages):
            raise ValueError(f"stage {self.stage} is past the last stage (0-{len(self.stages) - 1})")
        return self

    @property
    def weight(self) -> int:
        return self.stages[self.stage]


class AutoscalingSpec(SpecModel):
    """HorizontalPodAutoscaler settings."""

    min_replicas: int | None = Field(default=None, ge=1, description="Default: the service's replicas.")
    max_replicas: int | None = Field(default=None, ge=1, description="Default: 2 x replicas.")
    cpu_utilization: int = Field(default=75, ge=1, le=100, description="Target CPU %. Default: 75.")
    custom_metric: str | None = Field(default=None, description="Pods metric name, e.g. p99_latency_ms. Default: none.")
    custom_target: float | None = Field(default=None, gt=0, description="Average value target of custom_metric.")

    @model_validator(mode="after")
    def _metric_pair(self) -> AutoscalingSpec:
        if (self.custom_metric is None) != (self.custom_target is None):
            raise ValueError("custom_metric and custom_target go together")
        return self


class ServiceSpec(SpecModel):
    """An inference service on one pool."""

    name: DnsLabel = Field(description="Service name; child resource names derive from it.")
    pool: str = Field(description="Name of the pool it runs on.")
    image: str = Field(description="Model-server image pinned by digest (repo@sha256:...).")
    replicas: int = Field(default=2, ge=1, description="Stable replicas. Default: 2.")
    accelerators_per_replica: int = Field(default=1, ge=1, description="Accelerators per replica. Default: 1.")
    cpu: str = Field(default="8", description="CPU request = limit. Default: 8.")
    memory: str = Field(default="64Gi", description="Memory request = limit. Default: 64Gi.")
    min_available: int = Field(default=1, ge=0, description="PodDisruptionBudget minAvailable. Default: 1.")
    namespace: DnsLabel | None = Field(default=None, description="Kubernetes namespace. Default: the service name.")
    model: ModelServerSettings
    canary: CanarySpec | None = Field(default=None, description="Canary track. Default: none.")
    autoscaling: AutoscalingSpec = Field(default_factory=AutoscalingSpec, description="Default: CPU 75%.")
    service_monitor: bool = Field(default=False, description="Create a Prometheus ServiceMonitor. Default: false.")
