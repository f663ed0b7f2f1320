"""The prctl state guardian/prctl_state.py follows: MDWE bits (kept, handed to a fork
child unless PR_MDWE_NO_INHERIT), SECURE_KEEP_CAPS (reset by PR_SET_SECUREBITS, unshare,
setns) and a fork child's MMF_DISABLE_THP."""

from __future__ import annotations

from abi.value_ranges import (
    AMBIENT_RAISED,
    CAPBSET_DROPPED,
    CRED_CHANGE,
    KEEPCAPS,
    MDWE,
    PDEATH_SIGNAL,
    SECUREBITS_RESET,
    SPEC_SSB,
    SUBREAPER,
    THP_DISABLE,
)
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
    # (PR_SET_SECUREBITS(0): cap_task_prctl() sets securebits to 0, SECURE_KEEP_CAPS among them)
    assert prctl_state.kept(s, _slot(7), KEEPCAPS) == 0


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


def test_mdwe_set_of_other_bits_is_refused_once_bits_are_held() -> None:
    s = _stated()
    assert prctl_state.set_refused(s, _slot(65, 0), MDWE) is None   # nothing known yet
    prctl_state.note_set(s, _slot(65, 1), MDWE)
    assert prctl_state.set_refused(s, _slot(65, 1), MDWE) is None   # the same bits: 0
    assert prctl_state.set_refused(s, _slot(65, 0), MDWE)           # prctl_set_mdwe(): -EPERM
    assert prctl_state.set_refused(s, _slot(65, 3), MDWE)


def test_capability_sets_followed_per_thread_and_copied_to_a_new_task() -> None:
    s = _stated()
    prctl_state.note_set(s, _slot(24, 5), CAPBSET_DROPPED)
    prctl_state.note_set(s, _slot(47, 2, 6), AMBIENT_RAISED)
    assert prctl_state.kept(s, _slot(23, 5), CAPBSET_DROPPED) == 0
    assert prctl_state.kept(s, _slot(23, 6), CAPBSET_DROPPED) is None
    assert prctl_state.kept(s, _slot(47, 1, 6), AMBIENT_RAISED) == 1
    assert prctl_state.kept(s, _slot(47, 1, 6, thread=3), AMBIENT_RAISED) is None
    s.note_clone(5, 2, 0, 4, 0x50F00)                       # a thread (CLONE_THREAD)
    assert prctl_state.kept(s, _slot(23, 5, thread=4), CAPBSET_DROPPED) == 0
    s.note_clone(5, 2, 9, 9, 0x10000011)                    # CLONE_NEWUSER: a full set
    assert prctl_state.kept(s, _slot(23, 5, root=9, thread=9), CAPBSET_DROPPED) is None
    prctl_state.note_set(s, _slot(47, 3, 6), AMBIENT_RAISED)            # LOWER
    assert prctl_state.kept(s, _slot(47, 1, 6), AMBIENT_RAISED) is None
    prctl_state.note_set(s, _slot(47, 2, 6), AMBIENT_RAISED)
    prctl_state.note_set(s, _slot(147, 0, 0, 0), CRED_CHANGE)   # cap_capset() may drop it
    assert prctl_state.kept(s, _slot(47, 1, 6), AMBIENT_RAISED) is None


def test_subreaper_zero_in_a_fork_child_shared_by_a_thread() -> None:
    s = _stated()
    prctl_state.note_set(s, _slot(36, 1), SUBREAPER)
    s.note_clone(5, 2, 9, 9, 0x11)                          # fork: copy_signal()
    assert prctl_state.kept(s, _slot(37, 0, root=9, thread=9), SUBREAPER) == 0
    s.note_clone(5, 2, 0, 4, 0x4111)                        # vfork: a signal_struct of its own
    assert prctl_state.kept(s, _slot(37, 0, thread=4), SUBREAPER) == 0
    s.note_clone(5, 2, 0, 6, 0x50F00)                       # a thread: the same one
    assert prctl_state.kept(s, _slot(37, 0, thread=6), SUBREAPER) == 1


