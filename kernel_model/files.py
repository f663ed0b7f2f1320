"""The per-process file descriptor table, and the file kinds it holds.

A descriptor slot holds only the close-on-exec bit and a reference to an
open file description (:class:`~kernel_model.openfile.OpenFile`), which
dup() and fork() share; this module re-exports the description classes so
callers need a single import.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from errno import EBADF, EINVAL, EMFILE
from typing import BinaryIO

from kernel_model.console_file import CONSOLE_RDEV, Console, ConsoleFile
from kernel_model.errors import KernelError, err
from kernel_model.openfile import PIPEFS_DEV, HostFile, IoctlResult, OpenFile
from kernel_model.pipe_file import (
    PIPE_BUF,
    PIPE_CAPACITY,
    Pipe,
    PipeEnd,
    PipeReadEnd,
    PipeWriteEnd,
    make_pipe,
)
from kernel_model.record_locks import RecordLocks, inode_of

#: Default RLIMIT_NOFILE soft limit.
DEFAULT_NOFILE = 1024


@dataclass(eq=False, repr=False)
class _Slot:
    file: OpenFile
    cloexec: bool


class FdTable:
    """A process's descriptor table: fd number -> (open file description, FD_CLOEXEC)."""

    def __init__(self, limit: int = DEFAULT_NOFILE) -> None:
        self._slots: dict[int, _Slot] = {}
        #: RLIMIT_NOFILE soft limit: descriptors must be below it.
        self.limit = limit

    #: The kernel's record locks (kernel_model/record_locks.py), shared by every table.
    record_locks: RecordLocks | None = None

    def _drop_locks(self, f: OpenFile) -> None:
        """A close of any descriptor of a file drops the POSIX record locks this table
        holds on it (fs/locks.c locks_remove_posix()), whichever open file took them."""
        if self.record_locks is not None and self.record_locks.by_inode:
            key = inode_of(f)
            if key is not None:
                self.record_locks.release(key, self)

    def _free_fd(self, lowest: int) -> int:
        fd = max(lowest, 0)
        while fd in self._slots:
            fd += 1
        if fd >= self.limit:
            raise err(EMFILE)
        return fd

    def install(self, f: OpenFile, *, cloexec: bool = False, lowest: int = 0) -> int:
        """Put ``f`` at the lowest free fd >= lowest (EMFILE past the limit)."""
        fd = self._free_fd(lowest)
        f.incref()
        self._slots[fd] = _Slot(f, cloexec)
        return fd

    def get(self, fd: int) -> OpenFile:
        """The description behind ``fd`` (EBADF if not open)."""
        slot = self._slots.get(fd)
        if slot is None:
            raise err(EBADF)
        return slot.file

    def __contains__(self, fd: object) -> bool:
        return fd in self._slots

    def __len__(self) -> int:
        return len(self._slots)

    def items(self) -> Iterator[tuple[int, OpenFile]]:
        """(fd, file) pairs in fd order, e.g. for /proc/self/fd."""
        for fd in sorted(self._slots):
            yield fd, self._slots[fd].file

    def close(self, fd: int) -> None:
        """close(2): drop the slot; the description closes with its last slot."""
        slot = self._slots.pop(fd, None)
        if slot is None:
            raise err(EBADF)
        self._drop_locks(slot.file)
        slot.file.decref()

    def dup(self, fd: int, lowest: int = 0, cloexec: bool = False) -> int:
        """dup / F_DUPFD(_CLOEXEC): EINVAL when ``lowest`` is at or past the limit."""
        f = self.get(fd)
        if lowest < 0 or lowest >= self.limit:
            raise err(EINVAL)
        return self.install(f, cloexec=cloexec, lowest=lowest)

    def dup2(self, old: int, new: int) -> int:
        """dup2: like dup3 but old == new is a valid no-op."""
        if old == new:
            self.get(old)
            if new >= self.limit:
                raise err(EBADF)
            return new
        return self.dup3(old, new, False)

    def dup3(self, old: int, new: int, cloexec: bool = False) -> int:
        """dup3: EINVAL if old == new; silently closes what was at ``new``."""
        if old == new:
            raise err(EINVAL)
        f = self.get(old)
        if new < 0 or new >= self.limit:
            raise err(EBADF)
        f.incref()
        previous = self._slots.get(new)
        self._slots[new] = _Slot(f, cloexec)
        if previous is not None:
            self._drop_locks(previous.file)
            previous.file.decref()
        return new

    def get_cloexec(self, fd: int) -> bool:
        """FD_CLOEXEC of ``fd``."""
        self.get(fd)
        return self._slots[fd].cloexec

    def set_cloexec(self, fd: int, on: bool) -> None:
        """Set or clear FD_CLOEXEC of ``fd``."""
        self.get(fd)
        self._slots[fd].cloexec = on

    def fork(self) -> FdTable:
        """Child's table: same descriptions (shared offsets), same cloexec bits."""
        child = FdTable(self.limit)
        child.record_locks = self.record_locks
        for fd, slot in self._slots.items():
            slot.file.incref()
            child._slots[fd] = _Slot(slot.file, slot.cloexec)
        return child

    def close_on_exec(self) -> None:
        """execve(): close every FD_CLOEXEC descriptor."""
        for fd in sorted(fd for fd, s in self._slots.items() if s.cloexec):
            self.close(fd)

    def close_range(self, first: int, last: int, *, cloexec_only: bool = False) -> None:
        """close_range(2) (CLOSE_RANGE_CLOEXEC when ``cloexec_only``)."""
        for fd in sorted(fd for fd in self._slots if first <= fd <= last):
            if cloexec_only:
                self._slots[fd].cloexec = True
            else:
                self.close(fd)

    def close_all(self) -> None:
        """Process exit: close everything."""
        for fd in sorted(self._slots):
            self.close(fd)


def stdio_table(stdout: BinaryIO | None = None, stderr: BinaryIO | None = None,
                stdin: BinaryIO | None = None, *, captured: bool = False,
                limit: int = DEFAULT_NOFILE, console: Console | None = None) -> FdTable:
    """A table with the console on fds 0, 1, 2 (sharing one ``console`` state).

    With ``captured`` the console is detached from the host's fds (no tty
    ioctls, stdin reads ``stdin`` or EOF), as --json mode and tests want.
    """
    table = FdTable(limit)
    console = console if console is not None else Console()
    for f in (ConsoleFile.stdin(stdin, None if captured else 0),
              ConsoleFile.stdout(stdout, None if captured else 1),
              ConsoleFile.stderr(stderr, None if captured else 2)):
        f.console = console
        table.install(f)
    return table


__all__ = [
    "CONSOLE_RDEV", "DEFAULT_NOFILE", "PIPEFS_DEV", "PIPE_BUF", "PIPE_CAPACITY",
    "ConsoleFile", "FdTable", "HostFile", "IoctlResult", "KernelError", "OpenFile", "Pipe",
    "PipeEnd", "PipeReadEnd", "PipeWriteEnd", "make_pipe", "stdio_table",
]
