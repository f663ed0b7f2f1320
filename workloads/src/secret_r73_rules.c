/* secret_r73_rules: the attack target of red-team round seventy-three (mprotect() with
 * the bits arch_validate_prot() refuses on a CPU without MTE and BTI, forged successes of
 * memory calls Linux refuses before any area, and the memory calls through tagged
 * pointers).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 * The program makes a memfd M.  N is "///.../proc/self/fd/<M>" with no NUL ending at the
 * end of a page P1 whose next page P2 the program made PROT_NONE first:
 *  P_MTEBIT      mprotect(P2, read-write|PROT_MTE): -EINVAL (arch_validate_prot(): no MTE
 *                on the CPU), openat(N): -EFAULT (P2 still PROT_NONE).
 *  P_BTIBIT      mprotect(P2, read-write|PROT_BTI): likewise (no BTI).
 *  P_WIDEBIT     mprotect(P2, read-write|1 << 32): -EINVAL (prot is an unsigned long),
 *                openat(N): -EFAULT.
 *  P_BADOK .. P_WIDEOK  on a read-write page P: mprotect() with bit 0x100 (-EINVAL), with
 *                both PROT_GROWSUP and PROT_GROWSDOWN (-EINVAL), of P + 8 (-EINVAL), of
 *                length -4096 (-ENOMEM), pkey_mprotect() with key 5 (-EINVAL),
 *                mprotect(P with bit 55 set) (-ENOMEM: untagged_addr() keeps a bit-55
 *                address, no area), munmap(P with bit 55 set) (-EINVAL: past
 *                TASK_SIZE), madvise(P with bit 55 set, MADV_DONTNEED) (-ENOMEM),
 *                mprotect(P, read-write|1 << 32) (-EINVAL): index 0 for Linux's error.
 *  P_PKEYMTE, P_PKEYWIDE  as P_MTEBIT and P_WIDEBIT through pkey_mprotect(P2, ..., 0):
 *                key 0 is always allocated, do_mprotect_pkey() is mprotect() there.
 *  P_PKEYBADOK .. P_HIGHMINCORE  on a read-write page P: pkey_mprotect(P, read-write|0x100,
 *                0) (-EINVAL), munmap(P + 8) (-EINVAL), mlock(), msync(MS_SYNC) and
 *                mincore() of P with bit 55 set (-ENOMEM each: untagged_addr() keeps it
 *                past TASK_SIZE): index 0 for Linux's error.
 *  P_GROWSDOWNOPEN  P2, P3 a MAP_GROWSDOWN area mapped PROT_NONE after P1:
 *                mprotect(P3, read-write|PROT_GROWSDOWN): 0, the area changed from its
 *                start (do_mprotect_pkey(): start = vma->vm_start), P2 a zero page:
 *                openat(N) opens M (0).
 *  P_GROWSDOWNNONE  P2, P3 a read-write MAP_GROWSDOWN area after P1:
 *                mprotect(P3, PROT_NONE|PROT_GROWSDOWN): 0, P2 PROT_NONE too: openat(N):
 *                -EFAULT.
 *  P_VECNOABI   mincore(P, 4096, vec with top byte 0x01): -EFAULT (copy_to_user():
 *                access_ok() refuses a tagged pointer without the tagged address ABI).
 *  P_VECABI     the same under PR_SET_TAGGED_ADDR_CTRL(PR_TAGGED_ADDR_ENABLE): 0, the
 *                vector's byte 1 (0; 1 otherwise); the ABI turned off again after.
 *  P_BADCLOSE .. P_BADFSETXATTR  close(), fcntl(F_GETFD), lseek(), fsync(), ftruncate(), dup(),
 *                fchmod(), flock(LOCK_SH), fchown(), fchdir(), fdatasync(), fadvise64(),
 *                syncfs(), fallocate(), getdents64(), write(), readahead(), fremovexattr(),
 *                fgetxattr() and flistxattr() of size 0, sync_file_range(),
 *                ioctl(FIONCLEX), shutdown(), listen(), inotify_add_watch() and
 *                fsetxattr() of descriptor -1: -EBADF each (index 0).
 *  P_ABSOPEN, P_ABSSTAT, P_ABSACCESS  openat(), newfstatat() and faccessat() of
 *                "/dev/null" with dfd -5: 0 each (an absolute name never looks at dfd).
 *  P_RELBADFD   openat(-5, "dev/null"): -EBADF (path_init(): a relative name at a
 *                negative dfd other than AT_FDCWD, fdget() finds no file).
 *  P_SEMOPEN     mprotect(P2, read-write|PROT_SEM) after PROT_NONE: 0 (PROT_SEM is valid
 *                on arm64), P2 a zero page again: openat(N) opens M (0).
 *  P_TAGMINCORE, P_TAGMSYNC, P_TAGMLOCK  mincore(), msync(MS_SYNC), mlock2() and
 *                munlock() of P with top byte 0x01: 0 each (untagged_addr()).
 * (A marker's first value is M, its second P2 or P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r73.py.  Only the digest of the secret is ever printed.
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
#define P_MTEBIT 9400
#define P_BTIBIT 9402
#define P_BADOK 9404
#define P_GROWSOK 9406
#define P_UNALIGNOK 9408
#define P_WRAPOK 9410
#define P_PKEYOK 9412
#define P_HIGHTAGOK 9414
#define P_HIGHUNMAP 9416
#define P_HIGHADVISE 9418
#define P_WIDEBIT 9420
#define P_WIDEOK 9422
#define P_SEMOPEN 9424
#define P_TAGMINCORE 9426
#define P_TAGMSYNC 9428
#define P_TAGMLOCK 9430
#define P_PKEYMTE 9432
#define P_PKEYWIDE 9434
#define P_PKEYBADOK 9436
#define P_UNALIGNUNMAP 9438
#define P_HIGHMLOCK 9440
#define P_HIGHMSYNC 9442
#define P_HIGHMINCORE 9444
#define P_GROWSDOWNOPEN 9446
#define P_GROWSDOWNNONE 9448
#define P_VECNOABI 9450
#define P_VECABI 9452
#define P_BADCLOSE 9454
#define P_BADFCNTL 9456
#define P_BADLSEEK 9458
#define P_BADFSYNC 9460
#define P_BADFTRUNC 9462
#define P_BADDUP 9464
#define P_BADFCHMOD 9466
#define P_BADFLOCK 9468
#define P_BADFCHOWN 9470
#define P_BADFCHDIR 9472
#define P_BADFDATASYNC 9474
#define P_BADFADVISE 9476
#define P_BADSYNCFS 9478
#define P_BADFALLOC 9480
#define P_BADGETDENTS 9482
#define P_BADWRITE 9484
#define P_BADREADAHEAD 9486
#define P_BADFREMOVEXATTR 9488
#define P_BADFGETXATTR 9490
#define P_BADFLISTXATTR 9492
#define P_BADSYNCRANGE 9494
#define P_BADIOCTL 9496
#define P_BADSHUTDOWN 9498
#define P_BADLISTEN 9500
#define P_BADINOTIFY 9502
#define P_BADFSETXATTR 9504
#define P_ABSOPEN 9506
#define P_ABSSTAT 9508
#define P_ABSACCESS 9510
#define P_RELBADFD 9512

#define RW (PROT_READ | PROT_WRITE)
#define TAG (1l << 56)
#define FIXED_NOREPLACE 0x100000

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r73"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"

/* "///.../proc/self/fd/<m>" with no NUL ending at the end of the page at pg */
static char *page_name(long pg, long m)
{
    char tail[24] = "/proc/self/fd/";
    char *e = fd_name(tail + 14, m);
    long n = e - tail;
    memset((char *)pg, '/', PAGE);
    memcpy((char *)pg + PAGE - n, tail, (size_t)n);
    return (char *)pg + PAGE - 200;
}

