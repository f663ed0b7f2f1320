"""Round 74c's prctl state: what execve keeps of the exec'ing thread
(guardian/exec_task_kept.py), set*id calls that change nothing, setfsuid's change of the
fs id, store-bypass control in a new task, and READ_IMPLIES_EXEC's VM_MAYEXEC areas
(guardian/rie_areas.py)."""

from __future__ import annotations

from abi.syscalls import NUMBERS
from abi.value_ranges import (
    CAPBSET_DROPPED,
    CRED_CHANGE,
    NO_NEW_PRIVS,
    PDEATH_SIGNAL,
    SPEC_SSB,
    SUBREAPER,
)
from guardian import exec_task_kept, prctl_state, rie_areas
from guardian.confidential_registry import Registry
from guardian.slots import Slot
from guardian.stated_facts import StatedFacts

NONE = 0xFFFF_FFFF


def _slot(*args: int, nr: int = 167, root: int = 5, thread: int = 2) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=nr, args=args, root=root,
                thread=thread)


def _stated() -> StatedFacts:
    return StatedFacts(lambda slot, fd: None, dict)


def _cred_call(s: StatedFacts, call: Slot, ret: int) -> None:
    prctl_state.note_set(s, call, CRED_CHANGE)
    prctl_state.note_id_change(s, call, ret, None)


def test_setres_all_minus_one_changes_nothing() -> None:
    s = _stated()
    s.of_thread(_slot())[PDEATH_SIGNAL] = 10
    for name in ("setresuid", "setresgid"):
        _cred_call(s, _slot(NONE, NONE, NONE, nr=NUMBERS[name]), 0)
    assert s.of_thread(_slot())[PDEATH_SIGNAL] == 10
    _cred_call(s, _slot(NONE, 0, NONE, nr=NUMBERS["setresuid"]), 0)
    assert PDEATH_SIGNAL not in s.of_thread(_slot())            # (may have changed)


def test_setfsuid_change_shown_by_the_next_call() -> None:
    s, nr = _stated(), NUMBERS["setfsuid"]
    s.of_thread(_slot())[PDEATH_SIGNAL] = 10
    _cred_call(s, _slot(65534, nr=nr), 0)
    assert PDEATH_SIGNAL not in s.of_thread(_slot())
    _cred_call(s, _slot(NONE, nr=nr), 65534)                    # the fsuid is 65534 now
    assert s.of_thread(_slot())[PDEATH_SIGNAL] == 0
    # a call that asks the fsuid it answers proves nothing; nor one refused (old kept)
    s = _stated()
    _cred_call(s, _slot(65534, nr=nr), 65534)
    _cred_call(s, _slot(NONE, nr=nr), 65534)
    assert PDEATH_SIGNAL not in s.of_thread(_slot())
    _cred_call(s, _slot(7, nr=nr), 0)
    _cred_call(s, _slot(NONE, nr=nr), 0)
    assert PDEATH_SIGNAL not in s.of_thread(_slot())


def test_setfsuid_proof_void_after_a_pdeathsig_set() -> None:
    s, nr = _stated(), NUMBERS["setfsuid"]
    _cred_call(s, _slot(65534, nr=nr), 0)
    s.of_thread(_slot())[PDEATH_SIGNAL] = 12                    # PR_SET_PDEATHSIG since
    _cred_call(s, _slot(NONE, nr=nr), 65534)
    assert PDEATH_SIGNAL not in s.of_thread(_slot())
    _cred_call(s, _slot(65534, nr=nr), 0)                       # another set*id between
    _cred_call(s, _slot(NONE, NONE, NONE, nr=NUMBERS["setresuid"]), 0)
    _cred_call(s, _slot(0, 0, 0, nr=NUMBERS["setresuid"]), 0)
    _cred_call(s, _slot(NONE, nr=nr), 65534)
    assert PDEATH_SIGNAL not in s.of_thread(_slot())


def test_new_task_copies_store_bypass_control() -> None:
    s = _stated()
    prctl_state.note_set(s, _slot(53, 0, 4), SPEC_SSB)                  # PR_SPEC_DISABLE
    s.note_clone(5, 2, 9, 9, 0)
    s.note_clone(5, 2, 0, 3, 0x10000)                                   # CLONE_THREAD
    for root, thread in ((9, 9), (5, 3)):
        assert prctl_state.answer_refused(s, _slot(52, 0, root=root, thread=thread),
                                          SPEC_SSB, 3)


def _exec(s: StatedFacts, secure: bool = False, ruid: object = 1000) -> dict[str, object]:
    reg = Registry.__new__(Registry)
    reg.slots = {}
    kept = exec_task_kept.collect(reg, s, _slot(0, nr=NUMBERS["execve"]))
    new: dict[str, object] = {}
    exec_task_kept.apply(kept, new, secure, ruid)
    return new


def test_exec_keeps_task_state() -> None:
    s = _stated()
    t = s.of_thread(_slot())
    t.update({PDEATH_SIGNAL: 10, NO_NEW_PRIVS: 1, SUBREAPER: 1,
              CAPBSET_DROPPED: frozenset({5})})
    prctl_state.note_set(s, _slot(53, 0, 4), SPEC_SSB)
    new = _exec(s)
    assert new[PDEATH_SIGNAL] == 10 and new[NO_NEW_PRIVS] == 1 and new[SUBREAPER] == 1
    assert new[CAPBSET_DROPPED] == frozenset({5}) and new[SPEC_SSB]
    # a secure exec clears the signal (begin_new_exec(): known 0); a real root's exec (its
    # permitted set may widen, clearing it) leaves it unknown
    assert _exec(s, secure=True)[PDEATH_SIGNAL] == 0
    assert PDEATH_SIGNAL not in _exec(s, ruid=0)
    assert PDEATH_SIGNAL not in _exec(s, ruid=None)
    prctl_state.note_set(s, _slot(53, 0, 16), SPEC_SSB)                 # DISABLE_NOEXEC
    assert SPEC_SSB not in _exec(s)


