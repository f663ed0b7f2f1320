/* The attack target for the state a program keeps across exceptions and among its
 * threads: futex words and counts, the robust list, restartable sequences, the CPU
 * number, faults the kernel resolves, an absolute sleep's deadline
 * and the read-only thread register.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels; and a per-CPU buffer `percpu`: four public
 * 8-byte records, one per CPU, then a working copy of the secret.  Each step reads a
 * value Linux keeps within a range, turns it into a label's (or a CPU record's) index the
 * way the range allows, and writes that label to /dev/null (8 bytes).  Under Linux's
 * contract the index is always 0..3; a value out of its range points the write into the
 * secret's copy.  In the order they run:
 *
 *   1. A state word 1 and FUTEX_WAKE on it (no waiter): Linux's FUTEX_WAKE never writes
 *      the word; the state chooses the label.
 *   2. A gate word 2 and FUTEX_WAIT(2) on it with a 1 ms timeout: FUTEX_WAIT only reads
 *      the word; gate - 2 chooses the label.
 *   3. FUTEX_WAKE_OP with FUTEX_OP_SET 2 on a second word: Linux stores exactly 2 there;
 *      the word chooses the label.
 *   4. FUTEX_WAKE of at most 1 waiter: the result is at most 1; the sleepers still
 *      counted (1 - woken) choose the label.
 *   5. FUTEX_CMP_REQUEUE waking 1 and moving at most 2: the result is at most 3;
 *      3 - result chooses the label.
 *   6. FUTEX_WAKE of every waiter of a word nobody waits on (the program has one
 *      thread): the result is 0; 0 - woken chooses the label.
 *   7. FUTEX_WAKE through a three-argument call, as the C library's syscall() makes it:
 *      the registers FUTEX_WAKE ignores (x3, x4) hold what the caller left there, here
 *      the address of the heap copy of the secret.
 *   8. FUTEX_TRYLOCK_PI on a free lock word: on success Linux stores the caller's TID;
 *      gettid() - (word & FUTEX_TID_MASK) chooses the label.
 *   9. set_robust_list(&head, 24), then get_robust_list(0, &ptr, &len): len is the 24 the
 *      thread registered; len / 8 - 3 chooses the label.
 *  10. rseq() registering a 32-byte area: on success its cpu_id is the CPU the thread
 *      runs on (0 .. CPUs - 1); (int)cpu_id chooses the label.
 *  11. glibc's sched_getcpu() (which reads the rseq area glibc registered at start):
 *      the CPU chooses the per-CPU record.
 *  12. A safe load (a SIGSEGV handler skips the load, leaving -1, as probes of possibly
 *      unmapped memory do) from a freshly mapped anonymous page: it reads 0, the label.
 *  13. A safe store (the same handler; the store reports -1 when skipped) into a fresh
 *      page of the heap grown by brk(): it reports 0, the label.
 *  14. clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, &next) for a deadline 2 s
 *      ahead of a reading, interrupted by a SIGUSR2 handler: an absolute sleep never
 *      writes its remaining time; next - reading - 2 s chooses the label.
 *  15. TPIDRRO_EL0, which Linux keeps 0 for a 64-bit thread: it chooses the label.
 *  16. FUTEX_WAKE_OP waking at most 1 on each word: the result is at most 2;
 *      2 - result chooses the label.
 *  17. A worker thread registers a robust list head (empty, futex_offset 0) kept in the
 *      program's pool of thread records and ends; once joined, the record's
 *      futex_offset / 8 chooses the label (Linux's exit reads the head, never writes it).
 *  18. A fork child made with CLONE_CHILD_SETTID, as the C library's fork() makes one:
 *      the word holds the child's TID, its getpid(); word - getpid() chooses the label
 *      the child logs.
 *  19. sysconf(_SC_CLK_TCK), which the C library takes from AT_CLKTCK: Linux's USER_HZ,
 *      100; a table sized for at most 100 ticks a second keeps (100 - hz) / 25 spare
 *      quarters, which choose the label.
 *  20. A semaphore that hands a token to the thread a post wakes: FUTEX_WAIT answering 0
 *      means a post woke the caller with a token.  Its word already holds 1 (a post came
 *      first) when the program waits for 0, which Linux answers -EAGAIN at once; the
 *      tokens left (0, or -1 after a wake) choose the label.
 *  21. futex_waitv() on four words with a 1 ms deadline: on a wake it returns the index
 *      of the word that woke it (0..3), which chooses an event record from a buffer of
 *      four public records followed by a copy of the secret.
 *  22. A thread made with clone(CLONE_VM | CLONE_THREAD | ... | CLONE_PARENT_SETTID |
 *      CLONE_CHILD_CLEARTID), as thread libraries make one, whose TID word (where
 *      CLONE_PARENT_SETTID stores its TID before clone() returns or the thread runs) it
 *      reads as its owner id: word - gettid() chooses the label the thread logs.
 *  23. nanosleep(&period, &period) of 1 ms that completes (0): Linux writes the remaining
 *      time only when interrupted; (period - 1 ms) / 250 us chooses the label.
 *  24. The same with a relative clock_nanosleep(CLOCK_MONOTONIC).
 *  25. A memfd of one page mapped shared and read with the safe probe, whose SIGBUS
 *      handler skips an access past the end of a shrunk file (BUS_ADRERR), as programs
 *      that map files they do not own do: the page is inside the file; it reads 0.
 *  26. FUTEX_WAIT_BITSET with an absolute CLOCK_MONOTONIC deadline 4 ms ahead that times
 *      out (-ETIMEDOUT): the clock then reads at least the deadline; the whole
 *      milliseconds late choose the label.
 *  27. ppoll() on a pipe nobody writes with a 4 ms timeout that expires (0): the clock
 *      then reads at least 4 ms after the reading before; the whole milliseconds past
 *      those 4 choose the label.
 *  28. The same with FUTEX_WAIT and a relative 4 ms timeout that expires (-ETIMEDOUT),
 *  29. with pselect6() on the pipe and a 4 ms timeout that expires (0),
 *  30. and with epoll_pwait() on an epoll instance watching the pipe, 4 ms (0).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r23.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before the value is read (x2 the log buffer, x3 the word or area named),
 * P_x + 1 after its write (x2 the index it used). */
