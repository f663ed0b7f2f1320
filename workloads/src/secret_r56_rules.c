/* secret_r56_rules: the attack target of red-team round fifty-six (the rules added after
 * round 55, both ways: openat2()'s resolve bits, mode and struct size on /proc/self/fd/N,
 * the flags and positions the reads and writes of a pipe refuse, a copy within one memfd
 * shortened to its end, fallocate() through an O_PATH or read-only reopen, cuts of a
 * mapped memfd to its own size (sealed, or through a reopen), and signals pending across
 * SIG_IGN and other calls).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.
 *
 *  P_O2CACHED    openat2(the memfd's /proc/self/fd path, {O_RDWR|O_TRUNC, RESOLVE_CACHED})
 *                is -EAGAIN (build_open_flags(): no O_TRUNC under RESOLVE_CACHED), the
 *                size 100 (0); -ENOSYS (1); else -4.
 *  P_O2MODE      openat2(path, {O_RDWR|O_TRUNC|O_CREAT, mode 010600}) is -EINVAL
 *                (build_open_flags(): mode & ~S_IALLUGO) (0); -ENOSYS (1); else -4.
 *  P_O2BIG       openat2(path, a 32-byte struct {O_RDWR|O_TRUNC, 0, 0, 1}) is -E2BIG
 *                (copy_struct_from_user(): a non-zero byte past the known struct) (0);
 *                -ENOSYS (1); else -4.
 *  P_O2INROOT    openat2(path, {O_RDWR|O_TRUNC, RESOLVE_IN_ROOT}) is -EXDEV
 *                (nd_jump_link(): no magic link under a scoped lookup; -ENOENT where the
 *                root holds no proc) (0); -ENOSYS (1); else -4.
 *  P_O2NOMAGIC   openat2(path, {O_PATH|O_NOFOLLOW, RESOLVE_NO_MAGICLINKS}) opens the link
 *                itself (step_into(): a trailing link not followed), the size 100 (0);
 *                -ENOSYS (1); else -4.
 *  (preadv2/pwritev2 steps: -EFAULT is label 2 -- the mprotect design gives the kernel
 *  no capability for an iovec's buffers)
 *  P_PRV2ATPIPE  a pipe holding 10 'x': preadv2(its read end, 10, -1, RWF_ATOMIC) is
 *                -EOPNOTSUPP (kiocb_set_rw_flags(): RWF_ATOMIC reads nothing), 10 bytes
 *                still queued (0); -ENOSYS (1); else -4.
 *  P_PWV2DCPIPE  pwritev2(its write end, 10 'q', -1, RWF_DONTCACHE) is -EOPNOTSUPP (no
 *                FOP_DONTCACHE on a pipe) (0); -ENOSYS (1); else -4.
 *  P_PWV2ATPIPE  pwritev2(its write end, 10 'q', -1, RWF_ATOMIC) is -EOPNOTSUPP (no
 *                FMODE_CAN_ATOMIC_WRITE on a pipe) (0); -ENOSYS (1); else -4.
 *  P_PRPIPE      pread64(its read end, 10, 0) is -ESPIPE (ksys_pread64(): no FMODE_PREAD on
 *                a stream) (0), else -4.
 *  P_PWPIPE      pwrite64(its write end, 10 'q', 0) is -ESPIPE (ksys_pwrite64()) (0), else
 *                -4.
 *  P_PRV2PIPE0   preadv2(its read end, 10, 0, 0) is -ESPIPE (do_preadv(): no FMODE_PREAD)
 *                (0); -ENOSYS (1); else -4.
 *  P_CFRSHORT   (-s: the kernel model refuses the copy) a memfd of 100 'm': copy_file_range(fd, &50, fd, &100, 100, 0) is 50
 *                (generic_copy_file_checks(): the count shortened to the end first, then
 *                [50, 100) and [100, 150) do not overlap), the size 150 (0), else -4.
 *  P_PWV2NOWAIT (-n: the kernel model writes) then pwritev2(fd, 10 'q', 0, RWF_NOWAIT) is -EOPNOTSUPP
 *                (kiocb_set_rw_flags(): a memfd's open file has no FMODE_NOWAIT; a 6.18
 *                host natively), the size unchanged (0); -ENOSYS (1); else -4.
 *  P_APPPWRITE   a memfd of 100 'm' reopened O_RDWR|O_APPEND: pwrite64(the reopen, 10 'q',
 *                0) is 10 and appends (generic_write_checks(): IOCB_APPEND sets the
 *                position to i_size whatever the offset; pwrite(2) BUGS): the size 110,
 *                byte 0 'm', byte 100 'q' (0), else -4.
 *  P_FALLOCPATH (-p: the kernel model punches) fallocate(an O_PATH reopen, PUNCH_HOLE|KEEP_SIZE, 0, 10) is -EBADF
 *                (fdget() refuses FMODE_PATH) (0), else -4.
 *  P_FALLOCRO    fallocate(a read-only reopen, PUNCH_HOLE|KEEP_SIZE, 0, 10) is -EBADF
 *                (vfs_fallocate(): no FMODE_WRITE) (0), else -4.
 *  P_SEALCUT     a sealable memfd of 100 'm' mapped MAP_SHARED, byte 200 of the mapping
 *                'z', sealed F_SEAL_SHRINK|F_SEAL_GROW: ftruncate(fd, 100) is 0 and zeroes
 *                byte 200 (shmem_setattr(): no seal refuses the same size, newsize <=
 *                oldsize truncates) (0), else -4.
 *  P_REOPENCUT   the same unsealed, cut to 100 through an O_RDWR reopen: 0, byte 200
 *                zeroed (0), else -4.
 *  P_DUPPATHR   (-u: the kernel model reads) read() through a dup3() of an O_PATH reopen of a memfd is -EBADF (the
 *                duplicate shares the FMODE_PATH open file: fdget() refuses it) (0), else
 *                -4.
 *  P_SPLOFF      pipe A holding 10 'x', pipe B empty: splice(A's read end, &0, B's write
 *                end, NULL, 10, 0) is -ESPIPE (do_splice(): no offset with a pipe end),
 *                nothing moved (0), else -4.
 *  P_SPLSAME    (-a: the kernel model moves) splice(A's read end, NULL, A's write end, NULL, 10, 0) is -EINVAL
 *                (splice_pipe_to_pipe(): ipipe == opipe) (0), else -4.
 *  P_SPLFLAGS   (-f: the kernel model moves) splice(A's read end, NULL, B's write end, NULL, 10, 0x100) is -EINVAL
 *                (do_splice(): flags & ~SPLICE_F_ALL), nothing moved (0), else -4.
 *  P_IGNFLUSH    SIGUSR1 blocked and sent, then set SIG_IGN: rt_sigtimedwait({SIGUSR1},
 *                {0, 0}) is -EAGAIN (do_sigaction(): flush_sigqueue_mask() when the action
 *                becomes ignored) (0), else -4.
 *  P_IGNFLUSHPEND then rt_sigpending() leaves SIGUSR1 out (0), else -4.
 *  P_URGFLUSH    SIGURG blocked with a handler and sent, then set SIG_DFL (its default
 *                action ignores it): rt_sigtimedwait({SIGURG}, {0, 0}) is -EAGAIN
 *                (do_sigaction(): sig_handler_ignored() is true for SIG_DFL of a
 *                sig_kernel_ignore() signal, flush_sigqueue_mask()) (0), else -4.
 *  P_IGNCALLS    SIGUSR2 blocked, SIG_IGN and sent; a pipe written, read and closed, an
 *                fstat() and a getppid() later rt_sigtimedwait({SIGUSR2}, {0, 0}) is
 *                SIGUSR2 (sig_ignored(): a blocked signal is queued) (0), else -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r56.py.  Only the digest of the secret is ever printed.
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
#define P_O2CACHED 5600    /* x2 fd */
#define P_O2MODE 5602      /* x2 fd */
#define P_O2BIG 5604       /* x2 fd */
#define P_O2INROOT 5606    /* x2 fd */
#define P_O2NOMAGIC 5608   /* x2 fd */
#define P_PRV2ATPIPE 5610  /* x2 the pipe's read end */
#define P_PWV2DCPIPE 5612  /* x2 the pipe's write end */
#define P_PWV2ATPIPE 5614  /* x2 the pipe's write end */
#define P_PRPIPE 5616      /* x2 the pipe's read end */
#define P_PWPIPE 5618      /* x2 the pipe's write end */
#define P_PRV2PIPE0 5620   /* x2 the pipe's read end */
#define P_CFRSHORT 5622    /* x2 fd */
#define P_FALLOCPATH 5624  /* x2 the memfd, x3 the O_PATH reopen */
#define P_FALLOCRO 5626    /* x2 the memfd, x3 the read-only reopen */
#define P_SEALCUT 5628     /* x2 fd, x3 the mapping */
#define P_REOPENCUT 5630   /* x2 the memfd, x3 the reopen, x4 the mapping */
#define P_IGNFLUSH 5632
#define P_IGNFLUSHPEND 5634
#define P_IGNCALLS 5636
#define P_PWV2NOWAIT 5638  /* x2 fd */
#define P_DUPPATHR 5640    /* x2 the memfd, x3 the duplicate of its O_PATH reopen */
#define P_SPLOFF 5642      /* x2 pipe A's read end, x3 pipe B's write end */
#define P_SPLSAME 5644     /* x2 pipe A's read end, x3 its write end */
#define P_SPLFLAGS 5646    /* x2 pipe A's read end, x3 pipe B's write end */
#define P_APPPWRITE 5648   /* x2 the memfd, x3 its O_RDWR|O_APPEND reopen */
#define P_URGFLUSH 5650
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif
#define RWF_ATOMIC_C 0x40
#define RWF_DONTCACHE_C 0x80
#define O_PATH_C 010000000
#define RESOLVE_NO_XDEV_C 0x01
#define RESOLVE_BENEATH_C 0x08
#define RESOLVE_NO_MAGICLINKS_C 0x02
#define RESOLVE_IN_ROOT_C 0x10
#define RESOLVE_CACHED_C 0x20
#define FALLOC_KEEP_C 1
#define RWF_NOWAIT_C 0x08
#define FALLOC_PUNCH_C 2
#include <sys/ioctl.h>

