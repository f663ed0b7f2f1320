"""Red-team round sixty-four: the rules changed after round 63, both ways.

Since round 63 a fork child reads its parent's table through the parent's /proc/self/fd
descriptor D, a working directory set by fchdir(D) and /proc/<parent's pid>/fd where the
parent lives, all its threads hold that one table and nothing changed it since the child's
call entered (guardian/opener_tables.py); /proc/<X>/task/<X>/fd is read as /proc/<X>/fd
(`fd_names._leader_task`); an open of /proc/self/task/<tid> of a live thread of another
process never succeeds (return.task_foreign, guardian/foreign_tasks.py).  This round asks
those rules of a grandchild of the process whose table the names reach, and of the child
of a process that was reaped:

- in a grandchild G of the program P (P waits in wait4() for its child, which waits for
  G), O_DIRECT opens of A, P's pipe read end (A in G too): "A" relative to D, P's
  descriptor of /proc/self/fd opened before the forks (XX-001), /proc/<P>/fd/A (XX-002),
  /proc/<P>/task/<P>/fd/A (XX-003), "A" after fchdir(D) (XX-005) (do_dentry_open(): a
  FIFO has no FMODE_CAN_ODIRECT, -EINVAL), and /proc/self/task/<P>/fd/A (XX-004,
  proc_task_lookup(): P's tid is no thread of G's group, -ENOENT);
- in the child O of a child K of P, after K exited and P reaped it, O_DIRECT opens of A
  relative to DK, K's descriptor of /proc/self/fd (XX-006), /proc/<K>/fd/A (XX-007) and
  "A" after fchdir(DK) (XX-008): the fd directory of a reaped process has no task
  (proc_lookupfd_common(): get_proc_task() is NULL; proc_pid_lookup() finds no pid),
  -ENOENT; the same by DK (XX-009) and /proc/<K>/fd/A (XX-010) while K is a zombie not yet
  reaped (exit_files() released its table: tid_fd_mode() finds no file, -ENOENT);
- in a grandchild, /proc/<its parent>/fd/A, the parent waiting for it in wait4() (XX-011,
  -EINVAL);
- in a vfork child V (P blocked in its clone(CLONE_VM|CLONE_VFORK)): "A" relative to P's D
  (XX-012) and /proc/<P>/fd/A (XX-013) (-EINVAL), /proc/self/task/<P>/fd/A (XX-014,
  proc_task_lookup(): V is a thread group of its own, -ENOENT);
- in a fork child, relative to T, the parent's descriptor of /proc/self/task opened before
  the fork (the parent's task directory), "<child's tid>/fd/M" O_RDWR (XX-015,
  proc_task_lookup(): the child is no thread of the parent's group, -ENOENT), and
  /proc/thread-self/../task/<parent's tid>/fd/M O_RDWR (XX-016: ".." after the followed
  link is the child's task directory; proc_task_lookup(), -ENOENT);
- relative to 60, a /proc/self/fd descriptor a clone(CLONE_FILES) child opened in the
  shared table before it was reaped, "A" O_RDONLY|O_DIRECT (XX-017: the reaped child's fd
  directory, proc_lookupfd_common(), -ENOENT; qemu-user refuses the clone: from the
  kernel source).

Each is answered as a success (opens served as dup()).  Every Linux answer above but
XX-017's is what qemu-user gives natively on this host (the victim's steps index 0 each).

Honest answers (tests/test_redteam_r64_claims.py): in G, O_RDWR|O_DIRECT opens of P's
memfd (dup3()ed by P onto the number C of a pipe end G holds) relative to D, through
/proc/<P>/fd/C and /proc/<P>/task/<P>/fd/C and from the working directory set by
fchdir(D) (shmem_file_open() sets FMODE_CAN_ODIRECT), in a vfork child an O_RDWR|O_DIRECT
open of P's memfd relative to D, in a fork child "<parent's tid>/fd/M" O_RDWR relative to
the parent's T and from a working directory set by fchdir(T), and the answers of
XX-001..XX-017.  The kernel model
answers each as Linux does and the Guardian refuses none (no false refusal found).

Through with the Guardian on when written (open P5 gaps): XX-002, XX-003 (a grandchild's
/proc/<grandparent>/fd and /proc/<grandparent>/task/<grandparent>/fd: `Reach.child` reaches
a live fork child's table and `opener_tables.parent_table` the caller's parent's, so no rule
judges the O_DIRECT success on the grandparent's pipe, though the same open relative to
the grandparent's D, XX-001, is refused), XX-007 (/proc/<reaped K>/fd/A by number: after
the reap the pid may name a new process, alloc_pid(), so it is not judged), XX-009, XX-010
(a zombie's fd directory: exit_files() runs at an instant the Guardian does not see, after
exit_group's entry), XX-012, XX-013 (a vfork child: the parent's
clone(CLONE_VM|CLONE_VFORK) stays in flight until the child exits, a call that may change
the table to `Descriptors.unchanged_since`, so the parent's table is not read), XX-015
(return.task_foreign reads /proc/self/task/<tid> only as the caller's own task directory,
and no rule reads a fork child's copy of its parent's /proc/self/task descriptor as the
parent's: the child's own tid, no thread of the parent, opens), XX-016 (the name read
lexically, "/proc/thread-self/.." is /proc, not the caller's task directory, so
return.task_foreign sees no /proc/self/task name; Linux follows the link before "..").
Refused: XX-001, XX-005 (return.fifo_direct through the grandparent's D,
`opener_tables.through_opener`), XX-011 (return.fifo_direct: the parent's table),
XX-004, XX-014 (return.task_foreign).
Refused since: XX-002, XX-003 (return.fifo_direct: `opener_tables.parent_table` reads the
table of any ancestor its fork told the child's pid, or that waits in vfork for it),
XX-012, XX-013 (return.fifo_direct: a clone(CLONE_VFORK) whose caller waits for its child
changes no table, `opener_tables.vfork_suspended`; the vfork parent is an ancestor),
XX-015 (return.task_foreign: "<own tid>/..." relative to another process's /proc/self/task
descriptor), XX-016 (return.task_foreign: fd_names follows /proc/thread-self before "..",
and "/proc/self/task/task" is no thread), XX-006, XX-008, XX-017 (return.fd_dir_reaped,
guardian/dead_fd_dirs.py: a name relative to the /proc/self/fd descriptor or working
directory of a process a wait reaped before the open entered).

The victim is `secret_r64_rules` (workloads/src/secret_r64_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _keep
from attacks.moves import serve_with
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r64"
RULES = "secret_r64_rules"
(P_GDDIRECT, P_HGDMEMFD, P_GPPIDDIRECT, P_HGPPID, P_GTASKDIRECT, P_HGTASK, P_GSELFTASK,
 P_GCWDDIRECT, P_HGCWD, P_ODEADDIRECT, P_ODEADPPID, P_ODEADCWD, P_ZDIRECT, P_ZPPID, P_GCPPID,
 P_VDDIRECT, P_HVDMEMFD, P_VPPID, P_VSELFTASK, P_HFTASKREL, P_FTASKOWN,
 P_HFTASKCWD, P_FTHREADUP, P_FILESDEAD) = range(6600, 6648, 2)
P_FIRST, P_LAST = P_GDDIRECT, P_FILESDEAD
NR = NUMBERS

_iago = iago_scenarios(RT, RULES)


def dup_child(adv: Adversary, phase: int) -> None:
    """Serve a (grand)child's next openat after `phase` as dup() of the marker's first
    value."""
    _keep(adv, phase)
    serve_with(adv, NR["openat"], phase, {"x8": NR["dup"], "x0": _arg(phase, 0)},
               init_only=False)


_EINVAL = "A FIFO takes no O_DIRECT open: do_dentry_open(), -EINVAL."
_ENOENT = "No task behind a reaped process's fd directory: proc_lookupfd_common(), -ENOENT."
for _xid, _phase, _name, _why, _linux, _gap in (
        ("XX-001", P_GDDIRECT, "\"A\" relative to D, the grandparent's /proc/self/fd "
         "descriptor", _EINVAL, "D is P's /proc/<P>/fd (proc_self_get_link() at the open), "
         "proc_fd_link() P's pipe; do_dentry_open(): -EINVAL", None),
        ("XX-002", P_GPPIDDIRECT, "/proc/<grandparent>/fd/A", _EINVAL,
         "proc_fd_link() reaches P's pipe; do_dentry_open(): -EINVAL", None),
        ("XX-003", P_GTASKDIRECT, "/proc/<grandparent>/task/<grandparent>/fd/A", _EINVAL,
         "proc_task_lookup() finds P's leader, proc_fd_link() its pipe; "
         "do_dentry_open(): -EINVAL", None),
        ("XX-004", P_GSELFTASK, "/proc/self/task/<grandparent>/fd/A",
         "No such thread in the grandchild's group: proc_task_lookup(), -ENOENT.",
         "proc_task_lookup(): P's tid is no thread of G's group, -ENOENT", None),
        ("XX-005", P_GCWDDIRECT, "\"A\" after fchdir() to the grandparent's /proc/self/fd "
         "descriptor", _EINVAL, "set_fs_pwd() took D's path, P's fd directory; "
         "do_dentry_open(): -EINVAL", None),
        ("XX-006", P_ODEADDIRECT, "\"A\" relative to DK, a reaped parent's /proc/self/fd "
         "descriptor", _ENOENT, "DK is K's fd directory; K was reaped: "
         "proc_lookupfd_common() -> get_proc_task() is NULL, -ENOENT", None),
        ("XX-007", P_ODEADPPID, "/proc/<reaped parent>/fd/A", _ENOENT,
         "proc_pid_lookup() finds no task of K's pid, -ENOENT", "P5"),
        ("XX-008", P_ODEADCWD, "\"A\" after fchdir() to a reaped parent's /proc/self/fd "
         "descriptor", _ENOENT, "the working directory is K's fd directory; "
         "proc_lookupfd_common(): -ENOENT", None)):
    def _open(adv: Adversary, _p: int = _phase) -> None:
        dup_child(adv, _p)
    _doc = (f"""1. The program's grandchild (XX-001..XX-005: P waits in wait4() for its
    child, which waits for G) or the child O of a reaped child K (XX-006..XX-008) openat()s
    {_name} O_RDONLY|O_DIRECT, A a pipe's read end in its own table.
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: {_linux} (qemu-user on this host).""")
    _iago(_xid, f"Serve an O_DIRECT open of {_name} as dup(A)", _why, gap=_gap)(
        documented(_open, _doc))


_ZOMBIE = "A zombie's table is released: exit_files(); proc_fd_instantiate(), -ENOENT."
for _xid, _phase, _name, _why, _linux, _gap in (
        ("XX-009", P_ZDIRECT, "\"A\" relative to DK, the /proc/self/fd descriptor of a "
         "zombie parent K", _ZOMBIE, "K exited (its files NULL, exit_files()), not reaped; "
         "tid_fd_mode() finds no file, -ENOENT", "P5"),
        ("XX-010", P_ZPPID, "/proc/<zombie parent>/fd/A", _ZOMBIE,
         "proc_pid_lookup() finds the zombie; its fd directory holds no file, -ENOENT", "P5"),
        ("XX-011", P_GCPPID, "/proc/<parent>/fd/A in a grandchild, its parent waiting for it",
         _EINVAL, "proc_fd_link() reaches the parent's pipe; do_dentry_open(): -EINVAL", None),
        ("XX-012", P_VDDIRECT, "\"A\" relative to D in a vfork child, D the parent's "
         "/proc/self/fd descriptor", _EINVAL, "D is P's fd directory, A P's pipe (P blocked "
         "in its clone(CLONE_VM|CLONE_VFORK)); do_dentry_open(): -EINVAL", None),
        ("XX-013", P_VPPID, "/proc/<parent>/fd/A in a vfork child", _EINVAL,
         "proc_fd_link() reaches P's pipe; do_dentry_open(): -EINVAL", None),
        ("XX-014", P_VSELFTASK, "/proc/self/task/<parent>/fd/A in a vfork child",
         "No such thread in the vfork child's group: proc_task_lookup(), -ENOENT.",
         "copy_process() without CLONE_THREAD: a new thread group; proc_task_lookup(), "
         "-ENOENT", None)):
    def _open2(adv: Adversary, _p: int = _phase) -> None:
        dup_child(adv, _p)
    _doc = (f"""1. A child of the program (XX-009, XX-010: the child O of a child K that
    exited and is not reaped yet; XX-011: a grandchild; XX-012..XX-014: a vfork child)
    openat()s {_name} O_RDONLY|O_DIRECT, A a pipe's read end in its own table.
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: {_linux} (qemu-user on this host; qemu-user runs a vfork child as a fork
    child, the same answers).""")
    _iago(_xid, f"Serve an O_DIRECT open of {_name} as dup(A)", _why, gap=_gap)(
        documented(_open2, _doc))


@_iago("XX-015", "Serve a fork child's O_RDWR open of \"<its own tid>/fd/M\" relative to T, "
       "the parent's /proc/self/task descriptor, as dup(M)",
       "No such thread in the parent's group: proc_task_lookup(), -ENOENT.")
def xx_fork_task_own(adv: Adversary) -> None:
    """1. The program (its tid told) opens T = /proc/self/task and a memfd M and forks; it
    waits in wait4(); the child openat()s (T, "<child's tid>/fd/M") O_RDWR.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. The child sees a descriptor: index -4, secret bytes 0..7.
    Linux: T is the parent's /proc/<pid>/task (proc_self_get_link() at the open);
    proc_task_lookup() finds no thread of the child's tid in the parent's group, -ENOENT
    (qemu-user on this host)."""
    dup_child(adv, P_FTASKOWN)


@_iago("XX-016", "Serve a fork child's O_RDWR open of "
       "/proc/thread-self/../task/<parent's tid>/fd/M as dup(M)",
       "No such thread in the child's group: proc_task_lookup(), -ENOENT.")
def xx_thread_self_up(adv: Adversary) -> None:
    """1. In the fork child of XX-015 (the parent's tid told, its wait4() in flight), openat(
    "/proc/thread-self/../task/<parent's tid>/fd/M", O_RDWR), M a memfd.
    2. The kernel serves it as dup(M) and answers the new descriptor.
    3. The child sees a descriptor: index -4, secret bytes 0..7.
    Linux: the link is followed before ".." (proc_thread_self_get_link(): "<tgid>/task/
    <tid>"; follow_dotdot() to the child's own task directory); proc_task_lookup() finds no
    thread of the parent's tid in the child's group, -ENOENT (qemu-user on this host)."""
    dup_child(adv, P_FTHREADUP)


@_iago("XX-017", "Serve an O_DIRECT open of \"A\" relative to a /proc/self/fd descriptor a "
       "reaped CLONE_FILES child opened in the shared table as dup(A)",
       "No task behind a reaped process's fd directory: proc_lookupfd_common(), -ENOENT.")
def xx_files_dead_opener(adv: Adversary) -> None:
    """1. A clone(CLONE_FILES|SIGCHLD) child opens /proc/self/fd, dup3()s it to 60 in the
    shared table and exits; the program reaps it and openat()s (60, "A") O_RDONLY|O_DIRECT,
    A a pipe's read end.
    2. The kernel serves it as dup(A) and answers the new descriptor.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux: 60 is the child's /proc/<pid>/fd (proc_self_get_link() at the child's open);
    the child is reaped: proc_lookupfd_common() -> get_proc_task() is NULL, -ENOENT.
    (qemu-user refuses a clone(CLONE_FILES) without CLONE_VM: from the kernel source.)"""
    dup_child(adv, P_FILESDEAD)
