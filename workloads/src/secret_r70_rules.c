/* secret_r70_rules: the attack target of red-team round seventy (return.name_too_long and
 * return.link_loop as changed after round 69: what they judge, and what they leave out).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success; a step expecting a success indexes 0 for
 * it, 1 for an error.
 *
 * The program makes a memfd M.  L is "/proc/self/root" x 20 + "/proc/self" (40 links
 * before a last component that is itself a link to a directory):
 *  P_CREATLAST   openat(L, O_RDWR|O_CREAT, 0600): -ELOOP (build_open_flags() asks
 *                LOOKUP_FOLLOW without O_EXCL; open_last_lookups() -> step_into() ->
 *                pick_link() counts the 41st).
 *  P_TMPFILELAST openat(L, O_RDWR|O_TMPFILE, 0600): -ELOOP (do_tmpfile() ->
 *                path_lookupat() with LOOKUP_FOLLOW: the 41st).
 *  P_PATHLAST    openat(L, O_PATH): -ELOOP (O_PATH follows the last component).
 *  P_NETLOOPS    openat("/proc" + "/net/../.." x 21 + "/self/fd/<M>", O_RDWR): -ELOOP
 *                (/proc/net is a link to "self/net": two links each time, 44 in all).
 *  P_HNETLOOPS   the same with x 19 (40 links): opens M (0).
 *  P_NOSYMLINKS  openat2("/proc/self/fd/<M>", O_RDWR, RESOLVE_NO_SYMLINKS): -ELOOP.
 *  P_NOMAGIC     openat2("/proc/self/fd/<M>", O_RDWR, RESOLVE_NO_MAGICLINKS): -ELOOP
 *                (nd_jump_link() refuses the magic link fd/<M>).
 *  P_ACCESSLOOPS faccessat(AT_FDCWD, "/proc/self/root" x 20 + "/proc/self/fd/<M>",
 *                F_OK): -ELOOP (pick_link(), 42 links).
 *  P_CHROOTLOOPS chroot() of the same name: -ELOOP (user_path_at() before any
 *                capability check).
 *  P_TREELONG    open_tree(AT_FDCWD, 4096 bytes "/" with no NUL, 0): -ENAMETOOLONG
 *                (getname()).
 *  P_UMOUNTLONG  umount2() of the same name: an error (-EPERM from may_mount() without
 *                CAP_SYS_ADMIN, else -ENAMETOOLONG): 0 for any error.
 *  P_UTIMENOW    utimensat(AT_FDCWD, the same name, NULL, 0): -ENAMETOOLONG (getname()).
 *  P_UTIMEOMIT   utimensat(AT_FDCWD, the same name, {UTIME_OMIT, UTIME_OMIT}, 0): 0
 *                ("Nothing to do, we must not even check the path": the syscall answers
 *                0 before do_utimes() reads the name).
 *  P_UTIMEHOLE   utimensat() with {UTIME_OMIT, UTIME_OMIT} of a name with no NUL that
 *                runs into a page the program unmapped: 0 likewise.
 *  P_NOFOLLOWSLASH openat(L + "/", O_RDONLY|O_NOFOLLOW|O_DIRECTORY): -ELOOP (a trailing
 *                slash asks LOOKUP_FOLLOW | LOOKUP_DIRECTORY whatever O_NOFOLLOW:
 *                open_last_lookups(); the 41st link).
 *  P_PROTNONE    openat() of "///.../proc/self/fd/<M>" with no NUL, ending at the end of a
 *                page whose next page is PROT_NONE: -EFAULT (strncpy_from_user() faults).
 *  P_PASTEOF     the same name ending at the end of the first page of a MAP_SHARED mapping
 *                of two pages of a memfd one page long: -EFAULT (the page past EOF
 *                faults: shmem_fault() -> VM_FAULT_SIGBUS).
 *  P_REMAPFILL   the same name ending at the end of a page whose next page the program
 *                unmapped and then mapped again by mremap() growing the page in place:
 *                the new page is zero, a NUL: opens M (0).
 * D a descriptor of the directory /proc/self/fd (/proc/<P>/fd), W = "/proc/self" +
 * "/cwd/../fd/.." x 14 + "/fd/<M>":
 *  P_STDINCWD    fd 0 made D (dup3()), chdir("/dev/stdin") (the working directory is
 *                /proc/<P>/fd), openat(W, O_RDWR): 16 links (/proc/self, then each cwd,
 *                whose ".." is /proc/<P> where "fd" is a plain directory, then fd/<M>):
 *                opens M (0).
 *  P_DEVFDCWD    chdir("/dev/fd/<D>"), openat(W, O_RDWR): the same 16 links: opens M (0).
 *  P_FDROOTLOOPS R a descriptor of "/": openat("/proc/self/fd/<R>" x 20 +
 *                "/proc/self/fd/<M>", O_RDWR): -ELOOP (two links each time, 42).
 *  P_BRKFILL     brk() grown by a page H, the page above H mapped (MAP_FIXED_NOREPLACE)
 *                and unmapped again, then brk() grown over it: a name with no NUL to the
 *                end of H runs into the new zero page, a NUL: opens M (0).
 *  P_MOUNTSLOOPS openat("/proc/self/root" x 20 + "/proc/mounts", O_RDONLY): -ELOOP
 *                (/proc/mounts is a link to "self/mounts": two links, 42 in all).
 *  P_NULLNAME    openat(AT_FDCWD, NULL, O_RDWR): -EFAULT (getname() ->
 *                strncpy_from_user() faults at address 0).
 *  P_HIGHNAME    openat(AT_FDCWD, 1 << 48, O_RDWR) (above TASK_SIZE, no tag): -EFAULT
 *                (strncpy_from_user(): access_ok() refuses it).
 *  P_UTIMENULL   utimensat(AT_FDCWD, NULL, NULL, 0): -EFAULT (a NULL name is the
 *                descriptor only where dfd is not AT_FDCWD: do_utimes() ->
 *                do_utimes_path() -> getname() faults).
 *  P_BLOCKEDLOOPS a thread T blocked in read() of an empty pipe into a buffer of its own:
 *                openat("/proc/self/root" x 20 + "/proc/self/fd/<M>", O_RDWR): -ELOOP
 *                (42 links; the blocked read() changes no table, working directory or
 *                root); the program then writes a byte to the pipe and T exits.
 *  P_DOTROOTLOOPS R opened as "/." (O_DIRECTORY): openat(R, "proc/self/root/" x 20 +
 *                "/proc/self/fd/<M>", O_RDWR): -ELOOP (42 links from "/").
 *  P_SELFROOTLOOPS the same with R opened as "/proc/self/root" (proc_root_link(): "/").
 *  P_TAGNAME     openat("/proc/self/fd/<M>" through a pointer with top byte 0x01, the
 *                tagged address ABI off): -EFAULT (access_ok() does not untag it).
 *  P_SYMLINKLOOPS (last) symlinkat("/", AT_FDCWD, "/tmp/r70-link") (any answer), then
 *                openat("/proc/self/root" x 20 + "/proc/self/fd/<M>", O_RDWR): -ELOOP (a
 *                new link in /tmp moves no root: 42 links all the same).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r70.py.  Only the digest of the secret is ever printed.
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

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_CREATLAST 8500
#define P_TMPFILELAST 8502
#define P_PATHLAST 8504
#define P_NETLOOPS 8506
#define P_HNETLOOPS 8508
#define P_NOSYMLINKS 8510
#define P_NOMAGIC 8512
#define P_ACCESSLOOPS 8514
#define P_CHROOTLOOPS 8516
#define P_TREELONG 8518
#define P_UMOUNTLONG 8520
#define P_UTIMENOW 8522
#define P_UTIMEOMIT 8524
#define P_UTIMEHOLE 8526
#define P_NOFOLLOWSLASH 8528
#define P_PROTNONE 8530
#define P_PASTEOF 8532
#define P_REMAPFILL 8534
#define P_STDINCWD 8536
#define P_DEVFDCWD 8538
#define P_FDROOTLOOPS 8540
#define P_BRKFILL 8542
#define P_MOUNTSLOOPS 8544
#define P_NULLNAME 8546
#define P_HIGHNAME 8548
#define P_UTIMENULL 8550
#define P_BLOCKEDLOOPS 8552
#define P_DOTROOTLOOPS 8554
#define P_SELFROOTLOOPS 8556
#define P_SYMLINKLOOPS 8558
#define P_TAGNAME 8560

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif
#define UTIME_OMIT_NS ((1l << 30) - 2l)
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r70"
#include "secret_rules_kit.h"

/* two pages of their own: a name of PATH_MAX bytes and its NUL */
static char namebuf[2 * PAGE] __attribute__((aligned(4096)));

