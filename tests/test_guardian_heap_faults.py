"""A load or store fault in the brk heap is one Linux resolves: never a SIGSEGV or SIGBUS,
unless the program changed the heap's mapping itself."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import Refused
from guardian.heap_faults import check, check_shared_file, note_call
from guardian.memfd_sizes import inside_memfd, note_size
from guardian.open_files import OpenFile
from guardian.slots import Domain, Slot, Space

HEAP, BRK = 0x4AC000, 0x4D1800
DABT_TRANSLATION_L3 = (0x24 << 26) | 0b000111       # data abort from EL0, level-3 translation
DABT_ALIGNMENT = (0x24 << 26) | 0b100001
STORE_L3 = DABT_TRANSLATION_L3 | 1 << 6                  # ... a store (ISS.WnR)
IABT = (0x20 << 26) | 0b000111
SIGBUS, SIGSEGV = 7, 11


def _space() -> Space:
    space = Space()
    space.brk_start, space.brk = HEAP, BRK
    return space


def test_a_fault_in_the_heap_is_never_reported() -> None:
    for signo in (SIGSEGV, SIGBUS):
        with pytest.raises(Refused) as refused:
            check(_space(), signo, DABT_TRANSLATION_L3, 0x4D1000)   # the page brk rounds up to
        assert refused.value.check == "signal.resolved_fault"


def test_faults_linux_reports_pass() -> None:
    space = _space()
    check(space, SIGSEGV, DABT_TRANSLATION_L3, 0x4D2000)           # past the heap
    check(space, SIGSEGV, DABT_TRANSLATION_L3, HEAP - 8)           # below it
    check(space, SIGBUS, DABT_ALIGNMENT, 0x4B0001)                 # an alignment fault
    check(space, SIGSEGV, IABT, 0x4B0000)                          # the heap is not executable


def test_a_heap_the_program_changed_is_not_judged() -> None:
    space = _space()
    mprotect = Slot(1, 1, UserContext(), 0, NUMBERS["mprotect"], (0x4B0000, 4096, 0, 0, 0, 0))
    note_call(space, mprotect, (1 << 64) - 22)                     # failed: nothing changed
    assert not space.heap_altered
    elsewhere = Slot(2, 1, UserContext(), 0, NUMBERS["munmap"], (0x7000_0000, 4096, 0, 0, 0, 0))
    note_call(space, elsewhere, 0)
    assert not space.heap_altered
    note_call(space, mprotect, 0)
    assert space.heap_altered
    check(space, SIGSEGV, DABT_TRANSLATION_L3, 0x4B0000)


def test_the_check_can_be_removed() -> None:
    checks.set_mutation("signal.resolved_fault")
    try:
        check(_space(), SIGSEGV, DABT_TRANSLATION_L3, 0x4D1000)
    finally:
        checks.set_mutation("")


def _mmap(space: Space, addr: int, length: int, prot: int, flags: int) -> None:
    note_call(space, Slot(3, 1, UserContext(), 0, NUMBERS["mmap"],
                          (0, length, prot, flags, (1 << 64) - 1, 0)), addr)


def test_a_fault_in_an_anonymous_area_where_its_protection_lets_the_access_is_never_reported(
        ) -> None:
    space = _space()
    area, ro, huge = 0x7F00_0000_0000, 0x7F00_0010_0000, 0x7F00_0020_0000
    shared, noreserve = 0x7F00_0040_0000, 0x7F00_0050_0000
    _mmap(space, area, 8192, 3, 0x22)                        # RW, MAP_PRIVATE|MAP_ANONYMOUS
    _mmap(space, ro, 4096, 1, 0x22)                          # read-only: a store faults
    _mmap(space, huge, 4096, 3, 0x40022)                     # MAP_HUGETLB: its pool may run dry
    _mmap(space, shared, 4096, 3, 0x21)                      # MAP_SHARED|MAP_ANONYMOUS: shmem
    _mmap(space, noreserve, 4096, 3, 0x4021)                 # ... MAP_NORESERVE: may not
    for at, esr in ((area + 4096, STORE_L3), (ro, DABT_TRANSLATION_L3), (shared, STORE_L3)):
        with pytest.raises(Refused):
            check(space, SIGSEGV, esr, at)
    check(space, SIGSEGV, STORE_L3, ro)                      # a store to a PROT_READ page
    check(space, SIGBUS, DABT_TRANSLATION_L3, huge)
    check(space, SIGBUS, STORE_L3, noreserve)
    # The program's own mprotect sets the protection of the part it covers only.
    note_call(space, Slot(4, 1, UserContext(), 0, NUMBERS["mprotect"],
                          (area, 4096, 0, 0, 0, 0)), 0)
    check(space, SIGSEGV, DABT_TRANSLATION_L3, area)         # PROT_NONE now
    with pytest.raises(Refused):
        check(space, SIGSEGV, STORE_L3, area + 4096)
    note_call(space, Slot(5, 1, UserContext(), 0, NUMBERS["mprotect"],
                          (ro, 4096, 3, 0, 0, 0)), 0)        # read-only made read-write
    with pytest.raises(Refused):
        check(space, SIGSEGV, STORE_L3, ro)
    # An mremap that grows an area gives its new tail the area's protection.
    note_call(space, Slot(6, 1, UserContext(), 0, NUMBERS["mremap"],
                          (ro, 4096, 8192, 1, 0, 0)), 0x7F00_0060_0000)
    with pytest.raises(Refused):
        check(space, SIGSEGV, STORE_L3, 0x7F00_0060_1000)
    check(space, SIGSEGV, STORE_L3, ro)                      # (moved away: unmapped there)
    # A call that may change the mapping in flight: not judged.
    munmap = Slot(7, 1, UserContext(), 0, NUMBERS["munmap"], (area, 8192, 0, 0, 0, 0))
    check(space, SIGSEGV, STORE_L3, area + 4096, Slot(8, 1, UserContext(), 0, None, ()),
          [munmap])


# --- a MAP_SHARED memfd mapping: SIGBUS (BUS_ADRERR) only past the file's end -------------
MEMFD_FD, MEMFD_ID, SHARE, MAPPED = 3, 1, 7, 0x7F00_0030_0000
DATA_FD, PROC_FD, UNNAMED_FD = 4, 5, 6
BUS_ADRERR, BUS_MCEERR_AR = 2, 4


class _Files:
    """The two things memfd_sizes asks of the descriptor tables."""

    def __init__(self) -> None:
        self.memfd_sizes = {MEMFD_ID: 0}                # memfd_create: empty
        self.fds = {DATA_FD: OpenFile("/tmp/data"), PROC_FD: OpenFile("/proc/self/fd/3")}

    def memfd(self, slot: Slot, fd: int) -> int:
        return MEMFD_ID if fd == MEMFD_FD else 0

    def table(self, root: int, thread: int) -> _Files:
        return self


def _memfd_scene() -> tuple[_Files, Domain, Space]:
    files, dom, space = _Files(), Domain(1), _space()
    dom.memfd_shares[MEMFD_ID] = SHARE
    space.shared_areas.append((MAPPED, MAPPED + 2 * 4096, SHARE, 0))
    return files, dom, space


def _sized(files: _Files, name: str, args: tuple[int, ...], ret: int = 0) -> None:
    note_size(files, Slot(5, 1, UserContext(), 0, NUMBERS[name],    # type: ignore[arg-type]
                          args + (0,) * (6 - len(args))), ret)


def _sigbus(files: _Files, dom: Domain, space: Space, va: int, code: int = BUS_ADRERR,
            busy: tuple[Slot, ...] = ()) -> None:
    check_shared_file(SIGBUS, code, DABT_TRANSLATION_L3, va,
                      inside_memfd(files, dom, space, va, busy))  # type: ignore[arg-type]


def test_a_sigbus_inside_a_memfds_size_is_refused() -> None:
    files, dom, space = _memfd_scene()
    _sized(files, "ftruncate", (MEMFD_FD, 4096))
    with pytest.raises(Refused) as refused:
        _sigbus(files, dom, space, MAPPED + 8)
    assert refused.value.check == "signal.resolved_fault"
    _sigbus(files, dom, space, MAPPED + 4096)                 # past the end: Linux's SIGBUS
    _sigbus(files, dom, space, MAPPED, BUS_MCEERR_AR)         # a poisoned page
    _sized(files, "fallocate", (MEMFD_FD, 0, 4096, 4096))     # grows it to two pages
    with pytest.raises(Refused):
        _sigbus(files, dom, space, MAPPED + 4096)


def test_a_memfd_the_program_shrank_or_may_be_shrinking_is_judged_by_its_new_size() -> None:
    files, dom, space = _memfd_scene()
    _sized(files, "ftruncate", (MEMFD_FD, 8192))
    _sized(files, "fallocate", (MEMFD_FD, 1, 0, 1 << 20))     # FALLOC_FL_KEEP_SIZE
    _sized(files, "ftruncate", (MEMFD_FD, 0), (1 << 64) - 22)  # failed: nothing changed
    assert files.memfd_sizes[MEMFD_ID] == 8192
    in_flight = Slot(6, 1, UserContext(), 0, NUMBERS["ftruncate"], (MEMFD_FD, 0, 0, 0, 0, 0))
    _sigbus(files, dom, space, MAPPED, busy=(in_flight,))     # it may be shrinking now
    _sized(files, "ftruncate", (MEMFD_FD, 0))
    _sigbus(files, dom, space, MAPPED)                        # empty now: every page is past it


@pytest.mark.parametrize(("name", "args", "may_cut"), [
    ("openat", (-100, 0x4A_0000, 0o1002, 0), True),      # O_RDWR|O_TRUNC: /proc/self/fd/N?
    ("openat", (-100, 0x4A_0000, 0o1000, 0), True),      # O_RDONLY|O_TRUNC cuts too
    ("openat2", (-100, 0x4A_0000, 0x4B_0000, 24), True),  # its flags are in memory
    ("openat", (-100, 0x4A_0000, 0o2, 0), False),         # no O_TRUNC: nothing cut
])
def test_an_open_that_may_truncate_in_flight_leaves_the_size_unjudged(
        name: str, args: tuple[int, ...], may_cut: bool) -> None:
    files, dom, space = _memfd_scene()
    _sized(files, "ftruncate", (MEMFD_FD, 8192))
    in_flight = Slot(6, 1, UserContext(), 0, NUMBERS[name], args + (0,) * (6 - len(args)))
    if may_cut:
        _sigbus(files, dom, space, MAPPED, busy=(in_flight,))
    else:
        with pytest.raises(Refused):
            _sigbus(files, dom, space, MAPPED, busy=(in_flight,))


def test_other_files_are_not_judged() -> None:
    files, dom, space = _memfd_scene()
    _sized(files, "ftruncate", (DATA_FD, 1 << 20))            # a file the program named
    _sigbus(files, dom, space, MAPPED)
    dom.memfd_shares.clear()                                  # a share of another file
    _sized(files, "ftruncate", (MEMFD_FD, 8192))
    _sigbus(files, dom, space, MAPPED)


@pytest.mark.parametrize(("name", "args"), [
    ("ftruncate", (PROC_FD, 0)),                 # the memfd again, through /proc
    ("ftruncate", (UNNAMED_FD, 0)),              # a descriptor the Guardian cannot name
    ("truncate", (0x4A_0000, 0)),                # a path, maybe /proc/self/fd/3
])
def test_a_truncate_that_may_reach_the_memfd_otherwise_forgets_its_size(
        name: str, args: tuple[int, ...]) -> None:
    files, dom, space = _memfd_scene()
    _sized(files, "ftruncate", (MEMFD_FD, 8192))
    _sized(files, name, args)
    _sigbus(files, dom, space, MAPPED)
