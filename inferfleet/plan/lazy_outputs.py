"""Output properties that become Pulumi Outputs only when the program reads them.

Pulumi's `transfer_properties` gives every input property of every resource an Output (four
futures and a task each) the moment the resource is constructed, and `resolve_outputs` settles
all of them when the registration answers. A program reads few of them: at 1,000 instances of
about 55 properties, building and settling the unread ones is a third of a plan's CPU.

:func:`transfer_properties` stands in for Pulumi's (same signature, same resolvers). For a
property the resource's class exposes as a Python `property` (every generated SDK class does, and
its getter reads `pulumi.get(self, name)`, that is `self.__dict__.get(name)`), the resolver records
the settlement instead of settling futures; the resource's `__dict__` becomes a
:class:`LazyOutputs` that builds the very Output Pulumi would have built, settled the same way,
on the first read of any kind: `pulumi.get`, `__dict__[name]`, `name in __dict__`, or any
enumeration (`vars(resource)`, a resource exported as a stack output). Attribute access cannot go
around it: a `property` on the class is found before the instance dict. Names without such a
property (generic `CustomResource` objects) get their Output at once, as in Pulumi.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pulumi import Output

Settlement = tuple[Any, bool, bool, "set[Any] | None", "Exception | None"]
"""What a resolver is called with: value, known, secret, dependencies, failure (Pulumi's `Resolver`)."""
Resolver = Callable[[Any, bool, bool, "set[Any] | None", "Exception | None"], None]
TransferProperties = Callable[[Any, Mapping[str, Any], bool], dict[str, Any]]


class LazyOutputs(dict[str, Any]):
    """A resource's `__dict__` in which unread output properties are settlements, not Outputs."""

    __slots__ = ("_futures", "_loop", "_resource", "_settlements")

    def __init__(self, attributes: Mapping[str, Any], resource: Any, names: list[str]) -> None:
        super().__init__(attributes)
        for name in names:
            dict.pop(self, name, None)
        self._resource = resource
        self._loop = asyncio.get_event_loop()
        self._settlements: dict[str, Settlement | None] = dict.fromkeys(names)
        """Unread properties: their settlement, or None until the registration answers."""
        self._futures: dict[str, tuple[asyncio.Future[Any], ...]] = {}
        """Properties read before their registration answered: their Output's futures."""

    def resolver(self, name: str) -> Resolver:
        """The resolver Pulumi calls for property `name` when the registration answers or fails."""

        def resolve(
            value: Any, is_known: bool, is_secret: bool, deps: set[Any] | None, failed: Exception | None
        ) -> None:
            settlement = (value, is_known, is_secret, deps, failed)
            futures = self._futures.pop(name, None)
            if futures is not None:
                self._settle(futures, settlement)
            elif name in self._settlements:
                self._settlements[name] = settlement

        return resolve

    def _read(self, name: str) -> Output[Any]:
        """Build the Output of unread property `name` as Pulumi would have, store it under its name, return it."""
        futures = tuple(self._loop.create_future() for _ in range(4))
        value, is_known, is_secret, deps = futures
        output: Output[Any] = Output(deps, value, is_known, is_secret)
        dict.__setitem__(self, name, output)
        settlement = self._settlements.pop(name)
        if settlement is None:
            self._futures[name] = futures
        else:
            self._settle(futures, settlement)
        return output

    def _settle(self, futures: tuple[asyncio.Future[Any], ...], settlement: Settlement) -> None:
        """What Pulumi's resolver does: the dependencies and the resource itself, then the value or the failure."""
        value_future, known_future, secret_future, deps_future = futures
        value, is_known, is_secret, deps, failed = settlement
        deps_future.set_result({*(deps or ()), self._resource})
        if failed is not None:
            for future in (value_future, known_future, secret_future):
                future.set_exception(failed)
        else:
            value_future.set_result(value)
            known_future.set_result(is_known)
            secret_future.set_result(is_secret)

    def _read_all(self) -> None:
        for name in list(self._settlements):
            self._read(name)

    # Reads of one name build that name's Output.
    def get(self, key: str, default: Any = None) -> Any:
        return self._read(key) if key in self._settlements else dict.get(self, key, default)

    def __missing__(self, key: str) -> Any:
        if key in self._settlements:
            return self._read(key)
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return key in self._settlements or dict.__contains__(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        self._settlements.pop(key, None)  # written over before it was read: as in Pulumi, the write wins
        dict.__setitem__(self, key, value)

    # Everything else sees the whole dict: all Outputs are built first.
    def __iter__(self) -> Iterator[str]:
        self._read_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._read_all()
        return dict.__len__(self)

    def __eq__(self, other: object) -> bool:
        self._read_all()
        return dict.__eq__(self, other)

    __hash__ = None  # unhashable, as a dict

    def __repr__(self) -> str:
        self._read_all()
        return dict.__repr__(self)

    def keys(self) -> Any:
        self._read_all()
        return dict.keys(self)

    def values(self) -> Any:
        self._read_all()
        return dict.values(self)

    def items(self) -> Any:
        self._read_all()
        return dict.items(self)

    def copy(self) -> dict[str, Any]:
        self._read_all()
        return dict.copy(self)

    def pop(self, key: str, *default: Any) -> Any:
        self._read_all()
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[str, Any]:
        self._read_all()
        return dict.popitem(self)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._read_all()
        return dict.setdefault(self, key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._read_all()
        dict.update(self, *args, **kwargs)

    def __delitem__(self, key: str) -> None:
        self._read_all()
        dict.__delitem__(self, key)

    def clear(self) -> None:
        self._read_all()
        dict.clear(self)


def transfer_properties(
    res: Any, props: Mapping[str, Any], custom: bool, *, stock: TransferProperties
) -> dict[str, Any]:
    """Pulumi's `rpc.transfer_properties` (`stock`), with the Outputs of `property`-backed names built on first read."""
    names = [name for name in props if not (name == "urn" or (name == "id" and custom))]
    cls = type(res)
    lazy = [name for name in names if isinstance(getattr(cls, name, None), property)]
    if not lazy:
        return stock(res, props, custom)
    outputs = LazyOutputs(res.__dict__, res, lazy)
    res.__dict__ = outputs
    lazy_names = set(lazy)
    eager = {name: props[name] for name in names if name not in lazy_names}
    resolvers = stock(res, eager, custom) if eager else {}
    resolvers.update((name, outputs.resolver(name)) for name in lazy)
    return resolvers
