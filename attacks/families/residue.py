"""What confidential frames hold once the program lets go of them."""

from __future__ import annotations

from attacks.adversary import PAGE, Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import Phase

RS = "residue"
ZEROED = "a freed confidential frame reads back as zeros"


def _remember(adv: Adversary, *vas: int) -> None:
    adv.memo["frames"] = [pa & ~(PAGE - 1) for pa in (adv.pa_of(v) for v in vas) if pa]


def _read_remembered(adv: Adversary, where: str) -> None:
    for pa in adv.memo.get("frames", []):
        data = adv.observe(adv.read_lm(pa), where)
        if not any(data):
            adv.note(f"frame {pa:#x}: {ZEROED}")


@scenario(id="RS-001", title="Read the program's frames after it exits", family=RS,
          goal=Goal.LEAK, rules=("G-RELEASE-SCRUB",),
          prop="A confidential frame is scrubbed before the kernel gets it back.")
def rs_exit(adv: Adversary) -> None:
    """1. At PLACED, note the frames behind the heap, stack and mapped copies.
    2. When the program has exited, read those frames through the linear map."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        _remember(a, a.layout.heap, a.layout.stack, a.layout.mapped)

    @adv.on(Point.EXIT)
    def _(a: Adversary, **_: object) -> None:
        _read_remembered(a, "frames after exit")


@scenario(id="RS-002", title="Read the frame of a page the program unmapped", family=RS,
          goal=Goal.LEAK, rules=("G-RELEASE-SCRUB",),
          prop="munmap of a confidential page leaves nothing readable in its frame.")
def rs_munmap(adv: Adversary) -> None:
    """1. At PLACED, note the frame behind the mapped page.
    2. After the program unmapped it (without clearing it), read the frame."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        _remember(a, a.layout.mapped)

    @adv.at(Phase.UNMAPPED)
    def _(a: Adversary) -> None:
        _read_remembered(a, "frame after munmap")


@scenario(id="RS-003", title="Unmap the heap page behind the program's back, read its frame",
          family=RS, goal=Goal.LEAK, rules=("G-RELEASE-SCRUB",),
          prop="Removing a confidential page's last mapping scrubs its frame first.")
def rs_unmap(adv: Adversary) -> None:
    """1. At PLACED, clear the heap page's leaf entry (SET_PT with 0 under the Guardian).
    2. Read its frame through the linear map."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        _remember(a, a.layout.heap)
        a.mm.tables.clear(a.layout.heap)
        a.el1.tlbi_all()
        _read_remembered(a, "frame after the kernel unmapped it")


@scenario(id="RS-004", title="Drop a confidential page so that it faults back as zeros",
          family=RS, goal=Goal.TAMPER, rules=("G-CONF-INTEGRITY",),
          prop="The kernel cannot silently replace a confidential page's contents.")
def rs_discard(adv: Adversary) -> None:
    """1. At PLACED, clear the heap page's leaf entry and release the frame (as reclaim
    would, but without any secure swap-out).
    2. The program's next touch demand-faults a zero page in its place."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        old = a.mm.tables.clear(a.layout.heap)
        if old:
            a.kernel.frames.put(old & 0x0000_FFFF_FFFF_F000)
            a.mm.resident -= 1
        a.el1.tlbi_all()
