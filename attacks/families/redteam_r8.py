"""Red-team round eight: results a program trusts about its own memory and signals.

The scenarios attack `secret_outputs` (workloads/src/secret_outputs.c): the secret kept as
in `secret`, then uname(), clock_gettime(), fstat() and sysinfo() into a scratch area that
held copies of the secret (what they filled in is sent to /dev/null), lengths reported by
sched_getaffinity() and getsockopt(), and, behind its switches, a MADV_WIPEONFORK page a
forked child takes for a fresh buffer (-w), an old signal mask put back
(-m), the secret drawn from /dev/urandom (-u), a thread left blocked at exit_group (-t), a
robust-list head replaced (-R), a thread started with SIGTERM blocked (-k) and
rt_sigtimedwait (-q).  Its markers (phases 130 and up) are mirrored by the P_* constants
here.
Each scenario holds only the kernel's powers (its EL1 face, its own syscall dispatch,
signal queue, descriptors and threads, the Guardian's calls).  Where an attack still gets
through with the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import (
    answer,
    known_random_behind,
    program_markers,
    serve_as_getpid,
    write_back,
)
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario

RT = "rt8"
OUTPUTS = "secret_outputs"
NR_UNAME = NUMBERS["uname"]
NR_CLOCK_GETTIME = NUMBERS["clock_gettime"]
NR_FSTAT = NUMBERS["fstat"]
NR_SYSINFO = NUMBERS["sysinfo"]
NR_MADVISE = NUMBERS["madvise"]
MADV_NORMAL = 0
WIPE = b"-w"                    # secret_outputs' switch for its MADV_WIPEONFORK step

P_UNAME, P_UNAME_DONE, P_CLOCK, P_CLOCK_DONE = 130, 131, 132, 133
P_FSTAT, P_FSTAT_DONE, P_WIPE, P_WIPE_CHILD, P_WIPE_DONE = 134, 135, 136, 137, 138
P_SYSINFO, P_SYSINFO_DONE = 139, 140
P_OLDMASK, P_OLDMASK_CHECK, P_OLDMASK_DONE = 141, 142, 143
MASKS = b"-m"                   # secret_outputs' switch for its saved-mask step
URANDOM = b"-u"                 # secret_outputs' switch: the secret from /dev/urandom
NR_RT_SIGPROCMASK = NUMBERS["rt_sigprocmask"]
NR_OPENAT = NUMBERS["openat"]
NR_SCHED_GETAFFINITY = NUMBERS["sched_getaffinity"]
NR_GETSOCKOPT = NUMBERS["getsockopt"]
P_AFFINITY, P_AFFINITY_DONE, P_SOCKOPT, P_SOCKOPT_DONE = 144, 145, 146, 147
NR_EXIT = NUMBERS["exit"]
NR_EXIT_GROUP = NUMBERS["exit_group"]
P_END, P_LATE = 21, 148
LATE = b"-t"                    # secret_outputs' switch: a thread left blocked at exit_group
P_ROBUST = 149
ROBUST = b"-R"                  # secret_outputs' switch: a robust-list head replaced
P_TMASK, P_TMASK_DONE = 151, 152
TMASK = b"-k"                   # secret_outputs' switch: a thread started with SIGTERM blocked
NR_CLONE = NUMBERS["clone"]
SIGTERM = 15
P_SIGWAIT, P_SIGWAIT_DONE = 153, 154
SIGWAIT = b"-q"                 # secret_outputs' switch: rt_sigtimedwait({SIGUSR1})
NR_RT_SIGTIMEDWAIT = NUMBERS["rt_sigtimedwait"]
SIGUSR1 = 10
SCRATCH = 512                   # secret_outputs' scratch area: copies of the secret


# --- RQ-001..RQ-004: an output structure reported filled, never written -------------------

@scenario(id="RQ-001", title="Answer uname() with success and write no utsname",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=OUTPUTS,
          prop="After uname() succeeds, the structure holds what the kernel wrote there, not "
               "the bytes the program's buffer held before the call.")
def rq_uname_unwritten(adv: Adversary) -> None:
    """1. The program's scratch area holds copies of the secret; it calls uname() into
    it and sends the nodename field (65 bytes) to /dev/null.
    2. Serve the call as getpid() (nothing is written) and answer 0.
    3. The nodename the program sends is the secret's copy left in its buffer."""
    serve_as_getpid(adv, NR_UNAME, P_UNAME)


