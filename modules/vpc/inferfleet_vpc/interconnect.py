"""The `Interconnect` component: private cross-region links between VPCs of one cloud, and IDC lines."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
from inferfleet_components import doc, register_declared, warn_deprecated

from inferfleet_vpc._cloud import Children, cloud_network
from inferfleet_vpc.args import InterconnectArgs, PeerLinkArgs, validate_interconnect_args, validate_link_regions

PEER_SIDE_PROVIDER_CLOUDS = frozenset({"aws"})
"""Clouds whose links create resources inside the peer's region, so they need a provider per peer."""


def needs_peer_providers(cloud: str) -> bool:
    return cloud in PEER_SIDE_PROVIDER_CLOUDS


def _checked_regions(args: InterconnectArgs) -> tuple[PeerLinkArgs, ...]:
    """Peers whose region is an output (a StackReference) get it checked once it resolves.

    Static regions were checked up front; every link resource reads the checked output, so a
    China <-> global AWS pair fails the update before any of them is created.
    """

    def checked(regions: Sequence[str]) -> str:
        local, peer = regions
        validate_link_regions(args.cloud, local, peer)
        return peer

    return tuple(
        link
        if isinstance(args.local.region, str) and isinstance(link.peer.region, str)
        else dataclasses.replace(
            link,
            peer=dataclasses.replace(
                link.peer, region=pulumi.Output.all(args.local.region, link.peer.region).apply(checked)
            ),
        )
        for link in args.peers
    )


@dataclass(init=False, eq=False, repr=False)
class InterconnectOutputs:
    """The outputs of an `Interconnect`, declared once: its attributes, its registered outputs, README and API."""

    interconnect_id: pulumi.Output[str] = field(
        metadata=doc("Id of the CEN / CCN / Cloud Connect connection / local transit gateway.")
    )
    attachment_ids: dict[str, pulumi.Output[str]] = field(
        metadata=doc("Attachment id of each VPC (by end name) and each IDC line (by line name).")
    )
    bandwidths_mbps: dict[str, int] = field(
        metadata=doc("Bandwidth in Mbit/s of each link, by peer VPC name and by IDC line name.")
    )


class Interconnect(pulumi.ComponentResource, InterconnectOutputs):
    """Links the local VPC to each peer VPC (and each IDC line) through the cloud's interconnect.

    Alibaba Cloud: CEN + attachments + bandwidth package per region pair + bandwidth limit; IDC
    over Express Connect (physical connection, VBR, BGP) attached to the CEN. Tencent Cloud: CCN +
    attachments + inter-region bandwidth limits; IDC over Direct Connect (line, gateway, tunnel).
    Huawei Cloud: Cloud Connect + network instances + bandwidth package + inter-region bandwidth.
    AWS: a transit gateway in each region, VPC attachments, a peering attachment accepted with the
    peer's provider, and static routes both ways.
    """

    def __init__(
        self,
        name: str,
        args: InterconnectArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        peer_providers: Mapping[str, pulumi.ProviderResource] | None = None,
    ) -> None:
        validate_interconnect_args(args)
        warn_deprecated(args, "inferfleet-vpc")
        providers = dict(peer_providers or {})
        if needs_peer_providers(args.cloud):
            missing = [link.peer.name for link in args.peers if link.peer.name not in providers]
            if missing:
                raise ValueError(f"peer_providers: {args.cloud} links need a provider for each peer, missing {missing}")
        super().__init__("inferfleet:vpc:Interconnect", name, None, opts)
        children = Children(parent=self, provider=opts.provider if opts else None, protect=args.protect)
        args = dataclasses.replace(args, peers=_checked_regions(args))
        built = cloud_network(args.cloud).interconnect(name, args, children, providers)
        self.interconnect_id = built.interconnect_id
        self.attachment_ids = dict(built.attachment_ids)
        self.bandwidths_mbps = {link.peer.name: link.bandwidth_mbps for link in args.peers} | {
            line.name: line.bandwidth_mbps for line in args.hybrid_links
        }
        register_declared(self)
