"""A thread's exit is not the address space's: pages stay while other threads (or a vfork
parent) still use them.

`secret_threads` ends a second thread with exit() (step 3) and its vfork child with
exit() (step 6); both leave the address space to the threads that share it.  Neither call
returns to user code, so an unmapping window keyed to it would stay open for the rest of
the run.  Each scenario drops the program's heap page (the secret) after one of those exits,
while the program still runs in that address space; the Guardian refuses the discard
(`set_pt.discard_leaf`): only the program's own unmapping, the address space's teardown or
the secure swap ABI take a page out of its view.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.families.redteam_r6 import P_SHARED, P_SIGACTION, THREADS
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

MU = "mu"


def _drop_heap(a: Adversary) -> None:
    a.note(f"dropping the heap page {a.layout.heap:#x}")
    a.mm.tables.clear(a.layout.heap)
    a.el1.tlbi_all()


@scenario(id="MU-014", title="Drop a page of the program after one of its threads exited",
          family=MU, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",), program=THREADS,
          prop="A thread's exit() ends that thread only: the address space, and every page "
               "in it, stays with the threads still running; the kernel cannot drop a page "
               "of it afterwards as if the process were going.")
def mu_thread_exit_window(adv: Adversary) -> None:
    """1. The program's second thread (B) finishes with exit(); the main thread runs on.
    2. When the main thread announces its MAP_SHARED step, the kernel clears the entry of
    the heap page holding the secret; the next touch faults in a fresh zero page."""
    @adv.on(Point.MARKER, phase=P_SHARED)
    def _(a: Adversary, **_: object) -> None:
        _drop_heap(a)


@scenario(id="MU-015", title="Drop a page of the parent after its vfork child exited",
          family=MU, goal=Goal.TAMPER, rules=("G-LEAVE-ON-REQUEST",), program=THREADS,
          prop="A vfork child's exit() leaves the borrowed address space to its parent: the "
               "kernel cannot drop a page of it afterwards as if the parent were going.")
def mu_vfork_exit_window(adv: Adversary) -> None:
    """1. The program's vfork child finishes with exit() in the address space it borrows
    from its parent; the parent runs on.
    2. When the parent announces its next step (rt_sigaction), the kernel clears the entry
    of the heap page holding the secret; the next touch faults in a fresh zero page."""
    @adv.on(Point.MARKER, phase=P_SIGACTION)
    def _(a: Adversary, **_: object) -> None:
        _drop_heap(a)
