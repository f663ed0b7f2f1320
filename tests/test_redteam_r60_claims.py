"""Round 60's honest answers: what Linux does on the edges of the rules added after round
59 (names through links to /proc directories and /dev/fd's "..", O_PATH opens of a
socket's link, NULL names whose flags O_PATH cuts, sendfile() of nothing from an eventfd,
splice() and tee() through a pipe end opened again by name, moves, cuts and copies of a
pidfd), which a monitor could mistake for forged.

Each test runs the round-60 victim (secret_r60_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r60.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives (each as qemu-user gives it natively on a 6.18 host).
"""

from __future__ import annotations

from attacks.families import redteam_r60 as r
from tests.honest_runs import claim_run, honest

_DEFAULT = (r.P_PIDSPLICE, r.P_PIDSEND, r.P_REPOFF, r.P_REPCFR, r.P_REPSENDOFF, r.P_REPTEE,
            r.P_REPSELF, r.P_HDIRSELF, r.P_HPATHTMP, r.P_HSENDEV0, r.P_HREPSPLICE,
            r.P_HREPTEE, r.P_HDEVFDUP, r.P_HTHREADSELF, r.P_HPATHSOCK, r.P_HPATHCREAT,
            r.P_PIDSPLINTO, r.P_PIDSENDINTO, r.P_HDIRDIR, r.P_HATDOTDOT, r.P_HFDINFOUP,
            r.P_VDOT, r.P_DDDOT, r.P_SELFDOT, r.P_TSELFDOT, r.P_ATDOT, r.P_HFDINFO,
            r.P_HATINFO, r.P_HVAT, r.P_TDIRDOT, r.P_SLASHDOT, r.P_DSLASHDOT, r.P_PIDDIRDOT,
            r.P_RELDIRDOT, r.P_VATDOT, r.P_CHDIRDEV, r.P_FCHDIRV, r.P_FCHDIRD)


def test_honest_default_steps_are_not_refused() -> None:
    # do_splice_read()/do_splice_from(): -EINVAL out of and into a pidfd;
    # do_splice()/do_sendfile(): -ESPIPE for an offset of a reopened pipe end,
    # generic_file_rw_checks() and do_tee(): -EINVAL, splice_pipe_to_pipe(): -EINVAL into
    # its own pipe; link_path_walk() through a link to /proc/self, /dev/fd/.., D/D,
    # "../fd/M" from D and from /proc/self/fdinfo, "M" from a descriptor of "/dev/fd",
    # fdinfo/.., fdinfo/M and /proc/thread-self (success), past a memfd's link
    # reached so or from a working directory of /dev/fd or /proc/self/fd (-ENOTDIR); an
    # O_PATH reopen of a socket; build_open_how() under O_PATH: -EFAULT; sendfile() of 0:
    # 0; splice() and tee() through the reopened end: 10 (index 0 each).
    claim_run(r, honest, (), dict.fromkeys(_DEFAULT, 0))


def test_honest_dirup_is_not_refused() -> None:
    # link_path_walk(): /proc/self/fd/D (D a descriptor of /proc/self/fd, opened by that
    # name or as "/dev/fd") is followed to the directory, ".." is /proc/self, fd/M the
    # memfd: the open succeeds, through "../.." too; past M -ENOTDIR (qemu-user).
    claim_run(r, r.claim_dirup, (),
              {r.P_HDIRUP: 0, r.P_HDEVDIR: 0, r.P_UPDOT: 0, r.P_HUPUP: 0})


def test_honest_pid_errors_are_not_refused() -> None:
    # vfs_copy_file_range(): -EXDEV, vfs_fallocate(): -EOPNOTSUPP, ftruncate(): -EOPNOTSUPP
    # for a pidfd (qemu-user on a 6.18 host).
    claim_run(r, r.claim_pid_errors, (), {r.P_PIDCFR: 0, r.P_PIDFALL: 0, r.P_PIDFTR: 0})
