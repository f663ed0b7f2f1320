/*
 * secret_outputs - the attack target for calls that fill a buffer the program owns.
 *
 *   secret_outputs        run once and report whether the secret survived
 *   secret_outputs -d     also print the SHA-256 of the secret
 *   secret_outputs -w     also run step 4
 *   secret_outputs -m     also run step 6
 *   secret_outputs -t     at its end, leave a second thread blocked in read() and exit_group()
 *   secret_outputs -R     also run step 10
 *   secret_outputs -k     also run step 11
 *   secret_outputs -q     also run step 12
 *   secret_outputs -u     take the secret from /dev/urandom instead of getrandom()
 *   secret_outputs -D     also run step 13 (MADV_DONTFORK)
 *   secret_outputs -K     also run step 14 (MADV_KEEPONFORK in the child)
 *   secret_outputs -r     also run step 15 (a wipe-on-fork page moved by mremap)
 *   secret_outputs -g     also run step 16 (a wipe-on-fork page and a grandchild)
 *
 *  13. (-D only) An anonymous page holding a copy of the secret marked MADV_DONTFORK, then
 *      fork(): the child has no such page, so its load there is SIGSEGV (it would send the
 *      page to /dev/null).
 *  14. (-K only) A page holding a copy of the secret marked MADV_WIPEONFORK, then fork(); the
 *      child marks it MADV_KEEPONFORK (for forks of its own), then takes it for a fresh
 *      buffer as in step 4: the advice does not bring the parent's bytes back.
 *  15. (-r only) A page holding a copy of the secret marked MADV_WIPEONFORK, moved by
 *      mremap(MREMAP_FIXED) to a free place, then fork(): the child takes the page at its
 *      new place for a fresh buffer as in step 4.
 *  16. (-g only) An empty page marked MADV_WIPEONFORK, then fork(); the child copies the
 *      secret into it and forks a grandchild, which takes the page for a fresh buffer as in
 *      step 4 (the child's page keeps the flag).
 *
 * It keeps the secret like `secret` does (a heap page, a stack buffer, an anonymous
 * page, announced by the same START and PLACED markers, checked at END), then makes
 * calls whose contract is to fill a structure the program passes, in a buffer it has
 * used before (a scratch area that held copies of the secret), and sends what the
 * call filled in on to /dev/null (a log record); with -u its secret comes from
 * /dev/urandom instead of getrandom():
 *
 *   1. uname(): the whole nodename field (65 bytes).
 *   2. clock_gettime(CLOCK_MONOTONIC): the timespec (16 bytes).
 *   3. fstat() of /dev/null: the whole struct stat (128 bytes).
 *   4. (-w only) An anonymous page holding a copy of the secret marked MADV_WIPEONFORK,
 *      then fork(): in the child the page must read as zero; the child takes it for a fresh
 *      buffer, fills 8 bytes and sends it whole to /dev/null.
 *   5. sysinfo(): the whole struct sysinfo (112 bytes).
 *   6. (-m only) SIGTERM (with a counting handler) blocked; then rt_sigprocmask(SIG_BLOCK,
 *      SIGUSR1) saving the old mask, and rt_sigprocmask(SIG_SETMASK, old) to put it back: SIGTERM
 *      must still be blocked, so a SIGTERM it sends itself must not run the handler
 *      until the program unblocks it.
 *   7. sched_getaffinity(0, 8, buffer): the number of bytes the call reports.
 *   8. getsockopt(SO_TYPE) of its own socket into a 4-byte value with a 4-byte optlen,
 *      both in the scratch area: the optlen bytes the call reports of the value.
 *   9. (-t only) After END and its verdict, a second thread (clone, CLONE_THREAD) blocks
 *      in read() of a pipe nobody writes, and the main thread calls exit_group(0): the
 *      whole process ends there; the second thread never runs again (if it did, it
 *      would announce P_LATE and print a line the program never prints otherwise).
 *  10. (-R only) A robust-futex list head in an anonymous page registered with
 *      set_robust_list(), then a second head registered in its place; the words the first
 *      head occupied are then reused for a copy of the secret.
 *  11. (-k only) SIGTERM (with a counting handler) blocked, then a second thread started
 *      with clone(CLONE_THREAD): it inherits the mask, so SIGTERM stays blocked in both
 *      threads; the thread makes a few calls and exits; the handler must not have run.
 *  12. (-q only) SIGUSR1 blocked and sent to itself, then taken synchronously with
 *      rt_sigtimedwait({SIGUSR1}): the call returns a signal of that set (SIGUSR1).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r8.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define SIGCHLD_ 17
#define MADV_WIPEONFORK_ 18

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_UNAME 130        /* x2 the buffer; next: uname(buffer) */
#define P_UNAME_DONE 131   /* x2 uname's result */
#define P_CLOCK 132        /* x2 the buffer; next: clock_gettime(CLOCK_MONOTONIC, buffer) */
#define P_CLOCK_DONE 133   /* x2 clock_gettime's result */
#define P_FSTAT 134        /* x2 the buffer; next: fstat(/dev/null, buffer) */
#define P_FSTAT_DONE 135   /* x2 fstat's result */
#define P_WIPE 136         /* x2 the page; next: madvise(page, MADV_WIPEONFORK), fork() */
#define P_WIPE_CHILD 137   /* in the child: x2 nonzero bytes in the page */
#define P_WIPE_DONE 138    /* x2 madvise's result, x3 the child's wait status */
#define P_SYSINFO 139      /* x2 the buffer; next: sysinfo(buffer) */
#define P_SYSINFO_DONE 140 /* x2 sysinfo's result */
#define P_OLDMASK 141      /* SIGTERM blocked; next: sigprocmask(BLOCK, USR1, &old), (SETMASK, &old) */
#define P_OLDMASK_CHECK 142 /* x2 SIGTERM handler runs after kill(self, SIGTERM) (must be 0) */
#define P_OLDMASK_DONE 143 /* x2 SIGTERM handler runs after the unblock */
#define P_AFFINITY 144     /* x2 the buffer; next: sched_getaffinity(0, 8, buffer) */
#define P_AFFINITY_DONE 145 /* x2 sched_getaffinity's result */
#define P_SOCKOPT 146      /* x2 the value, x3 optlen; next: getsockopt(SO_TYPE) */
#define P_SOCKOPT_DONE 147 /* x2 getsockopt's result, x3 the optlen it reported */
#define P_LATE 148         /* (never, with an honest kernel) x2 read()'s result after exit_group */
#define P_ROBUST 149       /* x2 the old head (now a copy of the secret), x3 set_robust_list's */
#define P_ROBUST_DONE 150
#define P_TMASK 151        /* SIGTERM blocked; next: clone(CLONE_THREAD) */
#define P_TMASK_DONE 152   /* x2 SIGTERM handler runs (must be 0), x3 whether the thread ran */
#define P_SIGWAIT 153      /* SIGUSR1 blocked and pending; next: rt_sigtimedwait({SIGUSR1}) */
#define P_SIGWAIT_DONE 154 /* x2 rt_sigtimedwait's result (must be SIGUSR1) */
#define P_DONTFORK 155     /* x2 the page; next: madvise(page, MADV_DONTFORK), fork() */
#define P_DONTFORK_CHILD 156 /* (never, with an honest kernel) x2 the page's nonzero bytes */
#define P_DONTFORK_DONE 157 /* x2 madvise's result, x3 the child's wait status */
#define P_KEEP 158         /* x2 the page; next: madvise(page, MADV_WIPEONFORK), fork() */
#define P_KEEP_CHILD 159   /* in the child: x2 madvise(page, MADV_KEEPONFORK)'s result */
#define P_KEEP_READ 160    /* in the child: x2 the page's nonzero bytes */
#define P_KEEP_DONE 161    /* x2 madvise's result, x3 the child's wait status */
#define P_REMAP 162        /* x2 the page, x3 its new place; next: madvise, mremap, fork() */
#define P_REMAP_CHILD 163  /* in the child: x2 the page's nonzero bytes at its new place */
#define P_REMAP_DONE 164   /* x2 mremap's result, x3 the child's wait status */
#define P_GRAND 165        /* x2 the page; next: madvise(page, MADV_WIPEONFORK), fork() */
#define P_GRAND_CHILD 166  /* in the child: the secret copied into the page; next: fork() */
#define P_GRAND_READ 167   /* in the grandchild: x2 the page's nonzero bytes */
#define P_GRAND_DONE 168   /* x2 madvise's result, x3 the child's wait status */
#define MADV_DONTFORK_ 10
#define MADV_KEEPONFORK_ 19
#define MREMAP_MOVE_FIXED 3L  /* MREMAP_MAYMOVE | MREMAP_FIXED */
#define THREAD_FLAGS 0x50f00L /* CLONE_VM | FS | FILES | SIGHAND | THREAD | SYSVSEM */
#define SIGUSR1_ 10
#define SIGTERM_ 15

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int tampered;                   /* kept for the referee (no register checks here) */
static int devnull = -1;