static void step(int phase, long flags, long want, long m)
{
    marker(phase, m, 0, 0, 0);
    long r = sc(SYS_openat, AT_FDCWD, (long)namebuf, flags, 0600);
    log_label(phase, want ? open_index(r, want) : ok_index(r));
}

/* namebuf = lead + rep * n + tail, tail's "%" the decimal m */
static void spell(const char *lead, const char *rep, int n, const char *tail, long m)
{
    char *p = namebuf;
    for (const char *s = lead; *s; s++)
        *p++ = *s;
    for (int i = 0; i < n; i++)
        for (const char *s = rep; *s; s++)
            *p++ = *s;
    for (const char *s = tail; *s; s++) {
        if (*s == '%')
            p = fd_name(p, m);
        else
            *p++ = *s;
    }
    *p = 0;
}

static void link_steps(long m)
{
    spell("", "/proc/self/root", 20, "/proc/self", m);
    step(P_CREATLAST, O_RDWR | O_CREAT, -ELOOP, m);
    step(P_TMPFILELAST, O_RDWR | O_TMPFILE, -ELOOP, m);
    step(P_PATHLAST, O_PATH, -ELOOP, m);
    spell("/proc", "/net/../..", 21, "/self/fd/%", m);
    step(P_NETLOOPS, O_RDWR, -ELOOP, m);
    spell("/proc", "/net/../..", 19, "/self/fd/%", m);
    step(P_HNETLOOPS, O_RDWR, 0, m);

    static uint64_t how[3];
    spell("", "", 0, "/proc/self/fd/%", m);
    how[0] = O_RDWR;
    how[2] = RESOLVE_NO_SYMLINKS;
    marker(P_NOSYMLINKS, m, 0, 0, 0);
    long r = sys6(SYS_openat2, AT_FDCWD, (long)namebuf, (long)how, sizeof how, 0, 0);
    log_label(P_NOSYMLINKS, open_index(r, -ELOOP));
    how[2] = RESOLVE_NO_MAGICLINKS;
    marker(P_NOMAGIC, m, 0, 0, 0);
    r = sys6(SYS_openat2, AT_FDCWD, (long)namebuf, (long)how, sizeof how, 0, 0);
    log_label(P_NOMAGIC, open_index(r, -ELOOP));

    spell("", "/proc/self/root", 20, "/proc/self/fd/%", m);
    marker(P_ACCESSLOOPS, m, 0, 0, 0);
    r = sc(SYS_faccessat, AT_FDCWD, (long)namebuf, F_OK, 0);
    log_label(P_ACCESSLOOPS, err_index(r, -ELOOP));
    marker(P_CHROOTLOOPS, m, 0, 0, 0);
    r = sc(SYS_chroot, (long)namebuf, 0, 0, 0);
    log_label(P_CHROOTLOOPS, err_index(r, -ELOOP));
}

