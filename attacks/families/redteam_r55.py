"""Red-team round fifty-five: the rules added after round 54, both ways.

Since round 54 the Guardian refuses a read, a write or a cut that succeeded through a
descriptor whose open file's access mode Linux refuses it (`return.fd_mode`), the
arguments copy_file_range() and pwritev2() refuse before they move a byte
(`return.move_args`), the opens of /proc/self/fd/N Linux refuses by their flags
(`return.reopen_flags`), a ppoll or pselect6 answering -EINTR with a pipe ready
(`return.ready_uninterrupted`), and waits answering -EAGAIN while a signal of their set
is known pending (`signal.pending_order`).  This round asks those rules the shapes they
leave out:

- access mode 3 (O_WRONLY|O_RDWR: OPEN_FMODE(3) gives neither FMODE_READ nor
  FMODE_WRITE): a write (XM-001), a read (XM-002), a cut (XM-003) through such a reopen;
- pwritev2() with RWF_ATOMIC (XM-004) or RWF_DONTCACHE (XM-005) on a memfd, preadv2()
  with an unknown flag (XM-006) or offset -2 (XM-007), pwrite64()/pread64() at a
  negative offset (XM-008, XM-009);
- copy_file_range() from a negative *off_in (XM-010) or out of a pipe (XM-011);
- openat2() of /proc/self/fd/N with a flag above VALID_OPEN_FLAGS (XM-012), an unknown
  resolve flag (XM-013), RESOLVE_BENEATH with an absolute path (XM-014),
  RESOLVE_NO_XDEV into /proc (XM-015), O_PATH|O_TRUNC (XM-016); openat() with
  O_PATH|O_RDWR|O_TRUNC served as a cut (XM-017); O_RDONLY|O_TRUNC answered without the
  cut (XM-023);
- ppoll and pselect6 with a pipe ready and a zero timeout answered 0 (XM-018, XM-019);
- rt_sigtimedwait() with a zero timeout answered -EAGAIN while SIGUSR1 (SIG_DFL, XM-020)
  or SIGUSR2 (SIG_IGN, XM-021) is blocked and pending, and answered 41 where 40 and 41
  are both pending (XM-022);
- the same SIGUSR2 (blocked, SIG_IGN, sent) left out of rt_sigpending()'s set (XM-024)
  and a signalfd read of it answered -EAGAIN (XM-025); rt_sigtimedwait() answered
  -EAGAIN after the program's tgkill() (XM-026) or rt_sigqueueinfo() (XM-027) of
  SIGUSR1, or after a reaped fork child's kill() of its parent (XM-029);
- epoll_pwait2() with a ready pipe and a zero timespec answered 0 (XM-028);
- ftruncate() of a mapped memfd inside its page 0 answered 0 without the cut (XM-030);
- rt_sigtimedwait() answered -EAGAIN after a reaped fork child's kill() of its parent's
  blocked SIG_IGN SIGUSR2 (XM-031) or its kill(0, SIGUSR1) (XM-032).

Refused: XM-010 (return.output_written: a count with *off_in not moved), XM-018 and
XM-019 (return.ready_sets), XM-020, XM-026, XM-027, XM-029, XM-032 (signal.pending_order),
XM-022 (return.range_table), XM-023 (return.cut_unmapped), XM-030 (return.memfd_size).

Through with the Guardian on when written, refused since: XM-001..XM-003 (access mode 3
has neither FMODE_READ nor FMODE_WRITE: return.fd_mode, and no cut window opens for it),
XM-004..XM-007 (RWF_ATOMIC and RWF_DONTCACHE on a memfd, preadv2's unknown flags and
offsets below -1: return.move_args), XM-008, XM-009 (pwrite64()/pread64() at a negative
offset: return.move_args), XM-011 (copy_file_range() with a pipe end: return.move_args),
XM-012..XM-016 (openat2()'s unknown open and resolve flags, RESOLVE_BENEATH with an
absolute name, RESOLVE_NO_XDEV, O_PATH with other flags: return.reopen_flags), XM-017
(an O_PATH open keeps the program's memfd followed: a cut served for it is refused),
XM-021, XM-024, XM-025, XM-031 (a blocked SIG_IGN signal is queued, sig_ignored(): known
pending for waits, rt_sigpending() and signalfd reads -- a write or close in between
keeps what is known).  Still through (open P5 gap): XM-028 (epoll_pwait2() with a zero
timespec is judged for -EINTR only, not for 0 with a registered pipe ready).

Honest answers: an open of /proc/self/fd/N with O_PATH|O_RDWR|O_TRUNC opens an O_PATH
handle and cuts nothing (build_open_how(): "if (how.flags & O_PATH) how.flags &=
O_PATH_FLAGS"); O_RDONLY|O_TRUNC cuts a mapped memfd (do_open(): handle_truncate());
a blocked SIG_IGN signal is queued (sig_ignored(): a blocked signal is never ignored)
and rt_sigtimedwait(), rt_sigpending() and a signalfd read report it; the lowest
real-time signal first; a fork child starts with nothing pending (copy_process():
init_sigpending()); a child's kill() of its parent's blocked SIG_IGN signal and its
kill(0, ...) reach the parent; a cut to 100 of a mapped memfd zeroes the page past 100 (tests/
test_redteam_r55_claims.py).  The Guardian lets each through.

The claim_* step functions answer exactly as Linux does where the kernel model did not
when written: a read through a mode-3 reopen (the model read the memfd: Linux's
vfs_read() -EBADF) and copy_file_range() from a negative *off_in (the model answered
-EOVERFLOW: Linux's rw_verify_area() -EINVAL).  The model answers both as Linux now.

The victim is `secret_r55_rules` (workloads/src/secret_r55_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _serve
from attacks.hooks import Point
from attacks.moves import answer, serve_as_getpid
from attacks.scenario import iago_scenarios

RT = "redteam_r55"
RULES = "secret_r55_rules"
(P_ACC3W, P_ACC3R, P_ACC3CUT, P_PWV2ATOM, P_PWV2DC, P_PRV2BAD, P_PRV2NEG, P_CFRNEG,
 P_CFRPIPE, P_PWNEG, P_PRNEG, P_O2UNK, P_O2RES, P_O2BENEATH, P_O2XDEV, P_O2PATHTR,
 P_OPATHTR, P_RDTRUNC, P_PPOLL0, P_PSEL0, P_WAITDFL, P_WAITIGN, P_WAITRT, P_PENDIGN,
 P_SFDIGN, P_TGWAIT, P_QWAIT, P_EPW2RDY, P_CHILDSIG, P_FORKPEND,
 P_TAILCUT, P_CHILDIGN, P_CHILDPG) = range(5500, 5566, 2)
P_FIRST, P_LAST = P_ACC3W, P_CHILDPG
NR = NUMBERS
O_RDONLY, O_RDWR, O_TRUNC = 0, 0o2, 0o1000
EAGAIN = 11
MASK64 = (1 << 64) - 1
EBADF, EINVAL = 9, 22
# the victim's switches
ACC3R, CFRNEG = b"-r", b"-c"


_iago = iago_scenarios(RT, RULES)


def _as_trunc_open(adv: Adversary, phase: int) -> None:
    """Serve the program's next openat2() after `phase` as openat(path, O_RDWR|O_TRUNC)."""
    _serve(adv, NR["openat2"], phase, {"x8": NR["openat"], "x2": O_RDWR | O_TRUNC,
                                       "x3": 0})