/* A scratch area the program works in: it held copies of the secret before a call
 * that fills it (as a stack frame reused by the next function would). */
static union {
    uint8_t raw[512];
    struct utsname uts;
    struct timespec ts;
    struct stat st;
    struct sysinfo si;
} scratch;

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static long anon_page(void)
{
    return sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static long nonzero_bytes(const uint8_t *p)
{
    long n = 0;
    for (long i = 0; i < PAGE; i++)
        n += p[i] != 0;
    return n;
}

/* Work on the secret in the scratch area (copies of it everywhere in the area). */
static void work_in_scratch(void)
{
    for (unsigned i = 0; i + SECRET_LEN <= sizeof scratch.raw; i += SECRET_LEN)
        memcpy(scratch.raw + i, secret, SECRET_LEN);
}

static void uname_step(void)
{
    work_in_scratch();
    marker(P_UNAME, (long)&scratch, 0, 0, 0);
    long r = sys6(SYS_uname, (long)&scratch.uts, 0, 0, 0, 0, 0);
    if (r == 0)
        sys6(SYS_write, devnull, (long)scratch.uts.nodename, sizeof scratch.uts.nodename, 0, 0, 0);
    marker(P_UNAME_DONE, r, 0, 0, 0);
}

static void clock_step(void)
{
    work_in_scratch();
    marker(P_CLOCK, (long)&scratch, 0, 0, 0);
    long r = sys6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&scratch.ts, 0, 0, 0, 0);
    if (r == 0)
        sys6(SYS_write, devnull, (long)&scratch.ts, sizeof scratch.ts, 0, 0, 0);
    marker(P_CLOCK_DONE, r, 0, 0, 0);
}

