"""The garbage-collector policy of short runs over large trees (a plan being built, read or gated)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block.

    Planning, reading and gating a plan allocate millions of long-lived objects and few reference
    cycles (a parsed plan is a tree), so CPython's collector would spend up to half the time
    re-scanning a heap that is nearly all alive. The heap built so far (imported modules, SDK
    classes) is frozen (`gc.freeze`): no later collection scans it again. The collector's state is
    restored on the way out, so an in-process caller (tests, `plan --all`) collects as before.
    """
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
