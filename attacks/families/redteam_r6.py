"""Red-team round six: EL1 controls of EL0, odd ways back, and Iago results.

Each scenario holds only the kernel's powers (its EL1 face of the CPU, its own
syscall dispatch and scheduler, the Guardian's calls).  Where an attack still
gets through with the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

from abi import Call
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_OFF, Phase
from emulator import sysregs as S

RT = "rt6"
NR_CLONE = 220
NR_KILL = 129
NR_MMAP = 222
NR_MREMAP = 216
NR_WAIT4 = 260
SCTLR_E0E = 1 << 24           # EL0 data accesses big-endian
SCTLR_UMA = 1 << 9            # EL0 may write PSTATE.{D,A,I,F}
# The EL1 registers the kernel writes with MSR whose fields EL0 code depends on, by
# encoding (op0=3, op1=0, CRn, CRm, op2 in the model's (crn, crm, op0, op1, op2) order).


def _hit_oracle(key: str, what: str):  # noqa: ANN202 - an oracle
    def oracle(out: Outcome) -> list[str]:
        return [f"{what} ({v:#x})" for v in sorted(out.hits.get(key, set()))]
    return oracle


# --- RV-001..RV-003: EL1 registers whose fields EL0 code depends on ------------------------

def _el0_bit(bit: int, name: str):  # noqa: ANN202 - an oracle
    """The referee's own record of SCTLR_EL1 each time user code was about to run."""
    def oracle(out: Outcome) -> list[str]:
        return [f"user code ran with {name} set (SCTLR_EL1 EL0 bits {seen[0]:#x})"
                for seen in out.el0_config if seen[0] & bit and not out.boot_config[0] & bit][:1]
    return oracle


