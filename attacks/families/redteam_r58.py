"""Red-team round fifty-eight: the rules added after round 57, both ways.

Since round 57 the Guardian refuses an open of /proc/self/fd/N by openat2() with a flag
bit no open flag has, RESOLVE_CACHED, RESOLVE_NO_SYMLINKS through /proc/self, a name going
on past the link ("N/", "N/.") (`return.reopen_flags`), an open answered -EFAULT though its
name lies readable (`return.open_name_fault`), splice(), tee() and sendfile() through ends
without the access mode they need (`return.fd_mode`), tee()'s flags, a pipe teed into
itself, a zero fallocate() length, copy_file_range() offsets that wrap, a position for a
socket or an anon-inode file and RWF_ATOMIC on a socket (`return.move_args`); and the
result rules and the entry notes run as a copy compiled per syscall number once it has
been met 1,000 times (guardian/number_folding.py).  This round asks those rules the shapes
they leave out:

- openat() of "/proc/self/fd/N/../N" (XP-001: followed past the link, then "..") and with
  __O_TMPFILE alone (XP-002), openat2() of "proc/self/fd/N" relative to "/" under
  RESOLVE_NO_XDEV (XP-003), of "/proc/../proc/self/fd/N" under RESOLVE_NO_SYMLINKS (XP-004),
  of "../fd/N" from a dirfd of /proc/self/fd under RESOLVE_BENEATH (XP-005) or
  RESOLVE_IN_ROOT (XP-006), each served as an open;
- tee() into /dev/null (XP-007), splice() from a memfd into /dev/null (XP-008), into an
  O_APPEND memfd (XP-009), into a socket at an offset (XP-010), at a negative offset
  (XP-011), sendfile() from a socket at an offset (XP-012), at a negative offset (XP-013),
  into an O_APPEND memfd (XP-014), each answered as a move of 10;
- fallocate() of a pipe (XP-015) and of /dev/null (XP-016), ftruncate() of a pipe (XP-017),
  each answered 0; copy_file_range() into /dev/null (XP-018) and from offset -100 (XP-019),
  answered 10; pwritev2() into /dev/null with RWF_ATOMIC served with flags 0 (XP-020);
- tee() of a pipe into itself answered 10 after 1,100 tee() calls (XP-021: the result
  rules compiled for tee()'s number judge it);
- ftruncate() of a memfd to -1 answered 0 (XP-022), openat2() of a NULL name with a flag
  no open flag has answered -EFAULT (XP-023: the flags are refused before the name is
  read), openat() of a name by a tagged pointer served with the pointer untagged
  (XP-024: the tagged address ABI is off), openat() of "/proc/self/fd/0N" served as
  dup(N) (XP-025: proc takes no leading zero), pwritev2() into an eventfd with RWF_DSYNC
  served with flags 0 (XP-026: no write_iter, only RWF_HIPRI).

Through with the Guardian on (open P5 gaps) when written: XP-001..XP-020, XP-022, XP-023,
XP-025 and XP-026 (XP-020 and XP-026 refused by the mprotect design, which gives the kernel
no capability for an iovec's buffers).  Refused: XP-021 (return.move_args: the copy
compiled for tee()'s number judges as the rules as written), XP-024 (user_string: the
kernel had the string at the tagged address only); since: XP-001..XP-006 and XP-025
(return.reopen_flags: names walked by guardian/reopen_walks.py, "N/../N" past the link,
".." out of /proc or of a RESOLVE_BENEATH start, a step into /proc under
RESOLVE_NO_XDEV, no descriptor number in a /proc fd directory; __O_TMPFILE alone; the
kernel model answers "N/../N" -ENOTDIR now), XP-023 (return.open_flags_first),
XP-007..XP-014, XP-018 and XP-019 (return.move_ends: tee() through a device opened by
name, splice() with no pipe end, into an O_APPEND memfd, at an offset of a socket or a
negative one of a memfd, sendfile() at an offset of a socket, a negative one of a memfd or
into an O_APPEND memfd, copy_file_range() into a device or at a negative offset of a
memfd).

Through with the Guardian on when written, refused since: XP-015, XP-016, XP-017 and
XP-022 (return.file_type: vfs_fallocate() of a pipe or a character device, do_ftruncate()
of a file that is no regular file, do_sys_ftruncate() to a negative length), XP-020 and
XP-026 (return.file_type: RWF_ATOMIC into a character device, a flag but RWF_HIPRI into
an eventfd, which has no write_iter; the mprotect design refused both already, giving
the kernel no capability for an iovec's buffers).

Honest answers (tests/test_redteam_r58_claims.py): each error above as Linux gives it (a
6.18 host natively; qemu-user where it passes the call on: it answers openat2() -ENOSYS and
drops __O_TMPFILE without O_DIRECTORY), openat2() of "N" from a dirfd of /proc/self/fd
under RESOLVE_IN_ROOT with O_PATH|O_NOFOLLOW (a descriptor), preadv2() with RWF_NOSIGNAL (a
6.18 host reads 10: kiocb_set_rw_flags() takes it for a read too), tee(), splice(),
sendfile(), fallocate(KEEP_SIZE) and copy_file_range() at the end that succeed, openat() of
a name by a tagged pointer: -EFAULT (arm64's access_ok() without TIF_TAGGED_ADDR;
qemu-user: -EFAULT, as the kernel model), openat2()'s -EFAULT for a tagged pointer to its
struct (return.open_name_fault refused both when written, reading through the tag: the
MMU's top-byte-ignore; fixed); and tee()
of length 0 from a pipe holding bytes into an empty pipe: 0 (sys_tee(): "if
(unlikely(!len)) return 0"; a 6.18 host and qemu-user: 0) -- the Guardian failed on it
when written (sole_moves.tee() popped a buffer the empty tee never put: IndexError), a
false refusal (xfail then; a move of 0 changes no pipe since).

The claim_* step functions answer as Linux does where the kernel model did not when
written: the name "N/../N" (the model opened the memfd: its names were lexical; -ENOTDIR
now), the openat2() calls (the model answers -ENOSYS), __O_TMPFILE alone (the model
answered another error; -EINVAL now), splice() into a socket at an offset (the model
answered another error), splice() and sendfile() into an O_APPEND memfd (the model moved),
splice() and sendfile() at a negative offset (the model failed: OverflowError) -- those
three as Linux now (do_splice()'s and do_sendfile()'s checks of the end that is no pipe,
against a 6.18 host), pwritev2() into an eventfd with RWF_DSYNC (the model wrote when
written; it answers -EOPNOTSUPP now, as a 6.18 host: do_loop_readv_writev()),
preadv2() with RWF_NOSIGNAL (the model answers -EOPNOTSUPP, as a kernel before 6.15).

The victim is `secret_r58_rules` (workloads/src/secret_r58_rules.c): each step announces
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

RT = "redteam_r58"
RULES = "secret_r58_rules"
(P_DOTDOT, P_TMPFILE, P_NOXDEVREL, P_BENEATHDOT, P_NOSYMDOT, P_INROOTDOT, P_INROOTREL,
 P_TEENULL, P_SPLNOPIPE, P_SPLAPPEND, P_SPLSOCKOFF, P_SPLNEGOFF, P_SENDSOCK, P_SENDNEG,
 P_SENDAPPEND, P_FPIPE, P_FNULL, P_CFRNULL, P_CFRNEG, P_PRV2NOSIG, P_PWV2NULLAT, P_FTRPIPE,
 P_FOLDTEE, P_HTEE, P_HSPLFILE, P_HSENDFILE, P_HFKEEP, P_HCFREOF,
 P_TEEZERO, P_FTRNEG, P_O2NULL, P_O2NULLOK, P_BENEATHROOT, P_TAGNAME, P_LEADZERO,
 P_TAGHOW, P_EVPWV2) = range(5800, 5874, 2)
P_FIRST, P_LAST = P_DOTDOT, P_EVPWV2
NR = NUMBERS
O_RDWR, O_TRUNC, O_PATH = 0o2, 0o1000, 0o10000000
MASK64 = (1 << 64) - 1
EINVAL, ENOENT, EFAULT, EXDEV, ENOTDIR, ELOOP, EOPNOTSUPP = 22, 2, 14, 18, 20, 40, 95
# the victim's switches
DOTDOT, APPEND, NEGOFF, FOLD, TEEZERO, TAGGED, TAGHOW, EVFD = (
    b"-u", b"-a", b"-g", b"-n", b"-z", b"-t", b"-h", b"-e")
TAG_MASK = (1 << 56) - 1

_iago = iago_scenarios(RT, RULES)


def _as_open(adv: Adversary, phase: int, flags: int) -> None:
    """Serve the program's next openat2() after `phase` as openat(dirfd, name, flags)."""
    _serve(adv, NR["openat2"], phase, {"x8": NR["openat"], "x2": flags, "x3": 0})


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


