"""Memory a program shares with the kernel by design (red-team round 31): mincore()'s
vector and range (`return.mincore_byte`, `return.mincore_mapped`), process_madvise()'s
count (`return.count_bound`), remap_file_pages() (`return.remap_shared`,
`return.remap_done`), userfaultfd's fills (`return.uffd_copied`, `return.uffd_zeroed`)
and process_vm_writev() into the program's own child (`return.vm_written`)."""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import FaultIn, Refused
from guardian.file_remaps import check as check_remap
from guardian.file_remaps import record as record_remap
from guardian.quiet_ranges import UFFDIO_COPY, UFFDIO_ZEROPAGE, note, noted
from guardian.resident_pages import check_mapped, check_vector_bytes
from guardian.result_bounds import check_count
from guardian.slots import PAGE, Domain, Slot, Space
from guardian.uffd_fills import check as check_uffd
from guardian.vm_writes import check as check_vm

ROOT, CHILD = 0x10_0000, 0x20_0000
AREA = 0x40_0000                         # three pages of the program's
VEC = 0x50_0000
U64 = (1 << 64) - 1
EAGAIN, ENOMEM = (-11) & U64, (-12) & U64


class Memory:
    """The program's memory as the Guardian reads it: (root, page) -> its bytes."""

    def __init__(self) -> None:
        self.pages: dict[tuple[int, int], bytearray] = {}

    def put(self, va: int, data: bytes, root: int = ROOT) -> None:
        for i, byte in enumerate(data):
            page = self.pages.setdefault((root, (va + i) & ~(PAGE - 1)), bytearray(PAGE))
            page[(va + i) % PAGE] = byte

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        out = bytearray()
        for i in range(n):
            page = self.pages.get((root or ROOT, (va + i) & ~(PAGE - 1)))
            if page is None:
                return None
            out.append(page[(va + i) % PAGE])
        return bytes(out)

    def first_missing(self, va: int, n: int, write: bool) -> int | None:
        for i in range(n):
            if (ROOT, (va + i) & ~(PAGE - 1)) not in self.pages:
                return va + i
        return None


def _slot(name: str, args: tuple[int, ...], slot_id: int = 1, root: int = ROOT,
          thread: int = 1) -> Slot:
    return Slot(slot_id, 1, UserContext(), 0, NUMBERS[name], args + (0,) * (6 - len(args)),
                root=root, thread=thread)


def _refused(check: str, call, *args) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Refused) as refused:
        call(*args)
    assert refused.value.check == check


# --- mincore ---------------------------------------------------------------------------------

def _mincore(vector: bytes, length: int = 3 * PAGE) -> tuple[Memory, Slot]:
    memory = Memory()
    memory.put(VEC, vector)
    slot = _slot("mincore", (AREA, length, VEC))
    slot.written.append((VEC, VEC + len(vector)))
    return memory, slot


def test_a_mincore_byte_with_a_bit_above_bit_0_is_refused() -> None:
    memory, slot = _mincore(b"\x01\x05\x00")
    _refused("return.mincore_byte", check_vector_bytes, memory, slot, 0)
    check_vector_bytes(memory, slot, ENOMEM)                  # a failure wrote nothing
    memory, slot = _mincore(b"\x01\x00\x01")
    check_vector_bytes(memory, slot, 0)                       # Linux's bytes
    memory, slot = _mincore(b"\x01\x01\x01\xff")              # past the range: not its
    check_vector_bytes(memory, slot, 0)
    memory, slot = _mincore(b"\x01\x01\x05")
    slot.written[:] = [(VEC, VEC + 2)]                        # a byte the kernel never wrote
    check_vector_bytes(memory, slot, 0)


