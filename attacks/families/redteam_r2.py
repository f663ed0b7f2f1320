"""Red-team round two: sharing records, secure-ABI bookkeeping and return paths.

Each scenario holds only the kernel's powers (its own page-table writer and
allocator, the secure memory-management ABI, its syscall results).  Where an
attack still gets through with the Guardian on, it names the property it
breaks (`gap`).
"""

from __future__ import annotations

from abi import Call, Status
from attacks.adversary import PAGE, Adversary
from attacks.dma import DmaDenied
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import KSM_OPT_IN, VARIANTS_PROGRAM, Phase
from emulator import descriptors as D
from kernel_model.vma import Vma

PROT_READ, PROT_WRITE = 1, 2

RT = "rt2"
SW_COW = 1
NR_BRK, NR_MMAP, NR_WRITE = 214, 222, 64
RW = D.PagePerms(user=True, write=True, user_exec=False)
RO = D.PagePerms(user=True, write=False, user_exec=False)


def _zero_page(adv: Adversary, va: int) -> int:
    """Map a zero-filled frame of the kernel's at va (the kernel's own fault path does the
    same for an anonymous page) and return the frame."""
    pa = adv.alloc_frame()
    adv.el1.fill(adv.lm(pa), 0, PAGE)
    adv.mm.tables.set(va, D.leaf_descriptor(pa, RW))
    adv.el1.tlbi_all()
    return pa


@scenario(id="RX-001", title="KSM-merged zero pages, both later made writable", family=RT,
          goal=Goal.LEAK, rules=("G-ONE-MAPPING", "G-KSM-DOMAIN"),
          program=VARIANTS_PROGRAM, args=(KSM_OPT_IN,),
          prop="A frame KSM merged stays read-only while two entries map it: a write fault "
               "at one of them never makes the shared frame writable in place.")
def rr2_ksm_write_alias(adv: Adversary) -> None:
    """1. At FRESH, fault in the program's fresh page (zero) and place a zero page at the
    address the heap will grow into next (one page above the heap page).
    2. KSM_MERGE the two: both entries now name one read-only frame.
    3. The program copies its secret into the fresh page: answer its write fault as the
    kernel's copy-on-write path does when its own refcount says 1, by making the entry
    writable on the same frame (no copy).
    4. At IAGO_BRK the program grows the heap by that page, writes 8 public bytes into it
    (same fault answer) and sends the whole page to /dev/null: the secret goes with it.
    The program lets KSM merge its pages (-k: prctl(PR_SET_MEMORY_MERGE, 1)): Linux's
    KSM compares no page a program did not make mergeable."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        fresh, grow = a.layout.fresh, a.layout.heap + PAGE
        if a.pa_of(fresh) is None:
            a.mm.handle_fault(fresh, False, False)
        if a.pa_of(grow) is None:
            _zero_page(a, grow)
        root = a.mm.tables.root
        if a.guarded:
            st, _ = a.hvc(Call.KSM_MERGE, root, fresh, root, grow, SW_COW)
            a.note(f"KSM_MERGE fresh/heap+1: {Status(st).name}")
        else:
            pa = a.pa_of(fresh)
            a.mm.tables.set(grow, D.leaf_descriptor(pa, RO, software=SW_COW))
            a.mm.tables.set(fresh, D.leaf_descriptor(pa, RO, software=SW_COW))
            a.el1.tlbi_all()
        a.memo["pair"] = (fresh, grow)

    @adv.on(Point.FAULT, once=False)
    def _(a: Adversary, info: object, thread: object) -> None:
        pair = a.memo.get("pair")
        if not pair:
            return
        for va in pair:
            desc = a.mm.tables.lookup(va)
            if desc & D.VALID and desc & D.AP_RO:
                a.mm.tables.set(va, D.leaf_descriptor(desc & D.ADDR_MASK, RW))
                a.el1.tlbi_va(va)


def _swap_out(adv: Adversary, va: int, tag: int) -> tuple[int, bytes]:
    """SWAP_OUT the page at va (entry becomes a non-present swap descriptor)."""
    st, version, sealed = adv.hvc_data(Call.SWAP_OUT, (adv.mm.tables.root, va, tag << 12))
    adv.note(f"SWAP_OUT {va:#x}: {Status(st).name} v{version}")
    return version, sealed


def _swap_in(adv: Adversary, va: int, sealed: bytes) -> int:
    frame = adv.alloc_frame()
    st, _, _ = adv.hvc_data(Call.SWAP_IN, (adv.mm.tables.root, va, frame,
                                           D.leaf_descriptor(frame, RW)), sealed)
    adv.note(f"SWAP_IN {va:#x}: {Status(st).name}")
    adv.el1.tlbi_all()
    return st


@scenario(id="RX-002", title="SWAP_SHARE a sealed page with its own tree, then replay it",
          family=RT, goal=Goal.TAMPER, rules=("G-SWAP-FRESH", "G-CONF-INTEGRITY"),
          prop="A tree holds at most one claim on a sealed version: sharing a version with "
               "the tree that sealed it does not let that tree swap it in twice.")
def rr2_swap_share_self(adv: Adversary) -> None:
    """1. At FRESH, fault in the (still zero) fresh page and SWAP_OUT it (version v1).
    2. SWAP_SHARE(root, root, fresh, v1): the tree 'shares' v1 with itself.
    3. SWAP_IN v1 (one claim used); the program then copies its secret into the page.
    4. At FRESH_DONE, SWAP_OUT the page again (v2) and SWAP_IN the old sealed v1 with the
    second claim: the page is rolled back to zeros under the program's feet."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        fresh = a.layout.fresh
        if a.pa_of(fresh) is None:
            a.mm.handle_fault(fresh, False, False)
        if not a.guarded:
            a.memo["old"] = a.read_lm(a.pa_of(fresh))
            return
        root = a.mm.tables.root
        v1, sealed = _swap_out(a, fresh, 0x51)
        st, _ = a.hvc(Call.SWAP_SHARE, root, root, fresh, v1)
        a.note(f"SWAP_SHARE self: {Status(st).name}")
        _swap_in(a, fresh, sealed)
        a.memo["old"] = sealed

    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        fresh = a.layout.fresh
        if not a.guarded:
            a.write_lm(a.pa_of(fresh), a.memo["old"])
            return
        _swap_out(a, fresh, 0x52)
        _swap_in(a, fresh, a.memo["old"])


