/* secret_r80_rules: the attack target of red-team round eighty (the answers of calls about
 * descriptors and areas: kcmp(KCMP_FILE) of a number never opened, of a pidfd_getfd()
 * copy, of a /proc/self/fd reopen and of an SCM_RIGHTS copy, kcmp() of type 8,
 * kcmp(KCMP_EPOLL_TFD) of an unreadable slot and of a signalfd efd, kcmp(KCMP_FS) of a
 * fork child, pidfd_getfd() of a number never opened and of a signalfd,
 * process_mrelease() of a living process, perf_event_open() of a group never opened and
 * of a signalfd group, with pid -1 and cpu -1 and of type 1000, MADV_FREE of a shared
 * anonymous page and of a private view of a /proc reopen of a memfd).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 * Calls Linux refuses (index 0 for its error, 1 another, -4 a success):
 *  P_KCMPNEVER    kcmp(pid, pid, KCMP_FILE, devnull, 900), 900 never opened: -EBADF
 *  P_KCMPTYPE     kcmp(pid, pid, 8, 0, 0): -EINVAL (no such type)
 *  P_KCMPSLOTNULL kcmp(pid, pid, KCMP_EPOLL_TFD, pr, NULL): -EFAULT
 *  P_KCMPEPSIGFD  kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {sfd, pr, 0}), sfd a signalfd:
 *                 -EINVAL (no epoll)
 *  P_GETFDNEVER   pidfd_getfd(pfd, 900, 0): -EBADF
 *  P_GETFDSIGFD   pidfd_getfd(sfd, 0, 0): -EBADF (no pidfd)
 *  P_MRELLIVE     process_mrelease(pidfd_open(getpid()), 0): -EINVAL (not dying)
 *  P_PERFGRPNEVER perf_event_open(dummy, 0, -1, 900, 0): -EBADF
 *  P_PERFGRPSIGFD perf_event_open(dummy, 0, -1, sfd, 0): -EBADF
 *  P_PERFNOTARGET perf_event_open(dummy, -1, -1, -1, 0): an error (-EINVAL)
 *  P_PERFTYPE     perf_event_open(type 1000, 0, -1, -1, 0): an error (-ENOENT)
 *  P_FREESHMEM    madvise(S, 4096, MADV_FREE) of MAP_SHARED | MAP_ANONYMOUS: -EINVAL
 *  P_FREEREOPEN   madvise(V, 4096, MADV_FREE) of a MAP_PRIVATE view of the memfd
 *                 reopened through /proc/self/fd: -EINVAL
 *  P_KCMPPIDZERO  kcmp(0, pid, KCMP_FILE, devnull, devnull): -ESRCH (no task 0)
 *  P_KCMPEPIDXNEVER kcmp(pid, pid, KCMP_EPOLL_TFD, 900, {ep, pr, 0}): -EBADF
 *  P_KCMPEPDUP3   kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {ep, pr, 0}) after dup3(devnull, pr)
 *                 dropped the watched file's last reference: -ENOENT
 *  P_MRELCHILD    process_mrelease(pidfd of a living fork child, 0): -EINVAL
 *  P_MRELREAPED   process_mrelease(the same pidfd once the child is reaped, 0): -ESRCH
 *  P_PMADVFREE    process_madvise(pfd, {Q, 4096}, 1, MADV_FREE, 0): -EINVAL
 *  P_FREELOCKED   madvise(L, 4096, MADV_FREE) of an mlock()ed anonymous page: -EINVAL
 *  P_KCMPEFDCLOSED kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {c, pr, 0}), c closed: -EBADF
 *  P_PERFPERIOD   perf_event_open() of attr.sample_period 1 << 63: -EINVAL
 *  P_PERFRESERVED perf_event_open() of attr's flag bit 63 (__reserved_1): -EINVAL
 *  P_FREEONFAULT  madvise(L, 4096, MADV_FREE) after mlock2(L, 4096, MLOCK_ONFAULT): -EINVAL
 *  P_FREEFUTURE   madvise(F, 4096, MADV_FREE) of an area mmap() made after
 *                 mlockall(MCL_FUTURE): -EINVAL (VM_LOCKED from mm->def_flags)
 *  P_PMADVFLAGS   process_madvise(pfd, {Q, 4096}, 1, MADV_COLD, 1): -EINVAL
 *  P_KCMPEPPASSED kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {ep, pr, 0}) after pr was sent
 *                 to the program itself by SCM_RIGHTS, received as r, and r and pr were
 *                 closed (the file's last reference): -ENOENT
 *  P_PERFCGPIPE   perf_event_open(dummy, pr, 0, -1, PERF_FLAG_PID_CGROUP) of a pipe end:
 *                 an error (no cgroup directory: -EBADF, or -EACCES earlier)
 * Calls Linux answers 0, one object (index 0; an error 1, an order -4):
 *  P_KCMPGETFDCOPY kcmp(pid, pid, KCMP_FILE, devnull, pidfd_getfd(pfd, devnull, 0))
 *  P_KCMPSCM      kcmp(pid, pid, KCMP_FILE, devnull, r), r received by SCM_RIGHTS
 *  P_KCMPSELFSIG  kcmp(pid, pid, KCMP_SIGHAND, 0, 0): one task, one sighand
 *  P_KCMPFILESSHARED kcmp(pid, child, KCMP_FILES, 0, 0) of a CLONE_FILES child: one table
 * Calls Linux answers with an order, never 0 (index 0; an error 1, 0 -4):
 *  P_KCMPCHDUP3   kcmp(pid, child, KCMP_FILE, devnull, devnull) after the fork child
 *                 dup3()ed its pipe end over its copy of devnull's number
 *  P_KCMPFSCHILD  kcmp(pid, child, KCMP_FS, 0, 0) of a fork child
 *  P_KCMPREOPEN   kcmp(pid, pid, KCMP_FILE, m, openat("/proc/self/fd/m"))
 *  P_KCMPNAMEDPIPE kcmp(pid, pid, KCMP_FILE, devnull, pr), pr a pipe end
 * Calls Linux lets through (index 0; 1 otherwise):
 *  P_HFREEZERO    madvise(Z, 4096, MADV_FREE) of a MAP_PRIVATE view of /dev/zero: 0
 *  P_HGETFDNULL   pidfd_getfd(pfd, devnull, 0): a descriptor
 *  P_HKCMPSELFFS  kcmp(pid, pid, KCMP_FS, 0, 0): 0
 *  P_HFREEREMAPOVER madvise(V, 4096, MADV_FREE) after mremap(MREMAP_FIXED) moved an
 *                 anonymous page over the private memfd view V: 0
 *  P_HKCMPEPHELD  kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {ep, pr, 0}) after close(pr)
 *                 while a fork child holds pr's file: an order (the item lives)
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r80.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/socket.h>
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
#define P_KCMPNEVER 12000
#define P_KCMPTYPE 12002
#define P_KCMPSLOTNULL 12004
#define P_KCMPEPSIGFD 12006
#define P_GETFDNEVER 12008
#define P_GETFDSIGFD 12010
#define P_MRELLIVE 12012
#define P_PERFGRPNEVER 12014
#define P_PERFGRPSIGFD 12016
#define P_PERFNOTARGET 12018
#define P_PERFTYPE 12020
#define P_KCMPFSCHILD 12022
#define P_KCMPGETFDCOPY 12024
#define P_KCMPREOPEN 12026
#define P_KCMPSCM 12028
#define P_FREESHMEM 12030
#define P_FREEREOPEN 12032
#define P_KCMPNAMEDPIPE 12034
#define P_KCMPSELFSIG 12036
#define P_KCMPPIDZERO 12038
#define P_KCMPEPIDXNEVER 12040
#define P_KCMPEPDUP3 12042
#define P_MRELCHILD 12044
#define P_MRELREAPED 12046
#define P_PMADVFREE 12048
#define P_FREELOCKED 12050
#define P_HKCMPEPHELD 12086
#define P_KCMPEFDCLOSED 12052
#define P_PERFPERIOD 12054
#define P_PERFRESERVED 12056
#define P_HFREEREMAPOVER 12088
#define P_KCMPFILESSHARED 12058
#define P_KCMPCHDUP3 12060
#define KCMP_FILES 2
#define P_FREEONFAULT 12062
#define P_FREEFUTURE 12064
#define P_PMADVFLAGS 12066
#define P_KCMPEPPASSED 12068
#define P_PERFCGPIPE 12070
#define P_HFREEZERO 12080
#define P_HGETFDNULL 12082
#define P_HKCMPSELFFS 12084

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define KCMP_FILE 0
#define KCMP_FS 3
#define KCMP_SIGHAND 4
#define KCMP_EPOLL_TFD 7
#define NR_MRELEASE 448
#define NEVER 900

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r80"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static int show_digest;

/* a kcmp Linux answers 0 (`same`) or with an order, never 0 */
static void ordered(int phase, long m, long p, long a0, long a1, long a2, long a3, long a4,
                    int same)
{
    marker(phase, m, p, 0, 0);
    long r = p ? sys6(SYS_kcmp, a0, a1, a2, a3, a4, 0) : -1;
    log_label(phase, r < 0 ? 1 : (r == 0) == same ? 0 : -4);
}

