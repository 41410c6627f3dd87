"""Checks across linked stacks, run before any stack of the link is planned.

A link joins the VPCs of two stacks; what makes it impossible (another cloud, one region, overlapping
address space, AWS China with a global region) or useless (a security group that drops the other
side's traffic) is only visible with both specs at hand.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping

from inferfleet.errors import SpecError
from inferfleet.spec.load import StackConfig


def check_links(stack: StackConfig, siblings: Mapping[str, StackConfig]) -> None:
    """Raise one SpecError (in `stack`'s file) listing every problem of its links to `siblings`."""
    problems = list(_link_problems(stack, siblings))
    if not problems:
        return
    (where, first), rest = problems[0], problems[1:]
    for other_where, other in rest:
        first += f"\n  also {other_where}: {other}"
    raise SpecError(stack.file, where, first)


def _covered(cidr: ipaddress.IPv4Network, allowed: list[ipaddress.IPv4Network]) -> bool:
    return any(cidr.subnet_of(block) for block in allowed)


def _link_problems(stack: StackConfig, siblings: Mapping[str, StackConfig]) -> Iterator[tuple[str, str]]:
    from inferfleet_vpc import validate_link_regions

    fleet = stack.fleet
    if fleet.cloud == "huaweicloud" and fleet.links and fleet.network.project_id is None:
        yield "fleet.network.project_id", "required on huaweicloud when the stack has links (Cloud Connect needs it)"
    for index, link in enumerate(fleet.links):
        where = f"fleet.links[{index}].stack"
        peer = siblings[link.stack]
        other = peer.fleet
        if other.cloud != fleet.cloud:
            yield (
                where,
                (
                    f"{link.stack} runs on {other.cloud} ({peer.file}), this stack on {fleet.cloud}: "
                    "links join stacks of the same cloud"
                ),
            )
            continue
        try:
            validate_link_regions(fleet.cloud, fleet.region, other.region)
        except ValueError as exc:
            yield where, f"{link.stack} ({peer.file}, {other.region}): {str(exc).removeprefix('region: ')}"
            continue
        if other.network.cidr.overlaps(fleet.network.cidr):
            yield (
                where,
                (
                    f"the VPC CIDR {fleet.network.cidr} overlaps {other.network.cidr} of {link.stack} "
                    f"({peer.file}: fleet.network.cidr); linked networks need disjoint address space"
                ),
            )
            continue
        if not _covered(other.network.cidr, fleet.network.peer_cidrs):
            yield (
                "fleet.network.peer_cidrs",
                (
                    f"must include {other.network.cidr} (the CIDR of linked stack {link.stack}) "
                    "so the model ports accept its traffic"
                ),
            )
        if not _covered(fleet.network.cidr, other.network.peer_cidrs):
            yield (
                where,
                (
                    f"{link.stack} does not accept this stack's traffic: add {fleet.network.cidr} "
                    f"to fleet.network.peer_cidrs in {peer.file}"
                ),
            )
        if fleet.cloud == "huaweicloud" and other.network.project_id is None:
            yield (
                where,
                (
                    f"{link.stack} has no fleet.network.project_id ({peer.file}); Cloud Connect needs the project id "
                    "of both regions"
                ),
            )
