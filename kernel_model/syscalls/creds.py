"""The credential calls: get/set*id, getgroups/setgroups and capget.

The rules live in kernel_model/credentials.py (kernel/sys.c, security/commoncap.c).
"""

from __future__ import annotations

import errno
import struct
from dataclasses import replace
from typing import TYPE_CHECKING

from kernel_model.credentials import (
    CAP_SETGID,
    NGROUPS_MAX,
    SECURE_NO_SETUID_FIXUP,
    Cred,
    commit_creds,
    set_fsgid,
    set_fsuid,
    set_gid,
    set_regid,
    set_resgid,
    set_resuid,
    set_reuid,
    set_uid,
)
from kernel_model.syscalls import syscall

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel
    from kernel_model.process import Thread

_INVALID = 0xFFFF_FFFF


def _apply(k: Kernel, t: Thread, new: Cred) -> int:
    commit_creds(t, new, k.options.suid_dumpable)
    return 0


@syscall("getuid")
def sys_getuid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return t.cred.uid


@syscall("geteuid")
def sys_geteuid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return t.cred.euid


@syscall("getgid")
def sys_getgid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return t.cred.gid


@syscall("getegid")
def sys_getegid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return t.cred.egid


def _fixup(t: Thread) -> bool:
    """cap_task_fix_setuid(): `if (!issecure(SECURE_NO_SETUID_FIXUP))
    cap_emulate_setxuid(new, old);`."""
    return not t.securebits & SECURE_NO_SETUID_FIXUP


@syscall("setuid")
def sys_setuid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _apply(k, t, set_uid(t.cred, a[0], t.keep_caps, _fixup(t)))


@syscall("setreuid")
def sys_setreuid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _apply(k, t, set_reuid(t.cred, a[0], a[1], t.keep_caps, _fixup(t)))


@syscall("setresuid")
def sys_setresuid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    old = t.cred
    new = set_resuid(old, a[0], a[1], a[2], t.keep_caps, _fixup(t))
    if new == old:                       # "No change": no commit_creds()
        return 0
    return _apply(k, t, new)


@syscall("setfsuid")
def sys_setfsuid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    old = t.cred
    new = set_fsuid(old, a[0])
    if new is not old:
        commit_creds(t, new, k.options.suid_dumpable)
    return old.fsuid


@syscall("setgid")
def sys_setgid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _apply(k, t, set_gid(t.cred, a[0]))


@syscall("setregid")
def sys_setregid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _apply(k, t, set_regid(t.cred, a[0], a[1]))


@syscall("setresgid")
def sys_setresgid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    old = t.cred
    new = set_resgid(old, a[0], a[1], a[2])
    if new == old:
        return 0
    return _apply(k, t, new)


@syscall("setfsgid")
def sys_setfsgid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    old = t.cred
    new = set_fsgid(old, a[0])
    if new is not old:
        commit_creds(t, new, k.options.suid_dumpable)
    return old.fsgid


@syscall("getresuid")
def sys_getresuid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    c = t.cred
    for ptr, v in zip((a[0], a[1], a[2]), (c.uid, c.euid, c.suid), strict=True):
        k.uaccess.write_u32(ptr, v)
    return 0


@syscall("getresgid")
def sys_getresgid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    c = t.cred
    for ptr, v in zip((a[0], a[1], a[2]), (c.gid, c.egid, c.sgid), strict=True):
        k.uaccess.write_u32(ptr, v)
    return 0


@syscall("getgroups")
def sys_getgroups(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    size, groups = a[0] & 0xFFFF_FFFF, t.cred.groups
    if size >= 1 << 31:                  # int gidsetsize < 0
        return -errno.EINVAL
    if size:
        if len(groups) > size:
            return -errno.EINVAL
        if groups:
            k.uaccess.write(a[1], struct.pack(f"<{len(groups)}I", *groups))
    return len(groups)


@syscall("setgroups")
def sys_setgroups(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    size = a[0] & 0xFFFF_FFFF
    if not t.cred.capable(CAP_SETGID):   # may_setgroups()
        return -errno.EPERM
    if size > NGROUPS_MAX:
        return -errno.EINVAL
    gids = struct.unpack(f"<{size}I", k.uaccess.read(a[1], 4 * size)) if size else ()
    if _INVALID in gids:                 # groups_from_user(): !gid_valid()
        return -errno.EINVAL
    return _apply(k, t, replace(t.cred, groups=tuple(sorted(gids))))   # groups_sort()


_LINUX_CAPABILITY_VERSION_1, _LINUX_CAPABILITY_VERSION_3 = 0x19980330, 0x20080522
_LINUX_CAPABILITY_VERSION_2 = 0x20071026


@syscall("capget")
def sys_capget(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    version, pid = struct.unpack("<Ii", k.uaccess.read(a[0], 8))
    words = {_LINUX_CAPABILITY_VERSION_1: 1, _LINUX_CAPABILITY_VERSION_2: 2,
             _LINUX_CAPABILITY_VERSION_3: 2}.get(version)
    if words is None:
        k.uaccess.write_u32(a[0], _LINUX_CAPABILITY_VERSION_3)   # the version to use
        return -errno.EINVAL
    if pid < 0 or pid and pid not in k.threads:
        return -errno.ESRCH if pid > 0 else -errno.EINVAL
    if a[1]:
        c = (k.threads[pid] if pid else t).cred
        data = b"".join(struct.pack("<III", (c.cap_effective >> (32 * i)) & 0xFFFF_FFFF,
                                    (c.cap_permitted >> (32 * i)) & 0xFFFF_FFFF,
                                    (c.cap_inheritable >> (32 * i)) & 0xFFFF_FFFF)
                        for i in range(words))
        k.uaccess.write(a[1], data)
    return 0
