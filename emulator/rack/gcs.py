"""GCS in the switch: reader-writer lock regions as coherence states held over time.

A lock region is any byte range of a process's memory (its full virtual address and length),
independent of the 4 KiB pages the coherence directory tracks: two per-bucket locks on one page
are two regions.  The switch keeps them in their own exact-match table (`gcs_lock_region`,
`LOCK_TABLE_CAPACITY` entries), so bounded splitting of directory entries never touches a
region, locked or not.  Each region is FREE, READ_LOCKED (one or more readers) or WRITE_LOCKED
(one writer), and has a FIFO wait queue; queue slots are one table shared by all regions
(`WAIT_QUEUE_CAPACITY`).  A request that finds the queue table full is NACKed and retried after
a back-off, as a directory NACK is; that is counted.

Requests queue instead of spinning: the protocol, not the program, makes waiters wait.  A grant
goes to the queue's head: a writer alone, or every reader up to the next writer together.  A
new reader joins readers already holding the region only when nobody waits (FIFO: a waiting
writer is never overtaken).  A grant carries the region's bytes, so the critical section runs
from the blade's local copy: from the releasing writer's bytes, forwarded by the switch in the
same step as the release, or from the memory blade (a byte-range read).  A write lock's release
carries the bytes back; the switch writes them through to memory, and the switch-to-memory link
and the memory blade serve in order, so a later read from memory sees them.

`LockClient` is a compute blade's end: acquire, the locally cached bytes, release, and NACK
back-off.  `enable_gcs` plugs both into an assembled `Rack` without changing its other parts:
lock packets are told apart by kind at the switch, the blades and the memory blades.
"""

from __future__ import annotations

import bisect
import random
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from emulator.rack.costs import PAGE
from emulator.rack.network import Node
from emulator.rack.packets import Kind, Packet, Perm

if TYPE_CHECKING:
    from emulator.rack.memblade import MemoryBlade
    from emulator.rack.rack import Rack

LOCK_TABLE_CAPACITY = 4096      # gcs_lock_region: exact match on the region's base FVA
WAIT_QUEUE_CAPACITY = 4096      # gcs_wait_queue: (blade, request, mode) slots, all regions
MAX_LOCK_BYTES = 64 << 10       # the largest region a grant carries (one RDMA message)

LOCK_KINDS = frozenset({Kind.LOCK_ACQUIRE, Kind.LOCK_GRANT, Kind.LOCK_RELEASE, Kind.LOCK_NACK,
                        Kind.LOCK_DENY, Kind.LOCK_MEM_READ, Kind.LOCK_MEM_WRITE})


class LockState(Enum):
    FREE = "free"
    READ_LOCKED = "read_locked"
    WRITE_LOCKED = "write_locked"


@dataclass(frozen=True)
class Waiter:
    blade: str
    req_id: int
    write: bool


@dataclass
class LockRegion:
    base: int
    length: int
    mem_blade: str
    mem_addr: int
    state: LockState = LockState.FREE
    holders: set[tuple[str, int]] = field(default_factory=set)   # (blade, request id)
    queue: deque[Waiter] = field(default_factory=deque)

    @property
    def end(self) -> int:
        return self.base + self.length


