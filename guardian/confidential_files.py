"""The program's descriptor table and working directory, as its own calls made them.

The pages of an admitted file are measured wherever the program maps it, so the
Guardian must know which descriptor names which file whatever way the program made
it: an openat by any name that reaches the file (an absolute path, one relative to its
working directory or to a directory descriptor it opened, /proc/self/fd/N), a copy
(dup, dup3, fcntl F_DUPFD*), one inherited across fork or execve.  The table follows
every call that makes, copies, flags (FD_CLOEXEC) or ends a descriptor; a descriptor
the table holds is open, so a new one the kernel hands out (openat, dup, socket,
pipe2 ...) may not be one of them: that answer would make one descriptor name two
files, the second served under the first one's measurement.  Which file a name reaches
is fd_names.py's to tell; what each call did to the table is fd_records.py's to follow,
and the return checks of F_GETFD, F_GETFL and the numbers a call made are fd_checks.py's.
"""

from __future__ import annotations

import struct
from dataclasses import replace

from abi.descriptors import (
    NR_OPENAT2,
    NR_PIDFD_OPEN,
    RESOLVE_IN_ROOT,
)
from abi.syscalls import NUMBERS
from guardian import launch_fds, opener_tables
from guardian.admitted_reads import AdmittedReads
from guardian.confidential_admission import Admission
from guardian.fd_checks import TableChecks
from guardian.fd_names import (
    Reach,
    opener_of,
    read_name,
    reopened,
    resolve_name,
    workdir_path,
)
from guardian.fd_records import TableRecords
from guardian.fd_results import s32
from guardian.open_files import Description, FileTable, OpenFile, WorkDir
from guardian.passed_fds import PassedFds
from guardian.pidfds import PidfdTargets
from guardian.proc_cwds import proc_cwds
from guardian.slots import Slot
from guardian.sole_held import SoleHeld
from guardian.sole_sockets import SoleSockets
from guardian.stated_facts import StatedFacts
from guardian.timer_ids import TimerIds
from guardian.user_memory import UserMemory

#: The name that opens the executable the calling process runs (proc_exe_link).
RUNNING_EXE = "/proc/self/exe"
_NR_PIDFD_SEND_SIGNAL = NUMBERS["pidfd_send_signal"]


