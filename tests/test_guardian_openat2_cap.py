"""openat2 for a confidential program: the kernel may read the path and the whole struct
open_how the program passed (Linux reads all `size` bytes), nothing past it, and never
write to it."""

from __future__ import annotations

from guardian.capabilities import CAP_TABLE, R, W, covered, expand

PATH, HOW = 0x5000, 0x6000


def _ranges(size: int) -> list[tuple[int, int, int]]:
    memory = {PATH + i: b for i, b in enumerate(b"/etc/hostname\0")}

    def read(va: int, n: int) -> bytes:
        return bytes(memory.get(va + i, 0x41) for i in range(n))

    return expand(CAP_TABLE["openat2"], (0xFFFFFF9C, PATH, HOW, size), read)


def test_open_how_is_readable_for_its_size_and_no_further() -> None:
    ranges = _ranges(24)                               # OPEN_HOW_SIZE_VER0
    assert covered(ranges, PATH, 14, R) == 14          # the path with its NUL
    assert covered(ranges, HOW, 24, R) == 24
    assert covered(ranges, HOW, 25, R) == 24           # not a byte past the struct
    assert covered(ranges, HOW, 24, W) == 0            # read-only


def test_a_larger_struct_from_a_newer_program_is_read_whole() -> None:
    assert covered(_ranges(32), HOW, 32, R) == 32
