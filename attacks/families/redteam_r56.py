"""Red-team round fifty-six: the rules added after round 55, both ways.

Since round 55 the Guardian refuses a read, a write or a cut that succeeded through an
open file whose access mode Linux refuses it, or through an O_PATH handle
(`return.fd_mode`); the arguments copy_file_range() and the positioned reads and writes
refuse (`return.move_args`: flags, negative offsets, pipe ends, overlap, O_APPEND, the
source's end); the opens of /proc/self/fd/N Linux refuses by their flags, openat2's
struct and resolve bits (`return.reopen_flags`); a blocked SIG_IGN signal is known
pending; a memfd cut to its own size zeroes its last page past the end.  This round asks
those rules the shapes they leave out:

- openat2() of /proc/self/fd/N with O_TRUNC under RESOLVE_CACHED (XN-001), a mode beyond
  S_IALLUGO (XN-002), a 32-byte struct with a non-zero byte past what Linux knows
  (XN-003), RESOLVE_IN_ROOT (XN-004), each served as an O_TRUNC open;
- preadv2() of a pipe with RWF_ATOMIC (XN-005), pwritev2() into it with RWF_DONTCACHE
  (XN-006) or RWF_ATOMIC (XN-007), pread64() (XN-008), pwrite64() (XN-009) and preadv2()
  (XN-010) of a pipe at offset 0, each served as the plain move; pwritev2() of a memfd
  with RWF_NOWAIT (XN-011);
- splice() between two pipes with an offset (XN-012), of a pipe into itself (XN-020),
  with an unknown flag (XN-021);
- fallocate() punching through a read-only reopen (XN-013);
- ftruncate() of a mapped memfd to its own size answered 0 without the cut, sealed
  F_SEAL_SHRINK|F_SEAL_GROW (XN-014) or through an O_RDWR reopen (XN-015);
- rt_sigtimedwait() answered SIGUSR1 (XN-016) and rt_sigpending() reporting it (XN-017)
  after SIG_IGN flushed it, SIGURG after SIG_DFL (its default ignores it) flushed it
  (XN-023); rt_sigtimedwait() answered -EAGAIN for a blocked SIG_IGN SIGUSR2 sent before
  a pipe's write, read and close, an fstat() and a getppid() (XN-018);
- copy_file_range() within one memfd answered 100 where 50 lie past the position
  (XN-019); pwrite64() through an O_APPEND reopen served at its offset (XN-022).

Refused: XN-019 (return.move_args: no more than lies past the position), XN-022 (the
memfd's bytes followed: a read of byte 0 shows the write was not appended); XN-014 and
XN-015 are defended by construction (the Guardian zeroes the page past the end itself).
Through with the Guardian on when written, refused since: XN-001..XN-003 (openat2's
RESOLVE_CACHED with O_TRUNC, mode bits past S_IALLUGO, a struct tail with bytes set:
return.reopen_flags), XN-005..XN-010 (RWF_ATOMIC/RWF_DONTCACHE on a pipe, a pipe at an
offset: return.move_args), XN-012, XN-020, XN-021 (splice()'s own refusals: an offset for
a pipe, a pipe into itself, unknown flags: return.move_args; the kernel model refuses the
last two as well now), XN-013 (fallocate() through a read-only open file:
return.fd_mode), XN-018 (a stat, a pipe's read or write and the id getters keep what is
known pending).  Still through (open P5 gaps): XN-004 (RESOLVE_IN_ROOT: the Guardian
resolves the name under the lookup's root and does not find the magic link), XN-011
(RWF_NOWAIT on a memfd: whether shmem takes it differs between kernel versions, so a
success is not refused), XN-016, XN-017, XN-023 (a signal an action that ignores it
flushed, reported pending again with a siginfo naming no sender the Guardian knows: a
process outside the program -- or outside its pid namespace, si_pid 0 -- may have sent it
since, so it is not refused).

Honest answers (tests/test_redteam_r56_claims.py): each error above as Linux gives it (a
6.18 host natively), pwrite64() through an O_APPEND reopen appending, the flushes by
SIG_IGN and SIG_DFL, and two successes the Guardian refused when written (xfail then,
passing since): copy_file_range(fd, &50, fd, &100, 100) of a 100-byte memfd copies 50
(generic_copy_file_checks() shortens the count to the end before its overlap test), and
openat2() with O_PATH|O_NOFOLLOW under RESOLVE_NO_MAGICLINKS opens the magic link itself
(step_into(): a trailing link not followed; openat2(2)).

The claim_* step functions answer as Linux does where the kernel model did not when
written: the shortened copy within one memfd (the model answered -EINVAL; it copies 50
now), pwritev2() of a memfd with RWF_NOWAIT (Linux -EOPNOTSUPP, no FMODE_NOWAIT),
fallocate() through an O_PATH handle and a read through a dup3() of one (the model's
O_PATH reopen shared the open file; it is a handle of its own now: -EBADF), splice() of
a pipe into itself and with an unknown flag (-EINVAL, as the model answers now), and the
openat2() calls (the model answers -ENOSYS).

The victim is `secret_r56_rules` (workloads/src/secret_r56_rules.c): each step announces
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

RT = "redteam_r56"
RULES = "secret_r56_rules"
(P_O2CACHED, P_O2MODE, P_O2BIG, P_O2INROOT, P_O2NOMAGIC, P_PRV2ATPIPE, P_PWV2DCPIPE,
 P_PWV2ATPIPE, P_PRPIPE, P_PWPIPE, P_PRV2PIPE0, P_CFRSHORT, P_FALLOCPATH, P_FALLOCRO,
 P_SEALCUT, P_REOPENCUT, P_IGNFLUSH, P_IGNFLUSHPEND, P_IGNCALLS,
 P_PWV2NOWAIT, P_DUPPATHR, P_SPLOFF, P_SPLSAME, P_SPLFLAGS,
 P_APPPWRITE, P_URGFLUSH) = range(5600, 5652, 2)
P_FIRST, P_LAST = P_O2CACHED, P_URGFLUSH
NR = NUMBERS
O_RDWR, O_TRUNC, O_PATH = 0o2, 0o1000, 0o10000000
SIGUSR1, SIGURG = 10, 23
MASK64 = (1 << 64) - 1
EBADF, EAGAIN, E2BIG, EINVAL, EXDEV, EOPNOTSUPP = 9, 11, 7, 22, 18, 95
# the victim's switches
CFRSHORT, NOWAIT, FALLOCPATH, DUPPATH = b"-s", b"-n", b"-p", b"-u"
SPLSAME, SPLFLAGS = b"-a", b"-f"


_iago = iago_scenarios(RT, RULES)


_ZEROED = ("the Guardian zeroes a confidential memfd's last page past the new end itself "
           "when a cut answers 0 (zero_tail()): the program sees the bytes zeroed")


def _answer_signal(adv: Adversary, phase: int, signo: int) -> None:
    """Answer the program's next rt_sigtimedwait() after `phase` with `signo`, its siginfo
    (SI_USER) written where the program asked."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["rt_sigtimedwait"], during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.memo["info"] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigtimedwait"], during=phase)
    def _(a: Adversary, **_: object) -> None:
        for i in range(16):
            a.kernel.uaccess.write_u64(a.memo["info"] + 8 * i, signo if i == 0 else 0)
        a.set_reg("x0", signo)


