"""Kernel-to-kernel messages on a rack: forwarded system calls, remote wake-ups, shootdowns
and the areas of a process.

A process's state (areas, descriptors, signal actions, futex queues, threads) is held by the
kernel of its home blade.  A thread placed on another blade that makes a call needing that
state sends it there: a SYSCALL_REQ carrying the number, the arguments and the bytes the call
reads from the caller's memory; the home serves it and answers with a SYSCALL_REPLY carrying
the result and the bytes the call writes back.  A call that sleeps gets no reply until it is
woken: the WAKE from the home is its reply.  Wake-ups the home issues while serving a call
leave once the request has arrived.  Calls that concern only the calling thread or its blade
(the clock, its signal mask, yielding, sleeping) are served by the thread's own blade.

When the home takes memory back (munmap, mprotect, fork's write-back, exit), every other blade
running the process gets a SHOOTDOWN for the range and answers with an ACK once it has dropped
(or written back) its pages, as a TLB shootdown's interrupts would; the home waits for all of
them.  Each blade keeps its own copy of the process's areas for its fault handler: after the
home changes the areas, a blade's next fault first asks for them again (AREAS_REQ/REPLY).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from emulator.rack.packets import Kind, Packet
from kernel_model.gcs_calls import GCS_RLOCK, GCS_UNLOCK, GCS_WLOCK
from kernel_model.process import ThreadState
from kernel_model.uaccess import UserAccess

if TYPE_CHECKING:
    from kernel_model.blade import RackRuntime
    from kernel_model.process import Thread

# Served by the caller's own blade: they read or change only the thread, the blade's clock or
# values fixed for the process's life; GCS's lock calls go from the blade straight to the switch.
BLADE_LOCAL_CALLS = frozenset(NUMBERS[name] for name in (
    "gettid", "getpid", "sched_yield", "clock_gettime", "clock_getres", "gettimeofday",
    "nanosleep", "clock_nanosleep", "rt_sigprocmask", "sigaltstack", "set_robust_list",
    "get_robust_list", "set_tid_address", "uname", "sched_getaffinity")) | {
    GCS_RLOCK, GCS_WLOCK, GCS_UNLOCK}

RESULT_BYTES = 8
SHOOTDOWN_BYTES = 24     # the process, the range's start and end
AREA_BYTES = 32          # one area: start, end, permissions, backing


class CountingUserAccess(UserAccess):
    """User-memory access that counts the bytes a call reads and writes (what a forwarded
    call's request and reply must carry)."""

    bytes_in = 0
    bytes_out = 0
    _in_string = 0

    def reset(self) -> None:
        self.bytes_in = self.bytes_out = 0

    def read(self, va: int, n: int) -> bytes:
        if not self._in_string:
            self.bytes_in += n
        return super().read(va, n)

    def write(self, va: int, data: bytes | bytearray | memoryview) -> None:
        self.bytes_out += len(data)
        super().write(va, data)

    def read_cstring(self, va: int, limit: int = 4096) -> bytes:
        # Read page by page underneath; the message carries only the string and its NUL.
        self._in_string += 1
        try:
            out = super().read_cstring(va, limit)
        finally:
            self._in_string -= 1
        self.bytes_in += len(out) + 1
        return out


class KernelMessages:
    """The blades' kernels talking to the homes, on the rack's event loop."""

    def __init__(self, rt: RackRuntime) -> None:
        self.rt = rt
        self._arrived: set[tuple[Kind, int]] = set()
        self._held: list[tuple[int, Thread]] | None = None
        self._shootdowns: dict[int, tuple[Callable[[int], None], int, list[int]]] = {}
        self._next_ref = 0
        for agent in rt.rack.agents:
            agent.on_message = self._receive

    def _receive(self, p: Packet) -> None:
        rt = self.rt
        if p.kind is Kind.WAKE:
            t = rt.kernel.threads.get(p.req_id)
            if t is not None:
                rt.kernel.sched.arrived(t)
            rt.counters["wakes_delivered"] += 1
        elif p.kind is Kind.SHOOTDOWN:
            rt.rack.loop.after(rt.spec.costs.invalidation_handler_ns, self._shoot, p)
        elif p.kind is Kind.SHOOTDOWN_ACK:
            _, _, left = self._shootdowns[p.req_id]
            left.remove(int(p.src[2:]))
            if not left:
                self._arrived.add((p.kind, p.req_id))
        else:
            self._arrived.add((p.kind, p.req_id))

    def _shoot(self, p: Packet) -> None:
        """A blade's kernel serves a shootdown: its pages of the range go, then the ACK."""
        give_up, home, _ = self._shootdowns[p.req_id]
        blade = int(p.dst[2:])
        give_up(blade)
        self._send(Kind.SHOOTDOWN_ACK, blade, home, p.req_id, 0)

    def _send(self, kind: Kind, src: int, dst: int, tid: int, payload: int) -> None:
        rt = self.rt
        rt.rack.agents[src].send_message(kind, rt.rack.agents[dst].name, tid,
                                         rt.spec.costs.header_bytes + payload)

    def _await(self, kind: Kind, tid: int) -> None:
        key = (kind, tid)
        self.rt.rack.loop.run(until=lambda: key in self._arrived)
        self._arrived.discard(key)

    def forward(self, t: Thread, blade: int, home: int, serve: Callable[[], None]) -> None:
        """Thread `t` on `blade` makes a call its home serves: request, service, reply."""
        rt = self.rt
        costs = rt.spec.costs
        loop = rt.rack.loop
        ua = rt.kernel.uaccess
        assert isinstance(ua, CountingUserAccess)
        ua.reset()
        rt.acting_blade = home
        self._held = []
        try:
            serve()             # what it fetches or shoots down is charged on its own
        finally:
            rt.acting_blade = None
            held, self._held = self._held, None
        bytes_in, bytes_out = ua.bytes_in, ua.bytes_out
        start = rt._sync()
        tid = t.tid
        self._send(Kind.SYSCALL_REQ, blade, home, tid, costs.syscall_args_bytes + bytes_in)
        self._await(Kind.SYSCALL_REQ, tid)
        served = loop.now + costs.rpc_handler_ns
        for src, woken in held:
            loop.at(served, self._wake_now, src, woken)
        answered = t.state == ThreadState.RUNNABLE and t.tid in rt.kernel.threads
        if answered:
            loop.at(served, self._send, Kind.SYSCALL_REPLY, home, blade, tid,
                    RESULT_BYTES + bytes_out)
            self._await(Kind.SYSCALL_REPLY, tid)
            end = loop.now + costs.rpc_handler_ns
        else:
            end = served
        loop.advance_to(end)
        rt._charge(start, end)
        rt.counters["remote_syscalls"] += 1
        rt.counters["remote_syscall_bytes_in"] += bytes_in
        rt.counters["remote_syscall_bytes_out"] += bytes_out
        rt.nodes[blade].counters["calls_forwarded"] += 1
        rt.nodes[home].counters["calls_served"] += 1

    def _wake_now(self, src: int, t: Thread) -> None:
        self._send(Kind.WAKE, src, self.rt.blade_of(t), t.tid, RESULT_BYTES)

    def send_wake(self, t: Thread, blade: int) -> bool:
        """A wake-up for `t`, asleep on `blade`: a WAKE message unless it is issued there."""
        rt = self.rt
        src = rt.acting_blade
        if src is None or src == blade:
            return False
        rt.counters["wakes_remote"] += 1
        if self._held is not None:
            self._held.append((src, t))
        else:
            self._wake_now(src, t)
        return True

    def shootdown(self, blades: list[int], give_up: Callable[[int], None]) -> None:
        """The acting blade (the home) takes memory back: `give_up(blade)` runs on itself at
        once and on each other blade in `blades` when its SHOOTDOWN arrives; the home waits
        for every ACK."""
        rt = self.rt
        home = rt.acting_blade if rt.acting_blade is not None else rt.current_blade
        give_up(home)
        others = [b for b in blades if b != home]
        if not others:
            return
        start = rt._sync()
        self._next_ref += 1
        ref = self._next_ref
        self._shootdowns[ref] = (give_up, home, list(others))
        for blade in others:
            self._send(Kind.SHOOTDOWN, home, blade, ref, SHOOTDOWN_BYTES)
        self._await(Kind.SHOOTDOWN_ACK, ref)
        del self._shootdowns[ref]
        rt._charge(start, rt.rack.loop.now)
        rt.counters["shootdowns"] += 1
        rt.counters["shootdown_messages"] += len(others)

    def fetch_areas(self, blade: int, home: int, areas: int) -> None:
        """`blade`'s copy of a process's areas is stale: ask the home for them."""
        rt = self.rt
        start = rt._sync()
        self._next_ref += 1
        ref = self._next_ref
        self._send(Kind.AREAS_REQ, blade, home, ref, 8)
        self._await(Kind.AREAS_REQ, ref)
        rt.rack.loop.after(rt.spec.costs.rpc_handler_ns, self._send, Kind.AREAS_REPLY, home,
                           blade, ref, AREA_BYTES * areas)
        self._await(Kind.AREAS_REPLY, ref)
        rt._charge(start, rt.rack.loop.now + rt.spec.costs.rpc_handler_ns)
        rt.counters["area_refreshes"] += 1
