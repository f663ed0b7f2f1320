"""The Guardian takes every descriptor's close-on-exec mark the way Linux sets it.

The list of calls comes from the tables, not from this file: every call the
descriptor-table contract (abi/descriptors.py, fd_lowest's unseen makers) says makes a
descriptor has a rule in abi/close_on_exec.py, and every call the kernel model serves
whose handler installs a descriptor has a rule and a case here, run through the kernel
model's own handler and through the Guardian's descriptor table with the call's
close-on-exec flag and without it: both must agree on each new descriptor's FD_CLOEXEC,
and on what an exec keeps.  A new descriptor-making call without a rule (or a served one
without a case) fails here.
"""

from __future__ import annotations

import io
import struct
import tempfile
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from abi.close_on_exec import (
    ALWAYS,
    CLOEXEC_MARKS,
    FCNTL_MAKES,
    FOLLOWED_MAKERS,
    MSG_CMSG_CLOEXEC,
    NEVER,
    PER_OPERATION,
)
from abi.descriptors import AT_FDCWD, F_DUPFD, F_DUPFD_CLOEXEC, NR_FCNTL, O_CLOEXEC
from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from emulator.machine import Machine
from emulator.machine_config import load_machine
from guardian.confidential_admission import Admission
from guardian.confidential_files import Descriptors
from guardian.confidential_registry import Registry
from guardian.fd_lowest import UNSEEN_MAKERS
from kernel_model.elf_loader import parse_elf
from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel, KernelOptions
from kernel_model.process import Thread
from kernel_model.syscalls import SYSCALLS, syscall_name
from workloads import find

ROOT = 0x10000
#: Names the kernel model's descriptor table installs a descriptor through.
INSTALLERS = frozenset({"install", "_install", "dup", "dup2", "dup3"})
AF_UNIX, SOCK_STREAM, SOCK_DGRAM = 1, 1, 2
SOL_SOCKET, SCM_RIGHTS = 1, 1


def _codes(fn: types.FunctionType, seen: set[types.CodeType]) -> Iterator[types.CodeType]:
    """The code of a handler and of every kernel-model function it names, transitively."""
    stack = [fn]
    while stack:
        f = stack.pop()
        if f.__code__ in seen:
            continue
        seen.add(f.__code__)
        todo = [f.__code__]
        while todo:
            code = todo.pop()
            yield code
            todo += [c for c in code.co_consts if isinstance(c, types.CodeType)]
            stack += [g for name in code.co_names
                      if isinstance(g := f.__globals__.get(name), types.FunctionType)
                      and g.__module__.startswith("kernel_model")]


def served_makers() -> set[str]:
    """The calls the kernel model serves whose handler installs a descriptor."""
    return {syscall_name(nr) for nr, fn in SYSCALLS.load_all().items()
            if isinstance(fn, types.FunctionType)
            and any(INSTALLERS & set(code.co_names) for code in _codes(fn, set()))}


def test_every_call_the_contract_says_makes_a_descriptor_has_a_rule() -> None:
    missing = {syscall_name(nr) for nr in FOLLOWED_MAKERS
               if nr not in CLOEXEC_MARKS and nr != NR_FCNTL}
    assert not missing, f"no close-on-exec rule for {sorted(missing)} (abi/close_on_exec.py)"
    unseen = {syscall_name(nr) for nr in UNSEEN_MAKERS
              if nr not in CLOEXEC_MARKS and nr not in PER_OPERATION}
    assert not unseen, f"no close-on-exec rule for {sorted(unseen)} (abi/close_on_exec.py)"
    assert set(FCNTL_MAKES) == {F_DUPFD, F_DUPFD_CLOEXEC}


def test_every_call_the_kernel_model_makes_descriptors_with_has_a_rule_and_a_case() -> None:
    served = served_makers()
    # the scan finds the calls it must (it walks helpers, not only the handler itself)
    assert {"openat", "eventfd2", "pipe2", "accept4", "recvmsg", "fcntl"} <= served
    missing = {n for n in served if NUMBERS[n] not in CLOEXEC_MARKS and n != "fcntl"}
    assert not missing, f"no close-on-exec rule for {sorted(missing)} (abi/close_on_exec.py)"
    assert served <= set(CASES), f"no case here for {sorted(served - set(CASES))}"


# --- the kernel model and the Guardian side by side ------------------------------------------
class _KernelMemory:
    """The program's memory as the Guardian reads it: the kernel model's process."""

    def __init__(self, k: Kernel) -> None:
        self.k = k

    def read(self, va: int, n: int, root: int) -> bytes | None:
        try:
            return self.k.uaccess.read(va, n)
        except KernelError:
            return None

    def first_missing(self, va: int, n: int, write: bool) -> int | None:
        return None


