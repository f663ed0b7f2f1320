"""Red-team round three: torn-down trees, clone flags and syscall result bounds.

Each scenario holds only the kernel's powers (its own page-table writer and
allocator, the Guardian's calls, its syscall results and its scheduler).
Where an attack still gets through with the Guardian on, it names the
property it breaks (`gap`).
"""

from __future__ import annotations

import struct

from abi import Call, Status
from attacks.adversary import PAGE, Adversary
from attacks.families.redteam_r2 import HELPER_VA, _free_block, _helper_block
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_OFF, Phase
from emulator import descriptors as D
from emulator import sysregs as S
from kernel_model.process import Process
from kernel_model.thp import page_of_block
from kernel_model.vma import Vma

RT = "rt3"
PROT_READ, PROT_WRITE = 1, 2
RW = D.PagePerms(user=True, write=True, user_exec=False)
NR_CLONE, NR_WAIT4 = 220, 260


def _child(adv: Adversary) -> Process | None:
    """The program's forked child (the only process whose parent is the program)."""
    for proc in list(adv.kernel.processes.values()):
        if proc is not adv.init and proc.parent is adv.init and proc.mm is not adv.mm:
            return proc
    return None


def _read_user_view(adv: Adversary, root: int, va: int, n: int) -> bytes:
    """Load through another TTBR0 with TCR_EL1.EPD0 clear (the kernel's own view of a user
    space it has switched to)."""
    old_ttbr, old_tcr = adv.el1.mrs(S.TTBR0_EL1), adv.el1.mrs(S.TCR_EL1)
    adv.el1.msr(S.TTBR0_EL1, root)
    try:
        adv.el1.msr(S.TCR_EL1, adv.el1.mrs(S.TCR_EL1) & ~S.TCR_EPD0)
        adv.el1.tlbi_all()
        return adv.el1.read(va, n)
    finally:
        adv.el1.msr(S.TCR_EL1, old_tcr)
        adv.el1.msr(S.TTBR0_EL1, old_ttbr)
        adv.el1.tlbi_all()


def _exit_child_domain(adv: Adversary) -> Process | None:
    """EXIT_DOMAIN the forked child's tree before it ever ran (the kernel 'kills' it)."""
    child = _child(adv)
    if child is None:
        adv.note("no forked child found")
        return None
    root = child.mm.tables.root
    if adv.guarded:
        st, _ = adv.hvc(Call.EXIT_DOMAIN, root)
        adv.note(f"EXIT_DOMAIN child root {root:#x}: {Status(st).name}")
    return child


@scenario(id="RY-001", title="EXIT_DOMAIN the forked child's tree, then read it through TTBR0",
          family=RT, goal=Goal.LEAK, rules=("G-EPD0-ON-SWITCH", "G-SYSREG-TCR-EPD0",
                                            "G-ONE-MAPPING"),
          prop="A tree torn down by EXIT_DOMAIN keeps the parent's pages it still shares "
               "out of the kernel's reach: switching to it never clears EPD0.")
def ry_exit_child_read(adv: Adversary) -> None:
    """1. The program forks at FORK; right after clone() returns in the parent, the child
    tree still shares every page (the heap page with the secret included) with the parent.
    2. The kernel calls EXIT_DOMAIN on the child's root (it 'kills' the child before it
    runs: a denial of service to the child only).
    3. It then names the child's root in TTBR0_EL1, clears TCR_EL1.EPD0 and loads the heap
    page's secret through the child's tree."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = _exit_child_domain(a)
        if child is None:
            return
        va = a.layout.heap_secret
        a.observe(_read_user_view(a, child.mm.tables.root, va, 32), "child tree after exit")


@scenario(id="RY-002", title="EXIT_DOMAIN the forked child, unmap its share, read the frame",
          family=RT, goal=Goal.LEAK, rules=("G-RELEASE-SCRUB", "G-LM-UNMAP", "G-ONE-MAPPING"),
          prop="A frame still mapped by a live confidential tree never returns to the "
               "kernel's linear map when another (exited) tree of its domain drops it.")
def ry_exit_child_unmap_read(adv: Adversary) -> None:
    """1. Right after fork() in the parent, EXIT_DOMAIN on the child's root.
    2. Clear the child tree's entry for the heap page (the kernel's exit path would do the
    same for every entry), so that the exited tree drops the shared frame.
    3. Read the frame through the kernel's linear map: the parent still maps it, with the
    secret."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = _exit_child_domain(a)
        if child is None:
            return
        heap = a.layout.heap
        pa = a.pa_of(heap)
        a.note(f"parent heap frame {pa:#x}, child's {a.pa_of(heap, child.mm.tables.root)}")
        child.mm.tables.set(heap, 0)
        a.el1.tlbi_all()
        a.observe(a.read_lm(pa), "linear map after the child's unmap")


