"""Layouts of AArch64 Linux structures against numbers from the real headers.

The expected sizes and offsets were printed by a C program compiled with
aarch64-linux-gnu-gcc and run under qemu-aarch64-static; the same program is
rebuilt here when those tools are installed, so a header change is noticed.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel_model import linux_structs as ls

# sizeof / offsetof printed by the aarch64 C program below.
HEADER_NUMBERS: dict[str, int] = {
    "sizeof(struct stat)": 128, "stat.st_ino": 8, "stat.st_mode": 16, "stat.st_nlink": 20,
    "stat.st_uid": 24, "stat.st_gid": 28, "stat.st_rdev": 32, "stat.st_size": 48,
    "stat.st_blksize": 56, "stat.st_blocks": 64, "stat.st_atim": 72, "stat.st_mtim": 88,
    "stat.st_ctim": 104,
    "sizeof(struct statx)": 256, "statx.stx_blksize": 4, "statx.stx_attributes": 8,
    "statx.stx_nlink": 16, "statx.stx_uid": 20, "statx.stx_gid": 24, "statx.stx_mode": 28,
    "statx.stx_ino": 32, "statx.stx_size": 40, "statx.stx_blocks": 48,
    "statx.stx_attributes_mask": 56, "statx.stx_atime": 64, "statx.stx_btime": 80,
    "statx.stx_ctime": 96, "statx.stx_mtime": 112, "statx.stx_rdev_major": 128,
    "statx.stx_rdev_minor": 132, "statx.stx_dev_major": 136, "statx.stx_dev_minor": 140,
    "statx.stx_mnt_id": 144,
    "sizeof(struct termios)": 36, "termios.c_line": 16, "termios.c_cc": 17, "NCCS": 19,
    "sizeof(struct winsize)": 8,
    "sizeof(struct utsname)": 390, "utsname.nodename": 65, "utsname.machine": 260,
    "utsname.domainname": 325,
    "sizeof(struct sysinfo)": 112, "sysinfo.loads": 8, "sysinfo.totalram": 32,
    "sysinfo.freeswap": 72, "sysinfo.procs": 80, "sysinfo.totalhigh": 88,
    "sysinfo.freehigh": 96, "sysinfo.mem_unit": 104,
    "sizeof(struct timespec)": 16, "sizeof(struct timeval)": 16, "sizeof(struct rlimit)": 16,
    "sizeof(struct rusage)": 144, "rusage.ru_stime": 16, "rusage.ru_maxrss": 32,
    "sizeof(struct tms)": 32, "sizeof(struct iovec)": 16,
    "sizeof(struct statfs)": 120, "statfs.f_fsid": 56, "statfs.f_namelen": 64,
    "statfs.f_frsize": 72, "statfs.f_flags": 80,
    "sizeof(struct flock)": 32, "flock.l_start": 8, "flock.l_len": 16, "flock.l_pid": 24,
    "dirent64.d_reclen": 16, "dirent64.d_type": 18, "dirent64.d_name": 19,
}

C_PROGRAM = r"""
#define _GNU_SOURCE
#include <stdio.h>
#include <stddef.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <asm/termbits.h>
#include <sys/utsname.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/vfs.h>
struct linux_dirent64 { unsigned long long d_ino; long long d_off; unsigned short d_reclen;
                        unsigned char d_type; char d_name[]; };