#include "secret_common.h"

#define MFD_ALLOW_SEALING_C 2
#define F_ADD_SEALS_C 1033
#define F_SEAL_SHRINK_C 2
#define F_SEAL_GROW_C 4
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static uint64_t secret[SECRET_LEN / 8];
static int cfrshort_steps, nowait_steps, fallocpath_steps, duppath_steps, splsame_steps,
    splflags_steps;
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t rbuf[2 * PAGE] __attribute__((aligned(4096)));
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r56"
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

static long rwv2(long nr, long fd, long n, long off, long flags)
{
    static struct { long base, len; } iov;
    memset(wbuf, 'q', n);
    iov.base = (long)(nr == SYS_preadv2 ? rbuf : wbuf);
    iov.len = n;
    return sys6(nr, fd, (long)&iov, 1, off, 0, flags);
}

/* --- opens of /proc/self/fd/N by openat2() ---------------------------------------------- */
static struct { struct open_how_c how; uint64_t more; } big __attribute__((aligned(4096)));

static long o2_index(long r, long want, long fd)
{
    if (r >= 0)
        sc(SYS_close, r, 0, 0, 0);
    if (r == want && size_of(fd) == 100)
        return 0;
    if (r == -ENOSYS && size_of(fd) == 100)
        return 1;
    return -4;
}

