/* secret_r79_rules: the attack target of red-team round seventy-nine (the answers of calls
 * about descriptors and areas: kcmp(KCMP_FILE) of two opens of one name, of a number
 * close_range() freed, of a fork child's copy and of an F_DUPFD_CLOEXEC copy,
 * kcmp(KCMP_EPOLL_TFD) of a target the epoll does not watch, of a toff past the one it
 * watches and of a slot whose efd is a memfd, kcmp(KCMP_SIGHAND) of a fork child,
 * perf_event_open() with an unknown flag, an attr over a page, an attr with a non-zero
 * tail, a cgroup of /dev/null, a closed group and an epoll group, pidfd_getfd() with
 * flags, of a closed pidfd and of an epoll, process_mrelease() with flags, of a closed
 * number and of a memfd, process_madvise() of no iovec and answered more than its iovec
 * holds, madvise() of advice 999, pidfd_open() with flag 1 and of pid 0, kcmp(KCMP_EPOLL_TFD)
 * of a target whose last close or EPOLL_CTL_DEL dropped its item, a vfork child's
 * kcmp(KCMP_FILES) of its parent, perf_event_open() in cgroup mode with pid -1 and of a
 * cpu past nr_cpu_ids, MADV_FREE of a memfd view mremap() moved and of a range reaching
 * such a view).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 * Calls Linux refuses (index 0 for its error, 1 another, -4 a success):
 *  P_KCMPRANGE    kcmp(pid, pid, KCMP_FILE, devnull, c) of a c close_range() freed: -EBADF
 *  P_KCMPEPOTHER  kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, m, 0}), ep watching only pr:
 *                 -ENOENT (ep_find_tfd())
 *  P_KCMPEPTOFF   kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, pr, 1}): -ENOENT
 *  P_KCMPEPMEMFD  kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {m, pr, 0}): -EINVAL (no epoll)
 *  P_PERFFLAGS    perf_event_open(dummy, 0, -1, -1, 1 << 4): -EINVAL (~PERF_FLAG_ALL)
 *  P_PERFBIG      perf_event_open() of an attr of size 8192: -E2BIG (> PAGE_SIZE)
 *  P_PERFTAIL     perf_event_open() of an attr of size 4096 with byte 4000 set: -E2BIG
 *                 (copy_struct_from_user(): a non-zero tail)
 *  P_PERFCGDEV    perf_event_open(dummy, devnull, 0, -1, PERF_FLAG_PID_CGROUP): an error
 *  P_PERFGRPCLOSED perf_event_open(dummy, 0, -1, c, 0) of a closed c: -EBADF
 *  P_PERFGRPEPOLL perf_event_open(dummy, 0, -1, ep, 0) of an epoll: -EBADF
 *  P_GETFDFLAGS   pidfd_getfd(pfd, devnull, 1): -EINVAL
 *  P_GETFDCLOSED  pidfd_getfd(c, 0, 0) of a closed c: -EBADF
 *  P_GETFDEPOLL   pidfd_getfd(ep, 0, 0): -EBADF
 *  P_MRELFLAGS    process_mrelease(pfd, 1): -EINVAL
 *  P_MRELCLOSED   process_mrelease(c, 0) of a closed c: -EBADF
 *  P_MRELMEMFD    process_mrelease(m, 0) of a memfd: -EBADF
 *  P_BADADV       madvise(Q, 4096, 999): -EINVAL
 *  P_PIDFDFLAGS   pidfd_open(getpid(), 1): -EINVAL
 *  P_PIDFDZERO    pidfd_open(0, 0): -EINVAL
 *  P_KCMPEPGONE   kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {ep, pr, 0}) after close(pr),
 *                 the last reference of the watched file: -ENOENT
 *                 (eventpoll_release_file() dropped the item)
 *  P_KCMPEPDEL    kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, pr, 0}) after
 *                 epoll_ctl(EPOLL_CTL_DEL, pr): -ENOENT
 *  P_PERFCGPID    perf_event_open(dummy, -1, 0, -1, PERF_FLAG_PID_CGROUP): -EINVAL
 *                 (cgroup mode with pid -1)
 *  P_PERFCPUBIG   perf_event_open(dummy, 0, 1 << 20, -1, 0): an error (a cpu past
 *                 nr_cpu_ids: perf_event_alloc() -EINVAL, or an earlier one)
 *  P_FREEMOVED    madvise(N, 4096, MADV_FREE) of the private memfd view mremap(
 *                 MREMAP_MAYMOVE | MREMAP_FIXED) moved to N: -EINVAL (still a file area)
 *  P_KCMPEPCHILDDEL kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, pr, 0}) after a fork child's
 *                 epoll_ctl(ep, EPOLL_CTL_DEL, pr) on the epoll file they share: -ENOENT
 *  P_FREESPAN     madvise(A, 8192, MADV_FREE) of an anonymous page followed by a
 *                 private memfd view: -EINVAL (the second area)
 * Calls Linux answers 0, one object (index 0; an error 1, an order -4):
 *  P_KCMPCHFILE   kcmp(pid, child, KCMP_FILE, devnull, devnull) of a fork child
 *  P_KCMPGETFD    kcmp(pid, pid, KCMP_FILE, devnull, fcntl(devnull, F_DUPFD_CLOEXEC, 0))
 * Calls Linux answers with an order, never 0 (index 0; an error 1, 0 -4):
 *  P_KCMPTWOOPEN  kcmp(pid, pid, KCMP_FILE, devnull, openat("/dev/null"))
 *  P_KCMPCHSIG    kcmp(pid, child, KCMP_SIGHAND, 0, 0) of a fork child
 *  P_KCMPVFORKFILES a vfork child's kcmp(getpid(), parent, KCMP_FILES, 0, 0) (no
 *                 CLONE_FILES: dup_fd() gave it a table of its own)
 * Calls with a byte count (index 0 within the iovecs, 1 an error, -4 past them):
 *  P_MADVZERO     process_madvise(-10000, iov, 0, MADV_COLD, 0): 0 (or -EBADF before 6.14)
 *  P_MADVOVER     process_madvise(-10000, {Q, 4096}, 1, MADV_COLD, 0): at most 4096
 * Calls Linux lets through (index 0; 1 otherwise):
 *  P_HKCMPEP      kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, pr, 0}): 0
 *  P_HPIDFDNB     pidfd_open(getpid(), PIDFD_NONBLOCK): a descriptor
 *  P_HPERFTAIL0   perf_event_open() of an attr of size 4096, zero past its struct: a
 *                 descriptor
 *  P_HGETFDEP     pidfd_getfd(pfd, ep, 0): a descriptor
 *  P_HKCMPEPSTALE kcmp(pid, pid, KCMP_EPOLL_TFD, d, {ep, pr, 0}) where d = dup(pr) and pr
 *                 was closed: 0 (the item keyed (file, pr) lives while d holds the file;
 *                 ep_find_tfd() matches the old number)
 *  P_HKCMPEPDUP   kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {dup(ep), pr, 0}): 0 (one instance)
 *  P_HKCMPEPCHILD kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, pr, 0}) after a fork child's
 *                 epoll_ctl(ep, EPOLL_CTL_ADD, pr) on the epoll file they share: 0
 *  P_HPIDFDTHREAD pidfd_open(getpid(), PIDFD_THREAD): a descriptor (6.9+; -EINVAL before)
 *  P_HFREEZERO    madvise(V, 0, MADV_FREE) of the private memfd view V: 0 (an empty
 *                 range answers 0 before any area is looked at)
 *  P_HFREEOVER    madvise(V, 4096, MADV_FREE) after mmap(V, MAP_FIXED | MAP_ANONYMOUS)
 *                 laid an anonymous area over it: 0
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r79.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sched.h>
#include <signal.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_KCMPTWOOPEN 11200
#define P_KCMPRANGE 11202
#define P_KCMPEPOTHER 11204
#define P_KCMPEPTOFF 11206
#define P_KCMPCHFILE 11208
#define P_KCMPCHSIG 11210
#define P_PERFFLAGS 11212
#define P_PERFBIG 11214
#define P_PERFTAIL 11216
#define P_PERFCGDEV 11218
#define P_PERFGRPCLOSED 11220
#define P_GETFDFLAGS 11222
#define P_GETFDCLOSED 11224
#define P_MRELFLAGS 11226
#define P_MRELCLOSED 11228
#define P_MADVZERO 11230
#define P_BADADV 11232
#define P_PIDFDFLAGS 11234
#define P_PIDFDZERO 11236
#define P_MADVOVER 11238
#define P_KCMPGETFD 11240
#define P_PERFGRPEPOLL 11242
#define P_GETFDEPOLL 11244
#define P_MRELMEMFD 11246
#define P_KCMPEPMEMFD 11248
#define P_KCMPEPGONE 11250
#define P_KCMPEPDEL 11252
#define P_KCMPVFORKFILES 11254
#define P_PERFCGPID 11256
#define P_PERFCPUBIG 11258
#define P_FREEMOVED 11260
#define P_FREESPAN 11262
#define P_KCMPEPCHILDDEL 11264
#define P_HKCMPEP 11280
#define P_HPIDFDNB 11282
#define P_HPERFTAIL0 11284
#define P_HGETFDEP 11286
#define P_HKCMPEPSTALE 11288
#define P_HPIDFDTHREAD 11290
#define P_HFREEZERO 11292
#define P_HFREEOVER 11294
#define P_HKCMPEPDUP 11296
#define P_HKCMPEPCHILD 11298

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define COLD 20
#define SELF_THREAD (-10000)
#define KCMP_FILE 0
#define KCMP_SIGHAND 4
#define KCMP_EPOLL_TFD 7
#define NR_MRELEASE 448

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
static uint8_t bigattr[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r79"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static int show_digest;

/* a number that was open and is free again (close() or, with `range`, close_range()) */
static long freed(int range)
{
    long c = sc(SYS_dup, devnull, 0, 0, 0);
    if (c < 0)
        return -1;
    long r = range ? sc(SYS_close_range, c, c, 0, 0) : sc(SYS_close, c, 0, 0, 0);
    return r == 0 ? c : -1;
}

