"""Red-team round sixty-three: the rules changed after round 62, both ways.

Since round 62 an openat with O_DIRECTORY that succeeded is read as the open of a directory
(`sole_reopens.directory`: it ends no following of the program's memfds); a descriptor or
working directory opened through /proc/self, /proc/thread-self or /dev/fd remembers its
opener (`fd_names.opener_of`, `_dir_path`: a fork child's copy reads "self" as not known);
/proc/self/task/<tid>/fd is the caller's own table for its gettid tid (`fd_names._own_task`);
/proc/<live fork child>/fd/N reaches the child's table (`Reach.child`).  This round asks
those rules of the names and answers they do not name:

- O_DIRECTORY opens of what is no directory -- /proc/self/fd/M of a memfd M (XW-001), of a
  pipe's read end A (XW-002, with -p), /dev/fd/M (XW-003), "M" after
  chdir("/proc/self/fd") (XW-022) and /proc/self/task/<pid>/fd/M (XW-023) (do_open(): "if ((open_flag &
  O_DIRECTORY) && !d_can_lookup(nd->path.dentry)) return -ENOTDIR");
- splice() of 8 bytes into the memfd M opened O_RDWR|O_APPEND relative to a directory
  opened O_DIRECTORY as /proc/self ("fd/M", XW-004), /proc/thread-self/fd (XW-005),
  /dev/fd (XW-006), /proc/<pid>/fd (XW-007), /proc/self/task/<pid>/fd (XW-008) and from a
  working directory of /proc/thread-self/fd (XW-009), after chdir("/proc/self/fd")
  (XW-019) and after fchdir() to a descriptor of /proc/self/fd (XW-020) (do_splice(): an
  O_APPEND output, -EINVAL);
- O_DIRECT opens of a pipe's read end A through the main thread's task directory named by
  getpid()'s pid, before any gettid() -- /proc/self/task/<pid>/fd/A (XW-010),
  /proc/<pid>/task/<pid>/fd/A (XW-011), "fd/A" relative to /proc/self/task/<pid> (XW-012)
  -- and of a live fork child's inherited write end B through
  /proc/<child>/task/<child>/fd/B (XW-013) (do_dentry_open(): a FIFO has no
  FMODE_CAN_ODIRECT, -EINVAL);
- in a fork child, an O_DIRECT open of "A" relative to D, the program's descriptor of
  /proc/self/fd opened before the fork (the parent's fd directory: proc_self_get_link()
  took the parent's pid at the open), A a pipe's read end in both (XW-014, -EINVAL), and of
  /proc/self/task/<parent>/fd/A (XW-015, -ENOENT: proc_task_lookup() finds no thread of
  that id in the child's group), and after fchdir(D) of "A" from the working directory
  (XW-018, -EINVAL: set_fs_pwd() took D's path, the parent's fd directory), and of
  /proc/<parent>/fd/A (XW-021, -EINVAL);
- after a clone(CLONE_FILES|SIGCHLD) child (copy_files(): the table is shared) dup3()ed a
  pipe's end onto a memfd's number N, an O_DIRECT open of /proc/self/fd/N (XW-016,
  -EINVAL), and after it dup3()ed an O_APPEND reopen of M3 onto M3's number, splice() of
  8 into M3 (XW-017, -EINVAL) (qemu-user refuses a clone(CLONE_FILES) without CLONE_VM:
  these steps do not run there; Linux's answers are from the kernel source).

Each is answered as a success (moves served as getpid(), opens as dup()).  Every Linux
answer above is what qemu-user gives natively on this host (the victim's steps index 0
each).

Honest answers (tests/test_redteam_r63_claims.py): an O_DIRECTORY open of
/proc/self/fd/D of a directory D, an O_RDWR|O_DIRECT open of /proc/self/task/<pid>/fd/M
(shmem_file_open() sets FMODE_CAN_ODIRECT), in the fork child O_RDWR|O_DIRECT opens of the
parent's memfd (dup3()ed onto a number the child holds a pipe end on) relative to D,
through /proc/<parent>/fd/C and /proc/<parent>/task/<parent>/fd/C and from a working directory set by fchdir(D),
after a CLONE_FILES child dup3()ed a memfd onto a pipe end's number A an O_RDWR|O_DIRECT
open of /proc/self/fd/A, splice() of 8 from a memfd and from a pipe, tee() of 8 and
sendfile() of 8 into an O_WRONLY|O_APPEND reopen of a pipe's write end (splice_file_to_pipe(),
splice_pipe_to_pipe(), link_pipe(): no O_APPEND check where the output is a pipe;
do_sendfile() takes splice_file_to_pipe() for a pipe output, not do_splice_direct()), and splice() of 8 into an O_APPEND reopen whose
O_APPEND a reaped fork child cleared by F_SETFL on the shared open file (setfl()).  The
kernel model opens the pipe's end of XW-002 with O_DIRECTORY (it answers a descriptor
where Linux answers -ENOTDIR): `claim_dirpipe` answers as Linux, and the victim runs that
step only with -p.

Through with the Guardian on when written, refused since: XW-023 (as XW-010: an O_DIRECTORY
open of /proc/self/task/<pid>/fd/M of a memfd, the task directory named by getpid()'s pid,
is no reopen to `return.reopen_flags`, and `sole_reopens.directory` reads its success as a
directory; refused since: return.reopen_flags, /proc/self/task/<own pid>/fd read as
/proc/self/fd, `fd_names._leader_task`), XW-008 and XW-010..XW-012 (a task
directory named by getpid()'s pid before any gettid() is no name of the program's own table
to `fd_names._own_task`, which reads /proc/self/task/<tid>/fd only for a told tid, though
the main thread's tid is its pid: proc_task_lookup() finds it; so neither
`fd_modes.appends_throughout` nor `return.fifo_direct` judges the open; refused since:
return.move_ends, return.fifo_direct, /proc/self/task/<own pid>/fd and
/proc/<pid>/task/<pid>/fd read as /proc/self/fd and /proc/<pid>/fd: a thread group
leader's tid is its tgid), XW-013 (/proc/<child>/task/<child>/fd/B: `Reach.child` reaches a
child's table only through /proc/<child>/fd; refused since: return.fifo_direct,
/proc/<child>/task/<child>/fd read as /proc/<child>/fd), XW-015 (no rule read the
parent's tid in the child's /proc/self/task as no thread: an O_DIRECT success was not
judged; refused since: return.task_foreign, the parent's told tid, its wait4() in flight
through the open, is a live thread of another group: proc_task_lookup(), -ENOENT).
Through with the Guardian on when written, refused since: XW-009, XW-019, XW-020 (a working
directory of /proc/self/fd or /proc/thread-self/fd, entered by chdir() or fchdir(): "M"
from it names no memfd to `fd_modes.appends_throughout`, so return.move_ends judges no
O_APPEND output, though XW-005, "M" relative to the descriptor itself, is refused, and
`return.fifo_direct` reads the same working directory (round 62's XU-011); refused since:
return.move_ends, the earlier reopen through /proc/self/task/<own pid>/fd no longer ends
the following of the program's memfds), XW-018 (the fork child's working directory set by
fchdir(D), D opened by the parent: its "self" was not known to `fd_names._dir_path`, as for
XW-014), XW-021 (/proc/<parent>/fd/A in the child: `Reach.child` reached only a live fork
child's table), XW-014 (the fork child's copy of D read "self" as not known,
`fd_names._dir_path`, though the parent, blocked in wait4() with its table unchanged since
the fork, holds the same pipe at A); XW-014, XW-018, XW-021 refused since:
return.fifo_direct through the parent's table where it is alive, all its threads hold that
one table and nothing changed it since the child's call entered
(guardian/opener_tables.py).
Refused: XW-001, XW-003, XW-022 (return.reopen_flags: O_DIRECTORY through the link), XW-004..XW-007
(return.move_ends), XW-016, XW-017 (the CLONE_FILES child's dup3() changes the shared
table the Guardian follows: return.fifo_direct, return.move_ends), XW-002 (the Guardian denies the resume with no decision recorded:
`silent`).
Refused since: XW-014, XW-018, XW-021 (return.fifo_direct: a fork child's name relative to
its parent's /proc/self/fd descriptor D, from a working directory set by fchdir(D), or
/proc/<parent's pid>/fd/A reads the parent's table where the parent lives, all its threads
hold that table and no call that may change it returned since the child's call entered or
is in flight: `opener_tables.through_opener`, `opener_tables.parent_table`).

The victim is `secret_r63_rules` (workloads/src/secret_r63_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _keep, _serve
from attacks.families.redteam_r59 import _moved
from attacks.moves import serve_as_getpid, serve_with
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r63"
RULES = "secret_r63_rules"
(P_DIRMEMFD, P_DIRPIPE, P_DIRDEVFD, P_HDIRDIR, P_APSELF, P_APTHREAD, P_APDEVFD, P_APPID,
 P_APTASK, P_APCWD, P_TASKPID, P_PIDTASK, P_TASKDIR, P_CHILDTASK, P_HTASKMEMFD,
 P_FORKDDIRECT, P_HFORKDMEMFD, P_HFORKTASK, P_FORKSELFTASK, P_HCHILDCLEAR, P_HFILESDUP,
 P_FILESPIPE, P_FILESAPP, P_HFORKCWD, P_FORKCWDDIRECT, P_APCHDIR, P_APFCHDIR, P_HFORKPPID,
 P_FORKPPIDDIRECT, P_HAPPIPEFILE, P_HAPPIPEPIPE, P_HAPPIPETEE, P_HAPPIPESEND, P_CWDDIRMEMFD,
 P_TASKDIRMEMFD) = range(6500, 6570, 2)
P_FIRST, P_LAST = P_DIRMEMFD, P_TASKDIRMEMFD
NR = NUMBERS
MASK64 = (1 << 64) - 1
ENOTDIR = 20

_iago = iago_scenarios(RT, RULES)


def _dup(adv: Adversary, phase: int) -> None:
    """Serve the program's next openat after `phase` as dup() of the marker's first value."""
    _serve(adv, NR["openat"], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)})


def _dup_child(adv: Adversary, phase: int) -> None:
    """As `_dup`, in a fork child."""
    _keep(adv, phase)
    serve_with(adv, NR["openat"], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)},
               init_only=False)


# --- O_DIRECTORY opens of what is no directory ------------------------------------------
def claim_dirpipe(adv: Adversary) -> None:
    """(claim) 1. The program openat()s /proc/self/fd/A of a pipe's read end A
    O_RDONLY|O_DIRECTORY.  2. The kernel answers -ENOTDIR (do_open(): d_can_lookup() is
    false for a pipe; served as getpid(); the kernel model opens it).  3. Index 0."""
    serve_as_getpid(adv, NR["openat"], P_DIRPIPE, -ENOTDIR & MASK64)


_DENIED = ("the Guardian denies the resume (ERR_DENIED) of the O_DIRECTORY open of the "
           "program's pipe end; the process is killed with no decision recorded")
for _xid, _phase, _name, _what, _args, _silent, _gap in (
        ("XW-001", P_DIRMEMFD, "/proc/self/fd/M", "a memfd M", (), "", None),
        ("XW-002", P_DIRPIPE, "/proc/self/fd/A", "a pipe's read end A", (b"-p",), _DENIED,
         None),
        ("XW-003", P_DIRDEVFD, "/dev/fd/M", "a memfd M", (), "", None),
        ("XW-022", P_CWDDIRMEMFD, "\"M\" after chdir(\"/proc/self/fd\")", "a memfd M", (),
         "", None),
        ("XW-023", P_TASKDIRMEMFD, "/proc/self/task/<pid>/fd/M", "a memfd M", (), "", None)):
    def _dir(adv: Adversary, _p: int = _phase) -> None:
        _dup(adv, _p)
    _doc = (f"""1. The program openat()s {_name}, {_what}, O_RDONLY|O_DIRECTORY.
    2. The kernel serves it as dup() of the descriptor and answers the new one.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's do_open(): "if ((open_flag & O_DIRECTORY) && !d_can_lookup(nd->path.dentry))
    return -ENOTDIR" -- proc_fd_link() reaches no directory (qemu-user on this host).""")
    _iago(_xid, f"Serve an O_DIRECTORY open of {_name} of {_what} as dup()",
          "No directory: do_open(), -ENOTDIR.", args=_args, silent=_silent, gap=_gap)(
        documented(_dir, _doc))


