"""MIND's 15-byte memory-trace records, and a generator of synthetic traces.

MIND's traces (a modified Intel PIN tool, one file per thread) hold fixed 15-byte records:

* read / write: op (1 B) | address (6 B) | timestamp (8 B)
* mmap / munmap: op (1 B) | delta-t (4 B) | start (6 B) | length (4 B)
* brk: op (1 B) | new break (6 B) | timestamp (8 B)

All little-endian.  The op byte values are assumed here ('r', 'w', 'm', 'u', 'b').
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

RECORD = 15
OP_READ, OP_WRITE, OP_MMAP, OP_MUNMAP, OP_BRK = b"r"[0], b"w"[0], b"m"[0], b"u"[0], b"b"[0]
PAGE = 4096


class TraceFormatError(ValueError):
    pass


@dataclass(frozen=True)
class Record:
    op: int
    addr: int = 0        # access address, area start or new break
    time: int = 0        # timestamp (accesses, brk) or delta-t (mmap/munmap)
    length: int = 0      # mmap/munmap


def _u48(value: int) -> bytes:
    if not 0 <= value < 1 << 48:
        raise TraceFormatError(f"address {value:#x} does not fit 6 bytes")
    return value.to_bytes(6, "little")


def encode(records: list[Record]) -> bytes:
    out = bytearray()
    for r in records:
        if r.op in (OP_READ, OP_WRITE, OP_BRK):
            out += bytes([r.op]) + _u48(r.addr) + r.time.to_bytes(8, "little")
        elif r.op in (OP_MMAP, OP_MUNMAP):
            out += (bytes([r.op]) + r.time.to_bytes(4, "little") + _u48(r.addr)
                    + r.length.to_bytes(4, "little"))
        else:
            raise TraceFormatError(f"unknown op {r.op!r}")
    return bytes(out)


def decode(data: bytes) -> Iterator[Record]:
    if len(data) % RECORD:
        raise TraceFormatError(f"a trace is a whole number of 15-byte records, not {len(data)} "
                               "bytes")
    for off in range(0, len(data), RECORD):
        op = data[off]
        if op in (OP_READ, OP_WRITE, OP_BRK):
            yield Record(op, int.from_bytes(data[off + 1:off + 7], "little"),
                         int.from_bytes(data[off + 7:off + 15], "little"))
        elif op in (OP_MMAP, OP_MUNMAP):
            yield Record(op, int.from_bytes(data[off + 5:off + 11], "little"),
                         int.from_bytes(data[off + 1:off + 5], "little"),
                         int.from_bytes(data[off + 11:off + 15], "little"))
        else:
            raise TraceFormatError(f"record {off // RECORD}: unknown op byte {op:#04x}")


@dataclass(frozen=True)
class Contention:
    """A synthetic load: private accesses (chunks owned by one thread, interleaved in memory)
    and accesses to a shared hot set."""

    name: str
    shared_fraction: float
    shared_write_fraction: float
    private_write_fraction: float


LOW = Contention("low", shared_fraction=0.02, shared_write_fraction=0.0,
                 private_write_fraction=0.3)
HIGH = Contention("high", shared_fraction=0.3, shared_write_fraction=0.5,
                  private_write_fraction=0.3)
CONTENTION = {c.name: c for c in (LOW, HIGH)}


def synthetic(threads: int, accesses: int, footprint: int, load: Contention, seed: int,
              chunk: int = 64 << 10, shared_pages: int = 64, working_set: int = 96,
              base: int = 0x10_0000_0000) -> list[bytes]:
    """One 15-byte-record trace per thread.  The area starts with `shared_pages` shared pages;
    the rest is cut into `chunk`-sized pieces dealt to the threads round-robin, so neighbouring
    pieces belong to different threads (what makes large coherence regions share falsely).
    Each thread walks a moving window of `working_set` of its pages, and once over its whole
    share so that the footprint is really touched."""
    rng = random.Random(seed)
    pages_per_chunk = chunk // PAGE
    chunks = (footprint - shared_pages * PAGE) // chunk
    traces = []
    for t in range(threads):
        mine = list(range(t, chunks, threads))
        own_pages = [base + shared_pages * PAGE + c * chunk + p * PAGE
                     for c in mine for p in range(pages_per_chunk)]
        recs = [Record(OP_MMAP, base, 0, footprint)] if t == 0 else []
        ts = 0
        cursor = 0
        for i in range(accesses):
            ts += 100
            if rng.random() < load.shared_fraction:
                addr = base + rng.randrange(shared_pages) * PAGE
                write = rng.random() < load.shared_write_fraction
            else:
                if i % 4 == 0:                       # the window moves over the whole share
                    cursor = (cursor + 1) % len(own_pages)
                addr = own_pages[(cursor + rng.randrange(working_set)) % len(own_pages)]
                write = rng.random() < load.private_write_fraction
            recs.append(Record(OP_WRITE if write else OP_READ, addr + rng.randrange(0, PAGE, 8), ts))
        traces.append(encode(recs))
    return traces


def from_recording(path: str) -> list[bytes]:
    """15-byte traces, one per guest thread, from a Blindfold trace recorded with
    ``--trace-level mem`` (loads and stores by virtual address).  The first trace also
    announces every 2 MiB chunk the program touched as an mmap record, so a replay can register
    the areas with the switch."""
    from emulator.tracing.store import TraceFile

    per_tid: dict[int, list[Record]] = {}
    chunks: set[int] = set()
    with TraceFile.open(path) as trace:
        for ev in trace.iter_events(kind="mem", with_regs=False):
            if ev.data.get("physical"):
                continue                       # not mapped by the kernel: no virtual address
            op = OP_WRITE if ev.data.get("write") else OP_READ
            per_tid.setdefault(ev.tid, []).append(Record(op, ev.addr, ev.time))
            chunks.add(ev.addr & ~((2 << 20) - 1))
    if not per_tid:
        raise TraceFormatError(f"{path} holds no memory accesses: record it with "
                               "--trace-level mem")
    tids = sorted(per_tid)
    areas = [Record(OP_MMAP, c, 0, 2 << 20) for c in sorted(chunks)]
    return [encode((areas if i == 0 else []) + per_tid[tid]) for i, tid in enumerate(tids)]
