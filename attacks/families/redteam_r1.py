"""Red-team round 1: attacks from outside the Guardian, with the ABI and the hardware only.

Each scenario pushes on a seam the other families leave alone: claims on sealed
swap versions, translation-table levels reinterpreted by TCR_EL1.T0SZ, the bits
of TTBR0 that are not the table address, restarts of a system call that
completed, cached translations across the Guardian's own page moves, capabilities
that outlive one system call, and copies that outlive the domain they belong to.
"""

from __future__ import annotations

from abi import Call
from attacks.adversary import PAGE, REFUSALS, USER_RW, Adversary
from attacks.families.measurement import symbol_address
from attacks.families.page_tables import HELPER_VA, helper_tree_with_tables
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import KSM_OPT_IN, SECRET_LEN, SECRET_OFF, VARIANTS_PROGRAM, Phase
from emulator import descriptors as D
from emulator import sysregs as S
from kernel_model import signals as sig
from kernel_model.elf_loader import ElfImage
from kernel_model.process import Process, Thread

SW = "rt-swap-claims"
TL = "rt-translation"
RP = "rt-return-paths"
CU = "rt-uaccess"
RS = "rt-residue"
SWAP_DESC = 0x5B << 12          # a swap entry of the kernel's choosing (not valid)
NR_CLONE = 220
SVC = 4
T0SZ_39_BITS = 25               # a 39-bit user half: walks start at level 1
TTBR_CNP = 1                    # TTBR0_EL1.CnP: not part of the table address
TTBR_ASID_SHIFT = 48


# --- helpers ---------------------------------------------------------------------------
def _page_desc(a: Adversary, va: int) -> int:
    return a.walk(va)[-1].desc


def _swap_out(a: Adversary, va: int) -> tuple[bytes, int] | None:
    """Seal (or, without a Guardian, copy) the page at `va`; (stored bytes, version)."""
    desc = _page_desc(a, va)
    a.memo.setdefault("desc", {})[va] = desc
    pa = desc & D.ADDR_MASK
    if a.guarded:
        status, version, sealed = a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, va, SWAP_DESC))
        if status:
            return None
        a.kernel.frames.put(pa)
        return sealed, version
    data = a.read_lm(pa)
    a.mm.tables.set(va, SWAP_DESC)
    a.kernel.frames.put(pa)
    a.el1.tlbi_all()
    return data, 0


def _swap_in(a: Adversary, va: int, blob: bytes, frame: int | None = None) -> bool:
    frame = a.alloc_frame() if frame is None else frame
    desc = (a.memo["desc"][va] & ~D.ADDR_MASK) | frame
    if a.guarded:
        status, _, _ = a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, va, frame, desc), blob)
        if status:
            a.kernel.frames.put(frame)
        return status == 0
    a.write_lm(frame, blob)
    a.mm.tables.set(va, desc)
    a.el1.tlbi_all()
    return True


def _counter_page(adv: Adversary) -> None:
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> None:
        a.memo["counter"] = symbol_address(image.data, "usr1_count") & ~(PAGE - 1)


# --- sealed swap: claims ----------------------------------------------------------------
@scenario(id="RR-001", title="Share a sealed page with its own tree, then replay it",
          family=SW, goal=Goal.TAMPER, rules=("G-SWAP-FRESH",),
          prop="A tree holds at most one claim on a sealed version: sharing a version with "
               "the tree that sealed it does not let it come back twice.")
def rr_self_share(adv: Adversary) -> None:
    """1. At PLACED, swap out the page holding the signal counter (counter 0).
    2. SWAP_SHARE that version from the program's tree to the same tree (a second claim),
    and swap it back in (the first claim).
    3. After the signal (counter 1), swap the page out again and swap the old version in
    with the second claim: the counter goes back to 0."""
    _counter_page(adv)

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        va = a.memo["counter"]
        got = _swap_out(a, va)
        if got is None:
            return
        blob, version = got
        if a.guarded:
            root = a.mm.tables.root
            a.hvc(Call.SWAP_SHARE, root, root, va, version)
        if _swap_in(a, va, blob):
            a.memo["old"] = blob

    @adv.at(Phase.PARENT)
    def _(a: Adversary) -> None:
        va = a.memo["counter"]
        if "old" not in a.memo:
            return
        got = _swap_out(a, va)
        if got is not None and not _swap_in(a, va, a.memo["old"]):
            _swap_in(a, va, got[0])


@scenario(id="RR-002", title="Discard the current sealed version, then swap in a shared older one",
          family=SW, goal=Goal.TAMPER, rules=("G-SWAP-FRESH",),
          prop="A version shared to a child tree can come back only in that child tree.")
def rr_child_claim(adv: Adversary) -> None:
    """1. At FORK (before the clone), swap out the counter page (counter 1).
    2. When the child's tree exists, SWAP_SHARE the version with the child tree.
    3. Swap the parent's copy in; after the parent's wait, swap out again and try the old
    version under the parent's root with the child's claim still outstanding."""
    _counter_page(adv)

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        va = a.memo["counter"]
        got = _swap_out(a, va)
        if got is None:
            return
        a.memo["v0"] = got
        _swap_in(a, va, got[0])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = a.kernel.threads[max(a.kernel.threads)]
        if a.guarded and "v0" in a.memo:
            # the v0 claim was used up by the swap-in: ask to share it anyway
            a.hvc(Call.SWAP_SHARE, a.mm.tables.root, child.process.mm.tables.root,
                  a.memo["counter"], a.memo["v0"][1])

    @adv.at(Phase.PARENT)
    def _(a: Adversary) -> None:
        va = a.memo["counter"]
        if "v0" not in a.memo:
            return
        got = _swap_out(a, va)
        if got is not None and not _swap_in(a, va, a.memo["v0"][0]):
            _swap_in(a, va, got[0])


# --- translation: levels and TTBR bits --------------------------------------------------
@scenario(id="RR-003", title="Reinterpret a helper tree one level up (T0SZ) to edit its table",
          family=TL, goal=Goal.LEAK, rules=("G-PT-RO", "G-SYSREG-TCR-EPD0"),
          prop="A table page is never reachable as data, under any TCR_EL1 the kernel may "
               "set: changing T0SZ cannot turn a table descriptor into a leaf.")
