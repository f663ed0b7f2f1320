"""Secure-ABI calls whose arguments break one precondition each.

Every scenario here names one argument rule of a Guardian call (a TTBR0 that is
no registered root, a swap descriptor that is a valid mapping, a destination
frame some other tree maps, an unaligned frame...) and shows what the kernel
gains when that one rule is missing: each is the control run for a check that
no other attack reaches.  Without the Guardian the kernel simply does the
equivalent through its own mappings.
"""

from __future__ import annotations

from abi import Call
from attacks.adversary import PAGE, USER_RO, USER_RW, Adversary
from attacks.families.page_tables import HELPER_VA, attacker_frame
from attacks.families.secure_mm import SWAP_DESC, swap_out
from attacks.families.sysregs import heap_frame, private_tree
from attacks.scenario import Goal, scenario
from attacks.workload import KSM_OPT_IN, SECRET_LEN, SECRET_OFF, VARIANTS_PROGRAM, Phase
from emulator import descriptors as D
from emulator import sysregs as S

AP = "abi-preconditions"


def _forged_secret_frame(a: Adversary) -> int:
    """A kernel frame holding the kernel's bytes where the program keeps its secret."""
    return attacker_frame(a)


def consecutive_frames(a: Adversary) -> int:
    """A kernel frame whose successor is a kernel frame too (the allocator hands out the
    lowest free frame, so two in a row usually are)."""
    spare: list[int] = []
    first = a.alloc_frame()
    while True:
        nxt = a.alloc_frame()
        if nxt == first + PAGE:
            break
        spare.append(first)
        first = nxt
    for pa in spare:
        a.kernel.frames.put(pa)
    a.write_lm(first, bytes(PAGE))
    a.write_lm(first + PAGE, bytes(PAGE))
    return first


@scenario(id="AP-001", title="SET_PTBR to a tree the kernel built in its own frames",
          family=AP, goal=Goal.LEAK, rules=("G-SYSREG-TTBR0",),
          prop="SET_PTBR installs only a root table the Guardian registered, so every "
               "translation the core uses passed SET_PT.")
def ap_set_ptbr_private(adv: Adversary) -> None:
    """1. At PLACED, build a user tree in ordinary kernel frames mapping the heap frame.
    2. Install it with SET_PTBR (without a Guardian: write TTBR0), clear EPD0 and load
    the page; put the program's tree back."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        root = private_tree(a, HELPER_VA, heap_frame(a), USER_RO)
        old_ttbr0, old_tcr = a.el1.mrs(S.TTBR0_EL1), a.el1.mrs(S.TCR_EL1)
        if a.guarded:
            status, _ = a.hvc(Call.SET_PTBR, root)
            if status:
                return
        else:
            a.el1.msr(S.TTBR0_EL1, root)
        try:
            a.el1.msr(S.TCR_EL1, old_tcr & ~S.TCR_EPD0)
            a.el1.tlbi_all()
            a.observe(a.el1.read(HELPER_VA, PAGE), "a kernel-built tree installed by SET_PTBR")
        finally:
            a.el1.msr(S.TTBR0_EL1, a.kernel.idle_ttbr0)
            a.el1.msr(S.TTBR0_EL1, old_ttbr0)
            a.el1.tlbi_all()


@scenario(id="AP-002", title="Install the program's own tree with SET_PTBR from an idle TTBR0",
          family=AP, goal=Goal.LEAK, rules=("G-EPD0-ON-SWITCH",),
          prop="However TTBR0 comes to name a confidential tree (a trapped write or "
               "SET_PTBR), EPD0 is set while the kernel runs.")
def ap_set_ptbr_confidential(adv: Adversary) -> None:
    """1. At PLACED, switch TTBR0 to the idle tree with a trapped write.
    2. Switch back to the program's tree with SET_PTBR instead of a write.
    3. Load the heap buffer at its user address."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.el1.msr(S.TTBR0_EL1, a.kernel.idle_ttbr0)
        if a.guarded:
            a.hvc(Call.SET_PTBR, a.mm.ttbr0)
        else:
            a.el1.msr(S.TTBR0_EL1, a.mm.ttbr0)
        a.el1.tlbi_all()
        a.observe(a.el1.read(a.layout.heap, PAGE), "user half after SET_PTBR")


@scenario(id="AP-003", title="Swap the heap out with a swap entry that is a valid mapping",
          family=AP, goal=Goal.TAMPER, rules=("G-SMM-ARGS",),
          prop="The entry SWAP_OUT leaves behind is not a valid descriptor: swap-out cannot "
               "map a frame of the kernel's choosing into the program.")
