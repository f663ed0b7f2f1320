"""Round 69's honest answers: what Linux does on the edges of the rules changed after round
68 (a name of PATH_MAX bytes, a name past 40 links), which a monitor could mistake for
forged.

Each test runs the round-69 victim (secret_r69_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives (each as qemu-user gives it
natively on this host).
"""

from __future__ import annotations

from attacks.families import redteam_r69 as r
from tests.honest_runs import claim_run, honest


def test_honest_errors_of_the_new_spellings() -> None:
    # A name running into an unmapped page before its NUL is -EFAULT, faccessat() and
    # newfstatat() of a name of PATH_MAX bytes -ENAMETOOLONG (getname()); 42 links spelled
    # relative to "/" or to R, and 44 through /dev/fd/<R>, -ELOOP (pick_link():
    # MAXSYMLINKS), and 40 links before a last component that is a link -ELOOP too
    # (open_last_lookups() -> pick_link()) (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_UNMAPNAME, r.P_LONGACCESS, r.P_LONGSTAT, r.P_RELLOOPS, r.P_DIRLOOPS,
         r.P_DEVFDLOOPS, r.P_LASTLINK, r.P_STDINLOOPS, r.P_BLOCKEDLONG), 0))


def test_honest_loops_the_kernel_model_misses() -> None:
    # -s: 41 times /proc/self is -ELOOP (pick_link(); qemu-user; claim_loops: the kernel
    # model opens it; index 0).
    claim_run(r, r.claim_loops, (b"-s",), {r.P_SELFLOOPS: 0})


def test_honest_opens_within_maxsymlinks() -> None:
    # 40 links relative to the working directory "/", 38 through /dev/fd/<R> and 40 times
    # /proc/self open (qemu-user; index 0 each).
    # 38 through /dev/stdin, fd 0 a descriptor of "/", open too.
    claim_run(r, honest, (), {r.P_HRELLOOPS: 0, r.P_HDEVFDLOOPS: 0, r.P_HSELFLOOPS: 0,
                              r.P_HSTDINLOOPS: 0})


def test_honest_last_component_link_within_maxsymlinks() -> None:
    # "/proc/self/root" 19 times + "/proc/self" O_DIRECTORY: 38 + 1 links before the last
    # component and its own link, 40 in all, opens (qemu-user; index 0).
    claim_run(r, honest, (), {r.P_HLASTLINK: 0})


def test_honest_plain_proc_self_after_chroot() -> None:
    # -c: /tmp/r69-<P>/proc/self made as directories, chroot() there; "/proc/self" +
    # "/../self" x 41 meets no link and opens (qemu-user as root on this host; claim_jail
    # serves the chdir() and chroot(), the kernel model having no /tmp; index 0).
    claim_run(r, r.claim_jail, (b"-c",), {r.P_CHROOTLOOPS: 0})


def test_honest_leaders_cwd_beside_a_thread_without_clone_fs() -> None:
    # The leader in "/", a thread cloned with CLONE_THREAD but without CLONE_FS chdir()s
    # to /proc/self/fdinfo: /proc/self/cwd is still the leader's "/", so
    # /proc/self/cwd/proc/self/fd/<M> opens M (copy_fs(), proc_cwd_link(); claim_nofs:
    # the kernel model keeps one working directory per process, qemu-user refuses the
    # clone; index 0).
    claim_run(r, r.claim_nofs, (), {r.P_HNOFSROOT: 0})


def test_honest_open_in_a_zombie_clone_fs_childs_fd_directory() -> None:
    # A child K cloned with CLONE_FS chdir()s to /proc/self/fd and exits; left a zombie
    # (waitid() WNOWAIT), "<M>" in the shared working directory /proc/<K>/fd is -ENOENT
    # (exit_files(), proc_lookupfd_common(); qemu-user refuses the clone: the kernel
    # model answers as Linux; index 0).
    claim_run(r, honest, (), {r.P_ZOMBIEFD: 0})
