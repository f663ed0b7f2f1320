/* secret_r87_rules: the attack target of red-team round eighty-seven (round 86's rules at
 * their edges: descriptor makers and mount calls no rule judged yet, flag tests other
 * calls make before any look-up, kinds the Guardian knows used where another kind is
 * needed, ioctls on files of a known kind, name_to_handle_at's -EOVERFLOW store).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.
 *
 * Calls Linux refuses (index 0 for its error -- any error where "an error" --, 1 another,
 * -4 a success):
 *  P_UFFDFLAG    userfaultfd(0x100): an error (-EPERM or -EINVAL)
 *  P_FSPICK      fspick(AT_FDCWD, "/", 0x100): an error (-EPERM or -EINVAL)
 *  P_PERFFLAG    perf_event_open(&attr, 0, -1, -1, 0x100): -EINVAL
 *  P_LLFLAG      landlock_create_ruleset(NULL, 0, 0x80): an error
 *  P_BPFCMD      bpf(999, NULL, 0): an error (-EPERM or -EINVAL)
 *  P_FSOPEN      fsopen("tmpfs", 0x100): an error (-EPERM or -EINVAL)
 *  P_FSMOUNT     fsmount(devnull, 0x100, 0): an error (-EPERM or -EINVAL)
 *  P_OPENTREE    open_tree(AT_FDCWD, "/", 0x4000000): -EINVAL
 *  P_MOVEMOUNT   move_mount(-1, "", -1, "", 0x10000): an error (-EPERM or -EINVAL)
 *  P_MSETATTR    mount_setattr(AT_FDCWD, "/", 0x2, &attr, 32): -EINVAL
 *  P_GETFDFLAG   pidfd_getfd(pidfd, devnull, 1), pidfd its own pidfd_open(): -EINVAL
 *  P_PSIGFLAG    pidfd_send_signal(devnull, 0, NULL, 0x10): -EINVAL
 *  P_CRANGE      close_range(10, 9, 0): -EINVAL
 *  P_TFDSETFLAG  timerfd_settime(devnull, 0x10, &its, NULL): -EINVAL
 *  P_CFRFLAG     copy_file_range(devnull, NULL, devnull, NULL, 1, 1): -EINVAL (1 is a
 *                lie: index -4)
 *  P_SPLICEFLAG  splice(devnull, NULL, devnull, NULL, 1, 0x100): -EINVAL (1: -4)
 *  P_PMADVFLAG   process_madvise(devnull, NULL, 0, MADV_DONTNEED, 1): -EINVAL
 *  P_EPMEMFD     epoll_ctl(ep, EPOLL_CTL_ADD, memfd, &ev): -EPERM
 *  P_LISTENEV    listen(eventfd, 1): -ENOTSOCK
 *  P_ACCEPTMEM   accept4(memfd, NULL, NULL, 0): -ENOTSOCK
 *  P_FIONREADEV  ioctl(eventfd, FIONREAD, &n): -ENOTTY
 *  P_TCGETSMEM   ioctl(memfd, TCGETS, &t): -ENOTTY
 *  P_SOCKOPTEV   getsockopt(eventfd, SOL_SOCKET, SO_TYPE, &v, &4): -ENOTSOCK
 *  P_N2HOVER     name_to_handle_at(AT_FDCWD, "/dev/null", h, &id, 0), h's handle_bytes
 *                0: -EOVERFLOW with only the header and mount id written (index: the
 *                handle's first word, which Linux leaves 0; another answer 1)
 *  P_EPDSLASH    epoll_ctl(ep, EPOLL_CTL_ADD, open("//dev/null"), &ev): -EPERM (the epoll
 *                and the open after the marker; either failing indexes 1)
 *  P_EPDIRAT     epoll_ctl(ep, EPOLL_CTL_ADD, openat(open("/dev", O_PATH), "null"), &ev):
 *                -EPERM
 *  P_EPFDUP      epoll_ctl(ep, EPOLL_CTL_ADD, fcntl(devnull, F_DUPFD_CLOEXEC, 0), &ev):
 *                -EPERM
 *  P_MSETSIZE    mount_setattr(AT_FDCWD, "/", 0, &attr, 16): -EINVAL
 *  P_TREEREC     open_tree(AT_FDCWD, "/", AT_RECURSIVE): -EINVAL
 *  P_FSMATTR     fsmount(devnull, 0, 0x40000000): an error (-EPERM or -EINVAL)
 *  P_N2HBIG      name_to_handle_at() of handle_bytes 0: -EOVERFLOW, the size it needs
 *                written (12; at most MAX_HANDLE_SZ 128: above it indexes -4)
 *  P_N2HSMALL    name_to_handle_at() of handle_bytes 8: -EOVERFLOW, the size it needs
 *                written (12; 8 or less indexes -4)
 *  P_EPRIGHTS    epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev), r /dev/null received by SCM_RIGHTS
 *                on an AF_UNIX socketpair: -EPERM
 *  P_FIONREADDN  ioctl(devnull, FIONREAD, &n): -ENOTTY
 *  P_LISTENDN    listen(devnull, 1): -ENOTSOCK
 *  P_LISTENDG    listen(socket(AF_UNIX, SOCK_DGRAM, 0), 1): -EOPNOTSUPP
 *  P_TFDSETNSEC  timerfd_settime(devnull, 0, {{0, 0}, {0, 1000000000}}, NULL): -EINVAL
 *  P_CNSNSEC     clock_nanosleep(CLOCK_MONOTONIC, 0, {0, 1000000000}, NULL): -EINVAL
 *  P_PPOLLSIGSZ  ppoll(NULL, 0, {0, 0}, &mask, 4): -EINVAL
 * Honest calls (index 0 for Linux's answer, 1 another):
 *  P_OKFID       name_to_handle_at(AT_FDCWD, "/dev/null", h, &id, AT_HANDLE_FID): 0
 *                (6.5 on; -EINVAL before)
 *  P_OKPIDTHR    pidfd_open(getpid(), PIDFD_THREAD): a descriptor (6.9 on)
 *  P_OKNOEXEC    memfd_create("x", MFD_NOEXEC_SEAL): a descriptor (6.3 on)
 *  P_OKEPDUP     epoll_pwait(dup(ep), ev, 1, 0, NULL, 8): 0
 *  P_OKDUP3EP    epoll_pwait(n, ev, 1, 0, NULL, 8) once dup3(ep, n, 0) put an epoll at
 *                n, a copy of /dev/null's number: 0
 *  P_OKEPPARAMS  ioctl(ep, EPIOCGPARAMS, &params): 0, 8 bytes written (6.9 on; -ENOTTY
 *                before)
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r87.py.  Only the digest of the secret is ever printed.
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
#define P_UFFDFLAG 15800
#define P_FSPICK 15802
#define P_PERFFLAG 15804
#define P_LLFLAG 15806
#define P_BPFCMD 15808
#define P_FSOPEN 15810
#define P_FSMOUNT 15812
#define P_OPENTREE 15814
#define P_MOVEMOUNT 15816
#define P_MSETATTR 15818
#define P_GETFDFLAG 15820
#define P_PSIGFLAG 15822
#define P_CRANGE 15824
#define P_TFDSETFLAG 15826
#define P_CFRFLAG 15828
#define P_SPLICEFLAG 15830
#define P_PMADVFLAG 15832
#define P_EPMEMFD 15834
#define P_LISTENEV 15836
#define P_ACCEPTMEM 15838
#define P_FIONREADEV 15840
#define P_TCGETSMEM 15842
#define P_SOCKOPTEV 15844
#define P_N2HOVER 15846
#define P_EPDSLASH 15848
#define P_EPDIRAT 15850
#define P_EPFDUP 15852
#define P_MSETSIZE 15854
#define P_TREEREC 15856
#define P_FSMATTR 15858
#define P_N2HBIG 15860
#define P_N2HSMALL 15862
#define P_EPRIGHTS 15864
#define P_FIONREADDN 15866
#define P_LISTENDN 15868
#define P_LISTENDG 15870
#define P_TFDSETNSEC 15872
#define P_CNSNSEC 15874
#define P_PPOLLSIGSZ 15876
#define P_OKFID 15900
#define P_OKPIDTHR 15902
#define P_OKNOEXEC 15904
#define P_OKEPDUP 15906
#define P_OKDUP3EP 15908
#define P_OKEPPARAMS 15910

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r87"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static int show_digest;

/* a call Linux refuses with `want` (0: any error) that makes a descriptor */
static void made_step(int phase, long m, long nr, long a0, long a1, long a2, long a3, long a4,
                      long want)
{
    marker(phase, m, 1, 0, 0);
    long r = sys6(nr, a0, a1, a2, a3, a4, 0);
    if (r >= 0)
        sc(SYS_close, r, 0, 0, 0);
    log_label(phase, want ? err_index(r, want) : r < 0 ? 0 : -4);
}

