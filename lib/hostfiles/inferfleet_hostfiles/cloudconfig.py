"""cloud-config documents through PyYAML's safe emitter: the text loads back as the same tree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

CLOUD_CONFIG_HEADER = "#cloud-config"


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line file contents as `|` blocks where YAML can hold them exactly, so reviewers read files."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # The emitter itself falls back to a quoted style when a block cannot hold the text exactly.
    literal = "\n" in text and all(line == line.rstrip() for line in text.splitlines())
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if literal else None)


_LiteralDumper.add_representer(str, _represent_text)


def cloud_config(config: Mapping[str, Any]) -> str:
    """`#cloud-config` YAML, keys in the given order."""
    body = yaml.dump(dict(config), Dumper=_LiteralDumper, sort_keys=False, default_flow_style=False, width=1000)
    return f"{CLOUD_CONFIG_HEADER}\n{body}"
