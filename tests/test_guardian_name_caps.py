"""guardian/capabilities.py grants the kernel every name argument (a `const char __user *`
of the call's SYSCALL_DEFINEn) of each call the kernel model answers: without it the
kernel cannot read the name and answers -EFAULT where Linux answers."""

from __future__ import annotations

from abi.syscalls import NUMBERS
from guardian.capabilities import CAP_TABLE
from kernel_model.syscalls import SYSCALLS

#: call -> the arguments that are names (asm-generic table, include/linux/syscalls.h)
NAME_ARGS: dict[str, tuple[int, ...]] = {
    "setxattr": (0, 1), "lsetxattr": (0, 1), "fsetxattr": (1,), "getxattr": (0, 1),
    "lgetxattr": (0, 1), "fgetxattr": (1,), "listxattr": (0,), "llistxattr": (0,),
    "removexattr": (0, 1), "lremovexattr": (0, 1), "fremovexattr": (1,),
    "inotify_add_watch": (1,), "mknodat": (1,), "mkdirat": (1,), "unlinkat": (1,),
    "symlinkat": (0, 2), "linkat": (1, 3), "renameat": (1, 3), "renameat2": (1, 3),
    "umount2": (0,), "mount": (0, 1, 2), "pivot_root": (0, 1), "statfs": (0,),
    "truncate": (0,), "faccessat": (1,), "faccessat2": (1,), "chdir": (0,), "chroot": (0,),
    "fchmodat": (1,), "fchmodat2": (1,), "fchownat": (1,), "openat": (1,), "openat2": (1,),
    "readlinkat": (1,), "newfstatat": (1,), "statx": (1,), "utimensat": (1,),
    "acct": (0,), "execve": (0,), "execveat": (1,), "swapon": (0,), "swapoff": (0,),
    "mq_open": (0,), "mq_unlink": (0,), "memfd_create": (0,), "name_to_handle_at": (1,),
    "open_tree": (1,), "move_mount": (1, 3), "fsopen": (0,), "fspick": (1,),
    "mount_setattr": (1,), "init_module": (2,), "finit_module": (1,), "delete_module": (0,),
    "quotactl": (1,), "fanotify_mark": (4,),
}


def test_every_name_the_kernel_model_reads_is_granted() -> None:
    served = SYSCALLS.numbers()
    missing = []
    for name, args in NAME_ARGS.items():
        if NUMBERS.get(name) not in served:
            continue
        rules = CAP_TABLE.get(name, ())
        granted = {r.arg for r in rules if r.kind in ("cstr", "strlist")}
        special = {r.arg for r in rules if r.kind not in ("buf",)}
        missing += [(name, i) for i in args if i not in granted | special]
    assert not missing, missing


def test_fchownat_name_is_granted() -> None:
    assert any(r.arg == 1 and r.kind == "cstr" for r in CAP_TABLE["fchownat"])