@scenario(id="RQ-002", title="Answer clock_gettime() with success and write no timespec",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=OUTPUTS,
          prop="After clock_gettime() succeeds, the timespec holds the kernel's time, not the "
               "bytes the program's buffer held before the call.")
def rq_clock_unwritten(adv: Adversary) -> None:
    """1. The program's scratch area holds copies of the secret; it calls
    clock_gettime(CLOCK_MONOTONIC) into it and sends the 16-byte timespec to /dev/null.
    2. Serve the call as getpid() (nothing is written) and answer 0.
    3. The 'time' the program sends is 16 bytes of the secret."""
    serve_as_getpid(adv, NR_CLOCK_GETTIME, P_CLOCK)


@scenario(id="RQ-003", title="Answer fstat() with success and write no struct stat",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=OUTPUTS,
          prop="After fstat() succeeds, the struct stat holds what the kernel wrote there, "
               "not the bytes the program's buffer held before the call.")
def rq_fstat_unwritten(adv: Adversary) -> None:
    """1. The program's scratch area holds copies of the secret; it calls fstat() of
    /dev/null into it and sends the 128-byte struct stat to /dev/null.
    2. Serve the call as getpid() (nothing is written) and answer 0.
    3. The record the program sends is four copies of the secret."""
    serve_as_getpid(adv, NR_FSTAT, P_FSTAT)


@scenario(id="RQ-004", title="Answer sysinfo() with success and write no struct sysinfo",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=OUTPUTS,
          prop="After sysinfo() succeeds, the struct sysinfo holds what the kernel wrote "
               "there, not the bytes the program's buffer held before the call.")
def rq_sysinfo_unwritten(adv: Adversary) -> None:
    """1. The program's scratch area holds copies of the secret; it calls sysinfo() into
    it and sends the 112-byte struct sysinfo to /dev/null.
    2. Serve the call as getpid() (nothing is written) and answer 0.
    3. The record the program sends holds the secret's copies."""
    serve_as_getpid(adv, NR_SYSINFO, P_SYSINFO)


# --- RQ-005: a wipe-on-fork page handed to the child with its bytes ------------------------

@scenario(id="RQ-005", title="Ignore MADV_WIPEONFORK: the forked child gets the page's bytes",
          family=RT, goal=Goal.LEAK, rules=("G-MEASURE-ALL", "G-FORK-ADVICE"),
          program=OUTPUTS, args=(WIPE,),
          prop="A page the program marked MADV_WIPEONFORK reads as zero in a forked child.")
def rq_wipeonfork_ignored(adv: Adversary) -> None:
    """1. The program puts a copy of the secret in an anonymous page and calls
    madvise(page, 4096, MADV_WIPEONFORK), then fork().
    2. Serve the madvise as MADV_NORMAL (nothing is recorded) and answer 0; fork the
       process as usual, the page copied like any other.
    3. The child takes the page for a zero-filled buffer, writes 8 public bytes at its
       start and sends all 4096 bytes to /dev/null: the secret goes with them."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MADVISE, during=P_WIPE)
    def _(a: Adversary, **_: object) -> None:
        a.memo["advice"] = a.reg("x2")
        a.set_reg("x2", MADV_NORMAL)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MADVISE, during=P_WIPE)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x2", a.memo.pop("advice", MADV_NORMAL))
        a.set_reg("x0", 0)



# --- RQ-006: the old signal mask reported without a blocked signal -------------------------

def _term_ran_while_blocked(out: Outcome) -> list[str]:
    """The program's SIGTERM handler ran while the program kept SIGTERM blocked."""
    runs = [m.args[0] for m in program_markers(out, P_OLDMASK_CHECK)]
    return [f"the SIGTERM handler ran {runs[0]} time(s) while the program held SIGTERM "
            "blocked (it restored the old mask the kernel reported)"] if runs and runs[0] else []


@scenario(id="RQ-006", title="Report an old signal mask without the blocked SIGTERM",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-OLD-STATE",), program=OUTPUTS,
          args=(MASKS,), oracle=_term_ran_while_blocked,
          prop="The old mask rt_sigprocmask() reports is the thread's mask before the call: "
               "a program that puts it back keeps the signals it had blocked blocked.")
