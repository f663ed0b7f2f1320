/* secret_r88_rules: the attack target of red-team round eighty-eight (round 87's kind and
 * maker rules at their edges: do_vfs_ioctl()'s own commands on a file they do not fit,
 * ioctls with size bits, socket calls the kind rule does not list, reads and writes of
 * the wrong size or value on an eventfd or timerfd, the signalfd/timerfd calls on a file
 * of another kind, epoll_ctl's membership and argument tests, makers' flags).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.
 *
 * Calls Linux refuses (index 0 for its error -- any error where "an error" --, 1 another,
 * -4 a success):
 *  P_FIOQSZEV    ioctl(eventfd, FIOQSIZE, &sz): -ENOTTY (an anon inode: no S_ISREG)
 *  P_GETFLAGSEV  ioctl(eventfd, FS_IOC_GETFLAGS, &fl): -ENOTTY
 *  P_TIOCGPTNEV  ioctl(eventfd, TIOCGPTN, &n): -ENOTTY
 *  P_RECVFROMEV  recvfrom(eventfd, buf, 8, 0, NULL, NULL): -ENOTSOCK
 *  P_SENDMSGMEM  sendmsg(memfd, &msg, 0): -ENOTSOCK
 *  P_EVREAD4     read(eventfd, buf, 4): -EINVAL
 *  P_EVWRITEMAX  write(eventfd, &~0ULL, 8): -EINVAL
 *  P_TFDREAD4    read(timerfd, buf, 4): -EINVAL
 *  P_SFDONEV     signalfd4(eventfd, &mask, 8, 0): -EINVAL
 *  P_TFDGETEV    timerfd_gettime(eventfd, &its): -EINVAL
 *  P_TFDSETEV    timerfd_settime(eventfd, 0, &its, NULL): -EINVAL
 *  P_PIDFDFLAG   pidfd_open(getpid(), 1): -EINVAL
 *  P_SECRETFLAG  memfd_secret(0x100): an error (-ENOSYS or -EINVAL)
 *  P_EPMODNOENT  epoll_ctl(ep, EPOLL_CTL_MOD, eventfd, &ev), never added: -ENOENT
 *  P_EPEXCLMOD   epoll_ctl(ep, EPOLL_CTL_MOD, eventfd, {EPOLLIN | EPOLLEXCLUSIVE}): -EINVAL
 *  P_EPOPBAD     epoll_ctl(ep, 4, eventfd, &ev): -EINVAL
 *  P_EVFDFLAG    eventfd2(0, 2): -EINVAL
 *  P_TFDCLOCK    timerfd_create(99, 0): -EINVAL
 *  P_EPADDTWICE  epoll_ctl(ep, EPOLL_CTL_ADD, eventfd, &ev) a second time: -EEXIST
 *  P_SFDSIZE     signalfd4(-1, &mask, 4, 0): -EINVAL
 *  P_TCGETSPID   ioctl(pidfd, TCGETS, &t): -ENOTTY
 *  P_TCGETSEP    ioctl(ep, TCGETS, &t): an error (-EINVAL 6.9 on, -ENOTTY before)
 *  P_TFDWRITE    write(timerfd, &v, 8): -EINVAL (no ->write: no FMODE_CAN_WRITE)
 *  P_EPREAD      read(ep, buf, 8): -EINVAL (no ->read: no FMODE_CAN_READ)
 *  P_LSEEKPID    lseek(pidfd, 5, SEEK_SET): -ESPIPE
 *  P_PEERPID     getpeername(pidfd, &sa, &len): -ENOTSOCK
 *  P_PSIGEV      pidfd_send_signal(eventfd, 0, NULL, 0): -EBADF
 *  P_INORMEV     inotify_rm_watch(eventfd, 1): -EINVAL
 *  P_PIPESZEV    fcntl(eventfd, F_GETPIPE_SZ): -EBADF
 *  P_SEALSEV     fcntl(eventfd, F_GET_SEALS): -EINVAL
 *  P_CNSNEG      clock_nanosleep(CLOCK_MONOTONIC, 0, {-1, 0}, NULL): -EINVAL
 *  P_TIMERGET    timer_gettime(42, &its), no timer ever created: -EINVAL
 *  P_ACCEPTFLAG  accept4(socket(AF_UNIX, SOCK_STREAM, 0), NULL, NULL, 1): -EINVAL
 *  P_DUP3SAME    dup3(eventfd, eventfd, 0): -EINVAL
 *  P_EPCFLAG     epoll_create1(1): -EINVAL
 * Honest calls (index 0 for Linux's answer, 1 another):
 *  P_OKGETFLAGSMEM ioctl(memfd, FS_IOC_GETFLAGS, &fl): 0 (shmem_fileattr_get(), 6.0 on)
 *  P_OKFIOASYNCDN  ioctl(devnull, FIOASYNC, &zero): 0
 *  P_OKFIONBIOEV   ioctl(eventfd, FIONBIO, &zero): 0
 *  P_OKSFDAGAIN    signalfd4(sfd, &mask, 8, 0) on a signalfd: sfd
 *  P_OKFIOQSZMEM   ioctl(memfd, FIOQSIZE, &sz): 0
 *  P_OKDUP3SOCK    getsockopt(n, SOL_SOCKET, SO_TYPE, &v, &4) once dup3(socket, n, 0)
 *                  put an AF_UNIX stream socket at n, an eventfd's number: 0, v 1
 *  P_OKLSEEKEV     lseek(eventfd, 0, SEEK_SET): 0 (noop_llseek())
 *  P_OKCNSFLAG     clock_nanosleep(CLOCK_MONOTONIC, 2, {0, 1}, NULL): 0 (flags past
 *                  TIMER_ABSTIME ignored)
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r88.py.  Only the digest of the secret is ever printed.
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

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_FIOQSZEV 16200
#define P_GETFLAGSEV 16202
#define P_TIOCGPTNEV 16204
#define P_RECVFROMEV 16206
#define P_SENDMSGMEM 16208
#define P_EVREAD4 16210
#define P_EVWRITEMAX 16212
#define P_TFDREAD4 16214
#define P_SFDONEV 16216
#define P_TFDGETEV 16220
#define P_TFDSETEV 16222
#define P_PIDFDFLAG 16224
#define P_SECRETFLAG 16226
#define P_EPMODNOENT 16228
#define P_EPEXCLMOD 16230
#define P_EPOPBAD 16232
#define P_EVFDFLAG 16234
#define P_TFDCLOCK 16236
#define P_EPADDTWICE 16240
#define P_SFDSIZE 16242
#define P_TCGETSPID 16244
#define P_TCGETSEP 16246
#define P_TFDWRITE 16248
#define P_EPREAD 16250
#define P_LSEEKPID 16252
#define P_PEERPID 16254
#define P_PSIGEV 16256
#define P_INORMEV 16258
#define P_PIPESZEV 16260
#define P_SEALSEV 16262
#define P_CNSNEG 16264
#define P_TIMERGET 16266
#define P_ACCEPTFLAG 16268
#define P_DUP3SAME 16270
#define P_EPCFLAG 16272
#define P_OKGETFLAGSMEM 16300
#define P_OKFIOASYNCDN 16302
#define P_OKFIONBIOEV 16304
#define P_OKSFDAGAIN 16306
#define P_OKFIOQSZMEM 16308
#define P_OKDUP3SOCK 16310
#define P_OKLSEEKEV 16312
#define P_OKCNSFLAG 16314

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r88"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static int show_digest;

/* a call Linux refuses with `want` (0: any error) that makes a descriptor */
static void made_step(int phase, long m, long p, long nr, long a0, long a1, long a2, long a3,
                      long want)
{
    marker(phase, m, p, 0, 0);
    long r = p ? sys6(nr, a0, a1, a2, a3, 0, 0) : -1;
    if (r >= 0)
        sc(SYS_close, r, 0, 0, 0);
    log_label(phase, !p ? 1 : want ? err_index(r, want) : r < 0 ? 0 : -4);
}

