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
read path asks nothing at all.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from abi.layout import ERRNO_FLOOR, PROT_WRITE
from abi.syscalls import NUMBERS
from emulator import descriptors as D
from guardian import (
    checks,
    dead_fd_dirs,
    foreign_tasks,
    memfd_locks,
    opener_fd_closed,
    pair_bytes,
    pipe_bytes,
    pipe_splices,
    proc_entries,
    ready_polls,
    sole_files,
    sole_moves,
    sole_reopens,
    sole_streams,
)
from guardian.descriptor_kinds import is_table_desc
from guardian.fd_names import REOPENING
from guardian.fd_results import s32
from guardian.linear_map import TABLE_ENTRIES
from guardian.pair_bytes import Pair
from guardian.pipe_bytes import Fifo
from guardian.quiet_ranges import quiet
from guardian.self_reports import is_report
from guardian.side_fds import rights
from guardian.slots import Slot
from guardian.sole_files import Counter, MemFile
from guardian.sole_streams import Connect, Sock

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.open_files import Description, FileTable
    from guardian.user_memory import UserMemory

KEPT = 1 << 20                          # bytes kept per object (pipe waiting, memfd contents)
KEPT_LEAST = 1 << 16                    # ... and never less than a default pipe's capacity
BUDGET = 64 << 20                       # bytes kept for all objects (each gets its share)
MOST = 1024                             # objects followed at once (a 1025th is not followed)
_MSG_CONTROL = 32                       # struct msghdr's msg_control on AArch64
_NR = NUMBERS
_PIPE2, _MEMFD_CREATE, _EVENTFD2 = _NR["pipe2"], _NR["memfd_create"], _NR["eventfd2"]
_SOCKETPAIR = _NR["socketpair"]
#: a timerfd never armed holds no tick (red-team round 89, AT-022): kept as a Counter at 0
_TIMERFD_CREATE, _TIMERFD_SETTIME = _NR["timerfd_create"], _NR["timerfd_settime"]
MAKERS = frozenset({_PIPE2, _MEMFD_CREATE, _EVENTFD2, _SOCKETPAIR, _TIMERFD_CREATE})
_OPENS = frozenset({_NR["openat"], _NR["openat2"]})
_OPENAT2 = _NR["openat2"]
_O_PATH = 0o10000000                   # arm64 O_PATH
#: linkat may name an O_TMPFILE file; symlinkat may make a name that resolves to
#: /proc/self/fd/N, so that a later open of an ordinary-looking name opens one of them anew.
_LINKS = frozenset({_NR["linkat"]})
_SYMLINKS = frozenset({_NR["symlinkat"]})
_PROTECTS = frozenset(_NR[n] for n in ("mprotect", "pkey_mprotect") if n in _NR)
O_TMPFILE = 0o20040000                  # __O_TMPFILE | O_DIRECTORY (arm64)
MADV_REMOVE = 9
_PAGE = 4096
_TRUNCATE, _SENDMSG, _MMAP, _IOCTL = _NR["truncate"], _NR["sendmsg"], _NR["mmap"], _NR["ioctl"]
_MADVISE, _VMSPLICE = _NR["madvise"], _NR["vmsplice"]
#: Names that may reach an object the program holds through another open file
#: (/dev/stdin, /dev/stdout and /dev/stderr are links to /proc/self/fd/0, 1, 2).
#: Calls that may move an object's bytes in ways the Guardian does not follow.
_UNFOLLOWED = frozenset(_NR[n] for n in (
    "splice", "tee", "vmsplice", "sendfile", "copy_file_range", "pwritev2", "preadv2",
    "io_uring_enter", "io_uring_setup", "sendmmsg", "recvmmsg", "open_by_handle_at",
    "bpf",   # bpf: a sockmap may redirect a followed socket's bytes (sk_msg, sk_is_readable)
    "pidfd_getfd")   # installs another process's very open file (fget_task())
    if n in _NR)