/* a kcmp Linux answers 0 (`same`) or with an order, never 0 */
static void ordered(int phase, long m, long p, long a0, long a1, long a2, long a3, long a4,
                    int same)
{
    marker(phase, m, p, 0, 0);
    long r = p ? sys6(SYS_kcmp, a0, a1, a2, a3, a4, 0) : -1;
    log_label(phase, r < 0 ? 1 : (r == 0) == same ? 0 : -4);
}

static void kcmp_steps(long m, long pid)
{
    long d2 = sc(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0);
    ordered(P_KCMPTWOOPEN, m, d2 >= 0, pid, pid, KCMP_FILE, devnull, d2, 0);
    if (d2 >= 0)
        sc(SYS_close, d2, 0, 0, 0);
    long c = freed(1);
    refused6(P_KCMPRANGE, m, c >= 0, SYS_kcmp, pid, pid, KCMP_FILE, devnull, c, 0, -EBADF);
    /* an epoll watching a pipe's read end pr only */
    int pp[2] = {-1, -1};
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    uint32_t ev[4] = {1, 0, 0, 0};  /* EPOLLIN */
    int watched = ep >= 0 && sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0
                  && sc(SYS_epoll_ctl, ep, 1, pp[0], (long)ev) == 0;
    long pr = pp[0];
    uint32_t other[3] = {(uint32_t)ep, (uint32_t)m, 0};
    refused6(P_KCMPEPOTHER, m, watched, SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, pr, (long)other,
             0, -ENOENT);
    uint32_t toff[3] = {(uint32_t)ep, (uint32_t)pr, 1};
    refused6(P_KCMPEPTOFF, m, watched, SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, pr, (long)toff, 0,
             -ENOENT);
    uint32_t mslot[3] = {(uint32_t)m, (uint32_t)pr, 0};
    refused6(P_KCMPEPMEMFD, m, watched, SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, pr, (long)mslot, 0,
             -EINVAL);
    uint32_t same[3] = {(uint32_t)ep, (uint32_t)pr, 0};
    ordered(P_HKCMPEP, m, watched, pid, pid, KCMP_EPOLL_TFD, pr, (long)same, 1);
    if (pp[0] >= 0) {
        sc(SYS_close, pp[0], 0, 0, 0);
        sc(SYS_close, pp[1], 0, 0, 0);
    }
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
    /* a fork child (no CLONE_FILES, no CLONE_SIGHAND): its table holds the same files,
     * its signal handlers are a copy */
    long child = sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0 ? sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0)
                                                        : -1;
    if (child == 0) {
        char b;
        sc(SYS_close, pp[1], 0, 0, 0);
        sc(SYS_read, pp[0], (long)&b, 1, 0);
        sc(SYS_exit_group, 0, 0, 0, 0);
    }
    ordered(P_KCMPCHFILE, m, child > 0, pid, child, KCMP_FILE, devnull, devnull, 1);
    ordered(P_KCMPCHSIG, m, child > 0, pid, child, KCMP_SIGHAND, 0, 0, 0);
    if (pp[0] >= 0) {
        sc(SYS_close, pp[0], 0, 0, 0);
        sc(SYS_close, pp[1], 0, 0, 0);
    }
    if (child > 0)
        sys6(SYS_wait4, child, 0, 0, 0, 0, 0);
    /* fcntl(F_DUPFD_CLOEXEC) installs the same struct file (f_dupfd() -> get_file()) */
    long g = sc(SYS_fcntl, devnull, F_DUPFD_CLOEXEC, 0, 0);
    ordered(P_KCMPGETFD, m, g >= 0, pid, pid, KCMP_FILE, devnull, g, 1);
    if (g >= 0)
        sc(SYS_close, g, 0, 0, 0);
}

