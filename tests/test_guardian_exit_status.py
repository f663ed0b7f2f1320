"""A report of a confidential child's end says what the child asked: 'exited with c' only
where one of its threads asked exit/exit_group with c (low 8 bits), 'killed' only where
none asked exit_group -- through wait4, waitid, rt_sigtimedwait, a signalfd read or the
SIGCHLD a handler is entered with, and across the child's exec.

Tree A (tests/test_secure_mm.py) is the parent's live address space, tree C stands for
the child's (or, for a vfork child, thread group VFORKED of tree A); the kernel's report
is at VA.
"""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.layout import NR_EXECVE, NR_EXIT, NR_EXIT_GROUP, NR_WAIT4, SA_RESTORER
from abi.syscalls import NUMBERS
from emulator import sysregs as S
from emulator.fastuc import CTX_SP, UserContext
from guardian.child_exits import note_exec_image, note_exec_teardown, note_exit_asked
from guardian.slots import Slot
from tests.test_secure_mm import PAGES_A, ROOT_A, ROOT_B, ROOT_C, VA, Scene, build

ELR = 0x400104
CHILD_PID, CHILD_PROCESS = 42, 7
VFORK_PID, VFORKED = 43, 9
SIGCHLD, SIGKILL, SIGUSR1 = 17, 9, 10
CLD_EXITED, CLD_KILLED, CLD_STOPPED = 1, 2, 5
SA_SIGINFO = 0x4
WNOWAIT = 0x0100_0000
WUNTRACED, WCONTINUED = 0x2, 0x8
CLD_CONTINUED = 6
WNOHANG = 1
EVENT = VA + 256              # the sigset a signalfd4 / rt_sigtimedwait is passed
TOP = VA + 4 * 4096


@pytest.fixture
def s() -> Scene:
    scene = build()
    cpu = scene.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, scene.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    reg = scene.g.conf.registry
    reg.process_of_root[scene.b + ROOT_C] = CHILD_PROCESS
    reg.child_pids[(scene.b + ROOT_A, CHILD_PID)] = CHILD_PROCESS
    reg.thread_groups[(scene.b + ROOT_A, VFORKED)] = VFORKED      # a vfork child of A
    reg.child_pids[(scene.b + ROOT_A, VFORK_PID)] = VFORKED
    return scene


def _asks(s: Scene, nr: int, code: int, root: int = ROOT_C,
          thread: int = CHILD_PROCESS) -> None:
    """A thread of the child enters exit/exit_group(code) (as the Guardian's entry sees it)."""
    note_exit_asked(s.g.conf.registry, Slot(1, 1, UserContext(), ELR, nr,
                                            (code, 0, 0, 0, 0, 0), root=s.b + root,
                                            thread=thread))


def _resume(s: Scene, nr: int, args: tuple[int, ...], ret: int, out: bytes,
            at: int = VA) -> Status:
    """The parent's call `nr` returns `ret` with `out` written at `at`."""
    s.hw.ram.write(s.b + PAGES_A + (at - VA), out)
    sid = 990 + len(s.g.decisions) + len(s.g.conf.slots) + s.g.stats.get("guardian.resumes")
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, nr, args, root=s.b + ROOT_A,
                               thread=1, written=[(at, at + len(out))])
    status = Status(s.call(Call.RESUME, sid, ret, ELR)[0])
    s.g.lock_el1(False)
    return status


def _wait4(s: Scene, status_word: int, pid: int = CHILD_PID, options: int = 0,
           asked: int | None = None) -> Status:
    return _resume(s, NR_WAIT4, (pid if asked is None else asked, VA, options, 0, 0, 0), pid,
                   struct.pack("<I", status_word))


def _siginfo(code: int, pid: int, status: int, signo: int = SIGCHLD) -> bytes:
    return struct.pack("<iii4xiIi", signo, 0, code, pid, 0, status).ljust(128, b"\0")


def _waitid(s: Scene, code: int, status: int, pid: int = CHILD_PID,
            options: int = 4) -> Status:
    return _resume(s, NUMBERS["waitid"], (1, pid, VA, options, 0, 0), 0,
                   _siginfo(code, pid, status))


