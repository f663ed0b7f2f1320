/* secret_r58_rules: the attack target of red-team round fifty-eight (the rules added after
 * round 57, both ways: opens of /proc/self/fd/N by a name that goes on past the link and
 * comes back ("N/../N"), with __O_TMPFILE alone, and by openat2() relative to "/" under
 * RESOLVE_NO_XDEV, with ".." out of a dirfd of /proc/self/fd under RESOLVE_BENEATH or
 * RESOLVE_IN_ROOT, and through "/proc/../proc/self" under RESOLVE_NO_SYMLINKS; tee() into
 * a file that is no pipe, splice() between two files that are no pipes, into an O_APPEND
 * memfd, into a socket at an offset, at a negative offset; sendfile() from a socket at an
 * offset, at a negative offset, into an O_APPEND memfd; fallocate() of a pipe and of
 * /dev/null; copy_file_range() into /dev/null and from a negative offset; preadv2() with
 * RWF_NOSIGNAL; pwritev2() into /dev/null with RWF_ATOMIC; ftruncate() of a pipe; a tee()
 * of a pipe into itself after 1,100 tee() calls; openat() of a name by a tagged pointer and
 * openat2() of its struct by one, /proc/self/fd/0N; pwritev2() into an eventfd with
 * RWF_DSYNC; and honest moves that succeed).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error (-ENOSYS from a kernel without openat2(), an older kernel's
 * answer), 2 for -EFAULT where it passes iovecs (the mprotect design gives the kernel no
 * capability for an iovec's buffers), -4 for a success.
 *
 *  P_DOTDOT      (-u) openat(path "/../N", O_RDWR|O_TRUNC) is -ENOTDIR (link_path_walk():
 *                the link followed to a memfd, then d_can_lookup() fails before "..").
 *  P_TMPFILE     openat(path, O_RDWR|__O_TMPFILE) is -EINVAL (build_open_flags():
 *                (flags & O_TMPFILE_MASK) != O_TMPFILE).
 *  P_NOXDEVREL   openat2(a dirfd of "/", "proc/self/fd/N", {O_PATH|O_NOFOLLOW,
 *                RESOLVE_NO_XDEV}) is -EXDEV (traverse_mounts(): /proc is a mount).
 *  P_BENEATHDOT  openat2(a dirfd of /proc/self/fd, "../fd/N", {O_PATH|O_NOFOLLOW,
 *                RESOLVE_BENEATH}) is -EXDEV (follow_dotdot() at the scope's root).
 *  P_NOSYMDOT    openat2(AT_FDCWD, "/proc/../proc/self/fd/N", {O_PATH|O_NOFOLLOW,
 *                RESOLVE_NO_SYMLINKS}) is -ELOOP (pick_link(): /proc/self).
 *  P_INROOTDOT   openat2(a dirfd of /proc/self/fd, "../fd/N", {O_PATH|O_NOFOLLOW,
 *                RESOLVE_IN_ROOT}) is -ENOENT (".." stays at the root: .../fd/fd/N).
 *  P_INROOTREL   openat2(a dirfd of /proc/self/fd, "N", {O_PATH|O_NOFOLLOW,
 *                RESOLVE_IN_ROOT}) opens the link itself (0); -ENOSYS (1).
 *  P_TEENULL     tee(A's read end, /dev/null, 10, 0) is -EINVAL (do_tee(): no pipe out).
 *  P_SPLNOPIPE   splice(a memfd, &0, /dev/null, NULL, 10, 0) is -EINVAL (do_splice():
 *                neither end a pipe).
 *  P_SPLAPPEND  (-a: the kernel model moves) splice(A's read end, NULL, an O_APPEND memfd, NULL, 10, 0) is -EINVAL
 *                (do_splice(): out->f_flags & O_APPEND).
 *  P_SPLSOCKOFF  splice(A's read end, NULL, a socket, &0, 10, 0) is -EINVAL (do_splice():
 *                an offset out without FMODE_PWRITE).
 *  P_SPLNEGOFF  (-g: the kernel model fails) splice(A's read end, NULL, a memfd, &-1, 10, 0) is -EINVAL
 *                (rw_verify_area(): a negative position).
 *  P_SENDSOCK    sendfile(B's write end, a socket, &0, 10) is -ESPIPE (do_sendfile():
 *                ppos without FMODE_PREAD).
 *  P_SENDNEG    (-g) sendfile(B's write end, a memfd, &-5, 10) is -EINVAL (rw_verify_area()).
 *  P_SENDAPPEND (-a) sendfile(an O_APPEND memfd, a memfd, NULL, 10) is -EINVAL
 *                (do_splice_direct_actor(): out->f_flags & O_APPEND).
 *  P_FPIPE       fallocate(B's write end, 0, 0, 10) is -ESPIPE (vfs_fallocate(): S_ISFIFO).
 *  P_FNULL       fallocate(/dev/null, 0, 0, 10) is -ENODEV (vfs_fallocate(): no regular
 *                file).
 *  P_CFRNULL     copy_file_range(a memfd, &0, /dev/null, NULL, 10, 0) is -EINVAL
 *                (generic_file_rw_checks(): !S_ISREG).
 *  P_CFRNEG      copy_file_range(a memfd, &-100, another, &0, 10, 0) is -EINVAL
 *                (rw_verify_area(): a negative position; it does not wrap).
 *  P_PRV2NOSIG   preadv2(a memfd, 10, 0, RWF_NOSIGNAL) reads 10 (kiocb_set_rw_flags() of
 *                a 6.15+ kernel takes the flag for a read too) (0); another error (an
 *                older kernel's -EOPNOTSUPP, qemu-user's) (1); -EFAULT (2); else -4.
 *  P_EVPWV2     (-e: the kernel model writes) pwritev2(an eventfd, 8 'q', -1, RWF_DSYNC) is -EOPNOTSUPP (eventfd_fops
 *                has .write, no .write_iter: do_loop_readv_writev() takes RWF_HIPRI only)
 *                (0); another error (1); -EFAULT (2); else -4.
 *  P_PWV2NULLAT  pwritev2(/dev/null, 10, -1, RWF_ATOMIC) is -EOPNOTSUPP
 *                (kiocb_set_rw_flags(): no FMODE_CAN_ATOMIC_WRITE).
 *  P_FTRPIPE     ftruncate(B's write end, 0) is -EINVAL (do_ftruncate(): !S_ISREG).
 *  P_TEEZERO    (-z) tee(A's read end, B's write end (empty), 0, 0) is 0 (sys_tee(): a zero
 *                length answers 0) (0); another answer (1).
 *  P_FOLDTEE     (-n) after 1,100 tee(A's read end, B's write end, 10, 0x100) (each
 *                -EINVAL),
 *                tee(A's read end, A's write end, 10, 0) is -EINVAL (do_tee()).
 *  P_HTEE        tee(A's read end, B's write end, 10, SPLICE_F_NONBLOCK) copies 10 (0);
 *                another answer (1).
 *  P_HSPLFILE    splice(a memfd of 100 'm', &0, B's write end, NULL, 10, 0) moves 10 (0).
 *  P_HSENDFILE   sendfile(B's write end, a memfd, &0, 10) moves 10 (0).
 *  P_HFKEEP      fallocate(a memfd, KEEP_SIZE, 0, 10) is 0 (0).
 *  P_HCFREOF     copy_file_range(a memfd of 100, &100, another, &0, 10, 0) is 0 (0).
 *  P_FTRNEG      ftruncate(a memfd of 100 'm', -1) is -EINVAL (do_sys_ftruncate():
 *                length < 0).
 *  P_O2NULL      openat2(AT_FDCWD, NULL, {O_RDWR|0x10}) is -EINVAL (build_open_flags()
 *                before getname()) (0); -ENOSYS (1); else (-EFAULT too) -4.
 *  P_O2NULLOK    openat2(AT_FDCWD, NULL, {O_RDWR}) is -EFAULT (getname()) (0); -ENOSYS
 *                (1); else -4.
 *  P_BENEATHROOT openat2(a dirfd of "/", "proc/self/fd/N", {O_PATH|O_NOFOLLOW,
 *                RESOLVE_BENEATH}) opens the link itself (no "..", no jump; /proc/self's
 *                target is relative) (0); -ENOSYS (1); else -4.
 *  P_TAGNAME    (-t: the Guardian refuses the -EFAULT) openat(AT_FDCWD, "/dev/null" by a
 *                pointer with top byte 0x5a, O_RDONLY) is -EFAULT (the tagged address ABI is off: access_ok() of
 *                user_read_access_begin() in strncpy_from_user() refuses the tagged
 *                pointer) (0); another error (1); a descriptor -4.
 *  P_TAGHOW     (-h: as -t) openat2(AT_FDCWD, "/dev/null", a pointer with top byte 0x5a to its
 *                struct open_how, 24) is -EFAULT (copy_struct_from_user() ->
 *                copy_from_user(): access_ok()) (0); -ENOSYS (1); a descriptor -4.
 *  P_LEADZERO    openat("/proc/self/fd/0N", O_RDWR) is -ENOENT
 *                (proc_lookupfd_common() -> name_to_int(): no leading zero) (0); another
 *                error (1); a descriptor -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r58.py.  Only the digest of the secret is ever printed.
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
#define P_DOTDOT 5800      /* x2 fd */
#define P_TMPFILE 5802     /* x2 fd */
#define P_NOXDEVREL 5804   /* x2 fd, x3 the dirfd of "/" */
#define P_BENEATHDOT 5806  /* x2 fd, x3 the dirfd of /proc/self/fd */
#define P_NOSYMDOT 5808    /* x2 fd */
#define P_INROOTDOT 5810   /* x2 fd, x3 the dirfd */
#define P_INROOTREL 5812   /* x2 fd, x3 the dirfd */
#define P_TEENULL 5814     /* x2 A's read end, x3 /dev/null */
#define P_SPLNOPIPE 5816   /* x2 the memfd, x3 /dev/null */
#define P_SPLAPPEND 5818   /* x2 A's read end, x3 the O_APPEND memfd */
#define P_SPLSOCKOFF 5820  /* x2 A's read end, x3 the socket */
#define P_SPLNEGOFF 5822   /* x2 A's read end, x3 the memfd */
#define P_SENDSOCK 5824    /* x2 B's write end, x3 the socket */
#define P_SENDNEG 5826     /* x2 B's write end, x3 the memfd */
#define P_SENDAPPEND 5828  /* x2 the O_APPEND memfd, x3 the memfd read */
#define P_FPIPE 5830       /* x2 B's write end */
#define P_FNULL 5832       /* x2 /dev/null */
#define P_CFRNULL 5834     /* x2 the memfd, x3 /dev/null */
#define P_CFRNEG 5836      /* x2 the memfd, x3 the other */
#define P_PRV2NOSIG 5838   /* x2 the memfd */
#define P_PWV2NULLAT 5840  /* x2 /dev/null */
#define P_FTRPIPE 5842     /* x2 B's write end */
#define P_FOLDTEE 5844     /* x2 A's read end, x3 A's write end */
#define P_HTEE 5846        /* x2 A's read end, x3 B's write end */
#define P_HSPLFILE 5848    /* x2 the memfd, x3 B's write end */
#define P_HSENDFILE 5850   /* x2 B's write end, x3 the memfd */
#define P_HFKEEP 5852      /* x2 the memfd */
#define P_HCFREOF 5854     /* x2 the memfd, x3 the other */
#define P_TEEZERO 5856     /* x2 A's read end, x3 B's write end */
#define P_FTRNEG 5858      /* x2 the memfd */
#define P_O2NULL 5860      /* (none) */
#define P_O2NULLOK 5862    /* (none) */
#define P_BENEATHROOT 5864 /* x2 fd, x3 the dirfd of "/" */
#define P_TAGNAME 5866     /* x2 the name, untagged */
#define P_LEADZERO 5868    /* x2 fd */
#define P_TAGHOW 5870      /* x2 the struct, untagged */
#define P_EVPWV2 5872      /* x2 the eventfd */
#define RWF_DSYNC_C 0x2
#define RWF_ATOMIC_C 0x40
#define RWF_NOSIGNAL_C 0x100
#define O_PATH_C 010000000
#define O_TMPFILE_BIT_C 020000000
#define RESOLVE_NO_XDEV_C 0x01
#define RESOLVE_NO_SYMLINKS_C 0x04
#define RESOLVE_BENEATH_C 0x08
#define RESOLVE_IN_ROOT_C 0x10
#define FALLOC_KEEP_C 1
#define SPLICE_NONBLOCK_C 2
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "secret_common.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static uint64_t secret[SECRET_LEN / 8];
static int dotdot_steps, fold_steps, append_steps, negoff_steps, teezero_steps, tag_steps,
    taghow_steps, evfd_steps;
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t rbuf[2 * PAGE] __attribute__((aligned(4096)));
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r58"
#include "secret_rules_kit.h"

