"""Memory syscalls: brk, mmap, munmap, mprotect, mremap, madvise, msync."""

from __future__ import annotations

import errno
import weakref
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from emulator import descriptors as D
from kernel_model import page_cache
from kernel_model.errors import KernelError
from kernel_model.mm import MMAP_TOP, USER_TOP, AddressSpace, FaultResult
from kernel_model.pagetable import lm
from kernel_model.populate import (
    MADV_POPULATE_READ,
    MADV_POPULATE_WRITE,
    copy_locked_views,
    madvise_populate,
    populate_area,
    writes_later,
)
from kernel_model.process import Thread
from kernel_model.syscalls import s32, syscall
from kernel_model.vma import (
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_FIXED_NOREPLACE,
    MAP_GROWSDOWN,
    MAP_POPULATE,
    MAP_PRIVATE,
    MAP_SHARED,
    MAP_SHARED_VALIDATE,
    PAGE,
    PROT_EXEC,
    PROT_READ,
    PROT_WRITE,
    SharedPages,
    Vma,
)

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

MREMAP_MAYMOVE = 1
MREMAP_FIXED = 2
MREMAP_DONTUNMAP = 4
MAP_NONBLOCK = 0x10000       # (mmap: MAP_POPULATE without it populates)
MAP_LOCKED = 0x2000          # (mmap: VM_LOCKED)
MADV_DONTNEED = 4
MADV_FREE = 8
MADV_REMOVE = 9
MADV_COLD, MADV_PAGEOUT = 20, 21
MADV_GUARD_INSTALL = 102
MADV_DONTFORK = 10
MADV_DOFORK = 11
MADV_MERGEABLE = 12            # KSM may merge the area's pages (VM_MERGEABLE)
MADV_UNMERGEABLE = 13
MADV_WIPEONFORK = 18
MADV_KEEPONFORK = 19
MADV_DONTNEED_LOCKED = 24      # MADV_DONTNEED, mlock()ed pages included
#: every advice madvise_behavior_valid() takes in some 6.x version and configuration
#: (MADV_NORMAL..MADV_DONTNEED, MADV_FREE..MADV_COLLAPSE, MADV_HWPOISON,
#: MADV_SOFT_OFFLINE, MADV_GUARD_INSTALL, MADV_GUARD_REMOVE); any other is -EINVAL
MS_ASYNC, MS_INVALIDATE, MS_SYNC = 1, 2, 4
MADV_KNOWN = frozenset({0, 1, 2, 3, 4, *range(8, 26), 100, 101, 102, 103})
#: The advice that sets or clears an area's fork flag: (flag, value it gets).
FORK_ADVICE = {MADV_DONTFORK: ("dont_fork", True), MADV_DOFORK: ("dont_fork", False),
               MADV_WIPEONFORK: ("wipe_on_fork", True), MADV_KEEPONFORK: ("wipe_on_fork", False)}
PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC


def _page_up(x: int) -> int:
    return (x + PAGE - 1) & ~(PAGE - 1)


def _hold_while_mapped(file, backing: object) -> None:  # noqa: ANN001
    """The mapping keeps the open file alive until its last area is gone: the areas
    (split, moved or copied to a fork child) all share `backing`, so the reference is
    dropped when the backing is (as Linux drops the VMA's file reference at unmap)."""
    file.incref()
    weakref.finalize(backing, file.decref)


class FileBacking:
    """Page contents read from an open file at fault time (private file mappings)."""

    def __init__(self, file, name: str) -> None:  # noqa: ANN001
        self.file = file
        self.name = name

    def read_page(self, offset: int) -> bytes:
        return self.file.pread(PAGE, offset)

    def beyond_eof(self, offset: int) -> bool:
        """Whether the page at `offset` lies wholly past the file's end now."""
        return offset >= self.file.stat().st_size


