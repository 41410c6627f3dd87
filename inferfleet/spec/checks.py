"""Checks of a structurally valid fleet that need more than one field, or data from the modules.

Each check yields `(loc, expectation)` problems; :func:`check_fleet` reports them all at once,
located in the stack file, before any resource is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from inferfleet.errors import SpecError
from inferfleet.spec.compute import COMPUTE_CHECKS
from inferfleet.spec.model import FleetSpec
from inferfleet.spec.network import network_checks
from inferfleet.spec.serving import SERVING_CHECKS

Loc = tuple[int | str, ...]
Problem = tuple[Loc, str]
Check = Callable[[FleetSpec], Iterator[Problem]]


def services_reference_pools(fleet: FleetSpec) -> Iterator[Problem]:
    known = [pool.name for pool in fleet.pools]
    for index, service in enumerate(fleet.services):
        if fleet.pool(service.pool) is None:
            yield ("services", index, "pool"), f"no pool named {service.pool!r} (pools: {', '.join(known) or 'none'})"


CHECKS: tuple[Check, ...] = (services_reference_pools, network_checks, *COMPUTE_CHECKS, *SERVING_CHECKS)


def check_fleet(fleet: FleetSpec, file: str) -> None:
    from inferfleet.spec.load import key_path

    problems = [problem for check in CHECKS for problem in check(fleet)]
    if not problems:
        return
    (loc, expectation), rest = problems[0], problems[1:]
    for other_loc, other in rest:
        expectation += f"\n  also {key_path(other_loc)}: {other}"
    raise SpecError(file, key_path(loc), expectation)