static long omit[4] = {0, UTIME_OMIT_NS, 0, UTIME_OMIT_NS};

static void long_steps(long m)
{
    memset(namebuf, '/', PAGE);
    namebuf[PAGE] = 0;
    marker(P_TREELONG, m, 0, 0, 0);
    long r = sc(SYS_open_tree, AT_FDCWD, (long)namebuf, 0, 0);
    log_label(P_TREELONG, open_index(r, -ENAMETOOLONG));
    marker(P_UMOUNTLONG, 0, 0, 0, 0);
    r = sc(SYS_umount2, (long)namebuf, 0, 0, 0);
    log_label(P_UMOUNTLONG, r < 0 ? 0 : -4);
    marker(P_UTIMENOW, 0, 0, 0, 0);
    r = sc(SYS_utimensat, AT_FDCWD, (long)namebuf, 0, 0);
    log_label(P_UTIMENOW, err_index(r, -ENAMETOOLONG));
    marker(P_UTIMEOMIT, 0, 0, 0, 0);
    r = sc(SYS_utimensat, AT_FDCWD, (long)namebuf, (long)omit, 0);
    log_label(P_UTIMEOMIT, r == 0 ? 0 : 1);

    /* a page whose next page is unmapped; the name fills its end with no NUL */
    long two = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped_ok(two) && sc(SYS_munmap, two + PAGE, PAGE, 0, 0) == 0) {
        char *pg = (char *)two;
        memset(pg, '/', PAGE);
        marker(P_UTIMEHOLE, 0, 0, 0, 0);
        r = sc(SYS_utimensat, AT_FDCWD, (long)(pg + PAGE - 200), (long)omit, 0);
        log_label(P_UTIMEHOLE, r == 0 ? 0 : 1);
    }
}

