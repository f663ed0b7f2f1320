"""Red-team round 66d: restartable sequences (rseq) registered, given back and judged.

The kernel model answers rseq() as kernel/rseq.c sys_rseq() does; in a confidential
domain the Guardian judges the answer against sys_rseq()'s checks for the arguments and
the registration it recorded for the thread (return.rseq_answer), stores the ids itself
and moves a section interrupted, switched out or signalled to its abort_ip at RESUME
(return.rseq_abort, guardian/rseq_areas.py).

Through with the Guardian on when written, refused since (return.rseq_answer, judged by
rseq_reset_rseq_cpu_node_id()'s put_user()s against the mapping the Guardian knows of the
area: the program's own protections, its image's writable PT_LOADs, its .bss and heap):
YF-001, YF-008 (an unregistration with the arguments of the thread's registration
answered -EFAULT, the C library's area at start and a fork child's inherited area, on a
writable mapping: put_user() faults only where the area is not mapped writable, a
copy-on-write page is copied and written), and YF-012, the converse: an unregistration
of an area on a page the program made read-only answered 0, where Linux's put_user()
faults (-EFAULT, the registration kept).  The kernel model answers -EFAULT there too
(sys_rseq() checks the area's VMAs for VM_WRITE in a confidential thread's stead).

On the victim `secret_r66_rseq`:

- YF-001: the C library's area given back answered -EFAULT: refused
  (return.rseq_answer);
- YF-002: the same answered -EPERM (as for another signature): refused
  (return.rseq_answer);
- YF-003, YF-004, YF-005: the program's own registration answered -ENOSYS (after the C
  library's succeeded at start), -EBUSY (no area registered) and -EFAULT (an aligned
  area in its .bss): refused (return.rseq_answer);
- YF-006: the same area registered again answered 0 (Linux: -EBUSY): refused;
- YF-007: the area given back with another signature answered 0 (Linux: -EPERM): refused;
- YF-008: a fork child's inherited area given back answered -EFAULT: refused
  (return.rseq_answer);
- YF-009: the same answered -EINVAL, as though a fork child had no area (as a thread
  starts): refused (return.rseq_answer: rseq_fork() keeps the registration);
- YF-010: the same answered -ENOSYS: refused;
- YF-012: (victim argument -r) an area on a page made read-only given back answered 0:
  refused (return.rseq_answer);
- YF-013, YF-014: a vfork child's registration of an area of its own answered -EBUSY
  and -EPERM, as though it had its parent's: refused (return.rseq_answer: a CLONE_VM
  child starts with none);
- YF-015, YF-016: a fork child's registration, with no area, of an area 16 bytes off
  32-byte alignment and of one of length 16 answered 0: refused (return.rseq_answer);
- YF-011: the C library's registration at start answered -EINVAL:
  refused (return.rseq_answer);
- honest, let through: sched_getcpu() from the C library's area
  (claim_getcpu_from_area), a SIGUSR2 handler run inside a critical section, resumed at
  abort_ip (claim_signal_in_section: rseq_signal_deliver()), a fork child's
  unregistration and registration of its inherited area (claim_fork_child_area), a
  vfork child's registration of an area of its own (claim_vfork_child_area), an area on
  a read-only page given back answered -EFAULT (claim_read_only_efault).

Done as Linux does since (claim_stale_cs_cleared, victim argument -s, an xfail claim
when written): Linux's return from a registration runs rseq_ip_fixup() (the
registration sets TIF_NOTIFY_RESUME; __rseq_handle_notify_resume() gets the registers),
which clears an rseq_cs whose section the pc is not in (clear_rseq_cs()) and
force_sigsegv()s a bad descriptor; the Guardian ran the fixup only after an interrupt, a
switch or at a signal's delivery, and the kernel model only with an event.  Both now run
it at the registration's return (RseqAreas.check(), rseq.notify_resume()).

Nor, when written (claim_child_reset_stored, victim argument -f, an xfail claim then): a
fork child's unregistration of its inherited area, which Linux answers 0 after
rseq_reset_rseq_cpu_node_id() stored cpu_id = RSEQ_CPU_ID_UNINITIALIZED into the child's
copy of the page (put_user() breaks the copy-on-write the fork left); the Guardian's
store skipped the page not writable in the tables, silently.  Since, every store the
Guardian does for rseq (the reset, the ids at a return, rseq_cs cleared) first has the
page present and writable in the tables: a RESUME asks the kernel for a write fault
(FAULT_IN with bit 0 set), as put_user()'s would be; a store that still fails is counted
(guardian.rseq.store_failed).

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from kernel_model.signals import pack_siginfo

RT = "redteam_r66d"
VICTIM = "secret_r66_rseq"
# secret_r66_rseq: the marker before each step; the marker after its write is + 1.
P_GETCPU, P_UNREG_GLIBC, P_REGISTER, P_REREGISTER = 7400, 7402, 7404, 7406
P_OTHER_SIG, P_SIG_IN_CS, P_FORK, P_RO_UNREG, P_VFORK = 7408, 7410, 7412, 7414, 7416
P_MISALIGNED, P_SHORT, P_STALE_CS, P_CHILD_RESET = 7418, 7420, 7422, 7424
P_VICTIM_LAST = 7424            # (P_RO_UNREG, P_STALE_CS only with -r, -s)
NR_RSEQ = 293
SIGUSR2, SI_USER = 12, 0
EPERM, ENOSYS, EBUSY, EFAULT, EINVAL = 1, 38, 16, 14, 22
MASK64 = (1 << 64) - 1
READ_ONLY = b"-r"               # secret_r66_rseq's switch for its read-only page step
STALE_CS = b"-s"                # its switch for rseq_cs set before a registration
CHILD_RESET = b"-f"             # its switch for the fork child's cpu_id after unregistering


def answer_rseq(adv: Adversary, phase: int | None, value: int, *,
                init_only: bool = True) -> None:
    """Answer the program's rseq() after marker `phase` (None: the first of the run) with
    `value` (negative: an errno), whatever the kernel model did."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_RSEQ, during=phase,  # type: ignore[arg-type]
            init_only=init_only)
    def _(a: Adversary, **_: object) -> None:
        was = a.reg("x0")
        a.set_reg("x0", value & MASK64)
        a.note(f"rseq() answered {value} (the kernel model: {was:#x})")


