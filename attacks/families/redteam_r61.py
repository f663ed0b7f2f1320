"""Red-team round sixty-one: the rules added after round 60, both ways.

Since round 60 a pidfd is a file kind of its own (`fd_modes.is_pidfd`): no splice_read
nor splice_write (`return.move_ends`), nothing copied across super blocks, no fallocate
nor ftruncate (`return.file_type`); and a directory opened or entered as "/dev/fd" walks
as /proc/self/fd (`return.reopen_flags`).  This round asks those rules of the pidfds and
directories they do not name:

- a pidfd P opened again by name: O_RDONLY through /proc/self/fd (R): splice() (XS-001)
  and sendfile() (XS-002) of 8 bytes out of R, copy_file_range() of R into a memfd
  (XS-003: -EXDEV); O_RDWR (W): fallocate() (XS-004) and ftruncate() (XS-005) of W
  (-EOPNOTSUPP), splice() of 8 into W (XS-006); O_RDWR through /dev/fd (V): sendfile() of
  8 into V (XS-007).  Linux's proc_fd_link() reopens P's own pidfs inode, whose i_fop is
  pidfs_file_operations (qemu-user on a 6.18 host: the open succeeds, each move -EINVAL);
- splice() of 8 out of fcntl(P, F_DUPFD_CLOEXEC) (XS-008), and out of P in a fork child
  that inherited it (XS-021);
- names past a memfd's link M from a directory Y opened as "/proc/self/fd/D/../fd" (D a
  descriptor of /proc/self/fd: Y is /proc/self/fd): "M/../M" relative to Y (XS-009) and
  from a working directory set by fchdir(Y) (XS-010); and "fd/M/../M" relative to X,
  opened as "/proc/self/fd/D/.." (/proc/<pid>) (XS-011) (link_path_walk(): -ENOTDIR).

Beside them, three return rules no round since 55 aimed at:

- `return.pidfd_ended` (pidfd_send_signal() through a pidfd of a reaped child: -ESRCH):
  through an O_RDONLY reopen E of the pidfd through /proc/self/fd, made before the reap
  (XS-012), an F_DUPFD_CLOEXEC copy (XS-013), and a pidfd reaped by waitid(P_PIDFD)
  (XS-014), each answered 0;
- `return.fifo_direct` (an O_DIRECT open of a pipe's end: do_dentry_open(), -EINVAL):
  "A" relative to a directory opened as "/proc/self/fd/D/../fd" (XS-015),
  "/proc/thread-self/fd/A" (XS-016) and "/dev/fd/../fd/A" (XS-017), served as dup(A);
- `return.device_count` (read_iter_zero() fills the count): read() of 8 bytes answered 0
  from an open of /proc/self/fd/N of /dev/zero (XS-018), of "zero" relative to a
  descriptor of /dev (XS-019) and of /dev/fd/N of /dev/full (XS-020).

Each is answered as a success (opens served as dup(M)).  The Guardian reads a directory's
name lexically: "/proc/self/fd/D/.." is /proc/self/fd to it and "/proc/self/fd/D/../fd"
/proc/self/fd/fd, where Linux follows D first.

Through with the Guardian on when written: XS-001..XS-007 (gap P5: a pidfd opened again
through /proc/self/fd or /dev/fd is no pidfd to `fd_modes.is_pidfd`, though Linux reopens
the same pidfs inode; refused since: the reopen is a pidfd, return.move_ends,
return.file_type).
XS-012 (gap P5: E is no pidfd to `pidfds.PidfdTargets`, which keys on pidfd_open's own
open file; refused since: the reopen shares the pidfd's target, return.pidfd_ended).
Refused: XS-008 (the copy shares the pidfd's open file: return.move_ends), XS-011
(return.reopen_flags: past M, a link to no directory), XS-013, XS-014
(return.pidfd_ended), XS-016, XS-017
(return.fifo_direct), XS-018..XS-020 (return.device_count), XS-021 (the child's table
shares the pidfd's open file: return.move_ends).

Honest answers (tests/test_redteam_r61_claims.py), each what qemu-user gives on a 6.18
host: the reopens and the errors above, and openat(Y, "M") (it opens the memfd) are let
through; openat(X, "fd/M") and openat("fd/M") from a working directory of X open the memfd
on Linux (refused when written: "fd" looked up in X, read lexically as /proc/self/fd; let
through since fd_names follows D before ".."); openat("/proc/self/fd/A", O_PATH|O_DIRECT)
of a pipe's end opens it on Linux (build_open_how() keeps O_PATH_FLAGS only; refused by
return.fifo_direct when written, let through since; the victim runs that step only with
-p).  The claim_* step functions answer as Linux
where the kernel model does not: the reopens of the pidfd and of
"/proc/self/fd/D/../fd" and the opens from X (the kernel model gives the same since it
follows D before ".."), the pidfd's copy, allocation and cut, the
reopen of a reaped child's pidfd and the read of an O_RDONLY reopen of /dev/null.

The victim is `secret_r61_rules` (workloads/src/secret_r61_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.

Through with the Guardian on when written, refused since: XS-009, XS-010 (Y was
/proc/self/fd/fd to the walk; fd_names follows the link D to the /proc directory it
opens before "..", as nd_jump_link() does, so Y is /proc/self/fd: return.reopen_flags),
XS-015 ("A" relative to Y is /proc/self/fd/A now: return.fifo_direct).
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _serve
from attacks.families.redteam_r59 import _moved, _moved_at
from attacks.moves import serve_as_getpid
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r61"
RULES = "secret_r61_rules"
(P_RPSPLICE, P_RPSEND, P_RPCFR, P_RWFALL, P_RWFTR, P_RWSPLINTO, P_RWSENDINTO,
 P_DUPSPLICE) = range(6100, 6116, 2)
(P_YDOT, P_FCHDIRY, P_XFDDOT, P_HXFD, P_HCWDX, P_HYM, P_PIDREOPEN,
 P_YOPEN, P_RWOPEN, P_DVOPEN, P_ESENDRE, P_ESENDDUP, P_EWAITID, P_EREOPEN, P_FDYDIR,
 P_YOPEN2, P_FDTSELF, P_HPATHDIRECT, P_FDDEVUP, P_ZREAD, P_ZDIRREAD, P_FULLREAD,
 P_HNULLREAD, P_FORKSPLICE) = range(6120, 6168, 2)
P_FIRST, P_LAST = P_RPSPLICE, P_FORKSPLICE
NR = NUMBERS
MASK64 = (1 << 64) - 1
EINVAL, EXDEV, EOPNOTSUPP, ENOTDIR, ESRCH = 22, 18, 95, 20, 3

_iago = iago_scenarios(RT, RULES)



def claim_reopens(adv: Adversary) -> None:
    """(claim) 1. The program opens /proc/self/fd/P of its pidfd P O_RDONLY and O_RDWR,
    and /dev/fd/P O_RDWR.  2. The kernel opens P's pidfs inode again each time (served as
    dup(P)): proc_fd_link() reaches P's file, do_dentry_open() calls pidfs_file_operations'
    (absent) open (qemu-user on a 6.18 host; the kernel model answers an error).
    3. The steps that use the reopens run."""
    for phase in (P_PIDREOPEN, P_RWOPEN, P_DVOPEN):
        _serve(adv, NR["openat"], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)})


def claim_ydir(adv: Adversary) -> None:
    """(claim) 1. The program opens "/proc/self/fd/D/../fd" O_DIRECTORY, D a descriptor of
    /proc/self/fd.  2. The kernel opens /proc/self/fd (served as dup(D)): link_path_walk()
    follows D to /proc/self/fd, ".." to /proc/self, then "fd" (qemu-user on a 6.18 host;
    the kernel model answers an error when written, the same since).  3. The steps that
    use Y run."""
    _serve(adv, NR["openat"], P_YOPEN, {"x8": NR["dup"], "x0": _arg(P_YOPEN, 0)})


# --- a pidfd opened again by name, copied, or made by clone(CLONE_PIDFD) -----------------
@_iago("XS-001", "Answer splice() of 8 bytes out of a pidfd reopened through /proc/self/fd 8",
       "The reopen is a pidfs file: do_splice_read(), -EINVAL.")
def xs_rp_splice(adv: Adversary) -> None:
    """1. The program opens /proc/self/fd/P of its pidfd P O_RDONLY (R) and splice()s 8
    bytes out of R into a pipe's write end.
    2. The kernel answers 8 (served as getpid()).
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux: proc_fd_link() reopens P's pidfs inode; do_splice_read(): no splice_read,
    -EINVAL (qemu-user on a 6.18 host)."""
    claim_reopens(adv)
    _moved(adv, "splice", P_RPSPLICE, 8)


@_iago("XS-002", "Answer sendfile() of 8 bytes out of a reopened pidfd 8",
       "The reopen is a pidfs file: do_splice_read(), -EINVAL.")
def xs_rp_send(adv: Adversary) -> None:
    """1. The program sendfile()s 8 bytes out of R into a pipe's write end.
    2. The kernel answers 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_sendfile() -> splice_file_to_pipe() -> do_splice_read(): no splice_read,
    -EINVAL (qemu-user on a 6.18 host)."""
    claim_reopens(adv)
    _moved(adv, "sendfile", P_RPSEND, 8)


@_iago("XS-003", "Answer copy_file_range() of a reopened pidfd into a memfd as a copy of 10",
       "No copy across super blocks: vfs_copy_file_range(), -EXDEV.")
def xs_rp_cfr(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes from R into a memfd.
    2. The kernel answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's vfs_copy_file_range(): a pidfs file and a shmem file share no super block:
    -EXDEV (qemu-user on a 6.18 host)."""
    claim_reopens(adv)
    _moved(adv, "copy_file_range", P_RPCFR)


