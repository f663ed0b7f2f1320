"""Red-team round 67b: the calls a confidential program's kernel has not (guardian/no_aio.py:
its aio and io_uring calls reach the kernel as the unassigned number 244 with no argument),
the program's own unassigned numbers, the registers each call leaves, and a fork child's
first return, where the Guardian's rseq stores ask the kernel to fault the area's
copy-on-write page in as a write (FAULT_IN, bit 0).

On the victim `secret_r67_mm` (each step: svc with x0..x5 set to known words; Linux answers
-ENOSYS and leaves x1..x5 and x8 as they were):

- YH-001..YH-004: the program's own svc 244, 251, 259 and 1000 answered 0 or an errno
  (sys_ni_syscall(), do_ni_syscall() past __NR_syscalls: -ENOSYS only);
- YH-005: io_setup(), shown to the kernel as 244, answered 0 (`return.no_aio`);
- YH-006: io_setup() shown as 244 answered -ERESTARTSYS, the kernel's restart of a call
  Linux's sys_ni_syscall() never restarts;
- YH-007, YH-008: io_setup() or the program's own 244 answered -ENOSYS, the kernel's view
  of x1 or x8 changed as it returns (P9: the program resumes with its own registers);
- YH-009: during io_setup() shown as 244, the kernel writes a context into the program's
  `io_ctx` (its address from the marker): a call shown with no argument has no buffer;
- YH-010: in the fork child, before its first return, a zeroed frame mapped writable at
  the rseq area's copy-on-write page (a page of the kernel's choosing for the write fault);
- YH-011: the same with a copy of the page whose first word differs;
- YH-012, YH-013: the program's own 244, or io_setup() shown as 244, answered
  -ERESTARTNOHAND with a handled SIGUSR1 pending (the program sees -EINTR);
- honest: a SIGUSR1 delivered at the return of either call answered -ENOSYS
  (claim_usr1_at_swapped_call, claim_usr1_at_own_244);
- honest: the child's write fault served as do_wp_page()'s wp_page_copy() serves it (a
  copy of the parent's page, writable in the child: claim_child_page_copied): let through.

- YH-014: (with -hi) svc with x8 = 2^32 + __NR_getpid answered -EPERM;
- honest: (with -hi) the same answered with the pid, as Linux's el0_svc_common() (an
  int scno: getpid()) and qemu-aarch64-static answer it (claim_high_x8_getpid): let
  through (the Guardian, the kernel model and the referee's hooks take w8 as the number,
  abi.layout.SVC_NR_MASK; when written all three took all 64 bits);
- honest: with -ro, the rseq area's page made read-only across a loop of timer interrupts
  and made writable again (tests/test_redteam_r67b_claims.py): let through.

The kernel model answers every unassigned number -ENOSYS (as qemu-aarch64-static does:
the victim's steps all index label 0 there).

Through with the Guardian on when written, refused since: YH-003 (-EINTR for the
program's own 259: return.no_aio, widened to the program's own calls at 244..259 unless
a seccomp filter of its own may answer them), YH-014 (getpid() answered -EPERM once the
Guardian takes w8 as the number: return.id_range).  Numbers past the Guardian's table
(YH-004) are refused only a success with no output row: a newer kernel may assign them.
"""

from __future__ import annotations

from attacks.adversary import PAGE, USER_RW, Adversary
from attacks.families import redteam_r50 as r50
from attacks.families import redteam_r66b as r66b
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from emulator import descriptors as D
from kernel_model.signals import pack_siginfo

RT = "redteam_r67b"
VICTIM = "secret_r67_mm"
SHOWN_NR = r66b.SHOWN_NR
# secret_r67_mm: the marker before each step's call; the marker after its write is + 1.
P_NR244, P_NR251, P_NR259, P_NR1000, P_IO_SETUP, P_FORK = 7600, 7602, 7604, 7606, 7608, 7610
P_USR1, P_RO_RSEQ, P_HIGH_NR = 7612, 7614, 7616
P_VICTIM_LAST = P_HIGH_NR
#: x8 = 2^32 + __NR_getpid: el0_svc_common() takes the number as an int (w8): getpid()
HIGH_GETPID = (1 << 32) | 172
#: The number the kernel runs for it (w8)
NR_GETPID = HIGH_GETPID & 0xFFFF_FFFF
EPERM = (1 << 64) - 1
SIGUSR1, SI_USER = 10, 0
ERESTARTNOHAND = (1 << 64) - 514
ENOSYS = (1 << 64) - 38
NR_IO_SETUP = 0
EINTR = (1 << 64) - 4
ERESTARTSYS = (1 << 64) - 512


