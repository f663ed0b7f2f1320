/* The attack target for what a program trusts about its descriptors, its process and its
 * identity: fcntl() answers, counters read through a copied descriptor, process ids and
 * credentials, prctl() answers, the auxiliary vector, directory entries, the working
 * directory, futex results and which child a pidfd wait reports.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret (32 bytes), four
 * public 8-byte labels, then a second copy of the secret (32 bytes).  Each step reads a
 * value Linux keeps within a range (or equal to another value the program holds), turns
 * it into a label's index the way that range allows, and writes that label to /dev/null
 * (8 bytes).  Under Linux's contract the index is always 0..3; a value outside it points
 * the write into one of the secret's copies (-4..-1: the first, 4..7: the second).  In
 * the order they run:
 *
 *   1. fcntl(F_GETFL) on /dev/null opened O_WRONLY: the access mode is the one it was
 *      opened with (F_SETFL cannot change it); mode - 1 chooses the label.
 *   2. fcntl(F_GETPIPE_SZ) on a new pipe: a pipe holds at least one page (4096);
 *      8192 / size chooses the label.
 *   3. fcntl(F_GETOWN) on that pipe, whose owner nobody set: 0; it chooses the label.
 *   4. fcntl(F_GETLK) for a write lock over a new memfd: l_type is F_RDLCK, F_WRLCK or
 *      F_UNLCK (0..2); it chooses the label.
 *   5. fcntl(F_GETSIG) on the pipe: 0 or a signal number (at most 64); / 17 chooses it.
 *   6. An EFD_SEMAPHORE eventfd written 3, read through a dup(): a semaphore read takes
 *      exactly 1; value - 1 chooses the label.
 *   7. A one-shot timerfd (no interval) armed for 1 ms, read through a dup3() copy: it
 *      expires once, so the count is 1; count - 1 chooses the label.
 *   8. An eventfd written 1, fetched again with pidfd_getfd() through a pidfd of the
 *      program itself and read through that: the counter is at least 1 (a zero counter
 *      blocks); value - 1 chooses the label.
 *   9. A timerfd armed for 3 s (one-shot) and timerfd_gettime(): the time left is never
 *      more than was set; 3 - whole seconds left chooses the label.
 *  10. getrusage(RUSAGE_SELF) twice: ru_utime never decreases; the whole seconds between
 *      choose the label, when under 4.
 *  11. sysinfo(): freeram never exceeds totalram; (total - free) * 3 / total chooses it.
 *  12. sched_getaffinity(): a thread may always run on some CPU, so the mask is never
 *      empty; the CPUs in it, less one, choose the label.
 *  13. chdir("/") then getcwd(): an absolute path ("/"), its length with the NUL at least
 *      2; length - 2 chooses the label.
 *  14. getdents64() of "/": d_type is a DT_* value (0..14); the first entry's / 4 chooses.
 *  15. prctl(PR_GET_DUMPABLE): 0, 1 or 2; it chooses the label.
 *  16. prctl(PR_SET_CHILD_SUBREAPER, 1), then PR_GET_CHILD_SUBREAPER: 0 or 1; it chooses.
 *  17. prctl(PR_SET_NO_NEW_PRIVS, 1), then PR_GET_NO_NEW_PRIVS: 0 or 1 (1 once set).
 *  18. prctl(PR_GET_AUXV): the vector the process started with; its AT_PAGESZ is the page
 *      size (4096): pagesz / 4096 - 1 chooses the label.
 *  19. getresuid() against getuid(): nothing changed the credentials between, so the real
 *      uid is the same; ruid - uid chooses the label.
 *  20. getgroups(16, list), then getgroups(0, NULL): the same list, so the same count;
 *      the second less the first chooses the label.
 *  21. setpgid(0, 0), then getpgid(0): the process leads its own group, so the group id
 *      is its pid; pgid - pid chooses the label.
 *  22. A fork child calls setsid(): the new session's id is the child's pid; sid - pid
 *      chooses the label (the child writes it, then exits).
 *  23. futex(FUTEX_WAKE_PRIVATE, 1) on a word nobody waits on: it wakes at most the 1 it
 *      was allowed; the count woken chooses the label.
 *  24. A priority-inheritance lock (the futex word holds its owner's tid): the main thread
 *      takes it, puts a copy of the secret in a scratch buffer, starts a worker and sleeps;
 *      then it leaves a public record in the buffer and releases the lock.  The worker
 *      takes the lock (at once if the word is free, else FUTEX_LOCK_PI, which returns 0
 *      once the caller owns the lock; where the kernel has no FUTEX_LOCK_PI it retries
 *      after a nap) and sends the record in the buffer.
 *  25. A shared anonymous page holding a public report; a fork worker that sleeps 20 ms,
 *      sends the page's first 32 bytes to /dev/null and exits, and a fork child that
 *      exits at once.  The parent waits for the worker with waitid(P_PIDFD, pidfd_open
 *      (worker), WEXITED): once it returns 0 the worker has ended, so the parent reuses
 *      the page for a copy of the secret (for a few milliseconds) and clears it.
 *  26. getauxval(AT_CLKTCK): Linux's clock tick is 100 Hz; 100 / ticks - 1 chooses it.
 *  27. getauxval(AT_UID) against getuid(): nothing changed the real uid since exec;
 *      uid - AT_UID chooses the label.
 *  28. SIGUSR1 blocked and sent to itself, a signalfd for it, fetched again with
 *      pidfd_getfd() and read through that: the record names a signal of the mask
 *      (SIGUSR1); ssi_signo - SIGUSR1 chooses the label.
 *  29. An epoll instance watching a readable eventfd with data 2, fetched again with
 *      pidfd_getfd() and waited on through that: an event carries the data registered;
 *      it chooses the label.
 *  30. Step 25 again with a worker that leads its own process group (setpgid by both
 *      sides, as a shell does) and wait4(-group): once it returns the group's only
 *      process has ended.
 *  31. umask(022), then umask(077): the old mask is the 022 just set; old - 022 chooses.
 *  32. A sealable memfd given F_SEAL_SHRINK | F_SEAL_GROW, then F_GET_SEALS: seals are
 *      never removed; 6 - (seals & 6) chooses the label.
 *  33. futex(FUTEX_CMP_REQUEUE_PRIVATE, wake 1, requeue 0) on a word nobody waits on: at
 *      most 1 + 0 are woken or moved; the count chooses the label.
 *  34. Two fork children that exit with codes 1 and 6; once both have ended (a nap),
 *      wait4(first): the status is the first child's, so code - 1 chooses the label.
 *  35. Two more such children, reaped with wait4(-1) twice: each report pairs a pid with
 *      that child's code; code - (the code that child exits with) chooses the label.
 *  36. argc: every program starts with argv[0] (Linux gives an empty string to an exec
 *      with no arguments); argc - 1 chooses the label.
 *  37. uname(): an arm64 kernel names the machine "aarch64" (or "aarch64_be"); the
 *      length of the name, less 7, chooses the label.
 *  38. An eventfd written 1 and read through an fcntl(F_DUPFD_CLOEXEC) copy: the counter
 *      is at least 1; value - 1 chooses the label.
 *  39. rt_sigprocmask(SIG_BLOCK, {SIGUSR2}, &old): the old mask is the one the program
 *      set ({SIGUSR1}); the signals in it, less one, choose the label.
 *  40. rt_sigpending(): only blocked signals are reported (SIGUSR1 at most); the number
 *      reported chooses the label.
 *  41. getsockopt(SO_TYPE) on a SOCK_STREAM socketpair: the type it was made with;
 *      type - 1 chooses the label.
 *  42. fstat() of a pipe: st_mode's type is S_IFIFO; (st_mode >> 12) - 1 chooses.
 *  43. fcntl(F_GETOWN_EX) on the pipe: type is F_OWNER_TID, F_OWNER_PID or F_OWNER_PGRP
 *      (0..2); it chooses the label.
 *  44. prctl(PR_SVE_GET_VL): where it succeeds the vector length is a multiple of 16
 *      bytes; 16 / length chooses the label (on a CPU without SVE it fails).
 *  45. The self-pipe trick: a byte naming an event (2) written into a pipe only the
 *      program holds, then read back: the byte read is the byte written; it chooses.
 *  46. getsockopt(SO_PEERCRED) on a socketpair it made: the peer is the program itself;
 *      peer pid - getpid() chooses the label.
 *  47. RLIMIT_NOFILE's soft limit set to 64 (a table of 64 descriptor slots), then
 *      fcntl(F_DUPFD, 60): a descriptor is always below the soft limit; fd - 60 chooses.
 *  48. An eventfd written 1, passed to itself over a socketpair with SCM_RIGHTS and read
 *      through the descriptor received: the counter is at least 1; value - 1 chooses.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r21.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
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
#define P_GETFL 2100
#define P_PIPE_SZ 2102
#define P_GETOWN 2104
#define P_GETLK 2106        /* x3 the struct flock */
#define P_GETSIG 2108
#define P_SEMAPHORE 2110    /* x3 the descriptor read, x4 the value */
#define P_ONESHOT 2112      /* x3 the descriptor read, x4 the count */
#define P_PIDFD_GETFD 2114  /* x3 the eventfd, x4 the value */
#define P_TFD_LEFT 2116     /* x3 the itimerspec */
#define P_RUSAGE 2118       /* x3 the second rusage */
#define P_SYSINFO 2120      /* x3 the struct sysinfo */
#define P_AFFINITY 2122     /* x3 the mask */
#define P_GETCWD 2124       /* x3 the buffer */
#define P_DENTS 2126        /* x3 the buffer */
#define P_DUMPABLE 2128
#define P_SUBREAPER 2130    /* x3 the int */
#define P_NO_NEW_PRIVS 2132
#define P_AUXV 2134         /* x3 the buffer */
#define P_RESUID 2136       /* x3 ruid, x4 euid, x5 suid */
#define P_GROUPS 2138       /* x3 the list */
#define P_PGID 2140
#define P_SETSID 2142       /* in the child */
#define P_FUTEX_WAKE 2144   /* x3 the word */
#define P_LOCK_PI 2146      /* x2 the scratch buffer (holding the secret), x3 the lock word;
                               + 1 once released */
