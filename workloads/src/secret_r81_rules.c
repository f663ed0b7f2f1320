/* secret_r81_rules: the attack target of red-team round eighty-one (syscall answers about
 * descriptors, kcmp, pidfds and perf: kcmp() whose first pid is a fork child, kcmp() of a
 * zombie, a /proc/self/fd reopen of a pipe and of a socket, pidfds of a reaped child, and
 * perf_event_open() attrs perf_copy_attr() and perf_event_open() refuse).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 * Calls Linux refuses (index 0 for its error, 1 another, -4 a success):
 *  P_PERFFREQ     perf_event_open() with freq and sample_freq 1 << 40: -EINVAL
 *  P_PERFSTYPE    perf_event_open() with sample_type bit 40: -EINVAL
 *  P_PERFRFMT     perf_event_open() with read_format bit 10: -EINVAL
 *  P_PERFINHTHR   perf_event_open() with inherit_thread, no inherit: -EINVAL
 *  P_PERFSIGTRAP  perf_event_open() with sigtrap, no remove_on_exec: -EINVAL
 *  P_PERFRMEXEC   perf_event_open() with remove_on_exec and enable_on_exec: -EINVAL
 *  P_PERFRES2     perf_event_open() with __reserved_2 (byte 110) non-zero: -EINVAL
 *  P_PERFCLOCK    perf_event_open() with use_clockid and clockid 99: an error (-EINVAL)
 *  P_PERFREGS     perf_event_open() with PERF_SAMPLE_REGS_USER and sample_regs_user 0:
 *                 -EINVAL
 *  P_SOCKREOPEN   openat("/proc/self/fd/s") of a socketpair end s: -ENXIO
 *  P_KCMPZOMBIE   kcmp(pid, child, KCMP_FILE, devnull, devnull) of a fork child that
 *                 exited (waitid(WNOWAIT) saw it, not reaped): -EBADF
 *  P_GETFDREAPED  pidfd_getfd(cfd, devnull, 0) once wait4() reaped cfd's child: -ESRCH
 *  P_SIGREAPED    pidfd_send_signal(cfd, 0, NULL, 0) of the reaped child: -ESRCH
 *  P_PMADVREAPED  process_madvise(cfd, {Q, 4096}, 1, MADV_COLD, 0) of it: -ESRCH
 *  P_WAITREAPED   waitid(P_PIDFD, cfd, &info, WEXITED | WNOHANG) of it: -ECHILD
 *  P_PERFSTACK    perf_event_open() with PERF_SAMPLE_STACK_USER and sample_stack_user 7:
 *                 -EINVAL
 *  P_PERFRES3     perf_event_open() with bit 31 of the word at 116 (__reserved_3): -EINVAL
 *  P_PERFWEIGHT   perf_event_open() with PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT:
 *                 -EINVAL
 *  P_PERFBRANCH   perf_event_open() with PERF_SAMPLE_BRANCH_STACK and branch_sample_type 0:
 *                 -EINVAL
 *  P_KCMPEFDDUP3  kcmp(pid, pid, KCMP_EPOLL_TFD, pr, {c, pr, 0}) after dup3(devnull, c)
 *                 turned the epoll's dup c into /dev/null: -EINVAL
 *  P_KCMPCHCLOSED kcmp(pid, child, KCMP_FILE, pr, pr) after the fork child closed its
 *                 copy of pr: -EBADF
 *  P_GETFDZOMBIE  pidfd_getfd(cfd, devnull, 0) of the exited, unreaped child: an error
 *                 (-EBADF: its table is gone)
 *  P_SIGFDPIDFD   signalfd4(pfd, &mask, 8, 0) of a pidfd pidfd_open(getpid()) made: -EINVAL
 *  P_KCMPFILESCLOSED kcmp(pid, pid, KCMP_FILE, x, x) after a clone(CLONE_FILES) child
 *                 closed x in the table it shares: -EBADF
 * Calls Linux answers with an order, never 0 (index 0; an error 1, 0 -4):
 *  P_FSCHILDFIRST kcmp(child, pid, KCMP_FS, 0, 0) of a living fork child
 *  P_FILECHILDBOTH kcmp(child, child, KCMP_FILE, devnull, pr): the child's two files
 *  P_VFORKFS      a vfork child's kcmp(getpid(), parent, KCMP_FS, 0, 0)
 *  P_PIPEREOPEN   kcmp(pid, pid, KCMP_FILE, pr, openat("/proc/self/fd/pr"))
 * Calls Linux answers 0, one object (index 0; an error 1, an order -4):
 *  P_DUPFDCLOEXEC kcmp(pid, pid, KCMP_FILE, devnull, fcntl(devnull, F_DUPFD_CLOEXEC, 0))
 * Calls Linux answers 0 (index 0; 1 otherwise):
 *  P_HFSSHARED    kcmp(pid, child, KCMP_FS, 0, 0) of a clone(CLONE_FS) child
 *  P_HMRELZOMBIE  process_mrelease(cfd, 0) of the exited, unreaped child
 *  P_HEPDUPFD     kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {ep, pr, 0}) after close(pr)
 *                 while an F_DUPFD_CLOEXEC copy of pr is open: an order (the item lives;
 *                 index 0, an error 1, 0 -4)
 *  P_HFILESDUP3   kcmp(pid, pid, KCMP_FILE, n, pr) after a clone(CLONE_FILES) child
 *                 dup3(pr, n) in the table it shares: 0
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r81.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/socket.h>
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
#define P_PERFFREQ 12600
#define P_PERFSTYPE 12602
#define P_PERFRFMT 12604
#define P_PERFINHTHR 12606
#define P_PERFSIGTRAP 12608
#define P_PERFRMEXEC 12610
#define P_PERFRES2 12612
#define P_PERFCLOCK 12614
#define P_PERFREGS 12616
#define P_SOCKREOPEN 12618
#define P_PIPEREOPEN 12620
#define P_FSCHILDFIRST 12622
#define P_FILECHILDBOTH 12624
#define P_KCMPZOMBIE 12626
#define P_GETFDREAPED 12628
#define P_SIGREAPED 12630
#define P_PMADVREAPED 12632
#define P_WAITREAPED 12634
#define P_PERFSTACK 12636
#define P_PERFRES3 12638
#define P_PERFWEIGHT 12640
#define P_PERFBRANCH 12642
#define P_KCMPEFDDUP3 12644
#define P_DUPFDCLOEXEC 12646
#define P_KCMPCHCLOSED 12648
#define P_KCMPFILESCLOSED 12650
#define P_VFORKFS 12652
#define P_GETFDZOMBIE 12654
#define P_SIGFDPIDFD 12656
#define P_HFSSHARED 12680
#define P_HMRELZOMBIE 12684
#define P_HFILESDUP3 12686
#define P_HEPDUPFD 12688

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define KCMP_FILE 0
#define KCMP_FS 3
#define KCMP_EPOLL_TFD 7
#define NR_MRELEASE 448

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r81"
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

/* perf_event_open(attr, 0, -1, -1, 0) of a dummy software event changed by (word, value,
 * flag bits): Linux's error `want` (0: any) */
