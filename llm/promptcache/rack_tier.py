"""A module-store tier on the rack's memory blades, reached through the switch.

Each stored module is an area allocated by the rack's control plane (so it lives on a memory
blade, at a translation the switch holds, with protection for this store's process id). Writing
fetches each page with write permission into the compute blade's DRAM, fills it and writes it
back (a dirty eviction: the page travels to the memory blade). Reading fetches every page
read-only through the switch, copies it out and drops it, a window at a time so the blade's page
cache never evicts a page before it is read.

All of this runs on the rack's discrete-event network, so a read costs *modelled* time
(``last_read_ns``), which the cache reports beside the measured compute time; the wall-clock time
the simulation itself takes is not part of the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["RackTier"]

PID = 0x7C0          # the process id the module store's areas belong to
WINDOW = 256         # pages in flight per read window


@dataclass
class _Area:
    va: int
    length: int


class RackTier:
    name = "rack"

    def __init__(self, rack: Any | None = None, blade: int = 0, pid: int = PID) -> None:
        from emulator.rack import Rack, RackSpec  # the rack is optional for the LLM room
        from emulator.rack.costs import PAGE
        from emulator.rack.packets import make_fva
        self._page = PAGE
        self._make_fva = make_fva
        self.rack = rack or Rack(RackSpec(compute_blades=1, memory_blades=2,
                                          memory_blade_size=4 << 30,
                                          blade_dram=(4 * WINDOW) * PAGE))
        self.agent = self.rack.agents[blade]
        self.pid = pid
        self.areas: dict[str, _Area] = {}
        self.last_read_ns = 0
        self.read_ns = 0
        self.write_ns = 0
        self.pages_read = 0
        self.pages_written = 0

    def _run(self, pending: set[int]) -> None:
        self.rack.loop.run(until=lambda: not pending)
        if pending:
            raise RuntimeError(f"the rack left {len(pending)} page fetches unanswered")

    def _fetch(self, fvas: list[int], write: bool) -> None:
        pending: set[int] = set()
        failed: list[int] = []
        for fva in fvas:
            pending.add(fva)

            def done(ok: bool, fva: int = fva) -> None:
                pending.discard(fva)
                if not ok:
                    failed.append(fva)
            self.agent.fetch(fva, write, done)
        self._run(pending)
        if failed:
            raise PermissionError(f"the switch denied {len(failed)} module pages")

    def write(self, key: str, blob: bytes) -> None:
        if key in self.areas:
            self.delete(key)
        page = self._page
        start = self.rack.loop.now
        va = self.rack.control.mmap(self.pid, max(len(blob), 1))
        self.areas[key] = _Area(va, len(blob))
        data = memoryview(blob)
        for lo in range(0, len(blob), WINDOW * page):
            chunk = range(lo, min(len(blob), lo + WINDOW * page), page)
            fvas = [self._make_fva(self.pid, va + off) for off in chunk]
            self._fetch(fvas, write=True)
            for off, fva in zip(chunk, fvas, strict=True):
                piece = bytes(data[off:off + page])
                self.agent.store.install(fva, piece + bytes(page - len(piece)), True)
                self.agent.mark_dirty(fva)
                self.agent.evict(fva, self.agent.pages[fva])   # written back to the blade
            self.pages_written += len(fvas)
        self.rack.loop.run()
        self.write_ns += self.rack.loop.now - start

    def read(self, key: str) -> memoryview | None:
        area = self.areas.get(key)
        if area is None:
            return None
        page = self._page
        out = bytearray(area.length)
        start = self.rack.loop.now
        for lo in range(0, area.length, WINDOW * page):
            chunk = range(lo, min(area.length, lo + WINDOW * page), page)
            fvas = [self._make_fva(self.pid, area.va + off) for off in chunk]
            self._fetch(fvas, write=False)
            for off, fva in zip(chunk, fvas, strict=True):
                n = min(page, area.length - off)
                out[off:off + n] = self.agent.store.read(fva)[:n]
                self.agent.evict(fva, self.agent.pages[fva])   # clean: just dropped
            self.pages_read += len(fvas)
        self.last_read_ns = self.rack.loop.now - start
        self.read_ns += self.last_read_ns
        return memoryview(out)

    def delete(self, key: str) -> None:
        area = self.areas.pop(key, None)
        if area is not None:
            self.rack.control.munmap(self.pid, area.va, area.length)

    def sizes(self) -> dict[str, int]:
        return {k: a.length for k, a in self.areas.items()}

    def statistics(self) -> dict[str, int]:
        return {"modelled_read_ns": self.read_ns, "modelled_write_ns": self.write_ns,
                "pages_read": self.pages_read, "pages_written": self.pages_written}