#define P_PIDFD_WAIT 2148   /* x2 the shared page, x3 the worker, x4 the other child;
                               + 1 the page holds the secret */
#define P_CLKTCK 2150
#define P_AT_UID 2152
#define P_SIGFD_GETFD 2154  /* x3 the signalfd, x4 the record */
#define P_EPOLL_GETFD 2156  /* x3 the epoll descriptor, x4 the events */
#define P_PGRP_WAIT 2158    /* as P_PIDFD_WAIT */
#define P_UMASK_AGAIN 2160
#define P_SEALS 2162        /* x3 the memfd */
#define P_REQUEUE 2164      /* x3 the word */
#define P_WAIT_NAMED 2166   /* x3 the first child, x4 the second */
#define P_WAIT_PAIR 2168    /* x3 the first child, x4 the second (each report) */
#define P_ARGC 2170
#define P_UNAME 2172        /* x3 the utsname */
#define P_DUPFD_COUNTER 2174 /* x3 the copy, x4 the value */
#define P_OLDMASK 2176      /* x3 the old mask */
#define P_SIGPENDING 2178   /* x3 the set */
#define P_SO_TYPE 2180      /* x3 the int */
#define P_FSTAT_PIPE 2182   /* x3 the struct stat */
#define P_GETOWN_EX 2184    /* x3 the struct f_owner_ex */
#define P_SVE_VL 2186
#define P_SELF_PIPE 2188    /* x3 the byte */
#define P_PEERCRED 2190     /* x3 the struct ucred */
#define P_DUPFD_LIMIT 2192
#define P_SCM_COUNTER 2194  /* x3 the eventfd sent, x4 the value */
#include "secret_common.h"

