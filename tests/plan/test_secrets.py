"""Secrets never reach a plan, a report, a render or an error message, whatever their source.

Two sources: a provider's credentials (from the environment, as each cloud's SDK reads them) and a
service's `secrets` (encrypted stack config). Every output of every command is searched for the
secret text: `plan --out`, `plan --json`, `render`'s folder, `gate`'s console, JSON, SARIF and
JUnit reports, and stderr.
"""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import orjson
import pulumi
import pytest
from hostfile_syntax import parse_environment_file, parse_unit, split_command
from inferfleet_inference_service import AcceleratorArgs, ModelServerArgs, VmServiceArgs, vm_service_parts
from stackfiles import STACKS, WriteStack, reference_config

from inferfleet.cli.app import main
from inferfleet.plan import SECRET, dumps
from inferfleet.plan.credentials import mask_provider_credentials

FLEET = "inference-fleet:fleet"
CIPHERTEXT = "v1:AAAAbm90LWEtcmVhbC1jaXBoZXJ0ZXh0LWJ1dC1zZWNyZXQ="
"""What `pulumi config set --secret` leaves in the stack file; offline, this is the value the program sees."""

PROVIDER_ENVIRONMENT = {
    "prod-cn-guangzhou": {
        "TENCENTCLOUD_SECRET_ID": "AKIDtencentLEAKEDid0001",
        "TENCENTCLOUD_SECRET_KEY": "tencentLEAKEDkey0002",
        "TENCENTCLOUD_SECURITY_TOKEN": "tencentLEAKEDtoken0003",
    },
    "prod-cn-north": {
        "ALICLOUD_ACCESS_KEY": "LTAIaliLEAKEDaccess0004",
        "ALICLOUD_SECRET_KEY": "aliLEAKEDsecret0005",
        "ALICLOUD_SECURITY_TOKEN": "aliLEAKEDtoken0006",
    },
    "prod-cn-south": {
        "HW_ACCESS_KEY": "HWLEAKEDaccess0007",
        "HW_SECRET_KEY": "hwLEAKEDsecret0008",
        "HW_SECURITY_TOKEN": "hwLEAKEDtoken0009",
    },
    "prod-us-west": {
        "AWS_ACCESS_KEY_ID": "AKIAawsLEAKEDid0010",
        "AWS_SECRET_ACCESS_KEY": "awsLEAKEDsecret0011",
        "AWS_SESSION_TOKEN": "awsLEAKEDtoken0012",
    },
}
"""Each cloud's credential variables, as its Pulumi provider SDK reads them, on a stack of that cloud."""


def _all_text(*folders: Path) -> str:
    return "\n".join(
        path.read_text(errors="replace") for folder in folders for path in folder.rglob("*") if path.is_file()
    )


def _every_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stack: str, stacks_dir: Path, opa_url: str
) -> tuple[str, dict[str, int]]:
    """Run plan (--out, --json), render and gate (console, --json, --sarif, --junit); all they printed and wrote."""
    out = tmp_path / "out"
    out.mkdir()
    plan = out / "plan.json"
    codes = {
        "plan": main(["plan", "-s", stack, "--stacks-dir", str(stacks_dir), "--out", str(plan)]),
        "plan --json": main(["plan", "-s", stack, "--stacks-dir", str(stacks_dir), "--json"]),
        "render": main(["render", "-s", stack, "--stacks-dir", str(stacks_dir), "-o", str(out / "render")]),
        "gate": main(
            [
                "gate",
                str(plan),
                "--opa-url",
                opa_url,
                "--sarif",
                str(out / "gate.sarif"),
                "--junit",
                str(out / "gate.xml"),
            ]
        ),
        "gate --json": main(["gate", str(plan), "--opa-url", opa_url, "--json"]),
    }
    captured = capsys.readouterr()
    return captured.out + captured.err + _all_text(out), codes


