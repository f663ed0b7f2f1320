"""A compute blade's end of the protocol: its local DRAM as a page cache, fetches, and the
invalidation handler.

`PageStore` is how the agent reaches the blade's DRAM: the kernel-model layer implements it with
real frames and page tables (a dropped page is unmapped and its TLB entry flushed), the trace
replayer with a dictionary.  The agent fetches a page by sending a request with the permission
it needs; a NACK makes it back off (50 us steps, jitter from the seeded generator) and retry.
An invalidation makes it push the requested page (or a dummy push when it does not hold it),
write back other dirty pages of the region, drop them or keep them read-only, and answer FIN.
A fetch whose region is invalidated while it is in flight is retried rather than installed: its
grant has been taken back.
"""

from __future__ import annotations

import random
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from emulator.rack.costs import PAGE, RackCosts
from emulator.rack.network import EventLoop, Network
from emulator.rack.packets import Kind, Packet, PacketClass, Perm


class PageStore(Protocol):
    def install(self, fva: int, data: bytes, writable: bool) -> None: ...
    def read(self, fva: int) -> bytes: ...
    def drop(self, fva: int) -> None: ...
    def make_readonly(self, fva: int) -> None: ...


class DictStore:
    """A blade's DRAM as a dictionary of page contents (trace replay and tests)."""

    def __init__(self, keep_data: bool = True) -> None:
        self.keep_data = keep_data
        self.pages: dict[int, bytearray] = {}
        self.writable: set[int] = set()

    def install(self, fva: int, data: bytes, writable: bool) -> None:
        self.pages[fva] = bytearray(data) if self.keep_data else bytearray()
        if writable:
            self.writable.add(fva)
        else:
            self.writable.discard(fva)

    def read(self, fva: int) -> bytes:
        data = self.pages[fva]
        return bytes(data) if self.keep_data else bytes(PAGE)

    def drop(self, fva: int) -> None:
        self.pages.pop(fva, None)
        self.writable.discard(fva)

    def make_readonly(self, fva: int) -> None:
        self.writable.discard(fva)


@dataclass
class CachedPage:
    writable: bool
    dirty: bool


@dataclass
class Pending:
    req_id: int
    fva: int
    write: bool
    done: Callable[[bool], None]
    tries: int = 0
    poisoned: bool = False
    in_flight: bool = False       # sent, not yet answered by data, NACK or DENY