/* three read-write pages: P0, P1, P2 = base + PAGE, base + 2 * PAGE */
static long three_pages(void)
{
    long b = sys6(SYS_mmap, 0, 3 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return mapped_ok(b) ? b : 0;
}

/* N written in P1 = b + PAGE, P2 made PROT_NONE; 0 where that failed */
static char *none_after(long b, long m)
{
    if (!b)
        return 0;
    char *name = page_name(b + PAGE, m);
    return sc(SYS_mprotect, b + 2 * PAGE, PAGE, PROT_NONE, 0) == 0 ? name : 0;
}

/* the call before the open answered r (Linux: want): then openat(N) wants -EFAULT */
static void then_fault(int phase, char *name, long r, long want)
{
    if (!name || r != want) {
        log_label(phase, 1);
        return;
    }
    log_label(phase, open_index(sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0), -EFAULT));
}


/* P2 PROT_NONE, then mprotect(P2, read-write | bit): -EINVAL before any area on a CPU
 * without MTE and BTI (arch_validate_prot()), openat(N): -EFAULT */
static void bit_step(int phase, long m, long bit)
{
    long b = three_pages();
    char *name = none_after(b, m);
    marker(phase, m, b + 2 * PAGE, 0, 0);
    then_fault(phase, name, name ? sc(SYS_mprotect, b + 2 * PAGE, PAGE, RW | bit, 0) : 0,
               -EINVAL);
}