static void fstat_step(void)
{
    work_in_scratch();
    marker(P_FSTAT, (long)&scratch, 0, 0, 0);
    long r = sys6(SYS_fstat, devnull, (long)&scratch.st, 0, 0, 0, 0);
    if (r == 0)
        sys6(SYS_write, devnull, (long)&scratch.st, sizeof scratch.st, 0, 0, 0);
    marker(P_FSTAT_DONE, r, 0, 0, 0);
}

static void sysinfo_step(void)
{
    work_in_scratch();
    marker(P_SYSINFO, (long)&scratch, 0, 0, 0);
    long r = sys6(SYS_sysinfo, (long)&scratch.si, 0, 0, 0, 0, 0);
    if (r == 0)
        sys6(SYS_write, devnull, (long)&scratch.si, sizeof scratch.si, 0, 0, 0);
    marker(P_SYSINFO_DONE, r, 0, 0, 0);
}

static void affinity_step(void)
{
    work_in_scratch();
    marker(P_AFFINITY, (long)&scratch, 0, 0, 0);
    long n = sys6(SYS_sched_getaffinity, 0, 8, (long)scratch.raw, 0, 0, 0);
    if (n > 0)
        sys6(SYS_write, devnull, (long)scratch.raw, n, 0, 0, 0);
    marker(P_AFFINITY_DONE, n, 0, 0, 0);
}

