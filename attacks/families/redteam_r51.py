"""Red-team round fifty-one: the rules added after rounds 49 and 50, both ways.

Since round 49 the Guardian keeps holes the program unmapped closed until a call of its own
maps there again, holds signal deliveries to Linux's order and coalescing where it knows
what the program sent itself, follows pipes in packet mode and counts their room in ring
slots, keeps each open memfd's offset, and judges SO_PASSCRED, sigaltstack's minimum and
userfaultfd's outputs.  This round asks those rules shapes the earlier victims lacked:

- a store into a hole below a MAP_GROWSDOWN area, within stack_guard_gap of the area
  below (XI-001);
- a pending signal SIG_IGN discarded (XI-002), rt_sigtimedwait's order (XI-003),
  rt_sigsuspend's temporary mask (XI-004), a standard signal pending once per queue
  (XI-005);
- pipe packet mode: packets joined or a packet's dropped rest read (XI-006, XI-007), a
  packet write's head merged into a plain buffer split again (XI-008), a plain write
  joined to a packet (XI-009);
- F_SETPIPE_SZ below the pipe's use and its rounding (XI-010, XI-011);
- memfd offsets: a /proc/self/fd reopen's own (XI-012), a dup's shared one (XI-013), a
  fork child's read through the shared one (XI-014);
- sigaltstack() at and below MINSIGSTKSZ (XI-015, XI-016);
- holes an mremap() move or shrink left (XI-017, XI-019), signalfd's order (XI-018);
- the thread's own queue before a synchronous signal in the shared one (XI-025), a
  write after F_SETPIPE_SZ to the one slot in use (XI-026), memfd reopens with O_APPEND
  and O_TRUNC (XI-027, XI-028);
- a vfork child's munmap() in the shared address space (XI-032);
- an accept()ed socket's inherited SO_PASSCRED (XI-038);
- a pipe F_SETPIPE_SZ grew or rounded up: a count past its room (XI-036), EAGAIN with
  free slots (XI-037);
- an O_DIRECT write longer than a page (XI-033), a read across a merged head and a
  packet (XI-034), a fork child's SIGSEGV before the program's own SIGUSR1 (XI-035);
- rt_sigtimedwait answering a signal nobody sent, naming the program (XI-031);
- a fork child's store into the hole its parent left before fork() (XI-029), and its
  real fault while it blocks SIGSEGV with a kill()ed one pending (XI-030);
- SIG_DFL of a default-ignored signal discarding it (XI-020), a heap page brk() shrank
  and grew back (XI-021), SO_PASSCRED with MSG_PEEK and MSG_WAITALL (XI-022..XI-024).

Got through with the Guardian on when written, refused since: XI-001, XI-017, XI-019,
XI-029, XI-032 (pages in holes Linux keeps closed: a growing area's guard gap, mremap's
old and dropped ranges, a fork or vfork child's holes), XI-002, XI-020 (signals an
ignoring action flushed), XI-025 (the thread's own queue first), XI-010, XI-016, XI-037
(F_SETPIPE_SZ below use, ENOMEM at MINSIGSTKSZ, EAGAIN with room), XI-003 and XI-018
(rt_sigtimedwait and signalfd reads out of next_signal()'s order), XI-027 and XI-028
(memfd bytes after an O_APPEND or O_TRUNC reopen), XI-035 (the program's own SIGUSR1
before a fork child's kill()ed SIGSEGV: the Guardian follows a kill() another process of
the program makes).  None is still through.  XI-003 and XI-038 were claims as first
written (no siginfo to tell which queue; a listener's backlog of 1 lets another
process's connection be the one accepted): their victim steps now pass a siginfo and
listen with backlog 0.  XI-039 (an O_TRUNC reopen under F_SEAL_SHRINK) came with the
fix for XI-028.

Honest shapes the default run holds the Guardian to (tests/test_redteam_r51_claims.py):
an mmap() hint and MAP_FIXED_NOREPLACE into a hole, mremap() growing in place over a hole,
brk() grown back, a vfork child mapping its parent's hole (-v), the thread's queue before
a shared synchronous signal (-t), SO_PASSCRED with MSG_PEEK and MSG_WAITALL, O_DIRECT
packets, F_SETPIPE_SZ's rounding and growth, memfd offsets through reopens, dups and
fork: all accepted.

The claim_* step functions answer exactly as Linux does where the kernel model does not
(a MAP_GROWSDOWN area grown into a hole the program unmapped, mremap's
MREMAP_DONTUNMAP keeping the old range, an accept()ed socket's inherited SO_PASSCRED);
tests/test_redteam_r51_claims.py runs them: all accepted, no false refusal found.

The victim is `secret_r51_rules` (workloads/src/secret_r51_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from dataclasses import replace

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r45 import _answer, _fill
from attacks.hooks import Point
from attacks.moves import grow_down_at_fault, hold_signal
from attacks.scenario import Goal, scenario
from kernel_model import signals as sig

RT = "redteam_r51"
RULES = "secret_r51_rules"
(P_GAP, P_SIGIGN, P_WAITORDER, P_SUSPEND, P_TWOQ, P_PKT, P_PKTMERGE, P_PKTTAIL, P_SZBUSY,
 P_SZROUND, P_MEMOFF, P_DUPOFF, P_FORKOFF, P_ALTMIN, P_GROWS, P_DONTUNMAP, P_MOVED,
 P_SIGFD, P_SHRINKMR, P_URG, P_BRKBACK, P_PEEK, P_WAITALL, P_QSYNC, P_SZMERGE, P_APPEND,
 P_TRUNC, P_HINT, P_CHILDHOLE, P_BLOCKEDFAULT, P_WAITNONE, P_VFORKHOLE,
 P_VFORKMAP, P_PKTBIG, P_PKTMIX, P_CHILDSEGV, P_SZGROW, P_ACCEPT, P_MRGROW, P_APPENDPW,
 P_ALTHUGE, P_ALTBELOW, P_SEALTRUNC) = range(5100, 5186, 2)
P_FIRST, P_LAST = P_GAP, P_SEALTRUNC
# the victim's switches
GROWS, DONTUNMAP, QSYNC, VFORK, ACCEPT, BELOW = b"-g", b"-u", b"-t", b"-v", b"-a", b"-m"
NR = NUMBERS
PAGE = 4096
SIGUSR1, SIGUSR2, SIGSEGV, SIGURG = 10, 12, 11, 23
SI_USER, SI_TKILL = 0, -6
ENOMEM = 12
MASK64 = (1 << 64) - 1


def _iago(id_: str, title: str, prop: str, rules: tuple[str, ...] = ("G-IAGO-COUNT",),
          gap: str | None = None, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    kw = {"gap": gap} if gap else {}
    return scenario(id=id_, title=title, family=RT, goal=Goal.LEAK, rules=rules,
                    program=RULES, prop=prop, args=args, **kw)


def _fill_nth(adv: Adversary, during: int, nr: int, n: int, data: bytes) -> None:
    """Let the program's `n`th call `nr` (1-based) after marker `during` run with count 0,
    then write `data` into its buffer and answer len(data)."""
    key = ("nth", during, nr)

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        if thread.process is not a.init:  # type: ignore[attr-defined]
            return
        a.memo[(key, "seen")] = a.memo.get((key, "seen"), 0) + 1
        if a.memo[(key, "seen")] == n:
            a.memo[key] = (int(a.el1.syscall_args()[1]), a.reg("x2"))
            a.set_reg("x2", 0)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        got = a.memo.pop(key, None)
        if got is None:
            return
        a.set_reg("x2", got[1])
        if data:
            a.kernel.uaccess.write(got[0], data)
        a.set_reg("x0", len(data))
        a.note(f"call {n} of {nr} answered {len(data)}: {data[:40]!r}")


def _answer_nth(adv: Adversary, during: int, nr: int, n: int, value: int) -> None:
    """Answer the program's `n`th call `nr` after marker `during` with `value`."""
    key = ("answer_nth", during, nr)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo[key] = a.memo.get(key, 0) + 1
        if a.memo[key] == n:
            was = a.reg("x0")
            a.set_reg("x0", value & MASK64)
            a.note(f"call {n} of {nr} answered {value} instead of {was:#x}")