def _refused(s: Scene, status: Status) -> bool:
    return status == Status.ERR_DENIED and s.g.decisions[-1].check == "return.exit_status"


def test_wait4_reports_the_code_the_child_asked(s: Scene) -> None:
    _asks(s, NR_EXIT_GROUP, 3)
    assert _refused(s, _wait4(s, 66 << 8))
    assert _refused(s, _wait4(s, 0))
    assert _wait4(s, 3 << 8) == Status.OK
    assert s.g.conf.registry.exits.asked[CHILD_PROCESS] == {3}   # reaped: its SIGCHLD may follow


def test_only_the_low_eight_bits_of_a_code_reach_the_parent(s: Scene) -> None:
    _asks(s, NR_EXIT_GROUP, 256 + 7)
    assert _refused(s, _wait4(s, 0x107 << 8 & 0xFFFF_FFFF))   # (status bits past 15 forged)
    assert _wait4(s, 7 << 8) == Status.OK


def test_any_code_a_thread_of_the_group_asked_may_be_the_status(s: Scene) -> None:
    _asks(s, NR_EXIT, 5, thread=CHILD_PROCESS + 1)    # a thread leaves with exit(5)
    _asks(s, NR_EXIT_GROUP, 2)                        # then the group ends with 2
    assert _refused(s, _wait4(s, 9 << 8))
    assert _waitid(s, CLD_EXITED, 5, options=4 | WNOWAIT) == Status.OK   # WNOWAIT
    assert _wait4(s, 2 << 8) == Status.OK


def test_a_child_that_asked_no_exit_is_not_reported_exited(s: Scene) -> None:
    assert _refused(s, _wait4(s, 0))
    assert _refused(s, _waitid(s, CLD_EXITED, 0))
    assert _wait4(s, SIGKILL) == Status.OK          # the kernel may always kill


def test_a_child_that_asked_exit_group_is_not_reported_killed(s: Scene) -> None:
    _asks(s, NR_EXIT_GROUP, 0)
    assert _refused(s, _wait4(s, SIGKILL))
    assert _refused(s, _waitid(s, CLD_KILLED, SIGKILL))
    assert _wait4(s, 0) == Status.OK


def test_a_thread_s_exit_leaves_the_kernel_free_to_kill_the_process(s: Scene) -> None:
    _asks(s, NR_EXIT, 4, thread=CHILD_PROCESS + 1)
    assert _wait4(s, SIGKILL | 0x80) == Status.OK     # killed, core dumped


def test_stops_continues_no_child_yet_and_strangers_pass(s: Scene) -> None:
    _asks(s, NR_EXIT_GROUP, 3)
    assert _wait4(s, 0x137F, options=WUNTRACED) == Status.OK     # stopped by SIGSTOP (19)
    assert _wait4(s, 0xFFFF, options=WCONTINUED) == Status.OK    # continued
    assert _waitid(s, CLD_STOPPED, 19, options=4 | WUNTRACED) == Status.OK
    assert _resume(s, NUMBERS["waitid"], (1, CHILD_PID, VA, 4 | WNOHANG, 0, 0), 0,
                   bytes(128)) == Status.OK        # WNOHANG, the child still runs
    assert _wait4(s, 66 << 8, pid=CHILD_PID + 100) == Status.OK     # not a known child


def test_waitid_si_status_is_the_code(s: Scene) -> None:
    _asks(s, NR_EXIT_GROUP, 7)
    assert _refused(s, _waitid(s, CLD_EXITED, 0))
    assert _waitid(s, CLD_EXITED, 7) == Status.OK


def test_the_sigchld_rt_sigtimedwait_takes(s: Scene) -> None:
    _asks(s, NR_EXIT_GROUP, 7, root=ROOT_A, thread=VFORKED)       # the vfork child
    s.hw.ram.write(s.b + PAGES_A + (EVENT - VA), struct.pack("<Q", 1 << (SIGCHLD - 1)))
    take = NUMBERS["rt_sigtimedwait"]
    args = (EVENT, VA, 0, 8, 0, 0)
    assert _refused(s, _resume(s, take, args, SIGCHLD, _siginfo(CLD_EXITED, VFORK_PID, 0)))
    assert _resume(s, take, args, SIGCHLD, _siginfo(CLD_EXITED, VFORK_PID, 7)) == Status.OK
    # SIGCHLD a process sent with kill() (SI_USER) reports no child's end.
    assert _resume(s, take, args, SIGCHLD, _siginfo(0, VFORK_PID, 0)) == Status.OK


