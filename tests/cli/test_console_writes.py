"""Files the commands write: complete or absent, and a device or pipe the user names is written into."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from inferfleet.cli import console
from inferfleet.errors import InputError


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