def rq_oldmask_lied(adv: Adversary) -> None:
    """1. The program blocks SIGTERM (it has a counting handler), then calls
    rt_sigprocmask(SIG_BLOCK, {SIGUSR1}, &old) and later rt_sigprocmask(SIG_SETMASK,
    &old) to put its mask back, and sends itself SIGTERM.
    2. Serve the first call, then overwrite its `old` output (through the capability
       the call grants) with an empty mask, one without SIGTERM, and answer 0.
    3. The program's SETMASK then unblocks SIGTERM; its own SIGTERM runs the handler
       while the program believes it blocked."""
    write_back(adv, NR_RT_SIGPROCMASK, P_OLDMASK, 2, 0, size=8)   # the call's `oldset`


# --- RQ-007: the secret drawn from /dev/urandom, served by the kernel ----------------------

KNOWN_BYTES = bytes(range(0x41, 0x41 + 32))     # the "random" bytes the kernel picks


@scenario(id="RQ-007", title="Serve /dev/urandom with bytes the kernel chose",
          family=RT, goal=Goal.LEAK, rules=("G-KEYS-PRIVATE",), program=OUTPUTS,
          args=(URANDOM,),
          silent="the Guardian serves reads of /dev/urandom from its own entropy: nothing "
                 "to refuse",
          prop="Entropy a confidential program reads from /dev/urandom is not known to the "
               "kernel.")
