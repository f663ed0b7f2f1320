/* secret_r61_rules: the attack target of red-team round sixty-one (the rules added after
 * round 60, both ways: a pidfd opened again by name through /proc/self/fd or /dev/fd or
 * copied by fcntl(F_DUPFD_CLOEXEC), as an end of splice(),
 * sendfile() and copy_file_range() and under fallocate()/ftruncate(); directories opened
 * through a link to /proc/self/fd followed by "..", walked by names past a memfd's link;
 * pidfd_send_signal() after a reap, O_DIRECT opens of a pipe's end and reads of reopened
 * devices (return.pidfd_ended, return.fifo_direct, return.device_count); and honest
 * answers near them).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 *  P_RPSPLICE    splice(R, NULL, B's write end, NULL, 8, 0), R an O_RDONLY open of
 *                /proc/self/fd/P (P a pidfd: the same pidfs inode, pidfs_file_operations),
 *                is -EINVAL (do_splice_read(): no splice_read).
 *  P_RPSEND      sendfile(B's write end, R, NULL, 8) is -EINVAL (the same).
 *  P_RPCFR       copy_file_range(R, NULL, a memfd, NULL, 10, 0) is -EXDEV
 *                (vfs_copy_file_range(): no copy across super blocks).
 *  P_RWFALL      fallocate(W, 0, 0, 10), W an O_RDWR open of /proc/self/fd/P, is
 *                -EOPNOTSUPP (vfs_fallocate(): no ->fallocate).
 *  P_RWFTR       ftruncate(W, 0) is -EOPNOTSUPP (pidfs refuses the setattr).
 *  P_RWSPLINTO   splice(A's read end, NULL, W, NULL, 8, 0) is -EINVAL (do_splice_from():
 *                no splice_write).
 *  P_RWSENDINTO  sendfile(V, a memfd, &0, 8), V an O_RDWR open of /dev/fd/P, is -EINVAL.
 *  P_FORKSPLICE  in a fork child, splice(P, NULL, B's write end, NULL, 8, 0) of the
 *                inherited pidfd is -EINVAL (dup_fd() shares the file).
 *  P_DUPSPLICE   splice(fcntl(P, F_DUPFD_CLOEXEC, 0), NULL, B's write end, NULL, 8, 0)
 *                is -EINVAL.
 *  P_YDOT        openat(Y, "M/../M", O_RDWR), Y a directory opened as
 *                "/proc/self/fd/D/../fd" (D a descriptor of /proc/self/fd: Y is
 *                /proc/self/fd), M a memfd, is -ENOTDIR (link_path_walk()).
 *  P_FCHDIRY     after fchdir(Y), openat(AT_FDCWD, "M/../M", O_RDWR) is -ENOTDIR.
 *  P_XFDDOT      openat(X, "fd/M/../M", O_RDWR), X a directory opened as
 *                "/proc/self/fd/D/.." (/proc/<pid>), is -ENOTDIR.
 *  P_HXFD        openat(X, "fd/M", O_RDWR) opens the memfd (0); else 1.
 *  P_HCWDX       after fchdir(X), openat(AT_FDCWD, "fd/M", O_RDWR) opens it (0); else 1.
 *  P_HYM         openat(Y, "M", O_RDWR) opens the memfd (0); else 1.
 *  P_PIDREOPEN   (no step) announces R's open; P_RWOPEN W's, P_DVOPEN V's, P_YOPEN Y's.
 *  P_ESENDRE     pidfd_send_signal(E, 0, NULL, 0), E an O_RDONLY open of /proc/self/fd/C
 *                (C the pidfd_open() of a child wait4() reaped since), is -ESRCH
 *                (pidfd_send_signal(): pidfd_to_pid() takes a reopened pidfs file;
 *                kill_pid_info() finds no task).  P_ESENDDUP: through an F_DUPFD_CLOEXEC
 *                copy of C, -ESRCH; P_EWAITID: through a pidfd of a child reaped by
 *                waitid(P_PIDFD), -ESRCH.  P_EREOPEN (no step) announces E's open.
 *  P_FDYDIR      openat(Y, "A", O_RDONLY|O_DIRECT), A a pipe's read end, Y opened as
 *                "/proc/self/fd/D/../fd" (P_YOPEN2 announces it), is -EINVAL
 *                (do_dentry_open(): a FIFO has no FMODE_CAN_ODIRECT).  So P_FDTSELF
 *                ("/proc/thread-self/fd/A") and P_FDDEVUP ("/dev/fd/../fd/A").
 *  P_HPATHDIRECT (with -p) openat("/proc/self/fd/A", O_PATH|O_DIRECT) opens it
 *                (build_open_how() keeps O_PATH_FLAGS only) (0); else 1.
 *  P_ZREAD       read(Z, buf, 8), Z an open of /proc/self/fd/N of /dev/zero, is 8
 *                (read_iter_zero()); 0 or more: -4, another: 1.  So P_ZDIRREAD ("zero"
 *                opened relative to a descriptor of /dev) and P_FULLREAD (/dev/fd/N of
 *                /dev/full: read_iter_zero() too).
 *  P_HNULLREAD   read() of an O_RDONLY reopen of /dev/null is 0 (0); else 1.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r61.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <signal.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_RPSPLICE 6100   /* x2 R, x3 B's write end */
