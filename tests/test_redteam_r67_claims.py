"""Round 67's honest answers: what Linux does on the edges of the rules changed after round
66 (return.proc_entry_absent, /proc/self/cwd followed to a /proc working directory), which a
monitor could mistake for forged.

Each test runs the round-67 victim (secret_r67_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives (each as qemu-user gives it
natively on this host).
"""

from __future__ import annotations

from attacks.families import redteam_r67 as r
from tests.honest_runs import claim_run, honest


def test_honest_numbers_name_to_int_takes_for_none() -> None:
    # A leading zero or a sign names no /proc pid or fdinfo entry (name_to_int():
    # proc_pid_lookup(), proc_fdinfo_lookup()), however the name reaches it: /var/run/..,
    # ".." after the fd link of a /proc/self/fd descriptor, /proc/thread-self/fdinfo, a
    # task's fdinfo, a trailing slash, a working directory in fdinfo or /proc/<pid>,
    # /proc/self/cwd: -ENOENT (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_VARRUN, r.P_FDUPINFO, r.P_DEVFDUPINFO, r.P_TSINFOZ, r.P_TASKINFOZ,
         r.P_INFOPLUS, r.P_CWDINFOZ, r.P_CWDLINKINFO, r.P_PIDSLASH, r.P_FDDUPPID,
         r.P_CWDUPPID, r.P_RELUPPID, r.P_ROOTPID, r.P_CWDROOTPID, r.P_FDROOTPID,
         r.P_TSROOTINFO, r.P_TSUPINFO, r.P_TSUPFD, r.P_DEVFDUP, r.P_NETUP), 0))


def test_honest_fdinfo_and_pid_entries_by_links_open() -> None:
    # /proc/self/fdinfo/<M>, /proc/self/fd/<D>/../fdinfo/<M>, /proc/self/fd/<D>/../../<P>/fd/M
    # (D's link followed to /proc/<P>/fd: nd_jump_link()) and
    # "<M>" in the working directory /proc/<P>/fdinfo open (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_HINFO, r.P_HFDUPINFO, r.P_HFDDUPPID, r.P_HCWDINFO), 0))


def test_honest_fork_childs_working_directory_is_the_programs_pid_directory() -> None:
    # The program's working directory /proc/<P> (chdir("/proc/self") followed the link at
    # the call) is its fork child K's too (copy_fs()); K's "fd/X" for the X the program
    # closed is -ENOENT, its "fd/Y" and /proc/self/cwd/fd/Y open the program's Y, made after
    # the fork (proc_lookupfd_common() in the program's table; qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_FKCLOSED, r.P_FKCWDCLOSED, r.P_HFKNEW, r.P_HFKCWDLINK), 0))


def test_honest_root_links_and_dotdot_after_thread_self() -> None:
    # /proc/self/root/proc/<P>/fd/M, /proc/self/fd/<R>/proc/<P>/fd/M (R a descriptor of /)
    # and /proc/self/cwd/proc/<P>/fd/M with the working directory / open M
    # (proc_root_link(), proc_fd_link(), proc_cwd_link() -> nd_jump_link()), and
    # /proc/thread-self/../../fdinfo/<M> opens M's fdinfo (proc_thread_self_get_link():
    # <P>/task/<T>, whose "../.." is /proc/<P>) (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_HROOTPID, r.P_HFDROOTPID, r.P_HCWDROOTPID, r.P_HTSUPINFO), 0))


def test_honest_fork_child_opens_a_descriptor_it_closed_itself() -> None:
    # K closes its copy of Z, the program keeps Z: K's "fd/Z" and /proc/self/cwd/fd/Z
    # (its working directory the program's /proc/<P>) open the program's Z
    # (proc_lookupfd_common() in the program's table; qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys((r.P_HFKOWNCLOSED, r.P_HFKCWDOWNCLOSED), 0))


def test_honest_dotdot_after_var_run() -> None:
    # /var/run/../proc/<P>/fd/M opens M (/var/run a symlink to /run, whose ".." is /;
    # qemu-user; claim_var_run: the kernel model's root file system has no /var/run;
    # index 0).
    claim_run(r, r.claim_var_run, (), {r.P_HVARRUN: 0})


def test_honest_dotdot_after_dev_fd_and_proc_net() -> None:
    # /dev/fd/../fdinfo/<M> and /proc/net/../fdinfo/<M> open M's fdinfo (the symlinks
    # followed first: pick_link(); qemu-user; claim_dotdot_symlinks: the kernel model reads
    # the ".." lexically; index 0 each).
    claim_run(r, r.claim_dotdot_symlinks, (), {r.P_HDEVFDUP: 0, r.P_HNETUP: 0})


def test_honest_thread_with_its_own_fs_struct() -> None:
    # A thread T made without CLONE_FS (copy_fs(): its own fs_struct) keeps its working
    # directory while the program chdir()s to /proc/self/fdinfo: T's /proc/self/cwd/0<M> is
    # -ENOENT and /proc/self/cwd/<M> opens (the leader's working directory:
    # proc_self_get_link(), proc_cwd_link()); after T's own chdir("/proc/self/fd"),
    # /proc/thread-self/cwd/0<M> is -ENOENT, /proc/thread-self/cwd/<M> opens M and
    # /proc/self/cwd/<M> still the leader's fdinfo entry (index 0 each; qemu-user refuses
    # such a thread, -EINVAL, so this is read from copy_process() and copy_fs()).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_THSELFCWDZ, r.P_HTHSELFCWD, r.P_THTSCWDZ, r.P_HTHTSCWD, r.P_HTHSELFCWD2), 0))