static void open_steps(void)
{
    long fd = memfd_of('m', 100, 0), r;
    if (fd < 0)
        return;
    reopen_path(fd);
    marker(P_O2CACHED, fd, 0, 0, 0);
    r = o2(O_RDWR | O_TRUNC, RESOLVE_CACHED_C);
    log_label(P_O2CACHED, o2_index(r, -EAGAIN, fd));
    marker(P_O2MODE, fd, 0, 0, 0);
    how.flags = O_RDWR | O_TRUNC | O_CREAT;
    how.mode = 010600;
    how.resolve = 0;
    r = sc(SYS_openat2, AT_FDCWD, (long)procpath, (long)&how, sizeof how);
    log_label(P_O2MODE, o2_index(r, -EINVAL, fd));
    marker(P_O2BIG, fd, 0, 0, 0);
    big.how.flags = O_RDWR | O_TRUNC;
    big.how.mode = 0;
    big.how.resolve = 0;
    big.more = 1;
    r = sc(SYS_openat2, AT_FDCWD, (long)procpath, (long)&big, sizeof big);
    log_label(P_O2BIG, o2_index(r, -E2BIG, fd));
    marker(P_O2INROOT, fd, 0, 0, 0);
    r = o2(O_RDWR | O_TRUNC, RESOLVE_IN_ROOT_C);
    log_label(P_O2INROOT, o2_index(r == -ENOENT ? -EXDEV : r, -EXDEV, fd));
    marker(P_O2NOMAGIC, fd, 0, 0, 0);
    r = o2(O_PATH_C | O_NOFOLLOW, RESOLVE_NO_MAGICLINKS_C);
    log_label(P_O2NOMAGIC, r >= 0 && size_of(fd) == 100 ? (sc(SYS_close, r, 0, 0, 0), 0) :
                           o2_index(r, -1000, fd));
    sc(SYS_close, fd, 0, 0, 0);
}

