/* secret_r68_rules: the attack target of red-team round sixty-eight (the rules changed after
 * round 67, both ways: /proc/self/root, /proc/<pid>/root, a working directory and a
 * descriptor of "/" followed where no chroot, mount or namespace call was seen, and the
 * stamps of a working directory and a dirfd that held still through the call).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success; a step expecting a success indexes 0 for
 * it, 1 for an error.
 *
 * The program tells its pid (<P>) and tid (<T>), makes a memfd M:
 *  P_TASKCWDZ    after chdir("/proc/self/fdinfo"): openat("/proc/self/task/<T>/cwd/0<M>",
 *                O_RDONLY): -ENOENT (proc_cwd_link() of the task; name_to_int()).
 *  P_HTASKCWD    the same with <M>: opens (0).
 *  P_PIDTASKROOT openat("/proc/<P>/task/<T>/root/proc/0<P>/fd/M", O_RDWR): -ENOENT
 *                (proc_root_link(); proc_pid_lookup() -> name_to_int()).
 *  P_HPIDTASKROOT the same with <P>: opens M (0).
 *  P_ROOTDOT     openat("/proc/self/root/./proc//0<P>/fd/M", O_RDWR): -ENOENT.
 *  P_HROOTDOT    the same with <P>: opens M (0).
 *  P_FDSLASH     openat("/proc/self/fd/<M>/", O_RDWR): -ENOTDIR (a trailing slash: the
 *                magic link's target must be a directory, do_open()).
 *  P_HFDSLASHDIR openat("/proc/self/fd/<D>/", O_RDONLY|O_DIRECTORY), D a directory: opens.
 *  P_LONGNAME    openat("/proc/self/fdinfo/././.../<M>") of 4096 bytes before its NUL:
 *                -ENAMETOOLONG (getname(): strncpy_from_user() reaches PATH_MAX).
 *  P_HLONGNAME   the same name of 4095 bytes: opens (0).
 * openat2() (struct open_how, 24 bytes):
 *  P_RNOMAGIC    openat2("/proc/self/fd/<M>", O_RDWR, RESOLVE_NO_MAGICLINKS): -ELOOP
 *                (nd_jump_link()).
 *  P_HRNOMAGIC   openat2("/proc/self/fdinfo/<M>", O_RDONLY, RESOLVE_NO_MAGICLINKS): opens
 *                (/proc/self is an ordinary link: proc_self_get_link()).
 *  P_RBENEATH    openat2(R, "proc/<P>/fd/<M>", O_RDWR, RESOLVE_BENEATH), R a descriptor of
 *                "/": -EXDEV (nd_jump_link(): LOOKUP_IS_SCOPED).
 *  P_RINROOTFD   openat2(F, "/<M>", O_RDWR, RESOLVE_IN_ROOT), F a descriptor of
 *                /proc/self/fd: -EXDEV (nd_jump_link()).
 *  P_HRINROOTINFO openat2(I, "/<M>", O_RDONLY, RESOLVE_IN_ROOT), I a descriptor of
 *                /proc/self/fdinfo: opens (no magic link).
 *  P_RNOSYM      openat2("/dev/fd/<M>", O_RDWR, RESOLVE_NO_SYMLINKS): -ELOOP.
 *  P_RINROOTABS  openat2(R, "/proc/<P>/fd/<M>", O_RDWR, RESOLVE_IN_ROOT): -EXDEV (the fd
 *                link is a magic link in a scoped lookup: nd_jump_link()).
 *  P_RNOXDEV     openat2("/proc/self/fd/<M>", O_RDWR, RESOLVE_NO_XDEV): -EXDEV ("/proc" is
 *                a mount point: traverse_mounts() under LOOKUP_NO_XDEV).
 *  P_HRNOXDEV    openat2(I, "<M>", O_RDONLY, RESOLVE_NO_XDEV): opens (no mount crossed).
 *  P_RCACHED     openat2("/proc/self/fd/<M>", O_RDWR|O_TRUNC, RESOLVE_CACHED): -EAGAIN
 *                (build_open_flags()).
 *  P_RBADBIT     openat2(..., resolve 0x40): -EINVAL (build_open_flags(): VALID_RESOLVE_FLAGS).
 *  P_RSMALL      openat2(..., size 16): -EINVAL (OPEN_HOW_SIZE_VER0 is 24).
 *  P_HRPLAIN     openat2("/proc/self/fd/<M>", O_RDWR, resolve 0): opens M (0).
 *  P_HRBIG       the same with an open_how of 32 bytes, its tail zero: opens M (0)
 *                (copy_struct_from_user()).
 *  P_RBIGTAIL    the same with a tail of 1: -E2BIG (copy_struct_from_user()).
 * A dirfd changed under its number:
 *  P_DUP3Z       I a descriptor of /proc/self/fdinfo, dup3(F, I): openat(I, "0<M>",
 *                O_RDWR): -ENOENT.
 *  P_HDUP3       openat(I, "<M>", O_RDWR): opens M (I is now /proc/<P>/fd) (0).
 *  P_REOPENZ     close(I), I reopened as /proc/self/fdinfo at the same number:
 *                openat(I, "0<M>", O_RDONLY): -ENOENT.
 *  P_HREOPEN     openat(I, "<M>", O_RDONLY): opens (0).
 * A child K cloned with CLONE_FS (no CLONE_VM: a process sharing the program's fs_struct)
 * chdir()s to /proc/self/fd (K's pid directory), makes a memfd Y at a number free in the
 * program, closes its copy of M, then the program opens:
 *  P_FSCHILDGONE openat(AT_FDCWD, "<M>", O_RDWR): -ENOENT (K's table, copy_fs() shares).
 *  P_HFSCHILDNEW openat(AT_FDCWD, "<Y>", O_RDWR): opens K's Y (0).
 * More, R a descriptor of "/":
 *  P_LOOPS       openat("/proc/self/root" x 20 + "/proc/self/fd/<M>", O_RDWR): -ELOOP (42
 *                links: pick_link(), MAXSYMLINKS).
 *  P_HLOOPS      the same with 19 (40 links): opens M (0).
 *  P_RTUP        openat("/proc/self/fd/<R>/../proc/0<P>/fd/M", O_RDWR): -ENOENT ("/.." is
 *                "/": follow_dotdot()).
 *  P_HRTUP       the same with <P>: opens M (0).
 *  P_ROOTUP      openat("/proc/self/root/../proc/0<P>/fd/M", O_RDWR): -ENOENT.
 *  P_NOFOLLOW    openat("/proc/self/fd/<M>", O_RDWR|O_NOFOLLOW): -ELOOP (the last
 *                component a link: open_last_lookups()/do_open()).
 *  P_FDDOT       openat("/proc/self/fd/<M>/.", O_RDWR): -ENOTDIR.
 *  P_FCHROOTREL  after fchdir(R): openat("proc/0<P>/fd/M", O_RDWR): -ENOENT.
 *  P_HFCHROOTREL the same with <P>: opens M (0).
 *  P_PIDCWDZ     after chdir("/proc/self/fdinfo"): openat("/proc/<P>/cwd/0<M>", O_RDONLY):
 *                -ENOENT.
 *  P_TASKROOTZ   openat("/proc/self/task/<T>/root/proc/0<P>/fd/M", O_RDWR): -ENOENT.
 * The CLONE_FS child K above, its working directory /proc/<K>/fd the program's:
 *  P_FSCWDLINK   openat("/proc/self/cwd/<M>", O_RDWR): -ENOENT (K closed M).
 *  P_HFSCWDLINK  openat("/proc/self/cwd/<Y>", O_RDWR): opens K's Y (0).
 * A child K cloned with CLONE_FILES (the program's table) dup3()s F, a descriptor of
 * /proc/self/fd, over I, one of /proc/self/fdinfo, and exits; the program opens:
 *  P_FILESDUPZ   openat(I, "0<M>", O_RDWR): -ENOENT.
 *  P_HFILESDUP   openat(I, "<M>", O_RDWR): opens M (I is /proc/<P>/fd: do_dup2()) (0).
 * K1, cloned with CLONE_FS, closes its copy of W and chdir()s to /proc/self (the program's
 * working directory is /proc/<K1>); the program closes X and forks K2 (a copy of the fs):
 *  P_HFSK2       K2: openat(AT_FDCWD, "fd/X", O_RDWR): opens K1's X (0).
 *  P_FSK2GONE    K2: openat(AT_FDCWD, "fd/W", O_RDWR): -ENOENT (K1 closed W).
 * With -l, a thread T (CLONE_FS) outlives the leader, which exit()s in the working
 * directory /proc/<P>/fdinfo (exit_fs() clears its task->fs); T then:
 *  P_LEADGONE    openat("/proc/self/cwd/<M>", O_RDONLY): -ENOENT (proc_cwd_link() of the
 *                leader: no fs).
 *  P_LEADFD      openat("/proc/self/fd/<M>", O_RDWR): -ENOENT (the leader's task->files
 *                exit_files() cleared: proc_lookupfd_common() finds no table).
 *  P_LEADINFO    openat("/proc/self/fdinfo/<M>", O_RDONLY): -ENOENT.
 *  P_HLEADTS     openat("/proc/thread-self/fd/<M>", O_RDWR): opens M (T's own table) (0);
 *                T then ends the program.
 * With -u, -r or -c, a call that moves no root and no mount: unshare(CLONE_FS) (a copy of
 * the same fs_struct), renameat2() of the program's own file in /tmp, chroot("/") (the
 * root it had), then:
 *  (markers P_UNSHAREAT, P_RENAMEAT, P_CHROOTAT before the call)
 *  P_UNSHAREROOT, P_RENAMEROOT, P_CHROOTROOT
 *                openat("/proc/self/root/proc/0<P>/fd/M", O_RDWR): -ENOENT.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r68.py.  Only the digest of the secret is ever printed.
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
#define P_TASKCWDZ 7900
#define P_PIDTASKROOT 7902
#define P_ROOTDOT 7904
#define P_FDSLASH 7906
#define P_RNOMAGIC 7908
#define P_RBENEATH 7910
#define P_RINROOTFD 7912
#define P_RNOSYM 7914
#define P_LONGNAME 7916
#define P_DUP3Z 7918
#define P_REOPENZ 7920
#define P_FSCHILDGONE 7922
#define P_HTASKCWD 7924
#define P_HPIDTASKROOT 7926
#define P_HROOTDOT 7928
#define P_HRNOMAGIC 7930
#define P_HRINROOTINFO 7932
#define P_HLONGNAME 7934
#define P_HDUP3 7936
#define P_HREOPEN 7938
#define P_HFSCHILDNEW 7940
#define P_HFDSLASHDIR 7942
#define P_UNSHAREROOT 7944
#define P_RENAMEROOT 7946
#define P_CHROOTROOT 7948
#define P_UNSHAREAT 7950
#define P_RENAMEAT 7952
#define P_CHROOTAT 7954
#define P_LOOPS 7956
#define P_HLOOPS 7958
#define P_RTUP 7960
#define P_HRTUP 7962
#define P_ROOTUP 7964
#define P_NOFOLLOW 7966
#define P_FDDOT 7968
#define P_FCHROOTREL 7970
#define P_HFCHROOTREL 7972
#define P_PIDCWDZ 7974
#define P_TASKROOTZ 7976
#define P_FSCWDLINK 7978
#define P_HFSCWDLINK 7980
#define P_FILESDUPZ 7982
#define P_HFILESDUP 7984
#define P_LEADGONE 7986
#define P_LEADFD 7988
#define P_LEADINFO 7990
#define P_HLEADTS 7992
#define P_HFSK2 7994
#define P_FSK2GONE 7996
#define P_RINROOTABS 7998
#define P_RNOXDEV 8000
#define P_HRNOXDEV 8002
#define P_RCACHED 8004
#define P_RBADBIT 8006
#define P_RSMALL 8008
#define P_HRPLAIN 8010
#define P_HRBIG 8012
#define P_RBIGTAIL 8014

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r68"
#include "secret_rules_kit.h"

/* two pages of their own: a name of PATH_MAX bytes and its NUL */
static char namebuf[2 * PAGE] __attribute__((aligned(4096)));

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

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#define RESOLVE_CACHED 0x20
static uint64_t how[4];

