/* The attack target for signal masks that a call sets for its own duration.
 *
 * The program keeps a log record pointer, `log_rec`; its SIGUSR1/SIGUSR2 handler writes
 * the 32 bytes the pointer names to /dev/null.  While SIGUSR1 and SIGUSR2 are blocked
 * (its normal mask) the program may point `log_rec` at a copy of its secret for a
 * moment (a critical section the mask protects: no handler can run inside it).  It waits
 * for its signals the way Linux programs wait atomically: with a call that replaces the
 * mask only while it waits.
 *
 *   1. ppoll(NULL, 0, {0, 0}, &empty, 8) with SIGUSR1 pending (sent by kill() while
 *      blocked), then a critical section (marker 701 inside it).
 *   2. The same wait through pselect6() (sigmask passed as {&empty, 8}).
 *   3. The same wait through epoll_pwait() on an empty epoll instance.
 *   4. The same wait through rt_sigsuspend(&empty).
 *   5. SIGUSR1 and SIGUSR2 both pending, one ppoll() with the empty mask (Linux delivers
 *      both there, each frame restoring the mask the program had before the call), then
 *      a critical section.
 *   6. The same wait through epoll_pwait2() with a zero timeout.
 *   7. Inside a critical section (the record names the secret's copy, SIGUSR1 and
 *      SIGUSR2 blocked), SIGUSR1 sent and taken synchronously with rt_sigtimedwait()
 *      ({SIGUSR1}, a zero timeout): Linux dequeues it there, the handler never runs.
 *   8. A fork child that logs a page: the program fills an anonymous page with a public
 *      pattern and forks a child that waits for a byte on a pipe, then writes the first
 *      256 bytes of its copy of the page to /dev/null.  The parent reuses its own copy
 *      of the page as scratch for the secret right after the fork, then sends the byte
 *      and reaps the child (the child's copy is the page as it was at the fork).
 *  10. A helper process sharing the program's memory (raw clone with CLONE_VM and
 *      CLONE_CHILD_CLEARTID naming a word of a scratch area, as posix_spawn-style
 *      helpers do) that exits at once; the program reaps it with wait4() (Linux clears
 *      the word before the child can be reaped), then reuses the scratch area for a copy
 *      of the secret, sleeps a moment and reports in a marker whether the copy is intact.
 *  11. A helper sharing the program's memory joined as pthread_join() joins a thread
 *      (raw clone with CLONE_VM, CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID naming a
 *      word of a scratch area; it calls exit(0) at once): the program waits with
 *      FUTEX_WAIT until the word reads 0, then reuses the scratch area (a cached stack,
 *      in a C library) for a copy of the secret, sleeps a moment, reports in a marker
 *      whether the copy is intact, and reaps the helper.
 *  12. Step 10 again with a helper that calls exit_group(0) instead of exit(0).
 *  13. A CLONE_VM helper that registers a robust-futex list (an empty one, its head in
 *      a scratch area) and calls exit(0); the program reaps it, reuses the scratch area
 *      for a copy of the secret, sleeps a moment and reports whether the copy is intact
 *      (Linux walks a thread's robust list at its exit, before it can be reaped).
 *  14. Step 13 with the helper also naming a CLEARTID word (CLONE_PARENT_SETTID and
 *      CLONE_CHILD_CLEARTID): the program joins it through the word (a bounded
 *      FUTEX_WAIT until it reads 0) instead of wait4(), then reuses the robust-list
 *      head's area (Linux walks the robust list before it clears the word).
 *  15. Step 14 with a thread (CLONE_THREAD, as pthread_create makes one) instead of a
 *      helper process: joined through the word as pthread_join() joins it.
 *   9. A worker thread (raw clone with CLONE_CHILD_CLEARTID naming a word of the
 *      program's shared area) that sleeps, and a second thread (its CLEARTID word the
 *      next word of the area) that exits at once and is joined through that word; the
 *      program prints its digest and execs
 *      itself with -x (Linux ends the worker before the new image exists, so the
 *      worker's word is never written in the new image).  With -x the image fills the
 *      same shared area with a public key, sleeps a moment and reports in a marker
 *      whether the key is still what it wrote.
 *
 * Linux restores the program's own mask when the call returns (or, where a handler runs,
 * when the handler's frame returns): a handler never runs inside a critical section.
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r15.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
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
/* Each step: P_x before the wait (x2 the record pointer's address), P_x + 1 inside the
 * critical section that follows it (x2 the number of handler runs so far). */
