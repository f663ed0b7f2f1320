/* The attack target of red-team round 90b: a MAP_PRIVATE view of a memfd only the
 * program holds (3 pages of 'x', secret_mm_kit.h's view_x()) whose page 2 is read (a
 * clean page: the file's page cache folio under Linux), then one call whose output at
 * page 2 Linux never stores for these registers, this descriptor's kind or the
 * program's own bytes passed to it, then pwrite64() of 'y' changes the file (page 2
 * reads 'y' under Linux):
 *   a: epoll_pwait(an epoll fd, page 2, -1, 0, NULL, 8): -EINVAL (do_epoll_wait():
 *      maxevents <= 0).
 *   b: newfstatat(AT_FDCWD, "/", page 2, 1): -EINVAL (vfs_statx(): an unknown flag).
 *   c: read(-1, page 2, 16): -EBADF (fdget_pos(): no descriptor -1).
 *   e: clock_nanosleep(CLOCK_MONOTONIC, 0, &{0, 2000000000}, page 2): -EINVAL
 *      (timespec64_valid()).
 *   f: read(a timerfd, page 2, 7): -EINVAL (timerfd_read(): fewer than 8 bytes).
 *   g: read(an epoll fd, page 2, 16): -EINVAL (vfs_read(): no FMODE_CAN_READ).
 *   h: pread64(a pipe2() read end, page 2, 16, 0): -ESPIPE (no FMODE_PREAD).
 *   i: recvfrom(/dev/null, page 2, 16, 0, NULL, NULL): -ENOTSOCK.
 *   j: getdents64(/dev/null, page 2, 4096): -ENOTDIR.
 *   k: timerfd_settime(a timerfd, 0, &{0, 0, 0, 2000000000}, page 2): -EINVAL
 *      (itimerspec64_valid()).
 *   l: preadv(memfd, &{page 2, 16}, 1, -2, 0): -EINVAL (do_preadv(): pos < 0).
 *   m: getsockopt(/dev/null, SOL_SOCKET, SO_TYPE, page 2, &4): -ENOTSOCK.
 *   r: pselect6(1, page 2, NULL, NULL, &{0, 2000000000}, NULL): -EINVAL
 *      (poll_select_set_timeout()).
 *   s: ppoll(page 2, 1, &{0, 2000000000}, NULL, 8): -EINVAL (poll_select_set_timeout()).
 *   v: epoll_pwait2(an epoll fd, page 2, 1, &{0, 2000000000}, NULL, 8): -EINVAL
 *      (poll_select_set_timeout()).
 *   x: rt_sigtimedwait(&{SIGUSR1}, page 2, &{0, 2000000000}, 8): -EINVAL
 *      (do_sigtimedwait(): timespec64_valid()).
 *   t: wait4(INT_MIN, page 2, 0, NULL): -ESRCH (kernel_wait4(): -INT_MIN undefined).
 *   u: timer_settime(0, 0, NULL, page 2): -EINVAL (no new value).
 *   w: setitimer(ITIMER_REAL, &{{0, 0}, {0, 2000000}}, page 2): -EINVAL
 *      (get_itimerval(): timeval_valid()).
 *   z: getsockopt(an AF_UNIX socket, SOL_SOCKET, SO_TYPE, page 2, &-1): -EINVAL
 *      (sk_getsockopt(): len < 0).
 *   n: sched_getaffinity(-1, 8, page 2): -ESRCH (no task -1).
 *   o: capget(&{_LINUX_CAPABILITY_VERSION_3, 0x7fffffff}, page 2): -ESRCH (no task).
 *   q: clock_gettime(the CPU clock of pid 0x0fffffff, page 2): -EINVAL (no task).
 *   A: clock_gettime(FD_TO_CLOCKID(memfd), page 2): -EINVAL (get_clock_desc(): no
 *      posix clock).
 *   B: recvmsg(an AF_UNIX datagram socket, &{iov {page 2, 16}}, MSG_CMSG_COMPAT |
 *      MSG_DONTWAIT): -EINVAL (__sys_recvmsg(): forbid_cmsg_compat).
 *   C: getsockname(an AF_UNIX socket, page 2, &-1): -EINVAL (move_addr_to_user(): len
 *      < 0).
 *   D: readlinkat(AT_FDCWD, "/" (in .bss), page 2, 16): -EINVAL (the root is a
 *      directory, never a symlink).
 *   E: fcntl(memfd, F_OFD_GETLK, page 2): -EINVAL (page 2's 'x' bytes: l_type 0x7878).
 *   F: timer_create(CLOCK_MONOTONIC, &{sigev_notify 99}, page 2): -EINVAL
 *      (good_sigevent(), before the id's copy_to_user()).
 *   G: recvfrom(an AF_UNIX datagram socket, page 2, 16, MSG_OOB | MSG_DONTWAIT, NULL,
 *      NULL): -EOPNOTSUPP (__unix_dgram_recvmsg()).
 *   H: fgetxattr(memfd, "foo" (in .bss), page 2, 16): -EOPNOTSUPP (no namespace).
 * and calls Linux answers with a store at page 2 whatever it answers (the page becomes a
 * private copy: past its first 256 bytes it keeps 'x' after pwrite64() of 'y'):
 *   p: waitid(P_ALL, 0, page 2, 0, NULL): -EINVAL, and SYSCALL_DEFINE5(waitid) stores
 *      the siginfo (si_signo .. si_status, zeros) on every answer.
 *   y: timer_create(the CPU clock of pid 0x0fffffff, NULL, page 2): -EINVAL, the new
 *      timer's id stored first (do_timer_create(): copy_to_user() of the id before
 *      kc->timer_create(), posix_cpu_timer_create() finds no task).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS".
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r90b.py: P before the step's call (x2 the log buffer, x3 the
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
#define ROUND_TAG "r90"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_EPMAX 17600 /* (-a) */
#define P_FSTATAT 17606 /* (-b) */
#define P_READNEG 17612 /* (-c) */
#define P_CLKNANO 17618 /* (-e) */
#define P_TFDREAD 17624 /* (-f) */
#define P_EPREAD 17630 /* (-g) */
#define P_PIPEPREAD 17636 /* (-h) */
#define P_RECVNULL 17642 /* (-i) */
#define P_DENTSNULL 17648 /* (-j) */
#define P_TFDNEW 17654 /* (-k) */
#define P_PREADV 17660 /* (-l) */
#define P_SOCKOPT 17666 /* (-m) */
#define P_PSELTS 17672 /* (-r) */
#define P_PPOLLTS 17678 /* (-s) */
#define P_EPWAIT2TS 17684 /* (-v) */
#define P_SIGWAITTS 17690 /* (-x) */
#define P_WAITIDINFO 17696 /* (-p) */
#define P_WAITMIN 17702 /* (-t) */
#define P_TSETNULL 17708 /* (-u) */
#define P_ITIMERNEW 17714 /* (-w) */
#define P_SOCKLEN 17720 /* (-z) */
#define P_AFFPID 17726 /* (-n) */
#define P_CAPNOPID 17732 /* (-o) */
#define P_TCREATECPU 17738 /* (-y) */
#define P_CLKCPU 17744 /* (-q) */
#define P_CLKFD 17750 /* (-A) */
#define P_RMSGCOMPAT 17756 /* (-B) */
#define P_SNAMENEG 17762 /* (-C) */
#define P_RDLINKROOT 17768 /* (-D) */
#define P_OFDGETLK 17774 /* (-E) */
#define P_TCREATEEV 17780 /* (-F) */
#define P_RECVOOB 17786 /* (-G) */
#define P_XATTRNS 17792 /* (-H) */
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

