"""Recording real workloads and asking the store what the inspector asks.

Traces are recorded next to a plain list sink on the same event bus, so every answer the store
gives can be checked against the events exactly as they were emitted, not against the store's
own reconstruction.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from trace_rows import table_rows

from cli.session import load_image, resolve_program, run_program
from emulator.errors import UsageError
from emulator.machine import Machine
from emulator.machine_config import load_machine
from emulator.trace import TraceEvent
from emulator.tracing import REG_NAMES, TraceFile, TraceFileError, attach_recorder
from emulator.tracing.schema import SNAPSHOT_EVERY
from emulator.tracing.writer import register_values
from kernel_model.kernel import Kernel, KernelOptions


class ListSink:
    """Keeps every event as emitted: the reference the store is checked against."""

    def __init__(self) -> None:
        self.events: list[TraceEvent] = []

    def record(self, event: TraceEvent) -> None:
        self.events.append(event)

    def close(self) -> None:
        pass


@dataclass
class Recording:
    path: Path
    emitted: list[TraceEvent]
    stats: dict[str, int]
    stdout: bytes


def record(program: str, args: list[str], level: str, path: Path, rootfs: Path) -> Recording:
    """Boot `program` as cli.session does, with a recorder and a reference sink attached."""
    host, shown = resolve_program(program)
    image = load_image(host, shown)
    (rootfs / "bin").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(host, rootfs / "bin" / host.name)
    hw = Machine(load_machine(None))
    attach_recorder(hw, path, level, {"command": ["test", program, *args]})
    sink = ListSink()
    hw.tracer.attach(sink, level)
    out = io.BytesIO()
    opts = KernelOptions(rootfs=rootfs, stdout=out, stderr=io.BytesIO())
    kernel = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, opts)
    guest = f"/bin/{host.name}"
    kernel.spawn_init(image, guest, [guest.encode(), *(a.encode() for a in args)])
    try:
        status = kernel.run()
    finally:
        hw.tracer.close()
    assert status == 0
    stats = hw.statistics()
    stats.update(kernel.stats.snapshot())
    # An exception's event is delivered when its handler returns, after the events the
    # handler emitted, but it keeps the place it took at entry: compare in seq order.
    emitted = sorted(sink.events, key=lambda e: e.seq)
    return Recording(path, emitted, stats, out.getvalue())


@pytest.fixture(scope="module")
def hello(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    d = tmp_path_factory.mktemp("hello")
    return record("hello", ["a", "bc"], "events", d / "hello.trace", d / "root")


@pytest.fixture(scope="module")
def busy_mem(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    d = tmp_path_factory.mktemp("busy")
    return record("busyloop", ["1000"], "mem", d / "busy.trace", d / "root")


def _plain(value: Any) -> Any:
    """Emitted data as the store gives it back: tuples become lists, a raw register block
    the list of its values."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: register_values(v) if k == "regs" else _plain(v) for k, v in value.items()}
    return value


def _regs(ev: TraceEvent) -> list[int]:
    return register_values(ev.data["regs"])


def _register_events(rec: Recording) -> list[TraceEvent]:
    return [e for e in rec.emitted if "regs" in e.data]


# --- recording ----------------------------------------------------------------------------
def test_every_event_round_trips(hello: Recording) -> None:
    with TraceFile.open(hello.path) as tf:
        stored = tf.events()
        assert tf.count() == len(hello.emitted) == len(stored)
        for got, want in zip(stored, hello.emitted, strict=True):
            assert (got.seq, got.time, got.kind, got.cpu, got.pid, got.tid, got.pc, got.addr) == (
                want.seq, want.time, want.kind, want.cpu, want.pid, want.tid, want.pc, want.addr)
            assert got.data == _plain(want.data)
        assert tf.kinds() == {k: sum(e.kind == k for e in hello.emitted)
                              for k in {e.kind for e in hello.emitted}}
        assert tf.time_range() == (hello.emitted[0].time, hello.emitted[-1].time)


def test_header(hello: Recording) -> None:
    with TraceFile.open(hello.path) as tf:
        h = tf.header
    assert h["format"] == "blindfold-trace" and h["schema_version"] == 2
    assert h["level"] == "events" and h["complete"] is True
    for key in ("blindfold_version", "unicorn_version", "python_version", "machine_digest",
                "seed"):
        assert h[key] not in (None, "")
    assert h["command"] == ["test", "hello", "a", "bc"]
    assert list(h["reg_names"]) == list(REG_NAMES)


def test_syscall_count_matches_kernel_stats(hello: Recording) -> None:
    handled = sum(v for k, v in hello.stats.items() if k.startswith("kernel.syscalls."))
    with TraceFile.open(hello.path) as tf:
        assert tf.kinds()["syscall"] == handled
        assert len(tf.events(kind="syscall")) == handled
        assert sum(tf.stats()["syscalls"].values()) == handled