def rr_level_confusion(adv: Adversary) -> None:
    """1. Build a helper tree for HELPER_VA; rewrite its level-2 table descriptor with the
    access flag set (a bit a table descriptor ignores).
    2. Switch TTBR0 to it and set T0SZ=25: walks start at level 1, so the root serves as a
    level-1 table and the level-2 table's entry becomes a level-3 page naming the
    level-3 table page itself.
    3. Through that alias, store a leaf for the heap frame into the level-3 table;
    restore T0SZ and load the page through the helper tree."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        heap_pa = (a.pa_of(a.layout.heap) or 0) & ~(PAGE - 1)
        tree = helper_tree_with_tables(a)
        walk = a.walk(HELPER_VA, tree.root)
        l2 = walk[2]
        a.kernel.writer.write_entry(l2.table, l2.index, l2.desc | D.AF)
        alias = (walk[0].index << 30) | (walk[1].index << 21) | (walk[2].index << 12)
        old_ttbr0 = a.el1.mrs(S.TTBR0_EL1)
        a.el1.msr(S.TTBR0_EL1, tree.root)
        tcr = a.el1.mrs(S.TCR_EL1)
        try:
            a.el1.msr(S.TCR_EL1, (tcr & ~0x3F) | T0SZ_39_BITS)
            a.el1.tlbi_all()
            a.el1.write_u64(alias + 8 * 1, D.leaf_descriptor(heap_pa, USER_RW))
        finally:
            a.el1.msr(S.TCR_EL1, tcr)
            a.el1.tlbi_all()
            a.el1.msr(S.TTBR0_EL1, old_ttbr0)
        a.observe(a.read_through(tree.root, HELPER_VA + PAGE, PAGE),
                  "helper mapping written through a level-confused alias")


@scenario(id="RR-004", title="Name the confidential root in TTBR0 with CnP or ASID bits set",
          family=TL, goal=Goal.LEAK, rules=("G-EPD0-ON-SWITCH", "G-SYSREG-TTBR0"),
          prop="Whatever else TTBR0_EL1 holds, a value whose table address is a confidential "
               "root leaves the kernel with EPD0 set.")
def rr_ttbr_bits(adv: Adversary) -> None:
    """1. At PLACED, write TTBR0_EL1 with the program's root plus CnP, plus another ASID,
    plus both.
    2. After each, load the heap page through the user half; restore TTBR0."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        root = a.mm.tables.root
        own = a.mm.ttbr0
        for value in (root | TTBR_CNP, root | (0x5A << TTBR_ASID_SHIFT),
                      root | (0x5A << TTBR_ASID_SHIFT) | TTBR_CNP, root | (1 << 47)):
            try:
                a.el1.msr(S.TTBR0_EL1, value)
                a.observe(a.el1.read(a.layout.heap, PAGE), f"user half under TTBR0={value:#x}")
            except REFUSALS as exc:
                a.refused(repr(exc))
            finally:
                a.el1.msr(S.TTBR0_EL1, own)


# --- return paths ----------------------------------------------------------------------
@scenario(id="RR-006", title="Restart the parent's clone() after it completed", family=RP,
          goal=Goal.TAMPER, rules=("G-RETURN-PATHS", "G-CLONE-ONCE"),
          prop="A syscall restart is allowed only for a call that did not complete: a fork "
               "that made its child never runs again.")
def rr_restart_clone(adv: Adversary) -> None:
    """1. Keep the flags of the parent's clone() at entry.
    2. After serving it (the child exists), put the flags back in x0 and the return
    address back on the SVC, as for -ERESTARTNOINTR: the program forks a second child."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        a.memo["flags"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.memo.get("flags", 0))
        a.set_reg("pc", a.reg("pc") - SVC)


@scenario(id="RR-007", title="Send the program a second SIGUSR1 nobody raised", family=RP,
          goal=Goal.TAMPER, rules=("G-SIGNAL-HANDLER",),
          silent="a kernel may deliver a signal the program registered a handler for",
          prop="The program's handler runs once for its one kill() (the referee counts the "
               "runs).")
def rr_spurious_signal(adv: Adversary) -> None:
    """1. At FORK, queue SIGUSR1 for the program as if some process had sent it.
    2. The registered handler runs again and the counter reaches 2."""
    @adv.at(Phase.FORK)
    def _(a: Adversary) -> None:
        a.kernel.signals.send_process(a.init, sig.SIGUSR1,
                                      sig.pack_siginfo(sig.SIGUSR1, sig.SI_USER, pid=1))


# --- translations cached across the Guardian's own page moves -----------------------------
def _stack_pages(a: Adversary) -> list[int]:
    top = a.layout.stack & ~(PAGE - 1)
    return [top - PAGE, top]


@scenario(id="RR-008", title="Migrate the stack page without a TLB flush, read the old frame",
          family=TL, goal=Goal.LEAK, rules=("G-MIGRATE", "G-TLB-FLUSH"),
          prop="After MIGRATE_PAGE no cached EL0 translation leads to the old frame: user "
               "stores land in the new one.")
def rr_migrate_stale_el0(adv: Adversary) -> None:
    """1. At SPIN (the program's stack translations are cached), migrate both stack pages
    to fresh frames and flush nothing; keep the old frames out of the allocator.
    2. The program then stores the secret words to its stack.
    3. At FRESH, read the old frames through the linear map."""
    @adv.at(Phase.SPIN)
    def _(a: Adversary) -> None:
        old: list[int] = []
        for va in _stack_pages(a):
            desc = _page_desc(a, va)
            if not desc & D.VALID:
                continue
            pa, new = desc & D.ADDR_MASK, a.alloc_frame()
            if a.guarded:
                status, _ = a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, va, new)
                if status:
                    a.kernel.frames.put(new)
                    continue
            else:
                a.el1.copy_page(a.lm(new), a.lm(pa))
                a.el1.fill(a.lm(pa), 0, PAGE)          # as the Guardian scrubs it
                a.mm.tables.set(va, (desc & ~D.ADDR_MASK) | new)
            old.append(pa)
        a.memo["old"] = old

    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        for pa in a.memo.get("old", []):
            data = a.observe(a.read_lm(pa), f"old stack frame {pa:#x} after migration")
            if not any(data):
                a.note(f"old frame {pa:#x} stayed scrubbed: user stores went to the new one")
            a.kernel.frames.put(pa)


def _primed_frame(a: Adversary) -> int:
    """A frame whose linear-map translation the EL1 face has cached, writable."""
    pa = a.alloc_frame()
    a.el1.write_u64(a.lm(pa), 0)
    a.el1.read_u64(a.lm(pa) + PAGE - 8)
    return pa


def _read_primed(a: Adversary, pa: int, where: str) -> None:
    a.observe(a.read_lm(pa), where)


@scenario(id="RR-009", title="Prime the linear map of the migration target, then migrate",
          family=TL, goal=Goal.LEAK, rules=("G-MIGRATE", "G-LM-UNMAP", "G-TLB-FLUSH"),
          prop="The frame MIGRATE_PAGE copies into leaves the kernel's view, cached "
               "translations included.")
def rr_migrate_primed(adv: Adversary) -> None:
    """1. At PLACED, take a frame and load and store through its linear-map address.
    2. MIGRATE_PAGE the heap page into it.
    3. Load the frame through the same linear-map address."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        new = _primed_frame(a)
        desc = _page_desc(a, a.layout.heap)
        if a.guarded:
            a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, a.layout.heap, new)
        else:
            a.el1.copy_page(a.lm(new), a.lm(desc & D.ADDR_MASK))
            a.mm.tables.set(a.layout.heap, (desc & ~D.ADDR_MASK) | new)
        _read_primed(a, new, "migration target through a primed translation")


