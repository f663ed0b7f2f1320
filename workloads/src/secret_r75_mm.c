/* The attack target of red-team round 75b: MAP_PRIVATE views of memfds only the program
 * holds (3 pages of 'x') whose page 2 stays the file's clean page under Linux although
 * the view's protection, placement or owner changed, or whose copy a call dropped;
 * each step checks the view's pages after its calls.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS":
 *   a: a PROT_READ view, page 2 read, mprotect(PROT_READ | PROT_WRITE) and no store,
 *      pwrite64 of 'y': page 2 reads 'y'.
 *   b: page 2 read, stored 'z', madvise(MADV_DONTNEED) of page 2, pwrite64 of 'y':
 *      page 2 reads 'y'.
 *   c: page 2 read, a fork child exits at once (reaped), pwrite64 of 'y': 'y'.
 *   e: page 2 read, the view moved by mremap(MREMAP_MAYMOVE | MREMAP_FIXED),
 *      pwrite64 of 'y': the moved view's page 2 reads 'y'.
 *   f: page 2 read, madvise(MADV_PAGEOUT) of page 2, pwrite64 of 'y': 'y'.
 *   g: a PROT_READ view, page 2 read, mprotect to read-write and back to read-only,
 *      pwrite64 of 'y': 'y'.
 *   h: page 1 stored 'z', page 2 read, pwrite64 of 'y' at page 2: page 1 'z', page 2 'y'.
 *   i: page 2 read, madvise(MADV_COLD) then madvise(MADV_WILLNEED), pwrite64 of 'y': 'y'.
 *   j: page 2 read, mlock() of the read-write view then munlock(), pwrite64 of 'y':
 *      'x' (mlock populates a writable private view with write faults, each page a copy).
 *   k: page 2 read, madvise(MADV_POPULATE_WRITE) of page 2, pwrite64 of 'y': 'x'.
 *   l: a read-write view mapped MAP_POPULATE, pwrite64 of 'y': 'x'.
 *   m: a thread blocks in read() of an empty pipe into a shared view's page 2; the
 *      program writes a page of 's' into the pipe and reads its private view's page 2
 *      at once: 'x' or 's' (the thread's pipe_read() may copy first), never other bytes.
 *   o: page 2 read, a fork child stores 'c' into its own view's page 2 and exits
 *      (reaped), pwrite64 of 'y': the program's page 2 reads 'y'.
 *   p: a PROT_READ view, page 2 read, mprotect(PROT_READ | PROT_WRITE), no store,
 *      madvise(MADV_DONTNEED) of page 2, pwrite64 of 'y': 'y'.
 *   q: a PROT_READ view, page 2 read, mlock() and munlock(), pwrite64 of 'y': 'y'
 *      (no write faults: the view is not writable).
 *   n: a thread asleep in futex(FUTEX_WAIT) gets SIGUSR1 from tgkill(); its handler
 *      stores 's' through a shared view's page 2; the program reads its private view's
 *      page 2 at once: each byte 'x' or 's' (the handler may run first), no other.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r75b.py: P before the step's calls (x2 the log buffer, x3 the
 * private mapping, x4 the memfd), P + 2 after them, before the pages are read (x2 the
 * private mapping), P + 1 after the label.  Only the digest of the secret is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r75"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_PROTUP 10100   /* (-a) a PROT_READ view made writable, no store, pwrite64 */
#define P_DROPCOPY 10104 /* (-b) a stored page dropped by MADV_DONTNEED, pwrite64 */
#define P_FORKED 10108   /* (-c) a fork child exits at once, pwrite64 */
#define P_MOVED 10112    /* (-e) the view moved by mremap(), pwrite64 */
#define P_PAGEOUT 10116  /* (-f) MADV_PAGEOUT of the read page, pwrite64 */
#define P_PROTRT 10120   /* (-g) read-only, read-write, read-only again, pwrite64 */
#define P_NEIGHBOUR 10124 /* (-h) page 1 stored, page 2 read, pwrite64 at page 2 */
#define P_COLD 10128     /* (-i) MADV_COLD, MADV_WILLNEED, pwrite64 */
#define P_LOCKED 10132   /* (-j) mlock(), munlock(), pwrite64 */
#define P_POPWRITE 10136 /* (-k) MADV_POPULATE_WRITE of the read page, pwrite64 */
#define P_POPMAP 10140   /* (-l) a MAP_POPULATE view, pwrite64 */
#define P_PIPEINTO 10144 /* (-m) a thread's read() into the shared view, woken */
#define P_FORKSTORE 10152 /* (-o) a fork child stores into its own copy, pwrite64 */
#define P_PROTDROP 10156 /* (-p) made writable, no store, MADV_DONTNEED, pwrite64 */
#define P_ROLOCK 10160   /* (-q) mlock() of a PROT_READ view, munlock(), pwrite64 */
#define P_SIGSTORE 10148 /* (-n) a sleeping thread's handler stores to the shared view */
#include <linux/futex.h>
#include <linux/sched.h>
#include <sys/socket.h>
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