def ap_swap_out_valid_desc(adv: Adversary) -> None:
    """1. At PLACED, fill a kernel frame with the kernel's bytes.
    2. SWAP_OUT the heap page naming, as the swap entry, a page descriptor for that frame
    (without a Guardian: point the heap entry at it)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        forged = _forged_secret_frame(a)
        last = a.walk(a.layout.heap)[-1]
        desc = (last.desc & ~D.ADDR_MASK) | forged
        if a.guarded:
            a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, a.layout.heap, desc))
        else:
            a.mm.tables.set(a.layout.heap, desc)
        a.el1.tlbi_all()


@scenario(id="AP-004", title="Migrate the heap page into a frame a helper tree maps",
          family=AP, goal=Goal.LEAK, rules=("G-SMM-ARGS",),
          prop="MIGRATE_PAGE copies only into a frame nothing else maps.")
def ap_migrate_into_mapped(adv: Adversary) -> None:
    """1. At PLACED, map a kernel frame in a helper address space.
    2. MIGRATE_PAGE the heap page into that frame (without a Guardian: copy it there).
    3. Load the helper page."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        frame = a.alloc_frame()
        tree = a.new_tree()
        tree.set(HELPER_VA, D.leaf_descriptor(frame, USER_RO))
        if a.guarded:
            status, _ = a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, a.layout.heap, frame)
            if status:
                return
        else:
            a.el1.copy_page(a.lm(frame), a.lm(heap_frame(a)))
        a.el1.tlbi_all()
        a.observe(a.read_through(tree.root, HELPER_VA, PAGE), "helper page after migration")


@scenario(id="AP-005", title="Migrate the heap page to a frame address that is not aligned",
          family=AP, goal=Goal.LEAK, rules=("G-SMM-ARGS",),
          prop="MIGRATE_PAGE takes a page-aligned frame: the copy cannot straddle into a "
               "frame the kernel still reads.")
def ap_migrate_unaligned(adv: Adversary) -> None:
    """1. At PLACED, take two consecutive kernel frames.
    2. MIGRATE_PAGE the heap page to an address inside the first, placed so that the secret
    lands at the start of the second (without a Guardian: copy the page there).
    3. Read the second frame through the linear map."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        first = consecutive_frames(a)
        new = first + PAGE - SECRET_OFF
        if a.guarded:
            a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, a.layout.heap, new)
        else:
            data = a.read_lm(heap_frame(a))
            a.write_lm(first + PAGE, data[SECRET_OFF:SECRET_OFF + SECRET_LEN])
        a.observe(a.read_lm(first + PAGE), "the frame after an unaligned migration target")


@scenario(id="AP-006", title="Fault the program's fresh page in with a pre-filled frame",
          family=AP, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",),
          prop="Anonymous memory enters a domain zero-filled: the program never starts from "
               "bytes the kernel chose.")
def ap_prefilled_anonymous(adv: Adversary) -> None:
    """1. At FRESH, map a kernel frame full of 0xa5 at the program's fresh (untouched,
    anonymous) page before the program touches it.
    2. The program copies its secret into part of the page; the rest stays the kernel's."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        frame = attacker_frame(a)
        a.mm.tables.set(a.layout.fresh, D.leaf_descriptor(frame, USER_RW))
        a.mm.resident += 1
        a.el1.tlbi_all()


@scenario(id="AP-007", title="Swap the heap page out, then fault a zero page in its place",
          family=AP, goal=Goal.TAMPER, rules=("G-SWAP-FRESH", "G-LEAVE-ON-REQUEST"),
          prop="A page the kernel swapped out comes back only through SWAP_IN: the kernel "
               "cannot answer the program's next touch with a blank page.")
def ap_swap_then_blank(adv: Adversary) -> None:
    """1. At PLACED, swap the heap page out (SWAP_OUT under the Guardian).
    2. Map a zeroed kernel frame at the heap address instead of swapping the page in."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        if swap_out(a, a.layout.heap) is None:
            return
        frame = a.alloc_frame()
        a.write_lm(frame, bytes(PAGE))
        desc = (a.memo["desc"][a.layout.heap] & ~D.ADDR_MASK) | frame
        a.mm.tables.set(a.layout.heap, desc)
        a.el1.tlbi_all()





# --- secure-MM calls on pages that are not what the call expects --------------------------
@scenario(id="AP-012", title="Swap out a swapped-out address whose swap entry names the "
          "stack frame", family=AP, goal=Goal.TAMPER, rules=("G-SMM-ARGS", "G-SWAP-BIND"),
          prop="SWAP_OUT and the other page calls act only on a page a valid 4 KiB entry "
               "maps, never on the address bits of a swap entry.")
def ap_swap_out_swap_entry(adv: Adversary) -> None:
    """1. At PLACED, swap the heap page out, leaving a swap entry whose address bits name
    the program's stack frame.
    2. Swap the heap address out again and swap that second copy in at the heap address
    (without a Guardian: point the heap entry at the stack frame)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        heap, stack = a.layout.heap, a.layout.stack & ~(PAGE - 1)
        stack_pa = a.pa_of(stack)
        assert stack_pa is not None
        last = a.walk(heap)[-1]
        if not a.guarded:
            a.mm.tables.set(heap, (last.desc & ~D.ADDR_MASK) | (stack_pa & D.ADDR_MASK))
            a.el1.tlbi_all()
            return
        status, _, first = a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, heap,
                                                      stack_pa & D.ADDR_MASK))
        if status:
            return
        a.kernel.frames.put(last.desc & D.ADDR_MASK)
        status, _, second = a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, heap, SWAP_DESC))
        blob = first if status else second
        frame = a.alloc_frame()
        a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, heap, frame,
                                  (last.desc & ~D.ADDR_MASK) | frame), blob)


