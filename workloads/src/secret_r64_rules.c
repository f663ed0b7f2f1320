/* secret_r64_rules: the attack target of red-team round sixty-four (the rules changed after
 * round 63, both ways: a fork child reading its parent's table through the parent's
 * /proc/self/fd descriptor, a working directory set by fchdir() to it and /proc/<pid>/fd
 * (guardian/opener_tables.py), /proc/<X>/task/<X>/fd read as /proc/<X>/fd, and
 * return.task_foreign).  Here the reader is a grandchild, or the child of a reaped process.
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 * The program (P) tells its tid, opens D = /proc/self/fd, a pipe (A its read end) and a
 * pipe whose read end's number C it later dup3()s a memfd onto, forks a child that forks a
 * grandchild G, dup3()s the memfd onto C and waits in wait4().  In G:
 *  P_GDDIRECT    openat(D, "A", O_RDONLY|O_DIRECT) is -EINVAL: D is P's fd directory
 *                (proc_self_get_link() at the open), A P's pipe (do_dentry_open()).
 *  P_HGDMEMFD    openat(D, "C", O_RDWR|O_DIRECT) opens P's memfd (shmem_file_open()) (0).
 *  P_GPPIDDIRECT openat("/proc/<P>/fd/A", O_RDONLY|O_DIRECT) is -EINVAL.
 *  P_HGPPID      openat("/proc/<P>/fd/C", O_RDWR|O_DIRECT) opens P's memfd (0).
 *  P_GTASKDIRECT openat("/proc/<P>/task/<P>/fd/A", O_RDONLY|O_DIRECT) is -EINVAL.
 *  P_HGTASK      openat("/proc/<P>/task/<P>/fd/C", O_RDWR|O_DIRECT) opens P's memfd (0).
 *  P_GSELFTASK   openat("/proc/self/task/<P>/fd/A", O_RDONLY|O_DIRECT) is -ENOENT
 *                (proc_task_lookup(): P's tid is no thread of G's group).
 *  P_GCWDDIRECT  after fchdir(D), openat(AT_FDCWD, "A", O_RDONLY|O_DIRECT) is -EINVAL.
 *  P_HGCWD       then openat(AT_FDCWD, "C", O_RDWR|O_DIRECT) opens P's memfd (0).
 * A child K of P opens DK = /proc/self/fd (K's fd directory) and forks O; K exits and P
 * reaps it; then in O:
 *  P_ODEADDIRECT openat(DK, "A", O_RDONLY|O_DIRECT) is -ENOENT: proc_lookupfd_common() finds
 *                no task for the reaped K (get_proc_task() is NULL).
 *  P_ODEADPPID   openat("/proc/<K>/fd/A", O_RDONLY|O_DIRECT) is -ENOENT (no such pid).
 *  P_ODEADCWD    after fchdir(DK), openat(AT_FDCWD, "A", O_RDONLY|O_DIRECT) is -ENOENT.
 * A child K of P opens DK and forks O; K exits and P does not reap it until O is done (K a
 * zombie; O sees end of file on a pipe only K wrote to: K's table is released):
 *  P_ZDIRECT     openat(DK, "A", O_RDONLY|O_DIRECT) is -ENOENT: the zombie's files are NULL
 *                (exit_files(); proc_fd_instantiate()'s tid_fd_mode() finds no file).
 *  P_ZPPID       openat("/proc/<K>/fd/A", O_RDONLY|O_DIRECT) is -ENOENT.
 *  P_GCPPID      a grandchild's openat("/proc/<its parent>/fd/A", O_RDONLY|O_DIRECT), the
 *                parent waiting in wait4() for it, is -EINVAL (a pipe).
 * A vfork child V (P in its clone(CLONE_VM|CLONE_VFORK) till V exits), D and A P's:
 *  P_VDDIRECT    openat(D, "A", O_RDONLY|O_DIRECT) is -EINVAL.
 *  P_HVDMEMFD    openat(D, "M", O_RDWR|O_DIRECT), M P's memfd, opens it (0).
 *  P_VPPID       openat("/proc/<P>/fd/A", O_RDONLY|O_DIRECT) is -EINVAL.
 *  P_VSELFTASK   openat("/proc/self/task/<P>/fd/A", O_RDONLY|O_DIRECT) is -ENOENT.
 * A fork child of P (P telling its tid, waiting in wait4()), T P's descriptor of
 * /proc/self/task opened before the fork (P's task directory: proc_self_get_link() at the
 * open), M P's memfd:
 *  P_HFTASKREL   openat(T, "<P>/fd/M", O_RDWR) opens the memfd (P's own thread) (0).
 *  P_FTASKOWN    openat(T, "<child's tid>/fd/M", O_RDWR) is -ENOENT (proc_task_lookup():
 *                the child is no thread of P's group).
 *  P_HFTASKCWD   after fchdir(T), openat(AT_FDCWD, "<P>/fd/M", O_RDWR) opens it (0).
 *  P_FTHREADUP   openat("/proc/thread-self/../task/<P>/fd/M", O_RDWR) is -ENOENT: the link
 *                is followed first (proc_thread_self_get_link(): <tgid>/task/<tid>), ".."
 *                is the child's task directory, P no thread of it.
 *  P_FILESDEAD   a clone(CLONE_FILES) child opens /proc/self/fd (its own fd directory) at 60
 *                in the shared table and is reaped; P's openat(60, "A", O_RDONLY|O_DIRECT)
 *                is -ENOENT (proc_lookupfd_common(): get_proc_task() is NULL).  (qemu-user
 *                refuses this clone: the step does not run there.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r64.py.  Only the digest of the secret is ever printed.
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
#define P_GDDIRECT 6600
#define P_HGDMEMFD 6602
#define P_GPPIDDIRECT 6604
#define P_HGPPID 6606
#define P_GTASKDIRECT 6608
#define P_HGTASK 6610
#define P_GSELFTASK 6612
#define P_GCWDDIRECT 6614
#define P_HGCWD 6616
#define P_ODEADDIRECT 6618
#define P_ODEADPPID 6620
#define P_ODEADCWD 6622
#define P_ZDIRECT 6624
#define P_ZPPID 6626
#define P_GCPPID 6628
#define P_VDDIRECT 6630
#define P_HVDMEMFD 6632
#define P_VPPID 6634
#define P_VSELFTASK 6636
#define P_HFTASKREL 6638
#define P_FTASKOWN 6640
#define P_HFTASKCWD 6642
#define P_FTHREADUP 6644
#define P_FILESDEAD 6646



#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r64"
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


/* --- a grandchild: its grandparent's fd directory and task directory ------------------ */
static void grandchild_steps(void)
{
    int a[2], cp[2], go[2];
    long r;
    static char c1;
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    if (d < 0 || sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)cp, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)go, 0, 0, 0) != 0)
        return;
    long m = memfd_of('g', 10, 0);
    if (m < 0)
        return;
    long ppid = sc(SYS_getpid, 0, 0, 0, 0);
    long c = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        long g = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (g == 0) {
            if (sc(SYS_read, go[0], (long)&c1, 1, 0) == 1) {
                name_at("", a[0]);
                marker(P_GDDIRECT, a[0], d, 0, 0);
                r = sc(SYS_openat, d, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                log_label(P_GDDIRECT, open_index(r, -EINVAL));
                name_at("", cp[0]);
                marker(P_HGDMEMFD, cp[0], d, 0, 0);
                r = sc(SYS_openat, d, (long)namebuf, O_RDWR | O_DIRECT, 0);
                log_label(P_HGDMEMFD, ok_index(r));
                name5("/proc/", ppid, "/fd/", a[0], "");
                marker(P_GPPIDDIRECT, a[0], 0, 0, 0);
                r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                log_label(P_GPPIDDIRECT, open_index(r, -EINVAL));
                name5("/proc/", ppid, "/fd/", cp[0], "");
                marker(P_HGPPID, cp[0], 0, 0, 0);
                r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR | O_DIRECT, 0);
                log_label(P_HGPPID, ok_index(r));
                name5("/proc/", ppid, "/task/", ppid, "/fd/");
                dec(namebuf + strlen(namebuf), a[0]);
                marker(P_GTASKDIRECT, a[0], 0, 0, 0);
                r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                log_label(P_GTASKDIRECT, open_index(r, -EINVAL));
                name5("/proc/", ppid, "/task/", ppid, "/fd/");
                dec(namebuf + strlen(namebuf), cp[0]);
                marker(P_HGTASK, cp[0], 0, 0, 0);
                r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR | O_DIRECT, 0);
                log_label(P_HGTASK, ok_index(r));
                name5("/proc/self/task/", ppid, "/fd/", a[0], "");
                marker(P_GSELFTASK, a[0], 0, 0, 0);
                r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                log_label(P_GSELFTASK, open_index(r, -ENOENT));
                if (sc(SYS_fchdir, d, 0, 0, 0) == 0) {
                    name_at("", a[0]);
                    marker(P_GCWDDIRECT, a[0], d, 0, 0);
                    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                    log_label(P_GCWDDIRECT, open_index(r, -EINVAL));
                    name_at("", cp[0]);
                    marker(P_HGCWD, cp[0], d, 0, 0);
                    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR | O_DIRECT, 0);
                    log_label(P_HGCWD, ok_index(r));
                }
            }
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        if (g > 0)
            sys6(SYS_wait4, g, 0, 0, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (c > 0) {
        sc(SYS_dup3, m, cp[0], 0, 0);
        sc(SYS_write, go[1], (long)"g", 1, 0);
        sys6(SYS_wait4, c, 0, 0, 0, 0, 0);
    }
    long all[] = {d, m, a[0], a[1], cp[0], cp[1], go[0], go[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* --- the child of a reaped process: the dead process's fd directory ------------------- */
static void orphan_steps(void)
{
    int a[2], go[2], done[2];
    long r;
    static char c1;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)done, 0, 0, 0) != 0)
        return;
    long k = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (k == 0) {
        long kpid = sc(SYS_getpid, 0, 0, 0, 0);
        long dk = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
        long o = dk < 0 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (o == 0) {
            if (sc(SYS_read, go[0], (long)&c1, 1, 0) == 1) {
                name_at("", a[0]);
                marker(P_ODEADDIRECT, a[0], dk, 0, 0);
                r = sc(SYS_openat, dk, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                log_label(P_ODEADDIRECT, open_index(r, -ENOENT));
                name5("/proc/", kpid, "/fd/", a[0], "");
                marker(P_ODEADPPID, a[0], 0, 0, 0);
                r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                log_label(P_ODEADPPID, open_index(r, -ENOENT));
                if (sc(SYS_fchdir, dk, 0, 0, 0) == 0) {
                    name_at("", a[0]);
                    marker(P_ODEADCWD, a[0], dk, 0, 0);
                    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                    log_label(P_ODEADCWD, open_index(r, -ENOENT));
                }
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
    }
    long all[] = {a[0], a[1], go[0], go[1], done[0]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* --- the child of a zombie; a grandchild and its parent; a vfork child ----------------- */
static void zombie_steps(void)
{
    int a[2], go[2], done[2], kx[2];
    long r;
    static char c1;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)done, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)kx, 0, 0, 0) != 0)
        return;
    long k = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (k == 0) {
        long kpid = sc(SYS_getpid, 0, 0, 0, 0);
        long dk = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
        long o = dk < 0 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (o == 0) {
            sc(SYS_close, kx[1], 0, 0, 0);
            /* (end of file: K's table is gone, K not reaped) */
            if (sc(SYS_read, kx[0], (long)&c1, 1, 0) == 0) {
                name_at("", a[0]);
                marker(P_ZDIRECT, a[0], dk, 0, 0);
                r = sc(SYS_openat, dk, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                log_label(P_ZDIRECT, open_index(r, -ENOENT));
                name5("/proc/", kpid, "/fd/", a[0], "");
                marker(P_ZPPID, a[0], 0, 0, 0);
                r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                log_label(P_ZPPID, open_index(r, -ENOENT));
            }
            sc(SYS_write, done[1], (long)"d", 1, 0);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    sc(SYS_close, kx[1], 0, 0, 0);
    sc(SYS_close, done[1], 0, 0, 0);
    if (k > 0) {
        sc(SYS_read, done[0], (long)&c1, 1, 0);
        sys6(SYS_wait4, k, 0, 0, 0, 0, 0);
    }
    long all[] = {a[0], a[1], go[0], go[1], done[0], kx[0]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

static void grandchild_parent_steps(void)
{
    int a[2];
    long r;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    long c = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        long cpid = sc(SYS_getpid, 0, 0, 0, 0);
        long g = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (g == 0) {
            name5("/proc/", cpid, "/fd/", a[0], "");
            marker(P_GCPPID, a[0], 0, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
            log_label(P_GCPPID, open_index(r, -EINVAL));
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        if (g > 0)
            sys6(SYS_wait4, g, 0, 0, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (c > 0)
        sys6(SYS_wait4, c, 0, 0, 0, 0, 0);
    sc(SYS_close, a[0], 0, 0, 0);
    sc(SYS_close, a[1], 0, 0, 0);
}

static void vfork_steps(void)
{
    int a[2];
    long r;
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    long m = memfd_of('v', 10, 0);
    if (d < 0 || m < 0 || sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    long ppid = sc(SYS_getpid, 0, 0, 0, 0);
    /* CLONE_VM | CLONE_VFORK */
    long v = sys6(SYS_clone, 0x100 | 0x4000 | SIGCHLD, 0, 0, 0, 0, 0);
    if (v == 0) {
        name_at("", a[0]);
        marker(P_VDDIRECT, a[0], d, 0, 0);
        r = sc(SYS_openat, d, (long)namebuf, O_RDONLY | O_DIRECT, 0);
        log_label(P_VDDIRECT, open_index(r, -EINVAL));
        name_at("", m);
        marker(P_HVDMEMFD, m, d, 0, 0);
        r = sc(SYS_openat, d, (long)namebuf, O_RDWR | O_DIRECT, 0);
        log_label(P_HVDMEMFD, ok_index(r));
        name5("/proc/", ppid, "/fd/", a[0], "");
        marker(P_VPPID, a[0], 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
        log_label(P_VPPID, open_index(r, -EINVAL));
        name5("/proc/self/task/", ppid, "/fd/", a[0], "");
        marker(P_VSELFTASK, a[0], 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
        log_label(P_VSELFTASK, open_index(r, -ENOENT));
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (v > 0)
        sys6(SYS_wait4, v, 0, 0, 0, 0, 0);
    long all[] = {d, m, a[0], a[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* --- a fork child: its parent's task directory by a descriptor ------------------------ */
static void task_dir_steps(void)
{
    int go[2];
    long r;
    static char c1;
    long t = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/task", O_RDONLY | O_DIRECTORY, 0);
    long m = memfd_of('t', 10, 0);
    if (t < 0 || m < 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0)
        return;
    long ppid = sc(SYS_getpid, 0, 0, 0, 0);
    long c = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        if (sc(SYS_read, go[0], (long)&c1, 1, 0) == 1) {
            long me = sc(SYS_gettid, 0, 0, 0, 0);
            name5("", ppid, "/fd/", m, "");
            marker(P_HFTASKREL, m, t, 0, 0);
            r = sc(SYS_openat, t, (long)namebuf, O_RDWR, 0);
            log_label(P_HFTASKREL, ok_index(r));
            name5("", me, "/fd/", m, "");
            marker(P_FTASKOWN, m, t, 0, 0);
            r = sc(SYS_openat, t, (long)namebuf, O_RDWR, 0);
            log_label(P_FTASKOWN, open_index(r, -ENOENT));
            name5("/proc/thread-self/../task/", ppid, "/fd/", m, "");
            marker(P_FTHREADUP, m, 0, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
            log_label(P_FTHREADUP, open_index(r, -ENOENT));
            if (sc(SYS_fchdir, t, 0, 0, 0) == 0) {
                name5("", ppid, "/fd/", m, "");
                marker(P_HFTASKCWD, m, t, 0, 0);
                r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0);
                log_label(P_HFTASKCWD, ok_index(r));
            }
        }
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (c > 0) {
        sc(SYS_write, go[1], (long)"g", 1, 0);
        sys6(SYS_wait4, c, 0, 0, 0, 0, 0);
    }
    long all[] = {t, m, go[0], go[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* --- a directory a reaped CLONE_FILES child opened in the shared table ----------------- */
static void files_opener_steps(void)
{
    int a[2];
    long r;
    const long ds = 60;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    long c = sys6(SYS_clone, 0x400 /* CLONE_FILES */ | SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
        if (d >= 0)
            sc(SYS_dup3, d, ds, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (c > 0 && sys6(SYS_wait4, c, 0, 0, 0, 0, 0) == c) {
        name_at("", a[0]);
        marker(P_FILESDEAD, a[0], ds, 0, 0);
        r = sc(SYS_openat, ds, (long)namebuf, O_RDONLY | O_DIRECT, 0);
        log_label(P_FILESDEAD, open_index(r, -ENOENT));
    }
    sc(SYS_close, ds, 0, 0, 0);
    sc(SYS_close, a[0], 0, 0, 0);
    sc(SYS_close, a[1], 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
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
    grandchild_steps();
    orphan_steps();
    zombie_steps();
    grandchild_parent_steps();
    vfork_steps();
    task_dir_steps();
    files_opener_steps();

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
