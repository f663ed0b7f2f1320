"""A parent that ignores SIGCHLD, or sets SA_NOCLDWAIT, leaves no zombies.

The default run of `autoreap` is compared with qemu-user by tests/test_differential.py.
Its `-n` step is checked here against Linux's answer: qemu-user installs its own host
action for SIGCHLD and so does not pass SA_NOCLDWAIT on (there the child is a zombie).
"""

from __future__ import annotations

import io

import pytest

from cli.session import run_program

NOCLDWAIT = b"SA_NOCLDWAIT: wait -1 errno=No child processes status=0 handled=1\n"


@pytest.mark.parametrize(("guardian", "confidential"), [("off", False), ("on", True)])
def test_sa_nocldwait_releases_the_child_and_still_signals(guardian: str,
                                                          confidential: bool) -> None:
    """do_notify_parent(): the child is released at its exit (wait: ECHILD), and the
    handler installed with SA_NOCLDWAIT still runs once."""
    out = io.BytesIO()
    result = run_program("autoreap", ["-n"], stdout=out, stderr=io.BytesIO(),
                         guardian=guardian, confidential=confidential)
    assert result.exit_code == 0
    assert out.getvalue() == NOCLDWAIT