#define FUTEX_WAKE_PRIVATE 129
#define FUTEX_LOCK_PI_PRIVATE 134
#define FUTEX_UNLOCK_PI_PRIVATE 135
#define FUTEX_CMP_REQUEUE_PRIVATE 132
#define P_PIDFD 3
#ifndef AT_CLKTCK
#define AT_CLKTCK 17
#endif

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, the labels (label i at logbuf + 32 + 8 * i), a second copy. */
static uint8_t logbuf[SECRET_LEN + 32 + SECRET_LEN];

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
    sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

static void closefd(long fd)
{
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* --- fcntl ------------------------------------------------------------------------------ */

static void getfl_step(void)
{
    marker(P_GETFL, (long)logbuf, 0, 0, 0);
    long fl = sys6(SYS_fcntl, devnull, F_GETFL, 0, 0, 0, 0);
    if (fl >= 0)
        log_label(P_GETFL, (fl & O_ACCMODE) - 1);
}

static void pipe_steps(void)
{
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    marker(P_PIPE_SZ, (long)logbuf, 0, 0, 0);
    long size = sys6(SYS_fcntl, fds[0], F_GETPIPE_SZ, 0, 0, 0, 0);
    if (size > 0)
        log_label(P_PIPE_SZ, 8192 / size);
    marker(P_GETOWN, (long)logbuf, 0, 0, 0);
    long owner = sys6(SYS_fcntl, fds[0], F_GETOWN, 0, 0, 0, 0);
    if (owner >= 0)
        log_label(P_GETOWN, owner);
    marker(P_GETSIG, (long)logbuf, 0, 0, 0);
    long sig = sys6(SYS_fcntl, fds[0], F_GETSIG, 0, 0, 0, 0);
    if (sig >= 0)
        log_label(P_GETSIG, sig / 17);
    closefd(fds[0]);
    closefd(fds[1]);
}

static void getlk_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)"r21-lock", 0, 0, 0, 0, 0);
    if (fd < 0)
        return;
    struct flock lk;
    memset(&lk, 0, sizeof lk);
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    marker(P_GETLK, (long)logbuf, (long)&lk, 0, 0);
    if (sys6(SYS_fcntl, fd, F_GETLK, (long)&lk, 0, 0, 0) == 0)
        log_label(P_GETLK, lk.l_type);
    closefd(fd);
}

/* --- counters through copied descriptors ----------------------------------------------- */

static void semaphore_step(void)
{
    long fd = sys6(SYS_eventfd2, 0, 1 /* EFD_SEMAPHORE */, 0, 0, 0, 0);
    uint64_t three = 3, value = 0;
    if (fd < 0 || sys6(SYS_write, fd, (long)&three, 8, 0, 0, 0) != 8) {
        closefd(fd);
        return;
    }
    long copy = sys6(SYS_dup, fd, 0, 0, 0, 0, 0);
    marker(P_SEMAPHORE, (long)logbuf, copy, (long)&value, 0);
    if (copy >= 0 && sys6(SYS_read, copy, (long)&value, 8, 0, 0, 0) == 8)
        log_label(P_SEMAPHORE, (long)value - 1);
    closefd(copy);
    closefd(fd);
}

static void oneshot_step(void)
{
    long fd = sys6(SYS_timerfd_create, CLOCK_MONOTONIC, 0, 0, 0, 0, 0);
    struct itimerspec when = {{0, 0}, {0, 1000000}};
    if (fd < 0 || sys6(SYS_timerfd_settime, fd, 0, (long)&when, 0, 0, 0) != 0) {
        closefd(fd);
        return;
    }
    long copy = sys6(SYS_dup3, fd, 60, 0, 0, 0, 0);
    uint64_t count = 0;
    marker(P_ONESHOT, (long)logbuf, copy, (long)&count, 0);
    if (copy >= 0 && sys6(SYS_read, copy, (long)&count, 8, 0, 0, 0) == 8)
        log_label(P_ONESHOT, (long)count - 1);
    closefd(copy);
    closefd(fd);
}

