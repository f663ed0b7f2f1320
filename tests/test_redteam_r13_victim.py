"""The round-thirteen victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r13.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, or a scenario's "succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r13 import (
    P_CMSG_LEN,
    P_EPOLL_FORKED,
    P_EPOLL_NESTED,
    P_FD_INDEX,
    P_FORK_COPY_CHILD,
    P_MEMFD_HELD,
    P_MREMAP_MOVED,
    P_ONESHOT,
    P_TIMER_INDEX,
    P_WRITE_LOOP,
    RECORDS,
)
from attacks.scenario import MODES
from tests.honest_runs import untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_records_keeps_its_secret(mode: str) -> None:
    out = untouched_run(RECORDS, mode)
    phases = {m.phase for m in out.markers if m.pid == out.init_pid}
    assert phases >= {P_CMSG_LEN + 1, P_EPOLL_NESTED + 1, P_FD_INDEX + 1, P_TIMER_INDEX + 1,
                      P_WRITE_LOOP + 1, P_ONESHOT + 1, P_EPOLL_FORKED + 1}
    # the fork child found its copy of the parent's page whole
    assert [m.args[0] for m in out.markers if m.phase == P_FORK_COPY_CHILD] == [0]
    # the memfd kept its page across munmap and a second mmap
    assert [m.args[0] for m in out.markers if m.phase == P_MEMFD_HELD + 1] == [0]
    # the page mremap moved kept its bytes
    assert [m.args[0] for m in out.markers if m.phase == P_MREMAP_MOVED + 1] == [0]
