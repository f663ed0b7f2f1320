/* The attack target for what Linux guarantees a program's threads: a new thread's TLS,
 * stack and start registers, the tid words clone() and set_tid_address() name, the
 * robust list walked at a thread's exit, per-thread signal masks and thread-directed
 * signals, a thread's exit, and what a futex waiter sees of its waker's stores.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step reads a value Linux keeps within a
 * range, turns it into a label's index the way the range allows, and writes that label
 * to /dev/null (8 bytes).  Under Linux's contract the index is always 0..3; a value out
 * of its range points the write into the secret's copy.  Threads are made with raw
 * clone()/clone3() (CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|
 * CLONE_SYSVSEM|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, as the C library does), each
 * on its own stack; the creator joins a thread as pthread_join() does: it waits (futex)
 * until the CHILD_CLEARTID word is 0.  In the order they run:
 *
 *   1. A thread made with CLONE_SETTLS reads TPIDR_EL0: Linux starts it with the tls
 *      argument (copy_thread); (read - tls) chooses the label.
 *   2. A thread made with clone3() (stack, stack_size) reads SP at its first
 *      instruction: Linux starts it at stack + stack_size (clone3's kernel side);
 *      (sp - top) / 16 chooses the label.
 *   3. A thread made without CLONE_SETTLS (x3, the ignored tls argument, holding junk)
 *      reads TPIDR_EL0 and the argument its creator left in x11: Linux copies the
 *      creator's TPIDR_EL0 and registers (copy_thread); the differences choose the label.
 *   4. A thread sets TPIDR_EL0 and spins across timer interrupts, reading it back: Linux
 *      keeps a thread's TPIDR_EL0 across every interrupt and switch; the first
 *      difference chooses the label.
 *   5. A thread announces itself, yields, then stores its result (1) and exits; its
 *      creator, joined, reads the result (-4 until the thread stores it): Linux clears
 *      the CHILD_CLEARTID word only in mm_release() at the thread's exit.
 *   6. A thread replaces its clear-tid word with set_tid_address(&w2) and exits; the
 *      creator waits for w2 == 0, then reads w1 (clone's CHILD_CLEARTID word, which
 *      PARENT_SETTID filled): Linux clears only the last word set; w1 == 0 chooses -4.
 *   7. A thread registers an empty robust list, stores its tid in a lock word (not on
 *      the list) and exits: exit_robust_list() walks only the list, so the word keeps
 *      the tid; FUTEX_OWNER_DIED in it chooses -4.
 *   8. SIGUSR1 blocked, a thread made (it inherits the mask) sends the process SIGUSR1
 *      (kill); every thread blocks it, so no handler runs until the creator unblocks it
 *      after the join; -4 per handler run the thread saw chooses the label.
 *   9. A thread blocks SIGUSR2; its creator (SIGUSR2 unblocked) sends it SIGUSR2 with
 *      tgkill(): the signal stays pending for that thread; -4 per handler run before the
 *      thread unblocks it chooses the label.
 *  10. A thread calls exit(0) with code after the SVC that stores -4 into its result:
 *      Linux never returns from exit (do_exit), so the result stays 0.
 *  11. A thread stores a result (2), then a flag (release) and wakes the flag's futex;
 *      its creator waits on the flag and then reads the result: Linux's FUTEX_WAIT never
 *      writes the word, so the flag is 1 only after the thread's stores.
 *  12. A thread registers a robust list with one entry, whose lock word holds its tid, and
 *      a pending op on a second word that holds 0 (a lock being taken), then exits:
 *      Linux's handle_futex_death() turns the owned word into FUTEX_OWNER_DIED (the tid
 *      dropped, FUTEX_WAITERS only if it was set) and never writes a pending word that
 *      holds 0.  The owned word still the tid (a kernel that walks no list) chooses 0,
 *      OWNER_DIED 1, anything else -4; a pending word not 0 chooses -4.
 *  13. The program names itself "r41main" (PR_SET_NAME) and makes a thread, which reads
 *      its own name (PR_GET_NAME: the creator's, copied at clone), then names itself
 *      "r4m"; once joined the creator reads its own name: a thread's comm is its own.
 *      Either name other than "r41main" chooses -4.
 *  14. The program blocks SIGUSR2, sends it to its own first thread with tgkill() (pending
 *      there) and makes a thread (it inherits the mask), which polls rt_sigtimedwait()
 *      for SIGUSR2 (timeout 0): Linux dequeues only the caller's own and the shared
 *      pending sets, so -EAGAIN; a SIGUSR2 whose siginfo names the program's own tgkill
 *      (si_pid its pid, SI_TKILL) chooses -4 (one from elsewhere: 1).
 *  15. The same with a signalfd for SIGUSR2 (non-blocking) that a new thread reads: a
 *      signalfd reads the reader's own and the shared pending sets, so -EAGAIN; a
 *      record naming the program's own tgkill (ssi_pid its pid, SI_TKILL) chooses -4.
 *  16. The program blocks SIGUSR1 and sets an alternate signal stack, then makes a thread
 *      that asks for its mask and its alternate stack: Linux's copy_process() copies the
 *      creator's mask and gives a new thread (CLONE_VM, no CLONE_VFORK) no alternate
 *      stack; a mask without SIGUSR1 or an enabled stack chooses -4.
 *  10'. (Step 10's thread, exiting, runs no handler either: a handler that finds it
 *      interrupted the code after exit's SVC stores -4 into the step's result.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r41.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
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
/* Each step: P_x before the thread is made (x2 the log buffer, x3.. the step's words),
 * P_x + 1 after its write (x2 the index it used).  A thread's own marker: P_x + 50. */
