/* The attack target for failures: the errors a call can and cannot return.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step makes one call whose failure Linux
 * bounds (which errno values the call can return at all, in this state), and runs the
 * program's own error path on what it saw: an error turns into the index of a label
 * from its errno (-1 - (errno & 3), the label "before" the table), a success into 0..3.
 * The label is written to /dev/null (8 bytes).  Under Linux's contract every call below
 * succeeds (or fails the one way Linux must), so the index is always 0..3; an error Linux
 * could never return points the write into the secret's copy.  Until step 20 the program
 * installs no signal handler and blocks no signal, so no call before it can ever see
 * EINTR.  In order:
 *
 *   1. sched_yield(): do_sched_yield() always returns 0.
 *   2. close() of a dup() of /dev/null: filp_close() fails only with the file's flush
 *      error, and /dev/null has no flush: 0.
 *   3. close_range(fd, fd, 0): EINVAL only for unknown flags or first > last: 0.
 *   4. read() of 8 bytes from a blocking pipe holding 8: pipe_read() answers EAGAIN only
 *      for O_NONBLOCK; 8.
 *   5. read() of 8 bytes from that pipe holding 8 again: EINTR only when a handler ran.
 *   6. read() of that pipe holding 8 a third time: the kernel-internal restart codes
 *      (ERESTARTSYS..ERESTART_RESTARTBLOCK, 512..516) never reach user space.
 *   7. nanosleep() of 1 us: with no handler a signal restarts it (restart_syscall), so
 *      it returns 0.
 *   8. read() of /dev/zero into the program's own writable stack: no EFAULT; 8.
 *   9. read() of /dev/zero through a descriptor the program opened and never closed:
 *      no EBADF; 8.
 *  10. dup() after the program set its own RLIMIT_NOFILE to 256 with 6 descriptors open:
 *      no EMFILE.
 *  11. getrandom(buf, 8, 0): EAGAIN only with GRND_NONBLOCK; 8.
 *  12. clock_gettime(CLOCK_MONOTONIC): a valid clock and a writable timespec, 0.
 *  13. read() of /dev/zero answered beyond -4095: no call returns -errno below -MAX_ERRNO.
 *  14. dup3(fd, fd, 0): ksys_dup3() refuses oldfd == newfd with -EINVAL; never a success.
 *  15. rt_sigprocmask(SIG_BLOCK, {SIGUSR2}, &old, 8): EINVAL only for a bad `how` or size.
 *  16. rt_sigaction(SIGUSR2, NULL, &old, 8): only an invalid signal number fails.
 *  17. mprotect(PROT_READ) of its own private anonymous page: EACCES only for a file
 *      mapping opened without the access; 0.
 *  18. uname(): only EFAULT; 0.
 *  19. write() of 8 bytes to an empty blocking pipe: pipe_write() returns the count (8),
 *      an error only when nothing moved (EPIPE without readers: there is one).
 *  20. rt_sigaction(SIGURG, handler, NULL, 16): a sigsetsize other than 8 fails with
 *      EINVAL before anything changes, so SIGURG keeps its default (ignore) and the
 *      SIGURG the program then sends itself (tgkill) is discarded; -4 per handler run
 *      chooses the label.  (Before this step no handler is ever installed.)
 *  21. rt_sigaction(SIGKILL, handler, NULL, 8): do_sigaction() refuses a new action for
 *      SIGKILL (EINVAL), so no handler of SIGKILL ever runs; a call later (getpid), -4
 *      per run of that handler chooses the label (the program cannot tell a SIGKILL
 *      from another signal in its handler, as a catch-all logging handler).
 *  22. rt_sigaction(SIGUSR2, NULL, &old, 16): EINVAL (sigsetsize) before anything is
 *      written; had it succeeded, old would say SIG_DFL (the program never set SIGUSR2):
 *      a non-default old handler chooses index -4.
 *  23. SIGUSR1 given a handler and blocked, then rt_sigprocmask(99, {}, NULL, 8): an
 *      unknown `how` fails with EINVAL and the mask stays; SIGUSR1 stays blocked, so its
 *      handler cannot run during the getpid() that follows: -4 per run chooses the label.
 *  24. SIGUSR1 (with its handler) unblocked, then read() of 8 bytes from the pipe, which
 *      still holds the 8 of step 19: pipe_read() copies buffered bytes without waiting,
 *      so even a signal that arrives meanwhile (and runs the handler) leaves the read's
 *      8; errno chooses the label as before.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r37.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its call (x2 the log buffer), P_x + 1 after its write (x2 the
 * index it used). */