def test_write_syscall_arguments(hello: Recording) -> None:
    with TraceFile.open(hello.path) as tf:
        writes = [e for e in tf.events(kind="syscall") if e.data["name"] == "write"]
        assert writes
        assert all(e.data["args"][0] == 1 for e in writes)       # stdout
        assert sum(e.data["args"][2] for e in writes) == len(hello.stdout)
        assert all(e.data["result"] == e.data["args"][2] for e in writes)
        assert all(e.data["cycles"] > 0 and e.data["vector"] == "kernel" for e in writes)
        assert "syscall_return" not in tf.kinds() and "regs" not in tf.kinds()


def test_registers_at_matches_register_records(hello: Recording) -> None:
    regs_events = _register_events(hello)
    assert len(regs_events) > SNAPSHOT_EVERY // 2
    assert {e.kind for e in regs_events} == {"exception", "syscall"}
    with TraceFile.open(hello.path) as tf:
        for ev in regs_events:
            want = dict(zip(REG_NAMES, _regs(ev), strict=True))
            assert tf.registers_at(ev.seq) == want
            inner = tf.event(ev.seq + 1)    # what the handler did sees the same registers
            if inner is not None and inner.tid == ev.tid and "regs" not in inner.data:
                assert tf.registers_at(inner.seq) == want
            stored = tf.event(ev.seq)
            assert stored is not None and stored.data["regs"] == _regs(ev)
        assert tf.registers_at(1) is None              # boot, before any thread ran


def test_changed_registers_and_last_reg_write(hello: Recording) -> None:
    regs_events = _register_events(hello)
    with TraceFile.open(hello.path) as tf:
        assert tf.changed_registers(regs_events[0].seq) == set(REG_NAMES)
        for prev, cur in zip(regs_events, regs_events[1:], strict=False):
            if prev.tid != cur.tid:
                continue
            want = {n for n, a, b in zip(REG_NAMES, _regs(prev), _regs(cur), strict=True)
                    if a != b}
            assert tf.changed_registers(cur.seq) == want
        last = regs_events[-1]
        w = tf.last_reg_write(last.seq + 1, "x0")
        assert w is not None and w.kind in ("exception", "syscall") and w.seq <= last.seq
        assert tf.registers_at(w.seq)["x0"] == _regs(last)[0]   # type: ignore[index]
        assert "x0" in tf.changed_registers(w.seq)
        with pytest.raises(ValueError):
            tf.last_reg_write(last.seq, "x99")


def test_last_write_finds_pte_write(hello: Recording) -> None:
    ptes = [e for e in hello.emitted if e.kind == "pte_write"]
    entry = ptes[5].data["table"] + 8 * ptes[5].data["index"]
    writers = [e.seq for e in ptes if e.data["table"] + 8 * e.data["index"] == entry]
    with TraceFile.open(hello.path) as tf:
        found = tf.last_write(hello.emitted[-1].seq + 1, entry)
        assert found is not None and found.kind == "pte_write" and found.seq == writers[-1]
        assert tf.last_write(writers[0], entry) is None            # strictly before
        assert tf.last_write(writers[0] + 1, entry + 3).seq == writers[0]  # type: ignore[union-attr]


def test_first_appearance_of_a_syscall_result(hello: Recording) -> None:
    with TraceFile.open(hello.path) as tf:
        brk = next(e for e in tf.events(kind="syscall") if e.data["name"] == "brk")
        value = brk.data["result"]
        found = tf.first_appearance(value)
        assert found is not None and found.seq > brk.seq
        regs = tf.registers_at(found.seq)      # the next register record after the return
        assert regs is not None and value in regs.values()
        assert any(regs[r] == value for r in tf.changed_registers(found.seq))
        assert tf.first_appearance(value, seq0=tf.count() + 1) is None
        assert tf.first_appearance(0x1234_5678_9ABC_DEF1) is None


