"""A vfork child keeps its parent thread's alternate signal stack, end to end: the kernel
model names it (as Linux's copy_process keeps it) and the Guardian accepts it as the
child's own, so an honest SA_ONSTACK delivery to the child runs on that stack."""

from __future__ import annotations

import pytest

from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario

SIGUSR1 = 10
P_ALTSTACKS, P_HANDLER, P_VF_CHILD = 30, 32, 42


def signal_the_vfork_child(adv: Adversary) -> None:
    """1. At the vfork child's marker the kernel sends it SIGUSR1 (SA_ONSTACK), naming
    nothing of its own: the child's alternate stack is whatever the kernel keeps."""
    @adv.on(Point.MARKER, phase=P_VF_CHILD, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.kernel.signals.send_thread(thread, SIGUSR1, b"")


@pytest.mark.parametrize("mode", ["off", "on"])
def test_an_honest_signal_to_a_vfork_child_runs_on_the_inherited_stack(mode: str) -> None:
    sc = Scenario(id="ZZ-998", title="honest delivery", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=signal_the_vfork_child, rules=("G-SIGNAL-FRAME",),
                  program="secret_threads")
    r = run_one(sc, mode)
    out = r.outcome
    assert not out.tampering and not out.decided_by, r.detail
    alt_a, _, size = next(m.args[:3] for m in out.markers if m.phase == P_ALTSTACKS)
    child = next(m.tid for m in out.markers if m.phase == P_VF_CHILD)
    frames = [m.args[1] for m in out.markers if m.phase == P_HANDLER and m.tid == child]
    assert frames and all(alt_a <= f < alt_a + size for f in frames), (frames, alt_a)
