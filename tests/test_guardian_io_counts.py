"""Counts Linux fixes on the program's own pipes and memfds (pipe_bytes, sole_files,
read_counts): a read of a pipe with bytes waiting answers min(count, waiting) and never 0,
a memfd read min(count, size - offset), a write of at most PIPE_BUF bytes into a pipe the
whole count; short only where a copy could fault.  A packet-mode pipe is not followed,
and no count is judged while the descriptor's number may name another file."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks, read_counts
from guardian.checks import Refused
from guardian.slots import Domain, Slot, Space
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)

BUF = NAME_VA + 64
O_DIRECT, F_SETFL = 0o200000, 4


class _Unmapped:
    """A buffer page that is not mapped writable: a copy into it may fault."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def first_missing(self, va: int, n: int, write: bool) -> int | None:
        return va


def _domain(prog: _Program) -> None:
    registry = prog.files.admission.registry
    registry.root_domain[prog.root] = 1
    if 1 not in registry.domains:
        registry.domains[1] = Domain(1)
        registry.domains[1].spaces[prog.root] = Space()


def _call(prog: _Program, name: str, args: tuple[int, ...], ret: int,
          data: bytes = b"") -> None:
    """One call of the program completing with `ret`, judged and recorded by the objects
    only it holds (`data` at BUF: what a write wrote or a read returned)."""
    blob = bytearray(256)
    blob[0:8] = struct.pack("<ii", 3, 4)                 # pipe2's fds: 3 reads, 4 writes
    blob[64:64 + len(data)] = data
    prog.memory.data = bytes(blob)
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS[name], args + (0,) * (6 - len(args)),
                             root=prog.root, thread=prog.thread)
    slot.runs_at_entry = {prog.root: registry.user_runs.get(prog.root, 0)}
    try:
        prog.files.sole.check(slot, ret)
        prog.files.sole.record(slot, ret)
    finally:
        del registry.slots[slot.id]


def _pipe(prog: _Program, flags: int = 0) -> None:
    _domain(prog)
    prog.memory.data = struct.pack("<ii", 3, 4)
    prog.call("pipe2", NAME_VA, flags, ret=0)
    _call(prog, "pipe2", (NAME_VA, flags), 0)
    _call(prog, "write", (4, BUF, 8), 8, b"abcdefgh")


def test_a_pipe_read_answers_every_byte_waiting_up_to_its_count(prog: _Program) -> None:
    _pipe(prog)
    _call(prog, "read", (3, BUF, 4), 4, b"abcd")          # the count first
    with pytest.raises(Refused) as e:
        _call(prog, "read", (3, BUF, 16), 2, b"ef")       # 4 waiting
    assert e.value.check == "return.pipe_read_count"
    with pytest.raises(Refused) as e:
        _call(prog, "read", (3, BUF, 16), 0)              # end of file with bytes waiting
    assert e.value.check == "return.pipe_read_count"
    _call(prog, "read", (3, BUF, 16), 4, b"efgh")
    _call(prog, "write", (4, BUF, 2), 2, b"zz")
    checks.set_mutation("return.pipe_read_count")
    try:
        _call(prog, "read", (3, BUF, 16), 0)
    finally:
        checks.set_mutation("")


def test_a_pipe_read_may_stop_where_a_copy_faults_after_whole_buffers(prog: _Program) -> None:
    _pipe(prog)
    _call(prog, "write", (4, BUF, 8), 8, b"ijklmnop")     # (maybe a buffer of its own)
    prog.files.sole.memory = _Unmapped(prog.files.sole.memory)  # type: ignore[assignment]
    with pytest.raises(Refused) as e:
        _call(prog, "read", (3, BUF, 16), 4, b"abcd")     # inside the first write's buffer
    assert e.value.check == "return.pipe_read_count"
    with pytest.raises(Refused):
        _call(prog, "read", (3, BUF, 16), 0)              # a fault before any byte: EFAULT
    _call(prog, "read", (3, BUF, 16), 8, b"abcdefgh")     # the first buffer, then a fault


