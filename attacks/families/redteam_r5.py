"""Red-team round five: huge pages shared across fork, a second domain, mremap results,
swap orderings around fork and exit, and signals around system calls.

Each scenario holds only the kernel's powers (its own page-table writer and
allocator, the Guardian's calls, its syscall results and its scheduler).
"""

from __future__ import annotations

from abi import Call, Status
from attacks.adversary import PAGE, Adversary
from attacks.families.redteam_r2 import EAGAIN, _free_block
from attacks.families.redteam_r3 import BLOCK, _child, _collapse
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_OFF, Phase
from emulator import descriptors as D
from emulator import sysregs as S

RT = "rt5"
NR_CLONE, NR_WAIT4, NR_MREMAP, NR_MMAP, NR_MUNMAP = 220, 260, 216, 222, 215
CLONE_VM, SIGCHLD = 0x100, 17
RW_PERMS = D.PagePerms(user=True, write=True, user_exec=False)


def _collapse_ro(adv: Adversary, anchor: int) -> int | None:
    """`_collapse` with every page of the region read-only (identical attributes that a
    fork can share as they are: the holes lie outside every area)."""
    region = anchor & ~(BLOCK - 1)
    template = (adv.mm.tables.lookup(anchor) & ~D.ADDR_MASK) | D.AP_RO
    base = _free_block(adv)
    if base is None:
        adv.note("no free 2 MiB run")
        return None
    root = adv.mm.tables.root
    present = [(va, desc) for va, desc in adv.mm.tables.leaves(region, region + BLOCK)]
    for va, desc in present:                  # move the program's pages into the run
        target = base + (va - region)
        if adv.guarded:
            st, _ = adv.el1.hvc(Call.MIGRATE_PAGE, root, va, target)
            if st:
                adv.note(f"MIGRATE_PAGE {va:#x}: {Status(st).name}")
                return None
        else:
            adv.write_lm(target, adv.read_lm(desc & D.ADDR_MASK))
            adv.mm.tables.set(va, target | (desc & ~D.ADDR_MASK))
    for i in range(BLOCK // PAGE):            # holes: zero pages; everything read-only
        va, target = region + i * PAGE, base + i * PAGE
        desc = adv.mm.tables.lookup(va)
        if not desc & D.VALID:
            adv.el1.fill(adv.lm(target), 0, PAGE)
        if desc != target | template:
            adv.mm.tables.set(va, target | template)
    adv.el1.tlbi_all()
    adv.mm.collapse_huge(region, base)
    adv.note(f"collapsed {region:#x} onto {base:#x}: block {adv.mm.tables.block_at(region):#x}")
    return base


def _st(a: Adversary, what: str, st: int) -> int:
    a.note(f"{what}: {Status(st).name}")
    return st


@scenario(id="RW-001", title="Share a collapsed 2 MiB block with the forked child, as Linux "
                             "shares a huge PMD", family=RT, goal=Goal.LEAK,
          rules=("G-ONE-MAPPING", "G-RELEASE-SCRUB", "G-LM-UNMAP"),
          prop="A frame the parent still maps through a 2 MiB block never returns to the "
               "kernel when the forked child's share of that block goes.")
def rw_thp_fork_share(adv: Adversary) -> None:
    """1. Right after fork() in the parent, clear the child's 4 KiB entries of the fresh
    page's 2 MiB region (the parent keeps every page), fill the region's holes and
    collapse the parent's region into one block (THP_COLLAPSE).
    2. Give the child the same block at level 2 (Linux's copy_huge_pmd), read-only.
    3. The child exits; the kernel tears its tree down (EXIT_DOMAIN, clear the block).
    4. At PARENT, read the fresh page's frame through the linear map."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = _child(a)
        if child is None:
            a.note("no child")
            return
        region = a.layout.fresh & ~(BLOCK - 1)
        ct = child.mm.tables
        n = 0
        for va, _desc in list(ct.entries(region, region + BLOCK)):
            ct.set(va, 0)
            n += 1
        a.el1.tlbi_all()
        a.note(f"cleared {n} child entries in {region:#x}")
        base = _collapse(a, a.layout.fresh)
        if base is None:
            return
        a.memo["frame"] = base + (a.layout.fresh % BLOCK)
        block = a.mm.tables.block_at(region)
        slot = ct.l2_slot(region)
        a.note(f"parent block {block:#x}, child l2 slot {slot}")
        if not block or slot is None:
            return
        ct.writer.write_entry(slot[0], slot[1], block)
        ct.block_made(region)
        a.el1.tlbi_all()
        a.note("child shares the block")

    @adv.at(Phase.PARENT)
    def _(a: Adversary) -> None:
        pa = a.memo.get("frame")
        if pa is not None:
            a.observe(a.read_lm(pa), "fresh frame after the child's exit")


@scenario(id="RW-002", title="Collapse a 2 MiB region the forked child still shares, in both "
                             "trees", family=RT, goal=Goal.LEAK,
          rules=("G-ONE-MAPPING", "G-RELEASE-SCRUB", "G-LM-UNMAP"),
          prop="THP_COLLAPSE takes only frames mapped by the collapsing tree alone; a region "
               "shared with a forked child stays 4 KiB pages.")
def rw_thp_collapse_shared(adv: Adversary) -> None:
    """1. At FORK, collapse the fresh page's 2 MiB region into a block (holes filled, pages
    moved into a 2 MiB-aligned run); the kernel's fork then splits it and shares the 512
    pages with the child read-only.
    2. Right after fork() in the parent, THP_COLLAPSE the region in the child's tree and
    in the parent's: both now map the run through one block each.
    3. The child exits (EXIT_DOMAIN, its block cleared); at PARENT read the fresh page's
    frame through the linear map."""
    @adv.at(Phase.FORK)
    def _(a: Adversary) -> None:
        base = _collapse_ro(a, a.layout.fresh)
        if base is not None:
            a.memo["base"] = base
            a.memo["frame"] = base + (a.layout.fresh % BLOCK)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = _child(a)
        base = a.memo.get("base")
        if child is None or base is None:
            a.note("no child or no block")
            return
        region = a.layout.fresh & ~(BLOCK - 1)
        attrs = a.mm.tables.lookup(a.layout.fresh) & ~D.ADDR_MASK
        for mm in (a.mm, child.mm):
            for i in range(BLOCK // PAGE):
                va = region + i * PAGE
                want = (base + i * PAGE) | attrs
                if mm.tables.lookup(va) != want:
                    mm.tables.set(va, want)
        a.el1.tlbi_all()
        for mm, who in ((child.mm, "child"), (a.mm, "parent")):
            a.note(f"{who} entry {mm.tables.lookup(region):#x}")
            try:
                mm.collapse_huge(region, base)
                a.note(f"{who} collapsed: {mm.tables.block_at(region):#x}")
            except Exception as exc:  # noqa: BLE001
                a.note(f"{who} collapse failed: {exc}")

    @adv.at(Phase.PARENT)
    def _(a: Adversary) -> None:
        pa = a.memo.get("frame")
        if pa is not None:
            a.observe(a.read_lm(pa), "fresh frame after the child's exit")


SIGUSR1 = 10
REG_X0, REG_PC = 199, 260


def _nested(out: object) -> list[str]:
    return ["the SIGUSR1 handler was entered again while the program blocked SIGUSR1 (a "
            "nested delivery inside its own handler)"] if out.hits.get("nested") else []  # type: ignore[attr-defined]


@scenario(id="RW-003", title="Nest a second SIGUSR1 frame inside the handler that blocks it",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-MASK", "G-SIGNAL-FRAME", "G-SIGRETURN"),
          oracle=_nested,
          prop="A signal the program blocks (its handler's own signal, without SA_NODEFER) is "
               "never delivered: the Guardian does not enter a handler the mask forbids.")
def rw_nested_altstack(adv: Adversary) -> None:
    """1. The kernel delivers the SIGUSR1 that kill() raised (SIGNAL: a frame at the top
    of the alternate stack, the context enters the handler, SIGUSR1 now blocked).
    2. Before the return into the handler it asks SIGNAL once more for the same thread
    (signal SIGUSR1, the mask it holds, the same alternate stack): a nested frame below
    the first, and the context enters the handler a second time at its first
    instruction, with SIGUSR1 blocked.
    3. The handler runs twice for one kill(): a reentrancy the program's mask rules out
    (no process can cause it under Linux semantics)."""
    @adv.on(Point.BEFORE_RESUME, during=Phase.SIGNAL, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        t = thread
        if a.memo.get("nested") or not a.memo.get("first"):
            return
        a.memo["nested"] = True
        ss_sp, ss_flags, ss_size = t.altstack  # type: ignore[attr-defined]
        pc = a.el1.reg(REG_PC)
        mask = t.sigmask  # type: ignore[attr-defined]
        a.note(f"nested SIGNAL at pc {pc:#x} altstack {ss_sp:#x}/{ss_flags}/{ss_size:#x} "
               f"mask {mask:#x}")
        if not mask & (1 << (SIGUSR1 - 1)):
            a.note("SIGUSR1 is not blocked: nothing to show")
            return
        if not a.guarded:
            # The kernel's own delivery, with the mask ignored for this one signal.
            t.sigmask = 0  # type: ignore[attr-defined]
            a.kernel.signals.send_thread(t, SIGUSR1, b"")
            a.memo["forced"] = mask
            return
        for _ in range(4):
            st, value, _ = a.hvc_data(Call.SIGNAL, (t.slot, SIGUSR1, mask, ss_sp,  # type: ignore[attr-defined]
                                                    ss_flags, ss_size, a.el1.reg(REG_X0),
                                                    pc), b"")
            a.note(f"nested SIGNAL: {Status(st).name} {value:#x}")
            if st != Status.FAULT_IN:
                break
            t.process.mm.handle_fault(value, True, False)  # type: ignore[attr-defined]
        if st == Status.OK:
            a.el1.set_reg(REG_PC, value)
            a.memo["entered"] = True

    @adv.on(Point.SIGNAL_DELIVERED, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if not a.memo.get("first"):
            a.memo["first"] = True
        elif "forced" in a.memo:
            a.hit("nested", 1)          # the kernel's own frame, the handler entered again

    @adv.on(Point.AFTER_RESUME, during=Phase.SIGNAL, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.pop("entered", False):
            a.hit("nested", 1)


def _swap_out_kernel(a: Adversary, va: int) -> bool:
    """The kernel's own reclaim path for one page (SWAP_OUT for a confidential tree)."""
    desc = a.mm.tables.lookup(va)
    if not desc & D.VALID:
        a.note(f"{va:#x} not present")
        return False
    a.mm.ctx.memory.swap_out(a.mm, va, desc)
    a.el1.tlbi_all()
    a.note(f"{va:#x} swapped out: entry {a.mm.tables.lookup(va):#x}")
    return True