@scenario(id="RX-003", title="Swap the heap page out, then map a zero page over its swap entry",
          family=RT, goal=Goal.TAMPER, rules=("G-SWAP-FRESH", "G-CONF-INTEGRITY",
                                              "G-LEAVE-ON-REQUEST"),
          prop="While a sealed version of a page is outstanding, the page comes back only "
               "through SWAP_IN: a fresh zero-filled frame cannot take its place.")
def rr2_swap_then_zero(adv: Adversary) -> None:
    """1. At PLACED, SWAP_OUT the heap page (its entry becomes a swap descriptor; the
    sealed version stays outstanding, nothing is discarded).
    2. Write a table entry naming a zero-filled frame at the heap address, as the fault
    path does for an anonymous page that was never swapped.
    3. The program's heap copy of the secret now reads as zeros."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        heap = a.layout.heap
        if a.guarded:
            _swap_out(a, heap, 0x53)
        else:
            a.mm.tables.clear(heap)
        _zero_page(a, heap)


NR_KILL, NR_GETPPID = 129, 173
ERESTARTNOINTR = 513


@scenario(id="RX-004", title="Deliver the signal kill() raised with the kill re-armed as a restart",
          family=RT, goal=Goal.TAMPER, rules=("G-RETURN-PATHS", "G-SIGNAL-HANDLER"),
          prop="A signal delivered at the return of a completed, non-restartable syscall "
               "never re-runs that syscall when the handler returns.")
def rr2_signal_restart_kill(adv: Adversary) -> None:
    """1. The program calls kill(getpid(), SIGUSR1) at SIGNAL.
    2. At kill()'s return, set the result to -ERESTARTNOINTR and the return address back
    to the SVC, as for an interrupted restartable call, then let the kernel deliver the
    SIGUSR1 it queued (SIGNAL takes the result and the ELR from the kernel).
    3. The handler returns to the SVC: kill() runs again, SIGUSR1 arrives a second time
    and the handler runs twice for one kill()."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_KILL, during=Phase.SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        pc = a.reg("pc")
        a.note(f"kill returns to {pc:#x}")
        # With the Guardian the kernel names the restart by its result; without one it
        # rewinds the registers itself (orig_x0 back in x0, as Linux does).
        a.set_reg("x0", (-ERESTARTNOINTR) & (2**64 - 1) if a.guarded else a.init.pid)
        a.set_reg("pc", pc - 4)


SIGUSR1 = 10


@scenario(id="RX-005", title="A second SIGUSR1 that no process sent", family=RT,
          goal=Goal.TAMPER, rules=("G-SIGNAL-HANDLER", "G-RETURN-PATHS"),
          silent="a kernel may deliver a signal the program registered a handler for",
          prop="The program's handler runs once per signal a sender raised: the kernel "
               "cannot make a registered handler run again on its own.")
def rr2_signal_forged(adv: Adversary) -> None:
    """1. The program registers its SIGUSR1 handler and raises SIGUSR1 once (SIGNAL).
    2. After SIGNAL_DONE, with no kill() in between, queue SIGUSR1 from the kernel itself
    (pid 0 in the siginfo, as a kernel-generated signal has).
    3. The kernel delivers it at the next return through the Guardian's SIGNAL call: the
    handler's counter goes from 1 to 2."""
    @adv.at(Phase.SIGNAL_DONE)
    def _(a: Adversary) -> None:
        a.kernel.signals.send_thread(a.thread, SIGUSR1, b"")


