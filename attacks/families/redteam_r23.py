"""Red-team round twenty-three: the state a program owns across exceptions and threads.

Futex words belong to the program: FUTEX_WAIT and FUTEX_WAKE only read the word,
FUTEX_WAKE_OP stores exactly its operation's result in the second word, FUTEX_TRYLOCK_PI
stores the caller's TID, and the counts FUTEX_WAKE and FUTEX_CMP_REQUEUE return are at
most what the call asked for and at most the waiters there were (QE-001..QE-006,
QE-009).  A call's unused argument registers name no memory the kernel may touch
(QE-007, QE-008).  get_robust_list() reports the length the thread registered (QE-010);
after rseq() registered an area, its cpu_id is a CPU of the machine (QE-011, QE-012).
A fault on a page inside a mapping the program may access is resolved, never reported
as SIGSEGV (QE-013, QE-014).  An absolute clock_nanosleep() never writes its remaining
time (QE-016), and TPIDRRO_EL0 reads 0 in a 64-bit thread (QE-017).

The victim is `secret_r23_state` (workloads/src/secret_r23_state.c), whose steps each
announce themselves with a marker and most turn one value into the index of a public
label in a log buffer that begins with a copy of the secret (or of a per-CPU record in a
buffer that ends with one), then write that label to /dev/null.  Each scenario holds
only the kernel's powers (the result it returns, the user access of the call being
served, its signal queue, its system registers).  Where an attack still gets through
with the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi import Call
from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Goal, scenario
from emulator import sysregs as S
from emulator.el1 import El1Fault
from emulator.exceptions import ExceptionInfo
from kernel_model.process import Thread, ThreadState, WaitReason
from kernel_model.signals import pack_siginfo

RT = "redteam_r23"
STATE = "secret_r23_state"
# secret_r23_state: the marker before each step; the marker after its write is + 1.
P_WAKE_WORD, P_WAIT_WORD, P_WAKE_OP, P_WAKE_COUNT, P_REQUEUE = 2300, 2302, 2304, 2306, 2308
P_WAKE_NOBODY, P_WAKE_STALE, P_TRYLOCK_PI, P_ROBUST_LEN, P_RSEQ = 2310, 2312, 2314, 2316, 2318
P_GETCPU, P_LAZY_READ, P_LAZY_WRITE, P_ABS_NAP = 2320, 2322, 2324, 2328
P_TPIDRRO, P_WAKE_OP_COUNT, P_ROBUST_EXIT, P_CHILD_SETTID = 2330, 2332, 2334, 2336
P_CLKTCK, P_WAIT_TOKEN, P_WAITV, P_THREAD_PTID = 2338, 2340, 2342, 2344
P_NAP_DONE, P_CLOCK_NAP_DONE, P_FILE_PROBE, P_FUTEX_LATE, P_POLL_LATE = 2346, 2348, 2350, 2352, 2354
SIGBUS, BUS_ADRERR, ETIMEDOUT = 7, 2, 110
P_FUTEX_REL_LATE, P_SELECT_LATE, P_EPOLL_LATE = 2356, 2358, 2360
AT_CLKTCK = 17
NR_FUTEX, NR_RSEQ = NUMBERS["futex"], NUMBERS["rseq"]
NR_GET_ROBUST_LIST, NR_CLOCK_NANOSLEEP = NUMBERS["get_robust_list"], NUMBERS["clock_nanosleep"]
SIGSEGV, SIGUSR2 = 11, 12
SEGV_MAPERR, SEGV_ACCERR, SI_USER = 1, 2, 0
EINTR = 4
OTHER_PID = 4242           # a process of the kernel's that sends SIGUSR2
MASK64 = (1 << 64) - 1
U32 = struct.Struct("<I")
TIMESPEC = struct.Struct("<qq")
TPIDRRO_EL0 = S.TPIDRRO_EL0
# A value or a memory change Linux never produces that still reaches the program.
GAP = "P5"
#: The predecessor design keeps one user-memory rule per call (its fixed buffers): futex's
#: is the same for every command, so a wake's store into the word gets through there
#: (known issue B5 in docs/traceability.md).
MPROTECT_ONE_FUTEX_RULE = {"mprotect": "B5"}
#: It does not follow a thread's exit either: an exited thread still counts as one that may
#: store into the program's memory, so a wait's word is never known to be the caller's
#: alone there (known issue B6).
MPROTECT_EXITS_UNSEEN = {"mprotect": "B6"}


def _store_at_exit(adv: Adversary, during: int, nr: int, arg: int, data: bytes,
                   result: int | None = None) -> None:
    """At the exit of the program's next call `nr` after marker `during` (once it has
    finished: a call that sleeps passes the exit while blocked), store `data` where its
    argument `arg` pointed at the entry and, unless None, answer `result`."""
    key = ("store", during, nr)

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        a.memo[key] = int(a.el1.syscall_args()[arg])

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        where = a.memo.get(key)
        if not where or thread.state is ThreadState.BLOCKED:
            return
        a.memo[key] = 0
        a.kernel.uaccess.write(where, data)
        if result is not None:
            a.set_reg("x0", result & MASK64)
        a.note(f"call {nr} stored {data.hex()} at {where:#x}"
               + ("" if result is None else f" and answered {result}"))


def _answer(adv: Adversary, during: int, nr: int, value: int) -> None:
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", value & MASK64)
        a.note(f"call {nr} answered {value}")


# --- futex words and counts --------------------------------------------------------------
@scenario(id="QE-001", title="Store into the futex word while serving FUTEX_WAKE",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=STATE, known=MPROTECT_ONE_FUTEX_RULE,
          prop="FUTEX_WAKE never writes the futex word: the word is the program's.")
def qe_wake_writes_word(adv: Adversary) -> None:
    """1. The program (secret_r23_state) keeps a state word of 1, calls FUTEX_WAKE on it
    (nobody waits) and logs the label the state names from a log buffer that begins with
    a copy of the secret.
    2. Let the wake run, then store 0xfffffffc into the word (the futex capability covers
    the word for every futex operation).
    3. The state reads -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    futex_wake() only hashes the address and walks the waiters; it never stores into the
    word, so the program could never see its state change across the call."""
    _store_at_exit(adv, P_WAKE_WORD, NR_FUTEX, 0, U32.pack(0xFFFF_FFFC))


@scenario(id="QE-002", title="Store into the futex word while serving a timed FUTEX_WAIT",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=STATE, known=MPROTECT_ONE_FUTEX_RULE,
          prop="FUTEX_WAIT only reads the futex word (to compare it with the expected "
               "value); it never writes it.")
def qe_wait_writes_word(adv: Adversary) -> None:
    """1. The program (secret_r23_state) keeps a gate word of 2, waits on it with
    FUTEX_WAIT(2) and a 1 ms timeout (it has one thread: nobody changes the word), then
    logs the label gate - 2 names from a log buffer that begins with a copy of the secret.
    2. At the wait's entry store 0xfffffffe into the word (the wait then finds the word
    changed and answers -EAGAIN).
    3. The gate reads -2, the index is -4: the program logs bytes 0..7 of the secret's
    copy.  Linux's futex_wait() reads the word once with get_user() and never stores it."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_FUTEX, during=P_WAIT_WORD)
    def _(a: Adversary, **_: object) -> None:
        word = int(a.el1.syscall_args()[0])
        a.kernel.uaccess.write(word, U32.pack(0xFFFF_FFFE))
        a.note(f"FUTEX_WAIT's word at {word:#x} set to -2")


