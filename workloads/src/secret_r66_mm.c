/* The attack target of red-team round 66b: an aio ring moved by the program's mremap and
 * then destroyed, and an aio ring the program unmapped itself.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step reads a value back after its memory
 * calls, turns it into the index of a label (0 under Linux) and writes that label to
 * /dev/null.  A value Linux could never have produced points the write back into the
 * secret's copy.  In the order they run:
 *
 *   1. A page T written (4) and unmapped (a hole), io_setup(1, &ctx), mremap() of the
 *      ring's page onto T (MREMAP_MAYMOVE | MREMAP_FIXED: aio_ring_mremap() makes T the
 *      context), io_destroy(T) (kill_ioctx(): vm_munmap() of the ring at T), a call (its
 *      marker), then a load from T under a SIGSEGV handler: it faults (a hole:
 *      SEGV_MAPERR), label 0; a load that completes chooses its word - 4.  The step
 *      assumes io_setup(1)'s ring is one page (fewer than 16 possible CPUs).
 *   2. io_setup(1, &ctx), munmap() of the ring's page by the program, io_destroy(ctx)
 *      (lookup_ioctx() reads ring->id at ctx: -EINVAL, nothing there), a call (its
 *      marker), then a load from ctx under a SIGSEGV handler: it faults, label 0; a load
 *      that completes chooses its word - 4.
 *   3. io_setup(1, &ctx), fork(): the child (a copy of the ring's vma: dup_mmap(), the
 *      ring is no VM_DONTCOPY area) makes a call (its marker) and loads the ring's first
 *      word under a SIGSEGV handler: ring->id, ~0U (aio_setup_ring()), label 0; any
 *      other word, or a fault, label -4; the child exits, the parent waits for it and
 *      calls io_destroy(ctx).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r66b.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r66"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its read-back (x2 the log buffer, x3 its page), P_x + 1 after its
 * write (x2 the index it used). */
#define P_RING_MOVED 7100  /* x3 T, x4 the context, x5 mremap's result */
#define P_RING_CUT 7102    /* x3 the context, x4 io_destroy's result */
#define P_RING_FORK 7104   /* (in the child) x3 the context */
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif
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

static void ring_moved_step(void)
{
    volatile long *t = map_pages(1);
    if (!t)
        return;
    t[0] = 4;
    sys6(SYS_munmap, (long)t, PAGE, 0, 0, 0, 0);
    unsigned long ctx = 0;
    if (sys6(SYS_io_setup, 1, (long)&ctx, 0, 0, 0, 0) != 0 || !ctx)
        return;
    long m = sys6(SYS_mremap, (long)ctx, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (long)t, 0);
    long d = sys6(SYS_io_destroy, m == (long)t ? (long)t : (long)ctx, 0, 0, 0, 0, 0);
    marker(P_RING_MOVED, (long)logbuf, (long)t, (long)ctx, m);
    log_label(P_RING_MOVED, m == (long)t && d == 0 ? load_or_fault(t) : 0);
}
static void ring_cut_step(void)
{
    unsigned long ctx = 0;
    if (sys6(SYS_io_setup, 1, (long)&ctx, 0, 0, 0, 0) != 0 || !ctx)
        return;
    sys6(SYS_munmap, (long)ctx, PAGE, 0, 0, 0, 0);
    long d = sys6(SYS_io_destroy, (long)ctx, 0, 0, 0, 0, 0);
    marker(P_RING_CUT, (long)logbuf, (long)ctx, d, 0);
    log_label(P_RING_CUT, load_or_fault((volatile long *)ctx));
}
static void ring_fork_step(void)
{
    unsigned long ctx = 0;
    if (sys6(SYS_io_setup, 1, (long)&ctx, 0, 0, 0, 0) != 0 || !ctx)
        return;
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        marker(P_RING_FORK, (long)logbuf, (long)ctx, 0, 0);
        long word = load_or_fault((volatile long *)ctx) + 4;
        log_label(P_RING_FORK, (word & 0xFFFFFFFFL) == 0xFFFFFFFFL ? 0 : -4);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0)
        sys6(SYS_wait4, pid, 0, 0, 0, 0, 0);
    sys6(SYS_io_destroy, (long)ctx, 0, 0, 0, 0, 0);
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
    ring_moved_step();
    ring_cut_step();
    ring_fork_step();

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