#: Calls that may register an eventfd with a part of the kernel that signals it.
_REGISTERING = frozenset(_NR[n] for n in ("io_submit", "io_uring_register") if n in _NR)
#: ioctl requests that hand no descriptor to the kernel: FIONREAD, FIONBIO, FIOCLEX,
#: FIONCLEX, TCGETS, TIOCGWINSZ, TIOCGPGRP.
_PLAIN_IOCTLS = frozenset({0x541B, 0x5421, 0x5451, 0x5450, 0x5401, 0x5413, 0x540F})
MAP_TYPE, MAP_SHARED_KINDS = 0x03, (0x01, 0x03)    # MAP_SHARED, MAP_SHARED_VALIDATE
#: (a timerfd_settime in flight may arm a followed timerfd before a read of it returns)
_UNSETTLING = _UNFOLLOWED | _REGISTERING | {_SENDMSG, _TRUNCATE, _TIMERFD_SETTIME}
#: Every call `SoleHeld` acts on.
_ON_OBJECT = pipe_bytes.CALLS | sole_files.CALLS | pair_bytes.CALLS
_PPOLL = _NR["ppoll"]
_EAGAIN, _EINTR = (-11) & 0xFFFF_FFFF_FFFF_FFFF, (-4) & 0xFFFF_FFFF_FFFF_FFFF
_MMSGS = frozenset({_NR["sendmmsg"], _NR["recvmmsg"]})
_RECVMMSG, _EFAULT = _NR["recvmmsg"], (-14) & 0xFFFF_FFFF_FFFF_FFFF
#: Calls that may give a socket a name (bind, connect; SO_PASSCRED autobinds) and the
#: calls that report one (pair_bytes.check_unnamed).
_NAMING = frozenset({_NR["bind"], _NR["connect"], _NR["setsockopt"]})
_NAMES = frozenset({pair_bytes.GETSOCKNAME, pair_bytes.GETPEERNAME})
CALLS = frozenset({*MAKERS, *_OPENS, *_LINKS, *_SYMLINKS, *_PROTECTS, _TRUNCATE, _SENDMSG,
                   _MMAP, _MADVISE, _IOCTL, *_UNFOLLOWED, *sole_streams.CALLS, _PPOLL,
                   sole_streams.PSELECT6, *_NAMES,
                   *_REGISTERING, *pipe_bytes.CALLS, *sole_files.CALLS, *pair_bytes.CALLS,
                   _TIMERFD_SETTIME})


Sole = Fifo | MemFile | Counter | Pair | Sock


