"""The library's calibration facts kept between runs (emulator/engine_facts.py)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from emulator import engine_facts

ROOT = Path(__file__).resolve().parent.parent

# Builds a core, then prints what calibration found and whether it ran the scratch
# engines (a cold start) or took the remembered answers.
PROBE = """
import json
from emulator import calibration, exit_checks, livestate
ran = []
for mod, name in ((exit_checks, "_locate"), (livestate, "_scan")):
    orig = getattr(mod, name)
    def spy(*a, _orig=orig, _name=name, **k):
        ran.append(_name)
        return _orig(*a, **k)
    setattr(mod, name, spy)
from emulator.machine import Machine
from emulator.machine_config import load_machine
cpu = Machine(load_machine(None)).cpus[0]
print(json.dumps({"syndrome": cpu._syndrome_offsets, "counter": cpu._counter_off,
                  "exit_checks": exit_checks._offset, "live": cpu.live.address != 0,
                  "ran": ran}))
"""


def _probe(cache: Path, hash_seed: int = 0) -> dict:
    # A different hash seed lays the heap out differently, as two unrelated runs do.
    env = dict(os.environ, BLINDFOLD_CACHE=str(cache), PYTHONPATH=str(ROOT),
               PYTHONHASHSEED=str(hash_seed))
    r = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
                       text=True, check=True)
    return json.loads(r.stdout)


def test_a_second_run_takes_the_answers_the_first_found(tmp_path: Path) -> None:
    cold = _probe(tmp_path)
    assert cold["ran"] == ["_locate", "_scan"]
    files = list(tmp_path.glob("unicorn-*.txt"))
    assert len(files) == 1
    for seed in (1, 2, 3):
        warm = _probe(tmp_path, hash_seed=seed)
        assert warm["ran"] == []                   # no scratch engines, no memory scan
        assert {k: v for k, v in warm.items() if k != "ran"} == \
            {k: v for k, v in cold.items() if k != "ran"}


def test_a_path_that_leads_elsewhere_is_passed_over(tmp_path: Path) -> None:
    _probe(tmp_path)
    (file,) = tmp_path.glob("unicorn-*.txt")
    facts = ast.literal_eval(file.read_text())
    assert facts["livestate"]["paths"]
    facts["livestate"]["paths"] = [[0, 0], [1, 4096], *facts["livestate"]["paths"]]
    file.write_text(repr(facts))
    again = _probe(tmp_path, hash_seed=5)
    assert again["ran"] == [] and again["live"]


def test_a_damaged_or_wrong_file_costs_only_a_calibration(tmp_path: Path) -> None:
    cold = _probe(tmp_path)
    (file,) = tmp_path.glob("unicorn-*.txt")
    file.write_text("{not json")
    assert _probe(tmp_path)["ran"] == ["_locate", "_scan"]
    # A remembered state path that leads nowhere: the live checks find the real one.
    facts = ast.literal_eval(file.read_text())
    facts["livestate"]["paths"] = [[0, 0]]
    file.write_text(repr(facts))
    again = _probe(tmp_path)
    assert again["ran"] == ["_scan"] and again["live"] and again["syndrome"] == cold["syndrome"]


def test_an_unwritable_cache_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("BLINDFOLD_CACHE", str(blocker / "below-a-file"))
    engine_facts.forget_loaded()
    try:
        engine_facts.remember("probe", 1)
        assert engine_facts.recall("probe") == 1       # for this process only
    finally:
        engine_facts.forget_loaded()


def test_offsets_outside_the_structures_are_not_taken(tmp_path: Path) -> None:
    cold = _probe(tmp_path)
    (file,) = tmp_path.glob("unicorn-*.txt")
    facts = ast.literal_eval(file.read_text())
    (model,) = [k for k in facts if k.startswith("calibration.")]
    facts[model] = [1 << 40, (1 << 40) + 8, 12]
    facts["exit_checks"] = {"offset": 1 << 40}
    file.write_text(repr(facts))
    again = _probe(tmp_path)
    assert again["ran"] == ["_locate"]
    assert {k: again[k] for k in ("syndrome", "counter", "exit_checks")} == \
        {k: cold[k] for k in ("syndrome", "counter", "exit_checks")}
