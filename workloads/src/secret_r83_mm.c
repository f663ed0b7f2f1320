/* The attack target of red-team round 83b: a MAP_PRIVATE view of a memfd only the
 * program holds (3 pages of 'x', secret_mm_kit.h's view_x()) whose page 2 is read (a
 * clean page: the file's page cache folio under Linux), then one call whose output
 * pointer points INTO the view -- at page 2, or in page 1 with a length reaching past
 * page 2's start -- but that Linux answers without storing at page 2 (an error decided
 * before any store, or a store shorter than the length), then pwrite64() of 'y'
 * changes the file; page 2 reads 'y':
 *   a: clock_gettime(16, page 2): -EINVAL (clockid_to_kclock()).
 *   b: read(/dev/null opened O_WRONLY, page 2, 16): -EBADF (vfs_read(): FMODE_READ).
 *   c: pread64(memfd, page 2 - 8, 16, 3 pages - 8): 8 (the file ends), page 1 only.
 *   e: pread64(memfd, page 2, 1 << 47, 0): -EFAULT (vfs_read(): access_ok()).
 *   f: getcwd(page 2 - 256, 4096): the path only, in page 1.
 *   g: sched_getaffinity(0, 4096, page 2 - 256): cpumask_size() bytes, in page 1.
 *   h: sched_getaffinity(0, 12, page 2): -EINVAL (len not a multiple of a long).
 *   i: pipe2(page 2, O_WRONLY): -EINVAL (do_pipe2()'s flag check).
 *   j: rt_sigaction(SIGUSR1, NULL, page 2, 4): -EINVAL (sigsetsize).
 *   k: prlimit64(0, 16, NULL, page 2): -EINVAL (resource >= RLIM_NLIMITS).
 *   l: getrusage(2, page 2): -EINVAL (who).
 *   m: wait4(-1, page 2, WNOHANG, NULL) with no child: -ECHILD.
 *   n: getrandom(page 2, 16, 0x100): -EINVAL (flags).
 *   o: mincore(view + 1, PAGE, page 2): -EINVAL (start not page aligned).
 *   p: readlinkat(AT_FDCWD, "/", page 2, 64): -EINVAL (not a symlink).
 *   q: getdents64(memfd, page 2, 4096): -ENOTDIR.
 * and memory calls that lock nothing where the view is, then mprotect() read-write of
 * the PROT_READ view (mprotect_fixup() populates only a VM_LOCKED area):
 *   r: mlock2(view, 3 pages, 2): -EINVAL (flags), then mprotect().
 *   s: mlock(view, -PAGE): -EINVAL (apply_vma_lock_flags(): end < start), then mprotect().
 *   t: the view one page above a hole, mlock(hole, 4 pages): -ENOMEM (no area at the
 *      start), then mprotect().
 *   u: an anonymous PROT_READ area mlock()ed, a PROT_READ view of the memfd mapped
 *      MAP_FIXED over it (a new area, not VM_LOCKED), then mprotect().
 *   v: an anonymous PROT_READ area mlock()ed, the PROT_READ view moved onto it by
 *      mremap(MREMAP_MAYMOVE | MREMAP_FIXED) (the moved area keeps its own flags), then
 *      mprotect() of the moved view.
 *   w: an anonymous PROT_READ area of 4 pages mlock()ed and shrunk by mremap() to its
 *      first page (the tail unmapped with its lock), a PROT_READ view of the memfd mapped
 *      MAP_FIXED_NOREPLACE in the freed tail, then mprotect().
 *   x: the PROT_READ view mlock()ed, then mlock2(view, MLOCK_ONFAULT) (the area becomes
 *      VM_LOCKED | VM_LOCKONFAULT), then mprotect().
 *   y: the PROT_READ view mlock()ed, then moved by mremap(MREMAP_MAYMOVE |
 *      MREMAP_DONTUNMAP) (the old area stays, VM_LOCKED cleared), then mprotect() of the
 *      OLD range.
 *   z: one call chosen by a further argument "1".."5" (1 without one) that Linux answers without a store
 *      at page 2 because of state, not registers: 1 futex(&word, FUTEX_WAKE_OP_PRIVATE,
 *      1, 1, page 2, op 5) (-ENOSYS: no such op); 2 read(empty O_NONBLOCK pipe, page 2,
 *      16) (-EAGAIN); 3 clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &0, page 2) (0,
 *      rem never stored for an absolute sleep); 4 rt_sigtimedwait({SIGUSR2}, page 2,
 *      &0, 8) with nothing pending (-EAGAIN); 5 epoll_pwait(new epoll, page 2, 8, 0)
 *      with nothing ready (0).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS".
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r83b.py: P before the step's calls (x2 the log buffer, x3 the
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
#define ROUND_TAG "r83"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_CLKBAD 13800   /* (-a) clock_gettime(16, page 2) */
#define P_RDWRONLY 13808 /* (-b) read(O_WRONLY fd, page 2, 16) */
#define P_PRSHORT 13816  /* (-c) pread64() of the file's last 8 bytes, 16 asked */
#define P_PRFAULT 13824  /* (-e) pread64(memfd, page 2, 1 << 47, 0) */
#define P_CWD 13832      /* (-f) getcwd(page 2 - 256, 4096) */
#define P_AFFSHORT 13840 /* (-g) sched_getaffinity(0, 4096, page 2 - 256) */
#define P_AFFBAD 13848   /* (-h) sched_getaffinity(0, 12, page 2) */
#define P_PIPEBAD 13856  /* (-i) pipe2(page 2, O_WRONLY) */
#define P_SIGBAD 13864   /* (-j) rt_sigaction(SIGUSR1, NULL, page 2, 4) */
#define P_RLIMBAD 13872  /* (-k) prlimit64(0, 16, NULL, page 2) */
#define P_RUSBAD 13880   /* (-l) getrusage(2, page 2) */
#define P_WAITNONE 13888 /* (-m) wait4(-1, page 2, WNOHANG, NULL), no child */
#define P_RANDBAD 13896  /* (-n) getrandom(page 2, 16, 0x100) */
#define P_MINCBAD 13904  /* (-o) mincore(view + 1, PAGE, page 2) */
#define P_LINKBAD 13912  /* (-p) readlinkat(AT_FDCWD, "/", page 2, 64) */
#define P_DENTBAD 13920  /* (-q) getdents64(memfd, page 2, 4096) */
#define P_LOCKFLAG 13928 /* (-r) mlock2(view, 3 pages, 2), mprotect() rw */
#define P_LOCKWRAP 13936 /* (-s) mlock(view, -PAGE), mprotect() rw */
#define P_LOCKHOLE 13944 /* (-t) mlock() from a hole below the view, mprotect() rw */
#define P_FIXEDOVER 13952 /* (-u) a view mapped MAP_FIXED over a locked area, mprotect() */
#define P_MOVEONTO 13960 /* (-v) the view moved onto a locked area, mprotect() */
#define P_SHRINKTAIL 13968 /* (-w) a view in the tail a locked area's mremap() freed */
#define P_ONFOVER 13976  /* (-x) mlock(), then mlock2(MLOCK_ONFAULT) of the view */
#define P_DONTUNMAP 13984 /* (-y) mlock(), then mremap(MREMAP_DONTUNMAP): the old range */
#define P_NOSTORE 13992  /* (-z) a call chosen by a further argument "1".."5" */
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
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

