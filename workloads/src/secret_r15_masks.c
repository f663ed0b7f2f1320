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

/* The critical section: the record holds the secret only while both signals are blocked. */
static void critical(long phase)
{
    memcpy(work, secret, SECRET_LEN);
    log_rec = work;
    marker(phase + 1, handler_runs, (long)work, 0, 0);
    log_rec = public_rec;
    memset(work, 0, SECRET_LEN);
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
    log_rec = work;
    raise_pending(SIGUSR1_BIT);
    marker(P_TIMEDWAIT, (long)&log_rec, (long)work, 0, 0);
    long r = sys6(SYS_rt_sigtimedwait, (long)&set, (long)info, (long)&zero, 8, 0, 0);
    marker(P_TIMEDWAIT + 1, r, handler_runs, 0, 0);
    log_rec = public_rec;
    memset(work, 0, SECRET_LEN);
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
    return bad ? 3 : 0;
}