@pytest.mark.slow
@pytest.mark.parametrize("stack", sorted(PROVIDER_ENVIRONMENT))
def test_provider_credentials_from_the_environment_reach_no_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, opa_url: str, stack: str
) -> None:
    for name, value in PROVIDER_ENVIRONMENT[stack].items():
        monkeypatch.setenv(name, value)
    text, codes = _every_output(capsys, tmp_path, stack, STACKS, opa_url)
    assert codes["plan"] == 0
    assert codes["render"] == 0
    assert codes["gate"] in (0, 1)  # a verdict, whatever it is
    assert "LEAKED" not in text
    assert "(sensitive value)" in text


@pytest.mark.slow
def test_provider_credentials_from_stack_config_reach_no_output(
    capsys: pytest.CaptureFixture[str], write_stack: WriteStack, tmp_path: Path, opa_url: str
) -> None:
    config = reference_config("staging-cn-south")
    config["huaweicloud:accessKey"] = "HWconfigLEAKEDaccess0013"
    config["huaweicloud:secretKey"] = {"secure": "v1:HWconfigLEAKEDsecret0014"}
    text, codes = _every_output(capsys, tmp_path, "dev-x", write_stack("dev-x", config), opa_url)
    assert codes["plan"] == 0
    assert "LEAKED" not in text


def test_every_provider_input_but_the_public_ones_is_masked() -> None:
    """One rule for every cloud and source: a provider shows where it deploys, never who it deploys as."""
    resources: list[Any] = [
        {
            "type": "pulumi:providers:tencentcloud",
            "inputs": {"region": "ap-guangzhou", "secretId": "AKID1", "assumeRole": {"sessionName": "x"}},
            "old_inputs": {"region": "ap-guangzhou", "secretId": "AKID0"},
            "outputs": {"secretId": "AKID1", "version": "0.2.3"},
        },
        {"type": "pulumi:providers:kubernetes", "inputs": {"kubeconfig": SECRET, "namespace": "x"}},
        {"type": "tencentcloud:Vpc/instance:Instance", "inputs": {"name": "vpc", "secretId": "not a provider"}},
    ]
    mask_provider_credentials(resources)
    assert resources[0]["inputs"] == {"region": "ap-guangzhou", "secretId": SECRET, "assumeRole": SECRET}
    assert resources[0]["old_inputs"] == {"region": "ap-guangzhou", "secretId": SECRET}
    assert resources[0]["outputs"] == {"secretId": SECRET, "version": "0.2.3"}
    assert resources[1]["inputs"] == {"kubeconfig": SECRET, "namespace": "x"}
    assert resources[2]["inputs"]["secretId"] == "not a provider"


def _with_secret(like: str) -> dict[str, Any]:
    config = reference_config(like)
    config[FLEET].pop("links", None)  # the linked stacks are not in the temporary folder
    config[FLEET]["services"][0]["secrets"] = {"HF_TOKEN": "hf-token"}
    config["inference-fleet:hf-token"] = {"secure": CIPHERTEXT}
    return config


@pytest.mark.slow
@pytest.mark.parametrize("like", ["staging-cn-south", "prod-cn-south"], ids=["vm", "kubernetes"])
def test_a_service_secret_reaches_no_output(
    capsys: pytest.CaptureFixture[str], write_stack: WriteStack, tmp_path: Path, opa_url: str, like: str
) -> None:
    folder = write_stack("dev-x", _with_secret(like))
    text, codes = _every_output(capsys, tmp_path, "dev-x", folder, opa_url)
    assert codes["plan"] == 0
    assert codes["render"] == 0
    assert CIPHERTEXT not in text
    assert CIPHERTEXT.removeprefix("v1:") not in text


