"""Red-team round thirty-six: futexes, the answers locks and waits are built on.

A program's mutexes, condition variables, semaphores and robust locks rest on what
futex(2) answers and on what it stores in the lock word.  With one thread and private
words, nobody but the program and the call itself can change a word or wake a waiter,
so each call has exactly one answer Linux may give: a PI lock the caller already owns
is -EDEADLK (QT-001, QT-006), an unlock of a lock it does not own -EPERM (QT-002), an
unlock with nobody queued leaves the word 0 (QT-003), a lock whose owner died keeps
FUTEX_OWNER_DIED (QT-004), a lock nobody else waits for carries no FUTEX_WAITERS
(QT-005) and a lock another TID owns is never taken (QT-019); FUTEX_CMP_REQUEUE with a
stale value is -EAGAIN (QT-007) and FUTEX_CMP_REQUEUE_PI wakes exactly one (QT-022);
FUTEX_WAKE_OP applies its operation once, as encoded, to its second word only (QT-008,
QT-009, QT-020) and FUTEX_CMP_REQUEUE writes nothing (QT-021); a wait with a bitset of 0,
an invalid timespec or a misaligned word is -EINVAL (QT-010, QT-012, QT-014); a wait
nobody can wake answers only -ETIMEDOUT or -EINTR: past its deadline (QT-011), under a
signal (QT-024), futex_waitv() on a word that differs (QT-013), FUTEX_WAIT_REQUEUE_PI
nobody requeues (QT-023), a shared word on a page nobody else maps (QT-025).  With a
helper thread whose wake Linux keeps from the waiter: a bitset that does not intersect
(QT-015), the word next to it (QT-016), a FUTEX_WAKE_OP whose comparison fails (QT-017),
a shared wake of a private waiter (QT-018).

The victim is `secret_r36_sync` (workloads/src/secret_r36_sync.c): each step announces
itself with a marker (x2 the log buffer, x3 the first word, x4 the second) and turns what
it observed into the index of a public label in a log buffer that begins with a copy of
the secret, then writes that label to /dev/null.  Each docstring says why Linux could
never produce what the program saw.
"""

from __future__ import annotations

import errno

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Goal, scenario
from kernel_model.process import WaitReason

RT = "redteam_r36"
SYNC = "secret_r36_sync"
# secret_r36_sync: the marker before each step; the marker after its write is + 1.
P_LOCK_SELF, P_UNLOCK_OTHER, P_UNLOCK_CLEAR, P_OWNER_DIED = 3600, 3602, 3604, 3606
P_LOCK_WAITERS, P_TRYLOCK_SELF, P_CMP_REQUEUE, P_WAKE_OP_ADD = 3608, 3610, 3612, 3614
P_WAKE_OP_SHIFT, P_BITSET_ZERO, P_WAIT_PAST, P_BAD_TIMESPEC = 3616, 3618, 3620, 3622
P_WAITV_DIFF, P_MISALIGNED = 3624, 3626
P_BITSET_MISS, P_OTHER_WORD, P_OP_CMP_FALSE, P_PRIV_SHARED = 3628, 3630, 3632, 3634
P_TRYLOCK_OTHER, P_WAKE_OP_FIRST, P_REQUEUE_WRITE = 3636, 3638, 3640
P_CMP_REQUEUE_PI, P_WAIT_REQUEUE_PI, P_SIGNAL_WAIT, P_SHARED_NOBODY = 3642, 3644, 3646, 3648
SIGUSR1 = 10
NR_FUTEX, NR_FUTEX_WAITV, NR_GETPID = NUMBERS["futex"], NUMBERS["futex_waitv"], NUMBERS["getpid"]
MASK64 = (1 << 64) - 1
FUTEX_WAITERS, FUTEX_OWNER_DIED = 0x8000_0000, 0x4000_0000
VALUES = "P5"                # a value reached the program that Linux never returns
#: The predecessor design keeps one user-memory rule per call (its fixed buffers): futex's
#: is the same for every command, so a store into either word gets through there (known
#: issue B5 in docs/traceability.md).
MPROTECT_ONE_FUTEX_RULE = {"mprotect": "B5"}


