"""Round 83c's AF-005, closed in round 85c: the launch's first thread starts with the
launcher's inheritable set, empty by default (init_cred's CAP_EMPTY_SET, which every exec
keeps: `create.launch_inheritable`), so a root exec after PR_CAPBSET_DROP(CAP_SETUID)
holds no CAP_SETUID (handle_privileged_root(): pP' = bset | pI; create.exec_caps); a
stated `capsh --inh=cap_setuid` launch (`--launch-inheritable 0x80`) keeps it (Linux's
setuid() 0)."""

from __future__ import annotations

from abi.value_ranges import CAPBSET_DROPPED
from guardian import exec_caps, launch_facts
from guardian.capset_sets import CAP_INHERITABLE, CAP_PERMITTED
from guardian.stated_facts import StatedFacts

CAP_SETUID = 7


def _exec_after_drop(inheritable: int | None) -> dict[str, object]:
    """The launch's first thread drops CAP_SETUID from its bounding set and execs: what
    create.exec_caps carries into the new image."""
    s = StatedFacts(lambda slot, fd: None, dict)
    if inheritable is not None:
        s.launch.inheritable = inheritable
    launch_facts.start(s.launch, s, 5, 2)
    facts = s.threads[(5, 2)]
    facts[CAPBSET_DROPPED] = frozenset({CAP_SETUID})
    return exec_caps.collect(facts)


def test_the_launch_inheritable_set_is_empty_by_default() -> None:
    kept = _exec_after_drop(None)
    assert kept[CAP_INHERITABLE] == 0
    assert isinstance(kept[CAP_PERMITTED], int)
    assert not kept[CAP_PERMITTED] & (1 << CAP_SETUID)      # setuid(65534): -EPERM


def test_a_stated_launch_inheritable_set_is_kept_through_the_exec() -> None:
    kept = _exec_after_drop(1 << CAP_SETUID)                 # capsh --inh=cap_setuid
    assert isinstance(kept[CAP_PERMITTED], int)
    assert kept[CAP_PERMITTED] & (1 << CAP_SETUID)          # Linux's setuid(65534) 0
