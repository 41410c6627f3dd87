"""What differs between the four clouds' managed Kubernetes for the model server: a table, not code.

The module otherwise speaks only the Kubernetes API, identical on CCE, ACK, TKE and EKS; the one
difference that breaks a deploy is how pods get credentials for the cloud's private registry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CloudServing:
    image_pull_secrets: tuple[str, ...]
    """Pull secrets pods must name to read the cloud's private registry."""


CLOUDS: dict[str, CloudServing] = {
    # CCE creates `default-secret` (SWR pull credentials, refreshed) in every namespace and expects
    # workloads to name it (CCE user guide, "Cluster Secrets").
    "huaweicloud": CloudServing(image_pull_secrets=("default-secret",)),
    # ACK's aliyun-acr-credential-helper attaches ACR credentials to service accounts.
    "alicloud": CloudServing(image_pull_secrets=()),
    # TKE's TCR add-on lets nodes pull without secrets.
    "tencentcloud": CloudServing(image_pull_secrets=()),
    # EKS nodes pull from ECR with their node IAM role.
    "aws": CloudServing(image_pull_secrets=()),
}