def test_a_mincore_success_over_a_hole_is_refused() -> None:
    space = Space(areas=[(AREA, AREA + PAGE), (AREA + 2 * PAGE, AREA + 3 * PAGE)])
    _, slot = _mincore(b"\x01\x01\x01")
    _refused("return.mincore_mapped", check_mapped, space, slot, 0, [slot])
    check_mapped(space, slot, ENOMEM, [slot])                 # Linux's answer
    whole = Space(areas=[(AREA, AREA + 2 * PAGE), (AREA + 2 * PAGE, AREA + 3 * PAGE)])
    check_mapped(whole, slot, 0, [slot])
    _, first = _mincore(b"\x01", PAGE)
    check_mapped(space, first, 0, [first])                    # the first page alone: mapped


def test_a_mincore_while_another_thread_maps_is_not_judged() -> None:
    space = Space(areas=[(AREA, AREA + PAGE), (AREA + 2 * PAGE, AREA + 3 * PAGE)])
    _, slot = _mincore(b"\x01\x01\x01")
    mapping = _slot("mmap", (AREA + PAGE, PAGE, 3, 0x32), slot_id=2, thread=2)
    check_mapped(space, slot, 0, [slot, mapping])
    check_mapped(None, slot, 0, [slot])                       # a space not known


def test_the_mincore_checks_can_be_removed() -> None:
    memory, slot = _mincore(b"\x01\x05\x01")
    space = Space(areas=[(AREA, AREA + PAGE)])
    checks.set_mutation("return.mincore_byte")
    try:
        check_vector_bytes(memory, slot, 0)
    finally:
        checks.set_mutation("")
    checks.set_mutation("return.mincore_mapped")
    try:
        check_mapped(space, slot, 0, [slot])
    finally:
        checks.set_mutation("")


# --- process_madvise's count -------------------------------------------------------------------

def test_process_madvise_answers_at_most_its_iovecs() -> None:
    memory = Memory()
    memory.put(VEC, struct.pack("<QQ", AREA, PAGE))
    slot = _slot("process_madvise", (3, VEC, 1, 20, 0))
    _refused("return.count_bound", check_count, memory, slot, 2 * PAGE)
    check_count(memory, slot, PAGE)
    check_count(memory, slot, (-22) & U64)


# --- remap_file_pages --------------------------------------------------------------------------

SHARE_AT = 0x60_0000


def _shared_space() -> Space:
    space = Space(areas=[(AREA, AREA + 3 * PAGE), (SHARE_AT, SHARE_AT + 2 * PAGE)])
    space.shared_areas.append((SHARE_AT, SHARE_AT + 2 * PAGE, 7, 0))
    return space


def _pages_in(frames: dict[tuple[int, int], int]):  # type: ignore[no-untyped-def]
    def pages_in(table: int, level: int, base: int, start: int, end: int
                 ) -> list[tuple[int, int]]:
        return [(va, pa) for (root, va), pa in sorted(frames.items())
                if root == table and start <= va < end]
    return pages_in


def test_remap_file_pages_of_a_private_area_is_refused() -> None:
    space = _shared_space()
    dom = Domain(1, spaces={ROOT: space})
    pages_in = _pages_in({})
    slot = _slot("remap_file_pages", (AREA, PAGE, 0, 0, 0))
    _refused("return.remap_shared", check_remap, space, dom, pages_in, slot, 0, [slot])
    check_remap(space, dom, pages_in, slot, (-22) & U64, [slot])     # Linux's -EINVAL
    hole = _slot("remap_file_pages", (AREA + 8 * PAGE, PAGE, 0, 0, 0))
    _refused("return.remap_shared", check_remap, space, dom, pages_in, hole, 0, [hole])
    shared = _slot("remap_file_pages", (SHARE_AT, PAGE, 0, 1, 0))
    check_remap(space, dom, pages_in, shared, 0, [shared])
    mapping = _slot("mmap", (AREA, PAGE, 3, 0x31), slot_id=2, thread=2)
    check_remap(space, dom, pages_in, slot, 0, [slot, mapping])      # areas may be changing