/* a new signalfd (signalfd4(-1, ...) always makes one) */
static long new_signalfd(void)
{
    uint64_t mask = 1ul << (SIGUSR1 - 1);
    return sc(SYS_signalfd4, -1, (long)&mask, 8, 0);
}

/* a copy of `fd` passed to ourselves through an SCM_RIGHTS message; -1 if none */
static long passed(long fd)
{
    int sv[2] = {-1, -1};
    if (sc(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sv) != 0)
        return -1;
    static char byte = 'x';
    static struct iovec io;
    static union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
    static struct msghdr msg;
    io.iov_base = &byte;
    io.iov_len = 1;
    memset(&u, 0, sizeof(u));
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &io;
    msg.msg_iovlen = 1;
    msg.msg_control = u.b;
    msg.msg_controllen = sizeof(u.b);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    static int d;
    d = (int)fd;
    memcpy(CMSG_DATA(c), &d, sizeof(int));
    long r = -1;
    if (sc(SYS_sendmsg, sv[0], (long)&msg, 0, 0) == 1) {
        memset(&u, 0, sizeof(u));
        msg.msg_controllen = sizeof(u.b);
        if (sc(SYS_recvmsg, sv[1], (long)&msg, 0, 0) == 1 && c->cmsg_type == SCM_RIGHTS)
            memcpy(&d, CMSG_DATA(c), sizeof(int)), r = d;
    }
    sc(SYS_close, sv[0], 0, 0, 0);
    sc(SYS_close, sv[1], 0, 0, 0);
    return r;
}

