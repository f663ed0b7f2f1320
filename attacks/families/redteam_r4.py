"""Red-team round four: EL0 thread state and clone flags the program never asked for.

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
from emulator import descriptors as D
from kernel_model.syscalls.proc import CTX_TPIDR

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
CTX_FPCR = CTX_TPIDR + 1                    # the kernel's saved-context slot after TPIDR
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
          family=RT, goal=Goal.TAMPER, rules=("G-RESUME-CONTEXT", "G-RETURN-PATHS"),
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
          family=RT, goal=Goal.TAMPER, rules=("G-RESUME-CONTEXT", "G-RETURN-PATHS"),
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
          family=RT, goal=Goal.TAMPER, rules=("G-FORK-CONTEXT", "G-CLONE-ONCE"),
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
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP",),
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


NR_RT_SIGRETURN = 139
REG_PC = 260


def _rewound(out: Outcome) -> list[str]:
    return [f"user code resumed one instruction early after {what} (ELR {elr:#x})"
            for what, key in (("a timer interrupt", "irq"), ("a page fault", "fault"))
            for elr in sorted(out.hits.get(f"rewound-{key}", set()))]


def _rewind_after(adv: Adversary, point: Point, during: Phase, key: str) -> None:
    """After `point` (an interrupt or a fault, not a system call) return to ELR-4."""
    @adv.on(point, during=during)
    def _(a: Adversary, **_: object) -> None:
        pc = a.reg("pc")
        if not a.guarded:
            a.set_reg("pc", pc - 4)          # the kernel's own eret
            a.hit(f"rewound-{key}", pc - 4)
            return
        a.memo["rewind"] = key
        a.note(f"{key}: the kernel's ELR is {pc:#x}")

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes, **_: object):  # noqa: ANN202
        if call != Call.RESUME or a.memo.get("rewind") != key:
            return None
        slot, result, elr = args
        a.memo["rewind"] = ""
        a.memo["rewound"] = (key, elr - 4)
        a.note(f"RESUME slot {slot} with ELR {elr:#x} - 4")
        return (slot, result, elr - 4), payload

    @adv.on(Point.AFTER_RESUME, once=False)
    def _(a: Adversary, **_: object) -> None:
        done = a.memo.pop("rewound", None)
        if done is not None:
            a.hit(f"rewound-{done[0]}", done[1])


@scenario(id="RZ-005", title="Resume after a timer interrupt one instruction early",
          family=RT, goal=Goal.TAMPER, rules=("G-RESUME-ELR",), oracle=_rewound,
          timing="exact",
          prop="ELR-4 (a restart) is accepted only for a restartable system call; an "
               "interrupted context resumes exactly where it was interrupted.")
def rz_irq_rewind(adv: Adversary) -> None:
    """1. A timer interrupt lands in the program's SPIN loop (the secret in x19-x22).
    2. The kernel returns to it with ELR - 4: the instruction before the interrupted one
    runs a second time (a decrement, a store, an add: the program's control flow and
    data change)."""
    _rewind_after(adv, Point.IRQ, Phase.SPIN, "irq")


@scenario(id="RZ-006", title="Resume after a page fault one instruction early",
          family=RT, goal=Goal.TAMPER, rules=("G-RESUME-ELR",), oracle=_rewound,
          prop="ELR-4 (a restart) is accepted only for a restartable system call; a faulting "
               "instruction is retried, never the one before it.")
def rz_fault_rewind(adv: Adversary) -> None:
    """1. The program's load from its untouched page faults (FAULT phase); the kernel
    pages it in.
    2. It returns with ELR - 4: the instruction before the faulting load runs twice."""
    _rewind_after(adv, Point.FAULT, Phase.FAULT, "fault")


def _plant_both(a: Adversary, tag: str) -> None:
    a.el1.set_reg(REG_TPIDR_EL0, a.layout.heap + PLANTED_TPIDR_OFF)
    a.el1.set_reg(REG_FPCR, PLANTED_FPCR)
    a.hit("tpidr-planted", a.layout.heap + PLANTED_TPIDR_OFF)
    a.hit("fpcr-planted", PLANTED_FPCR)
    a.note(f"planted TPIDR_EL0/FPCR before {tag}")


def _sample_both(a: Adversary) -> None:
    a.hit("tpidr-seen", a.el1.reg(REG_TPIDR_EL0))
    a.hit("fpcr-seen", a.el1.reg(REG_FPCR))


def _both(out: Outcome) -> list[str]:
    return _planted("tpidr", "TPIDR_EL0")(out) + _planted("fpcr", "FPCR")(out)


@scenario(id="RZ-007", title="Enter the SIGUSR1 handler with the kernel's TPIDR_EL0 and FPCR",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME", "G-RETURN-PATHS"),
          oracle=_both, silent="the handler starts from the saved context's TPIDR_EL0/FPCR",
          prop="A signal handler starts with the interrupted context's thread pointer and FP "
               "control, the same as any other way back to user code.")
def rz_signal_el0_state(adv: Adversary) -> None:
    """1. When the kernel delivers the SIGUSR1 that kill() raised, it loads TPIDR_EL0
    (an address in the heap page) and FPCR (round towards zero, flush-to-zero) just
    before it asks for the signal frame, and again before the return.
    2. At the handler's rt_sigreturn it samples both: the handler ran with them."""
    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, **_: object) -> None:
        if a.phase == Phase.SIGNAL and call in (Call.SIGNAL, Call.RESUME) \
                and not a.memo.get("sig-sampled"):
            _plant_both(a, call.name if isinstance(call, Call) else hex(call))

    @adv.on(Point.SIGNAL_DELIVERED)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            _plant_both(a, "the kernel's signal frame")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RT_SIGRETURN)
    def _(a: Adversary, **_: object) -> None:
        a.memo["sig-sampled"] = True
        _sample_both(a)


