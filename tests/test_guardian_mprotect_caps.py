"""The predecessor design's (`--guardian mprotect`) user-access list.

Its table is derived from the capability table `--guardian on` uses: every call with a
capability there has its fixed buffers in mprotect mode too, or a stated reason why it
has none.  The calls an older hand-written list missed (clone3, sched_getaffinity,
getsockopt, rt_sigtimedwait, memfd_create's name) run to success in a confidential
program in mprotect mode.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli.session import run_program
from guardian.capabilities import CAP_TABLE, MPROTECT_KINDS, MPROTECT_TABLE, MPROTECT_WITHOUT

#: Kinds that are derived by walking variable-length structures in user memory.
DERIVED = {"strlist", "iov", "msghdr", "mmsghdr", "sigmask_arg"}


def test_every_call_with_a_capability_has_one_in_mprotect_mode_or_a_reason() -> None:
    granting = {name for name, rules in CAP_TABLE.items() if rules}   # clone: TID words only
    assert set(MPROTECT_TABLE) | set(MPROTECT_WITHOUT) == granting
    assert not set(MPROTECT_TABLE) & set(MPROTECT_WITHOUT)
    for name, reason in MPROTECT_WITHOUT.items():
        assert reason and all(r.kind not in MPROTECT_KINDS for r in CAP_TABLE[name]), name


def test_mprotect_rules_are_the_fixed_buffers_of_the_on_mode_rules() -> None:
    kinds = {r.kind for rules in CAP_TABLE.values() for r in rules}
    assert kinds == MPROTECT_KINDS | DERIVED, "a new capability kind: say whether MProtect has it"
    for name, rules in MPROTECT_TABLE.items():
        assert rules == tuple(r for r in CAP_TABLE[name] if r.kind in MPROTECT_KINDS), name
        dropped = [r for r in CAP_TABLE[name] if r not in rules]
        assert all(r.kind in DERIVED for r in dropped), name


@pytest.mark.parametrize("name", ["clone3", "sched_getaffinity", "getsockopt",
                                  "rt_sigtimedwait", "memfd_create"])
def test_calls_once_missing_have_their_on_mode_buffers(name: str) -> None:
    assert MPROTECT_TABLE[name] == tuple(r for r in CAP_TABLE[name] if r.kind in MPROTECT_KINDS)


def test_calls_succeed_in_mprotect_mode(tmp_path: Path) -> None:
    out, err = io.BytesIO(), io.BytesIO()
    res = run_program("memfd_calls", ["calls", "clone3"], rootfs=tmp_path, stdout=out,
                      stderr=err, stdin=io.BytesIO(), guardian="mprotect", confidential=True)
    lines = out.getvalue().decode().splitlines()
    assert lines == [f"ok {c}" for c in ("memfd_create: name", "sched_getaffinity",
                                         "getsockopt", "rt_sigtimedwait", "clone3")], \
        (lines, err.getvalue()[-500:])
    assert res.exit_code == 0
