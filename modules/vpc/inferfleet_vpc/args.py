"""Inputs of the VPC and Interconnect components, and the pure checks and derivations on them.

Nothing here imports a cloud SDK: the toolkit runs these checks on a stack spec before any
resource is registered, and the components run them again on their own args.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
from inferfleet_components import doc as _doc

Cloud = Literal["huaweicloud", "alicloud", "tencentcloud", "aws"]
CLOUDS: tuple[Cloud, ...] = ("huaweicloud", "alicloud", "tencentcloud", "aws")
SSH_PORT = 22
WORLD = "0.0.0.0/0"

ZONE_SUFFIXES: dict[str, str] = {
    "huaweicloud": r"[a-z]",  # cn-south-1a
    "alicloud": r"-[a-z]",  # cn-shanghai-e
    "tencentcloud": r"-\d+",  # ap-guangzhou-6
    "aws": r"[a-z]",  # us-west-2a
}
"""How each cloud names an availability zone after the region code."""

AWS_CHINA_REGIONS = frozenset({"cn-north-1", "cn-northwest-1"})
"""The aws-cn partition: its transit gateways peer only with each other, never with global regions."""

HYBRID_LINK_CLOUDS: tuple[Cloud, ...] = ("alicloud", "tencentcloud")
"""Clouds whose Interconnect builds a dedicated line to an on-premises IDC."""


@dataclass(frozen=True, kw_only=True)
class VpcArgs:
    """The fleet network: a VPC, one subnet per zone, the GPU security group, optional NAT egress."""

    cloud: Cloud = field(metadata=_doc("Cloud: huaweicloud, alicloud, tencentcloud or aws. Required."))
    region: str = field(metadata=_doc("Region code of the provider, e.g. cn-south-1; zones must be in it. Required."))
    cidr: str = field(metadata=_doc("IPv4 CIDR of the VPC, e.g. 10.20.0.0/16. Required."))
    zones: Sequence[str] = field(
        metadata=_doc("Availability zones; one subnet (vswitch) is carved per zone. Required.")
    )
    subnet_prefix_length: int | None = field(
        default=None, metadata=_doc("Prefix length of each carved subnet. Default: the VPC prefix + 4.")
    )
    subnet_cidrs: Mapping[str, str] = field(
        default_factory=dict,
        metadata=_doc(
            "Explicit subnet CIDR per zone, inside the VPC; other zones are carved around them. Default: {}."
        ),
    )
    model_ports: Sequence[int] = field(
        default=(8000,),
        metadata=_doc("TCP ports of the model servers, opened to the VPC and peer CIDRs. Default: (8000,)."),
    )
    ssh_cidrs: Sequence[str] = field(
        default=(), metadata=_doc("CIDRs allowed to reach SSH (22); 0.0.0.0/0 is refused. Default: () (no SSH).")
    )
    peer_cidrs: Sequence[str] = field(
        default=(), metadata=_doc("CIDRs of linked networks also allowed to reach the model ports. Default: ().")
    )
    nat_gateway: bool = field(
        default=False, metadata=_doc("Create a NAT gateway with a public IP for egress. Default: False.")
    )
    tags: Mapping[str, str] = field(
        default_factory=dict, metadata=_doc("Tags on every taggable resource. Default: {}.")
    )
    protect: bool = field(
        default=False, metadata=_doc("Protect the VPC and subnets from deletion (set it in prod). Default: False.")
    )


@dataclass(frozen=True, kw_only=True)
class NetworkEndArgs:
    """One VPC at an end of a link: the local stack's, or a peer's read through a StackReference."""

    name: str = field(metadata=_doc("Short name of the end (the stack name); names its attachments. Required."))
    region: pulumi.Input[str] = field(metadata=_doc("Region code of the VPC. Required."))
    vpc_id: pulumi.Input[str] = field(metadata=_doc("Id of the VPC. Required."))
    cidr: pulumi.Input[str] = field(metadata=_doc("IPv4 CIDR of the VPC. Required."))
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]] = field(
        default=(), metadata=_doc("Subnets the transit gateway attaches to (aws only). Default: ().")
    )
    route_table_id: pulumi.Input[str | None] = field(
        default=None, metadata=_doc("Route table that gets routes to the other end (aws only). Default: None.")
    )
    project_id: pulumi.Input[str | None] = field(
        default=None, metadata=_doc("Project id of the region (huaweicloud Cloud Connect only). Default: None.")
    )


@dataclass(frozen=True, kw_only=True)
class PeerLinkArgs:
    """A link from the local VPC to one peer VPC."""

    peer: NetworkEndArgs = field(metadata=_doc("The peer's VPC. Required."))
    bandwidth_mbps: int = field(
        metadata=_doc(
            "Cross-region bandwidth in Mbit/s, > 0 (aws transit gateway peering has no limit to set). Required."
        )
    )


@dataclass(frozen=True, kw_only=True)
class HybridLinkArgs:
    """A dedicated line from an on-premises IDC into the interconnect (Express Connect / Direct Connect)."""

    name: str = field(metadata=_doc("Short name of the IDC, e.g. idc-sh1; names the line's resources. Required."))
    access_point_id: str = field(metadata=_doc("Cloud access point of the physical line. Required."))
    line_operator: str = field(metadata=_doc("Carrier of the line, e.g. CT, CU, CM, Other. Required."))
    port_type: str = field(metadata=_doc("Port type of the line, e.g. 10GBase-LR. Required."))
    bandwidth_mbps: int = field(metadata=_doc("Bandwidth of the line in Mbit/s, > 0. Required."))
    vlan_id: int = field(
        metadata=_doc("VLAN of the virtual interface, 0-2999 (tencentcloud) / 1-2999 (alicloud). Required.")
    )
    local_gateway_ip: str = field(metadata=_doc("Cloud-side IP of the interconnect subnet. Required."))
    peer_gateway_ip: str = field(metadata=_doc("IDC-side IP of the interconnect subnet. Required."))
    peering_subnet_mask: str = field(
        metadata=_doc("Netmask of the interconnect subnet, e.g. 255.255.255.252. Required.")
    )
    idc_cidrs: Sequence[str] = field(metadata=_doc("CIDRs of the IDC reached over the line. Required."))
    bgp_asn: int = field(metadata=_doc("BGP AS number of the IDC's router; routes are exchanged over BGP. Required."))


@dataclass(frozen=True, kw_only=True)
class InterconnectArgs:
    """Private cross-region links from the local VPC to peer VPCs of the same cloud, and hybrid lines."""

    cloud: Cloud = field(metadata=_doc("Cloud: huaweicloud, alicloud, tencentcloud or aws. Required."))
    local: NetworkEndArgs = field(metadata=_doc("The local stack's VPC. Required."))
    peers: Sequence[PeerLinkArgs] = field(
        default=(), metadata=_doc("Links to peer VPCs in other regions. Default: ().")
    )
    hybrid_links: Sequence[HybridLinkArgs] = field(
        default=(), metadata=_doc("Dedicated lines to IDCs (alicloud, tencentcloud). Default: ().")
    )
    charge_type: Literal["postpaid", "prepaid"] = field(
        default="postpaid", metadata=_doc("Billing of bandwidth packages / the CCN. Default: postpaid.")
    )
    qos: Literal["platinum", "gold", "silver"] = field(
        default="gold", metadata=_doc("Priority class of the traffic where the cloud offers one (CCN). Default: gold.")
    )
    tags: Mapping[str, str] = field(
        default_factory=dict, metadata=_doc("Tags on every taggable resource. Default: {}.")
    )
    protect: bool = field(default=False, metadata=_doc("Protect every link resource from deletion. Default: False."))


@dataclass(frozen=True)
class Rule:
    """One security-group rule; `port` None means every port, `protocol` "all" every protocol."""

    direction: Literal["ingress", "egress"]
    protocol: Literal["tcp", "all"]
    port: int | None
    cidr: str
    description: str

    @property
    def key(self) -> str:
        """Stable, content-derived part of the rule's resource name."""
        target = self.cidr.replace(".", "-").replace("/", "-")
        return f"{self.direction}-{self.protocol}-{self.port or 'any'}-{target}"


