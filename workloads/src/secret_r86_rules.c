/* secret_r86_rules: the attack target of red-team round eighty-six (round 85's rules at
 * their edges: openat2's name and struct, control data Linux refuses that round 85's walk
 * leaves alone, and other calls' argument errors Linux gives before any look-up).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  NEVER (77) is a number nothing opens.
 *
 * Calls Linux refuses (index 0 for its error, 1 another, -4 a success):
 *  P_BENEATHDOT   openat2(AT_FDCWD, "./../x", {O_RDONLY, 0, RESOLVE_BENEATH}, 24): -EXDEV
 *  P_HOWNULL      openat2(AT_FDCWD, "/dev/null", NULL, 24): -EFAULT
 *  P_CREDLEN      sendmsg(sv0, 1 byte, SCM_CREDENTIALS of cmsg_len 32): -EINVAL (-c)
 *  P_SCMSEC       sendmsg(sv0, 1 byte, a SOL_SOCKET SCM_SECURITY cmsg): -EINVAL
 *  P_SCMPIDFD     sendmsg(sv0, 1 byte, a SOL_SOCKET SCM_PIDFD cmsg): -EINVAL
 *  P_FICLONENEG   ioctl(devnull, FICLONE, -1): -EBADF
 *  P_FICLONENEVER ioctl(devnull, FICLONE, NEVER): -EBADF
 *  P_RANGENULL    ioctl(devnull, FICLONERANGE, NULL): -EFAULT
 *  P_SELNSEC      pselect6(0, NULL, NULL, NULL, {0, 1000000000}, NULL): -EINVAL
 *  P_SELSIGSZ     pselect6(0, NULL, NULL, NULL, {0, 0}, {&mask, 4}): -EINVAL
 *  P_POLLNEG      ppoll(NULL, 0, {-1, 0}, NULL, 8): -EINVAL (-n)
 *  P_SELNEG       pselect6(0, NULL, NULL, NULL, {-1, 0}, NULL): -EINVAL (-m)
 *  P_EPMAX0       epoll_pwait(ep, ev, 0, 0, NULL, 8): -EINVAL
 *  P_EPSELF       epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev): -EINVAL
 *  P_INOMASK0     inotify_add_watch(devnull, "/", 0): -EINVAL
 *  P_INOINIT      inotify_init1(1): -EINVAL
 *  P_FANINIT      fanotify_init(0x80000000, O_RDONLY): an error (-EINVAL or -EPERM)
 *  P_N2HFLAG      name_to_handle_at(AT_FDCWD, "/dev/null", h, &id, AT_SYMLINK_NOFOLLOW):
 *                 -EINVAL
 *  P_BYHANDLE0    open_by_handle_at(AT_FDCWD, {handle_bytes 0}, O_RDONLY): an error
 *  P_GETBPF       getsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF, &v, &4): -ENOPROTOOPT
 *  P_FILTER0      setsockopt(sv0, SOL_SOCKET, SO_ATTACH_FILTER, {0, NULL}, 16): -EINVAL
 *  P_DGRAMCRED    sendmsg(d0, 1 byte, SCM_CREDENTIALS of cmsg_len 32) on a SOCK_DGRAM
 *                 socketpair: -EINVAL (-c)
 *  P_EPNOPOLL     epoll_ctl(ep, EPOLL_CTL_ADD, devnull, &ev): -EPERM
 *  P_EPNOTEP      epoll_pwait(devnull, ev, 1, 0, NULL, 8): -EINVAL
 *  P_INONOTINO    inotify_add_watch(devnull, "/", IN_ALL_EVENTS): -EINVAL
 *  P_CLONESELF    ioctl(devnull, FICLONE, devnull): -EINVAL
 *  P_FANMARK      fanotify_mark(devnull, 0x80000000, IN_ACCESS, AT_FDCWD, "/"): -EINVAL
 *  P_EPCREATE     epoll_create1(1): -EINVAL
 *  P_EVENTFD      eventfd2(0, 2): -EINVAL
 *  P_SIGNALFD     signalfd4(-1, &mask, 4, 0): -EINVAL
 *  P_TIMERFD      timerfd_create(99, 0): -EINVAL
 *  P_MEMFDFLAG    memfd_create("x", 0x100): -EINVAL
 *  P_PIDFDFLAG    pidfd_open(getpid(), 1): -EINVAL
 *  P_SOCKFLAG     socket(AF_UNIX, SOCK_STREAM | 0x10, 0): -EINVAL
 *  P_ACCFLAG      accept4(sv0, NULL, NULL, 1): -EINVAL
 *  P_BPFDEVNULL   setsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF, &devnull, 4): -EINVAL
 *  P_EPWAIT2NSEC  epoll_pwait2(ep, ev, 1, {0, 1000000000}, NULL, 8): -EINVAL
 *  P_SIGFDFLAG    signalfd4(-1, &mask, 8, 1): -EINVAL
 *  P_PIDFDZERO    pidfd_open(0, 0): -EINVAL
 *  P_MEMFDLONG    memfd_create(a name of 300 bytes, 0): -EINVAL
 *  P_ACCPAIR      accept4(sv0, NULL, NULL, 0), sv0 a socketpair end: -EINVAL
 *  P_LISTENPAIR   listen(sv0, 1), sv0 a socketpair end: -EINVAL
 * Calls Linux answers with a count (index 0 for it; another 1, -4 a lie named below):
 *  P_MMSGCRED     sendmmsg(sv0, {1 byte; 1 byte with SCM_CREDENTIALS of cmsg_len 32}, 2,
 *                 0): 1 (2 indexes -4; -c)
 * Honest calls (index 0 for Linux's answer, 1 another):
 *  P_OKCRED       sendmsg(sv0, 1 byte, SCM_CREDENTIALS {pid, uid, gid}, cmsg_len 28,
 *                 controllen 32) then SCM_RIGHTS {devnull}: 1
 *  P_OKTAIL       sendmsg(sv0, 1 byte, SCM_RIGHTS {devnull} (cmsg_len 20) in 29 control
 *                 bytes): 1
 *  P_OKPATH       openat2(AT_FDCWD, "/dev/null", {O_PATH | O_CLOEXEC | O_NOFOLLOW}, 24):
 *                 a descriptor
 *  P_OKN2H        name_to_handle_at(AT_FDCWD, "/dev/null", h, &id, 0): 0 (index 0; an
 *                 error 1: the kernel model has no file handles)
 * Under -c the credential steps run (the kernel model sends credentials of any length: a
 * leak untouched), under -n ppoll's and under -m pselect6's negative timeout (the
 * Guardian refuses Linux's -EINVAL there: return.value_range).
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r86.py.  Only the digest of the secret is ever printed.
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
#define P_BENEATHDOT 15200
#define P_HOWNULL 15202
#define P_CREDLEN 15204
#define P_SCMSEC 15206
#define P_SCMPIDFD 15208
#define P_FICLONENEG 15210
#define P_FICLONENEVER 15212
#define P_RANGENULL 15214
#define P_SELNSEC 15216
#define P_SELSIGSZ 15218
#define P_POLLNEG 15220
#define P_EPMAX0 15222
#define P_EPSELF 15224
#define P_INOMASK0 15226
#define P_INOINIT 15228
#define P_FANINIT 15230
#define P_N2HFLAG 15232
#define P_BYHANDLE0 15234
#define P_GETBPF 15236
#define P_FILTER0 15238
#define P_DGRAMCRED 15240
#define P_SELNEG 15242
#define P_EPNOPOLL 15244
#define P_EPNOTEP 15246
#define P_INONOTINO 15248
#define P_CLONESELF 15250
#define P_FANMARK 15252
#define P_EPCREATE 15254
#define P_EVENTFD 15256
#define P_SIGNALFD 15258
#define P_TIMERFD 15260
#define P_MEMFDFLAG 15262
#define P_PIDFDFLAG 15264
#define P_SOCKFLAG 15266
#define P_ACCFLAG 15268
#define P_BPFDEVNULL 15300
#define P_EPWAIT2NSEC 15302
#define P_SIGFDFLAG 15304
#define P_PIDFDZERO 15306
#define P_MEMFDLONG 15308
#define P_ACCPAIR 15310
#define P_LISTENPAIR 15312
#define P_MMSGCRED 15280
#define P_OKCRED 15290
#define P_OKTAIL 15292
#define P_OKPATH 15294
#define P_OKN2H 15296
#define NEVER 77
#define FICLONE_CMD 0x40049409L        /* _IOW(0x94, 9, int) */
#define FICLONERANGE_CMD 0x4020940DL   /* _IOW(0x94, 13, struct file_clone_range) */

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r86"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static int show_digest, with_creds, with_neg, with_selneg;

