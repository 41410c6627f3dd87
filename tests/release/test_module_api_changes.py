"""API changes read with griffe from two versions of a small synthetic module, and the bump each calls for."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from inferfleet.cli.app import main
from inferfleet.errors import InputError
from inferfleet.release.api import ApiChange, Bump, ModuleApi, compare, read_api, required_bump

SOURCES = {
    "__init__.py": """
        from inferfleet_x.args import CLOUDS, PROFILES, Catalog, CatalogError, XArgs, resolve, validate_zones
        from inferfleet_x.network import Network

        __all__ = ["CLOUDS", "PROFILES", "Catalog", "CatalogError", "Network", "XArgs", "resolve", "validate_zones"]
    """,
    "args.py": """
        from __future__ import annotations

        from collections.abc import Sequence
        from dataclasses import dataclass
        from typing import Literal

        Cloud = Literal["huaweicloud", "aws"]
        Clouds = tuple[Cloud, ...]
        CLOUDS: Clouds = ("huaweicloud", "aws")
        _RMEM_MAX = 67108864


        @dataclass(frozen=True)
        class Tuning:
            profile: str
            rmem_max: int


        PROFILES = {"default": Tuning("default", rmem_max=_RMEM_MAX), "edge": Tuning("edge", rmem_max=16777216)}


        class CatalogError(ValueError):
            \"\"\"A catalog that cannot be read.\"\"\"


        class Catalog:
            def __init__(self, source: str) -> None:
                self.source = source

            def accelerators_in(self, cloud: str, region: str) -> list[str]:
                return []


        @dataclass(frozen=True, kw_only=True)
        class XArgs:
            cloud: Cloud
            region: str
            tuning: Tuning = PROFILES["default"]


        def validate_zones(clouds: Clouds, zones: Sequence[str]) -> None:
            pass


        def resolve(profile: str, sysctl: dict[str, int] | None = None) -> Tuning:
            return PROFILES[profile]
    """,
    "network.py": """
        from __future__ import annotations

        import pulumi

        from inferfleet_x.args import XArgs


        class Network(pulumi.ComponentResource):
            def __init__(self, name: str, args: XArgs, opts: pulumi.ResourceOptions | None = None) -> None:
                super().__init__("inferfleet:x:Network", name, None, opts)
    """,
}


def _write(root: Path, replacements: dict[str, tuple[str, str]]) -> Path:
    """The synthetic module in `root`, each file's text edited by `replacements` (file: (old, new))."""
    package = root / "inferfleet_x"
    package.mkdir(parents=True)
    for name, source in SOURCES.items():
        text = textwrap.dedent(source).lstrip()
        if name in replacements:
            old, new = replacements[name]
            assert old in text, f"{name}: {old!r} not found"
            text = text.replace(old, new)
        (package / name).write_text(text, encoding="utf-8")
    return root


def _read(root: Path, **replacements: tuple[str, str]) -> ModuleApi:
    return read_api(
        _write(root, {f"{name}.py": edit for name, edit in replacements.items()}), distribution="x", version="1"
    )


def _changes(tmp_path: Path, **replacements: tuple[str, str]) -> list[ApiChange]:
    return compare(_read(tmp_path / "old"), _read(tmp_path / "new", **replacements))


def test_the_unchanged_module_has_no_api_change(tmp_path: Path) -> None:
    assert _changes(tmp_path) == []


def test_narrowing_a_type_alias_changes_every_type_that_uses_it(tmp_path: Path) -> None:
    changes = _changes(tmp_path, args=('Cloud = Literal["huaweicloud", "aws"]', 'Cloud = Literal["huaweicloud"]'))
    was, now = "Literal['huaweicloud', 'aws']", "Literal['huaweicloud']"
    assert changes == [
        ApiChange(
            Bump.MAJOR,
            f"changed function validate_zones: parameter clouds: type Clouds: Cloud changed from {was} to {now}",
        ),
        ApiChange(Bump.MAJOR, f"input XArgs.cloud: type Cloud changed from {was} to {now}"),
    ]
    assert required_bump(changes) == Bump.MAJOR


def test_a_component_constructor_made_keyword_only_is_major(tmp_path: Path) -> None:
    changes = _changes(tmp_path, network=("name: str, args: XArgs,", "name: str, *, args: XArgs,"))
    assert changes == [
        ApiChange(Bump.MAJOR, "changed component Network: parameter args: positional or keyword -> keyword-only"),
        ApiChange(Bump.MAJOR, "changed component Network: parameter opts: positional or keyword -> keyword-only"),
    ]
    assert required_bump(changes) == Bump.MAJOR


