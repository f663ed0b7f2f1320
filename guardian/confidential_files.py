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
is fd_names.py's to tell.
"""

from __future__ import annotations

import struct
from dataclasses import replace

from abi import Status
from abi.close_on_exec import made_cloexec
from abi.descriptors import (
    AT_FDCWD,
    CLONE_FILES,
    CLONE_FS,
    CLOSE_RANGE_CLOEXEC,
    CLOSE_RANGE_UNSHARE,
    F_DUPFD,
    F_DUPFD_CLOEXEC,
    F_SETFD,
    FD_CLOEXEC,
    FICLONE,
    FICLONERANGE,
    FIOCLEX,
    FIONCLEX,
    INT_MAX,
    NEW_FD_PAIR,
    NEW_FD_RESULT,
    NR_CHDIR,
    NR_CLOSE,
    NR_CLOSE_RANGE,
    NR_DUP,
    NR_DUP3,
    NR_FCHDIR,
    NR_FCNTL,
    NR_GETPID,
    NR_IOCTL,
    NR_MEMFD_CREATE,
    NR_OPENAT,
    NR_OPENAT2,
    NR_PIDFD_GETFD,
    NR_PIDFD_OPEN,
    NR_PIPE2,
    NR_SENDMSG,
    NR_SIGNALFD4,
    NR_SOCKET,
    NR_SOCKETPAIR,
    NR_UNSHARE,
    O_ACCMODE,
    O_RDONLY,
    O_WRONLY,
    RESOLVE_IN_ROOT,
)
from abi.layout import ERRNO_FLOOR, NR_CLONE, NR_CLONE3, NR_GETTID
from abi.syscalls import NUMBERS
from guardian import launch_fds, memfd_locks, opener_tables
from guardian.admitted_reads import AdmittedReads
from guardian.checks import refuse
from guardian.confidential_admission import Admission
from guardian.fd_lowest import NR_FANOTIFY_INIT, READS, UNSEEN_MAKERS
from guardian.fd_made import LIMIT_CALLS, check_made, note_limit
from guardian.fd_names import (
    REOPENING,
    Reach,
    opener_of,
    read_name,
    reopened,
    resolve_name,
    workdir_path,
)
from guardian.fd_results import new_fds, reads_make_fds, s32
from guardian.fd_tables import TableLifecycle, split_pids
from guardian.open_files import CWD_CALLS, Description, FileTable, OpenFile, WorkDir
from guardian.passed_fds import PassedFds
from guardian.pidfds import PidfdTargets
from guardian.proc_cwds import proc_cwds
from guardian.side_fds import SIDE_MAKERS, pidfd_unsure, side_fds
from guardian.slots import Slot
from guardian.sole_files import MFD_HUGETLB, MemFile, check_flags
from guardian.sole_held import SoleHeld
from guardian.sole_sockets import SoleSockets
from guardian.stated_facts import PAIR_MAKER, StatedFacts
from guardian.timer_ids import TimerIds
from guardian.user_memory import UserMemory

#: Every call `Descriptors.check` and `record` act on (the return path asks only for these).
CALLS = frozenset({NR_CLOSE, NR_GETPID, NR_GETTID, NR_OPENAT, NR_OPENAT2, NR_DUP, NR_DUP3, NR_FCNTL,
                   NR_IOCTL, NR_CLOSE_RANGE, NR_CHDIR, NR_FCHDIR, NR_UNSHARE, NR_SIGNALFD4,
                   *NEW_FD_RESULT, *NEW_FD_PAIR, *UNSEEN_MAKERS, *READS, *LIMIT_CALLS,
                   NR_SENDMSG, NR_CLONE, NR_CLONE3, *launch_fds.UNFOLLOWED})


F_ADD_SEALS, F_SEAL_SEAL, MFD_ALLOW_SEALING, MFD_NOEXEC_SEAL = 1033, 1, 2, 8
SOCK_TYPE_MASK = 0xF
#: The name that opens the executable the calling process runs (proc_exe_link).
RUNNING_EXE = "/proc/self/exe"
F_GETFD, F_GETFL, F_SETFL, FIONBIO, O_NONBLOCK = 1, 3, 4, 0x5421, 0o4000
#: F_SETOWN, F_SETOWN_EX, F_SETLEASE, F_NOTIFY: the fcntl commands that set an owner.
OWNER_SETTERS = frozenset({8, 15, 1024, 1026})

#: Calls of `CALLS` that make no descriptor.
_NEVER_MAKE = frozenset({NR_CLOSE, NR_GETPID, NR_GETTID, NR_CHDIR, NR_FCHDIR, NR_SENDMSG, *LIMIT_CALLS})
#: Calls of `CALLS` that may change which open file a number names (a read only where
#: it installs descriptors: `record` returns before this for the others).
_RENAMING = CALLS - {NR_GETPID, NR_GETTID, NR_CHDIR, NR_FCHDIR, NR_SENDMSG, *LIMIT_CALLS}


_NR_PIDFD_SEND_SIGNAL = NUMBERS["pidfd_send_signal"]


O_PATH = 0o10000000
O_TRUNC = 0o1000


#: accept and accept4, whose socket is its listener's family (unix_accept())
_ACCEPTS = frozenset((NUMBERS["accept"], NUMBERS["accept4"]))
_AF_UNIX = 1
#: ioctl commands that install no descriptor: FIOCLEX, FIONCLEX and FICLONE, FICLONERANGE
#: (do_vfs_ioctl() answers each itself -- ioctl_file_clone() -- and never reaches the
#: file's own f_op->unlocked_ioctl)
_IOCTL_NO_FD = frozenset((FIOCLEX, FIONCLEX, FICLONE, FICLONERANGE))


class Descriptors(TableLifecycle):
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

    def _unseen(self, table: FileTable, fd: int, cloexec: bool) -> OpenFile:
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

    def _process(self, slot: Slot) -> int:
        """The process (`Registry.process_of_root`) of a fork child's original thread
        group the slot's thread is of; 0: another, or not known."""
        reg = self.admission.registry
        return reg.process_of_root.get(slot.root, 0) if reg.group_of(slot.root, slot.thread) == 0 \
            else 0

    def _opener(self, slot: Slot, path: str | None) -> tuple[int, int] | None:
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

    def unchanged_since(self, slot: Slot, table: FileTable) -> bool:
        """Does each number of `table` (another thread's) name the open file it named
        when the slot's call entered: no call that may change it returned since, and none
        is in flight?"""
        return table.changed <= slot.id and not any(
            s.id != slot.id and s.nr in _RENAMING and self.tables.get((s.root, s.thread))
            is table and (s.nr not in READS or reads_make_fds(table, s.args[0]))
            and not opener_tables.vfork_suspended(self.admission.registry, s)
            for s in self.admission.registry.slots.values())

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
    def _read_u64(self, slot: Slot, va: int) -> int | None:
        raw = self.memory.read(va, 8, slot.root)
        return struct.unpack("<Q", raw)[0] if raw is not None and len(raw) == 8 else None

    def check(self, slot: Slot, ret: int) -> None:
        """A descriptor a call made is a new one, below the limit (fd_made.py); F_GETFD
        answers the close-on-exec flag the descriptor holds."""
        check_made(self, slot, ret)
        if slot.nr == NR_FCNTL and slot.args[1] & 0xFFFF_FFFF == F_GETFD and ret < ERRNO_FLOOR:
            self._check_getfd(slot, ret)
        if slot.nr == NR_FCNTL and slot.args[1] & 0xFFFF_FFFF == F_GETFL and ret < ERRNO_FLOOR:
            self._check_getfl(slot, ret)

    def _check_getfl(self, slot: Slot, ret: int) -> None:
        """`return.fd_nonblock`: F_GETFL of a pipe or socket the program made reports
        O_NONBLOCK exactly when its making call (O_NONBLOCK, SOCK_NONBLOCK) and its own
        F_SETFL or FIONBIO since left it set: nothing else changes an open file's
        O_NONBLOCK.  `return.memfd_flags`: of a memfd only the program holds, O_APPEND
        and O_NONBLOCK as its own F_SETFL and FIONBIO left them (sole_files.py).
        Not judged while another call on the same table is in flight (it may move the
        descriptor), nor where a call that may change the open file's flags overlapped
        this one in any process (a fork child shares the open file from another table:
        an F_SETFL or FIONBIO there, or an SCM_RIGHTS send handing it on, that was in
        flight at this call's entry or since may have gone either side of it)."""
        table = self.table(slot.root, slot.thread)
        f = table.fds.get(s32(slot.args[0]))
        if f is None:
            return
        known = self.nonblock.get(f.description)
        mem = self.sole.by_file.get(f.description)
        if not isinstance(mem, MemFile):
            mem = None
        if (known is None and mem is None) or slot.id < self.flags_from or any(
                other.id != slot.id and other.nr is not None and (
                    self.tables.get((other.root, other.thread)) is table
                    or other.nr in (NR_IOCTL, NR_SENDMSG)
                    or (other.nr == NR_FCNTL and other.args[1] & 0xFFFF_FFFF == F_SETFL))
                for other in self.admission.registry.slots.values()):
            return
        if mem is not None:
            if not self.sole.unsettled(slot) and not mem.shared_open:
                check_flags(slot, ret, mem)
            return
        if bool(ret & O_NONBLOCK) != known:
            refuse("return.fd_nonblock", Status.ERR_DENIED,
                   f"fcntl(F_GETFL) of descriptor {s32(slot.args[0])} answers {ret:#o}, but "
                   f"its open file is {'' if known else 'not '}O_NONBLOCK: only the call "
                   "that made it and the program's own F_SETFL or FIONBIO set that")

    def note_nonblock(self, slot: Slot, ret: int) -> None:
        """What a call that succeeded did to the O_NONBLOCK of the open files it names
        (after `record`)."""
        nr, a = slot.nr, slot.args
        table = self.table(slot.root, slot.thread)
        if nr == NR_SENDMSG:
            self.nonblock.clear()               # another holder may set it from now on
            return
        if nr in (NR_SOCKET, NR_SOCKETPAIR, NR_PIPE2):
            flags = a[1]                        # SOCK_NONBLOCK is O_NONBLOCK; pipe2's flags
            fds = new_fds(self.memory, slot, ret)
            for fd in fds:
                f = table.fds.get(fd)
                if f is not None:
                    self.nonblock[f.description] = bool(flags & O_NONBLOCK)
            return
        f = table.fds.get(s32(a[0]))
        if f is None or f.description not in self.nonblock:
            return
        if nr == NR_FCNTL and a[1] & 0xFFFF_FFFF == F_SETFL:
            self.nonblock[f.description] = bool(a[2] & O_NONBLOCK)
        elif nr == NR_IOCTL and a[1] & 0xFFFF_FFFF == FIONBIO:
            raw = self.memory.read(a[2], 4, slot.root) if a[2] else None
            if raw is None:
                del self.nonblock[f.description]
            else:
                self.nonblock[f.description] = struct.unpack("<i", raw)[0] != 0

    def _check_getfd(self, slot: Slot, ret: int) -> None:
        """`return.fd_cloexec`: FD_CLOEXEC is what the call that made the descriptor set
        (O_CLOEXEC, SOCK_CLOEXEC, MSG_CMSG_CLOEXEC, F_DUPFD_CLOEXEC ...) and later
        F_SETFD, FIOCLEX, FIONCLEX or close_range(CLOSE_RANGE_CLOEXEC) changed; nothing else
        does.  Not judged while another call on the same table is in flight (it may be
        one that changes it)."""
        table = self.table(slot.root, slot.thread)
        f = table.fds.get(s32(slot.args[0]))
        if f is None or not f.cloexec_known or any(
                other.id != slot.id and other.nr is not None
                and self.tables.get((other.root, other.thread)) is table
                for other in self.admission.registry.slots.values()):
            return
        want = FD_CLOEXEC if f.cloexec else 0
        if ret != want:
            refuse("return.fd_cloexec", Status.ERR_DENIED,
                   f"fcntl(F_GETFD) of descriptor {s32(slot.args[0])} answers {ret}, but its "
                   f"close-on-exec flag is {want}: only the call that made it and the "
                   "program's own F_SETFD, FIOCLEX, FIONCLEX or close_range set it")

    def _alone(self, slot: Slot) -> bool:
        """Is the slot's thread the only one the Guardian follows in its address space?"""
        return not any(r == slot.root and th != slot.thread and r not in self.retired
                       for r, th in self.tables)

    def busy(self, slot: Slot, table: FileTable) -> bool:
        """Whether another thread sharing the table is in a call that may make a
        descriptor (the kernel may have given it one the Guardian has not seen yet)."""
        return any(s.id != slot.id and self.tables.get((s.root, s.thread)) is table
                   and (reads_make_fds(table, s.args[0]) if s.nr in READS
                        else s.nr in CALLS and s.nr not in _NEVER_MAKE)
                   for s in self.admission.registry.slots.values())

    def pidfd_unsure(self, slot: Slot) -> bool:
        """Is a clone's CLONE_PIDFD number in the program's word not read back
        (side_fds.pidfd_unsure)?"""
        return pidfd_unsure(lambda va, n: self.memory.read(va, n, slot.root), slot.nr,
                            slot.args)

    def wd_steady(self, slot: Slot) -> bool:
        """Is the slot's thread's working directory the one its call started from (the
        walk takes fs->pwd once, at its start: path_init()): no chdir, fchdir or unshare
        changed it since the call entered, and none of a thread sharing it is in flight?"""
        wd = self.workdirs.get((slot.root, slot.thread))
        return wd is not None and wd.changed <= slot.id and not any(
            s.id != slot.id and s.nr in CWD_CALLS and self.workdirs.get((s.root, s.thread)) is wd
            for s in self.admission.registry.slots.values())

    def base_steady(self, slot: Slot, dirfd: int) -> bool:
        """Is where a relative name from dirfd starts the one the call started from?"""
        return self.wd_steady(slot) if s32(dirfd) == AT_FDCWD else self.steady(slot)

    def steady(self, slot: Slot) -> bool:
        """Does each number of the slot's table name now the open file it named when the
        call entered?  (Linux looks a call's descriptor up once, at its entry: a close,
        dup2 or open by another thread in the meantime leaves the call on the old file.)
        So: no call that may change the table returned since the entry, and none is in
        flight."""
        table = self.tables.get((slot.root, slot.thread))
        if table is None or table.changed > slot.id:
            return False
        for s in self.admission.registry.slots.values():    # (a loop: no generator to run)
            if s.id != slot.id and s.nr in _RENAMING \
                    and self.tables.get((s.root, s.thread)) is table \
                    and (s.nr not in READS or reads_make_fds(table, s.args[0])):
                return False
        return True

    def record(self, slot: Slot, ret: int) -> None:
        """What a call that completed with `ret` did to the table (after `check`)."""
        nr, a = slot.nr, slot.args
        key = (slot.root, slot.thread)
        table = self.table(*key)
        if nr in READS and not reads_make_fds(table, a[0]):
            return          # (a read that installs no descriptor changes no table: most calls)
        # (A table another call changed while this one ran: its lowest free number may
        # have moved below what this call got, so it proves no descriptor open.)
        proves_open = ret < ERRNO_FLOOR and nr in _RENAMING and self.steady(slot)
        # (an accept's listener named the file it names now: AG-019)
        accepted_steady = nr in _ACCEPTS and self.steady(slot)
        if nr in _RENAMING:
            table.changed = self.admission.registry.next_slot_id()
        cmd = a[1] & 0xFFFF_FFFF          # fcntl's and ioctl's request
        if (nr == NR_FCNTL and cmd == F_SETFL) or (nr == NR_IOCTL and cmd == FIONBIO):
            self.flags_from = self.admission.registry.next_slot_id()
        if self.sole.by_file and nr in (NR_CLOSE, NR_DUP3, NR_CLOSE_RANGE):
            memfd_locks.closing(self.sole, slot, ret, table)    # before the table forgets
        if nr in LIMIT_CALLS:
            note_limit(self.memory, table, slot, ret)
            return
        if nr == NR_CLOSE:
            if table.fds.pop(s32(a[0]), None) is not None:  # (Linux frees it whatever
                table.grown = max(table.grown, s32(a[0]) + 1)  # close reports)
            self.freed(table, [s32(a[0])])
            if s32(a[0]) >= 0:
                table.open_below = min(table.open_below, s32(a[0]))
            return
        if nr in UNSEEN_MAKERS or (nr == NR_IOCTL and cmd not in _IOCTL_NO_FD) \
                or (nr in READS and reads_make_fds(table, a[0])):
            table.free.clear()
            table.open_below = 0        # (io_uring's IORING_OP_CLOSE, ...)
            if table.fresh and not launch_fds.follows_recv(
                    lambda va, n: self.memory.read(va, n, slot.root), nr, a[1],
                    0 if ret < ERRNO_FLOOR else -1, self._alone(slot)):
                launch_fds.forget(table)
        elif nr in launch_fds.UNFOLLOWED:
            launch_fds.forget(table)    # (getsockopt's SO_PEERPIDFD: no number seen)
            return
        if (nr == NR_FCNTL and cmd in OWNER_SETTERS) or \
                (nr == NR_IOCTL and cmd not in (FIOCLEX, FIONCLEX)):
            f = table.fds.get(s32(a[0]))
            if f is not None:
                self.owner_set.add(f.description)
        if ret >= ERRNO_FLOOR:
            return
        made = new_fds(self.memory, slot, ret) if nr != NR_CLOSE_RANGE else []
        for fd in made:
            table.free.pop(fd, None)
        if made and proves_open and nr != NR_DUP3 and nr != NR_FCNTL and min(made) >= 0:
            # alloc_fd(0, ...): find_next_fd() found every descriptor below the lowest open
            table.open_below = max(table.open_below, min(made))
        # The mark the making call's own flags set (EFD_CLOEXEC, SOCK_CLOEXEC, a pidfd...).
        mark = made_cloexec(nr, a, lambda va: self._read_u64(slot, va))
        cloexec = bool(mark)
        if nr == NR_FANOTIFY_INIT:
            table.fds[ret] = OpenFile(cloexec=cloexec, reads_make_fds=True)
            table.fds[ret].description.made = slot.id
            return
        if nr == NR_GETPID:
            table.pids.add(ret)
        elif nr == NR_GETTID:
            self.tids[key] = ret
        elif nr in (NR_OPENAT, NR_OPENAT2):
            flags, in_root = a[2], False
            if nr == NR_OPENAT2:
                raw = self.memory.read(a[2], 24, slot.root)
                flags, _, resolve = struct.unpack("<QQQ", raw) if raw else (0, 0, 0)
                in_root = bool(resolve & RESOLVE_IN_ROOT)
            name = read_name(self.memory, slot, a[1])
            path = self.resolve(slot, a[0], name, in_root) if name is not None else None
            # openat2's open_how as copy_struct_from_user() took it at the entry only where
            # it lay quiet through the call (another thread may have rewritten it since):
            # else its access and O_PATH are not known
            known = nr == NR_OPENAT or self.sole.settled_flags(slot) is not None
            table.fds[ret] = OpenFile(path, cloexec,
                                      access=flags & O_ACCMODE if known else None,
                                      path_only=known and bool(flags & O_PATH),
                                      opener=self._opener(slot, path),
                                      opened_by=self._process(slot))
            table.fds[ret].description.made = slot.id      # (path_openat(): a new file)
            again = self.reopened(slot, a[0], name, in_root) if name is not None else None
            if again is not None and again.memfd:
                # A new open file of the same memfd: its mappings map the memfd's pages.
                table.fds[ret].memfd = again.memfd
                if flags & O_TRUNC and again.memfd in self.memfd_sizes:
                    self.memfd_sizes[again.memfd] = 0       # handle_truncate() cut it
            elif again is not None and (again.maker == NR_PIPE2 or again.fifo):
                table.fds[ret].fifo = True      # (fifo_open(): the same pipe, a FIFO)
            elif again is not None and again.maker == NR_PIDFD_OPEN and not flags & O_PATH:
                # pidfs (6.9+): proc_fd_link() reaches the pidfd's own inode, whose i_fop
                # is pidfs_file_operations; the new file names the same struct pid.
                table.fds[ret].maker, table.fds[ret].pid = NR_PIDFD_OPEN, again.pid
                self.pidfds.reopened(again.description, table.fds[ret].description)
            elif flags & O_TRUNC and (path is None or path.startswith(REOPENING)):
                self.memfd_sizes.clear()    # it may have cut any memfd (memfd_sizes.py)
        elif nr == NR_DUP or (nr == NR_FCNTL and cmd in (F_DUPFD, F_DUPFD_CLOEXEC)):
            src = table.fds.get(s32(a[0]))
            table.fds[ret] = src.copied(cloexec) if src else self._unseen(table, a[0], cloexec)
        elif nr == NR_DUP3:
            src = table.fds.get(s32(a[0]))
            table.fds[ret] = src.copied(cloexec) if src else self._unseen(table, a[0], cloexec)
        elif nr in (NR_CLONE, NR_CLONE3):
            if self.pidfd_unsure(slot):     # (its number unknown: as an unseen maker's)
                table.free.clear()
                table.open_below = 0
                launch_fds.forget(table)
                made = []
            for fd in made:     # CLONE_PIDFD: pidfd_prepare(O_RDWR | O_CLOEXEC) of the child
                table.fds[fd] = OpenFile(cloexec=True, maker=NR_PIDFD_OPEN, pid=ret & 0xFFFF_FFFF)
                table.fds[fd].description.made = slot.id
                self.pidfds.opened(slot.domain, table.fds[fd].description, ret)
        elif nr == NR_PIDFD_OPEN:
            table.fds[ret] = OpenFile(cloexec=cloexec, maker=nr, pid=a[0] & 0xFFFF_FFFF)
            table.fds[ret].description.made = slot.id
            # The process it names, for the send log and the reaped-process rule.
            self.pidfds.opened(slot.domain, table.fds[ret].description, s32(a[0]))
        elif nr == NR_PIDFD_GETFD:
            # pidfd_getfd(pidfd, fd) through a pidfd of the caller's own process is another
            # descriptor of its own open file `fd`, as dup's (close-on-exec always).
            pidfd, src = table.fds.get(s32(a[0])), table.fds.get(s32(a[1]))
            own = pidfd is not None and pidfd.maker == NR_PIDFD_OPEN and pidfd.pid in table.pids
            table.fds[ret] = src.copied(True) if own and src is not None \
                else OpenFile(cloexec=True, maker=nr)
            if not (own and src is not None):       # (another process's file: any)
                table.fds[ret].description.met = self.admission.registry.next_slot_id()
        elif nr == NR_MEMFD_CREATE:
            self.memfds_made += 1
            # (memfd_create() opens its shmem file O_RDWR: alloc_file_pseudo(..., O_RDWR))
            table.fds[ret] = OpenFile(None, cloexec, self.memfds_made, maker=nr, access=2)
            table.fds[ret].description.made = slot.id
            sealable = a[1] & (MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL)
            self.seals[self.memfds_made] = 0 if sealable else F_SEAL_SEAL
            self.sealed_from[self.memfds_made] = [
                (self.admission.registry.next_slot_id(), self.seals[self.memfds_made])]
            if not a[1] & MFD_HUGETLB:          # (a huge page pool may run dry: SIGBUS)
                self.memfd_sizes[self.memfds_made] = 0      # a new memfd is empty
                self.shmem_memfds.add(self.memfds_made)
        elif nr == NR_FCNTL and cmd == F_ADD_SEALS:
            f = table.fds.get(s32(a[0]))
            if f is not None and f.memfd:
                self.seals[f.memfd] = self.seals.get(f.memfd, 0) | (a[2] & 0xFFFF_FFFF)
                self.sealed_from.setdefault(f.memfd, []).append(
                    (self.admission.registry.next_slot_id(), a[2] & 0xFFFF_FFFF))
        elif (nr == NR_FCNTL and cmd == F_SETFD) or (nr == NR_IOCTL
                                                     and cmd in (FIOCLEX, FIONCLEX)):
            f = table.fds.get(s32(a[0]))
            if f is not None:
                f.cloexec = bool(a[2] & FD_CLOEXEC) if nr == NR_FCNTL else cmd == FIOCLEX
        elif nr == NR_CLOSE_RANGE:
            if a[2] & CLOSE_RANGE_UNSHARE:
                busy = self.busy(slot, table)
                old = table
                table = self.tables[key] = table.copy(keep_pids=True)
                old.unshared = table.unshared = self.admission.registry.next_slot_id()
                if busy:    # (a number another thread's call installed: launch_fds.py)
                    launch_fds.forget(table)
                if not self.sole.filtered(slot):    # (__close_range() -> unshare_fd())
                    split_pids(self.admission.registry, self.tables, slot.domain, key, old)
            first, last = a[0] & 0xFFFF_FFFF, a[1] & 0xFFFF_FFFF
            if not a[2] & CLOSE_RANGE_CLOEXEC:
                table.open_below = min(table.open_below, first)
            for fd in [fd for fd in table.fds if first <= fd <= last]:
                if a[2] & CLOSE_RANGE_CLOEXEC:
                    table.fds[fd].cloexec = True
                else:
                    del table.fds[fd]
                    self.freed(table, [fd])
                    if not a[2] & CLOSE_RANGE_UNSHARE:
                        # (__range_close() frees numbers, never the fdtable's room;
                        # an unshared copy is sized by what lies below the range)
                        table.grown = max(table.grown, fd + 1)
        elif nr == NR_CHDIR:
            name = read_name(self.memory, slot, a[0])
            wd = self.workdir(*key)
            wd.path = self.resolve(slot, AT_FDCWD, name) if name is not None else None
            wd.changed = self.admission.registry.next_slot_id()
            wd.opener = self._opener(slot, wd.path)
            wd.opened_by = self._process(slot)
        elif nr == NR_FCHDIR:
            f = table.fds.get(s32(a[0]))
            wd = self.workdir(*key)
            wd.path, wd.opener = (f.path, f.opener) if f is not None else (None, None)
            wd.opened_by = f.opened_by if f is not None else 0
            wd.changed = self.admission.registry.next_slot_id()
        elif nr == NR_UNSHARE:
            if a[0] & CLONE_FILES:
                busy = self.busy(slot, table)
                self.tables[key] = table.copy(keep_pids=True)
                table.unshared = self.tables[key].unshared = \
                    self.admission.registry.next_slot_id()
                if busy:    # (a number another thread's call installed: launch_fds.py)
                    launch_fds.forget(self.tables[key])
                if not self.sole.filtered(slot):    # (a filter's 0 unshared nothing)
                    split_pids(self.admission.registry, self.tables, slot.domain, key, table)
            if a[0] & CLONE_FS:
                wd = self.workdir(*key)
                self.workdirs[key] = WorkDir(wd.path, wd.opener, wd.opened_by,
                                             self.admission.registry.next_slot_id())
        elif nr == NR_SENDMSG:
            self.passed.note_sent(self.memory, table, slot)
        elif nr in SIDE_MAKERS:
            fds = side_fds(lambda va, n: self.memory.read(va, n, slot.root), nr, a, ret)
            # What the program's own peer end sent, the very open files (passed_fds.py).
            sent = self.passed.received(self.memory, table, slot, fds)
            for fd, was in zip(fds, sent, strict=True):
                if 0 <= fd <= INT_MAX and fd not in table.fds:
                    table.fds[fd] = was.copied(cloexec) if was is not None \
                        else OpenFile(cloexec=cloexec)
                    if was is None:     # (received: any file open now)
                        table.fds[fd].description.met = \
                            self.admission.registry.next_slot_id()
                    table.fds[fd].cloexec_known = mark is not None
        else:
            new = new_fds(self.memory, slot, ret)
            for fd in new:
                table.fds[fd] = OpenFile(cloexec=cloexec, maker=nr, cloexec_known=mark is not None)
                table.fds[fd].description.made = slot.id
            if accepted_steady:
                # unix_accept(): the new socket is the listener's family (AG-019)
                lst = table.fds.get(s32(a[0]))
                for fd in new if lst is not None and lst.sock is not None \
                        and lst.sock[0] == _AF_UNIX else ():
                    table.fds[fd].unix_accepted = True
            if nr in (NR_SOCKET, NR_SOCKETPAIR):
                # A pair's ends carry its maker's credentials (SO_PEERCRED); a socket's peer
                # is whoever it connects to.
                maker_pid = next(iter(table.pids)) \
                    if nr == NR_SOCKETPAIR and len(table.pids) == 1 else 0
                for fd in new:
                    table.fds[fd].sock = (a[0] & 0xFFFF_FFFF, a[1] & SOCK_TYPE_MASK, maker_pid)
                    if nr == NR_SOCKETPAIR:     # (its maker's pid, where not yet known)
                        self.stated.files.setdefault(table.fds[fd].description, {})[
                            PAIR_MAKER] = (slot.root, slot.thread)
                if nr == NR_SOCKETPAIR and len(new) == 2:
                    self.passed.note_pair(table.fds[new[0]].description,
                                          table.fds[new[1]].description)
            if nr == NR_PIPE2 and len(new) == 2:       # pipefd[0] reads, pipefd[1] writes
                table.fds[new[0]].access, table.fds[new[1]].access = O_RDONLY, O_WRONLY
                self.pipe_writers[table.fds[new[0]].description] = table.fds[new[1]].description

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
        whose owner no call set?"""
        f = self.open_file(slot, fd)
        return f is not None and (f.maker is not None or f.path is not None) \
            and f.description not in self.owner_set

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