def parse_cidr(field_name: str, value: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value)
    except ValueError as exc:
        raise ValueError(f"{field_name}: {value!r} is not an IPv4 CIDR ({exc})") from None


def validate_zones(cloud: str, region: str, zones: Sequence[str]) -> None:
    """Every zone must be a zone of `region` as the cloud names them, and listed once."""
    if not zones:
        raise ValueError("zones: at least one zone is required")
    if cloud not in ZONE_SUFFIXES:
        raise ValueError(f"cloud: {cloud!r} is not one of {', '.join(CLOUDS)}")
    pattern = re.compile(re.escape(region) + ZONE_SUFFIXES[cloud])
    for zone in zones:
        if not pattern.fullmatch(zone):
            raise ValueError(f"zones: {zone!r} is not a zone of region {region!r} on {cloud}")
    repeated = sorted({zone for zone in zones if list(zones).count(zone) > 1})
    if repeated:
        raise ValueError(f"zones: repeated {', '.join(repeated)}")


def carve_subnets(
    cidr: str,
    zones: Sequence[str],
    *,
    prefix_length: int | None = None,
    explicit: Mapping[str, str] | None = None,
) -> dict[str, ipaddress.IPv4Network]:
    """One subnet per zone inside `cidr`, in zone order, deterministic and non-overlapping.

    Zones in `explicit` keep their CIDR (which must lie inside the VPC); the others take the
    lowest free blocks of `prefix_length` (default: VPC prefix + 4).
    """
    vpc = parse_cidr("cidr", cidr)
    fixed = {zone: parse_cidr(f"subnet_cidrs.{zone}", value) for zone, value in (explicit or {}).items()}
    for zone, subnet in fixed.items():
        if zone not in zones:
            raise ValueError(f"subnet_cidrs.{zone}: {zone!r} is not one of the zones ({', '.join(zones)})")
        if not subnet.subnet_of(vpc):
            raise ValueError(f"subnet_cidrs.{zone}: {subnet} is outside the VPC CIDR {vpc}")
    placed = list(fixed.items())
    for index, (zone, subnet) in enumerate(placed):
        for other_zone, other in placed[index + 1 :]:
            if subnet.overlaps(other):
                raise ValueError(f"subnet_cidrs.{other_zone}: {other} overlaps {subnet} of zone {zone!r}")
    length = prefix_length if prefix_length is not None else min(vpc.prefixlen + 4, 28)
    if not vpc.prefixlen <= length <= 28:
        raise ValueError(f"subnet_prefix_length: /{length} must be between the VPC's /{vpc.prefixlen} and /28")
    to_carve = [zone for zone in zones if zone not in fixed]
    free = (block for block in vpc.subnets(new_prefix=length) if not any(block.overlaps(s) for s in fixed.values()))
    carved: dict[str, ipaddress.IPv4Network] = {}
    for zone in to_carve:
        block = next(free, None)
        if block is None:
            capacity = 2 ** (length - vpc.prefixlen)
            raise ValueError(
                f"zones: {len(zones)} zones do not fit in {vpc} with /{length} subnets "
                f"(room for {capacity}); use a larger CIDR or a longer subnet_prefix_length"
            )
        carved[zone] = block
    return {zone: fixed.get(zone) or carved[zone] for zone in zones}


