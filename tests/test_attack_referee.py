"""The referee: availability is not integrity, and tampering is never a harness error."""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from attacks.workload import SECRET_LEN, Phase

NR_KILL = 129


def _scenario(steps, goal: Goal = Goal.TAMPER) -> Scenario:  # noqa: ANN001
    return Scenario(id="ZZ-999", title="referee check", prop="-", family="referee", goal=goal,
                    steps=steps, rules=("G-RESUME-CONTEXT",))


def drop_signal(adv: Adversary) -> None:
    """1. Serve the program's kill(getpid(), SIGUSR1) as kill(pid, 0): nothing is sent."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_KILL, during=Phase.SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x1", 0)


def tamper_then_crash(adv: Adversary) -> None:
    """1. Overwrite the heap copy of the secret through the user half, then fail."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.el1.write(a.layout.heap_secret, bytes(SECRET_LEN))

    @adv.at(Phase.WRITE)
    def _(a: Adversary) -> None:
        raise RuntimeError("the adversary's own code broke after it tampered")


def test_a_dropped_signal_is_availability_not_integrity() -> None:
    r = run_one(_scenario(drop_signal), "off")
    assert b"secret: TAMPERED" in r.outcome.stdout       # the program's own verdict
    assert r.outcome.tampering == [], r.outcome.tampering
    assert any(e.startswith("availability: SIGUSR1 was never delivered")
               for e in r.outcome.evidence), r.outcome.evidence
    # With the Guardian the signal the program sent itself is owed before kill() returns:
    # the return without it is refused, which stops the program -- availability again.
    r = run_one(_scenario(drop_signal), "on")
    assert r.outcome.tampering == [], r.outcome.tampering
    assert "return.self_signal" in r.outcome.decided_by, r.outcome.evidence


def test_tampering_counts_even_when_the_steps_fail_afterwards() -> None:
    r = run_one(_scenario(tamper_then_crash), "off")
    assert r.status == "pass", r.message                     # it succeeded where it must
    assert "the heap copy of the secret changed" in r.outcome.tampering



def test_the_referee_takes_the_secret_the_guardian_served(monkeypatch) -> None:  # noqa: ANN001
    """With the Guardian on, getrandom's bytes are the Guardian's: the referee's secret is
    one of its draws, never one of the kernel's."""
    from guardian.entropy import GuardianEntropy
    from kernel_model.kernel import Kernel
    guardian_draws: list[bytes] = []
    kernel_draws: list[bytes] = []
    draw, random_bytes = GuardianEntropy.draw, Kernel.random_bytes

    def g(self, n: int, purpose: bytes = b"random") -> bytes:  # noqa: ANN001
        guardian_draws.append(out := draw(self, n, purpose))
        return out

    def k(self, n: int) -> bytes:  # noqa: ANN001
        kernel_draws.append(out := random_bytes(self, n))
        return out

    monkeypatch.setattr(GuardianEntropy, "draw", g)
    monkeypatch.setattr(Kernel, "random_bytes", k)
    r = run_one(_scenario(lambda adv: None, Goal.LEAK), "on")
    secret = r.outcome.secret
    assert len(secret) == SECRET_LEN and b"secret: TAMPERED" not in r.outcome.stdout
    assert secret in guardian_draws and secret not in kernel_draws


def prefault_then_crash(adv: Adversary) -> None:
    """1. At FRESH, map a zero page at the fresh address (a kernel may prefault), then fail
    before the program copied its secret there."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        from attacks.adversary import USER_RW
        from emulator import descriptors as D
        a.mm.tables.set(a.layout.fresh, D.leaf_descriptor(a.alloc_frame(), USER_RW))
        raise RuntimeError("the adversary's own code broke")


def test_a_copy_the_program_has_not_made_yet_is_not_tampering() -> None:
    r = run_one(_scenario(prefault_then_crash), "off")
    assert r.outcome.tampering == [], r.outcome.tampering


def test_two_guarded_runs_of_one_scenario_repeat() -> None:
    """The harness pins the Guardian's seed: the secret the Guardian serves, the program's
    output and so the verdict are the same every run (a mutation score or a fuzz replay
    that depended on fresh boot entropy would change between runs)."""
    sc = _scenario(lambda adv: None, goal=Goal.LEAK)
    first, second = run_one(sc, "on"), run_one(sc, "on")
    assert first.outcome.secret and first.outcome.secret == second.outcome.secret
    assert first.outcome.stdout == second.outcome.stdout
    assert (first.status, first.outcome.markers) == (second.status, second.outcome.markers)
