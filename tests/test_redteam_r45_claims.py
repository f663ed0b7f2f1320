"""Round 45's honest answers: counts Linux gives that a monitor could mistake for forged.

Each test runs the round-45 victim (secret_r45_counts) with a kernel that answers one call
exactly as Linux may, and asserts the Guardian lets it through: no decision beyond the
untouched run's, the program finishes intact, and the step indexes its public label 0.
None is refused at the time of writing (round 45 found no false refusal among these);
they hold the Guardian to it.
"""

from __future__ import annotations

import pytest

from attacks.adversary import Adversary
from attacks.families import redteam_r45 as r
from attacks.hooks import Point
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices

NR = r.NR


def _claim_run(steps, args: tuple[bytes, ...], phase: int):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-993", title="round 45 claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-IAGO-COUNT",), program=r.COUNTS,
                  args=args)
    res = run_one(sc, "on")
    out = res.outcome
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not out.decided_by, out.evidence
    assert step_indices(out, phase, phase).get(phase) == 0, out.markers
    return out


def test_dev_zero_read_cut_after_a_page_without_a_handler_is_not_refused() -> None:
    # read_iter_zero() (drivers/char/mem.c) returns the pages done when signal_pending()
    # holds after one: TIF_SIGPENDING is also set by the freezer (freeze_task ->
    # fake_signal_wake_up) and by a SIGSTOP/SIGCONT pair, which run no handler.
    def steps(adv: Adversary) -> None:
        r._fill(adv, r.P_ZEROBIG, NR["read"], bytes(4096))
    _claim_run(steps, (), r.P_ZEROBIG)


def test_dev_urandom_read_cut_after_a_page_is_not_refused() -> None:
    # get_random_bytes_user() (drivers/char/random.c) breaks at ret % PAGE_SIZE == 0 when
    # signal_pending().
    def steps(adv: Adversary) -> None:
        r._fill(adv, r.P_URANDBIG, NR["read"], b"\x42" * 4096)
    _claim_run(steps, (), r.P_URANDBIG)


@pytest.mark.parametrize("phase", [r.P_ZEROEDGE])
def test_dev_zero_read_up_to_an_unmapped_page_is_not_refused(phase: int) -> None:
    # iov_iter_zero() stops at the hole; read_iter_zero() returns the 8 bytes written
    # (the kernel model answers EFAULT here: see the round-45 report).
    def steps(adv: Adversary) -> None:
        r._fill(adv, phase, NR["read"], bytes(8))
    _claim_run(steps, (), phase)


@pytest.mark.parametrize("phase", [r.P_ZERONONE, r.P_ZEROSIGBUS])
def test_dev_zero_read_up_to_a_faulting_page_is_not_refused(phase: int) -> None:
    # A PROT_NONE page, or a MAP_SHARED page past a memfd's end (shmem_fault: SIGBUS),
    # stops the copy: Linux answers the 8 bytes before it.
    def steps(adv: Adversary) -> None:
        r._fill(adv, phase, NR["read"], bytes(8))
    _claim_run(steps, (b"-c",), phase)


def test_writes_cut_to_max_rw_count_are_not_refused() -> None:
    # vfs_write() and import_iovec() cut a count to MAX_RW_COUNT; write_null() and
    # write_iter_null() return it (the kernel model answers EFAULT: it copies the buffer).
    def steps(adv: Adversary) -> None:
        for phase, nr in ((r.P_HUGEW, "write"), (r.P_HUGEWV, "writev")):
            @adv.on(Point.SYSCALL_ENTRY, nr=NR[nr], during=phase)  # type: ignore[arg-type]
            def _(a: Adversary, nr: str = nr, **_: object) -> None:
                a.set_reg("x2", 8 if nr == "write" else 0)
            r._answer(adv, phase, NR[nr], r.MAX_RW_COUNT)
    out = _claim_run(steps, (b"-m",), r.P_HUGEW)
    assert step_indices(out, r.P_HUGEWV, r.P_HUGEWV) == {r.P_HUGEWV: 0}


def test_passcred_stream_read_stopping_at_another_writer_is_not_refused() -> None:
    # unix_stream_read_generic(): with credentials passing it never glues two writers'
    # skbs; the child's "abcd" comes alone (the kernel model answers 8: see the report).
    def steps(adv: Adversary) -> None:
        r._fill(adv, r.P_PASSCRED, NR["read"], b"abcd")
    _claim_run(steps, (b"-c",), r.P_PASSCRED)


def test_nowait_preadv2_of_the_image_cut_at_a_page_is_not_refused() -> None:
    # filemap_read() with IOCB_NOWAIT returns what the page cache held (RWF_NOWAIT:
    # already_read at the first page not cached); the kernel model answers EOPNOTSUPP, so
    # the claim runs its read with one iovec and no flag and answers 4096.
    def steps(adv: Adversary) -> None:
        @adv.on(Point.SYSCALL_ENTRY, nr=NR["preadv2"], during=r.P_NOWAIT)  # type: ignore[arg-type]
        def _(a: Adversary, **_: object) -> None:
            a.set_reg("x2", 1)
            a.set_reg("x5", 0)

        @adv.on(Point.SYSCALL_EXIT, nr=NR["preadv2"], during=r.P_NOWAIT)  # type: ignore[arg-type]
        def _(a: Adversary, **_: object) -> None:
            a.set_reg("x2", 2)
            a.set_reg("x5", 8)
    _claim_run(steps, (b"-c",), r.P_NOWAIT)
