"""Round 48's honest answers: what Linux does on the edges of the rules added since round
45 (fault signals, signal senders, sigaltstack), which a monitor could mistake for forged.

Each test runs the round-48 victim (secret_r48_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r48.py where the model answers otherwise) and asserts the
Guardian lets it through: no decision, the program finishes intact, and each step indexes
the label Linux's answer gives.  Two were refused when the round found them and pass now:
a guard page's SIGSEGV/SEGV_MAPERR on a read-write anonymous area, and SS_AUTODISARM's
reset alternate stack inside the handler.
"""

from __future__ import annotations

from attacks.families import redteam_r48 as r
from tests.honest_runs import claim_run, honest


def _claim_run(steps, args: tuple[bytes, ...],  # type: ignore[no-untyped-def]
               expect: dict[int, int], mode: str = "on"):
    return claim_run(r, steps, args, expect, mode)


def testhonest_default_steps_are_not_refused() -> None:
    # shmem_fault() past the i_size a /proc/self/fd reopen's ftruncate() set: SIGBUS
    # BUS_ADRERR; inside the size it grew to: resolved; a swapped page loads back;
    # legacy_queue() keeps rt_sigqueueinfo()'s SI_QUEUE over kill()'s; dequeue_signal()
    # takes the thread's SI_TKILL before the process's SI_USER.
    # do_rt_sigqueueinfo() to itself queues the program's siginfo as passed (si_pid 4242
    # included: only si_code >= 0 or SI_TKILL to another pid is refused).
    _claim_run(honest, (), {r.P_SHRINK: 0, r.P_GROW: 0, r.P_SWAPLOAD: 0, r.P_COAL_Q: 0,
                             r.P_COAL_T: 0, r.P_QVAL: 0, r.P_QWAIT: 0,
                             r.P_HUGE: 0, r.P_NORES: 0, r.P_CHILD: 0, r.P_HOLE: 0,
                             r.P_BSSRO: 0, r.P_BSSGONE: 0, r.P_PIDFDQ: 0,
                             r.P_FALLOC: 0})


def test_memory_error_on_a_swapped_page_is_not_refused() -> None:
    # do_swap_page(): a poisoned swap entry (or a swapin that found PageHWPoison) is
    # VM_FAULT_HWPOISON; arm64 do_page_fault() sends SIGBUS BUS_MCEERR_AR with the FAR.
    _claim_run(r.claim_swap_mceerr, (), {r.P_SWAPLOAD: 1})


def test_sigaltstack_at_the_edges_is_not_refused() -> None:
    # __on_sig_stack(): sp > sas_ss_sp && sp - sas_ss_sp <= sas_ss_size: the top is on
    # the stack (SS_ONSTACK, a change EPERM), the base is not (0).  The Guardian answers
    # these right; the kernel model alone does not (it takes [base, top)).
    _claim_run(honest, (r.EDGES,), {r.P_ALT_TOP: 0, r.P_ALT_BASE: 0, r.P_ALT_TOPSET: 0})


def test_guard_page_sigsegv_is_not_refused() -> None:
    # madvise_guard_install() (Linux 6.13+) writes PTE_MARKER_GUARD entries in a VM_WRITE
    # area; handle_pte_marker() returns VM_FAULT_SIGSEGV and do_page_fault() sends SIGSEGV
    # SEGV_MAPERR at the FAR.
    _claim_run(r.claim_guard, (r.GUARDS,), {r.P_GUARD: 0})


def test_autodisarm_stack_inside_its_handler_is_not_refused() -> None:
    # setup_rt_frame() -> __save_altstack() then sas_ss_reset() for SS_AUTODISARM: inside
    # the handler sas_ss_flags() is SS_DISABLE (size 0) and on_sig_stack() is false (it
    # is 0 whenever SS_AUTODISARM is set), so do_sigaltstack() takes a change: 0.
    _claim_run(r.claim_autodisarm, (r.AUTO,), {r.P_AUTO_OLD: 0, r.P_AUTO_SET: 0})


def test_hugetlb_noreserve_sigbus_is_not_refused() -> None:
    # hugetlb_no_page(): no reservation (MAP_NORESERVE) and no free huge page:
    # alloc_hugetlb_folio() -> -ENOSPC -> VM_FAULT_SIGBUS; SIGBUS BUS_ADRERR at the FAR.
    _claim_run(r.claim_huge, (), {r.P_HUGE: 1})


def test_store_after_brk_shrink_is_not_refused() -> None:
    # brk() shrinking the heap unmaps the pages given back (do_vmi_align_munmap in
    # brk_munmap / do_brk_munmap): a store there is SIGSEGV SEGV_MAPERR.  (-b: qemu-user's
    # brk emulation keeps them mapped.)
    _claim_run(honest, (r.BRKS,), {r.P_BRKSHRINK: 0, r.P_HOLE: 0})


def test_kill_of_its_own_group_is_not_refused() -> None:
    # kill_something_info(0) -> __kill_pgrp_info(): SI_USER with the caller's pid reaches
    # every member, the caller included (-p).
    _claim_run(honest, (r.GROUP,), {r.P_KILL0: 0})


def test_pipe_write_merging_its_remainder_is_not_refused() -> None:
    # pipe_write(): chars = total_len & (PAGE_SIZE - 1) (904 of 5000) merges into the last
    # buffer, then no slot is free and O_NONBLOCK ends it: 904 (qemu-user on a real
    # kernel: 904; the kernel model answers 3996, which the Guardian refuses).
    _claim_run(r.claim_pipe_merge, (r.MERGE,), {r.P_PIPEMERGE: 0})
