"""A pipeline step's script run as the CI runners run it: bash -e -o pipefail, in a folder, with an environment."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path


def run_shell(script: str, root: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=root,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
