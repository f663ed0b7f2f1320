"""Red-team round fifty-nine: the rules added after round 58, both ways.

Since round 58 the Guardian refuses fallocate(), ftruncate() and RWF flags by the kind of
file (`return.file_type`), splice(), tee(), sendfile() and copy_file_range() ends and
offsets Linux refuses (`return.move_ends`), names walked component by component to a
/proc/self/fd/N link (`return.reopen_flags`, guardian/reopen_walks.py), and an -EFAULT
for an open whose flags build_open_flags() refuses (`return.open_flags_first`).  This
round asks those rules the shapes they leave out:

- openat() of /proc/self/fd/S of a socket (XQ-001: sock_no_open(), -ENXIO), of
  "/proc/self/fd/S/../S" (XQ-002: a socket is no directory), of "/dev/fd/M/../M"
  (XQ-003: the walk through /dev/fd), of "M/../M" from a working directory of
  /proc/self/fd (XQ-004), each served as dup(); openat() of a NULL name with
  O_CREAT|O_DIRECTORY answered -EFAULT (XQ-005: build_open_flags() answers -EINVAL first);
- ftruncate() of an O_RDONLY reopen of a memfd (XQ-006) and of an O_PATH one (XQ-007),
  answered 0;
- copy_file_range() into an eventfd (XQ-008), an O_APPEND memfd (XQ-009), a pipe
  (XQ-010) and over its own range (XQ-011), answered as a copy of 10; fallocate() with
  PUNCH_HOLE alone (XQ-012) answered 0; splice() from a pipe at an offset (XQ-013)
  answered 10;
- a device opened by the name "/dev/./null": tee() into it (XQ-014), fallocate() of it
  (XQ-015), ftruncate() of it (XQ-016), copy_file_range() into it (XQ-017);
- sendfile() into a memfd reopened with O_APPEND (XQ-018), answered 10;
- sendfile() (XQ-019) and splice() (XQ-020) out of an eventfd, splice() into one (XQ-021),
  answered 8; ftruncate() (XQ-022) and fallocate() (XQ-023, XQ-025 with KEEP_SIZE) of a
  memfd sealed F_SEAL_SHRINK|F_SEAL_GROW, a hole in one sealed F_SEAL_WRITE (XQ-026),
  answered 0; openat() of /proc/self/fd/E of an eventfd (XQ-024), of
  "/proc/self/task/T/fd/M/../M" (XQ-027), "/proc/self/fdinfo/../fd/M/../M" (XQ-028) and
  "/proc/self/fd/D/M/../M", D a descriptor of /proc/self/fd (XQ-031), served as dup();
  fallocate() of a pipe's end reopened through /proc/self/fd (XQ-029) answered 0, tee()
  into /dev/null reopened so (XQ-030) answered 10; copy_file_range() with flags 1
  (XQ-032) answered 10.

Through with the Guardian on when written: XQ-001..XQ-003, XQ-005, XQ-008,
XQ-019..XQ-021, XQ-024, XQ-027..XQ-029, XQ-031.  Refused since: XQ-001, XQ-024
(return.reopen_flags: a socket's or an anon-inode file's reopen but O_PATH's, ENXIO),
XQ-002, XQ-003, XQ-027, XQ-028, XQ-031 (return.reopen_flags: the walk reads on past a
socket's link, through /dev/fd, a task's fd directory, fdinfo's ".." and a link to a /proc
directory the program opened), XQ-008 (return.move_ends' copy_file_range() knew devices
and sockets, not anon-inode files), XQ-019..XQ-021 (no rule knew an eventfd has no
splice_read/splice_write: return.move_ends), XQ-029 (a pipe reopened by name was no pipe
to return.file_type).  Still open: XQ-005 (a kernel before 6.4 answers -EFAULT there too:
return.open_flags_first takes both; the kernel model answers -EINVAL as 6.4 on).
Refused: XQ-004,
XQ-006, XQ-007, XQ-009..XQ-018, XQ-022, XQ-023, XQ-025, XQ-026, XQ-030, XQ-032.
No honest answer of this round is refused (no false refusal found): each steps' Linux
answer indexes 0 with the Guardian on.

The claim_* step functions answer as Linux does where the kernel model does not: openat()
of a NULL name with O_CREAT|O_DIRECTORY (the model answered -EFAULT when written, as
qemu-user, which answers it itself; a 6.18 host natively and the model since: -EINVAL)
and sendfile()/splice() through an eventfd (the model moved 8 bytes or answered another
error when written; since, it answers -EINVAL as Linux).

Honest answers (tests/test_redteam_r59_claims.py): each error above as Linux gives it
(a 6.18 host natively; qemu-user where it passes the call on: it answers openat() of a
NULL name -EFAULT itself, before the host sees the flags), openat() of a NULL name with an
unknown flag bit: -EFAULT (build_open_how() drops it), sendfile() into a socket (10),
fallocate(PUNCH_HOLE|KEEP_SIZE) (0), openat() of /proc/self/fd/W of a pipe's write end
with O_RDONLY (fifo_open(): a reader) and of /dev/fd/M (a descriptor).

The victim is `secret_r59_rules` (workloads/src/secret_r59_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _serve
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import iago_scenarios

RT = "redteam_r59"
RULES = "secret_r59_rules"
(P_SOCKREOPEN, P_SOCKDOTDOT, P_DEVFDDOT, P_CWDDOT, P_CREATDIR, P_HNULLBITS, P_FTRRDONLY,
 P_FTRPATH, P_CFREV, P_CFRAPPEND, P_CFRPIPE, P_CFROVER, P_FPUNCH, P_SPLPIPEOFF,
 P_TEEDOTNULL, P_FDOTNULL, P_FTRDOTNULL, P_CFRDOTNULL, P_SENDAPREOPEN, P_HSENDSOCK,
 P_HFPUNCHKEEP, P_HREOPENPIPE, P_HDEVFD, P_SENDEV, P_SPLFROMEV, P_SPLINTOEV, P_FTRSEALED,
 P_FGROWSEALED, P_EVREOPEN, P_FKEEPSEALED, P_HFSEALIN, P_HFTRSAME, P_HCFRADJ, P_HSPLOUTOFF,
 P_HSENDPLAIN, P_HFTRWSEAL, P_HFALLWSEAL, P_FPUNCHWSEAL, P_TASKDOT, P_FDINFODOT, P_FREOPIPE,
 P_TEEREONULL, P_DIRLINKDOT, P_CFRFLAGS) = range(5900, 5988, 2)
P_FIRST, P_LAST = P_SOCKREOPEN, P_CFRFLAGS
NR = NUMBERS
MASK64 = (1 << 64) - 1
EINVAL, EFAULT, ENOTDIR, ENXIO, EBADF, ESPIPE, ENODEV, EOPNOTSUPP, EPERM = (
    22, 14, 20, 6, 9, 29, 19, 95, 1)

# the victim's switch
CREATDIR, EVMOVE = b"-c", b"-v"

_iago = iago_scenarios(RT, RULES)


def _dup(adv: Adversary, phase: int) -> None:
    """Serve the program's next openat() after `phase` as dup() of the marker's first
    value."""
    _serve(adv, NR["openat"], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)})


def _moved(adv: Adversary, nr: str, phase: int, count: int = 10) -> None:
    """Answer the program's next call `nr` after `phase` `count` without moving a byte
    (served as getpid())."""
    serve_as_getpid(adv, NR[nr], phase, count)


def _moved_at(adv: Adversary, nr: str, phase: int, reg: str, count: int = 10) -> None:
    """As `_moved`, the position the call's argument `reg` points at advanced by `count`,
    as a move of `count` bytes stores it."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR[nr], during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("at", phase)] = a.reg(reg)

    _moved(adv, nr, phase, count)

    @adv.on(Point.SYSCALL_EXIT, nr=NR[nr], during=phase)
    def _(a: Adversary, **_: object) -> None:
        at = a.memo[("at", phase)]
        a.kernel.uaccess.write_u64(at, (a.kernel.uaccess.read_u64(at) + count) & MASK64)


