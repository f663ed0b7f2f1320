/* secret_r90_rules: the attack target of red-team round ninety (round 89's rules and the
 * kernel model's new inotify: inotify watches, events, FIONREAD and ioctls, a timerfd's
 * ticks and times past timerfd_settime, and the values the new output contracts
 * (SIOCATMARK, FIGETBSZ, SIOCGPGRP, F_GETSIG, F_GETOWN_EX, PIDFD_GET_*_NAMESPACE) hand back).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.
 *
 * Steps (index 0 for Linux's answer, 1 another answer Linux may give, -4 one it cannot):
 *  P_INOADD      wd = inotify_add_watch(ino, "/", IN_CREATE): a wd >= 1 (0 indexes -4)
 *  P_INOSAME     inotify_add_watch(ino, "/", IN_CREATE | IN_MASK_ADD): the same wd
 *                (another wd indexes -4: one mark per inode and group)
 *  P_INOREAD     read(ino, buf, 256), IN_NONBLOCK: -EAGAIN, or events each of which a
 *                watch of IN_CREATE on a directory can carry (wd, or -1 with IN_Q_OVERFLOW
 *                alone; mask within IN_CREATE | IN_ISDIR | IN_UNMOUNT | IN_IGNORED |
 *                IN_Q_OVERFLOW; cookie 0; len a multiple of 16, > 0 exactly for IN_CREATE;
 *                a name with no '/'; no event of wd after its IN_IGNORED): index 0; any other -4
 *  P_INOREADV    readv(ino, {{buf, 0}, {buf2, 256}}, 2): -EINVAL or -EAGAIN (the first
 *                iovec's read of 0 bytes stops the loop): an error 0, a count -4
 *  P_LSEEKINO5   lseek(ino, 5, SEEK_SET): 0 (noop_llseek(): f_pos, never moved); an error
 *                1, another count -4
 *  P_LEASEUNLCK  fcntl(pipe, F_SETLEASE, F_UNLCK): -EINVAL
 *  P_INOFIONREAD ioctl(ino, FIONREAD, &n): 0 with n a multiple of 16 (index 0); n not
 *                a multiple of 16 -4
 *  P_INORMBAD    inotify_rm_watch(ino, wd + 100): -EINVAL
 *  P_INONEXTWD   ioctl(ino, INOTIFY_IOC_SETNEXTWD, 0): an error (-EINVAL, or -ENOTTY)
 *  P_INOTCGETS   ioctl(ino, TCGETS, &t): -ENOTTY
 *  P_INOWRITE    write(ino, &v, 8): -EBADF
 *  P_TFDONESHOT  read(t, buf, 8), t armed once for 1000 s, no interval: -EAGAIN (0); 8
 *                with 1 tick 1; more ticks -4
 *  P_TFDDISARM   read(t, buf, 8), t armed for 1 ns then disarmed: -EAGAIN (0); 8 -4
 *  P_TFDGETTIME  timerfd_gettime(t, &its), t never armed: 0 with zeros; else -4
 *  P_TFDOLD      timerfd_settime(t, 0, {0, 1000 s}, &old), t never armed: old all zeros;
 *                else -4
 *  P_TFDLEFT     timerfd_gettime(t, &its) of that timer: it_interval 0, it_value at most
 *                1000 s with tv_nsec < 10^9 (0); else -4
 *  P_ATMARKV     ioctl(so, SIOCATMARK, &v), so an AF_UNIX socket never connected: v 0
 *                (0), 1 (1), else -4
 *  P_FIGETBSZV   ioctl(mf, FIGETBSZ, &b), mf a memfd: b 4096 (0), another power of two
 *                512..65536 (1), else -4
 *  P_PGRPV       ioctl(so, SIOCGPGRP, &g), no owner ever set: g 0 (0); else -4
 *  P_GETSIG      fcntl(ev, F_GETSIG), no signal ever set: 0 (0); else -4
 *  P_GETOWNEX    fcntl(ev, F_GETOWN_EX, &o), no owner ever set: type 0..2 and pid 0 (0);
 *                an error 1; else -4
 *  P_PIDFDNS     ioctl(pidfd, PIDFD_GET_UTS_NAMESPACE, 0): a new descriptor or an error
 *                (0); the number of a descriptor the program holds open (1) -4
 *  P_INOMASKCREATE inotify_add_watch(ino, "/", IN_CREATE | IN_MASK_CREATE), "/" watched:
 *                -EEXIST
 *  P_INOONLYDIR  inotify_add_watch(ino, "/dev/null", IN_CREATE | IN_ONLYDIR): -ENOTDIR
 *  P_TFDTWICE    read(t, buf, 8) of a one-shot timer whose one tick was read: -EAGAIN
 *  P_TFDGETDIS   timerfd_gettime(t, &its) of a timer armed then disarmed: zeros (0)
 *  P_TFDINTV     timerfd_gettime(t, &its) of a timer armed every 1000 s: it_interval
 *                {1000, 0} (0); else -4
 * Honest (index 0 for Linux's answer):
 *  P_OKFORKTFD   read(t, buf, 8), t a timerfd a fork child armed for 1 ns and exited: 8
 *                with a tick count >= 1 (0); -EAGAIN 1
 *  P_OKDUP3TFD   read(n, buf, 8) once dup3(t, n, 0) put a timerfd armed for 1 ns at a
 *                never-armed timerfd's number n: 8 with >= 1 tick (0); -EAGAIN 1
 *  P_OKREARM     read(t, buf, 8), t armed for 1 ns, disarmed and armed again for 1 ns:
 *                8 with >= 1 tick (0); -EAGAIN 1
 *  P_OKCANCEL    read(t, buf, 8), t a CLOCK_REALTIME timerfd armed with TFD_TIMER_ABSTIME |
 *                TFD_TIMER_CANCEL_ON_SET for a far time: -EAGAIN or -ECANCELED (0)
 *  P_OKDUPPERIOD read(t, buf, 8), t armed once for 1000 s, then re-armed through dup(t)
 *                every 1 us from 1 ns: 8 with >= 1 tick (0)
 *  P_OKCHILDPERIOD read(t, buf, 8), t armed once for 1000 s, then re-armed by a fork
 *                child every 1 us from 1 ns: 8 with >= 1 tick (0)
 *  P_OKSETTICKS5 ioctl(t, TFD_IOC_SET_TICKS, &5) of a one-shot timer armed for 1000 s,
 *                then read(t): 0 and 8 with 5 ticks, or -ENOTTY and -EAGAIN (0)
 *  P_OKRTLEFT    timerfd_gettime(t, &its), t a CLOCK_REALTIME timer armed with
 *                TFD_TIMER_ABSTIME for clock_gettime()'s now + 1000 s: 0
 *                (the time left follows the clock: more than 1000 s once it was set back)
 *  P_OKGETLEASE  fcntl(pipe, F_GETLEASE): F_UNLCK (2)
 *  P_OKFORKWATCH read(ino2, buf, 256), ino2 an inotify whose one watch (IN_CREATE on
 *                "/dev", wd 1) a fork child added before it exited: -EAGAIN or events of
 *                wd 1 (0)
 *  P_OKSCMTFD    read(t, buf, 8), t a timerfd made after a fork, sent to the child by
 *                SCM_RIGHTS and armed by it for 1 ns: 8 with >= 1 tick (0)
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r90.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_INOADD 17400
#define P_INOSAME 17402
#define P_INOREAD 17404
#define P_INOFIONREAD 17406
#define P_INORMBAD 17408
#define P_INONEXTWD 17410
#define P_INOTCGETS 17412
#define P_INOWRITE 17414
#define P_TFDONESHOT 17416
#define P_TFDDISARM 17418
#define P_TFDGETTIME 17420
#define P_TFDOLD 17422
#define P_TFDLEFT 17424
#define P_ATMARKV 17426
#define P_FIGETBSZV 17428
#define P_PGRPV 17430
#define P_GETSIG 17432
#define P_GETOWNEX 17434
#define P_PIDFDNS 17436
#define P_INOMASKCREATE 17438
#define P_INOONLYDIR 17440
#define P_TFDTWICE 17442
#define P_TFDGETDIS 17444
#define P_TFDINTV 17446
#define P_INOREADV 17448
#define P_LEASEUNLCK 17450
#define P_LSEEKINO5 17452
#define P_OKFORKTFD 17500
#define P_OKDUP3TFD 17502
#define P_OKREARM 17504
#define P_OKCANCEL 17506
#define P_OKDUPPERIOD 17508
#define P_OKCHILDPERIOD 17510
#define P_OKSETTICKS5 17512
#define P_OKSCMTFD 17514
#define P_OKRTLEFT 17516
#define P_OKGETLEASE 17518
#define P_OKFORKWATCH 17520

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r90"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static int show_digest;
static long ev = -1, mf = -1, so = -1;

#define TCGETS 0x5401
#define FIONREAD 0x541B
#define IN_CREATE 0x100
#define IN_UNMOUNT 0x2000
#define IN_Q_OVERFLOW 0x4000
#define IN_IGNORED 0x8000
#define IN_ISDIR 0x40000000
#define IN_MASK_ADD 0x20000000
#define IN_MASK_CREATE 0x10000000
#define IN_ONLYDIR 0x01000000

/* 0 where every event of buf[0..r) is one a watch of IN_CREATE on a directory can carry */
static long events_index(const uint8_t *buf, long r, long wd)
{
    long off = 0, ignored = 0;
    while (off < r) {
        if (r - off < 16)
            return -4;
        int32_t w;
        uint32_t mask, cookie, len;
        memcpy(&w, buf + off, 4);
        memcpy(&mask, buf + off + 4, 4);
        memcpy(&cookie, buf + off + 8, 4);
        memcpy(&len, buf + off + 12, 4);
        if (len > (uint32_t)(r - off - 16) || len % 16 || cookie)
            return -4;
        if (mask & ~(uint32_t)(IN_CREATE | IN_ISDIR | IN_UNMOUNT | IN_IGNORED | IN_Q_OVERFLOW))
            return -4;
        if (w == -1 ? mask != IN_Q_OVERFLOW : w != wd || ignored)
            return -4;
        ignored |= w == wd && (mask & IN_IGNORED);
        if ((mask & IN_CREATE) ? len == 0 : len != 0)
            return -4;
        for (uint32_t i = 0; i < len; i++)
            if (buf[off + 16 + i] == '/')
                return -4;
        off += 16 + len;
    }
    return 0;
}