class BladeAgent:
    def __init__(self, name: str, loop: EventLoop, network: Network, costs: RackCosts,
                 store: PageStore, capacity_pages: int, seed: int) -> None:
        self.name = name
        self.loop = loop
        self.network = network
        self.costs = costs
        self.store = store
        self.capacity = capacity_pages
        self.pages: OrderedDict[int, CachedPage] = OrderedDict()
        self.pending: dict[int, Pending] = {}
        self._in_flight: dict[int, list[tuple[bool, Callable[[bool], None]]]] = {}
        self._deferred: list[Packet] = []
        self._rng = random.Random(seed)
        self._next_req = 0
        self.counters: Counter[str] = Counter()
        self.page_observer: Callable[[int], None] | None = None   # told when a page leaves
        # A kernel cannot see guest stores, so a page granted for writing counts as dirty.
        self.dirty_on_grant = False
        # Kernel-to-kernel messages (forwarded system calls, replies, wake-ups) go to the
        # blade's kernel, which this agent only carries for.
        self.on_message: Callable[[Packet], None] | None = None

    # --- the blade's side ---------------------------------------------------------------------
    def holds(self, fva: int, write: bool) -> bool:
        page = self.pages.get(fva)
        return page is not None and (page.writable or not write)

    def touch(self, fva: int, write: bool) -> None:
        """A hit: keep LRU order and note the page dirty on a write."""
        page = self.pages[fva]
        self.pages.move_to_end(fva)
        if write:
            page.dirty = True

    def mark_dirty(self, fva: int) -> None:
        self.pages[fva].dirty = True

    def fetch(self, fva: int, write: bool, done: Callable[[bool], None]) -> int:
        """Ask the switch for the page at `fva` (page-aligned) with read or write permission;
        `done(ok)` runs when it is installed (ok False: protection refused it).  A second fault
        on a page already being fetched waits for that fetch (as a kernel's fault handler
        finds the page locked) and then asks again if it still lacks permission."""
        waiters = self._in_flight.get(fva)
        if waiters is not None:
            waiters.append((write, done))
            self.counters["fetches_merged"] += 1
            return 0
        self._in_flight[fva] = []
        self._next_req += 1
        req = Pending(self._next_req, fva, write, done)
        self.pending[req.req_id] = req
        self.counters["fetches"] += 1
        self._send_fetch(req)
        return req.req_id

    def _send_fetch(self, req: Pending) -> None:
        req.tries += 1
        req.poisoned = False
        req.in_flight = True
        perm = Perm.READ_WRITE if req.write else Perm.READ
        self._send(Packet(Kind.FETCH, self.name, "switch", req.fva, req_id=req.req_id,
                          requester=self.name, perm=perm, size=self.costs.header_bytes))

    def _send(self, packet: Packet) -> None:
        self.network.send(packet, self.name, "switch")

    def send_message(self, kind: Kind, dst: str, ref: int, size: int) -> None:
        """A kernel-to-kernel message to another compute blade, through the switch; `ref`
        names what it is about (a thread, a shootdown)."""
        self.counters[f"sent.{kind.value}"] += 1
        self._send(Packet(kind, self.name, dst, 0, req_id=ref, requester=self.name, size=size))

    # --- packets from the switch ----------------------------------------------------------------
    def receive(self, p: Packet) -> None:
        kind = p.kind
        if kind is Kind.DATA:
            self._data(p)
            self._run_deferred()
        elif kind is Kind.NACK:
            self._nack(p)
            self._run_deferred()
        elif kind is Kind.INVALIDATE:
            self.counters["invalidations"] += 1
            self.loop.after(self.costs.invalidation_handler_ns, self._invalidate, p)
        elif kind is Kind.DENY:
            req = self.pending.pop(p.req_id, None)
            self.counters["denied"] += 1
            if req is not None:
                req.in_flight = False
                self._finish(req, False)
            self._run_deferred()
        elif kind is Kind.GRANT:
            self.counters["grants"] += 1
        elif kind is Kind.WRITE_ACK:
            self.counters["write_acks"] += 1
        elif kind.packet_class is PacketClass.KERNEL:
            self.counters[f"received.{kind.value}"] += 1
            if self.on_message is not None:
                self.on_message(p)

    def _data(self, p: Packet) -> None:
        req = self.pending.get(p.req_id)
        if req is None:
            self.counters["stale_data"] += 1
            return
        req.in_flight = False
        if req.poisoned:
            self.counters["retries_after_invalidation"] += 1
            self._send_fetch(req)
            return
        del self.pending[p.req_id]
        assert p.data is not None
        page = self.pages.get(req.fva)
        if page is None:
            self._make_room()
            self.store.install(req.fva, p.data, req.write)
            self.pages[req.fva] = CachedPage(writable=req.write,
                                             dirty=req.write and self.dirty_on_grant)
        else:
            # An upgrade: the copy held is clean and equal to what came (S is clean).
            if req.write and not page.writable:
                self.store.install(req.fva, p.data, True)
            page.writable = page.writable or req.write
            page.dirty = page.dirty or (req.write and self.dirty_on_grant)
            self.pages.move_to_end(req.fva)
        self.counters["installed"] += 1
        self._finish(req, True)

    def _finish(self, req: Pending, ok: bool) -> None:
        waiters = self._in_flight.pop(req.fva, [])
        req.done(ok)
        for write, done in waiters:
            if ok and self.holds(req.fva, write):
                done(True)
            else:
                self.fetch(req.fva, write, done)

    def _nack(self, p: Packet) -> None:
        req = self.pending.get(p.req_id)
        if req is None:
            return
        req.in_flight = False
        self.counters["nacks"] += 1
        costs = self.costs
        step = min(req.tries, costs.nack_max_backoff)
        delay = costs.nack_backoff_ns + step * costs.nack_backoff_ns * self._rng.randrange(256) // 256
        self.loop.after(delay, self._send_fetch, req)

    def _make_room(self) -> None:
        while len(self.pages) >= self.capacity:
            fva, page = next(iter(self.pages.items()))
            self.evict(fva, page)

    def evict(self, fva: int, page: CachedPage) -> None:
        """Give a page up: a dirty one is written back first."""
        if page.dirty:
            self._push(Kind.PUSH_OTHER, fva, self.store.read(fva))
            self.counters["writebacks"] += 1
        self.store.drop(fva)
        del self.pages[fva]
        self.counters["evictions"] += 1
        if self.page_observer is not None:
            self.page_observer(fva)

    def _push(self, kind: Kind, fva: int, data: bytes | None, requester: str = "",
              req_id: int = 0) -> None:
        size = self.costs.page_wire_bytes if data is not None else self.costs.header_bytes
        self._send(Packet(kind, self.name, "switch", fva, req_id=req_id,
                          requester=requester or self.name, data=data, size=size))

    def _busy_region(self, base: int, end: int) -> bool:
        return any(r.in_flight and base <= r.fva < end for r in self.pending.values())

    def _run_deferred(self) -> None:
        while self._deferred:
            for i, p in enumerate(self._deferred):
                base, size = p.region
                if not self._busy_region(base, base + size):
                    del self._deferred[i]
                    self._invalidate(p)
                    break
            else:
                return

    def _invalidate(self, p: Packet) -> None:
        """Give a region up.  An invalidation asking for data is sent to the region's owner,
        so a fetch of ours in flight there was granted before it: finish that fetch first (its
        data is on the way; the directory waits for our FIN), as a blocking directory's
        protocol does.  Any other invalidation overtook an ungranted or read-only fetch,
        which is retried instead of installed."""
        base, size = p.region
        end = base + size
        if p.data_req and self._busy_region(base, end):
            self.counters["deferred_invalidations"] += 1
            self._deferred.append(p)
            return
        for req in self.pending.values():
            if base <= req.fva < end:
                req.poisoned = True
        held = sorted(f for f in self.pages if base <= f < end)
        false_pages = 0
        sent_target = False
        for fva in held:
            page = self.pages[fva]
            target = fva == p.fva
            if target and p.data_req:
                self._push(Kind.PUSH_TARGET, fva, self.store.read(fva), p.requester, p.req_id)
                sent_target = True
            elif page.dirty:
                self._push(Kind.PUSH_OTHER, fva, self.store.read(fva))
                self.counters["writebacks"] += 1
                if not target:
                    self.counters["false_writebacks"] += 1
            if not target:
                false_pages += 1
            if p.downgrade:
                self.store.make_readonly(fva)
                page.writable = False
                page.dirty = False
            else:
                self.store.drop(fva)
                del self.pages[fva]
                if self.page_observer is not None:
                    self.page_observer(fva)
        if p.data_req and not sent_target:
            self._push(Kind.PUSH_DUMMY, p.fva, None, p.requester, p.req_id)
        self.counters["invalidated_pages"] += len(held)
        self.counters["false_invalidations"] += false_pages
        fin = Packet(Kind.FIN, self.name, "switch", p.fva, req_id=p.req_id, requester=p.requester,
                     false_pages=false_pages, size=self.costs.header_bytes)
        self._send(fin)

    def statistics(self) -> dict[str, int]:
        out = {f"{self.name}.{k}": v for k, v in sorted(self.counters.items())}
        out[f"{self.name}.resident_pages"] = len(self.pages)
        return out
