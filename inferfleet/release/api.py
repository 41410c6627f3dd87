"""A module's public API as data, read statically from its source with griffe, and compared between versions.

The API of `modules/<folder>` (distribution `inferfleet-<folder>`): every exported `*Args` dataclass
with its fields (the dataclass's synthetic `__init__` as griffe models it: name, type, required,
default), every exported component with the outputs it declares (the fields of the `*Outputs`
dataclass it inherits: name, type), and every deprecation mark (`doc(..., removed_in=, use=)` or a
`"deprecated"` metadata entry). Static reading means an old release is read from a git worktree or
an unpacked wheel without importing it next to the installed version.

The comparison classifies each difference with the module bump rules (STYLE.md §9).
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from enum import IntEnum
from pathlib import Path
from typing import Any

from inferfleet.errors import InputError

MODULES_DIR = "modules"
LIBRARIES_DIR = "lib"
"""Shared libraries the modules depend on (inferfleet-hostfiles): released by the same rules."""
DISTRIBUTION_PREFIX = "inferfleet-"


class Bump(IntEnum):
    PATCH = 0
    MINOR = 1
    MAJOR = 2

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    default: str | None


@dataclass(frozen=True)
class Output:
    name: str
    type: str


@dataclass(frozen=True)
class Deprecation:
    where: str
    """`VpcArgs.nat_gateway` (an input) or `Vpc.nat_gateway_id` (an output)."""
    kind: str
    removed_in: str
    use: str


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str
    type: str
    default: str | None


@dataclass(frozen=True)
class ModuleApi:
    distribution: str
    version: str
    args: dict[str, tuple[Field, ...]]
    components: dict[str, tuple[Output, ...]]
    deprecations: tuple[Deprecation, ...]
    functions: dict[str, tuple[Parameter, ...]] = dataclass_field(default_factory=dict)
    """Every exported function with its parameters (a library's whole API; a module's helpers)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "distribution": self.distribution,
            "version": self.version,
            "args": {name: [asdict(field) for field in fields] for name, fields in self.args.items()},
            "components": {
                name: {"outputs": [asdict(output) for output in outputs]} for name, outputs in self.components.items()
            },
            "deprecations": [asdict(deprecation) for deprecation in self.deprecations],
            "functions": {name: [asdict(p) for p in parameters] for name, parameters in self.functions.items()},
        }


@dataclass(frozen=True)
class ApiChange:
    bump: Bump
    text: str


def module_folders(root: Path) -> dict[str, Path]:
    """Module and shared-library folders by distribution name (`inferfleet-vpc` -> modules/vpc)."""
    folders = sorted(
        path.parent for top in (MODULES_DIR, LIBRARIES_DIR) for path in (root / top).glob("*/pyproject.toml")
    )
    return {distribution_of(folder): folder for folder in folders}


def distribution_of(folder: Path) -> str:
    return DISTRIBUTION_PREFIX + folder.name.replace("_", "-")


def resolve_module(root: Path, name: str) -> tuple[str, Path]:
    """(distribution, folder) of a module named `vpc`, `gpu_instance`, `gpu-instance` or `inferfleet-vpc`."""
    folders = module_folders(root)
    wanted = name if name.startswith(DISTRIBUTION_PREFIX) else DISTRIBUTION_PREFIX + name
    wanted = wanted.replace("_", "-")
    if wanted not in folders:
        known = ", ".join(sorted(folders)) or "none"
        raise InputError(
            f"module {name[:80]!r}: no such module in {root / MODULES_DIR} or {root / LIBRARIES_DIR} (known: {known})"
        )
    return wanted, folders[wanted]


def declared_version(folder: Path) -> str:
    pyproject = folder / "pyproject.toml"
    try:
        version = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"{pyproject}: project.version: cannot read it ({exc})") from exc
    if not isinstance(version, str):
        raise InputError(f"{pyproject}: project.version: expected a string")
    return version


def package_dir(folder: Path) -> Path:
    packages = sorted(path.parent for path in folder.glob("inferfleet_*/__init__.py"))
    if len(packages) != 1:
        raise InputError(f"{folder}: expected one inferfleet_* package, found {[p.name for p in packages] or 'none'}")
    return packages[0]


