"""The kernel model's KSM scans only memory the program opted in (mm/ksm.c): areas its
madvise(MADV_MERGEABLE) marked VM_MERGEABLE, or every private area once its
prctl(PR_SET_MEMORY_MERGE, 1) set MMF_VM_MERGE_ANY."""

from __future__ import annotations

import errno
from pathlib import Path

from kernel_model.reclaim import ksm_eligible
from kernel_model.syscalls.mem import MADV_MERGEABLE, MADV_UNMERGEABLE, sys_madvise
from kernel_model.syscalls.prctl import PR_GET_MEMORY_MERGE, PR_SET_MEMORY_MERGE, sys_prctl
from kernel_model.vma import PROT_READ, PROT_WRITE, SharedPages, Vma
from tests.test_memory_optimizations import PAGE, _kernel

RW = PROT_READ | PROT_WRITE
A, S = 0x1000_0000, 0x2000_0000


def _setup(tmp_path: Path):  # noqa: ANN202
    k, _ = _kernel("native", tmp_path)
    mm = k.init.mm
    mm.map_area(Vma(A, A + 8 * PAGE, RW, name="[anon]"))
    mm.map_area(Vma(S, S + 2 * PAGE, RW, shared=True, shared_pages=SharedPages("s"),
                    name="[shared]"))
    return k, k.init.threads[0], mm


def test_madvise_mergeable_marks_split_areas_and_unmergeable_clears(tmp_path: Path) -> None:
    k, t, mm = _setup(tmp_path)
    assert not any(ksm_eligible(v, mm.merge_any) for v in mm.vmas)     # nothing by default
    assert sys_madvise(k, t, (A + 2 * PAGE, 2 * PAGE, MADV_MERGEABLE)) == 0
    assert [(v.start - A) // PAGE for v in mm.vmas if v.mergeable] == [2]
    assert not mm.vmas.find(A + PAGE).mergeable and not mm.vmas.find(A + 4 * PAGE).mergeable
    assert ksm_eligible(mm.vmas.find(A + 3 * PAGE), False)
    assert sys_madvise(k, t, (S, 2 * PAGE, MADV_MERGEABLE)) == 0       # ignored: shared
    assert not mm.vmas.find(S).mergeable
    assert sys_madvise(k, t, (A + 3 * PAGE, PAGE, MADV_UNMERGEABLE)) == 0
    assert mm.vmas.find(A + 2 * PAGE).mergeable and not mm.vmas.find(A + 3 * PAGE).mergeable
    assert sys_madvise(k, t, (A + 6 * PAGE, 4 * PAGE, MADV_MERGEABLE)) == -errno.ENOMEM
    assert mm.vmas.find(A + 7 * PAGE).mergeable                        # the mapped part
    child = mm.fork(k.alloc_asid())
    assert child.vmas.find(A + 7 * PAGE).mergeable                     # dup_mmap keeps it
    child.destroy()


def test_prctl_memory_merge_makes_every_private_area_eligible(tmp_path: Path) -> None:
    k, t, mm = _setup(tmp_path)
    assert sys_prctl(k, t, (PR_GET_MEMORY_MERGE, 0, 0, 0, 0)) == 0
    assert sys_prctl(k, t, (PR_SET_MEMORY_MERGE, 1, 1, 0, 0)) == -errno.EINVAL
    assert sys_prctl(k, t, (PR_SET_MEMORY_MERGE, 1, 0, 0, 0)) == 0
    assert sys_prctl(k, t, (PR_GET_MEMORY_MERGE, 0, 0, 0, 0)) == 1
    assert ksm_eligible(mm.vmas.find(A), mm.merge_any)
    assert not ksm_eligible(mm.vmas.find(S), mm.merge_any)
    child = mm.fork(k.alloc_asid())
    assert child.merge_any
    child.destroy()
    sys_madvise(k, t, (A, PAGE, MADV_MERGEABLE))
    assert sys_prctl(k, t, (PR_SET_MEMORY_MERGE, 0, 0, 0, 0)) == 0
    assert not mm.merge_any and not any(v.mergeable for v in mm.vmas)  # ksm_del_vmas()