#define P_PPOLL 700
#define P_PSELECT 702
#define P_EPOLL 704
#define P_SUSPEND 706
#define P_PPOLL_TWO 708
#define P_EPOLL2 710
#define P_TIMEDWAIT 712
#define P_FORK_COW 714       /* x2 the page; + 1 the parent wrote it, + 2 the child */
#define P_EXEC_WORKER 717    /* x2 the worker's CLEARTID word, x3 its tid; next: execve */
#define P_X_PLACED 718       /* -x: x2 the shared area, filled with the public key */
#define P_X_CHECK 719        /* -x: x2 nonzero when the key changed */
#define P_REAP_VM 720        /* next: clone(CLONE_VM | CLONE_CHILD_CLEARTID), x2 the word */
#define P_REAP_REUSE 721     /* the child reaped, the area holds the secret's copy */
#define P_REAP_CHECK 722     /* x2 nonzero when the copy changed, x3 then its first word */
#define P_REAP_GROUP 726     /* step 12: as P_REAP_VM .. P_REAP_CHECK, + 0, 1, 2 */
#define P_ROBUST 729         /* step 13: x2 the head; + 1 the area reused; + 2 the check */
#define P_ROBUST_JOIN 732    /* step 14: as P_ROBUST, + 0, 1, 2; x3 the CLEARTID word */
#define P_ROBUST_THREAD 735  /* step 15: as P_ROBUST_JOIN, + 0, 1, 2 */
#define P_JOIN 723           /* next: the thread's clone, x2 the word */
#define P_JOIN_REUSE 724     /* joined: the area holds the secret's copy */
#define P_JOIN_CHECK 725     /* x2 nonzero when the copy changed */
#define SIGUSR1_BIT (1UL << 9)
#define SIGUSR2_BIT (1UL << 11)
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static const char public_rec[SECRET_LEN] = "public log record, nothing here";
static uint8_t work[SECRET_LEN];
static const void *volatile log_rec = public_rec;
static volatile long handler_runs;

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};

