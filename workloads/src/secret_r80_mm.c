/* The attack target of red-team round 80b: a MAP_PRIVATE view of a memfd only the
 * program holds (3 pages of 'x', secret_mm_kit.h's view_x()) whose page 2 is read (a
 * clean page: the file's page cache folio under Linux), then a MAP_SHARED view of the
 * memfd stores 'y' at its page 2 -- the same folio -- and the shared view goes away:
 *   a: a fork child stores 'y' through the shared view and exits 0;
 *   b: the program itself stores 'y' through the shared view and munmap()s it.
 * After the marker P + 4 the program reads file page 2 back by pread64() (the page cache:
 * 'y') and its private page 2 (the folio: 'y').
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS".
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values): P before the
 * step's calls (x2 the log buffer, x3 the private mapping, x4 the memfd), P + 4 after the
 * shared view is gone, before the reads (x2 the private mapping, x3 the shared view's
 * address), P + 2 after the pread64() (x2 the private mapping), P + 1 after the label.
 * Only the digest of the secret is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r80"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_CHILDSTORE 11800 /* (-a) a fork child's store through a shared view */
#define P_OWNSTORE 11808   /* (-b) the program's store through a shared view, munmap() */
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

static uint8_t back[PAGE];

static void step(int phase)
{
    long fd, at = view_x(&fd), ok;
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        judge(phase, at, 0, 'x', 'x', 'y');
        return;
    }
    ok = filled(at + 2 * PAGE, 'x');
    long sh = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ok = ok && valid(sh);
    if (ok && phase == P_CHILDSTORE) {
        long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            memset((uint8_t *)sh + 2 * PAGE, 'y', PAGE);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        int st = -1;
        ok = pid > 0 && waitpid((pid_t)pid, &st, 0) == pid && st == 0;
    } else if (ok) {
        memset((uint8_t *)sh + 2 * PAGE, 'y', PAGE);
        ok = sys6(SYS_munmap, sh, 3 * PAGE, 0, 0, 0, 0) == 0;
    }
    marker(phase + 4, at, sh, 0, 0);
    memset(back, 0, sizeof back);
    long done = ok && sys6(SYS_pread64, fd, (long)back, PAGE, 2 * PAGE, 0, 0) == PAGE &&
                filled((long)back, 'y');
    judge(phase, at, done, 'x', 'x', 'y');
    if (phase == P_CHILDSTORE && valid(sh))
        sys6(SYS_munmap, sh, 3 * PAGE, 0, 0, 0, 0);
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
        case 'a': step(P_CHILDSTORE); break;
        case 'b': step(P_OWNSTORE); break;
        default: break;
        }
    }

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
