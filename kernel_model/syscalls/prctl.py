"""prctl(2): the per-thread and per-process switches programs set and read back.

Each option follows kernel/sys.c's SYSCALL_DEFINE5(prctl): its argument checks, what it
stores, and what the matching PR_GET_* answers (as a result or written to *arg2).
"""

from __future__ import annotations

import errno
from dataclasses import replace
from typing import TYPE_CHECKING

from kernel_model.credentials import SECURE_KEEP_CAPS_LOCKED
from kernel_model.errors import KernelError
from kernel_model.syscalls import s32, syscall

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel
    from kernel_model.process import Thread

PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_GET_DUMPABLE, PR_SET_DUMPABLE = 1, 2, 3, 4
PR_GET_KEEPCAPS, PR_SET_KEEPCAPS, PR_SET_NAME, PR_GET_NAME = 7, 8, 15, 16
PR_CAPBSET_READ, PR_SET_TIMERSLACK, PR_GET_TIMERSLACK = 23, 29, 30
PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 36, 37
PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_GET_TID_ADDRESS = 38, 39, 40
PR_SET_THP_DISABLE, PR_GET_THP_DISABLE = 41, 42
PR_SET_MEMORY_MERGE, PR_GET_MEMORY_MERGE = 67, 68
_NSIG = 64
_CAP_LAST_CAP = 40                     # CAP_CHECKPOINT_RESTORE
#: A task's default timer slack (init_task.timer_slack_ns): 50 us.
DEFAULT_TIMER_SLACK_NS = 50_000


def _write_int(k: Kernel, addr: int, value: int) -> int:
    k.uaccess.write_u32(addr, value & 0xFFFF_FFFF)
    return 0


@syscall("prctl")
def sys_prctl(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    option, proc = s32(a[0]), t.process
    if option == PR_SET_NAME:            # the first 15 bytes of the string
        t.comm = k.uaccess.read_cstring(a[1])[:15]
        return 0
    if option == PR_GET_NAME:            # the name, NUL-padded to TASK_COMM_LEN
        name = t.comm or proc.exe.rsplit("/", 1)[-1].encode()[:15]
        k.uaccess.write(a[1], name.ljust(16, b"\0"))
        return 0
    if option == PR_SET_PDEATHSIG:       # valid_signal(): 0..64, kept per thread
        if a[1] > _NSIG:
            return -errno.EINVAL
        t.pdeath_signal = a[1]
        return 0
    if option == PR_GET_PDEATHSIG:
        return _write_int(k, a[1], t.pdeath_signal)
    if option == PR_GET_DUMPABLE:
        return proc.dumpable
    if option == PR_SET_DUMPABLE:        # SUID_DUMP_DISABLE or SUID_DUMP_USER only
        if a[1] not in (0, 1):
            return -errno.EINVAL
        proc.dumpable = a[1]
        return 0
    if option == PR_GET_KEEPCAPS:
        return int(t.keep_caps)
    if option == PR_SET_KEEPCAPS:
        if a[1] not in (0, 1):
            return -errno.EINVAL
        if t.securebits & SECURE_KEEP_CAPS_LOCKED:      # (cap_task_prctl(): a launch's lock)
            return -errno.EPERM
        t.keep_caps = bool(a[1])
        return 0
    if option == PR_CAPBSET_READ:        # cap_valid(): then the thread's bounding set
        return t.cred.cap_bset >> a[1] & 1 if a[1] <= _CAP_LAST_CAP else -errno.EINVAL
    if option == PR_SET_TIMERSLACK:      # 0 restores the thread's default
        t.timer_slack_ns = a[1] or t.default_timer_slack_ns
        return 0
    if option == PR_GET_TIMERSLACK:
        return t.timer_slack_ns
    if option == PR_SET_CHILD_SUBREAPER:
        proc.child_subreaper = bool(a[1])
        return 0
    if option == PR_GET_CHILD_SUBREAPER:
        return _write_int(k, a[1], int(proc.child_subreaper))
    if option == PR_SET_NO_NEW_PRIVS:    # only 1, the rest 0; never unset
        if a[1] != 1 or a[2] or a[3] or a[4]:
            return -errno.EINVAL
        t.no_new_privs = True
        return 0
    if option == PR_GET_NO_NEW_PRIVS:
        return -errno.EINVAL if a[1] or a[2] or a[3] or a[4] else int(t.no_new_privs)
    if option == PR_GET_TID_ADDRESS:     # the clear_child_tid word's address
        k.uaccess.write_u64(a[1], t.clear_child_tid)
        return 0
    if option == PR_SET_THP_DISABLE:     # arg3..arg5 must be 0
        if a[2] or a[3] or a[4]:
            return -errno.EINVAL
        proc.thp_disabled = bool(a[1])
        return 0
    if option == PR_GET_THP_DISABLE:
        if a[1] or a[2] or a[3] or a[4]:
            return -errno.EINVAL
        return int(proc.thp_disabled)
    if option == PR_SET_MEMORY_MERGE:    # MMF_VM_MERGE_ANY; arg3..arg5 must be 0
        if a[2] or a[3] or a[4]:
            return -errno.EINVAL
        mm = proc.mm
        mm.merge_any = bool(a[1])
        if not a[1]:
            # ksm_disable_merge_any() -> ksm_del_vmas(): VM_MERGEABLE off every area too
            for vma in mm.vmas:
                if vma.mergeable:
                    mm.vmas.replace(vma, replace(vma, mergeable=False))
        return 0
    if option == PR_GET_MEMORY_MERGE:    # arg2..arg5 must be 0
        if a[1] or a[2] or a[3] or a[4]:
            return -errno.EINVAL
        return int(proc.mm.merge_any)
    raise KernelError(errno.EINVAL)
