"""Tags as Kubernetes labels: keys and values forced into the shapes the API server accepts."""

from __future__ import annotations

import re
from collections.abc import Mapping

_NAME_MAX = 63
_INVALID = re.compile(r"[^A-Za-z0-9._-]+")
_EDGES = re.compile(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$")
_PREFIX = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def label_value(value: str) -> str:
    """A valid label value (63 characters of [A-Za-z0-9._-], alphanumeric at both ends; may be empty).

    `fleet-oncall@example.com` becomes `fleet-oncall_example.com`, `1.0.0+build.5` becomes `1.0.0_build.5`.
    """
    text = _INVALID.sub("_", value)[:_NAME_MAX]
    return _EDGES.sub("", text)


def label_key(key: str) -> str:
    """A valid label key: an optional DNS-subdomain prefix and a sanitised name."""
    prefix, _, name = key.rpartition("/")
    clean = label_value(name) or "tag"
    if prefix and _PREFIX.fullmatch(prefix) and len(prefix) <= 253:
        return f"{prefix}/{clean}"
    return clean


def labels_from_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Every tag as a label; tags whose keys collide after sanitising keep the first in key order."""
    labels: dict[str, str] = {}
    for key in sorted(tags):
        labels.setdefault(label_key(key), label_value(tags[key]))
    return labels
