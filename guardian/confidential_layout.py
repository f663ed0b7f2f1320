"""Memory-layout (Iago) checks: what mmap/munmap/brk/mremap (and shmat: shm_attach.py)
may return.

The Guardian keeps its own list of each address space's areas (a forked child
gets a copy, so the two never see each other's later changes) and holds every
result the kernel returns against it.
"""

from __future__ import annotations

import errno
import hashlib

from abi import Status
from abi.descriptors import O_RDONLY
from abi.layout import (
    MADV_DOFORK,
    MADV_DONTFORK,
    MADV_KEEPONFORK,
    MADV_WIPEONFORK,
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_SHARED,
    MREMAP_DONTUNMAP,
    MREMAP_MAYMOVE,
    NR_BRK,
    NR_MADVISE,
    NR_MMAP,
    NR_MREMAP,
    NR_MUNMAP,
    PROT_EXEC,
    PROT_WRITE,
    USER_TOP,
)
from emulator import descriptors as D
from guardian import locked_copies
from guardian.area_state import private_file
from guardian.checks import refuse
from guardian.clean_pages import MADV_POPULATE_WRITE
from guardian.confidential_admission import Admission
from guardian.confidential_files import Descriptors
from guardian.confidential_registry import Registry
from guardian.cut_dropped import note_grown, note_present, views_left
from guardian.descriptor_kinds import is_table_desc, leaf_frames
from guardian.file_pages import FileView
from guardian.linear_map import TABLE_ENTRIES
from guardian.locked_ranges import future_locked, future_onfault, mmap_lockable
from guardian.page_tables import ZERO_PAGE
from guardian.random_moves import ZERO_DEVICE
from guardian.shm_attach import CALLS as SHM_CALLS
from guardian.shm_attach import ShmAttach
from guardian.slots import PAGE, Domain, Slot, Space, fixed_target
from guardian.sole_files import MemFile
from guardian.state import MonitorState
from guardian.user_memory import UserMemory

FORK_ADVICE = frozenset({MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_DONTFORK, MADV_DOFORK})
#: The syscalls `Layout.check` acts on (for any other it returns '' and records nothing;
#: the return path does not call it for them).  A new case in `check` or `_record`
#: belongs here first: `check` stops at this list.
LAYOUT_CALLS = frozenset({NR_MMAP, NR_MUNMAP, NR_BRK, NR_MREMAP, NR_MADVISE}) | SHM_CALLS


