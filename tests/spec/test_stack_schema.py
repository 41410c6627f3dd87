"""docs/stack.schema.json is generated from the spec model and accepts every reference stack."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from stackfiles import REPO, STACKS

from inferfleet.spec.schema import render

SCHEMA_FILE = REPO / "docs" / "stack.schema.json"


def test_the_committed_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text() == render(), "regenerate: python -m inferfleet.spec.schema > docs/stack.schema.json"


def test_every_reference_stack_matches_the_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    for path in sorted(Path(STACKS).glob("Pulumi.*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_the_schema_rejects_an_unknown_fleet_key() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    stack = yaml.safe_load((STACKS / "Pulumi.prod-cn-south.yaml").read_text())
    stack["config"]["inference-fleet:fleet"]["netwrk"] = {}
    validator = jsonschema.Draft202012Validator(schema)
    assert any("netwrk" in error.message for error in validator.iter_errors(stack))