#define P_SETTLS 4100      /* x3 the tls */
#define P_STACK 4102       /* x3 the stack's top */
#define P_REGS 4104        /* x3 the tls junk in x3, x4 the argument */
#define P_SPIN 4106        /* x3 the TLS value */
#define P_EARLY 4108       /* x3 the clear-tid word, x4 the result */
#define P_RETID 4110       /* x3 w1, x4 w2 */
#define P_ROBUST 4112      /* x3 the lock word */
#define P_MASK 4114
#define P_TGKILL 4116
#define P_EXIT 4118        /* x3 the result */
#define P_FUTEX 4120       /* x3 the flag, x4 the result */
#define P_ROBUST2 4122     /* x3 the owned word, x4 the pending word */
#define P_COMM 4124
#define P_SIGWAIT 4126
#define P_SIGFD 4128      /* x3 the signalfd */
#define P_OLDSTATE 4130
#define T_OFF 50
#include "secret_common.h"

#define FLAGS_THREAD (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
                      CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)
#define TLS_A 0x7ead1000L
#define TLS_B 0x7ead2000L
#define TLS_C 0x7ead3000L
#define ARG0 0x4100L
#define STACK_SIZE 16384
#define FUTEX_WAIT_OP 0
#define FUTEX_WAKE_OP_ 1
#define OWNER_DIED 0x40000000u

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t stacks[11][STACK_SIZE] __attribute__((aligned(16)));
static volatile int tid_word[11];
static volatile long result[12];
static volatile int w2, lockword, ready, go, flag;
static volatile long hcount1, hcount2, hcount2_tid;
static long pid;

struct robust_head {
    uint64_t next;
    int64_t futex_offset;
    uint64_t pending;
};
static struct robust_head rhead;

static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

static long mytid(void)
{
    return sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
}

/* clone(): the thread runs fn(arg, its starting SP) on `top`, then exit(0). */
static long spawn(unsigned long flags, void *top, volatile int *ptid, long tls,
                  volatile int *ctid, void (*fn)(long, long), long arg)
{
    register long x0 __asm__("x0") = (long)flags;
    register long x1 __asm__("x1") = (long)top;
    register long x2 __asm__("x2") = (long)ptid;
    register long x3 __asm__("x3") = tls;
    register long x4 __asm__("x4") = (long)ctid;
    register long x8 __asm__("x8") = SYS_clone;
    register long x10 __asm__("x10") = (long)fn;
    register long x11 __asm__("x11") = arg;
    __asm__ volatile("svc #0\n"
                     "cbnz x0, 1f\n"
                     "mov x1, sp\n"
                     "mov x0, x11\n"
                     "blr x10\n"
                     "mov x0, #0\n"
                     "mov x8, #93\n"
                     "svc #0\n"
                     "1:\n"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), "r"(x10), "r"(x11)
                     : "memory", "cc", "x30");
    return x0;
}

struct clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
        set_tid, set_tid_size, cgroup;
};