/* a call Linux refuses with `want` whose count (1) would be a lie */
static void count_step(int phase, long m, long p, long nr, long a0, long a1, long a2, long a3,
                       long a4, long a5, long want)
{
    marker(phase, m, p, 0, 0);
    long r = p ? sys6(nr, a0, a1, a2, a3, a4, a5) : -1;
    log_label(phase, !p ? 1 : r == want ? 0 : r < 0 ? 1 : -4);
}

static void maker_steps(long m)
{
    static uint8_t attr[128];       /* struct perf_event_attr, all 0 */
    /* new_userfaultfd(): userfaultfd_syscall_allowed() -EPERM, flags -EINVAL */
    made_step(P_UFFDFLAG, m, SYS_userfaultfd, 0x100, 0, 0, 0, 0, 0);
    /* fspick(): !may_mount() -EPERM, then flags past FSPICK_* -EINVAL */
    made_step(P_FSPICK, m, 433, AT_FDCWD, (long)"/", 0x100, 0, 0, 0);
    /* perf_event_open(): `if (flags & ~PERF_FLAG_ALL) return -EINVAL;` first */
    made_step(P_PERFFLAG, m, SYS_perf_event_open, (long)attr, 0, -1, -1, 0x100, -EINVAL);
    /* landlock_create_ruleset(): no Landlock (-EOPNOTSUPP / -ENOSYS) or the flags */
    made_step(P_LLFLAG, m, 444, 0, 0, 0x80, 0, 0, 0);
    /* __sys_bpf(): unprivileged -EPERM, an unknown command -EINVAL */
    made_step(P_BPFCMD, m, SYS_bpf, 999, 0, 0, 0, 0, 0);
    /* fsopen(), fsmount(): !may_mount() -EPERM, then their flags -EINVAL */
    made_step(P_FSOPEN, m, 430, (long)"tmpfs", 0x100, 0, 0, 0, 0);
    made_step(P_FSMOUNT, m, 432, devnull, 0x100, 0, 0, 0, 0);
    /* open_tree(): flags past AT_* | OPEN_TREE_* -EINVAL before the look-up */
    made_step(P_OPENTREE, m, 428, AT_FDCWD, (long)"/", 0x4000000, 0, 0, -EINVAL);
    /* pidfd_getfd(): `if (flags) return -EINVAL;` before fdget(pidfd) */
    long pfd = sc(SYS_pidfd_open, sc(SYS_getpid, 0, 0, 0, 0), 0, 0, 0);
    marker(P_GETFDFLAG, m, pfd >= 0, 0, 0);
    log_label(P_GETFDFLAG, pfd >= 0 ? open_index(sc(438, pfd, devnull, 1, 0), -EINVAL) : 1);
    if (pfd >= 0)
        sc(SYS_close, pfd, 0, 0, 0);
}

