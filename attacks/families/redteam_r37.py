"""Red-team round thirty-seven: failures -- the errors a call can and cannot return.

The kernel answers every call, and an error is an answer too.  Linux bounds it: some calls
never fail (sched_yield, clock_gettime of a valid clock, uname into writable memory), some
fail only one way in the program's state (close of a file without a flush, close_range
with valid arguments, dup3 onto itself), EAGAIN needs a non-blocking descriptor (or
GRND_NONBLOCK), EINTR needs a handler that ran, the restart codes 512..516 never leave the
kernel, EFAULT needs memory the program does not have, EBADF a descriptor not open, EMFILE
a table at the program's own RLIMIT_NOFILE, and an error is never below -MAX_ERRNO nor
after bytes moved.  QU-001..QU-020 answer one call of the victim with an error Linux could
not return there; QU-021..QU-026 look at what a call that must fail leaves (a handler,
an old action, the mask) and at EINTR for a read that never waits.

The victim is `secret_r37_errors` (workloads/src/secret_r37_errors.c): each step announces
itself with a marker, makes its call and runs the program's own error path on the answer,
which turns an errno into the index of the label "before" the table (-1 - (errno & 3)): a
log buffer begins with a copy of the secret, and the step writes that label to /dev/null.
Until its step 20 the program installs no signal handler; it never sets O_NONBLOCK.  Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from kernel_model import signals as sig

RT = "redteam_r37"
ERRORS = "secret_r37_errors"
NR = NUMBERS
MASK64 = (1 << 64) - 1
# secret_r37_errors: the marker before each step; the marker after its write is + 1.
P_YIELD, P_CLOSE, P_CLOSE_RANGE, P_PIPE_EAGAIN, P_PIPE_EINTR = 3700, 3702, 3704, 3706, 3708
P_RESTART, P_NANOSLEEP, P_EFAULT, P_EBADF, P_EMFILE = 3710, 3712, 3714, 3716, 3718
P_GETRANDOM, P_CLOCK, P_BIG_ERRNO, P_DUP3_SELF, P_SIGMASK = 3720, 3722, 3724, 3726, 3728
P_SIGACTION, P_MPROTECT, P_UNAME, P_PIPE_WRITE, P_SIGACTION_FAIL = 3730, 3732, 3734, 3736, 3738
P_SIGKILL_ACTION, P_OLDACT_SIZE, P_MASK_HOW, P_READ_SIGNALLED = 3740, 3742, 3744, 3746
EPERM, EINTR, EBADF, EAGAIN, EACCES, EFAULT, EINVAL, EPIPE = (
    1, 4, 9, 11, 13, 14, 22, 32)
ERESTARTSYS, ERESTART_RESTARTBLOCK = 512, 516


def _answer(adv: Adversary, nr: int, during: int, value: int, n: int = 1) -> None:
    """Answer the `n`-th call `nr` after marker `during` with `value` (as the call
    returns: whatever it did stays done)."""
    seen = [0]

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        seen[0] += 1
        if seen[0] == n:
            was = a.reg("x0")
            a.set_reg("x0", value & MASK64)
            a.note(f"call {nr} answered {value} (it returned {was:#x})")


def _answer_sleep(adv: Adversary, during: int, value: int) -> None:
    """Answer the nanosleep() after marker `during` with `value` as the kernel resumes the
    thread once the sleep is over (the call blocks: its wake-up writes 0 into the saved
    x0, and no syscall exit follows)."""
    slept = [False]

    @adv.on(Point.SYSCALL_EXIT, nr=NR["nanosleep"], during=during)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        slept[0] = True

    @adv.on(Point.BEFORE_RESUME, during=during, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if slept[0] and a.reg("x0") == 0:
            slept[0] = False
            a.set_reg("x0", value & MASK64)
            a.note(f"the sleep answered {value}")


# Dropped after the fixing session: four attacks of this round were answers Linux can give,
# the kernel's claims rather than breaks (the victim trusts them; an honest program may not):
# close() of "/dev/null" failing with EAGAIN (close returns the file's ->flush() result, and
# what a path opens is the kernel's to resolve: a FUSE file's flush answers any errno), a read
# into the program's own stack failing with EFAULT (a page brought back in under VM_FAULT_OOM
# makes copy_to_user fail), a read of an open /dev/zero descriptor failing with EBADF (the
# same FUSE argument) and mprotect(PROT_READ) of anonymous memory failing with EACCES
# (security_file_mprotect: any LSM, a BPF LSM among them, may refuse it).  The victim's
# steps for them (P_CLOSE, P_EFAULT, P_EBADF, P_MPROTECT) still run, unattacked.

# --- calls that never fail ------------------------------------------------------------------
@scenario(id="QU-001", title="Fail sched_yield() with EINTR", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=ERRORS,
          prop="sched_yield() always returns 0.")
def qu_yield(adv: Adversary) -> None:
    """1. The program calls sched_yield() (its marker first).
    2. The kernel answers -EINTR.
    3. The program's error path takes errno 4 to index -1 and logs bytes 24..31 of the
    secret.
    kernel/sched/core.c: SYSCALL_DEFINE0(sched_yield) calls do_sched_yield() and returns 0;
    it cannot fail."""
    _answer(adv, NR["sched_yield"], P_YIELD, -EINTR)


@scenario(id="QU-003", title="Fail close_range(fd, fd, 0) with EINVAL", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=ERRORS,
          prop="close_range() fails with EINVAL only for unknown flags or first > last.")
def qu_close_range(adv: Adversary) -> None:
    """1. The program dup()s /dev/null and calls close_range(fd, fd, 0).
    2. The kernel answers -EINVAL.
    3. errno 22 is index -3: the program logs bytes 8..15 of the secret.
    fs/file.c: __close_range() returns -EINVAL only for flags beyond CLOSE_RANGE_UNSHARE |
    CLOSE_RANGE_CLOEXEC or fd > max_fd; with flags 0 it otherwise returns 0 (ENOMEM only
    when unsharing)."""
    _answer(adv, NR["close_range"], P_CLOSE_RANGE, -EINVAL)


# --- a blocking read with its bytes already there -------------------------------------------
@scenario(id="QU-004", title="Fail a blocking pipe read whose bytes are there with EAGAIN",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=ERRORS,
          prop="EAGAIN only for a non-blocking descriptor: a blocking read waits or returns "
               "the bytes.")
def qu_pipe_eagain(adv: Adversary) -> None:
    """1. The program writes 8 bytes into its blocking pipe (write answers 8), then reads 8.
    2. The kernel answers the read -EAGAIN.
    3. errno 11 is index -4: the program logs bytes 0..7 of the secret.
    fs/pipe.c: pipe_read() returns -EAGAIN only when the file has O_NONBLOCK (or
    IOCB_NOWAIT); pipe2(fds, 0) made a blocking pipe, and with 8 bytes buffered it copies
    them and returns 8."""
    _answer(adv, NR["read"], P_PIPE_EAGAIN, -EAGAIN)


@scenario(id="QU-005", title="Fail a pipe read with EINTR in a program with no handler",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=ERRORS,
          prop="EINTR only when a signal was delivered to a handler during the wait.")
def qu_pipe_eintr(adv: Adversary) -> None:
    """1. The program (which installed no signal handler) writes 8 bytes into its pipe,
    then reads 8.
    2. The kernel answers the read -EINTR.
    3. errno 4 is index -1: the program logs bytes 24..31 of the secret.
    fs/pipe.c: pipe_read() never waits with bytes buffered; even a wait ends with
    -ERESTARTSYS, which arch/arm64/kernel/signal.c do_signal() turns into EINTR only when
    it sets up a handler's frame; with no handler it restarts the call (a fatal signal
    kills the program first)."""
    _answer(adv, NR["read"], P_PIPE_EINTR, -EINTR)


@scenario(id="QU-006", title="Let ERESTARTSYS (512) reach the program from a pipe read",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=ERRORS,
          prop="The kernel-internal restart codes 512..516 never reach user space.")
def qu_restart(adv: Adversary) -> None:
    """1. The program writes 8 bytes into its pipe and reads 8.
    2. The kernel answers the read -512 (-ERESTARTSYS).
    3. errno 512 is index -1: the program logs bytes 24..31 of the secret.
    include/linux/errno.h: ERESTARTSYS..ERESTART_RESTARTBLOCK \"should never be seen by
    user programs\"; arm64 do_signal() rewrites each to a restart or -EINTR before the
    return to EL0."""
    _answer(adv, NR["read"], P_RESTART, -ERESTARTSYS)


@scenario(id="QU-007", title="Fail nanosleep() with EINTR in a program with no handler",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=ERRORS,
          prop="A nanosleep that no handler interrupts returns 0 (a signal without a handler "
               "restarts it).")
def qu_nanosleep(adv: Adversary) -> None:
    """1. The program (no handler installed) sleeps 1 us with nanosleep().
    2. The kernel answers -EINTR (and writes no remaining time).
    3. errno 4 is index -1: the program logs bytes 24..31 of the secret.
    kernel/time/hrtimer.c: do_nanosleep() returns -ERESTART_RESTARTBLOCK on a pending
    signal; arm64 do_signal() turns it into -EINTR only when it runs a handler, otherwise
    into a restart_syscall() that finishes the sleep."""
    _answer_sleep(adv, P_NANOSLEEP, -EINTR)


@scenario(id="QU-008", title="Let ERESTART_RESTARTBLOCK (516) reach the program from "
          "nanosleep()", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=ERRORS,
          prop="The kernel-internal restart codes 512..516 never reach user space.")
def qu_nanosleep_restart(adv: Adversary) -> None:
    """1. The program sleeps 1 us with nanosleep().
    2. The kernel answers -516 (-ERESTART_RESTARTBLOCK), the code do_nanosleep() itself
    returns on a signal.
    3. errno 516 is index -1: the program logs bytes 24..31 of the secret.
    arm64 do_signal() always consumes -ERESTART_RESTARTBLOCK (x8 = __NR_restart_syscall and
    the SVC re-run, or -EINTR for a handler): user space never sees it."""
    _answer_sleep(adv, P_NANOSLEEP, -ERESTART_RESTARTBLOCK)


# --- EFAULT, EBADF, EMFILE where the program knows better -----------------------------------
@scenario(id="QU-012", title="Fail getrandom(buf, 8, 0) with EAGAIN", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT", "G-IAGO-OUTPUT"), program=ERRORS,
          prop="getrandom() without GRND_NONBLOCK never fails with EAGAIN: it blocks.")
def qu_getrandom(adv: Adversary) -> None:
    """1. The program asks getrandom() for 8 bytes with flags 0.
    2. The kernel answers -EAGAIN.
    3. errno 11 is index -4: the program logs bytes 0..7 of the secret.
    drivers/char/random.c: getrandom() returns -EAGAIN only with GRND_NONBLOCK and the
    pool not ready; without it wait_for_random_bytes() waits (and the pool was ready: the
    program's first getrandom(32, 0) returned 32)."""
    _answer(adv, NR["getrandom"], P_GETRANDOM, -EAGAIN)


@scenario(id="QU-013", title="Fail clock_gettime(CLOCK_MONOTONIC) with EINVAL", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=ERRORS,
          prop="clock_gettime() of a valid clock into writable memory always succeeds.")
def qu_clock(adv: Adversary) -> None:
    """1. The program calls clock_gettime(CLOCK_MONOTONIC, &ts) on its stack.
    2. The kernel answers -EINVAL.
    3. errno 22 is index -3: the program logs bytes 8..15 of the secret.
    kernel/time/posix-timers.c: clock_gettime() fails with -EINVAL only for a clock id
    clockid_to_kclock() does not know; CLOCK_MONOTONIC's clock_get_timespec never fails."""
    _answer(adv, NR["clock_gettime"], P_CLOCK, -EINVAL)


@scenario(id="QU-014", title="Answer a read with -5000, beyond -MAX_ERRNO", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=ERRORS,
          prop="A call returns a count or -errno with errno 1..4095; never another "
               "negative value.")
def qu_big_errno(adv: Adversary) -> None:
    """1. The program reads 8 bytes of /dev/zero.
    2. The kernel answers -5000.
    3. The program's error path takes any negative answer as -errno: 5000 is index -1,
    it logs bytes 24..31 of the secret.
    include/linux/err.h MAX_ERRNO 4095: read() returns a count (ssize_t, 0..8) or
    -errno with errno at most 4095; -5000 is neither."""
    _answer(adv, NR["read"], P_BIG_ERRNO, -5000)


# --- calls that fail only one way -----------------------------------------------------------
@scenario(id="QU-015", title="Succeed dup3(fd, fd, 0)", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=ERRORS,
          prop="dup3(fd, fd, flags) always fails with EINVAL.")
def qu_dup3_self(adv: Adversary) -> None:
    """1. The program calls dup3(fd, fd, 0) on its /dev/zero descriptor, expecting -EINVAL
    (its own fallback path, as a dup2() shim does).
    2. The kernel answers fd (a success).
    3. The program takes a success as index -4 and logs bytes 0..7 of the secret.
    fs/file.c ksys_dup3(): `if (unlikely(oldfd == newfd)) return -EINVAL;` before
    anything else."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["dup3"], during=P_DUP3_SELF)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        fd = a.reg("x1")
        a.set_reg("x0", fd)
        a.note(f"dup3({fd}, {fd}) answered {fd}")


@scenario(id="QU-016", title="Fail rt_sigprocmask(SIG_BLOCK, set, old, 8) with EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE", "G-IAGO-OUTPUT"), program=ERRORS,
          prop="rt_sigprocmask() fails with EINVAL only for a bad `how` or sigsetsize.")
def qu_sigmask(adv: Adversary) -> None:
    """1. The program blocks SIGUSR2 with rt_sigprocmask(SIG_BLOCK, &set, &old, 8).
    2. The kernel answers -EINVAL.
    3. errno 22 is index -3: the program logs bytes 8..15 of the secret.
    kernel/signal.c rt_sigprocmask: -EINVAL only for sigsetsize != sizeof(sigset_t) or a
    `how` other than SIG_BLOCK/SIG_UNBLOCK/SIG_SETMASK; EFAULT for the sets, which are on
    the program's stack."""
    _answer(adv, NR["rt_sigprocmask"], P_SIGMASK, -EINVAL)


@scenario(id="QU-017", title="Fail rt_sigaction(SIGUSR2, NULL, &old, 8) with EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-OLD-STATE", "G-IAGO-OUTPUT"), program=ERRORS,
          prop="rt_sigaction() of a valid signal with a valid size only fails with EFAULT.")
