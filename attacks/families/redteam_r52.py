"""Red-team round fifty-two: the rules added after round 51, both ways.

Since round 51 the Guardian keeps holes the program unmapped closed except where a
growing area may reach them, holds signal deliveries to the first send's siginfo and
next_signal()'s order, judges a pipe's room in ring slots with a write's head merged into
the last buffer, keeps each open memfd's offset and follows SO_PASSCRED per send.  This
round asks those rules shapes the earlier victims lacked:

- a hole below a MAP_GROWSDOWN area whose lower neighbour mprotect() made accessible
  (XJ-001), a hole 255 pages above an accessible area (XJ-002);
- a pipe write's head against a partly read last buffer (its end is offset + len) in a
  one-slot ring (XJ-003, XJ-004);
- tee() between two pipes the program holds (XJ-005..XJ-007);
- the first send's siginfo when a fork child sends first or second (XJ-008, XJ-009), a
  signal rt_sigtimedwait took delivered again (XJ-010), ppoll's temporary mask (XJ-011);
- memfd SEEK_HOLE and SEEK_DATA (XJ-012, XJ-013);
- SO_PASSCRED set on the reading end after both writes (XJ-014) or on the writing end
  only at the sends (XJ-015);
- fault-shaped signals the program queued to its own thread with rt_tgsigqueueinfo()
  (XJ-016);
- epoll_pwait() and pselect6() masks with a zero timeout (XJ-017, XJ-018), SIG_IGN and
  the thread's own queue (XJ-019), SO_PASSCRED dropped at one send (XJ-020), splice()
  between pipes (XJ-021, XJ-022), a signal a signalfd read took (XJ-023).

Refused when written: XJ-001..XJ-006, XJ-012, XJ-014, XJ-015, XJ-019, XJ-020, XJ-023.
Through with the Guardian on when written, refused since: XJ-007 and XJ-021 (tee() and
splice() counts past the source pipe's bytes and splice()'s own len), XJ-022 (the
source pipe's bytes after splice()), XJ-008 and XJ-009 (a siginfo other than the first
send's when a fork child sent too), XJ-010 (a signal rt_sigtimedwait took delivered
again; with a siginfo buffer -- without one it is a claim), XJ-011 and XJ-018
(ppoll/pselect6 answered 0 though their own mask unblocks a pending signal), XJ-017
(epoll_pwait's zero timeout answered -EINTR), XJ-013 (SEEK_DATA past the last data),
XJ-016 (dequeue_synchronous_signal()'s order).  The false refusal of XJ-016's honest
order (SIGSEGV first) is fixed, with the kernel model's order.  None is still through.

The claim_* step functions answer exactly as Linux does where the kernel model did not
when written (MAP_GROWSDOWN growth -- still so --, ppoll's -EINTR, rt_tgsigqueueinfo()
of a positive si_code to oneself, dequeue_synchronous_signal()'s order -- the model
does those now); tests/test_redteam_r52_claims.py runs them and the honest model.

The victim is `secret_r52_rules` (workloads/src/secret_r52_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from dataclasses import replace

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r45 import _answer, _fill
from attacks.families.redteam_r51 import _answer_nth
from attacks.hooks import Point
from attacks.moves import grow_down_at_fault, hold_signal, serve_with
from attacks.scenario import Goal, iago_scenarios, scenario
from kernel_model import signals as sig

RT = "redteam_r52"
RULES = "secret_r52_rules"
(P_MPROTGAP, P_GAPIN, P_OFFMERGE, P_TEE, P_CHILDFIRST, P_OWNFIRST, P_TAKEN, P_PPOLL,
 P_SEEKHOLE, P_LATECRED, P_WCRED, P_NONEGAP, P_GAPEXACT, P_GROWSPREV,
 P_SYNCQ, P_EPWAIT, P_PSELECT, P_CHILDGROW, P_MPROTNONE, P_TQIGN,
 P_TOGGLE, P_SPLICE, P_SFDTAKEN) = range(5200, 5246, 2)
P_FIRST, P_LAST = P_MPROTGAP, P_SFDTAKEN
# the victim's switches
GROWS, SYNCQ, PPOLL = b"-g", b"-s", b"-p"
NR = NUMBERS
PAGE = 4096
SIGUSR1, SIGUSR2, SIGSEGV, SIGBUS = 10, 12, 11, 7
SI_USER = 0
EAGAIN = 11
MASK64 = (1 << 64) - 1


_iago = iago_scenarios(RT, RULES)


# --- holes and stack growth -------------------------------------------------------------------
@scenario(id="XJ-001", title="Grow a MAP_GROWSDOWN area into a hole above a PROT_NONE area "
          "mprotect() made readable", family=RT, goal=Goal.LEAK,
          rules=("G-PROTECTION", "G-SIGNAL-FAULT"), program=RULES,
          prop="Whether the area below a growing stack is accessible is judged at the fault: "
               "a PROT_NONE page made PROT_READ by mprotect() keeps stack_guard_gap, and a "
               "store into the hole above it raises SIGSEGV/SEGV_MAPERR.")
def xj_mprot_gap(adv: Adversary) -> None:
    """1. The program maps a PROT_NONE page R, munmap()s the page above it, maps a
    MAP_GROWSDOWN page G above the hole, mprotect()s R PROT_READ and stores into the
    hole under a probe.
    2. At the store's data abort the kernel grows G down over the hole.
    3. The store completes, no SIGSEGV: index -4, secret bytes 0..7.
    Linux's expand_downwards(): prev = R, !(VM_GROWSDOWN), vma_is_accessible(prev) is
    true since mprotect_fixup() set VM_READ, address - prev->vm_end = 0 <
    stack_guard_gap: -ENOMEM; do_page_fault() sends SEGV_MAPERR."""
    grow_down_at_fault(adv, P_MPROTGAP)


@scenario(id="XJ-002", title="Grow a MAP_GROWSDOWN area into a hole 255 pages above an "
          "accessible area", family=RT, goal=Goal.LEAK,
          rules=("G-PROTECTION", "G-SIGNAL-FAULT"), program=RULES,
          prop="A growing area stops stack_guard_gap (256 pages) above an accessible area: "
               "a store 255 pages above it raises SIGSEGV/SEGV_MAPERR.")
def xj_gap_in(adv: Adversary) -> None:
    """1. The program maps a read-write page R, leaves a 256-page hole it munmap()ed, a
    MAP_GROWSDOWN page G above, and stores into the hole's top page (255 pages above R's
    end) under a probe.
    2. At the store's data abort the kernel grows G down one page.
    3. The store completes, no SIGSEGV: index -4, secret bytes 0..7.
    Linux's expand_downwards(): address - prev->vm_end = 255 pages < stack_guard_gap
    (256 << PAGE_SHIFT): -ENOMEM, SEGV_MAPERR."""
    grow_down_at_fault(adv, P_GAPIN)


def _grow_down_child(adv: Adversary, phase: int) -> None:
    """grow_down_at_fault() for a fork child's fault: its own copy of the area grows."""
    @adv.on(Point.FAULT, during=phase, init_only=False, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, info: object = None, thread: object = None, **_: object) -> None:
        if thread.process is a.init or "grown" in a.memo:  # type: ignore[attr-defined]
            return
        page = info.far & ~0xFFF  # type: ignore[attr-defined]
        mm = thread.process.mm  # type: ignore[attr-defined]
        above = mm.vmas.find(page + PAGE)
        if above is None or not above.growsdown or not mm.vmas.is_free(page, page + PAGE):
            a.note("no MAP_GROWSDOWN area right above the child's fault")
            return
        a.memo["grown"] = True
        mm.vmas.replace(above, replace(above, start=page))
        a.note(f"the child's MAP_GROWSDOWN area grown down over {page:#x}")