#define P_WAKE_WORD 2300
#define P_WAIT_WORD 2302
#define P_WAKE_OP 2304
#define P_WAKE_COUNT 2306
#define P_REQUEUE 2308
#define P_WAKE_NOBODY 2310
#define P_WAKE_STALE 2312   /* x3 the futex word, x4 the heap copy of the secret */
#define P_TRYLOCK_PI 2314
#define P_ROBUST_LEN 2316
#define P_RSEQ 2318
#define P_GETCPU 2320       /* x2 the per-CPU buffer */
#define P_LAZY_READ 2322    /* x3 the fresh page */
#define P_LAZY_WRITE 2324   /* x3 the fresh heap page */
#define P_ABS_NAP 2328      /* x3 the deadline */
#define P_TPIDRRO 2330
#define P_WAKE_OP_COUNT 2332
#define P_ROBUST_EXIT 2334  /* x3 the worker's robust list head */
#define P_CHILD_SETTID 2336 /* x3 the child's TID word */
#define P_CLKTCK 2338
#define P_WAIT_TOKEN 2340   /* x3 the semaphore word */
#define P_WAITV 2342        /* x2 the event records */
#define P_THREAD_PTID 2344  /* x3 the new thread's TID word */
#define P_NAP_DONE 2346     /* x3 the period (request and remainder) */
#define P_CLOCK_NAP_DONE 2348
#define P_FILE_PROBE 2350   /* x3 the mapped file page */
#define P_FUTEX_LATE 2352
#define P_POLL_LATE 2354
#define P_FUTEX_REL_LATE 2356
#define P_SELECT_LATE 2358
#define P_EPOLL_LATE 2360
#include "secret_common.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_PRIVATE 128
#define FUTEX_TID_MASK 0x3fffffff
/* FUTEX_OP(FUTEX_OP_SET, 2, FUTEX_OP_CMP_EQ, 0) */
#define WAKE_OP_SET_2 ((0 << 28) | (0 << 24) | (2 << 12) | 0)
#define RSEQ_SIG 0xd428bc00

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
/* One public record per CPU (four), then a working copy of the secret. */
static uint8_t percpu[32 + SECRET_LEN];

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static void clear_vectors(void)
{
    __asm__ volatile("movi v0.16b, #0\n movi v1.16b, #0\n movi v2.16b, #0\n movi v3.16b, #0\n"
                     "movi v4.16b, #0\n movi v5.16b, #0\n movi v6.16b, #0\n movi v7.16b, #0\n"
                     ::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7");
}

static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

static long futex(uint32_t *word, long op, long val, long timeout, uint32_t *word2, long val3)
{
    return sys6(SYS_futex, (long)word, op | FUTEX_PRIVATE, val, timeout, (long)word2, val3);
}

static uint32_t state_word = 1;

static void wake_word_step(void)
{
    marker(P_WAKE_WORD, (long)logbuf, (long)&state_word, 0, 0);
    if (futex(&state_word, FUTEX_WAKE, 1, 0, 0, 0) < 0)
        return;
    log_label(P_WAKE_WORD, (int32_t)state_word);
}

static uint32_t gate_word = 2;

static void wait_word_step(void)
{
    struct timespec brief = {0, 1000000};
    marker(P_WAIT_WORD, (long)logbuf, (long)&gate_word, 0, 0);
    futex(&gate_word, FUTEX_WAIT, 2, (long)&brief, 0, 0);
    log_label(P_WAIT_WORD, (int32_t)gate_word - 2);
}

static uint32_t op_word, op_word2;

static void wake_op_step(void)
{
    marker(P_WAKE_OP, (long)logbuf, (long)&op_word2, 0, 0);
    if (futex(&op_word, FUTEX_WAKE_OP, 1, 1, &op_word2, WAKE_OP_SET_2) < 0)
        return;
    log_label(P_WAKE_OP, (int32_t)op_word2);
}

static uint32_t sem_word;

static void wake_count_step(void)
{
    long sleepers = 1;      /* at most one thread may sleep on it */
    marker(P_WAKE_COUNT, (long)logbuf, (long)&sem_word, 0, 0);
    long woken = futex(&sem_word, FUTEX_WAKE, 1, 0, 0, 0);
    if (woken < 0)
        return;
    log_label(P_WAKE_COUNT, sleepers - woken);
}

static uint32_t cond_word, mutex_word;

static void requeue_step(void)
{
    marker(P_REQUEUE, (long)logbuf, (long)&cond_word, 0, 0);
    long moved = futex(&cond_word, FUTEX_CMP_REQUEUE, 1, 2, &mutex_word, cond_word);
    if (moved < 0)
        return;
    log_label(P_REQUEUE, 3 - moved);
}

static uint32_t idle_word;

static void wake_nobody_step(void)
{
    marker(P_WAKE_NOBODY, (long)logbuf, (long)&idle_word, 0, 0);
    long woken = futex(&idle_word, FUTEX_WAKE, 0x7fffffff, 0, 0, 0);
    if (woken < 0)
        return;
    log_label(P_WAKE_NOBODY, 0 - woken);
}

static uint32_t ready_word;

/* What the C library's syscall(SYS_futex, word, FUTEX_WAKE, 1) passes: x3-x5 hold
 * whatever the caller's code left in its own argument registers (FUTEX_WAKE ignores
 * them).  `left3` and `left4` pin what this caller left there. */
static long futex_wake3(uint32_t *word, long left3, long left4)
{
    register long x0 __asm__("x0") = (long)word;
    register long x1 __asm__("x1") = FUTEX_WAKE | FUTEX_PRIVATE;
    register long x2 __asm__("x2") = 1;
    register long x3 __asm__("x3") = left3;
    register long x4 __asm__("x4") = left4;
    register long x8 __asm__("x8") = SYS_futex;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8)
                     : "memory", "cc");
    return x0;
}

