"""Round 82's honest answers: close(), dup(), fcntl(F_GETFD), fchdir(), pidfd_send_signal(),
process_madvise(), epoll_ctl()'s target and openat()'s dirfd of a number nothing ever
opened, kcmp(KCMP_FILE) and pidfd_getfd() of such a number in a living fork child's copied
table, kcmp(KCMP_FILE) of the CLONE_PIDFD pidfd in the child and of the number a fork
child's own openat() got in the caller, of a CLONE_PIDFD pidfd at a number never used in the
fork child it names, perf_event_open() of group_fd -2 (-EBADF); perf_event_open() of
software config 1000 (-ENOENT); close_range(77, 10, 0) (-EINVAL); kcmp(KCMP_EPOLL_TFD) of a
tfd the epoll has no item of (-ENOENT); kcmp(KCMP_FS) and kcmp(KCMP_FILES) of an exited,
unreaped child that had shared them and kcmp(KCMP_VM) of an exited vfork child (an order:
exit_fs(), exit_files(), exit_mm() left NULL); and the successes Linux gives:
kcmp(KCMP_FILE) of devnull and devnull | 1 << 32 (0: get_file_raw_ptr()'s index is an
unsigned int), kcmp(KCMP_FILES) of a living CLONE_FILES child (0), kcmp(pid, pid, KCMP_VM)
(0), kcmp(KCMP_FILE) of devnull and a living fork child's copy of it (0), kcmp(KCMP_FILE) of
the CLONE_PIDFD pidfd with itself, at a reused and at a never-used number (0),
kcmp(KCMP_FILE) of the number a living CLONE_FILES child's openat() got in the shared table
(0).

Each test runs the round-82 victim (secret_r82_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.  No false refusal found.
"""

from __future__ import annotations

from attacks.families import redteam_r82 as r
from tests.honest_runs import claim_run


def test_honest_errors() -> None:
    # -EBADF for a number nothing opened, -ENOENT for a tfd without item, an order for the
    # fs_struct and the table of an exited child that shared them.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys((s[1] for s in r.STEPS), 0))


def test_honest_successes() -> None:
    # kcmp(): 0 for one struct file, one files_struct, one mm.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys(r.HONEST_STEPS, 0))