def claim_grows(adv: Adversary) -> None:
    """(claim) 1. The program (-g) stores into holes a MAP_GROWSDOWN area may grow into:
    above a PROT_NONE page, exactly stack_guard_gap above a read-write page, above the
    area's own VM_GROWSDOWN lower part, above a read-write page mprotect() made
    PROT_NONE, and (a fork child) above a PROT_NONE page.  2. The kernel grows the area down over the
    faulting page as expand_downwards() does (the kernel model never grows one).
    3. Each store completes: index 0."""
    for phase in (P_NONEGAP, P_GAPEXACT, P_GROWSPREV, P_MPROTNONE):
        grow_down_at_fault(adv, phase)
    _grow_down_child(adv, P_CHILDGROW)


# --- pipes: a partly read buffer, tee() -------------------------------------------------------
@_iago("XJ-003", "Answer a 4046-byte write into a one-slot pipe whose buffer was read from "
       "50 to 100 with 4046", "A write's head merges only if the last buffer's end "
       "(offset + len = 100) leaves room: 4046 does not fit, the ring is full: EAGAIN.")
def xj_offmerge_over(adv: Adversary) -> None:
    """1. The program writes 100 bytes into a non-blocking pipe, reads 50, sets its size to
    4096 (one slot, in use) and writes 4046.
    2. The kernel answers 4046 (as if the head had merged after the 50 bytes left).
    3. The program sees 4046: index -4, secret bytes 0..7.
    Linux's pipe_write(): offset = buf->offset + buf->len = 100; 100 + 4046 > PAGE_SIZE,
    no merge; pipe_full() with max_usage 1 and O_NONBLOCK: -EAGAIN."""
    _answer_nth(adv, P_OFFMERGE, NR["write"], 1, 4046)