def test_remap_file_pages_reported_done_shows_the_file_page_asked_for() -> None:
    space = _shared_space()
    dom = Domain(1, spaces={ROOT: space})
    slot = _slot("remap_file_pages", (SHARE_AT, PAGE, 0, 1, 0))
    left = _pages_in({(ROOT, SHARE_AT): 0xA000, (ROOT, SHARE_AT + PAGE): 0xB000})
    _refused("return.remap_done", check_remap, space, dom, left, slot, 0, [slot])
    done = _pages_in({(ROOT, SHARE_AT): 0xB000, (ROOT, SHARE_AT + PAGE): 0xB000})
    check_remap(space, dom, done, slot, 0, [slot])
    dropped = _pages_in({(ROOT, SHARE_AT + PAGE): 0xB000})          # not populated yet
    check_remap(space, dom, dropped, slot, 0, [slot])
    record_remap(space, slot, 0)
    assert space.share_at(SHARE_AT) == (7, PAGE)
    assert space.share_at(SHARE_AT + PAGE) == (7, PAGE)


# --- userfaultfd -------------------------------------------------------------------------------

DST, SRC, ARG = AREA, 0x48_0000, 0x58_0000


def _uffd(req: int, struct_bytes: bytes, memory: Memory, runs: int = 5
          ) -> tuple[Slot, Domain]:
    memory.put(ARG, struct_bytes)
    space = Space(areas=[(AREA, AREA + 3 * PAGE), (SRC, SRC + PAGE)])
    dom = Domain(1, spaces={ROOT: space})
    slot = _slot("ioctl", (4, req, ARG))
    assert noted(slot.nr, slot.args)
    note(slot, dom, [slot], {ROOT: runs}, frozenset())
    return slot, dom


