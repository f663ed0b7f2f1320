/* secret_r59_rules: the attack target of red-team round fifty-nine (the rules added after
 * round 58, both ways: opens of /proc/self/fd/N of a socket, by names that go on past a
 * socket's link or walk through /dev/fd, from a working directory of /proc/self/fd, with
 * O_CREAT|O_DIRECTORY; ftruncate() of a read-only or O_PATH reopen of a memfd and of
 * /dev/./null; copy_file_range() into an eventfd, an O_APPEND memfd, a pipe, /dev/./null and
 * over itself; fallocate() with PUNCH_HOLE alone and of /dev/./null; splice() from a pipe at
 * an offset; tee() into /dev/./null; sendfile() into a memfd reopened with O_APPEND;
 * sendfile() and splice() through an eventfd; seals; reopens of an eventfd, a pipe and
 * /dev/null; names through a task's fd directory, fdinfo/.. and a link to /proc/self/fd;
 * copy_file_range() with flags; and honest answers near them).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 *  P_SOCKREOPEN  openat("/proc/self/fd/S", O_RDWR) of a socket is -ENXIO (sock_no_open()).
 *  P_SOCKDOTDOT  openat("/proc/self/fd/S/../S", O_RDWR) is -ENOTDIR (link_path_walk():
 *                the socket is no directory).
 *  P_DEVFDDOT    openat("/dev/fd/M/../M", O_RDWR) of a memfd is -ENOTDIR.
 *  P_CWDDOT      after chdir("/proc/self/fd"), openat(AT_FDCWD, "M/../M", O_RDWR) is
 *                -ENOTDIR.
 *  P_CREATDIR   (-c: the kernel model answers -EFAULT) openat(AT_FDCWD, NULL, O_RDWR|O_CREAT|O_DIRECTORY) is -EINVAL
 *                (build_open_flags() before getname()) (0); -EFAULT -4; else 1.
 *  P_HNULLBITS   openat(AT_FDCWD, NULL, O_RDWR|020) is -EFAULT (build_open_how() drops
 *                the unknown bit) (0); else 1.
 *  P_FTRRDONLY   ftruncate(an O_RDONLY reopen of a memfd, 0) is -EINVAL (do_ftruncate():
 *                no FMODE_WRITE).
 *  P_FTRPATH     ftruncate(an O_PATH reopen of a memfd, 0) is -EBADF (fdget() skips
 *                FMODE_PATH files).
 *  P_CFREV       copy_file_range(a memfd, &0, an eventfd, NULL, 10, 0) is -EINVAL
 *                (generic_file_rw_checks(): !S_ISREG).
 *  P_CFRAPPEND   copy_file_range(a memfd, &0, an O_APPEND memfd, NULL, 10, 0) is -EBADF
 *                (generic_copy_file_checks(): O_APPEND out).
 *  P_CFRPIPE     copy_file_range(a memfd, &0, B's write end, NULL, 10, 0) is -EINVAL.
 *  P_CFROVER     copy_file_range(a memfd, &0, the same memfd, &5, 10, 0) is -EINVAL
 *                (generic_copy_file_checks(): overlapping ranges of one inode).
 *  P_FPUNCH      fallocate(a memfd, PUNCH_HOLE, 0, 10) is -EOPNOTSUPP (vfs_fallocate():
 *                PUNCH_HOLE without KEEP_SIZE).
 *  P_SPLPIPEOFF  splice(A's read end, &0, a memfd, NULL, 10, 0) is -ESPIPE (do_splice():
 *                an offset for a pipe end).
 *  P_TEEDOTNULL  tee(A's read end, "/dev/./null", 10, 0) is -EINVAL (do_tee()).
 *  P_FDOTNULL    fallocate("/dev/./null", 0, 0, 10) is -ENODEV (vfs_fallocate()).
 *  P_FTRDOTNULL  ftruncate("/dev/./null", 0) is -EINVAL (do_ftruncate(): !S_ISREG).
 *  P_CFRDOTNULL  copy_file_range(a memfd, &0, "/dev/./null", NULL, 10, 0) is -EINVAL.
 *  P_SENDAPREOPEN sendfile(an O_APPEND reopen of a memfd, a memfd, &0, 10) is -EINVAL
 *                (do_splice_direct_actor(): O_APPEND out).
 *  P_HSENDSOCK   sendfile(a socket, a memfd, &0, 10) moves 10 (0); else 1.
 *  P_HFPUNCHKEEP fallocate(a memfd, PUNCH_HOLE|KEEP_SIZE, 0, 10) is 0 (0); else 1.
 *  P_HREOPENPIPE openat("/proc/self/fd/W", O_RDONLY) of a pipe's write end opens it
 *                (fifo_open(): a reader end) (0); else 1.
 *  P_SENDEV     (-v: the kernel model moves; so P_SPLFROMEV, P_SPLINTOEV) sendfile(B's write end, an eventfd of 5, NULL, 8) is -EINVAL
 *                (do_splice_read(): eventfd_fops has no splice_read).
 *  P_SPLFROMEV   splice(an eventfd, NULL, B's write end, NULL, 8, 0) is -EINVAL (the same).
 *  P_SPLINTOEV   splice(A's read end, NULL, an eventfd, NULL, 8, 0) is -EINVAL
 *                (do_splice_from(): no splice_write).
 *  P_FTRSEALED   ftruncate(a memfd of 100 sealed F_SEAL_SHRINK|F_SEAL_GROW, 0) is -EPERM
 *                (shmem_setattr()).
 *  P_FGROWSEALED fallocate(the sealed memfd, 0, 0, 200) is -EPERM (shmem_fallocate():
 *                F_SEAL_GROW).
 *  P_EVREOPEN    openat("/proc/self/fd/E", O_RDWR) of an eventfd is -ENXIO (an anon
 *                inode cannot be opened again).
 *  P_FKEEPSEALED fallocate(the sealed memfd, KEEP_SIZE, 0, 200) is -EPERM
 *                (shmem_fallocate(): F_SEAL_GROW holds with KEEP_SIZE too).
 *  P_HFSEALIN    fallocate(the sealed memfd, 0, 0, 100) is 0 (no growth) (0); else 1.
 *  P_HFTRSAME    ftruncate(the sealed memfd, 100) is 0 (no change) (0); else 1.
 *  P_HCFRADJ     copy_file_range(a memfd of 100, &0, the same memfd, &10, 10, 0) copies
 *                10 (ranges that touch but do not overlap) (0); else 1.
 *  P_HSPLOUTOFF  splice(A's read end, NULL, a memfd, &0, 10, 0) moves 10 (an offset for
 *                the end that is no pipe) (0); else 1.
 *  P_HSENDPLAIN  sendfile(an O_RDWR reopen of a memfd, a memfd, &0, 10) moves 10 (0);
 *                else 1.
 *  P_HFTRWSEAL   ftruncate(a memfd of 100 sealed F_SEAL_WRITE, 50) is 0 (shmem_setattr()
 *                looks at F_SEAL_SHRINK and F_SEAL_GROW only) (0); else 1.
 *  P_HFALLWSEAL  fallocate(the write-sealed memfd, 0, 0, 200) is 0 (0); else 1.
 *  P_FPUNCHWSEAL fallocate(the write-sealed memfd, PUNCH_HOLE|KEEP_SIZE, 0, 10) is -EPERM
 *                (shmem_fallocate(): a hole under F_SEAL_WRITE).
 *  P_TASKDOT     openat("/proc/self/task/T/fd/M/../M", O_RDWR), T the thread's id, is
 *                -ENOTDIR (link_path_walk(): the memfd is no directory).
 *  P_FDINFODOT   openat("/proc/self/fdinfo/../fd/M/../M", O_RDWR) is -ENOTDIR.
 *  P_FREOPIPE    fallocate(an O_WRONLY reopen of B's write end, 0, 0, 10) is -ESPIPE
 *                (vfs_fallocate(): a FIFO however opened).
 *  P_TEEREONULL  tee(A's read end, an O_WRONLY reopen of /dev/null, 10, 0) is -EINVAL.
 *  P_DIRLINKDOT  openat("/proc/self/fd/D/M/../M", O_RDWR), D a descriptor of the
 *                directory /proc/self/fd, is -ENOTDIR (D is followed to the directory, M to
 *                the memfd, which fails before "..").
 *  P_CFRFLAGS    copy_file_range(a memfd, &0, another, &0, 10, 1) is -EINVAL
 *                (copy_file_range(): "if (flags != 0) return -EINVAL").
 *  P_HDEVFD      openat("/dev/fd/M", O_RDWR) of a memfd opens it (0); else 1.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r59.py.  Only the digest of the secret is ever printed.
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
#define P_SOCKREOPEN 5900  /* x2 the socket */
#define P_SOCKDOTDOT 5902  /* x2 the socket */
#define P_DEVFDDOT 5904    /* x2 the memfd */
#define P_CWDDOT 5906      /* x2 the memfd */
#define P_CREATDIR 5908    /* (none) */
#define P_HNULLBITS 5910   /* (none) */
#define P_FTRRDONLY 5912   /* x2 the reopen, x3 the memfd */
#define P_FTRPATH 5914     /* x2 the reopen, x3 the memfd */
#define P_CFREV 5916       /* x2 the memfd, x3 the eventfd */
#define P_CFRAPPEND 5918   /* x2 the memfd, x3 the O_APPEND memfd */
#define P_CFRPIPE 5920     /* x2 the memfd, x3 B's write end */
#define P_CFROVER 5922     /* x2 the memfd */
#define P_FPUNCH 5924      /* x2 the memfd */
#define P_SPLPIPEOFF 5926  /* x2 A's read end, x3 the memfd */
#define P_TEEDOTNULL 5928  /* x2 A's read end, x3 /dev/./null */
#define P_FDOTNULL 5930    /* x2 /dev/./null */
#define P_FTRDOTNULL 5932  /* x2 /dev/./null */
#define P_CFRDOTNULL 5934  /* x2 the memfd, x3 /dev/./null */
#define P_SENDAPREOPEN 5936 /* x2 the O_APPEND reopen, x3 the memfd */
#define P_HSENDSOCK 5938   /* x2 the socket, x3 the memfd */
#define P_HFPUNCHKEEP 5940 /* x2 the memfd */
#define P_HREOPENPIPE 5942 /* x2 B's write end */
#define P_HDEVFD 5944      /* x2 the memfd */
#define P_SENDEV 5946      /* x2 B's write end, x3 the eventfd */
#define P_SPLFROMEV 5948   /* x2 the eventfd, x3 B's write end */
#define P_SPLINTOEV 5950   /* x2 A's read end, x3 the eventfd */
#define P_FTRSEALED 5952   /* x2 the sealed memfd */
#define P_FGROWSEALED 5954 /* x2 the sealed memfd */
#define P_EVREOPEN 5956    /* x2 the eventfd */
#define P_FKEEPSEALED 5958 /* x2 the sealed memfd */
#define P_HFSEALIN 5960    /* x2 the sealed memfd */
#define P_HFTRSAME 5962    /* x2 the sealed memfd */
#define P_HCFRADJ 5964     /* x2 the memfd */
#define P_HSPLOUTOFF 5966  /* x2 A's read end, x3 the memfd */
#define P_HSENDPLAIN 5968  /* x2 the reopen, x3 the memfd */
#define P_HFTRWSEAL 5970   /* x2 the write-sealed memfd */
#define P_HFALLWSEAL 5972  /* x2 the write-sealed memfd */
#define P_FPUNCHWSEAL 5974 /* x2 the write-sealed memfd */
#define P_TASKDOT 5976     /* x2 the memfd, x3 the thread id */
#define P_FDINFODOT 5978   /* x2 the memfd */
#define P_FREOPIPE 5980    /* x2 the reopen of B's write end */
#define P_TEEREONULL 5982  /* x2 A's read end, x3 the reopen of /dev/null */
#define P_DIRLINKDOT 5984  /* x2 the memfd, x3 the dirfd of /proc/self/fd */
#define P_CFRFLAGS 5986    /* x2 the memfd, x3 the other */
#define O_PATH_C 010000000
#define FALLOC_KEEP_C 1
#define FALLOC_PUNCH_C 2
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int creatdir_steps, evmove_steps;
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r59"
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

