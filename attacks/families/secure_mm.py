"""Non-semantic memory management through the secure ABI: swap, migration, KSM, compression.

The kernel chooses which page and when; under the Guardian the mechanism is a
Guardian call (abi.Call.SWAP_OUT …), so the kernel handles only sealed bytes.
Without the Guardian the same policy is carried out the ordinary way, through
the linear map, which is what makes each attack succeed there.
"""

from __future__ import annotations

import zlib

from abi import Call
from attacks.adversary import PAGE, USER_RO, Adversary
from attacks.families.measurement import symbol_address
from attacks.families.page_tables import HELPER_VA
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_OFF, Phase
from emulator import descriptors as D
from kernel_model.elf_loader import ElfImage

SM = "secure-mm"
SWAP_DESC = 0x5A << 12           # a swap entry of the kernel's choosing (not a valid descriptor)
SEAL_HEADER = 16                 # bytes of cleartext header before the ciphertext


def _same_attributes(desc: int, frame: int) -> int:
    """The entry `desc` naming another frame (permissions and software bits kept)."""
    return (desc & ~D.ADDR_MASK) | frame


def swap_out(a: Adversary, va: int) -> bytes | None:
    """Take a page out of the program's memory; returns what the kernel gets to store."""
    last = a.walk(va)[-1]
    a.memo.setdefault("desc", {})[va] = last.desc
    pa = last.desc & D.ADDR_MASK
    if a.guarded:
        status, _, sealed = a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, va, SWAP_DESC))
        if status:
            return None
        a.kernel.frames.put(pa)
        old = a.observe(a.read_lm(pa), "the frame a page was swapped out of")
        if not any(old):
            a.note(f"frame {pa:#x} was scrubbed by the swap-out")
        return sealed
    data = a.observe(a.read_lm(pa), "a page written to swap")
    a.mm.tables.set(va, SWAP_DESC)
    a.kernel.frames.put(pa)
    a.el1.tlbi_all()
    return data


def swap_in(a: Adversary, va: int, blob: bytes) -> bool:
    """Put a page back from what the kernel stored (possibly not what it got)."""
    frame = a.alloc_frame()
    desc = _same_attributes(a.memo["desc"][va], frame)
    if a.guarded:
        status, _, _ = a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, va, frame, desc), blob)
        if status:
            a.kernel.frames.put(frame)
        return status == 0
    a.write_lm(frame, blob)
    a.mm.tables.set(va, desc)
    a.el1.tlbi_all()
    return True


@scenario(id="SM-001", title="Swap the heap page out and read what the kernel stores",
          family=SM, goal=Goal.LEAK, rules=("G-SWAP-SEAL", "G-RELEASE-SCRUB"),
          silent="the Guardian hands the kernel the page sealed with AES-GCM and scrubs the "
                 "frame, so there is nothing to refuse",
          prop="A page leaves RAM only encrypted, and its frame is scrubbed.")
def sm_swap_out(adv: Adversary) -> None:
    """1. At PLACED, swap the heap page out (SWAP_OUT under the Guardian).
    2. Keep the bytes handed to the kernel and read the old frame.
    3. Swap the page back in unchanged."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        blob = swap_out(a, a.layout.heap)
        if blob is not None:
            a.observe(blob, "swap slot")
            swap_in(a, a.layout.heap, blob)


@scenario(id="SM-002", title="Swap the heap page back in with one byte changed", family=SM,
          goal=Goal.TAMPER, rules=("G-SWAP-AUTH",),
          prop="A swapped page comes back exactly as it left, or not at all.")
def sm_tamper(adv: Adversary) -> None:
    """1. At PLACED, swap the heap page out.
    2. Flip one byte of the stored copy where the secret lies, and swap it in."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        blob = swap_out(a, a.layout.heap)
        if blob is None:
            return
        at = SECRET_OFF + (SEAL_HEADER if a.guarded else 0)
        forged = blob[:at] + bytes([blob[at] ^ 0xFF]) + blob[at + 1:]
        if not swap_in(a, a.layout.heap, forged):
            swap_in(a, a.layout.heap, blob)


@scenario(id="SM-003", title="Swap in an older copy of the program's data page", family=SM,
          goal=Goal.TAMPER, rules=("G-SWAP-FRESH",),
          prop="Only the latest swapped-out version of a page can come back (no replay).")
def sm_replay(adv: Adversary) -> None:
    """1. At PLACED, swap out the page holding the program's signal counter and bring it
    straight back, keeping the stored copy (counter 0).
    2. After the signal was handled (counter 1), swap the page out again and swap the old
    copy in instead."""
    @adv.on(Point.EXEC)
    def _(a: Adversary, image: ElfImage) -> None:
        a.memo["counter"] = symbol_address(image.data, "usr1_count") & ~(PAGE - 1)

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        blob = swap_out(a, a.memo["counter"])
        if blob is not None and swap_in(a, a.memo["counter"], blob):
            a.memo["old"] = blob

    @adv.at(Phase.PARENT)
    def _(a: Adversary) -> None:
        va = a.memo["counter"]
        new = swap_out(a, va) if "old" in a.memo else None
        if new is not None and not swap_in(a, va, a.memo["old"]):
            swap_in(a, va, new)


