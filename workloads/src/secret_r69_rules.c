/* secret_r69_rules: the attack target of red-team round sixty-nine (the rules changed after
 * round 68: a name of PATH_MAX bytes, a name past 40 links, what ends Reach.root).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success; a step expecting a success indexes 0 for
 * it, 1 for an error.
 *
 * The program makes a memfd M and opens R, a descriptor of "/":
 *  P_UNMAPNAME   openat() of "/////.../proc/self/fd/<M>" with no NUL, ending at the end of
 *                a page whose next page is unmapped: -EFAULT (getname() ->
 *                strncpy_from_user() faults before a NUL).
 *  P_LONGACCESS  faccessat(AT_FDCWD, name of 4096 bytes with no NUL, F_OK): -ENAMETOOLONG
 *                (getname()).
 *  P_LONGSTAT    newfstatat() of the same name: -ENAMETOOLONG.
 *  P_RELLOOPS    after chdir("/"): openat("proc/self/root/" x 20 + "/proc/self/fd/<M>",
 *                O_RDWR): -ELOOP (42 links: pick_link(), MAXSYMLINKS).
 *  P_HRELLOOPS   the same with 19 (40 links): opens M (0).
 *  P_DIRLOOPS    openat(R, "proc/self/root/" x 20 + "/proc/self/fd/<M>", O_RDWR): -ELOOP.
 *  P_DEVFDLOOPS  openat("/dev/fd/<R>" x 14 + "/proc/self/fd/<M>", O_RDWR): -ELOOP (each
 *                /dev/fd/<R> is three links: /dev/fd, /proc/self, fd/<R>; 44 in all with the last two).
 *  P_HDEVFDLOOPS the same with 12 (38 links): opens M (0).
 *  P_STDINLOOPS  fd 0 a descriptor of "/" (dup3(R, 0)): openat("/dev/stdin/" x 14 +
 *                "proc/self/fd/<M>", O_RDWR): -ELOOP (each /dev/stdin is three links:
 *                /dev/stdin -> /proc/self/fd/0, /proc/self, fd/0; 44 in all).
 *  P_HSTDINLOOPS the same with 12 (38 links): opens M (0).
 *  P_LASTLINK    openat("/proc/self/root" x 20 + "/proc/self", O_RDONLY|O_DIRECTORY):
 *                -ELOOP (40 links before the last component, which is a link too:
 *                open_last_lookups() -> step_into() -> pick_link() counts the 41st).
 *  P_HLASTLINK   the same with 19 (39 + 1 links): opens (0).
 * Ordinary links only (/proc/self: proc_self_get_link(), no magic link):
 *  P_INROOTLOOPS openat2(R, "/proc/self" + "/../self" x 40 + "/fdinfo/<M>", O_RDONLY,
 *                RESOLVE_IN_ROOT): -ELOOP (41 links: pick_link(), MAXSYMLINKS; the root
 *                is R, "/").
 *  P_SELFLOOPS   (with -s) openat() of the same name: -ELOOP.
 *  P_HSELFLOOPS  openat() with "/../self" x 39 (40 links): opens (0).
 * A thread T cloned with CLONE_THREAD but without CLONE_FS (copy_fs() gives it a copy of
 * the fs_struct: its chdir() is its own) while /proc/self/cwd is the leader's:
 *  P_NOFSZ       the leader in /proc/self/fdinfo, T chdir()s to "/" and opens
 *                "/proc/self/cwd/0<M>" O_RDONLY: -ENOENT (proc_cwd_link() of the leader:
 *                fdinfo; name_to_int() takes no leading zero).
 *  P_HNOFSROOT   the leader in "/", T chdir()s to /proc/self/fdinfo and exits; the leader
 *                opens "/proc/self/cwd/proc/self/fd/<M>" O_RDWR: opens M (0).
 *  P_LATELOOPS   after both threads exit()ed: openat("/proc/self/root" x 20 +
 *                "/proc/self/fd/<M>", O_RDWR): -ELOOP (42 links).
 *  P_LATELONG    then openat() of 4096 bytes "/" with no NUL: -ENAMETOOLONG (getname()).
 *  P_BLOCKEDLONG a thread T2 blocked in read() of an empty pipe into a buffer of its own:
 *                openat() of 4096 bytes "/" with no NUL: -ENAMETOOLONG (getname()); the
 *                program then writes a byte to the pipe and T2 exits.
 * A child K cloned with CLONE_FS | SIGCHLD (no CLONE_VM, a copy of the table) chdir()s to
 * /proc/self/fd and exits; waitid(P_PID, K, WEXITED | WNOWAIT) leaves it a zombie:
 *  P_ZOMBIEFD    openat(AT_FDCWD, "<M>", O_RDWR): -ENOENT (the working directory is
 *                /proc/<K>/fd, copy_fs() shares; exit_files() cleared K's table:
 *                proc_lookupfd_common()); K is then reaped.
 * With -c (before the threads) the program makes the directories /tmp/r69-<P>/proc/self, chroot()s to
 * /tmp/r69-<P> (where /proc/self is a plain directory: no link on the way; marker
 * P_CHROOTAT before the first mkdirat()) and then:
 *  P_CHROOTLOOPS openat("/proc/self" + "/../self" x 41, O_RDONLY|O_DIRECTORY): opens (0:
 *                no link followed at all).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r69.py.  Only the digest of the secret is ever printed.
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
#include <sys/wait.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_UNMAPNAME 8400
#define P_LONGACCESS 8402
#define P_LONGSTAT 8404
#define P_RELLOOPS 8406
#define P_HRELLOOPS 8408
#define P_DIRLOOPS 8410
#define P_DEVFDLOOPS 8412
#define P_HDEVFDLOOPS 8414
#define P_LASTLINK 8416
#define P_HLASTLINK 8418
#define P_CHROOTLOOPS 8420
#define P_CHROOTAT 8422
#define P_NOFSZ 8424
#define P_HNOFSROOT 8426
#define P_INROOTLOOPS 8428
#define P_SELFLOOPS 8430
#define P_HSELFLOOPS 8432
#define P_LATELOOPS 8434
#define P_LATELONG 8436
#define P_STDINLOOPS 8438
#define P_HSTDINLOOPS 8440
#define P_BLOCKEDLONG 8442
#define P_ZOMBIEFD 8444

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r69"
#include "secret_rules_kit.h"

/* two pages of their own: a name of PATH_MAX bytes and its NUL */
static char namebuf[2 * PAGE] __attribute__((aligned(4096)));

