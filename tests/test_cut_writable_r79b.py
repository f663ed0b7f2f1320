"""Round 79b's narrowing of the writable-refault rule (guardian/cut_writable.py): a call
opens only the user memory Linux may store to (ZS-001..ZS-008, ZS-011, ZS-025..ZS-028),
a signal frame only its reach below a thread's SP or an alternate stack's top
(ZS-019..ZS-024), an exit only its TID words; and the locked views Linux copies
(guardian/locked_copies.py, ZS-029..ZS-031).  Each with the honest neighbour."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import CTX_SP, UserContext
from guardian import checks
from guardian.checks import Refused
from guardian.cut_writable import _writes_page, check, frame_reaches
from guardian.file_pages import FileView
from guardian.locked_copies import follow, map_locked_copies
from guardian.slots import PAGE, Slot, Space
from guardian.sole_files import MemFile

ROOT, PAGE_VA = 0x4000_0000, 0x7000_2000
STACK_SP = 0x7fff_f000


def _slot(nr: int | None, args: tuple[int, ...] = (), root: int = ROOT, thread: int = 0,
          sp: int | None = None) -> Slot:
    ctx = None
    if sp is not None:
        ctx = UserContext()
        ctx.set(CTX_SP, sp)
    return Slot(id=1, domain=1, saved=ctx, elr=0, nr=nr, args=args, root=root,
                thread=thread)


def _space(**kw: object) -> Space:
    mem = MemFile(size=3 * PAGE, data=bytearray(3 * PAGE))
    view = FileView(mem, mem.version)
    view.cut.add(0)
    return Space(sole_views=[(PAGE_VA, PAGE_VA + PAGE, view, 0)], **kw)  # type: ignore[arg-type]


def test_calls_that_store_nothing_open_no_page() -> None:
    """ZS-001, -002, -004, -007: getname() only reads, ksys_dup() and munmap store
    nothing, a mremap that does not grow populates nothing (do_mremap())."""
    for name in ("openat", "dup", "dup3", "memfd_create", "munmap"):
        assert not _writes_page(_slot(NUMBERS[name], (PAGE_VA, PAGE_VA, 4096)), ROOT, PAGE_VA)
    mremap = NUMBERS["mremap"]
    assert not _writes_page(_slot(mremap, (PAGE_VA, 3 * PAGE, 0, 0, 0)), ROOT, PAGE_VA)
    assert _writes_page(_slot(mremap, (PAGE_VA, PAGE, 3 * PAGE, 1, 0)), ROOT, PAGE_VA)


def test_pointer_arguments_open_only_their_bytes() -> None:
    """ZS-003/-008 pipe2's fildes (8 bytes), ZS-025 read()'s [buf, buf + count)."""
    pipe2, read = NUMBERS["pipe2"], NUMBERS["read"]
    assert not _writes_page(_slot(pipe2, (STACK_SP, 0)), ROOT, PAGE_VA)
    assert _writes_page(_slot(pipe2, (PAGE_VA + 8, 0)), ROOT, PAGE_VA)
    assert not _writes_page(_slot(read, (5, STACK_SP, 1)), ROOT, PAGE_VA)
    assert not _writes_page(_slot(read, (5, PAGE_VA - 1, 1)), ROOT, PAGE_VA)
    assert _writes_page(_slot(read, (5, PAGE_VA - 1, 2)), ROOT, PAGE_VA)
    assert _writes_page(_slot(read, (5, 0x2A << 56 | PAGE_VA, 1)), ROOT, PAGE_VA)  # tagged


def test_mprotect_and_madvise_open_their_range_only_when_they_may_populate() -> None:
    """ZS-005: mprotect_fixup() populates only for VM_WRITE; ZS-006: madvise_populate()
    writes for MADV_POPULATE_WRITE only."""
    mprotect, madvise = NUMBERS["mprotect"], NUMBERS["madvise"]
    assert not _writes_page(_slot(mprotect, (PAGE_VA, PAGE, 0)), ROOT, PAGE_VA)
    assert _writes_page(_slot(mprotect, (PAGE_VA, PAGE, 3)), ROOT, PAGE_VA)
    assert not _writes_page(_slot(mprotect, (PAGE_VA + PAGE, PAGE, 3)), ROOT, PAGE_VA)
    assert not _writes_page(_slot(madvise, (PAGE_VA, PAGE, 22)), ROOT, PAGE_VA)
    assert _writes_page(_slot(madvise, (PAGE_VA, PAGE, 23)), ROOT, PAGE_VA)


def test_child_settid_counts_only_in_the_childs_tree() -> None:
    """ZS-027: schedule_tail() stores CLONE_CHILD_SETTID in the child's mm."""
    clone = NUMBERS["clone"]
    settid = (0x0100_0011, 0, 0, 0, PAGE_VA + 64)
    assert not _writes_page(_slot(clone, settid), ROOT, PAGE_VA)          # the parent's
    assert _writes_page(_slot(clone, settid), ROOT + 1, PAGE_VA)          # the child's
    assert not _writes_page(_slot(clone, (0x11, 0, 0, 0, PAGE_VA + 64)), ROOT + 1, PAGE_VA)
    shared = (0x0100_0111, 0, 0, 0, PAGE_VA + 64)                         # CLONE_VM
    assert _writes_page(_slot(clone, shared), ROOT, PAGE_VA)


