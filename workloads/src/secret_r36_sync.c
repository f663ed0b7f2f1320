/* The attack target for futexes: the answers a program builds its locks, condition
 * variables and semaphores on, asked by one thread (nobody else can wake it or change
 * its private words, so each answer has exactly one value Linux may give).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step makes one futex call, turns what it
 * observed into a label's index and writes that label to /dev/null (8 bytes).  Under
 * Linux's contract the index is always 0..3 (an error Linux returns gives 0); a value out
 * of its range points the write into the secret's copy.  In the order they run:
 *
 *   1. FUTEX_LOCK_PI on a word that holds the caller's own TID: futex_lock_pi_atomic()
 *      answers -EDEADLK; a 0 (taken) chooses index -4.
 *   2. FUTEX_UNLOCK_PI on a word that holds another TID: futex_unlock_pi() answers
 *      -EPERM; a 0 chooses index -4.
 *   3. FUTEX_UNLOCK_PI on a word holding the caller's TID | FUTEX_WAITERS with nobody
 *      queued: futex_unlock_pi() stores 0; a word still nonzero after a 0 chooses -4.
 *   4. FUTEX_LOCK_PI on a word holding only FUTEX_OWNER_DIED (a robust lock whose owner
 *      died): futex_lock_pi_atomic() keeps FUTEX_OWNER_DIED and adds the caller's TID;
 *      a 0 with the bit gone chooses -4.
 *   5. FUTEX_LOCK_PI on a free word (0), nobody else waits: the word becomes the caller's
 *      TID without FUTEX_WAITERS; a 0 with FUTEX_WAITERS chooses -4.
 *   6. FUTEX_TRYLOCK_PI on a word that holds the caller's own TID: -EDEADLK; a 0
 *      chooses -4.
 *   7. FUTEX_CMP_REQUEUE whose val3 (2) differs from the word (1): futex_requeue()
 *      answers -EAGAIN before it wakes anything; a count >= 0 chooses -4.
 *   8. FUTEX_WAKE_OP with FUTEX_OP_ADD 4 on a second word holding 10: the op is applied
 *      once, the word reads 14; 14 - word chooses the label.
 *   9. FUTEX_WAKE_OP with FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, oparg 3, on a second word
 *      holding 0: the word reads 1 << 3; word / 2 - 4 chooses the label.
 *  10. FUTEX_WAIT_BITSET with a bitset of 0: futex_wait() answers -EINVAL; a 0 (woken)
 *      chooses -4.
 *  11. FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME with an absolute deadline in 1970 on a
 *      word that matches: nobody can wake it, so -ETIMEDOUT; a 0 chooses -4.
 *  12. FUTEX_WAIT with a relative timeout of tv_nsec = 10^9: -EINVAL (an invalid
 *      timespec); -ETIMEDOUT chooses -4, 0 chooses -3.
 *  13. futex_waitv() on two words, the second differing from its expected value:
 *      -EAGAIN; an index >= 0 chooses -4.
 *  14. FUTEX_WAIT on a misaligned address (word + 1): get_futex_key() answers -EINVAL;
 *      a 0 chooses -4.
 *  15. FUTEX_TRYLOCK_PI on a word that holds another TID (gettid() + 1): taken or not,
 *      its owner is not 0 and not the caller, so futex_lock_pi() never answers 0
 *      (-EWOULDBLOCK while the owner lives, -ESRCH once it is gone, -EPERM for a kernel
 *      thread); a 0 chooses -4.
 *  16. FUTEX_WAKE_OP on a first word holding 4 (op FUTEX_OP_SET 1 on the second word):
 *      futex_wake_op() writes only the second word; first - 4 chooses the label.
 *  17. FUTEX_CMP_REQUEUE whose val3 matches, the second word holding 4: futex_requeue()
 *      writes no user memory; second - 4 chooses the label.
 *  18. FUTEX_CMP_REQUEUE_PI with nr_wake 2: futex_requeue() answers -EINVAL (requeue-PI
 *      wakes exactly one); a count >= 0 chooses -4.
 *  19. FUTEX_WAIT_REQUEUE_PI | FUTEX_CLOCK_REALTIME with an absolute deadline in 1970:
 *      it returns 0 only once another thread's FUTEX_CMP_REQUEUE_PI moved it onto the PI
 *      word and it took that lock; nobody can, so -ETIMEDOUT; a 0 chooses -4.
 *  20. FUTEX_WAIT with a 20 ms timeout under a SIGUSR1 handler: a signal cuts the wait
 *      short with -EINTR (or restarts it), never 0; a 0 chooses -4.
 *  21. FUTEX_WAIT without FUTEX_PRIVATE_FLAG on a word of a fresh MAP_SHARED anonymous
 *      page, 20 ms timeout: no other thread or process maps the page, nobody can wake it,
 *      so -ETIMEDOUT; a 0 chooses -4.
 *
 * Then waits with a 20 ms timeout while one helper thread (clone(CLONE_THREAD ...), joined
 * through its CLEARTID word) makes a wake that by Linux's rules cannot reach the waiter,
 * so the wait times out (-ETIMEDOUT); a 0 (woken) chooses -4:
 *
 *  22. FUTEX_WAIT_BITSET with bitset 1; the helper's FUTEX_WAKE_BITSET uses bitset 2
 *      (futex_wake() skips a waiter whose bitset does not intersect).
 *  23. FUTEX_WAIT on one word; the helper's FUTEX_WAKE names the word next to it.
 *  24. FUTEX_WAIT on the second word; the helper's FUTEX_WAKE_OP's comparison is false
 *      (FUTEX_OP_CMP_EQ 5 against 0), so futex_wake_op() wakes nobody on the second word.
 *  25. (with -s) FUTEX_WAIT | FUTEX_PRIVATE_FLAG on a word; the helper's FUTEX_WAKE
 *      without FUTEX_PRIVATE_FLAG names the same word: get_futex_key() keys a shared
 *      futex on private memory with FUT_OFF_MMSHARED (or the file's inode), never as the
 *      private key, so the wake misses the waiter.  Out of the default run (written when
 *      the kernel model keyed both alike; it keys them apart now, tests/test_futex_keys_victim.py).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r36.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its call (x2 the log buffer, x3 the word), P_x + 1 after its
 * write (x2 the index it used). */