@scenario(id="RR-010", title="Prime the linear map of the swap-in frame, then swap in",
          family=TL, goal=Goal.LEAK, rules=("G-SWAP-SEAL", "G-LM-UNMAP", "G-TLB-FLUSH"),
          prop="The frame SWAP_IN unseals into leaves the kernel's view, cached translations "
               "included.")
def rr_swapin_primed(adv: Adversary) -> None:
    """1. At PLACED, swap the heap page out.
    2. Take a frame, load and store through its linear-map address, and swap the page in
    into that frame.
    3. Load the frame through the same linear-map address."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        got = _swap_out(a, a.layout.heap)
        if got is None:
            return
        frame = _primed_frame(a)
        if _swap_in(a, a.layout.heap, got[0], frame):
            _read_primed(a, frame, "swap-in frame through a primed translation")


@scenario(id="RR-011", title="Prime the linear map of a COPY_PAGE destination, then copy",
          family=TL, goal=Goal.LEAK, rules=("G-COPY-CONF-DST", "G-LM-UNMAP", "G-TLB-FLUSH"),
          prop="A copy of a confidential frame leaves the kernel's view, cached translations "
               "included.")
def rr_copy_primed(adv: Adversary) -> None:
    """1. At PLACED, take a frame and load and store through its linear-map address.
    2. COPY_PAGE the heap frame into it (what a CoW break does).
    3. Load the frame through the same linear-map address."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        dst = _primed_frame(a)
        src = (a.pa_of(a.layout.heap) or 0) & ~(PAGE - 1)
        if a.guarded:
            a.hvc(Call.COPY_PAGE, dst, src)
        else:
            a.el1.copy_page(a.lm(dst), a.lm(src))
        _read_primed(a, dst, "COPY_PAGE destination through a primed translation")


# --- capabilities that outlive their system call ---------------------------------------
def _longlived(t: Thread) -> list[int]:
    return [va for va in (t.clear_child_tid, t.robust_list) if va]


@scenario(id="RR-012", title="Read from the set_tid_address/robust-list pointers up to the heap",
          family=CU, goal=Goal.LEAK, rules=("G-UACCESS-CAP",),
          prop="A long-lived capability (clear_child_tid, robust list) covers its few bytes, "
               "not a range that merely starts there.")
def rr_longlived_read(adv: Adversary) -> None:
    """1. While serving write(/dev/null), copy_from_user from each long-lived pointer the
    program registered at start-up, long enough to reach the heap copy of the secret.
    2. Also copy from the heap copy itself, one capability-sized read at a time."""
    @adv.on(Point.SYSCALL_ENTRY, nr=64, during=Phase.WRITE)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        end = a.layout.heap_secret + SECRET_LEN
        for va in _longlived(thread):
            if va >= end:
                continue
            try:
                a.observe(a.kernel.uaccess.read(va, end - va), f"copy_from_user from {va:#x}")
            except REFUSALS as exc:
                a.refused(repr(exc))
        for off in range(0, SECRET_LEN, 4):
            try:
                a.observe(a.kernel.uaccess.read(a.layout.heap_secret + off, 4),
                          "copy_from_user, 4 bytes at a time")
            except REFUSALS as exc:
                a.refused(repr(exc))
                break


@scenario(id="RR-013", title="Write through the clear_child_tid pointer up to the heap",
          family=CU, goal=Goal.TAMPER, rules=("G-UACCESS-CAP",),
          prop="The clear_child_tid capability lets the kernel write one word, at exit.")
def rr_longlived_write(adv: Adversary) -> None:
    """1. While serving write(/dev/null), copy_to_user zeros from the clear_child_tid
    pointer to the end of the heap copy of the secret."""
    @adv.on(Point.SYSCALL_ENTRY, nr=64, during=Phase.WRITE)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        tid = thread.clear_child_tid
        start = a.layout.heap_secret
        if tid and tid < start:
            try:
                a.kernel.uaccess.write(tid, bytes(4))
            except REFUSALS as exc:
                a.refused(repr(exc))
            a.kernel.uaccess.write(start, bytes(SECRET_LEN))


# --- copies that outlive the domain ------------------------------------------------------
@scenario(id="RR-014", title="Keep an unmapped COPY_PAGE of the heap until the program exits",
          family=RS, goal=Goal.LEAK, rules=("G-COPY-CONF-DST", "G-RELEASE-SCRUB"),
          prop="A copy of a confidential frame that no table maps is scrubbed before it "
               "returns to the kernel, whenever that is.")
