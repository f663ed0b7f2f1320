"""Reading and writing the debugged thread's registers and memory, and the qXfer
objects: the data half of the protocol, answered from a `DebugTarget`."""

from __future__ import annotations

from emulator.gdbstub import rsp
from emulator.gdbstub.target import (
    FIRST_SYSTEM,
    NUM_REGS,
    TARGET_XML,
    DebugTarget,
    ctx_index,
    encode_register,
    reg_size,
)

MAX_MEMORY_READ = 0x8000


class PacketError(Exception):
    """A packet the stub cannot parse; answered with an error reply."""


def hex_int(text: bytes) -> int:
    try:
        return int(text, 16)
    except ValueError:
        raise PacketError(text[:32]) from None


def addr_len(text: bytes) -> tuple[int, int]:
    a, sep, n = text.partition(b",")
    if not sep:
        raise PacketError("addr,length expected")
    return hex_int(a), hex_int(n)


class StateAccess:
    """Register and memory packets for one target (replies as protocol text)."""

    def __init__(self, target: DebugTarget) -> None:
        self.target = target

    def read_all_registers(self, tid: int) -> str:
        ctx = self.target.read_registers(tid)
        system = self.target.system_registers()
        return b"".join(encode_register(ctx, system, n) for n in range(FIRST_SYSTEM)).hex()

    def write_all_registers(self, tid: int, body: bytes) -> str:
        data = bytes.fromhex(body.decode("ascii"))
        ctx = self.target.read_registers(tid)
        pos = 0
        for n in range(FIRST_SYSTEM):
            size = reg_size(n)
            if pos + size > len(data):
                break
            idx = ctx_index(n)
            if idx is not None:
                ctx.set(idx, int.from_bytes(data[pos:pos + size], "little"))
            pos += size
        self.target.write_registers(tid, ctx)
        return "OK"

    def read_register(self, tid: int, n: int) -> str:
        if not 0 <= n < NUM_REGS:
            return "E01"
        ctx = self.target.read_registers(tid)
        return encode_register(ctx, self.target.system_registers(), n).hex()

    def write_register(self, tid: int, n: int, value: bytes) -> str:
        idx = ctx_index(n) if 0 <= n < NUM_REGS else None
        if idx is None:
            return "E01"       # system registers are read-only from the debugger
        ctx = self.target.read_registers(tid)
        ctx.set(idx, int.from_bytes(bytes.fromhex(value.decode("ascii")), "little"))
        self.target.write_registers(tid, ctx)
        return "OK"

    def read_memory(self, tid: int, va: int, length: int) -> str:
        length = min(length, MAX_MEMORY_READ)
        data = self.target.read_memory(tid, va, length)
        if not data:
            return "E14"
        return data.hex()

    def write_memory(self, tid: int, va: int, length: int, data: bytes) -> str:
        if len(data) != length:
            raise PacketError("length mismatch")
        if length and not self.target.write_memory(tid, va, data):
            return "E14"
        return "OK"

    def xfer_read(self, args: bytes) -> bytes:
        parts = args.split(b":")
        if len(parts) != 4 or parts[1] != b"read":
            raise PacketError("qXfer")
        obj, _, annex, span = parts
        offset, length = addr_len(span)
        if obj == b"features":
            if annex != b"target.xml":
                raise PacketError("unknown annex")
            data = TARGET_XML.encode()
        elif obj == b"auxv":
            data = self.target.auxv()
        elif obj == b"exec-file":
            data = self.target.exec_file().encode()
        else:
            return b""
        chunk = data[offset:offset + min(length, rsp.MAX_PACKET // 2)]
        more = offset + len(chunk) < len(data)
        return (b"m" if more else b"l") + rsp.escape(chunk)