class Layout:
    """The Guardian's own list of an address space's areas, checked at the return."""

    def __init__(self, state: MonitorState, registry: Registry, memory: UserMemory,
                 admission: Admission, files: Descriptors) -> None:
        self.s = state
        self.registry = registry
        self.memory = memory
        self.admission = admission
        self.files = files
        self.shm = ShmAttach(lambda pa: self.s.ram.read(pa, PAGE), self.pages_in,
                             self._in_share)

    def check(self, slot: Slot, dom: Domain, ret: int) -> str:
        """Check what mmap/munmap/brk/mremap returned against the Guardian's own list;
        '' when it agrees, and then the list records the result."""
        nr, a = slot.nr, slot.args
        if nr not in LAYOUT_CALLS:
            return ""
        space = self.registry.space(dom, slot.root)
        failed = ret >= (1 << 64) - 4096
        if nr == NR_MMAP and not failed:
            length = (a[1] + PAGE - 1) & ~(PAGE - 1)
            if ret % PAGE or ret < PAGE or ret + length > USER_TOP:
                return f"mmap returned {ret:#x}, outside the user address space"
            if a[3] & MAP_FIXED:
                if ret != a[0]:
                    return f"MAP_FIXED at {a[0]:#x} returned {ret:#x}"
            elif any(s < ret + length and ret < e for s, e in space.areas):
                return f"mmap returned [{ret:#x}, {ret + length:#x}), which overlaps a live area"
        elif nr == NR_BRK:
            if ret not in (a[0], space.brk) or (a[0] == 0 and ret != space.brk):
                return (f"brk({a[0]:#x}) returned {ret:#x}; the break is {space.brk:#x}, so "
                        "only the request or the unchanged break are possible")
            new_end = (ret + PAGE - 1) & ~(PAGE - 1)
            old_end = (space.brk + PAGE - 1) & ~(PAGE - 1)
            if ret < space.brk_start:
                return f"brk returned {ret:#x}, below the heap start {space.brk_start:#x}"
            if new_end > old_end and any(s < new_end and old_end < e for s, e in space.areas):
                return f"brk grew the heap to {ret:#x} over a live area"
        elif nr == NR_MREMAP and not failed:
            new_len = (a[2] + PAGE - 1) & ~(PAGE - 1)
            old = (a[0], a[0] + ((a[1] + PAGE - 1) & ~(PAGE - 1)))
            if ret % PAGE or ret + new_len > USER_TOP:
                return f"mremap returned {ret:#x}"
            if not a[3] & MREMAP_MAYMOVE and ret != a[0]:
                refuse("remap.in_place", Status.ERR_DENIED,
                       f"mremap of {a[0]:#x} without MREMAP_MAYMOVE returned {ret:#x}: an "
                       "in-place resize answers the old address or an error")
            target = fixed_target(nr, a)
            if target is not None and ret != target[0]:
                return f"mremap(MREMAP_FIXED) to {target[0]:#x} returned {ret:#x}"
            if target is not None and target[0] < old[1] and old[0] < target[1]:
                return (f"mremap(MREMAP_FIXED) moved [{old[0]:#x}, {old[1]:#x}) onto "
                        f"[{target[0]:#x}, {target[1]:#x}), which overlaps it (EINVAL)")
            others = [(s, e) for s, e in space.areas if not (old[0] <= s and e <= old[1])]
            if target is not None:
                # The program's own target is unmapped first: only what lies outside counts.
                others = [piece for s, e in others
                          for piece in ((s, min(e, target[0])), (max(s, target[1]), e))
                          if piece[0] < piece[1]]
            if any(s < ret + new_len and ret < e for s, e in others) and ret != old[0]:
                return f"mremap moved the area onto a live one at {ret:#x}"
            if slot.move_delta is not None and ret != a[0] + slot.move_delta:
                return (f"mremap returned {ret:#x} but moved the pages to "
                        f"{a[0] + slot.move_delta:#x}")
        elif nr in SHM_CALLS:
            why = self.shm.check(slot, dom, space, ret)
            if why:
                return why
        self.check_mmap_fresh(slot, dom, space, ret)
        self._record(slot, dom, space, ret)
        return ""

    def check_mmap_fresh(self, slot: Slot, dom: Domain, space: Space, ret: int) -> None:
        """The range a successful mmap hands the program is new memory: a page present
        there at the return (the kernel may populate eagerly) is a zero page, the admitted
        file's page at that offset, or input data that entered as such -- never a page
        that was there before (a MAP_FIXED answered without removing it) or a copy of one.
        A MAP_SHARED mmap of an admitted file may also show the file's share as it is: the
        page that share's other mappings hold at that offset."""
        a = slot.args
        if slot.nr != NR_MMAP or ret >= (1 << 64) - 4096:
            return
        end = ret + ((a[1] + PAGE - 1) & ~(PAGE - 1))
        path = None if a[3] & MAP_ANONYMOUS else self.files.admitted(slot, a[4])
        share = dom.file_shares.get(path) if path is not None and a[3] & MAP_SHARED else None
        for va, pa in self.pages_in(slot.root, 0, 0, ret, end):
            if share is not None and self._in_share(dom, slot.root, va, pa,
                                                    (share, a[5] + va - ret)):
                continue
            data = self.s.ram.read(pa, PAGE)
            if a[3] & MAP_ANONYMOUS:
                fresh = data == ZERO_PAGE
            elif path is not None:
                digest = self.admission.file_digest(path, a[5] + va - ret)
                fresh = hashlib.sha256(data).digest() == digest
            else:
                fresh = pa in self.admission.input_frames
            if not fresh:
                refuse("return.mmap_fresh", Status.ERR_DENIED,
                       f"mmap returned [{ret:#x}, {end:#x}) but the page at {va:#x} is not "
                       "new memory (an old page left in place, or a copy of one)")

    def _in_share(self, dom: Domain, root: int, va: int, pa: int,
                  at: tuple[int, int]) -> bool:
        """Is every other mapping of pa the page `at` (share, offset) of a recorded share?"""
        others = [(r, v) for r, v, _ in self.s.frames.mappings(pa) if (r, v) != (root, va)]
        return bool(others) and all(
            (sp := dom.spaces.get(r)) is not None and sp.share_at(v) == at for r, v in others)

    def follow_locked(self, slot: Slot, space: Space, ret: int) -> None:
        """mprotect/pkey_mprotect/mlock/mlock2/mlockall/munlockall answered `ret`: the pages Linux's population of a
        locked writable private view copied are clean no more (locked_copies.py)."""
        locked_copies.follow(space, slot, ret,
                             lambda lo, hi: self.pages_in(slot.root, 0, 0, lo, hi),
                             self.admission.clean.populated, self.registry.slots.values(),
                             self.registry.next_slot_id())

    def _map_copies(self, slot: Slot, space: Space) -> bool:
        """Did the program's mmap in `slot` populate its writable private view with
        FOLL_WRITE: MAP_POPULATE, MAP_LOCKED or under def_flags' VM_LOCKED, with no
        VM_LOCKONFAULT from def_flags (locked_copies.py)?"""
        others = self.registry.slots.values()
        return locked_copies.map_copies(slot.args[2], slot.args[3], space,
                                        future_locked(space, slot, others),
                                        future_onfault(space, slot, others))

    def pages_in(self, table: int, level: int, base: int, start: int, end: int
                 ) -> list[tuple[int, int]]:
        """(va, frame) of every 4 KiB page a tree maps in [start, end), walking only there."""
        span = 1 << D.LEVEL_SHIFT[level]
        first, last = max(0, (start - base) // span), min(511, (end - 1 - base) // span)
        entries = TABLE_ENTRIES.unpack(self.s.ram.read(table, PAGE))
        out: list[tuple[int, int]] = []
        for i in range(first, last + 1):
            desc = entries[i]
            if not desc & D.VALID:
                continue
            va = base + i * span
            if is_table_desc(level, desc):
                out += self.pages_in(desc & D.ADDR_MASK, level + 1, va, start, end)
            else:
                out += [(va + j * PAGE, pa) for j, pa in enumerate(leaf_frames(level, desc))
                        if start <= va + j * PAGE < end]
        return out

    def _record(self, slot: Slot, dom: Domain, space: Space, ret: int) -> None:
        nr, a = slot.nr, slot.args
        failed = ret >= (1 << 64) - 4096
        if nr in SHM_CALLS:
            self.shm.record(slot, dom, space, ret)
            return
        if nr == NR_MMAP and not failed:
            length = (a[1] + PAGE - 1) & ~(PAGE - 1)
            if a[3] & MAP_FIXED:
                space.remove_area(ret, ret + length)
            space.add_area(ret, ret + length, dom.new_origin())
            path = self.files.admitted(slot, a[4])
            # Linux's mmap_zero() makes a mapping of /dev/zero anonymous memory: its pages
            # are zeros (set_pt.zero_fill), never a file's input data.
            anonymous = a[3] & MAP_ANONYMOUS or self.files.path_of(slot, a[4]) == ZERO_DEVICE
            if mmap_lockable(a[3], bool(anonymous) or self.files.lockable_memfd(slot, a[4]),
                             path is not None):
                space.lockable.append((ret, ret + length))
            if a[3] & MAP_SHARED:
                if not anonymous and self.files.access(slot, a[4]) == O_RDONLY:
                    space.no_maywrite.add(space.origins[-1][2])   # (do_mmap())
                share = self._share_of(slot, dom, path, a)
                space.shared_areas.append((ret, ret + length) + share)
                if anonymous:
                    dom.anon_shares.add(share[0])
            if not anonymous and not a[3] & MAP_SHARED and private_file(self.files, slot, a[4]):
                space.private_files.append((ret, ret + length))
            if not anonymous and path is not None and a[5] % PAGE == 0:
                space.file_areas.append((ret, ret + length, path, a[5]))
            elif not anonymous and not a[2] & PROT_EXEC:
                space.input_areas.append((ret, ret + length))
            held = self.files.sole.of(slot, a[4]) if not anonymous else None
            if held is not None and isinstance(held[1], MemFile) and a[5] % PAGE == 0:
                held[1].populated = True    # (its faults may fill the page cache)
                shared = bool(a[3] & MAP_SHARED)
                view = FileView(held[1], None if shared else held[1].version,
                                shared and bool(a[2] & PROT_WRITE),
                                copied=not shared and self._map_copies(slot, space),
                                memfd=self.files.memfd(slot, a[4]))
                if not shared:
                    # filemap_fault() -> shmem_fault(): each page's first fault reads the
                    # file as it is then, whatever changed it since the mmap
                    view.cut.update(range(a[5] // PAGE, (a[5] + length) // PAGE))
                    note_present(view, ret, a[5], (va for va, _ in self.pages_in(
                        slot.root, 0, 0, ret, ret + length)))
                space.sole_views.append((ret, ret + length, view, a[5]))
        elif nr == NR_MUNMAP and ret == 0:
            space.remove_area(a[0], a[0] + ((a[1] + PAGE - 1) & ~(PAGE - 1)))
        elif nr == NR_BRK:
            new_end = (ret + PAGE - 1) & ~(PAGE - 1)
            old_end = (space.brk + PAGE - 1) & ~(PAGE - 1)
            space.brk_growth = (old_end, new_end) if new_end > old_end else None
            if new_end > old_end:
                space.add_area(old_end, new_end, dom.new_origin())
                space.lockable.append((old_end, new_end))
            elif new_end < old_end:
                space.remove_area(new_end, old_end)
            space.brk = ret
        elif nr == NR_MREMAP and not failed:
            target = fixed_target(nr, a)
            if target is not None:
                space.remove_area(*target)
            old_end = a[0] + ((a[1] + PAGE - 1) & ~(PAGE - 1))
            kept = space.kept_protections(a[0], old_end) if a[3] & MREMAP_DONTUNMAP else None
            # (the old vma keeps its file: its next faults read it again)
            left = (views_left(space, a[0], old_end),
                    [(max(s, a[0]), min(e, old_end), p, o + max(s, a[0]) - s)
                     for s, e, p, o in space.file_areas if s < old_end and a[0] < e],
                    [(max(s, a[0]), min(e, old_end)) for s, e in space.input_areas
                     if s < old_end and a[0] < e],
                    [(max(s, a[0]), min(e, old_end)) for s, e in space.private_files
                     if s < old_end and a[0] < e]) if kept is not None else None
            space.move_area(a[0], old_end - a[0], ret,
                            (a[2] + PAGE - 1) & ~(PAGE - 1), dom.new_origin())
            if old_end > a[0]:
                note_grown(dom, space, ret + old_end - a[0], ret + ((a[2] + PAGE - 1) & ~(PAGE - 1)))
            if kept is not None and left is not None:   # (the old area stays, emptied)
                space.mapped_again(a[0], old_end, dom.new_origin(), kept)
                space.sole_views += left[0]
                space.file_areas += left[1]
                space.input_areas += left[2]
                space.private_files += left[3]    # (the old vma keeps vm_file)
        elif nr == NR_MADVISE and a[2] & 0xFFFFFFFF == MADV_POPULATE_WRITE and ret == 0:
            start = a[0] & ~(0xFF << 56)            # (do_madvise(): untagged_addr())
            self.admission.clean.populated(self.pages_in(
                slot.root, 0, 0, start, start + ((a[1] + PAGE - 1) & ~(PAGE - 1))))
        elif nr == NR_MADVISE and (a[2] & 0xFFFFFFFF) in FORK_ADVICE \
                and ret in (0, (1 << 64) - errno.ENOMEM) and not a[0] % PAGE:
            # The advice as the program gave it (its own x2), not as the kernel served it;
            # ENOMEM reports a hole after the mapped parts took the advice.
            space.advise_fork(a[0], a[0] + ((a[1] + PAGE - 1) & ~(PAGE - 1)),
                              a[2] & 0xFFFFFFFF)

    def _share_of(self, slot: Slot, dom: Domain, path: str | None, a: tuple[int, ...]
                  ) -> tuple[int, int]:
        """(share, offset) a MAP_SHARED mmap maps: an admitted file's one share of the
        domain at the file offset; a memfd's one share (every descriptor the program made
        of that memfd names it) at the file offset; another file's share of the open file
        mapped in this address space, while an area of it lives, at the file offset;
        anything else a share of its own (the Guardian cannot tell that another open file
        names the same object, so it shares with nothing)."""
        if not a[3] & MAP_ANONYMOUS and path is not None and a[5] % PAGE == 0:
            share = dom.file_shares.get(path)
            if share is None:
                share = dom.file_shares[path] = dom.new_share()
            return share, a[5]
        if not a[3] & MAP_ANONYMOUS and a[5] % PAGE == 0:
            memfd = self.files.memfd(slot, a[4])
            if memfd:
                share = dom.memfd_shares.get(memfd)
                if share is None:
                    share = dom.memfd_shares[memfd] = dom.new_share()
                return share, a[5]
            # Every MAP_SHARED mmap through one open file in one address space maps one
            # page per file offset (Linux's page cache): the share of that open file.
            opened = self.files.description_of(slot, a[4])
            space = dom.spaces.get(slot.root)
            if opened is not None and space is not None and \
                    self.files.path_of(slot, a[4]) != ZERO_DEVICE:
                share = space.open_shares.get(opened)
                if share is None or not self._share_lives(dom, share):
                    share = space.open_shares[opened] = dom.new_share()
                return share, a[5]
        return dom.new_share(), 0

    def _share_lives(self, dom: Domain, share: int) -> bool:
        """Does an area of `share` live on in a tree of the domain (its pages with it)?"""
        return any(sh == share for sp in dom.spaces.values() for _, _, sh, _ in sp.shared_areas)
