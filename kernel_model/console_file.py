"""The emulator's own stdin/stdout/stderr, as guest file descriptions."""

from __future__ import annotations

import fcntl
import os
import struct
import sys
import termios
from collections.abc import Callable
from dataclasses import dataclass, field
from errno import EINVAL, ENOTTY, EPIPE
from typing import BinaryIO

from emulator.host_poll import readable
from kernel_model import linux_structs as ls
from kernel_model.errors import err, from_oserror
from kernel_model.openfile import PIPEFS_DEV, IoctlResult, OpenFile, inode_numbers

#: Device number reported for the console (a pseudo-terminal slave).
CONSOLE_RDEV = os.makedev(136, 0)
#: Device number of the file system holding the console (devpts).
DEVPTS_DEV = os.makedev(0, 22)


class ConsoleInterrupted(Exception):
    """Raised by the host's interrupt handler to end a blocking read of the terminal."""


@dataclass(eq=False, repr=False)
class Console:
    """The terminal the guest's console stands for, shared by fds 0-2 and their dups.

    ``control`` lets the guest set the host terminal's attributes (line
    discipline, echo) the way a program on a real terminal does; the session
    restores the saved attributes when the run ends.  Without it TCSETS* is
    accepted and the host terminal left alone.  ``fg_pgrp`` is the terminal's
    foreground process group (TIOCGPGRP/TIOCSPGRP), where Ctrl-C's SIGINT goes.
    """

    control: bool = False
    tty: bool = True              # False: never a terminal (deterministic runs)
    fg_pgrp: int = 1
    on_input: Callable[[bytes], None] | None = None
    reading: str = ""             # "read" / "poll": a blocking host read or wait is under way
    signalled: bool = False       # a host signal is noted and not yet delivered: do not block
    saved: list[object] = field(default_factory=list)


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
                 source: BinaryIO | None = None, console: Console | None = None) -> None:
        super().__init__(flags)
        self.host_fd = host_fd
        self.sink = sink
        self.source = source
        self.console = console if console is not None else Console()
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
        return self.console.tty and self.host_fd is not None and os.isatty(self.host_fd)

    def read(self, n: int) -> bytes | None:
        self._need_read()
        n = min(n, ls.MAX_RW_COUNT)
        console = self.console
        try:
            if self.source is not None:
                read1 = getattr(self.source, "read1", None)
                data = read1(n) if read1 is not None else self.source.read(n)
            elif self.host_fd is None:
                return b""
            else:
                console.reading = "read"
                try:
                    if console.signalled:
                        raise ConsoleInterrupted()
                    data = os.read(self.host_fd, n)
                finally:
                    console.reading = ""
        except ConsoleInterrupted:
            # Ctrl-C during (or just before) the wait: no data.  The read sleeps on the host
            # fd instead, so the signal is delivered first and the call then fails with
            # EINTR or restarts (SA_RESTART), as a read of a tty or pipe does on Linux.
            return None
        except OSError as exc:
            raise from_oserror(exc) from None
        if console.on_input is not None and data:
            console.on_input(data)
        return data

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
        if request in _TTY_REQUESTS:
            if not self.isatty():
                raise err(ENOTTY)
            assert self.host_fd is not None
            try:
                return self._tty_ioctl(request, arg)
            except termios.error as exc:
                raise err(exc.args[0] if exc.args else ENOTTY) from None
            except OSError as exc:
                raise from_oserror(exc) from None
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
            return bool(readable([self.host_fd], 0))
        except OSError:
            return True

    def _tty_ioctl(self, request: int, arg: bytes | None) -> IoctlResult:
        """Terminal requests on a real terminal: attributes and size from the host fd,
        the foreground group from the model (the guest's process groups are its own)."""
        fd = self.host_fd
        assert fd is not None
        console = self.console
        if request == ls.TCGETS:
            iflag, oflag, cflag, lflag, _i, _o, cc = termios.tcgetattr(fd)
            raw = bytes(c[0] if isinstance(c, bytes) else c for c in cc[: ls.NCCS])
            return IoctlResult(0, ls.pack_termios(iflag, oflag, cflag, lflag, 0, raw))
        if request == ls.TIOCGWINSZ:
            got = fcntl.ioctl(fd, termios.TIOCGWINSZ, bytes(8))
            return IoctlResult(0, ls.pack_winsize(*struct.unpack("HHHH", got)))
        if request == ls.TIOCGPGRP:
            return IoctlResult(0, struct.pack("<i", console.fg_pgrp))
        if request == ls.TIOCSPGRP:
            if arg is None or len(arg) < 4:
                raise err(EINVAL)
            console.fg_pgrp = struct.unpack("<i", arg[:4])[0]
            return IoctlResult()
        if request in (ls.TCSETS, ls.TCSETSW, ls.TCSETSF):
            if arg is None or not console.control:
                return IoctlResult()       # accepted; the host terminal is not ours to change
            iflag, oflag, cflag, lflag, _line, cc = ls.unpack_termios(arg)
            cur = termios.tcgetattr(fd)
            if not console.saved:
                console.saved = [fd, [list(c) if isinstance(c, list) else c for c in cur]]
            host_cc = list(cur[6])
            for i, c in enumerate(cc[: ls.NCCS]):
                host_cc[i] = bytes([c])
            when = {ls.TCSETS: termios.TCSANOW, ls.TCSETSW: termios.TCSADRAIN,
                    ls.TCSETSF: termios.TCSAFLUSH}[request]
            termios.tcsetattr(fd, when, [iflag, oflag, cflag, lflag, cur[4], cur[5], host_cc])
            return IoctlResult()
        return IoctlResult()   # TIOCSCTTY, TIOCSWINSZ: nothing to do for the host

    @property
    def host_poll_fd(self) -> int | None:
        """The host fd a poll on this console must wait on (None: never blocks)."""
        if self.source is not None or self.host_fd is None or not self.readable:
            return None
        return self.host_fd


def restore_terminal(console: Console) -> None:
    """Put the host terminal back as it was before the guest changed it."""
    if console.saved:
        fd, attrs = console.saved
        try:
            termios.tcsetattr(fd, termios.TCSADRAIN, attrs)  # type: ignore[arg-type]
        except (termios.error, OSError):
            pass
        console.saved = []


_TTY_REQUESTS = frozenset((ls.TCGETS, ls.TIOCGWINSZ, ls.TCSETS, ls.TCSETSW, ls.TCSETSF,
                           ls.TIOCGPGRP, ls.TIOCSPGRP, ls.TIOCSCTTY, ls.TIOCSWINSZ))
