/* The attack target for values a program trusts to stay in their range, identities after
 * fork, signals only the program itself can send, exec, and areas that change only where
 * the program asks.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Most steps read a value Linux keeps within a
 * range, turn it into a label's index the way the range allows, and write that label
 * to /dev/null (8 bytes).  Under Linux's contract the index is always 0..3; a value out
 * of its range points the write back into the secret's copy.  In the order they run:
 *
 *   1. clock_gettime(CLOCK_MONOTONIC) twice, around a marker: the elapsed whole seconds
 *      (never negative: the clock never goes back) choose the label, when under 4.
 *   2. getpid(): a process id is positive; pid % 4 chooses the label.
 *   3. gettid(): a thread id is positive; tid % 4 chooses the label.
 *   4. getpriority(PRIO_PROCESS, 0): Linux returns 20 - nice, in 1..40; (nice + 20) / 10
 *      chooses the label.
 *   5. clock_gettime(CLOCK_BOOTTIME) after clock_gettime(CLOCK_MONOTONIC): the boot
 *      clock is the monotonic one plus the time suspended, never behind it; the whole
 *      seconds between them choose the label, when under 4.
 *   6. clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) until one second after a reading;
 *      once it returned 0 the clock reads at least that deadline: the whole seconds past
 *      it choose the label, when under 4.
 *   7. CLOCK_MONOTONIC read in the parent, then in a fork child (one clock for the whole
 *      system: the child's reading is never earlier); the child logs the label the
 *      elapsed whole seconds name, when under 4.
 *   8. A keystream that reseeds itself after fork, the way fork-safe generators do
 *      (OpenSSL, arc4random): each block is the digest of a pool drawn from getrandom(),
 *      and the pool is drawn afresh whenever getpid() differs from the pid that drew it.
 *      The parent draws a block, forks, and sends a public record encrypted with its
 *      next block to /dev/null; the child sends the secret encrypted with its next
 *      block.  A child's getpid() is its own id, never its parent's: the two blocks are
 *      independent, and each record alone says nothing.
 *   9. A command channel to itself: a SIGUSR2 handler (SA_SIGINFO) flushes the command
 *      buffer to /dev/null only for a signal the program sent itself with tgkill() or
 *      kill() (si_code SI_TKILL or SI_USER, si_pid its own id: Linux lets no other
 *      process send either with the program's id).  The program sends one with a public
 *      command in the buffer, then uses the buffer for a copy of the secret (marker + 1
 *      inside) and clears it.
 *  10. A timerfd armed for 1 ms, read once: a successful read returns the number of
 *      expirations, at least 1; count - 1 (the expirations missed) chooses the label.
 *  11. An eventfd only the program holds, written 1 and read: a successful read returns
 *      the counter, at least 1 (it is never read as 0); value - 1 chooses the label.
 *  12. nanosleep() of one second interrupted by a signal (-EINTR): the time left it
 *      writes back is never more than was asked; the whole seconds slept (asked - left)
 *      choose the label.
 *  13. mremap() of an anonymous page holding a copy of the secret, grown to two pages
 *      without MREMAP_MAYMOVE: on success Linux has grown it in place (the result is the
 *      old address), so the program keeps using its pointer; it reports whether its copy
 *      is still intact.
 *      Then the same with two pages shrunk to one: Linux shrinks in place.
 *  14. sysinfo(): procs counts the processes, the caller among them (at least 1);
 *      procs - 1 (the other processes) chooses the label.
 *  15. A one-page memfd mapped MAP_SHARED, filled with a public pattern, then
 *      madvise(MADV_DONTNEED) on the mapping: for a shared mapping Linux drops only the
 *      page-table entry, the memfd keeps its page, and the next access maps it again.
 *      The program compares the page with the pattern and reports it in a marker.
 *  16. A page reset by mapping fresh memory over it: an anonymous page holding a copy of
 *      the secret is replaced with mmap(MAP_FIXED) of a new anonymous page at the same
 *      address (zero-filled, as any new anonymous memory); when the call did not fail
 *      the program, keeping its pointer (MAP_FIXED lands where asked), writes a public
 *      header in its first 32 bytes and sends the first 128 bytes to /dev/null.
 *  17. An exec of itself: the program keeps a copy of the secret in a page-aligned static
 *      area, then execs itself with -x.  The new image fills the same area (a fresh,
 *      zero-filled page of its own) with a public key, sleeps a moment and sends the
 *      area's first 128 bytes (the key and zeros) to /dev/null.  The program blocks
 *      SIGUSR2 right before the exec: Linux keeps the blocked mask across exec, so the
 *      new image, which installs a SIGUSR2 handler and never unblocks it, never runs
 *      that handler; it reports the handler's runs in a marker.  execve() returns only
 *      on failure (a negative errno): the program reports what it returned.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r17.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/sysinfo.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before the value is read (x2 the log buffer), P_x + 1 after its write
 * (x2 the index it used). */
