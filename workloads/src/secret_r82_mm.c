/* The attack target of red-team round 82b: a MAP_PRIVATE view of a memfd only the
 * program holds (3 pages of 'x', secret_mm_kit.h's view_x()) whose page 2 is read (a
 * clean page: the file's page cache folio under Linux), then one call that stores only
 * through an output pointer -- a stack or static buffer, never the view -- then
 * pwrite64() of 'y' changes the file; page 2 reads 'y':
 *   a: clock_gettime(CLOCK_MONOTONIC, &ts) (the system call, not the vDSO).
 *   b: uname(&uts).
 *   c: sysinfo(&info).
 *   e: times(&tms).
 *   f: getcwd(buf, 256).
 *   g: gettimeofday(&tv, NULL) (the system call).
 *   h: getrusage(RUSAGE_SELF, &ru).
 *   i: prctl(PR_GET_NAME, name).
 *   j: fstat(memfd, &st).
 *   k: rt_sigaction(SIGUSR1, NULL, &old) (the old action only).
 *   l: sched_getaffinity(0, 128, mask).
 *   m: prlimit64(0, RLIMIT_STACK, NULL, &old).
 *   n: clock_getres(CLOCK_MONOTONIC, &ts).
 *   o: getresuid(&r, &e, &s).
 *   p: sigaltstack(NULL, &old).
 *   q: futex(&word, FUTEX_WAKE_PRIVATE, 1) of a static word (no waiter: 0).
 *   r: statx(memfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx).
 * and memory calls around on-fault locks and a vfork child:
 *   s: the view made PROT_READ, page 2 read, mlock2(view, MLOCK_ONFAULT), then
 *      mprotect(PROT_READ | PROT_WRITE): VM_LOCKONFAULT, no population: 'y'.
 *   t: as s, but the on-fault locked view moved by mremap(MREMAP_MAYMOVE |
 *      MREMAP_FIXED) onto a reserved hole before the mprotect(): the new area keeps
 *      VM_LOCKED | VM_LOCKONFAULT (move_vma()): 'y'.
 *   u: page 2 of the read-write view read; a vfork child (CLONE_VM) mlock()s the view and
 *      _exit()s: the shared mm's view is populated with FOLL_WRITE, page 2 a private copy:
 *      'x' (munlock after).
 *   v: page 2 read, mlockall(MCL_FUTURE | MCL_ONFAULT), brk() growing the heap by a page
 *      (def_flags VM_LOCKED | VM_LOCKONFAULT: no population), brk() back: 'y'
 *      (munlockall after).
 *   w: the view made PROT_READ, page 2 read, mlock() of the view (no FOLL_WRITE: a
 *      read-only view), then a fork child mprotect()s the view read-write -- the child's
 *      area is not VM_LOCKED (dup_mmap() clears VM_LOCKED_MASK), nothing populated --,
 *      pwrite64()s 'y' and exits 0 where its page 2 reads 'y'; the parent's page 2 'y'
 *      (munlock after).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS".
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r82b.py: P before the step's calls (x2 the log buffer, x3 the
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
#define ROUND_TAG "r82"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_CLOCK 13000    /* (-a) clock_gettime() */
#define P_UNAME 13008    /* (-b) uname() */
#define P_SYSINFO 13016  /* (-c) sysinfo() */
#define P_TIMES 13024    /* (-e) times() */
#define P_GETCWD 13032   /* (-f) getcwd() */
#define P_TOD 13040      /* (-g) gettimeofday() */
#define P_RUSAGE 13048   /* (-h) getrusage() */
#define P_PRNAME 13056   /* (-i) prctl(PR_GET_NAME) */
#define P_FSTAT 13064    /* (-j) fstat() */
#define P_OLDACT 13072   /* (-k) rt_sigaction(SIGUSR1, NULL, &old) */
#define P_AFFINITY 13080 /* (-l) sched_getaffinity() */
#define P_RLIMIT 13088   /* (-m) prlimit64(0, RLIMIT_STACK, NULL, &old) */
#define P_CLOCKRES 13096 /* (-n) clock_getres() */
#define P_RESUID 13104   /* (-o) getresuid() */
#define P_ALTSTACK 13112 /* (-p) sigaltstack(NULL, &old) */
#define P_FUTEX 13120    /* (-q) futex(FUTEX_WAKE_PRIVATE) */
#define P_STATX 13128    /* (-r) statx(AT_EMPTY_PATH) */
#define P_ONFPROT 13136  /* (-s) mlock2(MLOCK_ONFAULT) of a PROT_READ view, mprotect() rw */
#define P_ONFMOVE 13144  /* (-t) as -s, the view moved by mremap(MREMAP_FIXED) first */
#define P_VFORKLOCK 13152 /* (-u) a vfork child mlock()s the read-write view: 'x' */
#define P_FUTBRK 13160   /* (-v) mlockall(MCL_FUTURE | MCL_ONFAULT), brk() growth */
#define P_FORKPROT 13168 /* (-w) a locked PROT_READ view; a fork child mprotect()s it rw */
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

