"""clone3 under the Guardian: the kernel may write the pidfd that struct clone_args
names for the flags asked (its TID words are granted as clone's are), and a
clone3 thread with CLONE_CHILD_CLEARTID runs and is joined confidentially."""

from __future__ import annotations

import struct

from abi import Call, Status
from abi.layout import (
    CLONE_CHILD_CLEARTID,
    CLONE_CHILD_SETTID,
    CLONE_PARENT_SETTID,
    CLONE_PIDFD,
    CLONE_SETTLS,
    CLONE_THREAD,
    CLONE_VM,
    NR_CLONE3,
)
from attacks.runner import boot, run_session
from emulator import descriptors as D
from emulator.fastuc import UserContext
from guardian.capabilities import CAP_TABLE, R, W, covered, expand
from guardian.slots import Slot
from tests.test_secure_mm import FREE, PAGE, ROOT_A, SWP, USER_RW, VA, build_translating

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


# --- FORK_DOMAIN reads the clone_args the program passed (fork.clone_args_read) ------------

def test_fork_domain_faults_a_swapped_out_clone_args_page_back_in() -> None:
    s = build_translating()
    thread = CLONE_VM | CLONE_THREAD | 0x800 | CLONE_SETTLS        # CLONE_SIGHAND
    args = VA + PAGE
    s.hw.ram.write(s.entry(s.b + ROOT_A, args) & D.ADDR_MASK,
                   struct.pack("<11Q", thread, 0, 0, 0, 0, VA, PAGE, 0x1234, 0, 0, 0))
    sid = 692
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), 0x400104, NR_CLONE3, (args, 88, 0, 0, 0, 0),
                               root=s.b + ROOT_A, thread=1)
    sealed = s.ok(Call.SWAP_OUT, s.b + ROOT_A, args, SWP)[1]
    status, value, _ = s.call(Call.FORK_DOMAIN, 0, sid, CLONE_VM | CLONE_THREAD)
    assert (status, value) == (Status.FAULT_IN, args)           # never read as zeros
    s.ok(Call.SWAP_IN, s.b + ROOT_A, args, s.b + FREE, D.leaf_descriptor(s.b + FREE, USER_RW),
         payload=sealed)
    status, _, _ = s.call(Call.FORK_DOMAIN, s.b + 0x70000, sid, 0)       # served as a fork
    assert status != Status.OK
    assert s.g.decisions[-1].check in ("fork.vm_flags", "fork.flags_asked")
    s.ok(Call.FORK_DOMAIN, 0, sid, CLONE_VM | CLONE_THREAD)              # the thread asked
