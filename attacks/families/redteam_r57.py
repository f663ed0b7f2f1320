"""Red-team round fifty-seven: the rules added after round 56, both ways.

Since round 56 the Guardian refuses a pipe read or written at an offset (ESPIPE),
RWF_ATOMIC/RWF_DONTCACHE on a pipe, splice()'s unknown flags, an offset for a pipe end and
a pipe spliced into itself (`return.move_args`), fallocate() through a read-only open file
(`return.fd_mode`, judged where the descriptor table is steady), openat2()'s
RESOLVE_CACHED with O_TRUNC, mode bits, struct tail and RESOLVE_IN_ROOT jumps
(`return.reopen_flags`, for opens of a memfd's or a pipe end's link).  This round asks
those rules the shapes they leave out:

- openat2() of /proc/self/fd/N with a flag bit no open flag has (XO-001), RESOLVE_CACHED
  without O_TRUNC (XO-002), O_PATH|O_NOFOLLOW under RESOLVE_NO_SYMLINKS (XO-003), openat()
  of the name with a trailing slash (XO-004) or "/." (XO-005), each served as an open;
- splice() (XO-006) and tee() (XO-007) from a pipe's write end, tee() of a pipe into
  itself (XO-008) or with an unknown flag (XO-009), sendfile() from an O_WRONLY reopen of
  a memfd (XO-010), splice() into an O_RDONLY reopen (XO-011), pread64() of a reopened
  pipe end (XO-012), splice() of a pipe into a reopen of its own write end (XO-013), each
  answered as a move;
- fallocate() of a memfd with COLLAPSE_RANGE (XO-014), PUNCH_HOLE without KEEP_SIZE
  (XO-015), a zero length (XO-016), ZERO_RANGE (XO-017), each answered 0;
- copy_file_range() with a count that wraps past the position (XO-018), served as a copy
  of what lies past it;
- openat() of the memfd's link with O_RDONLY|O_TRUNC served without the cut (XO-019);
- pread64() of a socket (XO-020) or an eventfd (XO-022) served as read(), pwritev2() into a
  socket with RWF_ATOMIC served with flags 0 (XO-021).

Refused: XO-012 and XO-013 (the Guardian knows a reopened pipe end as the pipe:
return.move_args' ESPIPE and its pipe into itself), XO-014, XO-015 and XO-017
(return.memfd_fallocate: shmem takes plain allocation, KEEP_SIZE and a punched hole only),
XO-019 (the Guardian counts O_RDONLY|O_TRUNC as the cut it is: return.memfd_size). Through
with the Guardian on when written, refused since: XO-001 (build_open_flags() refuses bits
2..5, which return.reopen_flags' mask took then), XO-002 (RESOLVE_CACHED refuses any open of
the magic link, not only one with O_TRUNC), XO-003 (/proc/self is a symlink:
RESOLVE_NO_SYMLINKS refuses the name even where the link itself is opened), each by
return.reopen_flags; XO-004 and XO-005 (the name was normalised lexically, the trailing
slash and "/." lost: return.reopen_flags refuses a descriptor for such a name now; the
kernel's read of the other name is refused by its capability, and the -EFAULT it answers
then by return.open_name_fault: the program's name lies readable); XO-006, XO-007, XO-010
and XO-011 (return.fd_mode judges splice()'s, tee()'s and sendfile()'s ends: FMODE_READ in,
FMODE_WRITE out), XO-008 and XO-009 (return.move_args: tee() of a pipe into itself, an end
that is no pipe, flags past SPLICE_F_ALL), XO-016 (return.move_args: vfs_fallocate()'s
offset and length), XO-018 (return.move_args: an offset that wraps with the count, before
the count is shortened), XO-020 and XO-022 (return.move_args: a socket and an anon-inode
file have no position), XO-021 (return.move_args: no RWF_ATOMIC or RWF_DONTCACHE on a
socket).

Honest answers (tests/test_redteam_r57_claims.py): each error above as Linux gives it (a
6.18 host natively; qemu-user where it passes the call on), an O_RDONLY|O_TRUNC reopen
cutting the memfd to 0 (not refused), and three successes the Guardian refused when written
(xfail then, all pass since): openat() of the link with O_PATH|O_CREAT|O_EXCL opens an
O_PATH handle (build_open_how(): "O_PATH beats everything else", O_CREAT and O_EXCL dropped;
a 6.18 host and qemu-user: a descriptor), openat2() of "N" relative to a dirfd of
/proc/self/fd with O_PATH|O_NOFOLLOW under RESOLVE_BENEATH or RESOLVE_NO_XDEV opens the link
itself (no jump through it, no mount crossed; a 6.18 host: a descriptor), and pwritev2()
with RWF_NOSIGNAL (0x100, since 6.15) into a pipe or a memfd writes (a 6.18 host: 10;
return.move_args' known flags stopped at RWF_DONTCACHE; they take RWF_NOSIGNAL since: a
kernel before 6.15 refuses it, a newer one writes, and both answers pass).

The claim_* step functions answer as Linux does where the kernel model did not when written:
openat() with O_PATH|O_CREAT|O_EXCL (the model answered -EEXIST; it keeps O_PATH_FLAGS only
now), the relative openat2() calls and the openat2() errors (the model answers -ENOSYS), the
name with a trailing slash or "/." (-ENOTDIR; the model opened the memfd, it answers
-ENOTDIR now, as qemu-user), tee() from a pipe's write end (-EBADF) and with an unknown flag
(-EINVAL; the model copied, it answers as Linux now: sys_tee()'s flags before the length,
do_tee()'s FMODE_READ/FMODE_WRITE before the pipes, checked against qemu-user), pwritev2()
with RWF_NOSIGNAL (10; the model answers -EOPNOTSUPP, as a kernel before 6.15).

The victim is `secret_r57_rules` (workloads/src/secret_r57_rules.c): each step announces
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

RT = "redteam_r57"
RULES = "secret_r57_rules"
(P_O2FLAG, P_O2CACHEDRW, P_O2NOSYM, P_SLASH, P_DOTSLASH, P_PATHEXCL, P_RELBENEATH,
 P_RELNOXDEV, P_SPLWEND, P_TEEWEND, P_TEESAME, P_TEEFLAGS, P_SENDWO, P_SPLRO, P_RPREAD,
 P_RSPLSAME, P_FCOLLAPSE, P_FPUNCHNK, P_FLEN0, P_FZERO, P_CFRWRAP, P_ROTRUNC, P_NOSIGPIPE,
 P_NOSIGMEMFD, P_SOCKPREAD, P_SOCKPWV2AT, P_EVPREAD) = range(5700, 5754, 2)
P_FIRST, P_LAST = P_O2FLAG, P_EVPREAD
NR = NUMBERS
O_RDWR, O_TRUNC, O_PATH = 0o2, 0o1000, 0o10000000
MASK64 = (1 << 64) - 1
EINVAL = 22
# the victim's switches
PATHEXCL, TEESAME, TEEFLAGS, RSPLSAME = b"-x", b"-t", b"-g", b"-r"


_iago = iago_scenarios(RT, RULES)
EBADF, EAGAIN, EEXIST, ENOTDIR, ELOOP = 9, 11, 17, 20, 40
SLASH, TEEWEND = b"-l", b"-w"


def _as_open(adv: Adversary, phase: int, flags: int) -> None:
    """Serve the program's next openat2() after `phase` as openat(path, flags)."""
    _serve(adv, NR["openat2"], phase, {"x8": NR["openat"], "x2": flags, "x3": 0})


