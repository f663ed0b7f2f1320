"""Red-team round sixty-five: the rules changed after round 64, both ways.

Since round 64 return.task_foreign refuses any open of an entry of a task directory that
is no number (guardian/foreign_tasks.py), fd_names follows /proc/thread-self before "..",
and return.fd_dir_reaped (guardian/dead_fd_dirs.py) refuses a success relative to the
/proc/self/fd descriptor of a process a wait reaped.  This round asks those rules of
names that look like numbers but are none to proc's name_to_int(), of ".." after a /proc
link and of processes reaped in other ways or whose fd directory was opened by another
name:

- in the program (its tid T told, M a memfd), O_RDWR opens of
  /proc/self/task/0<T>/fd/M (XZ-001: name_to_int() takes no leading zero),
  /proc/self/task/<T + 2^32>/fd/M (XZ-002: name_to_int() overflows to ~0U, no such task),
  /proc/self/task/+<T>/fd/M (XZ-003), /proc/self/fd/0<M> (XZ-004:
  proc_lookupfd_common() -> name_to_int(), no leading zero), /proc/self/fd/<M + 2^32>
  (XZ-005: ~0U, no such descriptor), /proc/self/task/<T>/fd/0<M> (XZ-008), and T and M
  written in Arabic-Indic digits (XZ-012, XZ-013: name_to_int() takes only '0'..'9'),
  each -ENOENT; /proc/self/fd/M/ (XZ-020) and /proc/self/task/<T>/fd/M/. (XZ-021):
  the memfd followed by a slash, -ENOTDIR;
- in the child O of a child K of the program, after K exited: "A" O_RDONLY|O_DIRECT
  relative to DK, K's descriptor of /proc/self/fd, K reaped at its exit because the
  program ignores SIGCHLD (XZ-006: exit_notify()'s autoreap) or sets SA_NOCLDWAIT
  (XZ-022), by waitid(P_PIDFD,
  pidfd_open(K), WEXITED) (XZ-007) or by wait4(-1) (XZ-014); DK K's /proc/thread-self/fd
  (XZ-009) or /proc/<K>/fd (XZ-010), K reaped by wait4(K); K an orphan re-parented to the
  program (PR_SET_CHILD_SUBREAPER) and reaped by its wait4(-1) (XZ-015):
  proc_lookupfd_common() -> get_proc_task() is NULL, -ENOENT; and "fd/A" relative to K's
  /proc/self descriptor (XZ-011: proc_pid_permission(), -ESRCH); DK K's
  /proc/self/task/<K>/fd (XZ-016), K reaped by wait4(K), -ENOENT;
- in a fork child G of the program, the program's table shared with a clone(CLONE_FILES)
  child, /proc/<program>/fd/A O_RDONLY|O_DIRECT (XZ-017, -EINVAL: a pipe); in a vfork
  child's vfork child, "A" relative to the program's /proc/self/fd descriptor (XZ-018) and
  /proc/<program>/fd/A (XZ-019) O_RDONLY|O_DIRECT, -EINVAL.

Each is answered as a success (opens served as dup()).  Every Linux answer above is what
qemu-user gives natively on this host (the victim's steps index 0 each), XZ-015's aside
(qemu-user refuses PR_SET_CHILD_SUBREAPER: from the kernel source) and XZ-017's
(qemu-user refuses a clone(CLONE_FILES) without CLONE_VM: from the kernel source).

Honest answers (tests/test_redteam_r65_claims.py): /proc/thread-self/../<T>/fd/M,
/proc/thread-self/../../task/<T>/fd/M, /proc/thread-self/.. (O_DIRECTORY),
/proc/self/task/<T>/../<T>/fd/M and "<T>/fd/M" relative to the program's own
/proc/self/task descriptor all open (the caller's own thread); in O, "M" relative to
DK = openat(PS, "fd") that K opened, PS the program's /proc/self descriptor, after K is
reaped, opens the program's memfd (DK is the live program's fd directory), and so does
"M" relative to K's openat(AT_FDCWD, "fd") from the working directory /proc/self it took
from the program; /proc/<pid>/task/<T>/fd/M opens; G's /proc/<program>/fd/M
O_RDWR|O_DIRECT opens (the table shared with a CLONE_FILES child); and the answers of
XZ-001..XZ-022.  The kernel model answered XZ-011's "fd/A" with -ENOENT when written
(claim_self_dead answers as Linux does); it answers -ESRCH since (procfs.pid_dir_gone).
It answered /proc/thread-self/../../task/<T>/fd/M and /proc/self/cwd/../task/foo with
-ENOENT when written; it follows the link before ".." since (kernel_model/syscalls/fs.py
`_linked_abs`), as qemu-user does.

Through with the Guardian on when written, refused since: XZ-001, XZ-002, XZ-012 (the
task entry was read by Python's int(): a leading zero, a number past UINT_MAX and other
scripts' digits made the caller's own tid, or no live thread, so no rule judged; every
/proc pid, task id and descriptor is read by Linux's name_to_int() now,
guardian/proc_numbers.py: return.task_foreign); XZ-006, XZ-022 (an autoreap had no wait
report), XZ-009, XZ-010, XZ-011, XZ-016 (return.fd_dir_reaped read only /proc/self/fd and
/dev/fd descriptors), XZ-015 (a re-parented orphan's reap named a pid the Guardian did not
know as the program's child), XZ-017 (`opener_tables.parent_table` read no table another
process shares): how each is refused since is listed below.
Refused: XZ-003 (return.task_foreign), XZ-004, XZ-005, XZ-008, XZ-013, XZ-020, XZ-021,
XZ-007, XZ-014 (return.fd_dir_reaped), XZ-018, XZ-019 (return.fifo_direct through the
vfork ancestors).
Refused since: XZ-006, XZ-022 (return.fd_dir_reaped: the program's wait4(K) answering
-ECHILD, K a SIGCHLD child eligible to it, says K is gone: guardian/wait_reaped.gone_pid),
XZ-009, XZ-010, XZ-011, XZ-016 (return.fd_dir_reaped: /proc/self, /proc/thread-self,
/proc/self/task/<tid>, /proc/<its told pid>, with or without "/fd", name the opener for
good: dead_fd_dirs.names_opener), XZ-015 (return.fd_dir_reaped: a reap of a pid another
process was told of ends that process: wait_reaped.adopted), XZ-017 (return.fifo_direct:
/proc/<its own told pid>/fd reads a table a CLONE_FILES child shares, no holder's call
that may change it in flight).

False refusals when written (xfail), let through since: "/proc/self/cwd/../task/foo" and
openat(CW, "../task/foo"), CW a descriptor of /proc/self/cwd (only with -w), both
/tmp/r65t/task/foo on Linux (the link followed before ".."), were read lexically as
/proc/self/task/foo and refused by return.task_foreign; a ".." after a /proc link (cwd,
root, exe, fd/N, map_files, ns: guardian/proc_links.py) now leaves a name the Guardian
does not read as a /proc one.

The victim is `secret_r65_rules` (workloads/src/secret_r65_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _keep
from attacks.moves import serve_as_getpid, serve_with
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r65"
RULES = "secret_r65_rules"
(P_ZEROTID, P_BIGTID, P_PLUSTID, P_ZEROFD, P_BIGFD, P_HTSUP, P_HTSUP2, P_HTSDIR, P_HTASKUP,
 P_IGNDEAD, P_PIDFDDEAD, P_HSPACE, P_ZEROTFD, P_TSDEAD, P_PIDDEAD, P_SELFDEAD,
 P_HCWDUP, P_UNITID, P_UNIFD, P_ANYDEAD, P_ORPHDEAD, P_HPARENTFD, P_HCWDFD, P_HCWDSELF,
 P_TASKDEAD, P_SHAREDPPID, P_HSHAREDPPID, P_NVDDIRECT, P_NVPPID, P_SLASHFD,
 P_TDOTFD, P_NOCLDDEAD, P_HPIDTASK) = range(6800, 6866, 2)
P_FIRST, P_LAST = P_ZEROTID, P_HPIDTASK
NR = NUMBERS
MASK64 = (1 << 64) - 1
ESRCH = 3

_iago = iago_scenarios(RT, RULES)


def dup_open(adv: Adversary, phase: int) -> None:
    """Serve the next openat after `phase` (in whichever process makes it) as dup() of the
    marker's first value."""
    _keep(adv, phase)
    serve_with(adv, NR["openat"], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)},
               init_only=False)


