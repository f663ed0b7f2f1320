"""Register ids the kernel model reads from a trapped context, and its scheduling knob."""

from __future__ import annotations

from unicorn.arm64_const import UC_ARM64_REG_PC as CTX_PC_REG
from unicorn.arm64_const import UC_ARM64_REG_X0 as X0_REG
from unicorn.arm64_const import UC_ARM64_REG_X16 as SLOT_REG  # the Guardian's slot id

FAST_SLICE_EXCEPTIONS = 256   # fast timing: exceptions before a contended thread yields

__all__ = ["CTX_PC_REG", "FAST_SLICE_EXCEPTIONS", "SLOT_REG", "X0_REG"]
