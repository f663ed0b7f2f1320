"""Event files (epoll, eventfd, timerfd, signalfd) as objects, and the events workload
under the Guardian: the confidential run must print exactly what the native one does.

The workload itself (real AArch64 code) is compared with qemu-user by
test_differential and checked line by line by test_boot_workloads.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

from cli.session import run_program
from emulator.clock import VirtualClock
from kernel_model import linux_structs as ls
from kernel_model import signals as sig
from kernel_model.epoll import EPOLLET, EPOLLIN, EPOLLONESHOT, EPOLLOUT, Epoll, pack_events
from kernel_model.errors import KernelError
from kernel_model.eventfd import EFD_SEMAPHORE, EventFd
from kernel_model.files import HostFile, make_pipe
from kernel_model.ktimers import KernelTimers
from kernel_model.signalfd import signalfd_siginfo
from kernel_model.timerfd import CLOCK_MONOTONIC, TFD_TIMER_ABSTIME, TimerFd


def _held(*files):  # noqa: ANN002, ANN202
    for f in files:
        f.incref()
    return files


def test_epoll_level_edge_oneshot_on_a_pipe() -> None:
    r, w = _held(*make_pipe())
    level, edge, once = (Epoll(0) for _ in range(3))
    level.add(3, r, EPOLLIN, 1)
    edge.add(3, r, EPOLLIN | EPOLLET, 2)
    once.add(3, r, EPOLLIN | EPOLLONESHOT, 3)
    assert level.collect(8) == edge.collect(8) == once.collect(8) == []
    w.write(b"xy")
    assert level.collect(8) == [(EPOLLIN, 1)] and level.collect(8) == [(EPOLLIN, 1)]
    assert edge.collect(8) == [(EPOLLIN, 2)] and edge.collect(8) == []
    assert once.collect(8) == [(EPOLLIN, 3)] and once.collect(8) == []
    r.read(1)                       # wakes writers only: no new edge for a reader
    assert edge.collect(8) == []
    w.write(b"z")
    assert edge.collect(8) == [(EPOLLIN, 2)]
    once.modify(3, r, EPOLLIN, 4)
    assert once.collect(8) == [(EPOLLIN, 4)]


def test_epoll_refuses_regular_files_and_duplicates(tmp_path: Path) -> None:
    import os
    p = tmp_path / "f"
    p.write_bytes(b"x")
    f = HostFile(os.open(p, os.O_RDONLY), ls.O_RDONLY, "/f", p)
    ep = Epoll(0)
    with pytest.raises(KernelError) as e:
        ep.add(3, f, EPOLLIN, 0)
    assert e.value.errno == 1      # EPERM
    r, _w = _held(*make_pipe())
    ep.add(4, r, EPOLLIN, 0)
    with pytest.raises(KernelError) as e:
        ep.add(4, r, EPOLLIN, 0)
    assert e.value.errno == 17     # EEXIST
    f.close()


def test_epoll_event_layout_is_aarch64() -> None:
    """16 bytes per event on AArch64 (packed to 12 only on x86-64)."""
    assert pack_events([(EPOLLIN | EPOLLOUT, 0x1122334455667788)]) == (
        struct.pack("<I", 5) + bytes(4) + struct.pack("<Q", 0x1122334455667788))


def test_eventfd_counter_and_semaphore() -> None:
    e = EventFd(0, 0)
    assert e.read(8) is None
    assert e.write(struct.pack("<Q", 5)) == 8
    assert e.read(8) == struct.pack("<Q", 5)
    s = EventFd(3, EFD_SEMAPHORE)
    assert [s.read(8) for _ in range(4)] == [struct.pack("<Q", 1)] * 3 + [None]
    assert e.write(struct.pack("<Q", 0xFFFF_FFFF_FFFF_FFFE)) == 8
    assert e.write(struct.pack("<Q", 1)) is None      # would pass the maximum: wait


def test_timerfd_counts_expiries_on_the_virtual_clock() -> None:
    clock = VirtualClock(1_000_000_000)
    timers = KernelTimers(clock)
    t = TimerFd(CLOCK_MONOTONIC, 0, timers, lambda: clock.nanoseconds, lambda: 0)
    t.settime(0, 10_000_000, 25_000_000)          # first at 25 ms, then every 10 ms
    assert timers.next_deadline() == 25_000_000
    clock.advance(24_999_999)
    timers.fire()
    assert t.read(8) is None
    clock.advance(1 + 30_000_000)                  # 55 ms: expiries at 25, 35, 45, 55
    timers.fire()
    assert t.read(8) == struct.pack("<Q", 4)
    assert t.gettime() == (10_000_000, 10_000_000)
    t.settime(TFD_TIMER_ABSTIME, 0, 1)            # absolute time long past: expires at once
    assert t.read(8) == struct.pack("<Q", 1) and not timers


def test_signalfd_siginfo_layout() -> None:
    info = sig.pack_siginfo(sig.SIGCHLD, sig.CLD_EXITED, pid=42, status=3)
    rec = signalfd_siginfo(info, sig.SIGCHLD)
    assert len(rec) == 128
    signo, _errno, code, pid, _uid = struct.unpack_from("<IiiII", rec)
    assert (signo, code, pid) == (sig.SIGCHLD, sig.CLD_EXITED, 42)
    assert struct.unpack_from("<i", rec, 40)[0] == 3       # ssi_status


def _run(*flags: str, tmp_path: Path) -> tuple[int, bytes]:
    out = io.BytesIO()
    kwargs = {"guardian": "on", "confidential": True} if "confidential" in flags else {}
    res = run_program("events", ["pwait2"], rootfs=tmp_path, stdout=out, stderr=io.BytesIO(),
                      stdin=io.BytesIO(), **kwargs)
    return res.exit_code, out.getvalue()


def test_events_workload_confidential_matches_native(tmp_path: Path) -> None:
    native = _run(tmp_path=tmp_path)
    confidential = _run("confidential", tmp_path=tmp_path)
    assert native[0] == 0 and b"passed: 0 failures" in native[1]
    assert confidential == native
