/* The attack target of red-team round 87b: a MAP_PRIVATE view of a memfd only the
 * program holds (3 pages of 'x', secret_mm_kit.h's view_x()) whose page 2 is read (a
 * clean page: the file's page cache folio under Linux), then one call whose output at
 * page 2 (sized by a register or fixed by the call) Linux never stores for these
 * registers, then pwrite64() of 'y' changes the file (page 2 reads 'y' under Linux):
 *   a: get_robust_list(0x3fffffff, page 2, wbuf): -ESRCH (no such pid: find_task_by_vpid()).
 *   b: prlimit64(0x3fffffff, RLIMIT_NOFILE, NULL, page 2): -ESRCH.
 *   c: sched_getattr(0, page 2, 16, 0): -EINVAL (usize < SCHED_ATTR_SIZE_VER0).
 *   e: clock_getres(16, page 2): -EINVAL (clockid_to_kclock()).
 *   f: timer_gettime(0x7fffffff, page 2): -EINVAL (lock_timer(): no such timer).
 *   g: io_getevents(0, 1, 1, page 2, NULL): -EINVAL (lookup_ioctx()).
 *   h: getrusage(5, page 2): -EINVAL (who).
 *   i: fstatfs(999, page 2): -EBADF (fdget()).
 *   j: sched_getaffinity(0, 4, page 2): -EINVAL (len not a multiple of 8).
 *   k: rt_sigpending(page 2, 16): -EINVAL (sigsetsize).
 *   l: rt_sigprocmask(SIG_BLOCK, NULL, page 2, 16): -EINVAL (sigsetsize).
 *   m: rt_sigaction(65, NULL, page 2, 8): -EINVAL (do_sigaction(): !valid_signal()).
 *   n: getgroups(-1, page 2): -EINVAL (gidsetsize < 0).
 *   o: pipe2(page 2, 1): -EINVAL (__do_pipe_flags(): flags).
 *   p: getrandom(page 2, 16, 0x100): -EINVAL (flags).
 *   q: epoll_pwait(memfd, page 2, 0, 0, NULL, 8): -EINVAL (maxevents <= 0).
 *   r: timerfd_gettime(memfd, page 2): -EINVAL (timerfd_fget(): not a timerfd).
 *   s: mq_timedreceive(memfd, page 2, 16, NULL, NULL): -EBADF (not an mqueue).
 *   t: getdents64(memfd, page 2, 16): -ENOTDIR (iterate_dir(): no ->iterate_shared).
 *   u: msgrcv(-1, page 2, 16, 0, IPC_NOWAIT): -EINVAL (msqid < 0).
 *   v: clock_gettime(16, page 2): -EINVAL (clockid_to_kclock()).
 *   w: getsockopt(memfd, SOL_SOCKET, SO_TYPE, page 2, &len 4): -ENOTSOCK (sockfd_lookup()).
 *   y: get_mempolicy(page 2, NULL, 0, 0, 0x100): -EINVAL (flags).
 *   z: getcwd(page 2, 1): -ERANGE (the path needs 2 bytes).
 * and one call Linux answers with a store at page 2 and then an error:
 *   x: socketpair(AF_INET, SOCK_DGRAM, 0, page 2): both descriptors stored (put_user())
 *      before sock_create() and ->socketpair(), then -EOPNOTSUPP (sock_no_socketpair());
 *      the store copies page 2 (wp_page_copy()), so page 2 past its first 8 bytes keeps
 *      the copy's 'x' after pwrite64() of 'y'.
 *   A: timer_create(MAKE_PROCESS_CPUCLOCK(0x3ffffff, CPUCLOCK_SCHED) = 0xe0000002, NULL,
 *      page 2): the
 *      new timer's id stored (do_timer_create(): copy_to_user() before kc->timer_create())
 *      then -EINVAL (posix_cpu_timer_create(): pid_for_clock() finds no such process).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS".
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r87b.py: P before the step's call (x2 the log buffer, x3 the
 * private mapping, x4 the memfd), P + 4 after page 2 is read and the step's call, before
 * the file changes (x2 the private mapping), P + 2 after the calls (x2 the private
 * mapping), P + 1 after the label.  Only the digest of the secret is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
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
#define ROUND_TAG "r87"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_ROBUST 16000 /* (-a) get_robust_list(0x3fffffff, page 2, wbuf) */
#define P_PRLIM 16008 /* (-b) prlimit64(0x3fffffff, RLIMIT_NOFILE, NULL, page 2) */
#define P_SCHATTR 16016 /* (-c) sched_getattr(0, page 2, 16, 0) */
#define P_GETRES 16024 /* (-e) clock_getres(16, page 2) */
#define P_TMGET 16032 /* (-f) timer_gettime(0x7fffffff, page 2) */
#define P_IOGET 16040 /* (-g) io_getevents(0, 1, 1, page 2, NULL) */
#define P_RUSAGE 16048 /* (-h) getrusage(5, page 2) */
#define P_FSTATFS 16056 /* (-i) fstatfs(999, page 2) */
#define P_AFFIN 16064 /* (-j) sched_getaffinity(0, 4, page 2) */
#define P_SIGPEND 16072 /* (-k) rt_sigpending(page 2, 16) */
#define P_SIGMASK 16080 /* (-l) rt_sigprocmask(SIG_BLOCK, NULL, page 2, 16) */
#define P_SIGACT 16088 /* (-m) rt_sigaction(65, NULL, page 2, 8) */
#define P_GROUPS 16096 /* (-n) getgroups(-1, page 2) */
#define P_PIPEFL 16104 /* (-o) pipe2(page 2, 1) */
#define P_RANDFL 16112 /* (-p) getrandom(page 2, 16, 0x100) */
#define P_EPWAIT 16120 /* (-q) epoll_pwait(memfd, page 2, 0, 0, NULL, 8) */
#define P_TFDGET 16128 /* (-r) timerfd_gettime(memfd, page 2) */
#define P_MQRECV 16136 /* (-s) mq_timedreceive(memfd, page 2, 16, NULL, NULL) */
#define P_GETDENTS 16144 /* (-t) getdents64(memfd, page 2, 16) */
#define P_MSGRCV 16152 /* (-u) msgrcv(-1, page 2, 16, 0, IPC_NOWAIT) */
#define P_CLKGET 16160 /* (-v) clock_gettime(16, page 2) */
#define P_SOCKOPT 16168 /* (-w) getsockopt(memfd, SOL_SOCKET, SO_TYPE, page 2, &len 4) */
#define P_MEMPOL 16176 /* (-y) get_mempolicy(page 2, NULL, 0, 0, 0x100) */
#define P_GETCWD 16184 /* (-z) getcwd(page 2, 1) */
#define P_SOCKPAIR 16188 /* (-x) socketpair(AF_INET, SOCK_DGRAM, 0, page 2) */
#define P_TMCPU 16194 /* (-A) timer_create(CPU clock of pid 0x3ffffff, NULL, page 2) */
#include <sys/uio.h>
#include <sys/socket.h>
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

