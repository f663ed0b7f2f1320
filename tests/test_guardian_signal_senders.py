"""A siginfo naming a process of the program as its sender follows a send that process
made (signal_senders.SendLog): the honest cases pass, a sender that never sent is refused."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import Refused
from guardian.confidential_registry import Registry
from guardian.confidential_selfsignal import SelfSignals
from guardian.signal_senders import SI_QUEUE, SI_TKILL, SI_USER
from guardian.slots import Slot

PARENT, CHILD = 0x1000, 0x2000           # two processes (trees) of domain 1
PARENT_PID, CHILD_PID = 40, 41
SIGUSR1, SIGUSR2, SIGPIPE, SIGXFSZ, SIGRT = 10, 12, 13, 25, 40
EPIPE, EFBIG, MSG_NOSIGNAL = (1 << 64) - 32, (1 << 64) - 27, 0x4000


def _info(signo: int, code: int, pid: int) -> bytes:
    return struct.pack("<iiiiii", signo, 0, code, 0, pid, 0).ljust(128, b"\0")


def _slot(root: int, thread: int, name: str = "getppid", *args: int) -> Slot:
    return Slot(1, 1, UserContext(), 0x400000, NUMBERS[name],
                tuple(args) + (0,) * (6 - len(args)), root=root, thread=thread)


@pytest.fixture
def sigs() -> SelfSignals:
    reg = Registry(None)  # type: ignore[arg-type]
    reg.root_domain.update({PARENT: 1, CHILD: 1})
    reg.process_of_root[CHILD] = 7
    reg.child_pids[(PARENT, CHILD_PID)] = 7        # the parent's fork returned 41
    sigs = SelfSignals(None, reg, None)  # type: ignore[arg-type]
    sigs.signal_state(PARENT).pids.add(PARENT_PID)
    sigs.thread_signals(PARENT, 1).tids.add(PARENT_PID)
    sigs.thread_signals(CHILD, 2).tids.add(CHILD_PID)
    return sigs


def _deliver(sigs: SelfSignals, root: int, thread: int, signo: int, info: bytes) -> None:
    slot = _slot(root, thread)
    sigs.sends.take(sigs.sends.check(slot, signo, info), slot)


def _refused(sigs: SelfSignals, root: int, thread: int, signo: int, info: bytes) -> None:
    with pytest.raises(Refused) as e:
        _deliver(sigs, root, thread, signo, info)
    assert e.value.check == "signal.sender_witnessed"


def test_raise_passes_once_and_a_forged_repeat_is_refused(sigs: SelfSignals) -> None:
    sigs.sends.note(_slot(PARENT, 1, "tgkill", PARENT_PID, PARENT_PID, SIGUSR2))
    info = _info(SIGUSR2, SI_TKILL, PARENT_PID)
    slot = _slot(PARENT, 1)
    sigs.sends.check(slot, SIGUSR2, info)          # asked again after a fault-in: not taken
    _deliver(sigs, PARENT, 1, SIGUSR2, info)
    _refused(sigs, PARENT, 1, SIGUSR2, info)


def test_a_signal_never_sent_is_refused_and_checks_off_lets_it_through(sigs: SelfSignals
                                                                      ) -> None:
    _refused(sigs, PARENT, 1, SIGUSR1, _info(SIGUSR1, SI_USER, PARENT_PID))
    _refused(sigs, PARENT, 1, SIGUSR1, _info(SIGUSR1, SI_QUEUE, CHILD_PID))
    checks.set_mutation("signal.sender_witnessed")
    try:
        _deliver(sigs, PARENT, 1, SIGUSR1, _info(SIGUSR1, SI_USER, PARENT_PID))
    finally:
        checks.set_mutation("")


def test_kill_zero_reaches_each_process_once(sigs: SelfSignals) -> None:
    sigs.sends.note(_slot(PARENT, 1, "kill", 0, SIGUSR1))
    info = _info(SIGUSR1, SI_USER, PARENT_PID)
    _deliver(sigs, PARENT, 1, SIGUSR1, info)
    _deliver(sigs, CHILD, 2, SIGUSR1, info)
    _refused(sigs, CHILD, 2, SIGUSR1, info)


def test_a_child_signals_its_parent_and_coalesced_sends_deliver_once(sigs: SelfSignals
                                                                    ) -> None:
    for _ in range(2):
        sigs.sends.note(_slot(CHILD, 2, "kill", PARENT_PID, SIGUSR1))
    info = _info(SIGUSR1, SI_USER, CHILD_PID)
    _refused(sigs, CHILD, 2, SIGUSR1, info)        # aimed at the parent, not the child
    _deliver(sigs, PARENT, 1, SIGUSR1, info)       # two sends, one pending signal
    _refused(sigs, PARENT, 1, SIGUSR1, info)


def test_real_time_signals_queue_one_per_send(sigs: SelfSignals) -> None:
    for _ in range(2):
        sigs.sends.note(_slot(PARENT, 1, "rt_sigqueueinfo", PARENT_PID, SIGRT, 0))
    info = _info(SIGRT, SI_QUEUE, PARENT_PID)
    _deliver(sigs, PARENT, 1, SIGRT, info)
    _deliver(sigs, PARENT, 1, SIGRT, info)
    _refused(sigs, PARENT, 1, SIGRT, info)


def test_outside_senders_and_the_kernels_own_si_user_pass(sigs: SelfSignals) -> None:
    _deliver(sigs, PARENT, 1, SIGUSR1, _info(SIGUSR1, SI_USER, 999))     # another program
    pipe = _info(SIGPIPE, SI_USER, PARENT_PID)
    _refused(sigs, PARENT, 1, SIGPIPE, pipe)                 # no write found no reader
    sigs.sends.note_kernel_send(_slot(PARENT, 1, "write", 5, 0, 1), EPIPE)
    _refused(sigs, CHILD, 2, SIGPIPE, _info(SIGPIPE, SI_USER, CHILD_PID))   # not its write
    _deliver(sigs, PARENT, 1, SIGPIPE, pipe)                 # the write's own SIGPIPE
    _refused(sigs, PARENT, 1, SIGPIPE, pipe)                 # once
    sigs.sends.note_kernel_send(_slot(PARENT, 1, "sendto", 5, 0, 1, MSG_NOSIGNAL), EPIPE)
    _refused(sigs, PARENT, 1, SIGPIPE, pipe)                 # MSG_NOSIGNAL raises none
    sigs.sends.note_kernel_send(_slot(PARENT, 1, "write", 5, 0, 1), EFBIG)
    _deliver(sigs, PARENT, 1, SIGXFSZ, _info(SIGXFSZ, SI_USER, PARENT_PID))


class _Memory:
    """The program's memory as UserMemory.read sees it: one siginfo at INFO."""

    INFO = 0x5000

    def __init__(self, info: bytes) -> None:
        self.info = info

    def read(self, va: int, n: int, root: int) -> bytes | None:
        return self.info[:n] if va == self.INFO else None


