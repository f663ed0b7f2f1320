/* The attack target of red-team round 70b: a confidential program's MAP_PRIVATE mappings
 * of memfds only it holds, whose pages it wrote (private copies), cut and grown back, then
 * changed through other calls before the program reads the pages a cut dropped.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Every step maps a memfd of
 * `n` pages MAP_PRIVATE and fills each page ('A', 'B', ...), then:
 *
 *   1. (3 pages) ftruncate(fd, PAGE), ftruncate(fd, 3 * PAGE), a public note of 8 bytes
 *      written to /dev/null: page 0 keeps 'A', pages 1 and 2 read zeros.
 *   2. (only with the argument -w) (3 pages) ftruncate(fd, PAGE), ftruncate(fd, 3 * PAGE), pwrite64() of a page of 'p'
 *      at offset 2 * PAGE: page 1 reads zeros, page 2 reads 'p'.
 *   3. (only with -w) (3 pages, and a MAP_SHARED writable view of the same memfd) ftruncate(fd, PAGE),
 *      ftruncate(fd, 3 * PAGE), a page of 's' stored through the shared view at page 2:
 *      the private view's page 1 reads zeros, page 2 reads 's'.
 *   4. (run second) (3 pages) ftruncate(fd, PAGE), fallocate(fd, 0, 0, 3 * PAGE) grows it back:
 *      pages 1 and 2 read zeros.
 *   5. (run third) (5 pages) ftruncate(fd, PAGE + 100) (page 1's copy kept), ftruncate(fd, 5 * PAGE),
 *      page 3 stored 'Z', ftruncate(fd, 3 * PAGE), ftruncate(fd, 5 * PAGE): page 1 keeps
 *      'B', page 2 and page 3 and page 4 read zeros.
 *  10. (only with -r, after 6) (3 pages, and a MAP_SHARED writable view) the cut and the
 *      regrow, a page of 'u' stored through the shared view at page 2, the private
 *      view's page 2 read ('u'), a page of 't' stored through the shared view: the
 *      private view's page 2 reads 't' (both map the page cache folio).
 *  11. (only with -b) a memfd of 3 pages mapped MAP_PRIVATE | MAP_NORESERVE over 1 TiB,
 *      its pages filled ('k', 'l', 'm'), ftruncate(fd, PAGE), ftruncate(fd, 3 * PAGE):
 *      pages 1 and 2 read zeros.
 *  12. (run seventh) a memfd of 3 pages mapped MAP_PRIVATE over 1 page ('g'), cut to
 *      PAGE and grown back, then mremap(MREMAP_MAYMOVE) grows the mapping to 3 pages:
 *      pages 1 and 2 read zeros.
 *   7. (run fourth) (3 pages) the cut and the regrow, page 2 read (zeros), then
 *      madvise(MADV_DONTNEED) of page 2: page 2 reads zeros again (the file's hole).
 *   8. (run fifth) (3 pages) the cut and the regrow, then mremap() moves the mapping
 *      (MREMAP_MAYMOVE | MREMAP_FIXED onto a PROT_NONE area): pages 1 and 2 read zeros.
 *   9. (run sixth) (3 pages) the cut and the regrow, then mprotect(PROT_READ) of pages 1
 *      and 2 (the area splits): they read zeros.
 *   6. (only with -r) (3 pages) ftruncate(fd, PAGE), ftruncate(fd, 3 * PAGE), page 2 read
 *      (zeros), pwrite64() of a page of 'q' at offset 2 * PAGE: page 2 reads 'q' (the
 *      private view maps the file's page until the program stores into it).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r70b.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
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
#define ROUND_TAG "r70"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its first cut (x2 the log buffer, x3 the private mapping, x4 the
 * file, x5 the shared mapping or 0), P_x + 1 after its write (x2 the index it used),
 * P_x + 2 after its calls, before it reads the pages (x2 the private mapping). */
#define P_NOTED 8600       /* cut, regrow, a note written to /dev/null */
#define P_PWRITTEN 8604    /* cut, regrow, pwrite64() of page 2 */
#define P_SHARED 8608      /* cut, regrow, page 2 stored through a MAP_SHARED view */
#define P_FALLOC 8612      /* cut, fallocate() grows it back */
#define P_RUNS 8616        /* cut inside page 1, regrow, store, cut, regrow (5 pages) */
#define P_READFIRST 8620   /* cut, regrow, page 2 read, pwrite64() of page 2 */
#define P_ALIAS 8636       /* cut, regrow, page 2 stored through a shared view, read
                            * through the private one, stored again (x3 private, x5 shared) */
#define P_BIG 8640         /* a 1 TiB MAP_NORESERVE private view of a 3-page memfd, cut, regrow */
#define P_GROWN 8644       /* a 1-page view of a cut, regrown memfd, grown by mremap() */
#define P_DONTNEED 8624    /* cut, regrow, page 2 read, madvise(MADV_DONTNEED) of page 2 */
#define P_MOVEDCUT 8628    /* cut, regrow, mremap() moves the mapping (x3: the new place) */
#define P_SPLIT 8632       /* cut, regrow, mprotect(PROT_READ) of pages 1 and 2 */
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
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