static void step(int phase, long dir, long flags, long want, long m)
{
    marker(phase, m, dir, 0, 0);
    long r = sc(SYS_openat, dir, (long)namebuf, flags, 0);
    log_label(phase, want ? open_index(r, want) : ok_index(r));
}

/* namebuf = lead * n + "/proc/self/fd/" + dec(m); lead's "%" is dec(r) */
static void chain(const char *lead, long r, int n, long m)
{
    char *p = namebuf;
    for (int i = 0; i < n; i++) {
        for (const char *s = lead; *s; s++) {
            if (*s == '%')
                p = fd_name(p, r);
            else
                *p++ = *s;
        }
    }
    memcpy(p, "/proc/self/fd/", 14);
    fd_name(p + 14, m);
}

static void name_steps(long m)
{
    /* a page whose next page is unmapped; the name fills its end with no NUL */
    long two = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped_ok(two) && sc(SYS_munmap, two + PAGE, PAGE, 0, 0) == 0) {
        char tail[24] = "/proc/self/fd/";
        char *e = fd_name(tail + 14, m);
        long n = e - tail;
        char *pg = (char *)two;
        memset(pg, '/', PAGE);
        memcpy(pg + PAGE - n, tail, (size_t)n);
        marker(P_UNMAPNAME, m, 0, 0, 0);
        long r = sc(SYS_openat, AT_FDCWD, (long)(pg + PAGE - 200), O_RDWR, 0);
        log_label(P_UNMAPNAME, open_index(r, -EFAULT));
    }
    memset(namebuf, '/', PAGE);
    namebuf[PAGE] = 0;
    memcpy(namebuf + PAGE - 4, "/tmp", 4);
    marker(P_LONGACCESS, 0, 0, 0, 0);
    long r = sc(SYS_faccessat, AT_FDCWD, (long)namebuf, F_OK, 0);
    log_label(P_LONGACCESS, err_index(r, -ENAMETOOLONG));
    marker(P_LONGSTAT, 0, 0, 0, 0);
    r = sys6(SYS_newfstatat, AT_FDCWD, (long)namebuf, (long)wbuf, 0, 0, 0);
    log_label(P_LONGSTAT, err_index(r, -ENAMETOOLONG));
}

