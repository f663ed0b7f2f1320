"""mremap(MREMAP_MAYMOVE | MREMAP_FIXED) onto live memory: the window it opens is its own.

Linux unmaps the target range [new, new + new_len) first and then moves the area there,
so while serving that call the kernel may take the target's old pages out of the
program's view, and nothing else.  The scenarios attack step 29 of `secret_calls`
(workloads/src/secret_calls.c): a four-page area whose pages each hold a copy of the
secret, and a page holding another that the program moves onto the area's second page,
growing it to two pages.  Pages one and four must keep their copies, the moved page its
copy, and the added third page must read zero (the program sends it to /dev/null); the
program reports what it found in its P_FIXED_DONE marker, which the oracle reads.
MF-009 attacks step 30: a two-page area moved whole onto a live two-page area.
"""

from __future__ import annotations

from abi import Call
from abi.syscalls import NUMBERS
from attacks.adversary import PAGE, Adversary
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from emulator import descriptors as D
from emulator.exceptions import ExceptionInfo
from kernel_model.pagetable import PageTableRefused

MF = "remap-fixed"
CALLS = "secret_calls"
P_FIXED, P_FIXED_DONE = 124, 125          # workloads/src/secret_calls.c
NR_MREMAP = NUMBERS["mremap"]
KEPT_ENTRY = 0x5C << 12     # an entry of the kernel's own (not valid, none of its swap entries)


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _fixed_harm(out: Outcome) -> list[str]:
    """What the program found after its fixed move (P_FIXED_DONE: x2 the result, x3 copies
    lost among pages one and four and the moved page, x4 nonzero bytes in the added page)."""
    done = [m for m in out.markers if m.phase == P_FIXED_DONE]
    if not done:
        return []
    _, lost, added = (_signed(v) for v in done[0].args[:3])
    hits = []
    if lost > 0:
        hits.append(f"{lost} copies of the secret the fixed mremap had to leave alone "
                    "(outside its target, or the moved page) were lost")
    if added > 0:
        hits.append(f"the page the fixed mremap added held {added} nonzero bytes, not zeros")
    return hits


def _area(adv: Adversary) -> None:
    """Keep the area and the page the P_FIXED marker announces."""
    @adv.on(Point.MARKER, phase=P_FIXED)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["area"], a.memo["page"] = args[0], args[1]


def _drop(a: Adversary, va: int) -> None:
    """Clear the leaf at va and give its frame back (a refused clear changes nothing)."""
    old = a.mm.tables.clear(va)
    if old & D.VALID:
        a.kernel.frames.put(old & D.ADDR_MASK)
        a.mm.resident -= 1
    a.el1.tlbi_all()


def _drop_while_serving(adv: Adversary, page: int) -> None:
    """While serving the fixed mremap, also take the area's page `page` away."""
    _area(adv)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MREMAP, during=P_FIXED)
    def _(a: Adversary, **_: object) -> None:
        _drop(a, a.memo["area"] + page * PAGE)


@scenario(id="MF-001", title="Take the page just below a fixed mremap's target while serving it",
          family=MF, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",), program=CALLS,
          oracle=_fixed_harm,
          prop="The window an mremap(MREMAP_FIXED) opens starts at its own new address: the "
               "live page below the target keeps its contents.")
def mf_below_target(adv: Adversary) -> None:
    """1. The program moves a page onto the second page of a live four-page area with
    mremap(MREMAP_MAYMOVE | MREMAP_FIXED), growing it to two pages.
    2. While serving it, also clear the area's first page (below the target) and drop its
       frame: the program's copy of the secret there reads as zero."""
    _drop_while_serving(adv, 0)


@scenario(id="MF-002", title="Take the page just past a fixed mremap's grown target",
          family=MF, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",), program=CALLS,
          oracle=_fixed_harm,
          prop="The window an mremap(MREMAP_FIXED) opens ends at new + new_len (the length "
               "the program asked for): the live page after it keeps its contents.")
def mf_past_target(adv: Adversary) -> None:
    """1. The program moves a page onto the second page of a live four-page area with
    mremap(MREMAP_MAYMOVE | MREMAP_FIXED), growing it to two pages (target: pages two
    and three).
    2. While serving it, also clear the area's fourth page and drop its frame."""
    _drop_while_serving(adv, 3)


@scenario(id="MF-003", title="Serve a fixed mremap with a longer new length",
          family=MF, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",), program=CALLS,
          oracle=_fixed_harm,
          prop="The target an mremap(MREMAP_FIXED) unmaps is bounded by the program's own "
               "arguments, not by the ones the kernel serves.")