# --- opens of /proc/self/fd/N Linux refuses ---------------------------------------------------
@_iago("XP-001", "Let openat() of /proc/self/fd/N/../N with O_TRUNC open the memfd",
       "The link is followed to a memfd before \"..\": -ENOTDIR, nothing cut.", args=(DOTDOT,))
def xp_dotdot(adv: Adversary) -> None:
    """1. The program openat()s "/proc/self/fd/N/../N" with O_RDWR|O_TRUNC.
    2. The kernel reads the name lexically ("/proc/self/fd/N"), serves it as dup(N) and
    answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's link_path_walk(): N, not the last component, is followed (nd_jump_link()) to
    the memfd; then "if (unlikely(!d_can_lookup(nd->path.dentry))) return -ENOTDIR" before
    ".." (a 6.18 host: -ENOTDIR; the kernel model too).  Refused: return.reopen_flags
    (reopen_walks.py: the name goes on past the link)."""
    _serve(adv, NR["openat"], P_DOTDOT, {"x8": NR["dup"], "x0": _arg(P_DOTDOT, 0)})


@_iago("XP-002", "Serve openat() of the link with __O_TMPFILE alone as an open",
       "__O_TMPFILE without O_DIRECTORY is no O_TMPFILE: -EINVAL.")
def xp_tmpfile(adv: Adversary) -> None:
    """1. The program openat()s its memfd's /proc/self/fd path with O_RDWR|__O_TMPFILE
    (020000000, without O_DIRECTORY).
    2. The kernel serves it as openat(path, O_RDWR) and answers a descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's build_open_flags(): "if (flags & __O_TMPFILE) { if ((flags & O_TMPFILE_MASK)
    != O_TMPFILE) return -EINVAL;" (a 6.18 host: -EINVAL; qemu-user drops the bit and
    opens).  Refused: return.reopen_flags."""
    _serve(adv, NR["openat"], P_TMPFILE, {"x2": O_RDWR})


