"""The topology picture: Mermaid text (embedded in the pull-request comment) and Graphviz (SVG, PNG).

One writer per format. Mermaid: node ids are generated here, never taken from a plan, and every
character of a label outside a small safe set is written as a Mermaid entity code (`#35;`), so a
value from a stack file cannot close a label, start a directive or break the Markdown fence the
text is embedded in. Graphviz: the `graphviz` library quotes ids and attributes, and `escape`
turns off the backslash sequences (`\\N`, `\\G`, `\\l`) that dot would otherwise interpret.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from inferfleet.errors import EngineError
from inferfleet.review.topology import Link, Pool, Service, Status, Topology
from inferfleet.text import visible

MAX_PER_KIND = 40
"""Elements of one kind drawn at most; the rest become one '+N more' node (GitHub draws ≤ 500 edges)."""

STATUS_STYLE: Mapping[Status, tuple[str, str, str]] = {
    # status -> (fill, stroke, legend text)
    Status.ADDED: ("#dafbe1", "#1a7f37", "added"),
    Status.REMOVED: ("#ffebe9", "#cf222e", "removed"),
    Status.REPLACED: ("#fff1e5", "#bc4c00", "replaced"),
    Status.CHANGED: ("#ddf4ff", "#0969da", "changed"),
}

T = TypeVar("T")

_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 .,:/_()+=\-·×]")


@dataclass(frozen=True)
class Node:
    """One box of the picture: a generated id, its label lines (plain text, one line each) and its status."""

    id: str
    lines: tuple[str, ...]
    status: Status
    shape: str = "box"

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(_label(line) for line in self.lines))


MAX_LABEL_CHARS = 120
"""Longest label line drawn: a plan can hold a name of any length (a 30 MB one made a 120 MB picture)."""


def _label(text: str) -> str:
    shown = visible(text)
    return shown if len(shown) <= MAX_LABEL_CHARS else shown[: MAX_LABEL_CHARS - 1] + "…"


def _pool_lines(pool: Pool) -> tuple[str, ...]:
    per_node = f"{pool.accelerators_per_node}" if pool.accelerators_per_node is not None else "?"
    nodes = f"{pool.nodes}" if pool.nodes is not None else "?"
    total = f"{pool.accelerators}" if pool.accelerators is not None else "?"
    return (
        f"GPU pool {pool.name}",
        f"{pool.accelerator or 'unknown accelerator'} × {per_node} per node",
        f"{nodes} nodes · {total} accelerators",
        f"{pool.placement or ''} {pool.flavor or ''}".strip(),
    )


def _service_lines(service: Service) -> tuple[str, ...]:
    lines = [f"service {service.name}", f"replicas {service.replicas if service.replicas is not None else '?'}"]
    if service.canary_weight and service.canary_stage is not None and service.canary_stage >= 0:
        lines.append(f"canary stage {service.canary_stage} · {service.canary_weight}%")
    return tuple(lines)


def _link_lines(link: Link) -> tuple[str, ...]:
    return (f"{'stack' if link.kind == 'stack' else 'IDC'} {link.peer}",)


def _capped(items: tuple[T, ...]) -> tuple[tuple[T, ...], int]:
    return items[:MAX_PER_KIND], max(0, len(items) - MAX_PER_KIND)


@dataclass(frozen=True)
class Picture:
    """What both writers draw: nested groups, nodes and edges, all labels plain text."""

    title: str
    region_label: str
    vpc: Node
    subnets: tuple[Node, ...]
    pools: tuple[Node, ...]
    services: tuple[Node, ...]
    links: tuple[tuple[Node, str], ...]
    """Each link's node and its edge label (bandwidth)."""
    serves: tuple[tuple[str, str], ...]
    """(service id, pool id) edges."""


def picture(view: Topology, statuses: Mapping[tuple[str, str], Status] | None = None) -> Picture:
    """Lay out a topology; `statuses` (from `topology.compare`) colours a diff."""
    status = dict(statuses or {})

    def state(kind: str, name: str) -> Status:
        return status.get((kind, name), Status.SAME)

    def more(kind: str, extra: int) -> tuple[Node, ...]:
        return (Node(f"{kind}_more", (f"+{extra} more {kind}s",), Status.SAME),) if extra else ()

    subnets, extra_subnets = _capped(view.subnets)
    pools, extra_pools = _capped(view.pools)
    services, extra_services = _capped(view.services)
    links, extra_links = _capped(view.links)
    pool_ids = {pool.name: f"pool_{index}" for index, pool in enumerate(pools)}
    service_nodes = tuple(
        Node(f"service_{index}", _service_lines(service), state("service", service.name))
        for index, service in enumerate(services)
    ) + more("service", extra_services)
    return Picture(
        title=visible(view.stack),
        region_label=_label(f"{view.cloud or 'cloud?'} · {view.region or 'region?'}"),
        vpc=Node("vpc", (f"VPC {view.vpc_cidr or '?'}",), state("vpc", "vpc")),
        subnets=tuple(
            Node(f"subnet_{index}", (f"zone {subnet.zone}", subnet.cidr or "?"), state("subnet", subnet.zone))
            for index, subnet in enumerate(subnets)
        )
        + more("subnet", extra_subnets),
        pools=tuple(Node(pool_ids[pool.name], _pool_lines(pool), state("pool", pool.name)) for pool in pools)
        + more("pool", extra_pools),
        services=service_nodes,
        links=tuple(
            (
                Node(f"link_{index}", _link_lines(link), state("link", link.peer), shape="stadium"),
                f"{link.bandwidth_mbps} Mbps" if link.bandwidth_mbps is not None else "",
            )
            for index, link in enumerate(links)
        )
        + tuple((node, "") for node in more("link", extra_links)),
        serves=tuple(
            (node.id, pool_ids[service.pool])
            for node, service in zip(service_nodes, services, strict=False)
            if service.pool in pool_ids
        ),
    )


