"""Red-team round sixty-two: the rules changed after round 61, both ways.

Since round 61 `fd_modes.appends_throughout` judges O_APPEND for splice(), sendfile() and
copy_file_range() only where the output appended for the whole call; a pidfd opened again
through /proc/self/fd or /dev/fd is a pidfd (`pidfds.PidfdTargets.reopened`); a
/proc/<pid>/fd/N link to a /proc directory the program opened is followed before ".."
(`fd_names._followed`); `return.fifo_direct` skips O_PATH opens.  This round asks those
rules of the outputs, pidfds and names they do not name:

- a memfd M opened again O_APPEND by name -- /proc/self/fd/M O_RDWR|O_APPEND (AP):
  sendfile() (XU-001) and splice() (XU-002) of 8 into AP (-EINVAL: do_splice_direct_actor()
  and do_splice() refuse an O_APPEND output), copy_file_range() of 10 into AP (XU-003,
  -EBADF: generic_file_rw_checks()); /dev/fd/M O_WRONLY|O_APPEND: sendfile() of 8 (XU-004);
  "M" O_RDWR|O_APPEND relative to Y, opened as "/proc/self/fd/D/../fd": splice() of 8
  (XU-005);
- a pidfd P opened again by other names -- "P" relative to Y (XU-006),
  /proc/thread-self/fd/P (XU-007) -- or received through SCM_RIGHTS (XU-008): splice() of
  8 out of it (do_splice_read(): no splice_read, -EINVAL);
- O_DIRECT opens of a pipe's read end A -- /proc/self/task/<tid>/fd/A (XU-009), "fd/A"
  relative to X, opened as "/proc/self/fd/D/.." (XU-010), "A" from a working directory set
  by fchdir(D) (XU-011), /proc/self/fd/R of R received through SCM_RIGHTS (XU-012),
  "/proc/self/fd/D/../fd/A" (XU-013) and /proc/self/fd/A after unshare(CLONE_FILES)
  (XU-014) (do_dentry_open(): a FIFO has no FMODE_CAN_ODIRECT, -EINVAL);
- O_DIRECT opens of a fork child's inherited pipe write end B (the child alive, its fd
  directory /proc/<child>/fd opened as D): "/proc/<child>/fd/B" (XU-017) and
  "/proc/self/fd/D/../fd/B" (XU-018) (do_dentry_open(): -EINVAL);
- an O_DIRECT open of "/tmp/r62fd/A" after symlinkat("/proc/self/fd", "/tmp/r62fd")
  (XU-019, -EINVAL);
- sendfile() of 8 into AP in a fork child that inherited it (XU-015, -EINVAL), and splice()
  of 8 into a memfd a reaped fork child set O_APPEND by F_SETFL (XU-016, -EINVAL).

Each is answered as a success (moves served as getpid(), opens as dup()).  Every Linux
answer above is what qemu-user gives natively on this host (the victim's steps index 0 each).

Honest answers (tests/test_redteam_r62_claims.py): sendfile() of 8 into N, an O_RDWR
reopen of M after F_SETFL(O_APPEND) on M's own open file (a reopen is a new open file:
path_openat() -> alloc_empty_file(), without O_APPEND), splice() of 8 into a memfd whose
O_APPEND F_SETFL set and then cleared, write() of 8 into AP, and an O_PATH|O_DIRECT open of
/proc/thread-self/fd/A (build_open_how() keeps O_PATH_FLAGS only), and O_RDWR|O_DIRECT
reopens of a memfd dup3()ed onto a pipe end's number and of one that took a closed end's
number (shmem_file_open() sets FMODE_CAN_ODIRECT), fallocate() and ftruncate() of an
O_RDWR reopen of a memfd on a closed pidfd's number or dup3()ed onto one (0: the name is
the memfd now, not the pidfd), and sendfile() of 8 into M after F_SETFL(O_APPEND) on a
reopen of M (N's own open file), and an O_RDWR|O_DIRECT open of "/proc/self/fd/D/../fd/A"
with D a descriptor of /proc/<child>/fd of a child that dup3()ed a memfd onto its A (D/..
is /proc/<child>: the child's memfd opens), and an O_PATH|O_DIRECT open of "/tmp/r62fd/A"
(claimed: the kernel model's /tmp takes no link), are let through.  The claim_* step
functions answer as Linux where the kernel model does not: the reopens of the pidfd by
other names (served as dup(P)) and unshare(CLONE_FILES) (answered 0).

Through with the Guardian on when written: XU-001..XU-005 and XU-015 (gap P5: the
O_APPEND open of /proc/self/fd/M, /dev/fd/M or "M" relative to a descriptor of
/proc/self/fd names no object of `files.sole` -- `fd_modes.appends_throughout` finds no
MemFile for the descriptor, as if the reopen were not followed as the memfd's second open
file -- so return.move_ends / return.move_args judge no O_APPEND output; refused since:
XU-001..XU-005, the open of the /proc/self/fd directory itself (O_DIRECTORY) no longer
ends the following of the program's memfds, `sole_reopens.directory`; XU-015, whose
answer return.move_ends refused already, leaked only through the parent's next step: the
child, ended at the refusal, never set M3 O_APPEND, so the honest splice into M3 moved 8 --
the child sets it first now), XU-009 (gap P5:
/proc/self/task/<tid>/fd/A is no /proc/self/fd name to `return.fifo_direct`, though
proc_task_lookup() reaches the same fd directory, proc_fd_link() the same pipe;
refused since: return.fifo_direct, /proc/self/task/<own tid>/fd read as
/proc/thread-self/fd), XU-017, XU-018 (gap P5: a fork child's /proc/<child>/fd/B, by name or through D/.., is no
name of the program's own fd directory to `return.fifo_direct`, though the child's B is
the same pipe file: dup_fd(); refused since: return.fifo_direct, /proc/<child>/fd/N taken
through the table of the live fork child the pid names), XU-019 (gap P5: "/tmp/r62fd/A" through a symlink the
program made to /proc/self/fd is no /proc/self/fd name to `return.fifo_direct`; the walk
follows the link as pick_link() does in Linux; open: what /tmp/r62fd names at the open is
the kernel's word -- another process of the user may have replaced the link since, by a
file that takes O_DIRECT).
Refused: XU-006..XU-008 (return.move_ends: the claimed reopens and the received pidfd are
served by the kernel model as the pidfd's own open file), XU-010..XU-014
(return.fifo_direct), XU-016 (return.move_ends: the child's F_SETFL returned before the
splice entered).

False refusal (fixed since: a descriptor opened through /proc/self keeps its opener, whose
"self" a fork child's copy does not read as its own, fd_names._dir_path): in a fork child, an O_RDWR|O_DIRECT open of
"/proc/self/fd/D/../fd/A", D the parent's descriptor of /proc/self/fd opened before the
fork (so the parent's /proc/<pid>/fd), A a pipe's read end in the child and a memfd in the
parent (dup3() after the fork), opens the parent's memfd on Linux (qemu-user on this
host; the kernel model answers the same); `return.fifo_direct` reads the name as the
child's own /proc/self/fd/A and refuses it (the victim runs these steps only with -c;
the child ends at the refusal, so its step P_PARENTDIRECT -- "/proc/self/fd/D/../fd/B" of the
parent's pipe end after the child dup3()ed a memfd onto its own B, -EINVAL on Linux --
never runs with the Guardian on; no scenario is written for it).

Mode mprotect grants no capability for sendmsg's and recvmsg's msghdr (B7): there the
SCM_RIGHTS steps (XU-008, XU-012) run on the descriptor that would have been sent.

The victim is `secret_r62_rules` (workloads/src/secret_r62_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _serve
from attacks.families.redteam_r59 import _moved, _moved_at
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r62"
RULES = "secret_r62_rules"
(P_APSEND, P_APSPLICE, P_APCFR, P_ADSEND, P_AYSPLICE, P_YPSPLICE, P_TPSPLICE, P_SCMSPLICE,
 P_TASKDIRECT, P_XDIRECT, P_CWDDIRECT, P_SCMDIRECT, P_ABSDIRECT, P_HREOPENSEND,
 P_HCLEARSPLICE, P_HAPWRITE, P_HTPATH, P_YPOPEN, P_TPOPEN, P_UNSHDIRECT, P_FORKAPSEND,
 P_CHILDAPP, P_HREUSEDIRECT, P_HDUP3DIRECT, P_HPIDREUSE, P_HPIDDUP3,
 P_HSETFLN, P_HCHILDFD, P_CHILDDIRECT, P_CHILDDDIRECT, P_SYMDIRECT, P_HSYMPATH, P_HPARENTFD, P_PARENTDIRECT) = range(6300, 6368, 2)
P_FIRST, P_LAST = P_APSEND, P_PARENTDIRECT
NR = NUMBERS
MASK64 = (1 << 64) - 1
EINVAL = 22

_iago = iago_scenarios(RT, RULES)


# --- a memfd opened again O_APPEND by name ------------------------------------------------
@_iago("XU-001", "Answer sendfile() of 8 bytes into a memfd reopened O_APPEND through "
       "/proc/self/fd 8", "An O_APPEND output: do_splice_direct_actor(), -EINVAL.")
def xu_ap_send(adv: Adversary) -> None:
    """1. The program opens /proc/self/fd/M of a memfd M O_RDWR|O_APPEND (AP) and
    sendfile()s 8 bytes of a memfd S at &0 into AP.
    2. The kernel answers 8, the offset advanced.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_splice_direct_actor(): "if (unlikely(out->f_flags & O_APPEND)) return
    -EINVAL" (qemu-user on this host)."""
    _moved_at(adv, "sendfile", P_APSEND, "x2", 8)


