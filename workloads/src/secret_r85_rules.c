/* secret_r85_rules: the attack target of red-team round eighty-five (round 84's rules on
 * descriptors read from memory: the table's size from calls that grow it without holding
 * a number, control data Linux refuses before any look-up, openat2's other early errors).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  NEVER (77) is a number nothing opens.
 *
 * Calls Linux refuses (index 0 for its error, 1 another, -4 a success):
 *  P_DUP3GROW     pselect6(121, {120}, NULL, NULL, {0, 0}, NULL) once dup3(NEVER, 100, 0)
 *                 failed (-EBADF, but expand_files() ran first: 128 numbers): -EBADF (a
 *                 ready count with bit 120 kept: -4)
 *  P_RANGEGROW    pselect6(241, {240}, ...) once dup3(devnull, 200, 0) grew the table to
 *                 256 and close_range(200, 200, 0) closed it: -EBADF
 *  P_SCMSHORT     sendmsg(sv0, 1 byte, a cmsg of cmsg_len 8 in 24 control bytes): -EINVAL
 *  P_SCMTYPE      sendmsg(sv0, 1 byte, SOL_SOCKET cmsg of type 99): -EINVAL (under -t
 *                 alone: the kernel model sends it)
 *  P_SCMMANY      sendmsg(sv0, 1 byte, SCM_RIGHTS of 254 copies of devnull): -EINVAL
 *  P_BENEATHDOTDOT openat2(AT_FDCWD, "../x", {O_RDONLY, 0, RESOLVE_BENEATH}, 24): -EXDEV
 *  P_BENEATHINROOT openat2(AT_FDCWD, "x", {O_RDONLY, 0, BENEATH | IN_ROOT}, 24): -EINVAL
 *  P_STATXNULL0   statx(NEVER, NULL, 0, 0x7ff, buf): -EFAULT (getname(NULL))
 *  P_FSTATATNULLF newfstatat(NEVER, NULL, st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW): an
 *                 error (-EFAULT or -EBADF; index 0 for any)
 *  P_SELECTNEG    pselect6(-1, NULL, NULL, NULL, {0, 0}, NULL): -EINVAL
 *  P_HOWSMALL     openat2(AT_FDCWD, "/dev/null", how, 16): -EINVAL (usize below VER0)
 *  P_HOWBIG       openat2(AT_FDCWD, "/dev/null", how, 32), byte 24 nonzero: -E2BIG
 *  P_ATTACHNOTSOCK setsockopt(devnull, SOL_SOCKET, SO_ATTACH_BPF, &NEVER, 4): -ENOTSOCK
 *  P_CTLBIG       sendmsg(sv0, 1 byte, control 24 bytes said 1 MiB long): -ENOBUFS
 *  P_SCMNEG       sendmsg(sv0, 1 byte, SCM_RIGHTS {-1}): -EBADF
 *  P_CLONENEG     ioctl(devnull, FICLONERANGE, {-1, 0, 0, 0}): -EBADF
 *  P_ATTACHNEG    setsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF, &-1, 4): -EBADF
 *  P_SCMACCDUP    sendmsg(t, SCM_RIGHTS {NEVER}), t accept4()ed on fcntl(F_DUPFD)'s copy
 *                 of an AF_UNIX listener: -EBADF
 *  P_SCMSEQPKT    the same on an AF_UNIX SOCK_SEQPACKET listener's accepted socket
 *  P_FILESGROW    pselect6(291, {290}, ...) once a clone(CLONE_FILES) child dup3(devnull,
 *                 300)'d and closed 300 in the shared table (512 numbers) and exited:
 *                 -EBADF
 *  P_HOWFLAG      openat2(AT_FDCWD, "/dev/null", {O_RDONLY | 1 << 30, 0, 0}, 24): -EINVAL
 *  P_HOWMODE      openat2(AT_FDCWD, "/dev/null", {O_RDONLY, 0644, 0}, 24): -EINVAL
 *  P_HOWRESOLVE   openat2(AT_FDCWD, "/dev/null", {O_RDONLY, 0, 0x80}, 24): -EINVAL
 *  P_HOWHUGE      openat2(AT_FDCWD, "/dev/null", how, 65537): -E2BIG (usize > PAGE_SIZE)
 *  P_ATTACHNULL   setsockopt(sv0, SOL_SOCKET, SO_ATTACH_BPF, NULL, 4): -EFAULT
 * Calls Linux answers with a count (index 0 for it; another 1, -4 a lie named below):
 *  P_HMMSGSECOND  sendmmsg(sv0, {1 byte; 1 byte with SCM_RIGHTS {NEVER}}, 2, 0): 1 (the
 *                 first went; 2 indexes -4)
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r85.py.  Only the digest of the secret is ever printed.
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
#define P_DUP3GROW 14800
#define P_RANGEGROW 14802
#define P_SCMSHORT 14804
#define P_SCMTYPE 14806
#define P_SCMMANY 14808
#define P_BENEATHDOTDOT 14810
#define P_BENEATHINROOT 14812
#define P_STATXNULL0 14814
#define P_FSTATATNULLF 14816
#define P_SELECTNEG 14818
#define P_HOWSMALL 14820
#define P_HOWBIG 14822
#define P_ATTACHNOTSOCK 14824
#define P_CTLBIG 14826
#define P_SCMNEG 14828
#define P_CLONENEG 14830
#define P_ATTACHNEG 14832
#define P_SCMACCDUP 14834
#define P_SCMSEQPKT 14836
#define P_FILESGROW 14838
#define P_HOWFLAG 14840
#define P_HOWMODE 14842
#define P_HOWRESOLVE 14844
#define P_HOWHUGE 14846
#define P_ATTACHNULL 14848
#define P_HMMSGSECOND 14880
#define CHILDFD 300      /* a CLONE_FILES child's dup3() grows the shared table to 512 */
#define SELCHILD 290
#define FICLONERANGE_CMD 0x4020940DL   /* _IOW(0x94, 13, struct file_clone_range) */
#define NEVER 77
#define GROWFD 100       /* dup3(NEVER, 100) fails after expand_files(): 128 numbers */
#define SELGROW 120
#define RANGEFD 200      /* dup3(devnull, 200) grows the table to 256 */
#define SELRANGE 240
#define NMANY 254        /* SCM_MAX_FD + 1 */

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r85"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static int show_digest, with_type;