def test_store_bypass_control_once_disabled() -> None:
    s = _stated()
    get = _slot(52, 0)
    assert prctl_state.answer_refused(s, get, SPEC_SSB, 3) is None     # nothing set
    prctl_state.note_set(s, _slot(53, 0, 4), SPEC_SSB)                  # PR_SPEC_DISABLE
    assert prctl_state.answer_refused(s, get, SPEC_SSB, 3)              # PRCTL | ENABLE
    assert prctl_state.answer_refused(s, get, SPEC_SSB, 1 | 4) is None
    assert prctl_state.answer_refused(s, get, SPEC_SSB, 0) is None      # NOT_AFFECTED
    assert prctl_state.set_refused(s, _slot(53, 0, 2), SPEC_SSB) is None
    prctl_state.note_set(s, _slot(53, 0, 2), SPEC_SSB)                  # PR_SPEC_ENABLE
    assert prctl_state.answer_refused(s, get, SPEC_SSB, 3) is None
    prctl_state.note_set(s, _slot(53, 0, 8), SPEC_SSB)                  # FORCE_DISABLE
    assert prctl_state.set_refused(s, _slot(53, 0, 2), SPEC_SSB)        # -EPERM
    assert prctl_state.set_refused(s, _slot(53, 0, 4), SPEC_SSB) is None


def test_pdeath_signal_cleared_by_a_changed_effective_id() -> None:
    s = _stated()
    setresgid = _slot(-1 & 0xFFFF_FFFF, 65534, -1 & 0xFFFF_FFFF)
    setresgid.nr = 149
    prctl_state.note_id_change(s, setresgid, 0, {"egid": 65534})        # unchanged
    assert PDEATH_SIGNAL not in s.of_thread(setresgid)
    prctl_state.note_id_change(s, setresgid, 0, {})                     # egid not known
    assert PDEATH_SIGNAL not in s.of_thread(setresgid)
    prctl_state.note_id_change(s, setresgid, 0, {"egid": 0})
    assert s.of_thread(setresgid)[PDEATH_SIGNAL] == 0


def test_fork_beside_a_call_that_may_change_the_mm_flags() -> None:
    """Another thread's PR_SET_DUMPABLE, PR_SET_MDWE or set*id call overlapping the fork
    may land before or after dup_mm() copied the flags: the child's are not known."""
    from abi.value_ranges import DUMPABLE
    s = _stated()
    prctl_state.note_set(s, _slot(4, 1), DUMPABLE)
    prctl_state.note_set(s, _slot(65, 1), MDWE)
    s.of_space(_slot(41, 1))[THP_DISABLE] = 1
    s.note_clone(5, 2, 9, 9, 0, settled=False)
    child = _slot(3, root=9, thread=9)
    for fact in (DUMPABLE, MDWE, THP_DISABLE):
        assert prctl_state.kept(s, child, fact) is None
    s.note_clone(5, 2, 11, 11, 0)
    assert prctl_state.kept(s, _slot(3, root=11, thread=11), DUMPABLE) == 1


def test_exec_beside_a_call_that_may_change_the_mm_flags() -> None:
    """bprm_mm_init() copies the old mm's flags at the exec's start: another thread's
    PR_SET_MDWE in flight then, or one that returned since, may land on either side."""
    from abi.syscalls import NUMBERS
    from guardian import exec_kept
    from guardian.confidential_registry import Registry
    s = _stated()
    prctl_state.note_set(s, _slot(65, 1), MDWE)
    reg = Registry(None)                            # type: ignore[arg-type]
    execve = reg.add_slot(1, None, 0, NUMBERS["execve"], (0,) * 6, root=5, thread=2)
    assert exec_kept.collect(reg, s, execve, None).mdwe == 1
    reg.add_slot(1, None, 0, NUMBERS["prctl"], (65, 0, 0, 0, 0, 0), root=5, thread=3)
    assert exec_kept.collect(reg, s, execve, None).mdwe is None


def test_set_dumpable_overlapped_by_another_threads_setuid() -> None:
    """Another thread's setuid() that returned while PR_SET_DUMPABLE(1) was in flight may
    have run commit_creds() (suid_dumpable) after it: the mode is not known."""
    from abi.syscalls import NUMBERS
    from abi.value_ranges import DUMPABLE
    from guardian.confidential_registry import Registry
    s = _stated()
    reg = Registry(None)                            # type: ignore[arg-type]
    alone = reg.add_slot(1, None, 0, NUMBERS["prctl"], (4, 1, 0, 0, 0, 0), root=5, thread=2)
    prctl_state.note_set(s, alone, DUMPABLE)
    prctl_state.settle_dumpable(s, reg, alone)
    assert prctl_state.kept(s, alone, DUMPABLE) == 1
    del reg.slots[alone.id]
    setter = reg.add_slot(1, None, 0, NUMBERS["prctl"], (4, 1, 0, 0, 0, 0), root=5, thread=2)
    reg.user_runs[5] = 1                            # (the setuid() thread went back)
    prctl_state.note_set(s, setter, DUMPABLE)
    prctl_state.settle_dumpable(s, reg, setter)
    assert prctl_state.kept(s, setter, DUMPABLE) is None