static void perf_step(int phase, long m, int word, uint64_t value, uint64_t flags, long want)
{
    static uint64_t attr[16];
    memset(attr, 0, sizeof(attr));
    attr[0] = 1 | (128ul << 32);    /* PERF_TYPE_SOFTWARE, size 128 */
    attr[1] = 9;                    /* PERF_COUNT_SW_DUMMY */
    attr[5] = (1ul << 5) | flags;   /* exclude_kernel */
    if (word)
        attr[word] |= value;
    if (phase == P_PERFSTACK)
        attr[11] = 7;               /* sample_stack_user 7: not a multiple of 8 */
    refused6(phase, m, 1, SYS_perf_event_open, (long)attr, 0, -1, -1, 0, 0, want);
}

static void perf_steps(long m)
{
    perf_step(P_PERFFREQ, m, 2, 1ul << 40, 1ul << 10, -EINVAL);     /* freq, sample_freq */
    perf_step(P_PERFSTYPE, m, 3, 1ul << 40, 0, -EINVAL);            /* sample_type */
    perf_step(P_PERFRFMT, m, 4, 1ul << 10, 0, -EINVAL);             /* read_format */
    perf_step(P_PERFINHTHR, m, 0, 0, 1ul << 35, -EINVAL);           /* inherit_thread */
    perf_step(P_PERFSIGTRAP, m, 0, 0, 1ul << 37, -EINVAL);          /* sigtrap */
    perf_step(P_PERFRMEXEC, m, 0, 0, (1ul << 36) | (1ul << 12), -EINVAL);
    perf_step(P_PERFRES2, m, 13, 1ul << 48, 0, -EINVAL);            /* __reserved_2 */
    perf_step(P_PERFCLOCK, m, 11, 99ul << 32, 1ul << 25, 0);        /* clockid 99 */
    perf_step(P_PERFREGS, m, 3, 1ul << 12, 0, -EINVAL);             /* REGS_USER, mask 0 */
    perf_step(P_PERFSTACK, m, 3, 1ul << 13, 0, -EINVAL);            /* STACK_USER, 7 */
    perf_step(P_PERFRES3, m, 14, 1ul << 63, 0, -EINVAL);            /* __reserved_3 bit 31 */
    perf_step(P_PERFWEIGHT, m, 3, (1ul << 14) | (1ul << 24), 0, -EINVAL);
    perf_step(P_PERFBRANCH, m, 3, 1ul << 11, 0, -EINVAL);           /* BRANCH_STACK, mask 0 */
}