@scenario(id="YF-001", title="Answer -EFAULT to the C library's rseq area given back with "
          "its registration's arguments, on a page the program just wrote", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="An rseq unregistration with the thread's own area, length and signature "
               "fails only where the area cannot be written.")
def yf_unregister_efault(adv: Adversary) -> None:
    """1. The program writes the flags word of the area the C library registered at start,
    then gives the area back with the arguments it was registered with; an error chooses
    label -4.
    2. The kernel answers -EFAULT (and keeps the registration).
    sys_rseq(RSEQ_FLAG_UNREGISTER) fails past its argument checks only where
    rseq_reset_rseq_cpu_node_id()'s put_user() faults: the page the program just wrote
    is mapped and writable, so Linux answers 0."""
    answer_rseq(adv, P_UNREG_GLIBC, -EFAULT)


@scenario(id="YF-002", title="Answer -EPERM to the C library's rseq area given back with "
          "its own signature", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=VICTIM,
          prop="An rseq unregistration with the registered signature is never -EPERM.")
def yf_unregister_eperm(adv: Adversary) -> None:
    """1. The program gives the C library's area back (its area, size and RSEQ_SIG); an
    error chooses label -4.
    2. The kernel answers -EPERM.
    sys_rseq() answers -EPERM only where `current->rseq_sig != sig`."""
    answer_rseq(adv, P_UNREG_GLIBC, -EPERM)


@scenario(id="YF-003", title="Answer -ENOSYS to the program's rseq registration after the "
          "C library's succeeded", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=VICTIM,
          prop="A kernel that registered an rseq area has rseq(): never -ENOSYS after.")
def yf_register_enosys(adv: Adversary) -> None:
    """1. The program registers its own area; an error chooses label -4.
    2. The kernel answers -ENOSYS, as a kernel without CONFIG_RSEQ.
    The same kernel answered 0 to the C library's rseq() at start: sys_rseq() exists."""
    answer_rseq(adv, P_REGISTER, -ENOSYS)


