"""Objects only the program holds answer as its own calls left them (sole_held,
sole_files, pipe_bytes): a memfd's size, bytes and offset, a pipe's FIONREAD count and an
eventfd's counter are held to what the program did, and each stops being judged the
moment another holder or an unseen mover may change it."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import pair_bytes
from guardian.checks import Refused
from guardian.file_pages import FileView, check_page
from guardian.slots import Space
from guardian.sole_files import MemFile
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)

BUF, OUT = NAME_VA + 256, NAME_VA + 1024        # a call's input, and the kernel's output
MFD, EFD, RD, WR = 3, 3, 3, 4
FIONREAD, FIONBIO_LIKE = 0x541B, 0x4004AE01      # (the second: a device's own request)
SEEK_SET, SEEK_CUR, SEEK_END = 0, 1, 2
MAP_SHARED, MAP_PRIVATE = 0x01, 0x02


def _put(prog: _Program, at: int, data: bytes) -> None:
    blob = bytearray((prog.memory.data + bytes(4096))[:4096])
    blob[at - NAME_VA:at - NAME_VA + len(data)] = data
    prog.memory.data = bytes(blob)


def _call(prog: _Program, name: str, *args: int, ret: int) -> None:
    """The call completes with `ret`: judged, then recorded, as the return path does."""
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS[name], args + (0,) * (6 - len(args)),
                             root=prog.root, thread=prog.thread)
    try:
        prog.files.check(slot, ret)
        prog.files.sole.check(slot, ret)
        prog.files.record(slot, ret)
        prog.files.sole.record(slot, ret)
    finally:
        del registry.slots[slot.id]


def _refused(check: str, prog: _Program, name: str, *args: int, ret: int) -> None:
    with pytest.raises(Refused) as e:
        _call(prog, name, *args, ret=ret)
    assert e.value.check == check


def _memfd(prog: _Program, data: bytes) -> None:
    prog.files.admission.registry.root_domain[prog.root] = 1
    _put(prog, NAME_VA, b"m\0")
    _call(prog, "memfd_create", NAME_VA, 1, ret=MFD)
    _put(prog, BUF, data)
    _call(prog, "write", MFD, BUF, len(data), ret=len(data))


def _stat_size(prog: _Program, size: int) -> None:
    _put(prog, OUT + 48, struct.pack("<q", size))


# --- a memfd's size ---------------------------------------------------------------------
def test_fstat_of_the_memfd_reports_the_size_written(prog: _Program) -> None:
    _memfd(prog, bytes(32))
    _stat_size(prog, 32)
    _call(prog, "fstat", MFD, OUT, ret=0)
    _stat_size(prog, 16)
    _refused("return.memfd_size", prog, "fstat", MFD, OUT, ret=0)
    _call(prog, "ftruncate", MFD, 4096, ret=0)
    _stat_size(prog, 4096)
    _call(prog, "fstat", MFD, OUT, ret=0)
    _call(prog, "fallocate", MFD, 0, 0, 8192, ret=0)
    _stat_size(prog, 8192)
    _call(prog, "fstat", MFD, OUT, ret=0)
    _stat_size(prog, 4096)
    _refused("return.memfd_size", prog, "fstat", MFD, OUT, ret=0)


# --- a memfd's bytes ----------------------------------------------------------------------
def test_a_read_of_the_memfd_returns_what_was_written(prog: _Program) -> None:
    _memfd(prog, b"\0" * 8 + b"public!!" + bytes(16))
    _put(prog, OUT, bytes(8))
    _call(prog, "pread64", MFD, OUT, 8, 0, ret=8)
    _put(prog, OUT, struct.pack("<q", -4))
    _refused("return.memfd_bytes", prog, "pread64", MFD, OUT, 8, 0, ret=8)
    _put(prog, OUT, b"public!!")
    _call(prog, "pread64", MFD, OUT, 8, 8, ret=8)
    _refused("return.memfd_bytes", prog, "pread64", MFD, OUT, 8, 28, ret=8)   # past the end
    _call(prog, "fallocate", MFD, 3, 8, 8, ret=0)                             # a punched hole
    _put(prog, OUT, bytes(8))
    _call(prog, "pread64", MFD, OUT, 8, 8, ret=8)


def _memfile(prog: _Program) -> MemFile:
    mem = next(iter(prog.files.sole.by_file.values()))
    assert isinstance(mem, MemFile)
    return mem


def test_a_shared_page_in_the_domain_ends_the_judging_of_its_bytes_not_of_size(
        prog: _Program) -> None:
    _memfd(prog, bytes(32))
    _call(prog, "ftruncate", MFD, 8192, ret=0)
    _call(prog, "mmap", 0, 4096, 3, MAP_PRIVATE, MFD, 0, ret=0x7000_0000)
    _put(prog, OUT, b"x" * 8)
    _refused("return.memfd_bytes", prog, "pread64", MFD, OUT, 8, 0, ret=8)
    _call(prog, "mmap", 0, 8192, 3, MAP_SHARED, MFD, 0, ret=0x7000_0000)
    # no page of the writable mapping is in the domain yet: the program stored nothing
    _refused("return.memfd_bytes", prog, "pread64", MFD, OUT, 8, 0, ret=8)
    space = Space(sole_views=[(0x7000_0000, 0x7000_2000, FileView(_memfile(prog), None, True),
                               0)])
    check_page(space, 0x7000_0000, None)                    # page 0 enters, judged
    _call(prog, "pread64", MFD, OUT, 8, 0, ret=8)          # its stores may have put them
    _refused("return.memfd_bytes", prog, "pread64", MFD, OUT, 8, 4096, ret=8)   # page 1
    _stat_size(prog, 16)
    _refused("return.memfd_size", prog, "fstat", MFD, OUT, ret=0)


def test_a_writable_shared_page_is_judged_on_its_first_entry_only(prog: _Program) -> None:
    _memfd(prog, b"\2" + bytes(7))
    _call(prog, "ftruncate", MFD, 8192, ret=0)
    mem = _memfile(prog)
    space = Space(sole_views=[(0x7000_0000, 0x7000_2000, FileView(mem, None, True), 0)])
    with pytest.raises(Refused) as e:
        check_page(space, 0x7000_0000, None)                # zeros, not the 2 it wrote
    assert e.value.check == "set_pt.file_bytes"
    assert not mem.loose
    with pytest.raises(Refused):
        check_page(space, 0x7000_1000, b"\1" + bytes(4095))  # page 1 holds zeros
    check_page(space, 0x7000_0000, b"\2" + bytes(4095))
    check_page(space, 0x7000_0000, bytes(4096))             # loose: its stores may have
    assert mem.loose == {0}
    read_only = Space(sole_views=[(0x7100_0000, 0x7100_2000, FileView(mem, None), 0)])
    check_page(read_only, 0x7100_1000, bytes(4096))
    check_page(read_only, 0x7100_1000, bytes(4096))
    assert mem.loose == {0}                                 # a read-only view stores nothing


def test_madv_remove_through_a_writable_view_makes_its_pages_loose(prog: _Program) -> None:
    _memfd(prog, b"\2" + bytes(7))
    _call(prog, "ftruncate", MFD, 8192, ret=0)
    mem = _memfile(prog)
    space = Space(sole_views=[(0x7000_0000, 0x7000_2000, FileView(mem, None, True), 0)])
    prog.files.admission.registry.space_of = lambda dom, root: space  # type: ignore[method-assign]
    _call(prog, "madvise", 0x7000_1000, 4096, 9, ret=0)     # MADV_REMOVE of page 1
    assert mem.loose == {1}
    _put(prog, OUT, b"x" * 8)
    _call(prog, "pread64", MFD, OUT, 8, 4096, ret=8)
    _refused("return.memfd_bytes", prog, "pread64", MFD, OUT, 8, 0, ret=8)


def test_past_the_bound_the_bytes_are_not_judged(prog: _Program) -> None:
    _memfd(prog, bytes(32))
    _call(prog, "ftruncate", MFD, prog.files.sole.kept + 1, ret=0)
    _put(prog, OUT, b"x" * 8)
    _call(prog, "pread64", MFD, OUT, 8, 0, ret=8)
    _stat_size(prog, 32)
    _refused("return.memfd_size", prog, "fstat", MFD, OUT, ret=0)


# --- the offset -------------------------------------------------------------------------
def test_lseek_answers_where_reads_writes_and_seeks_left_the_offset(prog: _Program) -> None:
    _memfd(prog, bytes(32))                                 # the write left it at 32
    _refused("return.file_offset", prog, "lseek", MFD, 0, SEEK_CUR, ret=0)
    _call(prog, "lseek", MFD, 0, SEEK_CUR, ret=32)
    _call(prog, "lseek", MFD, 0, SEEK_SET, ret=0)
    _put(prog, OUT, bytes(8))
    _call(prog, "read", MFD, OUT, 8, ret=8)
    _refused("return.file_offset", prog, "lseek", MFD, 0, SEEK_CUR, ret=0)
    _call(prog, "lseek", MFD, 0, SEEK_CUR, ret=8)
    _call(prog, "lseek", MFD, (1 << 64) - 4, SEEK_END, ret=28)
    _call(prog, "lseek", MFD, 0, 3, ret=0)                  # SEEK_DATA: not followed
    _call(prog, "lseek", MFD, 0, SEEK_CUR, ret=5)


# --- a pipe's count ---------------------------------------------------------------------
def test_fionread_counts_the_bytes_written_and_not_read(prog: _Program) -> None:
    prog.files.admission.registry.root_domain[prog.root] = 1
    _put(prog, NAME_VA, struct.pack("<ii", RD, WR))
    _call(prog, "pipe2", NAME_VA, 0, ret=0)
    _put(prog, BUF, bytes(16))
    _call(prog, "write", WR, BUF, 16, ret=16)
    _put(prog, OUT, struct.pack("<i", 16))
    _call(prog, "ioctl", RD, FIONREAD, OUT, ret=0)
    _put(prog, OUT, struct.pack("<i", 0))
    _refused("return.pipe_count", prog, "ioctl", RD, FIONREAD, OUT, ret=0)
    _refused("return.pipe_count", prog, "ioctl", WR, FIONREAD, OUT, ret=0)   # either end
    _put(prog, OUT, bytes(8))
    _call(prog, "read", RD, OUT, 8, ret=8)
    _put(prog, OUT, struct.pack("<i", 8))
    _call(prog, "ioctl", RD, FIONREAD, OUT, ret=0)


# --- an eventfd's counter -----------------------------------------------------------------
def _eventfd(prog: _Program, initval: int = 0, flags: int = 0) -> None:
    prog.files.admission.registry.root_domain[prog.root] = 1
    _call(prog, "eventfd2", initval, flags, ret=EFD)


def _add(prog: _Program, value: int) -> None:
    _put(prog, BUF, struct.pack("<Q", value))
    _call(prog, "write", EFD, BUF, 8, ret=8)


def _counted(prog: _Program, value: int) -> None:
    _put(prog, OUT, struct.pack("<Q", value))


def test_an_eventfd_reads_the_sum_of_its_writes(prog: _Program) -> None:
    _eventfd(prog, 2)
    _add(prog, 1)
    _counted(prog, 0xFFFF_FFFF_FFFF_FFFE)
    _refused("return.eventfd_sum", prog, "read", EFD, OUT, 8, ret=8)
    _counted(prog, 3)
    _call(prog, "read", EFD, OUT, 8, ret=8)
    _refused("return.eventfd_sum", prog, "read", EFD, OUT, 8, ret=8)   # 0 now: it blocks
    _add(prog, 5)
    _counted(prog, 5)
    _call(prog, "read", EFD, OUT, 8, ret=8)


def test_a_semaphore_eventfd_hands_out_one_while_its_counter_lasts(prog: _Program) -> None:
    _eventfd(prog, 0, 1)
    _add(prog, 2)
    _counted(prog, 1)
    _call(prog, "read", EFD, OUT, 8, ret=8)
    _call(prog, "read", EFD, OUT, 8, ret=8)
    _refused("return.eventfd_sum", prog, "read", EFD, OUT, 8, ret=8)


def test_an_eventfd_handed_to_the_kernel_is_not_judged(prog: _Program) -> None:
    _eventfd(prog)
    _add(prog, 1)
    _call(prog, "ioctl", 7, FIONBIO_LIKE, EFD, ret=0)      # e.g. an irqfd registration
    _counted(prog, 9)
    _call(prog, "read", EFD, OUT, 8, ret=8)


# --- losing sole holding ------------------------------------------------------------------
def test_a_passed_reopened_or_kept_object_is_not_judged(prog: _Program) -> None:
    _memfd(prog, bytes(32))
    _stat_size(prog, 16)
    prog.open("/proc/self/fd/3", ret=5)                     # another open file of it
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS["openat"], (0, NAME_VA, 2, 0, 0, 0),
                             root=prog.root, thread=prog.thread)
    prog.files.sole.record(slot, 5)
    del registry.slots[slot.id]
    _call(prog, "fstat", MFD, OUT, ret=0)


def _exec_slot(prog: _Program) -> object:
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS["execve"], (0,) * 6,
                             root=prog.root, thread=prog.thread)
    del registry.slots[slot.id]
    return slot


def test_an_exec_keeping_a_descriptor_another_process_holds_ends_the_judging(
        prog: _Program) -> None:
    _memfd(prog, bytes(32))
    _call(prog, "fcntl", MFD, 2, 0, ret=0)                  # F_SETFD 0: kept across exec
    table = prog.files.table(prog.root, prog.thread)
    prog.files.tables[(prog.root + 0x1000, prog.thread + 1)] = table.copy()   # a fork child
    prog.files.sole.note_exec(table, _exec_slot(prog))     # type: ignore[arg-type]
    _stat_size(prog, 16)
    _call(prog, "fstat", MFD, OUT, ret=0)


def test_an_exec_keeping_a_descriptor_only_it_holds_keeps_the_judging(prog: _Program) -> None:
    """execve keeps the open file and the object as they were: the new image's answers
    about it are still held to what the program's calls left (return.exec_kept)."""
    _memfd(prog, bytes(32))
    _call(prog, "fcntl", MFD, 2, 0, ret=0)
    prog.files.sole.note_exec(prog.files.table(prog.root, prog.thread),
                              _exec_slot(prog))            # type: ignore[arg-type]
    _stat_size(prog, 16)
    _refused("return.memfd_size", prog, "fstat", MFD, OUT, ret=0)


