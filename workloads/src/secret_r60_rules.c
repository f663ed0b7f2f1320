/* secret_r60_rules: the attack target of red-team round sixty (the rules added after
 * round 59, both ways: splice() and sendfile() through a pidfd; a pipe's read end opened
 * again through /proc/self/fd used with an offset, by copy_file_range(), tee() and into its
 * own pipe; and honest answers near the new rules: names through a link to /proc/self/fd
 * and /proc/self, "/dev/fd/../fd/M", /proc/thread-self, O_PATH opens of a socket's link
 * and NULL names whose flags O_PATH cuts, sendfile() of nothing from an eventfd, splice()
 * and tee() through the reopened pipe end).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 *  P_PIDSPLICE   splice(a pidfd, NULL, B's write end, NULL, 8, 0) is -EINVAL
 *                (do_splice_read(): pidfs' file_operations have no splice_read).
 *  P_PIDSEND     sendfile(B's write end, a pidfd, NULL, 8) is -EINVAL (the same).
 *  P_PIDSPLINTO  splice(A's read end, NULL, a pidfd, NULL, 8, 0) is -EINVAL
 *                (do_splice_from(): no splice_write).
 *  P_PIDSENDINTO sendfile(a pidfd, a memfd, &0, 8) is -EINVAL (the same).
 *  P_PIDCFR      copy_file_range(a pidfd, NULL, a memfd, NULL, 10, 0) is -EXDEV
 *                (vfs_copy_file_range(): no copy_file_range across superblocks).
 *  P_PIDFALL     fallocate(a pidfd, 0, 0, 10) is -EOPNOTSUPP (vfs_fallocate(): no
 *                ->fallocate; a 6.18 host).
 *  P_PIDFTR      ftruncate(a pidfd, 0) is -EOPNOTSUPP (a 6.18 host: the pidfs inode
 *                takes no setattr).
 *  P_REPOFF      splice(R, &0, a memfd, NULL, 10, 0), R an O_RDONLY reopen of A's read
 *                end, is -ESPIPE (do_splice(): R is a pipe, get_pipe_info()).
 *  P_REPCFR      copy_file_range(R, NULL, a memfd, NULL, 10, 0) is -EINVAL
 *                (generic_file_rw_checks(): a FIFO is no regular file).
 *  P_REPSENDOFF  sendfile(a memfd, R, &0, 10) is -ESPIPE (do_sendfile(): no FMODE_PREAD).
 *  P_REPTEE      tee(R, a memfd, 10, 0) is -EINVAL (do_tee(): the output is no pipe).
 *  P_REPSELF     splice(R, NULL, A's write end, NULL, 10, 0) is -EINVAL
 *                (splice_pipe_to_pipe(): a pipe into itself).
 *  P_HDIRUP      openat("/proc/self/fd/D/../fd/M", O_RDWR), D a descriptor of the
 *                directory /proc/self/fd, opens the memfd (D is followed to the directory,
 *                ".." is /proc/self) (0); else 1.
 *  P_HDIRDIR     openat("/proc/self/fd/D/D/M", O_RDWR), D a descriptor of /proc/self/fd,
 *                opens the memfd (D is followed to the directory twice) (0); else 1.
 *  P_HATDOTDOT   openat(D, "../fd/M", O_RDWR) opens the memfd (0); else 1.
 *  P_HDEVDIR     openat("/proc/self/fd/V/../fd/M", O_RDWR), V a descriptor of the
 *                directory opened as "/dev/fd" (/proc/self/fd), opens the memfd (0); else 1.
 *  P_HFDINFOUP   openat("/proc/self/fdinfo/../fd/M", O_RDWR) opens the memfd (0); else 1.
 *  P_VDOT        openat("/proc/self/fd/V/M/../M", O_RDWR), V a descriptor of "/dev/fd",
 *                is -ENOTDIR (link_path_walk(): M is followed to the memfd before "..").
 *  P_DDDOT       openat("/proc/self/fd/D/D/M/../M", O_RDWR) is -ENOTDIR.
 *  P_SELFDOT     openat("/proc/self/fd/S/fd/M/../M", O_RDWR), S a descriptor of
 *                /proc/self, is -ENOTDIR.
 *  P_TSELFDOT    openat("/proc/thread-self/fd/M/../M", O_RDWR) is -ENOTDIR.
 *  P_ATDOT       openat(D, "M/../M", O_RDWR) is -ENOTDIR.
 *  P_UPDOT       openat("/proc/self/fd/D/../fd/M/../M", O_RDWR) is -ENOTDIR.
 *  P_HFDINFO     openat("/proc/self/fdinfo/M", O_RDONLY) opens M's fdinfo (0); else 1.
 *  P_HUPINFO     openat("/proc/self/fd/D/../fdinfo/M", O_RDONLY) opens it too (0); else 1.
 *  P_HATINFO     openat(I, "../fd/M", O_RDWR), I a descriptor of /proc/self/fdinfo,
 *                opens the memfd (0); else 1.
 *  P_HVAT        openat(V, "M", O_RDWR), V a descriptor of "/dev/fd", opens the memfd
 *                (0); else 1.
 *  P_HUPUP       openat("/proc/self/fd/D/../../self/fd/M", O_RDWR) opens the memfd (D is
 *                /proc/self/fd, "../.." is /proc) (0); else 1.
 *  P_TDIRDOT     openat("/proc/self/fd/X/M/../M", O_RDWR), X a descriptor of
 *                /proc/thread-self/fd, is -ENOTDIR; so P_SLASHDOT (X opened as
 *                "/proc/self/fd/"), P_DSLASHDOT ("/proc//self/fd"), P_PIDDIRDOT
 *                ("/proc/<pid>/fd") and P_RELDIRDOT ("fd" relative to /proc/self).
 *  P_VATDOT      openat(V, "M/../M", O_RDWR), V a descriptor of "/dev/fd", is -ENOTDIR.
 *  P_CHDIRDEV    after chdir("/dev/fd"), openat(AT_FDCWD, "M/../M", O_RDWR) is -ENOTDIR;
 *                so P_FCHDIRV after fchdir(V) and P_FCHDIRD after fchdir(D).
 *  P_HDIRSELF    openat("/proc/self/fd/D/fd/M", O_RDWR), D a descriptor of /proc/self,
 *                opens the memfd (0); else 1.
 *  P_HPATHTMP    openat(AT_FDCWD, NULL, O_PATH|__O_TMPFILE) is -EFAULT (build_open_how():
 *                O_PATH keeps O_PATH_FLAGS only, then getname()) (0); else 1.
 *  P_HSENDEV0    sendfile(B's write end, an eventfd, NULL, 0) is 0 (0); else 1.
 *  P_HREPSPLICE  splice(R, NULL, a memfd, NULL, 10, 0) moves 10 (0); else 1.
 *  P_HREPTEE     tee(R, B's write end, 10, 0) copies 10 (0); else 1.
 *  P_HDEVFDUP    openat("/dev/fd/../fd/M", O_RDWR) opens the memfd (/dev/fd links to
 *                /proc/self/fd, whose ".." is /proc/self) (0); else 1.
 *  P_HTHREADSELF openat("/proc/thread-self/fd/M", O_RDWR) opens the memfd (0); else 1.
 *  P_HPATHSOCK   openat("/proc/self/fd/S", O_PATH) of a socket opens it (do_dentry_open()
 *                calls no .open for O_PATH) (0); else 1.
 *  P_HPATHCREAT  openat(AT_FDCWD, NULL, O_PATH|O_CREAT|O_DIRECTORY) is -EFAULT
 *                (build_open_how() drops O_CREAT under O_PATH) (0); else 1.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r60.py.  Only the digest of the secret is ever printed.
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
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_PIDSPLICE 6000   /* x2 the pidfd, x3 B's write end */
#define P_PIDSEND 6002     /* x2 B's write end, x3 the pidfd */
#define P_REPOFF 6004      /* x2 R, x3 the memfd */
#define P_REPCFR 6006      /* x2 R, x3 the memfd */
#define P_REPSENDOFF 6008  /* x2 the memfd, x3 R */
#define P_REPTEE 6010      /* x2 R, x3 the memfd */
#define P_REPSELF 6012     /* x2 R, x3 A's write end */
#define P_HDIRUP 6014      /* x2 the memfd, x3 the dirfd */
#define P_HDIRSELF 6016    /* x2 the memfd, x3 the dirfd */
#define P_HPATHTMP 6018    /* (none) */
#define P_HSENDEV0 6020    /* x2 B's write end, x3 the eventfd */
#define P_HREPSPLICE 6022  /* x2 R, x3 the memfd */
#define P_HREPTEE 6024     /* x2 R, x3 B's write end */
#define P_HDEVFDUP 6026    /* x2 the memfd */
#define P_HTHREADSELF 6028 /* x2 the memfd */
#define P_HPATHSOCK 6030   /* x2 the socket */
#define P_HPATHCREAT 6032  /* (none) */
#define P_PIDSPLINTO 6034 /* x2 A's read end, x3 the pidfd */
#define P_PIDSENDINTO 6036 /* x2 the pidfd, x3 the memfd */
#define P_PIDCFR 6038      /* x2 the pidfd, x3 the memfd */
#define P_PIDFALL 6040     /* x2 the pidfd */
#define P_PIDFTR 6042      /* x2 the pidfd */
#define P_HDIRDIR 6044    /* x2 the memfd, x3 the dirfd */
#define P_HATDOTDOT 6046  /* x2 the memfd, x3 the dirfd */
#define P_HDEVDIR 6048    /* x2 the memfd, x3 the dirfd of /dev/fd */
#define P_HFDINFOUP 6050  /* x2 the memfd */
#define P_VDOT 6052       /* x2 the memfd, x3 the dirfd of /dev/fd */
#define P_DDDOT 6054      /* x2 the memfd, x3 the dirfd */
#define P_SELFDOT 6056    /* x2 the memfd, x3 the dirfd of /proc/self */
#define P_TSELFDOT 6058   /* x2 the memfd */
#define P_ATDOT 6060      /* x2 the memfd, x3 the dirfd */
#define P_UPDOT 6062      /* x2 the memfd, x3 the dirfd */
#define P_HFDINFO 6064    /* x2 the memfd */
#define P_HUPINFO 6066    /* x2 the memfd, x3 the dirfd */
#define P_HATINFO 6068    /* x2 the memfd, x3 the dirfd of /proc/self/fdinfo */
#define P_HVAT 6070       /* x2 the memfd, x3 the dirfd of /dev/fd */
#define P_HUPUP 6072      /* x2 the memfd, x3 the dirfd */
#define P_TDIRDOT 6074    /* x2 the memfd, x3 the dirfd of /proc/thread-self/fd */
#define P_SLASHDOT 6076   /* x2 the memfd, x3 the dirfd of "/proc/self/fd/" */
#define P_DSLASHDOT 6078  /* x2 the memfd, x3 the dirfd of "/proc//self/fd" */
#define P_PIDDIRDOT 6080  /* x2 the memfd, x3 the dirfd of /proc/<pid>/fd */
#define P_RELDIRDOT 6082  /* x2 the memfd, x3 the dirfd of "fd" from /proc/self */
#define P_VATDOT 6084     /* x2 the memfd, x3 the dirfd of /dev/fd */
#define P_CHDIRDEV 6086   /* x2 the memfd */
#define P_FCHDIRV 6088    /* x2 the memfd, x3 the dirfd of /dev/fd */
#define P_FCHDIRD 6090    /* x2 the memfd, x3 the dirfd of /proc/self/fd */
#define O_PATH_C 010000000
#define O_TMPFILE_BIT_C 020000000
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r60"
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

