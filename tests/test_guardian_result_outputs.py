"""Iago results of the calls that fill in an output: success means the kernel wrote it,
and a value-result length it writes back stays within the contract.

Tree A (tests/test_secure_mm.py) is domain 1's live address space; its first page (VA)
holds the length words of the socket calls.
"""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.interruptions import INTERRUPTIONS_BY_NR
from abi.layout import EINTR_RESULT, SA_NODEFER, SA_RESTORER
from abi.syscalls import SYSCALL_NAMES
from emulator.fastuc import CTX_SP, UserContext
from guardian.capabilities import RW, W
from guardian.slots import Slot
from tests.test_secure_mm import PAGES_A, ROOT_A, VA, Scene, build_translating

NR = {name: nr for nr, name in SYSCALL_NAMES.items()}
ELR = 0x400104
EFAULT = (1 << 64) - 14
OUT = VA + 1024                     # an output buffer
LEN = VA + 256                      # a socklen_t the program passed
SIGUSR1 = 10
HANDLER, RESTORER = 0x400800, 0x400900


@pytest.fixture(scope="module")
def s() -> Scene:
    return build_translating()


def _resume(s: Scene, name: str, args: tuple[int, ...], ret: int,
            written: list[tuple[int, int]],
            caps: list[tuple[int, int, int]] | None = None) -> int:
    sid = 950 + len(s.g.decisions)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, NR[name], args + (0,) * (6 - len(args)),
                               caps=caps, root=s.b + ROOT_A, thread=1, written=list(written))
    status = return_to_user(s, sid, ret)
    s.g.lock_el1(False)
    s.g.conf.slots.pop(sid, None)
    return status


def return_to_user(s: Scene, sid: int, ret: int) -> int:
    """RESUME with `ret`; a wait answering -EINTR returns through SIGNAL with a handler
    entered, as Linux ends it with -EINTR only then (abi/interruptions.py)."""
    slot = s.g.conf.slots[sid]
    if ret != EINTR_RESULT or slot.nr not in INTERRUPTIONS_BY_NR:
        return s.call(Call.RESUME, sid, ret, slot.kernel_elr)[0]
    space = s.g.conf.domains[1].spaces[s.b + ROOT_A]
    space.handlers.setdefault(SIGUSR1, (HANDLER, SA_RESTORER | SA_NODEFER, RESTORER, 0))
    slot.ctx.set(CTX_SP, VA + 4 * 4096)         # the frame goes on tree A's last pages
    return s.call(Call.SIGNAL, sid, SIGUSR1, 0, 0, 2, 0, ret, slot.kernel_elr)[0]


def _refused_by(s: Scene, check: str) -> bool:
    return s.g.decisions[-1].check == check