_GAPS: dict[str, str | None] = {}    # (every gap of the round is closed)
for _xid, _phase, _name, _why, _linux in (
        ("XZ-001", P_ZEROTID, "/proc/self/task/0<own tid>/fd/M",
         "No task entry with a leading zero: proc_task_lookup() -> name_to_int(), -ENOENT.",
         "name_to_int() takes no number with a leading zero; proc_task_lookup(): -ENOENT"),
        ("XZ-002", P_BIGTID, "/proc/self/task/<own tid + 2^32>/fd/M",
         "A task entry past UINT_MAX is ~0U: proc_task_lookup(), -ENOENT.",
         "name_to_int() overflows to ~0U; find_task_by_pid_ns() finds none, -ENOENT"),
        ("XZ-003", P_PLUSTID, "/proc/self/task/+<own tid>/fd/M",
         "A task entry that is no number: proc_task_lookup() -> name_to_int(), -ENOENT.",
         "name_to_int() takes no sign; proc_task_lookup(): -ENOENT"),
        ("XZ-004", P_ZEROFD, "/proc/self/fd/0<M>",
         "No fd entry with a leading zero: proc_lookupfd_common() -> name_to_int(), -ENOENT.",
         "name_to_int() takes no leading zero; proc_lookupfd_common(): -ENOENT"),
        ("XZ-005", P_BIGFD, "/proc/self/fd/<M + 2^32>",
         "An fd entry past UINT_MAX is ~0U: proc_lookupfd_common(), -ENOENT.",
         "name_to_int() overflows to ~0U; tid_fd_mode() finds no file, -ENOENT"),
        ("XZ-008", P_ZEROTFD, "/proc/self/task/<own tid>/fd/0<M>",
         "No fd entry with a leading zero: proc_lookupfd_common() -> name_to_int(), -ENOENT.",
         "name_to_int() takes no leading zero; proc_lookupfd_common(): -ENOENT"),
        ("XZ-012", P_UNITID, "/proc/self/task/<own tid in Arabic-Indic digits>/fd/M",
         "A task entry that is no number: proc_task_lookup() -> name_to_int(), -ENOENT.",
         "name_to_int() takes only '0'..'9' (U+0660.. are no digits to it); "
         "proc_task_lookup(): -ENOENT"),
        ("XZ-013", P_UNIFD, "/proc/self/fd/<M in Arabic-Indic digits>",
         "An fd entry that is no number: proc_lookupfd_common() -> name_to_int(), -ENOENT.",
         "name_to_int() takes only '0'..'9'; proc_lookupfd_common(): -ENOENT")):
    def _open(adv: Adversary, _p: int = _phase) -> None:
        dup_open(adv, _p)
    _doc = (f"""1. The program (its tid told, M a memfd) openat()s {_name} O_RDWR.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: {_linux} (qemu-user on this host).""")
    _iago(_xid, f"Serve an O_RDWR open of {_name} as dup(M)", _why, gap=_GAPS.get(_xid))(
        documented(_open, _doc))