static void pidfd_getfd_step(void)
{
    long fd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    uint64_t one = 1, value = 0;
    if (fd < 0 || sys6(SYS_write, fd, (long)&one, 8, 0, 0, 0) != 8) {
        closefd(fd);
        return;
    }
    long self = sys6(SYS_pidfd_open, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), 0, 0, 0, 0, 0);
    marker(P_PIDFD_GETFD, (long)logbuf, fd, (long)&value, 0);
    long copy = self >= 0 ? sys6(SYS_pidfd_getfd, self, fd, 0, 0, 0, 0) : -1;
    if (copy >= 0 && sys6(SYS_read, copy, (long)&value, 8, 0, 0, 0) == 8)
        log_label(P_PIDFD_GETFD, (long)value - 1);
    closefd(copy);
    closefd(self);
    closefd(fd);
}

static void timerfd_left_step(void)
{
    long fd = sys6(SYS_timerfd_create, CLOCK_MONOTONIC, 0, 0, 0, 0, 0);
    struct itimerspec when = {{0, 0}, {3, 0}}, left;
    memset(&left, 0, sizeof left);
    if (fd < 0 || sys6(SYS_timerfd_settime, fd, 0, (long)&when, 0, 0, 0) != 0) {
        closefd(fd);
        return;
    }
    marker(P_TFD_LEFT, (long)logbuf, (long)&left, 0, 0);
    if (sys6(SYS_timerfd_gettime, fd, (long)&left, 0, 0, 0, 0) == 0)
        log_label(P_TFD_LEFT, 3 - (long)left.it_value.tv_sec);
    closefd(fd);
}

/* --- the process's accounting and view of the machine --------------------------------- */

static void rusage_step(void)
{
    struct rusage r0, r1;
    memset(&r0, 0, sizeof r0);
    memset(&r1, 0, sizeof r1);
    sys6(SYS_getrusage, RUSAGE_SELF, (long)&r0, 0, 0, 0, 0);
    marker(P_RUSAGE, (long)logbuf, (long)&r1, 0, 0);
    if (sys6(SYS_getrusage, RUSAGE_SELF, (long)&r1, 0, 0, 0, 0) != 0)
        return;
    long d = (long)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec);
    if (d < 4)
        log_label(P_RUSAGE, d);
}

static void sysinfo_step(void)
{
    struct sysinfo si;
    memset(&si, 0, sizeof si);
    marker(P_SYSINFO, (long)logbuf, (long)&si, 0, 0);
    if (sys6(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0) != 0 || si.totalram == 0)
        return;
    long total = (long)si.totalram, used = total - (long)si.freeram;
    log_label(P_SYSINFO, used * 3 / total);
}

static void affinity_step(void)
{
    uint64_t mask[2] = {0, 0};
    marker(P_AFFINITY, (long)logbuf, (long)mask, 0, 0);
    if (sys6(SYS_sched_getaffinity, 0, sizeof mask, (long)mask, 0, 0, 0) <= 0)
        return;
    log_label(P_AFFINITY, __builtin_popcountl(mask[0]) + __builtin_popcountl(mask[1]) - 1);
}

static void getcwd_step(void)
{
    char cwd[64];
    if (sys6(SYS_chdir, (long)"/", 0, 0, 0, 0, 0) != 0)
        return;
    marker(P_GETCWD, (long)logbuf, (long)cwd, 0, 0);
    long n = sys6(SYS_getcwd, (long)cwd, sizeof cwd, 0, 0, 0, 0);
    if (n > 0)
        log_label(P_GETCWD, n - 2);
}

static void dents_step(void)
{
    uint64_t buf[128];
    long fd = sys6(SYS_openat, AT_FDCWD, (long)"/", O_RDONLY | O_DIRECTORY, 0, 0, 0);
    if (fd < 0)
        return;
    marker(P_DENTS, (long)logbuf, (long)buf, 0, 0);
    long n = sys6(SYS_getdents64, fd, (long)buf, sizeof buf, 0, 0, 0);
    if (n > 0)
        log_label(P_DENTS, ((const uint8_t *)buf)[18] / 4);     /* the first d_type */
    closefd(fd);
}

/* --- prctl ------------------------------------------------------------------------------ */

static void prctl_steps(void)
{
    marker(P_DUMPABLE, (long)logbuf, 0, 0, 0);
    long dumpable = sys6(SYS_prctl, 3 /* PR_GET_DUMPABLE */, 0, 0, 0, 0, 0);
    if (dumpable >= 0)
        log_label(P_DUMPABLE, dumpable);

    int reaper = 0;
    sys6(SYS_prctl, 36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0, 0);
    marker(P_SUBREAPER, (long)logbuf, (long)&reaper, 0, 0);
    if (sys6(SYS_prctl, 37 /* PR_GET_CHILD_SUBREAPER */, (long)&reaper, 0, 0, 0, 0) == 0)
        log_label(P_SUBREAPER, reaper);

    sys6(SYS_prctl, 38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0, 0);
    marker(P_NO_NEW_PRIVS, (long)logbuf, 0, 0, 0);
    long nnp = sys6(SYS_prctl, 39 /* PR_GET_NO_NEW_PRIVS */, 0, 0, 0, 0, 0);
    if (nnp >= 0)
        log_label(P_NO_NEW_PRIVS, nnp);

    uint64_t auxv[64];
    memset(auxv, 0, sizeof auxv);
    marker(P_AUXV, (long)logbuf, (long)auxv, 0, 0);
    long n = sys6(SYS_prctl, 0x41555856 /* PR_GET_AUXV */, (long)auxv, sizeof auxv, 0, 0, 0);
    if (n <= 0)
        return;
    for (int i = 0; i + 1 < 64 && auxv[i]; i += 2)
        if (auxv[i] == AT_PAGESZ) {
            log_label(P_AUXV, (long)(auxv[i + 1] / 4096) - 1);
            break;
        }
}

