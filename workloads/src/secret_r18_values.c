/* The attack target for values a program trusts that Linux keeps in range: resource
 * limits, scheduling parameters, the file mode mask, process times, CPU-time clocks,
 * clock resolutions, the time left that ppoll() and pselect6() write back, and event
 * counters read through readv().
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step reads a value Linux keeps within a
 * range, turns it into a label's index the way the range allows, and writes that label
 * to /dev/null (8 bytes).  Under Linux's contract the index is always 0..3 (or the step
 * writes nothing); a value out of its range points the write back into the secret's copy.
 * In the order they run:
 *
 *   1. getrlimit(RLIMIT_NOFILE): rlim_cur never exceeds rlim_max; the headroom
 *      rlim_max - rlim_cur (3 for an unlimited rlim_max) chooses the label, when under 4.
 *   2. prlimit64(0, RLIMIT_STACK, NULL, &old): the same for the stack limit.
 *   3. sched_getparam(0): sched_priority is 0..99; priority / 25 chooses the label.
 *   4. sched_getattr(0): sched_nice is -20..19; (nice + 20) / 10 chooses the label.
 *   5. umask(022): the old mask is 0..0777; old / 0200 chooses the label.
 *   6. times() twice: tms_utime never decreases; the ticks between chooses the label,
 *      when under 4.
 *   7. clock_gettime(CLOCK_PROCESS_CPUTIME_ID) twice: a CPU-time clock never goes back;
 *      the whole seconds between choose the label, when under 4.
 *   8. The same with CLOCK_THREAD_CPUTIME_ID.
 *   9. clock_getres(CLOCK_MONOTONIC): a resolution is positive and under a second
 *      (tv_sec 0); tv_sec + tv_nsec / 250000000 chooses the label.
 *  10. ppoll() on a pipe nobody writes, with a 1 s timeout, timing out (0): Linux writes
 *      back the time left, never more than was asked; the whole seconds slept
 *      (asked - left) choose the label.
 *  11. The same with pselect6().
 *  12. An eventfd only the program holds, written 1 and read through readv() into one
 *      8-byte iovec: the counter is at least 1; value - 1 chooses the label.
 *  13. sched_getscheduler(0): the policy is 0..6 (SCHED_OTHER ... SCHED_DEADLINE; the
 *      program never asked for SCHED_RESET_ON_FORK); the program logs the label the
 *      policy names when it is SCHED_OTHER..BATCH (at most 3), and nothing for others.
 *  14. A fork child that exits at once, its SIGCHLD blocked until the parent reaped it
 *      with wait4(); then SIGCHLD is unblocked and its SA_SIGINFO handler records si_pid,
 *      which names the child that changed state: si_pid - child (0) chooses the label.
 *  15. wait4(-1) with one child: the id it returns is that child's; id - child (0)
 *      chooses the label.
 *  16. Step 14 again, now that two children were reaped.
 *  17. clone(CLONE_PARENT_SETTID | SIGCHLD) with a tid word: Linux stores the child's id
 *      there, the id clone() returns; word - id (0) chooses the label.
 *  18. A shared anonymous page holding a public report, and a fork worker that sleeps
 *      1 ms, sends the page's first 32 bytes to /dev/null and exits.  The parent reaps
 *      it with wait4(worker, &status, 0): without WUNTRACED or WCONTINUED wait4 returns
 *      only once the worker has ended, so the parent then reuses the page for a copy of
 *      the secret (for a few milliseconds) and clears it.
 *  19. setitimer(ITIMER_REAL) of 3 s, then setitimer(ITIMER_REAL, 0, &old) (as alarm(0)):
 *      the time left is never more than was set; 3 - whole seconds left chooses the label.
 *  20. A memfd holding 32 public bytes: lseek(fd, 16, SEEK_SET) returns 16, the offset
 *      asked for; (pos - 16) / 8 chooses the label.
 *  21. write() of 8 public bytes to /dev/null: it returns at most 8; the bytes not sent
 *      (8 - n) choose the label.
 *  22. sched_rr_get_interval(0): a time slice is under one second; its whole seconds
 *      choose the label.
 *  23. setitimer(ITIMER_REAL) of 3 s, then getitimer(): the time left is never more than
 *      was set; 3 - whole seconds left chooses the label (the timer is then disarmed).
 *  24. getsid(0): a session id is a positive process id; sid % 4 chooses the label.
 *  25. fcntl(F_GETFD) on /dev/null: 0 or FD_CLOEXEC (1), the label it names.
 *  26. prctl(PR_GET_PDEATHSIG): a signal number 0..64; sig / 17 chooses the label.
 *  27. ioctl(FIONREAD) on an empty pipe: the bytes waiting, never negative; / 8 chooses
 *      the label.
 *  28. readlinkat("/proc/self/exe") into 16 bytes: at most 16; (16 - n) / 8 chooses the
 *      label.
 *  29. Step 7 with CLOCK_MONOTONIC_RAW, then with CLOCK_MONOTONIC_COARSE (neither goes
 *      back).
 *  30. With a SIGUSR2 handler that does nothing installed,
 *      clock_nanosleep(CLOCK_MONOTONIC, relative 1 s, &left) interrupted (-EINTR): the
 *      time left is never more than was asked; the whole seconds slept choose the label.
 *  31. A recursive lock keyed by thread id: the main thread takes it (owner = its
 *      gettid()), puts a copy of the secret in a scratch buffer, starts a worker thread
 *      and sleeps; then it leaves a public record in the buffer and releases the lock.
 *      The worker takes the lock (at once if the owner is its own gettid(), as a
 *      recursive lock does; otherwise it waits) and sends the record in the buffer.  A
 *      new thread's id is never its creator's: the worker waits and sends the public
 *      record.
 *  32. waitid(P_ALL, WEXITED) with one child: si_pid names that child; si_pid - child (0)
 *      chooses the label.
 *  33. Only with -t: a timerfd armed for 1 ms and read through readv(): the expirations
 *      are at least 1; count - 1 chooses the label.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r18.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
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
#define P_RLIMIT 900
#define P_PRLIMIT 902
#define P_SCHED_PARAM 904
#define P_SCHED_ATTR 906
#define P_UMASK 908
#define P_TIMES 910
#define P_PROC_CPU 912
#define P_THREAD_CPU 914
#define P_RES 916
#define P_PPOLL 918
#define P_PSELECT 920
#define P_EVENTFD_READV 922
#define P_TIMERFD_READV 924
#define P_SCHED_POLICY 926
#define P_SIGCHLD_PID 928   /* x2 the log buffer, x3 the child; + 1 after the write */
#define P_WAIT_ANY 930      /* x2 the log buffer, x3 the child; + 1 after the write */
#define P_SIGCHLD_AGAIN 932 /* as P_SIGCHLD_PID, after earlier children were reaped */
#define P_PARENT_SETTID 934 /* x2 the log buffer, x3 the tid word; + 1 after the write */
#define P_WAIT_STOPPED 936  /* x2 the shared page, x3 the worker; + 1 it holds the secret */
#define P_ALARM 938         /* x2 the log buffer; + 1 after the write */
#define P_LSEEK 940
#define P_WRITE_MORE 942
#define P_RR 944            /* x2 the log buffer, x3 the timespec */
#define P_ITIMER 946        /* x2 the log buffer, x3 the itimerval */
#define P_GETSID 948        /* x2 the log buffer; + 1 after the write */
#define P_GETFD 950
#define P_PDEATHSIG 952     /* x2 the log buffer, x3 the int */
#define P_FIONREAD 954      /* x2 the log buffer, x3 the int */
#define P_READLINK 956      /* x2 the log buffer, x3 the buffer */
#define P_RAW 958           /* as P_PROC_CPU, for CLOCK_MONOTONIC_RAW */
#define P_COARSE 960        /* as P_PROC_CPU, for CLOCK_MONOTONIC_COARSE */
#define P_CLOCK_NAP 962     /* x2 the log buffer, x3 the time left; + 1 after the write */
#define P_LOCK_HELD 964     /* x2 the scratch buffer, holding the secret's copy; + 1 released */
#define P_WAITID_ANY 966    /* x2 the log buffer, x3 the child; + 1 after the write */
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];

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