_ENOENT = "No task behind a reaped process's fd directory: proc_lookupfd_common(), -ENOENT."
for _xid, _phase, _how, _linux in (
        ("XZ-006", P_IGNDEAD, "the program ignoring SIGCHLD (K reaped at its exit)",
         "exit_notify() reaps K at once (autoreap: SIGCHLD ignored); release_task() "
         "detached its pid: proc_lookupfd_common() -> get_proc_task() is NULL, -ENOENT"),
        ("XZ-007", P_PIDFDDEAD, "waitid(P_PIDFD, pidfd_open(K), WEXITED) reaping K",
         "waitid(P_PIDFD) reaped K (wait_task_zombie() -> release_task()): "
         "proc_lookupfd_common() -> get_proc_task() is NULL, -ENOENT"),
        ("XZ-009", P_TSDEAD, "DK K's /proc/thread-self/fd, K reaped by wait4(K)",
         "the lookup in K's task fd directory: proc_lookupfd_common() -> get_proc_task() "
         "is NULL, -ENOENT"),
        ("XZ-010", P_PIDDEAD, "DK K's /proc/<K>/fd (opened by its number), K reaped by "
         "wait4(K)", "K's fd directory, K reaped: proc_lookupfd_common() -> "
         "get_proc_task() is NULL, -ENOENT"),
        ("XZ-014", P_ANYDEAD, "K reaped by wait4(-1)",
         "wait4(-1) reaped K (wait_task_zombie() -> release_task()): "
         "proc_lookupfd_common() -> get_proc_task() is NULL, -ENOENT"),
        ("XZ-015", P_ORPHDEAD, "K a child G of the program's child that exited, G "
         "re-parented to the program (PR_SET_CHILD_SUBREAPER) and reaped by its wait4(-1)",
         "forget_original_parent() -> find_new_reaper() made the program G's parent; its "
         "wait4(-1) reaped G: proc_lookupfd_common() -> get_proc_task() is NULL, -ENOENT "
         "(qemu-user refuses PR_SET_CHILD_SUBREAPER: from the kernel source)"),
        ("XZ-022", P_NOCLDDEAD, "the program's SIGCHLD action SIG_DFL with SA_NOCLDWAIT "
         "(K reaped at its exit)", "exit_notify() reaps K at once (autoreap: "
         "SA_NOCLDWAIT); release_task() detached its pid: proc_lookupfd_common() -> "
         "get_proc_task() is NULL, -ENOENT"),
        ("XZ-016", P_TASKDEAD, "DK K's /proc/self/task/<K>/fd, K reaped by wait4(K)",
         "K's task fd directory, K reaped: proc_lookupfd_common() -> get_proc_task() is "
         "NULL, -ENOENT")):
    def _open2(adv: Adversary, _p: int = _phase) -> None:
        dup_open(adv, _p)
    _doc = (f"""1. A child K of the program opens DK = /proc/self/fd and forks O; K exits,
    {_how}; then O openat()s (DK, "A") O_RDONLY|O_DIRECT, A a pipe's read end.
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. O sees a descriptor: index -4, secret bytes 0..7.
    Linux: {_linux} (qemu-user on this host).""")
    _iago(_xid, f"Serve an O_DIRECT open of \"A\" relative to a dead K's /proc/self/fd "
          f"descriptor, {_how}, as dup(A)", _ENOENT, gap=_GAPS.get(_xid))(
        documented(_open2, _doc))


