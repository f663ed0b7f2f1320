/*
 * secret_dispatch - the attack target for signal reports and thread pointers a program
 * trusts.
 *
 *   secret_dispatch        run once and report whether the secret survived
 *   secret_dispatch -d     also print the SHA-256 of the secret
 *
 * It keeps the secret like `secret` does (a heap page, a stack buffer, an anonymous
 * page, announced by the same START and PLACED markers, checked at END), then:
 *
 *   1. Installs one SA_SIGINFO handler for SIGUSR1 and SIGSEGV that, like a runtime's
 *      shared signal handler, dispatches on the siginfo: a SIGSEGV fault report
 *      (si_signo SIGSEGV, si_code > 0) names a page of its lazily zero-filled arena at
 *      si_addr, which it makes writable and zero-fills; a SIGUSR1 is counted.  It sends
 *      itself SIGUSR1 with tgkill().
 *   2. Maps a PROT_NONE page (the lazy arena) and loads from it: the fault report the
 *      handler gets makes the page readable and zero, and the load is retried.
 *   3. Registers its own TID word with set_tid_address() (as libc's start-up code does
 *      for the main thread), then makes a thread with clone(CLONE_VM | ... |
 *      CLONE_SETTLS | CLONE_CHILD_CLEARTID) and a thread pointer of its own (a TLS
 *      block): the thread reads TPIDR_EL0, announces it and exits; the creator reports
 *      what the thread saw and its own TID word (still its TID: only the exiting
 *      thread's word is cleared).
 *   4. forks with clone(SIGCHLD) (no CLONE_SETTLS, tls argument 0): the child announces
 *      its TPIDR_EL0 and its parent's (they must be equal) and exits.
 *   5. The same thread as in 3 made with clone3(), the TLS block in clone_args.tls.
 *   6. forks as glibc's fork() does, clone(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID |
 *      SIGCHLD) naming its own TID word (glibc's THREAD_SELF->tid): the child's TID goes
 *      into the child's copy of the word; the parent's must still hold the parent's TID.
 *   7. A hand-off buffer holds public bytes; it forks, and the child copies the secret
 *      into its own copy of the buffer (the copies part at the first store), tells the
 *      parent it is ready (a pipe), and waits to be released (a second pipe, read into
 *      its own copy of the buffer).  The parent then logs the first 32 bytes of its own
 *      copy (public) to /dev/null, releases the child, waits for it and reports the first
 *      word of its copy (still the public bytes).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r11.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define SIGCHLD_ 17

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_DISPATCH 400      /* x2 the heap page; next: tgkill(self, SIGUSR1) */
#define P_DISPATCH_DONE 401 /* x2 SIGUSR1 runs, x3 pages the handler zero-filled */
#define P_LAZY 402          /* x2 the PROT_NONE page; next: a load from it */
#define P_LAZY_DONE 403     /* x2 the value loaded, x3 pages the handler zero-filled */
#define P_TLS_THREAD 404    /* x2 the TLS block asked for; next: clone(... CLONE_SETTLS) */
#define P_TLS_CHILD 405     /* in the clone()d thread: x2 its TPIDR_EL0 */
#define P_TLS_DONE 406      /* x2 clone's result, x3 the thread's TPIDR_EL0, x4 the block,
                               x5 the creator's own TID word */
#define P_FORK_TLS 407      /* x2 the parent's TPIDR_EL0; next: clone(SIGCHLD), tls 0 */
#define P_FORK_CHILD 408    /* in the child: x2 its TPIDR_EL0, x3 the parent's */
#define P_FORK_DONE 409     /* x2 the child's pid, x3 its wait status */
#define P_TLS3_THREAD 410   /* x2 the TLS block asked for; next: clone3(... CLONE_SETTLS) */
#define P_TLS3_CHILD 411    /* in the clone3()d thread: x2 its TPIDR_EL0 */
#define P_TLS3_DONE 412     /* x2 clone3's result, x3 the thread's TPIDR_EL0, x4 the block */
#define P_SETTID 414        /* x2 the TID word (the caller's TID); next: clone(CHILD_SETTID ..) */
#define P_SETTID_DONE 415   /* x2 the parent's TID word after fork, x3 its TID, x4 the child */
#define P_HANDOFF 416       /* x2 the hand-off buffer; next: fork, the child's copy gets the secret */
#define P_HANDOFF_LOG 417   /* x2 the child; next: write(devnull, buffer, 32) of the parent's copy */
#define P_HANDOFF_DONE 418  /* x2 the child, x3 its wait status, x4 the buffer's first word */

