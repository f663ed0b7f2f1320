"""Match-action tables and register arrays with the switch's real capacities.

A table that is full refuses the insert with `TableFull` and counts the refusal: the data
plane never grows past what the ASIC holds.  Capacities are those of MIND's P4 program.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

PARTITION_CAPACITY = 128          # addrTrans (LPM on the 48-bit VA)
EXCEPTION_CAPACITY = 8192         # addrExceptTrans: protection and exceptional translations
DIRECTORY_CAPACITY = 30624        # findCacheSlot (LPM on the 64-bit FVA) and its registers
TRANSITION_CAPACITY = 40          # cacheDirectoryPre2 (exact)

A = TypeVar("A")


class TableFull(Exception):
    """An insert into a table that has no free entry left."""

    def __init__(self, table: str, capacity: int) -> None:
        super().__init__(f"switch table {table} is full ({capacity} entries)")
        self.table = table
        self.capacity = capacity


@dataclass(frozen=True)
class Prefix:
    value: int       # the key's bits, already masked to the prefix
    length: int      # number of leading bits that match


class LpmTable(Generic[A]):
    """Longest-prefix match on a `key_bits`-wide key; `capacity` None means unbounded
    (only for what-if studies, e.g. static directory regions that would not fit)."""

    def __init__(self, name: str, key_bits: int, capacity: int | None) -> None:
        self.name = name
        self.key_bits = key_bits
        self.capacity = capacity
        self._by_len: dict[int, dict[int, A]] = {}
        self._lengths: list[int] = []        # used prefix lengths, longest first
        self.size = 0
        self.peak = 0
        self.overflows = 0
        self.lookups = 0

    def _mask(self, length: int) -> int:
        return ((1 << length) - 1) << (self.key_bits - length) if length else 0

    def prefix_for(self, base: int, size: int) -> Prefix:
        """The prefix covering the aligned power-of-two range [base, base + size)."""
        if size & (size - 1) or base % size:
            raise ValueError(f"{self.name}: range {base:#x}+{size:#x} is not an aligned power of two")
        length = self.key_bits - (size.bit_length() - 1)
        return Prefix(base & self._mask(length), length)

    def insert(self, prefix: Prefix, action: A) -> None:
        level = self._by_len.get(prefix.length)
        if level is not None and prefix.value in level:
            level[prefix.value] = action      # modify in place: no new entry
            return
        if self.capacity is not None and self.size >= self.capacity:
            self.overflows += 1
            raise TableFull(self.name, self.capacity)
        if level is None:
            level = self._by_len[prefix.length] = {}
            self._lengths = sorted(self._by_len, reverse=True)
        level[prefix.value] = action
        self.size += 1
        self.peak = max(self.peak, self.size)

    def delete(self, prefix: Prefix) -> A:
        level = self._by_len[prefix.length]
        action = level.pop(prefix.value)
        self.size -= 1
        if not level:
            del self._by_len[prefix.length]
            self._lengths = sorted(self._by_len, reverse=True)
        return action

    def lookup(self, key: int) -> tuple[Prefix, A] | None:
        self.lookups += 1
        for length in self._lengths:
            value = key & self._mask(length)
            action = self._by_len[length].get(value)
            if action is not None:
                return Prefix(value, length), action
        return None

    def entries(self) -> Iterator[tuple[Prefix, A]]:
        for length in sorted(self._by_len):
            for value, action in sorted(self._by_len[length].items()):
                yield Prefix(value, length), action

    def free(self) -> int | None:
        return None if self.capacity is None else self.capacity - self.size

    def statistics(self) -> dict[str, int]:
        return {"entries": self.size, "peak": self.peak, "overflows": self.overflows,
                "lookups": self.lookups}


class RegisterArray:
    """A register array indexed by entry number (SRAM on the ASIC)."""

    def __init__(self, name: str, size: int, reset: int = 0) -> None:
        self.name = name
        self.size = size
        self._reset = reset
        self._cells = [reset] * size

    def __getitem__(self, index: int) -> int:
        return self._cells[index]

    def __setitem__(self, index: int, value: int) -> None:
        self._cells[index] = value

    def clear(self, index: int) -> None:
        self._cells[index] = self._reset

    def grow(self, size: int) -> None:
        """Unbounded what-if directories grow their registers with the table."""
        if size > self.size:
            self._cells.extend([self._reset] * (size - self.size))
            self.size = size
