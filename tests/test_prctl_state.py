"""The prctl state guardian/prctl_state.py follows: MDWE bits (kept, handed to a fork
child unless PR_MDWE_NO_INHERIT), SECURE_KEEP_CAPS (reset by PR_SET_SECUREBITS, unshare,
setns) and a fork child's MMF_DISABLE_THP."""

from __future__ import annotations

from abi.value_ranges import KEEPCAPS, MDWE, SECUREBITS_RESET, SUBREAPER, THP_DISABLE
from guardian import prctl_state
from guardian.slots import Slot
from guardian.stated_facts import StatedFacts


def _slot(*args: int, root: int = 5, thread: int = 2) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=167, args=args, root=root,
                thread=thread)


def _stated() -> StatedFacts:
    return StatedFacts(lambda slot, fd: None, dict)


def test_mdwe_kept_and_inherited_unless_no_inherit() -> None:
    s = _stated()
    assert prctl_state.kept(s, _slot(66, 0), MDWE) is None      # the launcher's: unknown
    prctl_state.note_set(s, _slot(65, 1), MDWE)
    assert prctl_state.kept(s, _slot(66, 0, thread=3), MDWE) == 1   # any thread of the mm
    s.note_clone(5, 2, 9, 9)
    assert prctl_state.kept(s, _slot(66, 0, root=9, thread=9), MDWE) == 1
    prctl_state.note_set(s, _slot(65, 3), MDWE)
    s.note_clone(5, 2, 11, 11)
    assert prctl_state.kept(s, _slot(66, 0, root=11, thread=11), MDWE) == 0


def test_thp_disable_carried_to_a_fork_child() -> None:
    s = _stated()
    s.of_space(_slot(41, 1))[THP_DISABLE] = 1
    s.note_clone(5, 2, 9, 9)
    assert s.of_space(_slot(42, root=9, thread=9))[THP_DISABLE] == 1
    s.note_clone(5, 2, 0, 4)                    # a thread: the same mm, nothing copied
    assert (0, -1) not in s.threads


def test_keepcaps_per_thread_and_reset() -> None:
    s = _stated()
    prctl_state.note_set(s, _slot(8, 1), KEEPCAPS)
    assert prctl_state.kept(s, _slot(7), KEEPCAPS) == 1
    assert prctl_state.kept(s, _slot(7, thread=3), KEEPCAPS) is None
    prctl_state.note_set(s, _slot(28, 0), SECUREBITS_RESET)
    assert prctl_state.kept(s, _slot(7), KEEPCAPS) is None


def test_write_exec_mapping_under_mdwe() -> None:
    s = _stated()
    rwx = 7
    anon = _slot(0, 4096, rwx, 0x22, -1 & (1 << 64) - 1, 0)
    assert not prctl_state.write_exec_denied(s, anon, "mmap")   # no MDWE seen
    prctl_state.note_set(s, _slot(65, 1), MDWE)
    assert prctl_state.write_exec_denied(s, anon, "mmap")
    assert not prctl_state.write_exec_denied(s, _slot(0, 4096, 3, 0x22, 0, 0), "mmap")
    assert not prctl_state.write_exec_denied(s, _slot(0x10000, 4096, rwx, 0x32, 0, 0), "mmap")
    assert prctl_state.write_exec_denied(s, _slot(0x10000, 4096, rwx), "mprotect")
    assert not prctl_state.write_exec_denied(s, _slot(0x10000, 0, rwx), "mprotect")


def test_write_exec_mapping_made_before_mdwe_may_merge() -> None:
    s = _stated()
    anon = _slot(0, 4096, 7, 0x22, 0, 0)
    prctl_state.note_write_exec(s, anon)
    prctl_state.note_set(s, _slot(65, 1), MDWE)
    assert not prctl_state.write_exec_denied(s, anon, "mmap")
    assert prctl_state.write_exec_denied(s, _slot(0x10000, 4096, 7), "mprotect")


def test_subreaper_forgotten_when_another_thread_sets_it() -> None:
    s = _stated()
    prctl_state.note_set(s, _slot(36, 1), SUBREAPER)
    assert prctl_state.kept(s, _slot(37, 0x1000), SUBREAPER) == 1
    prctl_state.note_set(s, _slot(36, 0, thread=3), SUBREAPER)
    assert prctl_state.kept(s, _slot(37, 0x1000), SUBREAPER) is None
    assert prctl_state.kept(s, _slot(37, 0x1000, thread=3), SUBREAPER) == 0


def test_dumpable_per_mm_until_a_credential_change() -> None:
    from abi.value_ranges import CRED_CHANGE, DUMPABLE
    s = _stated()
    assert prctl_state.kept(s, _slot(3), DUMPABLE) is None       # the launcher's: unknown
    prctl_state.note_set(s, _slot(4, 0), DUMPABLE)
    assert prctl_state.kept(s, _slot(3, thread=3), DUMPABLE) == 0    # any thread of the mm
    s.note_clone(5, 2, 9, 9)                                     # dup_mm(): MMF_INIT_MASK
    assert prctl_state.kept(s, _slot(3, root=9, thread=9), DUMPABLE) == 0
    prctl_state.note_set(s, _slot(1000, thread=3), CRED_CHANGE)  # commit_creds()
    assert prctl_state.kept(s, _slot(3), DUMPABLE) is None
    assert prctl_state.kept(s, _slot(3, root=9, thread=9), DUMPABLE) == 0
