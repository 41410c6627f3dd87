"""The replace-forcing table covers every resource the reference stacks create and says what the providers say."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from stackfiles import STACKS

from inferfleet.diff import replacement
from inferfleet.diff.replacement import forcing_properties, known_types, replacement_rule
from inferfleet.errors import EngineError
from inferfleet.plan import Planner
from inferfleet.spec import list_stacks

SDK_PACKAGES = {
    "huaweicloud": "pulumi_huaweicloud",
    "alicloud": "pulumi_alicloud",
    "tencentcloud": "tencentcloud_iac_pulumi",
    "aws": "pulumi_aws",
}


@pytest.fixture(scope="module")
def reference_types() -> dict[str, set[str]]:
    """Custom resource types of every reference plan, with the stacks that create them."""
    planner = Planner(STACKS)
    types: dict[str, set[str]] = {}
    for name in list_stacks(STACKS):
        for resource in planner.plan(name)["resources"]:
            if resource["custom"]:
                types.setdefault(resource["type"], set()).add(name)
    return types


@pytest.mark.slow
def test_every_custom_resource_type_of_every_reference_plan_is_in_the_table(
    reference_types: dict[str, set[str]],
) -> None:
    missing = {kind: sorted(stacks) for kind, stacks in reference_types.items() if kind not in known_types()}
    assert not missing, f"types without replace-forcing data (run tools/gen_replace_forcing.py): {missing}"
    # The four clouds, Kubernetes, providers and the dynamic resource all appear, so the check is not vacuous.
    prefixes = {kind.split(":", 1)[0] for kind in reference_types}
    assert {"huaweicloud", "alicloud", "tencentcloud", "aws", "kubernetes", "pulumi"} <= prefixes


@pytest.mark.slow
def test_forcing_paths_are_inputs_the_plan_shows(reference_types: dict[str, set[str]]) -> None:
    """Each bridged path's first segment is an input of the pinned SDK, spelled as in the plan (camelCase)."""
    planner = Planner(STACKS)
    plan_inputs: dict[str, set[str]] = {}
    for name in list_stacks(STACKS):
        for resource in planner.plan(name)["resources"]:
            plan_inputs.setdefault(resource["type"], set()).update(resource["inputs"])
    for kind in reference_types:
        cloud = kind.split(":", 1)[0]
        if cloud not in SDK_PACKAGES:
            continue
        sdk_inputs = _sdk_input_names(kind)
        for path in forcing_properties(kind) or ():
            assert path.split(".")[0] in sdk_inputs, (kind, path)
        # The plan spells inputs as the SDK does, so a forcing path can match a planned input.
        assert plan_inputs[kind] <= sdk_inputs | {"__provider"}, (kind, plan_inputs[kind] - sdk_inputs)


def _sdk_input_names(kind: str) -> set[str]:
    package = importlib.import_module(SDK_PACKAGES[kind.split(":", 1)[0]])
    init = Path(package.__file__ or "").read_text()
    modules = json.loads(init.split('resource_modules="""', 1)[1].split('"""', 1)[0])
    module = next(module for module in modules if kind in module["classes"])
    resource = getattr(importlib.import_module(module["fqn"]), module["classes"][kind])
    # The resource's properties: a bridged resource outputs every input under the same name.
    names: set[str] = set()
    for member in vars(resource).values():
        if isinstance(member, property) and member.fget is not None:
            names.add(getattr(member.fget, "_pulumi_name", member.fget.__name__))
    return names


def test_a_huawei_node_pool_flavor_change_forces_replacement() -> None:
    forcing = forcing_properties("huaweicloud:Cce/nodePool:NodePool")
    assert forcing is not None
    assert {"flavorId", "clusterId", "availabilityZone", "rootVolume", "dataVolumes"} <= forcing
    # Scaling a pool is an in-place update.
    assert not {"initialNodeCount", "minNodeCount", "maxNodeCount", "labels", "tags"} & forcing


