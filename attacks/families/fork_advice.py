"""Fork advice: pages a program told the kernel to leave out of (or empty in) a fork child.

The scenarios attack `secret_outputs` (workloads/src/secret_outputs.c) with its fork
switches: a page holding a copy of the secret marked MADV_DONTFORK (-D: the child has no
such page), MADV_WIPEONFORK (-w: the child takes it for a fresh, zero-filled buffer), the
child's own MADV_KEEPONFORK after such a fork (-K), a wipe-on-fork page moved by mremap
before the fork (-r), and an empty wipe-on-fork page the child fills with the secret before
forking a grandchild (-g); -w also serves a page swapped out before the fork.  Each child sends the page on to /dev/null as a record: where the
kernel hands it the parent's bytes, the secret goes with it.
The Guardian reads the program's own madvise arguments and keeps the advice on its record
of the program's areas (it follows munmap, mremap and later advice, a fork child inherits
it, exec starts without it); in a child, where the fork left a range empty or out, no page
from before the fork comes in (`set_pt.wipe_on_fork`, `set_pt.dont_fork`; for a page
swapped out at the fork, `swap_share.fork_advice`).
Each scenario holds only the kernel's powers (its syscall dispatch, its own areas and page
tables, the Guardian's calls).
"""

from __future__ import annotations

from dataclasses import replace

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from emulator import descriptors as D
from kernel_model.mm import SW_COW

FA = "fork_advice"
OUTPUTS = "secret_outputs"
NR_MADVISE = NUMBERS["madvise"]
NR_MREMAP = NUMBERS["mremap"]
NR_CLONE = NUMBERS["clone"]
MADV_NORMAL = 0
RULES = ("G-FORK-ADVICE",)

WIPE, DONTFORK, KEEP, REMAP, GRAND = b"-w", b"-D", b"-K", b"-r", b"-g"
P_WIPE, P_WIPE_CHILD = 136, 137
P_DONTFORK = 155
P_KEEP, P_KEEP_CHILD = 158, 159
P_REMAP = 162
P_GRAND, P_GRAND_CHILD = 165, 166


