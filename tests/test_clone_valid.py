"""fork.clone_valid: the clones Linux refuses by their arguments alone, and those it
makes (copy_clone_args_from_user(), clone3_args_valid(), clone3_stack_valid(),
kernel_clone(), copy_process())."""

from __future__ import annotations

import pytest

from abi.layout import NR_CLONE, NR_CLONE3
from guardian.clone_valid import (
    CLONE_CLEAR_SIGHAND,
    CLONE_INTO_CGROUP,
    clone3_struct_refusal,
    clone_refusal,
)

SIGCHLD, VM, FS, SIGHAND, THREAD, VFORK = 17, 0x100, 0x200, 0x800, 0x10000, 0x4000
NEWNS, PIDFD, PARENT_SETTID, SETTLS = 0x20000, 0x1000, 0x100000, 0x80000
THREAD_FLAGS = VM | FS | 0x400 | SIGHAND | THREAD | 0x40000 | SETTLS | PARENT_SETTID | 0x200000


@pytest.mark.parametrize("flags", [SIGCHLD, VM | VFORK | SIGCHLD, THREAD_FLAGS,
                                   SIGCHLD | (1 << 40) | 65 - SIGCHLD])
def test_clones_linux_makes(flags: int) -> None:
    assert clone_refusal(NR_CLONE, flags) is None


@pytest.mark.parametrize("flags", [SIGHAND | SIGCHLD, NEWNS | FS | SIGCHLD, THREAD | VM,
                                   PIDFD | PARENT_SETTID | SIGCHLD])
def test_clones_linux_refuses(flags: int) -> None:
    assert clone_refusal(NR_CLONE, flags) is not None


def test_clone3() -> None:
    ok = {"usize": 88, "exit_signal": SIGCHLD}
    assert clone_refusal(NR_CLONE3, 0, **ok) is None
    assert clone_refusal(NR_CLONE3, CLONE_CLEAR_SIGHAND, **ok) is None
    assert clone_refusal(NR_CLONE3, THREAD_FLAGS, 88) is None
    assert clone_refusal(NR_CLONE3, 0, 88, SIGCHLD, 0x1000, 0x1000) is None
    assert clone_refusal(NR_CLONE3, 0, 88, 64) is None
    assert clone_refusal(NR_CLONE3, 0, 88, 65)                              # valid_signal()
    assert clone_refusal(NR_CLONE3, 0, 63, SIGCHLD)                         # VER0
    assert clone_refusal(NR_CLONE3, 0, 4097, SIGCHLD)                       # -E2BIG
    assert clone_refusal(NR_CLONE3, SIGCHLD, 88)                            # CSIGNAL bits
    assert clone_refusal(NR_CLONE3, 1 << 40, 88)                            # unknown flag
    assert clone_refusal(NR_CLONE3, SIGHAND | VM | CLONE_CLEAR_SIGHAND, 88)
    assert clone_refusal(NR_CLONE3, THREAD_FLAGS, 88, SIGCHLD)              # exit_signal
    assert clone_refusal(NR_CLONE3, 0, 88, SIGCHLD, 0x1000, 0)              # stack, no size
    assert clone_refusal(NR_CLONE3, 0, 88, SIGCHLD, 0, 0x1000)              # size, no stack
    assert clone_refusal(NR_CLONE3, PIDFD | PARENT_SETTID, 88, SIGCHLD, pidfd=8, parent_tid=8)
    assert clone_refusal(NR_CLONE3, PIDFD | PARENT_SETTID, 88, SIGCHLD, pidfd=8,
                         parent_tid=16) is None


def test_newipc_with_sysvsem() -> None:
    # copy_namespaces(): -EPERM without CAP_SYS_ADMIN, -EINVAL with it
    assert clone_refusal(NR_CLONE, 0x0800_0000 | 0x40000 | SIGCHLD)
    assert clone_refusal(NR_CLONE3, 0x0800_0000 | 0x40000, 88, SIGCHLD)
    assert clone_refusal(NR_CLONE, 0x0800_0000 | SIGCHLD) is None


def _struct(usize: int = 88, tail: bytes | None = None, flags: int = 0, set_tid: int = 0,
            size: int = 0, cgroup: int = 0, tids: list[int] | None = None, stack: int = 0,
            stack_size: int = 0) -> str | None:
    return clone3_struct_refusal(usize, tail, flags, set_tid, size, cgroup,
                                 [] if tids is None and not set_tid else tids, stack,
                                 stack_size)