def test_a_packet_pipe_reads_one_packet(prog: _Program) -> None:
    _pipe(prog, O_DIRECT)                                 # made in packet mode: one packet
    _call(prog, "write", (4, BUF, 4), 4, b"ijkl")         # a second packet
    for ret, data, check in ((3, b"xyz", "return.pipe_read_count"),
                             (12, b"abcdefghijkl", "return.pipe_fifo"),
                             (8, b"zzzzzzzz", "return.pipe_fifo")):
        with pytest.raises(Refused) as e:
            _call(prog, "read", (3, BUF, 16), ret, data)
        assert e.value.check == check
    _call(prog, "read", (3, BUF, 4), 4, b"abcd")          # a packet cut short: its rest dropped
    _call(prog, "read", (3, BUF, 16), 4, b"ijkl")


def test_f_setfl_o_direct_on_the_write_end_makes_packets(prog: _Program) -> None:
    _pipe(prog)                                           # "abcdefgh", plain
    _call(prog, "fcntl", (4, F_SETFL, O_DIRECT), 0)
    _call(prog, "write", (4, BUF, 8), 8, b"ijklmnop")     # its head merges into the plain buffer
    with pytest.raises(Refused):
        _call(prog, "read", (3, BUF, 16), 8, b"abcdefgh")
    _call(prog, "read", (3, BUF, 16), 16, b"abcdefghijklmnop")
    _call(prog, "write", (4, BUF, 4), 4, b"qrst")         # into an empty pipe: a packet
    _call(prog, "fcntl", (4, F_SETFL, 0), 0)
    _call(prog, "write", (4, BUF, 2), 2, b"uv")           # plain again: a buffer of its own
    _call(prog, "read", (3, BUF, 16), 4, b"qrst")


def test_a_memfd_read_answers_up_to_its_end(prog: _Program) -> None:
    _domain(prog)
    prog.memory.data = b"m\0"
    prog.call("memfd_create", NAME_VA, 0, ret=5)
    _call(prog, "memfd_create", (NAME_VA, 0), 5)
    _call(prog, "write", (5, BUF, 16), 16, b"0123456789abcdef")
    _call(prog, "lseek", (5, 0, 0), 0)
    with pytest.raises(Refused) as e:
        _call(prog, "read", (5, BUF, 32), 12, b"0123456789ab")
    assert e.value.check == "return.memfd_count"
    _call(prog, "read", (5, BUF, 32), 16, b"0123456789abcdef")
    _call(prog, "read", (5, BUF, 32), 0)                  # at the end
    with pytest.raises(Refused) as e:
        _call(prog, "pread64", (5, BUF, 8, 4), 0)
    assert e.value.check == "return.memfd_count"
    _call(prog, "pread64", (5, BUF, 8, 12), 4, b"cdef")


def _write_slot(nr: str, args: tuple[int, ...]) -> Slot:
    return Slot(7, 1, UserContext(), 0, NUMBERS[nr], args + (0,) * (6 - len(args)))


@pytest.mark.parametrize("count, ret, refused", [
    (8, 8, False), (8, 4, True), (4096, 4095, True), (4096, 4096, False),
    (4097, 4096, False),                                  # past PIPE_BUF: a page, then a stop
    (4097, 2048, True),                                   # ... but never inside a page
    (8197, 5, False), (8197, 4101, False),                # the merged head, then pages
    (8197, 4100, True), (8197, 0, True),
    (0, 0, False)])
def test_a_pipe_write_of_at_most_pipe_buf_moves_every_byte(count: int, ret: int,
                                                           refused: bool) -> None:
    slot = _write_slot("write", (4, BUF, count))
    try:
        read_counts.check_pipe_write(None, slot, Domain(1), [], {}, ret)  # type: ignore[arg-type]
    except Refused as e:
        assert refused and e.check == "return.pipe_atomic"
    else:
        assert not refused


def test_no_count_is_judged_while_the_number_may_name_another_file(prog: _Program) -> None:
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS["write"], (4, BUF, 8, 0, 0, 0),
                             root=prog.root, thread=prog.thread)
    assert prog.files.steady(slot)
    other = registry.add_slot(1, UserContext(), 0, NUMBERS["dup3"], (5, 4, 0, 0, 0, 0),
                              root=prog.root, thread=prog.thread)
    assert not prog.files.steady(slot)                    # a dup3 over it in flight
    prog.files.record(other, 4)
    del registry.slots[other.id]
    assert not prog.files.steady(slot)                    # ... and returned since the entry
    later = registry.add_slot(1, UserContext(), 0, NUMBERS["write"], (4, BUF, 8, 0, 0, 0),
                              root=prog.root, thread=prog.thread)
    assert prog.files.steady(later)