ERESTARTSYS = 512


@scenario(id="RX-006", title="Restart a write() that already completed", family=RT,
          goal=Goal.TAMPER, rules=("G-RETURN-PATHS", "G-RESUME-ELR"),
          prop="A syscall that completed is not executed again: a restart is only for a "
               "call the kernel interrupted before it took effect.")
def rr2_restart_completed_write(adv: Adversary) -> None:
    """1. The program writes its final banner ("secret: intact") to stdout after END.
    2. The kernel performs the write, then answers -ERESTARTSYS with the return address
    back at the SVC, as if a signal had interrupted it before any byte went out.
    3. The program executes the write again: its output holds the banner twice."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_WRITE, during=Phase.END)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", (-ERESTARTSYS) & (2**64 - 1) if a.guarded else 1)
        a.set_reg("pc", a.reg("pc") - 4)


IAGO_FIXED_HINT = 0x7E0000000000
MAP_FIXED = 0x10


@scenario(id="RX-007", title="MAP_FIXED over the secret page answered without replacing it",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-MMAP", "G-MEASURE-ALL"),
          prop="Memory a MAP_FIXED mmap hands the program is fresh (zero): a success answer "
               "at the fixed address means whatever was mapped there is gone.")
def rr2_fixed_not_replaced(adv: Adversary) -> None:
    """1. When the program maps its anonymous page for the secret (before PLACED), place it
    at 0x7e0000000000, the address it will later ask for with MAP_FIXED (a free address:
    a legitimate choice, the hint is just passed to the kernel's own allocator).
    2. At IAGO_FIXED the program asks for a fresh page at exactly that address
    (MAP_FIXED: replace what is there).  Serve the call without MAP_FIXED (the kernel maps
    a page elsewhere and leaves the old one alone) and answer 0x7e0000000000.
    3. The program writes 8 public bytes at the start of its 'fresh' page and sends the page
    to /dev/null: the secret copy at offset 64 goes with it."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MMAP, during=Phase.START)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", IAGO_FIXED_HINT)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MMAP, during=Phase.IAGO_FIXED)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 0)
        a.set_reg("x3", a.reg("x3") & ~MAP_FIXED)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=Phase.IAGO_FIXED)
    def _(a: Adversary, **_: object) -> None:
        a.note(f"the kernel placed the page at {a.reg('x0'):#x}")
        a.set_reg("x0", IAGO_FIXED_HINT)


ALTSTACK_SIZE = 16384


@scenario(id="RX-008", title="Signal frame on an alternate stack the kernel slid down onto .bss",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME",),
          prop="A signal frame lands only on the alternate stack the program registered (its "
               "own base and size), never on data next to it.")
def rr2_altstack_slid(adv: Adversary) -> None:
    """1. The program registers a 16 KiB alternate stack (in .bss, just above its secret
    array) and a SA_ONSTACK handler for SIGUSR1.
    2. Before delivering its SIGUSR1, the kernel records the alternate stack as starting
    0x3f00 bytes lower, same size (the kernel's own copy of sigaltstack's values).
    3. The frame is built downward from the recorded top, 0x100 bytes into the real
    stack: it covers the secret array and the program's 'tampered' flag."""
    @adv.at(Phase.SIGNAL)
    def _(a: Adversary) -> None:
        sp, flags, size = a.thread.altstack
        a.note(f"registered alternate stack {sp:#x}+{size:#x}")
        a.thread.altstack = (sp - ALTSTACK_SIZE + 0x100, flags, size)



@scenario(id="RX-009", title="An mmap lie carried back through signal delivery", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-MMAP", "G-RETURN-PATHS", "G-SIGNAL-HANDLER"),
          prop="A syscall result reaches the program only after the same layout checks, "
               "whether it returns through RESUME or through a signal delivered at its "
               "return.")