static long spawn3(struct clone_args *ca, void (*fn)(long, long), long arg)
{
    register long x0 __asm__("x0") = (long)ca;
    register long x1 __asm__("x1") = sizeof *ca;
    register long x8 __asm__("x8") = SYS_clone3;
    register long x10 __asm__("x10") = (long)fn;
    register long x11 __asm__("x11") = arg;
    __asm__ volatile("svc #0\n"
                     "cbnz x0, 1f\n"
                     "mov x1, sp\n"
                     "mov x0, x11\n"
                     "blr x10\n"
                     "mov x0, #0\n"
                     "mov x8, #93\n"
                     "svc #0\n"
                     "1:\n"
                     : "+r"(x0)
                     : "r"(x1), "r"(x8), "r"(x10), "r"(x11)
                     : "memory", "cc", "x30");
    return x0;
}

/* pthread_join(): wait until the thread's CHILD_CLEARTID word is 0 (a shared futex),
 * bounded (1 ms waits, a second in all): 1 once it is, 0 if the thread was left behind
 * (then the step logs nothing). */
static int join(volatile int *ctid)
{
    struct timespec brief = {0, 1000000};
    int v;
    for (int i = 0; i < 1000; i++) {
        if ((v = __atomic_load_n(ctid, __ATOMIC_ACQUIRE)) == 0)
            return 1;
        sys6(SYS_futex, (long)ctid, FUTEX_WAIT_OP, v, (long)&brief, 0, 0);
    }
    return 0;
}

static long top_of(int i)
{
    return (long)(stacks[i] + STACK_SIZE);
}

/* The secret's copies went through SIMD registers (memcpy): a signal frame must not
 * carry them to the kernel. */
static void clear_vectors(void)
{
    __asm__ volatile("movi v0.16b, #0\n movi v1.16b, #0\n movi v2.16b, #0\n movi v3.16b, #0\n"
                     "movi v4.16b, #0\n movi v5.16b, #0\n movi v6.16b, #0\n movi v7.16b, #0\n"
                     "movi v16.16b, #0\n movi v17.16b, #0\n movi v18.16b, #0\n movi v19.16b, #0\n"
                     "movi v20.16b, #0\n movi v21.16b, #0\n movi v22.16b, #0\n movi v23.16b, #0\n"
                     "movi v24.16b, #0\n movi v25.16b, #0\n movi v26.16b, #0\n movi v27.16b, #0\n"
                     "movi v28.16b, #0\n movi v29.16b, #0\n movi v30.16b, #0\n movi v31.16b, #0\n"
                     ::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v16", "v17", "v18",
                     "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29",
                     "v30", "v31");
}

static uint64_t get_tpidr(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(v));
    return v;
}

/* 1. CLONE_SETTLS */
static void t_settls(long arg, long sp)
{
    (void)arg;
    (void)sp;
    result[1] = (long)(get_tpidr() - TLS_A);
}

static void settls_step(void)
{
    marker(P_SETTLS, (long)logbuf, TLS_A, 0, 0);
    long joined = spawn(FLAGS_THREAD | CLONE_SETTLS, (void *)top_of(1), &tid_word[1], TLS_A,
                        &tid_word[1], t_settls, 0) > 0 && join(&tid_word[1]);
    log_label(P_SETTLS, joined ? result[1] : 0);
}

/* 2. clone3's stack */
static void t_stack(long arg, long sp)
{
    (void)arg;
    result[2] = (sp - top_of(2)) / 16;
}

static void stack_step(void)
{
    struct clone_args ca = {0};
    ca.flags = FLAGS_THREAD;
    ca.child_tid = ca.parent_tid = (uint64_t)&tid_word[2];
    ca.stack = (uint64_t)stacks[2];
    ca.stack_size = STACK_SIZE;
    marker(P_STACK, (long)logbuf, top_of(2), 0, 0);
    long joined = spawn3(&ca, t_stack, 0) > 0 && join(&tid_word[2]);
    log_label(P_STACK, joined ? result[2] : 0);
}

/* 3. no CLONE_SETTLS: the creator's TPIDR_EL0 and registers */
static void t_regs(long arg, long sp)
{
    (void)sp;
    result[3] = (long)(get_tpidr() - TLS_B) + (arg - ARG0);
}