def qu_sigaction(adv: Adversary) -> None:
    """1. The program asks for SIGUSR2's action: rt_sigaction(SIGUSR2, NULL, &old, 8).
    2. The kernel answers -EINVAL.
    3. errno 22 is index -3: the program logs bytes 8..15 of the secret.
    kernel/signal.c do_sigaction(): -EINVAL only for an invalid signal number or a new
    action for SIGKILL/SIGSTOP; rt_sigaction checks sigsetsize (8 is right)."""
    _answer(adv, NR["rt_sigaction"], P_SIGACTION, -EINVAL)


@scenario(id="QU-019", title="Fail uname() with EPERM", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-OUTPUT",), program=ERRORS,
          prop="uname() fails only with EFAULT.")
def qu_uname(adv: Adversary) -> None:
    """1. The program calls uname() into a static buffer.
    2. The kernel answers -EPERM.
    3. errno 1 is index -2: the program logs bytes 16..23 of the secret.
    kernel/sys.c SYSCALL_DEFINE1(newuname): copy_to_user() failing is its only error
    (-EFAULT)."""
    _answer(adv, NR["uname"], P_UNAME, -EPERM)


@scenario(id="QU-020", title="Fail a pipe write that moved its bytes with EPIPE", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=ERRORS,
          prop="A write that moved bytes returns the count; EPIPE only without a reader.")
