/*
 * secret_threads - the attack target with two threads and per-thread signal state.
 *
 *   secret_threads        run once and report whether the secret survived
 *   secret_threads -d     also print the SHA-256 of the secret
 *
 * It keeps the secret like `secret` does (a heap page, a stack buffer, an anonymous
 * page, announced by the same START and PLACED markers, checked at END), then runs a
 * second thread so that per-thread state is exercised while the secret is live:
 *
 *   1. Each thread registers its own alternate signal stack; SIGUSR1 has one
 *      SA_ONSTACK handler.
 *   2. The main thread (A) sends itself SIGUSR1.  Its handler, running on A's
 *      alternate stack, wakes thread B and blocks in read() until B is done.
 *   3. B sends itself SIGUSR1 (its handler runs on B's own alternate stack), then
 *      lets A's handler return.
 *   4. A's handler returns through rt_sigreturn to the point after its tgkill().
 *   5. A MAP_SHARED anonymous page (holding a copy of the secret) is shared with a
 *      forked child; the child stores to it, unmaps it, maps a private page at the same
 *      address (it must be zero) and writes there; the parent must see the child's store
 *      through the shared page, its copy of the secret unchanged and its private
 *      anonymous page untouched by the child.
 *   6. vfork(): the parent must not run again before the child has exited (the child's
 *      flag, set right before its exit, must be visible when vfork() returns).
 *   7. It installs a SIGUSR2 handler and, like signal-chaining code, calls the previous
 *      handler that rt_sigaction() reports (SIG_DFL the first time: nothing to call).
 *   8. It reads one byte from a pipe holding one byte, NUL-terminates what it read and
 *      reports what read() returned.
 *   9. It sleeps for a microsecond (nanosleep, a call the kernel may interrupt and
 *      restart).
 *  10. Like library code that borrows the alternate stack, it installs a temporary one,
 *      restores the previous one sigaltstack() reported, and sends itself SIGUSR2 (an
 *      SA_ONSTACK handler that announces itself: its frame goes on the restored stack).
 *  11. It sends 16 public bytes (the start of the heap page, 48 bytes before the secret)
 *      to /dev/null with the usual write-all loop (retrying short writes).
 *  12. It runs itself with -x in a vfork()ed child through execve(); with -x the program
 *      only announces itself (P_EXEC_CHILD) and exits 0.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values): the phases
 * below mirror attacks/families/redteam_r6.py.  Every handler run reports the thread
 * and the stack it ran on (P_HANDLER), so that a harness sees which alternate stack a
 * signal frame went to.  Only the digest of the secret is ever printed, and only with -d.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ALTSTACK_SIZE 16384

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_ALTSTACKS 30     /* x2 A's alternate stack, x3 B's, x4 their size */
#define P_A_SIGNAL 31      /* next: A sends itself SIGUSR1 */
#define P_HANDLER 32       /* x2 tid, x3 sp inside the handler, x4 the handler's run number */
#define P_B_SIGNAL 33      /* in B; next: B sends itself SIGUSR1 */
#define P_B_BACK 34        /* in B, after its handler; x2 tid */
#define P_A_BACK 35        /* in A, after its handler; x2 tid */
#define P_SHARED 36        /* x2 a MAP_SHARED anonymous page holding the secret; next: fork() */
#define P_SH_CHILD 37      /* in the child: x2 the shared page; next: a store to its word 0 */
#define P_SH_REMAPPED 38   /* in the child: x2 a private page MAP_FIXED over the shared one,
                              x3 how many of its bytes were not zero */
