"""A thread's rseq area on a page a private memfd view left empty: at any return to user
the Guardian stores the area's ids for the kernel (rseq_update_cpu_node_id(),
rseq_ip_fixup()) and asks the kernel to fault the page in writable first (FaultIn with
write: do_cow_fault() copies), whatever the thread entered with -- an openat(), which
opens no page, or an interrupt.  set_pt.cut_writable and
swap_in.clean_writable must let that write fault through.  And an
exit's store at a tagged TID word lands at the untagged page."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import CTX_SP, UserContext
from guardian.checks import Refused
from guardian.cut_writable import check, check_swap_in
from guardian.file_pages import FileView
from guardian.rseq_areas import Area
from guardian.slots import PAGE, Slot, Space
from guardian.sole_files import MemFile

ROOT, PAGE_VA, STACK_SP, THREAD = 0x4000_0000, 0x7000_2000, 0x7fff_f000, 7


def _space() -> Space:
    mem = MemFile(size=3 * PAGE, data=bytearray(3 * PAGE))
    view = FileView(mem, mem.version)
    view.cut.add(0)
    return Space(sole_views=[(PAGE_VA, PAGE_VA + PAGE, view, 0)])  # type: ignore[arg-type]


def _openat() -> Slot:
    ctx = UserContext()
    ctx.set(CTX_SP, STACK_SP)
    return Slot(id=1, domain=1, saved=ctx, elr=0, nr=NUMBERS["openat"],
                args=(0xFFFF_FF9C, STACK_SP - 64, 0), root=ROOT, thread=THREAD)


def test_the_rseq_store_at_openats_return_may_write_fault_the_cut_page() -> None:
    areas = {(ROOT, THREAD): Area(PAGE_VA + 0x40, 32, 0x53053053)}
    check(_space(), [_openat()], 1, ROOT, PAGE_VA, areas)
    check_swap_in(_space(), [_openat()], 1, ROOT, PAGE_VA, areas)


def test_without_an_rseq_area_there_openat_still_opens_nothing() -> None:
    elsewhere = {(ROOT, THREAD): Area(STACK_SP - 0x1000, 32, 0x53053053),
                 (ROOT + 0x1000, THREAD): Area(PAGE_VA + 0x40, 32, 0x53053053)}
    with pytest.raises(Refused):
        check(_space(), [_openat()], 1, ROOT, PAGE_VA, elsewhere)
    with pytest.raises(Refused):
        check_swap_in(_space(), [_openat()], 1, ROOT, PAGE_VA, elsewhere)


def test_exits_store_at_a_tagged_tid_word_lands_untagged() -> None:
    """set_tid_address() (and clone's child_tid) keep a tagged pointer as given;
    mm_release()'s put_user(0, clear_child_tid) stores at its untagged address (TBI):
    an exit opens that page, as for any pointer argument."""
    from guardian.cut_writable import _writes_page
    space = _space()
    space.tid_words[THREAD] = 0x2A << 56 | PAGE_VA + 16
    exit_ = Slot(id=1, domain=1, saved=None, elr=0, nr=NUMBERS["exit"], args=(0,),
                 root=ROOT, thread=THREAD)
    assert _writes_page(exit_, ROOT, PAGE_VA, space)
    check(space, [exit_], 1, ROOT, PAGE_VA)


def test_a_tagged_rseq_area_opens_its_untagged_page() -> None:
    """sys_rseq() keeps the pointer as given; the stores land untagged (TBI)."""
    areas = {(ROOT, THREAD): Area(0x2A << 56 | PAGE_VA + 0x40, 32, 0x53053053)}
    check(_space(), [_openat()], 1, ROOT, PAGE_VA, areas)