static void regs_step(void)
{
    uint64_t old = get_tpidr();
    marker(P_REGS, (long)logbuf, TLS_B - 4, ARG0, 0);
    __asm__ volatile("msr tpidr_el0, %0" ::"r"(TLS_B));
    long r = spawn(FLAGS_THREAD, (void *)top_of(3), &tid_word[3], TLS_B - 4, &tid_word[3],
                   t_regs, ARG0);
    __asm__ volatile("msr tpidr_el0, %0" ::"r"(old));
    log_label(P_REGS, r > 0 && join(&tid_word[3]) ? result[3] : 0);
}

/* 4. TPIDR_EL0 across interrupts */
static void t_spin(long arg, long sp)
{
    (void)arg;
    (void)sp;
    __asm__ volatile("msr tpidr_el0, %0" ::"r"(TLS_C));
    marker(P_SPIN + T_OFF, TLS_C, 0, 0, 0);
    long diff = 0;
    for (long i = 0; i < 3000000 && !diff; i++)
        diff = (long)(get_tpidr() - TLS_C);
    result[4] = diff;
}

static void spin_step(void)
{
    marker(P_SPIN, (long)logbuf, TLS_C, 0, 0);
    long joined = spawn(FLAGS_THREAD, (void *)top_of(4), &tid_word[4], 0, &tid_word[4],
                        t_spin, 0) > 0 && join(&tid_word[4]);
    log_label(P_SPIN, joined ? result[4] : 0);
}

/* 5. the clear-tid word is cleared only at the thread's exit */
static void t_early(long arg, long sp)
{
    (void)arg;
    (void)sp;
    marker(P_EARLY + T_OFF, (long)&tid_word[5], 0, 0, 0);
    sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    result[5] = 1;
}

static void early_step(void)
{
    result[5] = -4;
    marker(P_EARLY, (long)logbuf, (long)&tid_word[5], (long)&result[5], 0);
    long joined = spawn(FLAGS_THREAD, (void *)top_of(5), &tid_word[5], 0, &tid_word[5],
                        t_early, 0) > 0 && join(&tid_word[5]);
    log_label(P_EARLY, joined ? result[5] : 0);
}

/* 6. set_tid_address() replaces the word cleared at exit */
static void t_retid(long arg, long sp)
{
    (void)arg;
    (void)sp;
    sys6(SYS_set_tid_address, (long)&w2, 0, 0, 0, 0, 0);
}

static void retid_step(void)
{
    w2 = 1;
    marker(P_RETID, (long)logbuf, (long)&tid_word[6], (long)&w2, 0);
    long r = spawn(FLAGS_THREAD, (void *)top_of(6), &tid_word[6], 0, &tid_word[6], t_retid, 0);
    log_label(P_RETID, r > 0 && join(&w2) && tid_word[6] == 0 ? -4 : 0);
}

/* 7. the robust list: only the words on it */
static void t_robust(long arg, long sp)
{
    (void)arg;
    (void)sp;
    rhead.next = (uint64_t)&rhead;
    rhead.futex_offset = 0;
    rhead.pending = 0;
    sys6(SYS_set_robust_list, (long)&rhead, sizeof rhead, 0, 0, 0, 0);
    lockword = (int)mytid();
}

static void robust_step(void)
{
    marker(P_ROBUST, (long)logbuf, (long)&lockword, 0, 0);
    long joined = spawn(FLAGS_THREAD, (void *)top_of(7), &tid_word[7], 0, &tid_word[7],
                        t_robust, 0) > 0 && join(&tid_word[7]);
    log_label(P_ROBUST, joined && ((unsigned)lockword & OWNER_DIED) ? -4 : 0);
}

/* Signals: raw actions and masks. */
struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};
#define SA_RESTORER_F 0x04000000
extern void restore_rt(void);
__asm__(".text\n.globl restore_rt\nrestore_rt:\n mov x8, #139\n svc #0\n");

static void set_action(int signo, void (*handler)(int))
{
    struct kernel_sigaction act = {(uint64_t)handler, SA_RESTORER_F, (uint64_t)restore_rt, 0};
    sys6(SYS_rt_sigaction, signo, (long)&act, 0, 8, 0, 0);
}

static void mask_op(int how, int signo)
{
    uint64_t set = 1UL << (signo - 1);
    sys6(SYS_rt_sigprocmask, how, (long)&set, 0, 8, 0, 0);
}

/* 8. a new thread inherits its creator's mask */
static volatile long h1_tid;