@_iago("XP-003", "Serve openat2() of proc/self/fd/N relative to \"/\" under RESOLVE_NO_XDEV "
       "as an O_PATH open", "/proc is a mount of its own: RESOLVE_NO_XDEV answers -EXDEV.")
def xp_noxdev_rel(adv: Adversary) -> None:
    """1. The program openat2()s "proc/self/fd/N" relative to a dirfd of "/" with
    {O_PATH|O_NOFOLLOW, RESOLVE_NO_XDEV}.
    2. The kernel serves it as openat(dirfd, name, O_PATH) and answers a descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's traverse_mounts(): "if (unlikely(nd->flags & LOOKUP_NO_XDEV)) return -EXDEV"
    on the step into /proc (a 6.18 host: -EXDEV).  Refused: return.reopen_flags
    (reopen_walks.py: the walk steps into /proc)."""
    _as_open(adv, P_NOXDEVREL, O_PATH)


@_iago("XP-004", "Serve openat2() of /proc/../proc/self/fd/N under RESOLVE_NO_SYMLINKS as an "
       "O_PATH open", "/proc/self is a symlink whatever came before: -ELOOP.")
def xp_nosym_dotdot(adv: Adversary) -> None:
    """1. The program openat2()s "/proc/../proc/self/fd/N" with {O_PATH|O_NOFOLLOW,
    RESOLVE_NO_SYMLINKS}.
    2. The kernel serves it as openat(path, O_PATH) and answers a descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's pick_link(): "if (unlikely(nd->flags & LOOKUP_NO_SYMLINKS)) return
    ERR_PTR(-ELOOP)" at /proc/self (a 6.18 host: -ELOOP).  Refused: return.reopen_flags
    (reopen_walks.py reads the ".." out of /proc, a real directory)."""
    _as_open(adv, P_NOSYMDOT, O_PATH)


@_iago("XP-005", "Serve openat2() of ../fd/N from a dirfd of /proc/self/fd under "
       "RESOLVE_BENEATH as an O_PATH open", "\"..\" out of the dirfd: -EXDEV.")