def rr2_iago_via_signal(adv: Adversary) -> None:
    """1. At IAGO_MMAP the program asks mmap for a fresh page (its SIGUSR1 handler is
    registered by then).
    2. The kernel answers with the address of the program's heap page (the IA-001 lie) and,
    instead of a plain return, queues SIGUSR1 so that the return goes through SIGNAL, which
    takes the syscall result from the kernel and saves it in the signal frame.
    3. The handler returns (rt_sigreturn restores x0 = the heap address); the program
    writes 8 public bytes there and sends the page, secret included."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=Phase.IAGO_MMAP)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.layout.heap)
        a.kernel.signals.send_thread(a.thread, SIGUSR1, b"")


BLOCK = 2 << 20
KERNEL_RW = D.PagePerms(user=False, write=True, user_exec=False)
HELPER_VA = 0x4000_0000          # 1 GiB: index 0 at level 0, 1 at level 1, 0 at level 2


def _free_block(adv: Adversary) -> int | None:
    """A 2 MiB-aligned run of frames all free in the kernel's allocator, claimed."""
    frames = adv.kernel.frames
    start = (frames.base + BLOCK - 1) & ~(BLOCK - 1)
    end = frames.base + frames.nframes * PAGE
    for base in range(end - BLOCK & ~(BLOCK - 1), start - 1, -BLOCK):
        if frames.free_flags(base, base + BLOCK) == b"\1" * (BLOCK // PAGE):
            for pa in range(base, base + BLOCK, PAGE):
                frames.take(pa)
            return base
    return None


def _helper_block(adv: Adversary, block_pa: int) -> int:
    """A helper address space of the kernel's whose one 2 MiB block maps block_pa at
    HELPER_VA (kernel-only, so EL1 reads it without PAN getting in the way)."""
    w = adv.kernel.writer
    tree = adv.new_tree()
    l1, l2 = w.alloc_table(1), w.alloc_table(2)
    w.write_entry(tree.root, D.level_index(HELPER_VA, 0), D.table_descriptor(l1))
    w.write_entry(l1, D.level_index(HELPER_VA, 1), D.table_descriptor(l2))
    w.write_entry(l2, D.level_index(HELPER_VA, 2),
                  D.leaf_descriptor(block_pa, KERNEL_RW, level=2))
    return tree.root


@scenario(id="RX-010", title="MIGRATE_PAGE into a frame a helper tree maps through a 2 MiB block",
          family=RT, goal=Goal.LEAK, rules=("G-MIGRATE", "G-CONF-EXCLUSIVE", "G-ONE-MAPPING"),
          prop="A frame joins a domain only if no other address space maps it, counting "
               "frames inside another tree's block mappings, not only their first frame.")
def rr2_migrate_into_block(adv: Adversary) -> None:
    """1. Claim a 2 MiB-aligned run of free frames and map it, as one level-2 block, in a
    helper address space of the kernel's own.
    2. At PLACED, MIGRATE_PAGE the program's heap page into the sixth frame of that run
    (not the block's first frame).
    3. Read the frame back through the helper tree's block (TTBR0 = the helper's root)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        base = _free_block(a)
        if base is None:
            a.note("no free 2 MiB run")
            return
        root = _helper_block(a, base)
        target = base + 5 * PAGE
        heap = a.layout.heap
        if a.guarded:
            st, _ = a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, heap, target)
            a.note(f"MIGRATE_PAGE heap -> {target:#x}: {Status(st).name}")
            a.el1.tlbi_all()
        else:
            a.write_lm(target, a.read_lm(a.pa_of(heap)))
        a.observe(a.read_through(root, HELPER_VA + 5 * PAGE, PAGE), "helper block mapping")


@scenario(id="RX-011", title="Break a KSM share with a zero page instead of a copy", family=RT,
          goal=Goal.TAMPER, rules=("G-CONF-INTEGRITY", "G-COPY-CONF-DST", "G-KSM-DOMAIN"),
          program=VARIANTS_PROGRAM, args=(KSM_OPT_IN,),
          prop="Breaking a shared (KSM-merged) page gives the faulting address a copy of that "
               "page: the kernel cannot hand it a zero-filled frame instead.")
def rr2_ksm_break_zero(adv: Adversary) -> None:
    """1. At FRESH_DONE the program's fresh page and its mapped page are identical (zeros
    with the secret at offset 64): KSM_MERGE them into one read-only frame.
    2. 'Break' the share at the fresh page as a copy-on-write fault would, but with a
    zero-filled frame of the kernel's instead of a COPY_PAGE copy.
    3. The fresh-page copy of the secret is gone.
    The program lets KSM merge its pages (-k: prctl(PR_SET_MEMORY_MERGE, 1)): Linux's
    KSM compares no page a program did not make mergeable."""
    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        fresh, mapped = a.layout.fresh, a.layout.mapped
        if a.guarded:
            root = a.mm.tables.root
            st, _ = a.hvc(Call.KSM_MERGE, root, mapped, root, fresh, SW_COW)
            a.note(f"KSM_MERGE mapped/fresh: {Status(st).name}")
        _zero_page(a, fresh)


@scenario(id="RX-012", title="brk grows the heap over a live mapping of the secret", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-BRK", "G-IAGO-MMAP", "G-MEASURE-ALL"),
          prop="Memory a successful brk adds to the heap is fresh: the break cannot grow "
               "over an area the program already has mapped.")
def rr2_brk_over_mapping(adv: Adversary) -> None:
    """1. When the program maps its anonymous page for the secret (just after setting up
    its heap), place it right at the current break: a free address, chosen through the
    hint the kernel's allocator honours.
    2. At IAGO_BRK the program asks for one more heap page (brk(break + 4096)).  The range
    is taken by that mapping, so the kernel's brk would refuse; answer success instead and
    move the break, leaving the mapping where it is.
    3. The program writes 8 public bytes at the start of its 'new' heap page and sends the
    page to /dev/null: the secret copy at offset 64 goes with it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=Phase.START)
    def _(a: Adversary, **_: object) -> None:
        # The heap lies below the mmap base, so the kernel places the area itself.
        placed, at = a.reg("x0"), (a.mm.brk + PAGE - 1) & ~(PAGE - 1)
        a.mm.unmap_range(placed, placed + PAGE)
        a.mm.map_area(Vma(at, at + PAGE, PROT_READ | PROT_WRITE, name="[anon]"))
        a.set_reg("x0", at)
        a.note(f"mmap placed at {at:#x} (the break)")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_BRK, during=Phase.IAGO_BRK, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["want"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_BRK, during=Phase.IAGO_BRK, once=False)
    def _(a: Adversary, **_: object) -> None:
        want = a.memo.get("want", 0)
        a.note(f"brk({want:#x}) -> {a.reg('x0'):#x}, break {a.mm.brk:#x}")
        if want > a.mm.brk:
            a.note(f"brk({want:#x}) refused by the kernel's own check; answered success")
            a.mm.brk = want
            a.set_reg("x0", want)



