/* secret_r66_rules: the attack target of red-team round sixty-six (the rules changed after
 * round 65, both ways: one name_to_int() for every /proc pid, tid and fd number, and a ".."
 * after a /proc magic link left unread).
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
 *  P_DSLTID    openat("/proc/self/task//0<T>/fd/M", O_RDWR): -ENOENT (proc_task_lookup()
 *              -> name_to_int(): no leading zero).
 *  P_DOTTID    openat("/proc/self/task/./0<T>/fd/M", O_RDWR): -ENOENT.
 *  P_DEVFDZ    openat("/dev/fd/0<M>", O_RDWR): -ENOENT (proc_lookupfd_common()).
 *  P_ZEROPID   openat("/proc/0<P>/fd/M", O_RDWR): -ENOENT (proc_pid_lookup()).
 *  P_BIGPID    openat("/proc/<P + 2^32>/fd/M", O_RDWR): -ENOENT (~0U).
 *  P_TSZFD     openat("/proc/thread-self/fd/0<M>", O_RDWR): -ENOENT.
 *  P_FDDIRZ    openat("/proc/self/fd/<D>/0<M>", O_RDWR): -ENOENT (the fd link followed to
 *              the fd directory: nd_jump_link(); then proc_lookupfd_common()).
 *  P_DEVFDDIRZ openat("/dev/fd/<D>/0<M>", O_RDWR): -ENOENT.
 *  P_FDUPTASK  openat("/proc/self/fd/<D>/../task/0<T>/fd/M", O_RDWR): -ENOENT (D's
 *              target's parent is /proc/<P>).
 *  P_FDINFOZ   openat("/proc/self/fdinfo/0<M>", O_RDONLY): -ENOENT
 *              (proc_fdinfo_lookup() -> proc_lookupfd_common()).
 *  P_FCHDIRZ   after fchdir(D): openat(AT_FDCWD, "0<M>", O_RDWR): -ENOENT.
 *  P_HFCHDIR   after fchdir(D): openat(AT_FDCWD, "M", O_RDWR) opens M (0).
 *  P_CWDZ      after chdir("/proc/self") (the working directory /proc/<P>):
 *              openat("/proc/self/cwd/fd/0<M>", O_RDWR): -ENOENT.
 *  P_CWDREL    openat(AT_FDCWD, "fd/0<M>", O_RDWR): -ENOENT.
 *  P_HCWDREL   openat(AT_FDCWD, "fd/M", O_RDWR) opens M (0).
 *  P_CWDUPZ    after chdir("/proc/self/task"): openat("/proc/self/cwd/../fd/0<M>",
 *              O_RDWR): -ENOENT (the cwd link followed first: /proc/<P>/fd/0<M>).
 *  P_HCWDUP    openat("/proc/self/cwd/../fd/M", O_RDWR) opens M (0).
 *  P_HFDDIR    openat("/proc/self/fd/<D>/M", O_RDWR) opens M (0).
 *  P_HDEVFDDIR openat("/dev/fd/<D>/M", O_RDWR) opens M (0).
 *  P_HDSLTID   openat("/proc/self/task//<T>/fd/M", O_RDWR) opens M (0).
 *  P_HDOTTID   openat("/proc/self/task/<T>/./fd/M", O_RDWR) opens M (0).
 * A child K of the program opens DK by a name of its own fd directory and forks O; K exits
 * and the program's wait4(K) reaps it; then O's openat(DK, "A", O_RDONLY|O_DIRECT), A a
 * pipe's read end, is -ENOENT (proc_lookupfd_common() -> get_proc_task() is NULL), DK:
 *  P_DEADDOT   "/proc/self/fd/."      P_DEADDSL   "/proc//self/fd"
 *  P_DEADSDOT  "/proc/self/./fd"      P_DEADTSDOT "/proc/thread-self/./fd"
 * A vfork child V forks K and exits; the program reaps V; K, re-parented to the pid
 * namespace's reaper (forget_original_parent() -> find_new_reaper()), is no child of the
 * program: its wait4(K, WNOHANG) after P_VFWAIT is -ECHILD (do_wait()) while K lives;
 *  P_HVFORPHAN then K opens /proc/self/fd/M O_RDWR (0).
 *  P_HFDUPTASK openat("/proc/self/fd/<D>/../task/<T>/fd/M", O_RDWR) opens M (0).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r66.py.  Only the digest of the secret is ever printed.
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
#define P_DSLTID 7300
#define P_DOTTID 7302
#define P_DEVFDZ 7304
#define P_ZEROPID 7306
#define P_BIGPID 7308
#define P_TSZFD 7310
#define P_FDDIRZ 7312
#define P_CWDZ 7314
#define P_CWDREL 7316
#define P_FCHDIRZ 7318
#define P_FDINFOZ 7320
#define P_FDUPTASK 7322
#define P_CWDUPZ 7324
#define P_DEVFDDIRZ 7326
#define P_HFDDIR 7328
#define P_HDSLTID 7330
#define P_HDOTTID 7332
#define P_HFDUPTASK 7334
#define P_HFCHDIR 7336
#define P_HDEVFDDIR 7338
#define P_HCWDREL 7340
#define P_HCWDUP 7342
#define P_DEADDOT 7344
#define P_DEADDSL 7346
#define P_DEADSDOT 7348
#define P_DEADTSDOT 7350
#define P_VFWAIT 7352
#define P_HVFORPHAN 7354

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r66"
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
    name5("/proc/self/task//0", me, "/fd/", m, "");
    step(P_DSLTID, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/proc/self/task/./0", me, "/fd/", m, "");
    step(P_DOTTID, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/dev/fd/0", m, "", -1, "");
    step(P_DEVFDZ, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/proc/0", pid, "/fd/", m, "");
    step(P_ZEROPID, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/proc/", pid + 4294967296L, "/fd/", m, "");
    step(P_BIGPID, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/proc/thread-self/fd/0", m, "", -1, "");
    step(P_TSZFD, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/proc/self/fd/", d, "/0", m, "");
    step(P_FDDIRZ, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/dev/fd/", d, "/0", m, "");
    step(P_DEVFDDIRZ, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/proc/self/fd/", d, "/../task/0", me, "/fd/");
    dec(namebuf + strlen(namebuf), m);
    step(P_FDUPTASK, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/proc/self/fdinfo/0", m, "", -1, "");
    step(P_FDINFOZ, AT_FDCWD, O_RDONLY, -ENOENT, m);
    /* honest: the same links with numbers name_to_int() takes */
    name5("/proc/self/fd/", d, "/", m, "");
    step(P_HFDDIR, AT_FDCWD, O_RDWR, 0, m);
    name5("/dev/fd/", d, "/", m, "");
    step(P_HDEVFDDIR, AT_FDCWD, O_RDWR, 0, m);
    name5("/proc/self/task//", me, "/fd/", m, "");
    step(P_HDSLTID, AT_FDCWD, O_RDWR, 0, m);
    name5("/proc/self/task/", me, "/./fd/", m, "");
    step(P_HDOTTID, AT_FDCWD, O_RDWR, 0, m);
    name5("/proc/self/fd/", d, "/../task/", me, "/fd/");
    dec(namebuf + strlen(namebuf), m);
    step(P_HFDUPTASK, AT_FDCWD, O_RDWR, 0, m);
    /* working directories in /proc */
    if (sc(SYS_fchdir, d, 0, 0, 0) == 0) {
        name5("0", m, "", -1, "");
        step(P_FCHDIRZ, AT_FDCWD, O_RDWR, -ENOENT, m);
        name_at("", m);
        step(P_HFCHDIR, AT_FDCWD, O_RDWR, 0, m);
    }
    if (sc(SYS_chdir, (long)"/proc/self", 0, 0, 0) == 0) {
        name5("/proc/self/cwd/fd/0", m, "", -1, "");
        step(P_CWDZ, AT_FDCWD, O_RDWR, -ENOENT, m);
        name5("fd/0", m, "", -1, "");
        step(P_CWDREL, AT_FDCWD, O_RDWR, -ENOENT, m);
        name5("fd/", m, "", -1, "");
        step(P_HCWDREL, AT_FDCWD, O_RDWR, 0, m);
    }
    if (sc(SYS_chdir, (long)"/proc/self/task", 0, 0, 0) == 0) {
        name5("/proc/self/cwd/../fd/0", m, "", -1, "");
        step(P_CWDUPZ, AT_FDCWD, O_RDWR, -ENOENT, m);
        name5("/proc/self/cwd/../fd/", m, "", -1, "");
        step(P_HCWDUP, AT_FDCWD, O_RDWR, 0, m);
    }
    sc(SYS_fchdir, here, 0, 0, 0);
    sc(SYS_close, here, 0, 0, 0);
    sc(SYS_close, d, 0, 0, 0);
    sc(SYS_close, m, 0, 0, 0);
}