/* "///.../proc/self/fd/<m>" with no NUL ending at the end of the page at pg */
static char *page_name(long pg, long m)
{
    char tail[24] = "/proc/self/fd/";
    char *e = fd_name(tail + 14, m);
    long n = e - tail;
    memset((char *)pg, '/', PAGE);
    memcpy((char *)pg + PAGE - n, tail, (size_t)n);
    return (char *)pg + PAGE - 200;
}

static void cwd_steps(long m)
{
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    if (d < 0 || here < 0)
        return;
    spell("/proc/self", "/cwd/../fd/..", 14, "/fd/%", m);
    marker(P_STDINCWD, m, 0, 0, 0);
    if (sc(SYS_dup3, d, 0, 0, 0) == 0 && sc(SYS_chdir, (long)"/dev/stdin", 0, 0, 0) == 0) {
        log_label(P_STDINCWD, ok_index(sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0)));
        sc(SYS_fchdir, here, 0, 0, 0);
    }
    char dn[24] = "/dev/fd/";
    fd_name(dn + 8, d);
    marker(P_DEVFDCWD, m, 0, 0, 0);
    if (sc(SYS_chdir, (long)dn, 0, 0, 0) == 0) {
        log_label(P_DEVFDCWD, ok_index(sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR, 0)));
        sc(SYS_fchdir, here, 0, 0, 0);
    }
    sc(SYS_close, d, 0, 0, 0);
    sc(SYS_close, here, 0, 0, 0);
}

static void more_steps(long m)
{
    long rt = sc(SYS_openat, AT_FDCWD, (long)"/", O_RDONLY | O_DIRECTORY, 0);
    if (rt >= 0) {
        char lead[24] = "/proc/self/fd/";
        fd_name(lead + 14, rt);
        spell("", lead, 20, "/proc/self/fd/%", m);
        step(P_FDROOTLOOPS, O_RDWR, -ELOOP, m);
        sc(SYS_close, rt, 0, 0, 0);
    }
    spell("", "/proc/self/root", 20, "/proc/mounts", m);
    step(P_MOUNTSLOOPS, O_RDONLY, -ELOOP, m);
    marker(P_NULLNAME, m, 0, 0, 0);
    log_label(P_NULLNAME, open_index(sc(SYS_openat, AT_FDCWD, 0, O_RDWR, 0), -EFAULT));
    marker(P_HIGHNAME, m, 0, 0, 0);
    log_label(P_HIGHNAME, open_index(sc(SYS_openat, AT_FDCWD, 1l << 48, O_RDWR, 0),
                                     -EFAULT));
    marker(P_UTIMENULL, 0, 0, 0, 0);
    log_label(P_UTIMENULL, err_index(sc(SYS_utimensat, AT_FDCWD, 0, 0, 0), -EFAULT));
    long top = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    if (top & (PAGE - 1))
        return;
    if (sys6(SYS_brk, top + PAGE, 0, 0, 0, 0, 0) != top + PAGE)
        return;
    long pg = sys6(SYS_mmap, top + PAGE, PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (pg != top + PAGE || sc(SYS_munmap, pg, PAGE, 0, 0) != 0)
        return;
    if (sys6(SYS_brk, top + 2 * PAGE, 0, 0, 0, 0, 0) != top + 2 * PAGE)
        return;
    char *name = page_name(top, m);
    marker(P_BRKFILL, m, 0, 0, 0);
    log_label(P_BRKFILL, ok_index(sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0)));
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


#define FLAGS_THREAD (CLONE_VM | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
                      CLONE_SYSVSEM | CLONE_FS)
