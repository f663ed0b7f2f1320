/* The attack target of red-team round 77b: MAP_PRIVATE views of memfds only the program
 * holds (3 pages of 'x') whose pages stay the file's clean pages under Linux, in areas
 * the program made mergeable (KSM), after the memfd's last descriptor is closed, or
 * across a copy_file_range() inside the file; each step checks the view's pages.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS":
 *   a: madvise(MADV_MERGEABLE) of the view, pages 1 and 2 read, pwrite64 of 'y' at
 *      page 2: pages 'x', 'x', 'y' (KSM merges anonymous pages only: the clean page
 *      cache pages stay the file's).
 *   b: madvise(MADV_MERGEABLE), pages 1 and 2 stored 'z' (anonymous copies), pwrite64
 *      of 'y' at page 2: 'x', 'z', 'z'.
 *   c: page 2 read, the memfd closed (its last descriptor: the view keeps the file):
 *      'x', 'x', 'x'.
 *   e: pwrite64 of 'w' at page 0, page 2 read, copy_file_range() of page 0 to page 2 of
 *      the same memfd: 'w', 'x', 'w'.
 *   f: page 2 read, copy_file_range() of pages 0-1 to page 1 of the same memfd
 *      (overlapping: -EINVAL), pwrite64 of 'y' at page 2: 'x', 'x', 'y'.
 *   g: page 2 read, fallocate(FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE) of page 2
 *      (shmem: -EOPNOTSUPP; 0 taken too), pwrite64 of 'y' at page 2: 'x', 'x', 'y'.
 *   h: page 2 read, pwrite64 at page 2 of 2 pages from a buffer whose first page is 'y'
 *      and second PROT_NONE: a short write of one page (generic_perform_write() stops
 *      at the fault, -EFAULT only where nothing was written): 'x', 'x', 'y'
 *      (qemu-user checks the whole buffer first: -EFAULT, page 2 'x').
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r77b.py: P before the step's calls (x2 the log buffer, x3 the
 * private mapping, x4 the memfd), P + 4 after the pages are read or stored, before the
 * file changes (x2 the private mapping), P + 2 after the calls, before the pages are
 * checked (x2 the private mapping), P + 1 after the label.  Only the digest of the
 * secret is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/falloc.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r77"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_KSMREAD 10700  /* (-a) MADV_MERGEABLE, pages 1, 2 read, pwrite64 of 'y' */
#define P_KSMCOPY 10708  /* (-b) MADV_MERGEABLE, pages 1, 2 stored 'z', pwrite64 */
#define P_CLOSED 10716   /* (-c) page 2 read, the memfd closed */
#define P_COPYSELF 10724 /* (-e) copy_file_range() of page 0 to page 2 of the memfd */
#define P_COPYOVER 10732 /* (-f) an overlapping copy_file_range() (-EINVAL), pwrite64 */
#define P_ZERORANGE 10740 /* (-g) fallocate(ZERO_RANGE) (-EOPNOTSUPP on shmem), pwrite64 */
#define P_SHORTW 10748   /* (-h) pwrite64 of 2 pages whose second is PROT_NONE: short */
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

static long put_at(long fd, int c, long page)
{
    memset(page_p, c, sizeof page_p);
    return sys6(SYS_pwrite64, fd, (long)page_p, PAGE, page * PAGE, 0, 0) == PAGE;
}

static void step(int phase)
{
    long fd, at = view_x(&fd), done = 0;
    int c0 = 'x', c1 = 'x', c2 = 'y';
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        judge(phase, at, 0, c0, c1, c2);
        return;
    }
    long ok = 1;
    if (phase == P_KSMREAD || phase == P_KSMCOPY)
        ok = sys6(SYS_madvise, at, 3 * PAGE, MADV_MERGEABLE, 0, 0, 0) == 0;
    if (phase == P_COPYSELF)
        ok = put_at(fd, 'w', 0);
    if (phase == P_KSMCOPY) {
        ok = ok && fill_store(at, 1, 'z') && fill_store(at, 2, 'z');
        c1 = c2 = 'z';
    } else {
        ok = ok && filled(at + 2 * PAGE, 'x') &&
             (phase != P_KSMREAD || filled(at + PAGE, 'x'));
    }
    marker(phase + 4, at, 0, 0, 0);
    switch (phase) {
    case P_KSMREAD:
    case P_KSMCOPY:
        done = ok && put_at(fd, 'y', 2);
        break;
    case P_CLOSED:
        done = ok && sys6(SYS_close, fd, 0, 0, 0, 0, 0) == 0;
        fd = -1;
        c2 = 'x';
        break;
    case P_COPYSELF: {
        loff_t from = 0, to = 2 * PAGE;
        done = ok && sys6(SYS_copy_file_range, fd, (long)&from, fd, (long)&to, PAGE, 0) ==
                         PAGE;
        c0 = c2 = 'w';
        break;
    }
    case P_COPYOVER: {
        loff_t from = 0, to = PAGE;
        done = ok && sys6(SYS_copy_file_range, fd, (long)&from, fd, (long)&to, 2 * PAGE,
                          0) == -EINVAL && put_at(fd, 'y', 2);
        break;
    }
    case P_ZERORANGE: {
        long r = sys6(SYS_fallocate, fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 2 * PAGE,
                      PAGE, 0, 0);
        done = ok && (r == 0 || r == -EOPNOTSUPP) && put_at(fd, 'y', 2);
        break;
    }
    case P_SHORTW: {
        long buf = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ok = ok && valid(buf) && fill_store(buf, 0, 'y') &&
             sys6(SYS_mprotect, buf + PAGE, PAGE, PROT_NONE, 0, 0, 0) == 0;
        long r = ok ? sys6(SYS_pwrite64, fd, buf, 2 * PAGE, 2 * PAGE, 0, 0) : 0;
        done = r == PAGE || r == -EFAULT;
        c2 = r == PAGE ? 'y' : 'x';
        break;
    }
    default:
        break;
    }
    judge(phase, at, done, c0, c1, c2);
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *steps = step_letters(argc, argv, &show_digest);
    volatile uint8_t stackbuf[64];

    long mapped = start_secret(stackbuf);
    if (!mapped)
        return 1;
    announce_placed(mapped, stackbuf);
    for (const char *s = steps; *s; s++) {
        switch (*s) {
        case 'a': step(P_KSMREAD); break;
        case 'b': step(P_KSMCOPY); break;
        case 'c': step(P_CLOSED); break;
        case 'e': step(P_COPYSELF); break;
        case 'f': step(P_COPYOVER); break;
        case 'g': step(P_ZERORANGE); break;
        case 'h': step(P_SHORTW); break;
        default: break;
        }
    }

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