/* pselect6(bit + 1, {bit}) with a zero timeout: -EBADF index 0, a ready count with the
 * bit kept -4, anything else 1 */
static void select_step(int phase, long m, int p, int bit)
{
    static uint64_t fds[8];
    static long zero[2];
    memset(fds, 0, sizeof fds);
    fds[bit / 64] = 1ul << (bit % 64);
    marker(phase, m, p, 0, 0);
    long r = p ? sys6(SYS_pselect6, bit + 1, (long)fds, 0, 0, (long)zero, 0) : -1;
    log_label(phase, r == -EBADF ? 0 : r > 0 && (fds[bit / 64] >> (bit % 64)) & 1 ? -4 : 1);
}

static void table_steps(long m)
{
    /* ksys_dup3(): expand_files(files, newfd) before files_lookup_fd_locked(oldfd) */
    long g = sc(SYS_dup3, NEVER, GROWFD, 0, 0);
    select_step(P_DUP3GROW, m, g == -EBADF, SELGROW);
    /* close_range() frees the number; the table keeps its size */
    long h = sc(SYS_dup3, devnull, RANGEFD, 0, 0);
    int okr = h == RANGEFD && sc(SYS_close_range, RANGEFD, RANGEFD, 0, 0) == 0;
    select_step(P_RANGEGROW, m, okr, SELRANGE);
    /* a CLONE_FILES child grows the table it shares with the caller, then exits */
    long child = sys6(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0, 0);
    if (child == 0) {
        long c = sc(SYS_dup3, devnull, CHILDFD, 0, 0);
        if (c >= 0)
            sc(SYS_close, c, 0, 0, 0);
        sc(SYS_exit_group, c == CHILDFD ? 0 : 1, 0, 0, 0);
    }
    int status = -1;
    int okc = child > 0 && sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0) == child
        && status == 0;
    select_step(P_FILESGROW, m, okc, SELCHILD);
}

