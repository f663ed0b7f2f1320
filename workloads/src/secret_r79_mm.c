/* The attack target of red-team round 79b: a MAP_PRIVATE view of a memfd only the
 * program holds (3 pages of 'x', secret_mm_kit.h's view_x()) whose page 2 is read (a
 * clean page: the file's page cache folio under Linux) and then pwrite64() of 'y' changes
 * the file, while the program has a signal handler in one of these shapes:
 *   a: a SIGUSR1 handler installed (never raised): page 2 reads 'y'.
 *   b: a SIGUSR1 handler installed with SIGUSR1 blocked (sigprocmask()): 'y'.
 *   c: a vfork child installed a SIGUSR1 handler in its own signal table (no
 *      CLONE_SIGHAND) and _exit()ed; the program itself has none: 'y'.
 *   e: a SIGUSR1 handler installed, then set back to SIG_DFL: 'y'.
 *   f: no handler; a second thread of the program (clone(CLONE_THREAD | CLONE_VM ...))
 *      blocks in read() of one byte from a pipe into its own buffer while page 2 is read
 *      and pwrite64() of 'y' runs; woken and exited after the step: 'y'.
 *   g: no handler; page 2 read, a fork child made by clone(SIGCHLD | CLONE_CHILD_SETTID)
 *      with child_tid at page 2 + 64 of the view (the child's schedule_tail() stores its
 *      tid there, in the child's copy) exits 0 if its page 2 + 64 holds its tid; the
 *      parent's page 2 stays the file's: pwrite64() of 'y', 'y'.
 *   h: no handler; the view made PROT_READ, page 2 read, mlock() of the view, then
 *      mprotect(PROT_READ | PROT_WRITE): Linux write-faults every page of a VM_LOCKED
 *      private view made writable (mprotect_fixup() -> populate_vma_page_range()), so
 *      page 2 becomes a private copy of 'x' and pwrite64() of 'y' misses it: 'x'.
 *   i: no handler; the (read-write) view's page 2 read, mlock() of the view: Linux's
 *      populate of a writable private view write-faults every page
 *      (populate_vma_page_range() with FOLL_WRITE), page 2 a private copy: 'x'.
 *   j: the same with mlockall(MCL_CURRENT) (munlockall() after the step): 'x'.
 *   k: a second read-write view of the memfd mapped MAP_PRIVATE | MAP_LOCKED (Linux
 *      populates it writable at mmap(): mm_populate(), FOLL_WRITE copies); its page 2
 *      read, pwrite64() of 'y': the locked view's page 2 reads 'x' (checked after the
 *      marker P + 2 with the step's view).
 * Each step restores SIG_DFL and an empty mask at its end.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS".
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r79b.py: P before the step's calls (x2 the log buffer, x3 the
 * private mapping, x4 the memfd), P + 4 after page 2 is read, before the file changes
 * (x2 the private mapping), P + 2 after the calls (x2 the private mapping), P + 1 after
 * the label.  Only the digest of the secret is printed.
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
#include <sched.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r79"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_HANDLER 11400  /* (-a) a SIGUSR1 handler installed */
#define P_BLOCKED 11408  /* (-b) a SIGUSR1 handler, SIGUSR1 blocked */
#define P_VFORKH 11416   /* (-c) a vfork child's own SIGUSR1 handler */
#define P_RESET 11424    /* (-e) a SIGUSR1 handler set back to SIG_DFL */
#define P_THREAD 11432   /* (-f) a second thread blocked in read() of a pipe */
#define P_SETTID 11440   /* (-g) a fork child's CLONE_CHILD_SETTID word at page 2 */
#define P_LOCKEDRW 11448 /* (-h) mlock() of a PROT_READ view, mprotect() read-write */
#define P_MLOCKRW 11456  /* (-i) mlock() of the read-write view */
#define P_MLOCKALL 11464 /* (-j) mlockall(MCL_CURRENT) */
#define P_MAPLOCKED 11472 /* (-k) a MAP_PRIVATE | MAP_LOCKED view */
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

static volatile int caught;

static void on_usr1(int sig)
{
    caught += sig;
}

static long set_usr1(void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    return sigaction(SIGUSR1, &sa, 0);
}

static long mask_usr1(int how)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    return sigprocmask(how, &set, 0);
}

static int tpipe[2];
static volatile int tstate;
static uint8_t tbyte;
static uint8_t tstack[16384] __attribute__((aligned(16)));