def _words(adv: Adversary, phase: int) -> None:
    """Keep the step's words (x3, x4 of its marker) in memo."""
    @adv.on(Point.MARKER, phase=phase)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["word"], a.memo["word2"] = int(args[1]), int(args[2])


def _tid(a: Adversary) -> int:
    return int(a.thread.tid)


def _store_at_exit(adv: Adversary, phase: int, which: str,  # type: ignore[no-untyped-def]
                   value, result=None) -> None:
    """At the exit of the step's futex call store `value(a)` into its word `which` (and
    answer `result`, None: what the call returned)."""
    _words(adv, phase)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_FUTEX, during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        v = value(a) & 0xFFFF_FFFF
        a.kernel.uaccess.write_u32(a.memo[which], v)
        if result is not None:
            a.set_reg("x0", result)
        a.note(f"stored {v:#x} into the futex word at {a.memo[which]:#x}")


# --- PI futexes: who owns the lock word -------------------------------------------------------
@scenario(id="QT-001", title="Answer FUTEX_LOCK_PI 0 on a lock the caller already owns",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="FUTEX_LOCK_PI on a word that holds the caller's own TID fails with -EDEADLK.")
def qt_lock_self(adv: Adversary) -> None:
    """1. The program stores its own TID in a private PI lock word (it holds the lock) and
    locks it again with FUTEX_LOCK_PI, as an error-checking PI mutex does; a 0 (taken)
    chooses index -4 of a log buffer that begins with a copy of the secret.
    2. Serve the call as getpid() and answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  Linux's futex_lock_pi_atomic()
    returns -EDEADLK when (uval & FUTEX_TID_MASK) == vpid, before it could take or queue."""
    serve_as_getpid(adv, NR_FUTEX, P_LOCK_SELF, 0)


@scenario(id="QT-002", title="Answer FUTEX_UNLOCK_PI 0 on a lock another TID owns",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="FUTEX_UNLOCK_PI on a word whose owner TID is not the caller's fails with "
               "-EPERM.")
def qt_unlock_other(adv: Adversary) -> None:
    """1. The program's PI lock word holds gettid() + 1 (not its own TID) and it unlocks it
    with FUTEX_UNLOCK_PI; a 0 chooses index -4 of a log buffer that begins with a copy of
    the secret.
    2. Serve the call as getpid() and answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  Linux's futex_unlock_pi() reads
    the word and returns -EPERM when (uval & FUTEX_TID_MASK) != vpid."""
    serve_as_getpid(adv, NR_FUTEX, P_UNLOCK_OTHER, 0)


@scenario(id="QT-003", title="Answer FUTEX_UNLOCK_PI 0 and leave the lock word owned",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-UACCESS-CAP"), program=SYNC,
          prop="A FUTEX_UNLOCK_PI that succeeds with no waiter queued leaves the lock word 0.")
def qt_unlock_clear(adv: Adversary) -> None:
    """1. The program's PI lock word holds its TID | FUTEX_WAITERS with nobody queued and it
    unlocks it with FUTEX_UNLOCK_PI; a 0 with the word still nonzero chooses index -4 of a
    log buffer that begins with a copy of the secret.
    2. Serve the call as getpid() and answer 0 (the word is left as it was).
    3. The program logs bytes 0..7 of the secret's copy.  Linux's futex_unlock_pi(), with
    no top waiter, cmpxchg()es the word from uval to 0 before it returns 0 (it keeps
    neither FUTEX_WAITERS nor FUTEX_OWNER_DIED)."""
    serve_as_getpid(adv, NR_FUTEX, P_UNLOCK_CLEAR, 0)