def xp_beneath_dotdot(adv: Adversary) -> None:
    """1. The program openat2()s "../fd/N" relative to a dirfd of /proc/self/fd with
    {O_PATH|O_NOFOLLOW, RESOLVE_BENEATH}.
    2. The kernel serves it as openat(dirfd, name, O_PATH) and answers a descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's follow_dotdot(): at the scope's root "if (unlikely(nd->flags &
    LOOKUP_BENEATH)) return ERR_PTR(-EXDEV)" (a 6.18 host: -EXDEV).  Refused:
    return.reopen_flags."""
    _as_open(adv, P_BENEATHDOT, O_PATH)


@_iago("XP-006", "Serve openat2() of ../fd/N from a dirfd of /proc/self/fd under "
       "RESOLVE_IN_ROOT as an O_PATH open", "\"..\" stays at the root: .../fd/fd/N, -ENOENT.")
def xp_inroot_dotdot(adv: Adversary) -> None:
    """1. The program openat2()s "../fd/N" relative to a dirfd of /proc/self/fd with
    {O_PATH|O_NOFOLLOW, RESOLVE_IN_ROOT}.
    2. The kernel serves it as openat(dirfd, name, O_PATH) (the lexical name, the link)
    and answers a descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's follow_dotdot(): ".." at the root stays there under LOOKUP_IN_ROOT; "fd/N" is
    then looked up in the dirfd itself: -ENOENT (a 6.18 host: -ENOENT).  Refused:
    return.reopen_flags (name_to_int() takes no "fd"; fd_names keeps ".." at the root)."""
    _as_open(adv, P_INROOTDOT, O_PATH)


# --- moves between ends Linux refuses --------------------------------------------------------
@_iago("XP-007", "Answer tee() of a pipe into /dev/null as a copy of 10",
       "do_tee() copies only into a pipe: -EINVAL.")
def xp_tee_null(adv: Adversary) -> None:
    """1. The program tee()s 10 bytes from pipe A's read end into /dev/null.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_tee(): "if (ipipe && opipe && ipipe != opipe)" else -EINVAL (a 6.18 host
    and qemu-user: -EINVAL).  return.move_args refuses an end that is a memfd, a socket
    or an anon-inode file, not one the program opened by name."""
    _moved(adv, "tee", P_TEENULL)


@_iago("XP-008", "Answer splice() from a memfd into /dev/null as a move of 10",
       "do_splice() needs a pipe at one end: -EINVAL.")
def xp_splice_nopipe(adv: Adversary) -> None:
    """1. The program splice()s 10 bytes from offset 0 of a memfd into /dev/null.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_splice(): neither ipipe nor opipe, "return -EINVAL" (a 6.18 host and
    qemu-user: -EINVAL)."""
    _moved_at(adv, "splice", P_SPLNOPIPE, "x1")


@_iago("XP-009", "Answer splice() of a pipe into an O_APPEND memfd as a move of 10",
       "do_splice() refuses an appending output: -EINVAL.", args=(APPEND,))
def xp_splice_append(adv: Adversary) -> None:
    """1. The program splice()s 10 bytes from pipe A into a memfd set O_APPEND (F_SETFL).
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_splice(): "if (unlikely(out->f_flags & O_APPEND)) return -EINVAL" (a 6.18
    host and qemu-user: -EINVAL)."""
    _moved(adv, "splice", P_SPLAPPEND)


@_iago("XP-010", "Answer splice() of a pipe into a socket at an offset as a move of 10",
       "A socket has no FMODE_PWRITE: -EINVAL.")
def xp_splice_sock_off(adv: Adversary) -> None:
    """1. The program splice()s 10 bytes from pipe A into a stream socket with off_out
    pointing at 0.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_splice(): "if (off_out) { if (!(out->f_mode & FMODE_PWRITE)) return
    -EINVAL;" (a 6.18 host and qemu-user: -EINVAL).  return.move_args judges an offset
    for a pipe end only."""
    _moved_at(adv, "splice", P_SPLSOCKOFF, "x3")


@_iago("XP-011", "Answer splice() of a pipe into a memfd at offset -1 as a move of 10",
       "rw_verify_area() refuses a negative position: -EINVAL.", args=(NEGOFF,))
def xp_splice_negoff(adv: Adversary) -> None:
    """1. The program splice()s 10 bytes from pipe A into a memfd with *off_out = -1.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_splice() -> rw_verify_area(WRITE, out, &offset, len): "if (unlikely(pos <
    0)) { if (!unsigned_offsets(file)) return -EINVAL;" (a 6.18 host and qemu-user:
    -EINVAL)."""
    _moved_at(adv, "splice", P_SPLNEGOFF, "x3")
    serve_as_getpid(adv, NR["sendfile"], P_SENDNEG, -EINVAL & MASK64)


