/* The attack target of red-team round 65b: areas an mremap with MREMAP_DONTUNMAP left in
 * place, emptied, then moved, cut or narrowed, and a hole beside two aio rings.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step reads a value back after its memory
 * calls, turns it into the index of a label (0 under Linux) and writes that label to
 * /dev/null.  A value Linux could never have produced points the write back into the
 * secret's copy.  In the order they run:
 *
 *   1. An area A of 2 pages written (4), mremap()ed onto a 2-page area of its own with
 *      MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP (A stays, emptied), then the
 *      emptied A mremap()ed (MREMAP_MAYMOVE | MREMAP_FIXED) onto a third area U: a load
 *      from A under a SIGSEGV handler faults (no vma: SEGV_MAPERR), label 0 (a load that
 *      completes chooses its word - 4); U (an emptied area moved: a zero page) and the
 *      first move's target (4) are checked too.
 *   2. An area B of 2 pages written (4), moved likewise with MREMAP_DONTUNMAP, then
 *      munmap() of B's second page: a load from it faults (label 0; a load that
 *      completes chooses its word - 4); B's first page (emptied) reads 0.
 *   3. An area C of 1 page written (4), moved likewise with MREMAP_DONTUNMAP, then
 *      mprotect(C, PROT_READ): a load from C reads 0 (a zero page), its word, negated,
 *      chooses the label.
 *   4. A 2-page area H written (4), its first page unmapped, then io_setup(1) twice and
 *      io_destroy() of the first context (Linux maps each ring as an area of its own
 *      elsewhere and unmaps the first, aio_setup_ring(), kill_ioctx()), a call (its
 *      marker), then a load from H's first page under a SIGSEGV handler: it faults (a
 *      hole: SEGV_MAPERR), label 0; a load that completes chooses its word - 4.
 *   5. io_setup(1), io_pgetevents() with a zero timeout and a signal mask (no event
 *      yet: 0), io_submit() of one IOCB_CMD_PWRITE of a public label to /dev/null,
 *      io_getevents() of its event, io_destroy(): whatever they answer, label 0 (the
 *      step shows which memory accesses Linux's aio makes: fs/aio.c io_submit_one()
 *      reads the iocb and writes its aio_key, aio_write() reads the buffer).
 *   6. A private page G holding 0, madvise(G, MADV_FREE), mremap() of G onto a page of
 *      its own T (MREMAP_MAYMOVE | MREMAP_FIXED), then 4 written at T, a call (its
 *      marker) and a load from T: 4 (a write after MADV_FREE dirties the page:
 *      reclaim keeps it); its word - 4 chooses the label.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r65b.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r65"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its read-back (x2 the log buffer, x3 its page), P_x + 1 after its
 * write (x2 the index it used). */
#define P_MOVED_AGAIN 6900 /* x3 A, x4 U, x5 the first move's target */
#define P_CUT 6902         /* x3 B's second page, x4 B */
#define P_NARROWED 6904    /* x3 C, x4 the new address */
#define P_TWO_RINGS 6906   /* x3 H, x4 the second io_setup's result */
#define P_SUBMIT 6908      /* x3 io_submit's result, x4 io_getevents', x5 the iocb */
#define P_WRITTEN_MOVED 6910 /* x3 T, x4 G */
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

