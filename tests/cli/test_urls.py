"""Every URL a command takes is checked once (inferfleet.urls): a malformed one is an input error naming
its option (exit 2), never a client library's ValueError surfacing as an internal error (exit 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from inferfleet.cli.app import main
from inferfleet.errors import InputError
from inferfleet.gate import DEFAULT_POLICIES
from inferfleet.urls import http_url

PLAN = str(DEFAULT_POLICIES / "canary" / "allowed_next_stage.json")
MALFORMED = [
    "http://[::1",
    "http://127.0.0.1:99999",
    "http://127.0.0.1:port",
    "ftp://127.0.0.1:1",
    "http://",
    "x" * 3000,
]


@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_url_is_an_input_error(url: str) -> None:
    with pytest.raises(InputError, match=r"^--flag .*: expected an http\(s\) URL$"):
        http_url(url, option="--flag")


def test_a_port_can_be_required() -> None:
    assert http_url("http://[::1]:8181", option="--flag", port_required=True).port == 8181
    with pytest.raises(InputError):
        http_url("http://127.0.0.1/", option="--flag", port_required=True)


URL_OPTIONS = [
    (["gate", PLAN, "--opa-url"], "--opa-url"),
    (["diff", "--base-plan", PLAN, "--head-plan", PLAN, "--opa-url"], "--opa-url"),
    (["modules", "check", "--registry"], "--registry"),
    (["module", "release", "vpc", "--dry-run", "--registry"], "--registry"),
    (["prices", "refresh", "--cloud", "aws", "--endpoint"], "--endpoint"),
    (["comment", "post", "BODY", "--github", "o/r", "--pr", "1", "--api-url"], "--api-url"),
]


def _run_with_url(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str], url: str
) -> tuple[int, str]:
    """The command `args` with `url` after its URL option (credentials set, a comment file for BODY)."""
    for variable in ("GITHUB_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(variable, "x")
    body = tmp_path / "comment.md"
    body.write_text("<!-- inferfleet-review -->\n")
    code = main([str(body) if arg == "BODY" else arg for arg in args] + [url])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("case", URL_OPTIONS)
@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999"])
def test_every_command_refuses_a_malformed_url_by_its_option(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    case: tuple[list[str], str],
    url: str,
) -> None:
    args, option = case
    code, err = _run_with_url(capsys, monkeypatch, tmp_path, args, url)
    assert code == 2, err
    assert f"{option} '{url}': expected" in err


@pytest.mark.parametrize("case", URL_OPTIONS)
@pytest.mark.parametrize(
    "url",
    [
        "http://admin:pw-LEAKED-1@127.0.0.1:8181",
        "https://x-access-token:pw-LEAKED-2@[::1:99999/",
        "http://u:pw-LEAKED-3@" + "a" * 600,
    ],
)
def test_a_url_with_credentials_is_refused_without_repeating_them(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    case: tuple[list[str], str],
    url: str,
) -> None:
    """No client here sends a URL's credentials; an error that quoted the URL printed the password."""
    args, option = case
    code, err = _run_with_url(capsys, monkeypatch, tmp_path, args, url)
    assert code == 2, err
    assert f"{option} '" in err
    assert "LEAKED" not in err


@pytest.mark.parametrize(
    "variable", ["INFERFLEET_REGISTRY", "INFERFLEET_REGISTRY_INDEX", "GITHUB_API_URL", "CI_SERVER_URL"]
)
def test_a_url_variable_with_credentials_is_refused_by_its_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    monkeypatch.setenv(variable, "https://oauth2:pw-LEAKED-4@example.com")
    monkeypatch.setenv("GITHUB_TOKEN", "x")
    monkeypatch.setenv("GITLAB_TOKEN", "x")
    body = tmp_path / "comment.md"
    body.write_text("<!-- inferfleet-review -->\n")
    if variable.startswith("INFERFLEET"):
        args = ["modules", "check"]
    else:
        platform = ["--github", "o/r"] if variable == "GITHUB_API_URL" else ["--gitlab", "o/r"]
        args = ["comment", "post", str(body), *platform, "--pr", "1"]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{variable} '" in err
    assert "LEAKED" not in err


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["gate", PLAN, "--max-plan-bytes", str(10**26)], "--max-plan-bytes"),  # overflowed: an internal error
        (["registry", "serve", "--port", "99999"], "--port"),
        (["comment", "post", "BODY", "--github", "o/r", "--pr", str(2**31)], "--pr"),
    ],
)
def test_a_number_beyond_its_flags_bound_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], option: str
) -> None:
    code = main([str(tmp_path / "comment.md") if arg == "BODY" else arg for arg in args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"Invalid value for '{option}'" in err
    assert "less than or equal to" in err