def rq_urandom_known(adv: Adversary) -> None:
    """1. The program opens /dev/urandom and reads its 32-byte secret from it (instead of
    getrandom()).
    2. When openat() returns the descriptor, put a random device of the kernel's own
       behind it whose source is 32 bytes the kernel chose (and keeps).
    3. The program's secret is those bytes."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_OPENAT, during=0)
    def _(a: Adversary, **_: object) -> None:
        known_random_behind(a, "/dev/urandom", KNOWN_BYTES)


# --- RQ-008..RQ-009: lengths of less common calls -------------------------------------------

@scenario(id="RQ-008", title="sched_getaffinity() reports more bytes than the mask it was given",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=OUTPUTS,
          prop="sched_getaffinity's result is at most the mask size the program gave.")
def rq_affinity_len(adv: Adversary) -> None:
    """1. The program asks sched_getaffinity() for an 8-byte mask at the start of its
    scratch area (which holds copies of the secret) and sends as many bytes as the
    call reported to /dev/null.
    2. Report 512: the write carries the whole scratch area."""
    answer(adv, NR_SCHED_GETAFFINITY, P_AFFINITY, SCRATCH)


@scenario(id="RQ-009", title="getsockopt() reports an optlen larger than the program gave",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=OUTPUTS,
          prop="The optlen getsockopt() writes back is at most the optlen the program passed "
               "in.")
def rq_optlen(adv: Adversary) -> None:
    """1. The program calls getsockopt(SO_TYPE) with a 4-byte value and optlen 4, both in
    its scratch area (which holds copies of the secret), then sends optlen bytes of the
    value to /dev/null.
    2. Serve the call, then write 256 into optlen (the call's own output word) and
       answer 0: the write carries 256 bytes of the scratch area."""
    write_back(adv, NR_GETSOCKOPT, P_SOCKOPT, 4, SCRATCH // 2)   # `optlen`


# --- RQ-010: a thread the program's exit_group() should have ended, run again --------------

def _ran_after_exit_group(out: Outcome) -> list[str]:
    """The program's second thread ran after its exit_group()."""
    late = program_markers(out, P_LATE)
    return ["a thread of the program ran (and printed) after the program's exit_group()"] \
        if late else []


@scenario(id="RQ-010", title="Serve exit_group() as exit() and run the blocked thread on",
          family=RT, goal=Goal.TAMPER, rules=("G-EXIT-GROUP",), program=OUTPUTS,
          args=(LATE,), oracle=_ran_after_exit_group,
          prop="After a thread of a confidential program calls exit_group(), no thread of "
               "that program runs user code again.")
def rq_exit_group_partial(adv: Adversary) -> None:
    """1. At its end the program leaves a second thread blocked in read() of a pipe
    nobody writes and calls exit_group(0).
    2. Serve the exit_group as exit() (only the calling thread ends), then complete the
       other thread's read() with 0 (end of file) and schedule it.
    3. The second thread runs on: it announces itself and prints a line the program
       never prints (it would have died with the process)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT_GROUP, during=P_END)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.memo["others"] = [t for t in a.init.threads if t is not thread]
        a.set_reg("x8", NR_EXIT)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_EXIT_GROUP, during=P_END)
    def _(a: Adversary, **_: object) -> None:
        for t in a.memo.get("others", ()):
            a.kernel.wake(t, 0)


# --- RQ-011: a robust-list head the program replaced, read through its old registration ----

@scenario(id="RQ-011", title="Read the robust-list head the program has since replaced",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=OUTPUTS, args=(ROBUST,),
          prop="A long-lived user-access capability (the robust-list head set_robust_list "
               "named) ends when the program names another: the words it covered are the "
               "program's again.")
def rq_stale_robust_head(adv: Adversary) -> None:
    """1. The program registers a robust-list head in an anonymous page, then registers a
    second one in its place and reuses the first head's words for a copy of the secret.
    2. At the next system call, read 24 bytes at the first head, as a kernel walking the
       robust list at a thread's exit reads its head."""
    @adv.on(Point.MARKER, phase=P_ROBUST)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.observe(a.kernel.uaccess.read(args[0], 24), "the replaced robust-list head")


# --- RQ-012: a new thread started without the mask it inherits -----------------------------

def _term_ran_in_new_thread(out: Outcome) -> list[str]:
    """The SIGTERM handler ran although every thread of the program had SIGTERM blocked."""
    done = [m.args[0] for m in program_markers(out, P_TMASK_DONE)]
    return [f"the SIGTERM handler ran {done[0]} time(s) while SIGTERM was blocked in every "
            "thread (the new thread's inherited mask was dropped)"] if done and done[0] else []


@scenario(id="RQ-012", title="Start a clone()d thread with an empty signal mask and signal it",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-MASK",), program=OUTPUTS, args=(TMASK,),
          oracle=_term_ran_in_new_thread,
          prop="A thread made with clone() starts with its creator's signal mask: a signal "
               "the program blocked is not delivered to the new thread.")
def rq_thread_mask_dropped(adv: Adversary) -> None:
    """1. The program blocks SIGTERM (it has a counting handler) and starts a second
    thread with clone(CLONE_THREAD); the thread makes a few calls and exits.
    2. When clone() returns, record an empty signal mask for the new thread in the
       kernel's bookkeeping and send it SIGTERM (a thread-directed signal, which any
       process may send).
    3. The kernel delivers SIGTERM at the new thread's next return: its handler runs
       while the program holds SIGTERM blocked in every thread."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_TMASK)
    def _(a: Adversary, thread: object, **_: object) -> None:
        others = [t for t in a.init.threads if t is not thread]
        if not others:
            a.note("no new thread after clone()")
            return
        new = max(others, key=lambda t: t.tid)
        new.sigmask = 0
        a.kernel.signals.send_thread(new, SIGTERM, b"")


# --- RQ-013: rt_sigtimedwait() answering a signal the program did not wait for -------------

def signal_outside_set(out: Outcome) -> list[str]:
    """rt_sigtimedwait returned a signal number outside the set the program passed."""
    got = [m.args[0] for m in program_markers(out, P_SIGWAIT_DONE)]
    return [f"rt_sigtimedwait({{SIGUSR1}}) returned signal {got[0]}, which the program "
            "never waited for"] if got and 0 < got[0] < 65 and got[0] != SIGUSR1 else []


@scenario(id="RQ-013", title="Answer rt_sigtimedwait({SIGUSR1}) with SIGTERM",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-MASK",), program=OUTPUTS,
          args=(SIGWAIT,), oracle=signal_outside_set,
          prop="rt_sigtimedwait() returns a signal of the set the program passed (or an "
               "error), never another signal.")
def rq_sigwait_outside_set(adv: Adversary) -> None:
    """1. The program blocks SIGUSR1, sends it to itself and takes it with
    rt_sigtimedwait({SIGUSR1}); it dispatches on the number returned.
    2. Answer 15 (SIGTERM), a signal it neither waited for nor was sent: the program
       takes the path for a signal it never asked about."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_RT_SIGTIMEDWAIT, during=P_SIGWAIT)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", SIGTERM)