@_iago("XU-002", "Answer splice() of 8 bytes from a pipe into a memfd reopened O_APPEND 8",
       "An O_APPEND output: do_splice(), -EINVAL.")
def xu_ap_splice(adv: Adversary) -> None:
    """1. The program splice()s 8 bytes from a pipe's read end into AP.
    2. The kernel answers 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_splice(): "if (unlikely(out->f_flags & O_APPEND)) return -EINVAL"
    (qemu-user on this host)."""
    _moved(adv, "splice", P_APSPLICE, 8)


@_iago("XU-003", "Answer copy_file_range() into a memfd reopened O_APPEND as a copy of 10",
       "An O_APPEND output: generic_file_rw_checks(), -EBADF.")
def xu_ap_cfr(adv: Adversary) -> None:
    """1. The program copy_file_range()s 10 bytes of S into AP.
    2. The kernel answers 10.
    3. The program sees 10: index -4, secret bytes 0..7.
    Linux's generic_file_rw_checks(): "if (file_out->f_flags & O_APPEND) return -EBADF"
    (qemu-user on this host)."""
    _moved(adv, "copy_file_range", P_APCFR)


@_iago("XU-004", "Answer sendfile() of 8 bytes into a memfd reopened O_APPEND through "
       "/dev/fd 8", "An O_APPEND output: do_splice_direct_actor(), -EINVAL.")