def test_a_call_that_never_returns_ends_the_judging(prog: _Program) -> None:
    """A write in the kernel when its process was torn down may have gone in."""
    prog.files.admission.registry.root_domain[prog.root] = 1
    _put(prog, NAME_VA, struct.pack("<ii", RD, WR))
    _call(prog, "pipe2", NAME_VA, 0, ret=0)
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS["write"], (WR, BUF, 16, 0, 0, 0),
                             root=prog.root, thread=prog.thread)
    prog.files.sole.note_abandoned([slot])
    del registry.slots[slot.id]
    _put(prog, OUT, struct.pack("<i", 16))
    _call(prog, "ioctl", RD, FIONREAD, OUT, ret=0)


def test_a_memfd_passed_in_scm_rights_or_opened_by_handle_is_not_judged(
        prog: _Program, monkeypatch: pytest.MonkeyPatch) -> None:
    # (the message is read at a quiet return: no other thread ran since the entry)
    monkeypatch.setattr(pair_bytes, "quiet_msg", lambda sole, slot: True)
    _memfd(prog, bytes(32))
    hdr, control = NAME_VA + 2048, NAME_VA + 2200
    _put(prog, hdr + 32, struct.pack("<QQ", control, 24))
    _put(prog, control, struct.pack("<QIIi", 20, 1, 1, 7))     # SCM_RIGHTS of descriptor 7
    _call(prog, "sendmsg", 9, hdr, 0, ret=1)
    _stat_size(prog, 16)
    _refused("return.memfd_size", prog, "fstat", MFD, OUT, ret=0)   # 7 is not the memfd
    _put(prog, control, struct.pack("<QIIi", 20, 1, 1, MFD))
    _call(prog, "sendmsg", 9, hdr, 0, ret=1)
    _call(prog, "fstat", MFD, OUT, ret=0)                           # another holder now
    _call(prog, "close", MFD, ret=0)
    _memfd(prog, bytes(32))
    _refused("return.memfd_size", prog, "fstat", MFD, OUT, ret=0)
    _call(prog, "open_by_handle_at", MFD, NAME_VA, 2, ret=8)
    _call(prog, "fstat", MFD, OUT, ret=0)