#define S(t) printf("sizeof(struct %s) %ld\n", #t, (long)sizeof(struct t))
#define O(t, f) printf("%s.%s %ld\n", #t, #f, (long)offsetof(struct t, f))
int main(void) {
  S(stat); O(stat, st_ino); O(stat, st_mode); O(stat, st_nlink); O(stat, st_uid);
  O(stat, st_gid); O(stat, st_rdev); O(stat, st_size); O(stat, st_blksize);
  O(stat, st_blocks); O(stat, st_atim); O(stat, st_mtim); O(stat, st_ctim);
  S(statx); O(statx, stx_blksize); O(statx, stx_attributes); O(statx, stx_nlink);
  O(statx, stx_uid); O(statx, stx_gid); O(statx, stx_mode); O(statx, stx_ino);
  O(statx, stx_size); O(statx, stx_blocks); O(statx, stx_attributes_mask);
  O(statx, stx_atime); O(statx, stx_btime); O(statx, stx_ctime); O(statx, stx_mtime);
  O(statx, stx_rdev_major); O(statx, stx_rdev_minor); O(statx, stx_dev_major);
  O(statx, stx_dev_minor); O(statx, stx_mnt_id);
  S(termios); O(termios, c_line); O(termios, c_cc); printf("NCCS %d\n", NCCS);
  S(winsize); S(utsname); O(utsname, nodename); O(utsname, machine); O(utsname, domainname);
  S(sysinfo); O(sysinfo, loads); O(sysinfo, totalram); O(sysinfo, freeswap);
  O(sysinfo, procs); O(sysinfo, totalhigh); O(sysinfo, freehigh); O(sysinfo, mem_unit);
  S(timespec); S(timeval); S(rlimit); S(rusage); O(rusage, ru_stime); O(rusage, ru_maxrss);
  S(tms); S(iovec); S(statfs); O(statfs, f_fsid); O(statfs, f_namelen); O(statfs, f_frsize);
  O(statfs, f_flags); S(flock); O(flock, l_start); O(flock, l_len); O(flock, l_pid);
  O(linux_dirent64, d_reclen); O(linux_dirent64, d_type); O(linux_dirent64, d_name);
  return 0;
}
"""


@pytest.mark.differential
@pytest.mark.skipif(not (shutil.which("aarch64-linux-gnu-gcc") and shutil.which("qemu-aarch64-static")),
                    reason="aarch64 cross compiler or qemu-aarch64-static not installed")
def test_header_numbers_match_real_headers(tmp_path: Path) -> None:
    src, exe = tmp_path / "layout.c", tmp_path / "layout"
    src.write_text(C_PROGRAM)
    subprocess.run(["aarch64-linux-gnu-gcc", "-static", "-o", str(exe), str(src)], check=True)
    out = subprocess.run(["qemu-aarch64-static", str(exe)], check=True, capture_output=True,
                         text=True).stdout
    got = {k.replace("linux_dirent64", "dirent64"): int(v)
           for k, v in (line.rsplit(" ", 1) for line in out.splitlines())}
    assert got == HEADER_NUMBERS


def test_flag_constants_are_arm64_values() -> None:
    # Values printed by the aarch64 toolchain (asm/fcntl.h); O_LARGEFILE is the
    # kernel's value (glibc defines it as 0 on 64-bit).
    assert (ls.O_CREAT, ls.O_EXCL, ls.O_NOCTTY, ls.O_TRUNC) == (64, 128, 256, 512)
    assert (ls.O_APPEND, ls.O_NONBLOCK, ls.O_DSYNC, ls.O_ASYNC) == (1024, 2048, 4096, 8192)
    assert (ls.O_DIRECTORY, ls.O_NOFOLLOW, ls.O_DIRECT, ls.O_LARGEFILE) == (
        0o40000, 0o100000, 0o200000, 0o400000)
    assert (ls.O_NOATIME, ls.O_CLOEXEC, ls.O_SYNC, ls.O_PATH, ls.O_TMPFILE) == (
        262144, 524288, 1052672, 2097152, 4210688)
    assert (ls.AT_FDCWD, ls.AT_SYMLINK_NOFOLLOW, ls.AT_REMOVEDIR, ls.AT_SYMLINK_FOLLOW,
            ls.AT_EMPTY_PATH) == (-100, 0x100, 0x200, 0x400, 0x1000)
    assert (ls.F_DUPFD_CLOEXEC, ls.F_SETPIPE_SZ, ls.F_GETPIPE_SZ, ls.F_OFD_GETLK) == (
        1030, 1031, 1032, 36)
    assert (ls.TCGETS, ls.TCSETS, ls.TIOCGWINSZ, ls.TIOCGPGRP, ls.FIONREAD, ls.FIONBIO) == (
        21505, 21506, 21523, 21519, 21531, 21537)
    assert ls.STATX_BASIC_STATS == 2047 and ls.STATX_BTIME == 2048
    assert (ls.POLLIN, ls.POLLOUT, ls.POLLERR, ls.POLLHUP, ls.POLLNVAL) == (1, 4, 8, 16, 32)


def test_pack_stat_layout(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"x" * 5000)
    s = os.stat(f)
    raw = ls.pack_stat(s)
    assert len(raw) == HEADER_NUMBERS["sizeof(struct stat)"] == ls.STAT_SIZE
    u64 = lambda off: struct.unpack_from("<Q", raw, off)[0]  # noqa: E731
    u32 = lambda off: struct.unpack_from("<I", raw, off)[0]  # noqa: E731
    assert u64(0) == s.st_dev and u64(8) == s.st_ino
    assert u32(16) == s.st_mode and u32(20) == s.st_nlink
    assert u32(24) == s.st_uid and u32(28) == s.st_gid
    assert u64(48) == 5000 and struct.unpack_from("<i", raw, 56)[0] == s.st_blksize
    assert u64(64) == s.st_blocks
    assert (u64(88), u64(96)) == divmod(s.st_mtime_ns, 1_000_000_000)
    assert (u64(104), u64(112)) == divmod(s.st_ctime_ns, 1_000_000_000)


def test_pack_stat_from_statinfo() -> None:
    info = ls.StatInfo(ls.S_IFIFO | 0o600, st_ino=77, st_dev=12, st_rdev=0x8800,
                       st_mtime_ns=3_000_000_005)
    raw = ls.pack_stat(info)
    assert struct.unpack_from("<I", raw, 16)[0] == ls.S_IFIFO | 0o600
    assert struct.unpack_from("<Q", raw, 32)[0] == 0x8800
    assert struct.unpack_from("<qQ", raw, 88) == (3, 5)


def test_pack_stat_negative_times() -> None:
    info = ls.StatInfo(ls.S_IFREG, st_atime_ns=-1)
    assert struct.unpack_from("<qQ", ls.pack_stat(info), 72) == (-1, 999_999_999)


def test_pack_statx_layout(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"abc")
    s = os.stat(f)
    raw = ls.pack_statx(s, ls.STATX_BASIC_STATS | ls.STATX_MNT_ID, mnt_id=9)
    assert len(raw) == 256
    mask, blksize = struct.unpack_from("<II", raw, 0)
    assert mask & ls.STATX_BASIC_STATS == ls.STATX_BASIC_STATS and mask & ls.STATX_MNT_ID
    assert blksize == s.st_blksize
    assert struct.unpack_from("<III", raw, 16) == (s.st_nlink, s.st_uid, s.st_gid)
    assert struct.unpack_from("<H", raw, 28)[0] == s.st_mode
    assert struct.unpack_from("<QQQ", raw, 32) == (s.st_ino, 3, s.st_blocks)
    assert struct.unpack_from("<qI", raw, 112) == divmod(s.st_mtime_ns, 1_000_000_000)
    assert struct.unpack_from("<II", raw, 136) == (os.major(s.st_dev), os.minor(s.st_dev))
    assert struct.unpack_from("<Q", raw, 144)[0] == 9
    assert ls.pack_statx(s)[144:152] == bytes(8)  # mnt_id only when asked


@given(st.binary(min_size=1, max_size=300).filter(lambda b: b"\0" not in b and b"/" not in b))
def test_dirent64_records_are_aligned(name: bytes) -> None:
    rec = ls.pack_dirent64(5, 6, ls.DT_REG, name)
    assert len(rec) % 8 == 0 and len(rec) == ls.dirent64_reclen(name)
    ino, off, reclen, dtype = struct.unpack_from("<QqHB", rec)
    assert (ino, off, reclen, dtype) == (5, 6, len(rec), ls.DT_REG)
    assert rec[19:19 + len(name)] == name and rec[19 + len(name)] == 0


def test_dt_from_mode() -> None:
    assert ls.dt_from_mode(ls.S_IFDIR | 0o755) == ls.DT_DIR
    assert ls.dt_from_mode(ls.S_IFREG) == ls.DT_REG
    assert ls.dt_from_mode(ls.S_IFLNK) == ls.DT_LNK
    assert ls.dt_from_mode(ls.S_IFCHR) == ls.DT_CHR
    assert ls.dt_from_mode(ls.S_IFIFO) == ls.DT_FIFO
    assert ls.dt_from_mode(ls.S_IFSOCK) == ls.DT_SOCK
    assert ls.dt_from_mode(ls.S_IFBLK) == ls.DT_BLK


def test_termios_and_winsize() -> None:
    raw = ls.pack_termios(1, 2, 3, 4, 0, bytes(range(1, 40)))
    assert len(raw) == 36 and raw[17:] == bytes(range(1, 20))
    assert ls.unpack_termios(raw) == (1, 2, 3, 4, 0, bytes(range(1, 20)))
    assert ls.pack_termios(0, 0, 0, 0, 0, b"\x03")[17:] == b"\x03" + bytes(18)
    ws = ls.pack_winsize(24, 80)
    assert len(ws) == 8 and ls.unpack_winsize(ws) == (24, 80, 0, 0)


def test_utsname() -> None:
    raw = ls.pack_utsname("Linux", "blindfold", "6.1.0", "#1 SMP", "aarch64", "x" * 100)
    assert len(raw) == 390
    assert raw[0:6] == b"Linux\0" and raw[65:75] == b"blindfold\0"
    assert raw[260:268] == b"aarch64\0"
    assert raw[325:389] == b"x" * 64 and raw[389] == 0  # truncated, still terminated


def test_sysinfo() -> None:
    raw = ls.pack_sysinfo(100, (1 << 16, 2, 3), 1 << 30, 1 << 29, totalswap=7, procs=5,
                          freehigh=11, mem_unit=1)
    assert len(raw) == 112
    assert struct.unpack_from("<q3Q", raw, 0) == (100, 1 << 16, 2, 3)
    assert struct.unpack_from("<QQ", raw, 32) == (1 << 30, 1 << 29)
    assert struct.unpack_from("<Q", raw, 64)[0] == 7
    assert struct.unpack_from("<H", raw, 80)[0] == 5
    assert struct.unpack_from("<Q", raw, 96)[0] == 11
    assert struct.unpack_from("<I", raw, 104)[0] == 1


def test_time_structs() -> None:
    assert ls.unpack_timespec(ls.pack_timespec(-3, 999)) == (-3, 999)
    assert ls.unpack_timespec(b"\0" * 8 + ls.pack_timespec(1, 2), 8) == (1, 2)
    assert ls.unpack_timeval(ls.pack_timeval(5, 6)) == (5, 6)
    assert ls.pack_tms(1, 2, 3, 4) == struct.pack("<4q", 1, 2, 3, 4)


def test_rlimit() -> None:
    assert ls.unpack_rlimit(ls.pack_rlimit(1024, ls.RLIM_INFINITY)) == (1024, ls.RLIM_INFINITY)
    assert ls.pack_rlimit(-1, -1) == b"\xff" * 16  # -1 is RLIM_INFINITY


def test_rusage() -> None:
    raw = ls.pack_rusage(utime_ns=1_500_000_000, stime_ns=2_000_001_000, maxrss_kb=42,
                         nivcsw=3)
    assert len(raw) == 144
    assert struct.unpack_from("<4q", raw, 0) == (1, 500_000, 2, 1)
    assert struct.unpack_from("<q", raw, 32)[0] == 42
    assert struct.unpack_from("<q", raw, 136)[0] == 3


def test_iovec_array() -> None:
    data = struct.pack("<QQQQ", 0x1000, 5, 0xFFFF_0000_0000_0000, 7)
    assert ls.unpack_iovec_array(data, 2) == [(0x1000, 5), (0xFFFF_0000_0000_0000, 7)]
    assert ls.unpack_iovec_array(data, 0) == []


def test_statfs_and_flock() -> None:
    raw = ls.pack_statfs(0xEF53, 4096, 100, 50, 40, 1000, 900, (1, 2), 255)
    assert len(raw) == 120
    assert struct.unpack_from("<qq", raw, 0) == (0xEF53, 4096)
    assert struct.unpack_from("<ii", raw, 56) == (1, 2)
    assert struct.unpack_from("<qq", raw, 64) == (255, 4096)
    fl = ls.pack_flock(ls.F_WRLCK, 0, 10, 20, 1234)
    assert len(fl) == 32 and ls.unpack_flock(fl) == (ls.F_WRLCK, 0, 10, 20, 1234)
    assert struct.unpack_from("<q", fl, 8)[0] == 10 and struct.unpack_from("<i", fl, 24)[0] == 1234
