"""Second mappings of a confidential frame, and pages taken away without the program asking.

The program itself is the courier: it maps a page, writes a little public
data into it and sends the page out with write().  A kernel that answers the
mmap honestly (the address is the one asked for, so no layout check fires)
but backs it with a frame the program already uses makes the program send
that frame's contents.  The other half of the family removes pages or whole
table subtrees behind the program's back, so that they fault back as zeros.
"""

from __future__ import annotations

from attacks.adversary import PAGE, USER_RW, Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import Phase
from emulator import descriptors as D
from kernel_model.pagetable import PageTableRefused

MM = "one-mapping"
UM = "leave-on-request"
NR_BRK, NR_MUNMAP, NR_MREMAP, NR_MMAP = 214, 215, 216, 222


def frame_of(adv: Adversary, va: int) -> int:
    pa = adv.pa_of(va)
    assert pa is not None, f"{va:#x} is not mapped"
    return pa & ~(PAGE - 1)


def _second_mapping(adv: Adversary, phase: Phase) -> None:
    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=phase)
    def _(a: Adversary, **_: object) -> None:
        va = a.reg("x0")                 # the honest answer: exactly what was asked for
        heap = frame_of(a, a.layout.heap)
        a.kernel.frames.get(heap)        # the kernel's own count of the new mapping
        a.mm.tables.set(va, D.leaf_descriptor(heap, USER_RW))
        a.mm.resident += 1
        a.el1.tlbi_all()


@scenario(id="MM-001", title="Back the program's MAP_FIXED page with its heap frame", family=MM,
          goal=Goal.LEAK, rules=("G-ONE-MAPPING",),
          prop="A confidential frame is mapped at one user address of its domain: a second "
               "mapping in the program's own tree is refused.")
def mm_fixed(adv: Adversary) -> None:
    """1. Serve the program's mmap(hint, MAP_FIXED) honestly: return the hint.
    2. Map the hint to the heap frame (SET_PT in the program's own tree).
    3. The program writes 8 public bytes there and sends the page with write()."""
    _second_mapping(adv, Phase.IAGO_FIXED)


@scenario(id="MM-002", title="Back a fresh anonymous page with the heap frame", family=MM,
          goal=Goal.LEAK, rules=("G-ONE-MAPPING",),
          prop="A page the kernel hands the program is never one of the program's live frames.")
def mm_anon(adv: Adversary) -> None:
    """1. Serve the program's mmap(NULL, 4096) at the address the kernel chose.
    2. Map that address to the heap frame before the program touches it.
    3. The program fills 8 bytes and sends the page."""
    _second_mapping(adv, Phase.IAGO_MMAP)


@scenario(id="UM-001", title="Clear the table descriptor above the heap page", family=UM,
          goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",),
          prop="Clearing a table descriptor takes a whole subtree out of the program's view "
               "and is refused like clearing a leaf.")
def um_table(adv: Adversary) -> None:
    """1. At PLACED, walk to the level-2 entry whose table maps the heap page.
    2. Clear that table descriptor (SET_PT with 0): the whole 2 MiB subtree goes.
    3. The program's next touches demand-fault zero pages; its final check compares."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        l2 = a.walk(a.layout.heap)[2]
        a.kernel.writer.write_entry(l2.table, l2.index, 0)
        a.el1.tlbi_all()


@scenario(id="UM-002", title="Take the heap page while serving munmap of another page",
          family=UM, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",),
          prop="The window a munmap opens covers exactly its own range.")
def um_window(adv: Adversary) -> None:
    """1. While serving the program's munmap(mapped page), also clear the heap page's leaf
    and drop its frame.
    2. The heap page faults back as zeros; the program's final check compares."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, during=Phase.UNMAP)
    def _(a: Adversary, **_: object) -> None:
        old = a.mm.tables.clear(a.layout.heap)
        if old:
            a.kernel.frames.put(old & D.ADDR_MASK)
            a.mm.resident -= 1
        a.el1.tlbi_all()