static void kcmp_steps(long m, long pid)
{
    refused6(P_KCMPNEVER, m, 1, SYS_kcmp, pid, pid, KCMP_FILE, devnull, NEVER, 0, -EBADF);
    refused6(P_KCMPTYPE, m, 1, SYS_kcmp, pid, pid, 8, 0, 0, 0, -EINVAL);
    refused6(P_KCMPPIDZERO, m, 1, SYS_kcmp, 0, pid, KCMP_FILE, devnull, devnull, 0, -ESRCH);
    ordered(P_KCMPSELFSIG, m, 1, pid, pid, KCMP_SIGHAND, 0, 0, 1);
    int pp[2] = {-1, -1};
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    uint32_t ev[4] = {1, 0, 0, 0};  /* EPOLLIN */
    int watched = ep >= 0 && sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0
                  && sc(SYS_epoll_ctl, ep, 1, pp[0], (long)ev) == 0;
    long pr = pp[0];
    ordered(P_KCMPNAMEDPIPE, m, watched, pid, pid, KCMP_FILE, devnull, pr, 0);
    refused6(P_KCMPSLOTNULL, m, watched, SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, pr, 0, 0,
             -EFAULT);
    long sfd = new_signalfd();
    uint32_t sslot[3] = {(uint32_t)sfd, (uint32_t)pr, 0};
    refused6(P_KCMPEPSIGFD, m, watched && sfd >= 0, SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, pr,
             (long)sslot, 0, -EINVAL);
    if (sfd >= 0)
        sc(SYS_close, sfd, 0, 0, 0);
    for (int i = 0; i < 2; i++)
        if (pp[i] >= 0)
            sc(SYS_close, pp[i], 0, 0, 0);
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
    /* a fork child (no CLONE_FS): copy_fs() -> copy_fs_struct() gave it its own */
    long child = sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0 ? sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0)
                                                        : -1;
    if (child == 0) {
        char b;
        sc(SYS_close, pp[1], 0, 0, 0);
        sc(SYS_read, pp[0], (long)&b, 1, 0);
        sc(SYS_exit_group, 0, 0, 0, 0);
    }
    ordered(P_KCMPFSCHILD, m, child > 0, pid, child, KCMP_FS, 0, 0, 0);
    if (pp[0] >= 0) {
        sc(SYS_close, pp[0], 0, 0, 0);
        sc(SYS_close, pp[1], 0, 0, 0);
    }
    if (child > 0)
        sys6(SYS_wait4, child, 0, 0, 0, 0, 0);
    ordered(P_HKCMPSELFFS, m, 1, pid, pid, KCMP_FS, 0, 0, 1);
    /* pidfd_getfd() of our own devnull installs the same struct file (get_file()) */
    long pfd = sc(SYS_pidfd_open, pid, 0, 0, 0);
    marker(P_KCMPGETFDCOPY, m, pfd >= 0, 0, 0);
    long g = pfd >= 0 ? sc(SYS_pidfd_getfd, pfd, devnull, 0, 0) : -1;
    long k = g >= 0 ? sys6(SYS_kcmp, pid, pid, KCMP_FILE, devnull, g, 0) : -1;
    log_label(P_KCMPGETFDCOPY, k < 0 ? 1 : k == 0 ? 0 : -4);
    if (g >= 0)
        sc(SYS_close, g, 0, 0, 0);
    if (pfd >= 0)
        sc(SYS_close, pfd, 0, 0, 0);
    /* a reopen through /proc/self/fd is a new open: a struct file of its own */
    long o = reopen(m, O_RDWR);
    ordered(P_KCMPREOPEN, m, o >= 0, pid, pid, KCMP_FILE, m, o, 0);
    if (o >= 0)
        sc(SYS_close, o, 0, 0, 0);
    /* an SCM_RIGHTS copy is the same struct file (scm_detach_fds() -> receive_fd()) */
    long r = passed(devnull);
    ordered(P_KCMPSCM, m, r >= 0, pid, pid, KCMP_FILE, devnull, r, 1);
    if (r >= 0)
        sc(SYS_close, r, 0, 0, 0);
}

