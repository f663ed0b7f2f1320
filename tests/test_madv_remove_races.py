"""MADV_REMOVE through a writable shared view of a memfd only the program holds, with a
write of the file in flight or back since the madvise began: which came first is not
known, so the file's bytes stop being judged (sole_held.py `SoleHeld._removed`)."""

from __future__ import annotations

from types import SimpleNamespace

from guardian.file_pages import FileView
from guardian.slots import Slot, Space
from guardian.sole_files import MemFile
from guardian.sole_held import SoleHeld

NR_MADVISE, MADV_REMOVE = 233, 9


class _Stub:
    """What `SoleHeld._removed` asks of its holder."""

    def __init__(self, space: Space, busy: bool) -> None:
        registry = SimpleNamespace(space_of=lambda domain, root: space)
        self.files = SimpleNamespace(admission=SimpleNamespace(registry=registry))
        self._busy = busy

    def busy(self, slot: Slot, obj: object, calls: object) -> bool:
        return self._busy

    def unsettled(self, slot: Slot) -> bool:
        return False

    def _still_mapped(self, slot: Slot, mem: object, pages: range) -> bool:
        return False


def _punch(busy: bool, changed_from: int, sid: int = 10) -> MemFile:
    mem = MemFile(size=8192, data=bytearray(b"\x41" * 8192))
    mem.changed_from = changed_from
    space = Space(areas=[(0x10000, 0x12000)])
    space.sole_views = [(0x10000, 0x12000, FileView(mem, None, True), 0)]
    slot = Slot(id=sid, domain=1, saved=None, elr=0, nr=NR_MADVISE,
                args=(0x10000, 0x1000, MADV_REMOVE), root=5, thread=2)
    SoleHeld._removed(_Stub(space, busy), slot)     # type: ignore[arg-type]
    return mem


def test_a_quiet_punch_reads_zeros() -> None:
    mem = _punch(False, 0)
    assert mem.data is not None and mem.data[:4096] == bytes(4096)
    assert mem.data[4096:] == b"\x41" * 4096


def test_a_write_in_flight_leaves_the_bytes_unjudged() -> None:
    assert _punch(True, 0).data is None


def test_a_write_back_since_the_madvise_began_leaves_the_bytes_unjudged() -> None:
    assert _punch(False, 11).data is None


def test_the_punch_covers_whole_pages() -> None:
    # madvise(): len = PAGE_ALIGN(len_in): a length of 100 punches the whole page
    mem = MemFile(size=8192, data=bytearray(b"\x41" * 8192))
    space = Space(areas=[(0x10000, 0x12000)])
    space.sole_views = [(0x10000, 0x12000, FileView(mem, None, True), 0)]
    slot = Slot(id=10, domain=1, saved=None, elr=0, nr=NR_MADVISE,
                args=(0x10000, 100, MADV_REMOVE), root=5, thread=2)
    SoleHeld._removed(_Stub(space, False), slot)     # type: ignore[arg-type]
    assert mem.data is not None and mem.data[:4096] == bytes(4096)


def test_a_failed_remove_leaves_the_pages_unjudged() -> None:
    # madvise_walk_vmas(): the areas before a hole were punched, then -ENOMEM
    mem = MemFile(size=8192, data=bytearray(b"\x41" * 8192))
    space = Space(areas=[(0x10000, 0x12000)])
    space.sole_views = [(0x10000, 0x12000, FileView(mem, None, True), 0)]
    stub = _Stub(space, False)
    stub.by_file = {object(): mem}                   # type: ignore[attr-defined]
    slot = Slot(id=10, domain=1, saved=None, elr=0, nr=NR_MADVISE,
                args=(0x10000, 0x4000, MADV_REMOVE), root=5, thread=2)
    stub._removed = lambda sl, punched=True: SoleHeld._removed(   # type: ignore[attr-defined]
        stub, sl, punched)                           # type: ignore[arg-type]
    SoleHeld.record(stub, slot, (1 << 64) - 12)      # type: ignore[arg-type]
    assert mem.known(0, 4096) is None


class _Ram:
    """Page tables in a dict: address -> 8-byte entry."""

    def __init__(self, entries: dict[int, int]) -> None:
        self.entries = entries

    def read_u64(self, pa: int) -> int:
        return self.entries.get(pa, 0)

    def read(self, pa: int, n: int) -> bytes:
        return b"".join(self.read_u64(pa + i).to_bytes(8, "little") for i in range(0, n, 8))


def _mapped(ram: _Ram, first: int, last: int) -> bool:
    import time
    from types import MethodType

    from guardian.confidential_shares import Shares
    mem = MemFile(size=1 << 36)
    space = Space(areas=[(1 << 39, (1 << 39) + (1 << 36))])
    space.sole_views = [(1 << 39, (1 << 39) + (1 << 36), FileView(mem, None, True), 0)]
    shares = SimpleNamespace(s=SimpleNamespace(ram=ram))
    shares.frame_at = MethodType(Shares.frame_at, shares)  # type: ignore[attr-defined]
    dom = SimpleNamespace(spaces={0x1000: space})
    stub = SimpleNamespace(files=SimpleNamespace(admission=SimpleNamespace(
        registry=SimpleNamespace(domains={1: dom}), s=SimpleNamespace(shares=shares))))
    slot = Slot(id=10, domain=1, saved=None, elr=0, nr=NR_MADVISE,
                args=(1 << 39, 1 << 36, MADV_REMOVE), root=0x1000, thread=2)
    began = time.monotonic()
    got = SoleHeld._still_mapped(stub, slot, mem, range(first, last))  # type: ignore[arg-type]
    assert time.monotonic() - began < 2.0          # (tables walked, not every page)
    return got


def test_still_mapped_walks_the_tables_only() -> None:
    # a 64 GiB writable shared view, nothing mapped: answered without visiting each page
    assert _mapped(_Ram({}), 0, 1 << 24) is False
    # one page mapped at the view's page 5 (L0[1] -> L1[0] -> L2[0] -> L3[5])
    ram = _Ram({0x1000 + 8: 0x2003, 0x2000: 0x3003, 0x3000: 0x4003,
                0x4000 + 8 * 5: 0x9000 | 0x403})
    assert _mapped(ram, 0, 1 << 24) is True
    assert _mapped(ram, 6, 1 << 24) is False


def test_a_huge_failed_remove_stops_judging_without_a_page_set() -> None:
    from guardian.sole_records import _loosen
    mem = MemFile(size=8192, data=bytearray(8192))
    _loosen(mem, range(0, 1 << 26))                   # 256 GiB: no 64M-entry set
    assert mem.data is None and not mem.loose
    mem = MemFile(size=8192, data=bytearray(8192))
    _loosen(mem, range(0, 2))
    assert mem.loose == {0, 1}