@scenario(id="SM-004", title="Swap the stack page in at the heap page's address", family=SM,
          goal=Goal.TAMPER, rules=("G-SWAP-BIND",),
          prop="A sealed page comes back only at the address it was sealed for.")
def sm_transplant(adv: Adversary) -> None:
    """1. At PLACED, swap out the stack page and the heap page.
    2. Swap the stack page's stored copy in at the heap page's address."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        stack_va = a.layout.stack & ~(PAGE - 1)
        stack = swap_out(a, stack_va)
        heap = swap_out(a, a.layout.heap)
        if stack is None or heap is None:
            return
        if not swap_in(a, a.layout.heap, stack):
            swap_in(a, a.layout.heap, heap)
        swap_in(a, stack_va, stack)


@scenario(id="SM-005", title="Migrate the heap page and read both frames", family=SM,
          goal=Goal.LEAK, rules=("G-MIGRATE", "G-LM-UNMAP"),
          prop="Migration copies and remaps in one step; neither frame is readable after.")
def sm_migrate(adv: Adversary) -> None:
    """1. At PLACED, migrate the heap page to a fresh frame (MIGRATE_PAGE under the
    Guardian, a linear-map copy and remap without it).
    2. Read the old and the new frame through the linear map."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        last = a.walk(a.layout.heap)[-1]
        old = last.desc & D.ADDR_MASK
        new = a.alloc_frame()
        if a.guarded:
            a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, a.layout.heap, new)
        else:
            a.el1.copy_page(a.lm(new), a.lm(old))
            a.mm.tables.set(a.layout.heap, _same_attributes(last.desc, new))
        a.kernel.frames.put(old)
        data = a.observe(a.read_lm(old), "old frame after migration")
        if not any(data):
            a.note(f"frame {old:#x} was scrubbed by the migration")
        a.observe(a.read_lm(new), "new frame after migration")


@scenario(id="SM-006", title="Merge the heap page with a page of a helper address space",
          family=SM, goal=Goal.LEAK, rules=("G-KSM-DOMAIN",),
          prop="KSM merges pages of one protection domain only.")
def sm_ksm(adv: Adversary) -> None:
    """1. At PLACED, map a kernel frame in a helper address space.
    2. Ask for a KSM merge of the heap page with that page, then load the helper page."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        tree = a.new_tree()
        tree.set(HELPER_VA, D.leaf_descriptor(a.alloc_frame(), USER_RO))
        if a.guarded:
            a.hvc(Call.KSM_MERGE, a.mm.tables.root, a.layout.heap, tree.root, HELPER_VA, 0)
        else:
            pa = a.walk(a.layout.heap)[-1].desc & D.ADDR_MASK
            tree.set(HELPER_VA, D.leaf_descriptor(pa, USER_RO))
            a.el1.tlbi_all()
        a.observe(a.read_through(tree.root, HELPER_VA, PAGE), "merged page")


@scenario(id="SM-007", title="Compress the heap page for zswap", family=SM, goal=Goal.LEAK,
          rules=("G-COMPRESS-REFUSED",),
          prop="A confidential page is never compressed (that needs its plaintext).")
def sm_compress(adv: Adversary) -> None:
    """1. At PLACED, compress the heap page (COMPRESS_PAGE under the Guardian; without it,
    the kernel reads the page and deflates it)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        if a.guarded:
            a.hvc(Call.COMPRESS_PAGE, a.mm.tables.root, a.layout.heap)
            return
        pa = a.walk(a.layout.heap)[-1].desc & D.ADDR_MASK
        plain = a.observe(a.read_lm(pa), "page read for compression")
        a.memo["zswap"] = zlib.compress(plain)


@scenario(id="SM-008", title="Reclaim the heap page the program is using, as if it were a "
                             "memfd page nothing maps",
          family=SM, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",),
          prop="RECLAIM_PAGE frees only a page the Guardian holds for a closed memfd with no "
               "mapping: a frame a tree maps (the heap page with the secret) is refused and "
               "keeps its contents.")
def sm_reclaim_live(adv: Adversary) -> None:
    """1. At PLACED, give back the heap page's frame with RECLAIM_PAGE (under the Guardian;
    without it, the kernel scrubs the frame for reuse): the page the program keeps its
    secret in would read zeros."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = a.walk(a.layout.heap)[-1].desc & D.ADDR_MASK
        if a.guarded:
            status, _ = a.hvc(Call.RECLAIM_PAGE, pa)
            a.note(f"RECLAIM_PAGE {pa:#x}: status {status}")
            return
        a.write_lm(pa, bytes(PAGE))