static struct { long base, len; } iov;
static char one = 'x';
static struct { long name; int namelen, pad0; long iov, iovlen, control, controllen;
                int flags, pad1; } msg;

static void kind_steps(long m, long ev, long mf)
{
    static uint64_t sz, buf[2];
    static uint32_t fl, n;
    /* do_vfs_ioctl() FIOQSIZE: ioctl_fioqsize() -ENOTTY unless S_ISDIR/S_ISREG/S_ISLNK */
    refused(P_FIOQSZEV, m, ev >= 0, SYS_ioctl, ev, 0x5460, (long)&sz, 0, -ENOTTY);
    /* FS_IOC_GETFLAGS: ioctl_getflags() -> vfs_fileattr_get(): no ->fileattr_get */
    refused(P_GETFLAGSEV, m, ev >= 0, SYS_ioctl, ev, 0x80086601L, (long)&fl, 0, -ENOTTY);
    /* TIOCGPTN (_IOR('T', 0x30, unsigned int)): vfs_ioctl(): no unlocked_ioctl */
    refused(P_TIOCGPTNEV, m, ev >= 0, SYS_ioctl, ev, 0x80045430L, (long)&n, 0, -ENOTTY);
    /* __sys_recvfrom() / __sys_sendmsg(): sockfd_lookup_light() -ENOTSOCK */
    refused6(P_RECVFROMEV, m, ev >= 0, SYS_recvfrom, ev, (long)buf, 8, 0, 0, 0, -ENOTSOCK);
    iov.base = (long)&one;
    iov.len = 1;
    msg.iov = (long)&iov;
    msg.iovlen = 1;
    refused(P_SENDMSGMEM, m, mf >= 0, SYS_sendmsg, mf, (long)&msg, 0, 0, -ENOTSOCK);
}

