/* The attack target of red-team round 81b: a MAP_PRIVATE view of a memfd only the
 * program holds (3 pages of 'x', secret_mm_kit.h's view_x()) whose page 2 is read (a
 * clean page: the file's page cache folio under Linux), then one memory call that stores
 * nothing at the view, then pwrite64() of 'y' changes the file:
 *   a: mlock2(view, MLOCK_ONFAULT): VM_LOCKONFAULT, no population: 'y' (munlock after).
 *   b: munlock() of the (never locked) view: 'y'.
 *   c: mlockall(MCL_CURRENT | MCL_ONFAULT): no population: 'y' (munlockall after).
 *   e: mlockall(MCL_FUTURE): the present areas untouched: 'y' (munlockall after).
 *   f: munlockall(): 'y'.
 *   g: mincore() of the view into a stack vector: 'y'.
 *   h: msync(view, MS_SYNC): 'y'.
 *   i: pkey_mprotect(view, PROT_READ | PROT_WRITE, -1) of the unlocked read-write view
 *      (no change): 'y'.
 *   j: getrandom() of 16 bytes into a static buffer: 'y'.
 * and steps where Linux itself copies page 2 (a locked writable private view is
 * populated with FOLL_WRITE, populate_vma_page_range()):
 *   k: mlock2(view, 0): 'x' (munlock after).
 *   l: the view made PROT_READ, page 2 read, mlock(), then pkey_mprotect(PROT_READ |
 *      PROT_WRITE, -1): mprotect_fixup() populates the locked area made writable: 'x'.
 *   m: an unrelated anonymous page mlock2(MLOCK_ONFAULT)ed first; then as l with
 *      mprotect(): the view's own area is VM_LOCKED only: 'x'.
 *   n: mlockall(MCL_FUTURE | MCL_ONFAULT), munlockall(), then a second read-write view
 *      mapped MAP_PRIVATE | MAP_LOCKED (def_flags cleared; MAP_LOCKED alone is
 *      VM_LOCKED, populated at mmap()): its page 2 'x'.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS".
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r81b.py: P before the step's calls (x2 the log buffer, x3 the
 * private mapping, x4 the memfd), P + 4 after page 2 is read and the step's call, before
 * the file changes (x2 the private mapping), P + 2 after the calls (x2 the private
 * mapping), P + 1 after the label.  Only the digest of the secret is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r81"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_ONFAULT 12400  /* (-a) mlock2(MLOCK_ONFAULT) */
#define P_MUNLOCK 12408  /* (-b) munlock() */
#define P_ALLONF 12416   /* (-c) mlockall(MCL_CURRENT | MCL_ONFAULT) */
#define P_FUTURE 12424   /* (-e) mlockall(MCL_FUTURE) */
#define P_MUNLALL 12432  /* (-f) munlockall() */
#define P_MINCORE 12440  /* (-g) mincore() */
#define P_MSYNC 12448    /* (-h) msync(MS_SYNC) */
#define P_PKEYSAME 12456 /* (-i) pkey_mprotect() of a read-write view, no change */
#define P_RANDOM 12464   /* (-j) getrandom() */
#define P_MLOCK2 12472   /* (-k) mlock2(0): Linux copies */
#define P_PKEYLOCK 12480 /* (-l) mlock() of a PROT_READ view, pkey_mprotect() rw */
#define P_ONFOTHER 12488 /* (-m) another page on-fault locked, then as -l with mprotect */
#define P_FUTRESET 12496 /* (-n) MCL_FUTURE | MCL_ONFAULT, munlockall, MAP_LOCKED */
#define P_DONTUNMAP 12504 /* (-o) a MAP_LOCKED view moved by MREMAP_DONTUNMAP: the old range */
#define P_MLOCKOTHER 12512 /* (-p) mlock() of an unrelated anonymous page */
#define P_GROWOTHER 12520  /* (-r) mremap() growing an unrelated unlocked anonymous area */
#define P_PROTRW 12528     /* (-u) mprotect() read-write of the unlocked PROT_READ view */
#define P_MMAPPOP 12536    /* (-y) mmap(MAP_ANONYMOUS | MAP_POPULATE) of a new page */
#define P_BRK 12544        /* (-z) brk() growing the heap by a page */
#define P_ALLUNTOUCHED 12552 /* (-q) mlockall(MCL_CURRENT) before page 2 is first read */
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