def _target(a: Adversary, target: str) -> int:
    return {"heap": a.layout.heap, "fresh": a.layout.fresh}[target]


def _answer_over_swapped(adv: Adversary, nr: int, phase: Phase, target: str) -> None:
    @adv.at(phase)
    def _(a: Adversary) -> None:
        va = _target(a, target)
        a.memo["ok"] = _swap_out_kernel(a, va)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        if not a.memo.get("ok"):
            return
        va = _target(a, target)
        a.note(f"syscall {nr} answered {va:#x} (kernel said {a.reg('x0'):#x})")
        a.set_reg("x0", va)


@scenario(id="RW-004", title="Swap the heap page out, then return it from mmap",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-MMAP", "G-SWAP-FRESH"),
          prop="mmap cannot return a live area of the program, whether its pages are present "
               "or swapped out.")
def rw_mmap_over_swapped(adv: Adversary) -> None:
    """1. At IAGO_MMAP swap the heap page out (SWAP_OUT: its entry becomes a swap entry, no
    page is present there).
    2. Answer the program's mmap(NULL, 4096) with the heap page's address.
    3. The program writes 8 public bytes there (the kernel swaps the heap page back in on
    the fault) and sends the whole page to /dev/null: the secret goes with it."""
    _answer_over_swapped(adv, NR_MMAP, Phase.IAGO_MMAP, "heap")


@scenario(id="RW-005", title="Swap the fresh page out, then return it from mremap(MAYMOVE)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-MMAP", "G-SWAP-FRESH"),
          prop="mremap's new range cannot overlap a live area of the program, whether its "
               "pages are present or swapped out.")
def rw_mremap_over_swapped(adv: Adversary) -> None:
    """1. At IAGO_MREMAP swap the fresh page (its secret copy) out.
    2. Answer the program's mremap(small, 4096, 8192, MAYMOVE) with the fresh page's
    address.
    3. The program writes 8 public bytes there (swapped back in on the fault) and sends
    the page to /dev/null."""
    _answer_over_swapped(adv, NR_MREMAP, Phase.IAGO_MREMAP, "fresh")


UNALIGNED_TAIL = SECRET_OFF + 16           # the answer ends 16 bytes into the secret


@scenario(id="RW-006", title="mmap answers an unaligned address whose page lies just below "
                             "the fresh page", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-MMAP",),
          prop="mmap's result is page-aligned: an unaligned answer whose first page is free "
               "cannot reach into the live area above it.")