/* --- identity ------------------------------------------------------------------------- */

static void identity_steps(void)
{
    uint32_t ruid = 0, euid = 0, suid = 0;
    marker(P_RESUID, (long)logbuf, (long)&ruid, (long)&euid, (long)&suid);
    if (sys6(SYS_getresuid, (long)&ruid, (long)&euid, (long)&suid, 0, 0, 0) == 0)
        log_label(P_RESUID, (long)(int32_t)ruid - (long)(int32_t)sys6(SYS_getuid, 0, 0, 0, 0, 0, 0));

    uint32_t groups[16];
    memset(groups, 0, sizeof groups);
    marker(P_GROUPS, (long)logbuf, (long)groups, 0, 0);
    long listed = sys6(SYS_getgroups, 16, (long)groups, 0, 0, 0, 0);
    long count = sys6(SYS_getgroups, 0, 0, 0, 0, 0, 0);
    if (listed >= 0 && count >= 0)
        log_label(P_GROUPS, count - listed);

    if (sys6(SYS_setpgid, 0, 0, 0, 0, 0, 0) == 0) {
        long pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
        marker(P_PGID, (long)logbuf, 0, 0, 0);
        long pgid = sys6(SYS_getpgid, 0, 0, 0, 0, 0, 0);
        if (pgid >= 0)
            log_label(P_PGID, pgid - pid);
    }

    long child = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (child == 0) {
        long pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
        marker(P_SETSID, (long)logbuf, 0, 0, 0);
        long sid = sys6(SYS_setsid, 0, 0, 0, 0, 0, 0);
        if (sid >= 0)
            log_label(P_SETSID, sid - pid);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (child > 0) {
        int status = 0;
        sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0);
    }

    marker(P_CLKTCK, (long)logbuf, 0, 0, 0);
    unsigned long ticks = getauxval(AT_CLKTCK);
    if (ticks)
        log_label(P_CLKTCK, (long)(100 / ticks) - 1);
    marker(P_AT_UID, (long)logbuf, 0, 0, 0);
    log_label(P_AT_UID, (long)(int32_t)sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) -
                            (long)(int32_t)getauxval(AT_UID));
}

/* --- futexes -------------------------------------------------------------------------- */