/* an epoll ep watching a pipe's read end pr (pp[0]); 1 if made */
static int watch(long *ep, int *pp)
{
    uint32_t ev[4] = {1, 0, 0, 0};  /* EPOLLIN */
    *ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    return *ep >= 0 && sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0
           && sc(SYS_epoll_ctl, *ep, 1, pp[0], (long)ev) == 0;
}

static void unwatch(long ep, int *pp)
{
    for (int i = 0; i < 2; i++)
        if (pp[i] >= 0)
            sc(SYS_close, pp[i], 0, 0, 0);
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
}

static void epoll_steps(long m, long pid)
{
    /* the last close of pr's file drops its item (eventpoll_release_file()) */
    long ep;
    int pp[2] = {-1, -1};
    int w = watch(&ep, pp);
    long pr = pp[0];
    w = w && sc(SYS_close, pr, 0, 0, 0) == 0;
    pp[0] = -1;
    uint32_t gone[3] = {(uint32_t)ep, (uint32_t)pr, 0};
    refused6(P_KCMPEPGONE, m, w, SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, devnull, (long)gone, 0,
             -ENOENT);
    unwatch(ep, pp);
    /* EPOLL_CTL_DEL drops it too */
    pp[0] = pp[1] = -1;
    w = watch(&ep, pp);
    pr = pp[0];
    w = w && sc(SYS_epoll_ctl, ep, 2, pr, 0) == 0;
    uint32_t del[3] = {(uint32_t)ep, (uint32_t)pr, 0};
    refused6(P_KCMPEPDEL, m, w, SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, pr, (long)del, 0, -ENOENT);
    unwatch(ep, pp);
    /* a dup d keeps pr's file alive: the item keyed (file, pr) stays after close(pr) and
     * ep_find_tfd() still finds it by the number pr */
    pp[0] = pp[1] = -1;
    w = watch(&ep, pp);
    pr = pp[0];
    long d = w ? sc(SYS_dup, pr, 0, 0, 0) : -1;
    w = w && d >= 0 && sc(SYS_close, pr, 0, 0, 0) == 0;
    pp[0] = (int)d;
    uint32_t stale[3] = {(uint32_t)ep, (uint32_t)pr, 0};
    ordered(P_HKCMPEPSTALE, m, w, pid, pid, KCMP_EPOLL_TFD, d, (long)stale, 1);
    unwatch(ep, pp);
    /* a dup of the epoll is the same instance: it watches what the original watches */
    pp[0] = pp[1] = -1;
    w = watch(&ep, pp);
    pr = pp[0];
    long e2 = w ? sc(SYS_dup, ep, 0, 0, 0) : -1;
    uint32_t viadup[3] = {(uint32_t)e2, (uint32_t)pr, 0};
    ordered(P_HKCMPEPDUP, m, e2 >= 0, pid, pid, KCMP_EPOLL_TFD, pr, (long)viadup, 1);
    if (e2 >= 0)
        sc(SYS_close, e2, 0, 0, 0);
    unwatch(ep, pp);
    /* a fork child's epoll_ctl(ADD) on the epoll file it shares with its parent */
    pp[0] = pp[1] = -1;
    ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    w = ep >= 0 && sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0;
    pr = pp[0];
    long child = w ? sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0) : -1;
    if (child == 0) {
        uint32_t ev[4] = {1, 0, 0, 0};
        sc(SYS_exit_group, sc(SYS_epoll_ctl, ep, 1, pr, (long)ev) == 0 ? 0 : 1, 0, 0, 0);
    }
    int status = -1;
    if (child > 0 && sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0) != child)
        status = -1;
    uint32_t bychild[3] = {(uint32_t)ep, (uint32_t)pr, 0};
    ordered(P_HKCMPEPCHILD, m, status == 0, pid, pid, KCMP_EPOLL_TFD, pr, (long)bychild, 1);
    /* and a fork child's EPOLL_CTL_DEL drops the item its parent sees */
    child = status == 0 ? sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0) : -1;
    if (child == 0)
        sc(SYS_exit_group, sc(SYS_epoll_ctl, ep, 2, pr, 0) == 0 ? 0 : 1, 0, 0, 0);
    status = -1;
    if (child > 0 && sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0) != child)
        status = -1;
    refused6(P_KCMPEPCHILDDEL, m, status == 0, SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, pr,
             (long)bychild, 0, -ENOENT);
    unwatch(ep, pp);
}