static void sockopt_step(void)
{
    long sock = sys6(SYS_socket, 1 /* AF_UNIX */, 2 /* SOCK_DGRAM */, 0, 0, 0, 0);
    if (sock < 0)
        return;
    work_in_scratch();
    uint32_t *optlen = (uint32_t *)(scratch.raw + 4);
    *optlen = 4;
    marker(P_SOCKOPT, (long)scratch.raw + 8, (long)optlen, 0, 0);
    long r = sys6(SYS_getsockopt, sock, 1 /* SOL_SOCKET */, 3 /* SO_TYPE */,
                  (long)scratch.raw + 8, (long)optlen, 0);
    if (r == 0)
        sys6(SYS_write, devnull, (long)scratch.raw + 8, *optlen, 0, 0, 0);
    marker(P_SOCKOPT_DONE, r, *optlen, 0, 0);
    sys6(SYS_close, sock, 0, 0, 0, 0, 0);
}

static void robust_step(void)
{
    long page = anon_page();
    if (!valid(page))
        return;
    /* Two struct robust_list_head slots; each starts as an empty list. */
    uint64_t *first = (uint64_t *)(page + SECRET_OFF), *second = first + 8;
    first[0] = (uint64_t)first;
    second[0] = (uint64_t)second;
    long r = sys6(SYS_set_robust_list, (long)first, 24, 0, 0, 0, 0);
    if (r == 0)
        r = sys6(SYS_set_robust_list, (long)second, 24, 0, 0, 0, 0);
    memcpy(first, secret, SECRET_LEN);                  /* the first slot is free again */
    marker(P_ROBUST, (long)first, r, 0, 0);
    marker(P_ROBUST_DONE, 0, 0, 0, 0);
}

static uint8_t tmask_stack[16384] __attribute__((aligned(16)));
static volatile int tmask_done;
static volatile int term_runs;

__attribute__((noreturn, noinline, used)) static void tmask_worker(void)
{
    for (int i = 0; i < 8; i++)
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    tmask_done = 1;
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    for (;;)
        ;
}

/* clone() a thread on `stack` that runs `fn` (which never returns). */
static long spawn_thread(uint8_t *stack_top, void (*fn)(void))
{
    register long x0 __asm__("x0") = THREAD_FLAGS;
    register long x1 __asm__("x1") = (long)stack_top;
    register long x2 __asm__("x2") = 0;
    register long x3 __asm__("x3") = 0;
    register long x4 __asm__("x4") = 0;
    register long x8 __asm__("x8") = SYS_clone;
    register long x9 __asm__("x9") = (long)fn;
    __asm__ volatile(
        "svc #0\n\t"
        "cbnz x0, 1f\n\t"
        "blr x9\n\t"
        "1:\n\t"
        : "+r"(x0)
        : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), "r"(x9)
        : "x30", "memory", "cc");
    return x0;
}

static void on_term(int sig);

static void thread_mask_step(void)
{
    struct { unsigned long handler, flags, restorer, mask; } act = {
        (unsigned long)on_term, 0, 0, 0};
    unsigned long term = 1UL << (SIGTERM_ - 1);
    if (sys6(SYS_rt_sigaction, SIGTERM_, (long)&act, 0, 8, 0, 0) != 0 ||
        sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&term, 0, 8, 0, 0) != 0)
        return;
    marker(P_TMASK, 0, 0, 0, 0);
    if (spawn_thread(tmask_stack + sizeof tmask_stack, tmask_worker) > 0)
        for (int i = 0; i < 2000 && !tmask_done; i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    marker(P_TMASK_DONE, term_runs, tmask_done, 0, 0);
}

static void sigwait_step(void)
{
    unsigned long usr1 = 1UL << (SIGUSR1_ - 1);
    uint8_t info[128];
    if (sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&usr1, 0, 8, 0, 0) != 0)
        return;
    sys6(SYS_kill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), SIGUSR1_, 0, 0, 0, 0);
    marker(P_SIGWAIT, 0, 0, 0, 0);
    long sig = sys6(SYS_rt_sigtimedwait, (long)&usr1, (long)info, 0, 8, 0, 0);
    marker(P_SIGWAIT_DONE, sig, 0, 0, 0);
}

static uint8_t worker_stack[16384] __attribute__((aligned(16)));
static int late_pipe[2];

__attribute__((noreturn, noinline, used)) static void late_worker(void)
{
    char c;
    long n = sys6(SYS_read, late_pipe[0], (long)&c, 1, 0, 0, 0);
    marker(P_LATE, n, 0, 0, 0);
    say("secret: still running after exit_group\n");
    sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    for (;;)
        ;
}