static void wake_stale_step(uint8_t *heap)
{
    uint8_t *copy = heap + SECRET_OFF;
    /* The caller just checked its heap copy: the copy's address stays in x3 and x4. */
    int same = memcmp(copy, secret, SECRET_LEN) == 0;
    marker(P_WAKE_STALE, (long)logbuf, (long)&ready_word, (long)copy, 0);
    ready_word = 1;
    futex_wake3(&ready_word, (long)copy, (long)copy);
    marker(P_WAKE_STALE + 1, same, 0, 0, 0);
}

static uint32_t pi_word;

static void trylock_pi_step(void)
{
    long me = sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    marker(P_TRYLOCK_PI, (long)logbuf, (long)&pi_word, me, 0);
    if (futex(&pi_word, FUTEX_TRYLOCK_PI, 0, 0, 0, 0) != 0)
        return;
    log_label(P_TRYLOCK_PI, me - (long)(pi_word & FUTEX_TID_MASK));
}

struct robust_head {
    uint64_t next;
    int64_t futex_offset;
    uint64_t pending;
};

static struct robust_head robust;

static void robust_len_step(void)
{
    robust.next = (uint64_t)&robust;
    robust.futex_offset = 0;
    robust.pending = 0;
    if (sys6(SYS_set_robust_list, (long)&robust, sizeof robust, 0, 0, 0, 0) != 0)
        return;
    uint64_t head = 0, len = 0;
    marker(P_ROBUST_LEN, (long)logbuf, (long)&len, 0, 0);
    if (sys6(SYS_get_robust_list, 0, (long)&head, (long)&len, 0, 0, 0) != 0)
        return;
    log_label(P_ROBUST_LEN, (long)(len / 8) - 3);
}