def rw_mmap_unaligned(adv: Adversary) -> None:
    """1. Answer the program's mmap(NULL, 4096) at IAGO_MMAP with fresh - 4096 + 80: its
    first page (the one just below the fresh page) is free, but the 4096 bytes from there
    end 80 bytes into the fresh page.
    2. The program writes 8 public bytes at the answer and sends 4096 bytes from it to
    /dev/null: the fresh page's first 80 bytes go too, 16 of the secret's among them."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=Phase.IAGO_MMAP)
    def _(a: Adversary, **_: object) -> None:
        placed = a.reg("x0")
        at = a.layout.fresh - PAGE + UNALIGNED_TAIL
        a.note(f"mmap placed {placed:#x}, answered {at:#x}")
        if placed != a.layout.fresh - PAGE:
            # Keep the kernel's own bookkeeping: the area it made is where the answer's
            # first page lies.
            a.note("the kernel placed the page elsewhere")
        a.set_reg("x0", at)


@scenario(id="RW-007", title="Deliver a signal at a page fault with win() as the frame's PC",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME", "G-RESUME-ELR"),
          prop="A signal frame saves the interrupted context's own PC, whatever ELR the kernel "
               "passes to SIGNAL.")
def rw_signal_fault_win(adv: Adversary) -> None:
    """1. The program's first store into its IAGO_MMAP page faults; the kernel pages it
    in and queues a SIGUSR1 (an asynchronous signal: its claim).
    2. It delivers it with SIGNAL, passing win() as the context's ELR.
    3. When the handler returns, rt_sigreturn resumes at win()."""
    @adv.on(Point.FAULT, during=Phase.IAGO_MMAP)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.memo["elr"] = a.layout.win
        if not a.guarded:
            a.set_reg("pc", a.layout.win)
        a.kernel.signals.send_thread(thread, SIGUSR1, b"")

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes, **_: object):  # noqa: ANN202
        if call != Call.SIGNAL or "elr" not in a.memo:
            return None
        want = a.memo.pop("elr")
        a.note(f"SIGNAL result {args[6]:#x} ELR {args[7]:#x} -> {want:#x}")
        return (*args[:7], want), payload


STDOUT = 1


def _public_on_stdout(out: object) -> list[str]:
    return ["the program's 'public!' buffer, meant for /dev/null, reached its standard "
            "output (a register changed under a signal frame)"] \
        if b"public!" in out.stdout else []  # type: ignore[attr-defined]


@scenario(id="RW-008", title="Deliver a signal at a page fault with a 'result' for x0",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME", "G-RESUME-CONTEXT"),
          oracle=_public_on_stdout,
          prop="Only a system call has a result: a signal delivered at a fault or interrupt "
               "saves the interrupted x0 as it was, whatever result the kernel passes.")
def rw_signal_fault_result(adv: Adversary) -> None:
    """1. The program's first store into its IAGO_MMAP page faults (x0 already holds the
    file descriptor of /dev/null for the write() that follows); the kernel pages it in
    and queues a SIGUSR1 (an asynchronous signal: its claim).
    2. It delivers it with SIGNAL, passing 1 as the 'result'.
    3. When the handler returns, x0 is 1: the program's write() of its buffer goes to
    standard output instead of /dev/null."""
    @adv.on(Point.FAULT, during=Phase.IAGO_MMAP)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.memo["result"] = STDOUT
        if not a.guarded:
            a.set_reg("x0", STDOUT)
        a.kernel.signals.send_thread(thread, SIGUSR1, b"")

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes, **_: object):  # noqa: ANN202
        if call != Call.SIGNAL or "result" not in a.memo:
            return None
        want = a.memo.pop("result")
        a.note(f"SIGNAL result {args[6]:#x} -> {want:#x}")
        return (*args[:6], want, args[7]), payload


def _primed(a: Adversary) -> int:
    """A zeroed frame whose linear-map translation the EL1 face has cached, writable."""
    pa = a.alloc_frame()
    a.el1.fill(a.lm(pa), 0, PAGE)
    a.el1.read_u64(a.lm(pa) + SECRET_OFF)
    return pa


@scenario(id="RW-009", title="Fault the fresh page in with a frame whose linear map the "
                             "kernel has just used", family=RT, goal=Goal.LEAK,
          rules=("G-LM-UNMAP", "G-TLB-FLUSH"),
          prop="A frame that joins a domain through a demand-paging SET_PT leaves the "
               "kernel's view, cached linear-map translations included.")
def rw_fault_primed(adv: Adversary) -> None:
    """1. The program's first store into its fresh page (FRESH) faults; the kernel zeroes
    a frame through its linear map (its translation is now cached) and maps it there.
    2. The program copies its secret into the page (FRESH_DONE).
    3. The kernel loads the frame through the same linear-map address."""
    @adv.on(Point.FAULT, during=Phase.FRESH)
    def _(a: Adversary, **_: object) -> None:
        fresh = a.layout.fresh
        if a.mm.tables.lookup(fresh) & D.VALID:
            a.note("fresh page already present")
            return
        pa = _primed(a)
        a.mm.tables.set(fresh, D.leaf_descriptor(pa, RW_PERMS))
        a.el1.tlbi_va(fresh)
        a.memo["frame"] = pa
        a.el1.read_u64(a.lm(pa))               # and once more after the mapping
        a.note(f"fresh page faulted in with primed frame {pa:#x}")

    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        pa = a.memo.get("frame")
        if pa is not None:
            a.observe(a.read_lm(pa), "fresh frame through a primed translation")


FAR_VA = 0x7D00_0000_0000                 # a 512 GiB slot no area of the program uses
PROT_RW = 3


def _prebuilt_path(a: Adversary, va: int, leaf_level: int, frame: int) -> int:
    """Tables of the kernel's (registered, parentless) that map `frame` at `va`, built
    bottom-up down from level `leaf_level`..3; returns the top table (level leaf_level)."""
    w = a.kernel.writer
    table = w.alloc_table(3)
    w.write_entry(table, D.level_index(va, 3), D.leaf_descriptor(frame, RW_PERMS))
    for level in range(2, leaf_level - 1, -1):
        up = w.alloc_table(level)
        w.write_entry(up, D.level_index(va, level), D.table_descriptor(table))
        table = up
    return table


def _graft(a: Adversary, va: int, frame: int) -> str:
    """Link a pre-populated path for `va` into the program's tree at the highest level
    whose entry is still empty."""
    w = a.kernel.writer
    path = a.walk(va)
    last = path[-1]
    if last.desc & D.VALID:
        return f"{va:#x} already has a path to level {last.level}"
    top = _prebuilt_path(a, va, last.level + 1, frame) if last.level < 3 else None
    if top is None:
        return "no empty level above the leaf"
    w.write_entry(last.table, last.index, D.table_descriptor(top))
    a.el1.tlbi_all()
    return f"grafted a level-{last.level + 1} table {top:#x} under level {last.level}"


@scenario(id="RW-010", title="Place the fresh page under a pre-populated table the kernel "
                             "grafts into the program's tree", family=RT, goal=Goal.LEAK,
          rules=("G-SETPT-CONF-OWNER", "G-CONF-EXCLUSIVE", "G-MEASURE-ALL"),
          prop="A table linked into a confidential tree brings no mappings of its own: every "
               "leaf under it joins the domain (zeroed, out of the linear map) or the link "
               "is refused.")
def rw_graft_populated_table(adv: Adversary) -> None:
    """1. The program's mmap for its fresh page (before FRESH) is placed at an address in
    an empty 512 GiB slot of its tree (any free address is within mmap's contract).
    2. Before returning, the kernel builds tables of its own (REGISTER_PT, SET_PT into
    parentless tables) mapping a frame of its own, filled with its bytes and still in its
    linear map, at that address, and links the top one into the program's tree (one
    SET_PT of a table descriptor).
    3. The program copies its secret into the page; at FRESH_DONE the kernel reads the
    frame through its linear map."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=Phase.SPIN)
    def _(a: Adversary, **_: object) -> None:
        placed = a.reg("x0")
        at = FAR_VA
        a.mm.vmas.remove_range(placed, placed + PAGE)    # its bookkeeping only
        from kernel_model.vma import Vma
        a.mm.map_area(Vma(at, at + PAGE, PROT_RW, name="[anon]"))
        frame = a.alloc_frame()
        a.write_lm(frame, b"K" * PAGE)
        a.memo["frame"] = frame
        a.note(_graft(a, at, frame))
        a.set_reg("x0", at)
        a.note(f"mmap placed {placed:#x}, answered {at:#x}")

    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        pa = a.memo.get("frame")
        if pa is not None:
            a.note(f"fresh maps {a.pa_of(a.layout.fresh)}; frame {pa:#x}")
            a.observe(a.read_lm(pa), "the grafted frame through the linear map")


