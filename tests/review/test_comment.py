"""The review comment: structure, inert values, grouping, and a packer that always fits the platform."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from inferfleet.diff.model import Change, Op, StackDiff
from inferfleet.review.comment import (
    CostRow,
    Review,
    StackCost,
    StackReview,
    Violation,
    groups,
    pack,
    render,
)
from inferfleet.review.sticky import GITHUB_LIMIT, GITLAB_LIMIT, read_marker

HEAD = "0123456789abcdef0123456789abcdef01234567"


def change(name: str, op: Op, *, stack: str = "prod-cn-south", properties: int = 1, **flags: Any) -> Change:
    return {
        "urn": f"urn:pulumi:{stack}::inference-fleet::huaweicloud:Cce/nodePool:NodePool::{name}",
        "type": "huaweicloud:Cce/nodePool:NodePool",
        "name": name,
        "module": "inferfleet-gpu-instance",
        "op": op,
        "properties": [
            {"path": f"tags.k{index}", "before": f"old-{index}", "after": f"new-{index}"} for index in range(properties)
        ],
        "replace_reasons": [{"property": "flavorId", "source": "provider"}] if op == "replace" else [],
        "delete_before_replace": False,
        "flags": {
            "stateful": flags.get("stateful"),
            "protected": flags.get("protected", False),
            "capacity_lost": flags.get("capacity_lost"),
        },
    }


def stack_diff(stack: str, changes: list[Change], *, passed: bool = True) -> StackDiff:
    counts = {op: sum(1 for c in changes if c["op"] == op) for op in ("create", "update", "replace", "delete")}
    implied = "major" if counts["replace"] or counts["delete"] else "minor" if counts["create"] else "patch"
    return {
        "stack": stack,
        "base": {"source": "git", "ref": "main", "stack_version": "1.0.0"},
        "head": {"source": "working-tree", "ref": None, "stack_version": "1.0.0"},
        "counts": {**counts, "unchanged": 10},  # type: ignore[typeddict-item]
        "changes": changes,
        "implied_bump": implied,  # type: ignore[typeddict-item]
        "version": {
            "base": "1.0.0",
            "head": "1.0.0",
            "declared_bump": "none",
            "implied_bump": implied,  # type: ignore[typeddict-item]
            "sufficient": False,
        },
        "accelerators_lost": 16 if counts["replace"] else 0,
        "notes": [],
        "verdict": {"passed": passed, "mandatory": [] if passed else ["IF-NET-001"], "advisory": []},
    }


def structure(text: str) -> dict[str, int]:
    """Parse the comment as Markdown and count what matters: balanced details, closed fences, tables."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    html = "".join(token.content for token in tokens if token.type in {"html_block", "html_inline"})
    inline_html = "".join(
        child.content for token in tokens if token.children for child in token.children if child.type == "html_inline"
    )
    everything = html + inline_html
    fences = [token for token in tokens if token.type == "fence"]
    for fence in fences:
        assert fence.markup.startswith("```")
    return {
        "details_open": len(re.findall(r"<details(?: open)?>", everything)),
        "details_close": everything.count("</details>"),
        "fences": len(fences),
        "tables": sum(1 for token in tokens if token.type == "table_open"),
    }


def test_a_small_review_has_the_marker_summary_and_one_section_per_stack() -> None:
    review = Review(
        head=HEAD,
        stacks=(
            StackReview(
                diff=stack_diff("prod-cn-south", [change("ascend-nodes", "replace", stateful="node pool")]),
                violations=(
                    Violation("IF-NET-001", "mandatory", "urn:x::sg-rule", "SSH open to the world", "close it"),
                ),
                cost=StackCost(
                    delta="+¥21.00/h", rows=(CostRow("ascend pool", "¥100.00/h", "¥121.00/h", "+¥21.00/h"),)
                ),
                mermaid='flowchart LR\n  pool_0["GPU pool ascend"]\n',
            ),
            StackReview(diff=stack_diff("prod-us-west", [change("a10g", "update")])),
        ),
    )
    text = render(review)
    found = read_marker(text)
    assert found is not None
    assert found.head == HEAD
    assert found.stacks == ("prod-cn-south", "prod-us-west")
    shape = structure(text)
    assert shape["details_open"] == shape["details_close"] == 2
    assert shape["fences"] == 1
    assert text.index("Replacements and deletions") < text.index("Property changes") < text.index("Policy violations")
    assert text.index("Policy violations") < text.index("Cost per hour") < text.index("Topology")
    assert "forced by <code>flavorId</code>" in text
    assert "**stateful: node pool**" in text
    assert "16 accelerators are out of service" in text
    assert "❌ **fail**" not in text.split("<details")[0]  # both gates pass in the summary
    assert "close it" in text