@scenario(id="QT-004", title="Take an owner-died PI lock for the caller and drop "
                             "FUTEX_OWNER_DIED",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-UACCESS-CAP"), program=SYNC,
          prop="FUTEX_LOCK_PI on a word holding only FUTEX_OWNER_DIED takes it and keeps "
               "the bit: the word becomes FUTEX_OWNER_DIED | TID, so the robust mutex "
               "reports EOWNERDEAD.")
def qt_owner_died(adv: Adversary) -> None:
    """1. The program's PI lock word holds FUTEX_OWNER_DIED (its owner died, TID 0) and it
    takes it with FUTEX_LOCK_PI, as a robust PI mutex does; a 0 with FUTEX_OWNER_DIED gone
    from the word (the state looks consistent) chooses index -4 of a log buffer that
    begins with a copy of the secret.
    2. At the call's exit store the caller's TID alone into the word and answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  Linux's futex_lock_pi_atomic()
    builds newval = (uval & FUTEX_OWNER_DIED) | vpid for a word with no owner TID."""
    _store_at_exit(adv, P_OWNER_DIED, "word", _tid, 0)


@scenario(id="QT-005", title="Take a free PI lock for the caller with FUTEX_WAITERS set",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-UACCESS-CAP"), program=SYNC,
          prop="FUTEX_LOCK_PI on a free word with nobody queued stores the caller's TID "
               "alone: FUTEX_WAITERS only when a waiter is queued.")
def qt_lock_waiters(adv: Adversary) -> None:
    """1. The program takes a free private PI lock word (0) with FUTEX_LOCK_PI, one thread,
    nobody waits; a 0 with FUTEX_WAITERS in the word chooses index -4 of a log buffer
    that begins with a copy of the secret.
    2. At the call's exit store the caller's TID | FUTEX_WAITERS into the word, answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  Linux's futex_lock_pi_atomic()
    stores vpid, with FUTEX_WAITERS only when futex_top_waiter() found a queued waiter."""
    _store_at_exit(adv, P_LOCK_WAITERS, "word", lambda a: _tid(a) | FUTEX_WAITERS, 0)


@scenario(id="QT-006", title="Answer FUTEX_TRYLOCK_PI 0 on a lock the caller already owns",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="FUTEX_TRYLOCK_PI on a word that holds the caller's own TID fails with "
               "-EDEADLK.")
def qt_trylock_self(adv: Adversary) -> None:
    """1. The program stores its own TID in a private PI lock word and tries it again with
    FUTEX_TRYLOCK_PI; a 0 chooses index -4 of a log buffer that begins with a copy of
    the secret.
    2. Serve the call as getpid() and answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  futex_lock_pi() (trylock or not)
    calls futex_lock_pi_atomic(), which returns -EDEADLK for the owner's own TID."""
    serve_as_getpid(adv, NR_FUTEX, P_TRYLOCK_SELF, 0)


# --- requeue and wake-op -------------------------------------------------------------------
@scenario(id="QT-007", title="Answer FUTEX_CMP_REQUEUE 0 although its word differs from val3",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="FUTEX_CMP_REQUEUE whose first word differs from val3 fails with -EAGAIN "
               "and wakes or moves nobody.")
def qt_cmp_requeue(adv: Adversary) -> None:
    """1. The program's word holds 1 and it calls FUTEX_CMP_REQUEUE expecting 2 (val3), as a
    condition variable's broadcast does after its sequence moved on; a count >= 0
    chooses index -4 of a log buffer that begins with a copy of the secret.
    2. Serve the call as getpid() and answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  Linux's futex_requeue() reads
    the word under the bucket locks and returns -EAGAIN when it is not *cmpval, before
    it wakes or requeues anything."""
    serve_as_getpid(adv, NR_FUTEX, P_CMP_REQUEUE, 0)


@scenario(id="QT-008", title="Apply FUTEX_WAKE_OP's FUTEX_OP_ADD twice",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-UACCESS-CAP"), program=SYNC,
          known=MPROTECT_ONE_FUTEX_RULE,
          prop="FUTEX_WAKE_OP applies its operation to the second word exactly once "
               "(FUTEX_OP_ADD 4 on 10: 14).")