def mf_longer(adv: Adversary) -> None:
    """1. The program asks to move one page to the area's second page, growing it to two.
    2. Serve the call with a new length of three pages (the kernel's own unmapping of the
       target then takes the area's fourth page too), and answer the program's address."""
    _area(adv)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MREMAP, during=P_FIXED)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x2", 3 * PAGE)


@scenario(id="MF-004", title="Move the page one page further than the fixed address, answer that "
          "address", family=MF, goal=Goal.LEAK, rules=("G-IAGO-MREMAP", "G-LEAVE-ON-REQUEST"),
          program=CALLS, oracle=_fixed_harm,
          prop="An mremap(MREMAP_FIXED) returns the address the program asked for and moves "
               "the pages there, nowhere else.")
def mf_elsewhere(adv: Adversary) -> None:
    """1. The program moves a page to the area's second page (MREMAP_FIXED), growing it to
    two pages, then uses the result: the page after it is the added one, sent whole.
    2. Serve the call with the area's third page as the new address (the area's fourth
       page, holding a copy of the secret, is unmapped as the grown target's end) and
       answer that address: the page the program sends is then its second copy's
       neighbour, and its first page is gone."""
    _area(adv)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MREMAP, during=P_FIXED)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x4", a.memo["area"] + 2 * PAGE)


@scenario(id="MF-005", title="Serve a fixed mremap honestly, answer another address",
          family=MF, goal=Goal.LEAK, rules=("G-IAGO-MREMAP",), program=CALLS,
          oracle=_fixed_harm,
          prop="The result of an mremap(MREMAP_FIXED) is the address the program asked for.")
def mf_answer_other(adv: Adversary) -> None:
    """1. Serve the program's mremap(MREMAP_MAYMOVE | MREMAP_FIXED) to the area's second
    page honestly.
    2. Answer the area's third page: the program takes the page after it, the area's
       fourth page (holding a copy of the secret), for the added one and sends it whole."""
    _area(adv)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MREMAP, during=P_FIXED)
    def _(a: Adversary, **_: object) -> None:
        if a.reg("x0") == a.memo["area"] + PAGE:
            a.set_reg("x0", a.memo["area"] + 2 * PAGE)


@scenario(id="MF-006", title="Drop the moved page at its new place before the fixed mremap "
          "returns", family=MF, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",), program=CALLS,
          oracle=_fixed_harm,
          prop="The target's window closes when the first page moves in: a moved page keeps "
               "its contents at its new place.")
def mf_drop_moved(adv: Adversary) -> None:
    """1. Serve the program's mremap(MREMAP_MAYMOVE | MREMAP_FIXED) honestly.
    2. Before returning, clear the moved page at its new address (inside the target) and
       drop its frame: the program's moved copy of the secret reads as zero."""
    _area(adv)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MREMAP, during=P_FIXED)
    def _(a: Adversary, **_: object) -> None:
        _drop(a, a.memo["area"] + PAGE)


@scenario(id="MF-007", title="Seal a target page before a fixed mremap, unseal it into the "
          "added page", family=MF, goal=Goal.LEAK, rules=("G-SWAP-FRESH",), program=CALLS,
          oracle=_fixed_harm,
          prop="A sealed copy of a page in an mremap(MREMAP_FIXED) target leaves with the "
               "target: the page the move adds there reads as zero.")
def mf_sealed_target(adv: Adversary) -> None:
    """1. At P_FIXED, swap the area's third page (inside the target, holding a copy of the
    secret) out with SWAP_OUT and an entry the kernel's own swap map does not know; keep
    the sealed copy.
    2. Serve the fixed mremap honestly: the target is unmapped, the page moved, the area
       grown over the third page.
    3. When the program first touches the added page, SWAP_IN the kept copy there: the
       program sends that page whole to /dev/null."""
    @adv.on(Point.MARKER, phase=P_FIXED)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        va = args[0] + 2 * PAGE
        desc = a.walk(va)[-1].desc
        pa = desc & D.ADDR_MASK
        a.memo.update(va=va, desc=desc)
        if a.guarded:
            status, _, sealed = a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, va, KEPT_ENTRY))
            if status:
                return
        else:
            sealed = a.read_lm(pa)
            a.mm.tables.set(va, KEPT_ENTRY)
            a.el1.tlbi_all()
        a.kernel.frames.put(pa)
        a.mm.resident -= 1
        a.memo["sealed"] = sealed

    @adv.on(Point.FAULT, during=P_FIXED, once=False)
    def _(a: Adversary, info: ExceptionInfo, **_: object) -> None:
        va = a.memo.get("va")
        if va is None or "sealed" not in a.memo or info.far & ~(PAGE - 1) != va:
            return
        sealed = a.memo.pop("sealed")
        frame = a.alloc_frame()
        desc = (a.memo["desc"] & ~D.ADDR_MASK) | frame
        if a.guarded:
            status, _, _ = a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, va, frame, desc), sealed)
            if status:
                a.kernel.frames.put(frame)
                return
        else:
            a.write_lm(frame, sealed)
            a.mm.tables.set(va, desc)
            a.el1.tlbi_all()
        a.mm.resident += 1
        a.note(f"the sealed copy of {va:#x} came back as the page the fixed mremap added")


