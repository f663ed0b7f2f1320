"""An exec is not a launch: the kernel cannot pass a confidential program's exec off as the
user's launch to escape the binding of its argv.

CREATE_DOMAIN names the execve an image serves (exec_slot), and the Guardian holds the new
initial stack to the argv and envp that program passed (`create.exec_args`, RV-020).  An
image that names none is the user's launch, whose command line came to the Guardian on the
user's own path: it starts once, with exactly that (`create.launch_args`).
"""

from __future__ import annotations

from abi import Call
from attacks.adversary import Adversary
from attacks.families.redteam_r6 import NR_EXECVE, P_EXEC, THREADS, _exec_args
from attacks.hooks import Point
from attacks.scenario import Goal, scenario

MU = "mu"


@scenario(id="MU-016", title="Serve a program's exec with other arguments, as if it were the "
          "user's launch", family=MU, goal=Goal.TAMPER, rules=("G-EXEC-ARGS",),
          oracle=_exec_args, program=THREADS,
          prop="An image a confidential program execs runs with the arguments that program "
               "passed; calling it a fresh launch does not free the kernel to choose others "
               "(the launch is the user's, once).")
def mu_exec_as_launch(adv: Adversary) -> None:
    """1. The program's vfork child calls execve(self, {self, "-x", NULL}, {NULL}).
    2. The kernel dispatches it with argv one word further on, so the new image sees no -x.
    3. Its CREATE_DOMAIN names no execve (exec_slot 0), as the user's launch would: the
    image starts with argv the program never passed, and runs its whole secret-keeping
    run instead of the -x announcement."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXECVE, during=P_EXEC, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        argv = a.reg("x1")
        a.note(f"execve argv {argv:#x} -> {argv + 8:#x}")
        a.set_reg("x1", argv + 8)

    @adv.on(Point.HVC, once=False, init_only=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes
          ) -> tuple[tuple[int, ...], bytes] | None:
        if call != Call.CREATE_DOMAIN or len(args) < 4 or not args[3]:
            return None
        a.note(f"CREATE_DOMAIN's exec_slot {args[3]} -> 0 (a launch)")
        return (*args[:3], 0), payload
