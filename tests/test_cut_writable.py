"""Which exception or call in flight may write-fault a page (guardian/cut_writable.py):
a writable refault of a page a private file view left empty is Linux only then
(do_cow_fault(); do_read_fault() maps read-only)."""

from __future__ import annotations

from abi.syscalls import NUMBERS
from guardian.cut_writable import _writes_page
from guardian.slots import Slot

ROOT, PAGE_VA = 0x4000_0000, 0x7000_2000
DABT_LOWER = 0x24 << 26


def _slot(nr: int | None, args: tuple[int, ...] = (), fault: tuple[int, int] | None = None,
          root: int = ROOT) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=nr, args=args, root=root, fault=fault)


def test_a_store_fault_at_the_page_may_copy_it() -> None:
    assert _writes_page(_slot(None, fault=(DABT_LOWER | 1 << 6, PAGE_VA + 8)), ROOT, PAGE_VA)
    assert not _writes_page(_slot(None, fault=(DABT_LOWER, PAGE_VA + 8)), ROOT, PAGE_VA)
    assert not _writes_page(_slot(None, fault=(DABT_LOWER | 1 << 6, PAGE_VA + 0x1000)),
                            ROOT, PAGE_VA)
    assert not _writes_page(_slot(None, fault=(DABT_LOWER | 1 << 6, PAGE_VA)), ROOT + 1,
                            PAGE_VA)


def test_calls_that_write_no_user_memory_never_do() -> None:
    for name in ("pwrite64", "write", "pwritev", "fallocate", "getppid"):
        assert not _writes_page(_slot(NUMBERS[name], (3, PAGE_VA, 4096, 0)), ROOT, PAGE_VA)


def test_calls_writing_user_memory_may() -> None:
    assert _writes_page(_slot(NUMBERS["read"], (3, PAGE_VA, 4096)), ROOT, PAGE_VA)
    assert _writes_page(_slot(NUMBERS["madvise"], (PAGE_VA, 4096, 23)), ROOT, PAGE_VA)
    wait4 = NUMBERS["wait4"]
    assert _writes_page(_slot(wait4, (5, PAGE_VA + 4, 0, 0)), ROOT, PAGE_VA)
    assert not _writes_page(_slot(wait4, (5, PAGE_VA + 0x1000, 0, 0)), ROOT, PAGE_VA)
    assert not _writes_page(_slot(wait4, (5, PAGE_VA + 4, 0, 0), root=ROOT + 1), ROOT, PAGE_VA)


def test_a_signal_frame_may_copy_a_cut_page() -> None:
    """setup_rt_frame() copies a caught signal's frame out at any return to user (a
    write() in flight, an interrupt): its copy_to_user() write-faults a cut page of a
    private file view on the stack or the altstack (do_cow_fault())."""
    from guardian.cut_writable import check
    from guardian.file_pages import FileView
    from guardian.slots import PAGE, Space
    from guardian.sole_files import MemFile
    mem = MemFile(size=PAGE, data=bytearray(PAGE))
    view = FileView(mem, mem.version)
    view.cut.add(0)
    space = Space(sole_views=[(PAGE_VA, PAGE_VA + PAGE, view, 0)],
                  handlers={10: (0x40_1000, 0, 0x40_2000, 0)})
    check(space, [_slot(NUMBERS["write"], (3, 0x1000, 16))], 1, ROOT, PAGE_VA + 8)


def test_a_fork_childs_settid_word_may_copy_its_page() -> None:
    """schedule_tail() stores CLONE_CHILD_SETTID in the fork child's own tree while its
    creator's clone is in flight: a write fault there (do_cow_fault())."""
    clone = NUMBERS["clone"]
    assert _writes_page(_slot(clone, (0x0100_0011, 0, 0, 0, PAGE_VA + 4)), ROOT + 1, PAGE_VA)
    assert not _writes_page(_slot(clone, (0x0010_0011, 0, PAGE_VA + 4, 0, 0)), ROOT + 1,
                            PAGE_VA)