static struct { long base, len; } iov;
static char one = 'x';
static struct { long name; int namelen, pad0; long iov, iovlen, control, controllen;
                int flags, pad1; } msg;
static uint8_t control[64] __attribute__((aligned(8)));

static void put_cmsg(int off, uint64_t len, int level, int type)
{
    memcpy(control + off, &len, 8);
    memcpy(control + off + 8, &level, 4);
    memcpy(control + off + 12, &type, 4);
}

static void set_msg(long controllen)
{
    iov.base = (long)&one;
    iov.len = 1;
    msg.iov = (long)&iov;
    msg.iovlen = 1;
    msg.control = controllen ? (long)control : 0;
    msg.controllen = controllen;
}

/* SCM_CREDENTIALS {pid, uid, gid} of cmsg_len `len` at the start of control */
static void put_creds(uint64_t len)
{
    memset(control, 0, sizeof control);
    put_cmsg(0, len, 1, 2);
    int cred[3] = {(int)sc(SYS_getpid, 0, 0, 0, 0), (int)sc(SYS_getuid, 0, 0, 0, 0),
                   (int)sc(SYS_getgid, 0, 0, 0, 0)};
    memcpy(control + 16, cred, sizeof cred);
}

/* a sendmsg Linux answers 1: index 0, another answer 1 */
static void sent_step(int phase, long m, int p, long s)
{
    marker(phase, m, p, 0, 0);
    long r = p ? sc(SYS_sendmsg, s, (long)&msg, 0, 0) : -1;
    log_label(phase, r == 1 ? 0 : 1);
}

