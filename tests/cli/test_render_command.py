"""`inferfleet render`: a stack's cloud-init and manifests as files; nothing written on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from stackfiles import STACKS, WriteStack, reference_config

from inferfleet.cli.app import main


def test_render_writes_user_data_and_one_manifest_per_object(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["render", "-s", "prod-cn-east", "-o", str(tmp_path), "--stacks-dir", str(STACKS)])
    assert code == 0
    target = tmp_path / "prod-cn-east"
    assert list((target / "cloud-init").rglob("*")), "the ACK node pool's user data"
    manifests = sorted((target / "manifests").rglob("*.yaml"))
    kinds = {yaml.safe_load(path.read_text())["kind"] for path in manifests}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap"} <= kinds
    assert all(len(list(yaml.safe_load_all(path.read_text()))) == 1 for path in manifests)
    assert "rendered prod-cn-east" in capsys.readouterr().err


def test_render_replaces_a_previous_render(tmp_path: Path) -> None:
    stale = tmp_path / "staging-cn-south" / "manifests" / "old.yaml"
    stale.parent.mkdir(parents=True)
    stale.write_text("kind: Old\n")
    assert main(["render", "-s", "staging-cn-south", "-o", str(tmp_path), "--stacks-dir", str(STACKS)]) == 0
    assert not stale.exists()
    assert list((tmp_path / "staging-cn-south" / "cloud-init").iterdir())


def test_render_of_a_bad_stack_writes_nothing(
    capsys: pytest.CaptureFixture[str], write_stack: WriteStack, tmp_path: Path
) -> None:
    config = reference_config("staging-cn-south")
    config["inference-fleet:fleet"]["version"] = "latest"
    stacks = write_stack("dev-x", config)
    out = tmp_path / "rendered"
    assert main(["render", "-s", "dev-x", "-o", str(out), "--stacks-dir", str(stacks)]) == 2
    assert not out.exists()
    assert "fleet.version" in capsys.readouterr().err


@pytest.mark.parametrize("dangling", [False, True])
def test_a_stack_folder_that_is_a_symbolic_link_is_refused_and_left(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, dangling: bool
) -> None:
    """Render replaces <stack>/ as a whole: through a link it would empty the folder it points at."""
    elsewhere = tmp_path / "gitops-checkout"
    if not dangling:
        (elsewhere / "manifests").mkdir(parents=True)
        (elsewhere / "manifests" / "keep.yaml").write_text("kind: Keep\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "staging-cn-south").symlink_to(elsewhere, target_is_directory=True)
    assert main(["render", "-s", "staging-cn-south", "-o", str(out), "--stacks-dir", str(STACKS)]) == 2
    assert "staging-cn-south: is a symbolic link; render replaces <stack>/ as a whole" in capsys.readouterr().err
    assert (out / "staging-cn-south").is_symlink()
    assert dangling or (elsewhere / "manifests" / "keep.yaml").read_text() == "kind: Keep\n"
