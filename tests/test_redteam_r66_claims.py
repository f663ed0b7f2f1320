"""Round 66's honest answers: what Linux does on the edges of the rules changed after round
65 (one name_to_int() for every /proc number, a ".." after a /proc magic link), which a
monitor could mistake for forged.

Each test runs the round-66 victim (secret_r66_rules) with a kernel that answers exactly
as Linux does (the honest kernel model: it already does for every step of this round) and
asserts the Guardian lets it through: no decision, the program finishes intact, and each
step indexes the label Linux's answer gives (each as qemu-user gives it natively on this
host).
"""

from __future__ import annotations

from attacks.families import redteam_r66 as r
from tests.honest_runs import claim_run, honest


def test_honest_numbers_name_to_int_takes_for_none() -> None:
    # A leading zero or a number past UINT_MAX names no /proc entry (name_to_int():
    # proc_pid_lookup(), proc_task_lookup(), proc_lookupfd_common()), however the name
    # reaches it: a doubled slash, ".", /dev/fd, /proc/thread-self/fd, fdinfo, the fd link
    # of a /proc/self/fd descriptor (and ".." after it), a working directory in /proc
    # (fchdir(), chdir()), /proc/self/cwd: -ENOENT (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_DSLTID, r.P_DOTTID, r.P_DEVFDZ, r.P_ZEROPID, r.P_BIGPID, r.P_TSZFD,
         r.P_FDDIRZ, r.P_DEVFDDIRZ, r.P_FDUPTASK, r.P_FDINFOZ, r.P_FCHDIRZ, r.P_CWDZ,
         r.P_CWDREL, r.P_CWDUPZ), 0))


def test_honest_links_to_the_programs_own_directories_are_not_refused() -> None:
    # The same names with numbers name_to_int() takes open the memfd:
    # /proc/self/fd/<D>/M, /dev/fd/<D>/M (D's link followed to /proc/<pid>/fd:
    # nd_jump_link()), /proc/self/task//<T>/fd/M, /proc/self/task/<T>/./fd/M,
    # /proc/self/fd/<D>/../task/<T>/fd/M, "M" after fchdir(D), "fd/M" after
    # chdir("/proc/self") and /proc/self/cwd/../fd/M after chdir("/proc/self/task")
    # (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_HFDDIR, r.P_HDEVFDDIR, r.P_HDSLTID, r.P_HDOTTID, r.P_HFDUPTASK, r.P_HFCHDIR,
         r.P_HCWDREL, r.P_HCWDUP), 0))


def test_honest_reaped_openers_fd_directory_by_other_spellings() -> None:
    # K's /proc/self/fd/., /proc//self/fd, /proc/self/./fd and /proc/thread-self/./fd
    # name its own fd directory; K reaped, a lookup there is -ENOENT
    # (proc_lookupfd_common()) (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_DEADDOT, r.P_DEADDSL, r.P_DEADSDOT, r.P_DEADTSDOT), 0))


def test_honest_vfork_childs_orphan_lives_on_after_echild() -> None:
    # A vfork child V forks K and exits; the program reaps V; its wait4(K, WNOHANG) is
    # -ECHILD (K no child of it: do_wait()) and K lives on; its open of its memfd succeeds
    # (qemu-user; claim_vfork_orphan: the kernel model re-parents K to the program; index 0).
    claim_run(r, r.claim_vfork_orphan, (), {r.P_HVFORPHAN: 0})
