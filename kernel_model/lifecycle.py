"""Threads and processes ending: exit, exit_group, fatal signals, reaping."""

from __future__ import annotations

import logging
import struct

from emulator import sysregs as S
from kernel_model import signals as sig
from kernel_model.errors import KernelError
from kernel_model.mm import AddressSpace
from kernel_model.process import Process, Thread, ThreadState

log = logging.getLogger(__name__)


class LifecycleMixin:
    """How threads and processes leave."""

    def exit_thread(self, t: Thread, code: int) -> None:
        """One thread leaves (exit); the last one takes the process with it."""
        proc = t.process
        if len(proc.alive_threads) <= 1:
            self.exit_process(proc, (code & 0xFF) << 8)
            return
        self._reap_thread(t)

    def _reap_thread(self, t: Thread) -> None:
        # Linux's mm_release stores 0 at clear_child_tid and wakes its futex only while
        # the address space has another user (a thread or process still on it): the
        # last one out leaves the word alone, nobody could read it.
        if t.clear_child_tid and self._mm_shared_beyond(t):
            try:
                self._with_mm(t.process.mm, lambda: self.uaccess.write_u32(t.clear_child_tid, 0))
            except KernelError:
                pass
            from kernel_model.syscalls.futex import futex_key
            try:                               # (a shared futex: do_futex(FUTEX_WAKE))
                key = futex_key(self, t, t.clear_child_tid, private=False)
            except KernelError:
                key = None
            if key is not None:
                self.wake_where(lambda w: w.what == "futex" and w.key == key, 0, 1)
        t.state = ThreadState.DEAD
        self.sched.remove(t)
        self.threads.pop(t.tid, None)
        if t.vfork_parent is not None:
            self.wake(t.vfork_parent, t.tid)
            t.vfork_parent = None

    @staticmethod
    def _mm_shared_beyond(t: Thread) -> bool:
        """Whether t's address space has a user besides t: another live thread of its
        process, or another process sharing it (CLONE_VM, vfork)."""
        proc = t.process
        return proc.mm.users > 1 or any(
            th is not t and th.state not in (ThreadState.DEAD, ThreadState.ZOMBIE)
            for th in proc.threads)

    def _with_mm(self, mm: AddressSpace, fn) -> None:  # noqa: ANN001
        """Run fn with another address space in TTBR0 (writes into a new child)."""
        cur = self._current_mm() if self.current else None
        if cur is mm:
            fn()
            return
        self.switch_mm(mm)
        self._active_mm = mm
        try:
            fn()
        finally:
            self._active_mm = None
            if cur is not None:
                # (The current process may have gone meanwhile: killed, its domain torn
                # down; then nothing of it may be loaded again.)
                if cur.alive:
                    self.switch_mm(cur)
                else:
                    self.el1.msr(S.TTBR0_EL1, self.idle_ttbr0)

    def exit_process(self, proc: Process, status: int) -> None:
        """exit_group or a fatal signal: the whole process becomes a zombie."""
        if proc.exit_status is not None:
            return
        for th in list(proc.threads):
            if th.state not in (ThreadState.DEAD, ThreadState.ZOMBIE):
                self._reap_thread(th)
        # A table shared through CLONE_FILES lives on while another process holds it
        # (Linux drops one reference to the files_struct).
        if not any(p is not proc and p.fds is proc.fds and p.exit_status is None
                   for p in self.processes.values()):
            proc.fds.close_all()
        proc.exit_status = status
        proc.stopped, proc.parked = False, []        # (SIGNAL_GROUP_EXIT ends a group stop)
        if self.tracer.enabled:
            self.tracer.emit("process", what="exit", child=proc.pid, status=status)
        self.arm_itimer(proc, None, 0)
        self.exit_queue.notify()
        mm = proc.mm
        mm.users -= 1
        if mm.users == 0:
            if self.current is not None and self.current.process is proc:
                self.el1.msr(S.TTBR0_EL1, self.idle_ttbr0)
            mm.destroy()
        init = self.init
        for child in proc.children:
            # find_new_reaper(): the nearest living ancestor that set
            # PR_SET_CHILD_SUBREAPER, else init.
            reaper = proc.parent
            while reaper is not None and not (reaper.child_subreaper
                                              and reaper.exit_status is None):
                reaper = reaper.parent
            if reaper is None:
                reaper = init if init is not proc else None
            child.parent = reaper
            child.exit_signal = sig.SIGCHLD            # reparent_leader(): no slaying init
            if reaper is not None:
                reaper.children.append(child)
                if child.exit_status is not None:      # a zombie: tell its new parent
                    self._notify_parent(child, reaper)
            # A thread of the child that asked for a parent-death signal gets it
            # (forget_original_parent(): sent to its whole thread group).
            for th in child.alive_threads:
                if th.pdeath_signal and child.exit_status is None:
                    self.signals.send_process(child, th.pdeath_signal, sig.pack_siginfo(
                        th.pdeath_signal, sig.SI_USER, pid=proc.pid))
        proc.children = []
        parent = proc.parent
        if parent is not None and parent.exit_status is None:
            self._notify_parent(proc, parent)
        else:
            self.processes.pop(proc.pid, None)
        if proc is init:
            # The first program ended: like a container's init, take the rest down.
            for other in list(self.processes.values()):
                if other is not proc and other.exit_status is None:
                    self.exit_process(other, sig.SIGKILL)

    def _notify_parent(self, proc: Process, parent: Process) -> None:
        """do_notify_parent() for a process that became a zombie (or a zombie that came to
        a new parent): send the exit signal and wake the parent's waits.  A child whose
        exit signal is SIGCHLD, under a parent that ignores SIGCHLD or set SA_NOCLDWAIT,
        is released at once (no zombie; the parent's wait answers ECHILD once no child is
        left) and, when SIGCHLD is ignored, sends nothing."""
        status = proc.exit_status or 0
        chld = parent.sigactions.get(sig.SIGCHLD)
        autoreap = proc.exit_signal == sig.SIGCHLD and (
            chld.handler == sig.SIG_IGN or bool(chld.flags & sig.SA_NOCLDWAIT))
        if proc.exit_signal and not (autoreap and chld.handler == sig.SIG_IGN):
            code = sig.CLD_EXITED if status & 0x7F == 0 else sig.CLD_KILLED
            detail = (status >> 8) & 0xFF if code == sig.CLD_EXITED else status & 0x7F
            info = sig.pack_siginfo(sig.SIGCHLD, code, pid=proc.pid, status=detail)
            # Linux: si_signo is the signal sent (clone's exit signal), with SIGCHLD's fields.
            info = struct.pack("<i", proc.exit_signal) + info[4:]
            self.signals.send_process(parent, proc.exit_signal, info)
        if autoreap:
            self.reap(proc)
        self.wake_where(lambda w: w.what == "wait4" and w.key is parent, None)

    def reap(self, child: Process) -> None:
        self.processes.pop(child.pid, None)
        if child.parent is not None and child in child.parent.children:
            child.parent.children.remove(child)
