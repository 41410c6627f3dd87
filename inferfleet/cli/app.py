"""The `inferfleet` command: subcommands registered here, and the one place errors become exit codes.

Exit codes: 0 ok, 1 policy denied, 2 input or usage error, 3 internal or engine error.
"""

from __future__ import annotations

import sys

import typer

from inferfleet.cli import console
from inferfleet.errors import ExitCode, InferfleetError, UsageError

app = typer.Typer(
    name="inferfleet",
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

        console.out.print(f"inferfleet {installed('inferfleet')}")
        raise typer.Exit(0)
    if context.invoked_subcommand is None:
        raise UsageError("missing command (plan, gate, render); see --help")


def _register_commands() -> None:
    # Each subcommand lives in its own module and registers itself on `app`.
    from inferfleet.cli import affected, gate, graph, plan, render  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script exits with it)."""
    _register_commands()
    try:
        result = app(args=argv, prog_name="inferfleet", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        console.error("aborted")
        return int(ExitCode.INPUT_ERROR)
    except typer.TyperException as exc:
        console.error(exc.format_message(), hint="run with --help for usage")
        return int(ExitCode.INPUT_ERROR)
    except InferfleetError as exc:
        console.error(exc.message, hint=exc.hint)
        return int(exc.exit_code)
    except Exception as exc:  # the last line of defence: never a traceback, never exit 0
        console.error(f"internal error: {type(exc).__name__}: {exc}", hint="a bug in inferfleet; please report it")
        return int(ExitCode.ENGINE_ERROR)
    return int(result or 0)


def run() -> None:
    sys.exit(main())
