"""Red-team round 85b's victim, secret_r85_mm, left alone: it finishes intact and hands the
kernel no secret in every mode, and every step labels 0 as under Linux: the kernel
model's futex(FUTEX_WAKE_OP_PRIVATE) stores its op at page 2 (-a then answers -ENOSYS
for the unknown cmp, -b 0), so page 2 keeps the copy's 'x' after pwrite64() of 'y';
-c .. -r's calls (readv, preadv, recvfrom, getsockopt, recvmsg; nanosleep, capget, ppoll,
socketpair, copy_file_range, timer_create, pselect6 with registers that fail first;
getsockname, accept4, process_vm_readv)
store nothing there, so page 2 shows 'y'.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r85b as k
from attacks.runner import run_one
from attacks.scenario import MODES, Goal, Scenario
from tests.honest_runs import step_indices, untouched_run

_STEPS = b"-" + b"".join(letter[1:] for letter in k.LETTER85.values())


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r85_mm_keeps_its_secret(mode: str) -> None:
    out = untouched_run(k.VICTIM85, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("mode", MODES)
def test_secret_r85_mm_steps_left_alone(mode: str) -> None:
    sc = Scenario(id="ZZ-985", title="round 85b victim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=k.VICTIM85, args=(_STEPS,))
    out = run_one(sc, mode).outcome
    assert out.exit_status == 0, out.ended
    assert not out.decided_by, out.evidence
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, k.P85_FIRST, k.P85_LAST) == {p: 0 for p in k.LETTER85}