@_iago("XZ-011", "Serve an O_DIRECT open of \"fd/A\" relative to a reaped K's /proc/self "
       "descriptor as dup(A)",
       "No task behind a reaped process's /proc/<pid>: proc_pid_permission(), -ESRCH.",
       gap=_GAPS.get("XZ-011"))
def xz_self_dead(adv: Adversary) -> None:
    """1. A child K of the program opens DK = /proc/self and forks O; K exits and the
    program's wait4(K) reaps it; then O openat()s (DK, "fd/A") O_RDONLY|O_DIRECT, A a
    pipe's read end.
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. O sees a descriptor: index -4, secret bytes 0..7.
    Linux: DK is K's /proc/<K> (proc_self_get_link() at the open); the walk's
    may_lookup() -> proc_pid_permission() finds no task (get_proc_task() is NULL), -ESRCH
    (qemu-user on this host)."""
    dup_open(adv, P_SELFDEAD)


# --- answers as Linux gives them where the kernel model does not -------------------------
def claim_self_dead(adv: Adversary) -> None:
    """(claim) 1. O openat()s (DK, "fd/A"), DK a reaped K's /proc/self descriptor.
    2. The kernel answers -ESRCH: may_lookup() -> inode_permission() ->
    proc_pid_permission() finds no task (get_proc_task() is NULL) (qemu-user on this
    host; the kernel model answers -ENOENT).  3. Index 0."""
    serve_as_getpid(adv, NR["openat"], P_SELFDEAD, -ESRCH & MASK64, init_only=False)


