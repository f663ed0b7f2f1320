"""The character devices every program expects: /dev/null, /dev/zero, /dev/(u)random.

They are served by the kernel model, never by the host's device nodes, so the
sandbox holds and randomness stays seeded.
"""

from __future__ import annotations

from collections.abc import Callable

from kernel_model import linux_structs as ls
from kernel_model.openfile import OpenFile


class DevFile(OpenFile):
    kind = "chr"
    rdev = 0
    pollable = False       # null, zero and full have no poll operation on Linux

    def __init__(self, flags: int, path: str) -> None:
        super().__init__(flags)
        self.guest_path = path

    def stat(self) -> ls.StatInfo:
        return dev_stat(self.rdev)

    def lseek(self, off: int, whence: int) -> int:
        return 0

    def pread(self, n: int, off: int) -> bytes:
        r = self.read(n)
        return r if r is not None else b""

    def pwrite(self, data: bytes, off: int) -> int:
        w = self.write(data)
        return w if w is not None else 0


class NullFile(DevFile):
    rdev = (1 << 8) | 3

    def read(self, n: int) -> bytes | None:
        return b""

    def write(self, data: bytes) -> int | None:
        return len(data)


class ZeroFile(DevFile):
    rdev = (1 << 8) | 5

    def read(self, n: int) -> bytes | None:
        return bytes(n)

    def write(self, data: bytes) -> int | None:
        return len(data)


class RandomFile(DevFile):
    rdev = (1 << 8) | 9
    pollable = True

    def __init__(self, flags: int, path: str, source: Callable[[int], bytes]) -> None:
        super().__init__(flags, path)
        self._source = source

    def read(self, n: int) -> bytes | None:
        return self._source(n)

    def write(self, data: bytes) -> int | None:
        return len(data)


def dev_stat(rdev: int) -> ls.StatInfo:
    return ls.StatInfo(ls.S_IFCHR | 0o666, st_ino=rdev, st_dev=5, st_rdev=rdev)


DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")


def open_device(path: str, flags: int, random_source: Callable[[int], bytes]) -> DevFile | None:
    if path == "/dev/null":
        return NullFile(flags, path)
    if path == "/dev/zero":
        return ZeroFile(flags, path)
    if path in ("/dev/random", "/dev/urandom"):
        return RandomFile(flags, path, random_source)
    return None


class FullFile(DevFile):
    """/dev/full: reads zeros, every write fails with ENOSPC."""

    rdev = (1 << 8) | 7

    def read(self, n: int) -> bytes | None:
        return bytes(n)

    def write(self, data: bytes) -> int | None:
        from errno import ENOSPC

        from kernel_model.errors import err
        raise err(ENOSPC)


#: /dev/tty: the controlling terminal (char 5,0).
TTY_RDEV = (5 << 8) | 0


def _no_tty(flags: int) -> OpenFile:
    """Opening /dev/tty without a controlling terminal fails with ENXIO, as on Linux."""
    from errno import ENXIO

    from kernel_model.errors import err
    raise err(ENXIO)


def dev_tree(k):  # noqa: ANN001, ANN201 - kernel_model.kernel.Kernel -> SynthDir
    """The /dev names the kernel model serves; any other name falls through to the root
    file system (so /dev/shm and friends stay the root file system's)."""
    from kernel_model.synthfs import SynthDevice, SynthDir, SynthLink

    def entries() -> dict:
        return {
            "null": SynthDevice(lambda fl: NullFile(fl, "/dev/null"), NullFile.rdev),
            "zero": SynthDevice(lambda fl: ZeroFile(fl, "/dev/zero"), ZeroFile.rdev),
            "full": SynthDevice(lambda fl: FullFile(fl, "/dev/full"), FullFile.rdev),
            "random": SynthDevice(lambda fl: RandomFile(fl, "/dev/random", k.random_bytes),
                                  RandomFile.rdev),
            "urandom": SynthDevice(lambda fl: RandomFile(fl, "/dev/urandom", k.random_bytes),
                                   (1 << 8) | 9),
            "tty": SynthDevice(_no_tty, TTY_RDEV),
            "stdin": SynthLink(lambda: "/proc/self/fd/0"),
            "stdout": SynthLink(lambda: "/proc/self/fd/1"),
            "stderr": SynthLink(lambda: "/proc/self/fd/2"),
            "fd": SynthLink(lambda: "/proc/self/fd"),
        }

    return SynthDir(entries, mode=0o755)
