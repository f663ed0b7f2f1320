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
from guardian.slots import Domain, Slot, Space

PARENT, CHILD = 0x1000, 0x2000           # two processes (trees) of domain 1
PARENT_PID, CHILD_PID = 40, 41
SIGUSR1, SIGUSR2, SIGPIPE, SIGXFSZ, SIGRT = 10, 12, 13, 25, 40
EPIPE, EFBIG, MSG_NOSIGNAL = (1 << 64) - 32, (1 << 64) - 27, 0x4000
SI_KERNEL, SI_TIMER = 0x80, -2
SECOND, SECOND_TID = 3, 43               # a second thread of the parent's process
UNTOLD = 4                               # a thread whose id the Guardian was never told
NEW = 0x3000                             # the parent's tree after an exec (domain 2)


def _info(signo: int, code: int, pid: int) -> bytes:
    return struct.pack("<iiiiii", signo, 0, code, 0, pid, 0).ljust(128, b"\0")


def _slot(root: int, thread: int, name: str = "getppid", *args: int) -> Slot:
    return Slot(1, 2 if root == NEW else 1, UserContext(), 0x400000, NUMBERS[name],
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


# --- a thread-directed send reaches the thread it names (QY-020..QY-022) -------------------
def _threads(sigs: SelfSignals) -> None:
    """The parent's process has a second thread, whose id (43) its clone bound (the TID
    word it stored before the thread first ran), and one whose id nothing told; the fork
    child's first thread was bound its pid."""
    dom = Domain(1)
    dom.spaces = {PARENT: Space(), CHILD: Space()}
    dom.spaces[PARENT].tids[SECOND] = SECOND_TID
    dom.spaces[CHILD].tids[2] = CHILD_PID
    sigs.registry.domains[1] = dom


def test_a_tgkill_is_taken_only_by_the_thread_it_names(sigs: SelfSignals) -> None:
    _threads(sigs)
    sigs.sends.note(_slot(PARENT, 1, "tgkill", PARENT_PID, PARENT_PID, SIGUSR2))
    info = _info(SIGUSR2, SI_TKILL, PARENT_PID)
    _refused(sigs, PARENT, SECOND, SIGUSR2, info)   # moved to (or copied for) another thread
    wait = _slot(PARENT, SECOND, "rt_sigtimedwait", 0x4000, _Memory.INFO)
    with pytest.raises(Refused):
        sigs.sends.check_waited(_Memory(info), wait, SIGUSR2)  # type: ignore[arg-type]
    _deliver(sigs, PARENT, 1, SIGUSR2, info)        # the thread it named takes it, once
    _refused(sigs, PARENT, 1, SIGUSR2, info)
    sigs.sends.note(_slot(PARENT, 1, "tgkill", PARENT_PID, SECOND_TID, SIGUSR2))
    _refused(sigs, PARENT, 1, SIGUSR2, info)        # the sender does not take its own send
    _deliver(sigs, PARENT, SECOND, SIGUSR2, info)   # known by the id its clone bound
    checks.set_mutation("signal.sender_witnessed")
    try:
        sigs.sends.note(_slot(PARENT, 1, "tgkill", PARENT_PID, PARENT_PID, SIGUSR2))
        _deliver(sigs, PARENT, SECOND, SIGUSR2, info)
    finally:
        checks.set_mutation("")


def test_a_thread_takes_what_the_process_was_sent_and_what_others_sent(sigs: SelfSignals
                                                                         ) -> None:
    _threads(sigs)
    sigs.sends.note(_slot(PARENT, 1, "kill", PARENT_PID, SIGUSR1))   # to the process
    _deliver(sigs, PARENT, SECOND, SIGUSR1, _info(SIGUSR1, SI_USER, PARENT_PID))
    sigs.sends.note(_slot(PARENT, 1, "rt_sigqueueinfo", PARENT_PID, SIGRT, 0))
    _deliver(sigs, PARENT, SECOND, SIGRT, _info(SIGRT, SI_QUEUE, PARENT_PID))
    sigs.sends.note(_slot(PARENT, 1, "rt_tgsigqueueinfo", PARENT_PID, SECOND_TID, SIGRT, 0))
    _refused(sigs, PARENT, 1, SIGRT, _info(SIGRT, SI_QUEUE, PARENT_PID))
    _deliver(sigs, PARENT, SECOND, SIGRT, _info(SIGRT, SI_QUEUE, PARENT_PID))
    for code, pid in ((SI_USER, 999), (SI_TKILL, 999), (SI_QUEUE, 999), (SI_KERNEL, 0),
                      (SI_TIMER, 0)):
        # Another process's send, or the kernel's own: not the program's, not judged.
        _deliver(sigs, PARENT, SECOND, SIGUSR1, _info(SIGUSR1, code, pid))
    # A child of the program ends: SIGCHLD (CLD_EXITED) names the child, not a send.
    _deliver(sigs, PARENT, SECOND, 17, _info(17, 1, CHILD_PID))


def test_coalesced_and_in_flight_tgkills_and_a_thread_not_told_its_id(sigs: SelfSignals
                                                                     ) -> None:
    _threads(sigs)
    for _ in range(2):      # a standard signal pends once however often it is sent
        sigs.sends.note(_slot(PARENT, 1, "tgkill", PARENT_PID, SECOND_TID, SIGUSR2))
    info = _info(SIGUSR2, SI_TKILL, PARENT_PID)
    _deliver(sigs, PARENT, SECOND, SIGUSR2, info)
    _refused(sigs, PARENT, SECOND, SIGUSR2, info)
    # A tgkill still in progress (noted at its entry) may already be taken by a wait.
    sigs.sends.note(_slot(PARENT, 1, "tgkill", PARENT_PID, SECOND_TID, SIGUSR2))
    wait = _slot(PARENT, SECOND, "rt_sigtimedwait", 0x4000, _Memory.INFO)
    sigs.sends.take(sigs.sends.check_waited(_Memory(info), wait, SIGUSR2), wait)  # type: ignore[arg-type]
    # A thread whose id the Guardian does not know is not judged by the id a send names.
    sigs.sends.note(_slot(PARENT, 1, "tgkill", PARENT_PID, PARENT_PID, SIGUSR2))
    _deliver(sigs, PARENT, UNTOLD, SIGUSR2, info)


def test_a_tgkill_sent_before_a_fork_stays_with_the_parent(sigs: SelfSignals) -> None:
    _threads(sigs)
    sigs.sends.note(_slot(PARENT, 1, "tgkill", PARENT_PID, PARENT_PID, SIGUSR2))
    info = _info(SIGUSR2, SI_TKILL, PARENT_PID)
    _refused(sigs, CHILD, 2, SIGUSR2, info)         # a fork child starts with none pending
    _deliver(sigs, PARENT, 1, SIGUSR2, info)


def test_a_signal_sent_before_an_exec_reaches_the_new_image(sigs: SelfSignals) -> None:
    """execve keeps what is pending for the exec'ing thread and its process; the new image
    is a new domain whose getpid answers the same pid."""
    sigs.sends.note(_slot(PARENT, 1, "kill", PARENT_PID, SIGUSR1))
    sigs.sends.note(_slot(PARENT, 1, "tgkill", PARENT_PID, PARENT_PID, SIGUSR2))
    sigs.sends.note(_slot(CHILD, 2, "kill", CHILD_PID, SIGRT))    # the child's own: stays
    sigs.note_exec(_slot(PARENT, 1, "execve", 0x4000))
    sigs.forget(PARENT)
    del sigs.registry.root_domain[PARENT]
    sigs.registry.root_domain[NEW] = 2
    sigs.start(NEW, 5)
    sigs.signal_state(NEW).pids.add(PARENT_PID)                   # the same process
    sigs.thread_signals(NEW, 5).tids.add(PARENT_PID)
    _deliver(sigs, NEW, 5, SIGUSR1, _info(SIGUSR1, SI_USER, PARENT_PID))
    _deliver(sigs, NEW, 5, SIGUSR2, _info(SIGUSR2, SI_TKILL, PARENT_PID))
    _refused(sigs, NEW, 5, SIGUSR2, _info(SIGUSR2, SI_TKILL, PARENT_PID))   # once
    _refused(sigs, NEW, 5, SIGRT, _info(SIGRT, SI_USER, PARENT_PID))


def test_a_parent_death_signal_the_child_asked_for_passes_while_the_parent_lives_on(
        sigs: SelfSignals) -> None:
    """Linux sends PR_SET_PDEATHSIG's signal (SI_USER, si_pid the parent's) when the thread
    that made the child exits, whether or not its process or address space lives on (a
    CLONE_VM child keeps it): the child that asked for that signal may get it; one that
    did not, or another signal, is refused as before."""
    _refused(sigs, CHILD, 2, SIGUSR1, _info(SIGUSR1, SI_USER, PARENT_PID))
    asked: dict[tuple[int, int], int] = {(CHILD, 2): SIGUSR1}
    sigs.sends.pdeath_asked = lambda slot: asked.get((slot.root, slot.thread))
    _deliver(sigs, CHILD, 2, SIGUSR1, _info(SIGUSR1, SI_USER, PARENT_PID))
    _refused(sigs, CHILD, 2, SIGUSR2, _info(SIGUSR2, SI_USER, PARENT_PID))
