"""fork/clone: forged, swapped and duplicated child contexts."""

from __future__ import annotations

from dataclasses import replace

from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import Phase
from kernel_model.process import Thread
from kernel_model.signals import PendingSignals

FK = "fork"
NR_CLONE = 220
SIGCHLD = 17


def newest_child(adv: Adversary) -> Thread:
    """The thread fork() just created (the kernel's own records)."""
    return adv.kernel.threads[max(adv.kernel.threads)]


@scenario(id="FK-001", title="fork() returns 0 to the parent", family=FK, goal=Goal.TAMPER,
          rules=("G-IAGO-CLONE",),
          prop="Only the child of a fork sees 0; the parent always gets the child's id.")
def fk_zero(adv: Adversary) -> None:
    """1. After serving the parent's clone(), answer 0 instead of the child's id."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 0)


@scenario(id="FK-002", title="Resume the child's context in the parent", family=FK,
          goal=Goal.TAMPER, rules=("G-FORK-CONTEXT",),
          prop="A forked child's context resumes only in the child's own address space.")
def fk_swap(adv: Adversary) -> None:
    """1. After serving the parent's clone(), return to the parent with the child's saved
    context (under the Guardian: its slot) instead of the parent's."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = newest_child(a)
        if a.guarded:
            a.thread.slot = child.slot
        else:
            assert child.context is not None
            a.el1.restore_context(child.context)


@scenario(id="FK-003", title="Run the forked child's context twice", family=FK,
          goal=Goal.TAMPER, rules=("G-RESUME-ONCE",),
          prop="A saved context is consumed by the return that uses it.")
def fk_twice(adv: Adversary) -> None:
    """1. After the parent's clone(), create a second process on the child's address space
    with a copy of the child's context (the same slot under the Guardian).
    2. Both are scheduled."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        k = a.kernel
        child = newest_child(a)
        assert child.context is not None
        pid = k.alloc_id()
        proc = replace(child.process, pid=pid, parent=None, threads=[], children=[],
                       pending=PendingSignals(), exit_status=None)
        proc.mm.users += 1
        twin = Thread(tid=pid, process=proc, context=child.context.copy(), slot=child.slot)
        proc.threads.append(twin)
        k.processes[pid] = proc
        k.threads[pid] = twin
        k.sched.add(twin)


@scenario(id="FK-004", title="Fork the program from a system call that is not clone",
          family=FK, goal=Goal.TAMPER, rules=("G-FORK-IN-CLONE",),
          prop="A child context is derived only from a clone in progress.")
def fk_forge(adv: Adversary) -> None:
    """1. While serving the PLACED marker (getppid), create a child process from the
    thread's current context, as if it had called fork()."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.kernel.clone(a.thread, 0, SIGCHLD)
