"""SIGNAL and the thread's blocked mask: Linux's rules for which signal may be delivered,
the mask the frame saves, and frames that must fit inside the alternate stack.

Tree A (tests/test_secure_mm.py) maps four pages at VA; the thread's stack is its top.
"""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.layout import (
    EINTR_RESULT,
    NR_GETPID,
    NR_PPOLL,
    NR_PSELECT6,
    NR_RT_SIGPROCMASK,
    NR_RT_SIGRETURN,
    NR_RT_SIGSUSPEND,
    SA_NODEFER,
    SA_ONSTACK,
    SA_RESTORER,
)
from abi.sigframe import FRAME_SIZE
from abi.syscalls import NUMBERS
from emulator import sysregs as S
from emulator.fastuc import CTX_SP, UserContext
from guardian.slots import Slot
from tests.test_secure_mm import PAGES_A, ROOT_A, VA, Scene, build

PAGE = 4096
ELR = 0x400104
SIGHUP, SIGUSR1, SIGUSR2, SIGTERM = 1, 10, 12, 15
SIG_BLOCK = 0
TOP = VA + 4 * PAGE
RESTORER = 0x400900


def bit(signo: int) -> int:
    return 1 << (signo - 1)


@pytest.fixture
def s() -> Scene:
    return make_scene()


def make_scene() -> Scene:
    """Domain 1 with tree A live and handlers for SIGUSR1, SIGUSR2, SIGHUP and SIGTERM."""
    scene = build()
    space = scene.g.conf.domains[1].spaces[scene.b + ROOT_A]
    space.handlers[SIGUSR1] = (0x400800, SA_RESTORER | SA_ONSTACK, RESTORER, 0)
    space.handlers[SIGUSR2] = (0x400a00, SA_RESTORER, RESTORER, bit(SIGHUP))
    space.handlers[SIGHUP] = (0x400b00, SA_RESTORER, RESTORER, 0)
    space.handlers[SIGTERM] = (0x400c00, SA_RESTORER | SA_NODEFER, RESTORER, 0)
    cpu = scene.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, scene.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    return scene


def _slot(s: Scene, nr: int | None = None, args: tuple[int, ...] = (), sp: int = TOP) -> int:
    sid = 700 + len(s.g.conf.slots) + len(s.g.decisions)
    ctx = UserContext()
    ctx.set(CTX_SP, sp)
    s.g.conf.slots[sid] = Slot(sid, 1, ctx, ELR, nr, args + (0,) * (6 - len(args)),
                               root=s.b + ROOT_A)
    return sid


def _resume(s: Scene, nr: int, args: tuple[int, ...], ret: int) -> None:
    sid = _slot(s, nr, args)
    assert s.call(Call.RESUME, sid, ret, ELR)[0] == Status.OK
    s.g.lock_el1(False)


def _signal(s: Scene, sid: int, signo: int, frame_mask: int = 0, ret: int = 0,
            alt: tuple[int, int, int] = (0, 2, 0)) -> int:
    """SIGNAL for the slot (completing its syscall with `ret`); the status."""
    elr = s.g.conf.slots[sid].kernel_elr
    status = s.call(Call.SIGNAL, sid, signo, frame_mask, *alt, ret, elr)[0]
    s.g.lock_el1(False)
    return status


def _refused_by(s: Scene, status: int, check: str) -> bool:
    return status == Status.ERR_DENIED and s.g.decisions[-1].check == check


def _sigset(s: Scene, mask: int, page: int = 0) -> int:
    """The program's sigset at VA + page (written with physical powers); its address."""
    s.hw.ram.write(s.b + PAGES_A + page * PAGE, struct.pack("<Q", mask))
    return VA + page * PAGE


def _block(s: Scene, signo: int) -> None:
    _resume(s, NR_RT_SIGPROCMASK, (SIG_BLOCK, _sigset(s, bit(signo)), 0, 8), 0)


def _sigreturn(s: Scene, sid: int) -> None:
    """The handler returns: rt_sigreturn reads the frame at its SP."""
    sp = s.g.conf.slots[sid].ctx.get(CTX_SP)
    back = _slot(s, NR_RT_SIGRETURN, sp=sp)
    s.g.conf.signals.sigreturn(s.g.conf.slots[back])


