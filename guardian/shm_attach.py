"""System V shared memory: where shmat() may say it attached a segment (an Iago rule).

shmat() answers an address, as mmap() does, and the program then uses the segment's
size in bytes from there.  The answer obeys mmap's rule: a page-aligned range inside
the user address space (at the address asked for, when one was), covering no area the
program already holds and no page that is not new memory -- never, say, its own heap
page passed off as the segment.

The size is the program's own word: the largest size its shmget() calls gave for that
segment id in this domain (Linux refuses a shmget larger than the segment, so the
segment is at least that big).  A segment the program never sized (an id it did not get
from shmget, or only from shmget(key, 0, ...)) has no size the Guardian can hold the
answer to: its attach is refused (the kernel may answer an errno).  SHM_REMAP over
memory the program holds is refused likewise: the pages there could go only inside a
window of the program's own unmapping, which shmat does not open.

The attach becomes an area of the Guardian's list and one share of the domain (every
attach of the segment maps the same pages); shmdt() of its address gives the area back.
"""

from __future__ import annotations

from collections.abc import Callable

from abi.layout import ERRNO_FLOOR, NR_SHMAT, NR_SHMDT, NR_SHMGET, USER_TOP
from guardian.page_tables import ZERO_PAGE
from guardian.slots import PAGE, Domain, Slot, Space, page_up

#: Every call `ShmAttach` acts on.
CALLS = frozenset({NR_SHMGET, NR_SHMAT, NR_SHMDT})
SHM_RND = 0o20000                   # round the address asked for down to SHMLBA
SHMLBA = PAGE                       # arm64's native SHMLBA (asm-generic: PAGE_SIZE)

#: (table, level, base, start, end) -> (va, frame) of every 4 KiB page a tree maps in
#: [start, end): Layout.pages_in.
PagesIn = Callable[[int, int, int, int, int], list[tuple[int, int]]]
#: Whether every other mapping of a frame is page `at` (share, offset) of a recorded share.
InShare = Callable[[Domain, int, int, int, tuple[int, int]], bool]


class ShmAttach:
    """Each domain's segment sizes and attaches, and the check on what shmat returns."""

    def __init__(self, read_page: Callable[[int], bytes], pages_in: PagesIn,
                 in_share: InShare) -> None:
        self.read_page = read_page
        self.pages_in = pages_in
        self.in_share = in_share
        #: domain id -> segment id -> the largest size (bytes, page-rounded) its shmget gave.
        self.sizes: dict[int, dict[int, int]] = {}
        #: domain id -> segment id -> the one share every attach of it maps.
        self.shares: dict[int, dict[int, int]] = {}

    def check(self, slot: Slot, dom: Domain, space: Space, ret: int) -> str:
        """'' when shmat's answer is a range that became the program's during the call;
        else why not.  Other calls, and a failed shmat, pass."""
        if slot.nr != NR_SHMAT or ret >= ERRNO_FLOOR:
            return ""
        shmid, addr, flags = slot.args[0] & 0xFFFF_FFFF, slot.args[1], slot.args[2]
        size = self.sizes.get(dom.id, {}).get(shmid, 0)
        if not size:
            return (f"shmat({shmid}) returned {ret:#x}, but no shmget of this program sized "
                    f"segment {shmid}: the Guardian cannot tell which range it attached")
        end = ret + size
        if ret % SHMLBA or ret < PAGE or end > USER_TOP:
            return f"shmat returned {ret:#x}, outside the user address space or unaligned"
        if addr:
            want = addr & ~(SHMLBA - 1) if flags & SHM_RND else addr
            if ret != want:
                return f"shmat at {addr:#x} returned {ret:#x}, not the address asked for"
        if any(s < end and ret < e for s, e in space.areas):
            return (f"shmat returned [{ret:#x}, {end:#x}), which overlaps memory the program "
                    "holds already")
        share = self.shares.get(dom.id, {}).get(shmid)
        for va, pa in self.pages_in(slot.root, 0, 0, ret, end):
            if share is not None and self.in_share(dom, slot.root, va, pa, (share, va - ret)):
                continue
            if self.read_page(pa) != ZERO_PAGE:
                return (f"shmat returned [{ret:#x}, {end:#x}) but the page at {va:#x} is not "
                        "new memory")
        return ""

    def record(self, slot: Slot, dom: Domain, space: Space, ret: int) -> None:
        """What a shmget/shmat/shmdt that succeeded (and passed `check`) changed."""
        nr, a = slot.nr, slot.args
        if ret >= ERRNO_FLOOR:
            return
        if nr == NR_SHMGET:
            sizes = self.sizes.setdefault(dom.id, {})
            sizes[ret] = max(sizes.get(ret, 0), page_up(a[1]))
        elif nr == NR_SHMAT:
            shmid = a[0] & 0xFFFF_FFFF
            end = ret + self.sizes[dom.id][shmid]
            shares = self.shares.setdefault(dom.id, {})
            share = shares.get(shmid)
            if share is None:
                share = shares[shmid] = dom.new_share()
            space.add_area(ret, end, dom.new_origin())
            space.shared_areas.append((ret, end, share, 0))
        elif nr == NR_SHMDT and ret == 0:
            segments = set(self.shares.get(dom.id, {}).values())
            for attach in [s for s in space.shared_areas
                           if s[0] == a[0] and s[2] in segments]:
                space.remove_area(attach[0], attach[1])