static uint8_t out[512] __attribute__((aligned(16)));
static int word;

static long call(int phase, long fd)
{
    long r;
    switch (phase) {
    case P_CLOCK: return sys6(SYS_clock_gettime, 1, (long)out, 0, 0, 0, 0) == 0;
    case P_UNAME: return sys6(SYS_uname, (long)out, 0, 0, 0, 0, 0) == 0;
    case P_SYSINFO: return sys6(SYS_sysinfo, (long)out, 0, 0, 0, 0, 0) == 0;
    case P_TIMES: return sys6(SYS_times, (long)out, 0, 0, 0, 0, 0) != -EFAULT;
    case P_GETCWD: return sys6(SYS_getcwd, (long)out, 256, 0, 0, 0, 0) > 0;
    case P_TOD: return sys6(SYS_gettimeofday, (long)out, 0, 0, 0, 0, 0) == 0;
    case P_RUSAGE: return sys6(SYS_getrusage, 0, (long)out, 0, 0, 0, 0) == 0;
    case P_PRNAME: return sys6(SYS_prctl, 16 /* PR_GET_NAME */, (long)out, 0, 0, 0, 0) == 0;
    case P_FSTAT: return sys6(SYS_fstat, fd, (long)out, 0, 0, 0, 0) == 0;
    case P_OLDACT: return sys6(SYS_rt_sigaction, 10 /* SIGUSR1 */, 0, (long)out, 8, 0, 0) == 0;
    case P_AFFINITY: return sys6(SYS_sched_getaffinity, 0, 128, (long)out, 0, 0, 0) > 0;
    case P_RLIMIT: return sys6(SYS_prlimit64, 0, 3 /* RLIMIT_STACK */, 0, (long)out, 0, 0) == 0;
    case P_CLOCKRES: return sys6(SYS_clock_getres, 1, (long)out, 0, 0, 0, 0) == 0;
    case P_RESUID:
        return sys6(SYS_getresuid, (long)out, (long)out + 4, (long)out + 8, 0, 0, 0) == 0;
    case P_ALTSTACK: return sys6(SYS_sigaltstack, 0, (long)out, 0, 0, 0, 0) == 0;
    case P_FUTEX:
        r = sys6(SYS_futex, (long)&word, 1 | 128 /* FUTEX_WAKE_PRIVATE */, 1, 0, 0, 0);
        return r == 0;
    case P_STATX:
        return sys6(SYS_statx, fd, (long)"", 0x1000 /* AT_EMPTY_PATH */, 0x7ff, (long)out,
                    0) == 0;
    default: return 1;
    }
}

