/* The attack target of red-team round 76b: MAP_PRIVATE views of memfds only the program
 * holds (3 pages of 'x') whose page 2 was read (a clean page: the file's page cache page
 * under Linux) and then the file changed by another way than pwrite64() of the program,
 * or the view kept its clean page across a call; each step checks the view's pages.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS":
 *   a: lseek() to page 2 and write() of 'y': page 2 reads 'y'.
 *   b: a MAP_SHARED view of the file stores 'y' at its page 2: 'y'.
 *   c: fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) of page 2: zeros.
 *   e: ftruncate() to 2 pages and back to 3: page 2 reads zeros.
 *   f: a fork child's pwrite64 of 'y' (reaped): 'y'.
 *   g: a vfork child's pwrite64 of 'y', then _exit: 'y'.
 *   h: madvise(MADV_DONTNEED) of the clean page 2, pwrite64 of 'y': 'y'.
 *   i: a failed mremap() (new size 0: EINVAL), pwrite64 of 'y': 'y'.
 *   j: madvise(MADV_POPULATE_READ) of the view (nothing read before), pwrite64 of 'y': 'y'.
 *   k: a memfd sealed F_SEAL_WRITE (no shared view), its read-write private view's page 2
 *      read then stored 'z': pages 'x', 'x', 'z'.
 *   l: a memfd sealed F_SEAL_FUTURE_WRITE, page 2 read, then stored 'z': 'z'.
 *   m: a PROT_READ view's page 2 read, mlock() (kept locked), pwrite64 of 'y': 'y'.
 *   n: page 2 read, pwrite64 of 'y', a fork child checks its page 2 reads 'y' (exit
 *      status 0 if so), the parent's page 2 reads 'y'.
 *   o: page 2 read, mremap() shrinking the view to 2 pages and growing it back in place
 *      (MREMAP_MAYMOVE), pwrite64 of 'y': page 2 reads 'y' (a fresh fault of the file).
 *   p: pwritev() of 'y' at page 2: 'y'.
 *   q: copy_file_range() of a page of 'y' from another memfd to page 2: 'y'.
 *   r: /proc/self/fd/N opened again O_RDWR, pwrite64 of 'y' through it: 'y'.
 *   s: pwrite64 of 'y' through a dup() of the memfd: 'y'.
 *   t: sendfile() of a page of 'y' from another memfd, at page 2 (lseek): 'y'.
 *   u: splice() of a page of 'y' from a pipe to page 2: 'y'.
 *   v: a fork child stores 'y' through a MAP_SHARED view's page 2 (reaped): 'y'.
 *   w: a second private view of 2 pages at file offset 1 page, both pages read;
 *      pwrite64 of 'w' at file page 1 and 'y' at file page 2: the view reads 'w', 'y'
 *      (the first view pages 'x', 'w', 'y').
 *   x: a second private view of the whole file, page 2 read in both; pwrite64 of 'y':
 *      both views' page 2 read 'y'.
 *   y: page 2 stored 'z' (a private copy), ftruncate() to 2 pages and back to 3:
 *      zeros (truncation unmaps private copies too).
 *   z: page 2 stored 'z', fallocate(PUNCH_HOLE | KEEP_SIZE) of page 2: 'z' (a hole
 *      punch keeps private copies).
 *   A: page 2 read, a fork child waits on a pipe; the parent stores 'z' at its page 2
 *      (its own copy), pwrite64 of 'y', wakes the child: the child's page 2 (still the
 *      page cache page) reads 'y' (its exit status 0), the parent's 'z'.
 *   B: page 2 read, madvise(MADV_POPULATE_WRITE) (a copy), pwrite64 of 'y',
 *      madvise(MADV_DONTNEED) of page 2: the refault reads 'y'.
 *   C: page 2 read, mprotect(PROT_NONE) and back to read-write, pwrite64 of 'y': 'y'.
 *   D: a PROT_READ view mapped MAP_POPULATE, page 2 read, pwrite64 of 'y': 'y'.
 *   E: page 2 stored 'z', mprotect(PROT_READ), pwrite64 of 'y': 'z'.
 *   F: /proc/self/fd/N opened again O_RDWR | O_APPEND, lseek() to page 2, write() of
 *      'y': appended at page 3, page 2 reads 'x'.
 *   G: the same, pwrite64() of 'y' at page 2: appended too (O_APPEND wins over the
 *      offset on Linux), page 2 reads 'x'.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r76b.py: P before the step's calls (x2 the log buffer, x3 the
 * private mapping, x4 the memfd), P + 2 after them, before the pages are read (x2 the
 * private mapping), P + 1 after the label.  Only the digest of the secret is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/sched.h>
#include <sys/uio.h>
#include <sys/sendfile.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r76"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_WRITE 10400    /* (-a) write() of 'y' at page 2 */
#define P_SHSTORE 10404  /* (-b) a shared view's store of 'y' */
#define P_PUNCH 10408    /* (-c) fallocate(PUNCH_HOLE) of page 2 */
#define P_TRUNC 10412    /* (-e) ftruncate() down and up */
#define P_FORKW 10416    /* (-f) a fork child's pwrite64 */
#define P_VFORKW 10420   /* (-g) a vfork child's pwrite64 */
#define P_DONTNEED 10424 /* (-h) MADV_DONTNEED of the clean page, pwrite64 */
#define P_BADREMAP 10428 /* (-i) a failed mremap(), pwrite64 */
#define P_POPREAD 10432  /* (-j) MADV_POPULATE_READ, pwrite64 */
#define P_SEALW 10436    /* (-k) F_SEAL_WRITE, private store */
#define P_SEALFW 10440   /* (-l) F_SEAL_FUTURE_WRITE, private store */
#define P_ROLOCKW 10444  /* (-m) mlock() of a PROT_READ view kept, pwrite64 */
#define P_CHILDSEES 10448 /* (-n) pwrite64, a fork child reads its page 2 */
#define P_SHRINKMV 10452 /* (-o) mremap() shrink and grow back, pwrite64 */
#define P_PWRITEV 10456  /* (-p) pwritev() of 'y' */
#define P_COPYFR 10460   /* (-q) copy_file_range() of 'y' from another memfd */
#define P_REOPEN 10464   /* (-r) /proc/self/fd/N reopened, pwrite64 of 'y' */
#define P_DUPW 10468     /* (-s) a dup()'d fd's pwrite64 of 'y' */
#define P_SENDF 10472    /* (-t) sendfile() of 'y' from another memfd */
#define P_SPLICE 10476   /* (-u) splice() of 'y' from a pipe */
#define P_CHILDSH 10480  /* (-v) a fork child's store through a shared view */
#define P_OFFVIEW 10484  /* (-w) a view at file offset 1 page, pwrite64 of pages 1, 2 */
#define P_TWOVIEWS 10488 /* (-x) two private views of the file, pwrite64 of 'y' */
#define P_TRUNCCOW 10492 /* (-y) page 2 stored 'z', ftruncate() down and up */
#define P_PUNCHCOW 10496 /* (-z) page 2 stored 'z', fallocate(PUNCH_HOLE) */
#define P_CHILDCLEAN 10500 /* (-A) a fork child's clean page 2 after the parent's store */
#define P_POPDROP 10504  /* (-B) MADV_POPULATE_WRITE, pwrite64, MADV_DONTNEED */
#define P_PROTNONE 10508 /* (-C) mprotect(PROT_NONE) and back, pwrite64 */
#define P_POPRO 10512    /* (-D) a PROT_READ view mapped MAP_POPULATE, pwrite64 */
#define P_STOREDRO 10516 /* (-E) page 2 stored 'z', mprotect(PROT_READ), pwrite64 */
#define P_APPENDW 10520  /* (-F) an O_APPEND reopen, lseek to page 2, write() of 'y' */
#define P_APPENDPW 10524 /* (-G) an O_APPEND reopen, pwrite64 of 'y' at page 2 */
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