def _advance(adv: Adversary, nr: str, phase: int, reg: str, count: int = 10) -> None:
    """The position the call's argument `reg` points at advanced by `count` as well."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR[nr], during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("also", phase)] = a.reg(reg)

    @adv.on(Point.SYSCALL_EXIT, nr=NR[nr], during=phase)
    def _(a: Adversary, **_: object) -> None:
        at = a.memo[("also", phase)]
        a.kernel.uaccess.write_u64(at, (a.kernel.uaccess.read_u64(at) + count) & MASK64)


# --- opens Linux refuses -----------------------------------------------------------------------
@_iago("XQ-001", "Serve openat() of /proc/self/fd/S of a socket as dup(S)",
       "A socket cannot be opened again: sock_no_open() answers -ENXIO.")
def xq_sock_reopen(adv: Adversary) -> None:
    """1. The program openat()s /proc/self/fd/S, S a socket, with O_RDWR.
    2. The kernel serves it as dup(S) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's do_dentry_open() calls socket_file_ops' .open, sock_no_open(): "return
    -ENXIO" (a 6.18 host and qemu-user: -ENXIO)."""
    _dup(adv, P_SOCKREOPEN)


@_iago("XQ-002", "Serve openat() of /proc/self/fd/S/../S of a socket as dup(S)",
       "The link is followed to a socket before \"..\": -ENOTDIR.")