@scenario(id="RY-003", title="EXIT_DOMAIN the forked child, unmap its share, rewrite the frame",
          family=RT, goal=Goal.TAMPER, rules=("G-RELEASE-SCRUB", "G-LM-UNMAP",
                                              "G-CONF-INTEGRITY"),
          prop="A frame the parent still maps is neither scrubbed nor handed back to the "
               "kernel when an exited tree of the same domain drops its share.")
def ry_exit_child_unmap_write(adv: Adversary) -> None:
    """1. Right after fork() in the parent, EXIT_DOMAIN on the child's root.
    2. Clear the child tree's entries for the heap page and the stack page.
    3. Write 'PWNED' over the secret in both frames through the linear map; the parent
    later compares its copies."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = _exit_child_domain(a)
        if child is None:
            return
        for va, off in ((a.layout.heap, SECRET_OFF), (a.layout.stack_secret & ~(PAGE - 1),
                                                     a.layout.stack_secret % PAGE)):
            pa = a.pa_of(va)
            child.mm.tables.set(va, 0)
            a.el1.tlbi_all()
            if pa is not None:
                a.write_lm(pa + off, b"PWNED!!!" * 4)


NR_BRK = 214
SECRET_SYMBOL_PAGE = 0x4A2000      # the .bss page that holds `secret` (public: no ASLR)


@scenario(id="RY-005", title="The first brk(0) places the break inside the program's .bss",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-BRK", "G-IAGO-MMAP"),
          prop="The break the program starts from is the end of its loaded image (or above): "
               "the kernel's first brk(0) answer cannot put the heap over its data.")
def ry_first_brk_in_bss(adv: Adversary) -> None:
    """1. The program's first brk(0) (just after START) is answered with the page three
    pages below the .bss page holding `secret` (the program rounds it and grows the heap
    by three pages; the kernel answers that brk with exactly the break asked for).
    2. The program's heap page is thus the image's .data page below `secret`; it copies a
    public string and its secret there.
    3. At IAGO_BRK, brk(0) is answered with the break the program was last given (the page
    of `secret`); the program grows the heap by one page (answered as asked), writes 8
    public bytes into its 'new' page and sends it to /dev/null: `secret` goes with it."""
    state = {"break": 0}

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_BRK, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["want"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_BRK, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.phase < Phase.START:
            return                 # the C library's start-up brk calls: left alone
        want = a.memo.get("want", 0)
        if not state["break"]:
            state["break"] = SECRET_SYMBOL_PAGE - 3 * PAGE
        elif want:
            state["break"] = want
        a.note(f"brk({want:#x}) answered {state['break']:#x} (kernel said {a.reg('x0'):#x})")
        a.set_reg("x0", state["break"])


BLOCK = 2 << 20
NR_MMAP = 222


def _collapse(adv: Adversary, anchor: int) -> int | None:
    """Make the 2 MiB region around `anchor` one block of the kernel's choosing: fill its
    holes with zero pages (the attributes of the anchor's entry), move every page into a
    2 MiB-aligned run of free frames, and collapse.  Returns the run's base."""
    region = anchor & ~(BLOCK - 1)
    template = adv.mm.tables.lookup(anchor) & ~D.ADDR_MASK
    base = _free_block(adv)
    if base is None:
        adv.note("no free 2 MiB run")
        return None
    root = adv.mm.tables.root
    moved = filled = 0
    for i in range(BLOCK // PAGE):
        va, target = region + i * PAGE, base + i * PAGE
        desc = adv.mm.tables.lookup(va)
        if not desc & D.VALID:
            adv.el1.fill(adv.lm(target), 0, PAGE)
            adv.mm.tables.set(va, target | template)
            filled += 1
        elif adv.guarded:
            if desc & ~D.ADDR_MASK != template:
                adv.mm.tables.set(va, (desc & D.ADDR_MASK) | template)
            st, _ = adv.el1.hvc(Call.MIGRATE_PAGE, root, va, target)
            if st:
                adv.note(f"MIGRATE_PAGE {va:#x}: {Status(st).name}")
            moved += 1
        else:
            adv.write_lm(target, adv.read_lm(desc & D.ADDR_MASK))
            adv.mm.tables.set(va, target | template)
            moved += 1
    adv.el1.tlbi_all()
    adv.note(f"region {region:#x}: {moved} pages moved, {filled} zero pages added")
    adv.mm.collapse_huge(region, base)       # THP_COLLAPSE for a confidential tree
    adv.note(f"collapsed {region:#x} onto {base:#x}: block {adv.mm.tables.block_at(region):#x}")
    return base


@scenario(id="RY-006", title="Collapse the fresh page's region into a 2 MiB block, then map "
                             "an interior frame at a new page", family=RT, goal=Goal.LEAK,
          rules=("G-ONE-MAPPING", "G-MEASURE-ALL", "G-IAGO-MMAP"),
          prop="A frame inside a 2 MiB block counts as mapped: it cannot also back a fresh "
               "page the program asks for later.")
def ry_block_interior_alias(adv: Adversary) -> None:
    """1. At FRESH_DONE (the fresh page holds the secret) fill the holes of the fresh
    page's 2 MiB region with zero pages, MIGRATE_PAGE every page into a 2 MiB-aligned run
    of free frames, and THP_COLLAPSE the region into one block.
    2. At IAGO_MMAP the program asks for a fresh page; the kernel places it outside the
    block and, when the program first writes it, maps there the frame inside the block
    that holds the fresh page's secret.
    3. The program writes 8 public bytes and sends the whole page to /dev/null."""
    @adv.at(Phase.IAGO_MMAP)
    def _(a: Adversary) -> None:
        fresh = a.layout.fresh
        base = _collapse(a, fresh)
        if base is not None:
            a.memo["secret_frame"] = base + (fresh % BLOCK)
            a.memo["region"] = fresh & ~(BLOCK - 1)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=Phase.IAGO_MMAP)
    def _(a: Adversary, **_: object) -> None:
        placed = a.reg("x0")
        region = a.memo.get("region")
        if region is None:
            return
        at = region - 16 * PAGE
        a.mm.vmas.remove_range(placed, placed + PAGE)     # its bookkeeping only
        a.mm.map_area(Vma(at, at + PAGE, PROT_READ | PROT_WRITE, name="[anon]"))
        a.set_reg("x0", at)
        a.memo["at"] = at
        a.note(f"mmap placed at {at:#x}")

    @adv.on(Point.FAULT, once=False)
    def _(a: Adversary, info: object, thread: object) -> None:
        at, pa = a.memo.pop("at", None), a.memo.get("secret_frame")
        if at is None or pa is None:
            return
        a.mm.tables.set(at, D.leaf_descriptor(pa, RW))
        a.el1.tlbi_all()
        a.note(f"{at:#x} mapped to the block's frame {pa:#x}")


NR_MUNMAP = 215


@scenario(id="RY-007", title="The program unmaps one page of a 2 MiB block; the kernel drops "
                             "the whole block", family=RT, goal=Goal.TAMPER,
          rules=("G-LEAVE-ON-REQUEST", "G-CONF-INTEGRITY"),
          prop="A munmap of one page takes exactly that page: the block around it is split, "
               "never removed whole with the program's other pages in it.")
def ry_munmap_drops_block(adv: Adversary) -> None:
    """1. At UNMAP collapse the 2 MiB region holding the program's anonymous pages
    (the fresh page with its secret copy, and the page it will unmap) into one block
    (holes filled with zero pages, pages migrated into a 2 MiB-aligned run).
    2. While serving the program's munmap of its one mapped page (UNMAP), clear the
    level-2 block entry instead of splitting it: the fresh page goes with it.
    3. The program's last check of its fresh copy faults; the kernel answers with a zero
    page."""
    @adv.at(Phase.UNMAP)
    def _(a: Adversary) -> None:
        _collapse(a, a.layout.fresh)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, during=Phase.UNMAP)
    def _(a: Adversary, **_: object) -> None:
        region = a.layout.fresh & ~(BLOCK - 1)
        if not a.mm.tables.block_at(region):
            a.note("no block to drop")
            return
        old = a.mm.tables.clear_block(region)
        a.el1.tlbi_all()
        a.note(f"block {old:#x} at {region:#x} cleared during munmap")


