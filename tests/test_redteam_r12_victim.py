"""The round-twelve victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r12.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, or a scenario's "succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r12 import COMMANDS, P_AUXV, P_RWHINT, P_TERMIO
from attacks.runner import boot, find_leaks, run_session
from attacks.scenario import MODES
from tests.honest_runs import untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_commands_keeps_its_secret(mode: str) -> None:
    out = untouched_run(COMMANDS, mode)
    assert {m.phase for m in out.markers if m.pid == out.init_pid} >= {P_RWHINT, P_AUXV,
                                                                        P_TERMIO + 1}


@pytest.mark.parametrize("how", [b"dirfd", b"chdir", b"reopen"])
def test_secret_commands_takes_urandom_another_way(how: bytes) -> None:
    """With -s HOW the secret comes from /dev/urandom (by another name); left alone, the
    program still finishes intact and leaks nothing."""
    s = boot("on", program=COMMANDS)
    out = run_session(s, "on", (b"-s", how))
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])


@pytest.mark.parametrize("how", [b"splice", b"sendfile"])
def test_urandom_moved_through_a_pipe_is_the_program_s_own_refusal(how: bytes) -> None:
    """With -s splice/sendfile the secret comes from /dev/urandom through a pipe.  Left
    alone without a Guardian the program finishes intact and leaks nothing (so the
    scenarios' success without one means something); with one, its own move out of the
    device is refused (the bytes would be the kernel's entropy) and it leaks nothing."""
    s = boot("off", program=COMMANDS)
    out = run_session(s, "off", (b"-s", how))
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])
    s = boot("on", program=COMMANDS)
    out = run_session(s, "on", (b"-s", how))
    assert "return.urandom_moved" in [d.check for d in s.guardian.decisions]
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])