@pytest.mark.parametrize(("name", "args", "size"), [
    ("uname", (OUT,), 390),
    ("clock_gettime", (1, OUT), 16),
    ("fstat", (3, OUT), 128),
    ("newfstatat", (3, VA, OUT, 0), 128),
    ("statx", (3, VA, 0, 0x7FF, OUT), 256),
    ("sysinfo", (OUT,), 112),
    ("getrusage", (0, OUT), 144),
    ("rt_sigpending", (OUT, 8), 8),
    ("prlimit64", (0, 7, 0, OUT), 16),
])
def test_a_success_needs_the_whole_output_written(s: Scene, name: str, args: tuple[int, ...],
                                                  size: int) -> None:
    s.hw.ram.write(s.b + PAGES_A + (OUT - VA), bytes(size))   # uname's fields: NUL-ended
    if name == "uname":                            # Linux on an arm64 machine
        s.hw.ram.write(s.b + PAGES_A + (OUT - VA), b"Linux")
        s.hw.ram.write(s.b + PAGES_A + (OUT - VA) + 4 * 65, b"aarch64")
    if name == "sysinfo":                          # procs and mem_unit at least 1
        s.hw.ram.write(s.b + PAGES_A + (OUT - VA) + 80, b"\1")
        s.hw.ram.write(s.b + PAGES_A + (OUT - VA) + 104, b"\1")
    assert _resume(s, name, args, 0, [(OUT, OUT + size)]) == Status.OK
    assert _resume(s, name, args, 0, [(OUT + size // 2, OUT + size), (OUT, OUT + size // 2)]) \
        == Status.OK                                    # in pieces, any order
    assert _resume(s, name, args, EFAULT, []) == Status.OK   # a failure writes nothing
    assert _resume(s, name, args, 0, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.output_written")
    assert _resume(s, name, args, 0, [(OUT, OUT + size - 1)]) == Status.ERR_DENIED


def test_optional_outputs_and_results_that_write_nothing(s: Scene) -> None:
    assert _resume(s, "clock_getres", (1, 0), 0, []) == Status.OK          # NULL res
    assert _resume(s, "gettimeofday", (OUT, 0), 0, [(OUT, OUT + 16)]) == Status.OK
    assert _resume(s, "gettimeofday", (OUT, LEN), 0, [(OUT, OUT + 16)]) == Status.ERR_DENIED
    assert _resume(s, "times", (0,), 1234, []) == Status.OK               # NULL buf
    assert _resume(s, "times", (OUT,), 1234, []) == Status.ERR_DENIED     # ticks: success
    assert _resume(s, "prlimit64", (0, 7, OUT, 0), 0, []) == Status.OK    # set only
    # wait4: WNOHANG with nothing to reap answers 0 and writes nothing; a reaped child's
    # status is written.
    assert _resume(s, "wait4", ((1 << 64) - 1, OUT, 1, 0), 0, []) == Status.OK
    assert _resume(s, "wait4", ((1 << 64) - 1, OUT, 0, 0), 77, []) == Status.ERR_DENIED
    assert _resume(s, "wait4", ((1 << 64) - 1, OUT, 0, 0), 77, [(OUT, OUT + 4)]) == Status.OK


def test_waitid_fills_the_rusage_whenever_it_reports_a_child(s: Scene) -> None:
    info, ru = OUT, OUT + 256
    siginfo = [(info, info + 12), (info + 16, info + 28)]
    s.hw.ram.write(s.b + PAGES_A + (info - VA), struct.pack("<I", 17))      # SIGCHLD
    s.hw.ram.write(s.b + PAGES_A + (info + 16 - VA), struct.pack("<i", 42))  # si_pid
    s.hw.ram.write(s.b + PAGES_A + (ru - VA), bytes(144))   # a rusage's timevals: in range
    reaped = (1, 42, info, 4, ru)                                          # WEXITED
    assert _resume(s, "waitid", reaped, 0, siginfo + [(ru, ru + 144)]) == Status.OK
    assert _resume(s, "waitid", reaped, 0, siginfo) == Status.ERR_DENIED
    assert _refused_by(s, "return.output_written")
    assert _resume(s, "waitid", reaped[:4], 0, siginfo) == Status.OK        # no rusage asked
    # WNOHANG with no child ready: si_signo 0, no rusage written.
    s.hw.ram.write(s.b + PAGES_A + (info - VA), bytes(4))
    assert _resume(s, "waitid", (1, 42, info, 5, ru), 0, siginfo) == Status.OK
    assert _resume(s, "waitid", reaped, 0, siginfo) == Status.ERR_DENIED   # it blocked


def test_sched_getaffinity_reports_only_written_bytes_it_was_asked_for(s: Scene) -> None:
    args = (0, 8, OUT)
    s.hw.ram.write(s.b + PAGES_A + (OUT - VA), struct.pack("<Q", 1))      # CPU 0: never empty
    assert _resume(s, "sched_getaffinity", args, 8, [(OUT, OUT + 8)]) == Status.OK
    assert _resume(s, "sched_getaffinity", args, 8, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.output_written")
    assert _resume(s, "sched_getaffinity", args, 512, [(OUT, OUT + 512)]) == Status.ERR_DENIED
    assert _refused_by(s, "return.count_bound")


def _set_len(s: Scene, value: int) -> None:
    s.hw.ram.write(s.b + PAGES_A + (LEN - VA), struct.pack("<I", value))


def test_getsockopt_never_raises_optlen(s: Scene) -> None:
    caps = [(OUT, OUT + 4, W), (LEN, LEN + 4, RW)]     # derived from optlen 4
    args = (3, 1, 3, OUT, LEN)
    done = [(OUT, OUT + 4), (LEN, LEN + 4)]
    _set_len(s, 4)
    assert _resume(s, "getsockopt", args, 0, done, caps) == Status.OK
    assert _resume(s, "getsockopt", args, 0, [(LEN, LEN + 4)], caps) == Status.ERR_DENIED
    assert _refused_by(s, "return.output_written")
    _set_len(s, 2)
    assert _resume(s, "getsockopt", args, 0, [(OUT, OUT + 2), (LEN, LEN + 4)], caps) == Status.OK
    _set_len(s, 256)
    assert _resume(s, "getsockopt", args, 0, done, caps) == Status.ERR_DENIED
    assert _refused_by(s, "return.value_length")
    assert _resume(s, "getsockopt", args, EFAULT, done, caps) == Status.OK


def test_an_address_length_may_report_truncation_but_not_unwritten_bytes(s: Scene) -> None:
    caps = [(OUT, OUT + 8, W), (LEN, LEN + 4, RW)]     # the program's buffer: 8 bytes
    args = (3, OUT, LEN)
    _set_len(s, 16)                                    # a 16-byte name cut to 8: Linux's way
    assert _resume(s, "getsockname", args, 0, [(OUT, OUT + 8), (LEN, LEN + 4)], caps) \
        == Status.OK
    assert _resume(s, "getsockname", args, 0, [(OUT, OUT + 4), (LEN, LEN + 4)], caps) \
        == Status.ERR_DENIED
    assert _refused_by(s, "return.output_written")
    _set_len(s, 4096)
    assert _resume(s, "accept", args, 5, [(OUT, OUT + 8), (LEN, LEN + 4)], caps) \
        == Status.ERR_DENIED
    assert _refused_by(s, "return.value_length")
    _set_len(s, 8)              # Linux writes the length back whenever it succeeds
    assert _resume(s, "recvfrom", (3, VA + 2048, 4, 0, OUT, LEN), 0, [], caps) \
        == Status.ERR_DENIED
    assert _refused_by(s, "return.output_written")
    _set_len(s, 0)              # an EOF with no sender: a length of 0, nothing to write
    assert _resume(s, "recvfrom", (3, VA + 2048, 4, 0, OUT, LEN), 0, [(LEN, LEN + 4)], caps) \
        == Status.OK


def test_a_count_of_records_fits_the_room_and_was_written(s: Scene) -> None:
    args = (2, OUT)                                    # getgroups(2, list)
    assert _resume(s, "getgroups", args, 2, [(OUT, OUT + 8)]) == Status.OK
    assert _resume(s, "getgroups", args, 64, [(OUT, OUT + 256)]) == Status.ERR_DENIED
    assert _refused_by(s, "return.count_bound")
    assert _resume(s, "getgroups", args, 2, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.output_written")
    assert _resume(s, "getgroups", (0, OUT), 2, []) == Status.OK   # size 0: the number only
    assert _resume(s, "epoll_pwait", (3, OUT, 1, 0), 20, [(OUT, OUT + 320)]) \
        == Status.ERR_DENIED
    assert _refused_by(s, "return.count_bound")


def test_names_end_with_their_nul(s: Scene) -> None:
    s.hw.ram.write(s.b + PAGES_A + (OUT - VA), b"/tmp/abc" + bytes(400))
    assert _resume(s, "getcwd", (OUT, 32), 9, [(OUT, OUT + 9)]) == Status.OK
    assert _resume(s, "getcwd", (OUT, 32), 8, [(OUT, OUT + 8)]) == Status.ERR_DENIED
    assert _refused_by(s, "return.string_nul")
    s.hw.ram.write(s.b + PAGES_A + (OUT - VA) + 65, b"x" * 65)   # utsname's nodename
    assert _resume(s, "uname", (OUT,), 0, [(OUT, OUT + 390)]) == Status.ERR_DENIED
    assert _refused_by(s, "return.string_nul")
    s.hw.ram.write(s.b + PAGES_A + (OUT - VA), b"y" * 16)
    assert _resume(s, "prctl", (16, OUT), 0, [(OUT, OUT + 16)]) == Status.ERR_DENIED  # GET_NAME
    assert _refused_by(s, "return.string_nul")
    assert _resume(s, "prctl", (15, OUT), 0, []) == Status.OK                     # SET_NAME


def test_outputs_by_command_and_on_eintr(s: Scene) -> None:
    eintr = (1 << 64) - 4
    assert _resume(s, "ioctl", (1, 0x5413, OUT), 0, []) == Status.ERR_DENIED     # TIOCGWINSZ
    assert _refused_by(s, "return.output_written")
    assert _resume(s, "ioctl", (1, 0x5413, OUT), 0, [(OUT, OUT + 8)]) == Status.OK
    assert _resume(s, "ioctl", (1, 0x5421, OUT), 0, []) == Status.OK             # FIONBIO
    assert _resume(s, "fcntl", (3, 16, OUT), 0, []) == Status.ERR_DENIED         # F_GETOWN_EX
    s.hw.ram.write(s.b + PAGES_A + (OUT - VA), struct.pack("<qq", 0, 5))   # 5 ns left
    assert _resume(s, "nanosleep", (VA, OUT), eintr, []) == Status.ERR_DENIED
    assert _resume(s, "nanosleep", (VA, OUT), eintr, [(OUT, OUT + 16)]) == Status.OK
    assert _resume(s, "nanosleep", (VA, OUT), 0, []) == Status.OK
    assert _resume(s, "clock_nanosleep", (1, 1, VA, OUT), eintr, []) == Status.OK  # absolute


def test_capget_fills_what_the_version_asked_for(s: Scene) -> None:
    s.hw.ram.write(s.b + PAGES_A + (LEN - VA), struct.pack("<I", 0x19980330))   # v1: 12 bytes
    assert _resume(s, "capget", (LEN, OUT), 0, [(OUT, OUT + 12)]) == Status.OK
    s.hw.ram.write(s.b + PAGES_A + (LEN - VA), struct.pack("<I", 0x20080522))   # v3: 24 bytes
    assert _resume(s, "capget", (LEN, OUT), 0, [(OUT, OUT + 12)]) == Status.ERR_DENIED
    assert _resume(s, "capget", (0, OUT), 0, []) == Status.ERR_DENIED            # no header