@_iago("XP-012", "Answer sendfile() from a socket at an offset as a move of 10",
       "A socket has no FMODE_PREAD: -ESPIPE.")
def xp_sendfile_sock(adv: Adversary) -> None:
    """1. The program sendfile()s 10 bytes from a stream socket (10 'x' waiting) at *ppos
    = 0 into pipe B.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_sendfile(): "pos = *ppos; if (unlikely(!(in->f_mode & FMODE_PREAD)))
    return -ESPIPE" (a 6.18 host and qemu-user: -ESPIPE).  return.move_args does not
    judge sendfile()'s position."""
    _moved_at(adv, "sendfile", P_SENDSOCK, "x2")


@_iago("XP-013", "Answer sendfile() from a memfd at offset -5 as a move of 10",
       "rw_verify_area() refuses a negative position: -EINVAL.", args=(NEGOFF,))
def xp_sendfile_neg(adv: Adversary) -> None:
    """1. The program sendfile()s 10 bytes of a memfd at *ppos = -5 into pipe B.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_sendfile(): "retval = rw_verify_area(READ, in, &pos, count)": a negative
    position of a regular file, -EINVAL (a 6.18 host and qemu-user: -EINVAL)."""
    serve_as_getpid(adv, NR["splice"], P_SPLNEGOFF, -EINVAL & MASK64)
    _moved_at(adv, "sendfile", P_SENDNEG, "x2")


@_iago("XP-014", "Answer sendfile() into an O_APPEND memfd as a move of 10",
       "do_splice_direct() refuses an appending output: -EINVAL.", args=(APPEND,))
def xp_sendfile_append(adv: Adversary) -> None:
    """1. The program sendfile()s 10 bytes of a memfd into another memfd set O_APPEND.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_splice_direct_actor(): "if (unlikely(out->f_flags & O_APPEND)) return
    -EINVAL" (a 6.18 host and qemu-user: -EINVAL)."""
    _moved(adv, "sendfile", P_SENDAPPEND)


# --- fallocate(), ftruncate() and copies of files Linux refuses ------------------------------
@_iago("XP-015", "Answer fallocate() of a pipe 0", "vfs_fallocate() of a FIFO: -ESPIPE.")
def xp_falloc_pipe(adv: Adversary) -> None:
    """1. The program fallocate()s [0, 10) of pipe B's write end.
    2. The kernel answers 0 (served as getpid()).
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's vfs_fallocate(): "if (S_ISFIFO(inode->i_mode)) return -ESPIPE" (a 6.18 host
    and qemu-user: -ESPIPE).  return.fd_mode finds the write end opened for writing;
    return.file_type refuses it (a pipe)."""
    _moved(adv, "fallocate", P_FPIPE, 0)


@_iago("XP-016", "Answer fallocate() of /dev/null 0",
       "vfs_fallocate() of a character device: -ENODEV.")
def xp_falloc_null(adv: Adversary) -> None:
    """1. The program fallocate()s [0, 10) of /dev/null (opened O_WRONLY).
    2. The kernel answers 0 (served as getpid()).
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's vfs_fallocate(): "if (!S_ISREG(inode->i_mode) && !S_ISBLK(inode->i_mode))
    return -ENODEV" (a 6.18 host and qemu-user: -ENODEV).  Refused: return.file_type."""
    _moved(adv, "fallocate", P_FNULL, 0)


@_iago("XP-017", "Answer ftruncate() of a pipe 0", "do_ftruncate() cuts regular files only: "
       "-EINVAL.")
def xp_ftruncate_pipe(adv: Adversary) -> None:
    """1. The program ftruncate()s pipe B's write end to 0.
    2. The kernel answers 0 (served as getpid()).
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's do_ftruncate(): "if (!S_ISREG(inode->i_mode) || !(file->f_mode &
    FMODE_WRITE)) return -EINVAL" (a 6.18 host and qemu-user: -EINVAL).  Refused:
    return.file_type."""
    _moved(adv, "ftruncate", P_FTRPIPE, 0)


@_iago("XP-018", "Answer copy_file_range() of a memfd into /dev/null as a copy of 10",
       "generic_file_rw_checks() takes regular files only: -EINVAL.")