/* The second thread: announce, block in read() of one byte into tbyte, exit. */
static int reader(void *arg)
{
    (void)arg;
    tstate = 1;
    long n = sys6(SYS_read, tpipe[0], (long)&tbyte, 1, 0, 0, 0);
    tstate = n == 1 ? 2 : 3;
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

static void step(int phase)
{
    long fd, at = view_x(&fd), done = 0, ok = 1;
    int c2 = 'y';
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        judge(phase, at, 0, 'x', 'x', 'y');
        return;
    }
    switch (phase) {
    case P_HANDLER:
        ok = set_usr1(on_usr1) == 0;
        break;
    case P_BLOCKED:
        ok = mask_usr1(SIG_BLOCK) == 0 && set_usr1(on_usr1) == 0;
        break;
    case P_VFORKH: {
        long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            long r = set_usr1(on_usr1);
            sys6(SYS_exit, r == 0 ? 0 : 1, 0, 0, 0, 0, 0);
        }
        int st = -1;
        ok = pid > 0 && sys6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0) == pid && st == 0;
        break;
    }
    case P_RESET:
        ok = set_usr1(on_usr1) == 0 && set_usr1(SIG_DFL) == 0;
        break;
    case P_THREAD:
        ok = filled(at + 2 * PAGE, 'x') && pipe(tpipe) == 0 &&
             clone(reader, tstack + sizeof tstack, CLONE_VM | CLONE_FS | CLONE_FILES |
                   CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, 0, 0, 0, 0) > 0;
        for (int i = 0; ok && tstate == 0 && i < 100000; i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        for (int i = 0; i < 8; i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        ok = ok && tstate == 1;
        break;
    case P_SETTID: {
        long p2 = at + 2 * PAGE;
        ok = filled(p2, 'x');
        long pid = ok ? sys6(SYS_clone, SIGCHLD | CLONE_CHILD_SETTID, 0, 0, 0, p2 + 64, 0)
                      : -1;
        if (pid == 0) {
            long me = sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
            sys6(SYS_exit_group, *(volatile int *)(p2 + 64) == (int)me ? 0 : 1, 0, 0, 0, 0, 0);
        }
        int st = -1;
        ok = ok && pid > 0 && sys6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0) == pid && st == 0;
        break;
    }
    case P_LOCKEDRW:
        ok = sys6(SYS_mprotect, at, 3 * PAGE, PROT_READ, 0, 0, 0) == 0 &&
             filled(at + 2 * PAGE, 'x') && sys6(SYS_mlock, at, 3 * PAGE, 0, 0, 0, 0) == 0 &&
             sys6(SYS_mprotect, at, 3 * PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0;
        c2 = 'x';
        break;
    case P_MAPLOCKED: {
        long lv = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_LOCKED,
                       fd, 0);
        ok = valid(lv) && filled(lv + 2 * PAGE, 'x');
        if (ok) {
            sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
            at = lv;
        }
        c2 = 'x';
        break;
    }
    case P_MLOCKRW:
    case P_MLOCKALL:
        ok = filled(at + 2 * PAGE, 'x') &&
             (phase == P_MLOCKRW ? sys6(SYS_mlock, at, 3 * PAGE, 0, 0, 0, 0)
                                 : sys6(SYS_mlockall, MCL_CURRENT, 0, 0, 0, 0, 0)) == 0;
        c2 = 'x';
        break;
    default:
        break;
    }
    ok = ok && filled(at + 2 * PAGE, 'x');
    marker(phase + 4, at, 0, 0, 0);
    done = ok && put_y(fd);
    judge(phase, at, done, 'x', 'x', c2);
    if (phase == P_LOCKEDRW || phase == P_MLOCKRW || phase == P_MAPLOCKED)
        sys6(SYS_munlock, at, 3 * PAGE, 0, 0, 0, 0);
    if (phase == P_MLOCKALL)
        sys6(SYS_munlockall, 0, 0, 0, 0, 0, 0);
    if (phase == P_THREAD && tstate == 1) {
        sys6(SYS_write, tpipe[1], (long)"w", 1, 0, 0, 0);
        for (int i = 0; tstate == 1 && i < 100000; i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    }
    set_usr1(SIG_DFL);
    mask_usr1(SIG_UNBLOCK);
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
        case 'a': step(P_HANDLER); break;
        case 'b': step(P_BLOCKED); break;
        case 'c': step(P_VFORKH); break;
        case 'e': step(P_RESET); break;
        case 'f': step(P_THREAD); break;
        case 'g': step(P_SETTID); break;
        case 'h': step(P_LOCKEDRW); break;
        case 'i': step(P_MLOCKRW); break;
        case 'j': step(P_MLOCKALL); break;
        case 'k': step(P_MAPLOCKED); break;
        default: break;
        }
    }

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
