"""Red-team round forty-eight: the rules added since round 45, both ways.

Round 46 and 47's rules judge fault signals (no SIGSEGV/SIGBUS where Linux resolves the
access), the si_code of a signal the program sent itself, sigaltstack() on the alternate
stack, and counts on the program's own pipes and memfds.  This round probes their edges:

- a memfd's size changed through a /proc/self/fd reopen (XF-001, XF-002, XF-011, XF-023:
  refused);
- a page the kernel swapped out (XF-003, XF-004: refused);
- standard signals coalesced across rt_sigqueueinfo(), tgkill() and kill() (XF-005,
  XF-006): refused;
- protection keys claimed on a CPU that has none (XF-007: refused);
- an SP exactly at the alternate stack's edges (XF-008..XF-010: refused);
- MAP_NORESERVE and hugetlb areas (XF-015, XF-016: refused);
- a fork child's fault (XF-017: refused);
- a page mapped into a hole the program munmap()ed, in an area or its .bss (XF-018,
  XF-020), or a .bss page it made read-only (XF-019): refused;
- kill(0) to the program's own group (XF-021: refused);
- a pipe write merging its remainder into the last buffer (XF-024: refused; Linux's 904
  passes, the kernel model's own 3996 is refused).

Left out as the kernel's claim: a signal the program queued itself with
rt_sigqueueinfo() or pidfd_send_signal() and an info naming another process (si_pid 4242)
delivered with another si_code or si_value.  Standard signals coalesce: a signal that
process sent first is the one pending (legacy_queue() drops the program's own), so Linux
can deliver that process's siginfo instead.

The claim_* step functions answer exactly as Linux does and are no scenarios:
tests/test_redteam_r48_claims.py runs them (a guard page's SEGV_MAPERR and SS_AUTODISARM
are refused now: false refusals).

The victim is `secret_r48_rules` (workloads/src/secret_r48_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

import struct
from dataclasses import replace

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.secure_mm import swap_out
from attacks.hooks import Point
from attacks.scenario import Goal, documented, scenario
from kernel_model import signals as sig
from kernel_model.page_faults import FaultResult

RT = "redteam_r48"
RULES = "secret_r48_rules"
P_SHRINK, P_GROW, P_SWAPLOAD, P_COAL_Q, P_COAL_T = 4800, 4802, 4804, 4806, 4808
P_GUARD, P_PKEY, P_AUTO_OLD, P_AUTO_SET = 4810, 4812, 4814, 4816
P_ALT_TOP, P_ALT_BASE, P_ALT_TOPSET = 4818, 4820, 4822
P_QVAL, P_QWAIT, P_HUGE, P_NORES, P_CHILD = 4824, 4826, 4828, 4830, 4832
P_BRKSHRINK, P_HOLE, P_BSSRO, P_BSSGONE, P_KILL0 = 4834, 4836, 4838, 4840, 4842
P_PIDFDQ, P_FALLOC, P_PIPEMERGE = 4844, 4846, 4848
P_FIRST, P_LAST = P_SHRINK, P_PIPEMERGE
GUARDS, PKEYS, AUTO, EDGES, BRKS, GROUP, MERGE = b"-g", b"-k", b"-z", b"-e", b"-b", b"-p", b"-m"       # the victim's switches
NR = NUMBERS
SIGUSR1, SIGSEGV, SIGBUS = 10, 11, 7
SI_USER, SI_TKILL = 0, -6
SEGV_MAPERR, SEGV_ACCERR, SEGV_PKUERR = 1, 2, 4
BUS_ADRERR, BUS_MCEERR_AR = 2, 4
SS_ONSTACK, SS_DISABLE, SS_AUTODISARM = 1, 2, 1 << 31
EINVAL, EPERM = 22, 1
PAGE = 4096
MASK64 = (1 << 64) - 1


def _target(adv: Adversary, phase: int) -> None:
    """Keep marker `phase`'s x3 (the address the step accesses) in memo['target']."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["target"] = int(args[1])


