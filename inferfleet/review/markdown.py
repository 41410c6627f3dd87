"""The one Markdown writer: every value from a plan, a stack file or a policy goes through here.

GitHub and GitLab render comments as GitHub-flavoured Markdown with a subset of HTML, so a value
could otherwise open a link, an image, a table cell, a code fence or a `<details>` of its own.
`text` makes a value inert: HTML-special characters become entities, Markdown punctuation is
backslash-escaped, line breaks and control characters become visible escapes. `code` shows a
value the same way inside an HTML `<code>` element. Structure (tables, `<details>`, fences) is
only ever built by the functions below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from inferfleet.text import visible

_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def text(value: object) -> str:
    """Inert Markdown text for a value: no markup, no HTML, no line break, no @mention or #reference."""
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", visible(value).translate(_HTML))
    # A zero-width space after @ and # keeps the value readable but pings nobody and links no issue.
    return escaped.replace("@", "@&#8203;").replace("\\#", "\\#&#8203;")


def code(value: object, *, limit: int = 120) -> str:
    """A value shown as inline code, cut to `limit` characters with an ellipsis.

    GitHub parses Markdown inside an HTML `<code>` element, so its content is escaped like `text`.
    """
    shown = str(value)
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return f"<code>{text(shown)}</code>"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GFM table; cells must already be written by `text`/`code` (or be fixed text of ours)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def details(summary: str, body: str, *, open_: bool = False) -> str:
    """A collapsible section; `summary` is Markdown-free HTML-safe text (use `text`)."""
    opening = "<details open>" if open_ else "<details>"
    return f"{opening}<summary>{summary}</summary>\n\n{body.rstrip()}\n\n</details>\n"


def fence(content: str, language: str) -> str:
    """A fenced code block whose fence is longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    marks = "`" * max(3, longest + 1)
    return f"{marks}{language}\n{content.rstrip()}\n{marks}\n"