static void pidfd_steps(long m, long pid)
{
    long pfd = sc(SYS_pidfd_open, pid, 0, 0, 0);
    marker(P_GETFDNEVER, m, pfd >= 0, 0, 0);
    long r = pfd >= 0 ? sys6(SYS_pidfd_getfd, pfd, NEVER, 0, 0, 0, 0) : -EBADF;
    log_label(P_GETFDNEVER, open_index(r, -EBADF));
    long sfd = new_signalfd();
    marker(P_GETFDSIGFD, m, sfd >= 0, 0, 0);
    r = sfd >= 0 ? sys6(SYS_pidfd_getfd, sfd, 0, 0, 0, 0, 0) : -EBADF;
    log_label(P_GETFDSIGFD, open_index(r, -EBADF));
    marker(P_HGETFDNULL, m, pfd >= 0, 0, 0);
    r = pfd >= 0 ? sys6(SYS_pidfd_getfd, pfd, devnull, 0, 0, 0, 0) : -1;
    log_label(P_HGETFDNULL, ok_index(r));
    refused(P_MRELLIVE, m, pfd >= 0, NR_MRELEASE, pfd, 0, 0, 0, -EINVAL);
    if (pfd >= 0)
        sc(SYS_close, pfd, 0, 0, 0);
    uint64_t attr[16] = {0};
    attr[0] = 1 | (128ul << 32);    /* PERF_TYPE_SOFTWARE, size 128 */
    attr[1] = 9;                    /* PERF_COUNT_SW_DUMMY */
    attr[5] = 1ul << 5;             /* exclude_kernel */
    marker(P_PERFGRPNEVER, m, 1, 0, 0);
    r = sys6(SYS_perf_event_open, (long)attr, 0, -1, NEVER, 0, 0);
    log_label(P_PERFGRPNEVER, open_index(r, -EBADF));
    marker(P_PERFGRPSIGFD, m, sfd >= 0, 0, 0);
    r = sfd >= 0 ? sys6(SYS_perf_event_open, (long)attr, 0, -1, sfd, 0, 0) : -EBADF;
    log_label(P_PERFGRPSIGFD, open_index(r, -EBADF));
    if (sfd >= 0)
        sc(SYS_close, sfd, 0, 0, 0);
    marker(P_PERFNOTARGET, m, 1, 0, 0);     /* pid -1 and cpu -1: no target */
    r = sys6(SYS_perf_event_open, (long)attr, -1, -1, -1, 0, 0);
    log_label(P_PERFNOTARGET, r < 0 ? 0 : open_index(r, 0));
    attr[0] = 1000 | (128ul << 32);  /* type 1000: no such PMU */
    marker(P_PERFTYPE, m, 1, 0, 0);
    r = sys6(SYS_perf_event_open, (long)attr, 0, -1, -1, 0, 0);
    log_label(P_PERFTYPE, r < 0 ? 0 : open_index(r, 0));
}