def test_on_kubernetes_a_secret_is_a_secret_not_a_configmap_entry(write_stack: WriteStack) -> None:
    from inferfleet.plan.planner import Planner

    plan = Planner(write_stack("dev-x", _with_secret("prod-cn-south"))).plan("dev-x")
    by_type: dict[str, list[dict[str, Any]]] = {}
    for resource in plan["resources"]:
        by_type.setdefault(resource["type"], []).append(resource)
    (secret,) = by_type["kubernetes:core/v1:Secret"]
    assert secret["inputs"]["metadata"]["name"] == "autoglm-secrets"
    assert secret["inputs"]["stringData"] == SECRET
    (settings,) = by_type["kubernetes:core/v1:ConfigMap"]
    assert "HF_TOKEN" not in settings["inputs"]["data"]
    (deployment,) = by_type["kubernetes:apps/v1:Deployment"]
    (container,) = deployment["inputs"]["spec"]["template"]["spec"]["containers"]
    assert {"secretRef": {"name": "autoglm-secrets"}} in container["envFrom"]


def test_on_a_vm_the_user_data_that_holds_a_secret_is_sensitive(write_stack: WriteStack) -> None:
    from inferfleet.plan.planner import Planner

    plan = Planner(write_stack("dev-x", _with_secret("staging-cn-south"))).plan("dev-x")
    (instance,) = [r for r in plan["resources"] if r["type"] == "huaweicloud:Ecs/instance:Instance"]
    assert instance["inputs"]["userData"] == SECRET


def test_on_a_vm_the_secrets_are_a_root_only_env_file_the_unit_loads() -> None:
    value = 'hf_x\n$(curl evil)"`'

    async def parts() -> tuple[dict[str, Any], str, bool]:
        server = ModelServerArgs(model_name="m", secrets={"HF_TOKEN": pulumi.Output.secret(value)})
        accelerator = AcceleratorArgs(family="nvidia", resource="nvidia.com/gpu")
        rendered = vm_service_parts(
            VmServiceArgs(name="autoglm", image="r/x@sha256:" + "3" * 64, server=server, accelerator=accelerator)
        )
        (entry,) = [item for item in rendered["write_files"] if item["path"] == "/etc/inferfleet/autoglm.secrets.env"]
        return rendered, await entry["content"].future(), await entry["content"].is_secret()

    rendered, content, is_secret = asyncio.run(parts())
    files = {item["path"]: item for item in rendered["write_files"]}
    assert files["/etc/inferfleet/autoglm.secrets.env"]["permissions"] == "0600"
    assert files["/etc/inferfleet/autoglm.secrets.env"]["owner"] == "root:root"
    assert is_secret
    assert parse_environment_file(content) == {"HF_TOKEN": value}
    assert "HF_TOKEN" not in parse_environment_file(files["/etc/inferfleet/autoglm.env"]["content"])
    unit = parse_unit(files["/etc/systemd/system/inferfleet-autoglm.service"]["content"])
    assert unit.values("Service", "EnvironmentFile") == [
        "/etc/inferfleet/autoglm.env",
        "/etc/inferfleet/autoglm.secrets.env",
    ]
    (start,) = unit.values("Service", "ExecStart")
    argv = split_command(start)[1]
    assert argv[argv.index("HF_TOKEN") - 1] == "--env"  # by name: docker copies the value from the unit's env


@pytest.mark.parametrize("name", ["HF_TOKEN", "api_key", "DB_PASSWORD", "OPENAI_APIKEY", "client_secret"])
def test_a_credential_in_extra_is_refused_without_echoing_it(
    capsys: pytest.CaptureFixture[str], write_stack: WriteStack, name: str
) -> None:
    config = reference_config("staging-cn-south")
    config[FLEET]["services"][0]["model"]["extra"] = {name: "hf_PASTEDtokenVALUE"}
    code = main(["plan", "-s", "dev-x", "--stacks-dir", str(write_stack("dev-x", config)), "--json"])
    captured = capsys.readouterr()
    assert code == 2
    assert "secrets" in captured.err
    assert "hf_PASTEDtokenVALUE" not in captured.out + captured.err