@scenario(id="RY-008", title="Prime the linear map of the table THP_SPLIT is handed, then "
                             "edit it", family=RT, goal=Goal.TAMPER,
          rules=("G-PT-RO", "G-TLB-FLUSH", "G-CONF-INTEGRITY"),
          prop="A frame THP_SPLIT turns into a table page loses every writable translation "
               "the kernel had cached for it.")
def ry_split_primed_table(adv: Adversary) -> None:
    """1. At IAGO_MMAP collapse the 2 MiB region holding the fresh page (with its secret
    copy) into one block.
    2. Take a free frame and store to it through the linear map (a writable translation
    is now cached), then THP_SPLIT the block with that frame as the new level-3 table.
    3. Store through the cached translation into the table: the fresh page's entry now
    names a frame of the kernel's filled with 'PWNED'."""
    @adv.at(Phase.IAGO_MMAP)
    def _(a: Adversary) -> None:
        fresh = a.layout.fresh
        if _collapse(a, fresh) is None:
            return
        region = fresh & ~(BLOCK - 1)
        table = a.alloc_frame()
        a.el1.fill(a.lm(table), 0, PAGE)            # primes a writable translation
        block = a.mm.tables.block_at(region)
        if a.guarded:
            st, _ = a.hvc(Call.THP_SPLIT, a.mm.tables.root, region, table)
            a.note(f"THP_SPLIT {region:#x} into {table:#x}: {Status(st).name}")
        else:
            for i in range(BLOCK // PAGE):
                a.el1.write_u64(a.lm(table) + 8 * i, page_of_block(block, region + i * PAGE))
        forged = a.alloc_frame()
        a.el1.fill(a.lm(forged), 0x50, PAGE)
        idx = D.level_index(fresh, 3)
        a.el1.write_u64(a.lm(table) + 8 * idx, D.leaf_descriptor(forged, RW))
        if not a.guarded:
            l2, l2idx, _ = a.mm.tables.l2_slot(region)
            a.kernel.writer.write_entry(l2, l2idx, D.table_descriptor(table))
        a.el1.tlbi_all()
        a.note(f"fresh page's entry in {table:#x} now names {forged:#x}")


def _split_with(adv: Adversary, region: int, table: int) -> bool:
    """Split the block at region into `table` (THP_SPLIT, or the kernel's own writes)."""
    block = adv.mm.tables.block_at(region)
    if adv.guarded:
        st, _ = adv.hvc(Call.THP_SPLIT, adv.mm.tables.root, region, table)
        adv.note(f"THP_SPLIT {region:#x} into {table:#x}: {Status(st).name}")
        return st == Status.OK
    for i in range(BLOCK // PAGE):
        adv.el1.write_u64(adv.lm(table) + 8 * i, page_of_block(block, region + i * PAGE))
    l2, l2idx, _ = adv.mm.tables.l2_slot(region)
    adv.kernel.writer.write_entry(l2, l2idx, D.table_descriptor(table))
    adv.el1.tlbi_all()
    return True


@scenario(id="RY-009", title="DMA into the table frame THP_SPLIT was handed", family=RT,
          goal=Goal.TAMPER, actor="device", rules=("G-DMA-FILTER", "G-PT-RO",
                                                   "G-CONF-INTEGRITY"),
          prop="A frame that THP_SPLIT turns into a table page is closed to devices from "
               "that moment, like every other table page.")
def ry_split_table_dma(adv: Adversary) -> None:
    """1. At IAGO_MMAP collapse the 2 MiB region holding the fresh page (with its secret
    copy) into one block.
    2. THP_SPLIT the block into a free frame of the kernel's choosing.
    3. A device writes that frame: the fresh page's entry now names a frame of the
    kernel's filled with 'PWNED'."""
    @adv.at(Phase.IAGO_MMAP)
    def _(a: Adversary) -> None:
        fresh = a.layout.fresh
        if _collapse(a, fresh) is None:
            return
        table = a.alloc_frame()
        if not _split_with(a, fresh & ~(BLOCK - 1), table):
            return
        forged = a.alloc_frame()
        a.el1.fill(a.lm(forged), 0x50, PAGE)
        desc = D.leaf_descriptor(forged, RW)
        a.dma.write(table + 8 * D.level_index(fresh, 3), desc.to_bytes(8, "little"))
        a.el1.tlbi_all()
        a.note(f"device wrote the fresh page's entry in {table:#x}")


@scenario(id="RY-010", title="THP_SPLIT into a frame a helper tree maps through a 2 MiB block",
          family=RT, goal=Goal.TAMPER, rules=("G-SETPT-NO-PT-LEAF", "G-PT-RO",
                                              "G-CONF-INTEGRITY"),
          prop="THP_SPLIT takes as its new table only a frame no user table maps, counting "
               "frames inside another tree's block mappings, not only their first frame.")
def ry_split_into_helper_block(adv: Adversary) -> None:
    """1. Claim a 2 MiB-aligned run of free frames and map it, as one level-2 block, in a
    helper address space of the kernel's own.
    2. At IAGO_MMAP collapse the 2 MiB region holding the fresh page (with its secret copy)
    into one block of the program's tree.
    3. THP_SPLIT that block with the sixth frame of the helper's run as the new table.
    4. Store through the helper's block into the table: the fresh page's entry now names
    a frame of the kernel's filled with 'PWNED'."""
    @adv.at(Phase.IAGO_MMAP)
    def _(a: Adversary) -> None:
        run = _free_block(a)
        if run is None:
            a.note("no free 2 MiB run for the helper")
            return
        helper = _helper_block(a, run)
        fresh = a.layout.fresh
        if _collapse(a, fresh) is None:
            return
        table = run + 5 * PAGE
        if not _split_with(a, fresh & ~(BLOCK - 1), table):
            return
        forged = a.alloc_frame()
        a.el1.fill(a.lm(forged), 0x50, PAGE)
        desc = D.leaf_descriptor(forged, RW)
        a.write_through(helper, HELPER_VA + 5 * PAGE + 8 * D.level_index(fresh, 3),
                        desc.to_bytes(8, "little"))
        a.el1.tlbi_all()
        a.note(f"fresh page's entry in {table:#x} rewritten through the helper block")


@scenario(id="RY-011", title="EXIT_DOMAIN and FREE_PGD the forked child's tree, then read the "
                             "shared frames", family=RT, goal=Goal.LEAK,
          rules=("G-RELEASE-SCRUB", "G-LM-UNMAP", "G-FREEPGD-NOT-LIVE"),
          prop="Freeing a tree whole drops its references only: a frame the parent still "
               "maps stays out of the linear map.")
def ry_exit_child_free_pgd(adv: Adversary) -> None:
    """1. Right after fork() in the parent, EXIT_DOMAIN on the child's root (the child has
    not run).
    2. FREE_PGD the child's root: every table of the tree goes back to the kernel and every
    leaf mapping of the tree is dropped at once, the shared heap and stack frames included.
    3. Read the heap and stack frames through the linear map."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = _exit_child_domain(a)
        if child is None:
            return
        root = child.mm.tables.root
        if a.guarded:
            st, _ = a.hvc(Call.FREE_PGD, root)
            a.note(f"FREE_PGD child root {root:#x}: {Status(st).name}")
        for va in (a.layout.heap, a.layout.stack_secret & ~(PAGE - 1)):
            pa = a.pa_of(va)
            if pa is not None:
                a.observe(a.read_lm(pa), f"linear map of {va:#x} after FREE_PGD")


NEW_STACK = 0xFFFF_F000_0000       # a page of the kernel's choosing for the initial stack
PLANTED_VA = 0xFFFF_F010_0000      # above it: where the program's first mmap will land
PLANT = (b"RY-012 planted!!" * (PAGE // 16))[:-1] + b"\0"    # one long NUL-ended string
AT_EXECFN = 31
INITIAL_STACK_WORDS = 512          # argc, argv, envp and auxv fit in this many words


def _point_auxv_at(adv: Adversary, words: bytes, target: int) -> bytes:
    """The initial stack's words with AT_EXECFN and the last argv[] entry naming target
    (the planted page is one NUL-terminated string: a string the initial stack points at)."""
    w = list(struct.unpack(f"<{len(words) // 8}Q", words))
    i = w[0] + 2                                   # past argc, argv[] and its NULL
    while i < len(w) and w[i]:
        i += 1                                     # envp[]
    i += 1
    while i + 1 < len(w) and w[i]:
        if w[i] == AT_EXECFN:
            adv.note(f"AT_EXECFN {w[i + 1]:#x} -> {target:#x}")
            w[i + 1] = target
        i += 2
    if w[0] > 1:
        adv.note(f"argv[{w[0] - 1}] {w[w[0]]:#x} -> {target:#x}")
        w[w[0]] = target
    return struct.pack(f"<{len(w)}Q", *w)


def _relocate_stack(adv: Adversary, sp: int) -> int:
    """Copy the initial stack's words at sp to NEW_STACK, plant PLANTED_VA; the new sp."""
    adv.memo["relocated"] = True
    words = adv.el1.read(sp, min(8 * INITIAL_STACK_WORDS, PAGE - sp % PAGE))
    words = _point_auxv_at(adv, words, PLANTED_VA)
    new_sp = (NEW_STACK + PAGE - len(words)) & ~15
    off = new_sp - NEW_STACK
    stack_page = bytes(off) + words + bytes(PAGE - off - len(words))
    for va, data in ((NEW_STACK, stack_page), (PLANTED_VA, PLANT)):
        pa = adv.alloc_frame()
        adv.write_lm(pa, data)
        adv.mm.tables.set(va, D.leaf_descriptor(pa, RW))
    adv.el1.tlbi_all()
    adv.mm.map_area(Vma(NEW_STACK - 64 * PAGE, NEW_STACK + PAGE, PROT_READ | PROT_WRITE,
                        name="[stack]"))
    adv.hit("watch", PLANTED_VA)
    adv.note(f"initial stack {sp:#x} copied to {new_sp:#x}; page planted at {PLANTED_VA:#x}")
    return new_sp


def _planted_page_seen(out: Outcome) -> list[str]:
    """The page mmap handed the program as fresh held bytes the kernel wrote."""
    seen = out.watched.get(PLANTED_VA, b"")
    return ["the program's fresh anonymous page held data the kernel planted before the "
            "domain existed (unmeasured memory entered it)"] if seen == PLANT[:16] else []


@scenario(id="RY-012", title="Start the program on a relocated initial stack whose span covers "
                             "a planted page", family=RT, goal=Goal.TAMPER,
          rules=("G-MEASURE-ALL", "G-IAGO-MMAP"), oracle=_planted_page_seen,
          prop="Only the measured image and the initial stack's own bytes enter a new domain "
               "with data: the stack pointer the kernel names at CREATE_DOMAIN does not widen "
               "what counts as the initial stack.")
def ry_relocated_initial_stack(adv: Adversary) -> None:
    """1. At CREATE_DOMAIN, copy the initial stack's words (argc, argv, envp, auxv: their
    pointers still name the strings at the top of the real stack) to a page of the
    kernel's far below, and name that copy as the stack pointer.
    2. Between the copy and the real stack, map a page filled with bytes of the kernel's
    choosing (one long NUL-terminated string), and point AT_EXECFN and the last argv[]
    entry of the copy at it, so that it is a string the initial stack names.
    3. Answer the program's first mmap after START (its anonymous secret page) with the
    planted page: the program's 'fresh' memory holds the kernel's data."""
    @adv.on(Point.HVC, once=False, init_only=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes) -> object:
        if call != Call.CREATE_DOMAIN or a.memo.get("relocated"):
            return None
        root, entry, sp = args[:3]
        return (root, entry, _relocate_stack(a, sp), *args[3:]), payload

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, thread: object) -> None:
        if thread is not None and not a.memo.get("relocated"):   # no monitor: no domain
            a.set_reg("sp", _relocate_stack(a, a.reg("sp")))

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=Phase.START)
    def _(a: Adversary, **_: object) -> None:
        placed = a.reg("x0")
        a.mm.vmas.remove_range(placed, placed + PAGE)
        a.mm.map_area(Vma(PLANTED_VA, PLANTED_VA + PAGE, PROT_READ | PROT_WRITE,
                          name="[anon]"))
        a.set_reg("x0", PLANTED_VA)
        a.note(f"first mmap answered {PLANTED_VA:#x} (kernel placed {placed:#x})")