static long move_keep(volatile long *from, long pages)
{
    volatile long *t = map_pages(pages);
    if (!t)
        return 0;
    long n = sys6(SYS_mremap, (long)from, pages * PAGE, pages * PAGE,
                  MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, (long)t, 0);
    return valid(n) && n != (long)from ? n : 0;
}
static void moved_again_step(void)
{
    volatile long *a = map_pages(2);
    if (!a)
        return;
    a[0] = 4;
    a[PAGE / 8] = 4;
    long n = move_keep(a, 2);
    volatile long *u = map_pages(2);
    if (!n || !u)
        return;
    long m = sys6(SYS_mremap, (long)a, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
                  (long)u, 0);
    if (m != (long)u)
        return;
    marker(P_MOVED_AGAIN, (long)logbuf, (long)a, (long)u, n);
    long index = load_or_fault(a) - load_or_zero(u);
    if (((volatile long *)n)[0] != 4)
        index = -4;
    log_label(P_MOVED_AGAIN, index);
    sys6(SYS_munmap, (long)u, 2 * PAGE, 0, 0, 0, 0);
    sys6(SYS_munmap, n, 2 * PAGE, 0, 0, 0, 0);
}
static void cut_step(void)
{
    volatile long *b = map_pages(2);
    if (!b)
        return;
    b[0] = 4;
    b[PAGE / 8] = 4;
    long n = move_keep(b, 2);
    if (!n)
        return;
    sys6(SYS_munmap, (long)b + PAGE, PAGE, 0, 0, 0, 0);
    marker(P_CUT, (long)logbuf, (long)b + PAGE, (long)b, 0);
    long index = load_or_fault(b + PAGE / 8) - load_or_zero(b);
    if (((volatile long *)n)[0] != 4)
        index = -4;
    log_label(P_CUT, index);
    sys6(SYS_munmap, (long)b, PAGE, 0, 0, 0, 0);
    sys6(SYS_munmap, n, 2 * PAGE, 0, 0, 0, 0);
}
static void narrowed_step(void)
{
    volatile long *c = map_pages(1);
    if (!c)
        return;
    c[0] = 4;
    long n = move_keep(c, 1);
    if (!n)
        return;
    sys6(SYS_mprotect, (long)c, PAGE, PROT_READ, 0, 0, 0);
    marker(P_NARROWED, (long)logbuf, (long)c, n, 0);
    long index = -load_or_zero(c);
    if (((volatile long *)n)[0] != 4)
        index = -4;
    log_label(P_NARROWED, index);
    sys6(SYS_munmap, (long)c, PAGE, 0, 0, 0, 0);
    sys6(SYS_munmap, n, PAGE, 0, 0, 0, 0);
}
static void two_rings_step(void)
{
    volatile long *h = map_pages(2);
    if (!h)
        return;
    h[0] = 4;
    h[PAGE / 8] = 4;
    sys6(SYS_munmap, (long)h, PAGE, 0, 0, 0, 0);
    unsigned long ctx1 = 0, ctx2 = 0;
    long r1 = sys6(SYS_io_setup, 1, (long)&ctx1, 0, 0, 0, 0);
    long r2 = sys6(SYS_io_setup, 1, (long)&ctx2, 0, 0, 0, 0);
    if (r1 == 0 && ctx1)
        sys6(SYS_io_destroy, (long)ctx1, 0, 0, 0, 0, 0);
    marker(P_TWO_RINGS, (long)logbuf, (long)h, r2, 0);
    log_label(P_TWO_RINGS, load_or_fault(h));
    if (r2 == 0 && ctx2)
        sys6(SYS_io_destroy, (long)ctx2, 0, 0, 0, 0, 0);
    sys6(SYS_munmap, (long)h + PAGE, PAGE, 0, 0, 0, 0);
}
struct r65_iocb {
    uint64_t aio_data;
    uint32_t aio_key, aio_rw_flags;
    uint16_t aio_lio_opcode;
    int16_t aio_reqprio;
    uint32_t aio_fildes;
    uint64_t aio_buf, aio_nbytes;
    int64_t aio_offset;
    uint64_t aio_reserved2;
    uint32_t aio_flags, aio_resfd;
};
static void submit_step(void)
{
    unsigned long ctx = 0;
    static struct r65_iocb cb;
    static uint64_t events[4];
    static uint64_t zero_ts[2], mask[1] = {1UL << (SIGUSR1 - 1)};
    static uint64_t usig[2];
    struct r65_iocb *list[1] = {&cb};
    long s = -1, g = -1;
    if (sys6(SYS_io_setup, 1, (long)&ctx, 0, 0, 0, 0) == 0 && ctx) {
        usig[0] = (uint64_t)mask;
        usig[1] = 8;
        sys6(SYS_io_pgetevents, (long)ctx, 0, 1, (long)events, (long)zero_ts, (long)usig);
        memset(&cb, 0, sizeof cb);
        cb.aio_lio_opcode = 1;              /* IOCB_CMD_PWRITE */
        cb.aio_fildes = (uint32_t)devnull;
        cb.aio_buf = (uint64_t)(logbuf + SECRET_LEN);
        cb.aio_nbytes = 8;
        s = sys6(SYS_io_submit, (long)ctx, 1, (long)list, 0, 0, 0);
        g = sys6(SYS_io_getevents, (long)ctx, 1, 1, (long)events, 0, 0);
        sys6(SYS_io_destroy, (long)ctx, 0, 0, 0, 0, 0);
    }
    marker(P_SUBMIT, (long)logbuf, s, g, (long)&cb);
    log_label(P_SUBMIT, 0);
}
static void written_moved_step(void)
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
    if (n != (long)t)
        return;
    t[0] = 4;
    marker(P_WRITTEN_MOVED, (long)logbuf, n, (long)g, 0);
    log_label(P_WRITTEN_MOVED, t[0] - 4);
    sys6(SYS_munmap, n, PAGE, 0, 0, 0, 0);
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
    moved_again_step();
    cut_step();
    narrowed_step();
    two_rings_step();
    submit_step();
    written_moved_step();

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
