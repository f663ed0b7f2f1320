"""Byte layouts of AArch64 Linux ABI structures and constants.

The guest reads these structures straight out of its memory, so every size and
offset must match the arm64 kernel exactly; the values here were checked
against the aarch64-linux-gnu headers (see tests/test_linux_structs.py, which
records the ``sizeof``/``offsetof`` numbers).  Flag constants are the arm64
ones and differ from the x86-64 host's (O_DIRECTORY, O_NOFOLLOW, O_DIRECT,
O_LARGEFILE), which is why the host ``os.O_*`` values must never be used for
guest flags.  Everything is little-endian and side-effect free.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import Protocol

# --- open(2) flags (arm64: asm/fcntl.h over asm-generic/fcntl.h) -----------
O_ACCMODE = 0o3
O_RDONLY = 0o0
O_WRONLY = 0o1
O_RDWR = 0o2
O_CREAT = 0o100
O_EXCL = 0o200
O_NOCTTY = 0o400
O_TRUNC = 0o1000
O_APPEND = 0o2000
O_NONBLOCK = 0o4000
O_DSYNC = 0o10000
O_ASYNC = 0o20000
O_DIRECTORY = 0o40000
O_NOFOLLOW = 0o100000
O_DIRECT = 0o200000
O_LARGEFILE = 0o400000
O_NOATIME = 0o1000000
O_CLOEXEC = 0o2000000
O_SYNC = 0o4000000 | O_DSYNC
O_PATH = 0o10000000
O_TMPFILE_BIT = 0o20000000
O_TMPFILE = O_TMPFILE_BIT | O_DIRECTORY
#: Flags F_SETFL may change (fs/fcntl.c SETFL_MASK).
SETFL_MASK = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME

# --- *at() flags ---------------------------------------------------------------
AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW = 0x100
AT_EACCESS = 0x200
AT_REMOVEDIR = 0x200
AT_SYMLINK_FOLLOW = 0x400
AT_NO_AUTOMOUNT = 0x800
AT_EMPTY_PATH = 0x1000
AT_STATX_SYNC_TYPE = 0x6000
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
RENAME_WHITEOUT = 4

# --- fcntl(2) commands ---------------------------------------------------------
F_DUPFD = 0
F_GETFD = 1
F_SETFD = 2
F_GETFL = 3
F_SETFL = 4
F_GETLK = 5
F_SETLK = 6
F_SETLKW = 7
F_SETOWN = 8
F_GETOWN = 9
F_SETSIG = 10
F_GETSIG = 11
F_SETOWN_EX = 15
F_GETOWN_EX = 16
F_OFD_GETLK = 36
F_OFD_SETLK = 37
F_OFD_SETLKW = 38
F_SETLEASE = 1024
F_GETLEASE = 1025
F_NOTIFY = 1026
F_DUPFD_CLOEXEC = 1030
F_SETPIPE_SZ = 1031
F_GETPIPE_SZ = 1032
F_ADD_SEALS = 1033
F_GET_SEALS = 1034
FD_CLOEXEC = 1
F_RDLCK = 0
F_WRLCK = 1
F_UNLCK = 2
LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN, LOCK_MAND = 1, 2, 4, 8, 32   # flock(2)'s cmd

# --- ioctl requests (asm-generic/ioctls.h) -------------------------------------
TCGETS = 0x5401
TCSETS = 0x5402
TCSETSW = 0x5403
TCSETSF = 0x5404
TIOCSCTTY = 0x540E
TIOCGPGRP = 0x540F
TIOCSPGRP = 0x5410
TIOCGWINSZ = 0x5413
TIOCSWINSZ = 0x5414
FIONREAD = 0x541B
FIGETBSZ = 2                    # _IO(0x00, 2): the file system's block size (an int)
FS_IOC_GETFLAGS = 0x8008_6601   # _IOR('f', 1, long); the kernel stores an int
FS_IOC_SETFLAGS = 0x4008_6602   # _IOW('f', 2, long); the kernel reads an int
FIONBIO = 0x5421
FIONCLEX = 0x5450
FIOCLEX = 0x5451

# --- poll(2) events ------------------------------------------------------------
POLLIN = 0x1
POLLPRI = 0x2
POLLOUT = 0x4
POLLERR = 0x8
POLLHUP = 0x10
POLLNVAL = 0x20
POLLRDNORM = 0x40
POLLWRNORM = 0x100

# --- file types (same on every Linux architecture) -----------------------------
S_IFMT = 0o170000
S_IFSOCK = 0o140000
S_IFLNK = 0o120000
S_IFREG = 0o100000
S_IFBLK = 0o060000
S_IFDIR = 0o040000
S_IFCHR = 0o020000
S_IFIFO = 0o010000
DT_UNKNOWN, DT_FIFO, DT_CHR, DT_DIR, DT_BLK, DT_REG, DT_LNK, DT_SOCK = 0, 1, 2, 4, 6, 8, 10, 12

# --- statx ----------------------------------------------------------------------
STATX_TYPE = 0x1
STATX_MODE = 0x2
STATX_NLINK = 0x4
STATX_UID = 0x8
STATX_GID = 0x10
STATX_ATIME = 0x20
STATX_MTIME = 0x40
STATX_CTIME = 0x80
STATX_INO = 0x100
STATX_SIZE = 0x200
STATX_BLOCKS = 0x400
STATX_BASIC_STATS = 0x7FF
STATX_BTIME = 0x800
STATX_MNT_ID = 0x1000

RLIM_INFINITY = 0xFFFF_FFFF_FFFF_FFFF
MAX_RW_COUNT = 0x7FFF_F000  # largest single read/write Linux performs (INT_MAX & PAGE_MASK)

STAT_SIZE = 128
STATX_SIZE_BYTES = 256
TERMIOS_SIZE = 36
NCCS = 19
WINSIZE_SIZE = 8
UTSNAME_FIELD = 65
UTSNAME_SIZE = 6 * UTSNAME_FIELD
SYSINFO_SIZE = 112
RUSAGE_SIZE = 144
TMS_SIZE = 32
STATFS_SIZE = 120
FLOCK_SIZE = 32
DIRENT64_HEADER = 19  # d_ino u64, d_off s64, d_reclen u16, d_type u8


class StatLike(Protocol):
    """What pack_stat needs: satisfied by os.stat_result and StatInfo."""

    st_mode: int
    st_ino: int
    st_dev: int
    st_nlink: int
    st_uid: int
    st_gid: int
    st_size: int
    st_atime_ns: int
    st_mtime_ns: int
    st_ctime_ns: int


@dataclass(eq=False, repr=False)
class StatInfo:
    """Synthesized stat data for objects with no host inode (pipes, console)."""

    st_mode: int
    st_ino: int = 0
    st_dev: int = 0
    st_nlink: int = 1
    st_uid: int = 0
    st_gid: int = 0
    st_rdev: int = 0
    st_size: int = 0
    st_blksize: int = 4096
    st_blocks: int = 0
    st_atime_ns: int = 0
    st_mtime_ns: int = 0
    st_ctime_ns: int = 0


def _split_ns(ns: int) -> tuple[int, int]:
    """Split nanoseconds into (seconds, nsec) with nsec in [0, 1e9) as the kernel does."""
    return ns // 1_000_000_000, ns % 1_000_000_000


def _blocks(st: StatLike) -> tuple[int, int]:
    """(blksize, blocks), tolerating stat objects without them (non-Linux hosts)."""
    return int(getattr(st, "st_blksize", 4096)), int(getattr(st, "st_blocks", 0))


def pack_stat(st: StatLike) -> bytes:
    """arm64 (asm-generic) ``struct stat``: 128 bytes."""
    blksize, blocks = _blocks(st)
    a, m, c = (_split_ns(st.st_atime_ns), _split_ns(st.st_mtime_ns), _split_ns(st.st_ctime_ns))
    return struct.pack(
        "<QQIIIIQQqiiqqQqQqQII",
        st.st_dev & 0xFFFF_FFFF_FFFF_FFFF, st.st_ino & 0xFFFF_FFFF_FFFF_FFFF,
        st.st_mode & 0xFFFF_FFFF, st.st_nlink & 0xFFFF_FFFF, st.st_uid & 0xFFFF_FFFF,
        st.st_gid & 0xFFFF_FFFF, int(getattr(st, "st_rdev", 0)), 0, st.st_size,
        blksize, 0, blocks, a[0], a[1], m[0], m[1], c[0], c[1], 0, 0,
    )


def _statx_ts(ns: int) -> bytes:
    sec, nsec = _split_ns(ns)
    return struct.pack("<qIi", sec, nsec, 0)


def pack_statx(st: StatLike, mask: int = STATX_BASIC_STATS, mnt_id: int = 0) -> bytes:
    """``struct statx`` (256 bytes).

    Linux may return more fields than requested, and always fills the basic
    ones for a local file system; we report STATX_BASIC_STATS regardless of
    ``mask`` (as ext4 does) plus STATX_BTIME when the host provides a birth
    time and STATX_MNT_ID when it was asked for.
    """
    got = STATX_BASIC_STATS
    btime = getattr(st, "st_birthtime_ns", None)
    if btime is not None:
        got |= STATX_BTIME
    if mask & STATX_MNT_ID:
        got |= STATX_MNT_ID
    blksize, blocks = _blocks(st)
    rdev, dev = int(getattr(st, "st_rdev", 0)), st.st_dev
    head = struct.pack(
        "<IIQIIIHHQQQQ", got, blksize, 0, st.st_nlink, st.st_uid, st.st_gid,
        st.st_mode & 0xFFFF, 0, st.st_ino, st.st_size, blocks, 0,
    )
    times = (_statx_ts(st.st_atime_ns) + _statx_ts(btime or 0)
             + _statx_ts(st.st_ctime_ns) + _statx_ts(st.st_mtime_ns))
    tail = struct.pack("<IIIIQ", os.major(rdev), os.minor(rdev), os.major(dev),
                       os.minor(dev), mnt_id if mask & STATX_MNT_ID else 0)
    out = head + times + tail
    return out + bytes(STATX_SIZE_BYTES - len(out))


def dt_from_mode(mode: int) -> int:
    """``d_type`` for a st_mode (the kernel's S_DT: file-type bits >> 12)."""
    return (mode & S_IFMT) >> 12


def pack_dirent64(ino: int, off: int, dtype: int, name: bytes) -> bytes:
    """One ``linux_dirent64`` record, NUL-terminated and padded to 8 bytes."""
    reclen = (DIRENT64_HEADER + len(name) + 1 + 7) & ~7
    rec = struct.pack("<QqHB", ino & 0xFFFF_FFFF_FFFF_FFFF, off, reclen, dtype) + name
    return rec + bytes(reclen - len(rec))


def dirent64_reclen(name: bytes) -> int:
    """Size pack_dirent64 would produce, to check buffer space before packing."""
    return (DIRENT64_HEADER + len(name) + 1 + 7) & ~7


def pack_termios(iflag: int, oflag: int, cflag: int, lflag: int, line: int, cc: bytes) -> bytes:
    """Kernel ``struct termios`` (36 bytes; c_cc has 19 slots, no speed fields)."""
    cc = bytes(cc[:NCCS]).ljust(NCCS, b"\0")
    return struct.pack("<IIIIB", iflag, oflag, cflag, lflag, line) + cc


def unpack_termios(data: bytes) -> tuple[int, int, int, int, int, bytes]:
    """Inverse of pack_termios: (iflag, oflag, cflag, lflag, line, cc)."""
    iflag, oflag, cflag, lflag, line = struct.unpack_from("<IIIIB", data)
    return iflag, oflag, cflag, lflag, line, bytes(data[17:17 + NCCS])


def pack_winsize(rows: int, cols: int, xpixel: int = 0, ypixel: int = 0) -> bytes:
    """``struct winsize``: four u16."""
    return struct.pack("<HHHH", rows, cols, xpixel, ypixel)


def unpack_winsize(data: bytes) -> tuple[int, int, int, int]:
    """(rows, cols, xpixel, ypixel)."""
    return struct.unpack_from("<HHHH", data)  # type: ignore[return-value]


def _uts_field(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return raw[: UTSNAME_FIELD - 1].ljust(UTSNAME_FIELD, b"\0")


def pack_utsname(sysname: str | bytes, nodename: str | bytes, release: str | bytes,
                 version: str | bytes, machine: str | bytes, domainname: str | bytes) -> bytes:
    """``struct new_utsname``: six NUL-padded 65-byte fields (390 bytes)."""
    return b"".join(_uts_field(v) for v in (sysname, nodename, release, version, machine, domainname))


def pack_sysinfo(uptime: int, loads: tuple[int, int, int], totalram: int, freeram: int,
                 sharedram: int = 0, bufferram: int = 0, totalswap: int = 0, freeswap: int = 0,
                 procs: int = 1, totalhigh: int = 0, freehigh: int = 0, mem_unit: int = 1) -> bytes:
    """arm64 ``struct sysinfo`` (112 bytes; loads are fixed-point << 16)."""
    out = struct.pack("<q3Q6QHxxxxxxQQI", uptime, *loads, totalram, freeram, sharedram,
                      bufferram, totalswap, freeswap, procs, totalhigh, freehigh, mem_unit)
    return out + bytes(SYSINFO_SIZE - len(out))


def pack_timespec(sec: int, nsec: int) -> bytes:
    """``struct timespec`` (two 64-bit fields)."""
    return struct.pack("<qq", sec, nsec)


def unpack_timespec(data: bytes, offset: int = 0) -> tuple[int, int]:
    """(tv_sec, tv_nsec); range checking (EINVAL) is the caller's job."""
    return struct.unpack_from("<qq", data, offset)  # type: ignore[return-value]


def pack_timeval(sec: int, usec: int) -> bytes:
    """``struct timeval`` (two 64-bit fields)."""
    return struct.pack("<qq", sec, usec)


def unpack_timeval(data: bytes, offset: int = 0) -> tuple[int, int]:
    """(tv_sec, tv_usec)."""
    return struct.unpack_from("<qq", data, offset)  # type: ignore[return-value]


def pack_rlimit(cur: int, max_: int) -> bytes:
    """``struct rlimit`` (u64 pair; RLIM_INFINITY is all ones)."""
    return struct.pack("<QQ", cur & RLIM_INFINITY, max_ & RLIM_INFINITY)


def unpack_rlimit(data: bytes) -> tuple[int, int]:
    """(rlim_cur, rlim_max)."""
    return struct.unpack_from("<QQ", data)  # type: ignore[return-value]


def pack_rusage(utime_ns: int = 0, stime_ns: int = 0, maxrss_kb: int = 0, minflt: int = 0,
                majflt: int = 0, nvcsw: int = 0, nivcsw: int = 0) -> bytes:
    """``struct rusage`` (144 bytes): two timevals then 14 longs."""
    u, s = divmod(utime_ns // 1000, 1_000_000), divmod(stime_ns // 1000, 1_000_000)
    longs = [maxrss_kb, 0, 0, 0, minflt, majflt, 0, 0, 0, 0, 0, 0, nvcsw, nivcsw]
    return struct.pack("<qqqq14q", u[0], u[1], s[0], s[1], *longs)


def pack_tms(utime: int, stime: int, cutime: int = 0, cstime: int = 0) -> bytes:
    """``struct tms``: four clock_t (64-bit) in clock ticks."""
    return struct.pack("<qqqq", utime, stime, cutime, cstime)


def unpack_iovec_array(data: bytes, count: int) -> list[tuple[int, int]]:
    """``struct iovec[count]`` as [(iov_base, iov_len)]."""
    return [struct.unpack_from("<QQ", data, 16 * i) for i in range(count)]  # type: ignore[misc]


def pack_statfs(f_type: int, bsize: int, blocks: int, bfree: int, bavail: int, files: int,
                ffree: int, fsid: tuple[int, int] = (0, 0), namelen: int = 255,
                frsize: int | None = None, flags: int = 0) -> bytes:
    """arm64 ``struct statfs`` (120 bytes)."""
    return struct.pack("<qqQQQQQiiqqq4q", f_type, bsize, blocks, bfree,
                       bavail, files, ffree, fsid[0], fsid[1], namelen,
                       bsize if frsize is None else frsize, flags, 0, 0, 0, 0)


def pack_flock(l_type: int, whence: int, start: int, length: int, pid: int) -> bytes:
    """``struct flock`` (32 bytes)."""
    return struct.pack("<hhxxxxqqixxxx", l_type, whence, start, length, pid)


def unpack_flock(data: bytes) -> tuple[int, int, int, int, int]:
    """(l_type, l_whence, l_start, l_len, l_pid)."""
    return struct.unpack_from("<hhxxxxqqixxxx", data)  # type: ignore[return-value]