def qt_wake_op_add(adv: Adversary) -> None:
    """1. The program's second word holds 10; it calls FUTEX_WAKE_OP with FUTEX_OP_ADD 4 and
    logs the label 14 - word names from a log buffer that begins with a copy of the
    secret.
    2. Let the call run (10 + 4 = 14), then add 4 again at its exit: 18.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    futex_atomic_op_inuser() runs the operation once, atomically, in the call."""
    _store_at_exit(adv, P_WAKE_OP_ADD, "word2", lambda a: 18)


@scenario(id="QT-009", title="Apply FUTEX_WAKE_OP's FUTEX_OP_SET without its "
                             "FUTEX_OP_OPARG_SHIFT",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-UACCESS-CAP"), program=SYNC,
          known=MPROTECT_ONE_FUTEX_RULE,
          prop="FUTEX_WAKE_OP with FUTEX_OP_OPARG_SHIFT stores 1 << oparg (SET 3: 8).")
def qt_wake_op_shift(adv: Adversary) -> None:
    """1. The program's second word holds 0; it calls FUTEX_WAKE_OP with FUTEX_OP_SET |
    FUTEX_OP_OPARG_SHIFT, oparg 3, and logs the label word / 2 - 4 names from a log
    buffer that begins with a copy of the secret.
    2. Let the call run, then store 3 (the oparg unshifted) into the second word.
    3. The index is -3: the program logs bytes 8..15 of the secret's copy.  Linux's
    futex_atomic_op_inuser() shifts: oparg = 1 << oparg when op & FUTEX_OP_OPARG_SHIFT."""
    _store_at_exit(adv, P_WAKE_OP_SHIFT, "word2", lambda a: 3)


# --- waits that cannot have been woken -----------------------------------------------------
@scenario(id="QT-010", title="Answer FUTEX_WAIT_BITSET with a bitset of 0 as woken",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="FUTEX_WAIT_BITSET with a bitset of 0 fails with -EINVAL.")
def qt_bitset_zero(adv: Adversary) -> None:
    """1. The program waits on a private word with FUTEX_WAIT_BITSET and val3 = 0; a 0
    (woken) chooses index -4 of a log buffer that begins with a copy of the secret.
    2. Serve the call as getpid() and answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  Linux's futex_wait() returns
    -EINVAL for a zero bitset before it reads the word."""
    serve_as_getpid(adv, NR_FUTEX, P_BITSET_ZERO, 0)


@scenario(id="QT-011", title="Answer a FUTEX_WAIT_BITSET past its absolute deadline as "
                             "woken, one thread",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="A FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME whose deadline already passed, "
               "on a word nobody else can wake, answers -ETIMEDOUT.")
def qt_wait_past(adv: Adversary) -> None:
    """1. The program, one thread, waits on a private word that holds the expected value
    with FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME and an absolute deadline of 1970-01-01
    00:00:01; a 0 (woken) chooses index -4 of a log buffer that begins with a copy of the
    secret.
    2. Serve the call as getpid() and answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  futex_wait() returns 0 only when
    futex_unqueue() finds it was unqueued by a wake; no other thread exists to wake a
    private word, so the expired hrtimer's -ETIMEDOUT is the only answer."""
    serve_as_getpid(adv, NR_FUTEX, P_WAIT_PAST, 0)


@scenario(id="QT-012", title="Time out a FUTEX_WAIT whose timeout is not a valid timespec",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="FUTEX_WAIT with a timeout whose tv_nsec is 10^9 fails with -EINVAL.")
def qt_bad_timespec(adv: Adversary) -> None:
    """1. The program waits on a private word with FUTEX_WAIT and a relative timeout of
    {0, 1000000000}; -ETIMEDOUT chooses index -4 of a log buffer that begins with a copy
    of the secret.
    2. Serve the call as getpid() and answer -ETIMEDOUT.
    3. The program logs bytes 0..7 of the secret's copy.  sys_futex() checks
    timespec64_valid() before it acts and returns -EINVAL for tv_nsec >= NSEC_PER_SEC."""
    serve_as_getpid(adv, NR_FUTEX, P_BAD_TIMESPEC, -errno.ETIMEDOUT & MASK64)


