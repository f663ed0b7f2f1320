/* The attack target of red-team round 86b: a MAP_PRIVATE view of a memfd only the
 * program holds (3 pages of 'x', secret_mm_kit.h's view_x()) whose page 2 is read (a
 * clean page: the file's page cache folio under Linux), then one call whose output at
 * page 2 Linux never stores for these registers, then pwrite64() of 'y' changes the file
 * (page 2 reads 'y' under Linux):
 *   a: timer_create(CLOCK_MONOTONIC_RAW, NULL, page 2): -EOPNOTSUPP (do_timer_create():
 *      clock_monotonic_raw has no ->timer_create, before the id's copy_to_user()).
 *   b: timer_create(FD_TO_CLOCKID(memfd), NULL, page 2): -EOPNOTSUPP
 *      (clock_posix_dynamic has no ->timer_create).
 *   c: clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {0, 0}, page 2): 0 (an absolute
 *      sleep never stores rem: `if (flags & TIMER_ABSTIME) rmtp = NULL;`).
 *   e: clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, {0, 1}, page 2): -EOPNOTSUPP (no ->nsleep).
 *   f: waitid(P_ALL, 0, NULL, 0, page 2): -EINVAL (kernel_waitid(): no WEXITED,
 *      WSTOPPED or WCONTINUED); no infop, and ru is stored only for a reaped child.
 *   g: waitid(P_ALL, 0, NULL, WEXITED | WNOHANG, page 2), no child ever made: -ECHILD.
 *   h: splice(memfd, page 2 (off_in), memfd, NULL, 16, 0): -EINVAL (do_splice(): no
 *      pipe on either side); __do_splice() stores the offsets only for ret >= 0.
 *   i: splice(memfd, page 2, a pipe's write end, NULL, 16, 0x100): -EINVAL (flags past
 *      SPLICE_F_ALL, first).
 *   j: splice(memfd, page 2, a pipe's write end, NULL, 0, 0): 0 (`if (unlikely(!len))
 *      return 0;` first).
 *   k: copy_file_range(memfd, page 2, memfd, NULL, 0, 0): 0 (the offsets are stored
 *      only `if (ret > 0)`).
 *   l: waitid(P_PIDFD, memfd, NULL, WEXITED | WNOHANG, page 2): -EBADF (pidfd_get_pid():
 *      the memfd is no pidfd).
 *   m: clock_nanosleep(CLOCK_MONOTONIC, 0, {0, 1}, page 2): 0 (do_nanosleep(): the
 *      timer expired; rem is stored only on the way to -ERESTART_RESTARTBLOCK).
 *   n: preadv2(/dev/null opened O_WRONLY, {page 2, 16}, 1, -1, 0): -EBADF (FMODE_READ).
 *   o: preadv2(memfd, {page 2, 16}, 1, 0, 0x1000): -EOPNOTSUPP (kiocb_set_rw_flags():
 *      a flag past RWF_SUPPORTED, before ->read_iter()).
 *   p: nanosleep({0, 1}, page 2): 0 (do_nanosleep(): rem only for an interrupted sleep).
 *   q: ppoll(NULL, 0, page 2, &mask, 16): -EINVAL (poll_select_set_timeout() or
 *      set_user_sigmask()'s sigsetsize test, both before do_sys_poll()).
 *   r: ioctl(memfd, TCGETS, page 2): -ENOTTY (vfs_ioctl(): shmem has no ->unlocked_ioctl).
 *   s: recvmmsg(an empty AF_UNIX datagram socket, {{iov {wbuf, 16}}}, 1, MSG_DONTWAIT,
 *      page 2 as the timeout): -EINVAL (do_recvmmsg(): poll_select_set_timeout()); the
 *      time left is stored only for datagrams > 0 (__sys_recvmmsg()).
 *   t: getsockname(memfd, wbuf, page 2 as &len): -ENOTSOCK (sockfd_lookup_light()).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS".
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r86b.py: P before the step's call (x2 the log buffer, x3 the
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
#define ROUND_TAG "r86"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_TMRAW 15400   /* (-a) timer_create(CLOCK_MONOTONIC_RAW, NULL, page 2) */
#define P_TMFD 15408    /* (-b) timer_create(FD_TO_CLOCKID(memfd), NULL, page 2) */
#define P_NSABS 15416   /* (-c) clock_nanosleep(MONOTONIC, TIMER_ABSTIME, {0,0}, page 2) */
#define P_NSRAW 15424   /* (-e) clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, {0,1}, page 2) */
#define P_WIDOPT 15432  /* (-f) waitid(P_ALL, 0, NULL, 0, page 2) */
#define P_WIDNONE 15440 /* (-g) waitid(P_ALL, 0, NULL, WEXITED | WNOHANG, page 2) */
#define P_SPLFILE 15448 /* (-h) splice(memfd, page 2, memfd, NULL, 16, 0) */
#define P_SPLFLAG 15456 /* (-i) splice(memfd, page 2, pipe, NULL, 16, 0x100) */
#define P_SPLZERO 15464 /* (-j) splice(memfd, page 2, pipe, NULL, 0, 0) */
#define P_CFRZERO 15472 /* (-k) copy_file_range(memfd, page 2, memfd, NULL, 0, 0) */
#define P_WIDFD 15480  /* (-l) waitid(P_PIDFD, memfd, NULL, WEXITED | WNOHANG, page 2) */
#define P_NSREL 15488  /* (-m) clock_nanosleep(CLOCK_MONOTONIC, 0, {0, 1}, page 2) */
#define P_PRV2RO 15496 /* (-n) preadv2(O_WRONLY fd, {page 2, 16}, 1, -1, 0) */
#define P_PRV2FL 15504 /* (-o) preadv2(memfd, {page 2, 16}, 1, 0, 0x1000) */
#define P_NSLEEP0 15512 /* (-p) nanosleep({0, 1}, page 2) */
#define P_PPOLLSZ 15520 /* (-q) ppoll(NULL, 0, page 2, &mask, 16) */
#define P_IOCTTY 15528 /* (-r) ioctl(memfd, TCGETS, page 2) */
#define P_RMMSG 15536  /* (-s) recvmmsg(empty socket, vec, 1, MSG_DONTWAIT, page 2) */
#define P_NAMELEN 15544 /* (-t) getsockname(memfd, wbuf, page 2) */
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

