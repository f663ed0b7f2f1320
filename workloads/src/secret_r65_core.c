/* The attack target of red-team round 65c: a restartable sequence (rseq) and what the
 * kernel may do to a thread inside one.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into the index
 * of a label (0 under Linux) and writes that label to /dev/null.  What Linux could never
 * have produced points the write back into the secret's copy.  In the order they run:
 *
 *   1. The program registers its own 32-byte rseq area (signature RSEQ_SIG) and runs a
 *      critical section: rseq_cs names [start_ip, start_ip + post_commit_offset) and
 *      abort_ip; inside, a long count down, then the commit store (done = 1) as its last
 *      instruction.  Right after it (outside the section) a marker.  The abort handler
 *      (the 4 bytes before it: RSEQ_SIG) records the abort and reads `done`: an abort
 *      after the commit chooses label -4 (Linux's rseq_ip_fixup() moves the thread to
 *      abort_ip only from inside the section, before the commit); an abort before it, or
 *      none, chooses 0.
 *   2. Another critical section over the same area: its count down, then the area's
 *      cpu_id (Linux's rseq_update_cpu_node_id() writes the CPU the thread runs on at
 *      every return after a preemption) chooses the label (0 on a one-CPU machine; with
 *      no area registered it stays 0).
 *
 *   3. A SIGUSR1 handler installed, then clone3() of a child with CLONE_CLEAR_SIGHAND
 *      (Linux's copy_sighand() resets every handled signal to SIG_DFL in the child,
 *      flush_signal_handlers()); the child calls a marker and then chooses label -4 if
 *      the handler ran in it (0 if not; a SIGUSR1 Linux delivers there kills it).  The
 *      parent waits for it.  With the argument -c the child first asks its SIGUSR1
 *      action (sigaction(SIGUSR1, NULL, &cur), its own marker): anything but SIG_DFL
 *      chooses label -4.
 *   4. As 3 with clone3(CLONE_VM | CLONE_VFORK | CLONE_CLEAR_SIGHAND): the vfork child
 *      (on its parent's stack, until it exits) calls a marker, chooses its label likewise
 *      and exits.
 *   5. clone(CLONE_SIGHAND | SIGCHLD): a shared signal table without a shared address
 *      space, which Linux refuses (copy_process(): -EINVAL).  A child (x0 = 0) chooses
 *      label -4 and exits; a parent that sees a child waits for it and chooses -4; -EINVAL
 *      chooses 0.
 *   6. As 5 with clone3(CLONE_VM | CLONE_VFORK | CLONE_SIGHAND | CLONE_CLEAR_SIGHAND): a
 *      table both shared and cleared, which Linux refuses (-EINVAL).
 *   7. As 5 with clone(CLONE_NEWNS | CLONE_FS | SIGCHLD): a new mount namespace with a
 *      shared fs_struct, which Linux refuses (-EINVAL) before any capability check.
 *   8. A SIGUSR2 handler (SA_RESTART) that opens /dev/null and keeps the descriptor; the
 *      program opens /dev/null as D and close()s it, then asks fcntl(F_GETFD) of the
 *      handler's descriptor, if the handler ran: an error chooses label -4 (Linux never
 *      restarts close(): the descriptor is gone once the call ran, and a handler that ran
 *      after it keeps what it opened), 0 otherwise.
 *   9. As 5 with clone3() of exit_signal 65 (no signal: -EINVAL,
 *      copy_clone_args_from_user()) and with clone3() of a stack of size 0 (-EINVAL,
 *      clone3_stack_valid()).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r65c.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
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
#define ROUND_TAG "r65"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before it runs, P_x + 1 after its write (x2 the index it used). */
#define P_RSEQ_ABORT 7000   /* x2 logbuf, x3 the area, x4 rseq()'s result, x5 the rseq_cs */
#define P_RSEQ_COMMITTED 7002   /* (inline, after the commit) x2 abort_ip, x3 the area */
#define P_RSEQ_CPU 7004     /* x2 logbuf, x3 the area, x4 rseq()'s result, x5 the rseq_cs */
#define P_CLEAR_SIGHAND 7006  /* (the child) x2 logbuf, x3 the handler */
#define P_VFORK_CLEAR 7008  /* (the vfork child) x2 logbuf, x3 the handler */
#define P_SIGHAND_FORK 7010     /* x2 logbuf (the parent, before its clone) */
#define P_SIGHAND_CLEARED 7012  /* x2 logbuf (the parent, before its clone3) */
#define P_NEWNS_FS 7014         /* x2 logbuf (the parent, before its clone) */
#define P_CLOSE_RESTART 7016    /* x2 logbuf, x3 D */
#define P_EXIT_SIGNAL_65 7018  /* x2 logbuf (the parent, before its clone3) */
#define P_STACK_SIZE_0 7020    /* x2 logbuf (the parent, before its clone3) */
#define P_CLEAR_QUERY 7022      /* (the child, with -c) x2 logbuf */
#define RSEQ_SIG 0xd428bc00
#define CLONE_CLEAR_SIGHAND_FLAG 0x100000000UL
#define SPINS 400000
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"

