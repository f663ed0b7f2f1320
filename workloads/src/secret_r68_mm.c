/* The attack target of red-team round 68b: a confidential program's MAP_PRIVATE mappings
 * of memfds whose pages it wrote (private copies) across the calls that cut or grow the
 * file or punch a hole in it.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  In the order they run:
 *
 *   1. A memfd of 3 pages mapped MAP_PRIVATE, writable; each page filled ('A', 'B', 'C':
 *      private copies).  ftruncate(fd, PAGE + 100): 0; truncate_pagecache() unmaps only
 *      the pages wholly past the end (page 2, even_cows = 1): pages 0 and 1 keep every
 *      byte of the program's copies (truncate_inode_partial_folio() zeroes the page cache
 *      page, not a private copy).  Label 0 where both pages read back whole.
 *   1b. A memfd of 3 pages mapped MAP_PRIVATE, every page filled ('S', 'T', 'U');
 *      ftruncate(fd, PAGE), then ftruncate(fd, 3 * PAGE): 0, 0; the copies of pages 1 and 2
 *      went with the cut (even_cows = 1), so both read the grown file's zeros; page 0
 *      keeps 'S'.
 *   2. A memfd of 1 page mapped MAP_PRIVATE over 3 pages; page 0 filled 'D'.
 *      ftruncate(fd, 3 * PAGE) grows it: 0; page 0 keeps 'D', pages 1 and 2 read zeros.
 *   3. A memfd (MFD_ALLOW_SEALING) of 2 pages mapped MAP_PRIVATE; pages filled 'E', 'F';
 *      F_SEAL_SHRINK added; ftruncate(fd, PAGE): -EPERM (shmem_setattr()), page 1 keeps
 *      'F'.
 *   4. A memfd of 2 pages mapped MAP_PRIVATE; pages filled 'G', 'H'; fork (a raw
 *      clone(SIGCHLD)); the child waits on a pipe while the parent makes ftruncate(fd,
 *      PAGE) (0; page 0 keeps 'G'), then reads its own page 0 ('G': its marker
 *      P_FORK_CHILD) and exits.  The parent waits for it.
 *   5. A memfd of 2 pages mapped MAP_PRIVATE; pages filled 'I', 'J'; fallocate(fd,
 *      FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PAGE, PAGE): 0; shmem_fallocate()
 *      unmaps the hole with even_cows = 0: the private copy of page 1 keeps 'J'.
 *   6. A memfd of 3 pages mapped MAP_PRIVATE over 2 pages from offset PAGE; both filled
 *      ('K', 'L'); ftruncate(fd, PAGE + 100): 0; the mapping's page 0 (file page 1, the
 *      page the end lies in) keeps 'K'.
 *   7. Two memfds x and y of 3 pages each mapped MAP_PRIVATE, every page filled ('M'..,
 *      'P'..); ftruncate(x, PAGE): 0; y's 3 pages keep theirs, x's page 0 keeps 'M'.
 *
 *   8. (only with the argument -t) A memfd of 2 pages mapped MAP_PRIVATE, both filled
 *      ('W', 'X'); open("/proc/self/fd/N", O_RDWR | O_TRUNC) cuts it to 0 (do_truncate()
 *      -> shmem_setattr() -> truncate_pagecache(): even_cows = 1, both copies go);
 *      ftruncate(fd, 2 * PAGE) grows it back: both pages read zeros, label 0.
 *
 *   9. (only with the argument -o) An O_TMPFILE file in the working directory of 2 pages mapped MAP_PRIVATE,
 *      both filled ('Y', 'Z'); ftruncate(fd, PAGE), ftruncate(fd, 2 * PAGE): page 0 keeps
 *      'Y', page 1 (its copy zapped by truncate_pagecache(), even_cows = 1) reads zeros.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r68b.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
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
#define ROUND_TAG "r68"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its call (x2 the log buffer, x3 the mapping, x4 the memfd), P_x + 1
 * after its write (x2 the index it used). */