@scenario(id="RX-013", title="Restart a completed write() through signal delivery", family=RT,
          goal=Goal.TAMPER, rules=("G-RETURN-PATHS", "G-SIGNAL-HANDLER"),
          prop="A completed syscall is not re-run, whether the kernel returns through RESUME "
               "or delivers a signal at its return (a handler without SA_RESTART never "
               "restarts anything).")
def rr2_restart_write_via_signal(adv: Adversary) -> None:
    """1. The program writes its final banner after END (its SIGUSR1 handler is registered,
    without SA_RESTART).
    2. The kernel performs the write, then queues SIGUSR1 and answers -ERESTARTSYS with the
    return address at the SVC, so that SIGNAL saves a restart in the frame.
    3. The handler returns to the SVC: the write runs again and the banner is printed
    twice."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_WRITE, during=Phase.END)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", (-ERESTARTSYS) & (2**64 - 1) if a.guarded else 1)
        a.set_reg("pc", a.reg("pc") - 4)
        a.kernel.signals.send_thread(a.thread, SIGUSR1, b"")


@scenario(id="RX-014", title="Restart getppid(), a call that never sleeps", family=RT,
          goal=Goal.TAMPER, rules=("G-RETURN-PATHS", "G-RESUME-ELR"),
          prop="Only a syscall that can be interrupted is restarted: a call with no sleeping "
               "point (getppid) always completes once.")
def rr2_restart_getppid(adv: Adversary) -> None:
    """1. The program announces WRITE with a marker (getppid) that moves no user bytes.
    2. At its return the kernel answers -ERESTARTNOINTR with the return address at the SVC.
    3. The marker runs a second time: the program executed one system call twice."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETPPID, during=Phase.WRITE)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            return
        a.set_reg("x0", (-ERESTARTNOINTR) & (2**64 - 1))
        a.set_reg("pc", a.reg("pc") - 4)

    @adv.at(Phase.WRITE)
    def _(a: Adversary) -> None:
        if not a.guarded:   # without a monitor the kernel rewinds the registers itself
            a.memo["regs"] = [a.reg(f"x{i}") for i in range(6)]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETPPID, during=Phase.WRITE, once=False)
    def _(a: Adversary, **_: object) -> None:
        regs = a.memo.pop("regs", None)
        if regs is not None:
            for i, v in enumerate(regs):
                a.set_reg(f"x{i}", v)
            a.set_reg("pc", a.reg("pc") - 4)


EAGAIN = 11
CLONE_VFORK = 0x4000
NR_CLONE = 220


def _denied_child_ran(out: Outcome) -> list[str]:
    """The parent was told fork() failed, yet a child of it ran the program's code."""
    told = [m.args[0] for m in out.markers if m.phase == Phase.PARENT]
    failed = any(v >= 2**63 for v in told)
    ran = any(m.phase == Phase.CHILD for m in out.markers)
    return ["the parent was told fork() failed while its child ran the program's code"] \
        if failed and ran else []


@scenario(id="RX-015", title="fork() reported failed to the parent while the child runs",
          family=RT, goal=Goal.TAMPER, rules=("G-IAGO-CLONE", "G-CLONE-ONCE"),
          oracle=_denied_child_ran,
          prop="A clone that yields a child returns that child's id to the parent: the kernel "
               "cannot run a child of the program while telling the program that none exists.")
