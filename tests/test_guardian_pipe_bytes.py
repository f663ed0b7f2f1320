"""A pipe only the program writes to returns its writes, in order (pipe_bytes): the self-
pipe's byte read back passes, another byte or more than was written is refused, and a
pipe whose bytes may move unseen (splice, its write end passed on) is not judged."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import Refused
from guardian.slots import Domain, Space
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)

BUF = NAME_VA + 64
AT_FDCWD = (1 << 64) - 100
O_RDONLY, O_WRONLY, O_PATH = 0, 1, 0o10000000


def _bytes_at_buf(prog: _Program, data: bytes) -> None:
    blob = bytearray(256)
    blob[0:8] = struct.pack("<ii", 3, 4)                 # pipe2's fds: 3 reads, 4 writes
    blob[64:64 + len(data)] = data
    prog.memory.data = bytes(blob)


def _io(prog: _Program, name: str, fd: int, data: bytes) -> None:
    """A write or read of `data` at BUF completing with len(data), judged and recorded."""
    _bytes_at_buf(prog, data)
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS[name], (fd, BUF, len(data), 0, 0, 0),
                             root=prog.root, thread=prog.thread)
    try:
        prog.files.sole.check(slot, len(data))
        prog.files.sole.record(slot, len(data))
    finally:
        del registry.slots[slot.id]


def _pipe(prog: _Program) -> None:
    prog.files.admission.registry.root_domain[prog.root] = 1
    _bytes_at_buf(prog, b"")
    prog.call("pipe2", NAME_VA, 0, ret=0)
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS["pipe2"], (NAME_VA, 0, 0, 0, 0, 0),
                             root=prog.root, thread=prog.thread)
    prog.files.sole.record(slot, 0)
    del registry.slots[slot.id]


def test_the_self_pipe_returns_the_bytes_written(prog: _Program) -> None:
    _pipe(prog)
    _io(prog, "write", 4, b"\x02\x05")
    _io(prog, "read", 3, b"\x02")
    with pytest.raises(Refused) as e:
        _io(prog, "read", 3, b"\x06")                    # the next byte is 5
    assert e.value.check == "return.pipe_fifo"
    with pytest.raises(Refused):
        _io(prog, "read", 3, b"\x05\x00")                # more than was written
    _io(prog, "read", 3, b"\x05")
    checks.set_mutation("return.pipe_fifo")
    try:
        _io(prog, "read", 3, b"\x06")
    finally:
        checks.set_mutation("")


def test_a_pipe_whose_bytes_may_move_unseen_is_not_judged(prog: _Program) -> None:
    _pipe(prog)
    _io(prog, "write", 4, b"\x02")
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS["splice"], (5, 0, 4, 0, 1, 0),
                             root=prog.root, thread=prog.thread)
    prog.files.sole.record(slot, 1)
    del registry.slots[slot.id]
    _io(prog, "read", 3, b"\x09")


def _reopen(prog: _Program, fd: int, ret: int, flags: int, quiet: bool = True,
            name: str | None = None) -> None:
    """The program's openat(name or /proc/self/fd/<fd>, flags) answered `ret`, its name
    read at a quiet return (no thread ran since the entry) or not."""
    registry = prog.files.admission.registry
    if quiet:
        dom = registry.domains[1] = Domain(1)
        dom.spaces[prog.root] = Space()
    name = name or f"/proc/self/fd/{fd}"
    prog.open(name, ret=ret, flags=flags)
    prog.memory.data = name.encode() + b"\0"
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS["openat"],
                             (AT_FDCWD, NAME_VA, flags, 0, 0, 0),
                             root=prog.root, thread=prog.thread)
    slot.runs_at_entry = {prog.root: registry.user_runs.get(prog.root, 0)} if quiet else None
    prog.files.sole.record(slot, ret)
    del registry.slots[slot.id]


def test_a_pipe_reopened_through_proc_is_the_same_pipe(prog: _Program) -> None:
    """fifo_open() on the pipe's inode: an O_RDONLY open of /proc/self/fd/N is another
    reader of the pipe, an O_WRONLY one another writer (`pipe.reopened`)."""
    _pipe(prog)
    _io(prog, "write", 4, b"\x45")
    _reopen(prog, 3, 5, O_RDONLY)                        # another reader
    with pytest.raises(Refused) as e:
        _io(prog, "read", 5, b"\x41")                   # not the 'E' written
    assert e.value.check == "return.pipe_fifo"
    _io(prog, "read", 5, b"\x45")
    _reopen(prog, 3, 6, O_WRONLY)                        # the read end's number, written
    _io(prog, "write", 6, b"\x07")
    with pytest.raises(Refused):
        _io(prog, "read", 3, b"\x08")
    _io(prog, "read", 3, b"\x07")


def test_a_reopened_pipe_is_not_followed_without_the_check(prog: _Program) -> None:
    _pipe(prog)
    _io(prog, "write", 4, b"\x45")
    checks.set_mutation("pipe.reopened")
    try:
        _reopen(prog, 3, 5, O_RDONLY)
    finally:
        checks.set_mutation("")
    _io(prog, "read", 5, b"\x41")                       # the domain's pipes: not judged
    _io(prog, "read", 3, b"\x41")


@pytest.mark.parametrize(("quiet", "flags", "name"), [
    (False, O_RDONLY, None),            # another thread ran: the name may not be the one given
    (True, O_RDONLY, "/proc/self/fd/7"),      # a descriptor the Guardian does not know
    (True, O_RDONLY, "/proc/1234/fd/3"),      # another process's descriptor
])
def test_another_reopening_stops_the_judging(prog: _Program, quiet: bool, flags: int,
                                             name: str | None) -> None:
    _pipe(prog)
    _io(prog, "write", 4, b"\x02")
    _reopen(prog, 4, 5, flags, quiet, name)
    _io(prog, "read", 3, b"\x02\x07")                  # its writes are not followed


def test_an_o_path_reopening_keeps_the_judging(prog: _Program) -> None:
    # A handle on the name only: it reads, writes and cuts nothing (fd_modes.py), so the
    # pipe has the writers it had.
    _pipe(prog)
    _io(prog, "write", 4, b"\x02")
    _reopen(prog, 4, 5, O_PATH, True, None)
    with pytest.raises(Refused) as e:
        _io(prog, "read", 3, b"\x02\x07")
    assert e.value.check == "return.pipe_fifo"


# --- vmsplice() of the program's own pages into its pipe (pipe.vmspliced) -------------------
IOV, SRC = NAME_VA + 256, NAME_VA + 512


class _Frames:
    """translate() for the _Names memory: each page's frame, as EL0 would see it."""

    def __init__(self) -> None:
        self.moved: set[int] = set()

    def __call__(self, va: int, write: bool, root: int | None = None) -> int:
        page = va & ~0xFFF
        return page + (0x1000_0000 if page in self.moved else 0) + (va & 0xFFF)


