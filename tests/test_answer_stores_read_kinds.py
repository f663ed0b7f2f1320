"""`cut.answer_stores` (guardian/answer_stores.py): a read's error
shows nothing stored only where the descriptor is known.  A FUSE file opened with
FOPEN_DIRECT_IO (or O_DIRECT) pins the buffer with FOLL_WRITE before the request
(fuse_direct_io() -> fuse_get_user_pages() -> iov_iter_get_pages2(): the private view's
page is copied, do_cow_fault()), then answers the daemon's error -- -EAGAIN, -EINVAL,
-EISDIR, -EBADF all pass fuse_dev_do_write()'s range check -- with nothing counted."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from abi.syscalls import NUMBERS
from guardian import kind_stores
from guardian.answer_stores import PIPE, SHMEM, UNREADABLE, read_kind
from guardian.answer_stores import check as check_answer
from guardian.checks import Refused
from guardian.cut_writable import check as check_cut
from guardian.file_pages import FileView
from guardian.open_files import OpenFile
from guardian.slots import PAGE, Slot, Space
from guardian.sole_files import MemFile

ROOT, VIEW = 0x4000_0000, 0x7000_0000
PAGE2 = VIEW + 2 * PAGE
N = NUMBERS
M = 1 << 64


def _slot(nr: int, args: tuple[int, ...]) -> Slot:
    return Slot(id=50, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT, thread=0)


def _run(slot: Slot, ret: int, kinds: dict[int, str]) -> None:
    mem = MemFile(size=3 * PAGE, data=bytearray(3 * PAGE))
    view = FileView(mem, mem.version)
    view.cut.add(2)
    space = Space(sole_views=[(VIEW, VIEW + 3 * PAGE, view, 0)])  # type: ignore[arg-type]
    check_cut(space, (slot,), 1, ROOT, PAGE2)
    assert slot.opened == (PAGE2,)
    check_answer(slot, ret % M, kinds.get)


@pytest.mark.parametrize("nr", [N["read"], N["pread64"]])
@pytest.mark.parametrize("err", [-11, -22, -21, -9])
def test_fuse_direct_read_error_after_pinning_passes(nr: int, err: int) -> None:
    """Descriptor 7: a file the program opened O_RDONLY on a FUSE mount (not known)."""
    _run(_slot(nr, (7, PAGE2, 16, 0)), err, {})


@pytest.mark.parametrize(("fd", "ret"), [(3, -9), (5, -11), (5, -4), (4, -11)])
def test_known_descriptor_error_stores_nothing(fd: int, ret: int) -> None:
    with pytest.raises(Refused, match="cut.answer_stores"):
        _run(_slot(N["read"], (fd, PAGE2, 16)), ret, {3: UNREADABLE, 4: SHMEM, 5: PIPE})


@pytest.mark.parametrize("err", [-22, -4, -5])
def test_unreadable_file_any_error_stores_nothing(err: int) -> None:
    """A file opened O_WRONLY: vfs_read() -EBADF comes before ->read_iter(), so whatever
    errno the kernel answers, it stored nothing (kind_stores.py)."""
    with pytest.raises(Refused, match="cut.answer_stores"):
        _run(_slot(N["read"], (3, PAGE2, 16)), err, {3: UNREADABLE})


@dataclass
class _Files:
    fds: dict[int, OpenFile] = field(default_factory=dict)
    memfds: frozenset[int] = frozenset()
    is_steady: bool = True

    def lockable_memfd(self, slot: Slot, fd: int) -> bool:
        return fd in self.memfds and self.is_steady

    def open_file(self, slot: Slot, fd: int) -> OpenFile | None:
        return self.fds.get(fd)

    def steady(self, slot: Slot) -> bool:
        return self.is_steady


def test_read_kind() -> None:
    slot = _slot(N["read"], (3, PAGE2, 16))
    files = _Files({3: OpenFile(access=1), 4: OpenFile(access=0),
                    5: OpenFile(maker=N["pipe2"]), 6: OpenFile(path_only=True),
                    8: OpenFile(access=3)}, frozenset({9}))
    kinds = {fd: read_kind(files, slot, fd) for fd in (3, 4, 5, 6, 7, 8, 9)}
    # (an O_PATH file: kind_stores.PATH since round 88b, which every read refuses too)
    assert kinds == {3: UNREADABLE, 4: None, 5: PIPE, 6: kind_stores.PATH, 7: None,
                     8: UNREADABLE, 9: SHMEM}
    files.is_steady = False             # (another thread's dup2 may have moved it)
    assert read_kind(files, slot, 3) is None and read_kind(files, slot, 5) is None