def test_an_aws_launch_template_is_updated_in_place() -> None:
    """A launch template gets a new version on change; only its name (and region) replace it."""
    forcing = forcing_properties("aws:ec2/launchTemplate:LaunchTemplate")
    assert forcing == {"name", "namePrefix", "region"}
    rule = replacement_rule("aws:ec2/launchTemplate:LaunchTemplate")
    assert rule is not None
    assert "hashicorp/terraform-provider-aws" in rule.source


def test_aws_node_group_instance_types_force_replacement_but_scaling_does_not() -> None:
    forcing = forcing_properties("aws:eks/nodeGroup:NodeGroup")
    assert forcing is not None
    assert {"instanceTypes", "subnetIds", "amiType", "launchTemplate.id"} <= forcing
    assert "scalingConfig" not in forcing
    assert "scalingConfig.desiredSize" not in forcing


def test_kubernetes_deployment_selector_forces_replacement_and_the_template_does_not() -> None:
    forcing = forcing_properties("kubernetes:apps/v1:Deployment")
    assert forcing is not None
    assert {"spec.selector", "spec.selector.matchLabels", "metadata.name", "metadata.namespace"} <= forcing
    assert not any(path.startswith("spec.template") or path == "spec.replicas" for path in forcing)


def test_kubernetes_service_cluster_ip_and_config_map_data_force_replacement() -> None:
    assert "spec.clusterIP" in (forcing_properties("kubernetes:core/v1:Service") or set())
    assert {"data", "binaryData"} <= (forcing_properties("kubernetes:core/v1:ConfigMap") or set())
    # Secrets too, with the provider's default (enableSecretMutable off).
    assert {"data", "stringData", "type"} <= (forcing_properties("kubernetes:core/v1:Secret") or set())
    assert forcing_properties("kubernetes:core/v1:Namespace") == {"metadata.name", "metadata.namespace"}


def test_conditional_paths_count_offline_and_stay_distinguishable() -> None:
    rule = replacement_rule("pulumi:providers:kubernetes")
    assert rule is not None
    assert rule.properties == frozenset()
    assert "kubeconfig" in rule.conditional
    assert "kubeconfig" in (forcing_properties("pulumi:providers:kubernetes") or set())


def test_the_dynamic_bandwidth_resources_use_their_providers_immutable_fields() -> None:
    from inferfleet_vpc._huaweicloud_cc import BandwidthPackageProvider, InterRegionBandwidthProvider

    expected = set(BandwidthPackageProvider.IMMUTABLE) | set(InterRegionBandwidthProvider.IMMUTABLE)
    assert forcing_properties("pulumi-python:dynamic:Resource") == expected
    assert "bandwidth" not in expected


def test_an_unknown_type_has_no_entry() -> None:
    assert forcing_properties("examplecloud:thing/widget:Widget") is None
    assert replacement_rule("examplecloud:thing/widget:Widget") is None


def test_every_row_names_its_source_and_version() -> None:
    for kind in known_types():
        rule = replacement_rule(kind)
        assert rule is not None
        assert rule.source, kind
        assert rule.version, kind


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "cannot be read"),
        (json.dumps({"format": "other/v1", "types": {}}), "format"),
        (json.dumps({"format": replacement.TABLE_FORMAT, "types": []}), "types"),
        (
            json.dumps({"format": replacement.TABLE_FORMAT, "types": {"a:b:C": {"source": "s", "version": "v"}}}),
            "types.a:b:C.properties",
        ),
    ],
)
def test_a_broken_table_is_an_engine_error_naming_the_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: str, message: str
) -> None:
    table = tmp_path / "replace_forcing.json"
    table.write_text(document)
    monkeypatch.setattr(replacement, "TABLE_FILE", table)
    replacement._rules.cache_clear()
    try:
        with pytest.raises(EngineError, match=message) as raised:
            forcing_properties("a:b:C")
        assert str(table) in str(raised.value)
    finally:
        replacement._rules.cache_clear()