static void on_signal(int signo)
{
    (void)signo;
    handler_runs++;
    sys6(SYS_write, devnull, (long)log_rec, SECRET_LEN, 0, 0, 0);
}

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static long anon_page(void)
{
    return sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* No copy of the secret left in the vector registers a memcpy used (a signal frame
 * saves them, and the kernel of an ordinary run reads the frame back at rt_sigreturn). */
static void clear_vectors(void)
{
    __asm__ volatile("movi v0.16b, #0\n movi v1.16b, #0\n movi v2.16b, #0\n movi v3.16b, #0\n"
                     "movi v4.16b, #0\n movi v5.16b, #0\n movi v6.16b, #0\n movi v7.16b, #0\n"
                     ::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7");
}

/* The critical section: the record holds the secret only while both signals are blocked. */
static void critical(long phase)
{
    memcpy(work, secret, SECRET_LEN);
    clear_vectors();
    log_rec = work;
    marker(phase + 1, handler_runs, (long)work, 0, 0);
    log_rec = public_rec;
    memset(work, 0, SECRET_LEN);
    clear_vectors();
}

static void raise_pending(unsigned long bits)
{
    long me = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    if (bits & SIGUSR1_BIT)
        sys6(SYS_kill, me, 10, 0, 0, 0, 0);
    if (bits & SIGUSR2_BIT)
        sys6(SYS_kill, me, 12, 0, 0, 0, 0);
}

static void wait_step(long phase, int epfd)
{
    uint64_t empty = 0;
    struct { long sec, nsec; } zero = {0, 0};
    unsigned long bits = phase == P_PPOLL_TWO ? SIGUSR1_BIT | SIGUSR2_BIT : SIGUSR1_BIT;
    raise_pending(bits);
    marker(phase, (long)&log_rec, 0, 0, 0);
    switch (phase) {
    case P_PPOLL:
    case P_PPOLL_TWO:
        sys6(SYS_ppoll, 0, 0, (long)&zero, (long)&empty, 8, 0);
        break;
    case P_PSELECT: {
        struct { const uint64_t *set; long size; } sm = {&empty, 8};
        sys6(SYS_pselect6, 0, 0, 0, 0, (long)&zero, (long)&sm);
        break;
    }
    case P_EPOLL: {
        uint8_t ev[16];
        sys6(SYS_epoll_pwait, epfd, (long)ev, 1, 0, (long)&empty, 8);
        break;
    }
    case P_EPOLL2: {
        uint8_t ev[16];
        sys6(SYS_epoll_pwait2, epfd, (long)ev, 1, (long)&zero, (long)&empty, 8);
        break;
    }
    case P_SUSPEND:
        sys6(SYS_rt_sigsuspend, (long)&empty, 8, 0, 0, 0, 0);
        break;
    }
    critical(phase);
}

/* Step 7: a signal taken synchronously inside the critical section. */
static void timedwait_step(void)
{
    uint64_t set = SIGUSR1_BIT;
    struct { long sec, nsec; } zero = {0, 0};
    uint8_t info[128];
    memcpy(work, secret, SECRET_LEN);
    clear_vectors();
    log_rec = work;
    raise_pending(SIGUSR1_BIT);
    marker(P_TIMEDWAIT, (long)&log_rec, (long)work, 0, 0);
    long r = sys6(SYS_rt_sigtimedwait, (long)&set, (long)info, (long)&zero, 8, 0, 0);
    marker(P_TIMEDWAIT + 1, r, handler_runs, 0, 0);
    log_rec = public_rec;
    memset(work, 0, SECRET_LEN);
    clear_vectors();
}

/* Step 8: the parent's copy of a page changes after the fork; the child's must not. */
static const char pattern[32] = "page the fork child must inherit";

static void fork_cow_step(void)
{
    long page = anon_page();
    int pfd[2];
    if (!valid(page) || sys6(SYS_pipe2, (long)pfd, 0, 0, 0, 0, 0) != 0)
        return;
    for (long i = 0; i < PAGE; i += sizeof pattern)
        memcpy((uint8_t *)page + i, pattern, sizeof pattern);
    marker(P_FORK_COW, page, 0, 0, 0);
    long pid = sys6(SYS_clone, 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
    if (pid == 0) {
        char go;
        sys6(SYS_read, pfd[0], (long)&go, 1, 0, 0, 0);
        marker(P_FORK_COW + 2, page, 0, 0, 0);
        sys6(SYS_write, devnull, page, 256, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    for (long i = 0; i < 256; i += SECRET_LEN)
        memcpy((uint8_t *)page + i, secret, SECRET_LEN);
    clear_vectors();
    marker(P_FORK_COW + 1, page, pid, 0, 0);
    sys6(SYS_write, pfd[1], (long)"g", 1, 0, 0, 0);
    int status = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    memset((void *)page, 0, PAGE);
    sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
    sys6(SYS_close, pfd[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, pfd[1], 0, 0, 0, 0, 0);
}

/* Step 9: a word the worker thread's exit clears, then (after exec) the new image's key. */
static union {
    struct { uint32_t worker_word, exiter_word; } w;
    uint8_t key[SECRET_LEN];
} shared_area;
static uint8_t worker_stack[16384] __attribute__((aligned(16)));
static uint8_t exiter_stack[4096] __attribute__((aligned(16)));

/* A second thread (CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID at ctid) that exits at once. */
static long spawn_exiter(uint32_t *ctid)
{
    register long x0 __asm__("x0") = 0x00050f00L | 0x00300000L;
    register long x1 __asm__("x1") = (long)(exiter_stack + sizeof exiter_stack);
    register long x2 __asm__("x2") = (long)ctid;
    register long x3 __asm__("x3") = 0;
    register long x4 __asm__("x4") = (long)ctid;
    register long x8 __asm__("x8") = SYS_clone;
    __asm__ volatile("svc #0\n"
                     "cbnz x0, 1f\n"
                     "mov x0, #0\n mov x8, %[exit]\n svc #0\n"
                     "1:\n"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), [exit] "i"(SYS_exit)
                     : "memory", "cc");
    return x0;
}
static const char public_key[SECRET_LEN] = "public key of the exec'd image.";

static long spawn_sleeper(uint32_t *ctid)
{
    register long x0 __asm__("x0") = 0x00010f00L | 0x00200000L; /* VM|FS|FILES|SIGHAND|THREAD|CHILD_CLEARTID */
    register long x1 __asm__("x1") = (long)(worker_stack + sizeof worker_stack);
    register long x2 __asm__("x2") = 0;
    register long x3 __asm__("x3") = 0;
    register long x4 __asm__("x4") = (long)ctid;
    register long x8 __asm__("x8") = SYS_clone;
    __asm__ volatile("svc #0\n"
                     "cbnz x0, 1f\n"
                     "2: mov x0, #0\n mov x1, #0\n mov x2, #0\n mov x3, #0\n mov x4, #0\n"
                     "mov x8, %[ppoll]\n svc #0\n b 2b\n"
                     "1:\n"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), [ppoll] "i"(SYS_ppoll)
                     : "memory", "cc");
    return x0;
}

/* Step 10: a CLONE_VM helper's CLEARTID word, then (once it is reaped) the secret's copy. */
static union {
    uint32_t helper_word;
    uint8_t copy[SECRET_LEN];
} reap_area;
static uint8_t helper_stack[4096] __attribute__((aligned(16)));

static long spawn_exiting_helper(uint32_t *ctid, int group)
{
    register long x0 __asm__("x0") = 0x100L | 0x00200000L | 17; /* VM|CHILD_CLEARTID|SIGCHLD */
    register long x1 __asm__("x1") = (long)(helper_stack + sizeof helper_stack);
    register long x2 __asm__("x2") = 0;
    register long x3 __asm__("x3") = 0;
    register long x4 __asm__("x4") = (long)ctid;
    register long x8 __asm__("x8") = SYS_clone;
    __asm__ volatile("svc #0\n"
                     "cbnz x0, 1f\n"
                     "mov x0, #0\n cbnz %[group], 2f\n mov x8, %[exit]\n svc #0\n"
                     "2: mov x8, %[exit_group]\n svc #0\n"
                     "1:\n"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), [exit] "i"(SYS_exit),
                       [exit_group] "i"(SYS_exit_group), [group] "r"((long)group)
                     : "memory", "cc");
    return x0;
}

static void reap_vm_step(long phase)
{
    reap_area.helper_word = 1;
    marker(phase, (long)&reap_area.helper_word, 0, 0, 0);
    long pid = spawn_exiting_helper(&reap_area.helper_word, phase == P_REAP_GROUP);
    if (pid <= 0)
        return;
    int status = -1;
    if (sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) != pid)
        return;
    memcpy(reap_area.copy, secret, SECRET_LEN);
    clear_vectors();
    marker(phase + 1, (long)&reap_area, pid, 0, 0);
    struct { long sec, nsec; } nap = {0, 1000000};
    sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    long changed = memcmp(reap_area.copy, secret, SECRET_LEN) != 0;
    uint32_t first;
    memcpy(&first, reap_area.copy, sizeof first);
    marker(phase + 2, changed, changed ? first : 0, 0, 0);
    memset(reap_area.copy, 0, SECRET_LEN);
}

/* Step 11: a joined thread's CLEARTID word, then the secret's copy. */
static union {
    uint32_t tid_word;
    uint8_t copy[SECRET_LEN];
} join_area;
static uint8_t joined_stack[4096] __attribute__((aligned(16)));

static long spawn_exiting_thread(uint32_t *ctid)
{
    /* VM|PARENT_SETTID|CHILD_CLEARTID|SIGCHLD: joined through its word, then reaped */
    register long x0 __asm__("x0") = 0x100L | 0x00100000L | 0x00200000L | 17;
    register long x1 __asm__("x1") = (long)(joined_stack + sizeof joined_stack);
    register long x2 __asm__("x2") = (long)ctid;
    register long x3 __asm__("x3") = 0;
    register long x4 __asm__("x4") = (long)ctid;
    register long x8 __asm__("x8") = SYS_clone;
    __asm__ volatile("svc #0\n"
                     "cbnz x0, 1f\n"
                     "mov x0, #0\n mov x8, %[exit]\n svc #0\n"
                     "1:\n"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), [exit] "i"(SYS_exit)
                     : "memory", "cc");
    return x0;
}

static void join_step(void)
{
    join_area.tid_word = 0;
    marker(P_JOIN, (long)&join_area.tid_word, 0, 0, 0);
    long tid = spawn_exiting_thread(&join_area.tid_word);
    if (tid <= 0)
        return;
    /* A bounded join (1 ms waits): a helper that never signals is given up on. */
    struct { long sec, nsec; } tick = {0, 1000000};
    uint32_t seen = 1;
    for (int tries = 0; tries < 20 && seen != 0; tries++) {
        seen = __atomic_load_n(&join_area.tid_word, __ATOMIC_ACQUIRE);
        if (seen != 0)
            sys6(SYS_futex, (long)&join_area.tid_word, 0 /* FUTEX_WAIT */, seen, (long)&tick,
                 0, 0);
    }
    if (seen != 0)
        return;
    memcpy(join_area.copy, secret, SECRET_LEN);
    clear_vectors();
    marker(P_JOIN_REUSE, (long)&join_area, tid, 0, 0);
    struct { long sec, nsec; } nap = {0, 1000000};
    sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    long changed = memcmp(join_area.copy, secret, SECRET_LEN) != 0;
    marker(P_JOIN_CHECK, changed, 0, 0, 0);
    memset(join_area.copy, 0, SECRET_LEN);
    int status = -1;
    sys6(SYS_wait4, tid, (long)&status, 0, 0, 0, 0);
}

/* Step 13: a CLONE_VM helper's robust-list head, then (once it is reaped) the secret. */
static union {
    struct { uint64_t next, futex_offset, pending; } head;
    uint8_t copy[SECRET_LEN];
} robust_area;
static uint8_t robust_stack[4096] __attribute__((aligned(16)));

static uint32_t robust_tid_word;

/* ctid: 0, or a word for CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID; thread: a
 * thread of the program (FS|FILES|SIGHAND|THREAD|SYSVSEM) rather than a process. */
static long spawn_robust_helper(void *head, uint32_t *ctid, int thread)
{
    register long x0 __asm__("x0") = 0x100L | (thread ? 0x00050e00L : 17) |
                                     (ctid ? 0x00300000L : 0);   /* VM, SIGCHLD */
    register long x1 __asm__("x1") = (long)(robust_stack + sizeof robust_stack);
    register long x2 __asm__("x2") = (long)ctid;
    register long x3 __asm__("x3") = 0;
    register long x4 __asm__("x4") = (long)ctid;
    register long x5 __asm__("x5") = (long)head;
    register long x8 __asm__("x8") = SYS_clone;
    __asm__ volatile("svc #0\n"
                     "cbnz x0, 1f\n"
                     "mov x0, x5\n mov x1, #24\n mov x8, %[robust]\n svc #0\n"
                     "mov x0, #0\n mov x8, %[exit]\n svc #0\n"
                     "1:\n"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5), "r"(x8),
                       [robust] "i"(SYS_set_robust_list), [exit] "i"(SYS_exit)
                     : "memory", "cc");
    return x0;
}