def test_the_sigchld_a_signalfd_read_returns(s: Scene) -> None:
    _asks(s, NR_EXIT_GROUP, 7, root=ROOT_A, thread=VFORKED)
    s.hw.ram.write(s.b + PAGES_A + (EVENT - VA), struct.pack("<Q", 1 << (SIGCHLD - 1)))
    sid = 900
    slot = s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, NUMBERS["signalfd4"],
                                      (0xFFFF_FFFF, EVENT, 8, 0, 0, 0), root=s.b + ROOT_A,
                                      thread=1)
    s.g.conf.events.note_entry(slot)
    assert s.call(Call.RESUME, sid, 6, ELR)[0] == Status.OK
    s.g.lock_el1(False)

    def record(status: int) -> bytes:
        return struct.pack("<IiiI", SIGCHLD, 0, CLD_EXITED, VFORK_PID).ljust(40, b"\0") + \
            struct.pack("<i", status).ljust(88, b"\0")
    read = NUMBERS["read"]
    assert _refused(s, _resume(s, read, (6, VA, 256, 0, 0, 0), 256, record(7) + record(0)))
    assert _resume(s, read, (6, VA, 256, 0, 0, 0), 128, record(7)) == Status.OK


def test_the_sigchld_a_handler_is_entered_with(s: Scene) -> None:
    _asks(s, NR_EXIT_GROUP, 7)
    space = s.g.conf.domains[1].spaces[s.b + ROOT_A]
    space.handlers[SIGCHLD] = (0x400a00, SA_SIGINFO | SA_RESTORER, 0x400900, 0)

    def deliver(info: bytes) -> Status:
        sid = 700 + len(s.g.conf.slots) + len(s.g.decisions)
        ctx = UserContext()
        ctx.set(CTX_SP, TOP)
        s.g.conf.slots[sid] = Slot(sid, 1, ctx, ELR, None, (0,) * 6, root=s.b + ROOT_A)
        status = Status(s.call(Call.SIGNAL, sid, SIGCHLD, 0, 0, 2, 0, 0, ELR,
                               payload=info)[0])
        s.g.lock_el1(False)
        return status
    assert _refused(s, deliver(_siginfo(CLD_EXITED, CHILD_PID, 0)))
    assert deliver(_siginfo(CLD_EXITED, CHILD_PID, 7)) == Status.OK


def test_the_child_is_its_exec_d_image(s: Scene) -> None:
    """A vfork child execs: while the exec is in flight nothing is judged; then the new
    image (its own tree, here B) is the child, and its exit_group code is the status."""
    reg = s.g.conf.registry
    _asks(s, NR_EXIT, 127, root=ROOT_A, thread=VFORKED + 1)       # an old thread's exit
    execve = reg.add_slot(1, UserContext(), ELR, NR_EXECVE, (0,) * 6, root=s.b + ROOT_A,
                          thread=VFORKED)
    assert _waitid(s, CLD_EXITED, 3, pid=VFORK_PID, options=4 | WNOWAIT) == Status.OK
    note_exec_image(reg, execve.id, s.b + ROOT_B)
    del reg.slots[execve.id]
    assert reg.process_of_root[s.b + ROOT_B] == VFORKED
    _asks(s, NR_EXIT_GROUP, 7, root=ROOT_B, thread=99)
    assert _refused(s, _wait4(s, 127 << 8, pid=VFORK_PID))      # the old image's code
    assert _wait4(s, 7 << 8, pid=VFORK_PID) == Status.OK