SIGUSR1 = 10
COUNTER_PAGE = 0x4A2000            # the .bss page of `usr1_count` and `secret` (public)


@scenario(id="RY-013", title="Make the forked child's CoW share of .bss writable in place, "
                             "then run its handler", family=RT, goal=Goal.TAMPER,
          rules=("G-ONE-MAPPING", "G-CONF-INTEGRITY", "G-SETPT-CONF-OWNER"),
          prop="A frame fork left shared between parent and child stays read-only in both "
               "trees until a copy separates them: the child's writes never reach the "
               "parent's page.")
def ry_child_writes_shared(adv: Adversary) -> None:
    """1. Right after fork() in the parent, the child's tree maps the program's .bss page
    (its signal counter and secret) read-only, shared with the parent.
    2. The kernel rewrites the child's entry as writable on the same frame (its
    copy-on-write path when it believes the page is no longer shared).
    3. It sends the child SIGUSR1 (asynchronous signals are the kernel's to send): the
    child's handler increments the counter in the shared frame, and the parent's counter
    goes from 1 to 2 with no signal delivered to the parent."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = _child(a)
        if child is None:
            a.note("no forked child found")
            return
        root = child.mm.tables.root
        pa = a.pa_of(COUNTER_PAGE, root)
        a.note(f"child maps {COUNTER_PAGE:#x} -> {pa}, parent -> {a.pa_of(COUNTER_PAGE)}")
        if pa is None:
            return
        child.mm.tables.set(COUNTER_PAGE, D.leaf_descriptor(pa, RW))
        a.el1.tlbi_all()
        a.kernel.signals.send_process(child, SIGUSR1, b"")


NR_EXIT_GROUP = 94


@scenario(id="RY-014", title="FREE_PGD the exiting child's tree, then read its private stack "
                             "copy", family=RT, goal=Goal.LEAK,
          rules=("G-RELEASE-SCRUB", "G-LM-UNMAP", "G-FREEPGD-NOT-LIVE"),
          prop="A confidential frame whose last mapping goes with a whole tree (FREE_PGD) is "
               "scrubbed before the kernel can read it, like one unmapped page by page.")
def ry_child_free_pgd_private(adv: Adversary) -> None:
    """1. Let the forked child run: its first stack write breaks copy-on-write, so it owns
    a private copy of the stack page (with the program's stack copy of the secret).
    2. When the child calls exit_group(), EXIT_DOMAIN its tree, switch TTBR0 to the idle
    tree and FREE_PGD the child's tree whole instead of unmapping its pages one by one.
    3. Read the child's private stack frame through the linear map."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT_GROUP, init_only=False, during=Phase.CHILD)
    def _(a: Adversary, thread: object, **_: object) -> None:
        child = thread.process                      # type: ignore[attr-defined]
        if child is a.init:
            return
        root = child.mm.tables.root
        va = a.layout.stack_secret & ~(PAGE - 1)
        pa, parent_pa = a.pa_of(va, root), a.pa_of(va)
        a.note(f"child stack frame {pa}, parent's {parent_pa}")
        if pa is None or pa == parent_pa:
            return
        if a.guarded:
            st, _ = a.hvc(Call.EXIT_DOMAIN, root)
            a.note(f"EXIT_DOMAIN child root: {Status(st).name}")
            a.el1.msr(S.TTBR0_EL1, a.kernel.idle_ttbr0)       # the tree is no longer live
            st, _ = a.hvc(Call.FREE_PGD, root)
            a.note(f"FREE_PGD child root: {Status(st).name}")
        data = a.observe(a.read_lm(pa), "linear map of the child's stack copy")
        if not any(data):
            a.note(f"the child's stack frame {pa:#x} reads back scrubbed")