/* A memfd of 3 pages of 'x' (pwrite64), mapped MAP_PRIVATE with `prot` (0x100:
 * MAP_POPULATE too). */
static long view_prot(long prot, long *fd)
{
    *fd = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0);
    if (*fd < 0 || sys6(SYS_ftruncate, *fd, 3 * PAGE, 0, 0, 0, 0) != 0)
        return -1;
    memset(page_p, 'x', sizeof page_p);
    for (long i = 0; i < 3; i++)
        if (sys6(SYS_pwrite64, *fd, (long)page_p, PAGE, i * PAGE, 0, 0) != PAGE)
            return -1;
    long flags = MAP_PRIVATE | (prot & 0x100 ? MAP_POPULATE : 0);
    long at = sys6(SYS_mmap, 0, 3 * PAGE, prot & 0xff, flags, *fd, 0);
    return valid(at) ? at : -1;
}

static void step(int phase)
{
    int ro = phase == P_PROTUP || phase == P_PROTRT || phase == P_PROTDROP ||
             phase == P_ROLOCK;
    long prot = ro ? PROT_READ : PROT_READ | PROT_WRITE;
    long fd, at = view_prot(phase == P_POPMAP ? prot | 0x100 : prot, &fd), done = 0;
    int c1 = 'x', c2 = 'y';
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        judge(phase, at, 0, 'x', 'x', 'y');
        return;
    }
    if (phase == P_NEIGHBOUR) {
        memset((uint8_t *)at + PAGE, 'z', PAGE);
        c1 = 'z';
    }
    long ok = filled(at + 2 * PAGE, 'x');
    long p2 = at + 2 * PAGE;
    switch (phase) {
    case P_PROTUP:
        ok = ok && sys6(SYS_mprotect, at, 3 * PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0;
        break;
    case P_PROTDROP:
        ok = ok && sys6(SYS_mprotect, at, 3 * PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0 &&
             sys6(SYS_madvise, p2, PAGE, MADV_DONTNEED, 0, 0, 0) == 0;
        break;
    case P_PROTRT:
        ok = ok && sys6(SYS_mprotect, at, 3 * PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0 &&
             sys6(SYS_mprotect, at, 3 * PAGE, PROT_READ, 0, 0, 0) == 0;
        break;
    case P_DROPCOPY:
        memset((uint8_t *)p2, 'z', PAGE);
        ok = ok && sys6(SYS_madvise, p2, PAGE, MADV_DONTNEED, 0, 0, 0) == 0;
        break;
    case P_FORKED:
    case P_FORKSTORE: {
        long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            if (phase == P_FORKSTORE)
                memset((uint8_t *)p2, 'c', PAGE);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        int st = -1;
        ok = ok && pid > 0 && waitpid((pid_t)pid, &st, 0) == pid && st == 0;
        break;
    }
    case P_MOVED: {
        long to = sys6(SYS_mmap, 0, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        long nw = valid(to) ? sys6(SYS_mremap, at, 3 * PAGE, 3 * PAGE,
                                   MREMAP_MAYMOVE | MREMAP_FIXED, to, 0) : -1;
        ok = ok && valid(to) && nw == to;
        if (ok)
            at = to;
        break;
    }
    case P_PAGEOUT:
        ok = ok && sys6(SYS_madvise, p2, PAGE, MADV_PAGEOUT, 0, 0, 0) == 0;
        break;
    case P_COLD:
        ok = ok && sys6(SYS_madvise, p2, PAGE, MADV_COLD, 0, 0, 0) == 0 &&
             sys6(SYS_madvise, p2, PAGE, MADV_WILLNEED, 0, 0, 0) == 0;
        break;
    case P_ROLOCK:
    case P_LOCKED:
        ok = ok && sys6(SYS_mlock, at, 3 * PAGE, 0, 0, 0, 0) == 0 &&
             sys6(SYS_munlock, at, 3 * PAGE, 0, 0, 0, 0) == 0;
        c2 = phase == P_LOCKED ? 'x' : 'y';
        break;
    case P_POPWRITE:
        ok = ok && sys6(SYS_madvise, p2, PAGE, 23 /* MADV_POPULATE_WRITE */, 0, 0, 0) == 0;
        c2 = 'x';
        break;
    case P_POPMAP:
        c2 = 'x';
        break;
    default:
        break;
    }
    done = ok && put_y(fd);
    judge(phase, at, done, 'x', c1, c2);
}

static volatile long pi_sh, pi_in;
static int pi_pipe[2];

static void *pipe_reader(void *arg)
{
    (void)arg;
    __atomic_store_n(&pi_in, 1, __ATOMIC_SEQ_CST);
    sys6(SYS_read, pi_pipe[0], pi_sh + 2 * PAGE, PAGE, 0, 0, 0);
    return 0;
}

static void pipeinto_step(void)
{
    long fd, at = view_prot(PROT_READ | PROT_WRITE, &fd), done = 0, sh = -1, ok = 0;
    pthread_t t;
    if (valid(at))
        sh = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    marker(P_PIPEINTO, (long)logbuf, at, fd, sh);
    pi_in = 0;
    if (valid(sh) && pipe(pi_pipe) == 0 && pthread_create(&t, 0, pipe_reader, 0) == 0) {
        while (!__atomic_load_n(&pi_in, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        for (int i = 0; i < 50; i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        memset(page_p, 's', sizeof page_p);
        done = sys6(SYS_write, pi_pipe[1], (long)page_p, PAGE, 0, 0, 0) == PAGE;
        if (done) {
            marker(P_PIPEINTO + 2, at, 0, 0, 0);
            ok = filled(at, 'x') && filled(at + PAGE, 'x') &&
                 (filled(at + 2 * PAGE, 'x') || filled(at + 2 * PAGE, 's'));
        }
        pthread_join(t, 0);
    }
    log_label(P_PIPEINTO, ok ? 0 : -4);
}

static volatile long sg_sh, sg_in, sg_tid;
static int sg_word;

static void sg_handler(int sig)
{
    (void)sig;
    for (long i = 0; i < PAGE; i++)
        ((volatile uint8_t *)sg_sh)[2 * PAGE + i] = 's';
}

static void *sig_sleeper(void *arg)
{
    (void)arg;
    __atomic_store_n(&sg_tid, sys6(SYS_gettid, 0, 0, 0, 0, 0, 0), __ATOMIC_SEQ_CST);
    __atomic_store_n(&sg_in, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&sg_word, __ATOMIC_SEQ_CST))
        sys6(SYS_futex, (long)&sg_word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
    return 0;
}

static int x_or_s(long at)
{
    for (long i = 0; i < PAGE; i++) {
        uint8_t b = ((volatile uint8_t *)at)[i];
        if (b != 'x' && b != 's')
            return 0;
    }
    return 1;
}

static void sigstore_step(void)
{
    long fd, at = view_prot(PROT_READ | PROT_WRITE, &fd), done = 0, sh = -1, ok = 0;
    pthread_t t;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sg_handler;
    sa.sa_flags = SA_RESTART;
    if (valid(at))
        sh = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    marker(P_SIGSTORE, (long)logbuf, at, fd, sh);
    sg_in = 0;
    sg_word = 0;
    if (valid(sh) && sigaction(SIGUSR1, &sa, 0) == 0 &&
        pthread_create(&t, 0, sig_sleeper, 0) == 0) {
        sg_sh = sh;
        while (!__atomic_load_n(&sg_in, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        for (int i = 0; i < 50; i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        long pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
        done = sys6(SYS_tgkill, pid, sg_tid, SIGUSR1, 0, 0, 0) == 0;
        if (done) {
            marker(P_SIGSTORE + 2, at, 0, 0, 0);
            ok = filled(at, 'x') && filled(at + PAGE, 'x') && x_or_s(at + 2 * PAGE);
        }
        __atomic_store_n(&sg_word, 1, __ATOMIC_SEQ_CST);
        sys6(SYS_futex, (long)&sg_word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
        pthread_join(t, 0);
    }
    log_label(P_SIGSTORE, ok ? 0 : -4);
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
        case 'a': step(P_PROTUP); break;
        case 'b': step(P_DROPCOPY); break;
        case 'c': step(P_FORKED); break;
        case 'e': step(P_MOVED); break;
        case 'f': step(P_PAGEOUT); break;
        case 'g': step(P_PROTRT); break;
        case 'h': step(P_NEIGHBOUR); break;
        case 'i': step(P_COLD); break;
        case 'j': step(P_LOCKED); break;
        case 'k': step(P_POPWRITE); break;
        case 'l': step(P_POPMAP); break;
        case 'm': pipeinto_step(); break;
        case 'n': sigstore_step(); break;
        case 'o': step(P_FORKSTORE); break;
        case 'p': step(P_PROTDROP); break;
        case 'q': step(P_ROLOCK); break;
        default: break;
        }
    }

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
