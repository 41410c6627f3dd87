"""user_data_files: every user-data field of a plan, whatever the cloud's name or encoding, decoded."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest
from inferfleet_gpu_instance.cloudinit import render_mime_multipart

from inferfleet.errors import PlanInputError
from inferfleet.plan import Planner
from inferfleet.render import user_data_files

CLOUD_CONFIG = "#cloud-config\nruncmd:\n- [sysctl, --system]\n"
SCRIPT = "#!/bin/bash\nsysctl --system\n"


def plan_of(*resources: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"resources": [{"name": name, "type": "t:m:R", "inputs": inputs} for name, inputs in resources]}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_each_cloud_field_and_encoding_is_found_and_decoded() -> None:
    plan = plan_of(
        ("plain", {"userData": CLOUD_CONFIG}),
        ("encoded", {"userData": b64(CLOUD_CONFIG)}),
        ("raw", {"userDataRaw": CLOUD_CONFIG}),
        ("as", {"instanceConfig": {"userData": b64(CLOUD_CONFIG)}}),
        ("cce", {"preinstall": b64(SCRIPT), "postinstall": SCRIPT}),
        ("tke", {"nodeConfig": {"userData": b64(SCRIPT)}}),
        ("ack", {"preUserData": b64(SCRIPT)}),
        ("lt", {"userData": b64(render_mime_multipart(CLOUD_CONFIG))}),
        ("none", {"name": "no user data here", "tags": {"userData": 1}}),
    )
    assert user_data_files(plan) == {
        "plain.userData.cloud-config.yaml": CLOUD_CONFIG,
        "encoded.userData.cloud-config.yaml": CLOUD_CONFIG,
        "raw.userDataRaw.cloud-config.yaml": CLOUD_CONFIG,
        "as.instanceConfig.userData.cloud-config.yaml": CLOUD_CONFIG,
        "cce.preinstall.sh": SCRIPT,
        "cce.postinstall.sh": SCRIPT,
        "tke.nodeConfig.userData.sh": SCRIPT,
        "ack.preUserData.sh": SCRIPT,
        "lt.userData.part-1.cloud-config.yaml": CLOUD_CONFIG,
    }


def test_unknown_and_secret_user_data_say_so() -> None:
    files = user_data_files(
        plan_of(("a", {"userData": "(known after apply)"}), ("b", {"userData": "(sensitive value)"}))
    )
    assert files == {
        "a.userData.txt": "# (known after apply): the plan does not show this user data\n",
        "b.userData.txt": "# (sensitive value): the plan does not show this user data\n",
    }


def test_text_that_only_looks_like_base64_stays_as_is() -> None:
    assert user_data_files(plan_of(("x", {"userData": "abcd"}))) == {"x.userData.txt": "abcd"}


@pytest.mark.parametrize(
    ("plan", "key_path"),
    [({}, "resources"), ({"resources": "x"}, "resources"), ({"resources": [{"inputs": []}]}, "resources[0]")],
)
def test_malformed_plan_is_located(plan: dict[str, Any], key_path: str) -> None:
    with pytest.raises(PlanInputError) as caught:
        user_data_files(plan)
    assert caught.value.key_path == key_path


@pytest.mark.slow
def test_reference_stacks_render_valid_user_data(stacks_dir: Path, tmp_path: Path) -> None:
    planner = Planner(stacks_dir)
    expected = {
        "prod-cn-south": "ascend-node-pool.postinstall.sh",
        "staging-cn-south": "ascend-node-0.userData.cloud-config.yaml",
        "prod-cn-north": "nvidia-scaling-config.instanceConfig.userData.cloud-config.yaml",
        "prod-us-west": "a10g-launch-template.userData.part-1.cloud-config.yaml",
    }
    for stack, name in expected.items():
        files = user_data_files(planner.plan(stack))
        assert name in files, sorted(files)
        text = files[name]
        assert "/etc/inferfleet/host-tuning" in text
        assert "net.ipv4.tcp_congestion_control = bbr" in text
        path = tmp_path / name
        path.write_text(text)
        command = ["bash", "-n", str(path)] if name.endswith(".sh") else ["cloud-init", "schema", "-c", str(path)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "npu-smi info" in user_data_files(planner.plan("prod-cn-south"))["ascend-node-pool.postinstall.sh"]
