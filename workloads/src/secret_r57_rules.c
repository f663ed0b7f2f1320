/* secret_r57_rules: the attack target of red-team round fifty-seven (the rules added after
 * round 56, both ways: the opens of /proc/self/fd/N by openat2() with flags Linux does not
 * know, RESOLVE_CACHED without O_TRUNC, RESOLVE_NO_SYMLINKS with O_PATH|O_NOFOLLOW, a name
 * with a trailing slash or "/.", openat() with O_PATH|O_CREAT|O_EXCL, relative opens of
 * the link itself under RESOLVE_BENEATH and RESOLVE_NO_XDEV; splice(), tee() and sendfile()
 * through ends whose access mode Linux refuses, a tee of a pipe into itself or with an
 * unknown flag, a positioned read of a reopened pipe end, a
 * splice into the same pipe through a reopen; fallocate() modes shmem refuses, a zero
 * length; copy_file_range() with a count that wraps; an O_RDONLY|O_TRUNC reopen;
 * pwritev2() with RWF_NOSIGNAL; a socket and an eventfd at an offset, RWF_ATOMIC on a
 * socket).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.
 *
 *  P_O2FLAG      openat2(the memfd's /proc/self/fd path, {O_RDWR|O_TRUNC|0x10}) is -EINVAL
 *                (build_open_flags(): flags & ~VALID_OPEN_FLAGS; bits 2..5 are no open
 *                flag) (0); -ENOSYS (1); else -4.
 *  P_O2CACHEDRW  openat2(path, {O_RDWR, RESOLVE_CACHED}) is -EAGAIN (tid_fd_revalidate()
 *                refuses RCU walk, legitimize_links() fails under LOOKUP_CACHED, path_init()
 *                answers -EAGAIN) (0); -ENOSYS (1); else -4.
 *  P_O2NOSYM     openat2(path, {O_PATH|O_NOFOLLOW, RESOLVE_NO_SYMLINKS}) is -ELOOP
 *                (/proc/self is a symlink: pick_link() under LOOKUP_NO_SYMLINKS) (0);
 *                -ENOSYS (1); else -4.
 *  P_SLASH      (-l: the kernel model opens both) openat(path "/", O_RDWR|O_TRUNC) is
 *                -ENOTDIR (a trailing slash asks a directory of the magic link's target)
 *                (0), else -4.
 *  P_DOTSLASH   (-l) openat(path "/.", O_RDWR) is -ENOTDIR (walk_component() in a
 *                non-directory) (0), else -4.
 *  P_PATHEXCL   (-x: the kernel model answers -EEXIST) openat(path, O_PATH|O_CREAT|O_EXCL)
 *                is an O_PATH handle (build_open_how(): O_PATH keeps O_PATH_FLAGS only)
 *                (0); -EEXIST (1); else -4.
 *  P_RELBENEATH  a dirfd of /proc/self/fd: openat2(dirfd, "N", {O_PATH|O_NOFOLLOW,
 *                RESOLVE_BENEATH}) opens the link itself (no jump, no '..') (0); -ENOSYS
 *                (1); else -4.
 *  P_RELNOXDEV   openat2(dirfd, "N", {O_PATH|O_NOFOLLOW, RESOLVE_NO_XDEV}) opens the link
 *                itself (no mount crossed) (0); -ENOSYS (1); else -4.
 *  P_SPLWEND     pipes A (10 'x') and B: splice(A's write end, NULL, B's write end, NULL,
 *                10, 0) is -EBADF (do_splice(): in without FMODE_READ) (0), else -4.
 *  P_TEEWEND    (-w: the kernel model copies) tee(A's write end, B's write end, 10, 0)
 *                is -EBADF (do_tee(): in without FMODE_READ) (0), else -4.
 *  P_TEESAME     tee(A's read end, A's write end, 10, 0) is -EINVAL (do_tee(): ipipe ==
 *                opipe) (0), else -4.
 *  P_TEEFLAGS   (-g: the kernel model copies) tee(A's read end, B's write end, 10, 0x100)
 *                is -EINVAL (do_tee(): flags & ~SPLICE_F_ALL) (0), else -4.
 *  P_SENDWO      sendfile(B's write end, an O_WRONLY reopen of a memfd, NULL, 10) is -EBADF
 *                (do_sendfile(): in without FMODE_READ) (0), else -4.
 *  P_SPLRO       splice(A's read end, NULL, an O_RDONLY reopen of a memfd, &0, 10, 0) is
 *                -EBADF (do_splice(): out without FMODE_WRITE) (0), else -4.
 *  P_RPREAD      pread64(an O_RDONLY reopen of A's read end, 10, 0) is -ESPIPE
 *                (fifo_open() -> stream_open(): no FMODE_PREAD) (0), else -4.
 *  P_RSPLSAME    splice(A's read end, NULL, an O_WRONLY reopen of A's write end, NULL,
 *                10, 0) is -EINVAL (splice_pipe_to_pipe(): the same pipe) (0), else -4.
 *  P_FCOLLAPSE   a memfd of 100 'm': fallocate(fd, COLLAPSE_RANGE, 0, 4096) is -EOPNOTSUPP
 *                (shmem_fallocate(): only KEEP_SIZE|PUNCH_HOLE) (0), else -4.
 *  P_FPUNCHNK    fallocate(fd, PUNCH_HOLE, 0, 10) is -EOPNOTSUPP (vfs_fallocate(): a punch
 *                needs KEEP_SIZE) (0), else -4.
 *  P_FLEN0       fallocate(fd, 0, 0, 0) is -EINVAL (vfs_fallocate(): len <= 0) (0), else -4.
 *  P_FZERO       fallocate(fd, ZERO_RANGE, 0, 10) is -EOPNOTSUPP (shmem_fallocate()) (0),
 *                else -4.
 *  P_ROTRUNC     a memfd of 100 'm': openat(path, O_RDONLY|O_TRUNC) is a descriptor and
 *                cuts the memfd to 0 (build_open_flags(): O_TRUNC asks MAY_WRITE whatever
 *                the access mode; do_open() -> handle_truncate()), the size 0 (0), else -4.
 *  (pwritev2 steps: -EFAULT is label 2 -- the mprotect design gives the kernel no
 *  capability for an iovec's buffers)
 *  P_NOSIGPIPE   a pipe: pwritev2(its write end, 10 'q', -1, RWF_NOSIGNAL) is 10
 *                (kiocb_set_rw_flags(): RWF_NOSIGNAL, a 6.15+ flag, takes any write) (0);
 *                -EOPNOTSUPP (an older kernel, qemu-user) or -ENOSYS (1); -EFAULT (2);
 *                else -4.
 *  P_NOSIGMEMFD  pwritev2(a memfd, 10 'q', 0, RWF_NOSIGNAL) is 10 (0); as above else.
 *  P_SOCKPREAD   a stream socketpair, 10 'x' sent: pread64(the other end, 10, 0) is -ESPIPE
 *                (sock_alloc_file() -> stream_open(): no FMODE_PREAD) (0), else -4.
 *  P_SOCKPWV2AT  pwritev2(a socket, 10 'q', -1, RWF_ATOMIC) is -EOPNOTSUPP (no
 *                FMODE_CAN_ATOMIC_WRITE) (0); -ENOSYS (1); -EFAULT (2); else -4.
 *  P_EVPREAD     pread64(an eventfd counting 1, 8, 0) is -ESPIPE (eventfd_fops: no
 *                FMODE_PREAD, stream_open()) (0), else -4.
 *  P_CFRWRAP     copy_file_range(fd, &50, another memfd, &0, (size_t)-10, 0) is -EOVERFLOW
 *                (generic_copy_file_checks(): pos_in + count wraps, before the count is
 *                shortened to the end) (0), else -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r57.py.  Only the digest of the secret is ever printed.
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
#define P_O2FLAG 5700      /* x2 fd */
#define P_O2CACHEDRW 5702  /* x2 fd */
#define P_O2NOSYM 5704     /* x2 fd */
#define P_SLASH 5706       /* x2 fd, x3 the path without the slash */
#define P_DOTSLASH 5708    /* x2 fd, x3 the path without "/." */
#define P_PATHEXCL 5710    /* x2 fd */
#define P_RELBENEATH 5712  /* x2 fd, x3 the dirfd, x4 the absolute path */
#define P_RELNOXDEV 5714   /* x2 fd, x3 the dirfd, x4 the absolute path */
#define P_SPLWEND 5716     /* x2 A's write end, x3 B's write end */
#define P_TEEWEND 5718     /* x2 A's write end, x3 B's write end */
#define P_TEESAME 5720     /* x2 A's read end, x3 A's write end */
#define P_TEEFLAGS 5722    /* x2 A's read end, x3 B's write end */
#define P_SENDWO 5724      /* x2 B's write end, x3 the O_WRONLY reopen */
#define P_SPLRO 5726       /* x2 A's read end, x3 the O_RDONLY reopen */
#define P_RPREAD 5728      /* x2 the reopen of A's read end */
#define P_RSPLSAME 5730    /* x2 A's read end, x3 the reopen of A's write end */
#define P_FCOLLAPSE 5732   /* x2 fd */
#define P_FPUNCHNK 5734    /* x2 fd */
#define P_FLEN0 5736       /* x2 fd */
#define P_FZERO 5738       /* x2 fd */
#define P_CFRWRAP 5740     /* x2 fd, x3 the other memfd */
#define P_ROTRUNC 5742     /* x2 fd */
#define P_NOSIGPIPE 5744   /* x2 the pipe's write end */
#define P_NOSIGMEMFD 5746  /* x2 fd */
#define P_SOCKPREAD 5748   /* x2 the socket read */
#define P_SOCKPWV2AT 5750  /* x2 the socket written */
#define P_EVPREAD 5752     /* x2 the eventfd */
#define RWF_ATOMIC_C 0x40
#define RWF_NOSIGNAL_C 0x100
#define O_PATH_C 010000000
#define RESOLVE_NO_XDEV_C 0x01
#define RESOLVE_NO_SYMLINKS_C 0x04
#define RESOLVE_BENEATH_C 0x08
#define RESOLVE_CACHED_C 0x20
#define FALLOC_PUNCH_C 2
#define FALLOC_COLLAPSE_C 8
#define FALLOC_ZERO_C 0x10
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "secret_common.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static uint64_t secret[SECRET_LEN / 8];
static int pathexcl_steps, teeflags_steps, slash_steps, teewend_steps;
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t rbuf[2 * PAGE] __attribute__((aligned(4096)));
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r57"
#include "secret_rules_kit.h"