struct rseq_area {
    uint32_t cpu_id_start;
    uint32_t cpu_id;
    uint64_t rseq_cs;
    uint32_t flags;
    uint32_t node_id;
    uint32_t mm_cid;
    uint32_t pad;
} __attribute__((aligned(32)));

struct rseq_desc {
    uint32_t version;
    uint32_t flags;
    uint64_t start_ip;
    uint64_t post_commit_offset;
    uint64_t abort_ip;
} __attribute__((aligned(32)));

static struct rseq_area area;
static volatile long done;
static long registered = -1;

extern const char r65_cs1_start[], r65_cs1_post[], r65_cs1_abort[];
extern const char r65_cs2_start[], r65_cs2_post[], r65_cs2_abort[];
static struct rseq_desc cs1, cs2;

extern const ptrdiff_t __rseq_offset;
extern const unsigned int __rseq_size;

static void register_area(void)
{
    if (registered != -1)
        return;
    /* The C library registered the thread's own area at start (glibc 2.35 and later, on a
     * kernel with rseq): give it back, so that this one can be registered. */
    if (__rseq_size)
        sys6(SYS_rseq, (long)((char *)__builtin_thread_pointer() + __rseq_offset),
             __rseq_size, 1, RSEQ_SIG, 0, 0);
    registered = sys6(SYS_rseq, (long)&area, sizeof area, 0, RSEQ_SIG, 0, 0);
}

/* Step 1: the count down, the commit (done = 1), a marker; the abort handler's verdict. */
__attribute__((noinline)) static long abort_run(void)
{
    long aborted_after = 0, aborted = 0;
    cs1.start_ip = (uint64_t)r65_cs1_start;
    cs1.post_commit_offset = (uint64_t)(r65_cs1_post - r65_cs1_start);
    cs1.abort_ip = (uint64_t)r65_cs1_abort;
    done = 0;
    __asm__ volatile(
        "   str %[cs], [%[rcs]]\n"
        "   .globl r65_cs1_start\n"
        "r65_cs1_start:\n"
        "   mov x10, %[n]\n"
        "1: subs x10, x10, #1\n"
        "   b.ne 1b\n"
        "   mov x11, #1\n"
        "   str x11, [%[done]]\n"
        "   .globl r65_cs1_post\n"
        "r65_cs1_post:\n"
        "   str xzr, [%[rcs]]\n"
        "   movz x0, #0xF01D\n"
        "   movk x0, #0xB1AD, lsl #16\n"
        "   movk x0, #0xC2E7, lsl #32\n"
        "   movk x0, #0x5E, lsl #48\n"
        "   mov x1, #7002\n"
        "   mov x2, %[abort]\n"
        "   mov x3, %[area]\n"
        "   mov x4, xzr\n"
        "   mov x5, xzr\n"
        "   mov x8, #173\n"
        "   svc #0\n"
        "   b 3f\n"
        "   .long 0xd428bc00\n"
        "   .globl r65_cs1_abort\n"
        "r65_cs1_abort:\n"
        "   str xzr, [%[rcs]]\n"
        "   mov %[ab], #1\n"
        "   ldr x11, [%[done]]\n"
        "   cmp x11, #1\n"
        "   cset %[after], eq\n"
        "3:\n"
        : [ab] "+r"(aborted), [after] "+r"(aborted_after)
        : [cs] "r"(&cs1), [rcs] "r"(&area.rseq_cs), [n] "r"((long)SPINS),
          [done] "r"(&done), [abort] "r"(r65_cs1_abort), [area] "r"(&area)
        : "x0", "x1", "x2", "x3", "x4", "x5", "x8", "x10", "x11", "memory", "cc");
    (void)aborted;
    return aborted_after ? -4 : 0;
}

