"""The trace inspector: the navigation model, disassembly, and the Textual app driven headless.

Everything runs on real trace files written by the real recorder: one recorded run of the
`hello` workload (mem level, so registers, stores and instructions are all there) and one small
trace built from hand-made events, for what a short run cannot be relied on to produce (Guardian
denials, stores to a chosen address).
"""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from cli.inspector import QueryError, event_to_dict, inspect_trace, parse_int, summarize
from cli.inspector.disasm import CodeReader, program_path
from cli.inspector.model import Filter, InspectorModel
from cli.session import run_program
from emulator.trace import TraceEvent
from emulator.tracing.recorder import record_events
from emulator.tracing.store import REG_NAMES, TraceFile, TraceFileError
from workloads import find as find_workload

HELLO = find_workload("hello")
MAIN = 0x4004F0          # `main` in workloads/bin/hello (checked by test_disasm_from_elf)
BUF = 0x5000


# --- traces ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hello_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trace") / "hello.trace"
    result = run_program("hello", [], stdout=io.BytesIO(), trace=path, trace_level="mem",
                         guardian="on")
    assert result.exit_code == 0
    return path


@pytest.fixture
def hello(hello_trace: Path, tmp_path: Path) -> TraceFile:
    """A private copy, so bookmarks written by one test do not leak into another."""
    copy = tmp_path / "hello.trace"
    shutil.copyfile(hello_trace, copy)
    trace = TraceFile.open(copy)
    yield trace
    trace.close()


def _regs(**values: int) -> tuple[int, ...]:
    return tuple(values.get(name, 0) for name in REG_NAMES)


def _synthetic_events() -> list[TraceEvent]:
    evs: list[TraceEvent] = []

    def add(kind: str, pc: int = 0, addr: int = 0, **data: Any) -> None:
        seq = len(evs) + 1
        evs.append(TraceEvent(seq, seq * 10, kind, 0, 1, 1, pc, addr, data))

    add("process", what="spawn", child=1, path="/bin/demo")                        # 1
    add("regs", pc=MAIN, regs=_regs(x0=1, sp=0x8000, pc=MAIN))                      # 2
    add("mem", pc=MAIN, addr=BUF, size=8, value=0x1111, write=True)                 # 3
    add("syscall", pc=MAIN + 4, nr=64, name="write", args=[1, BUF, 8, 0, 0, 0])     # 4
    add("regs", pc=MAIN + 8, regs=_regs(x0=0xCAFE, sp=0x8000, pc=MAIN + 8))         # 5
    add("guardian_decision", pc=MAIN + 8, rule="map_page", allowed=False,
        status="DENIED", reason="frame is owned by the monitor")                   # 6
    add("mem", pc=MAIN + 12, addr=BUF, size=8, value=0x2222, write=True)            # 7
    add("mark", text="after the second store")                                      # 8
    return evs


@pytest.fixture
def synthetic(tmp_path: Path) -> TraceFile:
    path = tmp_path / "synthetic.trace"
    record_events(path, _synthetic_events(), {"program": str(HELLO.binary)})
    trace = TraceFile.open(path)
    yield trace
    trace.close()


# --- shared vocabulary ----------------------------------------------------------------------


def test_parse_int_and_summaries() -> None:
    assert parse_int("0x10") == 16 and parse_int("1_000") == 1000
    with pytest.raises(QueryError, match="not a number"):
        parse_int("ten")
    ev = TraceEvent(3, 30, "syscall", 0, 1, 1, 0x400000, 0,
                    {"name": "write", "args": [1, 0x5000, 8]})
    assert summarize(ev) == "write(1, 0x5000, 8)"
    assert summarize(ev._replace(data={**ev.data, "result": 8})) == "write(1, 0x5000, 8) = 8"
    assert summarize(ev._replace(data={**ev.data, "result": -11})) == "write(1, 0x5000, 8) = -EAGAIN"
    assert summarize(ev._replace(data={**ev.data, "blocked": "pipe"})) == (
        "write(1, 0x5000, 8) blocks: pipe")
    assert json.loads(json.dumps(event_to_dict(ev)))["data"]["args"] == [1, 0x5000, 8]