struct open_how_c {
    uint64_t flags, mode, resolve;
};
/* a page of its own: what the kernel reads of it stays inside */
static struct open_how_c how __attribute__((aligned(4096)));

static long o2(uint64_t flags, uint64_t resolve)
{
    how.flags = flags;
    how.mode = 0;
    how.resolve = resolve;
    return sc(SYS_openat2, AT_FDCWD, (long)procpath, (long)&how, sizeof how);
}

/* --- opens of /proc/self/fd/N ---------------------------------------------------------- */
/* pages of their own: a kernel may read a name up to its page's end */
static char slashpath[PAGE] __attribute__((aligned(4096)));
static char namebuf[PAGE] __attribute__((aligned(4096)));

static long o2_index(long r, long want)
{
    if (r >= 0)
        sc(SYS_close, r, 0, 0, 0);
    return r == want ? 0 : r == -ENOSYS ? 1 : -4;
}

static long made_index(long r)
{
    if (r >= 0) {
        sc(SYS_close, r, 0, 0, 0);
        return 0;
    }
    return r == -ENOSYS || r == -EEXIST ? 1 : -4;
}

static void open_steps(void)
{
    long fd = memfd_of('m', 100, 0), r;
    if (fd < 0)
        return;
    reopen_path(fd);
    marker(P_O2FLAG, fd, 0, 0, 0);
    r = o2(O_RDWR | O_TRUNC | 0x10, 0);
    log_label(P_O2FLAG, o2_index(r, -EINVAL));
    marker(P_O2CACHEDRW, fd, 0, 0, 0);
    r = o2(O_RDWR, RESOLVE_CACHED_C);
    log_label(P_O2CACHEDRW, o2_index(r, -EAGAIN));
    marker(P_O2NOSYM, fd, 0, 0, 0);
    r = o2(O_PATH_C | O_NOFOLLOW, RESOLVE_NO_SYMLINKS_C);
    log_label(P_O2NOSYM, o2_index(r, -ELOOP));

    size_t n = strlen(procpath);
    memcpy(slashpath, procpath, n);
    memcpy(slashpath + n, "/", 2);
    if (slash_steps) {
        marker(P_SLASH, fd, (long)procpath, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)slashpath, O_RDWR | O_TRUNC, 0);
        log_label(P_SLASH, o2_index(r, -ENOTDIR) == 0 ? 0 : -4);
        memcpy(slashpath + n, "/.", 3);
        marker(P_DOTSLASH, fd, (long)procpath, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)slashpath, O_RDWR, 0);
        log_label(P_DOTSLASH, o2_index(r, -ENOTDIR) == 0 ? 0 : -4);
    }

    if (pathexcl_steps) {
        marker(P_PATHEXCL, fd, 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)procpath, O_PATH_C | O_CREAT | O_EXCL, 0600);
        log_label(P_PATHEXCL, made_index(r));
    }

    long dirfd = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_PATH_C | O_DIRECTORY, 0);
    if (dirfd >= 0) {
        int i = 0;
        if (fd >= 10)
            namebuf[i++] = '0' + fd / 10;
        namebuf[i++] = '0' + fd % 10;
        namebuf[i] = 0;
        how.flags = O_PATH_C | O_NOFOLLOW;
        how.mode = 0;
        how.resolve = RESOLVE_BENEATH_C;
        marker(P_RELBENEATH, fd, dirfd, (long)procpath, 0);
        r = sc(SYS_openat2, dirfd, (long)namebuf, (long)&how, sizeof how);
        log_label(P_RELBENEATH, made_index(r));
        how.resolve = RESOLVE_NO_XDEV_C;
        marker(P_RELNOXDEV, fd, dirfd, (long)procpath, 0);
        r = sc(SYS_openat2, dirfd, (long)namebuf, (long)&how, sizeof how);
        log_label(P_RELNOXDEV, made_index(r));
        sc(SYS_close, dirfd, 0, 0, 0);
    }
    sc(SYS_close, fd, 0, 0, 0);
}