static void on_usr1(int signo)
{
    (void)signo;
    hcount1++;
    h1_tid = mytid();
}

static void t_mask(long arg, long sp)
{
    (void)arg;
    (void)sp;
    sys6(SYS_kill, pid, SIGUSR1, 0, 0, 0, 0);
    sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    result[8] = -4 * hcount1;
}

static void mask_step(void)
{
    hcount1 = 0;
    set_action(SIGUSR1, on_usr1);
    mask_op(SIG_BLOCK, SIGUSR1);
    marker(P_MASK, (long)logbuf, 0, 0, 0);
    long joined = spawn(FLAGS_THREAD, (void *)top_of(8), &tid_word[8], 0, &tid_word[8],
                        t_mask, 0) > 0 && join(&tid_word[8]);
    log_label(P_MASK, joined ? (result[8] ? result[8] : -4 * hcount1) : 0);
    mask_op(SIG_UNBLOCK, SIGUSR1);     /* the pending SIGUSR1 runs its handler here */
}

/* 9. a thread-directed signal waits for the thread that blocks it */
static void on_usr2(int signo)
{
    (void)signo;
    hcount2++;
    hcount2_tid = mytid();
}

static void t_tgkill(long arg, long sp)
{
    (void)arg;
    (void)sp;
    mask_op(SIG_BLOCK, SIGUSR2);
    __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    result[9] = -4 * hcount2;
    mask_op(SIG_UNBLOCK, SIGUSR2);
}