static void perf_steps(long m)
{
    uint64_t attr[16] = {0};
    attr[0] = 1 | (128ul << 32);    /* PERF_TYPE_SOFTWARE, size 128 */
    attr[1] = 9;                    /* PERF_COUNT_SW_DUMMY */
    attr[5] = 1ul << 5;             /* exclude_kernel */
    marker(P_PERFFLAGS, m, 1, 0, 0);
    long r = sys6(SYS_perf_event_open, (long)attr, 0, -1, -1, 1 << 4, 0);
    log_label(P_PERFFLAGS, open_index(r, -EINVAL));
    /* an attr of size 8192 (over PAGE_SIZE) and of 4096 with a non-zero tail */
    memcpy(bigattr, attr, sizeof(attr));
    ((uint32_t *)bigattr)[1] = 2 * PAGE;
    marker(P_PERFBIG, m, 1, 0, 0);
    r = sys6(SYS_perf_event_open, (long)bigattr, 0, -1, -1, 0, 0);
    log_label(P_PERFBIG, open_index(r, -E2BIG));
    ((uint32_t *)bigattr)[1] = PAGE;
    bigattr[4000] = 1;
    marker(P_PERFTAIL, m, 1, 0, 0);
    r = sys6(SYS_perf_event_open, (long)bigattr, 0, -1, -1, 0, 0);
    log_label(P_PERFTAIL, open_index(r, -E2BIG));
    bigattr[4000] = 0;
    marker(P_HPERFTAIL0, m, 1, 0, 0);
    r = sys6(SYS_perf_event_open, (long)bigattr, 0, -1, -1, 0, 0);
    log_label(P_HPERFTAIL0, ok_index(r));
    marker(P_PERFCGDEV, m, devnull >= 0, 0, 0);     /* PERF_FLAG_PID_CGROUP, cpu 0 */
    r = sys6(SYS_perf_event_open, (long)attr, devnull, 0, -1, 4, 0);
    log_label(P_PERFCGDEV, r < 0 ? 0 : open_index(r, 0));
    long c = freed(0);
    marker(P_PERFGRPCLOSED, m, c >= 0, 0, 0);
    r = c >= 0 ? sys6(SYS_perf_event_open, (long)attr, 0, -1, c, 0, 0) : -EBADF;
    log_label(P_PERFGRPCLOSED, open_index(r, -EBADF));
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    marker(P_PERFGRPEPOLL, m, ep >= 0, 0, 0);
    r = ep >= 0 ? sys6(SYS_perf_event_open, (long)attr, 0, -1, ep, 0, 0) : -EBADF;
    log_label(P_PERFGRPEPOLL, open_index(r, -EBADF));
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
}