def test_exit_stores_only_at_tid_words_without_a_robust_list() -> None:
    """ZS-021: mm_release() stores at clear_child_tid and the robust list's words."""
    exit_ = NUMBERS["exit"]
    space = _space()
    assert not _writes_page(_slot(exit_, (0,), thread=7), ROOT, PAGE_VA, space)
    space.tid_words[7] = PAGE_VA + 16
    assert _writes_page(_slot(exit_, (0,), thread=7), ROOT, PAGE_VA, space)
    assert _writes_page(_slot(exit_, (0,), thread=7), ROOT, PAGE_VA, None)


def test_a_signal_frame_reaches_only_below_sp_or_an_altstack_top() -> None:
    """ZS-019..ZS-024: get_sigframe() places the frame at SP (or the alternate stack's
    top) minus its size; a handler alone opens no other page."""
    handler = {10: (0x40_1000, 0, 0x40_2000, 0)}
    far = _slot(NUMBERS["getppid"], sp=STACK_SP)
    assert not frame_reaches(_space(handlers=dict(handler)), [far], 1, ROOT, PAGE_VA)
    near = _slot(NUMBERS["getppid"], sp=PAGE_VA + PAGE + 256)
    assert frame_reaches(_space(handlers=dict(handler)), [near], 1, ROOT, PAGE_VA)
    assert not frame_reaches(_space(), [near], 1, ROOT, PAGE_VA)          # no handler
    alt = _space(handlers=dict(handler), altstacks={(PAGE_VA - PAGE, 2 * PAGE)})
    assert frame_reaches(alt, [far], 1, ROOT, PAGE_VA)


def test_a_writable_refault_during_openat_with_a_handler_is_refused() -> None:
    """ZS-001 and ZS-019 together, through check(): refused; the honest neighbour, a
    frame's reach, passes."""
    space = _space(handlers={10: (0x40_1000, 0, 0x40_2000, 0)})
    with pytest.raises(Refused):
        check(space, [_slot(NUMBERS["openat"], (0, STACK_SP, 2), sp=STACK_SP)], 1, ROOT,
              PAGE_VA)
    check(space, [_slot(NUMBERS["openat"], (0, STACK_SP, 2), sp=PAGE_VA + 2 * PAGE)], 1,
          ROOT, PAGE_VA)


def _locked_space(prot: int | None = None) -> tuple[Space, list[tuple[int, int]]]:
    space = _space()
    if prot is not None:
        space.protections.append((PAGE_VA, PAGE_VA + PAGE, prot, 0))
    return space, []


def test_mlockall_current_copies_writable_private_views() -> None:
    """ZS-030: apply_mlockall_flags() -> __mm_populate() with FOLL_WRITE; MCL_ONFAULT
    and a read-only view: no copy."""
    pages = lambda lo, hi: [(PAGE_VA, 0x9000)]  # noqa: E731
    mlockall = NUMBERS["mlockall"]
    space, got = _locked_space()
    follow(space, _slot(mlockall, (1,)), 0, pages, got.extend)
    assert got == [(PAGE_VA, 0x9000)]
    space, got = _locked_space()
    follow(space, _slot(mlockall, (1 | 4,)), 0, pages, got.extend)
    assert got == [] and space.onfault
    space, got = _locked_space(prot=1)
    follow(space, _slot(mlockall, (1,)), 0, pages, got.extend)
    assert got == []


def test_mprotect_write_of_a_locked_view_copies_it() -> None:
    """ZS-029: mprotect_fixup() populates a VM_LOCKED private area made writable."""
    pages = lambda lo, hi: [(PAGE_VA, 0x9000)]  # noqa: E731
    mprotect = NUMBERS["mprotect"]
    space, got = _locked_space()
    follow(space, _slot(mprotect, (PAGE_VA, PAGE, 3)), 0, pages, got.extend)
    assert got == []                                # not locked: nothing
    space.lockable.append((PAGE_VA, PAGE_VA + PAGE))
    space.lock(PAGE_VA, PAGE_VA + PAGE)
    follow(space, _slot(mprotect, (PAGE_VA, PAGE, 1)), 0, pages, got.extend)
    assert got == []                                # no PROT_WRITE
    follow(space, _slot(mprotect, (PAGE_VA, PAGE, 3)), 0, pages, got.extend)
    assert got == []                                # writable already: not populated
    space.protections.append((PAGE_VA, PAGE_VA + PAGE, 1, 0))
    follow(space, _slot(mprotect, (PAGE_VA, PAGE, 3)), 0, pages, got.extend)
    assert got == [(PAGE_VA, 0x9000)]


def test_map_locked_writable_private_view_is_copied() -> None:
    """ZS-031: do_mmap() populates a VM_LOCKED area (mm_populate())."""
    assert map_locked_copies(3, 0x2002, Space(), False)
    assert not map_locked_copies(1, 0x2002, Space(), False)
    assert not map_locked_copies(3, 0x0002, Space(), False)
    assert checks.enabled("clean.locked_populate")
