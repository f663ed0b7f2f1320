"""SCM_RIGHTS over the program's own socketpair (passed_fds): the descriptor a recvmsg
installs names the very open file the peer end's sendmsg passed, so what the Guardian
knows of the sent one (its maker: an eventfd's counter rule) holds for the received one;
a message it did not see sent is entered with no maker, as before."""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)

AF_UNIX, SOCK_STREAM = 1, 1
PAIR_VA = NAME_VA + 128                     # where socketpair writes sv[2]
CONTROL_VA = NAME_VA + 64


def _message(prog: _Program, fd: int, flags: int = 0) -> None:
    """A struct msghdr at NAME_VA whose control holds one SCM_RIGHTS message of `fd`."""
    hdr = struct.pack("<QI4xQQQQi4x", 0, 0, 0, 0, CONTROL_VA, 24, flags)
    cmsg = struct.pack("<QIIi4x", 20, 1, 1, fd)
    blob = bytearray(256)
    blob[0:len(hdr)] = hdr
    blob[64:64 + len(cmsg)] = cmsg
    blob[128:136] = struct.pack("<ii", 3, 4)
    prog.memory.data = bytes(blob)


def _maker(prog: _Program, fd: int) -> int | None:
    slot = Slot(0, 1, UserContext(), 0, None, root=prog.root, thread=prog.thread)
    return prog.files.maker_of(slot, fd)


def test_a_descriptor_passed_to_itself_is_the_open_file_sent(prog: _Program) -> None:
    _message(prog, 5)
    prog.call("socketpair", AF_UNIX, SOCK_STREAM, 0, PAIR_VA, ret=0)     # 3 and 4
    prog.call("eventfd2", 0, 0, ret=5)
    prog.call("sendmsg", 3, NAME_VA, 0, ret=1)
    _message(prog, 6)                                   # what recvmsg wrote back
    prog.call("recvmsg", 4, NAME_VA, 0, ret=1)
    assert _maker(prog, 6) == NUMBERS["eventfd2"]
    table = prog.files.table(prog.root, prog.thread)
    assert table.fds[6].description is table.fds[5].description
    prog.call("recvmsg", 4, NAME_VA, 0, ret=1)          # nothing more was sent: fd 6 again
    _message(prog, 7)
    prog.call("recvmsg", 4, NAME_VA, 0, ret=1)          # a message the Guardian never saw
    assert _maker(prog, 7) is None


def test_a_message_whose_descriptors_were_dropped_is_taken(prog: _Program) -> None:
    _message(prog, 5)
    prog.call("socketpair", AF_UNIX, SOCK_STREAM, 0, PAIR_VA, ret=0)
    prog.call("eventfd2", 0, 0, ret=5)
    prog.call("sendmsg", 3, NAME_VA, 0, ret=1)          # first message: the eventfd
    prog.open("/etc/a", ret=8)
    _message(prog, 8)
    prog.call("sendmsg", 3, NAME_VA, 0, ret=1)          # second: the file
    blob = bytearray(prog.memory.data)
    blob[40:48] = struct.pack("<Q", 0)                   # no room: MSG_CTRUNC
    blob[48:52] = struct.pack("<i", 0x8)
    prog.memory.data = bytes(blob)
    prog.call("recvmsg", 4, NAME_VA, 0, ret=1)
    _message(prog, 9)
    prog.call("recvmsg", 4, NAME_VA, 0, ret=1)
    table = prog.files.table(prog.root, prog.thread)
    assert table.fds[9].description is table.fds[8].description