def answered(adv: Adversary, phase: int, nr: int, ret: int, **regs: int) -> None:
    """The call `nr` the kernel sees in step `phase` answered `ret`, with the registers
    `regs` changed in the kernel's view as it returns (io_setup() is seen as itself
    without a Guardian, as SHOWN_NR with one)."""
    for seen in (nr, NR_IO_SETUP) if nr == SHOWN_NR and phase == P_IO_SETUP else (nr,):
        _answer(adv, phase, seen, ret, regs)


def _answer(adv: Adversary, phase: int, nr: int, ret: int, regs: dict[str, int]) -> None:
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", ret)
        for name, value in regs.items():
            a.set_reg(name, value)
        a.note(f"call {nr} answered {ret:#x}" + "".join(f", {n} = {v:#x}"
                                                        for n, v in regs.items()))


@scenario(id="YH-001", title="Answer the program's own svc with x8 = 244 (arm64 assigns "
          "nothing there) with 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=VICTIM,
          prop="An unassigned number is answered -ENOSYS, whoever makes the call.")
def yh_own_244_zero(adv: Adversary) -> None:
    """1. The program's svc 244 with x0..x5 set.
    2. Answered 0: label -4.  invoke_syscall() calls the table's sys_ni_syscall() at 244:
    -ENOSYS; no answer but that reaches user space."""
    answered(adv, P_NR244, 244, 0)


@scenario(id="YH-002", title="Answer the program's own svc with x8 = 251 with 0", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="arm64's unassigned 245..259 answer -ENOSYS.")
def yh_own_251_zero(adv: Adversary) -> None:
    """1. Number 251 (between __NR_arch_specific_syscall and __NR_wait4's 260): sys_ni_syscall(),
    -ENOSYS; answered 0, label -4."""
    answered(adv, P_NR251, 251, 0)


@scenario(id="YH-003", title="Answer the program's own svc with x8 = 259 with -EINTR",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="An unassigned number never sleeps: no -EINTR.")
def yh_own_259_eintr(adv: Adversary) -> None:
    """1. sys_ni_syscall() returns -ENOSYS at once; -EINTR, label -4."""
    answered(adv, P_NR259, 259, EINTR)


@scenario(id="YH-004", title="Answer the program's svc with x8 = 1000 (past the table) "
          "with 0", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="A number past __NR_syscalls is answered -ENOSYS (do_ni_syscall()).")
def yh_own_past_table(adv: Adversary) -> None:
    """1. invoke_syscall(): scno >= sc_nr, do_ni_syscall(): -ENOSYS; answered 0, label -4."""
    answered(adv, P_NR1000, 1000, 0)


@scenario(id="YH-005", title="Answer io_setup(), shown to the kernel as 244, with 0",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="A confidential program's aio calls are answered -ENOSYS.")
def yh_io_setup_zero(adv: Adversary) -> None:
    """1. io_setup() reaches the kernel as 244 with no argument (no_aio.py); 0, label -4."""
    answered(adv, P_IO_SETUP, SHOWN_NR, 0)


@scenario(id="YH-006", title="Answer io_setup(), shown as 244, with -ERESTARTSYS (a "
          "restart of the call)", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=VICTIM,
          prop="sys_ni_syscall() never restarts: the call is answered -ENOSYS once.")
def yh_io_setup_restart(adv: Adversary) -> None:
    """1. -ERESTARTSYS with no signal: a restart (the pc back on the svc, x0 restored), or
    the errno 512 that never reaches user space.  Linux answers -ENOSYS; label -4
    where the program sees anything else."""
    answered(adv, P_IO_SETUP, SHOWN_NR, ERESTARTSYS)


@scenario(id="YH-007", title="Answer io_setup(), shown as 244, with -ENOSYS and x1 "
          "(its context pointer) changed as the call returns", family=RT,
          goal=Goal.LEAK, rules=("G-RESUME-CONTEXT",), program=VICTIM,
          prop="The program resumes with the argument registers it made the call with.")
def yh_io_setup_x1(adv: Adversary) -> None:
    """1. The kernel was shown no argument (x1 scrubbed); it returns with x1 = 0x41.  Linux's
    el0_svc leaves x1..x30 as the program set them: x1 changed, label -4."""
    answered(adv, P_IO_SETUP, SHOWN_NR, ENOSYS, x1=0x41)


