"""The topology picture: read from real plans, drawn as Mermaid and Graphviz, values never markup."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from stackfiles import STACKS

from inferfleet.cli.app import main
from inferfleet.plan import Planner, dumps
from inferfleet.review.graph import MAX_PER_KIND, mermaid_text, picture, render_dot, to_dot, to_mermaid
from inferfleet.review.topology import Link, Pool, Service, Status, Subnet, Topology, compare, merged, topology
from inferfleet.text import visible

NODE_LINE = re.compile(r'^\s+(?P<id>[a-z_0-9]+)(?:\["(?P<box>[^"]*)"\]|\(\["(?P<stadium>[^"]*)"\]\))$')
EDGE_LINE = re.compile(r'^\s+(?P<a>[a-z_0-9]+) (?:---\|"(?P<label>[^"]*)"\||---|-->) (?P<b>[a-z_0-9]+)$')
SUBGRAPH_LINE = re.compile(r'^\s+subgraph (?P<id>[a-z_]+)\["(?P<label>[^"]*)"\]$')
SVG = "{http://www.w3.org/2000/svg}"
STYLE_LINE = re.compile(r"^\s+(classDef [a-z]+ [^\n]+|class [a-z_0-9,]+ [a-z]+)$")


def parse_mermaid(text: str) -> tuple[dict[str, str], list[tuple[str, str, str | None]], dict[str, str]]:
    """Nodes (id -> label), edges and subgraphs of the flowchart subset the writer emits; anything else fails."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str | None]] = []
    groups: dict[str, str] = {}
    depth = 0
    for line in lines[1:]:
        if match := SUBGRAPH_LINE.match(line):
            groups[match["id"]] = match["label"]
            depth += 1
        elif line.strip() == "end":
            depth -= 1
        elif match := NODE_LINE.match(line):
            nodes[match["id"]] = match["box"] if match["box"] is not None else match["stadium"]
        elif match := EDGE_LINE.match(line):
            edges.append((match["a"], match["b"], match["label"]))
        else:
            assert STYLE_LINE.match(line), f"unexpected Mermaid line: {line!r}"
    assert depth == 0
    return nodes, edges, groups


def decoded(label: str) -> str:
    """A Mermaid label as the reader sees it: entity codes resolved, line breaks as newlines."""
    return re.sub(r"#(\d+);", lambda match: chr(int(match[1])), label.replace("<br/>", "\n"))


@pytest.fixture(scope="module")
def plans() -> dict[str, dict[str, object]]:
    planner = Planner(STACKS)
    return {name: dict(planner.plan(name)) for name in ("prod-cn-east", "staging-cn-south", "prod-cn-south")}


def test_topology_of_a_kubernetes_stack_with_a_canary_and_links(plans: dict[str, dict[str, object]]) -> None:
    view = topology(plans["prod-cn-east"])
    assert (view.cloud, view.region, view.vpc_cidr) == ("alicloud", "cn-shanghai", "10.30.0.0/16")
    assert view.subnets == (Subnet("cn-shanghai-e", "10.30.0.0/20"), Subnet("cn-shanghai-f", "10.30.16.0/20"))
    assert [(link.peer, link.kind, link.bandwidth_mbps) for link in view.links] == [
        ("idc-sh1", "idc", 1000),
        ("prod-cn-beijing", "stack", 500),
    ]
    (pool,) = view.pools
    assert (pool.name, pool.accelerator, pool.nodes, pool.accelerators) == ("a10", "nvidia-a10", 2, 2)
    (service,) = view.services
    assert (service.pool, service.replicas, service.canary_stage, service.canary_weight) == ("a10", 2, 0, 5)


def test_a_vm_service_is_read_from_the_stack_outputs(plans: dict[str, dict[str, object]]) -> None:
    view = topology(plans["staging-cn-south"])
    (service,) = view.services
    assert (service.name, service.pool, service.placement, service.replicas) == ("autoglm", "ascend", "standalone", 1)


def test_mermaid_of_a_reference_stack_has_every_element_and_edge(plans: dict[str, dict[str, object]]) -> None:
    nodes, edges, groups = parse_mermaid(to_mermaid(picture(topology(plans["prod-cn-south"]))))
    assert decoded(groups["region"]) == "huaweicloud · cn-south-1"
    assert decoded(groups["vpc_group"]) == "VPC 10.20.0.0/16"
    labels = {node: decoded(label) for node, label in nodes.items()}
    assert labels["pool_0"].splitlines()[:3] == [
        "GPU pool ascend",
        "ascend-910b × 8 per node",
        "2 nodes · 16 accelerators",
    ]
    assert labels["link_0"] == "stack prod-cn-north"
    assert ("vpc_group", "link_0", "1000 Mbps") in edges
    assert ("service_0", "pool_0", None) in edges


