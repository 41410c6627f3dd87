"""Files the commands write: complete or absent, and a device or pipe the user names is written into."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from inferfleet.cli import console
from inferfleet.cli.app import main
from inferfleet.errors import InputError
from inferfleet.gate import DEFAULT_POLICIES


def test_a_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "report.sarif"
    path.write_text("old")
    console.write_atomically(path, "new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.sarif"]  # no temporary file left


def test_a_fifo_is_written_into_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    console.write_atomically(fifo, "report\n")
    reader.join(timeout=30)
    assert received == [b"report\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_character_device_is_written_into_not_replaced(tmp_path: Path) -> None:
    """As /dev/null or /dev/stdout: renaming a file over them replaced the device (as root, for everyone)."""
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private node of the null device
    console.write_atomically(null, "report\n")
    assert stat.S_ISCHR(null.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder; expected the path of a file to write"):
        console.write_atomically(tmp_path, "x")


def test_a_symbolic_link_keeps_naming_the_file_it_points_at(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "gate.sarif"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "gate.sarif"
    link.symlink_to(target)
    console.write_atomically(link, "new")
    assert link.is_symlink()
    assert target.read_text() == "new"


def test_a_standard_stream_named_by_path_is_appended_to(tmp_path: Path) -> None:
    """`--sarif /proc/self/fd/1 > file` (or /dev/stdout): the file the shell opened keeps what was printed
    before and gets the report after it; nothing is renamed over the stream's link (as root, the rename
    over /dev/stdout replaced the link with a file)."""
    captured = tmp_path / "stdout.txt"
    script = (
        "import sys; from pathlib import Path; from inferfleet.cli import console; "
        "print('printed first', flush=True); console.write_atomically(Path('/proc/self/fd/1'), 'report\\n')"
    )
    with captured.open("wb") as stdout:
        subprocess.run([sys.executable, "-c", script], stdout=stdout, check=True, timeout=60)
    assert captured.read_text() == "printed first\nreport\n"


def test_the_path_a_picture_is_written_to_is_shown_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "topology\x1b[2J[bold]x.mmd"
    plan = DEFAULT_POLICIES / "canary" / "allowed_next_stage.json"
    assert main(["graph", "--plan", str(plan), "-f", "mermaid", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert out.exists()
    assert "\x1b" not in err
    assert "topology\\x1b[2J[bold]x.mmd" in err


def test_a_new_file_gets_the_mode_the_umask_gives_and_a_replaced_one_keeps_its_own(tmp_path: Path) -> None:
    """The temporary file is created 0600: reports and rendered files were unreadable to a CI's other users."""
    previous = os.umask(0o027)
    try:
        console.write_atomically(tmp_path / "report.json", "{}")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o640
    existing = tmp_path / "Pulumi.x.yaml"
    existing.write_text("old\n")
    existing.chmod(0o664)
    console.write_atomically(existing, "new\n")
    assert stat.S_IMODE(existing.stat().st_mode) == 0o664
    assert existing.read_text() == "new\n"
