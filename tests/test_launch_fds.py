"""Round 80's never-opened numbers (guardian/launch_fds.py, `return.fd_never_opened`):
under the README's launch the program starts with 0..2 only, so kcmp() of a number
nothing ever opened (ZV-001, ZV-020's idx1, a slot's efd), pidfd_getfd() of one in the
caller's own table (ZV-005) and perf_event_open()'s group_fd (ZV-008) answer -EBADF
(get_file_raw_ptr(), fget_task(), perf_fget_light()).  Beside each, the honest
neighbours: a stated launch number (`--launch-fds`), one a call installed, 0..2, a table
an unfollowed call may have filled, another thread's call in flight."""

from __future__ import annotations

import errno
import struct
from pathlib import Path

import pytest

from abi.syscalls import NUMBERS as N
from cli.session import _launch_fds
from emulator.errors import UsageError
from guardian import launch_fds
from guardian.checks import Refused
from guardian.kcmp_known import check as check_known
from guardian.launch_facts import LaunchFacts
from guardian.open_files import FileTable, OpenFile
from guardian.slots import Slot
from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel, KernelOptions
from kernel_model.syscalls import SYSCALLS
from tests.test_descriptor_kind_r79 import OWN, _Files, _judge
from tests.test_kernel_file_mappings import HELLO, Machine, load_machine, parse_elf

NEVER = 900


class _Launch(_Files):
    """The r79 fake under the launch: a fresh table, the launch as stated."""

    def __init__(self, stated: frozenset[int] = frozenset(), steady: bool = True) -> None:
        super().__init__()
        self.table.fresh = True
        self.stated = type("S", (), {"launch": LaunchFacts()})()
        self.stated.launch.fds = stated
        self._steady = steady
        self.table.fds[3] = OpenFile(path="/dev/null")
        self.table.fds[4] = OpenFile(maker=N["pidfd_open"], pid=OWN)
        self.table.fds[5] = OpenFile(maker=N["epoll_create1"])

    def steady(self, _slot: Slot) -> bool:
        return self._steady


def _calls(fd: int) -> list[tuple[str, tuple[int, ...], int]]:
    """(call, args, a forged success) naming `fd` as ZV-001, 020, 005, 008 do."""
    return [("kcmp", (OWN, OWN, 0, 3, fd), 1),                      # ZV-001
            ("kcmp", (OWN, OWN, 0, fd, 3), 2),
            ("kcmp", (OWN, OWN, 7, fd, 0x1000), 0),                 # ZV-020
            ("pidfd_getfd", (4, fd, 0), 6),                         # ZV-005
            ("perf_event_open", (0x2000, 0, -1 & (1 << 64) - 1, fd, 0), 5)]  # ZV-008


def _run(files: _Launch, nr: str, args: tuple[int, ...], ret: int) -> None:
    slot = Slot(9, 1, None, 0, N[nr], args, 1, 2)
    _judge(files, slot, ret, struct.pack("<IIQ", 5, 3, 0))


@pytest.mark.parametrize("call", range(5))
def test_a_number_never_opened_is_refused(call: int) -> None:
    nr, args, ret = _calls(NEVER)[call]
    with pytest.raises(Refused) as e:
        _run(_Launch(), nr, args, ret)
    assert e.value.check == "return.fd_never_opened"


@pytest.mark.parametrize("call", range(5))
def test_honest_neighbours_pass(call: int) -> None:
    nr, args, ret = _calls(NEVER)[call]
    _run(_Launch(frozenset({NEVER})), nr, args, ret)        # --launch-fds 900
    made = _Launch()
    made.table.fds[NEVER] = OpenFile(maker=N["perf_event_open"])   # a call of the program's made it
    _run(made, nr, args, ret)
    unknown = _Launch()
    unknown.table.fresh = False                             # an unfollowed call may have
    _run(unknown, nr, args, ret)
    _run(_Launch(steady=False), nr, args, ret)              # another thread's call in flight
    for console in (0, 1, 2):                               # maybe open (the shell's)
        nr, args, ret = _calls(console)[call]
        _run(_Launch(), nr, args, ret)


def test_a_slot_efd_never_opened_is_refused() -> None:
    files = _Launch()
    slot = Slot(9, 1, None, 0, N["kcmp"], (OWN, OWN, 7, 3, 0x1000), 1, 2)
    with pytest.raises(Refused, match="fd_never_opened"):
        check_known(files, slot, 0, OWN, lambda _a, _n: struct.pack("<I", NEVER))  # type: ignore[arg-type]
    check_known(files, slot, 0, OWN, lambda _a, _n: struct.pack("<I", 5))  # type: ignore[arg-type]
    files.stated.launch.fds = frozenset({NEVER})
    check_known(files, slot, 0, OWN, lambda _a, _n: struct.pack("<I", NEVER))  # type: ignore[arg-type]