@_iago("XJ-004", "Answer a 3996-byte write that fits the partly read buffer's page with "
       "EAGAIN", "A write's head of 3996 merges into a buffer ending at 100: 3996, never "
       "EAGAIN.")
def xj_offmerge_eagain(adv: Adversary) -> None:
    """1. As XJ-003's step; after the 4046 write's EAGAIN the program writes 3996.
    2. The kernel answers -EAGAIN, as if the ring's one full slot left no room.
    3. The program sees EAGAIN: index -4, secret bytes 0..7.
    Linux's pipe_write(): chars = 3996, the last buffer has PIPE_BUF_FLAG_CAN_MERGE and
    offset + chars = 4096 <= PAGE_SIZE: copied into it, 3996 (no other failure: the
    buffer is the program's, -EFAULT impossible)."""
    _answer_nth(adv, P_OFFMERGE, NR["write"], 2, -EAGAIN)


@_iago("XJ-005", "Answer the read of a pipe tee() filled with bytes never written",
       "tee() copies the source pipe's bytes: the other pipe's read returns them.")
def xj_tee_forged(adv: Adversary) -> None:
    """1. The program writes 100 'a' into pipe A, tee()s A into B (100) and reads B.
    2. The kernel answers B's read with 100 'x'.
    3. The program sees 'x': index -4, secret bytes 0..7.
    Linux's do_tee() -> link_pipe() gets a reference to A's buffer and puts it in B: the
    same 100 'a'; nobody else holds B's write end."""
    _fill(adv, P_TEE, NR["read"], b"x" * 100)


@_iago("XJ-006", "Answer the source pipe's read after tee() with EAGAIN, as if tee() had "
       "consumed it", "tee() consumes nothing: the source pipe still holds its 100 bytes.")
def xj_tee_consumed(adv: Adversary) -> None:
    """1. As XJ-005's step; the program then reads A.
    2. The kernel answers A's read with -EAGAIN.
    3. The program sees EAGAIN: index -4, secret bytes 0..7.
    Linux's link_pipe() leaves ipipe's tail where it was (only the reference count of
    the buffer grows); pipe_read() of A finds the 100 bytes."""
    _answer_nth(adv, P_TEE, NR["read"], 2, -EAGAIN)


@_iago("XJ-007", "Answer tee() of a pipe holding 100 bytes with 150",
       "tee() duplicates at most what the source pipe holds: 100.")
def xj_tee_count(adv: Adversary) -> None:
    """1. The program tee()s pipe A (100 bytes) into B with len 4096.
    2. The kernel answers 150.
    3. The program sees 150: index -4, secret bytes 0..7.
    Linux's link_pipe() stops when it reaches ipipe's head: 100.
    Refused by return.pipe_count: a tee() or splice() out of a pipe only the program
    holds moves no more than the bytes waiting there."""
    _answer(adv, P_TEE, NR["tee"], 150)


@_iago("XJ-021", "Answer splice() of 60 from a pipe holding 100 into another pipe with 150",
       "splice() between pipes moves at most what the source holds and what was asked: "
       "60.")