static void exit_with_late_worker(int code)
{
    if (sys6(SYS_pipe2, (long)late_pipe, 0, 0, 0, 0, 0) == 0 && spawn_thread(worker_stack + sizeof worker_stack, late_worker) > 0)
        for (int i = 0; i < 4; i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);     /* let it block in read() */
    sys6(SYS_exit_group, code, 0, 0, 0, 0, 0);
}

static void on_term(int sig)
{
    (void)sig;
    term_runs++;
}

static void oldmask_step(void)
{
    /* The kernel's struct sigaction for arm64: handler, flags, restorer, mask. */
    struct { unsigned long handler, flags, restorer, mask; } act = {
        (unsigned long)on_term, 0, 0, 0};
    if (sys6(SYS_rt_sigaction, SIGTERM_, (long)&act, 0, 8, 0, 0) != 0)
        return;
    unsigned long term = 1UL << (SIGTERM_ - 1), usr1 = 1UL << (SIGUSR1_ - 1), old = 0;
    if (sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&term, 0, 8, 0, 0) != 0)
        return;
    marker(P_OLDMASK, 0, 0, 0, 0);
    if (sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&usr1, (long)&old, 8, 0, 0) != 0)
        return;
    sys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8, 0, 0);
    sys6(SYS_kill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), SIGTERM_, 0, 0, 0, 0);
    marker(P_OLDMASK_CHECK, term_runs, 0, 0, 0);
    sys6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&term, 0, 8, 0, 0);
    marker(P_OLDMASK_DONE, term_runs, 0, 0, 0);
}