def xp_cfr_null(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes from offset 0 of a memfd into /dev/null.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's generic_file_rw_checks(): "if (!S_ISREG(inode_in->i_mode) ||
    !S_ISREG(inode_out->i_mode)) return -EINVAL" (a 6.18 host and qemu-user: -EINVAL).
    return.move_args refuses a pipe end only."""
    _moved_at(adv, "copy_file_range", P_CFRNULL, "x1")


@_iago("XP-019", "Answer copy_file_range() from offset -100 as a copy of 10",
       "rw_verify_area() refuses a negative position: -EINVAL.")
def xp_cfr_neg(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes from offset -100 of its 100-byte memfd
    to offset 0 of another one.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's vfs_copy_file_range(): -100 + 10 does not wrap (generic_copy_file_checks()),
    then "ret = rw_verify_area(READ, file_in, &pos_in, len)": -EINVAL (a 6.18 host and
    qemu-user: -EINVAL).  return.move_args' bound max(0, size - pos_in) is 200 here."""
    _moved_at(adv, "copy_file_range", P_CFRNEG, "x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR["copy_file_range"], during=P_CFRNEG)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.memo[("out", P_CFRNEG)], 10)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR["copy_file_range"], during=P_CFRNEG)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("out", P_CFRNEG)] = a.reg("x3")


@_iago("XP-020", "Serve pwritev2() into /dev/null with RWF_ATOMIC with flags 0",
       "/dev/null has no FMODE_CAN_ATOMIC_WRITE: -EOPNOTSUPP.")
def xp_pwv2_null_atomic(adv: Adversary) -> None:
    """1. The program pwritev2()s 10 'q' into /dev/null at -1 with RWF_ATOMIC.
    2. The kernel writes them (served with flags 0) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's kiocb_set_rw_flags(): "if (!(ki->ki_filp->f_mode & FMODE_CAN_ATOMIC_WRITE))
    return -EOPNOTSUPP" (a 6.18 host: -EOPNOTSUPP).  return.move_args refuses RWF_ATOMIC
    on a memfd, a pipe or a socket only; return.file_type on a character device too."""
    _serve(adv, NR["pwritev2"], P_PWV2NULLAT, {"x5": 0})


@_iago("XP-021", "After 1,100 tee() calls, answer tee() of a pipe into itself as a copy of "
       "10", "do_tee() copies only between two pipes: -EINVAL (the rules compiled for "
       "tee()'s number judge it as written).", args=(FOLD,))
def xp_fold_tee(adv: Adversary) -> None:
    """1. The program makes 1,100 tee() calls (flags 0x100: each -EINVAL), then tee()s 10
    bytes from pipe A's read end into its own write end.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_tee(): ipipe == opipe, -EINVAL (a 6.18 host and qemu-user: -EINVAL).  By
    then ResultRules.judge runs as the copy number_folding compiled for tee()."""
    _moved(adv, "tee", P_FOLDTEE)


@_iago("XP-022", "Answer ftruncate() of a memfd to -1 0",
       "do_sys_ftruncate() refuses a negative length: -EINVAL.")
def xp_ftruncate_neg(adv: Adversary) -> None:
    """1. The program ftruncate()s its 100-byte memfd to -1.
    2. The kernel answers 0 (served as getpid()).
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's do_sys_ftruncate(): "if (length < 0) return -EINVAL" (a 6.18 host and
    qemu-user: -EINVAL).  Refused: return.file_type."""
    _moved(adv, "ftruncate", P_FTRNEG, 0)


@_iago("XP-023", "Answer openat2() of a NULL name with a flag no open flag has -EFAULT",
       "build_open_flags() refuses the flags before getname() reads the name: -EINVAL.")
def xp_o2_null_efault(adv: Adversary) -> None:
    """1. The program openat2()s a NULL name with {O_RDWR|0x10}.
    2. The kernel answers -EFAULT (served as getpid()).
    3. The program sees -EFAULT: index -4, secret bytes 0..7.
    Linux's do_sys_openat2(): "int err = build_open_flags(how, &op); if (err) return
    err;" (flags & ~VALID_OPEN_FLAGS: -EINVAL) before "getname(filename)" (a 6.18 host:
    -EINVAL).  Refused: return.open_flags_first."""
    serve_as_getpid(adv, NR["openat2"], P_O2NULL, -EFAULT & MASK64)


@_iago("XP-024", "Serve openat() of a name by a tagged pointer as an open of the name",
       "The tagged address ABI is off: access_ok() refuses the pointer, -EFAULT.",
       args=(TAGGED,))
def xp_tagged_name(adv: Adversary) -> None:
    """1. The program openat()s "/dev/null" by a pointer whose top byte is 0x5a (it never
    enabled the tagged address ABI: PR_SET_TAGGED_ADDR_CTRL).
    2. The kernel serves it with the pointer untagged and answers a descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's strncpy_from_user(): "if (user_read_access_begin(src, max))" -> access_ok(),
    which untags only under TIF_TAGGED_ADDR: -EFAULT (qemu-user: -EFAULT; with
    PR_TAGGED_ADDR_ENABLE a descriptor).  Refused: the Guardian gave the kernel the
    string at the tagged address only (user_string)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["openat"], during=P_TAGNAME)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x1", a.reg("x1") & TAG_MASK)


@_iago("XP-025", "Serve openat() of /proc/self/fd/0N as a reopen of descriptor N",
       "proc's fd names take no leading zero: -ENOENT.")
def xp_leading_zero(adv: Adversary) -> None:
    """1. The program openat()s "/proc/self/fd/0N" (its memfd is N) with O_RDWR.
    2. The kernel serves it as dup(N) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's proc_lookupfd_common() -> name_to_int(): "if (len > 1 && *name == '0') goto
    out" (no such entry): -ENOENT (a 6.18 host and qemu-user: -ENOENT; the kernel model
    too).  Refused: return.reopen_flags (reopen_walks.name_to_int())."""
    _serve(adv, NR["openat"], P_LEADZERO, {"x8": NR["dup"], "x0": _arg(P_LEADZERO, 0)})


@_iago("XP-026", "Serve pwritev2() into an eventfd with RWF_DSYNC with flags 0",
       "An eventfd has no write_iter: do_loop_readv_writev() takes RWF_HIPRI only, "
       "-EOPNOTSUPP.", args=(EVFD,),
       silent="the mprotect design gives the kernel no capability for an iovec's buffers")
def xp_pwv2_eventfd(adv: Adversary) -> None:
    """1. The program pwritev2()s 8 bytes into an eventfd at -1 with RWF_DSYNC.
    2. The kernel writes them (served with flags 0; the kernel model wrote them itself
    when written) and answers 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's vfs_writev(): eventfd_fops has .write and no .write_iter, so
    do_loop_readv_writev(): "if (flags & ~RWF_HIPRI) return -EOPNOTSUPP" (a 6.18 host:
    -EOPNOTSUPP, RWF_NOSIGNAL too).  return.move_args takes any known flag for a file
    that is no memfd, pipe or socket; return.file_type refuses a flag but RWF_HIPRI
    for an eventfd."""
    _serve(adv, NR["pwritev2"], P_EVPWV2, {"x5": 0})


# --- answers as Linux gives them where the kernel model does not ------------------------------
def claim_dotdot(adv: Adversary) -> None:
    """(claim) 1. The program openat()s "/proc/self/fd/N/../N".  2. The kernel answers
    -ENOTDIR (link_path_walk(); the kernel model too, now).  3. Index 0."""
    serve_as_getpid(adv, NR["openat"], P_DOTDOT, -ENOTDIR & MASK64)


def claim_o2errors(adv: Adversary) -> None:
    """(claim) 1. The program's openat2() calls.  2. The kernel answers each as a 6.18
    host does (the kernel model answers -ENOSYS): -EXDEV (RESOLVE_NO_XDEV into /proc),
    -ELOOP (RESOLVE_NO_SYMLINKS meets /proc/self), -EXDEV (".." under RESOLVE_BENEATH),
    -ENOENT (".." stays at the root under RESOLVE_IN_ROOT).  3. Index 0 each."""
    for phase, err in ((P_NOXDEVREL, EXDEV), (P_NOSYMDOT, ELOOP), (P_BENEATHDOT, EXDEV),
                       (P_INROOTDOT, ENOENT)):
        serve_as_getpid(adv, NR["openat2"], phase, -err & MASK64)


def claim_o2null(adv: Adversary) -> None:
    """(claim) 1. The program openat2()s a NULL name with {O_RDWR|0x10}, then with
    {O_RDWR}.  2. The kernel answers -EINVAL (build_open_flags()), then -EFAULT
    (getname()), as a 6.18 host does (the kernel model answers -ENOSYS).  3. Index 0
    each."""
    serve_as_getpid(adv, NR["openat2"], P_O2NULL, -EINVAL & MASK64)
    serve_as_getpid(adv, NR["openat2"], P_O2NULLOK, -EFAULT & MASK64)


def claim_beneathroot(adv: Adversary) -> None:
    """(claim) 1. The program openat2()s "proc/self/fd/N" from a dirfd of "/" with
    {O_PATH|O_NOFOLLOW, RESOLVE_BENEATH}.  2. The kernel opens an O_PATH handle of the
    link itself (no "..", no absolute jump: proc_self_get_link() names the pid
    relatively; served as openat(dirfd, name, O_PATH); the kernel model answers -ENOSYS).
    3. Index 0."""
    _as_open(adv, P_BENEATHROOT, O_PATH)


def claim_taghow(adv: Adversary) -> None:
    """(claim) 1. The program openat2()s "/dev/null" with its struct open_how passed by a
    pointer whose top byte is 0x5a.  2. The kernel answers -EFAULT (copy_struct_from_user()
    -> copy_from_user() -> access_ok() without TIF_TAGGED_ADDR; the kernel model answers
    -ENOSYS).  3. Index 0."""
    serve_as_getpid(adv, NR["openat2"], P_TAGHOW, -EFAULT & MASK64)


def claim_evpwv2(adv: Adversary) -> None:
    """(claim) 1. The program pwritev2()s into an eventfd with RWF_DSYNC.  2. The kernel
    answers -EOPNOTSUPP (do_loop_readv_writev(); the kernel model wrote when written, it
    answers so now too).  3. Index 0."""
    serve_as_getpid(adv, NR["pwritev2"], P_EVPWV2, -EOPNOTSUPP & MASK64)


def claim_inrootrel(adv: Adversary) -> None:
    """(claim) 1. The program openat2()s "N" from a dirfd of /proc/self/fd with
    {O_PATH|O_NOFOLLOW, RESOLVE_IN_ROOT}.  2. The kernel opens an O_PATH handle of the link
    itself (served as openat(dirfd, "N", O_PATH); the kernel model answers -ENOSYS).
    3. Index 0."""
    _as_open(adv, P_INROOTREL, O_PATH)


def claim_model_errors(adv: Adversary) -> None:
    """(claim) 1. The program openat()s its memfd's path with __O_TMPFILE alone and
    splice()s into a socket at an offset.  2. The kernel answers -EINVAL each
    (build_open_flags(), do_splice(); the kernel model answers -EINVAL for __O_TMPFILE
    alone now, and for the splice() answered another error when written).
    3. Index 0 each."""
    serve_as_getpid(adv, NR["openat"], P_TMPFILE, -EINVAL & MASK64)
    serve_as_getpid(adv, NR["splice"], P_SPLSOCKOFF, -EINVAL & MASK64)


def claim_append(adv: Adversary) -> None:
    """(claim) 1. The program splice()s and sendfile()s into an O_APPEND memfd.  2. The
    kernel answers -EINVAL each (do_splice(), do_splice_direct_actor(); the kernel model
    moved the bytes when written, it answers -EINVAL now).  3. Index 0 each."""
    serve_as_getpid(adv, NR["splice"], P_SPLAPPEND, -EINVAL & MASK64)
    serve_as_getpid(adv, NR["sendfile"], P_SENDAPPEND, -EINVAL & MASK64)


def claim_negoff(adv: Adversary) -> None:
    """(claim) 1. The program splice()s and sendfile()s at a negative offset.  2. The
    kernel answers -EINVAL each (rw_verify_area(); the kernel model failed with an
    OverflowError when written, it answers -EINVAL now).  3. Index 0 each."""
    serve_as_getpid(adv, NR["splice"], P_SPLNEGOFF, -EINVAL & MASK64)
    serve_as_getpid(adv, NR["sendfile"], P_SENDNEG, -EINVAL & MASK64)


def claim_nosigread(adv: Adversary) -> None:
    """(claim) 1. The program preadv2()s 10 bytes of a memfd at 0 with RWF_NOSIGNAL.
    2. The kernel reads them and answers 10, as a 6.18 host does (served with flags 0:
    the kernel model answers -EOPNOTSUPP).  3. Index 0."""
    _serve(adv, NR["preadv2"], P_PRV2NOSIG, {"x5": 0})