struct rseq_area {
    uint32_t cpu_id_start, cpu_id;
    uint64_t rseq_cs;
    uint32_t flags, node_id, mm_cid, pad;
} __attribute__((aligned(32)));

static struct rseq_area rseq_mine = {0, 0xffffffffu, 0, 0, 0, 0, 0};

static void rseq_step(void)
{
    marker(P_RSEQ, (long)logbuf, (long)&rseq_mine, 0, 0);
    if (sys6(SYS_rseq, (long)&rseq_mine, 32, 0, RSEQ_SIG, 0, 0) != 0)
        return;
    log_label(P_RSEQ, (int32_t)rseq_mine.cpu_id);
}

static void getcpu_step(void)
{
    marker(P_GETCPU, (long)percpu, 0, 0, 0);
    int cpu = sched_getcpu();
    if (cpu < 0)
        return;
    sys6(SYS_write, devnull, (long)(percpu + 8 * cpu), 8, 0, 0, 0);
    marker(P_GETCPU + 1, cpu, 0, 0, 0);
}

/* Probes: a handler skips the probing instruction, which then leaves -1. */
extern char probe_load[], probe_store[], probe_file[];

__attribute__((noinline)) static long safe_load(const long *p)
{
    register long x0 __asm__("x0") = -1;
    register const long *x1 __asm__("x1") = p;
    __asm__ volatile(".globl probe_load\nprobe_load: ldr x0, [x1]" : "+r"(x0) : "r"(x1)
                     : "memory");
    return x0;
}

__attribute__((noinline)) static long safe_file_load(const long *p)
{
    register long x0 __asm__("x0") = -1;
    register const long *x1 __asm__("x1") = p;
    __asm__ volatile(".globl probe_file\nprobe_file: ldr x0, [x1]" : "+r"(x0) : "r"(x1)
                     : "memory");
    return x0;
}

__attribute__((noinline)) static long safe_store(long *p, long v)
{
    register long x0 __asm__("x0") = 0;
    register long *x1 __asm__("x1") = p;
    register long x2 __asm__("x2") = v;
    __asm__ volatile(".globl probe_store\nprobe_store: str x2, [x1]" : "+r"(x0)
                     : "r"(x1), "r"(x2) : "memory");
    return x0;
}

static void on_probe_fault(int signo, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    uint64_t pc = uc->uc_mcontext.pc;
    if (pc == (uint64_t)probe_load) {
        uc->uc_mcontext.pc = pc + 4;        /* the destination keeps its -1 */
    } else if (pc == (uint64_t)probe_file) {
        if (signo == SIGBUS && si->si_code == BUS_ADRERR)
            uc->uc_mcontext.pc = pc + 4;    /* past the end of the file: -1 */
    } else if (pc == (uint64_t)probe_store) {
        uc->uc_mcontext.regs[0] = (uint64_t)-1;
        uc->uc_mcontext.pc = pc + 4;
    }
}

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};

