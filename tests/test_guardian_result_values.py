"""Iago results about the values inside outputs: normalised times, a CPU mask of the
machine's CPUs, ready sets the program asked about, control messages inside their length.

Tree A (tests/test_secure_mm.py) is domain 1's live address space; OUT is an output
buffer in its first page.
"""

from __future__ import annotations

import struct

import pytest

from abi import Status
from emulator.fastuc import UserContext
from guardian.capabilities import W
from guardian.slots import Slot
from tests.test_guardian_result_outputs import ELR, NR, OUT, VA, _refused_by, return_to_user
from tests.test_secure_mm import PAGES_A, ROOT_A, Scene, build_translating

EINTR = (1 << 64) - 4
MSG = VA + 512                        # a struct msghdr
POLLIN, POLLOUT, POLLHUP = 0x1, 0x4, 0x10


@pytest.fixture(scope="module")
def s() -> Scene:
    return build_translating()


def _put(s: Scene, va: int, data: bytes) -> None:
    s.hw.ram.write(s.b + PAGES_A + (va - VA), data)


def _resume(s: Scene, name: str, args: tuple[int, ...], ret: int,
            written: list[tuple[int, int]], asked: dict[int, bytes] | None = None,
            caps: list[tuple[int, int, int]] | None = None, noted: bool = False) -> int:
    """`noted`: the slot counted each tree's returns to user at its entry, as
    quiet_ranges.note() does for a noted call (its ranges may then be judged quiet)."""
    sid = 970 + len(s.g.decisions)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, NR[name], args + (0,) * (6 - len(args)),
                               caps=caps, root=s.b + ROOT_A, thread=1, written=list(written),
                               asked=dict(asked or {}))
    if noted:
        s.g.conf.slots[sid].runs_at_entry = {
            root: s.g.conf.registry.user_runs.get(root, 0)
            for root in s.g.conf.registry.domains[1].spaces}
    status = return_to_user(s, sid, ret)
    s.g.lock_el1(False)
    s.g.conf.slots.pop(sid, None)
    return status


@pytest.mark.parametrize(("name", "args", "ret", "size", "field", "bound", "fmt"), [
    ("clock_gettime", (1, OUT), 0, 16, 8, 10**9, "<q"),
    ("clock_getres", (1, OUT), 0, 16, 8, 10**9, "<q"),
    ("gettimeofday", (OUT, 0), 0, 16, 8, 10**6, "<q"),
    ("timerfd_gettime", (3, OUT), 0, 32, 24, 10**9, "<q"),      # it_value's tv_nsec
    ("getrusage", (0, OUT), 0, 144, 24, 10**6, "<q"),           # ru_stime's tv_usec
    ("fstat", (3, OUT), 0, 128, 96, 10**9, "<q"),               # st_mtime_nsec
    ("statx", (3, VA, 0, 0x7FF, OUT), 0, 256, 0x58, 10**9, "<I"),   # stx_btime.tv_nsec
    ("nanosleep", (VA, OUT), EINTR, 16, 8, 10**9, "<q"),        # the remaining time
])
def test_every_time_value_written_is_normalised(s: Scene, name: str, args: tuple[int, ...],
                                                ret: int, size: int, field: int, bound: int,
                                                fmt: str) -> None:
    _put(s, OUT, bytes(size))
    done = [(OUT, OUT + size)]
    _put(s, OUT + field, struct.pack(fmt, bound - 1))
    assert _resume(s, name, args, ret, done) == Status.OK
    _put(s, OUT + field, struct.pack(fmt, bound))
    assert _resume(s, name, args, ret, done) == Status.ERR_DENIED
    assert _refused_by(s, "return.time_normal")
    if fmt == "<q":
        _put(s, OUT + field, struct.pack(fmt, -1))
        assert _resume(s, name, args, ret, done) == Status.ERR_DENIED
    _put(s, OUT, bytes(size))


def test_pselect6s_time_left_is_judged_where_the_kernel_wrote_it(s: Scene) -> None:
    ts = OUT + 64
    args = (0, 0, 0, 0, ts, 0)                     # no sets: a sleep
    _put(s, ts, struct.pack("<qq", 0, 10**9))     # the program's own (bad) value, unwritten
    assert _resume(s, "pselect6", args, 0, []) == Status.OK
    assert _resume(s, "pselect6", args, 0, [(ts, ts + 16)]) == Status.ERR_DENIED
    assert _refused_by(s, "return.time_normal")
    assert _resume(s, "pselect6", args, 0, [(ts, ts + 8)]) == Status.ERR_DENIED   # torn
    assert _refused_by(s, "return.output_written")
    _put(s, ts, struct.pack("<qq", 1, 10**9 - 1))
    assert _resume(s, "pselect6", args, 0, [(ts, ts + 16)]) == Status.OK