@scenario(id="MF-008", title="Leave a fixed mremap's target in place, nothing moved, and answer "
          "success", family=MF, goal=Goal.LEAK, rules=("G-LEAVE-ON-REQUEST",), program=CALLS,
          oracle=_fixed_harm,
          prop="An mremap(MREMAP_FIXED) that returns success left no old page in its target: "
               "the pages there are the moved ones or none.")
def mf_target_kept(adv: Adversary) -> None:
    """1. The program moves a page onto the second page of a live four-page area with
    mremap(MREMAP_MAYMOVE | MREMAP_FIXED), growing it to two pages.
    2. Take the page out of the old range (SWAP_OUT with an entry of the kernel's own, the
       sealed copy kept), serve the call as a no-op (old length = new length, no flags) and
       answer the program's new address: the target keeps its old pages, and the 'added'
       page the program sends whole is the area's old third page, with its copy of the
       secret."""
    _area(adv)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MREMAP, during=P_FIXED)
    def _(a: Adversary, **_: object) -> None:
        va = a.memo["page"]
        pa = a.walk(va)[-1].desc & D.ADDR_MASK
        if a.guarded:
            status, _, _ = a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, va, KEPT_ENTRY))
            if status:
                return
        else:
            a.mm.tables.set(va, KEPT_ENTRY)
            a.el1.tlbi_all()
        a.kernel.frames.put(pa)
        a.mm.resident -= 1
        a.set_reg("x2", a.reg("x1"))
        a.set_reg("x3", 0)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MREMAP, during=P_FIXED)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.memo["area"] + PAGE)


# --- MF-009: the old range's window bounded to the pages moved ---------------------------
P_FIXED_PAIR, P_FIXED_PAIR_DONE = 126, 127   # workloads/src/secret_calls.c, step 30


def _pair_lost(out: Outcome) -> list[str]:
    """P_FIXED_PAIR_DONE: x2 the result, x3 copies of the secret lost among the moved pages."""
    done = [m for m in out.markers if m.phase == P_FIXED_PAIR_DONE]
    lost = _signed(done[0].args[1]) if done else 0
    return [f"{lost} of the two pages the fixed mremap moved arrived without their copy of the "
            "secret"] if lost > 0 else []


@scenario(id="MF-009", title="Drop a page of a moving mremap's old range that has not moved yet",
          family=MF, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",), program=CALLS,
          oracle=_pair_lost,
          prop="Once an mremap has moved a page, the pages of its old range that have not moved "
               "keep their places: each leaves only as its own move (or a shrink's cut tail).")
def mf_unmoved_dropped(adv: Adversary) -> None:
    """1. The program moves a two-page area, each page holding a copy of the secret, onto a
    live two-page area with mremap(MREMAP_MAYMOVE | MREMAP_FIXED).
    2. Serve it honestly, but as the old place of the first page is cleared (that page now
       lives at its new place), also clear the old range's second page, not moved yet, and
       give its frame back: the move then maps a fresh zero page in its place.
    3. The program's second copy of the secret arrives as zeros."""
    @adv.on(Point.MARKER, phase=P_FIXED_PAIR)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["pair"] = args[0]
        last = a.walk(args[0])[-1]
        a.memo["first_entry"] = (last.table, last.index)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MREMAP, during=P_FIXED_PAIR)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:          # the kernel's own tables: the page simply goes
            _drop(a, a.memo["pair"] + PAGE)
            a.memo["dropped"] = True

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], **_: object) -> None:
        if call != Call.SET_PT or len(args) < 3 or "pair" not in a.memo \
                or a.memo.get("dropped") or tuple(args[:2]) != a.memo["first_entry"] or args[2]:
            return
        a.memo["dropped"] = True           # (before the nested call: it fires this hook too)
        try:
            _drop(a, a.memo["pair"] + PAGE)
            a.note(f"the old range's second page {a.memo['pair'] + PAGE:#x} dropped before "
                   "its move")
        except PageTableRefused as exc:
            a.note(f"dropping the unmoved page was refused ({exc})")