#define P_LOCK_SELF 3600
#define P_UNLOCK_OTHER 3602
#define P_UNLOCK_CLEAR 3604
#define P_OWNER_DIED 3606
#define P_LOCK_WAITERS 3608
#define P_TRYLOCK_SELF 3610
#define P_CMP_REQUEUE 3612
#define P_WAKE_OP_ADD 3614   /* x4 the second word */
#define P_WAKE_OP_SHIFT 3616 /* x4 the second word */
#define P_BITSET_ZERO 3618
#define P_WAIT_PAST 3620
#define P_BAD_TIMESPEC 3622
#define P_WAITV_DIFF 3624
#define P_MISALIGNED 3626
#define P_BITSET_MISS 3628
#define P_OTHER_WORD 3630
#define P_OP_CMP_FALSE 3632
#define P_PRIV_SHARED 3634
#define P_TRYLOCK_OTHER 3636
#define P_WAKE_OP_FIRST 3638
#define P_REQUEUE_WRITE 3640
#define P_CMP_REQUEUE_PI 3642
#define P_WAIT_REQUEUE_PI 3644   /* x4 the PI word */
#define P_SIGNAL_WAIT 3646
#define P_SHARED_NOBODY 3648     /* x3 the word on the shared page */
#include "secret_common.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