static void madvise_steps(long m)
{
    long s = sys6(SYS_mmap, 0, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    s = mapped_ok(s) ? s : 0;
    if (s)
        *(volatile char *)s = 1;
    refused(P_FREESHMEM, m, s, SYS_madvise, s, PAGE, MADV_FREE, 0, -EINVAL);
    long o = reopen(m, O_RDWR);
    long v = o >= 0 ? sys6(SYS_mmap, 0, PAGE, RW, MAP_PRIVATE, o, 0) : -1;
    v = mapped_ok(v) ? v : 0;
    if (v)
        *(volatile char *)v = 2;
    refused(P_FREEREOPEN, m, v, SYS_madvise, v, PAGE, MADV_FREE, 0, -EINVAL);
    if (o >= 0)
        sc(SYS_close, o, 0, 0, 0);
    long z = sc(SYS_openat, AT_FDCWD, (long)"/dev/zero", O_RDWR, 0);
    long zv = z >= 0 ? sys6(SYS_mmap, 0, PAGE, RW, MAP_PRIVATE, z, 0) : -1;
    zv = mapped_ok(zv) ? zv : 0;
    if (zv)
        *(volatile char *)zv = 3;
    ok_step(P_HFREEZERO, m, zv, SYS_madvise, zv, PAGE, MADV_FREE, 0);
    if (z >= 0)
        sc(SYS_close, z, 0, 0, 0);
}

static void late_steps(long m, long pid)
{
    int pp[2] = {-1, -1}, qq[2] = {-1, -1};
    uint32_t ev[4] = {1, 0, 0, 0};  /* EPOLLIN */
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    int w = ep >= 0 && sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0
            && sc(SYS_epoll_ctl, ep, 1, pp[0], (long)ev) == 0;
    long pr = pp[0];
    uint32_t slot[3] = {(uint32_t)ep, (uint32_t)pr, 0};
    refused6(P_KCMPEPIDXNEVER, m, w, SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, NEVER, (long)slot, 0,
             -EBADF);
    /* dup3() over pr drops the pipe end's last reference: eventpoll_release_file() */
    w = w && sc(SYS_dup3, devnull, pr, 0, 0) == pr;
    refused6(P_KCMPEPDUP3, m, w, SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, pr, (long)slot, 0,
             -ENOENT);
    for (int i = 0; i < 2; i++)
        if (pp[i] >= 0)
            sc(SYS_close, pp[i], 0, 0, 0);
    /* a fork child holds the watched pipe end: the parent's close(pr) leaves the item */
    pp[0] = pp[1] = -1;
    w = ep >= 0 && sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0 && sc(SYS_pipe2, (long)qq, 0, 0, 0) == 0
        && sc(SYS_epoll_ctl, ep, 1, pp[0], (long)ev) == 0;
    pr = pp[0];
    long child = w ? sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0) : -1;
    if (child == 0) {
        char b;
        sc(SYS_close, qq[1], 0, 0, 0);
        sc(SYS_read, qq[0], (long)&b, 1, 0);
        sc(SYS_exit_group, 0, 0, 0, 0);
    }
    int held = child > 0 && sc(SYS_close, pr, 0, 0, 0) == 0;
    pp[0] = -1;
    uint32_t hslot[3] = {(uint32_t)ep, (uint32_t)pr, 0};
    ordered(P_HKCMPEPHELD, m, held, pid, pid, KCMP_EPOLL_TFD, devnull, (long)hslot, 0);
    long cfd = child > 0 ? sc(SYS_pidfd_open, child, 0, 0, 0) : -1;
    refused(P_MRELCHILD, m, cfd >= 0, NR_MRELEASE, cfd, 0, 0, 0, -EINVAL);
    for (int i = 0; i < 2; i++)
        if (qq[i] >= 0)
            sc(SYS_close, qq[i], 0, 0, 0);
    int reaped = child > 0 && sys6(SYS_wait4, child, 0, 0, 0, 0, 0) == child;
    refused(P_MRELREAPED, m, cfd >= 0 && reaped, NR_MRELEASE, cfd, 0, 0, 0, -ESRCH);
    if (cfd >= 0)
        sc(SYS_close, cfd, 0, 0, 0);
    if (pp[1] >= 0)
        sc(SYS_close, pp[1], 0, 0, 0);
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
    /* process_madvise() takes no MADV_FREE: process_madvise_behavior_valid() */
    long q = sys6(SYS_mmap, 0, PAGE, RW, ANON, -1, 0);
    q = mapped_ok(q) ? q : 0;
    if (q)
        *(volatile char *)q = 4;
    long pfd = sc(SYS_pidfd_open, pid, 0, 0, 0);
    long v[2] = {q, PAGE};
    refused6(P_PMADVFREE, m, q && pfd >= 0, SYS_process_madvise, pfd, (long)v, 1, MADV_FREE,
             0, 0, -EINVAL);
    if (pfd >= 0)
        sc(SYS_close, pfd, 0, 0, 0);
    /* a locked area: madvise_dontneed_free() -> can_madv_lru_vma() */
    int locked = q && sc(SYS_mlock, q, PAGE, 0, 0) == 0;
    refused(P_FREELOCKED, m, locked, SYS_madvise, q, PAGE, MADV_FREE, 0, -EINVAL);
}