def qu_pipe_write(adv: Adversary) -> None:
    """1. The program writes 8 bytes into its empty pipe, whose read end it holds open.
    2. The kernel's write puts the 8 bytes into the pipe and answers -EPIPE.
    3. errno 32 is index -1: the program logs bytes 24..31 of the secret.
    fs/pipe.c pipe_write(): -EPIPE only when pipe->readers is 0, and once bytes were
    copied it returns their count (`if (ret > 0) ...; return ret;`), never an error."""
    _answer(adv, NR["write"], P_PIPE_WRITE, -EPIPE)


# --- what a failed call leaves -------------------------------------------------------------
@scenario(id="QU-021", title="Install the handler of an rt_sigaction() that fails with EINVAL",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER", "G-SIGNAL-OLD-STATE"),
          program=ERRORS,
          prop="A failed rt_sigaction() changes no signal's action.")
def qu_sigaction_fail(adv: Adversary) -> None:
    """1. The program calls rt_sigaction(SIGURG, {handler}, NULL, 16): a sigsetsize of 16
    fails with -EINVAL; then it sends itself SIGURG (tgkill).
    2. The kernel answers -EINVAL as Linux does, but installs the handler anyway; the
    SIGURG then runs it.
    3. The handler counted one signal: index -4, the program logs bytes 0..7 of the secret.
    kernel/signal.c SYSCALL_DEFINE4(rt_sigaction): `if (sigsetsize != sizeof(sigset_t))
    return -EINVAL;` before do_sigaction(), so SIGURG keeps SIG_DFL (ignore) and
    tgkill's SIGURG is discarded (sig_ignored() in send_signal_locked())."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigaction"],  # type: ignore[arg-type]
            during=P_SIGACTION_FAIL)
    def _(a: Adversary, **_: object) -> None:
        new = sig.SigAction.unpack(a.kernel.uaccess.read(a.reg("x1"), 32))
        a.init.sigactions.set(sig.SIGURG, sig.SigAction(new.handler, new.flags, new.mask,
                                                         new.restorer))
        a.note(f"SIGURG's handler {new.handler:#x} installed; the call answered "
               f"{a.reg('x0') - (1 << 64):d}")


@scenario(id="QU-022", title="Succeed an rt_sigaction() whose sigsetsize is 16 and install "
          "its handler", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-HANDLER", "G-IAGO-OUTPUT"), program=ERRORS,
          prop="rt_sigaction() with a sigsetsize other than sizeof(sigset_t) (8) always "
               "fails with EINVAL and installs nothing.")
def qu_sigaction_size(adv: Adversary) -> None:
    """1. The program calls rt_sigaction(SIGURG, {handler}, NULL, 16), then sends itself
    SIGURG (tgkill).
    2. The kernel installs the handler and answers 0; the SIGURG runs the handler.
    3. The handler counted one signal: index -4, the program logs bytes 0..7 of the secret.
    kernel/signal.c SYSCALL_DEFINE4(rt_sigaction) refuses sigsetsize != sizeof(sigset_t)
    with -EINVAL before do_sigaction(): the call can never succeed, so SIGURG stays
    ignored."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigaction"],  # type: ignore[arg-type]
            during=P_SIGACTION_FAIL)
    def _(a: Adversary, **_: object) -> None:
        new = sig.SigAction.unpack(a.kernel.uaccess.read(a.reg("x1"), 32))
        a.init.sigactions.set(sig.SIGURG, sig.SigAction(new.handler, new.flags, new.mask,
                                                         new.restorer))
        a.set_reg("x0", 0)
        a.note(f"SIGURG's handler {new.handler:#x} installed; the call answered 0")


