"""Round 55's honest answers: what Linux does on the edges of the rules added after round
54 (the access mode an open file has, the arguments the moves and the positioned calls
refuse, the opens of /proc/self/fd/N refused by their flags, polls with a ready pipe,
waits for a signal known pending), which a monitor could mistake for forged.

Each test runs the round-55 victim (secret_r55_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r55.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r55 as r
from tests.honest_runs import claim_run, honest


def _claim_run(steps, args: tuple[bytes, ...],  # type: ignore[no-untyped-def]
               expect: dict[int, int], mode: str = "on"):
    return claim_run(r, steps, args, expect, mode)


def test_honest_default_steps_are_not_refused() -> None:
    # do_dentry_open(): OPEN_FMODE(3) has neither FMODE_READ nor FMODE_WRITE, so
    # vfs_write() -EBADF and do_ftruncate() -EINVAL through a mode-3 reopen;
    # kiocb_set_rw_flags(): -EOPNOTSUPP for RWF_ATOMIC and RWF_DONTCACHE on shmem and for
    # an unknown preadv2() flag; do_preadv(), ksys_pwrite64(), ksys_pread64(): -EINVAL
    # at a negative offset; generic_file_rw_checks(): copy_file_range() out of a pipe
    # -EINVAL; build_open_how(): O_PATH|O_RDWR|O_TRUNC opens an O_PATH handle, nothing
    # cut; do_open(): O_RDONLY|O_TRUNC cuts a mapped memfd to 0; do_poll() and
    # do_select(): 1 for a ready pipe with a zero timeout; do_sigtimedwait(): a blocked
    # SIG_DFL signal pending, a blocked SIG_IGN one (sig_ignored() is false for a
    # blocked signal), and the lower of two real-time signals first (next_signal());
    # rt_sigpending() and a signalfd read reporting that SIG_IGN one (do_sigpending(),
    # signalfd_dequeue()); the waits after a tgkill(), an rt_sigqueueinfo() and a reaped
    # fork child's kill(); epoll_pwait2() with a zero timespec and a ready pipe: 1
    # (ep_poll()); a fork child's wait for a signal pending in its parent: -EAGAIN
    # (copy_process(): init_sigpending()); a cut to 100 of a mapped memfd zeroing the
    # page past 100 (truncate_inode_partial_folio()); a reaped child's kill() of its
    # parent's blocked SIG_IGN signal (queued: sig_ignored()) and its kill(0, SIGUSR1)
    # (__kill_pgrp_info()) pending in the parent.
    # A 6.18 host natively: each the same (openat2: -EINVAL, -EINVAL, -EXDEV, -EXDEV,
    # -EINVAL); qemu-user: the same, but openat2 and epoll_pwait2 -ENOSYS.  openat2() is -ENOSYS in the
    # kernel model.
    _claim_run(honest, (), {r.P_ACC3W: 0, r.P_ACC3CUT: 0, r.P_PWV2ATOM: 0, r.P_PWV2DC: 0,
                            r.P_PRV2BAD: 0, r.P_PRV2NEG: 0, r.P_PWNEG: 0, r.P_PRNEG: 0,
                            r.P_CFRPIPE: 0, r.P_O2UNK: 1, r.P_O2RES: 1, r.P_O2BENEATH: 1,
                            r.P_O2XDEV: 1, r.P_O2PATHTR: 1, r.P_OPATHTR: 0, r.P_RDTRUNC: 0,
                            r.P_PPOLL0: 0, r.P_PSEL0: 0, r.P_WAITDFL: 0, r.P_WAITIGN: 0,
                            r.P_WAITRT: 0, r.P_PENDIGN: 0, r.P_SFDIGN: 0, r.P_TGWAIT: 0,
                            r.P_QWAIT: 0, r.P_EPW2RDY: 0, r.P_CHILDSIG: 0,
                            r.P_FORKPEND: 0, r.P_TAILCUT: 0, r.P_CHILDIGN: 0,
                            r.P_CHILDPG: 0})


def test_acc3_read_claim_holds_without_the_guardian() -> None:
    _claim_run(r.claim_acc3r, (r.ACC3R,), {r.P_ACC3R: 0}, mode="off")


def test_read_through_a_mode_3_reopen_refused_with_ebadf_is_not_refused() -> None:
    # -r: vfs_read(): no FMODE_READ, -EBADF (a 6.18 host natively: the same; qemu-user
    # answers 10).  The kernel model reads the memfd's bytes.
    _claim_run(r.claim_acc3r, (r.ACC3R,), {r.P_ACC3R: 0})


def test_cfr_negative_claim_holds_without_the_guardian() -> None:
    _claim_run(r.claim_cfrneg, (r.CFRNEG,), {r.P_CFRNEG: 0}, mode="off")


def test_copy_from_a_negative_position_refused_with_einval_is_not_refused() -> None:
    # -c: rw_verify_area(READ, file_in, &pos_in, len): a negative position, -EINVAL (a
    # 6.18 host natively and qemu-user: the same).  The kernel model answers -EOVERFLOW.
    _claim_run(r.claim_cfrneg, (r.CFRNEG,), {r.P_CFRNEG: 0})
