/* secret_r75_rules: the attack target of red-team round seventy-five (calls on a negative
 * descriptor, or with a relative name at one, inside -20000..-10000, which
 * return.negative_descriptor leaves alone for the kernel's sentinels, and memory calls
 * Linux answers 0 that return.mm_args_refused and return.mm_area_refused might refuse).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 * Descriptors no call but the pidfd and file-handle ones takes as a sentinel (-EBADF):
 *  P_SENTCLOSE   close(-10000)          P_SENTREAD    read(-10001, buf, 0)
 *  P_SENTFSTAT   fstat(-12345, buf)     P_SENTLSEEK   lseek(-15000, 0, SEEK_CUR)
 *  P_SENTFSYNC   fsync(-20000)          P_SENTDUP     dup(-10009)
 *  P_SENTFCNTL   fcntl(-11111, F_GETFD)
 *  P_SENTPIDFD   pidfd_send_signal(-10002, 0, NULL, 0) (FD_PIDFS_ROOT is no pidfd)
 * Relative names at such a dfd (path_init(): fdget() finds no file, -EBADF):
 *  P_SENTACCESS  faccessat(-10002, "dev/null", R_OK)
 *  P_SENTSTAT    newfstatat(-10003, "dev/null", buf, 0)
 *  P_SENTMKDIR   mkdirat(-19999, "r75dir", 0700)
 *  P_SENTUNLINK  unlinkat(-10004, "r75x", 0)
 * After the memory steps, the same -EBADF for fchmod(-10000), fchdir(-10001),
 * flock(-10002), fadvise64(-10003), epoll_ctl(-10000), timerfd_gettime(-10001),
 * setns(-10005), shutdown(-10000), pidfd_getfd(-10000, -10001) and relative names at
 * statx(-10002), fchmodat(-10001), readlinkat(-10000), symlinkat(, -10001, ),
 * renameat2(-10000, , -10000, ) and utimensat(-10001).
 * Memory calls Linux answers 0 (index 0; 1 otherwise), on a read-write page P:
 *  P_SYNCZERO    msync(P, -1, MS_SYNC): the length rounds up to 0, end == start.
 *  P_LOCKZERO    mlock(P, -1): apply_vma_lock_flags(): end == start.
 *  P_UNLOCKZERO  munlock(P, -1): the same.
 *  P_FREEREMAP   madvise(Q, 4096, MADV_FREE) of a MAP_SHARED page a MAP_FIXED private
 *                anonymous mmap replaced.
 *  P_INVUNLOCKALL msync(P, 4096, MS_INVALIDATE) of a page mlock() locked, after
 *                munlockall().
 *  P_HOLEREMAP   madvise(H, 4096, MADV_WILLNEED) of a hole munmap() left that
 *                mremap(MREMAP_FIXED) moved a page into.
 * Last, index 0 for 0 (1 otherwise): madvise(H, MADV_WILLNEED) of a hole a vfork
 * child's mmap(MAP_FIXED) filled; msync(MS_INVALIDATE) of a page mlock() locked, then
 * unmapped and mapped again, and of one mremap(MREMAP_DONTUNMAP) left behind (move_vma()
 * clears VM_LOCKED on it); and P_FUTURELOCKED: msync(F, MS_INVALIDATE) of a page mapped
 * after mlockall(MCL_FUTURE): -EBUSY (mm->def_flags gives it VM_LOCKED); P_MAPLOCKED:
 * msync(K, MS_INVALIDATE) of a page mmap(MAP_LOCKED) mapped: -EBUSY.
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r75.py.  Only the digest of the secret is ever printed.
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
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <signal.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_SENTCLOSE 10000
#define P_SENTREAD 10002
#define P_SENTFSTAT 10004
#define P_SENTLSEEK 10006
#define P_SENTFSYNC 10008
#define P_SENTACCESS 10010
#define P_SENTSTAT 10012
#define P_SENTMKDIR 10014
#define P_SENTPIDFD 10016
#define P_SENTDUP 10018
#define P_SENTUNLINK 10020
#define P_SENTFCNTL 10022
#define P_SYNCZERO 10024
#define P_LOCKZERO 10026
#define P_UNLOCKZERO 10028
#define P_FREEREMAP 10030
#define P_INVUNLOCKALL 10032
#define P_HOLEREMAP 10034
#define P_SENTFCHMOD 10036
#define P_SENTFCHDIR 10038
#define P_SENTFLOCK 10040
#define P_SENTFADVISE 10042
#define P_SENTEPOLL 10044
#define P_SENTTIMERFD 10046
#define P_SENTSETNS 10048
#define P_SENTSHUTDOWN 10050
#define P_SENTSTATX 10052
#define P_SENTCHMODAT 10054
#define P_SENTREADLINK 10056
#define P_SENTSYMLINK 10058
#define P_SENTRENAME 10060
#define P_SENTUTIME 10062
#define P_SENTGETFD 10064
#define P_VFORKHOLE 10066
#define P_LOCKREMAP 10068
#define P_LOCKDONTUNMAP 10070
#define P_FUTURELOCKED 10072
#define P_MAPLOCKED 10074

#define RW (PROT_READ | PROT_WRITE)
#define TAG (1l << 56)
#define FIXED_NOREPLACE 0x100000

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r75"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static void sentinel_steps(long m)
{
    refused(P_SENTCLOSE, m, 1, SYS_close, -10000, 0, 0, 0, -EBADF);
    refused(P_SENTREAD, m, 1, SYS_read, -10001, (long)wbuf, 0, 0, -EBADF);
    refused(P_SENTFSTAT, m, 1, SYS_fstat, -12345, (long)wbuf, 0, 0, -EBADF);
    refused(P_SENTLSEEK, m, 1, SYS_lseek, -15000, 0, SEEK_CUR, 0, -EBADF);
    refused(P_SENTFSYNC, m, 1, SYS_fsync, -20000, 0, 0, 0, -EBADF);
    refused(P_SENTACCESS, m, 1, SYS_faccessat, -10002, (long)"dev/null", R_OK, 0, -EBADF);
    refused(P_SENTSTAT, m, 1, SYS_newfstatat, -10003, (long)"dev/null", (long)wbuf, 0, -EBADF);
    refused(P_SENTMKDIR, m, 1, SYS_mkdirat, -19999, (long)"r75dir", 0700, 0, -EBADF);
    refused(P_SENTPIDFD, m, 1, SYS_pidfd_send_signal, -10002, 0, 0, 0, -EBADF);
    refused(P_SENTDUP, m, 1, SYS_dup, -10009, 0, 0, 0, -EBADF);
    refused(P_SENTUNLINK, m, 1, SYS_unlinkat, -10004, (long)"r75x", 0, 0, -EBADF);
    refused(P_SENTFCNTL, m, 1, SYS_fcntl, -11111, F_GETFD, 0, 0, -EBADF);
}

static void zero_steps(long m)
{
    long b = sys6(SYS_mmap, 0, 4 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long p = mapped_ok(b) ? b : 0;
    if (p)
        *(volatile char *)p = 1;
    ok_step(P_SYNCZERO, m, p, SYS_msync, p, -1, MS_SYNC, 0);
    ok_step(P_LOCKZERO, m, p, SYS_mlock, p, -1, 0, 0);
    ok_step(P_UNLOCKZERO, m, p, SYS_munlock, p, -1, 0, 0);
    long q = sys6(SYS_mmap, 0, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mapped_ok(q) && sys6(SYS_mmap, q, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                             -1, 0) != q)
        q = -1;
    ok_step(P_FREEREMAP, m, mapped_ok(q) ? q : 0, SYS_madvise, q, PAGE, MADV_FREE, 0);
    long l = p && sc(SYS_mlock, p, PAGE, 0, 0) == 0 && sc(SYS_munlockall, 0, 0, 0, 0) == 0
             ? p : 0;
    ok_step(P_INVUNLOCKALL, m, l, SYS_msync, p, PAGE, MS_INVALIDATE, 0);
    long h = p && sc(SYS_munmap, p + 3 * PAGE, PAGE, 0, 0) == 0 ? p + 3 * PAGE : 0;
    if (h && sys6(SYS_mremap, p + PAGE, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, h, 0) != h)
        h = 0;
    ok_step(P_HOLEREMAP, m, h, SYS_madvise, h, PAGE, MADV_WILLNEED, 0);
}

static void more_sentinel_steps(long m)
{
    refused(P_SENTFCHMOD, m, 1, SYS_fchmod, -10000, 0600, 0, 0, -EBADF);
    refused(P_SENTFCHDIR, m, 1, SYS_fchdir, -10001, 0, 0, 0, -EBADF);
    refused(P_SENTFLOCK, m, 1, SYS_flock, -10002, LOCK_SH, 0, 0, -EBADF);
    refused(P_SENTFADVISE, m, 1, SYS_fadvise64, -10003, 0, 0, POSIX_FADV_NORMAL, -EBADF);
    refused(P_SENTEPOLL, m, 1, SYS_epoll_ctl, -10000, EPOLL_CTL_DEL, 0, 0, -EBADF);
    refused(P_SENTTIMERFD, m, 1, SYS_timerfd_gettime, -10001, (long)wbuf, 0, 0, -EBADF);
    refused(P_SENTSETNS, m, 1, SYS_setns, -10005, 0, 0, 0, -EBADF);
    refused(P_SENTSHUTDOWN, m, 1, SYS_shutdown, -10000, SHUT_RD, 0, 0, -EBADF);
    refused6(P_SENTSTATX, m, 1, SYS_statx, -10002, (long)"dev/null", 0, 0x7ff, (long)wbuf, 0,
             -EBADF);
    refused(P_SENTCHMODAT, m, 1, SYS_fchmodat, -10001, (long)"dev/null", 0600, 0, -EBADF);
    refused(P_SENTREADLINK, m, 1, SYS_readlinkat, -10000, (long)"r75x", (long)wbuf, 16, -EBADF);
    refused(P_SENTSYMLINK, m, 1, SYS_symlinkat, (long)"x", -10001, (long)"r75l", 0, -EBADF);
    refused6(P_SENTRENAME, m, 1, SYS_renameat2, -10000, (long)"r75a", -10000, (long)"r75b", 0,
             0, -EBADF);
    refused(P_SENTUTIME, m, 1, SYS_utimensat, -10001, (long)"dev/null", 0, 0, -EBADF);
    refused(P_SENTGETFD, m, 1, SYS_pidfd_getfd, -10000, -10001, 0, 0, -EBADF);
}

/* a hole a vfork child's mmap filled; a page mlock() locked, then unmapped and mapped
 * again, or left behind by mremap(MREMAP_DONTUNMAP); a page mapped after
 * mlockall(MCL_FUTURE) */
