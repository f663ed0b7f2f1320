"""Round 59's honest answers: what Linux does on the edges of the rules added after round
58 (opens of /proc/self/fd/N of sockets, eventfds and pipes, by names through /dev/fd or a
working directory, ftruncate() and fallocate() by the kind of file and its seals,
copy_file_range(), splice(), tee() and sendfile() ends and offsets), which a monitor could
mistake for forged.

Each test runs the round-59 victim (secret_r59_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r59.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives.  Each answer is what a 6.18 host gives natively (and qemu-user,
where it passes the call on: it answers openat() of a NULL name -EFAULT itself).
"""

from __future__ import annotations

from attacks.families import redteam_r59 as r
from tests.honest_runs import claim_run, honest

_DEFAULT = (r.P_SOCKREOPEN, r.P_SOCKDOTDOT, r.P_DEVFDDOT, r.P_CWDDOT, r.P_HNULLBITS,
            r.P_FTRRDONLY, r.P_FTRPATH, r.P_CFREV, r.P_CFRAPPEND, r.P_CFRPIPE, r.P_CFROVER,
            r.P_FPUNCH, r.P_SPLPIPEOFF, r.P_TEEDOTNULL, r.P_FDOTNULL, r.P_FTRDOTNULL,
            r.P_CFRDOTNULL, r.P_SENDAPREOPEN, r.P_HSENDSOCK, r.P_HFPUNCHKEEP,
            r.P_HREOPENPIPE, r.P_HDEVFD, r.P_FTRSEALED, r.P_FGROWSEALED, r.P_EVREOPEN,
            r.P_FKEEPSEALED, r.P_HFSEALIN, r.P_HFTRSAME, r.P_HCFRADJ, r.P_HSPLOUTOFF,
            r.P_HSENDPLAIN, r.P_HFTRWSEAL, r.P_HFALLWSEAL, r.P_FPUNCHWSEAL,
            r.P_TASKDOT, r.P_FDINFODOT, r.P_FREOPIPE, r.P_TEEREONULL, r.P_DIRLINKDOT,
            r.P_CFRFLAGS)


def test_honest_default_steps_are_not_refused() -> None:
    # sock_no_open(): -ENXIO; link_path_walk(): -ENOTDIR past a socket's link, through
    # /dev/fd, /proc/self/task/T/fd, /proc/self/fdinfo/.. and from a working directory of
    # /proc/self/fd; build_open_how() drops an
    # unknown flag bit (-EFAULT for a NULL name); do_ftruncate(): -EINVAL read-only,
    # fdget(): -EBADF for O_PATH; generic_file_rw_checks(): -EINVAL into an eventfd, a pipe
    # and /dev/./null; generic_copy_file_checks(): -EBADF into O_APPEND, -EINVAL over its
    # own range; vfs_fallocate(): -EOPNOTSUPP for PUNCH_HOLE alone, -ENODEV for
    # /dev/./null; do_splice(): -ESPIPE for a pipe's offset; do_tee(): -EINVAL;
    # do_splice_direct_actor(): -EINVAL into O_APPEND; shmem_setattr() and
    # shmem_fallocate(): -EPERM under seals (KEEP_SIZE too); an eventfd reopened: -ENXIO;
    # and sendfile() into a socket and a plain reopen, fallocate(PUNCH_HOLE|KEEP_SIZE),
    # fallocate() and ftruncate() within the seals, copy_file_range() of touching ranges,
    # splice() at the offset of the end that is no pipe, reopens of a pipe's write end
    # O_RDONLY and of /dev/fd/M that succeed; shmem_setattr() and shmem_fallocate() cut
    # and grow a memfd sealed F_SEAL_WRITE (only a hole: -EPERM) (index 0 each).
    claim_run(r, honest, (), dict.fromkeys(_DEFAULT, 0))


def test_honest_creatdir_einval_is_not_refused() -> None:
    # build_open_flags(): -EINVAL for O_CREAT|O_DIRECTORY before getname() (a 6.18 host).
    claim_run(r, r.claim_creatdir, (r.CREATDIR,), {r.P_CREATDIR: 0})


def test_model_creatdir_einval_is_not_refused() -> None:
    # the kernel model answers -EINVAL for O_CREAT|O_DIRECTORY itself (build_open_flags()).
    claim_run(r, honest, (r.CREATDIR,), {r.P_CREATDIR: 0})


def test_honest_eventfd_moves_are_not_refused() -> None:
    # do_splice_read() / do_splice_from(): -EINVAL for an eventfd end (a 6.18 host).
    claim_run(r, r.claim_eventfd_moves, (r.EVMOVE,),
              {r.P_SENDEV: 0, r.P_SPLFROMEV: 0, r.P_SPLINTOEV: 0})


def test_honest_model_eventfd_moves_are_not_refused() -> None:
    # The kernel model itself: do_splice_read() / do_splice_from() -EINVAL (a 6.18 host).
    claim_run(r, honest, (r.EVMOVE,), {r.P_SENDEV: 0, r.P_SPLFROMEV: 0, r.P_SPLINTOEV: 0})
