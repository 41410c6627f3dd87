"""Shared base and field types of the stack spec, and the limits every stack file is held to.

Every spec model is strict: an integer field takes an integer (not `true`, not `"10"`), a boolean
field takes `true`/`false`, numbers are finite. Every string in the spec, at any depth (list
items, mapping keys and values), is one line of plain text: no control characters (newline, NUL,
ESC, DEL, C1), no Unicode line separators or bidirectional overrides, no lone surrogates, and at
most :data:`MAX_STRING` characters. The spec has no free-text field; the rule has no exceptions.
The values these rules protect end up in systemd units, env files, shell scripts, YAML,
terminals and XML.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

_DNS_LABEL = r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$"
DnsLabel = Annotated[str, Field(pattern=_DNS_LABEL, description="lower-case DNS label, 1-40 characters")]
Port = Annotated[int, Field(ge=1, le=65535)]
ScalarValue = str | int | float | bool

PRIVATE_RANGES = tuple(ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
"""RFC 1918: the address space of a VPC, its subnets and a cluster's pods and services."""
NOT_UNICAST = tuple(
    ipaddress.IPv4Network(block)
    for block in ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4")
)
"""This-network, loopback, link-local, multicast and reserved/broadcast: never a peer's address space."""


def _private(cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
    if not any(cidr.subnet_of(block) for block in PRIVATE_RANGES):
        ranges = ", ".join(map(str, PRIVATE_RANGES))
        raise ValueError(f"{cidr} is not a private unicast range; expected a range inside {ranges}")
    return cidr


def _unicast(cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
    if cidr.prefixlen == 0:
        raise ValueError("must never be open to 0.0.0.0/0; list the CIDRs instead")
    reserved = [str(block) for block in NOT_UNICAST if cidr.overlaps(block)]
    if reserved:
        raise ValueError(f"{cidr} overlaps {', '.join(reserved)} (not unicast address space)")
    return cidr


def _text_form(value: Any) -> Any:
    # Lax address parsing also takes integers and booleans (`cidr: true` would be 0.0.0.1/32).
    if not isinstance(value, str | ipaddress.IPv4Network | ipaddress.IPv4Address):
        raise ValueError(f"expected an address as text, e.g. 10.20.0.0/16, got {type(value).__name__}")
    return value


# Address types parse their text form (the spec is otherwise strict, and YAML has no address type).
Cidr = Annotated[ipaddress.IPv4Network, Strict(False), BeforeValidator(_text_form)]
PrivateCidr = Annotated[ipaddress.IPv4Network, Strict(False), BeforeValidator(_text_form), AfterValidator(_private)]
"""A CIDR inside RFC 1918 space: a VPC, a subnet, a cluster's pod or service range."""
UnicastCidr = Annotated[ipaddress.IPv4Network, Strict(False), BeforeValidator(_text_form), AfterValidator(_unicast)]
"""A CIDR of unicast hosts, not the whole internet: peers, SSH sources, IDC ranges."""
IpAddress = Annotated[ipaddress.IPv4Address, Strict(False), BeforeValidator(_text_form)]

STACK_NAME_MAX = 100
"""Longest stack name (Pulumi's limit); the stack file is `Pulumi.<name>.yaml`."""
STACK_NAME_PATTERN = rf"^[a-z0-9][a-z0-9-]{{0,{STACK_NAME_MAX - 1}}}$"
STACK_NAME = re.compile(STACK_NAME_PATTERN.removeprefix("^").removesuffix("$"))
"""A stack name, matched whole (`fullmatch`)."""

MAX_STRING = 1024
"""Longest string anywhere in the spec."""

# Upper bounds of sizes and counts. A bound is the cloud's documented quota where one exists and
# is the same on every supported cloud; otherwise a limit well above any real fleet that keeps an
# offline plan within seconds (each standalone node is a resource the plan builds).
MAX_POOLS = 32
MAX_SERVICES = 64
MAX_LINKS = 16
MAX_HYBRID_LINKS = 16
MAX_ZONES = 16
MAX_CIDRS = 64
"""Entries of peer_cidrs / ssh_cidrs / idc_cidrs (security-group rules are quota-bound: 50-100 per group)."""
MAX_TAGS = 40
"""Extra tags (AWS allows 50 tags per resource, inferfleet adds 6 of its own)."""
MAX_SETTINGS = 64
"""Entries of a map of settings (sysctl, block, model.extra)."""
MAX_GROUP_SIZE = 1000
"""count / min_count / max_count of a scaling group or Kubernetes node pool (CCE, ACK, TKE and EKS node
pools and AS/ESS groups cap at 1,000-2,000 nodes; EKS managed node groups at 450 by default quota)."""
MAX_STANDALONE_COUNT = 64
"""count of a standalone pool: each node is its own instance resource; larger pools are scaling groups."""
MAX_STANDALONE_NODES = 256
"""Standalone nodes of all pools of a stack together."""
MAX_REPLICAS = 1000
"""replicas, min/max_replicas and min_available of a service (a Deployment on the pool's nodes)."""
MAX_ACCELERATORS_PER_REPLICA = 16
"""The largest nodes in the catalog have 8 (16 on some bare-metal flavors)."""
MAX_BANDWIDTH_MBPS = 100_000
"""Links and dedicated lines: 100 Gbit/s, the fastest port any of the clouds sells."""
MAX_SHM_GIB = 1024
"""Shared memory of a model server; the largest catalog node has 1,536 GiB of RAM."""
MAX_CACHE_GIB = 32768
"""Model cache, like the largest data disk (32 TiB)."""
MAX_CANARY_STAGES = 10

_UNSAFE_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_CHARACTER_NAMES = {
    "\n": "a line break",
    "\r": "a carriage return",
    "\t": "a tab",
    "\x00": "NUL",
    "\x1b": "ESC",
    "\x7f": "DEL",
    "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
}


def text_problem(text: str) -> str | None:
    """Why `text` is not one line of plain text of the spec, or None. Never quotes the text."""
    match = _UNSAFE_CHARACTER.search(text)
    if match is not None:
        character = match.group()
        name = _CHARACTER_NAMES.get(character, "a control character")
        return (
            f"contains {name} (U+{ord(character):04X}) at position {match.start()}; "
            "spec values are one line of plain text"
        )
    if len(text) > MAX_STRING:
        return f"is {len(text)} characters long, above the limit of {MAX_STRING}"
    return None


def _strings(value: Any, path: tuple[int | str, ...] = ()) -> Iterator[tuple[tuple[int | str, ...], str, bool]]:
    """Every string inside a validated field value: (path below the field, the string, is it a key)."""
    if isinstance(value, str):
        yield path, value, False
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield (*path, key), key, True
            yield from _strings(item, (*path, key))
    # Nested spec models check their own fields; numbers, booleans and addresses carry no text.


class SpecModel(BaseModel):
    """Base for every spec section: frozen, strict, unknown keys rejected, field names or aliases accepted."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any, info: ValidationInfo) -> Any:
        for path, text, is_key in _strings(value):
            problem = text_problem(text)
            if problem is not None:
                what = "the key" if is_key else "the value"
                raise PydanticCustomError(
                    "plain_text", "{what} {problem}", {"what": what, "problem": problem, "below": path}
                )
        return value
