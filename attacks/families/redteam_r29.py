"""Red-team round twenty-nine: the CPU state a program sees beyond its general registers.

While it serves a call, delivers a signal or makes a fork child, the kernel holds a
thread's FP/SIMD registers, FPCR, FPSR, TPIDR_EL0 and flags (in its saved context and in
the live CPU, which it may write with MSR).  Linux keeps them the program's: across a
call (QL-001..QL-004, QL-006), into a signal handler (QL-007, QL-008) and into a fork
child (QL-009..QL-011); and a load/store-exclusive pair with a call inside its retry loop
stores only what the program computed from what it loaded (QL-005).  The capabilities
a program reads to pick a code path agree wherever Linux tells them: AT_HWCAP/AT_HWCAP2,
/proc/cpuinfo's Features line (QL-012) and the per-feature prctl options (QL-013..QL-019).

The victim is `secret_r29_cpu` (workloads/src/secret_r29_cpu.c): each step announces
itself with a marker and turns one value into the index of a public label in a log buffer
that begins with a copy of the secret, then writes that label to /dev/null.  Each
docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from abi.hwcaps import HWCAP2_NAMES, HWCAP_NAMES
from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.fork import newest_child
from attacks.families.registers import RESTORED
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from emulator import sysregs as S

RT = "redteam_r29"
CPU = "secret_r29_cpu"
# secret_r29_cpu: the marker before each step; the marker after its write is + 1.
P_FP_PROBE, P_FPCR, P_TPIDR, P_NZCV, P_TRAP_RUN = 2900, 2902, 2904, 2906, 2908
P_VREG, P_EXCLUSIVE, P_FP_DIV, P_FPSR, P_HANDLER, P_FORK = 2910, 2912, 2914, 2916, 2918, 2920
P_CPUINFO, P_SVE_VL, P_SME_VL, P_PAC_KEYS, P_TAG_CTRL = 2922, 2926, 2928, 2930, 2932
P_SPEC_CTRL, P_SVE_SET, P_TAG_SET = 2934, 2936, 2938
NR_PRCTL = NUMBERS["prctl"]
NR_READ = NUMBERS["read"]
NR_CLONE = NUMBERS["clone"]
NR_GETPPID = NUMBERS["getppid"]
# Where a saved user context (the kernel's own copy) keeps TPIDR_EL0, FPCR, FPSR and q0.
CTX_TPIDR, CTX_FPCR, CTX_FPSR, CTX_Q0 = 34, 35, 36, 37
# System registers as (CRn, CRm, op0, op1, op2).
FPCR = (4, 4, 3, 3, 0)
TPIDR_EL0 = (13, 0, 3, 3, 2)
FPCR_RZ = 3 << 22
NZCV_Z = 1 << 30
VPATTERN = 0x5A5A5A5A12345678
TLS_MARK = 0x7EAD0000


def _marker_exit(adv: Adversary, during: int):  # type: ignore[no-untyped-def]
    """Decorator: run as the kernel returns from the marker call `during`."""
    def deco(fn):  # type: ignore[no-untyped-def]
        @adv.on(Point.BEFORE_RESUME, during=during)  # type: ignore[arg-type]
        def run(a: Adversary, **_: object) -> None:
            fn(a)
            a.note(f"changed on the return from marker {during}")
        return fn
    return deco


# --- user state the kernel sees during a call ---------------------------------------------------
@scenario(id="QL-001", title="Change FPCR (the rounding mode) while serving a call",
          family=RT, goal=Goal.LEAK, rules=("G-RESUME-CONTEXT",), program=CPU, silent=RESTORED,
          prop="A thread's FPCR is its own across a system call.")
def ql_fpcr(adv: Adversary) -> None:
    """1. The program sets FPCR to round-towards-zero and makes a call (its marker).
    2. The kernel writes FPCR = 0 (round to nearest) for the thread.
    3. The program reads FPCR back 3 << 22 lower and logs bytes 0..7 of the secret.
    Linux saves and restores FPCR with the thread's FP state; a call never changes it."""
    @_marker_exit(adv, P_FPCR)
    def _(a: Adversary, **_: object) -> None:
        ctx = a.el1.new_context()
        a.el1.save_context(ctx)
        ctx.set(CTX_FPCR, ctx.get(CTX_FPCR) & ~FPCR_RZ)
        a.el1.restore_context(ctx)
        a.el1.msr(FPCR, 0)


@scenario(id="QL-002", title="Change TPIDR_EL0 (the thread pointer) while serving a call",
          family=RT, goal=Goal.LEAK, rules=("G-RESUME-CONTEXT",), program=CPU, silent=RESTORED,
          prop="A thread's TPIDR_EL0 is its own across a system call.")
