"""A memfd's read and write move the bytes of the page its MAP_SHARED mappings map.

Linux's memfd is one shmem inode: read() and write() copy through the page-cache page a
MAP_SHARED mapping maps (shmem_file_read_iter, shmem_write_begin).  Under
confidentiality that page is the domain's frame, which no kernel can read or write, so
the Guardian copies the bytes between it and the program's buffer itself
(`return.memfd_mapped`, guardian/memfd_mapped.py): the honest run sees Linux's bytes, and
a kernel that answers other bytes gets nowhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from abi import FrameKind
from abi.syscalls import NUMBERS
from attacks.families.redteam_r26 import IPC, P_MEMFD_SHARED
from attacks.families.redteam_r30 import BUS, FILES, P_PWRITE_MAPPED
from attacks.runner import boot, run_one, run_session
from attacks.scenario import get
from guardian import checks
from guardian.memfd_mapped import Move, _pieces, page_frame, plan, serve
from guardian.slots import PAGE
from guardian.sole_files import MemFile

DOMAIN, SHARE, MEMFD = 3, 5, 9
PA = 0x4000_0000


def _signed(word: int) -> int:
    return word - (1 << 64) if word >= 1 << 63 else word


@pytest.fixture
def without_the_check() -> Iterator[None]:
    checks.set_mutation("return.memfd_mapped")
    try:
        yield
    finally:
        checks.set_mutation("")


# --- end to end: the honest confidential run, then the two breaks ------------------------

def _logged(program: str, args: tuple[bytes, ...], phase: int) -> list[int]:
    s = boot("on", program=program)
    out = run_session(s, "on", args)
    assert out.exit_status == 0, out.ended
    return [_signed(m.args[0]) for m in out.markers if m.phase == phase + 1]


def test_the_honest_run_reads_what_a_child_stored_through_the_mapping() -> None:
    # secret_r26_ipc step 31: the child stores 7 through MAP_SHARED, the parent's
    # pread() returns 7 (index 0; the kernel's own copy of the file says 0: -7).
    assert _logged(IPC, (), P_MEMFD_SHARED) == [0]


def test_the_honest_run_sees_a_pwrite_through_the_mapping() -> None:
    # secret_r30_files -b step 32: pwrite() of 2, the mapping reads 2 (index 0; the
    # frame left as it was reads 0: -2).
    assert _logged(FILES, (BUS,), P_PWRITE_MAPPED) == [0]


@pytest.mark.parametrize("scenario_id", ["QI-031", "QN-033"])
def test_the_break_gets_nowhere(scenario_id: str) -> None:
    sc = get(scenario_id)
    assert sc is not None and not sc.gap
    assert run_one(sc, "on").status == "pass"


@pytest.mark.parametrize("scenario_id", ["QI-031", "QN-033"])
def test_without_the_check_the_break_leaks(scenario_id: str, without_the_check: None) -> None:
    sc = get(scenario_id)
    assert sc is not None
    assert run_one(sc, "on").outcome.leaks


# --- the frame behind a file offset --------------------------------------------------------

class _Frames:
    def __init__(self, kinds: dict[int, tuple[FrameKind, int]]) -> None:
        self.kinds = kinds
        self.held_at: dict[tuple[int, tuple[int, int, int]], int] = {}
        self.folio_key: dict[int, tuple[int, int, int]] = {}
        self.folio_at: dict[tuple[int, int, int], set[int]] = {}
        self.copy_binding: dict[int, int] = {}

    def record(self, pa: int) -> SimpleNamespace:
        kind, owner = self.kinds[pa]
        return SimpleNamespace(kind=kind, owner=owner)


class _Shares:
    def __init__(self, mapped: dict[tuple[int, int], int]) -> None:
        self.mapped = mapped            # (root, va) -> frame
        self.places: dict[tuple[int, int, int], list[tuple[int, int]]] = {}

    def places_of(self, domain: int, key: tuple[int, int, int]) -> list[tuple[int, int]]:
        return self.places.get(key, [])

    def frame_at(self, root: int, va: int) -> int | None:
        return self.mapped.get((root, va))


class _Ram:
    def __init__(self) -> None:
        self.bytes = bytearray(4 * PAGE)

    def read(self, pa: int, n: int) -> bytes:
        return bytes(self.bytes[pa - PA:pa - PA + n])

    def write(self, pa: int, data: bytes) -> None:
        self.bytes[pa - PA:pa - PA + len(data)] = data


class _Memory:
    def __init__(self) -> None:
        self.bytes: dict[int, int] = {}

    def read(self, va: int, n: int, root: int | None = None) -> bytes:
        return bytes(self.bytes.get(va + i, 0) for i in range(n))

    def write(self, va: int, data: bytes, root: int | None = None) -> None:
        for i, b in enumerate(data):
            self.bytes[va + i] = b


def _world(kind: FrameKind = FrameKind.CONFIDENTIAL, owner: int = DOMAIN,
           other_domain: bool = False) -> tuple[SimpleNamespace, SimpleNamespace,
                                                 SimpleNamespace]:
    frames = _Frames({PA: (kind, owner), PA + PAGE: (kind, owner)})
    shares = _Shares({(0x1000, 0x7000): PA + PAGE})
    shares.places[(SHARE, PAGE, 0)] = [(0x1000, 0x7000)]
    frames.held_at[(DOMAIN, (SHARE, 0, 0))] = PA
    state = SimpleNamespace(frames=frames, shares=shares, ram=_Ram())
    dom = SimpleNamespace(id=DOMAIN, memfd_shares={MEMFD: SHARE}, memfds_elsewhere=set())
    others = {DOMAIN: dom}
    if other_domain:
        others[DOMAIN + 1] = SimpleNamespace(id=DOMAIN + 1, memfd_shares={MEMFD: 1})
    return state, SimpleNamespace(domains=others), dom


def test_a_held_page_and_a_mapped_page_are_found() -> None:
    state, reg, dom = _world()
    assert page_frame(state, reg, dom, MEMFD, 0) == PA               # held between mappings
    assert page_frame(state, reg, dom, MEMFD, PAGE) == PA + PAGE     # mapped at 0x7000
    assert page_frame(state, reg, dom, MEMFD, 2 * PAGE) is None      # never entered
    assert page_frame(state, reg, dom, MEMFD + 1, 0) is None         # no share of it


@pytest.mark.parametrize("world", [
    {"kind": FrameKind.USER}, {"owner": DOMAIN + 1}, {"other_domain": True}],
    ids=["not-confidential", "another-owner", "pages-in-another-domain"])
def test_a_frame_not_the_domains_alone_is_not_served(world: dict[str, object]) -> None:
    state, reg, dom = _world(**world)  # type: ignore[arg-type]
    assert page_frame(state, reg, dom, MEMFD, 0) is None


def test_pieces_follow_the_iovecs() -> None:
    bufs = [(0x100, 3), (0x200, 5), (0x300, 4)]
    assert _pieces(bufs, 0, 3) == [(0x100, 3)]
    assert _pieces(bufs, 2, 4) == [(0x102, 1), (0x200, 3)]
    assert _pieces(bufs, 7, 5) == [(0x204, 1), (0x300, 4)]


def _slot(nr: str, buf: int, count: int, pos: int) -> SimpleNamespace:
    return SimpleNamespace(nr=NUMBERS[nr], args=(4, buf, count, pos, 0, 0), root=0x1000)


def test_a_read_across_two_pages_copies_both_frames_into_the_buffer() -> None:
    state, reg, dom = _world()
    state.ram.write(PA + PAGE - 2, b"ab")
    state.ram.write(PA + PAGE, b"cd")
    memory = _Memory()
    memory.write(0x9000, b"\x03" * 4)                               # the kernel's bytes
    moved = serve(state, reg, memory, dom, _slot("pread64", 0x9000, 4, PAGE - 2), 4,
                  Move(MEMFD, PAGE - 2, True))
    assert moved == 4 and memory.read(0x9000, 4) == b"abcd"


def test_a_write_lands_in_the_mapped_frame_and_nowhere_past_its_count() -> None:
    state, reg, dom = _world()
    memory = _Memory()
    memory.write(0x9000, b"\x02\x00\x00\x00\x00\x00\x00\x00XYZ")
    moved = serve(state, reg, memory, dom, _slot("pwrite64", 0x9000, 11, PAGE), 8,
                  Move(MEMFD, PAGE, False))
    assert moved == 8
    assert state.ram.read(PA + PAGE, 11) == b"\x02" + bytes(10)


def test_a_page_not_in_the_domain_is_left_to_the_kernel() -> None:
    state, reg, dom = _world()
    memory = _Memory()
    memory.write(0x9000, b"kern")
    moved = serve(state, reg, memory, dom, _slot("pread64", 0x9000, 4, 2 * PAGE), 4,
                  Move(MEMFD, 2 * PAGE, True))
    assert moved == 0 and memory.read(0x9000, 4) == b"kern"


def test_a_write_reaches_a_copy_of_the_frame_in_flight_too() -> None:
    # COPY_PAGE made a copy of the mapped frame that has not taken its place yet: the
    # copy gets the bytes too (else it would stand in stale), another domain's does not.
    state, reg, dom = _world()
    state.frames.kinds[PA + 2 * PAGE] = (FrameKind.CONFIDENTIAL, DOMAIN)
    state.frames.kinds[PA + 3 * PAGE] = (FrameKind.CONFIDENTIAL, DOMAIN + 1)
    state.frames.copy_binding = {PA + 2 * PAGE: PA + PAGE, PA + 3 * PAGE: PA + PAGE}
    memory = _Memory()
    memory.write(0x9000, b"new!")
    serve(state, reg, memory, dom, _slot("pwrite64", 0x9000, 4, PAGE + 8), 4,
          Move(MEMFD, PAGE + 8, False))
    assert state.ram.read(PA + PAGE + 8, 4) == b"new!"
    assert state.ram.read(PA + 2 * PAGE + 8, 4) == b"new!"
    assert state.ram.read(PA + 3 * PAGE + 8, 4) == bytes(4)


def _files(mem: MemFile | None, memfd: int = MEMFD) -> SimpleNamespace:
    return SimpleNamespace(memfd=lambda slot, fd: memfd,
                           sole=SimpleNamespace(settled=lambda slot, fd: mem))


def test_the_move_starts_where_linux_reads_or_writes() -> None:
    mem = MemFile(size=3 * PAGE, offset=100)
    assert plan(_files(mem), _slot("read", 0x9000, 8, 0), 8) == Move(MEMFD, 100, True)
    assert plan(_files(mem), _slot("pread64", 0x9000, 8, 40), 8) == Move(MEMFD, 40, True)
    assert plan(_files(mem), _slot("write", 0x9000, 8, 0), 8) == Move(MEMFD, 100, False)
    mem.append = True                   # O_APPEND: at the end, whatever the offset
    assert plan(_files(mem), _slot("pwrite64", 0x9000, 8, 0), 8) == \
        Move(MEMFD, 3 * PAGE, False)


@pytest.mark.parametrize("case", ["not-a-memfd", "not-followed", "offset-unknown",
                                  "failed", "nothing-moved"])
def test_no_move_where_the_guardian_does_not_follow_the_file(case: str) -> None:
    mem = MemFile(size=PAGE, offset=None if case == "offset-unknown" else 0)
    files = _files(None if case == "not-followed" else mem,
                   0 if case == "not-a-memfd" else MEMFD)
    ret = {"failed": (1 << 64) - 14, "nothing-moved": 0}.get(case, 8)
    assert plan(files, _slot("read", 0x9000, 8, 0), ret) is None


def test_no_move_without_the_check(without_the_check: None) -> None:
    assert plan(_files(MemFile(size=PAGE)), _slot("pread64", 0x9000, 8, 0), 8) is None


def _vslot(nr: str, iov: int, iovcnt: int, pos: int) -> SimpleNamespace:
    return SimpleNamespace(nr=NUMBERS[nr], args=(4, iov, iovcnt, pos, 0, 0), root=0x1000,
                           asked={})


def test_a_vectored_read_fills_the_iovecs_the_program_passed_at_its_entry() -> None:
    """import_iovec() copies the array in at the entry; another thread may rewrite it
    before the return: the Guardian fills the buffers the entry named, never others."""
    import struct

    from guardian.memfd_mapped import note_iovecs
    state, reg, dom = _world()
    state.ram.write(PA, b"wxyz")
    memory = _Memory()
    memory.write(0x8000, struct.pack("<QQQQ", 0x9000, 2, 0x9100, 2))
    slot = _vslot("preadv", 0x8000, 2, 0)
    note_iovecs(memory, slot)                                       # at the entry
    memory.write(0x8000, struct.pack("<QQQQ", 0xA000, 2, 0xA100, 2))  # changed since
    memory.write(0xA000, b"--")
    moved = serve(state, reg, memory, dom, slot, 4, Move(MEMFD, 0, True))
    assert moved == 4 and memory.read(0x9000, 2) == b"wx" and memory.read(0x9100, 2) == b"yz"
    assert memory.read(0xA000, 2) == b"--"


def test_a_vectored_call_whose_iovecs_were_not_kept_is_not_served() -> None:
    import struct
    state, reg, dom = _world()
    memory = _Memory()
    memory.write(0x8000, struct.pack("<QQ", 0x9000, 4))
    memory.write(0x9000, b"....")
    assert serve(state, reg, memory, dom, _vslot("readv", 0x8000, 1, 0), 4,
                 Move(MEMFD, 0, True)) == 0
    assert memory.read(0x9000, 4) == b"...."
