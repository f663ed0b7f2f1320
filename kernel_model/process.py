"""Processes and threads as the kernel model keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from emulator.fastuc import UserContext as CpuContext
from kernel_model.credentials import Cred
from kernel_model.signals import PendingSignals

if TYPE_CHECKING:
    from kernel_model.files import FdTable
    from kernel_model.mm import AddressSpace
    from kernel_model.rseq import Rseq
    from kernel_model.signals import SignalActions


class ThreadState(Enum):
    RUNNABLE = "runnable"
    BLOCKED = "blocked"
    STOPPED = "stopped"
    ZOMBIE = "zombie"
    DEAD = "dead"


@dataclass(eq=False, repr=False)
class WaitReason:
    """Why a thread sleeps: a description plus what wakes it."""

    what: str                 # "futex", "wait4", "pipe-read", "nanosleep", ...
    key: Any = None           # futex address, pipe object, child pid ...
    deadline: int | None = None  # virtual-clock cycle at which to time out
    bitset: int = 0xFFFF_FFFF
    timeout_result: int | None = 0   # syscall result when the deadline passes (None: re-run it)
    interruptible: bool = True    # a signal ends the wait with EINTR
    until: int | None = None      # the call's own deadline when `deadline` is an earlier re-check
    host_fds: tuple[int, ...] = ()  # host fds (a terminal) whose readiness also wakes it
    #: a relative sleep's (remainder address, deadline in ns): a signal that cuts it short
    #: has the time left written there when the thread runs again
    rem: tuple[int, int] | None = None


@dataclass(eq=False)
class Thread:
    tid: int
    process: Process
    context: CpuContext | None = None
    state: ThreadState = ThreadState.RUNNABLE
    wait: WaitReason | None = None
    sigmask: int = 0
    pending: PendingSignals = field(default_factory=PendingSignals)
    clear_child_tid: int = 0
    robust_list: int = 0
    robust_len: int = 0
    comm: bytes = b""                          # PR_SET_NAME's name; b"": the image's
    no_new_privs: bool = False                 # PR_SET_NO_NEW_PRIVS: sticky, inherited
    persona: int = 0                           # personality(): PER_LINUX; inherited
    pdeath_signal: int = 0                     # PR_SET_PDEATHSIG: sent when the parent exits
    keep_caps: bool = False                    # PR_SET_KEEPCAPS (cleared by exec)
    securebits: int = 0                        # cred->securebits but SECURE_KEEP_CAPS
    timer_slack_ns: int = 50_000               # PR_SET_TIMERSLACK; a child inherits it
    nice: int = 0                              # setpriority(): -20..19; a child inherits it
    sched_policy: int = 0                      # sched_setscheduler(): SCHED_NORMAL ...
    rt_priority: int = 0                       # its priority (1..99 for FIFO and RR)
    sched_reset_on_fork: bool = False          # SCHED_RESET_ON_FORK
    default_timer_slack_ns: int = 50_000       # what PR_SET_TIMERSLACK(0) restores
    altstack: tuple[int, int, int] = (0, 2, 0)   # (ss_sp, ss_flags=SS_DISABLE, ss_size)
    saved_sigmask: int | None = None           # restored after a sigsuspend-style wait
    insns: int = 0
    fault: tuple[int, int] = (0, 0)            # (FAR, ESR) of the fault being signalled
    slot: int = 0                              # Guardian slot of a confidential thread's context
    restart_pc: int = 0                        # the SVC to re-run when a wait restarts
    vfork_parent: Thread | None = None         # parent suspended until exec or exit
    rerun_wait: WaitReason | None = None       # the wait a re-run syscall woke from (its deadline)
    rem_due: tuple[int, int] | None = None     # a cut-short sleep's remainder still to write
    rseq: Rseq | None = None                   # rseq()'s registration (kernel/rseq.c)
    cred: Cred = field(default_factory=Cred)   # struct cred (kernel_model/credentials.py)

    @property
    def pid(self) -> int:
        return self.process.pid

    def __repr__(self) -> str:
        return f"Thread(tid={self.tid}, pid={self.pid}, {self.state.value})"


@dataclass(eq=False, repr=False)
class Process:
    pid: int
    parent: Process | None
    mm: AddressSpace
    fds: FdTable
    sigactions: SignalActions
    cwd: str = "/"
    exe: str = ""
    argv: tuple[bytes, ...] = ()
    environ: tuple[bytes, ...] = ()      # the environment exec gave it (/proc/PID/environ)
    root: str = "/"                      # chroot(2): the guest directory it sees as /
    threads: list[Thread] = field(default_factory=list)
    children: list[Process] = field(default_factory=list)
    exit_status: int | None = None      # wait status word once a zombie
    pending: PendingSignals = field(default_factory=PendingSignals)  # process-directed
    pgid: int = 0
    sid: int = 0
    umask: int = 0o022
    # the processes sharing its fs_struct (CLONE_FS: copy_fs() takes a reference), itself
    # included; None: its own
    fs_peers: list[Process] | None = None
    exit_signal: int = 17                # SIGCHLD
    rlimits: dict[int, tuple[int, int]] = field(default_factory=dict)
    user_time_ns: int = 0
    children_reaped: int = 0
    itimer_deadline: int | None = None   # ITIMER_REAL expiry in cycles
    itimer_interval: int = 0
    confidential: bool = False           # its memory and registers are the Guardian's
    child_subreaper: bool = False        # PR_SET_CHILD_SUBREAPER: orphans below come here
    thp_disabled: bool = False           # PR_SET_THP_DISABLE: inherited by fork, kept by exec
    # job control (kernel_model/job_control.py): SIGNAL_STOP_STOPPED, the stop report a
    # WUNTRACED wait consumes (group_exit_code), SIGNAL_STOP_CONTINUED, the threads the
    # scheduler picked while it was stopped
    stopped: bool = False
    stop_code: int = 0
    continued: bool = False
    parked: list[Thread] = field(default_factory=list)

    @property
    def dumpable(self) -> int:
        """The dumpable mode: a flag of the mm (mm->flags' MMF_DUMPABLE_MASK, get_dumpable()),
        so shared by every task on it, a CLONE_VM or vfork child's too."""
        return self.mm.dumpable

    @dumpable.setter
    def dumpable(self, mode: int) -> None:
        self.mm.dumpable = mode         # (set_dumpable(mm, ...))

    def fs_changed(self) -> None:
        """Its working directory, root or umask changed: so did those of every process
        sharing its fs_struct (set_fs_pwd(), set_fs_root() and umask() change the shared
        struct: fs->umask)."""
        for p in self.fs_peers or ():
            p.cwd, p.root, p.umask = self.cwd, self.root, self.umask

    @property
    def alive_threads(self) -> list[Thread]:
        return [t for t in self.threads if t.state not in (ThreadState.ZOMBIE, ThreadState.DEAD)]

    @property
    def is_zombie(self) -> bool:
        return self.exit_status is not None

    def __repr__(self) -> str:
        return f"Process(pid={self.pid}, exe={self.exe!r})"
