"""Round 83's honest answers: faccessat2() of a number nothing ever opened with an empty
name under AT_EMPTY_PATH, utimensat() of it with a NULL name, ioctl(FICLONE) naming it as
the source, pselect6() with its bit set, fstat() of the number a vfork child's openat()
got in its own table (-EBADF); close_range() of an unknown flag (-EINVAL); ppoll() of it
(1, revents POLLNVAL: the kernel model's own answer); kcmp(KCMP_SIGHAND) of a living fork
child and of an exited vfork child, kcmp(KCMP_SYSVSEM) of an exited CLONE_SYSVSEM child
and of a fork child once the caller has an undo list (an order); and the successes Linux
gives: fstat(d) after a vfork child closed d in its own table (the kernel model's 0),
kcmp(KCMP_SYSVSEM) 0 of a living CLONE_SYSVSEM child (copy_semundo() shares the list) and
of a fork child while the caller has no undo list (both NULL), kcmp(KCMP_SIGHAND) 0 of an
exited CLONE_SIGHAND vfork child not reaped (__exit_signal() clears it only at the reap),
newfstatat(devnull, "", AT_EMPTY_PATH) 0.

Each test runs the round-83 victim (secret_r83_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r83 as r
from tests.honest_runs import claim_run


def test_honest_errors() -> None:
    # -EBADF for a number no file is at, -EINVAL for an unknown flag, an order for two
    # sighand_structs or undo lists, POLLNVAL for ppoll.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys(
        [s[1] for s in r.STEPS] + [r.P_SELECTNEVER, r.P_POLLNEVER], 0))


def test_honest_successes() -> None:
    # kcmp(): 0 for one undo list (or none on both sides), one sighand_struct; fstat 0.
    claim_run(r, r.claim_as_linux, (), dict.fromkeys((p for p, _ in r.HONEST_STEPS), 0))


def test_splice_of_nothing() -> None:
    claim_run(r, r.claim_as_linux, (b"-s",), {r.P_HSPLICEZERO: 0})


def test_tee_of_nothing() -> None:
    claim_run(r, r.claim_as_linux, (b"-t",), {r.P_HTEEZERO: 0})


def test_utimensat_omit_both() -> None:
    claim_run(r, r.claim_as_linux, (b"-u",), {r.P_HUTIMEOMIT: 0})