@scenario(id="MM-003", title="Map a CoW copy of the heap frame at the MAP_FIXED page",
          family=MM, goal=Goal.LEAK, rules=("G-ONE-MAPPING", "G-COPY-CONF-DST"),
          prop="A confidential copy (COPY_PAGE) is mapped only where its source was, as a "
               "copy-on-write break would.")
def mm_copy(adv: Adversary) -> None:
    """1. At IAGO_FIXED, copy the heap frame into a fresh frame (COPY_PAGE under the
    Guardian: the copy joins the program's domain).
    2. Serve the program's mmap(hint, MAP_FIXED) honestly and map the hint to the copy.
    3. The program fills 8 bytes and sends the page."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=Phase.IAGO_FIXED)
    def _(a: Adversary, **_: object) -> None:
        copy = a.alloc_frame()
        a.kernel.mmctx.copy_frame(copy, frame_of(a, a.layout.heap))
        a.mm.tables.set(a.reg("x0"), D.leaf_descriptor(copy, USER_RW))
        a.mm.resident += 1
        a.el1.tlbi_all()


def _steal_heap_during(adv: Adversary, nr: int, phase: Phase) -> None:
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        old = a.mm.tables.clear(a.layout.heap)
        if old:
            a.kernel.frames.put(old & D.ADDR_MASK)
            a.mm.resident -= 1
        a.el1.tlbi_all()


@scenario(id="UM-003", title="Take the heap page while serving a brk() that grows the heap",
          family=UM, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",),
          prop="A brk that grows the heap opens no window for removing pages.")
def um_brk(adv: Adversary) -> None:
    """1. While serving the program's brk() calls (IAGO_BRK), clear the heap page's leaf
    and drop its frame.
    2. The heap page faults back as zeros."""
    _steal_heap_during(adv, NR_BRK, Phase.IAGO_BRK)


@scenario(id="UM-004", title="Take the heap page while serving mremap of another mapping",
          family=UM, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",),
          prop="The window an mremap opens covers exactly the range it moves.")
def um_mremap(adv: Adversary) -> None:
    """1. While serving the program's mremap(small page, MAYMOVE), clear the heap page's
    leaf and drop its frame.
    2. The heap page faults back as zeros."""
    _steal_heap_during(adv, NR_MREMAP, Phase.IAGO_MREMAP)


@scenario(id="UM-006", title="Clear a range of the heap's table while serving munmap of "
          "another page", family=UM, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",),
          prop="A range clear (CLEAR_PT_RANGE) is checked entry by entry as SET_PT is: the "
               "window a munmap opens covers exactly its own range, not a range of another "
               "table.")
def um_range_elsewhere(adv: Adversary) -> None:
    """1. While serving the program's munmap(mapped page), clear the heap page's entry and
    the one after it in one range call and drop the heap frame.
    2. The heap page faults back as zeros; the program's final check compares."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, during=Phase.UNMAP)
    def _(a: Adversary, **_: object) -> None:
        leaf = a.walk(a.layout.heap)[-1]
        a.kernel.writer.clear_entries(leaf.table, leaf.index, leaf.index + 2)
        a.kernel.frames.put(leaf.desc & D.ADDR_MASK)
        a.mm.resident -= 1
        a.el1.tlbi_all()


@scenario(id="UM-007", title="Clear the munmap's page with the pages below it in one range, "
          "then read their frames", family=UM, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",),
          prop="A range that holds the munmap's own page and pages outside it is refused "
               "whole: no page of it leaves the program, none reaches the kernel.")
