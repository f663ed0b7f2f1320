"""The Guardian's hot paths keep their guarantees: what the kernel sees at a syscall of a
confidential thread (read through its EL1 face, whether the thread's registers are still
in the core or already saved), and the one-walk lookup of an entry's tree and address
that SET_PT uses."""

from __future__ import annotations

from typing import Any

import pytest
from unicorn import arm64_const as A

from abi.layout import SLOT_REGISTER, SVC_NR_REGISTER
from abi.syscalls import SYSCALL_ARITY
from cli.session import run_program
from emulator.fastuc import CTX_FPCR, CTX_FPSR, CTX_NZCV, CTX_PC, CTX_Q0, CTX_SP, CTX_TPIDR
from guardian.page_tables import PageTables
from kernel_model.traps import TrapsMixin


def _kernel_views(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record the whole EL0 register file as the kernel can read it (its EL1 face) each
    time the kernel serves a syscall: x0-x30 and the PC first (a confidential thread's
    registers may still be in the core then, shown through a scrubbed view), then
    everything through a saved context (which moves them out first) -- the two must
    agree."""
    seen: list[dict[str, Any]] = []
    serve = TrapsMixin._syscall

    def recording(self: Any, t: Any, info: Any) -> None:
        face = self.el1
        x = [face.reg(A.UC_ARM64_REG_X0 + i) for i in range(29)] + \
            [face.reg(A.UC_ARM64_REG_X29), face.reg(A.UC_ARM64_REG_X30)]
        pc = face.reg(A.UC_ARM64_REG_PC)
        ctx = face.save_context(face.new_context())
        assert [ctx.get(i) for i in range(31)] == x and ctx.get(CTX_PC) == pc
        seen.append({"x": x, "sp": ctx.get(CTX_SP), "pc": pc,
                     "v": [ctx.get(CTX_Q0 + i) for i in range(32)],
                     "nzcv": ctx.get(CTX_NZCV), "tpidr": ctx.get(CTX_TPIDR),
                     "fp": (ctx.get(CTX_FPCR), ctx.get(CTX_FPSR))})
        serve(self, t, info)

    monkeypatch.setattr(TrapsMixin, "_syscall", recording)
    return seen


def test_the_kernel_sees_only_a_syscalls_number_arguments_and_slot(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _kernel_views(monkeypatch)
    native = run_program("hello", [], machine="small")
    # Without the Guardian the kernel sees the program's registers: TLS, stack, vectors.
    assert any(v["tpidr"] for v in seen) and all(v["sp"] for v in seen)
    assert any(any(v["v"]) for v in seen)
    seen.clear()
    conf = run_program("hello", [], machine="small", guardian="on", confidential=True)
    assert conf.exit_code == native.exit_code == 0
    assert len(seen) > 10
    for view in seen:
        nr = view["x"][SVC_NR_REGISTER]
        owed = set(range(SYSCALL_ARITY.get(nr, 6))) | {SVC_NR_REGISTER, SLOT_REGISTER}
        assert view["x"][SLOT_REGISTER] != 0
        assert [x for i, x in enumerate(view["x"]) if i not in owed] == [0] * (31 - len(owed))
        assert (view["sp"], view["nzcv"], view["tpidr"], view["fp"]) == (0, 0, 0, (0, 0))
        assert not any(view["v"]) and view["pc"] != 0


def test_one_walk_finds_the_same_tree_and_address_as_two(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """SET_PT's `locate` agrees with `root_of` and `entry_va` on every entry it is asked
    for while programs fork, exec, fault and exit."""
    checked: list[tuple[int, int]] = []
    set_pt = PageTables.set_pt

    def comparing(self: PageTables, table: int, index: int, desc: int,
                  zero_fill: int = 0) -> int:
        fr = self.s.frames
        if fr.contains(table) and 0 <= index < 512 and fr.owner[fr.index(table)]:
            assert self.locate(table, index) == (self.root_of(table), self.entry_va(table, index))
            checked.append((table, index))
        return set_pt(self, table, index, desc, zero_fill)

    monkeypatch.setattr(PageTables, "set_pt", comparing)
    result = run_program("forkexec", [], machine="small", guardian="on", confidential=True)
    assert result.exit_code == 0
    assert len({t for t, _ in checked}) > 8        # tables of several levels and trees