#define P_RPSEND 6102     /* x2 B's write end, x3 R */
#define P_RPCFR 6104      /* x2 R, x3 the memfd */
#define P_RWFALL 6106     /* x2 W */
#define P_RWFTR 6108      /* x2 W */
#define P_RWSPLINTO 6110  /* x2 A's read end, x3 W */
#define P_RWSENDINTO 6112 /* x2 V, x3 the memfd */
#define P_DUPSPLICE 6114  /* x2 the copy, x3 B's write end */
#define P_YDOT 6120       /* x2 the memfd, x3 Y */
#define P_FCHDIRY 6122    /* x2 the memfd, x3 Y */
#define P_XFDDOT 6124     /* x2 the memfd, x3 X */
#define P_HXFD 6126       /* x2 the memfd, x3 X */
#define P_HCWDX 6128      /* x2 the memfd, x3 X */
#define P_HYM 6130        /* x2 the memfd, x3 Y */
#define P_PIDREOPEN 6132  /* x2 the pidfd: its reopens follow */
#define P_YOPEN 6134      /* x2 D: Y's open follows */
#define P_RWOPEN 6136     /* x2 the pidfd: its O_RDWR reopen follows */
#define P_DVOPEN 6138     /* x2 the pidfd: its open through /dev/fd follows */
#define P_ESENDRE 6140    /* x2 the reopen of a reaped child's pidfd */
#define P_ESENDDUP 6142   /* x2 an F_DUPFD_CLOEXEC copy of it */
#define P_EWAITID 6144    /* x2 a pidfd reaped by waitid(P_PIDFD) */
#define P_EREOPEN 6146    /* x2 the reaped child's pidfd: its reopen follows */
#define P_FDYDIR 6148     /* x2 A's read end, x3 Y */
#define P_YOPEN2 6150     /* x2 D: Y's open follows */
#define P_FDTSELF 6152    /* x2 A's read end */
#define P_HPATHDIRECT 6154 /* x2 A's read end */
#define P_FDDEVUP 6156    /* x2 A's read end */
#define P_ZREAD 6158      /* x2 the reopen of /dev/zero */
#define P_ZDIRREAD 6160   /* x2 "zero" opened relative to /dev */
#define P_FULLREAD 6162   /* x2 the reopen of /dev/full through /dev/fd */
#define P_HNULLREAD 6164  /* x2 the reopen of /dev/null */
#define P_FORKSPLICE 6166 /* x2 the inherited pidfd, x3 B's write end (in the child) */
#define O_PATH_C 010000000

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r61"
#include "secret_rules_kit.h"

/* a page of its own: a kernel may read a name up to its page's end */
static char namebuf[PAGE] __attribute__((aligned(4096)));

/* namebuf = prefix N "/../" N */
static void past_name(const char *prefix, long fd)
{
    size_t n = strlen(prefix);
    memcpy(namebuf, prefix, n);
    char *p = fd_name(namebuf + n, fd);
    memcpy(p, "/../", 4);
    fd_name(p + 4, fd);
}

static void name_at(const char *prefix, long fd)
{
    size_t n = strlen(prefix);
    memcpy(namebuf, prefix, n);
    fd_name(namebuf + n, fd);
}

/* a directory opened as "/proc/self/fd/D" tail */
static long dir_through(long d, const char *tail)
{
    memcpy(namebuf, "/proc/self/fd/", 15);
    char *e = fd_name(namebuf + 14, d);
    memcpy(e, tail, strlen(tail) + 1);
    return sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECTORY, 0);
}

