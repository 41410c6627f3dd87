"""A module's public API as data, read statically from its source with griffe, and compared between versions.

The API of `modules/<folder>` (distribution `inferfleet-<folder>`): every exported `*Args` dataclass
with its fields (the dataclass's synthetic `__init__` as griffe models it: name, type, required,
default), every exported component with the outputs it declares (the fields of the `*Outputs`
dataclass it inherits: name, type), every deprecation mark (`doc(..., removed_in=, use=)` or a
`"deprecated"` metadata entry), the parameters and return types of the exported functions, of the
constructors (components' too) and of the public methods of the exported classes, and every other
name in `__all__` (constants, exceptions). A type or default that refers to a module-level name
(`cloud: Cloud`, `default=PROFILES["default"]`) carries that name's value as written, so a change
there counts as a change of the type or the default. Static reading means an old release is read from
a git worktree or an unpacked wheel without importing it next to the installed version.

The comparison classifies each difference with the module bump rules (STYLE.md §9).
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
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
class Reference:
    """A module-level name a type or default refers to (`Cloud`, `PROFILES['default']`), with its value as written."""

    name: str
    value: str


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    default: str | None
    type_refers_to: tuple[Reference, ...] = ()
    default_refers_to: tuple[Reference, ...] = ()


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
    type_refers_to: tuple[Reference, ...] = ()
    default_refers_to: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class ModuleApi:
    distribution: str
    version: str
    args: dict[str, tuple[Field, ...]]
    components: dict[str, tuple[Output, ...]]
    deprecations: tuple[Deprecation, ...]
    functions: dict[str, tuple[Parameter, ...]] = dataclass_field(default_factory=dict)
    """Every exported function, the constructor of every exported class and component, and every public method
    (`Catalog.lookup`), with their parameters (a library's whole API; a module's helpers)."""
    returns: dict[str, str] = dataclass_field(default_factory=dict)
    """The return type of each function and method in `functions`."""
    exports: dict[str, str] = dataclass_field(default_factory=dict)
    """Every name in `__all__` with its kind (class, function, constant, module)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "distribution": self.distribution,
            "version": self.version,
            "args": {name: [_json_entry(field) for field in fields] for name, fields in self.args.items()},
            "components": {
                name: {"outputs": [asdict(output) for output in outputs]} for name, outputs in self.components.items()
            },
            "deprecations": [asdict(deprecation) for deprecation in self.deprecations],
            "functions": {name: [_json_entry(p) for p in parameters] for name, parameters in self.functions.items()},
            "returns": self.returns,
            "exports": self.exports,
        }


def _json_entry(entry: Field | Parameter) -> dict[str, Any]:
    """The field or parameter as JSON; the names its type and default refer to only when there are some."""
    return {key: value for key, value in asdict(entry).items() if not key.endswith("_refers_to") or value}


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

    packages = sorted(path.parent for path in package_root.glob("inferfleet_*/__init__.py"))
    if len(packages) != 1:
        raise InputError(
            f"{package_root}: expected one inferfleet_* package, found {[p.name for p in packages] or 'none'}"
        )
    _check_parses(packages[0])
    package = griffe.load(
        packages[0].name, search_paths=[str(package_root)], allow_inspection=False, resolve_aliases=False
    )
    exported = set(package.exports or ())
    classes = [cls for cls in _classes(package) if cls.name in exported]
    args: dict[str, tuple[Field, ...]] = {}
    components: dict[str, tuple[Output, ...]] = {}
    deprecations: list[Deprecation] = []
    callables: dict[str, tuple[Parameter, ...]] = {}
    returns: dict[str, str] = {}
    for cls in sorted(classes, key=lambda c: (c.filepath.name if isinstance(c.filepath, Path) else "", c.lineno or 0)):
        if "dataclass" in cls.labels and cls.name.endswith("Args"):
            args[cls.name] = _fields(cls, package)
            deprecations += _deprecations(cls, cls.name, "input")
        else:
            if any(str(base).endswith("ComponentResource") for base in cls.bases):
                components[cls.name], declared = _outputs(cls, package)
                deprecations += declared
            if (init := cls.members.get("__init__")) is not None:
                # How a caller makes one (a component's `Vpc(name, args, opts)` too): its constructor is its API.
                callables[cls.name] = _parameters(init, package, bound=True)
        for method in _public_methods(cls):
            where = f"{cls.name}.{method.name}"
            callables[where] = _parameters(method, package, bound="staticmethod" not in method.labels)
            returns[where] = _text(method.returns)
    for function in _functions(package):
        if function.name in exported:
            callables[function.name] = _parameters(function, package, bound=False)
            returns[function.name] = _text(function.returns)
    return ModuleApi(
        distribution=distribution,
        version=version,
        args=args,
        components=dict(sorted(components.items())),
        deprecations=tuple(deprecations),
        functions=dict(sorted(callables.items())),
        returns=dict(sorted(returns.items())),
        exports=_exports(package),
    )