#define P_MONO 800
#define P_PID 802
#define P_TID 804
#define P_PRIO 806
#define P_BOOT 808
#define P_SLEEP 812         /* x2 the log buffer, + 1 after the write */
#define P_FORK_CLOCK 814    /* x2 the child's pid, + 1 the parent reaped it */
#define P_SELF_SIGNAL 816   /* x2 the command buffer, + 1 it holds the secret's copy */
#define P_EXEC_AREA 818     /* x2 the area, holding the secret's copy; next: execve */
#define P_X_AREA 819        /* -x: x2 the area, holding the public key */
#define P_TIMERFD 820       /* x2 the log buffer, + 1 after the write */
#define P_EVENTFD 822
#define P_NAP 824
#define P_X_MASK 826        /* -x: SIGUSR2 handler installed; + 1: x2 its runs */
#define P_GROW 828          /* x2 the page; + 1: x2 nonzero when the copy changed */
#define P_SYSINFO 830       /* x2 the log buffer, x3 the struct; + 1 after the write */
#define P_SHARED_DONTNEED 832 /* x2 the memfd, x3 the page; + 1: x2 nonzero when changed */
#define P_EXEC_RET 834      /* the exec failed: x2 what execve() returned */
#define P_SHRINK 836        /* as P_GROW, for a shrink of two pages to one */
#define P_OVERLAY 838       /* x2 the page; next: mmap(page, MAP_FIXED) */
#define P_FORK_STREAM 810   /* x2 the child's pid, + 1 the parent reaped it */
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];

