"""A userfaultfd reports a page fault only inside a range registered with it
(`return.uffd_event`, guardian/uffd_events.py): handle_userfault() queues
UFFD_EVENT_PAGEFAULT only for a fault in an area registered with that context.  The
Guardian takes as registered what the program's own UFFDIO_REGISTER on that open file
registered (read at a quiet return) and what an mremap carried on, and judges nothing
where a registration may have escaped it."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import Refused
from guardian.open_files import Description
from guardian.quiet_ranges import UFFDIO_REGISTER
from guardian.slots import Domain, Slot, Space
from guardian.uffd_events import UFFD_EVENT_PAGEFAULT, UffdRanges
from tests.test_guardian_descriptors import _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)

ROOT, PAGE = 0x9000, 4096
ARG, BUF, AREA = 0x10000, 0x20000, 0x400000
EINVAL = (1 << 64) - 22
NR_UFFD = NUMBERS["userfaultfd"]


class _Memory:
    def __init__(self) -> None:
        self.words: dict[int, bytes] = {}

    def read(self, va: int, n: int, root: int) -> bytes | None:
        for base, data in self.words.items():
            if base <= va and va + n <= base + len(data):
                return data[va - base:va - base + n]
        return None


class _Scene:
    def __init__(self) -> None:
        self.memory = _Memory()
        self.dom = Domain(1)
        self.dom.spaces[ROOT] = Space()
        self.ranges = UffdRanges()
        self.uffd = Description()
        self.others: list[Slot] = []
        self.runs: dict[int, int] = {}

    def slot(self, nr: int, args: tuple[int, ...], quiet: bool = True) -> Slot:
        s = Slot(len(self.others) + 100, 1, UserContext(), 0, nr, args + (0,) * (6 - len(args)),
                 root=ROOT, thread=1)
        s.runs_at_entry = {ROOT: 0} if quiet else None
        return s

    def register(self, start: int, length: int, ret: int = 0, quiet: bool = True,
                 made_by: int | None = NR_UFFD) -> None:
        self.memory.words[ARG] = struct.pack("<QQQQ", start, length, 1, 0)
        slot = self.slot(NUMBERS["ioctl"], (4, UFFDIO_REGISTER, ARG), quiet)
        self.ranges.record(self.memory, self.dom, slot, ret, self.uffd, made_by,  # type: ignore[arg-type]
                           self.others, self.runs)

    def mremap(self, old: int, old_len: int, new_len: int, ret: int) -> None:
        slot = self.slot(NUMBERS["mremap"], (old, old_len, new_len, 1))
        self.ranges.record(self.memory, self.dom, slot, ret, None, None,  # type: ignore[arg-type]
                           self.others, self.runs)

    def read(self, *addresses: int, event: int = UFFD_EVENT_PAGEFAULT, quiet: bool = True,
             kept: bool = False) -> None:
        self.memory.words[BUF] = b"".join(struct.pack("<BBHIQQII", event, 0, 0, 0, 0, va, 0, 0)
                                          for va in addresses)
        slot = self.slot(NUMBERS["read"], (4, BUF, 32 * len(addresses)), quiet)
        self.ranges.check(self.memory, self.dom, slot, 32 * len(addresses),  # type: ignore[arg-type]
                          self.uffd, NR_UFFD, self.others, self.runs, kept)

    def call(self, name: str, args: tuple[int, ...], ret: int) -> None:
        slot = self.slot(NUMBERS[name], args)
        self.ranges.record(self.memory, self.dom, slot, ret, None, None,  # type: ignore[arg-type]
                           self.others, self.runs)


@pytest.fixture
def sc() -> _Scene:
    return _Scene()


def test_a_fault_inside_the_registered_range_passes(sc: _Scene) -> None:
    sc.register(AREA, 2 * PAGE)
    sc.read(AREA, AREA + PAGE + 8)


def test_a_fault_outside_every_registered_range_is_refused(sc: _Scene) -> None:
    sc.register(AREA, PAGE)
    with pytest.raises(Refused) as e:
        sc.read(AREA, AREA - 4 * PAGE)
    assert e.value.check == "return.uffd_event" and "message 1" in e.value.reason
    with pytest.raises(Refused):
        sc.read(AREA + PAGE)
    sc.read(AREA + PAGE, event=0x16)        # UFFD_EVENT_UNMAP: not a page fault, not judged
    checks.set_mutation("return.uffd_event")
    try:
        sc.read(AREA - 4 * PAGE)
    finally:
        checks.set_mutation("")


def test_nothing_registered_reports_no_fault(sc: _Scene) -> None:
    with pytest.raises(Refused):
        sc.read(AREA)


def test_an_mremap_carries_the_registration(sc: _Scene) -> None:
    sc.register(AREA, PAGE)
    sc.mremap(AREA, PAGE, 2 * PAGE, 0x800000)
    sc.read(0x800000 + PAGE)
    sc.mremap(0x100000, PAGE, PAGE, 0x900000)   # another area's move carries nothing
    with pytest.raises(Refused):
        sc.read(0x900000)


@pytest.mark.parametrize(("ret", "quiet", "made_by"), [
    (EINVAL, True, NR_UFFD),            # an error: a part may be registered
    (0, False, NR_UFFD),                # the struct may have changed since the kernel read it
    (0, True, None),                    # a descriptor not known as a userfaultfd (blind)
])
def test_a_registration_not_known_stops_the_judging(sc: _Scene, ret: int, quiet: bool,
                                                    made_by: int | None) -> None:
    sc.register(AREA, PAGE, ret, quiet, made_by)
    sc.read(AREA - 4 * PAGE)


def test_a_register_in_flight_stops_the_judging(sc: _Scene) -> None:
    sc.others.append(sc.slot(NUMBERS["ioctl"], (4, UFFDIO_REGISTER, ARG)))
    sc.read(AREA - 4 * PAGE)


# --- an honest kernel's reports the Guardian must not refuse ----------------------------
STACK = (0x7F0000000, 0x7F0800000)
MAP_GROWSDOWN = 0x100


def test_a_registration_at_the_stack_covers_its_growth(sc: _Scene) -> None:
    """expand_downwards() grows the stack's lowest area on a fault below it, and the
    grown part keeps its VM_UFFD_* flags: a fault there is reported."""
    sc.dom.spaces[ROOT].stack = STACK
    sc.register(STACK[1] - 4 * PAGE, 4 * PAGE)
    sc.read(STACK[1] - 9 * PAGE)
    with pytest.raises(Refused):
        sc.read(STACK[1] + PAGE)                # above it: nothing grows up


def test_a_registration_at_a_growsdown_mmap_covers_its_growth(sc: _Scene) -> None:
    sc.call("mmap", (0, 4 * PAGE, 3, 0x22 | MAP_GROWSDOWN, (1 << 64) - 1, 0), AREA)
    sc.register(AREA, PAGE)
    sc.read(AREA - 4 * PAGE)


def test_a_registration_elsewhere_does_not_grow(sc: _Scene) -> None:
    sc.dom.spaces[ROOT].stack = STACK
    sc.call("mmap", (0, 4 * PAGE, 3, 0x22, (1 << 64) - 1, 0), AREA)
    sc.register(AREA, PAGE)
    with pytest.raises(Refused):
        sc.read(AREA - 4 * PAGE)


@pytest.mark.parametrize("name", ["sendmsg", "sendmmsg"])
def test_a_send_may_carry_the_userfaultfd_out(sc: _Scene, name: str) -> None:
    """Another process holding the descriptor may register ranges of the maker's mm
    (userfaultfd_register() acts on ctx->mm): a message sent, or one in flight, may
    carry it."""
    sc.register(AREA, PAGE)
    sc.others.append(sc.slot(NUMBERS[name], (5, ARG, 0)))
    sc.read(AREA - 4 * PAGE)
    sc.others.clear()
    with pytest.raises(Refused):
        sc.read(AREA - 4 * PAGE)
    sc.call(name, (5, ARG, 0), 8)
    sc.read(AREA - 4 * PAGE)


def test_a_userfaultfd_kept_over_exec_is_not_judged(sc: _Scene) -> None:
    sc.register(AREA, PAGE)
    sc.read(AREA - 4 * PAGE, kept=True)
    sc.others.append(sc.slot(NUMBERS["execve"], (ARG, 0, 0)))
    sc.read(AREA - 4 * PAGE)


def test_messages_not_read_at_a_quiet_return_are_not_judged(sc: _Scene) -> None:
    """Another thread may have stored into the buffer since the kernel wrote it."""
    sc.register(AREA, PAGE)
    sc.read(AREA - 4 * PAGE, quiet=False)


def test_exec_keeps_the_open_files_it_carries_into_the_new_image(prog: _Program) -> None:
    """`Descriptors.exec_kept`: what result_rules asks for `kept_over_exec`."""
    prog.call("userfaultfd", 0, ret=3)
    prog.call("userfaultfd", 0o2000000, ret=4)         # O_CLOEXEC: gone at the exec
    table = prog.files.table(prog.root, prog.thread)
    kept, dropped = table.fds[3].description, table.fds[4].description
    prog.files.note_exec(Slot(0, 1, UserContext(), 0, NUMBERS["execve"], root=prog.root,
                              thread=prog.thread))
    assert kept in prog.files.exec_kept and dropped not in prog.files.exec_kept
