"""Round 52's honest answers: what Linux does on the edges of the rules added after round
51 (holes below growing areas, the first send's siginfo, signals a call took, ppoll's
mask, a pipe's partly read buffer and tee(), memfd SEEK_HOLE/SEEK_DATA, SO_PASSCRED set
late or on the writing end, fault-shaped signals queued to oneself), which a monitor
could mistake for forged.

Each test runs the round-52 victim (secret_r52_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r52.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families import redteam_r52 as r
from tests.honest_runs import claim_run, honest


def _claim_run(steps, args: tuple[bytes, ...],  # type: ignore[no-untyped-def]
               expect: dict[int, int], mode: str = "on"):
    return claim_run(r, steps, args, expect, mode)


def testhonest_default_steps_are_not_refused() -> None:
    # expand_downwards(): vma_is_accessible() of a page mprotect() made PROT_READ, and
    # 255 pages < stack_guard_gap: SEGV_MAPERR both; pipe_write(): no merge past the
    # partly read buffer's end (offset + len = 100, 100 + 4046 > PAGE_SIZE) and a full
    # one-slot ring: -EAGAIN, then 3996 merged (4096 exactly); link_pipe() duplicating
    # 100 bytes, the source keeping them; legacy_queue() keeping the first send's siginfo
    # (a fork child's, then the program's own); do_sigtimedwait() taking SIGUSR2 for
    # good; shmem_file_llseek(): SEEK_HOLE 4096, SEEK_DATA past the data -ENXIO;
    # maybe_add_creds() with no option at the sends (200 joined, unix_skb_scm_eq() of
    # two empty credentials) and with the option on the writing end (100, then 100);
    # ep_poll() with a zero timeout: 0, no signal check, the mask restored before any
    # delivery (a 6.18 host: 0); flush_sigqueue_mask() of each thread's queue at SIG_IGN;
    # a credentials change to none (the option dropped at the child's send) stops the
    # read (a 6.18 host: 100, 100); splice_pipe_to_pipe() moving 60 of 100 (40 left);
    # signalfd_dequeue() taking SIGUSR2 for good.
    _claim_run(honest, (), {p: 0 for p in (
        r.P_MPROTGAP, r.P_GAPIN, r.P_OFFMERGE, r.P_TEE, r.P_CHILDFIRST, r.P_OWNFIRST,
        r.P_TAKEN, r.P_SEEKHOLE, r.P_LATECRED, r.P_WCRED, r.P_EPWAIT, r.P_TQIGN,
        r.P_TOGGLE, r.P_SPLICE, r.P_SFDTAKEN)})


def test_growsdown_claims_hold_without_the_guardian() -> None:
    _claim_run(r.claim_grows, (r.GROWS,), {r.P_NONEGAP: 0, r.P_GAPEXACT: 0,
                                           r.P_GROWSPREV: 0, r.P_CHILDGROW: 0,
                                           r.P_MPROTNONE: 0}, mode="off")


def test_growsdown_growth_linux_allows_is_not_refused() -> None:
    # -g: expand_downwards() grows the area over the hole the program munmap()ed when
    # the area below is PROT_NONE (!vma_is_accessible()), when the fault is exactly
    # stack_guard_gap above an accessible area (address - prev->vm_end == 256 pages is
    # not < stack_guard_gap), and when the area below is VM_GROWSDOWN itself (no gap
    # enforced), above a read-write page mprotect() made PROT_NONE (mprotect_fixup()
    # cleared VM_READ|VM_WRITE: not accessible); a fork child's copy of the area (dup_mmap() keeps VM_GROWSDOWN) grows
    # the same way.  The kernel model never grows a MAP_GROWSDOWN area (SIGSEGV, index 1).
    _claim_run(r.claim_grows, (r.GROWS,), {r.P_NONEGAP: 0, r.P_GAPEXACT: 0,
                                           r.P_GROWSPREV: 0, r.P_CHILDGROW: 0,
                                           r.P_MPROTNONE: 0})


def _ppoll_and_pselect(adv: Adversary) -> None:
    r.claim_ppoll(adv)
    r.claim_pselect(adv)


def test_ppoll_claim_holds_without_the_guardian() -> None:
    _claim_run(_ppoll_and_pselect, (r.PPOLL,), {r.P_PPOLL: 0, r.P_PSELECT: 0}, mode="off")


def test_ppoll_mask_delivery_is_not_refused() -> None:
    # -p: do_ppoll() -> set_user_sigmask() before do_sys_poll(); do_poll() finds
    # signal_pending(): -ERESTARTNOHAND, -EINTR once the handler runs (qemu-user on a
    # 6.18 host: -EINTR).  The kernel model's zero-timeout path returns 0 before
    # installing the mask; the claim lets the call wait, as Linux's check does.  The
    # same for pselect6(): core_sys_select() answers -ERESTARTNOHAND when nothing is
    # ready and signal_pending().
    _claim_run(_ppoll_and_pselect, (r.PPOLL,), {r.P_PPOLL: 0, r.P_PSELECT: 0})


def test_syncq_claim_holds_without_the_guardian() -> None:
    _claim_run(r.claim_syncq, (r.SYNCQ,), {r.P_SYNCQ: 0}, mode="off")


def test_thehonest_model_delivers_the_first_queued_fault_shaped_signal_first() -> None:
    """The kernel model's own order (dequeue_synchronous_signal()), no hook at all."""
    _claim_run(honest, (r.SYNCQ,), {r.P_SYNCQ: 0})


def test_first_queued_fault_shaped_signal_first_is_not_refused() -> None:
    """(Refused until signal.pending_order modelled dequeue_synchronous_signal().)"""
    # -s: do_rt_tgsigqueueinfo() lets a task queue any si_code to its own thread group;
    # get_signal() -> dequeue_synchronous_signal() takes the first queued synchronous
    # signal with si_code > SI_USER from the thread's queue: SIGSEGV before SIGBUS.
    _claim_run(r.claim_syncq, (r.SYNCQ,), {r.P_SYNCQ: 0})