static void inotify_steps(long m)
{
    static uint8_t buf[256] __attribute__((aligned(8)));
    static uint8_t t[64];
    static uint64_t v = 1;
    static int n;
    long ino = sc(SYS_inotify_init1, O_NONBLOCK, 0, 0, 0);
    /* inotify_new_watch(): idr_alloc_cyclic(idr, mark, 1, 0, ...): a wd from 1 */
    marker(P_INOADD, m, ino >= 0, 0, 0);
    long wd = ino >= 0 ? sc(SYS_inotify_add_watch, ino, (long)"/", IN_CREATE, 0) : -1;
    log_label(P_INOADD, wd > 0 ? 0 : wd < 0 ? 1 : -4);
    /* inotify_update_watch() -> inotify_update_existing_watch(): the mark's own wd */
    marker(P_INOSAME, m, wd > 0, 0, 0);
    long w2 = wd > 0 ? sc(SYS_inotify_add_watch, ino, (long)"/", IN_CREATE | IN_MASK_ADD, 0)
                     : -1;
    log_label(P_INOSAME, wd <= 0 ? 1 : w2 == wd ? 0 : w2 < 0 ? 1 : -4);
    /* inotify_read() -> copy_event_to_user(): whole events the marks' masks let through */
    marker(P_INOREAD, m, wd > 0, 0, 0);
    long r = wd > 0 ? sc(SYS_read, ino, (long)buf, sizeof buf, 0) : -1;
    log_label(P_INOREAD, wd <= 0 ? 1 : r == -EAGAIN ? 0 : r < 0 ? 1
                         : events_index(buf, r, wd));
    /* do_loop_readv_writev() -> inotify_read() per iovec: an empty first iovec is a read
     * of 0 bytes, -EINVAL (an event pending) or -EAGAIN, and the loop stops there */
    static uint8_t buf2[256] __attribute__((aligned(8)));
    static struct { long base, len; } iov[2];
    iov[0].base = (long)buf;
    iov[0].len = 0;
    iov[1].base = (long)buf2;
    iov[1].len = sizeof buf2;
    marker(P_INOREADV, m, wd > 0, 0, 0);
    r = wd > 0 ? sc(SYS_readv, ino, (long)iov, 2, 0) : -1;
    log_label(P_INOREADV, wd <= 0 ? 1 : r < 0 ? 0 : r == 0 ? 1 : -4);
    /* inotify_ioctl() FIONREAD: the sum of the queued events' sizes, 16 + len each */
    marker(P_INOFIONREAD, m, ino >= 0, 0, 0);
    n = -1;
    r = ino >= 0 ? sc(SYS_ioctl, ino, FIONREAD, (long)&n, 0) : -1;
    log_label(P_INOFIONREAD, r < 0 ? 1 : n % 16 == 0 && n >= 0 ? 0 : -4);
    /* inotify_rm_watch(): inotify_idr_find() of a wd never given: -EINVAL */
    refused(P_INORMBAD, m, wd > 0, SYS_inotify_rm_watch, ino, wd + 100, 0, 0, -EINVAL);
    /* inotify_ioctl() INOTIFY_IOC_SETNEXTWD: `if (arg >= 1 && arg <= INT_MAX)` else -EINVAL */
    refused(P_INONEXTWD, m, ino >= 0, SYS_ioctl, ino, 0x40044900L, 0, 0, 0);
    /* inotify_ioctl(): `default: ret = -ENOTTY;` */
    refused(P_INOTCGETS, m, ino >= 0, SYS_ioctl, ino, TCGETS, (long)t, 0, -ENOTTY);
    /* do_inotify_init(): O_RDONLY; vfs_write() -EBADF */
    refused(P_INOWRITE, m, ino >= 0, SYS_write, ino, (long)&v, 8, 0, -EBADF);
    /* inotify_update_existing_watch(): `if (create) return -EEXIST;` -- "/" has a mark */
    refused(P_INOMASKCREATE, m, wd > 0, SYS_inotify_add_watch, ino, (long)"/",
            IN_CREATE | IN_MASK_CREATE, 0, -EEXIST);
    /* inotify_find_inode(): IN_ONLYDIR adds LOOKUP_DIRECTORY; /dev/null: -ENOTDIR */
    refused(P_INOONLYDIR, m, ino >= 0, SYS_inotify_add_watch, ino, (long)"/dev/null",
            IN_CREATE | IN_ONLYDIR, 0, -ENOTDIR);
    /* noop_llseek(): `return file->f_pos;` -- inotify_read() never moves it: 0 */
    marker(P_LSEEKINO5, m, ino >= 0, 0, 0);
    r = ino >= 0 ? sc(SYS_lseek, ino, 5, 0, 0) : -1;
    log_label(P_LSEEKINO5, r == 0 ? 0 : r < 0 ? 1 : -4);
    if (ino >= 0)
        sc(SYS_close, ino, 0, 0, 0);
}

