/* secret_r83_rules: the attack target of red-team round eighty-three (syscall answers about
 * descriptors at the edges of round 82's rules: a dfd an empty name or a NULL name still
 * looks up, a descriptor an argument other than the first names, a vfork child's own
 * table, sighand and sysvsem undo lists of fork and exited children).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  NEVER (77) is a number nothing opens.
 *
 * Calls Linux refuses (index 0 for its error, 1 another, -4 a success):
 *  P_ACCESSEMPTY  faccessat2(NEVER, "", F_OK, AT_EMPTY_PATH): -EBADF
 *  P_UTIMENULL    utimensat(NEVER, NULL, NULL, 0): -EBADF
 *  P_VFORKOPEN    fstat(90), the number a vfork child's dup3(devnull, 90, 0) installed
 *                 in its own table (the child exited): -EBADF
 *  P_SELECTNEVER  pselect6(61, {60}, NULL, NULL, {0, 0}, NULL), 60 never opened: -EBADF
 *  P_FICLONE      ioctl(devnull, FICLONE, NEVER): -EBADF
 *  P_CLOSERANGEFLAG close_range(NEVER, NEVER, 1 << 5): -EINVAL
 *  P_OPENAT2INROOT openat2(NEVER, "/dev/null", {O_RDONLY, 0, RESOLVE_IN_ROOT}): -EBADF
 *  P_DUPFDQUERY   fcntl(devnull, F_DUPFD_QUERY, NEVER): -EBADF (6.10+; -EINVAL before)
 *  P_EPTFDCHILD   kcmp(pid, child, KCMP_EPOLL_TFD, pp0, {ep, pp0, 0}) of a living fork
 *                 child, ep made after the fork: -EBADF
 *  P_KCMPCHLATER  kcmp(pid, child, KCMP_FILE, devnull, d) of a living fork child, d a
 *                 dup the caller made after the fork: -EBADF
 *  P_SCMNEVER     sendmsg(sv0, 1 byte with SCM_RIGHTS {NEVER}, 0) on a socketpair:
 *                 -EBADF
 *  P_ATTACHBPF    setsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF, &NEVER, 4): -EBADF
 *  P_DUP3FLAG     dup3(devnull, 78, O_NONBLOCK): -EINVAL
 * ppoll({NEVER, POLLIN}, 1, {0, 0}, NULL, 8): 1 with revents POLLNVAL (index 0; POLLIN -4,
 *  anything else 1): P_POLLNEVER
 * Calls Linux answers with an order, never 0 (index 0; an error 1, 0 -4):
 *  P_SIGHANDFORK  kcmp(pid, child, KCMP_SIGHAND, 0, 0) of a living fork child
 *  P_SEMZOMBIE    kcmp(pid, child, KCMP_SYSVSEM, 0, 0) of a clone(CLONE_SYSVSEM) child
 *                 that exited (waitid(WEXITED | WNOWAIT) saw it, not reaped)
 *  P_SIGHANDVZOMBIE kcmp(pid, vchild, KCMP_SIGHAND, 0, 0) of an exited
 *                 clone(CLONE_VM | CLONE_VFORK) child, not reaped
 *  P_SEMFORK      kcmp(pid, child, KCMP_SYSVSEM, 0, 0) of a living fork child once the
 *                 caller has an undo list
 *  P_FILESTWOCH   kcmp(c1, c2, KCMP_FILES, 0, 0) of two living fork children
 *  P_VMSWAPPED    kcmp(child, pid, KCMP_VM, 0, 0) of a living fork child (the child first)
 * Calls Linux answers 0 (index 0; 1 otherwise):
 *  P_HVFORKCLOSE  fstat(d), d a dup of devnull a vfork child closed in its own table
 *  P_HSEMLIVE     kcmp(pid, child, KCMP_SYSVSEM, 0, 0) of a living CLONE_SYSVSEM child
 *  P_HSIGHANDZOMBIE kcmp(pid, vchild, KCMP_SIGHAND, 0, 0) of an exited
 *                 clone(CLONE_VM | CLONE_SIGHAND | CLONE_VFORK) child, not reaped
 *  P_HFSTATEMPTY  newfstatat(devnull, "", st, AT_EMPTY_PATH)
 *  P_HSEMFORKNULL kcmp(pid, child, KCMP_SYSVSEM, 0, 0) of a living fork child before the
 *                 caller has an undo list (both NULL)
 *  P_HSPLICEZERO  splice(NEVER, NULL, NEVER + 1, NULL, 0, 0): 0 before any look-up
 *  P_HTEEZERO     tee(NEVER, NEVER + 1, 0, 0): 0 before any look-up
 *  P_HUTIMEOMIT   utimensat(NEVER, "x", {UTIME_OMIT, UTIME_OMIT}, 0): 0, the path never
 *                 looked at
 * (the three steps above run only under their flags -s, -t, -u: the Guardian refuses
 * Linux's 0, which would end the untouched program)
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r83.py.  Only the digest of the secret is ever printed.
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
#define P_ACCESSEMPTY 13600
#define P_UTIMENULL 13602
#define P_VFORKOPEN 13604
#define P_SIGHANDFORK 13606
#define P_SEMZOMBIE 13608
#define P_SELECTNEVER 13610
#define P_FICLONE 13612
#define P_CLOSERANGEFLAG 13614
#define P_POLLNEVER 13616
#define P_SIGHANDVZOMBIE 13618
#define P_SEMFORK 13620
#define P_OPENAT2INROOT 13622
#define P_DUPFDQUERY 13624
#define P_EPTFDCHILD 13626
#define P_KCMPCHLATER 13628
#define P_SCMNEVER 13630
#define P_ATTACHBPF 13632
#define P_DUP3FLAG 13634
#define P_FILESTWOCH 13636
#define P_VMSWAPPED 13638
#define KCMP_VM 1
#define KCMP_FILES 2
#define KCMP_FILE 0
#define KCMP_EPOLL_TFD 7
#define P_HVFORKCLOSE 13680
#define P_HSEMLIVE 13682
#define P_HSIGHANDZOMBIE 13684
#define P_HFSTATEMPTY 13686
#define P_HSEMFORKNULL 13688
#define P_HSPLICEZERO 13690
#define P_HTEEZERO 13692
#define P_HUTIMEOMIT 13694
#define NEVER 77
#define VFORKFD 90       /* a number the program never uses but in a vfork child */
#define SELNEVER 60      /* another number nothing opens, in select's first word */