__attribute__((noinline)) static void late_steps(long m)
{
    long b = sys6(SYS_mmap, 0, 4 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long p = mapped_ok(b) ? b : 0;
    long h = p && sc(SYS_munmap, p, PAGE, 0, 0) == 0 ? p : 0;
    if (h) {
        long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            sys6(SYS_mmap, h, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        }
        if (pid < 0 || sys6(SYS_wait4, pid, 0, 0, 0, 0, 0) != pid)
            h = 0;
    }
    ok_step(P_VFORKHOLE, m, h, SYS_madvise, h, PAGE, MADV_WILLNEED, 0);
    long l = p && sc(SYS_mlock, p + PAGE, PAGE, 0, 0) == 0 &&
             sc(SYS_munmap, p + PAGE, PAGE, 0, 0) == 0 &&
             sys6(SYS_mmap, p + PAGE, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
                  0) == p + PAGE ? p + PAGE : 0;
    ok_step(P_LOCKREMAP, m, l, SYS_msync, l, PAGE, MS_INVALIDATE, 0);
    long d = 0;
    if (p && sc(SYS_mlock, p + 2 * PAGE, PAGE, 0, 0) == 0) {
        d = sys6(SYS_mremap, p + 2 * PAGE, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0, 0);
        d = mapped_ok(d) ? p + 2 * PAGE : 0;
    }
    ok_step(P_LOCKDONTUNMAP, m, d, SYS_msync, d, PAGE, MS_INVALIDATE, 0);
    long f = 0;
    if (sc(SYS_mlockall, MCL_FUTURE, 0, 0, 0) == 0) {
        f = sys6(SYS_mmap, 0, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        f = mapped_ok(f) ? f : 0;
    }
    refused(P_FUTURELOCKED, m, f, SYS_msync, f, PAGE, MS_INVALIDATE, 0, -EBUSY);
    sc(SYS_munlockall, 0, 0, 0, 0);
    long k = sys6(SYS_mmap, 0, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
    refused(P_MAPLOCKED, m, mapped_ok(k) ? k : 0, SYS_msync, k, PAGE, MS_INVALIDATE, 0,
            -EBUSY);
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
        sentinel_steps(m);
        zero_steps(m);
        more_sentinel_steps(m);
        late_steps(m);
    }
    return finish(show_digest);
}