/* A memfd of 3 pages of 'x' (pwrite64), sealed with `seals` (0: none), mapped
 * MAP_PRIVATE with `prot`. */
static long view_sealed(long prot, long seals, long *fd)
{
    *fd = sys6(SYS_memfd_create, (long)ROUND_TAG, seals ? MFD_ALLOW_SEALING : 0, 0, 0, 0, 0);
    if (*fd < 0 || sys6(SYS_ftruncate, *fd, 3 * PAGE, 0, 0, 0, 0) != 0)
        return -1;
    memset(page_p, 'x', sizeof page_p);
    for (long i = 0; i < 3; i++)
        if (sys6(SYS_pwrite64, *fd, (long)page_p, PAGE, i * PAGE, 0, 0) != PAGE)
            return -1;
    if (seals && sys6(SYS_fcntl, *fd, F_ADD_SEALS, seals, 0, 0, 0) != 0)
        return -1;
    long at = sys6(SYS_mmap, 0, 3 * PAGE, prot & 0xff,
                   MAP_PRIVATE | (prot & 0x100 ? MAP_POPULATE : 0), *fd, 0);
    return valid(at) ? at : -1;
}

static void step(int phase)
{
    int ro = phase == P_ROLOCKW || phase == P_POPRO;
    long seals = phase == P_SEALW ? F_SEAL_WRITE : phase == P_SEALFW ? F_SEAL_FUTURE_WRITE : 0;
    long prot = ro ? PROT_READ : PROT_READ | PROT_WRITE;
    long fd, at = view_sealed(phase == P_POPRO ? prot | 0x100 : prot, seals, &fd), done = 0;
    int c2 = 'y';
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        judge(phase, at, 0, 'x', 'x', 'y');
        return;
    }
    long p2 = at + 2 * PAGE;
    long ok = phase == P_POPREAD || filled(p2, 'x');
    long wrote = 0;
    switch (phase) {
    case P_WRITE:
        memset(page_p, 'y', sizeof page_p);
        wrote = ok && sys6(SYS_lseek, fd, 2 * PAGE, SEEK_SET, 0, 0, 0) == 2 * PAGE &&
                sys6(SYS_write, fd, (long)page_p, PAGE, 0, 0, 0) == PAGE;
        ok = wrote;
        break;
    case P_SHSTORE: {
        long sh = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        ok = ok && valid(sh);
        if (ok)
            memset((uint8_t *)sh + 2 * PAGE, 'y', PAGE);
        wrote = ok;
        break;
    }
    case P_PUNCH:
        ok = ok && sys6(SYS_fallocate, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                        2 * PAGE, PAGE, 0, 0) == 0;
        c2 = 0;
        wrote = ok;
        break;
    case P_POPDROP:
        ok = ok && sys6(SYS_madvise, p2, PAGE, 23 /* MADV_POPULATE_WRITE */, 0, 0, 0) == 0 &&
             put_y(fd) && sys6(SYS_madvise, p2, PAGE, MADV_DONTNEED, 0, 0, 0) == 0;
        wrote = ok;
        break;
    case P_PROTNONE:
        ok = ok && sys6(SYS_mprotect, at, 3 * PAGE, PROT_NONE, 0, 0, 0) == 0 &&
             sys6(SYS_mprotect, at, 3 * PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0;
        break;
    case P_STOREDRO:
        memset((uint8_t *)p2, 'z', PAGE);
        ok = ok && sys6(SYS_mprotect, at, 3 * PAGE, PROT_READ, 0, 0, 0) == 0;
        c2 = 'z';
        break;
    case P_CHILDCLEAN: {
        int pp[2];
        char b = 0;
        long pid = ok && pipe(pp) == 0 ? sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0) : -1;
        if (pid == 0) {
            long n = sys6(SYS_read, pp[0], (long)&b, 1, 0, 0, 0);
            sys6(SYS_exit_group, n == 1 && filled(p2, 'y') ? 0 : 1, 0, 0, 0, 0, 0);
        }
        memset((uint8_t *)p2, 'z', PAGE);
        ok = ok && pid > 0 && put_y(fd) && sys6(SYS_write, pp[1], (long)&b, 1, 0, 0, 0) == 1;
        int st = -1;
        wrote = ok = ok && waitpid((pid_t)pid, &st, 0) == pid && st == 0;
        c2 = 'z';
        break;
    }
    case P_TRUNCCOW:
    case P_PUNCHCOW:
        memset((uint8_t *)p2, 'z', PAGE);
        if (phase == P_PUNCHCOW)
            ok = ok && sys6(SYS_fallocate, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                            2 * PAGE, PAGE, 0, 0) == 0;
        else
            ok = ok && sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) == 0 &&
                 sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0;
        c2 = phase == P_PUNCHCOW ? 'z' : 0;
        wrote = ok;
        break;
    case P_TRUNC:
        ok = ok && sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) == 0 &&
             sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0;
        c2 = 0;
        wrote = ok;
        break;
    case P_FORKW:
    case P_VFORKW: {
        long flags = phase == P_VFORKW ? CLONE_VM | CLONE_VFORK | SIGCHLD : SIGCHLD;
        memset(page_p, 'y', sizeof page_p);
        long pid = sys6(SYS_clone, flags, 0, 0, 0, 0, 0);
        if (pid == 0) {
            long r = sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0);
            sys6(SYS_exit, r == PAGE ? 0 : 1, 0, 0, 0, 0, 0);
        }
        int st = -1;
        wrote = ok = ok && pid > 0 && waitpid((pid_t)pid, &st, 0) == pid && st == 0;
        break;
    }
    case P_DONTNEED:
        ok = ok && sys6(SYS_madvise, p2, PAGE, MADV_DONTNEED, 0, 0, 0) == 0;
        break;
    case P_BADREMAP:
        ok = ok && sys6(SYS_mremap, at, 3 * PAGE, 0, MREMAP_MAYMOVE, 0, 0) < 0;
        break;
    case P_POPREAD:
        ok = sys6(SYS_madvise, at, 3 * PAGE, 22 /* MADV_POPULATE_READ */, 0, 0, 0) == 0;
        break;
    case P_SEALW:
    case P_SEALFW:
        ok = ok && put_y(fd) == 0;
        memset((uint8_t *)p2, 'z', PAGE);
        c2 = 'z';
        wrote = ok;
        break;
    case P_ROLOCKW:
        ok = ok && sys6(SYS_mlock, at, 3 * PAGE, 0, 0, 0, 0) == 0;
        break;
    case P_CHILDSEES: {
        ok = ok && put_y(fd);
        long pid = ok ? sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0) : -1;
        if (pid == 0)
            sys6(SYS_exit_group, filled(p2, 'y') ? 0 : 1, 0, 0, 0, 0, 0);
        int st = -1;
        wrote = ok = ok && pid > 0 && waitpid((pid_t)pid, &st, 0) == pid && st == 0;
        break;
    }
    case P_SHRINKMV: {
        long a1 = sys6(SYS_mremap, at, 3 * PAGE, 2 * PAGE, 0, 0, 0);
        long a2 = a1 == at ? sys6(SYS_mremap, at, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE, 0, 0)
                           : -1;
        ok = ok && a1 == at && valid(a2);
        if (ok)
            at = a2;
        break;
    }
    case P_PWRITEV: {
        struct iovec iv[2] = {{page_p, PAGE / 2}, {page_p + PAGE / 2, PAGE / 2}};
        memset(page_p, 'y', sizeof page_p);
        wrote = ok = ok && sys6(SYS_pwritev, fd, (long)iv, 2, 2 * PAGE, 0, 0) == PAGE;
        break;
    }
    case P_COPYFR:
    case P_SENDF: {
        long src = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0);
        memset(page_p, 'y', sizeof page_p);
        long n = src >= 0 ? sys6(SYS_pwrite64, src, (long)page_p, PAGE, 0, 0, 0) : -1;
        long r = -1;
        if (n == PAGE && phase == P_COPYFR) {
            long long so = 0, dof = 2 * PAGE;
            r = sys6(SYS_copy_file_range, src, (long)&so, fd, (long)&dof, PAGE, 0);
        } else if (n == PAGE) {
            long off = 0;
            if (sys6(SYS_lseek, fd, 2 * PAGE, SEEK_SET, 0, 0, 0) == 2 * PAGE)
                r = sys6(SYS_sendfile, fd, src, (long)&off, PAGE, 0, 0);
        }
        wrote = ok = ok && r == PAGE;
        break;
    }
    case P_APPENDW:
    case P_APPENDPW:
    case P_REOPEN:
    case P_DUPW: {
        char path[32] = "/proc/self/fd/";
        long n2 = fd, k = 14;
        char d[8];
        int nd = 0;
        do { d[nd++] = (char)('0' + n2 % 10); n2 /= 10; } while (n2);
        while (nd)
            path[k++] = d[--nd];
        path[k] = 0;
        long f2 = phase == P_DUPW ? sys6(SYS_dup, fd, 0, 0, 0, 0, 0)
                  : sys6(SYS_openat, AT_FDCWD, (long)path,
                         O_RDWR | (phase == P_REOPEN ? 0 : O_APPEND), 0, 0, 0);
        if (phase == P_APPENDW) {
            memset(page_p, 'y', sizeof page_p);
            wrote = ok = ok && f2 >= 0 &&
                         sys6(SYS_lseek, f2, 2 * PAGE, SEEK_SET, 0, 0, 0) == 2 * PAGE &&
                         sys6(SYS_write, f2, (long)page_p, PAGE, 0, 0, 0) == PAGE;
        } else {
            wrote = ok = ok && f2 >= 0 && put_y(f2);
        }
        if (phase == P_APPENDW || phase == P_APPENDPW) {
            c2 = 'x';
            ok = ok && sys6(SYS_lseek, f2, 0, SEEK_END, 0, 0, 0) == 4 * PAGE;
            wrote = ok;
        }
        break;
    }
    case P_SPLICE: {
        int pp[2];
        long long dof = 2 * PAGE;
        memset(page_p, 'y', sizeof page_p);
        wrote = ok = ok && pipe(pp) == 0 &&
                     sys6(SYS_write, pp[1], (long)page_p, PAGE, 0, 0, 0) == PAGE &&
                     sys6(SYS_splice, pp[0], 0, fd, (long)&dof, PAGE, 0) == PAGE;
        break;
    }
    case P_CHILDSH: {
        long sh = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        long pid = valid(sh) ? sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0) : -1;
        if (pid == 0) {
            memset((uint8_t *)sh + 2 * PAGE, 'y', PAGE);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        int st = -1;
        wrote = ok = ok && pid > 0 && waitpid((pid_t)pid, &st, 0) == pid && st == 0;
        break;
    }
    default:
        break;
    }
    done = ok && (wrote || put_y(fd));
    judge(phase, at, done, 'x', 'x', c2);
    if (phase == P_ROLOCKW)
        sys6(SYS_munlock, at, 3 * PAGE, 0, 0, 0, 0);
}

