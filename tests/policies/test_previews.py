"""Hand-written `pulumi preview --json` documents of another Pulumi project (steps with op, urn,
newState/oldState as Pulumi writes them; unknowns as Pulumi's sentinel, secrets as "[secret]"), with
world-open security-group rules in every spelling, through `inferfleet gate` with --env/--cloud/--region:
each rule is denied; the preview that deletes the same rules passes. The *_deleted.json twins hold the
same steps as deletes (op delete, oldState)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inferfleet.cli.app import main

PREVIEWS = Path(__file__).resolve().parent / "previews"
REGIONS = {"huaweicloud": "cn-south-1", "alicloud": "cn-shanghai", "tencentcloud": "ap-guangzhou", "aws": "us-west-2"}
pytestmark = pytest.mark.slow

# cloud -> (rule id, resource name) the gate must raise, and nothing else of the network rules.
EXPECTED = {
    "aws": {
        ("IF-NET-003", "ssh-low-half"),  # 0.0.0.0/1 ...
        ("IF-NET-003", "ssh-high-half"),  # ... + 128.0.0.0/1 on the same port
        ("IF-NET-003", "api"),  # 0::/0, inline in a security group
        ("IF-NET-003", "everything"),  # 1.2.3.4/0, every protocol, a replacement
        ("IF-NET-005", "db-from-secret"),  # a secret source
    },
    "huaweicloud": {
        ("IF-NET-003", "rdp-zero-zero"),  # 0.0.0.0/00
        ("IF-NET-003", "etcd-no-source"),  # no remote prefix on IPv6: ::/0
        ("IF-NET-005", "kubelet-unknown"),  # known after apply
    },
    "alicloud": {
        ("IF-NET-003", "ssh-any-host-slash-zero"),  # 1.2.3.4/0
        ("IF-NET-003", "redis-ipv6"),  # 0::/0
        ("IF-NET-003", "model-low-half"),
        ("IF-NET-003", "model-high-half"),
    },
    "tencentcloud": {
        ("IF-NET-003", "mysql-zero-zero"),  # 0.0.0.0/00
        ("IF-NET-003", "api-and-secret"),  # 0::/0 in a rule set ...
        ("IF-NET-005", "api-and-secret"),  # ... and a secret in the same set
        ("IF-NET-003", "nodeports"),  # 1.2.3.4/0 in a lite rule
    },
}


def _gate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["gate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _flags(cloud: str) -> list[str]:
    return ["--env", "prod", "--cloud", cloud, "--region", REGIONS[cloud]]


@pytest.mark.parametrize("cloud", sorted(EXPECTED))
def test_world_open_rules_in_a_preview_are_denied(cloud: str, opa_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    preview = PREVIEWS / f"{cloud}_world_open.json"
    code, out, _ = _gate(capsys, str(preview), *_flags(cloud), "--opa-url", opa_url, "--json")
    report = json.loads(out)
    assert code == 1
    assert (report["env"], report["cloud"], report["region"], report["stack_version"]) == (
        "prod",
        cloud,
        REGIONS[cloud],
        "0.0.0",
    )
    raised = {
        (v["policy_id"], v["urn"].rsplit("::", 1)[-1])
        for v in report["violations"]
        if v["policy_id"].startswith("IF-NET")
    }
    assert raised == EXPECTED[cloud]


@pytest.mark.parametrize("cloud", sorted(EXPECTED))
def test_deleting_the_same_rules_is_allowed(cloud: str, opa_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    created = json.loads((PREVIEWS / f"{cloud}_world_open.json").read_text())
    deleted = json.loads((PREVIEWS / f"{cloud}_world_open_deleted.json").read_text())
    leaving = {s["urn"] for s in deleted["steps"] if s["op"] == "delete"}
    assert leaving == {s["urn"] for s in created["steps"] if s["op"] != "same"}
    code, out, _ = _gate(
        capsys, str(PREVIEWS / f"{cloud}_world_open_deleted.json"), *_flags(cloud), "--opa-url", opa_url, "--json"
    )
    assert (code, json.loads(out)["violations"]) == (0, [])


def test_a_preview_without_settings_names_the_missing_flags(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _gate(capsys, str(PREVIEWS / "aws_world_open.json"), "--env", "prod")
    assert code == 2
    assert "config.inference-fleet:fleet: missing, and the preview is of project 'edge-network'" in err
    assert "give the settings with --cloud, --region" in err


def test_another_projects_stack_is_not_read_from_our_stack_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A foreign preview whose stack is named like one of ours does not borrow that stack file's settings."""
    text = (PREVIEWS / "aws_world_open.json").read_text().replace("urn:pulumi:prod::", "urn:pulumi:prod-us-west::")
    preview = tmp_path / "preview.json"
    preview.write_text(text)
    code, _, err = _gate(capsys, str(preview))
    assert code == 2
    assert "the preview is of project 'edge-network', not 'inference-fleet'" in err


