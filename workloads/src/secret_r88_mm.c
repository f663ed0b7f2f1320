/* The attack target of red-team round 88b: a MAP_PRIVATE view of a memfd only the
 * program holds (3 pages of 'x', secret_mm_kit.h's view_x()) whose page 2 is read (a
 * clean page: the file's page cache folio under Linux), then one call whose output at
 * page 2 Linux never stores for these registers or this descriptor's kind, then
 * pwrite64() of 'y' changes the file (page 2 reads 'y' under Linux):
 *   a: readlinkat(memfd, "", page 2, 16): -ENOENT (do_readlinkat(): an empty path of a
 *      file that is no symlink).
 *   b: recvfrom(memfd, page 2, 16, MSG_DONTWAIT, NULL, NULL): -ENOTSOCK (sockfd_lookup_light()).
 *   c: statx(AT_FDCWD, "/", 0, STATX__RESERVED, page 2): -EINVAL (do_statx()).
 *   e: mincore(view + 1, 4096, page 2): -EINVAL (start not page aligned).
 *   f: prlimit64(0, 99, NULL, page 2): -EINVAL (do_prlimit(): resource >= RLIM_NLIMITS).
 *   h: sched_getparam(-1, page 2): -EINVAL (pid < 0).
 *   i: sched_rr_get_interval(-1, page 2): -EINVAL (pid < 0).
 *   j: capget(&{version 0, pid 0}, page 2): -EINVAL (cap_validate_magic(); the version
 *      is stored in the header, not at page 2).
 *   k: waitid(P_ALL, 0, NULL, 0, page 2): -EINVAL (kernel_waitid(): no WEXITED,
 *      WSTOPPED or WCONTINUED).
 *   l: epoll_pwait(memfd, page 2, 1, 0, NULL, 8): -EINVAL (do_epoll_wait(): not an epoll
 *      file).
 *   m: fgetxattr(memfd, "", page 2, 16): -ERANGE (getxattr(): an empty name).
 *   n: read(an eventfd, page 2, 4): -EINVAL (eventfd_read(): fewer than 8 bytes).
 *   o: read(a signalfd, page 2, 64): -EINVAL (signalfd_read(): fewer than 128 bytes).
 *   p: read(/dev/null opened O_PATH | O_RDWR, page 2, 16): -EBADF (fdget_pos() skips
 *      an FMODE_PATH file: O_PATH drops the access mode, build_open_how()).
 *   t: read(a pipe2() write end, page 2, 16): -EBADF (vfs_read(): no FMODE_READ).
 *   u: getdents64(/ opened O_PATH | O_DIRECTORY, page 2, 16): -EBADF (fdget_pos()).
 *   v: ioctl(/dev/null opened O_PATH, TCGETS, page 2): -EBADF (fdget()).
 *   w: pread64(memfd, page 2, 16, -1): -EINVAL (ksys_pread64(): pos < 0).
 *   x: readv(memfd, {page 2, 16} and 1024 more, 1025): -EINVAL (import_iovec(): more
 *      than UIO_MAXIOV).
 * and calls whose descriptor number changed meaning before the call (the program's own
 * dup3() or dup()), which Linux answers with a store at page 2 (the page becomes a
 * private copy: past its first 32 bytes it keeps 'x' after pwrite64() of 'y'):
 *   q: /dev/null opened O_WRONLY, dup3(memfd, that number, 0), pread64(it, page 2, 16,
 *      0): 16, the memfd's 'x' stored.
 *   r: /dev/null opened O_WRONLY and closed, dup(memfd) (the lowest free number: the
 *      same), pread64(it, page 2, 16, 0): 16, 'x' stored.
 *   s: a second memfd, dup3(a timerfd, its number, 0), timerfd_gettime(it, page 2): 0,
 *      an itimerspec of zeros stored (a disarmed timer).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS".
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r88b.py: P before the step's call (x2 the log buffer, x3 the
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

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r88"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_RDLINK 16400 /* (-a) readlinkat(memfd, "", page 2, 16) */
#define P_RECVFROM 16408 /* (-b) recvfrom(memfd, page 2, 16, MSG_DONTWAIT, NULL, NULL) */
#define P_STATX 16416 /* (-c) statx(AT_FDCWD, "/", 0, STATX__RESERVED, page 2) */
#define P_MINCORE 16424 /* (-e) mincore(view + 1, 4096, page 2) */
#define P_PRLIM 16432 /* (-f) prlimit64(0, 99, NULL, page 2) */
#define P_SCHPARAM 16440 /* (-h) sched_getparam(-1, page 2) */
#define P_RRINT 16448 /* (-i) sched_rr_get_interval(-1, page 2) */
#define P_CAPGET 16456 /* (-j) capget(&{0, 0}, page 2) */
#define P_WAITID 16464 /* (-k) waitid(P_ALL, 0, NULL, 0, page 2) */
#define P_EPWAIT 16472 /* (-l) epoll_pwait(memfd, page 2, 1, 0, NULL, 8) */
#define P_GETXATTR 16480 /* (-m) fgetxattr(memfd, "", page 2, 16) */
#define P_EVFDREAD 16488 /* (-n) read(eventfd, page 2, 4) */
#define P_SIGFDREAD 16496 /* (-o) read(signalfd, page 2, 64) */
#define P_OPATH 16504 /* (-p) read(O_PATH | O_RDWR /dev/null, page 2, 16) */
#define P_DUP3RD 16512 /* (-q) dup3(memfd, a write-only number), pread64(it, page 2, 16, 0) */
#define P_REUSE 16520 /* (-r) a write-only number closed, dup(memfd), pread64(it, page 2) */
#define P_TFDOVER 16528 /* (-s) dup3(timerfd, a memfd's number), timerfd_gettime(it, page 2) */
#define P_PIPEWR 16536 /* (-t) read(a pipe's write end, page 2, 16) */
#define P_PATHDENTS 16544 /* (-u) getdents64(O_PATH "/", page 2, 16) */
#define P_PATHIOCTL 16552 /* (-v) ioctl(O_PATH /dev/null, TCGETS, page 2) */
#define P_PREADNEG 16560 /* (-w) pread64(memfd, page 2, 16, -1) */
#define P_READVMAX 16568 /* (-x) readv(memfd, iovs, 1025) */
#include <sys/uio.h>
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