#define KCMP_SIGHAND 4
#define KCMP_SYSVSEM 6
#define AT_EMPTY 0x1000            /* AT_EMPTY_PATH */
#define FICLONE_CMD 0x40049409L    /* _IOW(0x94, 9, int) */

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r83"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static int show_digest, with_splice, with_tee, with_omit;
static uint64_t st[32];

/* a kcmp Linux answers 0 (`same`) or with an order, never 0 */
static void kcmp_step(int phase, long m, long p, long a0, long a1, long a2, long a3, long a4,
                      int same)
{
    marker(phase, m, p, 0, 0);
    long r = p ? sys6(SYS_kcmp, a0, a1, a2, a3, a4, 0) : -1;
    log_label(phase, r < 0 ? 1 : (r == 0) == same ? 0 : -4);
}

/* a child of clone(flags) that waits on qq until released (or exits at once where qq is
 * NULL); its pid, or -1 */
static long held_child(long flags, int *qq)
{
    if (qq && sc(SYS_pipe2, (long)qq, 0, 0, 0) != 0)
        return -1;
    long child = sys6(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0, 0);
    if (child == 0) {
        char b = 'c';
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

/* waitid(P_PID, child, WEXITED | WNOWAIT) reported it exited: 1 */
static int seen_exited(long child)
{
    static uint8_t info[128];
    return child > 0 && sys6(SYS_waitid, 1, child, (long)info, 4 | 0x01000000, 0, 0) == 0;
}

static volatile long vn = -1;

static void never_steps(long m)
{
    refused(P_ACCESSEMPTY, m, 1, SYS_faccessat2, NEVER, (long)"", F_OK, AT_EMPTY, -EBADF);
    marker(P_HFSTATEMPTY, m, 1, 0, 0);
    long r = sys6(SYS_newfstatat, devnull, (long)"", (long)st, AT_EMPTY, 0, 0);
    log_label(P_HFSTATEMPTY, r == 0 ? 0 : 1);
    /* len 0: SYSCALL_DEFINE6(splice) and SYSCALL_DEFINE4(tee) answer 0 before fdget() */
    marker(P_HSPLICEZERO, m, with_splice, 0, 0);
    r = with_splice ? sys6(SYS_splice, NEVER, 0, NEVER + 1, 0, 0, 0) : 1;
    log_label(P_HSPLICEZERO, r == 0 ? 0 : 1);
    ok_step(P_HTEEZERO, m, with_tee, SYS_tee, NEVER, NEVER + 1, 0, 0);
    /* SYSCALL_DEFINE4(utimensat): both UTIME_OMIT, "we must not even check the path" */
    static long omit[4] = {0, (1L << 30) - 2, 0, (1L << 30) - 2};
    ok_step(P_HUTIMEOMIT, m, with_omit, SYS_utimensat, NEVER, (long)"x", (long)omit, 0);
    refused(P_UTIMENULL, m, 1, SYS_utimensat, NEVER, 0, 0, 0, -EBADF);
    /* max_select_fd(): a set bit of a number no file is at */
    static uint64_t rfds[2];
    static long zero[2];
    rfds[0] = 1ul << SELNEVER;
    rfds[1] = 0;
    marker(P_SELECTNEVER, m, 1, 0, 0);
    r = sys6(SYS_pselect6, SELNEVER + 1, (long)rfds, 0, 0, (long)zero, 0);
    log_label(P_SELECTNEVER, r == -EBADF ? 0 : r < 0 ? 1 : rfds[0] & (1ul << SELNEVER) ? -4 : 1);
    /* do_pollfd(): no file, POLLNVAL */
    static struct { int fd; short events, revents; } pfd;
    pfd.fd = NEVER;
    pfd.events = 1;     /* POLLIN */
    pfd.revents = 0;
    marker(P_POLLNEVER, m, 1, 0, 0);
    r = sys6(SYS_ppoll, (long)&pfd, 1, (long)zero, 0, 8, 0);
    log_label(P_POLLNEVER, r == 1 && pfd.revents == 0x20 ? 0 : r == 1 && (pfd.revents & 1) ? -4 : 1);
    /* path_init(): LOOKUP_IN_ROOT makes an absolute name relative to dfd */
    static uint64_t how[3] = {O_RDONLY, 0, 0x10};   /* RESOLVE_IN_ROOT */
    marker(P_OPENAT2INROOT, m, 1, 0, 0);
    log_label(P_OPENAT2INROOT, open_index(sys6(SYS_openat2, NEVER, (long)"/dev/null",
                                                  (long)how, 24, 0, 0), -EBADF));
    /* f_dupfd_query() (6.10): CLASS(fd_raw) of the argument */
    marker(P_DUPFDQUERY, m, 1, 0, 0);
    r = sc(SYS_fcntl, devnull, 1027, NEVER, 0);
    log_label(P_DUPFDQUERY, r == -EBADF || r == -EINVAL ? 0 : r < 0 ? 1 : -4);
    /* scm_fp_copy() -> fget() of each SCM_RIGHTS number */
    int sv[2] = {-1, -1};
    int oks = sc(SYS_socketpair, 1, 1, 0, (long)sv) == 0;   /* AF_UNIX, SOCK_STREAM */
    static char one = 'x';
    static struct { long base, len; } iov = {(long)&one, 1};
    static struct { uint64_t len; int level, type; int fd; int pad; } cm;
    static struct { long name; int namelen, pad0; long iov, iovlen, control, controllen;
                    int flags, pad1; } msg;
    cm.len = 20;
    cm.level = 1;       /* SOL_SOCKET */
    cm.type = 1;        /* SCM_RIGHTS */
    cm.fd = NEVER;
    msg.iov = (long)&iov;
    msg.iovlen = 1;
    msg.control = (long)&cm;
    msg.controllen = 24;
    refused(P_SCMNEVER, m, oks, SYS_sendmsg, sv[0], (long)&msg, 0, 0, -EBADF);
    /* sk_attach_bpf() -> bpf_prog_get_type() -> __bpf_prog_get(): fdget() */
    static int ufd = NEVER;
    refused6(P_ATTACHBPF, m, oks, SYS_setsockopt, sv[0], 1, 50, (long)&ufd, 4, 0, -EBADF);
    if (oks) {
        sc(SYS_close, sv[0], 0, 0, 0);
        sc(SYS_close, sv[1], 0, 0, 0);
    }
    refused(P_CLOSERANGEFLAG, m, 1, SYS_close_range, NEVER, NEVER, 1 << 5, 0, -EINVAL);
}

static void child_steps(long m, long pid)
{
    /* a vfork child's open() installs in its own table (no CLONE_FILES) */
    vn = -1;
    long vc = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (vc == 0) {
        vn = sc(SYS_dup3, devnull, VFORKFD, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (vc > 0)
        sys6(SYS_wait4, vc, 0, 0, 0, 0, 0);
    long n = vn;
    refused(P_VFORKOPEN, m, vc > 0 && n > 2, SYS_fstat, n, (long)st, 0, 0, -EBADF);
    /* a vfork child's close() frees the number in its own table alone */
    long d = sc(SYS_dup, devnull, 0, 0, 0);
    vc = d >= 0 ? sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0) : -1;
    if (vc == 0) {
        sc(SYS_close, d, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (vc > 0)
        sys6(SYS_wait4, vc, 0, 0, 0, 0, 0);
    ok_step(P_HVFORKCLOSE, m, vc > 0, SYS_fstat, d, (long)st, 0, 0);
    if (d >= 0)
        sc(SYS_close, d, 0, 0, 0);
    /* a living fork child: an epoll and a dup the caller makes after the fork are in
     * its table alone */
    int pp[2] = {-1, -1};
    int qq[2] = {-1, -1};
    int okp = sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0;
    long child = okp ? held_child(0, qq) : -1;
    long ep = child > 0 ? sc(SYS_epoll_create1, 0, 0, 0, 0) : -1;
    uint32_t ev[4] = {1, 0, 0, 0};
    int w = ep >= 0 && sc(SYS_epoll_ctl, ep, 1, pp[0], (long)ev) == 0;
    uint32_t slot[3] = {(uint32_t)ep, (uint32_t)pp[0], 0};
    refused6(P_EPTFDCHILD, m, w, SYS_kcmp, pid, child, KCMP_EPOLL_TFD, pp[0], (long)slot, 0,
             -EBADF);
    long d2 = child > 0 ? sc(SYS_dup, devnull, 0, 0, 0) : -1;
    refused6(P_KCMPCHLATER, m, d2 >= 0, SYS_kcmp, pid, child, KCMP_FILE, devnull, d2, 0,
             -EBADF);
    let_go(child, qq);
    if (d2 >= 0)
        sc(SYS_close, d2, 0, 0, 0);
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
    if (okp) {
        sc(SYS_close, pp[0], 0, 0, 0);
        sc(SYS_close, pp[1], 0, 0, 0);
    }
    /* two fork children: dup_fd() made each a table of its own */
    int q2[2] = {-1, -1};
    child = held_child(0, qq);
    long c2 = child > 0 ? held_child(0, q2) : -1;
    kcmp_step(P_FILESTWOCH, m, c2 > 0, child, c2, KCMP_FILES, 0, 0, 0);
    if (c2 > 0)
        let_go(c2, q2);
    let_go(child, qq);
    /* both undo lists NULL: the caller never had one yet */
    child = held_child(0, qq);
    kcmp_step(P_HSEMFORKNULL, m, child > 0, pid, child, KCMP_SYSVSEM, 0, 0, 1);
    let_go(child, qq);
    /* a living fork child: copy_sighand() gave it a sighand_struct of its own */
    child = held_child(0, qq);
    kcmp_step(P_SIGHANDFORK, m, child > 0, pid, child, KCMP_SIGHAND, 0, 0, 0);
    kcmp_step(P_VMSWAPPED, m, child > 0, child, pid, KCMP_VM, 0, 0, 0);
    let_go(child, qq);
    /* CLONE_SYSVSEM: copy_semundo() shares the undo list (get_undo_list() makes one) */
    child = held_child(CLONE_SYSVSEM, qq);
    kcmp_step(P_HSEMLIVE, m, child > 0, pid, child, KCMP_SYSVSEM, 0, 0, 1);
    let_go(child, qq);
    child = held_child(CLONE_SYSVSEM, 0);
    int z = seen_exited(child);
    kcmp_step(P_SEMZOMBIE, m, z, pid, child, KCMP_SYSVSEM, 0, 0, 0);
    if (child > 0)
        sys6(SYS_wait4, child, 0, 0, 0, 0, 0);
    /* the caller has an undo list now (get_undo_list()); a fork child's copy_semundo()
     * without CLONE_SYSVSEM sets the child's NULL */
    child = held_child(0, qq);
    kcmp_step(P_SEMFORK, m, child > 0, pid, child, KCMP_SYSVSEM, 0, 0, 0);
    let_go(child, qq);
    /* an exited vfork child (no CLONE_SIGHAND): copy_sighand() made its own */
    vc = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (vc == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    z = seen_exited(vc);
    kcmp_step(P_SIGHANDVZOMBIE, m, z, pid, vc, KCMP_SIGHAND, 0, 0, 0);
    if (vc > 0)
        sys6(SYS_wait4, vc, 0, 0, 0, 0, 0);
    /* an exited CLONE_SIGHAND child keeps its sighand until release_task() */
    vc = sys6(SYS_clone, CLONE_VM | CLONE_SIGHAND | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (vc == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    z = seen_exited(vc);
    kcmp_step(P_HSIGHANDZOMBIE, m, z, pid, vc, KCMP_SIGHAND, 0, 0, 1);
    if (vc > 0)
        sys6(SYS_wait4, vc, 0, 0, 0, 0, 0);
}

static void last_steps(long m)
{
    /* ksys_dup3(): flags other than O_CLOEXEC */
    marker(P_DUP3FLAG, m, 1, 0, 0);
    log_label(P_DUP3FLAG, open_index(sc(SYS_dup3, devnull, NEVER + 1, O_NONBLOCK, 0),
                                     -EINVAL));
    /* last: an ioctl() may install descriptors the Guardian does not follow */
    refused(P_FICLONE, m, devnull >= 0, SYS_ioctl, devnull, FICLONE_CMD, NEVER, 0, -EBADF);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        with_splice |= strcmp(argv[i], "-s") == 0;
        with_tee |= strcmp(argv[i], "-t") == 0;
        with_omit |= strcmp(argv[i], "-u") == 0;
    }
    volatile uint8_t stackbuf[64];

    if (!rules_start(stackbuf))
        return 1;

    sc(SYS_gettid, 0, 0, 0, 0);
    long m = memfd_of('l', 10, 0);
    if (m >= 0) {
        long pid = sc(SYS_getpid, 0, 0, 0, 0);
        never_steps(m);
        child_steps(m, pid);
        last_steps(m);
    }
    return finish(show_digest);
}