@scenario(id="RZ-008", title="Start the forked child with the kernel's TPIDR_EL0 and FPCR",
          family=RT, goal=Goal.TAMPER, rules=("G-FORK-CONTEXT", "G-RETURN-PATHS"),
          oracle=_both, silent="the child's context is derived from the parent's saved one",
          prop="A forked child starts with its parent's thread pointer and FP control (or "
               "the TLS its own clone asked for), never values of the kernel's.")
def rz_child_el0_state(adv: Adversary) -> None:
    """1. Around the program's fork (FORK_DOMAIN, and in the child's saved context the
    kernel keeps), load TPIDR_EL0 with an address in the heap page and FPCR with round
    towards zero; do it again before the child's first return.
    2. At the child's first system call, sample both: the child ran with them."""
    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, **_: object) -> None:
        if call == Call.FORK_DOMAIN:
            _plant_both(a, "FORK_DOMAIN")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        for proc in list(a.kernel.processes.values()):
            if proc.parent is a.init and proc is not a.init:
                for t in proc.threads:
                    t.context.set(CTX_TPIDR, a.layout.heap + PLANTED_TPIDR_OFF)
                    t.context.set(CTX_FPCR, PLANTED_FPCR)
                    a.memo["child"] = t.tid
        _plant_both(a, "the child's saved context")

    @adv.on(Point.BEFORE_RESUME, once=False, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread.tid == a.memo.get("child"):  # type: ignore[attr-defined]
            _plant_both(a, "the child's first return")

    @adv.on(Point.SYSCALL_ENTRY, once=False, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread.tid == a.memo.get("child"):  # type: ignore[attr-defined]
            _sample_both(a)


NR_SIGALTSTACK = 132
CLONE_THREAD = 0x10000
EINVAL, EAGAIN = 22, 11
# The C library keeps errno at TPIDR_EL0 + 0x28 (initial-exec TLS) and stores a failed
# call's error number there; a thread pointer 0x28 below the heap secret aims that store.
ERRNO_TLS_OFF = 0x28


def _errno_tp(a: Adversary) -> int:
    return a.layout.heap + SECRET_OFF - ERRNO_TLS_OFF


def _fail(adv: Adversary, nr: int, during: Phase, err: int) -> None:
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", -err & (1 << 64) - 1)
        a.note(f"syscall {nr} answered -{err}")


@scenario(id="RZ-009", title="Fail sigaltstack() with a thread pointer aimed at the secret",
          family=RT, goal=Goal.TAMPER, rules=("G-RESUME-CONTEXT", "G-RETURN-PATHS"),
          silent="the Guardian restores the saved TPIDR_EL0 at every return",
          prop="TPIDR_EL0 is part of the saved context: an error result (within the call's "
               "contract) cannot become a store of the kernel's choosing through errno.")
def rz_errno_strike(adv: Adversary) -> None:
    """1. Answer the program's sigaltstack() with -EINVAL (a result within its contract)
    and, on the same way back, load TPIDR_EL0 with the heap secret's address - 0x28.
    2. The C library's error path stores errno (22) at TPIDR_EL0 + 0x28: over the first
    word of the heap copy of the secret."""
    _fail(adv, NR_SIGALTSTACK, Phase.FRESH_DONE, EINVAL)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_SIGALTSTACK, during=Phase.FRESH_DONE)
    def _(a: Adversary, **_: object) -> None:
        a.el1.set_reg(REG_TPIDR_EL0, _errno_tp(a))

    @adv.on(Point.BEFORE_RESUME, during=Phase.FRESH_DONE, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.el1.set_reg(REG_TPIDR_EL0, _errno_tp(a))


@scenario(id="RZ-010", title="Plant a thread pointer at signal delivery, then fail fork()",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGRETURN", "G-RETURN-PATHS"),
          silent="the handler and sigreturn keep the saved TPIDR_EL0",
          prop="Signal delivery and sigreturn keep the program's own TPIDR_EL0: a thread "
               "pointer loaded by the kernel around a signal never reaches user code.")
def rz_signal_errno_strike(adv: Adversary) -> None:
    """1. Around the delivery of the SIGUSR1 that kill() raised (the signal frame call
    and the return into the handler), load TPIDR_EL0 with the heap secret's address -
    0x28.
    2. Make the program's fork() clone fail with -EINVAL and no child (the kernel
    dispatches it with invalid flags; a failed fork is within its contract): the C
    library stores errno (22) at TPIDR_EL0 + 0x28, over the heap secret, if the planted
    thread pointer survived the handler and its sigreturn."""
    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, **_: object) -> None:
        if a.phase == Phase.SIGNAL and call in (Call.SIGNAL, Call.RESUME):
            a.el1.set_reg(REG_TPIDR_EL0, _errno_tp(a))

    @adv.on(Point.SIGNAL_DELIVERED)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            a.el1.set_reg(REG_TPIDR_EL0, _errno_tp(a))

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        # Dispatch the call as an invalid clone (CLONE_THREAD without CLONE_SIGHAND): the
        # kernel's clone path answers -EINVAL before any child exists.
        a.set_reg("x0", CLONE_THREAD | SIGCHLD)


PREMAP_VA = 0x7F00_0000_0000              # a page no area of the program covers
USER_RW = D.PagePerms(user=True, write=True, user_exec=False)


def _premap(a: Adversary, root: int) -> int:
    """Map a kernel frame, filled by the kernel, at PREMAP_VA in the tree under `root`."""
    w = a.kernel.writer
    frame = a.alloc_frame()
    a.write_lm(frame, b"kernel-chosen bytes!" * 8)
    table = root
    for level in (0, 1, 2):
        idx = D.level_index(PREMAP_VA, level)
        desc = a.el1.read_u64(a.lm(table) + 8 * idx)
        if not desc & D.VALID:
            nxt = w.alloc_table(level + 1)
            w.write_entry(table, idx, D.table_descriptor(nxt))
            table = nxt
        else:
            table = desc & D.ADDR_MASK
    w.write_entry(table, D.level_index(PREMAP_VA, 3), D.leaf_descriptor(frame, USER_RW))
    a.memo["premap"] = (root, frame)
    a.note(f"kernel frame {frame:#x} mapped at {PREMAP_VA:#x} in tree {root:#x}")
    return frame


def _premapped(out: Outcome) -> list[str]:
    return ["a frame the kernel still writes through its linear map is mapped in the "
            "forked child's confidential tree"] if out.hits.get("premapped") else []


@scenario(id="RZ-011", title="Hand FORK_DOMAIN a child root that already maps a kernel frame",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ALL", "G-CONF-EXCLUSIVE",
                                              "G-FORK-CONTEXT"),
          oracle=_premapped,
          prop="A tree joins a domain at fork only empty (or every frame it already maps "
               "joins the domain measured and leaves the kernel's linear map).")
