"""JSON Schema of a stack file, so editors (yaml-language-server, VS Code) complete and check it.

Regenerate with `python -m inferfleet.spec.schema > docs/stack.schema.json`; a test fails when
the committed file is stale.
"""

from __future__ import annotations

import json
from typing import Any

from inferfleet import FLEET_CONFIG_KEY
from inferfleet.spec.load import PROVIDER_NAMESPACES
from inferfleet.spec.model import FleetSpec


def stack_file_schema() -> dict[str, Any]:
    fleet = FleetSpec.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    definitions = fleet.pop("$defs", {})
    definitions["FleetSpec"] = fleet
    provider_keys = {
        f"{namespace}:{key}": {"type": "string", "description": f"{namespace} provider {key}"}
        for namespace in PROVIDER_NAMESPACES
        for key in ("region",)
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://inferfleet.dev/schemas/stack-file.json",
        "title": "inferfleet stack file (stacks/Pulumi.<stack>.yaml)",
        "type": "object",
        "required": ["config"],
        "properties": {
            "config": {
                "type": "object",
                "required": [FLEET_CONFIG_KEY],
                "properties": {FLEET_CONFIG_KEY: {"$ref": "#/$defs/FleetSpec"}, **provider_keys},
                "additionalProperties": True,
            },
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "encryptionsalt": {"type": "string"},
        },
        "additionalProperties": False,
        "$defs": definitions,
    }


def render() -> str:
    return json.dumps(stack_file_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