/* an inotify whose only watch a fork child added (on "/dev") before it exited */
static void fork_watch_steps(long m)
{
    static uint8_t buf[256] __attribute__((aligned(8)));
    long ino = sc(SYS_inotify_init1, O_NONBLOCK, 0, 0, 0);
    long pid = ino >= 0 ? sc(SYS_clone, 17, 0, 0, 0) : -1;
    if (pid == 0) {
        sc(SYS_inotify_add_watch, ino, (long)"/dev", IN_CREATE, 0);
        sc(SYS_exit, 0, 0, 0, 0);
    }
    long ok = pid > 0 && sc(SYS_wait4, pid, 0, 0, 0) == pid;
    /* the child's watch is the shared group's: wd 1, its events read by the parent */
    marker(P_OKFORKWATCH, m, ok, 0, 0);
    long r = ok ? sc(SYS_read, ino, (long)buf, sizeof buf, 0) : -1;
    log_label(P_OKFORKWATCH, r == -EAGAIN ? 0 : r < 0 ? 1 : events_index(buf, r, 1) ? 1 : 0);
    if (ino >= 0)
        sc(SYS_close, ino, 0, 0, 0);
}

static long tfd_new(void)
{
    return sc(SYS_timerfd_create, 1, 0x800, 0, 0);           /* MONOTONIC, TFD_NONBLOCK */
}