static void size_steps(long m, long ev, long tfd)
{
    static uint64_t buf[2], max = ~0ULL;
    /* eventfd_read(): `if (iov_iter_count(to) < sizeof(ucnt)) return -EINVAL;` */
    refused(P_EVREAD4, m, ev >= 0, SYS_read, ev, (long)buf, 4, 0, -EINVAL);
    /* eventfd_write(): `if (ucnt == ULLONG_MAX) return -EINVAL;` */
    refused(P_EVWRITEMAX, m, ev >= 0, SYS_write, ev, (long)&max, 8, 0, -EINVAL);
    /* timerfd_read(): `if (count < sizeof(ticks)) return -EINVAL;` */
    refused(P_TFDREAD4, m, tfd >= 0, SYS_read, tfd, (long)buf, 4, 0, -EINVAL);
}

static void other_kind_steps(long m, long ev)
{
    static uint64_t mask = 1UL << 9;     /* SIGUSR1 - 1: never delivered */
    static long its[4] = {0, 0, 0, 0}, got[4];
    /* do_signalfd4(): ufd not a signalfd -EINVAL; flags; sizemask */
    refused(P_SFDONEV, m, ev >= 0, SYS_signalfd4, ev, (long)&mask, 8, 0, -EINVAL);
    made_step(P_SFDSIZE, m, 1, SYS_signalfd4, -1, (long)&mask, 4, 0, -EINVAL);
    /* timerfd_fget(): `f_op != &timerfd_fops` -EINVAL */
    refused(P_TFDGETEV, m, ev >= 0, SYS_timerfd_gettime, ev, (long)got, 0, 0, -EINVAL);
    refused(P_TFDSETEV, m, ev >= 0, SYS_timerfd_settime, ev, 0, (long)its, 0, -EINVAL);
}

static void maker_steps(long m)
{
    /* pidfd_open(): flags past PIDFD_NONBLOCK | PIDFD_THREAD -EINVAL */
    made_step(P_PIDFDFLAG, m, 1, SYS_pidfd_open, sc(SYS_getpid, 0, 0, 0, 0), 1, 0, 0, -EINVAL);
    /* memfd_secret(): !secretmem_enable -ENOSYS, flags -EINVAL */
    made_step(P_SECRETFLAG, m, 1, 447, 0x100, 0, 0, 0, 0);
    /* eventfd2(), timerfd_create(): flags / clock -EINVAL */
    made_step(P_EVFDFLAG, m, 1, SYS_eventfd2, 0, 2, 0, 0, -EINVAL);
    made_step(P_TFDCLOCK, m, 1, SYS_timerfd_create, 99, 0, 0, 0, -EINVAL);
}