/* --- pipes: flags and positions the reads and writes refuse ------------------------------- */
static long fionread(int fd)
{
    int n = -1;
    return sc(SYS_ioctl, fd, FIONREAD, (long)&n, 0) == 0 ? n : -1;
}

static void pipe_steps(void)
{
    int p[2];
    long r;
    if (sc(SYS_pipe2, (long)p, 0, 0, 0) != 0)
        return;
    memset(wbuf, 'x', 10);
    if (sc(SYS_write, p[1], (long)wbuf, 10, 0) == 10) {
        marker(P_PRV2ATPIPE, p[0], 0, 0, 0);
        r = rwv2(SYS_preadv2, p[0], 10, -1, RWF_ATOMIC_C);
        log_label(P_PRV2ATPIPE, r == -EOPNOTSUPP && fionread(p[0]) == 10 ? 0 :
                                r == -ENOSYS ? 1 : r == -EFAULT ? 2 : -4);
        marker(P_PWV2DCPIPE, p[1], 0, 0, 0);
        r = rwv2(SYS_pwritev2, p[1], 10, -1, RWF_DONTCACHE_C);
        log_label(P_PWV2DCPIPE, r == -EOPNOTSUPP && fionread(p[0]) == 10 ? 0 :
                                r == -ENOSYS ? 1 : r == -EFAULT ? 2 : -4);
        marker(P_PWV2ATPIPE, p[1], 0, 0, 0);
        r = rwv2(SYS_pwritev2, p[1], 10, -1, RWF_ATOMIC_C);
        log_label(P_PWV2ATPIPE, r == -EOPNOTSUPP && fionread(p[0]) == 10 ? 0 :
                                r == -ENOSYS ? 1 : r == -EFAULT ? 2 : -4);
        marker(P_PRPIPE, p[0], 0, 0, 0);
        r = sys6(SYS_pread64, p[0], (long)rbuf, 10, 0, 0, 0);
        log_label(P_PRPIPE, r == -ESPIPE && fionread(p[0]) == 10 ? 0 : -4);
        memset(wbuf, 'q', 10);
        marker(P_PWPIPE, p[1], 0, 0, 0);
        r = sys6(SYS_pwrite64, p[1], (long)wbuf, 10, 0, 0, 0);
        log_label(P_PWPIPE, r == -ESPIPE && fionread(p[0]) == 10 ? 0 : -4);
        marker(P_PRV2PIPE0, p[0], 0, 0, 0);
        r = rwv2(SYS_preadv2, p[0], 10, 0, 0);
        log_label(P_PRV2PIPE0, r == -ESPIPE && fionread(p[0]) == 10 ? 0 :
                               r == -ENOSYS ? 1 : r == -EFAULT ? 2 : -4);
    }
    sc(SYS_close, p[0], 0, 0, 0);
    sc(SYS_close, p[1], 0, 0, 0);
}