/* openat("/proc/self/fd/X/M/../M") of a directory X opened at `at` by `name` */
static void dir_dot(long phase, long at, const char *name, long fd)
{
    char pre[64];
    long x = sc(SYS_openat, at, (long)name, O_RDONLY | O_DIRECTORY, 0);
    if (x < 0)
        return;
    memcpy(pre, "/proc/self/fd/", 15);
    char *e = fd_name(pre + 14, x);
    memcpy(e, "/", 2);
    size_t n = strlen(pre);
    memcpy(namebuf, pre, n);
    char *p = fd_name(namebuf + n, fd);
    memcpy(p, "/../", 4);
    fd_name(p + 4, fd);
    marker(phase, fd, x, 0, 0);
    long r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    if (r >= 0)
        sc(SYS_close, r, 0, 0, 0);
    log_label(phase, r == -ENOTDIR ? 0 : r < 0 ? 1 : -4);
    sc(SYS_close, x, 0, 0, 0);
}

/* "/proc/self/fd/" D tail */
static void link_prefix(char *pre, long d, const char *tail)
{
    memcpy(pre, "/proc/self/fd/", 15);
    char *e = fd_name(pre + 14, d);
    memcpy(e, tail, strlen(tail) + 1);
}

static void dotdot_steps(long fd)
{
    char pre[64];
    long r, d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    long v = sc(SYS_openat, AT_FDCWD, (long)"/dev/fd", O_RDONLY | O_DIRECTORY, 0);
    long sf = sc(SYS_openat, AT_FDCWD, (long)"/proc/self", O_RDONLY | O_DIRECTORY, 0);
    if (d < 0 || v < 0 || sf < 0)
        return;
    link_prefix(pre, v, "/");
    past_name(pre, fd);
    marker(P_VDOT, fd, v, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_VDOT, open_index(r, -ENOTDIR));
    link_prefix(pre, d, "/");
    fd_name(pre + strlen(pre), d);
    memcpy(pre + strlen(pre), "/", 2);
    past_name(pre, fd);
    marker(P_DDDOT, fd, d, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_DDDOT, open_index(r, -ENOTDIR));
    link_prefix(pre, sf, "/fd/");
    past_name(pre, fd);
    marker(P_SELFDOT, fd, sf, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_SELFDOT, open_index(r, -ENOTDIR));
    past_name("/proc/thread-self/fd/", fd);
    marker(P_TSELFDOT, fd, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_TSELFDOT, open_index(r, -ENOTDIR));
    past_name("", fd);
    marker(P_ATDOT, fd, d, 0, 0);
    r = sc(SYS_openat, d, (long)namebuf, O_RDWR, 0);
    log_label(P_ATDOT, open_index(r, -ENOTDIR));
    link_prefix(pre, d, "/../fd/");
    past_name(pre, fd);
    marker(P_UPDOT, fd, d, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_UPDOT, open_index(r, -ENOTDIR));
    dir_dot(P_TDIRDOT, AT_FDCWD, "/proc/thread-self/fd", fd);
    dir_dot(P_SLASHDOT, AT_FDCWD, "/proc/self/fd/", fd);
    dir_dot(P_DSLASHDOT, AT_FDCWD, "/proc//self/fd", fd);
    {
        char *pp = namebuf;     /* (a name on the stack: a kernel may read on to the page's end) */
        memcpy(pp, "/proc/", 6);
        char *q = pp + 6, digits[12];
        int nd = 0;
        for (long t = sc(SYS_getpid, 0, 0, 0, 0); t > 0 || nd == 0; t /= 10)
            digits[nd++] = '0' + t % 10;
        while (nd)
            *q++ = digits[--nd];
        memcpy(q, "/fd", 4);
        dir_dot(P_PIDDIRDOT, AT_FDCWD, pp, fd);
    }
    dir_dot(P_RELDIRDOT, sf, "fd", fd);
    past_name("", fd);
    marker(P_VATDOT, fd, v, 0, 0);
    r = sc(SYS_openat, v, (long)namebuf, O_RDWR, 0);
    log_label(P_VATDOT, open_index(r, -ENOTDIR));
    if (sc(SYS_chdir, (long)"/dev/fd", 0, 0, 0) == 0) {
        past_name("", fd);
        marker(P_CHDIRDEV, fd, 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
        log_label(P_CHDIRDEV, open_index(r, -ENOTDIR));
        sc(SYS_chdir, (long)"/", 0, 0, 0);
    }
    if (sc(SYS_fchdir, v, 0, 0, 0) == 0) {
        past_name("", fd);
        marker(P_FCHDIRV, fd, v, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
        log_label(P_FCHDIRV, open_index(r, -ENOTDIR));
        sc(SYS_chdir, (long)"/", 0, 0, 0);
    }
    if (sc(SYS_fchdir, d, 0, 0, 0) == 0) {
        past_name("", fd);
        marker(P_FCHDIRD, fd, d, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
        log_label(P_FCHDIRD, open_index(r, -ENOTDIR));
        sc(SYS_chdir, (long)"/", 0, 0, 0);
    }

    /* honest answers */
    name_at("/proc/self/fdinfo/", fd);
    marker(P_HFDINFO, fd, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY, 0);
    log_label(P_HFDINFO, ok_index(r));
    link_prefix(pre, d, "/../fdinfo/");
    name_at(pre, fd);
    marker(P_HUPINFO, fd, d, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY, 0);
    log_label(P_HUPINFO, ok_index(r));
    long in = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fdinfo", O_RDONLY | O_DIRECTORY, 0);
    if (in >= 0) {
        name_at("../fd/", fd);
        marker(P_HATINFO, fd, in, 0, 0);
        r = sc(SYS_openat, in, (long)namebuf, O_RDWR, 0);
        log_label(P_HATINFO, ok_index(r));
        sc(SYS_close, in, 0, 0, 0);
    }
    name_at("", fd);
    marker(P_HVAT, fd, v, 0, 0);
    r = sc(SYS_openat, v, (long)namebuf, O_RDWR, 0);
    log_label(P_HVAT, ok_index(r));
    link_prefix(pre, d, "/../../self/fd/");
    name_at(pre, fd);
    marker(P_HUPUP, fd, d, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_HUPUP, ok_index(r));
    sc(SYS_close, d, 0, 0, 0);
    sc(SYS_close, v, 0, 0, 0);
    sc(SYS_close, sf, 0, 0, 0);
}

/* --- names through links to /proc directories, NULL names under O_PATH --------------- */
static void open_steps(void)
{
    int s[2];
    long r, fd = memfd_of('m', 100, 0);
    if (fd < 0 || sc(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)s) != 0)
        return;
    long dfd = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    if (dfd >= 0) {
        char pre[40] = "/proc/self/fd/";
        char *e = fd_name(pre + 14, dfd);
        memcpy(e, "/../fd/", 8);
        name_at(pre, fd);
        marker(P_HDIRUP, fd, dfd, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
        log_label(P_HDIRUP, ok_index(r));
        e = fd_name(pre + 14, dfd);
        *e++ = '/';
        e = fd_name(e, dfd);
        memcpy(e, "/", 2);
        name_at(pre, fd);
        marker(P_HDIRDIR, fd, dfd, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
        log_label(P_HDIRDIR, ok_index(r));
        name_at("../fd/", fd);
        marker(P_HATDOTDOT, fd, dfd, 0, 0);
        r = sc(SYS_openat, dfd, (long)namebuf, O_RDWR, 0);
        log_label(P_HATDOTDOT, ok_index(r));
        sc(SYS_close, dfd, 0, 0, 0);
    }
    long vfd = sc(SYS_openat, AT_FDCWD, (long)"/dev/fd", O_RDONLY | O_DIRECTORY, 0);
    if (vfd >= 0) {
        char pre[40] = "/proc/self/fd/";
        char *e = fd_name(pre + 14, vfd);
        memcpy(e, "/../fd/", 8);
        name_at(pre, fd);
        marker(P_HDEVDIR, fd, vfd, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
        log_label(P_HDEVDIR, ok_index(r));
        sc(SYS_close, vfd, 0, 0, 0);
    }
    name_at("/proc/self/fdinfo/../fd/", fd);
    marker(P_HFDINFOUP, fd, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_HFDINFOUP, ok_index(r));
    long sfd = sc(SYS_openat, AT_FDCWD, (long)"/proc/self", O_RDONLY | O_DIRECTORY, 0);
    if (sfd >= 0) {
        char pre[40] = "/proc/self/fd/";
        char *e = fd_name(pre + 14, sfd);
        memcpy(e, "/fd/", 5);
        name_at(pre, fd);
        marker(P_HDIRSELF, fd, sfd, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
        log_label(P_HDIRSELF, ok_index(r));
        sc(SYS_close, sfd, 0, 0, 0);
    }
    marker(P_HPATHTMP, 0, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, 0, O_PATH_C | O_TMPFILE_BIT_C, 0);
    log_label(P_HPATHTMP, r == -EFAULT ? 0 : 1);
    marker(P_HPATHCREAT, 0, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, 0, O_PATH_C | O_CREAT | O_DIRECTORY, 0600);
    log_label(P_HPATHCREAT, r == -EFAULT ? 0 : 1);
    name_at("/dev/fd/../fd/", fd);
    marker(P_HDEVFDUP, fd, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_HDEVFDUP, ok_index(r));
    name_at("/proc/thread-self/fd/", fd);
    marker(P_HTHREADSELF, fd, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_HTHREADSELF, ok_index(r));
    dotdot_steps(fd);
    marker(P_HPATHSOCK, s[0], 0, 0, 0);
    r = reopen(s[0], O_PATH_C);
    log_label(P_HPATHSOCK, ok_index(r));
    sc(SYS_close, s[0], 0, 0, 0);
    sc(SYS_close, s[1], 0, 0, 0);
    sc(SYS_close, fd, 0, 0, 0);
}

/* --- moves through a pidfd and a pipe end opened again by name --------------------------- */
static void move_steps(void)
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
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    long pfd = sc(SYS_pidfd_open, pid, 0, 0, 0);
    long ev = sc(SYS_eventfd2, 5, O_NONBLOCK, 0, 0);
    long ra = reopen(a[0], O_RDONLY);
    if (fd < 0 || fd2 < 0 || ev < 0 || ra < 0)
        return;
    if (pfd >= 0) {
        marker(P_PIDSPLICE, pfd, b[1], 0, 0);
        r = sys6(SYS_splice, pfd, 0, b[1], 0, 8, 0);
        log_label(P_PIDSPLICE, err_index(r, -EINVAL));
        marker(P_PIDSEND, b[1], pfd, 0, 0);
        r = sc(SYS_sendfile, b[1], pfd, 0, 8);
        log_label(P_PIDSEND, err_index(r, -EINVAL));
        marker(P_PIDSPLINTO, a[0], pfd, 0, 0);
        r = sys6(SYS_splice, a[0], 0, pfd, 0, 8, 0);
        log_label(P_PIDSPLINTO, err_index(r, -EINVAL));
        oi = 0;
        marker(P_PIDSENDINTO, pfd, fd, 0, 0);
        r = sc(SYS_sendfile, pfd, fd, (long)&oi, 8);
        log_label(P_PIDSENDINTO, err_index(r, -EINVAL));
        marker(P_PIDCFR, pfd, fd2, 0, 0);
        r = sys6(SYS_copy_file_range, pfd, 0, fd2, 0, 10, 0);
        log_label(P_PIDCFR, err_index(r, -EXDEV));
        marker(P_PIDFALL, pfd, 0, 0, 0);
        r = sc(SYS_fallocate, pfd, 0, 0, 10);
        log_label(P_PIDFALL, err_index(r, -EOPNOTSUPP));
        marker(P_PIDFTR, pfd, 0, 0, 0);
        r = sc(SYS_ftruncate, pfd, 0, 0, 0);
        log_label(P_PIDFTR, err_index(r, -EOPNOTSUPP));
    }
    oi = 0;
    marker(P_REPOFF, ra, fd2, 0, 0);
    r = sys6(SYS_splice, ra, (long)&oi, fd2, 0, 10, 0);
    log_label(P_REPOFF, err_index(r, -ESPIPE));
    marker(P_REPCFR, ra, fd2, 0, 0);
    r = sys6(SYS_copy_file_range, ra, 0, fd2, 0, 10, 0);
    log_label(P_REPCFR, err_index(r, -EINVAL));
    oi = 0;
    marker(P_REPSENDOFF, fd2, ra, 0, 0);
    r = sc(SYS_sendfile, fd2, ra, (long)&oi, 10);
    log_label(P_REPSENDOFF, err_index(r, -ESPIPE));
    marker(P_REPTEE, ra, fd2, 0, 0);
    r = sc(SYS_tee, ra, fd2, 10, 0);
    log_label(P_REPTEE, err_index(r, -EINVAL));
    marker(P_REPSELF, ra, a[1], 0, 0);
    r = sys6(SYS_splice, ra, 0, a[1], 0, 10, 0);
    log_label(P_REPSELF, err_index(r, -EINVAL));

    /* honest answers */
    marker(P_HSENDEV0, b[1], ev, 0, 0);
    r = sc(SYS_sendfile, b[1], ev, 0, 0);
    log_label(P_HSENDEV0, r == 0 ? 0 : 1);
    marker(P_HREPSPLICE, ra, fd2, 0, 0);
    r = sys6(SYS_splice, ra, 0, fd2, 0, 10, 0);
    log_label(P_HREPSPLICE, r == 10 ? 0 : 1);
    marker(P_HREPTEE, ra, b[1], 0, 0);
    r = sc(SYS_tee, ra, b[1], 10, 0);
    log_label(P_HREPTEE, r == 10 ? 0 : 1);

    long all[] = {fd, fd2, pfd, ev, ra, a[0], a[1], b[0], b[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i] >= 0)
            sc(SYS_close, all[i], 0, 0, 0);
}


int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
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

    open_steps();
    move_steps();

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
