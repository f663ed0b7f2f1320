"""Round 79c's rules: a securebits lock the thread's own PR_SET_SECUREBITS set refuses
PR_SET_KEEPCAPS and a change of a locked bit (guardian/securebits_locks.py,
`return.securebits_locked`); capget() of the caller reports no effective capability
outside the set its own capset() stored (guardian/capset_sets.py,
`return.capset_effective`)."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from abi.value_ranges import CRED_CHANGE, SECUREBITS_RESET
from guardian import capset_sets, prctl_state, quiet_ranges, securebits_locks
from guardian.checks import Refused
from guardian.slots import Domain, Slot, Space
from guardian.stated_facts import StatedFacts

NR_PRCTL = 167
HDR, DATA, OUT = 0x1000, 0x2000, 0x3000
V3 = 0x2008_0522


def _slot(nr: int, *args: int, thread: int = 2, sid: int = 1) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=nr, args=args, root=5, thread=thread)


def _stated() -> StatedFacts:
    return StatedFacts(lambda slot, fd: None, dict)


def _securebits(s: StatedFacts, bits: int) -> None:
    prctl_state.note_set(s, _slot(NR_PRCTL, 28, bits), SECUREBITS_RESET)


def test_keepcaps_set_refused_under_keep_caps_locked() -> None:
    s = _stated()
    _securebits(s, 0x30)                # SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED
    with pytest.raises(Refused) as e:
        securebits_locks.check(s, _slot(NR_PRCTL, 8, 0))
    assert e.value.check == "return.securebits_locked"
    with pytest.raises(Refused):
        securebits_locks.check(s, _slot(NR_PRCTL, 8, 1))   # (-EPERM whatever it asks)
    securebits_locks.check(s, _slot(NR_PRCTL, 8, 0, thread=3))  # another thread: not known


def test_keepcaps_set_passes_without_the_lock() -> None:
    s = _stated()
    securebits_locks.check(s, _slot(NR_PRCTL, 8, 0))    # the launcher's bits: not known
    _securebits(s, 0x10)                # SECBIT_KEEP_CAPS alone: PR_SET_KEEPCAPS(0) is 0
    securebits_locks.check(s, _slot(NR_PRCTL, 8, 0))
    _securebits(s, 0x08)                # another lock (SECBIT_NO_SETUID_FIXUP_LOCKED)
    securebits_locks.check(s, _slot(NR_PRCTL, 8, 0))


def test_securebits_set_keeps_locked_bits_and_locks() -> None:
    s = _stated()
    _securebits(s, 0x30)
    securebits_locks.check(s, _slot(NR_PRCTL, 28, 0x31))    # an unlocked bit, locks kept
    with pytest.raises(Refused):
        securebits_locks.check(s, _slot(NR_PRCTL, 28, 0x20))    # a locked bit cleared
    with pytest.raises(Refused):
        securebits_locks.check(s, _slot(NR_PRCTL, 28, 0x10))    # the lock cleared
    prctl_state.note_set(s, _slot(97, 0x1000_0000), SECUREBITS_RESET)   # unshare: reset
    securebits_locks.check(s, _slot(NR_PRCTL, 8, 0))


class _Memory:
    def __init__(self) -> None:
        self.bytes: dict[int, bytes] = {}

    def read(self, va: int, n: int, root: int) -> bytes | None:
        raw = self.bytes.get(va)
        return raw[:n] if raw is not None and len(raw) >= n else None


def _caps(eff: int, perm: int) -> bytes:
    return struct.pack("<6I", eff & 0xFFFF_FFFF, perm & 0xFFFF_FFFF, 0,
                       eff >> 32, perm >> 32, 0)


def _call(s: StatedFacts, mem: _Memory, nr: int, ret: int, others: tuple[Slot, ...] = (),
          runs: int = 0, filtered: bool = False, space: Space | None = None) -> None:
    slot = _slot(nr, HDR, DATA if nr == NUMBERS["capset"] else OUT)
    dom = Domain(id=1, spaces={5: space or Space()})
    slots = (slot, *others)
    quiet_ranges.note(slot, dom, slots, {5: 0}, set())
    capset_sets.note_entry(mem, slot)   # type: ignore[arg-type]
    capset_sets.judge(s, mem, slot, ret, filtered,      # type: ignore[arg-type]
                      lambda va, n: quiet_ranges.quiet(slot, dom, slots, {5: runs},
                                                       [(5, va, va + n)]))


def _memory(eff: int, got: int) -> _Memory:
    mem = _Memory()
    mem.bytes[HDR] = struct.pack("<Ii", V3, 0)
    mem.bytes[DATA] = _caps(eff, 0x1FF_FFFF_FFFF)
    mem.bytes[OUT] = _caps(got, 0x1FF_FFFF_FFFF)
    return mem


def test_capget_effective_beyond_the_capset_refused() -> None:
    s, mem = _stated(), _memory(0, 0x1FF_FFFF_FFFF)
    _call(s, mem, NUMBERS["capset"], 0)
    with pytest.raises(Refused) as e:
        _call(s, mem, NUMBERS["capget"], 0)
    assert e.value.check == "return.capset_effective"


def test_capget_as_capset_left_it_passes() -> None:
    s, mem = _stated(), _memory(0x20, 0x20)
    _call(s, mem, NUMBERS["capset"], 0)
    _call(s, mem, NUMBERS["capget"], 0)             # the set it stored
    mem.bytes[OUT] = _caps(0, 0x1FF_FFFF_FFFF)
    _call(s, mem, NUMBERS["capget"], 0)             # fewer (masked) bits


def test_capget_not_judged_where_linux_may_differ() -> None:
    mem = _memory(0, 0x1FF_FFFF_FFFF)
    s = _stated()
    _call(s, mem, NUMBERS["capset"], 0)
    prctl_state.note_set(s, _slot(146, 0), CRED_CHANGE)     # setuid(0): may raise it
    _call(s, mem, NUMBERS["capget"], 0)
    s = _stated()
    _call(s, mem, NUMBERS["capset"], 0, runs=1)     # another thread ran: data not quiet
    _call(s, mem, NUMBERS["capget"], 0)
    s = _stated()
    _call(s, mem, NUMBERS["capset"], 0, filtered=True)  # a filter may have answered
    _call(s, mem, NUMBERS["capget"], 0)
    s = _stated()
    _call(s, mem, NUMBERS["capset"], 0)
    mem.bytes[HDR] = struct.pack("<Ii", V3, 77)             # another task's sets
    _call(s, mem, NUMBERS["capget"], 0)


def test_capget_into_memory_another_process_stores_to_not_judged() -> None:
    """An honest program: after its capset() dropped every effective capability, its
    capget() fills a buffer in a MAP_SHARED anonymous area it shares with a fork child,
    which (with its own capabilities, running on another CPU) stores its own capget()
    answer there meanwhile.  What the Guardian reads at the return is the child's store,
    not capget's: no thread of the caller's tree ran, yet the bytes are not the call's
    (quiet_ranges: a MAP_SHARED page is another process's to store to)."""
    s, mem = _stated(), _memory(0, 0x1FF_FFFF_FFFF)
    _call(s, mem, NUMBERS["capset"], 0)
    shared = Space(shared_areas=[(OUT & ~0xFFF, (OUT & ~0xFFF) + 0x1000, 1, 0)])
    _call(s, mem, NUMBERS["capget"], 0, space=shared)       # (not judged)
    with pytest.raises(Refused):
        _call(s, mem, NUMBERS["capget"], 0)                 # (private: judged)


def test_capset_from_memory_another_process_stores_to_not_noted() -> None:
    """capset()'s data in a MAP_SHARED page: another process may store there between
    sys_capset()'s copy and the return and store the entry's bytes back, so the set the
    Guardian read need not be the one copied: nothing is noted."""
    s, mem = _stated(), _memory(0, 0x1FF_FFFF_FFFF)
    shared = Space(shared_areas=[(DATA & ~0xFFF, (DATA & ~0xFFF) + 0x1000, 1, 0)])
    _call(s, mem, NUMBERS["capset"], 0, space=shared)
    _call(s, mem, NUMBERS["capget"], 0)                     # (nothing known)


def test_capget_of_a_new_thread_judged_on_its_creators_set() -> None:
    """copy_creds(): a thread or process the caller makes after its capset() holds the
    same effective set; an adversary reporting every capability to the new thread's
    capget() is refused, but not under CLONE_NEWUSER (set_cred_user_ns() fills it)."""
    s, mem = _stated(), _memory(0, 0x1FF_FFFF_FFFF)
    _call(s, mem, NUMBERS["capset"], 0)
    s.note_clone(5, 2, 0, 3, 0x0001_0F00)                   # a CLONE_THREAD child: thread 3
    s.note_clone(5, 2, 0, 4, 0x1000_0011)                   # CLONE_NEWUSER | SIGCHLD
    for thread, refused in ((3, True), (4, False)):
        slot = _slot(NUMBERS["capget"], HDR, OUT, thread=thread)
        dom = Domain(id=1, spaces={5: Space()})
        quiet_ranges.note(slot, dom, (slot,), {5: 0}, set())
        capset_sets.note_entry(mem, slot)                   # type: ignore[arg-type]

        def judge(slot: Slot = slot, dom: Domain = dom) -> None:
            capset_sets.judge(s, mem, slot, 0, False,       # type: ignore[arg-type]
                              lambda va, n: quiet_ranges.quiet(slot, dom, (slot,), {5: 0},
                                                               [(5, va, va + n)]))
        if refused:
            with pytest.raises(Refused):
                judge()
        else:
            judge()


def test_keepcaps_set_judged_while_another_thread_s_prctl_is_in_flight() -> None:
    """cred->securebits is the thread's own: another thread's prctl or set*id call in
    flight (`racing`, which keeps the mm-wide facts unjudged) cannot change it, so an
    adversary holding such a call unanswered may not answer PR_SET_KEEPCAPS 0 under
    SECBIT_KEEP_CAPS_LOCKED."""
    from guardian.result_table import Held, check_table
    s = _stated()
    _securebits(s, 0x30)
    held = Held(*(None,) * 8, group=None, stated=s,  # type: ignore[arg-type]
                futex_waiters=None, futex_wakers=None, caps=None,  # type: ignore[arg-type]
                fork_thread=None, racing=lambda slot: True, forked=None,  # type: ignore[arg-type]
                own_pid=None, filtered=lambda slot: False)  # type: ignore[arg-type]
    with pytest.raises(Refused) as e:
        check_table(_Memory(), _slot(NR_PRCTL, 8, 0, 0, 0, 0, 0), 0, held)  # type: ignore[arg-type]
    assert e.value.check == "return.securebits_locked"