/* --- splice(), tee() and sendfile() through ends Linux refuses ---------------------------- */
static long reopen_index(long fd, long flags)
{
    return reopen(fd, flags);
}

static void pipe_steps(void)
{
    int a[2], b[2];
    long r;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    if (sc(SYS_pipe2, (long)b, 0, 0, 0) == 0) {
        memset(wbuf, 'x', 10);
        if (sc(SYS_write, a[1], (long)wbuf, 10, 0) == 10) {
            marker(P_SPLWEND, a[1], b[1], 0, 0);
            r = sys6(SYS_splice, a[1], 0, b[1], 0, 10, 0);
            log_label(P_SPLWEND, r == -EBADF ? 0 : -4);
            if (teewend_steps) {
                marker(P_TEEWEND, a[1], b[1], 0, 0);
                r = sc(SYS_tee, a[1], b[1], 10, 0);
                log_label(P_TEEWEND, r == -EBADF ? 0 : -4);
            }
            marker(P_TEESAME, a[0], a[1], 0, 0);
            r = sc(SYS_tee, a[0], a[1], 10, 0);
            log_label(P_TEESAME, r == -EINVAL ? 0 : -4);
            if (teeflags_steps) {
                marker(P_TEEFLAGS, a[0], b[1], 0, 0);
                r = sc(SYS_tee, a[0], b[1], 10, 0x100);
                log_label(P_TEEFLAGS, r == -EINVAL ? 0 : -4);
            }
            long fd = memfd_of('m', 100, 0);
            if (fd >= 0) {
                long wo = reopen_index(fd, O_WRONLY);
                if (wo >= 0) {
                    marker(P_SENDWO, b[1], wo, 0, 0);
                    r = sc(SYS_sendfile, b[1], wo, 0, 10);
                    log_label(P_SENDWO, r == -EBADF ? 0 : -4);
                    sc(SYS_close, wo, 0, 0, 0);
                }
                long ro = reopen_index(fd, O_RDONLY);
                if (ro >= 0) {
                    static long off;
                    off = 0;
                    marker(P_SPLRO, a[0], ro, 0, 0);
                    r = sys6(SYS_splice, a[0], 0, ro, (long)&off, 10, 0);
                    log_label(P_SPLRO, r == -EBADF ? 0 : -4);
                    sc(SYS_close, ro, 0, 0, 0);
                }
                sc(SYS_close, fd, 0, 0, 0);
            }
            long rp = reopen_index(a[0], O_RDONLY);
            if (rp >= 0) {
                marker(P_RPREAD, rp, 0, 0, 0);
                r = sys6(SYS_pread64, rp, (long)rbuf, 10, 0, 0, 0);
                log_label(P_RPREAD, r == -ESPIPE ? 0 : -4);
                sc(SYS_close, rp, 0, 0, 0);
            }
            long wp = reopen_index(a[1], O_WRONLY);
            if (wp >= 0) {
                marker(P_RSPLSAME, a[0], wp, 0, 0);
                r = sys6(SYS_splice, a[0], 0, wp, 0, 10, 0);
                log_label(P_RSPLSAME, r == -EINVAL ? 0 : -4);
                sc(SYS_close, wp, 0, 0, 0);
            }
        }
        sc(SYS_close, b[0], 0, 0, 0);
        sc(SYS_close, b[1], 0, 0, 0);
    }
    sc(SYS_close, a[0], 0, 0, 0);
    sc(SYS_close, a[1], 0, 0, 0);
}