static uint64_t ts[2], itspec[4], sigset;
static uint64_t iov[2];
static uint32_t alen;
static int32_t slen;
static uint64_t mhdr[7];
static char rootpath[2];
static uint64_t sigev[8];
static char xname[4];
static uint32_t caphdr[2];
static int32_t tv32[2];
static uint64_t itv[4];

/* A timespec Linux refuses: tv_nsec past NSEC_PER_SEC. */
static long bad_ts(void)
{
    ts[0] = 0;
    ts[1] = 2000000000UL;
    return (long)ts;
}

/* The step's call, its answer not looked at (a descriptor made first is closed after). */
static void call(int phase, long p2, long fd)
{
    long e;
    int pp[2];
    switch (phase) {
    case P_EPMAX:
        e = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
        sys6(SYS_epoll_pwait, e, p2, -1L, 0, 0, 8);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_FSTATAT: sys6(SYS_newfstatat, -100, (long)"/", p2, 1, 0, 0); break;
    case P_READNEG: sys6(SYS_read, -1L, p2, 16, 0, 0, 0); break;
    case P_CLKNANO: sys6(SYS_clock_nanosleep, 1, 0, bad_ts(), p2, 0, 0); break;
    case P_TFDREAD:
        e = sys6(SYS_timerfd_create, 1, 0, 0, 0, 0, 0);
        sys6(SYS_read, e, p2, 7, 0, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_EPREAD:
        e = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
        sys6(SYS_read, e, p2, 16, 0, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_PIPEPREAD:
        pp[0] = pp[1] = -1;
        sys6(SYS_pipe2, (long)pp, 0, 0, 0, 0, 0);
        sys6(SYS_pread64, pp[0], p2, 16, 0, 0, 0);
        sys6(SYS_close, pp[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, pp[1], 0, 0, 0, 0, 0);
        break;
    case P_RECVNULL: sys6(SYS_recvfrom, devnull, p2, 16, 0, 0, 0); break;
    case P_DENTSNULL: sys6(SYS_getdents64, devnull, p2, PAGE, 0, 0, 0); break;
    case P_TFDNEW:
        e = sys6(SYS_timerfd_create, 1, 0, 0, 0, 0, 0);
        memset(itspec, 0, sizeof(itspec));
        itspec[3] = 2000000000UL;
        sys6(SYS_timerfd_settime, e, 0, (long)itspec, p2, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_PREADV:
        iov[0] = (uint64_t)p2;
        iov[1] = 16;
        sys6(SYS_preadv, fd, (long)iov, 1, -2L, 0, 0);
        break;
    case P_SOCKOPT:
        alen = 4;
        sys6(SYS_getsockopt, devnull, 1, 3, p2, (long)&alen, 0);
        break;
    case P_PSELTS: sys6(SYS_pselect6, 1, p2, 0, 0, bad_ts(), 0); break;
    case P_PPOLLTS: sys6(SYS_ppoll, p2, 1, bad_ts(), 0, 8, 0); break;
    case P_EPWAIT2TS:
        e = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
        sys6(SYS_epoll_pwait2, e, p2, 1, bad_ts(), 0, 8);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_SIGWAITTS:
        sigset = 1UL << (10 - 1);
        sys6(SYS_rt_sigtimedwait, (long)&sigset, p2, bad_ts(), 8, 0, 0);
        break;
    case P_WAITIDINFO: sys6(SYS_waitid, 0, 0, p2, 0, 0, 0); break;
    case P_WAITMIN: sys6(SYS_wait4, (long)(int32_t)0x80000000u, p2, 0, 0, 0, 0); break;
    case P_TSETNULL: sys6(SYS_timer_settime, 0, 0, 0, p2, 0, 0); break;
    case P_ITIMERNEW:
        memset(itv, 0, sizeof(itv));
        itv[3] = 2000000;
        sys6(SYS_setitimer, 0, (long)itv, p2, 0, 0, 0);
        break;
    case P_SOCKLEN:
        tv32[0] = tv32[1] = -1;
        sys6(SYS_socketpair, 1, 2, 0, (long)tv32, 0, 0);
        slen = -1;
        sys6(SYS_getsockopt, tv32[0], 1, 3, p2, (long)&slen, 0);
        sys6(SYS_close, tv32[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, tv32[1], 0, 0, 0, 0, 0);
        break;
    case P_AFFPID: sys6(SYS_sched_getaffinity, -1, 8, p2, 0, 0, 0); break;
    case P_CAPNOPID:
        caphdr[0] = 0x20080522;
        caphdr[1] = 0x7fffffff;
        sys6(SYS_capget, (long)caphdr, p2, 0, 0, 0, 0);
        break;
    case P_CLKCPU: sys6(SYS_clock_gettime, (long)(int32_t)0x80000002u, p2, 0, 0, 0, 0); break;
    case P_CLKFD: sys6(SYS_clock_gettime, (long)(int32_t)((~(uint32_t)fd << 3) | 3), p2, 0, 0, 0, 0); break;
    case P_RMSGCOMPAT:
        tv32[0] = tv32[1] = -1;
        sys6(SYS_socketpair, 1, 2, 0, (long)tv32, 0, 0);
        iov[0] = (uint64_t)p2;
        iov[1] = 16;
        memset(mhdr, 0, sizeof(mhdr));
        mhdr[2] = (uint64_t)(long)iov;  /* msg_iov */
        mhdr[3] = 1;                    /* msg_iovlen */
        sys6(SYS_recvmsg, tv32[0], (long)mhdr, 0x80000040L, 0, 0, 0);
        sys6(SYS_close, tv32[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, tv32[1], 0, 0, 0, 0, 0);
        break;
    case P_SNAMENEG:
        tv32[0] = tv32[1] = -1;
        sys6(SYS_socketpair, 1, 2, 0, (long)tv32, 0, 0);
        slen = -1;
        sys6(SYS_getsockname, tv32[0], p2, (long)&slen, 0, 0, 0);
        sys6(SYS_close, tv32[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, tv32[1], 0, 0, 0, 0, 0);
        break;
    case P_RDLINKROOT:
        rootpath[0] = '/';
        rootpath[1] = 0;
        sys6(SYS_readlinkat, -100, (long)rootpath, p2, 16, 0, 0);
        break;
    case P_OFDGETLK: sys6(SYS_fcntl, fd, 36, p2, 0, 0, 0); break;
    case P_TCREATEEV:
        memset(sigev, 0, sizeof(sigev));
        sigev[1] = 99;                  /* sigev_signo 0, sigev_notify 99 (bytes 12..15) */
        sigev[1] <<= 32;
        sys6(SYS_timer_create, 1, (long)sigev, p2, 0, 0, 0);
        break;
    case P_RECVOOB:
        tv32[0] = tv32[1] = -1;
        sys6(SYS_socketpair, 1, 2, 0, (long)tv32, 0, 0);
        sys6(SYS_recvfrom, tv32[0], p2, 16, 0x41, 0, 0);
        sys6(SYS_close, tv32[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, tv32[1], 0, 0, 0, 0, 0);
        break;
    case P_XATTRNS:
        memcpy(xname, "foo", 4);
        sys6(SYS_fgetxattr, fd, (long)xname, p2, 16, 0, 0);
        break;
    case P_TCREATECPU: sys6(SYS_timer_create, (long)(int32_t)0x80000002u, 0, p2, 0, 0, 0); break;
    default: break;
    }
}

static void step(int phase)
{
    if (phase == P_WAITIDINFO || phase == P_TCREATECPU)
        mm_store_step(phase, call);   /* the store steps */
    else
        mm_storeless_step(phase, call);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *steps = step_letters(argc, argv, &show_digest);
    volatile uint8_t stackbuf[64];
    static const char letters[] = "abcefghijklmrsvxptuwznoyqABCDEFGH";
    static const int phases[] = {P_EPMAX, P_FSTATAT, P_READNEG, P_CLKNANO, P_TFDREAD, P_EPREAD, P_PIPEPREAD, P_RECVNULL, P_DENTSNULL, P_TFDNEW, P_PREADV, P_SOCKOPT, P_PSELTS, P_PPOLLTS, P_EPWAIT2TS, P_SIGWAITTS, P_WAITIDINFO, P_WAITMIN, P_TSETNULL, P_ITIMERNEW, P_SOCKLEN, P_AFFPID, P_CAPNOPID, P_TCREATECPU, P_CLKCPU, P_CLKFD, P_RMSGCOMPAT, P_SNAMENEG, P_RDLINKROOT, P_OFDGETLK, P_TCREATEEV, P_RECVOOB, P_XATTRNS};

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
