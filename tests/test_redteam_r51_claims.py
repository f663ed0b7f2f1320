"""Round 51's honest answers: what Linux does on the edges of the rules added after rounds
49 and 50 (holes the program unmapped, signal order and coalescing, pipe packet mode and
room, memfd offsets, sigaltstack's minimum), which a monitor could mistake for forged.

Each test runs the round-51 victim (secret_r51_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r51.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r51 as r
from tests.honest_runs import claim_run, honest


def _claim_run(steps, args: tuple[bytes, ...],  # type: ignore[no-untyped-def]
               expect: dict[int, int], mode: str = "on"):
    return claim_run(r, steps, args, expect, mode)


def testhonest_default_steps_are_not_refused() -> None:
    # expand_downwards(): stack_guard_gap from the accessible area below: SEGV_MAPERR;
    # do_sigaction() -> flush_sigqueue_mask() at SIG_IGN; next_signal() lowest first for
    # rt_sigtimedwait; sigsuspend()'s temporary mask; legacy_queue() once per queue
    # (tgkill x2 + kill x2: two deliveries); pipe_write()/pipe_read() packets
    # (PIPE_BUF_FLAG_PACKET: a read stops after one and drops its rest), a packet
    # write's head merging into a PIPE_BUF_FLAG_CAN_MERGE buffer, a plain write after a
    # packet in a new buffer; pipe_resize_ring() -EBUSY, round_pipe_size() 8192; a
    # /proc/self/fd reopen's own f_pos, a dup's and a fork child's shared one;
    # do_sigaltstack() at MINSIGSTKSZ 5120; move_vma() and the
    # mremap() shrink unmapping the old range (SEGV_MAPERR); signalfd_dequeue() lowest
    # first; SIG_DFL of SIGURG discards it (sig_kernel_ignore()); brk() grown back maps
    # a fresh page; unix_stream_read_generic() stops at a credentials change with
    # MSG_PEEK (consuming nothing) and with MSG_WAITALL; pipe_write() merges 904 into the
    # one slot F_SETPIPE_SZ left; IOCB_APPEND writes at i_size; handle_truncate() on an
    # O_TRUNC reopen; get_unmapped_area() takes a free hint (the hole), and
    # MAP_FIXED_NOREPLACE maps a free range; dup_mmap() keeps the parent's hole in a
    # fork child (SEGV_MAPERR); force_sig_info_to_task() resets a blocked SIGSEGV's
    # handler to SIG_DFL at a real fault (the child dies of it); pipe_write() of 5000
    # through O_DIRECT into an empty pipe makes two packets (4096, 904), into a plain
    # 100-byte buffer merges a 904-byte head and pipe_read() returns 5100; next_signal()
    # takes a fork child's kill()ed SIGSEGV before the program's own SIGUSR1;
    # pipe_set_size() growing a full pipe to 32 slots (a page more fits) and rounding
    # 12288 up to four slots (one page of 8192 fits); mremap() growing an area in place
    # over the hole the program munmap()ed (its own call maps there again); pwrite64()
    # through an O_APPEND reopen appends whatever its offset (generic_write_checks());
    # do_sigaltstack() sets a 1 << 40-byte stack (no upper bound).
    _claim_run(honest, (), {p: 0 for p in (
        r.P_GAP, r.P_SIGIGN, r.P_WAITORDER, r.P_SUSPEND, r.P_TWOQ, r.P_PKT, r.P_PKTMERGE,
        r.P_PKTTAIL, r.P_SZBUSY, r.P_SZROUND, r.P_MEMOFF, r.P_DUPOFF, r.P_FORKOFF,
        r.P_ALTMIN, r.P_MOVED, r.P_SIGFD, r.P_SHRINKMR, r.P_URG, r.P_BRKBACK, r.P_PEEK,
        r.P_WAITALL, r.P_SZMERGE, r.P_APPEND, r.P_TRUNC, r.P_HINT, r.P_CHILDHOLE,
        r.P_BLOCKEDFAULT, r.P_WAITNONE, r.P_PKTBIG, r.P_PKTMIX, r.P_CHILDSEGV,
        r.P_SZGROW, r.P_MRGROW, r.P_APPENDPW, r.P_ALTHUGE)})


def test_growsdown_area_grows_without_the_guardian() -> None:
    # The claim scenario itself does what Linux does: with the Guardian off the store
    # into the unmapped lower page of a MAP_GROWSDOWN area completes (index 0).
    _claim_run(r.claim_grows, (r.GROWS,), {r.P_GROWS: 0}, mode="off")


def test_growsdown_area_growing_into_its_unmapped_page_is_not_refused() -> None:
    # -g: do_page_fault() -> expand_stack_locked() -> expand_downwards() grows the area
    # into the page the program munmap()ed below it (the VMA keeps VM_GROWSDOWN; nothing
    # lies within stack_guard_gap below).  The kernel model never grows a MAP_GROWSDOWN
    # area (SIGSEGV, index 1); the scenario grows it as expand_stack() does.
    _claim_run(r.claim_grows, (r.GROWS,), {r.P_GROWS: 0})


def test_dontunmap_old_range_reads_zero_without_the_guardian() -> None:
    _claim_run(r.claim_dontunmap, (r.DONTUNMAP,), {r.P_DONTUNMAP: 0}, mode="off")


def test_dontunmap_old_range_is_not_refused() -> None:
    # -u: move_vma() with MREMAP_DONTUNMAP keeps the old VMA (its pages moved out); a load
    # there faults in the zero page (the kernel model unmaps the old range: SIGSEGV,
    # index 1; the scenario keeps it as Linux does).
    _claim_run(r.claim_dontunmap, (r.DONTUNMAP,), {r.P_DONTUNMAP: 0})


def test_thread_queue_before_a_shared_synchronous_signal_is_not_refused() -> None:
    # -t: get_signal(): dequeue_synchronous_signal() sees no fault-made signal in the
    # thread's queue; dequeue_signal() takes tsk->pending first: the tgkill()ed SIGUSR2
    # runs before the kill()ed SIGSEGV (the kernel model does so; qemu-user, one queue,
    # does not, hence the switch).
    _claim_run(honest, (r.QSYNC,), {r.P_QSYNC: 0})


def test_vfork_child_mapping_the_parents_hole_is_not_refused() -> None:
    # -v: copy_mm() with CLONE_VM shares the mm: the vfork child's munmap() leaves a hole
    # in the parent (SEGV_MAPERR), and its mmap(MAP_FIXED) of the parent's own hole maps
    # it for the parent too, which reads the child's store (qemu-user runs vfork as
    # fork, hence the switch).
    _claim_run(honest, (r.VFORK,), {r.P_VFORKHOLE: 0, r.P_VFORKMAP: 0})


def test_accepted_socket_read_stopping_at_the_writer_change_is_not_refused() -> None:
    # -a: unix_accept() -> unix_sock_inherit_flags(): the accepted socket has its
    # listener's SO_PASSCRED, so unix_stream_read_generic() stops at the fork child's
    # bytes: 100 (the kernel model joins them, 200: its accepted socket inherits no
    # option; the scenario answers Linux's 100; a 6.18 host: 100).
    _claim_run(r.claim_accept, (r.ACCEPT,), {r.P_ACCEPT: 0})


def test_sigaltstack_below_minsigstksz_is_not_refused() -> None:
    # -m: do_sigaltstack(..., MINSIGSTKSZ): 5119 < 5120, -ENOMEM (qemu-user takes stacks
    # down to its own 2048, hence the switch).
    _claim_run(honest, (r.BELOW,), {r.P_ALTBELOW: 0})