def test_svg_is_valid_xml_with_the_labels(plans: dict[str, dict[str, object]]) -> None:
    svg = render_dot(to_dot(picture(topology(plans["prod-cn-east"]))), "svg")
    root = ElementTree.fromstring(svg)
    texts = {element.text for element in root.iter(f"{SVG}text")}
    assert {"GPU pool a10", "2 nodes · 2 accelerators", "canary stage 0 · 5%", "IDC idc-sh1"} <= texts


def test_png_is_a_png(plans: dict[str, dict[str, object]]) -> None:
    assert render_dot(to_dot(picture(topology(plans["staging-cn-south"]))), "png")[:8] == b"\x89PNG\r\n\x1a\n"


def _view(**changes: object) -> Topology:
    base = Topology(
        stack="s",
        cloud="aws",
        region="us-west-2",
        vpc_cidr="10.0.0.0/16",
        subnets=(Subnet("us-west-2a", "10.0.0.0/20"),),
        links=(Link("peer", "stack", 1000),),
        pools=(Pool("a", "nvidia-a10g", "g5.12xlarge", "kubernetes", 2, 4),),
        services=(Service("svc", "a", "kubernetes", 2, None, None),),
        urns={("pool", "a"): frozenset({"urn:pool-a", "urn:pool-a-nodes"})},
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_compare_marks_added_removed_changed_and_replaced() -> None:
    base = _view()
    head = _view(
        pools=(Pool("a", "nvidia-a10g", "g5.12xlarge", "kubernetes", 3, 4), Pool("b", "nvidia-h20", None, None, 1, 8)),
        links=(),
    )
    statuses = compare(base, head)
    assert statuses[("pool", "a")] is Status.CHANGED
    assert statuses[("pool", "b")] is Status.ADDED
    assert statuses[("link", "peer")] is Status.REMOVED
    assert statuses[("service", "svc")] is Status.SAME
    assert compare(base, head, replaced_urns=frozenset({"urn:pool-a-nodes"}))[("pool", "a")] is Status.REPLACED


def test_a_diff_picture_colours_what_changed_and_keeps_what_was_removed() -> None:
    base = _view()
    head = _view(pools=(), links=(Link("peer", "stack", 2000),))
    nodes, edges, _ = parse_mermaid(text := to_mermaid(picture(merged(base, head), compare(base, head))))
    assert decoded(nodes["pool_0"]).startswith("GPU pool a")
    assert "class pool_0 removed" in text
    assert "class link_0 changed" in text
    assert ("vpc_group", "link_0", "2000 Mbps") in edges
    dot = to_dot(picture(merged(base, head), compare(base, head)))
    assert "xlabel=removed" in dot
    assert "dashed" in dot


HOSTILE = [
    'x"]\nclick pool_0 call alert()\n%%{init: {"theme": "dark"}}%%',
    "```\n</details><script>alert(1)</script>",
    "a#quot;b #35; <br/> & ;",
    "\\N \\G \\l \\\\ \u2028 \x00 \x1b[2J",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_values_never_become_mermaid_markup(value: str) -> None:
    view = _view(pools=(Pool(value, value, value, value, 1, 1),), services=(Service(value, value, None, 1, 0, 5),))
    text = to_mermaid(picture(view))
    nodes, _, _ = parse_mermaid(text)  # every line is one the writer emits: nothing was injected
    assert set(nodes) == {"subnet_0", "pool_0", "service_0", "link_0"}
    assert decoded(nodes["pool_0"]).splitlines()[0] == f"GPU pool {visible(value)}"
    assert decoded(nodes["service_0"]).splitlines()[0] == f"service {visible(value)}"
    for markup in ("`", "<script", "%%", "\x00"):
        assert markup not in text


@pytest.mark.parametrize("value", HOSTILE)
def test_values_never_become_graphviz_markup(value: str) -> None:
    view = _view(pools=(Pool(value, value, value, value, 1, 1),))
    root = ElementTree.fromstring(render_dot(to_dot(picture(view)), "svg"))
    nodes = [group for group in root.iter(f"{SVG}g") if group.get("class") == "node"]
    assert len(nodes) == 4  # subnet, pool, service, link: a value added no node of its own
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert f"GPU pool {visible(value)}" in texts  # shown literally: no \\N or \\l was interpreted


def test_mermaid_text_keeps_safe_characters_and_codes_the_rest() -> None:
    assert mermaid_text("GPU pool a10 · 2 nodes (x=1)") == "GPU pool a10 · 2 nodes (x=1)"
    assert mermaid_text("5%") == "5#37;"
    assert mermaid_text('"]<>`#\n') == "#34;#93;#60;#62;#96;#35;#10;"


def test_many_elements_are_summarised() -> None:
    pools = tuple(Pool(f"p{index}", "nvidia-a10", None, None, 1, 1) for index in range(MAX_PER_KIND + 7))
    nodes, _, _ = parse_mermaid(to_mermaid(picture(_view(pools=pools))))
    assert sum(node.startswith("pool_") for node in nodes) == MAX_PER_KIND + 1
    assert decoded(nodes["pool_more"]) == "+7 more pools"


def test_graph_command_writes_each_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for output_format in ("mermaid", "svg", "png"):
        target = tmp_path / f"g.{output_format}"
        assert main(["graph", "-s", "staging-cn-south", "-f", output_format, "-o", str(target)]) == 0
        assert target.stat().st_size > 100
    assert parse_mermaid((tmp_path / "g.mermaid").read_text())[0]


def test_graph_command_refuses_a_base_plan_of_another_stack(
    tmp_path: Path, plans: dict[str, dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.json").write_text(dumps(plans["prod-cn-east"]))  # type: ignore[arg-type]
    (tmp_path / "b.json").write_text(dumps(plans["prod-cn-south"]))  # type: ignore[arg-type]
    target = tmp_path / "out.mmd"
    arguments = [
        "graph",
        "--plan",
        str(tmp_path / "a.json"),
        "--base-plan",
        str(tmp_path / "b.json"),
        "-o",
        str(target),
    ]
    assert main(arguments) == 2
    assert "prod-cn-south" in capsys.readouterr().err
    assert not target.exists()


def test_a_label_of_any_length_is_drawn_cut() -> None:
    """A 30 MB accelerator name made a 120 MB picture."""
    long_name = "x" * 1_000_000
    nodes, _, _ = parse_mermaid(to_mermaid(picture(_view(pools=(Pool("a", long_name, None, None, 1, 1),)))))
    assert all(len(decoded(label)) < 1_000 for label in nodes.values())
    assert any("x" * 100 + "…" in decoded(label) for label in nodes.values())


def test_counts_too_large_to_multiply_into_text_are_drawn_unknown() -> None:
    """Two 3,000-digit counts made a 6,000-digit product, which Python cannot write as text (exit 3)."""
    plan = {
        "stack": "s",
        "resources": [
            {
                "urn": "urn:pulumi:s::p::inferfleet:gpu_instance:GpuPool::a",
                "type": "inferfleet:gpu_instance:GpuPool",
                "name": "a",
                "outputs": {"nodes": 10**3000, "accelerators_per_node": 10**3000, "accelerator": "nvidia-a10"},
            }
        ],
    }
    (pool,) = topology(plan).pools
    assert (pool.nodes, pool.accelerators_per_node, pool.accelerators) == (None, None, None)
    assert "GPU pool a" in to_mermaid(picture(topology(plan)))


def test_an_element_stands_for_its_whole_subtree_however_deep() -> None:
    """A parent chain of 2,000 below a pool: the pool stands for all of it."""
    pool_urn = "urn:pulumi:s::p::inferfleet:gpu_instance:GpuPool::a"
    resources: list[dict[str, object]] = [
        {"urn": pool_urn, "type": "inferfleet:gpu_instance:GpuPool", "name": "a", "outputs": {}}
    ]
    for index in range(2_000):
        resources.append({"urn": f"urn:pulumi:s::p::t::r{index}", "type": "t", "parent": resources[-1]["urn"]})
    view = topology({"stack": "s", "resources": resources})
    assert len(view.urns[("pool", "a")]) == 2_001


def test_nested_components_each_stand_for_their_own_subtree() -> None:
    """3,000 pools in one parent chain, each with a resource of its own: each pool stands for itself and
    its resource only (every pool standing for the whole chain below it was quadratic: 5,000 took 690 MB)."""
    resources: list[dict[str, object]] = []
    parent = None
    for index in range(3_000):
        pool_urn = f"urn:pulumi:s::p::inferfleet:gpu_instance:GpuPool::p{index}"
        resources.append(
            {"urn": pool_urn, "type": "inferfleet:gpu_instance:GpuPool", "name": f"p{index}", "parent": parent}
        )
        resources.append({"urn": f"urn:pulumi:s::p::t::r{index}", "type": "t", "parent": pool_urn})
        parent = pool_urn
    view = topology({"stack": "s", "resources": resources})
    assert view.urns[("pool", "p0")] == {
        "urn:pulumi:s::p::inferfleet:gpu_instance:GpuPool::p0",
        "urn:pulumi:s::p::t::r0",
    }
    assert sum(len(urns) for urns in view.urns.values()) == 6_000


def test_a_parent_cycle_ends_the_walk() -> None:
    resources = [
        {"urn": "urn:pulumi:s::p::t::a", "type": "t", "parent": "urn:pulumi:s::p::t::b"},
        {"urn": "urn:pulumi:s::p::t::b", "type": "t", "parent": "urn:pulumi:s::p::t::a"},
        {
            "urn": "urn:pulumi:s::p::inferfleet:gpu_instance:GpuPool::p",
            "type": "inferfleet:gpu_instance:GpuPool",
            "name": "p",
        },
    ]
    view = topology({"stack": "s", "resources": resources})
    assert view.urns[("pool", "p")] == {"urn:pulumi:s::p::inferfleet:gpu_instance:GpuPool::p"}