static void last_steps(long m, long pid)
{
    int pp[2] = {-1, -1};
    uint32_t ev[4] = {1, 0, 0, 0};  /* EPOLLIN */
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    int w = ep >= 0 && sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0
            && sc(SYS_epoll_ctl, ep, 1, pp[0], (long)ev) == 0;
    long c = w ? sc(SYS_dup, ep, 0, 0, 0) : -1;
    w = w && c >= 0 && sc(SYS_close, c, 0, 0, 0) == 0;
    uint32_t slot[3] = {(uint32_t)c, (uint32_t)pp[0], 0};
    refused6(P_KCMPEFDCLOSED, m, w, SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, pp[0], (long)slot, 0,
             -EBADF);
    for (int i = 0; i < 2; i++)
        if (pp[i] >= 0)
            sc(SYS_close, pp[i], 0, 0, 0);
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
    uint64_t attr[16] = {0};
    attr[0] = 1 | (128ul << 32);    /* PERF_TYPE_SOFTWARE, size 128 */
    attr[1] = 9;                    /* PERF_COUNT_SW_DUMMY */
    attr[2] = 1ul << 63;            /* sample_period */
    attr[5] = 1ul << 5;             /* exclude_kernel */
    marker(P_PERFPERIOD, m, 1, 0, 0);
    long r = sys6(SYS_perf_event_open, (long)attr, 0, -1, -1, 0, 0);
    log_label(P_PERFPERIOD, open_index(r, -EINVAL));
    attr[2] = 0;
    attr[5] |= 1ul << 63;           /* __reserved_1 */
    marker(P_PERFRESERVED, m, 1, 0, 0);
    r = sys6(SYS_perf_event_open, (long)attr, 0, -1, -1, 0, 0);
    log_label(P_PERFRESERVED, open_index(r, -EINVAL));
    /* an anonymous page moved over the private memfd view: the view's range is anonymous */
    long v = sys6(SYS_mmap, 0, PAGE, RW, MAP_PRIVATE, m, 0);
    long a = sys6(SYS_mmap, 0, PAGE, RW, ANON, -1, 0);
    if (mapped_ok(a))
        *(volatile char *)a = 5;
    long n = mapped_ok(v) && mapped_ok(a)
             ? sys6(SYS_mremap, a, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, v, 0) : -1;
    ok_step(P_HFREEREMAPOVER, m, n == v, SYS_madvise, v, PAGE, MADV_FREE, 0);
}

