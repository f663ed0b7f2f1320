"""Task credentials: the uid/gid sets, supplementary groups and capability sets.

Each thread holds its own ``Cred`` (struct cred is per task; a static glibc program changes
every thread itself through its SIGSETXID broadcast).  The set*id rules follow
kernel/sys.c, the capability fixups security/commoncap.c's cap_task_fix_setuid() and
cap_emulate_setxuid(), and commit_creds() (kernel/cred.c) resets the dumpable mode and
PR_SET_PDEATHSIG when euid, egid, fsuid or fsgid change.  A fork or clone copies the
caller's credentials (copy_creds()); execve keeps them, makes the saved and fs ids the
effective ones and recomputes the capability sets as for a file with no capabilities
(cap_bprm_creds_from_file()); setuid and setgid bits of the executed file are not honoured.

The model performs no file permission (DAC) checks: every file access is granted as it
would be to root, whatever the ids.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from kernel_model.errors import KernelError

if TYPE_CHECKING:
    from kernel_model.process import Thread

CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID = 0, 1, 2, 3, 4
CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_LINUX_IMMUTABLE, CAP_MKNOD = 5, 6, 7, 9, 27
CAP_MAC_OVERRIDE, CAP_LAST_CAP = 32, 40
#: Every capability up to CAP_CHECKPOINT_RESTORE (40).
CAP_FULL_SET = (1 << (CAP_LAST_CAP + 1)) - 1
#: CAP_FS_SET: the capabilities a change of fsuid from/to 0 drops or raises.
CAP_FS_SET = sum(1 << c for c in (CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
                                  CAP_FOWNER, CAP_FSETID, CAP_LINUX_IMMUTABLE, CAP_MKNOD,
                                  CAP_MAC_OVERRIDE))
NGROUPS_MAX = 65536
_INVALID = 0xFFFF_FFFF                   # (uid_t)-1: "leave it" / an invalid id


@dataclass(frozen=True)
class Cred:
    """struct cred: ids, groups (sorted, as groups_sort() keeps them) and capabilities."""

    uid: int = 0
    euid: int = 0
    suid: int = 0
    fsuid: int = 0
    gid: int = 0
    egid: int = 0
    sgid: int = 0
    fsgid: int = 0
    groups: tuple[int, ...] = ()
    cap_inheritable: int = 0
    cap_permitted: int = CAP_FULL_SET
    cap_effective: int = CAP_FULL_SET
    cap_bset: int = CAP_FULL_SET
    cap_ambient: int = 0

    def capable(self, cap: int) -> bool:
        return bool(self.cap_effective >> cap & 1)


def _u32(v: int) -> int:
    return v & 0xFFFF_FFFF


#: securebits (include/uapi/linux/securebits.h): SECURE_NO_SETUID_FIXUP, SECURE_KEEP_CAPS,
#: SECURE_KEEP_CAPS_LOCKED.  The model holds the launch's (KernelOptions.securebits);
#: PR_SET_SECUREBITS and PR_GET_SECUREBITS are not modelled (-EINVAL, unlike Linux).
SECURE_NO_SETUID_FIXUP, SECURE_KEEP_CAPS, SECURE_KEEP_CAPS_LOCKED = 1 << 2, 1 << 4, 1 << 5


def _emulate_setxuid(new: Cred, old: Cred, keep_caps: bool) -> Cred:
    """cap_emulate_setxuid(): leaving uid 0 in all three ids drops the capabilities."""
    if 0 in (old.uid, old.euid, old.suid) and 0 not in (new.uid, new.euid, new.suid):
        new = replace(new, cap_permitted=new.cap_permitted if keep_caps else 0,
                      cap_effective=0, cap_ambient=0)
    if old.euid == 0 and new.euid != 0:
        new = replace(new, cap_effective=0)
    if old.euid != 0 and new.euid == 0:
        new = replace(new, cap_effective=new.cap_permitted)
    return new


def _fix_fs(new: Cred, old: Cred) -> Cred:
    """cap_task_fix_setuid()'s LSM_SETID_FS case: CAP_FS_SET follows fsuid 0."""
    if old.fsuid == 0 and new.fsuid != 0:
        return replace(new, cap_effective=new.cap_effective & ~CAP_FS_SET)
    if old.fsuid != 0 and new.fsuid == 0:
        return replace(new, cap_effective=new.cap_effective
                       | (new.cap_permitted & CAP_FS_SET))
    return new