#define SA_SIGINFO_F 0x4
#define SA_RESTORER_F 0x10000000

static void set_action(int signo, void *handler, uint64_t flags)
{
    struct kernel_sigaction act = {(uint64_t)handler, flags | SA_RESTORER_F, 0, 0};
    sys6(SYS_rt_sigaction, signo, (long)&act, 0, 8, 0, 0);
}

static void lazy_read_step(void)
{
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (!valid(page))
        return;
    marker(P_LAZY_READ, (long)logbuf, page, 0, 0);
    log_label(P_LAZY_READ, safe_load((const long *)page));
}

static void lazy_write_step(void)
{
    long cur = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    long base = (cur + PAGE - 1) & ~(PAGE - 1);
    if (sys6(SYS_brk, base + PAGE, 0, 0, 0, 0, 0) != base + PAGE)
        return;
    marker(P_LAZY_WRITE, (long)logbuf, base, 0, 0);
    log_label(P_LAZY_WRITE, safe_store((long *)base, 7));
}

static void on_usr2_noop(int signo)
{
    (void)signo;
}

static void abs_nap_step(void)
{
    set_action(SIGUSR2, (void *)on_usr2_noop, 0);
    struct timespec now = {0, 0};
    sys6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&now, 0, 0, 0, 0);
    struct timespec next = {now.tv_sec + 2, now.tv_nsec};
    marker(P_ABS_NAP, (long)logbuf, (long)&next, 0, 0);
    long r = sys6(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&next,
                  (long)&next, 0, 0);
    if (r != -4)
        return;
    /* Interrupted: the schedule stands (an absolute sleep leaves its deadline alone). */
    log_label(P_ABS_NAP, (long)(next.tv_sec - now.tv_sec) - 2);
}

static void tpidrro_step(void)
{
    uint64_t ro;
    marker(P_TPIDRRO, (long)logbuf, 0, 0, 0);
    __asm__ volatile("mrs %0, tpidrro_el0" : "=r"(ro));
    log_label(P_TPIDRRO, (long)ro);
}

static void wake_op_count_step(void)
{
    marker(P_WAKE_OP_COUNT, (long)logbuf, (long)&op_word, 0, 0);
    long woken = futex(&op_word, FUTEX_WAKE_OP, 1, 1, &op_word2, WAKE_OP_SET_2);
    if (woken < 0)
        return;
    log_label(P_WAKE_OP_COUNT, 2 - woken);
}

/* The program's pool of thread records: each holds its thread's robust list head. */
static struct robust_head robust_pool[2];

static void *robust_worker(void *arg)
{
    struct robust_head *head = arg;
    head->next = (uint64_t)head;
    head->futex_offset = 0;
    head->pending = 0;
    sys6(SYS_set_robust_list, (long)head, sizeof *head, 0, 0, 0, 0);
    return 0;
}

static void robust_exit_step(void)
{
    pthread_t worker;
    struct robust_head *rec = &robust_pool[1];
    marker(P_ROBUST_EXIT, (long)logbuf, (long)rec, 0, 0);
    if (pthread_create(&worker, 0, robust_worker, rec) != 0)
        return;
    /* A bounded join: a worker that does not end within a second is left behind. */
    struct timespec until = {0, 0};
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    pthread_timedjoin_np(worker, 0, &until);
    log_label(P_ROBUST_EXIT, (long)(rec->futex_offset / 8));
}

static pid_t child_tid_word;    /* as the C library keeps a TID: a pid_t */

static void child_settid_step(void)
{
    marker(P_CHILD_SETTID, (long)logbuf, (long)&child_tid_word, 0, 0);
    long child = sys6(SYS_clone, 0x1000000 /* CLONE_CHILD_SETTID */ | SIGCHLD, 0, 0, 0,
                      (long)&child_tid_word, 0);
    if (child == 0) {
        long me = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
        log_label(P_CHILD_SETTID, (long)child_tid_word - me);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (child < 0)
        return;
    int status = 0;
    sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0);
}

