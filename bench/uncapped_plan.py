"""`inferfleet plan` for synthetic stacks beyond the stack spec's caps on standalone nodes.

The stack spec refuses a standalone pool of more than 64 nodes and more than 256 standalone nodes
in a stack (a fleet that large belongs in a scaling group). The benchmarks need stacks of up to
10,000 one-resource nodes, so this runs the `inferfleet` console script with those caps (every
`MAX_STANDALONE_*` of the inferfleet.spec modules) raised, and nothing else changed: the same
imports, validation, composition, runtime, plan document and exit.

Usage: python bench/uncapped_plan.py plan -s NAME --stacks-dir DIR --out FILE
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import inferfleet.spec

for found in pkgutil.iter_modules(inferfleet.spec.__path__, "inferfleet.spec."):
    module = importlib.import_module(found.name)
    for attribute in dir(module):
        if attribute.startswith("MAX_STANDALONE"):
            setattr(module, attribute, sys.maxsize)

from inferfleet.cli.app import run  # noqa: E402 (after the caps are raised)

run()