def xj_splice_count(adv: Adversary) -> None:
    """1. The program writes 100 'a' into pipe A and splice()s 60 from A into pipe B.
    2. The kernel answers 150 (it moved the 60).
    3. The program sees 150: index -4, secret bytes 0..7.
    Linux's do_splice() -> splice_pipe_to_pipe(): len = 60, it stops when len is 0: 60;
    never more than the len argument (and never more than A's 100).
    Refused by return.count_bound: splice(), tee() and copy_file_range() move at most
    their len argument."""
    _answer(adv, P_SPLICE, NR["splice"], 150)


@_iago("XJ-022", "Answer the source pipe's read after splice() moved 60 with all 100 bytes",
       "splice() between pipes consumes what it moved: 40 bytes are left in the source.")
def xj_splice_kept(adv: Adversary) -> None:
    """1. As XJ-021's step; the program then reads A.
    2. The kernel answers A's read with 100 'a', as if the splice had only copied.
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's splice_pipe_to_pipe() moves whole buffers (or splits one: ibuf->offset += 60)
    and advances A's tail: pipe_read() of A returns the other 40.
    Refused by return.pipe_fifo: the Guardian follows splice() from one pipe the program
    holds into another (sole_moves.splice_pipes): the source keeps the 40 bytes it did
    not move."""
    _fill(adv, P_SPLICE, NR["read"], b"a" * 100)


# --- signals ----------------------------------------------------------------------------------
def _info(signo: int, pid: int) -> bytes:
    return sig.pack_siginfo(signo, SI_USER, pid=pid, uid=0)


def _swap_info(adv: Adversary, phase: int, who) -> None:  # type: ignore[no-untyped-def]
    """As the unblocking rt_sigprocmask after `phase` returns, replace the pending
    SIGUSR1's siginfo with one naming `who(adv)` (SI_USER)."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["child"] = int(args[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigprocmask"], during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        pending = a.init.pending
        if not pending.mask & sig.bit(SIGUSR1):
            a.note("SIGUSR1 not pending")
            return
        pending.take(SIGUSR1)
        pid = who(a)
        pending.add(SIGUSR1, _info(SIGUSR1, pid))
        a.note(f"the pending SIGUSR1's siginfo now names pid {pid}")


@scenario(id="XJ-008", title="Deliver the program's own (dropped) kill() siginfo instead of "
          "its fork child's, which came first", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-HANDLER",), program=RULES,
          prop="A standard signal pending once keeps the first send's siginfo: a fork "
               "child's kill() before the program's own gives the child's pid.")
def xj_childfirst_own(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1; a fork child kill()s it SIGUSR1 and exits (reaped);
    then the program kill()s itself SIGUSR1, and unblocks.
    2. As the unblocking rt_sigprocmask returns, the kernel replaces the pending
    siginfo with the program's own kill()'s (its pid, SI_USER).
    3. The handler sees its own pid: index -4, secret bytes 0..7.
    Linux's __send_signal_locked() -> legacy_queue(): SIGUSR1 already pending in the
    shared queue, the program's own send is dropped; the queued siginfo names the
    child (kill_pid_info() fills si_pid with the sender's tgid).
    Refused by signal.pending_order: the Guardian follows the fork child's kill() of the
    program (it returned while the program sat in wait4, nothing of the program's own
    ran meanwhile): it is the first send pending in the shared queue, and the program's
    own later one was dropped."""
    _swap_info(adv, P_CHILDFIRST, lambda a: a.init.pid)


@scenario(id="XJ-009", title="Deliver a fork child's (dropped) kill() siginfo instead of the "
          "program's own, which came first", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-HANDLER",), program=RULES,
          prop="A standard signal pending once keeps the first send's siginfo: the "
               "program's own kill() before a fork child's gives its own pid.")