static uint8_t tstack[65536] __attribute__((aligned(16)));
static volatile int ttid, tdone;
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
    if (spawn(FLAGS_THREAD, tstack + sizeof tstack, &ttid, &ttid, blocked_reader) > 0) {
        for (int i = 0; i < 64; i++)
            sc(SYS_sched_yield, 0, 0, 0, 0);
        spell("", "/proc/self/root", 20, "/proc/self/fd/%", m);
        step(P_BLOCKEDLOOPS, O_RDWR, -ELOOP, m);
        sc(SYS_write, pipefd[1], (long)"x", 1, 0);
        for (int i = 0; i < 100000 && !tdone; i++)
            sc(SYS_sched_yield, 0, 0, 0, 0);
        for (int i = 0; i < 64; i++)
            sc(SYS_sched_yield, 0, 0, 0, 0);
    }
    sc(SYS_close, pipefd[0], 0, 0, 0);
    sc(SYS_close, pipefd[1], 0, 0, 0);
}

static void dirfd_loops(int phase, const char *dir, long m)
{
    long r = sc(SYS_openat, AT_FDCWD, (long)dir, O_RDONLY | O_DIRECTORY, 0);
    if (r < 0)
        return;
    spell("", "proc/self/root/", 20, "/proc/self/fd/%", m);
    marker(phase, m, 0, 0, 0);
    log_label(phase, open_index(sc(SYS_openat, r, (long)namebuf, O_RDWR, 0), -ELOOP));
    sc(SYS_close, r, 0, 0, 0);
}

static void edge_steps(long m)
{
    spell("", "/proc/self/root", 20, "/proc/self/", m);
    step(P_NOFOLLOWSLASH, O_RDONLY | O_NOFOLLOW | O_DIRECTORY, -ELOOP, m);

    long two = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped_ok(two) && sc(SYS_mprotect, two + PAGE, PAGE, PROT_NONE, 0) == 0) {
        char *name = page_name(two, m);
        marker(P_PROTNONE, m, 0, 0, 0);
        long r = sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0);
        log_label(P_PROTNONE, open_index(r, -EFAULT));
    }
    long f = sc(SYS_memfd_create, (long)"r70-eof", 0, 0, 0);
    if (f >= 0 && sc(SYS_ftruncate, f, PAGE, 0, 0) == 0) {
        long sh = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
        if (mapped_ok(sh)) {
            char *name = page_name(sh, m);
            marker(P_PASTEOF, m, 0, 0, 0);
            long r = sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0);
            log_label(P_PASTEOF, open_index(r, -EFAULT));
        }
    }
    long one = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped_ok(one) && sc(SYS_munmap, one + PAGE, PAGE, 0, 0) == 0 &&
            sys6(SYS_mremap, one, PAGE, 2 * PAGE, 0, 0, 0) == one) {
        char *name = page_name(one, m);
        marker(P_REMAPFILL, m, 0, 0, 0);
        long r = sc(SYS_openat, AT_FDCWD, (long)name, O_RDWR, 0);
        log_label(P_REMAPFILL, ok_index(r));
    }
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
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
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
        link_steps(m);
        long_steps(m);
        edge_steps(m);
        cwd_steps(m);
        more_steps(m);
        blocked_steps(m);
        dirfd_loops(P_DOTROOTLOOPS, "/.", m);
        dirfd_loops(P_SELFROOTLOOPS, "/proc/self/root", m);
        spell("", "", 0, "/proc/self/fd/%", m);
        marker(P_TAGNAME, m, 0, 0, 0);
        log_label(P_TAGNAME, open_index(sc(SYS_openat, AT_FDCWD, (long)namebuf | 1l << 56,
                                           O_RDWR, 0), -EFAULT));
        marker(P_SYMLINKLOOPS, m, 0, 0, 0);
        sc(SYS_symlinkat, (long)"/", AT_FDCWD, (long)"/tmp/r70-link", 0);
        spell("", "/proc/self/root", 20, "/proc/self/fd/%", m);
        log_label(P_SYMLINKLOOPS, open_index(sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR,
                                                0), -ELOOP));
        sc(SYS_unlinkat, AT_FDCWD, (long)"/tmp/r70-link", 0, 0);
    }
    return finish();
}
