"""Read a stack file, validate its fleet spec, and turn every failure into a located SpecError."""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from inferfleet import FLEET_CONFIG_KEY, PROJECT
from inferfleet.errors import ECHO_LIMIT, SpecError, cut, holds_credential
from inferfleet.reading import read_at_most
from inferfleet.spec.checks import check_fleet
from inferfleet.spec.model import STACK_NAME, STACK_NAME_MAX, FleetSpec
from inferfleet.spec.strict_yaml import MAX_FILE_BYTES, YamlInputError, parse_yaml

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
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a loop of symbolic links (Python 3.11)
        return str(path)


def load_stack(stacks_dir: Path, name: str) -> StackConfig:
    """Load and fully validate `stacks/Pulumi.<name>.yaml`."""
    if not STACK_NAME.fullmatch(name):
        raise SpecError(
            str(stacks_dir),
            "",
            f"{cut(name)!r} is not a stack name (lower-case letters, digits and dashes, at most {STACK_NAME_MAX})",
        )
    path = stack_file(stacks_dir, name)
    file = display_path(path)
    if (path.exists() or path.is_symlink()) and not path.is_file():
        # A folder, a FIFO, a device or a link to one (a pull request can commit a link to /dev/zero).
        raise SpecError(file, "", "is not a regular file; a stack file is a YAML file")
    if not path.is_file():
        known = list_stacks(stacks_dir)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known stacks: {', '.join(known) or 'none'}"
        raise SpecError(file, "", f"no such stack file ({hint})")
    document = read_stack_document(path, file)
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise SpecError(file, "config", "expected a mapping of stack config keys (Pulumi stack file format)")
    config: dict[str, Any] = document["config"]
    if FLEET_CONFIG_KEY not in config:
        raise SpecError(file, "config", f"missing the `{FLEET_CONFIG_KEY}` key that holds the fleet spec")
    fleet = parse_fleet(config[FLEET_CONFIG_KEY], file)
    stack = StackConfig(name=name, file=file, config=config, fleet=fleet)
    check_provider_config(stack)
    check_config_references(stack)
    return stack


def read_stack_document(path: Path, file: str) -> Any:
    """The parsed stack file: strict YAML 1.2, bounded in size, depth and alias expansion (see strict_yaml)."""
    try:
        raw = read_at_most(path, MAX_FILE_BYTES)
    except OSError as exc:
        raise SpecError(file, "", f"cannot be read: {exc.strerror or exc}") from None
    try:
        return parse_yaml(raw)
    except YamlInputError as exc:
        where = document_path(exc.path)
        # A value at a credential's key path is never repeated, not even a malformed one.
        raise SpecError(file, where, exc.without_value() if holds_credential(where) else str(exc)) from None


def document_path(path: tuple[int | str, ...]) -> str:
    """A key path of the stack file as messages show it: the fleet spec as `fleet...`, the rest from `config`."""
    if path[:2] == ("config", FLEET_CONFIG_KEY):
        return key_path(path[2:])
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{cut(part)}" if text else cut(part))
    return text


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


def check_config_references(stack: StackConfig) -> None:
    """Config keys the fleet names (a cluster's kubeconfig, a service's secrets) exist in the stack file's config."""
    for index, pool in enumerate(stack.fleet.pools):
        key = pool.cluster.kubeconfig_key if pool.cluster is not None else None
        if key is not None and f"{PROJECT}:{key}" not in stack.config:
            raise SpecError(
                stack.file,
                key_path(("pools", index, "cluster", "kubeconfig_key")),
                "names a config key this stack file does not have; add it "
                '(`pulumi config set --secret <key> "$(cat kubeconfig)"`) or fix the name',
            )
    for index, service in enumerate(stack.fleet.services):
        for name, key in sorted(service.secrets.items()):
            value = stack.config.get(f"{PROJECT}:{key}")
            if not (isinstance(value, dict) and set(value) == {"secure"} and isinstance(value["secure"], str)):
                # A plain value would sit in clear in the stack file and in git. Neither the value nor the
                # key named is echoed: the likeliest mistake is the secret itself written as the key name.
                state = "does not have" if value is None else "holds in clear, not encrypted (`secure:`)"
                raise SpecError(
                    stack.file,
                    key_path(("services", index, "secrets", name)),
                    f"names a config key (in `{PROJECT}:`) this stack file {state}; set it with "
                    "`pulumi config set --secret <key> <value>`",
                )


def key_path(loc: tuple[int | str, ...]) -> str:
    """`('pools', 0, 'accelerator')` -> `fleet.pools[0].accelerator`."""
    text = FLEET_KEY_PATH
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


MAX_PROBLEMS_SHOWN = 20
"""Problems listed in one message; the rest are counted."""


def _located(exc: ValidationError, file: str) -> SpecError:
    """The first validation error, located; the rest are summarised so one run shows every problem."""
    # A misspelt key shows up twice, as unknown and as missing: lead with the unknown one,
    # whose suggestion explains both.
    errors = sorted(exc.errors(include_url=False), key=lambda error: error["type"] != "extra_forbidden")
    located = [(key_path(_loc(error)), _describe(error)) for error in errors]
    (where, expectation), rest = located[0], located[1:]
    for other_where, other in rest[: MAX_PROBLEMS_SHOWN - 1]:
        expectation += f"\n  also {other_where}: {other}"
    if len(rest) >= MAX_PROBLEMS_SHOWN:
        expectation += f"\n  and {len(rest) - MAX_PROBLEMS_SHOWN + 1} more problems"
    return SpecError(file, where, expectation)


def _loc(error: Any) -> tuple[int | str, ...]:
    """Where an error is: the field, and for a string deep inside a field's value, the path below it."""
    below = error.get("ctx", {}).get("below", ())
    return (*error["loc"], *below)


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
    message = cut(str(error["msg"]).removeprefix("Value error, "), 4 * ECHO_LIMIT)
    if holds_credential(key_path(_loc(error))):
        return message  # never repeat what may be a credential
    echoed = "input" in error and kind not in ("value_error", "assertion_error", "plain_text")
    if echoed and not isinstance(error["input"], dict | list):
        message += f" (got {cut(repr(error['input']))})"
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