@_iago("XS-004", "Answer fallocate() of a pidfd reopened O_RDWR 0",
       "The reopen is a pidfs file: vfs_fallocate(), -EOPNOTSUPP.")
def xs_rw_fallocate(adv: Adversary) -> None:
    """1. The program opens /proc/self/fd/P O_RDWR (W) and fallocate()s W, 0, 0, 10.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's vfs_fallocate(): "if (!file->f_op->fallocate) return -EOPNOTSUPP" (qemu-user
    on a 6.18 host)."""
    claim_reopens(adv)
    serve_as_getpid(adv, NR["fallocate"], P_RWFALL, 0)


@_iago("XS-005", "Answer ftruncate() of a pidfd reopened O_RDWR 0",
       "The reopen is a pidfs inode: its setattr is refused, -EOPNOTSUPP.")
def xs_rw_ftruncate(adv: Adversary) -> None:
    """1. The program ftruncate()s W to 0.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux: do_ftruncate() -> notify_change(): pidfs refuses the setattr, -EOPNOTSUPP
    (qemu-user on a 6.18 host)."""
    claim_reopens(adv)
    serve_as_getpid(adv, NR["ftruncate"], P_RWFTR, 0)


@_iago("XS-006", "Answer splice() of 8 bytes from a pipe into a reopened pidfd 8",
       "The reopen is a pidfs file: do_splice_from(), -EINVAL.")