/* How far a soft limit may still be raised; an unlimited hard limit leaves plenty (3). */
static long headroom(uint64_t cur, uint64_t max)
{
    if (max == RLIM_INFINITY)
        return 3;
    return (long)(max - cur);
}

static void rlimit_step(void)
{
    struct { uint64_t cur, max; } lim = {0, 0};
    marker(P_RLIMIT, (long)logbuf, (long)&lim, 0, 0);
    if (sys6(163 /* SYS_getrlimit */, RLIMIT_NOFILE, (long)&lim, 0, 0, 0, 0) != 0)
        return;
    log_label(P_RLIMIT, headroom(lim.cur, lim.max));
}

static void prlimit_step(void)
{
    struct { uint64_t cur, max; } lim = {0, 0};
    marker(P_PRLIMIT, (long)logbuf, (long)&lim, 0, 0);
    if (sys6(SYS_prlimit64, 0, RLIMIT_STACK, 0, (long)&lim, 0, 0) != 0)
        return;
    log_label(P_PRLIMIT, headroom(lim.cur, lim.max));
}

static void sched_param_step(void)
{
    int prio = 0;
    marker(P_SCHED_PARAM, (long)logbuf, (long)&prio, 0, 0);
    if (sys6(SYS_sched_getparam, 0, (long)&prio, 0, 0, 0, 0) != 0)
        return;
    log_label(P_SCHED_PARAM, prio / 25);
}