def _as_trunc_open(adv: Adversary, phase: int) -> None:
    """Serve the program's next openat2() after `phase` as openat(path, O_RDWR|O_TRUNC)."""
    _serve(adv, NR["openat2"], phase, {"x8": NR["openat"], "x2": O_RDWR | O_TRUNC,
                                       "x3": 0})


# --- opens of /proc/self/fd/N Linux refuses ---------------------------------------------------
@_iago("XN-001", "Serve openat2() with O_TRUNC under RESOLVE_CACHED as an O_TRUNC open",
       "RESOLVE_CACHED never truncates: openat2() is -EAGAIN, nothing opened or cut.")
def xn_o2_cached(adv: Adversary) -> None:
    """1. The program openat2()s its memfd's /proc/self/fd path with {O_RDWR|O_TRUNC,
    RESOLVE_CACHED}.
    2. The kernel serves it as openat(path, O_RDWR|O_TRUNC): the memfd cut, a descriptor
    answered.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's build_open_flags(): "if (how->resolve & RESOLVE_CACHED) { if (flags &
    (O_TRUNC | O_CREAT | __O_TMPFILE)) return -EAGAIN; ...}" (a 6.18 host: -EAGAIN)."""
    _as_trunc_open(adv, P_O2CACHED)


@_iago("XN-002", "Serve openat2() with a mode beyond S_IALLUGO as an O_TRUNC open",
       "openat2() refuses a mode with bits outside S_IALLUGO: -EINVAL.")