# --- Mermaid -------------------------------------------------------------------------------------


def mermaid_text(value: str) -> str:
    """A plain-text value as Mermaid label text: anything but a few safe characters is an entity code."""
    return "".join(char if _MERMAID_SAFE.fullmatch(char) else f"#{ord(char)};" for char in value)


def _mermaid_node(node: Node) -> str:
    label = "<br/>".join(mermaid_text(line) for line in node.lines if line)
    opening, closing = ('(["', '"])') if node.shape == "stadium" else ('["', '"]')
    return f"{node.id}{opening}{label}{closing}"


def to_mermaid(drawing: Picture) -> str:
    """Mermaid flowchart text (GitHub and GitLab render it in a ```mermaid block)."""
    lines = ["flowchart LR"]
    lines.append(f'  subgraph region["{mermaid_text(drawing.region_label)}"]')
    lines.append(f'    subgraph vpc_group["{mermaid_text(drawing.vpc.lines[0])}"]')
    lines.extend(f"      {_mermaid_node(node)}" for node in drawing.subnets + drawing.pools + drawing.services)
    lines.append("    end")
    lines.append("  end")
    lines.extend(f"  {_mermaid_node(node)}" for node, _ in drawing.links)
    for node, label in drawing.links:
        edge = f'---|"{mermaid_text(label)}"|' if label else "---"
        lines.append(f"  vpc_group {edge} {node.id}")
    lines.extend(f"  {service} --> {pool}" for service, pool in drawing.serves)
    styled: dict[Status, list[str]] = {}
    for node in drawing.subnets + drawing.pools + drawing.services + tuple(node for node, _ in drawing.links):
        if node.status is not Status.SAME:
            styled.setdefault(node.status, []).append(node.id)
    if drawing.vpc.status is not Status.SAME:
        styled.setdefault(drawing.vpc.status, []).append("vpc_group")
    for state in sorted(styled):
        fill, stroke, _ = STATUS_STYLE[state]
        dashed = ",stroke-dasharray: 5 5" if state is Status.REMOVED else ""
        lines.append(f"  classDef {state.value} fill:{fill},stroke:{stroke},stroke-width:2px{dashed}")
        lines.append(f"  class {','.join(styled[state])} {state.value}")
    return "\n".join(lines) + "\n"


# --- Graphviz ------------------------------------------------------------------------------------


def to_dot(drawing: Picture) -> str:
    """Graphviz DOT source of the picture (quoted by the graphviz library)."""
    import graphviz

    def label(node: Node) -> str:
        return "\n".join(graphviz.escape(line) for line in node.lines if line)

    def attributes(node: Node) -> dict[str, str]:
        shape = "box" if node.shape == "box" else "oval"
        attrs = {"shape": shape, "style": "rounded,filled", "fillcolor": "#ffffff", "color": "#57606a"}
        if node.status is not Status.SAME:
            fill, stroke, legend = STATUS_STYLE[node.status]
            attrs.update(fillcolor=fill, color=stroke, penwidth="2", xlabel=legend)
            if node.status is Status.REMOVED:
                attrs["style"] = "rounded,filled,dashed"
        return attrs

    graph = graphviz.Digraph(name="topology", graph_attr={"rankdir": "LR", "fontname": "Helvetica", "compound": "true"})
    graph.attr(label=graphviz.escape(drawing.title), labelloc="t", fontsize="18")
    graph.attr("node", fontname="Helvetica", fontsize="11")
    graph.attr("edge", fontname="Helvetica", fontsize="10")
    with graph.subgraph(name="cluster_region") as region:
        region.attr(label=graphviz.escape(drawing.region_label), style="rounded", color="#8c959f")
        with region.subgraph(name="cluster_vpc") as vpc:
            vpc_style = {"label": label(drawing.vpc), "style": "rounded", "color": "#57606a"}
            if drawing.vpc.status is not Status.SAME:
                vpc_style["color"] = STATUS_STYLE[drawing.vpc.status][1]
            vpc.attr(**vpc_style)
            for node in drawing.subnets + drawing.pools + drawing.services:
                vpc.node(node.id, label(node), **attributes(node))
    anchor = (drawing.subnets + drawing.pools + drawing.services)[:1]
    for node, bandwidth in drawing.links:
        graph.node(node.id, label(node), **attributes(node))
        if anchor:
            graph.edge(anchor[0].id, node.id, label=graphviz.escape(bandwidth), ltail="cluster_vpc", dir="none")
    for service, pool in drawing.serves:
        graph.edge(service, pool, label="runs on")
    source: str = graph.source
    return source


DOT_TIMEOUT_SECONDS = 60


def render_dot(source: str, output_format: str) -> bytes:
    """Run Graphviz's `dot` on the source; `output_format` is svg or png."""
    try:
        completed = subprocess.run(
            ["dot", f"-T{output_format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError as exc:
        raise EngineError(
            "Graphviz 'dot' is not installed", hint="apt-get install graphviz (make bootstrap installs it)"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise EngineError(f"Graphviz 'dot' took longer than {DOT_TIMEOUT_SECONDS} s") from exc
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()[:500]
        raise EngineError(f"Graphviz 'dot' failed: {message}")
    return completed.stdout