@scenario(id="QE-003", title="Store another value than FUTEX_WAKE_OP's operation into its "
                             "second word",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=STATE, known=MPROTECT_ONE_FUTEX_RULE,
          prop="FUTEX_WAKE_OP stores exactly its operation's result (FUTEX_OP_SET 2: 2) "
               "into the second word.")
def qe_wake_op_value(adv: Adversary) -> None:
    """1. The program (secret_r23_state) calls FUTEX_WAKE_OP with FUTEX_OP_SET 2 on a second
    word and logs the label the word then names from a log buffer that begins with a copy
    of the secret.
    2. Let the call run, then store 0xfffffffc into the second word.
    3. The word reads -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    arch_futex_atomic_op_inuser() stores the operation's result (oparg for SET) and
    nothing else."""
    _store_at_exit(adv, P_WAKE_OP, NR_FUTEX, 4, U32.pack(0xFFFF_FFFC))


@scenario(id="QE-004", title="Answer FUTEX_WAKE of one waiter with 5 woken",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="FUTEX_WAKE wakes at most the number of waiters it was asked to wake.")
def qe_wake_count_above_asked(adv: Adversary) -> None:
    """1. The program (secret_r23_state) counts one possible sleeper on a semaphore word,
    wakes at most 1 with FUTEX_WAKE and logs the label the sleepers left (1 - woken) name
    from a log buffer that begins with a copy of the secret.
    2. Answer the wake with 5.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    futex_wake() stops after nr_wake waiters and returns how many it woke."""
    _answer(adv, P_WAKE_COUNT, NR_FUTEX, 5)


@scenario(id="QE-005", title="Answer FUTEX_CMP_REQUEUE (wake 1, move at most 2) with 7",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="FUTEX_CMP_REQUEUE returns the waiters it woke plus those it moved: at most "
               "nr_wake + nr_requeue.")
def qe_requeue_count_above_asked(adv: Adversary) -> None:
    """1. The program (secret_r23_state) calls FUTEX_CMP_REQUEUE waking 1 and moving at
    most 2 waiters, and logs the label 3 - result names from a log buffer that begins
    with a copy of the secret.
    2. Answer the call with 7.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    futex_requeue() wakes at most nr_wake and moves at most nr_requeue."""
    _answer(adv, P_REQUEUE, NR_FUTEX, 7)


@scenario(id="QE-006", title="Answer FUTEX_WAKE on a word nobody waits on with 4 woken",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="FUTEX_WAKE returns how many threads it woke: never more than wait on the "
               "word (none, in a program with one thread that is running).")
def qe_wake_count_above_waiters(adv: Adversary) -> None:
    """1. The program (secret_r23_state), which has one thread, wakes every waiter of a word
    (FUTEX_WAKE with INT_MAX) and logs the label 0 - woken names from a log buffer that
    begins with a copy of the secret.
    2. Answer the wake with 4 (within the INT_MAX asked for).
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  The only thread
    that could wait on the word is the one calling FUTEX_WAKE: Linux wakes none and
    returns 0."""
    _answer(adv, P_WAKE_NOBODY, NR_FUTEX, 4)


@scenario(id="QE-007", title="Read the secret through the timeout register FUTEX_WAKE "
                             "ignores",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=STATE, known=MPROTECT_ONE_FUTEX_RULE,
          prop="FUTEX_WAKE takes no timeout: its x3 names no memory the kernel may read.")
