"""Namespaces on this machine: a Linux whose `user.max_*_namespaces` sysctls are all 0.

The model keeps one of each namespace (mount, UTS, IPC, network, PID, cgroup, time, user),
so a call that would make a new one fails where such a Linux fails it: its count
(inc_user_namespaces(), inc_mnt_namespaces(), inc_uts_namespaces(), ...: -ENOSPC), after
the CAP_SYS_ADMIN test every namespace but a user namespace needs first (-EPERM).  unshare()
(syscalls/unshare.py), clone() and clone3() (syscalls/proc.py) answer alike.
"""

from __future__ import annotations

import errno

from kernel_model.credentials import Cred

CLONE_NEWTIME, CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x80, 0x20000, 0x2000000, 0x4000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = (0x8000000, 0x10000000, 0x20000000,
                                                           0x40000000)
#: The namespaces an nsproxy holds (a user namespace hangs off the credentials instead).
NSPROXY_FLAGS = (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID
                 | CLONE_NEWCGROUP | CLONE_NEWTIME)
CLONE_SYSVSEM = 0x40000
CAP_SYS_ADMIN = 21


def namespace_error(flags: int, cred: Cred, clone: bool = False) -> int:
    """The errno of a call asking for the new namespaces in `flags` (0: it asks none).  A user
    namespace is made first and fails its count (copy_creds() or unshare_userns() ->
    create_user_ns(): -ENOSPC); the others need CAP_SYS_ADMIN (copy_namespaces(),
    unshare_nsproxy_namespaces(): -EPERM), then fail their counts.  A clone's CLONE_NEWIPC
    with CLONE_SYSVSEM is -EINVAL after the capability test (copy_namespaces(): a new IPC
    namespace cannot share the semaphore undo list; unshare's CLONE_SYSVSEM detaches it)."""
    if flags & CLONE_NEWUSER:
        return errno.ENOSPC
    if flags & NSPROXY_FLAGS:
        if not cred.capable(CAP_SYS_ADMIN):
            return errno.EPERM
        both = CLONE_NEWIPC | CLONE_SYSVSEM
        return errno.EINVAL if clone and flags & both == both else errno.ENOSPC
    return 0
