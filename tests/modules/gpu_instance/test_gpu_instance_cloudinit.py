"""The user data of every profile x accelerator family x cloud x placement, validated by the real cloud-init.

Debian's `cloud-init` package ships the cloud-config JSON schema and `cloud-init schema
--config-file`; the bootstrap installs it. Without it these tests fail (they never skip).
"""

from __future__ import annotations

import base64
import email
import email.policy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from inferfleet_gpu_instance import PROFILE_NAMES, USER_DATA_FIELDS, build_user_data, resolve_tuning
from inferfleet_gpu_instance.cloudinit import render_cloud_config

FAMILIES = ("nvidia", "ascend")
SERVICE_UNIT = {
    "write_files": [
        {"path": "/etc/systemd/system/inferfleet-demo.service", "content": "[Service]\nExecStart=/bin/true\n"}
    ],
    "runcmd": [["systemctl", "enable", "--now", "inferfleet-demo.service"]],
}


def cloud_init() -> str:
    executable = shutil.which("cloud-init")
    if executable is None:
        pytest.fail("the `cloud-init` executable is missing: install the Debian package `cloud-init` (make bootstrap)")
    return executable


def schema_errors(text: str, tmp_path: Path) -> str:
    """'' when cloud-init accepts `text` as cloud-config, else its error output."""
    path = tmp_path / "user-data.yaml"
    path.write_text(text)
    result = subprocess.run(
        [cloud_init(), "schema", "--config-file", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    return "" if result.returncode == 0 else result.stdout + result.stderr


def host_cloud_config(value: str, cloud: str, placement: str) -> str:
    """Back from the value sent to the cloud to the cloud-config the host applies."""
    field = USER_DATA_FIELDS[(cloud, placement)]
    text = base64.b64decode(value).decode() if field.base64 else value
    if field.form == "mime":
        message = email.message_from_string(text, policy=email.policy.default)
        (part,) = [p for p in message.walk() if p.get_content_type() == "text/cloud-config"]
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        text = payload.decode()
    return text


def all_user_data() -> dict[str, list[str]]:
    """Each distinct cloud-config text -> the combinations that produce it."""
    texts: dict[str, list[str]] = {}
    for (cloud, placement), field in USER_DATA_FIELDS.items():
        for profile in PROFILE_NAMES:
            for family in FAMILIES:
                extra = SERVICE_UNIT if placement != "kubernetes" else {}
                user_data = build_user_data(cloud, placement, resolve_tuning(profile), family, extra)
                if field.form == "script":
                    text = render_cloud_config(user_data.cloud_config)
                else:
                    text = host_cloud_config(user_data.value, cloud, placement)
                texts.setdefault(text, []).append(f"{cloud}/{placement}/{profile}/{family}")
    return texts


def test_every_profile_family_cloud_and_placement_is_valid_cloud_config(tmp_path: Path) -> None:
    texts = all_user_data()
    assert sum(len(combos) for combos in texts.values()) == len(USER_DATA_FIELDS) * len(PROFILE_NAMES) * 2
    for text, combos in texts.items():
        assert text.startswith("#cloud-config\n")
        errors = schema_errors(text, tmp_path)
        assert not errors, f"{combos[0]} (and {len(combos) - 1} more): {errors}"


def test_the_validator_rejects_a_broken_document(tmp_path: Path) -> None:
    # The control: proves a pass above means cloud-init checked the document against its schema.
    broken = "#cloud-config\n" + yaml.safe_dump({"write_files": [{"path": "/x", "permissions": 644}], "runcmd": "x"})
    errors = schema_errors(broken, tmp_path)
    assert "write_files.0.permissions" in errors
    assert "runcmd" in errors


@pytest.mark.parametrize("cloud", ["huaweicloud", "alicloud", "tencentcloud"])
def test_node_pool_scripts_are_valid_bash_applying_the_same_files(cloud: str, tmp_path: Path) -> None:
    user_data = build_user_data(cloud, "kubernetes", resolve_tuning("edge"), "nvidia", {})
    script = base64.b64decode(user_data.value).decode()
    path = tmp_path / "hook.sh"
    path.write_text(script)
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True, check=False).returncode == 0
    for entry in user_data.cloud_config["write_files"]:
        assert entry["path"] in script
        assert entry["content"] in script
    assert "sysctl --system" in script