static void abort_step(void)
{
    register_area();
    marker(P_RSEQ_ABORT, (long)logbuf, (long)&area, registered, (long)&cs1);
    log_label(P_RSEQ_ABORT, abort_run());
}

/* Step 2: a count down inside a critical section, then the area's cpu_id. */
__attribute__((noinline)) static void cpu_step(void)
{
    register_area();
    cs2.start_ip = (uint64_t)r65_cs2_start;
    cs2.post_commit_offset = (uint64_t)(r65_cs2_post - r65_cs2_start);
    cs2.abort_ip = (uint64_t)r65_cs2_abort;
    marker(P_RSEQ_CPU, (long)logbuf, (long)&area, registered, (long)&cs2);
    __asm__ volatile(
        "   str %[cs], [%[rcs]]\n"
        "   .globl r65_cs2_start\n"
        "r65_cs2_start:\n"
        "   mov x10, %[n]\n"
        "1: subs x10, x10, #1\n"
        "   b.ne 1b\n"
        "   .globl r65_cs2_post\n"
        "r65_cs2_post:\n"
        "   b 3f\n"
        "   .long 0xd428bc00\n"
        "   .globl r65_cs2_abort\n"
        "r65_cs2_abort:\n"
        "3: str xzr, [%[rcs]]\n"
        :
        : [cs] "r"(&cs2), [rcs] "r"(&area.rseq_cs), [n] "r"((long)SPINS)
        : "x10", "memory", "cc");
    log_label(P_RSEQ_CPU, (long)(int32_t)((volatile struct rseq_area *)&area)->cpu_id);
}

static volatile int usr1_ran;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_ran = 1;
}

/* clone3() in place: the child (x0 = 0) goes on with the caller's registers and stack. */
static long clone3_raw(uint64_t *ca)
{
    return sys6(SYS_clone3, (long)ca, 88, 0, 0, 0, 0);
}

static int ask_cleared;

static void clear_sighand_step(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, &old);
    uint64_t ca[11];
    memset(ca, 0, sizeof ca);
    ca[0] = CLONE_CLEAR_SIGHAND_FLAG;
    ca[4] = SIGCHLD;
    long pid = clone3_raw(ca);
    if (pid == 0) {
        usr1_ran = 0;
        if (ask_cleared) {
            struct sigaction cur;
            memset(&cur, 0, sizeof cur);
            marker(P_CLEAR_QUERY, (long)logbuf, 0, 0, 0);
            long r = sigaction(SIGUSR1, 0, &cur);
            log_label(P_CLEAR_QUERY, r == 0 && cur.sa_handler != SIG_DFL ? -4 : 0);
        }
        marker(P_CLEAR_SIGHAND, (long)logbuf, (long)on_usr1, 0, 0);
        log_label(P_CLEAR_SIGHAND, usr1_ran ? -4 : 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    } else {
        marker(P_CLEAR_SIGHAND, (long)logbuf, (long)on_usr1, pid, 0);
        log_label(P_CLEAR_SIGHAND, 0);
    }
    sigaction(SIGUSR1, &old, 0);
}

