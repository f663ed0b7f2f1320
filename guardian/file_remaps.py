"""What remap_file_pages() may answer, and what a success leaves in the program's view.

mm/mmap.c remap_file_pages(start, size, prot, pgoff, flags) emulates the old nonlinear
mappings with a new mmap of the same file: after its argument checks it looks the first
address up (`vma = vma_lookup(mm, start); if (!vma || !(vma->vm_flags & VM_SHARED))
goto out;` with ret -EINVAL), requires every area of the range to map the same file,
then calls do_mmap(vma->vm_file, start, size, prot, MAP_SHARED | MAP_FIXED |
MAP_POPULATE, pgoff) and answers 0 only when that mapping stands.

The Guardian keeps the program's areas and which of them its own mmap (or shmat) asked
to be shared (confidential_layout.py):

* `return.remap_shared`: a success whose first page lies in no area of the program, or
  in one that is not shared (a private mapping never has VM_SHARED), is no answer Linux
  gives.  (A MAP_SHARED mapping of a file opened read-only has no VM_SHARED either; the
  Guardian does not judge that and lets such a success pass.)
* `return.remap_done`: after a success over a range that lies in one share, the page at
  start + i shows the share's page at file offset pgoff + i: where the program maps that
  page elsewhere in its domain and both are present, the two are one frame.

Unknown is not judged: another thread of the address space in a call that may map while
the call runs, or a range over several shares.  A success is recorded: the range maps
the share (and the file only the program holds, or the admitted file) at pgoff from now on.
"""

from __future__ import annotations

from collections.abc import Iterable

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.given_back import PagesIn
from guardian.slots import PAGE, Domain, Slot, Space, cut_keyed

_NR_REMAP = NUMBERS["remap_file_pages"]
CALLS = frozenset({_NR_REMAP})
#: The calls that may change the areas while another thread's remap runs (an area is in
#: the Guardian's list only once the call that made it returned).
_MAPPING_CALLS = frozenset(NUMBERS[n] for n in ("mmap", "munmap", "mremap", "brk", "shmat",
                                                "shmdt", "remap_file_pages"))
_U64 = (1 << 64) - 1


def _range(slot: Slot) -> tuple[int, int, int] | None:
    """(start, end, file offset) as Linux takes them (start and size rounded down to
    pages, pgoff in pages); None where Linux fails before looking at an area."""
    start, size, _prot, pgoff = slot.args[0], slot.args[1], slot.args[2], slot.args[3]
    start, size = start & ~(PAGE - 1), size & ~(PAGE - 1)
    if size == 0 or start + size > _U64 or pgoff + size // PAGE > _U64:
        return None
    return start, start + size, pgoff * PAGE


def _busy(slot: Slot, others: Iterable[Slot]) -> bool:
    return any(o is not slot and o.root == slot.root and o.nr in _MAPPING_CALLS
               for o in others)


def _one_share(space: Space, start: int, end: int) -> int | None:
    """The share every page of [start, end) maps (None: some page maps none or another)."""
    shares = set()
    for va in range(start, end, PAGE):
        at = space.share_at(va)
        if at is None:
            return None
        shares.add(at[0])
    return shares.pop() if len(shares) == 1 else None


def _frame(pages_in: PagesIn, root: int, va: int) -> int | None:
    got = pages_in(root, 0, 0, va, va + PAGE)
    return got[0][1] if got else None


def _frame_of_share(dom: Domain, pages_in: PagesIn, share: int, offset: int,
                    skip: tuple[int, int, int]) -> int | None:
    """A frame some tree of the domain maps the share's page `offset` at, outside `skip`
    (root, start, end); None where no such page is present."""
    root0, lo, hi = skip
    for root, space in dom.spaces.items():
        for s, e, sh, off in space.shared_areas:
            if sh != share or not off <= offset < off + (e - s):
                continue
            va = s + (offset - off)
            if root == root0 and lo <= va < hi or space.share_at(va) != (share, offset):
                continue
            frame = _frame(pages_in, root, va)
            if frame is not None:
                return frame
    return None


def check(space: Space | None, dom: Domain, pages_in: PagesIn, slot: Slot, ret: int,
          others: Iterable[Slot]) -> None:
    """remap_file_pages() answered 0: its first page is in a shared area, and each
    present page of the range is the share's page at the offset asked for."""
    got = _range(slot)
    if ret != 0 or space is None or got is None or _busy(slot, others):
        return
    start, end, offset = got
    mapped = any(s <= start < e for s, e in space.areas)
    if not mapped or space.share_at(start) is None:
        refuse("return.remap_shared", Status.ERR_DENIED,
               f"remap_file_pages of [{start:#x}, {end:#x}) answered 0, but {start:#x} lies "
               f"in {'a private area' if mapped else 'no area'} of the program: Linux "
               "remaps only a VM_SHARED mapping (-EINVAL)")
    share = _one_share(space, start, end)
    if share is None:
        return
    for va in range(start, end, PAGE):
        here = _frame(pages_in, slot.root, va)
        if here is None:
            continue
        want = _frame_of_share(dom, pages_in, share, offset + (va - start),
                               (slot.root, start, end))
        if want is not None and want != here:
            refuse("return.remap_done", Status.ERR_DENIED,
                   f"remap_file_pages of [{start:#x}, {end:#x}) to file offset {offset:#x} "
                   f"answered 0, but {va:#x} shows another page than the file's page at "
                   f"{offset + (va - start):#x}, which the program maps elsewhere: Linux "
                   "answers 0 only once the new mapping stands")


def record(space: Space | None, slot: Slot, ret: int) -> None:
    """A success over a range of one share maps that share at the offset asked for (and
    the file behind it, where the Guardian follows it) from now on."""
    got = _range(slot)
    if ret != 0 or space is None or got is None:
        return
    start, end, offset = got
    share = _one_share(space, start, end)
    if share is None:
        return
    space.shared_areas = cut_keyed(space.shared_areas, start, end)
    space.shared_areas.append((start, end, share, offset))
    views = {id(v[0]) if (v := space.sole_view(va)) else None for va in range(start, end, PAGE)}
    view = space.sole_view(start)
    if view is not None and len(views) == 1:
        space.sole_views = cut_keyed(space.sole_views, start, end)
        space.sole_views.append((start, end, view[0], offset))
    paths = {p[0] if (p := space.file_page(va)) else None for va in range(start, end, PAGE)}
    path = space.file_page(start)
    if path is not None and len(paths) == 1:
        space.file_areas = cut_keyed(space.file_areas, start, end)
        space.file_areas.append((start, end, path[0], offset))
