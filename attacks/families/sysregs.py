"""EL1 system-register writes that would route around the Guardian."""

from __future__ import annotations

import re

from attacks.adversary import PAGE, USER_RO, Adversary
from attacks.families.page_tables import HELPER_VA
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import Phase
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.clock import DEFAULT_COUNTER_HZ
from emulator.el0_counter import CNTFRQ_EL0, XZR, counter_read
from emulator.exceptions import ExceptionInfo
from kernel_model.kernel import KERNEL_VBAR
from kernel_model.pagetable import LINEAR_BASE

SR = "sysregs"
KERNEL_RO = D.PagePerms(user=False, write=False, user_exec=False, kernel_exec=False, global_=True)


def private_tree(adv: Adversary, va: int, pa: int, perms: D.PagePerms) -> int:
    """A translation tree in ordinary kernel frames, never shown to the Guardian."""
    def table() -> int:
        frame = adv.alloc_frame()
        adv.write_lm(frame, bytes(PAGE))
        return frame

    root = t = table()
    for level in range(3):
        nxt = table()
        adv.el1.write_u64(adv.lm(t) + 8 * D.level_index(va, level), D.table_descriptor(nxt))
        t = nxt
    adv.el1.write_u64(adv.lm(t) + 8 * D.level_index(va, 3), D.leaf_descriptor(pa, perms))
    return root


def heap_frame(adv: Adversary) -> int:
    pa = adv.pa_of(adv.layout.heap)
    assert pa is not None
    return pa & ~(PAGE - 1)


@scenario(id="SR-001", title="Point TTBR1 at a kernel-built tree", family=SR, goal=Goal.LEAK,
          rules=("G-SYSREG-TTBR1",),
          prop="TTBR1_EL1 always names the Guardian-built linear map.")
def sr_ttbr1(adv: Adversary) -> None:
    """1. Build, in ordinary kernel frames, a tree mapping the heap frame at its usual
    linear-map address.
    2. Write TTBR1_EL1 with that tree and load the address; restore TTBR1."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = heap_frame(a)
        root = private_tree(a, LINEAR_BASE | pa, pa, KERNEL_RO)
        old = a.el1.mrs(S.TTBR1_EL1)
        a.el1.msr(S.TTBR1_EL1, root)
        try:
            a.observe(a.el1.read(LINEAR_BASE | pa, PAGE), "private TTBR1 tree")
        finally:
            a.el1.msr(S.TTBR1_EL1, old)


@scenario(id="SR-002", title="Point TTBR0 at an unregistered tree", family=SR, goal=Goal.LEAK,
          rules=("G-SYSREG-TTBR0",),
          prop="TTBR0_EL1 only ever names a root table the Guardian checked.")
def sr_ttbr0(adv: Adversary) -> None:
    """1. Build, in ordinary kernel frames, a user tree mapping the heap frame.
    2. Write TTBR0_EL1 with it and load the page; restore TTBR0."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        root = private_tree(a, HELPER_VA, heap_frame(a), USER_RO)
        a.observe(a.read_through(root, HELPER_VA, PAGE), "private TTBR0 tree")


@scenario(id="SR-003", title="Turn the MMU off and read physical memory", family=SR,
          goal=Goal.LEAK, rules=("G-SYSREG-SCTLR",),
          prop="EL1 cannot disable stage-1 translation once the Guardian has set it up.")