struct open_how_c {
    uint64_t flags, mode, resolve;
};
/* a page of its own: what the kernel reads of it stays inside */
static struct open_how_c how __attribute__((aligned(4096)));
/* pages of their own: a kernel may read a name up to its page's end */
static char namebuf[PAGE] __attribute__((aligned(4096)));

static long o2at(long dirfd, uint64_t flags, uint64_t resolve)
{
    how.flags = flags;
    how.mode = 0;
    how.resolve = resolve;
    return sc(SYS_openat2, dirfd, (long)namebuf, (long)&how, sizeof how);
}

/* --- opens of /proc/self/fd/N ---------------------------------------------------------- */
static void open_steps(void)
{
    long fd = memfd_of('m', 100, 0), r;
    if (fd < 0)
        return;
    reopen_path(fd);
    size_t n = strlen(procpath);
    if (dotdot_steps) {
        memcpy(namebuf, procpath, n);
        memcpy(namebuf + n, "/../", 4);
        fd_name(namebuf + n + 4, fd);
        marker(P_DOTDOT, fd, 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR | O_TRUNC, 0);
        log_label(P_DOTDOT, open_index(r, -ENOTDIR));
    }
    marker(P_TMPFILE, fd, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)procpath, O_RDWR | O_TMPFILE_BIT_C, 0);
    log_label(P_TMPFILE, open_index(r, -EINVAL));

    long rootfd = sc(SYS_openat, AT_FDCWD, (long)"/", O_PATH_C | O_DIRECTORY, 0);
    if (rootfd >= 0) {
        memcpy(namebuf, "proc/self/fd/", 13);
        fd_name(namebuf + 13, fd);
        marker(P_NOXDEVREL, fd, rootfd, 0, 0);
        r = o2at(rootfd, O_PATH_C | O_NOFOLLOW, RESOLVE_NO_XDEV_C);
        log_label(P_NOXDEVREL, open_index(r, -EXDEV));
        marker(P_BENEATHROOT, fd, rootfd, 0, 0);
        r = o2at(rootfd, O_PATH_C | O_NOFOLLOW, RESOLVE_BENEATH_C);
        if (r >= 0)
            sc(SYS_close, r, 0, 0, 0);
        log_label(P_BENEATHROOT, r >= 0 ? 0 : r == -ENOSYS ? 1 : -4);
        sc(SYS_close, rootfd, 0, 0, 0);
    }
    memcpy(namebuf, "/proc/../proc/self/fd/", 22);
    fd_name(namebuf + 22, fd);
    marker(P_NOSYMDOT, fd, 0, 0, 0);
    r = o2at(AT_FDCWD, O_PATH_C | O_NOFOLLOW, RESOLVE_NO_SYMLINKS_C);
    log_label(P_NOSYMDOT, open_index(r, -ELOOP));

    how.flags = O_RDWR | 0x10;
    how.mode = 0;
    how.resolve = 0;
    marker(P_O2NULL, 0, 0, 0, 0);
    r = sc(SYS_openat2, AT_FDCWD, 0, (long)&how, sizeof how);
    log_label(P_O2NULL, r == -EINVAL ? 0 : r == -ENOSYS ? 1 : -4);
    how.flags = O_RDWR;
    marker(P_O2NULLOK, 0, 0, 0, 0);
    r = sc(SYS_openat2, AT_FDCWD, 0, (long)&how, sizeof how);
    log_label(P_O2NULLOK, r == -EFAULT ? 0 : r == -ENOSYS ? 1 : -4);

    long dirfd = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_PATH_C | O_DIRECTORY, 0);
    if (dirfd >= 0) {
        memcpy(namebuf, "../fd/", 6);
        fd_name(namebuf + 6, fd);
        marker(P_BENEATHDOT, fd, dirfd, 0, 0);
        r = o2at(dirfd, O_PATH_C | O_NOFOLLOW, RESOLVE_BENEATH_C);
        log_label(P_BENEATHDOT, open_index(r, -EXDEV));
        marker(P_INROOTDOT, fd, dirfd, 0, 0);
        r = o2at(dirfd, O_PATH_C | O_NOFOLLOW, RESOLVE_IN_ROOT_C);
        log_label(P_INROOTDOT, open_index(r, -ENOENT));
        fd_name(namebuf, fd);
        marker(P_INROOTREL, fd, dirfd, 0, 0);
        r = o2at(dirfd, O_PATH_C | O_NOFOLLOW, RESOLVE_IN_ROOT_C);
        if (r >= 0)
            sc(SYS_close, r, 0, 0, 0);
        log_label(P_INROOTREL, r >= 0 ? 0 : r == -ENOSYS ? 1 : -4);
        sc(SYS_close, dirfd, 0, 0, 0);
    }
    if (tag_steps) {
        memcpy(namebuf, "/dev/null", 10);
        marker(P_TAGNAME, (long)namebuf, 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf | (0x5aL << 56), O_RDONLY, 0);
        log_label(P_TAGNAME, open_index(r, -EFAULT));
    }
    if (taghow_steps) {
        memcpy(namebuf, "/dev/null", 10);
        how.flags = O_RDONLY;
        how.mode = 0;
        how.resolve = 0;
        marker(P_TAGHOW, (long)&how, 0, 0, 0);
        r = sc(SYS_openat2, AT_FDCWD, (long)namebuf, (long)&how | (0x5aL << 56), sizeof how);
        log_label(P_TAGHOW, r == -EFAULT ? 0 : r == -ENOSYS ? 1 : -4);
    }
    memcpy(namebuf, "/proc/self/fd/0", 15);
    fd_name(namebuf + 15, fd);
    marker(P_LEADZERO, fd, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_LEADZERO, open_index(r, -ENOENT));
    sc(SYS_close, fd, 0, 0, 0);
}