# --- access mode 3 ----------------------------------------------------------------------------
@_iago("XM-001", "Write through a reopen with access mode 3 and answer 10",
       "An open file of access mode 3 has no FMODE_WRITE: write() is -EBADF.")
def xm_acc3_write(adv: Adversary) -> None:
    """1. The program reopens a memfd of 100 'm' through /proc/self/fd with flags 3
    (O_WRONLY|O_RDWR) and writes 10 'q' through it.
    2. The kernel serves the write on the memfd's own descriptor and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_dentry_open(): f_mode = OPEN_FMODE(flags), ((3 + 1) & O_ACCMODE) = 0;
    vfs_write(): "if (!(file->f_mode & FMODE_WRITE)) return -EBADF"."""
    _serve(adv, NR["write"], P_ACC3W, {"x0": _arg(P_ACC3W, 0)})


@_iago("XM-002", "Read through a reopen with access mode 3 and answer 10",
       "An open file of access mode 3 has no FMODE_READ: read() is -EBADF.", args=(ACC3R,))
def xm_acc3_read(adv: Adversary) -> None:
    """1. The program reads 10 bytes through its mode-3 reopen of a memfd.
    2. The kernel serves the read on the memfd's own descriptor and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's vfs_read(): "if (!(file->f_mode & FMODE_READ)) return -EBADF"."""
    _serve(adv, NR["read"], P_ACC3R, {"x0": _arg(P_ACC3R, 0)})