static void futex_wake_step(void)
{
    static uint32_t word;
    marker(P_FUTEX_WAKE, (long)logbuf, (long)&word, 0, 0);
    long woken = sys6(SYS_futex, (long)&word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
    if (woken >= 0)
        log_label(P_FUTEX_WAKE, woken);
}

/* A PI lock as glibc's PTHREAD_PRIO_INHERIT mutex keeps it: the owner's tid, 0 free. */
static volatile uint32_t pi_word;
static uint8_t scratch[SECRET_LEN];
static volatile int worker_done;

static void pi_lock(uint32_t me)
{
    struct timespec nap = {0, 1000000};
    for (int i = 0; i < 2000; i++) {
        if (__sync_bool_compare_and_swap(&pi_word, 0, me))
            return;
        /* FUTEX_LOCK_PI returns 0 once the caller owns the lock. */
        if (sys6(SYS_futex, (long)&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, 0, 0, 0) == 0)
            return;
        sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    }
}

static void pi_unlock(uint32_t me)
{
    if (!__sync_bool_compare_and_swap(&pi_word, me, 0) &&
        sys6(SYS_futex, (long)&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0, 0) != 0)
        pi_word = 0;
}

static void *pi_worker(void *arg)
{
    (void)arg;
    uint32_t me = (uint32_t)sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    pi_lock(me);
    /* Inside: send the record the previous holder left in the scratch buffer. */
    sys6(SYS_write, devnull, (long)scratch, SECRET_LEN, 0, 0, 0);
    pi_unlock(me);
    worker_done = 1;
    return 0;
}

static void pi_lock_step(void)
{
    uint32_t me = (uint32_t)sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    pi_lock(me);
    memcpy(scratch, secret, SECRET_LEN);
    clear_vectors();
    pthread_t worker;
    if (pthread_create(&worker, 0, pi_worker, 0) != 0) {
        memset(scratch, 0, SECRET_LEN);
        pi_unlock(me);
        return;
    }
    marker(P_LOCK_PI, (long)scratch, (long)&pi_word, 0, 0);
    struct timespec nap = {0, 5000000};
    sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    memcpy(scratch, "public record, nothing secret..", SECRET_LEN);
    pi_unlock(me);
    marker(P_LOCK_PI + 1, 0, 0, 0, 0);
    struct timespec wait = {0, 1000000};
    for (int i = 0; i < 1000 && !worker_done; i++)
        sys6(SYS_nanosleep, (long)&wait, 0, 0, 0, 0, 0);
    pthread_detach(worker);
}

/* --- which child a pidfd wait reports ------------------------------------------------- */

static void pidfd_wait_step(void)
{
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
    if (!valid(page))
        return;
    uint8_t *shared = (uint8_t *)page;
    memcpy(shared, "public report, nothing secret..", SECRET_LEN);
    long worker = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (worker == 0) {
        struct timespec nap = {0, 20000000};
        sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
        sys6(SYS_write, devnull, (long)shared, SECRET_LEN, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (worker < 0)
        return;
    long other = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (other == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    long pidfd = sys6(SYS_pidfd_open, worker, 0, 0, 0, 0, 0);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    marker(P_PIDFD_WAIT, page, worker, other, 0);
    if (pidfd >= 0 && sys6(SYS_waitid, P_PIDFD, pidfd, (long)&info, WEXITED, 0, 0) == 0) {
        /* The worker has ended: the page is the program's alone again. */
        memcpy(shared, secret, SECRET_LEN);
        marker(P_PIDFD_WAIT + 1, page, 0, 0, 0);
        struct timespec nap = {0, 40000000};
        sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
        memset(shared, 0, SECRET_LEN);
    }
    int status = 0;
    sys6(SYS_wait4, worker, (long)&status, 0, 0, 0, 0);
    if (other > 0)
        sys6(SYS_wait4, other, (long)&status, 0, 0, 0, 0);
    closefd(pidfd);
    sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
}

/* --- descriptors fetched with pidfd_getfd() ------------------------------------------ */

static long fetch_own(long fd)
{
    long self = sys6(SYS_pidfd_open, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), 0, 0, 0, 0, 0);
    long copy = self >= 0 ? sys6(SYS_pidfd_getfd, self, fd, 0, 0, 0, 0) : -1;
    closefd(self);
    return copy;
}

static void signalfd_getfd_step(void)
{
    uint64_t usr1 = 1UL << (SIGUSR1 - 1);
    /* SIGUSR1 stays blocked from here on: a copy nobody takes never runs its default. */
    sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&usr1, 0, 8, 0, 0);
    long fd = sys6(SYS_signalfd4, -1, (long)&usr1, 8, SFD_NONBLOCK, 0, 0);
    if (fd < 0)
        return;
    sys6(SYS_kill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), SIGUSR1, 0, 0, 0, 0);
    struct signalfd_siginfo info;
    memset(&info, 0, sizeof info);
    marker(P_SIGFD_GETFD, (long)logbuf, fd, (long)&info, 0);
    long copy = fetch_own(fd);
    if (copy >= 0 && sys6(SYS_read, copy, (long)&info, sizeof info, 0, 0, 0) == sizeof info)
        log_label(P_SIGFD_GETFD, (long)info.ssi_signo - SIGUSR1);
    else
        sys6(SYS_read, fd, (long)&info, sizeof info, 0, 0, 0);
    closefd(copy);
    closefd(fd);
}

static void epoll_getfd_step(void)
{
    long efd = sys6(SYS_eventfd2, 1, 0, 0, 0, 0, 0);
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    struct epoll_event ev = {EPOLLIN, {.u64 = 2}};
    struct epoll_event got[4];
    memset(got, 0, sizeof got);
    if (efd >= 0 && ep >= 0 && sys6(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, efd, (long)&ev, 0, 0) == 0) {
        marker(P_EPOLL_GETFD, (long)logbuf, ep, (long)got, 0);
        long copy = fetch_own(ep);
        if (copy >= 0 && sys6(SYS_epoll_pwait, copy, (long)got, 4, 0, 0, 8) == 1)
            log_label(P_EPOLL_GETFD, (long)got[0].data.u64);
        closefd(copy);
    }
    closefd(ep);
    closefd(efd);
}

/* --- a wait for a process group ------------------------------------------------------- */

static void pgrp_wait_step(void)
{
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
    if (!valid(page))
        return;
    uint8_t *shared = (uint8_t *)page;
    memcpy(shared, "public report, nothing secret..", SECRET_LEN);
    long worker = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (worker == 0) {
        sys6(SYS_setpgid, 0, 0, 0, 0, 0, 0);
        struct timespec nap = {0, 20000000};
        sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
        sys6(SYS_write, devnull, (long)shared, SECRET_LEN, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (worker < 0)
        return;
    sys6(SYS_setpgid, worker, worker, 0, 0, 0, 0);
    long other = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (other == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    int status = 0;
    marker(P_PGRP_WAIT, page, worker, other, 0);
    if (sys6(SYS_wait4, -worker, (long)&status, 0, 0, 0, 0) > 0) {
        /* The group's one process has ended: the page is the program's alone again. */
        memcpy(shared, secret, SECRET_LEN);
        marker(P_PGRP_WAIT + 1, page, 0, 0, 0);
        struct timespec nap = {0, 40000000};
        sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
        memset(shared, 0, SECRET_LEN);
    }
    sys6(SYS_wait4, worker, (long)&status, 0, 0, 0, 0);
    if (other > 0)
        sys6(SYS_wait4, other, (long)&status, 0, 0, 0, 0);
    sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
}

/* --- what the process set itself ------------------------------------------------------ */

static void umask_again_step(void)
{
    sys6(SYS_umask, 022, 0, 0, 0, 0, 0);
    marker(P_UMASK_AGAIN, (long)logbuf, 0, 0, 0);
    long old = sys6(SYS_umask, 077, 0, 0, 0, 0, 0);
    log_label(P_UMASK_AGAIN, old - 022);
    sys6(SYS_umask, 022, 0, 0, 0, 0, 0);
}

static void seals_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)"r21-seals", 2 /* MFD_ALLOW_SEALING */, 0, 0, 0, 0);
    if (fd < 0)
        return;
    marker(P_SEALS, (long)logbuf, fd, 0, 0);
    if (sys6(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW, 0, 0, 0) == 0) {
        long seals = sys6(SYS_fcntl, fd, F_GET_SEALS, 0, 0, 0, 0);
        if (seals >= 0)
            log_label(P_SEALS, 6 - (seals & 6));
    }
    closefd(fd);
}

static void requeue_step(void)
{
    static uint32_t word, other;
    marker(P_REQUEUE, (long)logbuf, (long)&word, 0, 0);
    long moved = sys6(SYS_futex, (long)&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 0, (long)&other, 0);
    if (moved >= 0)
        log_label(P_REQUEUE, moved);
}

/* --- which report pairs with which child ---------------------------------------------- */

static long child_exiting(int code)
{
    long child = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (child == 0)
        sys6(SYS_exit, code, 0, 0, 0, 0, 0);
    return child;
}

static void wait_named_step(void)
{
    long first = child_exiting(1), second = child_exiting(6);
    if (first <= 0 || second <= 0)
        return;
    struct timespec nap = {0, 10000000};
    sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    int status = 0;
    marker(P_WAIT_NAMED, (long)logbuf, first, second, 0);
    if (sys6(SYS_wait4, first, (long)&status, 0, 0, 0, 0) > 0 && WIFEXITED(status))
        log_label(P_WAIT_NAMED, WEXITSTATUS(status) - 1);
    sys6(SYS_wait4, second, (long)&status, 0, 0, 0, 0);
}

static void wait_pair_step(void)
{
    long first = child_exiting(1), second = child_exiting(6);
    if (first <= 0 || second <= 0)
        return;
    struct timespec nap = {0, 10000000};
    sys6(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
    for (int i = 0; i < 2; i++) {
        int status = 0;
        marker(P_WAIT_PAIR, (long)logbuf, first, second, 0);
        long pid = sys6(SYS_wait4, -1, (long)&status, 0, 0, 0, 0);
        if (pid <= 0 || !WIFEXITED(status))
            continue;
        log_label(P_WAIT_PAIR, WEXITSTATUS(status) - (pid == first ? 1 : 6));
    }
}

/* --- what the program was started with and runs on ------------------------------------ */

static void argc_step(int argc)
{
    marker(P_ARGC, (long)logbuf, argc, 0, 0);
    log_label(P_ARGC, argc - 1);
}

static void uname_step(void)
{
    struct utsname u;
    memset(&u, 0, sizeof u);
    marker(P_UNAME, (long)logbuf, (long)&u, 0, 0);
    if (sys6(SYS_uname, (long)&u, 0, 0, 0, 0, 0) == 0)
        log_label(P_UNAME, (long)strlen(u.machine) - 7);
}

static void dupfd_counter_step(void)
{
    long fd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    uint64_t one = 1, value = 0;
    if (fd < 0 || sys6(SYS_write, fd, (long)&one, 8, 0, 0, 0) != 8) {
        closefd(fd);
        return;
    }
    long copy = sys6(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 10, 0, 0, 0);
    marker(P_DUPFD_COUNTER, (long)logbuf, copy, (long)&value, 0);
    if (copy >= 0 && sys6(SYS_read, copy, (long)&value, 8, 0, 0, 0) == 8)
        log_label(P_DUPFD_COUNTER, (long)value - 1);
    closefd(copy);
    closefd(fd);
}

/* --- signal masks, sockets and file types -------------------------------------------- */

static void oldmask_step(void)
{
    uint64_t usr2 = 1UL << (SIGUSR2 - 1), old = 0;
    marker(P_OLDMASK, (long)logbuf, (long)&old, 0, 0);
    if (sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&usr2, (long)&old, 8, 0, 0) != 0)
        return;
    log_label(P_OLDMASK, __builtin_popcountl(old) - 1);
    sys6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&usr2, 0, 8, 0, 0);
}