struct sched_attr_v0 {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
};

static void sched_attr_step(void)
{
    struct sched_attr_v0 attr;
    memset(&attr, 0, sizeof attr);
    marker(P_SCHED_ATTR, (long)logbuf, (long)&attr, 0, 0);
    if (sys6(SYS_sched_getattr, 0, (long)&attr, sizeof attr, 0, 0, 0) != 0)
        return;
    log_label(P_SCHED_ATTR, (attr.nice + 20) / 10);
}

static void umask_step(void)
{
    marker(P_UMASK, (long)logbuf, 0, 0, 0);
    int old = (int)sys6(SYS_umask, 022, 0, 0, 0, 0, 0);
    log_label(P_UMASK, old / 0200);
}

static void times_step(void)
{
    struct tms t0, t1;
    memset(&t0, 0, sizeof t0);
    memset(&t1, 0, sizeof t1);
    sys6(SYS_times, (long)&t0, 0, 0, 0, 0, 0);
    marker(P_TIMES, (long)logbuf, (long)&t1, 0, 0);
    sys6(SYS_times, (long)&t1, 0, 0, 0, 0, 0);
    log_label(P_TIMES, (long)(t1.tms_utime - t0.tms_utime));
}

static long clock_secs(long clock)
{
    struct timespec ts = {0, 0};
    sys6(SYS_clock_gettime, clock, (long)&ts, 0, 0, 0, 0);
    return (long)ts.tv_sec;
}

static void cpu_clock_step(int phase, long clock)
{
    long t0 = clock_secs(clock);
    marker(phase, (long)logbuf, 0, 0, 0);
    long t1 = clock_secs(clock);
    log_label(phase, t1 - t0);
}

static void res_step(void)
{
    struct timespec res = {0, 0};
    marker(P_RES, (long)logbuf, (long)&res, 0, 0);
    if (sys6(SYS_clock_getres, CLOCK_MONOTONIC, (long)&res, 0, 0, 0, 0) != 0)
        return;
    log_label(P_RES, (long)res.tv_sec + (long)res.tv_nsec / 250000000L);
}

static void ppoll_step(void)
{
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    struct pollfd p = {fds[0], POLLIN, 0};
    struct timespec left = {1, 0};
    marker(P_PPOLL, (long)logbuf, (long)&left, 0, 0);
    if (sys6(SYS_ppoll, (long)&p, 1, (long)&left, 0, 8, 0) == 0)
        log_label(P_PPOLL, 1 - (long)left.tv_sec);
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
}

static void pselect_step(void)
{
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    uint64_t readset[16];
    memset(readset, 0, sizeof readset);
    readset[fds[0] / 64] |= 1UL << (fds[0] % 64);
    struct timespec left = {1, 0};
    marker(P_PSELECT, (long)logbuf, (long)&left, 0, 0);
    if (sys6(SYS_pselect6, fds[0] + 1, (long)readset, 0, 0, (long)&left, 0) == 0)
        log_label(P_PSELECT, 1 - (long)left.tv_sec);
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
}

