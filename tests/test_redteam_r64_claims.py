"""Round 64's honest answers: what Linux does on the edges of the rules changed after round
63 (a fork child reading its parent's table through /proc, /proc/<X>/task/<X>/fd read as
/proc/<X>/fd, return.task_foreign), asked of a grandchild and of the child of a reaped
process, which a monitor could mistake for forged.

Each test runs the round-64 victim (secret_r64_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r64.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives (each as qemu-user gives it natively on this host).
"""

from __future__ import annotations

from attacks.families import redteam_r64 as r
from tests.honest_runs import claim_run, honest


def test_honest_grandchild_steps_are_not_refused() -> None:
    # In a grandchild G of P: D is P's fd directory (proc_self_get_link() at the open):
    # "A" O_DIRECT is -EINVAL (a pipe), "C" O_RDWR|O_DIRECT P's memfd
    # (shmem_file_open()); /proc/<P>/fd and /proc/<P>/task/<P>/fd the same;
    # /proc/self/task/<P>/fd/A -ENOENT (proc_task_lookup()); after fchdir(D) the same
    # (set_fs_pwd()) (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_GDDIRECT, r.P_HGDMEMFD, r.P_GPPIDDIRECT, r.P_HGPPID, r.P_GTASKDIRECT,
         r.P_HGTASK, r.P_GSELFTASK, r.P_GCWDDIRECT, r.P_HGCWD), 0))


def test_honest_reaped_parent_steps_are_not_refused() -> None:
    # In the child of a reaped process K: K's fd directory, by its descriptor, its pid
    # and as a working directory, has no task: -ENOENT (proc_lookupfd_common(),
    # proc_pid_lookup()) (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys((r.P_ODEADDIRECT, r.P_ODEADPPID, r.P_ODEADCWD), 0))


def test_honest_zombie_grandchild_and_vfork_steps_are_not_refused() -> None:
    # The fd directory of a zombie (exit_files() released its table): -ENOENT by its
    # descriptor and its pid; a grandchild's /proc/<its parent>/fd/A O_DIRECT -EINVAL; in a
    # vfork child, "A" relative to the parent's D and /proc/<parent>/fd/A O_DIRECT -EINVAL,
    # "M" O_RDWR|O_DIRECT the parent's memfd, /proc/self/task/<parent>/fd/A -ENOENT
    # (proc_task_lookup()) (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_ZDIRECT, r.P_ZPPID, r.P_GCPPID, r.P_VDDIRECT, r.P_HVDMEMFD, r.P_VPPID,
         r.P_VSELFTASK), 0))


def test_honest_fork_child_parent_task_directory_is_not_refused() -> None:
    # T, the parent's descriptor of /proc/self/task (proc_self_get_link() at the open), in
    # a fork child: "<parent's tid>/fd/M" relative to T and after fchdir(T) opens the
    # parent's memfd (the parent's own thread); "<child's tid>/fd/M" is -ENOENT
    # (proc_task_lookup()), and so is /proc/thread-self/../task/<parent's tid>/fd/M (".."
    # after the followed link: the child's task directory) (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_HFTASKREL, r.P_FTASKOWN, r.P_HFTASKCWD, r.P_FTHREADUP), 0))


def test_honest_reaped_clone_files_opener_is_not_refused() -> None:
    # A /proc/self/fd descriptor a reaped clone(CLONE_FILES) child opened in the shared
    # table names the child's fd directory: "A" relative to it is -ENOENT
    # (proc_lookupfd_common(); kernel source, qemu-user refuses the clone; index 0).
    claim_run(r, honest, (), {r.P_FILESDEAD: 0})