/* -w, -x: a second private view `v2` of the file; after the writes the marker P + 2
 * carries the first view (x2) and the second (x3). */
static void views_step(int phase)
{
    long fd, at = view_sealed(PROT_READ | PROT_WRITE, 0, &fd), v2 = -1, ok = 0, done = 0;
    if (valid(at))
        v2 = phase == P_OFFVIEW
                 ? sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE)
                 : sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    marker(phase, (long)logbuf, at, fd, v2);
    if (valid(v2) && filled(at + 2 * PAGE, 'x') && filled(at + PAGE, 'x')) {
        long w = 1;
        if (phase == P_OFFVIEW) {
            w = filled(v2, 'x') && filled(v2 + PAGE, 'x');
            memset(page_p, 'w', sizeof page_p);
            w = w && sys6(SYS_pwrite64, fd, (long)page_p, PAGE, PAGE, 0, 0) == PAGE;
        } else {
            w = filled(v2 + 2 * PAGE, 'x');
        }
        done = w && put_y(fd);
    }
    if (done) {
        marker(phase + 2, at, v2, 0, 0);
        if (phase == P_OFFVIEW)
            ok = filled(at, 'x') && filled(at + PAGE, 'w') && filled(at + 2 * PAGE, 'y') &&
                 filled(v2, 'w') && filled(v2 + PAGE, 'y');
        else
            ok = filled(at + 2 * PAGE, 'y') && filled(v2 + 2 * PAGE, 'y');
    }
    log_label(phase, ok ? 0 : -4);
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
        case 'a': step(P_WRITE); break;
        case 'b': step(P_SHSTORE); break;
        case 'c': step(P_PUNCH); break;
        case 'e': step(P_TRUNC); break;
        case 'f': step(P_FORKW); break;
        case 'g': step(P_VFORKW); break;
        case 'h': step(P_DONTNEED); break;
        case 'i': step(P_BADREMAP); break;
        case 'j': step(P_POPREAD); break;
        case 'k': step(P_SEALW); break;
        case 'l': step(P_SEALFW); break;
        case 'm': step(P_ROLOCKW); break;
        case 'n': step(P_CHILDSEES); break;
        case 'o': step(P_SHRINKMV); break;
        case 'p': step(P_PWRITEV); break;
        case 'q': step(P_COPYFR); break;
        case 'r': step(P_REOPEN); break;
        case 's': step(P_DUPW); break;
        case 't': step(P_SENDF); break;
        case 'u': step(P_SPLICE); break;
        case 'v': step(P_CHILDSH); break;
        case 'w': views_step(P_OFFVIEW); break;
        case 'x': views_step(P_TWOVIEWS); break;
        case 'y': step(P_TRUNCCOW); break;
        case 'z': step(P_PUNCHCOW); break;
        case 'A': step(P_CHILDCLEAN); break;
        case 'B': step(P_POPDROP); break;
        case 'C': step(P_PROTNONE); break;
        case 'D': step(P_POPRO); break;
        case 'E': step(P_STOREDRO); break;
        case 'F': step(P_APPENDW); break;
        case 'G': step(P_APPENDPW); break;
        default: break;
        }
    }

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