static void pidfd_steps(long m, long pid)
{
    long pfd = sc(SYS_pidfd_open, pid, 0, 0, 0);
    marker(P_GETFDFLAGS, m, pfd >= 0, 0, 0);
    long r = pfd >= 0 ? sys6(SYS_pidfd_getfd, pfd, devnull, 1, 0, 0, 0) : -EINVAL;
    log_label(P_GETFDFLAGS, open_index(r, -EINVAL));
    long c = freed(0);
    marker(P_GETFDCLOSED, m, c >= 0, 0, 0);
    r = c >= 0 ? sys6(SYS_pidfd_getfd, c, 0, 0, 0, 0, 0) : -EBADF;
    log_label(P_GETFDCLOSED, open_index(r, -EBADF));
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    marker(P_GETFDEPOLL, m, ep >= 0, 0, 0);
    r = ep >= 0 ? sys6(SYS_pidfd_getfd, ep, 0, 0, 0, 0, 0) : -EBADF;
    log_label(P_GETFDEPOLL, open_index(r, -EBADF));
    marker(P_HGETFDEP, m, ep >= 0 && pfd >= 0, 0, 0);
    r = ep >= 0 && pfd >= 0 ? sys6(SYS_pidfd_getfd, pfd, ep, 0, 0, 0, 0) : -1;
    log_label(P_HGETFDEP, ok_index(r));
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
    refused(P_MRELFLAGS, m, pfd >= 0, NR_MRELEASE, pfd, 1, 0, 0, -EINVAL);
    refused(P_MRELCLOSED, m, c >= 0, NR_MRELEASE, c, 0, 0, 0, -EBADF);
    refused(P_MRELMEMFD, m, 1, NR_MRELEASE, m, 0, 0, 0, -EBADF);
    if (pfd >= 0)
        sc(SYS_close, pfd, 0, 0, 0);
    marker(P_PIDFDFLAGS, m, 1, 0, 0);
    r = sc(SYS_pidfd_open, pid, 1, 0, 0);
    log_label(P_PIDFDFLAGS, open_index(r, -EINVAL));
    marker(P_PIDFDZERO, m, 1, 0, 0);
    r = sc(SYS_pidfd_open, 0, 0, 0, 0);
    log_label(P_PIDFDZERO, open_index(r, -EINVAL));
    marker(P_HPIDFDNB, m, 1, 0, 0);
    r = sc(SYS_pidfd_open, pid, O_NONBLOCK, 0, 0);
    log_label(P_HPIDFDNB, ok_index(r));
    marker(P_HPIDFDTHREAD, m, 1, 0, 0);    /* PIDFD_THREAD (O_EXCL): 6.9+; -EINVAL before */
    r = sc(SYS_pidfd_open, pid, O_EXCL, 0, 0);
    log_label(P_HPIDFDTHREAD, r == -EINVAL ? 0 : ok_index(r));
}