def rr2_fork_denied(adv: Adversary) -> None:
    """1. The program calls fork() at FORK; the kernel creates the child (FORK_DOMAIN: the
    child joins the domain with the parent's memory).
    2. The parent is answered -EAGAIN, as if no child had been created.
    3. The child runs the program's child side (CHILD marker) with the program's secrets
    (the kernel holds the parent back until then, as for a vfork), while the parent goes
    on believing it has no child (it skips wait4)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        # The kernel holds the parent back until the child is done (its vfork path), so
        # that the child surely runs before the parent, told "no child", moves on.
        a.set_reg("x0", a.reg("x0") | CLONE_VFORK)
        a.memo["cloning"] = True

    @adv.on(Point.BEFORE_RESUME, once=False)
    def _(a: Adversary, thread: object) -> None:
        if a.memo.pop("cloning", False):
            a.note(f"clone returns {a.reg('x0'):#x} to the parent; answered -EAGAIN")
            a.set_reg("x0", (-EAGAIN) & (2**64 - 1))


NR_IOCTL, TCSETS, TCGETS = 29, 0x5402, 0x5401


@scenario(id="RX-016", title="ioctl(TCSETS) served as TCGETS: the kernel writes the termios back",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP",),
          prop="An ioctl whose argument the kernel only reads (TCSETS) gives the kernel no "
               "right to write the program's buffer.")
def rr2_ioctl_write_back(adv: Adversary) -> None:
    """1. At IOCTL the program calls ioctl(/dev/null, TCSETS, heap page): a termios the
    kernel reads (60 bytes).
    2. While serving it, the kernel writes a 'termios' back over the buffer and the bytes
    after it, as a TCGETS would (copy_to_user of 96 bytes from the heap page's start).
    3. The heap copy of the secret at offset 64 is overwritten."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_IOCTL, during=Phase.IOCTL)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.layout.heap, b"\x55" * 96)


def _dma_read(adv: Adversary, pa: int, where: str) -> None:
    try:
        adv.observe(adv.dma.read(pa, PAGE), where)
    except DmaDenied as exc:
        adv.refused(f"DMA read of {pa:#x}: {exc}")


@scenario(id="RX-017", title="DMA reads the frames the secure-MM calls hand a domain", family=RT,
          goal=Goal.LEAK, rules=("G-DMA-FILTER", "G-MIGRATE", "G-SWAP-AUTH"),
          prop="Every frame that joins a domain through the secure memory-management ABI "
               "(MIGRATE_PAGE, SWAP_IN, COPY_PAGE) is closed to devices at once, like one "
               "mapped through SET_PT.")
def rr2_dma_secure_mm_frames(adv: Adversary) -> None:
    """1. At PLACED, MIGRATE_PAGE the heap page into a fresh frame of the kernel's and let a
    device read that frame.
    2. COPY_PAGE the stack page's frame into another fresh frame and let the device read
    the copy.
    3. SWAP_OUT the mapped page and SWAP_IN it into a third fresh frame; let the device
    read that one."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        lay = a.layout
        root = a.mm.tables.root
        moved, copy, back = a.alloc_frame(), a.alloc_frame(), a.alloc_frame()
        stack_pa = a.pa_of(lay.stack_secret & ~(PAGE - 1))
        mapped = lay.mapped
        if a.guarded:
            st, _ = a.hvc(Call.MIGRATE_PAGE, root, lay.heap, moved)
            a.note(f"MIGRATE_PAGE: {Status(st).name}")
            st, _ = a.hvc(Call.COPY_PAGE, copy, stack_pa)
            a.note(f"COPY_PAGE: {Status(st).name}")
            _, sealed = _swap_out(a, mapped, 0x55)
            st, _, _ = a.hvc_data(Call.SWAP_IN, (root, mapped, back,
                                                 D.leaf_descriptor(back, RW)), sealed)
            a.note(f"SWAP_IN: {Status(st).name}")
            a.el1.tlbi_all()
        else:
            a.write_lm(moved, a.read_lm(a.pa_of(lay.heap)))
            a.write_lm(copy, a.read_lm(stack_pa))
            a.write_lm(back, a.read_lm(a.pa_of(mapped)))
        _dma_read(a, moved, "DMA read of the migrated frame")
        _dma_read(a, copy, "DMA read of the COPY_PAGE copy")
        _dma_read(a, back, "DMA read of the SWAP_IN frame")


@scenario(id="RX-018", title="Hold back the SIGUSR1 kill() raised, deliver it later", family=RT,
          goal=Goal.TAMPER, rules=("G-SIGNAL-HANDLER", "G-RETURN-PATHS"),
          prop="A signal a thread sends itself with kill() reaches its handler before kill() "
               "returns (POSIX): the kernel cannot move the handler's run to a later point "
               "of the program.")
def rr2_signal_deferred(adv: Adversary) -> None:
    """1. At SIGNAL the program sends itself SIGUSR1 with kill().
    2. The kernel completes kill() (result 0) but keeps the signal off the pending set, so
    the program returns from kill() with its handler not yet run (it reads the counter at
    SIGNAL_DONE: 0).
    3. At FORK the kernel queues the SIGUSR1 again and delivers it through the Guardian:
    the handler runs at a point of the program where no signal was raised."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_KILL, during=Phase.SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        t = a.thread
        a.memo["info"] = t.process.pending.take(SIGUSR1) or t.pending.take(SIGUSR1)

    @adv.at(Phase.FORK)
    def _(a: Adversary) -> None:
        a.kernel.signals.send_thread(a.thread, SIGUSR1, a.memo.get("info", b""))


@scenario(id="RX-019", title="Keep an old sealed version outstanding, replay it later", family=RT,
          goal=Goal.TAMPER, rules=("G-SWAP-FRESH", "G-CONF-INTEGRITY"),
          prop="Only the latest sealed version of a page can come back: once the page is back "
               "in the program's view, every older sealed copy of it is stale.")
def rr2_swap_replay_after_zero(adv: Adversary) -> None:
    """1. At FRESH, fault in the (zero) fresh page and SWAP_OUT it: version v1, never
    swapped in.
    2. Put a zero-filled frame at the address instead (RX-003), so v1 stays outstanding
    while the page is present; the program copies its secret into the page.
    3. At FRESH_DONE, SWAP_OUT the page (v2) and SWAP_IN the old v1: the page rolls back
    to its state before the secret was written."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        fresh = a.layout.fresh
        if a.pa_of(fresh) is None:
            a.mm.handle_fault(fresh, False, False)
        if a.guarded:
            _, a.memo["v1"] = _swap_out(a, fresh, 0x56)
        else:
            a.memo["v1"] = a.read_lm(a.pa_of(fresh))
            a.mm.tables.clear(fresh)
        _zero_page(a, fresh)

    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        fresh = a.layout.fresh
        if a.guarded:
            _swap_out(a, fresh, 0x57)
            _swap_in(a, fresh, a.memo["v1"])
        else:
            a.write_lm(a.pa_of(fresh), a.memo["v1"])


NR_GETRANDOM = 278


@scenario(id="RX-020", title="getrandom() answered 'done' with nothing written", family=RT,
          goal=Goal.LEAK, rules=("G-KEYS-PRIVATE",),
          silent="the program's buffer holds the Guardian's entropy whatever length the "
                 "kernel served: nothing is refused, nothing is predictable",
          prop="A getrandom() that reports n bytes has filled n bytes with the Guardian's "
               "entropy: the kernel cannot claim success and leave the buffer as it was "
               "(zero, hence known).")
def rr2_getrandom_unfilled(adv: Adversary) -> None:
    """1. At START the program asks getrandom() for its 32-byte secret, into a .bss array
    (zero-filled, as every fresh page).
    2. The kernel serves the call with a length of 0 (nothing is written, so nothing is
    asked of the Guardian) and answers 32.
    3. The program takes the untouched zeros as its secret: the kernel knows it without
    reading anything."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_GETRANDOM, during=Phase.START)
    def _(a: Adversary, **_: object) -> None:
        a.memo["n"] = a.reg("x1")
        a.set_reg("x1", 0)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETRANDOM, during=Phase.START)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.memo["n"])
        a.set_reg("x1", a.memo["n"])       # the argument registers come back as they were
        a.observe(bytes(a.memo["n"]), "the kernel's guess of the secret (zero-filled memory)")


