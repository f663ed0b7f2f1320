/* secret_r72_rules: the attack target of red-team round seventy-two (return.name_too_long
 * after an mprotect() or pkey_mprotect() that failed, or that named its range through a
 * tagged pointer).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success; a step expecting a success indexes 0 for
 * it, 1 for an error.  Where the call before the open does not answer as Linux, the step
 * indexes 1 and makes no open.
 *
 * The program makes a memfd M.  N is "///.../proc/self/fd/<M>" with no NUL ending at the
 * end of a page P1 whose next page P2 the program made PROT_NONE first:
 *  P_BADPROT     mprotect(P2, PROT_READ|PROT_WRITE|0x100): -EINVAL (arch_validate_prot(),
 *                before any area is looked at), openat(N): -EFAULT (P2 still PROT_NONE).
 *  P_HOLESTART   P0 (the page before P1) unmapped, mprotect(P0, 3 pages, read-write):
 *                -ENOMEM (do_mprotect_pkey(): the first area starts past start, nothing
 *                changed), openat(N): -EFAULT.
 *  P_WRAPLEN     mprotect(P2, -4096, read-write): -ENOMEM (end <= start), openat(N):
 *                -EFAULT.
 *  P_PKEYBAD     pkey_mprotect(P2, read-write, 5): -EINVAL (mm_pkey_is_allocated():
 *                no pkey_alloc()), openat(N): -EFAULT.
 *  P_GROWSUP     mprotect(P2, read-write|PROT_GROWSUP): -EINVAL (no VM_GROWSUP on arm64),
 *                openat(N): -EFAULT.
 *  P_GROWSDOWN   mprotect(P2, read-write|PROT_GROWSDOWN): -EINVAL (P2's area has no
 *                VM_GROWSDOWN), openat(N): -EFAULT.
 *  P_PKEYZERO    pkey_mprotect(P2, PROT_NONE, 0) on a fresh P2: 0 (key 0 is always
 *                allocated: as mprotect()), openat(N): -EFAULT.
 *  P_TAGNONE     mprotect(P2 with top byte 0x01, PROT_NONE) on a fresh P2: 0
 *                (do_mprotect_pkey(): untagged_addr()), openat(N): -EFAULT.
 *  P_TAGOPEN     mprotect(P2 with top byte 0x01, read-write) after PROT_NONE: 0, P2 a
 *                zero page again: openat(N) opens M (0).
 *  P_PARTOPEN    the page after P2 unmapped, mprotect(P2, 2 pages, read-write): -ENOMEM
 *                after P2 was changed (mprotect_fixup() area by area): openat(N) opens M.
 *  P_TAGUNMAP   munmap(P2 with top byte 0x01) after PROT_NONE: 0 (untagged_addr()), then
 *                mmap(P2, read-write, MAP_FIXED_NOREPLACE): P2, a zero page: opens M (0).
 *  P_TAGMREMAP   mremap(P2 with top byte 0x01, MREMAP_MAYMOVE|MREMAP_FIXED, Q) after
 *                PROT_NONE (untagged_addr() of the old address): Q, then P2 mapped again
 *                read-write with MAP_FIXED_NOREPLACE: opens M (0).
 *  P_TAGMOVED    mremap(R with top byte 0x01, MREMAP_MAYMOVE|MREMAP_FIXED, P2), R a
 *                PROT_NONE page: P2 (move_vma() keeps PROT_NONE), openat(N): -EFAULT.
 *  P_STATXBADFD statx(-1, NULL, AT_EMPTY_PATH, STATX_BASIC_STATS): -EFAULT (6.11:
 *                vfs_empty_path() is false for dfd < 0, getname_flags() copies NULL) or
 *                -EBADF (getname_maybe_null(), then the lookup at dfd -1): index 0 for
 *                either.
 *  P_FSTATBADFD  newfstatat(-1, NULL, buf, AT_EMPTY_PATH): likewise.  (Their markers'
 *                second value is the address of "".)
 *  P_UTIMEBADFD  utimensat(-1, NULL, NULL, 0): -EBADF (do_utimes_fd(): no file -1).
 *  P_TAGHOLE     munmap(P2 with top byte 0x01) of a read-write P2: 0 (untagged_addr()),
 *                mincore(P2): -ENOMEM (a hole), then openat(N): -EFAULT.  (Where mincore()
 *                answers otherwise: index 1, no open.)
 *  P_TAGZAP      madvise(P with top byte 0x01, MADV_DONTNEED) of a private anonymous page
 *                P written "zap": 0 (untagged_addr()), P reads as zeros again (0; 1 where
 *                the madvise() fails or P keeps its bytes).
 *  P_STATXSYNC   statx(M, NULL, AT_EMPTY_PATH|AT_STATX_FORCE_SYNC|AT_STATX_DONT_SYNC):
 *                -EINVAL (do_statx_fd(): both sync types) or -EFAULT (before 6.11):
 *                index 0 for either.
 *  P_FSTATFLAGS  newfstatat(M, NULL, buf, AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW): 0 from 6.12
 *                (vfs_fstatat(): getname_maybe_null() gives NULL, vfs_fstat(M)), -EFAULT
 *                on 6.11 (vfs_empty_path() only for flags AT_EMPTY_PATH alone): index 0
 *                for a success, 1 for an error.  (Markers' second value: the address of
 *                "".)
 *  P_TAGGROW     the page after P2 unmapped, mremap(P2 with top byte 0x01, 4096, 8192, 0):
 *                P2 (grown in place: the old address untagged), the new page written and
 *                read back (0; 1 where the mremap() answers otherwise).
 *  P_UTIMEOMIT   utimensat(-1, NULL, {UTIME_OMIT, UTIME_OMIT}, 0x8000): 0 (SYSCALL_DEFINE4(
 *                utimensat): both UTIME_OMIT answer 0 before the descriptor, the name or
 *                the flags are looked at): index 0 for 0, 1 otherwise.
 *  P_ACCESFIRST  P0 a MAP_SHARED PROT_READ view of M opened read-only, mprotect(P0, 3
 *                pages, read-write): -EACCES at the first area (do_mprotect_pkey(): a
 *                shared view of a file not opened for writing), nothing changed,
 *                openat(N): -EFAULT.
 *  P_MOVEBADFD   move_mount(-1, NULL, AT_FDCWD, "/tmp", MOVE_MOUNT_F_EMPTY_PATH): -EPERM
 *                (may_mount()), -EFAULT (before 6.15: user_path_at() copies NULL) or
 *                -EBADF (6.15 on: NULL is the descriptor only where dfd >= 0): index 0
 *                for any of them.
 * (A marker's first value is M, its second P2, its third Q or R.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r72.py.  Only the digest of the secret is ever printed.
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
#define P_BADPROT 9100
#define P_HOLESTART 9102
#define P_WRAPLEN 9104
#define P_PKEYBAD 9106
#define P_GROWSUP 9108
#define P_GROWSDOWN 9110
#define P_PKEYZERO 9112
#define P_TAGNONE 9114
#define P_TAGOPEN 9116
#define P_PARTOPEN 9118
#define P_TAGUNMAP 9120
#define P_TAGMREMAP 9122
#define P_TAGMOVED 9124
#define P_STATXBADFD 9126
#define P_FSTATBADFD 9128
#define P_UTIMEBADFD 9130
#define P_TAGHOLE 9132
#define P_TAGZAP 9134
#define P_STATXSYNC 9136
#define P_FSTATFLAGS 9138
#define P_TAGGROW 9140
#define P_UTIMEOMIT 9142
#define P_ACCESFIRST 9144
#define P_MOVEBADFD 9146

#define RW (PROT_READ | PROT_WRITE)
#define TAG (1l << 56)
#define FIXED_NOREPLACE 0x100000

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r72"
#include "secret_rules_kit.h"

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

static void fail_steps(long m)
{
    long b = three_pages();
    char *name = none_after(b, m);
    marker(P_BADPROT, m, b + 2 * PAGE, 0, 0);
    then_fault(P_BADPROT, name, name ? sc(SYS_mprotect, b + 2 * PAGE, PAGE, RW | 0x100, 0) : 0,
               -EINVAL);
    b = three_pages();
    name = none_after(b, m);
    if (name && sc(SYS_munmap, b, PAGE, 0, 0) != 0)
        name = 0;
    marker(P_HOLESTART, m, b + 2 * PAGE, 0, 0);
    then_fault(P_HOLESTART, name, name ? sc(SYS_mprotect, b, 3 * PAGE, RW, 0) : 0, -ENOMEM);
    b = three_pages();
    name = none_after(b, m);
    marker(P_WRAPLEN, m, b + 2 * PAGE, 0, 0);
    then_fault(P_WRAPLEN, name, name ? sc(SYS_mprotect, b + 2 * PAGE, -PAGE, RW, 0) : 0,
               -ENOMEM);
    b = sys6(SYS_mmap, 0, 4 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    name = none_after(mapped_ok(b) ? b : 0, m);
    if (name && sc(SYS_munmap, b + 3 * PAGE, PAGE, 0, 0) != 0)
        name = 0;
    marker(P_PARTOPEN, m, b + 2 * PAGE, 0, 0);
    if (name && sc(SYS_mprotect, b + 2 * PAGE, 2 * PAGE, RW, 0) == -ENOMEM)
        log_label(P_PARTOPEN, ok_index(sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0)));
    else
        log_label(P_PARTOPEN, 1);
}

static void acces_first(long m)
{
    char ro[24] = "/proc/self/fd/";
    fd_name(ro + 14, m);
    long fd = sc(SYS_openat, AT_FDCWD, (long)ro, O_RDONLY, 0);
    long b = three_pages();
    char *name = 0;
    if (fd >= 0 && b && sys6(SYS_mmap, b, PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == b)
        name = none_after(b, m);
    marker(P_ACCESFIRST, m, b + 2 * PAGE, 0, 0);
    then_fault(P_ACCESFIRST, name, name ? sc(SYS_mprotect, b, 3 * PAGE, RW, 0) : 0, -EACCES);
    if (fd >= 0)
        sc(SYS_close, fd, 0, 0, 0);
}

static void grow_steps(long m)
{
    long b = three_pages();
    char *name = none_after(b, m);
    marker(P_GROWSUP, m, b + 2 * PAGE, 0, 0);
    then_fault(P_GROWSUP, name,
               name ? sc(SYS_mprotect, b + 2 * PAGE, PAGE, RW | PROT_GROWSUP, 0) : 0, -EINVAL);
    b = three_pages();
    name = none_after(b, m);
    marker(P_GROWSDOWN, m, b + 2 * PAGE, 0, 0);
    then_fault(P_GROWSDOWN, name,
               name ? sc(SYS_mprotect, b + 2 * PAGE, PAGE, RW | PROT_GROWSDOWN, 0) : 0,
               -EINVAL);
}

static void key_steps(long m)
{
    long b = three_pages();
    char *name = none_after(b, m);
    marker(P_PKEYBAD, m, b + 2 * PAGE, 0, 0);
    then_fault(P_PKEYBAD, name,
               name ? sys6(SYS_pkey_mprotect, b + 2 * PAGE, PAGE, RW, 5, 0, 0) : 0, -EINVAL);
    b = three_pages();
    name = b ? page_name(b + PAGE, m) : 0;
    marker(P_PKEYZERO, m, b + 2 * PAGE, 0, 0);
    then_fault(P_PKEYZERO, name,
               name ? sys6(SYS_pkey_mprotect, b + 2 * PAGE, PAGE, PROT_NONE, 0, 0, 0) : 1, 0);
}

/* P2 of b left PROT_NONE and moved or unmapped through a tagged pointer, then mapped
 * again read-write: the name opens M */