#define THREAD_FLAGS (0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 /* VM FS FILES \
                      SIGHAND THREAD SYSVSEM */ | 0x80000 /* SETTLS */ \
                      | 0x200000 /* CHILD_CLEARTID */)

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int tampered;                   /* kept for the referee (no register checks here) */
static volatile int usr1_runs, zero_filled;
static volatile long thread_tpidr;
static volatile int thread_tid_word;
static volatile int main_tid_word;
static uint8_t thread_stack[16384] __attribute__((aligned(16)));
static uint64_t tls_block[4] __attribute__((aligned(16)));
static volatile int self_tid_word;
static uint8_t handoff[64];
static int devnull = -1;

struct clone_args_ {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
             set_tid, set_tid_size, cgroup;
};

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static long anon_page(void)
{
    return sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static long read_tpidr(void)
{
    long v;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(v));
    return v;
}

/* The one handler for SIGUSR1 and SIGSEGV: it acts on what the siginfo says. */
static void on_signal(int sig, siginfo_t *info, void *uc)
{
    (void)sig; (void)uc;
    if (info->si_signo == SIGSEGV && info->si_code > 0) {
        long page = (long)info->si_addr & ~(PAGE - 1);
        sys6(SYS_mprotect, page, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0);
        memset((void *)page, 0, PAGE);          /* the arena's pages start zero */
        zero_filled++;
    } else if (info->si_signo == SIGUSR1) {
        usr1_runs++;
    }
}

static void dispatch_step(long heap)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, 0);
    sigaction(SIGSEGV, &sa, 0);
    long pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    long tid = sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    marker(P_DISPATCH, heap, 0, 0, 0);
    sys6(SYS_tgkill, pid, tid, SIGUSR1, 0, 0, 0);
    marker(P_DISPATCH_DONE, usr1_runs, zero_filled, 0, 0);
}

static void lazy_step(void)
{
    long lazy = sys6(SYS_mmap, 0, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!valid(lazy))
        return;
    marker(P_LAZY, lazy, 0, 0, 0);
    long v = *(volatile long *)lazy;
    marker(P_LAZY_DONE, v, zero_filled, 0, 0);
}

/* A clone-family call whose child's whole life is in the assembly: it stores its
 * TPIDR_EL0, announces it with the marker `phase` and exits (this thread only). */
static long tls_child_call(long nr, long a0, long a1, long a2, long a3, long a4, long phase)
{
    register long x0 __asm__("x0") = a0;
    register long x1 __asm__("x1") = a1;
    register long x2 __asm__("x2") = a2;
    register long x3 __asm__("x3") = a3;
    register long x4 __asm__("x4") = a4;
    register long x8 __asm__("x8") = nr;
    register long x9 __asm__("x9") = (long)&thread_tpidr;
    register long x11 __asm__("x11") = MARKER_MAGIC;
    register long x12 __asm__("x12") = phase;
    __asm__ volatile(
        "svc #0\n\t"
        "cbnz x0, 1f\n\t"
        "mrs x10, tpidr_el0\n\t"
        "str x10, [x9]\n\t"
        "mov x0, x11\n\t"
        "mov x1, x12\n\t"
        "mov x2, x10\n\t"
        "mov x8, #173\n\t"                  /* getppid: the marker */
        "svc #0\n\t"
        "mov x0, #0\n\t"
        "mov x8, #93\n\t"                   /* exit: this thread only */
        "svc #0\n\t"
        "1:\n\t"
        : "+r"(x0)
        : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), "r"(x9), "r"(x11), "r"(x12)
        : "x10", "memory", "cc");
    return x0;
}