def test_flags_that_disagree_with_the_preview_config_stop_the_gate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = json.loads((PREVIEWS / "aws_world_open.json").read_text())
    document["config"]["inference-fleet:fleet"] = {
        "env": "prod",
        "cloud": "aws",
        "region": "us-east-1",
        "version": "1.2.0",
    }
    preview = tmp_path / "preview.json"
    preview.write_text(json.dumps(document))
    code, _, err = _gate(capsys, str(preview), *_flags("aws"))
    assert code == 2
    assert "region: is 'us-east-1', but --region says 'us-west-2'; flags never override a plan's settings" in err


def test_flags_that_disagree_with_a_plan_stop_the_gate(capsys: pytest.CaptureFixture[str]) -> None:
    plan = (
        Path(__file__).resolve().parents[2] / "policies" / "opa" / "open_ingress" / "allowed_vpc_only_model_port.json"
    )
    code, _, err = _gate(capsys, str(plan), "--cloud", "aws")
    assert code == 2
    assert "cloud: is 'huaweicloud', but --cloud says 'aws'" in err


def test_flags_that_agree_with_a_plan_are_accepted(opa_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    plan = (
        Path(__file__).resolve().parents[2] / "policies" / "opa" / "open_ingress" / "allowed_vpc_only_model_port.json"
    )
    code, _, _ = _gate(capsys, str(plan), "--env", "prod", "--cloud", "huaweicloud", "--opa-url", opa_url)
    assert code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cloud", "gcp"], "--cloud 'gcp': expected one of huaweicloud, alicloud, tencentcloud, aws"),
        (["--env", "production"], "--env 'production': expected one of prod, staging, dev"),
        (["--region", "us west\n2"], "--region 'us west\\n2': expected a region code"),
        (["-s", "prod-us-west", "--env", "prod"], "--env, --cloud and --region describe a plan file or preview"),
    ],
)
def test_bad_flags_are_usage_errors(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    target = [] if "-s" in args else [str(PREVIEWS / "aws_world_open.json")]
    code, _, err = _gate(capsys, *target, *args)
    assert code == 2
    assert message in err


def test_a_source_the_gate_cannot_read_is_waivable(
    opa_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, live_waiver_expiry: str
) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - policy_id: IF-NET-005\n    urn: '*::db-from-secret'\n    owner: netops@example.com\n"
        f"    reason: the secret holds the office VPN range\n    expires: {live_waiver_expiry}\n"
    )
    preview = str(PREVIEWS / "aws_world_open.json")
    code, out, _ = _gate(capsys, preview, *_flags("aws"), "--opa-url", opa_url, "--waivers", str(waivers), "--json")
    report = json.loads(out)
    assert code == 1  # the world-open rules are still there
    assert [(v["policy_id"], v["urn"].rsplit("::", 1)[-1]) for v in report["waived"]] == [
        ("IF-NET-005", "db-from-secret")
    ]
    assert "IF-NET-005" not in {v["policy_id"] for v in report["violations"]}