def _report(adv: Adversary, phase: int, signo: int, code: int, delta: int = 0,
            once: bool = True, init_only: bool = True) -> None:
    """At the first data abort on the step's target page, queue `signo`/`code` naming the
    faulting address + `delta`."""
    _target(adv, phase)

    @adv.on(Point.FAULT, during=phase, once=False,  # type: ignore[arg-type]
            init_only=init_only)
    def _(a: Adversary, info: object = None, thread: object = None, **_: object) -> None:
        far = info.far  # type: ignore[attr-defined]
        t = a.memo.get("target")
        if t is None or far & ~0xFFF != t & ~0xFFF or (once and "reported" in a.memo):
            return
        a.memo["reported"] = True
        if a.memo.pop("blob", None) is not None:
            # The page stays out (a poisoned or unreadable swap entry): the kernel's fault
            # path maps nothing this once and sends the signal (do_swap_page's
            # VM_FAULT_SIGBUS / VM_FAULT_HWPOISON).
            mm, result = a.mm, FaultResult.SIGBUS if signo == SIGBUS else \
                FaultResult.SEGV_ACCERR

            def one_fault(va: int, write: bool, execute: bool) -> int:
                del mm.handle_fault
                return result
            mm.handle_fault = one_fault  # type: ignore[method-assign]
        thread.pending.add(signo, sig.pack_siginfo(  # type: ignore[attr-defined]
            signo, code, addr=(far + delta) & MASK64))
        a.note(f"the fault at {far:#x} reported as signal {signo} code {code}")


def _swap_out_target(adv: Adversary, phase: int) -> None:
    """At the step's marker, swap out the page it will load from (the kernel's reclaim)."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        va = int(args[1]) & ~0xFFF
        a.memo["target"] = int(args[1])
        if a.guarded:
            blob = swap_out(a, va)
            ok = blob is not None
            a.memo["blob"] = blob
        else:
            a.mm.ctx.memory.swap_out(a.mm, va, a.mm.tables.lookup(va))
            ok = True
        a.el1.tlbi_all()
        a.note(f"{va:#x} swapped out" if ok else f"{va:#x} not swapped out")


# --- memfd sizes through a /proc/self/fd reopen --------------------------------------------
@scenario(id="XF-001", title="Resolve a store into a private memfd mapping past the end a "
          "reopen's ftruncate() set", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-FAULT", "G-PROTECTION"), program=RULES,
          prop="A store into a MAP_PRIVATE file mapping wholly past the file's end raises "
               "SIGBUS; it never completes.")
def xf_shrink_resolved(adv: Adversary) -> None:
    """1. The program maps a two-page memfd MAP_PRIVATE read-write, shrinks the file to one
    page by ftruncate() through a /proc/self/fd reopen, and stores into the second page
    under a probe (a SIGSEGV/SIGBUS handler that skips the access).
    2. At the store's data abort the kernel treats the page as inside the file and maps a
    private copy: the store completes.
    3. No SIGBUS: index -4, secret bytes 0..7.
    Linux's shmem_fault() -> shmem_get_folio_gfp(SGP_CACHE) fails a page at or past
    i_size (the reopen shares the inode) and do_cow_fault() returns VM_FAULT_SIGBUS."""
    _target(adv, P_SHRINK)

    @adv.on(Point.FAULT, during=P_SHRINK, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, info: object = None, **_: object) -> None:
        far = info.far  # type: ignore[attr-defined]
        vma = a.mm.vmas.find(far)
        if vma is None or vma.backing is None or "patched" in a.memo:
            return
        a.memo["patched"] = True
        vma.backing.beyond_eof = lambda offset: False  # type: ignore[method-assign]
        a.note(f"the page at {far:#x} treated as inside the file")


@scenario(id="XF-002", title="Report a store inside the size a reopen's ftruncate() grew a "
          "memfd to as SIGBUS", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT",),
          program=RULES,
          prop="A store into a MAP_PRIVATE read-write memfd mapping inside the file's size, "
               "however the size was set, is resolved; never SIGBUS.")
def xf_grow_sigbus(adv: Adversary) -> None:
    """1. The program maps a one-page memfd two pages MAP_PRIVATE read-write, grows the file
    to two pages by ftruncate() through a /proc/self/fd reopen, and stores into the
    second page under a probe.
    2. At the store's data abort the kernel queues SIGBUS/BUS_ADRERR for it (the
    size it was mapped with).
    3. The probe's handler runs: index -4, secret bytes 0..7.
    Linux's shmem_setattr() sets i_size of the one inode both descriptors share; the
    page lies inside it, so do_cow_fault() copies it, no signal."""
    _report(adv, P_GROW, SIGBUS, BUS_ADRERR)


@scenario(id="XF-011", title="Report a store past a memfd's shrunk end as SIGSEGV instead of "
          "SIGBUS", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT", "G-SIGNAL-FRAME"),
          program=RULES,
          prop="A store into a private file mapping past the file's end raises SIGBUS/"
               "BUS_ADRERR naming the address; never SIGSEGV.")
def xf_shrink_segv(adv: Adversary) -> None:
    """1. As XF-001's step: a store into the page past the end the reopen's ftruncate()
    set, under a probe.
    2. At the store's data abort the kernel queues SIGSEGV/SEGV_MAPERR for it first (the
    model's own SIGBUS follows; the probe sees the SIGSEGV first).
    3. The probe sees SIGSEGV (or two signals): index -4, secret bytes 0..7.
    Linux's do_page_fault() turns VM_FAULT_SIGBUS into arm64_force_sig_fault(SIGBUS,
    BUS_ADRERR, far); the VMA exists and allows the write, so there is no SIGSEGV."""
    _report(adv, P_SHRINK, SIGSEGV, SEGV_MAPERR)


# --- a page the kernel swapped out ---------------------------------------------------------
@scenario(id="XF-003", title="Report a load from a swapped-out anonymous page as SIGSEGV",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT",), program=RULES,
          prop="A load from a readable anonymous page swapped out is resolved by swap-in, "
               "or (a swap read error) SIGBUS; never SIGSEGV.")
def xf_swap_segv(adv: Adversary) -> None:
    """1. The program writes a page of its private read-write area, then loads from it
    under a probe.
    2. At the marker the kernel swaps the page out; at the load's data abort it queues
    SIGSEGV/SEGV_ACCERR for it.
    3. The probe's handler runs with SIGSEGV: index -4, secret bytes 0..7.
    Linux's do_swap_page() answers a swap entry with the page, VM_FAULT_SIGBUS or
    VM_FAULT_HWPOISON (SIGBUS); the VMA is VM_READ, so access_error() is false and
    no SIGSEGV is sent."""
    _swap_out_target(adv, P_SWAPLOAD)
    _report(adv, P_SWAPLOAD, SIGSEGV, SEGV_ACCERR)


@scenario(id="XF-004", title="Report a load from a swapped-out page as SIGBUS naming another "
          "address", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT", "G-SIGNAL-FRAME"),
          program=RULES,
          prop="A SIGBUS for a memory error on the program's load names the load's address "
               "in si_addr.")
def xf_swap_addr(adv: Adversary) -> None:
    """1. As XF-003's step.
    2. The kernel swaps the page out; at the load's data abort it queues SIGBUS/
    BUS_MCEERR_AR naming the faulting address + 8.
    3. si_addr is not the load's address: index -4, secret bytes 0..7.
    Linux's do_page_fault() sends arm64_force_sig_mceerr(BUS_MCEERR_AR, far, lsb) with
    the FAR, the load's address."""
    _swap_out_target(adv, P_SWAPLOAD)
    _report(adv, P_SWAPLOAD, SIGBUS, BUS_MCEERR_AR, delta=8)