static long tfd_arm(long t, long flags, long isec, long insec, long sec, long nsec, long *old)
{
    static long its[4];
    its[0] = isec;
    its[1] = insec;
    its[2] = sec;
    its[3] = nsec;
    return sc(SYS_timerfd_settime, t, flags, (long)its, (long)old);
}

static long tfd_set(long t, long flags, long sec, long nsec, long *old)
{
    return tfd_arm(t, flags, 0, 0, sec, nsec, old);
}

static void timerfd_steps(long m)
{
    static uint64_t buf[2];
    static long its[4];
    long t1 = tfd_new();
    long ok = t1 >= 0 && tfd_set(t1, 0, 1000, 0, 0) == 0;
    /* timerfd_tmrproc() -> timerfd_triggered(): ticks++ once; no interval, no forward */
    marker(P_TFDONESHOT, m, ok, 0, 0);
    buf[0] = 0;
    long r = ok ? sc(SYS_read, t1, (long)buf, 8, 0) : 1;
    log_label(P_TFDONESHOT, !ok || r < 0 ? 0 : r == 8 && buf[0] == 1 ? 1 : -4);
    /* do_timerfd_settime() -> timerfd_setup(): the disarm drops the tick */
    long t2 = tfd_new();
    ok = t2 >= 0 && tfd_set(t2, 0, 0, 1, 0) == 0;
    sc(SYS_getpid, 0, 0, 0, 0);
    ok = ok && tfd_set(t2, 0, 0, 0, 0) == 0;
    marker(P_TFDDISARM, m, ok, 0, 0);
    r = ok ? sc(SYS_read, t2, (long)buf, 8, 0) : -1;
    log_label(P_TFDDISARM, r < 0 ? 0 : -4);
    /* timerfd_gettime(): timerfd_get_remaining() of a timer never started: 0, tintv 0 */
    long t3 = tfd_new();
    memset(its, 0, sizeof its);
    marker(P_TFDGETTIME, m, t3 >= 0, 0, 0);
    r = t3 >= 0 ? sc(SYS_timerfd_gettime, t3, (long)its, 0, 0) : -1;
    log_label(P_TFDGETTIME, r < 0 ? 1 : (its[0] | its[1] | its[2] | its[3]) ? -4 : 0);
    /* do_timerfd_settime(): old = the setting before, never armed: zeros */
    memset(its, 0, sizeof its);
    marker(P_TFDOLD, m, t3 >= 0, 0, 0);
    r = t3 >= 0 ? tfd_set(t3, 0, 1000, 0, its) : -1;
    log_label(P_TFDOLD, r < 0 ? 1 : (its[0] | its[1] | its[2] | its[3]) ? -4 : 0);
    /* timerfd_gettime(): remaining <= the 1000 s set, a normalized timespec */
    memset(its, 0, sizeof its);
    marker(P_TFDLEFT, m, r == 0, 0, 0);
    long q = r == 0 ? sc(SYS_timerfd_gettime, t3, (long)its, 0, 0) : -1;
    log_label(P_TFDLEFT, q < 0 ? 1 : its[0] || its[1] || its[2] < 0 || its[3] < 0
                         || its[3] >= 1000000000L || its[2] > 1000
                         || (its[2] == 1000 && its[3]) ? -4 : 0);
    /* a one-shot arming's one tick, read: the next read -EAGAIN */
    long t4 = tfd_new();
    ok = t4 >= 0 && tfd_set(t4, 0, 0, 1, 0) == 0;
    sc(SYS_getpid, 0, 0, 0, 0);
    ok = ok && sc(SYS_read, t4, (long)buf, 8, 0) == 8;
    marker(P_TFDTWICE, m, ok, 0, 0);
    r = ok ? sc(SYS_read, t4, (long)buf, 8, 0) : -1;
    log_label(P_TFDTWICE, r < 0 ? 0 : -4);
    /* timerfd_gettime() of a timer armed then disarmed: zeros */
    memset(its, 0, sizeof its);
    ok = t1 >= 0 && tfd_set(t1, 0, 0, 0, 0) == 0;
    marker(P_TFDGETDIS, m, ok, 0, 0);
    r = ok ? sc(SYS_timerfd_gettime, t1, (long)its, 0, 0) : -1;
    log_label(P_TFDGETDIS, r < 0 ? 1 : (its[0] | its[1] | its[2] | its[3]) ? -4 : 0);
    /* timerfd_gettime() of a periodic timer: it_interval is ctx->tintv, the 1000 s set */
    memset(its, 0, sizeof its);
    ok = t2 >= 0 && tfd_arm(t2, 0, 1000, 0, 1000, 0, 0) == 0;
    marker(P_TFDINTV, m, ok, 0, 0);
    r = ok ? sc(SYS_timerfd_gettime, t2, (long)its, 0, 0) : -1;
    log_label(P_TFDINTV, r < 0 ? 1 : its[0] == 1000 && its[1] == 0 ? 0 : -4);
    long fds[4] = {t1, t2, t3, t4};
    for (int i = 0; i < 4; i++)
        if (fds[i] >= 0)
            sc(SYS_close, fds[i], 0, 0, 0);
}