#define P_CUT 8000         /* ftruncate(fd, PAGE + 100) of a 3-page memfd */
#define P_GROW 8002        /* ftruncate(fd, 3 * PAGE) of a 1-page memfd */
#define P_SEALED 8004      /* ftruncate(fd, PAGE) under F_SEAL_SHRINK */
#define P_FORK_CUT 8006    /* the parent's ftruncate(fd, PAGE) while a fork child maps it */
#define P_FORK_CHILD 8008  /* (in the child) after the parent's cut */
#define P_PUNCH 8010       /* fallocate(PUNCH_HOLE | KEEP_SIZE) of page 1 */
#define P_OFFSET 8012      /* ftruncate(fd, PAGE + 100) under a mapping at offset PAGE */
#define P_OTHER 8014       /* ftruncate(x, PAGE) with memfd y mapped too (x5 y's mapping) */
#define P_REGROW 8016      /* ftruncate(fd, PAGE) then ftruncate(fd, 3 * PAGE) */
#define P_OTRUNC 8018      /* (with -t) open("/proc/self/fd/N", O_RDWR | O_TRUNC) */
#define P_TMPFILE 8020     /* (with -o) ftruncate(fd, PAGE) of an O_TMPFILE file */
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

static int filled(long at, int c)
{
    for (long i = 0; i < PAGE; i++)
        if (((volatile uint8_t *)at)[i] != (uint8_t)c)
            return 0;
    return 1;
}

/* A memfd of `size` bytes mapped MAP_PRIVATE over `len` bytes, its first `fill` pages
 * filled with c, c + 1, ... */
static long private_map(unsigned flags, long size, long len, int fill, int c, long *fd)
{
    *fd = sys6(SYS_memfd_create, (long)ROUND_TAG, flags, 0, 0, 0, 0);
    if (*fd < 0 || sys6(SYS_ftruncate, *fd, size, 0, 0, 0, 0) != 0)
        return -1;
    long at = sys6(SYS_mmap, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, *fd, 0);
    if (!valid(at))
        return -1;
    for (int i = 0; i < fill; i++)
        memset((uint8_t *)at + i * PAGE, c + i, PAGE);
    return at;
}

static void cut_step(void)
{
    long fd, at = private_map(0, 3 * PAGE, 3 * PAGE, 3, 'A', &fd), ok = 0;
    marker(P_CUT, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_ftruncate, fd, PAGE + 100, 0, 0, 0, 0) == 0)
        ok = filled(at, 'A') && filled(at + PAGE, 'B');
    log_label(P_CUT, ok ? 0 : -4);
}

static void regrow_step(void)
{
    long fd, at = private_map(0, 3 * PAGE, 3 * PAGE, 3, 'S', &fd), ok = 0;
    marker(P_REGROW, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0 &&
        sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0)
        ok = filled(at, 'S') && filled(at + PAGE, 0) && filled(at + 2 * PAGE, 0);
    log_label(P_REGROW, ok ? 0 : -4);
}

static void grow_step(void)
{
    long fd, at = private_map(0, PAGE, 3 * PAGE, 1, 'D', &fd), ok = 0;
    marker(P_GROW, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0)
        ok = filled(at, 'D') && filled(at + PAGE, 0) && filled(at + 2 * PAGE, 0);
    log_label(P_GROW, ok ? 0 : -4);
}

static void sealed_step(void)
{
    long fd, at = private_map(MFD_ALLOW_SEALING, 2 * PAGE, 2 * PAGE, 2, 'E', &fd), ok = 0;
    if (valid(at) && sys6(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_SHRINK, 0, 0, 0) != 0)
        at = -1;
    marker(P_SEALED, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == -EPERM)
        ok = filled(at, 'E') && filled(at + PAGE, 'F');
    log_label(P_SEALED, ok ? 0 : -4);
}

