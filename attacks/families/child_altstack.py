"""Alternate signal stacks the kernel names for a thread that never set them: a vfork
child's, and a thread's whose sigaltstack struct left memory before the call returned.

Linux (kernel/fork.c, copy_process) clears the alternate stack only for a new thread
(CLONE_VM without CLONE_VFORK); a fork or vfork child keeps the one of the thread that
called clone.  The Guardian follows that rule, so the owner check
(`signal.altstack_owner`) holds the kernel to that stack in the child as in the parent.
A sigaltstack() that set a stack returns to user code only once the Guardian has read
its struct back: where the kernel swapped the page out before the return, the RESUME (or
the SIGNAL completing the call) asks it to fault the page in first, so the thread's own
stack is never left unknown -- were it unknown, the kernel could name any stack the
program set, another thread's live one included (MU-032).

MU-030 and MU-031 name a "stack" whose top lies just above the heap copy of the secret,
so that the signal frame (about 4.6 KiB, written below the top) covers it.  In mprotect
mode the predecessor's capability table has no sigaltstack, so the program's call fails
(EFAULT) and its threads have no alternate stack: the owner check refuses any the kernel
names, with a decision, as in mode on.
"""
from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r6 import cross_stack
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_LEN, Phase

MU = "mu"
THREADS = "secret_threads"
SIGUSR1 = 10
NR_SIGALTSTACK = 132
P_VF_CHILD = 42               # secret_threads: in the vfork child, before it sets its flag
PAGE = 4096
FORGED_SIZE = 2 * PAGE        # room for one frame below the top, inside the brk region


def _stack_over(target: int) -> tuple[int, int, int]:
    """(ss_sp, ss_flags, ss_size) of a stack whose first frame covers [target, +SECRET_LEN):
    its top is 16-byte aligned, just past the secret; the frame goes below it."""
    top = (target + SECRET_LEN + 31) & ~15
    return top - FORGED_SIZE, 0, FORGED_SIZE


def _forge(a: Adversary, thread: object, why: str) -> None:
    alt = _stack_over(a.layout.heap_secret)
    a.note(f"{why}: thread {thread.tid}'s alternate stack {thread.altstack} "  # type: ignore[attr-defined]
           f"named as {alt[0]:#x}+{alt[2]:#x}, whose top is above the heap secret "
           f"{a.layout.heap_secret:#x}")
    thread.altstack = alt  # type: ignore[attr-defined]


def _swap_out_struct(a: Adversary) -> None:
    """At sigaltstack()'s return: swap out the page holding its struct (SWAP_OUT, the
    kernel's reclaim path), so that it is not in memory when the call returns."""
    ss = a.memo.pop("ss", 0)
    if not a.guarded or not ss:
        return                      # no monitor to keep it from: nothing to hide
    va = ss & ~(PAGE - 1)
    desc = a.mm.tables.lookup(va)
    a.mm.ctx.memory.swap_out(a.mm, va, desc)
    a.el1.tlbi_all()
    a.note(f"the page {va:#x} holding the sigaltstack struct is swapped out before the "
           f"return: entry {a.mm.tables.lookup(va):#x}")


@scenario(id="MU-030", title="Deliver a vfork child's signal on a stack it never set, over the "
                             "parent's heap secret",
          family=MU, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME",), program=THREADS,
          prop="A fork or vfork child's signal frame goes on the alternate stack it inherited "
               "from the thread that forked (Linux keeps it across fork and vfork), never on "
               "one the kernel names: a vfork child runs in its parent's memory, so a frame "
               "there overwrites the parent's data.")