def test_a_handler_s_own_signal_is_blocked_while_it_runs(s: Scene) -> None:
    sid = _slot(s)
    assert _signal(s, sid, SIGUSR1) == Status.OK
    assert _refused_by(s, _signal(s, sid, SIGUSR1, bit(SIGUSR1)), "signal.blocked")
    assert _signal(s, sid, SIGUSR2, bit(SIGUSR1)) == Status.OK     # another signal nests


def test_rt_sigreturn_unblocks_it_again(s: Scene) -> None:
    sid = _slot(s)
    assert _signal(s, sid, SIGUSR1) == Status.OK
    _sigreturn(s, sid)
    assert _signal(s, _slot(s), SIGUSR1) == Status.OK


def test_sa_mask_blocks_and_sa_nodefer_does_not_block_the_signal_itself(s: Scene) -> None:
    sid = _slot(s)
    assert _signal(s, sid, SIGUSR2) == Status.OK                  # sa_mask: SIGHUP
    assert _refused_by(s, _signal(s, sid, SIGHUP, bit(SIGUSR2) | bit(SIGHUP)),
                       "signal.blocked")
    inside = bit(SIGUSR2) | bit(SIGHUP)
    assert _signal(s, sid, SIGTERM, inside) == Status.OK
    assert _signal(s, sid, SIGTERM, inside) == Status.OK          # SA_NODEFER: nests


def test_the_program_s_own_mask_blocks(s: Scene) -> None:
    _block(s, SIGUSR1)
    assert _refused_by(s, _signal(s, _slot(s), SIGUSR1, bit(SIGUSR1)), "signal.blocked")
    assert _signal(s, _slot(s), SIGUSR2, bit(SIGUSR1)) == Status.OK


def test_the_frame_saves_the_thread_s_own_mask(s: Scene) -> None:
    _block(s, SIGHUP)
    assert _refused_by(s, _signal(s, _slot(s), SIGUSR1, 0), "signal.frame_mask")
    assert _signal(s, _slot(s), SIGUSR1, bit(SIGHUP)) == Status.OK


def test_sigsuspend_s_temporary_mask_decides_and_the_frame_saves_the_old_one(
        s: Scene) -> None:
    _block(s, SIGUSR1)
    wait = (_sigset(s, bit(SIGUSR2), page=1), 8)                 # wait with USR1 unblocked
    sid = _slot(s, NR_RT_SIGSUSPEND, wait)
    assert _refused_by(s, _signal(s, sid, SIGUSR1, 0, EINTR_RESULT), "signal.frame_mask")
    sid = _slot(s, NR_RT_SIGSUSPEND, wait)
    assert _refused_by(s, _signal(s, sid, SIGUSR2, bit(SIGUSR1), EINTR_RESULT),
                       "signal.blocked")
    sid = _slot(s, NR_RT_SIGSUSPEND, wait)
    assert _signal(s, sid, SIGUSR1, bit(SIGUSR1), EINTR_RESULT) == Status.OK
    # In the handler: the temporary mask plus SIGUSR1 (SIGUSR2 stays blocked) ...
    assert _refused_by(s, _signal(s, sid, SIGUSR2, bit(SIGUSR1)), "signal.blocked")
    _sigreturn(s, sid)
    # ... and rt_sigreturn restores the mask from before the wait.
    assert _refused_by(s, _signal(s, _slot(s), SIGUSR1, bit(SIGUSR1)), "signal.blocked")


def test_a_wait_that_did_not_end_with_eintr_uses_the_thread_s_mask(s: Scene) -> None:
    _block(s, SIGUSR1)
    ptr = _sigset(s, 0, page=1)
    sid = _slot(s, NR_PPOLL, (0, 0, 0, ptr, 8))
    assert _refused_by(s, _signal(s, sid, SIGUSR1, bit(SIGUSR1), 1), "signal.blocked")
    sid = _slot(s, NR_PPOLL, (0, 0, 0, ptr, 8))
    assert _signal(s, sid, SIGUSR1, bit(SIGUSR1), EINTR_RESULT) == Status.OK


