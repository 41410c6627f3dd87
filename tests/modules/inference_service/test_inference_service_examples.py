"""Every example of the module is a runnable Pulumi program: it plans under the mock runtime."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
import yaml

from inferfleet import PROJECT
from inferfleet.plan import plan_program

EXAMPLES = Path(__file__).resolve().parents[3] / "modules" / "inference_service" / "examples"
CONFIG = {
    "kubeconfig": "apiVersion: v1",
    "subnet_id": "subnet-0example",
    "flavor": "kai2p.24xlarge.4",
    "image_id": "image-0example",
    "ami": "ami-0example",
}


@pytest.mark.parametrize("example", sorted(path.name for path in EXAMPLES.iterdir() if path.is_dir()))
def test_example_plans(example: str) -> None:
    folder = EXAMPLES / example
    declared = yaml.safe_load((folder / "Pulumi.yaml").read_text())["config"]
    config = {f"{PROJECT}:{key}": CONFIG[key] for key in declared}

    def program() -> None:
        runpy.run_path(str(folder / "__main__.py"))

    plan = plan_program(program, config=config)
    types = {resource["type"] for resource in plan["resources"]}
    if example.endswith("-kubernetes"):
        assert "inferfleet:inference_service:InferenceService" in types
        assert "kubernetes:apps/v1:Deployment" in types
    else:
        (instance,) = [r for r in plan["resources"] if r["name"] == "autoglm-vm"]
        user_data = instance["inputs"]["userData"]
        assert user_data.startswith("#cloud-config\n")
        assert "inferfleet-autoglm.service" in user_data