# --- O_APPEND opens of a memfd relative to /proc directories ----------------------------
for _xid, _phase, _name, _gap in (
        ("XW-004", P_APSELF, "\"fd/M\" relative to /proc/self", None),
        ("XW-005", P_APTHREAD, "\"M\" relative to /proc/thread-self/fd", None),
        ("XW-006", P_APDEVFD, "\"M\" relative to /dev/fd", None),
        ("XW-007", P_APPID, "\"M\" relative to /proc/<pid>/fd", None),
        ("XW-008", P_APTASK, "\"M\" relative to /proc/self/task/<pid>/fd", None),
        ("XW-009", P_APCWD, "\"M\" from a working directory of /proc/thread-self/fd", None),
        ("XW-019", P_APCHDIR, "\"M\" after chdir(\"/proc/self/fd\")", None),
        ("XW-020", P_APFCHDIR, "\"M\" after fchdir() to a descriptor of /proc/self/fd",
         None)):
    def _app(adv: Adversary, _p: int = _phase) -> None:
        _moved(adv, "splice", _p, 8)
    _doc = (f"""1. The program opens a directory O_DIRECTORY and then {_name} O_RDWR|O_APPEND
    (AY, M a memfd), and splice()s 8 bytes from a pipe into AY.
    2. The kernel answers 8 (served as getpid()).
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux: proc_fd_link() reaches M's memfd; AY appends; do_splice(): "if (unlikely(
    out->f_flags & O_APPEND)) return -EINVAL" (qemu-user on this host).""")
    _iago(_xid, f"Answer splice() of 8 bytes into {_name} opened O_APPEND 8",
          "An O_APPEND output: do_splice(), -EINVAL.", gap=_gap)(documented(_app, _doc))