def qe_wake_stale_timeout(adv: Adversary) -> None:
    """1. The program (secret_r23_state) wakes a futex through a three-argument call, as the
    C library's syscall(SYS_futex, word, FUTEX_WAKE, 1) makes it: x3 and x4, which
    FUTEX_WAKE ignores, hold what the caller's code left there, the address of its heap
    copy of the secret.
    2. At the call's entry read 16 bytes at x3, as if it were a timeout.
    3. The kernel holds 16 bytes of the secret.  Linux's futex() reads the timeout only for
    the waiting operations (futex_init_timeout() is reached for FUTEX_WAIT,
    FUTEX_WAIT_BITSET, FUTEX_LOCK_PI, FUTEX_WAIT_REQUEUE_PI)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_FUTEX, during=P_WAKE_STALE)
    def _(a: Adversary, **_: object) -> None:
        where = int(a.el1.syscall_args()[3])
        got = a.kernel.uaccess.read(where, 16)
        a.observe(got, f"16 bytes at FUTEX_WAKE's x3 {where:#x}")


@scenario(id="QE-008", title="Store into the second-word register FUTEX_WAKE ignores",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP",), program=STATE, known=MPROTECT_ONE_FUTEX_RULE,
          prop="FUTEX_WAKE has no second word: its x4 names no memory the kernel may write.")
def qe_wake_stale_word2(adv: Adversary) -> None:
    """1. The program (secret_r23_state) wakes a futex through a three-argument call whose
    x4, which FUTEX_WAKE ignores, holds the address of its heap copy of the secret.
    2. At the call's exit store 4 bytes of zeros at x4, as if it were FUTEX_WAKE_OP's
    second word.
    3. The heap copy of the secret changed.  Linux's FUTEX_WAKE touches no memory but the
    futex hash bucket; only FUTEX_WAKE_OP and the requeue operations use uaddr2."""
    _store_at_exit(adv, P_WAKE_STALE, NR_FUTEX, 4, bytes(4))


@scenario(id="QE-009", title="Store another thread's id as the owner FUTEX_TRYLOCK_PI took",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=STATE,
          prop="A FUTEX_TRYLOCK_PI that succeeds stores the caller's TID in the lock word.")
def qe_trylock_pi_owner(adv: Adversary) -> None:
    """1. The program (secret_r23_state) takes a free PI lock with FUTEX_TRYLOCK_PI and logs
    the label gettid() - (word & FUTEX_TID_MASK) names from a log buffer that begins with
    a copy of the secret.
    2. Answer the call 0 and store gettid() + 4 into the lock word.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    futex_lock_pi_atomic() sets the word to the caller's vpid (with FUTEX_WAITERS when
    others wait) when it takes the lock for it."""
    @adv.on(Point.MARKER, phase=P_TRYLOCK_PI)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["tid"] = int(args[2])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_FUTEX, during=P_TRYLOCK_PI)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["word"], U32.pack((a.memo["tid"] + 4) & 0x3FFF_FFFF))
        a.set_reg("x0", 0)
        a.note("FUTEX_TRYLOCK_PI answered 0 with owner gettid() + 4")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_FUTEX, during=P_TRYLOCK_PI)
    def _(a: Adversary, **_: object) -> None:
        a.memo["word"] = int(a.el1.syscall_args()[0])


@scenario(id="QE-010", title="Answer get_robust_list() with a length of 8 for the 24-byte "
                             "head the thread registered",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="get_robust_list() reports the head and length the thread registered with "
               "set_robust_list() (24 bytes).")
def qe_robust_len(adv: Adversary) -> None:
    """1. The program (secret_r23_state) registers a robust list head of 24 bytes, reads it
    back with get_robust_list(0, &head, &len) and logs the label len / 8 - 3 names from a
    log buffer that begins with a copy of the secret.
    2. Let the call run, then store a length of 8.
    3. The index is -2: the program logs bytes 16..23 of the secret's copy.  Linux reports
    sizeof(*head) of the head the thread last registered (set_robust_list() accepts no
    other length)."""
    _store_at_exit(adv, P_ROBUST_LEN, NR_GET_ROBUST_LIST, 2, struct.pack("<Q", 8))


# --- the CPU number a program indexes by ----------------------------------------------------
@scenario(id="QE-011", title="Register the program's rseq area with a cpu_id of -4",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="After rseq() registered an area, its cpu_id (and cpu_id_start) is the CPU "
               "the thread runs on: below the machine's count of CPUs.")
def qe_rseq_cpu(adv: Adversary) -> None:
    """1. The program (secret_r23_state) registers a 32-byte rseq area and logs the label its
    cpu_id names (a per-CPU index, as rseq exists to provide) from a log buffer that
    begins with a copy of the secret.
    2. Answer rseq() 0 and store cpu_id_start = cpu_id = 0xfffffffc into the area.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    rseq_update_cpu_node_id() stores raw_smp_processor_id() before the thread returns."""
    _store_at_exit(adv, P_RSEQ, NR_RSEQ, 0, struct.pack("<II", 0xFFFF_FFFC, 0xFFFF_FFFC),
                   result=0)


@scenario(id="QE-012", title="Register glibc's rseq area with a cpu_id of 5, which "
                             "sched_getcpu() then reports",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="The cpu_id of a registered rseq area is a CPU of the machine, so glibc's "
               "sched_getcpu() (which reads it) is too.")
def qe_glibc_rseq_cpu(adv: Adversary) -> None:
    """1. The C library registers the main thread's rseq area at start; later the program
    (secret_r23_state) calls sched_getcpu(), which reads that area's cpu_id, and sends
    the per-CPU record it names from a buffer of four records followed by a copy of the
    secret.
    2. Answer the C library's rseq() 0 and store cpu_id_start = cpu_id = 5 into its area.
    3. sched_getcpu() says 5: the program sends bytes 8..15 of the secret's copy.  The
    machine has one CPU: Linux never stores 5."""
    key = "glibc_rseq"

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RSEQ)
    def _(a: Adversary, **_: object) -> None:
        a.memo[key] = int(a.el1.syscall_args()[0])

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RSEQ)
    def _(a: Adversary, **_: object) -> None:
        area = a.memo[key]
        a.kernel.uaccess.write(area, struct.pack("<II", 5, 5))
        a.set_reg("x0", 0)
        t = a.kernel.current
        if t is not None:
            t.rseq = None           # (its own store at the return would undo this one)
        a.note(f"the C library's rseq area at {area:#x} registered with cpu_id 5")


# --- faults the kernel resolves -------------------------------------------------------------
def _fault_as_signal(adv: Adversary, phase: int, signo: int, code: int) -> None:
    """At the program's first fault on the page its marker `phase` names (x3), queue
    `signo` with `code` for it (the kernel still resolves the fault)."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["page"] = int(args[1])

    @adv.on(Point.FAULT, during=phase, once=False)
    def _(a: Adversary, info: ExceptionInfo, thread: Thread, **_: object) -> None:
        far = info.far
        if "reported" in a.memo or far & ~0xFFF != a.memo.get("page"):
            return
        a.memo["reported"] = True
        thread.pending.add(signo, pack_siginfo(signo, code, addr=far))
        a.note(f"the fault at {far:#x} reported as signal {signo} code {code}")