class LockUnit:
    """The switch's lock regions and wait queues (the switch side of GCS)."""

    def __init__(self, rack: Rack, table_capacity: int = LOCK_TABLE_CAPACITY,
                 queue_capacity: int = WAIT_QUEUE_CAPACITY) -> None:
        self.rack = rack
        self.switch = rack.switch
        self.loop = rack.loop
        self.network = rack.network
        self.costs = rack.costs
        self.table_capacity = table_capacity
        self.queue_capacity = queue_capacity
        self.regions: dict[int, LockRegion] = {}
        self._bases: list[int] = []            # sorted, for the overlap check
        self.queued = 0                        # wait-queue slots in use
        self.peak_regions = 0
        self.peak_queued = 0
        self.counters: Counter[str] = Counter()
        # (event, region base, blade, request id) in processing order, when a test asks.
        self.log: list[tuple[str, int, str, int]] | None = None

    # --- the pipeline -------------------------------------------------------------------------
    def receive(self, p: Packet) -> None:
        # One pass to find the region, one recirculated pass to write its registers.
        self.loop.after(self.costs.switch_pass_ns + self.costs.recirculation_ns, self._handle, p)

    def _handle(self, p: Packet) -> None:
        self.counters["passes"] += 2
        if p.kind is Kind.LOCK_ACQUIRE:
            self._acquire(p)
        elif p.kind is Kind.LOCK_RELEASE:
            self._release(p)
        elif p.kind is Kind.LOCK_GRANT:            # from a memory blade: route it on
            self.network.send(p, "switch", p.dst)
        else:
            raise ValueError(f"the switch's lock unit got a {p.kind.value} packet")

    def _send(self, kind: Kind, dst: str, p: Packet, data: bytes | None = None,
              req_id: int | None = None) -> None:
        size = self.costs.header_bytes + (len(data) if data is not None else 0)
        out = Packet(kind, "switch", dst, p.region[0], req_id=p.req_id if req_id is None else req_id,
                     requester=dst, data=data, region=p.region, size=size)
        self.network.send(out, "switch", dst)

    def _deny(self, p: Packet, why: str) -> None:
        self.counters[f"denied_{why}"] += 1
        self._send(Kind.LOCK_DENY, p.src, p)

    def _find(self, base: int, length: int) -> LockRegion | None | str:
        """The region registered at exactly [base, base+length); None when no region
        overlaps it; "overlap" when another range does."""
        region = self.regions.get(base)
        if region is not None:
            return region if region.length == length else "overlap"
        i = bisect.bisect_left(self._bases, base)
        if i > 0 and self.regions[self._bases[i - 1]].end > base:
            return "overlap"
        if i < len(self._bases) and self._bases[i] < base + length:
            return "overlap"
        return None

    def _acquire(self, p: Packet) -> None:
        base, length = p.region
        write = bool(p.perm & Perm.WRITE_ONLY)
        if not 0 < length <= MAX_LOCK_BYTES:
            self._deny(p, "length")
            return
        if self.switch.permission(base) & p.perm != p.perm or \
                self.switch.permission(base + length - 1) & p.perm != p.perm:
            self._deny(p, "protection")
            return
        found = self._find(base, length)
        if found == "overlap":
            self._deny(p, "overlap")
            return
        region = found if isinstance(found, LockRegion) else self._install(p)
        if region is None:
            return
        if not region.queue and self._compatible(region, write):
            self._note("accept", region, p)
            self._grant(region, [Waiter(p.src, p.req_id, write)], None)
            return
        if self.queued >= self.queue_capacity:
            self.counters["queue_overflows"] += 1
            self._send(Kind.LOCK_NACK, p.src, p)
            self._maybe_free(region)
            return
        self._note("accept", region, p)
        region.queue.append(Waiter(p.src, p.req_id, write))
        self.queued += 1
        self.peak_queued = max(self.peak_queued, self.queued)
        self.counters["queued"] += 1

    def _note(self, event: str, region: LockRegion, p: Packet) -> None:
        if self.log is not None:
            self.log.append((event, region.base, p.src, p.req_id))

    def _install(self, p: Packet) -> LockRegion | None:
        base, length = p.region
        try:
            blade, addr = self.switch.translate(base)
            last_blade, last = self.switch.translate(base + length - 1)
        except LookupError:
            self._deny(p, "untranslated")
            return None
        if last_blade != blade or last - addr != length - 1:
            self._deny(p, "split_area")          # one region lives in one memory area
            return None
        if len(self.regions) >= self.table_capacity:
            self.counters["table_full"] += 1
            self._send(Kind.LOCK_NACK, p.src, p)
            return None
        region = LockRegion(base, length, blade, addr)
        self.regions[base] = region
        bisect.insort(self._bases, base)
        self.peak_regions = max(self.peak_regions, len(self.regions))
        self.counters["regions_installed"] += 1
        return region

    def _maybe_free(self, region: LockRegion) -> None:
        """Give the table entry back once nobody holds or waits for the region."""
        if region.state is LockState.FREE and not region.queue:
            del self.regions[region.base]
            self._bases.remove(region.base)

    @staticmethod
    def _compatible(region: LockRegion, write: bool) -> bool:
        if region.state is LockState.FREE:
            return True
        return region.state is LockState.READ_LOCKED and not write

    def _grant(self, region: LockRegion, waiters: list[Waiter], data: bytes | None) -> None:
        region.state = LockState.WRITE_LOCKED if waiters[0].write else LockState.READ_LOCKED
        for w in waiters:
            region.holders.add((w.blade, w.req_id))
            if self.log is not None:
                self.log.append(("grant", region.base, w.blade, w.req_id))
            self.counters["grants_write" if w.write else "grants_read"] += 1
            fake = Packet(Kind.LOCK_GRANT, w.blade, "switch", region.base, req_id=w.req_id,
                          region=(region.base, region.length))
            if data is not None:                  # the releaser's bytes, forwarded
                self.counters["grants_forwarded"] += 1
                self._send(Kind.LOCK_GRANT, w.blade, fake, data)
            else:                                 # the memory blade answers the blade
                self.counters["grants_from_memory"] += 1
                out = Packet(Kind.LOCK_MEM_READ, "switch", region.mem_blade, region.base,
                             req_id=w.req_id, requester=w.blade, mem_addr=region.mem_addr,
                             region=(region.base, region.length), size=self.costs.header_bytes)
                self.network.send(out, "switch", region.mem_blade)

    def _release(self, p: Packet) -> None:
        base, length = p.region
        region = self.regions.get(base)
        key = (p.src, p.req_id)
        if region is None or region.length != length or key not in region.holders:
            self._deny(p, "not_held")
            return
        region.holders.discard(key)
        self.counters["releases"] += 1
        data = p.data if region.state is LockState.WRITE_LOCKED else None
        if data is not None:
            out = Packet(Kind.LOCK_MEM_WRITE, "switch", region.mem_blade, base, req_id=p.req_id,
                         requester=p.src, mem_addr=region.mem_addr, data=data, region=p.region,
                         size=self.costs.header_bytes + len(data))
            self.network.send(out, "switch", region.mem_blade)
        if not region.holders:
            region.state = LockState.FREE
        self._grant_next(region, data)
        self._maybe_free(region)

    def _grant_next(self, region: LockRegion, data: bytes | None) -> None:
        q = region.queue
        if not q or not self._compatible(region, q[0].write):
            return
        if q[0].write:
            batch = [q.popleft()]
        else:
            batch = []
            while q and not q[0].write:
                batch.append(q.popleft())
        self.queued -= len(batch)
        self._grant(region, batch, data)

    def statistics(self) -> dict[str, int]:
        out = {f"gcs.{k}": v for k, v in sorted(self.counters.items())}
        out["gcs.regions"] = len(self.regions)
        out["gcs.peak_regions"] = self.peak_regions
        out["gcs.peak_queued"] = self.peak_queued
        return out


