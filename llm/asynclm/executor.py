"""The executor: runs calls concurrently and hands back their results as interrupts.

Two time bases with one interface:

- :class:`SimulatedExecutor` runs on a virtual timeline (seconds as floats). A call issued at
  ``t`` with latency ``E`` completes at ``t + E``; results are computed for real (the tool runs),
  only their delivery waits for the timeline. Runs are deterministic, so tests and the latency
  model use it.
- :class:`ThreadedExecutor` runs calls on worker threads against the wall clock: what the
  end-to-end latency measurements use.

Both hold a call whose arguments name an unfinished call until that call completes
(dependencies), and, when workers are limited, start the longest ready call first (LPT).
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from llm.asynclm.cml import CallBlock, Interrupt
from llm.asynclm.tools import CallError, ParsedCall, Toolbox, parse_call

__all__ = ["Completion", "Executor", "SimulatedExecutor", "ThreadedExecutor"]


@dataclass(frozen=True)
class Completion:
    call_id: str
    name: str
    value: str
    issued_at: float
    started_at: float
    done_at: float


@dataclass(order=True)
class _Job:
    priority: tuple[float, int]
    call_id: str = field(compare=False)
    name: str = field(compare=False)
    parsed: ParsedCall | None = field(compare=False)
    error: str | None = field(compare=False)
    issued_at: float = field(compare=False)


class Executor(ABC):
    """Accepts calls as the monitor completes them; reports completions in time order."""

    def __init__(self, toolbox: Toolbox, workers: int | None = None) -> None:
        self.toolbox = toolbox
        self.workers = workers
        self.results: dict[str, str] = {}
        self.completions: list[Completion] = []
        self._held: list[_Job] = []            # waiting for a dependency
        self._seq = itertools.count()
        self._ids: set[str] = set()

    def _job(self, block: CallBlock, now: float) -> _Job:
        call_id = block.call_id
        parsed: ParsedCall | None = None
        error: str | None = None
        try:
            parsed = parse_call(block.body, frozenset(self._ids))
        except CallError as exc:
            error = f"Error: {exc}"
        name = parsed.name if parsed else "?"
        if not call_id:
            call_id = name if name != "?" else f"call{len(self._ids) + 1}"
        self._ids.add(call_id)
        est = self.toolbox.estimate_ms(name)
        return _Job((-est, next(self._seq)), call_id, name, parsed, error, now)

    def _ready(self, job: _Job) -> bool:
        return job.parsed is None or all(d in self.results for d in job.parsed.depends_on)

    def _run(self, job: _Job) -> str:
        if job.parsed is None:
            return job.error or "Error: malformed call"
        return self.toolbox.invoke(job.parsed, self.results)

    @property
    @abstractmethod
    def outstanding(self) -> int:
        """Calls issued and not yet delivered."""

    @abstractmethod
    def submit(self, block: CallBlock, now: float) -> str:
        """Start (or hold) a call; return its identifier."""

    @abstractmethod
    def poll(self, now: float) -> list[Interrupt]:
        """Results completed by ``now``, oldest first."""

    @abstractmethod
    def in_flight(self) -> list[tuple[float, str]]:
        """(start time, function name) of every call running now."""

    @abstractmethod
    def wait(self, now: float, deadline: float | None = None) -> float:
        """Block until a result is available or ``deadline``; return the time then."""

    def close(self) -> None:  # noqa: B027 (optional hook: only threaded executors hold workers)
        """Release workers."""


class SimulatedExecutor(Executor):
    """Calls on a virtual timeline: deterministic, no sleeping."""

    def __init__(self, toolbox: Toolbox, workers: int | None = None) -> None:
        super().__init__(toolbox, workers)
        self._running: list[tuple[float, int, _Job, float, str]] = []  # (done, seq, job, start, value)
        self._queued: list[_Job] = []          # ready, waiting for a worker (LPT heap)
        self._delivered = 0

    @property
    def outstanding(self) -> int:
        return len(self._running) + len(self._queued) + len(self._held)

    def _start(self, job: _Job, at: float) -> None:
        value = self._run(job)
        done = at + self.toolbox.latency_ms(job.name) / 1000.0
        heapq.heappush(self._running, (done, job.priority[1], job, at, value))

    def _dispatch(self, at: float) -> None:
        while self._queued and (self.workers is None or len(self._running) < self.workers):
            self._start(heapq.heappop(self._queued), at)

    def submit(self, block: CallBlock, now: float) -> str:
        job = self._job(block, now)
        if self._ready(job):
            heapq.heappush(self._queued, job)
            self._dispatch(now)
        else:
            self._held.append(job)
        return job.call_id

    def poll(self, now: float) -> list[Interrupt]:
        out: list[Interrupt] = []
        while self._running and self._running[0][0] <= now + 1e-12:
            done, _, job, start, value = heapq.heappop(self._running)
            self.results[job.call_id] = value
            self.completions.append(Completion(job.call_id, job.name, value, job.issued_at,
                                               start, done))
            out.append(Interrupt(job.call_id, value))
            for held in [h for h in self._held if self._ready(h)]:
                self._held.remove(held)
                heapq.heappush(self._queued, held)
            self._dispatch(done)
        return out

    def in_flight(self) -> list[tuple[float, str]]:
        return [(start, job.name) for _, _, job, start, _ in self._running]

    def wait(self, now: float, deadline: float | None = None) -> float:
        if not self._running:
            return now if deadline is None else max(now, deadline)
        ready = self._running[0][0]
        return max(now, ready if deadline is None else min(ready, deadline))


class ThreadedExecutor(Executor):
    """Calls on worker threads against the wall clock (``now`` is seconds since ``t0``)."""

    def __init__(self, toolbox: Toolbox, workers: int | None = 16,
                 simulate_latency: bool = True) -> None:
        super().__init__(toolbox, workers)
        self.t0 = time.perf_counter()
        self.simulate_latency = simulate_latency
        self._ready_q: queue.PriorityQueue[_Job] = queue.PriorityQueue()
        self._done_q: queue.Queue[Completion] = queue.Queue()
        self._lock = threading.Lock()          # bookkeeping
        self._tool_lock = threading.Lock()     # tools share backend state: one runs at a time
        self._pending = 0
        self._started: dict[str, tuple[float, str]] = {}
        self._early: list[Completion] = []     # taken off the queue by wait(), delivered by poll()
        self._stop = False
        self._threads = [threading.Thread(target=self._worker, daemon=True,
                                          name=f"asynclm-worker-{i}")
                         for i in range(workers or 16)]
        for t in self._threads:
            t.start()

    def now(self) -> float:
        return time.perf_counter() - self.t0

    @property
    def outstanding(self) -> int:
        return self._pending

    def _worker(self) -> None:
        while True:
            job = self._ready_q.get()
            if self._stop:
                return
            start = self.now()
            with self._lock:
                self._started[job.call_id] = (start, job.name)
            with self._tool_lock:
                value = self._run(job)
            if self.simulate_latency:
                remaining = self.toolbox.latency_ms(job.name) / 1000.0 - (self.now() - start)
                if remaining > 0:
                    time.sleep(remaining)
            self._done_q.put(Completion(job.call_id, job.name, value, job.issued_at, start,
                                        self.now()))

    def submit(self, block: CallBlock, now: float) -> str:
        job = self._job(block, now)
        self._pending += 1
        if self._ready(job):
            self._ready_q.put(job)
        else:
            self._held.append(job)
        return job.call_id

    def in_flight(self) -> list[tuple[float, str]]:
        with self._lock:
            return list(self._started.values())

    def _accept(self, c: Completion, out: list[Interrupt]) -> None:
        with self._lock:
            self._started.pop(c.call_id, None)
        self._pending -= 1
        self.results[c.call_id] = c.value
        self.completions.append(c)
        out.append(Interrupt(c.call_id, c.value))
        for held in [h for h in self._held if self._ready(h)]:
            self._held.remove(held)
            self._ready_q.put(held)

    def poll(self, now: float) -> list[Interrupt]:
        out: list[Interrupt] = []
        for c in self._early:
            self._accept(c, out)
        self._early.clear()
        while True:
            try:
                c = self._done_q.get_nowait()
            except queue.Empty:
                return out
            self._accept(c, out)

    def wait(self, now: float, deadline: float | None = None) -> float:
        if self._early:
            return self.now()
        if self._pending == 0 and deadline is None:
            return self.now()
        timeout = None if deadline is None else max(0.0, deadline - self.now())
        try:
            self._early.append(self._done_q.get(timeout=timeout))
        except queue.Empty:
            pass
        return self.now()

    def close(self) -> None:
        self._stop = True
        for _ in self._threads:
            self._ready_q.put(_Job((float("inf"), 0), "", "", None, None, 0.0))
