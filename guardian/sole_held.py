"""Objects only the program holds: what its own calls made of them.

Linux changes a pipe, a memfd or an eventfd only through calls on an open file of it, and
so an unnamed file (openat with O_TMPFILE) until something gives it a name (linkat), and
an AF_UNIX socketpair (no name reaches its ends).
When the program made the object (pipe2, memfd_create, eventfd2, O_TMPFILE, socketpair)
and every open file of
it is the one that call made -- its descriptors copies of it (dup, fork, CLONE_FILES,
exec), all in processes of the program, whose every call the Guardian sees -- the
object changes only by the program's own calls, and the Guardian keeps what those calls
did: the bytes waiting in a pipe (pipe_bytes.py) or at a socketpair's end
(pair_bytes.py), a memfd's size, bytes and file offset,
an eventfd's counter (sole_files.py), a timerfd never armed (timerfd_create: no tick until
a timerfd_settime on it or TFD_IOC_SET_TICKS, each of which ends its judging).  A later
answer about the object must agree.

What is presumed: nothing outside the program reaches the object -- no process the
Guardian does not see opens it through /proc/<pid>/fd/N or /proc/<pid>/map_files of a
process of the program, nor takes it with pidfd_getfd() -- so its size, bytes, offset,
status flags and record locks (memfd_locks.py) change only by the program's calls.
Linux would let a process with the right (same uid, or ptrace access) do so; the
Guardian fails closed on it, treating such a change like the kernel lying: a foreign
access to a confidential program's private object is itself hostile (it reads or changes
what the program keeps to itself), and the honest kernel model never does it.

The Guardian stops judging an object, for good, the moment another holder or a mover it
does not follow may appear:

* a call that can move bytes in ways it does not follow (splice, tee, vmsplice --
  but for a vmsplice of the program's own pages into a pipe it follows, whose pages
  the Guardian can watch: pipe_bytes.py --, sendfile -- but for a splice or sendfile
  from a memfd into a pipe, both followed, and a copy_file_range between two memfds:
  sole_moves.py --, pwritev2 and preadv2 -- but on a memfd, with flags
  that change nothing of where they move bytes: sole_files.py --, io_uring, sendmmsg,
  recvmmsg, open_by_handle_at, which may open one anew, and pidfd_getfd, which installs
  another process's very open file): every object of the program's domain -- but a
  splice, sendfile or copy_file_range that fails or answers 0 moved nothing, nor did
  a recvmmsg that fails with an error but -EFAULT (do_recvmmsg(): no datagram taken,
  no descriptor installed);
* an open, or a truncate, by a name that may reach one of them (/proc/..., /dev/fd/...,
  /dev/stdin, /dev/stdout, /dev/stderr, a name it cannot resolve), and a symlinkat (the
  link may name /proc/self/fd/N): every object of the domain -- but for an open of
  /proc/self/fd/N that names an end of a pipe it follows, read at a quiet return: that
  is another reader or writer of the same pipe (`pipe.reopened`);
* a descriptor of it passed in an SCM_RIGHTS message (or a message it cannot read);
* an execve of a process that keeps a descriptor of it open (the new image may be one it
  does not see);
* for a memfd or an O_TMPFILE file, the program's stores through a writable MAP_SHARED
  mapping of it: each page such a mapping brings into the domain is judged on that
  entry, then loose (file_pages.py; MADV_REMOVE through one makes the pages it punches
  loose), and an mprotect that adds PROT_WRITE to a MAP_SHARED mapping of it ends the
  judging of all its bytes (only the bytes stop being judged: its size still changes
  by calls only); for an O_TMPFILE file, any linkat of the domain (it may name the
  file);
* for an eventfd, a call that can hand it to a part of the kernel that signals it (an
  ioctl other than a few terminal and descriptor requests, io_submit, io_uring_register);
* two calls on it in flight at once (their order is not known), or a call on it that
  never returns (its process torn down while the call was in the kernel);
* more bytes of it to keep than its share of `BUDGET` (`KEPT` at most, 64 KiB -- a
  default pipe's capacity -- at least: its bytes stop being judged, never a wrong
  judgment); and past `MOST` objects alive at once (RLIMIT_NOFILE's default soft limit:
  a program that stays within it is followed whole), a new one is not followed at all.

The objects are kept by open file (`Description`), each end of a pipe naming the pipe,
so a call asks one dictionary whether its descriptor names one; with none followed, the
read path asks nothing at all.  What a call that passed the rules did to them is
sole_records.py's to follow; the calls and limits are sole_calls.py's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from abi.layout import ERRNO_FLOOR
from guardian import (
    checks,
    dead_fd_dirs,
    foreign_tasks,
    memfd_locks,
    opener_fd_closed,
    pair_bytes,
    pipe_bytes,
    proc_entries,
    ready_polls,
    sole_files,
    sole_moves,
    sole_reopens,
    sole_streams,
    timer_states,
)
from guardian.fd_results import s32
from guardian.pair_bytes import Pair
from guardian.pipe_bytes import Fifo
from guardian.slots import Slot
from guardian.sole_calls import (
    BUDGET,
    IOCTL,
    KEPT,
    KEPT_LEAST,
    MMSGS,
    MOST,
    O_PATH,
    ON_OBJECT,
    OPENS,
    PLAIN_IOCTLS,
    PPOLL,
    TIMERFD_SETTIME,
    UNFOLLOWED,
    UNSETTLING,
    Sole,
)
from guardian.sole_files import Counter, MemFile
from guardian.sole_records import SoleRecords
from guardian.sole_streams import Connect, Sock

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.open_files import Description, FileTable
    from guardian.user_memory import UserMemory


class SoleHeld(SoleRecords):
    """The objects only the program holds, by each open file that reaches one."""

    def __init__(self, memory: UserMemory, files: Descriptors) -> None:
        self.memory = memory
        self.files = files
        self.by_file: dict[Description, Sole] = {}
        self.kept = KEPT
        #: AF_UNIX sockets a shutdown of the program's set sk_shutdown bits on: the bits,
        #: and the slot id the next call got when it returned (sole_streams.py)
        self.shut: dict[Description, list[int]] = {}
        #: a process of the program may be in another network namespace (sole_streams.py)
        self.netns_moved = False
        #: a process of the program may be in another user namespace (sole_streams.py):
        #: the credentials a socket reports are then not judged (pair_bytes.py)
        self.userns_moved = False
        #: sockets the program's accept() returned whose peer is known to be the program's
        #: own connected socket: the connect() that made it (sole_streams.py)
        self.accepted: dict[Description, Connect] = {}
        #: may a seccomp filter (or syscall user dispatch) answer the slot's call?  (set
        #: by result_rules.py; an error such a filter may give is not judged)
        self.filtered: Callable[[Slot], bool] = lambda slot: False

    # --- lookups ----------------------------------------------------------------------
    def of(self, slot: Slot, fd: int) -> tuple[Description, Sole] | None:
        """The open file descriptor `fd` of the slot's thread names and the object it
        reaches, where that is one only the program holds."""
        f = self.files.table(slot.root, slot.thread).fds.get(s32(fd))
        if f is None:
            return None
        obj = self.by_file.get(f.description)
        return None if obj is None else (f.description, obj)

    def busy(self, slot: Slot, obj: Sole, calls: frozenset[int]) -> bool:
        """Is another call of `calls` on a descriptor reaching `obj` in flight?"""
        for other in self.files.admission.registry.slots.values():
            if other.id != slot.id and other.nr in calls and \
                    self.by_file.get(self.files.description_of(other, other.args[0])) is obj:  # type: ignore[arg-type]
                return True
        return False

    def settled(self, slot: Slot, fd: int) -> Sole | None:
        """The object descriptor `fd` names, where only the program holds it and nothing
        in flight may change it under the slot's call (another ordered call on it, an
        unfollowed mover of the domain): what the Guardian keeps of it is what the call
        met."""
        held = self.of(slot, fd) if self.by_file else None
        if held is None or self.unsettled(slot) or \
                self.busy(slot, held[1], sole_files.ORDERED):
            return None
        return held[1]

    def unsettled(self, slot: Slot) -> bool:
        """Is another call of the slot's domain in flight that ends the judging of objects
        when it returns (an unfollowed mover, an SCM_RIGHTS send, a registration, an open
        that may truncate)?  What it does may reach an object before that."""
        for other in self.files.admission.registry.slots.values():
            if other.id != slot.id and other.domain == slot.domain and (
                    other.nr in UNSETTLING or (other.nr == IOCTL and other.args[1]
                                                & 0xFFFF_FFFF not in PLAIN_IOCTLS)
                    or (other.nr in OPENS and sole_reopens.may_truncate(other))):
                return True
        return False

    # --- the rules, then what a call that passed them did --------------------------------
    def check(self, slot: Slot, ret: int) -> None:
        """Every rule on an answer about an object only the program holds."""
        if self.shut:
            sole_streams.check_shut_send(self, slot, ret)
        if slot.nr in OPENS and ret < ERRNO_FLOOR and \
                self.open_flags(slot) & (pipe_bytes.O_DIRECT | O_PATH) == pipe_bytes.O_DIRECT:
            sole_reopens.check_direct(self, slot)   # (build_open_how(): O_PATH drops O_DIRECT)
        if slot.nr in OPENS and ret < ERRNO_FLOOR and self.files.tids:
            foreign_tasks.check_foreign_task(self, slot)    # (proc_task_lookup(): ENOENT)
        if slot.nr in OPENS and ret < ERRNO_FLOOR:
            proc_entries.check_proc_entry(self, slot)   # (proc_pid_lookup(): ENOENT)
        if slot.nr in OPENS and ret < ERRNO_FLOOR and self.files.admission.registry.reaped_process_at:
            dead_fd_dirs.check_dead_fd_dir(self, slot)  # (proc_lookupfd_common(): ENOENT)
        if slot.nr in OPENS and ret < ERRNO_FLOOR:
            opener_fd_closed.check_opener_fd_closed(self, slot)     # (fcheck_files(): ENOENT)
        if ret == ready_polls.EINTR_RESULT and slot.nr in ready_polls.CALLS:
            ready_polls.check(self, slot, ret)  # (a descriptor surely ready: its count)
            return
        if ret >= ERRNO_FLOOR and self.by_file and slot.nr in pipe_bytes.READS:
            held = self.of(slot, slot.args[0])
            if held is not None and isinstance(held[1], Fifo) and not self.unsettled(slot):
                pipe_bytes.check_failed_read(self, slot, ret, *held)
            return
        if ret == pipe_bytes.EAGAIN and self.by_file and slot.nr in pipe_bytes.WRITES:
            held = self.of(slot, slot.args[0])      # a write refused: pipe_bytes.py
            if held is not None and isinstance(held[1], Fifo) and not self.unsettled(slot):
                pipe_bytes.check(self, slot, ret, *held)
            return
        if ret >= ERRNO_FLOOR and self.by_file and memfd_locks.is_lock_call(slot):
            held = self.of(slot, slot.args[0])      # a lock refused: memfd_locks.py
            if held is not None and isinstance(held[1], MemFile) and \
                    not self.unsettled(slot) and not self.busy(slot, held[1], sole_files.ORDERED):
                memfd_locks.check(self, slot, ret, held[1])
            return
        if not self.by_file or ret >= ERRNO_FLOOR or \
                (slot.nr in sole_streams.CALLS and slot.nr not in UNFOLLOWED):
            return
        if slot.nr == PPOLL:
            if not self.unsettled(slot):
                sole_streams.check_poll(self, slot, ret)
                sole_streams.check_poll_waiting(self, slot, ret)
            return
        if slot.nr == sole_streams.PSELECT6:
            sole_streams.check_select_waiting(self, slot, ret)
            return
        held = self.of(slot, slot.args[0])
        if held is None:
            return
        end, obj = held
        if self.unsettled(slot):
            return                              # it may have reached the object already
        if slot.nr in sole_moves.PIPE_MOVES and isinstance(obj, Fifo):
            sole_moves.check_source(self, slot, ret, end, obj)
        if isinstance(obj, Fifo):
            pipe_bytes.check(self, slot, ret, end, obj)
        elif isinstance(obj, Pair):
            if slot.nr in MMSGS:
                pair_bytes.check_mmsg(self, slot, ret, end, obj)
            else:
                pair_bytes.check_unnamed(self, slot, ret, obj)
                pair_bytes.check(self, slot, ret, end, obj)
        elif slot.nr in timer_states.TIMES:
            if isinstance(obj, Counter) and obj.timer:
                timer_states.check_times(self, slot, ret, obj)
        elif not isinstance(obj, Sock):
            sole_files.check(self, slot, ret, obj)

    def room(self) -> bool:
        """Is there room to follow one more object?  Objects whose every open file was
        released are forgotten first; past `MOST` live ones, a new object is not judged.
        Each followed object keeps at most its share of `BUDGET` bytes (`kept`)."""
        count = len({id(o) for o in self.by_file.values()})
        self.kept = min(KEPT, max(KEPT_LEAST, BUDGET // (count + 1)))
        if count < MOST:
            return True
        live = self.files.live_descriptions()
        alive = {id(o) for d, o in self.by_file.items() if id(d) in live}
        for obj in self.by_file.values():
            if id(obj) not in alive and isinstance(obj, MemFile):
                obj.data, obj.followed = None, False    # a mapping may still show it
        self.by_file = {d: o for d, o in self.by_file.items() if id(o) in alive}
        return len(alive) < MOST

    # --- losing an object -------------------------------------------------------------
    def note_accepted(self, made: Description, peer: Connect) -> None:
        """`made`, a socket the program's accept() returned, is connected to the
        program's own socket `peer` connected (kept while `made` is open, `MOST` at
        most: past that, released ones are forgotten, then a new one is not kept)."""
        if len(self.accepted) >= MOST:
            live = self.files.live_descriptions()
            self.accepted = {d: c for d, c in self.accepted.items() if id(d) in live}
        if len(self.accepted) < MOST:
            self.accepted[made] = peer

    def drop(self, obj: Sole) -> None:
        """Stop judging `obj` (for good), and what a pair's messages carried."""
        present = any(o is obj for o in self.by_file.values())
        self.by_file = {d: o for d, o in self.by_file.items() if o is not obj}
        if isinstance(obj, MemFile):
            obj.data = None                     # (its mapped pages too: file_pages.py)
            obj.followed = False
        if isinstance(obj, Pair) and present:
            for carried in obj.carried:
                self.drop(carried)              # type: ignore[arg-type]

    def note_abandoned(self, slots: Iterable[Slot]) -> None:
        """These calls end without returning (their address space is torn down: exit, a
        fatal signal, another thread's execve): what one on an object did inside the
        kernel (a write that went in before the kill) is not known."""
        if not self.by_file:
            return
        for slot in slots:
            # (a timerfd_settime or an ioctl that may be TFD_IOC_SET_TICKS may have armed
            # a timerfd, or signalled an eventfd, before the teardown: record() drops them
            # on a return, this where none comes)
            if slot.nr == IOCTL and slot.args[1] & 0xFFFF_FFFF not in PLAIN_IOCTLS:
                self.drop_domain(slot, Counter)
            held = self.of(slot, slot.args[0]) \
                if slot.nr in ON_OBJECT or slot.nr == TIMERFD_SETTIME else None
            if held is not None:
                self.drop(held[1])

    def note_exec(self, table: FileTable, slot: Slot) -> None:
        """A process (the slot's) execs with this table: an object it keeps a descriptor
        of goes on in an image whose calls the Guardian may not see -- unless no other
        process holds it (`_exec_only`): then whatever the new image is, no process of the
        program but it can reach the object again (an SCM_RIGHTS message from another
        image is not mapped, passed_fds.py; a reopen by name drops every object), and a
        confidential image's calls are the program's, judged on the same object."""
        kept = {id(o): o for f in table.fds.values() if not f.cloexec
                for o in (self.by_file.get(f.description),) if o is not None}
        for obj in kept.values():
            if not (checks.enabled("return.exec_kept") and self._exec_only(obj, slot)):
                self.drop(obj)

    def _exec_only(self, obj: Sole, slot: Slot) -> bool:
        """Is every open file of `obj` held only by the exec'ing process's threads?"""
        files = {id(d) for d, o in self.by_file.items() if o is obj}
        group = self.files.admission.registry.group_of
        mine = group(slot.root, slot.thread)
        for (root, thread), other in self.files.tables.items():
            if (root, group(root, thread)) == (slot.root, mine):
                continue
            if any(id(f.description) in files for f in other.fds.values()):
                return False
        return not any(id(f.description) in files for other, _ in self.files.exec_tables
                       for f in other.fds.values())

    def drop_domain(self, slot: Slot, kind: type | None = None) -> None:
        """A call that may reach objects unseen: stop judging those (of `kind`, if
        given) that a table of the slot's domain holds."""
        if not self.by_file:
            return
        roots = {r for r, d in self.files.admission.registry.root_domain.items()
                 if d == slot.domain}
        held = {id(f.description) for (root, _), table in self.files.tables.items()
                if root in roots for f in table.fds.values()}
        # (an object no descriptor holds any more may still be reached by a mapping of it,
        # through /proc/self/map_files: it goes too)
        live = self.files.live_descriptions()
        gone = {id(o): o for d, o in self.by_file.items()
                if (id(d) in held or id(d) not in live) and (kind is None or isinstance(o, kind))}
        self.by_file = {d: o for d, o in self.by_file.items() if id(o) not in gone}
        for obj in gone.values():
            if isinstance(obj, MemFile):
                obj.data = None
                obj.followed = False
            elif isinstance(obj, Pair):
                for carried in obj.carried:
                    self.drop(carried)          # type: ignore[arg-type]