static void eventfd_readv_step(void)
{
    long fd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    uint64_t one = 1, value = 0;
    if (fd < 0 || sys6(SYS_write, fd, (long)&one, 8, 0, 0, 0) != 8)
        return;
    struct iovec iov = {&value, 8};
    marker(P_EVENTFD_READV, (long)logbuf, (long)&value, 0, 0);
    if (sys6(SYS_readv, fd, (long)&iov, 1, 0, 0, 0) == 8)
        log_label(P_EVENTFD_READV, (long)value - 1);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void timerfd_readv_step(void)
{
    long fd = sys6(SYS_timerfd_create, CLOCK_MONOTONIC, 0, 0, 0, 0, 0);
    struct itimerspec when = {{0, 0}, {0, 1000000}};
    if (fd < 0 || sys6(SYS_timerfd_settime, fd, 0, (long)&when, 0, 0, 0) != 0)
        return;
    uint64_t count = 0;
    struct iovec iov = {&count, 8};
    marker(P_TIMERFD_READV, (long)logbuf, (long)&count, 0, 0);
    if (sys6(SYS_readv, fd, (long)&iov, 1, 0, 0, 0) == 8)
        log_label(P_TIMERFD_READV, (long)count - 1);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void sched_policy_step(void)
{
    marker(P_SCHED_POLICY, (long)logbuf, 0, 0, 0);
    long policy = sys6(SYS_sched_getscheduler, 0, 0, 0, 0, 0, 0);
    if (policy < 0)
        return;
    int p = (int)policy;
    if (p <= 3)
        log_label(P_SCHED_POLICY, p);
}

static volatile long sigchld_pid = -1;

static void on_sigchld(int signo, siginfo_t *si, void *uc)
{
    (void)signo;
    (void)uc;
    sigchld_pid = si->si_pid;
}

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};

static long fork_child(void)
{
    long child = sys6(SYS_clone, 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
    if (child == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return child;
}

static void sigchld_step(int phase)
{
    struct kernel_sigaction act = {(uint64_t)on_sigchld, 0x4 /* SA_SIGINFO */ | 0x10000000, 0, 0};
    sys6(SYS_rt_sigaction, SIGCHLD, (long)&act, 0, 8, 0, 0);
    uint64_t chld = 1UL << (SIGCHLD - 1);
    sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&chld, 0, 8, 0, 0);
    long child = fork_child();
    if (child <= 0)
        return;
    marker(phase, (long)logbuf, child, 0, 0);
    int status = 0;
    sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0);
    sys6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&chld, 0, 8, 0, 0);
    if (sigchld_pid >= 0)
        log_label(phase, sigchld_pid - child);
    sigchld_pid = -1;
    struct kernel_sigaction dfl = {0, 0, 0, 0};
    sys6(SYS_rt_sigaction, SIGCHLD, (long)&dfl, 0, 8, 0, 0);
}

static void wait_any_step(void)
{
    long child = fork_child();
    if (child <= 0)
        return;
    marker(P_WAIT_ANY, (long)logbuf, child, 0, 0);
    int status = 0;
    long r = sys6(SYS_wait4, -1, (long)&status, 0, 0, 0, 0);
    if (r >= 0)
        log_label(P_WAIT_ANY, r - child);
    if (r != child)
        sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0);
}

static void parent_settid_step(void)
{
    int32_t tid_word = 0;
    marker(P_PARENT_SETTID, (long)logbuf, (long)&tid_word, 0, 0);
    long child = sys6(SYS_clone, 0x00100000 /* CLONE_PARENT_SETTID */ | SIGCHLD, 0,
                      (long)&tid_word, 0, 0, 0);
    if (child == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    if (child < 0)
        return;
    log_label(P_PARENT_SETTID, (long)tid_word - child);
    int status = 0;
    sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0);
}

