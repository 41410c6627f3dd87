"""A module's API read statically (griffe) agrees with the code, and API differences get their bump."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import pytest
from inferfleet_components import DeprecatedInputWarning, doc, warn_deprecated
from inferfleet_vpc import Vpc, VpcArgs
from stackfiles import REPO

from inferfleet.cli.app import main
from inferfleet.cli.plan import warn_deprecations
from inferfleet.errors import InputError
from inferfleet.plan import plan_program
from inferfleet.release.api import ApiChange, Bump, Field, ModuleApi, Output, compare, module_api, required_bump
from inferfleet.release.readme import args_classes, components, declared_outputs, package_of
from inferfleet.release.usage import deprecations_used

MODULES = sorted(path.parent for path in (REPO / "modules").glob("*/pyproject.toml"))


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_static_api_matches_the_imported_code(module: Path) -> None:
    package = package_of(module)
    api = module_api(REPO, module.name)
    imported_args = {cls.__name__: dataclasses.fields(cls) for cls in args_classes(package)}
    assert set(api.args) == set(imported_args)
    for name, fields in imported_args.items():
        assert [(f.name, f.type) for f in api.args[name]] == [(f.name, str(f.type)) for f in fields]
        required = [
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING  # type: ignore[misc]
            for f in fields
        ]
        assert [f.required for f in api.args[name]] == required
    imported_outputs = {cls.__name__: declared_outputs(cls) for cls in components(package)}
    assert set(api.components) == set(imported_outputs)
    for name, outputs in imported_outputs.items():
        assert [(o.name, o.type) for o in api.components[name]] == [(o.name, str(o.type)) for o in outputs]


def test_api_command_prints_json_with_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["module", "api", "vpc", "--json", "--root", str(REPO)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["distribution"] == "inferfleet-vpc"
    fields = {field["name"]: field for field in document["args"]["VpcArgs"]}
    assert fields["cidr"] == {"name": "cidr", "type": "str", "required": True, "default": None}
    assert fields["nat_gateway"] == {"name": "nat_gateway", "type": "bool", "required": False, "default": "False"}
    assert {o["name"] for o in document["components"]["Vpc"]["outputs"]} >= {"vpc_id", "subnet_ids"}


def test_unknown_module_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError, match=r"known: .*inferfleet-gpu-instance"):
        module_api(REPO, "storage")
    assert main(["module", "api", "storage", "--root", str(REPO)]) == 2
    assert "no such module" in capsys.readouterr().err


def _api(**args: tuple[Field, ...]) -> ModuleApi:
    return ModuleApi("inferfleet-x", "1.0.0", dict(args), {"X": (Output("x_id", "pulumi.Output[str]"),)}, ())


def test_bump_rules() -> None:
    base = _api(XArgs=(Field("name", "str", True, None), Field("size", "int", False, "1")))
    cases = {
        "added optional": (base.args["XArgs"] + (Field("zone", "str | None", False, "None"),), Bump.MINOR),
        "added required": (base.args["XArgs"] + (Field("zone", "str", True, None),), Bump.MAJOR),
        "removed": (base.args["XArgs"][:1], Bump.MAJOR),
        "default": ((base.args["XArgs"][0], Field("size", "int", False, "2")), Bump.MAJOR),
        "type": ((base.args["XArgs"][0], Field("size", "float", False, "1")), Bump.MAJOR),
        "optional made required": ((base.args["XArgs"][0], Field("size", "int", True, None)), Bump.MAJOR),
        "required made optional": ((Field("name", "str", False, "'x'"), base.args["XArgs"][1]), Bump.MINOR),
        "nothing": (base.args["XArgs"], Bump.PATCH),
    }
    for label, (fields, bump) in cases.items():
        assert required_bump(compare(base, _api(XArgs=fields))) == bump, label
    no_output = dataclasses.replace(base, components={"X": ()})
    assert compare(base, no_output) == [ApiChange(Bump.MAJOR, "removed output X.x_id")]
    assert compare(no_output, base) == [ApiChange(Bump.MINOR, "added output X.x_id")]


@dataclasses.dataclass(frozen=True, kw_only=True)
class LegacyVpcArgs(VpcArgs):
    """VpcArgs with a deprecated input, as a module release would declare it."""

    legacy_egress: bool = dataclasses.field(
        default=False, metadata=doc("Old egress switch. Default: False.", removed_in="1.0.0", use="nat_gateway")
    )


def test_a_deprecated_input_warns_and_the_plan_records_it(capsys: pytest.CaptureFixture[str]) -> None:
    args = LegacyVpcArgs(cloud="aws", region="us-west-2", cidr="10.0.0.0/16", zones=("us-west-2a",), legacy_egress=True)
    with pytest.warns(
        DeprecatedInputWarning, match=r"LegacyVpcArgs.legacy_egress is deprecated .* 1.0.0; use nat_gate"
    ):
        warn_deprecated(args, "inferfleet-vpc")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_deprecated(dataclasses.replace(args, legacy_egress=False), "inferfleet-vpc")  # the default: silent

    def program() -> None:
        import pulumi
        import pulumi_aws as aws

        provider = aws.Provider("us-west-2", region="us-west-2")
        Vpc("net", args, opts=pulumi.ResourceOptions(provider=provider))

    plan = plan_program(program)
    expected = {
        "module": "inferfleet-vpc",
        "field": "LegacyVpcArgs.legacy_egress",
        "removed_in": "1.0.0",
        "use": "nat_gateway",
    }
    assert plan["deprecations"] == [expected]
    assert deprecations_used(plan, "inferfleet-vpc") == [expected]
    assert deprecations_used(plan, "inferfleet-gpu-instance") == []
    assert plan["module_sources"] == {"inferfleet-vpc": "workspace"}
    capsys.readouterr()
    warn_deprecations(plan)
    warning = " ".join(capsys.readouterr().err.split())
    assert warning == (
        "warning: test: inferfleet-vpc LegacyVpcArgs.legacy_egress is deprecated and will be removed in 1.0.0; "
        "use nat_gateway"
    )
