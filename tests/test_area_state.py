"""guardian/area_state.py: memory calls the state of their areas fails, judged only where
the Guardian's records say so for sure."""

from __future__ import annotations

from abi.syscalls import NUMBERS as NR
from guardian.area_state import refused
from guardian.slots import Slot, Space

A, H, Q = 0x4000_0000, 0x4010_0000, 0x4020_0000


def _slot(name: str, *args: int, sid: int = 1) -> Slot:
    return Slot(sid, 1, None, 0, NR[name], args, root=7)


def _space() -> Space:
    s = Space()
    for start in (A, H, Q):
        s.add_area(start, start + 0x2000, 1)
    s.remove_area(H, H + 0x2000)                    # the program's own munmap: a hole
    s.shared_areas.append((Q, Q + 0x2000, 3, 0))
    s.lockable.append((A, A + 0x2000))
    s.lock(A, A + 0x1000)
    return s


def test_refused_for_the_areas() -> None:
    s = _space()
    for slot in (_slot("madvise", H, 4096, 3), _slot("mlock", H, 4096),
                 _slot("mlock2", H + 8, 4096, 0), _slot("munlock", H, 4096),
                 _slot("msync", H, 4096, 4), _slot("msync", A, 4096, 2),
                 _slot("madvise", Q, 4096, 8), _slot("madvise", A, 0x300000, 3)):
        assert refused(s, slot, ()), slot.args


def test_linux_can_answer_0() -> None:
    s = _space()
    for slot in (_slot("madvise", A, 4096, 3), _slot("madvise", Q, 4096, 4),
                 _slot("madvise", H, 4096, 100), _slot("madvise", H, 0, 3),
                 _slot("msync", A, 4096, 4), _slot("msync", A, 4096, 1),
                 _slot("msync", H, 0, 4)):
        assert not refused(s, slot, ()), slot.args
    # MADV_FREE of a locked page: madvise_dontneed_free_valid_vma() forbids VM_LOCKED
    assert refused(s, _slot("madvise", A, 4096, 8), ())
    # a call of the space that may map is in flight: the hole may be an area already
    busy = (_slot("mmap", H, 4096, 3, 0x32, -1 % (1 << 64), 0, sid=2),)
    assert not refused(s, _slot("mlock", H, 4096), busy)
    # one that may unlock: the page may be unlocked already
    busy = (_slot("munlock", A, 4096, sid=2),)
    assert not refused(s, _slot("msync", A, 4096, 2), busy)


def test_a_call_that_returned_since_the_entry() -> None:
    # another thread's munmap (or mlock, MAP_SHARED mmap) returned while the call was in
    # the kernel: the call may have walked the areas before it acted
    from guardian.locked_ranges import follow
    for other in (_slot("munmap", H, 4096, sid=2), _slot("mlock", A, 4096, sid=2),
                  _slot("mmap", Q, 4096, 3, 1, 5, 0, sid=2)):
        s = _space()
        follow(s, other, 0, (), 4)
        for slot in (_slot("madvise", H, 4096, 3, sid=3), _slot("msync", A, 4096, 2, sid=3),
                     _slot("madvise", Q, 4096, 8, sid=3)):
            assert not refused(s, slot, ()), slot.args
        assert refused(s, _slot("madvise", H, 4096, 3, sid=4), ())