/* a child of clone(flags) that first runs `dup_over` (dup3(pp[1], devnull) if set),
 * says so on pp and waits on qq; its pid, or -1 */
static long waiting_child(long flags, int dup_over, int *pp, int *qq)
{
    if (sc(SYS_pipe2, (long)pp, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)qq, 0, 0, 0) != 0)
        return -1;
    long child = sys6(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0, 0);
    if (child == 0) {
        char b = 'c';
        sc(SYS_close, qq[1], 0, 0, 0);
        if (dup_over)
            sc(SYS_dup3, pp[1], devnull, 0, 0);
        sc(SYS_write, pp[1], (long)&b, 1, 0);
        sc(SYS_read, qq[0], (long)&b, 1, 0);
        sc(SYS_exit_group, 0, 0, 0, 0);
    }
    char b;
    if (child > 0 && sc(SYS_read, pp[0], (long)&b, 1, 0) != 1)
        return -1;
    return child;
}

static void release_child(long child, int *pp, int *qq)
{
    sc(SYS_close, qq[1], 0, 0, 0);
    if (child > 0)
        sys6(SYS_wait4, child, 0, 0, 0, 0, 0);
    sc(SYS_close, qq[0], 0, 0, 0);
    sc(SYS_close, pp[0], 0, 0, 0);
    sc(SYS_close, pp[1], 0, 0, 0);
}