def xn_o2_mode(adv: Adversary) -> None:
    """1. The program openat2()s its memfd's path with {O_RDWR|O_TRUNC|O_CREAT, mode
    010600}.
    2. The kernel serves it as openat(path, O_RDWR|O_TRUNC).
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's build_open_flags(): "if (how->mode & ~S_IALLUGO) return -EINVAL" (a 6.18
    host: -EINVAL)."""
    _as_trunc_open(adv, P_O2MODE)


@_iago("XN-003", "Serve openat2() with a longer struct holding a non-zero byte as an O_TRUNC "
       "open", "copy_struct_from_user() refuses a non-zero byte past the struct it knows: "
       "-E2BIG.")
def xn_o2_big(adv: Adversary) -> None:
    """1. The program openat2()s its memfd's path with a 32-byte struct {O_RDWR|O_TRUNC, 0,
    0} followed by the u64 1.
    2. The kernel serves it as openat(path, O_RDWR|O_TRUNC).
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's sys_openat2() -> copy_struct_from_user(): "if (usize > ksize) { ret =
    check_zeroed_user(src + size, rest); if (ret <= 0) return ret ?: -E2BIG; }"."""
    _as_trunc_open(adv, P_O2BIG)


@_iago("XN-004", "Serve openat2() under RESOLVE_IN_ROOT as an O_TRUNC open",
       "A scoped lookup never jumps through a magic link: -EXDEV.", gap="P5")
def xn_o2_inroot(adv: Adversary) -> None:
    """1. The program openat2()s "/proc/self/fd/N" with {O_RDWR|O_TRUNC, RESOLVE_IN_ROOT}.
    2. The kernel serves it as openat(path, O_RDWR|O_TRUNC).
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's nd_jump_link(): "/* Not currently safe for scoped-lookups. */ if
    (unlikely(nd->flags & LOOKUP_IS_SCOPED)) goto err" with error -EXDEV (a 6.18 host:
    -EXDEV)."""
    _as_trunc_open(adv, P_O2INROOT)


# --- pipes: flags and positions -------------------------------------------------------------
@_iago("XN-005", "Answer preadv2() of a pipe with RWF_ATOMIC as a read of 10",
       "RWF_ATOMIC is for writes only: preadv2() is -EOPNOTSUPP, the pipe keeps its bytes.")
def xn_prv2_atomic_pipe(adv: Adversary) -> None:
    """1. The program preadv2()s 10 bytes of a pipe holding 10 'x' at -1 with RWF_ATOMIC.
    2. The kernel reads them (served with flags 0) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's kiocb_set_rw_flags(): "if (flags & RWF_ATOMIC) { if (rw_type != WRITE)
    return -EOPNOTSUPP; ...}" (an unknown flag before 6.11; a 6.18 host: -EOPNOTSUPP)."""
    _serve(adv, NR["preadv2"], P_PRV2ATPIPE, {"x5": 0})


@_iago("XN-006", "Answer pwritev2() into a pipe with RWF_DONTCACHE as a write of 10",
       "A pipe has no FOP_DONTCACHE: pwritev2() is -EOPNOTSUPP.")
def xn_pwv2_dontcache_pipe(adv: Adversary) -> None:
    """1. The program pwritev2()s 10 'q' into a pipe at -1 with RWF_DONTCACHE.
    2. The kernel writes them (served with flags 0) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's kiocb_set_rw_flags(): "if (flags & RWF_DONTCACHE) { if (!(ki->ki_filp->f_op->
    fop_flags & FOP_DONTCACHE)) return -EOPNOTSUPP; ...}" (a 6.18 host: -EOPNOTSUPP)."""
    _serve(adv, NR["pwritev2"], P_PWV2DCPIPE, {"x5": 0})


@_iago("XN-007", "Answer pwritev2() into a pipe with RWF_ATOMIC as a write of 10",
       "A pipe has no FMODE_CAN_ATOMIC_WRITE: pwritev2() is -EOPNOTSUPP.")
def xn_pwv2_atomic_pipe(adv: Adversary) -> None:
    """1. The program pwritev2()s 10 'q' into a pipe at -1 with RWF_ATOMIC.
    2. The kernel writes them (served with flags 0) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's kiocb_set_rw_flags(): "if (!(ki->ki_filp->f_mode & FMODE_CAN_ATOMIC_WRITE))
    return -EOPNOTSUPP" (a 6.18 host: -EOPNOTSUPP)."""
    _serve(adv, NR["pwritev2"], P_PWV2ATPIPE, {"x5": 0})


