/* secret_r77_rules: the attack target of red-team round seventy-seven (pidfd_getfd() of
 * the PIDFD_SELF_* values, kcmp(KCMP_EPOLL_TFD)'s slot descriptor, process_madvise() of
 * the caller's own mm for a hole, a shared page, flags, a vector too long, an unknown
 * advice and an unaligned iovec, process_mrelease() of a pidfd of its own process, and
 * perf_event_open() of no task and no cpu).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 * Calls Linux refuses:
 *  P_GETFDSELF    pidfd_getfd(-10000, 0, 0): -EBADF (fdget(pidfd): pidfd_getfd() knows
 *                 no PIDFD_SELF_* value; only pidfd_get_task() does)
 *  P_GETFDGROUP   pidfd_getfd(-10001, 0, 0): -EBADF
 *  P_KCMPEPOLL    kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {efd -10000}): -EBADF
 *                 (kcmp_epoll_target(): fget_task(task2, slot.efd) finds no file)
 *  P_MADVHOLE     process_madvise(-10000, {H, 4096}, 1, MADV_COLD, 0) of a page its own
 *                 munmap() left a hole: -ENOMEM (madvise_walk_vmas())
 *  P_MADVSHARED   process_madvise(-10000, {S, 4096}, 1, MADV_FREE, 0) of a MAP_SHARED |
 *                 MAP_ANONYMOUS page: -EINVAL (madvise_free_single_vma())
 *  P_MADVFLAGS    process_madvise(-10000, {Q, 4096}, 1, MADV_COLD, 1): -EINVAL
 *  P_MADVLONG     process_madvise(-10000, iov, 1025, MADV_COLD, 0): -EINVAL (UIO_MAXIOV)
 *  P_MADVUNKNOWN  process_madvise(-10000, {Q, 4096}, 1, 999, 0): -EINVAL
 *  P_MADVUNALIGNED process_madvise(-10000, {Q + 1, 4096}, 1, MADV_COLD, 0): -EINVAL
 *  P_MRELEASEOWN  process_mrelease(pidfd_open(getpid(), 0), 0): -EINVAL (the live caller)
 *  P_PERFNONE     perf_event_open(dummy, -1, -1, -1, 0): -EINVAL (no task and no cpu)
 *  P_GETFDOLD     pidfd_getfd(-20000, 0, 0): -EBADF (6.14's PIDFD_SELF_THREAD_GROUP was
 *                 pidfd_get_task()'s alone)
 *  P_KCMPTYPE     kcmp(pid, pid, 8, -1, -1): -EINVAL (KCMP_TYPES: no such type)
 *  P_PERFCGROUP   perf_event_open(dummy, -5, 0, -1, PERF_FLAG_PID_CGROUP): -EBADF
 *                 (perf_cgroup_connect(): fdget(-5)) or an earlier error
 * Calls Linux answers 0, the same object (index 0; another error 1, any other order -4):
 *  P_KCMPSAMEFILE kcmp(pid, pid, KCMP_FILE, devnull, devnull)
 *  P_KCMPSAMEVM   kcmp(pid, pid, KCMP_VM, 0, 0)
 * Calls Linux lets through (index 0; 1 otherwise):
 *  P_HMADVPART    process_madvise(-10000, {Q, 4096, K, 4096}, 2, MADV_COLD, 0) with K
 *                 MAP_LOCKED: 4096 (vector_madvise() answers the bytes before the error)
 *  P_HKCMPVM      kcmp(pid, pid, KCMP_VM, -1, -1): 0 (the same mm; no descriptor read)
 *  P_HBRKUNLOCKED madvise(B, 4096, MADV_COLD) of a page brk() grew after
 *                 mlockall(MCL_FUTURE) and munlockall(): 0
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r77.py.  Only the digest of the secret is ever printed.
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
#define P_GETFDSELF 10600
#define P_GETFDGROUP 10602
#define P_KCMPEPOLL 10604
#define P_MADVHOLE 10606
#define P_MADVSHARED 10608
#define P_MADVFLAGS 10610
#define P_MADVLONG 10612
#define P_MADVUNKNOWN 10614
#define P_MADVUNALIGNED 10616
#define P_MRELEASEOWN 10618
#define P_PERFNONE 10620
#define P_HMADVPART 10622
#define P_HKCMPVM 10624
#define P_HBRKUNLOCKED 10626
#define P_GETFDOLD 10628
#define P_KCMPTYPE 10630
#define P_KCMPSAMEFILE 10632
#define P_KCMPSAMEVM 10634
#define P_PERFCGROUP 10636

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define COLD 20
#define SELF_THREAD (-10000)

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r77"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static int show_digest;
/* 1025 iovecs: one past UIO_MAXIOV */
static long longvec[2 * 1025];

static long page_of(long flags)
{
    long r = sys6(SYS_mmap, 0, PAGE, RW, flags, -1, 0);
    if (!mapped_ok(r))
        return 0;
    *(volatile char *)r = 1;
    return r;
}

/* kcmp(pid, pid, type, idx, idx) of one object: 0 (index 0), an error 1, an order -4 */
static void same_object(int phase, long m, long p, long pid, long type, long idx)
{
    marker(phase, m, p, 0, 0);
    long r = p ? sys6(SYS_kcmp, pid, pid, type, idx, idx, 0) : -1;
    log_label(phase, r == 0 ? 0 : r < 0 ? 1 : -4);
}

