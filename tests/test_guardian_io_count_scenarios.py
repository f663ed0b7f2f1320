"""Rounds 45 and 47's count, glue and reopen attacks on the program's own pipes, memfds and
socketpairs, each refused by the check that holds the answer to Linux's, and the honest
run of the same victim (with its -c steps) refused by none of them."""

from __future__ import annotations

import pytest

from attacks.runner import boot, run_one, run_session
from attacks.scenario import get

CASES = [("XC-001", "return.pipe_read_count"), ("XC-039", "return.pipe_read_count"),
         ("XC-040", "return.pipe_read_count"), ("XC-002", "return.pipe_atomic"),
         ("XC-003", "return.memfd_count"), ("XC-033", "return.pair_glue"),
         # a memfd written through its reopen by /proc/self/fd/N stays followed
         ("XC-037", "return.memfd_bytes"),
         # round 47: pages and pipe buffers, packets, preadv2, splice in and out, racing
         # readers, an O_DIRECT reopen, shmem's fallocate modes
         ("XE-004", "return.pipe_atomic"), ("XE-011", "return.pipe_read_count"),
         ("XE-021", "return.fifo_direct"), ("XE-022", "return.pipe_read_count"),
         ("XE-028", "return.memfd_count"), ("XE-029", "return.memfd_count"),
         ("XE-036", "return.pipe_read_count"), ("XE-038", "return.pipe_read_count"),
         ("XE-039", "return.memfd_fallocate"), ("XE-040", "return.pipe_read_count"),
         ("XE-045", "return.pipe_count")]


@pytest.mark.parametrize(("scenario_id", "check"), CASES, ids=[i for i, _ in CASES])
def test_a_forged_count_is_refused_by_its_check(scenario_id: str, check: str) -> None:
    sc = get(scenario_id)
    assert sc is not None
    out = run_one(sc, "on").outcome
    assert check in out.decided_by, out.decided_by
    assert not out.leaks


def test_the_honest_run_with_its_c_steps_is_refused_by_nothing() -> None:
    """The round-45 victim's -c steps (fork children writing a pipe and a memfd, a
    SO_PASSCRED pair, memfds mapped shared, reopened through /proc/self/fd) on the
    honest kernel: no refusal at all, the secret intact."""
    s = boot("on", program="secret_r45_counts")
    out = run_session(s, "on", (b"-c",))
    decisions = [f"{d.call}: {d.reason}" for d in s.guardian.decisions]  # type: ignore[attr-defined]
    assert not decisions, decisions
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