def test_a_message_read_at_a_busy_return_may_have_passed_anything(
        prog: _Program, monkeypatch: pytest.MonkeyPatch) -> None:
    """___sys_sendmsg() copied the control data at the entry: where another thread may
    have stored there since, which descriptors went is not known."""
    monkeypatch.setattr(pair_bytes, "quiet_msg", lambda sole, slot: False)
    _memfd(prog, bytes(32))
    hdr, control = NAME_VA + 2048, NAME_VA + 2200
    _put(prog, hdr + 32, struct.pack("<QQ", control, 24))
    _put(prog, control, struct.pack("<QIIi", 20, 1, 1, 7))     # SCM_RIGHTS of descriptor 7
    _call(prog, "sendmsg", 9, hdr, 0, ret=1)
    _stat_size(prog, 16)
    _call(prog, "fstat", MFD, OUT, ret=0)


def test_nothing_is_judged_while_an_unfollowed_mover_is_in_flight(prog: _Program) -> None:
    """A sendfile into the memfd may have gone in before the pread returns."""
    _memfd(prog, bytes(32))
    registry = prog.files.admission.registry
    mover = registry.add_slot(1, UserContext(), 0, NUMBERS["sendfile"], (MFD, 9, 0, 8, 0, 0),
                              root=prog.root, thread=2)
    _put(prog, OUT, b"x" * 8)
    _call(prog, "pread64", MFD, OUT, 8, 0, ret=8)
    prog.files.sole.record(mover, 8)
    del registry.slots[mover.id]
    _call(prog, "pread64", MFD, OUT, 8, 0, ret=8)