class MemoryLockPort:
    """A memory blade's NIC serving the lock unit's byte-range reads and write-backs.  The
    blade's pages are whole 4 KiB pages; a range is read or written inside them."""

    def __init__(self, blade: MemoryBlade, inner: Node) -> None:
        self.name = blade.name
        self.blade = blade
        self.inner = inner
        self.costs = blade.costs
        self.loop = blade.loop
        self._free_at = 0

    def receive(self, p: Packet) -> None:
        if p.kind not in LOCK_KINDS:
            self.inner.receive(p)
            return
        pages = -(-(p.mem_addr % PAGE + p.region[1]) // PAGE)
        start = max(self.loop.now + self.costs.nic_ns, self._free_at)
        self._free_at = start + pages * self.costs.memory_dma_ns
        self.loop.at(self._free_at, self._serve, p)

    def _serve(self, p: Packet) -> None:
        addr, length = p.mem_addr, p.region[1]
        if p.kind is Kind.LOCK_MEM_WRITE:
            assert p.data is not None and len(p.data) == length
            self._write(addr, p.data)
            return                     # ordered behind by the link; nobody waits for an ack
        data = self._read(addr, length)
        out = Packet(Kind.LOCK_GRANT, self.name, p.requester, p.fva, req_id=p.req_id,
                     requester=p.requester, data=data, region=p.region,
                     size=self.costs.header_bytes + length)
        self.blade.network.send(out, self.name, "switch")

    def _read(self, addr: int, length: int) -> bytes:
        out = bytearray()
        while length:
            page, off = addr - addr % PAGE, addr % PAGE
            n = min(length, PAGE - off)
            out += self.blade.read_page(page)[off:off + n]
            addr, length = addr + n, length - n
        return bytes(out)

    def _write(self, addr: int, data: bytes) -> None:
        while data:
            page, off = addr - addr % PAGE, addr % PAGE
            n = min(len(data), PAGE - off)
            buf = bytearray(self.blade.read_page(page))
            buf[off:off + n] = data[:n]
            self.blade.write_page(page, bytes(buf))
            addr, data = addr + n, data[n:]


class SwitchLockPort:
    """The switch's ingress: lock packets to the lock unit, the rest to the directory."""

    def __init__(self, inner: Node, unit: LockUnit) -> None:
        self.name = inner.name
        self.inner = inner
        self.unit = unit

    def receive(self, p: Packet) -> None:
        (self.unit if p.kind in LOCK_KINDS else self.inner).receive(p)


@dataclass
class HeldLock:
    """A granted lock and the region's bytes in the blade's local memory."""

    base: int
    length: int
    write: bool
    req_id: int
    data: bytearray
    granted_ns: int = 0


@dataclass
class _Request:
    base: int
    length: int
    write: bool
    req_id: int
    done: Callable[[HeldLock | None], None]
    tries: int = 0


class LockClient:
    """A compute blade's end of GCS."""

    def __init__(self, name: str, rack: Rack, seed: int, inner: Node) -> None:
        self.name = name
        self.inner = inner
        self.loop = rack.loop
        self.network = rack.network
        self.costs = rack.costs
        self._rng = random.Random(seed)
        self._next_req = 0
        self.pending: dict[int, _Request] = {}
        self.held: dict[int, HeldLock] = {}      # by request id
        self.counters: Counter[str] = Counter()

    def receive(self, p: Packet) -> None:
        if p.kind not in LOCK_KINDS:
            self.inner.receive(p)
            return
        req = self.pending.get(p.req_id)
        if req is None:
            self.counters["stale"] += 1
            return
        if p.kind is Kind.LOCK_GRANT:
            del self.pending[p.req_id]
            assert p.data is not None and len(p.data) == req.length
            held = HeldLock(req.base, req.length, req.write, req.req_id, bytearray(p.data),
                            self.loop.now)
            self.held[req.req_id] = held
            self.counters["grants"] += 1
            req.done(held)
        elif p.kind is Kind.LOCK_NACK:
            self.counters["nacks"] += 1
            step = min(req.tries, self.costs.nack_max_backoff)
            delay = (self.costs.nack_backoff_ns
                     + step * self.costs.nack_backoff_ns * self._rng.randrange(256) // 256)
            self.loop.after(delay, self._send_acquire, req)
        elif p.kind is Kind.LOCK_DENY:
            del self.pending[p.req_id]
            self.counters["denied"] += 1
            req.done(None)

    def acquire(self, fva: int, length: int, write: bool,
                done: Callable[[HeldLock | None], None]) -> int:
        """Ask for the region [fva, fva+length) read- or write-locked; `done(held)` runs on
        the grant (None: refused)."""
        self._next_req += 1
        req = _Request(fva, length, write, self._next_req, done)
        self.pending[req.req_id] = req
        self.counters["acquires_write" if write else "acquires_read"] += 1
        self._send_acquire(req)
        return req.req_id

    def _send_acquire(self, req: _Request) -> None:
        req.tries += 1
        perm = Perm.READ_WRITE if req.write else Perm.READ
        p = Packet(Kind.LOCK_ACQUIRE, self.name, "switch", req.base, req_id=req.req_id,
                   requester=self.name, perm=perm, region=(req.base, req.length),
                   size=self.costs.header_bytes)
        self.network.send(p, self.name, "switch")

    def release(self, held: HeldLock) -> None:
        """Give the lock up; a write lock's bytes go back with the release."""
        if self.held.pop(held.req_id, None) is None:
            raise ValueError(f"{self.name}: lock {held.base:#x}+{held.length} is not held")
        data = bytes(held.data) if held.write else None
        size = self.costs.header_bytes + (held.length if data is not None else 0)
        p = Packet(Kind.LOCK_RELEASE, self.name, "switch", held.base, req_id=held.req_id,
                   requester=self.name, data=data, region=(held.base, held.length), size=size)
        self.counters["releases"] += 1
        self.network.send(p, self.name, "switch")

    def statistics(self) -> dict[str, int]:
        return {f"{self.name}.gcs.{k}": v for k, v in sorted(self.counters.items())}


@dataclass
class Gcs:
    unit: LockUnit
    clients: list[LockClient]

    def statistics(self) -> dict[str, int]:
        out = self.unit.statistics()
        for c in self.clients:
            out.update(c.statistics())
        return out


def enable_gcs(rack: Rack, table_capacity: int = LOCK_TABLE_CAPACITY,
               queue_capacity: int = WAIT_QUEUE_CAPACITY) -> Gcs:
    """Add GCS to an assembled rack: the switch's lock unit, each blade's lock client and the
    memory blades' byte-range service, in front of the existing nodes."""
    nodes = rack.network.nodes
    unit = LockUnit(rack, table_capacity, queue_capacity)
    nodes["switch"] = SwitchLockPort(nodes["switch"], unit)
    for mb in rack.memory_blades:
        nodes[mb.name] = MemoryLockPort(mb, nodes[mb.name])
    clients = []
    for i, agent in enumerate(rack.agents):
        client = LockClient(agent.name, rack, rack.spec.seed * 7919 + i, nodes[agent.name])
        nodes[agent.name] = client
        clients.append(client)
    return Gcs(unit, clients)
