"""Issue 9, sections 1-3: a stack file is untrusted. Strict YAML 1.2, bounded size, depth and alias
expansion, strict types, documented upper bounds, unique names, plain-text strings, short messages."""

from __future__ import annotations

import copy
import ipaddress
from pathlib import Path
from typing import Any

import pytest
import yaml
from stackfiles import WriteStack, reference_config

from inferfleet.errors import ExitCode, SpecError
from inferfleet.spec import FleetSpec, load_stack
from inferfleet.spec.base import (
    MAX_BANDWIDTH_MBPS,
    MAX_CACHE_GIB,
    MAX_GROUP_SIZE,
    MAX_REPLICAS,
    MAX_SHM_GIB,
    MAX_STANDALONE_COUNT,
)
from inferfleet.spec.strict_yaml import MAX_ALIASED_VALUES, MAX_DEPTH, MAX_FILE_BYTES

FLEET = "inference-fleet:fleet"


def error_of(stacks: Path, name: str = "dev-x") -> SpecError:
    with pytest.raises(SpecError) as caught:
        load_stack(stacks, name)
    assert caught.value.exit_code == ExitCode.INPUT_ERROR
    return caught.value


def changed(like: str, change: Any) -> dict[str, Any]:
    config = reference_config(like)
    change(config[FLEET])
    return config


def stack_text(like: str = "staging-cn-south") -> str:
    text: str = yaml.safe_dump({"config": reference_config(like)}, sort_keys=False)
    return text


# -- YAML 1.2 and strict types ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "10:10", "'2'", "2.0"])
def test_count_takes_an_integer_only(write_stack: WriteStack, value: str) -> None:
    # YAML 1.1 reads `true` as 1 and `10:10` as 610; YAML 1.2 and strict types refuse both.
    text = stack_text().replace("count: 1\n", f"count: {value}\n", 1)
    assert f"count: {value}\n" in text
    error = error_of(write_stack("dev-x", text=text))
    assert error.key_path == "fleet.pools[0].count"
    assert "valid integer" in error.expectation


def test_yaml_1_1_booleans_are_strings(write_stack: WriteStack) -> None:
    text = stack_text("prod-cn-east").replace("nat_gateway: true", "nat_gateway: yes", 1)
    assert "nat_gateway: yes" in text
    error = error_of(write_stack("dev-x", text=text))
    assert error.key_path == "fleet.network.nat_gateway"
    assert "valid boolean" in error.expectation


def test_duplicate_keys_name_both_lines(write_stack: WriteStack) -> None:
    text = stack_text().replace("    env: staging\n", "    env: staging\n    env: prod\n", 1)
    line = text.splitlines().index("    env: staging") + 1
    error = error_of(write_stack("dev-x", text=text))
    assert error.key_path == "fleet.env"
    assert f"duplicate key 'env' (first at line {line}, again at line {line + 1})" in error.expectation


def test_a_non_string_config_key(write_stack: WriteStack) -> None:
    error = error_of(write_stack("dev-x", text="config: {1: 2}\n"))
    assert error.key_path == "config"
    assert "key '1' is read as an integer; keys must be strings" in error.expectation


def _alias_bomb(depth: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, depth + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines)


@pytest.mark.parametrize("depth", [7, 9])
@pytest.mark.parametrize("where", ["fleet", "config"])
def test_an_alias_bomb_is_refused_by_the_expansion_budget(write_stack: WriteStack, depth: int, where: str) -> None:
    # Through the fleet spec or through a config key the spec does not validate.
    bomb = "\n".join("      " + line for line in _alias_bomb(depth).splitlines())
    text = stack_text()
    if where == "fleet":
        text = text.replace("  inference-fleet:fleet:\n", f"  inference-fleet:fleet:\n    x:\n{bomb}\n", 1)
    else:
        text = text.replace("config:\n", f"config:\n  inference-fleet:bomb:\n{bomb}\n", 1)
    error = error_of(write_stack("dev-x", text=text))
    assert f"aliases expand to more than {MAX_ALIASED_VALUES} values" in error.expectation
    assert len(str(error)) < 400


def test_a_recursive_alias_is_refused(write_stack: WriteStack) -> None:
    error = error_of(write_stack("dev-x", text="config: &c {x: *c}\n"))
    assert "refers to its own enclosing anchor" in error.expectation


def test_a_file_over_the_size_limit(write_stack: WriteStack) -> None:
    text = stack_text() + "#" * MAX_FILE_BYTES
    error = error_of(write_stack("dev-x", text=text))
    assert error.key_path == ""
    assert f"above the limit of {MAX_FILE_BYTES} bytes" in error.expectation