static void step2s(int phase, long dir, long flags, long resolve, long want, long m,
                   long size)
{
    how[0] = (uint64_t)flags;
    how[1] = 0;
    how[2] = (uint64_t)resolve;
    marker(phase, m, dir, 0, 0);
    long r = sc(SYS_openat2, dir, (long)namebuf, (long)how, size);
    log_label(phase, want ? open_index(r, want) : ok_index(r));
}

static void step2(int phase, long dir, long flags, long resolve, long want, long m)
{
    step2s(phase, dir, flags, resolve, want, m, sizeof how);
}

/* namebuf = "/proc/self/fdinfo/" + "./" * k + (zero ? "0" : "") + dec(m): `len` bytes */
static void long_name(long len, int zero, long m)
{
    char tail[24];
    char *e = tail;
    if (zero)
        *e++ = '0';
    e = dec(e, m);
    long tl = e - tail;
    const char *a = "/proc/self/fdinfo/";
    long n = (long)strlen(a);
    memcpy(namebuf, a, n);
    long fill = len - n - tl;
    if (fill & 1) {                /* (an odd fill: one "/" doubled) */
        namebuf[n++] = '/';
        fill--;
    }
    for (long i = 0; i < fill; i += 2) {
        namebuf[n + i] = '.';
        namebuf[n + i + 1] = '/';
    }
    n += fill;
    memcpy(namebuf + n, tail, tl);
    namebuf[n + tl] = 0;
}