static void madvise_steps(long m)
{
    long q = sys6(SYS_mmap, 0, PAGE, RW, ANON, -1, 0);
    q = mapped_ok(q) ? q : 0;
    if (q)
        (void)*(volatile char *)q;
    long v[2] = {q, PAGE};
    marker(P_MADVZERO, m, q, 0, 0);
    long r = q ? sys6(SYS_process_madvise, SELF_THREAD, (long)v, 0, COLD, 0, 0) : -1;
    log_label(P_MADVZERO, r > 0 ? -4 : r == 0 ? 0 : 1);
    marker(P_MADVOVER, m, q, 0, 0);
    r = q ? sys6(SYS_process_madvise, SELF_THREAD, (long)v, 1, COLD, 0, 0) : -1;
    log_label(P_MADVOVER, r > PAGE ? -4 : r >= 0 ? 0 : 1);
    refused(P_BADADV, m, q, SYS_madvise, q, PAGE, 999, 0, -EINVAL);
}

static void late_steps(long m)
{
    /* a vfork child (CLONE_VM | CLONE_VFORK, no CLONE_FILES) has a table of its own */
    static volatile long seen = -1;
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    marker(P_KCMPVFORKFILES, m, 1, 0, 0);
    long vc = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (vc == 0) {
        seen = sys6(SYS_kcmp, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), pid, 2, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (vc > 0)
        sys6(SYS_wait4, vc, 0, 0, 0, 0, 0);
    log_label(P_KCMPVFORKFILES, vc < 0 || seen < 0 ? 1 : seen > 0 ? 0 : -4);
    uint64_t attr[16] = {0};
    attr[0] = 1 | (128ul << 32);    /* PERF_TYPE_SOFTWARE, size 128 */
    attr[1] = 9;                    /* PERF_COUNT_SW_DUMMY */
    attr[5] = 1ul << 5;             /* exclude_kernel */
    marker(P_PERFCGPID, m, 1, 0, 0);        /* PERF_FLAG_PID_CGROUP, pid -1, cpu 0 */
    long r = sys6(SYS_perf_event_open, (long)attr, -1, 0, -1, 4, 0);
    log_label(P_PERFCGPID, open_index(r, -EINVAL));
    marker(P_PERFCPUBIG, m, 1, 0, 0);       /* cpu 1 << 20, past any nr_cpu_ids */
    r = sys6(SYS_perf_event_open, (long)attr, 0, 1L << 20, -1, 0, 0);
    log_label(P_PERFCPUBIG, r < 0 ? 0 : open_index(r, 0));
    /* a private view of the memfd moved by mremap(MREMAP_FIXED) stays a file area */
    long f = sys6(SYS_mmap, 0, PAGE, RW, MAP_PRIVATE, m, 0);
    long dst = sys6(SYS_mmap, 0, PAGE, RW, ANON, -1, 0);
    long n = mapped_ok(f) && mapped_ok(dst)
             ? sys6(SYS_mremap, f, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst, 0) : -1;
    n = mapped_ok(n) ? n : 0;
    refused(P_FREEMOVED, m, n, SYS_madvise, n, PAGE, MADV_FREE, 0, -EINVAL);
    /* an anonymous page followed by a private view of the memfd */
    long a = sys6(SYS_mmap, 0, 2 * PAGE, RW, ANON, -1, 0);
    long v = mapped_ok(a) ? sys6(SYS_mmap, a + PAGE, PAGE, RW, MAP_PRIVATE | MAP_FIXED, m, 0)
                          : -1;
    long span = v == a + PAGE ? a : 0;
    if (span)
        (void)*(volatile char *)span;
    refused(P_FREESPAN, m, span, SYS_madvise, span, 2 * PAGE, MADV_FREE, 0, -EINVAL);
    /* honest: a length of 0 answers 0 before any area is looked at */
    ok_step(P_HFREEZERO, m, span, SYS_madvise, span + PAGE, 0, MADV_FREE, 0);
    /* honest: an anonymous mapping laid over the view (MAP_FIXED) is anonymous */
    long o = span ? sys6(SYS_mmap, span + PAGE, PAGE, RW, ANON | MAP_FIXED, -1, 0) : -1;
    if (o == span + PAGE && span)
        (void)*(volatile char *)o;
    ok_step(P_HFREEOVER, m, span && o == span + PAGE, SYS_madvise, span + PAGE, PAGE,
            MADV_FREE, 0);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
    volatile uint8_t stackbuf[64];

    if (!rules_start(stackbuf))
        return 1;

    sc(SYS_gettid, 0, 0, 0, 0);
    long m = memfd_of('l', 10, 0);
    if (m >= 0) {
        long pid = sc(SYS_getpid, 0, 0, 0, 0);
        kcmp_steps(m, pid);
        epoll_steps(m, pid);
        perf_steps(m);
        pidfd_steps(m, pid);
        madvise_steps(m);
        late_steps(m);
    }
    return finish(show_digest);
}
