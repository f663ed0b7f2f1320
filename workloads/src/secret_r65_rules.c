/* secret_r65_rules: the attack target of red-team round sixty-five (the rules changed after
 * round 64, both ways: return.task_foreign widened to entries that are no number,
 * /proc/thread-self followed before "..", and return.fd_dir_reaped).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 * The program tells its tid (<T>) and makes a memfd M:
 *  P_ZEROTID   openat("/proc/self/task/0<T>/fd/M", O_RDWR) is -ENOENT: proc_task_lookup()
 *              -> name_to_int() takes no number with a leading zero.
 *  P_BIGTID    openat("/proc/self/task/<T + 2^32>/fd/M", O_RDWR) is -ENOENT: name_to_int()
 *              overflows to ~0U, no such task.
 *  P_PLUSTID   openat("/proc/self/task/+<T>/fd/M", O_RDWR) is -ENOENT (no number).
 *  P_ZEROFD    openat("/proc/self/fd/0<M>", O_RDWR) is -ENOENT: proc_lookupfd_common() ->
 *              name_to_int() takes no leading zero.
 *  P_BIGFD     openat("/proc/self/fd/<M + 2^32>", O_RDWR) is -ENOENT (~0U: no such fd).
 *  P_HTSUP     openat("/proc/thread-self/../<T>/fd/M", O_RDWR) opens M (0): the link is
 *              followed first, ".." is the task directory, <T> the caller's own thread.
 *  P_HTSUP2    openat("/proc/thread-self/../../task/<T>/fd/M", O_RDWR) opens M (0).
 *  P_HTSDIR    openat("/proc/thread-self/..", O_RDONLY|O_DIRECTORY) opens the caller's
 *              task directory (0).
 *  P_HTASKUP   openat("/proc/self/task/<T>/../<T>/fd/M", O_RDWR) opens M (0).
 *  P_HSPACE    openat(TD, "<T>/fd/M", O_RDWR), TD the program's own /proc/self/task
 *              descriptor, opens M (0).
 * A child K of the program (SIGCHLD ignored: K is reaped at its exit, exit_notify()'s
 * autoreap) opens DK = /proc/self/fd and forks O; the program's wait4(K) returns -ECHILD
 * once K is gone (do_wait() with no child left); then in O:
 *  P_IGNDEAD   openat(DK, "A", O_RDONLY|O_DIRECT) is -ENOENT: proc_lookupfd_common()
 *              finds no task for K (get_proc_task() is NULL).
 * The same with SIGCHLD default and K reaped by waitid(P_PIDFD, pidfd_open(K), WEXITED):
 *  P_PIDFDDEAD openat(DK, "A", O_RDONLY|O_DIRECT) is -ENOENT.
 * The same, K reaped by the program's wait4(K), DK opened by K as:
 *  P_TSDEAD    /proc/thread-self/fd: openat(DK, "A", ...) is -ENOENT (the same lookup in
 *              K's task fd directory).
 *  P_PIDDEAD   /proc/<K>/fd: -ENOENT.
 *  P_SELFDEAD  /proc/self, name "fd/A": -ESRCH (may_lookup() -> proc_pid_permission():
 *              get_proc_task() is NULL).
 *  P_ANYDEAD   the same, DK K's /proc/self/fd, K reaped by wait4(-1): -ENOENT.
 *  P_ORPHDEAD  (qemu-user refuses PR_SET_CHILD_SUBREAPER: the step does not run there)
 *              the program a child subreaper: K forks G and exits; G (re-parented to the
 *              program) opens DG = /proc/self/fd, forks O and exits; the program's
 *              wait4(-1) reaps G; O's openat(DG, "A", O_RDONLY|O_DIRECT) is -ENOENT.
 *  P_HPARENTFD K opens DK = openat(PS, "fd"), PS the program's /proc/self descriptor
 *              opened before the fork, forks O and exits (reaped); O's openat(DK, "M",
 *              O_RDWR), M the program's memfd, opens it (0): DK is the program's fd
 *              directory (proc_self_get_link() at the program's open), the program alive.
 *  P_HCWDFD    (only with -w) (cwd /tmp/r65t/w) CW = openat("/proc/self/cwd", O_DIRECTORY), the real
 *              directory; openat(CW, "../task/foo", O_RDONLY|O_DIRECTORY) opens (0).
 *  P_HCWDSELF  the same with the program's working directory /proc/self (chdir() follows
 *              the link: /proc/<pid>) and DK = openat(AT_FDCWD, "fd") in K: opens (0).
 *  P_TASKDEAD  DK K's /proc/self/task/<K>/fd, K reaped by wait4(K): openat(DK, "A",
 *              O_RDONLY|O_DIRECT) is -ENOENT (proc_lookupfd_common()).
 *  P_SHAREDPPID the program shares its table with a clone(CLONE_FILES) child F (blocked
 *              in a read) and forks G: G's openat("/proc/<program>/fd/A",
 *              O_RDONLY|O_DIRECT) is -EINVAL (A the program's pipe: do_dentry_open()).
 *              (qemu-user refuses the clone: from the kernel source.)
 *  P_HSHAREDPPID G's openat("/proc/<program>/fd/M", O_RDWR|O_DIRECT) opens its memfd (0).
 *  P_NVDDIRECT a vfork child V vforks W (the program and V each blocked in their
 *              clone(CLONE_VM|CLONE_VFORK)); W's openat(D, "A", O_RDONLY|O_DIRECT), D the
 *              program's /proc/self/fd, is -EINVAL (the program's pipe).
 *  P_NVPPID    W's openat("/proc/<program>/fd/A", O_RDONLY|O_DIRECT) is -EINVAL.
 *  P_SLASHFD   openat("/proc/self/fd/M/", O_RDWR) is -ENOTDIR: the link is followed to the
 *              memfd, and a trailing slash asks for a directory (link_path_walk()).
 *  P_TDOTFD    openat("/proc/self/task/<T>/fd/M/.", O_RDWR) is -ENOTDIR.
 *  P_NOCLDDEAD as P_IGNDEAD, SIGCHLD's action SIG_DFL with SA_NOCLDWAIT (exit_notify()
 *              reaps K at once): -ENOENT.
 *  P_HPIDTASK  openat("/proc/<pid>/task/<T>/fd/M", O_RDWR) opens M (0).
 *  P_UNITID    openat("/proc/self/task/<T in Arabic-Indic digits>/fd/M", O_RDWR) is
 *              -ENOENT: name_to_int() takes only '0'..'9'.
 *  P_UNIFD     openat("/proc/self/fd/<M in Arabic-Indic digits>", O_RDWR) is -ENOENT.
 *  P_ZEROTFD   openat("/proc/self/task/<T>/fd/0<M>", O_RDWR) is -ENOENT (name_to_int()).
 *  P_HCWDUP    after chdir("/tmp/r65t/w"), openat("/proc/self/cwd/../task/foo",
 *              O_RDONLY|O_DIRECTORY) opens /tmp/r65t/task/foo (0): the cwd link is
 *              followed before "..".
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r65.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <signal.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64


#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_ZEROTID 6800
#define P_BIGTID 6802
#define P_PLUSTID 6804
#define P_ZEROFD 6806
#define P_BIGFD 6808
#define P_HTSUP 6810
#define P_HTSUP2 6812
#define P_HTSDIR 6814
#define P_HTASKUP 6816
#define P_IGNDEAD 6818
#define P_PIDFDDEAD 6820
#define P_HSPACE 6822
#define P_ZEROTFD 6824
#define P_TSDEAD 6826
#define P_PIDDEAD 6828
#define P_SELFDEAD 6830
#define P_HCWDUP 6832
#define P_UNITID 6834
#define P_UNIFD 6836
#define P_ANYDEAD 6838
#define P_ORPHDEAD 6840
#define P_HPARENTFD 6842
#define P_HCWDFD 6844
#define P_HCWDSELF 6846
#define P_TASKDEAD 6848
#define P_SHAREDPPID 6850
#define P_HSHAREDPPID 6852
#define P_NVDDIRECT 6854
#define P_NVPPID 6856
#define P_SLASHFD 6858
#define P_TDOTFD 6860
#define P_NOCLDDEAD 6862
#define P_HPIDTASK 6864

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r65"
#include "secret_rules_kit.h"

/* a page of its own: a kernel may read a name up to its page's end */
static char namebuf[PAGE] __attribute__((aligned(4096)));