static void link_steps(void)
{
    long m = memfd_of('n', 10, 0);
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    if (m < 0 || d < 0 || here < 0)
        return;
    long me = sc(SYS_gettid, 0, 0, 0, 0);
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    if (sc(SYS_chdir, (long)"/proc/self/fdinfo", 0, 0, 0) == 0) {
        name5("/proc/self/task/", me, "/cwd/0", m, "");
        step(P_TASKCWDZ, AT_FDCWD, O_RDONLY, -ENOENT, m);
        name5("/proc/self/task/", me, "/cwd/", m, "");
        step(P_HTASKCWD, AT_FDCWD, O_RDONLY, 0, m);
    }
    sc(SYS_fchdir, here, 0, 0, 0);
    static char pre[PAGE];
    name5("/proc/", pid, "/task/", me, "/root/proc/0");
    name5(strcpy(pre, namebuf), pid, "/fd/", m, "");
    step(P_PIDTASKROOT, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/proc/", pid, "/task/", me, "/root/proc/");
    name5(strcpy(pre, namebuf), pid, "/fd/", m, "");
    step(P_HPIDTASKROOT, AT_FDCWD, O_RDWR, 0, m);
    name5("/proc/self/root/./proc//0", pid, "/fd/", m, "");
    step(P_ROOTDOT, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/proc/self/root/./proc//", pid, "/fd/", m, "");
    step(P_HROOTDOT, AT_FDCWD, O_RDWR, 0, m);
    name5("/proc/self/fd/", m, "/", -1, "");
    step(P_FDSLASH, AT_FDCWD, O_RDWR, -ENOTDIR, m);
    name5("/proc/self/fd/", d, "/", -1, "");
    step(P_HFDSLASHDIR, AT_FDCWD, O_RDONLY | O_DIRECTORY, 0, m);
    long_name(PAGE, 0, m);
    step(P_LONGNAME, AT_FDCWD, O_RDONLY, -ENAMETOOLONG, m);
    long_name(PAGE - 1, 0, m);
    step(P_HLONGNAME, AT_FDCWD, O_RDONLY, 0, m);
    /* a dirfd changed under its number */
    long i = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fdinfo", O_RDONLY | O_DIRECTORY, 0);
    if (i >= 0 && sc(SYS_dup3, d, i, 0, 0) == i) {
        name5("0", m, "", -1, "");
        step(P_DUP3Z, i, O_RDWR, -ENOENT, m);
        name5("", m, "", -1, "");
        step(P_HDUP3, i, O_RDWR, 0, m);
    }
    if (i >= 0) {
        sc(SYS_close, i, 0, 0, 0);
        long j = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fdinfo", O_RDONLY | O_DIRECTORY, 0);
        if (j >= 0) {
            name5("0", m, "", -1, "");
            step(P_REOPENZ, j, O_RDONLY, -ENOENT, m);
            name5("", m, "", -1, "");
            step(P_HREOPEN, j, O_RDONLY, 0, m);
            sc(SYS_close, j, 0, 0, 0);
        }
    }
    sc(SYS_close, here, 0, 0, 0);
    sc(SYS_close, d, 0, 0, 0);
    sc(SYS_close, m, 0, 0, 0);
}

static void how_steps(void)
{
    long m = memfd_of('h', 10, 0);
    long f = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    long i = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fdinfo", O_RDONLY | O_DIRECTORY, 0);
    long rt = sc(SYS_openat, AT_FDCWD, (long)"/", O_RDONLY | O_DIRECTORY, 0);
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    if (m < 0 || f < 0 || i < 0 || rt < 0)
        return;
    name5("/proc/self/fd/", m, "", -1, "");
    step2(P_RNOMAGIC, AT_FDCWD, O_RDWR, RESOLVE_NO_MAGICLINKS, -ELOOP, m);
    name5("/proc/self/fdinfo/", m, "", -1, "");
    step2(P_HRNOMAGIC, AT_FDCWD, O_RDONLY, RESOLVE_NO_MAGICLINKS, 0, m);
    name5("/proc/self/fd/", m, "", -1, "");
    step2(P_HRPLAIN, AT_FDCWD, O_RDWR, 0, 0, m);
    how[3] = 0;
    step2s(P_HRBIG, AT_FDCWD, O_RDWR, 0, 0, m, 32);
    how[3] = 1;
    step2s(P_RBIGTAIL, AT_FDCWD, O_RDWR, 0, -E2BIG, m, 32);
    how[3] = 0;
    name5("proc/", pid, "/fd/", m, "");
    step2(P_RBENEATH, rt, O_RDWR, RESOLVE_BENEATH, -EXDEV, m);
    name5("/", m, "", -1, "");
    step2(P_RINROOTFD, f, O_RDWR, RESOLVE_IN_ROOT, -EXDEV, m);
    name5("/", m, "", -1, "");
    step2(P_HRINROOTINFO, i, O_RDONLY, RESOLVE_IN_ROOT, 0, m);
    name5("/dev/fd/", m, "", -1, "");
    step2(P_RNOSYM, AT_FDCWD, O_RDWR, RESOLVE_NO_SYMLINKS, -ELOOP, m);
    name5("/proc/", pid, "/fd/", m, "");
    step2(P_RINROOTABS, rt, O_RDWR, RESOLVE_IN_ROOT, -EXDEV, m);
    name5("/proc/self/fd/", m, "", -1, "");
    step2(P_RNOXDEV, AT_FDCWD, O_RDWR, RESOLVE_NO_XDEV, -EXDEV, m);
    name5("", m, "", -1, "");
    step2(P_HRNOXDEV, i, O_RDONLY, RESOLVE_NO_XDEV, 0, m);
    name5("/proc/self/fd/", m, "", -1, "");
    step2(P_RCACHED, AT_FDCWD, O_RDWR | O_TRUNC, RESOLVE_CACHED, -EAGAIN, m);
    step2(P_RBADBIT, AT_FDCWD, O_RDWR, 0x40, -EINVAL, m);
    step2s(P_RSMALL, AT_FDCWD, O_RDWR, 0, -EINVAL, m, 16);
    long all[] = {m, f, i, rt};
    for (unsigned k = 0; k < sizeof all / sizeof all[0]; k++)
        sc(SYS_close, all[k], 0, 0, 0);
}

/* K shares the program's fs_struct (CLONE_FS without CLONE_THREAD): its chdir() is the
 * program's too (copy_fs() takes a reference, it does not copy). */
static void fs_child_steps(void)
{
    int go[2], done[2];
    static char c1;
    static long y;
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    long m = memfd_of('f', 10, 0);
    if (here < 0 || m < 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)done, 0, 0, 0) != 0)
        return;
    long k = sys6(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0, 0);
    if (k == 0) {
        /* Y: a number free in the program's table (K's is a copy) */
        y = memfd_of('y', 10, 0);
        sc(SYS_close, m, 0, 0, 0);
        long ok = sc(SYS_chdir, (long)"/proc/self/fd", 0, 0, 0) == 0 ? y : -1;
        sc(SYS_write, done[1], (long)&ok, sizeof ok, 0);
        sc(SYS_read, go[0], (long)&c1, 1, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (k > 0) {
        static long got;
        if (sc(SYS_read, done[0], (long)&got, sizeof got, 0) == sizeof got && got >= 0) {
            name5("", m, "", -1, "");
            step(P_FSCHILDGONE, AT_FDCWD, O_RDWR, -ENOENT, m);
            name5("", got, "", -1, "");
            step(P_HFSCHILDNEW, AT_FDCWD, O_RDWR, 0, m);
            name5("/proc/self/cwd/", m, "", -1, "");
            step(P_FSCWDLINK, AT_FDCWD, O_RDWR, -ENOENT, m);
            name5("/proc/self/cwd/", got, "", -1, "");
            step(P_HFSCWDLINK, AT_FDCWD, O_RDWR, 0, m);
        }
        sc(SYS_fchdir, here, 0, 0, 0);
        sc(SYS_write, go[1], (long)"g", 1, 0);
        sys6(SYS_wait4, k, 0, 0, 0, 0, 0);
    }
    long all[] = {here, m, go[0], go[1], done[0], done[1]};
    for (unsigned s = 0; s < sizeof all / sizeof all[0]; s++)
        sc(SYS_close, all[s], 0, 0, 0);
}


/* namebuf = "/proc/self/root" * n + "/proc/self/fd/" + dec(m) (2n + 2 links) */
static void root_chain(int n, long m)
{
    char *p = namebuf;
    for (int i = 0; i < n; i++) {
        memcpy(p, "/proc/self/root", 15);
        p += 15;
    }
    memcpy(p, "/proc/self/fd/", 14);
    fd_name(p + 14, m);
}

static void more_steps(void)
{
    long m = memfd_of('l', 10, 0);
    long rt = sc(SYS_openat, AT_FDCWD, (long)"/", O_RDONLY | O_DIRECTORY, 0);
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    if (m < 0 || rt < 0 || here < 0)
        return;
    root_chain(20, m);
    step(P_LOOPS, AT_FDCWD, O_RDWR, -ELOOP, m);
    root_chain(19, m);
    step(P_HLOOPS, AT_FDCWD, O_RDWR, 0, m);
    name5("/proc/self/fd/", rt, "/../proc/0", pid, "/fd/");
    dec(namebuf + strlen(namebuf), m);
    step(P_RTUP, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/proc/self/fd/", rt, "/../proc/", pid, "/fd/");
    dec(namebuf + strlen(namebuf), m);
    step(P_HRTUP, AT_FDCWD, O_RDWR, 0, m);
    name5("/proc/self/root/../proc/0", pid, "/fd/", m, "");
    step(P_ROOTUP, AT_FDCWD, O_RDWR, -ENOENT, m);
    name5("/proc/self/fd/", m, "", -1, "");
    step(P_NOFOLLOW, AT_FDCWD, O_RDWR | O_NOFOLLOW, -ELOOP, m);
    name5("/proc/self/fd/", m, "/.", -1, "");
    step(P_FDDOT, AT_FDCWD, O_RDWR, -ENOTDIR, m);
    if (sc(SYS_fchdir, rt, 0, 0, 0) == 0) {
        name5("proc/0", pid, "/fd/", m, "");
        step(P_FCHROOTREL, AT_FDCWD, O_RDWR, -ENOENT, m);
        name5("proc/", pid, "/fd/", m, "");
        step(P_HFCHROOTREL, AT_FDCWD, O_RDWR, 0, m);
    }
    sc(SYS_fchdir, here, 0, 0, 0);
    long all[] = {m, rt, here};
    for (unsigned k = 0; k < sizeof all / sizeof all[0]; k++)
        sc(SYS_close, all[k], 0, 0, 0);
}

/* K shares the program's descriptor table (CLONE_FILES without CLONE_THREAD): its dup3()
 * over I, a descriptor of /proc/self/fdinfo, is the program's too. */
static void files_child_steps(void)
{
    long m = memfd_of('c', 10, 0);
    long me = sc(SYS_gettid, 0, 0, 0, 0);
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    long f = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    long i = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fdinfo", O_RDONLY | O_DIRECTORY, 0);
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    if (m < 0 || f < 0 || i < 0 || here < 0)
        return;
    if (sc(SYS_chdir, (long)"/proc/self/fdinfo", 0, 0, 0) == 0) {
        name5("/proc/", pid, "/cwd/0", m, "");
        step(P_PIDCWDZ, AT_FDCWD, O_RDONLY, -ENOENT, m);
    }
    sc(SYS_fchdir, here, 0, 0, 0);
    name5("/proc/self/task/", me, "/root/proc/0", pid, "/fd/");
    dec(namebuf + strlen(namebuf), m);
    step(P_TASKROOTZ, AT_FDCWD, O_RDWR, -ENOENT, m);
    long k = sys6(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0, 0);
    if (k == 0) {
        sc(SYS_dup3, f, i, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (k > 0 && sys6(SYS_wait4, k, 0, 0, 0, 0, 0) == k) {
        name5("0", m, "", -1, "");
        step(P_FILESDUPZ, i, O_RDWR, -ENOENT, m);
        name5("", m, "", -1, "");
        step(P_HFILESDUP, i, O_RDWR, 0, m);
    }
    long all[] = {m, f, i, here};
    for (unsigned s = 0; s < sizeof all / sizeof all[0]; s++)
        sc(SYS_close, all[s], 0, 0, 0);
}

/* K1, cloned with CLONE_FS, chdir()s to /proc/self: the program's working directory is
 * /proc/<K1>.  The program closes X (K1 keeps it) and forks K2, whose working directory is
 * a copy of it (copy_fs()): K2's "fd/N" is K1's descriptor N. */
static void fs_fork_steps(void)
{
    int go[2], done[2];
    static char c1;
    long here = sc(SYS_openat, AT_FDCWD, (long)".", O_RDONLY | O_DIRECTORY, 0);
    long x = memfd_of('x', 10, 0);
    long z = memfd_of('z', 10, 0);
    long w = memfd_of('w', 10, 0);
    if (here < 0 || x < 0 || z < 0 || w < 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)done, 0, 0, 0) != 0)
        return;
    long k1 = sys6(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0, 0);
    if (k1 == 0) {
        sc(SYS_close, w, 0, 0, 0);
        long ok = sc(SYS_chdir, (long)"/proc/self", 0, 0, 0);
        sc(SYS_write, done[1], (long)&ok, sizeof ok, 0);
        sc(SYS_read, go[0], (long)&c1, 1, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    static long got = -1;
    if (k1 > 0 && sc(SYS_read, done[0], (long)&got, sizeof got, 0) == sizeof got &&
        got == 0) {
        sc(SYS_close, x, 0, 0, 0);
        long k2 = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (k2 == 0) {
            name5("fd/", x, "", -1, "");
            step(P_HFSK2, AT_FDCWD, O_RDWR, 0, z);
            name5("fd/", w, "", -1, "");
            step(P_FSK2GONE, AT_FDCWD, O_RDWR, -ENOENT, w);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        if (k2 > 0)
            sys6(SYS_wait4, k2, 0, 0, 0, 0, 0);
    }
    sc(SYS_fchdir, here, 0, 0, 0);
    if (k1 > 0) {
        sc(SYS_write, go[1], (long)"g", 1, 0);
        sys6(SYS_wait4, k1, 0, 0, 0, 0, 0);
    }
    long all[] = {here, x, z, w, go[0], go[1], done[0], done[1]};
    for (unsigned s = 0; s < sizeof all / sizeof all[0]; s++)
        sc(SYS_close, all[s], 0, 0, 0);
}

/* A call that changes no root and no mount (unshare(CLONE_FS): a copy of the same
 * fs_struct; renameat2() of the program's own file in /tmp; chroot("/"): the root it had),
 * then /proc/self/root/proc/0<P>/fd/M: -ENOENT (proc_root_link() -> /). */
static void moved_steps(int which)
{
    long m = memfd_of('u', 10, 0);
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    if (m < 0)
        return;
    int phase = P_UNSHAREROOT;
    marker(which == 'u' ? P_UNSHAREAT : which == 'r' ? P_RENAMEAT : P_CHROOTAT, 0, 0, 0, 0);
    if (which == 'u') {
        sc(SYS_unshare, CLONE_FS, 0, 0, 0);
    } else if (which == 'r') {
        static char a[64], b[64];
        name5("/tmp/r68-", pid, "-a", -1, "");
        strcpy(a, namebuf);
        name5("/tmp/r68-", pid, "-b", -1, "");
        strcpy(b, namebuf);
        long f = sc(SYS_openat, AT_FDCWD, (long)a, O_CREAT | O_WRONLY | O_TRUNC, 0600);
        if (f >= 0)
            sc(SYS_close, f, 0, 0, 0);
        sys6(SYS_renameat2, AT_FDCWD, (long)a, AT_FDCWD, (long)b, 0, 0);
        sc(SYS_unlinkat, AT_FDCWD, (long)b, 0, 0);
        phase = P_RENAMEROOT;
    } else {
        sc(SYS_chroot, (long)"/", 0, 0, 0);
        phase = P_CHROOTROOT;
    }
    name5("/proc/self/root/proc/0", pid, "/fd/", m, "");
    step(phase, AT_FDCWD, O_RDWR, -ENOENT, m);
    sc(SYS_close, m, 0, 0, 0);
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

/* A thread T (CLONE_FS: the leader's fs_struct) outlives the thread group's leader, which
 * calls exit() in the working directory /proc/<P>/fdinfo: /proc/self/cwd names the leader,
 * whose task->fs exit_fs() cleared (proc_cwd_link(): -ENOENT).  T ends the program. */
#define FLAGS_THREAD (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
                      CLONE_SYSVSEM)
static uint8_t lstack[65536] __attribute__((aligned(16)));
static volatile int ltid, lead_tid;
static long lm;

static void leader_gone_thread(long unused)
{
    (void)unused;
    /* (the leader's clear_child_tid word; a bounded wait where it is never cleared) */
    for (int i = 0; i < 2000 && lead_tid != 0; i++)
        sc(SYS_sched_yield, 0, 0, 0, 0);
    for (int i = 0; i < 64; i++)
        sc(SYS_sched_yield, 0, 0, 0, 0);
    name5("/proc/self/cwd/", lm, "", -1, "");
    step(P_LEADGONE, AT_FDCWD, O_RDONLY, -ENOENT, lm);
    name5("/proc/self/fd/", lm, "", -1, "");
    step(P_LEADFD, AT_FDCWD, O_RDWR, -ENOENT, lm);
    name5("/proc/self/fdinfo/", lm, "", -1, "");
    step(P_LEADINFO, AT_FDCWD, O_RDONLY, -ENOENT, lm);
    name5("/proc/thread-self/fd/", lm, "", -1, "");
    step(P_HLEADTS, AT_FDCWD, O_RDWR, 0, lm);
    sys6(SYS_exit_group, finish(), 0, 0, 0, 0, 0);
}

static void leader_exit_steps(void)
{
    lm = memfd_of('g', 10, 0);
    lead_tid = (int)sc(SYS_gettid, 0, 0, 0, 0);
    if (lm < 0 || sc(SYS_chdir, (long)"/proc/self/fdinfo", 0, 0, 0) != 0)
        return;
    sc(SYS_set_tid_address, (long)&lead_tid, 0, 0, 0);
    if (spawn(FLAGS_THREAD, lstack + sizeof lstack, &ltid, &ltid, leader_gone_thread) <= 0)
        return;
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int moved = 0, leader_gone = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        leader_gone |= strcmp(argv[i], "-l") == 0;
        if (argv[i][0] == '-' && strchr("urc", argv[i][1]) && argv[i][1])
            moved = argv[i][1];
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

    sc(SYS_gettid, 0, 0, 0, 0);     /* (the main thread's id, told) */
    link_steps();
    how_steps();
    fs_child_steps();
    more_steps();
    files_child_steps();
    fs_fork_steps();
    if (moved)
        moved_steps(moved);

    if (leader_gone)
        leader_exit_steps();
    return finish();
}