ERESTARTNOINTR = 513
MASK64 = (1 << 64) - 1


@scenario(id="RW-011", title="Deliver a signal after fork() completed, with the clone re-armed "
                             "as a restart", family=RT, goal=Goal.TAMPER,
          rules=("G-SIGNAL-FRAME", "G-CLONE-ONCE", "G-RESUME-ELR"),
          prop="A signal frame may re-arm only a system call that did not complete: a clone "
               "that yielded a child is never restarted through the handler's return.")
def rw_signal_restart_clone(adv: Adversary) -> None:
    """1. The parent's fork clone() completes (FORK_DOMAIN: the child exists).
    2. On the way back the kernel queues a SIGUSR1 to the parent (an asynchronous signal)
    and delivers it with SIGNAL as if the clone had been interrupted: result
    -ERESTARTNOINTR and the clone's SVC as the frame's PC.
    3. When the handler returns, the parent executes clone() again: a second child runs
    the child's side of fork()."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, thread: object, **_: object) -> None:
        pc = a.reg("pc")
        a.memo["restart"] = pc - 4
        a.note(f"clone returned {a.reg('x0'):#x} at pc {pc:#x}")
        if not a.guarded:
            a.set_reg("pc", pc - 4)
            a.set_reg("x0", a.memo.get("orig_x0", 0x11))
        a.kernel.signals.send_thread(thread, SIGUSR1, b"")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        a.memo["orig_x0"] = a.reg("x0")

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes, **_: object):  # noqa: ANN202
        if call != Call.SIGNAL or "restart" not in a.memo:
            return None
        elr = a.memo.pop("restart")
        a.note(f"SIGNAL result {args[6]:#x} elr {args[7]:#x} -> -ERESTARTNOINTR, {elr:#x}")
        return (*args[:6], -ERESTARTNOINTR & MASK64, elr), payload


def _second_domain(a: Adversary) -> object | None:
    """A second confidential address space of the admitted image (the kernel starts the
    program again: CREATE_DOMAIN on a tree of its own with the image's digest)."""
    import hashlib

    from kernel_model.mm import AddressSpace
    image = a.memo.get("image")
    if image is None:
        a.note("no image seen")
        return None
    mm = AddressSpace(a.mm.ctx, a.kernel.alloc_asid())
    st, slot, _ = a.hvc_data(Call.CREATE_DOMAIN, (mm.tables.root, image.entry,  # type: ignore[attr-defined]
                                                  0xFFFF_FFFF_0000 - 0x1000),
                             hashlib.sha256(image.data).digest())  # type: ignore[attr-defined]
    a.note(f"CREATE_DOMAIN second tree {mm.tables.root:#x}: {Status(st).name} slot {slot}")
    if st != Status.OK:
        return None
    mm.confidential = True
    return mm


def _remember_image(adv: Adversary) -> None:
    @adv.on(Point.EXEC, init_only=False)
    def _(a: Adversary, image: object, **_: object) -> None:
        a.memo["image"] = image


@scenario(id="RW-012", title="Transplant a sealed page of a second instance of the program "
                             "into the first", family=RT, goal=Goal.TAMPER,
          rules=("G-SWAP-BIND", "G-SWAP-AUTH", "G-KSM-DOMAIN"),
          prop="Two confidential instances of one image are two domains: a page sealed by "
               "one never unseals in the other, whatever the version numbers.")
def rw_cross_domain_transplant(adv: Adversary) -> None:
    """1. The kernel starts a second instance of the admitted program (CREATE_DOMAIN on a
    tree of its own, same digest): a second domain, same image.
    2. At PLACED it swaps the first instance's heap page out (version v1 for that tree),
    maps a zero page at the same address in the second instance and swaps that out as
    well (a version of the second domain, maybe equal in number).
    3. It swaps the second instance's sealed page into the first instance's heap address:
    the heap copy of the secret becomes zeros."""
    _remember_image(adv)

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        heap = a.layout.heap
        if not a.guarded:
            pa = a.pa_of(heap)
            a.write_lm(pa, bytes(PAGE))
            return
        mm = _second_domain(a)
        if mm is None:
            return
        st, v1, sealed_a = a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, heap, 0x61 << 12))
        a.note(f"SWAP_OUT first heap: {Status(st).name} v{v1}")
        frame = a.alloc_frame()
        a.el1.fill(a.lm(frame), 0, PAGE)
        try:
            mm.tables.set(heap, D.leaf_descriptor(frame, RW_PERMS))  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001
            a.note(f"map in second: {exc}")
            return
        # More versions in the second domain until its number meets the first's.
        sealed_b, vb = b"", -1
        for _ in range(8):
            st, vb, sealed_b = a.hvc_data(Call.SWAP_OUT, (mm.tables.root, heap, 0x62 << 12))  # type: ignore[attr-defined]
            a.note(f"SWAP_OUT second heap: {Status(st).name} v{vb}")
            if st != Status.OK or vb >= v1:
                break
            st, _, _ = a.hvc_data(Call.SWAP_IN, (mm.tables.root, heap, a.alloc_frame(),  # type: ignore[attr-defined]
                                                 D.leaf_descriptor(frame, RW_PERMS)), sealed_b)
        new = a.alloc_frame()
        st, _, _ = a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, heap, new,
                                             D.leaf_descriptor(new, RW_PERMS)), sealed_b)
        a.note(f"SWAP_IN second's page into first: {Status(st).name}")
        if st != Status.OK:
            st, _, _ = a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, heap, new,
                                                 D.leaf_descriptor(new, RW_PERMS)), sealed_a)
            a.note(f"SWAP_IN first's own page back: {Status(st).name}")
        a.el1.tlbi_all()


RO_PERMS = D.PagePerms(user=True, write=False, user_exec=False)


@scenario(id="RW-013", title="Map the program's heap frame in a second instance, then tear "
                             "that instance down", family=RT, goal=Goal.LEAK,
          rules=("G-SETPT-CONF-OWNER", "G-RELEASE-SCRUB", "G-LM-UNMAP"),
          prop="A confidential frame is mapped only in its own domain's trees: a second "
               "instance of the same image is another domain, and its teardown never "
               "releases the first's frames.")