static void epoll_steps(long m, long ev)
{
    static uint32_t e[4] = {1, 0, 0, 0};
    static uint32_t ex[4] = {1 | (1U << 28), 0, 0, 0};      /* EPOLLIN | EPOLLEXCLUSIVE */
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    long p = ep >= 0 && ev >= 0;
    /* do_epoll_ctl(): EPOLL_CTL_MOD of a file not added: ep_find() NULL, -ENOENT */
    refused(P_EPMODNOENT, m, p, SYS_epoll_ctl, ep, 3, ev, (long)e, -ENOENT);
    /* do_epoll_ctl(): EPOLLEXCLUSIVE with EPOLL_CTL_MOD -EINVAL; an unknown op -EINVAL */
    refused(P_EPEXCLMOD, m, p, SYS_epoll_ctl, ep, 3, ev, (long)ex, -EINVAL);
    refused(P_EPOPBAD, m, p, SYS_epoll_ctl, ep, 4, ev, (long)e, -EINVAL);
    /* do_epoll_ctl(): EPOLL_CTL_ADD of a file already added: -EEXIST */
    long added = p && sc(SYS_epoll_ctl, ep, 1, ev, (long)e) == 0;
    refused(P_EPADDTWICE, m, added, SYS_epoll_ctl, ep, 1, ev, (long)e, -EEXIST);
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
}

static void honest_steps(long m, long ev, long mf)
{
    static uint32_t fl;
    static int zero;
    static uint64_t sz, mask = 1UL << 9;
    ok_step(P_OKGETFLAGSMEM, m, mf >= 0, SYS_ioctl, mf, 0x80086601L, (long)&fl, 0);
    ok_step(P_OKFIOASYNCDN, m, devnull >= 0, SYS_ioctl, devnull, 0x5452, (long)&zero, 0);
    ok_step(P_OKFIONBIOEV, m, ev >= 0, SYS_ioctl, ev, 0x5421, (long)&zero, 0);
    long s = sc(SYS_signalfd4, -1, (long)&mask, 8, 0);
    marker(P_OKSFDAGAIN, m, s >= 0, 0, 0);
    log_label(P_OKSFDAGAIN, s >= 0 && sc(SYS_signalfd4, s, (long)&mask, 8, 0) == s ? 0 : 1);
    if (s >= 0)
        sc(SYS_close, s, 0, 0, 0);
    ok_step(P_OKFIOQSZMEM, m, mf >= 0, SYS_ioctl, mf, 0x5460, (long)&sz, 0);
}