@_iago("XN-008", "Answer pread64() of a pipe as a read of 10",
       "A pipe has no FMODE_PREAD: pread64() is -ESPIPE.")
def xn_pread_pipe(adv: Adversary) -> None:
    """1. The program pread64()s 10 bytes of a pipe holding 10 'x' at offset 0.
    2. The kernel serves it as read() and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's ksys_pread64(): "if (fd_file(f)->f_mode & FMODE_PREAD) ret = vfs_read(...)"
    else -ESPIPE (stream_open() clears FMODE_PREAD for a pipe)."""
    _serve(adv, NR["pread64"], P_PRPIPE, {"x8": NR["read"]})


@_iago("XN-009", "Answer pwrite64() into a pipe as a write of 10",
       "A pipe has no FMODE_PWRITE: pwrite64() is -ESPIPE.")
def xn_pwrite_pipe(adv: Adversary) -> None:
    """1. The program pwrite64()s 10 'q' into a pipe at offset 0.
    2. The kernel serves it as write() and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's ksys_pwrite64(): "if (fd_file(f)->f_mode & FMODE_PWRITE) ret = vfs_write(...)"
    else -ESPIPE."""
    _serve(adv, NR["pwrite64"], P_PWPIPE, {"x8": NR["write"]})


@_iago("XN-010", "Answer preadv2() of a pipe at offset 0 as a read of 10",
       "A pipe has no FMODE_PREAD: preadv2() at an offset is -ESPIPE.")
def xn_prv2_pipe_at0(adv: Adversary) -> None:
    """1. The program preadv2()s 10 bytes of a pipe holding 10 'x' at offset 0, flags 0.
    2. The kernel reads them at the file position (served at -1) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_preadv(): "if (fd_file(f)->f_mode & FMODE_PREAD) ret = vfs_readv(...)"
    else -ESPIPE (a 6.18 host: -ESPIPE)."""
    _serve(adv, NR["preadv2"], P_PRV2PIPE0, {"x3": MASK64})


@_iago("XN-011", "Answer pwritev2() of a memfd with RWF_NOWAIT as a write of 10",
       "A memfd's open file has no FMODE_NOWAIT: pwritev2() with RWF_NOWAIT is -EOPNOTSUPP.",
       args=(NOWAIT,), gap="P5")
def xn_pwv2_nowait(adv: Adversary) -> None:
    """1. The program pwritev2()s 10 'q' at 0 into a memfd with RWF_NOWAIT.
    2. The kernel writes them (served with flags 0) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's kiocb_set_rw_flags(): "if (flags & RWF_NOWAIT) { if (!(ki->ki_filp->f_mode &
    FMODE_NOWAIT)) return -EOPNOTSUPP; ...}" (a 6.18 host: -EOPNOTSUPP for a memfd)."""
    _serve(adv, NR["pwritev2"], P_PWV2NOWAIT, {"x5": 0})


# --- punches and cuts -----------------------------------------------------------------------
@_iago("XN-012", "Answer splice() between two pipes with an offset as a move of 10",
       "do_splice() takes no offset with a pipe end: -ESPIPE, nothing moved.")
def xn_splice_offset(adv: Adversary) -> None:
    """1. The program splice()s 10 bytes from pipe A (holding 10 'x') with off_in = &0 into
    pipe B.
    2. The kernel moves them (served with off_in NULL), writes *off_in = 10 as a file's
    position would advance, and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_splice(): "if (ipipe && opipe) { if (off_in || off_out) return -ESPIPE;
    ...}" (a 6.18 host: -ESPIPE)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["splice"], during=P_SPLOFF)
    def _(a: Adversary, **_: object) -> None:
        a.memo["off_in"] = a.reg("x1")

    _serve(adv, NR["splice"], P_SPLOFF, {"x1": 0})

    @adv.on(Point.SYSCALL_EXIT, nr=NR["splice"], during=P_SPLOFF)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.memo["off_in"], 10)


@_iago("XN-013", "Answer fallocate() through a read-only reopen 0",
       "vfs_fallocate() needs FMODE_WRITE: -EBADF.")
def xn_falloc_ro(adv: Adversary) -> None:
    """1. The program fallocate()s PUNCH_HOLE|KEEP_SIZE over [0, 10) of its memfd through
    an O_RDONLY reopen.
    2. The kernel answers 0 (served as getpid()).
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's vfs_fallocate(): "if (!(file->f_mode & FMODE_WRITE)) return -EBADF"."""
    serve_as_getpid(adv, NR["fallocate"], P_FALLOCRO, 0)