# --- preadv2 and pwritev2 ---------------------------------------------------------------
def _iov(prog: _Program, at: int, base: int, n: int) -> None:
    _put(prog, at, struct.pack("<QQ", base, n))


def test_preadv2_and_pwritev2_at_the_file_position_are_followed(prog: _Program) -> None:
    IOV, AT_POS = NAME_VA + 512, (1 << 64) - 1
    _memfd(prog, struct.pack("<qq", 1, -3))
    _call(prog, "lseek", MFD, 0, SEEK_SET, ret=0)
    _iov(prog, IOV, OUT, 8)
    _put(prog, OUT, struct.pack("<q", -3))
    _refused("return.memfd_bytes", prog, "preadv2", MFD, IOV, 1, AT_POS, 0, 0, ret=8)
    _put(prog, OUT, struct.pack("<q", 1))
    _call(prog, "preadv2", MFD, IOV, 1, AT_POS, 0, 0, ret=8)      # f_pos 0 -> 8
    _refused("return.file_offset", prog, "lseek", MFD, 0, SEEK_CUR, ret=0)
    _call(prog, "lseek", MFD, 0, SEEK_SET, ret=0)
    _iov(prog, IOV, BUF, 8)
    _put(prog, BUF, bytes(8))
    _call(prog, "pwritev2", MFD, IOV, 1, AT_POS, 0, 0, ret=8)     # a 0 over word 0
    _put(prog, OUT, struct.pack("<q", 1))
    _refused("return.memfd_bytes", prog, "pread64", MFD, OUT, 8, 0, ret=8)
    _put(prog, OUT, bytes(8))
    _call(prog, "pread64", MFD, OUT, 8, 0, ret=8)
    _iov(prog, IOV, OUT, 8)
    _put(prog, OUT, struct.pack("<q", 5))
    _refused("return.memfd_bytes", prog, "preadv2", MFD, IOV, 1, 8, 0, 0, ret=8)   # at 8


