/* secret_r62_rules: the attack target of red-team round sixty-two (the rules changed after
 * round 61, both ways: O_APPEND outputs of splice(), sendfile() and copy_file_range()
 * opened again by name (fd_modes.appends_throughout); a pidfd opened again by names the
 * reopen rule may not read as /proc/self/fd, or received through SCM_RIGHTS; O_DIRECT
 * opens of a pipe's end by names through /proc/self/fd/D, /proc/self/task/<tid>/fd and a
 * working directory of /proc/self/fd (return.fifo_direct); and honest answers near them).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 *  P_APSEND      sendfile(AP, S, &0, 8), AP an open of /proc/self/fd/M O_RDWR|O_APPEND
 *                (M a memfd), S a memfd of 100 bytes, is -EINVAL
 *                (do_splice_direct_actor(): an O_APPEND output).
 *  P_APSPLICE    splice(A's read end, NULL, AP, NULL, 8, 0) is -EINVAL (do_splice()).
 *  P_APCFR       copy_file_range(S, NULL, AP, NULL, 10, 0) is -EBADF
 *                (generic_file_rw_checks(): an O_APPEND output).
 *  P_ADSEND      sendfile(AD, S, &0, 8), AD an open of /dev/fd/M O_WRONLY|O_APPEND, is
 *                -EINVAL.
 *  P_AYSPLICE    splice(A's read end, NULL, AY, NULL, 8, 0), AY = openat(Y, "M",
 *                O_RDWR|O_APPEND), Y a directory opened as "/proc/self/fd/D/../fd", is
 *                -EINVAL.
 *  P_YPSPLICE    splice(YP, NULL, B's write end, NULL, 8, 0), YP = openat(Y, "P",
 *                O_RDONLY) of a pidfd P (P_YPOPEN announces the open), is -EINVAL
 *                (the pidfs file: do_splice_read(), no splice_read).
 *  P_TPSPLICE    the same of TP, an open of /proc/thread-self/fd/P (P_TPOPEN announces it).
 *  P_SCMSPLICE   the same of the pidfd received through SCM_RIGHTS on a socketpair (where
 *                the msghdr does not pass, of P itself).
 *  P_TASKDIRECT  openat("/proc/self/task/<tid>/fd/A", O_RDONLY|O_DIRECT), A a pipe's read
 *                end, is -EINVAL (do_dentry_open(): a FIFO has no FMODE_CAN_ODIRECT).
 *  P_XDIRECT     openat(X, "fd/A", O_RDONLY|O_DIRECT), X opened as "/proc/self/fd/D/..",
 *                is -EINVAL.
 *  P_CWDDIRECT   after fchdir(D), openat(AT_FDCWD, "A", O_RDONLY|O_DIRECT) is -EINVAL.
 *  P_SCMDIRECT   an open of /proc/self/fd/R O_RDONLY|O_DIRECT, R a pipe's read end received
 *                through SCM_RIGHTS (where the msghdr does not pass, A), is -EINVAL.
 *  P_ABSDIRECT   openat("/proc/self/fd/D/../fd/A", O_RDONLY|O_DIRECT) is -EINVAL.
 *  P_HREOPENSEND sendfile(N, S, &0, 8), N an open of /proc/self/fd/M O_RDWR while M's own
 *                open file is O_APPEND (F_SETFL), is 8: N is a new open file
 *                (path_openat() -> alloc_empty_file()) without O_APPEND (0); else 1.
 *  P_HCLEARSPLICE splice(A's read end, NULL, M2, NULL, 8, 0), M2 a memfd set O_APPEND and
 *                then cleared by F_SETFL(O_RDWR), is 8 (0); else 1.
 *  P_HAPWRITE    write(AP, 8 bytes) is 8 (0); else 1.
 *  P_HTPATH      openat("/proc/thread-self/fd/A", O_PATH|O_DIRECT) opens it
 *                (build_open_how() keeps O_PATH_FLAGS only) (0); else 1.
 *  P_UNSHDIRECT  after unshare(CLONE_FILES), an open of /proc/self/fd/A O_RDONLY|O_DIRECT
 *                is -EINVAL.
 *  P_FORKAPSEND  in a fork child, sendfile(AP, S, &0, 8) of the inherited O_APPEND reopen
 *                is -EINVAL.
 *  P_CHILDAPP    splice(A's read end, NULL, M3, NULL, 8, 0), M3 a memfd a fork child set
 *                O_APPEND (F_SETFL) before it exited and was reaped, is -EINVAL.
 *  P_HREUSEDIRECT an open of /proc/self/fd/N O_RDWR|O_DIRECT, N a closed pipe end's number
 *                a memfd took since, opens the memfd (shmem_file_open() sets
 *                FMODE_CAN_ODIRECT) (0); else 1.
 *  P_HDUP3DIRECT the same of a pipe end's number a memfd was dup3()ed onto (0); else 1.
 *  P_HPIDREUSE   fallocate(R, 0, 0, 10), R an O_RDWR open of /proc/self/fd/N, N a closed
 *                pidfd's number a memfd took since, is 0 (shmem_fallocate()) (0); else 1.
 *  P_HPIDDUP3    ftruncate(R, 0), R an O_RDWR open of /proc/self/fd/P after dup3() of a
 *                memfd onto the pidfd's number P, is 0 (0); else 1.
 *  P_HCHILDFD    openat("/proc/self/fd/D/../fd/A", O_RDWR|O_DIRECT), D a descriptor of
 *                /proc/<child>/fd of a fork child that dup3()ed a memfd onto its copy of A
 *                (a pipe's read end in the program), opens the child's memfd: D/.. is
 *                /proc/<child> (0); else 1.
 *  P_CHILDDIRECT openat("/proc/<child>/fd/B", O_WRONLY|O_DIRECT), B the pipe's write end
 *                the child inherited, is -EINVAL (do_dentry_open()); P_CHILDDDIRECT the same
 *                of "/proc/self/fd/D/../fd/B".
 *  P_SYMDIRECT   after symlinkat("/proc/self/fd", AT_FDCWD, "/tmp/r62fd"),
 *                openat("/tmp/r62fd/A", O_RDONLY|O_DIRECT) is -EINVAL (the walk follows
 *                the link to /proc/self/fd, then A).
 *  P_HSYMPATH    openat("/tmp/r62fd/A", O_PATH|O_DIRECT) opens it (0); else 1.
 *  P_HPARENTFD   (with -c) in a fork child, openat("/proc/self/fd/D/../fd/A", O_RDWR|O_DIRECT), D
 *                the program's descriptor of /proc/self/fd opened before the fork (so the
 *                parent's /proc/<pid>/fd), A a pipe's read end in the child onto whose
 *                number the parent dup3()ed a memfd, opens the parent's memfd (0); else 1.
 *  P_PARENTDIRECT in the same child, after it dup3()ed a memfd onto its own copy of B (the
 *                pipe's write end, still the pipe in the parent), openat(
 *                "/proc/self/fd/D/../fd/B", O_WRONLY|O_DIRECT) is -EINVAL.
 *  P_HSETFLN     sendfile(M, S, &0, 8) after F_SETFL(O_APPEND) on N, an O_RDWR open of
 *                /proc/self/fd/M (N's own open file: setfl()), is 8 (0); else 1.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r62.py.  Only the digest of the secret is ever printed.
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
#define P_APSEND 6300     /* x2 AP, x3 S */
#define P_APSPLICE 6302   /* x2 A's read end, x3 AP */
#define P_APCFR 6304      /* x2 S, x3 AP */
#define P_ADSEND 6306     /* x2 AD, x3 S */
#define P_AYSPLICE 6308   /* x2 A's read end, x3 AY */
#define P_YPSPLICE 6310   /* x2 YP, x3 B's write end */
#define P_TPSPLICE 6312   /* x2 TP, x3 B's write end */
#define P_SCMSPLICE 6314  /* x2 the received pidfd, x3 B's write end */
#define P_TASKDIRECT 6316 /* x2 A's read end */
#define P_XDIRECT 6318    /* x2 A's read end, x3 X */
#define P_CWDDIRECT 6320  /* x2 A's read end, x3 D */
#define P_SCMDIRECT 6322  /* x2 the received read end */
#define P_ABSDIRECT 6324  /* x2 A's read end, x3 D */
#define P_HREOPENSEND 6326 /* x2 N, x3 S */
#define P_HCLEARSPLICE 6328 /* x2 A's read end, x3 M2 */
#define P_HAPWRITE 6330   /* x2 AP */
#define P_HTPATH 6332     /* x2 A's read end */
#define P_YPOPEN 6334     /* x2 the pidfd: its open relative to Y follows */
#define P_TPOPEN 6336     /* x2 the pidfd: its open through /proc/thread-self/fd follows */
#define P_UNSHDIRECT 6338 /* x2 A's read end (after unshare(CLONE_FILES)) */
#define P_FORKAPSEND 6340 /* x2 AP, x3 S (in a fork child) */
#define P_CHILDAPP 6342   /* x2 A's read end, x3 M3 (O_APPEND set by a fork child) */
#define P_HREUSEDIRECT 6344 /* x2 a memfd on a closed pipe end's number */
#define P_HDUP3DIRECT 6346 /* x2 a pipe end's number, a memfd dup3()ed onto it */
#define P_HPIDREUSE 6348 /* x2 the reopen of a memfd on a closed pidfd's number */
#define P_HPIDDUP3 6350  /* x2 the reopen of a memfd dup3()ed onto a pidfd's number */
#define P_HSETFLN 6352   /* x2 M, x3 S (O_APPEND set on a reopen of M only) */
#define P_HCHILDFD 6354  /* x2 A's number, x3 D (a descriptor of /proc/<child>/fd) */
#define P_CHILDDIRECT 6356 /* x2 A's write end (B) */
#define P_CHILDDDIRECT 6358 /* x2 B, x3 D */
#define P_SYMDIRECT 6360 /* x2 A's read end (through a symlink the program made) */
#define P_HSYMPATH 6362  /* x2 A's read end */
#define P_HPARENTFD 6364  /* x2 A's number, x3 D (in a fork child) */
#define P_PARENTDIRECT 6366 /* x2 B's number, x3 D (in a fork child) */
#define O_PATH_C 010000000

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r62"
#include "secret_rules_kit.h"