/* --- memfds: a copy shortened to the end, cuts and punches -------------------------------- */
static void memfd_steps(void)
{
    long r, fd = memfd_of('m', 100, 0);
    if (fd >= 0) {
        static long oi, oo;
        oi = 50;
        oo = 100;
        if (cfrshort_steps) {
            marker(P_CFRSHORT, fd, 0, 0, 0);
            r = sys6(SYS_copy_file_range, fd, (long)&oi, fd, (long)&oo, 100, 0);
            log_label(P_CFRSHORT, r == 50 && oi == 100 && oo == 150 && size_of(fd) == 150 ?
                                  0 : -4);
        }
        if (nowait_steps) {
            long n = size_of(fd);
            marker(P_PWV2NOWAIT, fd, 0, 0, 0);
            r = rwv2(SYS_pwritev2, fd, 10, 0, RWF_NOWAIT_C);
            log_label(P_PWV2NOWAIT, r == -EOPNOTSUPP && size_of(fd) == n ? 0 :
                                    r == -ENOSYS ? 1 : r == -EFAULT ? 2 : -4);
        }
        sc(SYS_close, fd, 0, 0, 0);
    }

    fd = memfd_of('m', 100, 0);
    if (fd >= 0) {
        long fd2 = fallocpath_steps ? reopen(fd, O_PATH_C) : -1;
        if (fd2 >= 0) {
            marker(P_FALLOCPATH, fd, fd2, 0, 0);
            r = sc(SYS_fallocate, fd2, FALLOC_PUNCH_C | FALLOC_KEEP_C, 0, 10);
            log_label(P_FALLOCPATH, r == -EBADF && size_of(fd) == 100 ? 0 : -4);
            sc(SYS_close, fd2, 0, 0, 0);
        }
        fd2 = reopen(fd, O_RDONLY);
        if (fd2 >= 0) {
            marker(P_FALLOCRO, fd, fd2, 0, 0);
            r = sc(SYS_fallocate, fd2, FALLOC_PUNCH_C | FALLOC_KEEP_C, 0, 10);
            log_label(P_FALLOCRO, r == -EBADF && size_of(fd) == 100 ? 0 : -4);
            sc(SYS_close, fd2, 0, 0, 0);
        }
        sc(SYS_close, fd, 0, 0, 0);
    }

    fd = memfd_of('m', 100, 0);
    if (fd >= 0) {
        long fd2 = reopen(fd, O_RDWR | O_APPEND);
        if (fd2 >= 0) {
            memset(wbuf, 'q', 10);
            marker(P_APPPWRITE, fd, fd2, 0, 0);
            r = sys6(SYS_pwrite64, fd2, (long)wbuf, 10, 0, 0, 0);
            long r0 = sys6(SYS_pread64, fd, (long)rbuf, 1, 0, 0, 0);
            uint8_t c0 = rbuf[0];
            long r1 = sys6(SYS_pread64, fd, (long)rbuf, 1, 100, 0, 0);
            log_label(P_APPPWRITE, r == 10 && size_of(fd) == 110 && r0 == 1 && c0 == 'm' &&
                                   r1 == 1 && rbuf[0] == 'q' ? 0 : -4);
            sc(SYS_close, fd2, 0, 0, 0);
        }
        sc(SYS_close, fd, 0, 0, 0);
    }

    fd = memfd_of('m', 100, MFD_ALLOW_SEALING_C);
    long map = -1;
    if (fd >= 0)
        map = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mapped_ok(map)) {
        ((volatile uint8_t *)map)[200] = 'z';
        if (sc(SYS_fcntl, fd, F_ADD_SEALS_C, F_SEAL_SHRINK_C | F_SEAL_GROW_C, 0) == 0) {
            marker(P_SEALCUT, fd, map, 0, 0);
            r = sc(SYS_ftruncate, fd, 100, 0, 0);
            log_label(P_SEALCUT, r == 0 && ((volatile uint8_t *)map)[200] == 0 &&
                                 ((volatile uint8_t *)map)[99] == 'm' &&
                                 size_of(fd) == 100 ? 0 : -4);
        }
        sc(SYS_munmap, map, PAGE, 0, 0);
    }
    if (fd >= 0)
        sc(SYS_close, fd, 0, 0, 0);

    fd = memfd_of('m', 100, 0);
    map = -1;
    if (fd >= 0)
        map = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mapped_ok(map)) {
        ((volatile uint8_t *)map)[200] = 'z';
        long fd2 = reopen(fd, O_RDWR);
        if (fd2 >= 0) {
            marker(P_REOPENCUT, fd, fd2, map, 0);
            r = sc(SYS_ftruncate, fd2, 100, 0, 0);
            log_label(P_REOPENCUT, r == 0 && ((volatile uint8_t *)map)[200] == 0 &&
                                   ((volatile uint8_t *)map)[99] == 'm' &&
                                   size_of(fd) == 100 ? 0 : -4);
            sc(SYS_close, fd2, 0, 0, 0);
        }
        sc(SYS_munmap, map, PAGE, 0, 0);
    }
    if (fd >= 0)
        sc(SYS_close, fd, 0, 0, 0);
}