# --- task directories named by getpid()'s pid; a child's task directory -----------------
for _xid, _phase, _name, _gap in (
        ("XW-010", P_TASKPID, "\"/proc/self/task/<pid>/fd/A\"", None),
        ("XW-011", P_PIDTASK, "\"/proc/<pid>/task/<pid>/fd/A\"", None),
        ("XW-012", P_TASKDIR, "\"fd/A\" relative to /proc/self/task/<pid>", None),
        ("XW-013", P_CHILDTASK, "\"/proc/<child>/task/<child>/fd/B\" of a live fork "
         "child's inherited write end B", None)):
    def _task(adv: Adversary, _p: int = _phase) -> None:
        _dup(adv, _p)
    _doc = (f"""1. The program (its main thread: its tid is getpid()'s pid; no gettid() told
    yet) openat()s {_name}, A a pipe's read end, O_DIRECT.
    2. The kernel serves it as dup() of the end and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux: proc_task_lookup() finds the thread, proc_fd_link() its table's pipe;
    do_dentry_open(): a FIFO has no FMODE_CAN_ODIRECT, -EINVAL (qemu-user on this host).""")
    _iago(_xid, f"Serve an O_DIRECT open of {_name} of a pipe's end as dup()",
          "A FIFO takes no O_DIRECT open: do_dentry_open(), -EINVAL.", gap=_gap)(
        documented(_task, _doc))