static void fork_cut_step(void)
{
    long fd, at = private_map(0, 2 * PAGE, 2 * PAGE, 2, 'G', &fd), ok = 0;
    int p[2];
    if (!valid(at) || sys6(SYS_pipe2, (long)p, 0, 0, 0, 0, 0) != 0) {
        log_label(P_FORK_CUT, -4);
        return;
    }
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        char c;
        sys6(SYS_read, p[0], (long)&c, 1, 0, 0, 0);
        marker(P_FORK_CHILD, (long)logbuf, at, fd, 0);
        log_label(P_FORK_CHILD, filled(at, 'G') ? 0 : -4);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    marker(P_FORK_CUT, (long)logbuf, at, fd, pid);
    if (pid > 0 && sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0)
        ok = filled(at, 'G');
    sys6(SYS_write, p[1], (long)"x", 1, 0, 0, 0);
    if (pid > 0)
        sys6(SYS_wait4, pid, 0, 0, 0, 0, 0);
    log_label(P_FORK_CUT, ok ? 0 : -4);
}

static void punch_step(void)
{
    long fd, at = private_map(0, 2 * PAGE, 2 * PAGE, 2, 'I', &fd), ok = 0;
    marker(P_PUNCH, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_fallocate, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                          PAGE, PAGE, 0, 0) == 0)
        ok = filled(at, 'I') && filled(at + PAGE, 'J');
    log_label(P_PUNCH, ok ? 0 : -4);
}

static void offset_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0), at = -1, ok = 0;
    if (fd >= 0 && sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0)
        at = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PAGE);
    if (valid(at)) {
        memset((uint8_t *)at, 'K', PAGE);
        memset((uint8_t *)at + PAGE, 'L', PAGE);
    }
    marker(P_OFFSET, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_ftruncate, fd, PAGE + 100, 0, 0, 0, 0) == 0)
        ok = filled(at, 'K');
    log_label(P_OFFSET, ok ? 0 : -4);
}

static void other_step(void)
{
    long x, y, ax = private_map(0, 3 * PAGE, 3 * PAGE, 3, 'M', &x), ok = 0;
    long ay = private_map(0, 3 * PAGE, 3 * PAGE, 3, 'P', &y);
    marker(P_OTHER, (long)logbuf, ax, x, ay);
    if (valid(ax) && valid(ay) && sys6(SYS_ftruncate, x, PAGE, 0, 0, 0, 0) == 0)
        ok = filled(ax, 'M') && filled(ay, 'P') && filled(ay + PAGE, 'Q') &&
             filled(ay + 2 * PAGE, 'R');
    log_label(P_OTHER, ok ? 0 : -4);
}

static void otrunc_step(void)
{
    long fd, at = private_map(0, 2 * PAGE, 2 * PAGE, 2, 'W', &fd), ok = 0;
    char path[32] = "/proc/self/fd/";
    path[14] = '0' + (char)(fd / 10);
    path[15] = '0' + (char)(fd % 10);
    marker(P_OTRUNC, (long)logbuf, at, fd, 0);
    long again = valid(at) ? sys6(SYS_openat, AT_FDCWD, (long)path, O_RDWR | O_TRUNC, 0, 0, 0)
                           : -1;
    if (again >= 0 && sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) == 0)
        ok = filled(at, 0) && filled(at + PAGE, 0);
    log_label(P_OTRUNC, ok ? 0 : -4);
}

static void tmpfile_step(void)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)".", O_TMPFILE | O_RDWR, 0600, 0, 0), at = -1;
    long ok = 0;
    if (fd >= 0 && sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) == 0)
        at = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (valid(at)) {
        memset((uint8_t *)at, 'Y', PAGE);
        memset((uint8_t *)at + PAGE, 'Z', PAGE);
    }
    marker(P_TMPFILE, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0 &&
        sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) == 0)
        ok = filled(at, 'Y') && filled(at + PAGE, 0);
    log_label(P_TMPFILE, ok ? 0 : -4);
}

int main(int argc, char **argv)
{
    int show_digest = 0, trunc = 0, tmp = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        trunc |= strcmp(argv[i], "-t") == 0;
        tmp |= strcmp(argv[i], "-o") == 0;
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
    cut_step();
    regrow_step();
    grow_step();
    sealed_step();
    fork_cut_step();
    punch_step();
    offset_step();
    other_step();
    if (trunc)
        otrunc_step();
    if (tmp)
        tmpfile_step();

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