@scenario(id="RX-021", title="A COPY_PAGE copy of the secret page served as a fresh mmap page",
          family=RT, goal=Goal.LEAK, rules=("G-COPY-CONF-DST", "G-ONE-MAPPING",
                                            "G-MEASURE-ALL"),
          prop="A confidential copy of a page only ever stands in for its source page: a "
               "fresh page the program maps is never such a copy.")
def rr2_copy_as_fresh(adv: Adversary) -> None:
    """1. At PLACED, COPY_PAGE the frame of the program's mapped page (secret at offset
    64) into a free frame: the copy joins the domain, mapped nowhere.
    2. At IAGO_MMAP the program maps a fresh page (an honest answer); when it first
    writes there, the kernel maps the copy at that address instead of a zero frame.
    3. The program writes 8 public bytes and sends the page: the secret goes with it."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        dst = a.alloc_frame()
        src = a.pa_of(a.layout.mapped)
        if a.guarded:
            st, _ = a.hvc(Call.COPY_PAGE, dst, src)
            a.note(f"COPY_PAGE: {Status(st).name}")
        else:
            a.write_lm(dst, a.read_lm(src))
        a.memo["copy"] = dst

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=Phase.IAGO_MMAP)
    def _(a: Adversary, **_: object) -> None:
        va = a.reg("x0")
        a.mm.tables.set(va, D.leaf_descriptor(a.memo["copy"], RW))
        a.el1.tlbi_all()


@scenario(id="RX-022", title="MAP_FIXED replaced honestly, then refilled with a copy of the old page",
          family=RT, goal=Goal.LEAK, rules=("G-COPY-CONF-DST", "G-IAGO-MMAP",
                                            "G-MEASURE-ALL"),
          prop="A page a MAP_FIXED mmap hands the program is fresh even at the address of a "
               "page it replaced: a copy of that old page is not a copy-on-write break.")
def rr2_fixed_refilled_with_copy(adv: Adversary) -> None:
    """1. Place the program's anonymous secret page at 0x7e0000000000 (as RX-007), the
    address it will later ask for with MAP_FIXED.
    2. At PLACED, COPY_PAGE that page's frame into a free frame (the copy joins the
    domain, bound to 0x7e0000000000, mapped nowhere).
    3. At IAGO_FIXED serve MAP_FIXED honestly (the old page is unmapped and scrubbed), then
    map the copy at 0x7e0000000000 as if breaking a copy-on-write share.
    4. The program writes 8 public bytes into its 'fresh' page and sends it."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MMAP, during=Phase.START)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", IAGO_FIXED_HINT)

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        dst = a.alloc_frame()
        src = a.pa_of(IAGO_FIXED_HINT)
        if a.guarded:
            st, _ = a.hvc(Call.COPY_PAGE, dst, src)
            a.note(f"COPY_PAGE: {Status(st).name}")
        else:
            a.write_lm(dst, a.read_lm(src))
        a.memo["copy"] = dst

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=Phase.IAGO_FIXED)
    def _(a: Adversary, **_: object) -> None:
        a.mm.tables.set(IAGO_FIXED_HINT, D.leaf_descriptor(a.memo["copy"], RW, software=SW_COW))
        a.el1.tlbi_all()