def rw_cross_domain_map(adv: Adversary) -> None:
    """1. The kernel starts a second instance of the admitted program (CREATE_DOMAIN, same
    digest).
    2. At PLACED it maps the first instance's heap frame, read-only, at the same address
    in the second instance's tree (or, failing that, forks the first instance's tree into
    the second's root).
    3. It tears the second instance down (EXIT_DOMAIN, the entry cleared) and reads the
    heap frame through its linear map."""
    _remember_image(adv)

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        heap = a.layout.heap
        pa = a.pa_of(heap)
        if not a.guarded:
            a.observe(a.read_lm(pa), "heap frame")
            return
        mm = _second_domain(a)
        if mm is None or pa is None:
            return
        try:
            mm.tables.set(heap, D.leaf_descriptor(pa, RO_PERMS))  # type: ignore[attr-defined]
            a.note("heap frame mapped in the second instance")
        except Exception as exc:  # noqa: BLE001
            a.note(f"map in second: {exc}")
        st, _ = a.hvc(Call.KSM_MERGE, a.mm.tables.root, heap, mm.tables.root, heap, 1)  # type: ignore[attr-defined]
        a.note(f"KSM_MERGE across: {Status(st).name}")
        st, _ = a.hvc(Call.EXIT_DOMAIN, mm.tables.root)  # type: ignore[attr-defined]
        a.note(f"EXIT_DOMAIN second: {Status(st).name}")
        try:
            mm.tables.set(heap, 0)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001
            a.note(f"clear in second: {exc}")
        a.el1.tlbi_all()
        a.observe(a.read_lm(pa), "heap frame after the second instance's teardown")


def _read_block_frames(a: Adversary, base: int, where: str) -> None:
    for i in range(BLOCK // PAGE):
        try:
            data = a.read_lm(base + i * PAGE)
        except Exception:  # noqa: BLE001 - still hidden: fine
            continue
        if any(data):
            a.observe(data, f"{where} (frame {base + i * PAGE:#x})")


@scenario(id="RW-014", title="Let the program exit with its fresh page inside a 2 MiB block, "
                             "then read the block's frames", family=RT, goal=Goal.LEAK,
          rules=("G-RELEASE-SCRUB", "G-LM-UNMAP"),
          prop="At exit every frame of a confidential 2 MiB block is scrubbed before it "
               "returns to the kernel, whichever way the block goes.")
def rw_exit_with_block(adv: Adversary) -> None:
    """1. At UNMAPPED (the fresh page holds the secret) collapse its 2 MiB region into a
    block (holes filled with zero pages, pages moved into a 2 MiB-aligned run).
    2. The program exits; the kernel's teardown splits or clears the block as its areas
    go (EXIT_DOMAIN first).
    3. After the exit, read every frame of the run through the linear map."""
    @adv.at(Phase.UNMAPPED)
    def _(a: Adversary) -> None:
        base = _collapse(a, a.layout.fresh)
        if base is not None:
            a.memo["base"] = base

    @adv.on(Point.EXIT)
    def _(a: Adversary, **_: object) -> None:
        base = a.memo.get("base")
        if base is not None:
            _read_block_frames(a, base, "block frame after exit")


@scenario(id="RW-015", title="Tear the exiting program's tree down with its 2 MiB block still "
                             "linked (EXIT_DOMAIN, then FREE_PGD)", family=RT, goal=Goal.LEAK,
          rules=("G-RELEASE-SCRUB", "G-LM-UNMAP", "G-FREEPGD-NOT-LIVE"),
          prop="FREE_PGD of a torn-down confidential tree scrubs every frame its block "
               "mappings still name before they return to the kernel.")
def rw_exit_freepgd_block(adv: Adversary) -> None:
    """1. At UNMAPPED collapse the fresh page's 2 MiB region into a block.
    2. At the program's exit_group, the kernel calls EXIT_DOMAIN, switches to another
    tree and frees the program's tree whole with FREE_PGD (no entry cleared first).
    3. It reads every frame of the run through the linear map."""
    @adv.at(Phase.UNMAPPED)
    def _(a: Adversary) -> None:
        base = _collapse(a, a.layout.fresh)
        if base is not None:
            a.memo["base"] = base

    @adv.on(Point.SYSCALL_ENTRY, nr=94, during=Phase.END)
    def _(a: Adversary, **_: object) -> None:
        base = a.memo.get("base")
        if base is None:
            return
        if a.guarded:
            root = a.mm.tables.root
            st, _ = a.hvc(Call.EXIT_DOMAIN, root)
            a.note(f"EXIT_DOMAIN: {Status(st).name}")
            other = a.new_tree()
            st, _ = a.hvc(Call.SET_PTBR, other.root)
            a.note(f"SET_PTBR helper: {Status(st).name}")
            st, _ = a.hvc(Call.FREE_PGD, root)
            a.note(f"FREE_PGD: {Status(st).name}")
        _read_block_frames(a, base, "block frame after FREE_PGD")


NR_RT_SIGRETURN = 139


@scenario(id="RW-016", title="Answer rt_sigreturn with a 'result' after a signal taken at a "
                             "page fault", family=RT, goal=Goal.TAMPER,
          rules=("G-SIGRETURN", "G-RESUME-CONTEXT"), oracle=_public_on_stdout,
          prop="rt_sigreturn restores the whole interrupted context, x0 included: the kernel's "
               "result for it never reaches a context interrupted outside a system call.")
def rw_sigreturn_result(adv: Adversary) -> None:
    """1. The program's first store into its IAGO_MMAP page faults (x0 holds the /dev/null
    descriptor for the write() that follows); the kernel pages it in and delivers a
    SIGUSR1 there (an asynchronous signal: its claim).
    2. When the handler returns, the kernel answers its rt_sigreturn with 1.
    3. If that becomes x0 of the interrupted context, the program's write() of its buffer
    goes to standard output instead of /dev/null."""
    @adv.on(Point.FAULT, during=Phase.IAGO_MMAP)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.kernel.signals.send_thread(thread, SIGUSR1, b"")
        a.memo["armed"] = True

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RT_SIGRETURN, during=Phase.IAGO_MMAP)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get("armed"):
            a.note(f"rt_sigreturn answered 1 (x0 was {a.reg('x0'):#x})")
            a.set_reg("x0", STDOUT)


def _nest(a: Adversary, t: object, times: int) -> int:
    """Ask SIGNAL `times` more times for the thread now entering its SIGUSR1 handler (the
    mask the kernel keeps is not consulted); returns how many were accepted."""
    ss_sp, ss_flags, ss_size = t.altstack  # type: ignore[attr-defined]
    done = 0
    for n in range(times):
        pc = a.el1.reg(REG_PC)
        st = Status.OK
        for _ in range(4):
            st, value, _ = a.hvc_data(Call.SIGNAL, (t.slot, SIGUSR1, t.sigmask, ss_sp,  # type: ignore[attr-defined]
                                                    ss_flags, ss_size, a.el1.reg(REG_X0),
                                                    pc), b"")
            if st != Status.FAULT_IN:
                break
            a.note(f"nested SIGNAL {n + 1}: fault in {value:#x}")
            t.process.mm.handle_fault(value, True, False)  # type: ignore[attr-defined]
        a.note(f"nested SIGNAL {n + 1}: {Status(st).name}")
        if st != Status.OK:
            break
        a.el1.set_reg(REG_PC, value)
        done += 1
    return done


def _symbol(a: Adversary, name: str) -> int:
    """A symbol of the program's (public) image file."""
    from attacks.referee import symbols
    image = a.memo.get("image")
    return symbols(image.data, name).get(name, 0) if image is not None else 0  # type: ignore[attr-defined]


