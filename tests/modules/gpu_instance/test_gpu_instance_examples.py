"""Every example program plans under the mock runtime, as `pulumi preview` would run it."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
import yaml

from inferfleet import PROJECT
from inferfleet.plan import plan_program

EXAMPLES = Path(__file__).resolve().parents[3] / "modules" / "gpu_instance" / "examples"
NETWORK = {
    f"{PROJECT}:vpcId": "vpc-1",
    f"{PROJECT}:securityGroupId": "sg-1",
    f"{PROJECT}:subnetIds": {"zone-a": "subnet-a", "zone-b": "subnet-b"},
}


def test_one_example_per_cloud_and_placement() -> None:
    names = sorted(path.name for path in EXAMPLES.iterdir())
    clouds = ("alicloud", "aws", "huaweicloud", "tencentcloud")
    assert names == sorted(f"{c}-{p}" for c in clouds for p in ("kubernetes", "scaling-group", "standalone"))


@pytest.mark.parametrize("example", sorted(path.name for path in EXAMPLES.iterdir()))
def test_example_plans(example: str) -> None:
    folder = EXAMPLES / example
    project = yaml.safe_load((folder / "Pulumi.yaml").read_text())
    assert project["runtime"] == "python"

    def program() -> None:
        runpy.run_path(str(folder / "__main__.py"))

    plan = plan_program(program, config=NETWORK, stack="dev")
    (component,) = [r for r in plan["resources"] if r["type"] == "inferfleet:gpu_instance:GpuPool"]
    assert component["outputs"]["placement"] == example.split("-", 1)[1].replace("-", "_")
    assert plan["outputs"]