@pytest.mark.parametrize(
    ("value", "expectation"),
    [(None, "does not have"), ("hf_PLAINtokenVALUE", "holds in clear")],
    ids=["missing", "in-clear"],
)
def test_a_secret_must_be_encrypted_stack_config(
    capsys: pytest.CaptureFixture[str], write_stack: WriteStack, value: str | None, expectation: str
) -> None:
    config = _with_secret("staging-cn-south")
    if value is None:
        del config["inference-fleet:hf-token"]
    else:
        config["inference-fleet:hf-token"] = value
    code = main(["plan", "-s", "dev-x", "--stacks-dir", str(write_stack("dev-x", config)), "--json"])
    captured = capsys.readouterr()
    assert code == 2
    assert "fleet.services[0].secrets.HF_TOKEN" in captured.err
    assert expectation in captured.err
    assert "hf_PLAINtokenVALUE" not in captured.out + captured.err


@pytest.mark.slow
def test_a_vm_boot_script_with_a_secret_is_still_reviewed_and_gated(
    capsys: pytest.CaptureFixture[str], write_stack: WriteStack, tmp_path: Path, opa_url: str
) -> None:
    """The pool publishes its user data with the secret as a placeholder: render shows the boot
    script and the gate reads it (the image digest rule decides on it, nothing is left unread)."""
    folder = write_stack("dev-x", _with_secret("staging-cn-south"))
    plan_file = tmp_path / "plan.json"
    assert main(["plan", "-s", "dev-x", "--stacks-dir", str(folder), "--out", str(plan_file)]) == 0
    assert main(["render", "-s", "dev-x", "--stacks-dir", str(folder), "-o", str(tmp_path / "r")]) == 0
    rendered = _all_text(tmp_path / "r" / "dev-x" / "cloud-init")
    assert "/etc/inferfleet/autoglm.secrets.env" in rendered
    assert "the plan does not show this user data" not in rendered
    assert SECRET in rendered
    assert CIPHERTEXT not in rendered
    capsys.readouterr()
    assert main(["gate", str(plan_file), "--opa-url", opa_url, "--stacks-dir", str(folder), "--json"]) == 0
    assert "IF-VM-002" not in capsys.readouterr().out


SIGNED_SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "signedLEAKED0014"}
SECRET_OUTPUT = {"4dabf18193072939515e22adb298388d": "d0e6a833031e9bbcd3f4e8bde6ca49a4", "secret": True, "value": "x"}


@pytest.mark.parametrize("canonical", [True, False], ids=["canonical text", "hand-edited text"])
def test_a_plan_file_is_masked_again_when_read(
    canonical: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan written before providers were masked (the Tencent SDK sends secretId in clear), or by
    another tool with Pulumi's signed wire secrets, reached diff's console, --json and the PR comment."""
    for variable in PROVIDER_ENVIRONMENT["prod-cn-guangzhou"]:  # the head plans a provider given none
        monkeypatch.delenv(variable, raising=False)
    assert main(["plan", "-s", "prod-cn-guangzhou", "--out", str(tmp_path / "head.json")]) == 0
    head = orjson.loads((tmp_path / "head.json").read_bytes())
    base = copy.deepcopy(head)
    for resource in base["resources"]:
        if resource["type"] == "pulumi:providers:tencentcloud":
            resource["inputs"].update(secretId="AKIDplanLEAKED0013", secretKey="planLEAKEDkey0015")
        if resource["type"] == "kubernetes:core/v1:ConfigMap":
            resource["inputs"]["data"] = {"token": SIGNED_SECRET, "other": SECRET_OUTPUT}
    text = dumps(base) if canonical else json.dumps(base, indent=1)
    assert "LEAKED" in text
    assert text.startswith('{\n  "') == canonical
    (tmp_path / "base.json").write_text(text)
    capsys.readouterr()
    arguments = ["diff", "-s", "prod-cn-guangzhou", "--base-plan", str(tmp_path / "base.json")]
    arguments += ["--head-plan", str(tmp_path / "head.json"), "--json", "--markdown", str(tmp_path / "comment.md")]
    assert main([*arguments, "--no-gate"]) == 0
    out, err = capsys.readouterr()
    everything = out + err + (tmp_path / "comment.md").read_text()
    assert "LEAKED" not in everything
    assert "4dabf18193072939515e22adb298388d" not in everything
    assert "secretId" in out  # the provider still shows it was given one