@_iago("XN-014", "Answer ftruncate() of a sealed mapped memfd to its own size 0 without the "
       "cut", "No seal refuses the same size and the cut zeroes the page past the end.",
       silent=_ZEROED)
def xn_seal_cut(adv: Adversary) -> None:
    """1. The program maps a sealable memfd of 100 'm', writes 'z' at byte 200 of the
    mapping, seals it F_SEAL_SHRINK|F_SEAL_GROW and ftruncate()s it to 100.
    2. The kernel answers 0 without cutting (served as getpid()).
    3. The program sees byte 200 'z': index -4, secret bytes 0..7.
    Linux's shmem_setattr(): the seals refuse newsize < oldsize or > oldsize only; "if
    (newsize <= oldsize) { ... shmem_truncate_range(inode, newsize, (loff_t)-1); }"."""
    serve_as_getpid(adv, NR["ftruncate"], P_SEALCUT, 0)


@_iago("XN-015", "Answer ftruncate() through a reopen of a mapped memfd to its own size 0 "
       "without the cut", "The cut zeroes the page past the end whichever open file asks.",
       silent=_ZEROED)
def xn_reopen_cut(adv: Adversary) -> None:
    """1. The program maps a memfd of 100 'm', writes 'z' at byte 200 of the mapping,
    reopens it O_RDWR through /proc/self/fd and ftruncate()s the reopen to 100.
    2. The kernel answers 0 without cutting (served as getpid()).
    3. The program sees byte 200 'z': index -4, secret bytes 0..7.
    Linux's do_ftruncate() -> do_truncate() -> notify_change() -> shmem_setattr(): the
    same inode, the same truncation."""
    serve_as_getpid(adv, NR["ftruncate"], P_REOPENCUT, 0)


# --- signals ----------------------------------------------------------------------------------
@_iago("XN-016", "Answer rt_sigtimedwait() SIGUSR1 after SIG_IGN flushed it",
       "Setting SIG_IGN discards the pending SIGUSR1: the wait is -EAGAIN.",
       rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"), gap="P5")
def xn_wait_flushed(adv: Adversary) -> None:
    """1. SIGUSR1 blocked, the program kill()s itself SIGUSR1, sets it SIG_IGN and
    rt_sigtimedwait()s {SIGUSR1} with a zero timeout.
    2. The kernel writes a siginfo of SIGUSR1 (SI_USER) and answers SIGUSR1.
    3. The program sees SIGUSR1: index -4, secret bytes 0..7.
    Linux's do_sigaction(): "if (sig_handler_ignored(sig_handler(p, sig), sig)) {
    sigemptyset(&mask); sigaddset(&mask, sig); flush_sigqueue_mask(p, &mask,
    &p->signal->shared_pending); for_each_thread(p, t) flush_sigqueue_mask(p, &mask,
    &t->pending); }"."""
    _answer_signal(adv, P_IGNFLUSH, SIGUSR1)


@_iago("XN-017", "Answer rt_sigpending() with SIGUSR1 after SIG_IGN flushed it",
       "Setting SIG_IGN discards the pending SIGUSR1: rt_sigpending() leaves it out.",
       rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"), gap="P5")
def xn_pending_flushed(adv: Adversary) -> None:
    """1. After the flush, the program asks rt_sigpending().
    2. The kernel writes {SIGUSR1} and answers 0.
    3. The program sees SIGUSR1 pending: index -4, secret bytes 0..7.
    Linux's do_sigaction() flushed it (flush_sigqueue_mask()); do_sigpending() reports
    nothing."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["rt_sigpending"], during=P_IGNFLUSHPEND)
    def _(a: Adversary, **_: object) -> None:
        a.memo["set"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigpending"], during=P_IGNFLUSHPEND)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.memo["set"], 1 << (SIGUSR1 - 1))


@_iago("XN-018", "Answer rt_sigtimedwait() -EAGAIN for a blocked SIG_IGN signal sent before "
       "other calls", "Nothing between takes the queued SIGUSR2: the wait takes it.",
       rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"))
def xn_wait_after_calls(adv: Adversary) -> None:
    """1. SIGUSR2 blocked and SIG_IGN, the program kill()s itself SIGUSR2, writes, reads
    and closes a pipe, fstat()s /dev/null, calls getppid() and rt_sigtimedwait()s
    {SIGUSR2} with a zero timeout.
    2. The kernel answers -EAGAIN.
    3. The program sees -EAGAIN: index -4, secret bytes 0..7.
    Linux's sig_ignored() is false for a blocked signal: queued; none of those calls
    dequeues a signal; do_sigtimedwait() takes it."""
    answer(adv, NR["rt_sigtimedwait"], P_IGNCALLS, -EAGAIN & MASK64)



@_iago("XN-019", "Answer copy_file_range() within one memfd 100 where 50 lie past the "
       "position", "The count is shortened to the end: 50.", args=(CFRSHORT,))
def xn_cfr_short_forged(adv: Adversary) -> None:
    """1. The program copy_file_range()s 100 bytes of its 100-byte memfd from 50 to 100.
    2. The kernel writes *off_in = 150 and *off_out = 200, as a copy of 100 would, and
    answers 100 (served as getpid()).
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's generic_copy_file_checks(): "count = min(count, size_in - (u64)pos_in)": 50."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["copy_file_range"], during=P_CFRSHORT)
    def _(a: Adversary, **_: object) -> None:
        a.memo["offs"] = (a.reg("x1"), a.reg("x3"))

    serve_as_getpid(adv, NR["copy_file_range"], P_CFRSHORT, 100)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["copy_file_range"], during=P_CFRSHORT)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.memo["offs"][0], 150)
        a.kernel.uaccess.write_u64(a.memo["offs"][1], 200)


