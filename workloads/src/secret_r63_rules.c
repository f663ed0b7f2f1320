/* secret_r63_rules: the attack target of red-team round sixty-three (the rules changed after
 * round 62, both ways: a successful openat with O_DIRECTORY read as a directory
 * (sole_reopens.directory), descriptors and working directories opened through /proc/self,
 * /proc/thread-self and /dev/fd remembering their opener, /proc/self/task/<tid>/fd and
 * /proc/<fork child>/fd (fd_names, return.fifo_direct), O_APPEND judged for the whole call).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 *  P_DIRMEMFD    openat("/proc/self/fd/M", O_RDONLY|O_DIRECTORY), M a memfd, is -ENOTDIR
 *                (do_open(): "if ((open_flag & O_DIRECTORY) && !d_can_lookup()) ENOTDIR").
 *  P_DIRPIPE     (with -p) the same of A, a pipe's read end: -ENOTDIR.
 *  P_DIRDEVFD    openat("/dev/fd/M", O_RDONLY|O_DIRECTORY): -ENOTDIR.
 *  P_CWDDIRMEMFD after chdir("/proc/self/fd"), openat(AT_FDCWD, "M", O_RDONLY|O_DIRECTORY) is
 *                -ENOTDIR; P_TASKDIRMEMFD the same of "/proc/self/task/<pid>/fd/M".
 *  P_HDIRDIR     openat("/proc/self/fd/D", O_RDONLY|O_DIRECTORY), D a directory of
 *                /proc/self/fd, opens it (0); else 1.
 *  P_APSELF .. P_APTASK  splice(A's read end, NULL, AY, NULL, 8, 0), AY an openat(Y, rel,
 *                O_RDWR|O_APPEND) of the memfd M, Y opened O_DIRECTORY as "/proc/self"
 *                (rel "fd/M"), "/proc/thread-self/fd", "/dev/fd", "/proc/<pid>/fd",
 *                "/proc/self/task/<pid>/fd" (rel "M"), is -EINVAL (do_splice()).
 *  P_APCWD       the same of AY opened as "M" after fchdir() to "/proc/thread-self/fd".
 *  P_TASKPID     openat("/proc/self/task/<pid>/fd/A", O_RDONLY|O_DIRECT), <pid> getpid()'s
 *                (the main thread's tid), is -EINVAL (do_dentry_open(): a FIFO).
 *  P_PIDTASK     the same of "/proc/<pid>/task/<pid>/fd/A": -EINVAL.
 *  P_TASKDIR     openat(T, "fd/A", O_RDONLY|O_DIRECT), T opened as "/proc/self/task/<pid>":
 *                -EINVAL.
 *  P_CHILDTASK   openat("/proc/<child>/task/<child>/fd/B", O_WRONLY|O_DIRECT), B a pipe's
 *                write end a live fork child inherited, is -EINVAL.
 *  P_HTASKMEMFD  openat("/proc/self/task/<pid>/fd/M", O_RDWR|O_DIRECT) opens the memfd
 *                (shmem_file_open() sets FMODE_CAN_ODIRECT) (0); else 1.
 *  P_FORKDDIRECT in a fork child, openat(D, "A", O_RDONLY|O_DIRECT), D the program's
 *                descriptor of /proc/self/fd opened before the fork (the parent's fd
 *                directory), A a pipe's read end in both, is -EINVAL.
 *  P_HFORKDMEMFD in that child, openat(D, "C", O_RDWR|O_DIRECT), C a pipe end in the child
 *                onto whose number the parent dup3()ed a memfd, opens it (0); else 1.
 *  P_HFORKTASK   in that child, openat("/proc/<parent>/task/<parent>/fd/C", O_RDWR|O_DIRECT)
 *                opens the parent's memfd (proc_task_lookup() in the parent's group) (0);
 *                else 1.
 *  P_FORKSELFTASK in that child, openat("/proc/self/task/<parent>/fd/A", O_RDONLY|O_DIRECT)
 *                is -ENOENT (the parent's tid is no thread of the child's group).
 *  P_HFORKPPID   in that child, openat("/proc/<parent>/fd/C", O_RDWR|O_DIRECT) opens the
 *                parent's memfd (0); else 1.
 *  P_FORKPPIDDIRECT then openat("/proc/<parent>/fd/A", O_RDONLY|O_DIRECT) is -EINVAL.
 *  P_HFORKCWD    in that child, after fchdir(D), openat(AT_FDCWD, "C", O_RDWR|O_DIRECT)
 *                opens the parent's memfd (the working directory is the parent's fd
 *                directory) (0); else 1.
 *  P_FORKCWDDIRECT then openat(AT_FDCWD, "A", O_RDONLY|O_DIRECT) is -EINVAL (a pipe).
 *  P_APCHDIR     splice() of 8 into "M" opened O_RDWR|O_APPEND after chdir("/proc/self/fd")
 *                is -EINVAL; P_APFCHDIR the same after fchdir() to a descriptor of it.
 *  P_HAPPIPEFILE splice(S, &0, W, NULL, 8, 0), W an open of /proc/self/fd/B O_WRONLY|O_APPEND
 *                of a pipe's write end B, S a memfd of 100 bytes, is 8: do_splice() checks
 *                O_APPEND only where the output is no pipe (splice_file_to_pipe()) (0).
 *  P_HAPPIPEPIPE splice(A's read end, NULL, W, NULL, 8, 0) is 8 (splice_pipe_to_pipe()) (0).
 *  P_HAPPIPETEE  tee(A's read end, W, 8, 0) is 8 (link_pipe()) (0).
 *  P_HAPPIPESEND sendfile(W, S, &0, 8) is 8: do_sendfile() moves into a pipe by
 *                splice_file_to_pipe(), not do_splice_direct() and its O_APPEND check (0).
 *  P_HCHILDCLEAR splice(A's read end, NULL, AP, NULL, 8, 0), AP an O_RDWR|O_APPEND reopen of
 *                a memfd whose O_APPEND a reaped fork child cleared (F_SETFL) on the shared
 *                open file, is 8 (0); else 1.
 *  P_HFILESDUP   after a clone(CLONE_FILES) child dup3()ed a memfd onto A (a pipe's read
 *                end; the table is shared: copy_files()) and was reaped, an open of
 *                /proc/self/fd/A O_RDWR|O_DIRECT opens the memfd (0); else 1.
 *  P_FILESPIPE   after that child dup3()ed the pipe's read end B onto a memfd's number N,
 *                an open of /proc/self/fd/N O_RDONLY|O_DIRECT is -EINVAL.
 *  P_FILESAPP    after that child dup3()ed an O_RDWR|O_APPEND open of /proc/self/fd/M3 onto
 *                M3's number, splice(B, NULL, M3, NULL, 8, 0) is -EINVAL (do_splice()).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r63.py.  Only the digest of the secret is ever printed.
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
#define P_DIRMEMFD 6500
#define P_DIRPIPE 6502
#define P_DIRDEVFD 6504
#define P_HDIRDIR 6506
#define P_APSELF 6508
#define P_APTHREAD 6510
#define P_APDEVFD 6512
#define P_APPID 6514
#define P_APTASK 6516
#define P_APCWD 6518
#define P_TASKPID 6520
#define P_PIDTASK 6522
#define P_TASKDIR 6524
#define P_CHILDTASK 6526
#define P_HTASKMEMFD 6528
#define P_FORKDDIRECT 6530
#define P_HFORKDMEMFD 6532
#define P_HFORKTASK 6534
#define P_FORKSELFTASK 6536
#define P_HCHILDCLEAR 6538
#define P_HFILESDUP 6540
#define P_FILESPIPE 6542
#define P_FILESAPP 6544
#define P_HFORKCWD 6546
#define P_FORKCWDDIRECT 6548
#define P_APCHDIR 6550
#define P_APFCHDIR 6552
#define P_HFORKPPID 6554
#define P_FORKPPIDDIRECT 6556
#define P_HAPPIPEFILE 6558
#define P_HAPPIPEPIPE 6560
#define P_HAPPIPETEE 6562
#define P_HAPPIPESEND 6564
#define P_CWDDIRMEMFD 6566
#define P_TASKDIRMEMFD 6568
#define P_HDUP3DIRECT 6346 /* x2 a pipe end's number, a memfd dup3()ed onto it */
#define P_HPIDDUP3 6350  /* x2 the reopen of a memfd dup3()ed onto a pidfd's number */