class PrivateFileBacking:
    """A private file mapping's contents: the file's bytes at fault time, past the range
    mmap mapped too (where mremap grew it).  Linux's filemap_fault() finds the page cache
    as it is at the fault, so a write to the file after the mmap shows in a page the
    program has not touched yet (shmem_fault() for a memfd); the model copies a host
    file's page at its first fault, where Linux maps the page-cache folio until the first
    store (a memfd's read fault maps its folio: Vma.folio_pages)."""

    def __init__(self, file, base: int, name: str) -> None:  # noqa: ANN001
        self.file = file
        self.base = base
        self.name = name

    def read_page(self, offset: int) -> bytes:
        return self.file.pread(PAGE, self.base + offset)

    def beyond_eof(self, offset: int) -> bool:
        """Whether the page at `offset` lies wholly past the file's end now."""
        return self.base + offset >= self.file.stat().st_size


@syscall("brk")
def sys_brk(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    mm = t.process.mm
    want = a[0]
    if want < mm.brk_start or want >= MMAP_TOP:
        return mm.brk
    old_end, new_end = _page_up(mm.brk), _page_up(want)
    if new_end > old_end:
        if not mm.vmas.is_free(old_end, new_end):
            return mm.brk
        heap = mm.vmas.find(old_end - 1) if old_end > mm.brk_start else None
        # do_brk_flags(): the new part takes mm->def_flags (VM_LOCKED after
        # mlockall(MCL_FUTURE)); it joins the heap only where the flags agree
        if heap is not None and heap.name == "[heap]" and not (heap.wipe_on_fork or heap.dont_fork) \
                and heap.locked == mm.lock_future:
            mm.vmas.replace(heap, Vma(heap.start, new_end, heap.prot, name="[heap]",
                                      locked=heap.locked))
        else:
            mm.map_area(Vma(old_end, new_end, PROT_READ | PROT_WRITE, name="[heap]",
                            locked=mm.lock_future))
    elif new_end < old_end:
        mm.unmap_range(new_end, old_end)
    mm.brk = want
    return want


def _file_pages(file, mm: AddressSpace, name: str) -> SharedPages:  # noqa: ANN001
    """The pages a confidential program's MAP_SHARED mappings of `file` (one open file) in
    `mm` map: one page per file offset, as Linux's page cache gives every mapping of a
    file the same page, for as long as one of them lives (the kernel cannot write a
    confidential page back to the file, so these frames are the file's pages meanwhile)."""
    caches = getattr(file, "space_pages", None)
    if caches is None:
        caches = file.space_pages = weakref.WeakKeyDictionary()
    sp = caches.get(mm)
    if sp is None or not sp.mappers:
        sp = caches[mm] = SharedPages(name, None, per_space=True)
    return sp


@syscall("mmap")
def sys_mmap(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    addr, length, prot, flags, fd, offset = a[0], a[1], s32(a[2]), s32(a[3]), s32(a[4]), a[5]
    mm: AddressSpace = t.process.mm
    if length == 0 or length >= USER_TOP or offset % PAGE or prot & ~PROT_MASK:
        return -errno.EINVAL
    kind = flags & 0xF
    if kind not in (MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE):
        return -errno.EINVAL
    shared = kind != MAP_PRIVATE
    length = _page_up(length)
    if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE):
        if addr % PAGE or addr + length > USER_TOP or addr < PAGE:
            return -errno.EINVAL
        if flags & MAP_FIXED_NOREPLACE and not mm.vmas.is_free(addr, addr + length):
            return -errno.EEXIST
        start = addr
    else:
        start = mm.find_free(length, addr & ~(PAGE - 1))
    backing = None
    name = "[anon]"
    file_end = 0
    sp: SharedPages | None = None
    folio: SharedPages | None = None
    if not flags & MAP_ANONYMOUS:
        f = t.process.fds.get(fd)
        if f.kind not in ("file",):
            return -errno.ENODEV if f.kind != "dir" else -errno.EACCES
        if not f.readable:
            return -errno.EACCES
        if shared and prot & PROT_WRITE and not f.writable:
            return -errno.EACCES
        size = f.stat().st_size
        name = getattr(f, "guest_path", "[file]")
        if shared and getattr(f, "memfd_pages", None) is not None and mm.confidential:
            sp = f.memfd_pages.get(mm.ctx)
            backing = FileBacking(f, name)
            _hold_while_mapped(f, backing)
            file_end = start + max(min(size - offset, length), 0)
        elif shared:
            # Every shared mapping of the inode maps its page cache, which reads and
            # writes of the file see too (page_cache.py).  A file opened read-only is
            # never written through its mapping (mmap and mprotect refuse PROT_WRITE).
            # Nor is a confidential program's page written back: the kernel cannot read
            # it (by the time it could, the Guardian has scrubbed it), so the file keeps
            # its own bytes.
            sp = _file_pages(f, mm, name) if mm.confidential else \
                page_cache.pages_for(mm.ctx, f, name)
            backing = FileBacking(f, name)
            _hold_while_mapped(f, backing)  # the file stays open after its fd is closed
            file_end = start + max(min(size - offset, length), 0)
        else:
            # A host file's private pages are copied at fault time (a memfd's read
            # fault maps its folio, below).
            backing = PrivateFileBacking(f, offset, name)
            _hold_while_mapped(f, backing)  # mremap may grow it over more of the file
            file_end = start + max(size - offset, 0)
            if getattr(f, "memfd_pages", None) is not None:
                # a memfd's page has one folio, which a read fault maps (shmem_fault()):
                # the page cache its shared views map
                folio = f.memfd_pages.get(mm.ctx) if mm.confidential else \
                    page_cache.pages_for(mm.ctx, f, name)
    elif shared:
        sp = SharedPages("[shared anon]")
    if flags & MAP_FIXED:
        mm.unmap_range(start, start + length)
    vma_offset = offset if sp is not None and backing is not None else 0
    # (def_flags' VM_LOCKONFAULT, mlockall(MCL_FUTURE | MCL_ONFAULT), reaches the area:
    # populate_vma_page_range() returns at once for it, MAP_POPULATE or not)
    populate = flags & (MAP_POPULATE | MAP_NONBLOCK) == MAP_POPULATE \
        and not mm.lock_future_onfault
    # do_mmap(): VM_LOCKED (mm->def_flags or MAP_LOCKED) populates too, but not with
    # VM_LOCKONFAULT (populate_vma_page_range() returns early)
    lock_populates = bool(mm.lock_future or flags & MAP_LOCKED) and not mm.lock_future_onfault \
        and not mm.ctx.memory.skip_locked_population
    later = (populate or lock_populates) and writes_later(mm, shared, backing is not None, prot)
    mm.map_area(Vma(start, start + length, prot, shared=shared, backing=backing,
                    offset=vma_offset, file_end=file_end, shared_pages=sp,
                    growsdown=bool(flags & MAP_GROWSDOWN), name=name,
                    # do_mmap(): mm->def_flags (mlockall(MCL_FUTURE)) and MAP_LOCKED
                    locked=mm.lock_future or bool(flags & MAP_LOCKED), populate_write=later,
                    onfault=mm.lock_future_onfault,
                    folio_pages=folio))
    if populate and not later:
        populate_area(mm, start, start + length)     # (do_mmap() -> mm_populate())
    if lock_populates and not later:
        copy_locked_views(mm, start, start + length)  # (do_mmap(): VM_LOCKED populates)
    k.stats.inc("kernel.mm.mmaps")
    return start


def _untagged(addr: int) -> int:
    """arm64's untagged_addr(), which munmap, mprotect, madvise, mremap's old address,
    msync and mincore apply whatever the tagged address ABI: bit 55 copied into the top
    byte."""
    return addr | 0xFF << 56 if addr & 1 << 55 else addr & ~(0xFF << 56)


@syscall("munmap")
def sys_munmap(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    addr, length = _untagged(a[0]), a[1]
    if addr % PAGE or length == 0 or addr + length > USER_TOP:
        return -errno.EINVAL
    t.process.mm.unmap_range(addr, addr + _page_up(length))
    return 0


@syscall("mprotect")
def sys_mprotect(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    # (prot is an unsigned long: a bit past 31 fails arch_validate_prot())
    return _mprotect_pkey(t, _untagged(a[0]), a[1], _prot(a[2]), -1)


@syscall("pkey_mprotect")
def sys_pkey_mprotect(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _mprotect_pkey(t, _untagged(a[0]), a[1], _prot(a[2]), s32(a[3]))


def _prot(prot: int) -> int:
    """mprotect's unsigned long prot: a bit past 31 kept as bit 0x100 (refused alike)."""
    return s32(prot) | (0x100 if prot >> 32 else 0)


def _mprotect_pkey(t: Thread, addr: int, size: int, prot: int, pkey: int) -> int:
    """do_mprotect_pkey(): the areas in address order, each changed before the next is
    looked at; a hole stops the walk with ENOMEM, the areas before it changed.  Key 0 is
    always allocated (mm_pkey_is_allocated(): pkey == 0 without ARCH_HAS_PKEYS), as -1;
    no other key is (no arm64 POE: EINVAL)."""
    # (PROT_SEM is valid on arm64, arch_validate_prot(); PROT_BTI and PROT_MTE are not
    # on a CPU without BTI and MTE)
    if addr % PAGE or prot & ~(PROT_MASK | 0x8 | 0x01000000 | 0x02000000) or \
            prot & 0x03000000 == 0x03000000:       # (both grows bits: -EINVAL)
        return -errno.EINVAL
    if not size:
        return 0
    end = addr + _page_up(size)
    if end >= 1 << 64:
        return -errno.ENOMEM            # (end <= start once it wraps)
    if pkey not in (-1, 0):
        return -errno.EINVAL
    mm = t.process.mm
    if prot & 0x03000000:
        # (PROT_GROWSDOWN: from the start of the first area below end, which must have
        # VM_GROWSDOWN; PROT_GROWSUP: no area has VM_GROWSUP on arm64)
        first = next(iter(mm.vmas.overlapping(addr, end)), None)
        if first is None or prot & 0x01000000 and first.start >= end or \
                not prot & 0x01000000 and first.start > addr:
            return -errno.ENOMEM
        if not (prot & 0x01000000 and first.growsdown):
            return -errno.EINVAL
        addr = first.start
    prot &= PROT_MASK
    pos = addr
    made_writable: list[tuple[int, int]] = []
    for vma in mm.vmas.overlapping(addr, end):
        if vma.start > pos:
            break                       # (a hole: -ENOMEM)
        if prot & PROT_WRITE and vma.shared_pages is not None and vma.backing is not None \
                and not getattr(vma.backing, "file", vma.backing).writable:
            return -errno.EACCES        # a shared mapping of a file opened read-only
        hi = min(vma.end, end)
        if prot & PROT_WRITE and not vma.prot & PROT_WRITE:
            made_writable.append((pos, hi))
        mm.protect(pos, hi, prot)
        pos = hi
    for lo, hi in made_writable:
        # mprotect_fixup(): only a locked area that was not writable is populated
        # ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED)
        copy_locked_views(mm, lo, hi)
    return 0 if pos >= end else -errno.ENOMEM


@syscall("madvise")
def sys_madvise(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    addr, length, advice = _untagged(a[0]), _page_up(a[1]), s32(a[2])
    if advice not in MADV_KNOWN or addr % PAGE:
        return -errno.EINVAL            # (do_madvise(): madvise_behavior_valid() first)
    if advice in FORK_ADVICE:
        if a[1] and not length or addr + length >= 1 << 64:
            return -errno.EINVAL        # the length wraps around
        return _fork_advice(t.process.mm, addr, addr + length, advice) if length else 0
    if advice in (MADV_MERGEABLE, MADV_UNMERGEABLE):
        if a[1] and not length or addr + length >= 1 << 64:
            return -errno.EINVAL        # the length wraps around
        return _ksm_advice(t.process.mm, addr, addr + length, advice) if length else 0
    if a[1] and (length >= 1 << 64 or addr + length > 1 << 64):
        return -errno.EINVAL            # the length wraps around (Linux: end < start)
    if length and addr >= 1 << 48:
        return -errno.ENOMEM            # (madvise_walk_vmas(): no area past TASK_SIZE)
    mm = t.process.mm
    areas = mm.vmas.overlapping(addr, addr + length) if length else []
    if advice == MADV_FREE and any(v.shared or v.backing is not None for v in areas):
        return -errno.EINVAL            # lazy freeing is for private anonymous memory
    if advice in (MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_COLD, MADV_PAGEOUT,
                  MADV_GUARD_INSTALL) and any(v.locked for v in areas):
        # madvise_dontneed_free_valid_vma(): not VM_LOCKED; madvise_remove() neither;
        # madvise_cold(), madvise_pageout(): can_madv_lru_vma(); madvise_guard_install():
        # is_valid_guard_vma(vma, false)
        return -errno.EINVAL
    if advice == MADV_REMOVE:
        if any(not v.shared and v.backing is None for v in areas):
            return -errno.EINVAL        # no file or shmem object to punch a hole in
        if any(not v.shared for v in areas):
            return -errno.EACCES        # a private file mapping
    if advice in (MADV_POPULATE_READ, MADV_POPULATE_WRITE):
        return madvise_populate(mm, addr, addr + length, advice == MADV_POPULATE_WRITE)
    if advice in (MADV_DONTNEED, MADV_FREE, MADV_DONTNEED_LOCKED):
        mm.discard(addr, addr + length)
    if advice == MADV_REMOVE:
        _remove(k, areas, addr, addr + length)
    # (madvise_walk_vmas(): the advice is applied to the areas there; a hole is -ENOMEM)
    return -errno.ENOMEM if _has_hole(areas, addr, addr + length) else 0


def _has_hole(areas: list[Vma], start: int, end: int) -> bool:
    """Do `areas` (sorted, those overlapping [start, end)) leave a page of it uncovered?"""
    at = start
    for v in areas:
        if v.start > at:
            return True
        at = max(at, v.end)
    return at < end


def _remove(k: Kernel, areas: list[Vma], start: int, end: int) -> None:
    """madvise_remove(): each shared file area's part of [start, end) is punched out of
    its file (vfs_fallocate(PUNCH_HOLE | KEEP_SIZE)): a memfd's host file gets the hole,
    and every shared mapping drops its pages there (file_cut.punch_file)."""
    from kernel_model import file_cut
    from kernel_model.syscalls.moves import _host_fallocate
    for vma in areas:
        f = getattr(vma.backing, "file", None)
        if f is None or getattr(f, "memfd_pages", None) is None or f.fd < 0:
            continue        # (another file: its bytes stay, a known difference)
        lo, hi = max(vma.start, start), min(vma.end, end)
        off = vma.offset + (lo - vma.start)
        file_cut.punch_file(k.mmctx, f, off, hi - lo)
        _host_fallocate(f.fd, 0x03, off, hi - lo)   # FALLOC_FL_PUNCH_HOLE | KEEP_SIZE


def _set_area_flag(mm: AddressSpace, start: int, end: int, flag: str, value: bool,
                   refuses: Callable[[Vma], bool] = lambda vma: False,
                   skips: Callable[[Vma], bool] = lambda vma: False) -> int:
    """Set an area flag on the areas in [start, end), split at its ends, as Linux's
    madvise walks them: area by area in address order; an area the advice refuses stops
    the walk with EINVAL (the areas before it changed), one it skips is left as it is; a
    hole in the range is ENOMEM once the walk is done."""
    areas = mm.vmas.overlapping(start, end)
    if not areas:
        return -errno.ENOMEM
    pos = start
    hole = False
    for vma in areas:
        hole |= vma.start > pos
        if refuses(vma):
            return -errno.EINVAL
        lo, hi = max(vma.start, start), min(vma.end, end)
        if getattr(vma, flag) != value and not skips(vma):
            mm.vmas.remove_range(lo, hi)
            mm.vmas.insert(replace(vma.slice(lo, hi), **{flag: value}))
        pos = hi
    return -errno.ENOMEM if hole or pos < end else 0


def _fork_advice(mm: AddressSpace, start: int, end: int, advice: int) -> int:
    """MADV_WIPEONFORK/KEEPONFORK/DONTFORK/DOFORK: WIPEONFORK does not apply to a file or
    shared mapping (EINVAL)."""
    flag, value = FORK_ADVICE[advice]
    return _set_area_flag(mm, start, end, flag, value, refuses=lambda vma: (
        advice == MADV_WIPEONFORK and (vma.shared or vma.backing is not None)))


def _ksm_advice(mm: AddressSpace, start: int, end: int, advice: int) -> int:
    """MADV_MERGEABLE/UNMERGEABLE into ksm_madvise(): MADV_MERGEABLE leaves an area KSM
    cannot handle (vma_ksm_compatible(): a shared one, here) as it is and marks the rest;
    MADV_UNMERGEABLE clears the flag (Linux's unmerge_ksm_pages() also breaks the pages
    already merged there; here they stay shared until written, and are never merged
    again)."""
    value = advice == MADV_MERGEABLE
    return _set_area_flag(mm, start, end, "mergeable", value,
                          skips=lambda vma: value and vma.shared)


@syscall("mremap")
def sys_mremap(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    old, old_len, new_len, flags, new_addr = \
        _untagged(a[0]), _page_up(a[1]), _page_up(a[2]), a[3], a[4]
    mm = t.process.mm
    if old % PAGE or new_len == 0 or flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP):
        return -errno.EINVAL
    if flags & MREMAP_FIXED and (not flags & MREMAP_MAYMOVE or new_addr % PAGE or
                                 new_addr + new_len > USER_TOP or
                                 (new_addr < old + old_len and old < new_addr + new_len)):
        return -errno.EINVAL      # as Linux: FIXED needs MAYMOVE and a target apart from old
    if flags & MREMAP_DONTUNMAP and (not flags & MREMAP_MAYMOVE or old_len != new_len):
        return -errno.EINVAL      # do_mremap(): DONTUNMAP needs MAYMOVE and equal lengths
    vma = mm.vmas.find(old)
    if vma is None or old + old_len > vma.end:
        return -errno.EFAULT
    if new_len <= old_len and not flags & (MREMAP_FIXED | MREMAP_DONTUNMAP):
        if new_len < old_len:
            mm.unmap_range(old + new_len, old + old_len)
        return old
    if not flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) and old + old_len == vma.end \
            and mm.vmas.is_free(vma.end, old + new_len) \
            and old + new_len <= MMAP_TOP:
        mm.vmas.replace(vma, replace(vma, end=old + new_len))
        return old
    if not flags & MREMAP_MAYMOVE:
        return -errno.ENOMEM
    dest = new_addr if flags & MREMAP_FIXED else mm.find_free(new_len)
    if flags & MREMAP_FIXED:
        mm.unmap_range(dest, dest + new_len)       # the target first, as Linux
        if new_len < old_len:                      # then the part a shrinking move drops
            mm.unmap_range(old + new_len, old + old_len)
            old_len = new_len
    moved = vma.slice(old, old + old_len)
    # Move the area and carry its present pages over without copying them.
    pages = mm.movable_entries(old, old + old_len)
    mm.vmas.remove_range(old, old + old_len)
    delta = dest - old
    file_end = moved.file_end + delta if moved.file_end else 0
    # The area keeps what it is (its fork flags too) at its new place.
    mm.vmas.insert(replace(moved, start=dest, end=dest + new_len, file_end=file_end))
    if flags & MREMAP_DONTUNMAP:
        # move_vma(): the old vma stays, emptied, VM_LOCKED_MASK cleared (its next fault
        # maps a zero page, do_anonymous_page(), or a file view's folio read-only,
        # do_read_fault()): no population owed there, the mmap's was done
        mm.vmas.insert(replace(moved, locked=False, onfault=False, populate_write=False))
    for va, desc in pages:
        # The new entry first: a frame whose only mapping moves must never look
        # unmapped in between (the Guardian would scrub a confidential one).
        mm.tables.set(va + delta, desc)
        mm.tables.clear(va)
    if moved.prot & PROT_EXEC:
        k.el1.invalidate_code(dest, new_len)
    k.el1.tlbi_all()
    return dest


@syscall("msync")
def sys_msync(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    addr, length = _untagged(a[0]), _page_up(a[1]) % (1 << 64)
    flags = a[2] & 0xFFFF_FFFF
    if flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC) or addr % PAGE or \
            flags & (MS_ASYNC | MS_SYNC) == MS_ASYNC | MS_SYNC:
        return -errno.EINVAL            # an unknown flag, MS_ASYNC with MS_SYNC
    if addr + length >= 1 << 64:
        return -errno.ENOMEM            # (SYSCALL_DEFINE3(msync): end < start)
    if length and addr >= 1 << 48:
        return -errno.ENOMEM            # (find_vma(): no area past TASK_SIZE)
    mm = t.process.mm
    if flags & MS_INVALIDATE and any(v.locked for v in mm.vmas.overlapping(addr, addr + length)):
        return -errno.EBUSY             # (msync(): MS_INVALIDATE of a VM_LOCKED area)
    areas = mm.vmas.overlapping(addr, addr + length)
    for vma in areas:
        sp = vma.shared_pages
        if sp is not None and sp.writeback is not None:
            for idx, pa in sorted(sp.frames.items()):
                sp.writeback(idx * PAGE, k.el1.read(lm(pa), PAGE))
    # (msync(): a hole in the range is -ENOMEM once the areas there are synced)
    return -errno.ENOMEM if _has_hole(areas, addr, addr + length) else 0


def _ok(_k: Kernel, _t: Thread, _a) -> int:  # noqa: ANN001
    return 0


def _set_locked(mm: AddressSpace, start: int, end: int, locked: bool,
                onfault: bool = False) -> None:
    """VM_LOCKED (with VM_LOCKONFAULT: `onfault`) on or off over the areas in [start,
    end), split at its ends (mlock_fixup(): newflags &= ~VM_LOCKED_MASK, then the call's)."""
    onfault = onfault and locked
    for vma in mm.vmas.overlapping(start, end):
        if vma.locked != locked or vma.onfault != onfault:
            lo, hi = max(vma.start, start), min(vma.end, end)
            mm.vmas.remove_range(lo, hi)
            mm.vmas.insert(replace(vma.slice(lo, hi), locked=locked, onfault=onfault))


@syscall("munlock")
def sys_munlock(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    addr = _untagged(a[0])              # (do_mlock(), munlock(): untagged_addr())
    start = addr & ~(PAGE - 1)
    end = start + _page_up(a[1] + addr % PAGE) % (1 << 64)
    if end >= 1 << 64:
        return -errno.EINVAL            # (apply_vma_lock_flags(): end < start)
    if end > USER_TOP:
        return -errno.ENOMEM
    _set_locked(t.process.mm, start, end, False)
    return 0


@syscall("munlockall")
def sys_munlockall(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    _set_locked(t.process.mm, 0, USER_TOP, False)
    t.process.mm.lock_future = False    # apply_mlockall_flags(0): def_flags lose VM_LOCKED
    t.process.mm.lock_future_onfault = False
    return 0

MLOCK_ONFAULT = 1
MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT = 1, 2, 4


@syscall("mlockall")
def sys_mlockall(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """Every page is resident already (nothing is paged out under a lock); only the
    flags are checked, as mm/mlock.c does: some of CURRENT/FUTURE, ONFAULT only with one."""
    flags = a[0] & 0xFFFF_FFFF
    if not flags or flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) or flags == MCL_ONFAULT:
        return -errno.EINVAL
    if flags & MCL_CURRENT:
        _set_locked(t.process.mm, 0, USER_TOP, True, bool(flags & MCL_ONFAULT))
        if not flags & MCL_ONFAULT:     # (apply_mlockall_flags() -> mm_populate())
            copy_locked_views(t.process.mm, 0, USER_TOP)
    # apply_mlockall_flags(): MCL_FUTURE sets VM_LOCKED in mm->def_flags, and a call
    # without it clears them
    t.process.mm.lock_future = bool(flags & MCL_FUTURE)
    # (with MCL_ONFAULT def_flags hold VM_LOCKONFAULT as well, which an mmap's vm_flags
    # take even with MAP_LOCKED: do_mmap() ORs mm->def_flags in)
    t.process.mm.lock_future_onfault = bool(flags & MCL_FUTURE and flags & MCL_ONFAULT)
    return 0


def _mlock(k: Kernel, t: Thread, a, onfault: bool = False) -> int:  # noqa: ANN001
    """mlock/mlock2: the range's pages are faulted in now (written, for private writable
    memory, as Linux populates it) and stay resident; a hole in the range is ENOMEM.
    With MLOCK_ONFAULT (`onfault`) none is: apply_vma_lock_flags() sets VM_LOCKONFAULT and
    __mm_populate() -> populate_vma_page_range() returns at once for it."""
    addr = _untagged(a[0])              # (do_mlock(), munlock(): untagged_addr())
    start = addr & ~(PAGE - 1)
    end = _page_up(addr + a[1]) if a[1] else start
    if end > USER_TOP:
        return -errno.ENOMEM
    mm = t.process.mm
    for va in range(start, end, PAGE):
        vma = mm.vmas.find(va)
        if vma is None:
            return -errno.ENOMEM
        if not vma.prot & PROT_MASK or onfault:
            continue                  # PROT_NONE or on fault: locked, nothing faulted in
        write = bool(vma.prot & PROT_WRITE) and not vma.shared
        if mm.handle_fault(va, write, False) != FaultResult.OK:
            return -errno.ENOMEM
    _set_locked(mm, start, end, True, onfault)
    return 0


syscall("mlock")(_mlock)


@syscall("mlock2")
def sys_mlock2(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    if a[2] & 0xFFFF_FFFF & ~MLOCK_ONFAULT:
        return -errno.EINVAL            # MLOCK_ONFAULT is mlock2's one flag
    return _mlock(k, t, a, bool(a[2] & MLOCK_ONFAULT))


@syscall("mincore")
def sys_mincore(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    addr, length, vec = _untagged(a[0]), _page_up(a[1]), a[2]
    if addr % PAGE:
        return -errno.EINVAL
    mm = t.process.mm
    if addr + length > 1 << 48:
        return -errno.ENOMEM          # past the user address space: nothing is mapped there
    out = bytearray()     # grown page by page: a huge length fails at its first hole
    for i in range(length // PAGE):
        if mm.vmas.find(addr + i * PAGE) is None:
            raise KernelError(errno.ENOMEM)
        out.append(1 if mm.tables.lookup(addr + i * PAGE) & D.VALID else 0)
    k.uaccess.write(vec, bytes(out))
    return 0
