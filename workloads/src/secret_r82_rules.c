/* secret_r82_rules: the attack target of red-team round eighty-two (syscall answers about
 * descriptors, the launch table, kcmp, pidfds and perf at the edges of round 81's rules:
 * calls outside return.fd_never_opened's four that look up a number nothing ever opened,
 * a fork child's inherited table, kcmp of an exited child that shared its fs_struct or its
 * table, a negative perf group).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  NEVER (77) is a number nothing opens.
 *
 * Calls Linux refuses (index 0 for its error, 1 another, -4 a success):
 *  P_CLOSENEVER   close(NEVER): -EBADF
 *  P_DUPNEVER     dup(NEVER): -EBADF
 *  P_FCNTLNEVER   fcntl(NEVER, F_GETFD): -EBADF
 *  P_SIGNEVER     pidfd_send_signal(NEVER, 0, NULL, 0): -EBADF
 *  P_PMADVNEVER   process_madvise(NEVER, {q, 4096}, 1, MADV_COLD, 0): -EBADF
 *  P_EPCTLNEVER   epoll_ctl(ep, EPOLL_CTL_ADD, NEVER, &ev): -EBADF
 *  P_KCMPCHNEVER  kcmp(pid, child, KCMP_FILE, devnull, NEVER) of a living fork child: -EBADF
 *  P_GETFDCHNEVER pidfd_getfd(cfd, NEVER, 0) of a living fork child's pidfd: -EBADF
 *  P_PERFGROUPNEG perf_event_open(attr, 0, -1, -2, 0): -EBADF
 *  P_FCHDIRNEVER  fchdir(NEVER): -EBADF
 *  P_EPTFDNEVER   kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {ep, NEVER, 0}) of an epoll
 *                 watching a pipe end: -ENOENT
 *  P_KCMPPIDFDCH  kcmp(pid, child, KCMP_FILE, p, p), p the pidfd clone(CLONE_PIDFD) gave
 *                 the caller of a living fork child: -EBADF
 *  P_KCMPCHOPENED kcmp(pid, pid, KCMP_FILE, n, n), n the number a living fork child's
 *                 openat() got in its own table: -EBADF
 *  P_OPENATNEVER  openat(NEVER, "null", O_RDONLY): -EBADF
 *  P_PERFSWCONFIG perf_event_open() of PERF_TYPE_SOFTWARE config 1000: -ENOENT
 *  P_CLOSERANGEINV close_range(NEVER, 10, 0): -EINVAL
 *  P_KCMPPIDFDNEW kcmp(pid, child, KCMP_FILE, p, p), p the CLONE_PIDFD pidfd of a living
 *                 fork child at a number never used before: -EBADF
 * Calls Linux answers with an order, never 0 (index 0; an error 1, 0 -4):
 *  P_KCMPVMVFORK  kcmp(pid, vchild, KCMP_VM, 0, 0) of a vfork child that exited (seen so
 *                 by waitid(WEXITED | WNOWAIT), not reaped)
 *  P_KCMPFSZOMBIE kcmp(pid, child, KCMP_FS, 0, 0) of a clone(CLONE_FS) child that exited
 *                 (waitid(WEXITED | WNOWAIT) saw it, not reaped)
 *  P_KCMPFILESZOMBIE kcmp(pid, child, KCMP_FILES, 0, 0) of a clone(CLONE_FILES) child
 *                 that exited (seen so, not reaped)
 * Calls Linux answers 0 (index 0; 1 otherwise):
 *  P_HKCMPHIGH    kcmp(pid, pid, KCMP_FILE, devnull, devnull | 1 << 32): 0
 *  P_HFILESLIVE   kcmp(pid, child, KCMP_FILES, 0, 0) of a living clone(CLONE_FILES) child
 *  P_HVMSELF      kcmp(pid, pid, KCMP_VM, 0, 0)
 *  P_HCHDEVNULL   kcmp(pid, child, KCMP_FILE, devnull, devnull) of a living fork child
 *  P_HPIDFDSELF   kcmp(pid, pid, KCMP_FILE, p, p) of the CLONE_PIDFD pidfd p
 *  P_HPIDFDNEWSELF the same of a CLONE_PIDFD pidfd at a number never used before
 *  P_HFILESOPEN   kcmp(pid, pid, KCMP_FILE, n, n), n a living CLONE_FILES child's openat()
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r82.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sched.h>
#include <signal.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_CLOSENEVER 13200
#define P_DUPNEVER 13202
#define P_FCNTLNEVER 13204
#define P_SIGNEVER 13206
#define P_KCMPFSZOMBIE 13208
#define P_PMADVNEVER 13210
#define P_EPCTLNEVER 13212
#define P_KCMPCHNEVER 13214
#define P_PERFGROUPNEG 13216
#define P_GETFDCHNEVER 13218
#define P_KCMPFILESZOMBIE 13220
#define P_FCHDIRNEVER 13222
#define P_EPTFDNEVER 13224
#define P_KCMPPIDFDCH 13226
#define P_KCMPCHOPENED 13228
#define P_OPENATNEVER 13230
#define P_KCMPPIDFDNEW 13232
#define P_KCMPVMVFORK 13234
#define P_PERFSWCONFIG 13236
#define P_CLOSERANGEINV 13238
#define P_HKCMPHIGH 13280
#define P_HFILESLIVE 13282
#define P_HVMSELF 13284
#define P_HCHDEVNULL 13286
#define P_HPIDFDSELF 13288
#define P_HPIDFDNEWSELF 13290
#define P_HFILESOPEN 13292
#define NEVER 77

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define KCMP_FILE 0
#define KCMP_VM 1
#define KCMP_FILES 2
#define KCMP_FS 3
#define KCMP_SIGHAND 4
#define KCMP_EPOLL_TFD 7

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r82"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static int show_digest;

/* a kcmp Linux answers 0 (`same`) or with an order, never 0 */
static void kcmp_step(int phase, long m, long p, long a0, long a1, long a2, long a3, long a4,
                      int same)
{
    marker(phase, m, p, 0, 0);
    long r = p ? sys6(SYS_kcmp, a0, a1, a2, a3, a4, 0) : -1;
    log_label(phase, r < 0 ? 1 : (r == 0) == same ? 0 : -4);
}