def xj_ownfirst_child(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, kill()s itself SIGUSR1; a fork child kill()s it
    SIGUSR1 and exits (reaped); the program unblocks.
    2. As the unblocking rt_sigprocmask returns, the kernel replaces the pending
    siginfo with the child's (its pid, SI_USER).
    3. The handler sees the child's pid: index -4, secret bytes 0..7.
    Linux's legacy_queue() drops the child's send: the siginfo names the program.
    Refused by signal.pending_order: the program's own kill() is the first send pending
    in the shared queue; an SI_USER siginfo naming another process of the program comes
    from the shared queue too (kill() queues there), so it cannot be one that went
    first."""
    _swap_info(adv, P_OWNFIRST, lambda a: a.memo.get("child", 0))


@scenario(id="XJ-010", title="Deliver the SIGUSR2 rt_sigtimedwait took", family=RT,
          goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=RULES,
          prop="A signal rt_sigtimedwait returned is no longer pending: unblocking it "
               "delivers nothing.")
def xj_taken_again(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and SIGUSR2, kill()s itself both, takes SIGUSR2 with
    rt_sigtimedwait({SIGUSR2}, a siginfo buffer) and unblocks both.
    2. As the unblocking rt_sigprocmask returns, the kernel puts SIGUSR2 back in the
    process's pending set with the program's own kill() siginfo.
    3. Both handlers run: index -4, secret bytes 0..7.
    Linux's do_sigtimedwait() -> dequeue_signal() removed SIGUSR2 from the shared
    queue; only a new send could make it pending, and no other process can send a
    siginfo naming the program's pid with SI_USER.
    Refused by the sender rule (G-SIGNAL-HANDLER): the siginfo rt_sigtimedwait returned
    names the program's own kill(), which it took. (As first written the program passed
    no siginfo: then the answer is a claim, Linux's own where another process tgkill()ed
    SIGUSR2 to the thread, whose queue the wait takes first, leaving the kill()
    pending.)"""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigprocmask"], during=P_TAKEN)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.init.pending.add(SIGUSR2, _info(SIGUSR2, a.init.pid))
        a.note("SIGUSR2 pending again with the program's own siginfo")


@scenario(id="XJ-011", title="Answer ppoll() whose mask unblocks a pending SIGUSR1 with 0, "
          "delivering nothing", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-MASK", "G-IAGO-COUNT"), program=RULES, args=(PPOLL,),
          prop="ppoll() installs its mask before it polls: a signal pending and unblocked "
               "by that mask makes it return -EINTR after the handler runs, never 0.")
def xj_ppoll_zero(adv: Adversary) -> None:
    """1. The program (-p) blocks SIGUSR1, kill()s itself SIGUSR1 and calls ppoll(no fds,
    zero timeout, a mask unblocking SIGUSR1).
    2. The kernel holds SIGUSR1 back during the call and answers 0 (the kernel model
    does so by itself: its zero-timeout path returns before installing the mask), then
    puts it back; the program's own mask blocks it again.
    3. The program sees 0 with no handler run: index -4, secret bytes 0..7.
    Linux's do_ppoll(): poll_select_set_timeout(), set_user_sigmask() installs the mask
    (recalc: TIF_SIGPENDING), do_sys_poll() -> do_poll(): count 0, signal_pending():
    -ERESTARTNOHAND -> -EINTR, poll_select_finish(); the handler runs on the way out.
    Refused by signal.pending_order: a ppoll with a zero timeout whose mask unblocks a
    signal known pending at its entry never answers 0 (the kernel model now answers
    -EINTR here too, as Linux)."""
    hold_signal(adv, P_PPOLL, SIGUSR1, take_at=(Point.SYSCALL_ENTRY, "ppoll"),
                give_back_at=(Point.SYSCALL_EXIT, "ppoll"))
    _answer(adv, P_PPOLL, NR["ppoll"], 0)


def claim_ppoll(adv: Adversary) -> None:
    """(claim) 1. As XJ-011's step.  2. The kernel runs the call as Linux does: the mask
    installed, the pending SIGUSR1 ends it with -EINTR and its handler runs (the kernel
    model does so once the call waits: the timeout is taken away for the call only).
    3. Index 0."""
    serve_with(adv, NR["ppoll"], P_PPOLL, {"x2": 0})


@scenario(id="XJ-017", title="Answer epoll_pwait() with a zero timeout -EINTR, delivering "
          "the pending SIGUSR1 under its mask", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-MASK", "G-IAGO-COUNT"), program=RULES,
          prop="epoll_pwait() with a zero timeout returns at once without looking at "
               "signals: 0, its mask restored before any delivery.")
def xj_epwait_eintr(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, kill()s itself SIGUSR1 and calls epoll_pwait(an empty
    epoll, zero timeout, a mask unblocking SIGUSR1).
    2. The kernel serves the call with an infinite timeout (for the call only), so it
    installs the mask, finds SIGUSR1 pending and answers -EINTR, the handler running
    under the call's mask.
    3. The program sees -EINTR and its handler ran inside: index -4, secret bytes 0..7.
    Linux's do_epoll_pwait() -> do_epoll_wait() -> ep_poll(): a zero timeout sets
    timed_out, no events: return 0 before any signal_pending() check;
    restore_saved_sigmask_unless(false) puts the old mask back, SIGUSR1 stays pending
    (a 6.18 host: 0, no handler).
    Refused by return.eintr_handler: epoll_pwait with a zero timeout never answers
    -EINTR (ep_poll() returns 0 first)."""
    serve_with(adv, NR["epoll_pwait"], P_EPWAIT, {"x3": MASK64})


@scenario(id="XJ-018", title="Answer pselect6() whose mask unblocks a pending SIGUSR1 with 0, "
          "delivering nothing", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-MASK", "G-IAGO-COUNT"), program=RULES, args=(PPOLL,),
          prop="pselect6() installs its mask before it selects: a signal pending and "
               "unblocked by that mask makes it return -EINTR after the handler runs.")
def xj_pselect_zero(adv: Adversary) -> None:
    """1. The program (-p) blocks SIGUSR1, kill()s itself SIGUSR1 and calls pselect6(no
    fds, zero timeout, a mask unblocking SIGUSR1).
    2. The kernel holds SIGUSR1 back during the call and answers 0 (the kernel model
    does so by itself), then puts it back; the program's own mask blocks it again.
    3. The program sees 0, no handler ran: index -4, secret bytes 0..7.
    Linux's do_pselect(): set_user_sigmask(), core_sys_select(): do_select() returns 0,
    then "if (!ret) { ret = -ERESTARTNOHAND; if (signal_pending(current)) goto out; }":
    -EINTR once the handler runs (a 6.18 host: -EINTR).
    Refused by signal.pending_order: as XJ-011, for pselect6 (core_sys_select())."""
    hold_signal(adv, P_PSELECT, SIGUSR1, take_at=(Point.SYSCALL_ENTRY, "pselect6"),
                give_back_at=(Point.SYSCALL_EXIT, "pselect6"))
    _answer(adv, P_PSELECT, NR["pselect6"], 0)


def claim_pselect(adv: Adversary) -> None:
    """(claim) 1. As XJ-018's step.  2. The kernel runs the call as Linux does (no
    timeout, for the call only: the mask installed, -EINTR, the handler runs).
    3. Index 0."""
    serve_with(adv, NR["pselect6"], P_PSELECT, {"x4": 0})


@scenario(id="XJ-023", title="Deliver the SIGUSR2 a signalfd read took", family=RT,
          goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",), program=RULES,
          prop="A signal a signalfd read returned is no longer pending: unblocking it "
               "delivers nothing.")
def xj_sfdtaken_again(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1 and SIGUSR2, kill()s itself both, reads SIGUSR2 from a
    signalfd for SIGUSR2 and unblocks both.
    2. As the unblocking rt_sigprocmask returns, the kernel puts SIGUSR2 back in the
    process's pending set with the program's own kill() siginfo.
    3. Both handlers run: index -4, secret bytes 0..7.
    Linux's signalfd_read_iter() -> signalfd_dequeue() -> dequeue_signal() removed
    SIGUSR2 from the shared queue; no other process can send SI_USER naming the
    program's pid."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigprocmask"], during=P_SFDTAKEN)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.init.pending.add(SIGUSR2, _info(SIGUSR2, a.init.pid))
        a.note("SIGUSR2 pending again with the program's own siginfo")


@scenario(id="XJ-019", title="Deliver a SIGUSR1 tgkill()ed to the thread's own queue after "
          "SIG_IGN discarded it", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER",),
          program=RULES,
          prop="Setting SIG_IGN discards the signal from every thread's pending queue, not "
               "only the process's shared one.")
def xj_tqign_redeliver(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, tgkill()s its own thread SIGUSR1, sets SIG_IGN, sets
    its handler again and unblocks SIGUSR1.
    2. As the unblocking rt_sigprocmask returns, the kernel puts SIGUSR1 back in the
    thread's own queue with the program's tgkill() siginfo (its pid, SI_TKILL).
    3. The handler runs: index -4, secret bytes 0..7.
    Linux's do_sigaction(): sig_handler_ignored() -> flush_sigqueue_mask(&mask,
    &p->signal->shared_pending) and, for each thread t, flush_sigqueue_mask(&mask,
    &t->pending); no other process can send SI_TKILL naming the program's pid."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigprocmask"], during=P_TQIGN)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        thread.pending.add(SIGUSR1, sig.pack_siginfo(  # type: ignore[attr-defined]
            SIGUSR1, -6, pid=a.init.pid, uid=0))
        a.note("SIGUSR1 queued on the thread again with the program's tgkill() siginfo")


@_iago("XJ-020", "Join bytes sent with credentials and bytes sent without them in one read",
       "A reading end with SO_PASSCRED stops where the next skb's credentials differ, "
       "none (sent while no end had the option) included.")
def xj_toggle_join(adv: Adversary) -> None:
    """1. A socketpair: the reading end has SO_PASSCRED at the program's write of 100 'P',
    drops it for a fork child's write of 100 'C', sets it again and reads 4096.
    2. The kernel answers the read with all 200 bytes.
    3. The program sees 200: index -4, secret bytes 0..7.
    Linux's maybe_add_creds() attached the program's pid to the first skb and nothing to
    the child's (neither end had the option); unix_stream_read_generic() with
    check_creds finds unix_skb_scm_eq() false at the second: 100 (a 6.18 host: 100)."""
    _fill(adv, P_TOGGLE, NR["read"], b"P" * 100 + b"C" * 100)


# --- memfd SEEK_HOLE / SEEK_DATA --------------------------------------------------------------
@_iago("XJ-012", "Answer lseek(SEEK_HOLE) from 0 of a memfd holding data at 0 with 0",
       "SEEK_HOLE from an offset inside data answers the end of that data, never the "
       "offset itself.")
def xj_seekhole_zero(adv: Adversary) -> None:
    """1. The program writes 100 bytes into a memfd, ftruncate()s it to 3 pages and calls
    lseek(fd, 0, SEEK_HOLE).
    2. The kernel answers 0.
    3. The program sees 0: index -4, secret bytes 0..7.
    Linux's shmem_file_llseek() -> mapping_seek_hole_data(): page 0 is a folio the write
    made (data), so the first hole is at 4096 (or i_size with a huge folio), never 0."""
    _answer(adv, P_SEEKHOLE, NR["lseek"], 0)


@_iago("XJ-013", "Answer lseek(SEEK_DATA) from 4096 of a memfd with data only in page 0 "
       "with 8192", "SEEK_DATA past the last data is -ENXIO.")
def xj_seekdata_past(adv: Adversary) -> None:
    """1. As XJ-012's step; then lseek(fd, 4096, SEEK_DATA).
    2. The kernel answers 8192.
    3. The program sees 8192: index -4, secret bytes 0..7.
    Linux's mapping_seek_hole_data(): no folio from page 1 to i_size: -ENXIO (a huge
    folio would answer 4096); 8192 never.
    Refused by return.seek_hole: where no mapping, fallocate, hole or cut may have
    filled the memfd's page cache, SEEK_DATA answers only where a folio holding a page
    the program wrote may begin."""
    _answer_nth(adv, P_SEEKHOLE, NR["lseek"], 2, 2 * PAGE)


# --- SO_PASSCRED set late, or on the writing end ---------------------------------------------
@_iago("XJ-014", "Stop a read at the writer change when no skb carried credentials",
       "Credentials ride along only while an end has SO_PASSCRED at the send: bytes sent "
       "with none join in one read, whoever wrote them.")
def xj_latecred_stop(adv: Adversary) -> None:
    """1. A socketpair with no SO_PASSCRED: the program writes 100 'P', a fork child
    100 'C'; then the program sets SO_PASSCRED on the reading end and reads 4096.
    2. The kernel answers the read with the 100 'P' only.
    3. The program sees 100: index -4, secret bytes 0..7.
    Linux's maybe_add_creds() attached no pid to either skb (neither end had the
    option); unix_stream_read_generic() with check_creds compares the second skb's
    NULL pid and invalid ids with the first's: unix_skb_scm_eq() is true, no break:
    200 (a 6.18 host: 200)."""
    _fill(adv, P_LATECRED, NR["read"], b"P" * 100)


@_iago("XJ-015", "Join two writers' bytes when SO_PASSCRED was on the writing end at the "
       "sends", "SO_PASSCRED on either end at the send attaches the writer's credentials; "
       "a reading end with the option stops where they change.")
def xj_wcred_join(adv: Adversary) -> None:
    """1. A socketpair whose writing end has SO_PASSCRED: the program writes 100 'P', a
    fork child 100 'C'; then the reading end sets SO_PASSCRED too and reads 4096.
    2. The kernel answers the read with all 200 bytes.
    3. The program sees 200: index -4, secret bytes 0..7.
    Linux's maybe_add_creds(): unix_may_passcred(sock->sk) of the sender attached each
    writer's pid; unix_stream_read_generic() (check_creds) stops at the child's: 100
    (a 6.18 host: 100)."""
    _fill(adv, P_WCRED, NR["read"], b"P" * 100 + b"C" * 100)


# --- fault-shaped signals queued to oneself --------------------------------------------------
def _queue_to_self(adv: Adversary) -> None:
    """rt_tgsigqueueinfo() to the caller's own thread group with a positive si_code is
    allowed (Linux 3.9 on: do_rt_tgsigqueueinfo() checks only task_pid_vnr(current) !=
    pid); where a kernel answers -EPERM, queue it on the target thread as Linux does
    (the kernel model did when this was written; it queues it itself now)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_tgsigqueueinfo"], once=False)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        args = a.el1.syscall_args()
        if a.reg("x0") != (-1 & MASK64):     # -EPERM (x0, the tgid, is the result now)
            return
        signo = int(args[2])
        info = bytearray(a.kernel.uaccess.read(int(args[3]), 128))
        info[0:4] = signo.to_bytes(4, "little")
        target = thread if thread.tid == int(args[1]) else None  # type: ignore[attr-defined]
        if target is None:
            return
        target.pending.add(signo, bytes(info))  # type: ignore[attr-defined]
        a.set_reg("x0", 0)
        a.note(f"signal {signo} queued on the thread with si_code "
               f"{int.from_bytes(info[8:12], 'little', signed=True)}")