def xq_sock_dotdot(adv: Adversary) -> None:
    """1. The program openat()s "/proc/self/fd/S/../S", S a socket, with O_RDWR.
    2. The kernel serves it as dup(S) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's link_path_walk(): S is followed (nd_jump_link()) to the socket, then
    "if (unlikely(!d_can_lookup(nd->path.dentry))) return -ENOTDIR" (a 6.18 host and
    qemu-user: -ENOTDIR)."""
    _dup(adv, P_SOCKDOTDOT)


@_iago("XQ-003", "Serve openat() of /dev/fd/M/../M of a memfd as dup(M)",
       "/dev/fd is /proc/self/fd: M is followed to the memfd before \"..\": -ENOTDIR.")
def xq_devfd_dotdot(adv: Adversary) -> None:
    """1. The program openat()s "/dev/fd/M/../M", M a memfd, with O_RDWR.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux: /dev/fd links to /proc/self/fd; link_path_walk() follows M, then
    d_can_lookup() fails before ".." (a 6.18 host and qemu-user: -ENOTDIR)."""
    _dup(adv, P_DEVFDDOT)


@_iago("XQ-004", "Serve openat() of M/../M from a working directory of /proc/self/fd as "
       "dup(M)", "M is followed to the memfd before \"..\": -ENOTDIR.")
def xq_cwd_dotdot(adv: Adversary) -> None:
    """1. The program chdir()s to /proc/self/fd and openat()s "M/../M" relative to
    AT_FDCWD, M a memfd, with O_RDWR.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's link_path_walk(): -ENOTDIR (a 6.18 host and qemu-user)."""
    _dup(adv, P_CWDDOT)


@_iago("XQ-005", "Answer openat() of a NULL name with O_CREAT|O_DIRECTORY -EFAULT",
       "build_open_flags() refuses O_DIRECTORY|O_CREAT before getname(): -EINVAL.",
       args=(CREATDIR,), gap="P5")
def xq_creatdir_efault(adv: Adversary) -> None:
    """1. The program openat()s a NULL name with O_RDWR|O_CREAT|O_DIRECTORY.
    2. The kernel answers -EFAULT.
    3. The program sees -EFAULT: index -4, secret bytes 0..7.
    Linux's build_open_flags() (6.4 on): "if ((flags & (O_DIRECTORY | O_CREAT)) ==
    (O_DIRECTORY | O_CREAT)) return -EINVAL", run by do_sys_openat2() before getname()
    (a 6.18 host natively: -EINVAL; qemu-user answers -EFAULT itself, never passing the
    call on).  Open: a kernel before 6.4 reads the name first and answers -EFAULT, a
    Linux answer too, so the Guardian takes both (return.open_flags_first judges what
    every 6.x kernel refuses)."""
    serve_as_getpid(adv, NR["openat"], P_CREATDIR, -EFAULT & MASK64)


# --- ftruncate(), fallocate() ------------------------------------------------------------------
@_iago("XQ-006", "Answer ftruncate() of an O_RDONLY reopen of a memfd 0",
       "do_ftruncate() needs FMODE_WRITE: -EINVAL.")
def xq_ftr_rdonly(adv: Adversary) -> None:
    """1. The program reopens its memfd through /proc/self/fd with O_RDONLY and
    ftruncate()s it to 0.
    2. The kernel answers 0 (served as getpid()).
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's do_ftruncate(): "if (!S_ISREG(inode->i_mode) || !(file->f_mode &
    FMODE_WRITE)) return -EINVAL" (a 6.18 host and qemu-user: -EINVAL)."""
    serve_as_getpid(adv, NR["ftruncate"], P_FTRRDONLY, 0)


