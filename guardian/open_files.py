"""The records of a program's open files: one descriptor, its open file, a table, a cwd.

`Descriptors` (confidential_files.py) keeps them per confidential thread as the
program's own calls make, copy and end descriptors; the event and record checks
hang what an open file holds (epoll registrations, a signalfd mask, an inotify
queue) on the `OpenFile` every copy of a descriptor shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS

if TYPE_CHECKING:
    from guardian.confidential_events import EpollInstance, SignalfdMask
    from guardian.result_records import InotifyQueue


class Description:
    """The identity of one open file (Linux's struct file): every descriptor made by
    copying another (dup, fork, exec, CLONE_FILES) shares it, a new open makes a new one.
    Linux releases the file when its last descriptor goes, and with it what hangs on the
    file (an epoll registration of it).

    One struct file may have two identities where a copy of it arrives by a way the
    Guardian cannot tie to the original (received through SCM_RIGHTS, pidfd_getfd() of
    another process's, met in use): `made` is, for a file the Guardian saw made (opened,
    or made by a call of its own: a new struct file), the id of the slot whose call made
    it -- the file did not exist before that call entered (0: not known when); `met` is,
    for one it did not see made, the slot id the next call would have got when it met
    it -- it may be any file open then (0: the launch's, open before any call; None: any
    file at all).  `may_be` asks whether two identities may be one struct file."""

    __slots__ = ("made", "met")

    def __init__(self) -> None:
        self.made: int | None = None
        self.met: int | None = None

    def may_be(self, other: Description) -> bool:
        """May this identity and `other` name one struct file?  Two the Guardian saw
        made are two files; one it did not see made may be any file that was open when
        it met it: one a call that entered before then made, or any other not seen made."""
        if other is self:
            return True
        for a, b in ((self, other), (other, self)):
            if a.made is None and (b.made is None or a.met is None or b.made < a.met):
                return True
        return False


_NR_PIDFD_GETFD = NUMBERS["pidfd_getfd"]
#: calls that may change a working directory (or which directory its name is)
CWD_CALLS = frozenset(NUMBERS[n] for n in ("chdir", "fchdir", "chroot", "unshare", "setns")
                      if n in NUMBERS)


@dataclass
class OpenFile:
    """One open descriptor: the normalised absolute name it was opened by (None when the
    Guardian could not resolve it, or the call makes no name), its FD_CLOEXEC, for a
    memfd the id of the memfd it names (copies and inherited descriptors keep it, so every
    MAP_SHARED mmap of that memfd maps one share), what the open file itself holds of
    the program's (an epoll instance's registrations, a signalfd's mask:
    confidential_events.py; an inotify queue: result_records.py), shared by every copy of the descriptor, and the open file's
    identity (`Description`, shared the same way)."""

    path: str | None = None
    cloexec: bool = False
    memfd: int = 0
    events: EpollInstance | SignalfdMask | InotifyQueue | None = None
    #: The O_ACCMODE the open file was made with (a pipe's read end O_RDONLY, its write end
    #: O_WRONLY); None: not known.  vmsplice moves bytes by it (abi/outputs' SpliceTo).
    access: int | None = None
    description: Description = field(default_factory=Description, compare=False, repr=False)
    #: Reading it installs descriptors (a fanotify event carries one).
    reads_make_fds: bool = False
    #: The syscall that made it (eventfd2, timerfd_create ...); None: a named open, a copy
    #: of one, or not known.
    maker: int | None = None
    #: A pidfd_open descriptor: the pid it names (0: none, or not a pidfd).
    pid: int = 0
    #: A socket the program made: (domain, type, for a socketpair the pid of the process
    #: that made it -- 0 where not known or not a pair); None: not a socket, or not one
    #: the Guardian saw made.
    sock: tuple[int, int, int] | None = None
    #: Whether `cloexec` is known: False for a descriptor the table met only in use
    #: (inherited from before the launch) or made by a call whose mark was not read.
    cloexec_known: bool = True
    #: Opened with O_PATH: a handle on the name only, which no read, write, seek or ioctl
    #: takes (fdget_pos() refuses FMODE_PATH: -EBADF).
    path_only: bool = False
    #: An open file of a pipe the program made, opened again by name (/proc/self/fd/N of
    #: either end: fifo_open() on the pipe's inode): a FIFO, as the ends pipe2() made.
    fifo: bool = False
    #: For a name through /proc/self or /proc/thread-self: the process (root, thread
    #: group) or thread (root, -1 - thread) that opened it -- proc_self_get_link() names
    #: the opener's pid at the open, so "self" in it stays the opener; None: not such.
    opener: tuple[int, int] | None = None
    #: the process (`Registry.process_of_root`) `opener` was when it opened it; 0: not known
    opened_by: int = 0
    #: An AF_UNIX socket accept() or accept4() gave for a listener the program made
    #: (unix_accept(): the listener's family); `sock` stays the made sockets' alone.
    unix_accepted: bool = False

    def __post_init__(self) -> None:
        # A file opened by a name (path_openat(): alloc_empty_file()) or made by a call
        # (a maker's new struct file) is new; pidfd_getfd() of another process's file,
        # a received one or one met in use is not known to be (Description.met).
        d = self.description
        if d.made is None and d.met is None and (
                self.path is not None or self.maker not in (None, _NR_PIDFD_GETFD)):
            d.made = 0

    def copied(self, cloexec: bool = False) -> OpenFile:
        """Another descriptor for the same open file (dup, fork, exec, pidfd_getfd)."""
        return OpenFile(self.path, cloexec, self.memfd, self.events, self.access,
                        self.description, self.reads_make_fds, self.maker, self.pid,
                        self.sock, path_only=self.path_only, fifo=self.fifo,
                        opener=self.opener, opened_by=self.opened_by,
                        unix_accepted=self.unix_accepted)


@dataclass
class FileTable:
    """A descriptor table (shared by the threads and processes CLONE_FILES joins)."""

    fds: dict[int, OpenFile] = field(default_factory=dict)
    #: The pids the kernel told the processes using this table (getpid): /proc/PID/fd.
    pids: set[int] = field(default_factory=set)
    #: Descriptors known free (closed by the program, none made since): fd -> the slot
    #: id the next call would have got when it was freed (fd_lowest.py).
    free: dict[int, int] = field(default_factory=dict)
    #: The soft RLIMIT_NOFILE of the process using the table, as its own setrlimit or
    #: prlimit64 set it or its own getrlimit read it (fd_made.py); None: not known.  Fork
    #: and exec keep it, as Linux keeps the limit.
    fd_limit: int | None = None
    #: The slot id the next call would have got when a call last changed (or may have
    #: changed) which open file a number names: a call whose slot id is at least this
    #: found every number naming what it names now (Descriptors.steady).
    changed: int = 0
    #: Descriptors 0..open_below-1 are all open: a call that made descriptor N by
    #: alloc_fd() from 0 found each below N open, and none was closed since (close,
    #: close_range lower it; exec, and a call that may close unseen, make it 0).
    open_below: int = 0
    #: Every number the table does not hold, outside the launch's (0..2 and those the
    #: user stated), is free: it descends from the launch's table and no call that may
    #: install an unfollowed descriptor ran (launch_fds.py).
    fresh: bool = False
    #: A lower bound on fdt->max_fds past NR_OPEN_DEFAULT: a number the table held that
    #: it has closed since made expand_fdtable() room for it, and a table never shrinks
    #: (fd_never_memory.py's pselect6 rule); a copy (dup_fd()) is sized by what it holds.
    grown: int = 0
    #: The slot id the next call would have got when unshare(CLONE_FILES) or
    #: close_range(CLOSE_RANGE_UNSHARE) last split this table from another (stamped on
    #: both): a call in flight then may have found the two one table (kcmp's KCMP_FILES
    #: read task->files before the caller's unshare_fd() swapped it: fd_kind_answer.py).
    unshared: int = 0

    def copy(self, keep_pids: bool = False) -> FileTable:
        return FileTable({fd: f.copied(f.cloexec) for fd, f in self.fds.items()},
                         set(self.pids) if keep_pids else set(), dict(self.free),
                         self.fd_limit, open_below=self.open_below, fresh=self.fresh)


@dataclass
class WorkDir:
    """The working directory (shared where CLONE_FS joins); None: not known."""

    path: str | None = None
    #: as `OpenFile.opener`: who a /proc/self (/proc/thread-self) name in it names
    opener: tuple[int, int] | None = None
    #: as `OpenFile.opened_by`
    opened_by: int = 0
    #: the slot id the next call would have got when a chdir, fchdir or unshare last
    #: changed it: a call whose slot id is at least this started from this directory
    changed: int = 0
