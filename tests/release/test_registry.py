"""The registry's command line and URL checks (the server itself is exercised in test_module_release.py)."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from passlib.apache import HtpasswdFile

from inferfleet.cli.app import main
from inferfleet.errors import InputError
from inferfleet.release.registry import registry_url, serve_arguments, simple_index


def _stdin(data: bytes) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


def test_add_user_writes_a_private_htpasswd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", _stdin(b"correct horse\r\n"))
    assert main(["registry", "add-user", "platform", "--dir", str(tmp_path)]) == 0
    htpasswd = tmp_path / ".htpasswd"
    assert stat.S_IMODE(htpasswd.stat().st_mode) == 0o600
    users = HtpasswdFile(str(htpasswd))
    assert users.check_password("platform", "correct horse")
    assert not users.check_password("platform", "wrong")
    assert "correct horse" not in htpasswd.read_text()


def test_add_user_refuses_odd_names_and_empty_passwords(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", _stdin(b"pw\n"))
    assert main(["registry", "add-user", "a:b", "--dir", str(tmp_path)]) == 2
    monkeypatch.setattr("sys.stdin", _stdin(b"\n"))
    assert main(["registry", "add-user", "platform", "--dir", str(tmp_path)]) == 2
    assert "password: empty" in capsys.readouterr().err
    assert not (tmp_path / ".htpasswd").exists()


@pytest.mark.parametrize(
    ("stdin", "expected"),
    [
        # Each was an internal error (exit 3): passlib's size limit, its NUL check, an unencodable text.
        (b"a" * 300_000, "password: longer than 1024 bytes"),
        (b"pw\x00x\n", "password: holds a control character"),
        (b"\xff\xfe\n", "password: is not UTF-8 text"),
    ],
)
def test_add_user_refuses_a_password_htpasswd_cannot_hold_without_quoting_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: bytes, expected: str
) -> None:
    monkeypatch.setattr("sys.stdin", _stdin(stdin))
    assert main(["registry", "add-user", "platform", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "aaaa" not in err  # the password is never quoted
    assert "pw" not in err.replace("password", "")
    assert not (tmp_path / ".htpasswd").exists()


def test_serve_is_loopback_only_without_fallback(tmp_path: Path) -> None:
    (tmp_path / ".htpasswd").write_text("")
    arguments = serve_arguments(tmp_path, port=8080, htpasswd=tmp_path / ".htpasswd", authenticated_downloads=False)
    assert arguments[arguments.index("--host") + 1] == "127.0.0.1"
    assert "--disable-fallback" in arguments
    assert arguments[arguments.index("--authenticate") + 1] == "update"
    locked = serve_arguments(tmp_path, port=8080, htpasswd=tmp_path / ".htpasswd", authenticated_downloads=True)
    assert locked[locked.index("--authenticate") + 1] == "update,download,list"


def test_serve_needs_an_htpasswd_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["registry", "serve", "--dir", str(tmp_path), "--port", "8080"]) == 2
    assert "no htpasswd file" in capsys.readouterr().err


def test_registry_urls_are_checked() -> None:
    assert (
        registry_url("https://artifacts.example.com/api/pypi/modules")
        == "https://artifacts.example.com/api/pypi/modules/"
    )
    assert simple_index("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/simple/"
    assert (
        simple_index("https://devpi.example.com/team/prod/+simple/") == "https://devpi.example.com/team/prod/+simple/"
    )
    for bad in ("ftp://host/", "not a url", "http://user:pw@host/", "http://" + "a" * 600):
        with pytest.raises(InputError):
            registry_url(bad)


def test_the_simple_index_can_be_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFERFLEET_REGISTRY_INDEX", "https://devpi.example.com/team/prod/+simple/")
    assert simple_index("https://devpi.example.com/team/prod/") == "https://devpi.example.com/team/prod/+simple/"
