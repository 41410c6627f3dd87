"""Run a Pulumi program in-process under Pulumi's mock runtime and capture what it registers.

The program is the real one (the same function `__main__.py` runs under the engine); only
the resource monitor is replaced, by :class:`PlanMonitor`, which records each RegisterResource
/ ReadResource request verbatim and answers the way a preview does: inputs come back as
outputs, ids and computed properties stay unknown.

The run is tuned for speed (:class:`Tuning`): the plan is the same byte for byte as under Pulumi's
stock runtime (tests/plan/test_runtime_tuning.py proves it for every reference stack), but three
of the tunings replace functions inside Pulumi's runtime, so a run refuses a Pulumi version the
replacements were not written against (:data:`PATCHED_PULUMI_VERSIONS`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from google.protobuf import empty_pb2, struct_pb2

from inferfleet.errors import EngineError, InferfleetError
from inferfleet.plan import lazy_outputs
from inferfleet.plan.collector import collector_paused

ORGANIZATION = "organization"
"""The organization the mock runtime reports; StackReferences name `<org>/<project>/<stack>`."""

StackOutputsResolver = Callable[[str], Mapping[str, Any]]

PATCHED_PULUMI_VERSIONS = ("3.272.0",)
"""The Pulumi SDK versions whose runtime the replacements below were read against: `_drain` stands
in for `pulumi.runtime.stack.wait_for_rpcs` and reads `SETTINGS.outputs` and the RPC manager;
`_no_stack_trace` stands in for `pulumi.runtime.resource._get_stack_trace`;
`lazy_outputs.transfer_properties` wraps `pulumi.runtime.rpc.transfer_properties` and builds the Outputs
its resolvers settle (`Output(deps, value, known, secret)`, `rpc.Resolver`). Add a version only
after reading its runtime and running tests/plan/test_runtime_tuning.py against it."""


@dataclass(frozen=True)
class Tuning:
    """How the mock runtime runs a program. No setting changes the plan, only its cost."""

    drain_outputs: bool = True
    """Settle pending outputs batch by batch (`_drain`) instead of Pulumi's quadratic `wait_for_rpcs`."""
    skip_stack_traces: bool = True
    """Don't capture a stack trace per resource: Pulumi reads every frame's source line for a source
    position that only the engine's diagnostics use, and a plan never holds."""
    lazy_outputs: bool = True
    """Build a resource's output property as an Output only when the program reads it
    (:mod:`inferfleet.plan.lazy_outputs`), not four futures and a task for each of its properties."""
    pause_collector: bool = True
    """Freeze the heap the imports built and run no cyclic collection while the program runs
    (:func:`collector_paused`)."""

    @property
    def patches_pulumi(self) -> bool:
        return self.drain_outputs or self.skip_stack_traces or self.lazy_outputs


TUNED = Tuning()
STOCK = Tuning(drain_outputs=False, skip_stack_traces=False, lazy_outputs=False, pause_collector=False)
"""Pulumi's mock runtime as shipped: the reference the tuned runtime is compared with."""
TUNING: contextvars.ContextVar[Tuning] = contextvars.ContextVar("inferfleet_plan_tuning", default=TUNED)
"""The tuning `run_program` uses; tests and benchmarks set STOCK to compare."""


@dataclass
class Registration:
    """One captured request: the URN the monitor gave it and the raw protobuf request."""

    urn: str
    request: Any
    read: bool = False
    read_outputs: Mapping[str, Any] | None = None


@dataclass
class Capture:
    """Everything a program run registered."""

    registrations: list[Registration] = field(default_factory=list)
    outputs: dict[str, struct_pb2.Struct] = field(default_factory=dict)
    stack_urn: str = ""
    deprecations: list[dict[str, str]] = field(default_factory=list)
    """What the modules' deprecation warnings said (module, field, removed_in, use), in order."""