static void descriptor_steps(long m)
{
    refused(P_GETFDSELF, m, 1, SYS_pidfd_getfd, SELF_THREAD, 0, 0, 0, -EBADF);
    refused(P_GETFDGROUP, m, 1, SYS_pidfd_getfd, -10001, 0, 0, 0, -EBADF);
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    uint32_t slot[3] = {(uint32_t)-10000, 0, 0};        /* efd, tfd, toff */
    refused6(P_KCMPEPOLL, m, devnull >= 0, SYS_kcmp, pid, pid, 7, devnull, (long)slot, 0,
             -EBADF);
    refused(P_GETFDOLD, m, 1, SYS_pidfd_getfd, -20000, 0, 0, 0, -EBADF);
    refused6(P_KCMPTYPE, m, 1, SYS_kcmp, pid, pid, 8, -1, -1, 0, -EINVAL);
    same_object(P_KCMPSAMEFILE, m, devnull >= 0, pid, 0, devnull);
    same_object(P_KCMPSAMEVM, m, 1, pid, 1, 0);
}

/* process_madvise(PIDFD_SELF_THREAD, {base, len}, cnt, advice, flags) Linux refuses */
static void vector_refused(int phase, long m, long p, long base, long cnt, long advice,
                           long flags, long want)
{
    long iov[2] = {base, PAGE};
    refused6(phase, m, p, SYS_process_madvise, SELF_THREAD,
             cnt > 1 ? (long)longvec : (long)iov, cnt, advice, flags, 0, want);
}

static void vector_steps(long m)
{
    long h = sys6(SYS_mmap, 0, 2 * PAGE, RW, ANON, -1, 0);
    h = mapped_ok(h) && sc(SYS_munmap, h + PAGE, PAGE, 0, 0) == 0 ? h + PAGE : 0;
    vector_refused(P_MADVHOLE, m, h, h, 1, COLD, 0, -ENOMEM);
    long s = page_of(MAP_SHARED | MAP_ANONYMOUS);
    vector_refused(P_MADVSHARED, m, s, s, 1, MADV_FREE, 0, -EINVAL);
    long q = page_of(ANON);
    vector_refused(P_MADVFLAGS, m, q, q, 1, COLD, 1, -EINVAL);
    for (int i = 0; i < 1025; i++) {
        longvec[2 * i] = q;
        longvec[2 * i + 1] = q ? PAGE : 0;
    }
    vector_refused(P_MADVLONG, m, q, q, 1025, COLD, 0, -EINVAL);
    vector_refused(P_MADVUNKNOWN, m, q, q, 1, 999, 0, -EINVAL);
    vector_refused(P_MADVUNALIGNED, m, q, q + 1, 1, COLD, 0, -EINVAL);
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    long pfd = sc(SYS_pidfd_open, pid, 0, 0, 0);
    refused(P_MRELEASEOWN, m, pfd >= 0, 448, pfd, 0, 0, 0, -EINVAL);
    if (pfd >= 0)
        sc(SYS_close, pfd, 0, 0, 0);
    uint64_t attr[16] = {0};
    attr[0] = 1 | (128ul << 32);    /* PERF_TYPE_SOFTWARE, size 128 */
    attr[1] = 9;                    /* PERF_COUNT_SW_DUMMY */
    attr[5] = 1ul << 5;             /* exclude_kernel */
    marker(P_PERFNONE, m, 1, 0, 0);
    long r = sys6(SYS_perf_event_open, (long)attr, -1, -1, -1, 0, 0);
    log_label(P_PERFNONE, open_index(r, -EINVAL));
    marker(P_PERFCGROUP, m, 1, 0, 0);
    r = sys6(SYS_perf_event_open, (long)attr, -5, 0, -1, 4, 0);    /* PERF_FLAG_PID_CGROUP */
    log_label(P_PERFCGROUP, r < 0 ? 0 : open_index(r, 0));
}

static void honest_steps(long m)
{
    long q = page_of(ANON);
    long k = page_of(ANON | MAP_LOCKED);
    long iov[4] = {q, PAGE, k, PAGE};
    marker(P_HMADVPART, m, q && k, 0, 0);
    long r = q && k ? sys6(SYS_process_madvise, SELF_THREAD, (long)iov, 2, COLD, 0, 0) : 0;
    log_label(P_HMADVPART, r == PAGE ? 0 : 1);
    sc(SYS_munlockall, 0, 0, 0, 0);
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    marker(P_HKCMPVM, m, 1, 0, 0);
    r = sys6(SYS_kcmp, pid, pid, 1, -1, -1, 0);
    log_label(P_HKCMPVM, r == 0 ? 0 : 1);
    long b = 0;
    if (sc(SYS_mlockall, MCL_FUTURE, 0, 0, 0) == 0) {
        long cur = sc(SYS_brk, 0, 0, 0, 0);
        long top = (cur + PAGE - 1) & ~(PAGE - 1);
        if (sc(SYS_brk, top + PAGE, 0, 0, 0) == top + PAGE &&
            sc(SYS_munlockall, 0, 0, 0, 0) == 0 &&
            sc(SYS_brk, top + 2 * PAGE, 0, 0, 0) == top + 2 * PAGE)
            b = top + PAGE;
    }
    sc(SYS_munlockall, 0, 0, 0, 0);
    marker(P_HBRKUNLOCKED, m, b, 0, 0);
    r = b ? sc(SYS_madvise, b, PAGE, COLD, 0) : 1;
    log_label(P_HBRKUNLOCKED, r == 0 ? 0 : 1);
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
    if (m >= 0)
    {
        descriptor_steps(m);
        vector_steps(m);
        honest_steps(m);
    }
    return finish(show_digest);
}
