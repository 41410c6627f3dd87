"""The root command: every subcommand listed from one table, and only the one that runs is imported."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
import typer
from stackfiles import REPO, STACKS

from inferfleet.cli.app import COMMANDS, app, main

SUBCOMMAND_MODULES = sorted(
    f"inferfleet.cli.{path.stem}"
    for path in (REPO / "inferfleet" / "cli").glob("*.py")
    if path.stem not in {"__init__", "app", "console"}
)


def _imported_after(*argv: str) -> tuple[set[str], str]:
    """Which subcommand modules (and toolkit stages) a fresh interpreter imported to run the CLI, and its stdout."""
    script = (
        "import sys\n"
        "from inferfleet.cli.app import main\n"
        f"code = main({list(argv)!r})\n"
        "print(' '.join(name for name in sys.modules if name.startswith('inferfleet')))\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120, check=True
    )
    imported = set(done.stdout.splitlines()[-1].split())
    return imported & {*SUBCOMMAND_MODULES, "inferfleet.gate", "inferfleet.plan"}, done.stdout


def test_every_subcommand_module_has_a_line_in_the_table() -> None:
    assert sorted(module for module, _ in COMMANDS.values()) == SUBCOMMAND_MODULES


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_table_summary_is_the_command_s_own_help(name: str) -> None:
    module, summary = COMMANDS[name]
    importlib.import_module(module)
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    command = group.commands[name]
    own = (command.short_help or command.help or "").strip().splitlines()[0]
    assert own == summary


def test_help_lists_every_command_without_importing_any() -> None:
    imported, output = _imported_after("--help")
    assert imported == set()
    for name, (_, summary) in COMMANDS.items():
        assert f"  {name} " in output
        assert summary.split()[0] in output


def test_a_plan_imports_the_plan_command_only() -> None:
    imported, _ = _imported_after("plan", "-s", "staging-cn-south", "--stacks-dir", str(STACKS), "--json")
    assert imported == {"inferfleet.cli.plan", "inferfleet.plan"}


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plna"]) == 2
    assert "plna" in capsys.readouterr().err


def test_a_subcommand_s_help_still_describes_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gate", "--help"]) == 0
    assert "--opa-url" in capsys.readouterr().out