static long urandom_secret(void)
{
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/urandom", O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return -1;
    long n = sys6(SYS_read, fd, (long)secret, SECRET_LEN, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    return n;
}

static void wipeonfork_step(void)
{
    long page = anon_page();
    if (!valid(page))
        return;
    memcpy((uint8_t *)page + SECRET_OFF, secret, SECRET_LEN);
    marker(P_WIPE, page, 0, 0, 0);
    long r = sys6(SYS_madvise, page, PAGE, MADV_WIPEONFORK_, 0, 0, 0);
    if (r != 0) {
        marker(P_WIPE_DONE, r, 0, 0, 0);
        return;
    }
    long pid = sys6(SYS_clone, SIGCHLD_, 0, 0, 0, 0, 0);
    if (pid == 0) {
        /* The child's copy of a wipe-on-fork page starts zero-filled: a fresh buffer. */
        marker(P_WIPE_CHILD, nonzero_bytes((const uint8_t *)page), 0, 0, 0);
        memcpy((void *)page, "public!", 8);
        sys6(SYS_write, devnull, page, PAGE, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    int status = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    marker(P_WIPE_DONE, r, status, 0, 0);
}

/* Send the page to /dev/null as a record and end the process (a child's last step). */
static void send_and_exit(long page)
{
    memcpy((void *)page, "public!", 8);
    sys6(SYS_write, devnull, page, PAGE, 0, 0, 0);
    sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
}

static int wait_for(long pid)
{
    int status = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    return status;
}

static long secret_page(void)
{
    long page = anon_page();
    if (valid(page))
        memcpy((uint8_t *)page + SECRET_OFF, secret, SECRET_LEN);
    return page;
}

static void dontfork_step(void)
{
    long page = secret_page();
    if (!valid(page))
        return;
    marker(P_DONTFORK, page, 0, 0, 0);
    long r = sys6(SYS_madvise, page, PAGE, MADV_DONTFORK_, 0, 0, 0);
    long pid = r == 0 ? sys6(SYS_clone, SIGCHLD_, 0, 0, 0, 0, 0) : -1;
    if (pid == 0) {
        /* No such page in the child: the load is SIGSEGV and the child ends here. */
        marker(P_DONTFORK_CHILD, nonzero_bytes((const uint8_t *)page), 0, 0, 0);
        send_and_exit(page);
    }
    marker(P_DONTFORK_DONE, r, wait_for(pid), 0, 0);
}

static void keeponfork_step(void)
{
    long page = secret_page();
    if (!valid(page))
        return;
    marker(P_KEEP, page, 0, 0, 0);
    long r = sys6(SYS_madvise, page, PAGE, MADV_WIPEONFORK_, 0, 0, 0);
    long pid = r == 0 ? sys6(SYS_clone, SIGCHLD_, 0, 0, 0, 0, 0) : -1;
    if (pid == 0) {
        marker(P_KEEP_CHILD, sys6(SYS_madvise, page, PAGE, MADV_KEEPONFORK_, 0, 0, 0), 0, 0, 0);
        marker(P_KEEP_READ, nonzero_bytes((const uint8_t *)page), 0, 0, 0);
        send_and_exit(page);
    }
    marker(P_KEEP_DONE, r, wait_for(pid), 0, 0);
}

static void remap_step(void)
{
    long page = secret_page();
    long dest = anon_page();
    if (!valid(page) || !valid(dest))
        return;
    sys6(SYS_munmap, dest, PAGE, 0, 0, 0, 0);          /* a free place to move to */
    marker(P_REMAP, page, dest, 0, 0);
    long r = sys6(SYS_madvise, page, PAGE, MADV_WIPEONFORK_, 0, 0, 0);
    if (r == 0)
        r = sys6(SYS_mremap, page, PAGE, PAGE, MREMAP_MOVE_FIXED, dest, 0);
    long pid = r == dest ? sys6(SYS_clone, SIGCHLD_, 0, 0, 0, 0, 0) : -1;
    if (pid == 0) {
        marker(P_REMAP_CHILD, nonzero_bytes((const uint8_t *)dest), 0, 0, 0);
        send_and_exit(dest);
    }
    marker(P_REMAP_DONE, r, wait_for(pid), 0, 0);
}

static void grandchild_step(void)
{
    long page = anon_page();
    if (!valid(page))
        return;
    marker(P_GRAND, page, 0, 0, 0);
    long r = sys6(SYS_madvise, page, PAGE, MADV_WIPEONFORK_, 0, 0, 0);
    long pid = r == 0 ? sys6(SYS_clone, SIGCHLD_, 0, 0, 0, 0, 0) : -1;
    if (pid == 0) {
        memcpy((uint8_t *)page + SECRET_OFF, secret, SECRET_LEN);
        marker(P_GRAND_CHILD, page, 0, 0, 0);
        long grand = sys6(SYS_clone, SIGCHLD_, 0, 0, 0, 0, 0);
        if (grand == 0) {
            marker(P_GRAND_READ, nonzero_bytes((const uint8_t *)page), 0, 0, 0);
            send_and_exit(page);
        }
        wait_for(grand);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    marker(P_GRAND_DONE, r, wait_for(pid), 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0, wipe = 0, urandom = 0, masks = 0, late = 0, robust = 0, tmask = 0;
    int sigwait = 0, dontfork = 0, keep = 0, remap = 0, grand = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        wipe |= strcmp(argv[i], "-w") == 0;
        urandom |= strcmp(argv[i], "-u") == 0;
        masks |= strcmp(argv[i], "-m") == 0;
        late |= strcmp(argv[i], "-t") == 0;
        robust |= strcmp(argv[i], "-R") == 0;
        tmask |= strcmp(argv[i], "-k") == 0;
        sigwait |= strcmp(argv[i], "-q") == 0;
        dontfork |= strcmp(argv[i], "-D") == 0;
        keep |= strcmp(argv[i], "-K") == 0;
        remap |= strcmp(argv[i], "-r") == 0;
        grand |= strcmp(argv[i], "-g") == 0;
    }
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if ((urandom ? urandom_secret() : sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0))
        != SECRET_LEN) {
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
    uname_step();
    clock_step();
    fstat_step();
    if (wipe)
        wipeonfork_step();
    sysinfo_step();
    affinity_step();
    sockopt_step();
    if (masks)
        oldmask_step();
    if (robust)
        robust_step();
    if (tmask)
        thread_mask_step();
    if (sigwait)
        sigwait_step();
    if (dontfork)
        dontfork_step();
    if (keep)
        keeponfork_step();
    if (remap)
        remap_step();
    if (grand)
        grandchild_step();
    memset(scratch.raw, 0, sizeof scratch.raw);

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
    if (late)
        exit_with_late_worker(bad ? 3 : 0);
    return bad ? 3 : 0;
}