static int olen = 4;

/* The step's call, its answer not looked at. */
static void call(int phase, long p2, long fd)
{
    switch (phase) {
    case P_ROBUST: sys6(SYS_get_robust_list, 0x3fffffff, p2, (long)wbuf, 0, 0, 0); break;
    case P_PRLIM: sys6(SYS_prlimit64, 0x3fffffff, 7, 0, p2, 0, 0); break;
    case P_SCHATTR: sys6(SYS_sched_getattr, 0, p2, 16, 0, 0, 0); break;
    case P_GETRES: sys6(SYS_clock_getres, 16, p2, 0, 0, 0, 0); break;
    case P_TMGET: sys6(SYS_timer_gettime, 0x7fffffff, p2, 0, 0, 0, 0); break;
    case P_IOGET: sys6(SYS_io_getevents, 0, 1, 1, p2, 0, 0); break;
    case P_RUSAGE: sys6(SYS_getrusage, 5, p2, 0, 0, 0, 0); break;
    case P_FSTATFS: sys6(SYS_fstatfs, 999, p2, 0, 0, 0, 0); break;
    case P_AFFIN: sys6(SYS_sched_getaffinity, 0, 4, p2, 0, 0, 0); break;
    case P_SIGPEND: sys6(SYS_rt_sigpending, p2, 16, 0, 0, 0, 0); break;
    case P_SIGMASK: sys6(SYS_rt_sigprocmask, 0, 0, p2, 16, 0, 0); break;
    case P_SIGACT: sys6(SYS_rt_sigaction, 65, 0, p2, 8, 0, 0); break;
    case P_GROUPS: sys6(SYS_getgroups, -1, p2, 0, 0, 0, 0); break;
    case P_PIPEFL: sys6(SYS_pipe2, p2, 1, 0, 0, 0, 0); break;
    case P_RANDFL: sys6(SYS_getrandom, p2, 16, 0x100, 0, 0, 0); break;
    case P_EPWAIT: sys6(SYS_epoll_pwait, fd, p2, 0, 0, 0, 8); break;
    case P_TFDGET: sys6(SYS_timerfd_gettime, fd, p2, 0, 0, 0, 0); break;
    case P_MQRECV: sys6(SYS_mq_timedreceive, fd, p2, 16, 0, 0, 0); break;
    case P_GETDENTS: sys6(SYS_getdents64, fd, p2, 16, 0, 0, 0); break;
    case P_MSGRCV: sys6(SYS_msgrcv, -1, p2, 16, 0, 04000, 0); break;
    case P_CLKGET: sys6(SYS_clock_gettime, 16, p2, 0, 0, 0, 0); break;
    case P_SOCKOPT: sys6(SYS_getsockopt, fd, 1, 3, p2, (long)&olen, 0); break;
    case P_MEMPOL: sys6(SYS_get_mempolicy, p2, 0, 0, 0, 0x100, 0); break;
    case P_GETCWD: sys6(SYS_getcwd, p2, 1, 0, 0, 0, 0); break;
    case P_TMCPU: sys6(SYS_timer_create, -536870910L /* 0xe0000002 */, 0, p2, 0, 0, 0); break;
    case P_SOCKPAIR: sys6(SYS_socketpair, AF_INET, SOCK_DGRAM, 0, p2, 0, 0); break;
    default: break;
    }
}

