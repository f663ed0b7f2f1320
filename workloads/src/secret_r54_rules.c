/* secret_r54_rules: the attack target of red-team round fifty-four (the rules added after
 * round 53, both ways: a memfd cut by the program -- ftruncate or an open with O_TRUNC --
 * whose pages past the new end the kernel may clear and take back, the tail the Guardian
 * zeroes, copy_file_range() between two memfds, pwritev2() with RWF_APPEND).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.
 *
 *  P_SHRSEAL   a memfd (sealing allowed) of 2 pages ('a', 'b') mapped MAP_SHARED, sealed
 *              F_SEAL_SHRINK: ftruncate(fd, 4096) is -EPERM (shmem_setattr()), the size
 *              8192 and page 1 still 'b' through the mapping (0), else -4.
 *  P_ROTR      a memfd of 100 'm' reopened O_RDONLY through /proc/self/fd (fd2):
 *              ftruncate(fd2, 0) is -EINVAL (do_sys_ftruncate(): no FMODE_WRITE), the
 *              size 100 (0), else -4.
 *  P_O2MODE    a memfd of 100 'm': openat2(its /proc/self/fd path, {O_RDWR|O_TRUNC,
 *              mode 0600}) is -EINVAL (build_open_flags(): a mode without O_CREAT), the
 *              size 100 (0), else -4.
 *  P_TRDIR     a memfd of 100 'm': openat(its path, O_RDWR|O_TRUNC|O_DIRECTORY) is
 *              -ENOTDIR (do_open() checks LOOKUP_DIRECTORY before handle_truncate()), the
 *              size 100 (0); another error (1); else -4.
 *  P_EXCL     (-e: the kernel model opens the memfd and cuts it) a memfd of 100 'm': openat(its path, O_RDWR|O_TRUNC|O_CREAT|O_EXCL) is
 *              -EEXIST (open_last_lookups()), the size 100 (0); another error (1); else -4.
 *  P_OPATH    (-p: the kernel model's O_PATH reopen shares the memfd's open file, so
 *              its ftruncate cuts) a memfd of 100 'm' reopened O_PATH (fd2): ftruncate(fd2, 0) is -EBADF
 *              (fdget() skips FMODE_PATH files), the size 100 (0), else -4.
 *  P_CUTOTHER  memfds X ('a', 'b') and Y ('c', 'd'), 2 pages each, both mapped MAP_SHARED
 *              and read: ftruncate(X, 0) is 0 and Y's page 1 still reads 'd' (0), else -4.
 *  P_CUTBEFORE a memfd X ('a', 'b') mapped MAP_SHARED: ftruncate(X, 100) is 0 and page 0's
 *              first 100 bytes still read 'a' (0), else -4.
 *  P_TAILSAME  a memfd of 100 'm' mapped MAP_SHARED (one page); 'Z' stored at byte 200 of
 *              the mapping (past the end, inside the last page); ftruncate(fd, 100), the
 *              size it has, zeroes it (shmem_setattr(): newsize <= oldsize ->
 *              shmem_truncate_range() -> truncate_inode_partial_folio()): byte 200 reads 0
 *              (0); 'Z' (1); else -4.
 *  P_TAILGROW  as P_TAILSAME, then ftruncate(fd, 300) grows it: nothing is zeroed (no
 *              shmem_truncate_range() for newsize > oldsize), byte 200 reads 'Z' (0), 0 (1),
 *              else -4.
 *  P_TAILPRIV  a memfd of 200 'm' mapped MAP_PRIVATE (one page); 'P' stored at byte 150
 *              (the page copied); ftruncate(fd, 100) zeroes the page cache's page past
 *              100, not the private copy: byte 150 reads 'P' (0); 0 (1); else -4.
 *  P_ROTAIL    a memfd of 200 'm' mapped MAP_SHARED, reopened O_RDONLY (fd2):
 *              ftruncate(fd2, 50) is -EINVAL; the size 200, bytes 60 and 199 still 'm'
 *              (0), else -4.
 *  P_TRNOFOL   a memfd of 100 'm': openat(its path, O_RDWR|O_TRUNC|O_NOFOLLOW) is -ELOOP
 *              (the magic link is a symlink: do_open() never reached), the size 100 (0);
 *              another error (1); else -4.
 *  P_O2MAGIC   openat2(its path, {O_RDWR|O_TRUNC, resolve RESOLVE_NO_MAGICLINKS}) is
 *              -ELOOP (nd_jump_link()), the size 100 (0); -ENOSYS (1); else -4.
 *  P_O2SIZE    openat2(its path, {O_RDWR|O_TRUNC}, size 16) is -EINVAL (below
 *              OPEN_HOW_SIZE_VER0), the size 100 (0); -ENOSYS (1); else -4.
 *  P_SEALTR    a memfd of 2 pages ('a', 'b') mapped MAP_SHARED, sealed F_SEAL_SHRINK:
 *              reopen O_RDWR|O_TRUNC is -EPERM (shmem_setattr()), the size 8192 and both
 *              pages as they were (0), else -4.
 *  P_HELDCUT   a memfd of 2 pages mapped, read and unmapped: ftruncate(fd, 4096) is 0;
 *              page 0 mapped again still reads 'a' (0), else -4.
 *  P_FORKCUT   a memfd of 2 pages mapped MAP_SHARED by the program; a fork child
 *              ftruncate()s it to 4096 and exits 0: the size is 4096 (0), else -4.
 *  P_O2TRUNC   a memfd of 2 pages mapped MAP_SHARED: openat2(its path, {O_RDWR|O_TRUNC})
 *              opens it and cuts it: the size is 0 (0); -ENOSYS (1); else -4.
 *  P_DUPCUT    a memfd of 2 pages mapped MAP_SHARED, dup()ed: ftruncate(the dup, 4096) is
 *              0 and page 0 still reads 'a' (0), else -4.
 *  P_CFRFLAGS  memfds M1 (100 'm') and M2 (empty): copy_file_range(M1, NULL, M2, NULL, 10,
 *              flags 1) is -EINVAL (SYSCALL_DEFINE6(copy_file_range): flags != 0), M2's
 *              size 0 (0), else -4.
 *  P_CFRSAME   M1: copy_file_range(M1, &0, M1, &5, 10, 0) is -EINVAL
 *              (generic_copy_file_checks(): overlapping ranges in one inode), M1 still 100
 *              'm' (0); another error (1); else -4.
 *  P_CFRAPP    M2 reopened O_RDWR|O_APPEND (fd2): copy_file_range(M1, NULL, fd2, NULL, 10,
 *              0) is -EBADF (generic_copy_file_checks(): O_APPEND out), M2's size 0 (0);
 *              another error (1); else -4.
 *  P_CFRWRO    M1 reopened O_WRONLY (fd2): copy_file_range(fd2, NULL, M2, NULL, 10, 0) is
 *              -EBADF (generic_file_rw_checks(): no FMODE_READ in), M2's size 0 (0);
 *              another error (1); else -4.
 *  P_CFRRO     M2 reopened O_RDONLY (fd2): copy_file_range(M1, NULL, fd2, NULL, 10, 0) is
 *              -EBADF (no FMODE_WRITE out), M2's size 0 (0); another error (1); else -4.
 *  P_CFRSELF   M1 (100 'm'): copy_file_range(M1, &0, M1, &200, 10, 0) is 10 (one inode,
 *              ranges apart), offsets 10 and 210; M1 reads m*100, 100 zeros, m*10 (0),
 *              else -4.
 *  P_CFREOF    copy_file_range(M1, &300, M2, NULL, 10, 0) is 0 (past M1's end:
 *              generic_copy_file_checks() clamps the count to 0), *off_in 300, M2 empty
 *              (0), else -4.
 *  P_APPCUR    a memfd of 100 'm' at offset 20: pwritev2(10 'q', offset -1, RWF_APPEND)
 *              is 10 and moves f_pos to 110 (do_writev(): the file's position, set to
 *              i_size by generic_write_checks(), then advanced), the size 110 (0);
 *              -ENOSYS or -EOPNOTSUPP with the offset 20 (1); -EFAULT (2); else -4.
 *  P_PWV2NEG   a memfd of 100 'm': pwritev2(10 'q', offset -2, RWF_APPEND) is -EINVAL
 *              (do_pwritev(): pos < 0), the size 100 (0); -ENOSYS or -EOPNOTSUPP (1);
 *              -EFAULT (2, the mprotect design); else -4.
 *  P_PWV2BAD   the same with offset 0 and flags RWF_APPEND|0x40000000: -EOPNOTSUPP
 *              (kiocb_set_rw_flags(): an unknown flag), the size 100 (0); -ENOSYS (1);
 *              -EFAULT (2); else -4.
 *  P_PWV2RO    the memfd reopened O_RDONLY (fd2): pwritev2(fd2, 10 'q', 0, RWF_APPEND) is
 *              -EBADF (vfs_writev(): no FMODE_WRITE), the size 100 (0); -ENOSYS (1);
 *              -EFAULT (2); else -4.
 *  P_PWV2GROW  a memfd of 100 'm' sealed F_SEAL_GROW: pwritev2(10 'q', 0, RWF_APPEND) is
 *              -EPERM (shmem_write_begin(): past i_size under F_SEAL_GROW), the size 100
 *              (0); -ENOSYS or -EOPNOTSUPP (1); -EFAULT (2); else -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r54.py.  Only the digest of the secret is ever printed.
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
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_SHRSEAL 5400     /* x2 fd, x3 the mapping */
#define P_ROTR 5402        /* x2 the memfd, x3 the O_RDONLY reopen */
#define P_O2MODE 5404      /* x2 the memfd, x3 an open_how with O_RDWR|O_TRUNC */
#define P_TRDIR 5406       /* x2 the memfd */
#define P_EXCL 5408        /* x2 the memfd */
#define P_OPATH 5410       /* x2 the memfd, x3 the O_PATH reopen */
#define P_CUTOTHER 5412    /* x2 X, x3 X's mapping, x4 Y, x5 Y's mapping */
#define P_CUTBEFORE 5414   /* x2 X, x3 X's mapping */
#define P_TAILSAME 5416    /* x2 fd, x3 the mapping */
#define P_TAILGROW 5418    /* x2 fd, x3 the mapping */
#define P_FORKCUT 5420     /* x2 fd, x3 the mapping */
#define P_O2TRUNC 5422     /* x2 fd, x3 the mapping */
#define P_DUPCUT 5424      /* x2 fd, x3 the mapping, x4 the dup */
#define P_CFRFLAGS 5426    /* x2 M1, x3 M2 */
#define P_CFRSAME 5428     /* x2 M1 */
#define P_CFRAPP 5430      /* x2 M1, x3 M2, x4 the O_APPEND reopen */
#define P_CFRWRO 5432      /* x2 M1, x3 M2, x4 the O_WRONLY reopen */
#define P_CFRRO 5434       /* x2 M1, x3 M2, x4 the O_RDONLY reopen */
#define P_PWV2NEG 5436     /* x2 fd */
#define P_PWV2BAD 5438     /* x2 fd */
#define P_PWV2RO 5440      /* x2 fd, x3 the O_RDONLY reopen */
#define P_PWV2GROW 5442    /* x2 fd */
#define P_TAILPRIV 5444    /* x2 fd, x3 the mapping */
#define P_ROTAIL 5446      /* x2 fd, x3 the mapping, x4 the O_RDONLY reopen */
#define P_TRNOFOL 5448     /* x2 fd */
#define P_O2MAGIC 5450     /* x2 fd */
#define P_O2SIZE 5452      /* x2 fd */
#define P_SEALTR 5454      /* x2 fd, x3 the mapping */
#define P_HELDCUT 5456     /* x2 fd */
#define P_CFRSELF 5458     /* x2 M1 */
#define P_CFREOF 5460      /* x2 M1, x3 M2 */
#define P_APPCUR 5462      /* x2 fd */
#define RESOLVE_NO_MAGICLINKS_C 0x02
#define RWF_APPEND_C 0x10
#define O_PATH_C 010000000