@_iago("XN-020", "Answer splice() of a pipe into itself as a move of 10",
       "splice_pipe_to_pipe() refuses ipipe == opipe: -EINVAL.", args=(SPLSAME,))
def xn_splice_same(adv: Adversary) -> None:
    """1. The program splice()s 10 bytes from pipe A's read end into its own write end.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's splice_pipe_to_pipe(): "if (ipipe == opipe) return -EINVAL"."""
    serve_as_getpid(adv, NR["splice"], P_SPLSAME, 10)


@_iago("XN-021", "Answer splice() between two pipes with an unknown flag as a move of 10",
       "do_splice() refuses a flag outside SPLICE_F_ALL: -EINVAL.", args=(SPLFLAGS,))
def xn_splice_flags(adv: Adversary) -> None:
    """1. The program splice()s 10 bytes from pipe A into pipe B with flags 0x100.
    2. The kernel moves them (served with flags 0) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_splice(): "if (unlikely(flags & ~SPLICE_F_ALL)) return -EINVAL" (a 6.18
    host: -EINVAL)."""
    _serve(adv, NR["splice"], P_SPLFLAGS, {"x5": 0})


@_iago("XN-022", "Serve pwrite64() through an O_APPEND reopen at its offset, not at the end",
       "An O_APPEND open file writes at the end whatever the offset: the size 110.")
def xn_append_pwrite(adv: Adversary) -> None:
    """1. The program pwrite64()s 10 'q' at offset 0 through an O_RDWR|O_APPEND reopen of
    its memfd of 100 'm'.
    2. The kernel writes them at 0 through the memfd's own descriptor and answers 10.
    3. The program sees the size 100 and byte 0 'q': index -4, secret bytes 0..7.
    Linux's generic_write_checks_count(): "if (iocb->ki_flags & IOCB_APPEND)
    iocb->ki_pos = i_size_read(inode)" (pwrite(2) BUGS; a 6.18 host and qemu-user: the
    size 110)."""
    _serve(adv, NR["pwrite64"], P_APPPWRITE, {"x0": _arg(P_APPPWRITE, 0)})


@_iago("XN-023", "Answer rt_sigtimedwait() SIGURG after SIG_DFL flushed it",
       "SIG_DFL of a signal whose default is to ignore discards it: the wait is -EAGAIN.",
       rules=("G-SIGNAL-HANDLER", "G-SIGNAL-MASK"), gap="P5")