/* Page 2 past its first 8 bytes reads `c`. */
static int tail_filled(long at, int c)
{
    for (long i = 8; i < PAGE; i++)
        if (((volatile uint8_t *)at)[i] != (uint8_t)c)
            return 0;
    return 1;
}

/* (-x) The store-then-fail step: page 2 is a private copy after the call (Linux stored
 * both descriptors), so it keeps 'x' past its first 8 bytes after pwrite64() of 'y'. */
static void step_pair(int phase)
{
    long fd, at = view_x(&fd), ok;
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        log_label(phase, -4);
        return;
    }
    ok = filled(at + 2 * PAGE, 'x');
    call(phase, at + 2 * PAGE, fd);
    marker(phase + 4, at, 0, 0, 0);
    ok = ok && put_y(fd);
    if (ok)
        marker(phase + 2, at, 0, 0, 0);
    ok = ok && filled(at, 'x') && filled(at + PAGE, 'x') && tail_filled(at + 2 * PAGE, 'x');
    log_label(phase, ok ? 0 : -4);
    sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void step(int phase)
{
    if (phase == P_SOCKPAIR || phase == P_TMCPU) {
        step_pair(phase);
        return;
    }
    long fd, at = view_x(&fd), done = 0, ok;
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        judge(phase, at, 0, 'x', 'x', 'x');
        return;
    }
    ok = filled(at + 2 * PAGE, 'x');
    call(phase, at + 2 * PAGE, fd);
    ok = ok && filled(at + 2 * PAGE, 'x');
    marker(phase + 4, at, 0, 0, 0);
    done = ok && put_y(fd);
    judge(phase, at, done, 'x', 'x', 'y');
    sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *steps = step_letters(argc, argv, &show_digest);
    volatile uint8_t stackbuf[64];
    static const char letters[] = "abcefghijklmnopqrstuvwyzxA";
    static const int phases[] = {P_ROBUST, P_PRLIM, P_SCHATTR, P_GETRES, P_TMGET, P_IOGET, P_RUSAGE, P_FSTATFS, P_AFFIN, P_SIGPEND, P_SIGMASK, P_SIGACT, P_GROUPS, P_PIPEFL, P_RANDFL, P_EPWAIT, P_TFDGET, P_MQRECV, P_GETDENTS, P_MSGRCV, P_CLKGET, P_SOCKOPT, P_MEMPOL, P_GETCWD, P_SOCKPAIR, P_TMCPU};

    long mapped = start_secret(stackbuf);
    if (!mapped)
        return 1;
    announce_placed(mapped, stackbuf);
    for (const char *s = steps; *s; s++)
        for (int i = 0; letters[i]; i++)
            if (*s == letters[i])
                step(phases[i]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
