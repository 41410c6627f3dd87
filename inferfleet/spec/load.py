"""Read a stack file, validate its fleet spec, and turn every failure into a located SpecError."""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from inferfleet import FLEET_CONFIG_KEY
from inferfleet.errors import SpecError
from inferfleet.spec.checks import check_fleet
from inferfleet.spec.model import STACK_NAME, FleetSpec

FLEET_KEY_PATH = "fleet"
"""How error messages name the root of the fleet spec (the `inference-fleet:fleet` key)."""

PROVIDER_NAMESPACES = ("huaweicloud", "alicloud", "tencentcloud", "aws")


@dataclass(frozen=True)
class StackConfig:
    """One stack: its name, the file it came from, its raw config map and the validated fleet."""

    name: str
    file: str
    config: dict[str, Any]
    fleet: FleetSpec

    def provider_config(self) -> dict[str, Any]:
        """The config keys of the fleet's cloud provider, without the namespace (`region`, ...)."""
        prefix = f"{self.fleet.cloud}:"
        return {key[len(prefix) :]: value for key, value in self.config.items() if key.startswith(prefix)}


def stack_file(stacks_dir: Path, name: str) -> Path:
    return stacks_dir / f"Pulumi.{name}.yaml"


def list_stacks(stacks_dir: Path) -> list[str]:
    """Names of every stack with a file in `stacks_dir`, sorted."""
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in stacks_dir.glob("Pulumi.*.yaml"))


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_stack(stacks_dir: Path, name: str) -> StackConfig:
    """Load and fully validate `stacks/Pulumi.<name>.yaml`."""
    if not STACK_NAME.match(name):
        raise SpecError(str(stacks_dir), "", f"'{name}' is not a stack name (lower-case letters, digits and dashes)")
    path = stack_file(stacks_dir, name)
    file = display_path(path)
    if not path.is_file():
        known = list_stacks(stacks_dir)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known stacks: {', '.join(known) or 'none'}"
        raise SpecError(file, "", f"no such stack file ({hint})")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "YAML"
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(file, "", f"malformed YAML at {where}: {problem}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(file, "", f"cannot be read: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise SpecError(file, "config", "expected a mapping of stack config keys (Pulumi stack file format)")
    config: dict[str, Any] = document["config"]
    if FLEET_CONFIG_KEY not in config:
        raise SpecError(file, "config", f"missing the `{FLEET_CONFIG_KEY}` key that holds the fleet spec")
    fleet = parse_fleet(config[FLEET_CONFIG_KEY], file)
    stack = StackConfig(name=name, file=file, config=config, fleet=fleet)
    check_provider_config(stack)
    return stack


def parse_fleet(raw: Any, file: str) -> FleetSpec:
    """Validate the raw fleet mapping: structure first, then the checks that need module data."""
    if not isinstance(raw, dict):
        raise SpecError(file, FLEET_KEY_PATH, f"expected a mapping, got {type(raw).__name__}")
    try:
        fleet = FleetSpec.model_validate(raw)
    except ValidationError as exc:
        raise _located(exc, file) from None
    check_fleet(fleet, file)
    return fleet


def check_provider_config(stack: StackConfig) -> None:
    """The provider config in the file must be the fleet's cloud and agree on the region."""
    cloud = stack.fleet.cloud
    for key in stack.config:
        namespace = key.split(":", 1)[0]
        if namespace in PROVIDER_NAMESPACES and namespace != cloud:
            raise SpecError(stack.file, f"config.{key}", f"provider config for {namespace}, but fleet.cloud is {cloud}")
    region = stack.config.get(f"{cloud}:region")
    if region is None:
        raise SpecError(stack.file, f"config.{cloud}:region", f"missing; expected {stack.fleet.region!r}")
    if region != stack.fleet.region:
        raise SpecError(
            stack.file, f"config.{cloud}:region", f"{region!r} disagrees with fleet.region {stack.fleet.region!r}"
        )


def key_path(loc: tuple[int | str, ...]) -> str:
    """`('pools', 0, 'accelerator')` -> `fleet.pools[0].accelerator`."""
    text = FLEET_KEY_PATH
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _located(exc: ValidationError, file: str) -> SpecError:
    """The first validation error, located; the rest are summarised so one run shows every problem."""
    # A misspelt key shows up twice, as unknown and as missing: lead with the unknown one,
    # whose suggestion explains both.
    errors = sorted(exc.errors(include_url=False), key=lambda error: error["type"] != "extra_forbidden")
    messages = [_describe(error) for error in errors]
    first = errors[0]
    expectation = messages[0]
    if len(messages) > 1:
        expectation += "\n" + "\n".join(
            f"  also {key_path(e['loc'])}: {m}" for e, m in zip(errors[1:], messages[1:], strict=True)
        )
    return SpecError(file, key_path(first["loc"]), expectation)


def _describe(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        unknown = str(error["loc"][-1])
        known = _known_keys(error["loc"][:-1])
        close = difflib.get_close_matches(unknown, known, n=1)
        suggestion = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(sorted(known))}"
        return f"unknown key{suggestion}"
    if kind == "missing":
        return "required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    if "input" in error and kind not in ("value_error", "assertion_error") and not isinstance(error["input"], dict):
        message += f" (got {error['input']!r})"
    return message


def _known_keys(loc: tuple[int | str, ...]) -> list[str]:
    """Keys accepted by the model at `loc`, by walking the FleetSpec annotations."""
    annotation: Any = FleetSpec
    for part in loc:
        model = _model_in(annotation)
        if model is None:
            return []
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) or next((f for f in model.model_fields.values() if f.alias == part), None)
        if field is None:
            return []
        annotation = field.annotation
    model = _model_in(annotation)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as `list[PoolSpec]` or `TuningSpec | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, dict, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            model = _model_in(arg)
            if model is not None:
                return model
    return None