def test_a_pwritev2_with_rwf_append_appends(prog: _Program) -> None:
    # kiocb_set_rw_flags(): IOCB_APPEND; generic_write_checks() starts the write at
    # i_size whatever the offset argument, and pwritev2 at an offset leaves f_pos alone.
    IOV, RWF_APPEND = NAME_VA + 512, 0x10
    _memfd(prog, bytes(16))
    _put(prog, BUF, b"a" * 8)
    _iov(prog, IOV, BUF, 8)
    _call(prog, "pwritev2", MFD, IOV, 1, 0, 0, RWF_APPEND, ret=8)
    _put(prog, OUT, b"a" * 8)
    _refused("return.memfd_bytes", prog, "pread64", MFD, OUT, 8, 0, ret=8)   # not at 0
    _call(prog, "pread64", MFD, OUT, 8, 16, ret=8)                          # at the end
    _refused("return.memfd_bytes", prog, "pread64", MFD, OUT, 8, 24, ret=8)  # size 24


def test_a_pwritev2_with_other_flags_ends_the_judging(prog: _Program) -> None:
    IOV, RWF_NOAPPEND = NAME_VA + 512, 0x20
    _memfd(prog, bytes(16))
    _iov(prog, IOV, BUF, 8)
    _call(prog, "pwritev2", MFD, IOV, 1, 0, 0, RWF_NOAPPEND, ret=8)
    _put(prog, OUT, b"x" * 8)
    _call(prog, "pread64", MFD, OUT, 8, 0, ret=8)