static void robust_step(long phase)
{
    int thread = phase == P_ROBUST_THREAD, join = phase != P_ROBUST;
    robust_area.head.next = (uint64_t)&robust_area.head;     /* an empty list */
    robust_area.head.futex_offset = 0;
    robust_area.head.pending = 0;
    robust_tid_word = 0;
    marker(phase, (long)&robust_area.head, (long)&robust_tid_word, 0, 0);
    long pid = spawn_robust_helper(&robust_area.head, join ? &robust_tid_word : 0, thread);
    if (pid <= 0)
        return;
    int status = -1;
    if (join) {
        struct { long sec, nsec; } tick = {0, 1000000};
        uint32_t seen = 1;
        for (int tries = 0; tries < 20 && seen != 0; tries++) {
            seen = __atomic_load_n(&robust_tid_word, __ATOMIC_ACQUIRE);
            if (seen != 0)
                sys6(SYS_futex, (long)&robust_tid_word, 0 /* FUTEX_WAIT */, seen,
                     (long)&tick, 0, 0);
        }
        if (seen != 0)
            return;
    } else if (sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) != pid) {
        return;
    }
    memcpy(robust_area.copy, secret, SECRET_LEN);
    clear_vectors();
    marker(phase + 1, (long)&robust_area, pid, 0, 0);
    struct { long sec, nsec; } nap = {0, 1000000};
    sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    long changed = memcmp(robust_area.copy, secret, SECRET_LEN) != 0;
    marker(phase + 2, changed, 0, 0, 0);
    memset(robust_area.copy, 0, SECRET_LEN);
    if (join && !thread)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
}