# --- holes and stack growth -------------------------------------------------------------------
def _target(adv: Adversary, phase: int) -> None:
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["target"] = int(args[1])


def _grow_down(adv: Adversary, phase: int) -> None:
    """At the step's data abort below a MAP_GROWSDOWN area, move the area's start down over
    the faulting page (expand_stack()), so the kernel's fault path maps a fresh page."""
    _target(adv, phase)
    grow_down_at_fault(adv, phase)


@scenario(id="XI-001", title="Grow a MAP_GROWSDOWN area down into a hole within "
          "stack_guard_gap of the area below", family=RT, goal=Goal.LEAK,
          rules=("G-PROTECTION", "G-SIGNAL-FAULT"), program=RULES,
          prop="A store below a MAP_GROWSDOWN area whose next lower area is accessible and "
               "less than stack_guard_gap below raises SIGSEGV/SEGV_MAPERR; the area never "
               "grows there.")
def xi_gap_grow(adv: Adversary) -> None:
    """1. The program maps three read-write pages R, maps the top one again MAP_FIXED |
    MAP_GROWSDOWN, munmap()s the middle one and stores into it under a probe.
    2. At the store's data abort the kernel grows the MAP_GROWSDOWN area down over the
    hole, so its fault path maps a fresh page there.
    3. The store completes, no SIGSEGV: index -4, secret bytes 0..7.
    Linux's do_page_fault() -> lock_mm_and_find_vma() -> expand_stack_locked() ->
    expand_downwards(): the previous area (R's first page) is accessible, not
    VM_GROWSDOWN, and address - prev->vm_end = 0 < stack_guard_gap (256 pages): -ENOMEM,
    bad_area, SEGV_MAPERR.
    Gets through with the Guardian on: the store completes in a page the program never
    had mapped there since its munmap(); Linux's expand_downwards() refuses it.
    Refused by set_pt.unmapped: a growing area reaches a hole only outside stack_guard_gap above an accessible area."""
    _grow_down(adv, P_GAP)


def claim_grows(adv: Adversary) -> None:
    """(claim) 1. The program (-g) maps two MAP_GROWSDOWN pages, munmap()s the lower one
    and stores into it.  2. The kernel grows the area down over the faulting page as
    expand_stack() does (no area lies within stack_guard_gap below).  3. The store
    completes: index 0."""
    _grow_down(adv, P_GROWS)