/* --- directories reached through a link to /proc/self/fd and ".." ------------------- */
static void dir_steps(void)
{
    long r, fd = memfd_of('m', 100, 0);
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0 || d < 0)
        return;
    marker(P_YOPEN, d, 0, 0, 0);
    long y = dir_through(d, "/../fd");
    long x = dir_through(d, "/..");
    if (y >= 0) {
        past_name("", fd);
        marker(P_YDOT, fd, y, 0, 0);
        r = sc(SYS_openat, y, (long)namebuf, O_RDWR, 0);
        log_label(P_YDOT, open_index(r, -ENOTDIR));
        if (sc(SYS_fchdir, y, 0, 0, 0) == 0) {
            past_name("", fd);
            marker(P_FCHDIRY, fd, y, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
            log_label(P_FCHDIRY, open_index(r, -ENOTDIR));
            sc(SYS_chdir, (long)"/", 0, 0, 0);
        }
        name_at("", fd);
        marker(P_HYM, fd, y, 0, 0);
        r = sc(SYS_openat, y, (long)namebuf, O_RDWR, 0);
        log_label(P_HYM, ok_index(r));
        sc(SYS_close, y, 0, 0, 0);
    }
    if (x >= 0) {
        past_name("fd/", fd);
        marker(P_XFDDOT, fd, x, 0, 0);
        r = sc(SYS_openat, x, (long)namebuf, O_RDWR, 0);
        log_label(P_XFDDOT, open_index(r, -ENOTDIR));
        name_at("fd/", fd);
        marker(P_HXFD, fd, x, 0, 0);
        r = sc(SYS_openat, x, (long)namebuf, O_RDWR, 0);
        log_label(P_HXFD, ok_index(r));
        if (sc(SYS_fchdir, x, 0, 0, 0) == 0) {
            name_at("fd/", fd);
            marker(P_HCWDX, fd, x, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
            log_label(P_HCWDX, ok_index(r));
            sc(SYS_chdir, (long)"/", 0, 0, 0);
        }
        sc(SYS_close, x, 0, 0, 0);
    }
    sc(SYS_close, d, 0, 0, 0);
    sc(SYS_close, fd, 0, 0, 0);
}

/* --- a pidfd opened again by name or copied ------------------------------------------ */
static void pid_steps(void)
{
    int a[2], b[2];
    long r;
    static long oi;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)b, 0, 0, 0) != 0)
        return;
    memset(wbuf, 'x', 30);
    if (sc(SYS_write, a[1], (long)wbuf, 30, 0) != 30)
        return;
    long fd = memfd_of('m', 100, 0), fd2 = memfd_of('n', 0, 0);
    long pfd = sc(SYS_pidfd_open, sc(SYS_getpid, 0, 0, 0, 0), 0, 0, 0);
    if (fd < 0 || fd2 < 0 || pfd < 0)
        return;
    marker(P_PIDREOPEN, pfd, 0, 0, 0);
    long rp = reopen(pfd, O_RDONLY);
    marker(P_RWOPEN, pfd, 0, 0, 0);
    long rw = reopen(pfd, O_RDWR);
    name_at("/dev/fd/", pfd);
    marker(P_DVOPEN, pfd, 0, 0, 0);
    long dv = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    long cp = sc(SYS_fcntl, pfd, F_DUPFD_CLOEXEC, 0, 0);
    if (rp >= 0) {
        marker(P_RPSPLICE, rp, b[1], 0, 0);
        r = sys6(SYS_splice, rp, 0, b[1], 0, 8, 0);
        log_label(P_RPSPLICE, err_index(r, -EINVAL));
        marker(P_RPSEND, b[1], rp, 0, 0);
        r = sc(SYS_sendfile, b[1], rp, 0, 8);
        log_label(P_RPSEND, err_index(r, -EINVAL));
        marker(P_RPCFR, rp, fd2, 0, 0);
        r = sys6(SYS_copy_file_range, rp, 0, fd2, 0, 10, 0);
        log_label(P_RPCFR, err_index(r, -EXDEV));
    }
    if (rw >= 0) {
        marker(P_RWFALL, rw, 0, 0, 0);
        r = sc(SYS_fallocate, rw, 0, 0, 10);
        log_label(P_RWFALL, err_index(r, -EOPNOTSUPP));
        marker(P_RWFTR, rw, 0, 0, 0);
        r = sc(SYS_ftruncate, rw, 0, 0, 0);
        log_label(P_RWFTR, err_index(r, -EOPNOTSUPP));
        marker(P_RWSPLINTO, a[0], rw, 0, 0);
        r = sys6(SYS_splice, a[0], 0, rw, 0, 8, 0);
        log_label(P_RWSPLINTO, err_index(r, -EINVAL));
    }
    if (dv >= 0) {
        oi = 0;
        marker(P_RWSENDINTO, dv, fd, 0, 0);
        r = sc(SYS_sendfile, dv, fd, (long)&oi, 8);
        log_label(P_RWSENDINTO, err_index(r, -EINVAL));
    }
    long fc = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (fc == 0) {
        marker(P_FORKSPLICE, pfd, b[1], 0, 0);
        r = sys6(SYS_splice, pfd, 0, b[1], 0, 8, 0);
        log_label(P_FORKSPLICE, err_index(r, -EINVAL));
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (fc > 0)
        sys6(SYS_wait4, fc, 0, 0, 0, 0, 0);
    if (cp >= 0) {
        marker(P_DUPSPLICE, cp, b[1], 0, 0);
        r = sys6(SYS_splice, cp, 0, b[1], 0, 8, 0);
        log_label(P_DUPSPLICE, err_index(r, -EINVAL));
    }
    long all[] = {fd, fd2, pfd, rp, rw, dv, cp, a[0], a[1], b[0], b[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i] >= 0)
            sc(SYS_close, all[i], 0, 0, 0);
}

