"""The round-eleven victim left alone: it finishes intact, and what its steps announce is
what an honest kernel gives it.

Its scenarios (attacks/families/redteam_r11.py) judge by what the program's threads and
children announce (the TPIDR_EL0 a clone starts with, the parent's own TID word, the order
of a thread and its creator) and by the copies of the secret the referee compares, so the
untouched program must show none of those effects in any mode.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r11 import (
    DISPATCH,
    P_FORK_CHILD,
    P_HANDOFF_DONE,
    P_SETTID_DONE,
    P_TLS_CHILD,
    P_TLS_DONE,
    PUBLIC_WORD,
)
from attacks.runner import boot, find_leaks, run_session
from attacks.scenario import MODES


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_dispatch_keeps_its_secret(mode: str) -> None:
    s = boot(mode, program=DISPATCH)
    out = run_session(s, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    phases = [m.phase for m in out.markers]
    assert phases.index(P_TLS_CHILD) < phases.index(P_TLS_DONE)
    by_phase = {m.phase: m for m in out.markers}
    done = by_phase[P_TLS_DONE]
    assert done.args[1] == done.args[2]                 # the thread got its TLS block
    assert done.args[3] == done.tid                     # the creator's TID word is its own
    child = by_phase[P_FORK_CHILD]
    assert child.args[0] == child.args[1]               # the fork child kept the pointer
    settid = by_phase[P_SETTID_DONE]
    assert settid.args[0] == settid.args[1]             # the parent's TID word is its own
    assert by_phase[P_HANDOFF_DONE].args[2] == PUBLIC_WORD   # the child's copy was its own
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])
