/* secret_r84_rules: the attack target of red-team round eighty-four (descriptor numbers
 * read from memory past round 83's bounds, calls Linux answers before or without a
 * look-up, kcmp of exited fork children and of a CLONE_FILES child that unshared).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  NEVER (77) is a number nothing opens.
 *
 * Calls Linux refuses (index 0 for its error, 1 another, -4 a success):
 *  P_SELECTHIGH   pselect6(121, {120}, NULL, NULL, {0, 0}, NULL) once dup3(devnull, 100)
 *                 grew the table to 128 (closed again): -EBADF (a ready count with bit
 *                 120 kept: -4)
 *  P_POLLMANY     ppoll() of 300 entries, 0..298 fd -1, 299 NEVER: 1, entry 299 POLLNVAL
 *                 (index 0; POLLIN -4)
 *  P_SCMBIG       sendmsg(sv0, SCM_RIGHTS {NEVER} first in 1032 control bytes): -EBADF
 *  P_SENDMMSG     sendmmsg(sv0, {one message with SCM_RIGHTS {NEVER}}, 1, 0): -EBADF
 *  P_REUSEBPF     setsockopt(sv0, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &NEVER, 4): -EBADF
 *  P_CLONERANGE   ioctl(devnull, FICLONERANGE, {NEVER, 0, 0, 0}): -EBADF
 *  P_UTIMEUNREAD  utimensat(NEVER, "x", times, 0), times two zero timespecs on a page the
 *                 program never touched: -EBADF
 *  P_TEEFLAGS     tee(NEVER, NEVER + 1, 0, 0x100): -EINVAL (the flags test comes first)
 *  P_SCMSECOND    sendmsg(sv0, a level-0 cmsg, then SCM_RIGHTS {NEVER}): -EBADF
 *  P_BENEATHABS   openat2(AT_FDCWD, "/dev/null", {O_RDONLY, 0, RESOLVE_BENEATH}, 24): -EXDEV
 *  P_DUP3SAME     dup3(devnull, devnull, 0): -EINVAL
 * Calls Linux answers with an order, never 0 (index 0; an error 1, 0 -4):
 *  P_FILESZOMBIE  kcmp(pid, z, KCMP_FILES, 0, 0), z an exited fork child not reaped
 *  P_VMZOMBIE     kcmp(pid, z, KCMP_VM, 0, 0) of it
 *  P_FILESLZ      kcmp(c, z, KCMP_FILES, 0, 0), c a living fork child
 *  P_FILESUNSHARE kcmp(pid, cf, KCMP_FILES, 0, 0), cf a clone(CLONE_FILES) child that
 *                 unshare(CLONE_FILES)'d
 *  P_FSFORK       kcmp(pid, c, KCMP_FS, 0, 0) of a living fork child
 *  P_FSUNSHARE    kcmp(pid, cs, KCMP_FS, 0, 0), cs a clone(CLONE_FS) child that
 *                 unshare(CLONE_FS)'d
 *  P_FILESCALLER  kcmp(pid, cf, KCMP_FILES, 0, 0), cf a clone(CLONE_FILES) child, once
 *                 the caller unshare(CLONE_FILES)'d (the last step)
 *  P_STATXNULL   statx(NEVER, NULL, AT_EMPTY_PATH, 0x7ff, buf): -EBADF (6.11+; -EFAULT
 *                 before: any error is index 0)
 *  P_FSTATATNULL newfstatat(NEVER, NULL, st, AT_EMPTY_PATH): the same
 *  P_VMTWOCH     kcmp(c1, c2, KCMP_VM, 0, 0) of two living fork children (an order)
 *  P_SELECTCLAMP pselect6(71, {70}, NULL, NULL, {0, 0}, NULL) while the table holds 64
 *                 numbers: 0, bit 70 left as set (-EBADF where the launch grew the
 *                 table: index 0 either; a ready count with it -4)
 *  P_ATTACHLEN   setsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF, &{NEVER, 0}, 8): -EINVAL
 *  P_FILESZREV   kcmp(z, pid, KCMP_FILES, 0, 0): the exited child's pid first (an order)
 *  P_SCMACCEPT   sendmsg(t, SCM_RIGHTS {NEVER}), t an AF_UNIX socket accept4() gave
 *                 (abstract name): -EBADF (index 0 for it, as in the first list)
 * Calls Linux answers 0 (index 0; 1 otherwise):
 *  P_HFILESZZ     kcmp(z, z2, KCMP_FILES, 0, 0) of two exited fork children (both NULL)
 *  P_HVMZZ        kcmp(z, z2, KCMP_VM, 0, 0) of them
 *  P_HSPLICEFLAGS splice(NEVER, NULL, NEVER + 1, NULL, 0, 0x100) (under -s): 0
 *  P_HUTIMEFLAGS  utimensat(NEVER, "x", {UTIME_OMIT, UTIME_OMIT}, 0x55) (under -u): 0
 *  P_HIOFORK      kcmp(pid, c, KCMP_IO, 0, 0) of a living fork child (no io_context on
 *                 either side: copy_io() copies nothing)
 *  P_HFSSHARED    kcmp(pid, cs, KCMP_FS, 0, 0) of a living clone(CLONE_FS) child
 *  P_HZSELF       kcmp(z, z, KCMP_FILES, 0, 0) of one exited fork child
 *  P_HSEMZ        kcmp(pid, z, KCMP_SYSVSEM, 0, 0): neither has an undo list
 *  P_HIOZ         kcmp(pid, z, KCMP_IO, 0, 0): neither has an io_context
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r84.py.  Only the digest of the secret is ever printed.
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
#define P_SELECTHIGH 14200
#define P_POLLMANY 14202
#define P_SCMBIG 14204
#define P_SENDMMSG 14206
#define P_REUSEBPF 14208
#define P_CLONERANGE 14210
#define P_UTIMEUNREAD 14212
#define P_TEEFLAGS 14214
#define P_SCMSECOND 14216
#define P_BENEATHABS 14218
#define P_DUP3SAME 14220
#define P_FILESZOMBIE 14222
#define P_VMZOMBIE 14224
#define P_FILESLZ 14226
#define P_FILESUNSHARE 14228
#define P_FSFORK 14230
#define P_FSUNSHARE 14232
#define P_FILESCALLER 14234
#define P_SCMACCEPT 14236
#define P_STATXNULL 14238
#define P_FSTATATNULL 14240
#define P_VMTWOCH 14242
#define P_SELECTCLAMP 14244
#define P_ATTACHLEN 14246
#define P_FILESZREV 14248
#define SELCLAMP 70      /* a bit past 64 while the table holds 64 numbers */
#define P_HFILESZZ 14280
#define P_HVMZZ 14282
#define P_HSPLICEFLAGS 14284
#define P_HUTIMEFLAGS 14286
#define P_HIOFORK 14288
#define P_HFSSHARED 14290
#define P_HZSELF 14292
#define P_HSEMZ 14294
#define P_HIOZ 14296
#define KCMP_SYSVSEM 6
#define KCMP_FS 3
#define KCMP_IO 5
#define NEVER 77
#define HIGHFD 100       /* dup3() here grows the table to 128 numbers */
#define SELHIGH 120      /* a number nothing opens, in select's second word */
#define NPOLL 300
#define KCMP_VM 1
#define KCMP_FILES 2
#define FICLONERANGE_CMD 0x4020940DL   /* _IOW(0x94, 13, struct file_clone_range) */

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r84"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static int show_digest, with_splice, with_omit;
/* a page nothing reads or writes but utimensat() (zero timespecs) */
static uint64_t untouched[2 * PAGE / 8] __attribute__((aligned(4096)));