def _check_parses(package: Path) -> None:
    """griffe skips a module it cannot parse, so its names would read as removed: refuse the package instead."""
    for path in sorted(package.rglob("*.py")):
        try:
            ast.parse(path.read_bytes(), filename=str(path))
        except SyntaxError as exc:
            where = f"{path}:{exc.lineno}" if exc.lineno else str(path)
            raise InputError(
                f"{where}: {exc.msg}: the module's API cannot be read from a file that does not parse",
                hint="fix the syntax error",
            ) from None
        except ValueError as exc:  # null bytes: Python 3.11 says so with a ValueError
            raise InputError(f"{path}: {exc}: the module's API cannot be read from it") from None


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


def _parameters(function: Any, package: Any, *, bound: bool) -> tuple[Parameter, ...]:
    """The parameters a caller passes: without `self` or `cls` of a method bound to its instance or class."""
    parameters = list(function.parameters)[1:] if bound else function.parameters
    return tuple(
        Parameter(
            name=parameter.name,
            kind=str(parameter.kind.value),
            type=_text(parameter.annotation),
            default=None if parameter.default is None else _text(parameter.default),
            type_refers_to=_references(parameter.annotation, package),
            default_refers_to=_references(parameter.default, package),
        )
        for parameter in parameters
    )


def _public_methods(cls: Any) -> list[Any]:
    return [
        member
        for name, member in cls.members.items()
        if not name.startswith("_") and not member.is_alias and member.is_function
    ]


_KIND_WORDS = {"attribute": "constant"}


def _exports(package: Any) -> dict[str, str]:
    """Each name in `__all__` with its kind; `name` for one not found statically (a module's `__getattr__`)."""
    import griffe

    kinds: dict[str, str] = {}
    for name in map(str, package.exports or ()):
        member = package.members.get(name)
        try:
            kind = "name" if member is None else str(member.kind.value)
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            kind = "name"
        kinds[name] = _KIND_WORDS.get(kind, kind)
    return dict(sorted(kinds.items()))


def _references(expression: Any, package: Any) -> tuple[Reference, ...]:
    """The package's constants `expression` refers to with their values, and those their values refer to in turn:
    the text `cloud: Cloud` stays the same when `Cloud` loses a member."""
    found: dict[str, Reference] = {}
    pending = [expression]
    while pending:
        for name, value in _named_values(pending.pop(), package):
            if name not in found:
                found[name] = Reference(name, _text(value))
                pending.append(value)
    return tuple(found.values())


def _named_values(expression: Any, package: Any) -> Iterator[tuple[str, Any]]:
    """(name as written, value) of each constant of the package in `expression`. `NAME['key']` of a dict literal is
    that entry alone: editing another entry (another tuning profile) changes nothing that uses this one."""
    import griffe

    if isinstance(expression, griffe.ExprName):
        value = _constant_value(expression, package)
        if value is not None:
            yield expression.name, value
        return
    if isinstance(expression, griffe.ExprSubscript) and isinstance(expression.left, griffe.ExprName):
        constant = _constant_value(expression.left, package)
        if isinstance(constant, griffe.ExprDict) and expression.slice in constant.keys:
            yield str(expression), constant.values[constant.keys.index(expression.slice)]
            return
    if isinstance(expression, griffe.Expr):
        for part in expression.iterate(flat=False):
            yield from _named_values(part, package)