def test_a_changed_return_type_is_major(tmp_path: Path) -> None:
    changes = _changes(tmp_path, args=("zones: Sequence[str]) -> None:", "zones: Sequence[str]) -> int:"))
    assert changes == [ApiChange(Bump.MAJOR, "changed function validate_zones: return type None -> int")]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("__init__", ('"CatalogError", ', "")), "removed class CatalogError"),
        (("__init__", ('"CLOUDS", ', "")), "removed constant CLOUDS"),
        (("args", ("def accelerators_in(", "def _accelerators_in(")), "removed method Catalog.accelerators_in"),
        (("__init__", ('"Catalog", ', "")), "removed class Catalog"),  # its methods go with it
    ],
    ids=["exception", "constant", "method", "class"],
)
def test_a_name_no_longer_public_is_major(tmp_path: Path, edit: tuple[str, tuple[str, str]], expected: str) -> None:
    file, replacement = edit
    changes = _changes(tmp_path, **{file: replacement})
    assert changes == [ApiChange(Bump.MAJOR, expected)]


def test_an_optional_parameter_before_positional_ones_is_major(tmp_path: Path) -> None:
    inserted = _changes(tmp_path / "inserted", args=("profile: str, sysctl", "profile: str, extra: int = 0, sysctl"))
    assert inserted == [
        ApiChange(
            Bump.MAJOR,
            "changed function resolve: added parameter extra before sysctl: "
            "a call passing sysctl by position now binds it to extra",
        )
    ]
    appended = _changes(tmp_path / "appended", args=("| None = None)", "| None = None, extra: int = 0)"))
    assert appended == [ApiChange(Bump.MINOR, "changed function resolve: added parameter extra")]


def test_a_module_file_that_does_not_parse_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "modules" / "x"
    _write(folder, {"args.py": ("class Catalog:", "class Catalog(:")})
    (folder / "pyproject.toml").write_text('[project]\nname = "inferfleet-x"\nversion = "1.0.0"\n', encoding="utf-8")
    line = (folder / "inferfleet_x" / "args.py").read_text().splitlines().index("class Catalog(:") + 1
    with pytest.raises(InputError, match=rf"inferfleet_x/args\.py:{line}: .* does not parse"):
        read_api(folder, distribution="inferfleet-x", version="1.0.0")
    assert main(["module", "api", "x", "--root", str(tmp_path)]) == 2
    assert f"args.py:{line}: invalid syntax" in capsys.readouterr().err


def test_a_default_through_a_constant_changes_with_the_constant(tmp_path: Path) -> None:
    changes = _changes(tmp_path / "default", args=("_RMEM_MAX = 67108864", "_RMEM_MAX = 33554432"))
    assert changes == [
        ApiChange(
            Bump.MAJOR, "input XArgs.tuning: default PROFILES['default']: _RMEM_MAX changed from 67108864 to 33554432"
        )
    ]
    profile = ('Tuning("default", rmem_max=_RMEM_MAX)', 'Tuning("default", rmem_max=1)')
    assert required_bump(_changes(tmp_path / "profile", args=profile)) == Bump.MAJOR
    # Another profile is another value: the default does not change with it.
    assert _changes(tmp_path / "edge", args=("rmem_max=16777216", "rmem_max=8388608")) == []


@pytest.mark.parametrize(
    "spelling",
    [
        "Optional[dict[str, int]]",
        "Union[None, dict[str, int]]",
        "None | dict[str, int]",
        "typing.Optional[dict[str, int]]",
    ],
)
def test_one_type_spelled_another_way_is_no_change(tmp_path: Path, spelling: str) -> None:
    changes = _changes(tmp_path, args=("sysctl: dict[str, int] | None = None", f"sysctl: {spelling} = None"))
    assert changes == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("def resolve(profile: str, sysctl", "def resolve(profile: str, /, sysctl"),
            [
                ApiChange(
                    Bump.MAJOR, "changed function resolve: parameter profile: positional or keyword -> positional-only"
                )
            ],
        ),
        (
            (
                "def resolve(profile: str, sysctl: dict[str, int] | None = None)",
                "def resolve(profile: str = 'default', sysctl: dict[str, int] | None = None)",
            ),
            [
                ApiChange(
                    Bump.MINOR, "changed function resolve: parameter profile: required -> optional (default 'default')"
                )
            ],
        ),
    ],
    ids=["narrowed: positional-only", "widened: optional"],
)
def test_a_parameter_change_is_major_only_when_an_existing_call_may_break(
    tmp_path: Path, edit: tuple[str, str], expected: list[ApiChange]
) -> None:
    assert _changes(tmp_path, args=edit) == expected


def test_a_keyword_only_parameter_made_positional_is_minor(tmp_path: Path) -> None:
    old = _read(tmp_path / "old", network=("name: str, args: XArgs,", "name: str, *, args: XArgs,"))
    new = _read(tmp_path / "new")
    assert compare(old, new) == [
        ApiChange(Bump.MINOR, "changed component Network: parameter args: keyword-only -> positional or keyword"),
        ApiChange(Bump.MINOR, "changed component Network: parameter opts: keyword-only -> positional or keyword"),
    ]
