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