static void contract_steps(long m)
{
    static int v, b, g;
    static int own[2];
    /* unix_ioctl() SIOCATMARK: `answ = skb && skb == oob_skb` -- 0 or 1 */
    v = -1;
    marker(P_ATMARKV, m, so >= 0, 0, 0);
    long r = so >= 0 ? sc(SYS_ioctl, so, 0x8905, (long)&v, 0) : -1;
    log_label(P_ATMARKV, r < 0 ? 1 : v == 0 ? 0 : v == 1 ? 1 : -4);
    /* do_vfs_ioctl() FIGETBSZ: sb->s_blocksize, shmem's PAGE_SIZE */
    b = -1;
    marker(P_FIGETBSZV, m, mf >= 0, 0, 0);
    r = mf >= 0 ? sc(SYS_ioctl, mf, 2, (long)&b, 0) : -1;
    log_label(P_FIGETBSZV, r < 0 ? 1 : b == 4096 ? 0
                           : b >= 512 && b <= 65536 && !(b & (b - 1)) ? 1 : -4);
    /* sock_ioctl() SIOCGPGRP: f_getown(), no owner: 0 */
    g = -1;
    marker(P_PGRPV, m, so >= 0, 0, 0);
    r = so >= 0 ? sc(SYS_ioctl, so, 0x8904, (long)&g, 0) : -1;
    log_label(P_PGRPV, r < 0 ? 1 : g == 0 ? 0 : -4);
    /* do_fcntl() F_GETSIG: filp->f_owner.signum (6.12: file_f_owner()), never set: 0 */
    marker(P_GETSIG, m, ev >= 0, 0, 0);
    r = ev >= 0 ? sc(SYS_fcntl, ev, 11, 0, 0) : -1;
    log_label(P_GETSIG, r < 0 ? 1 : r == 0 ? 0 : -4);
    /* f_getown_ex(): the owner's type (F_OWNER_TID/PID/PGRP) and pid, none set: pid 0 */
    own[0] = own[1] = 0;
    marker(P_GETOWNEX, m, ev >= 0, 0, 0);
    r = ev >= 0 ? sc(SYS_fcntl, ev, 16, (long)own, 0) : -1;
    log_label(P_GETOWNEX, r < 0 ? 1 : own[0] >= 0 && own[0] <= 2 && own[1] == 0 ? 0 : -4);
    /* fcntl_setlease(F_UNLCK) -> vfs_setlease() / generic_setlease(): !S_ISREG -EINVAL */
    static int lp[2] = {-1, -1};
    long okp = sc(SYS_pipe2, (long)lp, 0x800, 0, 0) == 0;
    refused(P_LEASEUNLCK, m, okp, SYS_fcntl, lp[0], 1024, 2, 0, -EINVAL);
    /* fcntl_getlease(): no lease on the file, F_UNLCK (2) -- no S_ISREG test */
    marker(P_OKGETLEASE, m, okp, 0, 0);
    r = okp ? sc(SYS_fcntl, lp[0], 1025, 0, 0) : -1;
    log_label(P_OKGETLEASE, r == 2 ? 0 : 1);
    if (okp) {
        sc(SYS_close, lp[0], 0, 0, 0);
        sc(SYS_close, lp[1], 0, 0, 0);
    }
    /* pidfd_ioctl() -> open_namespace(): get_unused_fd_flags(), never an open number */
    long pfd = sc(SYS_pidfd_open, sc(SYS_getpid, 0, 0, 0, 0), 0, 0, 0);
    long one_open = sc(SYS_fcntl, 1, 1, 0, 0) >= 0;          /* F_GETFD of stdout */
    marker(P_PIDFDNS, m, pfd >= 0 && one_open, 0, 0);
    r = pfd >= 0 && one_open ? sc(SYS_ioctl, pfd, 0xFF0A, 0, 0) : -1;
    log_label(P_PIDFDNS, r == 1 || r == pfd || r == ev || r == mf || r == so ? -4 : 0);
    if (r >= 0 && r != 1 && r != pfd && r != ev && r != mf && r != so)
        sc(SYS_close, r, 0, 0, 0);
    if (pfd >= 0)
        sc(SYS_close, pfd, 0, 0, 0);
}