static int filled(long at, int c)
{
    for (long i = 0; i < PAGE; i++)
        if (((volatile uint8_t *)at)[i] != (uint8_t)c)
            return 0;
    return 1;
}

/* A memfd of `pages` pages mapped MAP_PRIVATE, page i filled with c + i. */
static long private_map(long pages, int c, long *fd)
{
    *fd = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0);
    if (*fd < 0 || sys6(SYS_ftruncate, *fd, pages * PAGE, 0, 0, 0, 0) != 0)
        return -1;
    long at = sys6(SYS_mmap, 0, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, *fd, 0);
    if (!valid(at))
        return -1;
    for (long i = 0; i < pages; i++)
        memset((uint8_t *)at + i * PAGE, c + (int)i, PAGE);
    return at;
}

static long cut_regrow(long fd, long to, long back)
{
    return sys6(SYS_ftruncate, fd, to, 0, 0, 0, 0) == 0 &&
           sys6(SYS_ftruncate, fd, back, 0, 0, 0, 0) == 0;
}

static uint8_t page_p[PAGE];

static void noted_step(void)
{
    long fd, at = private_map(3, 'A', &fd), ok = 0;
    marker(P_NOTED, (long)logbuf, at, fd, 0);
    if (valid(at) && cut_regrow(fd, PAGE, 3 * PAGE) &&
        sys6(SYS_write, devnull, (long)"note....", 8, 0, 0, 0) == 8) {
        marker(P_NOTED + 2, at, 0, 0, 0);
        ok = filled(at, 'A') && filled(at + PAGE, 0) && filled(at + 2 * PAGE, 0);
    }
    log_label(P_NOTED, ok ? 0 : -4);
}

static void pwritten_step(void)
{
    long fd, at = private_map(3, 'D', &fd), ok = 0;
    memset(page_p, 'p', sizeof page_p);
    marker(P_PWRITTEN, (long)logbuf, at, fd, 0);
    if (valid(at) && cut_regrow(fd, PAGE, 3 * PAGE) &&
        sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE) {
        marker(P_PWRITTEN + 2, at, 0, 0, 0);
        ok = filled(at, 'D') && filled(at + PAGE, 0) && filled(at + 2 * PAGE, 'p');
    }
    log_label(P_PWRITTEN, ok ? 0 : -4);
}

static void shared_step(void)
{
    long fd, at = private_map(3, 'G', &fd), ok = 0, sh = -1;
    if (valid(at))
        sh = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    marker(P_SHARED, (long)logbuf, at, fd, sh);
    if (valid(sh) && cut_regrow(fd, PAGE, 3 * PAGE)) {
        memset((uint8_t *)sh + 2 * PAGE, 's', PAGE);
        marker(P_SHARED + 2, at, 0, 0, 0);
        ok = filled(at, 'G') && filled(at + PAGE, 0) && filled(at + 2 * PAGE, 's');
    }
    log_label(P_SHARED, ok ? 0 : -4);
}

static void readfirst_step(void)
{
    long fd, at = private_map(3, 'M', &fd), ok = 0;
    memset(page_p, 'q', sizeof page_p);
    marker(P_READFIRST, (long)logbuf, at, fd, 0);
    if (valid(at) && cut_regrow(fd, PAGE, 3 * PAGE) && filled(at + 2 * PAGE, 0) &&
        sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE) {
        marker(P_READFIRST + 2, at, 0, 0, 0);
        ok = filled(at + 2 * PAGE, 'q');
    }
    log_label(P_READFIRST, ok ? 0 : -4);
}

static void dontneed_step(void)
{
    long fd, at = private_map(3, 'P', &fd), ok = 0;
    marker(P_DONTNEED, (long)logbuf, at, fd, 0);
    if (valid(at) && cut_regrow(fd, PAGE, 3 * PAGE) && filled(at + 2 * PAGE, 0) &&
        sys6(SYS_madvise, at + 2 * PAGE, PAGE, MADV_DONTNEED, 0, 0, 0) == 0) {
        marker(P_DONTNEED + 2, at, 0, 0, 0);
        ok = filled(at, 'P') && filled(at + 2 * PAGE, 0);
    }
    log_label(P_DONTNEED, ok ? 0 : -4);
}