class Bench:
    """A booted kernel model with one process, a scratch page in it, and its calls."""

    def __init__(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="blindfold-cloexec-"))
        (root / "file.txt").write_bytes(b"data\n")
        hw = Machine(load_machine("small"))
        opts = KernelOptions(rootfs=root, stdout=io.BytesIO(), stderr=io.BytesIO(),
                             stdin=io.BytesIO())
        self.k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, opts)
        w = find("hello")
        assert w is not None
        self.k.spawn_init(parse_elf(w.binary.read_bytes()), "/bin/hello", [b"/bin/hello"])
        self.scratch = self.sys("mmap", 0, 1 << 16, 3, 0x22, (1 << 64) - 1, 0)
        self.unix_names = 0

    @property
    def thread(self) -> Thread:
        t = self.k.current
        assert t is not None
        return t

    def sys(self, name: str, *args: int) -> int:
        regs = [*args, *(0,) * (6 - len(args)), 0, 0, NUMBERS[name], 0]
        ret = SYSCALLS[NUMBERS[name]](self.k, self.thread, regs)
        assert isinstance(ret, int) and not -4096 < ret < 0, (name, args, ret)
        return ret

    def put(self, offset: int, data: bytes) -> int:
        self.k.uaccess.write(self.scratch + offset, data)
        return self.scratch + offset

    def u64(self, offset: int) -> int:
        return struct.unpack("<Q", self.k.uaccess.read(self.scratch + offset, 8))[0]

    def listener(self) -> int:
        """A listening AF_UNIX stream socket with one connection waiting."""
        self.unix_names += 1
        name = b"\0cloexec-%d" % self.unix_names
        addr = self.put(0x800, struct.pack("<H", AF_UNIX) + name)
        lfd = self.sys("socket", AF_UNIX, SOCK_STREAM, 0)
        self.sys("bind", lfd, addr, 2 + len(name))
        self.sys("listen", lfd, 4)
        cfd = self.sys("socket", AF_UNIX, SOCK_STREAM, 0)
        self.sys("connect", cfd, addr, 2 + len(name))
        return lfd

    def passing(self) -> tuple[int, int]:
        """(receiving socket, message header) of an eventfd passed with SCM_RIGHTS."""
        pair = self.put(0x900, bytes(8))
        self.sys("socketpair", AF_UNIX, SOCK_STREAM, 0, pair)
        one, two = struct.unpack("<ii", self.k.uaccess.read(pair, 8))
        efd = self.sys("eventfd2", 0, 0)
        iov = self.put(0xA00, struct.pack("<QQ", self.put(0xA80, b"x"), 1))
        cmsg = self.put(0xB00, struct.pack("<QiiiI", 20, SOL_SOCKET, SCM_RIGHTS, efd, 0))
        self.sys("sendmsg", one, self.put(0xC00, struct.pack("<QI4xQQQQi4x", 0, 0, iov, 1,
                                                              cmsg, 24, 0)), 0)
        self.put(0xD80, bytes(64))
        hdr = struct.pack("<QI4xQQQQi4x", 0, 0, self.put(0xD00, struct.pack(
            "<QQ", self.scratch + 0xD40, 16)), 1, self.scratch + 0xD80, 64, 0)
        return two, self.put(0xE00, hdr + bytes(8))


#: call -> (bench, set the call's own close-on-exec flag) -> the call's arguments, run
#: through the kernel model's handler and the Guardian's table alike.
Case = Callable[[Bench, bool], tuple[int, ...]]
_ON = O_CLOEXEC


def _name(b: Bench, text: bytes) -> int:
    return b.put(0x100, text + b"\0")