def rz_fork_premapped_root(adv: Adversary) -> None:
    """1. When the kernel's fork path asks FORK_DOMAIN to admit the child's new root, it
    has first linked into that root a path to a frame of its own, filled with bytes of
    its choosing and mapped user-writable at a free address.
    2. After fork, it checks that the child's tree still maps that frame and that its
    linear map still writes it: kernel-controlled memory inside the confidential
    domain, outside every measurement."""
    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], **_: object) -> None:
        if call == Call.FORK_DOMAIN and args and args[0] and "premap" not in a.memo:
            _premap(a, args[0])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        if "premap" not in a.memo and not a.guarded:
            for proc in list(a.kernel.processes.values()):
                if proc.parent is a.init and proc is not a.init:
                    _premap(a, proc.mm.tables.root)
        if "premap" not in a.memo:
            return
        root, frame = a.memo["premap"]
        if not any(proc.mm.tables.root == root for proc in list(a.kernel.processes.values())
                   if proc.parent is a.init and proc is not a.init):
            a.note("no child runs on that tree (the fork failed)")
            return
        mapped = a.pa_of(PREMAP_VA, root)
        a.note(f"child tree maps {PREMAP_VA:#x} -> {mapped}")
        if mapped != frame:
            return
        a.write_lm(frame, b"rewritten by the kernel after fork")
        if a.read_lm(frame, 8) == b"rewritten"[:8]:
            a.hit("premapped", 1)