@scenario(id="AP-013", title="Swap the heap page in with a descriptor naming another frame",
          family=AP, goal=Goal.TAMPER, rules=("G-SMM-ARGS", "G-SWAP-AUTH"),
          prop="SWAP_IN installs a page entry for the frame it filled, never for a frame of "
               "the kernel's choosing.")
def ap_swap_in_other_frame(adv: Adversary) -> None:
    """1. At PLACED, swap the heap page out.
    2. Swap it in giving one frame to fill and a descriptor naming a kernel frame full of
    0xa5 (without a Guardian: map that frame at the heap address)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        blob = swap_out(a, a.layout.heap)
        if blob is None:
            return
        forged = attacker_frame(a)
        desc = (a.memo["desc"][a.layout.heap] & ~D.ADDR_MASK) | forged
        if not a.guarded:
            a.mm.tables.set(a.layout.heap, desc)
            a.el1.tlbi_all()
            return
        frame = a.alloc_frame()
        status, _, _ = a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, a.layout.heap, frame, desc),
                                  blob)
        if status:
            a.kernel.frames.put(frame)
            good = (desc & ~D.ADDR_MASK) | frame
            frame = a.alloc_frame()
            good = (desc & ~D.ADDR_MASK) | frame
            a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, a.layout.heap, frame, good), blob)


@scenario(id="AP-014", title="KSM-merge the heap page with the program's stack page",
          family=AP, goal=Goal.TAMPER, rules=("G-KSM-DOMAIN",),
          program=VARIANTS_PROGRAM, args=(KSM_OPT_IN,),
          prop="KSM merges only byte-identical pages: a merge never changes what the program "
               "reads.")
def ap_ksm_different(adv: Adversary) -> None:
    """1. At PLACED, ask for a KSM merge of the stack page (kept) with the heap page
    (without a Guardian: point the heap entry at the stack frame, read-only).
    The program lets KSM merge its pages (-k: prctl(PR_SET_MEMORY_MERGE, 1)): Linux's
    KSM compares no page a program did not make mergeable."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        stack = a.layout.stack & ~(PAGE - 1)
        if a.guarded:
            root = a.mm.tables.root
            a.hvc(Call.KSM_MERGE, root, stack, root, a.layout.heap, 0)
        else:
            pa = a.pa_of(stack)
            assert pa is not None
            last = a.walk(a.layout.heap)[-1]
            a.mm.tables.set(a.layout.heap, (last.desc & ~D.ADDR_MASK) | (pa & D.ADDR_MASK)
                            | D.AP_RO)
        a.el1.tlbi_all()


@scenario(id="AP-015", title="Split a 2 MiB region that is mapped by a table, not a block",
          family=AP, goal=Goal.TAMPER, rules=("G-SMM-ARGS",),
          prop="THP_SPLIT takes a block mapping apart: it never reinterprets a table "
               "descriptor as a block of physical memory.")
def ap_thp_split_table(adv: Adversary) -> None:
    """1. At PLACED, THP_SPLIT the heap's 2 MiB region, which a level-3 table maps, with a
    fresh table frame (without a Guardian: point the heap entry at the page that region
    would map as a block)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        region = a.layout.heap & ~((2 << 20) - 1)
        l2 = a.walk(a.layout.heap)[2]
        block_base = l2.desc & D.BLOCK_MASK_L2
        if a.guarded:
            table = a.alloc_frame()
            a.write_lm(table, bytes(PAGE))
            a.hvc(Call.THP_SPLIT, a.mm.tables.root, region, table)
        else:
            last = a.walk(a.layout.heap)[-1]
            a.mm.tables.set(a.layout.heap, (last.desc & ~D.ADDR_MASK)
                            | (block_base + (a.layout.heap - region)))
        a.el1.tlbi_all()


@scenario(id="AP-016", title="Collapse the heap's 2 MiB region into a huge page", family=AP,
          goal=Goal.TAMPER, rules=("G-SMM-ARGS",),
          prop="THP_COLLAPSE needs 512 contiguous, aligned, uniform pages of the domain: "
               "scattered pages are never replaced by a block of other memory.")
def ap_thp_collapse_scattered(adv: Adversary) -> None:
    """1. At PLACED, THP_COLLAPSE the heap's 2 MiB region, whose pages are scattered
    (without a Guardian: map the heap address to the 2 MiB block the first entry names)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        region = a.layout.heap & ~((2 << 20) - 1)
        if a.guarded:
            a.hvc(Call.THP_COLLAPSE, a.mm.tables.root, region)
        else:
            last = a.walk(a.layout.heap)[-1]
            a.mm.tables.set(a.layout.heap, (last.desc & ~D.ADDR_MASK) | a.alloc_frame())
        a.el1.tlbi_all()