def test_an_exec_in_flight_or_gone_astray_is_not_judged(s: Scene) -> None:
    reg = s.g.conf.registry
    execve = reg.add_slot(1, UserContext(), ELR, NR_EXECVE, (0,) * 6, root=s.b + ROOT_C,
                          thread=CHILD_PROCESS)
    assert _waitid(s, CLD_EXITED, 1, options=4 | WNOWAIT) == Status.OK   # in flight
    note_exec_teardown(reg, s.b + ROOT_C)          # the fork child's old tree goes
    reg.drop_slots(root=s.b + ROOT_C)
    assert _waitid(s, CLD_EXITED, 1, options=4 | WNOWAIT) == Status.OK   # no image yet
    note_exec_image(reg, execve.id, s.b + ROOT_B)                  # its image starts
    assert _refused(s, _waitid(s, CLD_EXITED, 1))


def _sigchld_at_return(s: Scene, info: bytes, nr: int | None = None, ret: int = 0,
                       child: int = 0) -> Status:
    """SIGCHLD enters the parent's handler as its call `nr` completes with `ret`."""
    space = s.g.conf.domains[1].spaces[s.b + ROOT_A]
    space.handlers[SIGCHLD] = (0x400a00, SA_SIGINFO | SA_RESTORER, 0x400900, 0)
    sid = 700 + len(s.g.conf.slots) + len(s.g.decisions)
    ctx = UserContext()
    ctx.set(CTX_SP, TOP)
    # (a thread of its own each time: a handler entered masks SIGCHLD for its thread)
    slot = Slot(sid, 1, ctx, ELR, nr, (0x4111,) + (0,) * 5, root=s.b + ROOT_A, thread=sid)
    slot.children, slot.child_process = (1, child) if child else (0, 0)
    s.g.conf.slots[sid] = slot
    status = Status(s.call(Call.SIGNAL, sid, SIGCHLD, 0, 0, 2, 0, ret, ELR, payload=info)[0])
    s.g.lock_el1(False)
    return status


def test_a_vfork_parent_s_sigchld_names_the_child_its_clone_returns(s: Scene) -> None:
    """The vfork child exits before its parent is told its pid: the SIGCHLD pending at
    the clone's return is judged against the child that clone yielded."""
    clone = NUMBERS["clone"]
    new_pid, new_process = 44, 11
    s.g.conf.registry.thread_groups[(s.b + ROOT_A, new_process)] = new_process
    _asks(s, NR_EXIT_GROUP, 7, root=ROOT_A, thread=new_process)
    assert _refused(s, _sigchld_at_return(s, _siginfo(CLD_EXITED, new_pid, 0), clone, new_pid,
                                          new_process))
    assert _sigchld_at_return(s, _siginfo(CLD_EXITED, new_pid, 7), clone, new_pid,
                              new_process) == Status.OK


def test_a_sigchld_naming_no_child_of_the_program_is_refused(s: Scene) -> None:
    clone = NUMBERS["clone"]
    assert _refused(s, _sigchld_at_return(s, _siginfo(CLD_EXITED, 0x4111, 0)))
    assert _refused(s, _sigchld_at_return(s, _siginfo(CLD_EXITED, 0x4111, 0), clone, 44, 11))
    # A sender's SIGCHLD (kill: SI_USER) names no child's end.
    assert _sigchld_at_return(s, _siginfo(0, 0x4111, 0)) == Status.OK
    # Another thread's clone yielded a child whose pid its parent has not been told yet.
    other = s.g.conf.registry.add_slot(1, UserContext(), ELR, clone, (0,) * 6,
                                       root=s.b + ROOT_A, thread=2)
    other.children, other.child_process = 1, 12
    assert _sigchld_at_return(s, _siginfo(CLD_EXITED, 45, 3)) == Status.OK


def test_a_reaped_child_s_sigchld_read_after_the_wait_is_still_judged(s: Scene) -> None:
    reg = s.g.conf.registry
    reg.exits.pids[CHILD_PID] = CHILD_PROCESS        # (as the parent's clone return noted)
    _asks(s, NR_EXIT_GROUP, 3)
    assert _wait4(s, 3 << 8) == Status.OK            # reaped
    assert (s.b + ROOT_A, CHILD_PID) not in reg.child_pids
    assert _refused(s, _sigchld_at_return(s, _siginfo(CLD_EXITED, CHILD_PID, 0)))
    assert _sigchld_at_return(s, _siginfo(CLD_EXITED, CHILD_PID, 3)) == Status.OK