static struct { long base, len; } iov;
static char one = 'x';
static struct { long name; int namelen, pad0; long iov, iovlen, control, controllen;
                int flags, pad1; } msg;
static uint8_t control[16 + 4 * NMANY + 8] __attribute__((aligned(8)));

static void put_cmsg(int off, uint64_t len, int level, int type)
{
    memcpy(control + off, &len, 8);
    memcpy(control + off + 8, &level, 4);
    memcpy(control + off + 12, &type, 4);
}

static void set_msg(long controllen)
{
    iov.base = (long)&one;
    iov.len = 1;
    msg.iov = (long)&iov;
    msg.iovlen = 1;
    msg.control = controllen ? (long)control : 0;
    msg.controllen = controllen;
}

static void socket_steps(long m)
{
    int sv[2] = {-1, -1};
    int oks = sc(SYS_socketpair, 1, 1, 0, (long)sv) == 0;   /* AF_UNIX, SOCK_STREAM */
    int fd = NEVER;
    /* __scm_send(): !CMSG_OK() -> -EINVAL (cmsg_len below sizeof(struct cmsghdr)) */
    memset(control, 0, sizeof control);
    put_cmsg(0, 8, 1, 1);
    memcpy(control + 16, &fd, 4);
    set_msg(24);
    refused(P_SCMSHORT, m, oks, SYS_sendmsg, sv[0], (long)&msg, 0, 0, -EINVAL);
    /* __scm_send(): a SOL_SOCKET type neither SCM_RIGHTS nor SCM_CREDENTIALS (under -t:
     * the kernel model sends it) */
    memset(control, 0, sizeof control);
    put_cmsg(0, 20, 1, 99);
    memcpy(control + 16, &fd, 4);
    set_msg(24);
    refused(P_SCMTYPE, m, oks && with_type, SYS_sendmsg, sv[0], (long)&msg, 0, 0, -EINVAL);
    /* scm_fp_copy(): num > SCM_MAX_FD (253) -> -EINVAL before any fget() */
    memset(control, 0, sizeof control);
    put_cmsg(0, 16 + 4 * NMANY, 1, 1);
    for (int i = 0; i < NMANY; i++)
        memcpy(control + 16 + 4 * i, &devnull, 4);
    set_msg(16 + 4 * NMANY + 8);
    refused(P_SCMMANY, m, oks && devnull >= 0, SYS_sendmsg, sv[0], (long)&msg, 0, 0, -EINVAL);
    /* __sys_sendmmsg(): the first message went, the second's __scm_send() failed: 1 */
    static struct { uint8_t hdr[56]; unsigned len, pad; } mm[2];
    memset(mm, 0, sizeof mm);
    memset(control, 0, sizeof control);
    put_cmsg(0, 20, 1, 1);
    memcpy(control + 16, &fd, 4);
    set_msg(0);
    memcpy(mm[0].hdr, &msg, sizeof msg);
    set_msg(24);
    memcpy(mm[1].hdr, &msg, sizeof msg);
    marker(P_HMMSGSECOND, m, oks, 0, 0);
    long r = oks ? sc(SYS_sendmmsg, sv[0], (long)mm, 2, 0) : -1;
    log_label(P_HMMSGSECOND, r == 1 ? 0 : r == 2 ? -4 : 1);
    /* scm_fp_copy() -> fget(-1): no file */
    int neg = -1;
    memset(control, 0, sizeof control);
    put_cmsg(0, 20, 1, 1);
    memcpy(control + 16, &neg, 4);
    set_msg(24);
    refused(P_SCMNEG, m, oks, SYS_sendmsg, sv[0], (long)&msg, 0, 0, -EBADF);
    /* sk_attach_bpf() -> bpf_prog_get_type(-1) -> fdget(): no file */
    refused6(P_ATTACHNEG, m, oks, SYS_setsockopt, sv[0], 1, 50, (long)&neg, 4, 0, -EBADF);
    /* sk_setsockopt(): copy_from_sockptr() of a NULL optval */
    refused6(P_ATTACHNULL, m, oks, SYS_setsockopt, sv[0], 1, 50, 0, 4, 0, -EFAULT);
    /* ioctl_file_clone() -> fdget((unsigned int)-1): no file */
    static int64_t fcr[4] = {-1, 0, 0, 0};
    refused(P_CLONENEG, m, devnull >= 0, SYS_ioctl, devnull, FICLONERANGE_CMD, (long)fcr, 0,
            -EBADF);
    /* ____sys_sendmsg(): sock_kmalloc() of more than optmem_max fails: -ENOBUFS */
    /* (its control on a page with a hole after it: a kernel that copies 1 MiB faults
     * there instead of reading the program's other memory) */
    long pg = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    int okp = pg > 0 && sc(SYS_munmap, pg + PAGE, PAGE, 0, 0) == 0;
    if (okp) {
        uint8_t *c = (uint8_t *)pg + PAGE - 24;
        uint64_t l20 = 20;
        int one1 = 1;
        memcpy(c, &l20, 8);
        memcpy(c + 8, &one1, 4);
        memcpy(c + 12, &one1, 4);
        memcpy(c + 16, &fd, 4);
        set_msg(1L << 20);
        msg.control = (long)c;
    }
    refused(P_CTLBIG, m, oks && okp, SYS_sendmsg, sv[0], (long)&msg, 0, 0, -ENOBUFS);
    if (okp)
        sc(SYS_munmap, pg, PAGE, 0, 0);
    /* sockfd_lookup(): a file that is no socket */
    refused6(P_ATTACHNOTSOCK, m, devnull >= 0, SYS_setsockopt, devnull, 1, 50, (long)&fd, 4, 0,
             -ENOTSOCK);
    if (oks) {
        sc(SYS_close, sv[0], 0, 0, 0);
        sc(SYS_close, sv[1], 0, 0, 0);
    }
}