@_iago("XQ-007", "Answer ftruncate() of an O_PATH reopen of a memfd 0",
       "fdget() takes no O_PATH file: -EBADF.")
def xq_ftr_path(adv: Adversary) -> None:
    """1. The program reopens its memfd through /proc/self/fd with O_PATH and ftruncate()s
    it to 0.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's do_sys_ftruncate(): fdget() skips FMODE_PATH files (__fget_light()'s mask):
    -EBADF (a 6.18 host and qemu-user)."""
    serve_as_getpid(adv, NR["ftruncate"], P_FTRPATH, 0)


@_iago("XQ-008", "Answer copy_file_range() of a memfd into an eventfd as a copy of 10",
       "generic_file_rw_checks(): an eventfd is no regular file: -EINVAL.")
def xq_cfr_eventfd(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes of a memfd from offset 0 into an eventfd.
    2. The kernel answers 10, the offset advanced.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's generic_file_rw_checks(): "if (!S_ISREG(inode_in->i_mode) ||
    !S_ISREG(inode_out->i_mode)) return -EINVAL" (a 6.18 host and qemu-user)."""
    _moved_at(adv, "copy_file_range", P_CFREV, "x1")


@_iago("XQ-009", "Answer copy_file_range() into an O_APPEND memfd as a copy of 10",
       "generic_copy_file_checks() refuses an O_APPEND output: -EBADF.")