def xu_ad_send(adv: Adversary) -> None:
    """1. The program opens /dev/fd/M O_WRONLY|O_APPEND (AD) and sendfile()s 8 bytes of S
    at &0 into AD.
    2. The kernel answers 8, the offset advanced.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux's do_splice_direct_actor(): an O_APPEND output, -EINVAL (qemu-user)."""
    _moved_at(adv, "sendfile", P_ADSEND, "x2", 8)


@_iago("XU-005", "Answer splice() of 8 bytes into \"M\" opened O_APPEND relative to "
       "/proc/self/fd/D/../fd 8", "An O_APPEND output: do_splice(), -EINVAL.")
def xu_ay_splice(adv: Adversary) -> None:
    """1. The program opens Y as "/proc/self/fd/D/../fd" (D a descriptor of /proc/self/fd),
    then openat(Y, "M", O_RDWR|O_APPEND) (AY), and splice()s 8 bytes from a pipe into AY.
    2. The kernel answers 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux: Y is /proc/self/fd (nd_jump_link() before ".."), AY an O_APPEND open of the
    memfd; do_splice(): -EINVAL (qemu-user on this host)."""
    _moved(adv, "splice", P_AYSPLICE, 8)


# --- a pidfd opened again by other names, or received -------------------------------------
def claim_ypopen(adv: Adversary) -> None:
    """(claim) 1. The program openat()s "P" relative to Y ("/proc/self/fd/D/../fd"), P its
    pidfd.  2. The kernel opens P's pidfs inode again (served as dup(P)): proc_fd_link()
    (qemu-user on this host; the kernel model may answer an error).  3. The step runs."""
    _serve(adv, NR["openat"], P_YPOPEN, {"x8": NR["dup"], "x0": _arg(P_YPOPEN, 0)})


def claim_tpopen(adv: Adversary) -> None:
    """(claim) As `claim_ypopen`, for the open of /proc/thread-self/fd/P."""
    _serve(adv, NR["openat"], P_TPOPEN, {"x8": NR["dup"], "x0": _arg(P_TPOPEN, 0)})


