/* The attack target of red-team round 89b: a MAP_PRIVATE view of a memfd only the
 * program holds (3 pages of 'x', secret_mm_kit.h's view_x()) whose page 2 is read (a
 * clean page: the file's page cache folio under Linux), then one call whose output at
 * page 2 Linux never stores for these registers (or the program's own bytes, passed to
 * the call), then pwrite64() of 'y' changes the file (page 2 reads 'y' under Linux):
 *   a: getdents64(/ opened O_RDONLY | O_DIRECTORY, page 2, 16): -EINVAL (filldir64():
 *      the first entry, ".", needs 24 bytes).
 *   b: readlinkat(AT_FDCWD, "/proc/self/exe", page 2, 0x80000000): -EINVAL
 *      (do_readlinkat(): bufsiz <= 0 as an int).
 *   c: rt_sigtimedwait(&{SIGUSR1}, page 2, &{0, 0}, 16): -EINVAL (sigsetsize != 8).
 *   v: wait4(-1, page 2, WEXITED, NULL): -EINVAL (kernel_wait4(): an unknown option).
 *   e: capget(&{_LINUX_CAPABILITY_VERSION_3, -1}, page 2): -EINVAL (`if (pid < 0)`).
 *   f: statx(AT_FDCWD, "/", 1, STATX_BASIC_STATS, page 2): -EINVAL (vfs_statx(): an
 *      unknown AT_* flag).
 *   g: lgetxattr("/", "", page 2, 16): -ERANGE (an empty name).
 *   h: timer_gettime(-1, page 2): -EINVAL (lock_timer(): no timer id past INT_MAX).
 *   i: setitimer(5, NULL, page 2): -EINVAL (do_setitimer(): no such timer).
 *   j: timerfd_settime(a timerfd, 4, &{0}, page 2): -EINVAL (an unknown flag).
 *   k: epoll_pwait(an epoll fd, page 2, 1, 0, &mask, 4): -EINVAL (set_user_sigmask()).
 *   l: nanosleep(&{0, 2000000000}, page 2): -EINVAL (timespec64_valid()).
 *   m: copy_file_range(memfd, page 2, a second memfd, NULL, 16, 1): -EINVAL
 *      (vfs_copy_file_range(): flags != 0).
 *   n: getrlimit(99, page 2): -EINVAL (do_prlimit(): resource >= RLIM_NLIMITS).
 *   o: fcntl(memfd, F_GETLK, page 2): -EINVAL (fcntl_getlk(): l_type 'xx').
 *   p: prlimit64(0, RLIMIT_NOFILE, &{2, 1}, page 2): -EINVAL (do_prlimit(): cur > max).
 *   q: sigaltstack(&{sp, 7, 8192}, page 2): -EINVAL (do_sigaltstack(): mode 7).
 *   r: getsockname(/dev/null, page 2, &16): -ENOTSOCK (sockfd_lookup_light()).
 *   s: accept4(/dev/null, page 2, &16, 1): -EINVAL (an unknown flag).
 *   w: pselect6(-1, page 2, NULL, NULL, NULL, NULL): -EINVAL (core_sys_select(): n < 0).
 *   x: pselect6(1, page 2, NULL, NULL, NULL, &{&mask, 4}): -EINVAL (set_user_sigmask()).
 *   y: ppoll(page 2, 0x80000000, NULL, NULL, 0): -EINVAL (do_sys_poll(): nfds above
 *      RLIMIT_NOFILE, which never reaches 2^31).
 * a call Linux answers storing nothing (an honest probe):
 *   z: flistxattr(memfd, page 2, 16): 0 (a memfd with no xattrs: an empty list).
 * and calls Linux answers with a store at page 2 (the page becomes a private copy: past
 * its first 256 bytes it keeps 'x' after pwrite64() of 'y'):
 *   t: eventfd2(3, 0), read(it, page 2, 8): 8, the count 3 stored.
 *   u: / opened O_PATH, fstat(it, page 2): 0, a struct stat stored (fdget_raw()).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS".
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r89b.py: P before the step's call (x2 the log buffer, x3 the
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
#define ROUND_TAG "r89"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_DENTS 17000   /* (-a) getdents64(O_DIRECTORY "/", page 2, 16) */
#define P_RDLINK 17008  /* (-b) readlinkat(AT_FDCWD, "/proc/self/exe", page 2, 0x80000000) */
#define P_SIGWAIT 17016 /* (-c) rt_sigtimedwait(&set, page 2, &ts, 16) */
#define P_WAIT4 17024   /* (-v) wait4(-1, page 2, WEXITED, NULL) */
#define P_CAPPID 17032  /* (-e) capget(&{V3, -1}, page 2) */
#define P_STATXF 17040  /* (-f) statx(AT_FDCWD, "/", 1, 0x7ff, page 2) */
#define P_LGETX 17048   /* (-g) lgetxattr("/", "", page 2, 16) */
#define P_TIMERGET 17056 /* (-h) timer_gettime(-1, page 2) */
#define P_SETITIMER 17064 /* (-i) setitimer(5, NULL, page 2) */
#define P_TFDSET 17072  /* (-j) timerfd_settime(tfd, 4, &zero, page 2) */
#define P_EPMASK 17080  /* (-k) epoll_pwait(epfd, page 2, 1, 0, &mask, 4) */
#define P_NANO 17088    /* (-l) nanosleep(&{0, 2e9}, page 2) */
#define P_CFR 17096     /* (-m) copy_file_range(memfd, page 2, memfd2, NULL, 16, 1) */
#define P_GETRLIM 17104 /* (-n) getrlimit(99, page 2) */
#define P_GETLK 17112   /* (-o) fcntl(memfd, F_GETLK, page 2) */
#define P_PRLIMNEW 17120 /* (-p) prlimit64(0, RLIMIT_NOFILE, &{2, 1}, page 2) */
#define P_ALTSTACK 17128 /* (-q) sigaltstack(&{sp, 7, 8192}, page 2) */
#define P_SOCKNAME 17136 /* (-r) getsockname(/dev/null, page 2, &16) */
#define P_ACCEPT4 17144 /* (-s) accept4(/dev/null, page 2, &16, 1) */
#define P_EVFD8 17152   /* (-t) eventfd2(3, 0), read(it, page 2, 8): 8 */
#define P_PATHSTAT 17160 /* (-u) fstat(O_PATH "/", page 2): 0 */
#define P_PSELNEG 17168 /* (-w) pselect6(-1, page 2, NULL, NULL, NULL, NULL) */
#define P_PSELMASK 17176 /* (-x) pselect6(1, page 2, NULL, NULL, NULL, &{&mask, 4}) */
#define P_PPOLLN 17184  /* (-y) ppoll(page 2, 0x80000000, NULL, NULL, 0) */
#define P_FLISTX 17192  /* (-z) flistxattr(memfd, page 2, 16): 0 */
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