static void loop_steps(long m)
{
    long rt = sc(SYS_openat, AT_FDCWD, (long)"/", O_RDONLY | O_DIRECTORY, 0);
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    if (rt < 0 || here < 0)
        return;
    chain("/dev/fd/%", rt, 14, m);
    step(P_DEVFDLOOPS, AT_FDCWD, O_RDWR, -ELOOP, m);
    chain("/dev/fd/%", rt, 12, m);
    step(P_HDEVFDLOOPS, AT_FDCWD, O_RDWR, 0, m);
    chain("proc/self/root/", rt, 20, m);
    step(P_DIRLOOPS, rt, O_RDWR, -ELOOP, m);
    if (sc(SYS_dup3, rt, 0, 0, 0) == 0) {
        chain("/dev/stdin/", rt, 14, m);
        step(P_STDINLOOPS, AT_FDCWD, O_RDWR, -ELOOP, m);
        chain("/dev/stdin/", rt, 12, m);
        step(P_HSTDINLOOPS, AT_FDCWD, O_RDWR, 0, m);
    }
    if (sc(SYS_chdir, (long)"/", 0, 0, 0) == 0) {
        chain("proc/self/root/", rt, 20, m);
        step(P_RELLOOPS, AT_FDCWD, O_RDWR, -ELOOP, m);
        chain("proc/self/root/", rt, 19, m);
        step(P_HRELLOOPS, AT_FDCWD, O_RDWR, 0, m);
        sc(SYS_fchdir, here, 0, 0, 0);
    }
    sc(SYS_close, rt, 0, 0, 0);
    sc(SYS_close, here, 0, 0, 0);
}

static int loops;   /* -s: the steps the kernel model answers otherwise than Linux */

static void last_link_steps(long m)
{
    char *p = namebuf;
    for (int i = 0; i < 20; i++, p += 15)
        memcpy(p, "/proc/self/root", 15);
    memcpy(p, "/proc/self", 11);
    step(P_LASTLINK, AT_FDCWD, O_RDONLY | O_DIRECTORY, -ELOOP, m);
    memmove(namebuf, namebuf + 15, strlen(namebuf + 15) + 1);
    step(P_HLASTLINK, AT_FDCWD, O_RDONLY | O_DIRECTORY, 0, m);
}

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define RESOLVE_IN_ROOT 0x10
static uint64_t how[3];

/* namebuf = "/proc/self" + "/../self" * n + "/fdinfo/" + dec(m) */
static void selves(int n, long m)
{
    char *p = namebuf;
    memcpy(p, "/proc/self", 10);
    p += 10;
    for (int i = 0; i < n; i++, p += 8)
        memcpy(p, "/../self", 8);
    memcpy(p, "/fdinfo/", 8);
    fd_name(p + 8, m);
}

static void self_steps(long m)
{
    long rt = sc(SYS_openat, AT_FDCWD, (long)"/", O_RDONLY | O_DIRECTORY, 0);
    if (rt < 0)
        return;
    selves(40, m);
    how[0] = O_RDONLY;
    how[1] = 0;
    how[2] = RESOLVE_IN_ROOT;
    marker(P_INROOTLOOPS, m, rt, 0, 0);
    long r = sc(SYS_openat2, rt, (long)namebuf, (long)how, sizeof how);
    log_label(P_INROOTLOOPS, open_index(r, -ELOOP));
    if (loops)
        step(P_SELFLOOPS, AT_FDCWD, O_RDONLY, -ELOOP, m);
    selves(39, m);
    step(P_HSELFLOOPS, AT_FDCWD, O_RDONLY, 0, m);
    sc(SYS_close, rt, 0, 0, 0);
}

static void chroot_steps(long m)
{
    char dir[64] = "/tmp/r69-";
    char *e = dec(dir + 9, sc(SYS_getpid, 0, 0, 0, 0));
    marker(P_CHROOTAT, 0, 0, 0, 0);
    sc(SYS_mkdirat, AT_FDCWD, (long)dir, 0700, 0);
    memcpy(e, "/proc", 6);
    sc(SYS_mkdirat, AT_FDCWD, (long)dir, 0700, 0);
    memcpy(e + 5, "/self", 6);
    sc(SYS_mkdirat, AT_FDCWD, (long)dir, 0700, 0);
    *e = 0;
    if (sc(SYS_chdir, (long)dir, 0, 0, 0) != 0 || sc(SYS_chroot, (long)".", 0, 0, 0) != 0)
        return;
    char *p = namebuf;
    memcpy(p, "/proc/self", 10);
    p += 10;
    for (int i = 0; i < 41; i++, p += 8)
        memcpy(p, "/../self", 8);
    *p = 0;
    step(P_CHROOTLOOPS, AT_FDCWD, O_RDONLY | O_DIRECTORY, 0, m);
}

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


#define FLAGS_NOFS (CLONE_VM | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)
static uint8_t tstack[65536] __attribute__((aligned(16)));
static volatile int ttid, tdone;
static long tm;

static void nofs_gone(long unused)
{
    (void)unused;
    sc(SYS_chdir, (long)"/", 0, 0, 0);
    char *p = namebuf;
    memcpy(p, "/proc/self/cwd/0", 16);
    fd_name(p + 16, tm);
    step(P_NOFSZ, AT_FDCWD, O_RDONLY, -ENOENT, tm);
    tdone = 1;
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
}

static void nofs_info(long unused)
{
    (void)unused;
    sc(SYS_chdir, (long)"/proc/self/fdinfo", 0, 0, 0);
    tdone = 1;
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
}