def test_rt_sigtimedwait_answers_only_a_signal_sent(sigs: SelfSignals) -> None:
    wait = _slot(PARENT, 1, "rt_sigtimedwait", 0x4000, _Memory.INFO)
    memory = _Memory(_info(SIGUSR1, SI_TKILL, PARENT_PID))
    with pytest.raises(Refused):
        sigs.sends.check_waited(memory, wait, SIGUSR1)  # type: ignore[arg-type]
    sigs.sends.note(_slot(PARENT, 1, "tkill", PARENT_PID, SIGUSR1))
    sigs.sends.take(sigs.sends.check_waited(memory, wait, SIGUSR1), wait)  # type: ignore[arg-type]
    with pytest.raises(Refused):
        sigs.sends.check_waited(memory, wait, SIGUSR1)  # type: ignore[arg-type]


def test_a_send_carries_the_senders_uid(sigs: SelfSignals) -> None:
    sigs.signal_state(PARENT).uid = 1000            # what getuid told the parent
    for _ in range(2):
        sigs.sends.note(_slot(PARENT, 1, "kill", PARENT_PID, SIGUSR1))
    forged = bytearray(_info(SIGUSR1, SI_USER, PARENT_PID))
    struct.pack_into("<I", forged, 20, 1002)
    _refused(sigs, PARENT, 1, SIGUSR1, bytes(forged))
    struct.pack_into("<I", forged, 20, 1000)
    _deliver(sigs, PARENT, 1, SIGUSR1, bytes(forged))