@scenario(id="QE-013", title="Report the first load from a fresh anonymous page as SIGSEGV",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT",), program=STATE,
          prop="A fault on a page of a mapping that allows the access is resolved (a fresh "
               "anonymous page reads zeros); it is never reported as SIGSEGV.")
def qe_lazy_read_segv(adv: Adversary) -> None:
    """1. The program (secret_r23_state) maps an anonymous read-write page, loads from it
    with a safe probe (its SIGSEGV handler skips the load, leaving -1, as probes of
    possibly unmapped memory do) and logs the label the value names from a log buffer
    that begins with a copy of the secret.
    2. At the load's data abort, queue SIGSEGV (SEGV_MAPERR) for it.
    3. The probe reads -1: the program logs bytes 24..31 of the secret's copy.  Linux's
    do_page_fault() finds the VMA, which allows reads, and maps a zero page: no signal."""
    _fault_as_signal(adv, P_LAZY_READ, SIGSEGV, SEGV_MAPERR)


@scenario(id="QE-014", title="Report the first store into a fresh brk() page as SIGSEGV "
                             "(SEGV_ACCERR)",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT",), program=STATE,
          prop="A store into a page of the heap brk() grew is resolved; it is never "
               "reported as SIGSEGV.")
def qe_lazy_write_segv(adv: Adversary) -> None:
    """1. The program (secret_r23_state) grows its heap by a page with brk(), stores into
    it with a safe probe (its SIGSEGV handler skips the store and reports -1) and logs
    the label the report names from a log buffer that begins with a copy of the secret.
    2. At the store's data abort, queue SIGSEGV (SEGV_ACCERR) for it.
    3. The probe reports -1: the program logs bytes 24..31 of the secret's copy.  The
    heap's VMA is read-write: Linux allocates the page, no signal."""
    _fault_as_signal(adv, P_LAZY_WRITE, SIGSEGV, SEGV_ACCERR)


# --- a sleep's deadline and a read-only thread register -----------------------------------
@scenario(id="QE-016", title="Write remaining time into the deadline of an interrupted "
                             "absolute clock_nanosleep()",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="clock_nanosleep() with TIMER_ABSTIME never writes its remaining time: a "
               "program may pass its deadline as both request and remainder.")
def qe_abs_nap_rem(adv: Adversary) -> None:
    """1. The program (secret_r23_state) sleeps until a deadline 2 s after a
    CLOCK_MONOTONIC reading with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
    &next) and, when a handler interrupted it (-EINTR), logs the label next - reading -
    2 s names from a log buffer that begins with a copy of the secret.
    2. Serve the sleep as getpid(); at its return queue SIGUSR2 from another process (the
    program's handler does nothing), store the deadline less 4 s as the remaining time
    and answer -EINTR.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    common_nsleep() with TIMER_ABSTIME returns -ERESTARTNOHAND without touching rmtp
    (hrtimer_nanosleep() sets the restart block's rmtp only for relative sleeps)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLOCK_NANOSLEEP, during=P_ABS_NAP)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.memo["next"] = int(args[3])
        a.memo["deadline"] = TIMESPEC.unpack(a.kernel.uaccess.read(int(args[2]), 16))

    serve_as_getpid(adv, NR_CLOCK_NANOSLEEP, P_ABS_NAP, -EINTR & MASK64)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLOCK_NANOSLEEP, during=P_ABS_NAP)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        sec, nsec = a.memo["deadline"]
        a.kernel.uaccess.write(a.memo["next"], TIMESPEC.pack(sec - 4, nsec))
        a.kernel.signals.send_thread(thread, SIGUSR2,
                                     pack_siginfo(SIGUSR2, SI_USER, pid=OTHER_PID))
        a.note("absolute clock_nanosleep() answered -EINTR with its deadline moved back 4 s")


@scenario(id="QE-017", title="Set TPIDRRO_EL0 to -4 before the program reads it",
          family=RT, goal=Goal.LEAK, rules=("G-EL0-SYSREGS",), program=STATE,
          prop="TPIDRRO_EL0 reads 0 in a 64-bit thread (Linux zeroes it at every switch to "
               "one).")
def qe_tpidrro(adv: Adversary) -> None:
    """1. The program (secret_r23_state) reads TPIDRRO_EL0 and logs the label it names from
    a log buffer that begins with a copy of the secret.
    2. At the step's marker write 0xfffffffffffffffc into TPIDRRO_EL0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    tls_thread_switch() writes 0 to TPIDRRO_EL0 for every 64-bit thread."""
    @adv.at(P_TPIDRRO)
    def _(a: Adversary) -> None:
        a.el1.msr(TPIDRRO_EL0, 0xFFFF_FFFF_FFFF_FFFC)
        a.note("TPIDRRO_EL0 set to -4")


# --- threads and children ---------------------------------------------------------------------
@scenario(id="QE-018", title="Answer FUTEX_WAKE_OP (at most 1 + 1) with 6 woken",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="FUTEX_WAKE_OP wakes at most nr_wake waiters of the first word and nr_wake2 "
               "of the second.")
def qe_wake_op_count(adv: Adversary) -> None:
    """1. The program (secret_r23_state) calls FUTEX_WAKE_OP waking at most 1 waiter on each
    word and logs the label 2 - result names from a log buffer that begins with a copy of
    the secret.
    2. Let the call run, then answer 6.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    futex_wake_op() adds the waiters woken on each word, each at most its count."""
    _answer(adv, P_WAKE_OP_COUNT, NR_FUTEX, 6)


@scenario(id="QE-019", title="Rewrite a worker's robust list head during its exit",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=STATE,
          prop="A thread's exit reads its robust list head and entries and writes only the "
               "lock words of futexes it owned; the head itself is never written.")