@scenario(id="YH-008", title="Answer the program's own svc 244 with -ENOSYS and x8 "
          "changed to io_setup's 0 as the call returns", family=RT, goal=Goal.LEAK,
          rules=("G-RESUME-CONTEXT",), program=VICTIM,
          prop="x8 comes back as the program set it, whatever number the kernel was "
               "shown.")
def yh_own_244_x8(adv: Adversary) -> None:
    """1. The kernel cannot tell the program's 244 from a swapped io_setup(); it returns x8 =
    0 (io_setup's number).  Linux leaves x8; label -4."""
    answered(adv, P_NR244, 244, ENOSYS, x8=0)


@scenario(id="YH-009", title="During io_setup(), shown as 244, write a context into the "
          "program's io_ctx (its address from the step's marker)", family=RT,
          goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=VICTIM,
          prop="A call the kernel is shown without arguments writes no user memory.")
def yh_io_setup_writes_ctx(adv: Adversary) -> None:
    """1. sys_ni_syscall() touches no user memory; the kernel writes 0x7000_0000_0000 into
    io_ctx: the program sees a context, label -4."""
    @r50.at(adv, P_IO_SETUP)
    def _(a: Adversary, args: tuple[int, ...]) -> None:
        a.memo["ctx"] = args[2]

    for nr in (SHOWN_NR, NR_IO_SETUP):
        _write_ctx(adv, nr)


def _write_ctx(adv: Adversary, nr: int) -> None:
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_IO_SETUP)
    def _(a: Adversary, **_: object) -> None:
        try:
            a.kernel.uaccess.write_u64(a.memo.get("ctx", 0), 0x7000_0000_0000)
            a.note("io_ctx written")
        except Exception as exc:
            a.refused(f"io_ctx's write: {exc!r}")


# --- the fork child's rseq page ------------------------------------------------------------
def child_page(adv: Adversary, make) -> None:  # type: ignore[no-untyped-def]
    """At the fork child's marker (P_FORK: x3 the rseq area's page), `make(a, mm, page,
    old_frame)` maps the page in the child: the kernel's answer to the write fault the
    Guardian's rseq stores ask for, or what it does before the child loads the page."""
    @adv.on(Point.MARKER, phase=P_FORK, init_only=False)
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        mm = a.thread.process.mm
        page = args[1] if len(args) > 1 else 0
        old = a.pa_of(page, mm.tables.root)
        if old is None:
            a.note(f"child's page {page:#x} not mapped")
            return
        try:
            make(a, mm, page, old & ~(PAGE - 1))
        except Exception as exc:
            a.refused(f"the child's page at {page:#x}: {exc!r}")
            return
        a.el1.tlbi_all()


def _new_frame(a: Adversary, mm, page: int, data: bytes) -> None:  # type: ignore[no-untyped-def]
    frame = a.alloc_frame()
    a.write_lm(frame, data)
    mm.tables.set(page, D.leaf_descriptor(frame, USER_RW))
    a.note(f"child's page {page:#x} on a new frame")


def claim_child_page_copied(adv: Adversary) -> None:
    """The child's write fault on its copy-on-write page (the rseq stores' put_user(), or
    the program's own store) served by the kernel's own fault path before the child
    loads the page, as do_wp_page()'s wp_page_copy() serves it: a copy of the parent's
    page on a new frame, writable in the child.  The child's sum is the parent's."""
    def make(a: Adversary, mm, page: int, old: int) -> None:  # type: ignore[no-untyped-def]
        a.note(f"write fault at {page:#x}: {mm.handle_fault(page, True, False)}")
    child_page(adv, make)


@scenario(id="YH-010", title="In the fork child, map a zeroed frame writable at the rseq "
          "area's copy-on-write page", family=RT, goal=Goal.LEAK,
          rules=("G-MEASURE-ALL",), program=VICTIM,
          prop="A copy-on-write page's write fault gives the child a copy of the page.")
def yh_child_zero_page(adv: Adversary) -> None:
    """1. wp_page_copy() copies the old page (or maps the zero page's copy only where the old
    pte was the zero page); the child's TCB page read as zeros: label -4."""
    child_page(adv, lambda a, mm, page, old: _new_frame(a, mm, page, bytes(PAGE)))