static void flag_steps(long m)
{
    static uint64_t mattr[4];       /* struct mount_attr, 32 bytes */
    static long its[4];             /* struct itimerspec, all 0 */
    /* move_mount(): !may_mount() -EPERM, then `flags & ~MOVE_MOUNT__MASK` -EINVAL */
    refused6(P_MOVEMOUNT, m, 1, 429, -1, (long)"", -1, (long)"", 0x10000, 0, 0);
    /* mount_setattr(): flags past AT_EMPTY_PATH | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW |
     * AT_NO_AUTOMOUNT -EINVAL first */
    refused6(P_MSETATTR, m, 1, 442, AT_FDCWD, (long)"/", 0x2, (long)mattr, 32, 0, -EINVAL);
    /* pidfd_send_signal(): flags past PIDFD_SIGNAL_* -EINVAL before fdget() */
    refused(P_PSIGFLAG, m, 1, 424, devnull, 0, 0, 0x10, -EINVAL);
    /* close_range(): `if (fd > max_fd) return -EINVAL;` */
    refused(P_CRANGE, m, 1, SYS_close_range, 10, 9, 0, 0, -EINVAL);
    /* do_timerfd_settime(): `flags & ~TFD_SETTIME_FLAGS` -EINVAL before fdget() */
    refused(P_TFDSETFLAG, m, 1, SYS_timerfd_settime, devnull, 0x10, (long)its, 0, -EINVAL);
    /* vfs_copy_file_range(): `if (flags != 0) return -EINVAL;`; splice: SPLICE_F_ALL */
    count_step(P_CFRFLAG, m, devnull >= 0, SYS_copy_file_range, devnull, 0, devnull, 0, 1, 1,
               -EINVAL);
    count_step(P_SPLICEFLAG, m, devnull >= 0, SYS_splice, devnull, 0, devnull, 0, 1, 0x100,
               -EINVAL);
    /* mount_setattr(): `usize < MOUNT_ATTR_SIZE_VER0` -EINVAL; open_tree(): AT_RECURSIVE
     * without OPEN_TREE_CLONE -EINVAL; fsmount(): attr_flags past MOUNT_ATTR_* */
    refused6(P_MSETSIZE, m, 1, 442, AT_FDCWD, (long)"/", 0, (long)mattr, 16, 0, -EINVAL);
    made_step(P_TREEREC, m, 428, AT_FDCWD, (long)"/", 0x8000, 0, 0, -EINVAL);
    made_step(P_FSMATTR, m, 432, devnull, 0, 0x40000000L, 0, 0, 0);
    /* process_madvise(): `if (flags != 0) return -EINVAL;` first */
    refused6(P_PMADVFLAG, m, 1, 440, devnull, 0, 0, 4, 1, 0, -EINVAL);
}

