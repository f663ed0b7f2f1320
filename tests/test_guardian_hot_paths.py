"""The Guardian's hot paths keep their guarantees: what the kernel sees at a syscall of a
confidential thread (the register file written in place, not copied from a second
context), and the one-walk lookup of an entry's tree and address that SET_PT uses."""

from __future__ import annotations

from typing import Any

import pytest

from abi.layout import SLOT_REGISTER, SVC_NR_REGISTER
from abi.syscalls import SYSCALL_ARITY
from cli.session import run_program
from guardian.page_tables import PageTables
from kernel_model.traps import TrapsMixin


def _kernel_views(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record the core's whole EL0 register file each time the kernel serves a syscall."""
    seen: list[dict[str, Any]] = []
    serve = TrapsMixin._syscall

    def recording(self: Any, t: Any, info: Any) -> None:
        cpu = self.el1._cpu                 # the core itself, not the kernel's face of it
        live = cpu.live
        seen.append({"x": list(live.xsp)[:31], "sp": live.xsp[31], "pc": live.pc.value,
                     "v": list(live.vwords), "nzcv": live.nzcv(),
                     "tpidr": live.tpidr_el0.value, "fp": tuple(cpu.fast.fp_control.read())})
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

    def comparing(self: PageTables, table: int, index: int, desc: int) -> int:
        fr = self.s.frames
        if fr.contains(table) and 0 <= index < 512 and fr.owner[fr.index(table)]:
            assert self.locate(table, index) == (self.root_of(table), self.entry_va(table, index))
            checked.append((table, index))
        return set_pt(self, table, index, desc)

    monkeypatch.setattr(PageTables, "set_pt", comparing)
    result = run_program("forkexec", [], machine="small", guardian="on", confidential=True)
    assert result.exit_code == 0
    assert len({t for t, _ in checked}) > 8        # tables of several levels and trees