static void wait_done(void)
{
    for (int i = 0; i < 100000 && !tdone; i++)
        sc(SYS_sched_yield, 0, 0, 0, 0);
    for (int i = 0; i < 64; i++)
        sc(SYS_sched_yield, 0, 0, 0, 0);
}

static int pipefd[2];
static char tbuf[8];

static void blocked_reader(long unused)
{
    (void)unused;
    sc(SYS_read, pipefd[0], (long)tbuf, 1, 0);
    tdone = 1;
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
}

static void blocked_steps(long m)
{
    if (sc(SYS_pipe2, (long)pipefd, 0, 0, 0) != 0)
        return;
    tdone = 0;
    if (spawn(FLAGS_NOFS | CLONE_FS, tstack + sizeof tstack, &ttid, &ttid,
              blocked_reader) > 0) {
        for (int i = 0; i < 64; i++)
            sc(SYS_sched_yield, 0, 0, 0, 0);
        memset(namebuf, '/', PAGE);
        namebuf[PAGE] = 0;
        step(P_BLOCKEDLONG, AT_FDCWD, O_RDONLY, -ENAMETOOLONG, m);
        sc(SYS_write, pipefd[1], (long)"x", 1, 0);
        wait_done();
    }
    sc(SYS_close, pipefd[0], 0, 0, 0);
    sc(SYS_close, pipefd[1], 0, 0, 0);
}

static void zombie_steps(long m)
{
    static uint8_t info[128];
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    if (here < 0)
        return;
    long k = sys6(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0, 0);
    if (k == 0) {
        sc(SYS_chdir, (long)"/proc/self/fd", 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (k > 0 && sys6(SYS_waitid, P_PID, k, (long)info, WEXITED | WNOWAIT, 0, 0) == 0) {
        char *p = fd_name(namebuf, m);
        (void)p;
        step(P_ZOMBIEFD, AT_FDCWD, O_RDWR, -ENOENT, m);
    }
    sc(SYS_fchdir, here, 0, 0, 0);
    if (k > 0)
        sys6(SYS_wait4, k, 0, 0, 0, 0, 0);
    sc(SYS_close, here, 0, 0, 0);
}

static void nofs_steps(long m)
{
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    if (here < 0)
        return;
    tm = m;
    tdone = 0;
    if (sc(SYS_chdir, (long)"/proc/self/fdinfo", 0, 0, 0) == 0 &&
        spawn(FLAGS_NOFS, tstack + sizeof tstack, &ttid, &ttid, nofs_gone) > 0)
        wait_done();
    tdone = 0;
    if (sc(SYS_chdir, (long)"/", 0, 0, 0) == 0 &&
        spawn(FLAGS_NOFS, tstack + sizeof tstack, &ttid, &ttid, nofs_info) > 0) {
        wait_done();
        char *p = namebuf;
        memcpy(p, "/proc/self/cwd/proc/self/fd/", 28);
        fd_name(p + 28, m);
        step(P_HNOFSROOT, AT_FDCWD, O_RDWR, 0, m);
    }
    sc(SYS_fchdir, here, 0, 0, 0);
    sc(SYS_close, here, 0, 0, 0);
}

static uint8_t *g_heap, *g_mapped;
static volatile uint8_t *g_stack;
static int show_digest;

/* The program's last check: its three copies of the secret intact; the digest with -d. */
static int finish(void)
{
    uint8_t digest[32];
    char hex[80];
    uint8_t *heap = g_heap;
    int bad = memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
              memcmp(g_mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
    for (int i = 0; i < SECRET_LEN; i++)
        bad |= g_stack[16 + i] != ((uint8_t *)secret)[i];
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

int main(int argc, char **argv)
{
    int jail = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        jail |= strcmp(argv[i], "-c") == 0;
        loops |= strcmp(argv[i], "-s") == 0;
    }
    volatile uint8_t stackbuf[64];

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
    g_heap = heap;
    g_mapped = (uint8_t *)mapped;
    g_stack = stackbuf;

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);

    sc(SYS_gettid, 0, 0, 0, 0);
    long m = memfd_of('l', 10, 0);
    if (m >= 0) {
        name_steps(m);
        loop_steps(m);
        last_link_steps(m);
        self_steps(m);
        if (jail)
            chroot_steps(m);
        blocked_steps(m);
        zombie_steps(m);
        nofs_steps(m);
        chain("/proc/self/root", 0, 20, m);
        step(P_LATELOOPS, AT_FDCWD, O_RDWR, -ELOOP, m);
        memset(namebuf, '/', PAGE);
        namebuf[PAGE] = 0;
        step(P_LATELONG, AT_FDCWD, O_RDONLY, -ENAMETOOLONG, m);
    }
    return finish();
}