@scenario(id="RW-017", title="Nest SIGUSR1 frames until they run off the bottom of the "
                             "alternate stack onto the secret", family=RT, goal=Goal.TAMPER,
          rules=("G-SIGNAL-FRAME", "G-SIGRETURN", "G-SIGNAL-MASK"),
          prop="Signal frames stay inside the stack they are written on: nested deliveries "
               "on the alternate stack never run past its bottom into the program's data.")
def rw_nested_overflow(adv: Adversary) -> None:
    """1. The kernel delivers the SIGUSR1 that kill() raised: a frame at the top of the
    16 KiB alternate stack (.bss), the context enters the handler.
    2. Before the return into the handler it asks SIGNAL four more times (the mask that
    blocks SIGUSR1 is the kernel's to keep): each frame (about 4.6 KiB) lands below the
    previous one, the fourth below the alternate stack's bottom, where `secret` and
    `tampered` lie in .bss.
    3. The handler runs five times; the original array of the secret is overwritten."""
    _remember_image(adv)

    @adv.on(Point.BEFORE_RESUME, during=Phase.SIGNAL, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if a.memo.get("nested") or not a.memo.get("first"):
            return
        a.memo["nested"] = True
        if not a.guarded:
            # Without a monitor the kernel writes its frames where it likes: the bytes the
            # fourth frame would put over the secret, through the linear map.
            va = _symbol(a, "secret")
            pa = a.pa_of(va)
            if pa is not None:
                a.write_lm(pa, bytes(32))
            return
        a.note(f"{_nest(a, thread, 4)} nested frames accepted")

    @adv.on(Point.SIGNAL_DELIVERED, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.memo["first"] = True


NR_GETPID = 172


@scenario(id="RW-018", title="Answer fork() with 0 through a signal frame, no child made",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME", "G-IAGO-CLONE",
                                              "G-FORK-IN-CLONE"),
          prop="A clone's result reaches the parent only as a child's id (or an error): a "
               "signal frame built at the clone carries no 0 'you are the child'.")
def rw_fork_zero_via_signal(adv: Adversary) -> None:
    """1. The program calls clone() for fork(); the kernel serves it as getpid (no child,
    no FORK_DOMAIN) and queues a SIGUSR1 to it (an asynchronous signal: its claim).
    2. It delivers the signal at the clone's return with SIGNAL, result 0: the frame
    records x0 = 0.
    3. When the handler returns, rt_sigreturn restores x0 = 0: the parent believes it is
    the child and runs the child's side of fork()."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)            # the kernel dispatches on what it reads
        a.memo["thread"] = thread

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.note(f"clone served as getpid: x0 {a.reg('x0'):#x}")
        a.set_reg("x0", 0)
        a.kernel.signals.send_thread(thread, SIGUSR1, b"")


def _told_failed_with_child(out: object) -> list[str]:
    """The parent's PARENT marker reports a failed fork() though the clone made a child."""
    told = [m.args[0] for m in out.markers if m.phase == Phase.PARENT]  # type: ignore[attr-defined]
    made = out.hits.get("child-made")  # type: ignore[attr-defined]
    return ["the parent was told fork() failed although the clone made a child (pid "
            f"{sorted(made)[0]}) that the kernel can run at will"] \
        if made and any(v >= 2**63 for v in told) else []


@scenario(id="RW-019", title="Tell the parent fork() failed through a signal frame while the "
                             "child runs", family=RT, goal=Goal.TAMPER,
          rules=("G-SIGNAL-FRAME", "G-IAGO-CLONE", "G-CLONE-ONCE"),
          oracle=_told_failed_with_child,
          prop="A clone that yielded a child reaches the parent as that child's id, also "
               "through a signal frame built at the clone's return.")
def rw_fork_failed_via_signal(adv: Adversary) -> None:
    """1. The program calls fork(); the kernel creates the child (FORK_DOMAIN).
    2. At the clone's return it queues a SIGUSR1 to the parent (an asynchronous signal:
    its claim) and delivers it with SIGNAL, passing -EAGAIN as the clone's result.
    3. When the handler returns, rt_sigreturn restores x0 from the frame: if it is
    -EAGAIN, the parent believes it has no child (it skips wait4) while the child runs the
    program's code."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.note(f"clone returns {a.reg('x0'):#x}")
        child = _child(a)
        if child is not None:
            a.hit("child-made", child.pid)
        if not a.guarded:
            a.set_reg("x0", (-EAGAIN) & MASK64)
        a.memo["result"] = (-EAGAIN) & MASK64
        a.kernel.signals.send_thread(thread, SIGUSR1, b"")

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes, **_: object):  # noqa: ANN202
        if call != Call.SIGNAL or "result" not in a.memo:
            return None
        want = a.memo.pop("result")
        a.note(f"SIGNAL result {args[6]:#x} -> {want:#x}")
        return (*args[:6], want, args[7]), payload


def _place(a: Adversary, at: int) -> None:
    """Move the area the kernel just made for mmap (x0) to `at` (its bookkeeping only)."""
    from kernel_model.vma import Vma
    placed = a.reg("x0")
    a.mm.vmas.remove_range(placed, placed + PAGE)
    a.mm.map_area(Vma(at, at + PAGE, PROT_RW, name="[anon]"))
    a.set_reg("x0", at)
    a.note(f"mmap placed {placed:#x}, answered {at:#x}")


@scenario(id="RW-020", title="mremap grows a page in place over the fresh page, and the kernel "
                             "swaps the fresh page for a zero page meanwhile", family=RT,
          goal=Goal.TAMPER, rules=("G-IAGO-MREMAP", "G-LEAVE-ON-REQUEST",
                                   "G-CONF-INTEGRITY"),
          prop="mremap grows an area in place only into free addresses: its new range never "
               "licenses the kernel to drop a live page of another area.")
def rw_mremap_grow_over(adv: Adversary) -> None:
    """1. At IAGO_MMAP the program's fresh mmap page is placed far away, so that the page
    just below the fresh page stays free.
    2. At IAGO_MREMAP the program's one-page mmap ('small') is placed there, just below
    the fresh page.
    3. While serving mremap(small, 4096, 8192, MAYMOVE) the kernel grows it in place (the
    new range covers the fresh page), clears the fresh page's entry and maps a zero page
    there; it answers `small`.
    4. The program's last check finds its fresh copy of the secret gone."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=Phase.IAGO_MMAP)
    def _(a: Adversary, **_: object) -> None:
        _place(a, a.layout.fresh - 64 * PAGE)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=Phase.IAGO_MREMAP)
    def _(a: Adversary, **_: object) -> None:
        _place(a, a.layout.fresh - PAGE)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MREMAP, during=Phase.IAGO_MREMAP)
    def _(a: Adversary, **_: object) -> None:
        small = a.layout.fresh - PAGE
        fresh = a.layout.fresh
        a.note(f"mremap kernel answer {a.reg('x0'):#x}; answering {small:#x}")
        try:
            a.mm.tables.set(fresh, 0)
            a.el1.tlbi_all()
            frame = a.alloc_frame()
            a.el1.fill(a.lm(frame), 0, PAGE)
            a.mm.tables.set(fresh, D.leaf_descriptor(frame, RW_PERMS))
            a.el1.tlbi_all()
            a.note("fresh page replaced by a zero page")
        finally:
            if a.guarded:           # without a monitor the page swap alone shows the harm
                a.set_reg("x0", small)


