"""Nested signal frames with a handler the program lets nest: where the blocked-signal rule
alone does not stop the kernel, the frame's saved mask and the alternate stack's bound
must.

The target is the variant build with `-n`: besides its SIGUSR1 handler it registers a
SIGUSR2 handler on the alternate stack with SA_NODEFER (a notification another process
may send at any time, even while that handler runs).  Each scenario is refused with one
named check in the intact build and gets through when that check alone is removed
(`blindfold attack mutate --check NAME`).
"""

from __future__ import annotations

from abi import Call, Status
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import NODEFER_HANDLER, VARIANTS_PROGRAM, Phase

MU = "mu"
SIGUSR1, SIGUSR2 = 10, 12
NR_RT_SIGRETURN = 139
REG_X0, REG_PC = 199, 260


def _signal(a: Adversary, t: object, signo: int, mask: int) -> int:
    """SIGNAL for thread `t` at its current return (faulting frame pages in as asked);
    the status, and the context enters the handler when it is OK."""
    ss_sp, ss_flags, ss_size = t.altstack  # type: ignore[attr-defined]
    st, value = Status.OK, 0
    for _ in range(4):
        st, value, _ = a.hvc_data(Call.SIGNAL, (t.slot, signo, mask, ss_sp,  # type: ignore[attr-defined]
                                                ss_flags, ss_size, a.el1.reg(REG_X0),
                                                a.el1.reg(REG_PC)), b"")
        if st != Status.FAULT_IN:
            break
        t.process.mm.handle_fault(value, True, False)  # type: ignore[attr-defined]
    a.note(f"SIGNAL {signo} (frame mask {mask:#x}): {Status(st).name}")
    if st == Status.OK:
        a.el1.set_reg(REG_PC, value)
    return st


def _symbol(a: Adversary, name: str) -> int:
    from attacks.referee import symbols
    image = a.memo.get("image")
    return symbols(image.data, name).get(name, 0) if image is not None else 0  # type: ignore[attr-defined]


@scenario(id="MU-010", title="Nest SA_NODEFER frames until they run off the bottom of the "
                             "alternate stack onto the secret",
          family=MU, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME",),
          program=VARIANTS_PROGRAM, args=(NODEFER_HANDLER,),
          prop="Signal frames stay inside the alternate stack, nested ones included: where "
               "the program lets a handler nest, the frame that would run past the stack's "
               "bottom is refused (Linux makes it a SIGSEGV), never written over the data "
               "below.")