/* --- flags and positions of the reads and writes -------------------------------------- */
static long rwv2(long nr, long fd, long n, long off, long flags)
{
    static struct { long base, len; } iov;
    memset(wbuf, 'q', n);
    iov.base = (long)(nr == SYS_preadv2 ? rbuf : wbuf);
    iov.len = n;
    return sys6(nr, fd, (long)&iov, 1, off, 0, flags);
}

static long v2_index(long r, long want)
{
    return r == want ? 0 : r == -EOPNOTSUPP || r == -ENOSYS ? 1 : r == -EFAULT ? 2 : -4;
}

static void flag_steps(void)
{
    int p[2], s[2];
    long r;
    if (sc(SYS_pipe2, (long)p, 0, 0, 0) == 0) {
        marker(P_NOSIGPIPE, p[1], 0, 0, 0);
        r = rwv2(SYS_pwritev2, p[1], 10, -1, RWF_NOSIGNAL_C);
        log_label(P_NOSIGPIPE, v2_index(r, 10));
        sc(SYS_close, p[0], 0, 0, 0);
        sc(SYS_close, p[1], 0, 0, 0);
    }
    long fd = memfd_of('m', 100, 0);
    if (fd >= 0) {
        marker(P_NOSIGMEMFD, fd, 0, 0, 0);
        r = rwv2(SYS_pwritev2, fd, 10, 0, RWF_NOSIGNAL_C);
        log_label(P_NOSIGMEMFD, v2_index(r, 10));
        sc(SYS_close, fd, 0, 0, 0);
    }
    if (sc(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)s) == 0) {
        memset(wbuf, 'x', 10);
        if (sc(SYS_write, s[0], (long)wbuf, 10, 0) == 10) {
            marker(P_SOCKPREAD, s[1], 0, 0, 0);
            r = sys6(SYS_pread64, s[1], (long)rbuf, 10, 0, 0, 0);
            log_label(P_SOCKPREAD, r == -ESPIPE ? 0 : -4);
        }
        marker(P_SOCKPWV2AT, s[0], 0, 0, 0);
        r = rwv2(SYS_pwritev2, s[0], 10, -1, RWF_ATOMIC_C);
        log_label(P_SOCKPWV2AT, r == -EOPNOTSUPP ? 0 : r == -ENOSYS ? 1 : r == -EFAULT ? 2 :
                                -4);
        sc(SYS_close, s[0], 0, 0, 0);
        sc(SYS_close, s[1], 0, 0, 0);
    }
    long e = sc(SYS_eventfd2, 1, 0, 0, 0);
    if (e >= 0) {
        marker(P_EVPREAD, e, 0, 0, 0);
        r = sys6(SYS_pread64, e, (long)rbuf, 8, 0, 0, 0);
        log_label(P_EVPREAD, r == -ESPIPE ? 0 : -4);
        sc(SYS_close, e, 0, 0, 0);
    }
}