static void kind_steps(long m)
{
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    long mf = sc(SYS_memfd_create, (long)"k", 0, 0, 0);
    long ev = sc(SYS_eventfd2, 0, 0, 0, 0);
    static uint64_t evs[2] = {1, 0};
    static int n, vlen = 4, v;
    static uint8_t tio[64];
    /* do_epoll_ctl(): !file_can_poll() -- shmem_file_operations have no ->poll */
    refused(P_EPMEMFD, m, ep >= 0 && mf >= 0, SYS_epoll_ctl, ep, 1, mf, (long)evs, -EPERM);
    /* __sys_listen() / __sys_accept4() / getsockopt: sockfd_lookup_light() -ENOTSOCK */
    refused(P_LISTENEV, m, ev >= 0, SYS_listen, ev, 1, 0, 0, -ENOTSOCK);
    marker(P_ACCEPTMEM, m, mf >= 0, 0, 0);
    log_label(P_ACCEPTMEM, mf >= 0 ? open_index(sc(SYS_accept4, mf, 0, 0, 0), -ENOTSOCK) : 1);
    refused6(P_SOCKOPTEV, m, ev >= 0, SYS_getsockopt, ev, 1, 3, (long)&v, (long)&vlen, 0,
             -ENOTSOCK);
    /* do_vfs_ioctl(): FIONREAD only for S_ISREG, then vfs_ioctl(): no unlocked_ioctl */
    refused(P_FIONREADEV, m, ev >= 0, SYS_ioctl, ev, 0x541B, (long)&n, 0, -ENOTTY);
    refused(P_TCGETSMEM, m, mf >= 0, SYS_ioctl, mf, 0x5401, (long)tio, 0, -ENOTTY);
    /* honest: epoll_pwait on a dup of the epoll */
    long d = ep >= 0 ? sc(SYS_dup, ep, 0, 0, 0) : -1;
    marker(P_OKEPDUP, m, d >= 0, 0, 0);
    log_label(P_OKEPDUP, d >= 0 && sys6(SYS_epoll_pwait, d, (long)evs, 1, 0, 0, 8) == 0 ? 0 : 1);
    long fds[4] = {ep, mf, ev, d};
    for (int i = 0; i < 4; i++)
        if (fds[i] >= 0)
            sc(SYS_close, fds[i], 0, 0, 0);
}

