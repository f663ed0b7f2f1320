"""The untrusted kernel model: boot, the EL0 run loop, exceptions and process lifetime.

It owns only an EL1 face of the CPU.  At boot it builds its linear map, turns
the MMU on and registers its vector table at VBAR_EL1; from then on every
exception from user code enters `_el0_sync`, which serves syscalls and page
faults and delivers signals on the way back to EL0.
"""

from __future__ import annotations

import errno
import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from abi import Call
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.clock import Stats, VirtualClock
from emulator.cpu import CpuContext
from emulator.el1 import El1
from emulator.exceptions import VectorTable
from emulator.fastuc import CTX_PC, CTX_SP
from emulator.machine import BootInfo
from emulator.small_sha256 import sha256 as small_sha256
from kernel_model import signals as sig
from kernel_model.console_file import Console
from kernel_model.credentials import SECURE_KEEP_CAPS, secure_exec
from kernel_model.devfiles import NullFile
from kernel_model.elf_loader import ElfImage
from kernel_model.errors import KernelError
from kernel_model.exec import build_address_space, build_stack, load_interpreter
from kernel_model.files import stdio_table
from kernel_model.frames import FrameAllocator
from kernel_model.ktimers import KernelTimers
from kernel_model.lifecycle import LifecycleMixin
from kernel_model.mm import AddressSpace, MemoryContext
from kernel_model.pagetable import (
    LINEAR_BASE,
    MediatedTableWriter,
    NativeTableWriter,
    PageTableWriter,
    lm,
)
from kernel_model.process import Process, Thread
from kernel_model.record_locks import RecordLocks
from kernel_model.runloop import BudgetExhausted, Deadlock, RunLoopMixin  # noqa: F401 (re-exported)
from kernel_model.scheduler import Scheduler
from kernel_model.signal_delivery import SignalDelivery
from kernel_model.strace import Strace
from kernel_model.syscalls import SYSCALLS, syscall_name
from kernel_model.traps import TrapsMixin
from kernel_model.uaccess import UserAccess
from kernel_model.vfs import Rootfs
from kernel_model.waitq import WaitQueue

if TYPE_CHECKING:
    from kernel_model.sockets.network import Network

log = logging.getLogger(__name__)

KERNEL_VBAR = 0xFFFF_8000_0001_0000
# The wall clock of --epoch fixed (2026-01-01T00:00:00Z); by default the session
# passes the host's time at start-up instead.  Either way it is read once.
REALTIME_EPOCH_NS = 1_767_225_600 * 1_000_000_000
CLEAN_ENV = (b"PATH=/bin:/usr/bin", b"HOME=/", b"TERM=dumb", b"LANG=C")

@dataclass(eq=False, repr=False)
class KernelOptions:
    rootfs: Path
    timing: str = "fast"              # "fast" or "exact"
    max_insns: int = 0                # 0: no budget
    stdout: BinaryIO | None = None
    stderr: BinaryIO | None = None
    stdin: BinaryIO | None = None
    hostname: str = "blindfold"
    env: tuple[bytes, ...] = CLEAN_ENV
    epoch_ns: int = REALTIME_EPOCH_NS  # CLOCK_REALTIME at virtual time 0
    sysroot: Path | None = None       # -L: interpreter and libraries first from here
    mounts: dict[str, Path] = field(default_factory=dict)   # guest path -> host dir/file
    on_read: Callable[[str, Path, int], None] | None = None  # regular host file opened to read
    strace: Callable[[str], None] | None = None  # one decoded line per syscall
    console: Console = field(default_factory=Console)  # the terminal behind fds 0-2
    cwd: str = "/"                    # the first program's working directory (guest path)
    suid_dumpable: int = 0            # fs.suid_dumpable (the launch as the user states it)
    no_new_privs: bool = False        # the launcher set no_new_privs before the first exec
    securebits: int = 0               # the launcher's securebits (capsh --secbits)
    inheritable: int = 0              # the launcher's inheritable set (capsh --inh)
    launch_fds: frozenset[int] = frozenset()  # descriptors past 0..2 the launch passes
    warnings: list[str] = field(default_factory=list)   # what the user must hear (stderr)
    notes: list[str] = field(default_factory=list)      # for -v, --stats and --json only