@scenario(id="YH-011", title="In the fork child, map a copy of the rseq area's page whose "
          "first word differs", family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL",),
          program=VICTIM,
          prop="The child's copy of a page holds the parent's bytes.")
def yh_child_altered_copy(adv: Adversary) -> None:
    """1. copy_user_highpage() copies every byte; a changed word, label -4."""
    def make(a: Adversary, mm, page: int, old: int) -> None:  # type: ignore[no-untyped-def]
        data = bytearray(a.read_lm(old))
        data[0] ^= 0x5A
        _new_frame(a, mm, page, bytes(data))
    child_page(adv, make)


# --- a signal at a call's return -----------------------------------------------------------
def usr1_at(adv: Adversary, phase: int, nr: int, ret: int | None = None) -> None:
    """At the return of the call `nr` the kernel sees in step `phase`, SIGUSR1 sent by
    another process (kill(): SI_USER) becomes pending: the return delivers it
    (do_notify_resume()); `ret` replaces the answer where given."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        if ret is not None:
            a.set_reg("x0", ret)
        a.init.pending.add(SIGUSR1, pack_siginfo(SIGUSR1, SI_USER, pid=1))
        a.note(f"SIGUSR1 pending at call {nr}'s return" +
               (f", answered {ret:#x}" if ret is not None else ""))


def claim_usr1_at_swapped_call(adv: Adversary) -> None:
    """io_setup() shown as 244, answered -ENOSYS (sys_ni_syscall()); a SIGUSR1 another
    process sent arrives meanwhile and is delivered at the call's return (exit_to_user_mode
    -> do_signal(): -ENOSYS is no restart code, x0 stays).  The handler runs and returns;
    the program sees -ENOSYS with its registers: label 0."""
    for nr in (SHOWN_NR, NR_IO_SETUP):
        usr1_at(adv, P_IO_SETUP, nr)


def claim_usr1_at_own_244(adv: Adversary) -> None:
    """The same at the program's own svc 244."""
    usr1_at(adv, P_NR244, 244)


@scenario(id="YH-012", title="Answer the program's own svc 244 with -ERESTARTNOHAND while "
          "a SIGUSR1 (handled, no SA_RESTART) is pending: the program sees -EINTR",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="sys_ni_syscall() never sleeps: no restart code, no -EINTR.")
def yh_own_244_interrupted(adv: Adversary) -> None:
    """1. do_signal() turns -ERESTARTNOHAND into -EINTR where a handler runs; only a call that
    slept returns it.  The number 244 gets -ENOSYS at once: -EINTR, label -4."""
    usr1_at(adv, P_NR244, 244, ERESTARTNOHAND)


@scenario(id="YH-013", title="Answer io_setup(), shown as 244, with -ERESTARTNOHAND while a "
          "SIGUSR1 (handled, no SA_RESTART) is pending", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="A call the kernel is shown as 244 is answered -ENOSYS, signal or not.")
def yh_io_setup_interrupted(adv: Adversary) -> None:
    """1. As YH-012, for io_setup(): -EINTR, label -4."""
    for nr in (SHOWN_NR, NR_IO_SETUP):
        usr1_at(adv, P_IO_SETUP, nr, ERESTARTNOHAND)


# --- x8's upper half ------------------------------------------------------------------------
def claim_high_x8_getpid(adv: Adversary) -> None:
    """(-hi) svc with x8 = 2^32 + 172: arm64's do_el0_svc() passes regs->regs[8] to
    el0_svc_common() as `int scno`, so Linux runs getpid() and answers the pid
    (qemu-aarch64-static's do_syscall() takes an int number too: the step indexes 0 there).
    The kernel model takes w8 too and answers the pid itself: noted here."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETPID, during=P_HIGH_NR)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.init.pid)
        a.note(f"call {HIGH_GETPID:#x} answered as getpid(): {a.init.pid}")


@scenario(id="YH-014", title="Answer the program's svc with x8 = 2^32 + __NR_getpid "
          "(getpid() under Linux) with -EPERM", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=VICTIM, args=(b"-hi",),
          prop="A number whose low 32 bits name a call is that call: getpid() never fails.")
def yh_high_x8_eperm(adv: Adversary) -> None:
    """1. el0_svc_common() truncates x8 to int: getpid(), which cannot fail; -EPERM, label -4."""
    answered(adv, P_HIGH_NR, NR_GETPID, EPERM)