/* a child of clone(flags) that waits on qq until released (or exits at once where qq is
 * NULL); its pid, or -1.  CLONE_PIDFD's number goes to pfdout; with OPEN_FIRST in flags the
 * child first opens /dev/null in its own table and writes the number on said[1]. */
#define OPEN_FIRST 0x100000000L
static int said[2] = {-1, -1};
static int pfdout = -1;
static long held_child(long flags, int *qq)
{
    if (qq && sc(SYS_pipe2, (long)qq, 0, 0, 0) != 0)
        return -1;
    long child = sys6(SYS_clone, (flags & ~OPEN_FIRST) | SIGCHLD, 0, (long)&pfdout, 0, 0, 0);
    if (child == 0) {
        char b = 'c';
        if (flags & OPEN_FIRST) {
            int n = (int)sc(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDWR, 0);
            sc(SYS_write, said[1], (long)&n, 4, 0);
        }
        if (qq) {
            sc(SYS_close, qq[1], 0, 0, 0);
            sc(SYS_read, qq[0], (long)&b, 1, 0);
        }
        sc(SYS_exit_group, 0, 0, 0, 0);
    }
    return child;
}

static void let_go(long child, int *qq)
{
    sc(SYS_close, qq[1], 0, 0, 0);
    if (child > 0)
        sys6(SYS_wait4, child, 0, 0, 0, 0, 0);
    sc(SYS_close, qq[0], 0, 0, 0);
}

/* a child of clone(flags) that exited at once and that waitid(P_PID, child, WEXITED |
 * WNOWAIT) reported (a zombie); its pid, or -1 */
static long exited_child(long flags)
{
    static uint8_t info[128];
    long child = held_child(flags, 0);
    if (child > 0 && sys6(SYS_waitid, 1, child, (long)info, 4 | 0x01000000, 0, 0) == 0)
        return child;
    if (child > 0)
        sys6(SYS_wait4, child, 0, 0, 0, 0, 0);
    return -1;
}

static void never_steps(long m)
{
    marker(P_DUPNEVER, m, 1, 0, 0);
    log_label(P_DUPNEVER, open_index(sc(SYS_dup, NEVER, 0, 0, 0), -EBADF));
    marker(P_OPENATNEVER, m, 1, 0, 0);
    log_label(P_OPENATNEVER, open_index(sc(SYS_openat, NEVER, (long)"null", O_RDONLY, 0),
                                        -EBADF));
    refused(P_FCNTLNEVER, m, 1, SYS_fcntl, NEVER, F_GETFD, 0, 0, -EBADF);
    refused(P_SIGNEVER, m, 1, SYS_pidfd_send_signal, NEVER, 0, 0, 0, -EBADF);
    long q = sys6(SYS_mmap, 0, PAGE, RW, ANON, -1, 0);
    q = mapped_ok(q) ? q : 0;
    if (q)
        *(volatile char *)q = 4;
    long v[2] = {q, PAGE};
    refused6(P_PMADVNEVER, m, q != 0, SYS_process_madvise, NEVER, (long)v, 1, MADV_COLD, 0, 0,
             -EBADF);
    int pp[2] = {-1, -1};
    int p = sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0;
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    uint32_t ev[4] = {1, 0, 0, 0};  /* EPOLLIN */
    refused(P_EPCTLNEVER, m, ep >= 0, SYS_epoll_ctl, ep, 1, NEVER, (long)ev, -EBADF);
    int w = p && ep >= 0 && sc(SYS_epoll_ctl, ep, 1, pp[0], (long)ev) == 0;
    uint32_t slot[3] = {(uint32_t)ep, NEVER, 0};
    refused6(P_EPTFDNEVER, m, w, SYS_kcmp, sc(SYS_getpid, 0, 0, 0, 0),
             sc(SYS_getpid, 0, 0, 0, 0), KCMP_EPOLL_TFD, devnull, (long)slot, 0, -ENOENT);
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
    if (p) {
        sc(SYS_close, pp[0], 0, 0, 0);
        sc(SYS_close, pp[1], 0, 0, 0);
    }
}