/* an AF_UNIX listener of `type` (accepted on fcntl(F_DUPFD)'s copy where dupl): sendmsg
 * of SCM_RIGHTS {NEVER} on the accepted socket, as any AF_UNIX socket's */
static void accept_step(int phase, long m, int type, int dupl, char tag)
{
    static struct { unsigned short family; char path[6]; } sa = {1, "\0r85a"};
    sa.path[4] = tag;
    long l = sc(SYS_socket, 1, type, 0, 0);
    long s = sc(SYS_socket, 1, type, 0, 0);
    int ok = l >= 0 && s >= 0 && sc(SYS_bind, l, (long)&sa, 7, 0) == 0
        && sc(SYS_listen, l, 1, 0, 0) == 0 && sc(SYS_connect, s, (long)&sa, 7, 0) == 0;
    long l2 = ok && dupl ? sc(SYS_fcntl, l, F_DUPFD, 40, 0) : l;
    long t = ok && l2 >= 0 ? sc(SYS_accept4, l2, 0, 0, 0) : -1;
    int fd = NEVER;
    memset(control, 0, sizeof control);
    put_cmsg(0, 20, 1, 1);
    memcpy(control + 16, &fd, 4);
    set_msg(24);
    refused(phase, m, t >= 0, SYS_sendmsg, t, (long)&msg, 0, 0, -EBADF);
    if (t >= 0)
        sc(SYS_close, t, 0, 0, 0);
    if (dupl && l2 >= 0)
        sc(SYS_close, l2, 0, 0, 0);
    if (s >= 0)
        sc(SYS_close, s, 0, 0, 0);
    if (l >= 0)
        sc(SYS_close, l, 0, 0, 0);
}