def _constant_value(name: Any, package: Any) -> Any:
    """The value of the package's module or class attribute `name` stands for; None for anything else (builtins,
    other distributions, classes, functions)."""
    import griffe

    try:
        found = package.modules_collection.get_member(name.canonical_path)
        if found.is_alias:
            found = found.final_target
    except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError, griffe.NameResolutionError):
        return None
    return found.value if found.is_attribute else None


def _outputs(cls: Any, package: Any) -> tuple[tuple[Output, ...], list[Deprecation]]:
    """A component's outputs, the fields of the `*Outputs` dataclasses it inherits, and their deprecations."""
    outputs: list[Output] = []
    deprecations: list[Deprecation] = []
    for base in _resolved_bases(cls, package):
        if "dataclass" in base.labels:
            outputs += [
                Output(attribute.name, _text(attribute.annotation)) for attribute in _dataclass_attributes(base)
            ]
            deprecations += _deprecations(base, cls.name, "output")
    return tuple(outputs), deprecations


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


def _fields(cls: Any, package: Any) -> tuple[Field, ...]:
    init = cls.members.get("__init__")
    if init is None:
        return ()
    return tuple(
        Field(
            name=parameter.name,
            type=_text(parameter.annotation),
            required=parameter.default is None,
            default=None if parameter.default is None else _text(parameter.default),
            type_refers_to=_references(parameter.annotation, package),
            default_refers_to=_references(parameter.default, package),
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
    changes += _compare_exports(old, new)
    old_marks = {d.where for d in old.deprecations}
    changes += [
        ApiChange(Bump.MINOR, f"deprecated {d.kind} {d.where} (removed in {d.removed_in}{_use(d.use)})")
        for d in new.deprecations
        if d.where not in old_marks
    ]
    return sorted(changes, key=lambda change: (-change.bump, change.text))


def _compare_functions(old: ModuleApi, new: ModuleApi) -> list[ApiChange]:
    """A removed function, class or method → major, an added one → minor (a component's constructor comes and goes
    with the component, reported as such); for each one kept, its parameters and its return type."""
    components = old.components.keys() | new.components.keys()
    changes = [
        ApiChange(Bump.MAJOR, f"removed {_kind(name, old)} {name}")
        for name in sorted(old.functions.keys() - new.functions.keys() - components)
        if _owner_in(name, new)
    ]
    changes += [
        ApiChange(Bump.MINOR, f"added {_kind(name, new)} {name}")
        for name in sorted(new.functions.keys() - old.functions.keys() - components)
        if _owner_in(name, old)
    ]
    for name in sorted(old.functions.keys() & new.functions.keys()):
        label = f"changed {_kind(name, new)} {name}"
        changes += _parameter_changes(label, old.functions[name], new.functions[name])
        before, after = old.returns.get(name, ""), new.returns.get(name, "")
        if before != after:
            changes.append(ApiChange(Bump.MAJOR, f"{label}: return type {before or '(none)'} -> {after or '(none)'}"))
    return changes


def _owner_in(name: str, api: ModuleApi) -> bool:
    """Whether a method's class is exported in `api`: the methods of a class that leaves or joins the API come and
    go with it, reported once as the class."""
    owner, dot, _ = name.partition(".")
    return not dot or owner in api.exports


def _kind(name: str, api: ModuleApi) -> str:
    """What an entry of `functions` is, in the words of a change: component, method, class or function."""
    if name in api.components:
        return "component"
    if "." in name:
        return "method"
    return "class" if api.exports.get(name) == "class" else "function"


_PASSED_BY_POSITION = frozenset({"positional-only", "positional or keyword", "variadic positional"})
_WIDENED_KINDS = frozenset({("keyword-only", "positional or keyword"), ("positional-only", "positional or keyword")})
"""Kind changes every existing call survives: a parameter a caller may now also pass another way."""


def same_type(before: str, after: str) -> bool:
    """Whether two annotations are one type as written: `Optional[int]`, `Union[None, int]` and `int | None` are."""
    return before == after or _canonical_type(before) == _canonical_type(after)


def _canonical_type(text: str) -> str:
    """An annotation with each union written as its sorted, distinct `|` members (Optional and Union spelled out)."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return text
    return ast.unparse(_Unions().visit(tree))


class _Unions(ast.NodeTransformer):
    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        name = ast.unparse(node.value)
        if name in ("Optional", "typing.Optional"):
            return self._union([node.slice, ast.Constant(None)])
        if name in ("Union", "typing.Union"):
            return self._union(list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice])
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        return self._union([node.left, node.right]) if isinstance(node.op, ast.BitOr) else node

    @staticmethod
    def _union(members: list[ast.expr]) -> ast.expr:
        flat: dict[str, ast.expr] = {}
        pending = list(members)
        while pending:
            member = pending.pop()
            if isinstance(member, ast.BinOp) and isinstance(member.op, ast.BitOr):
                pending += [member.left, member.right]
            else:
                flat[ast.unparse(member)] = member
        ordered = [flat[text] for text in sorted(flat)]
        union = ordered[0]
        for member in ordered[1:]:
            union = ast.BinOp(union, ast.BitOr(), member)
        return union


def _parameter_changes(label: str, before: tuple[Parameter, ...], after: tuple[Parameter, ...]) -> list[ApiChange]:
    """A parameter removed, reordered or changed, or an added one that is required or comes before one a caller may
    pass by position (the call would bind its value to the new one) → major; another added parameter → minor."""
    changes = []
    old_names = {parameter.name for parameter in before}
    kept = [parameter.name for parameter in after if parameter.name in old_names]
    if [parameter.name for parameter in before if parameter.name in kept] != kept:
        changes.append(ApiChange(Bump.MAJOR, f"{label}: parameters reordered"))
    after_by_name = {parameter.name: parameter for parameter in after}
    for parameter in before:
        now = after_by_name.get(parameter.name)
        if now is None:
            changes.append(ApiChange(Bump.MAJOR, f"{label}: removed parameter {parameter.name}"))
        else:
            changes += [
                ApiChange(Bump.MAJOR, f"{label}: parameter {parameter.name}: {difference}")
                for difference in _parameter_differences(parameter, now)
            ]
            changes += [
                ApiChange(Bump.MINOR, f"{label}: parameter {parameter.name}: {widening}")
                for widening in _parameter_widenings(parameter, now)
            ]
    by_position = [parameter.name for parameter in before if parameter.kind in _PASSED_BY_POSITION]
    for index, parameter in enumerate(after):
        if parameter.name in old_names:
            continue
        shifted = [later.name for later in after[index + 1 :] if later.name in by_position]
        if parameter.kind in _PASSED_BY_POSITION and shifted:
            changes.append(
                ApiChange(
                    Bump.MAJOR,
                    f"{label}: added parameter {parameter.name} before {shifted[0]}: "
                    f"a call passing {shifted[0]} by position now binds it to {parameter.name}",
                )
            )
        elif parameter.default is None and "variadic" not in parameter.kind:
            changes.append(ApiChange(Bump.MAJOR, f"{label}: added required parameter {parameter.name}"))
        else:
            changes.append(ApiChange(Bump.MINOR, f"{label}: added parameter {parameter.name}"))
    return changes


def _parameter_widenings(before: Parameter, after: Parameter) -> list[str]:
    """Changes every existing call survives: passed another way too, or no longer required."""
    widenings = []
    if (before.kind, after.kind) in _WIDENED_KINDS:
        widenings.append(f"{before.kind} -> {after.kind}")
    if before.default is None and after.default is not None:
        widenings.append(f"required -> optional (default {after.default})")
    return widenings


def _parameter_differences(before: Parameter, after: Parameter) -> list[str]:
    """Changes a call may not survive."""
    differences = []
    if before.kind != after.kind and (before.kind, after.kind) not in _WIDENED_KINDS:
        differences.append(f"{before.kind} -> {after.kind}")
    if not same_type(before.type, after.type):
        differences.append(f"type {before.type} -> {after.type}")
    else:
        differences += _reference_changes("type", after.type, before.type_refers_to, after.type_refers_to)
    if after.default is None and before.default is not None:
        differences.append("optional -> required")
    elif before.default is not None and before.default != after.default:
        differences.append(f"default {before.default} -> {after.default}")
    elif after.default is not None:
        differences += _reference_changes("default", after.default, before.default_refers_to, after.default_refers_to)
    return differences


def _reference_changes(role: str, text: str, before: tuple[Reference, ...], after: tuple[Reference, ...]) -> list[str]:
    """How the constants a type or default (`role` written `text`) refers to changed while its text did not."""
    old = {reference.name: reference.value for reference in before}
    new = {reference.name: reference.value for reference in after}
    changes = []
    for name in sorted(old.keys() | new.keys()):
        subject = f"{role} {text}" if name == text else f"{role} {text}: {name}"
        if name not in new:
            changes.append(f"{subject} is no longer a constant of the module")
        elif name not in old:
            changes.append(f"{subject} is now a constant of the module ({_excerpt(new[name], 0, len(new[name]))})")
        elif old[name] != new[name]:
            changes.append(f"{subject} changed from {' to '.join(_differing_parts(old[name], new[name]))}")
    return changes


_SHOWN = 80
"""Characters of a value a change shows; a longer value (a whole tuning profile) shows the items that differ."""
_CONTEXT = 32


def _differing_parts(old: str, new: str) -> tuple[str, str]:
    if max(len(old), len(new)) <= _SHOWN:
        return old, new
    prefix = _common_length(old, new)
    suffix = _common_length(old[prefix:][::-1], new[prefix:][::-1])
    start = _item_start(old, prefix)
    return (
        _excerpt(old, start, _item_end(old, len(old) - suffix)),
        _excerpt(new, start, _item_end(new, len(new) - suffix)),
    )


def _common_length(first: str, second: str) -> int:
    pairs = zip(first, second, strict=False)  # up to the shorter one's end
    return next((index for index, (a, b) in enumerate(pairs) if a != b), min(len(first), len(second)))


def _item_start(text: str, index: int) -> int:
    """Where the item (of a dict, list or call) around `index` starts, when near: an excerpt shows whole items."""
    found = text.rfind(", ", max(index - _CONTEXT, 0), index)
    return found + 2 if found >= 0 else max(index - _CONTEXT, 0)


def _item_end(text: str, index: int) -> int:
    found = text.find(", ", index, index + _CONTEXT)
    return found if found >= 0 else index + _CONTEXT


def _excerpt(text: str, start: int, end: int) -> str:
    end = min(len(text), start + _SHOWN, end)
    return ("..." if start > 0 else "") + text[start:end] + ("..." if end < len(text) else "")


def _compare_exports(old: ModuleApi, new: ModuleApi) -> list[ApiChange]:
    """A name leaving `__all__` (a constant, an exception) → major, a new one → minor; args classes, components,
    functions and classes with a constructor are reported by their own comparisons."""
    reported = {*old.args, *new.args, *old.components, *new.components, *old.functions, *new.functions}
    changes = [
        ApiChange(Bump.MAJOR, f"removed {old.exports[name]} {name}")
        for name in sorted(old.exports.keys() - new.exports.keys() - reported)
    ]
    changes += [
        ApiChange(Bump.MINOR, f"added {new.exports[name]} {name}")
        for name in sorted(new.exports.keys() - old.exports.keys() - reported)
    ]
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
    if not same_type(before.type, after.type):
        changes.append(ApiChange(Bump.MAJOR, f"input {where}: type {before.type} -> {after.type}"))
    else:
        changes += [
            ApiChange(Bump.MAJOR, f"input {where}: {change}")
            for change in _reference_changes("type", after.type, before.type_refers_to, after.type_refers_to)
        ]
    if not before.required and after.required:
        changes.append(ApiChange(Bump.MAJOR, f"input {where}: optional -> required"))
    elif before.required and not after.required:
        changes.append(ApiChange(Bump.MINOR, f"input {where}: required -> optional (default {after.default})"))
    elif before.default != after.default:
        changes.append(ApiChange(Bump.MAJOR, f"input {where}: default {before.default} -> {after.default}"))
    elif not after.required:
        changes += [
            ApiChange(Bump.MAJOR, f"input {where}: {change}")
            for change in _reference_changes(
                "default", after.default or "", before.default_refers_to, after.default_refers_to
            )
        ]
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
            if not same_type(before[output].type, after[output].type):
                changes.append(
                    ApiChange(
                        Bump.MAJOR,
                        f"output {name}.{output}: type {before[output].type} -> {after[output].type}",
                    )
                )
    return changes


def required_bump(changes: list[ApiChange]) -> Bump:
    return max((change.bump for change in changes), default=Bump.PATCH)
