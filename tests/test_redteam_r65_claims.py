"""Round 65's honest answers: what Linux does on the edges of the rules changed after round
64 (return.task_foreign on entries that are no number, /proc/thread-self followed before
"..", return.fd_dir_reaped), which a monitor could mistake for forged.

Each test runs the round-65 victim (secret_r65_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r65.py where the model does not) and asserts the Guardian lets it through: no
decision, the program finishes intact, and each step indexes the label Linux's answer
gives (each as qemu-user gives it natively on this host, or from the kernel source where
qemu-user refuses the call).
"""

from __future__ import annotations

from attacks.families import redteam_r65 as r
from tests.honest_runs import claim_run, honest


def test_honest_task_and_fd_names_that_are_no_number() -> None:
    # name_to_int() takes no leading zero, no sign and nothing past UINT_MAX:
    # /proc/self/task/0<T>, /<T + 2^32>, /+<T> (proc_task_lookup()) and /proc/self/fd/0<M>,
    # /<M + 2^32>, /proc/self/task/<T>/fd/0<M> (proc_lookupfd_common()) are -ENOENT, and
    # so are both with Arabic-Indic digits (name_to_int() takes only '0'..'9');
    # /proc/self/fd/M/ and /proc/self/task/<T>/fd/M/. are -ENOTDIR (link_path_walk())
    # (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_ZEROTID, r.P_BIGTID, r.P_PLUSTID, r.P_ZEROFD, r.P_BIGFD, r.P_ZEROTFD,
         r.P_UNITID, r.P_UNIFD, r.P_SLASHFD, r.P_TDOTFD), 0))


def test_honest_own_task_directory_by_dotdot_is_not_refused() -> None:
    # /proc/thread-self is followed before "..": /proc/thread-self/../<T>/fd/M,
    # /proc/thread-self/../../task/<T>/fd/M, /proc/thread-self/.. and
    # /proc/self/task/<T>/../<T>/fd/M are the caller's own task directory, and so is "<T>/..."
    # relative to its own /proc/self/task descriptor, and /proc/<pid>/task/<T>/fd/M: each
    # opens (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_HTSUP, r.P_HTSDIR, r.P_HTASKUP, r.P_HSPACE, r.P_HPIDTASK), 0))


def test_honest_thread_self_up_up_is_not_refused() -> None:
    # /proc/thread-self/../../task/<T>/fd/M is the program's own thread's M: it opens
    # (qemu-user; the kernel model too: the link followed before ".."; index 0).
    claim_run(r, honest, (), {r.P_HTSUP2: 0})


def test_honest_cwd_link_then_dotdot_is_not_refused() -> None:
    # /proc/self/cwd is a link followed before "..": "/proc/self/cwd/../task/foo" is
    # /tmp/r65t/task/foo, no task directory; it opens (qemu-user; the kernel model too;
    # index 0).
    claim_run(r, honest, (), {r.P_HCWDUP: 0})


def test_honest_dead_openers_directories() -> None:
    # The fd directory (and /proc/<pid>) of a process that is gone: K reaped at its exit
    # (SIGCHLD ignored, or SA_NOCLDWAIT: exit_notify()), by waitid(P_PIDFD), by wait4(K) and wait4(-1), an
    # orphan re-parented to the program (PR_SET_CHILD_SUBREAPER; kernel source: qemu-user
    # refuses the prctl) reaped by its wait4(-1); their
    # /proc/self/fd, /proc/thread-self/fd and /proc/<K>/fd descriptors: -ENOENT
    # (proc_lookupfd_common()); "fd/A" from its /proc/self descriptor: -ESRCH
    # (proc_pid_permission(): the kernel model answers so too, as claim_self_dead)
    # (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_IGNDEAD, r.P_NOCLDDEAD, r.P_PIDFDDEAD, r.P_TSDEAD, r.P_PIDDEAD, r.P_ANYDEAD,
         r.P_ORPHDEAD, r.P_SELFDEAD, r.P_TASKDEAD), 0))
    claim_run(r, r.claim_self_dead, (), {r.P_SELFDEAD: 0})


def test_honest_dead_openers_name_of_a_live_parents_directory() -> None:
    # DK = openat(PS, "fd") in K, PS the program's /proc/self descriptor opened before the
    # fork: the program's fd directory (proc_self_get_link() at the program's open), so
    # after K is reaped O's openat(DK, "M", O_RDWR) opens the program's memfd
    # (qemu-user; index 0).
    claim_run(r, honest, (), {r.P_HPARENTFD: 0})


def test_honest_cwd_descriptor_then_dotdot_is_not_refused() -> None:
    # CW = openat("/proc/self/cwd", O_DIRECTORY) is the working directory itself
    # (/tmp/r65t/w): openat(CW, "../task/foo") opens /tmp/r65t/task/foo (qemu-user; the
    # step runs with -w; index 0).
    claim_run(r, honest, (b"-w",), {r.P_HCWDFD: 0})


def test_honest_working_directory_of_a_live_parent() -> None:
    # The program's working directory /proc/self is its /proc/<pid> (chdir() follows the
    # link at the call); K's openat(AT_FDCWD, "fd") is the program's fd directory, so
    # after K is reaped O's openat(DK, "M", O_RDWR) opens the program's memfd; DK K's
    # /proc/self/task/<K>/fd, K reaped: -ENOENT (qemu-user; index 0 each).
    claim_run(r, honest, (), {r.P_HCWDSELF: 0, r.P_TASKDEAD: 0})


def test_honest_parent_table_shared_with_a_clone_files_child() -> None:
    # The program's table shared with a clone(CLONE_FILES) child: its fork child's
    # /proc/<program>/fd/A O_DIRECT is -EINVAL (a pipe: do_dentry_open()), /proc/<program>/
    # fd/M O_RDWR|O_DIRECT opens its memfd (shmem_file_open()) (kernel source: qemu-user
    # refuses the clone; index 0 each).
    claim_run(r, honest, (), {r.P_SHAREDPPID: 0, r.P_HSHAREDPPID: 0})


def test_honest_nested_vfork_child_reads_the_programs_table() -> None:
    # A vfork child's vfork child W: "A" relative to the program's /proc/self/fd
    # descriptor and /proc/<program>/fd/A O_DIRECT are -EINVAL (the program's pipe:
    # do_dentry_open()) (qemu-user; index 0 each).
    claim_run(r, honest, (), {r.P_NVDDIRECT: 0, r.P_NVPPID: 0})
