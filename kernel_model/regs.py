"""Register numbers (Unicorn ids) the kernel model reads from a trapped context."""

from __future__ import annotations

from kernel_model.mm import FaultResult

X0_REG = 199          # UC_ARM64_REG_X0
SLOT_REG = 215        # UC_ARM64_REG_X16: the Guardian's slot id for a confidential entry
_FAULT_NAMES = {FaultResult.OK: "ok", FaultResult.SEGV_MAPERR: "maperr",
                FaultResult.SEGV_ACCERR: "accerr", FaultResult.OOM: "oom"}
CTX_PC_REG = 260      # UC_ARM64_REG_PC
FAST_SLICE_EXCEPTIONS = 256   # fast timing: exceptions before a contended thread yields