static void name_at(const char *prefix, long fd)
{
    size_t n = strlen(prefix);
    memcpy(namebuf, prefix, n);
    fd_name(namebuf + n, fd);
}

/* namebuf = a + dec(v) + b + dec(w) + c (w < 0: no second number) */
static void name5(const char *a, long v, const char *b, long w, const char *c)
{
    size_t n = strlen(a);
    memcpy(namebuf, a, n);
    char *p = dec(namebuf + n, v);
    n = strlen(b);
    memcpy(p, b, n + 1);
    p += n;
    if (w >= 0)
        p = dec(p, w);
    memcpy(p, c, strlen(c) + 1);
}



static void task_name_steps(void)
{
    long r;
    long m = memfd_of('n', 10, 0);
    long td = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/task", O_RDONLY | O_DIRECTORY, 0);
    if (m < 0 || td < 0)
        return;
    long me = sc(SYS_gettid, 0, 0, 0, 0);
    name5("/proc/self/task/0", me, "/fd/", m, "");
    marker(P_ZEROTID, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_ZEROTID, open_index(r, -ENOENT));
    name5("/proc/self/task/", me + 4294967296L, "/fd/", m, "");
    marker(P_BIGTID, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_BIGTID, open_index(r, -ENOENT));
    name5("/proc/self/task/+", me, "/fd/", m, "");
    marker(P_PLUSTID, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_PLUSTID, open_index(r, -ENOENT));
    name5("/proc/self/fd/0", m, "", -1, "");
    marker(P_ZEROFD, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_ZEROFD, open_index(r, -ENOENT));
    name5("/proc/self/fd/", m + 4294967296L, "", -1, "");
    marker(P_BIGFD, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_BIGFD, open_index(r, -ENOENT));
    name5("/proc/thread-self/../", me, "/fd/", m, "");
    marker(P_HTSUP, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_HTSUP, ok_index(r));
    name5("/proc/thread-self/../../task/", me, "/fd/", m, "");
    marker(P_HTSUP2, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_HTSUP2, ok_index(r));
    marker(P_HTSDIR, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)"/proc/thread-self/..", O_RDONLY | O_DIRECTORY, 0);
    log_label(P_HTSDIR, ok_index(r));
    name5("/proc/self/task/", me, "/../", me, "/fd/");
    dec(namebuf + strlen(namebuf), m);
    marker(P_HTASKUP, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_HTASKUP, ok_index(r));
    name5("", me, "/fd/", m, "");
    marker(P_HSPACE, m, td, 0, 0);
    r = sc(SYS_openat, td, (long)namebuf, O_RDWR, 0);
    log_label(P_HSPACE, ok_index(r));
    /* <T> and M in Arabic-Indic digits (U+0660..U+0669: UTF-8 d9 a0..d9 a9) */
    {
        char *p = namebuf;
        memcpy(p, "/proc/self/task/", 16);
        p += 16;
        char d[24];
        char *e = dec(d, me);
        for (char *q = d; q < e; q++) { *p++ = (char)0xd9; *p++ = (char)(0xa0 + *q - '0'); }
        memcpy(p, "/fd/", 4);
        p = dec(p + 4, m);
        *p = 0;
    }
    marker(P_UNITID, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_UNITID, open_index(r, -ENOENT));
    {
        char *p = namebuf;
        memcpy(p, "/proc/self/fd/", 14);
        p += 14;
        char d[24];
        char *e = dec(d, m);
        for (char *q = d; q < e; q++) { *p++ = (char)0xd9; *p++ = (char)(0xa0 + *q - '0'); }
        *p = 0;
    }
    marker(P_UNIFD, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_UNIFD, open_index(r, -ENOENT));
    name5("/proc/self/fd/", m, "/", -1, "");
    marker(P_SLASHFD, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_SLASHFD, open_index(r, -ENOTDIR));
    name5("/proc/self/task/", me, "/fd/", m, "/.");
    marker(P_TDOTFD, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_TDOTFD, open_index(r, -ENOTDIR));
    name5("/proc/", sc(SYS_getpid, 0, 0, 0, 0), "/task/", me, "/fd/");
    dec(namebuf + strlen(namebuf), m);
    marker(P_HPIDTASK, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_HPIDTASK, ok_index(r));
    name5("/proc/self/task/", me, "/fd/0", m, "");
    marker(P_ZEROTFD, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
    log_label(P_ZEROTFD, open_index(r, -ENOENT));
    sc(SYS_close, m, 0, 0, 0);
    sc(SYS_close, td, 0, 0, 0);
}