def _parent_on_child_tree(out: Outcome) -> list[str]:
    return ["the parent's context ran on its forked child's address space"] \
        if out.hits.get("parent-on-child") else []


@scenario(id="RZ-012", title="Resume the parent's context on its child's address space",
          family=RT, goal=Goal.TAMPER, rules=("G-RESUME-DOMAIN", "G-FORK-CONTEXT",
                                              "G-RETURN-PATHS"),
          oracle=_parent_on_child_tree,
          prop="A saved context resumes only on the address space it was saved in, not on "
               "another tree of the same domain (a forked child's).")
def rz_parent_on_child(adv: Adversary) -> None:
    """1. After serving the parent's fork clone(), the kernel switches TTBR0 to the child's
    tree (same domain: the child joined it at fork) instead of the parent's.
    2. It returns to the parent's saved context there: the parent runs on the child's
    memory (the child's stack and data from then on), and its stores land in the child."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        for proc in list(a.kernel.processes.values()):
            if proc.parent is a.init and proc is not a.init:
                a.memo["child-mm"] = proc.mm

    @adv.on(Point.BEFORE_RESUME, during=Phase.FORK, once=False)
    def _(a: Adversary, **_: object) -> None:
        mm = a.memo.pop("child-mm", None)
        if mm is None:
            return
        a.kernel.switch_mm(mm)
        a.memo["switched"] = mm.tables.root
        a.note(f"the parent returns on the child's tree {mm.tables.root:#x}")

    @adv.on(Point.AFTER_RESUME, during=Phase.FORK, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.pop("switched", None) is not None:
            a.hit("parent-on-child", 1)