static int exec_stage(void)
{
    memcpy(shared_area.key, public_key, SECRET_LEN);
    marker(P_X_PLACED, (long)&shared_area, 0, 0, 0);
    struct { long sec, nsec; } nap = {0, 1000000};
    sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    long changed = memcmp(shared_area.key, public_key, SECRET_LEN) != 0;
    marker(P_X_CHECK, changed, 0, 0, 0);
    say(changed ? "secret: exec'd image's key changed\n" : "secret: exec'd image intact\n");
    return changed ? 3 : 0;
}

static void exec_worker_step(char **argv)
{
    shared_area.w.worker_word = 0;
    long tid = spawn_sleeper(&shared_area.w.worker_word);
    if (tid <= 0)
        return;
    shared_area.w.worker_word = (uint32_t)tid;
    long exiter = spawn_exiter(&shared_area.w.exiter_word);
    /* Join it (bounded) before the exec, as pthread_join() would. */
    struct { long sec, nsec; } tick = {0, 1000000};
    for (int tries = 0; tries < 20 && exiter > 0; tries++) {
        uint32_t seen = __atomic_load_n(&shared_area.w.exiter_word, __ATOMIC_ACQUIRE);
        if (seen == 0)
            break;
        sys6(SYS_futex, (long)&shared_area.w.exiter_word, 0 /* FUTEX_WAIT */, seen,
             (long)&tick, 0, 0);
    }
    marker(P_EXEC_WORKER, (long)&shared_area.w.worker_word, tid,
           (long)&shared_area.w.exiter_word, exiter);
    char *args[] = {argv[0], "-d", "-x", 0};
    char *envp[] = {0};
    sys6(SYS_execve, (long)argv[0], (long)args, (long)envp, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-x") == 0)
            return exec_stage();
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
    long mapped = anon_page();
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    clear_vectors();
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    int epfd = (int)sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    struct kernel_sigaction act = {(uint64_t)on_signal, 0x10000000 /* SA_RESTART */, 0, 0};
    sys6(SYS_rt_sigaction, 10, (long)&act, 0, 8, 0, 0);
    sys6(SYS_rt_sigaction, 12, (long)&act, 0, 8, 0, 0);
    uint64_t blocked = SIGUSR1_BIT | SIGUSR2_BIT;
    sys6(SYS_rt_sigprocmask, 0 /* SIG_BLOCK */, (long)&blocked, 0, 8, 0, 0);
    wait_step(P_PPOLL, epfd);
    wait_step(P_PSELECT, epfd);
    wait_step(P_EPOLL, epfd);
    wait_step(P_SUSPEND, epfd);
    wait_step(P_PPOLL_TWO, epfd);
    wait_step(P_EPOLL2, epfd);
    timedwait_step();
    fork_cow_step();
    reap_vm_step(P_REAP_VM);
    reap_vm_step(P_REAP_GROUP);
    join_step();
    robust_step(P_ROBUST);
    robust_step(P_ROBUST_JOIN);
    robust_step(P_ROBUST_THREAD);

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
    marker(P_END, bad, handler_runs, 0, 0);
    say(bad ? "secret: TAMPERED\n" : "secret: intact\n");
    if (!bad)
        exec_worker_step(argv);
    return bad ? 3 : 0;
}
