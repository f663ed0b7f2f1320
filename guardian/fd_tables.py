"""How a program's descriptor tables follow its threads and processes.

A clone shares the table (CLONE_FILES) or copies it; execve keeps the descriptors
without FD_CLOEXEC for the new image (with the soft RLIMIT_NOFILE, which exec keeps); a
vfork child leaves the space it borrowed by execve or by its end; EXIT_DOMAIN retires an
address space's tables and a reaped process's threads hold none.  `Descriptors`
(confidential_files.py) takes these steps from here; the calls that make, copy and end
descriptors are its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from abi.descriptors import CLONE_FILES, CLONE_FS, NR_CLOSE, NR_CLOSE_RANGE, NR_DUP3, NR_EXECVE
from guardian import launch_fds
from guardian.admitted_reads import AdmittedReads
from guardian.confidential_admission import Admission
from guardian.confidential_registry import Registry
from guardian.open_files import Description, FileTable, OpenFile, WorkDir
from guardian.slots import Slot
from guardian.sole_held import SoleHeld
from guardian.sole_sockets import SoleSockets
from guardian.timer_ids import TimerIds


class TableLifecycle:
    """The tables and working directories of each confidential thread across clone,
    exec and exit (the state is `Descriptors`')."""

    tables: dict[tuple[int, int], FileTable]
    workdirs: dict[tuple[int, int], WorkDir]
    exec_tables: list[tuple[FileTable, WorkDir]]
    retired: set[int]
    owner_set: set[Description]
    exec_kept: set[Description]
    timers: TimerIds
    admission: Admission
    sole: SoleHeld
    sockets: SoleSockets
    admitted_reads: AdmittedReads
    nonblock: dict[Description, bool]

    def open_file(self, slot: Slot, fd: int) -> OpenFile | None:
        """The open file descriptor `fd` (an int argument, as the kernel takes it) of the
        slot's thread names, if known.  One look-up and no table made: the result checks
        of a call on a descriptor ask this several times each."""
        table = self.tables.get((slot.root, slot.thread))
        if table is None:
            return None
        fd &= 0xFFFF_FFFF
        return table.fds.get(fd - (1 << 32) if fd >= 1 << 31 else fd)

    def table(self, root: int, thread: int) -> FileTable:
        key = (root, thread)
        if key not in self.tables:
            self.tables[key] = FileTable()
        return self.tables[key]

    def workdir(self, root: int, thread: int) -> WorkDir:
        key = (root, thread)
        if key not in self.workdirs:
            self.workdirs[key] = WorkDir()
        return self.workdirs[key]

    def freed(self, table: FileTable, fds: list[int]) -> None:
        """Descriptors `fds` of `table` are free from the next call on (fd_lowest.py)."""
        stamp = self.admission.registry.next_slot_id()
        for fd in fds:
            if fd >= 0:
                table.free[fd] = stamp

    def note_clone(self, root: int, thread: int, child_root: int, child_thread: int,
                   flags: int) -> None:
        """A clone child's table: the parent's own with CLONE_FILES, else a copy (the
        same for the working directory and CLONE_FS)."""
        table, wd = self.table(root, thread), self.workdir(root, thread)
        key = (child_root or root, child_thread)
        self.tables[key] = table if flags & CLONE_FILES else self._forked(table, (root, thread))
        # (CLONE_PIDFD's pidfd lands in the parent's table: judged and recorded at the
        # return, from the number stored in the program's word)
        self.workdirs[key] = wd if flags & CLONE_FS else \
            WorkDir(wd.path, wd.opener, wd.opened_by, wd.changed)

    def _forked(self, table: FileTable, parent: tuple[int, int] = (0, -1)) -> FileTable:
        """dup_fd()'s copy of `table`: a close or close_range of another thread in flight
        freed its numbers at its entry (file_close_fd()), so the copy may hold them free
        and has no proven-open prefix; a dup3 of another thread in flight may have put its
        file at newfd already (do_dup2() under file_lock, which dup_fd() takes too), so
        the copy's newfd names the old file or the new one."""
        copy = table.copy()
        for s in self.admission.registry.slots.values():
            if (s.root, s.thread) != parent and self.tables.get((s.root, s.thread)) is table:
                # another thread's call may have installed a number dup_fd() copied,
                # which its return enters in the parent's table only (launch_fds.py)
                launch_fds.forget(copy)
                if s.nr is not None and s.nr not in (NR_CLOSE, NR_CLOSE_RANGE):
                    # ... a number the parent had closed, too: fd_install() before the
                    # call's return, dup_fd() copies the file, and `free` would call
                    # the child's number closed (KCMP_FILE's -EBADF, fd_lowest)
                    copy.free.clear()
            if s.nr == NR_DUP3 and self.tables.get((s.root, s.thread)) is table:
                copy.fds.pop(s.args[1] & 0xFFFF_FFFF, None)
                copy.free.pop(s.args[1] & 0xFFFF_FFFF, None)
            if s.nr in (NR_CLOSE, NR_CLOSE_RANGE) and self.tables.get((s.root, s.thread)) is table:
                copy.open_below = 0
                lo = s.args[0] & 0xFFFF_FFFF
                hi = lo if s.nr == NR_CLOSE else s.args[1] & 0xFFFF_FFFF
                for fd in [fd for fd in copy.fds if lo <= fd <= hi]:
                    del copy.fds[fd]
        return copy

    def note_exec(self, slot: Slot) -> None:
        """A thread in execve lost its address space: its descriptors without FD_CLOEXEC
        and its working directory go on in the new image."""
        table = self.table(slot.root, slot.thread)
        self.sole.note_exec(table, slot)
        self.sockets.note_exec(table)
        self.admitted_reads.note_exec(table)
        for f in table.fds.values():            # the new image may be one it does not see
            if not f.cloexec:
                self.nonblock.pop(f.description, None)
        kept = FileTable({fd: f.copied() for fd, f in table.fds.items()
                          if not f.cloexec}, set(table.pids), dict(table.free), table.fd_limit)
        # begin_new_exec() -> unshare_files(): a table shared with another process stays
        # that process's, the new image gets a copy -- the pids follow, as for unshare()
        self.tables[(slot.root, slot.thread)] = kept
        split_pids(self.admission.registry, self.tables, slot.domain,
                   (slot.root, slot.thread), table)
        self.tables[(slot.root, slot.thread)] = table
        self.freed(kept, [fd for fd, f in table.fds.items() if f.cloexec])
        # What the new image does with them is its own (it may set their owner).
        self.owner_set.update(f.description for f in kept.fds.values())
        self.exec_kept.update(f.description for f in kept.fds.values())
        for fd in (0, 1, 2):            # a secure exec may open /dev/null on them
            kept.free.pop(fd, None)
        wd = self.workdir(slot.root, slot.thread)
        self.exec_tables.append((kept, WorkDir(wd.path, wd.opener, wd.opened_by)))

    def note_exec_borrowed(self, slot: Slot) -> None:
        """A vfork child's execve left the address space it borrowed (the parent's, which
        lives on, so no EXIT_DOMAIN says so): as for any exec its descriptors without
        FD_CLOEXEC go on in the new image, and the table it had under the borrowed space is
        no longer its (its own copy since the vfork goes; one shared through CLONE_FILES
        lives on with its other holders), so a file only the parent still holds is
        released when the parent closes it."""
        if (slot.root, slot.thread) in self.tables:     # (the parent may have run first)
            self.note_exec(slot)
            self.end_threads([(slot.root, slot.thread)])

    def note_vfork_left(self, root: int, child: int, slots: Iterable[Slot]) -> None:
        """A vfork parent runs again, so its child (thread `child`, on the parent's space
        `root`) has left that space (Linux holds the parent until then): by execve
        (`note_exec_borrowed`), or by its end, which closes the table it had (a table it
        shares through CLONE_FILES lives on with its other holders)."""
        key = (root, child)
        in_exec = next((s for s in slots if (s.root, s.thread) == key and s.nr == NR_EXECVE),
                       None)
        if in_exec is not None:
            self.note_exec_borrowed(in_exec)
        else:
            self.end_threads([key])

    def start(self, root: int, thread: int) -> None:
        """CREATE_DOMAIN: the first thread's table.  The user's launch gives one the
        Guardian knows nothing of; after a confidential execve, the exec'ing thread's.
        CREATE_DOMAIN does not name that thread: where several could be this one, a
        descriptor (or directory) is known only where every candidate agrees."""
        pending, self.exec_tables = self.exec_tables, []
        table, wd = pending[0] if pending else (FileTable(), WorkDir())
        for other, other_wd in pending[1:]:
            table.fds = {fd: f for fd, f in table.fds.items() if other.fds.get(fd) == f}
            table.pids &= other.pids
            table.free = {fd: max(at, other.free[fd]) for fd, at in table.free.items()
                          if fd in other.free}
            if other.fd_limit != table.fd_limit:
                table.fd_limit = None
            if other_wd.path != wd.path:
                wd = WorkDir()
        self.tables[(root, thread)] = table
        self.workdirs[(root, thread)] = wd
        self.retired.discard(root)
        self.timers.forget(root)
        if pending:
            self.timers.note_exec_image(root)

    def retire(self, root: int) -> None:
        """The address space is torn down (exit, or exec's old image): no thread of it
        holds a descriptor any more (exec's kept ones live on in `exec_tables`)."""
        self.retired.add(root)

    def end_threads(self, keys: list[tuple[int, int]]) -> None:
        """A reaped process's threads ((root, thread)) hold no descriptor any more; a
        table another process shares through CLONE_FILES lives on with that process."""
        for key in keys:
            self.tables.pop(key, None)
            self.workdirs.pop(key, None)

    def forget(self, root: int) -> None:
        self.retired.discard(root)
        self.timers.forget(root)
        self.stated.forget(root)
        self.tables = {k: v for k, v in self.tables.items() if k[0] != root}
        self.workdirs = {k: v for k, v in self.workdirs.items() if k[0] != root}


def split_pids(registry: Registry, tables: dict[tuple[int, int], FileTable],
               domain: int, key: tuple[int, int], old: FileTable) -> None:
    """unshare(CLONE_FILES) or close_range(CLOSE_RANGE_UNSHARE) answered 0 by the thread
    `key` (ksys_unshare() and __close_range() both call unshare_fd()): dup_fd() gave it
    a table of its own (already `tables[key]`, a copy of `old`).  The pids told of the
    processes using a table (`FileTable.pids`, from their getpid()) follow the split: the
    copy serves the caller's process alone, so it holds at most the pid that process was
    told; the old table keeps every other process's, and the caller's only while another
    thread of its process still uses it (kcmp(KCMP_FILES) answers 0 for two processes
    only on one table: return.kcmp_answer)."""
    root, thread = key
    group = registry.group_of(root, thread)
    space = registry.space_of(domain, root)
    own = space.pids.get(group) if space is not None else None
    new = tables[key]
    new.pids = {own} if own is not None and own in old.pids else set()
    if own is not None and not any(
            t is old and k != key and registry.group_of(*k) == group
            for k, t in tables.items() if k[0] == root):
        old.pids.discard(own)