def _advice_ignored(adv: Adversary, phase: int) -> None:
    """Serve the program's next madvise after marker `phase` as MADV_NORMAL (the kernel
    records nothing) and answer 0; put x2 back at the exit."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MADVISE, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.memo["advice"] = a.reg("x2")
        a.set_reg("x2", MADV_NORMAL)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MADVISE, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x2", a.memo.pop("advice", MADV_NORMAL))
        a.set_reg("x0", 0)


def _forget_wipe(mm: object, va: int) -> None:
    """The kernel drops the wipe-on-fork flag of its own area at va."""
    vma = mm.vmas.find(va)  # type: ignore[attr-defined]
    if vma is not None:
        mm.vmas.replace(vma, replace(vma, wipe_on_fork=False))  # type: ignore[attr-defined]


def _share_parent_frame(a: Adversary, child_mm: object, va: int) -> None:
    """Map the parent's frame at va into the child's tree, read-only in both (a fork
    share, as copy-on-write makes one)."""
    src = a.walk(va)[-1]
    if not src.desc & D.VALID:
        a.note(f"the parent has no page at {va:#x}")
        return
    pa = src.desc & D.ADDR_MASK
    ro = D.leaf_descriptor(pa, D.PagePerms(user=True, write=False), software=SW_COW)
    a.mm.tables.set(va, ro)                   # the parent's side first, as fork does
    child_mm.tables.set(va, ro)               # type: ignore[attr-defined]
    a.note(f"mapped the parent's frame {pa:#x} at {va:#x} in the child")


@scenario(id="WF-001", title="Ignore MADV_DONTFORK: the forked child maps the parent's page",
          family=FA, goal=Goal.LEAK, rules=RULES, program=OUTPUTS, args=(DONTFORK,),
          prop="A range the program marked MADV_DONTFORK is no memory of a forked child: no "
               "page of the parent's is mapped there.")
def wf_dontfork_ignored(adv: Adversary) -> None:
    """1. The program puts a copy of the secret in an anonymous page, calls
    madvise(page, 4096, MADV_DONTFORK), then fork().
    2. Serve the madvise as MADV_NORMAL and answer 0; fork the process as usual, the
       page shared with the child like any other.
    3. The child's load there, which must fault, reads the page; the child sends it to
       /dev/null, the secret with it."""
    _advice_ignored(adv, P_DONTFORK)


@scenario(id="WF-002", title="Give a MADV_WIPEONFORK page to the child as a COPY_PAGE copy",
          family=FA, goal=Goal.LEAK, rules=RULES, program=OUTPUTS, args=(WIPE,),
          prop="A page the program marked MADV_WIPEONFORK reads as zero in a forked child: "
               "not the parent's frame, nor a copy of it.")
def wf_wipe_copy(adv: Adversary) -> None:
    """1. The program puts a copy of the secret in an anonymous page, marks it
    MADV_WIPEONFORK and forks; the kernel honours the advice (the child's page is empty).
    2. When the child announces it has looked at the page (a zero page now), copy the
       parent's frame with COPY_PAGE, as a copy-on-write break does, and point the child's
       entry at the copy.
    3. The child takes the page for a fresh buffer and sends it to /dev/null: the copy of
       the secret goes with it."""
    @adv.on(Point.MARKER, phase=P_WIPE_CHILD, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        va = a.memo["page"]
        mm = thread.process.mm  # type: ignore[attr-defined]
        src = a.pa_of(va)
        if src is None:
            a.note(f"the parent has no page at {va:#x}")
            return
        copy = a.alloc_frame()
        a.kernel.mmctx.copy_frame(copy, src)
        child = a.walk(va, mm.tables.root)[-1].desc
        base = child if child & D.VALID else D.leaf_descriptor(
            0, D.PagePerms(user=True, write=True))
        mm.tables.set(va, (base & ~D.ADDR_MASK) | copy)
        a.note(f"the child's page at {va:#x} is now a copy of the parent's {src:#x}")

    @adv.on(Point.MARKER, phase=P_WIPE)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["page"] = args[0]


@scenario(id="WF-003", title="After the child's MADV_KEEPONFORK, map the parent's page into it",
          family=FA, goal=Goal.LEAK, rules=RULES, program=OUTPUTS, args=(KEEP,),
          prop="A page a fork left empty (MADV_WIPEONFORK) stays the child's own when the "
               "child later marks it MADV_KEEPONFORK: the advice is about the child's own "
               "forks, it does not bring the parent's bytes back.")
def wf_keep_then_share(adv: Adversary) -> None:
    """1. The program puts a copy of the secret in an anonymous page, marks it
    MADV_WIPEONFORK and forks (the child's page is empty); the child marks the page
    MADV_KEEPONFORK.
    2. Then map the parent's frame into the child at that address, read-only in both, as
       a fork share.
    3. The child takes the page for a fresh buffer and sends it to /dev/null: the secret
       goes with it."""
    @adv.on(Point.MARKER, phase=P_KEEP)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["page"] = args[0]

    @adv.on(Point.MARKER, phase=P_KEEP_CHILD, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        _share_parent_frame(a, thread.process.mm, a.memo["page"])  # type: ignore[attr-defined]


@scenario(id="WF-004", title="Drop the wipe-on-fork flag of an area mremap moved",
          family=FA, goal=Goal.LEAK, rules=RULES, program=OUTPUTS, args=(REMAP,),
          prop="MADV_WIPEONFORK stays with the area when mremap moves it: a forked child "
               "finds the page at its new place zero.")
def wf_remap_forgets(adv: Adversary) -> None:
    """1. The program puts a copy of the secret in an anonymous page, marks it
    MADV_WIPEONFORK, moves it with mremap(MREMAP_FIXED) to a free place and forks.
    2. Serve the mremap, then drop the flag from the moved area (the kernel's own
       record); fork the process as usual, the page shared with the child.
    3. The child takes the page at its new place for a fresh buffer and sends it to
       /dev/null: the secret goes with it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_MREMAP, during=P_REMAP)
    def _(a: Adversary, **_: object) -> None:
        _forget_wipe(a.mm, a.reg("x0"))


@scenario(id="WF-005", title="Forget the inherited wipe-on-fork flag at the child's own fork",
          family=FA, goal=Goal.LEAK, rules=RULES, program=OUTPUTS, args=(GRAND,),
          prop="A fork child's area keeps MADV_WIPEONFORK: a grandchild finds the page zero, "
               "not what the child put there.")
def wf_grandchild(adv: Adversary) -> None:
    """1. The program marks an empty anonymous page MADV_WIPEONFORK and forks; the child
    copies the secret into the page and forks a grandchild.
    2. Before the child's fork, drop the flag from the child's area (the kernel's own
       record); fork as usual, the child's page shared with the grandchild.
    3. The grandchild takes the page for a fresh buffer and sends it to /dev/null: the
       secret goes with it."""
    @adv.on(Point.MARKER, phase=P_GRAND_CHILD, init_only=False)
    def _(a: Adversary, args: tuple[int, ...], thread: object, **_: object) -> None:
        _forget_wipe(thread.process.mm, args[0])  # type: ignore[attr-defined]


@scenario(id="WF-006", title="Share a swapped-out MADV_WIPEONFORK page with the child",
          family=FA, goal=Goal.LEAK, rules=RULES, program=OUTPUTS, args=(WIPE,),
          prop="A page the program marked MADV_WIPEONFORK reads as zero in a forked child "
               "even when it was swapped out at the fork: the parent's sealed page is not "
               "the child's to swap in.")
def wf_wipe_swapped(adv: Adversary) -> None:
    """1. When the program announces the page (before its madvise), swap it out
    (SWAP_OUT under the Guardian: the kernel's reclaim path).
    2. The program marks it MADV_WIPEONFORK and forks; at the fork's return give the child
       the parent's swap entry at that address (SWAP_SHARE), as fork does for a swapped page.
    3. The child's first touch swaps the parent's page in; it takes the page for a fresh
       buffer and sends it to /dev/null: the secret goes with it."""
    @adv.on(Point.MARKER, phase=P_WIPE)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        va = a.memo["page"] = args[0]
        a.mm.ctx.memory.swap_out(a.mm, va, a.mm.tables.lookup(va))

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_WIPE)
    def _(a: Adversary, **_: object) -> None:
        va = a.memo["page"]
        child = next((p for p in list(a.kernel.processes.values())
                      if p.parent is a.init and p.mm is not a.init.mm), None)
        desc = a.mm.tables.lookup(va)
        if child is None or desc & D.VALID or not desc:
            a.note(f"no child, or the parent's page at {va:#x} is not swapped out")
            return
        a.mm.ctx.memory.share_swapped(a.mm, child.mm, va, desc)
        child.mm.tables.set(va, desc)
        a.note(f"the child holds the parent's swapped page at {va:#x}")