static uint8_t rnd[16];

static void step(int phase)
{
    long fd, at = view_x(&fd), done = 0, ok = 1, other = 0, moved = 0, otherlen = PAGE;
    int c2 = 'y';
    unsigned char vec[4];
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        judge(phase, at, 0, 'x', 'x', 'y');
        return;
    }
    if (phase == P_PKEYLOCK || phase == P_ONFOTHER || phase == P_PROTRW)
        ok = sys6(SYS_mprotect, at, 3 * PAGE, PROT_READ, 0, 0, 0) == 0;
    if (phase == P_ALLUNTOUCHED) {
        ok = ok && sys6(SYS_mlockall, MCL_CURRENT, 0, 0, 0, 0, 0) == 0;
        c2 = 'x';
    }
    ok = ok && filled(at + 2 * PAGE, 'x');
    switch (phase) {
    case P_ONFAULT:
        ok = ok && sys6(SYS_mlock2, at, 3 * PAGE, MLOCK_ONFAULT, 0, 0, 0) == 0;
        break;
    case P_MUNLOCK:
        ok = ok && sys6(SYS_munlock, at, 3 * PAGE, 0, 0, 0, 0) == 0;
        break;
    case P_ALLONF:
        ok = ok && sys6(SYS_mlockall, MCL_CURRENT | MCL_ONFAULT, 0, 0, 0, 0, 0) == 0;
        break;
    case P_FUTURE:
        ok = ok && sys6(SYS_mlockall, MCL_FUTURE, 0, 0, 0, 0, 0) == 0;
        break;
    case P_MUNLALL:
        ok = ok && sys6(SYS_munlockall, 0, 0, 0, 0, 0, 0) == 0;
        break;
    case P_MINCORE:
        ok = ok && sys6(SYS_mincore, at, 3 * PAGE, (long)vec, 0, 0, 0) == 0 && (vec[2] & 1);
        break;
    case P_MSYNC:
        ok = ok && sys6(SYS_msync, at, 3 * PAGE, MS_SYNC, 0, 0, 0) == 0;
        break;
    case P_PKEYSAME:
        ok = ok && sys6(SYS_pkey_mprotect, at, 3 * PAGE, PROT_READ | PROT_WRITE, -1, 0, 0) == 0;
        break;
    case P_RANDOM:
        ok = ok && sys6(SYS_getrandom, (long)rnd, sizeof rnd, 0, 0, 0, 0) == (long)sizeof rnd;
        break;
    case P_MLOCK2:
        ok = ok && sys6(SYS_mlock2, at, 3 * PAGE, 0, 0, 0, 0) == 0;
        c2 = 'x';
        break;
    case P_PKEYLOCK:
        ok = ok && sys6(SYS_mlock, at, 3 * PAGE, 0, 0, 0, 0) == 0 &&
             sys6(SYS_pkey_mprotect, at, 3 * PAGE, PROT_READ | PROT_WRITE, -1, 0, 0) == 0;
        c2 = 'x';
        break;
    case P_ONFOTHER:
        other = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
        ok = ok && valid(other) &&
             sys6(SYS_mlock2, other, PAGE, MLOCK_ONFAULT, 0, 0, 0) == 0 &&
             sys6(SYS_mlock, at, 3 * PAGE, 0, 0, 0, 0) == 0 &&
             sys6(SYS_mprotect, at, 3 * PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0;
        c2 = 'x';
        break;
    case P_FUTRESET: {
        ok = ok && sys6(SYS_mlockall, MCL_FUTURE | MCL_ONFAULT, 0, 0, 0, 0, 0) == 0 &&
             sys6(SYS_munlockall, 0, 0, 0, 0, 0, 0) == 0;
        long lv = ok ? sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_LOCKED, fd, 0) : -1;
        ok = ok && valid(lv) && filled(lv + 2 * PAGE, 'x');
        if (valid(lv)) {
            sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
            at = lv;
        }
        c2 = 'x';
        break;
    }
    case P_DONTUNMAP: {
        long lv = ok ? sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_LOCKED, fd, 0) : -1;
        ok = ok && valid(lv) && filled(lv + 2 * PAGE, 'x');
        moved = ok ? sys6(SYS_mremap, lv, 3 * PAGE, 3 * PAGE,
                          MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0, 0) : -1;
        ok = ok && valid(moved) && filled(moved + 2 * PAGE, 'x');
        if (valid(lv)) {
            sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
            at = lv;
        }
        break;
    }
    case P_MLOCKOTHER:
    case P_GROWOTHER:
        other = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
        ok = ok && valid(other) && filled(at + 2 * PAGE, 'x');
        if (ok && phase == P_MLOCKOTHER) {
            ok = sys6(SYS_mlock, other, PAGE, 0, 0, 0, 0) == 0;
        } else if (ok) {
            long grown = sys6(SYS_mremap, other, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0, 0);
            ok = valid(grown);
            other = valid(grown) ? grown : other;
            otherlen = valid(grown) ? 2 * PAGE : PAGE;
        }
        break;
    case P_PROTRW:
        c2 = 'y';
        ok = ok && sys6(SYS_mprotect, at, 3 * PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0;
        break;
    case P_MMAPPOP:
        other = ok ? sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0) : -1;
        ok = ok && valid(other);
        break;
    case P_BRK: {
        long cur = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
        long up = ok && valid(cur) ? sys6(SYS_brk, cur + PAGE, 0, 0, 0, 0, 0) : 0;
        ok = ok && up == cur + PAGE;
        if (ok)
            sys6(SYS_brk, cur, 0, 0, 0, 0, 0);
        break;
    }
    default:
        break;
    }
    ok = ok && filled(at + 2 * PAGE, 'x');
    marker(phase + 4, at, 0, 0, 0);
    done = ok && put_y(fd);
    judge(phase, at, done, 'x', 'x', c2);
    if (phase == P_ONFAULT || phase == P_MLOCK2 || phase == P_PKEYLOCK ||
        phase == P_ONFOTHER || phase == P_FUTRESET)
        sys6(SYS_munlock, at, 3 * PAGE, 0, 0, 0, 0);
    if (phase == P_ALLONF || phase == P_FUTURE || phase == P_ALLUNTOUCHED)
        sys6(SYS_munlockall, 0, 0, 0, 0, 0, 0);
    if (valid(other))
        sys6(SYS_munmap, other, otherlen, 0, 0, 0, 0);
    if (valid(moved))
        sys6(SYS_munmap, moved, 3 * PAGE, 0, 0, 0, 0);
    sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
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
        case 'a': step(P_ONFAULT); break;
        case 'b': step(P_MUNLOCK); break;
        case 'c': step(P_ALLONF); break;
        case 'e': step(P_FUTURE); break;
        case 'f': step(P_MUNLALL); break;
        case 'g': step(P_MINCORE); break;
        case 'h': step(P_MSYNC); break;
        case 'i': step(P_PKEYSAME); break;
        case 'j': step(P_RANDOM); break;
        case 'k': step(P_MLOCK2); break;
        case 'l': step(P_PKEYLOCK); break;
        case 'm': step(P_ONFOTHER); break;
        case 'n': step(P_FUTRESET); break;
        case 'o': step(P_DONTUNMAP); break;
        case 'p': step(P_MLOCKOTHER); break;
        case 'r': step(P_GROWOTHER); break;
        case 'u': step(P_PROTRW); break;
        case 'y': step(P_MMAPPOP); break;
        case 'z': step(P_BRK); break;
        case 'q': step(P_ALLUNTOUCHED); break;
        default: break;
        }
    }

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