def _layout(prog: _Program, read_back: bytes, source: bytes = b"label-2.") -> None:
    blob = bytearray(1024)
    blob[0:8] = struct.pack("<ii", 3, 4)
    blob[64:64 + len(read_back)] = read_back
    blob[256:272] = struct.pack("<QQ", SRC, len(source))
    blob[512:512 + len(source)] = source
    prog.memory.data = bytes(blob)


def _quiet_call(prog: _Program, name: str, args: tuple[int, ...], ret: int,
                quiet: bool = True) -> None:
    registry = prog.files.admission.registry
    if 1 not in registry.domains:
        registry.domains[1] = Domain(1)
        registry.domains[1].spaces[prog.root] = Space()
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS[name], args + (0,) * (6 - len(args)),
                             root=prog.root, thread=prog.thread)
    slot.runs_at_entry = {prog.root: registry.user_runs.get(prog.root, 0)} if quiet else None
    try:
        prog.files.sole.check(slot, ret)
        prog.files.sole.record(slot, ret)
    finally:
        del registry.slots[slot.id]


def _spliced_pipe(prog: _Program, quiet: bool = True) -> _Frames:
    _pipe(prog)
    frames = _Frames()
    prog.memory.translate = frames                      # type: ignore[attr-defined]
    _layout(prog, b"")
    _quiet_call(prog, "vmsplice", (4, IOV, 1), 8, quiet)
    return frames


def _read_back(prog: _Program, data: bytes, source: bytes = b"label-2.") -> None:
    _layout(prog, data, source)
    _quiet_call(prog, "read", (3, BUF, len(data)), len(data))


def test_vmspliced_bytes_read_back_as_spliced(prog: _Program) -> None:
    _spliced_pipe(prog)
    with pytest.raises(Refused) as e:
        _read_back(prog, b"label-0.")
    assert e.value.check == "return.pipe_fifo"
    _read_back(prog, b"labe")
    with pytest.raises(Refused):
        _read_back(prog, b"l-0.")
    _read_back(prog, b"l-2.")


def test_a_page_changed_since_the_splice_is_not_judged(prog: _Program) -> None:
    frames = _spliced_pipe(prog)
    frames.moved.add(SRC & ~0xFFF)                      # another frame there now
    _read_back(prog, b"label-0.")


def test_bytes_the_program_stored_since_the_splice_are_not_judged(prog: _Program) -> None:
    _spliced_pipe(prog)
    _read_back(prog, b"label-9.", source=b"label-9.")   # the page shows them now


@pytest.mark.parametrize("mutated", [False, True])
def test_a_splice_not_known_stops_the_judging(prog: _Program, mutated: bool) -> None:
    if mutated:
        checks.set_mutation("pipe.vmspliced")
    try:
        _spliced_pipe(prog, quiet=mutated)             # not quiet, or without the check
    finally:
        checks.set_mutation("")
    _read_back(prog, b"label-0.")