#include "secret_common.h"

#define MFD_ALLOW_SEALING_C 2
#define F_ADD_SEALS_C 1033
#define F_SEAL_SHRINK_C 2
#define F_SEAL_GROW_C 4
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static int excl_steps, opath_steps;
static uint8_t rbuf[2 * PAGE] __attribute__((aligned(4096)));
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r54"
#include "secret_rules_kit.h"


static int bytes_are(long fd, long off, long n, const char *pat)
{
    /* pat: runs "c<count>" pairs, e.g. {'x',10,'m',90} */
    long r = sys6(SYS_pread64, fd, (long)rbuf, 2 * PAGE, off, 0, 0);
    if (r != n)
        return 0;
    long i = 0;
    for (const char *p = pat; *p; p += 2)
        for (int k = 0; k < (unsigned char)p[1]; k++, i++)
            if (rbuf[i] != (uint8_t)p[0])
                return 0;
    return i == n;
}


static int wait_ok(long pid)
{
    int status = -1;
    return pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid && status == 0;
}

/* a memfd of two pages ('a' then 'b', or c0 then c1) mapped MAP_SHARED and read */
static long two_pages(char c0, char c1, long flags, uint8_t **map)
{
    long fd = sc(SYS_memfd_create, (long)"r54p", flags, 0, 0);
    if (fd < 0)
        return -1;
    memset(wbuf, c0, PAGE);
    memset(wbuf + PAGE, c1, PAGE);
    long m = -1;
    if (sc(SYS_write, fd, (long)wbuf, 2 * PAGE, 0) == 2 * PAGE)
        m = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (!mapped_ok(m)) {
        sc(SYS_close, fd, 0, 0, 0);
        return -1;
    }
    *map = (uint8_t *)m;
    if ((*map)[0] != (uint8_t)c0 || (*map)[PAGE] != (uint8_t)c1) {
        sc(SYS_munmap, m, 2 * PAGE, 0, 0);
        sc(SYS_close, fd, 0, 0, 0);
        return -1;
    }
    return fd;
}