/* a page of its own: a kernel may read a name up to its page's end */
static char namebuf[PAGE] __attribute__((aligned(4096)));

static void name_at(const char *prefix, long fd)
{
    size_t n = strlen(prefix);
    memcpy(namebuf, prefix, n);
    fd_name(namebuf + n, fd);
}

/* a directory opened as "/proc/self/fd/D" tail */
static long dir_through(long d, const char *tail)
{
    memcpy(namebuf, "/proc/self/fd/", 15);
    char *e = fd_name(namebuf + 14, d);
    memcpy(e, tail, strlen(tail) + 1);
    return sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECTORY, 0);
}


/* send fds[0..n) over socket s, receive them on r into out[] (-1 each on failure) */
static void pass_fds(int s, int r, const int *fds, int n, long *out)
{
    static char cbuf[CMSG_SPACE(4 * sizeof(int))];
    static char rbuf[CMSG_SPACE(4 * sizeof(int))];
    static char byte = 'x';
    static struct iovec iov;
    static struct msghdr m;
    iov.iov_base = &byte;
    iov.iov_len = 1;
    for (int i = 0; i < n; i++)
        out[i] = -1;
    memset(&m, 0, sizeof m);
    memset(cbuf, 0, sizeof cbuf);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf;
    m.msg_controllen = CMSG_SPACE(n * sizeof(int));
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(n * sizeof(int));
    memcpy(CMSG_DATA(c), fds, n * sizeof(int));
    if (sys6(SYS_sendmsg, s, (long)&m, 0, 0, 0, 0) != 1)
        return;
    memset(&m, 0, sizeof m);
    memset(rbuf, 0, sizeof rbuf);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = rbuf;
    m.msg_controllen = sizeof rbuf;
    if (sys6(SYS_recvmsg, r, (long)&m, 0, 0, 0, 0) != 1)
        return;
    c = CMSG_FIRSTHDR(&m);
    if (c == NULL || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(n * sizeof(int)))
        return;
    int got[4];
    memcpy(got, CMSG_DATA(c), n * sizeof(int));
    for (int i = 0; i < n; i++)
        out[i] = got[i];
}

