"""A confidential thread's registers left in the core while the kernel runs (Cpu.hold_user)
are exactly as private as saved and scrubbed ones: whatever the kernel reads through its EL1
face is only what it is owed (the call's argument registers and number, the slot, the
return address) or zero, and whatever it writes -- through the view or through anything
that moves the registers out of the core first -- never reaches the thread, which gets
back its whole register file with only x0 set to the result."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from unicorn import arm64_const as A

from abi import Call, Status
from abi.layout import SLOT_REGISTER, SVC_NR_REGISTER
from abi.syscalls import NUMBERS
from emulator import sysregs as S
from emulator.el1 import El1
from emulator.exceptions import ExceptionInfo, VectorTable
from emulator.fastuc import (
    CTX_FPCR,
    CTX_FPSR,
    CTX_NZCV,
    CTX_PC,
    CTX_Q0,
    CTX_SP,
    CTX_TPIDR,
    UserContext,
)
from tests.test_secure_mm import Scene, build_translating

KERNEL_VBAR = 0xFFFF_0000_0010_0000
SVC64_ESR = 0x15 << 26
ELR = 0x40_0104
NR = NUMBERS["socket"]                # takes x0-x2
ARITY = 3
RESULT = 0x77
JUNK = 0x4141_4141_4141_0000
X = [A.UC_ARM64_REG_X0 + i for i in range(29)] + [A.UC_ARM64_REG_X29, A.UC_ARM64_REG_X30]
FPCR, FPSR = 0x0140_0000, 0x0800_0011          # FZ + RMode 01; QC + IOC + IXC


def _user_context() -> UserContext:
    """Every register of the thread holds a value of its own (the secrets)."""
    ctx = UserContext()
    for i in range(31):
        ctx.set(i, 0x5EC0_0000_0000_0000 | (i << 8) | 0x5A)
    # (the arguments a socket() Linux may answer with a descriptor: AF_UNIX, SOCK_STREAM,
    # 0; junk type flags fail __sys_socket()'s first test, return.maker_args)
    for i, arg in enumerate((1, 1, 0)):
        ctx.set(i, arg)
    ctx.set(SVC_NR_REGISTER, NR)
    ctx.set(CTX_SP, 0x5EC0_7FFF_FFFF_E000)
    ctx.set(CTX_PC, ELR)
    ctx.set(CTX_NZCV, 0xA000_0000)
    ctx.set(CTX_TPIDR, 0x5EC0_0000_7157_0000)
    ctx.set(CTX_FPCR, FPCR)
    ctx.set(CTX_FPSR, FPSR)
    for i in range(32):
        ctx.set(CTX_Q0 + i, (0x5EC1_0000_0000_0000 | i) << 64 | 0x5EC2_0000_0000_0000 | i)
    return ctx


def _owed(ctx: UserContext, slot: int) -> list[int]:
    """x0-x30 as the kernel may see them: the arguments the call takes, its number, the slot."""
    view = [0] * 31
    for i in range(ARITY):
        view[i] = ctx.get(i)
    view[SVC_NR_REGISTER] = NR
    view[SLOT_REGISTER] = slot
    return view


def _reads(face: El1) -> list[int]:
    """Everything of the register file the kernel can read."""
    seen = [face.reg(r) for r in X] + face.syscall_args() + [face.reg(A.UC_ARM64_REG_PC)]
    ctx = face.save_context(face.new_context())
    seen += [ctx.get(i) for i in range(CTX_Q0 + 32)]
    seen += list(face.gprs())
    seen += [face.reg(r) for r in (A.UC_ARM64_REG_SP, A.UC_ARM64_REG_NZCV, A.UC_ARM64_REG_TPIDR_EL0,
                                   A.UC_ARM64_REG_FPCR, A.UC_ARM64_REG_FPSR)]
    seen.append(face.mrs(S.SP_EL0))
    return seen


def _write_x(face: El1) -> None:
    for i, r in enumerate(X):
        face.set_reg(r, JUNK | i)
    face.set_result(JUNK)
    face.set_reg(A.UC_ARM64_REG_PC, JUNK)


def _write_rest(face: El1) -> None:
    face.set_reg(A.UC_ARM64_REG_SP, JUNK)
    face.set_reg(A.UC_ARM64_REG_NZCV, 0x5000_0000)
    face.set_reg(A.UC_ARM64_REG_TPIDR_EL0, JUNK)
    face.set_reg(A.UC_ARM64_REG_FPCR, 0x0280_0000)
    face.set_reg(A.UC_ARM64_REG_FPSR, 0x4)


def _load_context(face: El1) -> None:
    ctx = face.new_context()
    for i in range(CTX_Q0 + 32):
        ctx.set(i, JUNK | i)
    ctx.set(CTX_FPCR, 0x0280_0000)
    ctx.set(CTX_FPSR, 0x4)
    ctx.set(CTX_NZCV, 0x5000_0000)
    face.restore_context(ctx)


def _sp_el0(face: El1) -> None:
    face.msr(S.SP_EL0, JUNK)


KERNEL_ACTS: dict[str, Callable[[El1], object]] = {
    "nothing": lambda face: None,
    "reads the view": lambda face: (face.reg(X[5]), face.syscall_args()),
    "writes x0-x30 and the PC": _write_x,
    "writes the other registers": _write_rest,
    "loads a context of its own": _load_context,
    "writes SP_EL0": _sp_el0,
    "drops to EL0t": lambda face: face.enter_el0(),
    "reads everything": _reads,
}


@pytest.fixture
def s() -> Scene:
    return build_translating()


@pytest.mark.parametrize("inside", [True, False], ids=["in the vector", "after it"])
@pytest.mark.parametrize("act", list(KERNEL_ACTS))
def test_the_kernel_sees_what_it_is_owed_and_changes_nothing_but_x0(
        s: Scene, act: str, inside: bool) -> None:
    cpu = s.hw.cpus[0]
    face = s.hw.el1(0)
    user = _user_context()
    cpu.restore_context(user)
    seen: list[list[int]] = []
    slots: list[int] = []

    def kernel(_cpu: object, _info: ExceptionInfo) -> None:
        slot = face.reg(X[SLOT_REGISTER])
        slots.append(slot)
        before = _reads(face) if act == "reads everything" else []
        seen.append(before)
        if inside:
            KERNEL_ACTS[act](face)
            assert face.hvc(Call.RESUME, slot, RESULT, ELR) == (Status.OK, 0)

    s.hw.vectors.register(KERNEL_VBAR, VectorTable("kernel", {0x400: kernel}))
    s.g.conf.kernel_view.kernel_vbar = KERNEL_VBAR
    s.g.conf.entry.enter(cpu, ExceptionInfo(0x400, SVC64_ESR, 0, ELR, 0, 0))
    (slot,) = slots
    if not inside:
        first = _reads(face)      # the view stays the same after the vector returns
        KERNEL_ACTS[act](face)
        assert face.hvc(Call.RESUME, slot, RESULT, ELR) == (Status.OK, 0)
        seen.append(first)

    owed = _owed(user, slot)
    allowed = set(owed) | {0, ELR}
    for values in seen:
        leaked = {hex(v) for v in values} - {hex(v) for v in allowed}
        assert not leaked, f"the kernel read {sorted(leaked)}"
    if act == "reads everything":
        # Exactly the owed view, in every form the face offers.
        assert seen[0][:31] == owed and seen[0][31:41] == owed[:9] + [ELR]

    # The thread resumes with its own registers; only x0 is the kernel's (the result).
    want = user.copy()
    want.set(0, RESULT)
    have = cpu.save_context(UserContext())
    diff = [i for i in range(CTX_Q0 + 32) if have.get(i) != want.get(i)]
    assert not diff, f"registers changed: {[(i, hex(have.get(i)), hex(want.get(i))) for i in diff]}"


def test_a_slot_whose_registers_left_the_core_is_restored_from_its_saved_context(s: Scene) -> None:
    """Once anything needs the registers as a context (here the Guardian itself), they
    leave the core; the kernel's view is then what the core holds, and the return
    restores the saved context in full."""
    cpu = s.hw.cpus[0]
    face = s.hw.el1(0)
    user = _user_context()
    cpu.restore_context(user)
    s.hw.vectors.register(KERNEL_VBAR, VectorTable("kernel", {0x400: lambda c, i: None}))
    s.g.conf.kernel_view.kernel_vbar = KERNEL_VBAR
    s.g.conf.entry.enter(cpu, ExceptionInfo(0x400, SVC64_ESR, 0, ELR, 0, 0))
    slot_id = face.reg(X[SLOT_REGISTER])
    slot = s.g.conf.registry.slots[slot_id]
    assert slot.saved is None and cpu.holds(slot)
    assert slot.ctx.get(CTX_TPIDR) == user.get(CTX_TPIDR)       # moved out of the core
    assert slot.saved is not None and not cpu.holds(slot)
    assert cpu.reg(A.UC_ARM64_REG_TPIDR_EL0) == 0 and cpu.live.x[5] == 0
    assert [cpu.live.x[i] for i in range(31)] == _owed(user, slot_id)
    assert face.hvc(Call.RESUME, slot_id, RESULT, ELR) == (Status.OK, 0)
    want = user.copy()
    want.set(0, RESULT)
    have = cpu.save_context(UserContext())
    assert [have.get(i) for i in range(CTX_Q0 + 32)] == [want.get(i) for i in range(CTX_Q0 + 32)]