def ql_tpidr(adv: Adversary) -> None:
    """1. The program sets TPIDR_EL0 to a known value and makes a call (its marker).
    2. The kernel writes TPIDR_EL0 = value - 4 for the thread (its MSR and the saved
    context both).
    3. The program reads -4 against what it set and logs bytes 0..7 of the secret.
    Linux saves and restores TPIDR_EL0 on a switch; a call never changes it."""
    @_marker_exit(adv, P_TPIDR)
    def _(a: Adversary, **_: object) -> None:
        ctx = a.el1.new_context()
        a.el1.save_context(ctx)
        ctx.set(CTX_TPIDR, TLS_MARK - 4)
        a.el1.restore_context(ctx)
        a.el1.msr(TPIDR_EL0, TLS_MARK - 4)


@scenario(id="QL-003", title="Change NZCV while serving a call", family=RT,
          goal=Goal.LEAK, rules=("G-RESUME-CONTEXT",), program=CPU, silent=RESTORED,
          prop="A thread's condition flags are its own across a system call.")
def ql_nzcv(adv: Adversary) -> None:
    """1. The program sets NZCV = Z and makes the step's marker call with SVC inline.
    2. The kernel returns with NZCV = 0 (Z clear).
    3. The program reads the flags 1 << 30 lower, shifted down by 28: index -4, the secret.
    Linux restores PSTATE's flags from the SPSR it saved at the SVC."""
    @_marker_exit(adv, P_NZCV)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("nzcv", 0)


@scenario(id="QL-004", title="Change a callee-saved SIMD register (v8) while serving a call",
          family=RT, goal=Goal.LEAK, rules=("G-RESUME-CONTEXT",), program=CPU, silent=RESTORED,
          prop="A thread's SIMD registers are its own across a system call.")
def ql_vreg(adv: Adversary) -> None:
    """1. The program loads a pattern into d8 and makes the step's marker call.
    2. The kernel writes q8 = pattern - 4 in the thread's context.
    3. The program reads -4 against the pattern and logs bytes 0..7 of the secret.
    Linux keeps the FP/SIMD registers across a call (they are saved, never changed)."""
    @_marker_exit(adv, P_VREG)
    def _(a: Adversary, **_: object) -> None:
        ctx = a.el1.new_context()
        a.el1.save_context(ctx)
        ctx.set(CTX_Q0 + 8, VPATTERN - 4)
        a.el1.restore_context(ctx)


# --- the exclusive monitor ------------------------------------------------------------------
@scenario(id="QL-005", title="Store into the word a load-exclusive holds while serving the "
          "call inside its retry loop", family=RT, goal=Goal.LEAK,
          rules=("G-UACCESS-CAP",), program=CPU,
          prop="A load/store-exclusive pair stores only what the program computed; a call "
               "inside the pair never writes the program's private word.")
def ql_exclusive(adv: Adversary) -> None:
    """1. The program loads a private word exclusively (40), makes a call (the step's
    marker, x3 the word), adds one and store-exclusives, retrying on failure.
    2. While serving the call the kernel stores 36 into the word.
    3. The store-exclusive fails (the word changed), the retry loads 36 and stores 37:
    37 - 40 - 1 = -4, the program logs bytes 0..7 of the secret.
    getppid() never writes user memory, so the word could only change by the program's
    own store."""
    @_marker_exit(adv, P_EXCLUSIVE)
    def _(a: Adversary, **_: object) -> None:
        word = a.reg("x3")
        a.kernel.uaccess.write(word, (36).to_bytes(8, "little"))
        a.note(f"stored 36 at {word:#x}")


# --- FP status, a signal handler's and a fork child's start ---------------------------------
@scenario(id="QL-006", title="Set FPSR's cumulative flags while serving a call", family=RT,
          goal=Goal.LEAK, rules=("G-RESUME-CONTEXT",), program=CPU, silent=RESTORED,
          prop="A thread's FPSR is its own across a system call: flags the program cleared "
               "stay clear until its own FP instructions raise them.")
def ql_fpsr(adv: Adversary) -> None:
    """1. The program clears FPSR and makes a call (its marker).
    2. The kernel writes FPSR = IOC|IXC|... (8, then 8 again: bit 3, UFC) for the thread.
    3. The program reads FPSR = 8, -8 / 2 = -4, and logs bytes 0..7 of the secret.
    Linux saves and restores FPSR with the FP state; no instruction ran between the
    program's clearing and its read."""
    @_marker_exit(adv, P_FPSR)
    def _(a: Adversary) -> None:
        ctx = a.el1.new_context()
        a.el1.save_context(ctx)
        ctx.set(CTX_FPSR, 8)
        a.el1.restore_context(ctx)