def mu_child_altstack(adv: Adversary) -> None:
    """1. The program (secret_threads, step 6) makes its child with vfork(): the child
    borrows the parent's memory; the parent's main thread set an alternate stack and
    registered SIGUSR1 with SA_ONSTACK, both of which the child keeps.
    2. At the child's first system call (its marker) the kernel sends it SIGUSR1 -- an
    asynchronous signal, its claim -- and names as the child's alternate stack two pages
    whose top lies just above the heap copy of the secret.
    3. The signal frame, written below that top, covers the parent's heap secret."""
    @adv.on(Point.MARKER, phase=P_VF_CHILD, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        _forge(a, thread, "vfork child")
        a.kernel.signals.send_thread(thread, SIGUSR1, b"")


@scenario(id="MU-031", title="Lose the program's sigaltstack struct before the call returns, "
                             "then name a stack over the secret",
          family=MU, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME",),
          prop="A signal frame goes only on the alternate stack the thread's own "
               "sigaltstack() set, even where the struct left memory before the call "
               "returned: the Guardian reads it back (the kernel faults the page in first), "
               "so the kernel cannot name any other memory as the stack.")
def mu_unread_altstack(adv: Adversary) -> None:
    """1. The program calls sigaltstack(&ss, 0) with `ss` on its stack.  The kernel copies
    the struct in and succeeds, but before the return swaps the page holding `ss` out
    (SWAP_OUT: the secure swap ABI, allowed for any private page), so that the Guardian
    would not learn which stack the thread set.
    2. The program sends itself SIGUSR1 (SA_ONSTACK); the kernel delivers it naming as the
    thread's alternate stack two pages whose top lies just above the heap secret.
    3. The signal frame, written below that top, covers the heap copy of the secret."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SIGALTSTACK, during=Phase.FRESH_DONE)
    def _(a: Adversary, **_: object) -> None:
        a.memo["ss"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_SIGALTSTACK, during=Phase.FRESH_DONE)
    def _(a: Adversary, **_: object) -> None:
        _swap_out_struct(a)

    @adv.on(Point.MARKER, phase=Phase.SIGNAL)
    def _(a: Adversary, thread: object, **_: object) -> None:
        _forge(a, thread, "before the program's kill(SIGUSR1)")


P_ALTSTACKS, P_B_SIGNAL = 30, 33     # secret_threads: both stacks set; B about to tgkill
NR_TGKILL = 131


@scenario(id="MU-032", title="Lose thread B's sigaltstack struct before the call returns, then "
                             "deliver B's signal on thread A's live alternate stack",
          family=MU, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME", "G-SIGRETURN"),
          oracle=cross_stack, program=THREADS,
          prop="A thread's alternate stack is the one its own sigaltstack() set even where "
               "the struct left memory before the call returned: the Guardian reads it back "
               "(the kernel faults the page in first), so the kernel cannot hand the thread "
               "another thread's stack.")
def mu_unread_cross_stack(adv: Adversary) -> None:
    """1. Thread B calls sigaltstack(&ss, 0) with `ss` on its own stack; the kernel
    succeeds but swaps the page holding `ss` out before the return (SWAP_OUT).
    2. Thread A is inside its SIGUSR1 handler on its own alternate stack, its frame live
    at the top.  B sends itself SIGUSR1; the kernel names A's alternate stack as B's (a
    stack the program did set, only not for B).
    3. B's frame is written over A's live frame: when A's handler returns, rt_sigreturn
    reads B's context and thread A resumes where B was."""
    @adv.on(Point.MARKER, phase=P_ALTSTACKS)
    def _(a: Adversary, args: tuple[int, ...], thread: object, **_: object) -> None:
        a.memo["alt-a"], a.memo["alt-size"] = args[0], args[2]
        a.memo["tid-a"] = thread.tid  # type: ignore[attr-defined]

    def _thread_b(a: Adversary, thread: object) -> bool:
        """B's first sigaltstack (B starts after A announced its stack)."""
        return "tid-a" in a.memo and thread.tid != a.memo["tid-a"] \
            and "swapped" not in a.memo  # type: ignore[attr-defined]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SIGALTSTACK, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if _thread_b(a, thread):
            a.memo["ss"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_SIGALTSTACK, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if _thread_b(a, thread):
            a.memo["swapped"] = True
            _swap_out_struct(a)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_TGKILL, during=P_B_SIGNAL)
    def _(a: Adversary, thread: object, **_: object) -> None:
        alt = (a.memo["alt-a"], 0, a.memo["alt-size"])
        a.note(f"thread {thread.tid}'s alternate stack {thread.altstack} "  # type: ignore[attr-defined]
               f"named as thread A's {alt[0]:#x}")
        thread.altstack = alt  # type: ignore[attr-defined]