@scenario(id="QU-023", title="Succeed rt_sigaction(SIGKILL, handler) and run that handler",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-HANDLER", "G-IAGO-OUTPUT"),
          program=ERRORS,
          prop="SIGKILL's action cannot be changed (EINVAL): a SIGKILL handler never runs.")
def qu_sigkill_handler(adv: Adversary) -> None:
    """1. The program calls rt_sigaction(SIGKILL, {handler}, NULL, 8) (Linux: -EINVAL),
    then getpid().
    2. The kernel installs the handler, answers 0, and as getpid() returns delivers
    SIGKILL to it.
    3. The handler counted one signal: index -4, the program logs bytes 0..7 of the secret.
    kernel/signal.c do_sigaction(): `if (act && sig_kernel_only(sig)) return -EINVAL;`
    SIGKILL always kills (its action is fixed), so no handler can ever run for it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigaction"],  # type: ignore[arg-type]
            during=P_SIGKILL_ACTION)
    def _(a: Adversary, **_: object) -> None:
        new = sig.SigAction.unpack(a.kernel.uaccess.read(a.reg("x1"), 32))
        a.init.sigactions.set(sig.SIGKILL, sig.SigAction(new.handler, new.flags, new.mask,
                                                          new.restorer))
        a.set_reg("x0", 0)
        a.note(f"SIGKILL's handler {new.handler:#x} installed; the call answered 0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR["getpid"], during=P_SIGKILL_ACTION)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.thread.pending.add(sig.SIGKILL, sig.pack_siginfo(sig.SIGKILL, sig.SI_USER))
        a.note("SIGKILL queued for the thread (to its handler, not the kill path)")


@scenario(id="QU-024", title="Succeed rt_sigaction(SIGUSR2, NULL, &old, 16) with a made-up "
          "old action", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-OLD-STATE", "G-IAGO-OUTPUT"), program=ERRORS,
          prop="rt_sigaction() with a sigsetsize other than 8 fails with EINVAL and writes "
               "no old action.")
def qu_oldact_size(adv: Adversary) -> None:
    """1. The program asks for SIGUSR2's action with sigsetsize 16 (old zeroed first).
    2. The kernel writes an old action of SIG_IGN and answers 0.
    3. The program sees a non-default old handler: index -4, it logs bytes 0..7 of the
    secret.
    kernel/signal.c SYSCALL_DEFINE4(rt_sigaction) returns -EINVAL for sigsetsize != 8
    before anything is copied out; and even a valid query would report SIG_DFL, the
    action SIGUSR2 has had since exec."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigaction"],  # type: ignore[arg-type]
            during=P_OLDACT_SIZE)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.reg("x2"), struct.pack("<4Q", 1, 0, 0, 0))
        a.set_reg("x0", 0)
        a.note("old action SIG_IGN written; the call answered 0")