static void clktck_step(void)
{
    marker(P_CLKTCK, (long)logbuf, 0, 0, 0);
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        return;
    log_label(P_CLKTCK, (100 - hz) / 25);
}

static uint32_t token_word = 1;     /* a post already came */

static void wait_token_step(void)
{
    long tokens = 0;
    struct timespec brief = {0, 1000000};
    marker(P_WAIT_TOKEN, (long)logbuf, (long)&token_word, 0, 0);
    if (futex(&token_word, FUTEX_WAIT, 0, (long)&brief, 0, 0) == 0)
        tokens -= 1;        /* a post woke us and handed over its token */
    log_label(P_WAIT_TOKEN, tokens);
}

struct futex_waitv_entry {
    uint64_t val, uaddr;
    uint32_t flags, reserved;
};

static uint32_t event_words[4];
/* Four public event records, then a working copy of the secret. */
static uint8_t events[32 + SECRET_LEN];

static void waitv_step(void)
{
    struct futex_waitv_entry w[4];
    for (int i = 0; i < 4; i++) {
        w[i].val = 0;
        w[i].uaddr = (uint64_t)&event_words[i];
        w[i].flags = 2 /* FUTEX2_SIZE_U32 */ | FUTEX_PRIVATE;
        w[i].reserved = 0;
    }
    struct timespec until = {0, 0};
    sys6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&until, 0, 0, 0, 0);
    until.tv_nsec += 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec += 1;
        until.tv_nsec -= 1000000000;
    }
    marker(P_WAITV, (long)events, 0, 0, 0);
    long woke = sys6(449 /* SYS_futex_waitv */, (long)w, 4, 0, (long)&until, CLOCK_MONOTONIC, 0);
    if (woke < 0)
        return;
    sys6(SYS_write, devnull, (long)(events + 8 * woke), 8, 0, 0, 0);
    marker(P_WAITV + 1, woke, 0, 0, 0);
}

static volatile pid_t thread_tid_word;
static uint8_t thread_stack[16384] __attribute__((aligned(16)));

static int ptid_thread(void *arg)
{
    (void)arg;
    long me = sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    log_label(P_THREAD_PTID, (long)thread_tid_word - me);
    return 0;
}

static void thread_ptid_step(void)
{
    marker(P_THREAD_PTID, (long)logbuf, (long)&thread_tid_word, 0, 0);
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    long tid = clone(ptid_thread, thread_stack + sizeof thread_stack, flags, 0,
                     &thread_tid_word, 0, &thread_tid_word);
    if (tid <= 0)
        return;
    /* Wait for the thread's end: its CLEARTID word drops to 0 (bounded). */
    struct timespec brief = {0, 1000000};
    for (int i = 0; i < 1000 && thread_tid_word != 0; i++)
        futex((uint32_t *)&thread_tid_word, FUTEX_WAIT, (uint32_t)thread_tid_word,
              (long)&brief, 0, 0);
}

static void nap_done_step(int phase, int use_clock)
{
    struct timespec period = {0, 1000000};
    marker(phase, (long)logbuf, (long)&period, 0, 0);
    long r = use_clock
        ? sys6(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&period, (long)&period, 0, 0)
        : sys6(SYS_nanosleep, (long)&period, (long)&period, 0, 0, 0, 0);
    if (r != 0)
        return;
    /* Slept the whole period: it is still the 1 ms asked for. */
    log_label(phase, (period.tv_nsec - 1000000) / 250000);
}

static void file_probe_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)"r23-page", 0, 0, 0, 0, 0);
    if (fd < 0)
        return;
    if (sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) != 0)
        return;
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (!valid(page))
        return;
    marker(P_FILE_PROBE, (long)logbuf, page, 0, 0);
    log_label(P_FILE_PROBE, safe_file_load((const long *)page));
}

