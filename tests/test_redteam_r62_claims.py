"""Round 62's honest answers: what Linux does on the edges of the rules changed after round
61 (O_APPEND outputs of splice(), sendfile() and copy_file_range() opened again by name; a
pidfd opened again by other names or received through SCM_RIGHTS; O_DIRECT and
O_PATH|O_DIRECT opens of a pipe's end by names through /proc), which a monitor could
mistake for forged.

Each test runs the round-62 victim (secret_r62_rules) with a kernel that answers exactly
as Linux does (the honest kernel model where it already does; a claim_* step function of
attacks/families/redteam_r62.py where the model does not) and asserts the Guardian lets
it through: no decision, the program finishes intact, and each step indexes the label
Linux's answer gives (each as qemu-user gives it natively on this host).
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families import redteam_r62 as r
from tests.honest_runs import claim_run, honest


def test_honest_default_steps_are_not_refused() -> None:
    # do_splice_direct_actor()/do_splice(): -EINVAL and generic_file_rw_checks(): -EBADF
    # for O_APPEND reopens of a memfd; sendfile() of 8 into a plain reopen of an O_APPEND
    # memfd (a new open file: alloc_empty_file()), splice() of 8 into a memfd whose
    # O_APPEND was cleared, write() of 8 into an O_APPEND reopen; do_splice_read(): -EINVAL
    # out of a pidfd received through SCM_RIGHTS; do_dentry_open(): -EINVAL for O_DIRECT
    # opens of a pipe's end; an O_PATH|O_DIRECT open of /proc/thread-self/fd/A succeeds
    # (build_open_how()) (qemu-user; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_APSEND, r.P_APSPLICE, r.P_APCFR, r.P_ADSEND, r.P_AYSPLICE, r.P_SCMSPLICE,
         r.P_TASKDIRECT, r.P_XDIRECT, r.P_CWDDIRECT, r.P_SCMDIRECT, r.P_ABSDIRECT,
         r.P_HREOPENSEND, r.P_HCLEARSPLICE, r.P_HAPWRITE, r.P_HTPATH), 0))


def _pid_reopens(adv: Adversary) -> None:
    r.claim_ypopen(adv)
    r.claim_tpopen(adv)


def test_honest_pidfd_reopens_by_other_names_are_not_refused() -> None:
    # proc_fd_link(): "P" relative to /proc/self/fd/D/../fd and /proc/thread-self/fd/P
    # reopen the pidfs inode; do_splice_read(): -EINVAL out of each (qemu-user; index 0).
    claim_run(r, _pid_reopens, (), {r.P_YPSPLICE: 0, r.P_TPSPLICE: 0})


def test_honest_table_steps_are_not_refused() -> None:
    # do_splice_direct_actor(): -EINVAL into an inherited O_APPEND reopen in a fork child;
    # do_splice(): -EINVAL into a memfd a reaped child set O_APPEND; shmem_file_open() sets
    # FMODE_CAN_ODIRECT: O_DIRECT reopens of a memfd dup3()ed onto a pipe end's number and
    # of one that took a closed end's number succeed (qemu-user on this host; index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_FORKAPSEND, r.P_CHILDAPP, r.P_HREUSEDIRECT, r.P_HDUP3DIRECT), 0))


def test_honest_direct_open_after_unshare_is_not_refused() -> None:
    # unshare_fd() copies the table; do_dentry_open(): -EINVAL for the O_DIRECT reopen of
    # the pipe's end (qemu-user; index 0).
    claim_run(r, r.claim_unshare, (), {r.P_UNSHDIRECT: 0})


def test_honest_numbers_a_pidfd_held_are_not_refused() -> None:
    # A memfd on a closed pidfd's number or dup3()ed onto it is what /proc/self/fd/N
    # reopens: shmem_fallocate() and shmem_setattr() answer 0; setfl() on a reopen N
    # leaves M's own open file without O_APPEND: sendfile() of 8 into M (qemu-user;
    # index 0 each).
    claim_run(r, honest, (), dict.fromkeys((r.P_HPIDREUSE, r.P_HPIDDUP3, r.P_HSETFLN), 0))


def test_honest_child_fd_directory_is_not_refused() -> None:
    # D/.. is /proc/<child> (nd_jump_link()); fd/A there is the memfd the child dup3()ed
    # onto A: the O_RDWR|O_DIRECT open succeeds (shmem_file_open()); fd/B, the child's
    # inherited pipe end, is -EINVAL through D and through /proc/<child>/fd (qemu-user).
    claim_run(r, honest, (), {r.P_HCHILDFD: 0, r.P_CHILDDIRECT: 0, r.P_CHILDDDIRECT: 0})


def test_honest_path_direct_through_a_symlink_is_not_refused() -> None:
    # A symlink to /proc/self/fd: "/tmp/r62fd/A" O_PATH|O_DIRECT opens A (build_open_how()
    # keeps O_PATH_FLAGS only), the O_DIRECT open -EINVAL (qemu-user; index 0 each).
    claim_run(r, r.claim_sympath, (), {r.P_HSYMPATH: 0, r.P_SYMDIRECT: 0})


def test_honest_parent_fd_directory_from_a_child_is_not_refused() -> None:
    # nd_jump_link() follows D to the parent's fd directory, ".." is /proc/<parent>,
    # fd/A the parent's memfd: the open succeeds (shmem_file_open() sets FMODE_CAN_ODIRECT)
    # (qemu-user on this host; index 0).
    claim_run(r, honest, (b"-c",), {r.P_HPARENTFD: 0})