/* a call Linux refuses with `want`: a success indexes -4 */
static void refused(int phase, long m, long p, long nr, long a0, long a1, long a2, long a3,
                    long want)
{
    marker(phase, m, p, 0, 0);
    log_label(phase, p ? err_index(sys6(nr, a0, a1, a2, a3, 0, 0), want) : 1);
}

#define HIGH (1l << 55)
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif

static void refused_steps(long m)
{
    long b = three_pages();
    long p = b + 2 * PAGE;
    refused(P_BADOK, m, p, SYS_mprotect, p, PAGE, RW | 0x100, 0, -EINVAL);
    refused(P_GROWSOK, m, p, SYS_mprotect, p, PAGE, RW | PROT_GROWSUP | PROT_GROWSDOWN, 0,
            -EINVAL);
    refused(P_UNALIGNOK, m, p, SYS_mprotect, p + 8, PAGE, RW, 0, -EINVAL);
    refused(P_WRAPOK, m, p, SYS_mprotect, p, -PAGE, RW, 0, -ENOMEM);
    refused(P_PKEYOK, m, p, SYS_pkey_mprotect, p, PAGE, RW, 5, -EINVAL);
    refused(P_HIGHTAGOK, m, p, SYS_mprotect, p | HIGH, PAGE, RW, 0, -ENOMEM);
    refused(P_HIGHUNMAP, m, p, SYS_munmap, p | HIGH, PAGE, 0, 0, -EINVAL);
    refused(P_HIGHADVISE, m, p, SYS_madvise, p | HIGH, PAGE, MADV_DONTNEED, 0, -ENOMEM);
    refused(P_WIDEOK, m, p, SYS_mprotect, p, PAGE, RW | (1l << 32), 0, -EINVAL);
}

/* as bit_step, through pkey_mprotect() with key 0 (always allocated: mprotect()) */
static void pkey_bit_step(int phase, long m, long bit)
{
    long b = three_pages();
    char *name = none_after(b, m);
    marker(phase, m, b + 2 * PAGE, 0, 0);
    then_fault(phase, name,
               name ? sys6(SYS_pkey_mprotect, b + 2 * PAGE, PAGE, RW | bit, 0, 0, 0) : 0,
               -EINVAL);
}

static void more_refused(long m)
{
    static unsigned char vec[4];
    long b = three_pages();
    long p = b + 2 * PAGE;
    refused(P_PKEYBADOK, m, p, SYS_pkey_mprotect, p, PAGE, RW | 0x100, 0, -EINVAL);
    refused(P_UNALIGNUNMAP, m, p, SYS_munmap, p + 8, PAGE, 0, 0, -EINVAL);
    refused(P_HIGHMLOCK, m, p, SYS_mlock, p | HIGH, PAGE, 0, 0, -ENOMEM);
    refused(P_HIGHMSYNC, m, p, SYS_msync, p | HIGH, PAGE, MS_SYNC, 0, -ENOMEM);
    refused(P_HIGHMINCORE, m, p, SYS_mincore, p | HIGH, PAGE, (long)vec, 0, -ENOMEM);
}

/* P2, P3 a MAP_GROWSDOWN area made PROT_NONE after P1 (the name's page):
 * mprotect(P3, read-write|PROT_GROWSDOWN) changes the area from its start (P2):
 * openat(N) opens M (0; 1 where a call fails or the open does) */
static void growsdown_open(long m)
{
    long b = sys6(SYS_mmap, 0, 4 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *name = mapped_ok(b) ? page_name(b + PAGE, m) : 0;
    if (name && sys6(SYS_mmap, b + 2 * PAGE, 2 * PAGE, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, -1, 0) !=
            b + 2 * PAGE)
        name = 0;
    marker(P_GROWSDOWNOPEN, m, b + 2 * PAGE, b + 3 * PAGE, 0);
    if (name && sc(SYS_mprotect, b + 3 * PAGE, PAGE, RW | PROT_GROWSDOWN, 0) == 0)
        log_label(P_GROWSDOWNOPEN, ok_index(sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0)));
    else
        log_label(P_GROWSDOWNOPEN, 1);
}

