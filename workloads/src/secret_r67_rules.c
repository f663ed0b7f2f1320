/* secret_r67_rules: the attack target of red-team round sixty-seven (the rules changed after
 * round 66, both ways: return.proc_entry_absent, /proc/self/cwd followed to a /proc working
 * directory, a wait's -ECHILD and the children the caller's thread group made).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success; a step expecting a success indexes 0 for
 * it, 1 for an error.
 *
 * The program tells its pid (<P>) and tid (<T>), makes a memfd M and D, a descriptor of
 * /proc/self/fd (O_DIRECTORY):
 *  P_VARRUN      openat("/var/run/../proc/0<P>/fd/M", O_RDWR): -ENOENT (/var/run is a
 *                symlink to /run, whose ".." is /; proc_pid_lookup() -> name_to_int()).
 *  P_FDUPINFO    openat("/proc/self/fd/<D>/../fdinfo/0<M>", O_RDONLY): -ENOENT
 *                (D's link followed to /proc/<P>/fd: nd_jump_link(); proc_fdinfo_lookup()).
 *  P_DEVFDUPINFO openat("/dev/fd/<D>/../fdinfo/0<M>", O_RDONLY): -ENOENT.
 *  P_TSINFOZ     openat("/proc/thread-self/fdinfo/0<M>", O_RDONLY): -ENOENT.
 *  P_TASKINFOZ   openat("/proc/self/task/<T>/fdinfo/0<M>", O_RDONLY): -ENOENT.
 *  P_INFOPLUS    openat("/proc/self/fdinfo/+<M>", O_RDONLY): -ENOENT (name_to_int(): digits).
 *  P_PIDSLASH    openat("/proc/0<P>/", O_RDONLY|O_DIRECTORY): -ENOENT.
 *  P_FDDUPPID    openat("/proc/self/fd/<D>/../../0<P>/fd/M", O_RDWR): -ENOENT.
 *  P_HINFO       openat("/proc/self/fdinfo/<M>", O_RDONLY) opens (0).
 *  P_HFDUPINFO   openat("/proc/self/fd/<D>/../fdinfo/<M>", O_RDONLY) opens (0).
 *  P_HFDDUPPID   openat("/proc/self/fd/<D>/../../<P>/fd/M", O_RDWR) opens M (0).
 *  P_HVARRUN     openat("/var/run/../proc/<P>/fd/M", O_RDWR) opens M (0).
 * After chdir("/proc/self/fdinfo") (the working directory /proc/<P>/fdinfo):
 *  P_CWDINFOZ    openat(AT_FDCWD, "0<M>", O_RDONLY): -ENOENT.
 *  P_CWDLINKINFO openat("/proc/self/cwd/0<M>", O_RDONLY): -ENOENT.
 *  P_HCWDINFO    openat(AT_FDCWD, "<M>", O_RDONLY) opens (0).
 * After chdir("/proc/self") (the working directory /proc/<P>):
 *  P_CWDUPPID    openat("/proc/self/cwd/../0<P>/fd/M", O_RDWR): -ENOENT.
 *  P_RELUPPID    openat(AT_FDCWD, "../0<P>/fd/M", O_RDWR): -ENOENT.
 * With the working directory /proc/<P> (chdir("/proc/self") followed the link at the call),
 * a memfd X, the program forks K, then makes a memfd Y and closes X; K's working directory
 * is still /proc/<P>, the program's (copy_fs(): the same dentry):
 *  P_FKCLOSED    K: openat(AT_FDCWD, "fd/X", O_RDWR): -ENOENT (the program's X is closed).
 *  P_HFKNEW      K: openat(AT_FDCWD, "fd/Y", O_RDWR) opens the program's Y (0).
 *  P_HFKCWDLINK  K: openat("/proc/self/cwd/fd/Y", O_RDWR) opens the program's Y (0).
 *  P_FKCWDCLOSED K: openat("/proc/self/cwd/fd/X", O_RDWR): -ENOENT.
 * A memfd Z the program keeps and K closes:
 *  P_HFKOWNCLOSED    K: openat(AT_FDCWD, "fd/Z", O_RDWR) opens the program's Z (0).
 *  P_HFKCWDOWNCLOSED K: openat("/proc/self/cwd/fd/Z", O_RDWR) opens the program's Z (0).
 * ".." after an ordinary symlink: /proc/thread-self is <P>/task/<T>, /dev/fd is
 * /proc/self/fd, /proc/net is self/net (proc_thread_self_get_link(), pick_link()):
 *  P_TSUPINFO    openat("/proc/thread-self/../../fdinfo/0<M>", O_RDONLY): -ENOENT.
 *  P_TSUPFD      openat("/proc/thread-self/../../fd/0<M>", O_RDWR): -ENOENT.
 *  P_DEVFDUP     openat("/dev/fd/../fdinfo/0<M>", O_RDONLY): -ENOENT.
 *  P_NETUP       openat("/proc/net/../fdinfo/0<M>", O_RDONLY): -ENOENT.
 *  P_HTSUPINFO, P_HDEVFDUP, P_HNETUP: the same fdinfo names with <M> open (0).
 * A thread T made without CLONE_FS (its own fs_struct, copy_fs()) keeps the working
 * directory it was made with while the program chdir()s to /proc/self/fdinfo:
 *  P_THSELFCWDZ  T: openat("/proc/self/cwd/0<M>", O_RDONLY): -ENOENT (/proc/self/cwd is
 *                the leader's, /proc/<P>/fdinfo).
 *  P_HTHSELFCWD  T: openat("/proc/self/cwd/<M>", O_RDONLY) opens (0).
 * T then chdir()s to /proc/self/fd (its own working directory /proc/<P>/fd):
 *  P_THTSCWDZ    T: openat("/proc/thread-self/cwd/0<M>", O_RDWR): -ENOENT.
 *  P_HTHTSCWD    T: openat("/proc/thread-self/cwd/<M>", O_RDWR) opens M (0).
 *  P_HTHSELFCWD2 T: openat("/proc/self/cwd/<M>", O_RDONLY) opens M's fdinfo (0).
 * The root directory reached by a link (proc_root_link(), proc_cwd_link(), proc_fd_link()),
 * R a descriptor of "/":
 *  P_ROOTPID     openat("/proc/self/root/proc/0<P>/fd/M", O_RDWR): -ENOENT.
 *  P_TSROOTINFO  openat("/proc/thread-self/root/proc/self/fdinfo/0<M>", O_RDONLY): -ENOENT.
 *  P_FDROOTPID   openat("/proc/self/fd/<R>/proc/0<P>/fd/M", O_RDWR): -ENOENT.
 *  P_CWDROOTPID  after chdir("/"): openat("/proc/self/cwd/proc/0<P>/fd/M", O_RDWR): -ENOENT.
 *  P_HROOTPID, P_HFDROOTPID, P_HCWDROOTPID: the same names with <P> open M (0).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r67.py.  Only the digest of the secret is ever printed.
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
#include <sched.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64


#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_VARRUN 7500
#define P_FDUPINFO 7502
#define P_DEVFDUPINFO 7504
#define P_TSINFOZ 7506
#define P_TASKINFOZ 7508
#define P_INFOPLUS 7510
#define P_CWDINFOZ 7512
#define P_CWDLINKINFO 7514
#define P_PIDSLASH 7516
#define P_FDDUPPID 7518
#define P_CWDUPPID 7520
#define P_RELUPPID 7522
#define P_FKCLOSED 7524
#define P_HINFO 7526
#define P_HFDUPINFO 7528
#define P_HFDDUPPID 7530
#define P_HCWDINFO 7532
#define P_HVARRUN 7534
#define P_HFKNEW 7536
#define P_HFKCWDLINK 7538
#define P_ROOTPID 7540
#define P_CWDROOTPID 7542
#define P_FDROOTPID 7544
#define P_TSROOTINFO 7546
#define P_HROOTPID 7548
#define P_HCWDROOTPID 7550
#define P_HFDROOTPID 7552
#define P_FKCWDCLOSED 7554
#define P_HFKOWNCLOSED 7556
#define P_HFKCWDOWNCLOSED 7558
#define P_TSUPINFO 7560
#define P_TSUPFD 7562
#define P_DEVFDUP 7564
#define P_NETUP 7566
#define P_HTSUPINFO 7568
#define P_HDEVFDUP 7570
#define P_HNETUP 7572
#define P_THSELFCWDZ 7574
#define P_HTHSELFCWD 7576
#define P_THTSCWDZ 7578
#define P_HTHTSCWD 7580
#define P_HTHSELFCWD2 7582

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r67"
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

static void step(int phase, long dir, long flags, long want, long m)
{
    marker(phase, m, dir, 0, 0);
    long r = sc(SYS_openat, dir, (long)namebuf, flags, 0);
    log_label(phase, want ? open_index(r, want) : ok_index(r));
}

static void name_steps(void)
{
    long m = memfd_of('n', 10, 0);
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    if (m < 0 || d < 0 || here < 0)
        return;
    long me = sc(SYS_gettid, 0, 0, 0, 0);
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    name5("/var/run/../proc/0", pid, "/fd/", m, "");
    step(P_VARRUN, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/proc/self/fd/", d, "/../fdinfo/0", m, "");
    step(P_FDUPINFO, AT_FDCWD, O_RDONLY, -ENOENT, m);
    name5("/dev/fd/", d, "/../fdinfo/0", m, "");
    step(P_DEVFDUPINFO, AT_FDCWD, O_RDONLY, -ENOENT, m);
    name5("/proc/thread-self/fdinfo/0", m, "", -1, "");
    step(P_TSINFOZ, AT_FDCWD, O_RDONLY, -ENOENT, m);
    name5("/proc/self/task/", me, "/fdinfo/0", m, "");
    step(P_TASKINFOZ, AT_FDCWD, O_RDONLY, -ENOENT, m);
    name5("/proc/self/fdinfo/+", m, "", -1, "");
    step(P_INFOPLUS, AT_FDCWD, O_RDONLY, -ENOENT, m);
    name5("/proc/0", pid, "/", -1, "");
    step(P_PIDSLASH, AT_FDCWD, O_RDONLY | O_DIRECTORY, -ENOENT, m);
    name5("/proc/self/fd/", d, "/../../0", pid, "/fd/");
    dec(namebuf + strlen(namebuf), m);
    step(P_FDDUPPID, AT_FDCWD, O_RDWR, -ENOENT, m);
    /* honest */
    name5("/proc/self/fdinfo/", m, "", -1, "");
    step(P_HINFO, AT_FDCWD, O_RDONLY, 0, m);
    name5("/proc/self/fd/", d, "/../fdinfo/", m, "");
    step(P_HFDUPINFO, AT_FDCWD, O_RDONLY, 0, m);
    name5("/proc/self/fd/", d, "/../../", pid, "/fd/");
    dec(namebuf + strlen(namebuf), m);
    step(P_HFDDUPPID, AT_FDCWD, O_RDWR, 0, m);
    name5("/var/run/../proc/", pid, "/fd/", m, "");
    step(P_HVARRUN, AT_FDCWD, O_RDWR, 0, m);
    if (sc(SYS_chdir, (long)"/proc/self/fdinfo", 0, 0, 0) == 0) {
        name5("0", m, "", -1, "");
        step(P_CWDINFOZ, AT_FDCWD, O_RDONLY, -ENOENT, m);
        name5("/proc/self/cwd/0", m, "", -1, "");
        step(P_CWDLINKINFO, AT_FDCWD, O_RDONLY, -ENOENT, m);
        name_at("", m);
        step(P_HCWDINFO, AT_FDCWD, O_RDONLY, 0, m);
    }
    if (sc(SYS_chdir, (long)"/proc/self", 0, 0, 0) == 0) {
        name5("/proc/self/cwd/../0", pid, "/fd/", m, "");
        step(P_CWDUPPID, AT_FDCWD, O_RDWR, -ENOENT, m);
        name5("../0", pid, "/fd/", m, "");
        step(P_RELUPPID, AT_FDCWD, O_RDWR, -ENOENT, m);
    }
    sc(SYS_fchdir, here, 0, 0, 0);
    /* ".." after the ordinary symlinks /proc/thread-self, /dev/fd and /proc/net */
    name5("/proc/thread-self/../../fdinfo/0", m, "", -1, "");
    step(P_TSUPINFO, AT_FDCWD, O_RDONLY, -ENOENT, m);
    name5("/proc/thread-self/../../fd/0", m, "", -1, "");
    step(P_TSUPFD, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/dev/fd/../fdinfo/0", m, "", -1, "");
    step(P_DEVFDUP, AT_FDCWD, O_RDONLY, -ENOENT, m);
    name5("/proc/net/../fdinfo/0", m, "", -1, "");
    step(P_NETUP, AT_FDCWD, O_RDONLY, -ENOENT, m);
    name5("/proc/thread-self/../../fdinfo/", m, "", -1, "");
    step(P_HTSUPINFO, AT_FDCWD, O_RDONLY, 0, m);
    name5("/dev/fd/../fdinfo/", m, "", -1, "");
    step(P_HDEVFDUP, AT_FDCWD, O_RDONLY, 0, m);
    name5("/proc/net/../fdinfo/", m, "", -1, "");
    step(P_HNETUP, AT_FDCWD, O_RDONLY, 0, m);
    /* the root directory reached by a link */
    long rt = sc(SYS_openat, AT_FDCWD, (long)"/", O_RDONLY | O_DIRECTORY, 0);
    name5("/proc/self/root/proc/0", pid, "/fd/", m, "");
    step(P_ROOTPID, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/proc/thread-self/root/proc/self/fdinfo/0", m, "", -1, "");
    step(P_TSROOTINFO, AT_FDCWD, O_RDONLY, -ENOENT, m);
    name5("/proc/self/root/proc/", pid, "/fd/", m, "");
    step(P_HROOTPID, AT_FDCWD, O_RDWR, 0, m);
    if (rt >= 0) {
        name5("/proc/self/fd/", rt, "/proc/0", pid, "/fd/");
        dec(namebuf + strlen(namebuf), m);
        step(P_FDROOTPID, AT_FDCWD, O_RDWR, -ENOENT, m);
        name5("/proc/self/fd/", rt, "/proc/", pid, "/fd/");
        dec(namebuf + strlen(namebuf), m);
        step(P_HFDROOTPID, AT_FDCWD, O_RDWR, 0, m);
        sc(SYS_close, rt, 0, 0, 0);
    }
    if (sc(SYS_chdir, (long)"/", 0, 0, 0) == 0) {
        name5("/proc/self/cwd/proc/0", pid, "/fd/", m, "");
        step(P_CWDROOTPID, AT_FDCWD, O_RDWR, -ENOENT, m);
        name5("/proc/self/cwd/proc/", pid, "/fd/", m, "");
        step(P_HCWDROOTPID, AT_FDCWD, O_RDWR, 0, m);
    }
    sc(SYS_fchdir, here, 0, 0, 0);
    sc(SYS_close, here, 0, 0, 0);
    sc(SYS_close, d, 0, 0, 0);
    sc(SYS_close, m, 0, 0, 0);
}

/* The working directory /proc/<P> is shared with a fork child K by copy: K's "fd/N" is
 * the program's descriptor N. */
static void fork_cwd_steps(void)
{
    int go[2], done[2];
    static char c1;
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    long x = memfd_of('x', 10, 0);
    long z = memfd_of('z', 10, 0);
    if (here < 0 || x < 0 || z < 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)done, 0, 0, 0) != 0)
        return;
    if (sc(SYS_chdir, (long)"/proc/self", 0, 0, 0) != 0)
        return;
    long k = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (k == 0) {
        static long y;
        sc(SYS_close, go[1], 0, 0, 0);
        if (sc(SYS_read, go[0], (long)&y, sizeof y, 0) == sizeof y) {
            name5("fd/", x, "", -1, "");
            step(P_FKCLOSED, AT_FDCWD, O_RDWR, -ENOENT, x);
            name5("fd/", y, "", -1, "");
            step(P_HFKNEW, AT_FDCWD, O_RDWR, 0, x);
            name5("/proc/self/cwd/fd/", y, "", -1, "");
            step(P_HFKCWDLINK, AT_FDCWD, O_RDWR, 0, x);
            name5("/proc/self/cwd/fd/", x, "", -1, "");
            step(P_FKCWDCLOSED, AT_FDCWD, O_RDWR, -ENOENT, x);
            sc(SYS_close, z, 0, 0, 0);
            name5("fd/", z, "", -1, "");
            step(P_HFKOWNCLOSED, AT_FDCWD, O_RDWR, 0, x);
            name5("/proc/self/cwd/fd/", z, "", -1, "");
            step(P_HFKCWDOWNCLOSED, AT_FDCWD, O_RDWR, 0, x);
        }
        sc(SYS_write, done[1], (long)"d", 1, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    sc(SYS_fchdir, here, 0, 0, 0);
    if (k > 0) {
        static long y;
        y = memfd_of('y', 10, 0);
        sc(SYS_close, x, 0, 0, 0);
        sc(SYS_close, done[1], 0, 0, 0);
        sc(SYS_write, go[1], (long)&y, sizeof y, 0);
        sc(SYS_read, done[0], (long)&c1, 1, 0);
        sys6(SYS_wait4, k, 0, 0, 0, 0, 0);
        sc(SYS_close, y, 0, 0, 0);
    }
    long all[] = {here, z, go[0], go[1], done[0]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* A thread of the program made without CLONE_FS (its own fs_struct: copy_fs()). */
#define FLAGS_OWNFS (CLONE_VM | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)
static uint8_t tstack[16384] __attribute__((aligned(16)));
static volatile int ttid, tgo;
static long tm;
static int tdone[2];

static long spawn(unsigned long flags, void *top, volatile int *ptid, volatile int *ctid,
                  void (*fn)(long))
{
    register long x0 __asm__("x0") = (long)flags;
    register long x1 __asm__("x1") = (long)top;
    register long x2 __asm__("x2") = (long)ptid;
    register long x3 __asm__("x3") = 0;
    register long x4 __asm__("x4") = (long)ctid;
    register long x8 __asm__("x8") = SYS_clone;
    register long x10 __asm__("x10") = (long)fn;
    __asm__ volatile("svc #0\n"
                     "cbnz x0, 1f\n"
                     "mov x0, #0\n"
                     "blr x10\n"
                     "mov x0, #0\n"
                     "mov x8, #93\n"
                     "svc #0\n"
                     "1:\n"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), "r"(x10)
                     : "memory", "cc", "x30");
    return x0;
}

static void own_fs_thread(long unused)
{
    (void)unused;
    while (!tgo)
        sc(SYS_sched_yield, 0, 0, 0, 0);
    long m = tm;
    name5("/proc/self/cwd/0", m, "", -1, "");
    step(P_THSELFCWDZ, AT_FDCWD, O_RDONLY, -ENOENT, m);
    name5("/proc/self/cwd/", m, "", -1, "");
    step(P_HTHSELFCWD, AT_FDCWD, O_RDONLY, 0, m);
    if (sc(SYS_chdir, (long)"/proc/self/fd", 0, 0, 0) == 0) {
        name5("/proc/thread-self/cwd/0", m, "", -1, "");
        step(P_THTSCWDZ, AT_FDCWD, O_RDWR, -ENOENT, m);
        name5("/proc/thread-self/cwd/", m, "", -1, "");
        step(P_HTHTSCWD, AT_FDCWD, O_RDWR, 0, m);
        name5("/proc/self/cwd/", m, "", -1, "");
        step(P_HTHSELFCWD2, AT_FDCWD, O_RDONLY, 0, m);
    }
    sc(SYS_write, tdone[1], (long)"d", 1, 0);
}

/* T, made without CLONE_FS, keeps the working directory it was made with; the program
 * then chdir()s to /proc/self/fdinfo: /proc/self/cwd is the leader's (proc_cwd_link() on
 * the task /proc/self names), /proc/thread-self/cwd T's own. */
static void own_fs_steps(void)
{
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    static char c1;
    tm = memfd_of('t', 10, 0);
    if (here < 0 || tm < 0 || sc(SYS_pipe2, (long)tdone, 0, 0, 0) != 0)
        return;
    long t = spawn(FLAGS_OWNFS, tstack + sizeof tstack, &ttid, &ttid, own_fs_thread);
    if (t > 0) {
        if (sc(SYS_chdir, (long)"/proc/self/fdinfo", 0, 0, 0) != 0)
            sc(SYS_fchdir, here, 0, 0, 0);
        tgo = 1;
        sc(SYS_read, tdone[0], (long)&c1, 1, 0);
        sc(SYS_fchdir, here, 0, 0, 0);
    }
    sc(SYS_close, tdone[0], 0, 0, 0);
    sc(SYS_close, tdone[1], 0, 0, 0);
    sc(SYS_close, here, 0, 0, 0);
    sc(SYS_close, tm, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
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
    name_steps();
    fork_cwd_steps();
    own_fs_steps();

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
