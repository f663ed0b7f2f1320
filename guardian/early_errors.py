"""`return.early_error`: successes Linux never gives for what a call's arguments say,
tested before any look-up the kernel could answer either way (red-team round 84):

* openat2 of an absolute name under RESOLVE_BENEATH (without RESOLVE_IN_ROOT, which
  build_open_flags() refuses with it): do_sys_openat2() -> path_openat() (and
  do_tmpfile() / do_o_path()) -> path_init(): a name that begins with '/' goes to
  nd_jump_root(), which answers -EXDEV under LOOKUP_BENEATH -- whatever dfd is (AG-010);
  and a relative name whose first component is '..' under RESOLVE_BENEATH: path_init()
  makes the start nd->root, handle_dots() -> follow_dotdot() finds the path at the root
  and answers -EXDEV under LOOKUP_BENEATH (AJ-011);
* openat2 whose usize or open_how sys_openat2() / build_open_flags() refuse before any
  look-up (round 85): usize below OPEN_HOW_SIZE_VER0 (-EINVAL), past the largest arm64
  PAGE_SIZE (64 KiB: -E2BIG), a non-zero byte past the first 24 (copy_struct_from_user()
  -> check_zeroed_user(): -E2BIG), and open_how's flags, mode and resolve as
  reopen_flags.flag_error() tests them on every 6.x kernel (unknown flag or resolve bit,
  a mode without O_CREAT / O_TMPFILE, RESOLVE_BENEATH with RESOLVE_IN_ROOT, ...: -EINVAL);
* setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF or SO_ATTACH_REUSEPORT_EBPF, v, optlen) with
  optlen other than sizeof(u32): sk_setsockopt() sets -EINVAL and tests
  `optlen == sizeof(u32)` before it copies the program's number (AG-024); a descriptor that
  is no socket answers -ENOTSOCK, never 0; with optlen 4, an optval of address 0
  (copy_from_sockptr() faults below mmap_min_addr: -EFAULT, AJ-031) or a negative value
  (bpf_prog_get_type() -> fdget() of an unsigned int past any fdtable: -EBADF, AJ-023);
* ioctl(fd, FICLONERANGE, arg) whose src_fd's low half is negative as an int:
  ioctl_file_clone() -> fdget((unsigned int)src_fd) finds no table that large (-EBADF,
  AJ-022);
* pselect6 of an n negative as an int: core_sys_select() `if (n < 0)` -EINVAL (AJ-016).

The name and open_how are read where the program left them quiet through the call (read
answers None otherwise: nothing judged).  A call no rule is about pays its number's test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from guardian.reopen_flags import flag_error

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.slots import Slot

_NR_OPENAT2 = NUMBERS["openat2"]
_NR_SETSOCKOPT = NUMBERS["setsockopt"]
_NR_IOCTL = NUMBERS["ioctl"]
_NR_PSELECT6 = NUMBERS["pselect6"]
#: the calls `early_error` judges
CALLS = frozenset((_NR_OPENAT2, _NR_SETSOCKOPT, _NR_IOCTL, _NR_PSELECT6))
#: _IOW(0x94, 13, struct file_clone_range)
FICLONERANGE = 0x4020940D
#: include/uapi/linux/openat2.h; OPEN_HOW_SIZE_VER0 (flags, mode, resolve: u64 each)
RESOLVE_BENEATH, RESOLVE_IN_ROOT, OPEN_HOW_SIZE = 0x08, 0x10, 24
#: the largest PAGE_SIZE of an arm64 kernel (64 KiB pages): sys_openat2() `usize > PAGE_SIZE`
MAX_PAGE = 65536
SOL_SOCKET, SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF = 1, 50, 52


def _how_error(a: tuple[int, ...], read: Callable[[int, int], bytes | None]) -> str:
    """Why sys_openat2() / build_open_flags() refuse the struct before any look-up."""
    usize = a[3]
    if usize < OPEN_HOW_SIZE:
        return f"open_how's usize {usize} (sys_openat2(): below OPEN_HOW_SIZE_VER0, -EINVAL)"
    if usize > MAX_PAGE:
        return f"open_how's usize {usize} (sys_openat2(): past PAGE_SIZE, -E2BIG)"
    raw = read(a[2], usize)
    if raw is None or len(raw) != usize:
        return ""
    if any(raw[OPEN_HOW_SIZE:]):
        return "a non-zero byte of open_how past 24 (copy_struct_from_user(): -E2BIG)"
    flags, mode, resolve = (int.from_bytes(raw[i:i + 8], "little") for i in (0, 8, 16))
    # (usize 24: flag_error()'s own size tests take a 4 KiB page; done above)
    why = flag_error((flags, mode, resolve, OPEN_HOW_SIZE), True, every_version=True)
    if why:
        return f"{why} (build_open_flags())"
    if resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT) != RESOLVE_BENEATH:
        return ""
    name = read(a[1], 1)
    if name == b".":
        name = read(a[1], 3)
    if name is None:
        return ""
    # (path_init(): `*s == '/' && !(flags & LOOKUP_IN_ROOT)` -> nd_jump_root())
    if name[:1] == b"/":
        return "an absolute name under RESOLVE_BENEATH (path_init() -> nd_jump_root(): " \
            "-EXDEV)"
    # (a first component '..' from dfd, which path_init() made nd->root: follow_dotdot())
    if name[:2] == b".." and name[2:3] in (b"/", b"\0"):
        return "a first component '..' under RESOLVE_BENEATH (follow_dotdot() at " \
            "nd->root: -EXDEV)"
    return ""


def early_error(slot: Slot, read: Callable[[int, int], bytes | None]) -> str:
    """Why Linux never answers the call in `slot` (one of CALLS) with a success; "" where
    it may.  `read(addr, n)`: memory as the call copied it (None: unknown)."""
    a = slot.args
    if slot.nr == _NR_OPENAT2:
        return _how_error(a, read)
    if slot.nr == _NR_SETSOCKOPT and a[1] & 0xFFFF_FFFF == SOL_SOCKET \
            and a[2] & 0xFFFF_FFFF in (SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF):
        if a[4] & 0xFFFF_FFFF != 4:
            return (f"option {a[2] & 0xFFFF_FFFF} with optlen {a[4] & 0xFFFF_FFFF} "
                    "(sk_setsockopt(): optlen == sizeof(u32) alone, -EINVAL)")
        if not a[3]:
            return "an optval at address 0 (copy_from_sockptr(): -EFAULT)"
        return _negative(read(a[3], 4), "the program descriptor")
    if slot.nr == _NR_IOCTL and a[1] & 0xFFFF_FFFF == FICLONERANGE:
        return _negative(read(a[2], 4), "FICLONERANGE's src_fd")
    if slot.nr == _NR_PSELECT6 and a[0] & 0x8000_0000:
        return f"n {(a[0] & 0xFFFF_FFFF) - (1 << 32)} (core_sys_select(): n < 0, -EINVAL)"
    return ""


def _negative(raw: bytes | None, what: str) -> str:
    """A descriptor read from memory whose int (an fdget()'s unsigned int's low half) is
    negative: past any fdtable (NR_OPEN, 1 << 20), fdget() finds no file (-EBADF)."""
    if raw is None or len(raw) != 4 or not raw[3] & 0x80:
        return ""
    return f"{what} {int.from_bytes(raw, 'little', signed=True)} (fdget(): -EBADF)"
