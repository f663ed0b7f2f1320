"""An alternate signal stack belongs to the thread that set it: SIGNAL for a thread uses
only that thread's own stack, as its sigaltstack calls left it, whatever the kernel names
(another thread's stack, or SS_DISABLE for a stack the thread set).

Tree A (tests/test_secure_mm.py) maps four pages at VA; the first two are thread 1's
alternate stack, and the threads' ordinary stacks are the top.
"""

from __future__ import annotations

import struct

from abi import Call, Status
from abi.layout import NR_GETPID, NR_SIGALTSTACK, SS_DISABLE
from emulator.fastuc import CTX_SP, UserContext
from guardian.slots import Slot
from tests.test_guardian_signal_mask import (  # noqa: F401
    ELR,
    PAGE,
    SIGUSR1,
    TOP,
    _refused_by,
    _slot,
    s,
)
from tests.test_secure_mm import PAGES_A, ROOT_A, VA, Scene

ALT_1 = (VA, 2 * PAGE)


def _threads(s: Scene, third: tuple[int, int] | None = None) -> None:  # noqa: F811
    """Thread 1 set ALT_1; thread 2 (a new thread) set none; thread 3 is unknown."""
    s.g.conf.domains[1].spaces[s.b + ROOT_A].altstacks.add(ALT_1)
    own = s.g.conf.self_signals.thread_signals
    own(s.b + ROOT_A, 1).altstack = ALT_1
    own(s.b + ROOT_A, 2).altstack = (0, 0)
    own(s.b + ROOT_A, 3).altstack = third


def _deliver(s: Scene, thread: int, alt: tuple[int, int, int]) -> tuple[int, int]:  # noqa: F811
    """SIGUSR1 (SA_ONSTACK) to `thread` at its getpid's return; (status, handler SP)."""
    sid = 800 + len(s.g.decisions) + len(s.g.conf.slots)
    ctx = UserContext()
    ctx.set(CTX_SP, TOP - 64 * thread)
    s.g.conf.slots[sid] = Slot(sid, 1, ctx, 0x400104, NR_GETPID, (0,) * 6,
                               root=s.b + ROOT_A, thread=thread)
    status = s.call(Call.SIGNAL, sid, SIGUSR1, 0, *alt, 7, 0x400104)[0]
    s.g.lock_el1(False)
    slot = s.g.conf.slots.get(sid)
    return status, slot.ctx.get(CTX_SP) if slot else 0


def test_another_threads_stack_is_refused(s: Scene) -> None:  # noqa: F811
    _threads(s)
    status, _ = _deliver(s, 2, (ALT_1[0], 0, ALT_1[1]))
    assert _refused_by(s, status, "signal.altstack_owner")


def test_ss_disable_is_not_taken_on_trust(s: Scene) -> None:  # noqa: F811
    _threads(s)
    status, _ = _deliver(s, 1, (0, SS_DISABLE, 0))
    assert _refused_by(s, status, "signal.altstack_owner")


def test_each_thread_gets_its_own(s: Scene) -> None:  # noqa: F811
    _threads(s)
    status, sp = _deliver(s, 1, (ALT_1[0], 0, ALT_1[1]))
    assert status == Status.OK and ALT_1[0] <= sp < ALT_1[0] + ALT_1[1]
    status, sp = _deliver(s, 2, (0, SS_DISABLE, 0))
    assert status == Status.OK and sp > ALT_1[0] + ALT_1[1]      # its ordinary stack


def test_a_thread_the_guardian_never_learned_keeps_the_older_rule(s: Scene) -> None:  # noqa: F811
    _threads(s)
    assert _deliver(s, 3, (ALT_1[0], 0, ALT_1[1]))[0] == Status.OK
    status, _ = _deliver(s, 4, (VA + 3 * PAGE, 0, PAGE))      # unknown too
    assert _refused_by(s, status, "signal.altstack")


def test_fork_and_vfork_children_keep_the_forking_threads_stack(s: Scene) -> None:  # noqa: F811
    """Linux's copy_process: only a new thread (CLONE_VM without CLONE_VFORK) starts
    without one; a fork or vfork child keeps the calling thread's, unknown included."""
    _threads(s)
    own = s.g.conf.self_signals
    root, child_root = s.b + ROOT_A, 0xABC000
    own.note_clone(root, 1, 0, 5)                            # vfork: the same tree
    own.note_clone(root, 1, 0, 6, new_thread=True)           # pthread_create
    own.note_clone(root, 1, child_root, 7)                   # fork: a tree of its own
    own.note_clone(root, 3, child_root + 0x1000, 8)          # fork of a thread unknown
    assert own.thread_signals(root, 5).altstack == ALT_1
    assert own.thread_signals(root, 6).altstack == (0, 0)
    assert own.thread_signals(child_root, 7).altstack == ALT_1
    assert own.thread_signals(child_root + 0x1000, 8).altstack is None


def test_a_vfork_child_gets_only_the_stack_it_inherited(s: Scene) -> None:  # noqa: F811
    _threads(s)
    s.g.conf.self_signals.note_clone(s.b + ROOT_A, 1, 0, 5)
    status, _ = _deliver(s, 5, (VA + 3 * PAGE, 0, PAGE))      # one the program never set
    assert _refused_by(s, status, "signal.altstack_owner")
    status, _ = _deliver(s, 5, (0, SS_DISABLE, 0))            # its inherited one denied
    assert _refused_by(s, status, "signal.altstack_owner")
    status, sp = _deliver(s, 5, (ALT_1[0], 0, ALT_1[1]))
    assert status == Status.OK and ALT_1[0] <= sp < ALT_1[0] + ALT_1[1]


def test_sigaltstack_returns_only_once_its_struct_is_read_back(s: Scene) -> None:  # noqa: F811
    """A struct the kernel let go of before the return (swapped out, say) is faulted in
    first: the thread's own stack is learned, never left unknown."""
    root = s.b + ROOT_A
    gone = VA + 16 * PAGE                                     # not mapped in tree A
    sid = _slot(s, NR_SIGALTSTACK, (gone, 0))
    status, value, _ = s.call(Call.RESUME, sid, 0, ELR)
    assert (status, value) == (Status.FAULT_IN, gone)
    assert sid in s.g.conf.slots and s.g.conf.self_signals.thread_signals(root, 0).altstack \
        is None                                               # nothing committed
    s.hw.ram.write(s.b + PAGES_A + PAGE, struct.pack("<QiiQ", VA, 0, 0, 2 * PAGE))
    sid = _slot(s, NR_SIGALTSTACK, (VA + PAGE, 0))
    assert s.call(Call.RESUME, sid, 0, ELR)[0] == Status.OK
    s.g.lock_el1(False)
    assert s.g.conf.self_signals.thread_signals(root, 0).altstack == ALT_1