static void more_steps(long m, long ev, long tfd)
{
    static uint8_t t[64], b[16], sa[16];
    static uint64_t v = 1;
    static int len = 16, ty, tl = 4;
    long pfd = sc(SYS_pidfd_open, sc(SYS_getpid, 0, 0, 0, 0), 0, 0, 0);
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    /* pidfd_fops: no unlocked_ioctl before 6.11, pidfd_ioctl()'s default after: -ENOTTY */
    refused(P_TCGETSPID, m, pfd >= 0, SYS_ioctl, pfd, 0x5401, (long)t, 0, -ENOTTY);
    /* ep_eventpoll_ioctl() (6.9 on) -EINVAL; no unlocked_ioctl before: -ENOTTY */
    refused(P_TCGETSEP, m, ep >= 0, SYS_ioctl, ep, 0x5401, (long)t, 0, 0);
    /* vfs_write() / vfs_read(): no FMODE_CAN_WRITE / FMODE_CAN_READ, -EINVAL */
    refused(P_TFDWRITE, m, tfd >= 0, SYS_write, tfd, (long)&v, 8, 0, -EINVAL);
    refused(P_EPREAD, m, ep >= 0, SYS_read, ep, (long)b, 8, 0, -EINVAL);
    /* vfs_llseek(): pidfd_fops have no llseek, -ESPIPE */
    refused(P_LSEEKPID, m, pfd >= 0, SYS_lseek, pfd, 5, 0, 0, -ESPIPE);
    /* __sys_getpeername(): sockfd_lookup_light() -ENOTSOCK */
    refused(P_PEERPID, m, pfd >= 0, SYS_getpeername, pfd, (long)sa, (long)&len, 0, -ENOTSOCK);
    /* pidfd_send_signal(): pidfd_to_pid() -EBADF for a file that is no pidfd */
    refused(P_PSIGEV, m, ev >= 0, 424, ev, 0, 0, 0, -EBADF);
    /* inotify_rm_watch(): `f_op != &inotify_fops` -EINVAL */
    refused(P_INORMEV, m, ev >= 0, SYS_inotify_rm_watch, ev, 1, 0, 0, -EINVAL);
    /* pipe_fcntl(): get_pipe_info() NULL, -EBADF; memfd_fcntl(): no seals, -EINVAL */
    refused(P_PIPESZEV, m, ev >= 0, SYS_fcntl, ev, 1032, 0, 0, -EBADF);
    refused(P_SEALSEV, m, ev >= 0, SYS_fcntl, ev, 1034, 0, 0, -EINVAL);
    /* honest: a socket dup3()ed over an eventfd's number; lseek of an eventfd */
    long e2 = sc(SYS_eventfd2, 0, 0, 0, 0);
    long so = sc(SYS_socket, 1, 1, 0, 0);
    long ok = e2 >= 0 && so >= 0 && sc(SYS_dup3, so, e2, 0, 0) == e2;
    marker(P_OKDUP3SOCK, m, ok, 0, 0);
    log_label(P_OKDUP3SOCK, ok && sys6(SYS_getsockopt, e2, 1, 3, (long)&ty, (long)&tl, 0) == 0
                            && ty == 1 ? 0 : 1);
    ok_step(P_OKLSEEKEV, m, ev >= 0, SYS_lseek, ev, 0, 0, 0);
    long fds[4] = {pfd, ep, e2, so};
    for (int i = 0; i < 4; i++)
        if (fds[i] >= 0)
            sc(SYS_close, fds[i], 0, 0, 0);
}

static void clock_steps(long m)
{
    static long one[2] = {0, 1}, neg[2] = {-1, 0}, its[4];
    /* SYSCALL_DEFINE4(clock_nanosleep): `!timespec64_valid(&t)` (tv_sec < 0) -EINVAL */
    refused(P_CNSNEG, m, 1, SYS_clock_nanosleep, 1, 0, (long)neg, 0, -EINVAL);
    /* do_timer_gettime() -> lock_timer(): no such timer, -EINVAL */
    refused(P_TIMERGET, m, 1, SYS_timer_gettime, 42, (long)its, 0, 0, -EINVAL);
    /* __sys_accept4(): `flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)` -EINVAL first */
    long so = sc(SYS_socket, 1, 1, 0, 0);
    made_step(P_ACCEPTFLAG, m, so >= 0, SYS_accept4, so, 0, 0, 1, -EINVAL);
    if (so >= 0)
        sc(SYS_close, so, 0, 0, 0);
    /* ksys_dup3(): `if (unlikely(oldfd == newfd)) return -EINVAL;` */
    long ev = sc(SYS_eventfd2, 0, 0, 0, 0);
    refused(P_DUP3SAME, m, ev >= 0, SYS_dup3, ev, ev, 0, 0, -EINVAL);
    if (ev >= 0)
        sc(SYS_close, ev, 0, 0, 0);
    /* do_epoll_create(): `if (flags & ~EPOLL_CLOEXEC) return -EINVAL;` */
    made_step(P_EPCFLAG, m, 1, SYS_epoll_create1, 1, 0, 0, 0, -EINVAL);
    /* honest: common_nsleep() reads TIMER_ABSTIME alone */
    ok_step(P_OKCNSFLAG, m, 1, SYS_clock_nanosleep, 1, 2, (long)one, 0);
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
        long ev = sc(SYS_eventfd2, 0, 0x800, 0, 0);      /* EFD_NONBLOCK */
        long mf = sc(SYS_memfd_create, (long)"k", 0, 0, 0);
        long tfd = sc(SYS_timerfd_create, 1, 0x800, 0, 0);
        kind_steps(m, ev, mf);
        size_steps(m, ev, tfd);
        other_kind_steps(m, ev);
        maker_steps(m);
        epoll_steps(m, ev);
        honest_steps(m, ev, mf);
        more_steps(m, ev, tfd);
        clock_steps(m);
    }
    return finish(show_digest);
}
