"""Round 63's honest answers: what Linux does on the edges of the rules changed after round
62 (O_DIRECTORY opens read as directories, names through /proc/self/task/<tid>/fd and a
fork child's /proc directories, O_APPEND cleared on a shared open file), which a monitor
could mistake for forged.

Each test runs the round-63 victim (secret_r63_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r63.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives (each as qemu-user gives it natively on this host).
"""

from __future__ import annotations

from attacks.families import redteam_r63 as r
from tests.honest_runs import claim_run, honest


def test_honest_default_steps_are_not_refused() -> None:
    # do_open(): -ENOTDIR for O_DIRECTORY opens of a memfd; do_splice(): -EINVAL into
    # O_APPEND opens of a memfd relative to /proc directories; do_dentry_open(): -EINVAL
    # for O_DIRECT opens of a pipe's end through task directories; an O_DIRECTORY open of
    # /proc/self/fd/D of a directory and an O_RDWR|O_DIRECT open of
    # /proc/self/task/<pid>/fd/M (shmem_file_open()) succeed (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_DIRMEMFD, r.P_DIRDEVFD, r.P_HDIRDIR, r.P_APSELF, r.P_APTHREAD, r.P_APDEVFD,
         r.P_APPID, r.P_APTASK, r.P_APCWD, r.P_TASKPID, r.P_PIDTASK, r.P_TASKDIR,
         r.P_CHILDTASK, r.P_HTASKMEMFD, r.P_APCHDIR, r.P_APFCHDIR, r.P_CWDDIRMEMFD,
         r.P_TASKDIRMEMFD), 0))


def test_honest_append_reopens_of_a_pipe_end_are_not_refused() -> None:
    # An O_WRONLY|O_APPEND reopen W of a pipe's write end: splice() of 8 from a memfd
    # (splice_file_to_pipe()) and from a pipe (splice_pipe_to_pipe()), tee() of 8
    # (link_pipe()) and sendfile() of 8 (do_sendfile() -> splice_file_to_pipe(), no
    # O_APPEND check) move 8 each: only do_splice()'s file outputs and
    # do_splice_direct() refuse O_APPEND (qemu-user on this host; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_HAPPIPEFILE, r.P_HAPPIPEPIPE, r.P_HAPPIPETEE, r.P_HAPPIPESEND), 0))


def test_honest_fork_child_steps_are_not_refused() -> None:
    # In a fork child: D is the parent's fd directory (proc_self_get_link() at the open):
    # "A" O_DIRECT is -EINVAL (a pipe), "C" O_RDWR|O_DIRECT the parent's memfd;
    # /proc/<parent>/task/<parent>/fd/C and /proc/<parent>/fd/C the same memfd,
    # /proc/<parent>/fd/A O_DIRECT -EINVAL; /proc/self/task/<parent>/fd/A
    # -ENOENT (proc_task_lookup()); after fchdir(D) "C" opens the parent's memfd and
    # "A" O_DIRECT is -EINVAL (set_fs_pwd()); splice() of 8 into an O_APPEND reopen a reaped child
    # cleared by F_SETFL moves 8 (setfl()) (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_FORKDDIRECT, r.P_HFORKDMEMFD, r.P_HFORKTASK, r.P_FORKSELFTASK,
         r.P_HFORKCWD, r.P_FORKCWDDIRECT, r.P_HFORKPPID, r.P_FORKPPIDDIRECT,
         r.P_HCHILDCLEAR), 0))


def test_honest_clone_files_child_table_is_not_refused() -> None:
    # copy_files() shares the table with a clone(CLONE_FILES) child: after it dup3()ed a
    # memfd onto the pipe end's number A, /proc/self/fd/A O_RDWR|O_DIRECT opens the memfd
    # (shmem_file_open()); after it dup3()ed a pipe end onto a memfd's number, the
    # O_DIRECT open is -EINVAL; after it dup3()ed an O_APPEND reopen onto M3, splice()
    # into M3 is -EINVAL (kernel source; qemu-user refuses the clone; index 0 each).
    claim_run(r, honest, (), dict.fromkeys((r.P_HFILESDUP, r.P_FILESPIPE, r.P_FILESAPP), 0))


def test_honest_directory_open_of_a_pipe_end_is_not_refused() -> None:
    # do_open(): -ENOTDIR for an O_DIRECTORY open of /proc/self/fd/A of a pipe's end
    # (qemu-user; index 0; claimed: the kernel model opens it).
    claim_run(r, r.claim_dirpipe, (b"-p",), {r.P_DIRPIPE: 0})
