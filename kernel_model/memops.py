"""The mechanism seam for memory optimizations: native kernel or Guardian.

Policy code (reclaim, KSM, migration, compaction, THP) decides *what* to do
with a page; this module does it.  For an ordinary process the kernel reads
and writes frames through its linear map and changes entries through its
page-table writer (native or Guardian-mediated SET_PT).  A confidential
process's frames are absent from the linear map, so each step becomes one
secure-ABI call in which the Guardian copies, seals, compares or remaps
(see abi.contract SPECS).  `ops_for` picks the implementation per address
space, as `Kernel._copy_frame` picks native copy versus COPY_PAGE.
"""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING, Protocol

from abi import Call, Status
from abi.layout import LINEAR_BASE
from emulator import descriptors as D
from kernel_model.pagetable import PageTableRefused, lm

if TYPE_CHECKING:
    from kernel_model.mm import AddressSpace, MemoryContext

PAGE = 4096
HUGE = 2 << 20
_SW_MASK = 0xF << D.SW_SHIFT
_HALF = PAGE // 2
_crc32 = zlib.crc32
_DIGEST = struct.Struct("<Q")


class MemOpRefused(PageTableRefused):
    """The Guardian refused a memory-management call (carries its status).

    A kind of PageTableRefused: where the kernel survives a refused table
    change (the syscall fails, the faulting process is killed) it survives
    this too."""

    def __init__(self, what: str, status: int) -> None:
        super().__init__(what, status)
        self.args = (f"{what} refused by the Guardian (status {status})",)


class MemOps(Protocol):
    """One implementation of the page-level mechanisms."""

    def swap_out(self, mm: AddressSpace, va: int, desc: int, entry: int) -> tuple[bytes, int]:
        """Contents to store (plain or sealed) and a tag; the entry becomes `entry`.

        Entries change without a TLB flush: user code does not run during a batch,
        and the caller flushes once at its end (the Guardian flushes its own).
        """
        ...

    def swap_in(self, mm: AddressSpace, va: int, frame: int, desc: int, data: bytes) -> None: ...
    def migrate(self, mm: AddressSpace, va: int, desc: int, new_pa: int) -> None: ...
    def digest(self, mm: AddressSpace, va: int, pa: int) -> int: ...
    def merge(self, keep: tuple[AddressSpace, int, int], dup: tuple[AddressSpace, int, int],
              sw: int) -> bool: ...
    def collapse(self, mm: AddressSpace, va: int) -> int: ...
    def split(self, mm: AddressSpace, va: int) -> None: ...
    def compressible(self, mm: AddressSpace, va: int, pa: int) -> bytes | None: ...


class NativeMemOps:
    """The kernel does the work itself through its linear map."""

    def __init__(self, ctx: MemoryContext) -> None:
        self.ctx = ctx
        self.el1 = ctx.el1

    def swap_out(self, mm: AddressSpace, va: int, desc: int, entry: int) -> tuple[bytes, int]:
        data = self.el1.read(lm(desc & D.ADDR_MASK), PAGE)
        mm.tables.set(va, entry)        # the caller flushes the TLB once per batch
        return data, 0

    def swap_in(self, mm: AddressSpace, va: int, frame: int, desc: int, data: bytes) -> None:
        self.el1.write(lm(frame), data)
        self.ctx.clock.charge("page_copy")
        mm.tables.set(va, desc)

    def migrate(self, mm: AddressSpace, va: int, desc: int, new_pa: int) -> None:
        self.el1.copy_page(lm(new_pa), lm(desc & D.ADDR_MASK))
        mm.tables.set(va, (desc & ~D.ADDR_MASK) | new_pa)   # the caller flushes per batch

    def digest(self, mm: AddressSpace, va: int, pa: int) -> int:
        # A 64-bit checksum, as ksmd's: it only finds candidates, and a merge happens
        # after a full byte comparison.  CRC-32 of each half of the page: one pass over
        # the bytes (CRC-32 and Adler-32 of the whole page read it twice, ~2x the time),
        # and a change anywhere still changes one half's CRC.
        data = self.el1.read_view(LINEAR_BASE | pa, PAGE)     # lm(pa)
        return _crc32(data[:_HALF]) | (_crc32(data[_HALF:]) << 32)

    def merge(self, keep: tuple[AddressSpace, int, int], dup: tuple[AddressSpace, int, int],
              sw: int) -> bool:
        (mm_a, va_a, desc_a), (mm_b, va_b, desc_b) = keep, dup
        pa = desc_a & D.ADDR_MASK
        if self.el1.read(lm(pa), PAGE) != self.el1.read(lm(desc_b & D.ADDR_MASK), PAGE):
            return False
        soft = (sw & 0xF) << D.SW_SHIFT
        mm_a.tables.set(va_a, (desc_a & ~_SW_MASK) | D.AP_RO | soft)
        mm_b.tables.set(va_b, (desc_b & ~(D.ADDR_MASK | _SW_MASK)) | pa | D.AP_RO | soft)
        self.el1.tlbi_all()
        return True

    def collapse(self, mm: AddressSpace, va: int) -> int:
        """Replace the level-3 table under va by a block; returns the freed table frame."""
        return mm.tables.collapse_native(va)

    def split(self, mm: AddressSpace, va: int) -> None:
        mm.tables.split_native(va)

    def compressible(self, mm: AddressSpace, va: int, pa: int) -> bytes | None:
        return self.el1.read(lm(pa), PAGE)


