"""Going backwards: checkpoints of the whole machine and replay to an exact position.

A checkpoint is a forked copy of the emulator process, parked at an instruction
boundary: RAM (copy-on-write by the host kernel), the Unicorn CPU and TLB, the
kernel model, the Guardian, the virtual clock and the run queue are all frozen
together, exactly.  To go back to position P the active process asks the newest
checkpoint at or before P to fork a copy of itself; that copy replays forward to P
(counted, so it stops on the very instruction) and serves gdb from there; the old
process exits.  A reverse step therefore costs the distance from the nearest
checkpoint, never the length of the run.

The parked processes wait on named pipes in a private directory; the original
process supervises: it waits for whichever process finishes the run and
returns that run's result.  Host input is replayed from its record (stdin);
output already written to a host stream is not written again while replaying.
"""

from __future__ import annotations

import bisect
import json
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulator.gdbstub.control import ExecutionControl, Position, StopReason
from emulator.gdbstub.host_io import RecordedInput
from emulator.host_poll import readable

if TYPE_CHECKING:
    from emulator.gdbstub.server import GdbServer

DEFAULT_INTERVAL = 2_000_000       # instructions between checkpoints
MAX_CHECKPOINTS = 48               # then every other old one is dropped


@dataclass
class Checkpoint:
    position: Position
    fifo: str
    pid: int


