"""The emulator's own stdin/stdout/stderr, as guest file descriptions."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import sys
import termios
from errno import ENOTTY, EPIPE
from typing import BinaryIO

from kernel_model import linux_structs as ls
from kernel_model.errors import err, from_oserror
from kernel_model.openfile import PIPEFS_DEV, IoctlResult, OpenFile, inode_numbers

#: Device number reported for the console (a pseudo-terminal slave).
CONSOLE_RDEV = os.makedev(136, 0)
#: Device number of the file system holding the console (devpts).
DEVPTS_DEV = os.makedev(0, 22)


class ConsoleFile(OpenFile):
    """The emulator's own stdin/stdout/stderr as seen by the guest.

    Output goes to ``sink`` (by default the host's sys.stdout/stderr buffer,
    replaceable so tests and --json mode can capture guest output).  Terminal
    ioctls are answered from the real host fd only when that fd is a tty;
    ``host_fd=None`` means "not a terminal" (e.g. a captured stream).  Setting
    terminal attributes is accepted but never applied to the host terminal,
    so a guest cannot leave the user's terminal in raw mode.
    """

    kind = "console"

    def __init__(self, flags: int, host_fd: int | None, sink: BinaryIO | None = None,
                 source: BinaryIO | None = None) -> None:
        super().__init__(flags)
        self.host_fd = host_fd
        self.sink = sink
        self.source = source
        self._ino = next(inode_numbers)

    @classmethod
    def stdin(cls, source: BinaryIO | None = None, host_fd: int | None = 0) -> ConsoleFile:
        """Guest fd 0: reads ``source`` if given, else the host fd."""
        return cls(ls.O_RDONLY | ls.O_LARGEFILE, host_fd, source=source)

    @classmethod
    def stdout(cls, sink: BinaryIO | None = None, host_fd: int | None = 1) -> ConsoleFile:
        """Guest fd 1 (sink defaults to sys.stdout.buffer)."""
        out = sys.stdout.buffer if sink is None else sink
        return cls(ls.O_WRONLY | ls.O_LARGEFILE, host_fd, sink=out)

    @classmethod
    def stderr(cls, sink: BinaryIO | None = None, host_fd: int | None = 2) -> ConsoleFile:
        """Guest fd 2 (sink defaults to sys.stderr.buffer)."""
        out = sys.stderr.buffer if sink is None else sink
        return cls(ls.O_WRONLY | ls.O_LARGEFILE, host_fd, sink=out)

    def isatty(self) -> bool:
        """Whether the backing host fd is a real terminal."""
        return self.host_fd is not None and os.isatty(self.host_fd)

    def read(self, n: int) -> bytes | None:
        self._need_read()
        n = min(n, ls.MAX_RW_COUNT)
        try:
            if self.source is not None:
                read1 = getattr(self.source, "read1", None)
                return read1(n) if read1 is not None else self.source.read(n)
            if self.host_fd is None:
                return b""
            return os.read(self.host_fd, n)
        except OSError as exc:
            raise from_oserror(exc) from None

    def write(self, data: bytes) -> int | None:
        self._need_write()
        try:
            if self.sink is not None:
                self.sink.write(data)
                self.sink.flush()
                return len(data)
            if self.host_fd is None:
                return len(data)
            return os.write(self.host_fd, data)
        except BrokenPipeError:
            raise err(EPIPE) from None
        except OSError as exc:
            raise from_oserror(exc) from None

    def stat(self) -> ls.StatInfo:
        """A pts character device when on a terminal, otherwise a FIFO (a redirected stream)."""
        if self.isatty():
            return ls.StatInfo(ls.S_IFCHR | 0o620, self._ino, DEVPTS_DEV, st_rdev=CONSOLE_RDEV,
                               st_blksize=1024, st_uid=os.getuid())
        return ls.StatInfo(ls.S_IFIFO | 0o600, self._ino, PIPEFS_DEV, st_uid=os.getuid())

    def ioctl(self, request: int, arg: bytes | None) -> IoctlResult:
        if request in (ls.TCGETS, ls.TIOCGWINSZ, ls.TCSETS, ls.TCSETSW, ls.TCSETSF):
            if not self.isatty():
                raise err(ENOTTY)
            assert self.host_fd is not None
            try:
                if request == ls.TCGETS:
                    iflag, oflag, cflag, lflag, _i, _o, cc = termios.tcgetattr(self.host_fd)
                    raw = bytes(c[0] if isinstance(c, bytes) else c for c in cc[: ls.NCCS])
                    return IoctlResult(0, ls.pack_termios(iflag, oflag, cflag, lflag, 0, raw))
                if request == ls.TIOCGWINSZ:
                    got = fcntl.ioctl(self.host_fd, termios.TIOCGWINSZ, bytes(8))
                    return IoctlResult(0, ls.pack_winsize(*struct.unpack("HHHH", got)))
            except OSError as exc:
                raise from_oserror(exc) from None
            return IoctlResult()  # TCSETS*: accepted, host terminal left alone
        if request == ls.FIONREAD and self.readable:
            avail = 0
            if self.source is None and self.host_fd is not None:
                try:
                    got = fcntl.ioctl(self.host_fd, termios.FIONREAD, bytes(4))
                    avail = struct.unpack("i", got)[0]
                except OSError:
                    avail = 0
            return IoctlResult(0, struct.pack("<i", avail))
        return super().ioctl(request, arg)

    def poll_readable(self) -> bool:
        if self.source is not None or self.host_fd is None:
            return True
        try:
            return bool(select.select([self.host_fd], [], [], 0)[0])
        except (OSError, ValueError):
            return True