static void name_steps(long m)
{
    static uint64_t evs[2] = {1, 0};
    /* do_epoll_ctl(): !file_can_poll() -- /dev/null by other spellings of its name */
    marker(P_EPDSLASH, m, 1, 0, 0);
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    long a = ep >= 0 ? sys6(SYS_openat, AT_FDCWD, (long)"//dev/null", O_WRONLY, 0, 0, 0) : -1;
    log_label(P_EPDSLASH, a < 0 ? 1 : err_index(sc(SYS_epoll_ctl, ep, 1, a, (long)evs),
                                                -EPERM));
    long dd = sys6(SYS_openat, AT_FDCWD, (long)"/dev", O_PATH | O_DIRECTORY, 0, 0, 0);
    long b = dd >= 0 ? sys6(SYS_openat, dd, (long)"null", O_WRONLY, 0, 0, 0) : -1;
    refused(P_EPDIRAT, m, ep >= 0 && b >= 0, SYS_epoll_ctl, ep, 1, b, (long)evs, -EPERM);
    long c = devnull >= 0 ? sc(SYS_fcntl, devnull, F_DUPFD_CLOEXEC, 0, 0) : -1;
    refused(P_EPFDUP, m, ep >= 0 && c >= 0, SYS_epoll_ctl, ep, 1, c, (long)evs, -EPERM);
    /* honest: an epoll dup3()ed onto a copy of /dev/null's number */
    long n = devnull >= 0 ? sc(SYS_dup, devnull, 0, 0, 0) : -1;
    long ok = ep >= 0 && n >= 0 && sc(SYS_dup3, ep, n, 0, 0) == n;
    marker(P_OKDUP3EP, m, ok, 0, 0);
    log_label(P_OKDUP3EP, ok && sys6(SYS_epoll_pwait, n, (long)evs, 1, 0, 0, 8) == 0 ? 0 : 1);
    /* honest: EPIOCGPARAMS (_IOR(0x8A, 0x02, struct epoll_params), 6.9 on) */
    static uint8_t params[8] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};
    marker(P_OKEPPARAMS, m, ep >= 0, 0, 0);
    long r = ep >= 0 ? sc(SYS_ioctl, ep, 0x80088A02L, (long)params, 0) : -1;
    log_label(P_OKEPPARAMS, r == 0 && params[0] == 0 ? 0 : 1);
    long fds[6] = {ep, a, dd, b, c, n};
    for (int i = 0; i < 6; i++)
        if (fds[i] >= 0)
            sc(SYS_close, fds[i], 0, 0, 0);
}

static struct { long base, len; } iov;
static char one = 'x';
static struct { long name; int namelen, pad0; long iov, iovlen, control, controllen;
                int flags, pad1; } msg;
static uint8_t control[24] __attribute__((aligned(8)));

/* /dev/null sent over an AF_UNIX socketpair and received: the number, or -1 */
static long received_devnull(void)
{
    int sv[2] = {-1, -1};
    if (devnull < 0 || sc(SYS_socketpair, 1, 1, 0, (long)sv) != 0)
        return -1;
    iov.base = (long)&one;
    iov.len = 1;
    msg.iov = (long)&iov;
    msg.iovlen = 1;
    msg.control = (long)control;
    msg.controllen = 24;
    uint64_t len = 20;
    int level = 1, type = 1;        /* SOL_SOCKET, SCM_RIGHTS */
    memset(control, 0, sizeof control);
    memcpy(control, &len, 8);
    memcpy(control + 8, &level, 4);
    memcpy(control + 12, &type, 4);
    memcpy(control + 16, &devnull, 4);
    long r = -1;
    if (sc(SYS_sendmsg, sv[0], (long)&msg, 0, 0) == 1) {
        memset(control, 0, sizeof control);
        msg.controllen = 24;
        if (sc(SYS_recvmsg, sv[1], (long)&msg, 0, 0) == 1 && msg.controllen >= 20) {
            int fd;
            memcpy(&fd, control + 16, 4);
            r = fd;
        }
    }
    sc(SYS_close, sv[0], 0, 0, 0);
    sc(SYS_close, sv[1], 0, 0, 0);
    return r;
}