def test_stacks_with_the_same_change_share_a_section() -> None:
    reviews = tuple(
        StackReview(diff=stack_diff(stack, [change(f"{stack}-vpc", "update", stack=stack)]))
        for stack in ("prod-cn-east", "prod-cn-beijing", "prod-us-west")
    )
    assert [[item.diff["stack"] for item in group] for group in groups(reviews)] == [
        ["prod-cn-east", "prod-cn-beijing", "prod-us-west"]
    ]
    text = render(Review(head=HEAD, stacks=reviews))
    assert structure(text)["details_open"] == 1
    assert "the same change in 3 stacks" in text
    assert text.count("| prod\\-") == 3  # still one summary row per stack


HOSTILE = "x</summary></details>```\n<script>|a|b|[l](javascript:1)@team #1"


def test_values_never_become_markup() -> None:
    diff = stack_diff("prod-cn-south", [change(HOSTILE, "replace"), change(HOSTILE, "update")])
    violation = Violation(HOSTILE, "mandatory", f"urn::{HOSTILE}", HOSTILE, HOSTILE)
    review = Review(head=HEAD, stacks=(StackReview(diff=diff, violations=(violation,), cost=StackCost(HOSTILE)),))
    text = render(review)
    shape = structure(text)
    assert shape["details_open"] == shape["details_close"] == 1
    assert shape["fences"] == 0
    assert "<script>" not in text
    assert "](javascript" not in text
    assert "@team" not in text  # nobody is pinged
    for line in text.splitlines():
        if line.startswith("| ") and "property" not in line:
            assert len(re.findall(r"(?<!\\)\|", line)) in {9, 5}  # summary rows 8 cells, change rows 4 cells


@pytest.mark.parametrize(("limit", "platform"), [(GITHUB_LIMIT, "GitHub"), (GITLAB_LIMIT, "GitLab")])
def test_the_packer_fits_20000_changes_and_keeps_every_replacement(limit: int, platform: str) -> None:
    changes = [change(f"node-{index:05d}", "update", properties=3) for index in range(19_850)]
    replaced = [change(f"pool-{index:03d}", "replace", stateful="node pool") for index in range(150)]
    diff = stack_diff("prod-cn-south", replaced + changes, passed=False)
    violations = tuple(
        Violation("IF-WL-007", "mandatory", f"urn::node-{i}", "runs as root", "set runAsNonRoot") for i in range(5)
    )
    review = Review(
        head=HEAD,
        stacks=(
            StackReview(
                diff=diff, violations=violations, cost=StackCost("+$3.00/h", (CostRow("pool", "$1", "$4", "+$3"),))
            ),
            StackReview(diff=stack_diff("prod-us-west", [change("a", "update")])),
        ),
    )
    text = pack(review, limit)
    assert len(text) <= limit
    shape = structure(text)
    assert shape["details_open"] == shape["details_close"] == 2
    assert "| prod\\-cn\\-south |" in text  # the summary
    assert "| prod\\-us\\-west |" in text
    html = MarkdownIt("commonmark").enable("table").render(text)
    for item in replaced:
        assert f"<code>{item['name']}</code>" in html  # every replacement
    assert html.count("IF-WL-007") == 5  # every policy failure
    assert "<td>pool</td>\n<td>$1</td>\n<td>$4</td>\n<td>+$3</td>" in html  # the cost table
    if limit == GITHUB_LIMIT:
        assert "Shortened to fit the comment limit" in text
        assert "property-level changes shown as counts" in text
        assert "artifact" in text
    else:  # GitLab takes it all: the rows beyond the per-stack cap are counted, not dropped silently
        assert "Shortened" not in text
        assert "more property changes (in the full diff)" in text


def test_a_short_review_is_not_shortened() -> None:
    review = Review(head=HEAD, stacks=(StackReview(diff=stack_diff("prod-cn-south", [change("a", "update")])),))
    assert pack(review, GITHUB_LIMIT) == render(review)
    assert "Shortened" not in render(review)


def test_when_replacements_alone_do_not_fit_the_rest_is_counted() -> None:
    replaced = [change(f"pool-{index:05d}", "replace", stateful="node pool") for index in range(3000)]
    text = pack(Review(head=HEAD, stacks=(StackReview(diff=stack_diff("prod-cn-south", replaced)),)), GITHUB_LIMIT)
    assert len(text) <= GITHUB_LIMIT
    assert re.search(r"… and \d+ more replacements and deletions", text)
    shape = structure(text)
    assert shape["details_open"] == shape["details_close"] == 1


def test_no_affected_stack_is_said() -> None:
    assert "No stack is affected" in render(Review(head=HEAD, stacks=()))


def test_diff_markdown_writes_the_comment_and_refuses_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from stackfiles import STACKS

    from inferfleet.cli.app import main
    from inferfleet.plan import Planner, dumps

    plan_file = tmp_path / "plan.json"
    plan_file.write_text(dumps(Planner(STACKS).plan("staging-cn-south")))
    common = ["diff", "--base-plan", str(plan_file), "--head-plan", str(plan_file), "--no-gate"]
    assert main([*common, "--markdown", str(tmp_path / "comment.md")]) == 0
    text = (tmp_path / "comment.md").read_text()
    assert read_marker(text) is not None
    assert "| staging\\-cn\\-south | 0 | 0 | 0 | 0 |" in text
    capsys.readouterr()
    assert main([*common, "--markdown", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
