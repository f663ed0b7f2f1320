"""The program image: substituted, tampered with, or entered somewhere else."""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace

from elftools.elf.elffile import ELFFile

from abi import Call
from attacks.adversary import PAGE, Adversary
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import BANNER_INTACT, BANNER_PWNED, Phase
from emulator import descriptors as D
from kernel_model.elf_loader import ElfImage, parse_elf
from workloads import find as find_workload

ME = "measurement"


def symbol_address(data: bytes, name: str) -> int:
    """A symbol's address from the program file (which is no secret)."""
    elf = ELFFile(io.BytesIO(data))
    table = elf.get_section_by_name(".symtab")
    for sym in table.iter_symbols() if table is not None else ():
        if sym.name == name:
            return int(sym["st_value"])
    raise LookupError(name)


def _banner_va(image: ElfImage) -> tuple[int, int]:
    """(virtual address, file offset) of the banner string in the image."""
    off = image.data.index(BANNER_INTACT)
    for seg in image.segments:
        if seg.offset <= off < seg.offset + seg.filesz:
            return seg.vaddr + off - seg.offset, off
    raise LookupError("banner outside every loadable segment")


def _page_of_file(image: ElfImage, va: int) -> bytes:
    """The initial contents of the page at va, as the loader would build them."""
    page = bytearray(PAGE)
    for seg in image.segments:
        lo, hi = max(va, seg.vaddr), min(va + PAGE, seg.vaddr + seg.filesz)
        if lo < hi:
            start = seg.offset + lo - seg.vaddr
            page[lo - va:hi - va] = image.data[start:start + hi - lo]
    return bytes(page)


def _patched(data: bytes) -> bytes:
    return data.replace(BANNER_INTACT, BANNER_PWNED)


def _other_program_ran(out: Outcome) -> list[str]:
    return ["a program the user did not admit ran in its place"] \
        if b"Hello from Blindfold" in out.stdout else []


@scenario(id="ME-001", title="Load a tampered image under the admitted image's digest",
          family=ME, goal=Goal.TAMPER, rules=("G-MEASURE-PAGE",),
          prop="Every image page must match its measurement when first mapped.")
def me_tampered(adv: Adversary) -> None:
    """1. At exec, replace the banner string in the program's bytes.
    2. Give CREATE_DOMAIN the digest of the admitted (untampered) file.
    3. Let the program run and print its banner."""
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> ElfImage:
        a.memo["digest"] = hashlib.sha256(image.data).digest()
        return replace(image, data=_patched(image.data))

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes) -> object:
        if call == Call.CREATE_DOMAIN:
            return args, a.memo["digest"]
        return None


@scenario(id="ME-002", title="Run a different program in place of the admitted one",
          family=ME, goal=Goal.TAMPER, rules=("G-MEASURE-ADMITTED",), oracle=_other_program_ran,
          prop="Only an image the user admitted can become a confidential process.")
def me_substitute(adv: Adversary) -> None:
    """1. At exec, load the `hello` workload instead of the program the user named."""
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> ElfImage:
        w = find_workload("hello")
        assert w is not None
        return parse_elf(w.binary.read_bytes(), "hello")


@scenario(id="ME-003", title="Start the admitted image at another entry point", family=ME,
          goal=Goal.TAMPER, rules=("G-MEASURE-ENTRY",),
          prop="A confidential image starts at its measured entry point.")
def me_entry(adv: Adversary) -> None:
    """1. At exec, look up win() in the program's symbol table.
    2. Start the program there instead of at its entry point."""
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> ElfImage:
        return replace(image, entry=symbol_address(image.data, "win"))


@scenario(id="ME-004", title="Swap an image page for a patched copy while the program runs",
          family=ME, goal=Goal.TAMPER, rules=("G-MEASURE-PAGE",),
          prop="An image page can be replaced only by one with the measured contents.")
def me_swap_page(adv: Adversary) -> None:
    """1. At exec, keep the program's bytes; find the page holding its banner.
    2. At PLACED, build a patched copy of that page in a kernel frame and map it at the
    banner's address."""
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> None:
        a.memo["image"] = image

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        image = a.memo["image"]
        va, _ = _banner_va(image)
        page_va = va & ~(PAGE - 1)
        frame = a.alloc_frame()
        a.write_lm(frame, _patched(_page_of_file(image, page_va)))
        old = a.mm.tables.lookup(page_va)
        perms = D.decode_perms(old) if old & D.VALID else D.PagePerms(
            user=True, write=False, user_exec=True)
        a.mm.tables.set(page_va, D.leaf_descriptor(frame, perms))
        a.el1.tlbi_all()
        a.el1.invalidate_code(page_va, PAGE)


