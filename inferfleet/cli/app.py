"""The `inferfleet` command: subcommands registered here, and the one place errors become exit codes.

Exit codes: 0 ok, 1 policy denied, 2 input or usage error, 3 internal or engine error; 128 + N when
signal N (SIGINT, SIGTERM, SIGHUP) stopped the command, after it cleaned up (OPA stopped, no partial file),
and 141 (128 + SIGPIPE) when the reader of its output went away.

Adding a subcommand: write `inferfleet/cli/<name>.py` registering itself on `app` (`@app.command("<name>")`
or `app.add_typer(..., name="<name>")`), then add ONE line to :data:`COMMANDS` below. A run imports
only the module of the subcommand it runs; `--help` lists every command from the table without
importing any (tests/cli/test_app.py checks that the table's help matches each command's own).
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

import typer
from typer.core import TyperGroup

from inferfleet.errors import ExitCode, InferfleetError, UsageError, cut
from inferfleet.text import visible

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module that registers it on `app`, its one-line help, as the command's own docstring says)
    "plan": ("inferfleet.cli.plan", "Plan a stack offline and show what it would create."),
    "gate": (
        "inferfleet.cli.gate",
        "Gate a plan with the OPA policies: violations by severity, with the resource, rule and remediation.",
    ),
    "render": (
        "inferfleet.cli.render",
        "Write the stack's user-data and Kubernetes manifests (one YAML per object) for GitOps review.",
    ),
    "graph": (
        "inferfleet.cli.graph",
        "Draw region, VPC and subnets, links with bandwidth, GPU pools and services of a stack.",
    ),
    "affected": (
        "inferfleet.cli.affected",
        "List the stacks that the change from BASE to the checked-out commit affects, with the reasons.",
    ),
    "comment": ("inferfleet.cli.comment", "The pull-request review comment."),
    "diff": (
        "inferfleet.cli.diff",
        "Compare each stack's base and head plans: creates, updates, replacements, deletions and the semver bump.",
    ),
    "stack": ("inferfleet.cli.stack", "Stack versions: bump from the plan diff, release as a git tag."),
    "module": ("inferfleet.cli.module", "A module's public API and its releases."),
    "modules": ("inferfleet.cli.modules", "Module versions the stacks use, and the upgrades available."),
    "registry": ("inferfleet.cli.registry", "The embedded module registry (pypiserver on 127.0.0.1)."),
    "prices": ("inferfleet.cli.prices", "The price table: hourly prices per cloud, region and flavor."),
}
"""Every subcommand, in the order `--help` lists them."""


class LazyCommands(TyperGroup):
    """The root group: a subcommand's module is imported only when that subcommand runs.

    Importing every subcommand costs most of a second (OPA client, jsonschema, the Pulumi SDK),
    more than `inferfleet --help` or a small plan should pay.
    """

    _listing = False

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.rich_markup_mode = None  # plain help here: rich's help formatter alone costs 0.1 s

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        module, summary = COMMANDS[cmd_name]
        if self._listing:  # only the name and the summary are shown
            return typer.core.TyperCommand(cmd_name, help=summary, short_help=summary)
        if cmd_name not in self.commands:
            importlib.import_module(module)  # registers the command on `app`
            registered = typer.main.get_command(app)
            assert isinstance(registered, TyperGroup)
            self.commands[cmd_name] = registered.commands[cmd_name]
        return self.commands[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="inferfleet",
    cls=LazyCommands,
    help="Plan, gate and render GPU inference fleets. Exits: 0 ok, 1 policy denied, 2 input error, 3 engine error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback(invoke_without_command=True)
def _root(
    context: typer.Context,
    version: bool = typer.Option(False, "--version", help="Print the toolkit version and exit."),
) -> None:
    """Plan, gate and render GPU inference fleets."""
    if version:
        from importlib.metadata import version as installed

        from inferfleet.cli import console

        console.out.print(f"inferfleet {installed('inferfleet')}")
        raise typer.Exit(0)
    if context.invoked_subcommand is None:
        raise UsageError(f"missing command ({', '.join(COMMANDS)}); see --help")


INTERRUPTING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PATH_ERRNOS = frozenset({errno.ENAMETOOLONG, errno.ELOOP})
"""OS errors that only a path can cause (too long, or a loop of symbolic links): input errors wherever met."""
STOPPED_BY_SIGPIPE = 128 + signal.SIGPIPE
"""The exit code when the reader of our output closed it, as a shell reports a program SIGPIPE stopped
(Python ignores SIGPIPE and raises BrokenPipeError instead)."""


class Interrupted(BaseException):
    """A signal stopped the command. Raised in the main thread, so every `with` block on the way out
    runs: the gate's OPA process is stopped and a file being written is removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """While a command runs, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` (once: later
    signals are ignored, so the cleanup they started is not itself interrupted)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        for number in INTERRUPTING_SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        raise Interrupted(signum)

    previous = {number: signal.signal(number, interrupt) for number in INTERRUPTING_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script exits with it)."""
    try:
        with signals_interrupt():
            return _run_command(argv)
    except Interrupted as exc:
        _error(f"stopped by {exc} before the command finished")
        return 128 + exc.signum


def _run_command(argv: list[str] | None) -> int:
    try:
        result = app(args=argv, prog_name="inferfleet", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        _error("aborted")
        return int(ExitCode.INPUT_ERROR)
    except typer.TyperException as exc:
        _error(exc.format_message(), hint="run with --help for usage")
        return int(ExitCode.INPUT_ERROR)
    except InferfleetError as exc:
        _error(exc.message, hint=exc.hint)
        return int(exc.exit_code)
    except BrokenPipeError:  # the reader of our output went away (`| head`): stopped as by SIGPIPE
        return STOPPED_BY_SIGPIPE
    except OSError as exc:
        if exc.errno not in PATH_ERRNOS:
            return _internal_error(exc)
        # A path given on the command line or found in a repository that no file system can open.
        _error(f"{cut(visible(exc.filename or ''))}: {exc.strerror}; expected a path that can be opened")
        return int(ExitCode.INPUT_ERROR)
    except SystemExit as exc:
        # typer ends a command whose output pipe broke with exit 1, which is our "policy denied".
        if isinstance(exc.__context__, OSError) and exc.__context__.errno == errno.EPIPE:
            return STOPPED_BY_SIGPIPE
        raise
    except Exception as exc:  # the last line of defence: never a traceback, never exit 0
        return _internal_error(exc)
    return int(result or 0)


def _internal_error(exc: Exception) -> int:
    _error(f"internal error: {type(exc).__name__}: {exc}", hint="a bug in inferfleet; please report it")
    return int(ExitCode.ENGINE_ERROR)


def _error(message: str, *, hint: str | None = None) -> None:
    # The terminal writer (rich) loads on the first message: `--help` and quiet runs don't pay for it.
    from inferfleet.cli import console

    # A closed stderr cannot be told: the exit code still says what happened.
    with contextlib.suppress(OSError):
        console.error(message, hint=hint)


def run() -> None:
    """The console script: run, flush what was printed, and exit without tearing the heap down.

    A plan leaves millions of objects behind; a normal interpreter exit spends a garbage
    collection and a deallocation pass on memory the operating system frees anyway. Files are
    written and closed (atomically) before `main` returns, and child processes (OPA) are stopped
    by their context managers, so nothing is left to the interpreter's shutdown but stdio.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # a closed pipe (e.g. `| head`): nothing more can be said there
            code = code or STOPPED_BY_SIGPIPE
        except (OSError, ValueError):
            code = code or int(ExitCode.ENGINE_ERROR)
    os._exit(code)