def _moved(adv: Adversary, nr: int, phase: int, count: int = 10) -> None:
    """Answer the program's next call `nr` after `phase` `count` without moving a byte
    (served as getpid())."""
    serve_as_getpid(adv, NR[nr], phase, count)


# --- opens of /proc/self/fd/N Linux refuses ---------------------------------------------------
@_iago("XO-001", "Serve openat2() with a flag bit no open flag has as an O_TRUNC open",
       "build_open_flags() refuses flags past VALID_OPEN_FLAGS: -EINVAL, nothing cut.")
def xo_o2_flag(adv: Adversary) -> None:
    """1. The program openat2()s its memfd's /proc/self/fd path with {O_RDWR|O_TRUNC|0x10}.
    2. The kernel serves it as openat(path, O_RDWR|O_TRUNC): the memfd cut, a descriptor
    answered.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's build_open_flags(): "if (flags & ~VALID_OPEN_FLAGS) return -EINVAL" -- bits
    2..5 (0x4..0x20) belong to no open flag (a 6.18 host: -EINVAL)."""
    _as_open(adv, P_O2FLAG, O_RDWR | O_TRUNC)


@_iago("XO-002", "Serve openat2() of the magic link under RESOLVE_CACHED without O_TRUNC as an "
       "open", "A magic link cannot be walked in RCU mode: RESOLVE_CACHED answers -EAGAIN.")
