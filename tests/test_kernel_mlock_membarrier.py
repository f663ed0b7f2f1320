"""The kernel model's mlock family, membarrier and personality answer as Linux does:
VM_LOCKED refuses MADV_DONTNEED/MADV_FREE (MADV_DONTNEED_LOCKED zaps anyway), mlock2 and
mlockall check their flags, a private expedited membarrier needs its registration, and a
thread's persona reads back as set.  The Guardian holds the kernel to these answers."""

from __future__ import annotations

import errno
from pathlib import Path

from kernel_model.kernel import Kernel
from tests.test_kernel_file_mappings import SCRATCH, _call, _kernel

PAGE = 4096
MAP_PRIVATE, MAP_ANONYMOUS, PROT_RW = 2, 0x20, 3
MADV_DONTNEED, MADV_FREE, MADV_DONTNEED_LOCKED = 4, 8, 24


def _page(k: Kernel) -> int:
    va = _call(k, "mmap", 0, PAGE, PROT_RW, MAP_PRIVATE | MAP_ANONYMOUS, (1 << 64) - 1, 0)
    k.uaccess.write(va, b"\x07" * 8)
    return va


def test_a_locked_page_is_kept_until_unlocked(tmp_path: Path) -> None:
    k = _kernel(tmp_path)
    va = _page(k)
    assert _call(k, "mlock", va, PAGE) == 0
    assert _call(k, "madvise", va, PAGE, MADV_DONTNEED) == -errno.EINVAL
    assert _call(k, "madvise", va, PAGE, MADV_FREE) == -errno.EINVAL
    assert k.uaccess.read(va, 8) == b"\x07" * 8
    assert _call(k, "munlock", va, PAGE) == 0
    assert _call(k, "madvise", va, PAGE, MADV_DONTNEED) == 0
    assert k.uaccess.read(va, 8) == bytes(8)
    k.uaccess.write(va, b"\x07" * 8)
    assert _call(k, "mlockall", 1) == 0                              # MCL_CURRENT
    assert _call(k, "madvise", va, PAGE, MADV_DONTNEED) == -errno.EINVAL
    assert _call(k, "madvise", va, PAGE, MADV_DONTNEED_LOCKED) == 0
    assert k.uaccess.read(va, 8) == bytes(8)
    assert _call(k, "munlockall") == 0
    assert _call(k, "madvise", SCRATCH, PAGE, MADV_DONTNEED) == 0


def test_mlock_flags_are_checked(tmp_path: Path) -> None:
    k = _kernel(tmp_path)
    va = _page(k)
    assert _call(k, "mlock2", va, PAGE, 2) == -errno.EINVAL
    assert _call(k, "mlock2", va, PAGE, 1) == 0                      # MLOCK_ONFAULT
    for flags, ok in ((0, False), (4, False), (8, False), (1, True), (2, True), (6, True)):
        assert (_call(k, "mlockall", flags) == 0) is ok, flags


def test_membarrier_registrations_and_personality(tmp_path: Path) -> None:
    k = _kernel(tmp_path)
    assert _call(k, "membarrier", 0, 0) == (1 << 10) - 1             # CMD_QUERY
    assert _call(k, "membarrier", 1 << 9, 0) == 0                    # GET_REGISTRATIONS
    assert _call(k, "membarrier", 1 << 3, 0) == -errno.EPERM         # PRIVATE_EXPEDITED
    assert _call(k, "membarrier", 1 << 4, 0) == 0                    # its REGISTER
    assert _call(k, "membarrier", 1 << 3, 0) == 0
    assert _call(k, "membarrier", 1 << 9, 0) == 1 << 4
    assert _call(k, "membarrier", 3, 0) == -errno.EINVAL             # two commands
    assert _call(k, "personality", 0x0040000) == 0
    assert _call(k, "personality", 0xFFFF_FFFF) == 0x0040000
    assert _call(k, "personality", 0) == 0x0040000


def test_remove_refuses_a_locked_area_and_a_fork_child_holds_no_lock(tmp_path: Path) -> None:
    """madvise_remove(): -EINVAL for VM_LOCKED; dup_mmap() clears VM_LOCKED_MASK in the
    child's areas."""
    k = _kernel(tmp_path)
    va = _call(k, "mmap", 0, PAGE, PROT_RW, 1 | MAP_ANONYMOUS, (1 << 64) - 1, 0)  # SHARED
    assert _call(k, "mlock", va, PAGE) == 0
    assert _call(k, "madvise", va, PAGE, 9) == -errno.EINVAL          # MADV_REMOVE
    mm = k.init.mm
    assert mm.vmas.find(va).locked
    child = mm.fork(mm.asid + 100)
    assert child.vmas.find(va) is not None and not child.vmas.find(va).locked
    assert mm.vmas.find(va).locked


def test_mlock2_onfault_faults_nothing(tmp_path: Path) -> None:
    """mlock2(MLOCK_ONFAULT): apply_vma_lock_flags() sets VM_LOCKED | VM_LOCKONFAULT and
    populate_vma_page_range() returns at once: an empty page stays empty (the model
    faulted the range in until round 81b); mlock() then populates (VM_LOCKED alone)."""
    k = _kernel(tmp_path)
    va = _call(k, "mmap", 0, PAGE, PROT_RW, MAP_PRIVATE | MAP_ANONYMOUS, (1 << 64) - 1, 0)
    mm = k.init.mm
    assert _call(k, "mlock2", va, PAGE, 1) == 0                        # MLOCK_ONFAULT
    assert mm.vmas.find(va).locked and mm.vmas.find(va).onfault
    assert not mm.tables.lookup(va) & 1
    assert _call(k, "mlock", va, PAGE) == 0
    assert not mm.vmas.find(va).onfault and mm.tables.lookup(va) & 1


def test_map_populate_under_on_fault_def_flags_faults_nothing(tmp_path: Path) -> None:
    """mlockall(MCL_FUTURE | MCL_ONFAULT) puts VM_LOCKONFAULT in mm->def_flags; an
    mmap(MAP_POPULATE) area takes it (do_mmap(): vm_flags |= mm->def_flags) and
    populate_vma_page_range() returns at once for it: nothing is faulted in, MAP_POPULATE
    or not.  After munlockall() MAP_POPULATE faults the area in again."""
    k = _kernel(tmp_path)
    mm = k.init.mm
    assert _call(k, "mlockall", 2 | 4) == 0                            # MCL_FUTURE | MCL_ONFAULT
    va = _call(k, "mmap", 0, PAGE, PROT_RW, MAP_PRIVATE | MAP_ANONYMOUS | 0x8000,
               (1 << 64) - 1, 0)
    assert mm.vmas.find(va).locked and mm.vmas.find(va).onfault
    assert not mm.tables.lookup(va) & 1
    assert _call(k, "munlockall") == 0
    va = _call(k, "mmap", 0, PAGE, PROT_RW, MAP_PRIVATE | MAP_ANONYMOUS | 0x8000,
               (1 << 64) - 1, 0)
    assert mm.tables.lookup(va) & 1