for _xid, _phase, _name, _claim in (
        ("XU-006", P_YPSPLICE, "\"P\" opened relative to /proc/self/fd/D/../fd",
         claim_ypopen),
        ("XU-007", P_TPSPLICE, "an open of /proc/thread-self/fd/P", claim_tpopen),
        ("XU-008", P_SCMSPLICE, "a pidfd received through SCM_RIGHTS", None)):
    def _steps(adv: Adversary, _p: int = _phase, _c=_claim) -> None:  # type: ignore[no-untyped-def]
        if _c is not None:
            _c(adv)
        _moved(adv, "splice", _p, 8)
    _doc = (f"""1. The program splice()s 8 bytes out of {_name} (P its pidfd) into a pipe's
    write end.
    2. The kernel answers 8 (served as getpid()).
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux: the same pidfs file or inode (proc_fd_link(); scm_detach_fds() installs the
    sent file); do_splice_read(): no splice_read, -EINVAL (qemu-user on this host).""")
    _iago(_xid, f"Answer splice() of 8 bytes out of {_name} 8",
          "A pidfs file: do_splice_read(), -EINVAL.")(documented(_steps, _doc))


# --- O_DIRECT opens of a pipe's end by other names ----------------------------------------
for _xid, _phase, _name, _gap in (
        ("XU-009", P_TASKDIRECT, "\"/proc/self/task/<tid>/fd/A\"", None),
        ("XU-010", P_XDIRECT, "\"fd/A\" relative to X (opened as \"/proc/self/fd/D/..\")",
         None),
        ("XU-011", P_CWDDIRECT, "\"A\" from a working directory set by fchdir(D)", None),
        ("XU-012", P_SCMDIRECT, "/proc/self/fd/R of R, A received through SCM_RIGHTS", None),
        ("XU-013", P_ABSDIRECT, "\"/proc/self/fd/D/../fd/A\"", None)):
    def _direct(adv: Adversary, _p: int = _phase) -> None:
        _serve(adv, NR["openat"], _p, {"x8": NR["dup"], "x0": _arg(_p, 0)})
    _doc = (f"""1. The program openat()s {_name}, A a pipe's read end (D a descriptor of
    /proc/self/fd), O_RDONLY|O_DIRECT.
    2. The kernel serves it as dup() of the end and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's do_dentry_open(): "if ((f->f_flags & O_DIRECT) && !(f->f_mode &
    FMODE_CAN_ODIRECT)) return -EINVAL" -- no FIFO has it (qemu-user on this host).""")
    _iago(_xid, f"Serve an O_DIRECT open of {_name} of a pipe's end as dup(A)",
          "A FIFO takes no O_DIRECT open: do_dentry_open(), -EINVAL.", gap=_gap)(
        documented(_direct, _doc))


# --- tables unshared, fork children -----------------------------------------------------
def claim_unshare(adv: Adversary) -> None:
    """(claim) 1. The program unshare()s CLONE_FILES.  2. The kernel answers 0
    (unshare_fd(): a copy of the table, each descriptor the same file; served as getpid();
    the kernel model answers an error).  3. The O_DIRECT step runs."""
    serve_as_getpid(adv, NR["unshare"], P_UNSHDIRECT, 0)


@_iago("XU-014", "Serve an O_DIRECT open of /proc/self/fd/A of a pipe's end after "
       "unshare(CLONE_FILES) as dup(A)",
       "A FIFO takes no O_DIRECT open: do_dentry_open(), -EINVAL.")
def xu_unshare_direct(adv: Adversary) -> None:
    """1. The program unshare()s CLONE_FILES (unshare_fd() copies its table) and opens
    /proc/self/fd/A of a pipe's read end A O_RDONLY|O_DIRECT.
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux: the copied table holds the same pipe file; do_dentry_open(): -EINVAL
    (qemu-user on this host)."""
    claim_unshare(adv)
    _serve(adv, NR["openat"], P_UNSHDIRECT, {"x8": NR["dup"], "x0": _arg(P_UNSHDIRECT, 0)})


@_iago("XU-015", "Answer sendfile() of 8 bytes into an O_APPEND reopen of a memfd in a fork "
       "child 8", "An O_APPEND output: do_splice_direct_actor(), -EINVAL.")