@_iago("XZ-017", "Serve a fork child's O_DIRECT open of /proc/<parent>/fd/A as dup(A), the "
       "parent's table shared with a clone(CLONE_FILES) child",
       "A FIFO takes no O_DIRECT open: do_dentry_open(), -EINVAL.", gap=_GAPS.get("XZ-017"))
def xz_shared_parent(adv: Adversary) -> None:
    """1. The program shares its table with a clone(CLONE_FILES) child F (blocked in a
    read) and forks G; G openat()s /proc/<program>/fd/A O_RDONLY|O_DIRECT, A the
    program's pipe read end (A in G too).
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. G sees a descriptor: index -4, secret bytes 0..7.
    Linux: proc_fd_link() -> get_files_struct() of the program reaches its pipe (the table
    F shares); do_dentry_open(): -EINVAL.  (qemu-user refuses a clone(CLONE_FILES) without
    CLONE_VM: from the kernel source.)"""
    dup_open(adv, P_SHAREDPPID)


_EINVAL = "A FIFO takes no O_DIRECT open: do_dentry_open(), -EINVAL."
for _xid, _phase, _name in (
        ("XZ-018", P_NVDDIRECT, "\"A\" relative to D, the program's /proc/self/fd "
         "descriptor"),
        ("XZ-019", P_NVPPID, "/proc/<program>/fd/A")):
    def _open3(adv: Adversary, _p: int = _phase) -> None:
        dup_open(adv, _p)
    _doc = (f"""1. The program's vfork child V vforks W (the program blocked in its
    clone(CLONE_VM|CLONE_VFORK) for V, V in its own for W); W openat()s {_name}
    O_RDONLY|O_DIRECT, A the program's pipe read end (A in W too).
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. W sees a descriptor: index -4, secret bytes 0..7.
    Linux: the program's fd directory (proc_fd_link() -> get_files_struct()) reaches its
    pipe; do_dentry_open(): -EINVAL (qemu-user on this host runs a vfork child as a fork
    child: the same answer).""")
    _iago(_xid, f"Serve a nested vfork child's O_DIRECT open of {_name} as dup(A)", _EINVAL,
          gap=_GAPS.get(_xid))(documented(_open3, _doc))


for _xid, _phase, _name in (
        ("XZ-020", P_SLASHFD, "/proc/self/fd/M/"),
        ("XZ-021", P_TDOTFD, "/proc/self/task/<own tid>/fd/M/.")):
    def _open4(adv: Adversary, _p: int = _phase) -> None:
        dup_open(adv, _p)
    _doc = (f"""1. The program openat()s {_name} O_RDWR, M a memfd.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: link_path_walk() follows the fd link to the memfd (nd_jump_link()) and what
    comes after it asks for a directory: -ENOTDIR (qemu-user on this host).""")
    _iago(_xid, f"Serve an O_RDWR open of {_name} as dup(M)",
          "A memfd followed by a slash is no directory: link_path_walk(), -ENOTDIR.",
          gap=_GAPS.get(_xid))(documented(_open4, _doc))