def sr_mmu_off(adv: Adversary) -> None:
    """1. Write SCTLR_EL1 with M clear.
    2. Load the heap frame by its physical address; restore SCTLR."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = heap_frame(a)
        old = a.el1.mrs(S.SCTLR_EL1)
        a.el1.msr(S.SCTLR_EL1, old & ~S.SCTLR_M)
        try:
            a.el1.tlbi_all()
            a.observe(a.el1.read(pa, PAGE), "physical address with the MMU off")
        finally:
            a.el1.msr(S.SCTLR_EL1, old)
            a.el1.tlbi_all()


@scenario(id="SR-004", title="Take the next interrupt on the kernel's own vector table",
          family=SR, goal=Goal.LEAK, rules=("G-ENTRY-VECTOR",), timing="exact",
          prop="Every exception from a confidential thread enters the Guardian's vector "
               "table first.")
def sr_vbar(adv: Adversary) -> None:
    """1. After the Guardian accepted the return to the program for the SPIN marker, write
    VBAR_EL1 with the kernel's own vector table.
    2. The program spins with its secret in x19-x22; at the next timer interrupt, read
    the interrupted registers."""
    @adv.on(Point.AFTER_RESUME, during=Phase.SPIN)
    def _(a: Adversary, **_: object) -> None:
        a.el1.msr(S.VBAR_EL1, KERNEL_VBAR)

    @adv.on(Point.IRQ, during=Phase.SPIN)
    def _(a: Adversary, **_: object) -> None:
        a.observe(a.gprs(), "registers at an interrupt")


@scenario(id="SR-005", title="Leave and re-enter the confidential tree with TTBR0 writes",
          family=SR, goal=Goal.LEAK, rules=("G-EPD0-ON-SWITCH", "G-EPD0"),
          prop="Whenever TTBR0 names a confidential tree while the kernel runs, EPD0 is set.")
def sr_switch(adv: Adversary) -> None:
    """1. Write TTBR0_EL1 with the idle (non-confidential) tree, then back with the
    program's tree.
    2. Load the heap buffer at its user address."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.el1.msr(S.TTBR0_EL1, a.kernel.idle_ttbr0)
        a.el1.msr(S.TTBR0_EL1, a.mm.ttbr0)
        a.observe(a.el1.read(a.layout.heap, PAGE), "user half after a TTBR0 round trip")


# --- the generic timer's counter, read at EL0 ----------------------------------------------

COUNTER_PROGRAM = "counter_read"
KERNEL_FREQUENCY = 1_000_000_000     # the kernel's own answer for CNTFRQ_EL0
COUNTER_LINE = re.compile(rb"frequency (\d+) Hz")


def _counter_seen(out: Outcome) -> list[str]:
    """What the program printed of its counter reads: a count out of order or off
    CLOCK_MONOTONIC's rate, or a frequency other than the machine's, came from the kernel."""
    found = []
    if b"NOT monotonic" in out.stdout or b"CLOCK_MONOTONIC: no" in out.stdout:
        found.append("the program read a counter that went backwards or ran off "
                     "CLOCK_MONOTONIC's rate")
    m = COUNTER_LINE.search(out.stdout)
    if m and int(m.group(1)) != DEFAULT_COUNTER_HZ:
        found.append(f"the program read a counter frequency of {int(m.group(1))} Hz, not the "
                     f"machine's {DEFAULT_COUNTER_HZ}")
    return found


@scenario(id="QF-001", title="Answer the program's counter read with the kernel's own value",
          family=SR, goal=Goal.TAMPER, rules=("G-EL0-COUNTER",), oracle=_counter_seen,
          program=COUNTER_PROGRAM, args=(b"20",),
          silent="the Guardian answers a confidential program's counter read at its own "
                 "entry from the machine's counter; the exception never reaches the kernel",
          prop="A confidential program's EL0 reads of CNTVCT_EL0 and CNTFRQ_EL0 return the "
               "machine's counter and frequency: never a value the kernel chose, never a "
               "count that goes backwards.")
def qf_counter_answer(adv: Adversary) -> None:
    """1. The program (counter_read 20) reads CNTFRQ_EL0 and then CNTVCT_EL0 23 times,
    checking that the count never goes backwards and runs at CLOCK_MONOTONIC's rate.
    2. At every trapped counter read that reaches the kernel, answer it itself: 1 GHz for
    CNTFRQ_EL0, a count that drops by one at each read for CNTVCT_EL0, written into the
    MRS's register, the PC moved past the MRS, and the kernel's own emulation pointed at
    XZR so its true value goes nowhere.
    3. The program prints what it read: a drop or a frequency other than the machine's is
    the kernel's value."""
    @adv.on(Point.FAULT, once=False)
    def _(a: Adversary, info: ExceptionInfo, **_: object) -> None:
        read = counter_read(info.esr)
        if read is None:
            return
        key, rt = read
        if key == CNTFRQ_EL0:
            value = KERNEL_FREQUENCY
        else:
            value = a.memo.get("count", 1_000_000) - 1
            a.memo["count"] = value
        if rt != XZR:
            a.set_reg(f"x{rt}", value)
        a.set_reg("pc", info.elr + 4)
        info.esr |= XZR << 5