def qe_robust_head_written(adv: Adversary) -> None:
    """1. A worker thread of the program (secret_r23_state) registers a robust list head
    (empty, futex_offset 0) kept in the program's pool of thread records and ends; once
    it joined the worker, the program logs the label the record's futex_offset / 8 names
    from a log buffer that begins with a copy of the secret.
    2. At the worker's exit() store -32 into the head's futex_offset (the set_robust_list
    capability lets the kernel read and write the head at that thread's exit).
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    exit_robust_list() fetches the head with get_user() and writes only through
    handle_futex_death() into owned lock words: an empty list writes nothing."""
    @adv.on(Point.MARKER, phase=P_ROBUST_EXIT)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["head"] = int(args[1])

    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["exit"], during=P_ROBUST_EXIT)
    def _(a: Adversary, **_: object) -> None:
        head = a.memo["head"]
        a.kernel.uaccess.write(head + 8, struct.pack("<q", -32))
        a.note(f"the worker's robust head at {head:#x} given futex_offset -32 at its exit")


@scenario(id="QE-020", title="Store the fork child's CLONE_CHILD_SETTID word as its TID - 4",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=STATE,
          prop="CLONE_CHILD_SETTID stores the child's TID (its getpid() for a fork child) in "
               "the child's memory.")
def qe_child_settid_value(adv: Adversary) -> None:
    """1. The program (secret_r23_state) forks a child with CLONE_CHILD_SETTID (as the C
    library's fork() makes one: THREAD_SELF->tid is that word); the child logs the label
    word - getpid() names from its copy of a log buffer that begins with a copy of the
    secret.
    2. At the clone's exit, store the child's id - 4 into the child's word (through the
    child's address space, where the kernel writes that word), and let the parent nap
    1 ms before its clone returns, so that the child runs first.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.  Linux's
    copy_process() stores the child's pid_vnr there, the id clone() returns, before the
    child reaches user code."""
    @adv.on(Point.MARKER, phase=P_CHILD_SETTID)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["word"] = int(args[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_CHILD_SETTID)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        pid = a.reg("x0")
        child = a.kernel.processes.get(pid)
        if child is None:
            return
        a.kernel.switch_mm(child.mm)
        try:
            a.kernel.uaccess.write(a.memo["word"], U32.pack((pid - 4) & 0xFFFF_FFFF))
        finally:
            a.kernel.switch_mm(thread.process.mm)
        _nap_first(a, thread, pid)     # the child runs first
        a.note(f"child {pid}'s CLONE_CHILD_SETTID word set to {pid - 4}; the child runs first")


# --- what the C library learns at start, and waits that report who woke them -----------------
def _auxv_value_slot(a: Adversary, sp: int, key: int) -> int | None:
    """The address of auxv entry `key`'s value on the initial stack at `sp` (None: absent)."""
    words: list[int] = []
    for va in range(sp, sp + 4096, 8):
        try:
            words.append(a.el1.read_u64(va))
        except El1Fault:
            break
    if not words:
        return None
    i = 1 + words[0] + 1                 # past argc, argv[], NULL
    while i < len(words) and words[i]:
        i += 1                           # envp[]
    i += 1
    while i + 1 < len(words) and words[i]:
        if words[i] == key:
            return sp + 8 * (i + 1)
        i += 2
    return None


@scenario(id="QE-015", title="Start the program with AT_CLKTCK 200",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK",), program=STATE,
          prop="AT_CLKTCK is USER_HZ, 100 on arm64: sysconf(_SC_CLK_TCK) answers it.")
def qe_clktck(adv: Adversary) -> None:
    """1. The C library takes sysconf(_SC_CLK_TCK) from AT_CLKTCK; the program
    (secret_r23_state), whose tick table holds at most 100 ticks a second, logs the label
    its spare quarters (100 - hz) / 25 name from a log buffer that begins with a copy of
    the secret.
    2. Just before CREATE_DOMAIN (without a Guardian: right after exec) rewrite the
    initial stack's AT_CLKTCK to 200.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    create_elf_tables() stores CLOCKS_PER_SEC (USER_HZ, 100 on arm64) there, always."""
    def forge(a: Adversary, sp: int) -> None:
        slot = _auxv_value_slot(a, sp, AT_CLKTCK)
        if slot is None:
            a.note("the initial stack has no AT_CLKTCK")
            return
        a.el1.write(slot, struct.pack("<Q", 200))
        a.note(f"AT_CLKTCK at {slot:#x} set to 200")

    @adv.on(Point.HVC, once=False, init_only=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes) -> None:
        if call == Call.CREATE_DOMAIN and "forged" not in a.memo:
            a.memo["forged"] = True
            forge(a, args[2])

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            forge(a, a.reg("sp"))


@scenario(id="QE-021", title="Answer FUTEX_WAIT 0 although its word already differed from "
                             "the value expected",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE, known=MPROTECT_EXITS_UNSEEN,
          prop="FUTEX_WAIT returns 0 only after it queued the caller, which it does only "
               "while the word holds the expected value; a word that differs (and that no "
               "other thread can change) is answered -EAGAIN.")
def qe_wait_differs_zero(adv: Adversary) -> None:
    """1. The program (secret_r23_state), with one thread, keeps a semaphore that hands a
    token to the thread a post wakes (FUTEX_WAIT answering 0); its word already holds 1
    when the program waits for 0, and it logs the label its tokens (0, or -1 after a
    wake) name from a log buffer that begins with a copy of the secret.
    2. Serve the wait as getpid() and answer 0.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.  Linux's
    futex_wait_setup() reads the word under the bucket lock and returns -EWOULDBLOCK when
    it differs; a spurious wake-up needs a queued waiter, which this one never was."""
    serve_as_getpid(adv, NR_FUTEX, P_WAIT_TOKEN, 0)


@scenario(id="QE-022", title="Answer futex_waitv() on four words with index 4",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="futex_waitv() returns the index of the word that woke it: below the number "
               "of words it waits on.")
def qe_waitv_index(adv: Adversary) -> None:
    """1. The program (secret_r23_state) waits on four futex words with futex_waitv() and,
    when woken, sends the event record the returned index names from a buffer of four
    public records followed by a copy of the secret.
    2. Serve the wait as getpid() and answer 4.
    3. The program sends bytes 0..7 of the secret's copy.  Linux's futex_wait_multiple()
    returns the index of a woken entry of the array, 0..nr_futexes - 1."""
    serve_as_getpid(adv, NUMBERS["futex_waitv"], P_WAITV, 4)


# --- a thread that runs before its creator's clone returns, and sleeps that complete ---------
def _nap_first(a: Adversary, thread: Thread, result: int) -> None:
    """The caller of the call being served naps 1 ms before its return (the scheduler runs
    another thread first, as Linux may), then gets `result`."""
    clock = a.kernel.clock
    a.kernel.sched.block(thread, WaitReason("nanosleep", deadline=clock.cycles
                                            + clock.cycles_for_ns(1_000_000),
                                            timeout_result=result))


@scenario(id="QE-023", title="Store a new thread's CLONE_PARENT_SETTID word as its TID - 4 "
                             "and run the thread first",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=STATE,
          prop="CLONE_PARENT_SETTID stores the new thread's TID before clone() returns and "
               "before the thread runs: the thread reads its own TID there.")
def qe_thread_ptid_first(adv: Adversary) -> None:
    """1. The program (secret_r23_state) makes a thread with clone(CLONE_VM | CLONE_THREAD |
    ... | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID), as thread libraries do; the thread
    reads its TID word as its owner id and logs the label word - gettid() names from a
    log buffer that begins with a copy of the secret.
    2. At the clone's exit store the thread's id - 4 into the word, and let the creator
    nap 1 ms before its clone returns, so that the thread runs first.
    3. The thread's index is -4: it logs bytes 0..7 of the secret's copy.  Linux's
    copy_process() stores the TID with put_user() before the thread is woken."""
    @adv.on(Point.MARKER, phase=P_THREAD_PTID)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["word"] = int(args[1])

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_THREAD_PTID)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        tid = a.reg("x0")
        a.kernel.uaccess.write(a.memo["word"], U32.pack((tid - 4) & 0xFFFF_FFFF))
        _nap_first(a, thread, tid)
        a.note(f"thread {tid}'s CLONE_PARENT_SETTID word set to {tid - 4}; the thread runs "
               "first")