def xo_o2_cached_rw(adv: Adversary) -> None:
    """1. The program openat2()s its memfd's path with {O_RDWR, RESOLVE_CACHED}.
    2. The kernel serves it as openat(path, O_RDWR) and answers a descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's tid_fd_revalidate(): "if (flags & LOOKUP_RCU) return -ECHILD"; under
    LOOKUP_CACHED legitimize_links() refuses to leave RCU mode and path_init() answers
    "LOOKUP_CACHED requires RCU, ask caller to retry": -EAGAIN (a 6.18 host: -EAGAIN, also
    for O_PATH|O_NOFOLLOW)."""
    _as_open(adv, P_O2CACHEDRW, O_RDWR)


@_iago("XO-003", "Serve openat2() with O_PATH|O_NOFOLLOW under RESOLVE_NO_SYMLINKS as an "
       "O_PATH open", "/proc/self is a symlink: RESOLVE_NO_SYMLINKS answers -ELOOP.")
def xo_o2_nosym(adv: Adversary) -> None:
    """1. The program openat2()s "/proc/self/fd/N" with {O_PATH|O_NOFOLLOW,
    RESOLVE_NO_SYMLINKS}.
    2. The kernel serves it as openat(path, O_PATH) and answers a descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's pick_link(): "if (unlikely(nd->flags & LOOKUP_NO_SYMLINKS)) return
    ERR_PTR(-ELOOP)" meets the symlink /proc/self (proc_self_get_link()) before the last
    component (a 6.18 host: -ELOOP; under RESOLVE_NO_MAGICLINKS the same open succeeds)."""
    _as_open(adv, P_O2NOSYM, O_PATH)


@_iago("XO-004", "Serve openat() of /proc/self/fd/N/ (a trailing slash) with O_TRUNC as an "
       "open", "A trailing slash asks a directory: -ENOTDIR, nothing cut.", args=(SLASH,))
def xo_slash(adv: Adversary) -> None:
    """1. The program openat()s "/proc/self/fd/N/" with O_RDWR|O_TRUNC.
    2. The kernel serves it as openat("/proc/self/fd/N", O_RDWR|O_TRUNC) (the name without
    the slash) and answers a descriptor -- with the Guardian, -EFAULT: the other name lies
    outside the capability the call gives.
    3. The program sees a descriptor (or -EFAULT): index -4, secret bytes 0..7.
    Linux's link_path_walk() keeps the trailing slash as LOOKUP_FOLLOW|LOOKUP_DIRECTORY;
    do_open(): "if ((nd->flags & LOOKUP_DIRECTORY) && !d_can_lookup(nd->path.dentry))
    return -ENOTDIR" (a 6.18 host and qemu-user: -ENOTDIR)."""
    _serve(adv, NR["openat"], P_SLASH, {"x1": _arg(P_SLASH, 1)})


@_iago("XO-005", "Serve openat() of /proc/self/fd/N/. as an open",
       "\".\" after a non-directory: -ENOTDIR.", args=(SLASH,))
def xo_dotslash(adv: Adversary) -> None:
    """1. The program openat()s "/proc/self/fd/N/." with O_RDWR.
    2. The kernel serves it as openat("/proc/self/fd/N", O_RDWR) and answers a descriptor
    (with the Guardian, -EFAULT, as in XO-004).
    3. The program sees a descriptor (or -EFAULT): index -4, secret bytes 0..7.
    Linux's link_path_walk(): the magic link followed to a memfd, then "if
    (unlikely(!d_can_lookup(nd->path.dentry))) return -ENOTDIR" before "." (a 6.18 host and
    qemu-user: -ENOTDIR)."""
    _serve(adv, NR["openat"], P_DOTSLASH, {"x1": _arg(P_DOTSLASH, 1)})