static void sigpending_step(void)
{
    uint64_t set = 0;
    marker(P_SIGPENDING, (long)logbuf, (long)&set, 0, 0);
    if (sys6(SYS_rt_sigpending, (long)&set, 8, 0, 0, 0, 0) == 0)
        log_label(P_SIGPENDING, __builtin_popcountl(set));
}

static void so_type_step(void)
{
    int sv[2];
    if (sys6(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sv, 0, 0) != 0)
        return;
    int type = 0;
    socklen_t len = sizeof type;
    marker(P_SO_TYPE, (long)logbuf, (long)&type, 0, 0);
    if (sys6(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, (long)&type, (long)&len, 0) == 0)
        log_label(P_SO_TYPE, type - 1);
    closefd(sv[0]);
    closefd(sv[1]);
}

static void pipe_kind_steps(void)
{
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    struct stat st;
    memset(&st, 0, sizeof st);
    marker(P_FSTAT_PIPE, (long)logbuf, (long)&st, 0, 0);
    if (sys6(SYS_fstat, fds[0], (long)&st, 0, 0, 0, 0) == 0)
        log_label(P_FSTAT_PIPE, (long)(st.st_mode >> 12) - 1);
    struct f_owner_ex ex = {0, 0};
    marker(P_GETOWN_EX, (long)logbuf, (long)&ex, 0, 0);
    if (sys6(SYS_fcntl, fds[0], F_GETOWN_EX, (long)&ex, 0, 0, 0) == 0)
        log_label(P_GETOWN_EX, ex.type);
    closefd(fds[0]);
    closefd(fds[1]);
}