@scenario(id="YF-004", title="Answer -EBUSY to the program's rseq registration when it has "
          "no area", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="rseq() is -EBUSY only for the area the thread already registered.")
def yf_register_ebusy(adv: Adversary) -> None:
    """1. The program, having given the C library's area back, registers its own; an
    error chooses label -4.
    2. The kernel answers -EBUSY.
    sys_rseq() answers -EBUSY only `if (current->rseq)` with the same area, length and
    signature; the thread has none."""
    answer_rseq(adv, P_REGISTER, -EBUSY)


@scenario(id="YF-005", title="Answer -EFAULT to the program's rseq registration of an "
          "aligned area in its .bss", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=VICTIM,
          prop="rseq() registration is -EFAULT only past access_ok().")
def yf_register_efault(adv: Adversary) -> None:
    """1. The program registers its own 32-byte aligned area; an error chooses -4.
    2. The kernel answers -EFAULT.
    sys_rseq()'s only -EFAULT for a registration is `!access_ok(rseq, rseq_len)`: an
    area below TASK_SIZE passes (it stores nothing before the return)."""
    answer_rseq(adv, P_REGISTER, -EFAULT)


@scenario(id="YF-006", title="Answer 0 to the program's rseq registration of the area it "
          "already registered", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=VICTIM,
          prop="A second registration of the same rseq area is -EBUSY.")
def yf_reregister_zero(adv: Adversary) -> None:
    """1. The program registers its area a second time; 0 chooses label -4.
    2. The kernel answers 0.
    sys_rseq(): `if (current->rseq) { ... return -EBUSY; }` for the same area, length and
    signature."""
    answer_rseq(adv, P_REREGISTER, 0)


@scenario(id="YF-007", title="Answer 0 to the program's rseq area given back with another "
          "signature", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="An rseq unregistration with another signature is -EPERM.")
def yf_other_sig_zero(adv: Adversary) -> None:
    """1. The program gives its area back with RSEQ_SIG + 1; 0 chooses label -4.
    2. The kernel answers 0.
    sys_rseq(RSEQ_FLAG_UNREGISTER): `if (current->rseq_sig != sig) return -EPERM;`."""
    answer_rseq(adv, P_OTHER_SIG, 0)


@scenario(id="YF-008", title="Answer -EFAULT to a fork child's inherited rseq area given "
          "back", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="A fork child's unregistration of the rseq area it inherited fails only where "
               "the area cannot be written.")
def yf_fork_unregister_efault(adv: Adversary) -> None:
    """1. The program registers its area and forks; the child gives the inherited area
    back (an error chooses label -4).
    2. The kernel answers -EFAULT in the child.
    rseq_fork() copies the registration; the child's copy of the area's page is mapped and
    writable (the parent wrote it): rseq_reset_rseq_cpu_node_id() cannot fault, Linux
    answers 0."""
    answer_rseq(adv, P_FORK, -EFAULT, init_only=False)


@scenario(id="YF-009", title="Answer -EINVAL to a fork child's inherited rseq area given "
          "back, as though it had none", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="A fork child keeps its parent thread's rseq registration.")
def yf_fork_unregister_einval(adv: Adversary) -> None:
    """1. The fork child gives the inherited area back; an error chooses label -4.
    2. The kernel answers -EINVAL (a thread or a vfork child starts with no area).
    rseq_fork(): without CLONE_VM the child's t->rseq, rseq_len and rseq_sig are its
    parent's: the unregistration matches, Linux answers 0."""
    answer_rseq(adv, P_FORK, -EINVAL, init_only=False)


@scenario(id="YF-010", title="Answer -ENOSYS to a fork child's inherited rseq area given "
          "back", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="A fork child of a process whose rseq() succeeded has rseq().")