#define P_YIELD 3700
#define P_CLOSE 3702
#define P_CLOSE_RANGE 3704
#define P_PIPE_EAGAIN 3706
#define P_PIPE_EINTR 3708
#define P_RESTART 3710
#define P_NANOSLEEP 3712
#define P_EFAULT 3714      /* x3 the buffer */
#define P_EBADF 3716       /* x3 the descriptor */
#define P_EMFILE 3718
#define P_GETRANDOM 3720
#define P_CLOCK 3722
#define P_BIG_ERRNO 3724
#define P_DUP3_SELF 3726
#define P_SIGMASK 3728
#define P_SIGACTION 3730
#define P_MPROTECT 3732    /* x3 the page */
#define P_UNAME 3734
#define P_PIPE_WRITE 3736
#define P_SIGACTION_FAIL 3738
#define P_SIGKILL_ACTION 3740
#define P_OLDACT_SIZE 3742
#define P_MASK_HOW 3744
#define P_READ_SIGNALLED 3746
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

/* The program's error path: a failed call (-errno) picks the label "before" the table
 * from its errno; a success picks label 0. */
static long idx_of(long r)
{
    return r < 0 ? -1 - ((-r) & 3) : 0;
}

/* A call expected to move exactly `want` bytes: an error by its errno, a count by how
 * far it falls short (0 when all moved). */
static long idx_count(long r, long want)
{
    if (r < 0)
        return idx_of(r);
    return r == want ? 0 : (r < want ? 1 : -4);
}

static volatile long handled;

static void on_count(int signo)
{
    (void)signo;
    handled++;
}

static int zero_fd = -1;
static int pipefd[2] = {-1, -1};