# --- a fork child -----------------------------------------------------------------------
@_iago("XW-014", "Serve a fork child's O_DIRECT open of \"A\" relative to the parent's "
       "/proc/self/fd descriptor, A a pipe's end in both, as dup(A)",
       "A FIFO takes no O_DIRECT open: do_dentry_open(), -EINVAL.")
def xw_fork_d_direct(adv: Adversary) -> None:
    """1. The program opens /proc/self/fd (D) and forks; the parent dup3()s a memfd onto
    another number C and waits in wait4(); the child openat()s (D, "A") O_RDONLY|O_DIRECT,
    A a pipe's read end in both tables (neither changed it).
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. The child sees a descriptor: index -4, secret bytes 0..7.
    Linux: D is the parent's /proc/<pid>/fd (proc_self_get_link() at the open),
    proc_fd_link() its pipe; do_dentry_open(): -EINVAL (qemu-user on this host)."""
    _dup_child(adv, P_FORKDDIRECT)


@_iago("XW-015", "Serve a fork child's O_DIRECT open of /proc/self/task/<parent's tid>/fd/A "
       "as dup(A)", "No such thread in the child's group: proc_task_lookup(), -ENOENT.")
def xw_fork_self_task(adv: Adversary) -> None:
    """1. The program tells its tid (gettid()) and forks; the child openat()s
    /proc/self/task/<parent's tid>/fd/A O_RDONLY|O_DIRECT.
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. The child sees a descriptor: index -4, secret bytes 0..7.
    Linux's proc_task_lookup(): the parent's tid is no thread of the child's thread group,
    -ENOENT (and were it found, A is a pipe: do_dentry_open(), -EINVAL) (qemu-user)."""
    _dup_child(adv, P_FORKSELFTASK)


