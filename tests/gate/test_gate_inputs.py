"""Plans the gate reads: a real `pulumi preview --json`, a base plan, and every reference stack."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from gate_helpers import FIXTURES, fixture_plan, run_gate, write_json

from inferfleet.gate.plan_input import from_preview

pytestmark = pytest.mark.slow
CANARY = "urn:pulumi:prod-cn-south::inference-fleet::kubernetes:networking.k8s.io/v1:Ingress::autoglm-canary"
VPC = "urn:pulumi:prod-cn-south::inference-fleet::huaweicloud:Vpc/vpc:Vpc::fleet-vpc"
PROVIDER = "urn:pulumi:prod-cn-south::inference-fleet::pulumi:providers:huaweicloud::default"
FLEET = {"env": "prod", "cloud": "huaweicloud", "region": "cn-south-1", "version": "1.0.0"}
TAGS = {
    "team": "t",
    "env": "prod",
    "cost-center": "c",
    "stack": "prod-cn-south",
    "stack-version": "1.0.0",
    "owner": "o",
}


def annotations(weight: str) -> dict[str, object]:
    return {"metadata": {"annotations": {"inferfleet.io/canary-weight": weight, "inferfleet.io/canary-stage": "2"}}}


def preview(weight: str, old_weight: str, *, protect: bool = True) -> dict[str, object]:
    """The shape `pulumi preview --json` prints: config, then one step per resource."""
    ingress_type = "kubernetes:networking.k8s.io/v1:Ingress"
    return {
        "config": {"inference-fleet:fleet": json.dumps(FLEET), "huaweicloud:region": "cn-south-1"},
        "steps": [
            {
                "op": "update",
                "urn": CANARY,
                "oldState": {"urn": CANARY, "type": ingress_type, "custom": True, "inputs": annotations(old_weight)},
                "newState": {"urn": CANARY, "type": ingress_type, "custom": True, "inputs": annotations(weight)},
                "detailedDiff": {},
            },
            {
                "op": "same",
                "urn": VPC,
                "newState": {
                    "urn": VPC,
                    "type": "huaweicloud:Vpc/vpc:Vpc",
                    "custom": True,
                    "protect": protect,
                    "inputs": {"cidr": "10.0.0.0/16", "tags": TAGS, "secret": "[secret]"},
                    "provider": f"{PROVIDER}::04da6b54-80e4-46f7-96ec-b56ff0331ba9",
                },
            },
            {"op": "delete", "urn": VPC + "-old", "oldState": {"urn": VPC + "-old", "type": "huaweicloud:Vpc/vpc:Vpc"}},
        ],
        "changeSummary": {"update": 1, "same": 1, "delete": 1},
    }


def test_preview_is_normalised_into_the_plan_model(tmp_path: Path) -> None:
    plan = from_preview(preview("40", "20"), "preview.json", stacks_dir=tmp_path)
    assert (plan["stack"], plan["env"], plan["stack_version"]) == ("prod-cn-south", "prod", "1.0.0")
    assert [r["urn"] for r in plan["resources"]] == sorted([CANARY, VPC])
    canary = next(r for r in plan["resources"] if r["urn"] == CANARY)
    assert canary["op"] == "update"
    assert canary["old_inputs"] == annotations("20")
    vpc = next(r for r in plan["resources"] if r["urn"] == VPC)
    assert vpc["options"]["protect"] is True
    assert vpc["inputs"]["secret"] == "(sensitive value)"
    assert vpc["provider"] == PROVIDER


@pytest.mark.parametrize(("weights", "code"), [(("40", "20"), 0), (("60", "20"), 1)])
def test_preview_canary_step_is_judged_against_the_old_state(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str, weights: tuple[str, str], code: int
) -> None:
    path = write_json(tmp_path / "preview.json", preview(*weights))
    result, out, _ = run_gate(capsys, str(path), "--opa-url", opa_url, "--json")
    assert result == code
    raised = [v["policy_id"] for v in json.loads(out)["violations"]]
    assert raised == ([] if code == 0 else ["IF-CAN-001"])


def test_preview_of_an_unprotected_prod_vpc_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str
) -> None:
    path = write_json(tmp_path / "preview.json", preview("20", "5", protect=False))
    code, out, _ = run_gate(capsys, str(path), "--opa-url", opa_url, "--json")
    assert code == 1
    assert [v["policy_id"] for v in json.loads(out)["violations"]] == ["IF-PROT-001"]


def test_preview_without_fleet_config_reads_the_stack_file(tmp_path: Path, stacks_dir: Path) -> None:
    document = preview("20", "5")
    document.pop("config")
    plan = from_preview(document, "preview.json", stacks_dir=stacks_dir)
    assert plan["cloud"] == "huaweicloud"
    assert plan["env"] == "prod"


def test_preview_without_fleet_config_or_stack_file_is_an_input_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = preview("20", "5")
    document.pop("config")
    path = write_json(tmp_path / "preview.json", document)
    code, _, err = run_gate(capsys, str(path), "--stacks-dir", str(tmp_path))
    assert code == 2
    assert f"{path}: config.inference-fleet:fleet: missing" in err


BOMB_CONFIG = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefg", "bcdefgh", strict=True)
)


@pytest.mark.parametrize(
    ("fleet_config", "expected"),
    [
        # The preview's config is as untrusted as a stack file, and read by the same strict reader.
        ('{"env": "prod", "env": "dev"}', "duplicate key 'env'"),
        (BOMB_CONFIG + "pools: *h\n", "alias expansion budget"),
    ],
)
def test_preview_fleet_config_is_read_strictly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fleet_config: str, expected: str
) -> None:
    document = preview("20", "5")
    document["config"] = {"inference-fleet:fleet": fleet_config}
    path = write_json(tmp_path / "preview.json", document)
    code, _, err = run_gate(capsys, str(path))
    assert code == 2
    assert f"{path}: config.inference-fleet:fleet: is not a JSON/YAML object" in err
    assert expected in err


def test_base_plan_supplies_old_inputs(capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str) -> None:
    head = fixture_plan("canary/denied_jump_to_full.json")
    for resource in head["resources"]:
        resource.pop("old_inputs", None)
    base = json.loads(json.dumps(head))
    canary = next(r for r in base["resources"] if r["urn"] == CANARY)
    canary["inputs"]["metadata"]["annotations"]["inferfleet.io/canary-weight"] = "90"
    head["stack_version"] = "1.0.1"  # an in-place update is a patch (the stack_bump policy, IF-VER-002)
    head_path = write_json(tmp_path / "head.json", head)
    code, _, _ = run_gate(capsys, str(head_path), "--opa-url", opa_url)
    assert code == 1, "without a base the canary is new: 100 points at once"
    base_path = write_json(tmp_path / "base.json", base)
    code, _, _ = run_gate(capsys, str(head_path), "--opa-url", opa_url, "--base", str(base_path))
    assert code == 0, "from 90 to 100 is a 10-point step"


def test_base_plan_of_another_stack_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = fixture_plan("canary/allowed_next_stage.json")
    base["stack"] = "prod-cn-north"
    path = write_json(tmp_path / "base.json", base)
    code, _, err = run_gate(capsys, str(FIXTURES / "canary" / "allowed_next_stage.json"), "--base", str(path))
    assert code == 2
    assert f"{path}: stack: is the plan of stack 'prod-cn-north', not 'prod-cn-south'" in err


def test_every_reference_stack_passes_the_gate(
    capsys: pytest.CaptureFixture[str], opa_url: str, stacks_dir: Path
) -> None:
    names = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in stacks_dir.glob("Pulumi.*.yaml"))
    assert len(names) >= 7
    failures = {}
    for name in names:
        code, out, _ = run_gate(capsys, "-s", name, "--opa-url", opa_url, "--json")
        report = json.loads(out)
        if code != 0:
            failures[name] = [(v["policy_id"], v["urn"]) for v in report["violations"]]
        assert report["summary"]["resources"] > 2
    assert failures == {}


def test_preview_on_stdin_is_gated(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, opa_url: str
) -> None:
    payload = json.dumps(preview("60", "20")).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(payload)))
    code, out, _ = run_gate(capsys, "-", "--opa-url", opa_url, "--json")
    assert code == 1
    assert [v["policy_id"] for v in json.loads(out)["violations"]] == ["IF-CAN-001"]


def test_base_plan_makes_the_gate_check_the_version_bump(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str
) -> None:
    """Against a base, the head must declare at least the bump its diff implies (IF-VER-002)."""
    base = fixture_plan("canary/allowed_next_stage.json")
    head = json.loads(json.dumps(base))
    head["resources"] = [r for r in head["resources"] if r["urn"] != CANARY]  # a deletion: major
    head["stack_version"] = "1.1.0"
    base_path = write_json(tmp_path / "base.json", base)
    head_path = write_json(tmp_path / "head.json", head)
    code, out, _ = run_gate(capsys, str(head_path), "--opa-url", opa_url, "--base", str(base_path), "--json")
    assert code == 1
    denied = [v for v in json.loads(out)["violations"] if v["policy_id"] == "IF-VER-002"]
    assert [v["message"] for v in denied] == [
        "Version bump follows the plan diff: the diff against the base implies a major bump, "
        'but the version goes from "1.0.0" to "1.1.0" (minor)'
    ]
    head["stack_version"] = "2.0.0"
    write_json(head_path, head)
    code, out, _ = run_gate(capsys, str(head_path), "--opa-url", opa_url, "--base", str(base_path), "--json")
    assert "IF-VER-002" not in {v["policy_id"] for v in json.loads(out)["violations"]}