def claim_dontunmap(adv: Adversary) -> None:
    """(claim) 1. The program (-u) moves a private anonymous page with mremap(MREMAP_MAYMOVE |
    MREMAP_DONTUNMAP) and loads from the old place.  2. The kernel keeps the old range
    mapped, empty, as move_vma() does with MREMAP_DONTUNMAP (the kernel model unmaps it);
    the load faults in a zero page.  3. The load reads 0, no SIGSEGV: index 0."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["mremap"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        args = a.el1.syscall_args()
        if int(args[3]) & 4 and thread.process is a.init:  # type: ignore[attr-defined]
            old = int(args[0])
            a.memo["dontunmap"] = (old, a.mm.vmas.find(old))
            # The kernel model takes an equal-length mremap for a no-op; Linux's
            # MREMAP_DONTUNMAP always moves (vrm_implies_new_addr()): move it to a free
            # place the kernel picks, as MREMAP_FIXED there.
            a.set_reg("x3", 1 | 2)
            a.set_reg("x4", a.mm.find_free(int(args[2])))

    @adv.on(Point.SYSCALL_EXIT, nr=NR["mremap"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        got = a.memo.pop("dontunmap", None)
        if got is None or got[1] is None:
            return
        old, vma = got
        if a.mm.vmas.is_free(old, old + PAGE):
            a.mm.vmas.insert(replace(vma, start=old, end=old + PAGE))
            a.note(f"the old range {old:#x} kept mapped, empty (MREMAP_DONTUNMAP)")


@scenario(id="XI-017", title="Keep the old range of a plain mremap() move mapped and fault "
          "in a zero page there", family=RT, goal=Goal.LEAK,
          rules=("G-PROTECTION", "G-SIGNAL-FAULT"), program=RULES,
          prop="After mremap() moves an area without MREMAP_DONTUNMAP, a load from its old "
               "place raises SIGSEGV/SEGV_MAPERR.")
def xi_moved_kept(adv: Adversary) -> None:
    """1. The program moves a private anonymous page of 'a' with mremap(MREMAP_MAYMOVE |
    MREMAP_FIXED) onto a page it mapped for it, then loads from the old place under a
    probe.
    2. At the load's data abort the kernel puts an empty area back over the old range
    (as if MREMAP_DONTUNMAP had been passed), so its fault path maps a zero page.
    3. The load reads 0, no SIGSEGV: index -4, secret bytes 0..7.
    Linux's move_vma() without MREMAP_DONTUNMAP unmaps the old range (do_vmi_munmap());
    find_vma() finds no area there and do_page_fault() sends SEGV_MAPERR.
    Gets through with the Guardian on: a page appears where the program's own mremap()
    left a hole, with no call of its own mapping there since (one thread; only
    rt_sigaction and the marker between); Linux could only raise SIGSEGV.
    Refused by set_pt.unmapped: the old range of a move is a hole."""
    _target(adv, P_MOVED)

    @adv.on(Point.FAULT, during=P_MOVED)  # type: ignore[arg-type]
    def _(a: Adversary, info: object = None, **_: object) -> None:
        page = info.far & ~0xFFF  # type: ignore[attr-defined]
        dest = a.memo.get("dest")
        vma = a.mm.vmas.find(dest) if dest is not None else None
        if vma is None or not a.mm.vmas.is_free(page, page + PAGE):
            a.note("no moved area to copy")
            return
        a.mm.vmas.insert(replace(vma, start=page, end=page + PAGE))
        a.note(f"an empty area put back over the old range {page:#x}")

    @adv.on(Point.SYSCALL_EXIT, nr=NR["mremap"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        if thread.process is a.init and "dest" not in a.memo:  # type: ignore[attr-defined]
            a.memo["dest"] = a.reg("x0")


@scenario(id="XI-019", title="Fault in a page past the end mremap() shrank an area to",
          family=RT, goal=Goal.LEAK, rules=("G-PROTECTION", "G-SIGNAL-FAULT"), program=RULES,
          prop="After mremap() shrinks an area, a load from a page it dropped raises "
               "SIGSEGV/SEGV_MAPERR.")
def xi_shrink_kept(adv: Adversary) -> None:
    """1. The program maps two read-write pages, shrinks the area to one page with
    mremap() and loads from the dropped page under a probe.
    2. At the load's data abort the kernel widens its record of the area back over the
    dropped page, so its fault path maps a zero page there.
    3. The load reads 0, no SIGSEGV: index -4, secret bytes 0..7.
    Linux's mremap() shrink path -> do_vmi_munmap() of [addr + new_len, addr + old_len);
    find_vma() finds no area there and do_page_fault() sends SEGV_MAPERR.
    Gets through with the Guardian on: a page appears in the range the program's own
    mremap() dropped, with no call of its own mapping there since; Linux could only
    raise SIGSEGV.  (The same store after munmap(), XF-018, is refused.)
    Refused by set_pt.unmapped: the range a shrink dropped is a hole."""
    _target(adv, P_SHRINKMR)

    @adv.on(Point.FAULT, during=P_SHRINKMR)  # type: ignore[arg-type]
    def _(a: Adversary, info: object = None, **_: object) -> None:
        page = info.far & ~0xFFF  # type: ignore[attr-defined]
        below = a.mm.vmas.find(page - PAGE)
        if below is None or not a.mm.vmas.is_free(page, page + PAGE):
            a.note("no area below the dropped page")
            return
        a.mm.vmas.replace(below, replace(below, end=page + PAGE))
        a.note(f"the area widened back over {page:#x}")


# --- signals ----------------------------------------------------------------------------------
def _own_info(a: Adversary, signo: int, code: int = SI_USER) -> bytes:
    p = a.init
    return sig.pack_siginfo(signo, code, pid=p.pid, uid=0)    # (the model's processes run as uid 0)


@scenario(id="XI-002", title="Deliver a SIGUSR1 the program kill()ed itself after SIG_IGN "
          "discarded it", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",),
          program=RULES,
          prop="Setting a signal's action to SIG_IGN discards it from the pending sets: a "
               "signal sent before is never delivered to a handler set after.")
def xi_sigign_redeliver(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, kill()s itself SIGUSR1, sets SIG_IGN, sets its
    handler again and unblocks SIGUSR1.
    2. As the unblocking rt_sigprocmask returns, the kernel puts the SIGUSR1 back in the
    process's pending set with the program's own kill() siginfo (its pid, SI_USER).
    3. The handler runs with the program's own pid: index -4, secret bytes 0..7.
    Linux's do_sigaction(): sig_handler_ignored() of the new action -> flush_sigqueue_mask()
    removes SIGUSR1 from the shared and every thread's pending set; only a new kill() could
    make it pending again, and no other process can send a siginfo naming the program's
    pid with SI_USER (kill_pid_info() fills si_pid with the sender's tgid).
    Gets through with the Guardian on: the program's handler runs for a signal Linux
    discarded at SIG_IGN.
    Refused by signal.sender_witnessed: an action that ignores a signal flushes the sends pending for the process (SendLog.flush)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigprocmask"], during=P_SIGIGN)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.init.pending.add(SIGUSR1, _own_info(a, SIGUSR1))
        a.note("SIGUSR1 pending again with the program's own siginfo")


@scenario(id="XI-003", title="Answer rt_sigtimedwait with SIGUSR2 while SIGUSR1 is pending "
          "too", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK", "G-SIGNAL-HANDLER"),
          program=RULES,
          prop="rt_sigtimedwait takes the lowest pending signal of its set (no synchronous "
               "one pending): SIGUSR1 before SIGUSR2.")
def xi_waitorder(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and SIGUSR2, kill()s itself SIGUSR2 then SIGUSR1 and
    calls rt_sigtimedwait({SIGUSR1, SIGUSR2}, a siginfo buffer, zero timeout) twice.
    2. The kernel holds SIGUSR1 back during the first call, so it answers SIGUSR2, and
    puts it back after.
    3. The program sees SIGUSR2 then SIGUSR1: index -4, secret bytes 0..7.
    Linux's do_sigtimedwait() -> dequeue_signal() -> next_signal(): the lowest pending
    signal of the set, SIGUSR1 (10).
    Refused by signal.pending_order: the siginfo (SI_USER from the program's own pid)
    names the shared queue's kill(), where SIGUSR1 ranks first.  (As first written the
    program passed no siginfo: then the answer is a claim, Linux's own where another
    process tgkill()ed SIGUSR2 to the thread, whose queue is taken first.)"""
    hold_signal(adv, P_WAITORDER, SIGUSR1,
                take_at=(Point.SYSCALL_ENTRY, "rt_sigtimedwait"),
                give_back_at=(Point.SYSCALL_EXIT, "rt_sigtimedwait"))


@scenario(id="XI-004", title="Deliver SIGUSR1 inside rt_sigsuspend whose temporary mask "
          "blocks it", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=RULES,
          prop="During rt_sigsuspend only signals its temporary mask leaves unblocked are "
               "delivered.")