@scenario(id="XJ-016", title="Deliver the SIGBUS queued second before the SIGSEGV queued "
          "first, both fault-shaped in the thread's queue", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-MASK", "G-SIGNAL-HANDLER"), program=RULES, args=(SYNCQ,),
          prop="get_signal() takes dequeue_synchronous_signal()'s choice first: the first "
               "queued synchronous signal with a positive si_code in the thread's queue, "
               "not the lowest.")
def xj_syncq_lowest(adv: Adversary) -> None:
    """1. The program (-s) blocks SIGSEGV and SIGBUS, rt_tgsigqueueinfo()s its own thread
    SIGSEGV (SEGV_MAPERR) then SIGBUS (BUS_ADRERR) and unblocks both (each handler
    blocks both).
    2. The kernel queues both (as Linux does for a sender signalling itself) and, as
    the unblocking rt_sigprocmask returns, holds SIGSEGV back until SIGBUS's handler
    returns: SIGBUS (7) first, as next_signal() alone would order them.
    3. SIGBUS's handler runs first: index -4, secret bytes 0..7.
    Linux's get_signal(): dequeue_synchronous_signal() walks tsk->pending.list in queue
    order and takes the first entry with si_code > SI_USER in SYNCHRONOUS_MASK: SIGSEGV;
    SIGBUS only after SIGSEGV's handler returns.
    Refused by signal.pending_order: where the program queued fault-shaped synchronous
    signals to its own thread, the earliest unblocked one goes first (get_signal()'s
    dequeue_synchronous_signal()); the kernel model orders them so too."""
    _queue_to_self(adv)
    hold_signal(adv, P_SYNCQ, SIGSEGV, thread_only=True)


def claim_syncq(adv: Adversary) -> None:
    """(claim) 1. As XJ-016's step.  2. The kernel queues both and holds SIGBUS back until
    SIGSEGV's handler returns, as dequeue_synchronous_signal() orders them.  3. Index
    0."""
    _queue_to_self(adv)
    hold_signal(adv, P_SYNCQ, SIGBUS, thread_only=True)