static void tag_gone(int phase, long b, char *name, long r, long want)
{
    if (name && r == want &&
            sys6(SYS_mmap, b + 2 * PAGE, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | FIXED_NOREPLACE,
                 -1, 0) == b + 2 * PAGE)
        log_label(phase, ok_index(sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0)));
    else
        log_label(phase, 1);
}

static void tag_moves(long m)
{
    long b = three_pages();
    char *name = none_after(b, m);
    marker(P_TAGUNMAP, m, b + 2 * PAGE, 0, 0);
    tag_gone(P_TAGUNMAP, b, name, name ? sc(SYS_munmap, (b + 2 * PAGE) | TAG, PAGE, 0, 0) : 1,
             0);
    b = three_pages();
    name = none_after(b, m);
    long q = three_pages();
    marker(P_TAGMREMAP, m, b + 2 * PAGE, q, 0);
    tag_gone(P_TAGMREMAP, b, name,
             name && q ? sys6(SYS_mremap, (b + 2 * PAGE) | TAG, PAGE, PAGE,
                              MREMAP_MAYMOVE | MREMAP_FIXED, q, 0) : 1, q);
    b = three_pages();
    name = b ? page_name(b + PAGE, m) : 0;
    long x = sys6(SYS_mmap, 0, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    marker(P_TAGMOVED, m, b + 2 * PAGE, x, 0);
    then_fault(P_TAGMOVED, mapped_ok(x) ? name : 0,
               name ? sys6(SYS_mremap, x | TAG, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
                           b + 2 * PAGE, 0) : 1, b + 2 * PAGE);
}

static uint8_t statbuf[512] __attribute__((aligned(16)));

static long bad_index(long r)
{
    return r == -EFAULT || r == -EBADF ? 0 : r < 0 ? 1 : -4;
}

static const char empty_name[8];

static void badfd_steps(long m)
{
    marker(P_STATXBADFD, m, (long)empty_name, 0, 0);
    log_label(P_STATXBADFD, bad_index(sys6(SYS_statx, -1, 0, AT_EMPTY_PATH, 0x7ff,
                                           (long)statbuf, 0)));
    marker(P_FSTATBADFD, m, (long)empty_name, 0, 0);
    log_label(P_FSTATBADFD, bad_index(sc(SYS_newfstatat, -1, 0, (long)statbuf,
                                         AT_EMPTY_PATH)));
    marker(P_STATXSYNC, m, (long)empty_name, 0, 0);
    long r = sys6(SYS_statx, m, 0, AT_EMPTY_PATH | 0x6000, 0x7ff, (long)statbuf, 0);
    log_label(P_STATXSYNC, r == -EINVAL || r == -EFAULT ? 0 : r < 0 ? 1 : -4);
    marker(P_FSTATFLAGS, m, (long)empty_name, 0, 0);
    r = sc(SYS_newfstatat, m, 0, (long)statbuf, AT_EMPTY_PATH | 0x100);
    log_label(P_FSTATFLAGS, r == 0 ? 0 : 1);
    static struct { long s, ns; } omit[2] = {{0, (1l << 30) - 2}, {0, (1l << 30) - 2}};
    marker(P_UTIMEOMIT, m, 0, 0, 0);
    r = sc(SYS_utimensat, -1, 0, (long)omit, 0x8000);
    log_label(P_UTIMEOMIT, r == 0 ? 0 : 1);
    marker(P_MOVEBADFD, m, 0, 0, 0);
    r = sys6(SYS_move_mount, -1, 0, AT_FDCWD, (long)"/tmp", 4, 0);
    log_label(P_MOVEBADFD, r == -EPERM ? 0 : bad_index(r));
    marker(P_UTIMEBADFD, m, 0, 0, 0);
    log_label(P_UTIMEBADFD, err_index(sc(SYS_utimensat, -1, 0, 0, 0), -EBADF));
}

static void tag_hole(long m)
{
    static unsigned char vec[4];
    long b = three_pages();
    char *name = b ? page_name(b + PAGE, m) : 0;
    marker(P_TAGHOLE, m, b + 2 * PAGE, 0, 0);
    long r = name ? sc(SYS_munmap, (b + 2 * PAGE) | TAG, PAGE, 0, 0) : 1;
    if (r == 0)
        r = sc(SYS_mincore, b + 2 * PAGE, PAGE, (long)vec, 0);
    then_fault(P_TAGHOLE, name, r, -ENOMEM);
}

static void tag_zap(long m)
{
    long b = three_pages();
    marker(P_TAGZAP, m, b + 2 * PAGE, 0, 0);
    if (!b) {
        log_label(P_TAGZAP, 1);
        return;
    }
    volatile char *p = (volatile char *)(b + 2 * PAGE);
    p[0] = 'z', p[1] = 'a', p[2] = 'p';
    long r = sc(SYS_madvise, (b + 2 * PAGE) | TAG, PAGE, MADV_DONTNEED, 0);
    log_label(P_TAGZAP, r == 0 && p[0] == 0 && p[1] == 0 ? 0 : 1);
}

static void tag_grow(long m)
{
    long b = three_pages();
    long p2 = b + PAGE;
    marker(P_TAGGROW, m, p2, 0, 0);
    if (!b || sc(SYS_munmap, b + 2 * PAGE, PAGE, 0, 0) != 0 ||
            sys6(SYS_mremap, p2 | TAG, PAGE, 2 * PAGE, 0, 0, 0) != p2) {
        log_label(P_TAGGROW, 1);
        return;
    }
    volatile char *q = (volatile char *)(p2 + PAGE);
    q[0] = 'g';
    log_label(P_TAGGROW, q[0] == 'g' ? 0 : 1);
}

static void tag_steps(long m)
{
    long b = three_pages();
    char *name = b ? page_name(b + PAGE, m) : 0;
    marker(P_TAGNONE, m, b + 2 * PAGE, 0, 0);
    then_fault(P_TAGNONE, name,
               name ? sc(SYS_mprotect, (b + 2 * PAGE) | TAG, PAGE, PROT_NONE, 0) : 1, 0);
    b = three_pages();
    name = none_after(b, m);
    marker(P_TAGOPEN, m, b + 2 * PAGE, 0, 0);
    if (name && sc(SYS_mprotect, (b + 2 * PAGE) | TAG, PAGE, RW, 0) == 0)
        log_label(P_TAGOPEN, ok_index(sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0)));
    else
        log_label(P_TAGOPEN, 1);
}

static uint8_t *g_heap, *g_mapped;
static volatile uint8_t *g_stack;
static int show_digest;

/* The program's last check: its three copies of the secret intact; the digest with -d. */
static int finish(void)
{
    uint8_t digest[32];
    char hex[80];
    uint8_t *heap = g_heap;
    int bad = memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
              memcmp(g_mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
    for (int i = 0; i < SECRET_LEN; i++)
        bad |= g_stack[16 + i] != ((uint8_t *)secret)[i];
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

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
    volatile uint8_t stackbuf[64];

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
    g_heap = heap;
    g_mapped = (uint8_t *)mapped;
    g_stack = stackbuf;

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);

    sc(SYS_gettid, 0, 0, 0, 0);
    long m = memfd_of('l', 10, 0);
    if (m >= 0) {
        fail_steps(m);
        grow_steps(m);
        acces_first(m);
        key_steps(m);
        tag_steps(m);
        tag_moves(m);
        badfd_steps(m);
        tag_hole(m);
        tag_zap(m);
        tag_grow(m);
    }
    return finish();
}
