"""AArch64 Linux syscall numbers: the user ABI table lives in abi.syscalls."""

from abi.syscalls import NUMBERS, SYSCALL_NAMES

__all__ = ["NUMBERS", "SYSCALL_NAMES"]
