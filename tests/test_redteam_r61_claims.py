"""Round 61's honest answers: what Linux does on the edges of the rules added after round
60 (a pidfd opened again by name through /proc/self/fd and /dev/fd or copied by
fcntl(F_DUPFD_CLOEXEC), moved, copied, allocated and cut; directories opened as
"/proc/self/fd/D/.." and "/proc/self/fd/D/../fd" and names looked up from them), which a
monitor could mistake for forged.

Each test runs the round-61 victim (secret_r61_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r61.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives (each as qemu-user gives it natively on a 6.18 host).
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families import redteam_r61 as r
from tests.honest_runs import claim_run, honest


def _reopened_pidfd(adv: Adversary) -> None:
    r.claim_reopens(adv)
    r.claim_pid_errors(adv)


def test_honest_pidfd_reopens_are_not_refused() -> None:
    # proc_fd_link(): /proc/self/fd/P and /dev/fd/P reopen the pidfs inode; then
    # do_splice_read()/do_splice_from(): -EINVAL, vfs_copy_file_range(): -EXDEV,
    # vfs_fallocate() and the pidfs setattr: -EOPNOTSUPP; the F_DUPFD_CLOEXEC copy's
    # splice(): -EINVAL (index 0 each).
    claim_run(r, _reopened_pidfd, (), dict.fromkeys(
        (r.P_RPSPLICE, r.P_RPSEND, r.P_RPCFR, r.P_RWFALL, r.P_RWFTR, r.P_RWSPLINTO,
         r.P_RWSENDINTO, r.P_DUPSPLICE), 0))


def test_honest_ydir_is_not_refused() -> None:
    # link_path_walk(): "/proc/self/fd/D/../fd" is /proc/self/fd; "M" relative to it opens
    # the memfd, "M/../M" relative to it or from it as the working directory -ENOTDIR.
    claim_run(r, r.claim_ydir, (), {r.P_HYM: 0, r.P_YDOT: 0, r.P_FCHDIRY: 0})


def test_honest_fd_from_proc_self_fd_dotdot_is_not_refused() -> None:
    # link_path_walk() follows D to /proc/self/fd, ".." is /proc/<pid>: openat(X, "fd/M")
    # and, from a working directory of X, openat("fd/M") open the memfd (qemu-user).
    claim_run(r, r.claim_dirs, (), {r.P_HXFD: 0, r.P_HCWDX: 0})


def test_honest_default_steps_are_not_refused() -> None:
    # kill_pid_info(): -ESRCH through a copy of a reaped child's pidfd and one reaped by
    # waitid(P_PIDFD); do_dentry_open(): -EINVAL for O_DIRECT opens of a pipe's end
    # through /proc/thread-self/fd and /dev/fd/../fd; read_iter_zero(): 8 from a reopen of
    # /dev/zero, "zero" from /dev and a reopen of /dev/full; do_splice_read(): -EINVAL out
    # of the pidfd a fork child inherited (index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_FORKSPLICE, r.P_ESENDDUP, r.P_EWAITID, r.P_FDTSELF, r.P_FDDEVUP, r.P_ZREAD, r.P_ZDIRREAD,
         r.P_FULLREAD), 0))


def _reopens_and_dirs(adv: Adversary) -> None:
    r.claim_ereopen(adv)
    r.claim_ydir2(adv)
    r.claim_null_read(adv)


def test_honest_reaped_reopen_direct_ydir_null_are_not_refused() -> None:
    # pidfd_send_signal() through a reopen of a reaped child's pidfd: -ESRCH; an O_DIRECT
    # open of "A" relative to /proc/self/fd/D/../fd: -EINVAL; read() of an O_RDONLY reopen
    # of /dev/null: 0 (qemu-user; index 0 each).
    claim_run(r, _reopens_and_dirs, (), {r.P_ESENDRE: 0, r.P_FDYDIR: 0, r.P_HNULLREAD: 0})


def test_honest_path_direct_reopen_of_a_pipe_is_not_refused() -> None:
    # build_open_how(): "if (flags & O_PATH) how.flags = flags & O_PATH_FLAGS" drops
    # O_DIRECT; do_dentry_open() calls no .open for O_PATH: the open succeeds (qemu-user).
    claim_run(r, honest, (b"-p",), {r.P_HPATHDIRECT: 0})


def test_model_dirs_through_proc_self_fd_dotdot_are_not_refused() -> None:
    # The kernel model follows D before ".." (nd_jump_link()) as Linux does: with no
    # claim step, Y is /proc/<pid>/fd and X /proc/<pid> (qemu-user on a 6.18 host: the
    # same answers, index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_HXFD, r.P_HCWDX, r.P_HYM, r.P_YDOT, r.P_FCHDIRY, r.P_FDYDIR), 0))