@scenario(id="RX-023", title="An early COPY_PAGE copy 'breaks' a fork share of the same page",
          family=RT, goal=Goal.TAMPER, rules=("G-COPY-CONF-DST", "G-CONF-INTEGRITY"),
          prop="A copy-on-write break installs a copy of the page as it is now: a copy made "
               "before the program last wrote the page never stands in for it.")
def rr2_stale_copy_cow_break(adv: Adversary) -> None:
    """1. At FRESH, fault in the (zero) fresh page and COPY_PAGE its frame: a copy bound to
    that address, mapped nowhere.  The program then copies its secret into the page.
    2. fork(): the page is shared copy-on-write between parent and child.
    3. While the child runs (CHILD marker), 'break' the share in the parent with the early
    copy instead of a copy of the shared frame: the parent's fresh page rolls back to
    zeros."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        fresh = a.layout.fresh
        if a.pa_of(fresh) is None:
            a.mm.handle_fault(fresh, False, False)
        dst, src = a.alloc_frame(), a.pa_of(fresh)
        if a.guarded:
            st, _ = a.hvc(Call.COPY_PAGE, dst, src)
            a.note(f"COPY_PAGE: {Status(st).name}")
        else:
            a.write_lm(dst, a.read_lm(src))
        a.memo["copy"] = dst

    @adv.at(Phase.CHILD, init_only=False)
    def _(a: Adversary) -> None:
        fresh = a.layout.fresh
        a.note(f"parent's entry at CHILD: {a.mm.tables.lookup(fresh):#x}")
        a.mm.tables.set(fresh, D.leaf_descriptor(a.memo["copy"], RW))
        a.el1.tlbi_all()


BSS_PAGE = 0x4A2000          # the page of `secret`, `tampered` and `usr1_count`


@scenario(id="RX-024", title="Roll a data page back to an early copy through SWAP_OUT",
          family=RT, goal=Goal.TAMPER, rules=("G-COPY-CONF-DST", "G-SWAP-FRESH",
                                              "G-CONF-INTEGRITY"),
          prop="After SWAP_OUT a page comes back only through SWAP_IN of its latest sealed "
               "version: an older COPY_PAGE copy of it cannot be mapped in its place.")
def rr2_rollback_via_copy(adv: Adversary) -> None:
    """1. At SIGNAL, COPY_PAGE the frame of the program's .bss page (its secret array, its
    'tampered' flag and its signal counter, still 0): a copy bound to that address.
    2. The program raises SIGUSR1; its handler runs and the counter becomes 1.
    3. At SIGNAL_DONE, SWAP_OUT the page (its entry is now a swap entry, the sealed
    version outstanding) and map the early copy there instead of swapping it back in.
    4. The program's counter reads 0 again: its state was rolled back."""
    @adv.at(Phase.SIGNAL)
    def _(a: Adversary) -> None:
        dst, src = a.alloc_frame(), a.pa_of(BSS_PAGE)
        if a.guarded:
            st, _ = a.hvc(Call.COPY_PAGE, dst, src)
            a.note(f"COPY_PAGE: {Status(st).name}")
        else:
            a.write_lm(dst, a.read_lm(src))
        a.memo["copy"] = dst

    @adv.at(Phase.SIGNAL_DONE)
    def _(a: Adversary) -> None:
        old = a.mm.tables.lookup(BSS_PAGE)
        if a.guarded:
            _swap_out(a, BSS_PAGE, 0x58)
        a.mm.tables.set(BSS_PAGE, (old & ~D.ADDR_MASK) | a.memo["copy"])
        a.el1.tlbi_all()
