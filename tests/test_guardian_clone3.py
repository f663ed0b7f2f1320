"""clone3 under the Guardian: the kernel may write the pidfd that struct clone_args
names for the flags asked (its TID words are granted as clone's are), and a
clone3 thread with CLONE_CHILD_CLEARTID runs and is joined confidentially."""

from __future__ import annotations

import struct

from abi.layout import CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_PARENT_SETTID, CLONE_PIDFD
from attacks.runner import boot, run_session
from guardian.capabilities import CAP_TABLE, R, W, covered, expand

ARGS = 0x5000
PIDFD, CHILD_TID, PARENT_TID, SET_TID = 0x6000, 0x6010, 0x6020, 0x6030
P_CLONE3_DONE = 115          # secret_calls: x2 clone3's result, x3 the thread's flag, x4 the TID


def _caps(flags: int, size: int = 88) -> list[tuple[int, int, int]]:
    raw = struct.pack("<11Q", flags, PIDFD, CHILD_TID, PARENT_TID, 17, 0, 0, 0, SET_TID, 2, 0)

    def read(va: int, n: int) -> bytes | None:
        return raw[va - ARGS:va - ARGS + n] if ARGS <= va < ARGS + len(raw) else bytes(n)

    return expand(CAP_TABLE["clone3"], (ARGS, size, 0, 0, 0, 0), read)


def test_clone3_grants_the_pidfd_its_flags_ask_for_and_no_tid_word_by_address() -> None:
    # The TID words are granted per tree and per call by guardian.tid_words, never here.
    caps = _caps(CLONE_PIDFD | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID)
    assert covered(caps, PIDFD, 4, W) == 4 and covered(caps, PIDFD, 8, W) == 4
    assert all(covered(caps, va, 4, W) == 0 for va in (CHILD_TID, PARENT_TID))
    assert covered(caps, SET_TID, 8, R) == 8 and covered(caps, SET_TID, 4, W) == 0
    assert covered(caps, ARGS, 88, R) == 88 and covered(caps, ARGS, 4, W) == 0
    none = _caps(CLONE_CHILD_CLEARTID)
    assert all(covered(none, va, 4, W) == 0 for va in (PIDFD, CHILD_TID, PARENT_TID))
    assert [c for c in _caps(CLONE_PIDFD, size=56) if c[2] & W] == []   # EINVAL size


def test_a_clone3_thread_runs_and_is_joined_confidentially() -> None:
    s = boot("on", program="secret_calls")
    out = run_session(s, "on")
    assert out.exit_status == 0, out.ended
    done = [m for m in out.markers if m.phase == P_CLONE3_DONE]
    assert done and done[0].args[:3] == (done[0].args[0], 1, 0) and done[0].args[0] > 0, done
    assert s.guardian.decisions == []