def validate_ports(field_name: str, ports: Sequence[int]) -> None:
    for port in ports:
        if not 1 <= port <= 65535:
            raise ValueError(f"{field_name}: {port} is not a TCP port (1-65535)")


def validate_not_world(field_name: str, cidrs: Sequence[str]) -> list[ipaddress.IPv4Network]:
    parsed = [parse_cidr(field_name, cidr) for cidr in cidrs]
    for network in parsed:
        if network.prefixlen == 0:
            raise ValueError(f"{field_name}: {network} opens the port to the whole internet; list the CIDRs instead")
    return parsed


def validate_vpc_args(args: VpcArgs) -> dict[str, ipaddress.IPv4Network]:
    """Check every field; return the subnet of each zone."""
    validate_zones(args.cloud, args.region, args.zones)
    validate_ports("model_ports", args.model_ports)
    validate_not_world("ssh_cidrs", args.ssh_cidrs)
    validate_not_world("peer_cidrs", args.peer_cidrs)
    return carve_subnets(args.cidr, args.zones, prefix_length=args.subnet_prefix_length, explicit=args.subnet_cidrs)


def security_rules(args: VpcArgs) -> list[Rule]:
    """Least privilege: model ports from the VPC and peers, SSH from the admin CIDRs, egress anywhere."""
    sources = list(dict.fromkeys([str(parse_cidr("cidr", args.cidr)), *map(str, args.peer_cidrs)]))
    rules = [
        Rule("ingress", "tcp", port, source, f"model server port {port} from {source}")
        for port in sorted(set(args.model_ports))
        for source in sources
    ]
    rules += [Rule("ingress", "tcp", SSH_PORT, str(cidr), f"SSH from {cidr}") for cidr in dict.fromkeys(args.ssh_cidrs)]
    rules.append(Rule("egress", "all", None, WORLD, "egress to anywhere (image pulls, model downloads)"))
    return rules