/* send fd over s (SCM_RIGHTS), or receive one (-1 if none came) */
static long pass_fd(long s, long fd)
{
    static char byte = 'x';
    static struct iovec io;
    static union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
    static struct msghdr mh;
    io.iov_base = &byte;
    io.iov_len = 1;
    memset(&mh, 0, sizeof mh);
    memset(&ctl, 0, sizeof ctl);
    mh.msg_iov = &io;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof ctl.buf;
    if (fd >= 0) {
        struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(h), &(int){(int)fd}, sizeof(int));
        return sc(SYS_sendmsg, s, (long)&mh, 0, 0);
    }
    if (sc(SYS_recvmsg, s, (long)&mh, 0, 0) != 1)
        return -1;
    struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
    int got = -1;
    if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
        memcpy(&got, CMSG_DATA(h), sizeof(int));
    return got;
}

/* a timerfd made after a fork, sent to the child by SCM_RIGHTS and armed by it */
static void scm_steps(long m)
{
    static int sp[2] = {-1, -1};
    static uint64_t buf[2];
    long ok = sc(SYS_socketpair, 1, 1, 0, (long)sp) == 0;
    long pid = ok ? sc(SYS_clone, 17, 0, 0, 0) : -1;
    if (pid == 0) {
        long got = pass_fd(sp[1], -1);
        if (got >= 0)
            tfd_set(got, 0, 0, 1, 0);
        sc(SYS_exit, 0, 0, 0, 0);
    }
    long t = pid > 0 ? tfd_new() : -1;
    ok = t >= 0 && pass_fd(sp[0], t) == 1;
    ok = pid > 0 && sc(SYS_wait4, pid, 0, 0, 0) == pid && ok;
    /* timerfd_read(): the tick of the child's arming of the same open file */
    marker(P_OKSCMTFD, m, ok, 0, 0);
    buf[0] = 0;
    long r = ok ? sc(SYS_read, t, (long)buf, 8, 0) : -1;
    log_label(P_OKSCMTFD, r == 8 && buf[0] >= 1 ? 0 : 1);
    long fds[3] = {t, sp[0], sp[1]};
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            sc(SYS_close, fds[i], 0, 0, 0);
}