def claim_swap_mceerr(adv: Adversary) -> None:
    """1. As XF-003's step.
    2. The kernel swaps the page out; at the load's data abort it queues SIGBUS/
    BUS_MCEERR_AR naming the load's address, as Linux does for a poisoned swap entry.
    3. The probe's handler runs: index 1 (a claim: Linux can answer this).
    Linux's do_swap_page() returns VM_FAULT_HWPOISON for is_hwpoison_entry() and for a
    swapin whose folio is PageHWPoison; do_page_fault() sends BUS_MCEERR_AR with the
    FAR."""
    _swap_out_target(adv, P_SWAPLOAD)
    _report(adv, P_SWAPLOAD, SIGBUS, BUS_MCEERR_AR)


# --- standard signals coalesced -------------------------------------------------------------
@scenario(id="XF-005", title="Deliver a SIGUSR1 rt_sigqueueinfo() queued and kill() coalesced "
          "into as SI_USER", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-FRAME", "G-SIGNAL-HANDLER"), program=RULES,
          prop="A standard signal already pending is not queued again: kill() of a blocked "
               "SIGUSR1 that rt_sigqueueinfo() queued leaves the SI_QUEUE siginfo.")
def xf_coal_queue(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, queues it to itself with rt_sigqueueinfo(SI_QUEUE),
    then kill()s itself SIGUSR1 and unblocks.
    2. As kill returns, the kernel swaps the pending siginfo for kill's: SI_USER and the
    program's pid.
    3. The handler sees SI_USER: index -4, secret bytes 0..7.
    Linux's __send_signal_locked() returns at legacy_queue() for a standard signal
    already in the same (shared) pending set: kill's siginfo is never queued.  Refused
    by signal.pending_order: the first send pending is the one delivered."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["kill"], during=P_COAL_Q)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        info = sig.pack_siginfo(SIGUSR1, SI_USER, pid=a.init.pid)
        for pending in (a.init.pending, thread.pending):  # type: ignore[attr-defined]
            if pending.mask & sig.bit(SIGUSR1):
                pending.take(SIGUSR1)
                pending.add(SIGUSR1, info)
                a.note("the coalesced SIGUSR1 retagged SI_USER")
                return


@scenario(id="XF-006", title="Deliver kill()'s SIGUSR1 before the tgkill()'s one pending on "
          "the thread", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FRAME", "G-SIGNAL-HANDLER"),
          program=RULES,
          prop="With one SIGUSR1 pending on the thread (tgkill) and one on the process "
               "(kill), the thread's is delivered first.")
def xf_coal_order(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, tgkill()s then kill()s itself SIGUSR1, and unblocks;
    its handler notes the si_code of each run.
    2. As kill returns, the kernel swaps the two siginfos between the thread's and the
    process's pending sets.
    3. The first run sees SI_USER, the second SI_TKILL: index -4, secret bytes 0..7.
    Linux's dequeue_signal() takes tsk->pending before signal->shared_pending (qemu-user on
    a real kernel: SI_TKILL, then SI_USER).  Refused by signal.pending_order: the
    thread's own queue goes first."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["kill"], during=P_COAL_T)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        tp, pp = thread.pending, a.init.pending  # type: ignore[attr-defined]
        if not (tp.mask & sig.bit(SIGUSR1) and pp.mask & sig.bit(SIGUSR1)):
            a.note("not both pending")
            return
        ti, pi = tp.take(SIGUSR1), pp.take(SIGUSR1)
        tp.add(SIGUSR1, pi)
        pp.add(SIGUSR1, ti)
        a.note("the thread's and the process's SIGUSR1 swapped")


# --- guard pages and protection keys (claims) ----------------------------------------------
def claim_guard(adv: Adversary) -> None:
    """1. The program maps a read-write page, madvise(MADV_GUARD_INSTALL)s it (victim
    switch -g) and stores into it under a probe.
    2. The kernel answers madvise 0 and, at the store's data abort, queues SIGSEGV/
    SEGV_MAPERR naming it, as Linux 6.13+ does.
    3. The probe runs: index 0 (a claim; the kernel model answers madvise 0 and then
    maps the page, which Linux never does: index -4 with no scenario).
    Linux's madvise_guard_install() writes PTE_MARKER_GUARD entries; handle_pte_marker()
    returns VM_FAULT_SIGSEGV and do_page_fault() sends SIGSEGV with SEGV_MAPERR."""
    _report(adv, P_GUARD, SIGSEGV, SEGV_MAPERR)


@scenario(id="XF-007", title="Claim protection keys on a CPU without FEAT_S1POE and turn a "
          "store into a read-write page into SIGSEGV SEGV_PKUERR", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-FAULT", "G-PROTECTION"), program=RULES, args=(PKEYS,),
          prop="On a CPU without FEAT_S1POE pkey_alloc() fails (ENOSPC) and no fault is ever "
               "SEGV_PKUERR: a store into a read-write page is resolved.")
def xf_pkey(adv: Adversary) -> None:
    """1. The program allocates a key with pkey_alloc(0, PKEY_DISABLE_WRITE),
    pkey_mprotect()s a read-write page with it (switch -k) and stores into it under a
    probe; it takes SEGV_PKUERR as honest only with HWCAP2_POE in its auxv.
    2. The kernel answers pkey_alloc 1 and pkey_mprotect 0 (protecting the range read-
    write), and at the store's data abort queues SIGSEGV/SEGV_PKUERR naming it.
    3. The probe runs with SEGV_PKUERR and no HWCAP2_POE: index -4, secret bytes 0..7.
    The emulated CPU has no FEAT_S1POE (Unicorn implements no POR_EL0), so Linux's
    system_supports_poe() is false: mm_pkey_alloc() returns -1 (pkey_alloc: -ENOSPC),
    pkey_mprotect() with a key fails (-EINVAL), and arm64 do_page_fault() never takes
    fault_from_pkey(); the page's VMA is VM_WRITE, so handle_mm_fault() resolves the
    store.  Open: the Guardian judges neither call and lets the SIGSEGV through."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["pkey_alloc"], during=None)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 1)
        a.note("pkey_alloc answered 1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR["pkey_mprotect"], during=None)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        start, length = int(args[0]), int(args[1])
        a.mm.protect(start, start + length, int(args[2]))
        a.set_reg("x0", 0)
        a.note("pkey_mprotect answered 0")
    _report(adv, P_PKEY, SIGSEGV, SEGV_PKUERR)


# --- sigaltstack ------------------------------------------------------------------------------
def claim_autodisarm(adv: Adversary) -> None:
    """1. The program sets an alternate stack with SS_AUTODISARM (switch -z) and raises
    SIGUSR1 with an SA_ONSTACK handler, which reads the alternate stack and sets another.
    2. The kernel accepts the SS_AUTODISARM stack (the model refuses the flag as a
    negative int: EINVAL), delivers onto it and then resets the thread's record to
    SS_DISABLE, as Linux does; the handler's calls are answered from that record.
    3. The handler reads SS_DISABLE with size 0 and its change returns 0: index 0 and 0
    (a claim).
    Linux's setup_rt_frame() -> __save_altstack() then sas_ss_reset() when SS_AUTODISARM;
    sas_ss_flags() is SS_DISABLE with sas_ss_size 0, and on_sig_stack() is false, so
    do_sigaltstack() takes the change (kernel/signal.c)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["sigaltstack"], during=None,  # type: ignore[arg-type]
            once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["ss"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR["sigaltstack"], during=None,  # type: ignore[arg-type]
            once=False)
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        ptr = a.memo.pop("ss", 0)
        if "armed" in a.memo or not ptr or a.reg("x0") != (-EINVAL) & MASK64:
            return
        sp, flags, _pad, size = struct.unpack("<QiiQ", a.kernel.uaccess.read(ptr, 24))
        if flags & 0xFFFFFFFF != SS_AUTODISARM:
            return
        a.memo["armed"] = True
        thread.altstack = (sp, 0, size)  # type: ignore[attr-defined]
        a.set_reg("x0", 0)
        a.note("the SS_AUTODISARM stack taken")

    @adv.on(Point.SIGNAL_DELIVERED, during=None, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get("armed") is True:
            a.memo["armed"] = "reset"
            a.thread.altstack = (0, SS_DISABLE, 0)
            a.note("the alternate stack reset (SS_AUTODISARM)")


def _edge(id_: str, phase: int, title: str, prop: str, steps_doc: str, fix) -> None:  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        @adv.on(Point.SYSCALL_EXIT, nr=NR["sigaltstack"], during=phase)  # type: ignore[arg-type]
        def _(a: Adversary, **_: object) -> None:
            fix(a)
    scenario(id=id_, title=title, family=RT, goal=Goal.LEAK,
             rules=("G-SIGNAL-OLD-STATE",), program=RULES, args=(EDGES,),
             prop=prop)(documented(steps, steps_doc))


def _old_flags(value: int):  # type: ignore[no-untyped-def]
    def fix(a: Adversary) -> None:
        a.kernel.uaccess.write(int(a.el1.syscall_args()[1]) + 8, struct.pack("<i", value))
        a.note(f"ss_flags {value} written into the old state")
    return fix


def _answer_zero(a: Adversary) -> None:
    a.set_reg("x0", 0)
    a.note("sigaltstack answered 0")


_edge("XF-008", P_ALT_TOP, "Report ss_flags 0 for sigaltstack() called with SP exactly at "
      "the alternate stack's top",
      "sigaltstack() with SP == ss_sp + ss_size reports SS_ONSTACK (Linux counts the top "
      "as on the stack).",
      """1. The program sets an alternate stack and calls sigaltstack(NULL, &old) with SP
    exactly its top, ss_sp + ss_size (switch -e).
    2. As the call returns, the kernel writes ss_flags = 0 into old.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's __on_sig_stack() is sp > sas_ss_sp && sp - sas_ss_sp <= sas_ss_size (the top
    included, the base not), so sas_ss_flags() is SS_ONSTACK (include/linux/sched/
    signal.h).""", _old_flags(0))
_edge("XF-009", P_ALT_BASE, "Report SS_ONSTACK for sigaltstack() called with SP exactly at "
      "the alternate stack's base",
      "sigaltstack() with SP == ss_sp reports ss_flags 0 (Linux counts the base as off "
      "the stack).",
      """1. The program calls sigaltstack(NULL, &old) with SP exactly ss_sp (switch -e).
    2. As the call returns, the kernel writes ss_flags = SS_ONSTACK into old.
    3. The program sees SS_ONSTACK: index -4, secret bytes 0..7.
    Linux's __on_sig_stack() needs sp > sas_ss_sp: at the base it is false and
    sas_ss_flags() is 0.""", _old_flags(SS_ONSTACK))
_edge("XF-010", P_ALT_TOPSET, "Answer a change of the alternate stack with SP exactly at its "
      "top with success",
      "sigaltstack(new) with SP == ss_sp + ss_size fails with EPERM.",
      """1. The program calls sigaltstack(&other, NULL) with SP exactly the stack's top
    (switch -e).
    2. As the call returns, the kernel answers 0.
    3. The program sees success: index -4, secret bytes 0..7.
    Linux's do_sigaltstack() returns -EPERM when on_sig_stack(sp), true at the top.""",
      _answer_zero)


# --- a siginfo the program queued itself ----------------------------------------------------
QVALUE = 0x4848123456780048


def claim_huge(adv: Adversary) -> None:
    """(claim) 1. The program maps 2 MiB MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|MAP_NORESERVE
    read-write and stores into it under a probe.
    2. No huge page is free: at the store's data abort the kernel queues SIGBUS/BUS_ADRERR
    naming it, as Linux does.
    3. The probe runs: index 1 (a claim).
    Linux's hugetlb_no_page(): alloc_hugetlb_folio() finds no reservation (MAP_NORESERVE)
    and no free page, returns ERR_PTR(-ENOSPC), and vmf_error() makes it
    VM_FAULT_SIGBUS: do_page_fault() sends SIGBUS BUS_ADRERR at the FAR (the
    documented risk of MAP_NORESERVE hugetlb mappings)."""
    _report(adv, P_HUGE, SIGBUS, BUS_ADRERR)


@scenario(id="XF-015", title="Report a store into a private anonymous MAP_NORESERVE area (no "
          "hugetlb) as SIGBUS", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT",),
          program=RULES,
          prop="A store into a private anonymous read-write area is resolved, MAP_NORESERVE "
               "or not (without MAP_HUGETLB); never SIGBUS.")
def xf_noreserve_sigbus(adv: Adversary) -> None:
    """1. The program maps a page MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE read-write and
    stores into it under a probe.
    2. At the store's data abort the kernel queues SIGBUS/BUS_ADRERR for it (as if it
    were a hugetlb area with no page free).
    3. The probe's handler runs: index -4, secret bytes 0..7.
    Linux's do_anonymous_page() allocates a zero page; when memory runs out it is
    VM_FAULT_OOM (the OOM killer, pagefault_out_of_memory()), never VM_FAULT_SIGBUS:
    only hugetlb_no_page() turns a missing page into SIGBUS, and the area is not
    VM_HUGETLB."""
    _report(adv, P_NORES, SIGBUS, BUS_ADRERR)


@scenario(id="XF-016", title="Report a store into a private MAP_HUGETLB area as SIGSEGV",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT",), program=RULES,
          prop="A store into a read-write hugetlb area is resolved or (no huge page) SIGBUS; "
               "never SIGSEGV.")
def xf_huge_segv(adv: Adversary) -> None:
    """1. The program maps 2 MiB MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|MAP_NORESERVE
    read-write and stores into it under a probe.
    2. At the store's data abort the kernel queues SIGSEGV/SEGV_ACCERR for it.
    3. The probe sees SIGSEGV: index -4, secret bytes 0..7.
    Linux's do_page_fault() finds the VMA VM_WRITE (no access_error, so no SEGV_ACCERR);
    hugetlb_fault() -> hugetlb_no_page() answers a missing page with the page,
    VM_FAULT_OOM or VM_FAULT_SIGBUS, never VM_FAULT_SIGSEGV.  Open: the Guardian leaves
    hugetlb areas out of signal.resolved_fault altogether (its SIGBUS is honest; a
    SIGSEGV there never is)."""
    _report(adv, P_HUGE, SIGSEGV, SEGV_ACCERR)


@scenario(id="XF-017", title="Report a fork child's first store into an area its parent "
          "mapped read-write as SIGSEGV", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-FAULT",), program=RULES,
          prop="A fork child's store into a private anonymous read-write area it inherited "
               "is resolved; never SIGSEGV.")
def xf_child_segv(adv: Adversary) -> None:
    """1. The program maps a read-write page (never touched), forks, and the child stores
    into it under the inherited probe; it exits 1 if a signal came.
    2. At the child's data abort the kernel queues SIGSEGV/SEGV_ACCERR for it.
    3. The child exits 1; the parent's wait4 sees it: index -4, secret bytes 0..7.
    Linux's dup_mmap() copies the VMA with its VM_READ|VM_WRITE flags; the child's write
    fault finds no access_error and do_anonymous_page() allocates the page.  Open: the
    Guardian's signal.resolved_fault knows the areas of the program's first process only;
    a fork child's SIGSEGV goes unjudged."""
    _report(adv, P_CHILD, SIGSEGV, SEGV_ACCERR, init_only=False)


@scenario(id="XF-018", title="Resolve a store into the page munmap() cut out of an area",
          family=RT, goal=Goal.LEAK, rules=("G-PROTECTION", "G-SIGNAL-FAULT"), program=RULES,
          prop="A store into a page the program unmapped raises SIGSEGV/SEGV_MAPERR; it never "
               "completes.")
def xf_hole_resolved(adv: Adversary) -> None:
    """1. The program maps three read-write pages, munmap()s the middle one and stores into
    it under a probe.
    2. At the store's data abort the kernel widens its record of the first page's area
    over the hole, so its fault path maps a fresh page there.
    3. The store completes, no SIGSEGV: index -4, secret bytes 0..7.
    Linux's do_vmi_munmap() removed the VMA; find_vma() finds none there (the next one
    starts above) and do_page_fault() sends SEGV_MAPERR; the program, one thread, made no
    call that maps memory between its munmap() and the store.  Refused by
    set_pt.unmapped: no page appears in a hole the program's own munmap() left."""
    _target(adv, P_HOLE)

    @adv.on(Point.FAULT, during=P_HOLE)  # type: ignore[arg-type]
    def _(a: Adversary, info: object = None, **_: object) -> None:
        page = info.far & ~0xFFF  # type: ignore[attr-defined]
        below = a.mm.vmas.find(page - PAGE)
        if below is None:
            a.note("no area below the hole")
            return
        a.mm.vmas.replace(below, replace(below, end=page + PAGE))
        a.note(f"the area below widened over {page:#x}")


@scenario(id="XF-019", title="Resolve a store into a .bss page the program mprotect()ed "
          "PROT_READ", family=RT, goal=Goal.LEAK, rules=("G-PROTECTION", "G-SIGNAL-FAULT"),
          program=RULES,
          prop="A store into a .bss page the program made PROT_READ raises SIGSEGV/"
               "SEGV_ACCERR; it never completes.")
def xf_bss_ro_resolved(adv: Adversary) -> None:
    """1. The program mprotect()s a fresh .bss page PROT_READ and stores into it under a
    probe.
    2. At the store's data abort the kernel records the page's area read-write again, so
    its fault path maps a writable zero page.
    3. The store completes: index -4, secret bytes 0..7.
    Linux's mprotect_fixup() split the .bss VMA and cleared VM_WRITE on that page;
    do_page_fault() finds access_error() and sends SEGV_ACCERR."""
    _target(adv, P_BSSRO)

    @adv.on(Point.FAULT, during=P_BSSRO)  # type: ignore[arg-type]
    def _(a: Adversary, info: object = None, **_: object) -> None:
        far = info.far  # type: ignore[attr-defined]
        vma = a.mm.vmas.find(far)
        if vma is None:
            a.note("no area")
            return
        a.mm.vmas.replace(vma, replace(vma, prot=vma.prot | 2))
        a.note(f"the area at {far:#x} recorded writable")


@scenario(id="XF-020", title="Resolve a store into a .bss page the program munmap()ed",
          family=RT, goal=Goal.LEAK, rules=("G-PROTECTION", "G-SIGNAL-FAULT"), program=RULES,
          prop="A store into a .bss page the program unmapped raises SIGSEGV/SEGV_MAPERR; it "
               "never completes.")
def xf_bss_gone_resolved(adv: Adversary) -> None:
    """1. The program munmap()s a fresh .bss page and stores into it under a probe.
    2. At the store's data abort the kernel widens the area below over the hole, so its
    fault path maps a fresh page.
    3. The store completes: index -4, secret bytes 0..7.
    Linux's do_vmi_munmap() removed the page from the .bss VMA; find_vma() finds none
    covering it and do_page_fault() sends SEGV_MAPERR.  Refused by set_pt.unmapped, as
    XF-018."""
    _target(adv, P_BSSGONE)

    @adv.on(Point.FAULT, during=P_BSSGONE)  # type: ignore[arg-type]
    def _(a: Adversary, info: object = None, **_: object) -> None:
        page = info.far & ~0xFFF  # type: ignore[attr-defined]
        below = a.mm.vmas.find(page - PAGE)
        if below is None:
            a.note("no area below the hole")
            return
        a.mm.vmas.replace(below, replace(below, end=page + PAGE))
        a.note(f"the area below widened over {page:#x}")


@scenario(id="XF-021", title="Deliver the program's kill(0, SIGUSR1) to its own group as a "
          "tgkill() (SI_TKILL)", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FRAME",),
          program=RULES, args=(GROUP,),
          prop="A signal the program's kill(0, sig) sends to its process group reaches it "
               "with si_code SI_USER and its own pid.")
def xf_kill0(adv: Adversary) -> None:
    """1. The program kill()s its process group, kill(0, SIGUSR1) (switch -p); its
    SA_SIGINFO handler notes si_code and si_pid.
    2. As kill returns, the kernel swaps the queued siginfo for SI_TKILL with the
    program's pid.
    3. The handler sees SI_TKILL: index -4, secret bytes 0..7.
    Linux's kill_something_info(0) -> __kill_pgrp_info() sends prepare_kill_siginfo()'s
    SI_USER to every member, the caller included; SI_TKILL comes only from tkill/tgkill
    (rt_sigqueueinfo refuses it from anyone else); qemu-user on a real kernel: SI_USER,
    the caller's pid.  Open: signal.sender_witnessed knows kill(getpid()) only."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["kill"], during=P_KILL0)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        info = sig.pack_siginfo(SIGUSR1, SI_TKILL, pid=a.init.pid)
        for pending in (a.init.pending, thread.pending):  # type: ignore[attr-defined]
            if pending.mask & sig.bit(SIGUSR1):
                pending.take(SIGUSR1)
                pending.add(SIGUSR1, info)
                a.note("kill(0)'s SIGUSR1 retagged SI_TKILL")
                return
        a.note("nothing pending")


@scenario(id="XF-023", title="Report a store inside the size fallocate() grew a memfd to (via "
          "a reopen) as SIGBUS", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT",),
          program=RULES,
          prop="fallocate() without FALLOC_FL_KEEP_SIZE grows a memfd's size: a store into a "
               "private mapping of the new part is resolved; never SIGBUS.")
def xf_falloc_sigbus(adv: Adversary) -> None:
    """1. The program maps a one-page memfd two pages MAP_PRIVATE read-write, grows the
    file with fallocate(mode 0, 0, two pages) through a /proc/self/fd reopen, and stores
    into the second page under a probe.
    2. At the store's data abort the kernel queues SIGBUS/BUS_ADRERR for it.
    3. The probe's handler runs: index -4, secret bytes 0..7.
    Linux's shmem_fallocate() sets i_size to offset + len without KEEP_SIZE; the page is
    then inside it and do_cow_fault() copies it, no signal."""
    _report(adv, P_FALLOC, SIGBUS, BUS_ADRERR)


def _write_answer(adv: Adversary, n: int) -> None:
    @adv.on(Point.SYSCALL_EXIT, nr=NR["write"], during=P_PIPEMERGE)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", n)
        a.note(f"the write answered {n}")


@scenario(id="XF-024", title="Answer a 5000-byte write into a non-blocking pipe with 16 "
          "buffers in use by filling the last one (3996)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=RULES, args=(MERGE,),
          prop="pipe_write() merges only count % PAGE_SIZE into the last buffer: a write of "
               "5000 into a pipe whose 16 buffers are in use returns 904.")
def xf_pipe_merge(adv: Adversary) -> None:
    """1. The program fills a non-blocking pipe with 15 pages and 100 bytes (16 buffers,
    the last with 3996 bytes of room) and writes 5000 (switch -m).
    2. The kernel answers 3996, as if the write filled the last buffer's room (the
    kernel model's own answer).
    3. The program sees 3996: index -4, secret bytes 0..7.
    Linux's pipe_write() merges chars = total_len & (PAGE_SIZE - 1) = 904 into the last
    buffer (only if it fits), then needs a free slot for the rest; none is free and
    O_NONBLOCK stops it: ret 904 (qemu-user on a real kernel: 904)."""
    _write_answer(adv, 3996)


def claim_pipe_merge(adv: Adversary) -> None:
    """(claim) 1. As XF-024's step.  2. The kernel answers 904, as Linux does.
    3. Index 0."""
    _write_answer(adv, 904)