def xs_rw_splice_into(adv: Adversary) -> None:
    """1. The program splice()s 8 bytes from a pipe's read end into W.
    2. The kernel answers 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_splice_from(): no splice_write, -EINVAL (qemu-user on a 6.18 host)."""
    claim_reopens(adv)
    _moved(adv, "splice", P_RWSPLINTO, 8)


@_iago("XS-007", "Answer sendfile() of 8 bytes of a memfd into a pidfd reopened through "
       "/dev/fd 8", "The reopen is a pidfs file: do_splice_from(), -EINVAL.")
def xs_dv_send_into(adv: Adversary) -> None:
    """1. The program opens /dev/fd/P O_RDWR (V) and sendfile()s 8 bytes of a memfd at &0
    into V.
    2. The kernel answers 8, the offset advanced.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_splice_direct_actor() -> do_splice_from(): no splice_write, -EINVAL
    (qemu-user on a 6.18 host)."""
    claim_reopens(adv)
    _moved_at(adv, "sendfile", P_RWSENDINTO, "x2", 8)


@_iago("XS-008", "Answer splice() of 8 bytes out of an F_DUPFD_CLOEXEC copy of a pidfd 8",
       "The copy is the same pidfs file: do_splice_read(), -EINVAL.")
def xs_dup_splice(adv: Adversary) -> None:
    """1. The program copies its pidfd by fcntl(F_DUPFD_CLOEXEC) and splice()s 8 bytes out
    of the copy into a pipe's write end.
    2. The kernel answers 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's f_dupfd() shares the file; do_splice_read(): -EINVAL (qemu-user)."""
    _moved(adv, "splice", P_DUPSPLICE, 8)


# --- names past a memfd's link from directories reached through D/.. ---------------------
_WALK = ("link_path_walk() follows M to the memfd, then \"if (unlikely(!d_can_lookup("
         "nd->path.dentry))) return -ENOTDIR\" before \"..\" (qemu-user on a 6.18 host)")

