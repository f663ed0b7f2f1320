"""Physical RAM: one host buffer that Unicorn maps directly.

The same bytes are seen by the guest (through `mem_map_ptr`) and by the model
(through a memoryview), so nothing is copied on access.  Only the Guardian-level
machine holds this object; the kernel reaches RAM through its EL1 face.
"""

from __future__ import annotations

import ctypes
import mmap
import struct

PAGE_SIZE = 4096
PAGE_SHIFT = 12
PAGE_MASK = ~(PAGE_SIZE - 1)

_U64 = struct.Struct("<Q")
_ZERO_PAGE = bytes(PAGE_SIZE)
_U32 = struct.Struct("<I")


class PhysicalMemory:
    """A contiguous RAM region [base, base+size) backed by an anonymous host mapping."""

    def __init__(self, base: int, size: int) -> None:
        if base % PAGE_SIZE or size % PAGE_SIZE or size <= 0:
            raise ValueError("RAM base and size must be positive multiples of 4 KiB")
        self.base = base
        self.size = size
        self.end = base + size
        # Anonymous mmap: the host commits pages lazily, so a large RAM costs
        # only what the guest touches.  Private, so a forked copy of the machine
        # (a debugger's checkpoint) has RAM of its own, copied on write.
        self._map = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        self.view = memoryview(self._map)
        self.host_address = ctypes.addressof(ctypes.c_char.from_buffer(self._map))

    def contains(self, pa: int, length: int = 1) -> bool:
        return self.base <= pa and pa + length <= self.end

    def offset(self, pa: int, length: int = 1) -> int:
        """Host-buffer offset of a physical address; raises for addresses outside RAM."""
        off = pa - self.base
        if off < 0 or off + length > self.size:
            raise ValueError(f"physical address {pa:#x}+{length} is outside RAM")
        return off

    def read(self, pa: int, length: int) -> bytes:
        off = self.offset(pa, length)
        return bytes(self.view[off:off + length])

    def write(self, pa: int, data: bytes | bytearray | memoryview) -> None:
        off = self.offset(pa, len(data))
        self.view[off:off + len(data)] = data

    def read_u64(self, pa: int) -> int:
        return _U64.unpack_from(self._map, pa - self.base)[0]

    def write_u64(self, pa: int, value: int) -> None:
        _U64.pack_into(self._map, pa - self.base, value)

    def read_u32(self, pa: int) -> int:
        return _U32.unpack_from(self._map, pa - self.base)[0]

    def zero_page(self, pa: int) -> None:
        off = pa - self.base                # (offset(), inline: a page fault's zero fill)
        if off < 0 or off + PAGE_SIZE > self.size:
            raise ValueError(f"physical address {pa:#x}+{PAGE_SIZE} is outside RAM")
        self.view[off:off + PAGE_SIZE] = _ZERO_PAGE

    def copy_page(self, dst_pa: int, src_pa: int) -> None:
        d = self.offset(dst_pa, PAGE_SIZE)
        s = self.offset(src_pa, PAGE_SIZE)
        self.view[d:d + PAGE_SIZE] = self.view[s:s + PAGE_SIZE]

    @property
    def buffer(self) -> mmap.mmap:
        """The raw buffer, for struct.pack_into/unpack_from on hot paths."""
        return self._map