static void child_steps(long m, long pid)
{
    int pp[2] = {-1, -1}, qq[2] = {-1, -1};
    /* CLONE_FILES without CLONE_VM: copy_files() shares the files_struct */
    long child = waiting_child(CLONE_FILES, 0, pp, qq);
    ordered(P_KCMPFILESSHARED, m, child > 0, pid, child, KCMP_FILES, 0, 0, 1);
    release_child(child, pp, qq);
    /* a fork child's own dup3() over its copy of devnull's number */
    child = waiting_child(0, 1, pp, qq);
    ordered(P_KCMPCHDUP3, m, child > 0, pid, child, KCMP_FILE, devnull, devnull, 0);
    release_child(child, pp, qq);
}

static void lock_steps(long m, long pid)
{
    long l = sys6(SYS_mmap, 0, PAGE, RW, ANON, -1, 0);
    l = mapped_ok(l) ? l : 0;
    int locked = l && sc(SYS_mlock2, l, PAGE, 1, 0) == 0;    /* MLOCK_ONFAULT */
    refused(P_FREEONFAULT, m, locked, SYS_madvise, l, PAGE, MADV_FREE, 0, -EINVAL);
    long f = sc(SYS_mlockall, MCL_FUTURE, 0, 0, 0) == 0
             ? sys6(SYS_mmap, 0, PAGE, RW, ANON, -1, 0) : -1;
    f = mapped_ok(f) ? f : 0;
    refused(P_FREEFUTURE, m, f, SYS_madvise, f, PAGE, MADV_FREE, 0, -EINVAL);
    sc(SYS_munlockall, 0, 0, 0, 0);
    long q = sys6(SYS_mmap, 0, PAGE, RW, ANON, -1, 0);
    q = mapped_ok(q) ? q : 0;
    if (q)
        *(volatile char *)q = 6;
    long pfd = sc(SYS_pidfd_open, pid, 0, 0, 0);
    long v[2] = {q, PAGE};
    refused6(P_PMADVFLAGS, m, q && pfd >= 0, SYS_process_madvise, pfd, (long)v, 1, 20, 1, 0,
             -EINVAL);
    if (pfd >= 0)
        sc(SYS_close, pfd, 0, 0, 0);
}

static void pass_steps(long m, long pid)
{
    int pp[2] = {-1, -1};
    uint32_t ev[4] = {1, 0, 0, 0};  /* EPOLLIN */
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    int w = ep >= 0 && sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0
            && sc(SYS_epoll_ctl, ep, 1, pp[0], (long)ev) == 0;
    long pr = pp[0];
    long r = w ? passed(pr) : -1;
    if (r >= 0)
        sc(SYS_close, r, 0, 0, 0);
    w = w && sc(SYS_close, pr, 0, 0, 0) == 0;
    pp[0] = -1;
    uint32_t slot[3] = {(uint32_t)ep, (uint32_t)pr, 0};
    refused6(P_KCMPEPPASSED, m, w, SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, devnull, (long)slot, 0,
             -ENOENT);
    /* a pipe end as the cgroup "directory" */
    uint64_t attr[16] = {0};
    attr[0] = 1 | (128ul << 32);    /* PERF_TYPE_SOFTWARE, size 128 */
    attr[1] = 9;                    /* PERF_COUNT_SW_DUMMY */
    attr[5] = 1ul << 5;             /* exclude_kernel */
    marker(P_PERFCGPIPE, m, pp[1] >= 0, 0, 0);
    long e = pp[1] >= 0 ? sys6(SYS_perf_event_open, (long)attr, pp[1], 0, -1, 4, 0) : -1;
    log_label(P_PERFCGPIPE, e < 0 ? 0 : open_index(e, 0));
    if (pp[1] >= 0)
        sc(SYS_close, pp[1], 0, 0, 0);
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
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
        pidfd_steps(m, pid);
        madvise_steps(m);
        late_steps(m, pid);
        last_steps(m, pid);
        child_steps(m, pid);
        lock_steps(m, pid);
        pass_steps(m, pid);
    }
    return finish(show_digest);
}