def test_clone3_struct_linux_takes() -> None:
    assert _struct() is None
    assert _struct(4096, bytes(4096 - 88)) is None                    # a zero tail
    assert _struct(flags=CLONE_INTO_CGROUP, cgroup=0x7FFF_FFFF) is None
    assert _struct(set_tid=0x1000, size=1, tids=[42]) is None
    assert _struct(set_tid=0x1000, size=2, tids=[1, 42]) is None
    assert _struct(stack=0x7FFF_0000, stack_size=0x1_0000) is None
    assert _struct(stack=(1 << 52) - 0x1000, stack_size=0x1000) is None


def test_clone3_struct_linux_refuses() -> None:
    assert _struct(96, b"\0" * 7 + b"\1")                                # -E2BIG
    assert _struct(80, flags=CLONE_INTO_CGROUP)                          # no cgroup field
    assert _struct(flags=CLONE_INTO_CGROUP, cgroup=1 << 31)              # past INT_MAX
    assert _struct(size=1)                                               # no array
    assert _struct(set_tid=0x1000, size=0)                               # no size
    assert _struct(set_tid=0x1000, size=33, tids=[])                     # MAX_PID_NS_LEVEL
    assert _struct(set_tid=0x10, size=1, tids=None)                      # -EFAULT
    assert _struct(set_tid=0x1000, size=1, tids=[0])                     # alloc_pid()
    assert _struct(set_tid=0x1000, size=1, tids=[-5])
    assert _struct(stack=0x00F0_0000_0000_0000, stack_size=0x1000)       # access_ok()
    assert _struct(stack=0x1000, stack_size=0x00F0_0000_0000_0000)


def test_pidfd_word_in_no_area_is_refused_only_where_known() -> None:
    """copy_process(): put_user(pidfd, args->pidfd) into no area is -EFAULT, no child;
    not judged without the list or while another thread may be mapping."""
    from guardian.clone_args import pidfd_word_unmapped
    from guardian.slots import Space

    space = Space(areas=[(0x400000, 0x401000)])
    assert pidfd_word_unmapped(space, False, PIDFD, 0x10, PIDFD) is not None
    assert pidfd_word_unmapped(space, False, PIDFD, 0x400ffc, PIDFD) is None
    # access_ok() untags a tagged word under TIF_TAGGED_ADDR (else refuses it)
    assert pidfd_word_unmapped(space, False, PIDFD, 0x5A << 56 | 0x400ffc, PIDFD) is None
    assert pidfd_word_unmapped(space, False, PIDFD, 0x5A << 56 | 0x10, PIDFD) is not None
    assert pidfd_word_unmapped(space, False, PIDFD, 0x400ffe, PIDFD) is not None
    assert pidfd_word_unmapped(space, True, PIDFD, 0x10, PIDFD) is None
    assert pidfd_word_unmapped(None, False, PIDFD, 0x10, PIDFD) is None
    assert pidfd_word_unmapped(space, False, SIGCHLD, 0x10, PIDFD) is None


def test_pidfd_word_below_the_stack_is_reached_by_stack_growth() -> None:
    """put_user() below the stack's VMA faults and expand_stack() grows it
    (lock_mm_and_find_vma()): Linux makes the child."""
    from guardian.clone_args import pidfd_word_unmapped
    from guardian.slots import Space

    space = Space(areas=[(0x400000, 0x401000), (0x7FF000, 0x800000)])
    space.stack = (0x7F0000, 0x800000)
    assert pidfd_word_unmapped(space, False, PIDFD, 0x7EFFF0, PIDFD) is None
    assert pidfd_word_unmapped(space, False, PIDFD, 0x7F8000, PIDFD) is None
    assert pidfd_word_unmapped(space, False, PIDFD, 0x401000, PIDFD) is not None


def test_open_below_follows_close_and_copies() -> None:
    """FileTable.open_below: copied with the table (dup_fd() copies every descriptor)."""
    from guardian.open_files import FileTable

    table = FileTable(open_below=3)
    assert table.copy().open_below == 3
    assert FileTable().open_below == 0
