"""Mutation testing: removing a Guardian check must make some scenario notice."""

from __future__ import annotations

import pytest

from attacks import mutation
from attacks.scenario import get
from attacks.sysroot import cannot_run


def test_a_removed_check_is_caught_by_the_scenario_that_needs_it(monkeypatch) -> None:
    """The machinery itself: a Guardian that lets every TTBR1 write through (its trap
    answers yes) is caught by SR-001; the intact one is not."""
    from guardian.monitor import Guardian
    real = Guardian.check_sysreg
    state = {"on": False}

    def check(self, reg, value):  # noqa: ANN001, ANN202
        from emulator import sysregs as S
        if state["on"] and reg == S.TTBR1_EL1:
            return True
        return real(self, reg, value)

    def switch(name: str) -> None:
        state["on"] = name == "demo.ttbr1"
        mutation.baseline_decisions.cache_clear()

    monkeypatch.setattr(Guardian, "check_sysreg", check)
    monkeypatch.setattr(mutation, "_set", switch)
    scenarios = [get("SR-001"), get("LM-001")]
    base = mutation.baseline(scenarios)
    assert base["SR-001"][0] == "pass"
    caught = mutation.mutate_one("demo.ttbr1", scenarios, base)
    assert caught.caught_by and caught.caught_by[0].startswith("SR-001"), caught
    intact = mutation.mutate_one("demo.nothing", scenarios, base)
    assert not intact.caught, intact


@pytest.mark.parametrize("name", sorted(mutation.CI_SUBSET))
def test_ci_subset_of_checks_is_caught(name: str) -> None:
    """The cheap CI subset: each check, once the Guardian consults it, is caught by the
    scenarios listed for it."""
    assert name in mutation.checks()
    if not mutation.is_wired(name):
        pytest.skip(f"{name} is not consulted by guardian/ yet")
    why_not = [cannot_run(get(sid).program) for sid in mutation.CI_SUBSET[name]]
    if all(why_not):
        pytest.skip(why_not[0])
    score = mutation.run([name], mutation.CI_SUBSET[name], jobs=1)
    assert score.caught == 1, score.describe()


def test_score_report_names_survivors() -> None:
    score = mutation.Score([mutation.Mutant("a.b", ["RT-001 (violated)"]),
                            mutation.Mutant("c.d", wired=False)], 1.0)
    text = score.describe()
    assert "1/2" in text and "SURVIVED c.d" in text and "unwired" in text
    shadow = mutation.Score([mutation.Mutant("e.f", shadowed_by=["g.h"])], 1.0)
    assert "redundant: without it g.h refused instead" in shadow.describe()
    assert not shadow.survivors and "1/1 caught or explained" in shadow.describe()
    assert score.to_json()["caught"] == 1


def test_explained_checks_exist_and_are_not_also_known_survivors() -> None:
    """Every explanation names a real check, and a check is explained or a known survivor,
    never both; an explained mutant is not a survivor."""
    names = mutation.checks()
    assert set(mutation.EXPLAINED) <= set(names)
    assert set(mutation.KNOWN_SURVIVORS) <= set(names)
    assert not set(mutation.EXPLAINED) & set(mutation.KNOWN_SURVIVORS)
    m = mutation.Mutant("call.known")
    assert m.verdict == "explained" and not mutation.Score([m], 0.0).survivors


def test_a_scenario_reaches_the_checks_that_refuse_it_and_not_others() -> None:
    """`reach` records, in the build that removes no check, what each run reached: SR-001's
    TTBR1 write reaches sysreg.ttbr1; a scenario about AT_RANDOM never reaches it."""
    import guardian.checks as registry
    reached = mutation.reach([get("SR-001"), get("QG-001")])
    assert "sysreg.ttbr1" in reached["SR-001"]
    assert "sysreg.ttbr1" not in reached["QG-001"]
    assert "create.at_random_apart" in reached["QG-001"]
    assert registry.REACHED is None and registry.MUTATED == ""   # recording is off again


def test_a_pruned_mutant_runs_only_the_scenarios_that_reach_its_check() -> None:
    """Removing a check cannot change a run that never reaches it: those runs are skipped,
    and the run that reaches it still catches the removal."""
    scenarios = [get("SR-001"), get("QG-001")]
    base = mutation.baseline(scenarios)
    reached = mutation.reach(scenarios)
    m = mutation.mutate_one("sysreg.ttbr1", scenarios, base, reached=reached)
    assert m.caught_by and m.caught_by[0].startswith("SR-001") and m.runs == 1, m
    unreached = mutation.mutate_one("sysreg.ttbr1", [get("QG-001")], base, reached=reached)
    assert unreached.runs == 0 and not unreached.caught
    inline = mutation.mutate_one("return.lock_el1", [get("QG-001")], base, reached=reached)
    assert "return.lock_el1" in mutation.inline_checks() and inline.runs == 1