def commit_creds(t: Thread, new: Cred, suid_dumpable: int) -> None:
    """commit_creds(): install ``new``; a changed euid, egid, fsuid or fsgid (or wider
    permitted set) makes the mm's dumpable mode ``suid_dumpable`` (the kernel's
    fs.suid_dumpable, KernelOptions: fs/coredump.c's `int suid_dumpable`) and clears the
    pdeath signal."""
    old = t.cred
    if (old.euid, old.egid, old.fsuid, old.fsgid) != (new.euid, new.egid, new.fsuid, new.fsgid) \
            or new.cap_permitted & ~old.cap_permitted:
        t.process.dumpable = suid_dumpable
        t.pdeath_signal = 0
    t.cred = new


# -- the rules, on Cred values (each returns the new Cred or raises KernelError) ---------

def set_uid(old: Cred, uid: int, keep_caps: bool = False, fixup: bool = True) -> Cred:
    """__sys_setuid()."""
    uid = _u32(uid)
    if uid == _INVALID:
        raise KernelError(errno.EINVAL)
    if old.capable(CAP_SETUID):
        new = replace(old, uid=uid, suid=uid, euid=uid, fsuid=uid)
    elif uid in (old.uid, old.suid):
        new = replace(old, euid=uid, fsuid=uid)
    else:
        raise KernelError(errno.EPERM)
    return _emulate_setxuid(new, old, keep_caps) if fixup else new


def set_reuid(old: Cred, ruid: int, euid: int, keep_caps: bool = False,
              fixup: bool = True) -> Cred:
    """__sys_setreuid()."""
    ruid, euid = _u32(ruid), _u32(euid)
    cap = old.capable(CAP_SETUID)
    new = old
    if ruid != _INVALID:
        if ruid not in (old.uid, old.euid) and not cap:
            raise KernelError(errno.EPERM)
        new = replace(new, uid=ruid)
    if euid != _INVALID:
        if euid not in (old.uid, old.euid, old.suid) and not cap:
            raise KernelError(errno.EPERM)
        new = replace(new, euid=euid)
    if ruid != _INVALID or (euid != _INVALID and euid != old.uid):
        new = replace(new, suid=new.euid)
    new = replace(new, fsuid=new.euid)
    return _emulate_setxuid(new, old, keep_caps) if fixup else new


def set_resuid(old: Cred, ruid: int, euid: int, suid: int, keep_caps: bool = False,
               fixup: bool = True) -> Cred:
    """__sys_setresuid()."""
    ids = [_u32(ruid), _u32(euid), _u32(suid)]
    # "No change": returns before any check, keeping an fsuid set apart
    if _no_change(ids, (old.uid, old.euid, old.suid), old.fsuid):
        return old
    if not old.capable(CAP_SETUID):
        for v in ids:
            if v != _INVALID and v not in (old.uid, old.euid, old.suid):
                raise KernelError(errno.EPERM)
    r, e, s = (v if v != _INVALID else o for v, o in zip(ids, (old.uid, old.euid, old.suid), strict=True))
    new = replace(old, uid=r, euid=e, suid=s, fsuid=e)
    return _emulate_setxuid(new, old, keep_caps) if fixup else new


def _no_change(ids: list[int], olds: tuple[int, int, int], fs: int) -> bool:
    """__sys_setresuid()/__sys_setresgid(): each id -1 or the old one (the effective one
    also the fs id) returns 0 before commit_creds()."""
    r, e, s = ids
    return (r in (_INVALID, olds[0]) and (e == _INVALID or e == olds[1] == fs)
            and s in (_INVALID, olds[2]))


def set_fsuid(old: Cred, uid: int) -> Cred:
    """__sys_setfsuid(): the caller answers old.fsuid whatever this returns."""
    uid = _u32(uid)
    if uid == _INVALID:
        return old
    if uid in (old.uid, old.euid, old.suid, old.fsuid) or old.capable(CAP_SETUID):
        return _fix_fs(replace(old, fsuid=uid), old)
    return old


