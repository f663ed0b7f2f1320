"""`return.exited_table`: a fork child a waitid(WNOWAIT) report showed exited has no table.

Linux (every 6.x version): do_exit() -> exit_files() sets task->files NULL before
exit_notify() makes the task a zombie, and a thread group is reported exited only once
every thread of it is (wait_task_zombie(): delay_group_leader()).  So once
waitid(..., WEXITED | WNOWAIT) reported a child's exit (CLD_EXITED, CLD_KILLED or
CLD_DUMPED; WNOWAIT leaves it a zombie, its pid held), and while no wait may have reaped
it since:
- kcmp(KCMP_FILE) naming it either side: get_file_raw_ptr() finds no file, -EBADF;
  KCMP_EPOLL_TFD: get_file_raw_ptr(task1, idx1) or kcmp_epoll_target() -> fget_task(task2,
  efd), -EBADF (kernel/kcmp.c);
- pidfd_getfd() through a pidfd of it: __pidfd_fget() -> fget_task() finds no file,
  -EBADF (or ptrace_may_access()'s -EPERM): never a descriptor (kernel/pid.c);
- kcmp(KCMP_VM, KCMP_FILES or KCMP_FS) of it and the caller's own pid, the caller its
  thread group's leader (the task that pid finds, running: its mm, files and fs are
  set): do_exit() -> exit_mm(), exit_files(), exit_fs() left the child's NULL, and
  kcmp_ptr() of NULL and a pointer is an order (kptr_obfuscate() multiplies by an odd
  cookie: one-to-one), never 0 -- though a vfork, CLONE_FILES or CLONE_FS child shared
  the object while it lived.  (Of the child twice, NULL and NULL: 0, not judged; nor
  where the caller is not known to be the leader -- a leader that left by
  pthread_exit() has NULLs too.)
Not judged where another wait of the program is in flight (it may reap the child, and
its pid go to another process), nor for a pid whose child a report reaped, nor where a
seccomp filter may answer (the caller tests that).  An exit_group() seen at its entry
says nothing: exit_files() runs later, at an instant the Guardian does not see.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_results import s32

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.slots import Slot
    from guardian.user_memory import UserMemory

_NR_KCMP = NUMBERS["kcmp"]
_NR_PIDFD_GETFD = NUMBERS["pidfd_getfd"]
_NR_WAITID = NUMBERS["waitid"]
_WAITS = frozenset((NUMBERS["wait4"], _NR_WAITID))
#: the calls judged
CALLS = frozenset((_NR_KCMP, _NR_PIDFD_GETFD))
_KCMP_FILE, _KCMP_EPOLL_TFD = 0, 7
#: KCMP_VM, KCMP_FILES, KCMP_FS: the pointers exit_mm(), exit_files(), exit_fs() clear
_KCMP_CLEARED = frozenset({1, 2, 3})
_WEXITED, _WNOWAIT = 0x4, 0x0100_0000
_P_PID = 1
_CLD_ENDED = frozenset({1, 2, 3})       # CLD_EXITED, CLD_KILLED, CLD_DUMPED
_SIGINFO = struct.Struct("<iii4xi")     # si_signo, si_errno, si_code, si_pid (arm64)



class ExitedChildren:
    """(parent root, pid) -> (the child's process, the id the next slot took when the
    report returned: a call of that id or above entered after it)."""

    def __init__(self) -> None:
        self.pids: dict[tuple[int, int], tuple[int, int]] = {}

    def note(self, memory: UserMemory, reg: Registry, slot: Slot, ret: int) -> None:
        """A waitid returned `ret` (committed: no rule refused it)."""
        a = slot.args
        if slot.nr != _NR_WAITID or ret != 0 or not a[2] or \
                a[3] & (_WEXITED | _WNOWAIT) != _WEXITED | _WNOWAIT:
            return
        raw = memory.read(a[2], _SIGINFO.size, slot.root)
        if raw is None:
            return
        _, _, code, pid = _SIGINFO.unpack(raw)
        if code not in _CLD_ENDED or pid <= 0 or a[0] == _P_PID and s32(a[1]) != pid:
            return
        proc = reg.child_pids.get((slot.root, pid))
        if proc:
            self.pids[(slot.root, pid)] = (proc, reg.next_slot_id())
        # (a child reaped since its report -- by a wait, or by init after a reparenting
        # the Guardian does not see -- names no process of the key any more: dropped)
        for key in [k for k, (p, _) in self.pids.items()
                    if reg.child_pids.get(k) != p or p in reg.reaped_process_at]:
            del self.pids[key]

    def reaped(self, root: int, pid: int) -> None:
        """A wait report reaped child `pid` of `root` (wait_reaped.end_child()): release_task()
        freed its pid, which no longer names the exited child."""
        self.pids.pop((root, pid), None)

    def _exited(self, reg: Registry, slot: Slot, pid: int) -> bool:
        """Was fork child `pid` (of the caller's tree) reported exited before the slot's
        entry, and is it surely unreaped still (a zombie: its pid names it)?"""
        seen = self.pids.get((slot.root, pid))
        # (a reap pops the pid from child_pids and dates the process in reaped_process_at;
        # the exited child's tree may be retired already: its process is the key)
        return seen is not None and seen[1] <= slot.id \
            and reg.child_pids.get((slot.root, pid)) == seen[0] \
            and seen[0] not in reg.reaped_process_at

    def check(self, files: Descriptors, reg: Registry, slot: Slot, ret: int,
              own: int | None = None) -> None:
        """kcmp or pidfd_getfd in `slot` answered `ret` (no error); `own`: the caller's pid
        where the caller is known to be its thread group's leader (None: not known)."""
        if any(o.id != slot.id and o.nr in _WAITS for o in reg.slots.values()):
            return      # (another wait may reap the child: its pid may name another)
        a, why = slot.args, ""
        if slot.nr == _NR_KCMP and s32(a[2]) in _KCMP_CLEARED:
            pid1, pid2 = s32(a[0]), s32(a[1])
            other = pid2 if pid1 == own else pid1 if pid2 == own else 0
            if ret == 0 and own is not None and other != own and other \
                    and self._exited(reg, slot, other):
                why = (f"kcmp type {s32(a[2])} of the caller and child {other}, whose exit a "
                       "waitid(WNOWAIT) reported: exit_mm() / exit_files() / exit_fs() left "
                       "the child's NULL, kcmp_ptr() an order (never 0)")
        elif slot.nr == _NR_KCMP and s32(a[2]) in (_KCMP_FILE, _KCMP_EPOLL_TFD):
            pid = next((p for p in (s32(a[0]), s32(a[1]))
                        if self._exited(reg, slot, p)), 0)
            if pid:
                why = (f"kcmp of child {pid}, whose exit a waitid(WNOWAIT) reported: "
                       "exit_files() left it no table, get_file_raw_ptr() / fget_task() "
                       "-EBADF")
        elif slot.nr == _NR_PIDFD_GETFD and files.steady(slot):
            pid = files.pidfd_pid(slot, a[0])
            if pid and self._exited(reg, slot, pid):
                why = (f"pidfd_getfd through a pidfd of child {pid}, whose exit a "
                       "waitid(WNOWAIT) reported: exit_files() left it no table, "
                       "__pidfd_fget() -> fget_task() -EBADF")
        if why:
            refuse("return.exited_table", Status.ERR_DENIED, f"answered {ret:#x} for {why}")