def rr_orphan_copy(adv: Adversary) -> None:
    """1. At PLACED, COPY_PAGE the heap frame into a kernel frame and never map it.
    2. When the program has exited (its domain is gone), read that frame."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        dst = a.alloc_frame()
        src = (a.pa_of(a.layout.heap) or 0) & ~(PAGE - 1)
        if a.guarded:
            a.hvc(Call.COPY_PAGE, dst, src)
        else:
            a.el1.copy_page(a.lm(dst), a.lm(src))
        a.memo["orphan"] = dst

    @adv.on(Point.EXIT)
    def _(a: Adversary, process: Process) -> None:
        dst = a.memo.get("orphan")
        if dst is None:
            return
        data = a.observe(a.read_lm(dst), "orphan copy after exit")
        if not any(data):
            a.note(f"orphan copy {dst:#x} was scrubbed")


# --- rolling memory back ----------------------------------------------------------------
SPARE_VA = 0x6E00_0000_0000       # an address the program never maps


@scenario(id="RR-015", title="Roll the counter page back to a COPY_PAGE snapshot",
          family=SW, goal=Goal.TAMPER, rules=("G-COPY-CONF-DST", "G-SETPT-CONF-OWNER"),
          prop="A page of the program holds what the program last stored there: the kernel "
               "cannot remap it to an older copy of itself.")
def rr_snapshot_rollback(adv: Adversary) -> None:
    """1. At PLACED, COPY_PAGE the frame of the page holding the signal counter into a
    kernel frame (counter 0); the copy joins the domain, mapped nowhere.
    2. After the signal (counter 1), point the counter page's entry at the snapshot; if
    the Guardian insists the current frame keep a mapping, first map it at a spare
    address of the same tree."""
    _counter_page(adv)

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        src = _page_desc(a, a.memo["counter"]) & D.ADDR_MASK
        snap = a.alloc_frame()
        if a.guarded:
            status, _ = a.hvc(Call.COPY_PAGE, snap, src)
            if status:
                return
        else:
            a.el1.copy_page(a.lm(snap), a.lm(src))
        a.memo["snap"] = snap

    @adv.at(Phase.PARENT)
    def _(a: Adversary) -> None:
        va, snap = a.memo["counter"], a.memo.get("snap")
        if snap is None:
            return
        desc = _page_desc(a, va)
        rolled = (desc & ~D.ADDR_MASK) | snap
        try:
            a.mm.tables.set(va, rolled)
        except REFUSALS as exc:
            a.refused(repr(exc))
            a.mm.tables.set(SPARE_VA, desc)          # keep the current frame mapped
            a.mm.tables.set(va, rolled)
        a.el1.tlbi_all()


# --- translation regime of the kernel's own half ------------------------------------------
@scenario(id="RR-016", title="Reinterpret the linear map's tables one level down (T1SZ)",
          family=TL, goal=Goal.LEAK, rules=("G-SYSREG-TTBR1", "G-LM-OWN"),
          prop="The geometry of the kernel's half is the Guardian's: the linear map's tables "
               "cannot be walked as other levels to reach memory they hide.")
def rr_t1sz(adv: Adversary) -> None:
    """1. At PLACED, write TCR_EL1 with T1SZ=25 (a 39-bit kernel half: walks of TTBR1 start
    at level 1, so the linear map's level-1 table is read as a level-2 table, and so on).
    2. Load the address at which the heap frame appears under that reading (found by
    walking the tables as a level-1 root); restore TCR_EL1.
    3. Load the heap frame through the linear map (its translation may have been cached
    from the other geometry)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        heap_pa = (a.pa_of(a.layout.heap) or 0) & ~(PAGE - 1)
        try:
            alias = _confused_alias(a, a.el1.mrs(S.TTBR1_EL1) & D.ADDR_MASK, heap_pa)
        except REFUSALS as exc:          # the tables behind TTBR1 are hidden from the kernel
            a.refused(repr(exc))
            alias = None
        tcr = a.el1.mrs(S.TCR_EL1)
        try:
            a.el1.msr(S.TCR_EL1, (tcr & ~(0x3F << 16)) | (T1SZ_39_BITS << 16))
            a.el1.tlbi_all()
            for va in ([alias] if alias is not None else [K39_BASE | heap_pa]):
                a.observe(a.el1.read(va, PAGE), f"kernel half at {va:#x} under T1SZ=25")
        except REFUSALS as exc:
            a.refused(repr(exc))
        finally:
            a.el1.msr(S.TCR_EL1, tcr)
            a.el1.tlbi_all()
        # No alias under that reading: the heap frame through the linear map as it is.
        a.observe(a.read_lm(heap_pa), "linear map after the T1SZ round trip")


T1SZ_39_BITS = 25
K39_BASE = 0xFFFF_FF80_0000_0000


def _entries(a: Adversary, table: int) -> list[int]:
    raw = a.read_lm(table)
    return [int.from_bytes(raw[8 * i:8 * i + 8], "little") for i in range(512)]


def _confused_alias(a: Adversary, root: int, target: int) -> int | None:
    """The kernel-half address at which `target` appears when TTBR1's tables are walked
    from level 1 (T1SZ=25) instead of level 0: the kernel's own reading of its tables."""
    for i1, d1 in enumerate(_entries(a, root)):
        if not d1 & D.VALID:
            continue
        if not d1 & D.TABLE:
            out = d1 & D.BLOCK_MASK_L1
            if out <= target < out + (1 << 30):
                return K39_BASE | (i1 << 30) | (target - out)
            continue
        for i2, d2 in enumerate(_entries(a, d1 & D.ADDR_MASK)):
            if not d2 & D.VALID:
                continue
            if not d2 & D.TABLE:
                out = d2 & D.BLOCK_MASK_L2
                if out <= target < out + (1 << 21):
                    return K39_BASE | (i1 << 30) | (i2 << 21) | (target - out)
                continue
            for i3, d3 in enumerate(_entries(a, d2 & D.ADDR_MASK)):
                if d3 & 3 == 3 and d3 & D.AF and d3 & D.ADDR_MASK == target:
                    return K39_BASE | (i1 << 30) | (i2 << 21) | (i3 << 12)
    return None


# --- a long-lived capability used at another time ---------------------------------------
def _tid_written(out: object) -> list[str]:
    return [f"the kernel rewrote the live thread's clear_child_tid word at {va:#x} with "
            "a value of its choosing" for va in sorted(out.hits.get("tid", ()))] + [  # type: ignore[attr-defined]
        f"the kernel rewrote the live thread's robust-list head at {va:#x} while serving "
        "write()" for va in sorted(out.hits.get("robust", ()))]  # type: ignore[attr-defined]


@scenario(id="RR-017", title="Rewrite the thread's TID word while the thread is alive",
          family=CU, goal=Goal.TAMPER, rules=("G-UACCESS-CAP",), oracle=_tid_written,
          prop="The clear_child_tid word is the kernel's to write once, with 0, when the "
               "thread exits; not at any system call, not with another value.")
def rr_tid_write(adv: Adversary) -> None:
    """1. While serving write(/dev/null), copy_to_user 0x41414141 to the clear_child_tid
    address the program gave set_tid_address (glibc's pthread tid field), and read it
    back; then write over the TID word and the robust-list head (set_robust_list's)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=64, during=Phase.WRITE)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        tid = thread.clear_child_tid
        if not tid:
            return
        try:
            a.kernel.uaccess.write(tid, b"AAAA")
            if a.kernel.uaccess.read(tid, 4) == b"AAAA":
                a.hit("tid", tid)
        except REFUSALS as exc:
            a.refused(repr(exc))
        for va, n in ((tid, 8), (thread.robust_list, 24)):
            if va:
                try:
                    a.kernel.uaccess.write(va, b"B" * n)
                    a.note(f"copy_to_user of {n} bytes at {va:#x} accepted")
                    if va == thread.robust_list:
                        a.hit("robust", va)
                except REFUSALS as exc:
                    a.refused(repr(exc))


# --- tearing down a tree whose domain still runs -------------------------------------------
@scenario(id="RR-018", title="FREE_PGD the program's tree while it is switched out",
          family=RS, goal=Goal.LEAK, rules=("G-RELEASE-SCRUB", "G-FREEPGD-NOT-LIVE"),
          prop="Tearing down a confidential tree (with or without EXIT_DOMAIN) scrubs every "
               "frame it was the last to map.")
def rr_free_switched_out(adv: Adversary) -> None:
    """1. At PLACED, note the heap frame; switch TTBR0 to the idle tree.
    2. FREE_PGD the program's root without unmapping anything; if refused, EXIT_DOMAIN it
    first and FREE_PGD again.
    3. Read the heap frame through the linear map."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        heap_pa = (a.pa_of(a.layout.heap) or 0) & ~(PAGE - 1)
        root = a.mm.tables.root
        a.el1.msr(S.TTBR0_EL1, a.kernel.idle_ttbr0)
        if a.guarded:
            status, _ = a.hvc(Call.FREE_PGD, root)
            if status:
                a.hvc(Call.EXIT_DOMAIN, root)
                a.hvc(Call.FREE_PGD, root)
        a.el1.tlbi_all()
        data = a.observe(a.read_lm(heap_pa), "heap frame after FREE_PGD")
        if not any(data[SECRET_OFF:SECRET_OFF + SECRET_LEN]):
            a.note(f"heap frame {heap_pa:#x} was scrubbed")
        from attacks.hooks import StopRun
        raise StopRun("the program's tree is gone")


# --- the one EL0 instruction the kernel runs for the user ----------------------------------
ADD_X28_8 = 0x9100239C               # add x28, x28, #8: x28 holds main's pointer to its .bss
USER_RX = D.PagePerms(user=True, write=False, user_exec=True)


@scenario(id="RR-019", title="Pre-map a sigpage whose CLREX slot holds an instruction of the kernel's",
          family=RP, goal=Goal.TAMPER, rules=("G-RESUME-EXIT", "G-SETPT-CONF-OWNER"),
          prop="The instruction the kernel runs at EL0 in a confidential context on a thread "
               "switch is the CLREX of the real sigpage, nothing else.")
def rr_sigpage_clrex(adv: Adversary) -> None:
    """1. At PLACED, before the program ever touches its sigpage, fill a kernel frame with
    the sigpage's trampoline and, at the CLREX offset, `add x28, x28, #8`.
    2. Map it at the sigpage address of the program's tree (read-only, executable).
    3. At the fork the run loop switches threads and runs "the CLREX" at EL0 in the
    parent's restored context: main's base register for its .bss moves, and the program
    hashes (and compares) eight bytes past its secret."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        from abi.sigframe import CLREX_OFFSET, SIGPAGE_CONTENT, SIGRETURN_TRAMPOLINE
        body = bytearray(SIGPAGE_CONTENT)
        body[CLREX_OFFSET:CLREX_OFFSET + 4] = ADD_X28_8.to_bytes(4, "little")
        frame = a.alloc_frame()
        a.write_lm(frame, bytes(body))
        if _page_desc(a, SIGRETURN_TRAMPOLINE) & D.VALID:
            a.note("the sigpage was already mapped")
        a.mm.tables.set(SIGRETURN_TRAMPOLINE, D.leaf_descriptor(frame, USER_RX))
        a.el1.tlbi_all()
        a.el1.invalidate_all_code()


@scenario(id="RR-020", title="Patch the CLREX slot of the mapped sigpage through the linear map",
          family=RP, goal=Goal.TAMPER, rules=("G-RESUME-EXIT", "G-LM-UNMAP"),
          prop="Once checked and mapped, the sigpage a confidential program executes from "
               "cannot be changed by the kernel.")
def rr_sigpage_patch(adv: Adversary) -> None:
    """1. At PLACED, find the frame behind the program's sigpage (checked and mapped when
    the program started) and store `add x28, x28, #8` over its CLREX word through the
    linear map; if that frame is out of reach, map a second copy of the checked content
    there and patch the copy after the check.
    2. At the fork the run loop runs "the CLREX" at EL0 in the parent's context."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        from abi.sigframe import CLREX_OFFSET, SIGPAGE_CONTENT, SIGRETURN_TRAMPOLINE
        patch = ADD_X28_8.to_bytes(4, "little")
        pa = (a.pa_of(SIGRETURN_TRAMPOLINE) or 0) & ~(PAGE - 1)
        try:
            a.write_lm(pa + CLREX_OFFSET, patch)
        except REFUSALS as exc:
            a.refused(repr(exc))
            frame = a.alloc_frame()
            a.write_lm(frame, SIGPAGE_CONTENT)
            a.mm.tables.set(SIGRETURN_TRAMPOLINE, D.leaf_descriptor(frame, USER_RX))
            a.write_lm(frame + CLREX_OFFSET, patch)
        a.el1.tlbi_all()
        a.el1.invalidate_all_code()


