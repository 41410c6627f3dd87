"""Every module has the same shape: versioned distribution, documented args, generated README, CHANGELOG, examples."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest
import semver
from stackfiles import REPO

from inferfleet.release.readme import args_classes, components, declared_outputs, generate, package_of, rewrite

MODULES = sorted(path.parent for path in (REPO / "modules").glob("*/pyproject.toml"))
CLOUD_FILES = ("_huaweicloud.py", "_alicloud.py", "_tencentcloud.py", "_aws.py")


def test_the_three_modules_exist() -> None:
    assert [module.name for module in MODULES] == ["gpu_instance", "inference_service", "vpc"]


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_distribution_is_versioned_and_changelogged(module: Path) -> None:
    project = tomllib.loads((module / "pyproject.toml").read_text())["project"]
    assert project["name"] == "inferfleet-" + module.name.replace("_", "-")
    version = semver.Version.parse(project["version"])
    changelog = (module / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[?{re.escape(str(version))}\]?", changelog, re.MULTILINE), "CHANGELOG lacks the version"


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_every_input_states_its_default(module: Path) -> None:
    package = package_of(module)
    classes = args_classes(package)
    assert classes, f"{package}.args has no *Args dataclass"
    for cls in classes:
        assert cls.__dataclass_params__.frozen, f"{cls.__name__} must be frozen"  # type: ignore[attr-defined]
        for field in dataclasses.fields(cls):
            doc = field.metadata.get("doc", "")
            assert field.kw_only, f"{cls.__name__}.{field.name} must be keyword-only"
            assert "Default:" in doc or "Required." in doc, f"{cls.__name__}.{field.name}: doc must state its default"


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_components_document_their_outputs(module: Path) -> None:
    found = components(package_of(module))
    assert found
    for component in found:
        outputs = declared_outputs(component)
        assert outputs, component.__name__
        assert all(output.metadata.get("doc") for output in outputs), component.__name__


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_readme_tables_are_generated_from_the_code(module: Path) -> None:
    readme = (module / "README.md").read_text()
    assert rewrite(readme, generate(module)) == readme, (
        f"stale tables: python -m inferfleet.release.readme modules/{module.name}"
    )


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_one_file_per_cloud_and_examples(module: Path) -> None:
    package = module / package_of(module)
    if module.name != "inference_service":  # Kubernetes and systemd, not a cloud API
        assert all((package / name).is_file() for name in CLOUD_FILES)
    examples = [path for path in (module / "examples").iterdir() if (path / "__main__.py").is_file()]
    assert len(examples) >= 2
    assert all((example / "Pulumi.yaml").is_file() for example in examples)