def test_memfd_mapping_may_exec() -> None:
    class Files:
        def maker_of(self, slot: Slot, fd: int) -> int | None:
            return NUMBERS["memfd_create"] if fd == 3 else None
    reg = Registry.__new__(Registry)
    mmap = NUMBERS["mmap"]
    assert rie_areas.may_exec(reg, Files(), _slot(0, 4096, 3, 1, 3, 0, nr=mmap), "mmap") == 0
    assert rie_areas.may_exec(reg, Files(), _slot(0, 4096, 3, 1, 4, 0, nr=mmap),
                              "mmap") is None


def test_mprotect_exec_gain_under_mdwe() -> None:
    s = _stated()
    mprotect, rx, rw = NUMBERS["mprotect"], 0x5, 0x3
    call = _slot(0x1000, 4096, rx, nr=mprotect)
    assert not prctl_state.write_exec_denied(s, call, "mprotect", rw)      # no MDWE seen
    prctl_state.note_set(s, _slot(65, 1), prctl_state.MDWE)
    assert prctl_state.write_exec_denied(s, call, "mprotect", rw)          # a gain
    assert not prctl_state.write_exec_denied(s, call, "mprotect", rw | 4)  # VM_EXEC held
    assert not prctl_state.write_exec_denied(s, call, "mprotect", None)    # area not known
    assert not prctl_state.write_exec_denied(s, _slot(0x1000, 0, rx, nr=mprotect),
                                             "mprotect", rw)               # no length
    prctl_state.note_persona(s, _slot(0x0400000, nr=NUMBERS["personality"]))
    assert not prctl_state.write_exec_denied(s, call, "mprotect", rw)      # VM_EXEC maybe


def test_exec_gain_not_judged_after_an_area_call_returned() -> None:
    # another thread's mprotect(PROT_READ) returned while this mprotect(PROT_READ |
    # PROT_EXEC) was in the kernel: Linux may have run this one first (VM_EXEC held)
    from guardian.slots import Space

    class Reg:
        slots: dict[int, Slot] = {}

        def __init__(self, space: Space) -> None:
            self.space = space

        def space_of(self, domain: int, root: int) -> Space:
            return self.space

    space = Space()
    space.anon_areas.append((0x1000, 0x3000, 0x1))
    call = _slot(0x1000, 4096, 0x5, nr=NUMBERS["mprotect"])
    reg = Reg(space)
    assert rie_areas.may_exec(reg, None, call, "mprotect") == 0x1   # type: ignore[arg-type]
    space.area_mark = 2                     # (the other call returned: the next id was 2)
    assert rie_areas.may_exec(reg, None, call, "mprotect") is None  # type: ignore[arg-type]


def test_failed_mprotect_leaves_the_area_unknown() -> None:
    # do_mprotect_pkey() changed the first area before the hole's -ENOMEM
    from guardian import heap_faults
    from guardian.slots import Space
    space = Space()
    space.anon_areas.append((0x1000, 0x3000, 0x3))
    heap_faults.note_call(space, _slot(0x1000, 0x4000, 0x5, nr=NUMBERS["mprotect"]),
                          (1 << 64) - 12)
    assert not any(s < 0x3000 and 0x1000 < e for s, e, _ in space.anon_areas)


def test_exec_after_setfsuid_does_not_keep_the_pdeath_signal() -> None:
    # setfsuid(1001) (the saved uid), PR_SET_PDEATHSIG(10), exec: the exec sets the fsuid
    # back to the euid, and commit_creds() clears the parent-death signal
    s = _stated()
    _cred_call(s, _slot(1001, nr=NUMBERS["setfsuid"]), 1000)
    s.of_thread(_slot())[PDEATH_SIGNAL] = 10
    assert PDEATH_SIGNAL not in _exec(s)
    s2 = _stated()                                              # a new task's: copy_creds()
    prctl_state.note_clone(s.of_thread(_slot()), s2.of_thread(_slot()), 0)
    s2.of_thread(_slot())[PDEATH_SIGNAL] = 10
    assert PDEATH_SIGNAL not in _exec(s2)
    s3 = _stated()                                              # setfsuid(-1) sets nothing
    _cred_call(s3, _slot(NONE, nr=NUMBERS["setfsuid"]), 1000)
    s3.of_thread(_slot())[PDEATH_SIGNAL] = 10
    assert _exec(s3)[PDEATH_SIGNAL] == 10


def test_mdwe_judges_only_calls_entered_after_its_set() -> None:
    # the mprotect entered (id 1) before the PR_SET_MDWE returned: it may have run first
    class Reg:
        def next_slot_id(self) -> int:
            return 3

    s = _stated()
    mprotect = NUMBERS["mprotect"]
    setter = _slot(65, 1)
    prctl_state.note_set(s, setter, prctl_state.MDWE)
    prctl_state.settle_dumpable(s, Reg(), setter)  # type: ignore[arg-type]
    call = _slot(0x1000, 4096, 0x5, nr=mprotect)
    assert not prctl_state.write_exec_denied(s, call, "mprotect", 0x3)
    later = Slot(id=4, domain=1, saved=None, elr=0, nr=mprotect, args=(0x1000, 4096, 0x5),
                 root=5, thread=2)
    assert prctl_state.write_exec_denied(s, later, "mprotect", 0x3)