KERNEL_RO = D.PagePerms(user=False, write=False, user_exec=False)
GIB = 1 << 30
HELPER_GIB_VA = 0x80_0000_0000            # level-0 index 1: a slot of its own


@scenario(id="RW-021", title="Map all of RAM through one 1 GiB block in a helper tree",
          family=RT, goal=Goal.LEAK, rules=("G-SETPT-CONF-OWNER", "G-ONE-MAPPING",
                                            "G-SETPT-NO-GUARDIAN"),
          prop="A level-1 block counts every frame it covers: it cannot name a gigabyte that "
               "holds confidential, table or Guardian frames.")
def rw_gib_block(adv: Adversary) -> None:
    """1. At PLACED the kernel builds a helper address space of its own whose level-1
    entry is a 1 GiB block over the gigabyte of RAM holding the program's heap frame
    (kernel-only, read-only).
    2. It names the helper tree in TTBR0 and loads the heap frame's secret through the
    block."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = a.pa_of(a.layout.heap)
        if pa is None:
            return
        base = pa & ~(GIB - 1)
        w = a.kernel.writer
        tree = a.new_tree()
        l1 = w.alloc_table(1)
        w.write_entry(tree.root, D.level_index(HELPER_GIB_VA, 0), D.table_descriptor(l1))
        w.write_entry(l1, D.level_index(HELPER_GIB_VA, 1),
                      D.leaf_descriptor(base, KERNEL_RO, level=1))
        a.note(f"1 GiB block over {base:#x} in helper tree {tree.root:#x}")
        va = HELPER_GIB_VA + (pa - base) + SECRET_OFF
        a.observe(a.read_through(tree.root, va, 32), "heap secret through a 1 GiB block")


SPARE_VA = 0x7C00_0000_0000              # an address no area of the program covers


@scenario(id="RW-022", title="KSM-merge the stack page away from under a cached translation",
          family=RT, goal=Goal.LEAK, rules=("G-KSM-DOMAIN", "G-TLB-FLUSH", "G-RELEASE-SCRUB"),
          prop="A frame KSM_MERGE releases is unreachable from the program's cached "
               "translations before it returns to the kernel.")
def rw_ksm_stale_tlb(adv: Adversary) -> None:
    """1. At PLACED (the program is about to store its secret registers into a stack
    array) the kernel copies the stack page (COPY_PAGE: the copy joins the domain) and
    maps the copy at a spare address of the program's tree.
    2. KSM_MERGE keeps the copy and drops the stack page's own frame (scrubbed and
    FREE): the stack address now names the copy, read-only.
    3. The program returns and stores x19-x22 (the secret) on its stack; at ARGS the
    kernel reads the released frame through its linear map."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        page = a.layout.stack & ~(PAGE - 1)
        desc = a.mm.tables.lookup(page)
        old = desc & D.ADDR_MASK
        a.memo["old"] = old
        if not a.guarded:
            return
        dst = a.alloc_frame()
        st, _ = a.hvc(Call.COPY_PAGE, dst, old)
        a.note(f"COPY_PAGE stack -> {dst:#x}: {Status(st).name}")
        try:
            a.mm.tables.set(SPARE_VA, D.leaf_descriptor(dst, RW_PERMS))
        except Exception as exc:  # noqa: BLE001
            a.note(f"map copy: {exc}")
            return
        st, _ = a.hvc(Call.KSM_MERGE, a.mm.tables.root, SPARE_VA, a.mm.tables.root, page, 1)
        a.note(f"KSM_MERGE spare/stack: {Status(st).name}")

    @adv.at(Phase.ARGS)
    def _(a: Adversary) -> None:
        old = a.memo.get("old")
        if old is not None:
            a.observe(a.read_lm(old), "the stack page's released frame")


def _block_helper(a: Adversary) -> tuple[int, int] | None:
    from attacks.families.redteam_r2 import _helper_block
    base = _free_block(a)
    if base is None:
        a.note("no free 2 MiB run")
        return None
    return base, _helper_block(a, base)


@scenario(id="RW-023", title="COPY_PAGE the heap frame into a frame a helper tree maps through "
                             "a 2 MiB block", family=RT, goal=Goal.LEAK,
          rules=("G-COPY-DST-UNMAPPED", "G-COPY-CONF-DST", "G-ONE-MAPPING"),
          prop="COPY_PAGE's destination has no user mapping anywhere, counting the frames "
               "inside another tree's block mappings.")
def rw_copy_into_block(adv: Adversary) -> None:
    """1. Claim a 2 MiB-aligned run of free frames and map it, as one level-2 block, in a
    helper address space of the kernel's own.
    2. At PLACED, COPY_PAGE the heap frame into the run's ninth frame.
    3. Read the copy back through the helper tree's block."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        got = _block_helper(a)
        if got is None:
            return
        base, root = got
        from attacks.families.redteam_r2 import HELPER_VA
        dst = base + 8 * PAGE
        src = a.pa_of(a.layout.heap) & ~(PAGE - 1)  # type: ignore[operator]
        if a.guarded:
            a.hvc(Call.COPY_PAGE, dst, src)
        else:
            a.write_lm(dst, a.read_lm(src))
        a.observe(a.read_through(root, HELPER_VA + 8 * PAGE, PAGE), "helper block mapping")


@scenario(id="RW-024", title="SWAP_IN the heap page into a frame a helper tree maps through a "
                             "2 MiB block", family=RT, goal=Goal.LEAK,
          rules=("G-SWAP-FRESH", "G-CONF-EXCLUSIVE", "G-ONE-MAPPING"),
          prop="SWAP_IN unseals only into a frame no address space maps, counting the frames "
               "inside another tree's block mappings.")
def rw_swapin_into_block(adv: Adversary) -> None:
    """1. Claim a 2 MiB-aligned run of free frames and map it, as one level-2 block, in a
    helper address space of the kernel's own.
    2. At PLACED, swap the heap page out and back in into the run's ninth frame.
    3. Read the frame through the helper tree's block."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        got = _block_helper(a)
        if got is None:
            return
        base, root = got
        from attacks.families.redteam_r2 import HELPER_VA
        frame = base + 8 * PAGE
        heap = a.layout.heap
        if a.guarded:
            st, _, sealed = a.hvc_data(Call.SWAP_OUT, (a.mm.tables.root, heap, 0x63 << 12))
            a.note(f"SWAP_OUT heap: {Status(st).name}")
            st, _, _ = a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, heap, frame,
                                                 D.leaf_descriptor(frame, RW_PERMS)), sealed)
            a.note(f"SWAP_IN heap -> {frame:#x}: {Status(st).name}")
            if st != Status.OK:
                own = a.alloc_frame()
                a.hvc_data(Call.SWAP_IN, (a.mm.tables.root, heap, own,
                                          D.leaf_descriptor(own, RW_PERMS)), sealed)
            a.el1.tlbi_all()
        else:
            a.write_lm(frame, a.read_lm(a.pa_of(heap)))  # type: ignore[arg-type]
        a.observe(a.read_through(root, HELPER_VA + 8 * PAGE, PAGE), "helper block mapping")