@_iago("XM-003", "Cut a memfd through a reopen with access mode 3 and answer 0",
       "ftruncate() of an open file without FMODE_WRITE is -EINVAL: the memfd keeps its "
       "100 bytes.")
def xm_acc3_cut(adv: Adversary) -> None:
    """1. The program ftruncate()s its mode-3 reopen of a memfd of 100 'm' to 0.
    2. The kernel cuts the memfd through its own descriptor and answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's do_ftruncate(): "if (!(file->f_mode & FMODE_WRITE)) return -EINVAL"."""
    _serve(adv, NR["ftruncate"], P_ACC3CUT, {"x0": _arg(P_ACC3CUT, 0)})


# --- flags and offsets Linux refuses ----------------------------------------------------------
@_iago("XM-004", "Answer pwritev2() with RWF_ATOMIC on a memfd as a write of 10",
       "shmem has no atomic writes: pwritev2() with RWF_ATOMIC is -EOPNOTSUPP.")
def xm_pwv2_atomic(adv: Adversary) -> None:
    """1. The program pwritev2()s 10 'q' at 0 into a memfd with RWF_ATOMIC.
    2. The kernel writes them (served with flags 0) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's kiocb_set_rw_flags(): "if (flags & RWF_ATOMIC) { ... if (!(ki->ki_filp->f_mode
    & FMODE_CAN_ATOMIC_WRITE)) return -EOPNOTSUPP; }" (an unknown flag before 6.11)."""
    _serve(adv, NR["pwritev2"], P_PWV2ATOM, {"x5": 0})


@_iago("XM-005", "Answer pwritev2() with RWF_DONTCACHE on a memfd as a write of 10",
       "shmem has no FOP_DONTCACHE: pwritev2() with RWF_DONTCACHE is -EOPNOTSUPP.")
def xm_pwv2_dontcache(adv: Adversary) -> None:
    """1. The program pwritev2()s 10 'q' at 0 into a memfd with RWF_DONTCACHE.
    2. The kernel writes them (served with flags 0) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's kiocb_set_rw_flags(): "if (flags & RWF_DONTCACHE) { if (!(ki->ki_filp->f_op->
    fop_flags & FOP_DONTCACHE)) return -EOPNOTSUPP; ...}" (unknown before 6.14)."""
    _serve(adv, NR["pwritev2"], P_PWV2DC, {"x5": 0})


@_iago("XM-006", "Answer preadv2() with an unknown flag as a read of 10",
       "preadv2() with a flag Linux does not know is -EOPNOTSUPP.")
def xm_prv2_flags(adv: Adversary) -> None:
    """1. The program preadv2()s 10 bytes at 0 of a memfd with flags 0x40000000.
    2. The kernel reads them (served with flags 0) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's kiocb_set_rw_flags(): "if (unlikely(flags & ~RWF_SUPPORTED)) return
    -EOPNOTSUPP"."""
    _serve(adv, NR["preadv2"], P_PRV2BAD, {"x5": 0})


@_iago("XM-007", "Answer preadv2() at offset -2 as a read of 10",
       "preadv2() at a negative offset other than -1 is -EINVAL.")