@scenario(id="QT-013", title="Answer futex_waitv() index 1 although that word differed",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="futex_waitv() on a word that differs from its expected value fails with "
               "-EAGAIN; it returns an index only for a word a wake reached.")
def qt_waitv_diff(adv: Adversary) -> None:
    """1. The program, one thread, waits with futex_waitv() on two private words, the second
    holding 1 where it expects 0; an index >= 0 chooses index -4 of a log buffer that
    begins with a copy of the secret.
    2. Serve the call as getpid() and answer 1.
    3. The program logs bytes 0..7 of the secret's copy.  futex_wait_multiple_setup()
    reads every word and returns -EAGAIN on a mismatch; no other thread exists to wake
    a private word."""
    serve_as_getpid(adv, NR_FUTEX_WAITV, P_WAITV_DIFF, 1)


@scenario(id="QT-014", title="Answer FUTEX_WAIT on a misaligned word as woken",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="A futex call on an address that is not 4-byte aligned fails with -EINVAL.")
def qt_misaligned(adv: Adversary) -> None:
    """1. The program waits with FUTEX_WAIT on its word's address + 1; a 0 (woken) chooses
    index -4 of a log buffer that begins with a copy of the secret.
    2. Serve the call as getpid() and answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  Linux's get_futex_key() returns
    -EINVAL when address % sizeof(u32) != 0, before anything waits."""
    serve_as_getpid(adv, NR_FUTEX, P_MISALIGNED, 0)


# --- a helper thread's wake that cannot reach the waiter -----------------------------------
def _woken_anyway(adv: Adversary, phase: int, which: str) -> None:
    """Serve the main thread's wait on the step's word `which` as getpid() and let the
    thread nap 20 ms (the helper runs and makes its wake meanwhile) before it returns 0
    (woken); the join's wait and the helper's own call are left alone."""
    _words(adv, phase)

    def is_wait(a: Adversary) -> bool:
        args = a.el1.syscall_args()
        return int(args[0]) == a.memo.get(which) and int(args[1]) & 0x7F in (0, 9)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_FUTEX, during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if is_wait(a) and "served" not in a.memo:
            a.memo["served"] = a.thread
            a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_FUTEX, during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        thread = a.memo.get("served")
        if thread is None or thread is not a.thread or a.memo.get("napped"):
            return
        a.memo["napped"] = True
        a.set_reg("x8", NR_FUTEX)
        clock = a.kernel.clock
        a.kernel.sched.block(thread, WaitReason("nanosleep", deadline=clock.cycles
                                                + clock.cycles_for_ns(20_000_000),
                                                timeout_result=0))
        a.note("the wait served as a 20 ms nap that returns 0 (woken)")


@scenario(id="QT-015", title="Answer a FUTEX_WAIT_BITSET woken by a FUTEX_WAKE_BITSET whose "
                             "bitset does not intersect",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="FUTEX_WAKE_BITSET wakes only waiters whose bitset intersects its own; a wait "
               "with bitset 1 that only a bitset-2 wake could reach times out.")
def qt_bitset_miss(adv: Adversary) -> None:
    """1. The program waits on a private word with FUTEX_WAIT_BITSET, bitset 1 and a 20 ms
    deadline, while its only other thread (a helper it then joins) calls
    FUTEX_WAKE_BITSET on that word with bitset 2; a 0 (woken) chooses index -4 of a log
    buffer that begins with a copy of the secret.
    2. Serve the wait as a 20 ms nap (the helper makes its wake meanwhile) that returns 0.
    3. The program logs bytes 0..7 of the secret's copy.  Linux's futex_wake() skips a
    queued waiter when !(this->bitset & bitset); 1 & 2 is 0, and no other wake names the
    word, so the hrtimer's -ETIMEDOUT is the only answer."""
    _woken_anyway(adv, P_BITSET_MISS, "word")