def _handler_ctx(adv: Adversary, change) -> None:  # type: ignore[no-untyped-def]
    """When the kernel has set up the SIGUSR1 handler after marker P_HANDLER: `change` the
    context the handler starts with."""
    @adv.on(Point.SIGNAL_DELIVERED, during=P_HANDLER)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        ctx = a.el1.new_context()
        a.el1.save_context(ctx)
        change(ctx)
        a.el1.restore_context(ctx)
        a.note("the handler's starting context changed")


@scenario(id="QL-007", title="Start a signal handler with another FPCR", family=RT,
          goal=Goal.LEAK, rules=("G-SIGNAL-FRAME", "G-RETURN-PATHS"), program=CPU,
          silent=RESTORED,
          prop="A signal handler runs with the interrupted thread's FPCR.")
def ql_handler_fpcr(adv: Adversary) -> None:
    """1. The program sets FPCR to round-towards-zero and TPIDR_EL0 to a known value, then
    sends itself SIGUSR1 (tgkill); the handler notes FPCR and TPIDR_EL0.
    2. As the kernel starts the handler it clears FPCR's rounding mode in the handler's
    context.
    3. The handler reads FPCR 3 << 22 lower: -3, the program logs secret bytes 8..15.
    Linux's setup_rt_frame() saves FPCR in the frame and leaves the register as it was:
    the handler runs with the interrupted code's FPCR."""
    _handler_ctx(adv, lambda ctx: ctx.set(CTX_FPCR, ctx.get(CTX_FPCR) & ~FPCR_RZ))


@scenario(id="QL-008", title="Start a signal handler with another TPIDR_EL0", family=RT,
          goal=Goal.LEAK, rules=("G-SIGNAL-FRAME", "G-RETURN-PATHS"), program=CPU,
          silent=RESTORED,
          prop="A signal handler runs with the interrupted thread's TPIDR_EL0 (its TLS).")
def ql_handler_tpidr(adv: Adversary) -> None:
    """1. As QL-007, the handler notes TPIDR_EL0.
    2. The kernel starts the handler with TPIDR_EL0 = the program's value - 4.
    3. The handler reads -4 against what the program set; the program logs bytes 0..7 of
    the secret.  Linux never changes TPIDR_EL0 to run a handler (the handler's TLS is
    the thread's)."""
    _handler_ctx(adv, lambda ctx: ctx.set(CTX_TPIDR, TLS_MARK - 4))


def _child_ctx(adv: Adversary, change) -> None:  # type: ignore[no-untyped-def]
    """After the program's fork (clone) at marker P_FORK: `change` the child's context."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_FORK)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        child = newest_child(a)
        if child.context is not None:
            change(child.context)
            a.note(f"child {child.tid}'s starting context changed")


@scenario(id="QL-009", title="Start a fork child with another FPCR", family=RT,
          goal=Goal.LEAK, rules=("G-FORK-CONTEXT",), program=CPU, silent=RESTORED,
          prop="A fork child starts with its parent's FPCR.")
def ql_fork_fpcr(adv: Adversary) -> None:
    """1. The program sets FPCR to round-towards-zero, TPIDR_EL0 to a known value and d8
    to a pattern, and forks (clone with SIGCHLD).
    2. The kernel clears the rounding mode in the child's saved context.
    3. The child reads FPCR 3 << 22 lower: -3, it logs secret bytes 8..15.
    Linux's copy_thread() gives the child the parent's FP state, FPCR included."""
    _child_ctx(adv, lambda ctx: ctx.set(CTX_FPCR, ctx.get(CTX_FPCR) & ~FPCR_RZ))


@scenario(id="QL-010", title="Start a fork child with another TPIDR_EL0", family=RT,
          goal=Goal.LEAK, rules=("G-FORK-CONTEXT",), program=CPU, silent=RESTORED,
          prop="A fork child without CLONE_SETTLS starts with its parent's TPIDR_EL0.")
def ql_fork_tpidr(adv: Adversary) -> None:
    """1. As QL-009.
    2. The kernel gives the child TPIDR_EL0 = the parent's value - 4 (no CLONE_SETTLS was
    asked for).
    3. The child reads -4 against it and logs bytes 0..7 of the secret.  Linux copies
    TPIDR_EL0 to a child unless CLONE_SETTLS names another."""
    _child_ctx(adv, lambda ctx: ctx.set(CTX_TPIDR, TLS_MARK - 4))


@scenario(id="QL-011", title="Start a fork child with another SIMD register (v8)", family=RT,
          goal=Goal.LEAK, rules=("G-FORK-CONTEXT",), program=CPU, silent=RESTORED,
          prop="A fork child starts with its parent's SIMD registers.")
def ql_fork_vreg(adv: Adversary) -> None:
    """1. As QL-009, d8 holds a pattern across the clone SVC.
    2. The kernel writes q8 = pattern - 4 in the child's saved context.
    3. The child reads -4 against the pattern and logs bytes 0..7 of the secret.  Linux
    gives the child a copy of the parent's FP/SIMD registers."""
    _child_ctx(adv, lambda ctx: ctx.set(CTX_Q0 + 8, VPATTERN - 4))