/* P2, P3 a read-write MAP_GROWSDOWN area after P1: mprotect(P3, PROT_NONE|PROT_GROWSDOWN)
 * makes P2 PROT_NONE too: openat(N): -EFAULT */
static void growsdown_none(long m)
{
    long b = sys6(SYS_mmap, 0, 4 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *name = mapped_ok(b) ? page_name(b + PAGE, m) : 0;
    if (name && sys6(SYS_mmap, b + 2 * PAGE, 2 * PAGE, RW,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, -1, 0) !=
            b + 2 * PAGE)
        name = 0;
    marker(P_GROWSDOWNNONE, m, b + 2 * PAGE, b + 3 * PAGE, 0);
    then_fault(P_GROWSDOWNNONE, name,
               name ? sc(SYS_mprotect, b + 3 * PAGE, PAGE, PROT_NONE | PROT_GROWSDOWN, 0) : 1,
               0);
}

/* mincore(P, 4096, vec with top byte 0x01) of a mapped page: -EFAULT without the tagged
 * address ABI (copy_to_user(): access_ok() untags only under TIF_TAGGED_ADDR), 0 with it
 * and the vector's byte written (bit 0 set: P is resident) */
static void tagged_vec(long m)
{
    static unsigned char vec[8];
    long b = three_pages();
    long p = b + 2 * PAGE;
    if (b)
        *(volatile char *)p = 1;
    marker(P_VECNOABI, m, p, 0, 0);
    log_label(P_VECNOABI, b ? err_index(sc(SYS_mincore, p, PAGE, (long)vec | TAG, 0), -EFAULT)
                            : 1);
    vec[0] = 0x80;
    marker(P_VECABI, m, p, 0, 0);
    long on = sc(SYS_prctl, 55, 1, 0, 0);
    log_label(P_VECABI, b && on == 0 && sc(SYS_mincore, p, PAGE, (long)vec | TAG, 0) == 0 &&
                        vec[0] == 1 ? 0 : 1);
    if (on == 0)
        sc(SYS_prctl, 55, 0, 0, 0);
}

/* calls on descriptor -1: -EBADF each (fdget() finds no file) */
static void badfd_calls(long m)
{
    refused(P_BADCLOSE, m, 1, SYS_close, -1, 0, 0, 0, -EBADF);
    refused(P_BADFCNTL, m, 1, SYS_fcntl, -1, F_GETFD, 0, 0, -EBADF);
    refused(P_BADLSEEK, m, 1, SYS_lseek, -1, 0, SEEK_SET, 0, -EBADF);
    refused(P_BADFSYNC, m, 1, SYS_fsync, -1, 0, 0, 0, -EBADF);
    refused(P_BADFTRUNC, m, 1, SYS_ftruncate, -1, 0, 0, 0, -EBADF);
    refused(P_BADDUP, m, 1, SYS_dup, -1, 0, 0, 0, -EBADF);
    refused(P_BADFCHMOD, m, 1, SYS_fchmod, -1, 0600, 0, 0, -EBADF);
    refused(P_BADFLOCK, m, 1, SYS_flock, -1, 1, 0, 0, -EBADF);
    refused(P_BADFCHOWN, m, 1, SYS_fchown, -1, -1, -1, 0, -EBADF);
    refused(P_BADFCHDIR, m, 1, SYS_fchdir, -1, 0, 0, 0, -EBADF);
    refused(P_BADFDATASYNC, m, 1, SYS_fdatasync, -1, 0, 0, 0, -EBADF);
    refused(P_BADFADVISE, m, 1, SYS_fadvise64, -1, 0, 0, 0, -EBADF);
    refused(P_BADSYNCFS, m, 1, SYS_syncfs, -1, 0, 0, 0, -EBADF);
    refused(P_BADFALLOC, m, 1, SYS_fallocate, -1, 0, 0, PAGE, -EBADF);
    refused(P_BADGETDENTS, m, 1, SYS_getdents64, -1, (long)wbuf, 512, 0, -EBADF);
    refused(P_BADWRITE, m, 1, SYS_write, -1, (long)"pub", 3, 0, -EBADF);
    refused(P_BADREADAHEAD, m, 1, SYS_readahead, -1, 0, PAGE, 0, -EBADF);
    refused(P_BADFREMOVEXATTR, m, 1, SYS_fremovexattr, -1, (long)"user.x", 0, 0, -EBADF);
    refused(P_BADFGETXATTR, m, 1, SYS_fgetxattr, -1, (long)"user.x", (long)wbuf, 0, -EBADF);
    refused(P_BADFLISTXATTR, m, 1, SYS_flistxattr, -1, (long)wbuf, 0, 0, -EBADF);
    refused(P_BADSYNCRANGE, m, 1, SYS_sync_file_range, -1, 0, 0, 0, -EBADF);
    refused(P_BADIOCTL, m, 1, SYS_ioctl, -1, 0x5450 /* FIONCLEX */, 0, 0, -EBADF);
    refused(P_BADSHUTDOWN, m, 1, SYS_shutdown, -1, 2, 0, 0, -EBADF);
    refused(P_BADLISTEN, m, 1, SYS_listen, -1, 1, 0, 0, -EBADF);
    refused(P_BADINOTIFY, m, 1, SYS_inotify_add_watch, -1, (long)"/tmp", 0x100, 0, -EBADF);
    refused(P_BADFSETXATTR, m, 1, SYS_fsetxattr, -1, (long)"user.x", (long)"v", 1, -EBADF);
}

/* an absolute name with a negative dfd other than AT_FDCWD: the dfd is never looked at
 * (path_init(): a name starting with '/' starts at the root): 0 each */
static void absolute_names(long m)
{
    marker(P_ABSOPEN, m, 0, 0, 0);
    log_label(P_ABSOPEN, ok_index(sc(SYS_openat, -5, (long)"/dev/null", O_RDONLY, 0)));
    marker(P_ABSSTAT, m, 0, 0, 0);
    log_label(P_ABSSTAT, sc(SYS_newfstatat, -5, (long)"/dev/null", (long)wbuf, 0) == 0 ? 0 : 1);
    marker(P_ABSACCESS, m, 0, 0, 0);
    log_label(P_ABSACCESS, sc(SYS_faccessat, -5, (long)"/dev/null", R_OK, 0) == 0 ? 0 : 1);
    marker(P_RELBADFD, m, 0, 0, 0);
    log_label(P_RELBADFD, open_index(sc(SYS_openat, -5, (long)"dev/null", O_RDONLY, 0), -EBADF));
}

static void wide_step(long m)
{
    bit_step(P_WIDEBIT, m, 1l << 32);
}

/* PROT_SEM is valid on arm64: mprotect(P2, read-write | PROT_SEM) after PROT_NONE: 0, P2
 * a zero page again: openat(N) opens M */
static void sem_open(long m)
{
    long b = three_pages();
    char *name = none_after(b, m);
    marker(P_SEMOPEN, m, b + 2 * PAGE, 0, 0);
    if (name && sc(SYS_mprotect, b + 2 * PAGE, PAGE, RW | PROT_SEM, 0) == 0)
        log_label(P_SEMOPEN, ok_index(sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0)));
    else
        log_label(P_SEMOPEN, 1);
}