def test_pselect6_names_its_set_through_a_pair(s: Scene) -> None:
    _block(s, SIGUSR1)
    ptr = _sigset(s, 0, page=1)
    s.hw.ram.write(s.b + PAGES_A + PAGE + 64, struct.pack("<QQ", ptr, 8))
    sid = _slot(s, NR_PSELECT6, (0, 0, 0, 0, 0, VA + PAGE + 64))
    assert _signal(s, sid, SIGUSR1, bit(SIGUSR1), EINTR_RESULT) == Status.OK


def test_a_temporary_set_not_present_is_faulted_in_first(s: Scene) -> None:
    unmapped = VA + 64 * PAGE
    sid = _slot(s, NR_RT_SIGSUSPEND, (unmapped, 8))
    status, value, _ = s.call(Call.SIGNAL, sid, SIGUSR1, 0, 0, 2, 0, EINTR_RESULT, ELR)
    assert (status, value) == (Status.FAULT_IN, unmapped)


def test_an_unknown_bit_allows_a_first_delivery_but_never_a_re_entry(s: Scene) -> None:
    _resume(s, NR_GETPID, (), 42)
    _resume(s, NR_RT_SIGPROCMASK, (SIG_BLOCK, VA + 64 * PAGE, 0, 8), 0)   # set unreadable
    before = s.g.stats.get("guardian.signal.undecided")
    sid = _slot(s)
    assert _signal(s, sid, SIGUSR2) == Status.OK
    assert s.g.stats.get("guardian.signal.undecided") == before + 1
    _resume(s, NR_RT_SIGPROCMASK, (SIG_BLOCK, VA + 64 * PAGE, 0, 8), 0)
    assert _refused_by(s, _signal(s, sid, SIGUSR2), "signal.blocked")      # its own again


def test_nested_frames_stay_inside_the_alternate_stack(s: Scene) -> None:
    space = s.g.conf.domains[1].spaces[s.b + ROOT_A]
    space.altstacks.add((VA, 2 * PAGE))
    alt = (VA, 0, 2 * PAGE)
    sid = _slot(s)
    assert _signal(s, sid, SIGUSR1, 0, alt=alt) == Status.OK     # at the top of the stack
    frame = s.g.conf.slots[sid].ctx.get(CTX_SP)
    assert VA < frame < VA + 2 * PAGE
    # SIGUSR2 (no SA_ONSTACK) nests below SP on the alternate stack: it would run out.
    assert FRAME_SIZE * 2 > 2 * PAGE
    assert _refused_by(s, _signal(s, sid, SIGUSR2, bit(SIGUSR1), alt=alt),
                       "signal.altstack_fit")


def test_an_alternate_stack_smaller_than_a_frame_takes_none(s: Scene) -> None:
    space = s.g.conf.domains[1].spaces[s.b + ROOT_A]
    space.altstacks.add((VA + 2 * PAGE, PAGE))
    status = _signal(s, _slot(s), SIGUSR1, 0, alt=(VA + 2 * PAGE, 0, PAGE))
    assert _refused_by(s, status, "signal.altstack_fit")


def test_a_signal_the_returning_sigprocmask_unblocks_is_delivered_at_its_return(
        s: Scene) -> None:
    _block(s, SIGUSR1)
    unblock = (1, _sigset(s, bit(SIGUSR1), page=1), 0, 8)          # SIG_UNBLOCK
    sid = _slot(s, NR_RT_SIGPROCMASK, unblock)
    assert _refused_by(s, _signal(s, sid, SIGUSR1, bit(SIGUSR1)), "signal.frame_mask")
    sid = _slot(s, NR_RT_SIGPROCMASK, unblock)
    assert _signal(s, sid, SIGUSR1, 0) == Status.OK                # the mask after the call


def test_rt_sigtimedwait_answers_only_a_signal_of_the_set(s: Scene) -> None:
    wait = NUMBERS["rt_sigtimedwait"]
    args = (_sigset(s, bit(SIGUSR1) | bit(9)), 0, 0, 8)     # {SIGUSR1, SIGKILL}
    for ret in (15, 9, 0, 65):                              # SIGKILL is never dequeued
        sid = _slot(s, wait, args)
        assert _refused_by(s, s.call(Call.RESUME, sid, ret, ELR)[0], "return.sigwait_set")
    _resume(s, wait, args, SIGUSR1)
    _resume(s, wait, args, (1 << 64) - 11)                  # -EAGAIN
