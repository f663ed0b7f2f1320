"""Round 53's honest answers: what Linux does on the edges of the rules added after round
52 (memfds reopened with O_APPEND or O_TRUNC and their seals, pwrite() through an
O_APPEND open file, waits that take pending signals from both queues, a grandchild's and
a child's kill(), ppoll/pselect6 with a ready descriptor, epoll_pwait2 with a zero
timespec, tee() shorter than the bytes waiting, copy_file_range(), splice() and
sendfile() moving files' positions, a signalfd read whose second record faults), which a
monitor could mistake for forged.

Each test runs the round-53 victim (secret_r53_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r53.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families import redteam_r53 as r
from tests.honest_runs import claim_run, honest


def _claim_run(steps, args: tuple[bytes, ...],  # type: ignore[no-untyped-def]
               expect: dict[int, int], mode: str = "on"):
    return claim_run(r, steps, args, expect, mode)


def testhonest_default_steps_are_not_refused() -> None:
    # setfl() on one struct file (a reopen is another, a dup the same); dup_fd() sharing
    # the open file with a fork child (its write moves f_pos, its F_SETFL sets O_APPEND
    # for both); shmem_setattr() with newsize == oldsize under F_SEAL_SHRINK, and a cut
    # under F_SEAL_GROW (O_RDONLY|O_TRUNC truncates: build_open_flags() adds MAY_WRITE);
    # generic_write_checks() appending a pwrite() through an O_APPEND file, f_pos kept;
    # dequeue_signal(): the thread's queue first, SIGUSR1 pending in both queues taken
    # twice; next_signal() synchronous first (SIGSYS); a grandchild's and a child's kill()
    # pending (SI_USER, the sender's tgid); do_select()/do_poll() with a ready descriptor:
    # 1, the old mask back, no handler; ep_poll() with a zero timespec: 0; link_pipe()
    # stopping at len; splice from a memfd with off_in, and splice()/sendfile() moving
    # f_pos without one; a wait's set leaving out the thread's own SIGUSR2
    # (dequeue_signal() with mask = ~set); kill(0, ...) reaching the caller's group
    # (__kill_pgrp_info()); a child's SI_QUEUE siginfo queued as given; shmem_setattr()
    # cutting a F_SEAL_WRITE memfd; splice_pipe_to_pipe() moving a whole buffer with its
    # CAN_MERGE flag (a 10-byte write merges into a one-slot ring) and link_pipe()
    # clearing it (EAGAIN); a splice into a memfd hole, off_out written back, SEEK_DATA
    # 8192; a fork child's kill() of a signal the program ignores dropped at the send
    # (sig_ignored()); pwritev2() with RWF_APPEND appending (kiocb_set_rw_flags():
    # IOCB_APPEND), f_pos kept; a signalfd reading only its mask, and only the reader's own pending
    # sets (a fork child's read: -EAGAIN); dequeue_signal() taking the thread's SIGUSR2
    # before the shared queue's SIGSYS; pselect6() with {NULL, 8} keeping the mask
    # (set_user_sigmask(NULL)): 0, SIGUSR1 still pending; real-time instances in queue
    # order across senders; link_pipe() leaving the source buffer mergeable; SIGCHLD
    # still pending after wait4 (do_notify_parent(): CLD_EXITED, status 7); ep_poll() with
    # no timeout: -EINTR, the handler under the call's mask (qemu-user on a 6.18 host:
    # each the same, but epoll_pwait2: -ENOSYS).
    _claim_run(honest, (), {p: 0 for p in (
        r.P_SETFL, r.P_FORKOFF, r.P_FORKAPP, r.P_TRUNCEQ, r.P_GROWSEAL, r.P_PWAPPEND,
        r.P_PWV2APP,
        r.P_OWNQ, r.P_DUALQ, r.P_SYNCFIRST, r.P_GRANDKILL, r.P_PIPEKILL, r.P_PSELRDY,
        r.P_PPOLLRDY, r.P_EPW2, r.P_TEELEN, r.P_SPLFILE, r.P_SPLPOS, r.P_SENDPOS,
        r.P_WAITSET, r.P_KILL0, r.P_SIGQ, r.P_WSEALTR, r.P_SPLMERGE, r.P_TEENOMRG,
        r.P_SPLIN, r.P_IGNKILL, r.P_SFDSUB, r.P_SFDCHILD, r.P_SYNCXQ, r.P_PSELNULL,
        r.P_RTORDER, r.P_TEESRC, r.P_SFDCHLD, r.P_EPW2INF)})


def _both_copies(adv: Adversary) -> None:
    r.claim_cfr(adv)
    r.claim_cfrpos(adv)


def test_copy_file_range_claims_hold_without_the_guardian() -> None:
    _claim_run(_both_copies, (), {r.P_CFR: 0, r.P_CFRPOS: 0}, mode="off")


def test_copy_file_range_moving_file_positions_is_not_refused() -> None:
    # vfs_copy_file_range() between two memfds (one super_block: splice_copy_file_range())
    # copies 10 bytes; without offset pointers f_in's and f_out's f_pos move (10, 8202);
    # mapping_seek_hole_data() finds page 2's folio (qemu-user on a 6.18 host: the same).
    # The kernel model has no copy_file_range (-ENOSYS); the claim copies as Linux does.
    _claim_run(r.claim_cfrpos, (), {r.P_CFRPOS: 0})


def test_copy_file_range_with_offset_pointers_is_not_refused() -> None:
    # SYSCALL_DEFINE6(copy_file_range): copy_from_user(&pos_in, off_in), the same for
    # off_out, vfs_copy_file_range(), then copy_to_user() of both advanced offsets
    # (qemu-user on a 6.18 host: 10, offsets 10 and 8202, SEEK_DATA 8192).
    _claim_run(r.claim_cfr, (), {r.P_CFR: 0})


def test_signalfd_fault_claim_holds_without_the_guardian() -> None:
    _claim_run(r.claim_sfdfault, (r.FAULTS,), {r.P_SFDFAULT: 0}, mode="off")


def test_signalfd_record_lost_at_a_fault_is_not_refused() -> None:
    # -f: signalfd_read_iter() dequeues SIGUSR1, copies its record, dequeues SIGUSR2 and
    # fails to copy it: "return total ? total : ret" -- 128, SIGUSR2 lost (rt_sigpending
    # shows neither).  (qemu-user checks the whole buffer first and answers -EFAULT, with
    # SIGUSR2 left pending.)
    _claim_run(r.claim_sfdfault, (r.FAULTS,), {r.P_SFDFAULT: 0})


def testhonest_signalfd_record_lost_at_a_fault_is_not_refused() -> None:
    # The kernel model copies record by record as signalfd_read_iter() does: 128, SIGUSR2
    # lost -- and return.signalfd_copied lets that through, both ways of the victim.
    _claim_run(honest, (r.FAULTS,), {r.P_SFDFAULT: 0})
    _claim_run(honest, (r.FAULTS,), {r.P_SFDFAULT: 0}, mode="off")


def test_poll_restart_claim_holds_without_the_guardian() -> None:
    _claim_run(r.claim_pollign, (r.IGNORED,), {r.P_PPOLLIGN: 0, r.P_PSELIGN: 0}, mode="off")


def test_poll_restarted_after_a_discarded_signal_is_not_refused() -> None:
    # -i: set_user_sigmask() unblocks the pending SIGURG (SIG_DFL: ignore) or SIGUSR1
    # (SIG_IGN, queued while blocked: sig_ignored()); do_poll()/do_select() return
    # -ERESTARTNOHAND, get_signal() discards the signal, arm64 do_signal() rewinds to the
    # svc, the restarted call finds nothing: 0, the signal gone (qemu-user on a 6.18 host:
    # 0 both).  The kernel model answers 0 but leaves the signal pending.
    _claim_run(r.claim_pollign, (r.IGNORED,), {r.P_PPOLLIGN: 0, r.P_PSELIGN: 0})


def test_pwritev2_append_claim_holds_without_the_guardian() -> None:
    _claim_run(r.claim_pwv2app, (), {r.P_PWV2APP: 0}, mode="off")


def test_pwritev2_append_is_not_refused() -> None:
    # kiocb_set_rw_flags(): RWF_APPEND sets IOCB_APPEND (no FMODE needed);
    # generic_write_checks() puts ki_pos at i_size: m*100 q*10, f_pos untouched (an
    # explicit offset).  The kernel model answers -EOPNOTSUPP (qemu-user: -ENOSYS).
    _claim_run(r.claim_pwv2app, (), {r.P_PWV2APP: 0})
