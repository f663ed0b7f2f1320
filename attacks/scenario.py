"""What a scenario declares, and the registry that collects them.

In the manner of the Arm ACS tables and TF-A's test XML: an id, a title, the
property as one rule-like sentence, the family, the Guardian rules it
exercises (docs/traceability.md maps them back), and the adversary's steps.
The steps are a function that registers callbacks on an `Adversary`; its
docstring lists the steps for `blindfold attack explain`.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import pkgutil
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from attacks.workload import PROGRAM

if TYPE_CHECKING:
    from attacks.adversary import Adversary
    from attacks.runner import Outcome

MODES = ("off", "on", "mprotect")

#: The properties a Guardian must hold (an attack that still gets through names one as
#: its `gap`: it is reported "open" instead of "violated" until the Guardian closes it).
PROPERTIES = {
    "P1": "one mapping per confidential frame",
    "P2": "nothing enters a domain unmeasured",
    "P3": "pages leave the program's view only when it asks",
    "P4": "keys and entropy the kernel cannot know",
    "P5": "every way back to user code is checked the same way",
    "P6": "one clone, one child",
    "P7": "the kernel sees what it is owed and no more",
    "P8": "EL1 state that changes EL0 semantics is the Guardian's",
    "P9": "after RESUME the core is the user's",
}
_ID = re.compile(r"^[A-Z]{2}-\d{3}$")


class Goal(enum.Enum):
    """What counts as success for the attacker."""

    LEAK = "leak"          # the secret (8 contiguous bytes or more) is observed outside the domain
    TAMPER = "tamper"      # confidential state (memory, registers, control flow, image) changed


class Expect(enum.Enum):
    SUCCEEDS = "succeeds"
    REFUSED = "refused"


Steps = Callable[["Adversary"], None]
Oracle = Callable[["Outcome"], list[str]]


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    prop: str                                  # the property checked, one sentence
    family: str
    goal: Goal
    steps: Steps
    rules: tuple[str, ...]                     # Guardian rules exercised (attacks.rules)
    actor: str = "kernel"                      # kernel, device or program
    mprotect: Expect = Expect.REFUSED          # what the predecessor design is expected to do
    known: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    silent: str = ""                           # why a refusal with no decision still counts
    timing: str = "fast"
    oracle: Oracle | None = None               # extra checks for confidential state changed
    gap: str = ""                              # the property this attack still breaks, if any
    program: str = PROGRAM                     # the workload it attacks (workload.py)
    args: tuple[bytes, ...] = ()               # that program's variant switches
    machine: str = ""                          # the machine it needs ("": the default)

    def expected(self, mode: str) -> Expect:
        if mode == "off":
            return Expect.SUCCEEDS
        if mode == "on":
            return Expect.REFUSED
        return self.mprotect

    @property
    def approach(self) -> list[str]:
        """The adversary's steps, from the steps function's docstring."""
        doc = inspect.getdoc(self.steps) or ""
        return [line.strip() for line in doc.splitlines() if line.strip()]


REGISTRY: dict[str, Scenario] = {}


def documented(steps: Steps, doc: str) -> Steps:
    """A generated scenario's steps carrying the docstring `blindfold attack explain` shows
    (its lines are the steps, as a hand-written scenario's docstring)."""
    class Documented:
        __doc__ = doc

        def __call__(self, adv: Adversary) -> None:
            steps(adv)
    return Documented()


def explained(title: str, prop: str, deco: Callable[[Steps], Steps]) -> Callable[[Steps], Steps]:
    """`deco` (a scenario decorator) over steps carrying the docstring `blindfold attack
    explain` shows: a generated step function's own where it has one, else the scenario's
    title and Linux's rule."""
    def wrap(steps: Steps) -> Steps:
        if not (steps.__doc__ or "").lstrip().startswith("1."):
            steps = documented(steps, steps_doc(f"1. {title}.", f"2. Linux: {prop}"))
        return deco(steps)
    return wrap


def steps_doc(*steps: str) -> str:
    """A generated scenario's docstring from its steps, each wrapped at 88 columns as the
    hand-written docstrings are (`blindfold attack explain` shows the lines as they are)."""
    return "\n".join(line for step in steps for line in textwrap.wrap(step, 88))


def scenario(*, id: str, title: str, prop: str, family: str, goal: Goal,  # noqa: A002
             rules: tuple[str, ...], actor: str = "kernel", mprotect: Expect = Expect.REFUSED,
             known: Mapping[str, str] | None = None, silent: str = "", timing: str = "fast",
             oracle: Oracle | None = None, gap: str = "", program: str = PROGRAM,
             args: tuple[bytes, ...] = (), machine: str = "") -> Callable[[Steps], Steps]:
    """Register the decorated steps function as a scenario."""
    if gap and gap not in PROPERTIES:
        raise ValueError(f"scenario {id}: gap {gap!r} is not one of {sorted(PROPERTIES)}")
    if not _ID.match(id):
        raise ValueError(f"scenario id {id!r} must look like AB-123")
    if id in REGISTRY:
        raise ValueError(f"scenario {id} defined twice")

    def register(fn: Steps) -> Steps:
        REGISTRY[id] = Scenario(id=id, title=title, prop=prop, family=family, goal=goal,
                                steps=fn, rules=rules, actor=actor, mprotect=mprotect,
                                known=MappingProxyType(dict(known or {})), silent=silent,
                                timing=timing, oracle=oracle, gap=gap, program=program,
                                args=tuple(args), machine=machine)
        return fn
    return register


def iago_scenarios(family: str, program: str) -> Callable[..., Callable[[Steps], Steps]]:
    """The decorator a red-team round's answer-forging scenarios share: Goal.LEAK against
    the round's victim `program`, under rule G-IAGO-COUNT unless others are given."""
    def iago(id_: str, title: str, prop: str, rules: tuple[str, ...] = ("G-IAGO-COUNT",),
             gap: str | None = None, args: tuple[bytes, ...] = (), silent: str = ""
             ) -> Callable[[Steps], Steps]:
        return scenario(id=id_, title=title, family=family, goal=Goal.LEAK, rules=rules,
                        program=program, prop=prop, args=args, gap=gap or "", silent=silent)
    return iago


def all_scenarios() -> list[Scenario]:
    """Every scenario, by id (importing the family modules registers them)."""
    import attacks.families as pkg
    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{info.name}")
    return [REGISTRY[k] for k in sorted(REGISTRY)]


def get(scenario_id: str) -> Scenario | None:
    all_scenarios()
    return REGISTRY.get(scenario_id.upper())