static long shut_fd = -1;
static int said[2] = {-1, -1};
static long dup_src = -1;

/* a child of clone(flags) that waits on qq until released; its pid, or -1.  With
 * CLOSE_FIRST in flags it first closes shut_fd (dup3()s dup_src over it where dup_src is
 * set) and writes a byte on said[1], which the parent reads before it goes on. */
#define CLOSE_FIRST 0x100000000L
static long held_child(long flags, int *qq)
{
    if (sc(SYS_pipe2, (long)qq, 0, 0, 0) != 0)
        return -1;
    long child = sys6(SYS_clone, (flags & ~CLOSE_FIRST) | SIGCHLD, 0, 0, 0, 0, 0);
    if (child == 0) {
        char b = 'c';
        if (flags & CLOSE_FIRST) {
            if (dup_src >= 0)
                sc(SYS_dup3, dup_src, shut_fd, 0, 0);
            else
                sc(SYS_close, shut_fd, 0, 0, 0);
            sc(SYS_write, said[1], (long)&b, 1, 0);
        }
        sc(SYS_close, qq[1], 0, 0, 0);
        sc(SYS_read, qq[0], (long)&b, 1, 0);
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

static void file_steps(long m, long pid)
{
    /* a socket cannot be reopened: inode_init_always() gave it no_open_fops */
    int sv[2] = {-1, -1};
    int s = sc(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sv) == 0;
    marker(P_SOCKREOPEN, m, s, 0, 0);
    long r = s ? reopen(sv[0], O_RDWR) : -ENXIO;
    log_label(P_SOCKREOPEN, open_index(r, -ENXIO));
    if (s) {
        sc(SYS_close, sv[0], 0, 0, 0);
        sc(SYS_close, sv[1], 0, 0, 0);
    }
    /* a pipe's reopen is a new struct file of the same pipe (fifo_open()) */
    int pp[2] = {-1, -1};
    int p = sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0;
    long o = p ? reopen(pp[0], O_RDONLY | O_NONBLOCK) : -1;
    kcmp_step(P_PIPEREOPEN, m, o >= 0, pid, pid, KCMP_FILE, pp[0], o, 0);
    if (o >= 0)
        sc(SYS_close, o, 0, 0, 0);
    /* F_DUPFD_CLOEXEC: the same struct file under another number */
    long d = sc(SYS_fcntl, devnull, F_DUPFD_CLOEXEC, 0, 0);
    kcmp_step(P_DUPFDCLOEXEC, m, d >= 0, pid, pid, KCMP_FILE, devnull, d, 1);
    if (d >= 0)
        sc(SYS_close, d, 0, 0, 0);
    /* a fork child first: its fs_struct and its own table */
    int qq[2] = {-1, -1};
    long child = p ? held_child(0, qq) : -1;
    kcmp_step(P_FSCHILDFIRST, m, child > 0, child, pid, KCMP_FS, 0, 0, 0);
    kcmp_step(P_FILECHILDBOTH, m, child > 0, child, child, KCMP_FILE, devnull, pp[0], 0);
    let_go(child, qq);
    /* CLONE_FS: copy_fs() shares the caller's fs_struct */
    child = held_child(CLONE_FS, qq);
    kcmp_step(P_HFSSHARED, m, child > 0, pid, child, KCMP_FS, 0, 0, 1);
    let_go(child, qq);
    /* a fork child's own close() of its copy of pr */
    shut_fd = pp[0];
    int told = p && sc(SYS_pipe2, (long)said, 0, 0, 0) == 0;
    child = told ? held_child(CLOSE_FIRST, qq) : -1;
    char b;
    int shut = child > 0 && sc(SYS_read, said[0], (long)&b, 1, 0) == 1;
    refused6(P_KCMPCHCLOSED, m, shut, SYS_kcmp, pid, child, KCMP_FILE, pp[0], pp[0], 0,
             -EBADF);
    let_go(child, qq);
    /* CLONE_FILES: the child's close() and dup3() change the table the caller uses */
    long x = told ? sc(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDWR, 0) : -1;
    shut_fd = x;
    child = x >= 0 ? held_child(CLONE_FILES | CLOSE_FIRST, qq) : -1;
    shut = child > 0 && sc(SYS_read, said[0], (long)&b, 1, 0) == 1;
    refused6(P_KCMPFILESCLOSED, m, shut, SYS_kcmp, pid, pid, KCMP_FILE, x, x, 0, -EBADF);
    let_go(child, qq);
    long n = told ? sc(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDWR, 0) : -1;
    shut_fd = n;
    dup_src = pp[0];
    child = n >= 0 ? held_child(CLONE_FILES | CLOSE_FIRST, qq) : -1;
    shut = child > 0 && sc(SYS_read, said[0], (long)&b, 1, 0) == 1;
    kcmp_step(P_HFILESDUP3, m, shut, pid, pid, KCMP_FILE, n, pp[0], 1);
    let_go(child, qq);
    dup_src = -1;
    if (n >= 0)
        sc(SYS_close, n, 0, 0, 0);
    /* a vfork child (no CLONE_FS): copy_fs() -> copy_fs_struct() */
    static volatile long seen = -1;
    marker(P_VFORKFS, m, 1, 0, 0);
    long vc = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (vc == 0) {
        seen = sys6(SYS_kcmp, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), pid, KCMP_FS, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (vc > 0)
        sys6(SYS_wait4, vc, 0, 0, 0, 0, 0);
    log_label(P_VFORKFS, vc < 0 || seen < 0 ? 1 : seen != 0 ? 0 : -4);
    if (told) {
        sc(SYS_close, said[0], 0, 0, 0);
        sc(SYS_close, said[1], 0, 0, 0);
    }
    /* a slot efd dup3() turned into /dev/null: no epoll */
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    uint32_t ev[4] = {1, 0, 0, 0};  /* EPOLLIN */
    long c = ep >= 0 && p && sc(SYS_epoll_ctl, ep, 1, pp[0], (long)ev) == 0
             ? sc(SYS_dup, ep, 0, 0, 0) : -1;
    int over = c >= 0 && sc(SYS_dup3, devnull, c, 0, 0) == c;
    uint32_t slot[3] = {(uint32_t)c, (uint32_t)pp[0], 0};
    refused6(P_KCMPEFDDUP3, m, over, SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, pp[0], (long)slot, 0,
             -EINVAL);
    if (c >= 0)
        sc(SYS_close, c, 0, 0, 0);
    /* an F_DUPFD_CLOEXEC copy keeps the watched pipe end's file, and its item, alive */
    qq[0] = qq[1] = -1;
    int w2 = ep >= 0 && sc(SYS_pipe2, (long)qq, 0, 0, 0) == 0
             && sc(SYS_epoll_ctl, ep, 1, qq[0], (long)ev) == 0;
    long kept = w2 ? sc(SYS_fcntl, qq[0], F_DUPFD_CLOEXEC, 0, 0) : -1;
    long gone = qq[0];
    int held = kept >= 0 && sc(SYS_close, gone, 0, 0, 0) == 0;
    uint32_t hslot[3] = {(uint32_t)ep, (uint32_t)gone, 0};
    kcmp_step(P_HEPDUPFD, m, held, pid, pid, KCMP_EPOLL_TFD, devnull, (long)hslot, 0);
    if (kept >= 0)
        sc(SYS_close, kept, 0, 0, 0);
    if (qq[1] >= 0)
        sc(SYS_close, qq[1], 0, 0, 0);
    if (!held && qq[0] >= 0)
        sc(SYS_close, qq[0], 0, 0, 0);
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
    if (p) {
        sc(SYS_close, pp[0], 0, 0, 0);
        sc(SYS_close, pp[1], 0, 0, 0);
    }
}

static void zombie_steps(long m, long pid)
{
    long child = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (child == 0)
        sc(SYS_exit_group, 0, 0, 0, 0);
    long cfd = child > 0 ? sc(SYS_pidfd_open, child, 0, 0, 0) : -1;
    static uint8_t info[128];
    /* P_PID, WEXITED | WNOWAIT: it has exited, it is not reaped */
    int zombie = child > 0 && sys6(SYS_waitid, 1, child, (long)info, 4 | 0x01000000, 0, 0) == 0;
    refused6(P_KCMPZOMBIE, m, zombie, SYS_kcmp, pid, child, KCMP_FILE, devnull, devnull, 0,
             -EBADF);
    marker(P_GETFDZOMBIE, m, zombie && cfd >= 0, 0, 0);
    long g = zombie && cfd >= 0 ? sys6(SYS_pidfd_getfd, cfd, devnull, 0, 0, 0, 0) : -EBADF;
    log_label(P_GETFDZOMBIE, g < 0 ? 0 : open_index(g, 0));
    ok_step(P_HMRELZOMBIE, m, zombie && cfd >= 0, NR_MRELEASE, cfd, 0, 0, 0);
    int reaped = child > 0 && sys6(SYS_wait4, child, 0, 0, 0, 0, 0) == child && cfd >= 0;
    marker(P_GETFDREAPED, m, reaped, 0, 0);
    long r = reaped ? sys6(SYS_pidfd_getfd, cfd, devnull, 0, 0, 0, 0) : -ESRCH;
    log_label(P_GETFDREAPED, open_index(r, -ESRCH));
    refused(P_SIGREAPED, m, reaped, SYS_pidfd_send_signal, cfd, 0, 0, 0, -ESRCH);
    /* P_PIDFD, WEXITED | WNOHANG: no child of ours left to report */
    refused6(P_WAITREAPED, m, reaped, SYS_waitid, 3, cfd, (long)info, 4 | 1, 0, 0, -ECHILD);
    long q = sys6(SYS_mmap, 0, PAGE, RW, ANON, -1, 0);
    q = mapped_ok(q) ? q : 0;
    if (q)
        *(volatile char *)q = 4;
    long v[2] = {q, PAGE};
    refused6(P_PMADVREAPED, m, reaped && q, SYS_process_madvise, cfd, (long)v, 1, MADV_COLD, 0,
             0, -ESRCH);
    if (cfd >= 0)
        sc(SYS_close, cfd, 0, 0, 0);
    /* signalfd4() updates only a signalfd: a pidfd is none */
    long pfd = sc(SYS_pidfd_open, pid, 0, 0, 0);
    uint64_t mask = 1ul << (SIGUSR1 - 1);
    refused6(P_SIGFDPIDFD, m, pfd >= 0, SYS_signalfd4, pfd, (long)&mask, 8, 0, 0, 0, -EINVAL);
    if (pfd >= 0)
        sc(SYS_close, pfd, 0, 0, 0);
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
        perf_steps(m);
        file_steps(m, pid);
        zombie_steps(m, pid);
    }
    return finish(show_digest);
}