# --- moves through ends Linux refuses ---------------------------------------------------------
@_iago("XO-006", "Answer splice() from a pipe's write end as a move of 10",
       "do_splice() needs FMODE_READ on its input: -EBADF.")
def xo_splice_wend(adv: Adversary) -> None:
    """1. The program splice()s 10 bytes from pipe A's write end into pipe B.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_splice(): "if (unlikely(!(in->f_mode & FMODE_READ) || !(out->f_mode &
    FMODE_WRITE))) return -EBADF" (a 6.18 host and qemu-user: -EBADF)."""
    _moved(adv, "splice", P_SPLWEND)


@_iago("XO-007", "Answer tee() from a pipe's write end as a copy of 10",
       "do_tee() needs FMODE_READ on its input: -EBADF.", args=(TEEWEND,))
def xo_tee_wend(adv: Adversary) -> None:
    """1. The program tee()s 10 bytes from pipe A's write end into pipe B.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_tee(): "if (unlikely(!(in->f_mode & FMODE_READ) || !(out->f_mode &
    FMODE_WRITE))) return -EBADF" (a 6.18 host and qemu-user: -EBADF)."""
    _moved(adv, "tee", P_TEEWEND)


@_iago("XO-008", "Answer tee() of a pipe into itself as a copy of 10",
       "do_tee() copies only between two pipes: -EINVAL.")
def xo_tee_same(adv: Adversary) -> None:
    """1. The program tee()s 10 bytes from pipe A's read end into its own write end.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_tee(): "if (ipipe && opipe && ipipe != opipe) { ... ret = link_pipe(...)
    }" else -EINVAL (a 6.18 host and qemu-user: -EINVAL)."""
    _moved(adv, "tee", P_TEESAME)


@_iago("XO-009", "Answer tee() with an unknown flag as a copy of 10",
       "do_tee() refuses a flag outside SPLICE_F_ALL: -EINVAL.", args=(TEEFLAGS,))
def xo_tee_flags(adv: Adversary) -> None:
    """1. The program tee()s 10 bytes from pipe A into pipe B with flags 0x100.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's sys_tee(): "if (unlikely(flags & ~SPLICE_F_ALL)) return -EINVAL" (a 6.18 host
    and qemu-user: -EINVAL)."""
    _moved(adv, "tee", P_TEEFLAGS)


@_iago("XO-010", "Answer sendfile() from an O_WRONLY reopen of a memfd as a move of 10",
       "do_sendfile() needs FMODE_READ on its input: -EBADF.")
def xo_sendfile_wo(adv: Adversary) -> None:
    """1. The program sendfile()s 10 bytes from an O_WRONLY reopen of a memfd of 100 'm'
    into pipe B.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_sendfile(): "if (!(fd_file(in)->f_mode & FMODE_READ)) return -EBADF" (a
    6.18 host and qemu-user: -EBADF)."""
    _moved(adv, "sendfile", P_SENDWO)


@_iago("XO-011", "Answer splice() into an O_RDONLY reopen of a memfd as a move of 10",
       "do_splice() needs FMODE_WRITE on its output: -EBADF.")