class History:
    """Checkpoints on one run's timeline, and travel between them."""

    def __init__(self, control: ExecutionControl, interval: int = DEFAULT_INTERVAL) -> None:
        if interval <= 0:
            raise ValueError("the checkpoint interval must be positive")
        self.control = control
        self.interval = interval
        self.server: GdbServer | None = None
        self.stdin: RecordedInput | None = None
        self.dir = Path(tempfile.mkdtemp(prefix="blindfold-history-"))
        self.checkpoints: list[Checkpoint] = []
        self.frontier: Position = (0, 0, 0)
        self.last_replayed = 0
        self.replayed_total = 0
        self.replays = 0
        self._result_w: int | None = None
        self._supervisor = os.getpid()
        control.on_point = self._at_point
        control.history_next = 0

    # --- the supervisor ---------------------------------------------------------------
    def supervise(self) -> bytes | None:
        """In the original process: fork the machine, wait for the run's result (bytes).
        In the machine process: returns None and the run proceeds."""
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            self._result_w = w
            self._mark_active()
            return None
        os.close(w)
        try:
            return self._await_result(r, pid)
        finally:
            self._cleanup()

    def _mark_active(self) -> None:
        """Say which process is the machine now (the supervisor watches it)."""
        tmp = self.dir / f"active.{os.getpid()}"
        tmp.write_text(str(os.getpid()))
        os.replace(tmp, self.dir / "active")

    def _machine_alive(self) -> bool:
        try:
            os.kill(int((self.dir / "active").read_text()), 0)
        except (OSError, ValueError):
            return False
        return True

    def _await_result(self, r: int, pid: int) -> bytes:
        # A length-prefixed message: parked checkpoints hold the pipe open, so the
        # end of the run is the message, not end-of-file.  A machine that died without
        # one (checked twice, across a hand-over) ends the wait.
        misses = 0
        while True:
            ready = readable([r], 2.0)
            if ready:
                break
            misses = 0 if self._machine_alive() else misses + 1
            if misses >= 2:
                os.close(r)
                return b""
        header = self._read_exactly(r, 8)
        data = self._read_exactly(r, int.from_bytes(header, "little")) if len(header) == 8 else b""
        os.close(r)
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        return data

    @staticmethod
    def _read_exactly(fd: int, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            try:
                chunk = os.read(fd, n - len(out))
            except InterruptedError:
                continue
            if not chunk:
                break
            out += chunk
        return bytes(out)

    def finish(self, result: bytes) -> None:
        """The run is over in this process: end the parked checkpoints, hand the result
        to the supervisor, and exit."""
        assert self._result_w is not None
        # Clean up first: the supervisor cleans up the same directory as soon as the
        # result arrives, and two processes listing and removing it at once race (a
        # listing of a directory that vanished under it fails).
        self._cleanup()
        view = memoryview(len(result).to_bytes(8, "little") + result)
        while view:
            n = os.write(self._result_w, view)
            view = view[n:]
        os.close(self._result_w)
        os._exit(0)

    def _cleanup(self) -> None:
        for ck in self.checkpoints:
            self._send(ck, {"op": "exit"}, wait=False)
        # Parked processes created by others (their pids are in the pipe names).
        for pid in self._parked_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if os.getpid() == self._supervisor or self._result_w is not None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _parked_pids(self) -> list[int]:
        """The pids in the names of the checkpoints' pipes (none once the directory is
        gone: a machine that ended the run removed it before handing over)."""
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return []
        pids = []
        for name in names:
            stem, dot, ext = name.rpartition(".")
            kind, _, pid = stem.partition("-")
            if dot and ext == "fifo" and kind == "ckpt" and pid.isdigit():
                pids.append(int(pid))
        return pids

    # --- checkpoints ------------------------------------------------------------------
    def _at_point(self, pos: Position) -> None:
        if pos > self.frontier:
            self.frontier = pos
        c = self.control
        if pos[2] != 0 or c.history_next is None or c.icount < c.history_next:
            return
        if self.server is None or self.server.conn is None:
            # A checkpoint without the debugger's connection could not serve it.
            c.history_next = c.icount + self.interval
            return
        if self.checkpoints and pos <= self.checkpoints[-1].position:
            return        # replaying a stretch that already has its checkpoints
        self._checkpoint(pos)
        c.history_next = c.icount + self.interval

    def _checkpoint(self, pos: Position) -> None:
        pid = os.fork()
        if pid == 0:
            self._park()      # returns only in a copy that becomes the active machine
            return
        fifo = self.dir / f"ckpt-{pid}.fifo"
        # The child creates the pipe; wait until it exists so it can be addressed.
        for _ in range(2000):
            if fifo.exists():
                break
            time.sleep(0.001)
        self.checkpoints.append(Checkpoint(pos, str(fifo), pid))
        if len(self.checkpoints) > MAX_CHECKPOINTS:
            # Keep the first and the newest half; thin the old ones out.
            old = self.checkpoints[1:-MAX_CHECKPOINTS // 2]
            for ck in old[::2]:
                self._send(ck, {"op": "exit"}, wait=False)
            drop = {id(ck) for ck in old[::2]}
            self.checkpoints = [ck for ck in self.checkpoints if id(ck) not in drop]
        self._reap()

    @staticmethod
    def _reap() -> None:
        """Collect checkpoints of this process that have exited."""
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    def _park(self) -> None:
        """A parked checkpoint: wait for orders; fork a copy to resume from here."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        fifo = self.dir / f"ckpt-{os.getpid()}.fifo"
        tmp = self.dir / f"tmp-{os.getpid()}"
        os.mkfifo(tmp)
        os.rename(tmp, fifo)
        while True:
            raw = self._wait_order(fifo)
            try:
                order = json.loads(raw)
            except ValueError:
                continue
            if order.get("op") != "resume":
                try:
                    fifo.unlink()
                except OSError:
                    pass
                os._exit(0)
            if os.fork() == 0:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                self._mark_active()
                self._adopt(order)
                return

    def _wait_order(self, fifo: Path) -> bytes:
        """The next order written to this checkpoint's pipe.  Exits if the supervising
        process is gone (nothing could ever resume this copy then)."""
        while True:
            try:
                fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                os._exit(0)
            data = bytearray()
            try:
                while True:
                    ready = readable([fd], 2.0)
                    if not ready:
                        try:
                            os.kill(self._supervisor, 0)
                        except ProcessLookupError:
                            os._exit(0)
                        continue
                    chunk = os.read(fd, 65536)
                    if chunk:
                        data += chunk
                        continue
                    if data:
                        return bytes(data)
                    break      # a hang-up with nothing written: open again
            except BlockingIOError:
                continue
            finally:
                os.close(fd)

    def _send(self, ck: Checkpoint, order: dict[str, Any], wait: bool = True) -> bool:
        data = json.dumps(order).encode()
        deadline = time.monotonic() + (10.0 if wait else 0.2)
        while True:
            try:
                fd = os.open(ck.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.002)
                continue
            try:
                os.set_blocking(fd, True)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            return True

    # --- travel -------------------------------------------------------------------------
    def _checkpoint_before(self, pos: Position) -> int | None:
        keys = [ck.position for ck in self.checkpoints]
        i = bisect.bisect_right(keys, pos) - 1
        return i if i >= 0 else None

    def _order(self, **extra: Any) -> dict[str, Any]:
        assert self.server is not None
        return {"op": "resume", "control": self.control.state(), "server": self.server.state(),
                "checkpoints": [[list(ck.position), ck.fifo, ck.pid] for ck in self.checkpoints],
                "frontier": list(self.frontier), "stdin": [
                    b.hex() for b in (self.stdin.record if self.stdin else [])],
                "stats": [self.replays, self.replayed_total, self.last_replayed], **extra}

    def _travel(self, index: int, **extra: Any) -> None:
        ck = self.checkpoints[index]
        if self._send(ck, self._order(**extra)):
            os._exit(0)
        raise RuntimeError("a checkpoint process did not answer")

    def goto(self, goal: Position, reason: StopReason) -> None:
        """Become the machine at `goal` (an earlier position); does not return."""
        i = self._checkpoint_before(goal)
        if i is None:
            return
        self._travel(i, mode="goto", goal=list(goal),
                     reason=[reason.kind, reason.address, reason.signal])

    def reverse_step(self, tid: int) -> None:
        """One instruction back in thread `tid`; returns only at the start of history."""
        prev = self.control.previous_instruction(tid, self.control.position)
        if prev is None or self._checkpoint_before(prev) is None:
            return
        self.goto(prev, StopReason("trap"))

    def reverse_continue(self) -> None:
        """Back to the previous breakpoint or watchpoint hit; returns only when none is
        left before the start of history (the caller then reports it)."""
        pos = self.control.position
        i = self._checkpoint_before(pos)
        if i is None:
            return
        if self.checkpoints[i].position == pos:
            i -= 1
            if i < 0:
                return
        self._travel(i, mode="scan", until=list(pos))

    def diverged(self, pos: Position) -> None:
        """The debugger changed registers or memory: checkpoints after `pos` are another
        future now, and output from here on is new."""
        keep = [ck for ck in self.checkpoints if ck.position <= pos]
        for ck in self.checkpoints[len(keep):]:
            self._send(ck, {"op": "exit"}, wait=False)
        self.checkpoints = keep
        self.frontier = pos

    # --- in the resumed copy ----------------------------------------------------------
    def _adopt(self, order: dict[str, Any]) -> None:
        c = self.control
        self.checkpoints = [Checkpoint(tuple(p), f, pid)  # type: ignore[arg-type]
                            for p, f, pid in order["checkpoints"]]
        self.frontier = tuple(order["frontier"])  # type: ignore[assignment]
        if self.stdin is not None:
            self.stdin.record = [bytes.fromhex(h) for h in order["stdin"]]
        self.replays, self.replayed_total, self.last_replayed = order["stats"]
        c.adopt(order["control"])
        # Whatever this copy was about to report when it was parked is old news.
        c.stop_next = False
        c.step_tid = None
        c.clear_pending()
        assert self.server is not None
        self.server.adopt(order["server"])
        c.history_next = c.icount + self.interval
        here = c.position
        if order["mode"] == "goto":
            goal = tuple(order["goal"])
            kind, address, sig = order["reason"]
            self._count_replay(here, goal)  # type: ignore[arg-type]
            c.goal = goal  # type: ignore[assignment]
            c.goal_reason = StopReason(kind, address=address, signal=sig)
            c.ignore_position = None
        else:
            until = tuple(order["until"])
            c.scan_until = until  # type: ignore[assignment]
            c.scan_hits = []
            c.ignore_position = None
            c.on_scan_done = lambda: self._scan_done(here)

    def _count_replay(self, start: Position, goal: Position) -> None:
        self.replays += 1
        self.last_replayed = goal[1] - start[1]
        self.replayed_total += self.last_replayed

    def _scan_done(self, start: Position) -> None:
        c = self.control
        hits = [h for h in c.scan_hits if h.position < c.scan_until]  # type: ignore[operator]
        c.scan_until = None
        c.on_scan_done = None
        if hits:
            last = hits[-1]
            self.goto(last.position, last)
            return
        i = self._checkpoint_before(start)
        if i is not None and self.checkpoints[i].position == start:
            i -= 1
        if i is None or i < 0:
            first = self.checkpoints[0].position
            self.goto(first, StopReason("begin"))
            return
        self._travel(i, mode="scan", until=list(start))

    def describe(self) -> str:
        first = self.checkpoints[0].position if self.checkpoints else None
        return (f"checkpoints {len(self.checkpoints)} (every {self.interval} instructions, "
                f"first at {first})\nreplays {self.replays}\n"
                f"last replay {self.last_replayed} instructions\n"
                f"replayed total {self.replayed_total} instructions\n"
                f"position {self.control.position}\n")

