"""A page the kernel's own KSM merged, made writable in place instead of copied.

Linux never lets a write reach a KSM page in place: the first write to any of its
addresses copies it (a KSM page is not reused even when one mapping is left).  If the
kernel skips the copy, a write at one address shows at the other.  The Guardian keeps
a merged frame read-only wherever it is shared (`set_pt.shared_readonly`), and read-only
everywhere while any place of it is writable (`set_pt.shared_writable`): the scenario
is refused by the first and, with it removed, by the second (`blindfold attack mutate
--check set_pt.shared_readonly` reports it redundant, naming the second).
"""

from __future__ import annotations

from attacks.adversary import PAGE, Adversary
from attacks.scenario import Goal, scenario
from attacks.workload import KSM_OPT_IN, VARIANTS_PROGRAM, Phase
from emulator import descriptors as D

MU = "mu"
RW = D.PagePerms(user=True, write=True, user_exec=False)


@scenario(id="MU-012", title="Make a KSM-merged page writable in place at its merged address",
          family=MU, goal=Goal.LEAK, rules=("G-ONE-MAPPING", "G-KSM-DOMAIN"),
          program=VARIANTS_PROGRAM, args=(KSM_OPT_IN,),
          prop="A frame KSM merged stays read-only at every address it was merged to: the "
               "kernel cannot skip the copy at the first write, so what the program writes "
               "at one address never shows at the other.")
def mu_ksm_write_in_place(adv: Adversary) -> None:
    """1. At FRESH the program's fresh page is zero (faulted in), and the kernel places a
    zero page at the address its heap will grow into next (its fault path would).
    2. The kernel's own KSM merges the two (the heap-growth page kept, the fresh page's
    entry moved onto it), then answers the write the program is about to make at the
    fresh page by making that entry writable on the merged frame, with no copy.
    3. The program copies its secret into the fresh page, which is also its next heap
    page; at IAGO_BRK it grows the heap, writes 8 public bytes there and sends the whole
    page to /dev/null, secret included.
    The program lets KSM merge its pages (-k: prctl(PR_SET_MEMORY_MERGE, 1)): Linux's
    KSM compares no page a program did not make mergeable."""
    @adv.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        fresh, grow = a.layout.fresh, a.layout.heap + PAGE
        mm = a.mm
        if a.pa_of(fresh) is None:
            mm.handle_fault(fresh, False, False)
        if a.pa_of(grow) is None:
            pa = a.alloc_frame()
            a.el1.fill(a.lm(pa), 0, PAGE)
            mm.tables.set(grow, D.leaf_descriptor(pa, RW))
            a.el1.tlbi_all()
        keep, dup = a.pa_of(grow), a.pa_of(fresh)
        merged = mm.ctx.memory.ksm.merge_pair((mm, grow, keep), (mm, fresh, dup))  # type: ignore[arg-type]
        a.note(f"KSM merged the heap-growth page and the fresh page: {merged}")
        if not merged:
            return
        frame = a.pa_of(fresh)
        mm.tables.set(fresh, D.leaf_descriptor(frame, RW))    # no copy
        a.el1.tlbi_all()
        a.note(f"fresh page writable in place on the merged frame {frame:#x}")
