"""fork.clone_valid: the clones Linux refuses by their arguments alone, and those it
makes (copy_clone_args_from_user(), clone3_args_valid(), clone3_stack_valid(),
kernel_clone(), copy_process())."""

from __future__ import annotations

import pytest

from abi.layout import NR_CLONE, NR_CLONE3
from guardian.clone_valid import CLONE_CLEAR_SIGHAND, clone_refusal

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