def mu_nodefer_overflow(adv: Adversary) -> None:
    """1. The program (variant -n) registers SIGUSR2 on its 16 KiB alternate stack with
    SA_NODEFER, then sends itself SIGUSR1; the kernel delivers it: a frame at the top of
    the alternate stack.
    2. Before the return into the handler the kernel delivers SIGUSR2 three times (an
    asynchronous signal: its claim, and SA_NODEFER lets each one nest), each frame (about
    4.6 KiB) below the previous one.
    3. The fourth frame on the stack would lie below its bottom, over `secret` in .bss."""
    @adv.on(Point.EXEC, init_only=False)
    def _(a: Adversary, image: object, **_: object) -> None:
        a.memo["image"] = image

    @adv.on(Point.SIGNAL_DELIVERED, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["first"] = True

    @adv.on(Point.BEFORE_RESUME, during=Phase.SIGNAL, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if a.memo.get("nested") or not a.memo.get("first"):
            return
        a.memo["nested"] = True
        if not a.guarded:
            # Without a monitor: the bytes the fourth frame would put over the secret.
            pa = a.pa_of(_symbol(a, "secret"))
            if pa is not None:
                a.write_lm(pa, bytes(32))
            return
        for _ in range(3):
            if _signal(a, thread, SIGUSR2, thread.sigmask) != Status.OK:  # type: ignore[attr-defined]
                break


def _reentered(out: Outcome) -> list[str]:
    return ["the SIGUSR1 handler was entered again inside itself, after a frame saved a "
            "mask without SIGUSR1"] if out.hits.get("reentered") else []


def _watch_reentry(adv: Adversary) -> None:
    """Mark the first delivery ("first") and count a handler entered again inside itself:
    the kernel's own second frame without a monitor ("forced"), or a SIGNAL the Guardian
    accepted ("entered") once the context returns into it."""
    @adv.on(Point.SIGNAL_DELIVERED, once=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.memo.get("first"):
            a.memo["first"] = True
        elif a.memo.get("forced"):
            a.hit("reentered", 1)       # the kernel's own second frame (no monitor)

    @adv.on(Point.AFTER_RESUME, during=Phase.SIGNAL, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.pop("entered", False):
            a.hit("reentered", 1)


def _force_reentry(a: Adversary, t: object) -> None:
    """Without a monitor: the kernel unblocks SIGUSR1 and queues it again."""
    t.sigmask = 0  # type: ignore[attr-defined]
    a.kernel.signals.send_thread(t, SIGUSR1, b"")
    a.memo["forced"] = True


@scenario(id="MU-011", title="Save a mask without the running handler's signal in a nested "
                             "frame, then re-enter that handler",
          family=MU, goal=Goal.TAMPER, rules=("G-SIGNAL-MASK", "G-SIGRETURN"),
          oracle=_reentered, program=VARIANTS_PROGRAM, args=(NODEFER_HANDLER,),
          prop="A signal frame saves the thread's own mask: rt_sigreturn from a nested "
               "handler cannot unblock the signal whose handler still runs.")
def mu_frame_mask(adv: Adversary) -> None:
    """1. The program (variant -n) sends itself SIGUSR1; the kernel delivers it (SIGUSR1
    is blocked while its handler runs).
    2. Before the return into that handler the kernel delivers SIGUSR2 (its claim), with a
    frame mask that leaves SIGUSR1 out.
    3. The SIGUSR2 handler returns: rt_sigreturn restores that mask, so SIGUSR1 reads as
    unblocked while its handler still runs; at that return the kernel delivers SIGUSR1
    again and the handler is re-entered inside itself."""
    _watch_reentry(adv)

    @adv.on(Point.BEFORE_RESUME, during=Phase.SIGNAL, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        t = thread
        if not a.memo.get("first"):
            return
        if not a.memo.get("usr2"):
            a.memo["usr2"] = True
            if not a.guarded:
                _force_reentry(a, t)
                return
            bit = 1 << (SIGUSR1 - 1)
            a.note(f"the thread's mask is {t.sigmask:#x}")  # type: ignore[attr-defined]
            if _signal(a, t, SIGUSR2, t.sigmask & ~bit) == Status.OK:  # type: ignore[attr-defined]
                a.memo["in-usr2"] = True
        elif a.memo.pop("returned", False):
            if _signal(a, t, SIGUSR1, t.sigmask) == Status.OK:  # type: ignore[attr-defined]
                a.memo["entered"] = True

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RT_SIGRETURN, during=Phase.SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.pop("in-usr2", False):
            a.memo["returned"] = True   # SIGUSR2's handler returned into SIGUSR1's


@scenario(id="MU-033", title="Re-enter a running handler by naming its signal plus 2^32",
          family=MU, goal=Goal.TAMPER, rules=("G-SIGNAL-MASK",),
          oracle=_reentered, program=VARIANTS_PROGRAM, args=(NODEFER_HANDLER,),
          prop="A signal number is a C int: SIGNAL with a number outside that range (one that "
               "a 32-bit store would wrap onto a blocked signal) is refused where the call is "
               "unpacked, before any mask check could be asked about a number no mask has.")
def mu_signo_alias(adv: Adversary) -> None:
    """1. The program (variant -n) sends itself SIGUSR1; the kernel delivers it (SIGUSR1
    is blocked while its handler runs).
    2. Before the return into that handler the kernel delivers signal 2^32 + SIGUSR1 with
    the thread's own mask: no bit of the mask covers that number, and the frame's
    32-bit si_signo would read SIGUSR1, so the handler would be entered inside itself."""
    _watch_reentry(adv)

    @adv.on(Point.BEFORE_RESUME, during=Phase.SIGNAL, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        t = thread
        if not a.memo.get("first") or a.memo.get("tried"):
            return
        a.memo["tried"] = True
        if not a.guarded:
            _force_reentry(a, t)
            return
        if _signal(a, t, (1 << 32) + SIGUSR1, t.sigmask) == Status.OK:  # type: ignore[attr-defined]
            a.memo["entered"] = True