def yf_fork_unregister_enosys(adv: Adversary) -> None:
    """1. The fork child gives the inherited area back; an error chooses label -4.
    2. The kernel answers -ENOSYS, as a kernel without CONFIG_RSEQ.
    The parent's registration succeeded on the same kernel: sys_rseq() exists."""
    answer_rseq(adv, P_FORK, -ENOSYS, init_only=False)


@scenario(id="YF-011", title="Answer -EINVAL to the C library's rseq registration at start",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="The C library's rseq registration (aligned, its own size, no area yet) is "
               "never -EINVAL.")
def yf_glibc_register_einval(adv: Adversary) -> None:
    """1. The C library registers the main thread's area at start; the program's own
    registration later chooses label -4 unless it succeeds where the C library's did.
    2. The kernel answers -EINVAL to the C library's: it runs without rseq
    (__rseq_size 0), and the program's own registration meets -EINVAL or succeeds.
    sys_rseq() answers -EINVAL for flags, a second area, or a size or alignment it does
    not take; the C library passes its TLS area, aligned, with the size AT_RSEQ_FEATURE_SIZE
    allows (glibc's rseq_register_current_thread()).  (The C library would run on without
    rseq.)"""
    answer_rseq(adv, None, -EINVAL)


def claim_getcpu_from_area(adv: Adversary) -> None:
    """1. The program calls sched_getcpu(), which the C library answers from the cpu_id of
    the area it registered at start (the Guardian stored it at the registration's
    return, rseq_update_cpu_node_id()): 0 on a one-CPU machine."""
    adv.note("sched_getcpu() left to the C library's area")


def claim_signal_in_section(adv: Adversary) -> None:
    """1. The program installs a SIGUSR2 handler and counts down inside a critical section
    over its registered area.
    2. At a timer interrupt inside the section the kernel queues SIGUSR2 (another
    process's kill()): Linux's rseq_signal_deliver() runs rseq_ip_fixup() before
    setup_rt_frame(), so the frame's pc is abort_ip and rseq_cs is cleared; the handler
    returns to the abort handler: the section did not commit."""
    @adv.on(Point.IRQ, during=P_SIG_IN_CS)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        t = a.kernel.current
        if t is None:
            return
        t.pending.add(SIGUSR2, pack_siginfo(SIGUSR2, SI_USER, pid=1))
        a.note("SIGUSR2 queued at an interrupt inside the section")


def claim_fork_child_area(adv: Adversary) -> None:
    """1. The program forks with its area registered; the child gives the inherited area
    back and registers it again: Linux answers 0 to both (rseq_fork() copies the
    registration, rseq_reset_rseq_cpu_node_id() stores into the child's copy)."""
    adv.note("the fork child's rseq() left to the kernel model")


@scenario(id="YF-012", title="Answer 0 to an rseq area given back on a page the program made "
          "read-only", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          args=(READ_ONLY,),
          prop="An rseq unregistration whose area cannot be written fails with -EFAULT and "
               "leaves the area as it was.")
def yf_read_only_unregister(adv: Adversary) -> None:
    """1. (Argument -r.)  The program registers an area at the start of a fresh page,
    makes the page PROT_READ and gives the area back; 0, or a changed page, chooses label
    -4.
    2. The kernel answers 0.
    sys_rseq(RSEQ_FLAG_UNREGISTER) calls rseq_reset_rseq_cpu_node_id() before it drops
    the registration: its put_user() into the read-only page faults, Linux answers
    -EFAULT and keeps the area registered (and the page unchanged)."""
    answer_rseq(adv, P_RO_UNREG, 0)


@scenario(id="YF-013", title="Answer -EBUSY to a vfork child's registration of an rseq area "
          "of its own", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="A vfork child starts with no rseq area: its first registration is not "
               "-EBUSY.")
def yf_vfork_register_ebusy(adv: Adversary) -> None:
    """1. A vfork child registers an area of its own; an error chooses label -4.
    2. The kernel answers -EBUSY.
    rseq_fork(): `if (clone_flags & CLONE_VM) { t->rseq = NULL; ... }`: the child has
    no area, and -EBUSY needs one (the same one)."""
    answer_rseq(adv, P_VFORK, -EBUSY, init_only=False)