# --- the capabilities a program reads to pick a code path ------------------------------------
@scenario(id="QL-012", title="List capabilities the CPU lacks in /proc/cpuinfo's Features",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-INITIAL-STACK"), program=CPU,
          prop="/proc/cpuinfo's Features line names exactly the capabilities AT_HWCAP and "
               "AT_HWCAP2 give the program.")
def ql_cpuinfo_features(adv: Adversary) -> None:
    """1. The program reads /proc/cpuinfo (x3 its buffer) and counts the names on its
    Features line whose AT_HWCAP/AT_HWCAP2 bit is clear, as code that picks an
    implementation from cpuinfo would find them.
    2. The kernel serves the read with its own cpuinfo whose Features line adds four
    names of capabilities this CPU lacks (its own HWCAP words say which).
    3. The program counts 4 missing and logs bytes 0..7 of the secret.
    Linux prints the Features line from the very capability bits it puts in AT_HWCAP and
    AT_HWCAP2 (arch/arm64/kernel/cpuinfo.c, c_show()), so a name without its bit is
    something Linux could never return; a program believing it runs an instruction the
    CPU lacks or takes a path it could not take."""
    key = "cpuinfo-buffer"

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=P_CPUINFO)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo[key] = int(a.el1.syscall_args()[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=P_CPUINFO)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        k = a.kernel
        lacks = [n for i, n in enumerate(HWCAP_NAMES) if not k.hwcap >> i & 1]
        lacks += [n for i, n in enumerate(HWCAP2_NAMES) if not k.hwcap2 >> i & 1]
        have = [n for i, n in enumerate(HWCAP_NAMES) if k.hwcap >> i & 1]
        have += [n for i, n in enumerate(HWCAP2_NAMES) if k.hwcap2 >> i & 1]
        midr = a.el1.mrs(S.MIDR_EL1)
        # The kernel's own cpuinfo with four more names (longer than what it wrote).
        text = (f"processor\t: 0\nBogoMIPS\t: 48.00\nFeatures\t: {' '.join(have + lacks[:4])}\n"
                f"CPU implementer\t: {midr >> 24 & 0xFF:#04x}\nCPU architecture: 8\n"
                f"CPU variant\t: {midr >> 20 & 0xF:#x}\nCPU part\t: {midr >> 4 & 0xFFF:#05x}\n"
                f"CPU revision\t: {midr & 0xF}\n\n").encode()
        a.kernel.uaccess.write(a.memo[key], text)
        a.set_reg("x0", len(text))
        a.note(f"cpuinfo's Features adds {' '.join(lacks[:4])}")


def _prctl_answer(adv: Adversary, during: int, value: int) -> None:
    @adv.on(Point.SYSCALL_EXIT, nr=NR_PRCTL, during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", value)
        a.note(f"prctl answered {value:#x}")


@scenario(id="QL-013", title="Report an SVE vector length on a CPU without SVE", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CPU,
          prop="prctl(PR_SVE_GET_VL) fails with EINVAL where AT_HWCAP has no SVE.")
def ql_sve_vl(adv: Adversary) -> None:
    """1. On this CPU AT_HWCAP has no SVE; the program asks prctl(PR_SVE_GET_VL) anyway and
    counts the 128-bit granules of the length it reports.
    2. The kernel answers 64 (a 512-bit vector length).
    3. The program counts 4 granules and logs bytes 0..7 of the secret.
    Linux's sve_get_current_vl() returns -EINVAL unless system_supports_sve(), the same
    fact AT_HWCAP's SVE bit reports."""
    _prctl_answer(adv, P_SVE_VL, 64)


@scenario(id="QL-014", title="Report an SME vector length on a CPU without SME", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CPU,
          prop="prctl(PR_SME_GET_VL) fails with EINVAL where AT_HWCAP2 has no SME.")
def ql_sme_vl(adv: Adversary) -> None:
    """1. On this CPU AT_HWCAP2 has no SME; the program asks prctl(PR_SME_GET_VL).
    2. The kernel answers 64.
    3. The program counts 4 granules and logs bytes 0..7 of the secret.
    Linux returns -EINVAL unless system_supports_sme()."""
    _prctl_answer(adv, P_SME_VL, 64)


@scenario(id="QL-015", title="Report pointer-authentication keys enabled on a CPU without "
          "them", family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CPU,
          prop="prctl(PR_PAC_GET_ENABLED_KEYS) fails with EINVAL where AT_HWCAP has neither "
               "PACA nor PACG.")
def ql_pac_keys(adv: Adversary) -> None:
    """1. On this CPU AT_HWCAP has neither PACA nor PACG; the program asks
    prctl(PR_PAC_GET_ENABLED_KEYS) and counts the keys reported enabled.
    2. The kernel answers 0xf (APIA, APIB, APDA, APDB).
    3. The program counts 4 and logs bytes 0..7 of the secret.
    Linux's ptrauth_get_enabled_keys() returns -EINVAL unless system_supports_address_auth()."""
    _prctl_answer(adv, P_PAC_KEYS, 0xF)


@scenario(id="QL-016", title="Report an MTE tag-check mode on a CPU without MTE", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CPU,
          prop="prctl(PR_GET_TAGGED_ADDR_CTRL) reports no MTE check mode where AT_HWCAP2 has "
               "no MTE.")
def ql_tag_ctrl(adv: Adversary) -> None:
    """1. On this CPU AT_HWCAP2 has no MTE; the program asks
    prctl(PR_GET_TAGGED_ADDR_CTRL) and reads the check mode bits.
    2. The kernel answers PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC (3).
    3. The program reads mode 1 and logs bytes 16..23 of the secret.
    Linux's get_tagged_addr_ctrl() adds the MTE mode bits only from the thread's MTE
    control, which set_tagged_addr_ctrl() refuses to set without system_supports_mte()."""
    _prctl_answer(adv, P_TAG_CTRL, 3)


@scenario(id="QL-017", title="Answer PR_GET_SPECULATION_CTRL with bits outside PR_SPEC_*",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CPU,
          prop="prctl(PR_GET_SPECULATION_CTRL) answers PR_SPEC_NOT_AFFECTED or PR_SPEC_* bits "
               "(at most 0x1f).")
def ql_spec_ctrl(adv: Adversary) -> None:
    """1. The program asks prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS), as code
    that decides whether to turn speculative store bypass off does, and takes the bits
    above PR_SPEC_DISABLE_NOEXEC (0x10) as an out-of-range count.
    2. The kernel answers 0x80.
    3. The program computes -4 and logs bytes 0..7 of the secret.
    arm64's ssbd_prctl_get() returns PR_SPEC_NOT_AFFECTED or a combination of
    PR_SPEC_PRCTL, _ENABLE, _DISABLE, _FORCE_DISABLE and _DISABLE_NOEXEC (0x1f at most),
    or an error; 0x80 is a value Linux could never return."""
    _prctl_answer(adv, P_SPEC_CTRL, 0x80)


@scenario(id="QL-018", title="Accept an SVE vector length on a CPU without SVE", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CPU,
          prop="prctl(PR_SVE_SET_VL) fails with EINVAL where AT_HWCAP has no SVE.")
def ql_sve_set(adv: Adversary) -> None:
    """1. On this CPU AT_HWCAP has no SVE; the program asks prctl(PR_SVE_SET_VL, 32) and
    counts the granules of the length reported set.
    2. The kernel answers 64 (a 512-bit length set).
    3. The program counts 4 and logs bytes 0..7 of the secret.
    Linux's sve_set_current_vl() returns -EINVAL unless system_supports_sve()."""
    _prctl_answer(adv, P_SVE_SET, 64)


@scenario(id="QL-019", title="Accept MTE's synchronous tag checks on a CPU without MTE",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=CPU,
          prop="prctl(PR_SET_TAGGED_ADDR_CTRL) refuses MTE bits (EINVAL) where AT_HWCAP2 has "
               "no MTE.")
def ql_tag_set(adv: Adversary) -> None:
    """1. On this CPU AT_HWCAP2 has no MTE; the program asks
    prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC | tags).
    2. The kernel answers 0 (success).
    3. The program takes MTE as on and logs bytes 0..7 of the secret (index -4).
    Linux's set_tagged_addr_ctrl() masks valid bits down to PR_TAGGED_ADDR_ENABLE without
    system_supports_mte() and returns -EINVAL for any other bit."""
    _prctl_answer(adv, P_TAG_SET, 0)