@scenario(id="QU-025", title="Succeed rt_sigprocmask() with an unknown `how` as a SIG_SETMASK "
          "that unblocks SIGUSR1, and deliver SIGUSR1", family=RT, goal=Goal.LEAK,
          rules=("G-SIGNAL-MASK", "G-IAGO-OUTPUT"), program=ERRORS,
          prop="rt_sigprocmask() with a `how` other than SIG_BLOCK/SIG_UNBLOCK/SIG_SETMASK "
               "fails with EINVAL and leaves the mask; a blocked signal's handler never runs.")
def qu_mask_how(adv: Adversary) -> None:
    """1. The program gives SIGUSR1 a handler, blocks it, then calls rt_sigprocmask(99,
    {}, NULL, 8) and getpid().
    2. The kernel treats how 99 as SIG_SETMASK (the mask becomes empty), answers 0, and
    sends SIGUSR1 as getpid() returns.
    3. The handler runs once: index -4, the program logs bytes 0..7 of the secret.
    kernel/signal.c sigprocmask(): `default: return -EINVAL;` for an unknown `how`,
    before the mask is touched; SIGUSR1 stays blocked and stays pending."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["rt_sigprocmask"],  # type: ignore[arg-type]
            during=P_MASK_HOW)
    def _(a: Adversary, **_: object) -> None:
        a.thread.sigmask = 0
        a.set_reg("x0", 0)
        a.note("how 99 applied as SIG_SETMASK {}; the call answered 0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR["getpid"], during=P_MASK_HOW)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.kernel.signals.send_thread(a.thread, sig.SIGUSR1, b"")
        a.note("SIGUSR1 sent to the thread")


@scenario(id="QU-026", title="Fail a pipe read whose bytes are there with EINTR, a handler "
          "running", family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK", "G-IAGO-COUNT"),
          program=ERRORS,
          prop="A read that finds its bytes buffered returns them; a signal that arrives "
               "meanwhile runs its handler after the read, it never turns it into EINTR.")
def qu_read_signalled(adv: Adversary) -> None:
    """1. The program (SIGUSR1 handled and unblocked) reads 8 bytes from its pipe, which
    holds 8 (written in step 19).
    2. The kernel sends SIGUSR1 (a claim: any process of the user may) and answers the
    read -EINTR; the handler runs.
    3. errno 4 is index -1: the program logs bytes 24..31 of the secret.
    fs/pipe.c pipe_read(): with the pipe not empty it copies the bytes and returns 8
    before it would ever wait (only the wait checks signal_pending(), giving
    -ERESTARTSYS); a signal pending at entry is delivered after the read returns 8."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR["read"], during=P_READ_SIGNALLED)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        was = a.reg("x0")
        a.kernel.signals.send_thread(a.thread, sig.SIGUSR1, b"")
        a.set_reg("x0", -EINTR & MASK64)
        a.note(f"SIGUSR1 sent; the read answered -EINTR (it returned {was:#x})")