def xo_splice_ro(adv: Adversary) -> None:
    """1. The program splice()s 10 bytes from pipe A into an O_RDONLY reopen of a memfd at
    offset 0.
    2. The kernel writes *off_out = 10, as a move of 10 would, and answers 10 (served as
    getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's do_splice(): "if (unlikely(!(in->f_mode & FMODE_READ) || !(out->f_mode &
    FMODE_WRITE))) return -EBADF" (a 6.18 host and qemu-user: -EBADF)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["splice"], during=P_SPLRO)
    def _(a: Adversary, **_: object) -> None:
        a.memo["off_out"] = a.reg("x3")

    _moved(adv, "splice", P_SPLRO)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["splice"], during=P_SPLRO)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u64(a.memo["off_out"], 10)


@_iago("XO-012", "Answer pread64() of a reopened pipe end as a read of 10",
       "A pipe opened again through /proc/self/fd is a stream too: -ESPIPE.")
def xo_pread_reopened(adv: Adversary) -> None:
    """1. The program pread64()s 10 bytes at offset 0 of an O_RDONLY reopen of pipe A's
    read end (10 'x' waiting).
    2. The kernel serves it as read() and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's fifo_open() -> stream_open() clears FMODE_PREAD; ksys_pread64(): -ESPIPE (a
    6.18 host and qemu-user: -ESPIPE)."""
    _serve(adv, NR["pread64"], P_RPREAD, {"x8": NR["read"]})


@_iago("XO-013", "Answer splice() of a pipe into a reopen of its own write end as a move of "
       "10", "The reopen is the same pipe: splice_pipe_to_pipe() answers -EINVAL.")
def xo_splice_reopened_same(adv: Adversary) -> None:
    """1. The program splice()s 10 bytes from pipe A's read end into an O_WRONLY reopen of
    A's write end.
    2. The kernel answers 10 (served as getpid()).
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's get_pipe_info() finds the same pipe_inode_info through the reopen;
    splice_pipe_to_pipe(): "if (ipipe == opipe) return -EINVAL" (a 6.18 host and
    qemu-user: -EINVAL)."""
    _moved(adv, "splice", P_RSPLSAME)


# --- fallocate() modes and lengths Linux refuses ----------------------------------------------
@_iago("XO-014", "Answer fallocate() COLLAPSE_RANGE of a memfd 0",
       "shmem takes only KEEP_SIZE and PUNCH_HOLE: -EOPNOTSUPP.")
def xo_falloc_collapse(adv: Adversary) -> None:
    """1. The program fallocate()s FALLOC_FL_COLLAPSE_RANGE over [0, 4096) of its memfd.
    2. The kernel answers 0 (served as getpid()).
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's shmem_fallocate(): "if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
    return -EOPNOTSUPP" (a 6.18 host and qemu-user: -EOPNOTSUPP)."""
    _moved(adv, "fallocate", P_FCOLLAPSE, 0)


@_iago("XO-015", "Answer fallocate() PUNCH_HOLE without KEEP_SIZE 0",
       "vfs_fallocate() takes a punch only with KEEP_SIZE: -EOPNOTSUPP.")
def xo_falloc_punch_nokeep(adv: Adversary) -> None:
    """1. The program fallocate()s FALLOC_FL_PUNCH_HOLE over [0, 10) of its memfd.
    2. The kernel answers 0 (served as getpid()).
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's vfs_fallocate(): "if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode &
    FALLOC_FL_KEEP_SIZE)) return -EOPNOTSUPP" (a 6.18 host and qemu-user: -EOPNOTSUPP)."""
    _moved(adv, "fallocate", P_FPUNCHNK, 0)


@_iago("XO-016", "Answer fallocate() of a zero length 0",
       "vfs_fallocate() refuses len <= 0: -EINVAL.")
def xo_falloc_len0(adv: Adversary) -> None:
    """1. The program fallocate()s mode 0 over [0, 0) of its memfd.
    2. The kernel answers 0 (served as getpid()).
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's vfs_fallocate(): "if (offset < 0 || len <= 0) return -EINVAL" (a 6.18 host and
    qemu-user: -EINVAL)."""
    _moved(adv, "fallocate", P_FLEN0, 0)


@_iago("XO-017", "Answer fallocate() ZERO_RANGE of a memfd 0",
       "shmem takes only KEEP_SIZE and PUNCH_HOLE: -EOPNOTSUPP.")
def xo_falloc_zero(adv: Adversary) -> None:
    """1. The program fallocate()s FALLOC_FL_ZERO_RANGE over [0, 10) of its memfd.
    2. The kernel answers 0 (served as getpid()).
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's shmem_fallocate(): -EOPNOTSUPP for any mode past KEEP_SIZE|PUNCH_HOLE (a 6.18
    host and qemu-user: -EOPNOTSUPP)."""
    _moved(adv, "fallocate", P_FZERO, 0)