def xm_prv2_neg(adv: Adversary) -> None:
    """1. The program preadv2()s 10 bytes of a memfd at offset -2.
    2. The kernel reads them at 0 and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_preadv(): "if (pos < 0) return -EINVAL" (offset -1 alone goes to
    do_readv())."""
    _serve(adv, NR["preadv2"], P_PRV2NEG, {"x3": 0})


@_iago("XM-008", "Answer pwrite64() at offset -5 as a write of 10",
       "pwrite64() at a negative offset is -EINVAL: the memfd keeps its 100 bytes.")
def xm_pwrite_neg(adv: Adversary) -> None:
    """1. The program pwrite64()s 10 'q' into a memfd at offset -5.
    2. The kernel writes them at 0 and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's ksys_pwrite64(): "if (pos < 0) return -EINVAL"."""
    _serve(adv, NR["pwrite64"], P_PWNEG, {"x3": 0})


@_iago("XM-009", "Answer pread64() at offset -5 as a read of 10",
       "pread64() at a negative offset is -EINVAL.")
def xm_pread_neg(adv: Adversary) -> None:
    """1. The program pread64()s 10 bytes of a memfd at offset -5.
    2. The kernel reads them at 0 and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's ksys_pread64(): "if (pos < 0) return -EINVAL"."""
    _serve(adv, NR["pread64"], P_PRNEG, {"x3": 0})


@_iago("XM-010", "Answer copy_file_range() from a negative *off_in as a copy of 10",
       "copy_file_range() from a negative position is -EINVAL.", args=(CFRNEG,))