static void rights_steps(long m)
{
    static uint64_t evs[2] = {1, 0};
    static int n;
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    long r = received_devnull();
    /* do_epoll_ctl(): !file_can_poll(): the received file is /dev/null's */
    refused(P_EPRIGHTS, m, ep >= 0 && r >= 0, SYS_epoll_ctl, ep, 1, r, (long)evs, -EPERM);
    /* vfs_ioctl(): null_fops have no unlocked_ioctl; sockfd_lookup_light(): no socket */
    refused(P_FIONREADDN, m, devnull >= 0, SYS_ioctl, devnull, 0x541B, (long)&n, 0, -ENOTTY);
    refused(P_LISTENDN, m, devnull >= 0, SYS_listen, devnull, 1, 0, 0, -ENOTSOCK);
    /* sock_no_listen(): a datagram socket */
    long d = sc(SYS_socket, 1, 2, 0, 0);
    refused(P_LISTENDG, m, d >= 0, SYS_listen, d, 1, 0, 0, -EOPNOTSUPP);
    long fds[3] = {ep, r, d};
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            sc(SYS_close, fds[i], 0, 0, 0);
}

static void time_steps(long m)
{
    static long its[4] = {0, 0, 0, 1000000000L}, ts[2] = {0, 1000000000L}, z[2];
    static uint64_t mask;
    /* do_timerfd_settime(): !itimerspec64_valid() before fdget() */
    refused(P_TFDSETNSEC, m, devnull >= 0, SYS_timerfd_settime, devnull, 0, (long)its, 0,
            -EINVAL);
    /* SYSCALL_DEFINE4(clock_nanosleep): !timespec64_valid() */
    refused(P_CNSNSEC, m, 1, SYS_clock_nanosleep, 1, 0, (long)ts, 0, -EINVAL);
    /* set_user_sigmask(): sigsetsize != sizeof(sigset_t) */
    refused6(P_PPOLLSIGSZ, m, 1, SYS_ppoll, 0, 0, (long)z, (long)&mask, 4, 0, -EINVAL);
}

static void handle_steps(long m)
{
    static struct { unsigned bytes; int type; int f[32]; } fh;
    static int mnt;
    /* do_sys_name_to_handle(): handle_bytes 0 -EOVERFLOW, the header alone copied */
    fh.bytes = 0;
    marker(P_N2HOVER, m, 1, 0, 0);
    long r = sys6(SYS_name_to_handle_at, AT_FDCWD, (long)"/dev/null", (long)&fh, (long)&mnt,
                  0, 0);
    log_label(P_N2HOVER, r == -EOVERFLOW ? fh.f[0] : 1);
    /* do_sys_name_to_handle(): at -EOVERFLOW handle_bytes is the size the handle needs,
     * above the one passed and at most MAX_HANDLE_SZ */
    fh.bytes = 0;
    marker(P_N2HBIG, m, 1, 0, 0);
    r = sys6(SYS_name_to_handle_at, AT_FDCWD, (long)"/dev/null", (long)&fh, (long)&mnt, 0, 0);
    log_label(P_N2HBIG, r != -EOVERFLOW ? 1 : fh.bytes > 128 ? -4 : 0);
    fh.bytes = 8;
    marker(P_N2HSMALL, m, 1, 0, 0);
    r = sys6(SYS_name_to_handle_at, AT_FDCWD, (long)"/dev/null", (long)&fh, (long)&mnt, 0, 0);
    log_label(P_N2HSMALL, r != -EOVERFLOW ? 1 : fh.bytes <= 8 ? -4 : 0);
    /* honest: AT_HANDLE_FID (6.5 on) */
    fh.bytes = 128;
    marker(P_OKFID, m, 1, 0, 0);
    log_label(P_OKFID, sys6(SYS_name_to_handle_at, AT_FDCWD, (long)"/dev/null", (long)&fh,
                            (long)&mnt, 0x200, 0) == 0 ? 0 : 1);
    /* honest: PIDFD_THREAD (O_EXCL, 6.9 on), MFD_NOEXEC_SEAL (6.3 on) */
    marker(P_OKPIDTHR, m, 1, 0, 0);
    log_label(P_OKPIDTHR, ok_index(sc(SYS_pidfd_open, sc(SYS_getpid, 0, 0, 0, 0), O_EXCL, 0,
                                      0)));
    marker(P_OKNOEXEC, m, 1, 0, 0);
    log_label(P_OKNOEXEC, ok_index(sc(SYS_memfd_create, (long)"x", 8, 0, 0)));
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
        maker_steps(m);
        flag_steps(m);
        kind_steps(m);
        handle_steps(m);
        name_steps(m);
        rights_steps(m);
        time_steps(m);
    }
    return finish(show_digest);
}
