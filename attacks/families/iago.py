"""Memory-layout Iago attacks: the kernel lies about where memory is.

The program maps a buffer, writes a little public data into it and sends the
whole page out through write(): if the kernel answered with the address of
live data, that data leaves with it (through a capability the program itself
granted).  The Guardian keeps its own list of the domain's areas and checks
every mmap/munmap/brk/mremap result against it before the program sees it.
"""

from __future__ import annotations

from attacks.adversary import PAGE, Adversary
from attacks.families.measurement import symbol_address
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import Phase
from kernel_model.elf_loader import ElfImage

IA = "iago"
NR_BRK, NR_MREMAP, NR_MMAP = 214, 216, 222


def _answer(adv: Adversary, nr: int, during: Phase, address: str) -> None:
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.layout.heap if address == "heap" else a.layout.stack & ~(PAGE - 1))


@scenario(id="IA-001", title="mmap returns the heap page", family=IA, goal=Goal.LEAK,
          rules=("G-IAGO-MMAP",),
          prop="mmap cannot return memory that overlaps a live area of the program.")
def ia_mmap_heap(adv: Adversary) -> None:
    """1. When the program asks mmap for a fresh page (IAGO_MMAP), answer with the address
    of its heap page.
    2. The program writes 8 public bytes there and sends the page to /dev/null."""
    _answer(adv, NR_MMAP, Phase.IAGO_MMAP, "heap")


@scenario(id="IA-002", title="mmap returns the stack page", family=IA, goal=Goal.LEAK,
          rules=("G-IAGO-MMAP",),
          prop="mmap cannot return memory that overlaps the stack.")
def ia_mmap_stack(adv: Adversary) -> None:
    """1. When the program asks mmap for a fresh page, answer with the page of its stack
    buffer.
    2. The program fills and sends the page."""
    _answer(adv, NR_MMAP, Phase.IAGO_MMAP, "stack")


@scenario(id="IA-003", title="brk(0) reports a break below the heap page", family=IA,
          goal=Goal.LEAK, rules=("G-IAGO-BRK",),
          prop="brk returns either the break the program asked for or the current one.")
def ia_brk(adv: Adversary) -> None:
    """1. When the program queries the break (brk(0)), answer with the address of its heap
    page (a break lower than the real one).
    2. The program grows the heap from there by a page, fills and sends the new memory."""
    _answer(adv, NR_BRK, Phase.IAGO_BRK, "heap")


@scenario(id="IA-004", title="mremap moves the mapping onto the heap page", family=IA,
          goal=Goal.LEAK, rules=("G-IAGO-MREMAP",),
          prop="mremap cannot move an area onto another live area.")
def ia_mremap(adv: Adversary) -> None:
    """1. When the program grows a one-page mapping with mremap(MAYMOVE), answer with the
    address of its heap page.
    2. The program fills and sends the 'moved' mapping."""
    _answer(adv, NR_MREMAP, Phase.IAGO_MREMAP, "heap")


@scenario(id="IA-005", title="mmap(MAP_FIXED) returns another address", family=IA,
          goal=Goal.LEAK, rules=("G-IAGO-MMAP",),
          prop="A MAP_FIXED mapping is placed exactly where the program asked.")
def ia_fixed(adv: Adversary) -> None:
    """1. When the program maps a page at a fixed hint, answer with its heap page instead.
    2. The program fills and sends the page it was given."""
    _answer(adv, NR_MMAP, Phase.IAGO_FIXED, "heap")


@scenario(id="IA-006", title="mmap returns the program's own data page", family=IA,
          goal=Goal.LEAK, rules=("G-IAGO-MMAP",),
          prop="mmap cannot return memory inside the program's loaded image.")
def ia_mmap_image(adv: Adversary) -> None:
    """1. At exec, look up the program's data page (the one holding `secret`) in its
    symbol table.
    2. When the program asks mmap for a fresh page, answer with that page's address.
    3. The program fills and sends the page."""
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> None:
        a.memo["data"] = symbol_address(image.data, "secret") & ~(PAGE - 1)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=Phase.IAGO_MMAP)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.memo["data"])
