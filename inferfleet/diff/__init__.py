"""Plan diffs: base <-> head per stack, property by property, with replacements, loud flags and the semver bump."""

from inferfleet.diff.compare import declared_bump, diff_plans, implied_bump, parse_semver
from inferfleet.diff.model import DIFF_FORMAT, Change, DiffDocument, StackDiff

__all__ = [
    "DIFF_FORMAT",
    "Change",
    "DiffDocument",
    "StackDiff",
    "declared_bump",
    "diff_plans",
    "implied_bump",
    "parse_semver",
]