def validate_link_regions(cloud: str, local_region: str, peer_region: str) -> None:
    """A link joins two regions of one partition: AWS China never peers with a global region."""
    if local_region == peer_region:
        raise ValueError(f"region: the peer is in the same region {local_region!r}; a link joins two regions")
    if cloud == "aws" and (local_region in AWS_CHINA_REGIONS) != (peer_region in AWS_CHINA_REGIONS):
        raise ValueError(
            f"region: AWS China ({', '.join(sorted(AWS_CHINA_REGIONS))}) cannot peer with global AWS regions "
            f"({local_region} <-> {peer_region}); transit gateway peering stays inside one partition"
        )


def validate_interconnect_args(args: InterconnectArgs) -> None:
    if args.cloud not in CLOUDS:
        raise ValueError(f"cloud: {args.cloud!r} is not one of {', '.join(CLOUDS)}")
    names = [link.peer.name for link in args.peers]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"peers: repeated peer {', '.join(repeated)}")
    for index, link in enumerate(args.peers):
        if link.bandwidth_mbps <= 0:
            raise ValueError(f"peers[{index}].bandwidth_mbps: {link.bandwidth_mbps} must be > 0")
        if isinstance(args.local.region, str) and isinstance(link.peer.region, str):
            validate_link_regions(args.cloud, args.local.region, link.peer.region)
        if args.cloud == "huaweicloud" and (args.local.project_id is None or link.peer.project_id is None):
            raise ValueError(f"peers[{index}]: huaweicloud Cloud Connect needs project_id on both ends")
        if args.cloud == "aws" and any(end.route_table_id is None for end in (args.local, link.peer)):
            raise ValueError(f"peers[{index}]: aws transit gateway links need route_table_id on both ends")
    if args.hybrid_links and args.cloud not in HYBRID_LINK_CLOUDS:
        raise ValueError(f"hybrid_links: not supported on {args.cloud} (supported: {', '.join(HYBRID_LINK_CLOUDS)})")
    for index, line in enumerate(args.hybrid_links):
        if line.bandwidth_mbps <= 0:
            raise ValueError(f"hybrid_links[{index}].bandwidth_mbps: {line.bandwidth_mbps} must be > 0")
        if not 0 <= line.vlan_id <= 2999:
            raise ValueError(f"hybrid_links[{index}].vlan_id: {line.vlan_id} is not a VLAN id (0-2999)")
        for address in (line.local_gateway_ip, line.peer_gateway_ip):
            try:
                ipaddress.IPv4Address(address)
            except ValueError:
                raise ValueError(f"hybrid_links[{index}]: {address!r} is not an IPv4 address") from None
        if not 1 <= line.bgp_asn <= 4294967295:
            raise ValueError(f"hybrid_links[{index}].bgp_asn: {line.bgp_asn} is not a BGP AS number")
        if not line.idc_cidrs:
            raise ValueError(f"hybrid_links[{index}].idc_cidrs: at least one IDC CIDR is required")
        validate_not_world(f"hybrid_links[{index}].idc_cidrs", line.idc_cidrs)