@scenario(id="QT-016", title="Answer a FUTEX_WAIT woken by a FUTEX_WAKE on the word next to "
                             "it",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="A futex wake wakes only waiters on the word it names.")
def qt_other_word(adv: Adversary) -> None:
    """1. The program waits on a private word with FUTEX_WAIT and a 20 ms timeout, while its
    only other thread (a helper it then joins) calls FUTEX_WAKE on the word 4 bytes
    after it; a 0 (woken) chooses index -4 of a log buffer that begins with a copy of
    the secret.
    2. Serve the wait as a 20 ms nap (the helper makes its wake meanwhile) that returns 0.
    3. The program logs bytes 0..7 of the secret's copy.  Linux's futex_wake() wakes only
    queued waiters whose key futex_match()es the one get_futex_key() made for the named
    address; no wake named the waiter's word."""
    _woken_anyway(adv, P_OTHER_WORD, "word")


@scenario(id="QT-017", title="Answer a FUTEX_WAIT woken by a FUTEX_WAKE_OP whose comparison "
                             "is false",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="FUTEX_WAKE_OP wakes waiters of its second word only when its comparison "
               "holds for the word's old value.")
def qt_op_cmp_false(adv: Adversary) -> None:
    """1. The program waits on its second private word (0) with FUTEX_WAIT and a 20 ms
    timeout, while its only other thread (a helper it then joins) calls FUTEX_WAKE_OP on
    the first word with FUTEX_OP_SET 0 and FUTEX_OP_CMP_EQ 5 on the second; a 0 (woken)
    chooses index -4 of a log buffer that begins with a copy of the secret.
    2. Serve the wait as a 20 ms nap (the helper makes its call meanwhile) that returns 0.
    3. The program logs bytes 0..7 of the secret's copy.  Linux's futex_wake_op() wakes
    the second word's waiters only when futex_atomic_op_inuser() returned op_ret > 0, that
    is when the comparison (old 0 == 5) held; it did not."""
    _woken_anyway(adv, P_OP_CMP_FALSE, "word2")


@scenario(id="QT-018", title="Wake a private FUTEX_WAIT with a shared FUTEX_WAKE on the same "
                             "address",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          args=(b"-s",),
          prop="A FUTEX_WAKE without FUTEX_PRIVATE_FLAG never wakes a FUTEX_WAIT | "
               "FUTEX_PRIVATE_FLAG waiter: the two keys differ.")
def qt_priv_shared(adv: Adversary) -> None:
    """1. The program (with -s) waits on a word of its private memory with FUTEX_WAIT |
    FUTEX_PRIVATE_FLAG and a 20 ms timeout, while its only other thread (a helper it then
    joins) calls FUTEX_WAKE without FUTEX_PRIVATE_FLAG on the same address; a 0 (woken)
    chooses index -4 of a log buffer that begins with a copy of the secret.
    2. Serve the wait as a 20 ms nap (the helper makes its wake meanwhile) that returns 0
    (the honest kernel model keys the two apart too, and lets the wait time out).
    3. The program logs bytes 0..7 of the secret's copy.  Linux's get_futex_key() keys a
    private futex as (mm, address) and a shared one on private memory as (mm, address)
    with FUT_OFF_MMSHARED set (an anonymous page) or as (inode, index) (a file page):
    futex_match() never matches the two, so the shared wake misses the private waiter."""
    _woken_anyway(adv, P_PRIV_SHARED, "word")


