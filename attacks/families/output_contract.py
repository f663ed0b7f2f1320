"""The output contract as an allow-list: a command nobody stated the output of.

`secret_commands` (workloads/src/secret_commands.c) ends with two calls whose success
means Linux filled a structure in a scratch area that held copies of the secret, which
the program then logs to /dev/null: an ioctl request (TIOCGLCKTRMIOS, a number without
an _IOC size) and a keyctl operation (KEYCTL_PKEY_QUERY).  Neither has a row in
abi/outputs: the kernel model answers both with an error.  A kernel that answers
success and writes nothing would pass the buffer's old bytes off as the answer; the
Guardian refuses any success of a command the contract has no row for
(`return.no_contract`).  Each scenario holds only the kernel's powers (its own syscall
dispatch and the result it returns).
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, documented, scenario

OC = "output-contract"
COMMANDS = "secret_commands"
NR_GETPID = NUMBERS["getpid"]
P_LOCKTERMIOS, P_PKEYQUERY = 566, 568


def _answered_unwritten(*, id: str, call: str, what: str, size: int,  # noqa: A002
                        phase: int) -> None:
    """Register one scenario: `call(what)` served as getpid() and answered 0."""
    nr = NUMBERS[call]

    def steps(adv: Adversary) -> None:
        @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
        def _(a: Adversary, **_: object) -> None:
            a.set_reg("x8", NR_GETPID)

        @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
        def _(a: Adversary, **_: object) -> None:
            a.set_reg("x8", nr)
            a.set_reg("x0", 0)
            a.note(f"{call}({what}) answered 0 with nothing written")

    doc = (f"1. The program's scratch area holds copies of the secret; it calls {call}({what}) "
           f"with the output there and sends the {size} bytes the call fills in to /dev/null.\n"
           f"2. Serve the call as getpid() (nothing is written) and answer 0.\n"
           f"3. The record the program sends is the secret's copy left in its buffer.")
    scenario(id=id, title=f"Answer {call}({what}), a command with no stated output, with "
                          "success and write nothing",
             family=OC, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=COMMANDS,
             prop=f"{call}({what}) has no row in the output contract: only an error is "
                  "answered, never a success that leaves the program's buffer as it was."
             )(documented(steps, doc))


_answered_unwritten(id="OC-001", call="ioctl", what="TIOCGLCKTRMIOS", size=36,
                    phase=P_LOCKTERMIOS)
_answered_unwritten(id="OC-002", call="keyctl", what="KEYCTL_PKEY_QUERY", size=16,
                    phase=P_PKEYQUERY)
