"""What an open reads of the program (guardian/open_faults.py): its name up to the NUL
(PATH_MAX at most) and openat2's struct where its size is one Linux reads; -EFAULT is
judged only where all of it is there to read."""

from __future__ import annotations

from types import SimpleNamespace

from abi.syscalls import NUMBERS
from guardian.open_faults import _read_ranges

PAGE = 4096
NAME, HOW, ROOT = 0x5000, 0x7000, 1


class _Memory:
    """Present pages of the program: {page base: bytes}."""

    def __init__(self, pages: dict[int, bytes]) -> None:
        self.pages = pages

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        out, va = b"", va & ((1 << 56) - 1)     # (the MMU's top-byte-ignore)
        while n > 0:
            page = self.pages.get(va & ~(PAGE - 1))
            if page is None:
                return None
            chunk = min(n, PAGE - va % PAGE)
            out += page[va % PAGE:va % PAGE + chunk]
            va, n = va + chunk, n - chunk
        return out


def _ranges(pages: dict[int, bytes], nr: str = "openat", usize: int = 24):  # type: ignore[no-untyped-def]
    slot = SimpleNamespace(args=(0xFFFFFF9C, NAME, HOW, usize), root=ROOT, nr=NUMBERS[nr])
    return _read_ranges(SimpleNamespace(memory=_Memory(pages)), slot)  # type: ignore[arg-type]


def _page(data: bytes, at: int = 0) -> bytes:
    return bytes(at) + data + bytes(PAGE - at - len(data))


def test_a_readable_name_is_judged_to_its_nul() -> None:
    assert _ranges({NAME: _page(b"/proc/self/fd/4/\0")}) == [(ROOT, NAME, NAME + 17)]


def test_a_name_running_into_a_missing_page_is_not_judged() -> None:
    # (Linux's strncpy_from_user() faults there: -EFAULT is honest)
    assert _ranges({NAME: b"a" * PAGE}) is None
    assert _ranges({}) is None


def test_a_name_without_nul_within_path_max_is_not_judged() -> None:
    assert _ranges({NAME: b"a" * PAGE, NAME + PAGE: b"a" * PAGE}) is None


def test_openat2_needs_its_struct_readable_where_linux_reads_it() -> None:
    name = {NAME: _page(b"x\0")}
    assert _ranges(name, "openat2") is None                       # the struct's page missing
    assert _ranges({**name, HOW: bytes(PAGE)}, "openat2") == [(ROOT, NAME, NAME + 2),
                                                                (ROOT, HOW, HOW + 24)]
    assert _ranges(name, "openat2", usize=8) == [(ROOT, NAME, NAME + 2)]   # EINVAL first


def test_a_tagged_pointer_is_not_judged() -> None:
    # arm64's access_ok() untags only under TIF_TAGGED_ADDR: -EFAULT is honest, though
    # the MMU's top-byte-ignore reads the bytes
    tag = 0x5A << 56
    pages = {NAME: _page(b"/dev/null\0"), HOW: bytes(PAGE)}
    mem = SimpleNamespace(memory=_Memory(pages))
    for args in ((0xFFFFFF9C, NAME | tag, HOW, 24), (0xFFFFFF9C, NAME, HOW | tag, 24)):
        slot = SimpleNamespace(args=args, root=ROOT, nr=NUMBERS["openat2"])
        assert _read_ranges(mem, slot) is None  # type: ignore[arg-type]
