"""A clone child's id is fixed when it is created (`fork.child_id_bound`): at its first run
the TID words its clone named hold one id, which then binds what the child and its
creator are told, whichever of the two runs first."""

from __future__ import annotations

import pytest

from abi.layout import (
    CLONE_CHILD_CLEARTID,
    CLONE_CHILD_SETTID,
    CLONE_PARENT_SETTID,
    CLONE_THREAD,
    CLONE_VM,
    NR_CLONE,
)
from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import Refused
from guardian.child_ids import bind_at_first_run
from guardian.confidential_registry import Registry
from guardian.result_ranges import IdRanges
from guardian.slots import Domain, Slot, Space
from guardian.tid_words import TidWords

ROOT, CHILD_ROOT = 0x10_0000, 0x20_0000
CLONE_SIGHAND = 0x800
DATA, PTID, CTID = 0x4A_0000, 0x4A_0000, 0x4A_0010
THREAD = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID
FORK = CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | 17          # the C library's fork()


class Scene:
    def __init__(self, flags: int, *, fork: bool = False) -> None:
        self.reg = Registry(None)                       # type: ignore[arg-type]
        dom = Domain(1)
        dom.spaces = {ROOT: Space(), CHILD_ROOT: Space()}
        for space in dom.spaces.values():
            space.areas.append((DATA, DATA + 0x1_0000))          # where the words live
        self.reg.domains[1] = dom
        self.space = dom.spaces[CHILD_ROOT if fork else ROOT]
        self.ids = IdRanges(self.reg, None)              # type: ignore[arg-type]
        self.words = TidWords(self.reg, None)            # type: ignore[arg-type]
        self.creator = self.reg.add_slot(1, UserContext(), 0x40_0000, NR_CLONE,
                                         (flags, 0, PTID, 0, CTID, 0), root=ROOT, thread=1)
        self.creator.children = 1
        self.child = self.reg.add_slot(1, UserContext(), 0x40_0000, None,
                                       root=CHILD_ROOT if fork else ROOT, thread=2)
        self.child.creator = self.creator.id
        if fork:
            self.creator.child_root = CHILD_ROOT
        else:
            self.creator.new_thread = 2

    def first_run(self) -> None:
        bind_at_first_run(self.reg, self.words, self.ids, self.child)

    def gettid(self, nr: str, answer: int) -> None:
        slot = Slot(99, 1, UserContext(), 0, NUMBERS[nr], (0,) * 6, root=self.child.root,
                    thread=2)
        self.ids.check(slot, answer)


def _refused_by(check: str) -> pytest.RaisesContext[Refused]:
    return pytest.raises(Refused, match=check.replace(".", r"\."))


def test_a_thread_that_runs_first_is_held_to_the_id_its_word_holds() -> None:
    s = Scene(THREAD)
    s.creator.tid_stores.append((PTID, 7))
    s.first_run()
    assert s.space.tids[2] == 7
    s.gettid("gettid", 7)                                    # the honest answer
    with _refused_by("return.id_range"):
        s.gettid("gettid", 11)


def test_a_fork_child_that_runs_first_is_held_to_its_word() -> None:
    s = Scene(FORK, fork=True)
    s.creator.tid_stores.append((CTID, 9))
    s.first_run()
    assert s.space.pids[0] == 9 and s.space.tids[2] == 9
    s.gettid("getpid", 9)
    with _refused_by("return.id_range"):
        s.gettid("getpid", 13)


def test_a_word_its_flags_name_must_be_stored_before_the_child_runs() -> None:
    s = Scene(THREAD)
    with _refused_by("fork.child_id_bound"):
        s.first_run()


def test_a_word_linux_could_not_store_may_stay_unstored() -> None:
    """Linux ignores a failed put_user: a word outside the program's writable memory."""
    s = Scene(THREAD)
    s.reg.domains[1].spaces[ROOT].areas.clear()
    s.first_run()
    s = Scene(THREAD)
    s.reg.domains[1].spaces[ROOT].set_protection(DATA, DATA + 4096, 1)     # read-only
    s.first_run()
    assert 2 not in s.space.tids


def test_the_words_must_agree() -> None:
    s = Scene(THREAD | CLONE_CHILD_SETTID)
    s.creator.tid_stores += [(PTID, 7), (CTID, 3)]
    with _refused_by("fork.child_id_bound"):
        s.first_run()


def test_an_id_outside_linuxs_range_is_refused() -> None:
    s = Scene(THREAD)
    s.creator.tid_stores.append((PTID, 0xFFFF_FFFF))
    with _refused_by("fork.child_id_bound"):
        s.first_run()


def test_nothing_is_bound_without_a_word_or_once_the_clone_returned() -> None:
    s = Scene(CLONE_VM | CLONE_THREAD | CLONE_SIGHAND)       # names no word
    s.first_run()
    assert 2 not in s.space.tids
    s = Scene(THREAD)
    del s.reg.slots[s.creator.id]                             # the creator already returned
    s.first_run()
    assert 2 not in s.space.tids


def test_the_check_can_be_removed() -> None:
    checks.set_mutation("fork.child_id_bound")
    try:
        s = Scene(THREAD)
        s.first_run()                                         # no word stored: let through
        assert 2 not in s.space.tids
    finally:
        checks.set_mutation("")


def test_a_vfork_childs_id_binds_its_parents_return() -> None:
    """A CLONE_VM child that is a process of its own runs first (vfork holds the parent):
    the id its getpid was told is the one the parent's clone returns."""
    s = Scene(CLONE_VM | 0x4000 | 17)                         # CLONE_VFORK, SIGCHLD
    s.creator.new_thread, s.creator.child_thread = 0, 2
    s.reg.thread_groups[(ROOT, 2)] = 2
    s.first_run()                                             # no word named: nothing bound
    getpid = Slot(99, 1, UserContext(), 0, NUMBERS["getpid"], (0,) * 6, root=ROOT, thread=2)
    s.ids.commit(getpid, 9, s.ids.check(getpid, 9))           # type: ignore[arg-type]
    with _refused_by("return.id_range"):
        s.ids.check(s.creator, 10)
    assert s.ids.check(s.creator, 9) == (ROOT, 2)
