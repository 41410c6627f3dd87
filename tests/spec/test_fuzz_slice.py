"""A fixed-seed slice of bench/fuzz_stacks.py: bad and odd stack files never crash, hang, inject or leak.

The full run (18,000+ cases) is `.venv/bin/python bench/fuzz_stacks.py`; this slice keeps a share of
every kind of case and plans a few of the accepted ones.
"""

from __future__ import annotations

import copy
import json
import random
import sys
from pathlib import Path

import pytest
from stackfiles import REPO

sys.path.insert(0, str(REPO / "bench"))
import fuzz_stacks


@pytest.mark.slow
def test_a_fixed_seed_slice_of_the_fuzzer(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in fuzz_stacks.CREDENTIAL_ENV:  # the fuzzer plants credentials in the environment: undone after
        monkeypatch.setenv(name, "")
    code = fuzz_stacks.main(["--cases", "300", "--plans", "8", "--subprocesses", "2", "--seed", "9", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["cases"] >= 250
    assert set(report["kinds"]) == {"crossover", "extreme", "key", "schema", "string", "yaml"}
    assert report["rejected_exit_2"] > 0
    assert report["accepted"] > 0
    assert report["planned_and_rendered"] == 8
    assert (report["crashes"], report["hangs"], report["injections"], report["leaks"]) == (0, 0, 0, 0), report[
        "examples"
    ]
    assert set(report["subprocess_exit_codes"]) <= {"0", "2"}
    assert code == 0


def test_the_injection_check_sees_a_changed_unit(tmp_path: Path) -> None:
    # The check the fuzzer relies on must be able to fail: a unit with an extra key is reported.
    runner = fuzz_stacks.Runner(tmp_path, 1, random.Random(0))
    reference = runner.reference_shapes("staging-cn-south")
    tampered = copy.deepcopy(reference)
    units = [
        (name, part)
        for name, shape in tampered.items()
        if isinstance(shape, dict)
        for part, meaning in shape.items()
        if isinstance(meaning, tuple) and meaning[0] == "unit"
    ]
    assert units, "the staging stack renders a systemd unit"
    name, part = units[0]
    tampered[name][part] = ("unit", [*reference[name][part][1], ("Service", "ExecStartPre")])
    assert not runner.compare("staging-cn-south", copy.deepcopy(reference))
    assert runner.compare("staging-cn-south", tampered)