static long moved_index(long r, long want)
{
    return r == want ? 0 : 1;
}

/* --- O_APPEND outputs opened again by name ------------------------------------------- */
static void append_steps(void)
{
    int a[2];
    long r;
    static long oi;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    memset(wbuf, 'x', 40);
    if (sc(SYS_write, a[1], (long)wbuf, 40, 0) != 40)
        return;
    long m = memfd_of('m', 0, 0), s = memfd_of('s', 100, 0), m2 = memfd_of('n', 0, 0);
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    if (m < 0 || s < 0 || m2 < 0 || d < 0)
        return;
    long ap = reopen(m, O_RDWR | O_APPEND);
    if (ap >= 0) {
        oi = 0;
        marker(P_APSEND, ap, s, 0, 0);
        r = sc(SYS_sendfile, ap, s, (long)&oi, 8);
        log_label(P_APSEND, err_index(r, -EINVAL));
        marker(P_APSPLICE, a[0], ap, 0, 0);
        r = sys6(SYS_splice, a[0], 0, ap, 0, 8, 0);
        log_label(P_APSPLICE, err_index(r, -EINVAL));
        marker(P_APCFR, s, ap, 0, 0);
        r = sys6(SYS_copy_file_range, s, 0, ap, 0, 10, 0);
        log_label(P_APCFR, err_index(r, -EBADF));
        marker(P_HAPWRITE, ap, 0, 0, 0);
        r = sc(SYS_write, ap, (long)wbuf, 8, 0);
        log_label(P_HAPWRITE, moved_index(r, 8));
        sc(SYS_close, ap, 0, 0, 0);
    }
    name_at("/dev/fd/", m);
    long ad = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_WRONLY | O_APPEND, 0);
    if (ad >= 0) {
        oi = 0;
        marker(P_ADSEND, ad, s, 0, 0);
        r = sc(SYS_sendfile, ad, s, (long)&oi, 8);
        log_label(P_ADSEND, err_index(r, -EINVAL));
        sc(SYS_close, ad, 0, 0, 0);
    }
    long y = dir_through(d, "/../fd");
    if (y >= 0) {
        name_at("", m);
        long ay = sc(SYS_openat, y, (long)namebuf, O_RDWR | O_APPEND, 0);
        if (ay >= 0) {
            marker(P_AYSPLICE, a[0], ay, 0, 0);
            r = sys6(SYS_splice, a[0], 0, ay, 0, 8, 0);
            log_label(P_AYSPLICE, err_index(r, -EINVAL));
            sc(SYS_close, ay, 0, 0, 0);
        }
        sc(SYS_close, y, 0, 0, 0);
    }
    /* honest: a plain reopen of an O_APPEND open file is a new open file */
    if (sc(SYS_fcntl, m, F_SETFL, O_APPEND, 0) == 0) {
        long n = reopen(m, O_RDWR);
        if (n >= 0) {
            oi = 0;
            marker(P_HREOPENSEND, n, s, 0, 0);
            r = sc(SYS_sendfile, n, s, (long)&oi, 8);
            log_label(P_HREOPENSEND, moved_index(r, 8));
            sc(SYS_close, n, 0, 0, 0);
        }
    }
    if (sc(SYS_fcntl, m2, F_SETFL, O_APPEND, 0) == 0 &&
        sc(SYS_fcntl, m2, F_SETFL, O_RDWR, 0) == 0) {
        marker(P_HCLEARSPLICE, a[0], m2, 0, 0);
        r = sys6(SYS_splice, a[0], 0, m2, 0, 8, 0);
        log_label(P_HCLEARSPLICE, moved_index(r, 8));
    }
    long all[] = {m, s, m2, d, a[0], a[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* --- a pidfd opened again by other names or received -------------------------------- */
static void pid_steps(void)
{
    int b[2], sp[2];
    long r;
    if (sc(SYS_pipe2, (long)b, 0, 0, 0) != 0)
        return;
    long pfd = sc(SYS_pidfd_open, sc(SYS_getpid, 0, 0, 0, 0), 0, 0, 0);
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    if (pfd < 0 || d < 0)
        return;
    long y = dir_through(d, "/../fd");
    if (y >= 0) {
        name_at("", pfd);
        marker(P_YPOPEN, pfd, 0, 0, 0);
        long yp = sc(SYS_openat, y, (long)namebuf, O_RDONLY, 0);
        if (yp >= 0) {
            marker(P_YPSPLICE, yp, b[1], 0, 0);
            r = sys6(SYS_splice, yp, 0, b[1], 0, 8, 0);
            log_label(P_YPSPLICE, err_index(r, -EINVAL));
            sc(SYS_close, yp, 0, 0, 0);
        }
        sc(SYS_close, y, 0, 0, 0);
    }
    name_at("/proc/thread-self/fd/", pfd);
    marker(P_TPOPEN, pfd, 0, 0, 0);
    long tp = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY, 0);
    if (tp >= 0) {
        marker(P_TPSPLICE, tp, b[1], 0, 0);
        r = sys6(SYS_splice, tp, 0, b[1], 0, 8, 0);
        log_label(P_TPSPLICE, err_index(r, -EINVAL));
        sc(SYS_close, tp, 0, 0, 0);
    }
    if (sc(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sp) == 0) {
        int fds[1] = {(int)pfd};
        long got[1];
        pass_fds(sp[0], sp[1], fds, 1, got);
        /* (where no msghdr passes, as under a design that grants it no capability, the
         * step runs on P itself: the same open file) */
        long rp = got[0] >= 0 ? got[0] : pfd;
        marker(P_SCMSPLICE, rp, b[1], 0, 0);
        r = sys6(SYS_splice, rp, 0, b[1], 0, 8, 0);
        log_label(P_SCMSPLICE, err_index(r, -EINVAL));
        if (got[0] >= 0)
            sc(SYS_close, got[0], 0, 0, 0);
        sc(SYS_close, sp[0], 0, 0, 0);
        sc(SYS_close, sp[1], 0, 0, 0);
    }
    long all[] = {pfd, d, b[0], b[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

/* --- O_DIRECT opens of a pipe's end by other names ----------------------------------- */
static void direct_steps(void)
{
    int a[2], sp[2];
    long r;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    long tid = sc(SYS_gettid, 0, 0, 0, 0);
    memcpy(namebuf, "/proc/self/task/", 16);
    char *p = namebuf + 16;
    char digits[24];
    int nd = 0;
    for (long t = tid; t > 0; t /= 10)
        digits[nd++] = '0' + t % 10;
    while (nd)
        *p++ = digits[--nd];
    memcpy(p, "/fd/", 4);
    fd_name(p + 4, a[0]);
    marker(P_TASKDIRECT, a[0], 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
    log_label(P_TASKDIRECT, open_index(r, -EINVAL));
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    if (d >= 0) {
        long x = dir_through(d, "/..");
        if (x >= 0) {
            name_at("fd/", a[0]);
            marker(P_XDIRECT, a[0], x, 0, 0);
            r = sc(SYS_openat, x, (long)namebuf, O_RDONLY | O_DIRECT, 0);
            log_label(P_XDIRECT, open_index(r, -EINVAL));
            sc(SYS_close, x, 0, 0, 0);
        }
        if (sc(SYS_fchdir, d, 0, 0, 0) == 0) {
            name_at("", a[0]);
            marker(P_CWDDIRECT, a[0], d, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
            log_label(P_CWDDIRECT, open_index(r, -EINVAL));
            sc(SYS_chdir, (long)"/", 0, 0, 0);
        }
        memcpy(namebuf, "/proc/self/fd/", 14);
        char *e = fd_name(namebuf + 14, d);
        memcpy(e, "/../fd/", 7);
        fd_name(e + 7, a[0]);
        marker(P_ABSDIRECT, a[0], d, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
        log_label(P_ABSDIRECT, open_index(r, -EINVAL));
        sc(SYS_close, d, 0, 0, 0);
    }
    if (sc(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sp) == 0) {
        int fds[1] = {a[0]};
        long got[1];
        pass_fds(sp[0], sp[1], fds, 1, got);
        long rr = got[0] >= 0 ? got[0] : a[0];     /* (as above) */
        marker(P_SCMDIRECT, rr, 0, 0, 0);
        r = reopen(rr, O_RDONLY | O_DIRECT);
        log_label(P_SCMDIRECT, open_index(r, -EINVAL));
        if (got[0] >= 0)
            sc(SYS_close, got[0], 0, 0, 0);
        sc(SYS_close, sp[0], 0, 0, 0);
        sc(SYS_close, sp[1], 0, 0, 0);
    }
    name_at("/proc/thread-self/fd/", a[0]);
    marker(P_HTPATH, a[0], 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_PATH_C | O_DIRECT, 0);
    log_label(P_HTPATH, ok_index(r));
    sc(SYS_close, a[0], 0, 0, 0);
    sc(SYS_close, a[1], 0, 0, 0);
}



/* --- tables unshared, fork children, numbers reused ----------------------------------- */
static void table_steps(void)
{
    int a[2];
    long r;
    static long oi;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    memset(wbuf, 'x', 40);
    if (sc(SYS_write, a[1], (long)wbuf, 40, 0) != 40)
        return;
    long m = memfd_of('m', 0, 0), s = memfd_of('s', 100, 0), m3 = memfd_of('o', 0, 0);
    if (m < 0 || s < 0 || m3 < 0)
        return;
    long ap = reopen(m, O_RDWR | O_APPEND);
    long fc = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (fc == 0) {
        /* first: a child ended at a refusal below still leaves M3 appending */
        sc(SYS_fcntl, m3, F_SETFL, O_APPEND, 0);
        if (ap >= 0) {
            oi = 0;
            marker(P_FORKAPSEND, ap, s, 0, 0);
            r = sc(SYS_sendfile, ap, s, (long)&oi, 8);
            log_label(P_FORKAPSEND, err_index(r, -EINVAL));
        }
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (fc > 0)
        sys6(SYS_wait4, fc, 0, 0, 0, 0, 0);
    marker(P_CHILDAPP, a[0], m3, 0, 0);
    r = sys6(SYS_splice, a[0], 0, m3, 0, 8, 0);
    log_label(P_CHILDAPP, err_index(r, -EINVAL));
    marker(P_UNSHDIRECT, a[0], 0, 0, 0);
    if (sc(SYS_unshare, 0x400 /* CLONE_FILES */, 0, 0, 0) == 0) {
        r = reopen(a[0], O_RDONLY | O_DIRECT);
        log_label(P_UNSHDIRECT, open_index(r, -EINVAL));
    }
    /* a pipe end's number taken by a memfd: dup3() onto it */
    if (sc(SYS_dup3, m, a[1], 0, 0) == a[1]) {
        marker(P_HDUP3DIRECT, a[1], 0, 0, 0);
        r = reopen(a[1], O_RDWR | O_DIRECT);
        log_label(P_HDUP3DIRECT, ok_index(r));
    }
    /* a closed pipe end's number taken by the next memfd */
    long num = a[0];
    sc(SYS_close, a[0], 0, 0, 0);
    long m4 = memfd_of('p', 0, 0);
    if (m4 == num) {
        marker(P_HREUSEDIRECT, m4, 0, 0, 0);
        r = reopen(m4, O_RDWR | O_DIRECT);
        log_label(P_HREUSEDIRECT, ok_index(r));
    }
    long all[] = {m, s, m3, ap, m4, a[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i] >= 0)
            sc(SYS_close, all[i], 0, 0, 0);
}


/* --- numbers a pidfd held, an O_APPEND set on another open file ----------------------- */
static void number_steps(void)
{
    long r;
    static long oi;
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    long p1 = sc(SYS_pidfd_open, pid, 0, 0, 0);
    if (p1 >= 0) {
        sc(SYS_close, p1, 0, 0, 0);
        long m = memfd_of('q', 0, 0);
        if (m == p1) {
            long rr = reopen(m, O_RDWR);
            if (rr >= 0) {
                marker(P_HPIDREUSE, rr, 0, 0, 0);
                r = sc(SYS_fallocate, rr, 0, 0, 10);
                log_label(P_HPIDREUSE, r == 0 ? 0 : 1);
                sc(SYS_close, rr, 0, 0, 0);
            }
        }
        if (m >= 0)
            sc(SYS_close, m, 0, 0, 0);
    }
    long p2 = sc(SYS_pidfd_open, pid, 0, 0, 0), m2 = memfd_of('r', 20, 0);
    if (p2 >= 0 && m2 >= 0 && sc(SYS_dup3, m2, p2, 0, 0) == p2) {
        long rr = reopen(p2, O_RDWR);
        if (rr >= 0) {
            marker(P_HPIDDUP3, rr, 0, 0, 0);
            r = sc(SYS_ftruncate, rr, 0, 0, 0);
            log_label(P_HPIDDUP3, r == 0 ? 0 : 1);
            sc(SYS_close, rr, 0, 0, 0);
        }
    }
    if (p2 >= 0)
        sc(SYS_close, p2, 0, 0, 0);
    if (m2 >= 0)
        sc(SYS_close, m2, 0, 0, 0);
    long m3 = memfd_of('t', 0, 0), s3 = memfd_of('u', 100, 0);
    if (m3 >= 0 && s3 >= 0) {
        long n = reopen(m3, O_RDWR);
        if (n >= 0 && sc(SYS_fcntl, n, F_SETFL, O_APPEND, 0) == 0) {
            oi = 0;
            marker(P_HSETFLN, m3, s3, 0, 0);
            r = sc(SYS_sendfile, m3, s3, (long)&oi, 8);
            log_label(P_HSETFLN, r == 8 ? 0 : 1);
        }
        if (n >= 0)
            sc(SYS_close, n, 0, 0, 0);
    }
    if (m3 >= 0)
        sc(SYS_close, m3, 0, 0, 0);
    if (s3 >= 0)
        sc(SYS_close, s3, 0, 0, 0);
}


/* --- a fork child's fd directory reached through D/.. --------------------------------- */
static void child_dir_steps(void)
{
    int a[2], go[2], ready[2];
    long r;
    static char c1;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0 ||
        sc(SYS_pipe2, (long)ready, 0, 0, 0) != 0)
        return;
    long m = memfd_of('c', 10, 0);
    if (m < 0)
        return;
    long c = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        sc(SYS_dup3, m, a[0], 0, 0);
        sc(SYS_write, ready[1], (long)"r", 1, 0);
        sc(SYS_read, go[0], (long)&c1, 1, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (c < 0)
        return;
    if (sc(SYS_read, ready[0], (long)&c1, 1, 0) == 1) {
        memcpy(namebuf, "/proc/", 6);
        char *e = dec(namebuf + 6, c);
        memcpy(e, "/fd", 4);
        long d = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECTORY, 0);
        if (d >= 0) {
            memcpy(namebuf, "/proc/self/fd/", 14);
            e = dec(namebuf + 14, d);
            memcpy(e, "/../fd/", 7);
            dec(e + 7, a[0]);
            marker(P_HCHILDFD, a[0], d, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR | O_DIRECT, 0);
            log_label(P_HCHILDFD, ok_index(r));
            dec(e + 7, a[1]);
            marker(P_CHILDDDIRECT, a[1], d, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_WRONLY | O_DIRECT, 0);
            log_label(P_CHILDDDIRECT, open_index(r, -EINVAL));
            memcpy(namebuf, "/proc/", 6);
            e = dec(namebuf + 6, c);
            memcpy(e, "/fd/", 4);
            dec(e + 4, a[1]);
            marker(P_CHILDDIRECT, a[1], 0, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_WRONLY | O_DIRECT, 0);
            log_label(P_CHILDDIRECT, open_index(r, -EINVAL));
            sc(SYS_close, d, 0, 0, 0);
        }
    }
    sc(SYS_write, go[1], (long)"g", 1, 0);
    sys6(SYS_wait4, c, 0, 0, 0, 0, 0);
    long all[] = {m, a[0], a[1], go[0], go[1], ready[0], ready[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}


/* --- a symlink the program made to /proc/self/fd -------------------------------------- */
static void symlink_steps(void)
{
    int a[2];
    long r;
    if (sc(SYS_pipe2, (long)a, 0, 0, 0) != 0)
        return;
    sc(SYS_unlinkat, AT_FDCWD, (long)"/tmp/r62fd", 0, 0);
    marker(P_SYMDIRECT, a[0], 0, 0, 0);
    if (sc(SYS_symlinkat, (long)"/proc/self/fd", AT_FDCWD, (long)"/tmp/r62fd", 0) == 0) {
        name_at("/tmp/r62fd/", a[0]);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDONLY | O_DIRECT, 0);
        log_label(P_SYMDIRECT, open_index(r, -EINVAL));
        marker(P_HSYMPATH, a[0], 0, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_PATH_C | O_DIRECT, 0);
        log_label(P_HSYMPATH, ok_index(r));
        sc(SYS_unlinkat, AT_FDCWD, (long)"/tmp/r62fd", 0, 0);
    }
    sc(SYS_close, a[0], 0, 0, 0);
    sc(SYS_close, a[1], 0, 0, 0);
}


/* --- the parent's fd directory, reached from a fork child through D/.. ---------------- */
static int parent_dir;    /* -c: these steps too */

static void parent_dir_steps(void)
{
    int a[2], go[2];
    long r;
    static char c1;
    long d = sc(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    if (d < 0 || sc(SYS_pipe2, (long)a, 0, 0, 0) != 0 || sc(SYS_pipe2, (long)go, 0, 0, 0) != 0)
        return;
    long m = memfd_of('e', 10, 0);
    if (m < 0)
        return;
    long c = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (c == 0) {
        if (sc(SYS_read, go[0], (long)&c1, 1, 0) == 1) {
            memcpy(namebuf, "/proc/self/fd/", 14);
            char *e = dec(namebuf + 14, d);
            memcpy(e, "/../fd/", 7);
            dec(e + 7, a[0]);
            marker(P_HPARENTFD, a[0], d, 0, 0);
            r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_RDWR | O_DIRECT, 0);
            log_label(P_HPARENTFD, ok_index(r));
            if (sc(SYS_dup3, m, a[1], 0, 0) == a[1]) {
                dec(e + 7, a[1]);
                marker(P_PARENTDIRECT, a[1], d, 0, 0);
                r = sc(SYS_openat, AT_FDCWD, (long)namebuf, O_WRONLY | O_DIRECT, 0);
                log_label(P_PARENTDIRECT, open_index(r, -EINVAL));
            }
        }
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (c > 0) {
        sc(SYS_dup3, m, a[0], 0, 0);
        sc(SYS_write, go[1], (long)"g", 1, 0);
        sys6(SYS_wait4, c, 0, 0, 0, 0, 0);
    }
    long all[] = {d, m, a[0], a[1], go[0], go[1]};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        sc(SYS_close, all[i], 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        parent_dir |= strcmp(argv[i], "-c") == 0;
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

    append_steps();
    pid_steps();
    direct_steps();
    table_steps();
    number_steps();
    child_dir_steps();
    symlink_steps();
    if (parent_dir)
        parent_dir_steps();

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