class PlanMonitor:
    """A resource monitor that records requests and answers like a preview, without any cloud."""

    def __init__(self, project: str, stack: str, resolve_stack_outputs: StackOutputsResolver) -> None:
        self.project = project
        self.stack = stack
        self.capture = Capture()
        self._resolve_stack_outputs = resolve_stack_outputs
        self._lock = threading.Lock()
        self._urns: set[str] = set()

    def _claim(self, urn: str) -> None:
        """Refuse a URN registered before, as the Pulumi engine does ("Duplicate resource URN").

        The stack spec refuses repeated names in every list whose names become resource names, so a
        duplicate here is a program bug (exit 3), never a plan with two resources under one URN.
        """
        if urn in self._urns:
            raise EngineError(
                f"the program registered the resource {urn} twice; the Pulumi engine refuses a duplicate URN "
                "(two resources of one type and parent got the same name)"
            )
        self._urns.add(urn)

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        if parent:
            type_ = parent.split("::")[2].rsplit("$", maxsplit=1)[-1] + "$" + type_
        return f"urn:pulumi:{self.stack}::{self.project}::{type_}::{name}"

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        from pulumi.runtime.proto import resource_pb2

        urn = self.make_urn(request.parent, request.type, request.name)
        with self._lock:
            self._claim(urn)
            self.capture.registrations.append(Registration(urn=urn, request=request))
            if request.type == "pulumi:pulumi:Stack":
                self.capture.stack_urn = urn
        # An empty id during a dry run is an unknown id; echoing the inputs as outputs is
        # what a provider's preview does for every property the user set.
        return resource_pb2.RegisterResourceResponse(urn=urn, id="", object=request.object)

    def ReadResource(self, request: Any) -> Any:  # noqa: N802
        from pulumi.runtime import rpc
        from pulumi.runtime.proto import resource_pb2
        from pulumi.runtime.sync_await import _sync_await

        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type != "pulumi:pulumi:StackReference":
            raise EngineError(f"{request.type} {request.name!r}: reading existing resources is not supported offline")
        sibling = str(request.id).rsplit("/", 1)[-1]
        outputs = dict(self._resolve_stack_outputs(sibling))
        state = {"name": request.id, "outputs": outputs, "secretOutputNames": []}
        with self._lock:
            self._claim(urn)
            self.capture.registrations.append(Registration(urn=urn, request=request, read=True, read_outputs=outputs))
        return resource_pb2.ReadResourceResponse(urn=urn, properties=_sync_await(rpc.serialize_properties(state, {})))

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802
        with self._lock:
            self.capture.outputs[request.urn] = request.outputs
        return empty_pb2.Empty()

    def Invoke(self, request: Any) -> Any:  # noqa: N802
        raise EngineError(
            f"the program called the data source {request.tok}, which cannot be answered offline; "
            "pass the value in through the stack spec instead"
        )

    def SupportsFeature(self, request: Any) -> Any:  # noqa: N802
        # Output values stay off so the SDK serialises plain values, as it does for the engine's
        # preview of a program that never awaits unknowns.
        return type("SupportsFeatureResponse", (), {"hasSupport": request.id != "outputValues"})

    def GetDeploymentInfo(self, request: Any) -> Any:  # noqa: N802
        from pulumi.runtime.mocks import MockMonitor

        return MockMonitor.GetDeploymentInfo(self, request)  # type: ignore[arg-type,no-untyped-call]

    def RegisterPackage(self, request: Any) -> Any:  # noqa: N802
        from pulumi.runtime.proto import resource_pb2

        return resource_pb2.RegisterPackageResponse(ref=f"{request.name}@{request.version}")

    def RegisterStackTransform(self, request: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()

    def RegisterStackInvokeTransform(self, request: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()

    def RegisterResourceHook(self, request: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()

    def RegisterErrorHook(self, request: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()

    def SignalAndWaitForShutdown(self, request: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()


def run_program(
    program: Callable[[], None],
    *,
    project: str,
    stack: str,
    config: Mapping[str, Any],
    resolve_stack_outputs: StackOutputsResolver,
) -> Capture:
    """Run `program` as the engine would in a preview, in a fresh context, and return what it registered.

    `config` is the stack file's config map; structured values are handed to the program as
    JSON, exactly as the Pulumi CLI does. The run is tuned as :data:`TUNING` says.
    """
    tuning = TUNING.get()
    if tuning.patches_pulumi:
        check_pulumi_version()
    context = contextvars.Context()
    with (
        collector_paused() if tuning.pause_collector else contextlib.nullcontext(),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always", FutureWarning)
        capture = context.run(_run, program, project, stack, config, resolve_stack_outputs, tuning=tuning)
    for warning in caught:
        details = getattr(warning.message, "details", None)
        if isinstance(details, dict) and {"module", "field", "removed_in", "use"} <= details.keys():
            capture.deprecations.append({key: str(details[key]) for key in ("module", "field", "removed_in", "use")})
        else:  # not a module's deprecation: shown as it would have been
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    return capture


def check_pulumi_version() -> None:
    """Refuse to patch a Pulumi runtime other than the ones the patches were written for."""
    try:
        installed = metadata.version("pulumi")
    except metadata.PackageNotFoundError:
        installed = "none"
    if installed not in PATCHED_PULUMI_VERSIONS:
        raise EngineError(
            f"the installed Pulumi SDK is {installed}, but inferfleet's plan runtime replaces parts of Pulumi's "
            f"runtime written for {', '.join(PATCHED_PULUMI_VERSIONS)} only",
            hint=f"install pulumi=={PATCHED_PULUMI_VERSIONS[-1]} (the version pyproject.toml pins)",
        )


def _run(
    program: Callable[[], None],
    project: str,
    stack: str,
    config: Mapping[str, Any],
    resolve_stack_outputs: StackOutputsResolver,
    *,
    tuning: Tuning,
) -> Capture:
    from pulumi.runtime import config as pulumi_config
    from pulumi.runtime import mocks, rpc, settings
    from pulumi.runtime import resource as pulumi_resource
    from pulumi.runtime import stack as pulumi_stack

    monitor = PlanMonitor(project, stack, resolve_stack_outputs)
    features = set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures)
    settings.configure(
        mocks.MockSettings(  # type: ignore[no-untyped-call]
            monitor=monitor,
            monitor_features=features,
            engine=mocks.MockEngine(None),
            project=project,
            stack=stack,
            dry_run=True,
            organization=ORGANIZATION,
            callbacks=None,
            # Fresh per run: the runtime's defaults are shared objects, and a failed earlier run
            # would otherwise leave its pending outputs (bound to a closed loop) behind.
            outputs=set(),
            lock=threading.Lock(),
        )
    )
    settings.ROOT.set(None)
    pulumi_config.set_all_config({key: _config_value(value) for key, value in config.items()})
    loop = asyncio.new_event_loop()
    stock_wait = pulumi_stack.wait_for_rpcs
    stock_stack_trace = pulumi_resource._get_stack_trace
    stock_transfer = rpc.transfer_properties
    try:
        asyncio.set_event_loop(loop)
        if tuning.drain_outputs:
            pulumi_stack.wait_for_rpcs = _drain
        if tuning.skip_stack_traces:
            pulumi_resource._get_stack_trace = _no_stack_trace
        if tuning.lazy_outputs:
            rpc.transfer_properties = functools.partial(lazy_outputs.transfer_properties, stock=stock_transfer)
        loop.run_until_complete(pulumi_stack.run_in_stack(program))
    except InferfleetError:
        raise
    except Exception as exc:
        cause = _inferfleet_cause(exc)
        if cause is not None:
            raise cause from None
        raise EngineError(f"the Pulumi program failed under the mock runtime: {type(exc).__name__}: {exc}") from exc
    finally:
        pulumi_stack.wait_for_rpcs = stock_wait
        pulumi_resource._get_stack_trace = stock_stack_trace
        rpc.transfer_properties = stock_transfer
        asyncio.set_event_loop(None)
        loop.close()
    return monitor.capture


async def _drain(await_all_outstanding_tasks: bool = True) -> None:
    """Wait until the program's RPCs and outputs have all settled.

    Pulumi's own `wait_for_rpcs` waits for pending outputs with FIRST_COMPLETED over and over,
    re-registering a callback on every pending output each time: quadratic in the resource
    count (a 1,000-resource plan spent two thirds of its time there). Waiting for each batch of
    pending outputs as a whole settles the same set, in linear time, with the first failure
    raised as before.
    """
    from pulumi.runtime.settings import SETTINGS, _get_rpc_manager

    rpc_manager = _get_rpc_manager()
    while True:
        while rpc_manager.rpcs:
            await asyncio.sleep(0)
            await rpc_manager.rpcs.pop()
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
        while await_all_outstanding_tasks:
            with SETTINGS.lock:
                pending = list(SETTINGS.outputs)
                SETTINGS.outputs.clear()
            if not pending:
                break
            await asyncio.gather(*pending)
        if not rpc_manager.rpcs:
            return


def _no_stack_trace() -> Any:
    """An empty stack trace, which Pulumi sends when it finds no user frame (no source position)."""
    from pulumi.runtime.proto import source_pb2

    return source_pb2.StackTrace()


def _config_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _inferfleet_cause(exc: BaseException) -> InferfleetError | None:
    """Pulumi wraps errors raised inside applies; find ours so the user sees its own message."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, InferfleetError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
