"""The tracing story end to end: record a confidential run in which the kernel oversteps, open it
in the inspector, step back from the Guardian's refusal to the kernel action that caused it, and
export the run to Perfetto."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest

from attacks.runner import run_one
from attacks.scenario import get
from cli.inspector.model import InspectorModel
from emulator.tracing import TraceFile
from emulator.tracing.export import export_perfetto

SCENARIO = "CU-001"     # the kernel reads a user buffer the syscall it serves never named


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sc = get(SCENARIO)
    assert sc is not None
    path = tmp_path_factory.mktemp("story") / "refused.trace"
    result = run_one(sc, "on", trace=path)
    assert result.status == "pass", result.message
    return path


def test_step_back_from_the_refusal_to_its_cause(refused: Path) -> None:
    with TraceFile.open(refused) as tf:
        assert tf.header["guardian"] == "on"
        m = InspectorModel(tf)
        decision = m.step_kind(1, "guardian_decision")          # `]` in the inspector
        assert decision is not None and decision.data["allowed"] is False
        reason = decision.data["reason"]
        # One step back at a time: the capability check that failed, then the kernel's request.
        check = m.step(-1)
        assert check is not None and check.kind == "capability" and not check.data["allowed"]
        request = m.step_kind(-1, "guardian_call")
        assert request is not None and request.data["call"] == "user_read"
        assert request.data["status"] == decision.data["status"] == "ERR_DENIED"
        va, size = request.data["args"][1], request.data["args"][2]
        assert f"{size} bytes at {va:#x}" in reason
        # ... and the syscall the kernel was serving when it asked: a confidential process's
        # syscall enters through the Guardian's vector, with the registers it held.
        syscall = m.step_kind(-1, "syscall")
        assert syscall is not None and syscall.seq < request.seq
        assert syscall.data["vector"] == "guardian"
        assert f"in syscall {syscall.data['nr']}" in reason
        assert syscall.data["regs"][8] == syscall.data["nr"]     # x8 holds the number
        assert syscall.time <= decision.time <= syscall.time + syscall.data["cycles"]
        assert not (va <= syscall.data["args"][1] < va + size)   # not the buffer it named


def test_the_inspector_walks_the_same_way(refused: Path) -> None:
    pytest.importorskip("textual")
    from cli.inspector.app import InspectorApp

    async def main() -> None:
        with TraceFile.open(refused) as tf:
            app = InspectorApp(tf)
            app.animation_level = "none"
            async with app.run_test(size=(160, 50)) as pilot:
                await pilot.pause()
                await pilot.press("right_square_bracket")
                await pilot.pause()
                decision = app.model.current
                assert decision.kind == "guardian_decision" and not decision.data["allowed"]
                served = tf.neighbour(decision.seq, kind="syscall", direction=-1)
                await pilot.press("k", *"syscall", "enter")     # the next syscall, then
                await pilot.pause()
                await pilot.press("P")                          # back to the one served
                await pilot.pause()
                assert served is not None and app.model.current.seq == served.seq

    asyncio.run(main())


def test_the_run_exports_to_perfetto(refused: Path) -> None:
    buf = io.StringIO()
    with TraceFile.open(refused) as tf:
        n = export_perfetto(tf, buf)
        decision = tf.events(kind="guardian_decision")[0]
    doc: dict[str, Any] = json.loads(buf.getvalue())
    assert len(doc["traceEvents"]) == n
    names = {e["args"]["name"] for e in doc["traceEvents"] if e["ph"] == "M" and "name" in e["args"]}
    assert {"Kernel", "Guardian", "guardian", "kernel", "cpu0"} <= names
    ts = round(decision.time * 1e6 / int(doc["otherData"]["clock_hz"]), 3)
    denied = [e for e in doc["traceEvents"] if e["ph"] == "i" and e["args"].get("seq") ==
              decision.seq]
    assert denied and denied[0]["ts"] == ts and denied[0]["name"].endswith("deny")
    around = [e for e in doc["traceEvents"] if e["ph"] == "X" and e["ts"] <= ts <= e["ts"] + e["dur"]
              and e["name"] == "write"]
    assert around, "the refusal lies inside the syscall's slice"
