"""The plan document: what the mock-runtime capture records, and how values are normalised."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pulumi
import pulumi_huaweicloud as huaweicloud
import pytest

from inferfleet.errors import EngineError
from inferfleet.plan import SECRET, UNKNOWN, dumps, plan_program
from inferfleet.plan.document import normalise

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "plan.schema.json").read_text())


class Network(pulumi.ComponentResource):
    """A tiny module-shaped component, to check ownership and component outputs."""

    def __init__(self, name: str, provider: pulumi.ProviderResource, protect: bool) -> None:
        super().__init__("inferfleet:vpc:Vpc", name)
        options = pulumi.ResourceOptions(parent=self, provider=provider, protect=protect)
        self.vpc = huaweicloud.vpc.Vpc(f"{name}-vpc", cidr="10.0.0.0/16", tags={"team": "t"}, opts=options)
        self.subnet = huaweicloud.vpc.Subnet(
            f"{name}-subnet-a",
            vpc_id=self.vpc.id,
            cidr="10.0.0.0/24",
            gateway_ip="10.0.0.1",
            availability_zone="cn-south-1a",
            opts=pulumi.ResourceOptions(parent=self, provider=provider, ignore_changes=["tags"]),
        )
        self.register_outputs({"vpc_id": self.vpc.id, "vpc_cidr": "10.0.0.0/16"})


def program() -> None:
    provider = huaweicloud.Provider("huaweicloud", region="cn-south-1", secret_key=pulumi.Output.secret("s3cr3t"))
    network = Network("fleet", provider, protect=True)
    peer = pulumi.StackReference("organization/inference-fleet/peer")
    pulumi.export("vpc_id", network.vpc.id)
    pulumi.export("peer_cidr", peer.get_output("vpc_cidr"))
    pulumi.export("token", pulumi.Output.secret("t0ken"))


def plan() -> dict[str, Any]:
    return plan_program(program, stack="unit", stack_outputs={"peer": {"vpc_cidr": "10.9.0.0/16"}})


def by_name(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(resource for resource in document["resources"] if resource["name"] == name)


def test_the_document_is_valid_and_sorted() -> None:
    document = plan()
    jsonschema.validate(document, SCHEMA)
    urns = [resource["urn"] for resource in document["resources"]]
    assert urns == sorted(urns)
    assert {resource["type"] for resource in document["resources"]} == {
        "pulumi:pulumi:Stack",
        "pulumi:providers:huaweicloud",
        "inferfleet:vpc:Vpc",
        "huaweicloud:Vpc/vpc:Vpc",
        "huaweicloud:Vpc/subnet:Subnet",
        "pulumi:pulumi:StackReference",
    }


def test_two_runs_are_byte_identical() -> None:
    assert dumps(plan()) == dumps(plan())


def test_ids_are_unknown_and_secrets_masked() -> None:
    document = plan()
    assert by_name(document, "fleet-subnet-a")["inputs"]["vpcId"] == UNKNOWN
    assert by_name(document, "huaweicloud")["inputs"]["secretKey"] == SECRET
    assert document["outputs"]["token"] == SECRET
    assert document["outputs"]["vpc_id"] == UNKNOWN
    assert "s3cr3t" not in dumps(document)
    assert "t0ken" not in dumps(document)


def test_ownership_options_and_provider_are_recorded() -> None:
    document = plan()
    component = by_name(document, "fleet")
    vpc = by_name(document, "fleet-vpc")
    subnet = by_name(document, "fleet-subnet-a")
    provider = by_name(document, "huaweicloud")
    assert vpc["parent"] == component["urn"]
    assert vpc["provider"] == provider["urn"]
    assert vpc["options"]["protect"] is True
    assert subnet["options"]["ignore_changes"] == ["tags"]
    assert subnet["dependencies"] == [vpc["urn"]]
    # The dependency comes from an input, so it is not an explicit depends_on.
    assert subnet["options"]["depends_on"] == []
    assert vpc["module"] == "inferfleet-vpc"
    assert provider["module"] is None
    assert component["outputs"] == {"vpc_cidr": "10.0.0.0/16", "vpc_id": UNKNOWN}


def test_a_stack_reference_resolves_from_the_sibling_outputs() -> None:
    document = plan()
    reference = by_name(document, "organization/inference-fleet/peer")
    assert reference["op"] == "read"
    assert reference["outputs"] == {"outputs": {"vpc_cidr": "10.9.0.0/16"}}
    assert document["outputs"]["peer_cidr"] == "10.9.0.0/16"


def test_a_data_source_call_fails_with_a_clear_error() -> None:
    def program_with_lookup() -> None:
        provider = huaweicloud.Provider("huaweicloud", region="cn-south-1")
        huaweicloud.ecs.get_flavors(opts=pulumi.InvokeOptions(provider=provider))

    with pytest.raises(EngineError, match="data source huaweicloud:Ecs/getFlavors:getFlavors"):
        plan_program(program_with_lookup)


@pytest.mark.parametrize(
    ("wire", "plan_value"),
    [
        (3.0, 3),
        (2.5, 2.5),
        ("04da6b54-80e4-46f7-96ec-b56ff0331ba9", UNKNOWN),
        ({"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "x"}, SECRET),
        ({"a": [1.0, {"b": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}]}, {"a": [1, {"b": UNKNOWN}]}),
    ],
)
def test_normalise(wire: Any, plan_value: Any) -> None:
    assert normalise(wire) == plan_value
