/* The attack target of red-team round 69b: a confidential program's MAP_PRIVATE mappings
 * of files only it holds, whose pages it wrote (private copies), across cuts the
 * Guardian follows in other ways than round 68b's.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  In the order they run:
 *
 *   1. A memfd of 3 pages mapped MAP_PRIVATE, every page filled ('A', 'B', 'C'); mremap()
 *      moves the mapping (MREMAP_MAYMOVE | MREMAP_FIXED onto a PROT_NONE area);
 *      ftruncate(fd, PAGE), ftruncate(fd, 3 * PAGE): the moved mapping's page 0 keeps 'A',
 *      pages 1 and 2 (their copies zapped, even_cows = 1) read zeros.
 *   2. A memfd of 1 page mapped MAP_PRIVATE over 3 pages, page 0 filled 'D'; pwrite64()
 *      of 2 pages at offset PAGE grows the file to 3 pages; pages 1 and 2 filled 'E', 'F'
 *      (private copies); ftruncate(fd, 2 * PAGE), ftruncate(fd, 3 * PAGE): page 1 keeps
 *      'E', page 2 reads zeros.
 *   3. (only with the argument -o) An O_TMPFILE file in the working directory of 2 pages mapped MAP_PRIVATE, both
 *      filled ('Y', 'Z'); open("/proc/self/fd/N", O_RDWR | O_TRUNC) cuts it to 0 (both
 *      copies zapped); ftruncate(fd, 2 * PAGE): both pages read zeros.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r69b.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r69"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its cut (x2 the log buffer, x3 the mapping, x4 the file, x5 the
 * mapping's old address), P_x + 1 after its write (x2 the index it used). */
#define P_MOVED 8200       /* ftruncate(fd, PAGE), (fd, 3 * PAGE) after mremap moved the mapping */
#define P_WRITTEN 8202     /* ftruncate(fd, 2 * PAGE), (fd, 3 * PAGE) after pwrite64 grew it */
#define P_TMPTRUNC 8204    /* open("/proc/self/fd/N", O_RDWR | O_TRUNC) of an O_TMPFILE file */
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

static uint8_t big[2 * PAGE];

static void moved_step(void)
{
    long fd, at = private_map(0, 3 * PAGE, 3 * PAGE, 3, 'A', &fd), ok = 0, to = -1;
    long spot = sys6(SYS_mmap, 0, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (valid(at) && valid(spot))
        to = sys6(SYS_mremap, at, 3 * PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, spot, 0);
    marker(P_MOVED, (long)logbuf, to, fd, at);
    if (valid(to) && sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0 &&
        sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0)
        ok = filled(to, 'A') && filled(to + PAGE, 0) && filled(to + 2 * PAGE, 0);
    log_label(P_MOVED, ok ? 0 : -4);
}

static void written_step(void)
{
    long fd, at = private_map(0, PAGE, 3 * PAGE, 1, 'D', &fd), ok = 0;
    memset(big, 'w', sizeof big);
    if (valid(at) && sys6(SYS_pwrite64, fd, (long)big, 2 * PAGE, PAGE, 0, 0) == 2 * PAGE) {
        memset((uint8_t *)at + PAGE, 'E', PAGE);
        memset((uint8_t *)at + 2 * PAGE, 'F', PAGE);
    } else {
        at = -1;
    }
    marker(P_WRITTEN, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) == 0 &&
        sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0)
        ok = filled(at, 'D') && filled(at + PAGE, 'E') && filled(at + 2 * PAGE, 0);
    log_label(P_WRITTEN, ok ? 0 : -4);
}

static void tmptrunc_step(void)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)".", O_TMPFILE | O_RDWR, 0600, 0, 0), at = -1;
    long ok = 0;
    char path[32] = "/proc/self/fd/";
    if (fd >= 0 && sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) == 0)
        at = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (valid(at)) {
        memset((uint8_t *)at, 'Y', PAGE);
        memset((uint8_t *)at + PAGE, 'Z', PAGE);
    }
    if (fd >= 10) {
        path[14] = '0' + (char)(fd / 10 % 10);
        path[15] = '0' + (char)(fd % 10);
    } else {
        path[14] = '0' + (char)(fd % 10);
    }
    marker(P_TMPTRUNC, (long)logbuf, at, fd, 0);
    long again = valid(at) ? sys6(SYS_openat, AT_FDCWD, (long)path, O_RDWR | O_TRUNC, 0, 0, 0)
                           : -1;
    if (again >= 0 && sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) == 0)
        ok = filled(at, 0) && filled(at + PAGE, 0);
    log_label(P_TMPTRUNC, ok ? 0 : -4);
}

int main(int argc, char **argv)
{
    int show_digest = 0, tmp = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
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
    moved_step();
    written_step();
    if (tmp)
        tmptrunc_step();

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