# --- a clone(CLONE_FILES) child changes the shared table --------------------------------
@_iago("XW-016", "Serve an O_DIRECT open of /proc/self/fd/N as dup(N) after a CLONE_FILES "
       "child dup3()ed a pipe's end onto the memfd number N",
       "A FIFO takes no O_DIRECT open: do_dentry_open(), -EINVAL.")
def xw_files_pipe(adv: Adversary) -> None:
    """1. A clone(CLONE_FILES|SIGCHLD) child dup3()s a pipe's read end B onto N, a memfd's
    number in the shared table, and exits; the program reaps it and opens
    /proc/self/fd/N O_RDONLY|O_DIRECT.
    2. The kernel serves it as dup(N) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux: copy_files() shares the files_struct, so the child's dup3() (do_dup2()) put the
    pipe at N in the program's own table; do_dentry_open(): -EINVAL.  (qemu-user refuses
    a clone(CLONE_FILES) without CLONE_VM: the steps do not run there.)"""
    _dup(adv, P_FILESPIPE)


@_iago("XW-017", "Answer splice() of 8 bytes into M3 after a CLONE_FILES child dup3()ed an "
       "O_APPEND reopen of it onto M3's number 8",
       "An O_APPEND output: do_splice(), -EINVAL.")
def xw_files_append(adv: Adversary) -> None:
    """1. A clone(CLONE_FILES|SIGCHLD) child opens /proc/self/fd/M3 O_RDWR|O_APPEND and
    dup3()s it onto M3's number in the shared table, and exits; the program reaps it and
    splice()s 8 bytes from a pipe into M3.
    2. The kernel answers 8 (served as getpid()).
    3. The program sees 8: index -4, secret bytes 0..7.
    Linux: copy_files() shares the table; M3 names the appending open file now;
    do_splice(): -EINVAL (qemu-user refuses this clone: not run there)."""
    _moved(adv, "splice", P_FILESAPP, 8)


@_iago("XW-018", "Serve a fork child's O_DIRECT open of \"A\" from a working directory set "
       "by fchdir() to the parent's /proc/self/fd descriptor as dup(A)",
       "A FIFO takes no O_DIRECT open: do_dentry_open(), -EINVAL.")
def xw_fork_cwd_direct(adv: Adversary) -> None:
    """1. In the fork child of XW-014, fchdir(D) (the parent's fd directory) and openat(
    AT_FDCWD, "A", O_RDONLY|O_DIRECT), A a pipe's read end in both tables.
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. The child sees a descriptor: index -4, secret bytes 0..7.
    Linux: the working directory is D's path (set_fs_pwd()), the parent's fd directory;
    proc_fd_link() its pipe; do_dentry_open(): -EINVAL (qemu-user on this host)."""
    _dup_child(adv, P_FORKCWDDIRECT)


@_iago("XW-021", "Serve a fork child's O_DIRECT open of /proc/<parent>/fd/A, A a pipe's end "
       "in both, as dup(A)", "A FIFO takes no O_DIRECT open: do_dentry_open(), -EINVAL.")
def xw_fork_ppid_direct(adv: Adversary) -> None:
    """1. In the fork child of XW-014 (the parent waits in wait4()), openat(
    "/proc/<parent>/fd/A", O_RDONLY|O_DIRECT), A a pipe's read end in both tables.
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. The child sees a descriptor: index -4, secret bytes 0..7.
    Linux: proc_fd_link() reaches the parent's pipe; do_dentry_open(): -EINVAL (qemu-user
    on this host)."""
    _dup_child(adv, P_FORKPPIDDIRECT)