#define P_SH_PARENT 39     /* x2 the shared page's word 0 (the child's store), x3 status */
#define P_SH_PRIVATE 40    /* x2 the private anonymous page's word 0 (must still be 0) */
#define P_VFORK 41         /* next: vfork() (clone with CLONE_VM | CLONE_VFORK) */
#define P_VF_CHILD 42      /* in the vfork child, before it sets the flag and exits */
#define P_VF_PARENT 43     /* in the parent after vfork() returned: x2 pid, x3 the child's flag */
#define P_SIGACTION 44     /* next: rt_sigaction(SIGUSR2, new, old) (the first for SIGUSR2) */
#define P_SIGACTION_OLD 45 /* x2 the old handler the kernel reported, x3 its flags */
#define P_READ 46          /* next: read(pipe, buf, 1) with one byte in the pipe */
#define P_READ_DONE 47     /* x2 what read() returned */
#define P_SLEEP 48         /* next: nanosleep(&ts, 0), ts = 1 microsecond */
#define P_SLEEP_DONE 49    /* x2 what nanosleep() returned */
#define P_ALT_SWAP 50      /* next: sigaltstack(tmp, &old), a temporary alternate stack */
#define P_ALT_OLD 51       /* x2 old.ss_sp, x3 old.ss_size, x4 old.ss_flags; next: restore it */
#define P_ALT_RAISE 52     /* next: tgkill(self, SIGUSR2), its handler on the restored stack */
#define P_ALT_DONE 53
#define P_WRITE_ALL 54     /* x2 the buffer; next: write_all(devnull, heap, 16) */
#define P_WRITE_DONE 55
#define P_EXEC 56          /* next: vfork() and, in the child, execve(self, {self, "-x"}) */
#define P_EXEC_CHILD 57    /* the exec'd image, run with -x: x2 its argc */
#define P_EXEC_DONE 58     /* x2 the child's wait status */
#define P_USR2_HANDLER 59  /* in the SIGUSR2 handler: x2 tid, x3 its frame address, x4 run */
#define CHILD_STORE 0xC0FFEEL

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int tampered;                       /* a thread resumed somewhere it never was */
static volatile int handler_runs;
static uint8_t altstack_a[ALTSTACK_SIZE] __attribute__((aligned(16)));
static uint8_t altstack_b[ALTSTACK_SIZE] __attribute__((aligned(16)));
static int a_waits[2];                     /* B -> A's handler: B is done */
static int b_waits[2];                     /* A's handler -> B: A is in its handler */
static int b_done[2];                      /* B -> A: B has finished (instead of a join, which
                                              needs the kernel's clear_child_tid store) */
static long tid_a, tid_b;
static volatile int threads_running;       /* steps 1-4: A's handler waits for B */

static long gettid_raw(void)
{
    return sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
}

static void on_usr1(int sig, siginfo_t *info, void *uc)
{
    (void)sig; (void)info; (void)uc;
    long here = (long)__builtin_frame_address(0);
    long tid = gettid_raw();
    int run = ++handler_runs;
    marker(P_HANDLER, tid, here, run, 0);
    if (tid == tid_a && threads_running) {
        char c = 'a';
        sys6(SYS_write, b_waits[1], (long)&c, 1, 0, 0, 0);
        sys6(SYS_read, a_waits[0], (long)&c, 1, 0, 0, 0);
    }
}

static void *thread_b(void *arg)
{
    (void)arg;
    char c;
    tid_b = gettid_raw();
    stack_t ss = {.ss_sp = altstack_b, .ss_size = sizeof altstack_b, .ss_flags = 0};
    sigaltstack(&ss, 0);
    sys6(SYS_read, b_waits[0], (long)&c, 1, 0, 0, 0);
    marker(P_B_SIGNAL, tid_b, 0, 0, 0);
    sys6(SYS_tgkill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), tid_b, SIGUSR1, 0, 0, 0);
    long me = gettid_raw();
    marker(P_B_BACK, me, 0, 0, 0);
    if (me != tid_b)
        tampered = 1;
    c = 'b';
    sys6(SYS_write, a_waits[1], (long)&c, 1, 0, 0, 0);
    sys6(SYS_write, b_done[1], (long)&c, 1, 0, 0, 0);
    return 0;
}

