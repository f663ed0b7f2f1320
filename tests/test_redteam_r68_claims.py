"""Round 68's honest answers: what Linux does on the edges of the rules changed after round
67 (/proc/self/root and a working directory or descriptor of "/" followed, a working
directory and a dirfd that held still through the call), which a monitor could mistake for
forged.

Each test runs the round-68 victim (secret_r68_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives (each as qemu-user gives it
natively on this host, but openat2()'s and the CLONE_FS child's, read from the kernel).
"""

from __future__ import annotations

from attacks.families import redteam_r68 as r
from tests.honest_runs import claim_run, honest


def test_honest_errors_of_the_new_spellings() -> None:
    # A leading zero names no /proc pid or fdinfo entry (name_to_int()) through
    # /proc/self/task/<T>/cwd, /proc/<P>/task/<T>/root, /proc/self/root/./proc//, a dirfd
    # dup3()'d over and one reopened at its number: -ENOENT; /proc/self/fd/<M>/ is -ENOTDIR
    # (do_open()), a name of PATH_MAX bytes -ENAMETOOLONG (getname()); 42 links (20 times
    # /proc/self/root) -ELOOP (pick_link(): MAXSYMLINKS); ".." at the root reached by R's
    # fd link or /proc/self/root stays there (follow_dotdot()), and "proc/0<P>/fd/M" after
    # fchdir(R): -ENOENT; O_NOFOLLOW on /proc/self/fd/<M> -ELOOP, /proc/self/fd/<M>/.
    # -ENOTDIR; /proc/<P>/cwd/0<M> (the working directory /proc/<P>/fdinfo) and
    # /proc/self/task/<T>/root/proc/0<P>/fd/M -ENOENT, and "0<M>" relative to a dirfd a
    # CLONE_FILES child dup3()'d over (qemu-user but this last, which qemu-user refuses;
    # index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_TASKCWDZ, r.P_PIDTASKROOT, r.P_ROOTDOT, r.P_FDSLASH, r.P_LONGNAME, r.P_DUP3Z,
         r.P_REOPENZ, r.P_LOOPS, r.P_RTUP, r.P_ROOTUP, r.P_NOFOLLOW, r.P_FDDOT,
         r.P_FCHROOTREL, r.P_PIDCWDZ, r.P_TASKROOTZ, r.P_FILESDUPZ), 0))


def test_honest_opens_of_the_new_spellings() -> None:
    # The same names with numbers name_to_int() takes open; a name of PATH_MAX - 1 bytes
    # opens; /proc/self/fd/<D>/ of a directory D opens; a dirfd dup3()'d over by one of
    # /proc/self/fd opens "<M>" O_RDWR (M itself); 40 links (19 times /proc/self/root)
    # open M; "<M>" relative to a dirfd of /proc/self/fdinfo a CLONE_FILES child dup3()'d
    # over with one of /proc/self/fd opens M (copy_files(), do_dup2(); qemu-user refuses
    # such a child) (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_HTASKCWD, r.P_HPIDTASKROOT, r.P_HROOTDOT, r.P_HFDSLASHDIR, r.P_HLONGNAME,
         r.P_HDUP3, r.P_HREOPEN, r.P_HLOOPS, r.P_HRTUP, r.P_HFCHROOTREL, r.P_HFILESDUP),
        0))


def test_honest_openat2_without_a_magic_link() -> None:
    # openat2(/proc/self/fdinfo/<M>, RESOLVE_NO_MAGICLINKS) and openat2(I, "/<M>",
    # RESOLVE_IN_ROOT), I a descriptor of /proc/self/fdinfo, open M's fdinfo entry (no
    # magic link is met: proc_self_get_link() is an ordinary link; claim_openat2: neither
    # the kernel model nor qemu-user has openat2; index 0 each).
    # openat2(I, "<M>", RESOLVE_NO_XDEV) opens it too (no mount crossed below I).
    # openat2(/proc/self/fd/<M>, O_RDWR) with an open_how of 24 bytes and of 32 bytes (a
    # zero tail: copy_struct_from_user()) reopens M.
    claim_run(r, r.claim_openat2, (), dict.fromkeys(
        (r.P_HRNOMAGIC, r.P_HRINROOTINFO, r.P_HRNOXDEV, r.P_HRPLAIN, r.P_HRBIG), 0))


def test_honest_open_in_a_clone_fs_childs_working_directory() -> None:
    # A child K cloned with CLONE_FS (no CLONE_THREAD) chdir()s to /proc/self/fd: the
    # program's working directory is /proc/<K>/fd (copy_fs() shares the fs_struct), where
    # "<Y>" and /proc/self/cwd/<Y> open K's memfd Y (claim_fs_child: the kernel model copies the fs_struct and
    # qemu-user refuses the clone; index 0).
    claim_run(r, r.claim_fs_child, (), {r.P_HFSCHILDNEW: 0, r.P_HFSCWDLINK: 0})


def test_honest_root_link_after_a_chroot_to_the_root() -> None:
    # chroot("/") keeps the root (set_fs_root() to the same path):
    # /proc/self/root/proc/0<P>/fd/M is -ENOENT (proc_pid_lookup() -> name_to_int();
    # qemu-user; index 0).
    claim_run(r, honest, (b"-c",), {r.P_CHROOTROOT: 0})


def test_honest_cwd_link_after_the_leader_exited() -> None:
    # The leader exit()s, a CLONE_FS thread lives on: /proc/self/cwd/<M> is -ENOENT
    # (exit_fs() cleared the leader's task->fs: proc_cwd_link(); qemu-user;
    # claim_leader_gone serves each as Linux answers it; index 0).
    # /proc/self/fd/<M> and /proc/self/fdinfo/<M> are -ENOENT too (exit_files()), and
    # /proc/thread-self/fd/<M> opens M (T's table).
    claim_run(r, r.claim_leader_gone, (b"-l",), dict.fromkeys(
        (r.P_LEADGONE, r.P_LEADFD, r.P_LEADINFO, r.P_HLEADTS), 0))


def test_honest_leader_exit_in_the_kernel_model() -> None:
    # The kernel model itself answers -ENOENT (exit_fs(), exit_files() of the leader), and
    # /proc/thread-self/fd/<M> (T's own table) opens.
    claim_run(r, honest, (b"-l",), dict.fromkeys(
        (r.P_LEADGONE, r.P_LEADFD, r.P_LEADINFO, r.P_HLEADTS), 0))


def test_honest_fork_child_in_a_clone_fs_childs_pid_directory() -> None:
    # K1 (CLONE_FS) chdir()s to /proc/self: the program's working directory is
    # /proc/<K1>; the program closes X, which K1 keeps, and forks K2: K2's "fd/X" opens
    # K1's X (copy_fs(), proc_lookupfd_common(); claim_fs_fork: the kernel model copies the
    # fs_struct and qemu-user refuses the clone; index 0).
    claim_run(r, r.claim_fs_fork, (), {r.P_HFSK2: 0})


def test_honest_clone_fs_in_the_kernel_model() -> None:
    # The kernel model shares the fs_struct with a CLONE_FS child (copy_fs()): the
    # program's "<Y>", /proc/self/cwd/<Y> and a fork child's "fd/X" open as on Linux, with
    # no step serving them, and the Guardian lets them through (index 0 each).
    claim_run(r, honest, (), {r.P_HFSCHILDNEW: 0, r.P_HFSCWDLINK: 0, r.P_HFSK2: 0})