#define FUTEX_WAIT_OP 0
#define FUTEX_WAKE_ONE 1
#define FUTEX_WAKE_OP_ 5
#define FUTEX_WAKE_BITSET_OP 10
#define FUTEX_CMP_REQUEUE_OP 4
#define FUTEX_LOCK_PI_OP 6
#define FUTEX_UNLOCK_PI_OP 7
#define FUTEX_TRYLOCK_PI_OP 8
#define FUTEX_WAIT_BITSET_OP 9
#define PRIV 128
#define CLOCK_RT 256
#define WAITERS 0x80000000u
#define OWNER_DIED 0x40000000u
#define TID_MASK 0x3fffffffu
#define ETIMEDOUT_ 110
#define FOP(op, oparg, cmp, cmparg) \
    ((((uint32_t)(op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static volatile uint32_t words[4] __attribute__((aligned(16)));

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

static long futex(volatile uint32_t *w, long op, long val, long ts, volatile uint32_t *w2,
                  long val3)
{
    return sys6(SYS_futex, (long)w, op, val, ts, (long)w2, val3);
}

static void begin(int phase)
{
    marker(phase, (long)logbuf, (long)&words[0], (long)&words[1], 0);
}

static uint32_t tid;

static void lock_self_step(void)
{
    words[0] = tid;
    begin(P_LOCK_SELF);
    long r = futex(&words[0], FUTEX_LOCK_PI_OP | PRIV, 0, 0, 0, 0);
    log_label(P_LOCK_SELF, r == 0 ? -4 : 0);
}

static void unlock_other_step(void)
{
    words[0] = (tid + 1) & TID_MASK;
    begin(P_UNLOCK_OTHER);
    long r = futex(&words[0], FUTEX_UNLOCK_PI_OP | PRIV, 0, 0, 0, 0);
    log_label(P_UNLOCK_OTHER, r == 0 ? -4 : 0);
}

static void unlock_clear_step(void)
{
    words[0] = tid | WAITERS;
    begin(P_UNLOCK_CLEAR);
    long r = futex(&words[0], FUTEX_UNLOCK_PI_OP | PRIV, 0, 0, 0, 0);
    log_label(P_UNLOCK_CLEAR, r == 0 && words[0] != 0 ? -4 : 0);
}

static void owner_died_step(void)
{
    words[0] = OWNER_DIED;
    begin(P_OWNER_DIED);
    long r = futex(&words[0], FUTEX_LOCK_PI_OP | PRIV, 0, 0, 0, 0);
    uint32_t w = words[0];
    log_label(P_OWNER_DIED, r == 0 && !(w & OWNER_DIED) ? -4 : 0);
    if (r == 0)
        futex(&words[0], FUTEX_UNLOCK_PI_OP | PRIV, 0, 0, 0, 0);
    words[0] = 0;
}

static void lock_waiters_step(void)
{
    words[0] = 0;
    begin(P_LOCK_WAITERS);
    long r = futex(&words[0], FUTEX_LOCK_PI_OP | PRIV, 0, 0, 0, 0);
    uint32_t w = words[0];
    log_label(P_LOCK_WAITERS, r == 0 && (w & WAITERS) ? -4 : 0);
    if (r == 0)
        futex(&words[0], FUTEX_UNLOCK_PI_OP | PRIV, 0, 0, 0, 0);
    words[0] = 0;
}

static void trylock_self_step(void)
{
    words[0] = tid;
    begin(P_TRYLOCK_SELF);
    long r = futex(&words[0], FUTEX_TRYLOCK_PI_OP | PRIV, 0, 0, 0, 0);
    log_label(P_TRYLOCK_SELF, r == 0 ? -4 : 0);
    words[0] = 0;
}

static void cmp_requeue_step(void)
{
    words[0] = 1;
    words[1] = 0;
    begin(P_CMP_REQUEUE);
    /* wake 1, requeue up to 1 (val2 in the timeout slot), only if *words[0] == 2 */
    long r = futex(&words[0], FUTEX_CMP_REQUEUE_OP | PRIV, 1, 1, &words[1], 2);
    log_label(P_CMP_REQUEUE, r >= 0 ? -4 : 0);
    words[0] = 0;
}

static void wake_op_add_step(void)
{
    words[0] = 0;
    words[1] = 10;
    begin(P_WAKE_OP_ADD);
    long r = futex(&words[0], FUTEX_WAKE_OP_ | PRIV, 1, 1, &words[1], FOP(1, 4, 0, 0));
    long w = words[1];
    log_label(P_WAKE_OP_ADD, r >= 0 ? 14 - w : 0);
    words[1] = 0;
}

static void wake_op_shift_step(void)
{
    words[0] = 0;
    words[1] = 0;
    begin(P_WAKE_OP_SHIFT);
    long r = futex(&words[0], FUTEX_WAKE_OP_ | PRIV, 1, 1, &words[1], FOP(8, 3, 0, 0));
    long w = words[1];
    log_label(P_WAKE_OP_SHIFT, r >= 0 ? w / 2 - 4 : 0);
    words[1] = 0;
}

static void bitset_zero_step(void)
{
    words[0] = 0;
    begin(P_BITSET_ZERO);
    long r = futex(&words[0], FUTEX_WAIT_BITSET_OP | PRIV, 0, 0, 0, 0);
    log_label(P_BITSET_ZERO, r == 0 ? -4 : 0);
}

static void wait_past_step(void)
{
    static const long ts[2] = {1, 0};   /* 1970-01-01 00:00:01 */
    words[0] = 0;
    begin(P_WAIT_PAST);
    long r = futex(&words[0], FUTEX_WAIT_BITSET_OP | PRIV | CLOCK_RT, 0, (long)ts, 0,
                   0xffffffffL);
    log_label(P_WAIT_PAST, r == 0 ? -4 : 0);
}

static void bad_timespec_step(void)
{
    static const long ts[2] = {0, 1000000000L};
    words[0] = 0;
    begin(P_BAD_TIMESPEC);
    long r = futex(&words[0], FUTEX_WAIT_OP | PRIV, 0, (long)ts, 0, 0);
    log_label(P_BAD_TIMESPEC, r == -ETIMEDOUT_ ? -4 : r == 0 ? -3 : 0);
}

struct waitv {
    uint64_t val, uaddr;
    uint32_t flags, reserved;
};

static void waitv_diff_step(void)
{
    struct waitv v[2];
    words[0] = 0;
    words[1] = 1;
    v[0] = (struct waitv){0, (uint64_t)&words[0], 2 | 128, 0};  /* FUTEX2_SIZE_U32 | PRIVATE */
    v[1] = (struct waitv){0, (uint64_t)&words[1], 2 | 128, 0};
    begin(P_WAITV_DIFF);
    long r = sys6(SYS_futex_waitv, (long)v, 2, 0, 0, 0, 0);
    log_label(P_WAITV_DIFF, r >= 0 ? -4 : 0);
    words[1] = 0;
}

static void misaligned_step(void)
{
    words[0] = 0;
    words[1] = 0;
    begin(P_MISALIGNED);
    long r = futex((volatile uint32_t *)((char *)&words[0] + 1), FUTEX_WAIT_OP | PRIV, 0, 0,
                   0, 0);
    log_label(P_MISALIGNED, r == 0 ? -4 : 0);
}

static void trylock_other_step(void)
{
    words[0] = (tid + 1) & TID_MASK;
    begin(P_TRYLOCK_OTHER);
    long r = futex(&words[0], FUTEX_TRYLOCK_PI_OP | PRIV, 0, 0, 0, 0);
    log_label(P_TRYLOCK_OTHER, r == 0 ? -4 : 0);
    words[0] = 0;
}

static void wake_op_first_step(void)
{
    words[0] = 4;
    words[1] = 0;
    begin(P_WAKE_OP_FIRST);
    long r = futex(&words[0], FUTEX_WAKE_OP_ | PRIV, 1, 1, &words[1], FOP(0, 1, 0, 0));
    long w = words[0];
    log_label(P_WAKE_OP_FIRST, r >= 0 ? w - 4 : 0);
    words[0] = 0;
    words[1] = 0;
}

static void requeue_write_step(void)
{
    words[0] = 7;
    words[1] = 4;
    begin(P_REQUEUE_WRITE);
    long r = futex(&words[0], FUTEX_CMP_REQUEUE_OP | PRIV, 1, 1, &words[1], 7);
    long w = words[1];
    log_label(P_REQUEUE_WRITE, r >= 0 ? w - 4 : 0);
    words[0] = 0;
    words[1] = 0;
}

static void cmp_requeue_pi_step(void)
{
    words[0] = 0;
    words[1] = 0;
    begin(P_CMP_REQUEUE_PI);
    long r = futex(&words[0], 12 /* FUTEX_CMP_REQUEUE_PI */ | PRIV, 2, 1, &words[1], 0);
    log_label(P_CMP_REQUEUE_PI, r >= 0 ? -4 : 0);
}

static void wait_requeue_pi_step(void)
{
    static const long ts[2] = {1, 0};   /* 1970-01-01 00:00:01 */
    words[2] = 0;
    words[3] = 0;
    marker(P_WAIT_REQUEUE_PI, (long)logbuf, (long)&words[2], (long)&words[3], 0);
    long r = futex(&words[2], 11 /* FUTEX_WAIT_REQUEUE_PI */ | PRIV | CLOCK_RT, 0, (long)ts,
                   &words[3], 0);
    log_label(P_WAIT_REQUEUE_PI, r == 0 ? -4 : 0);
    if (r == 0)
        futex(&words[3], FUTEX_UNLOCK_PI_OP | PRIV, 0, 0, 0, 0);
    words[3] = 0;
}

static volatile long signals_seen;

static void on_signal(int signo)
{
    (void)signo;
    signals_seen++;
}

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};

static void signal_wait_step(void)
{
    struct kernel_sigaction act = {(uint64_t)on_signal, 0x10000000 /* SA_RESTORER */, 0, 0};
    sys6(SYS_rt_sigaction, 10 /* SIGUSR1 */, (long)&act, 0, 8, 0, 0);
    static const long ts[2] = {0, 20000000L};
    words[2] = 0;
    marker(P_SIGNAL_WAIT, (long)logbuf, (long)&words[2], 0, 0);
    long r = futex(&words[2], FUTEX_WAIT_OP | PRIV, 0, (long)ts, 0, 0);
    log_label(P_SIGNAL_WAIT, r == 0 ? -4 : 0);
}

static void shared_nobody_step(void)
{
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
    if (!valid(page))
        return;
    static const long ts[2] = {0, 20000000L};
    volatile uint32_t *w = (volatile uint32_t *)(page + 64);
    marker(P_SHARED_NOBODY, (long)logbuf, (long)w, 0, 0);
    long r = futex(w, FUTEX_WAIT_OP, 0, (long)ts, 0, 0);
    log_label(P_SHARED_NOBODY, r == 0 ? -4 : 0);
    sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
}

static uint8_t helper_stack[32768] __attribute__((aligned(16)));
static volatile uint32_t helper_tid;

/* The helper: one wake that must not reach the main thread's wait, then its exit. */
static int helper(void *arg)
{
    switch ((long)arg) {
    case P_BITSET_MISS:
        futex(&words[2], FUTEX_WAKE_BITSET_OP | PRIV, 1, 0, 0, 2);
        break;
    case P_OTHER_WORD:
        futex(&words[3], FUTEX_WAKE_ONE | PRIV, 1, 0, 0, 0);
        break;
    case P_OP_CMP_FALSE:
        futex(&words[2], FUTEX_WAKE_OP_ | PRIV, 1, 1, &words[3], FOP(0, 0, 0, 5));
        break;
    case P_PRIV_SHARED:
        futex(&words[2], FUTEX_WAKE_ONE, 1, 0, 0, 0);
        break;
    }
    return 0;
}

static void helper_step(int phase)
{
    long ts[2];
    words[2] = 0;
    words[3] = 0;
    marker(phase, (long)logbuf, (long)&words[2], (long)&words[3], 0);
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    long t = clone(helper, helper_stack + sizeof helper_stack, flags, (void *)(long)phase,
                   &helper_tid, 0, &helper_tid);
    if (t <= 0)
        return;
    long r;
    if (phase == P_BITSET_MISS) {
        sys6(SYS_clock_gettime, 1 /* CLOCK_MONOTONIC */, (long)ts, 0, 0, 0, 0);
        ts[1] += 20000000L;
        if (ts[1] >= 1000000000L) {
            ts[1] -= 1000000000L;
            ts[0] += 1;
        }
        r = futex(&words[2], FUTEX_WAIT_BITSET_OP | PRIV, 0, (long)ts, 0, 1);
    } else {
        ts[0] = 0;
        ts[1] = 20000000L;
        volatile uint32_t *w = phase == P_OP_CMP_FALSE ? &words[3] : &words[2];
        r = futex(w, FUTEX_WAIT_OP | PRIV, 0, (long)ts, 0, 0);
    }
    /* Join: the helper's CLEARTID word drops to 0 (bounded). */
    long brief[2] = {0, 1000000};
    for (int i = 0; i < 1000 && helper_tid != 0; i++)
        futex(&helper_tid, FUTEX_WAIT_OP, helper_tid, (long)brief, 0, 0);
    log_label(phase, r == 0 ? -4 : 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0, mixed = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        mixed |= strcmp(argv[i], "-s") == 0;
    }
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 1;
    }
    long cur = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    long base = (cur + PAGE - 1) & ~(PAGE - 1);
    if (sys6(SYS_brk, base + 3 * PAGE, 0, 0, 0, 0, 0) != base + 3 * PAGE) {
        say("secret: brk failed\n");
        return 1;
    }
    uint8_t *heap = (uint8_t *)(base + 2 * PAGE);
    memcpy(heap, "public bytes, nothing secret....", 32);
    memcpy(heap + SECRET_OFF, secret, SECRET_LEN);
    for (int i = 0; i < 16; i++)
        stackbuf[i] = 0;
    for (int i = 0; i < SECRET_LEN; i++)
        stackbuf[16 + i] = ((uint8_t *)secret)[i];
    long mapped = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    tid = (uint32_t)sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    lock_self_step();
    unlock_other_step();
    unlock_clear_step();
    owner_died_step();
    lock_waiters_step();
    trylock_self_step();
    cmp_requeue_step();
    wake_op_add_step();
    wake_op_shift_step();
    bitset_zero_step();
    wait_past_step();
    bad_timespec_step();
    waitv_diff_step();
    misaligned_step();
    trylock_other_step();
    wake_op_first_step();
    requeue_write_step();
    cmp_requeue_pi_step();
    wait_requeue_pi_step();
    signal_wait_step();
    shared_nobody_step();
    helper_step(P_BITSET_MISS);
    helper_step(P_OTHER_WORD);
    helper_step(P_OP_CMP_FALSE);
    if (mixed)
        helper_step(P_PRIV_SHARED);

    int bad = memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
              memcmp((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
    for (int i = 0; i < SECRET_LEN; i++)
        bad |= stackbuf[16 + i] != ((uint8_t *)secret)[i];
    sha256_secret((const uint8_t *)secret, digest);
    memcpy(hex, "secret: sha256=", 15);
    for (int i = 0; i < 32; i++) {
        hex[15 + 2 * i] = "0123456789abcdef"[digest[i] >> 4];
        hex[16 + 2 * i] = "0123456789abcdef"[digest[i] & 15];
    }
    hex[79] = '\n';
    if (show_digest)
        sys6(SYS_write, 1, (long)hex, 80, 0, 0, 0);
    marker(P_END, bad, 0, 0, 0);
    say(bad ? "secret: TAMPERED\n" : "secret: intact\n");
    return bad ? 3 : 0;
}