class Kernel(TrapsMixin, LifecycleMixin, RunLoopMixin):
    @cached_property
    def net(self) -> Network:
        """Unix names and the loopback network, made at the first socket call (most
        programs make none, and the socket modules are then never imported)."""
        from kernel_model.sockets.network import Network
        net = Network()
        net.sender_cred = self._sender_cred
        return net

    def _sender_cred(self) -> tuple[int, int, int] | None:
        """The calling process's (tgid, uid, gid): what a Unix socket message carries
        (scm_send() takes the sender's, not the socket creator's)."""
        t = self.current
        return (t.process.pid, t.cred.uid, t.cred.gid) if t is not None else None

    def __init__(self, boot: BootInfo, el1: El1, clock: VirtualClock, stats: Stats,
                 options: KernelOptions, writer: PageTableWriter | None = None) -> None:
        self.boot_info = boot
        self.el1 = el1
        self.tracer = el1.tracer
        self.clock = clock
        self.stats = stats
        self.options = options
        self.rootfs = Rootfs(options.rootfs, sysroot=options.sysroot, mounts=options.mounts,
                             on_read=options.on_read)
        self.frames = FrameAllocator(boot.ram_base, boot.ram_size)
        self.frames.add_free_range(boot.ram_base, boot.ram_base + boot.ram_size)
        for base, size in boot.reserved:
            self.frames.reserve_range(base, base + size)
        self.sched = Scheduler()
        self.processes: dict[int, Process] = {}
        self._base_rootfs.fsnotify.processes = self.processes   # (inotify: open unlinked files)
        self.threads: dict[int, Thread] = {}
        self.current: Thread | None = None
        self._active_mm: AddressSpace | None = None
        self.init: Process | None = None
        self._next_id = 1
        self._next_asid = 1
        self._warned: set[int] = set()
        self.crash_reports: dict[int, str] = {}
        self._itimers: dict[int, Process] = {}
        self.ktimers = KernelTimers(clock)        # timerfds on the virtual clock
        self.signal_queue = WaitQueue()           # notified on every signal sent (signalfd)
        self.exit_queue = WaitQueue()             # notified on every process exit (pidfd)
        # fcntl record locks; a release re-runs the F_SETLKW calls waiting on that inode
        self.record_locks = RecordLocks(lambda key: self.wake_where(
            lambda w: w.what == "record-lock" and w.key == key, None))
        # flock(2) locks, a table of their own (they never meet record locks); whole-file
        # locks owned by the open file description; a release re-runs the waiting flocks
        self.flock_locks = RecordLocks(lambda key: self.wake_where(
            lambda w: w.what == "flock" and w.key == key, None))
        self.seed = boot.seed
        self._random_counter = 0
        self.exact = options.timing == "exact"
        self.insns = 0
        self._slice_exceptions = 0
        self._slice_counted = False
        self._resume_pc = 0
        if writer is None:
            writer = (MediatedTableWriter(el1, self.frames) if boot.monitor
                      else NativeTableWriter(el1, self.frames))
        self.writer = writer
        self._boot_mmu()
        self.mmctx = MemoryContext(el1=el1, frames=self.frames, writer=self.writer, stats=stats,
                                   clock=clock, invalidate_code=el1.invalidate_code,
                                   copy_frame=self._copy_frame, boot=boot)
        self.uaccess = UserAccess(el1, lambda: self._current_mm(), self._uaccess_slot)
        self.signals = SignalDelivery(self)
        self.hwcap, self.hwcap2 = el1.hwcaps()
        el1.register_vectors(KERNEL_VBAR, VectorTable("kernel", {0x400: self._el0_sync,
                                                                 0x480: self._el0_irq}))
        el1.msr(S.VBAR_EL1, KERNEL_VBAR)
        self._syscall_keys = {nr: f"kernel.syscalls.{syscall_name(nr)}"
                              for nr in SYSCALLS.numbers()}
        self.strace = Strace(options.strace) if options.strace is not None else None
        self.console = options.console
        self.host_signals: list[int] = []   # Ctrl-C / Ctrl-\ from the host, not yet delivered
        self.host_signals_noted = 0         # how many the host's handler has seen
        self.interrupted = 0                # the last host signal noted (0: none)

    # --- boot -------------------------------------------------------------------
    def _boot_mmu(self) -> None:
        """Build the linear map of RAM with the MMU off, then turn translation on.

        Under a monitor the linear map is the monitor's and already exists; the
        kernel only points TTBR1 at it.
        """
        el1 = self.el1
        boot = self.boot_info
        if boot.kernel_ttbr1:
            self.kernel_ttbr1 = boot.kernel_ttbr1
            el1.msr(S.MAIR_EL1, S.MAIR_DEFAULT)
            el1.msr(S.TCR_EL1, S.make_tcr())
            el1.msr(S.TTBR1_EL1, boot.kernel_ttbr1)
            el1.msr(S.SCTLR_EL1, el1.mrs(S.SCTLR_EL1) | S.SCTLR_LINUX_EL0)
            el1.tlbi_all()
            self.idle_ttbr0 = self.writer.alloc_table(0)
            el1.msr(S.TTBR0_EL1, self.idle_ttbr0)
            el1.enter_el0()
            return

        def table() -> int:
            pa = self.frames.alloc()
            el1.fill(pa, 0, 4096)    # MMU off: EL1 addresses are physical
            return pa

        l0 = table()
        l1_tables: dict[int, int] = {}
        l2_tables: dict[tuple[int, int], int] = {}
        perms = D.PagePerms(user=False, write=True, user_exec=False, kernel_exec=False,
                            global_=True)
        for pa in range(boot.ram_base, boot.ram_base + boot.ram_size, 1 << 21):
            va = LINEAR_BASE | pa
            i0, i1, i2 = D.level_index(va, 0), D.level_index(va, 1), D.level_index(va, 2)
            if i0 not in l1_tables:
                l1_tables[i0] = table()
                el1.write_u64(l0 + 8 * i0, D.table_descriptor(l1_tables[i0]))
            if (i0, i1) not in l2_tables:
                l2_tables[(i0, i1)] = table()
                el1.write_u64(l1_tables[i0] + 8 * i1, D.table_descriptor(l2_tables[(i0, i1)]))
            el1.write_u64(l2_tables[(i0, i1)] + 8 * i2, D.leaf_descriptor(pa, perms, level=2))
        self.kernel_ttbr1 = l0
        self.idle_ttbr0 = table()       # an empty user half for when no process runs
        el1.msr(S.MAIR_EL1, S.MAIR_DEFAULT)
        el1.msr(S.TCR_EL1, S.make_tcr())
        el1.msr(S.TTBR1_EL1, l0)
        el1.msr(S.TTBR0_EL1, self.idle_ttbr0)
        el1.msr(S.SCTLR_EL1, el1.mrs(S.SCTLR_EL1) | S.SCTLR_LINUX_EL0)
        el1.tlbi_all()
        el1.enter_el0()

    # --- identities ---------------------------------------------------------------
    def alloc_id(self) -> int:
        n = self._next_id
        self._next_id += 1
        return n

    def alloc_asid(self) -> int:
        asid = self._next_asid
        self._next_asid = asid + 1 if asid < 0xFFFF else 1
        if asid == 0xFFFF:
            self.el1.tlbi_all()   # ASIDs wrap: drop every tagged translation
        return asid

    def _copy_frame(self, dst: int, src: int) -> None:
        """Copy one physical page: through the linear map, or (under the Guardian,
        whose confidential frames the kernel cannot read) by a COPY_PAGE call."""
        if self.boot_info.monitor:
            status, _ = self.el1.hvc(Call.COPY_PAGE, dst, src)
            if status:
                raise KernelError(errno.EFAULT, f"the Guardian refused a page copy ({status})")
            return
        self.el1.copy_page(lm(dst), lm(src))

    def _uaccess_slot(self) -> int:
        """The Guardian slot to name in user accesses (0: the kernel walks itself)."""
        t = self.current
        if t is None or not t.process.confidential:
            return 0
        return t.slot

    def _current_mm(self) -> AddressSpace:
        """The address space TTBR0 holds now (uaccess faults are resolved in it)."""
        if self._active_mm is not None:
            return self._active_mm
        assert self.current is not None
        return self.current.process.mm

    def random_bytes(self, n: int) -> bytes:
        """Deterministic bytes from the machine's seed (getrandom, AT_RANDOM)."""
        out = bytearray()
        while len(out) < n:
            self._random_counter += 1
            out += small_sha256(struct.pack("<QQ", self.seed, self._random_counter)).digest()
        return bytes(out[:n])

    def now_ns(self) -> int:
        return self.clock.nanoseconds

    # --- the file system a process sees (chroot) ------------------------------------------
    @property
    def rootfs(self) -> Rootfs:
        """The root file system as the running process sees it: its chroot, if it has one."""
        t = self.current
        if t is None or t.process.root == "/":
            return self._base_rootfs
        fs = self._chroots.get(t.process.root)
        if fs is None:
            fs = self._chroots[t.process.root] = Rootfs(
                self._base_rootfs.root / t.process.root.lstrip("/"))
            fs.fsnotify = self._base_rootfs.fsnotify        # one set of inotify marks
        return fs

    @rootfs.setter
    def rootfs(self, fs: Rootfs) -> None:
        old = self.__dict__.get("_base_rootfs")
        if old is not None:
            fs.fsnotify = old.fsnotify      # (a restored snapshot's inotify marks stay)
        self._base_rootfs = fs
        self._chroots: dict[str, Rootfs] = {}

    # --- processes ------------------------------------------------------------------
    def spawn_init(self, image: ElfImage, guest_path: str, argv: list[bytes],
                   confidential: bool = False) -> Process:
        pid = self.alloc_id()
        proc = Process(pid=pid, parent=None, mm=None,  # type: ignore[arg-type]
                       fds=stdio_table(self.options.stdout, self.options.stderr,
                                       self.options.stdin, console=self.console),
                       sigactions=sig.SignalActions(), exe=guest_path, pgid=pid, sid=pid,
                       cwd=self.options.cwd)
        proc.fds.record_locks = self.record_locks
        for fd in sorted(self.options.launch_fds):      # (a shell's `900</dev/null`)
            proc.fds.install(NullFile(2, "/dev/null"), lowest=fd)   # O_RDWR
        thread = Thread(tid=pid, process=proc, context=self.el1.new_context())
        thread.no_new_privs = self.options.no_new_privs     # (the launcher's, kept by exec)
        # (the launcher's securebits: its exec cleared SECURE_KEEP_CAPS alone,
        # cap_bprm_creds_from_file())
        thread.securebits = self.options.securebits & ~SECURE_KEEP_CAPS
        if self.options.inheritable:    # (the launcher's pI: every exec keeps it)
            thread.cred = replace(thread.cred, cap_inheritable=self.options.inheritable)
        proc.threads.append(thread)
        proc.confidential = confidential
        if confidential and not self.boot_info.monitor:
            raise KernelError(errno.EINVAL, "confidential processes need the Guardian")
        self.processes[pid] = proc
        self.threads[pid] = thread
        self.init = proc
        self.current = thread
        if self.tracer.enabled:
            self.tracer.set_context(pid, pid, self.el1.cpu_index)
            self.tracer.emit("process", what="spawn", child=pid, path=guest_path)
        self.load_program(thread, image, guest_path, argv, list(self.options.env),
                          load_interpreter(self.rootfs, image, guest_path))
        self.sched.add(thread)
        return proc

    def load_program(self, t: Thread, image: ElfImage, guest_path: str, argv: list[bytes],
                     envp: list[bytes], interp: tuple[ElfImage, str] | None = None,
                     execfn: bytes | None = None) -> None:
        """Replace t's process image (the tail of execve, and the first program);
        ``interp`` is the ELF interpreter (and its guest path) of a dynamic one; ``execfn``
        the path string execve was given (AT_EXECFN), when it is not ``guest_path``."""
        proc = t.process
        # The Guardian holds an exec'd confidential image to the argv/envp its program
        # passed: name the execve in progress (0 for the first program, the user's launch).
        exec_slot = t.slot if proc.mm is not None and proc.mm.confidential else 0
        interp_image, interp_path = interp if interp is not None else (None, "")
        mm = build_address_space(self.mmctx, self.alloc_asid(), image, guest_path,
                                 interp_image, interp_path)
        old = proc.mm
        proc.mm = mm
        self.switch_mm(mm)
        if old is not None:
            old.users -= 1
            if old.users == 0:
                old.destroy()
        proc.exe = guest_path
        proc.argv = tuple(argv)
        proc.environ = tuple(envp)
        t.slot = 0       # the new image is not confidential until CREATE_DOMAIN below
        if self.tracer.enabled:
            self.tracer.emit("process", what="exec", child=proc.pid, path=guest_path)
        self.el1.invalidate_all_code()
        start = build_stack(self.uaccess, image, argv, envp,
                            guest_path.encode() if execfn is None else execfn,
                            self.random_bytes(16), self.hwcap, self.hwcap2, interp_image,
                            (t.cred.uid, t.cred.euid, t.cred.gid, t.cred.egid,
                             int(secure_exec(t.cred))))
        ctx = CpuContext()
        ctx.set(CTX_PC, start.entry)
        ctx.set(CTX_SP, start.sp)
        if proc.confidential:
            # The domain's measured image is the one the thread starts in: the
            # interpreter of a dynamic program (it then maps the rest itself).
            import hashlib  # (OpenSSL: fast for whole images; loaded by confidential runs only)
            first = interp_image if interp_image is not None else image
            named = hashlib.sha256(first.data).digest()
            if interp_image is not None:
                # ... and the program's own image, with the bias it was loaded at.
                named += hashlib.sha256(image.data).digest() + struct.pack("<Q", image.bias)
            status, slot, _ = self.el1.hvc_data(Call.CREATE_DOMAIN,
                                                (mm.tables.root, start.entry, start.sp,
                                                 exec_slot), named)
            if status:
                raise KernelError(errno.EPERM, "the Guardian refused the confidential image")
            t.slot = slot
            mm.confidential = True
            ctx.set(CTX_SP, 0)         # the real stack pointer is the Guardian's to keep
            self.stats.inc("kernel.confidential.execs")
        t.context = ctx
        self.el1.restore_context(ctx)

    def switch_mm(self, mm: AddressSpace) -> None:
        self.el1.msr(S.TTBR0_EL1, mm.ttbr0)