# --- a swapped-out page that never comes back ------------------------------------------------
@scenario(id="RR-021", title="Swap the heap page out, discard its sealed copy, map a zero page",
          family=SW, goal=Goal.TAMPER, rules=("G-SWAP-FRESH", "G-SETPT-CONF-OWNER"),
          prop="A page the program did not unmap keeps its contents across swap: the kernel "
               "cannot discard its sealed copy and let a zero-filled page take its place.")
def rr_swap_discard(adv: Adversary) -> None:
    """1. At PLACED, swap the heap page out (SWAP_OUT).
    2. SWAP_DISCARD that version, as the kernel would for an munmap of a swapped page,
    though the program never asked.
    3. Map a zero-filled frame at the heap address (a fresh anonymous page): the heap
    copy of the secret is gone."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        va = a.layout.heap
        got = _swap_out(a, va)
        if got is None:
            return
        if a.guarded:
            status, _ = a.hvc(Call.SWAP_DISCARD, a.mm.tables.root, va, got[1])
            if status:
                _swap_in(a, va, got[0])          # give the program its page back
                return
        frame = a.alloc_frame()
        a.write_lm(frame, bytes(PAGE))
        a.mm.tables.set(va, (a.memo["desc"][va] & ~D.ADDR_MASK) | frame)
        a.el1.tlbi_all()


# --- KSM's copy-on-write mark ---------------------------------------------------------------
@scenario(id="RR-022", title="Merge two equal pages with address bits as the 'software bits'",
          family=SW, goal=Goal.TAMPER, rules=("G-KSM-DOMAIN",),
          program=VARIANTS_PROGRAM, args=(KSM_OPT_IN,),
          prop="KSM_MERGE sets only the descriptor's software bits: no other bit of the merged "
               "entries is the kernel's to choose.")
def rr_ksm_bits(adv: Adversary) -> None:
    """1. At FRESH_DONE the fresh page and the mapped page are equal (the secret at the
    same offset, zeros elsewhere).
    2. KSM_MERGE them with 'software bits' that also set an output-address bit, so that
    both entries would name a frame of the kernel's (filled with its bytes).
    The program lets KSM merge its pages (-k: prctl(PR_SET_MEMORY_MERGE, 1)): Linux's
    KSM compares no page a program did not make mergeable."""
    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        fresh, mapped = a.layout.fresh, a.layout.mapped
        keep = (a.pa_of(fresh) or 0) & ~(PAGE - 1)
        # a kernel frame whose address is the kept frame's plus one more address bit
        for bit in range(12, 30):
            target = keep | (1 << bit)
            if target != keep:
                break
        taken = []
        frame = a.alloc_frame()
        while frame != target and len(taken) < 4096:
            taken.append(frame)
            frame = a.alloc_frame()
        for f in taken:
            a.kernel.frames.put(f)
        if frame != target:
            a.note(f"could not obtain frame {target:#x}")
            return
        a.write_lm(frame, b"\xa5" * PAGE)
        bits = (0xF << 55) | (1 << bit)
        if a.guarded:
            a.hvc(Call.KSM_MERGE, a.mm.tables.root, fresh, a.mm.tables.root, mapped, bits)
        else:
            for va in (fresh, mapped):
                desc = _page_desc(a, va)
                a.mm.tables.set(va, (desc & ~D.AP_RO) | D.AP_RO | bits | keep)
            a.el1.tlbi_all()
        a.note(f"fresh page entry after the merge: {_page_desc(a, fresh):#x}")


# --- one key, many pages: is every seal's nonce fresh? ---------------------------------------
SEAL_HEADER = 16                      # cleartext header of a sealed page, then ciphertext


def _xor(x: bytes, y: bytes) -> bytes:
    return bytes(p ^ q for p, q in zip(x, y, strict=False))


@scenario(id="RR-023", title="Seal the heap page and a zero page; XOR the two ciphertexts",
          family=SW, goal=Goal.LEAK, rules=("G-SWAP-SEAL", "G-KEYS-PRIVATE"),
          silent="every seal gets its own nonce: the XOR is noise, nothing to refuse",
          prop="No two pages are ever sealed under the same key and nonce: the kernel cannot "
               "cancel the keystream with a page whose plaintext it knows.")
def rr_nonce_reuse(adv: Adversary) -> None:
    """1. At SPIN, the program's untouched page is mapped and all zeros (it only loaded
    from it): swap it out, and swap out the heap page.
    2. XOR the two stored ciphertexts (past the cleartext header): if both pages were sealed
    with one keystream, that is the heap page's plaintext.
    3. Also swap the zero page out and in a few more times and XOR each seal with the
    heap's; finally swap both pages back in."""
    @adv.at(Phase.SPIN)
    def _(a: Adversary) -> None:
        zero_va, heap_va = a.layout.untouched, a.layout.heap
        if not _page_desc(a, zero_va) & D.VALID:
            a.note("the untouched page is not mapped")
            return
        hdr = SEAL_HEADER if a.guarded else 0
        heap = _swap_out(a, heap_va)
        if heap is None:
            return
        seals = []
        for _ in range(4):
            zero = _swap_out(a, zero_va)
            if zero is None:
                break
            seals.append(zero)
            a.observe(_xor(heap[0][hdr:], zero[0][hdr:]),
                      f"XOR of the heap seal (version {heap[1]}) and a zero-page seal "
                      f"(version {zero[1]})")
            if not _swap_in(a, zero_va, zero[0]):
                break
        _swap_in(a, heap_va, heap[0])
        if a.guarded:
            a.note("seal headers: " + ", ".join(blob[:SEAL_HEADER].hex()
                                                for blob, _ in [heap, *seals]))