def test_uffdio_copy_reported_done_holds_the_source() -> None:
    memory = Memory()
    memory.put(SRC, b"label-2." * (PAGE // 8))
    memory.put(DST, bytes(PAGE))
    args = struct.pack("<QQQQq", DST, SRC, PAGE, 0, PAGE)
    slot, dom = _uffd(UFFDIO_COPY, args, memory)
    made = NUMBERS["userfaultfd"]
    _refused("return.uffd_copied", check_uffd, memory, dom, made, slot, 0, [slot], {ROOT: 5})
    check_uffd(memory, dom, NUMBERS["memfd_create"], slot, 0, [slot], {ROOT: 5})  # no uffd
    check_uffd(memory, dom, made, slot, 0, [slot], {ROOT: 6})     # another thread ran
    memory.put(DST, b"label-2." * (PAGE // 8))
    check_uffd(memory, dom, made, slot, 0, [slot], {ROOT: 5})     # copied


def test_uffdio_copy_answers_0_only_for_the_whole_length() -> None:
    memory = Memory()
    memory.put(SRC, b"\x07" * PAGE)
    memory.put(DST, b"\x07" * 8)
    slot, dom = _uffd(UFFDIO_COPY, struct.pack("<QQQQq", DST, SRC, PAGE, 0, 8), memory)
    made = NUMBERS["userfaultfd"]
    _refused("return.uffd_copied", check_uffd, memory, dom, made, slot, 0, [slot], {ROOT: 5})
    check_uffd(memory, dom, made, slot, EAGAIN, [slot], {ROOT: 5})  # a part: -EAGAIN


def test_a_page_reported_copied_but_not_present_is_faulted_in() -> None:
    memory = Memory()
    memory.put(SRC, b"\x07" * PAGE)
    slot, dom = _uffd(UFFDIO_COPY, struct.pack("<QQQQq", DST, SRC, PAGE, 0, PAGE), memory)
    with pytest.raises(FaultIn):
        check_uffd(memory, dom, NUMBERS["userfaultfd"], slot, 0, [slot], {ROOT: 5})


def test_uffdio_zeropage_reported_done_reads_as_zeros() -> None:
    memory = Memory()
    memory.put(DST, struct.pack("<q", -4))
    slot, dom = _uffd(UFFDIO_ZEROPAGE, struct.pack("<QQQq", DST, PAGE, 0, PAGE), memory)
    made = NUMBERS["userfaultfd"]
    _refused("return.uffd_zeroed", check_uffd, memory, dom, made, slot, 0, [slot], {ROOT: 5})
    other = _slot("read", (0, DST, 8), slot_id=2, thread=2)
    other.written.append((DST, DST + 8))                         # another call stored there
    check_uffd(memory, dom, made, slot, 0, [slot, other], {ROOT: 5})
    dom.spaces[ROOT].shared_areas.append((DST, DST + PAGE, 3, 0))   # another process may
    check_uffd(memory, dom, made, slot, 0, [slot], {ROOT: 5})
    memory.put(DST, bytes(8))
    dom.spaces[ROOT].shared_areas.clear()
    check_uffd(memory, dom, made, slot, 0, [slot], {ROOT: 5})


def test_an_exit_that_may_store_at_the_entry_leaves_the_fill_unjudged() -> None:
    memory = Memory()
    memory.put(DST, struct.pack("<q", -4))
    space = Space(areas=[(AREA, AREA + 3 * PAGE)])
    space.tid_words[2] = DST
    dom = Domain(1, spaces={ROOT: space})
    memory.put(ARG, struct.pack("<QQQq", DST, PAGE, 0, PAGE))
    slot = _slot("ioctl", (4, UFFDIO_ZEROPAGE, ARG))
    exiting = _slot("exit", (0,), slot_id=2, thread=2)
    note(slot, dom, [slot, exiting], {ROOT: 5}, frozenset())
    assert slot.runs_at_entry is None
    check_uffd(memory, dom, NUMBERS["userfaultfd"], slot, 0, [slot], {ROOT: 5})


# --- process_vm_writev into the program's own child ----------------------------------------------

WORD, LOCAL = 0x49_4108, 0x7FFF_0000


def _vm_write(child_word: bytes) -> tuple[Memory, SimpleNamespace, Domain, Slot]:
    memory = Memory()
    memory.put(LOCAL, struct.pack("<q", 2))
    memory.put(LOCAL + 64, struct.pack("<QQ", LOCAL, 8))          # local iovec
    memory.put(LOCAL + 96, struct.pack("<QQ", WORD, 8))           # remote iovec
    memory.put(WORD, child_word, root=CHILD)
    reg = SimpleNamespace(child_pids={(ROOT, 42): 9}, process_of_root={CHILD: 9},
                          root_domain={ROOT: 1, CHILD: 1})
    dom = Domain(1, spaces={ROOT: Space(), CHILD: Space()})
    slot = _slot("process_vm_writev", (42, LOCAL + 64, 1, LOCAL + 96, 1, 0))
    note(slot, dom, [slot], {ROOT: 5, CHILD: 3}, frozenset())
    return memory, reg, dom, slot


def test_a_write_into_the_child_reported_done_is_there() -> None:
    memory, reg, dom, slot = _vm_write(struct.pack("<q", -4))
    _refused("return.vm_written", check_vm, memory, reg, dom, slot, 8, [slot],
             {ROOT: 5, CHILD: 3})
    check_vm(memory, reg, dom, slot, (-1) & U64, [slot], {ROOT: 5, CHILD: 3})
    check_vm(memory, reg, dom, slot, 8, [slot], {ROOT: 5, CHILD: 4})   # the child ran
    _refused("return.vm_written", check_vm, memory, reg, dom, slot, 16, [slot],
             {ROOT: 5, CHILD: 3})                                     # past the remote iovec
    memory, reg, dom, slot = _vm_write(struct.pack("<q", 2))
    check_vm(memory, reg, dom, slot, 8, [slot], {ROOT: 5, CHILD: 3})


def test_a_pid_the_guardian_cannot_tie_to_a_tree_is_not_judged() -> None:
    memory, reg, dom, slot = _vm_write(struct.pack("<q", -4))
    reg.child_pids = {(ROOT, 43): 9}                                  # not the caller's child
    check_vm(memory, reg, dom, slot, 8, [slot], {ROOT: 5, CHILD: 3})
    memory, reg, dom, slot = _vm_write(struct.pack("<q", -4))
    reg.root_domain[CHILD] = 2                                        # another domain's tree
    check_vm(memory, reg, dom, slot, 8, [slot], {ROOT: 5, CHILD: 3})
