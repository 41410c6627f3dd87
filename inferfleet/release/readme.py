"""Generate each module README's inputs/outputs tables from the code.

Inputs are the fields of every `*Args` dataclass in the module's `args.py` (type, default and the
`doc` metadata); outputs are the declared output fields (a `*Outputs` dataclass the component
inherits) of every component class the package exports. A deprecated field or output says so. The
tables live between `<!-- BEGIN_INPUTS -->`/`<!-- END_INPUTS -->` and the matching OUTPUTS markers.

    python -m inferfleet.release.readme modules/*          # rewrite
    python -m inferfleet.release.readme --check modules/*  # exit 1 when a README is stale
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MARKERS = ("INPUTS", "OUTPUTS")


@dataclass(frozen=True)
class ModuleDocs:
    package: str
    inputs: str
    outputs: str


def package_of(module_dir: Path) -> str:
    packages = sorted(path.parent.name for path in module_dir.glob("inferfleet_*/__init__.py"))
    if len(packages) != 1:
        raise ValueError(f"{module_dir}: expected one inferfleet_* package, found {packages or 'none'}")
    return packages[0]


def args_classes(package: str) -> list[type[Any]]:
    module = importlib.import_module(f"{package}.args")
    classes = [
        member
        for _, member in inspect.getmembers(module, inspect.isclass)
        if dataclasses.is_dataclass(member)
        and member.__module__ == module.__name__
        and member.__name__.endswith("Args")
    ]
    return sorted(classes, key=lambda cls: inspect.getsourcelines(cls)[1])


def components(package: str) -> list[type[Any]]:
    module = importlib.import_module(package)
    # The public API by name: a package may load a component lazily (module __getattr__).
    names = getattr(module, "__all__", dir(module))
    exported = [getattr(module, name) for name in names]
    found = {member for member in exported if inspect.isclass(member) and declared_outputs(member)}
    return sorted(found, key=lambda cls: cls.__name__)


def declared_outputs(component: type[Any]) -> tuple[dataclasses.Field[Any], ...]:
    """The outputs a component class declares (the fields of the outputs dataclass it inherits)."""
    if not dataclasses.is_dataclass(component) or not any(
        base.__name__ == "ComponentResource" for base in inspect.getmro(component)
    ):
        return ()
    return dataclasses.fields(component)


def description(field: dataclasses.Field[Any]) -> str:
    """The field's `doc`, and its deprecation when it has one."""
    doc = str(field.metadata.get("doc", ""))
    deprecated = field.metadata.get("deprecated")
    if not deprecated:
        return doc
    use = f"; use {deprecated['use']}" if deprecated.get("use") else ""
    return f"{doc} **Deprecated**: removed in {deprecated['removed_in']}{use}."


def field_default(field: dataclasses.Field[Any]) -> str:
    if field.default is not dataclasses.MISSING:
        return f"`{field.default!r}`"
    if field.default_factory is not dataclasses.MISSING:
        return f"`{field.default_factory()!r}`"
    return "required"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def inputs_table(package: str) -> str:
    sections = []
    for cls in args_classes(package):
        rows = [f"### `{cls.__name__}`", "", "| name | type | default | description |", "|---|---|---|---|"]
        for field in dataclasses.fields(cls):
            cells = (
                f"`{field.name}`",
                f"`{_cell(str(field.type))}`",
                _cell(field_default(field)),
                _cell(description(field)),
            )
            rows.append(f"| {' | '.join(cells)} |")
        sections.append("\n".join(rows))
    return "\n\n".join(sections)


def outputs_table(package: str) -> str:
    sections = []
    for cls in components(package):
        rows = [f"### `{cls.__name__}`", "", "| name | type | description |", "|---|---|---|"]
        rows += [
            f"| `{field.name}` | `{_cell(str(field.type))}` | {_cell(description(field))} |"
            for field in declared_outputs(cls)
        ]
        sections.append("\n".join(rows))
    return "\n\n".join(sections)


def generate(module_dir: Path) -> ModuleDocs:
    package = package_of(module_dir)
    return ModuleDocs(package=package, inputs=inputs_table(package), outputs=outputs_table(package))


def _replacement(body: str) -> Callable[[re.Match[str]], str]:
    return lambda match: f"{match.group(1)}{body}\n{match.group(2)}"


def rewrite(readme: str, docs: ModuleDocs) -> str:
    for marker, body in (("INPUTS", docs.inputs), ("OUTPUTS", docs.outputs)):
        pattern = re.compile(rf"(<!-- BEGIN_{marker} -->\n).*?(<!-- END_{marker} -->)", re.DOTALL)
        if not pattern.search(readme):
            raise ValueError(f"README has no <!-- BEGIN_{marker} --> ... <!-- END_{marker} --> block")
        readme = pattern.sub(_replacement(body), readme)
    return readme


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for argument in (arg for arg in argv if arg != "--check"):
        module_dir = Path(argument)
        readme_path = module_dir / "README.md"
        current = readme_path.read_text(encoding="utf-8")
        updated = rewrite(current, generate(module_dir))
        if updated != current:
            stale.append(str(readme_path))
            if not check:
                readme_path.write_text(updated, encoding="utf-8")
    if check and stale:
        print(f"stale: {', '.join(stale)}; run python -m inferfleet.release.readme modules/*", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
