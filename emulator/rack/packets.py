"""Typed packets of the rack's wire protocol.

A request names its region by a full virtual address (FVA): the process id in bits 63..48 and
the process's 48-bit virtual address below, as MIND's blades put it in RoCE's RETH.  The
directory's input event follows from the RDMA operation and the 4-bit permission code (MIND
carries it in rkey[31:28]): a READ asks for a page with read (1) or read-write (3) permission; a
WRITE is a data push or a control message told apart by its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum

PID_SHIFT = 48
VA_MASK = (1 << 48) - 1


def make_fva(pid: int, va: int) -> int:
    """The full virtual address of `va` in process `pid`."""
    return (pid & 0xFFFF) << PID_SHIFT | (va & VA_MASK)


class Op(Enum):
    READ = "read"      # RDMA READ: a fetch with permission
    WRITE = "write"    # RDMA WRITE: pushes, FIN and eviction notices


class Perm(IntEnum):
    """The permission code of a packet (rkey[31:28] in MIND)."""

    NONE = 0
    READ = 1
    WRITE_ONLY = 2
    READ_WRITE = 3
    EVICT = 4


class PacketClass(Enum):
    """How the trace and the statistics group packets (MIND's message classes)."""

    FETCH = "fetch"                # a request for a page with a permission
    DATA = "data"                  # a page travelling to a compute blade (response)
    PUSH = "push"                  # a page pushed by a compute blade (write-back, forward)
    ACK = "ack"                    # grant, FIN, eviction notice, write acknowledgement
    INVALIDATION = "invalidation"  # the switch asking a blade to give a region up
    NACK = "nack"                  # a request refused for now: retry after a back-off
    DENY = "deny"                  # protection refused the request
    OFFLOAD = "offload"            # a traversal offloaded to a memory blade's SmartNIC (PULSE)
    LOCK = "lock"                  # GCS: lock acquire, grant, release, NACK, deny
    KERNEL = "kernel"              # between blades' kernels: forwarded system calls and their
                                   # replies, wake-ups, shootdowns, the areas of a process


class Kind(Enum):
    """What a packet is, end to end."""

    FETCH = "fetch"            # blade -> switch -> memory (READ, perm 1 or 3)
    MEM_READ = "mem_read"      # switch -> memory blade, translated
    MEM_WRITE = "mem_write"    # switch -> memory blade, translated push
    DATA = "data"              # memory blade or switch -> requesting blade
    PUSH_OTHER = "dp0"         # blade -> switch: a dirty page written back (perm 0)
    PUSH_DUMMY = "dpd"         # blade -> switch: the owner lacks the target page (perm 1)
    PUSH_TARGET = "dpt"        # blade -> switch: the owner's copy of the target (perm 2)
    FIN = "fin"                # blade -> switch: an invalidation is done (perm 3)
    EVICT = "evict"            # blade -> switch: the blade dropped its last page of a region
    GRANT = "grant"            # switch -> blade: the request's ACK
    WRITE_ACK = "write_ack"    # switch or memory blade -> blade: a WRITE is complete
    INVALIDATE = "invalidate"  # switch -> blade
    NACK = "nack"              # switch -> blade
    DENY = "deny"              # switch -> blade
    TRAVERSE = "traverse"      # compute blade -> switch -> SmartNIC: start an offloaded traversal
    CONTINUE = "continue"      # SmartNIC -> switch -> SmartNIC: the cursor left its blade
    TRAVERSE_DONE = "traverse_done"   # SmartNIC -> switch -> compute blade: the result
    # GCS lock regions (emulator/rack/gcs.py); `region` is the lock's (base FVA, length).
    LOCK_ACQUIRE = "lock_acquire"      # blade -> switch (perm READ or READ_WRITE)
    LOCK_GRANT = "lock_grant"          # switch or memory blade -> blade, with the region's bytes
    LOCK_RELEASE = "lock_release"      # blade -> switch (a write lock's bytes ride along)
    LOCK_NACK = "lock_nack"            # switch -> blade: wait queue full, back off and retry
    LOCK_DENY = "lock_deny"            # switch -> blade: protection or a malformed range
    LOCK_MEM_READ = "lock_mem_read"    # switch -> memory blade: the region's bytes
    LOCK_MEM_WRITE = "lock_mem_write"  # switch -> memory blade: a released region written back
    # Kernel to kernel, blade -> switch -> blade (`req_id`: the thread, or the shootdown).
    SYSCALL_REQ = "syscall_req"        # a thread's blade -> its process's home: a system call
    SYSCALL_REPLY = "syscall_reply"    # home -> the thread's blade: the result and copied-out bytes
    WAKE = "wake"                      # home -> a sleeper's blade: its wait is over (the reply)
    SHOOTDOWN = "shootdown"            # home -> a blade running the process: give a range up
    SHOOTDOWN_ACK = "shootdown_ack"    # that blade -> home: done (dirty pages written back)
    AREAS_REQ = "areas_req"            # a blade -> home: its copy of the areas is out of date
    AREAS_REPLY = "areas_reply"        # home -> that blade: the process's current areas

    @property
    def packet_class(self) -> PacketClass:
        return _CLASS[self]


_CLASS = {
    Kind.FETCH: PacketClass.FETCH, Kind.MEM_READ: PacketClass.FETCH,
    Kind.MEM_WRITE: PacketClass.PUSH, Kind.DATA: PacketClass.DATA,
    Kind.PUSH_OTHER: PacketClass.PUSH, Kind.PUSH_DUMMY: PacketClass.PUSH,
    Kind.PUSH_TARGET: PacketClass.PUSH, Kind.FIN: PacketClass.ACK, Kind.EVICT: PacketClass.ACK,
    Kind.GRANT: PacketClass.ACK, Kind.WRITE_ACK: PacketClass.ACK,
    Kind.INVALIDATE: PacketClass.INVALIDATION, Kind.NACK: PacketClass.NACK,
    Kind.DENY: PacketClass.DENY,
    Kind.TRAVERSE: PacketClass.OFFLOAD, Kind.CONTINUE: PacketClass.OFFLOAD,
    Kind.TRAVERSE_DONE: PacketClass.OFFLOAD,
    Kind.LOCK_ACQUIRE: PacketClass.LOCK, Kind.LOCK_GRANT: PacketClass.LOCK,
    Kind.LOCK_RELEASE: PacketClass.LOCK, Kind.LOCK_NACK: PacketClass.LOCK,
    Kind.LOCK_DENY: PacketClass.LOCK, Kind.LOCK_MEM_READ: PacketClass.FETCH,
    Kind.LOCK_MEM_WRITE: PacketClass.PUSH,
    Kind.SYSCALL_REQ: PacketClass.KERNEL, Kind.SYSCALL_REPLY: PacketClass.KERNEL,
    Kind.WAKE: PacketClass.KERNEL, Kind.SHOOTDOWN: PacketClass.KERNEL,
    Kind.SHOOTDOWN_ACK: PacketClass.KERNEL, Kind.AREAS_REQ: PacketClass.KERNEL,
    Kind.AREAS_REPLY: PacketClass.KERNEL,
}

# The RDMA operation and permission code each blade-originated kind travels as.
WIRE_CODE: dict[Kind, tuple[Op, Perm]] = {
    Kind.PUSH_OTHER: (Op.WRITE, Perm.NONE),
    Kind.PUSH_DUMMY: (Op.WRITE, Perm.READ),
    Kind.PUSH_TARGET: (Op.WRITE, Perm.WRITE_ONLY),
    Kind.FIN: (Op.WRITE, Perm.READ_WRITE),
    Kind.EVICT: (Op.WRITE, Perm.EVICT),
}


@dataclass(slots=True)
class Packet:
    """One packet.  `src`/`dst` are node names (`cb3`, `mb0`, `switch`)."""

    kind: Kind
    src: str
    dst: str
    fva: int                       # the page the packet is about (page-aligned)
    req_id: int = 0                # the request it belongs to (0: none)
    requester: str = ""            # the blade a forwarded page or a fetch is for
    perm: Perm = Perm.NONE         # FETCH: READ or READ_WRITE
    data: bytes | None = None      # a page's contents (DATA, pushes, MEM_WRITE)
    mem_addr: int = 0              # MEM_READ/MEM_WRITE: the memory blade's physical offset
    region: tuple[int, int] = (0, 0)   # (base FVA, size) of the directory region concerned
    data_req: bool = False         # INVALIDATE: the owner must supply the target page
    downgrade: bool = False        # INVALIDATE: keep read-only copies (M -> S)
    false_pages: int = 0           # FIN: pages given up that were not the target
    size: int = 0                  # bytes on the wire

    @property
    def packet_class(self) -> PacketClass:
        return self.kind.packet_class