/* --- pidfds of reaped children, O_DIRECT opens of a pipe's end, reopened devices ----- */
static long child(void)
{
    long c = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0)
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    return c;
}

static long read_index(long r, long want)
{
    return r == want ? 0 : r == 0 || r > want ? -4 : 1;
}

static void end_steps(void)
{
    static uint8_t info[128];
    long r, c = child();
    if (c <= 0)
        return;
    long cp = sc(SYS_pidfd_open, c, 0, 0, 0);
    if (cp < 0)
        return;
    marker(P_EREOPEN, cp, 0, 0, 0);
    long rp = reopen(cp, O_RDONLY);
    long dp = sc(SYS_fcntl, cp, F_DUPFD_CLOEXEC, 0, 0);
    sys6(SYS_wait4, c, 0, 0, 0, 0, 0);
    if (rp >= 0) {
        marker(P_ESENDRE, rp, 0, 0, 0);
        r = sys6(SYS_pidfd_send_signal, rp, 0, 0, 0, 0, 0);
        log_label(P_ESENDRE, err_index(r, -ESRCH));
        sc(SYS_close, rp, 0, 0, 0);
    }
    if (dp >= 0) {
        marker(P_ESENDDUP, dp, 0, 0, 0);
        r = sys6(SYS_pidfd_send_signal, dp, 0, 0, 0, 0, 0);
        log_label(P_ESENDDUP, err_index(r, -ESRCH));
        sc(SYS_close, dp, 0, 0, 0);
    }
    sc(SYS_close, cp, 0, 0, 0);
    c = child();
    if (c <= 0)
        return;
    cp = sc(SYS_pidfd_open, c, 0, 0, 0);
    if (cp < 0)
        return;
    if (sys6(SYS_waitid, 3, cp, (long)info, WEXITED, 0, 0) == 0) {
        marker(P_EWAITID, cp, 0, 0, 0);
        r = sys6(SYS_pidfd_send_signal, cp, 0, 0, 0, 0, 0);
        log_label(P_EWAITID, err_index(r, -ESRCH));
    }
    sc(SYS_close, cp, 0, 0, 0);
}

static int path_direct;   /* -p: the O_PATH|O_DIRECT reopen too */