def xi_suspend_mask(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and SIGUSR2, kill()s itself both and calls
    rt_sigsuspend with a mask blocking SIGUSR1 only.
    2. As the call returns -EINTR the kernel clears the thread's (temporary) mask, so
    SIGUSR1 is delivered as well.
    3. Two handlers ran inside rt_sigsuspend: index -4, secret bytes 0..7.
    Linux's sys_rt_sigsuspend() -> sigsuspend() sets current->blocked to the temporary
    mask and set_restore_sigmask(); get_signal() honours it, and the first handler's
    frame saves the old mask (restored only at its sigreturn): SIGUSR1 stays blocked
    until the program unblocks it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigsuspend"], during=P_SUSPEND)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        thread.sigmask = 0  # type: ignore[attr-defined]
        a.note("the temporary mask cleared")


@scenario(id="XI-005", title="Deliver SIGUSR1 a third time after tgkill() twice and kill() "
          "twice", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=RULES,
          prop="A standard signal is pending at most once per queue: two tgkill()s and two "
               "kill()s while blocked give two deliveries.")
def xi_twoq_three(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, tgkill()s its own thread SIGUSR1 twice and kill()s
    itself SIGUSR1 twice, then unblocks it.
    2. After the first handler returns (rt_sigreturn) the kernel queues SIGUSR1 on the
    thread once more, with the program's own tgkill() siginfo.
    3. The handler runs three times: index -4, secret bytes 0..7.
    Linux's __send_signal_locked() -> legacy_queue() drops a standard signal already
    pending in the target queue: one in the thread's, one in the shared; no other
    process can send a siginfo with the program's pid and SI_TKILL."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigreturn"], during=P_TWOQ)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        thread.pending.add(SIGUSR1, _own_info(a, SIGUSR1, SI_TKILL))  # type: ignore[attr-defined]
        a.note("SIGUSR1 queued on the thread a third time")


@scenario(id="XI-018", title="Answer a signalfd read with SIGUSR2 while SIGUSR1 is pending "
          "too", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK", "G-SIGNAL-HANDLER"),
          program=RULES,
          prop="A signalfd read takes the lowest pending signal of its set: SIGUSR1 before "
               "SIGUSR2.")
def xi_sigfd_order(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and SIGUSR2, kill()s itself SIGUSR2 then SIGUSR1,
    makes a signalfd for both and reads it twice.
    2. The kernel holds SIGUSR1 back during the first read, so it answers SIGUSR2, and
    puts it back after.
    3. The program reads SIGUSR2 then SIGUSR1: index -4, secret bytes 0..7.
    Linux's signalfd_read_iter() -> signalfd_dequeue() -> dequeue_signal() ->
    next_signal(): SIGUSR1 (10) first.
    Refused by signal.pending_order: a signalfd read dequeues as a delivery does, and
    its record's ssi_pid names the shared queue's kill()."""
    hold_signal(adv, P_SIGFD, SIGUSR1,
                take_at=(Point.SYSCALL_ENTRY, "read"),
                give_back_at=(Point.SYSCALL_EXIT, "read"))


# --- pipes: packet mode -----------------------------------------------------------------------
@_iago("XI-006", "Join two O_DIRECT packets in one pipe read",
       "A read of a packet-mode pipe returns at most one packet: 100 of the 100 + 50 "
       "written as two packets.")
def xi_pkt_join(adv: Adversary) -> None:
    """1. The program writes 100 'a' and 50 'b' into a pipe2(O_DIRECT) pipe and reads 4096.
    2. The kernel answers the read with all 150 bytes.
    3. The program sees 150: index -4, secret bytes 0..7.
    Linux's pipe_write() makes each O_DIRECT write its own buffer with
    PIPE_BUF_FLAG_PACKET (no merge: the last buffer lacks PIPE_BUF_FLAG_CAN_MERGE);
    pipe_read() stops after a packet buffer (total_len = chars): 100."""
    _fill(adv, P_PKT, NR["read"], b"a" * 100 + b"b" * 50)


@_iago("XI-007", "Answer a read after a short packet read with the packet's dropped rest",
       "A packet read shorter than the packet drops its rest: nothing is left to read.")
def xi_pkt_rest(adv: Adversary) -> None:
    """1. As XI-006's step; then read(30) of the 50-byte packet, and read(4096).
    2. The kernel answers the third read with the packet's other 20 'b'.
    3. The program sees 20 instead of -EAGAIN: index -4, secret bytes 0..7.
    Linux's pipe_read(): for a PIPE_BUF_FLAG_PACKET buffer it sets buf->len = 0 after the
    copy (the rest is discarded) and releases the buffer; the pipe is empty, O_NONBLOCK:
    -EAGAIN."""
    _fill_nth(adv, P_PKT, NR["read"], 3, b"b" * 20)


@_iago("XI-008", "Split a packet write's head merged into a plain buffer at the packet's "
       "start", "A packet write's head merges into a plain last buffer; the read returns "
       "the merged 150 bytes whole.")
def xi_pktmerge_split(adv: Adversary) -> None:
    """1. The program writes 100 'a' into a plain pipe, sets O_DIRECT on its write end with
    F_SETFL and writes 50 'b', then reads 4096.
    2. The kernel answers the read with the 100 'a' only, as if the 50 were a packet.
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's pipe_write(): chars = 50, the pipe is not empty and the last buffer has
    PIPE_BUF_FLAG_CAN_MERGE with room: the 50 bytes merge into it (the packet flag only
    marks new buffers); pipe_read() copies the one plain buffer: 150."""
    _fill(adv, P_PKTMERGE, NR["read"], b"a" * 100)


@_iago("XI-009", "Join a packet and the plain write after it in one read",
       "A plain write after a packet never merges into it; a read stops after the packet.")
def xi_pkttail_join(adv: Adversary) -> None:
    """1. The program writes 100 'a' into a pipe2(O_DIRECT) pipe, clears O_DIRECT with
    F_SETFL, writes 50 'b' and reads 4096.
    2. The kernel answers the read with all 150 bytes.
    3. The program sees 150: index -4, secret bytes 0..7.
    Linux's pipe_write(): the last buffer is a packet (no PIPE_BUF_FLAG_CAN_MERGE), so the
    50 go in a new plain buffer; pipe_read() stops after the packet buffer: 100."""
    _fill(adv, P_PKTTAIL, NR["read"], b"a" * 100 + b"b" * 50)


# --- pipes: the ring's room -------------------------------------------------------------------
@_iago("XI-010", "Answer F_SETPIPE_SZ(4096) on a pipe holding 3 pages with 4096",
       "F_SETPIPE_SZ to fewer slots than the pipe uses fails with EBUSY.")
def xi_sz_busy(adv: Adversary) -> None:
    """1. The program writes 3 pages into a non-blocking pipe and sets its size to 4096.
    2. The kernel answers 4096.
    3. The program sees success: index -4, secret bytes 0..7.
    Linux's pipe_set_size() -> pipe_resize_ring(): nr_slots 1 < pipe_occupancy() 3:
    -EBUSY.
    Gets through with the Guardian on: the Guardian keeps the pipe's 3 buffers yet takes
    a size of one slot; it holds later writes to that one slot, so what it lets through
    is a success Linux never answers (and a pipe it then judges with a room Linux's
    pipe does not have).
    Refused by return.pipe_room: F_SETPIPE_SZ never leaves fewer slots than buffers in use."""
    _answer(adv, P_SZBUSY, NR["fcntl"], PAGE)


@_iago("XI-011", "Answer F_SETPIPE_SZ(5000) with 5000",
       "F_SETPIPE_SZ answers the size it set: round_pipe_size() rounds to a power of two "
       "of pages (8192 for 5000).")
def xi_sz_round(adv: Adversary) -> None:
    """1. The program sets an empty pipe's size to 5000.
    2. The kernel answers 5000.
    3. The program sees 5000: index -4, secret bytes 0..7.
    Linux's pipe_set_size(): size = round_pipe_size(5000) = roundup_pow_of_two(2 pages)
    << PAGE_SHIFT = 8192, and pipe_fcntl() returns pipe->max_usage * PAGE_SIZE = 8192."""
    _answer(adv, P_SZROUND, NR["fcntl"], 5000)


# --- memfd offsets ----------------------------------------------------------------------------
@_iago("XI-012", "Answer a read through a /proc/self/fd reopen of a memfd with end of file",
       "A reopen through /proc/self/fd/N is a new open file with offset 0: a read of a "
       "100-byte memfd answers 100.")
def xi_memoff_eof(adv: Adversary) -> None:
    """1. The program writes 100 'm' into a memfd (its offset now 100), opens
    /proc/self/fd/N and reads 4096 through the new descriptor.
    2. The kernel answers 0, as if the reopen shared the first descriptor's offset.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's proc_fd_link() -> do_dentry_open() makes a new struct file with f_pos 0;
    shmem_file_read_iter() reads the 100 bytes from 0."""
    _fill(adv, P_MEMOFF, NR["read"], b"")


@_iago("XI-013", "Answer a read through a dup of a memfd at its end with the 100 bytes",
       "A dup shares its file's offset: a read through it at the end answers 0.")
def xi_dupoff_bytes(adv: Adversary) -> None:
    """1. After XI-012's step, the program dup()s the first descriptor (offset 100, the
    end) and reads 4096 through the dup.
    2. The kernel answers the 100 bytes, as if the dup had its own offset 0.
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's dup() installs the same struct file; f_pos 100 = i_size: 0."""
    _fill(adv, P_DUPOFF, NR["read"], b"m" * 100)


@_iago("XI-014", "Answer the parent's read after its fork child read 60 through the shared "
       "descriptor with all 100 bytes",
       "A fork child shares its parent's open files: its read of 60 moves the offset the "
       "parent reads from next.")
def xi_forkoff_bytes(adv: Adversary) -> None:
    """1. The program seeks its memfd to 0, forks a child that reads 60 through the same
    descriptor and exits 0, waits for it and reads 4096.
    2. The kernel answers the parent's read with all 100 bytes.
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's copy_files() -> dup_fd() shares each struct file (get_file()); the child's
    read left f_pos 60 and the parent reads the last 40 (the child read 60, it said so
    by its exit status)."""
    _fill(adv, P_FORKOFF, NR["read"], b"m" * 100)


# --- sigaltstack at MINSIGSTKSZ ---------------------------------------------------------------
@_iago("XI-015", "Answer sigaltstack() with ss_size 5119 with success",
       "sigaltstack() with ss_size below MINSIGSTKSZ (5120 on arm64) fails with ENOMEM.",
       rules=("G-SIGNAL-OLD-STATE",), args=(BELOW,))
def xi_alt_below(adv: Adversary) -> None:
    """1. The program (-m) sets an alternate stack of 5120 bytes, then one of 5119.
    2. The kernel answers the second with 0.
    3. The program sees success: index -4, secret bytes 0..7.
    Linux's do_sigaltstack(..., MINSIGSTKSZ): ss_size 5119 < 5120: -ENOMEM."""
    _answer_nth(adv, P_ALTBELOW, NR["sigaltstack"], 1, 0)


@_iago("XI-016", "Answer sigaltstack() with ss_size exactly MINSIGSTKSZ with ENOMEM",
       "sigaltstack() with ss_size of MINSIGSTKSZ (5120 on arm64) succeeds.",
       rules=("G-SIGNAL-OLD-STATE",))
def xi_alt_at(adv: Adversary) -> None:
    """1. The program sets an alternate stack of 5120 bytes.
    2. The kernel answers -ENOMEM.
    3. The program sees ENOMEM: index -4, secret bytes 0..7.
    Linux's do_sigaltstack(): the check is ss_size < min_ss_size, 5120 is not below it;
    the stack is set and it answers 0.
    Gets through with the Guardian on: ENOMEM is no error Linux can return for a
    5120-byte stack (neither is it a refusal of service Linux could make: the call has no
    other failure for these arguments off the alternate stack).
    Refused by signal.altstack_size: ENOMEM only below MINSIGSTKSZ."""
    _answer_nth(adv, P_ALTMIN, NR["sigaltstack"], 1, -ENOMEM)


# --- round two: SIG_DFL discarding, brk grown back, SO_PASSCRED peeks and MSG_WAITALL --------
@scenario(id="XI-020", title="Deliver a SIGURG the program kill()ed itself after SIG_DFL "
          "(default: ignore) discarded it", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-HANDLER",), program=RULES,
          prop="Setting SIG_DFL for a signal whose default action is to ignore it discards "
               "it from the pending sets.")
def xi_urg_redeliver(adv: Adversary) -> None:
    """1. The program blocks SIGURG, kill()s itself SIGURG, sets SIG_DFL, sets its handler
    again and unblocks SIGURG.
    2. As the unblocking rt_sigprocmask returns, the kernel puts SIGURG back in the
    process's pending set with the program's own kill() siginfo.
    3. The handler runs with the program's own pid: index -4, secret bytes 0..7.
    Linux's do_sigaction(): sig_handler_ignored(SIG_DFL, SIGURG) is true
    (sig_kernel_ignore()), so flush_sigqueue_mask() discards it; no other process can
    send SI_USER naming the program's pid.
    Gets through with the Guardian on: the handler runs for a signal Linux discarded
    when the program set SIG_DFL (XI-002's hole, through the default-ignore path).
    Refused by signal.sender_witnessed: SIG_DFL of a default-ignored signal flushes it (SendLog.flush)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigprocmask"], during=P_URG)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.init.pending.add(SIGURG, _own_info(a, SIGURG))
        a.note("SIGURG pending again with the program's own siginfo")


@scenario(id="XI-021", title="Keep the heap page brk() shrank away and hand it back, with "
          "its old bytes, when brk() grows again", family=RT, goal=Goal.LEAK,
          rules=("G-PROTECTION", "G-CONF-INTEGRITY"), program=RULES,
          prop="A heap page brk() shrank away and grew back reads as zeros.")
def xi_brk_back(adv: Adversary) -> None:
    """1. The program grows its heap by two pages, fills the upper one with 'a', shrinks
    brk() by a page and grows it back, then loads from the page.
    2. The kernel runs the shrinking brk() as a query (nothing unmapped) and answers the
    lower break; the growing brk() then finds the page still mapped.
    3. The load reads 'a': index -4, secret bytes 0..7.
    Linux's brk() shrink -> do_vmi_align_munmap() frees the page; the growth ->
    do_brk_flags() makes a new anonymous area whose first touch maps the zero page."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR["brk"], during=P_BRKBACK)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["want"] = a.reg("x0")
        a.set_reg("x0", 0)

    @adv.on(Point.SYSCALL_EXIT, nr=NR["brk"], during=P_BRKBACK)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.memo["want"])
        a.note(f"brk shrink to {a.memo['want']:#x} answered, nothing unmapped")


@_iago("XI-022", "Join the program's and its fork child's bytes in one MSG_PEEK receive on "
       "an SO_PASSCRED stream socket",
       "A stream receive with SO_PASSCRED never joins bytes of two writers, MSG_PEEK or "
       "not.")
def xi_peek_join(adv: Adversary) -> None:
    """1. The program's reading end has SO_PASSCRED; it writes 100 'P', a fork child
    writes 100 'C'; it peeks with recvfrom(MSG_PEEK, 4096).
    2. The kernel answers the peek with all 200 bytes.
    3. The program sees 200: index -4, secret bytes 0..7.
    Linux's unix_stream_read_generic(): check_creds after the first skb, and
    !unix_skb_scm_eq() at the child's: break (MSG_PEEK only skips the consume): 100."""
    _fill(adv, P_PEEK, NR["recvfrom"], b"P" * 100 + b"C" * 100)


@_iago("XI-023", "Answer the read after a MSG_PEEK with the fork child's bytes, as if the "
       "peek had consumed the program's",
       "MSG_PEEK consumes nothing: the next read returns the same first bytes.")
def xi_peek_consumed(adv: Adversary) -> None:
    """1. As XI-022's step; after the peek the program reads 4096.
    2. The kernel answers that read with the child's 100 'C'.
    3. The program sees 'C': index -4, secret bytes 0..7.
    Linux's unix_stream_read_generic() with MSG_PEEK leaves the skb queued (no
    consume_skb(), no UNIXCB(skb).consumed change): the read returns the 100 'P'."""
    _fill_nth(adv, P_PEEK, NR["read"], 1, b"C" * 100)


@_iago("XI-024", "Join two writers' bytes in a MSG_WAITALL receive on an SO_PASSCRED stream "
       "socket", "MSG_WAITALL does not glue writers with different credentials: the "
       "receive stops at the change.")
def xi_waitall_join(adv: Adversary) -> None:
    """1. As XI-022's setup; the program receives with recvfrom(MSG_WAITALL, 200).
    2. The kernel answers with all 200 bytes.
    3. The program sees 200: index -4, secret bytes 0..7.
    Linux's unix_stream_read_generic(): the credentials check breaks out of the loop
    before the MSG_WAITALL target is tested: 100 (qemu-user on a 6.18 host: 100)."""
    _fill(adv, P_WAITALL, NR["recvfrom"], b"P" * 100 + b"C" * 100)


# --- round three: the thread's queue first, a merge after F_SETPIPE_SZ, reopen flags ---------
@scenario(id="XI-025", title="Deliver a kill()ed SIGSEGV before the SIGUSR2 tgkill()ed to "
          "the thread's own queue", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-MASK", "G-SIGNAL-HANDLER"), program=RULES, args=(QSYNC,),
          prop="Signals pending in the thread's own queue are dequeued before the "
               "process's shared ones, even a synchronous signal sent with kill().")
def xi_qsync_order(adv: Adversary) -> None:
    """1. The program (-t) blocks SIGUSR2 and SIGSEGV, kill()s itself SIGSEGV (the shared
    queue) and tgkill()s its thread SIGUSR2 (the thread's queue), then unblocks both;
    each handler blocks both and notes its signal.
    2. As the unblocking rt_sigprocmask returns, the kernel takes SIGUSR2 off the
    thread's queue and puts it back when SIGSEGV's handler returns.
    3. The program sees SIGSEGV first: index -4, secret bytes 0..7.
    Linux's get_signal(): dequeue_synchronous_signal() looks only at the thread's queue
    for a fault-made (si_code > SI_USER) one: none; dequeue_signal() takes
    tsk->pending first: SIGUSR2; SIGSEGV (SI_USER, shared) only after.
    Gets through with the Guardian on: the Guardian knows both sends (the program's own,
    one to each queue) yet lets the shared queue's synchronous signal go first; it seems
    to apply synchronous-first across the queues instead of within each (the honest
    order, SIGUSR2 first, is accepted too).
    Refused by signal.pending_order: the thread's own queue is taken first, whatever the rank."""
    hold_signal(adv, P_QSYNC, SIGUSR2, thread_only=True)


@_iago("XI-026", "Answer a 5000-byte write into a one-slot pipe holding 100 bytes with 4096",
       "A pipe F_SETPIPE_SZ cut to one slot in use takes only the write's head merged into "
       "that buffer: 904 of 5000.")
def xi_szmerge_page(adv: Adversary) -> None:
    """1. The program writes 100 bytes into a non-blocking pipe, sets its size to 4096 (one
    slot, the one in use) and writes 5000.
    2. The kernel answers 4096.
    3. The program sees 4096: index -4, secret bytes 0..7.
    Linux's pipe_write(): chars = 5000 % 4096 = 904 merge into the 100-byte buffer; the
    ring is then full (max_usage 1) and O_NONBLOCK: 904."""
    _answer(adv, P_SZMERGE, NR["write"], PAGE)


@_iago("XI-027", "Answer pread after an O_APPEND reopen's write as if the write had landed "
       "at offset 0", "An O_APPEND write lands at the end of the file: 100 'm' then the "
       "10 new bytes.")
def xi_append_overwrite(adv: Adversary) -> None:
    """1. The program reopens its 100-byte memfd O_RDWR|O_APPEND through /proc/self/fd,
    writes 10 'n' through it and preads the memfd from 0 through the first descriptor.
    2. The kernel answers the pread with 10 'n' and 90 'm', as if the write had gone to
    the reopen's offset 0.
    3. The program sees 100 bytes: index -4, secret bytes 0..7.
    Linux's shmem_file_write_iter() -> generic_write_checks(): IOCB_APPEND sets ki_pos to
    i_size (100): the file is 110 bytes, its first 100 'm'.
    Refused by return.memfd_bytes: the reopened open file keeps its own O_APPEND
    (memfd.reopened), so the Guardian knows the write went to the end."""
    _fill(adv, P_APPEND, NR["pread64"], b"n" * 10 + b"m" * 90)


@_iago("XI-028", "Answer pread after an O_TRUNC reopen with the old 100 bytes",
       "Opening a memfd through /proc/self/fd with O_TRUNC empties it.")
def xi_trunc_kept(adv: Adversary) -> None:
    """1. The program reopens its memfd O_RDWR|O_TRUNC through /proc/self/fd and preads
    it from 0 through the first descriptor.
    2. The kernel answers the pread with the 100 old 'm'.
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's do_open() -> handle_truncate() -> do_truncate() to 0 (shmem_setattr()); a
    pread at 0 of an empty file is 0.
    Refused by return.memfd_bytes: the reopen with O_TRUNC cut the memfd the Guardian
    follows to 0 bytes (memfd.reopened)."""
    _fill(adv, P_TRUNC, NR["pread64"], b"m" * 100)


@_iago("XI-039", "Answer an O_TRUNC reopen of a memfd sealed with F_SEAL_SHRINK with a "
       "descriptor", "A memfd sealed with F_SEAL_SHRINK that holds bytes cannot be "
       "truncated: an open with O_TRUNC fails with EPERM.")
def xi_sealed_trunc(adv: Adversary) -> None:
    """1. The program writes 100 bytes into a memfd made with MFD_ALLOW_SEALING, seals it
    with F_SEAL_SHRINK and reopens it O_RDWR|O_TRUNC through /proc/self/fd.
    2. The kernel answers the open with descriptor 5, the lowest free one.
    3. The program sees a descriptor: index -4, secret bytes 0..7.
    Linux's do_open() -> handle_truncate() -> do_truncate() -> shmem_setattr() refuses a
    smaller size under F_SEAL_SHRINK with EPERM, and the open fails with it.
    Refused by return.memfd_seals: the seals the memfd held at the open's entry forbid
    the cut an open with O_TRUNC makes (written after round 51 closed XI-028)."""
    _answer(adv, P_SEALTRUNC, NR["openat"], 5)


@scenario(id="XI-029", title="Resolve a fork child's store into the hole its parent "
          "munmap()ed before the fork", family=RT, goal=Goal.LEAK,
          rules=("G-PROTECTION", "G-SIGNAL-FAULT"), program=RULES,
          prop="A fork child inherits its parent's areas and holes: its store into a page "
               "the parent munmap()ed before fork() raises SIGSEGV/SEGV_MAPERR.")
def xi_child_hole(adv: Adversary) -> None:
    """1. The program maps three read-write pages, munmap()s the middle one and forks;
    the child stores into the hole under a probe and exits 0 only on SEGV_MAPERR.
    2. At the child's data abort the kernel widens its record of the child's first-page
    area over the hole, so its fault path maps a fresh page there.
    3. The child's store completes and it exits 4: index -4, secret bytes 0..7.
    Linux's dup_mmap() copies the parent's VMAs (the hole stays one); the child made no
    call that maps memory before the store; do_page_fault() finds no VMA: SEGV_MAPERR.
    Gets through with the Guardian on: the hole the parent's munmap() left is kept closed
    in the parent (XF-018) but not in its fork child, where a page appears with no call
    of the child's own mapping there.
    Refused by set_pt.unmapped: a fork child keeps its parent's holes (Space.forked copies them); the victim now counts a child the kernel killed as the kernel's right."""
    _target(adv, P_CHILDHOLE)

    @adv.on(Point.FAULT, during=P_CHILDHOLE, init_only=False, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, info: object = None, thread: object = None, **_: object) -> None:
        page = info.far & ~0xFFF  # type: ignore[attr-defined]
        if thread.process is a.init or "widened" in a.memo or \
                page != a.memo.get("target", 0) & ~0xFFF:  # type: ignore[attr-defined]
            return
        a.memo["widened"] = True
        mm = thread.process.mm  # type: ignore[attr-defined]
        below = mm.vmas.find(page - PAGE)
        if below is None or not mm.vmas.is_free(page, page + PAGE):
            a.note("no area below the child's hole")
            return
        mm.vmas.replace(below, replace(below, end=page + PAGE))
        a.note(f"the child's area widened over {page:#x}")


@scenario(id="XI-030", title="Deliver a fork child's real fault to its SIGSEGV handler while "
          "it blocks SIGSEGV (a kill()ed one pending)", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-FAULT", "G-SIGNAL-MASK"), program=RULES,
          prop="A fault signal the thread blocks kills it: force_sig_info() resets the "
               "handler to SIG_DFL and unblocks the signal.")
def xi_blocked_fault(adv: Adversary) -> None:
    """1. A fork child sets a SIGSEGV handler, blocks SIGSEGV, kill()s itself SIGSEGV
    (pending, blocked) and stores into an unmapped page.
    2. At the child's data abort the kernel clears SIGSEGV from the child's mask first
    (and drops the kill()ed one), so the fault signal goes to the handler, which skips
    the store.
    3. The child exits 0 instead of dying of SIGSEGV: index -4, secret bytes 0..7.
    Linux's do_page_fault() -> arm64_force_sig_fault() -> force_sig_fault() ->
    force_sig_info_to_task(): blocked, so sa_handler = SIG_DFL and the bit is cleared;
    the child dies of SIGSEGV (its handler never runs)."""
    _target(adv, P_BLOCKEDFAULT)

    @adv.on(Point.FAULT, during=P_BLOCKEDFAULT, init_only=False, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, info: object = None, thread: object = None, **_: object) -> None:
        page = info.far & ~0xFFF  # type: ignore[attr-defined]
        if thread.process is a.init or "unblocked" in a.memo or \
                page != a.memo.get("target", 0) & ~0xFFF:  # type: ignore[attr-defined]
            return
        a.memo["unblocked"] = True
        thread.sigmask &= ~sig.bit(SIGSEGV)  # type: ignore[attr-defined]
        thread.process.pending.discard(SIGSEGV)  # type: ignore[attr-defined]
        a.note("SIGSEGV unblocked in the child before its fault, the kill()ed one dropped")


@scenario(id="XI-031", title="Answer rt_sigtimedwait with a SIGUSR1 naming the program's own "
          "pid when none was sent", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-HANDLER", "G-IAGO-OUTPUT"), program=RULES,
          prop="rt_sigtimedwait returns only a signal that was pending; a siginfo naming the "
               "program's pid with SI_USER comes only from its own kill().")
def xi_waitnone_forged(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 (none pending: it sent none since the last was
    taken) and calls rt_sigtimedwait({SIGUSR1}, info, zero timeout).
    2. The kernel answers SIGUSR1 and writes a siginfo naming the program's own pid,
    SI_USER.
    3. The program sees its own pid: index -4, secret bytes 0..7.
    Linux's do_sigtimedwait(): dequeue_signal() finds nothing, the zero timeout gives
    -EAGAIN; a SIGUSR1 from another process would name that process (kill_pid_info()
    fills si_pid with the sender's tgid, and rt_sigqueueinfo() from another pid may not
    use SI_USER)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigtimedwait"], during=P_WAITNONE)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        where = int(a.el1.syscall_args()[1])
        a.kernel.uaccess.write(where, _own_info(a, SIGUSR1))
        a.set_reg("x0", SIGUSR1)
        a.note("rt_sigtimedwait answered SIGUSR1 with the program's own pid")


@scenario(id="XI-032", title="Resolve the parent's store into the hole its vfork child "
          "munmap()ed", family=RT, goal=Goal.LEAK, rules=("G-PROTECTION", "G-SIGNAL-FAULT"),
          program=RULES, args=(VFORK,),
          prop="A vfork child shares its parent's memory: a range it munmap()s is a hole "
               "in the parent too, and the parent's store there raises SIGSEGV/"
               "SEGV_MAPERR.")
def xi_vfork_hole(adv: Adversary) -> None:
    """1. The program (-v) maps three read-write pages; a vfork child munmap()s the
    middle one and exits; the parent stores there under a probe.
    2. At the parent's data abort the kernel widens its record of the first page's area
    over the hole, so its fault path maps a fresh page there.
    3. The store completes, no SIGSEGV: index -4, secret bytes 0..7.
    Linux's copy_mm() with CLONE_VM shares the mm: the child's do_vmi_munmap() removed
    the VMA from the parent's address space too; do_page_fault() finds none:
    SEGV_MAPERR.
    Gets through with the Guardian on: the hole a munmap() of the program's own code
    left (run by its vfork child, in the shared address space) is not kept closed.
    Refused by set_pt.unmapped: a vfork child shares the parent's space and its holes."""
    _target(adv, P_VFORKHOLE)

    @adv.on(Point.FAULT, during=P_VFORKHOLE)  # type: ignore[arg-type]
    def _(a: Adversary, info: object = None, **_: object) -> None:
        page = info.far & ~0xFFF  # type: ignore[attr-defined]
        below = a.mm.vmas.find(page - PAGE)
        if below is None or not a.mm.vmas.is_free(page, page + PAGE):
            a.note("no area below the hole")
            return
        a.mm.vmas.replace(below, replace(below, end=page + PAGE))
        a.note(f"the area below widened over {page:#x}")


@_iago("XI-033", "Join the two packets an O_DIRECT write of 5000 made in one read",
       "An O_DIRECT pipe write longer than a page makes a packet per page: a read returns "
       "the first, 4096.")
def xi_pktbig_join(adv: Adversary) -> None:
    """1. The program writes 5000 bytes into an empty pipe2(O_DIRECT) pipe and reads 8192.
    2. The kernel answers the read with all 5000 bytes.
    3. The program sees 5000: index -4, secret bytes 0..7.
    Linux's pipe_write(): the pipe was empty, so no head merges; the loop copies a page
    into one PIPE_BUF_FLAG_PACKET buffer and 904 bytes into another; pipe_read() stops
    after the first packet: 4096 (qemu-user on a 6.18 host: 4096, then 904)."""
    _fill(adv, P_PKTBIG, NR["read"], b"a" * 5000)


@_iago("XI-034", "Stop a read at the end of a plain buffer a packet write's head merged "
       "into", "A read does not stop at the end of a plain buffer: after 100 plain bytes "
       "and an O_DIRECT write of 5000 it returns 5100, stopping after the packet.")
def xi_pktmix_stop(adv: Adversary) -> None:
    """1. The program writes 100 plain bytes into a pipe, sets O_DIRECT with F_SETFL,
    writes 5000 and reads 8192.
    2. The kernel answers the read with the plain buffer only, 1004 bytes (the 100 and
    the merged 904-byte head).
    3. The program sees 1004: index -4, secret bytes 0..7.
    Linux's pipe_read() goes on past a plain buffer and stops only after copying the
    packet: 1004 + 4096 = 5100 (qemu-user on a 6.18 host: 5100)."""
    _fill(adv, P_PKTMIX, NR["read"], b"a" * 1004)


@scenario(id="XI-035", title="Deliver the program's own SIGUSR1 before the SIGSEGV its fork "
          "child kill()ed it", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-MASK", "G-SIGNAL-HANDLER"), program=RULES,
          prop="In one queue a synchronous signal is dequeued before the lowest other: the "
               "shared SIGSEGV (from a fork child) before the shared SIGUSR1.")
def xi_childsegv_order(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and SIGSEGV, kill()s itself SIGUSR1; a fork child
    kill()s it SIGSEGV and exits; the program unblocks both (each handler blocks both).
    2. As the unblocking rt_sigprocmask returns, the kernel takes SIGSEGV off the shared
    queue and puts it back when SIGUSR1's handler returns.
    3. The program sees SIGUSR1 first: index -4, secret bytes 0..7.
    Linux's dequeue_signal() -> __dequeue_signal() -> next_signal() on the shared
    queue: pending & SYNCHRONOUS_MASK is SIGSEGV, taken before SIGUSR1.
    Refused by signal.pending_order: the child's kill() returned while the program sat in
    wait4() with SIGSEGV blocked and handled (nothing of its own ran meanwhile), so the
    Guardian knows that SIGSEGV waits in the shared queue, where it ranks first; fork and
    wait4 leave what is known pending as it is.  (The honest order is accepted.)"""
    hold_signal(adv, P_CHILDSEGV, SIGSEGV)


@_iago("XI-036", "Answer a write of 8192 into a pipe F_SETPIPE_SZ set to four slots, three "
       "in use, with 8192", "A pipe of four slots holding three pages takes one more "
       "page of a non-blocking write: 4096 of 8192.")
def xi_szgrow_over(adv: Adversary) -> None:
    """1. The program writes 3 pages into a non-blocking pipe, sets its size to 12288 (the
    kernel answers 16384, four slots) and writes 8192.
    2. The kernel answers 8192.
    3. The program sees 8192: index -4, secret bytes 0..7.
    Linux's pipe_set_size(): round_pipe_size(12288) = 16384, max_usage 4; pipe_write()
    copies one page into the free slot, finds pipe_full() and O_NONBLOCK: 4096."""
    _answer_nth(adv, P_SZGROW, NR["write"], 3, 2 * PAGE)


@_iago("XI-037", "Answer a write of 4096 into a pipe F_SETPIPE_SZ grew to 32 slots, 16 in "
       "use, with EAGAIN", "A non-blocking write of a page into a pipe with free slots "
       "copies it: 4096, never EAGAIN.")
def xi_szgrow_eagain(adv: Adversary) -> None:
    """1. The program fills a non-blocking pipe with 16 pages, grows it to 131072 bytes
    (32 slots) with F_SETPIPE_SZ and writes 4096.
    2. The kernel answers -EAGAIN, as if the pipe were still full.
    3. The program sees EAGAIN: index -4, secret bytes 0..7.
    Linux's pipe_set_size() -> pipe_resize_ring() made 32 slots; pipe_write() finds
    !pipe_full() and copies the page: 4096 (its only other failures here would be
    -ENOMEM from alloc_page() or -EFAULT, never -EAGAIN).
    Gets through with the Guardian on: EAGAIN is no error Linux can return with 16 free
    slots and no other holder of the write end (the program is one thread and its
    earlier fork children have exited), so it is a false answer, not a refusal of
    service Linux could give (the 8192 of XI-036, a count too high, is refused).
    Refused by return.pipe_room: EAGAIN only when nothing fits in the fewest slots the ring may have."""
    _answer_nth(adv, P_SZGROW, NR["write"], 1, -11)


@_iago("XI-038", "Join two writers' bytes in a read of an accept()ed socket that inherited "
       "SO_PASSCRED from its listener", "An accept()ed AF_UNIX stream socket inherits its "
       "listener's SO_PASSCRED; its read stops where the writer changes.", args=(ACCEPT,))
def xi_accept_join(adv: Adversary) -> None:
    """1. The program (-a) sets SO_PASSCRED on an AF_UNIX stream socket listening with
    backlog 0 on an abstract name, connects a client, accept()s it, writes 100 'P' through the client; a fork child writes 100
    'C'; the program reads 4096 from the accepted socket.
    2. The kernel answers with all 200 bytes (the kernel model does so by itself: its
    accepted socket does not inherit SO_PASSCRED).
    3. The program sees 200: index -4, secret bytes 0..7.
    Linux's unix_accept() -> unix_sock_inherit_flags() (6.16 on: the flags copied to the
    new sock at unix_stream_connect()) gives the accepted socket SO_PASSCRED; both writes
    came after accept(), so maybe_add_creds() recorded each writer's pid, and
    unix_stream_read_generic() stops at the child's: 100 (a 6.18 host: 100, and
    getsockopt(SO_PASSCRED) on the accepted socket answers 1).
    Refused by return.pair_glue: with backlog 0 the accepted connection is the program's
    own (sole_streams.py), and it inherited SO_PASSCRED.  (As first written the listener
    had backlog 1: then the answer is a claim, Linux's own where another process connected
    first and wrote all 200 bytes at once -- accept() returns the first connection.)"""
    _fill(adv, P_ACCEPT, NR["read"], b"P" * 100 + b"C" * 100)


def claim_accept(adv: Adversary) -> None:
    """(claim) 1. As XI-038's step.  2. The kernel answers the read with the first writer's
    100 'P', as Linux does.  3. Index 0."""
    _fill(adv, P_ACCEPT, NR["read"], b"P" * 100)