@pytest.mark.parametrize("depth", [MAX_DEPTH, 1000])
def test_zones_nested_deep(write_stack: WriteStack, depth: int) -> None:
    text = stack_text().replace("zones:\n", "zones: " + "[" * depth + "cn-south-1a" + "]" * depth + "\n", 1)
    text = text.replace("      - cn-south-1a\n", "", 1)
    error = error_of(write_stack("dev-x", text=text))
    assert error.key_path.startswith("fleet.network.zones")
    assert f"nested more than {MAX_DEPTH} levels deep" in error.expectation or "nesting depth" in error.expectation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("config: !!python/object:os.system {}\n", "unsupported tag"),
        ("config:\n  a: &x {b: 1}\n  c:\n    <<: *x\n", "merge keys (<<) are not supported"),
        ("config: {a: .inf}\n", "not a finite number"),
        ("config: {a: 123456789012345678901234}\n", "out of range (64-bit)"),
        ("config: {}\n---\nconfig: {}\n", "expected one YAML document"),
        ("config:\n  ? [a]\n  : b\n", "keys must be plain strings"),
    ],
)
def test_yaml_quirks_are_refused(write_stack: WriteStack, text: str, expected: str) -> None:
    assert expected in error_of(write_stack("dev-x", text=text)).expectation


# -- upper bounds ----------------------------------------------------------------------------


def _pool(fleet: dict[str, Any]) -> dict[str, Any]:
    pool: dict[str, Any] = fleet["pools"][0]
    return pool


@pytest.mark.parametrize(
    ("like", "key_path", "change"),
    [
        ("prod-cn-south", "fleet.pools[0].count", lambda f: _pool(f).update(count=1_000_000_000)),
        ("prod-cn-south", "fleet.pools[0].count", lambda f: _pool(f).update(count=MAX_GROUP_SIZE + 1)),
        ("prod-cn-north", "fleet.pools[0].max_count", lambda f: _pool(f).update(max_count=MAX_GROUP_SIZE + 1)),
        ("staging-cn-south", "fleet.pools[0].count", lambda f: _pool(f).update(count=MAX_STANDALONE_COUNT + 1)),
        ("prod-cn-south", "fleet.services[0].replicas", lambda f: f["services"][0].update(replicas=MAX_REPLICAS + 1)),
        (
            "prod-cn-south",
            "fleet.links[0].bandwidth_mbps",
            lambda f: f["links"][0].update(bandwidth_mbps=MAX_BANDWIDTH_MBPS + 1),
        ),
        ("prod-cn-south", "fleet.services[0].shm_gib", lambda f: f["services"][0].update(shm_gib=MAX_SHM_GIB + 1)),
        (
            "prod-cn-south",
            "fleet.services[0].cache_gib",
            lambda f: f["services"][0].update(cache_gib=MAX_CACHE_GIB + 1),
        ),
    ],
)
def test_sizes_have_an_upper_bound(write_stack: WriteStack, like: str, key_path: str, change: Any) -> None:
    error = error_of(write_stack("dev-x", changed(like, change)))
    assert error.key_path == key_path
    assert "less than or equal to" in error.expectation or "above the limit" in error.expectation


def test_the_bounds_are_in_the_schema() -> None:
    schema = FleetSpec.model_json_schema(by_alias=True)
    pool = schema["$defs"]["PoolSpec"]["properties"]
    assert pool["count"]["maximum"] == MAX_GROUP_SIZE
    service = schema["$defs"]["ServiceSpec"]["properties"]
    assert service["replicas"]["maximum"] == MAX_REPLICAS
    assert service["shm_gib"]["maximum"] == MAX_SHM_GIB


# -- unique names and semantic holes -----------------------------------------------------------


def _two_idc_lines(fleet: dict[str, Any]) -> None:
    lines = fleet["network"]["hybrid_links"]
    lines.append(copy.deepcopy(lines[0]))


@pytest.mark.parametrize(
    ("like", "change", "key_path", "expected"),
    [
        ("prod-cn-east", _two_idc_lines, "fleet.network.hybrid_links", "must be unique, repeated"),
        ("prod-cn-south", lambda f: f["pools"].append(dict(f["pools"][0])), "fleet", "pools names must be unique"),
        (
            "prod-cn-south",
            lambda f: f["links"].append(dict(f["links"][0])),
            "fleet",
            "links names must be unique",
        ),
    ],
)
def test_names_in_keyed_lists_are_unique(
    write_stack: WriteStack, like: str, change: Any, key_path: str, expected: str
) -> None:
    error = error_of(write_stack("dev-x", changed(like, change)))
    assert error.key_path == key_path
    assert expected in error.expectation


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "224.0.0.0/4", "127.0.0.0/8", "8.8.0.0/16", "169.254.0.0/16"])
def test_the_vpc_is_a_private_unicast_range(write_stack: WriteStack, cidr: str) -> None:
    error = error_of(write_stack("dev-x", changed("staging-cn-south", lambda f: f["network"].update(cidr=cidr))))
    assert error.key_path == "fleet.network.cidr"
    assert "not a private unicast range" in error.expectation