static void step(int phase, long idx)
{
    log_label(phase, idx);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];
    uint8_t buf[64];
    long r;

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 1;
    }
    long cur = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    long base = (cur + PAGE - 1) & ~(PAGE - 1);
    if (sys6(SYS_brk, base + 3 * PAGE, 0, 0, 0, 0, 0) != base + 3 * PAGE) {
        say("secret: brk failed\n");
        return 1;
    }
    uint8_t *heap = (uint8_t *)(base + 2 * PAGE);
    memcpy(heap, "public bytes, nothing secret....", 32);
    memcpy(heap + SECRET_OFF, secret, SECRET_LEN);
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
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    zero_fd = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/zero", O_RDONLY, 0, 0, 0);
    if (devnull < 0 || zero_fd < 0 || sys6(SYS_pipe2, (long)pipefd, 0, 0, 0, 0, 0) != 0) {
        say("secret: setup failed\n");
        return 1;
    }

    /* 1. sched_yield */
    marker(P_YIELD, (long)logbuf, 0, 0, 0);
    step(P_YIELD, idx_of(sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0)));

    /* 2. close of a dup of /dev/null */
    r = sys6(SYS_dup, devnull, 0, 0, 0, 0, 0);
    marker(P_CLOSE, (long)logbuf, r, 0, 0);
    step(P_CLOSE, r < 0 ? 2 : idx_of(sys6(SYS_close, r, 0, 0, 0, 0, 0)));

    /* 3. close_range(fd, fd, 0) */
    r = sys6(SYS_dup, devnull, 0, 0, 0, 0, 0);
    marker(P_CLOSE_RANGE, (long)logbuf, r, 0, 0);
    step(P_CLOSE_RANGE, r < 0 ? 2 : idx_of(sys6(SYS_close_range, r, r, 0, 0, 0, 0)));

    /* 4..6. a blocking pipe read with the bytes already there, three times */
    static const int pipe_phases[3] = {P_PIPE_EAGAIN, P_PIPE_EINTR, P_RESTART};
    for (int i = 0; i < 3; i++) {
        long w = sys6(SYS_write, pipefd[1], (long)"pipedata", 8, 0, 0, 0);
        marker(pipe_phases[i], (long)logbuf, w, 0, 0);
        r = sys6(SYS_read, pipefd[0], (long)buf, 8, 0, 0, 0);
        step(pipe_phases[i], w != 8 ? 2 : idx_count(r, 8));
    }

    /* 7. nanosleep of 1 us */
    struct timespec ts = {0, 1000}, rem = {0, 0};
    marker(P_NANOSLEEP, (long)logbuf, 0, 0, 0);
    step(P_NANOSLEEP, idx_of(sys6(SYS_nanosleep, (long)&ts, (long)&rem, 0, 0, 0, 0)));

    /* 8. read into the program's own stack */
    marker(P_EFAULT, (long)logbuf, (long)stackbuf, 0, 0);
    step(P_EFAULT, idx_count(sys6(SYS_read, zero_fd, (long)stackbuf, 8, 0, 0, 0), 8));

    /* 9. read through a descriptor open all along */
    marker(P_EBADF, (long)logbuf, zero_fd, 0, 0);
    step(P_EBADF, idx_count(sys6(SYS_read, zero_fd, (long)buf, 8, 0, 0, 0), 8));

    /* 10. dup under the program's own RLIMIT_NOFILE */
    struct rlimit lim = {0, 0};
    long idx = 2;
    if (sys6(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&lim, 0, 0) == 0 && lim.rlim_max >= 256) {
        struct rlimit nlim = {256, lim.rlim_max};
        if (sys6(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&nlim, 0, 0, 0) == 0) {
            marker(P_EMFILE, (long)logbuf, 0, 0, 0);
            r = sys6(SYS_dup, devnull, 0, 0, 0, 0, 0);
            idx = idx_of(r);
            if (r >= 0)
                sys6(SYS_close, r, 0, 0, 0, 0, 0);
        }
    }
    if (idx == 2)
        marker(P_EMFILE, (long)logbuf, 1, 0, 0);
    step(P_EMFILE, idx);

    /* 11. getrandom without GRND_NONBLOCK */
    marker(P_GETRANDOM, (long)logbuf, 0, 0, 0);
    step(P_GETRANDOM, idx_count(sys6(SYS_getrandom, (long)buf, 8, 0, 0, 0, 0), 8));

    /* 12. clock_gettime(CLOCK_MONOTONIC) */
    marker(P_CLOCK, (long)logbuf, 0, 0, 0);
    step(P_CLOCK, idx_of(sys6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0)));

    /* 13. a read of /dev/zero, errno taken as the C library takes it: any negative */
    marker(P_BIG_ERRNO, (long)logbuf, 0, 0, 0);
    step(P_BIG_ERRNO, idx_count(sys6(SYS_read, zero_fd, (long)buf, 8, 0, 0, 0), 8));

    /* 14. dup3 onto itself */
    marker(P_DUP3_SELF, (long)logbuf, zero_fd, 0, 0);
    r = sys6(SYS_dup3, zero_fd, zero_fd, 0, 0, 0, 0);
    step(P_DUP3_SELF, r == -22 ? 0 : (r >= 0 ? -4 : idx_of(r)));

    /* 15. block SIGUSR2 */
    uint64_t set = 1UL << (SIGUSR2 - 1), old = 0;
    marker(P_SIGMASK, (long)logbuf, 0, 0, 0);
    r = sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, (long)&old, 8, 0, 0);
    step(P_SIGMASK, idx_of(r));
    sys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8, 0, 0);

    /* 16. query SIGUSR2's action */
    uint64_t oact[4] = {0, 0, 0, 0};
    marker(P_SIGACTION, (long)logbuf, 0, 0, 0);
    step(P_SIGACTION, idx_of(sys6(SYS_rt_sigaction, SIGUSR2, 0, (long)oact, 8, 0, 0)));

    /* 17. mprotect of its own anonymous page */
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    marker(P_MPROTECT, (long)logbuf, page, 0, 0);
    step(P_MPROTECT, !valid(page) ? 2
                                 : idx_of(sys6(SYS_mprotect, page, PAGE, PROT_READ, 0, 0, 0)));

    /* 18. uname */
    static char uts[6 * 65];
    marker(P_UNAME, (long)logbuf, 0, 0, 0);
    step(P_UNAME, idx_of(sys6(SYS_uname, (long)uts, 0, 0, 0, 0, 0)));

    /* 19. a write of 8 bytes to the (empty) blocking pipe, then the bytes read back */
    marker(P_PIPE_WRITE, (long)logbuf, 0, 0, 0);
    r = sys6(SYS_write, pipefd[1], (long)"pipedata", 8, 0, 0, 0);
    step(P_PIPE_WRITE, idx_count(r, 8));

    /* 20. a failed rt_sigaction (sigsetsize 16) installs nothing */
    uint64_t act[4] = {(uint64_t)on_count, 0 /* no SA_RESTART: returns through the vDSO */, 0, 0};
    marker(P_SIGACTION_FAIL, (long)logbuf, 0, 0, 0);
    r = sys6(SYS_rt_sigaction, SIGURG, (long)act, 0, 16, 0, 0);
    handled = 0;
    sys6(SYS_tgkill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), sys6(SYS_gettid, 0, 0, 0, 0, 0, 0),
         SIGURG, 0, 0, 0);
    step(P_SIGACTION_FAIL, handled ? -4 * handled : (r == -22 ? 0 : idx_of(r)));

    /* 21. SIGKILL cannot be caught */
    act[0] = (uint64_t)on_count;
    marker(P_SIGKILL_ACTION, (long)logbuf, 0, 0, 0);
    r = sys6(SYS_rt_sigaction, SIGKILL, (long)act, 0, 8, 0, 0);
    handled = 0;
    sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    step(P_SIGKILL_ACTION, handled ? -4 * handled : (r == -22 ? 0 : idx_of(r)));

    /* 22. the old action of an rt_sigaction that must fail */
    uint64_t oact2[4] = {0, 0, 0, 0};
    marker(P_OLDACT_SIZE, (long)logbuf, 0, 0, 0);
    r = sys6(SYS_rt_sigaction, SIGUSR2, 0, (long)oact2, 16, 0, 0);
    step(P_OLDACT_SIZE, r == -22 ? 0 : (r == 0 ? -4 * (oact2[0] != 0) : idx_of(r)));

    /* 23. a mask change with an unknown `how` changes nothing */
    uint64_t usr1 = 1UL << (SIGUSR1 - 1), none = 0;
    act[0] = (uint64_t)on_count;
    sys6(SYS_rt_sigaction, SIGUSR1, (long)act, 0, 8, 0, 0);
    sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&usr1, 0, 8, 0, 0);
    handled = 0;
    marker(P_MASK_HOW, (long)logbuf, 0, 0, 0);
    r = sys6(SYS_rt_sigprocmask, 99, (long)&none, 0, 8, 0, 0);
    sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    step(P_MASK_HOW, handled ? -4 * handled : (r == -22 ? 0 : idx_of(r)));

    /* 24. a read with its bytes there, SIGUSR1 deliverable */
    sys6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&usr1, 0, 8, 0, 0);
    marker(P_READ_SIGNALLED, (long)logbuf, 0, 0, 0);
    r = sys6(SYS_read, pipefd[0], (long)buf, 8, 0, 0, 0);
    step(P_READ_SIGNALLED, idx_count(r, 8));

    int bad = memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
              memcmp((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
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