@scenario(id="YF-014", title="Answer -EPERM to a vfork child's registration of an rseq area "
          "of its own", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="A vfork child's first rseq registration is not -EPERM.")
def yf_vfork_register_eperm(adv: Adversary) -> None:
    """1. A vfork child registers an area of its own; an error chooses label -4.
    2. The kernel answers -EPERM.
    sys_rseq() answers -EPERM for a registration only where the thread's area is the one
    named, with another signature; a CLONE_VM child has none (rseq_fork())."""
    answer_rseq(adv, P_VFORK, -EPERM, init_only=False)


@scenario(id="YF-015", title="Answer 0 to a registration of an rseq area 16 bytes off its "
          "alignment", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="An rseq area of the original size is registered only 32-byte aligned.")
def yf_misaligned_zero(adv: Adversary) -> None:
    """1. A fork child that gave its area back registers one 16 bytes into it (32
    bytes); 0 chooses label -4.
    2. The kernel answers 0.
    sys_rseq(): `rseq_len == ORIG_RSEQ_SIZE && !IS_ALIGNED((unsigned long)rseq,
    ORIG_RSEQ_SIZE)` is -EINVAL."""
    answer_rseq(adv, P_MISALIGNED, 0, init_only=False)


@scenario(id="YF-016", title="Answer 0 to a registration of an rseq area of length 16",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="An rseq area shorter than the original struct rseq is never registered.")
def yf_short_zero(adv: Adversary) -> None:
    """1. A fork child with no area registers its aligned area with length 16; 0 chooses
    label -4.
    2. The kernel answers 0.
    sys_rseq(): `rseq_len < ORIG_RSEQ_SIZE` is -EINVAL."""
    answer_rseq(adv, P_SHORT, 0, init_only=False)


def claim_vfork_child_area(adv: Adversary) -> None:
    """1. A vfork child registers an area of its own and gives it back: Linux answers 0 to
    both (a CLONE_VM child starts with none, rseq_fork())."""
    adv.note("the vfork child's rseq() left to the kernel model")


def claim_read_only_efault(adv: Adversary) -> None:
    """1. (Argument -r.)  The program gives back an area on a page it made read-only:
    Linux's rseq_reset_rseq_cpu_node_id() faults, sys_rseq() answers -EFAULT and keeps the
    registration (the page unchanged); made writable again, the area is given back (0).
    The kernel model answers -EFAULT too (the area's VMA is not writable); the step
    answers -EFAULT and keeps the model's registration whatever it answered."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RSEQ, during=P_RO_UNREG)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        t = a.kernel.current
        a.memo["rseq"] = None if t is None else t.rseq

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RSEQ, during=P_RO_UNREG)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        t = a.kernel.current
        if t is not None:
            t.rseq = a.memo.get("rseq")
        a.set_reg("x0", -EFAULT & MASK64)
        a.note("the read-only area's unregistration answered -EFAULT, the area kept")


def claim_stale_cs_cleared(adv: Adversary) -> None:
    """1. (Argument -s.)  The program gives its area back, sets its rseq_cs to the
    section's descriptor with the pc outside that section, and registers the area again.
    2. Linux answers 0 and, on the way back (rseq_set_notify_resume() ->
    __rseq_handle_notify_resume(NULL, regs) -> rseq_ip_fixup()), finds the pc outside
    [start_ip, start_ip + post_commit_offset) and clears rseq_cs (clear_rseq_cs()): the
    program reads 0.  Nothing for the kernel to do: a confidential area's stores are the
    Guardian's."""
    adv.note("the registration with rseq_cs set left to the kernel model and the Guardian")


def claim_child_reset_stored(adv: Adversary) -> None:
    """1. (Argument -f.)  The fork child gives back its inherited area and reads its
    cpu_id.
    2. Linux answers 0 with RSEQ_CPU_ID_UNINITIALIZED stored in the child's copy of the
    page (rseq_reset_rseq_cpu_node_id(): put_user() takes the copy-on-write fault and
    writes the child's copy).  The kernel model answers 0; the stores are the Guardian's."""
    adv.note("the fork child's unregistration left to the kernel model and the Guardian")