static void kcmp_step(int phase, long m, long p, long a0, long a1, long a2, int same)
{
    marker(phase, m, p, 0, 0);
    long r = p ? sys6(SYS_kcmp, a0, a1, a2, 0, 0, 0) : -1;
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

/* a child of clone(flags) that unshare(unsh)s (unsh 0: none), tells the caller on a
 * pipe and waits on qq for a byte; its pid once it told, or -1 */
static long told_child(long flags, long unsh, int *qq)
{
    int ack[2] = {-1, -1};
    if (sc(SYS_pipe2, (long)ack, 0, 0, 0) != 0)
        return -1;
    if (sc(SYS_pipe2, (long)qq, 0, 0, 0) != 0)
        return -1;
    long child = sys6(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0, 0);
    if (child == 0) {
        char b = 'c';
        if (unsh)
            sc(SYS_unshare, unsh, 0, 0, 0);
        sc(SYS_write, ack[1], (long)&b, 1, 0);
        sc(SYS_read, qq[0], (long)&b, 1, 0);
        sc(SYS_exit_group, 0, 0, 0, 0);
    }
    char b = 0;
    if (child > 0 && sc(SYS_read, ack[0], (long)&b, 1, 0) != 1)
        child = -1;
    sc(SYS_close, ack[0], 0, 0, 0);
    sc(SYS_close, ack[1], 0, 0, 0);
    return child;
}

/* a byte releases a told child (its table may still hold qq[1]) */
static void release(long child, int *qq)
{
    char b = 'r';
    sc(SYS_write, qq[1], (long)&b, 1, 0);
    let_go(child, qq);
}

/* waitid(P_PID, child, WEXITED | WNOWAIT) reported it exited: 1 */
static int seen_exited(long child)
{
    static uint8_t info[128];
    return child > 0 && sys6(SYS_waitid, 1, child, (long)info, 4 | 0x01000000, 0, 0) == 0;
}

static struct { long base, len; } iov;
static char one = 'x';
static struct { long name; int namelen, pad0; long iov, iovlen, control, controllen;
                int flags, pad1; } msg;
static uint8_t control[1032] __attribute__((aligned(8)));

static void put_cmsg(int off, uint64_t len, int level, int type, int fd)
{
    memcpy(control + off, &len, 8);
    memcpy(control + off + 8, &level, 4);
    memcpy(control + off + 12, &type, 4);
    memcpy(control + off + 16, &fd, 4);
}

static void set_msg(long controllen)
{
    iov.base = (long)&one;
    iov.len = 1;
    msg.iov = (long)&iov;
    msg.iovlen = 1;
    msg.control = (long)control;
    msg.controllen = controllen;
}

static void memory_steps(long m)
{
    /* core_sys_select() clamps n to max_fds (64): bit 70 is neither judged nor written */
    static uint64_t cfds[2];
    static long zero0[2];
    cfds[0] = 0;
    cfds[1] = 1ul << (SELCLAMP - 64);
    marker(P_SELECTCLAMP, m, 1, 0, 0);
    long rc = sys6(SYS_pselect6, SELCLAMP + 1, (long)cfds, 0, 0, (long)zero0, 0);
    log_label(P_SELECTCLAMP, rc == 0 || rc == -EBADF ? 0 : rc > 0 && (cfds[1] >> (SELCLAMP - 64)) & 1 ? -4 : 1);
    /* the table grows past 64 numbers (alloc_fdtable(): 128) and never shrinks */
    long h = sc(SYS_dup3, devnull, HIGHFD, 0, 0);
    if (h >= 0)
        sc(SYS_close, h, 0, 0, 0);
    static uint64_t rfds[2];
    static long zero[2];
    rfds[0] = 0;
    rfds[1] = 1ul << (SELHIGH - 64);
    marker(P_SELECTHIGH, m, h >= 0, 0, 0);
    long r = h >= 0 ? sys6(SYS_pselect6, SELHIGH + 1, (long)rfds, 0, 0, (long)zero, 0) : -1;
    log_label(P_SELECTHIGH, r == -EBADF ? 0 : r > 0 && (rfds[1] >> (SELHIGH - 64)) & 1 ? -4 : 1);
    /* do_sys_poll(): every entry is judged, every revents written back */
    static struct { int fd; short events, revents; } pfd[NPOLL];
    for (int i = 0; i < NPOLL; i++) {
        pfd[i].fd = i == NPOLL - 1 ? NEVER : -1;
        pfd[i].events = 1;
        pfd[i].revents = 0;
    }
    marker(P_POLLMANY, m, 1, 0, 0);
    r = sys6(SYS_ppoll, (long)pfd, NPOLL, (long)zero, 0, 8, 0);
    short rv = pfd[NPOLL - 1].revents;
    log_label(P_POLLMANY, r == 1 && rv == 0x20 ? 0 : r >= 1 && (rv & 1) ? -4 : 1);
    int sv[2] = {-1, -1};
    int oks = sc(SYS_socketpair, 1, 1, 0, (long)sv) == 0;   /* AF_UNIX, SOCK_STREAM */
    /* __scm_send(): the first cmsg's scm_fp_copy() fails before the rest is looked at */
    memset(control, 0, sizeof control);
    put_cmsg(0, 20, 1, 1, NEVER);
    put_cmsg(24, sizeof control - 24, 0, 0, 0);
    set_msg(sizeof control);
    refused(P_SCMBIG, m, oks, SYS_sendmsg, sv[0], (long)&msg, 0, 0, -EBADF);
    /* __sys_sendmmsg() -> ___sys_sendmsg(): the same __scm_send() */
    memset(control, 0, sizeof control);
    put_cmsg(0, 20, 1, 1, NEVER);
    set_msg(24);
    static struct { uint8_t hdr[56]; unsigned len, pad; } mm;
    memcpy(mm.hdr, &msg, sizeof msg);
    mm.len = 0;
    refused(P_SENDMMSG, m, oks, SYS_sendmmsg, sv[0], (long)&mm, 1, 0, -EBADF);
    /* a level other than SOL_SOCKET is skipped: the second cmsg's fget() */
    memset(control, 0, sizeof control);
    put_cmsg(0, 20, 0, 1, 0);
    put_cmsg(24, 20, 1, 1, NEVER);
    set_msg(48);
    refused(P_SCMSECOND, m, oks, SYS_sendmsg, sv[0], (long)&msg, 0, 0, -EBADF);
    /* sk_reuseport_attach_bpf() -> bpf_prog_get_type() -> fdget() */
    static int ufd = NEVER;
    refused6(P_REUSEBPF, m, oks, SYS_setsockopt, sv[0], 1, 52, (long)&ufd, 4, 0, -EBADF);
    /* sk_setsockopt(): SO_ATTACH_BPF takes optlen == sizeof(u32) alone */
    static int ufd8[2] = {NEVER, 0};
    refused6(P_ATTACHLEN, m, oks, SYS_setsockopt, sv[0], 1, 50, (long)ufd8, 8, 0, -EINVAL);
    if (oks) {
        sc(SYS_close, sv[0], 0, 0, 0);
        sc(SYS_close, sv[1], 0, 0, 0);
    }
    /* ioctl_file_clone_range() -> ioctl_file_clone() -> fdget(src_fd) */
    static int64_t fcr[4] = {NEVER, 0, 0, 0};
    refused(P_CLONERANGE, m, devnull >= 0, SYS_ioctl, devnull, FICLONERANGE_CMD, (long)fcr, 0,
            -EBADF);
}

static void lookup_steps(long m)
{
    /* two zero timespecs: do_utimes() -> user_path_at(NEVER, "x"): fdget_raw() */
    refused(P_UTIMEUNREAD, m, 1, SYS_utimensat, NEVER, (long)"x", (long)(untouched + PAGE / 8),
            0, -EBADF);
    /* SYSCALL_DEFINE4(tee): the flags test before `if (!len) return 0` */
    refused(P_TEEFLAGS, m, 1, SYS_tee, NEVER, NEVER + 1, 0, 0x100, -EINVAL);
    /* SYSCALL_DEFINE6(splice): `if (!len) return 0` before the flags test */
    marker(P_HSPLICEFLAGS, m, with_splice, 0, 0);
    long r = with_splice ? sys6(SYS_splice, NEVER, 0, NEVER + 1, 0, 0, 0x100) : 1;
    log_label(P_HSPLICEFLAGS, r == 0 ? 0 : 1);
    /* both UTIME_OMIT: 0 before do_utimes() tests the flags */
    static long omit[4] = {0, (1L << 30) - 2, 0, (1L << 30) - 2};
    ok_step(P_HUTIMEFLAGS, m, with_omit, SYS_utimensat, NEVER, (long)"x", (long)omit, 0x55);
    /* a NULL name under AT_EMPTY_PATH (6.11+: vfs_empty_path() -> vfs_fstat(dfd)) */
    static uint64_t stx[32];
    refused6(P_STATXNULL, m, 1, SYS_statx, NEVER, 0, 0x1000, 0x7ff, (long)stx, 0, 0);
    refused(P_FSTATATNULL, m, 1, SYS_newfstatat, NEVER, 0, (long)stx, 0x1000, 0);
    /* nd_jump_root(): LOOKUP_BENEATH refuses an absolute name */
    static uint64_t how[3] = {O_RDONLY, 0, 0x08};   /* RESOLVE_BENEATH */
    marker(P_BENEATHABS, m, 1, 0, 0);
    log_label(P_BENEATHABS, open_index(sys6(SYS_openat2, AT_FDCWD, (long)"/dev/null",
                                                (long)how, 24, 0, 0), -EXDEV));
    /* ksys_dup3(): oldfd == newfd */
    refused(P_DUP3SAME, m, devnull >= 0, SYS_dup3, devnull, devnull, 0, 0, -EINVAL);
}

static void child_steps(long m, long pid)
{
    /* exited fork children: exit_files() and exit_mm() left NULL */
    long z = held_child(0, 0);
    int okz = seen_exited(z);
    long z2 = held_child(0, 0);
    int okz2 = okz && seen_exited(z2);
    kcmp_step(P_FILESZOMBIE, m, okz, pid, z, KCMP_FILES, 0);
    kcmp_step(P_VMZOMBIE, m, okz, pid, z, KCMP_VM, 0);
    kcmp_step(P_FILESZREV, m, okz, z, pid, KCMP_FILES, 0);
    kcmp_step(P_HFILESZZ, m, okz2, z, z2, KCMP_FILES, 1);
    kcmp_step(P_HVMZZ, m, okz2, z, z2, KCMP_VM, 1);
    kcmp_step(P_HZSELF, m, okz, z, z, KCMP_FILES, 1);
    kcmp_step(P_HSEMZ, m, okz, pid, z, KCMP_SYSVSEM, 1);
    kcmp_step(P_HIOZ, m, okz, pid, z, KCMP_IO, 1);
    int qq[2] = {-1, -1}, q2[2] = {-1, -1};
    long c = held_child(0, qq);
    long c2 = c > 0 ? held_child(0, q2) : -1;
    kcmp_step(P_VMTWOCH, m, c2 > 0, c, c2, KCMP_VM, 0);
    if (c2 > 0)
        let_go(c2, q2);
    if (c > 0)
        let_go(c, qq);
    c = okz ? held_child(0, qq) : -1;
    kcmp_step(P_FILESLZ, m, c > 0, c, z, KCMP_FILES, 0);
    if (c > 0)
        let_go(c, qq);
    if (z2 > 0)
        sys6(SYS_wait4, z2, 0, 0, 0, 0, 0);
    if (z > 0)
        sys6(SYS_wait4, z, 0, 0, 0, 0, 0);
    /* a CLONE_FILES child that unshare(CLONE_FILES)'d: a table of its own */
    long cf = told_child(CLONE_FILES, CLONE_FILES, qq);
    kcmp_step(P_FILESUNSHARE, m, cf > 0, pid, cf, KCMP_FILES, 0);
    if (cf > 0)
        release(cf, qq);
    /* a fork child: copy_fs() -> copy_fs_struct(); copy_io() copies no io_context */
    c = told_child(0, 0, qq);
    kcmp_step(P_FSFORK, m, c > 0, pid, c, KCMP_FS, 0);
    kcmp_step(P_HIOFORK, m, c > 0, pid, c, KCMP_IO, 1);
    if (c > 0)
        release(c, qq);
    /* CLONE_FS shares the fs_struct; unshare_fs() gives the child its own */
    c = told_child(CLONE_FS, 0, qq);
    kcmp_step(P_HFSSHARED, m, c > 0, pid, c, KCMP_FS, 1);
    if (c > 0)
        release(c, qq);
    c = told_child(CLONE_FS, CLONE_FS, qq);
    kcmp_step(P_FSUNSHARE, m, c > 0, pid, c, KCMP_FS, 0);
    if (c > 0)
        release(c, qq);
}

/* an AF_UNIX socket accept4() gave: __scm_send() as for any */
static void accept_step(long m)
{
    static struct { unsigned short family; char path[6]; } sa = {1, "\0r84a"};
    long l = sc(SYS_socket, 1, 1, 0, 0);
    long s = sc(SYS_socket, 1, 1, 0, 0);
    int ok = l >= 0 && s >= 0 && sc(SYS_bind, l, (long)&sa, 7, 0) == 0
        && sc(SYS_listen, l, 1, 0, 0) == 0 && sc(SYS_connect, s, (long)&sa, 7, 0) == 0;
    long t = ok ? sc(SYS_accept4, l, 0, 0, 0) : -1;
    memset(control, 0, sizeof control);
    put_cmsg(0, 20, 1, 1, NEVER);
    set_msg(24);
    refused(P_SCMACCEPT, m, t >= 0, SYS_sendmsg, t, (long)&msg, 0, 0, -EBADF);
    if (t >= 0)
        sc(SYS_close, t, 0, 0, 0);
    if (s >= 0)
        sc(SYS_close, s, 0, 0, 0);
    if (l >= 0)
        sc(SYS_close, l, 0, 0, 0);
}

/* last: the caller unshare(CLONE_FILES)s while a CLONE_FILES child holds the old table */
static void last_step(long m, long pid)
{
    int qq[2] = {-1, -1};
    long cf = told_child(CLONE_FILES, 0, qq);
    if (cf > 0)
        sc(SYS_unshare, CLONE_FILES, 0, 0, 0);
    kcmp_step(P_FILESCALLER, m, cf > 0, pid, cf, KCMP_FILES, 0);
    if (cf > 0)
        release(cf, qq);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        with_splice |= strcmp(argv[i], "-s") == 0;
        with_omit |= strcmp(argv[i], "-u") == 0;
    }
    volatile uint8_t stackbuf[64];

    if (!rules_start(stackbuf))
        return 1;

    sc(SYS_gettid, 0, 0, 0, 0);
    long m = memfd_of('l', 10, 0);
    if (m >= 0) {
        long pid = sc(SYS_getpid, 0, 0, 0, 0);
        memory_steps(m);
        lookup_steps(m);
        child_steps(m, pid);
        accept_step(m);
        last_step(m, pid);
    }
    return finish(show_digest);
}