def test_event_queries(hello: Recording) -> None:
    em = hello.emitted
    with TraceFile.open(hello.path) as tf:
        assert [e.seq for e in tf.events(kind=["syscall", "page_fault"])] == [
            e.seq for e in em if e.kind in ("syscall", "page_fault")]
        assert [e.seq for e in tf.events(pid=1, limit=5, offset=3)] == [
            e.seq for e in em if e.pid == 1][3:8]
        assert [e.seq for e in tf.events(reverse=True, limit=3)] == [e.seq for e in em[-3:]][::-1]
        mid = em[len(em) // 2].time
        assert all(e.time >= mid for e in tf.events(t0=mid))
        assert [e.seq for e in tf.events(t0=mid, t1=mid)] == [e.seq for e in em if e.time == mid]
        assert [e.seq for e in tf.events(seq0=10, seq1=12)] == [10, 11, 12]
        fault = next(e for e in em if e.kind == "page_fault")
        assert fault.seq in [e.seq for e in tf.events(addr=fault.addr)]
        assert fault.seq in [e.seq for e in tf.events(pc=fault.pc)]
        assert all(e.kind == "syscall" and e.data["name"] == "write"
                   for e in tf.events(kind="syscall", search="write"))
        assert tf.events(kind="no_such_kind") == []
        assert tf.event(0) is None and tf.event(em[-1].seq + 1) is None
        nxt = tf.neighbour(1, kind="syscall")
        assert nxt is not None and nxt.seq == next(e.seq for e in em if e.kind == "syscall")
        back = tf.neighbour(nxt.seq, direction=-1)
        assert back is not None and back.seq == nxt.seq - 1
        at = tf.at_time(mid)
        assert at is not None and at.seq == next(e.seq for e in em if e.time >= mid)
        assert tf.at_time(em[-1].time + 1) is None
        assert tf.decisions() == []


def test_bookmarks(hello: Recording, tmp_path: Path) -> None:
    copy = tmp_path / "marks.trace"
    shutil.copyfile(hello.path, copy)
    with TraceFile.open(copy) as tf:
        tf.add_bookmark(20, "first")
        tf.add_bookmark(7, "earlier")
    with TraceFile.open(copy) as tf:
        assert tf.bookmarks() == [(7, "earlier"), (20, "first")]


def test_stats(hello: Recording) -> None:
    with TraceFile.open(hello.path) as tf:
        st = tf.stats()
    assert st["events"] == len(hello.emitted) and st["level"] == "events"
    assert st["exceptions"] and st["page_faults"] and st["processes"]["1"] > 0


# --- instruction and memory levels ----------------------------------------------------------
def test_insn_registers_and_memory(busy_mem: Recording) -> None:
    em = busy_mem.emitted
    insns = [e for e in em if e.kind == "insn"]
    assert len(insns) > 1000
    with TraceFile.open(busy_mem.path) as tf:
        for ev in insns[:: max(1, len(insns) // 300)]:
            want = dict(zip(REG_NAMES, _regs(ev), strict=True))
            assert tf.registers_at(ev.seq) == want and want["pc"] == ev.pc
        page = tf.events(kind="insn", offset=500, limit=50)
        assert [e.data["regs"] for e in page] == [_regs(e) for e in insns[500:550]]
        stores = [e for e in em if e.kind == "mem" and e.data["write"] and "pa" in e.data]
        assert stores
        for st in stores[:: max(1, len(stores) // 100)]:
            size = st.data["size"]
            got = tf.memory_at(st.seq, st.addr, size)
            assert got == st.data["value"].to_bytes(8, "little")[:size]
            found = tf.last_write(st.seq + 1, st.addr)
            assert found is not None and found.seq == st.seq
        assert tf.memory_at(em[-1].seq, 0x10, 8) is None
        value = next(s.data["value"] for s in reversed(stores) if s.data["value"] > 0xFFFF)
        appeared = tf.first_appearance(value)
        assert appeared is not None and appeared.seq <= max(s.seq for s in stores
                                                            if s.data["value"] == value)


def test_blocks_level_has_blocks_only(tmp_path: Path) -> None:
    rec = record("busyloop", ["200"], "blocks", tmp_path / "b.trace", tmp_path / "root")
    with TraceFile.open(rec.path) as tf:
        kinds = tf.kinds()
    assert kinds["block"] > 100 and "insn" not in kinds and "mem" not in kinds


def test_events_level_installs_no_instruction_hooks(hello: Recording) -> None:
    assert not {"block", "insn", "mem"} & {e.kind for e in hello.emitted}


def test_unknown_level_is_a_usage_error(tmp_path: Path) -> None:
    hw = Machine(load_machine(None))
    with pytest.raises(UsageError):
        attach_recorder(hw, tmp_path / "x.trace", "everything", {})


# --- determinism ------------------------------------------------------------------------
@pytest.mark.parametrize(("program", "args", "level"), [("hello", ["x"], "events"),
                                                        ("busyloop", ["300"], "mem")])
def test_same_run_same_trace(tmp_path: Path, program: str, args: list[str], level: str) -> None:
    paths = [tmp_path / f"run{i}.trace" for i in range(2)]
    for p in paths:
        result = run_program(program, args, stdout=io.BytesIO(), stderr=io.BytesIO(), trace=p,
                             trace_level=level)
        assert result.exit_code == 0
    first, second = (table_rows(p) for p in paths)
    assert first["events"] and first == second           # every table, header included


def test_rerecording_replaces_the_file(hello: Recording, tmp_path: Path) -> None:
    p = tmp_path / "again.trace"
    p.write_text("not a trace")
    run_program("hello", [], stdout=io.BytesIO(), stderr=io.BytesIO(), trace=p)
    with TraceFile.open(p) as tf:
        assert tf.count() > 0


def test_unwritable_trace_path_is_a_trace_error(tmp_path: Path) -> None:
    hw = Machine(load_machine(None))
    with pytest.raises(TraceFileError, match="cannot create"):
        attach_recorder(hw, tmp_path / "missing-dir" / "x.trace", "events", {})