class SoleHeld:
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
                    other.nr in _UNSETTLING or (other.nr == _IOCTL and other.args[1]
                                                & 0xFFFF_FFFF not in _PLAIN_IOCTLS)
                    or (other.nr in _OPENS and sole_reopens.may_truncate(other))):
                return True
        return False

    # --- the rules, then what a call that passed them did --------------------------------
    def check(self, slot: Slot, ret: int) -> None:
        """Every rule on an answer about an object only the program holds."""
        if self.shut:
            sole_streams.check_shut_send(self, slot, ret)
        if slot.nr in _OPENS and ret < ERRNO_FLOOR and \
                self.open_flags(slot) & (pipe_bytes.O_DIRECT | _O_PATH) == pipe_bytes.O_DIRECT:
            sole_reopens.check_direct(self, slot)   # (build_open_how(): O_PATH drops O_DIRECT)
        if slot.nr in _OPENS and ret < ERRNO_FLOOR and self.files.tids:
            foreign_tasks.check_foreign_task(self, slot)    # (proc_task_lookup(): ENOENT)
        if slot.nr in _OPENS and ret < ERRNO_FLOOR:
            proc_entries.check_proc_entry(self, slot)   # (proc_pid_lookup(): ENOENT)
        if slot.nr in _OPENS and ret < ERRNO_FLOOR and self.files.admission.registry.reaped_process_at:
            dead_fd_dirs.check_dead_fd_dir(self, slot)  # (proc_lookupfd_common(): ENOENT)
        if slot.nr in _OPENS and ret < ERRNO_FLOOR:
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
                (slot.nr in sole_streams.CALLS and slot.nr not in _UNFOLLOWED):
            return
        if slot.nr == _PPOLL:
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
            if slot.nr in _MMSGS:
                pair_bytes.check_mmsg(self, slot, ret, end, obj)
            else:
                pair_bytes.check_unnamed(self, slot, ret, obj)
                pair_bytes.check(self, slot, ret, end, obj)
        elif not isinstance(obj, Sock):
            sole_files.check(self, slot, ret, obj)

    def record(self, slot: Slot, ret: int) -> None:
        """What a call that passed the rules did to the objects (after the descriptor
        table recorded it)."""
        nr = slot.nr
        if nr in (_PPOLL, sole_streams.PSELECT6):
            return
        if nr == _TIMERFD_SETTIME:
            # do_timerfd_settime() arms it (then ticks may grow): not followed from here,
            # whatever the answer (-EFAULT may follow the arming: put_itimerspec64(old))
            held = self.of(slot, slot.args[0]) if self.by_file else None
            if held is not None:
                self.drop(held[1])
            return
        if nr in _NAMING and self.by_file:      # (failed too: what it did is not known)
            held = self.of(slot, slot.args[0])
            if held is not None and isinstance(held[1], Pair):
                pair_bytes.note_named(held[1], slot)
        if nr in sole_streams.CALLS and nr not in _UNFOLLOWED:
            if ret < ERRNO_FLOOR:
                sole_streams.record(self, slot, ret)
            else:
                sole_streams.failed(self, slot)
            return
        if nr in _UNFOLLOWED:
            if nr == _VMSPLICE and ret < ERRNO_FLOOR and self.by_file:
                held = self.of(slot, slot.args[0])
                if held is not None and isinstance(held[1], Fifo) and \
                        pipe_splices.splice_in(self, slot, ret, *held):
                    return                      # the program's own pages into its pipe
            held = self.of(slot, slot.args[0]) if nr in _MMSGS and self.by_file else None
            if held is not None and isinstance(held[1], Pair) and ret < ERRNO_FLOOR and \
                    pair_bytes.follow_mmsg(self, slot, ret, *held):  # type: ignore[arg-type]
                return                          # a record pair's messages, followed
            if (nr in sole_moves.MOVES or nr == sole_moves.COPY_RANGE or
                    nr in sole_files.V2) and ret >= ERRNO_FLOOR:
                return          # a move or write that fails moved nothing (one that moved
                #                 some answers the count: do_splice(), do_sendfile(),
                #                 do_iter_readv_writev())
            if ret == 0 and (nr in sole_moves.MOVES or nr == sole_moves.COPY_RANGE):
                return          # a move answered 0 moved nothing: SYSCALL_DEFINE6(splice)
                #                 `if (!len) return 0;`, a count of 0 from do_splice(),
                #                 do_sendfile(), vfs_copy_file_range()
            if nr == _RECVMMSG and ret >= ERRNO_FLOOR and ret != _EFAULT:
                return          # do_recvmmsg(): `if (datagrams == 0) datagrams = err;` --
                #                 an error but -EFAULT (which may follow scm_recv()'s
                #                 installed descriptors) received nothing and installed none
            if (nr in sole_moves.MOVES or nr == sole_moves.COPY_RANGE) and \
                    ret < ERRNO_FLOOR and self.by_file and \
                    (sole_moves.follow(self, slot, ret) or sole_moves.splice_out(self, slot, ret)
                     or sole_moves.into_memfd(self, slot, ret)
                     or sole_moves.splice_pipes(self, slot, ret)):
                return          # memfd -> pipe, pipe -> elsewhere, into a memfd, pipe -> pipe
            held = self.of(slot, slot.args[0]) if nr in sole_files.V2 else None
            if held is not None and isinstance(held[1], MemFile) and \
                    sole_files.v2_followed(slot):
                if ret < ERRNO_FLOOR:           # a memfd's preadv2/pwritev2, followed
                    sole_files.record(self, slot, ret, held[1])
                return
            if held is not None and isinstance(held[1], Fifo) and \
                    pipe_bytes.as_plain(slot) is not None:
                if ret < ERRNO_FLOOR:           # a pipe's readv/writev by another name
                    pipe_bytes.record(self, slot, ret, *held)  # type: ignore[arg-type]
                return
            if nr == sole_moves.TEE and sole_moves.tee(self, slot, ret):
                return                          # a pipe's bytes linked into another
            self.drop_domain(slot)
            return
        if ret >= ERRNO_FLOOR and nr in pair_bytes.RECEIVES and self.by_file:
            self._failed_receive(slot, ret)
        if ret >= ERRNO_FLOOR and nr == _MADVISE and \
                slot.args[2] & 0xFFFF_FFFF == MADV_REMOVE and self.by_file:
            # (madvise_walk_vmas(): the areas before an error, or all of them before a
            # hole's -ENOMEM, were punched already)
            self._removed(slot, punched=False)
        if ret >= ERRNO_FLOOR or (not self.by_file and nr not in MAKERS and nr not in _OPENS
                                  and nr not in _PROTECTS):
            return
        if nr in MAKERS:
            self._made(slot, ret)
        elif nr in _OPENS:
            f = self.files.table(slot.root, slot.thread).fds.get(ret & 0xFFFF_FFFF)
            flags = self.settled_flags(slot)
            if flags is None:
                self.drop_domain(slot)          # (which file it opened is not known)
                return
            # (do_tmpfile() makes a new file in the directory the name reaches, whatever
            # the name: a memfd or a pipe there is ENOTDIR -- path_openat())
            tmpfile = flags & O_TMPFILE == O_TMPFILE
            if f is None or (not tmpfile and (f.path is None or (
                    f.path.startswith(REOPENING) and not is_report(f.path)))):
                if f is None:
                    self.drop_domain(slot)      # it may be one of them, reopened
                elif f.path_only:
                    pass    # (an O_PATH handle reads, writes and cuts nothing: fd_modes.py)
                elif sole_reopens.directory(slot):
                    pass    # (a directory: do_open() refuses any other, ENOTDIR)
                elif not (sole_reopens.pipe(self, slot, f) or sole_reopens.memfd(self, slot, f)):
                    known, reached = sole_reopens.unfollowed(self, slot)
                    if not known:
                        self.drop_domain(slot)  # it may be one of them, reopened
                    elif reached is not None:
                        self.drop(reached)      # (that one only: the name says which)
            elif tmpfile and self.room():
                self.by_file[f.description] = MemFile(      # unnamed: only this open
                    append=bool(flags & sole_files.O_APPEND),
                    nonblock=bool(flags & sole_files.O_NONBLOCK))
        elif nr in _LINKS:
            self.drop_domain(slot, MemFile)     # an O_TMPFILE file may get a name
        elif nr in _SYMLINKS:
            self.drop_domain(slot)              # a name that may reopen any of them
        elif nr == _TRUNCATE:
            self.drop_domain(slot, MemFile)     # by a name: which file is not followed
        elif nr == _SENDMSG:
            self._sent(slot)
            held = self.of(slot, slot.args[0])
            if held is not None and isinstance(held[1], Pair):
                pair_bytes.record(self, slot, ret, *held)  # type: ignore[arg-type]
            elif held is not None and isinstance(held[1], Sock):
                sole_streams.record_option(self, slot, held[1])
        elif nr in _REGISTERING or (nr == _IOCTL and
                                    slot.args[1] & 0xFFFF_FFFF not in _PLAIN_IOCTLS):
            self.drop_domain(slot, Counter)
            held = self.of(slot, slot.args[0]) if nr == _IOCTL else None
            if held is not None and isinstance(held[1], MemFile):
                held[1].flagged = True          # (FS_IOC_SETFLAGS: sole_reopens.py)
        elif nr == _MMAP:
            held = self.of(slot, slot.args[4])
            if held is not None and isinstance(held[1], MemFile) and \
                    slot.args[3] & MAP_TYPE in MAP_SHARED_KINDS and \
                    slot.args[2] & PROT_WRITE and slot.args[5] % _PAGE:
                held[1].data = None             # no view follows it (file_pages.py)
        elif nr == _MADVISE:
            if slot.args[2] & 0xFFFF_FFFF == MADV_REMOVE:
                self._removed(slot)
        elif nr in _PROTECTS:
            if slot.args[2] & PROT_WRITE:
                self._made_writable(slot)
        else:
            held = self.of(slot, slot.args[0])
            if held is None:
                return
            end, obj = held
            if isinstance(obj, Fifo):
                pipe_bytes.record(self, slot, ret, end, obj)
            elif isinstance(obj, Pair):
                pair_bytes.record(self, slot, ret, end, obj)
                if obj.self_sent and nr == pair_bytes.RECVMSG:
                    self._self_received(slot, obj)
            elif isinstance(obj, Sock):
                sole_streams.record_option(self, slot, obj)
            else:
                sole_files.record(self, slot, ret, obj)

    def _failed_receive(self, slot: Slot, ret: int) -> None:
        """A receive on a pair end failed: it may still have taken what it found.
        __unix_dgram_recvmsg() takes the record off the queue before it copies it (an
        EFAULT there frees it), and ___sys_recvmsg() and __sys_recvfrom() fail with EFAULT
        when writing back the address or msg_flags after bytes were taken.  Only -EAGAIN
        (nothing waited) and -EINTR (a signal ended the wait) surely took nothing; after
        any other failure (but for MSG_PEEK) the pair is not judged any more."""
        held = self.of(slot, slot.args[0])
        if held is None or not isinstance(held[1], Pair) or \
                pair_bytes.peeks(slot) or ret in (_EAGAIN, _EINTR):
            return
        self.drop(held[1])

    def settled_flags(self, slot: Slot) -> int | None:
        """The open's flags as do_sys_openat2() took them: openat2()'s struct open_how
        only where it lay quiet through the call (copy_struct_from_user() copied it at the
        entry: another thread may have rewritten it since); None: not known."""
        if slot.nr != _OPENAT2:
            return slot.args[2]
        reg = self.files.admission.registry
        dom = reg.domains.get(slot.domain)
        how = slot.args[2]
        if dom is None or not quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                    [(slot.root, how, how + 8)]):
            return None
        return self.open_flags(slot)

    def open_flags(self, slot: Slot) -> int:
        """The flags of an openat (args[2]) or openat2 (struct open_how's first word)."""
        if slot.nr != _OPENAT2:
            return slot.args[2]
        raw = self.memory.read(slot.args[2], 8, slot.root)
        return struct.unpack("<Q", raw)[0] if raw is not None else 0

    def _made_writable(self, slot: Slot) -> None:
        """An mprotect with PROT_WRITE succeeded: a MAP_SHARED view in its range of a
        file only the program holds may store into the file now."""
        space = self.files.admission.registry.space_of(slot.domain, slot.root)
        if space is None or not space.sole_views:
            return
        start, end = slot.args[0], slot.args[0] + slot.args[1]
        for s, e, view, _ in space.sole_views:
            if s < end and start < e and getattr(view, "private_at", 0) is None:
                view.file.data = None           # type: ignore[attr-defined]

    def _removed(self, slot: Slot, punched: bool = True) -> None:
        """madvise(MADV_REMOVE) succeeded: through a writable MAP_SHARED view it punches a
        hole in the file (Linux's madvise_remove() -> vfs_fallocate()): the pages it
        covers read zeros and are judged again where no tree maps them through a
        writable MAP_SHARED view any more (unmap_mapping_range() took them); else loose
        (file_pages.py).  Not `punched`: it failed, and may have punched them or not."""
        space = self.files.admission.registry.space_of(slot.domain, slot.root)
        if space is None or not space.sole_views:
            return
        # (madvise(): len = PAGE_ALIGN(len_in), whole pages punched)
        start = slot.args[0]
        end = start + ((slot.args[1] + _PAGE - 1) & ~(_PAGE - 1))
        for s, e, view, off in space.sole_views:
            lo, hi = max(s, start), min(e, end)
            if lo < hi and getattr(view, "writable", False):
                first, last = off + lo - s, off + hi - s
                mem = view.file                                # type: ignore[attr-defined]
                pages = range(first // _PAGE, (last + _PAGE - 1) // _PAGE)
                mem.forget_pages(first, last)
                if not punched:
                    _loosen(mem, pages)
                    continue
                if mem.data is not None and (slot.id < mem.changed_from or self.unsettled(
                        slot) or self.busy(slot, mem, sole_files.ORDERED)):
                    # (a write, fallocate ... of the file in flight with the madvise, or
                    # back from it since the madvise began: whether it came before or
                    # after the hole is not known; the file's bytes stop being judged)
                    mem.data = None
                if mem.data is not None and not self._still_mapped(slot, mem, pages):
                    # shmem_fallocate(PUNCH_HOLE): every mapping's page there unmapped
                    # (unmap_mapping_range()) and dropped: the hole reads zeros, and a
                    # store can reach it only after a fault brings a page in anew
                    stop = min(last, mem.size)
                    if first < stop:
                        mem.data[first:stop] = bytes(stop - first)
                    mem.loose = {p for p in mem.loose if p not in pages}
                    mem.version += 1
                else:
                    _loosen(mem, pages)

    def _still_mapped(self, slot: Slot, mem: object, pages: range) -> bool:
        """Does a tree of the slot's domain map a page of `pages` of `mem` through a
        writable MAP_SHARED view (or may it: the domain not known)?"""
        admission = self.files.admission
        dom = admission.registry.domains.get(slot.domain)
        if dom is None:
            return True
        for root, space in dom.spaces.items():
            for s, e, view, off in space.sole_views:
                if getattr(view, "file", None) is not mem or not getattr(view, "writable", 0):
                    continue
                lo = max(s, s + pages.start * _PAGE - off)
                hi = min(e, s + pages.stop * _PAGE - off)
                if lo < hi and _any_leaf(admission.s.shares.s.ram, root, 0, 0, lo, hi):
                    return True
        return False

    def _made(self, slot: Slot, ret: int) -> None:
        a = slot.args
        if slot.nr == _PIPE2:
            raw = self.memory.read(a[0], 8, slot.root)
            if raw is None or a[1] & ~(pipe_bytes.FOLLOWED_FLAGS | pipe_bytes.O_DIRECT):
                return                          # (a notification pipe)
            rd, wr = struct.unpack("<ii", raw)
            read_end = self.files.description_of(slot, rd)
            write_end = self.files.description_of(slot, wr)
            if read_end is not None and write_end is not None and self.room():
                fifo = Fifo(read_end, write_end)
                if a[1] & pipe_bytes.O_DIRECT:
                    fifo.packet_ends.append(write_end)      # (a packet pipe)
                self.by_file[read_end] = self.by_file[write_end] = fifo
            return
        if slot.nr == _SOCKETPAIR:
            self._paired(slot)
            return
        made = self.files.description_of(slot, ret)
        if made is None or not self.room():
            return
        if slot.nr == _TIMERFD_CREATE:
            # timerfd_create(): ctx->ticks 0; only timerfd_settime() (the timer's expiry)
            # or TFD_IOC_SET_TICKS (an ioctl: drop_domain) adds to it -- unless a seccomp
            # filter answered: a user-notification supervisor's SECCOMP_IOCTL_NOTIF_ADDFD
            # (SECCOMP_ADDFD_FLAG_SEND) installs a file of its own, armed or not
            if not self.filtered(slot):
                self.by_file[made] = Counter(0, False, timer=True)
            return
        self.by_file[made] = MemFile(shmem=True, hugetlb=bool(a[1] & sole_files.MFD_HUGETLB)) \
            if slot.nr == _MEMFD_CREATE else \
            Counter(a[0] & 0xFFFF_FFFF, bool(a[1] & sole_files.EFD_SEMAPHORE))

    def _paired(self, slot: Slot) -> None:
        """socketpair succeeded: an AF_UNIX pair of a type whose data it follows."""
        a = slot.args
        kind = a[1] & 0xF
        if a[0] & 0xFFFF_FFFF != pair_bytes.AF_UNIX or kind not in (
                pair_bytes.SOCK_STREAM, pair_bytes.SOCK_DGRAM, pair_bytes.SOCK_SEQPACKET):
            return
        raw = self.memory.read(a[3], 8, slot.root)
        if raw is None:
            return
        one, other = struct.unpack("<ii", raw)
        ends = self.files.description_of(slot, one), self.files.description_of(slot, other)
        if ends[0] is not None and ends[1] is not None and self.room():
            pair = Pair((ends[0], ends[1]), kind, unnamed=True)
            self.by_file[ends[0]] = self.by_file[ends[1]] = pair

    def _sent(self, slot: Slot) -> None:
        """sendmsg succeeded: an object a descriptor of its SCM_RIGHTS message reaches
        may have another holder now (one it cannot read, or not at a quiet return: any)
        -- but for a message sent on an end of a socketpair only the program holds: it waits at the peer end, which
        only the program's processes can receive it from, and recvmsg installs the very
        open file sent (passed_fds.py), so the object stays the program's alone.  It is
        dropped with the pair (`drop`), should the pair get another holder."""
        read = self.memory.read
        if read(slot.args[1] + _MSG_CONTROL, 16, slot.root) is None or \
                not pair_bytes.quiet_msg(self, slot):
            self.drop_domain(slot)              # (what it passed: not known)
            return
        via = self.of(slot, slot.args[0])
        pair = via[1] if via is not None and isinstance(via[1], Pair) else None
        table = self.files.table(slot.root, slot.thread)
        for fd in rights(lambda va, n: read(va, n, slot.root), slot.args[1]):
            f = table.fds.get(fd)
            obj = self.by_file.get(f.description) if f is not None else None
            if obj is None:
                continue
            if pair is not None and obj is pair and checks.enabled("return.rights_kept"):
                pair.self_sent = True           # waits at its own peer end
            elif pair is not None and obj is not pair and checks.enabled("return.rights_kept"):
                if not any(c is obj for c in pair.carried):
                    pair.carried.append(obj)
            else:
                self.drop(obj)

    def _self_received(self, slot: Slot, pair: Pair) -> None:
        """recvmsg on an end of a pair one of whose ends was sent over it: a descriptor it
        installed that the Guardian could not map to the open file sent (passed_fds.py:
        one it knows nothing of) may be that end, reached unseen: the pair goes."""
        read = self.memory.read
        if not pair_bytes.quiet_msg(self, slot):
            self.drop(pair)                     # (what it installed: not known)
            return
        table = self.files.table(slot.root, slot.thread)
        for fd in rights(lambda va, n: read(va, n, slot.root), slot.args[1]):
            f = table.fds.get(fd)
            if f is None or (f.description not in self.by_file and f.path is None
                             and f.maker is None and f.sock is None):
                self.drop(pair)
                return

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
            if slot.nr == _IOCTL and slot.args[1] & 0xFFFF_FFFF not in _PLAIN_IOCTLS:
                self.drop_domain(slot, Counter)
            held = self.of(slot, slot.args[0]) \
                if slot.nr in _ON_OBJECT or slot.nr == _TIMERFD_SETTIME else None
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


#: The most pages one MADV_REMOVE marks loose one by one (1 GiB); past it the file's
#: bytes stop being judged instead.
_MOST_LOOSE = 1 << 18


def _loosen(mem: MemFile, pages: range) -> None:
    """The pages may hold bytes the Guardian does not know (MemFile.loose)."""
    if len(pages) > _MOST_LOOSE:
        mem.data = None
    else:
        mem.loose.update(pages)


def _any_leaf(ram: object, table: int, level: int, base: int, start: int, end: int) -> bool:
    """Does the tree map any page (or block) in [start, end)?  Walks only the tables
    there, skipping each entry not valid (its whole span)."""
    span = 1 << D.LEVEL_SHIFT[level]
    first, last = max(0, (start - base) // span), min(511, (end - 1 - base) // span)
    entries = TABLE_ENTRIES.unpack(ram.read(table, _PAGE))     # type: ignore[attr-defined]
    for i in range(first, last + 1):
        desc = entries[i]
        if not desc & D.VALID:
            continue
        if is_table_desc(level, desc):
            if _any_leaf(ram, desc & D.ADDR_MASK, level + 1, base + i * span, start, end):
                return True
        elif level:
            return True
    return False