@scenario(id="ME-005", title="Patch an image page before the domain exists", family=ME,
          goal=Goal.TAMPER, rules=("G-MEASURE-ALL",),
          prop="Frames already in the tree when the domain is created are measured too.")
def me_premapped(adv: Adversary) -> None:
    """1. At exec, keep the program's bytes; find the page holding its banner.
    2. After exec built the tree, before CREATE_DOMAIN, map a patched copy of that page
    at the banner's address (an ordinary SET_PT: nothing is confidential yet).
    3. CREATE_DOMAIN adopts the tree; the program prints its banner."""
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> None:
        a.memo["image"] = image

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        image = a.memo["image"]
        va, _ = _banner_va(image)
        page_va = va & ~(PAGE - 1)
        frame = a.alloc_frame()
        a.write_lm(frame, _patched(_page_of_file(image, page_va)))
        old = a.mm.tables.lookup(page_va)
        perms = D.decode_perms(old) if old & D.VALID else D.PagePerms(
            user=True, write=False, user_exec=True)
        a.mm.tables.set(page_va, D.leaf_descriptor(frame, perms))
        a.el1.tlbi_all()
        a.el1.invalidate_code(page_va, PAGE)


@scenario(id="ME-006", title="Move a measured page to the banner's address", family=ME,
          goal=Goal.TAMPER, rules=("G-MEASURE-ALL", "G-ONE-MAPPING"),
          prop="A frame measured (or zero-filled) at one address cannot be moved to another.",
          oracle=lambda out: [] if BANNER_INTACT in out.stdout or b"TAMPERED" in out.stdout
          else ["the program printed something other than its banner"])
def me_moved(adv: Adversary) -> None:
    """1. At exec, find the banner's page and the program's first (ELF header) page.
    2. At PLACED, map the frame of the first page (confidential, measured for its own
    address) at the banner page's address.
    3. The program prints 'its banner' from the wrong page."""
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> None:
        a.memo["image"] = image

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        image = a.memo["image"]
        va, _ = _banner_va(image)
        page_va = va & ~(PAGE - 1)
        first = min(seg.vaddr for seg in image.segments) & ~(PAGE - 1)
        src = a.pa_of(first)
        old = a.mm.tables.lookup(page_va)
        if src is None or not old & D.VALID:
            a.note("the pages are not both present")
            return
        a.kernel.frames.get(src & ~(PAGE - 1))
        a.mm.tables.set(page_va, D.leaf_descriptor(src & ~(PAGE - 1), D.decode_perms(old)))
        a.el1.tlbi_all()
        a.el1.invalidate_code(page_va, PAGE)


@scenario(id="ME-007", title="Map a pre-filled page at the program's untouched .bss page",
          family=ME, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",),
          prop="A page entering a domain after its creation is zero-filled or matches the "
               "measurement for its address.")
def me_bss(adv: Adversary) -> None:
    """1. At exec, find the page of the program's signal counter (.bss, not yet touched).
    2. Once the domain exists, before the program first runs, map there a copy of that
    page's initial contents with the counter set to 5.
    3. The program's handler counts from 5."""
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> None:
        va = symbol_address(image.data, "usr1_count")
        a.memo.update(image=image, va=va & ~(PAGE - 1), off=va & (PAGE - 1))

    def plant(a: Adversary) -> None:
        page = bytearray(_page_of_file(a.memo["image"], a.memo["va"]))
        page[a.memo["off"]:a.memo["off"] + 4] = (5).to_bytes(4, "little")
        frame = a.alloc_frame()
        a.write_lm(frame, bytes(page))
        a.mm.tables.set(a.memo["va"], D.leaf_descriptor(frame, D.PagePerms(
            user=True, write=True, user_exec=False)))
        a.mm.resident += 1
        a.el1.tlbi_all()

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            plant(a)                   # no domain will exist: the same moment

    @adv.on(Point.BEFORE_RESUME, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if a.guarded:
            plant(a)                   # the domain exists; the program has not run yet