static void socket_steps(long m)
{
    int sv[2] = {-1, -1}, dv[2] = {-1, -1};
    int oks = sc(SYS_socketpair, 1, 1, 0, (long)sv) == 0;   /* AF_UNIX, SOCK_STREAM */
    int okd = sc(SYS_socketpair, 1, 2, 0, (long)dv) == 0;   /* AF_UNIX, SOCK_DGRAM */
    /* __scm_send(): SCM_CREDENTIALS `cmsg_len != CMSG_LEN(sizeof(struct ucred))` */
    put_creds(32);
    set_msg(32);
    refused(P_CREDLEN, m, oks && with_creds, SYS_sendmsg, sv[0], (long)&msg, 0, 0, -EINVAL);
    refused(P_DGRAMCRED, m, okd && with_creds, SYS_sendmsg, dv[0], (long)&msg, 0, 0, -EINVAL);
    /* __scm_send(): SCM_SECURITY and SCM_PIDFD are for receiving: `default: goto error` */
    int fd = NEVER;
    static const int kinds[2] = {3, 4};
    static const int kphase[2] = {P_SCMSEC, P_SCMPIDFD};
    for (int i = 0; i < 2; i++) {
        memset(control, 0, sizeof control);
        put_cmsg(0, 20, 1, kinds[i]);
        memcpy(control + 16, &fd, 4);
        set_msg(24);
        refused(kphase[i], m, oks, SYS_sendmsg, sv[0], (long)&msg, 0, 0,
                -EINVAL);
    }
    /* __sys_sendmmsg(): the first went, the second's __scm_send() failed: 1 */
    static struct { uint8_t hdr[56]; unsigned len, pad; } mm[2];
    memset(mm, 0, sizeof mm);
    set_msg(0);
    memcpy(mm[0].hdr, &msg, sizeof msg);
    put_creds(32);
    set_msg(32);
    memcpy(mm[1].hdr, &msg, sizeof msg);
    marker(P_MMSGCRED, m, oks && with_creds, 0, 0);
    long r = oks && with_creds ? sc(SYS_sendmmsg, sv[0], (long)mm, 2, 0) : -1;
    log_label(P_MMSGCRED, r == 1 ? 0 : r == 2 ? -4 : 1);
    /* sk_getsockopt(): SO_ATTACH_BPF is no option to read, -ENOPROTOOPT */
    static int v;
    static int vlen = 4;
    refused6(P_GETBPF, m, oks, SYS_getsockopt, sv[0], 1, 50, (long)&v, (long)&vlen, 0,
             -ENOPROTOOPT);
    /* sk_attach_filter() -> __get_filter() -> bpf_check_basics_ok(NULL, 0) */
    static struct { unsigned short len, pad[3]; long filter; } fprog;
    refused6(P_FILTER0, m, oks, SYS_setsockopt, sv[0], 1, 26, (long)&fprog, 16, 0, -EINVAL);
    /* __sys_accept4(): flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK) before the look-up */
    marker(P_ACCFLAG, m, oks, 0, 0);
    log_label(P_ACCFLAG, oks ? open_index(sc(SYS_accept4, sv[0], 0, 0, 1), -EINVAL) : 1);
    /* __bpf_prog_get(): /dev/null is no BPF program (f_op != &bpf_prog_fops) */
    refused6(P_BPFDEVNULL, m, oks && devnull >= 0, SYS_setsockopt, sv[0], 1, 50,
             (long)&devnull, 4, 0, -EINVAL);
    /* unix_accept(): sk_state != TCP_LISTEN; unix_listen(): no address bound */
    marker(P_ACCPAIR, m, oks, 0, 0);
    log_label(P_ACCPAIR, oks ? open_index(sc(SYS_accept4, sv[0], 0, 0, 0), -EINVAL) : 1);
    refused(P_LISTENPAIR, m, oks, SYS_listen, sv[0], 1, 0, 0, -EINVAL);
    /* honest: credentials padded to 32 then SCM_RIGHTS {devnull}; trailing bytes */
    put_creds(28);
    put_cmsg(32, 20, 1, 1);
    memcpy(control + 48, &devnull, 4);
    set_msg(56);
    sent_step(P_OKCRED, m, oks && devnull >= 0, sv[0]);
    memset(control, 0, sizeof control);
    put_cmsg(0, 20, 1, 1);
    memcpy(control + 16, &devnull, 4);
    set_msg(29);
    sent_step(P_OKTAIL, m, oks && devnull >= 0, sv[0]);
    for (int i = 0; i < 2; i++) {
        if (oks)
            sc(SYS_close, sv[i], 0, 0, 0);
        if (okd)
            sc(SYS_close, dv[i], 0, 0, 0);
    }
}