/* K opens DK = `dn` and forks O; K exits and the program's wait4(K) reaps it; then O opens
 * "A" relative to DK (O_RDONLY|O_DIRECT, A a pipe's read end): -ENOENT
 * (proc_lookupfd_common() -> get_proc_task() is NULL). */
static void dead_opener(int phase, const char *dn)
{
    int a[2], go[2], done[2];
    long r;
    static char c1;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)done, 0, 0, 0) != 0)
        return;
    long k = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (k == 0) {
        long dk = sc(SYS_openat, AT_FDCWD, (long)dn, O_RDONLY | O_DIRECTORY, 0);
        long o = dk < 0 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (o == 0) {
            if (sc(SYS_read, go[0], (long)&c1, 1, 0) == 1) {
                name_at("", a[0]);
                marker(phase, a[0], dk, 0, 0);
                r = sc(SYS_openat, dk, (long)namebuf, O_RDONLY | O_DIRECT, 0);
                log_label(phase, open_index(r, -ENOENT));
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
        sys6(SYS_wait4, -1, 0, 0, 0, 0, 0);     /* (O, where it was re-parented here) */
    }
    long all[] = {a[0], a[1], go[0], go[1], done[0]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

static void dead_opener_steps(void)
{
    dead_opener(P_DEADDOT, "/proc/self/fd/.");
    dead_opener(P_DEADDSL, "/proc//self/fd");
    dead_opener(P_DEADSDOT, "/proc/self/./fd");
    dead_opener(P_DEADTSDOT, "/proc/thread-self/./fd");
}

/* A vfork child V forks K and exits (the program reaps V); K, V's orphan, is re-parented
 * to the pid namespace's reaper (forget_original_parent() -> find_new_reaper()), no child
 * of the program, so the program's wait4(K, WNOHANG) is -ECHILD (do_wait()) while K lives
 * (where the program is that reaper, K is its child: 0).  Then K opens its memfd M
 * O_RDWR (0). */
static void vfork_orphan_steps(void)
{
    int go[2], done[2], kp[2];
    static char c1;
    static long kpid;
    long m = memfd_of('v', 10, 0);
    if (m < 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)done, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)kp, 0, 0, 0) != 0)
        return;
    long v = sys6(SYS_clone, 0x100 | 0x4000 | SIGCHLD, 0, 0, 0, 0, 0);
    if (v == 0) {
        long k = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (k == 0) {
            sc(SYS_close, go[1], 0, 0, 0);
            if (sc(SYS_read, go[0], (long)&c1, 1, 0) == 1) {
                name_at("/proc/self/fd/", m);
                step(P_HVFORPHAN, AT_FDCWD, O_RDWR, 0, m);
            }
            sc(SYS_write, done[1], (long)"d", 1, 0);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        kpid = k;       /* (a pipe as well: qemu-user runs a vfork child as a fork child) */
        sc(SYS_write, kp[1], (long)&kpid, sizeof kpid, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (v > 0) {
        sys6(SYS_wait4, v, 0, 0, 0, 0, 0);
        sc(SYS_close, kp[1], 0, 0, 0);
        if (sc(SYS_read, kp[0], (long)&kpid, sizeof kpid, 0) != sizeof kpid)
            kpid = 0;
        if (kpid > 0) {
            marker(P_VFWAIT, kpid, 0, 0, 0);
            sys6(SYS_wait4, kpid, 0, WNOHANG, 0, 0, 0);
            sc(SYS_close, done[1], 0, 0, 0);
            sc(SYS_write, go[1], (long)"g", 1, 0);
            sc(SYS_read, done[0], (long)&c1, 1, 0);
            sys6(SYS_wait4, -1, 0, 0, 0, 0, 0);     /* (K, where it was re-parented here) */
        }
    }
    long all[] = {m, go[0], go[1], done[0], kp[0]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
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
    dead_opener_steps();
    vfork_orphan_steps();

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