class Descriptors(TableRecords, TableChecks):
    """Each confidential thread's descriptor table and working directory."""

    def __init__(self, memory: UserMemory, admission: Admission) -> None:
        self.memory = memory
        self.admission = admission
        self.tables: dict[tuple[int, int], FileTable] = {}     # (root, thread) ->
        self.workdirs: dict[tuple[int, int], WorkDir] = {}
        #: Tables of threads in execve whose address space went: the next CREATE_DOMAIN
        #: is (one of) their new image(s).
        self.exec_tables: list[tuple[FileTable, WorkDir]] = []
        self.memfds_made = 0
        #: memfd id -> the seals it is known to hold (memfd_create without
        #: MFD_ALLOW_SEALING starts with F_SEAL_SEAL; F_ADD_SEALS only adds): never removed.
        self.seals: dict[int, int] = {}
        #: memfd id -> (the first slot id that entered after them, seals) for each time its
        #: seals grew: a call that entered from that id on meets them (memfd_seals.py).
        self.sealed_from: dict[int, list[tuple[int, int]]] = {}
        #: memfd id -> the size its program's own calls gave it (guardian/memfd_sizes.py)
        self.memfd_sizes: dict[int, int] = {}
        #: memfd ids made without MFD_HUGETLB: shmem files, whose areas mlock_fixup()
        #: locks (neither VM_SPECIAL, hugetlb nor DAX; guardian/locked_ranges.py)
        self.shmem_memfds: set[int] = set()
        #: open files whose owner some call may have set (F_SETOWN, F_SETOWN_EX, F_SETLEASE,
        #: F_NOTIFY, an ioctl such as FIOSETOWN): any other the program made has none.
        self.owner_set: set[Description] = set()
        #: open files a descriptor of which went on into an exec'd image (which may be one
        #: the Guardian does not see)
        self.exec_kept: set[Description] = set()
        #: Address spaces torn down (EXIT_DOMAIN) whose tables wait for FREE_PGD: their
        #: descriptors are closed (exit, exec) though the kernel has not freed the tree.
        self.retired: set[int] = set()
        #: Each thread's id as its gettid told it: /proc/self/task/<tid> (root, thread).
        self.tids: dict[tuple[int, int], int] = {}
        #: Each process's POSIX timer ids (started, exec'd and forgotten with its space).
        self.timers = TimerIds(memory, admission.registry)
        #: The process each pidfd names (pidfd_open), and whether it was reaped.
        self.pidfds = PidfdTargets()
        #: A pipe's read end -> its write end (pipe2), each as its open file.
        self.pipe_writers: dict[Description, Description] = {}
        #: SCM_RIGHTS messages between the ends of the program's own socketpairs.
        self.passed = PassedFds()
        #: A sendmsg/sendmmsg of the program succeeded (an SCM_RIGHTS message may hold an
        #: open file past its last close).
        self.may_pass = False
        #: The open files a sendmsg whose SCM_RIGHTS the Guardian read named (the others
        #: set `may_pass`): only these may sit in a message past their last close.
        self.sent_files: set[Description] = set()
        #: The pipes, memfds and eventfds only the program holds, and what its calls made
        #: of them (sole_held.py).
        self.sole = SoleHeld(memory, self)
        #: The program's own named AF_UNIX sockets: listeners, what they accepted, what
        #: connected to them (sole_sockets.py).
        self.sockets = SoleSockets(memory, self)
        #: open file -> whether it is O_NONBLOCK, for the pipes and sockets the program
        #: made, as their making call and its own F_SETFL or FIONBIO left them
        self.nonblock: dict[Description, bool] = {}
        #: the first slot id that began after the last F_SETFL or FIONBIO returned: an
        #: F_GETFL that began before it is not judged (it may have run before the change)
        self.flags_from = 0
        #: The position of each open file of an admitted path (admitted_reads.py).
        self.admitted_reads = AdmittedReads(memory, self, admission)
        #: What the program set and the kernel stated of its threads and open files.
        self.stated = StatedFacts(self.description_of, lambda: self.pipe_writers)

    # --- lookups ------------------------------------------------------------------------
    def admitted(self, slot: Slot, fd: int) -> str | None:
        """The admitted file descriptor `fd` of the slot's thread names, if any."""
        f = self.open_file(slot, fd)
        if f is not None and f.path == RUNNING_EXE:
            return self._running_path(slot)
        if f is None or f.path is None or f.path not in self.admission.files:
            return None
        return f.path

    def _running_path(self, slot: Slot) -> str | None:
        """The admitted path of the executable the slot's domain runs (what
        /proc/self/exe opens: a dynamic program's own, not its interpreter's)."""
        dom = self.admission.registry.domains.get(slot.domain)
        image = None if dom is None else dom.program or dom.image
        if image is None:
            return None
        return next((path for path, digest in self.admission.image_paths.items()
                     if digest == image.digest and path in self.admission.files), None)

    def memfd(self, slot: Slot, fd: int) -> int:
        """The memfd descriptor `fd` of the slot's thread names (its id; 0: none)."""
        f = self.open_file(slot, fd)
        return f.memfd if f is not None else 0

    def lockable_memfd(self, slot: Slot, fd: int) -> bool:
        """Does `fd` name, as the slot's call took it at entry, a shmem memfd (not
        MFD_HUGETLB)?  The number is looked up once, at entry (fdget()): another thread's
        close, dup2 or open since may have put a memfd where a hugetlbfs file was."""
        return self.memfd(slot, fd) in self.shmem_memfds and self.steady(slot)

    def maker_of(self, slot: Slot, fd: int) -> int | None:
        """The syscall that made descriptor `fd` of the slot's thread, if known."""
        f = self.open_file(slot, fd)
        return f.maker if f is not None else None

    def path_of(self, slot: Slot, fd: int) -> str | None:
        """The name descriptor `fd` of the slot's thread was opened by, if known."""
        f = self.open_file(slot, fd)
        return f.path if f is not None else None

    def held(self, slot: Slot, fd: int) -> OpenFile:
        """The open file descriptor `fd` of the slot's thread names, for a call that
        succeeded on it (so the program holds it open): one the table did not know
        (inherited from before the launch, received by SCM_RIGHTS) is entered as an open
        file of its own, so that its close is seen."""
        table = self.table(slot.root, slot.thread)
        f = table.fds.get(s32(fd))
        if f is None:
            met = self.met(table, s32(fd))
            f = table.fds[s32(fd)] = OpenFile(cloexec_known=False)
            f.description.met = met
            table.free.pop(s32(fd), None)
        return f

    def unseen(self, table: FileTable, fd: int, cloexec: bool) -> OpenFile:
        """A copy (dup) of number `fd`, whose open file the table did not know."""
        f = OpenFile(None, cloexec)
        f.description.met = self.met(table, s32(fd))
        return f

    def met(self, table: FileTable, fd: int) -> int:
        """When the Guardian meets number `fd`'s open file, not seen made, in `table`
        (Description.met): 0 where it is the launch's -- a console or stated launch number
        of a fresh table that no call of the program's put a file at nor freed -- for it was
        open before any call; else the slot id the next call would get (any file open now)."""
        if table.fresh and fd not in table.fds and fd not in table.free and (
                fd in launch_fds.MAYBE_OPEN or fd in self.stated.launch.fds):
            return 0
        return self.admission.registry.next_slot_id()

    def live_descriptions(self) -> dict[int, Description]:
        """The open files (id of their `Description` -> it) some descriptor of a table
        the Guardian follows still names; one missing here was released (its last
        descriptor closed, replaced by dup3, dropped at exec by FD_CLOEXEC or gone with its
        process) and never comes back -- unless a live one of another identity may be the
        same struct file (Description.may_be)."""
        tables = {id(t): t for (root, _), t in self.tables.items() if root not in self.retired}
        tables.update((id(t), t) for t, _ in self.exec_tables)
        return {id(f.description): f.description for t in tables.values()
                for f in t.fds.values()}

    def resolve(self, slot: Slot, dirfd: int, name: str, in_root: bool = False) -> str | None:
        """The absolute, normalised name `name` reaches from dirfd (`resolve_name`, through
        the slot's thread's table and working directory); None when the Guardian cannot tell."""
        key, reach = (slot.root, slot.thread), self.reach(slot)
        return resolve_name(self.table(*key), lambda: workdir_path(self.workdir(*key), reach),
                            dirfd, name, in_root, reach)

    def reach(self, slot: Slot) -> Reach:
        """Which /proc names reach the slot's thread's table: /proc/self/fd is its thread
        group leader's (proc_fd_link()), known to be this table where every thread of its
        process the Guardian follows holds this very table; /proc/<pid>/fd, where
        moreover no thread of another process holds it."""
        reg = self.admission.registry
        table = self.table(slot.root, slot.thread)
        group = reg.group_of(slot.root, slot.thread)
        mine = [(r == slot.root and reg.group_of(r, th) == group, t is table)
                for (r, th), t in self.tables.items() if r not in self.retired]
        reach = Reach(all(held for ours, held in mine if ours),
                      all(ours for ours, held in mine if held), (slot.root, group),
                      (slot.root, -1 - slot.thread), self.tids.get((slot.root, slot.thread)))
        return proc_cwds(self, slot, reach)

    def reopened(self, slot: Slot, dirfd: int, name: str, in_root: bool = False,
                 children: bool = False) -> OpenFile | None:
        """The slot's thread's own open file that `name` (/proc/self/fd/N) opens again
        (children: or a live fork child's, by /proc/<child>/fd/N)."""
        key = (slot.root, slot.thread)
        reach = self.reach(slot)
        if children:
            reach = replace(reach, child=lambda pid: self._child_table(slot, pid)
                            or opener_tables.parent_table(self, slot, pid))
        found = reopened(self.table(*key), lambda: workdir_path(self.workdir(*key), reach),
                         dirfd, name, in_root, reach)
        if found is None and children and not in_root:
            # (a fork child's copy of its parent's /proc/self/fd: the parent's table)
            found = opener_tables.through_opener(self, slot, dirfd, name)
        return found

    def process_of(self, slot: Slot) -> int:
        """The process (`Registry.process_of_root`) of a fork child's original thread
        group the slot's thread is of; 0: another, or not known."""
        reg = self.admission.registry
        return reg.process_of_root.get(slot.root, 0) if reg.group_of(slot.root, slot.thread) == 0 \
            else 0

    def opener_ids(self, slot: Slot, path: str | None) -> tuple[int, int] | None:
        """`opener_of(path)`, the caller's Reach worked out only for a name through /proc
        or /dev/fd (every other open names no opener)."""
        if path is None or not path.startswith(("/proc/", "/dev/fd")):
            return None
        return opener_of(path, self.reach(slot))

    def _child_table(self, slot: Slot, pid: int) -> FileTable | None:
        """The table of the fork child `pid` names (the pid the slot's process was told by
        its fork), where that child lives and no call that may change the table returned
        since the slot's entry or is in flight; None: not known."""
        reg = self.admission.registry
        proc = reg.child_pids.get((slot.root, pid))
        roots = [r for r, p in reg.process_of_root.items() if p == proc and r not in self.retired]
        if not proc or len(roots) != 1 or reg.group_exited(roots[0], proc) or \
                reg.was_reaped(roots[0], proc):
            return None
        table = self.tables.get((roots[0], proc))
        return table if table is not None and self.unchanged_since(slot, table) else None

    def child_table(self, slot: Slot, pid: int) -> FileTable | None:
        """`_child_table()`, for the checks of other modules."""
        return self._child_table(slot, pid)

    def reopen_of(self, slot: Slot, children: bool = False) -> tuple[OpenFile | None, int]:
        """For the openat or openat2 in `slot`: the slot's thread's own open file its name
        (/proc/self/fd/N) opens again (children: or a live fork child's), and the name's
        length (0: not read)."""
        a, in_root = slot.args, False
        if slot.nr == NR_OPENAT2:
            raw = self.memory.read(a[2], 24, slot.root)
            if raw is None:
                return None, 0
            in_root = bool(struct.unpack("<QQQ", raw)[2] & RESOLVE_IN_ROOT)
        name = read_name(self.memory, slot, a[1])
        if name is None:
            return None, 0
        return self.reopened(slot, a[0], name, in_root, children), len(name.encode()) + 1

    # --- the return of a syscall ----------------------------------------------------------
    def read_u64(self, slot: Slot, va: int) -> int | None:
        """The 8-byte word at `va` in the slot's space (None: not readable)."""
        raw = self.memory.read(va, 8, slot.root)
        return struct.unpack("<Q", raw)[0] if raw is not None and len(raw) == 8 else None

    def description_of(self, slot: Slot, fd: int) -> Description | None:
        """The open file descriptor `fd` of the slot's thread names, if known."""
        f = self.open_file(slot, fd)
        return f.description if f is not None else None

    def writer_held(self, slot: Slot, read_end: Description | None) -> bool:
        """Whether `read_end` is a pipe's read end whose write end some table of the
        slot's domain holds open (Linux's pipe->writers is then at least 1)."""
        writer = self.pipe_writers.get(read_end) if read_end is not None else None
        if writer is None:
            return False
        domain_roots = {r for r, dom in self.admission.registry.root_domain.items()
                        if dom == slot.domain and r not in self.retired}
        return any(f.description is writer for (root, _), table in self.tables.items()
                   if root in domain_roots for f in table.fds.values())

    def pidfd_target(self, slot: Slot) -> int | None:
        """The pid the pidfd a pidfd_send_signal names was opened for, if known."""
        if slot.nr != _NR_PIDFD_SEND_SIGNAL:
            return None
        d = self.description_of(slot, slot.args[0])
        return self.pidfds.target(d) if d is not None else None

    def socket_of(self, slot: Slot, fd: int) -> tuple[int, int, int] | None:
        """(domain, type, maker's pid) of a socket the program made (None: not known)."""
        f = self.open_file(slot, fd)
        return f.sock if f is not None else None

    def pidfd_pid(self, slot: Slot, fd: int) -> int:
        """The pid the pidfd_open descriptor `fd` names (0: not one the Guardian saw made)."""
        f = self.open_file(slot, fd)
        return f.pid if f is not None and f.maker == NR_PIDFD_OPEN else 0

    def owner_unset(self, slot: Slot, fd: int) -> bool:
        """Is descriptor `fd` an open file the program made (not inherited or received)
        whose owner no call set -- nor one it may have passed by SCM_RIGHTS (`may_pass`,
        `sent_files`): a receiver the Guardian does not follow may F_SETOWN / F_SETSIG
        the same open file (the fown_struct is the file's)?"""
        f = self.open_file(slot, fd)
        return f is not None and (f.maker is not None or f.path is not None) \
            and f.description not in self.owner_set and not self.may_pass \
            and f.description not in self.sent_files

    def seals_of(self, slot: Slot, fd: int) -> int | None:
        """The seals the memfd behind descriptor `fd` is known to hold (None: no memfd)."""
        f = self.open_file(slot, fd)
        return self.seals.get(f.memfd) if f is not None and f.memfd else None

    def seals_met(self, slot: Slot, fd: int) -> int:
        """The seals the memfd behind descriptor `fd` held before the slot's call entered
        (0: none known, or no memfd): those the call met, whatever else ran meanwhile."""
        return self.seals_of_file(slot, self.open_file(slot, fd))

    def seals_of_file(self, slot: Slot, f: OpenFile | None) -> int:
        """The seals the memfd of open file `f` held before the slot's call entered."""
        met = 0
        for since, seals in self.sealed_from.get(f.memfd, ()) if f is not None and f.memfd \
                else ():
            if slot.id >= since:
                met |= seals
        return met

    def access(self, slot: Slot, fd: int) -> int | None:
        """The O_ACCMODE of the calling thread's descriptor `fd` (None: not known)."""
        table = self.tables.get((slot.root, slot.thread))
        f = table.fds.get(s32(fd)) if table is not None else None
        return None if f is None else f.access