static void movedcut_step(void)
{
    long fd, at = private_map(3, 'S', &fd), ok = 0, to = -1;
    long spot = sys6(SYS_mmap, 0, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    marker(P_MOVEDCUT, (long)logbuf, at, fd, spot);
    if (valid(at) && valid(spot) && cut_regrow(fd, PAGE, 3 * PAGE))
        to = sys6(SYS_mremap, at, 3 * PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, spot, 0);
    if (valid(to)) {
        marker(P_MOVEDCUT + 2, to, 0, 0, 0);
        ok = filled(to, 'S') && filled(to + PAGE, 0) && filled(to + 2 * PAGE, 0);
    }
    log_label(P_MOVEDCUT, ok ? 0 : -4);
}

static void split_step(void)
{
    long fd, at = private_map(3, 'V', &fd), ok = 0;
    marker(P_SPLIT, (long)logbuf, at, fd, 0);
    if (valid(at) && cut_regrow(fd, PAGE, 3 * PAGE) &&
        sys6(SYS_mprotect, at + PAGE, 2 * PAGE, PROT_READ, 0, 0, 0) == 0) {
        marker(P_SPLIT + 2, at, 0, 0, 0);
        ok = filled(at, 'V') && filled(at + PAGE, 0) && filled(at + 2 * PAGE, 0);
    }
    log_label(P_SPLIT, ok ? 0 : -4);
}

static void alias_step(void)
{
    long fd, at = private_map(3, 'a', &fd), ok = 0, sh = -1;
    if (valid(at))
        sh = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    marker(P_ALIAS, (long)logbuf, at, fd, sh);
    if (valid(sh) && cut_regrow(fd, PAGE, 3 * PAGE)) {
        memset((uint8_t *)sh + 2 * PAGE, 'u', PAGE);
        marker(P_ALIAS + 2, at, sh, 0, 0);
        ok = filled(at + 2 * PAGE, 'u');
        memset((uint8_t *)sh + 2 * PAGE, 't', PAGE);
        ok = ok && filled(at + 2 * PAGE, 't');
    }
    log_label(P_ALIAS, ok ? 0 : -4);
}

static void big_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0), ok = 0, at = -1;
    if (fd >= 0 && sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0)
        at = sys6(SYS_mmap, 0, 1L << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE,
                  fd, 0);
    if (valid(at))
        for (int i = 0; i < 3; i++)
            memset((uint8_t *)at + i * PAGE, 'k' + i, PAGE);
    marker(P_BIG, (long)logbuf, at, fd, 0);
    if (valid(at) && cut_regrow(fd, PAGE, 3 * PAGE)) {
        marker(P_BIG + 2, at, 0, 0, 0);
        ok = filled(at, 'k') && filled(at + PAGE, 0) && filled(at + 2 * PAGE, 0);
    }
    log_label(P_BIG, ok ? 0 : -4);
}

static void grown_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0), ok = 0, at = -1, to = -1;
    if (fd >= 0 && sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0)
        at = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (valid(at))
        memset((uint8_t *)at, 'g', PAGE);
    marker(P_GROWN, (long)logbuf, at, fd, 0);
    if (valid(at) && cut_regrow(fd, PAGE, 3 * PAGE))
        to = sys6(SYS_mremap, at, PAGE, 3 * PAGE, MREMAP_MAYMOVE, 0, 0);
    if (valid(to)) {
        marker(P_GROWN + 2, to, 0, 0, 0);
        ok = filled(to, 'g') && filled(to + PAGE, 0) && filled(to + 2 * PAGE, 0);
    }
    log_label(P_GROWN, ok ? 0 : -4);
}

static void falloc_step(void)
{
    long fd, at = private_map(3, 'J', &fd), ok = 0;
    marker(P_FALLOC, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0 &&
        sys6(SYS_fallocate, fd, 0, 0, 3 * PAGE, 0, 0) == 0) {
        marker(P_FALLOC + 2, at, 0, 0, 0);
        ok = filled(at, 'J') && filled(at + PAGE, 0) && filled(at + 2 * PAGE, 0);
    }
    log_label(P_FALLOC, ok ? 0 : -4);
}

static void runs_step(void)
{
    long fd, at = private_map(5, 'A', &fd), ok = 0;
    marker(P_RUNS, (long)logbuf, at, fd, 0);
    if (valid(at) && cut_regrow(fd, PAGE + 100, 5 * PAGE)) {
        memset((uint8_t *)at + 3 * PAGE, 'Z', PAGE);
        if (cut_regrow(fd, 3 * PAGE, 5 * PAGE)) {
            marker(P_RUNS + 2, at, 0, 0, 0);
            ok = filled(at, 'A') && filled(at + PAGE, 'B') && filled(at + 2 * PAGE, 0) &&
                 filled(at + 3 * PAGE, 0) && filled(at + 4 * PAGE, 0);
        }
    }
    log_label(P_RUNS, ok ? 0 : -4);
}

int main(int argc, char **argv)
{
    int show_digest = 0, wrote = 0, reread = 0, big = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        wrote |= strcmp(argv[i], "-w") == 0;
        reread |= strcmp(argv[i], "-r") == 0;
        big |= strcmp(argv[i], "-b") == 0;
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
    noted_step();
    falloc_step();
    runs_step();
    dontneed_step();
    movedcut_step();
    split_step();
    grown_step();
    if (wrote) {
        pwritten_step();
        shared_step();
    }
    if (big)
        big_step();
    if (reread) {
        readfirst_step();
        alias_step();
    }

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
