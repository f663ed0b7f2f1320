"""A fault the areas allow on a present entry always makes progress: once the kernel
model's handle_fault() answers OK, the retried access is allowed by the entry (a write
to a clean PTE_DBM entry, to a read-only one, an access to a PROT_NONE entry of an
accessible area), as Linux's handle_pte_fault() / do_wp_page() / do_numa_page() ensure."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from emulator import descriptors as D
from kernel_model.page_faults import FaultResult, PageFaults, leaf_perms
from kernel_model.vma import PAGE, PROT_EXEC, PROT_READ, PROT_WRITE, Vma

VA = 0x40_0000
FRAME = 0x8_0000


class _Tables:
    def __init__(self, desc: int) -> None:
        self.entries = {VA: desc}

    def lookup_slot(self, va: int) -> tuple[int, int]:
        return self.entries.get(va, 0), 0

    def set(self, va: int, desc: int) -> int:
        self.entries[va] = desc
        return 0


class _Vmas:
    def __init__(self, vma: Vma) -> None:
        self.vma = vma

    def find(self, va: int) -> Vma | None:
        return self.vma if self.vma.start <= va < self.vma.end else None


def _space(prot: int, desc: int) -> PageFaults:
    space = PageFaults()
    space.tables = _Tables(desc)  # type: ignore[assignment]
    space.vmas = _Vmas(Vma(VA, VA + PAGE, prot))  # type: ignore[assignment]
    nothing = lambda *a, **k: None  # noqa: E731
    space.ctx = SimpleNamespace(  # type: ignore[assignment]
        memory=SimpleNamespace(before_fault=nothing),
        el1=SimpleNamespace(tlbi_va=nothing), stats=SimpleNamespace(inc=nothing),
        invalidate_code=nothing)
    return space


def _leaf(prot: int, writable: bool = True) -> int:
    return D.leaf_descriptor(FRAME, leaf_perms(prot, writable))


RW, RX = PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC
ENTRIES = {
    "clean lazy-free (PTE_RDONLY | PTE_DBM)": _leaf(RW) | D.AP_RO | D.DBM,
    "read-only, no DBM": _leaf(RW, False),
    "PROT_NONE entry": _leaf(0),
    "access flag cleared": _leaf(RW) & ~D.AF,
    "execute-never": _leaf(RW),
}


@pytest.mark.parametrize("prot", [RW, RX, PROT_READ | PROT_WRITE | PROT_EXEC])
@pytest.mark.parametrize("entry", list(ENTRIES))
@pytest.mark.parametrize("access", ["read", "write", "execute"])
def test_an_allowed_fault_on_a_present_entry_ends(prot: int, entry: str, access: str) -> None:
    write, execute = access == "write", access == "execute"
    if (write and not prot & PROT_WRITE) or (execute and not prot & PROT_EXEC):
        pytest.skip("the area forbids it: SIGSEGV, no retry")
    space = _space(prot, ENTRIES[entry])
    assert space.handle_fault(VA, write, execute) == FaultResult.OK
    desc = space.tables.entries[VA]  # type: ignore[attr-defined]
    assert desc & D.ADDR_MASK == FRAME              # the same frame
    assert PageFaults._allows(desc, write, execute), hex(desc)
    if not write and ENTRIES[entry] & D.AP_RO:
        assert desc & D.AP_RO                       # a read keeps a clean entry clean