__attribute__((noinline)) static void vfork_clear_step(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, &old);
    static uint64_t ca[11];
    memset(ca, 0, sizeof ca);
    ca[0] = CLONE_CLEAR_SIGHAND_FLAG | CLONE_VM | CLONE_VFORK;
    ca[4] = SIGCHLD;
    usr1_ran = 0;
    long pid = clone3_raw(ca);
    if (pid == 0) {
        marker(P_VFORK_CLEAR, (long)logbuf, (long)on_usr1, 0, 0);
        log_label(P_VFORK_CLEAR, usr1_ran ? -4 : 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    } else {
        marker(P_VFORK_CLEAR, (long)logbuf, (long)on_usr1, pid, 0);
        log_label(P_VFORK_CLEAR, 0);
    }
    usr1_ran = 0;
    sigaction(SIGUSR1, &old, 0);
}

/* A clone Linux refuses: label 0 for -EINVAL, -4 in a child or a parent that made one. */
__attribute__((noinline)) static void refused_clone_step(int phase, uint64_t *ca, long flags)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long pid = ca ? clone3_raw(ca) : sys6(SYS_clone, flags, 0, 0, 0, 0, 0);
    if (pid == 0) {
        log_label(phase, -4);
        sys6(ca ? SYS_exit : SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    }
    log_label(phase, pid > 0 ? -4 : 0);
}

static volatile long handler_fd = -1;

static void on_usr2(int sig)
{
    (void)sig;
    handler_fd = sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
}

__attribute__((noinline)) static void close_restart_step(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, &old);
    handler_fd = -1;
    long d = sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    marker(P_CLOSE_RESTART, (long)logbuf, d, 0, 0);
    if (d >= 0)
        sys6(SYS_close, d, 0, 0, 0, 0, 0);
    long got = handler_fd >= 0 ? sys6(SYS_fcntl, handler_fd, F_GETFD, 0, 0, 0, 0) : 0;
    log_label(P_CLOSE_RESTART, got < 0 ? -4 : 0);
    if (handler_fd >= 0 && got >= 0)
        sys6(SYS_close, handler_fd, 0, 0, 0, 0, 0);
    sigaction(SIGUSR2, &old, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0, ask_cleared |= strcmp(argv[i], "-c") == 0;
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 1;
    }
    for (int i = 0; i < 16; i++)
        stackbuf[i] = 0;
    for (int i = 0; i < SECRET_LEN; i++)
        stackbuf[16 + i] = ((uint8_t *)secret)[i];
    long mapped = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (!mapped_ok(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    marker(P_PLACED, (long)logbuf, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    abort_step();
    cpu_step();
    clear_sighand_step();
    vfork_clear_step();
    refused_clone_step(P_SIGHAND_FORK, 0, CLONE_SIGHAND | SIGCHLD);
    static uint64_t both[11];
    both[0] = CLONE_CLEAR_SIGHAND_FLAG | CLONE_VM | CLONE_VFORK | CLONE_SIGHAND;
    both[4] = SIGCHLD;
    refused_clone_step(P_SIGHAND_CLEARED, both, 0);
    refused_clone_step(P_NEWNS_FS, 0, CLONE_NEWNS | CLONE_FS | SIGCHLD);
    close_restart_step();
    static uint64_t bad_signal[11], no_size[11];
    bad_signal[4] = 65;
    refused_clone_step(P_EXIT_SIGNAL_65, bad_signal, 0);
    no_size[4] = SIGCHLD;
    no_size[5] = (uint64_t)(wbuf + sizeof wbuf);
    refused_clone_step(P_STACK_SIZE_0, no_size, 0);
    if (registered == 0)
        sys6(SYS_rseq, (long)&area, sizeof area, 1, RSEQ_SIG, 0, 0);

    int bad = memcmp((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
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