/* the other memory calls through a pointer with top byte 0x01 on a mapped page: 0 */
static void tag_others(long m)
{
    static unsigned char vec[4];
    long b = three_pages();
    long p = b + 2 * PAGE;
    marker(P_TAGMINCORE, m, p, 0, 0);
    log_label(P_TAGMINCORE, b && sc(SYS_mincore, p | TAG, PAGE, (long)vec, 0) == 0 ? 0 : 1);
    marker(P_TAGMSYNC, m, p, 0, 0);
    log_label(P_TAGMSYNC, b && sc(SYS_msync, p | TAG, PAGE, MS_SYNC, 0) == 0 ? 0 : 1);
    marker(P_TAGMLOCK, m, p, 0, 0);
    long r = b ? sc(SYS_mlock2, p | TAG, PAGE, 0, 0) : 1;
    if (r == 0)
        r = sc(SYS_munlock, p | TAG, PAGE, 0, 0);
    log_label(P_TAGMLOCK, r == 0 ? 0 : 1);
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
    if (m >= 0) {
        bit_step(P_MTEBIT, m, 0x20);
        bit_step(P_BTIBIT, m, 0x10);
        wide_step(m);
        refused_steps(m);
        sem_open(m);
        tag_others(m);
        pkey_bit_step(P_PKEYMTE, m, 0x20);
        pkey_bit_step(P_PKEYWIDE, m, 1l << 32);
        more_refused(m);
        growsdown_open(m);
        growsdown_none(m);
        tagged_vec(m);
        badfd_calls(m);
        absolute_names(m);
    }
    return finish(show_digest);
}