static uint8_t pool[SECRET_LEN];
static long pool_pid;

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static long anon_page(void)
{
    return sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* No copy of the secret left in the vector registers a memcpy used. */
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

static long clock_secs(long clock)
{
    struct timespec ts = {0, 0};
    sys6(SYS_clock_gettime, clock, (long)&ts, 0, 0, 0, 0);
    return (long)ts.tv_sec;
}

static void mono_step(void)
{
    long t0 = clock_secs(CLOCK_MONOTONIC);
    marker(P_MONO, (long)logbuf, 0, 0, 0);
    long t1 = clock_secs(CLOCK_MONOTONIC);
    log_label(P_MONO, t1 - t0);
}

static void pid_step(void)
{
    marker(P_PID, (long)logbuf, 0, 0, 0);
    long pid = (int)sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    log_label(P_PID, pid % 4);
}

static void tid_step(void)
{
    marker(P_TID, (long)logbuf, 0, 0, 0);
    long tid = (int)sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    log_label(P_TID, tid % 4);
}

static void prio_step(void)
{
    marker(P_PRIO, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_getpriority, 0 /* PRIO_PROCESS */, 0, 0, 0, 0, 0);
    if (r < 0)
        return;
    long nice = 20 - r;
    log_label(P_PRIO, (nice + 20) / 10);
}

static void boot_step(void)
{
    marker(P_BOOT, (long)logbuf, 0, 0, 0);
    long mono = clock_secs(CLOCK_MONOTONIC);
    long boot = clock_secs(CLOCK_BOOTTIME);
    log_label(P_BOOT, boot - mono);
}

static void sleep_step(void)
{
    marker(P_SLEEP, (long)logbuf, 0, 0, 0);
    struct timespec deadline = {clock_secs(CLOCK_MONOTONIC) + 1, 0};
    if (sys6(SYS_clock_nanosleep, CLOCK_MONOTONIC, 1 /* TIMER_ABSTIME */, (long)&deadline,
             0, 0, 0) != 0)
        return;
    log_label(P_SLEEP, clock_secs(CLOCK_MONOTONIC) - (long)deadline.tv_sec);
}

static void fork_clock_step(void)
{
    long t0 = clock_secs(CLOCK_MONOTONIC);
    long child = sys6(SYS_clone, 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
    if (child == 0) {
        long index = clock_secs(CLOCK_MONOTONIC) - t0;
        if (index < 4)
            sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    marker(P_FORK_CLOCK, child, 0, 0, 0);
    int status = 0;
    sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0);
    marker(P_FORK_CLOCK + 1, status, 0, 0, 0);
}

static uint8_t area[PAGE] __attribute__((aligned(4096)));
static const uint8_t public_key[SECRET_LEN] = "public key of the exec'd image.";

static volatile long x_handler_runs;

static void on_x_usr2(int signo)
{
    (void)signo;
    x_handler_runs++;
}

static int exec_stage(void)
{
    memcpy(area, public_key, SECRET_LEN);
    marker(P_X_AREA, (long)area, 0, 0, 0);
    struct timespec nap = {0, 1000000};
    sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    sys6(SYS_write, devnull, (long)area, 128, 0, 0, 0);
    struct { uint64_t handler, flags, restorer, mask; } act = {(uint64_t)on_x_usr2, 0x10000000, 0, 0};
    sys6(SYS_rt_sigaction, 12, (long)&act, 0, 8, 0, 0);
    marker(P_X_MASK, 0, 0, 0, 0);
    sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    marker(P_X_MASK + 1, x_handler_runs, 0, 0, 0);
    say("secret: exec'd image done\n");
    return 0;
}

static void exec_step(char **argv)
{
    memcpy(area + SECRET_OFF, secret, SECRET_LEN);
    clear_vectors();
    marker(P_EXEC_AREA, (long)area, 0, 0, 0);
    char *args[] = {argv[0], "-d", "-x", 0};
    char *envp[] = {0};
    uint64_t usr2 = 1UL << 11;
    sys6(SYS_rt_sigprocmask, 0 /* SIG_BLOCK */, (long)&usr2, 0, 8, 0, 0);
    long r = sys6(SYS_execve, (long)argv[0], (long)args, (long)envp, 0, 0, 0);
    /* execve() returns only when it failed: a negative errno. */
    marker(P_EXEC_RET, r, 0, 0, 0);
}

static long my_pid;
static uint8_t cmd_buf[SECRET_LEN];
static volatile long flushes;

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};

static void on_usr2(int signo, siginfo_t *si, void *uc)
{
    (void)signo;
    (void)uc;
    if ((si->si_code == SI_TKILL || si->si_code == SI_USER) && si->si_pid == my_pid) {
        flushes++;
        sys6(SYS_write, devnull, (long)cmd_buf, SECRET_LEN, 0, 0, 0);
    }
}

static void self_signal_step(void)
{
    my_pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    struct kernel_sigaction act = {(uint64_t)on_usr2, 0x4 /* SA_SIGINFO */ | 0x10000000, 0, 0};
    sys6(SYS_rt_sigaction, 12, (long)&act, 0, 8, 0, 0);
    memcpy(cmd_buf, "flush: public command, no data.", SECRET_LEN);
    marker(P_SELF_SIGNAL, (long)cmd_buf, 0, 0, 0);
    sys6(SYS_tgkill, my_pid, sys6(SYS_gettid, 0, 0, 0, 0, 0, 0), 12, 0, 0, 0);
    memcpy(cmd_buf, secret, SECRET_LEN);
    clear_vectors();
    marker(P_SELF_SIGNAL + 1, flushes, 0, 0, 0);
    memset(cmd_buf, 0, SECRET_LEN);
}

static void timerfd_step(void)
{
    long fd = sys6(SYS_timerfd_create, CLOCK_MONOTONIC, 0, 0, 0, 0, 0);
    struct itimerspec when = {{0, 0}, {0, 1000000}};
    if (fd < 0 || sys6(SYS_timerfd_settime, fd, 0, (long)&when, 0, 0, 0) != 0)
        return;
    marker(P_TIMERFD, (long)logbuf, 0, 0, 0);
    uint64_t count = 0;
    if (sys6(SYS_read, fd, (long)&count, 8, 0, 0, 0) == 8)
        log_label(P_TIMERFD, (long)count - 1);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void eventfd_step(void)
{
    long fd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    uint64_t one = 1, value = 0;
    if (fd < 0 || sys6(SYS_write, fd, (long)&one, 8, 0, 0, 0) != 8)
        return;
    marker(P_EVENTFD, (long)logbuf, 0, 0, 0);
    if (sys6(SYS_read, fd, (long)&value, 8, 0, 0, 0) == 8)
        log_label(P_EVENTFD, (long)value - 1);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void nap_step(void)
{
    struct timespec ask = {1, 0}, left = {0, 0};
    marker(P_NAP, (long)logbuf, (long)&left, 0, 0);
    if (sys6(SYS_nanosleep, (long)&ask, (long)&left, 0, 0, 0, 0) == -4 /* -EINTR */)
        log_label(P_NAP, (long)(ask.tv_sec - left.tv_sec));
}

static void resize_step(long phase, long from, long to)
{
    long p = sys6(SYS_mmap, 0, from, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!valid(p))
        return;
    memcpy((uint8_t *)p + SECRET_OFF, secret, SECRET_LEN);
    clear_vectors();
    marker(phase, p, 0, 0, 0);
    long r = sys6(SYS_mremap, p, from, to, 0 /* in place only */, 0, 0);
    if (r < 0 && r > -4096)
        return;
    long changed = memcmp((uint8_t *)p + SECRET_OFF, secret, SECRET_LEN) != 0;
    marker(phase + 1, changed, r, 0, 0);
}

static void grow_step(void)
{
    resize_step(P_GROW, PAGE, 2 * PAGE);
    resize_step(P_SHRINK, 2 * PAGE, PAGE);
}

static void sysinfo_step(void)
{
    struct sysinfo si;
    memset(&si, 0, sizeof si);
    marker(P_SYSINFO, (long)logbuf, (long)&si, 0, 0);
    if (sys6(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0) == 0)
        log_label(P_SYSINFO, (long)si.procs - 1);
}

static void shared_dontneed_step(void)
{
    static const char pattern[] = "memfd page pattern, public bytes";
    long fd = sys6(SYS_memfd_create, (long)"r17", 0, 0, 0, 0, 0);
    if (fd < 0 || sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) != 0)
        return;
    long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (!valid(p))
        return;
    memcpy((uint8_t *)p, pattern, sizeof pattern);
    marker(P_SHARED_DONTNEED, fd, p, 0, 0);
    if (sys6(SYS_madvise, p, PAGE, 4 /* MADV_DONTNEED */, 0, 0, 0) != 0)
        return;
    long changed = memcmp((uint8_t *)p, pattern, sizeof pattern) != 0;
    marker(P_SHARED_DONTNEED + 1, changed, p, 0, 0);
    sys6(SYS_munmap, p, PAGE, 0, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void overlay_step(void)
{
    long p = anon_page();
    if (!valid(p))
        return;
    memcpy((uint8_t *)p + SECRET_OFF, secret, SECRET_LEN);
    clear_vectors();
    marker(P_OVERLAY, p, 0, 0, 0);
    long r = sys6(SYS_mmap, p, PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (r < 0 && r > -4096)
        return;     /* MAP_FIXED lands where asked or fails: the program keeps its pointer */
    memcpy((uint8_t *)p, "public header, then fresh zeros", 32);
    sys6(SYS_write, devnull, p, 128, 0, 0, 0);
}

static void keystream(uint8_t out[SECRET_LEN])
{
    long pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    if (pid != pool_pid) {
        sys6(SYS_getrandom, (long)pool, SECRET_LEN, 0, 0, 0, 0);
        pool_pid = pid;
    }
    sha256_secret(pool, out);
    pool[0]++;
}

static void send_sealed(const uint8_t *msg)
{
    uint8_t block[SECRET_LEN], sealed[SECRET_LEN];
    keystream(block);
    for (int i = 0; i < SECRET_LEN; i++)
        sealed[i] = msg[i] ^ block[i];
    sys6(SYS_write, devnull, (long)sealed, SECRET_LEN, 0, 0, 0);
}

static void fork_stream_step(void)
{
    static const uint8_t public_rec[SECRET_LEN] = "public record, nothing secret..";
    uint8_t first[SECRET_LEN];
    keystream(first);
    long child = sys6(SYS_clone, 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
    if (child == 0) {
        send_sealed((const uint8_t *)secret);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    marker(P_FORK_STREAM, child, 0, 0, 0);
    send_sealed(public_rec);
    int status = 0;
    sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0);
    marker(P_FORK_STREAM + 1, status, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-x") == 0) {
            devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
            return exec_stage();
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
    long mapped = anon_page();
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    clear_vectors();
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    mono_step();
    pid_step();
    tid_step();
    prio_step();
    boot_step();
    sleep_step();
    fork_clock_step();
    fork_stream_step();
    self_signal_step();
    timerfd_step();
    eventfd_step();
    nap_step();
    grow_step();
    sysinfo_step();
    shared_dontneed_step();
    overlay_step();

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
    if (!bad)
        exec_step(argv);
    return bad ? 3 : 0;
}
