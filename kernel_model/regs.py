"""Register ids the kernel model reads from a trapped context, and its scheduling knob."""

from __future__ import annotations

from unicorn.arm64_const import UC_ARM64_REG_PC as CTX_PC_REG
from unicorn.arm64_const import UC_ARM64_REG_X0 as X0_REG
from unicorn.arm64_const import UC_ARM64_REG_X28

from abi.layout import SLOT_REGISTER

#: The register carrying the Guardian's slot id (Unicorn numbers x0-x28 consecutively).
SLOT_REG = X0_REG + SLOT_REGISTER
assert SLOT_REGISTER <= 28 and X0_REG + 28 == UC_ARM64_REG_X28

FAST_SLICE_EXCEPTIONS = 256   # fast timing: exceptions before a contended thread yields

__all__ = ["CTX_PC_REG", "FAST_SLICE_EXCEPTIONS", "SLOT_REG", "X0_REG"]
