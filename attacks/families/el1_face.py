"""The EL1 face after RESUME: every operation, not only those that remembered to check."""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_LEN, Phase

EF = "el1-face"


@scenario(id="EF-001", title="copy_page the heap page out after RESUME", family=EF,
          goal=Goal.LEAK, rules=("G-FACE-LOCKED",),
          prop="After RESUME no operation of the EL1 face reaches the core, copy_page included.")
def ef_copy(adv: Adversary) -> None:
    """1. After the Guardian accepted the return for the PLACED marker (EPD0 is clear),
    copy the heap page at its user address into a kernel frame with the face's
    copy_page.
    2. Later, read the kernel frame through the linear map."""
    @adv.on(Point.AFTER_RESUME, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        dst = a.alloc_frame()
        a.memo["dst"] = dst
        a.el1.copy_page(a.lm(dst), a.layout.heap)

    @adv.at(Phase.WRITE)
    def _(a: Adversary) -> None:
        if "dst" in a.memo:
            a.observe(a.read_lm(a.memo["dst"]), "a kernel frame filled by copy_page")


@scenario(id="EF-002", title="fill over the heap secret after RESUME", family=EF,
          goal=Goal.TAMPER, rules=("G-FACE-LOCKED",),
          prop="After RESUME no operation of the EL1 face reaches the core, fill included.")
def ef_fill(adv: Adversary) -> None:
    """1. After the Guardian accepted the return for the PLACED marker, memset the heap
    copy of the secret at its user address with the face's fill."""
    @adv.on(Point.AFTER_RESUME, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        a.el1.fill(a.layout.heap_secret, 0, SECRET_LEN)



@scenario(id="EF-003", title="Ask the Guardian for the heap page after RESUME", family=EF,
          goal=Goal.LEAK, rules=("G-FACE-LOCKED",),
          prop="After RESUME the kernel cannot even issue a Guardian call until the next "
               "exception (the slot it resumed is gone, and so is the core).")
def ef_hvc(adv: Adversary) -> None:
    """1. After the Guardian accepted the return for the PLACED marker, copy the heap page
    from the user with the slot just resumed (USER_READ; copy_from_user without a
    Guardian)."""
    @adv.on(Point.AFTER_RESUME, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        a.observe(a.kernel.uaccess.read(a.layout.heap, 4096), "copy_from_user after RESUME")