static long ts[2] = {0, 0}, ts1[2] = {0, 1};
static struct iovec iov;
static uint64_t mask[2];
static struct iovec wiov;
static struct mmsghdr mmsg;

/* The step's call, its answer not looked at. */
static void call(int phase, long p2, long fd)
{
    int pv[2] = {-1, -1}, sv[2] = {-1, -1};
    if (phase == P_RMMSG)
        sys6(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, (long)sv, 0, 0);
    iov.iov_base = (void *)p2;
    iov.iov_len = 16;
    if (phase == P_SPLFLAG || phase == P_SPLZERO)
        sys6(SYS_pipe2, (long)pv, 0, 0, 0, 0, 0);
    switch (phase) {
    case P_TMRAW: sys6(SYS_timer_create, 4, 0, p2, 0, 0, 0); break;
    case P_TMFD: sys6(SYS_timer_create, ((~fd) << 3) | 3, 0, p2, 0, 0, 0); break;
    case P_NSABS: sys6(SYS_clock_nanosleep, 1, 1, (long)ts, p2, 0, 0); break;
    case P_NSRAW: sys6(SYS_clock_nanosleep, 4, 0, (long)ts1, p2, 0, 0); break;
    case P_WIDOPT: sys6(SYS_waitid, 0, 0, 0, 0, p2, 0); break;
    case P_WIDNONE: sys6(SYS_waitid, 0, 0, 0, 4 | 1 /* WEXITED | WNOHANG */, p2, 0); break;
    case P_SPLFILE: sys6(SYS_splice, fd, p2, fd, 0, 16, 0); break;
    case P_SPLFLAG: sys6(SYS_splice, fd, p2, pv[1], 0, 16, 0x100); break;
    case P_SPLZERO: sys6(SYS_splice, fd, p2, pv[1], 0, 0, 0); break;
    case P_CFRZERO: sys6(SYS_copy_file_range, fd, p2, fd, 0, 0, 0); break;
    case P_WIDFD: sys6(SYS_waitid, 3 /* P_PIDFD */, fd, 0, 4 | 1, p2, 0); break;
    case P_NSREL: sys6(SYS_clock_nanosleep, 1, 0, (long)ts1, p2, 0, 0); break;
    case P_PRV2RO: sys6(SYS_preadv2, devnull, (long)&iov, 1, -1, 0, 0); break;
    case P_PRV2FL: sys6(SYS_preadv2, fd, (long)&iov, 1, 0, 0, 0x1000); break;
    case P_NSLEEP0: sys6(SYS_nanosleep, (long)ts1, p2, 0, 0, 0, 0); break;
    case P_PPOLLSZ: sys6(SYS_ppoll, 0, 0, p2, (long)mask, 16, 0); break;
    case P_IOCTTY: sys6(SYS_ioctl, fd, 0x5401 /* TCGETS */, p2, 0, 0, 0); break;
    case P_RMMSG:
        wiov.iov_base = wbuf;
        wiov.iov_len = 16;
        mmsg.msg_hdr.msg_iov = &wiov;
        mmsg.msg_hdr.msg_iovlen = 1;
        sys6(SYS_recvmmsg, sv[0], (long)&mmsg, 1, MSG_DONTWAIT, p2, 0);
        break;
    case P_NAMELEN: sys6(SYS_getsockname, fd, (long)wbuf, p2, 0, 0, 0); break;
    default: break;
    }
    if (sv[0] >= 0) {
        sys6(SYS_close, sv[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, sv[1], 0, 0, 0, 0, 0);
    }
    if (pv[0] >= 0) {
        sys6(SYS_close, pv[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, pv[1], 0, 0, 0, 0, 0);
    }
}

static void step(int phase)
{
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
    static const char letters[] = "abcefghijklmnopqrst";
    static const int phases[] = {P_TMRAW, P_TMFD, P_NSABS, P_NSRAW, P_WIDOPT, P_WIDNONE,
                                 P_SPLFILE, P_SPLFLAG, P_SPLZERO, P_CFRZERO, P_WIDFD, P_NSREL,
                                 P_PRV2RO, P_PRV2FL, P_NSLEEP0, P_PPOLLSZ,
                                 P_IOCTTY, P_RMMSG, P_NAMELEN};

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