/* --- fallocate() modes shmem refuses, a copy whose count wraps ---------------------------- */
static void memfd_steps(void)
{
    long r, fd = memfd_of('m', 100, 0);
    if (fd < 0)
        return;
    marker(P_FCOLLAPSE, fd, 0, 0, 0);
    r = sc(SYS_fallocate, fd, FALLOC_COLLAPSE_C, 0, PAGE);
    log_label(P_FCOLLAPSE, r == -EOPNOTSUPP ? 0 : -4);
    marker(P_FPUNCHNK, fd, 0, 0, 0);
    r = sc(SYS_fallocate, fd, FALLOC_PUNCH_C, 0, 10);
    log_label(P_FPUNCHNK, r == -EOPNOTSUPP ? 0 : -4);
    marker(P_FLEN0, fd, 0, 0, 0);
    r = sc(SYS_fallocate, fd, 0, 0, 0);
    log_label(P_FLEN0, r == -EINVAL ? 0 : -4);
    marker(P_FZERO, fd, 0, 0, 0);
    r = sc(SYS_fallocate, fd, FALLOC_ZERO_C, 0, 10);
    log_label(P_FZERO, r == -EOPNOTSUPP ? 0 : -4);
    long fd2 = memfd_of('n', 0, 0);
    if (fd2 >= 0) {
        static long oi, oo;
        oi = 50;
        oo = 0;
        marker(P_CFRWRAP, fd, fd2, 0, 0);
        r = sys6(SYS_copy_file_range, fd, (long)&oi, fd2, (long)&oo, -10L, 0);
        log_label(P_CFRWRAP, r == -EOVERFLOW ? 0 : -4);
        sc(SYS_close, fd2, 0, 0, 0);
    }
    sc(SYS_close, fd, 0, 0, 0);

    fd = memfd_of('m', 100, 0);
    if (fd < 0)
        return;
    marker(P_ROTRUNC, fd, 0, 0, 0);
    r = reopen(fd, O_RDONLY | O_TRUNC);
    if (r >= 0)
        sc(SYS_close, r, 0, 0, 0);
    log_label(P_ROTRUNC, r >= 0 && size_of(fd) == 0 ? 0 : -4);
    sc(SYS_close, fd, 0, 0, 0);
}


int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        pathexcl_steps |= strcmp(argv[i], "-x") == 0;
        teeflags_steps |= strcmp(argv[i], "-g") == 0;
        slash_steps |= strcmp(argv[i], "-l") == 0;
        teewend_steps |= strcmp(argv[i], "-w") == 0;
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
    pipe_steps();
    memfd_steps();
    flag_steps();

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