# --- a call that never returns, returning --------------------------------------------------
NR_EXIT_GROUP, NR_GETPID = 94, 172


@scenario(id="RR-024", title="Return from the forked child's exit_group()", family=RP,
          goal=Goal.TAMPER, rules=("G-RETURN-PATHS", "G-RESUME-CONTEXT"),
          prop="exit_group() never returns: a confidential thread that asked to exit is "
               "never resumed after that call.")
def rr_exit_returns(adv: Adversary) -> None:
    """1. When the forked child calls exit_group(0), serve it as getpid() instead (the
    kernel decides what it runs) and return to the child.
    2. The child falls through into the parent's code: it runs the parent's markers, its
    Iago phases and its END, a second copy of the program's remaining work."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT_GROUP, init_only=False, during=Phase.CHILD)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.process is a.init:
            return
        a.set_reg("x8", NR_GETPID)


@scenario(id="RR-025", title="Drop the parent's copy of a page it still shares with its child",
          family=RS, goal=Goal.TAMPER, rules=("G-SETPT-CONF-OWNER", "G-RELEASE-SCRUB"),
          prop="A page leaves the program's view only when the program asks, also while a "
               "fork child still maps the same frame.")
def rr_exit_other_tree(adv: Adversary) -> None:
    """1. While the forked child is alive (here: when it calls exit_group()), clear the
    heap page's entry in the parent's tree; the frame is still mapped by the child, so
    this is not its last mapping.
    2. The child exits and takes the frame with it; the parent's next touch of its heap
    faults, and the kernel backs it with a fresh zero page."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT_GROUP, init_only=False, during=Phase.CHILD)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.process is a.init:
            return
        a.mm.tables.clear(a.layout.heap)
        a.el1.tlbi_all()