@_iago("XO-018", "Serve copy_file_range() with a count that wraps as a copy of what lies past "
       "the position", "pos_in + count wraps: -EOVERFLOW before the count is shortened.")
def xo_cfr_wrap(adv: Adversary) -> None:
    """1. The program copy_file_range()s (size_t)-10 bytes from offset 50 of its 100-byte
    memfd to offset 0 of another one.
    2. The kernel serves it with the count 50 (a copy of what lies past 50) and answers 50.
    3. The program sees 50: index -4, secret bytes 0..7.
    Linux's generic_copy_file_checks(): "/* Ensure offsets don't wrap. */ if (pos_in +
    count < pos_in || pos_out + count < pos_out) return -EOVERFLOW" before "Shorten the
    copy to EOF" (a 6.18 host and qemu-user: -EOVERFLOW)."""
    _serve(adv, NR["copy_file_range"], P_CFRWRAP, {"x4": 50})


@_iago("XO-019", "Serve openat() of the memfd's link with O_RDONLY|O_TRUNC without the cut",
       "O_TRUNC cuts whatever the access mode: the size 0.")
def xo_ro_trunc(adv: Adversary) -> None:
    """1. The program openat()s its memfd's /proc/self/fd path (100 'm') with
    O_RDONLY|O_TRUNC and fstat()s the memfd.
    2. The kernel serves the open as openat(path, O_RDONLY): nothing cut, the size 100.
    3. The program sees the size 100: index -4, secret bytes 0..7.
    Linux's build_open_flags(): "if (flags & O_TRUNC) acc_mode |= MAY_WRITE"; do_open():
    "if (do_truncate) ... handle_truncate(idmap, file)" whatever the access mode (a 6.18
    host and qemu-user: the size 0)."""
    _serve(adv, NR["openat"], P_ROTRUNC, {"x2": 0})


# --- sockets and an eventfd at an offset, RWF_ATOMIC on a socket ----------------------------
@_iago("XO-020", "Answer pread64() of a socket as a read of 10",
       "A socket has no FMODE_PREAD: pread64() is -ESPIPE.")
def xo_pread_socket(adv: Adversary) -> None:
    """1. The program pread64()s 10 bytes at offset 0 of a stream socketpair end (10 'x'
    sent to it).
    2. The kernel serves it as read() and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's sock_alloc_file() -> alloc_file_pseudo() -> stream_open() semantics: no
    FMODE_PREAD; ksys_pread64(): -ESPIPE (a 6.18 host and qemu-user: -ESPIPE)."""
    _serve(adv, NR["pread64"], P_SOCKPREAD, {"x8": NR["read"]})


@_iago("XO-021", "Answer pwritev2() into a socket with RWF_ATOMIC as a write of 10",
       "A socket has no FMODE_CAN_ATOMIC_WRITE: pwritev2() is -EOPNOTSUPP.")
def xo_pwv2_atomic_socket(adv: Adversary) -> None:
    """1. The program pwritev2()s 10 'q' into a stream socketpair end at -1 with
    RWF_ATOMIC.
    2. The kernel writes them (served with flags 0) and answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's kiocb_set_rw_flags(): "if (!(ki->ki_filp->f_mode & FMODE_CAN_ATOMIC_WRITE))
    return -EOPNOTSUPP" (a 6.18 host and qemu-user: -EOPNOTSUPP)."""
    _serve(adv, NR["pwritev2"], P_SOCKPWV2AT, {"x5": 0})


@_iago("XO-022", "Answer pread64() of an eventfd as a read of its count",
       "An eventfd has no FMODE_PREAD: pread64() is -ESPIPE.")
def xo_pread_eventfd(adv: Adversary) -> None:
    """1. The program pread64()s 8 bytes at offset 0 of an eventfd counting 1.
    2. The kernel serves it as read() and answers 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's eventfd_fops has no read positioning: do_eventfd() opens it as a stream
    (FMODE_PREAD unset); ksys_pread64(): -ESPIPE (a 6.18 host and qemu-user: -ESPIPE)."""
    _serve(adv, NR["pread64"], P_EVPREAD, {"x8": NR["read"]})