static long nostore(long p2);

static long call(int phase, long v, long fd)
{
    long p2 = v + 2 * PAGE, r;
    switch (phase) {
    case P_CLKBAD: return sys6(SYS_clock_gettime, 16, p2, 0, 0, 0, 0) == -EINVAL;
    case P_RDWRONLY: return sys6(SYS_read, devnull, p2, 16, 0, 0, 0) == -EBADF;
    case P_PRSHORT: return sys6(SYS_pread64, fd, p2 - 8, 16, 3 * PAGE - 8, 0, 0) == 8;
    case P_PRFAULT: return sys6(SYS_pread64, fd, p2, 1L << 47, 0, 0, 0) == -EFAULT;
    case P_CWD:
        r = sys6(SYS_getcwd, p2 - 256, 4096, 0, 0, 0, 0);
        return r > 0 && r < 256;
    case P_AFFSHORT:
        r = sys6(SYS_sched_getaffinity, 0, 4096, p2 - 256, 0, 0, 0);
        return r > 0 && r <= 256;
    case P_AFFBAD: return sys6(SYS_sched_getaffinity, 0, 12, p2, 0, 0, 0) == -EINVAL;
    case P_PIPEBAD: return sys6(SYS_pipe2, p2, O_WRONLY, 0, 0, 0, 0) == -EINVAL;
    case P_SIGBAD: return sys6(SYS_rt_sigaction, 10 /* SIGUSR1 */, 0, p2, 4, 0, 0) == -EINVAL;
    case P_RLIMBAD: return sys6(SYS_prlimit64, 0, 16, 0, p2, 0, 0) == -EINVAL;
    case P_RUSBAD: return sys6(SYS_getrusage, 2, p2, 0, 0, 0, 0) == -EINVAL;
    case P_WAITNONE: return sys6(SYS_wait4, -1, p2, 1 /* WNOHANG */, 0, 0, 0) == -ECHILD;
    case P_RANDBAD: return sys6(SYS_getrandom, p2, 16, 0x100, 0, 0, 0) == -EINVAL;
    case P_MINCBAD: return sys6(SYS_mincore, v + 1, PAGE, p2, 0, 0, 0) == -EINVAL;
    case P_LINKBAD:
        return sys6(SYS_readlinkat, AT_FDCWD, (long)"/", p2, 64, 0, 0) == -EINVAL;
    case P_DENTBAD: return sys6(SYS_getdents64, fd, p2, 4096, 0, 0, 0) == -ENOTDIR;
    case P_NOSTORE: return nostore(p2);
    default: return 0;
    }
}