def _completed_with_rem(adv: Adversary, during: int, nr: int, arg: int) -> None:
    """Serve the program's sleep `nr` after marker `during` as getpid(), answer 0 (it
    completed) and write 0 s left where its remainder argument `arg` points."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("rem", during)] = int(a.el1.syscall_args()[arg])

    serve_as_getpid(adv, nr, during, 0)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo[("rem", during)], TIMESPEC.pack(0, 0))
        a.note(f"call {nr} completed (0) with 0 s written as its remaining time")


@scenario(id="QE-024", title="Write a remaining time into nanosleep()'s remainder when it "
                             "completes",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="nanosleep() writes the remaining time only when a signal interrupted it; a "
               "sleep that completes (0) leaves rem alone, so a program may pass its period "
               "as both request and remainder.")
def qe_nap_done_rem(adv: Adversary) -> None:
    """1. The program (secret_r23_state) sleeps 1 ms with nanosleep(&period, &period) and,
    when it completed (0), logs the label (period - 1 ms) / 250 us names from a log buffer
    that begins with a copy of the secret.
    2. Serve the sleep as getpid() (it completes at once, as far as the program can
    tell), write 0 s left into the remainder and answer 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    hrtimer_nanosleep() writes rmtp only in do_nanosleep()'s interrupted path."""
    _completed_with_rem(adv, P_NAP_DONE, NUMBERS["nanosleep"], 1)


@scenario(id="QE-025", title="Write a remaining time into a relative clock_nanosleep()'s "
                             "remainder when it completes",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="clock_nanosleep() writes the remaining time only when a signal interrupted a "
               "relative sleep; one that completes leaves rem alone.")
def qe_clock_nap_done_rem(adv: Adversary) -> None:
    """1. The program (secret_r23_state) sleeps 1 ms with clock_nanosleep(CLOCK_MONOTONIC, 0,
    &period, &period) and, when it completed (0), logs the label (period - 1 ms) / 250 us
    names from a log buffer that begins with a copy of the secret.
    2. Serve the sleep as getpid() (it completes at once, as far as the program can
    tell), write 0 s left into the remainder and answer 0.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy."""
    _completed_with_rem(adv, P_CLOCK_NAP_DONE, NR_CLOCK_NANOSLEEP, 3)


@scenario(id="QE-026", title="Report a load inside a one-page memfd mapping as SIGBUS "
                             "(BUS_ADRERR)",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT",), program=STATE,
          prop="SIGBUS with BUS_ADRERR reports an access past the end of a mapped file; a "
               "page inside the file's size never raises it.")
def qe_file_sigbus(adv: Adversary) -> None:
    """1. The program (secret_r23_state) maps a memfd of one page (ftruncate 4096) shared and
    loads from it with a safe probe whose SIGBUS handler skips an access past the end of a
    shrunk file (BUS_ADRERR, leaving -1), as programs that map files others may truncate
    do; it logs the label the value names from a log buffer that begins with a copy of the
    secret.
    2. At the load's data abort, queue SIGBUS (BUS_ADRERR) for it.
    3. The probe reads -1: the program logs bytes 24..31 of the secret's copy.  Linux's
    shmem fault finds the page inside i_size and maps it; VM_FAULT_SIGBUS (BUS_ADRERR)
    comes only past the end (a poisoned page is BUS_MCEERR_AR)."""
    _fault_as_signal(adv, P_FILE_PROBE, SIGBUS, BUS_ADRERR)


