"""Which input changes replace a resource, per resource type, from the upstream provider schemas.

The offline plan runs the program under Pulumi's mock runtime, which cannot ask a provider whether a
change replaces a resource. `replace_forcing.json` answers from the providers' own sources: the
Terraform providers' `ForceNew` fields (bridged by pulumi-huaweicloud, pulumi-alicloud,
tencentcloud-iac-pulumi and pulumi-aws), pulumi-kubernetes' replacement table, and the modules'
dynamic providers. `tools/gen_replace_forcing.py` derives it; each row names its source and version.

Paths are dotted Pulumi input paths as in the plan document (`flavorId`, `rootVolume.size`); list
elements carry no index (`dataVolumes.size` is the size of any data volume). A path forces replacement
when it changes or when anything below it changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from inferfleet.errors import EngineError

TABLE_FILE = Path(__file__).with_name("replace_forcing.json")
TABLE_FORMAT = "inferfleet.replace-forcing/v1"


@dataclass(frozen=True)
class ReplacementRule:
    """Replace-forcing inputs of one resource type.

    `properties` always replace on change; `conditional` replace under a condition the offline plan
    cannot evaluate (a Terraform CustomizeDiff, the Kubernetes provider's active cluster).
    """

    resource_type: str
    properties: frozenset[str]
    conditional: frozenset[str]
    source: str
    version: str


def _strings(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise EngineError(f"{TABLE_FILE}: {where}: expected a list of property paths")
    return frozenset(value)


@cache
def _rules() -> dict[str, ReplacementRule]:
    try:
        document = json.loads(TABLE_FILE.read_text())
    except (OSError, ValueError) as error:
        raise EngineError(f"{TABLE_FILE}: the replace-forcing table cannot be read: {error}") from error
    if not isinstance(document, dict) or document.get("format") != TABLE_FORMAT:
        raise EngineError(f"{TABLE_FILE}: format: expected {TABLE_FORMAT!r}")
    types = document.get("types")
    if not isinstance(types, dict):
        raise EngineError(f"{TABLE_FILE}: types: expected an object keyed by resource type")
    rules = {}
    for resource_type, row in types.items():
        where = f"types.{resource_type}"
        if (
            not isinstance(row, dict)
            or not isinstance(row.get("source"), str)
            or not isinstance(row.get("version"), str)
        ):
            raise EngineError(f"{TABLE_FILE}: {where}: expected an object with source, version and properties")
        rules[resource_type] = ReplacementRule(
            resource_type=resource_type,
            properties=_strings(row.get("properties"), f"{where}.properties"),
            conditional=_strings(row.get("conditional", []), f"{where}.conditional"),
            source=row["source"],
            version=row["version"],
        )
    return rules


def replacement_rule(resource_type: str) -> ReplacementRule | None:
    """The rule of a resource type, or None when the table does not know the type."""
    return _rules().get(resource_type)


def forcing_properties(resource_type: str) -> frozenset[str] | None:
    """Input paths whose change replaces a resource of this type; None when the type is not in the table.

    Conditional paths count too: offline the condition is unknown, and a replacement reported that
    does not happen costs a reviewer a look, while one missed costs an outage.
    """
    rule = replacement_rule(resource_type)
    return None if rule is None else rule.properties | rule.conditional


def known_types() -> frozenset[str]:
    return frozenset(_rules())
