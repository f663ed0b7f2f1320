"""Review of round 89b: quiet_ranges.quiet() on a tagged pointer.  cut.first_tests asks
quiet() about the struct at the call's raw argument (prlimit64's new limit, sigaltstack's
new stack, pselect6's {mask, size}, F_GETLK's flock, nanosleep's request, capget's
header, an xattr name); under the tagged address ABI (PR_SET_TAGGED_ADDR_CTRL) Linux
untags it (untagged_addr()) and copies from the page the untagged address names.  Where
that page is a MAP_SHARED one another process may rewrite during the call, the bytes kept
at entry are not the ones Linux read: a tag must not make the range look private (a
false refusal of Linux's success that stored the old limit or stack)."""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from guardian.first_tests import check
from guardian.quiet_ranges import quiet
from guardian.slots import Domain, Slot, Space

ROOT, SHARED, PAGE2 = 0x4000, 0x7000_0000, 0x7100_1000
TAG = 0x3A << 56


def _dom() -> Domain:
    space = Space()
    space.shared_areas.append((SHARED, SHARED + 0x1000, 7, 0))     # MAP_SHARED memfd
    return Domain(id=1, roots={ROOT}, spaces={ROOT: space})


def _slot(nr: int, args: tuple[int, ...]) -> Slot:
    slot = Slot(id=70, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT, thread=0)
    slot.runs_at_entry = {ROOT: 0}
    return slot


def test_shared_untagged_not_quiet() -> None:
    slot = _slot(NUMBERS["prlimit64"], (0, 7, SHARED, PAGE2))
    assert not quiet(slot, _dom(), [slot], {ROOT: 0}, [(ROOT, SHARED, SHARED + 16)])


def test_shared_tagged_not_quiet() -> None:
    slot = _slot(NUMBERS["prlimit64"], (0, 7, SHARED | TAG, PAGE2))
    assert not quiet(slot, _dom(), [slot], {ROOT: 0},
                     [(ROOT, SHARED | TAG, (SHARED | TAG) + 16)])


def test_tagged_shared_struct_not_judged() -> None:
    """prlimit64(0, RLIMIT_NOFILE, tagged &shared, page 2): cur > max at entry, but another
    process may have stored a valid limit there before do_prlimit() copied it in -- Linux's
    success then stores the old limit at page 2."""
    va = SHARED | TAG
    slot = _slot(NUMBERS["prlimit64"], (0, 7, va, PAGE2))
    slot.asked[va] = struct.pack("<QQ", 2, 1)
    slot.opened = (PAGE2,)
    dom = _dom()
    check(slot, 0, lambda at, n: quiet(slot, dom, [slot], {ROOT: 0}, [(ROOT, at, at + n)]))


def test_other_call_tagged_store_not_quiet() -> None:
    """Another call in flight stored into the struct through another tag (the Guardian
    grants a buffer under both its tagged and untagged address)."""
    heap = 0x7200_0000
    slot = _slot(NUMBERS["sigaltstack"], (heap, PAGE2))
    other = Slot(id=71, domain=1, saved=None, elr=0, nr=NUMBERS["read"], args=(3, heap, 24),
                 root=ROOT, thread=1)
    other.written.append((heap | TAG, (heap | TAG) + 24))
    dom = _dom()
    assert quiet(slot, dom, [slot], {ROOT: 0}, [(ROOT, heap, heap + 24)])
    assert not quiet(slot, dom, [slot, other], {ROOT: 0}, [(ROOT, heap, heap + 24)])
    assert not quiet(slot, dom, [slot, other], {ROOT: 0},
                     [(ROOT, heap | 0x11 << 56, (heap | 0x11 << 56) + 24)])