static long ms_between(const struct timespec *a, const struct timespec *b)
{
    return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static uint32_t late_word;

static void futex_late_step(void)
{
    struct timespec deadline = {0, 0}, after = {0, 0};
    sys6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&deadline, 0, 0, 0, 0);
    deadline.tv_nsec += 4000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1000000000;
    }
    marker(P_FUTEX_LATE, (long)logbuf, (long)&deadline, 0, 0);
    long r = futex(&late_word, 9 /* FUTEX_WAIT_BITSET */, 0, (long)&deadline, 0, 0xffffffff);
    if (r != -110 /* ETIMEDOUT */)
        return;
    sys6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&after, 0, 0, 0, 0);
    log_label(P_FUTEX_LATE, ms_between(&deadline, &after));
}

static void poll_late_step(void)
{
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    struct pollfd pfd = {fds[0], POLLIN, 0};
    struct timespec before = {0, 0}, after = {0, 0}, wait = {0, 4000000};
    sys6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&before, 0, 0, 0, 0);
    marker(P_POLL_LATE, (long)logbuf, (long)&before, 0, 0);
    long r = sys6(SYS_ppoll, (long)&pfd, 1, (long)&wait, 0, 8, 0);
    if (r == 0) {
        sys6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&after, 0, 0, 0, 0);
        log_label(P_POLL_LATE, ms_between(&before, &after) - 4);
    }
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
}

/* Read the clock, wait `how` for 4 ms on a pipe nobody writes, and when the wait timed
 * out, read the clock again: the whole milliseconds past those 4 choose the label. */
static void timed_wait_step(int phase, int how)
{
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    long ep = -1;
    struct epoll_event ev = {EPOLLIN, {0}};
    if (how == 2) {
        ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
        if (ep < 0 || sys6(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fds[0], (long)&ev, 0, 0) != 0)
            goto out;
    }
    struct timespec before = {0, 0}, after = {0, 0}, wait = {0, 4000000};
    uint64_t readfds = 1UL << fds[0];
    sys6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&before, 0, 0, 0, 0);
    marker(phase, (long)logbuf, 0, 0, 0);
    long r, expired;
    if (how == 0) {
        r = futex(&late_word, FUTEX_WAIT, 0, (long)&wait, 0, 0);
        expired = r == -110;    /* ETIMEDOUT */
    } else if (how == 1) {
        r = sys6(SYS_pselect6, fds[0] + 1, (long)&readfds, 0, 0, (long)&wait, 0);
        expired = r == 0;
    } else {
        struct epoll_event got;
        r = sys6(SYS_epoll_pwait, ep, (long)&got, 1, 4, 0, 8);
        expired = r == 0;
    }
    if (expired) {
        sys6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&after, 0, 0, 0, 0);
        log_label(phase, ms_between(&before, &after) - 4);
    }
out:
    if (ep >= 0)
        sys6(SYS_close, ep, 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
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
    memcpy(percpu, "cpu-0...cpu-1...cpu-2...cpu-3...", 32);
    memcpy(percpu + 32, secret, SECRET_LEN);
    memcpy(events, "event-0.event-1.event-2.event-3.", 32);
    memcpy(events + 32, secret, SECRET_LEN);
    clear_vectors();
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    set_action(SIGSEGV, (void *)on_probe_fault, SA_SIGINFO_F);
    set_action(SIGBUS, (void *)on_probe_fault, SA_SIGINFO_F);
    wake_word_step();
    wait_word_step();
    wake_op_step();
    wake_count_step();
    requeue_step();
    wake_nobody_step();
    wake_stale_step(heap);
    trylock_pi_step();
    robust_len_step();
    rseq_step();
    getcpu_step();
    lazy_read_step();
    lazy_write_step();
    abs_nap_step();
    tpidrro_step();
    wake_op_count_step();
    robust_exit_step();
    child_settid_step();
    clktck_step();
    wait_token_step();
    waitv_step();
    thread_ptid_step();
    nap_done_step(P_NAP_DONE, 0);
    nap_done_step(P_CLOCK_NAP_DONE, 1);
    file_probe_step();
    futex_late_step();
    poll_late_step();
    timed_wait_step(P_FUTEX_REL_LATE, 0);
    timed_wait_step(P_SELECT_LATE, 1);
    timed_wait_step(P_EPOLL_LATE, 2);

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