static void honest_steps(long m)
{
    static uint64_t buf[2];
    long t = tfd_new();
    long pid = t >= 0 ? sc(SYS_clone, 17, 0, 0, 0) : -1;       /* SIGCHLD */
    if (pid == 0) {
        tfd_set(t, 0, 0, 1, 0);
        sc(SYS_exit, 0, 0, 0, 0);
    }
    long ok = pid > 0 && sc(SYS_wait4, pid, 0, 0, 0) == pid;
    /* timerfd_read(): the tick of the child's arming */
    marker(P_OKFORKTFD, m, ok, 0, 0);
    buf[0] = 0;
    long r = ok ? sc(SYS_read, t, (long)buf, 8, 0) : -1;
    log_label(P_OKFORKTFD, r == 8 && buf[0] >= 1 ? 0 : 1);
    /* a timerfd armed for 1 ns dup3()ed over a never-armed one's number */
    long a = tfd_new(), n = tfd_new();
    ok = a >= 0 && n >= 0 && tfd_set(a, 0, 0, 1, 0) == 0;
    sc(SYS_getpid, 0, 0, 0, 0);
    ok = ok && sc(SYS_dup3, a, n, 0, 0) == n;
    marker(P_OKDUP3TFD, m, ok, 0, 0);
    buf[0] = 0;
    r = ok ? sc(SYS_read, n, (long)buf, 8, 0) : -1;
    log_label(P_OKDUP3TFD, r == 8 && buf[0] >= 1 ? 0 : 1);
    /* armed, disarmed, armed again: the new arming's tick */
    long t2 = tfd_new();
    ok = t2 >= 0 && tfd_set(t2, 0, 0, 1, 0) == 0 && tfd_set(t2, 0, 0, 0, 0) == 0
         && tfd_set(t2, 0, 0, 1, 0) == 0;
    sc(SYS_getpid, 0, 0, 0, 0);
    marker(P_OKREARM, m, ok, 0, 0);
    buf[0] = 0;
    r = ok ? sc(SYS_read, t2, (long)buf, 8, 0) : -1;
    log_label(P_OKREARM, r == 8 && buf[0] >= 1 ? 0 : 1);
    /* timerfd_read(): timerfd_canceled() -ECANCELED once the clock was set (CANCEL_ON_SET) */
    long t3 = sc(SYS_timerfd_create, 0, 0x800, 0, 0);           /* REALTIME */
    ok = t3 >= 0 && tfd_set(t3, 3, 0x7fffffffL, 0, 0) == 0;      /* ABSTIME|CANCEL_ON_SET */
    marker(P_OKCANCEL, m, ok, 0, 0);
    r = ok ? sc(SYS_read, t3, (long)buf, 8, 0) : -1;
    log_label(P_OKCANCEL, r == -EAGAIN || r == -ECANCELED ? 0 : 1);
    /* a one-shot timer re-armed periodic through a dup() of its number: many ticks */
    static long one = 0;
    long p1 = tfd_new();
    long d = p1 >= 0 && tfd_set(p1, 0, 1000, 0, 0) == 0 ? sc(SYS_dup, p1, 0, 0, 0) : -1;
    ok = d >= 0 && tfd_arm(d, 0, 0, 1000, 0, 1, 0) == 0;
    sc(SYS_getpid, 0, 0, 0, 0);
    sc(SYS_getpid, 0, 0, 0, 0);
    marker(P_OKDUPPERIOD, m, ok, 0, 0);
    buf[0] = 0;
    r = ok ? sc(SYS_read, p1, (long)buf, 8, 0) : -1;
    log_label(P_OKDUPPERIOD, r == 8 && buf[0] >= 1 ? 0 : 1);
    /* a one-shot timer a fork child re-armed periodic */
    long p2 = tfd_new();
    ok = p2 >= 0 && tfd_set(p2, 0, 1000, 0, 0) == 0;
    pid = ok ? sc(SYS_clone, 17, 0, 0, 0) : -1;
    if (pid == 0) {
        tfd_arm(p2, 0, 0, 1000, 0, 1, 0);
        sc(SYS_exit, 0, 0, 0, 0);
    }
    ok = pid > 0 && sc(SYS_wait4, pid, 0, 0, 0) == pid;
    marker(P_OKCHILDPERIOD, m, ok, 0, 0);
    buf[0] = 0;
    r = ok ? sc(SYS_read, p2, (long)buf, 8, 0) : -1;
    log_label(P_OKCHILDPERIOD, r == 8 && buf[0] >= 1 ? 0 : 1);
    /* timerfd_ioctl() TFD_IOC_SET_TICKS of a one-shot timer: the read hands them out */
    long p3 = tfd_new();
    ok = p3 >= 0 && tfd_set(p3, 0, 1000, 0, 0) == 0;
    one = 5;
    marker(P_OKSETTICKS5, m, ok, 0, 0);
    long q = ok ? sc(SYS_ioctl, p3, 0x40085400L, (long)&one, 0) : -1;
    buf[0] = 0;
    r = ok ? sc(SYS_read, p3, (long)buf, 8, 0) : -1;
    log_label(P_OKSETTICKS5, (q == 0 && r == 8 && buf[0] == 5) || (q < 0 && r == -EAGAIN)
                             ? 0 : 1);
    /* timerfd_gettime() of a CLOCK_REALTIME timer armed (TFD_TIMER_ABSTIME) for now + 1000
     * s: the time left follows the clock (clock_was_set() moves the REALTIME base) */
    static long its[4], now[2];
    long p4 = sc(SYS_timerfd_create, 0, 0x800, 0, 0);
    ok = p4 >= 0 && sc(SYS_clock_gettime, 0, (long)now, 0, 0) == 0
         && tfd_set(p4, 1, now[0] + 1000, now[1], 0) == 0;      /* TFD_TIMER_ABSTIME */
    marker(P_OKRTLEFT, m, ok, 0, 0);
    r = ok ? sc(SYS_timerfd_gettime, p4, (long)its, 0, 0) : -1;
    log_label(P_OKRTLEFT, r == 0 ? 0 : 1);
    if (p4 >= 0)
        sc(SYS_close, p4, 0, 0, 0);
    long fds[9] = {t, a, n, t2, t3, p1, d, p2, p3};
    for (int i = 0; i < 9; i++)
        if (fds[i] >= 0)
            sc(SYS_close, fds[i], 0, 0, 0);
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
        ev = sc(SYS_eventfd2, 0, 0x800, 0, 0);      /* EFD_NONBLOCK */
        mf = sc(SYS_memfd_create, (long)"k", 0, 0, 0);
        so = sc(SYS_socket, 1, 1, 0, 0);
        inotify_steps(m);
        timerfd_steps(m);
        contract_steps(m);
        honest_steps(m);
        scm_steps(m);
        fork_watch_steps(m);
    }
    return finish(show_digest);
}
