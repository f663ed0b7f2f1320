"""The kernel model as Linux on two paths an honest confidential run takes, where a
difference shows as a Guardian refusal of the kernel:

- a write to a full pipe waits before it reads the program's buffer (Linux's
  pipe_write copies only into room it has), so the restart after the wait is the
  restart of an untouched call;
- a thread's exit stores 0 at its clear_child_tid only while the address space has
  another user (Linux's mm_release): the last thread out leaves the word alone.

`forkexec` under exact timing reaches both (a 128 KiB pipe write that fills the pipe
while the child drains it, and exits with CLONE_CHILD_CLEARTID words set).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli.session import run_program
from emulator.tracing import TraceFile
from kernel_model.pipe_file import PIPE_BUF, make_pipe


def _refusals(trace: Path) -> list[str]:
    with TraceFile.open(trace) as tf:
        return [f"{e.data.get('check')}: {e.data.get('reason')}"
                for e in tf.events(kind="guardian_decision") if not e.data["allowed"]]


@pytest.mark.parametrize("program", ["forkexec", "events", "forkadvice"])
def test_an_honest_confidential_run_under_exact_timing_has_no_refusal(
        program: str, tmp_path: Path) -> None:
    trace = tmp_path / "run.trace"
    out = io.BytesIO()
    r = run_program(program, [], stdout=out, stderr=io.BytesIO(), guardian="on",
                    confidential=True, timing="exact", trace=trace)
    assert r.exit_code == 0, (r.summary, r.warnings, out.getvalue()[-400:])
    assert _refusals(trace) == []


def test_a_full_pipe_says_a_write_must_wait_before_it_takes_a_byte() -> None:
    rd, wr = make_pipe()
    room = rd.pipe.capacity
    assert not wr.write_must_wait(room)
    assert wr.write(b"x" * (room - 100)) == room - 100
    # A large write takes what fits as pipe_write() does: its head of size % PAGE merges
    # into the last buffer's room, then whole pages; no page free and nothing to merge:
    # it waits.
    assert wr.write_must_wait(4096 * 4)
    assert not wr.write_must_wait(4096 * 4 + 50)     # 50 merge into the last page's room
    assert wr.write_must_wait(PIPE_BUF)              # a small one is all or nothing
    assert not wr.write_must_wait(100)
    assert wr.write(b"y" * 100) == 100
    assert wr.write_must_wait(1)                     # full
    rd.close()
    assert not wr.write_must_wait(1)                 # no reader: the write fails at once (EPIPE)