/* --- splice(), tee(), sendfile(), fallocate() and ftruncate() of ends Linux refuses ------ */
static long appending_memfd(void)
{
    long fd = memfd_of('a', 0, 0);
    if (fd >= 0 && sc(SYS_fcntl, fd, F_SETFL, O_APPEND, 0) != 0) {
        sc(SYS_close, fd, 0, 0, 0);
        return -1;
    }
    return fd;
}

static void pipe_steps(void)
{
    int a[2], b[2], s[2];
    long r;
    static long off;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    if (sc(SYS_pipe2, (long)b, 0, 0, 0) != 0 ||
        sc(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)s) != 0)
        return;
    memset(wbuf, 'x', 30);
    if (sc(SYS_write, a[1], (long)wbuf, 30, 0) != 30 ||
        sc(SYS_write, s[0], (long)wbuf, 10, 0) != 10)
        return;
    long fd = memfd_of('m', 100, 0), fd2 = memfd_of('n', 0, 0), ap = appending_memfd();
    if (fd < 0 || fd2 < 0 || ap < 0)
        return;

    marker(P_TEENULL, a[0], devnull, 0, 0);
    r = sc(SYS_tee, a[0], devnull, 10, 0);
    log_label(P_TEENULL, err_index(r, -EINVAL));
    off = 0;
    marker(P_SPLNOPIPE, fd, devnull, 0, 0);
    r = sys6(SYS_splice, fd, (long)&off, devnull, 0, 10, 0);
    log_label(P_SPLNOPIPE, err_index(r, -EINVAL));
    if (append_steps) {
        marker(P_SPLAPPEND, a[0], ap, 0, 0);
        r = sys6(SYS_splice, a[0], 0, ap, 0, 10, 0);
        log_label(P_SPLAPPEND, err_index(r, -EINVAL));
    }
    off = 0;
    marker(P_SPLSOCKOFF, a[0], s[0], 0, 0);
    r = sys6(SYS_splice, a[0], 0, s[0], (long)&off, 10, 0);
    log_label(P_SPLSOCKOFF, err_index(r, -EINVAL));
    if (negoff_steps) {
        off = -1;
        marker(P_SPLNEGOFF, a[0], fd2, 0, 0);
        r = sys6(SYS_splice, a[0], 0, fd2, (long)&off, 10, 0);
        log_label(P_SPLNEGOFF, err_index(r, -EINVAL));
    }
    off = 0;
    marker(P_SENDSOCK, b[1], s[1], 0, 0);
    r = sc(SYS_sendfile, b[1], s[1], (long)&off, 10);
    log_label(P_SENDSOCK, err_index(r, -ESPIPE));
    if (negoff_steps) {
        off = -5;
        marker(P_SENDNEG, b[1], fd, 0, 0);
        r = sc(SYS_sendfile, b[1], fd, (long)&off, 10);
        log_label(P_SENDNEG, err_index(r, -EINVAL));
    }
    if (append_steps) {
        off = 0;
        marker(P_SENDAPPEND, ap, fd, 0, 0);
        r = sc(SYS_sendfile, ap, fd, (long)&off, 10);
        log_label(P_SENDAPPEND, err_index(r, -EINVAL));
    }
    marker(P_FPIPE, b[1], 0, 0, 0);
    r = sc(SYS_fallocate, b[1], 0, 0, 10);
    log_label(P_FPIPE, err_index(r, -ESPIPE));
    marker(P_FNULL, devnull, 0, 0, 0);
    r = sc(SYS_fallocate, devnull, 0, 0, 10);
    log_label(P_FNULL, err_index(r, -ENODEV));
    marker(P_FTRPIPE, b[1], 0, 0, 0);
    r = sc(SYS_ftruncate, b[1], 0, 0, 0);
    log_label(P_FTRPIPE, err_index(r, -EINVAL));

    if (teezero_steps) {
        marker(P_TEEZERO, a[0], b[1], 0, 0);
        r = sc(SYS_tee, a[0], b[1], 0, 0);
        log_label(P_TEEZERO, r == 0 ? 0 : 1);
    }
    if (fold_steps) {
        for (int i = 0; i < 1100; i++)
            sc(SYS_tee, a[0], b[1], 10, 0x100);
        marker(P_FOLDTEE, a[0], a[1], 0, 0);
        r = sc(SYS_tee, a[0], a[1], 10, 0);
        log_label(P_FOLDTEE, err_index(r, -EINVAL));
    }

    /* honest moves that succeed */
    marker(P_HTEE, a[0], b[1], 0, 0);
    r = sc(SYS_tee, a[0], b[1], 10, SPLICE_NONBLOCK_C);
    log_label(P_HTEE, r == 10 ? 0 : 1);
    off = 0;
    marker(P_HSPLFILE, fd, b[1], 0, 0);
    r = sys6(SYS_splice, fd, (long)&off, b[1], 0, 10, 0);
    log_label(P_HSPLFILE, r == 10 ? 0 : 1);
    off = 0;
    marker(P_HSENDFILE, b[1], fd, 0, 0);
    r = sc(SYS_sendfile, b[1], fd, (long)&off, 10);
    log_label(P_HSENDFILE, r == 10 ? 0 : 1);

    sc(SYS_close, fd, 0, 0, 0);
    sc(SYS_close, fd2, 0, 0, 0);
    sc(SYS_close, ap, 0, 0, 0);
    sc(SYS_close, s[0], 0, 0, 0);
    sc(SYS_close, s[1], 0, 0, 0);
    sc(SYS_close, b[0], 0, 0, 0);
    sc(SYS_close, b[1], 0, 0, 0);
    sc(SYS_close, a[0], 0, 0, 0);
    sc(SYS_close, a[1], 0, 0, 0);
}