def _sample_after(adv: Adversary, reg: S.SysReg, name: str, value_of, mask: int) -> None:  # noqa: ANN001
    """Write `reg` while serving PLACED and before the way back; at the next system calls
    read it back: if it still holds the kernel's value, user code ran with it."""
    @adv.on(Point.SYSCALL_EXIT, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        value = value_of(a)
        a.memo[name] = value & mask
        a.el1.msr(reg, value)
        a.note(f"{name} written {value:#x}, reads back {a.el1.mrs(reg):#x}")

    @adv.on(Point.BEFORE_RESUME, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        a.el1.msr(reg, value_of(a))

    @adv.on(Point.SYSCALL_ENTRY, during=Phase.ARGS)
    def _(a: Adversary, **_: object) -> None:
        seen = a.el1.mrs(reg) & mask
        a.note(f"{name} at the next system call: {seen:#x}")
        if seen == a.memo.get(name):
            a.hit(name, seen)


@scenario(id="RV-001", title="Run the program with big-endian EL0 data accesses (SCTLR.E0E)",
          family=RT, goal=Goal.TAMPER, rules=("G-EL0-SYSREGS",),
          oracle=_el0_bit(SCTLR_E0E, "SCTLR_EL1.E0E"),
          silent="the Guardian installs its own SCTLR_EL1 EL0 bits at every return",
          prop="SCTLR_EL1.E0E (the byte order of every EL0 load and store) is the "
               "Guardian's while confidential code runs.")
def rv_e0e(adv: Adversary) -> None:
    """1. While serving the PLACED marker, set SCTLR_EL1.E0E: every load and store of
    user code now swaps its bytes (pointers, counters, the secret's copies).
    2. At the next system call, read it back: user code ran big-endian."""
    _sample_after(adv, S.SCTLR_EL1, "SCTLR_EL1.E0E",
                  lambda a: a.el1.mrs(S.SCTLR_EL1) | SCTLR_E0E, SCTLR_E0E)


@scenario(id="RV-002", title="Let user code mask interrupts (SCTLR.UMA)",
          family=RT, goal=Goal.TAMPER, rules=("G-EL0-SYSREGS",),
          oracle=_el0_bit(SCTLR_UMA, "SCTLR_EL1.UMA"),
          silent="the Guardian installs its own SCTLR_EL1 EL0 bits at every return",
          prop="SCTLR_EL1.UMA (whether MSR DAIF at EL0 traps) is the Guardian's while "
               "confidential code runs.")
def rv_uma(adv: Adversary) -> None:
    """1. While serving the PLACED marker, set SCTLR_EL1.UMA (an EL0 MSR DAIFSet no longer
    traps: instructions the program expects to fault now run).
    2. At the next system call, read it back."""
    _sample_after(adv, S.SCTLR_EL1, "SCTLR_EL1.UMA",
                  lambda a: a.el1.mrs(S.SCTLR_EL1) | SCTLR_UMA, SCTLR_UMA)


T0SZ_MASK = 0x3F


@scenario(id="RV-003", title="Shrink the user half under the program (TCR_EL1.T0SZ)",
          family=RT, goal=Goal.TAMPER, rules=("G-EL0-SYSREGS",),
          oracle=_hit_oracle("TCR_EL1.T0SZ", "user code ran with the kernel's TCR_EL1.T0SZ"),
          silent="the Guardian installs its own TCR_EL1 at every return",
          prop="TCR_EL1.T0SZ (the size of the user half, and so the level a walk of the "
               "program's tree starts at) is the Guardian's while confidential code runs.")
def rv_t0sz(adv: Adversary) -> None:
    """1. While serving the PLACED marker, write TCR_EL1.T0SZ = 25: the walk of the
    program's tree now starts at level 1, treating its root as a level-1 table (every
    translation of user code changes).
    2. At the next system call, read it back."""
    _sample_after(adv, S.TCR_EL1, "TCR_EL1.T0SZ",
                  lambda a: (a.el1.mrs(S.TCR_EL1) & ~T0SZ_MASK) | 25, T0SZ_MASK)


# --- threads: per-thread signal state (the secret_threads program) -------------------------

THREADS = "secret_threads"
NR_TGKILL = 131
P_ALTSTACKS, P_A_SIGNAL, P_HANDLER, P_B_SIGNAL, P_B_BACK, P_A_BACK = 30, 31, 32, 33, 34, 35
SS_ONSTACK = 1


def _altstacks(adv: Adversary) -> None:
    """Learn the two threads' alternate stacks (and A's tid) from the program's markers."""
    @adv.on(Point.MARKER, phase=P_ALTSTACKS)
    def _(a: Adversary, args: tuple[int, ...], thread: object, **_: object) -> None:
        a.memo["alt-a"], a.memo["alt-b"], a.memo["alt-size"] = args[:3]
        a.memo["tid-a"] = thread.tid  # type: ignore[attr-defined]


def _cross_stack(out: Outcome) -> list[str]:
    """Which thread's handler ran on which thread's alternate stack, and where each thread
    came back (from the markers the harness recorded)."""
    found = []
    alt = next((m.args for m in out.markers if m.phase == P_ALTSTACKS), None)
    tid_a = next((m.tid for m in out.markers if m.phase == P_A_SIGNAL), None)
    tid_b = next((m.tid for m in out.markers if m.phase == P_B_SIGNAL), None)
    if alt is None:
        return found
    a_lo, size = alt[0], alt[2]
    for m in out.markers:
        if m.phase == P_HANDLER and m.tid == tid_b and a_lo <= m.args[1] < a_lo + size:
            found.append(f"thread {m.tid}'s SIGUSR1 handler ran on thread {tid_a}'s alternate "
                         "stack, under the frame of the handler that thread was still in")
    for m in out.markers:
        if m.phase == P_B_BACK and m.tid != tid_b:
            found.append(f"thread {m.tid} came back from its signal handler at thread "
                         f"{tid_b}'s tgkill() (it resumed another thread's context)")
        if m.phase == P_A_BACK and m.tid != tid_a:
            found.append(f"thread {m.tid} came back at thread {tid_a}'s tgkill()")
    return found


@scenario(id="RV-004", title="Deliver thread B's signal onto thread A's live alternate stack",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME", "G-SIGRETURN"),
          oracle=_cross_stack, program=THREADS, gap="P5",
          prop="A signal frame goes on the alternate stack of the thread it is delivered to "
               "(its own sigaltstack), never on another thread's, where that thread's own "
               "handler frame may be live.")
def rv_cross_thread_altstack(adv: Adversary) -> None:
    """1. Thread A is inside its SIGUSR1 handler on its own alternate stack, blocked in a
    read(); its signal frame (its interrupted context) sits at the top of that stack.
    2. Thread B sends itself SIGUSR1.  The kernel delivers it naming A's alternate stack
    as B's (ss_sp, ss_size, not on it): B's frame is written over A's live frame and B's
    handler runs below it, over A's handler's own stack frames.
    3. When A's handler returns, rt_sigreturn reads B's frame: thread A resumes B's
    context (B's stack, B's PC after its tgkill), two threads now run one context."""
    _altstacks(adv)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_TGKILL, during=P_B_SIGNAL)
    def _(a: Adversary, thread: object, **_: object) -> None:
        alt = (a.memo["alt-a"], 0, a.memo["alt-size"])
        a.note(f"thread {thread.tid}'s alternate stack {thread.altstack} "  # type: ignore[attr-defined]
               f"replaced by thread A's {alt[0]:#x}")
        thread.altstack = alt  # type: ignore[attr-defined]


# Keep the imports the later scenarios share in use even before they exist.
_UNUSED = (Call, NR_CLONE, NR_KILL, NR_MMAP, NR_MREMAP, NR_WAIT4)
