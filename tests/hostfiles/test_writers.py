"""Each host-file writer, fed arbitrary text, writes a file that reads back as exactly what was meant.

The readers (tests/hostfile_syntax.py) follow the consumers' rules: systemd's unit and
EnvironmentFile parsers, bash and dash, YAML. A writer may refuse a value it cannot represent
(ValueError); it never writes one that reads back as something else.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hostfile_syntax import (
    HOSTILE,
    FormatError,
    check_shell,
    parse_environment_file,
    parse_unit,
    script_values,
    split_command,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inferfleet_hostfiles import (
    Command,
    cloud_config,
    environment_file,
    plain_value,
    shell_script,
    unit_file,
)

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(HOSTILE)
"""Any Unicode text (surrogates cannot be encoded at all) and the hostile examples."""
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(arguments=st.lists(TEXT, max_size=4), description=TEXT)
def test_a_unit_has_exactly_its_sections_keys_and_arguments(arguments: list[str], description: str) -> None:
    command = Command(("/usr/bin/docker", "run", *arguments))
    try:
        text = unit_file(
            {
                "Unit": [("Description", description)],
                "Service": [("ExecStart", command), ("Restart", "always")],
                "Install": [("WantedBy", "multi-user.target")],
            }
        )
    except ValueError:
        # Only a plain value with a control character, a line separator, edge whitespace or a
        # trailing backslash, or a NUL in an argument, may be refused.
        assert "\0" in "".join(arguments) or _plain_refused(description)
        return
    unit = parse_unit(text)
    assert unit.keys() == [
        ("Unit", "Description"),
        ("Service", "ExecStart"),
        ("Service", "Restart"),
        ("Install", "WantedBy"),
    ]
    (description_line,) = unit.values("Unit", "Description")
    assert description_line.replace("%%", "%") == description
    (exec_line,) = unit.values("Service", "ExecStart")
    assert split_command(exec_line) == ("", ["/usr/bin/docker", "run", *arguments])


def _plain_refused(value: str) -> bool:
    try:
        plain_value(value)
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("value", HOSTILE)
def test_a_plain_unit_value_never_holds_a_line_break(value: str) -> None:
    try:
        written = plain_value(value)
    except ValueError:
        return
    assert "\n" not in written
    assert "\r" not in written
    assert parse_unit(f"[Unit]\nDescription={written}\n").values("Unit", "Description") == [written]


def test_a_command_keeps_its_prefix_and_refuses_a_relative_program() -> None:
    unit = parse_unit(unit_file({"Service": [("ExecStartPre", Command(("/bin/rm", "x y"), prefix="-"))]}))
    assert [split_command(line) for line in unit.values("Service", "ExecStartPre")] == [("-", ["/bin/rm", "x y"])]
    with pytest.raises(ValueError, match="absolute program path"):
        unit_file({"Service": [("ExecStart", Command(("sh", "-c", "x")))]})
    with pytest.raises(ValueError, match="not a unit setting name"):
        unit_file({"Service": [("Exec\nStart", "x")]})


@SLOW
@given(variables=st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True), TEXT, max_size=5))
def test_an_env_file_has_exactly_its_names_and_values(variables: dict[str, str]) -> None:
    try:
        text = environment_file(variables)
    except ValueError:
        assert any("\0" in value for value in variables.values())
        return
    assert parse_environment_file(text) == variables


def test_an_env_file_refuses_a_name_that_is_not_a_variable() -> None:
    with pytest.raises(ValueError, match="not an environment-variable name"):
        environment_file({"FOO\nMODEL_PATH": "x"})


HEADER = "#!/bin/sh\n# fixed\nset -u\n"
BODY = 'echo "$first" "$second"\n'


@SLOW
@given(first=TEXT, second=TEXT)
def test_a_script_parses_and_holds_each_value_only_quoted(first: str, second: str) -> None:
    try:
        text = shell_script(HEADER, {"first": first, "second": second}, BODY)
    except ValueError:
        assert "\0" in first + second
        return
    check_shell(text)
    assert script_values(text, HEADER, BODY) == {"first": first, "second": second}


def _trees(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
        max_leaves=8,
    )


@SLOW
@given(extra=_trees(TEXT | st.integers() | st.booleans()), content=TEXT)
def test_a_cloud_config_loads_back_as_the_same_tree(extra: Any, content: str) -> None:
    config = {"write_files": [{"path": "/etc/x", "content": content + "\n" + content}], "x-extra": extra}
    text = cloud_config(config)
    assert text.startswith("#cloud-config\n")
    assert yaml.safe_load(text) == config


def test_the_readers_catch_what_a_naive_writer_would_write() -> None:
    """The readers are strict enough to see each injection a string-formatting writer allowed."""
    with pytest.raises(FormatError):
        split_command("/bin/echo %n")  # a specifier
    with pytest.raises(FormatError):
        split_command("/bin/echo $HOME")  # a variable
    naive_unit = "[Unit]\nDescription=model m\nExecStartPre=/bin/evil\n"
    assert parse_unit(naive_unit).keys() == [("Unit", "Description"), ("Unit", "ExecStartPre")]
    assert parse_environment_file("FOO=x\nMODEL_PATH=/etc\n") == {"FOO": "x", "MODEL_PATH": "/etc"}
    with pytest.raises(FormatError):
        script_values(HEADER + "first=x\nreboot\n" + BODY, HEADER, BODY)