def read_api(package_root: Path, *, distribution: str, version: str) -> ModuleApi:
    """The API of the package in `package_root` (a module folder, a worktree's module folder or an unpacked wheel)."""
    import griffe

    packages = sorted(path.parent.name for path in package_root.glob("inferfleet_*/__init__.py"))
    if len(packages) != 1:
        raise InputError(f"{package_root}: expected one inferfleet_* package, found {packages or 'none'}")
    package = griffe.load(packages[0], search_paths=[str(package_root)], allow_inspection=False, resolve_aliases=False)
    exported = set(package.exports or ())
    classes = [cls for cls in _classes(package) if cls.name in exported]
    args: dict[str, tuple[Field, ...]] = {}
    components: dict[str, tuple[Output, ...]] = {}
    deprecations: list[Deprecation] = []
    constructors: dict[str, tuple[Parameter, ...]] = {}
    for cls in sorted(classes, key=lambda c: (c.filepath.name if isinstance(c.filepath, Path) else "", c.lineno or 0)):
        if "dataclass" in cls.labels and cls.name.endswith("Args"):
            args[cls.name] = _fields(cls)
            deprecations += _deprecations(cls, cls.name, "input")
        elif any(str(base).endswith("ComponentResource") for base in cls.bases):
            outputs_classes = [base for base in _resolved_bases(cls, package) if "dataclass" in base.labels]
            outputs: list[Output] = []
            for base in outputs_classes:
                outputs += [
                    Output(attribute.name, _text(attribute.annotation)) for attribute in _dataclass_attributes(base)
                ]
                deprecations += _deprecations(base, cls.name, "output")
            components[cls.name] = tuple(outputs)
        elif (init := cls.members.get("__init__")) is not None:
            # Any other exported class (a library's value types): its constructor is its API.
            constructors[cls.name] = tuple(p for p in _parameters(init) if p.name != "self")
    functions = {function.name: _parameters(function) for function in _functions(package) if function.name in exported}
    return ModuleApi(
        distribution=distribution,
        version=version,
        args=args,
        components=dict(sorted(components.items())),
        deprecations=tuple(deprecations),
        functions=dict(sorted((functions | constructors).items())),
    )


def module_api(root: Path, name: str) -> ModuleApi:
    distribution, folder = resolve_module(root, name)
    return read_api(folder, distribution=distribution, version=declared_version(folder))


def _classes(module: Any) -> list[Any]:
    found = []
    for member in module.members.values():
        if member.is_alias:
            continue
        if member.is_class:
            found.append(member)
        elif member.is_module:
            found += _classes(member)
    return found


def _functions(module: Any) -> list[Any]:
    found = []
    for member in module.members.values():
        if member.is_alias:
            continue
        if member.is_function:
            found.append(member)
        elif member.is_module:
            found += _functions(member)
    return found


def _parameters(function: Any) -> tuple[Parameter, ...]:
    return tuple(
        Parameter(
            name=parameter.name,
            kind=str(parameter.kind.value),
            type=_text(parameter.annotation),
            default=None if parameter.default is None else _text(parameter.default),
        )
        for parameter in function.parameters
    )


def _resolved_bases(cls: Any, package: Any) -> list[Any]:
    """The component's other bases, found by name in the package (griffe's resolution needs aliases resolved)."""
    by_name = {found.name: found for found in _classes(package)}
    names = [str(base).rsplit(".", maxsplit=1)[-1] for base in cls.bases]
    return [by_name[name] for name in names if name in by_name]


def _dataclass_attributes(cls: Any) -> list[Any]:
    return [
        member
        for member in cls.members.values()
        if not member.is_alias
        and member.is_attribute
        and member.annotation is not None
        and "class-attribute" in member.labels
        and not str(member.annotation).startswith("ClassVar")
    ]


def _fields(cls: Any) -> tuple[Field, ...]:
    init = cls.members.get("__init__")
    if init is None:
        return ()
    return tuple(
        Field(
            name=parameter.name,
            type=_text(parameter.annotation),
            required=parameter.default is None,
            default=None if parameter.default is None else _text(parameter.default),
        )
        for parameter in init.parameters
        if parameter.name != "self"
    )


def _text(expression: Any) -> str:
    return " ".join(str(expression).split()) if expression is not None else ""


def _deprecations(cls: Any, owner: str, kind: str) -> list[Deprecation]:
    found = []
    for attribute in _dataclass_attributes(cls):
        mark = _deprecation_mark(str(attribute.value)) if attribute.value is not None else None
        if mark is not None:
            found.append(Deprecation(f"{owner}.{attribute.name}", kind, *mark))
    return found


