/* The attack target of red-team round 64b: areas an mremap with MREMAP_DONTUNMAP left in
 * place, emptied.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step reads a value back after its memory
 * calls, turns it into the index of a label (0 under Linux) and writes that label to
 * /dev/null.  A value Linux could never have produced points the write back into the
 * secret's copy.  In the order they run:
 *
 *   1. An area A of 2 pages written (4), mremap()ed onto another 2-page area of its own
 *      with MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP (A stays, emptied), then munmap(A), then a load
 *      from A under a SIGSEGV handler: it faults (no vma: SEGV_MAPERR) and chooses label
 *      0; a load that completes chooses its word - 4.  The moved area still holds 4.
 *   2. An area B of 1 page written (4), mremap()ed likewise onto a page of its own, then a load
 *      from B (still an area, emptied: Linux's fault maps a zero page, 0) under a SIGSEGV
 *      handler: its word, negated, chooses the label (0; a fault chooses 0 too).
 *   3. A private page G holding 0, madvise(G, MADV_FREE), then mremap() of G onto a page
 *      of its own (MREMAP_MAYMOVE | MREMAP_FIXED), a call (its marker), then a load from
 *      the new address: 0 whether reclaim dropped the clean lazy-free page (move_ptes()
 *      keeps the pte clean) or not; its word, negated, chooses the label.
 *   4. A 2-page area H written (4), its first page unmapped, then io_setup(1) (Linux maps
 *      the aio ring as an area of its own elsewhere, aio_setup_ring()), a call (its
 *      marker), then a load from H's first page under a SIGSEGV handler: it faults (a
 *      hole: SEGV_MAPERR) and chooses label 0; a load that completes chooses its word - 4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r64b.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r64"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its read-back (x2 the log buffer, x3 its page), P_x + 1 after its
 * write (x2 the index it used). */
#define P_GONE 6700         /* x3 A, x4 the new address */
#define P_EMPTIED 6702      /* x3 B, x4 the new address */
#define P_FREED_MOVED 6704  /* x3 the new address of G, x4 G */
#define P_AIO_HOLE 6706     /* x3 H, x4 io_setup's result */
#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#include "secret_common.h"


static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static volatile long *map_pages(long pages)
{
    long p = sys6(SYS_mmap, 0, pages * PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return valid(p) ? (volatile long *)p : 0;
}

static sigjmp_buf hole_jump;

static void on_hole(int sig)
{
    (void)sig;
    siglongjmp(hole_jump, 1);
}

static long load_or_fault(volatile long *at)
{
    struct sigaction sa, old;
    long index = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_hole;
    sigaction(SIGSEGV, &sa, &old);
    if (sigsetjmp(hole_jump, 1) == 0)
        index = at[0] - 4;          /* Linux: SIGSEGV, never this */
    sigaction(SIGSEGV, &old, 0);
    return index;
}

static long load_or_zero(volatile long *at)
{
    struct sigaction sa, old;
    long value = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_hole;
    sigaction(SIGSEGV, &sa, &old);
    if (sigsetjmp(hole_jump, 1) == 0)
        value = at[0];
    sigaction(SIGSEGV, &old, 0);
    return value;
}

static void gone_step(void)
{
    volatile long *a = map_pages(2);
    if (!a)
        return;
    a[0] = 4;
    a[PAGE / 8] = 4;
    volatile long *t = map_pages(2);
    if (!t)
        return;
    long n = sys6(SYS_mremap, (long)a, 2 * PAGE, 2 * PAGE,
                  MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, (long)t, 0);
    if (!valid(n) || n == (long)a)
        return;
    sys6(SYS_munmap, (long)a, 2 * PAGE, 0, 0, 0, 0);
    marker(P_GONE, (long)logbuf, (long)a, n, 0);
    long index = load_or_fault(a);
    if (((volatile long *)n)[0] != 4)
        index = -4;
    log_label(P_GONE, index);
    sys6(SYS_munmap, n, 2 * PAGE, 0, 0, 0, 0);
}

static void emptied_step(void)
{
    volatile long *b = map_pages(1);
    if (!b)
        return;
    b[0] = 4;
    volatile long *t = map_pages(1);
    if (!t)
        return;
    long n = sys6(SYS_mremap, (long)b, PAGE, PAGE,
                  MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, (long)t, 0);
    if (!valid(n) || n == (long)b)
        return;
    marker(P_EMPTIED, (long)logbuf, (long)b, n, 0);
    long index = -load_or_zero(b);
    if (((volatile long *)n)[0] != 4)
        index = -4;
    log_label(P_EMPTIED, index);
    sys6(SYS_munmap, (long)b, PAGE, 0, 0, 0, 0);
    sys6(SYS_munmap, n, PAGE, 0, 0, 0, 0);
}

static void freed_moved_step(void)
{
    volatile long *g = map_pages(1);
    if (!g)
        return;
    g[0] = 0;
    volatile long *t = map_pages(1);
    if (!t)
        return;
    sys6(SYS_madvise, (long)g, PAGE, MADV_FREE, 0, 0, 0);
    long n = sys6(SYS_mremap, (long)g, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (long)t, 0);
    if (!valid(n) || n != (long)t)
        return;
    marker(P_FREED_MOVED, (long)logbuf, n, (long)g, 0);
    log_label(P_FREED_MOVED, -((volatile long *)n)[0]);
    sys6(SYS_munmap, n, PAGE, 0, 0, 0, 0);
}

static void aio_hole_step(void)
{
    volatile long *h = map_pages(2);
    if (!h)
        return;
    h[0] = 4;
    h[PAGE / 8] = 4;
    sys6(SYS_munmap, (long)h, PAGE, 0, 0, 0, 0);
    unsigned long ctx = 0;
    long r = sys6(SYS_io_setup, 1, (long)&ctx, 0, 0, 0, 0);
    marker(P_AIO_HOLE, (long)logbuf, (long)h, r, 0);
    log_label(P_AIO_HOLE, load_or_fault(h));
    if (r == 0 && ctx)
        sys6(SYS_io_destroy, (long)ctx, 0, 0, 0, 0, 0);
    sys6(SYS_munmap, (long)h + PAGE, PAGE, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 1;
    }
    for (int i = 0; i < 16; i++)
        stackbuf[i] = 0;
    for (int i = 0; i < SECRET_LEN; i++)
        stackbuf[16 + i] = ((uint8_t *)secret)[i];
    long mapped = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    /* The referee reads the heap copy at the page it is told + SECRET_OFF: the page
     * announced is the one whose SECRET_OFF is logbuf's working copy. */
    marker(P_PLACED, (long)logbuf - SECRET_OFF, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    gone_step();
    emptied_step();
    freed_moved_step();
    aio_hole_step();

    int bad = memcmp((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
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