@scenario(id="RR-026", title="Roll the counter page back to a snapshot while the child shares it",
          family=SW, goal=Goal.TAMPER, rules=("G-COPY-CONF-DST", "G-SETPT-CONF-OWNER"),
          prop="A page of the program holds what the program last stored there, also while a "
               "fork child maps the same frame: no older copy can take its place.")
def rr_snapshot_after_fork(adv: Adversary) -> None:
    """1. At PLACED, COPY_PAGE the frame of the page holding the signal counter into a
    kernel frame (counter 0); the copy joins the domain, mapped nowhere.
    2. After the signal (counter 1) and the fork, while the child still maps the current
    frame, point the parent's entry for that page at the snapshot: the frame keeps the
    child's mapping, so this is not a last mapping, and the snapshot has no other one."""
    _counter_page(adv)

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        src = _page_desc(a, a.memo["counter"]) & D.ADDR_MASK
        snap = a.alloc_frame()
        if a.guarded:
            status, _ = a.hvc(Call.COPY_PAGE, snap, src)
            if status:
                return
        else:
            a.el1.copy_page(a.lm(snap), a.lm(src))
        a.memo["snap"] = snap

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT_GROUP, init_only=False, during=Phase.CHILD)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        snap = a.memo.get("snap")
        if thread.process is a.init or snap is None:
            return
        va = a.memo["counter"]
        a.mm.tables.set(va, (_page_desc(a, va) & ~D.ADDR_MASK) | snap)
        a.el1.tlbi_all()


# --- code of the kernel's choosing, by way of a page the kernel may write ---------------------
NR_READLINKAT = 78
RESUME_AFTER_WAIT = 0x400AE0          # main: the instruction after wait4's SVC (public binary)
RETURN_FROM_FORK = 0x400AA8           # main: the instruction after `bl __libc_fork`
WAIT_SVC = 0x400ADC                   # main: wait4's SVC (where a restarted wait4 resumes)


def _branch(frm: int, to: int) -> bytes:
    """`b to`, placed at `frm`."""
    return (0x14000000 | (((to - frm) >> 2) & 0x03FF_FFFF)).to_bytes(4, "little")


@scenario(id="RR-027", title="Run a page the kernel filled through readlink() as main's code",
          family=SW, goal=Goal.TAMPER, rules=("G-COPY-CONF-DST", "G-SETPT-CONF-OWNER"),
          prop="Only measured image pages are ever executed at the image's addresses: a copy "
               "of a data page never replaces a code page.")
def rr_code_from_readlink(adv: Adversary) -> None:
    """1. At start-up glibc calls readlinkat(.., buf, 4096): serve it, and also store into
    the buffer (within its 4096 bytes) `b win` where the stack page above holds offsets
    0xaa8, 0xadc and 0xae0; COPY_PAGE that stack page at once (the copy joins the domain,
    unmapped).
    2. After the fork, while the child shares every frame, point the parent's entry for
    its first code page (0x400000) at the copy, executable; flush the code cache.
    3. The parent returns from fork() to 0x400aa8, or to wait4's SVC (restarted) or past
    it, all now `b win`: hijacked."""
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> None:
        a.memo["win"] = symbol_address(image.data, "win")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READLINKAT)
    def _(a: Adversary, **_: object) -> None:
        a.memo["buf"] = (a.reg("x2"), a.reg("x3"))

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READLINKAT)
    def _(a: Adversary, **_: object) -> None:
        buf, size = a.memo["buf"]
        page = (buf + PAGE) & ~(PAGE - 1)
        for pc in (RETURN_FROM_FORK, WAIT_SVC, RESUME_AFTER_WAIT):
            at = page + (pc & (PAGE - 1))
            if not buf <= at < buf + size - 4:
                a.note("the readlink buffer does not reach the needed offset")
                return
            a.kernel.uaccess.write(at, _branch(pc, a.memo["win"]))
        src = (a.pa_of(page) or 0) & ~(PAGE - 1)
        snap = a.alloc_frame()
        if a.guarded:
            status, _ = a.hvc(Call.COPY_PAGE, snap, src)
            if status:
                return
        else:
            a.el1.copy_page(a.lm(snap), a.lm(src))
        a.memo["snap"] = snap

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT_GROUP, init_only=False, during=Phase.CHILD)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        snap = a.memo.get("snap")
        if thread.process is a.init or snap is None:
            return
        code = RESUME_AFTER_WAIT & ~(PAGE - 1)
        a.mm.tables.set(code, (_page_desc(a, code) & ~D.ADDR_MASK) | snap)
        a.el1.tlbi_all()
        a.el1.invalidate_all_code()


@scenario(id="RR-028", title="KSM-merge two equal pages, then drop one of the two mappings",
          family=RS, goal=Goal.TAMPER, rules=("G-KSM-DOMAIN", "G-SETPT-CONF-OWNER"),
          prop="A page leaves the program's view only when the program asks, also when KSM "
               "made its frame a shared one.")