static void drop(long fd, uint8_t *map, long len)
{
    if (map)
        sc(SYS_munmap, (long)map, len, 0, 0);
    if (fd >= 0)
        sc(SYS_close, fd, 0, 0, 0);
}

struct open_how_c {
    uint64_t flags, mode, resolve;
};
/* pages of their own: what the kernel reads of them stays inside */
static struct open_how_c how_bad __attribute__((aligned(4096)));
static struct open_how_c how_ok __attribute__((aligned(4096)));

/* --- memfd cuts: ftruncate and O_TRUNC opens ------------------------------------------- */
static void cut_steps(void)
{
    uint8_t *map = 0;
    long fd, fd2, r;

    /* ftruncate() under F_SEAL_SHRINK */
    fd = two_pages('a', 'b', MFD_ALLOW_SEALING_C, &map);
    if (fd >= 0 && sc(SYS_fcntl, fd, F_ADD_SEALS_C, F_SEAL_SHRINK_C, 0) == 0) {
        marker(P_SHRSEAL, fd, (long)map, 0, 0);
        r = sc(SYS_ftruncate, fd, PAGE, 0, 0);
        long sz = size_of(fd);
        log_label(P_SHRSEAL, r == -EPERM && sz == 2 * PAGE && map[PAGE] == 'b' ? 0 : -4);
    }
    drop(fd, map, 2 * PAGE);

    /* ftruncate() through an O_RDONLY reopen */
    fd = memfd_of('m', 100, 0);
    fd2 = fd >= 0 ? reopen(fd, O_RDONLY) : -1;
    if (fd2 >= 0) {
        marker(P_ROTR, fd, fd2, 0, 0);
        r = sc(SYS_ftruncate, fd2, 0, 0, 0);
        log_label(P_ROTR, r == -EINVAL && size_of(fd) == 100 ? 0 : -4);
        sc(SYS_close, fd2, 0, 0, 0);
    }
    drop(fd, 0, 0);

    /* openat2() with O_TRUNC and a mode without O_CREAT */
    fd = memfd_of('m', 100, 0);
    if (fd >= 0) {
        reopen(fd, -1);         /* (fills procpath; the open itself fails) */
        how_bad.flags = O_RDWR | O_TRUNC;
        how_bad.mode = 0600;
        how_ok.flags = O_RDWR | O_TRUNC;
        marker(P_O2MODE, fd, (long)&how_ok, 0, 0);
        r = sc(SYS_openat2, AT_FDCWD, (long)procpath, (long)&how_bad, sizeof how_bad);
        log_label(P_O2MODE, r == -EINVAL && size_of(fd) == 100 ? 0 :
                            r == -ENOSYS && size_of(fd) == 100 ? 1 : -4);
        if (r >= 0)
            sc(SYS_close, r, 0, 0, 0);
    }
    drop(fd, 0, 0);

    /* O_TRUNC with O_DIRECTORY */
    fd = memfd_of('m', 100, 0);
    if (fd >= 0) {
        marker(P_TRDIR, fd, 0, 0, 0);
        r = reopen(fd, O_RDWR | O_TRUNC | O_DIRECTORY);
        log_label(P_TRDIR, r == -ENOTDIR && size_of(fd) == 100 ? 0 :
                           r < 0 && size_of(fd) == 100 ? 1 : -4);
        if (r >= 0)
            sc(SYS_close, r, 0, 0, 0);
    }
    drop(fd, 0, 0);

    /* O_TRUNC with O_CREAT|O_EXCL */
    fd = excl_steps ? memfd_of('m', 100, 0) : -1;
    if (fd >= 0) {
        marker(P_EXCL, fd, 0, 0, 0);
        r = reopen(fd, O_RDWR | O_TRUNC | O_CREAT | O_EXCL);
        log_label(P_EXCL, r == -EEXIST && size_of(fd) == 100 ? 0 :
                          r < 0 && size_of(fd) == 100 ? 1 : -4);
        if (r >= 0)
            sc(SYS_close, r, 0, 0, 0);
    }
    drop(fd, 0, 0);

    /* ftruncate() through an O_PATH reopen */
    fd = opath_steps ? memfd_of('m', 100, 0) : -1;
    fd2 = fd >= 0 ? reopen(fd, O_PATH_C) : -1;
    if (fd2 >= 0) {
        marker(P_OPATH, fd, fd2, 0, 0);
        r = sc(SYS_ftruncate, fd2, 0, 0, 0);
        log_label(P_OPATH, r == -EBADF && size_of(fd) == 100 ? 0 : -4);
        sc(SYS_close, fd2, 0, 0, 0);
    }
    drop(fd, 0, 0);

    /* a cut of X leaves Y's pages */
    {
        uint8_t *mx = 0, *my = 0;
        long x = two_pages('a', 'b', 0, &mx);
        long y = x >= 0 ? two_pages('c', 'd', 0, &my) : -1;
        if (y >= 0) {
            marker(P_CUTOTHER, x, (long)mx, y, (long)my);
            r = sc(SYS_ftruncate, x, 0, 0, 0);
            log_label(P_CUTOTHER, r == 0 && my[PAGE] == 'd' && my[0] == 'c' ? 0 : -4);
        }
        drop(y, my, 2 * PAGE);
        drop(x, mx, 2 * PAGE);
    }

    /* a cut inside page 0 leaves page 0 */
    fd = two_pages('a', 'b', 0, &map);
    if (fd >= 0) {
        marker(P_CUTBEFORE, fd, (long)map, 0, 0);
        r = sc(SYS_ftruncate, fd, 100, 0, 0);
        int ok = r == 0;
        for (int i = 0; i < 100; i++)
            ok &= map[i] == 'a';
        log_label(P_CUTBEFORE, ok ? 0 : -4);
    }
    drop(fd, map, 2 * PAGE);

    /* the tail past the end, at a cut to the same size and at a growth */
    fd = memfd_of('m', 100, 0);
    long m = fd >= 0 ? sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : -1;
    if (mapped_ok(m)) {
        map = (uint8_t *)m;
        map[200] = 'Z';
        marker(P_TAILSAME, fd, m, 0, 0);
        r = sc(SYS_ftruncate, fd, 100, 0, 0);
        if (r == 0)
            log_label(P_TAILSAME, map[200] == 0 && map[99] == 'm' ? 0 :
                                  map[200] == 'Z' && map[99] == 'm' ? 1 : -4);
        map[200] = 'Z';
        marker(P_TAILGROW, fd, m, 0, 0);
        r = sc(SYS_ftruncate, fd, 300, 0, 0);
        if (r == 0)
            log_label(P_TAILGROW, map[200] == 'Z' && map[99] == 'm' ? 0 :
                                  map[200] == 0 && map[99] == 'm' ? 1 : -4);
        sc(SYS_munmap, m, PAGE, 0, 0);
    }
    drop(fd, 0, 0);

    /* a cut inside a mapped page through an O_RDONLY reopen */
    fd = memfd_of('m', 200, 0);
    m = fd >= 0 ? sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : -1;
    fd2 = mapped_ok(m) ? reopen(fd, O_RDONLY) : -1;
    if (fd2 >= 0) {
        map = (uint8_t *)m;
        marker(P_ROTAIL, fd, m, fd2, 0);
        r = sc(SYS_ftruncate, fd2, 50, 0, 0);
        log_label(P_ROTAIL, r == -EINVAL && size_of(fd) == 200 && map[60] == 'm' &&
                            map[199] == 'm' ? 0 : -4);
        sc(SYS_close, fd2, 0, 0, 0);
    }
    if (mapped_ok(m))
        sc(SYS_munmap, m, PAGE, 0, 0);
    drop(fd, 0, 0);

    /* O_TRUNC with O_NOFOLLOW: the magic link is a symlink */
    fd = memfd_of('m', 100, 0);
    if (fd >= 0) {
        marker(P_TRNOFOL, fd, 0, 0, 0);
        r = reopen(fd, O_RDWR | O_TRUNC | O_NOFOLLOW);
        log_label(P_TRNOFOL, r == -ELOOP && size_of(fd) == 100 ? 0 :
                             r < 0 && size_of(fd) == 100 ? 1 : -4);
        if (r >= 0)
            sc(SYS_close, r, 0, 0, 0);
    }
    drop(fd, 0, 0);

    /* openat2() with O_TRUNC and RESOLVE_NO_MAGICLINKS, and with a short open_how */
    fd = memfd_of('m', 100, 0);
    if (fd >= 0) {
        reopen(fd, -1);
        how_bad.flags = O_RDWR | O_TRUNC;
        how_bad.mode = 0;
        how_bad.resolve = RESOLVE_NO_MAGICLINKS_C;
        marker(P_O2MAGIC, fd, 0, 0, 0);
        r = sc(SYS_openat2, AT_FDCWD, (long)procpath, (long)&how_bad, sizeof how_bad);
        log_label(P_O2MAGIC, r == -ELOOP && size_of(fd) == 100 ? 0 :
                             r == -ENOSYS && size_of(fd) == 100 ? 1 : -4);
        if (r >= 0)
            sc(SYS_close, r, 0, 0, 0);
        how_ok.flags = O_RDWR | O_TRUNC;
        how_ok.mode = 0;
        how_ok.resolve = 0;
        marker(P_O2SIZE, fd, 0, 0, 0);
        r = sc(SYS_openat2, AT_FDCWD, (long)procpath, (long)&how_ok, 16);
        log_label(P_O2SIZE, r == -EINVAL && size_of(fd) == 100 ? 0 :
                            r == -ENOSYS && size_of(fd) == 100 ? 1 : -4);
        if (r >= 0)
            sc(SYS_close, r, 0, 0, 0);
    }
    drop(fd, 0, 0);

    /* a cut inside the page a MAP_PRIVATE mapping holds a copy of */
    fd = memfd_of('m', 200, 0);
    m = fd >= 0 ? sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) : -1;
    if (mapped_ok(m)) {
        map = (uint8_t *)m;
        map[150] = 'P';
        marker(P_TAILPRIV, fd, m, 0, 0);
        r = sc(SYS_ftruncate, fd, 100, 0, 0);
        if (r == 0)
            log_label(P_TAILPRIV, map[150] == 'P' && map[99] == 'm' ? 0 :
                                  map[150] == 0 && map[99] == 'm' ? 1 : -4);
        sc(SYS_munmap, m, PAGE, 0, 0);
    }
    drop(fd, 0, 0);

    /* O_TRUNC under F_SEAL_SHRINK of a mapped memfd */
    fd = two_pages('a', 'b', MFD_ALLOW_SEALING_C, &map);
    if (fd >= 0 && sc(SYS_fcntl, fd, F_ADD_SEALS_C, F_SEAL_SHRINK_C, 0) == 0) {
        marker(P_SEALTR, fd, (long)map, 0, 0);
        r = reopen(fd, O_RDWR | O_TRUNC);
        log_label(P_SEALTR, r == -EPERM && size_of(fd) == 2 * PAGE && map[PAGE] == 'b' &&
                            map[0] == 'a' ? 0 : -4);
        if (r >= 0)
            sc(SYS_close, r, 0, 0, 0);
    }
    drop(fd, map, 2 * PAGE);

    /* a cut of a memfd whose pages nothing maps any more, then a mapping again */
    fd = two_pages('a', 'b', 0, &map);
    if (fd >= 0) {
        sc(SYS_munmap, (long)map, 2 * PAGE, 0, 0);
        map = 0;
        marker(P_HELDCUT, fd, 0, 0, 0);
        r = sc(SYS_ftruncate, fd, PAGE, 0, 0);
        m = r == 0 ? sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, fd, 0) : -1;
        if (mapped_ok(m)) {
            uint8_t *p = (uint8_t *)m;
            log_label(P_HELDCUT, size_of(fd) == PAGE && p[0] == 'a' && p[PAGE - 1] == 'a' ?
                                 0 : -4);
            sc(SYS_munmap, m, PAGE, 0, 0);
        }
    }
    drop(fd, map, 2 * PAGE);

    /* a fork child's cut of a memfd the program maps */
    fd = two_pages('a', 'b', 0, &map);
    if (fd >= 0) {
        marker(P_FORKCUT, fd, (long)map, 0, 0);
        long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit_group, sc(SYS_ftruncate, fd, PAGE, 0, 0) == 0 ? 0 : 1, 0, 0, 0, 0,
                 0);
        if (wait_ok(pid))
            log_label(P_FORKCUT, size_of(fd) == PAGE && map[0] == 'a' ? 0 : -4);
    }
    drop(fd, map, 2 * PAGE);

    /* openat2() with O_TRUNC of a mapped memfd */
    fd = two_pages('a', 'b', 0, &map);
    if (fd >= 0) {
        reopen(fd, -1);
        how_ok.flags = O_RDWR | O_TRUNC;
        how_ok.mode = 0;
        marker(P_O2TRUNC, fd, (long)map, 0, 0);
        r = sc(SYS_openat2, AT_FDCWD, (long)procpath, (long)&how_ok, sizeof how_ok);
        log_label(P_O2TRUNC, r >= 0 && size_of(fd) == 0 ? 0 : r == -ENOSYS ? 1 : -4);
        if (r >= 0)
            sc(SYS_close, r, 0, 0, 0);
    }
    drop(fd, map, 2 * PAGE);

    /* ftruncate() through a dup of a mapped memfd */
    fd = two_pages('a', 'b', 0, &map);
    fd2 = fd >= 0 ? sc(SYS_dup, fd, 0, 0, 0) : -1;
    if (fd2 >= 0) {
        marker(P_DUPCUT, fd, (long)map, fd2, 0);
        r = sc(SYS_ftruncate, fd2, PAGE, 0, 0);
        log_label(P_DUPCUT, r == 0 && size_of(fd) == PAGE && map[0] == 'a' &&
                            map[PAGE - 1] == 'a' ? 0 : -4);
        sc(SYS_close, fd2, 0, 0, 0);
    }
    drop(fd, map, 2 * PAGE);
}