def test_idc_cidrs_outside_the_vpc(write_stack: WriteStack) -> None:
    def overlap(fleet: dict[str, Any]) -> None:
        vpc = ipaddress.ip_network(fleet["network"]["cidr"])
        fleet["network"]["hybrid_links"][0]["idc_cidrs"] = [str(next(vpc.subnets(new_prefix=24)))]

    error = error_of(write_stack("dev-x", changed("prod-cn-east", overlap)))
    assert error.key_path == "fleet.network.hybrid_links[0].idc_cidrs[0]"
    assert "overlaps the VPC CIDR" in error.expectation


def test_idc_cidrs_are_unicast(write_stack: WriteStack) -> None:
    def multicast(fleet: dict[str, Any]) -> None:
        fleet["network"]["hybrid_links"][0]["idc_cidrs"] = ["224.0.0.0/4"]

    error = error_of(write_stack("dev-x", changed("prod-cn-east", multicast)))
    assert error.key_path == "fleet.network.hybrid_links[0].idc_cidrs[0]"
    assert "not unicast" in error.expectation


def test_the_two_gateway_ips_differ(write_stack: WriteStack) -> None:
    def same(fleet: dict[str, Any]) -> None:
        line = fleet["network"]["hybrid_links"][0]
        line["peer_gateway_ip"] = line["local_gateway_ip"]

    error = error_of(write_stack("dev-x", changed("prod-cn-east", same)))
    assert error.key_path == "fleet.network.hybrid_links[0]"
    assert "need two addresses" in error.expectation


# -- plain text and short messages -------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_path", "change"),
    [
        (
            "fleet.services[0].model.health_path",
            lambda f: f["services"][0]["model"].update(health_path="/h\nsh"),
        ),
        ("fleet.services[0].model.name", lambda f: f["services"][0]["model"].update(name="m\nExecStartPre=/bin/sh")),
        ("fleet.services[0].model.extra.FOO", lambda f: f["services"][0]["model"].update(extra={"FOO": "x\nA=1"})),
        ("fleet.tags.team", lambda f: f["tags"].update(team="a\x00b")),
        ("fleet.tags.extra.k", lambda f: f["tags"].update(extra={"k": "\x1b[2J"})),
        ("fleet.network.zones[0]", lambda f: f["network"].update(zones=["cn-south-1a\u2028"])),
        ("fleet.network.project_id", lambda f: f["network"].update(project_id="p\r")),
        ("fleet.pools[0].key_pair", lambda f: _pool(f).update(key_pair="k\u202e")),
        ("fleet.services[0].image", lambda f: f["services"][0].update(image=f["services"][0]["image"] + "\n")),
    ],
)
def test_no_control_characters_in_spec_strings(write_stack: WriteStack, key_path: str, change: Any) -> None:
    error = error_of(write_stack("dev-x", changed("staging-cn-south", change)))
    assert error.key_path == key_path
    assert "spec values are one line of plain text" in error.expectation


def test_a_huge_value_is_not_echoed_whole(write_stack: WriteStack) -> None:
    huge = "v" * 200_000  # within the file size limit
    error = error_of(write_stack("dev-x", changed("staging-cn-south", lambda f: f.update(version=huge))))
    assert error.key_path == "fleet.version"
    assert len(str(error)) < 1000


def test_a_huge_value_through_the_engine_is_not_echoed_whole() -> None:
    from inferfleet.spec import parse_fleet

    fleet = reference_config("staging-cn-south")[FLEET]
    fleet["region"] = "r" * 1_000_000
    with pytest.raises(SpecError) as caught:
        parse_fleet(fleet, "stacks/Pulumi.x.yaml")
    assert len(str(caught.value)) < 2000


def test_a_credential_is_never_echoed(write_stack: WriteStack) -> None:
    token = 918273645546372819  # a token pasted where a string was expected
    config = changed("staging-cn-south", lambda f: f["tags"].update(extra={"api_token": token}))
    error = error_of(write_stack("dev-x", config))
    assert error.key_path == "fleet.tags.extra.api_token"
    assert str(token) not in str(error)


def test_a_long_stack_name(stacks_dir: Path) -> None:
    error = error_of(stacks_dir, "a" * 300)
    assert "is not a stack name" in error.expectation
    assert len(str(error)) < 400


