"""prctl's THP and subreaper switches, and what a subreaper and a parent-death signal do.

The default run of `prctls` is compared with qemu-user by tests/test_differential.py.
Its `-s` steps are checked here against Linux's answers (kernel/sys.c, find_new_reaper(),
forget_original_parent()): qemu-user answers EINVAL to PR_{GET,SET}_THP_DISABLE and
PR_{GET,SET}_CHILD_SUBREAPER.
"""

from __future__ import annotations

import io

import pytest

from cli.session import run_program

SUBREAPER_STEPS = b"""\
PR_GET_THP_DISABLE: 0
PR_SET_THP_DISABLE 1: 0
PR_GET_THP_DISABLE: 1
PR_SET_THP_DISABLE 0 with arg3: -1 Invalid argument
PR_GET_CHILD_SUBREAPER: 0
PR_SET_CHILD_SUBREAPER 1: 0
PR_GET_CHILD_SUBREAPER: 1
middle child reaped: yes, status 0
orphan: ours, status 7
middle child reaped: yes, status 0
orphan: ours, status 9
"""


@pytest.mark.parametrize(("guardian", "confidential"), [("off", False), ("on", True)])
def test_subreaper_takes_the_orphan_and_pdeathsig_reaches_it(guardian: str,
                                                            confidential: bool) -> None:
    """An orphan comes to the subreaper above it (and is reaped there, status 7); one that
    asked for SIGUSR1 at its parent's death gets it (its handler exits 9)."""
    out = io.BytesIO()
    result = run_program("prctls", ["-s"], stdout=out, stderr=io.BytesIO(),
                         guardian=guardian, confidential=confidential)
    assert result.exit_code == 0
    assert out.getvalue() == SUBREAPER_STEPS