static void wait_worker_step(void)
{
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
    if (!valid(page))
        return;
    uint8_t *shared = (uint8_t *)page;
    memcpy(shared, "public report of the worker....", SECRET_LEN);
    long worker = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (worker == 0) {
        struct timespec nap = {0, 1000000};
        sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
        sys6(SYS_write, devnull, (long)shared, SECRET_LEN, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (worker < 0)
        return;
    marker(P_WAIT_STOPPED, page, worker, 0, 0);
    int status = 0;
    /* No WUNTRACED, no WCONTINUED: wait4 returns once the worker has ended. */
    if (sys6(SYS_wait4, worker, (long)&status, 0, 0, 0, 0) != worker)
        return;
    memcpy(shared, secret, SECRET_LEN);
    clear_vectors();
    marker(P_WAIT_STOPPED + 1, status, 0, 0, 0);
    struct timespec nap = {0, 5000000};
    sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    memset(shared, 0, SECRET_LEN);
    sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
}

static void alarm_step(void)
{
    sys6(SYS_setitimer, 0 /* ITIMER_REAL */, 0, 0, 0, 0, 0);
    struct { struct timeval interval, value; } three = {{0, 0}, {3, 0}}, off = {{0, 0}, {0, 0}};
    /* alarm(3) is setitimer(ITIMER_REAL, 3 s); alarm(0) reads back what is left. */
    sys6(SYS_setitimer, 0, (long)&three, 0, 0, 0, 0);
    struct { struct timeval interval, value; } old = {{0, 0}, {0, 0}};
    marker(P_ALARM, (long)logbuf, (long)&old, 0, 0);
    if (sys6(SYS_setitimer, 0, (long)&off, (long)&old, 0, 0, 0) != 0)
        return;
    log_label(P_ALARM, 3 - (long)old.value.tv_sec);
}

static void lseek_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)"r18", 0, 0, 0, 0, 0);
    if (fd < 0)
        return;
    sys6(SYS_write, fd, (long)"public bytes, nothing secret....", 32, 0, 0, 0);
    marker(P_LSEEK, (long)logbuf, 0, 0, 0);
    long pos = sys6(SYS_lseek, fd, 16, SEEK_SET, 0, 0, 0);
    if (pos >= 0)
        log_label(P_LSEEK, (pos - 16) / 8);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void write_more_step(void)
{
    marker(P_WRITE_MORE, (long)logbuf, 0, 0, 0);
    long n = sys6(SYS_write, devnull, (long)"public.", 8, 0, 0, 0);
    if (n >= 0)
        log_label(P_WRITE_MORE, 8 - n);
}

static void rr_step(void)
{
    struct timespec slice = {0, 0};
    marker(P_RR, (long)logbuf, (long)&slice, 0, 0);
    if (sys6(SYS_sched_rr_get_interval, 0, (long)&slice, 0, 0, 0, 0) != 0)
        return;
    log_label(P_RR, (long)slice.tv_sec);
}

static void itimer_step(void)
{
    struct { struct timeval interval, value; } three = {{0, 0}, {3, 0}}, off = {{0, 0}, {0, 0}};
    struct { struct timeval interval, value; } now = {{0, 0}, {0, 0}};
    if (sys6(SYS_setitimer, 0, (long)&three, 0, 0, 0, 0) != 0)
        return;
    marker(P_ITIMER, (long)logbuf, (long)&now, 0, 0);
    long r = sys6(SYS_getitimer, 0, (long)&now, 0, 0, 0, 0);
    sys6(SYS_setitimer, 0, (long)&off, 0, 0, 0, 0);
    if (r == 0)
        log_label(P_ITIMER, 3 - (long)now.value.tv_sec);
}

static void getsid_step(void)
{
    long pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    marker(P_GETSID, (long)logbuf, 0, 0, 0);
    long sid = (int)sys6(SYS_getsid, 0, 0, 0, 0, 0, 0);
    /* A session id is a positive process id, at most the caller's own when the caller
     * leads no newer session: sid % 4 chooses the label. */
    if (sid != -1 && pid > 0)
        log_label(P_GETSID, sid % 4);
}

static void getfd_step(void)
{
    marker(P_GETFD, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_fcntl, devnull, F_GETFD, 0, 0, 0, 0);
    /* F_GETFD returns the descriptor flags: FD_CLOEXEC (1) or 0. */
    if (r < 0)
        return;
    log_label(P_GETFD, (int)r);
}

static void pdeathsig_step(void)
{
    int sig = 0;
    marker(P_PDEATHSIG, (long)logbuf, (long)&sig, 0, 0);
    if (sys6(SYS_prctl, 2 /* PR_GET_PDEATHSIG */, (long)&sig, 0, 0, 0, 0) != 0)
        return;
    /* A signal number 0..64: sig / 17 chooses the label. */
    log_label(P_PDEATHSIG, sig / 17);
}

static void fionread_step(void)
{
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    int avail = 0;
    marker(P_FIONREAD, (long)logbuf, (long)&avail, 0, 0);
    if (sys6(SYS_ioctl, fds[0], 0x541B /* FIONREAD */, (long)&avail, 0, 0, 0) == 0)
        log_label(P_FIONREAD, avail / 8);
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
}

