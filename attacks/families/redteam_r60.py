"""Red-team round sixty: the rules added after round 59, both ways.

Since round 59 the Guardian refuses copy_file_range() between files that are no regular
files, splice() and sendfile() of a length through an anon-inode file
(`return.move_ends`), keeps a pipe's end reopened through /proc/self/fd a FIFO
(`return.file_type`), refuses reopens of sockets and anon-inode files but O_PATH's and
names walked through /dev/fd, a task's fd directory, fdinfo's ".." and a link to a /proc
directory (`return.reopen_flags`), and judges -EFAULT by what every 6.x kernel refuses
before the name (`return.open_flags_first`).  This round asks those rules:

- a pidfd (pidfs: no splice_read, splice_write, fallocate or setattr; pidfd_open() is no
  maker the rules know): splice() (XR-001) and sendfile() (XR-002) of 8 bytes out of it,
  splice() (XR-008) and sendfile() (XR-009) of 8 into it, copy_file_range() out of it
  into a memfd (XR-010: -EXDEV), fallocate() (XR-011) and ftruncate() (XR-012) of it
  (-EOPNOTSUPP on a 6.18 host), each answered as a success;
- a pipe's read end opened again through /proc/self/fd (R): splice() from R at an offset
  (XR-003), copy_file_range() from R (XR-004), sendfile() from R at an offset (XR-005),
  tee() from R into a memfd (XR-006) and splice() from R into its own pipe (XR-007),
  answered as a move of 10;
- names past a memfd's link M through links to /proc directories, served as dup(M):
  "/proc/self/fd/V/M/../M", V a directory opened as "/dev/fd" (XR-013),
  "/proc/self/fd/D/D/M/../M" (XR-014), "/proc/self/fd/S/fd/M/../M", S of /proc/self
  (XR-015), "/proc/thread-self/fd/M/../M" (XR-016), "M/../M" relative to D (XR-017) and
  "/proc/self/fd/D/../fd/M/../M" (XR-018), "/proc/self/fd/X/M/../M" with X opened as
  /proc/thread-self/fd (XR-019), "/proc/self/fd/" (XR-020), "/proc//self/fd" (XR-021),
  /proc/<pid>/fd (XR-022) or "fd" relative to /proc/self (XR-023), and "M/../M"
  relative to V (XR-024), from a working directory of "/dev/fd" (XR-025), of V by
  fchdir() (XR-026) and of D by fchdir() (XR-027) (link_path_walk(): -ENOTDIR).

Through with the Guardian on when written: XR-001, XR-002, XR-008..XR-013,
XR-024..XR-026 (gap P5: a pidfd is no file the rules know; a directory opened or entered
as "/dev/fd" is no /proc fd directory to the walk).  Refused: XR-003..XR-007 (R is a
pipe to return.move_ends and return.move_args), XR-014..XR-023, XR-027
(return.reopen_flags); refused since: XR-001, XR-002, XR-008..XR-010 (a pidfd has no
splice_read/splice_write and copies nothing across super blocks: return.move_ends),
XR-011, XR-012 (a pidfd is a kind of its own to return.file_type), XR-013,
XR-024..XR-026 (a directory opened or entered as "/dev/fd" is read as /proc/self/fd:
return.reopen_flags).

Honest answers (tests/test_redteam_r60_claims.py), each what qemu-user gives on a 6.18
host: openat() of "/proc/self/fd/D/../fd/M" (D of /proc/self/fd, or V of "/dev/fd"),
"/proc/self/fd/D/fd/M" (D of /proc/self), "/proc/self/fd/D/D/M", "../fd/M" relative to
D or to a descriptor of /proc/self/fdinfo, "M" relative to V, "/proc/self/fdinfo/../fd/M",
"/proc/self/fd/D/../../self/fd/M", "/proc/self/fdinfo/M", "/dev/fd/../fd/M" and
"/proc/thread-self/fd/M" succeed;
an O_PATH reopen of a socket succeeds; openat() of a NULL name with O_PATH|__O_TMPFILE or
O_PATH|O_CREAT|O_DIRECTORY is -EFAULT (build_open_how() keeps O_PATH_FLAGS only);
sendfile() of 0 bytes from an eventfd is 0; splice() and tee() through R move 10.  None
is refused (no false refusal found).  The claim_* step functions answer as Linux where
the kernel model does not: the opens through D/.. (the model answers an error), the
pidfd's copy_file_range() (-EXDEV), fallocate() and ftruncate() (-EOPNOTSUPP).  The model
also answers an error for "/proc/self/fd/D/../fdinfo/M" (Linux opens M's fdinfo); no
claim answers it, as no other call of the program names that file.

The victim is `secret_r60_rules` (workloads/src/secret_r60_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _serve
from attacks.families.redteam_r59 import _moved, _moved_at
from attacks.moves import serve_as_getpid
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r60"
RULES = "secret_r60_rules"
(P_PIDSPLICE, P_PIDSEND, P_REPOFF, P_REPCFR, P_REPSENDOFF, P_REPTEE, P_REPSELF, P_HDIRUP,
 P_HDIRSELF, P_HPATHTMP, P_HSENDEV0, P_HREPSPLICE, P_HREPTEE, P_HDEVFDUP, P_HTHREADSELF,
 P_HPATHSOCK, P_HPATHCREAT, P_PIDSPLINTO, P_PIDSENDINTO, P_PIDCFR, P_PIDFALL,
 P_PIDFTR, P_HDIRDIR, P_HATDOTDOT, P_HDEVDIR, P_HFDINFOUP, P_VDOT, P_DDDOT, P_SELFDOT,
 P_TSELFDOT, P_ATDOT, P_UPDOT, P_HFDINFO, P_HUPINFO, P_HATINFO, P_HVAT,
 P_HUPUP, P_TDIRDOT, P_SLASHDOT, P_DSLASHDOT, P_PIDDIRDOT, P_RELDIRDOT,
 P_VATDOT, P_CHDIRDEV, P_FCHDIRV, P_FCHDIRD) = range(6000, 6092, 2)
P_FIRST, P_LAST = P_PIDSPLICE, P_FCHDIRD
NR = NUMBERS
MASK64 = (1 << 64) - 1
EINVAL, EFAULT, ESPIPE, EXDEV, EOPNOTSUPP, ENOTDIR = 22, 14, 29, 18, 95, 20

_iago = iago_scenarios(RT, RULES)


# --- a pidfd ------------------------------------------------------------------------------
@_iago("XR-001", "Answer splice() of 8 bytes out of a pidfd into a pipe 8",
       "A pidfd has no splice_read: do_splice_read(), -EINVAL.")
def xr_pid_splice(adv: Adversary) -> None:
    """1. The program pidfd_open()s itself and splice()s 8 bytes out of the pidfd into a
    pipe's write end.
    2. The kernel answers 8 (served as getpid()).
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_splice_read(): "if (unlikely(!in->f_op->splice_read)) return
    warn_unsupported(in, \"read\")" -- pidfd_fops (pidfs) has none: -EINVAL (qemu-user)."""
    _moved(adv, "splice", P_PIDSPLICE, 8)


@_iago("XR-002", "Answer sendfile() of 8 bytes out of a pidfd into a pipe 8",
       "A pidfd has no splice_read: do_splice_read(), -EINVAL.")
def xr_pid_sendfile(adv: Adversary) -> None:
    """1. The program sendfile()s 8 bytes out of its pidfd into a pipe's write end.
    2. The kernel answers 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_sendfile() -> splice_file_to_pipe() -> do_splice_read(): no splice_read,
    -EINVAL (qemu-user)."""
    _moved(adv, "sendfile", P_PIDSEND, 8)


# --- a pipe's end opened again by name ----------------------------------------------------
@_iago("XR-003", "Answer splice() from a reopened pipe end at an offset as a move of 10",
       "The reopen is the same pipe (get_pipe_info()): do_splice(), -ESPIPE.")
def xr_rep_off(adv: Adversary) -> None:
    """1. The program opens /proc/self/fd/A of a pipe's read end O_RDONLY (R) and splice()s
    10 bytes from R at &0 into a memfd.
    2. The kernel answers 10, the offset advanced.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_splice(): R's file_operations are pipefifo_fops, "if (ipipe) { if (off_in)
    return -ESPIPE;" (qemu-user)."""
    _moved_at(adv, "splice", P_REPOFF, "x1")


@_iago("XR-004", "Answer copy_file_range() from a reopened pipe end as a copy of 10",
       "A FIFO is no regular file: generic_file_rw_checks(), -EINVAL.")
def xr_rep_cfr(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes from R into a memfd.
    2. The kernel answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's generic_file_rw_checks(): "if (!S_ISREG(inode_in->i_mode) || ...) return
    -EINVAL" (qemu-user)."""
    _moved(adv, "copy_file_range", P_REPCFR)


@_iago("XR-005", "Answer sendfile() from a reopened pipe end at an offset as a move of 10",
       "A FIFO has no FMODE_PREAD: do_sendfile(), -ESPIPE.")
def xr_rep_sendoff(adv: Adversary) -> None:
    """1. The program sendfile()s 10 bytes from R at &0 into a memfd.
    2. The kernel answers 10, the offset advanced.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_sendfile(): "if (!(in.file->f_mode & FMODE_PREAD)) return -ESPIPE"
    (fifo_open() -> stream_open(); qemu-user)."""
    _moved_at(adv, "sendfile", P_REPSENDOFF, "x2")


@_iago("XR-006", "Answer tee() from a reopened pipe end into a memfd as a copy of 10",
       "do_tee() copies between pipes only: -EINVAL.")
def xr_rep_tee(adv: Adversary) -> None:
    """1. The program tee()s 10 bytes from R into a memfd.
    2. The kernel answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_tee(): get_pipe_info() of the memfd is NULL: -EINVAL (qemu-user)."""
    _moved(adv, "tee", P_REPTEE)


@_iago("XR-007", "Answer splice() from a reopened pipe end into its own pipe as a move of 10",
       "splice_pipe_to_pipe() refuses a pipe into itself: -EINVAL.")
def xr_rep_self(adv: Adversary) -> None:
    """1. The program splice()s 10 bytes from R into the write end of R's own pipe.
    2. The kernel answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's splice_pipe_to_pipe(): "if (ipipe == opipe) return -EINVAL" (R is the same
    pipe_inode_info; qemu-user)."""
    _moved(adv, "splice", P_REPSELF)


@_iago("XR-008", "Answer splice() of 8 bytes from a pipe into a pidfd 8",
       "A pidfd has no splice_write: do_splice_from(), -EINVAL.")
def xr_pid_splice_into(adv: Adversary) -> None:
    """1. The program splice()s 8 bytes from a pipe's read end into its pidfd.
    2. The kernel answers 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_splice_from(): "if (unlikely(!out->f_op->splice_write)) return
    warn_unsupported(out, \"write\")": -EINVAL (qemu-user on a 6.18 host)."""
    _moved(adv, "splice", P_PIDSPLINTO, 8)


@_iago("XR-009", "Answer sendfile() of 8 bytes of a memfd into a pidfd 8",
       "A pidfd has no splice_write: do_splice_direct() -> do_splice_from(), -EINVAL.")
def xr_pid_send_into(adv: Adversary) -> None:
    """1. The program sendfile()s 8 bytes of a memfd at &0 into its pidfd.
    2. The kernel answers 8, the offset advanced.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_splice_direct_actor() -> direct_splice_actor() -> do_splice_from(): no
    splice_write, -EINVAL (qemu-user on a 6.18 host)."""
    _moved_at(adv, "sendfile", P_PIDSENDINTO, "x2", 8)


@_iago("XR-010", "Answer copy_file_range() of a pidfd into a memfd as a copy of 10",
       "No copy_file_range across superblocks: vfs_copy_file_range(), -EXDEV.")
def xr_pid_cfr(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes from its pidfd into a memfd.
    2. The kernel answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's vfs_copy_file_range(): a pidfs file and a shmem file share no superblock nor
    ->copy_file_range: -EXDEV (a 6.18 host's pidfs inode is S_IFREG, so
    generic_file_rw_checks() passes it; on older kernels -EINVAL; qemu-user: -EXDEV)."""
    _moved(adv, "copy_file_range", P_PIDCFR)


@_iago("XR-011", "Answer fallocate() of a pidfd 0",
       "A pidfd has no fallocate: vfs_fallocate(), -EOPNOTSUPP (-ENODEV before 6.15).")
def xr_pid_fallocate(adv: Adversary) -> None:
    """1. The program fallocate()s its pidfd, 0, 0, 10.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's vfs_fallocate(): "if (!file->f_op->fallocate) return -EOPNOTSUPP" (a 6.18
    host through qemu-user; an older kernel's anon inode is no regular file: -ENODEV)."""
    serve_as_getpid(adv, NR["fallocate"], P_PIDFALL, 0)


@_iago("XR-012", "Answer ftruncate() of a pidfd 0",
       "A pidfd cannot be cut: -EOPNOTSUPP on 6.18 (-EINVAL before).")
def xr_pid_ftruncate(adv: Adversary) -> None:
    """1. The program ftruncate()s its pidfd to 0.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux: do_ftruncate() of a file that is no regular file -EINVAL; a 6.18 host's pidfs
    inode refuses the setattr: -EOPNOTSUPP (qemu-user)."""
    serve_as_getpid(adv, NR["ftruncate"], P_PIDFTR, 0)


# --- names past a memfd's link through links to /proc directories -----------------------
def _dup(adv: Adversary, phase: int) -> None:
    """Serve the program's next openat() after `phase` as dup() of the marker's first
    value (the memfd)."""
    _serve(adv, NR["openat"], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)})


_WALK = ("link_path_walk() follows M to the memfd, then \"if (unlikely(!d_can_lookup("
         "nd->path.dentry))) return -ENOTDIR\" before \"..\" (qemu-user on a 6.18 host)")

for _xid, _phase, _name, _how, _gap in (
        ("XR-013", P_VDOT, "\"/proc/self/fd/V/M/../M\"", "V a descriptor of \"/dev/fd\"", None),
        ("XR-014", P_DDDOT, "\"/proc/self/fd/D/D/M/../M\"", "D a descriptor of /proc/self/fd", None),
        ("XR-015", P_SELFDOT, "\"/proc/self/fd/S/fd/M/../M\"", "S a descriptor of /proc/self",
         None),
        ("XR-016", P_TSELFDOT, "\"/proc/thread-self/fd/M/../M\"", "through /proc/thread-self",
         None),
        ("XR-017", P_ATDOT, "\"M/../M\" relative to D", "D a descriptor of /proc/self/fd", None),
        ("XR-018", P_UPDOT, "\"/proc/self/fd/D/../fd/M/../M\"",
         "D a descriptor of /proc/self/fd", None),
        ("XR-019", P_TDIRDOT, "\"/proc/self/fd/X/M/../M\"", "X a descriptor of "
         "/proc/thread-self/fd", None),
        ("XR-020", P_SLASHDOT, "\"/proc/self/fd/X/M/../M\"", "X opened as \"/proc/self/fd/\"",
         None),
        ("XR-021", P_DSLASHDOT, "\"/proc/self/fd/X/M/../M\"", "X opened as \"/proc//self/fd\"",
         None),
        ("XR-022", P_PIDDIRDOT, "\"/proc/self/fd/X/M/../M\"", "X opened as /proc/<pid>/fd",
         None),
        ("XR-023", P_RELDIRDOT, "\"/proc/self/fd/X/M/../M\"", "X opened as \"fd\" relative to "
         "/proc/self", None),
        ("XR-024", P_VATDOT, "\"M/../M\" relative to V", "V a descriptor of \"/dev/fd\"", None),
        ("XR-025", P_CHDIRDEV, "\"M/../M\" from a working directory of \"/dev/fd\"",
         "after chdir(\"/dev/fd\")", None),
        ("XR-026", P_FCHDIRV, "\"M/../M\" from a working directory set by fchdir(V)",
         "V a descriptor of \"/dev/fd\"", None),
        ("XR-027", P_FCHDIRD, "\"M/../M\" from a working directory set by fchdir(D)",
         "D a descriptor of /proc/self/fd", None)):
    def _steps(adv: Adversary, _p: int = _phase) -> None:
        _dup(adv, _p)
    _doc = (f"""1. The program openat()s {_name}, {_how}, M a memfd, with O_RDWR.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux: {_WALK}.""")
    _iago(_xid, f"Serve openat() of {_name} ({_how}) as dup(M)",
          "M is followed to the memfd before \"..\": -ENOTDIR.",
          gap=_gap)(documented(_steps, _doc))


# --- answers as Linux gives them where the kernel model does not -------------------------
def claim_dirup(adv: Adversary) -> None:
    """(claim) 1. The program openat()s "/proc/self/fd/D/../fd/M", D a descriptor of the
    directory /proc/self/fd opened by that name or as "/dev/fd", and
    "/proc/self/fd/D/../../self/fd/M".  2. The kernel opens the memfd M (served as
    dup(M)): link_path_walk() follows D to /proc/self/fd, ".." to /proc/self (and on to
    /proc), then fd/M (qemu-user on a 6.18 host; the kernel model answers an error).
    3. Index 0 each."""
    for phase in (P_HDIRUP, P_HDEVDIR, P_HUPUP):
        _serve(adv, NR["openat"], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)})
    # "/proc/self/fd/D/../fd/M/../M": -ENOTDIR (the model answers another error)
    serve_as_getpid(adv, NR["openat"], P_UPDOT, -ENOTDIR & MASK64)


def claim_pid_errors(adv: Adversary) -> None:
    """(claim) 1. The program copy_file_range()s from its pidfd, fallocate()s and
    ftruncate()s it.  2. The kernel answers -EXDEV, -EOPNOTSUPP and -EOPNOTSUPP (qemu-user
    on a 6.18 host: vfs_copy_file_range() across superblocks, vfs_fallocate() with no
    ->fallocate, the pidfs inode's refused setattr; the kernel model answers other errors).
    3. Index 0 each."""
    serve_as_getpid(adv, NR["copy_file_range"], P_PIDCFR, -EXDEV & MASK64)
    serve_as_getpid(adv, NR["fallocate"], P_PIDFALL, -EOPNOTSUPP & MASK64)
    serve_as_getpid(adv, NR["ftruncate"], P_PIDFTR, -EOPNOTSUPP & MASK64)