# --- more of the same calls: an owned lock tried, words a call never writes --------------------
@scenario(id="QT-019", title="Answer FUTEX_TRYLOCK_PI 0 on a lock another TID owns and store "
                             "the caller as its owner",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-UACCESS-CAP"), program=SYNC,
          prop="FUTEX_TRYLOCK_PI on a word whose owner TID is neither 0 nor the caller's never "
               "succeeds: two threads never both hold a PI lock.")
def qt_trylock_other(adv: Adversary) -> None:
    """1. The program's private PI lock word holds gettid() + 1 (another owner) and it tries
    it with FUTEX_TRYLOCK_PI; a 0 chooses index -4 of a log buffer that begins with a copy
    of the secret.
    2. At the call's exit store the caller's TID into the word (as a real take would) and
    answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  futex_lock_pi_atomic() takes a
    word only when its TID field is 0; otherwise attach_to_pi_owner() answers -ESRCH for
    a gone owner, -EPERM for a kernel thread, or queues the caller, and the trylock then
    answers -EWOULDBLOCK (rt_mutex_futex_trylock() fails)."""
    _store_at_exit(adv, P_TRYLOCK_OTHER, "word", _tid, 0)


@scenario(id="QT-020", title="Store into FUTEX_WAKE_OP's first word",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=SYNC,
          known=MPROTECT_ONE_FUTEX_RULE,
          prop="FUTEX_WAKE_OP writes only its second word (the operation's result); the "
               "first word is only woken on, never written.")
def qt_wake_op_first(adv: Adversary) -> None:
    """1. The program's first word holds 4; it calls FUTEX_WAKE_OP on it with FUTEX_OP_SET 1
    on the second word and logs the label first - 4 names from a log buffer that begins
    with a copy of the secret.
    2. Let the call run, then store 0 into the first word at its exit.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    futex_wake_op() hashes uaddr1 for its wake and never accesses it;
    futex_atomic_op_inuser() writes uaddr2 alone."""
    _store_at_exit(adv, P_WAKE_OP_FIRST, "word", lambda a: 0)


@scenario(id="QT-021", title="Store into FUTEX_CMP_REQUEUE's second word",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=SYNC,
          known=MPROTECT_ONE_FUTEX_RULE,
          prop="FUTEX_CMP_REQUEUE writes no user memory: it reads its first word to compare "
               "and only moves waiters to the second.")
def qt_requeue_write(adv: Adversary) -> None:
    """1. The program's second word holds 4; it calls FUTEX_CMP_REQUEUE from the first word
    (whose value matches val3) to the second and logs the label second - 4 names from a
    log buffer that begins with a copy of the secret.
    2. Let the call run, then store 0 into the second word at its exit.
    3. The index is -4: the program logs bytes 0..7 of the secret's copy.  Linux's
    futex_requeue() only reads uaddr1 (futex_get_value_locked()) and never accesses
    uaddr2's memory for a non-PI requeue."""
    _store_at_exit(adv, P_REQUEUE_WRITE, "word2", lambda a: 0)


# --- requeue-PI, a signal, a shared word nobody else maps -------------------------------------
@scenario(id="QT-022", title="Answer FUTEX_CMP_REQUEUE_PI with nr_wake 2 as done",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="FUTEX_CMP_REQUEUE_PI with nr_wake other than 1 fails with -EINVAL.")
def qt_cmp_requeue_pi(adv: Adversary) -> None:
    """1. The program calls FUTEX_CMP_REQUEUE_PI from one private word to a PI word with
    nr_wake 2 (a matching val3); a count >= 0 chooses index -4 of a log buffer that
    begins with a copy of the secret.
    2. Serve the call as getpid() and answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  Linux's futex_requeue() with
    requeue_pi returns -EINVAL when nr_wake != 1, before it reads or moves anything."""
    serve_as_getpid(adv, NR_FUTEX, P_CMP_REQUEUE_PI, 0)