/* /proc/self/cwd is a link, followed before "..": "/proc/self/cwd/../task/foo" is the
 * working directory's parent's task/foo, no task directory. */
static int cwd_fd;     /* (-w: the P_HCWDFD step, which the Guardian refuses) */

static void cwd_link_steps(void)
{
    long r;
    sc(SYS_mkdirat, AT_FDCWD, (long)"/tmp", 01777, 0);      /* (a bare root has none) */
    sc(SYS_mkdirat, AT_FDCWD, (long)"/tmp/r65t", 0700, 0);
    sc(SYS_mkdirat, AT_FDCWD, (long)"/tmp/r65t/task", 0700, 0);
    sc(SYS_mkdirat, AT_FDCWD, (long)"/tmp/r65t/task/foo", 0700, 0);
    sc(SYS_mkdirat, AT_FDCWD, (long)"/tmp/r65t/w", 0700, 0);
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    if (here < 0 || sc(SYS_chdir, (long)"/tmp/r65t/w", 0, 0, 0) != 0)
        return;
    marker(P_HCWDUP, here, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/cwd/../task/foo", O_RDONLY | O_DIRECTORY, 0);
    log_label(P_HCWDUP, ok_index(r));
    long cw = cwd_fd ? sc(SYS_openat, AT_FDCWD, (long)"/proc/self/cwd", O_RDONLY | O_DIRECTORY, 0)
                     : -1;
    if (cw >= 0) {
        marker(P_HCWDFD, here, cw, 0, 0);
        r = sc(SYS_openat, cw, (long)"../task/foo", O_RDONLY | O_DIRECTORY, 0);
        log_label(P_HCWDFD, ok_index(r));
        sc(SYS_close, cw, 0, 0, 0);
    }
    sc(SYS_fchdir, here, 0, 0, 0);
    sc(SYS_close, here, 0, 0, 0);
}

/* O, K's child, re-parented at K's exit: to the program where it is init (or a child
 * subreaper), which reaps it here, so no wait4(-1) later takes it for another child
 * (elsewhere: -ECHILD at once). */
static void reap_orphan(void)
{
    sys6(SYS_wait4, -1, 0, 0, 0, 0, 0);
}

/* K opens DK and forks O; K exits; `how` reaps it (0: SIGCHLD ignored, autoreap;
 * 1: waitid(P_PIDFD)); then O opens "A" relative to DK. */
static void dead_opener(int phase, int how, int kind)
{
    int a[2], go[2], done[2];
    long r;
    static char c1;
    static uint64_t act[4];
    static uint8_t info[128];
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)done, 0, 0, 0) != 0)
        return;
    if (how == 0 || how == 4) {
        act[0] = how == 0 ? 1 : 0;      /* SIG_IGN; SIG_DFL with SA_NOCLDWAIT */
        act[1] = how == 4 ? 2 : 0;
        sc(SYS_rt_sigaction, SIGCHLD, (long)act, 0, 8);
    }
    long k = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (k == 0) {
        static const char *dirs[] = {"/proc/self/fd", "/proc/thread-self/fd", 0, "/proc/self", 0};
        const char *dn = dirs[kind];
        if (kind == 2) {        /* (namebuf: a page of its own) */
            name5("/proc/", sc(SYS_getpid, 0, 0, 0, 0), "/fd", -1, "");
            dn = namebuf;
        } else if (kind == 4) {
            name5("/proc/self/task/", sc(SYS_gettid, 0, 0, 0, 0), "/fd", -1, "");
            dn = namebuf;
        }
        long dk = sc(SYS_openat, AT_FDCWD, (long)dn, O_RDONLY | O_DIRECTORY, 0);
        long o = dk < 0 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (o == 0) {
            if (sc(SYS_read, go[0], (long)&c1, 1, 0) == 1) {
                name_at(kind == 3 ? "fd/" : "", a[0]);
                marker(phase, a[0], dk, 0, 0);
                r = sc(SYS_openat, dk, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                log_label(phase, open_index(r, kind == 3 ? -ESRCH : -ENOENT));
            }
            sc(SYS_write, done[1], (long)"d", 1, 0);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (k > 0) {
        if (how == 3) {
            sys6(SYS_wait4, -1, 0, 0, 0, 0, 0);
        } else if (how != 1) {
            sys6(SYS_wait4, k, 0, 0, 0, 0, 0);
        } else {
            long pfd = sc(SYS_pidfd_open, k, 0, 0, 0);
            if (pfd >= 0) {
                sys6(SYS_waitid, 3 /* P_PIDFD */, pfd, (long)info, WEXITED, 0, 0);
                sc(SYS_close, pfd, 0, 0, 0);
            } else {
                sys6(SYS_wait4, k, 0, 0, 0, 0, 0);
            }
        }
        sc(SYS_close, done[1], 0, 0, 0);
        sc(SYS_write, go[1], (long)"g", 1, 0);
        sc(SYS_read, done[0], (long)&c1, 1, 0);
        reap_orphan();
    }
    if (how == 0 || how == 4) {
        act[0] = 0;     /* SIG_DFL */
        act[1] = 0;
        sc(SYS_rt_sigaction, SIGCHLD, (long)act, 0, 8);
    }
    long all[] = {a[0], a[1], go[0], go[1], done[0]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* The program a child subreaper (prctl(PR_SET_CHILD_SUBREAPER)); K forks G and exits (the
 * program reaps K); G, re-parented to the program, opens DG = /proc/self/fd, forks O and
 * exits; the program's wait4(-1) reaps G; then O opens "A" relative to DG. */
static void orphan_opener(void)
{
    int a[2], go[2], done[2], up[2];
    long r;
    static char c1;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)done, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)up, 0, 0, 0) != 0)
        return;
    if (sc(SYS_prctl, 36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0) != 0)
        return;
    long k = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (k == 0) {
        long g = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (g == 0) {
            /* (K gone: the program is G's parent now) */
            sc(SYS_read, up[0], (long)&c1, 1, 0);
            long dg = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
            long o = dg < 0 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
            if (o == 0) {
                if (sc(SYS_read, go[0], (long)&c1, 1, 0) == 1) {
                    name_at("", a[0]);
                    marker(P_ORPHDEAD, a[0], dg, 0, 0);
                    r = sc(SYS_openat, dg, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                    log_label(P_ORPHDEAD, open_index(r, -ENOENT));
                }
                sc(SYS_write, done[1], (long)"d", 1, 0);
                sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
            }
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (k > 0) {
        sys6(SYS_wait4, k, 0, 0, 0, 0, 0);
        sc(SYS_write, up[1], (long)"u", 1, 0);
        sys6(SYS_wait4, -1, 0, 0, 0, 0, 0);     /* G */
        sc(SYS_close, done[1], 0, 0, 0);
        sc(SYS_write, go[1], (long)"g", 1, 0);
        sc(SYS_read, done[0], (long)&c1, 1, 0);
        reap_orphan();
    }
    sc(SYS_prctl, 36, 0, 0, 0);
    long all[] = {a[0], a[1], go[0], go[1], done[0], up[0], up[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* K opens DK = openat(PS, "fd"), PS the program's /proc/self descriptor opened before the
 * fork (the program's /proc/<pid>: proc_self_get_link() at the program's open), and forks
 * O; K exits and the program reaps it; O's openat(DK, "M", O_RDWR), M the program's memfd,
 * opens it: DK is the program's fd directory, the program alive. */
static void parent_fd_dir(void)
{
    int go[2], done[2];
    long r;
    static char c1;
    long ps = sc(SYS_openat, AT_FDCWD, (long)"/proc/self", O_RDONLY | O_DIRECTORY, 0);
    long m = memfd_of('p', 10, 0);
    if (ps < 0 || m < 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)done, 0, 0, 0) != 0)
        return;
    long k = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (k == 0) {
        long dk = sc(SYS_openat, ps, (long)"fd", O_RDONLY | O_DIRECTORY, 0);
        long o = dk < 0 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (o == 0) {
            if (sc(SYS_read, go[0], (long)&c1, 1, 0) == 1) {
                name_at("", m);
                marker(P_HPARENTFD, m, dk, 0, 0);
                r = sc(SYS_openat, dk, (long)namebuf, O_RDWR, 0);
                log_label(P_HPARENTFD, ok_index(r));
            }
            sc(SYS_write, done[1], (long)"d", 1, 0);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (k > 0) {
        sys6(SYS_wait4, k, 0, 0, 0, 0, 0);
        sc(SYS_close, done[1], 0, 0, 0);
        sc(SYS_write, go[1], (long)"g", 1, 0);
        sc(SYS_read, done[0], (long)&c1, 1, 0);
        reap_orphan();
    }
    long all[] = {ps, m, go[0], go[1], done[0]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* The program's working directory /proc/self (its /proc/<pid>: chdir() follows the link
 * at the call); K opens DK = openat(AT_FDCWD, "fd"), the program's fd directory, forks O
 * and exits (reaped); O's openat(DK, "M", O_RDWR) opens the program's memfd. */
static void parent_cwd_fd_dir(void)
{
    int go[2], done[2];
    long r;
    static char c1;
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    long m = memfd_of('q', 10, 0);
    if (here < 0 || m < 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)done, 0, 0, 0) != 0)
        return;
    if (sc(SYS_chdir, (long)"/proc/self", 0, 0, 0) != 0)
        return;
    long k = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (k == 0) {
        long dk = sc(SYS_openat, AT_FDCWD, (long)"fd", O_RDONLY | O_DIRECTORY, 0);
        long o = dk < 0 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (o == 0) {
            if (sc(SYS_read, go[0], (long)&c1, 1, 0) == 1) {
                name_at("", m);
                marker(P_HCWDSELF, m, dk, 0, 0);
                r = sc(SYS_openat, dk, (long)namebuf, O_RDWR, 0);
                log_label(P_HCWDSELF, ok_index(r));
            }
            sc(SYS_write, done[1], (long)"d", 1, 0);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (k > 0) {
        sys6(SYS_wait4, k, 0, 0, 0, 0, 0);
        sc(SYS_close, done[1], 0, 0, 0);
        sc(SYS_write, go[1], (long)"g", 1, 0);
        sc(SYS_read, done[0], (long)&c1, 1, 0);
        reap_orphan();
    }
    sc(SYS_fchdir, here, 0, 0, 0);
    long all[] = {here, m, go[0], go[1], done[0]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* The program shares its table with a clone(CLONE_FILES) child F (blocked in a read) and
 * forks G; in G, /proc/<program>/fd/A O_RDONLY|O_DIRECT is -EINVAL (A the program's pipe:
 * do_dentry_open()), /proc/<program>/fd/M O_RDWR|O_DIRECT opens its memfd. */
static void shared_table_steps(void)
{
    int a[2], fgo[2];
    long r;
    static char c1;
    long m = memfd_of('s', 10, 0);
    if (m < 0 || sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)fgo, 0, 0, 0) != 0)
        return;
    long ppid = sc(SYS_getpid, 0, 0, 0, 0);
    long f = sys6(SYS_clone, 0x400 /* CLONE_FILES */ | SIGCHLD, 0, 0, 0, 0, 0);
    if (f == 0) {
        sc(SYS_read, fgo[0], (long)&c1, 1, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    long g = f > 0 ? sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0) : -1;
    if (g == 0) {
        name5("/proc/", ppid, "/fd/", a[0], "");
        marker(P_SHAREDPPID, a[0], 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
        log_label(P_SHAREDPPID, open_index(r, -EINVAL));
        name5("/proc/", ppid, "/fd/", m, "");
        marker(P_HSHAREDPPID, m, 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR | O_DIRECT, 0);
        log_label(P_HSHAREDPPID, ok_index(r));
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (g > 0)
        sys6(SYS_wait4, g, 0, 0, 0, 0, 0);
    if (f > 0) {
        sc(SYS_write, fgo[1], (long)"f", 1, 0);
        sys6(SYS_wait4, f, 0, 0, 0, 0, 0);
    }
    long all[] = {m, a[0], a[1], fgo[0], fgo[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* A vfork child V vforks W (the program and V each blocked in clone(CLONE_VM|CLONE_VFORK));
 * in W, "A" relative to D (the program's /proc/self/fd) and /proc/<program>/fd/A
 * O_RDONLY|O_DIRECT are -EINVAL (the program's pipe). */
static void nested_vfork_steps(void)
{
    int a[2];
    long r;
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    if (d < 0 || sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    long ppid = sc(SYS_getpid, 0, 0, 0, 0);
    long v = sys6(SYS_clone, 0x100 | 0x4000 | SIGCHLD, 0, 0, 0, 0, 0);
    if (v == 0) {
        long w = sys6(SYS_clone, 0x100 | 0x4000 | SIGCHLD, 0, 0, 0, 0, 0);
        if (w == 0) {
            name_at("", a[0]);
            marker(P_NVDDIRECT, a[0], d, 0, 0);
            r = sc(SYS_openat, d, (long)namebuf, O_RDONLY | O_DIRECT, 0);
            log_label(P_NVDDIRECT, open_index(r, -EINVAL));
            name5("/proc/", ppid, "/fd/", a[0], "");
            marker(P_NVPPID, a[0], 0, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
            log_label(P_NVPPID, open_index(r, -EINVAL));
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        if (w > 0)
            sys6(SYS_wait4, w, 0, 0, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (v > 0)
        sys6(SYS_wait4, v, 0, 0, 0, 0, 0);
    sc(SYS_close, d, 0, 0, 0);
    sc(SYS_close, a[0], 0, 0, 0);
    sc(SYS_close, a[1], 0, 0, 0);
}

static void autoreap_steps(void)
{
    dead_opener(P_IGNDEAD, 0, 0);
    dead_opener(P_NOCLDDEAD, 4, 0);
    dead_opener(P_TSDEAD, 2, 1);
    dead_opener(P_PIDDEAD, 2, 2);
    dead_opener(P_SELFDEAD, 2, 3);
    dead_opener(P_ANYDEAD, 3, 0);
    dead_opener(P_TASKDEAD, 2, 4);
    orphan_opener();
    parent_fd_dir();
    parent_cwd_fd_dir();
    shared_table_steps();
    nested_vfork_steps();
}

static void pidfd_reap_steps(void)
{
    dead_opener(P_PIDFDDEAD, 1, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        cwd_fd |= strcmp(argv[i], "-w") == 0;
    }
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

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
    if (!mapped_ok(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    clear_registers();
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);

    sc(SYS_gettid, 0, 0, 0, 0);     /* (the main thread's id, told) */
    task_name_steps();
    cwd_link_steps();
    autoreap_steps();
    pidfd_reap_steps();

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