class GuardianMemOps:
    """A confidential address space: every mechanism is one secure-ABI call."""

    def __init__(self, ctx: MemoryContext) -> None:
        self.ctx = ctx
        self.el1 = ctx.el1

    def _call(self, what: str, call: Call, *args: int) -> int:
        status, value = self.el1.hvc(call, *args)
        if status:
            raise MemOpRefused(what, status)
        return value

    def swap_out(self, mm: AddressSpace, va: int, desc: int, entry: int) -> tuple[bytes, int]:
        status, version, sealed = self.el1.hvc_data(Call.SWAP_OUT, (mm.tables.root, va, entry))
        if status:
            raise MemOpRefused("swap_out", status)
        return sealed, version

    def swap_in(self, mm: AddressSpace, va: int, frame: int, desc: int, data: bytes) -> None:
        status, _, _ = self.el1.hvc_data(Call.SWAP_IN, (mm.tables.root, va, frame, desc), data)
        if status:
            raise MemOpRefused("swap_in", status)

    def share_swapped(self, parent: AddressSpace, child: AddressSpace, va: int,
                      version: int) -> None:
        self._call("swap_share", Call.SWAP_SHARE, parent.tables.root, child.tables.root, va,
                   version)

    def discard_swapped(self, mm: AddressSpace, va: int, version: int) -> None:
        self._call("swap_discard", Call.SWAP_DISCARD, mm.tables.root, va, version)

    def migrate(self, mm: AddressSpace, va: int, desc: int, new_pa: int) -> None:
        self._call("migrate_page", Call.MIGRATE_PAGE, mm.tables.root, va, new_pa)

    def digest(self, mm: AddressSpace, va: int, pa: int) -> int:
        return self._call("page_digest", Call.PAGE_DIGEST, mm.tables.root, va)

    def digest_run(self, mm: AddressSpace, va: int, count: int) -> list[int]:
        """The digests of up to `count` pages from va, in one call: the run ends early
        at a page the Guardian would refuse (a refused first page raises)."""
        status, n, data = self.el1.hvc_data(Call.PAGE_DIGEST, (mm.tables.root, va, count))
        if status:
            raise MemOpRefused("page_digest", status)
        return [d for (d,) in _DIGEST.iter_unpack(data[:8 * min(n, count)])]

    def merge(self, keep: tuple[AddressSpace, int, int], dup: tuple[AddressSpace, int, int],
              sw: int) -> bool:
        (mm_a, va_a, _), (mm_b, va_b, _) = keep, dup
        status, _ = self.el1.hvc(Call.KSM_MERGE, mm_a.tables.root, va_a, mm_b.tables.root, va_b,
                                 sw)
        if status == Status.ERR_DENIED:
            return False            # the pages differ (or belong to different domains)
        if status:
            raise MemOpRefused("ksm_merge", status)
        return True

    def collapse(self, mm: AddressSpace, va: int) -> int:
        table = self._call("thp_collapse", Call.THP_COLLAPSE, mm.tables.root, va)
        return table

    def split(self, mm: AddressSpace, va: int) -> None:
        frames = self.ctx.frames
        table = frames.alloc()
        try:
            self._call("thp_split", Call.THP_SPLIT, mm.tables.root, va, table)
        except MemOpRefused:
            frames.put(table)
            raise

    def compressible(self, mm: AddressSpace, va: int, pa: int) -> bytes | None:
        """Ask once per address space; the answer (ERR_UNSUPPORTED) does not change."""
        if not mm.compress_refused:
            status, _ = self.el1.hvc(Call.COMPRESS_PAGE, mm.tables.root, va)
            mm.compress_refused = status != Status.OK
        return None


def frame_is_confidential(ctx: MemoryContext, pa: int) -> bool:
    """Whether the kernel's linear map hides this frame (the Guardian owns its contents)."""
    if not ctx.guardian_on:
        return False
    return not ctx.el1.readable(lm(pa))


def ops_for(mm: AddressSpace, pa: int | None = None) -> MemOps:
    """Native mechanisms, or the Guardian's when mm is (found to be) confidential."""
    ctx = mm.ctx
    if mm.confidential is None and pa is not None and frame_is_confidential(ctx, pa):
        mm.confidential = True
    return ctx.memory.guardian_ops if mm.confidential else ctx.memory.native_ops