for _xid, _phase, _name, _how, _gap in (
        ("XS-009", P_YDOT, "\"M/../M\" relative to Y",
         "Y opened as \"/proc/self/fd/D/../fd\"", None),
        ("XS-010", P_FCHDIRY, "\"M/../M\" from a working directory set by fchdir(Y)",
         "Y opened as \"/proc/self/fd/D/../fd\"", None),
        ("XS-011", P_XFDDOT, "\"fd/M/../M\" relative to X",
         "X opened as \"/proc/self/fd/D/..\"", None)):
    def _steps(adv: Adversary, _p: int = _phase) -> None:
        if _p != P_XFDDOT:
            claim_ydir(adv)
        _serve(adv, NR["openat"], _p, {"x8": NR["dup"], "x0": _arg(_p, 0)})
    _doc = (f"""1. The program openat()s {_name}, {_how} (D a descriptor of /proc/self/fd),
    M a memfd, with O_RDWR.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux: D is followed to /proc/self/fd before ".."; {_WALK}.""")
    _iago(_xid, f"Serve openat() of {_name} ({_how}) as dup(M)",
          "M is followed to the memfd before \"..\": -ENOTDIR.",
          gap=_gap)(documented(_steps, _doc))


# --- answers as Linux gives them where the kernel model does not -------------------------
def claim_dirs(adv: Adversary) -> None:
    """(claim) 1. The program openat()s "fd/M" relative to X (opened as
    "/proc/self/fd/D/..") and from a working directory set by fchdir(X).  2. The kernel
    opens the memfd M (served as dup(M)): link_path_walk() follows D to /proc/self/fd,
    ".." to /proc/<pid>, then fd/M (qemu-user on a 6.18 host; the kernel model answers an
    error when written, the same since).  3. Index 0 each."""
    for phase in (P_HXFD, P_HCWDX):
        _serve(adv, NR["openat"], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)})


def claim_pid_errors(adv: Adversary) -> None:
    """(claim) 1. The program copy_file_range()s from its reopened pidfd, fallocate()s and
    ftruncate()s the O_RDWR reopen.  2. The kernel answers -EXDEV, -EOPNOTSUPP and
    -EOPNOTSUPP (qemu-user on a 6.18 host; the kernel model, serving the reopens as dup(P),
    answers other errors).  3. Index 0 each."""
    claim_reopens(adv)
    serve_as_getpid(adv, NR["copy_file_range"], P_RPCFR, -EXDEV & MASK64)
    serve_as_getpid(adv, NR["fallocate"], P_RWFALL, -EOPNOTSUPP & MASK64)
    serve_as_getpid(adv, NR["ftruncate"], P_RWFTR, -EOPNOTSUPP & MASK64)


# --- a reaped child's pidfd, O_DIRECT opens of a pipe's end, reopened devices ------------
def claim_ereopen(adv: Adversary) -> None:
    """(claim) 1. The program opens /proc/self/fd/C of a child's pidfd C O_RDONLY (E).
    2. The kernel opens C's pidfs inode again (served as dup(C); qemu-user on a 6.18 host,
    the kernel model answers an error).  3. The step through E runs."""
    _serve(adv, NR["openat"], P_EREOPEN, {"x8": NR["dup"], "x0": _arg(P_EREOPEN, 0)})


def claim_ydir2(adv: Adversary) -> None:
    """(claim) As `claim_ydir`, for the directory Y the O_DIRECT step opens."""
    _serve(adv, NR["openat"], P_YOPEN2, {"x8": NR["dup"], "x0": _arg(P_YOPEN2, 0)})


def claim_null_read(adv: Adversary) -> None:
    """(claim) 1. The program read()s 8 bytes from an O_RDONLY reopen of /dev/null (the
    program opened it O_WRONLY).  2. The kernel answers 0 (read_null(); the kernel model
    reopens the O_WRONLY file and answers -EBADF).  3. Index 0."""
    serve_as_getpid(adv, NR["read"], P_HNULLREAD, 0)


@_iago("XS-012", "Answer pidfd_send_signal(0) through a reopen of a reaped child's pidfd 0",
       "The child is reaped: pidfd_send_signal() -> kill_pid_info(), -ESRCH.")
