"""Loading stack files: every reference stack is valid; every way to be wrong is one located message."""

from __future__ import annotations

from pathlib import Path

import pytest
from stackfiles import WriteStack, reference_config

from inferfleet.errors import ExitCode, SpecError
from inferfleet.spec import list_stacks, load_stack

REFERENCE_STACKS = [
    "prod-cn-south",
    "staging-cn-south",
    "prod-cn-north",
    "prod-cn-east",
    "prod-cn-beijing",
    "prod-cn-guangzhou",
    "prod-us-west",
]


def test_the_reference_stacks_are_all_there(stacks_dir: Path) -> None:
    assert set(REFERENCE_STACKS) <= set(list_stacks(stacks_dir))


@pytest.mark.parametrize("name", REFERENCE_STACKS)
def test_reference_stack_is_valid(stacks_dir: Path, name: str) -> None:
    stack = load_stack(stacks_dir, name)
    assert stack.name == name
    assert stack.config[f"{stack.fleet.cloud}:region"] == stack.fleet.region


def _error(stacks: Path, name: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        load_stack(stacks, name)
    assert caught.value.exit_code == ExitCode.INPUT_ERROR
    return caught.value


def test_missing_stack_file_suggests_the_closest_stack(stacks_dir: Path) -> None:
    error = _error(stacks_dir, "prod-cn-sout")
    assert str(error).endswith("Pulumi.prod-cn-sout.yaml: no such stack file (did you mean 'prod-cn-south'?)")


def test_malformed_yaml_names_the_line(write_stack: WriteStack) -> None:
    stacks = write_stack("dev-x", text="config:\n  inference-fleet:fleet:\n    env: [prod\n")
    error = _error(stacks, "dev-x")
    assert error.file.endswith("Pulumi.dev-x.yaml")
    assert error.key_path == "fleet.env"
    assert error.expectation.startswith("malformed YAML at line 4: ")


def test_a_file_without_the_fleet_key(write_stack: WriteStack) -> None:
    stacks = write_stack("dev-x", text="config:\n  huaweicloud:region: cn-south-1\n")
    error = _error(stacks, "dev-x")
    assert error.key_path == "config"
    assert "missing the `inference-fleet:fleet` key" in error.expectation


def test_unknown_key_suggests_the_closest_known_key(write_stack: WriteStack) -> None:
    config = reference_config("staging-cn-south")
    pool = config["inference-fleet:fleet"]["pools"][0]
    pool["acelerator"] = pool.pop("accelerator")
    error = _error(write_stack("dev-x", config), "dev-x")
    assert error.key_path == "fleet.pools[0].acelerator"
    assert error.expectation.startswith("unknown key; did you mean 'accelerator'?")


def test_unknown_top_level_key(write_stack: WriteStack) -> None:
    config = reference_config("staging-cn-south")
    config["inference-fleet:fleet"]["netwrk"] = {}
    error = _error(write_stack("dev-x", config), "dev-x")
    assert error.key_path == "fleet.netwrk"
    assert "did you mean 'network'?" in error.expectation


def test_wrong_type_names_the_value(write_stack: WriteStack) -> None:
    config = reference_config("staging-cn-south")
    config["inference-fleet:fleet"]["pools"][0]["count"] = "two"
    error = _error(write_stack("dev-x", config), "dev-x")
    assert error.key_path == "fleet.pools[0].count"
    assert "'two'" in error.expectation


def test_version_must_be_semver(write_stack: WriteStack) -> None:
    config = reference_config("staging-cn-south")
    config["inference-fleet:fleet"]["version"] = "v1.2"
    error = _error(write_stack("dev-x", config), "dev-x")
    assert error.key_path == "fleet.version"
    assert "'v1.2' is not a semver version" in error.expectation


def test_cloud_and_provider_config_must_agree(write_stack: WriteStack) -> None:
    config = reference_config("staging-cn-south")
    config["alicloud:region"] = config.pop("huaweicloud:region")
    error = _error(write_stack("dev-x", config), "dev-x")
    assert error.key_path == "config.alicloud:region"
    assert error.expectation == "provider config for alicloud, but fleet.cloud is huaweicloud"


def test_provider_region_must_match_the_fleet_region(write_stack: WriteStack) -> None:
    config = reference_config("staging-cn-south")
    config["huaweicloud:region"] = "cn-north-4"
    error = _error(write_stack("dev-x", config), "dev-x")
    assert error.key_path == "config.huaweicloud:region"
    assert "'cn-north-4' disagrees with fleet.region 'cn-south-1'" in error.expectation


def test_every_problem_is_reported_at_once(write_stack: WriteStack) -> None:
    config = reference_config("staging-cn-south")
    fleet = config["inference-fleet:fleet"]
    fleet["env"] = "production"
    fleet["version"] = "one"
    error = _error(write_stack("dev-x", config), "dev-x")
    assert error.key_path == "fleet.env"
    assert "also fleet.version:" in error.expectation


def test_a_service_must_name_an_existing_pool(write_stack: WriteStack) -> None:
    config = reference_config("staging-cn-south")
    config["inference-fleet:fleet"]["services"][0]["pool"] = "gpu"
    error = _error(write_stack("dev-x", config), "dev-x")
    assert error.key_path == "fleet.services[0].pool"
    assert "no pool named 'gpu'" in error.expectation