# --- SEEK_HOLE and SEEK_DATA ------------------------------------------------------------
def test_seek_hole_and_data_never_contradict_the_pages_written(prog: _Program) -> None:
    SEEK_DATA, SEEK_HOLE = 3, 4
    _memfd(prog, b"\1" * 8)                                 # page 0 written
    _call(prog, "ftruncate", MFD, 3 * 4096, ret=0)
    _call(prog, "pwrite64", MFD, BUF, 8, 2 * 4096, ret=8)  # page 2 written
    for ret in (0, 8, 4095, 2 * 4096, 3 * 4096 + 1):
        _refused("return.seek_hole", prog, "lseek", MFD, 0, SEEK_HOLE, ret=ret)
    _call(prog, "lseek", MFD, 0, SEEK_HOLE, ret=4096)
    _call(prog, "lseek", MFD, 0, SEEK_HOLE, ret=3 * 4096)  # (a file system without holes)
    _refused("return.seek_hole", prog, "lseek", MFD, 3 * 4096, SEEK_HOLE, ret=3 * 4096)
    _call(prog, "lseek", MFD, 4096, SEEK_DATA, ret=4096)   # (fallocated or faulted in)
    _call(prog, "lseek", MFD, 4096, SEEK_DATA, ret=2 * 4096)
    _refused("return.seek_hole", prog, "lseek", MFD, 0, SEEK_DATA, ret=4096)
    _refused("return.seek_hole", prog, "lseek", MFD, 4096, SEEK_DATA, ret=2 * 4096 + 8)
    _call(prog, "fallocate", MFD, 3, 0, 4096, ret=0)       # page 0 punched
    _call(prog, "lseek", MFD, 0, SEEK_HOLE, ret=0)
    _call(prog, "ftruncate", MFD, 2 * 4096, ret=0)         # page 2 cut
    _call(prog, "ftruncate", MFD, 3 * 4096, ret=0)
    _call(prog, "lseek", MFD, 0, SEEK_HOLE, ret=2 * 4096)


# --- moves between two memfds -----------------------------------------------------------
def test_copy_file_range_between_two_memfds_is_followed(prog: _Program) -> None:
    # vfs_copy_file_range() of two shmem files (splice_copy_file_range()): the bytes at
    # the source's f_pos go to the target's f_pos, and both positions move on.
    _memfd(prog, b"0123456789")                             # fd 3, position 10
    _call(prog, "lseek", MFD, 2, SEEK_SET, ret=2)
    _call(prog, "memfd_create", NAME_VA, 1, ret=4)
    _call(prog, "copy_file_range", MFD, 0, 4, 0, 4, 0, ret=4)
    _refused("return.file_offset", prog, "lseek", MFD, 0, SEEK_CUR, ret=2)
    _call(prog, "lseek", MFD, 0, SEEK_CUR, ret=6)
    _refused("return.file_offset", prog, "lseek", 4, 0, SEEK_CUR, ret=0)
    _call(prog, "lseek", 4, 0, SEEK_CUR, ret=4)
    _put(prog, OUT, b"0123")
    _refused("return.memfd_bytes", prog, "pread64", 4, OUT, 4, 0, ret=4)
    _put(prog, OUT, b"2345")
    _call(prog, "pread64", 4, OUT, 4, 0, ret=4)


def test_a_move_that_fails_keeps_the_judging(prog: _Program) -> None:
    _memfd(prog, b"0123456789")
    _call(prog, "memfd_create", NAME_VA, 1, ret=4)
    _call(prog, "copy_file_range", MFD, 0, 4, 0, 4, 0, ret=(1 << 64) - 38)    # -ENOSYS
    _call(prog, "sendfile", 4, MFD, 0, 4, ret=(1 << 64) - 22)                  # -EINVAL
    _put(prog, OUT, b"x" * 4)
    _refused("return.memfd_bytes", prog, "pread64", MFD, OUT, 4, 0, ret=4)