static void file_steps(long m)
{
    /* follow_dotdot(): "." stays at nd->root, then ".." at it under LOOKUP_BENEATH */
    static uint64_t how[3] = {O_RDONLY, 0, 0x08};   /* RESOLVE_BENEATH */
    marker(P_BENEATHDOT, m, 1, 0, 0);
    log_label(P_BENEATHDOT, open_index(sys6(SYS_openat2, AT_FDCWD, (long)"./../x",
                                                (long)how, 24, 0, 0), -EXDEV));
    /* copy_struct_from_user() of address 0 */
    marker(P_HOWNULL, m, 1, 0, 0);
    log_label(P_HOWNULL, open_index(sys6(SYS_openat2, AT_FDCWD, (long)"/dev/null", 0, 24,
                                             0, 0), -EFAULT));
    /* honest: O_PATH with the flags O_PATH takes */
    static uint64_t hpath[3] = {O_PATH | O_CLOEXEC | O_NOFOLLOW, 0, 0};
    marker(P_OKPATH, m, 1, 0, 0);
    log_label(P_OKPATH, ok_index(sys6(SYS_openat2, AT_FDCWD, (long)"/dev/null",
                                          (long)hpath, 24, 0, 0)));
    /* ioctl_file_clone() -> fdget(): no file */
    refused(P_FICLONENEG, m, devnull >= 0, SYS_ioctl, devnull, FICLONE_CMD, -1, 0, -EBADF);
    refused(P_FICLONENEVER, m, devnull >= 0, SYS_ioctl, devnull, FICLONE_CMD, NEVER, 0,
            -EBADF);
    /* ioctl_file_clone_range(): copy_from_user() of address 0 */
    refused(P_RANGENULL, m, devnull >= 0, SYS_ioctl, devnull, FICLONERANGE_CMD, 0, 0,
            -EFAULT);
    /* poll_select_set_timeout(): !timespec64_valid() */
    static long nsec[2] = {0, 1000000000L}, neg[2] = {-1, 0}, zero[2];
    refused6(P_SELNSEC, m, 1, SYS_pselect6, 0, 0, 0, 0, (long)nsec, 0, -EINVAL);
    /* set_user_sigmask(): sigsetsize != sizeof(sigset_t) */
    static uint64_t mask;
    static long pack[2];
    pack[0] = (long)&mask;
    pack[1] = 4;
    refused6(P_SELSIGSZ, m, 1, SYS_pselect6, 0, 0, 0, 0, (long)zero, (long)pack, -EINVAL);
    refused6(P_POLLNEG, m, with_neg, SYS_ppoll, 0, 0, (long)neg, 0, 8, 0, -EINVAL);
    refused6(P_SELNEG, m, with_selneg, SYS_pselect6, 0, 0, 0, 0, (long)neg, 0, -EINVAL);
    /* do_epoll_wait(): maxevents <= 0; do_epoll_ctl(): f.file == tf.file */
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    static uint64_t ev[2] = {1, 0};
    refused6(P_EPMAX0, m, ep >= 0, SYS_epoll_pwait, ep, (long)ev, 0, 0, 0, 8, -EINVAL);
    refused(P_EPSELF, m, ep >= 0, SYS_epoll_ctl, ep, 1, ep, (long)ev, -EINVAL);
    /* do_epoll_ctl(): !file_can_poll(tf.file) (-EPERM); do_epoll_wait(): !is_file_epoll() */
    refused(P_EPNOPOLL, m, ep >= 0 && devnull >= 0, SYS_epoll_ctl, ep, 1, devnull, (long)ev,
            -EPERM);
    refused6(P_EPNOTEP, m, devnull >= 0, SYS_epoll_pwait, devnull, (long)ev, 1, 0, 0, 8,
             -EINVAL);
    /* do_epoll_pwait2() -> poll_select_set_timeout(): !timespec64_valid() */
    static long nsec2[2] = {0, 1000000000L};
    refused6(P_EPWAIT2NSEC, m, ep >= 0, 441, ep, (long)ev, 1, (long)nsec2, 0, 8, -EINVAL);
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
    /* signalfd4's flags; pidfd_open's pid <= 0; memfd_create's name past 249 bytes */
    static uint64_t sigmask8;
    static char longname[301];
    memset(longname, 'a', 300);
    static const struct { int phase; long nr, a0, a1, a2, a3; } more[] = {
        {P_SIGFDFLAG, SYS_signalfd4, -1, (long)&sigmask8, 8, 1},
        {P_PIDFDZERO, SYS_pidfd_open, 0, 0, 0, 0},
        {P_MEMFDLONG, SYS_memfd_create, (long)longname, 0, 0, 0},
    };
    for (unsigned i = 0; i < sizeof more / sizeof more[0]; i++) {
        marker(more[i].phase, m, 1, 0, 0);
        log_label(more[i].phase, open_index(sc(more[i].nr, more[i].a0, more[i].a1, more[i].a2,
                                               more[i].a3), -EINVAL));
    }
    /* inotify_add_watch(): f.file->f_op != &inotify_fops */
    refused(P_INONOTINO, m, devnull >= 0, SYS_inotify_add_watch, devnull, (long)"/", 0xfff, 0,
            -EINVAL);
    /* ioctl_file_clone() -> vfs_clone_file_range(): a character device */
    refused(P_CLONESELF, m, devnull >= 0, SYS_ioctl, devnull, FICLONE_CMD, devnull, 0,
            -EINVAL);
    /* do_fanotify_mark(): flags & ~FANOTIFY_MARK_FLAGS before fdget() */
    refused6(P_FANMARK, m, devnull >= 0, SYS_fanotify_mark, devnull, 0x80000000L, 1,
             AT_FDCWD, (long)"/", 0, -EINVAL);
    /* descriptor makers' unknown flags */
    static uint64_t sigmask;
    static const struct { int phase; long nr, a0, a1, a2, a3; } makers[] = {
        {P_EPCREATE, SYS_epoll_create1, 1, 0, 0, 0},
        {P_EVENTFD, SYS_eventfd2, 0, 2, 0, 0},
        {P_SIGNALFD, SYS_signalfd4, -1, (long)&sigmask, 4, 0},
        {P_TIMERFD, SYS_timerfd_create, 99, 0, 0, 0},
        {P_MEMFDFLAG, SYS_memfd_create, (long)"x", 0x100, 0, 0},
        {P_SOCKFLAG, SYS_socket, 1, 1 | 0x10, 0, 0},
    };
    for (unsigned i = 0; i < sizeof makers / sizeof makers[0]; i++) {
        marker(makers[i].phase, m, 1, 0, 0);
        log_label(makers[i].phase, open_index(sc(makers[i].nr, makers[i].a0, makers[i].a1,
                                                 makers[i].a2, makers[i].a3), -EINVAL));
    }
    marker(P_PIDFDFLAG, m, 1, 0, 0);
    log_label(P_PIDFDFLAG, open_index(sc(SYS_pidfd_open, sc(SYS_getpid, 0, 0, 0, 0), 1, 0, 0),
                                      -EINVAL));
    /* inotify_add_watch(): !(mask & ALL_INOTIFY_BITS) before fdget();
     * inotify_init1(): a flag beside IN_CLOEXEC | IN_NONBLOCK */
    refused(P_INOMASK0, m, devnull >= 0, SYS_inotify_add_watch, devnull, (long)"/", 0, 0,
            -EINVAL);
    marker(P_INOINIT, m, 1, 0, 0);
    log_label(P_INOINIT, open_index(sc(SYS_inotify_init1, 1, 0, 0, 0), -EINVAL));
    marker(P_FANINIT, m, 1, 0, 0);
    long fa = sc(SYS_fanotify_init, 0x80000000L, O_RDONLY, 0, 0);
    if (fa >= 0)
        sc(SYS_close, fa, 0, 0, 0);
    log_label(P_FANINIT, fa < 0 ? 0 : -4);
    /* do_sys_name_to_handle() flags; handle_to_path(): handle_bytes 0 */
    static struct { unsigned bytes; int type; uint8_t f[128]; } fh = {128, 0, {0}};
    static int mnt;
    refused6(P_N2HFLAG, m, 1, SYS_name_to_handle_at, AT_FDCWD, (long)"/dev/null", (long)&fh,
             (long)&mnt, 0x100, 0, -EINVAL);
    static struct { unsigned bytes; int type; uint8_t f[8]; } fh0;
    marker(P_BYHANDLE0, m, 1, 0, 0);
    long bh = sc(SYS_open_by_handle_at, AT_FDCWD, (long)&fh0, O_RDONLY, 0);
    if (bh >= 0)
        sc(SYS_close, bh, 0, 0, 0);
    log_label(P_BYHANDLE0, bh < 0 ? 0 : -4);
    /* honest: a handle of /dev/null (qemu-user on 6.18: 0, handle_bytes 12, type 1) */
    fh.bytes = 128;
    marker(P_OKN2H, m, 1, 0, 0);
    log_label(P_OKN2H, sys6(SYS_name_to_handle_at, AT_FDCWD, (long)"/dev/null", (long)&fh,
                            (long)&mnt, 0, 0) == 0 ? 0 : 1);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        with_selneg |= strcmp(argv[i], "-m") == 0;
        with_creds |= strcmp(argv[i], "-c") == 0;
        with_neg |= strcmp(argv[i], "-n") == 0;
    }
    volatile uint8_t stackbuf[64];

    if (!rules_start(stackbuf))
        return 1;

    sc(SYS_gettid, 0, 0, 0, 0);
    long m = memfd_of('l', 10, 0);
    if (m >= 0) {
        file_steps(m);
        socket_steps(m);
    }
    return finish(show_digest);
}
