/* The attack target of red-team round 62b: a lazy-free page filled by read(), areas moved
 * by mremap and the heap's top given back by brk, and (with -m) many holes its own munmap
 * of never-mapped pages leaves.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step reads a value back after its memory
 * calls, turns it into the index of a label (0 under Linux) and writes that label to
 * /dev/null.  A value Linux could never have produced points the write back into the
 * secret's copy.  In the order they run:
 *
 *   1. A private page H holding 0, madvise(H, MADV_FREE), then read() of 8 bytes (the
 *      value 4) from a pipe into H, a call (its marker), then H is read: 4 (copy_to_user
 *      faults on the clean pte and dirties the page: reclaim keeps it); H[0] - 4 chooses
 *      the label.
 *   2. An area of 4 pages written, mremap()ed to 8 pages elsewhere (MREMAP_MAYMOVE with a
 *      hole of its own in the way), then a load from its old address under a SIGSEGV
 *      handler: it faults (the old range is a hole: SEGV_MAPERR) and chooses label 0; a
 *      load that completes chooses its word - 4.  The moved area still holds 4.
 *   3. The heap grown by 2 pages with brk, written, shrunk back, then a load from the
 *      given-back page: SIGSEGV, label 0.
 *   4. (-m only) munmap() of 65,537 single pages nobody mapped, each two pages apart:
 *      Linux answers 0 each time (do_vmi_munmap() finds no vma), needing no vma at all;
 *      then a marker and label 0.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r62b.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r62"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its read-back (x2 the log buffer, x3 its page), P_x + 1 after its
 * write (x2 the index it used). */
#define P_LAZY_READ 6400     /* x3 H */
#define P_MOVED 6402         /* x3 the old address, x4 the new one */
#define P_BRK_TOP 6404       /* x3 the given-back page */
#define P_MANY_HOLES 6406    /* x3 the first page, x4 the count */
#define MANY 65537L
#define FAR_AWAY 0x400000000000L
#include "secret_common.h"

#ifndef MADV_FREE
#define MADV_FREE 8
#endif

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

static void lazy_read_step(void)
{
    int p[2];
    long four = 4;
    if (sys6(SYS_pipe2, (long)p, 0, 0, 0, 0, 0) != 0)
        return;
    sys6(SYS_write, p[1], (long)&four, 8, 0, 0, 0);
    volatile long *h = map_pages(1);
    if (!h)
        return;
    h[0] = 0;
    sys6(SYS_madvise, (long)h, PAGE, MADV_FREE, 0, 0, 0);
    long got = sys6(SYS_read, p[0], (long)h, 8, 0, 0, 0);
    marker(P_LAZY_READ, (long)logbuf, (long)h, 0, 0);
    log_label(P_LAZY_READ, got == 8 ? h[0] - 4 : 0);
    sys6(SYS_close, p[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, p[1], 0, 0, 0, 0, 0);
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

static void moved_step(void)
{
    volatile long *a = map_pages(5);
    if (!a)
        return;
    /* the page after the area is a hole: growing in place is impossible */
    sys6(SYS_munmap, (long)a + 4 * PAGE, PAGE, 0, 0, 0, 0);
    for (int i = 0; i < 4; i++)
        a[i * PAGE / 8] = 4;
    long n = sys6(SYS_mremap, (long)a, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, 0, 0);
    if (!valid(n) || n == (long)a)
        return;
    marker(P_MOVED, (long)logbuf, (long)a, n, 0);
    long index = load_or_fault(a);
    if (((volatile long *)n)[0] != 4)
        index = -4;
    log_label(P_MOVED, index);
    sys6(SYS_munmap, n, 8 * PAGE, 0, 0, 0, 0);
}

static void brk_step(void)
{
    long cur = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    if (sys6(SYS_brk, cur + 2 * PAGE, 0, 0, 0, 0, 0) != cur + 2 * PAGE)
        return;
    volatile long *top = (volatile long *)((cur + PAGE + PAGE - 1) & ~(PAGE - 1));
    top[0] = 4;
    if (sys6(SYS_brk, cur, 0, 0, 0, 0, 0) != cur)
        return;
    marker(P_BRK_TOP, (long)logbuf, (long)top, 0, 0);
    log_label(P_BRK_TOP, load_or_fault(top));
}

static void many_holes_step(void)
{
    long bad = 0;
    for (long i = 0; i < MANY; i++)
        bad |= sys6(SYS_munmap, FAR_AWAY + 2 * i * PAGE, PAGE, 0, 0, 0, 0);
    marker(P_MANY_HOLES, (long)logbuf, FAR_AWAY, MANY, 0);
    log_label(P_MANY_HOLES, bad ? -4 : 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0, many = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        many |= strcmp(argv[i], "-m") == 0;
    }
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
    lazy_read_step();
    moved_step();
    brk_step();
    if (many)
        many_holes_step();

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