def test_the_facts_follow_the_table() -> None:
    """A fork's copy (dup_fd()) keeps them; an unfollowed installer forgets them."""
    t = FileTable(fresh=True)
    assert t.copy().fresh and t.copy(keep_pids=True).fresh
    launch = LaunchFacts()
    assert launch_fds.never_opened(t, launch, NEVER)
    assert not launch_fds.never_opened(t, launch, 2) and not launch_fds.never_opened(t, launch, -1)
    launch_fds.forget(t)
    assert not launch_fds.never_opened(t, launch, NEVER)
    assert not launch_fds.never_opened(FileTable(), launch, NEVER)     # an exec's, a bare one


def _msghdr(control: bytes) -> dict[int, bytes]:
    return {0x100 + 32: struct.pack("<QQ", 0x400 if control else 0, len(control)),
            0x400: control}


def _cmsg(level: int, kind: int, *fds: int) -> bytes:
    body = struct.pack(f"<{len(fds)}i", *fds)
    raw = struct.pack("<QII", 16 + len(body), level, kind) + body
    return raw + bytes(-len(raw) % 8)


def test_a_recvmsg_is_followed_only_where_its_numbers_are_all_read() -> None:
    def follows(control: bytes, ret: int = 1, alone: bool = True, nr: str = "recvmsg") -> bool:
        mem = _msghdr(control)
        return launch_fds.follows_recv(lambda va, n: mem.get(va), N[nr], 0x100, ret, alone)
    assert follows(b"") and follows(_cmsg(1, 1, 7, 8))              # SCM_RIGHTS: read back
    assert not follows(_cmsg(1, 4, 7))                              # SCM_PIDFD (6.5+)
    assert not follows(_cmsg(1, 1, 7)[:12])                         # cut short: unknown
    assert not follows(_cmsg(1, 1, 7), ret=-14)                     # failed after installing
    assert not follows(_cmsg(1, 1, 7), alone=False)                 # another thread may write
    assert not follows(_cmsg(1, 1, 7), nr="recvmmsg")


@pytest.mark.parametrize("text", ["0", "2", "x", "3,,4", "-5", "2147483584"])
def test_a_bad_launch_fd_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--launch-fds"):
        _launch_fds(text)


def test_launch_fds_parse() -> None:
    assert _launch_fds(None) == frozenset()
    assert _launch_fds("900, 3") == frozenset({3, 900})
    with pytest.raises(UsageError, match="RLIMIT_NOFILE"):
        _launch_fds("5000")


def test_the_kernel_model_starts_the_launch_with_the_stated_numbers(tmp_path: Path) -> None:
    """`--launch-fds 5,900`: the program starts with 0..2 and each stated number open on
    /dev/null (a shell's `900</dev/null`), and no other; fcntl(F_GETFD) finds them."""
    hw = Machine(load_machine("small"))
    k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats,
               KernelOptions(rootfs=tmp_path, launch_fds=frozenset({5, 900})))
    k.spawn_init(parse_elf(HELLO.read_bytes(), "/bin/hello"), "/bin/hello", [b"/bin/hello"])
    for fd in (5, 900):
        assert SYSCALLS[N["fcntl"]](k, k.init.threads[0], (fd, 1, 0, 0, 0, 0)) == 0, fd
    for fd in (3, 901):
        with pytest.raises(KernelError) as e:
            SYSCALLS[N["fcntl"]](k, k.init.threads[0], (fd, 1, 0, 0, 0, 0))
        assert e.value.errno == errno.EBADF
    assert k.init.fds.get(900).guest_path == "/dev/null"


def test_a_fork_while_another_thread_is_in_a_call_forgets() -> None:
    """dup_fd() copies what another thread's call in flight may have installed already:
    the child's copy is not fresh; with no other call in flight it is."""
    from types import SimpleNamespace

    from guardian.fd_tables import TableLifecycle
    table = FileTable(fresh=True)
    other = Slot(3, 1, None, 0, N["openat"], (0,) * 6, 1, 7)
    fake = SimpleNamespace(tables={(1, 2): table, (1, 7): table},
                           admission=SimpleNamespace(registry=SimpleNamespace(slots={})))
    assert TableLifecycle._forked(fake, table, (1, 2)).fresh  # type: ignore[arg-type]
    fake.admission.registry.slots = {3: other}
    assert not TableLifecycle._forked(fake, table, (1, 2)).fresh  # type: ignore[arg-type]