def _deprecation_mark(source: str) -> tuple[str, str] | None:
    """(removed_in, use) from `field(..., metadata=doc("...", removed_in="2.0.0", use="x"))` or a metadata dict."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
            if "removed_in" in keywords:
                return _literal(keywords["removed_in"]), _literal(keywords.get("use"))
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "deprecated" and isinstance(value, ast.Dict):
                    mark = {_literal(k): _literal(v) for k, v in zip(value.keys, value.values, strict=True)}
                    return mark.get("removed_in", ""), mark.get("use", "")
    return None


def _literal(node: ast.expr | None) -> str:
    if node is None:
        return ""
    try:
        return str(ast.literal_eval(node))
    except ValueError:
        return ast.unparse(node)


def compare(old: ModuleApi, new: ModuleApi) -> list[ApiChange]:
    """Every API difference from `old` to `new`, each with the bump it calls for."""
    changes: list[ApiChange] = []
    changes += _compare_args(old, new)
    changes += _compare_components(old, new)
    changes += _compare_functions(old, new)
    old_marks = {d.where for d in old.deprecations}
    changes += [
        ApiChange(Bump.MINOR, f"deprecated {d.kind} {d.where} (removed in {d.removed_in}{_use(d.use)})")
        for d in new.deprecations
        if d.where not in old_marks
    ]
    return sorted(changes, key=lambda change: (-change.bump, change.text))


def _compare_functions(old: ModuleApi, new: ModuleApi) -> list[ApiChange]:
    """Removed function, or a parameter removed, retyped, reordered, made required or given another
    default → major; an added function or an added optional parameter → minor."""
    changes = [
        ApiChange(Bump.MAJOR, f"removed function {name}")
        for name in sorted(old.functions.keys() - new.functions.keys())
    ]
    changes += [
        ApiChange(Bump.MINOR, f"added function {name}") for name in sorted(new.functions.keys() - old.functions.keys())
    ]
    for name in sorted(old.functions.keys() & new.functions.keys()):
        before, after = old.functions[name], new.functions[name]
        kept = [parameter.name for parameter in after if parameter.name in {p.name for p in before}]
        if [p.name for p in before if p.name in kept] != kept:
            changes.append(ApiChange(Bump.MAJOR, f"changed function {name}: parameters reordered"))
        after_by_name = {parameter.name: parameter for parameter in after}
        for parameter in before:
            now = after_by_name.get(parameter.name)
            if now is None:
                changes.append(ApiChange(Bump.MAJOR, f"changed function {name}: removed parameter {parameter.name}"))
            elif now != parameter:
                changes.append(
                    ApiChange(Bump.MAJOR, f"changed function {name}: parameter {parameter.name} {parameter} -> {now}")
                )
        for parameter in after:
            if parameter.name not in {p.name for p in before}:
                bump = Bump.MAJOR if parameter.default is None and "variadic" not in parameter.kind else Bump.MINOR
                changes.append(ApiChange(bump, f"changed function {name}: added parameter {parameter.name}"))
    return changes


def _use(use: str) -> str:
    return f"; use {use}" if use else ""


def _compare_args(old: ModuleApi, new: ModuleApi) -> list[ApiChange]:
    changes = []
    for name in sorted(old.args.keys() - new.args.keys()):
        changes.append(ApiChange(Bump.MAJOR, f"removed args class {name}"))
    for name in sorted(new.args.keys() - old.args.keys()):
        changes.append(ApiChange(Bump.MINOR, f"added args class {name}"))
    for name in sorted(old.args.keys() & new.args.keys()):
        before = {field.name: field for field in old.args[name]}
        after = {field.name: field for field in new.args[name]}
        for field_name in sorted(before.keys() - after.keys()):
            changes.append(ApiChange(Bump.MAJOR, f"removed input {name}.{field_name}"))
        for field_name in sorted(after.keys() - before.keys()):
            field = after[field_name]
            if field.required:
                changes.append(ApiChange(Bump.MAJOR, f"added required input {name}.{field_name}"))
            else:
                changes.append(
                    ApiChange(Bump.MINOR, f"added optional input {name}.{field_name} (default {field.default})")
                )
        for field_name in sorted(before.keys() & after.keys()):
            changes += _field_changes(f"{name}.{field_name}", before[field_name], after[field_name])
    return changes


def _field_changes(where: str, before: Field, after: Field) -> list[ApiChange]:
    changes = []
    if before.type != after.type:
        changes.append(ApiChange(Bump.MAJOR, f"input {where}: type {before.type} -> {after.type}"))
    if not before.required and after.required:
        changes.append(ApiChange(Bump.MAJOR, f"input {where}: optional -> required"))
    elif before.required and not after.required:
        changes.append(ApiChange(Bump.MINOR, f"input {where}: required -> optional (default {after.default})"))
    elif before.default != after.default:
        changes.append(ApiChange(Bump.MAJOR, f"input {where}: default {before.default} -> {after.default}"))
    return changes


def _compare_components(old: ModuleApi, new: ModuleApi) -> list[ApiChange]:
    changes = []
    for name in sorted(old.components.keys() - new.components.keys()):
        changes.append(ApiChange(Bump.MAJOR, f"removed component {name}"))
    for name in sorted(new.components.keys() - old.components.keys()):
        changes.append(ApiChange(Bump.MINOR, f"added component {name}"))
    for name in sorted(old.components.keys() & new.components.keys()):
        before = {output.name: output for output in old.components[name]}
        after = {output.name: output for output in new.components[name]}
        for output in sorted(before.keys() - after.keys()):
            changes.append(ApiChange(Bump.MAJOR, f"removed output {name}.{output}"))
        for output in sorted(after.keys() - before.keys()):
            changes.append(ApiChange(Bump.MINOR, f"added output {name}.{output}"))
        for output in sorted(before.keys() & after.keys()):
            if before[output].type != after[output].type:
                changes.append(
                    ApiChange(
                        Bump.MAJOR,
                        f"output {name}.{output}: type {before[output].type} -> {after[output].type}",
                    )
                )
    return changes


def required_bump(changes: list[ApiChange]) -> Bump:
    return max((change.bump for change in changes), default=Bump.PATCH)