def xq_cfr_append(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes of a memfd into a memfd it set O_APPEND.
    2. The kernel answers 10, the offset advanced.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's generic_copy_file_checks(): "if (file_out->f_flags & O_APPEND) return
    -EBADF" (a 6.18 host and qemu-user)."""
    _moved_at(adv, "copy_file_range", P_CFRAPPEND, "x1")


@_iago("XQ-010", "Answer copy_file_range() of a memfd into a pipe as a copy of 10",
       "generic_file_rw_checks(): a pipe is no regular file: -EINVAL.")
def xq_cfr_pipe(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes of a memfd into a pipe's write end.
    2. The kernel answers 10, the offset advanced.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's generic_file_rw_checks(): -EINVAL (a 6.18 host and qemu-user)."""
    _moved_at(adv, "copy_file_range", P_CFRPIPE, "x1")


@_iago("XQ-011", "Answer copy_file_range() of a memfd over its own range as a copy of 10",
       "generic_copy_file_checks() refuses overlapping ranges of one file: -EINVAL.")
def xq_cfr_overlap(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes of a memfd from offset 0 to offset 5 of
    the same memfd.
    2. The kernel answers 10, the offset advanced.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's generic_copy_file_checks(): "if (inode_in == inode_out && pos_out + count >
    pos_in && pos_out < pos_in + count) return -EINVAL" (a 6.18 host and qemu-user)."""
    _moved_at(adv, "copy_file_range", P_CFROVER, "x1")
    _advance(adv, "copy_file_range", P_CFROVER, "x3")


@_iago("XQ-012", "Answer fallocate() of a memfd with PUNCH_HOLE alone 0",
       "vfs_fallocate(): PUNCH_HOLE needs KEEP_SIZE: -EOPNOTSUPP.")
def xq_fpunch(adv: Adversary) -> None:
    """1. The program fallocate()s a memfd with FALLOC_FL_PUNCH_HOLE, 0, 10.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's vfs_fallocate(): "if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode &
    FALLOC_FL_KEEP_SIZE)) return -EOPNOTSUPP" (a 6.18 host and qemu-user)."""
    serve_as_getpid(adv, NR["fallocate"], P_FPUNCH, 0)


@_iago("XQ-013", "Answer splice() from a pipe at an offset as a move of 10",
       "do_splice(): a pipe end takes no offset: -ESPIPE.")
def xq_splice_pipe_off(adv: Adversary) -> None:
    """1. The program splice()s 10 bytes from a pipe's read end at &0 into a memfd.
    2. The kernel answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_splice(): "if (ipipe) { if (off_in) return -ESPIPE;" (a 6.18 host and
    qemu-user)."""
    _moved_at(adv, "splice", P_SPLPIPEOFF, "x1")


# --- a device by another name ------------------------------------------------------------------
@_iago("XQ-014", "Answer tee() of a pipe into /dev/./null as a copy of 10",
       "do_tee(): /dev/null is no pipe, whatever its name: -EINVAL.")
def xq_tee_dotnull(adv: Adversary) -> None:
    """1. The program opens "/dev/./null" and tee()s 10 bytes of a pipe into it.
    2. The kernel answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_tee(): get_pipe_info() of the output is NULL: -EINVAL (a 6.18 host and
    qemu-user)."""
    _moved(adv, "tee", P_TEEDOTNULL)


@_iago("XQ-015", "Answer fallocate() of /dev/./null 0",
       "vfs_fallocate() of a character device: -ENODEV.")
def xq_falloc_dotnull(adv: Adversary) -> None:
    """1. The program fallocate()s "/dev/./null", 0, 0, 10.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's vfs_fallocate(): "if (!S_ISREG(inode->i_mode) && !S_ISBLK(inode->i_mode))
    return -ENODEV" (a 6.18 host and qemu-user)."""
    serve_as_getpid(adv, NR["fallocate"], P_FDOTNULL, 0)


@_iago("XQ-016", "Answer ftruncate() of /dev/./null 0",
       "do_ftruncate() cuts regular files only: -EINVAL.")
def xq_ftr_dotnull(adv: Adversary) -> None:
    """1. The program ftruncate()s "/dev/./null" to 0.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's do_ftruncate(): !S_ISREG: -EINVAL (a 6.18 host and qemu-user)."""
    serve_as_getpid(adv, NR["ftruncate"], P_FTRDOTNULL, 0)


@_iago("XQ-017", "Answer copy_file_range() of a memfd into /dev/./null as a copy of 10",
       "generic_file_rw_checks(): a character device is no regular file: -EINVAL.")
def xq_cfr_dotnull(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes of a memfd into "/dev/./null".
    2. The kernel answers 10, the offset advanced.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's generic_file_rw_checks(): -EINVAL (a 6.18 host and qemu-user)."""
    _moved_at(adv, "copy_file_range", P_CFRDOTNULL, "x1")


@_iago("XQ-018", "Answer sendfile() into a memfd reopened with O_APPEND as a move of 10",
       "do_splice_direct_actor() refuses an appending output: -EINVAL.")
def xq_send_append_reopen(adv: Adversary) -> None:
    """1. The program reopens a memfd through /proc/self/fd with O_RDWR|O_APPEND and
    sendfile()s 10 bytes of another memfd into it.
    2. The kernel answers 10, the offset advanced.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_splice_direct_actor(): "if (unlikely(out->f_flags & O_APPEND)) return
    -EINVAL" (a 6.18 host and qemu-user)."""
    _moved_at(adv, "sendfile", P_SENDAPREOPEN, "x2")


# --- eventfds, seals ---------------------------------------------------------------------------
@_iago("XQ-019", "Answer sendfile() from an eventfd into a pipe as a move of 8",
       "An eventfd has no splice_read: do_splice_read() answers -EINVAL.", args=(EVMOVE,))
def xq_send_eventfd(adv: Adversary) -> None:
    """1. The program sendfile()s 8 bytes of an eventfd (counter 5) into a pipe's write
    end, no offset.
    2. The kernel answers 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_sendfile() -> splice_file_to_pipe() -> do_splice_read(): "if
    (unlikely(!in->f_op->splice_read)) return warn_unsupported(in, "read")" -- eventfd_fops
    has none: -EINVAL (a 6.18 host natively)."""
    _moved(adv, "sendfile", P_SENDEV, 8)


@_iago("XQ-020", "Answer splice() from an eventfd into a pipe as a move of 8",
       "An eventfd has no splice_read: do_splice_read() answers -EINVAL.", args=(EVMOVE,))
def xq_splice_from_eventfd(adv: Adversary) -> None:
    """1. The program splice()s 8 bytes of an eventfd into a pipe's write end.
    2. The kernel answers 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_splice() -> splice_file_to_pipe() -> do_splice_read(): -EINVAL (a 6.18
    host natively)."""
    _moved(adv, "splice", P_SPLFROMEV, 8)


@_iago("XQ-021", "Answer splice() from a pipe into an eventfd as a move of 8",
       "An eventfd has no splice_write: do_splice_from() answers -EINVAL.", args=(EVMOVE,))
def xq_splice_into_eventfd(adv: Adversary) -> None:
    """1. The program splice()s 8 bytes of a pipe into an eventfd.
    2. The kernel answers 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_splice_from(): "if (unlikely(!out->f_op->splice_write)) return
    warn_unsupported(out, "write")": -EINVAL (a 6.18 host natively)."""
    _moved(adv, "splice", P_SPLINTOEV, 8)


@_iago("XQ-022", "Answer ftruncate() of a memfd sealed against shrinking 0",
       "shmem_setattr() refuses a cut under F_SEAL_SHRINK: -EPERM.")
def xq_ftr_sealed(adv: Adversary) -> None:
    """1. The program seals a memfd of 100 bytes with F_SEAL_SHRINK|F_SEAL_GROW and
    ftruncate()s it to 0.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's shmem_setattr(): "if ((newsize < oldsize && (info->seals & F_SEAL_SHRINK)) ||
    (newsize > oldsize && (info->seals & F_SEAL_GROW))) return -EPERM" (a 6.18 host)."""
    serve_as_getpid(adv, NR["ftruncate"], P_FTRSEALED, 0)


@_iago("XQ-023", "Answer fallocate() past the end of a memfd sealed against growing 0",
       "shmem_fallocate() refuses growth under F_SEAL_GROW: -EPERM.")
def xq_falloc_sealed(adv: Adversary) -> None:
    """1. The program fallocate()s 200 bytes of the sealed memfd of 100 (mode 0).
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's shmem_fallocate(): "if ((info->seals & F_SEAL_GROW) && offset + len >
    inode->i_size) { error = -EPERM; goto out; }" (a 6.18 host)."""
    serve_as_getpid(adv, NR["fallocate"], P_FGROWSEALED, 0)


@_iago("XQ-024", "Serve openat() of /proc/self/fd/E of an eventfd as dup(E)",
       "An anon-inode file cannot be opened again by name: -ENXIO.")
def xq_eventfd_reopen(adv: Adversary) -> None:
    """1. The program openat()s /proc/self/fd/E, E an eventfd, with O_RDWR.
    2. The kernel serves it as dup(E) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux: the anon inode's file operations take no open (a 6.18 host: -ENXIO)."""
    _dup(adv, P_EVREOPEN)


@_iago("XQ-025", "Answer fallocate(KEEP_SIZE) past the end of a memfd sealed against "
       "growing 0", "shmem_fallocate() checks F_SEAL_GROW with KEEP_SIZE too: -EPERM.")
def xq_falloc_keep_sealed(adv: Adversary) -> None:
    """1. The program fallocate()s the sealed memfd of 100 with FALLOC_FL_KEEP_SIZE, 0, 200.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's shmem_fallocate(): the F_SEAL_GROW test "offset + len > inode->i_size" comes
    before and whatever KEEP_SIZE says (a 6.18 host natively: -EPERM)."""
    serve_as_getpid(adv, NR["fallocate"], P_FKEEPSEALED, 0)


@_iago("XQ-026", "Answer fallocate(PUNCH_HOLE|KEEP_SIZE) of a memfd sealed against writes 0",
       "shmem_fallocate() punches no hole under F_SEAL_WRITE: -EPERM.")
def xq_punch_wsealed(adv: Adversary) -> None:
    """1. The program seals a memfd of 100 with F_SEAL_WRITE and fallocate()s it with
    PUNCH_HOLE|KEEP_SIZE, 0, 10.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's shmem_fallocate(): "if (info->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) {
    error = -EPERM; goto out; }" for a hole (a 6.18 host natively: -EPERM)."""
    serve_as_getpid(adv, NR["fallocate"], P_FPUNCHWSEAL, 0)


@_iago("XQ-027", "Serve openat() of /proc/self/task/T/fd/M/../M as dup(M)",
       "A task's fd directory holds the same links: M is followed before \"..\": -ENOTDIR.")
def xq_task_dotdot(adv: Adversary) -> None:
    """1. The program openat()s "/proc/self/task/T/fd/M/../M", T its thread id, M a memfd,
    with O_RDWR.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's link_path_walk(): proc_fd_link() of the task's fd directory jumps to the
    memfd, then d_can_lookup() fails before ".." (a 6.18 host and qemu-user:
    -ENOTDIR)."""
    _dup(adv, P_TASKDOT)


@_iago("XQ-028", "Serve openat() of /proc/self/fdinfo/../fd/M/../M as dup(M)",
       "/proc/self/fdinfo is a real directory; M is followed before \"..\": -ENOTDIR.")
def xq_fdinfo_dotdot(adv: Adversary) -> None:
    """1. The program openat()s "/proc/self/fdinfo/../fd/M/../M", M a memfd, with O_RDWR.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux: ".." out of fdinfo is /proc/<pid>; link_path_walk() then follows M and fails
    before ".." (a 6.18 host and qemu-user: -ENOTDIR)."""
    _dup(adv, P_FDINFODOT)


@_iago("XQ-029", "Answer fallocate() of a pipe's end reopened through /proc/self/fd 0",
       "vfs_fallocate() of a FIFO, however it was opened: -ESPIPE.")
def xq_falloc_reopened_pipe(adv: Adversary) -> None:
    """1. The program reopens a pipe's write end through /proc/self/fd with O_WRONLY and
    fallocate()s it, 0, 0, 10.
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's vfs_fallocate(): "if (S_ISFIFO(inode->i_mode)) return -ESPIPE" (a 6.18 host
    and qemu-user)."""
    serve_as_getpid(adv, NR["fallocate"], P_FREOPIPE, 0)


@_iago("XQ-030", "Answer tee() of a pipe into /dev/null reopened through /proc/self/fd as a "
       "copy of 10", "do_tee(): the reopened /dev/null is no pipe: -EINVAL.")
def xq_tee_reopened_null(adv: Adversary) -> None:
    """1. The program reopens its /dev/null descriptor through /proc/self/fd with O_WRONLY
    and tee()s 10 bytes of a pipe into it.
    2. The kernel answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_tee(): get_pipe_info() of the output is NULL: -EINVAL (a 6.18 host and
    qemu-user)."""
    _moved(adv, "tee", P_TEEREONULL)


@_iago("XQ-031", "Serve openat() of /proc/self/fd/D/M/../M, D a descriptor of /proc/self/fd, "
       "as dup(M)", "D leads back to /proc/self/fd; M is followed before \"..\": -ENOTDIR.")
def xq_dirlink_dotdot(adv: Adversary) -> None:
    """1. The program opens /proc/self/fd as D and openat()s "/proc/self/fd/D/M/../M", M a
    memfd, with O_RDWR.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's link_path_walk(): D jumps to the directory /proc/<pid>/fd, M to the memfd,
    then d_can_lookup() fails before ".." (a 6.18 host and qemu-user: -ENOTDIR)."""
    _dup(adv, P_DIRLINKDOT)


@_iago("XQ-032", "Answer copy_file_range() with flags 1 as a copy of 10",
       "copy_file_range() takes no flags: -EINVAL.")
def xq_cfr_flags(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes between two memfds at offsets 0 with
    flags 1.
    2. The kernel answers 10, both offsets advanced.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's vfs_copy_file_range(): "if (flags != 0) return -EINVAL" (a 6.18 host and
    qemu-user)."""
    _moved_at(adv, "copy_file_range", P_CFRFLAGS, "x1")
    _advance(adv, "copy_file_range", P_CFRFLAGS, "x3")


# --- answers as Linux gives them where the kernel model does not ------------------------------
def claim_creatdir(adv: Adversary) -> None:
    """(claim) 1. The program openat()s a NULL name with O_RDWR|O_CREAT|O_DIRECTORY.
    2. The kernel answers -EINVAL (build_open_flags() before getname(), a 6.18 host
    natively and the kernel model; qemu-user answers -EFAULT).  3. Index 0."""
    serve_as_getpid(adv, NR["openat"], P_CREATDIR, -EINVAL & MASK64)


def claim_eventfd_moves(adv: Adversary) -> None:
    """(claim) 1. The program sendfile()s and splice()s out of an eventfd and splice()s
    into one.  2. The kernel answers -EINVAL each (do_splice_read(), do_splice_from():
    eventfd_fops has neither splice_read nor splice_write; a 6.18 host natively and
    qemu-user; the kernel model, when written, moved 8 bytes or answered another
    error).  3. Index 0 each."""
    serve_as_getpid(adv, NR["sendfile"], P_SENDEV, -EINVAL & MASK64)
    serve_as_getpid(adv, NR["splice"], P_SPLFROMEV, -EINVAL & MASK64)
    serve_as_getpid(adv, NR["splice"], P_SPLINTOEV, -EINVAL & MASK64)
