"""vfork: the child borrows the parent's memory and stack, and Linux holds the parent until
the child has execed or exited, so the two never run interleaved on one stack.

The target is the variant build with `-v` (its child is made with vfork()).  The scenario
is refused by `return.vfork_held` in the intact build and gets through when that check
alone is removed (`blindfold attack mutate --check return.vfork_held`).
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import USE_VFORK, VARIANTS_PROGRAM, Phase

MU = "mu"
NR_CLONE, NR_SCHED_YIELD, NR_GETPID = 220, 124, 172


def _interleaved(out: Outcome) -> list[str]:
    return ["the vfork child ran again on the borrowed stack after its parent had resumed: "
            "parent and child ran interleaved"] if out.hits.get("interleaved") else []


@scenario(id="MU-013", title="Resume a vfork parent early, then run its child on the shared "
                             "stack", family=MU, goal=Goal.TAMPER,
          rules=("G-RETURN-PATHS", "G-CLONE-ONCE"), oracle=_interleaved,
          program=VARIANTS_PROGRAM, args=(USE_VFORK,),
          prop="A vfork parent and its child never run interleaved: once the parent runs "
               "again, the child (which borrows the parent's stack and memory) never returns "
               "to user code in that address space.")
def mu_vfork_interleave(adv: Adversary) -> None:
    """1. The program (variant -v) makes its child with vfork(): CLONE_VM|CLONE_VFORK, the
    kernel holds the parent.
    2. The child runs; at its first system call (its CHILD marker) the kernel lets the
    parent go as if the child were done, and serves the call as sched_yield.
    3. The parent returns from vfork() and runs on the stack the child is using; then
    the kernel runs the child again: both write one stack, each in the middle of the
    other's frames."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.memo["parent"] = thread

    @adv.on(Point.SYSCALL_ENTRY, once=False, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        parent = a.memo.get("parent")
        if parent is None or thread is parent or "child" in a.memo:
            return
        a.memo["child"] = thread
        if thread.vfork_parent is not parent:  # type: ignore[attr-defined]
            a.note("the child is not a vfork child: nothing to show")
            return
        thread.vfork_parent = None  # type: ignore[attr-defined]
        a.kernel.wake(parent, thread.tid)  # type: ignore[attr-defined]
        a.memo["was-getpid"] = a.reg("x8") == NR_GETPID
        a.set_reg("x8", NR_SCHED_YIELD)
        a.note(f"the parent is let go while child {thread.tid} is in the kernel")  # type: ignore[attr-defined]

    @adv.on(Point.SYSCALL_EXIT, once=False, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread is a.memo.get("child") and a.memo.pop("was-getpid", False):
            a.set_reg("x0", thread.process.pid)  # type: ignore[attr-defined]
            # (the yield stands in for getpid: it answers what getpid owes)

    @adv.on(Point.AFTER_RESUME, once=False, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread is a.memo.get("parent") and "child" in a.memo:
            a.memo["parent-ran"] = True
        elif thread is a.memo.get("child") and a.memo.get("parent-ran"):
            a.hit("interleaved", 1)