def xu_fork_ap_send(adv: Adversary) -> None:
    """1. The program opens /proc/self/fd/M O_RDWR|O_APPEND (AP) and forks; the child
    sendfile()s 8 bytes of a memfd S at &0 into the AP it inherited.
    2. The kernel answers 8, the offset advanced.
    3. The child sees 8: index -4, secret bytes 0..7.
    Linux: dup_fd() shares AP's file; do_splice_direct_actor(): -EINVAL (qemu-user)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["sendfile"], during=P_FORKAPSEND, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("at", P_FORKAPSEND)] = a.reg("x2")

    serve_as_getpid(adv, NR["sendfile"], P_FORKAPSEND, 8, init_only=False)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["sendfile"], during=P_FORKAPSEND, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        at = a.memo[("at", P_FORKAPSEND)]
        a.kernel.uaccess.write_u64(at, (a.kernel.uaccess.read_u64(at) + 8) & MASK64)


@_iago("XU-016", "Answer splice() of 8 bytes into a memfd a reaped fork child set O_APPEND 8",
       "The shared open file appends: do_splice(), -EINVAL.")
def xu_child_append(adv: Adversary) -> None:
    """1. A fork child sets O_APPEND on an inherited memfd M3 by F_SETFL and exits; the
    program reaps it (wait4) and splice()s 8 bytes from a pipe into M3.
    2. The kernel answers 8.
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux: the child's table shared M3's file (dup_fd()); setfl() set f_flags before the
    splice entered; do_splice(): -EINVAL (qemu-user on this host)."""
    _moved(adv, "splice", P_CHILDAPP, 8)


# --- a fork child's fd directory ----------------------------------------------------------
for _xid, _phase, _name in (
        ("XU-017", P_CHILDDIRECT, "\"/proc/<child>/fd/B\""),
        ("XU-018", P_CHILDDDIRECT, "\"/proc/self/fd/D/../fd/B\" (D a descriptor of "
         "/proc/<child>/fd)")):
    def _child(adv: Adversary, _p: int = _phase) -> None:
        _serve(adv, NR["openat"], _p, {"x8": NR["dup"], "x0": _arg(_p, 0)})
    _doc = (f"""1. A fork child holds a pipe's write end B it inherited; the program openat()s
    {_name} O_WRONLY|O_DIRECT.
    2. The kernel serves it as dup(B) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux: proc_fd_link() reaches the child's B, the same pipe; do_dentry_open(): a FIFO
    has no FMODE_CAN_ODIRECT, -EINVAL (qemu-user on this host).""")
    _iago(_xid, f"Serve an O_DIRECT open of {_name} of a fork child's pipe end as dup(B)",
          "A FIFO takes no O_DIRECT open: do_dentry_open(), -EINVAL.")(
        documented(_child, _doc))


# --- a symlink the program made to /proc/self/fd ------------------------------------------
def claim_symlink(adv: Adversary) -> None:
    """(claim) 1. The program symlinkat()s "/proc/self/fd" as /tmp/r62fd.  2. The kernel
    answers 0 (served as getpid(); the kernel model's /tmp takes no link; qemu-user on this
    host makes it).  3. The steps through the link run."""
    serve_as_getpid(adv, NR["symlinkat"], P_SYMDIRECT, 0)


def claim_sympath(adv: Adversary) -> None:
    """(claim) 1. The program openat()s "/tmp/r62fd/A" O_PATH|O_DIRECT.  2. The kernel
    opens A's pipe (served as dup(A)): the walk follows the link to /proc/self/fd, then A;
    build_open_how() keeps O_PATH_FLAGS only (qemu-user on this host); the O_DIRECT open
    before it is -EINVAL (do_dentry_open(); the kernel model, with no link, answers
    another error).  3. Index 0 each."""
    claim_symlink(adv)
    serve_as_getpid(adv, NR["openat"], P_SYMDIRECT, -EINVAL & MASK64)
    _serve(adv, NR["openat"], P_HSYMPATH, {"x8": NR["dup"], "x0": _arg(P_HSYMPATH, 0)})


@_iago("XU-019", "Serve an O_DIRECT open of a pipe's end through a symlink the program made "
       "to /proc/self/fd as dup(A)",
       "A FIFO takes no O_DIRECT open: do_dentry_open(), -EINVAL.", gap="P5")
def xu_sym_direct(adv: Adversary) -> None:
    """1. The program symlinkat()s "/proc/self/fd" as /tmp/r62fd and openat()s
    "/tmp/r62fd/A", A a pipe's read end, O_RDONLY|O_DIRECT.
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux: pick_link() follows the link to /proc/self/fd, proc_fd_link() reaches the pipe;
    do_dentry_open(): -EINVAL (qemu-user on this host)."""
    claim_symlink(adv)
    _serve(adv, NR["openat"], P_SYMDIRECT, {"x8": NR["dup"], "x0": _arg(P_SYMDIRECT, 0)})