#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r63"
#include "secret_rules_kit.h"

/* a page of its own: a kernel may read a name up to its page's end */
static char namebuf[PAGE] __attribute__((aligned(4096)));

static void name_at(const char *prefix, long fd)
{
    size_t n = strlen(prefix);
    memcpy(namebuf, prefix, n);
    fd_name(namebuf + n, fd);
}

static long moved_index(long r, long want)
{
    return r == want ? 0 : 1;
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

static int pipe_dir;      /* -p: P_DIRPIPE too */

/* --- O_DIRECTORY opens of what is no directory ---------------------------------------- */
static void directory_steps(void)
{
    int a[2];
    long r;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    long m = memfd_of('m', 10, 0);
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    if (m < 0 || d < 0)
        return;
    name_at("/proc/self/fd/", m);
    marker(P_DIRMEMFD, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECTORY, 0);
    log_label(P_DIRMEMFD, open_index(r, -ENOTDIR));
    if (pipe_dir) {
        name_at("/proc/self/fd/", a[0]);
        marker(P_DIRPIPE, a[0], 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECTORY, 0);
        log_label(P_DIRPIPE, open_index(r, -ENOTDIR));
    }
    name_at("/dev/fd/", m);
    marker(P_DIRDEVFD, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECTORY, 0);
    log_label(P_DIRDEVFD, open_index(r, -ENOTDIR));
    if (sc(SYS_chdir, (long)"/proc/self/fd", 0, 0, 0) == 0) {
        name_at("", m);
        marker(P_CWDDIRMEMFD, m, 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECTORY, 0);
        log_label(P_CWDDIRMEMFD, open_index(r, -ENOTDIR));
        sc(SYS_chdir, (long)"/", 0, 0, 0);
    }
    name5("/proc/self/task/", sc(SYS_getpid, 0, 0, 0, 0), "/fd/", m, "");
    marker(P_TASKDIRMEMFD, m, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECTORY, 0);
    log_label(P_TASKDIRMEMFD, open_index(r, -ENOTDIR));
    name_at("/proc/self/fd/", d);
    marker(P_HDIRDIR, d, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECTORY, 0);
    log_label(P_HDIRDIR, ok_index(r));
    long all[] = {m, d, a[0], a[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* --- O_APPEND opens of a memfd relative to /proc directories --------------------------- */
static void append_dir_steps(void)
{
    int a[2];
    long r;
    static char dir[64], rel[32];
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    memset(wbuf, 'x', 80);
    if (sc(SYS_write, a[1], (long)wbuf, 80, 0) != 80)
        return;
    long m = memfd_of('m', 0, 0);
    if (m < 0)
        return;
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    for (int k = 0; k < 8; k++) {
        long phase = k == 6 ? P_APCHDIR : k == 7 ? P_APFCHDIR : P_APSELF + 2 * k;
        if (k == 0)
            name5("/proc/self", -1, "", -1, "");
        else if (k == 1 || k == 5)
            name5("/proc/thread-self/fd", -1, "", -1, "");
        else if (k == 2 || k == 6 || k == 7)
            name5(k == 2 ? "/dev/fd" : "/proc/self/fd", -1, "", -1, "");
        else if (k == 3)
            name5("/proc/", pid, "/fd", -1, "");
        else
            name5("/proc/self/task/", pid, "/fd", -1, "");
        memcpy(dir, namebuf, strlen(namebuf) + 1);
        long y = sc(SYS_openat, AT_FDCWD, (long)dir, O_RDONLY | O_DIRECTORY, 0);
        if (y < 0)
            continue;
        name_at(k == 0 ? "fd/" : "", m);
        memcpy(rel, namebuf, strlen(namebuf) + 1);
        long ay;
        if (k >= 5) {
            if ((k == 6 ? sc(SYS_chdir, (long)dir, 0, 0, 0) : sc(SYS_fchdir, y, 0, 0, 0)) != 0) {
                sc(SYS_close, y, 0, 0, 0);
                continue;
            }
            ay = sc(SYS_openat, AT_FDCWD, (long)rel, O_RDWR | O_APPEND, 0);
            sc(SYS_chdir, (long)"/", 0, 0, 0);
        } else {
            ay = sc(SYS_openat, y, (long)rel, O_RDWR | O_APPEND, 0);
        }
        if (ay >= 0) {
            marker(phase, a[0], ay, 0, 0);
            r = sys6(SYS_splice, a[0], 0, ay, 0, 8, 0);
            log_label(phase, err_index(r, -EINVAL));
            sc(SYS_close, ay, 0, 0, 0);
        }
        sc(SYS_close, y, 0, 0, 0);
    }
    long all[] = {m, a[0], a[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* --- the main thread's task directory, named by getpid()'s pid ------------------------- */
static void task_steps(void)
{
    int a[2];
    long r;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    long m = memfd_of('t', 10, 0);
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    name5("/proc/self/task/", pid, "/fd/", a[0], "");
    marker(P_TASKPID, a[0], 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
    log_label(P_TASKPID, open_index(r, -EINVAL));
    name5("/proc/", pid, "/task/", pid, "/fd/");
    dec(namebuf + strlen(namebuf), a[0]);
    marker(P_PIDTASK, a[0], 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
    log_label(P_PIDTASK, open_index(r, -EINVAL));
    name5("/proc/self/task/", pid, "", -1, "");
    long t = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECTORY, 0);
    if (t >= 0) {
        name_at("fd/", a[0]);
        marker(P_TASKDIR, a[0], t, 0, 0);
        r = sc(SYS_openat, t, (long)namebuf, O_RDONLY | O_DIRECT, 0);
        log_label(P_TASKDIR, open_index(r, -EINVAL));
        sc(SYS_close, t, 0, 0, 0);
    }
    if (m >= 0) {
        name5("/proc/self/task/", pid, "/fd/", m, "");
        marker(P_HTASKMEMFD, m, 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR | O_DIRECT, 0);
        log_label(P_HTASKMEMFD, ok_index(r));
        sc(SYS_close, m, 0, 0, 0);
    }
    sc(SYS_close, a[0], 0, 0, 0);
    sc(SYS_close, a[1], 0, 0, 0);
}

/* --- a live fork child's task directory; O_APPEND cleared by a reaped child ------------ */
static void child_steps(void)
{
    int b[2], go[2], ready[2], a[2];
    long r;
    static char c1;
    if (sc(SYS_pipe2, (long)b, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)ready, 0, 0, 0) != 0)
        return;
    long c = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        sc(SYS_write, ready[1], (long)"r", 1, 0);
        sc(SYS_read, go[0], (long)&c1, 1, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (c > 0 && sc(SYS_read, ready[0], (long)&c1, 1, 0) == 1) {
        name5("/proc/", c, "/task/", c, "/fd/");
        dec(namebuf + strlen(namebuf), b[1]);
        marker(P_CHILDTASK, b[1], 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_WRONLY | O_DIRECT, 0);
        log_label(P_CHILDTASK, open_index(r, -EINVAL));
    }
    sc(SYS_write, go[1], (long)"g", 1, 0);
    if (c > 0)
        sys6(SYS_wait4, c, 0, 0, 0, 0, 0);
    long all[] = {b[0], b[1], go[0], go[1], ready[0], ready[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
    /* honest: a reaped child cleared O_APPEND on the shared open file */
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    memset(wbuf, 'x', 40);
    sc(SYS_write, a[1], (long)wbuf, 40, 0);
    long m = memfd_of('c', 0, 0);
    long ap = m >= 0 ? reopen(m, O_RDWR | O_APPEND) : -1;
    if (ap >= 0) {
        long k = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (k == 0) {
            sc(SYS_fcntl, ap, F_SETFL, O_RDWR, 0);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        if (k > 0)
            sys6(SYS_wait4, k, 0, 0, 0, 0, 0);
        marker(P_HCHILDCLEAR, a[0], ap, 0, 0);
        r = sys6(SYS_splice, a[0], 0, ap, 0, 8, 0);
        log_label(P_HCHILDCLEAR, moved_index(r, 8));
        sc(SYS_close, ap, 0, 0, 0);
    }
    if (m >= 0)
        sc(SYS_close, m, 0, 0, 0);
    sc(SYS_close, a[0], 0, 0, 0);
    sc(SYS_close, a[1], 0, 0, 0);
}

/* --- a fork child: the parent's fd directory and task directory ------------------------ */
static void fork_steps(void)
{
    int a[2], cp[2], go[2];
    long r;
    static char c1;
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    if (d < 0 || sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)cp, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)go, 0, 0, 0) != 0)
        return;
    long m = memfd_of('f', 10, 0);
    if (m < 0)
        return;
    long ppid = sc(SYS_getpid, 0, 0, 0, 0);
    long c = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        if (sc(SYS_read, go[0], (long)&c1, 1, 0) == 1) {
            name_at("", a[0]);
            marker(P_FORKDDIRECT, a[0], d, 0, 0);
            r = sc(SYS_openat, d, (long)namebuf, O_RDONLY | O_DIRECT, 0);
            log_label(P_FORKDDIRECT, open_index(r, -EINVAL));
            name_at("", cp[0]);
            marker(P_HFORKDMEMFD, cp[0], d, 0, 0);
            r = sc(SYS_openat, d, (long)namebuf, O_RDWR | O_DIRECT, 0);
            log_label(P_HFORKDMEMFD, ok_index(r));
            name5("/proc/self/task/", ppid, "/fd/", a[0], "");
            marker(P_FORKSELFTASK, a[0], 0, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
            log_label(P_FORKSELFTASK, open_index(r, -ENOENT));
            name5("/proc/", ppid, "/task/", ppid, "/fd/");
            dec(namebuf + strlen(namebuf), cp[0]);
            marker(P_HFORKTASK, cp[0], 0, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR | O_DIRECT, 0);
            log_label(P_HFORKTASK, ok_index(r));
            name5("/proc/", ppid, "/fd/", cp[0], "");
            marker(P_HFORKPPID, cp[0], 0, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR | O_DIRECT, 0);
            log_label(P_HFORKPPID, ok_index(r));
            name5("/proc/", ppid, "/fd/", a[0], "");
            marker(P_FORKPPIDDIRECT, a[0], 0, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
            log_label(P_FORKPPIDDIRECT, open_index(r, -EINVAL));
            if (sc(SYS_fchdir, d, 0, 0, 0) == 0) {
                name_at("", cp[0]);
                marker(P_HFORKCWD, cp[0], d, 0, 0);
                r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR | O_DIRECT, 0);
                log_label(P_HFORKCWD, ok_index(r));
                name_at("", a[0]);
                marker(P_FORKCWDDIRECT, a[0], d, 0, 0);
                r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                log_label(P_FORKCWDDIRECT, open_index(r, -EINVAL));
            }
        }
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


/* --- a CLONE_FILES child changes the shared table ---------------------------------------- */
static void files_steps(void)
{
    int a[2], b[2];
    long r;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)b, 0, 0, 0) != 0)
        return;
    memset(wbuf, 'x', 40);
    sc(SYS_write, b[1], (long)wbuf, 40, 0);
    long m = memfd_of('g', 10, 0), n = memfd_of('h', 10, 0), m3 = memfd_of('i', 0, 0);
    if (m < 0 || n < 0 || m3 < 0)
        return;
    long c = sys6(SYS_clone, 0x400 /* CLONE_FILES */ | SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        sc(SYS_dup3, m, a[0], 0, 0);
        sc(SYS_dup3, b[0], n, 0, 0);
        name_at("/proc/self/fd/", m3);
        long x = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR | O_APPEND, 0);
        if (x >= 0) {
            sc(SYS_dup3, x, m3, 0, 0);
            sc(SYS_close, x, 0, 0, 0);
        }
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (c > 0)
        sys6(SYS_wait4, c, 0, 0, 0, 0, 0);
    if (c > 0) {
        marker(P_HFILESDUP, a[0], 0, 0, 0);
        r = reopen(a[0], O_RDWR | O_DIRECT);
        log_label(P_HFILESDUP, ok_index(r));
        marker(P_FILESPIPE, n, 0, 0, 0);
        r = reopen(n, O_RDONLY | O_DIRECT);
        log_label(P_FILESPIPE, open_index(r, -EINVAL));
        marker(P_FILESAPP, b[0], m3, 0, 0);
        r = sys6(SYS_splice, b[0], 0, m3, 0, 8, 0);
        log_label(P_FILESAPP, err_index(r, -EINVAL));
    }
    long all[] = {m, n, m3, a[0], a[1], b[0], b[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* --- a pipe's write end opened again O_APPEND ------------------------------------------ */
static void pipe_append_steps(void)
{
    int a[2], b[2];
    long r;
    static long oi;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)b, 0, 0, 0) != 0)
        return;
    memset(wbuf, 'x', 80);
    sc(SYS_write, a[1], (long)wbuf, 80, 0);
    long s = memfd_of('s', 100, 0);
    long w = reopen(b[1], O_WRONLY | O_APPEND);
    if (s >= 0 && w >= 0) {
        oi = 0;
        marker(P_HAPPIPEFILE, s, w, 0, 0);
        r = sys6(SYS_splice, s, (long)&oi, w, 0, 8, 0);
        log_label(P_HAPPIPEFILE, moved_index(r, 8));
        marker(P_HAPPIPEPIPE, a[0], w, 0, 0);
        r = sys6(SYS_splice, a[0], 0, w, 0, 8, 0);
        log_label(P_HAPPIPEPIPE, moved_index(r, 8));
        marker(P_HAPPIPETEE, a[0], w, 0, 0);
        r = sys6(SYS_tee, a[0], w, 8, 0, 0, 0);
        log_label(P_HAPPIPETEE, moved_index(r, 8));
        oi = 0;
        marker(P_HAPPIPESEND, w, s, 0, 0);
        r = sc(SYS_sendfile, w, s, (long)&oi, 8);
        log_label(P_HAPPIPESEND, moved_index(r, 8));
    }
    long all[] = {s, w, a[0], a[1], b[0], b[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i] >= 0)
            sc(SYS_close, all[i], 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        pipe_dir |= strcmp(argv[i], "-p") == 0;
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

    directory_steps();
    append_dir_steps();
    task_steps();
    child_steps();
    sc(SYS_gettid, 0, 0, 0, 0);     /* (the main thread's id, told) */
    fork_steps();
    files_steps();
    pipe_append_steps();

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