def _clock_reads(adv: Adversary, during: int, when: Callable[[Adversary], tuple[int, int]]
                 ) -> None:
    """Answer the program's next CLOCK_MONOTONIC reading after marker `during` with the time
    `when` gives (seconds, nanoseconds)."""
    nr = NUMBERS["clock_gettime"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("ts", during)] = int(a.el1.syscall_args()[1])

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=during)
    def _(a: Adversary, **_: object) -> None:
        sec, nsec = when(a)
        a.kernel.uaccess.write(a.memo[("ts", during)], TIMESPEC.pack(sec, nsec))
        a.set_reg("x0", 0)
        a.note(f"CLOCK_MONOTONIC answered {sec}.{nsec:09d}")


def _less_ms(ts: tuple[int, int], ms: int) -> tuple[int, int]:
    total = ts[0] * 1_000_000_000 + ts[1] - ms * 1_000_000
    return total // 1_000_000_000, total % 1_000_000_000


@scenario(id="QE-027", title="Time out an absolute FUTEX_WAIT_BITSET 4 ms before its "
                             "deadline",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="A FUTEX_WAIT_BITSET with an absolute CLOCK_MONOTONIC deadline times out "
               "(-ETIMEDOUT) only once the clock reached the deadline.")
def qe_futex_early_timeout(adv: Adversary) -> None:
    """1. The program (secret_r23_state) waits with FUTEX_WAIT_BITSET until an absolute
    CLOCK_MONOTONIC deadline 4 ms after a reading and, when it timed out, reads the clock
    and logs the label the whole milliseconds past the deadline name from a log buffer
    that begins with a copy of the secret.
    2. Serve the wait as getpid() and answer -ETIMEDOUT at once; answer the reading after
    it with the deadline less 4 ms (the reading before: the clock did not go back).
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    futex_wait() returns -ETIMEDOUT when its hrtimer fired, which is at the deadline."""
    @adv.on(Point.MARKER, phase=P_FUTEX_LATE)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["deadline_at"] = int(args[1])

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_FUTEX, during=P_FUTEX_LATE)
    def _(a: Adversary, **_: object) -> None:
        a.memo["deadline"] = TIMESPEC.unpack(a.kernel.uaccess.read(a.memo["deadline_at"], 16))

    serve_as_getpid(adv, NR_FUTEX, P_FUTEX_LATE, -ETIMEDOUT & MASK64)
    _clock_reads(adv, P_FUTEX_LATE, lambda a: _less_ms(a.memo["deadline"], 4))


@scenario(id="QE-028", title="Time out a 4 ms ppoll() with no time gone by",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="A ppoll() that times out (0) returns once its whole timeout has elapsed on "
               "CLOCK_MONOTONIC.")