def set_gid(old: Cred, gid: int) -> Cred:
    """__sys_setgid()."""
    gid = _u32(gid)
    if gid == _INVALID:
        raise KernelError(errno.EINVAL)
    if old.capable(CAP_SETGID):
        return replace(old, gid=gid, sgid=gid, egid=gid, fsgid=gid)
    if gid in (old.gid, old.sgid):
        return replace(old, egid=gid, fsgid=gid)
    raise KernelError(errno.EPERM)


def set_regid(old: Cred, rgid: int, egid: int) -> Cred:
    """__sys_setregid()."""
    rgid, egid = _u32(rgid), _u32(egid)
    cap = old.capable(CAP_SETGID)
    new = old
    if rgid != _INVALID:
        if rgid not in (old.gid, old.egid) and not cap:
            raise KernelError(errno.EPERM)
        new = replace(new, gid=rgid)
    if egid != _INVALID:
        if egid not in (old.gid, old.egid, old.sgid) and not cap:
            raise KernelError(errno.EPERM)
        new = replace(new, egid=egid)
    if rgid != _INVALID or (egid != _INVALID and egid != old.gid):
        new = replace(new, sgid=new.egid)
    return replace(new, fsgid=new.egid)


def set_resgid(old: Cred, rgid: int, egid: int, sgid: int) -> Cred:
    """__sys_setresgid()."""
    ids = [_u32(rgid), _u32(egid), _u32(sgid)]
    if _no_change(ids, (old.gid, old.egid, old.sgid), old.fsgid):
        return old
    if not old.capable(CAP_SETGID):
        for v in ids:
            if v != _INVALID and v not in (old.gid, old.egid, old.sgid):
                raise KernelError(errno.EPERM)
    r, e, s = (v if v != _INVALID else o for v, o in zip(ids, (old.gid, old.egid, old.sgid), strict=True))
    return replace(old, gid=r, egid=e, sgid=s, fsgid=e)


def set_fsgid(old: Cred, gid: int) -> Cred:
    """__sys_setfsgid()."""
    gid = _u32(gid)
    if gid != _INVALID and (gid in (old.gid, old.egid, old.sgid, old.fsgid)
                            or old.capable(CAP_SETGID)):
        return replace(old, fsgid=gid)
    return old


def exec_creds(old: Cred) -> Cred:
    """What execve installs: cap_bprm_creds_from_file() for a file without capabilities
    (root's handle_privileged_root(); no set-id bits honoured); saved and fs ids follow
    the effective ones."""
    if 0 in (old.uid, old.euid):
        prm = old.cap_bset | old.cap_inheritable
    else:
        prm = old.cap_ambient
    eff = prm if old.euid == 0 else old.cap_ambient
    return replace(old, suid=old.euid, fsuid=old.euid, sgid=old.egid, fsgid=old.egid,
                   cap_permitted=prm, cap_effective=eff)


def kill_ok_by_cred(sender: Cred, target: Cred) -> bool:
    """kill_ok_by_cred(): a real or effective uid matching the target's real or saved
    uid, or CAP_KILL."""
    return bool({sender.euid, sender.uid} & {target.suid, target.uid}) \
        or sender.capable(CAP_KILL)


def secure_exec(new: Cred) -> bool:
    """bprm->secureexec for a file without set-id bits or capabilities
    (cap_bprm_creds_from_file()): the effective ids differ from the real ones."""
    return new.euid != new.uid or new.egid != new.gid


def status_lines(c: Cred) -> tuple[str, str, str]:
    """/proc/PID/status's Uid/Gid lines, its Groups line and CapInh..CapAmb."""
    ids = (f"Uid:\t{c.uid}\t{c.euid}\t{c.suid}\t{c.fsuid}\n"
           f"Gid:\t{c.gid}\t{c.egid}\t{c.sgid}\t{c.fsgid}\n")
    # proc_pid_status(): the ids space-separated, then a trailing space even when none
    groups = "Groups:\t" + " ".join(str(g) for g in c.groups) + " \n"
    caps = (f"CapInh:\t{c.cap_inheritable:016x}\nCapPrm:\t{c.cap_permitted:016x}\n"
            f"CapEff:\t{c.cap_effective:016x}\nCapBnd:\t{c.cap_bset:016x}\n"
            f"CapAmb:\t{c.cap_ambient:016x}\n")
    return ids, groups, caps