CASES: dict[str, Case] = {
    "openat": lambda b, on: (AT_FDCWD & (1 << 64) - 1, _name(b, b"/file.txt"), _ON * on, 0),
    "dup": lambda b, on: (b.sys("eventfd2", 0, 0),),
    "dup3": lambda b, on: (b.sys("eventfd2", 0, 0), 40, _ON * on),
    "fcntl": lambda b, on: (b.sys("eventfd2", 0, 0), F_DUPFD_CLOEXEC if on else F_DUPFD, 50),
    "socket": lambda b, on: (AF_UNIX, SOCK_DGRAM | _ON * on, 0),
    "socketpair": lambda b, on: (AF_UNIX, SOCK_STREAM | _ON * on, 0, b.put(0x200, bytes(8))),
    "accept": lambda b, on: (b.listener(), 0, 0),
    "accept4": lambda b, on: (b.listener(), 0, 0, _ON * on),
    "pipe2": lambda b, on: (b.put(0x200, bytes(8)), _ON * on),
    "eventfd2": lambda b, on: (0, _ON * on),
    "epoll_create1": lambda b, on: (_ON * on,),
    "inotify_init1": lambda b, on: (_ON * on,),                         # IN_CLOEXEC = O_CLOEXEC
    "timerfd_create": lambda b, on: (1, _ON * on),                      # CLOCK_MONOTONIC
    "signalfd4": lambda b, on: ((1 << 64) - 1, b.put(0x300, struct.pack("<Q", 1 << 11)), 8,
                                _ON * on),
    "memfd_create": lambda b, on: (_name(b, b"cloexec"), int(on)),     # MFD_CLOEXEC is bit 0
    "pidfd_open": lambda b, on: (b.thread.process.pid, 0),
    # CLONE_PIDFD | SIGCHLD: the pidfd's number where parent_tid names (sys_clone())
    "clone": lambda b, on: (0x1000 | 17, 0, b.put(0x40, bytes(4)), 0, 0),
    "clone3": lambda b, on: (b.put(0x60, struct.pack("<QQ", 0x1000, b.put(0x40, bytes(4)))
                                   + struct.pack("<Q", 0) * 2 + struct.pack("<Q", 17)
                                   + bytes(88 - 40)), 88),
    "recvmsg": lambda b, on: (*b.passing(), MSG_CMSG_CLOEXEC * on),
    "recvmmsg": lambda b, on: (*b.passing(), 1, MSG_CMSG_CLOEXEC * on, 0),
}


#: Calls that write their pair of new descriptors to memory: name -> the argument.
PAIRS = {"pipe2": 0, "socketpair": 3}


@pytest.fixture(scope="module")
def bench() -> Bench:
    return Bench()


def _made(b: Bench, name: str, args: tuple[int, ...], ret: int) -> list[int]:
    """The descriptors the kernel model says the call made."""
    if name in PAIRS:
        return list(struct.unpack("<ii", b.k.uaccess.read(args[PAIRS[name]], 8)))
    if name in ("recvmsg", "recvmmsg"):
        hdr = args[1]
        control = struct.unpack("<Q", b.k.uaccess.read(hdr + 32, 8))[0]
        cmsg_len = struct.unpack("<Q", b.k.uaccess.read(control, 8))[0]
        count = (cmsg_len - 16) // 4
        return list(struct.unpack(f"<{count}i", b.k.uaccess.read(control + 16, 4 * count)))
    if name == "clone":
        return list(struct.unpack("<i", b.k.uaccess.read(args[2], 4)))
    if name == "clone3":
        word = struct.unpack("<Q", b.k.uaccess.read(args[0] + 8, 8))[0]
        return list(struct.unpack("<i", b.k.uaccess.read(word, 4)))
    return [ret]


@pytest.mark.parametrize("on", [False, True], ids=["flag-clear", "flag-set"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_guardian_takes_the_close_on_exec_mark_the_kernel_sets(bench: Bench, name: str,
                                                                 on: bool) -> None:
    b = bench
    before = {fd for fd, _ in b.thread.process.fds.items()}
    args = CASES[name](b, on)
    ret = b.sys(name, *args)
    made = _made(b, name, args, ret)
    fds = b.thread.process.fds
    kernel = {fd: fds.get_cloexec(fd) for fd in made}
    mark = CLOEXEC_MARKS.get(NUMBERS[name])
    if mark == ALWAYS:
        assert all(kernel.values())
    elif mark == NEVER:
        assert not any(kernel.values())
    else:
        assert all(v == on for v in kernel.values()), (name, kernel)   # the case sets it

    files = Descriptors(_KernelMemory(b.k), Admission(None, Registry(None)))  # type: ignore[arg-type]
    files.start(ROOT, 1)
    registry = files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS[name],
                             tuple(args) + (0,) * (6 - len(args)), root=ROOT, thread=1)
    files.check(slot, ret)
    files.record(slot, ret)
    table = files.table(ROOT, 1)
    assert {fd: table.fds[fd].cloexec for fd in made} == kernel

    # exec: the kernel model closes what is marked, the Guardian keeps the rest
    after_exec = fds.fork()
    after_exec.close_on_exec()
    files.note_exec(slot)
    kept = files.exec_tables[-1][0]
    assert {fd for fd in made if fd in kept.fds} == {fd for fd in made if fd in after_exec}
    after_exec.close_all()
    for fd, _ in list(fds.items()):
        if fd not in before:
            fds.close(fd)