static void lookup_steps(long m)
{
    /* follow_dotdot(): ".." at nd->root under LOOKUP_BENEATH -> -EXDEV */
    static uint64_t how[3] = {O_RDONLY, 0, 0x08};   /* RESOLVE_BENEATH */
    marker(P_BENEATHDOTDOT, m, 1, 0, 0);
    log_label(P_BENEATHDOTDOT, open_index(sys6(SYS_openat2, AT_FDCWD, (long)"../x",
                                                   (long)how, 24, 0, 0), -EXDEV));
    /* build_open_flags(): RESOLVE_BENEATH with RESOLVE_IN_ROOT -> -EINVAL */
    static uint64_t how2[3] = {O_RDONLY, 0, 0x18};
    marker(P_BENEATHINROOT, m, 1, 0, 0);
    log_label(P_BENEATHINROOT, open_index(sys6(SYS_openat2, AT_FDCWD, (long)"x",
                                                   (long)how2, 24, 0, 0), -EINVAL));
    /* SYSCALL_DEFINE4(openat2): usize < OPEN_HOW_SIZE_VER0; copy_struct_from_user() */
    static uint64_t how3[4] = {O_RDONLY, 0, 0, 1};
    marker(P_HOWSMALL, m, 1, 0, 0);
    log_label(P_HOWSMALL, open_index(sys6(SYS_openat2, AT_FDCWD, (long)"/dev/null",
                                              (long)how3, 16, 0, 0), -EINVAL));
    marker(P_HOWBIG, m, 1, 0, 0);
    log_label(P_HOWBIG, open_index(sys6(SYS_openat2, AT_FDCWD, (long)"/dev/null",
                                            (long)how3, 32, 0, 0), -E2BIG));
    /* build_open_flags(): an unknown flag, a mode without O_CREAT, an unknown resolve bit */
    static uint64_t hows[3][3] = {{O_RDONLY | 1L << 30, 0, 0}, {O_RDONLY, 0644, 0},
                                  {O_RDONLY, 0, 0x80}};
    static const int hphase[3] = {P_HOWFLAG, P_HOWMODE, P_HOWRESOLVE};
    for (int i = 0; i < 3; i++) {
        marker(hphase[i], m, 1, 0, 0);
        log_label(hphase[i], open_index(sys6(SYS_openat2, AT_FDCWD, (long)"/dev/null",
                                                 (long)hows[i], 24, 0, 0), -EINVAL));
    }
    /* SYSCALL_DEFINE4(openat2): usize > PAGE_SIZE (64 KiB pages included) */
    marker(P_HOWHUGE, m, 1, 0, 0);
    log_label(P_HOWHUGE, open_index(sys6(SYS_openat2, AT_FDCWD, (long)"/dev/null",
                                             (long)how3, 65537, 0, 0), -E2BIG));
    /* core_sys_select(): n < 0 */
    static long zero[2];
    refused6(P_SELECTNEG, m, 1, SYS_pselect6, -1, 0, 0, 0, (long)zero, 0, -EINVAL);
    /* getname(NULL) without AT_EMPTY_PATH: -EFAULT on every version */
    static uint64_t stx[32];
    refused6(P_STATXNULL0, m, 1, SYS_statx, NEVER, 0, 0, 0x7ff, (long)stx, 0, -EFAULT);
    /* AT_EMPTY_PATH with another flag: -EFAULT (6.1..6.10) or -EBADF: an error */
    refused(P_FSTATATNULLF, m, 1, SYS_newfstatat, NEVER, 0, (long)stx, 0x1100, 0);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        with_type |= strcmp(argv[i], "-t") == 0;
    }
    volatile uint8_t stackbuf[64];

    if (!rules_start(stackbuf))
        return 1;

    sc(SYS_gettid, 0, 0, 0, 0);
    long m = memfd_of('l', 10, 0);
    if (m >= 0) {
        table_steps(m);
        socket_steps(m);
        lookup_steps(m);
        accept_step(P_SCMACCDUP, m, 1, 1, 'd');
        accept_step(P_SCMSEQPKT, m, 5, 0, 'q');    /* SOCK_SEQPACKET */
    }
    return finish(show_digest);
}