static void readlink_step(void)
{
    char link[16];
    marker(P_READLINK, (long)logbuf, (long)link, 0, 0);
    long n = sys6(SYS_readlinkat, AT_FDCWD, (long)"/proc/self/exe", (long)link, sizeof link,
                  0, 0);
    /* readlink fills at most the room given: 16 - n bytes of it were left over. */
    if (n >= 0)
        log_label(P_READLINK, (16 - n) / 8);
}

static void on_usr2_noop(int signo)
{
    (void)signo;
}

static void clock_nap_step(void)
{
    struct kernel_sigaction act = {(uint64_t)on_usr2_noop, 0x10000000 /* SA_RESTORER */, 0, 0};
    sys6(SYS_rt_sigaction, SIGUSR2, (long)&act, 0, 8, 0, 0);
    struct timespec ask = {1, 0}, left = {0, 0};
    marker(P_CLOCK_NAP, (long)logbuf, (long)&left, 0, 0);
    if (sys6(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&ask, (long)&left, 0, 0) == -4)
        log_label(P_CLOCK_NAP, (long)(ask.tv_sec - left.tv_sec));
}

/* A recursive lock keyed by thread id, as recursive mutexes are: the owner's id, 0 free. */
static volatile long lock_owner;
static uint8_t scratch[SECRET_LEN];
static volatile int worker_done;

static void *lock_worker(void *arg)
{
    (void)arg;
    long me = sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    struct timespec nap = {0, 1000000};
    if (lock_owner != me)
        while (!__sync_bool_compare_and_swap(&lock_owner, 0, me))
            sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    /* Inside: send the record the previous holder left in the scratch buffer. */
    sys6(SYS_write, devnull, (long)scratch, SECRET_LEN, 0, 0, 0);
    lock_owner = 0;
    worker_done = 1;
    return 0;
}

static void lock_step(void)
{
    long me = sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    lock_owner = me;
    memcpy(scratch, secret, SECRET_LEN);
    clear_vectors();
    pthread_t worker;
    if (pthread_create(&worker, 0, lock_worker, 0) != 0) {
        memset(scratch, 0, SECRET_LEN);
        lock_owner = 0;
        return;
    }
    marker(P_LOCK_HELD, (long)scratch, 0, 0, 0);
    struct timespec nap = {0, 5000000};
    sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    memcpy(scratch, "public record, nothing secret..", SECRET_LEN);
    lock_owner = 0;
    marker(P_LOCK_HELD + 1, 0, 0, 0, 0);
    /* Wait for the worker's flag, not its exit (no join: nothing here needs its end). */
    for (int i = 0; i < 1000 && !worker_done; i++)
        sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    pthread_detach(worker);
}

static void waitid_any_step(void)
{
    long child = fork_child();
    if (child <= 0)
        return;
    siginfo_t info;
    memset(&info, 0, sizeof info);
    marker(P_WAITID_ANY, (long)logbuf, child, 0, 0);
    if (sys6(SYS_waitid, P_ALL, 0, (long)&info, WEXITED, 0, 0) == 0 && info.si_pid != 0)
        log_label(P_WAITID_ANY, (long)info.si_pid - child);
}

int main(int argc, char **argv)
{
    int show_digest = 0, timerfd_too = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        timerfd_too |= strcmp(argv[i], "-t") == 0;
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
    clear_vectors();
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    rlimit_step();
    prlimit_step();
    sched_param_step();
    sched_attr_step();
    umask_step();
    times_step();
    cpu_clock_step(P_PROC_CPU, CLOCK_PROCESS_CPUTIME_ID);
    cpu_clock_step(P_THREAD_CPU, CLOCK_THREAD_CPUTIME_ID);
    res_step();
    ppoll_step();
    pselect_step();
    eventfd_readv_step();
    sched_policy_step();
    sigchld_step(P_SIGCHLD_PID);
    wait_any_step();
    sigchld_step(P_SIGCHLD_AGAIN);
    parent_settid_step();
    wait_worker_step();
    alarm_step();
    lseek_step();
    write_more_step();
    rr_step();
    itimer_step();
    getsid_step();
    getfd_step();
    pdeathsig_step();
    fionread_step();
    readlink_step();
    cpu_clock_step(P_RAW, CLOCK_MONOTONIC_RAW);
    cpu_clock_step(P_COARSE, CLOCK_MONOTONIC_COARSE);
    clock_nap_step();
    lock_step();
    waitid_any_step();
    if (timerfd_too)
        timerfd_readv_step();

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
