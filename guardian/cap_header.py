"""`return.cap_header`: capget() and capset() as sys_capget()/sys_capset() read their
header; `return.cap_valid_mask`: capget() reports no capability past CAP_LAST_CAP.

- cap_validate_magic() (kernel/capability.c, every 6.x): a version other than
  _LINUX_CAPABILITY_VERSION_1, _2 or _3 stores _KERNEL_CAPABILITY_VERSION (0x20080522)
  into the header's version and answers -EINVAL.  sys_capget(): `if ((dataptr == NULL)
  || (ret != 0)) return ((dataptr == NULL) && (ret == -EINVAL)) ? 0 : ret;`: the version
  probe (data NULL) answers 0 with 0x20080522 stored, an unknown version with data
  -EINVAL; sys_capset() answers -EINVAL for it.
- sys_capget(): `if (pid < 0) return -EINVAL;`, then cap_get_target_pid() ->
  find_task_by_vpid(): no task holds a pid past PID_MAX_LIMIT (4194304, the most pid_max
  allows, in any pid namespace): -ESRCH.
- every set a cred holds lies in CAP_VALID_MASK (capset masks, set_cred_user_ns() fills
  CAP_FULL_SET, get_vfs_caps_from_disk() masks a file's): CAP_LAST_CAP is 40
  (CAP_CHECKPOINT_RESTORE) in 6.1..6.18, so bits 9..31 of each second word are 0.

Judged only where the header (and for the mask the data) lay quiet through the call
(guardian/quiet_ranges.py: only the call stored there), not where a seccomp filter may
answer.  Called for capget and capset alone (result_rules tests the number first).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from abi.value_ranges import PID_MAX_LIMIT
from guardian.checks import refuse

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.slots import Slot
    from guardian.user_memory import UserMemory

_NR_CAPGET = NUMBERS["capget"]
_KNOWN = {0x1998_0330: 1, 0x2007_1026: 2, 0x2008_0522: 2}   # (words per set)
_KERNEL_VERSION = 0x2008_0522
_HEADER, _ENTRY = 8, 12
#: bits of a set's second word past CAP_LAST_CAP (40): CAP_VALID_MASK's complement
_PAST_LAST = 0xFFFF_FFFF & ~((1 << 9) - 1)


def judge(memory: UserMemory, slot: Slot, ret: int, filtered: bool,
          quiet: Callable[[int, int], bool]) -> None:
    """capget() or capset() answered 0: refuse what cap_validate_magic(), the pid lookup
    or CAP_VALID_MASK rule out.  `quiet(va, n)`: only the call stored there."""
    head = slot.asked.get(slot.args[0]) if slot.args[0] else None
    if ret != 0 or filtered or head is None or not quiet(slot.args[0], _HEADER):
        return
    version, pid = struct.unpack("<Ii", head)
    words = _KNOWN.get(version)
    data = slot.args[1]
    if words is None:
        if slot.nr != _NR_CAPGET or data:
            refuse("return.cap_header", Status.ERR_DENIED,
                   f"{'capget' if slot.nr == _NR_CAPGET else 'capset'}() answers 0 for a "
                   f"header of version {version:#x}, which no kernel knows "
                   "(cap_validate_magic(): -EINVAL)")
        now = memory.read(slot.args[0], 4, slot.root)
        if now is not None and struct.unpack("<I", now)[0] != _KERNEL_VERSION:
            refuse("return.cap_header", Status.ERR_DENIED,
                   f"capget()'s version probe (version {version:#x}, data NULL) answers 0 "
                   f"but leaves version {struct.unpack('<I', now)[0]:#x} in the header "
                   "(cap_validate_magic() stores _KERNEL_CAPABILITY_VERSION, 0x20080522)")
        return
    if slot.nr != _NR_CAPGET or not data:
        return                          # (capget with data NULL: 0 before the pid is read)
    if pid < 0 or pid > PID_MAX_LIMIT:
        refuse("return.cap_header", Status.ERR_DENIED,
               f"capget() answers 0 for header pid {pid}, which no task holds "
               "(sys_capget(): pid < 0 -EINVAL; find_task_by_vpid() past PID_MAX_LIMIT, "
               "4194304: -ESRCH)")
    if words != 2 or not quiet(data, _ENTRY * 2):
        return
    raw = memory.read(data, _ENTRY * 2, slot.root)
    if raw is None:
        return
    past = [w & _PAST_LAST for w in struct.unpack_from("<3I", raw, _ENTRY)]
    if any(past):
        refuse("return.cap_valid_mask", Status.ERR_DENIED,
               f"capget() reports capability bits {past} past CAP_LAST_CAP (40) in the sets' "
               "second words, which no cred holds (CAP_VALID_MASK)")