def rr_ksm_then_drop(adv: Adversary) -> None:
    """1. At FRESH_DONE the fresh page and the mapped page are equal: KSM_MERGE them (both
    entries now name one read-only frame).
    2. Clear the fresh page's entry: the frame keeps the mapped page's mapping, so this
    is not its last one.
    3. The program's next touch of the fresh page faults and the kernel backs it with a
    zero page: its copy of the secret is gone."""
    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        fresh, mapped = a.layout.fresh, a.layout.mapped
        if a.guarded:
            status, _ = a.hvc(Call.KSM_MERGE, a.mm.tables.root, fresh, a.mm.tables.root,
                              mapped, 0)
            if status:
                return
        a.mm.tables.clear(fresh)
        a.el1.tlbi_all()


# --- a move that brings in something else ---------------------------------------------------
NR_MREMAP = 216


@scenario(id="RR-029", title="Back mremap's new address with the heap frame or a copy of it",
          family=SW, goal=Goal.LEAK, rules=("G-COPY-CONF-DST", "G-SETPT-CONF-OWNER"),
          prop="While serving mremap the kernel may move the old range's pages to the new "
               "address, and nothing else: no other page of the program appears there.")
def rr_mremap_backing(adv: Adversary) -> None:
    """1. After serving the program's mremap(small, 4096 -> 8192, MAYMOVE) (IAGO_MREMAP),
    while the call is still in progress, map at the new address the heap frame itself;
    if refused, a COPY_PAGE copy of it.
    2. The program stores 8 public bytes there and sends the whole page to /dev/null:
    the heap's secret goes with it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_MREMAP, during=Phase.IAGO_MREMAP)
    def _(a: Adversary, **_: object) -> None:
        new = a.reg("x0")
        if not 0 < new < 1 << 48 or new & (PAGE - 1):
            a.note(f"mremap returned {new:#x}")
            return
        heap = _page_desc(a, a.layout.heap)
        desc = D.leaf_descriptor(heap & D.ADDR_MASK, USER_RW)
        try:
            a.mm.tables.set(new, desc)
        except REFUSALS as exc:
            a.refused(repr(exc))
            snap = a.alloc_frame()
            if a.guarded:
                status, _ = a.hvc(Call.COPY_PAGE, snap, heap & D.ADDR_MASK)
                if status:
                    return
            a.mm.tables.set(new, D.leaf_descriptor(snap, USER_RW))
        a.el1.tlbi_all()


NR_WAIT4 = 260


@scenario(id="RR-030", title="Move the heap frame to mremap's new address while a child holds it",
          family=SW, goal=Goal.LEAK, rules=("G-SETPT-CONF-OWNER", "G-CONF-EXCLUSIVE"),
          prop="A confidential frame is mapped at one address of the program, also counting "
               "the mappings a fork child holds.")
def rr_move_heap_via_child(adv: Adversary) -> None:
    """1. After the fork, take the child off the run queue (it stays alive, holding every
    frame it shares with the parent) and serve the parent's wait4() as getpid().
    2. After serving the parent's mremap (IAGO_MREMAP), clear the parent's heap entry
    (the child still maps the frame, so it is not the last mapping) and map the heap
    frame at mremap's new address, writable.
    3. The program writes 8 public bytes there and sends the page to /dev/null."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = a.kernel.threads[max(a.kernel.threads)]
        a.kernel.sched.remove(child)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_WAIT4, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MREMAP, during=Phase.IAGO_MREMAP)
    def _(a: Adversary, **_: object) -> None:
        new = a.reg("x0")
        if not 0 < new < 1 << 48 or new & (PAGE - 1):
            a.note(f"mremap returned {new:#x}")
            return
        heap = _page_desc(a, a.layout.heap) & D.ADDR_MASK
        a.mm.tables.clear(a.layout.heap)
        a.mm.tables.set(new, D.leaf_descriptor(heap, USER_RW))
        a.el1.tlbi_all()


@scenario(id="RR-031", title="Replace the parent's page of SHA-256 constants by a forged one",
          family=RS, goal=Goal.TAMPER, rules=("G-SETPT-CONF-OWNER", "G-RELEASE-SCRUB"),
          prop="An image page comes back only as measured: a dropped page of constants never "
               "faults back changed.")
def rr_image_page_zeroed(adv: Adversary) -> None:
    """1. While the forked child is alive (its exit_group()), clear the parent's entry for
    the read-only page holding the SHA-256 round constants (the child still maps it).
    2. When the parent faults on it, map there a frame holding the page as the (public)
    program file has it, but with the round constants zeroed, before the kernel's own
    fault handler runs.
    3. The program hashes with zero constants: another digest than its secret's."""
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> None:
        k256 = symbol_address(image.data, "K256")
        va = k256 & ~(PAGE - 1)
        page = bytearray(_image_page(image.data, va))
        page[k256 - va:k256 - va + 256] = bytes(256)        # the 64 round constants
        a.memo["k256"], a.memo["forged"] = va, bytes(page)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT_GROUP, init_only=False, during=Phase.CHILD)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.process is a.init:
            return
        va = a.memo["k256"]
        a.memo["desc"] = _page_desc(a, va)
        a.mm.tables.clear(va)
        a.el1.tlbi_all()

    @adv.on(Point.FAULT, once=False)
    def _(a: Adversary, info: object, **_: object) -> None:
        va = a.memo.get("k256")
        if va is None or "desc" not in a.memo or _page_desc(a, va) & D.VALID:
            return
        frame = a.alloc_frame()
        a.write_lm(frame, a.memo["forged"])
        a.mm.tables.set(va, (a.memo["desc"] & ~D.ADDR_MASK) | frame)
        a.el1.tlbi_all()
        a.el1.invalidate_all_code()


def _image_page(data: bytes, va: int) -> bytes:
    """The bytes of the (public) program file at `va`, as its PT_LOAD segments place them."""
    import io

    from elftools.elf.elffile import ELFFile
    out = bytearray(PAGE)
    for seg in ELFFile(io.BytesIO(data)).iter_segments():
        if seg["p_type"] != "PT_LOAD":
            continue
        start, size = seg["p_vaddr"], seg["p_filesz"]
        lo, hi = max(start, va), min(start + size, va + PAGE)
        if lo < hi:
            off = seg["p_offset"] + lo - start
            out[lo - va:hi - va] = data[off:off + hi - lo]
    return bytes(out)
