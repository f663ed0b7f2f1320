"""A thread's exit happens once, as far as the program sees it: its CLEARTID word is
cleared once (after its robust-list walk), and once that clear was granted, or its
process was reported reaped, nothing on its behalf reaches memory or user code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from abi.layout import NR_EXIT, NR_EXIT_GROUP
from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks, thread_exit
from guardian.capabilities import R, W, covered
from guardian.checks import Refused
from guardian.confidential_registry import Registry
from guardian.slots import Domain, Slot, Space
from guardian.tid_words import TidWords

ROOT = 0x4000_0000
MAIN, B, C, HELPER = 1, 2, 3, 4                     # threads; HELPER: a CLONE_VM process
MAIN_WORD, B_WORD, C_WORD, HELPER_WORD = 0x49_0020, 0x49_0030, 0x49_0040, 0x49_0050
ROBUST_HEAD = 0x49_1000
ZERO = bytes(4)
NR_FUTEX = NUMBERS["futex"]


@pytest.fixture(autouse=True)
def _intact() -> Iterator[None]:
    yield
    checks.set_mutation("")


def _setup() -> tuple[Registry, Domain, Space, TidWords]:
    reg = Registry(None)  # type: ignore[arg-type]   # no CPU: nothing here reads TTBR0
    dom = Domain(1, roots={ROOT})
    space = reg.space(dom, ROOT)
    space.tid_words.update({MAIN: MAIN_WORD, B: B_WORD, C: C_WORD, HELPER: HELPER_WORD})
    reg.thread_groups[(ROOT, HELPER)] = HELPER
    return reg, dom, space, TidWords(reg, None)  # type: ignore[arg-type]


def _slot(nr: int, thread: int) -> Slot:
    return Slot(7, 1, UserContext(), 0x40_0000, nr, (0,) * 6, root=ROOT, thread=thread)


def _refusal(reg: Registry, space: Space, slot: Slot, va: int, n: int, write: bool,
             data: bytes = b"") -> str:
    try:
        thread_exit.check_access(reg, space, slot, va, n, write, data)
    except Refused as r:
        return r.check
    return ""


def _may_clear(tw: TidWords, dom: Domain, slot: Slot, word: int) -> bool:
    return covered(tw.grants(slot, dom, ROOT, True, ZERO), word, 4, W) == 4


def test_an_exit_walks_its_robust_list_then_clears_its_word_once() -> None:
    reg, dom, space, tw = _setup()
    exit_b = _slot(NR_EXIT, B)
    assert _refusal(reg, space, exit_b, ROBUST_HEAD, 24, False) == ""    # the walk first
    assert _may_clear(tw, dom, exit_b, B_WORD)
    assert thread_exit.note_clear(reg, space, exit_b, B_WORD, ZERO) == [B]
    assert reg.tid_cleared == {(ROOT, B)}
    # The join's signal is given: no second clear, no walk, no return.
    assert not _may_clear(tw, dom, exit_b, B_WORD)
    assert _refusal(reg, space, exit_b, B_WORD, 4, True, ZERO) == "exit.tid_once"
    assert _refusal(reg, space, exit_b, ROBUST_HEAD, 24, False) == "exit.tid_once"
    with pytest.raises(Refused, match="exit.tid_once"):
        thread_exit.check_return(reg, exit_b)
    # The other threads go on as before.
    assert _refusal(reg, space, _slot(NR_FUTEX, MAIN), ROBUST_HEAD, 4, False) == ""
    thread_exit.check_return(reg, _slot(NR_FUTEX, MAIN))


def test_a_store_that_is_no_clear_or_a_thread_without_a_word_records_nothing() -> None:
    reg, _, space, _ = _setup()
    thread_exit.note_clear(reg, space, _slot(NR_EXIT, B), B_WORD, b"\x01\0\0\0")
    thread_exit.note_clear(reg, space, _slot(NR_FUTEX, B), B_WORD, ZERO)
    del space.tid_words[C]                              # no CLEARTID, no set_tid_address
    thread_exit.note_clear(reg, space, _slot(NR_EXIT, C), C_WORD, ZERO)
    assert reg.tid_cleared == set()


def test_exit_group_clears_each_threads_word_once_its_own_included() -> None:
    reg, dom, space, tw = _setup()
    thread_exit.note_clear(reg, space, _slot(NR_EXIT, B), B_WORD, ZERO)   # B exited, joined
    group = _slot(NR_EXIT_GROUP, MAIN)
    assert not _may_clear(tw, dom, group, B_WORD)        # B's word was cleared already
    with pytest.raises(Refused, match="exit.tid_once"):
        thread_exit.check_cleared_word(reg, space, group, B_WORD, 4)
    thread_exit.check_cleared_word(reg, space, group, C_WORD, 4)      # C's is still due
    thread_exit.check_cleared_word(reg, space, _slot(NR_EXIT_GROUP, HELPER), B_WORD, 4)
    assert _refusal(reg, space, group, B_WORD, 4, True, ZERO) == ""       # MAIN still live
    assert _may_clear(tw, dom, group, MAIN_WORD) and _may_clear(tw, dom, group, C_WORD)
    assert not _may_clear(tw, dom, group, HELPER_WORD)   # another process's word
    thread_exit.note_clear(reg, space, group, MAIN_WORD, ZERO)            # its own first
    # After its own clear the caller still clears the words of its group's other threads.
    assert _refusal(reg, space, group, C_WORD, 4, True, ZERO) == ""
    assert _refusal(reg, space, group, MAIN_WORD, 4, True, ZERO) == "exit.tid_once"
    assert _refusal(reg, space, group, ROBUST_HEAD, 24, False) == "exit.tid_once"
    thread_exit.note_clear(reg, space, group, C_WORD, ZERO)
    assert reg.tid_cleared == {(ROOT, B), (ROOT, MAIN), (ROOT, C)}
    assert _refusal(reg, space, group, C_WORD, 4, True, ZERO) == "exit.tid_once"


def test_a_new_thread_on_a_reused_stack_has_its_word_cleared_again() -> None:
    reg, dom, space, tw = _setup()
    thread_exit.note_clear(reg, space, _slot(NR_EXIT, B), B_WORD, ZERO)
    space.tid_words[5] = B_WORD                          # a cached stack's TID word
    assert _may_clear(tw, dom, _slot(NR_EXIT, 5), B_WORD)
    group = _slot(NR_EXIT_GROUP, MAIN)
    thread_exit.note_clear(reg, space, group, B_WORD, ZERO)
    assert (ROOT, 5) in reg.tid_cleared and (ROOT, MAIN) not in reg.tid_cleared


def test_a_reaped_clone_vm_child_makes_no_access_any_more() -> None:
    reg, _, space, _ = _setup()
    reg.vm_children[(ROOT, 42)] = HELPER
    assert thread_exit.end_vm_child(reg, ROOT, 41) == 0            # a pid it never had
    assert thread_exit.end_vm_child(reg, ROOT, 42) == HELPER
    assert reg.vm_children == {} and reg.was_reaped(ROOT, HELPER)
    exit_helper = _slot(NR_EXIT, HELPER)
    assert _refusal(reg, space, exit_helper, HELPER_WORD, 4, True, ZERO) == "exit.after_reaped"
    assert _refusal(reg, space, exit_helper, ROBUST_HEAD, 24, False) == "exit.after_reaped"
    assert _refusal(reg, space, _slot(NR_EXIT, MAIN), MAIN_WORD, 4, True, ZERO) == ""


def test_without_the_check_a_word_is_cleared_as_often_as_the_kernel_asks() -> None:
    reg, dom, space, tw = _setup()
    exit_b = _slot(NR_EXIT, B)
    thread_exit.note_clear(reg, space, exit_b, B_WORD, ZERO)
    checks.set_mutation("exit.tid_once")
    assert _may_clear(tw, dom, exit_b, B_WORD)
    assert _refusal(reg, space, exit_b, B_WORD, 4, True, ZERO) == ""


def _may_walk(reg: Registry, space: Space, slot: Slot) -> bool:
    caps = thread_exit.robust_caps(reg, space, slot)
    return covered(caps, ROBUST_HEAD, 24, R) == 24 and \
        _refusal(reg, space, slot, ROBUST_HEAD, 24, False) == ""


def test_a_robust_list_is_walked_at_its_own_threads_exit_only() -> None:
    reg, _, space, _ = _setup()
    space.robust_lists[B] = [(ROBUST_HEAD, ROBUST_HEAD + 24, R | W)]
    assert _may_walk(reg, space, _slot(NR_EXIT, B))
    assert not _may_walk(reg, space, _slot(NR_EXIT, C))           # another thread's exit
    assert not _may_walk(reg, space, _slot(NR_EXIT_GROUP, HELPER))  # another process
    group = _slot(NR_EXIT_GROUP, MAIN)
    assert _may_walk(reg, space, group)                           # B is of MAIN's group
    thread_exit.note_clear(reg, space, group, MAIN_WORD, ZERO)    # the caller's own clear
    assert _may_walk(reg, space, group)                           # B's walk still to come
    thread_exit.note_clear(reg, space, group, B_WORD, ZERO)
    assert not _may_walk(reg, space, group)                       # B is gone