/* The memory steps: 1 where the calls answered as Linux does; *at the view now. */
static long memcalls(int phase, long *at, int *c2, long fdof)
{
    long v = *at, hole, pid, cur;
    int st = -1;
    switch (phase) {
    case P_ONFPROT:
    case P_ONFMOVE:
        if (sys6(SYS_mprotect, v, 3 * PAGE, PROT_READ, 0, 0, 0) != 0 ||
            !filled(v + 2 * PAGE, 'x') ||
            sys6(SYS_mlock2, v, 3 * PAGE, MLOCK_ONFAULT, 0, 0, 0) != 0)
            return 0;
        if (phase == P_ONFMOVE) {
            hole = sys6(SYS_mmap, 0, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (!valid(hole))
                return 0;
            long moved = sys6(SYS_mremap, v, 3 * PAGE, 3 * PAGE,
                              MREMAP_MAYMOVE | MREMAP_FIXED, hole, 0);
            if (moved != hole)
                return 0;
            *at = v = moved;
        }
        return sys6(SYS_mprotect, v, 3 * PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0;
    case P_VFORKLOCK:
        *c2 = 'x';
        if (!filled(v + 2 * PAGE, 'x'))
            return 0;
        pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit, sys6(SYS_mlock, v, 3 * PAGE, 0, 0, 0, 0) == 0 ? 0 : 1, 0, 0, 0, 0,
                 0);
        return pid > 0 && sys6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0) == pid && st == 0;
    case P_FUTBRK:
        cur = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
        if (!filled(v + 2 * PAGE, 'x') ||
            sys6(SYS_mlockall, MCL_FUTURE | MCL_ONFAULT, 0, 0, 0, 0, 0) != 0 || !valid(cur) ||
            sys6(SYS_brk, cur + PAGE, 0, 0, 0, 0, 0) != cur + PAGE)
            return 0;
        sys6(SYS_brk, cur, 0, 0, 0, 0, 0);
        return 1;
    case P_FORKPROT:
        if (sys6(SYS_mprotect, v, 3 * PAGE, PROT_READ, 0, 0, 0) != 0 ||
            !filled(v + 2 * PAGE, 'x') || sys6(SYS_mlock, v, 3 * PAGE, 0, 0, 0, 0) != 0)
            return 0;
        pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            long good = sys6(SYS_mprotect, v, 3 * PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0
                        && filled(v + 2 * PAGE, 'x') && put_y(fdof) && filled(v + 2 * PAGE, 'y');
            sys6(SYS_exit_group, good ? 0 : 1, 0, 0, 0, 0, 0);
        }
        return pid > 0 && sys6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0) == pid && st == 0;
    default:
        return 0;
    }
}

static void step(int phase)
{
    long fd, at = view_x(&fd), done = 0, ok;
    int c2 = 'y';
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        judge(phase, at, 0, 'x', 'x', 'y');
        return;
    }
    if (phase >= P_ONFPROT)
        ok = memcalls(phase, &at, &c2, fd);
    else
        ok = filled(at + 2 * PAGE, 'x') && call(phase, fd);
    /* (-w: the child's pwrite64() of 'y' already reached the parent's folio) */
    ok = ok && filled(at + 2 * PAGE, phase == P_FORKPROT ? 'y' : 'x');
    marker(phase + 4, at, 0, 0, 0);
    done = ok && put_y(fd);
    judge(phase, at, done, 'x', 'x', c2);
    if (phase == P_ONFPROT || phase == P_ONFMOVE || phase == P_VFORKLOCK ||
        phase == P_FORKPROT)
        sys6(SYS_munlock, at, 3 * PAGE, 0, 0, 0, 0);
    if (phase == P_FUTBRK)
        sys6(SYS_munlockall, 0, 0, 0, 0, 0, 0);
    sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *steps = step_letters(argc, argv, &show_digest);
    volatile uint8_t stackbuf[64];
    static const char letters[] = "abcefghijklmnopqrstuvw";
    static const int phases[] = {P_CLOCK, P_UNAME, P_SYSINFO, P_TIMES, P_GETCWD, P_TOD,
                                 P_RUSAGE, P_PRNAME, P_FSTAT, P_OLDACT, P_AFFINITY,
                                 P_RLIMIT, P_CLOCKRES, P_RESUID, P_ALTSTACK, P_FUTEX,
                                 P_STATX, P_ONFPROT, P_ONFMOVE, P_VFORKLOCK, P_FUTBRK,
                                 P_FORKPROT};

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