static void sve_step(void)
{
    marker(P_SVE_VL, (long)logbuf, 0, 0, 0);
    long vl = sys6(SYS_prctl, 51 /* PR_SVE_GET_VL */, 0, 0, 0, 0, 0);
    if (vl >= 0 && (vl & 0xffff))
        log_label(P_SVE_VL, 16 / (vl & 0xffff));
}

/* --- a pipe to itself, a socket's peer and the descriptor limit ---------------------- */

static void self_pipe_step(void)
{
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, O_CLOEXEC, 0, 0, 0, 0) != 0)
        return;
    uint8_t event = 2, got = 0;
    if (sys6(SYS_write, fds[1], (long)&event, 1, 0, 0, 0) == 1) {
        marker(P_SELF_PIPE, (long)logbuf, (long)&got, 0, 0);
        if (sys6(SYS_read, fds[0], (long)&got, 1, 0, 0, 0) == 1)
            log_label(P_SELF_PIPE, got);
    }
    closefd(fds[0]);
    closefd(fds[1]);
}

static void peercred_step(void)
{
    int sv[2];
    if (sys6(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sv, 0, 0) != 0)
        return;
    struct ucred cred = {0, 0, 0};
    socklen_t len = sizeof cred;
    long pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    marker(P_PEERCRED, (long)logbuf, (long)&cred, 0, 0);
    if (sys6(SYS_getsockopt, sv[0], SOL_SOCKET, SO_PEERCRED, (long)&cred, (long)&len, 0) == 0)
        log_label(P_PEERCRED, cred.pid - pid);
    closefd(sv[0]);
    closefd(sv[1]);
}

static void dupfd_limit_step(void)
{
    struct { uint64_t cur, max; } lim = {0, 0}, low;
    if (sys6(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&lim, 0, 0) != 0 || lim.max < 64)
        return;
    low.cur = 64;
    low.max = lim.max;
    if (sys6(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&low, 0, 0, 0) != 0)
        return;
    marker(P_DUPFD_LIMIT, (long)logbuf, 0, 0, 0);
    long fd = sys6(SYS_fcntl, devnull, F_DUPFD, 60, 0, 0, 0);
    if (fd >= 0)
        log_label(P_DUPFD_LIMIT, fd - 60);
    closefd(fd);
    sys6(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&lim, 0, 0, 0);
}

static void scm_counter_step(void)
{
    int sv[2];
    if (sys6(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sv, 0, 0) != 0)
        return;
    long fd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    uint64_t one = 1, value = 0;
    if (fd >= 0 && sys6(SYS_write, fd, (long)&one, 8, 0, 0, 0) == 8) {
        char byte = 'e';
        struct iovec iov = {&byte, 1};
        union { struct cmsghdr h; char room[CMSG_SPACE(sizeof(int))]; } ctl;
        memset(&ctl, 0, sizeof ctl);
        struct msghdr msg = {0, 0, &iov, 1, ctl.room, sizeof ctl.room, 0};
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &(int){(int)fd}, sizeof(int));
        marker(P_SCM_COUNTER, (long)logbuf, fd, (long)&value, 0);
        if (sys6(SYS_sendmsg, sv[0], (long)&msg, 0, 0, 0, 0) == 1) {
            memset(&ctl, 0, sizeof ctl);
            struct msghdr in = {0, 0, &iov, 1, ctl.room, sizeof ctl.room, 0};
            long got = -1;
            if (sys6(SYS_recvmsg, sv[1], (long)&in, 0, 0, 0, 0) == 1) {
                struct cmsghdr *r = CMSG_FIRSTHDR(&in);
                if (r && r->cmsg_type == SCM_RIGHTS) {
                    int rfd;
                    memcpy(&rfd, CMSG_DATA(r), sizeof rfd);
                    got = rfd;
                }
            }
            if (got >= 0 && sys6(SYS_read, got, (long)&value, 8, 0, 0, 0) == 8)
                log_label(P_SCM_COUNTER, (long)value - 1);
            closefd(got);
        }
    }
    closefd(fd);
    closefd(sv[0]);
    closefd(sv[1]);
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
    memcpy(logbuf + SECRET_LEN + 32, secret, SECRET_LEN);
    clear_vectors();
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    argc_step(argc);
    getfl_step();
    pipe_steps();
    getlk_step();
    semaphore_step();
    oneshot_step();
    pidfd_getfd_step();
    timerfd_left_step();
    rusage_step();
    sysinfo_step();
    affinity_step();
    getcwd_step();
    dents_step();
    prctl_steps();
    identity_steps();
    futex_wake_step();
    pi_lock_step();
    pidfd_wait_step();
    signalfd_getfd_step();
    epoll_getfd_step();
    pgrp_wait_step();
    umask_again_step();
    seals_step();
    requeue_step();
    wait_named_step();
    wait_pair_step();
    uname_step();
    dupfd_counter_step();
    oldmask_step();
    sigpending_step();
    so_type_step();
    pipe_kind_steps();
    sve_step();
    self_pipe_step();
    peercred_step();
    dupfd_limit_step();
    scm_counter_step();

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