/* --- copy_file_range() and pwritev2(RWF_APPEND) refused by Linux --------------------------- */
static long cfr(long in, long *off_in, long out, long *off_out, long n, long flags)
{
    return sys6(SYS_copy_file_range, in, (long)off_in, out, (long)off_out, n, flags);
}

static long pwv2(long fd, long n, long off, long flags)
{
    static struct { long base, len; } iov;
    memset(wbuf, 'q', n);
    iov.base = (long)wbuf;
    iov.len = n;
    return sys6(SYS_pwritev2, fd, (long)&iov, 1, off, 0, flags);
}

static long v2_index(long r, long want, long fd)
{
    if (r == want && size_of(fd) == 100)
        return 0;
    if ((r == -ENOSYS || r == -EOPNOTSUPP) && size_of(fd) == 100)
        return 1;
    if (r == -EFAULT && size_of(fd) == 100)
        return 2;
    return -4;
}

static void move_steps(void)
{
    long m1 = memfd_of('m', 100, 0);
    long m2 = memfd_of('n', 0, 0);
    long r, fd2;
    if (m1 < 0 || m2 < 0)
        return;

    marker(P_CFRFLAGS, m1, m2, 0, 0);
    r = cfr(m1, 0, m2, 0, 10, 1);
    log_label(P_CFRFLAGS, r == -EINVAL && size_of(m2) == 0 ? 0 : -4);

    {
        long oi = 0, oo = 5;
        marker(P_CFRSAME, m1, 0, 0, 0);
        r = cfr(m1, &oi, m1, &oo, 10, 0);
        log_label(P_CFRSAME, r == -EINVAL && bytes_are(m1, 0, 100, "m\144") ? 0 :
                             r < 0 && bytes_are(m1, 0, 100, "m\144") ? 1 : -4);
    }

    fd2 = reopen(m2, O_RDWR | O_APPEND);
    if (fd2 >= 0) {
        marker(P_CFRAPP, m1, m2, fd2, 0);
        r = cfr(m1, 0, fd2, 0, 10, 0);
        log_label(P_CFRAPP, r == -EBADF && size_of(m2) == 0 ? 0 :
                            r < 0 && size_of(m2) == 0 ? 1 : -4);
        sc(SYS_close, fd2, 0, 0, 0);
    }

    fd2 = reopen(m1, O_WRONLY);
    if (fd2 >= 0) {
        marker(P_CFRWRO, m1, m2, fd2, 0);
        r = cfr(fd2, 0, m2, 0, 10, 0);
        log_label(P_CFRWRO, r == -EBADF && size_of(m2) == 0 ? 0 :
                            r < 0 && size_of(m2) == 0 ? 1 : -4);
        sc(SYS_close, fd2, 0, 0, 0);
    }

    fd2 = reopen(m2, O_RDONLY);
    if (fd2 >= 0) {
        marker(P_CFRRO, m1, m2, fd2, 0);
        r = cfr(m1, 0, fd2, 0, 10, 0);
        log_label(P_CFRRO, r == -EBADF && size_of(m2) == 0 ? 0 :
                           r < 0 && size_of(m2) == 0 ? 1 : -4);
        sc(SYS_close, fd2, 0, 0, 0);
    }

    marker(P_PWV2NEG, m1, 0, 0, 0);
    r = pwv2(m1, 10, -2, RWF_APPEND_C);
    log_label(P_PWV2NEG, v2_index(r, -EINVAL, m1));

    marker(P_PWV2BAD, m1, 0, 0, 0);
    r = pwv2(m1, 10, 0, RWF_APPEND_C | 0x40000000);
    log_label(P_PWV2BAD, r == -ENOSYS ? (size_of(m1) == 100 ? 1 : -4) :
                         v2_index(r, -EOPNOTSUPP, m1));

    fd2 = reopen(m1, O_RDONLY);
    if (fd2 >= 0) {
        marker(P_PWV2RO, m1, fd2, 0, 0);
        r = pwv2(fd2, 10, 0, RWF_APPEND_C);
        log_label(P_PWV2RO, v2_index(r, -EBADF, m1));
        sc(SYS_close, fd2, 0, 0, 0);
    }

    {
        long oi = 0, oo = 200;
        marker(P_CFRSELF, m1, 0, 0, 0);
        r = cfr(m1, &oi, m1, &oo, 10, 0);
        long n = sys6(SYS_pread64, m1, (long)rbuf, 2 * PAGE, 0, 0, 0);
        int ok = r == 10 && oi == 10 && oo == 210 && n == 210;
        for (long i = 0; ok && i < 210; i++)
            ok &= rbuf[i] == (i < 100 || i >= 200 ? 'm' : 0);
        log_label(P_CFRSELF, ok ? 0 : -4);
    }

    {
        long oi = 300;
        marker(P_CFREOF, m1, m2, 0, 0);
        r = cfr(m1, &oi, m2, 0, 10, 0);
        log_label(P_CFREOF, r == 0 && oi == 300 && size_of(m2) == 0 ? 0 : -4);
    }
    sc(SYS_close, m1, 0, 0, 0);
    sc(SYS_close, m2, 0, 0, 0);

    m1 = memfd_of('m', 100, 0);
    if (m1 >= 0 && sc(SYS_lseek, m1, 20, SEEK_SET, 0) == 20) {
        marker(P_APPCUR, m1, 0, 0, 0);
        r = pwv2(m1, 10, -1, RWF_APPEND_C);
        long cur = sc(SYS_lseek, m1, 0, SEEK_CUR, 0);
        log_label(P_APPCUR, r == 10 && cur == 110 && size_of(m1) == 110 ? 0 :
                            (r == -ENOSYS || r == -EOPNOTSUPP) && cur == 20 ? 1 :
                            r == -EFAULT && cur == 20 ? 2 : -4);
    }
    if (m1 >= 0)
        sc(SYS_close, m1, 0, 0, 0);

    m1 = memfd_of('m', 100, MFD_ALLOW_SEALING_C);
    if (m1 >= 0 && sc(SYS_fcntl, m1, F_ADD_SEALS_C, F_SEAL_GROW_C, 0) == 0) {
        marker(P_PWV2GROW, m1, 0, 0, 0);
        r = pwv2(m1, 10, 0, RWF_APPEND_C);
        log_label(P_PWV2GROW, v2_index(r, -EPERM, m1));
    }
    if (m1 >= 0)
        sc(SYS_close, m1, 0, 0, 0);
}
int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        excl_steps |= strcmp(argv[i], "-e") == 0;
        opath_steps |= strcmp(argv[i], "-p") == 0;
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

    cut_steps();
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