static void kcmp_steps(long m, long pid)
{
    kcmp_step(P_HKCMPHIGH, m, 1, pid, pid, KCMP_FILE, devnull, devnull | (1L << 32), 1);
    kcmp_step(P_HVMSELF, m, 1, pid, pid, KCMP_VM, 0, 0, 1);
    /* a living fork child: dup_fd() copied the caller's table, NEVER in neither */
    int qq[2] = {-1, -1};
    long child = held_child(0, qq);
    kcmp_step(P_HCHDEVNULL, m, child > 0, pid, child, KCMP_FILE, devnull, devnull, 1);
    refused6(P_KCMPCHNEVER, m, child > 0, SYS_kcmp, pid, child, KCMP_FILE, devnull, NEVER, 0,
             -EBADF);
    long cfd = child > 0 ? sc(SYS_pidfd_open, child, 0, 0, 0) : -1;
    marker(P_GETFDCHNEVER, m, cfd >= 0, 0, 0);
    long g = cfd >= 0 ? sys6(SYS_pidfd_getfd, cfd, NEVER, 0, 0, 0, 0) : -EBADF;
    log_label(P_GETFDCHNEVER, open_index(g, -EBADF));
    if (cfd >= 0)
        sc(SYS_close, cfd, 0, 0, 0);
    let_go(child, qq);
    /* CLONE_PIDFD: copy_files() copied the table before __pidfd_prepare() reserved the
     * pidfd's number (the lowest free one, p) in the caller's alone */
    long p = -1;
    pfdout = -1;
    child = sc(SYS_pipe2, (long)qq, 0, 0, 0) == 0 ? 0 : -1;
    if (child == 0) {
        p = sc(SYS_dup, devnull, 0, 0, 0);      /* the lowest free number past the pipe's */
        if (p >= 0)
            sc(SYS_close, p, 0, 0, 0);
        sc(SYS_close, qq[0], 0, 0, 0);
        sc(SYS_close, qq[1], 0, 0, 0);
        child = p >= 0 ? held_child(CLONE_PIDFD, qq) : -1;  /* the same pipe numbers again */
    }
    int pf = child > 0 && pfdout == p;
    kcmp_step(P_HPIDFDSELF, m, pf, pid, pid, KCMP_FILE, p, p, 1);
    refused6(P_KCMPPIDFDCH, m, pf, SYS_kcmp, pid, child, KCMP_FILE, p, p, 0, -EBADF);
    let_go(child, qq);
    if (pf)
        sc(SYS_close, p, 0, 0, 0);
    /* CLONE_PIDFD at a number never used: every lower one held open first */
    static long held[24];
    int k = 0;
    while (k < 24 && (held[k] = sc(SYS_dup, devnull, 0, 0, 0)) >= 0 && held[k] < 16)
        k++;
    pfdout = -1;
    child = k < 24 && held[k] >= 0 ? held_child(CLONE_PIDFD, qq) : -1;
    p = pfdout;
    refused6(P_KCMPPIDFDNEW, m, child > 0 && p > 16, SYS_kcmp, pid, child, KCMP_FILE, p, p, 0,
             -EBADF);
    kcmp_step(P_HPIDFDNEWSELF, m, child > 0 && p > 16, pid, pid, KCMP_FILE, p, p, 1);
    let_go(child, qq);
    if (child > 0 && p >= 0)
        sc(SYS_close, p, 0, 0, 0);
    for (int i = 0; i <= k && i < 24; i++)
        if (held[i] >= 0)
            sc(SYS_close, held[i], 0, 0, 0);
    /* a vfork child that exited: exit_mm() left its mm NULL */
    static uint8_t vinfo[128];
    long vc = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (vc == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    int vz = vc > 0 && sys6(SYS_waitid, 1, vc, (long)vinfo, 4 | 0x01000000, 0, 0) == 0;
    kcmp_step(P_KCMPVMVFORK, m, vz, pid, vc, KCMP_VM, 0, 0, 0);
    if (vc > 0)
        sys6(SYS_wait4, vc, 0, 0, 0, 0, 0);
    /* a fork child's own open(): dup_fd() gave it its own table, the caller's holds none */
    int told = sc(SYS_pipe2, (long)said, 0, 0, 0) == 0;
    child = told ? held_child(OPEN_FIRST, qq) : -1;
    int n = -1;
    int got = child > 0 && sc(SYS_read, said[0], (long)&n, 4, 0) == 4 && n >= 0;
    refused6(P_KCMPCHOPENED, m, got, SYS_kcmp, pid, pid, KCMP_FILE, n, n, 0, -EBADF);
    let_go(child, qq);
    if (told) {
        sc(SYS_close, said[0], 0, 0, 0);
        sc(SYS_close, said[1], 0, 0, 0);
    }
    /* a CLONE_FILES child's open() installs in the table the caller uses */
    told = sc(SYS_pipe2, (long)said, 0, 0, 0) == 0;
    child = told ? held_child(CLONE_FILES | OPEN_FIRST, qq) : -1;
    n = -1;
    got = child > 0 && sc(SYS_read, said[0], (long)&n, 4, 0) == 4 && n >= 0;
    kcmp_step(P_HFILESOPEN, m, got, pid, pid, KCMP_FILE, n, n, 1);
    let_go(child, qq);
    if (got)
        sc(SYS_close, n, 0, 0, 0);
    if (told) {
        sc(SYS_close, said[0], 0, 0, 0);
        sc(SYS_close, said[1], 0, 0, 0);
    }
    /* a living CLONE_FILES child shares the files_struct */
    child = held_child(CLONE_FILES, qq);
    kcmp_step(P_HFILESLIVE, m, child > 0, pid, child, KCMP_FILES, 0, 0, 1);
    let_go(child, qq);
    /* exited children: exit_fs() and exit_files() left them NULL */
    child = exited_child(CLONE_FS);
    kcmp_step(P_KCMPFSZOMBIE, m, child > 0, pid, child, KCMP_FS, 0, 0, 0);
    if (child > 0)
        sys6(SYS_wait4, child, 0, 0, 0, 0, 0);
    child = exited_child(CLONE_FILES);
    kcmp_step(P_KCMPFILESZOMBIE, m, child > 0, pid, child, KCMP_FILES, 0, 0, 0);
    if (child > 0)
        sys6(SYS_wait4, child, 0, 0, 0, 0, 0);
}

static void perf_steps(long m)
{
    /* perf_event_open() of a dummy software event with group_fd -2 */
    static uint64_t attr[16];
    attr[0] = 1 | (128ul << 32);    /* PERF_TYPE_SOFTWARE, size 128 */
    attr[1] = 9;                    /* PERF_COUNT_SW_DUMMY */
    attr[5] = 1ul << 5;             /* exclude_kernel */
    marker(P_PERFGROUPNEG, m, 1, 0, 0);
    long g = sys6(SYS_perf_event_open, (long)attr, 0, -1, -2, 0, 0);
    log_label(P_PERFGROUPNEG, open_index(g, -EBADF));
    /* a software event no software PMU knows: perf_swevent_init() */
    attr[1] = 1000;
    marker(P_PERFSWCONFIG, m, 1, 0, 0);
    g = sys6(SYS_perf_event_open, (long)attr, 0, -1, -1, 0, 0);
    log_label(P_PERFSWCONFIG, open_index(g, -ENOENT));
    /* a range whose end is below its start */
    refused(P_CLOSERANGEINV, m, 1, SYS_close_range, NEVER, 10, 0, 0, -EINVAL);
    /* last: a close() makes the number one the program closed; a success of fchdir()
     * would move the working directory */
    refused(P_CLOSENEVER, m, 1, SYS_close, NEVER, 0, 0, 0, -EBADF);
    refused(P_FCHDIRNEVER, m, 1, SYS_fchdir, NEVER, 0, 0, 0, -EBADF);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
    volatile uint8_t stackbuf[64];

    if (!rules_start(stackbuf))
        return 1;

    sc(SYS_gettid, 0, 0, 0, 0);
    long m = memfd_of('l', 10, 0);
    if (m >= 0) {
        long pid = sc(SYS_getpid, 0, 0, 0, 0);
        never_steps(m);
        kcmp_steps(m, pid);
        perf_steps(m);
    }
    return finish(show_digest);
}