static int variant = 1;
static int word;
static long zero_ts[2];
static long fds_z[2];

/* -z: the call `variant` picks; 1 where it answered as Linux does. */
static long nostore(long p2)
{
    long r, ep;
    uint64_t set = 1UL << (12 - 1); /* SIGUSR2 */
    switch (variant) {
    case 1:
        return sys6(SYS_futex, (long)&word, 5 | 128 /* FUTEX_WAKE_OP_PRIVATE */, 1, 1, p2,
                    5L << 28) == -ENOSYS;
    case 2:
        if (sys6(SYS_pipe2, (long)fds_z, O_NONBLOCK, 0, 0, 0, 0) != 0)
            return 0;
        r = sys6(SYS_read, fds_z[0], p2, 16, 0, 0, 0);
        sys6(SYS_close, fds_z[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, fds_z[1], 0, 0, 0, 0, 0);
        return r == -EAGAIN;
    case 3:
        return sys6(SYS_clock_nanosleep, 1, 1 /* TIMER_ABSTIME */, (long)zero_ts, p2, 0,
                    0) == 0;
    case 4:
        return sys6(SYS_rt_sigtimedwait, (long)&set, p2, (long)zero_ts, 8, 0, 0) == -EAGAIN;
    case 5:
        ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
        if (ep < 0)
            return 0;
        r = sys6(SYS_epoll_pwait, ep, p2, 8, 0, 0, 8);
        sys6(SYS_close, ep, 0, 0, 0, 0, 0);
        return r == 0;
    default:
        return 0;
    }
}

/* An anonymous PROT_READ area of `n` pages (-1 on failure). */
static long anon_ro(long n)
{
    long a = sys6(SYS_mmap, 0, n * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return valid(a) ? a : -1;
}

/* The memory steps: 1 where the calls answered as Linux does; *at the view now. */
static long memcalls(int phase, long *at, long fd)
{
    long v = *at, r, hole;
    switch (phase) {
    case P_LOCKFLAG:
    case P_LOCKWRAP:
        if (sys6(SYS_mprotect, v, 3 * PAGE, PROT_READ, 0, 0, 0) != 0 ||
            !filled(v + 2 * PAGE, 'x'))
            return 0;
        r = phase == P_LOCKFLAG ? sys6(SYS_mlock2, v, 3 * PAGE, 2, 0, 0, 0)
                                : sys6(SYS_mlock, v, -PAGE, 0, 0, 0, 0);
        if (r != (phase == P_LOCKFLAG ? -EINVAL : r) || r >= 0)
            return 0;
        break;
    case P_LOCKHOLE:
        hole = sys6(SYS_mmap, 0, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (!valid(hole) ||
            sys6(SYS_mmap, hole + PAGE, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0)
                != hole + PAGE ||
            sys6(SYS_munmap, hole, PAGE, 0, 0, 0, 0) != 0)
            return 0;
        sys6(SYS_munmap, v, 3 * PAGE, 0, 0, 0, 0);
        *at = v = hole + PAGE;
        if (!filled(v + 2 * PAGE, 'x') || sys6(SYS_mlock, hole, 4 * PAGE, 0, 0, 0, 0) != -ENOMEM)
            return 0;
        break;
    case P_FIXEDOVER:
        hole = anon_ro(3);
        if (hole < 0 || sys6(SYS_mlock, hole, 3 * PAGE, 0, 0, 0, 0) != 0 ||
            sys6(SYS_mmap, hole, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) != hole)
            return 0;
        sys6(SYS_munmap, v, 3 * PAGE, 0, 0, 0, 0);
        *at = v = hole;
        if (!filled(v + 2 * PAGE, 'x'))
            return 0;
        break;
    case P_MOVEONTO:
        hole = anon_ro(3);
        if (hole < 0 || sys6(SYS_mlock, hole, 3 * PAGE, 0, 0, 0, 0) != 0 ||
            sys6(SYS_mprotect, v, 3 * PAGE, PROT_READ, 0, 0, 0) != 0 ||
            !filled(v + 2 * PAGE, 'x') ||
            sys6(SYS_mremap, v, 3 * PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, hole, 0)
                != hole)
            return 0;
        *at = v = hole;
        break;
    case P_SHRINKTAIL:
        hole = anon_ro(4);
        if (hole < 0 || sys6(SYS_mlock, hole, 4 * PAGE, 0, 0, 0, 0) != 0 ||
            sys6(SYS_mremap, hole, 4 * PAGE, PAGE, 0, 0, 0) != hole ||
            sys6(SYS_mmap, hole + PAGE, 3 * PAGE, PROT_READ,
                 MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0) != hole + PAGE)
            return 0;
        sys6(SYS_munmap, v, 3 * PAGE, 0, 0, 0, 0);
        *at = v = hole + PAGE;
        if (!filled(v + 2 * PAGE, 'x'))
            return 0;
        break;
    case P_ONFOVER:
    case P_DONTUNMAP:
        if (sys6(SYS_mprotect, v, 3 * PAGE, PROT_READ, 0, 0, 0) != 0 ||
            sys6(SYS_mlock, v, 3 * PAGE, 0, 0, 0, 0) != 0 || !filled(v + 2 * PAGE, 'x'))
            return 0;
        if (phase == P_ONFOVER) {
            if (sys6(SYS_mlock2, v, 3 * PAGE, MLOCK_ONFAULT, 0, 0, 0) != 0)
                return 0;
            break;
        }
        r = sys6(SYS_mremap, v, 3 * PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0, 0);
        if (!valid(r) || r == v)
            return 0;
        sys6(SYS_munmap, r, 3 * PAGE, 0, 0, 0, 0);
        if (!filled(v + 2 * PAGE, 'x'))
            return 0;
        break;
    default:
        return 0;
    }
    return sys6(SYS_mprotect, v, 3 * PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0;
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
    if (phase >= P_LOCKFLAG && phase != P_NOSTORE)
        ok = memcalls(phase, &at, fd);
    else
        ok = filled(at + 2 * PAGE, 'x') && call(phase, at, fd);
    /* (-c, -f, -g store in page 1) */
    if (phase == P_PRSHORT || phase == P_CWD || phase == P_AFFSHORT)
        c1 = -1;
    ok = ok && filled(at + 2 * PAGE, 'x');
    marker(phase + 4, at, 0, 0, 0);
    done = ok && put_y(fd);
    judge(phase, at, done, 'x', c1, 'y');
    if (phase == P_SHRINKTAIL)
        sys6(SYS_munmap, at - PAGE, PAGE, 0, 0, 0, 0);
    sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *steps = step_letters(argc, argv, &show_digest);
    volatile uint8_t stackbuf[64];
    static const char letters[] = "abcefghijklmnopqrstuvwxyz";
    static const int phases[] = {P_CLKBAD, P_RDWRONLY, P_PRSHORT, P_PRFAULT, P_CWD,
                                 P_AFFSHORT, P_AFFBAD, P_PIPEBAD, P_SIGBAD, P_RLIMBAD,
                                 P_RUSBAD, P_WAITNONE, P_RANDBAD, P_MINCBAD, P_LINKBAD,
                                 P_DENTBAD, P_LOCKFLAG, P_LOCKWRAP, P_LOCKHOLE,
                                 P_FIXEDOVER, P_MOVEONTO, P_SHRINKTAIL, P_ONFOVER,
                                 P_DONTUNMAP, P_NOSTORE};

    for (int i = 1; i < argc; i++)
        if (argv[i][0] >= '1' && argv[i][0] <= '5')
            variant = argv[i][0] - '0';
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