def test_an_affinity_mask_names_only_the_machines_cpus(s: Scene) -> None:
    cpus = len(s.hw.cpus)
    args, done = (0, 16, OUT), [(OUT, OUT + 8)]
    _put(s, OUT, ((1 << cpus) - 1).to_bytes(8, "little"))
    assert _resume(s, "sched_getaffinity", args, 8, done) == Status.OK
    _put(s, OUT, (1 << cpus).to_bytes(8, "little"))
    assert _resume(s, "sched_getaffinity", args, 8, done) == Status.ERR_DENIED
    assert _refused_by(s, "return.cpu_mask")


def test_pselect6_reports_only_descriptors_it_was_asked_about(s: Scene) -> None:
    rd, wr = OUT, OUT + 8
    args = (5, rd, wr, 0, 0, 0)                    # nfds 5: one long per set
    asked = {rd: (1 << 3).to_bytes(8, "little"), wr: (1 << 4 | 1 << 3).to_bytes(8, "little")}
    done = [(rd, rd + 8), (wr, wr + 8)]

    def answer(read_bits: int, write_bits: int, ret: int) -> int:
        _put(s, rd, read_bits.to_bytes(8, "little"))
        _put(s, wr, write_bits.to_bytes(8, "little"))
        return _resume(s, "pselect6", args, ret, done, asked)

    assert answer(1 << 3, 1 << 4 | 1 << 3, 3) == Status.OK
    assert answer(0, 0, 0) == Status.OK                              # a timeout
    assert answer(1 << 8, 0, 1) == Status.ERR_DENIED                  # past nfds
    assert _refused_by(s, "return.ready_sets")
    assert answer(1 << 1, 0, 1) == Status.ERR_DENIED                  # never asked
    assert answer(1 << 3, 0, 2) == Status.ERR_DENIED                  # count != bits
    assert _refused_by(s, "return.ready_sets")


def test_ppoll_reports_revents_only_for_what_was_asked(s: Scene) -> None:
    entries = [(3, POLLIN), (-1, POLLIN), (4, POLLOUT)]
    asked = {OUT: b"".join(struct.pack("<ihh", fd, ev, 0) for fd, ev in entries)}
    args, done = (OUT, 3, 0, 0, 8), [(OUT, OUT + 24)]

    def answer(revents: list[int], ret: int, fds: list[int] | None = None) -> int:
        fds = fds or [fd for fd, _ in entries]
        _put(s, OUT, b"".join(struct.pack("<ihh", fd, ev, r)
                              for fd, (_, ev), r in zip(fds, entries, revents, strict=True)))
        return _resume(s, "ppoll", args, ret, done, asked)

    assert answer([POLLIN, 0, POLLOUT | POLLHUP], 2) == Status.OK
    assert answer([POLLOUT, 0, 0], 1) == Status.ERR_DENIED            # not asked
    assert _refused_by(s, "return.ready_sets")
    assert answer([0, POLLIN, 0], 1) == Status.ERR_DENIED             # a negative fd
    assert answer([POLLIN, 0, 0], 2) == Status.ERR_DENIED             # count != entries
    assert answer([POLLIN, 0, 0], 1, [3, -1, 9]) == Status.ERR_DENIED  # fd rewritten
    assert _refused_by(s, "return.ready_sets")


def test_control_messages_lie_inside_the_controllen_written_back(s: Scene) -> None:
    control, room = OUT, 64
    _put(s, MSG, struct.pack("<QIIQQQQI", 0, 0, 0, 0, 0, control, room, 0))
    caps = [(control, control + room, W)]

    def answer(cmsgs: bytes, controllen: int) -> int:
        _put(s, control, cmsgs.ljust(room, b"\0"))
        _put(s, MSG + 40, struct.pack("<Q", controllen))
        written = [(MSG + 40, MSG + 52), (control, control + len(cmsgs))]
        return _resume(s, "recvmsg", (3, MSG, 0), 0, written, caps=caps)

    creds = struct.pack("<QiiIII", 28, 1, 2, 1, 0, 0)                # SCM_CREDENTIALS
    rights = struct.pack("<Qiii", 20, 1, 1, 5)                        # SCM_RIGHTS, one fd
    assert answer(creds + bytes(4) + rights, 32 + 24) == Status.OK
    assert answer(rights[:16] + bytes(4), 20) == Status.OK            # cut at controllen
    assert answer(struct.pack("<Qii", 200, 1, 2) + bytes(8), 24) == Status.ERR_DENIED
    assert _refused_by(s, "return.cmsg_layout")
    assert answer(struct.pack("<Qii", 8, 1, 2) + bytes(8), 24) == Status.ERR_DENIED
    assert answer(creds + bytes(4) + rights[:8], 40) == Status.ERR_DENIED   # a torn header
    assert _refused_by(s, "return.cmsg_layout")