@scenario(id="QT-023", title="Answer FUTEX_WAIT_REQUEUE_PI 0 (requeued and owner of the PI "
                             "word) with nobody to requeue it",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT", "G-UACCESS-CAP"), program=SYNC,
          prop="FUTEX_WAIT_REQUEUE_PI returns 0 only once a FUTEX_CMP_REQUEUE_PI moved the "
               "caller onto the PI word and it took that lock; with one thread and a "
               "deadline long past it answers -ETIMEDOUT.")
def qt_wait_requeue_pi(adv: Adversary) -> None:
    """1. The program, one thread, waits on a private word with FUTEX_WAIT_REQUEUE_PI |
    FUTEX_CLOCK_REALTIME, an absolute deadline in 1970 and a free PI word as target, as a
    PI condition variable's wait does; a 0 (signalled, owning the PI mutex) chooses
    index -4 of a log buffer that begins with a copy of the secret.
    2. Serve the call as getpid(), store the caller's TID into the PI word (as a real
    requeue and take would) and answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  futex_wait_requeue_pi() returns
    0 only from the requeue path (futex_requeue_pi_wakeup_sync() saw Q_REQUEUE_PI_DONE
    or LOCKED), which needs another task's FUTEX_CMP_REQUEUE_PI on the private word; none
    exists, so the expired hrtimer's -ETIMEDOUT is the only answer."""
    _words(adv, P_WAIT_REQUEUE_PI)
    serve_as_getpid(adv, NR_FUTEX, P_WAIT_REQUEUE_PI, 0)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_FUTEX, during=P_WAIT_REQUEUE_PI)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write_u32(a.memo["word2"], _tid(a))


@scenario(id="QT-024", title="Cut a FUTEX_WAIT short with a signal and answer it 0 (woken)",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          silent="a kernel may deliver a signal the program registered a handler for",
          prop="A FUTEX_WAIT a signal cuts short answers -EINTR (or is restarted), never 0: "
               "only a wake makes it return 0.")
def qt_signal_wait(adv: Adversary) -> None:
    """1. The program, one thread with a SIGUSR1 handler, waits on a private word with
    FUTEX_WAIT and a 20 ms timeout; a 0 (woken) chooses index -4 of a log buffer that
    begins with a copy of the secret.
    2. Serve the call as getpid(), queue SIGUSR1 for the thread (the handler runs on the
    way back) and answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  Linux's futex_wait() returns
    -ERESTARTSYS (a relative timeout: -ERESTART_RESTARTBLOCK, -EINTR to a handler that
    has no SA_RESTART) when signal_pending(); 0 only when futex_unqueue() found a wake
    had unqueued it, and no other thread exists to wake a private word."""
    serve_as_getpid(adv, NR_FUTEX, P_SIGNAL_WAIT, 0)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_FUTEX, during=P_SIGNAL_WAIT)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.kernel.signals.send_thread(a.thread, SIGUSR1, b"")
        a.note("SIGUSR1 queued with the wait's answer 0")


@scenario(id="QT-025", title="Answer a shared FUTEX_WAIT on a MAP_SHARED page nobody else "
                             "maps as woken",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-OUTPUT",), program=SYNC,
          prop="A FUTEX_WAIT on a word of a MAP_SHARED anonymous page no other thread or "
               "process maps can only time out: no task can wake it.")
def qt_shared_nobody(adv: Adversary) -> None:
    """1. The program, one thread and no child, maps a fresh MAP_SHARED anonymous page and
    waits on a word of it with FUTEX_WAIT (no FUTEX_PRIVATE_FLAG) and a 20 ms timeout; a
    0 (woken) chooses index -4 of a log buffer that begins with a copy of the secret.
    2. Serve the call as getpid() and answer 0.
    3. The program logs bytes 0..7 of the secret's copy.  A shared futex is keyed by the
    page's shmem inode and offset (get_futex_key()); the page is reachable only through
    the program's own mapping (it made no fork and passed no descriptor), so no task can
    name the key in a wake and futex_wait() can only time out."""
    serve_as_getpid(adv, NR_FUTEX, P_SHARED_NOBODY, 0)
