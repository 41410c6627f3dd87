"""Untrusted text made visible: the one rule every writer (terminal, Markdown, pictures) starts from."""

from __future__ import annotations


def visible(value: object) -> str:
    """`value` with every unprintable character (C0/C1 controls, ESC, DEL, line and paragraph
    separators, bidirectional overrides, zero-width and other format characters, lone surrogates)
    written as a Python escape (`\\x1b`, `\\u2028`): one value stays one visible line."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