def test_custom_target_infinity(write_stack: WriteStack) -> None:
    text = stack_text("prod-cn-south")
    config = yaml.safe_load(text)["config"]
    config[FLEET]["services"][0]["autoscaling"] = {"custom_metric": "queue_depth", "custom_target": 1.5}
    text = yaml.safe_dump({"config": config}, sort_keys=False).replace("custom_target: 1.5", "custom_target: .inf")
    error = error_of(write_stack("dev-x", text=text))
    assert error.key_path == "fleet.services[0].autoscaling.custom_target"
    assert "not a finite number" in error.expectation


def test_custom_target_infinity_through_the_engine() -> None:
    # Under the real engine the fleet arrives as JSON (Infinity); the spec refuses it too.
    fleet = reference_config("prod-cn-south")[FLEET]
    fleet["services"][0]["autoscaling"] = {"custom_metric": "queue_depth", "custom_target": float("inf")}
    from inferfleet.spec import parse_fleet

    with pytest.raises(SpecError) as caught:
        parse_fleet(fleet, "stacks/Pulumi.x.yaml")
    assert caught.value.key_path == "fleet.services[0].autoscaling.custom_target"


def test_sysctl_with_superscript_digits(write_stack: WriteStack) -> None:
    def superscript(fleet: dict[str, Any]) -> None:
        fleet["tuning"] = {"profile": "default", "sysctl": {"net.ipv4.tcp_rmem": "4096 87380 1²"}}

    error = error_of(write_stack("dev-x", changed("staging-cn-south", superscript)))
    assert error.key_path == "fleet.tuning.sysctl.net.ipv4.tcp_rmem"


def test_a_kubeconfig_key_naming_a_missing_config_key(write_stack: WriteStack) -> None:
    config = reference_config("prod-us-west")
    _pool(config[FLEET])["cluster"] = {"id": "fleet-west", "kubeconfig_key": "west-kubeconfig"}
    error = error_of(write_stack("dev-x", config))
    assert error.key_path == "fleet.pools[0].cluster.kubeconfig_key"
    assert "names a config key this stack file does not have" in error.expectation
    assert "west-kubeconfig" not in error.expectation  # the likeliest mistake: a credential pasted as the name


@pytest.mark.parametrize(
    ("where", "pasted"),
    [
        ("secrets", "hf_PASTEDqWx9/Zk+v="),  # no config key name: the model's message listed it
        ("secrets", "hf_PASTEDqWx9Zkv3"),  # could be a name: the missing-key message quoted it twice
        ("kubeconfig_key", "eyJhbGciOiJSUzI1NiJ9.PASTED"),  # the pattern error quoted it
        ("kubeconfig_key", "eyJhbGciOiJSUzI1NiJ9PASTED"),  # a name no config key has
    ],
)
def test_a_credential_pasted_where_a_config_key_name_goes_is_not_repeated(
    write_stack: WriteStack, where: str, pasted: str
) -> None:
    if where == "secrets":
        config = reference_config("staging-cn-south")
        config[FLEET]["services"][0]["secrets"] = {"HF_TOKEN": pasted}
    else:
        config = reference_config("prod-us-west")
        _pool(config[FLEET])["cluster"] = {"id": "fleet-west", "kubeconfig_key": pasted}
    error = error_of(write_stack("dev-x", config))
    assert error.key_path.startswith("fleet.services[0]" if where == "secrets" else "fleet.pools[0].cluster")
    assert "PASTED" not in str(error)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("huaweicloud:secretKey", "918273645546372819283746"),  # out of range: the reader quoted it
        ("alicloud:secretKey", "!!int S3CR3T-Y3"),  # not an integer
        ("inference-fleet:model-signing", "{secure: 0x5EC12E7000000000000000001}"),  # any secure: value
        ("aws:accessKey", "!!float S3CR3T-Y4"),
        ("tencentcloud:secretId", "!!bool S3CR3T-Y5"),
    ],
)
def test_a_malformed_value_at_a_credentials_key_path_is_not_repeated(
    write_stack: WriteStack, key: str, value: str
) -> None:
    text = stack_text("staging-cn-south") + f"  {key}: {value}\n"
    error = error_of(write_stack("dev-x", text=text))
    assert error.key_path.startswith(f"config.{key}")
    shown = value.rsplit(maxsplit=1)[-1].strip("{}")
    assert shown not in str(error)
    assert "S3CR3T" not in str(error)
    assert "the value is not" in str(error) or "the integer is out of range" in str(error)


@pytest.mark.parametrize("name", ["api-token", "db_password", "client-secret"])
def test_a_tag_named_like_a_credential_is_refused(write_stack: WriteStack, name: str) -> None:
    """A tag is written in clear on every taggable resource and in the plan."""
    config = changed("staging-cn-south", lambda f: f["tags"].update(extra={name: "S3CR3T-TAG"}))
    error = error_of(write_stack("dev-x", config))
    assert error.key_path == "fleet.tags.extra"
    assert "look like credentials" in str(error)
    assert "S3CR3T" not in str(error)