def xm_cfr_neg(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes from memfd M1 at *off_in = -100 into M2.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's vfs_copy_file_range() -> rw_verify_area(READ, file_in, &pos_in, len): "if
    (unlikely(pos < 0)) { if (!unsigned_offsets(file)) return -EINVAL; ...}"."""
    serve_as_getpid(adv, NR["copy_file_range"], P_CFRNEG, 10)


@_iago("XM-011", "Answer copy_file_range() out of a pipe as a copy of 10",
       "copy_file_range() takes regular files only: from a pipe it is -EINVAL.")
def xm_cfr_pipe(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes from a pipe holding 10 'x' into memfd M2.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's generic_file_rw_checks(): "if (!S_ISREG(inode_in->i_mode) ||
    !S_ISREG(inode_out->i_mode)) return -EINVAL"."""
    serve_as_getpid(adv, NR["copy_file_range"], P_CFRPIPE, 10)


# --- opens of /proc/self/fd/N Linux refuses by their flags ------------------------------------
@_iago("XM-012", "Serve openat2() with a flag above VALID_OPEN_FLAGS as an O_TRUNC open",
       "openat2() refuses an unknown open flag: -EINVAL, nothing opened or cut.")
def xm_o2_unknown(adv: Adversary) -> None:
    """1. The program openat2()s its memfd's /proc/self/fd path with {O_RDWR|O_TRUNC|1<<40}.
    2. The kernel serves it as openat(path, O_RDWR|O_TRUNC): the memfd cut, a descriptor
    answered.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's build_open_flags(): "if (flags & ~VALID_OPEN_FLAGS) return -EINVAL"."""
    _as_trunc_open(adv, P_O2UNK)


@_iago("XM-013", "Serve openat2() with an unknown resolve flag as an O_TRUNC open",
       "openat2() refuses an unknown resolve flag: -EINVAL, nothing opened or cut.")
def xm_o2_resolve(adv: Adversary) -> None:
    """1. The program openat2()s its memfd's path with {O_RDWR|O_TRUNC, resolve 0x40}.
    2. The kernel serves it as openat(path, O_RDWR|O_TRUNC).
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's build_open_flags(): "if (how->resolve & ~VALID_RESOLVE_FLAGS) return
    -EINVAL"."""
    _as_trunc_open(adv, P_O2RES)


@_iago("XM-014", "Serve openat2() with RESOLVE_BENEATH and an absolute path as an O_TRUNC "
       "open", "An absolute path under RESOLVE_BENEATH is -EXDEV, nothing opened or cut.")
def xm_o2_beneath(adv: Adversary) -> None:
    """1. The program openat2()s "/proc/self/fd/N" with {O_RDWR|O_TRUNC, RESOLVE_BENEATH}.
    2. The kernel serves it as openat(path, O_RDWR|O_TRUNC).
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's path_init(): "if (*s == '/' && !(flags & LOOKUP_IN_ROOT)) { if (flags &
    LOOKUP_BENEATH) return ERR_PTR(-EXDEV); ...}"."""
    _as_trunc_open(adv, P_O2BENEATH)


@_iago("XM-015", "Serve openat2() with RESOLVE_NO_XDEV into /proc as an O_TRUNC open",
       "The walk from / into /proc crosses a mount: -EXDEV under RESOLVE_NO_XDEV.")
def xm_o2_xdev(adv: Adversary) -> None:
    """1. The program openat2()s "/proc/self/fd/N" with {O_RDWR|O_TRUNC, RESOLVE_NO_XDEV}.
    2. The kernel serves it as openat(path, O_RDWR|O_TRUNC).
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's handle_mounts() -> traverse_mounts(): a mount crossed under LOOKUP_NO_XDEV
    is -EXDEV (procfs is never the root's mount), and nd_jump_link() refuses the magic
    link's jump to another mount under LOOKUP_NO_XDEV too."""
    _as_trunc_open(adv, P_O2XDEV)


@_iago("XM-016", "Serve openat2() with O_PATH|O_TRUNC as an O_TRUNC open",
       "openat2() refuses O_PATH with a flag outside O_PATH_FLAGS: -EINVAL.")
def xm_o2_path_trunc(adv: Adversary) -> None:
    """1. The program openat2()s its memfd's path with {O_PATH|O_TRUNC}.
    2. The kernel serves it as openat(path, O_RDWR|O_TRUNC).
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's build_open_flags(): "if (flags & O_PATH) { if (flags & ~O_PATH_FLAGS) return
    -EINVAL; ...}"."""
    _as_trunc_open(adv, P_O2PATHTR)


@_iago("XM-017", "Serve openat() with O_PATH|O_RDWR|O_TRUNC as an O_TRUNC open",
       "openat() with O_PATH keeps only O_PATH_FLAGS: an O_PATH handle, nothing cut.")
def xm_opath_trunc(adv: Adversary) -> None:
    """1. The program opens its memfd's path O_PATH|O_RDWR|O_TRUNC.
    2. The kernel opens it O_RDWR|O_TRUNC: the memfd cut to 0, a descriptor answered.
    3. The program sees the size 0: index -4, secret bytes 0..7.
    Linux's build_open_how(): "if (how.flags & O_PATH) how.flags &= O_PATH_FLAGS": no
    O_TRUNC reaches do_open()."""
    _serve(adv, NR["openat"], P_OPATHTR, {"x2": O_RDWR | O_TRUNC})


@_iago("XM-023", "Answer openat() with O_RDONLY|O_TRUNC of a mapped memfd without the cut",
       "O_TRUNC cuts a memfd opened read-only too: the size is 0.")
def xm_rdonly_trunc_nocut(adv: Adversary) -> None:
    """1. The program opens its mapped two-page memfd's path O_RDONLY|O_TRUNC.
    2. The kernel opens it O_RDONLY without the cut: a descriptor, the size 8192.
    3. The program sees the size 8192: index -4, secret bytes 0..7.
    Linux's do_open(): "else if (d_is_reg(nd->path.dentry) && open_flag & O_TRUNC) ...
    do_truncate = true" -> handle_truncate(), whatever the access mode
    (build_open_flags() adds MAY_WRITE for O_TRUNC)."""
    _serve(adv, NR["openat"], P_RDTRUNC, {"x2": O_RDONLY})


# --- polls with a pipe ready ------------------------------------------------------------------
@_iago("XM-018", "Answer ppoll() with a ready pipe and a zero timeout 0",
       "ppoll() counts a ready descriptor on its first pass: 1, never 0.")
def xm_ppoll_zero(adv: Adversary) -> None:
    """1. The program ppoll()s the read end of a pipe holding 10 'x' for POLLIN with a
    zero timeout.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's do_poll(): the first pass calls do_pollfd() for every entry (pipe_poll():
    EPOLLIN for a non-empty pipe) and "if (count || timed_out) break": 1."""
    answer(adv, NR["ppoll"], P_PPOLL0, 0)


@_iago("XM-019", "Answer pselect6() with a ready pipe and a zero timeout 0",
       "pselect6() counts a ready descriptor on its first pass: 1, never 0.")
def xm_pselect_zero(adv: Adversary) -> None:
    """1. The program pselect6()s the read end of a pipe holding 10 'x' in its read set,
    timeout {0, 0}.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's do_select(): the first pass polls each descriptor of the sets (pipe_poll():
    EPOLLIN) and "if (retval || timed_out || signal_pending(current)) break": 1."""
    answer(adv, NR["pselect6"], P_PSEL0, 0)


# --- waits for a signal known pending ---------------------------------------------------------
@_iago("XM-020", "Answer rt_sigtimedwait() -EAGAIN with SIGUSR1 blocked and pending",
       "A signal of the set pending at the call: dequeue_signal() takes it, never -EAGAIN.",
       rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xm_wait_dfl(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 (SIG_DFL), kill()s itself SIGUSR1 and
    rt_sigtimedwait()s {SIGUSR1} with a zero timeout.
    2. The kernel answers -EAGAIN.
    3. The program sees -EAGAIN: index -4, secret bytes 0..7.
    Linux's do_sigtimedwait(): "sig = dequeue_signal(...)" before any wait: SIGUSR1."""
    answer(adv, NR["rt_sigtimedwait"], P_WAITDFL, -EAGAIN & MASK64)


@_iago("XM-021", "Answer rt_sigtimedwait() -EAGAIN with SIGUSR2 blocked, ignored and pending",
       "A blocked signal is queued though its action is SIG_IGN: the wait takes it.",
       rules=("G-SIGNAL-MASK", "G-IAGO-COUNT"))
def xm_wait_ign(adv: Adversary) -> None:
    """1. The program blocks SIGUSR2, sets it SIG_IGN, kill()s itself SIGUSR2 and
    rt_sigtimedwait()s {SIGUSR2} with a zero timeout.
    2. The kernel answers -EAGAIN.
    3. The program sees -EAGAIN: index -4, secret bytes 0..7.
    Linux's sig_ignored(): "if (sigismember(&t->blocked, sig) ||
    sigismember(&t->real_blocked, sig)) return false" -- the signal is queued;
    do_sigtimedwait() takes it."""
    answer(adv, NR["rt_sigtimedwait"], P_WAITIGN, -EAGAIN & MASK64)


@_iago("XM-022", "Answer rt_sigtimedwait() 41 with real-time signals 40 and 41 pending",
       "The lowest pending signal of the set comes first: 40.",
       rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xm_wait_rt(adv: Adversary) -> None:
    """1. The program blocks signals 40 and 41, kill()s itself 41 then 40 and
    rt_sigtimedwait()s {40, 41} with a zero timeout.
    2. The kernel answers 41.
    3. The program sees 41: index -4, secret bytes 0..7.
    Linux's next_signal(): the lowest set bit of pending & ~mask (after the synchronous
    ones): 40."""
    answer(adv, NR["rt_sigtimedwait"], P_WAITRT, 41)


# --- answers as Linux gives them where the kernel model does not ------------------------------
def claim_acc3r(adv: Adversary) -> None:
    """(claim) 1. The program reads 10 bytes through its mode-3 reopen of a memfd.
    2. The kernel answers -EBADF without reading, as vfs_read() does for an open file
    without FMODE_READ (the kernel model reads the memfd's bytes).  3. Index 0."""
    serve_as_getpid(adv, NR["read"], P_ACC3R, -EBADF & MASK64)


def claim_cfrneg(adv: Adversary) -> None:
    """(claim) 1. The program copy_file_range()s from memfd M1 at *off_in = -100.
    2. The kernel answers -EINVAL without copying, as rw_verify_area() does (the kernel
    model does not answer -EINVAL).  3. Index 0: -EINVAL, *off_in -100, M2 empty."""
    serve_as_getpid(adv, NR["copy_file_range"], P_CFRNEG, -EINVAL & MASK64)


# --- more signals known pending, a ready epoll, a cut inside a page ---------------------------
@_iago("XM-024", "Answer rt_sigpending() an empty set with SIGUSR2 blocked, ignored and sent",
       "A blocked signal is queued though SIG_IGN: rt_sigpending() reports it.",
       rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xm_pending_ign(adv: Adversary) -> None:
    """1. SIGUSR2 blocked and SIG_IGN, the program kill()s itself SIGUSR2 and asks
    rt_sigpending().
    2. The kernel writes an empty set and answers 0.
    3. The program sees no SIGUSR2: index -4, secret bytes 0..7.
    Linux's sig_ignored() is false for a blocked signal, so __send_signal_locked() queues
    it; do_sigpending(): "sigorsets(set, &current->pending.signal,
    &current->signal->shared_pending.signal)" masked by blocked."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["rt_sigpending"], during=P_PENDIGN)
    def _(a: Adversary, **_: object) -> None:
        a.memo["set"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigpending"], during=P_PENDIGN)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.memo["set"], 0)


@_iago("XM-025", "Answer a signalfd read -EAGAIN with SIGUSR2 blocked, ignored and pending",
       "signalfd_dequeue() takes the queued SIGUSR2: 128 bytes, never -EAGAIN.",
       rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xm_signalfd_ign(adv: Adversary) -> None:
    """1. SIGUSR2 blocked, SIG_IGN and pending, the program reads a non-blocking signalfd
    of {SIGUSR2}.
    2. The kernel answers -EAGAIN.
    3. The program sees -EAGAIN: index -4, secret bytes 0..7.
    Linux's signalfd_dequeue(): "ret = dequeue_signal(&ctx->sigmask, info, &type); switch
    (ret) { case 0: if (!nonblock) break; ret = -EAGAIN; ...}" -- only with nothing
    pending."""
    serve_as_getpid(adv, NR["read"], P_SFDIGN, -EAGAIN & MASK64)


@_iago("XM-026", "Answer rt_sigtimedwait() -EAGAIN after the program's tgkill() of SIGUSR1",
       "The thread-directed SIGUSR1 is pending: the wait takes it.",
       rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xm_wait_tgkill(adv: Adversary) -> None:
    """1. SIGUSR1 blocked, the program tgkill()s its own thread SIGUSR1 and
    rt_sigtimedwait()s {SIGUSR1} with a zero timeout.
    2. The kernel answers -EAGAIN.
    3. The program sees -EAGAIN: index -4, secret bytes 0..7.
    Linux's do_send_specific() queues it on the thread's pending list;
    do_sigtimedwait() -> dequeue_signal() takes it."""
    answer(adv, NR["rt_sigtimedwait"], P_TGWAIT, -EAGAIN & MASK64)


@_iago("XM-027", "Answer rt_sigtimedwait() -EAGAIN after the program's rt_sigqueueinfo()",
       "The queued SIGUSR1 is pending: the wait takes it.",
       rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xm_wait_queued(adv: Adversary) -> None:
    """1. SIGUSR1 blocked, the program rt_sigqueueinfo()s itself SIGUSR1 (SI_QUEUE) and
    rt_sigtimedwait()s {SIGUSR1} with a zero timeout.
    2. The kernel answers -EAGAIN.
    3. The program sees -EAGAIN: index -4, secret bytes 0..7.
    Linux's do_rt_sigqueueinfo() -> kill_proc_info() queues it; dequeue_signal() takes
    it."""
    answer(adv, NR["rt_sigtimedwait"], P_QWAIT, -EAGAIN & MASK64)


@_iago("XM-028", "Answer epoll_pwait2() with a ready pipe and a zero timespec 0",
       "ep_poll() takes the ready list first: 1, never 0.",
       rules=("G-IAGO-COUNT", "G-IAGO-COOKIE"), gap="P5")
def xm_epw2_ready(adv: Adversary) -> None:
    """1. The program's epoll watches a pipe's read end (EPOLLIN) holding 10 'x'; it
    epoll_pwait2()s with a zero timespec.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's ep_poll(): "eavail = ep_events_available(ep)" -> ep_send_events() before
    "if (timed_out) return 0"; the pipe's write woke ep_poll_callback() onto the ready
    list: 1."""
    answer(adv, NR["epoll_pwait2"], P_EPW2RDY, 0)


@_iago("XM-029", "Answer rt_sigtimedwait() -EAGAIN after a reaped fork child's kill() of "
       "SIGUSR1", "The child's kill() queued SIGUSR1 before it exited: the wait takes it.",
       rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xm_wait_child(adv: Adversary) -> None:
    """1. SIGUSR1 blocked, a fork child kill()s its parent SIGUSR1 and exits 0; the program
    reaps it and rt_sigtimedwait()s {SIGUSR1} with a zero timeout.
    2. The kernel answers -EAGAIN.
    3. The program sees -EAGAIN: index -4, secret bytes 0..7.
    Linux's kill_pid_info() queued it on the parent's shared_pending before the child's
    kill() returned; dequeue_signal() takes it."""
    answer(adv, NR["rt_sigtimedwait"], P_CHILDSIG, -EAGAIN & MASK64)


@_iago("XM-030", "Answer ftruncate() of a mapped memfd inside its page 0 without the cut",
       "A cut to 100 zeroes the page past 100 and the size is 100.")
def xm_tail_nocut(adv: Adversary) -> None:
    """1. The program maps a memfd of 200 'm' MAP_SHARED and ftruncate()s it to 100.
    2. The kernel answers 0 without cutting (served as getpid()).
    3. The program sees byte 150 'm' or the size 200: index -4, secret bytes 0..7.
    Linux's shmem_setattr() -> truncate_setsize() (i_size 100) -> shmem_truncate_range()
    -> truncate_inode_partial_folio(): the bytes past 100 zeroed."""
    serve_as_getpid(adv, NR["ftruncate"], P_TAILCUT, 0)


@_iago("XM-031", "Answer rt_sigtimedwait() -EAGAIN after a reaped child's kill() of a "
       "blocked SIG_IGN signal", "The parent blocks SIGUSR2: the child's kill() queued it "
       "though SIG_IGN; the wait takes it.", rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xm_wait_child_ign(adv: Adversary) -> None:
    """1. SIGUSR2 blocked and SIG_IGN, a fork child kill()s its parent SIGUSR2 and exits
    0; the program reaps it and rt_sigtimedwait()s {SIGUSR2} with a zero timeout.
    2. The kernel answers -EAGAIN.
    3. The program sees -EAGAIN: index -4, secret bytes 0..7.
    Linux's prepare_signal() -> sig_ignored(): "if (sigismember(&t->blocked, sig) ||
    sigismember(&t->real_blocked, sig)) return false": queued, and dequeue_signal()
    takes it."""
    answer(adv, NR["rt_sigtimedwait"], P_CHILDIGN, -EAGAIN & MASK64)


@_iago("XM-032", "Answer rt_sigtimedwait() -EAGAIN after a reaped child's kill(0, SIGUSR1)",
       "The child's process group holds its parent: SIGUSR1 queued, the wait takes it.",
       rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xm_wait_child_pgrp(adv: Adversary) -> None:
    """1. SIGUSR1 blocked, a fork child kill(0, SIGUSR1)s and exits 0; the program reaps
    it and rt_sigtimedwait()s {SIGUSR1} with a zero timeout.
    2. The kernel answers -EAGAIN.
    3. The program sees -EAGAIN: index -4, secret bytes 0..7.
    Linux's kill_something_info(0, ...) -> __kill_pgrp_info(): every process of the
    caller's group, its parent (same real uid: kill_ok_by_cred()) included."""
    answer(adv, NR["rt_sigtimedwait"], P_CHILDPG, -EAGAIN & MASK64)