/* Step 5: a shared page across fork, then replaced on the child's side only. */
static void shared_then_fork(long mapped)
{
    long shared = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                       -1, 0);
    if (shared <= 0 || (unsigned long)shared >= (1UL << 48))
        return;
    memcpy((uint8_t *)shared + SECRET_OFF, secret, SECRET_LEN);
    marker(P_SHARED, shared, 0, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        marker(P_SH_CHILD, shared, 0, 0, 0);
        *(volatile long *)shared = CHILD_STORE;
        sys6(SYS_munmap, shared, PAGE, 0, 0, 0, 0);
        long fresh = sys6(SYS_mmap, shared, PAGE, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        long nonzero = 0;
        if (fresh == shared) {
            for (long i = 0; i < PAGE; i++)
                nonzero += ((volatile uint8_t *)fresh)[i] != 0;
            memset((uint8_t *)fresh + SECRET_OFF, 0xBD, SECRET_LEN);
        }
        marker(P_SH_REMAPPED, fresh, nonzero, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    int status = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    long seen = *(volatile long *)shared;
    marker(P_SH_PARENT, seen, status, 0, 0);
    if (memcmp((uint8_t *)shared + SECRET_OFF, secret, SECRET_LEN) != 0)
        tampered = 1;
    if (pid > 0 && seen != CHILD_STORE)
        tampered = 1;
    /* The private page was never written after PLACED: no other process's store shows. */
    if (*(volatile long *)mapped != 0)
        tampered = 1;
    marker(P_SH_PRIVATE, *(volatile long *)mapped, 0, 0, 0);
}

/* Step 6: vfork suspends the parent until the child exits. */
static volatile int vfork_child_done;

__attribute__((noinline)) static void vfork_step(void)
{
    marker(P_VFORK, 0, 0, 0, 0);
    long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        marker(P_VF_CHILD, 0, 0, 0, 0);
        vfork_child_done = 1;
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    int done = vfork_child_done;
    /* Reported, not judged: qemu-user runs vfork() as a plain fork (no shared memory). */
    marker(P_VF_PARENT, pid, done, 0, 0);
    int status;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
}

/* Step 7: chain to the previous SIGUSR2 handler (none: this is the first install). */
struct kernel_sigaction {
    unsigned long handler, flags, restorer, mask;
};

static volatile int usr2_runs;

static void on_usr2(int sig)
{
    (void)sig;
    long here = (long)__builtin_frame_address(0);
    marker(P_USR2_HANDLER, gettid_raw(), here, ++usr2_runs, 0);
}

__attribute__((noinline)) static void chain_step(void)
{
    struct kernel_sigaction ksa = {(unsigned long)on_usr2, SA_ONSTACK, 0, 0};
    struct kernel_sigaction old = {0, 0, 0, 0};
    marker(P_SIGACTION, 0, 0, 0, 0);
    sys6(SYS_rt_sigaction, SIGUSR2, (long)&ksa, (long)&old, 8, 0, 0);
    marker(P_SIGACTION_OLD, (long)old.handler, (long)old.flags, 0, 0);
    if (old.handler > 1)                       /* neither SIG_DFL nor SIG_IGN */
        ((void (*)(int))old.handler)(SIGUSR2);
}

/* Step 8: one byte in a pipe, one byte asked for. */
__attribute__((noinline)) static void read_step(void)
{
    int p[2];
    char buf[16] = {0};
    if (pipe(p) != 0)
        return;
    sys6(SYS_write, p[1], (long)"x", 1, 0, 0, 0);
    marker(P_READ, 0, 0, 0, 0);
    long r = sys6(SYS_read, p[0], (long)buf, 1, 0, 0, 0);
    if (r >= 0)
        buf[r] = 0;                            /* the usual NUL after what was read */
    marker(P_READ_DONE, r, 0, 0, 0);
}

/* Step 9: a short sleep. */
__attribute__((noinline)) static void sleep_step(void)
{
    struct timespec ts = {0, 1000};
    marker(P_SLEEP, 0, 0, 0, 0);
    long r = sys6(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
    marker(P_SLEEP_DONE, r, 0, 0, 0);
}

/* Step 10: borrow the alternate stack, then give the previous one back. */
__attribute__((noinline)) static void borrow_altstack_step(void)
{
    stack_t tmp = {.ss_sp = altstack_b, .ss_size = sizeof altstack_b, .ss_flags = 0};
    stack_t old;
    memset(&old, 0, sizeof old);
    marker(P_ALT_SWAP, 0, 0, 0, 0);
    sys6(SYS_sigaltstack, (long)&tmp, (long)&old, 0, 0, 0, 0);
    marker(P_ALT_OLD, (long)old.ss_sp, (long)old.ss_size, old.ss_flags, 0);
    sys6(SYS_sigaltstack, (long)&old, 0, 0, 0, 0, 0);
    marker(P_ALT_RAISE, 0, 0, 0, 0);
    sys6(SYS_tgkill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), gettid_raw(), SIGUSR2, 0, 0, 0);
    marker(P_ALT_DONE, 0, 0, 0, 0);
}

/* Step 11: the usual loop that retries short writes. */
__attribute__((noinline)) static void write_all_step(const uint8_t *buf)
{
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    const uint8_t *p = buf;
    size_t left = 16;
    marker(P_WRITE_ALL, (long)buf, 0, 0, 0);
    for (int tries = 0; left > 0 && tries < 8; tries++) {
        long n = sys6(SYS_write, fd, (long)p, (long)left, 0, 0, 0);
        if (n <= 0)
            break;
        p += n;
        left -= (size_t)n;
    }
    marker(P_WRITE_DONE, 0, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* Step 12: run itself with -x through vfork + execve. */
__attribute__((noinline)) static void exec_step(const char *self)
{
    static char dash_x[] = "-x";
    char *child_argv[] = {(char *)self, dash_x, 0};
    char *child_envp[] = {0};
    marker(P_EXEC, 0, 0, 0, 0);
    long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_execve, (long)self, (long)child_argv, (long)child_envp, 0, 0, 0);
        sys6(SYS_exit, 127, 0, 0, 0, 0, 0);
    }
    int status = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    marker(P_EXEC_DONE, status, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = argc > 1 && strcmp(argv[1], "-d") == 0;
    if (argc > 1 && strcmp(argv[1], "-x") == 0) {
        marker(P_EXEC_CHILD, argc, 0, 0, 0);
        return 0;
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
    if (mapped <= 0 || (unsigned long)mapped >= (1UL << 48)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    if (pipe(a_waits) != 0 || pipe(b_waits) != 0 || pipe(b_done) != 0) {
        say("secret: pipe failed\n");
        return 1;
    }
    tid_a = gettid_raw();
    stack_t ss = {.ss_sp = altstack_a, .ss_size = sizeof altstack_a, .ss_flags = 0};
    sigaltstack(&ss, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGUSR1, &sa, 0);
    marker(P_ALTSTACKS, (long)altstack_a, (long)altstack_b, ALTSTACK_SIZE, 0);

    pthread_t b;
    if (pthread_create(&b, 0, thread_b, 0) != 0) {
        say("secret: pthread_create failed\n");
        return 1;
    }
    threads_running = 1;
    marker(P_A_SIGNAL, tid_a, 0, 0, 0);
    sys6(SYS_tgkill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), tid_a, SIGUSR1, 0, 0, 0);
    long me = gettid_raw();
    marker(P_A_BACK, me, 0, 0, 0);
    if (me != tid_a)
        tampered = 1;
    char c;
    sys6(SYS_read, b_done[0], (long)&c, 1, 0, 0, 0);
    threads_running = 0;
    shared_then_fork(mapped);
    vfork_step();
    chain_step();
    read_step();
    sleep_step();
    borrow_altstack_step();
    write_all_step(heap);
    if (argv[0][0] == '/')
        exec_step(argv[0]);

    int bad = tampered || memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
              memcmp((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
    for (int i = 0; i < SECRET_LEN; i++)
        bad |= stackbuf[16 + i] != ((uint8_t *)secret)[i];
    bad |= handler_runs < 2;
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
