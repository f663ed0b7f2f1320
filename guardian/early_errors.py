"""`return.early_error`: successes Linux never gives for what a call's arguments say,
tested before any look-up the kernel could answer either way (red-team round 84):

* openat2 of an absolute name under RESOLVE_BENEATH (without RESOLVE_IN_ROOT, which
  build_open_flags() refuses with it): do_sys_openat2() -> path_openat() (and
  do_tmpfile() / do_o_path()) -> path_init(): a name that begins with '/' goes to
  nd_jump_root(), which answers -EXDEV under LOOKUP_BENEATH -- whatever dfd is (AG-010);
* setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF or SO_ATTACH_REUSEPORT_EBPF, v, optlen) with
  optlen other than sizeof(u32): sk_setsockopt() sets -EINVAL and tests
  `optlen == sizeof(u32)` before it copies the program's number (AG-024); a descriptor that
  is no socket answers -ENOTSOCK, never 0.

The name and open_how are read where the program left them quiet through the call (read
answers None otherwise: nothing judged).  A call no rule is about pays its number's test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.slots import Slot

_NR_OPENAT2 = NUMBERS["openat2"]
_NR_SETSOCKOPT = NUMBERS["setsockopt"]
#: the calls `early_error` judges
CALLS = frozenset((_NR_OPENAT2, _NR_SETSOCKOPT))
#: include/uapi/linux/openat2.h; OPEN_HOW_SIZE_VER0 (flags, mode, resolve: u64 each)
RESOLVE_BENEATH, RESOLVE_IN_ROOT, OPEN_HOW_SIZE = 0x08, 0x10, 24
SOL_SOCKET, SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF = 1, 50, 52


def _beneath_absolute(a: tuple[int, ...], read: Callable[[int, int], bytes | None]) -> str:
    if a[3] < OPEN_HOW_SIZE:
        return ""
    raw = read(a[2] + 16, 8)
    if raw is None or len(raw) != 8:
        return ""
    resolve = int.from_bytes(raw, "little")
    if resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT) != RESOLVE_BENEATH:
        return ""
    # (path_init(): `*s == '/' && !(flags & LOOKUP_IN_ROOT)` -> nd_jump_root())
    return "an absolute name under RESOLVE_BENEATH (path_init() -> nd_jump_root(): " \
        "-EXDEV)" if read(a[1], 1) == b"/" else ""


def early_error(slot: Slot, read: Callable[[int, int], bytes | None]) -> str:
    """Why Linux never answers the call in `slot` (one of CALLS) with a success; "" where
    it may.  `read(addr, n)`: memory as the call copied it (None: unknown)."""
    a = slot.args
    if slot.nr == _NR_OPENAT2:
        return _beneath_absolute(a, read)
    if slot.nr == _NR_SETSOCKOPT and a[1] & 0xFFFF_FFFF == SOL_SOCKET \
            and a[2] & 0xFFFF_FFFF in (SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF) \
            and a[4] & 0xFFFF_FFFF != 4:
        return (f"option {a[2] & 0xFFFF_FFFF} with optlen {a[4] & 0xFFFF_FFFF} "
                "(sk_setsockopt(): optlen == sizeof(u32) alone, -EINVAL)")
    return ""