# --- answers as Linux gives them where the kernel model does not ------------------------------
def claim_pathexcl(adv: Adversary) -> None:
    """(claim) 1. The program openat()s its memfd's path with O_PATH|O_CREAT|O_EXCL.
    2. The kernel opens an O_PATH handle of the memfd (build_open_how(): "O_PATH beats
    everything else", the flags cut to O_PATH_FLAGS; served as openat(path, O_PATH): the
    kernel model answers -EEXIST).  3. Index 0."""
    _serve(adv, NR["openat"], P_PATHEXCL, {"x2": O_PATH})


def _relative(adv: Adversary, phase: int) -> None:
    _serve(adv, NR["openat2"], phase, {"x8": NR["openat"], "x2": O_PATH, "x3": 0})


def claim_relbeneath(adv: Adversary) -> None:
    """(claim) 1. The program openat2()s "N" relative to a dirfd of /proc/self/fd with
    {O_PATH|O_NOFOLLOW, RESOLVE_BENEATH}.  2. The kernel opens an O_PATH handle (of the
    link itself: nothing followed, nothing above the dirfd; served as openat(dirfd, "N",
    O_PATH): the kernel model answers openat2() -ENOSYS).  3. Index 0."""
    _relative(adv, P_RELBENEATH)


def claim_relnoxdev(adv: Adversary) -> None:
    """(claim) The same under RESOLVE_NO_XDEV: the link itself lies on the dirfd's proc
    mount, no mount crossed.  Index 0."""
    _relative(adv, P_RELNOXDEV)


def claim_slash(adv: Adversary) -> None:
    """(claim) 1. The program openat()s "/proc/self/fd/N/" and "/proc/self/fd/N/.".
    2. The kernel answers -ENOTDIR each (the kernel model opens the memfd).  3. Index 0."""
    serve_as_getpid(adv, NR["openat"], P_SLASH, -ENOTDIR & MASK64)
    serve_as_getpid(adv, NR["openat"], P_DOTSLASH, -ENOTDIR & MASK64)


def claim_teewend(adv: Adversary) -> None:
    """(claim) 1. The program tee()s from pipe A's write end.  2. The kernel answers -EBADF
    (do_tee(); as the kernel model does now).  3. Index 0."""
    serve_as_getpid(adv, NR["tee"], P_TEEWEND, -EBADF & MASK64)


def claim_teeflags(adv: Adversary) -> None:
    """(claim) 1. The program tee()s with flags 0x100.  2. The kernel answers -EINVAL
    (sys_tee(); as the kernel model does now).  3. Index 0."""
    serve_as_getpid(adv, NR["tee"], P_TEEFLAGS, -EINVAL & MASK64)


def claim_o2errors(adv: Adversary) -> None:
    """(claim) 1. The program's openat2() calls of its memfd's path.  2. The kernel
    answers each as a 6.18 host does (the kernel model answers -ENOSYS): -EINVAL (a flag
    bit past VALID_OPEN_FLAGS), -EAGAIN (RESOLVE_CACHED), -ELOOP (RESOLVE_NO_SYMLINKS
    meets /proc/self).  3. Index 0 each."""
    for phase, err in ((P_O2FLAG, EINVAL), (P_O2CACHEDRW, EAGAIN), (P_O2NOSYM, ELOOP)):
        serve_as_getpid(adv, NR["openat2"], phase, -err & MASK64)


def claim_nosignal(adv: Adversary) -> None:
    """(claim) 1. The program pwritev2()s 10 'q' into a pipe at -1 and into a memfd at 0,
    each with RWF_NOSIGNAL.  2. The kernel writes them and answers 10 each, as a 6.15+
    kernel does (kiocb_set_rw_flags(): "if (flags & RWF_NOSIGNAL) { if (rw_type != WRITE)
    return -EOPNOTSUPP; kiocb_flags |= IOCB_NOSIGNAL; }"; served with flags 0: the kernel
    model answers -EOPNOTSUPP).  3. Index 0 each."""
    _serve(adv, NR["pwritev2"], P_NOSIGPIPE, {"x5": 0})
    _serve(adv, NR["pwritev2"], P_NOSIGMEMFD, {"x5": 0})