/* --- copies, flags of the vectored moves ------------------------------------------------ */
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
    return r == want ? 0 : r == -EFAULT ? 2 : r < 0 ? 1 : -4;
}

static void memfd_steps(void)
{
    long r, fd = memfd_of('m', 100, 0), fd2 = memfd_of('n', 0, 0);
    static long oi, oo;
    if (fd < 0 || fd2 < 0)
        return;
    oi = 0;
    marker(P_CFRNULL, fd, devnull, 0, 0);
    r = sys6(SYS_copy_file_range, fd, (long)&oi, devnull, 0, 10, 0);
    log_label(P_CFRNULL, err_index(r, -EINVAL));
    oi = -100;
    oo = 0;
    marker(P_CFRNEG, fd, fd2, 0, 0);
    r = sys6(SYS_copy_file_range, fd, (long)&oi, fd2, (long)&oo, 10, 0);
    log_label(P_CFRNEG, err_index(r, -EINVAL));
    marker(P_PRV2NOSIG, fd, 0, 0, 0);
    r = rwv2(SYS_preadv2, fd, 10, 0, RWF_NOSIGNAL_C);
    log_label(P_PRV2NOSIG, r == 10 ? 0 : r == -EFAULT ? 2 : r < 0 ? 1 : -4);
    marker(P_PWV2NULLAT, devnull, 0, 0, 0);
    r = rwv2(SYS_pwritev2, devnull, 10, -1, RWF_ATOMIC_C);
    log_label(P_PWV2NULLAT, v2_index(r, -EOPNOTSUPP));

    long e = evfd_steps ? sc(SYS_eventfd2, 1, 0, 0, 0) : -1;
    if (e >= 0) {
        marker(P_EVPWV2, e, 0, 0, 0);
        r = rwv2(SYS_pwritev2, e, 8, -1, RWF_DSYNC_C);
        log_label(P_EVPWV2, v2_index(r, -EOPNOTSUPP));
        sc(SYS_close, e, 0, 0, 0);
    }

    marker(P_HFKEEP, fd, 0, 0, 0);
    r = sc(SYS_fallocate, fd, FALLOC_KEEP_C, 0, 10);
    log_label(P_HFKEEP, r == 0 ? 0 : 1);
    marker(P_FTRNEG, fd, 0, 0, 0);
    r = sc(SYS_ftruncate, fd, -1, 0, 0);
    log_label(P_FTRNEG, err_index(r, -EINVAL));
    oi = 100;
    oo = 0;
    marker(P_HCFREOF, fd, fd2, 0, 0);
    r = sys6(SYS_copy_file_range, fd, (long)&oi, fd2, (long)&oo, 10, 0);
    log_label(P_HCFREOF, r == 0 ? 0 : 1);
    sc(SYS_close, fd2, 0, 0, 0);
    sc(SYS_close, fd, 0, 0, 0);
}


int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        dotdot_steps |= strcmp(argv[i], "-u") == 0;
        fold_steps |= strcmp(argv[i], "-n") == 0;
        append_steps |= strcmp(argv[i], "-a") == 0;
        negoff_steps |= strcmp(argv[i], "-g") == 0;
        teezero_steps |= strcmp(argv[i], "-z") == 0;
        tag_steps |= strcmp(argv[i], "-t") == 0;
        taghow_steps |= strcmp(argv[i], "-h") == 0;
        evfd_steps |= strcmp(argv[i], "-e") == 0;
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