@scenario(id="RW-025", title="Give the forked child the parent's 2 MiB run as one read-only "
                             "block over its 4 KiB shares", family=RT, goal=Goal.LEAK,
          rules=("G-ONE-MAPPING", "G-SETPT-CONF-OWNER", "G-RELEASE-SCRUB"),
          prop="A block entry in a forked child's tree counts each of its 512 frames as one "
               "more mapping: the child's teardown never releases a frame the parent still "
               "maps.")
def rw_child_block_over_shares(adv: Adversary) -> None:
    """1. At FORK collapse the fresh page's 2 MiB region (read-only, uniform) into a block;
    the kernel's fork splits it and shares the 512 pages with the child read-only.
    2. Right after fork() the kernel rewrites the child's level-2 entry for the region
    from its level-3 table to one read-only block over the same run (Linux's huge-PMD
    share), then splits the parent's region back into pages as well.
    3. The child exits (EXIT_DOMAIN, its block cleared); at PARENT the kernel reads the
    fresh page's frame through its linear map."""
    @adv.at(Phase.FORK)
    def _(a: Adversary) -> None:
        base = _collapse_ro(a, a.layout.fresh)
        if base is not None:
            a.memo["base"] = base
            a.memo["frame"] = base + (a.layout.fresh % BLOCK)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child, base = _child(a), a.memo.get("base")
        if child is None or base is None:
            a.note("no child or no block")
            return
        region = a.layout.fresh & ~(BLOCK - 1)
        attrs = a.mm.tables.lookup(a.layout.fresh) & ~D.ADDR_MASK
        block = (attrs & ~D.TABLE) | base
        ct = child.mm.tables
        slot = ct.l2_slot(region)
        a.note(f"child l2 entry {slot[2] if slot else 0:#x}; block {block:#x}")
        if slot is None:
            return
        try:
            ct.writer.write_entry(slot[0], slot[1], block)
            ct.block_made(region)
            a.el1.tlbi_all()
            a.note("child maps the run through one block")
        except Exception as exc:  # noqa: BLE001
            a.note(f"block into child: {exc}")

    @adv.at(Phase.PARENT)
    def _(a: Adversary) -> None:
        pa = a.memo.get("frame")
        if pa is not None:
            a.observe(a.read_lm(pa), "fresh frame after the child's exit")

    # The region's pages stay read-only without a copy-on-write mark: the program's later
    # one-page mmaps are placed outside it (any free address is within mmap's contract).
    for n, phase in enumerate((Phase.IAGO_MMAP, Phase.IAGO_MREMAP)):
        @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=phase)
        def _(a: Adversary, n: int = n, **_: object) -> None:
            if "base" in a.memo:
                _place(a, (a.layout.fresh & ~(BLOCK - 1)) - (n + 1) * 16 * PAGE)


@scenario(id="RW-026", title="Switch to a helper tree under the program's ASID and load the "
                             "heap address", family=RT, goal=Goal.LEAK,
          rules=("G-TLB-FLUSH", "G-SYSREG-TTBR0", "G-EPD0-ON-SWITCH"),
          prop="Translations the program's tree left in the TLB never serve another tree "
               "named with the same ASID.")
def rw_asid_reuse(adv: Adversary) -> None:
    """1. At PLACED (the program just stored its secret registers and touched its heap
    page) the kernel builds a helper tree of its own that maps nothing at the heap
    address, and names it in TTBR0 with the program's ASID.
    2. It loads the heap page's secret through TTBR0: a translation the program's tree
    left cached under that ASID would serve it."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        heap = a.layout.heap + SECRET_OFF
        asid = a.mm.asid
        helper = a.new_tree()
        value = helper.root | (asid << 48)
        if a.guarded:
            st, _ = a.hvc(Call.SET_PTBR, value)
            a.note(f"SET_PTBR helper with ASID {asid}: {Status(st).name}")
            tcr = a.el1.mrs(S.TCR_EL1)
            try:
                a.el1.msr(S.TCR_EL1, tcr & ~S.TCR_EPD0)     # the helper tree is the kernel's
                a.note(f"TCR_EL1 {a.el1.mrs(S.TCR_EL1):#x}")
                a.observe(a.el1.read(heap, 32), "heap address under the program's ASID")
            finally:
                a.el1.msr(S.TCR_EL1, tcr)
                a.kernel.switch_mm(a.mm)
        else:
            a.observe(a.read_through(a.mm.tables.root, heap, 32), "heap address")


def _child_on_parent_tree(out: object) -> list[str]:
    return ["the forked child ran inside its parent's address space (a CLONE_VM the "
            "program never asked for)"] if out.hits.get("vm-shared") else []  # type: ignore[attr-defined]


@scenario(id="RW-027", title="Restart the program's fork() through a signal frame with "
                             "CLONE_VM as the re-run clone's flags", family=RT,
          goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME", "G-RESUME-ELR", "G-FORK-CONTEXT"),
          oracle=_child_on_parent_tree,
          prop="A syscall re-armed through a signal frame re-runs with the program's own "
               "arguments: the kernel's 'result' never becomes the restarted call's x0.")
def rw_restart_clone_flags(adv: Adversary) -> None:
    """1. The program calls clone() for fork(); the kernel serves nothing yet (it
    dispatches the call as getpid: no child) and queues a SIGUSR1 (asynchronous).
    2. It delivers the signal with SIGNAL as if the clone had been interrupted and is to be
    restarted: ELR - 4 (the SVC) and, as the 'result', CLONE_VM | SIGCHLD.
    3. When the handler returns, the program executes clone() again; if x0 came from the
    frame's 'result', it now asks for CLONE_VM itself, and the kernel serves it: the child
    runs on the parent's stack and memory."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=Phase.FORK, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get("restarted"):
            a.note(f"clone again with flags {a.reg('x0'):#x}")
            return
        a.memo["orig"] = a.reg("x0")
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if a.memo.get("restarted"):
            return
        pc = a.reg("pc")
        a.memo["restarted"] = True
        a.memo["restart"] = pc - 4
        if not a.guarded:
            a.set_reg("pc", pc - 4)
            a.set_reg("x0", CLONE_VM | SIGCHLD)
            a.set_reg("x8", NR_CLONE)       # its own registers are the program's here
        a.kernel.signals.send_thread(thread, SIGUSR1, b"")

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes, **_: object):  # noqa: ANN202
        if call != Call.SIGNAL or "restart" not in a.memo:
            return None
        elr = a.memo.pop("restart")
        a.note(f"SIGNAL elr {args[7]:#x} -> {elr:#x}, result -> CLONE_VM|SIGCHLD")
        return (*args[:6], CLONE_VM | SIGCHLD, elr), payload

    @adv.on(Point.MARKER, phase=Phase.CHILD, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        proc = thread.process  # type: ignore[attr-defined]
        if proc is not a.init and proc.mm is a.init.mm:
            a.hit("vm-shared", 1)