/* --- a duplicate of an O_PATH handle, splices between pipes ------------------------------ */
static void dup_splice_steps(void)
{
    long r, fd = memfd_of('m', 100, 0);
    if (fd >= 0) {
        long fd2 = duppath_steps ? reopen(fd, O_PATH_C) : -1;
        long fd3 = fd2 >= 0 ? sc(SYS_dup3, fd2, 60, 0, 0) : -1;
        if (fd3 >= 0) {
            marker(P_DUPPATHR, fd, fd3, 0, 0);
            r = sc(SYS_read, fd3, (long)rbuf, 10, 0);
            log_label(P_DUPPATHR, r == -EBADF ? 0 : -4);
            sc(SYS_close, fd3, 0, 0, 0);
        }
        if (fd2 >= 0)
            sc(SYS_close, fd2, 0, 0, 0);
        sc(SYS_close, fd, 0, 0, 0);
    }

    int a[2], b[2];
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    if (sc(SYS_pipe2, (long)b, 0, 0, 0) == 0) {
        memset(wbuf, 'x', 10);
        if (sc(SYS_write, a[1], (long)wbuf, 10, 0) == 10) {
            static long off;
            off = 0;
            marker(P_SPLOFF, a[0], b[1], 0, 0);
            r = sys6(SYS_splice, a[0], (long)&off, b[1], 0, 10, 0);
            log_label(P_SPLOFF, r == -ESPIPE && fionread(a[0]) == 10 && fionread(b[0]) == 0 ?
                                0 : -4);
            if (splsame_steps) {
                marker(P_SPLSAME, a[0], a[1], 0, 0);
                r = sys6(SYS_splice, a[0], 0, a[1], 0, 10, 0);
                log_label(P_SPLSAME, r == -EINVAL && fionread(a[0]) == 10 ? 0 : -4);
            }
            if (splflags_steps) {
                marker(P_SPLFLAGS, a[0], b[1], 0, 0);
                r = sys6(SYS_splice, a[0], 0, b[1], 0, 10, 0x100);
                log_label(P_SPLFLAGS, r == -EINVAL && fionread(a[0]) == 10 &&
                                      fionread(b[0]) == 0 ? 0 : -4);
            }
        }
        sc(SYS_close, b[0], 0, 0, 0);
        sc(SYS_close, b[1], 0, 0, 0);
    }
    sc(SYS_close, a[0], 0, 0, 0);
    sc(SYS_close, a[1], 0, 0, 0);
}

/* --- signals: a pending one flushed by SIG_IGN, one kept across other calls --------------- */
static void on_urg(int sig)
{
    (void)sig;
}

static void signal_steps(void)
{
    static uint64_t set, got;
    static long zero[2];
    static siginfo_t info;
    long r, pid = sc(SYS_getpid, 0, 0, 0, 0);

    set = 1UL << (SIGUSR1 - 1);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 8);
    if (sc(SYS_kill, pid, SIGUSR1, 0, 0) == 0) {
        signal(SIGUSR1, SIG_IGN);
        marker(P_IGNFLUSH, 0, 0, 0, 0);
        r = sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
        log_label(P_IGNFLUSH, r == -EAGAIN ? 0 : -4);
        got = 0;
        marker(P_IGNFLUSHPEND, 0, 0, 0, 0);
        r = sc(SYS_rt_sigpending, (long)&got, 8, 0, 0);
        log_label(P_IGNFLUSHPEND, r == 0 && !(got & set) ? 0 : -4);
        signal(SIGUSR1, SIG_DFL);
    }

    set = 1UL << (SIGURG - 1);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 8);
    signal(SIGURG, on_urg);
    if (sc(SYS_kill, pid, SIGURG, 0, 0) == 0) {
        signal(SIGURG, SIG_DFL);
        marker(P_URGFLUSH, 0, 0, 0, 0);
        r = sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
        log_label(P_URGFLUSH, r == -EAGAIN ? 0 : -4);
    }

    set = 1UL << (SIGUSR2 - 1);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 8);
    signal(SIGUSR2, SIG_IGN);
    if (sc(SYS_kill, pid, SIGUSR2, 0, 0) == 0) {
        int p[2];
        if (sc(SYS_pipe2, (long)p, 0, 0, 0) == 0) {
            memset(wbuf, 'x', 10);
            sc(SYS_write, p[1], (long)wbuf, 10, 0);
            sc(SYS_read, p[0], (long)rbuf, 10, 0);
            sc(SYS_close, p[0], 0, 0, 0);
            sc(SYS_close, p[1], 0, 0, 0);
        }
        size_of(devnull);
        sc(SYS_getppid, 0, 0, 0, 0);
        marker(P_IGNCALLS, 0, 0, 0, 0);
        r = sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
        log_label(P_IGNCALLS, r == SIGUSR2 ? 0 : -4);
    }
}


int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        cfrshort_steps |= strcmp(argv[i], "-s") == 0;
        nowait_steps |= strcmp(argv[i], "-n") == 0;
        fallocpath_steps |= strcmp(argv[i], "-p") == 0;
        duppath_steps |= strcmp(argv[i], "-u") == 0;
        splsame_steps |= strcmp(argv[i], "-a") == 0;
        splflags_steps |= strcmp(argv[i], "-f") == 0;
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
    dup_splice_steps();
    signal_steps();

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