/* --- opens ------------------------------------------------------------------------------ */
static void open_steps(void)
{
    int s[2];
    long r, fd = memfd_of('m', 100, 0);
    if (fd < 0 || sc(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)s) != 0)
        return;
    marker(P_SOCKREOPEN, s[0], 0, 0, 0);
    r = reopen(s[0], O_RDWR);
    log_label(P_SOCKREOPEN, open_index(r, -ENXIO));
    past_name("/proc/self/fd/", s[0]);
    marker(P_SOCKDOTDOT, s[0], 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_SOCKDOTDOT, open_index(r, -ENOTDIR));
    past_name("/dev/fd/", fd);
    marker(P_DEVFDDOT, fd, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_DEVFDDOT, open_index(r, -ENOTDIR));
    if (sc(SYS_chdir, (long)"/proc/self/fd", 0, 0, 0) == 0) {
        past_name("", fd);
        marker(P_CWDDOT, fd, 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
        log_label(P_CWDDOT, open_index(r, -ENOTDIR));
        sc(SYS_chdir, (long)"/", 0, 0, 0);
    }
    if (creatdir_steps) {
        marker(P_CREATDIR, 0, 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, 0, O_RDWR | O_CREAT | O_DIRECTORY, 0600);
        log_label(P_CREATDIR, r == -EINVAL ? 0 : r == -EFAULT ? -4 : 1);
    }
    marker(P_HNULLBITS, 0, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, 0, O_RDWR | 020, 0);
    log_label(P_HNULLBITS, r == -EFAULT ? 0 : 1);

    long ro = reopen(fd, O_RDONLY);
    if (ro >= 0) {
        marker(P_FTRRDONLY, ro, fd, 0, 0);
        r = sc(SYS_ftruncate, ro, 0, 0, 0);
        log_label(P_FTRRDONLY, err_index(r, -EINVAL));
        sc(SYS_close, ro, 0, 0, 0);
    }
    long pa = reopen(fd, O_PATH_C);
    if (pa >= 0) {
        marker(P_FTRPATH, pa, fd, 0, 0);
        r = sc(SYS_ftruncate, pa, 0, 0, 0);
        log_label(P_FTRPATH, err_index(r, -EBADF));
        sc(SYS_close, pa, 0, 0, 0);
    }
    long tid = sc(SYS_gettid, 0, 0, 0, 0);
    char prefix[64];
    memcpy(prefix, "/proc/self/task/", 16);
    char *q = prefix + 16, digits[12];
    int nd = 0;
    for (long t = tid; t > 0 || nd == 0; t /= 10)
        digits[nd++] = '0' + t % 10;
    while (nd)
        *q++ = digits[--nd];
    memcpy(q, "/fd/", 5);
    past_name(prefix, fd);
    marker(P_TASKDOT, fd, tid, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_TASKDOT, open_index(r, -ENOTDIR));
    past_name("/proc/self/fdinfo/../fd/", fd);
    marker(P_FDINFODOT, fd, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_FDINFODOT, open_index(r, -ENOTDIR));

    long dfd = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    if (dfd >= 0) {
        char pre[32] = "/proc/self/fd/";
        char *e = fd_name(pre + 14, dfd);
        *e++ = '/';
        *e = 0;
        past_name(pre, fd);
        marker(P_DIRLINKDOT, fd, dfd, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
        log_label(P_DIRLINKDOT, open_index(r, -ENOTDIR));
        sc(SYS_close, dfd, 0, 0, 0);
    }

    memcpy(namebuf, "/dev/fd/", 8);
    fd_name(namebuf + 8, fd);
    marker(P_HDEVFD, fd, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_HDEVFD, ok_index(r));
    sc(SYS_close, s[0], 0, 0, 0);
    sc(SYS_close, s[1], 0, 0, 0);
    sc(SYS_close, fd, 0, 0, 0);
}

/* --- moves, copies, fallocate() and ftruncate() ------------------------------------------ */
static long appending_memfd(void)
{
    long fd = memfd_of('a', 0, 0);
    if (fd >= 0 && sc(SYS_fcntl, fd, F_SETFL, O_APPEND, 0) != 0) {
        sc(SYS_close, fd, 0, 0, 0);
        return -1;
    }
    return fd;
}

static void move_steps(void)
{
    int a[2], b[2], s[2];
    long r;
    static long oi, oo;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)b, 0, 0, 0) != 0 ||
        sc(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)s) != 0)
        return;
    memset(wbuf, 'x', 30);
    if (sc(SYS_write, a[1], (long)wbuf, 30, 0) != 30)
        return;
    long fd = memfd_of('m', 100, 0), fd2 = memfd_of('n', 0, 0), ap = appending_memfd();
    long e = sc(SYS_eventfd2, 0, 0, 0, 0);
    long dn = sc(SYS_openat, AT_FDCWD, (long)"/dev/./null", O_WRONLY, 0);
    if (fd < 0 || fd2 < 0 || ap < 0 || e < 0 || dn < 0)
        return;

    oi = 0;
    marker(P_CFREV, fd, e, 0, 0);
    r = sys6(SYS_copy_file_range, fd, (long)&oi, e, 0, 10, 0);
    log_label(P_CFREV, err_index(r, -EINVAL));
    oi = 0;
    marker(P_CFRAPPEND, fd, ap, 0, 0);
    r = sys6(SYS_copy_file_range, fd, (long)&oi, ap, 0, 10, 0);
    log_label(P_CFRAPPEND, err_index(r, -EBADF));
    oi = 0;
    marker(P_CFRPIPE, fd, b[1], 0, 0);
    r = sys6(SYS_copy_file_range, fd, (long)&oi, b[1], 0, 10, 0);
    log_label(P_CFRPIPE, err_index(r, -EINVAL));
    oi = 0;
    oo = 5;
    marker(P_CFROVER, fd, 0, 0, 0);
    r = sys6(SYS_copy_file_range, fd, (long)&oi, fd, (long)&oo, 10, 0);
    log_label(P_CFROVER, err_index(r, -EINVAL));
    oi = 0;
    oo = 0;
    marker(P_CFRFLAGS, fd, fd2, 0, 0);
    r = sys6(SYS_copy_file_range, fd, (long)&oi, fd2, (long)&oo, 10, 1);
    log_label(P_CFRFLAGS, err_index(r, -EINVAL));
    marker(P_FPUNCH, fd, 0, 0, 0);
    r = sc(SYS_fallocate, fd, FALLOC_PUNCH_C, 0, 10);
    log_label(P_FPUNCH, err_index(r, -EOPNOTSUPP));
    oi = 0;
    marker(P_SPLPIPEOFF, a[0], fd2, 0, 0);
    r = sys6(SYS_splice, a[0], (long)&oi, fd2, 0, 10, 0);
    log_label(P_SPLPIPEOFF, err_index(r, -ESPIPE));
    marker(P_TEEDOTNULL, a[0], dn, 0, 0);
    r = sc(SYS_tee, a[0], dn, 10, 0);
    log_label(P_TEEDOTNULL, err_index(r, -EINVAL));
    marker(P_FDOTNULL, dn, 0, 0, 0);
    r = sc(SYS_fallocate, dn, 0, 0, 10);
    log_label(P_FDOTNULL, err_index(r, -ENODEV));
    marker(P_FTRDOTNULL, dn, 0, 0, 0);
    r = sc(SYS_ftruncate, dn, 0, 0, 0);
    log_label(P_FTRDOTNULL, err_index(r, -EINVAL));
    oi = 0;
    marker(P_CFRDOTNULL, fd, dn, 0, 0);
    r = sys6(SYS_copy_file_range, fd, (long)&oi, dn, 0, 10, 0);
    log_label(P_CFRDOTNULL, err_index(r, -EINVAL));
    long ap2 = reopen(fd2, O_RDWR | O_APPEND);
    if (ap2 >= 0) {
        oi = 0;
        marker(P_SENDAPREOPEN, ap2, fd, 0, 0);
        r = sc(SYS_sendfile, ap2, fd, (long)&oi, 10);
        log_label(P_SENDAPREOPEN, err_index(r, -EINVAL));
        sc(SYS_close, ap2, 0, 0, 0);
    }

    long ev = sc(SYS_eventfd2, 5, O_NONBLOCK, 0, 0);
    if (ev >= 0 && evmove_steps) {
        marker(P_SENDEV, b[1], ev, 0, 0);
        r = sc(SYS_sendfile, b[1], ev, 0, 8);
        log_label(P_SENDEV, err_index(r, -EINVAL));
        marker(P_SPLFROMEV, ev, b[1], 0, 0);
        r = sys6(SYS_splice, ev, 0, b[1], 0, 8, 0);
        log_label(P_SPLFROMEV, err_index(r, -EINVAL));
        marker(P_SPLINTOEV, a[0], ev, 0, 0);
        r = sys6(SYS_splice, a[0], 0, ev, 0, 8, 0);
        log_label(P_SPLINTOEV, err_index(r, -EINVAL));
    }
    if (ev >= 0) {
        marker(P_EVREOPEN, ev, 0, 0, 0);
        r = reopen(ev, O_RDWR);
        log_label(P_EVREOPEN, open_index(r, -ENXIO));
        sc(SYS_close, ev, 0, 0, 0);
    }
    long sealed = memfd_of('s', 100, 2 /* MFD_ALLOW_SEALING */);
    if (sealed >= 0 && sc(SYS_fcntl, sealed, 1033 /* F_ADD_SEALS */,
                          2 | 4 /* F_SEAL_SHRINK|F_SEAL_GROW */, 0) == 0) {
        marker(P_FTRSEALED, sealed, 0, 0, 0);
        r = sc(SYS_ftruncate, sealed, 0, 0, 0);
        log_label(P_FTRSEALED, err_index(r, -EPERM));
        marker(P_FGROWSEALED, sealed, 0, 0, 0);
        r = sc(SYS_fallocate, sealed, 0, 0, 200);
        log_label(P_FGROWSEALED, err_index(r, -EPERM));
        marker(P_FKEEPSEALED, sealed, 0, 0, 0);
        r = sc(SYS_fallocate, sealed, FALLOC_KEEP_C, 0, 200);
        log_label(P_FKEEPSEALED, err_index(r, -EPERM));
        marker(P_HFSEALIN, sealed, 0, 0, 0);
        r = sc(SYS_fallocate, sealed, 0, 0, 100);
        log_label(P_HFSEALIN, r == 0 ? 0 : 1);
        marker(P_HFTRSAME, sealed, 0, 0, 0);
        r = sc(SYS_ftruncate, sealed, 100, 0, 0);
        log_label(P_HFTRSAME, r == 0 ? 0 : 1);
    }
    if (sealed >= 0)
        sc(SYS_close, sealed, 0, 0, 0);
    long ws = memfd_of('w', 100, 2 /* MFD_ALLOW_SEALING */);
    if (ws >= 0 && sc(SYS_fcntl, ws, 1033 /* F_ADD_SEALS */, 8 /* F_SEAL_WRITE */, 0) == 0) {
        marker(P_HFTRWSEAL, ws, 0, 0, 0);
        r = sc(SYS_ftruncate, ws, 50, 0, 0);
        log_label(P_HFTRWSEAL, r == 0 ? 0 : 1);
        marker(P_HFALLWSEAL, ws, 0, 0, 0);
        r = sc(SYS_fallocate, ws, 0, 0, 200);
        log_label(P_HFALLWSEAL, r == 0 ? 0 : 1);
        marker(P_FPUNCHWSEAL, ws, 0, 0, 0);
        r = sc(SYS_fallocate, ws, FALLOC_PUNCH_C | FALLOC_KEEP_C, 0, 10);
        log_label(P_FPUNCHWSEAL, err_index(r, -EPERM));
    }
    if (ws >= 0)
        sc(SYS_close, ws, 0, 0, 0);

    /* honest answers */
    oi = 0;
    marker(P_HSENDSOCK, s[0], fd, 0, 0);
    r = sc(SYS_sendfile, s[0], fd, (long)&oi, 10);
    log_label(P_HSENDSOCK, r == 10 ? 0 : 1);
    marker(P_HFPUNCHKEEP, fd, 0, 0, 0);
    r = sc(SYS_fallocate, fd, FALLOC_PUNCH_C | FALLOC_KEEP_C, 0, 10);
    log_label(P_HFPUNCHKEEP, r == 0 ? 0 : 1);
    oi = 0;
    oo = 10;
    marker(P_HCFRADJ, fd, 0, 0, 0);
    r = sys6(SYS_copy_file_range, fd, (long)&oi, fd, (long)&oo, 10, 0);
    log_label(P_HCFRADJ, r == 10 ? 0 : 1);
    oo = 0;
    marker(P_HSPLOUTOFF, a[0], fd2, 0, 0);
    r = sys6(SYS_splice, a[0], 0, fd2, (long)&oo, 10, 0);
    log_label(P_HSPLOUTOFF, r == 10 ? 0 : 1);
    long rw = reopen(fd2, O_RDWR);
    if (rw >= 0) {
        oi = 0;
        marker(P_HSENDPLAIN, rw, fd, 0, 0);
        r = sc(SYS_sendfile, rw, fd, (long)&oi, 10);
        log_label(P_HSENDPLAIN, r == 10 ? 0 : 1);
        sc(SYS_close, rw, 0, 0, 0);
    }
    long rp = reopen(b[1], O_WRONLY);
    if (rp >= 0) {
        marker(P_FREOPIPE, rp, 0, 0, 0);
        r = sc(SYS_fallocate, rp, 0, 0, 10);
        log_label(P_FREOPIPE, err_index(r, -ESPIPE));
        sc(SYS_close, rp, 0, 0, 0);
    }
    long rn = reopen(devnull, O_WRONLY);
    if (rn >= 0) {
        marker(P_TEEREONULL, a[0], rn, 0, 0);
        r = sc(SYS_tee, a[0], rn, 10, 0);
        log_label(P_TEEREONULL, err_index(r, -EINVAL));
        sc(SYS_close, rn, 0, 0, 0);
    }
    marker(P_HREOPENPIPE, b[1], 0, 0, 0);
    r = reopen(b[1], O_RDONLY);
    log_label(P_HREOPENPIPE, ok_index(r));

    long all[] = {fd, fd2, ap, e, dn, s[0], s[1], a[0], a[1], b[0], b[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}


int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        creatdir_steps |= strcmp(argv[i], "-c") == 0;
        evmove_steps |= strcmp(argv[i], "-v") == 0;
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