def xn_wait_urg_flushed(adv: Adversary) -> None:
    """1. SIGURG blocked with a handler, the program kill()s itself SIGURG, sets it
    SIG_DFL and rt_sigtimedwait()s {SIGURG} with a zero timeout.
    2. The kernel writes a siginfo of SIGURG and answers SIGURG.
    3. The program sees SIGURG: index -4, secret bytes 0..7.
    Linux's do_sigaction(): sig_handler_ignored() is true for SIG_DFL when
    sig_kernel_ignore(SIGURG): flush_sigqueue_mask() (a 6.18 host natively: -EAGAIN)."""
    _answer_signal(adv, P_URGFLUSH, SIGURG)


# --- answers as Linux gives them where the kernel model does not ------------------------------
def claim_cfrshort(adv: Adversary) -> None:
    """(claim) 1. The program copy_file_range()s 100 bytes of its 100-byte memfd from 50 to
    100.  2. The kernel copies [50, 100) to [100, 150) and answers 50, as
    generic_copy_file_checks() shortens the count to the end before its overlap test
    (the kernel model answers -EINVAL; served with the count 50).  3. Index 0."""
    _serve(adv, NR["copy_file_range"], P_CFRSHORT, {"x4": 50})


def claim_nowait(adv: Adversary) -> None:
    """(claim) 1. The program pwritev2()s 10 'q' into a memfd with RWF_NOWAIT.  2. The
    kernel answers -EOPNOTSUPP without writing, as kiocb_set_rw_flags() does without
    FMODE_NOWAIT (the kernel model writes).  3. Index 0."""
    serve_as_getpid(adv, NR["pwritev2"], P_PWV2NOWAIT, -EOPNOTSUPP & MASK64)


def claim_fallocpath(adv: Adversary) -> None:
    """(claim) 1. The program fallocate()s through an O_PATH reopen.  2. The kernel answers
    -EBADF, as fdget() does for FMODE_PATH (the kernel model punches).  3. Index 0."""
    serve_as_getpid(adv, NR["fallocate"], P_FALLOCPATH, -EBADF & MASK64)


def claim_o2errors(adv: Adversary) -> None:
    """(claim) 1. The program's openat2() calls.  2. The kernel answers each as a 6.18 host
    does (the kernel model answers -ENOSYS): -EAGAIN (RESOLVE_CACHED with O_TRUNC),
    -EINVAL (a mode beyond S_IALLUGO), -E2BIG (a non-zero byte past the struct) and
    -EXDEV (RESOLVE_IN_ROOT).  3. Index 0 each."""
    for phase, err in ((P_O2CACHED, EAGAIN), (P_O2MODE, EINVAL), (P_O2BIG, E2BIG),
                       (P_O2INROOT, EXDEV)):
        serve_as_getpid(adv, NR["openat2"], phase, -err & MASK64)


def claim_nomagic(adv: Adversary) -> None:
    """(claim) 1. The program openat2()s its memfd's path with {O_PATH|O_NOFOLLOW,
    RESOLVE_NO_MAGICLINKS}.  2. The kernel opens an O_PATH handle of the magic link
    (step_into() follows no trailing link under O_NOFOLLOW; served as openat(path, O_PATH):
    the kernel model refuses O_PATH|O_NOFOLLOW of the link).  3. Index 0."""
    _serve(adv, NR["openat2"], P_O2NOMAGIC, {"x8": NR["openat"], "x2": O_PATH, "x3": 0})


def claim_duppath(adv: Adversary) -> None:
    """(claim) 1. The program reads through a dup3() of an O_PATH reopen of a memfd.
    2. The kernel answers -EBADF, as fdget() does for the shared FMODE_PATH open file (the
    kernel model reads the memfd).  3. Index 0."""
    serve_as_getpid(adv, NR["read"], P_DUPPATHR, -EBADF & MASK64)


def claim_splsame(adv: Adversary) -> None:
    """(claim) 1. The program splice()s pipe A into itself.  2. The kernel answers -EINVAL
    (splice_pipe_to_pipe(); the kernel model moves).  3. Index 0."""
    serve_as_getpid(adv, NR["splice"], P_SPLSAME, -EINVAL & MASK64)


def claim_splflags(adv: Adversary) -> None:
    """(claim) 1. The program splice()s with flags 0x100.  2. The kernel answers -EINVAL
    (do_splice(); the kernel model moves).  3. Index 0."""
    serve_as_getpid(adv, NR["splice"], P_SPLFLAGS, -EINVAL & MASK64)