def test_filter_parse() -> None:
    assert Filter.parse("syscall") == Filter(kind="syscall")
    f = Filter.parse("pid=3", Filter(kind="mmio"))
    assert f == Filter(kind="mmio", pid=3)
    assert Filter.parse('kind=* search="a b"', f) == Filter(pid=3, search="a b")
    assert Filter.parse("", f).empty
    with pytest.raises(QueryError, match="unknown event kind"):
        Filter.parse("bogus")
    with pytest.raises(QueryError, match="unknown filter field"):
        Filter.parse("colour=red")


# --- the model on a recorded run ------------------------------------------------------------


def test_model_steps_forward_and_back(hello: TraceFile) -> None:
    m = InspectorModel(hello)
    assert m.cursor == 1 and m.fraction() == 0.0
    assert m.step(1).seq == 2 and m.step(5).seq == 7
    assert m.step(-1).seq == 6
    m.first()
    assert m.step(-1) is None and m.cursor == 1
    assert m.last().seq == hello.count()
    assert m.step(1) is None and m.fraction() == 1.0


def test_filters_and_kind_navigation(hello: TraceFile) -> None:
    m = InspectorModel(hello)
    m.set_filter(Filter.parse("syscall"))
    assert m.current.kind == "syscall"
    seqs = [m.cursor]
    while (ev := m.step(1)) is not None:
        assert ev.kind == "syscall"
        seqs.append(ev.seq)
    assert len(seqs) == hello.kinds()["syscall"]
    assert all(e.kind == "syscall" for e in m.window(5, 5))
    m.set_filter(Filter())
    m.goto_seq(seqs[0])
    nxt = m.step_kind(1)                       # N: same kind as the current event
    assert nxt.kind == "syscall" and nxt.seq == seqs[1]
    assert m.step_kind(-1).seq == seqs[0]
    assert m.step_kind(1, "pte_write").kind == "pte_write"


def test_search_filter(hello: TraceFile) -> None:
    m = InspectorModel(hello)
    ev = m.search("exit_group")
    assert ev is not None and ev.data.get("name") == "exit_group"
    assert m.filter.search == "exit_group"
    assert m.search("") is not None and m.filter.empty