static void wait_thread_gone(long r)
{
    for (int i = 0; r > 0 && thread_tid_word != 0 && i < 2000; i++)
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
}

static void tls_thread_step(void)
{
    main_tid_word = (int)sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    sys6(SYS_set_tid_address, (long)&main_tid_word, 0, 0, 0, 0, 0);
    thread_tpidr = 0;
    thread_tid_word = 1;
    marker(P_TLS_THREAD, (long)tls_block, 0, 0, 0);
    long r = tls_child_call(SYS_clone, THREAD_FLAGS, (long)(thread_stack + sizeof thread_stack),
                            0, (long)tls_block, (long)&thread_tid_word, P_TLS_CHILD);
    wait_thread_gone(r);
    marker(P_TLS_DONE, r, thread_tpidr, (long)tls_block, main_tid_word);
}

static void fork_tls_step(void)
{
    long mine = read_tpidr();
    marker(P_FORK_TLS, mine, 0, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD_, 0, 0, 0, 0, 0);
    if (pid == 0) {
        marker(P_FORK_CHILD, read_tpidr(), mine, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    int status = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    marker(P_FORK_DONE, pid, status, 0, 0);
}

static void tls3_thread_step(void)
{
    struct clone_args_ ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = THREAD_FLAGS;
    ca.child_tid = (uint64_t)(uintptr_t)&thread_tid_word;
    ca.stack = (uint64_t)(uintptr_t)thread_stack;
    ca.stack_size = sizeof thread_stack;
    ca.tls = (uint64_t)(uintptr_t)tls_block;
    thread_tpidr = 0;
    thread_tid_word = 1;
    marker(P_TLS3_THREAD, (long)tls_block, 0, 0, 0);
    long r = tls_child_call(435 /* clone3 */, (long)&ca, sizeof ca, 0, 0, 0, P_TLS3_CHILD);
    wait_thread_gone(r);
    marker(P_TLS3_DONE, r, thread_tpidr, (long)tls_block, 0);
}

static void settid_fork_step(void)
{
    long me = sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    self_tid_word = (int)me;
    marker(P_SETTID, (long)&self_tid_word, me, 0, 0);
    long pid = sys6(SYS_clone, 0x01000000 /* CHILD_SETTID */ | 0x00200000 /* CHILD_CLEARTID */
                    | SIGCHLD_, 0, 0, 0, (long)&self_tid_word, 0);
    if (pid == 0)
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    int status = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    marker(P_SETTID_DONE, self_tid_word, me, pid, 0);
}

static void handoff_step(void)
{
    int ready[2], release[2];
    char c = 0;
    if (sys6(SYS_pipe2, (long)ready, 0, 0, 0, 0, 0) != 0 ||
        sys6(SYS_pipe2, (long)release, 0, 0, 0, 0, 0) != 0)
        return;
    memcpy(handoff, "public bytes the parent logs....", 32);
    marker(P_HANDOFF, (long)handoff, 0, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD_, 0, 0, 0, 0, 0);
    if (pid == 0) {
        memcpy(handoff, secret, SECRET_LEN);          /* the child's own copy */
        sys6(SYS_write, ready[1], (long)&c, 1, 0, 0, 0);
        sys6(SYS_read, release[0], (long)handoff, 8, 0, 0, 0);
        memset(handoff, 0, sizeof handoff);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    int status = -1;
    if (pid > 0) {
        sys6(SYS_read, ready[0], (long)&c, 1, 0, 0, 0);
        marker(P_HANDOFF_LOG, pid, 0, 0, 0);
        sys6(SYS_write, devnull, (long)handoff, 32, 0, 0, 0);
        sys6(SYS_write, release[1], (long)&c, 1, 0, 0, 0);
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    }
    uint64_t first;
    memcpy(&first, handoff, sizeof first);
    marker(P_HANDOFF_DONE, pid, status, (long)first, 0);
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
    long mapped = anon_page();
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    dispatch_step((long)heap);
    lazy_step();
    tls_thread_step();
    fork_tls_step();
    tls3_thread_step();
    settid_fork_step();
    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    handoff_step();

    int bad = tampered || memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
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
