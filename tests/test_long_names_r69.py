"""return.name_too_long after round 69: which bytes getname() cannot copy, and which calls
in flight leave a name unjudged (guardian/long_names.py)."""

from __future__ import annotations

from types import SimpleNamespace

from abi.syscalls import NUMBERS
from guardian import long_names
from guardian.path_names import NAME_ARGS
from guardian.slots import Slot, Space

PAGE = 4096


class _Memory:
    """Pages at fixed addresses; anything else is not present."""

    def __init__(self, pages: dict[int, bytes]) -> None:
        self.pages = pages

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        page = self.pages.get(va & ~(PAGE - 1))
        if page is None:
            return None
        off = va % PAGE
        return page[off:off + n]


def _files(pages: dict[int, bytes]) -> SimpleNamespace:
    return SimpleNamespace(memory=_Memory(pages))


def _slot(nr: str, *args: int) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=NUMBERS[nr], args=args, root=7)


def test_every_call_of_the_brief_takes_its_name_so() -> None:
    for name in ("faccessat", "faccessat2", "newfstatat", "statx", "readlinkat", "mkdirat",
                 "unlinkat", "renameat2", "linkat", "symlinkat", "fchmodat", "fchownat",
                 "utimensat", "truncate", "chroot", "mknodat", "inotify_add_watch"):
        assert NUMBERS[name] in NAME_ARGS
    assert NAME_ARGS[NUMBERS["renameat2"]] == (1, 3)
    assert NAME_ARGS[NUMBERS["symlinkat"]] == (0, 2)


def test_a_nul_within_path_max_is_copied() -> None:
    base = 0x10000
    name = b"/" * (PAGE - 1) + b"\0"
    files, space = _files({base: name}), Space()
    assert long_names._uncopied(files, space, _slot("faccessat", 0, base), base) is None
    files = _files({base: b"/" * PAGE, base + PAGE: b"\0" * PAGE})
    assert long_names._uncopied(files, space, _slot("faccessat", 0, base), base) == base + PAGE


def test_a_fault_counts_only_at_a_hole_the_program_left() -> None:
    base = 0x10000
    files = _files({base: b"/" * PAGE})
    slot = _slot("openat", 0, base + PAGE - 200)
    space = Space()
    assert long_names._uncopied(files, space, slot, base + PAGE - 200) is None  # may be mapped
    space.holes = [(base + PAGE, base + 2 * PAGE)]
    assert long_names._uncopied(files, space, slot, base + PAGE - 200) == base + PAGE


def test_only_calls_apart_from_the_name_are_no_bar() -> None:
    space, ranges = Space(), [(7, 0x10000, 0x11000)]
    read_far = _slot("read", 3, 0x20000, 16)
    read_on = _slot("read", 3, 0x10ff0, 64)
    assert long_names._apart(read_far, space, set(), ranges)
    assert not long_names._apart(read_on, space, set(), ranges)
    tagged = _slot("read", 3, (0x0A << 56) | 0x10ff0, 64)
    assert not long_names._apart(tagged, space, set(), ranges)
    assert not long_names._apart(_slot("munmap", 0x10000, PAGE), space, set(), ranges)
    exited = _slot("exit", 0)
    exited.thread = 3
    assert long_names._apart(exited, space, set(), ranges)
    space.tid_words[3] = 0x10008
    assert not long_names._apart(exited, space, set(), ranges)
