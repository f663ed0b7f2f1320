"""guardian/area_state.py private_file(): which MAP_PRIVATE mmaps are surely file vmas
(MADV_FREE: madvise_free_single_vma() -EINVAL) -- a memfd whose number named it through
the call; never a name, which a symbolic link may lead to /dev/zero (mmap_zero())."""

from __future__ import annotations

from guardian.area_state import private_file
from guardian.open_files import OpenFile
from guardian.slots import Slot


class _Files:
    def __init__(self, f: OpenFile, steady: bool = True) -> None:
        self.f, self.is_steady = f, steady

    def open_file(self, slot: Slot, fd: int) -> OpenFile | None:
        return self.f

    def steady(self, slot: Slot) -> bool:
        return self.is_steady


SLOT = Slot(1, 1, None, 0, 222, (0, 4096, 3, 2, 5, 0), 1, 1)


def test_a_memfd_is_a_file_vma() -> None:
    assert private_file(_Files(OpenFile(None, memfd=3)), SLOT, 5)


def test_a_name_may_be_a_link_to_dev_zero() -> None:
    # symlink("/dev/zero", "/tmp/z"); open("/tmp/z"): mmap_zero() makes it anonymous
    assert not private_file(_Files(OpenFile("/tmp/z")), SLOT, 5)


def test_a_number_another_thread_moved_during_the_call() -> None:
    # dup2(zero, 5) by another thread while mmap(..., 5, ...) looked the number up
    assert not private_file(_Files(OpenFile(None, memfd=3), steady=False), SLOT, 5)
