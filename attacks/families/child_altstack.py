"""Alternate signal stacks the program never set: a vfork child's, and a thread's whose
sigaltstack struct the Guardian could not read back.

Linux (kernel/fork.c, copy_process) clears the alternate stack only for a new thread
(CLONE_VM without CLONE_VFORK); a fork or vfork child keeps the one of the thread that
called clone.  The Guardian follows that rule, so the owner check
(`signal.altstack_owner`) holds the kernel to that stack in the child as in the parent.
Where the thread's own stack is unknown -- its sigaltstack() succeeded but the struct was
no longer in memory when the call returned -- the only guard left is that a stack the
kernel names is one the program set at all (`signal.altstack`).

Both scenarios name a "stack" whose top lies just above the heap copy of the secret, so
that the signal frame (about 4.6 KiB, written below the top) covers it.  Each is refused
by one named check in the intact build and gets through when that check alone is removed
(`blindfold attack mutate --check NAME`).
"""

from __future__ import annotations

from attacks.adversary import Adversary
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
          prop="A signal frame goes only on an alternate stack the program set, even where "
               "the Guardian could not read back the thread's own sigaltstack() (the struct "
               "swapped out before the call returned): the kernel cannot name any other "
               "memory as the stack.")
def mu_unread_altstack(adv: Adversary) -> None:
    """1. The program calls sigaltstack(&ss, 0) with `ss` on its stack.  The kernel copies
    the struct in and succeeds, but before the return swaps the page holding `ss` out
    (SWAP_OUT: the secure swap ABI, allowed for any private page): the Guardian cannot read
    back which stack the thread set.  The program's next touch swaps the page back in.
    2. The program sends itself SIGUSR1 (SA_ONSTACK); the kernel delivers it naming as the
    thread's alternate stack two pages whose top lies just above the heap secret.
    3. The signal frame, written below that top, covers the heap copy of the secret."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SIGALTSTACK, during=Phase.FRESH_DONE)
    def _(a: Adversary, **_: object) -> None:
        a.memo["ss"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_SIGALTSTACK, during=Phase.FRESH_DONE)
    def _(a: Adversary, **_: object) -> None:
        ss = a.memo.get("ss", 0)
        if not a.guarded or not ss:
            return                      # no monitor to keep it from: nothing to hide
        va = ss & ~(PAGE - 1)
        desc = a.mm.tables.lookup(va)
        a.mm.ctx.memory.swap_out(a.mm, va, desc)
        a.el1.tlbi_all()
        a.note(f"the page {va:#x} holding the sigaltstack struct is swapped out before the "
               f"return: entry {a.mm.tables.lookup(va):#x}")

    @adv.on(Point.MARKER, phase=Phase.SIGNAL)
    def _(a: Adversary, thread: object, **_: object) -> None:
        _forge(a, thread, "before the program's kill(SIGUSR1)")
