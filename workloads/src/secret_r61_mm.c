/* The attack target of red-team round 61b: private anonymous pages the program gives up
 * lazily with MADV_FREE, which Linux's reclaim may later drop or must keep.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step keeps a record in a page of its own,
 * reads it back after the memory call, turns it into the index of a label (0 under Linux)
 * and writes that label to /dev/null.  A record Linux could never have produced points the
 * write back into the secret's copy.  In the order they run:
 *
 *   1. A private page F holding 0, madvise(F, MADV_FREE), a call (its marker), then F is
 *      read: 0 whether reclaim dropped the clean lazy-free page meanwhile (the next touch
 *      maps a zero page: try_to_unmap_one() discards a clean lazyfree folio) or not;
 *      -F[0] chooses the label.
 *   2. A private page G holding 0, madvise(G, MADV_FREE), then G[0] = 4 (written again),
 *      a call (its marker), then G is read: 4 (a lazy-free page written after the advice
 *      is dirty and never dropped: try_to_unmap_one() marks it swap-backed again);
 *      G[0] - 4 chooses the label.
 *   3. An area of 1040 pages of which the program unmaps every other page, 520 holes one
 *      after another (the first unmapped is the oldest), then a load from the oldest hole
 *      and one from the newest under a SIGSEGV handler: each faults (do_page_fault()
 *      finds no area there: SEGV_MAPERR) and chooses label 0; a load that completes
 *      chooses its word - 4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r61b.py.  Only the digest of the secret is ever printed.
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

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its memory calls (x2 the log buffer, x3.. its pages), P_x + 1
 * after its write (x2 the index it used). */
/* Each step: P_x before its read-back (x2 the log buffer, x3 its page), P_x + 1 after its
 * write (x2 the index it used). */
#define P_LAZY 6200          /* x3 F */
#define P_LAZY_REWRITTEN 6202 /* x3 G */
#define P_HOLE_OLD 6204      /* x3 the oldest hole, x4 the newest */
#define P_HOLE_NEW 6206      /* x3 the newest hole */
#define HOLES 520
#include "secret_common.h"

#ifndef MADV_FREE
#define MADV_FREE 8
#endif

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

static volatile long *map_pages(long pages)
{
    long p = sys6(SYS_mmap, 0, pages * PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return valid(p) ? (volatile long *)p : 0;
}

static void lazy_step(void)
{
    volatile long *f = map_pages(1);
    if (!f)
        return;
    f[0] = 0;
    sys6(SYS_madvise, (long)f, PAGE, MADV_FREE, 0, 0, 0);
    marker(P_LAZY, (long)logbuf, (long)f, 0, 0);
    log_label(P_LAZY, -f[0]);
}

static void lazy_rewritten_step(void)
{
    volatile long *g = map_pages(1);
    if (!g)
        return;
    g[0] = 0;
    sys6(SYS_madvise, (long)g, PAGE, MADV_FREE, 0, 0, 0);
    g[0] = 4;
    marker(P_LAZY_REWRITTEN, (long)logbuf, (long)g, 0, 0);
    log_label(P_LAZY_REWRITTEN, g[0] - 4);
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

static void holes_step(void)
{
    volatile long *area = map_pages(2 * HOLES);
    if (!area)
        return;
    for (long i = 0; i < HOLES; i++)
        sys6(SYS_munmap, (long)area + 2 * i * PAGE, PAGE, 0, 0, 0, 0);
    volatile long *oldest = area, *newest = area + 2 * (HOLES - 1) * PAGE / 8;
    marker(P_HOLE_OLD, (long)logbuf, (long)oldest, (long)newest, 0);
    log_label(P_HOLE_OLD, load_or_fault(oldest));
    marker(P_HOLE_NEW, (long)logbuf, (long)newest, 0, 0);
    log_label(P_HOLE_NEW, load_or_fault(newest));
    for (long i = 0; i < HOLES; i++)
        sys6(SYS_munmap, (long)area + (2 * i + 1) * PAGE, PAGE, 0, 0, 0, 0);
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
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    lazy_step();
    lazy_rewritten_step();
    holes_step();

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
