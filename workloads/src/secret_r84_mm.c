/* The attack target of red-team round 84b: a MAP_PRIVATE view of a memfd only the
 * program holds (3 pages of 'x', secret_mm_kit.h's view_x()) whose page 2 is read (a
 * clean page: the file's page cache folio under Linux), then one call whose output
 * pointer points INTO the view, whose answer the program does not look at (as many
 * programs ignore an error), then pwrite64() of 'y' changes the file; page 2 reads 'y'.
 * Under Linux each call stores nothing at page 2:
 *   a: clock_gettime(24, page 2): -EINVAL (clockid_to_kclock(): past CLOCK_AUX_LAST).
 *   b: pipe2(page 2, O_WRONLY): -EINVAL (__do_pipe_flags()).
 *   c: getrandom(page 2, 16, 0x100): -EINVAL (flags).
 *   e: sched_getaffinity(0, 4096, page 2 - 256): cpumask_size() bytes, in page 1.
 *   f: epoll_pwait(a new epoll with nothing added, page 2, 8, 0, NULL): 0.
 *   g: wait4(-1, page 2, WNOHANG, NULL), no child ever made: -ECHILD.
 *   h: read(/dev/null opened O_WRONLY, page 2, 16): -EBADF.
 *   i: pread64(memfd, page 2, 1 << 47, 0): -EFAULT (vfs_read(): access_ok()).
 *   j: readlinkat(AT_FDCWD, "/", page 2, 64): -EINVAL.
 *   k: getdents64(memfd, page 2, 4096): -ENOTDIR.
 *   l: futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, 1, page 2, op 5): -ENOSYS.
 *   m: mincore(view + 1, PAGE, page 2): -EINVAL.
 *   n: rt_sigaction(SIGUSR1, NULL, page 2, 4): -EINVAL.
 *   o: newfstatat(AT_FDCWD, "/nonexistent-r84", page 2, 0): -ENOENT.
 *   p: getitimer(5, page 2): -EINVAL.
 *   q: timerfd_gettime(memfd, page 2): -EINVAL (not a timerfd).
 *   t: rt_sigpending(page 2, 16): -EINVAL (sigsetsize).
 * and lock calls over a range that runs from the PROT_READ view into a hole after it,
 * then mprotect() read-write of the view (mprotect_fixup() populates only a VM_LOCKED
 * area without VM_LOCKONFAULT):
 *   r: mlock(view, 3 pages), then munlock(view, 4 pages): -ENOMEM after the view's area
 *      was unlocked (apply_vma_lock_flags()), then mprotect().
 *   s: mlock(view, 3 pages), then mlock2(view, 4 pages, MLOCK_ONFAULT): -ENOMEM after the
 *      view's area became VM_LOCKED | VM_LOCKONFAULT, then mprotect().
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS".
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r84b.py: P before the step's calls (x2 the log buffer, x3 the
 * private mapping, x4 the memfd), P + 4 after page 2 is read and the step's call, before
 * the file changes (x2 the private mapping), P + 2 after the calls (x2 the private
 * mapping), P + 1 after the label.  Only the digest of the secret is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r84"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_CLKFAULT 14400 /* (-a) clock_gettime(24, page 2) */
#define P_PIPEOK 14408   /* (-b) pipe2(page 2, O_WRONLY) */
#define P_RANDCNT 14416  /* (-c) getrandom(page 2, 16, 0x100) */
#define P_AFFLONG 14424  /* (-e) sched_getaffinity(0, 4096, page 2 - 256) */
#define P_EPEMPTY 14432  /* (-f) epoll_pwait(empty epoll, page 2, 8, 0) */
#define P_WAITPID 14440  /* (-g) wait4(-1, page 2, WNOHANG, NULL), no child */
#define P_RDWRCNT 14448  /* (-h) read(O_WRONLY fd, page 2, 16) */
#define P_PRHUGE 14456   /* (-i) pread64(memfd, page 2, 1 << 47, 0) */
#define P_LINKCNT 14464  /* (-j) readlinkat(AT_FDCWD, "/", page 2, 64) */
#define P_DENTCNT 14472  /* (-k) getdents64(memfd, page 2, 4096) */
#define P_WAKEOP 14480   /* (-l) futex(FUTEX_WAKE_OP_PRIVATE, page 2, op 5) */
#define P_MINCOK 14488   /* (-m) mincore(view + 1, PAGE, page 2) */
#define P_SIGOK 14496    /* (-n) rt_sigaction(SIGUSR1, NULL, page 2, 4) */
#define P_STATNONE 14504 /* (-o) newfstatat(AT_FDCWD, "/nonexistent-r84", page 2, 0) */
#define P_ITIMER 14512   /* (-p) getitimer(5, page 2) */
#define P_TFDGET 14520   /* (-q) timerfd_gettime(memfd, page 2) */
#define P_UNLOCKHOLE 14528 /* (-r) mlock(), munlock() into a hole, mprotect() rw */
#define P_ONFHOLE 14536  /* (-s) mlock(), mlock2(MLOCK_ONFAULT) into a hole, mprotect() */
#define P_SIGPEND 14544  /* (-t) rt_sigpending(page 2, 16) */
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

static int word;