def test_goto_forms_and_back(hello: TraceFile) -> None:
    m = InspectorModel(hello)
    assert m.goto("100").seq == 100
    last = hello.count()
    assert abs(m.goto("50%").seq - (1 + (last - 1) // 2)) <= 1
    assert m.goto("end").seq == last and m.goto("start").seq == 1
    lo, hi = hello.time_range()
    mid = (lo + hi) // 2
    assert m.goto_time(mid).time >= mid
    m.goto("100")
    m.add_bookmark("a place")
    m.goto("end")
    assert m.goto("#1").seq == 100
    assert m.back().seq == last and m.back().seq == 100
    for bad, msg in (("#9", "no bookmark"), ("150%", "bad percentage"), ("x", "not a number"),
                     (str(last + 10), "no event")):
        with pytest.raises(QueryError, match=msg):
            m.goto(bad)
    with pytest.raises(QueryError, match="no event at time"):
        m.goto_time(hi + 1_000_000)


def test_registers_and_who_wrote_register(hello: TraceFile) -> None:
    m = InspectorModel(hello)
    m.set_filter(Filter(kind="insn"))
    m.goto(str(hello.count() // 2))
    m.set_filter(Filter())
    regs = m.registers()
    assert regs.values is not None and set(REG_NAMES) <= set(regs.values)
    here = m.cursor
    answer = m.who_wrote("x0")
    assert answer.event is not None and answer.event.seq < here
    assert m.cursor == answer.event.seq
    assert "x0" in m.registers().changed
    assert regs.values["x0"] == m.registers().values["x0"]
    assert m.back().seq == here


def test_who_wrote_address_and_first_appearance(hello: TraceFile) -> None:
    m = InspectorModel(hello)
    store = next(e for e in hello.events(kind="mem", seq0=hello.count() // 3)
                 if e.data.get("write") and e.data.get("size") == 8)
    m.goto_seq(store.seq + 1)
    answer = m.who_wrote(hex(store.addr), jump=False)
    assert answer.event is not None and answer.event.seq == store.seq
    assert m.cursor == store.seq + 1
    first = m.first_appearance(hex(store.data["value"]))
    assert first.event is not None and first.event.seq <= store.seq and m.cursor == first.event.seq
    missing = m.first_appearance("0x0123456789abcdef")
    assert missing.event is None and "never appears" in missing.answer
    assert json.loads(json.dumps(answer.to_dict()))["event"]["seq"] == store.seq


def test_memory_view_at_a_store(hello: TraceFile) -> None:
    m = InspectorModel(hello)
    store = next(e for e in hello.events(kind="mem") if e.data.get("write")
                 and e.data.get("size") == 8 and e.data.get("value"))
    m.goto_seq(store.seq)
    view = m.memory(store.addr, 16)
    assert view.data is not None
    assert bytes(view.data[:8]) == store.data["value"].to_bytes(8, "little")
    assert m.memory(0x10, 16).data is None


def test_snapshot_is_json(hello: TraceFile) -> None:
    m = InspectorModel(hello)
    m.goto(str(hello.count() // 2))
    snap = json.loads(json.dumps(m.snapshot()))
    assert snap["cursor"] == m.cursor and snap["event"]["seq"] == m.cursor
    assert "x0" in snap["registers"]["registers"]


# --- the model on a hand-made trace ---------------------------------------------------------


def test_memory_diff_against_bookmark(synthetic: TraceFile) -> None:
    m = InspectorModel(synthetic)
    m.goto("3")
    m.add_bookmark("first store")
    m.goto("end")
    view = m.memory(BUF, 16, against=m.bookmarks()[0][0])
    assert view.data[:8] == tuple((0x2222).to_bytes(8, "little"))
    assert view.other_data[:8] == tuple((0x1111).to_bytes(8, "little"))
    assert view.changed_offsets() == {0, 1}
    assert view.data[8] is None
    assert view.to_dict()["data"].startswith("2222000000000000??")


def test_decisions_and_registers_synthetic(synthetic: TraceFile) -> None:
    m = InspectorModel(synthetic)
    [d] = m.decisions()
    assert d.data["reason"] == "frame is owned by the monitor" and not d.data["allowed"]
    m.goto("5")
    assert m.registers().changed == {"x0", "pc"}
    assert m.who_wrote("x0").event.seq == 2      # before seq 5, x0 was last set at seq 2
    m.goto("8")
    assert m.who_wrote("0x5000").event.seq == 7
    assert m.resolve_address("sp+0x10") == 0x8010


# --- disassembly ----------------------------------------------------------------------------


def test_disasm_from_elf(synthetic: TraceFile) -> None:
    view = CodeReader(synthetic, synthetic.header).around(MAIN + 8, seq=5)
    assert view.source == "elf"
    cur = [ln for ln in view.lines if ln.current]
    assert len(cur) == 1 and cur[0].addr == MAIN + 8 and cur[0].text
    assert any(ln.symbol == "main" for ln in view.lines)
    assert program_path({"program": "hello"}) == HELLO.binary


def test_disasm_without_code_bytes() -> None:
    view = CodeReader(None, {"program": "/nonexistent/prog"}).around(MAIN)
    assert view.source is None and view.note == "no code bytes"
    assert CodeReader(None, {"program": 7}).around(MAIN).note == "no code bytes"


# --- the app, headless ----------------------------------------------------------------------


def _screen(app: Any) -> str:
    """The characters on the terminal screen, one line per row."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def _drive(trace: TraceFile, script: Callable[[Any, Any], Awaitable[None]]) -> None:
    pytest.importorskip("textual")
    from cli.inspector.app import InspectorApp

    async def main() -> None:
        app = InspectorApp(trace)
        app.animation_level = "none"
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            await script(app, pilot)

    asyncio.run(main())


def test_app_steps_and_shows_registers(hello: TraceFile) -> None:
    async def script(app: Any, pilot: Any) -> None:
        assert app.model.cursor == 1
        await pilot.press("n")
        assert app.model.cursor == 2
        await pilot.press("f", *"syscall", "enter")
        await pilot.pause()
        assert app.model.current.kind == "syscall"
        text = _screen(app)
        assert "x0" in text and "tpidr_el0" in text and "kind=syscall" in text
        first = app.model.cursor
        await pilot.press("n")
        assert app.model.cursor > first and app.model.current.kind == "syscall"
        await pilot.press("c", "n", "N")
        await pilot.pause()
        assert "filter: none" in _screen(app)

    _drive(hello, script)


def test_app_goto_search_and_errors(hello: TraceFile) -> None:
    async def script(app: Any, pilot: Any) -> None:
        await pilot.press("g", *"120", "enter")
        await pilot.pause()
        assert app.model.cursor == 120 and "seq 120" in _screen(app)
        await pilot.press("g", *"zz", "enter")
        await pilot.pause()
        assert app.model.cursor == 120 and "not a number" in _screen(app)
        await pilot.press("g", *"5", "escape")
        await pilot.pause()
        assert app.model.cursor == 120
        await pilot.press("u")
        assert app.model.cursor == 1
        await pilot.press("slash", *"exit_group", "enter")
        await pilot.pause()
        assert app.model.current.data.get("name") == "exit_group"
        assert "search='exit_group'" in _screen(app)

    _drive(hello, script)


def test_app_bookmarks_and_who_wrote(hello: TraceFile) -> None:
    async def script(app: Any, pilot: Any) -> None:
        await pilot.press("g", *"3000", "enter", "b", *"look here", "enter", "B")
        await pilot.pause()
        text = _screen(app)
        assert "look here" in text and "seq 3000" in text
        assert hello.bookmarks() == [(3000, "look here")]
        await pilot.press("w", *"x0", "enter")
        await pilot.pause()
        assert app.model.cursor < 3000
        assert "who last wrote x0 before seq 3000?" in _screen(app)
        await pilot.press("D")
        await pilot.pause()
        assert "no Guardian decisions in this trace" in _screen(app)

    _drive(hello, script)


def test_app_decisions_memory_and_disasm(synthetic: TraceFile) -> None:
    async def script(app: Any, pilot: Any) -> None:
        await pilot.press("right_square_bracket")
        assert app.model.cursor == 6
        await pilot.press("D")
        await pilot.pause()
        text = _screen(app)
        assert "DENY" in text and "frame is owned by the monitor" in text
        assert "<main>" in text and "=> 0x4004f8" in text
        await pilot.press("g", *"3", "enter", "b", "enter", "g", *"end", "enter")
        await pilot.press("m", *"0x5000", "enter", "d", "enter")
        await pilot.pause()
        text = _screen(app)
        assert "diff against seq 3" in text and "2 bytes differ" in text
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running

    _drive(synthetic, script)


def test_inspect_trace_rejects_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TraceFileError, match="no such trace file"):
        inspect_trace(tmp_path / "missing.trace")


def test_app_on_an_empty_trace(tmp_path: Path) -> None:
    record_events(tmp_path / "empty.trace", [])
    trace = TraceFile.open(tmp_path / "empty.trace")

    async def script(app: Any, pilot: Any) -> None:
        await pilot.press("n", "p", "N", "w", *"x0", "enter", "b", "enter")
        await pilot.pause()
        text = _screen(app)
        assert "empty trace" in text and "the trace holds no events" in text
        await pilot.press("D")
        await pilot.pause()
        assert "no Guardian decisions in this trace" in _screen(app)

    try:
        _drive(trace, script)
    finally:
        trace.close()


def test_inspect_trace_runs_the_app(hello_trace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("textual")
    from cli.inspector.app import InspectorApp

    seen: list[Any] = []
    monkeypatch.setattr(InspectorApp, "run", lambda self: seen.append(self))
    inspect_trace(hello_trace)
    [app] = seen
    assert app.model.cursor == 1 and app.path == hello_trace
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        app.trace.events(limit=1)          # inspect_trace closed the file on the way out
