"""The TID words the kernel may store into, as Linux's clone/exit contract allows: which
word, in which tree, at which call, with which value."""

from __future__ import annotations

import struct

from abi.layout import (
    CLONE_CHILD_CLEARTID,
    CLONE_CHILD_SETTID,
    CLONE_PARENT_SETTID,
    CLONE_PIDFD,
    CLONE_VM,
    NR_CLONE,
    NR_EXIT,
    NR_EXIT_GROUP,
)
from emulator.fastuc import UserContext
from guardian.capabilities import W, covered
from guardian.confidential_registry import Registry
from guardian.slots import Domain, Slot
from guardian.tid_words import TidWords

PARENT, CHILD = 0x4000_0000, 0x4010_0000            # two trees of one domain
PTID, CTID, MAIN_WORD, B_WORD = 0x49_0000, 0x49_0010, 0x49_0020, 0x49_0030
MAIN, B, OTHER_GROUP = 1, 2, 3                      # threads of the parent's tree


def _setup() -> tuple[TidWords, Registry, Domain]:
    reg = Registry(None)  # type: ignore[arg-type]   # no CPU: nothing here reads TTBR0
    dom = Domain(1, roots={PARENT, CHILD})
    space = reg.space(dom, PARENT)
    space.tid_words.update({MAIN: MAIN_WORD, B: B_WORD, OTHER_GROUP: 0x49_0040})
    reg.thread_groups[(PARENT, OTHER_GROUP)] = OTHER_GROUP     # a vfork-like process
    return TidWords(reg, None), reg, dom  # type: ignore[arg-type]   # clone: args only


def _slot(nr: int, args: tuple[int, ...] = (), thread: int = MAIN, child_root: int = 0) -> Slot:
    s = Slot(7, 1, UserContext(), 0x40_0000, nr, args + (0,) * (6 - len(args)),
             root=PARENT, thread=thread)
    s.child_root = child_root
    return s


def _may(grants: list[tuple[int, int, int]], va: int) -> bool:
    return covered(grants, va, 4, W) == 4


def test_a_clone_stores_only_the_words_its_flags_name_in_the_tree_they_live_in() -> None:
    tw, _, dom = _setup()
    tid = struct.pack("<I", 42)
    thread = _slot(NR_CLONE, (CLONE_VM | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID, 0, PTID, 0,
                              CTID))
    assert _may(tw.grants(thread, dom, PARENT, True, tid), PTID)
    assert _may(tw.grants(thread, dom, PARENT, True, tid), CTID)      # CLONE_VM: one memory
    assert tw.grants(thread, dom, PARENT, False, b"") == []           # stores only
    clear_only = _slot(NR_CLONE, (CLONE_VM | CLONE_CHILD_CLEARTID, 0, PTID, 0, CTID))
    assert tw.grants(clear_only, dom, PARENT, True, bytes(4)) == []   # registers, stores nothing
    fork = _slot(NR_CLONE, (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID, 0, 0, 0, CTID),
                 child_root=CHILD)
    assert not _may(tw.grants(fork, dom, PARENT, True, tid), CTID)    # not the parent's copy
    assert _may(tw.grants(fork, dom, CHILD, True, tid), CTID)         # the child's own
    unforked = _slot(NR_CLONE, (CLONE_CHILD_SETTID, 0, 0, 0, CTID))
    assert tw.grants(unforked, dom, CHILD, True, tid) == []           # no child tree yet


def test_an_exit_clears_its_own_word_and_exit_group_its_groups_words_only() -> None:
    tw, _, dom = _setup()
    b_exit = _slot(NR_EXIT, thread=B)
    grants = tw.grants(b_exit, dom, PARENT, True, bytes(4))
    assert _may(grants, B_WORD) and not _may(grants, MAIN_WORD)
    assert tw.grants(b_exit, dom, PARENT, True, b"\x01\0\0\0") == []  # zeros only
    assert tw.grants(b_exit, dom, CHILD, True, bytes(4)) == []        # its own tree only
    group = tw.grants(_slot(NR_EXIT_GROUP, thread=MAIN), dom, PARENT, True, bytes(4))
    assert _may(group, MAIN_WORD) and _may(group, B_WORD) and not _may(group, 0x49_0040)
    # What a grant by address alone would allow: the refusal inside it is a TID-word one.
    assert _may(tw.broad(b_exit, dom), MAIN_WORD)


def test_a_clone_records_the_value_it_stores_for_the_return_check() -> None:
    tw, _, _ = _setup()
    slot = _slot(NR_CLONE, (CLONE_VM | CLONE_PARENT_SETTID, 0, PTID))
    tw.note_store(slot, PTID, struct.pack("<I", 42))
    tw.note_store(_slot(NR_EXIT), B_WORD, bytes(4))
    assert slot.tid_stores == [(PTID, 42)]


def test_a_clone_pidfd_store_is_no_tid_store() -> None:
    # sys_clone(): .pidfd = parent_tidptr; copy_process(): put_user(pidfd, args->pidfd).
    tw, _, dom = _setup()
    slot = _slot(NR_CLONE, (CLONE_PIDFD | 17, 0, PTID, 0, 0))
    assert _may(tw.grants(slot, dom, slot.root, True, struct.pack("<I", 3)), PTID)
    tw.note_store(slot, PTID, struct.pack("<I", 3))
    assert slot.tid_stores == []