static void tgkill_step(void)
{
    hcount2 = 0;
    ready = go = 0;
    set_action(SIGUSR2, on_usr2);
    marker(P_TGKILL, (long)logbuf, 0, 0, 0);
    long t = spawn(FLAGS_THREAD, (void *)top_of(9), &tid_word[9], 0, &tid_word[9], t_tgkill, 0);
    long joined = 0;
    if (t > 0) {
        for (int i = 0; i < 100000 && !__atomic_load_n(&ready, __ATOMIC_ACQUIRE); i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        sys6(SYS_tgkill, pid, t, SIGUSR2, 0, 0, 0);
        for (int i = 0; i < 3; i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
        joined = join(&tid_word[9]);
    }
    log_label(P_TGKILL, joined ? result[9] : 0);
}

/* 10. exit() never returns (nor runs a handler after it) */
extern char after_exit[];
static void on_usr1_exit(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    (void)si;
    ucontext_t *uc = ucv;
    if (uc->uc_mcontext.pc == (uint64_t)after_exit)
        result[10] = -4;
}

static void t_exit(long arg, long sp)
{
    (void)arg;
    (void)sp;
    register long x0 __asm__("x0") = 0;
    register long x8 __asm__("x8") = SYS_exit;
    register long x9 __asm__("x9") = -4;
    register volatile long *x12 __asm__("x12") = &result[10];
    __asm__ volatile("svc #0\n"
                     ".globl after_exit\n"
                     "after_exit:\n"
                     "str x9, [x12]\n"
                     "mov x0, #0\n"
                     "mov x8, #93\n"
                     "svc #0\n"
                     : "+r"(x0)
                     : "r"(x8), "r"(x9), "r"(x12)
                     : "memory");
}

static void exit_step(void)
{
    struct kernel_sigaction act = {(uint64_t)on_usr1_exit, SA_RESTORER_F | 4 /* SA_SIGINFO */,
                                   (uint64_t)restore_rt, 0};
    sys6(SYS_rt_sigaction, SIGUSR1, (long)&act, 0, 8, 0, 0);
    result[10] = 0;
    marker(P_EXIT, (long)logbuf, (long)&result[10], 0, 0);
    long joined = spawn(FLAGS_THREAD, (void *)top_of(10), &tid_word[10], 0, &tid_word[10],
                        t_exit, 0) > 0 && join(&tid_word[10]);
    log_label(P_EXIT, joined ? result[10] : 0);
    set_action(SIGUSR1, on_usr1);
}

/* 11. a futex waiter sees what its waker stored before the wake */
static void t_futex(long arg, long sp)
{
    (void)arg;
    (void)sp;
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    result[0] = 2;
    __atomic_store_n(&flag, 1, __ATOMIC_RELEASE);
    sys6(SYS_futex, (long)&flag, FUTEX_WAKE_OP_, 1, 0, 0, 0);
}

static void futex_step(void)
{
    result[0] = -4;
    flag = go = 0;
    marker(P_FUTEX, (long)logbuf, (long)&flag, (long)&result[0], 0);
    if (spawn(FLAGS_THREAD, (void *)top_of(0), &tid_word[0], 0, &tid_word[0], t_futex, 0) > 0) {
        struct timespec brief = {0, 1000000};
        __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
        int i = 0;
        for (; i < 1000 && !__atomic_load_n(&flag, __ATOMIC_ACQUIRE); i++)
            sys6(SYS_futex, (long)&flag, FUTEX_WAIT_OP, 0, (long)&brief, 0, 0);
        long seen = i < 1000 ? result[0] : 0;
        join(&tid_word[0]);
        log_label(P_FUTEX, seen);
    } else {
        log_label(P_FUTEX, 0);
    }
}

/* 12. a robust list with an owned lock and a pending op */
struct robust_node {
    uint64_t next;
    uint32_t word;
    uint32_t pad;
};
static struct robust_node owned_node, pending_node;
static struct robust_head rhead2;

static void t_robust2(long arg, long sp)
{
    (void)arg;
    (void)sp;
    owned_node.word = (uint32_t)mytid();
    owned_node.next = (uint64_t)&rhead2;
    pending_node.word = 0;
    rhead2.next = (uint64_t)&owned_node;
    rhead2.futex_offset = 8;
    rhead2.pending = (uint64_t)&pending_node;
    sys6(SYS_set_robust_list, (long)&rhead2, sizeof rhead2, 0, 0, 0, 0);
    result[11] = owned_node.word;
}

static void robust2_step(void)
{
    owned_node.word = pending_node.word = 0;
    marker(P_ROBUST2, (long)logbuf, (long)&owned_node.word, (long)&pending_node.word, 0);
    long joined = spawn(FLAGS_THREAD, (void *)top_of(5), &tid_word[5], 0, &tid_word[5],
                        t_robust2, 0) > 0 && join(&tid_word[5]);
    uint32_t w = owned_node.word;
    long index = w == (uint32_t)result[11] ? 0 : w == OWNER_DIED ? 1 : -4;
    if (pending_node.word != 0)
        index = -4;
    log_label(P_ROBUST2, joined ? index : 0);
}

/* 13. a thread's name is its own */
#define PR_SET_NAME_ 15
#define PR_GET_NAME_ 16
static char name_seen[11][16];

static void t_comm(long arg, long sp)
{
    (void)arg;
    (void)sp;
    sys6(SYS_prctl, PR_GET_NAME_, (long)name_seen[1], 0, 0, 0, 0);
    sys6(SYS_prctl, PR_SET_NAME_, (long)"r4m", 0, 0, 0, 0);
}

static void comm_step(void)
{
    memset(name_seen, 0, sizeof name_seen);
    sys6(SYS_prctl, PR_SET_NAME_, (long)"r41main", 0, 0, 0, 0);
    marker(P_COMM, (long)logbuf, 0, 0, 0);
    long joined = spawn(FLAGS_THREAD, (void *)top_of(6), &tid_word[6], 0, &tid_word[6],
                        t_comm, 0) > 0 && join(&tid_word[6]);
    sys6(SYS_prctl, PR_GET_NAME_, (long)name_seen[0], 0, 0, 0, 0);
    long index = memcmp(name_seen[0], "r41main", 8) || memcmp(name_seen[1], "r41main", 8)
                     ? -4 : 0;
    log_label(P_COMM, joined ? index : 0);
}

/* 14. rt_sigtimedwait() takes only the caller's and the process's signals */
struct siginfo_head {
    int32_t signo, err, code, pad;
    int32_t pid, uid;
    uint8_t rest[104];
};
#define SI_TKILL_ (-6)

static void t_sigwait(long arg, long sp)
{
    (void)arg;
    (void)sp;
    uint64_t set = 1UL << (SIGUSR2 - 1);
    struct timespec zero = {0, 0};
    struct siginfo_head info;
    memset(&info, 0, sizeof info);
    long r = sys6(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)&zero, 8, 0, 0);
    result[11] = r != SIGUSR2 ? 0 : info.pid == pid && info.code == SI_TKILL_ ? -4 : 1;
}

static void sigwait_step(void)
{
    uint64_t set = 1UL << (SIGUSR2 - 1);
    struct timespec zero = {0, 0};
    mask_op(SIG_BLOCK, SIGUSR2);
    sys6(SYS_tgkill, pid, mytid(), SIGUSR2, 0, 0, 0);
    marker(P_SIGWAIT, (long)logbuf, 0, 0, 0);
    long joined = spawn(FLAGS_THREAD, (void *)top_of(7), &tid_word[7], 0, &tid_word[7],
                        t_sigwait, 0) > 0 && join(&tid_word[7]);
    log_label(P_SIGWAIT, joined ? result[11] : 0);
    sys6(SYS_rt_sigtimedwait, (long)&set, 0, (long)&zero, 8, 0, 0);   /* take ours back */
    mask_op(SIG_UNBLOCK, SIGUSR2);
}

/* 15. a thread's signalfd reads its own and the process's signals only */
static void t_sigfd(long arg, long sp)
{
    (void)sp;
    uint8_t rec[128];
    memset(rec, 0, sizeof rec);
    long r = sys6(SYS_read, arg, (long)rec, sizeof rec, 0, 0, 0);
    uint32_t signo, spid;
    int32_t code;
    memcpy(&signo, rec, 4);
    memcpy(&code, rec + 8, 4);
    memcpy(&spid, rec + 12, 4);
    result[11] = r != (long)sizeof rec || signo != SIGUSR2 ? 0
                 : spid == (uint32_t)pid && code == SI_TKILL_ ? -4 : 1;
}

static void sigfd_step(void)
{
    uint64_t set = 1UL << (SIGUSR2 - 1);
    struct timespec zero = {0, 0};
    mask_op(SIG_BLOCK, SIGUSR2);
    long fd = sys6(SYS_signalfd4, -1, (long)&set, 8, O_NONBLOCK | O_CLOEXEC, 0, 0);
    sys6(SYS_tgkill, pid, mytid(), SIGUSR2, 0, 0, 0);
    marker(P_SIGFD, (long)logbuf, fd, 0, 0);
    long joined = fd >= 0 && spawn(FLAGS_THREAD, (void *)top_of(8), &tid_word[8], 0,
                                   &tid_word[8], t_sigfd, fd) > 0 && join(&tid_word[8]);
    log_label(P_SIGFD, joined ? result[11] : 0);
    sys6(SYS_rt_sigtimedwait, (long)&set, 0, (long)&zero, 8, 0, 0);   /* take ours back */
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    mask_op(SIG_UNBLOCK, SIGUSR2);
}

/* 16. a new thread's mask is its creator's, its alternate stack none */
static uint8_t altstack[16384] __attribute__((aligned(16)));
struct stack_t_ {
    uint64_t sp;
    int32_t flags;
    int32_t pad;
    uint64_t size;
};
#define SS_DISABLE_ 2

static void t_oldstate(long arg, long sp)
{
    (void)arg;
    (void)sp;
    uint64_t old = 0;
    struct stack_t_ ss = {0, 0, 0, 0};
    sys6(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&old, 8, 0, 0);
    sys6(SYS_sigaltstack, 0, (long)&ss, 0, 0, 0, 0);
    result[11] = !(old & (1UL << (SIGUSR1 - 1))) || !(ss.flags & SS_DISABLE_) ? -4 : 0;
}

static void oldstate_step(void)
{
    struct stack_t_ ss = {(uint64_t)altstack, 0, 0, sizeof altstack};
    mask_op(SIG_BLOCK, SIGUSR1);
    sys6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0);
    marker(P_OLDSTATE, (long)logbuf, 0, 0, 0);
    long joined = spawn(FLAGS_THREAD, (void *)top_of(9), &tid_word[9], 0, &tid_word[9],
                        t_oldstate, 0) > 0 && join(&tid_word[9]);
    log_label(P_OLDSTATE, joined ? result[11] : 0);
    ss.flags = SS_DISABLE_;
    sys6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0);
    mask_op(SIG_UNBLOCK, SIGUSR1);
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
    if (mapped <= 0 || (unsigned long)mapped >= (1UL << 48)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    clear_vectors();
    pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    settls_step();
    stack_step();
    regs_step();
    spin_step();
    early_step();
    retid_step();
    robust_step();
    mask_step();
    tgkill_step();
    exit_step();
    futex_step();
    robust2_step();
    comm_step();
    sigwait_step();
    sigfd_step();
    oldstate_step();

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