/* The step's call; its answer is not looked at. */
static void call(int phase, long v, long fd)
{
    long p2 = v + 2 * PAGE, ep;
    switch (phase) {
    case P_CLKFAULT: sys6(SYS_clock_gettime, 24, p2, 0, 0, 0, 0); break;
    case P_PIPEOK: sys6(SYS_pipe2, p2, O_WRONLY, 0, 0, 0, 0); break;
    case P_RANDCNT: sys6(SYS_getrandom, p2, 16, 0x100, 0, 0, 0); break;
    case P_AFFLONG: sys6(SYS_sched_getaffinity, 0, 4096, p2 - 256, 0, 0, 0); break;
    case P_EPEMPTY:
        ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
        sys6(SYS_epoll_pwait, ep, p2, 8, 0, 0, 8);
        sys6(SYS_close, ep, 0, 0, 0, 0, 0);
        break;
    case P_WAITPID: sys6(SYS_wait4, -1, p2, 1 /* WNOHANG */, 0, 0, 0); break;
    case P_RDWRCNT: sys6(SYS_read, devnull, p2, 16, 0, 0, 0); break;
    case P_PRHUGE: sys6(SYS_pread64, fd, p2, 1L << 47, 0, 0, 0); break;
    case P_LINKCNT: sys6(SYS_readlinkat, AT_FDCWD, (long)"/", p2, 64, 0, 0); break;
    case P_DENTCNT: sys6(SYS_getdents64, fd, p2, 4096, 0, 0, 0); break;
    case P_WAKEOP:
        sys6(SYS_futex, (long)&word, 5 | 128 /* FUTEX_WAKE_OP_PRIVATE */, 1, 1, p2, 5L << 28);
        break;
    case P_MINCOK: sys6(SYS_mincore, v + 1, PAGE, p2, 0, 0, 0); break;
    case P_SIGOK: sys6(SYS_rt_sigaction, 10 /* SIGUSR1 */, 0, p2, 4, 0, 0); break;
    case P_STATNONE:
        sys6(SYS_newfstatat, AT_FDCWD, (long)"/nonexistent-r84", p2, 0, 0, 0);
        break;
    case P_ITIMER: sys6(SYS_getitimer, 5, p2, 0, 0, 0, 0); break;
    case P_TFDGET: sys6(SYS_timerfd_gettime, fd, p2, 0, 0, 0, 0); break;
    case P_SIGPEND: sys6(SYS_rt_sigpending, p2, 16, 0, 0, 0, 0); break;
    default: break;
    }
}

/* The lock steps: the view moved to a reservation whose 4th page is a hole, locked, then
 * unlocked (r) or on-fault locked (s) over the view and the hole, then mprotect() rw: 1
 * where the calls did their part; *at the view now. */
static long memcalls(int phase, long *at, long fd)
{
    long hole = sys6(SYS_mmap, 0, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!valid(hole) ||
        sys6(SYS_mmap, hole, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) != hole ||
        sys6(SYS_munmap, hole + 3 * PAGE, PAGE, 0, 0, 0, 0) != 0)
        return 0;
    sys6(SYS_munmap, *at, 3 * PAGE, 0, 0, 0, 0);
    *at = hole;
    if (sys6(SYS_mlock, hole, 3 * PAGE, 0, 0, 0, 0) != 0 || !filled(hole + 2 * PAGE, 'x'))
        return 0;
    if (phase == P_UNLOCKHOLE)
        sys6(SYS_munlock, hole, 4 * PAGE, 0, 0, 0, 0);
    else
        sys6(SYS_mlock2, hole, 4 * PAGE, MLOCK_ONFAULT, 0, 0, 0);
    return sys6(SYS_mprotect, hole, 3 * PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0;
}

static void step(int phase)
{
    long fd, at = view_x(&fd), done = 0, ok;
    int c1 = 'x';
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        judge(phase, at, 0, 'x', 'x', 'y');
        return;
    }
    if (phase == P_UNLOCKHOLE || phase == P_ONFHOLE) {
        ok = memcalls(phase, &at, fd);
    } else {
        ok = filled(at + 2 * PAGE, 'x');
        call(phase, at, fd);
    }
    /* (-e stores in page 1) */
    if (phase == P_AFFLONG)
        c1 = -1;
    ok = ok && filled(at + 2 * PAGE, 'x');
    marker(phase + 4, at, 0, 0, 0);
    done = ok && put_y(fd);
    judge(phase, at, done, 'x', c1, 'y');
    sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *steps = step_letters(argc, argv, &show_digest);
    volatile uint8_t stackbuf[64];
    static const char letters[] = "abcefghijklmnopqrst";
    static const int phases[] = {P_CLKFAULT, P_PIPEOK, P_RANDCNT, P_AFFLONG, P_EPEMPTY,
                                 P_WAITPID, P_RDWRCNT, P_PRHUGE, P_LINKCNT, P_DENTCNT,
                                 P_WAKEOP, P_MINCOK, P_SIGOK, P_STATNONE, P_ITIMER,
                                 P_TFDGET, P_UNLOCKHOLE, P_ONFHOLE, P_SIGPEND};

    long mapped = start_secret(stackbuf);
    if (!mapped)
        return 1;
    announce_placed(mapped, stackbuf);
    for (const char *s = steps; *s; s++)
        for (int i = 0; letters[i]; i++)
            if (*s == letters[i])
                step(phases[i]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