static uint32_t caphdr[2];
static uint64_t sigset, ts[2], itspec[4], rlim[2], altstk[3];
static uint8_t altmem[8192];
static uint32_t alen;
static uint64_t argpack[2];

/* The step's call, its answer not looked at (a descriptor made first is closed after). */
static void call(int phase, long p2, long fd)
{
    long e, e2;
    switch (phase) {
    case P_DENTS:
        e = sys6(SYS_openat, -100, (long)"/", 040000, 0, 0, 0);
        sys6(SYS_getdents64, e, p2, 16, 0, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_RDLINK:
        sys6(SYS_readlinkat, -100, (long)"/proc/self/exe", p2, 0x80000000L, 0, 0);
        break;
    case P_SIGWAIT:
        sigset = 1UL << (10 - 1);
        ts[0] = ts[1] = 0;
        sys6(SYS_rt_sigtimedwait, (long)&sigset, p2, (long)ts, 16, 0, 0);
        break;
    case P_WAIT4: sys6(SYS_wait4, -1, p2, 4, 0, 0, 0); break;
    case P_CAPPID:
        caphdr[0] = 0x20080522;
        caphdr[1] = 0xFFFFFFFFu;
        sys6(SYS_capget, (long)caphdr, p2, 0, 0, 0, 0);
        break;
    case P_STATXF: sys6(SYS_statx, -100, (long)"/", 1, 0x7ff, p2, 0); break;
    case P_LGETX: sys6(SYS_lgetxattr, (long)"/", (long)"", p2, 16, 0, 0); break;
    case P_TIMERGET: sys6(SYS_timer_gettime, -1, p2, 0, 0, 0, 0); break;
    case P_SETITIMER: sys6(SYS_setitimer, 5, 0, p2, 0, 0, 0); break;
    case P_TFDSET:
        e = sys6(SYS_timerfd_create, 1, 0, 0, 0, 0, 0);
        memset(itspec, 0, sizeof(itspec));
        sys6(SYS_timerfd_settime, e, 4, (long)itspec, p2, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_EPMASK:
        e = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
        sigset = 0;
        sys6(SYS_epoll_pwait, e, p2, 1, 0, (long)&sigset, 4);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_NANO:
        ts[0] = 0;
        ts[1] = 2000000000UL;
        sys6(SYS_nanosleep, (long)ts, p2, 0, 0, 0, 0);
        break;
    case P_CFR:
        e = sys6(SYS_memfd_create, (long)"c", 0, 0, 0, 0, 0);
        sys6(SYS_copy_file_range, fd, p2, e, 0, 16, 1);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_GETRLIM: sys6(163, 99, p2, 0, 0, 0, 0); break;
    case P_GETLK: sys6(SYS_fcntl, fd, 5, p2, 0, 0, 0); break;
    case P_PRLIMNEW:
        rlim[0] = 2;
        rlim[1] = 1;
        sys6(SYS_prlimit64, 0, 7, (long)rlim, p2, 0, 0);
        break;
    case P_ALTSTACK:
        altstk[0] = (uint64_t)(long)altmem;
        altstk[1] = 7;
        altstk[2] = sizeof(altmem);
        sys6(SYS_sigaltstack, (long)altstk, p2, 0, 0, 0, 0);
        break;
    case P_SOCKNAME:
        alen = 16;
        sys6(SYS_getsockname, devnull, p2, (long)&alen, 0, 0, 0);
        break;
    case P_ACCEPT4:
        alen = 16;
        sys6(SYS_accept4, devnull, p2, (long)&alen, 1, 0, 0);
        break;
    case P_EVFD8:
        e = sys6(SYS_eventfd2, 3, 0, 0, 0, 0, 0);
        sys6(SYS_read, e, p2, 8, 0, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_PATHSTAT:
        e = sys6(SYS_openat, -100, (long)"/", 010000000, 0, 0, 0);
        e2 = sys6(SYS_fstat, e, p2, 0, 0, 0, 0);
        (void)e2;
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_PSELNEG: sys6(SYS_pselect6, 0xFFFFFFFFL, p2, 0, 0, 0, 0); break;
    case P_PSELMASK:
        sigset = 0;
        argpack[0] = (uint64_t)(long)&sigset;
        argpack[1] = 4;
        sys6(SYS_pselect6, 1, p2, 0, 0, 0, (long)argpack);
        break;
    case P_PPOLLN: sys6(SYS_ppoll, p2, 0x80000000L, 0, 0, 0, 0); break;
    case P_FLISTX: sys6(SYS_flistxattr, fd, p2, 16, 0, 0, 0); break;
    default: break;
    }
}

static void step(int phase)
{
    if (phase == P_EVFD8 || phase == P_PATHSTAT)
        mm_store_step(phase, call);   /* the store steps */
    else
        mm_storeless_step(phase, call);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *steps = step_letters(argc, argv, &show_digest);
    volatile uint8_t stackbuf[64];
    static const char letters[] = "abcvefghijklmnopqrstuwxyz";
    static const int phases[] = {P_DENTS, P_RDLINK, P_SIGWAIT, P_WAIT4, P_CAPPID, P_STATXF, P_LGETX, P_TIMERGET, P_SETITIMER, P_TFDSET, P_EPMASK, P_NANO, P_CFR, P_GETRLIM, P_GETLK, P_PRLIMNEW, P_ALTSTACK, P_SOCKNAME, P_ACCEPT4, P_EVFD8, P_PATHSTAT, P_PSELNEG, P_PSELMASK, P_PPOLLN, P_FLISTX};

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