def qe_poll_early_timeout(adv: Adversary) -> None:
    """1. The program (secret_r23_state) reads CLOCK_MONOTONIC, waits with ppoll() on a pipe
    nobody writes with a 4 ms timeout and, when it timed out (0), reads the clock again
    and logs the label the whole milliseconds past those 4 name from a log buffer that
    begins with a copy of the secret.
    2. Answer the reading before with the kernel's own clock (and keep it), serve the
    ppoll() as getpid() and answer 0 at once; answer the reading after it with the
    reading before (the clock did not go back).
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    do_poll() returns 0 only after poll_schedule_timeout() reached the expiry."""
    def first_reading(a: Adversary) -> tuple[int, int]:
        ns = a.kernel.now_ns()
        a.memo["before"] = (ns // 1_000_000_000, ns % 1_000_000_000)
        return a.memo["before"]

    _clock_reads(adv, P_FUTEX_LATE + 1, first_reading)   # the reading before, kept
    serve_as_getpid(adv, NUMBERS["ppoll"], P_POLL_LATE, 0)
    _clock_reads(adv, P_POLL_LATE, lambda a: a.memo["before"])


def _first_run_id(adv: Adversary, phase: int, ask: str) -> None:
    """At the clone after marker `phase` let its caller nap (the new thread or child runs
    first), and answer the new one's `ask` (gettid or getpid) with its id + 4."""
    nr_ask = NUMBERS[ask]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=phase)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        new_id = a.reg("x0")
        a.memo["new_id"] = new_id
        a.memo["creator"] = thread.tid
        _nap_first(a, thread, new_id)

    @adv.on(Point.SYSCALL_EXIT, nr=nr_ask, during=phase, once=False, init_only=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        new_id = a.memo.get("new_id")
        if new_id is None or thread.tid == a.memo["creator"] or "answered" in a.memo:
            return
        a.memo["answered"] = True
        a.set_reg("x0", new_id + 4)
        a.note(f"{ask}() of {new_id}, which runs before its creator's clone returned, "
               f"answered {new_id + 4}")


@scenario(id="QE-029", title="Answer a new thread's gettid() with another id before its "
                             "creator's clone returned",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=STATE,
          prop="A thread's gettid() is its own TID, the id clone() returns for it (and "
               "CLONE_PARENT_SETTID stores), whichever of the two runs first.")
def qe_thread_gettid_first(adv: Adversary) -> None:
    """1. The program (secret_r23_state) makes a thread with clone(CLONE_VM | CLONE_THREAD |
    ... | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID); the thread reads its TID word as
    its owner id and logs the label word - gettid() names from a log buffer that begins
    with a copy of the secret.
    2. Let the creator nap 1 ms before its clone returns (the thread runs first) and answer
    the thread's gettid() with its TID + 4.
    3. The thread's index is -4: it logs bytes 0..7 of the secret's copy.  Linux's gettid()
    returns the caller's own pid_vnr, the TID clone() returned and stored."""
    _first_run_id(adv, P_THREAD_PTID, "gettid")


@scenario(id="QE-030", title="Answer a fork child's getpid() with another id before its "
                             "parent's clone returned",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-CLONE",), program=STATE,
          prop="A fork child's getpid() is the id clone() returns to its parent (and "
               "CLONE_CHILD_SETTID stores), whichever of the two runs first.")
def qe_child_getpid_first(adv: Adversary) -> None:
    """1. The program (secret_r23_state) forks a child with CLONE_CHILD_SETTID; the child
    logs the label word - getpid() names from its copy of a log buffer that begins with a
    copy of the secret.
    2. Let the parent nap 1 ms before its clone returns (the child runs first) and answer
    the child's getpid() with its id + 4.
    3. The child's index is -4: it logs bytes 0..7 of the secret's copy.  Linux's getpid()
    returns the child's tgid, the id clone() returns to the parent."""
    _first_run_id(adv, P_CHILD_SETTID, "getpid")


@scenario(id="QE-031", title="Answer the program's rseq() registration 0 without storing its "
                             "cpu_id",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="An rseq() that succeeds has stored the CPU number in the area's cpu_id before "
               "the thread returns: the -1 the program left there (uninitialised) is gone.")
def qe_rseq_unwritten(adv: Adversary) -> None:
    """1. The program (secret_r23_state) registers a 32-byte rseq area whose cpu_id it set to
    -1 (RSEQ_CPU_ID_UNINITIALIZED) and logs the label its cpu_id names from a log buffer
    that begins with a copy of the secret.
    2. Answer rseq() 0 and store nothing.
    3. The index is -1: the program logs bytes 24..31 of the secret's copy.  Linux's
    rseq() sets TIF_NOTIFY_RESUME on registration, and rseq_handle_notify_resume() stores
    cpu_id_start and cpu_id before the thread is back in user code."""
    _answer(adv, P_RSEQ, NR_RSEQ, 0)


@scenario(id="QE-032", title="Report the first store into a fresh brk() page as SIGBUS "
                             "(BUS_ADRERR)",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-FAULT",), program=STATE,
          prop="An access to anonymous memory (the heap brk() grew) never raises SIGBUS with "
               "BUS_ADRERR, which reports an access past the end of a mapped file.")
def qe_lazy_write_sigbus(adv: Adversary) -> None:
    """1. The program (secret_r23_state) grows its heap by a page with brk(), stores into it
    with a safe probe (its SIGSEGV and SIGBUS handler skips the store and reports -1) and
    logs the label the report names from a log buffer that begins with a copy of the
    secret.
    2. At the store's data abort, queue SIGBUS (BUS_ADRERR) for it.
    3. The probe reports -1: the program logs bytes 24..31 of the secret's copy.  An
    anonymous page has no file end: Linux raises SIGBUS there only for a poisoned page,
    with BUS_MCEERR_AR."""
    _fault_as_signal(adv, P_LAZY_WRITE, SIGBUS, BUS_ADRERR)


def _expire_at_once(adv: Adversary, phase: int, nr: int, result: int) -> None:
    """Answer the reading before the wait after marker `phase` with the kernel's own clock
    (and keep it), serve the wait as getpid() answering `result` (it timed out) at once,
    and answer the reading after it with the reading before."""
    key = ("before", phase)

    def first_reading(a: Adversary) -> tuple[int, int]:
        ns = a.kernel.now_ns()
        a.memo[key] = (ns // 1_000_000_000, ns % 1_000_000_000)
        return a.memo[key]

    _clock_reads(adv, phase - 1, first_reading)
    serve_as_getpid(adv, nr, phase, result & MASK64)
    _clock_reads(adv, phase, lambda a: a.memo[key])


@scenario(id="QE-033", title="Time out a relative 4 ms FUTEX_WAIT with no time gone by",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="A FUTEX_WAIT with a relative timeout answers -ETIMEDOUT only once the whole "
               "timeout has elapsed on CLOCK_MONOTONIC.")
def qe_futex_rel_early(adv: Adversary) -> None:
    """1. The program (secret_r23_state) reads CLOCK_MONOTONIC, waits with FUTEX_WAIT and a
    relative 4 ms timeout and, when it timed out, reads the clock again and logs the label
    the whole milliseconds past those 4 name from a log buffer that begins with a copy of
    the secret.
    2. Answer the reading before with the kernel's own clock, answer the wait -ETIMEDOUT
    at once and the reading after it with the reading before.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    futex_wait() times out when its hrtimer, armed for now + timeout, fired."""
    _expire_at_once(adv, P_FUTEX_REL_LATE, NR_FUTEX, -ETIMEDOUT)


@scenario(id="QE-034", title="Time out a 4 ms pselect6() with no time gone by",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="A pselect6() that times out (0) returns once its whole timeout has elapsed "
               "on CLOCK_MONOTONIC.")
def qe_select_early(adv: Adversary) -> None:
    """1. The program (secret_r23_state) reads CLOCK_MONOTONIC, waits with pselect6() on a
    pipe nobody writes with a 4 ms timeout and, when it timed out (0), reads the clock
    again and logs the label the whole milliseconds past those 4 name from a log buffer
    that begins with a copy of the secret.
    2. Answer the reading before with the kernel's own clock, answer the wait 0 at once
    (its read set cleared: nothing ready) and the reading after it with the reading
    before.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    do_select() returns 0 only after poll_schedule_timeout() reached the expiry."""
    nr = NUMBERS["pselect6"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_SELECT_LATE)
    def _(a: Adversary, **_: object) -> None:
        a.memo["readfds"] = int(a.el1.syscall_args()[1])

    _expire_at_once(adv, P_SELECT_LATE, nr, 0)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_SELECT_LATE)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.memo["readfds"], bytes(8))    # nothing ready



@scenario(id="QE-035", title="Time out a 4 ms epoll_pwait() with no time gone by",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=STATE,
          prop="An epoll_pwait() that times out (0) returns once its whole timeout has "
               "elapsed on CLOCK_MONOTONIC.")
def qe_epoll_early(adv: Adversary) -> None:
    """1. The program (secret_r23_state) reads CLOCK_MONOTONIC, waits with epoll_pwait() on
    an instance watching a pipe nobody writes with a 4 ms timeout and, when it timed out
    (0), reads the clock again and logs the label the whole milliseconds past those 4
    name from a log buffer that begins with a copy of the secret.
    2. Answer the reading before with the kernel's own clock, answer the wait 0 at once
    and the reading after it with the reading before.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    ep_poll() returns 0 only once schedule_hrtimeout_range() passed the expiry."""
    _expire_at_once(adv, P_EPOLL_LATE, NUMBERS["epoll_pwait"], 0)