def test_a_stop_or_continue_is_reported_only_to_a_wait_that_asked(s: Scene) -> None:
    assert _refused(s, _wait4(s, 0x137F))                       # no WUNTRACED
    assert _refused(s, _wait4(s, 0xFFFF, options=WUNTRACED))    # no WCONTINUED
    assert _refused(s, _waitid(s, CLD_STOPPED, 19))             # WEXITED only
    assert _refused(s, _waitid(s, CLD_CONTINUED, 18, options=4 | WUNTRACED))
    assert _waitid(s, CLD_CONTINUED, 18, options=4 | WCONTINUED) == Status.OK


def test_a_child_reported_reaped_is_not_reported_again(s: Scene) -> None:
    reg = s.g.conf.registry
    _asks(s, NR_EXIT_GROUP, 3)
    assert _wait4(s, 3 << 8, asked=(1 << 64) - 1) == Status.OK   # wait4(-1) reaps it
    assert _refused(s, _wait4(s, 3 << 8, asked=(1 << 64) - 1))
    assert _refused(s, _waitid(s, CLD_EXITED, 3))
    assert _refused(s, _wait4(s, 0x137F, options=WUNTRACED))
    reg.exits.new_pid(s.b + ROOT_A, CHILD_PID)       # a later clone is told that pid again
    assert not _refused(s, _wait4(s, 3 << 8))


def test_a_wait_never_reports_the_waiter_itself(s: Scene) -> None:
    s.g.conf.domains[1].spaces[s.b + ROOT_A].pids[0] = 1        # its getpid answered 1
    assert _refused(s, _wait4(s, 0, pid=1, asked=(1 << 64) - 1))
    assert _refused(s, _waitid(s, CLD_EXITED, 0, pid=1))


def test_where_every_child_is_known_a_wait_names_one(s: Scene) -> None:
    reg = s.g.conf.registry
    stranger = CHILD_PID + 100
    assert _wait4(s, SIGKILL, pid=stranger - 1, asked=(1 << 64) - 1) == Status.OK  # from before
    reg.exits.children_known.add(s.b + ROOT_A)          # launched by the user: none before
    assert _refused(s, _wait4(s, SIGKILL, pid=stranger, asked=(1 << 64) - 1))
    assert _refused(s, _waitid(s, CLD_KILLED, SIGKILL, pid=stranger))
    assert _wait4(s, SIGKILL) == Status.OK              # its own child
    reg.exits.pids[stranger] = 13       # a clone of the program made it (CLONE_PARENT, orphan)
    assert _wait4(s, SIGKILL, pid=stranger, asked=(1 << 64) - 1) == Status.OK
    reg.exits.foreign = True            # a process went with an exec: orphans may be unknown
    assert _wait4(s, SIGKILL, pid=stranger + 1, asked=(1 << 64) - 1) == Status.OK


def test_one_end_raises_one_sigchld(s: Scene) -> None:
    reg = s.g.conf.registry
    reg.exits.pids[CHILD_PID] = CHILD_PROCESS
    reg.child_pids[(s.b + ROOT_A, CHILD_PID + 1)] = CHILD_PROCESS + 1
    reg.exits.pids[CHILD_PID + 1] = CHILD_PROCESS + 1
    _asks(s, NR_EXIT_GROUP, 0)
    assert _wait4(s, 0) == Status.OK                     # reaped while SIGCHLD was blocked
    assert _sigchld_at_return(s, _siginfo(CLD_EXITED, CHILD_PID, 0)) == Status.OK
    assert _refused(s, _sigchld_at_return(s, _siginfo(CLD_EXITED, CHILD_PID, 0)))
    # A child reaped before a SIGCHLD was taken is past its SIGCHLD too.
    assert _wait4(s, SIGKILL, pid=CHILD_PID + 1) == Status.OK
    assert (s.b + ROOT_A, CHILD_PID + 1) not in reg.exits.signalled
    assert _refused(s, _sigchld_at_return(s, _siginfo(CLD_EXITED, CHILD_PID, 0)))
    assert (s.b + ROOT_A, CHILD_PID + 1) not in reg.exits.signalled   # (refused: nothing taken)
