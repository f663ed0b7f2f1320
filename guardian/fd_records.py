"""What each completed call did to the program's descriptor table and working directory.

`record` follows every call that makes, copies, flags (FD_CLOEXEC) or ends a descriptor,
changes the working directory or unshares either (after the return checks,
fd_checks.py); `steady` and its kin tell whether a table or directory is still the one a
call met at its entry, which much of the return path asks.  `Descriptors`
(confidential_files.py) holds the state and the name look-ups `record` uses
(`resolve`, `reopened`, `opener_ids`, `process_of`, `unseen`, `read_u64`).
"""

from __future__ import annotations

import struct

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
from guardian.fd_checks import F_SETFL, FIONBIO
from guardian.fd_lowest import NR_FANOTIFY_INIT, READS, UNSEEN_MAKERS
from guardian.fd_made import LIMIT_CALLS, note_limit
from guardian.fd_names import REOPENING, read_name
from guardian.fd_results import new_fds, reads_make_fds, s32
from guardian.fd_tables import TableLifecycle, split_pids
from guardian.open_files import CWD_CALLS, Description, FileTable, OpenFile, WorkDir
from guardian.passed_fds import PassedFds
from guardian.pidfds import PidfdTargets
from guardian.side_fds import SIDE_MAKERS, pidfd_unsure, side_fds
from guardian.slots import Slot
from guardian.sole_files import MFD_HUGETLB
from guardian.stated_facts import PAIR_MAKER, StatedFacts
from guardian.user_memory import UserMemory

#: Every call `Descriptors.check` and `record` act on (the return path asks only for these).
CALLS = frozenset({NR_CLOSE, NR_GETPID, NR_GETTID, NR_OPENAT, NR_OPENAT2, NR_DUP, NR_DUP3, NR_FCNTL,
                   NR_IOCTL, NR_CLOSE_RANGE, NR_CHDIR, NR_FCHDIR, NR_UNSHARE, NR_SIGNALFD4,
                   *NEW_FD_RESULT, *NEW_FD_PAIR, *UNSEEN_MAKERS, *READS, *LIMIT_CALLS,
                   NR_SENDMSG, NR_CLONE, NR_CLONE3, *launch_fds.UNFOLLOWED})
F_ADD_SEALS, F_SEAL_SEAL, MFD_ALLOW_SEALING, MFD_NOEXEC_SEAL = 1033, 1, 2, 8
SOCK_TYPE_MASK = 0xF
#: F_SETOWN, F_SETOWN_EX, F_SETLEASE, F_NOTIFY: the fcntl commands that set an owner;
#: F_SETSIG, which sets the signal F_GETSIG reports (the same fown_struct).
OWNER_SETTERS = frozenset({8, 15, 1024, 1026, 10})
#: F_SETFL's O_ASYNC: f_op->fasync(), a tty's __tty_fasync() -> __f_setown().
O_ASYNC = 0o20000
#: ioctls that set no owner: FIOCLEX, FIONCLEX, and do_vfs_ioctl()'s FIGETBSZ on any file
_NO_OWNER_IOCTLS = frozenset({0x5451, 0x5450, 0x2})
#: ... and, on a socket, sock_ioctl()'s FIOGETOWN, SIOCGPGRP and the protocols' SIOCATMARK
_NO_OWNER_SOCKET_IOCTLS = frozenset({0x8903, 0x8904, 0x8905})
#: Calls of `CALLS` that make no descriptor.
_NEVER_MAKE = frozenset({NR_CLOSE, NR_GETPID, NR_GETTID, NR_CHDIR, NR_FCHDIR, NR_SENDMSG, *LIMIT_CALLS})
#: Calls of `CALLS` that may change which open file a number names (a read only where
#: it installs descriptors: `record` returns before this for the others).
_RENAMING = CALLS - {NR_GETPID, NR_GETTID, NR_CHDIR, NR_FCHDIR, NR_SENDMSG, *LIMIT_CALLS}
O_PATH = 0o10000000
O_TRUNC = 0o1000
#: accept and accept4, whose socket is its listener's family (unix_accept())
_ACCEPTS = frozenset((NUMBERS["accept"], NUMBERS["accept4"]))
_AF_UNIX = 1
#: ioctl commands that install no descriptor: FIOCLEX, FIONCLEX and FICLONE, FICLONERANGE
#: (do_vfs_ioctl() answers each itself -- ioctl_file_clone() -- and never reaches the
#: file's own f_op->unlocked_ioctl)
_IOCTL_NO_FD = frozenset((FIOCLEX, FIONCLEX, FICLONE, FICLONERANGE))


class TableRecords(TableLifecycle):
    """`Descriptors`' following of each call's effect on the table (see the module)."""

    memory: UserMemory
    flags_from: int
    memfds_made: int
    seals: dict[int, int]
    sealed_from: dict[int, list[tuple[int, int]]]
    memfd_sizes: dict[int, int]
    shmem_memfds: set[int]
    tids: dict[tuple[int, int], int]
    pidfds: PidfdTargets
    pipe_writers: dict[Description, Description]
    passed: PassedFds
    stated: StatedFacts

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

    def unchanged_since(self, slot: Slot, table: FileTable) -> bool:
        """Does each number of `table` (another thread's) name the open file it named
        when the slot's call entered: no call that may change it returned since, and none
        is in flight?"""
        return table.changed <= slot.id and not any(
            s.id != slot.id and s.nr in _RENAMING and self.tables.get((s.root, s.thread))
            is table and (s.nr not in READS or reads_make_fds(table, s.args[0]))
            and not opener_tables.vfork_suspended(self.admission.registry, s)
            for s in self.admission.registry.slots.values())

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
        if (nr == NR_FCNTL and (cmd in OWNER_SETTERS or (cmd == F_SETFL and a[2] & O_ASYNC))) \
                or (nr == NR_IOCTL and cmd not in _NO_OWNER_IOCTLS):
            f = table.fds.get(s32(a[0]))
            if f is not None and not (f.sock is not None and cmd in _NO_OWNER_SOCKET_IOCTLS):
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
        mark = made_cloexec(nr, a, lambda va: self.read_u64(slot, va))
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
                                      opener=self.opener_ids(slot, path),
                                      opened_by=self.process_of(slot))
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
            table.fds[ret] = src.copied(cloexec) if src else self.unseen(table, a[0], cloexec)
        elif nr == NR_DUP3:
            src = table.fds.get(s32(a[0]))
            table.fds[ret] = src.copied(cloexec) if src else self.unseen(table, a[0], cloexec)
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
            wd.opener = self.opener_ids(slot, wd.path)
            wd.opened_by = self.process_of(slot)
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
