"""Red-team round forty: the Guardian's core -- EL1 control bits, subtrees of the program's
tables, copy-on-write shares, and what the secure memory-management calls reveal.

- EL1 control bits the kernel leaves set for user code: SCTLR_EL1.A (alignment checks,
  QX-001), TCR_EL1.E0PD0 (QX-002), SCTLR_EL1.SA0/nTWI/UCI (QX-012) and TCR_EL1.HA/HD/TBID0/
  NFD0 (QX-013), judged by the bits user code ran with.
- A fork leaves every private page shared read-only by parent and child: the parent's entry
  is then not the frame's last mapping, and the kernel replaces or clears it (QX-003,
  QX-004).
- Whole subtrees: a table descriptor replaced by one naming an empty table (QX-005), the
  orphaned level-3 or level-2 table grafted into a tree of the kernel's own (QX-006,
  QX-007), a table descriptor overwritten with a 2 MiB block of kernel frames (QX-008).
- PAGE_DIGEST and KSM_MERGE as equality oracles between pages the program keeps secret and
  pages whose contents the kernel chose (QX-009, QX-010), and the exact fault address of a
  first touch at a secret-dependent offset (QX-014), on the victim `secret_r40_core`.
- A fork child's tree freed with FREE_PGD and its root rebuilt over the parent's heap frame
  (QX-011).

(Trap-based attacks on CPACR_EL1.FPEN, SCTLR_EL1.A and the self-hosted debug registers
cannot be shown here: the emulator does not apply those EL1 writes to EL0 code, so without
a Guardian no trap is taken either.)

The victim of QX-001..QX-008 is the plain `secret` program (workloads/src/secret.c).
Where an attack gets through with the Guardian on, it names the property it breaks (`gap`)
and its docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from abi import Call, Status
from attacks.adversary import PAGE, Adversary
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import Phase
from emulator import descriptors as D
from emulator import sysregs as S

RT = "redteam_r40"
TCR_E0PD0 = 1 << 55
NR_CLONE = 220


def _at_placed_return(adv: Adversary, fn) -> None:  # type: ignore[no-untyped-def]
    """Run `fn(a)` as the kernel returns from the PLACED marker (the secret is in x19-x22
    and q8/q9, and stays there for the next few instructions)."""
    @adv.on(Point.BEFORE_RESUME, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        fn(a)


# --- EL1 control bits left set for user code ----------------------------------------------
def _changed(out: Outcome) -> list[str]:
    names = ("SCTLR_EL1", "TCR_EL1", "MAIR_EL1")
    return [f"user code ran with {names[i]} EL0 bits {seen[i]:#x} (the program's are "
            f"{out.boot_config[i]:#x})"
            for seen in out.el0_config for i in range(3) if seen[i] != out.boot_config[i]][:3]


@scenario(id="QX-001", title="Leave alignment checking (SCTLR_EL1.A) on for user code",
          family=RT, goal=Goal.TAMPER, rules=("G-SYSREG-SCTLR", "G-EL0-SYSREGS"),
          oracle=_changed,
          silent="the Guardian installs its own EL0-visible SCTLR bits at every return",
          prop="SCTLR_EL1.A (whether an unaligned EL0 access to Normal memory faults) is the "
               "Guardian's while confidential code runs.")
def qx_sctlr_a(adv: Adversary) -> None:
    """1. As it returns from the PLACED marker, the kernel sets SCTLR_EL1.A and leaves it so:
    every unaligned EL0 access now takes an alignment fault (a SIGBUS, or a fault the kernel
    sees with the program's registers live).
    Linux runs user code with SCTLR_EL1.A clear (INIT_SCTLR_EL1_MMU_ON has no A): an
    unaligned access to Normal memory never faults."""
    _at_placed_return(adv, lambda a: a.el1.msr(S.SCTLR_EL1, a.el1.mrs(S.SCTLR_EL1)
                                               | S.SCTLR_A))


@scenario(id="QX-002", title="Leave TCR_EL1.E0PD0 set for user code (EL0 accesses to the user "
          "half fault)", family=RT, goal=Goal.TAMPER,
          rules=("G-SYSREG-TCR-EPD0", "G-EL0-SYSREGS"), oracle=_changed,
          silent="the Guardian installs its own EL0-visible TCR bits at every return",
          prop="TCR_EL1.E0PD0 (whether EL0 may use the TTBR0 half at all) is the Guardian's "
               "while confidential code runs.")
def qx_tcr_e0pd0(adv: Adversary) -> None:
    """1. As it returns from the PLACED marker, the kernel sets TCR_EL1.E0PD0 (bit 55) and
    leaves it so: on a core with FEAT_E0PD every EL0 access to the user half faults.
    Linux sets E0PD1 only (the kernel half, for KPTI's sake, in cpu_enable_e0pd()); never
    E0PD0, which would make user memory unreachable to user code."""
    _at_placed_return(adv, lambda a: a.el1.msr(S.TCR_EL1, a.el1.mrs(S.TCR_EL1) | TCR_E0PD0))


@scenario(id="QX-012", title="Clear SCTLR_EL1.SA0, nTWI and UCI for user code", family=RT,
          goal=Goal.TAMPER, rules=("G-SYSREG-SCTLR", "G-EL0-SYSREGS"), oracle=_changed,
          silent="the Guardian installs its own EL0-visible SCTLR bits at every return",
          prop="SCTLR_EL1.SA0 (EL0 stack alignment checks), nTWI (WFI at EL0) and UCI (EL0 "
               "cache maintenance) are the Guardian's while confidential code runs.")
def qx_sctlr_rest(adv: Adversary) -> None:
    """1. As it returns from the PLACED marker, the kernel clears SCTLR_EL1.SA0, nTWI and
    UCI and leaves them so: a misaligned SP no longer faults, WFI and DC CVAU/IC IVAU at EL0
    trap to the kernel.
    Linux runs user code with all three set (INIT_SCTLR_EL1_MMU_ON: SCTLR_EL1_SA0,
    SCTLR_EL1_nTWI, SCTLR_EL1_UCI; UCI is cleared only for an erratum workaround that then
    emulates the instruction)."""
    bits = S.SCTLR_SA0 | S.SCTLR_NTWI | S.SCTLR_UCI
    _at_placed_return(adv, lambda a: a.el1.msr(S.SCTLR_EL1, a.el1.mrs(S.SCTLR_EL1) & ~bits))


@scenario(id="QX-013", title="Set TCR_EL1.HA, HD, TBID0 and NFD0 for user code", family=RT,
          goal=Goal.TAMPER, rules=("G-SYSREG-TCR-EPD0", "G-EL0-SYSREGS"), oracle=_changed,
          silent="the Guardian installs its own EL0-visible TCR bits at every return",
          prop="The TCR_EL1 bits that change how EL0 accesses behave (hardware access-flag "
               "and dirty updates, TBI for instruction addresses, SVE non-fault loads) are "
               "the Guardian's while confidential code runs.")
def qx_tcr_rest(adv: Adversary) -> None:
    """1. As it returns from the PLACED marker, the kernel sets TCR_EL1.HA and HD (the MMU
    then writes the access flag and dirty state of the program's own table entries), TBID0
    and NFD0, and leaves them so.
    Linux sets HA/HD only where the CPU has them and for every table alike (it never changes
    them per process), never sets TBID0 for user code without pointer authentication's
    data-key ABI, and never NFD0."""
    bits = (1 << 39) | (1 << 40) | (1 << 51) | (1 << 53)
    _at_placed_return(adv, lambda a: a.el1.msr(S.TCR_EL1, a.el1.mrs(S.TCR_EL1) | bits))


# --- the copy-on-write shares a fork leaves ---------------------------------------------
def _after_fork(adv: Adversary, fn) -> None:  # type: ignore[no-untyped-def]
    """Run `fn(a, child)` as clone() returns to the parent (every private page of the parent
    is now shared read-only with the child, which has not run)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        kids = [p for p in a.kernel.processes.values() if p.parent is a.init]
        if not kids:
            a.note("no child found")
            return
        fn(a, kids[-1])


def _leaf(a: Adversary, va: int, root: int | None = None):  # type: ignore[no-untyped-def]
    return a.walk(va, root)[-1]


@scenario(id="QX-003", title="Replace the parent's copy-on-write share of its heap page by a "
          "zero-filled frame while the child still maps the original", family=RT,
          goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST", "G-CONF-INTEGRITY"),
          prop="A private page stays the program's after a fork: the parent's entry for it "
               "goes only through its own munmap/madvise, even while the child shares the "
               "frame.")
def qx_cow_zero_parent(adv: Adversary) -> None:
    """1. The program forks; as clone() returns to the parent, the heap page (with the
    secret) is one frame shared read-only by parent and child.
    2. The kernel writes the parent's heap entry with a fresh frame, zero_fill set (a
    page 'entering a confidential tree where it must hold zeros'): the frame's other
    mapping (the child's) remains, so this is not its last mapping.
    3. The parent's final comparison finds zeros where the secret was: TAMPERED.
    Linux's copy-on-write break (wp_page_copy()) always copies the old page; nothing but
    the program's own munmap/madvise(MADV_DONTNEED) makes a private page read zero."""
    def go(a: Adversary, child: object) -> None:
        last = _leaf(a, a.layout.heap)
        frame = a.alloc_frame()
        desc = (last.desc & ~D.ADDR_MASK) | frame
        a.kernel.writer.write_entry(last.table, last.index, desc, 1)
        a.el1.tlbi_all()
        a.note(f"parent heap entry now {desc:#x}")
    _after_fork(adv, go)


@scenario(id="QX-004", title="Drop the parent's copy-on-write share of its heap page while the "
          "child maps the frame, then serve the fault with a zero page", family=RT,
          goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST", "G-CONF-INTEGRITY"),
          prop="A private page stays the program's after a fork: clearing the parent's entry "
               "is refused even though the child still maps the frame.")
def qx_cow_clear_parent(adv: Adversary) -> None:
    """1. As clone() returns to the parent, the heap frame is shared by parent and child.
    2. The kernel clears the parent's heap entry (SET_PT 0): not the frame's last mapping.
    3. The parent's next touch of its heap faults; the kernel model serves it as a fresh
    anonymous page (zeros): the parent reports TAMPERED.
    Linux never drops a present private page from a process it did not unmap."""
    def go(a: Adversary, child: object) -> None:
        last = _leaf(a, a.layout.heap)
        a.kernel.writer.write_entry(last.table, last.index, 0, 0)
        a.el1.tlbi_all()
    _after_fork(adv, go)


# --- whole subtrees: a table descriptor replaced, an orphaned table grafted elsewhere -------
HELPER_VA = 0x10_0000_0000          # where the kernel's own helper tree maps things
BLOCK = 1 << 21


def _user_view(a: Adversary, root: int, va: int, n: int) -> bytes:
    """Load through another TTBR0 with TCR_EL1.EPD0 clear (the kernel's own view of a user
    space it switched to)."""
    old_ttbr, old_tcr = a.el1.mrs(S.TTBR0_EL1), a.el1.mrs(S.TCR_EL1)
    a.el1.msr(S.TTBR0_EL1, root)
    try:
        a.el1.msr(S.TCR_EL1, a.el1.mrs(S.TCR_EL1) & ~S.TCR_EPD0)
        a.el1.tlbi_all()
        return a.el1.read(va, n)
    finally:
        a.el1.msr(S.TCR_EL1, old_tcr)
        a.el1.msr(S.TTBR0_EL1, old_ttbr)
        a.el1.tlbi_all()


def _helper_tree(a: Adversary):  # type: ignore[no-untyped-def]
    """A tree of the kernel's own with tables down to level 3 for HELPER_VA."""
    tree = a.new_tree()
    tree.set(HELPER_VA, D.leaf_descriptor(a.alloc_frame(),
                                         D.PagePerms(user=True, write=True)))
    return tree


def _swap_table(a: Adversary, level: int) -> int:
    """Replace the program's level-`level` table descriptor on the heap's walk (the entry
    at level - 1 naming it) by one naming a fresh, empty table; returns the old table."""
    walk = a.walk(a.layout.heap)
    parent = walk[level - 1]
    old = walk[level].table
    fresh = a.kernel.writer.alloc_table(level)
    a.kernel.writer.write_entry(parent.table, parent.index, D.table_descriptor(fresh))
    a.el1.tlbi_all()
    a.note(f"level-{level} table {old:#x} replaced by {fresh:#x}")
    return old


def _graft(a: Adversary, table: int, level: int) -> int:
    """Link `table` (a level-`level` table) into a helper tree of the kernel's own at the
    slot after HELPER_VA's; returns the helper-tree VA the heap page now has there."""
    tree = _helper_tree(a)
    a.memo["helper"] = tree
    entry = a.walk(HELPER_VA, tree.root)[level - 1]
    a.kernel.writer.write_entry(entry.table, entry.index + 1, D.table_descriptor(table))
    a.el1.tlbi_all()
    span = 1 << D.LEVEL_SHIFT[level - 1]
    base = (HELPER_VA & ~(span - 1)) + span
    return base + (a.layout.heap & (span - 1))


@scenario(id="QX-005", title="Replace the table descriptor over the heap's level-3 table by one "
          "naming an empty table", family=RT, goal=Goal.TAMPER,
          rules=("G-LEAVE-ON-REQUEST", "G-SETPT-ONE-PARENT", "G-CONF-INTEGRITY"),
          prop="Replacing a table descriptor takes the old subtree out of the program's view "
               "and is refused as clearing it is: the heap stays mapped.")
def qx_replace_l3(adv: Adversary) -> None:
    """1. At IAGO_MMAP (after the fork), the kernel registers a fresh level-3 table and
    writes the program's level-2 entry for the heap's 2 MiB with a table descriptor naming
    it (one SET_PT: not a clear, and the new entry is valid).
    2. The program's next touches of its data fault; the kernel model serves them as new
    anonymous pages (zeros) and image pages from the file: its heap copy of the secret reads
    zero and it reports TAMPERED.
    Linux's page tables change only under the program's own munmap/mremap/madvise for a
    present private page (zap_pte_range()); no path swaps a page-table page under it."""
    @adv.at(Phase.IAGO_MMAP)
    def _(a: Adversary) -> None:
        _swap_table(a, 3)


@scenario(id="QX-006", title="Orphan the heap's level-3 table by replacing its descriptor, then "
          "graft it into a tree of the kernel's own", family=RT, goal=Goal.LEAK,
          rules=("G-SETPT-ONE-PARENT", "G-SETPT-CONF-OWNER", "G-ONE-MAPPING"),
          prop="A table holding confidential leaves never becomes part of a tree outside its "
               "domain, even after it lost its parent.")
def qx_graft_l3(adv: Adversary) -> None:
    """1. At PLACED, replace the level-2 entry over the heap's level-3 table by a table
    descriptor naming an empty table (QX-005): the old table, with the heap's leaf, now has
    no parent.
    2. Link the orphaned table into a helper tree of the kernel's own (a table descriptor
    naming a PAGE_TABLE frame one level down with no parent: the SET_PT precondition).
    3. Switch TTBR0 to the helper tree and load the heap page through it.
    Linux never gives a process's page-table page to another mm (free_pte_range() frees it
    only after it is empty)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        old = _swap_table(a, 3)
        va = _graft(a, old, 3)
        a.observe(_user_view(a, a.memo["helper"].root, va, PAGE), "heap through a grafted table")


@scenario(id="QX-007", title="Orphan the heap's level-2 table by replacing its descriptor, then "
          "graft it into a tree of the kernel's own", family=RT, goal=Goal.LEAK,
          rules=("G-SETPT-ONE-PARENT", "G-SETPT-CONF-OWNER", "G-ONE-MAPPING"),
          prop="A table holding a confidential subtree never becomes part of a tree outside "
               "its domain, even after it lost its parent.")
def qx_graft_l2(adv: Adversary) -> None:
    """1. At PLACED, replace the level-1 entry over the heap's level-2 table by a table
    descriptor naming an empty level-2 table.
    2. Link the orphaned level-2 table (its level-3 tables and the heap's leaf below it)
    into a helper tree of the kernel's own.
    3. Switch TTBR0 to the helper tree and load the heap page through it.
    As QX-006, one level up."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        old = _swap_table(a, 2)
        va = _graft(a, old, 2)
        a.observe(_user_view(a, a.memo["helper"].root, va, PAGE), "heap through a grafted table")


@scenario(id="QX-008", title="Overwrite the table descriptor over the mapped page's level-3 "
          "table with a 2 MiB block of kernel frames", family=RT,
          goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST", "G-MEASURE-ALL", "G-CONF-INTEGRITY"),
          prop="A table descriptor over confidential pages is not replaced by a block "
               "mapping: the program's pages stay its own and no unmeasured memory enters.")
def qx_table_to_block(adv: Adversary) -> None:
    """1. At IAGO_MMAP, the kernel writes the program's level-2 entry over its mapped page
    (an anonymous page with a copy of the secret) with a 2 MiB block descriptor (user RW,
    not executable) naming 2 MiB of its own frames, filled with 0xA5.
    2. The program's mapped page (and whatever else lies in that 2 MiB) now reads the
    kernel's bytes: its copy of the secret differs, TAMPERED.
    Linux maps a PMD-sized block only for a transparent huge page it collapsed from the
    process's own pages (collapse_huge_page() copies them)."""
    @adv.at(Phase.IAGO_MMAP)
    def _(a: Adversary) -> None:
        walk = a.walk(a.layout.mapped)
        l2 = walk[2]
        run = _contiguous_run(a, BLOCK // PAGE)
        if run is None:
            a.note("no 2 MiB-aligned run of free frames")
            return
        for pa in range(run, run + BLOCK, PAGE):
            a.write_lm(pa, b"\xa5" * PAGE)
        desc = D.leaf_descriptor(run, D.PagePerms(user=True, write=True), level=2)
        a.note(f"level-2 entry {l2.index} of {l2.table:#x} becomes a block at {run:#x}")
        a.kernel.writer.write_entry(l2.table, l2.index, desc)
        a.el1.tlbi_all()


def _contiguous_run(a: Adversary, n: int) -> int | None:
    """Allocate frames until a 2 MiB-aligned run of `n` consecutive ones is held."""
    held: set[int] = set()
    for _ in range(6 * n):
        try:
            pa = a.alloc_frame()
        except Exception:  # noqa: BLE001 - the allocator ran dry
            break
        held.add(pa)
        base = pa & ~(BLOCK - 1)
        if all(base + i * PAGE in held for i in range(0, n, 64)) and \
                all(base + i * PAGE in held for i in range(n)):
            return base
    return None


# --- what the secure-MM calls tell the kernel about a page's contents ----------------------
CORE = "secret_r40_core"
# secret_r40_core: the marker after the input is read (x2 table, x3 input, x4 bytes read).
P_INPUT = 4000
TABLE_PAGES, INPUT_PAGES = 8, 256
NR_READ = 63
DIGEST_RUN = 64


def _candidates(adv: Adversary) -> None:
    """Answer the program's first read() of standard input with 256 pages: page v holds the
    byte v at offset 0 and zeros after it (bytes a pipe could carry: the kernel's claim)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.memo["read"] = (args[0], args[1], args[2])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ)
    def _(a: Adversary, **_: object) -> None:
        fd, buf, count = a.memo["read"]
        if fd != 0 or count < INPUT_PAGES * PAGE:
            a.note(f"read({fd}, {buf:#x}, {count}) is not the input read")
            return
        data = b"".join(bytes([v]) + bytes(PAGE - 1) for v in range(INPUT_PAGES))
        a.kernel.uaccess.write(buf, data)
        a.set_reg("x0", len(data))
        a.note(f"read() answered with {len(data)} candidate bytes at {buf:#x}")


def _at_input(adv: Adversary, fn) -> None:  # type: ignore[no-untyped-def]
    @adv.on(Point.MARKER, phase=P_INPUT)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        table, inp, got = args[0], args[1], args[2]
        if got != INPUT_PAGES * PAGE:
            a.note(f"the program read {got} bytes, not the candidates")
            return
        fn(a, table, inp)


def _digests(a: Adversary, va: int, n: int) -> list[int]:
    """PAGE_DIGEST of `n` pages from `va` (runs of up to 64 per call)."""
    root = a.mm.tables.root
    out: list[int] = []
    while len(out) < n:
        count = min(DIGEST_RUN, n - len(out))
        at = va + len(out) * PAGE
        if count == 1:
            st, value = a.hvc(Call.PAGE_DIGEST, root, at, 1)
            if st:
                break
            out.append(value)
            continue
        st, got, data = a.el1.hvc_data(Call.PAGE_DIGEST, (root, at, count))
        if st:
            a.refused(f"HVC PAGE_DIGEST refused: {Status(st).name}")
            break
        out += [int.from_bytes(data[8 * i:8 * i + 8], "little") for i in range(got)]
        if got < count:
            break
    return out


@scenario(id="QX-009", title="Recover the secret from PAGE_DIGEST: match each low-entropy page "
          "against 256 candidate pages the kernel wrote into the program's input", family=RT,
          goal=Goal.LEAK, rules=("G-KEYS-PRIVATE", "G-KSM-DOMAIN", "G-ENTRY-OWED"),
          program=CORE,
          prop="What the secure memory-management calls return reveals nothing of a page's "
               "contents to the kernel, not even which of its own candidate contents a page "
               "holds.")
def qx_digest_dictionary(adv: Adversary) -> None:
    """1. The program keeps eight pages, each holding one secret byte at offset 0 and zeros
    elsewhere, and reads 1 MiB of input from standard input into a buffer of 256 pages.
    2. The kernel answers that read() with 256 candidate pages: page v holds the byte v at
    offset 0 and zeros after it (bytes a pipe could carry).
    3. At the marker after the read it asks PAGE_DIGEST for the 8 table pages and the 256
    input pages (runs of 64): equal pages of one domain have equal digests, so each table
    page's digest names the candidate equal to it, and so its secret byte.
    4. The kernel would hold secret bytes 0..7 without ever reading a confidential frame.
    Deduplication is an equality test by nature, so Linux confines it to memory the program
    opted in: ksmd scans only areas madvise(MADV_MERGEABLE) marked VM_MERGEABLE, or every
    compatible area of an mm whose prctl(PR_SET_MEMORY_MERGE, 1) set MMF_VM_MERGE_ANY
    (mm/ksm.c ksm_madvise(), scan_get_next_rmap_item()); no other page is ever compared.
    The victim never opts in, so its pages are never a candidate: PAGE_DIGEST of a page
    outside the areas it made mergeable is refused (`ksm.mergeable`)."""
    _candidates(adv)

    def go(a: Adversary, table: int, inp: int) -> None:
        if not a.guarded:
            got = bytes(a.read_lm(a.pa_of(table + i * PAGE), 1)[0] for i in range(TABLE_PAGES))
            a.observe(got, "the table pages through the linear map")
            return
        cand = _digests(a, inp, INPUT_PAGES)
        secret = _digests(a, table, TABLE_PAGES)
        a.note(f"{len(cand)} candidate digests, {len(secret)} table digests")
        by_digest = {d: v for v, d in enumerate(cand)}
        found = bytes(by_digest.get(d, 0) for d in secret)
        a.note(f"recovered {sum(d in by_digest for d in secret)} of {len(secret)} bytes")
        a.observe(found, "secret bytes matched through PAGE_DIGEST")
    _at_input(adv, go)


@scenario(id="QX-010", title="Recover the secret from KSM_MERGE: try to merge each low-entropy "
          "page with the kernel's candidate pages until one merge succeeds", family=RT,
          goal=Goal.LEAK, rules=("G-KEYS-PRIVATE", "G-KSM-DOMAIN", "G-ENTRY-OWED"),
          program=CORE,
          prop="Whether KSM_MERGE succeeds reveals nothing of a page's contents to the kernel, "
               "not even which of its own candidate contents a page holds.")
def qx_merge_dictionary(adv: Adversary) -> None:
    """1. As QX-009: eight table pages with one secret byte each; the kernel answers the
    program's read() of standard input with 256 candidate pages (byte v, then zeros).
    2. For each table page the kernel calls KSM_MERGE(table page, candidate v) for v = 0,
    1, ...: the call is refused (ERR_DENIED) unless the two pages are byte for byte
    identical, so the first v it accepts is the page's secret byte.
    3. The kernel holds secret bytes 0..7; the merged pages stay equal, so the program
    still finishes intact.
    As QX-009: KSM_MERGE's answer is an equality test, and Linux's KSM merges only pages
    of areas the program made mergeable itself (madvise(MADV_MERGEABLE), PR_SET_MEMORY_MERGE);
    the victim's never are, so the first KSM_MERGE is refused (`ksm.mergeable`)."""
    _candidates(adv)

    def go(a: Adversary, table: int, inp: int) -> None:
        if not a.guarded:
            got = bytes(a.read_lm(a.pa_of(table + i * PAGE), 1)[0] for i in range(TABLE_PAGES))
            a.observe(got, "the table pages through the linear map")
            return
        root = a.mm.tables.root
        found = bytearray()
        tries = 0
        for i in range(TABLE_PAGES):
            for v in range(INPUT_PAGES):
                tries += 1
                st, _ = a.el1.hvc(Call.KSM_MERGE, root, table + i * PAGE, root,
                                  inp + v * PAGE, 0)
                if st == Status.OK:
                    found.append(v)
                    break
            else:
                found.append(0)
        a.note(f"{tries} KSM_MERGE calls")
        a.observe(bytes(found), "secret bytes matched through KSM_MERGE")
    _at_input(adv, go)


# --- a fork child's tree torn down and rebuilt under the same root --------------------------
def _rebuild_mapping(a: Adversary, root: int, va: int, frame: int) -> None:
    """Register `root` as a level-0 table and map `va` to `frame` below it (tables of the
    kernel's own, each through REGISTER_PT and SET_PT)."""
    w = a.kernel.writer
    st, _ = a.hvc(Call.REGISTER_PT, root, 0)
    if st:
        return
    table = root
    for level in (1, 2, 3):
        nxt = w.alloc_table(level)
        w.write_entry(table, D.level_index(va, level - 1), D.table_descriptor(nxt))
        table = nxt
    w.write_entry(table, D.level_index(va, 3),
                  D.leaf_descriptor(frame, D.PagePerms(user=True, write=True)))
    a.el1.tlbi_all()


@scenario(id="QX-011", title="FREE_PGD a fork child's tree before it runs, register its root "
          "again and map the parent's heap frame under it", family=RT, goal=Goal.LEAK,
          rules=("G-SETPT-CONF-OWNER", "G-ONE-MAPPING", "G-EPD0-ON-SWITCH"),
          prop="A root torn down with FREE_PGD leaves its domain: registered again it is a "
               "plain kernel tree, which may not map the domain's frames.")
def qx_free_child_rebuild(adv: Adversary) -> None:
    """1. As clone() returns to the parent, the child's tree shares every page with the
    parent and the child has not run.
    2. The kernel frees the child's tree with FREE_PGD (no EXIT_DOMAIN first), registers the
    same root frame again as a level-0 table, builds tables under it and maps the parent's
    heap frame at the heap's address.
    3. It names that root in TTBR0 with EPD0 clear and loads the secret.
    Linux's page tables are the kernel's own, but under the Guardian a tree that is no longer
    the domain's must not reach the domain's frames."""
    def go(a: Adversary, child: object) -> None:
        heap = a.layout.heap
        frame = a.pa_of(heap)
        if frame is None:
            return
        frame &= ~(PAGE - 1)
        if not a.guarded:
            tree = a.new_tree()
            tree.set(heap, D.leaf_descriptor(frame, D.PagePerms(user=True, write=True)))
            a.observe(_user_view(a, tree.root, a.layout.heap_secret, 32), "a rebuilt tree")
            return
        root = child.mm.tables.root  # type: ignore[attr-defined]
        st, _ = a.hvc(Call.FREE_PGD, root)
        a.note(f"FREE_PGD child root {root:#x}: {Status(st).name}")
        if st:
            return
        _rebuild_mapping(a, root, heap, frame)
        a.observe(_user_view(a, root, a.layout.heap_secret, 32), "the child's root, rebuilt")
    _after_fork(adv, go)


# --- where inside a page a fault happened ---------------------------------------------------
P_FAULTS = 4004


@scenario(id="QX-014", title="Read secret bytes from the offset inside the page of the program's "
          "first touches (FAR at a page fault)", family=RT, goal=Goal.LEAK,
          rules=("G-ENTRY-OWED", "G-ENTRY-SCRUB"), program=CORE,
          silent="the Guardian shows the kernel only the page of a fault address (FAR_EL1 "
                 "with its page offset cleared): nothing to refuse",
          prop="At a page fault the kernel learns which page to fault in, not where inside "
               "the page the program's access fell.")
def qx_fault_offset(adv: Adversary) -> None:
    """1. After its input step the program maps eight untouched pages and loads one byte from
    each, at offset 16 * secret[8 + i] (a lookup into fresh tables indexed by secret
    bytes, as a hash table or an S-box in fresh memory is).
    2. Each first load is a translation fault; the kernel reads the fault address at each
    and keeps bits 4..11 of it.
    3. It would hold secret bytes 8..15.
    The kernel is owed the page only: arm64's do_page_fault() hands handle_mm_fault() the
    address, which works on its page; the exact address matters only for a fault signal's
    si_addr (a confidential thread's comes from the Guardian's record of the exception),
    and Linux itself reports a page-aligned address to a userfaultfd reader unless
    UFFD_FEATURE_EXACT_ADDRESS is asked for.  FAR_EL1 holds the page, offset cleared."""
    @adv.on(Point.MARKER, phase=P_FAULTS)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["slots"] = args[0]
        a.memo["got"] = {}

    @adv.on(Point.FAULT, once=False)
    def _(a: Adversary, info: object, **_: object) -> None:
        base = a.memo.get("slots")
        far = a.el1.mrs(S.FAR_EL1)          # what the kernel's fault handler reads
        if far != info.far:  # type: ignore[attr-defined]
            a.note(f"FAR_EL1 {far:#x}, the exception record {info.far:#x}")  # type: ignore[attr-defined]
        if base is None or not base <= far < base + TABLE_PAGES * PAGE:
            return
        a.memo["got"][(far - base) // PAGE] = (far & (PAGE - 1)) >> 4
        a.note(f"fault at {far:#x}")
        if len(a.memo["got"]) == TABLE_PAGES:
            got = bytes(a.memo["got"][i] for i in range(TABLE_PAGES))
            a.observe(got, "offsets of the program's page faults")
