"""The confidential syscall round trip's short cuts keep what they stand in for: the
user copy's probe of the Guardian's walk cache obeys the cache's validity rules, the
lock reaches EL1 faces made after the Guardian, and each "only these calls" list is the
one its own function stops at."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from abi.syscalls import NUMBERS
from emulator.el1 import CoreOwnedByUser
from emulator.machine import Machine
from emulator.machine_config import load_machine
from emulator.mmu import TranslationFault
from guardian import user_memory
from guardian.confidential_domains import UNMAPPING_CALLS, Lifecycle
from guardian.confidential_layout import LAYOUT_CALLS, Layout
from guardian.confidential_old_state import OLD_STATE_CALLS, OldSignalState
from guardian.confidential_selfsignal import SIGNAL_STATE_CALLS, SelfSignals
from guardian.monitor import Guardian
from guardian.slots import Domain, Slot, Space
from guardian.tid_words import TID_WORD_CALLS, TidWords
from guardian.user_memory import UserMemory

PAGE = 4096


class _Walker:
    """Maps every page to `frame` (a fresh walk answers whatever it is set to now)."""

    def __init__(self) -> None:
        self.frame = 0x4000_0000
        self.walks = 0

    def translate(self, _regime: object, va: int, _access: object, _el: int) -> Any:
        self.walks += 1
        return SimpleNamespace(pa=self.frame | (va & (PAGE - 1)))


def _memory() -> tuple[UserMemory, Any, _Walker]:
    cpu = SimpleNamespace(ttbr0=0x8000, ttbr1=0x9000, tcr=0, sctlr=1)
    walker = _Walker()
    state = SimpleNamespace(cpus=[cpu], user_tlb={}, user_tlb_regime=None,
                            machine=SimpleNamespace(walker=walker),
                            frames=SimpleNamespace(contains=lambda pa: True))
    return UserMemory(state), cpu, walker   # type: ignore[arg-type]


def test_a_copy_uses_a_cached_walk_only_while_it_is_valid() -> None:
    mem, cpu, walker = _memory()
    va = 0x1234_5678
    assert mem.spans(va, 100, True) == [(0x4000_0000 | (va & 0xFFF), 100)]
    assert walker.walks == 1
    assert mem.spans(va, 100, True) == [(0x4000_0000 | (va & 0xFFF), 100)]
    assert walker.walks == 1                     # served from the cache
    # The registers the walk depends on changed: the cached frame is stale.
    walker.frame = 0x5000_0000
    cpu.sctlr = 0
    assert mem.spans(va, 100, True) == [(0x5000_0000 | (va & 0xFFF), 100)]
    assert walker.walks == 2
    # Another tree: never the first tree's frame.
    walker.frame = 0x6000_0000
    cpu.ttbr0 = 0xA000
    assert mem.spans(va, 100, True) == [(0x6000_0000 | (va & 0xFFF), 100)]
    # A cache grown past its bound is emptied before use, as translate() does.
    cache = mem.s.user_tlb
    for page in range(user_memory._USER_TLB_ENTRIES + 1):
        cache[(0xB000, page, False)] = 0
    walker.frame = 0x7000_0000
    assert mem.spans(va, 100, True) == [(0x7000_0000 | (va & 0xFFF), 100)]
    assert len(cache) == 1


def test_a_copy_across_pages_and_a_missing_page() -> None:
    mem, _, walker = _memory()
    va = 0x10_0000 - 8
    assert mem.spans(va, 16, False) == [(0x4000_0000 | (va & 0xFFF), 8), (0x4000_0000, 8)]
    walker.translate = lambda *_a: TranslationFault(0, 3)   # type: ignore[assignment,misc]
    assert mem.spans(0x20_0000, 8, False) == 0x20_0000


def test_the_lock_reaches_a_face_made_after_the_guardian() -> None:
    hw = Machine(load_machine("small"))
    guardian = Guardian(hw, mode="blindfold")
    assert not list(hw.el1_faces())
    face = hw.el1(0)                       # the kernel's face, made once it boots
    guardian.state.lock_el1(True)
    with pytest.raises(CoreOwnedByUser):
        face.msr(0, 0)
    with pytest.raises(CoreOwnedByUser):   # its PSTATE write would clear the user's NZCV
        face.enter_el0()
    guardian.state.lock_el1(False)
    assert not face.user_owned


# --- each list is where its function stops --------------------------------------------------

_ARGS = [(0, 0, 0, 0, 0, 0), (0x40_0000, 0x2000, 0x3, 0x22, 3, 0),
         (0x7FFF_0000, 0x1000, 0x10, 0x12, 0, 0x1000)]
_RESULTS = (0, 1, 0x40_0000, (1 << 64) - 22)
_OTHERS = [nr for nr in sorted(set(NUMBERS.values()))
           if nr not in LAYOUT_CALLS | UNMAPPING_CALLS | SIGNAL_STATE_CALLS | OLD_STATE_CALLS
           | TID_WORD_CALLS]


def _slot(nr: int, args: tuple[int, ...]) -> Slot:
    from emulator.fastuc import UserContext
    return Slot(1, 1, UserContext(), 0x1000, nr, args, root=0x8000, thread=1)


def test_the_lists_hold_the_calls_their_functions_act_on() -> None:
    """Every call outside the lists passes through each function untouched, and each list
    names calls its function does act on (a list is no wider than its function)."""
    registry = SimpleNamespace(space=lambda dom, root: dom.spaces.setdefault(root, Space()),
                               space_of=lambda d, r: None, group_of=lambda r, t: 0)
    layout = Layout(None, registry, None, None, None)  # type: ignore[arg-type]
    life = Lifecycle.__new__(Lifecycle)
    life.registry = registry                           # type: ignore[assignment]
    signals = SelfSignals(None, registry, None)        # type: ignore[arg-type]
    old = OldSignalState(registry, signals)            # type: ignore[arg-type]
    tids = TidWords(registry, None)                    # type: ignore[arg-type]
    dom = Domain.__new__(Domain)
    dom.spaces = {}
    for nr in _OTHERS:
        for args in _ARGS:
            for ret in _RESULTS:
                slot = _slot(nr, args)
                assert layout.check(slot, dom, ret) == ""
                assert life.unmapped_by(slot, ret) == []
                signals.note_signal_state(slot, ret)
                old.check_write(slot, dom, args[1], b"\0" * 8)
                assert tids.grants(slot, dom, 0x8000, True, b"\0" * 4) == []
                assert tids.broad(slot, dom) == []
    assert not signals.signal_states
    assert all(not (sp.areas or sp.brk) for sp in dom.spaces.values())
    assert NUMBERS["getppid"] in _OTHERS and NUMBERS["read"] in _OTHERS
    assert {NUMBERS[n] for n in ("mmap", "munmap", "brk", "mremap", "madvise", "shmget", "shmat",
                                 "shmdt")} == LAYOUT_CALLS


def test_the_result_only_calls_meet_no_rule_of_the_result_check() -> None:
    """`RESULT_ONLY` (calls whose result just becomes x0) shares no number with any
    test by number in `ResultRules.judge`, and every such test is one of those
    the list is made from: a rule added there without its calls leaving the list fails."""
    import ast
    import inspect
    import textwrap

    from guardian import result_arguments as ca
    from guardian import result_creds as cc
    from guardian import result_rules as cr
    from guardian.credentials import CALLS as CRED_CALLS

    tested: list[tuple[str, frozenset[int]]] = []
    # judge and the parts it calls (judge_arguments for ARGUMENT_CALLS alone, the
    # credential rules for the credential calls alone)
    for fn, module, within in ((cr.ResultRules.judge, cr, None),
                               (ca.judge_arguments, ca, ca.ARGUMENT_CALLS),
                               (cc.judge_creds, cc, CRED_CALLS),
                               (cc.commit_creds, cc, CRED_CALLS)):
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Name)
                    and node.left.id == "nr"):
                continue
            for op, right in zip(node.ops, node.comparators, strict=True):
                assert isinstance(right, ast.Name), ast.dump(right)   # a list or a number, by name
                value = getattr(module, right.id)
                calls = frozenset({value} if isinstance(value, int) else value)
                tested.append((type(op).__name__, calls))
                # a rule whose calls its caller never passes to it would never run
                assert within is None or calls <= within, (fn.__name__, sorted(calls - within))
    assert len(tested) >= 15
    for op, calls in tested:
        if op == "NotIn":              # an allow-list: the calls outside it are checked
            assert cr.RESULT_ONLY <= calls
        else:
            assert op in ("In", "Eq") and not cr.RESULT_ONLY & calls, (op, sorted(calls))
    assert NUMBERS["sync"] in cr.RESULT_ONLY and NUMBERS["read"] not in cr.RESULT_ONLY
    assert NUMBERS["sched_yield"] not in cr.RESULT_ONLY   # return.errno_set judges it
    assert NUMBERS["getppid"] not in cr.RESULT_ONLY       # return.id_range judges it
