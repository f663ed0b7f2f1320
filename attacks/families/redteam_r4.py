"""Red-team round four: EL0 thread state and clone flags the program never asked for.

Each scenario holds only the kernel's powers (its EL1 face of the CPU, its own
syscall dispatch and scheduler, the Guardian's calls).  Where an attack still
gets through with the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_OFF, Phase

RT = "rt4"
NR_CLONE = 220
SIGCHLD = 17
CLONE_VM = 0x100
CLONE_PARENT_SETTID = 0x100000
# Unicorn's register ids of the two EL0 registers the kernel can load with MSR/a context
# restore: the user thread pointer and the floating-point control register.
REG_TPIDR_EL0 = 262
REG_FPCR = 291
PLANTED_TPIDR_OFF = 0x7C0                   # a thread pointer inside the heap page
PLANTED_FPCR = 0x03C0_0000                  # DN | FZ | RMode = round towards zero
LATER = (Phase.ARGS, Phase.WRITE, Phase.IOCTL, Phase.OPEN, Phase.FAULT)


def _planted(key: str, what: str):  # noqa: ANN202 - an oracle
    def oracle(out: Outcome) -> list[str]:
        want = out.hits.get(f"{key}-planted", set())
        seen = out.hits.get(f"{key}-seen", set())
        return [f"user code ran with the kernel's {what} {v:#x}" for v in sorted(want & seen)]
    return oracle


def _plant_el0_reg(adv: Adversary, key: str, reg_id: int, value_of) -> None:  # noqa: ANN001
    """Plant `reg_id` while serving the PLACED marker; sample it at the next traps."""
    @adv.on(Point.SYSCALL_EXIT, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        value = value_of(a)
        a.el1.set_reg(reg_id, value)
        a.hit(f"{key}-planted", value)
        a.note(f"{key} planted {value:#x}, reads back {a.el1.reg(reg_id):#x}")

    @adv.on(Point.SYSCALL_ENTRY, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.phase in LATER:
            a.hit(f"{key}-seen", a.el1.reg(reg_id))


@scenario(id="RZ-001", title="Return to the program with a thread pointer of the kernel's",
          family=RT, goal=Goal.TAMPER, rules=("G-RESUME-CONTEXT", "G-EL0-SYSREGS"),
          oracle=_planted("tpidr", "TPIDR_EL0"),
          silent="the Guardian restores the saved TPIDR_EL0 at every return",
          prop="TPIDR_EL0 (the program's thread pointer: TLS, errno, its thread descriptor) "
               "is part of the saved context; the kernel cannot change it on a way back.")
def rz_tpidr(adv: Adversary) -> None:
    """1. While serving the PLACED marker, load TPIDR_EL0 with an address inside the
    program's heap page (a libc then keeps its thread descriptor there: errno and tid
    stores land on the secret).
    2. At the following system calls, sample TPIDR_EL0: user code ran with it."""
    _plant_el0_reg(adv, "tpidr", REG_TPIDR_EL0, lambda a: a.layout.heap + PLANTED_TPIDR_OFF)


@scenario(id="RZ-002", title="Return to the program with the kernel's FPCR rounding mode",
          family=RT, goal=Goal.TAMPER, rules=("G-RESUME-CONTEXT", "G-EL0-SYSREGS"),
          oracle=_planted("fpcr", "FPCR"),
          silent="the Guardian restores the saved FPCR at every return",
          prop="FPCR (rounding mode, flush-to-zero, default NaN) is part of the saved "
               "context; the kernel cannot change the program's arithmetic on a way back.")
def rz_fpcr(adv: Adversary) -> None:
    """1. While serving the PLACED marker, set FPCR to round towards zero with
    flush-to-zero and default-NaN (every later floating-point result of the program
    changes).
    2. At the following system calls, sample FPCR: user code ran with it."""
    _plant_el0_reg(adv, "fpcr", REG_FPCR, lambda a: PLANTED_FPCR)


def _child_on_parent_tree(out: Outcome) -> list[str]:
    return ["the forked child ran inside its parent's address space (a CLONE_VM the "
            "program never asked for)"] if out.hits.get("vm-shared") else []


@scenario(id="RZ-003", title="Serve the program's fork() as clone(CLONE_VM)",
          family=RT, goal=Goal.TAMPER, rules=("G-FORK-SLOT", "G-FORK-FLAGS"),
          oracle=_child_on_parent_tree,
          prop="The clone flags that decide whether a child shares its parent's memory are "
               "the program's (its saved x0), not the kernel's.")
def rz_fork_as_vm(adv: Adversary) -> None:
    """1. At the program's clone() (fork: flags SIGCHLD, stack 0), rewrite the flags the
    kernel dispatches on to CLONE_VM | SIGCHLD before serving the call.
    2. The kernel's clone path asks the Guardian to join the child to the parent's own
    tree (FORK_DOMAIN with root 0 and CLONE_VM).
    3. The child runs on the parent's stack in the parent's memory: every store it makes
    (its libc's tid store, its stack frames) lands in the parent."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        a.note(f"clone flags {a.reg('x0'):#x}")
        a.set_reg("x0", CLONE_VM | SIGCHLD)

    @adv.on(Point.MARKER, phase=Phase.CHILD, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        proc = thread.process  # type: ignore[attr-defined]
        if proc is not a.init and proc.mm is a.init.mm:
            a.hit("vm-shared", 1)
            a.note(f"child pid {proc.pid} runs on the parent's tree {a.mm.tables.root:#x}")


@scenario(id="RZ-004", title="Add CLONE_PARENT_SETTID to fork(), aimed at the heap secret",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP", "G-FORK-FLAGS"),
          prop="A clone's user writes (parent/child tid) go only where the program's own "
               "clone arguments point, and only when its flags ask for them.")
def rz_parent_settid(adv: Adversary) -> None:
    """1. At the program's fork clone(), rewrite the dispatched flags to add
    CLONE_PARENT_SETTID and the parent_tid argument (x2) to the heap secret's address.
    2. The kernel's clone path then stores the child's tid (a value it picks) over the
    first word of the secret through copy_to_user."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.reg("x0") | CLONE_PARENT_SETTID)
        a.set_reg("x2", a.layout.heap + SECRET_OFF)
