/* secret_r74_rules: the attack target of red-team round seventy-four (memory calls Linux
 * fails for their arguments that return.mm_args_refused does not judge, and calls on a
 * negative descriptor, or a relative name at one, that return.negative_descriptor does
 * not judge).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 * On a read-write page P:
 *  P_ADVBAD      madvise(P, 4096, 77): -EINVAL (madvise_behavior_valid()).
 *  P_ADVWRAP     madvise(P, -8192, MADV_NORMAL): -EINVAL (do_madvise(): end < start).
 *  P_SYNCWRAP    msync(P, -8192, MS_SYNC): -ENOMEM (end < start).
 *  P_LOCK2FLAG   mlock2(P, 4096, 2): -EINVAL (flags & ~MLOCK_ONFAULT).
 *  P_LOCKWRAP    mlock(P, -8192): -ENOMEM (past RLIMIT_MEMLOCK) or -EINVAL (end < start).
 *  P_UNLOCKWRAP  munlock(P, -8192): -EINVAL (apply_vma_lock_flags(): end < start).
 *  P_COREWRAP    mincore(P, -8192, vec): -ENOMEM (access_ok()).
 *  P_UNMAPWRAP   munmap(P, -8192): -EINVAL (do_vmi_munmap(): len > TASK_SIZE - start).
 * Relative names at dfd -5 (path_init(): fdget() finds no file): faccessat(),
 * newfstatat(), mkdirat(), unlinkat(), fchmodat(), utimensat(), readlinkat(): -EBADF.
 * Descriptor -1: preadv2(), pwritev2(), epoll_ctl(), copy_file_range(), sendfile()'s
 * in_fd, pidfd_send_signal(), timerfd_gettime(): -EBADF.
 * Relative names at dfd -5: openat2(), statx(), fchownat(), mknodat(), symlinkat(),
 * linkat(), renameat2(), name_to_handle_at(), faccessat2(): -EBADF.  Descriptor -1:
 * vmsplice(), splice(), tee(), epoll_pwait(), process_madvise(), pidfd_getfd(), setns(),
 * recvmmsg(), sendmmsg(), utimensat(-1, NULL) and mq_getsetattr(): -EBADF.
 *  P_CHOWNOK     fchownat(AT_FDCWD, "/dev/null", -1, -1, 0): 0 (chown_common() changes
 *                nothing; 1 otherwise).
 *  P_MKNODEXIST  mknodat(AT_FDCWD, "/dev/null", S_IFIFO|0600, 0): -EEXIST
 *                (filename_create() finds it; 1 for another error).
 * On the areas' state: msync(P, MS_INVALIDATE) and madvise(P, MADV_DONTNEED) of a page
 * mlock() locked (-EBUSY, -EINVAL), madvise(Q, MADV_FREE) of a MAP_SHARED anonymous page
 * (-EINVAL), madvise(H, MADV_WILLNEED), mlock(H), msync(H, MS_SYNC) and mincore(H) of a
 * page H munmap() unmapped (-ENOMEM each).
 * mlock2(P, 4096, MLOCK_ONFAULT): 0.  Arguments Linux takes as an int (SYSCALL_DEFINEn
 * casts the register): msync(P, 4096, 1 << 32 | MS_SYNC), madvise(P, 4096,
 * 1 << 32 | MADV_WILLNEED), close(D | 1 << 32) of a dup() D of /dev/null and
 * fcntl(devnull | 1 << 32, F_GETFD): 0 each (index 0; 1 otherwise).
 *  P_WIDECWDOPEN, P_WIDECWDSTAT  openat() and newfstatat() of "." at dfd 0xffffff9c
 *                (AT_FDCWD zero-extended in the register: dfd is an int): 0 each.
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r74.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sched.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_ADVBAD 9700
#define P_ADVWRAP 9702
#define P_SYNCWRAP 9704
#define P_LOCK2FLAG 9706
#define P_LOCKWRAP 9708
#define P_UNLOCKWRAP 9710
#define P_COREWRAP 9712
#define P_UNMAPWRAP 9714
#define P_RELACCESS 9716
#define P_RELSTAT 9718
#define P_RELMKDIR 9720
#define P_RELUNLINK 9722
#define P_RELCHMOD 9724
#define P_RELUTIME 9726
#define P_RELREADLINK 9728
#define P_BADPREADV2 9730
#define P_BADPWRITEV2 9732
#define P_BADEPOLLCTL 9734
#define P_BADCOPYRANGE 9736
#define P_BADSENDFILE 9738
#define P_BADPIDFDSIG 9740
#define P_BADTIMERFD 9742
#define P_RELOPENAT2 9744
#define P_RELSTATX 9746
#define P_RELCHOWN 9748
#define P_RELMKNOD 9750
#define P_RELSYMLINK 9752
#define P_RELLINK 9754
#define P_RELRENAME 9756
#define P_RELHANDLE 9758
#define P_RELACCESS2 9760
#define P_BADVMSPLICE 9762
#define P_BADSPLICE 9764
#define P_BADTEE 9766
#define P_BADEPOLLWAIT 9768
#define P_BADPMADVISE 9770
#define P_BADGETFD 9772
#define P_BADSETNS 9774
#define P_BADRECVMMSG 9776
#define P_BADSENDMMSG 9778
#define P_BADFUTIMENS 9780
#define P_BADMQ 9782
#define P_CHOWNOK 9784
#define P_MKNODEXIST 9786
#define P_INVLOCKED 9788
#define P_DONTNEEDLOCKED 9790
#define P_FREESHARED 9792
#define P_HOLEADVISE 9794
#define P_HOLEMLOCK 9796
#define P_HOLEMSYNC 9798
#define P_HOLEMINCORE 9800
#define P_WIDELOCK2 9802
#define P_WIDESYNC 9804
#define P_WIDEADVISE 9806
#define P_WIDECLOSE 9808
#define P_WIDEFCNTL 9810
#define P_WIDECWDOPEN 9812
#define P_WIDECWDSTAT 9814

#define RW (PROT_READ | PROT_WRITE)
#define TAG (1l << 56)
#define FIXED_NOREPLACE 0x100000

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r74"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static void state_steps(long m)
{
    static unsigned char vec[4];
    long b = sys6(SYS_mmap, 0, 3 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long p = mapped_ok(b) ? b : 0;
    long q = sys6(SYS_mmap, 0, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    long h = p && sc(SYS_munmap, b + 2 * PAGE, PAGE, 0, 0) == 0 ? b + 2 * PAGE : 0;
    if (p) {
        *(volatile char *)p = 1;
        if (sc(SYS_mlock, p, PAGE, 0, 0) != 0)
            p = 0;
    }
    refused(P_INVLOCKED, m, p, SYS_msync, p, PAGE, MS_INVALIDATE, 0, -EBUSY);
    refused(P_DONTNEEDLOCKED, m, p, SYS_madvise, p, PAGE, MADV_DONTNEED, 0, -EINVAL);
    if (p)
        sc(SYS_munlock, p, PAGE, 0, 0);
    refused(P_FREESHARED, m, mapped_ok(q) ? q : 0, SYS_madvise, q, PAGE, MADV_FREE, 0,
            -EINVAL);
    refused(P_HOLEADVISE, m, h, SYS_madvise, h, PAGE, MADV_WILLNEED, 0, -ENOMEM);
    refused(P_HOLEMLOCK, m, h, SYS_mlock, h, PAGE, 0, 0, -ENOMEM);
    refused(P_HOLEMSYNC, m, h, SYS_msync, h, PAGE, MS_SYNC, 0, -ENOMEM);
    refused(P_HOLEMINCORE, m, h, SYS_mincore, h, PAGE, (long)vec, 0, -ENOMEM);
}

static void wide_steps(long m)
{
    long b = sys6(SYS_mmap, 0, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long p = mapped_ok(b) ? b : 0;
    long w = 1l << 32;
    marker(P_WIDELOCK2, m, p, 0, 0);
    long r = p ? sc(SYS_mlock2, p, PAGE, 1, 0) : 1;
    if (r == 0)
        sc(SYS_munlock, p, PAGE, 0, 0);
    log_label(P_WIDELOCK2, r == 0 ? 0 : 1);
    marker(P_WIDESYNC, m, p, 0, 0);
    log_label(P_WIDESYNC, p && sc(SYS_msync, p, PAGE, w | MS_SYNC, 0) == 0 ? 0 : 1);
    marker(P_WIDEADVISE, m, p, 0, 0);
    log_label(P_WIDEADVISE, p && sc(SYS_madvise, p, PAGE, w | MADV_WILLNEED, 0) == 0 ? 0 : 1);
    long d = sc(SYS_dup, devnull, 0, 0, 0);
    marker(P_WIDECLOSE, m, d, 0, 0);
    log_label(P_WIDECLOSE, d >= 0 && sc(SYS_close, d | w, 0, 0, 0) == 0 ? 0 : 1);
    marker(P_WIDEFCNTL, m, devnull, 0, 0);
    log_label(P_WIDEFCNTL, sc(SYS_fcntl, devnull | w, F_GETFD, 0, 0) >= 0 ? 0 : 1);
    marker(P_WIDECWDOPEN, m, 0, 0, 0);
    log_label(P_WIDECWDOPEN, ok_index(sc(SYS_openat, 0xffffff9cl, (long)".", O_RDONLY, 0)));
    marker(P_WIDECWDSTAT, m, 0, 0, 0);
    log_label(P_WIDECWDSTAT, sc(SYS_newfstatat, 0xffffff9cl, (long)".", (long)wbuf, 0) == 0 ? 0 : 1);
}

static void steps(long m)
{
    static unsigned char vec[4];
    static struct { void *b; long n; } iov[1];
    iov[0].b = wbuf;
    iov[0].n = 8;
    static uint64_t how[3];
    long b = sys6(SYS_mmap, 0, 3 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long p = mapped_ok(b) ? b + 2 * PAGE : 0;
    refused(P_ADVBAD, m, p, SYS_madvise, p, PAGE, 77, 0, -EINVAL);
    refused(P_ADVWRAP, m, p, SYS_madvise, p, -2 * PAGE, 0, 0, -EINVAL);
    refused(P_SYNCWRAP, m, p, SYS_msync, p, -2 * PAGE, MS_SYNC, 0, -ENOMEM);
    refused(P_LOCK2FLAG, m, p, SYS_mlock2, p, PAGE, 2, 0, -EINVAL);
    refused(P_LOCKWRAP, m, p, SYS_mlock, p, -2 * PAGE, 0, 0, 0);
    refused(P_UNLOCKWRAP, m, p, SYS_munlock, p, -2 * PAGE, 0, 0, -EINVAL);
    refused(P_COREWRAP, m, p, SYS_mincore, p, -2 * PAGE, (long)vec, 0, -ENOMEM);
    refused(P_UNMAPWRAP, m, p, SYS_munmap, p, -2 * PAGE, 0, 0, -EINVAL);
    refused(P_RELACCESS, m, p, SYS_faccessat, -5, (long)"dev/null", R_OK, 0, -EBADF);
    refused(P_RELSTAT, m, p, SYS_newfstatat, -5, (long)"dev/null", (long)wbuf, 0, -EBADF);
    refused(P_RELMKDIR, m, p, SYS_mkdirat, -5, (long)"r74dir", 0700, 0, -EBADF);
    refused(P_RELUNLINK, m, p, SYS_unlinkat, -5, (long)"r74x", 0, 0, -EBADF);
    refused(P_RELCHMOD, m, p, SYS_fchmodat, -5, (long)"dev/null", 0600, 0, -EBADF);
    refused(P_RELUTIME, m, p, SYS_utimensat, -5, (long)"dev/null", 0, 0, -EBADF);
    refused(P_RELREADLINK, m, p, SYS_readlinkat, -5, (long)"r74x", (long)wbuf, 16, -EBADF);
    refused(P_BADPREADV2, m, p, SYS_preadv2, -1, (long)iov, 1, 0, -EBADF);
    refused(P_BADPWRITEV2, m, p, SYS_pwritev2, -1, (long)iov, 1, 0, -EBADF);
    refused(P_BADEPOLLCTL, m, p, SYS_epoll_ctl, -1, 2, 0, 0, -EBADF);
    refused(P_BADCOPYRANGE, m, p, SYS_copy_file_range, -1, 0, devnull, 0, -EBADF);
    refused(P_BADSENDFILE, m, p, SYS_sendfile, devnull, -1, 0, 1, -EBADF);
    refused(P_BADPIDFDSIG, m, p, SYS_pidfd_send_signal, -1, 0, 0, 0, -EBADF);
    refused(P_BADTIMERFD, m, p, SYS_timerfd_gettime, -1, (long)wbuf, 0, 0, -EBADF);
    refused6(P_RELOPENAT2, m, p, SYS_openat2, -5, (long)"dev/null", (long)how, 24, 0, 0, -EBADF);
    refused6(P_RELSTATX, m, p, SYS_statx, -5, (long)"dev/null", 0, 0x7ff, (long)wbuf, 0, -EBADF);
    refused6(P_RELCHOWN, m, p, SYS_fchownat, -5, (long)"dev/null", -1, -1, 0, 0, -EBADF);
    refused6(P_RELMKNOD, m, p, SYS_mknodat, -5, (long)"r74n", 010600, 0, 0, 0, -EBADF);
    refused6(P_RELSYMLINK, m, p, SYS_symlinkat, (long)"x", -5, (long)"r74l", 0, 0, 0, -EBADF);
    refused6(P_RELLINK, m, p, SYS_linkat, -5, (long)"r74a", -5, (long)"r74b", 0, 0, -EBADF);
    refused6(P_RELRENAME, m, p, SYS_renameat2, -5, (long)"r74a", -5, (long)"r74b", 0, 0, -EBADF);
    refused6(P_RELHANDLE, m, p, SYS_name_to_handle_at, -5, (long)"dev/null", (long)wbuf, (long)wbuf + 64, 0, 0, -EBADF);
    refused6(P_RELACCESS2, m, p, SYS_faccessat2, -5, (long)"dev/null", R_OK, 0, 0, 0, -EBADF);
    refused6(P_BADVMSPLICE, m, p, SYS_vmsplice, -1, (long)iov, 1, 0, 0, 0, -EBADF);
    refused6(P_BADSPLICE, m, p, SYS_splice, -1, 0, devnull, 0, 1, 0, -EBADF);
    refused6(P_BADTEE, m, p, SYS_tee, -1, devnull, 1, 0, 0, 0, -EBADF);
    refused6(P_BADEPOLLWAIT, m, p, SYS_epoll_pwait, -1, (long)wbuf, 1, 0, 0, 8, -EBADF);
    refused6(P_BADPMADVISE, m, p, SYS_process_madvise, -1, (long)iov, 1, 20, 0, 0, -EBADF);
    refused6(P_BADGETFD, m, p, SYS_pidfd_getfd, -1, 0, 0, 0, 0, 0, -EBADF);
    refused6(P_BADSETNS, m, p, SYS_setns, -1, 0, 0, 0, 0, 0, -EBADF);
    refused6(P_BADRECVMMSG, m, p, SYS_recvmmsg, -1, (long)wbuf, 1, 0, 0, 0, -EBADF);
    refused6(P_BADSENDMMSG, m, p, SYS_sendmmsg, -1, (long)wbuf, 1, 0, 0, 0, -EBADF);
    refused6(P_BADFUTIMENS, m, p, SYS_utimensat, -1, 0, 0, 0, 0, 0, -EBADF);
    refused6(P_BADMQ, m, p, SYS_mq_getsetattr, -1, 0, (long)wbuf, 0, 0, 0, -EBADF);
    marker(P_CHOWNOK, m, 0, 0, 0);
    log_label(P_CHOWNOK, sys6(SYS_fchownat, AT_FDCWD, (long)"/dev/null", -1, -1, 0, 0) == 0 ? 0 : 1);
    marker(P_MKNODEXIST, m, 0, 0, 0);
    long r = sc(SYS_mknodat, AT_FDCWD, (long)"/dev/null", 010600, 0);
    log_label(P_MKNODEXIST, r == -EEXIST ? 0 : 1);
}

static int show_digest;

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
    volatile uint8_t stackbuf[64];

    if (!rules_start(stackbuf))
        return 1;

    sc(SYS_gettid, 0, 0, 0, 0);
    long m = memfd_of('l', 10, 0);
    if (m >= 0)
    {
        steps(m);
        state_steps(m);
        wide_steps(m);
    }
    return finish(show_digest);
}