static uint32_t caphdr[2];
static struct iovec iovs[1025];
static int pfd[2];

/* The step's call, its answer not looked at (an eventfd or signalfd made first and
 * closed after). */
static void call(int phase, long p2, long fd)
{
    long e;
    uint64_t mask = 0;
    switch (phase) {
    case P_RDLINK: sys6(SYS_readlinkat, fd, (long)"", p2, 16, 0, 0); break;
    case P_RECVFROM: sys6(SYS_recvfrom, fd, p2, 16, 0x40, 0, 0); break;
    case P_STATX: sys6(SYS_statx, -100, (long)"/", 0, 0x80000000L, p2, 0); break;
    case P_MINCORE: sys6(SYS_mincore, p2 - 2 * PAGE + 1, PAGE, p2, 0, 0, 0); break;
    case P_PRLIM: sys6(SYS_prlimit64, 0, 99, 0, p2, 0, 0); break;
    case P_SCHPARAM: sys6(SYS_sched_getparam, -1, p2, 0, 0, 0, 0); break;
    case P_RRINT: sys6(SYS_sched_rr_get_interval, -1, p2, 0, 0, 0, 0); break;
    case P_CAPGET:
        caphdr[0] = 0;
        caphdr[1] = 0;
        sys6(SYS_capget, (long)caphdr, p2, 0, 0, 0, 0);
        break;
    case P_WAITID: sys6(SYS_waitid, 0, 0, 0, 0, p2, 0); break;
    case P_EPWAIT: sys6(SYS_epoll_pwait, fd, p2, 1, 0, 0, 8); break;
    case P_GETXATTR: sys6(SYS_fgetxattr, fd, (long)"", p2, 16, 0, 0); break;
    case P_EVFDREAD:
        e = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
        sys6(SYS_read, e, p2, 4, 0, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_SIGFDREAD:
        mask = 1UL << (10 - 1); /* SIGUSR1, not blocked, not pending */
        e = sys6(SYS_signalfd4, -1, (long)&mask, 8, 0, 0, 0);
        sys6(SYS_read, e, p2, 64, 0, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_OPATH:
        e = sys6(SYS_openat, -100, (long)"/dev/null", 010000000 | 2, 0, 0, 0);
        sys6(SYS_read, e, p2, 16, 0, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_PIPEWR:
        sys6(SYS_pipe2, (long)pfd, 0, 0, 0, 0, 0);
        sys6(SYS_read, pfd[1], p2, 16, 0, 0, 0);
        sys6(SYS_close, pfd[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, pfd[1], 0, 0, 0, 0, 0);
        break;
    case P_PATHDENTS:
        e = sys6(SYS_openat, -100, (long)"/", 010000000 | 040000, 0, 0, 0);
        sys6(SYS_getdents64, e, p2, 16, 0, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_PATHIOCTL:
        e = sys6(SYS_openat, -100, (long)"/dev/null", 010000000, 0, 0, 0);
        sys6(SYS_ioctl, e, 0x5401, p2, 0, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_PREADNEG: sys6(SYS_pread64, fd, p2, 16, -1, 0, 0); break;
    case P_READVMAX:
        iovs[0].iov_base = (void *)p2;
        iovs[0].iov_len = 16;
        sys6(SYS_readv, fd, (long)iovs, 1025, 0, 0, 0);
        break;
    case P_DUP3RD:
        e = sys6(SYS_openat, -100, (long)"/dev/null", 1, 0, 0, 0);
        sys6(SYS_dup3, fd, e, 0, 0, 0, 0);
        sys6(SYS_pread64, e, p2, 16, 0, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_REUSE:
        e = sys6(SYS_openat, -100, (long)"/dev/null", 1, 0, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        e = sys6(SYS_dup, fd, 0, 0, 0, 0, 0);
        sys6(SYS_pread64, e, p2, 16, 0, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    case P_TFDOVER: {
        long m2 = sys6(SYS_memfd_create, (long)"t", 0, 0, 0, 0, 0);
        e = sys6(SYS_timerfd_create, 1, 0, 0, 0, 0, 0);
        sys6(SYS_dup3, e, m2, 0, 0, 0, 0);
        sys6(SYS_timerfd_gettime, m2, p2, 0, 0, 0, 0);
        sys6(SYS_close, m2, 0, 0, 0, 0, 0);
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        break;
    }
    default: break;
    }
}

/* Page 2 from byte 32 on reads `c`. */
static int tail_filled(long at, int c)
{
    for (long i = 32; i < PAGE; i++)
        if (((volatile uint8_t *)at)[i] != (uint8_t)c)
            return 0;
    return 1;
}

/* (-q, -r, -s) The store steps: page 2 is a private copy after the call (Linux stored
 * at it), so it keeps 'x' past its first 32 bytes after pwrite64() of 'y'. */
static void step_store(int phase)
{
    long fd, at = view_x(&fd), ok;
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        log_label(phase, -4);
        return;
    }
    ok = filled(at + 2 * PAGE, 'x');
    call(phase, at + 2 * PAGE, fd);
    marker(phase + 4, at, 0, 0, 0);
    ok = ok && put_y(fd);
    if (ok)
        marker(phase + 2, at, 0, 0, 0);
    ok = ok && filled(at, 'x') && filled(at + PAGE, 'x') && tail_filled(at + 2 * PAGE, 'x');
    log_label(phase, ok ? 0 : -4);
    sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void step(int phase)
{
    if (phase == P_DUP3RD || phase == P_REUSE || phase == P_TFDOVER) {
        step_store(phase);
        return;
    }
    long fd, at = view_x(&fd), done = 0, ok;
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        judge(phase, at, 0, 'x', 'x', 'x');
        return;
    }
    ok = filled(at + 2 * PAGE, 'x');
    call(phase, at + 2 * PAGE, fd);
    ok = ok && filled(at + 2 * PAGE, 'x');
    marker(phase + 4, at, 0, 0, 0);
    done = ok && put_y(fd);
    judge(phase, at, done, 'x', 'x', 'y');
    sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *steps = step_letters(argc, argv, &show_digest);
    volatile uint8_t stackbuf[64];
    static const char letters[] = "abcefhijklmnopqrstuvwx";
    static const int phases[] = {P_RDLINK, P_RECVFROM, P_STATX, P_MINCORE, P_PRLIM, P_SCHPARAM, P_RRINT, P_CAPGET, P_WAITID, P_EPWAIT, P_GETXATTR, P_EVFDREAD, P_SIGFDREAD, P_OPATH, P_DUP3RD, P_REUSE, P_TFDOVER, P_PIPEWR, P_PATHDENTS, P_PATHIOCTL, P_PREADNEG, P_READVMAX};

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