static void direct_steps(void)
{
    int a[2];
    long r;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    if (d >= 0) {
        marker(P_YOPEN2, d, 0, 0, 0);
        long y = dir_through(d, "/../fd");
        if (y >= 0) {
            name_at("", a[0]);
            marker(P_FDYDIR, a[0], y, 0, 0);
            r = sc(SYS_openat, y, (long)namebuf, O_RDONLY | O_DIRECT, 0);
            log_label(P_FDYDIR, open_index(r, -EINVAL));
            sc(SYS_close, y, 0, 0, 0);
        }
        sc(SYS_close, d, 0, 0, 0);
    }
    name_at("/proc/thread-self/fd/", a[0]);
    marker(P_FDTSELF, a[0], 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
    log_label(P_FDTSELF, open_index(r, -EINVAL));
    name_at("/dev/fd/../fd/", a[0]);
    marker(P_FDDEVUP, a[0], 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
    log_label(P_FDDEVUP, open_index(r, -EINVAL));
    if (path_direct) {
        marker(P_HPATHDIRECT, a[0], 0, 0, 0);
        r = reopen(a[0], O_PATH_C | O_DIRECT);
        log_label(P_HPATHDIRECT, ok_index(r));
    }
    sc(SYS_close, a[0], 0, 0, 0);
    sc(SYS_close, a[1], 0, 0, 0);
}

static void device_steps(void)
{
    long r;
    long z = sc(SYS_openat, AT_FDCWD, (long)"/dev/zero", O_RDONLY, 0);
    long full = sc(SYS_openat, AT_FDCWD, (long)"/dev/full", O_RDONLY, 0);
    long dev = sc(SYS_openat, AT_FDCWD, (long)"/dev", O_RDONLY | O_DIRECTORY, 0);
    if (z >= 0) {
        long z2 = reopen(z, O_RDONLY);
        if (z2 >= 0) {
            marker(P_ZREAD, z2, 0, 0, 0);
            r = sc(SYS_read, z2, (long)wbuf, 8, 0);
            log_label(P_ZREAD, read_index(r, 8));
            sc(SYS_close, z2, 0, 0, 0);
        }
        sc(SYS_close, z, 0, 0, 0);
    }
    if (dev >= 0) {
        long z3 = sc(SYS_openat, dev, (long)"zero", O_RDONLY, 0);
        if (z3 >= 0) {
            marker(P_ZDIRREAD, z3, 0, 0, 0);
            r = sc(SYS_read, z3, (long)wbuf, 8, 0);
            log_label(P_ZDIRREAD, read_index(r, 8));
            sc(SYS_close, z3, 0, 0, 0);
        }
        sc(SYS_close, dev, 0, 0, 0);
    }
    if (full >= 0) {
        name_at("/dev/fd/", full);
        long f2 = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY, 0);
        if (f2 >= 0) {
            marker(P_FULLREAD, f2, 0, 0, 0);
            r = sc(SYS_read, f2, (long)wbuf, 8, 0);
            log_label(P_FULLREAD, read_index(r, 8));
            sc(SYS_close, f2, 0, 0, 0);
        }
        sc(SYS_close, full, 0, 0, 0);
    }
    long n2 = reopen(devnull, O_RDONLY);
    if (n2 >= 0) {
        marker(P_HNULLREAD, n2, 0, 0, 0);
        r = sc(SYS_read, n2, (long)wbuf, 8, 0);
        log_label(P_HNULLREAD, r == 0 ? 0 : 1);
        sc(SYS_close, n2, 0, 0, 0);
    }
}


int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        path_direct |= strcmp(argv[i], "-p") == 0;
    }
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 1;
    }
    long cur = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    long base = (cur + PAGE - 1) & ~(PAGE - 1);
    if (sys6(SYS_brk, base + 3 * PAGE, 0, 0, 0, 0, 0) != base + 3 * PAGE) {
        say("secret: brk failed\n");
        return 1;
    }
    uint8_t *heap = (uint8_t *)(base + 2 * PAGE);
    memcpy(heap, "public bytes, nothing secret....", 32);
    memcpy(heap + SECRET_OFF, secret, SECRET_LEN);
    for (int i = 0; i < 16; i++)
        stackbuf[i] = 0;
    for (int i = 0; i < SECRET_LEN; i++)
        stackbuf[16 + i] = ((uint8_t *)secret)[i];
    long mapped = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (!mapped_ok(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    clear_registers();
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);

    pid_steps();
    dir_steps();
    end_steps();
    direct_steps();
    device_steps();

    int bad = memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
              memcmp((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
    for (int i = 0; i < SECRET_LEN; i++)
        bad |= stackbuf[16 + i] != ((uint8_t *)secret)[i];
    sha256_secret((const uint8_t *)secret, digest);
    memcpy(hex, "secret: sha256=", 15);
    for (int i = 0; i < 32; i++) {
        hex[15 + 2 * i] = "0123456789abcdef"[digest[i] >> 4];
        hex[16 + 2 * i] = "0123456789abcdef"[digest[i] & 15];
    }
    hex[79] = '\n';
    if (show_digest)
        sys6(SYS_write, 1, (long)hex, 80, 0, 0, 0);
    marker(P_END, bad, 0, 0, 0);
    say(bad ? "secret: TAMPERED\n" : "secret: intact\n");
    return bad ? 3 : 0;
}