def xs_ended_reopen(adv: Adversary) -> None:
    """1. The program forks a child that exits, pidfd_open()s it (C), opens
    /proc/self/fd/C O_RDONLY (E), reaps the child with wait4() and probes it by
    pidfd_send_signal(E, 0).
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux: pidfd_to_pid() takes E (f_op is pidfs_file_operations); the task is gone:
    -ESRCH (qemu-user on a 6.18 host)."""
    claim_ereopen(adv)
    serve_as_getpid(adv, NR["pidfd_send_signal"], P_ESENDRE, 0)


@_iago("XS-013", "Answer pidfd_send_signal(0) through an F_DUPFD_CLOEXEC copy of a reaped "
       "child's pidfd 0", "The child is reaped: -ESRCH.")
def xs_ended_dup(adv: Adversary) -> None:
    """1. The program copies C by fcntl(F_DUPFD_CLOEXEC) before the reap and probes the
    child through the copy.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux: the copy is C's file; kill_pid_info() finds no task: -ESRCH (qemu-user)."""
    serve_as_getpid(adv, NR["pidfd_send_signal"], P_ESENDDUP, 0)


@_iago("XS-014", "Answer pidfd_send_signal(0) through a pidfd reaped by waitid(P_PIDFD) 0",
       "The child is reaped: -ESRCH.")
def xs_ended_waitid(adv: Adversary) -> None:
    """1. The program forks a child that exits, pidfd_open()s it, reaps it by
    waitid(P_PIDFD, C) and probes it by pidfd_send_signal(C, 0).
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux: kernel_waitid() reaped the task: -ESRCH (qemu-user on a 6.18 host)."""
    serve_as_getpid(adv, NR["pidfd_send_signal"], P_EWAITID, 0)


for _xid, _phase, _name, _gap in (
        ("XS-015", P_FDYDIR, "\"A\" relative to Y (opened as \"/proc/self/fd/D/../fd\")",
         None),
        ("XS-016", P_FDTSELF, "\"/proc/thread-self/fd/A\"", None),
        ("XS-017", P_FDDEVUP, "\"/dev/fd/../fd/A\"", None)):
    def _direct(adv: Adversary, _p: int = _phase) -> None:
        if _p == P_FDYDIR:
            claim_ydir2(adv)
        _serve(adv, NR["openat"], _p, {"x8": NR["dup"], "x0": _arg(_p, 0)})
    _doc = (f"""1. The program openat()s {_name}, A a pipe's read end, O_RDONLY|O_DIRECT.
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's do_dentry_open(): "if ((f->f_flags & O_DIRECT) && !(f->f_mode &
    FMODE_CAN_ODIRECT)) return -EINVAL" -- no FIFO has it (qemu-user on a 6.18 host).""")
    _iago(_xid, f"Serve an O_DIRECT open of {_name} of a pipe's end as dup(A)",
          "A FIFO takes no O_DIRECT open: do_dentry_open(), -EINVAL.",
          gap=_gap)(documented(_direct, _doc))


for _xid, _phase, _name in (
        ("XS-018", P_ZREAD, "an open of /proc/self/fd/N of /dev/zero"),
        ("XS-019", P_ZDIRREAD, "\"zero\" opened relative to a descriptor of /dev"),
        ("XS-020", P_FULLREAD, "an open of /dev/fd/N of /dev/full")):
    def _short(adv: Adversary, _p: int = _phase) -> None:
        serve_as_getpid(adv, NR["read"], _p, 0)
    _doc = (f"""1. The program read()s 8 bytes from {_name}.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's read_iter_zero() fills the whole count (qemu-user on a 6.18 host).""")
    _iago(_xid, f"Answer read() of 8 bytes from {_name} 0",
          "read_iter_zero() fills the whole count: 8.")(documented(_short, _doc))


@_iago("XS-021", "Answer splice() of 8 bytes out of a pidfd a fork child inherited 8",
       "The child's copy is the same pidfs file: do_splice_read(), -EINVAL.")
def xs_fork_splice(adv: Adversary) -> None:
    """1. The program forks; the child splice()s 8 bytes out of the pidfd it inherited
    into a pipe's write end.
    2. The kernel answers 8.
    3. The child sees 8: index -4, secret bytes 0..7.
    Linux: copy_files() -> dup_fd() shares the file; do_splice_read(): no splice_read,
    -EINVAL (qemu-user)."""
    serve_as_getpid(adv, NR["splice"], P_FORKSPLICE, 8, init_only=False)
