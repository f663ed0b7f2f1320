"""The blades' own kernels: disjoint DRAM, own page tables and run queues, and the home's
process state reached only by packets (forwarded calls, replies, wake-ups)."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from cli.session import run_program
from emulator import sysregs as S
from emulator.machine_config import load_machine_text
from emulator.tracing import TraceFile
from emulator.tracing.export import export_perfetto
from kernel_model import blade as blade_module
from kernel_model.blade_sched import RackScheduler
from kernel_model.process import Process, Thread, ThreadState, WaitReason
from kernel_model.scheduler import Scheduler


def _run(program: str, blades: int, **kw: Any) -> tuple[bytes, dict[str, int]]:
    out = io.BytesIO()
    r = run_program(program, [], machine="rack", blades=blades, stdout=out,
                    stderr=io.BytesIO(), stdin=io.BytesIO(), **kw)
    assert r.exit_code == 0
    return out.getvalue(), r.stats


def test_each_blade_keeps_its_own_dram_tables_and_run_queue(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """At every slice: a blade's run queue holds only its threads, every page a blade caches
    is in its own DRAM, and the thread ran on its blade's own core with that blade's tree."""
    checked: list[int] = []
    original = blade_module.BladeKernel.__init__

    def init(self: blade_module.BladeKernel, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        rt = self.rack_rt
        nodes = rt.nodes
        spans = sorted((n.dram_base, n.dram_base + n.dram_size) for n in nodes)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))   # no shared DRAM

        def check(prev: Thread | None) -> None:
            for node in nodes:
                assert all(rt.blade_of(t) == node.index for t in node.sched.runqueue)
                store = rt.stores[node.index]
                assert all(node.owns(pa) for pa in store.frames.values())
            if prev is not None and prev.process.mm is not None and prev.state != ThreadState.DEAD:
                # The thread ran on its own blade's core (one core per blade on this machine),
                # whose TTBR0 names a tree that blade built in its own DRAM.
                assert self.el1 is rt.core_of(prev) and self.el1.cpu_index == rt.blade_of(prev)
                root = self.el1.mrs(S.TTBR0_EL1) & ((1 << 48) - 1)
                assert nodes[rt.current_blade].owns(root)
            checked.append(1)

        self.slice_hook = check

    monkeypatch.setattr(blade_module.BladeKernel, "__init__", init)
    out, stats = _run("threads", 8)
    assert b"threads: ok" in out and len(checked) > 10
    used = [i for i in range(8) if stats.get(f"rack.cb{i}.kernel.frames_peak", 0)]
    assert len(used) >= 4          # the threads' blades built tables and cached pages


def test_remote_calls_are_packets_between_blade_kernels() -> None:
    _, one = _run("threads", 1)
    _, eight = _run("threads", 8)
    assert "rack.net.packets.kernel" not in one and one.get("rack.kernel.remote_syscalls", 0) == 0
    forwarded = eight["rack.kernel.remote_syscalls"]
    assert forwarded > 0
    assert eight["rack.net.kinds.syscall_req"] == 2 * forwarded          # blade->switch->home
    served = sum(eight.get(f"rack.cb{i}.kernel.calls_served", 0) for i in range(8))
    assert served == forwarded
    # Futex sleepers on other blades are woken by WAKE messages from the home, all delivered.
    assert eight["rack.kernel.wakes_remote"] > 0
    assert eight["rack.kernel.wakes_delivered"] == eight["rack.kernel.wakes_remote"]
    replies = sum(eight.get(f"rack.cb{i}.received.syscall_reply", 0) for i in range(8))
    wakes = sum(eight.get(f"rack.cb{i}.received.wake", 0) for i in range(8))
    assert replies + wakes >= forwarded - 4     # every call answered (thread exits are not)
    # munmap/mprotect at the home reach the other blades as shootdowns, each acknowledged;
    # a blade whose copy of the areas went stale asks the home before trusting it.
    assert eight["rack.kernel.shootdown_messages"] > 0
    assert eight["rack.net.kinds.shootdown"] == eight["rack.net.kinds.shootdown_ack"]
    assert eight["rack.kernel.area_refreshes"] > 0
    assert eight["rack.net.kinds.areas_req"] == eight["rack.net.kinds.areas_reply"]
    assert one.get("rack.kernel.shootdown_messages", 0) == one.get("rack.kernel.area_refreshes", 0) == 0
    # The messages' bytes carry what the calls copied in and out of the caller's memory.
    assert eight["rack.net.bytes.kernel"] > eight["rack.net.packets.kernel"] * 58


def test_forwarded_calls_are_on_each_blades_trace_track(tmp_path: Path) -> None:
    path = tmp_path / "rack.trace"
    _run("threads", 4, trace=path)
    out = io.StringIO()
    with TraceFile.open(path) as tf:
        export_perfetto(tf, out)
    doc = json.loads(out.getvalue())
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in doc["traceEvents"]
             if e["ph"] == "M" and e["name"] == "thread_name"}
    on = {(names.get((e["pid"], e["tid"])), e["name"]) for e in doc["traceEvents"]
          if e["ph"] == "i"}
    # Each blade's core has its own CPU track: the threads ran on four of them.
    assert {"cpu0", "cpu1", "cpu2", "cpu3"} <= set(names.values())
    assert {("cb1", "kernel: syscall_req"), ("cb0", "kernel: syscall_reply"),
            ("cb0", "kernel: wake"), ("switch", "kernel: syscall_req")} <= on


def _thread(tid: int, proc: Process) -> Thread:
    t = Thread(tid=tid, process=proc)
    proc.threads.append(t)
    return t


def test_a_remote_wake_up_is_in_transit_until_it_arrives() -> None:
    nodes = [SimpleNamespace(index=i, sched=Scheduler(), counters=Counter()) for i in range(2)]
    sent: list[int] = []

    def send_wake(t: Thread, blade: int) -> bool:
        """The waker runs on blade 0: a sleeper elsewhere needs a message."""
        if blade == 0:
            return False
        sent.append(t.tid)
        return True

    proc = Process(pid=1, parent=None, mm=None, fds=None, sigactions=None)  # type: ignore[arg-type]
    a, b = _thread(1, proc), _thread(2, proc)
    where = {1: 0, 2: 1}
    sched = RackScheduler(nodes, lambda t: where[t.tid], send_wake)  # type: ignore[arg-type]
    sched.add(a)
    sched.add(b)
    assert sched.pick() is a and sched.pick() is b        # one blade after the other
    sched.block(a, WaitReason("futex", key=1, deadline=10))
    sched.block(b, WaitReason("futex", key=1, deadline=10))
    assert [t.tid for t in sched.waiting(lambda w: w.key == 1)] == [1, 2]
    sched.unblock(b)                                      # woken from blade 0: a message
    assert sent == [2] and b.tid in sched.in_transit
    assert sched.pick() is None and sched.expired(100) == [a]   # no timeout touches b
    sched.unblock(b)                                      # a second wake-up does nothing
    assert sent == [2]
    sched.arrived(b)
    assert sched.pick() is b and not sched.in_transit
    sched.unblock(a)                                      # local: at once
    assert sched.pick() is a
    sched.block(b, WaitReason("futex", key=1))
    sched.unblock(b)
    sched.remove(b)                                       # killed on the way
    sched.arrived(b)
    assert sched.pick() is None


@pytest.mark.parametrize("cpus,cores_per_blade", [(4, 2), (1, 1)])
def test_cores_per_blade_and_a_machine_short_of_cores(cpus: int, cores_per_blade: int) -> None:
    """Two cores per blade share the blade's DRAM and tables; a machine with fewer cores than
    blades lets the blades take turns on the ones it has.  The output does not change."""
    text = (Path(__file__).resolve().parent.parent / "emulator" / "machines" / "rack.toml"
            ).read_text()
    text = text.replace("count = 8 ", f"count = {cpus} ").replace(
        "cores_per_blade = 1", f"cores_per_blade = {cores_per_blade}")
    config = load_machine_text(text, "rack-test")
    out = io.BytesIO()
    r = run_program("threads", [], machine=config, blades=2, placement="fill", stdout=out,
                    stderr=io.BytesIO(), stdin=io.BytesIO())
    assert r.exit_code == 0 and b"threads: ok" in out.getvalue()
    used = {k for k, v in r.stats.items() if k.endswith(".exceptions") and k.startswith("cpu") and v}
    assert len(used) == min(cpus, 2 * cores_per_blade)
