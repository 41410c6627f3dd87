"""Which user-data field each cloud and placement takes, in which form and encoding, and its size limit.

The table is the whole difference between the clouds here; :func:`build_user_data` renders the
pool's cloud-config into the form the field needs and checks the limit before anything is created.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pulumi

from inferfleet_gpu_instance.cloudinit import (
    encode_base64,
    host_cloud_config,
    merge_cloud_config,
    render_cloud_config,
    render_mime_multipart,
    render_shell_script,
)
from inferfleet_gpu_instance.tuning import HostTuning

Form = Literal["cloud-config", "script", "mime"]


@dataclass(frozen=True)
class UserDataField:
    """Where a placement's user data goes."""

    resource: str
    """Resource type and argument path, for messages and docs."""
    form: Form
    """cloud-config (cloud-init reads it), script (a node-pool hook runs it), mime (multipart with a cloud-config)."""
    base64: bool
    """Whether the SDK requires (or the API documents) base64."""
    limit_bytes: int
    limit_counts_encoded: bool
    """Whether the limit applies to the value as sent (True) or to the decoded text (False)."""


USER_DATA_FIELDS: dict[tuple[str, str], UserDataField] = {
    ("huaweicloud", "standalone"): UserDataField(
        "huaweicloud:Ecs/instance:Instance.userData", "cloud-config", False, 32768, False
    ),
    ("huaweicloud", "scaling_group"): UserDataField(
        "huaweicloud:As/configuration:Configuration.instanceConfig.userData", "cloud-config", True, 32768, False
    ),
    # The CCE script hooks take plain or base64; the limit is not documented in the SDK (UNSURE).
    ("huaweicloud", "kubernetes"): UserDataField(
        "huaweicloud:Cce/nodePool:NodePool.postinstall", "script", True, 10240, True
    ),
    ("alicloud", "standalone"): UserDataField(
        "alicloud:ecs/instance:Instance.userData", "cloud-config", True, 32768, True
    ),
    ("alicloud", "scaling_group"): UserDataField(
        "alicloud:ess/scalingConfiguration:ScalingConfiguration.userData", "cloud-config", True, 32768, True
    ),
    ("alicloud", "kubernetes"): UserDataField("alicloud:cs/nodePool:NodePool.userData", "script", True, 16384, True),
    ("tencentcloud", "standalone"): UserDataField(
        "tencentcloud:Instance/instance:Instance.userData", "cloud-config", True, 16384, True
    ),
    ("tencentcloud", "scaling_group"): UserDataField(
        "tencentcloud:As/scalingConfig:ScalingConfig.userData", "cloud-config", True, 16384, True
    ),
    ("tencentcloud", "kubernetes"): UserDataField(
        "tencentcloud:Kubernetes/nodePool:NodePool.nodeConfig.userData", "script", True, 16384, True
    ),
    ("aws", "standalone"): UserDataField("aws:ec2/instance:Instance.userData", "cloud-config", False, 16384, False),
    ("aws", "scaling_group"): UserDataField(
        "aws:ec2/launchTemplate:LaunchTemplate.userData", "cloud-config", True, 16384, False
    ),
    ("aws", "kubernetes"): UserDataField("aws:ec2/launchTemplate:LaunchTemplate.userData", "mime", True, 16384, False),
}


SECRET_PLACEHOLDER = "(sensitive value)"
"""What the shown text holds where the cloud-config holds a secret (e.g. a service's secrets file)."""


@dataclass(frozen=True)
class UserData:
    """A pool's user data: the cloud-config it came from, the text on the host, and the value sent.

    When the cloud-config holds Pulumi outputs (a secrets file's content), `text` shows them as
    SECRET_PLACEHOLDER and `value` is a secret Output: the plan shows the user data as sensitive.
    """

    cloud_config: Mapping[str, Any]
    text: str
    value: pulumi.Input[str]
    field: UserDataField


def _holds_outputs(node: Any) -> bool:
    if isinstance(node, pulumi.Output):
        return True
    if isinstance(node, Mapping):
        return any(_holds_outputs(value) for value in node.values())
    if isinstance(node, list):
        return any(_holds_outputs(value) for value in node)
    return False


def _shown(node: Any) -> Any:
    if isinstance(node, pulumi.Output):
        return SECRET_PLACEHOLDER
    if isinstance(node, Mapping):
        return {key: _shown(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_shown(value) for value in node]
    return node


def _render(field: UserDataField, config: Mapping[str, Any]) -> tuple[str, str]:
    """(text on the host, value sent); raises ValueError if the result is over the field's limit."""
    if field.form == "script":
        text = render_shell_script(config)
    elif field.form == "mime":
        text = render_mime_multipart(render_cloud_config(config))
    else:
        text = render_cloud_config(config)
    value = encode_base64(text) if field.base64 else text
    size = len(value.encode()) if field.limit_counts_encoded else len(text.encode())
    if size > field.limit_bytes:
        what = "base64-encoded" if field.limit_counts_encoded and field.base64 else "rendered"
        raise ValueError(
            f"user data: the {what} user data is {size} bytes, over the {field.limit_bytes}-byte limit "
            f"of {field.resource}; shorten extra_cloud_config"
        )
    return text, value


def build_user_data(
    cloud: str, placement: str, tuning: HostTuning, family: str, extra_cloud_config: Mapping[str, Any]
) -> UserData:
    """Render and encode; raises ValueError if the result is over the field's limit.

    Outputs inside `extra_cloud_config` (secret file contents) are rendered when they resolve; the
    limit is checked on the text with placeholders now and on the real text then.
    """
    field = USER_DATA_FIELDS[(cloud, placement)]
    config = merge_cloud_config(host_cloud_config(tuning, family), extra_cloud_config)
    if not _holds_outputs(config):
        text, value = _render(field, config)
        return UserData(cloud_config=config, text=text, value=value, field=field)
    shown = _shown(config)
    text, _ = _render(field, shown)
    resolved = pulumi.Output.from_input(config).apply(lambda real: _render(field, real)[1])
    return UserData(cloud_config=shown, text=text, value=pulumi.Output.secret(resolved), field=field)