def um_range_around(adv: Adversary) -> None:
    """1. While serving the program's munmap(mapped page), clear in one range call every
    entry of its table from the fresh page (which holds a copy of the secret) up to the
    mapped page itself.
    2. Read the freed frames through the kernel's linear map."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, during=Phase.UNMAP)
    def _(a: Adversary, **_: object) -> None:
        fresh, mapped = a.walk(a.layout.fresh)[-1], a.walk(a.layout.mapped)[-1]
        if fresh.table != mapped.table or fresh.index > mapped.index:
            a.note("the fresh page is not below the mapped page in one table")
            return
        frames = [a.pa_of(a.layout.fresh)]
        a.kernel.writer.clear_entries(mapped.table, fresh.index, mapped.index + 1)
        a.el1.tlbi_all()
        for pa in frames:
            if pa is not None:
                a.observe(a.read_lm(pa & ~(PAGE - 1)), "the fresh page's frame")


BLOCK = 2 << 20
BLOCK_VA = 0x10_0000_0000         # a 2 MiB-aligned user region the program never asked for
NR_MMAP_FIRST = NR_MMAP


def premap_block(adv: Adversary) -> int | None:
    """Map a 2 MiB block of RAM at BLOCK_VA in the program's tree; its physical base."""
    tables = adv.mm.tables
    tables.set(BLOCK_VA + BLOCK, D.leaf_descriptor(adv.alloc_frame(), USER_RW))
    l2 = adv.walk(BLOCK_VA)[2]
    info = adv.kernel.boot_info
    for base in range(info.ram_base, info.ram_base + info.ram_size, BLOCK):
        try:
            adv.kernel.writer.write_entry(l2.table, l2.index,
                                          D.leaf_descriptor(base, USER_RW, level=2))
        except PageTableRefused:
            continue             # the region holds a table or Guardian frame: next one
        adv.el1.tlbi_all()
        return base
    return None


@scenario(id="MM-004", title="Premap a 2 MiB block where the program's first anonymous page "
          "will be", family=MM, goal=Goal.LEAK, rules=("G-ONE-MAPPING", "G-MEASURE-ALL"),
          prop="Frames already in the tree when the domain is created, block mappings "
               "included, join the domain exclusively and zeroed: none stays in the "
               "kernel's view.")
def mm_block(adv: Adversary) -> None:
    """1. After exec, before CREATE_DOMAIN, map a 2 MiB block of ordinary RAM at an unused
    2 MiB region of the program's tree.
    2. Answer the program's first anonymous mmap with an address inside the block, at a
    frame the kernel's allocator holds free.
    3. The program copies its secret there; read that frame through the linear map."""
    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        base = premap_block(a)
        if base is None:
            a.note("every 2 MiB region holds a protected frame")
            return
        frames = a.kernel.frames
        off = next((o for o in range(BLOCK // PAGE - 1, 0, -1)
                    if not frames.refcount(base + o * PAGE)), 1) * PAGE
        a.memo.update(block=base, off=off)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP_FIRST, during=Phase.START)
    def _(a: Adversary, **_: object) -> None:
        if "block" in a.memo:
            a.set_reg("x0", BLOCK_VA + a.memo["off"])

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        if "block" in a.memo:
            a.observe(a.read_lm(a.memo["block"] + a.memo["off"]), "a frame of the block")


@scenario(id="UM-005", title="Take the fresh page while serving a brk() that grows the heap",
          family=UM, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",),
          prop="A brk opens a window only over the range between the old and the new break, "
               "not over every page above it.")
def um_brk_above(adv: Adversary) -> None:
    """1. While serving the program's brk() calls (IAGO_BRK; the first that the Guardian
    lets through), clear the leaf of the fresh page (an anonymous mapping far above the break, holding a copy of the secret) and
    drop its frame.
    2. The page faults back as zeros; the program's final check compares."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_BRK, during=Phase.IAGO_BRK, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get("done"):
            return
        old = a.mm.tables.clear(a.layout.fresh)
        a.memo["done"] = True
        if old:
            a.kernel.frames.put(old & D.ADDR_MASK)
            a.mm.resident -= 1
        a.el1.tlbi_all()
