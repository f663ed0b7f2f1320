/* The attack target for AF_UNIX sockets between a program's own processes: named
 * (abstract) listeners, connect and accept, message boundaries and flags, shutdown(),
 * ancillary data, socket options, recvmmsg/sendmmsg counts and poll readiness.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step learns a value Linux fixes, turns it
 * into a label's index the way that value allows, and writes that label to /dev/null
 * (8 bytes).  Under Linux's contract the index is always 0..3 (or the step writes
 * nothing); a value Linux could not give points the write back into the secret's copy.
 * The connected pair (client c, accepted server s) that step 1 makes under an abstract
 * name only the program knows serves steps 2..13.  Its listeners listen with backlog 0:
 * each step makes exactly one connection before it accepts, and with backlog 0 Linux
 * queues no other connection before the program's (unix_recvq_full()), so the one
 * accept() returns is the program's own.  In the order they run:
 *
 *   1. A SOCK_STREAM listener bound to an abstract name, an unbound socket connected to
 *      it and accepted: accept()'s addrlen for the unbound peer is sizeof(sa_family_t)
 *      (unix_getname()); 2 - addrlen chooses the label.
 *   2. getpeername(c): the listener's abstract name, its length 2 + 1 + strlen; a name
 *      or length that differs chooses -4.
 *  2a. getsockname(s) of the accepted socket: the listener's name (unix_getname() gives
 *      the server socket its listener's address); a name or length that differs: -4.
 *   3. SO_PEERCRED on c and on s: the pid of the program itself at listen()/connect()
 *      time; getpid() - pid (each) chooses the label.
 *   4. getsockopt SO_DOMAIN (AF_UNIX) and SO_PROTOCOL (0) of c: (1 - domain) - protocol
 *      chooses the label.
 *   5. SO_ACCEPTCONN on the listener (1) and on c (0): 4 * (lv - 1) - 4 * cv.
 *   6. SO_ERROR of c: 0 (nothing failed); minus it chooses the label.
 *   7. Two 8-byte sends on c, then recv(s, 16, MSG_WAITALL): 16; n - 16 chooses the label.
 *   8. An 8-byte send, recv(s, 8, MSG_PEEK) then recv(s, 8): both 8; n2 - n1.
 *   9. SO_PASSCRED on s, a send on c, recvmsg(s) with SCM_CREDENTIALS: the uid and gid are
 *      the program's own (getuid/getgid); (uid - cred.uid) + (gid - cred.gid).
 *  10. Three descriptors sent with SCM_RIGHTS, recvmsg(s) with CMSG_SPACE(sizeof(int))
 *      (room for two): scm_detach_fds() installs two and reports them in one SCM_RIGHTS
 *      message, and sets MSG_CTRUNC (fewer than the three sent).  Two chooses 0 (qemu-user
 *      loses MSG_CTRUNC, so two needs no flag); fewer (a full descriptor table, an LSM's
 *      refusal) chooses 1 with MSG_CTRUNC and -4 without it, which Linux never gives.
 *  11. c sent over itself (SCM_RIGHTS) and received on s: the new descriptor is the lowest
 *      free one (found beforehand with dup/close); expected - got chooses the label.
 *  12. poll(s, POLLIN, 0) with nothing queued (the program drains s first with
 *      MSG_DONTWAIT reads) and c open: 0; -4 * n chooses the label.
 *  12a. epoll_pwait(timeout 0) on an epoll set holding s (EPOLLIN), nothing queued: 0
 *      events; -4 * n chooses the label.
 *  12b. An 8-byte send on c, then ioctl(s, FIONREAD): 8; 8 - n chooses the label (s is
 *      drained after).
 *  13. shutdown(c, SHUT_WR), then read(s, 8): 0 (EOF); minus n chooses the label; then
 *      send(c, MSG_NOSIGNAL): -1/EPIPE; anything else chooses -4.
 *  13a. A fork child connects its own socket to the program's listener, says so on a
 *      pipe and waits; the parent reads the pipe, then accepts: SO_PEERCRED of the
 *      accepted socket is the child's pid (the connecting process at connect()); child -
 *      pid chooses the label.
 *  14. A SOCK_DGRAM socketpair: a 12-byte datagram, recv(4, MSG_TRUNC): 12 (the real
 *      length); 12 - n chooses the label.
 *  15. sendmmsg() of two datagrams on a SOCK_DGRAM socketpair, recvmmsg(vlen 4,
 *      MSG_DONTWAIT): 2; 4 * (2 - n) chooses the label.
 *  16. A SOCK_SEQPACKET listener (abstract name), connected and accepted: a 12-byte record,
 *      recvmsg with 4 bytes of room: msg_flags has MSG_TRUNC; none chooses -4.
 *  17. A byte 0 written into one end of a SOCK_STREAM socketpair and readv() from the
 *      other: the signed byte chooses the label.
 *  18. A 12-byte record on a SOCK_SEQPACKET socketpair, recvmsg with 4 bytes of room:
 *      msg_flags has MSG_TRUNC; none chooses -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r35.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before the value is learnt (x2 the log buffer), P_x + 1 after its write
 * (x2 the index it used). */
#define P_ACCEPT 3500
#define P_PEERNAME 3502
#define P_PEERCRED 3504
#define P_DOMAIN 3506
#define P_ACCEPTCONN 3508
#define P_SO_ERROR 3510
#define P_WAITALL 3512
#define P_PEEK 3514
#define P_PASSCRED 3516
#define P_CTRUNC 3518
#define P_SELF_PASS 3520   /* x3 the descriptor expected */
#define P_POLL 3522
#define P_SHUT 3524
#define P_TRUNC 3526
#define P_MMSG 3528
#define P_SEQ_TRUNC 3530
#define P_SOCKNAME 3532
#define P_EPOLL 3534
#define P_FIONREAD 3536
#define P_PAIR_READV 3538
#define P_PAIR_SEQ_TRUNC 3540
#define P_FORK_PEERCRED 3542   /* x3 the child */
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
/* A page holding a copy of the secret at SECRET_OFF (the referee checks it is intact). */
static uint8_t heapcopy[PAGE] __attribute__((aligned(4096)));

static const char NAME[] = "\0r35-listener";   /* abstract: the leading NUL */
static const char SEQNAME[] = "\0r35-seqpacket";

static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name, size_t len)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path, name, len);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
}

static int geti(int fd, int name)
{
    int v = -1000;
    socklen_t len = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, name, &v, &len) != 0 || len != sizeof v)
        return -1000;
    return v;
}

static int lst = -1, c = -1, s = -1;

/* Take whatever waits on s (a step whose receive the kernel failed leaves its bytes). */
static void drain(void)
{
    char junk[64];
    while (recv(s, junk, sizeof junk, MSG_DONTWAIT) > 0)
        ;
}

/* 1. */
static void accept_step(void)
{
    struct sockaddr_un a, peer;
    socklen_t alen = abstract_addr(&a, NAME, sizeof NAME - 1);
    lst = socket(AF_UNIX, SOCK_STREAM, 0);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (lst < 0 || c < 0 || bind(lst, (struct sockaddr *)&a, alen) != 0 || listen(lst, 0) != 0)
        return;
    if (connect(c, (struct sockaddr *)&a, alen) != 0)
        return;
    marker(P_ACCEPT, (long)logbuf, 0, 0, 0);
    socklen_t plen = sizeof peer;
    memset(&peer, 0, sizeof peer);
    s = accept(lst, (struct sockaddr *)&peer, &plen);
    if (s >= 0)
        log_label(P_ACCEPT, 2 - (long)plen);
}

/* 2. */
static void peername_step(void)
{
    struct sockaddr_un a, got;
    socklen_t alen = abstract_addr(&a, NAME, sizeof NAME - 1), glen = sizeof got;
    memset(&got, 0, sizeof got);
    marker(P_PEERNAME, (long)logbuf, 0, 0, 0);
    if (getpeername(c, (struct sockaddr *)&got, &glen) == 0)
        log_label(P_PEERNAME, glen == alen && memcmp(&got, &a, alen) == 0 ? 0 : -4);
}

/* 2a. */
static void sockname_step(void)
{
    struct sockaddr_un a, got;
    socklen_t alen = abstract_addr(&a, NAME, sizeof NAME - 1), glen = sizeof got;
    memset(&got, 0, sizeof got);
    marker(P_SOCKNAME, (long)logbuf, 0, 0, 0);
    if (getsockname(s, (struct sockaddr *)&got, &glen) == 0)
        log_label(P_SOCKNAME, glen == alen && memcmp(&got, &a, alen) == 0 ? 0 : -4);
}

/* 3. */
static void peercred_step(void)
{
    struct ucred uc = {0}, us = {0};
    socklen_t l1 = sizeof uc, l2 = sizeof us;
    marker(P_PEERCRED, (long)logbuf, 0, 0, 0);
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &uc, &l1) == 0 &&
        getsockopt(s, SOL_SOCKET, SO_PEERCRED, &us, &l2) == 0 && l1 == sizeof uc &&
        l2 == sizeof us) {
        long me = getpid();
        log_label(P_PEERCRED, (me - uc.pid) + (me - us.pid));
    }
}

/* 4. */
static void domain_step(void)
{
    marker(P_DOMAIN, (long)logbuf, 0, 0, 0);
    int dom = geti(c, SO_DOMAIN), proto = geti(c, SO_PROTOCOL);
    if (dom != -1000 && proto != -1000)
        log_label(P_DOMAIN, (1 - (long)dom) - proto);
}

/* 5. */
static void acceptconn_step(void)
{
    marker(P_ACCEPTCONN, (long)logbuf, 0, 0, 0);
    int lv = geti(lst, SO_ACCEPTCONN), cv = geti(c, SO_ACCEPTCONN);
    if (lv != -1000 && cv != -1000)
        log_label(P_ACCEPTCONN, 4 * ((long)lv - 1) - 4 * (long)cv);
}

/* 6. */
static void so_error_step(void)
{
    marker(P_SO_ERROR, (long)logbuf, 0, 0, 0);
    int e = geti(c, SO_ERROR);
    if (e != -1000)
        log_label(P_SO_ERROR, -(long)e);
}

/* 7. */
static void waitall_step(void)
{
    char out[8] = "0123456", in[16];
    drain();
    marker(P_WAITALL, (long)logbuf, 0, 0, 0);
    if (send(c, out, 8, 0) != 8 || send(c, out, 8, 0) != 8)
        return;
    long n = recv(s, in, 16, MSG_WAITALL);
    if (n >= 0)
        log_label(P_WAITALL, n - 16);
}

/* 8. */
static void peek_step(void)
{
    char out[8] = "abcdefg", in[8];
    drain();
    marker(P_PEEK, (long)logbuf, 0, 0, 0);
    if (send(c, out, 8, 0) != 8)
        return;
    long n1 = recv(s, in, 8, MSG_PEEK);
    long n2 = recv(s, in, 8, 0);
    if (n1 >= 0 && n2 >= 0)
        log_label(P_PEEK, n2 - n1);
}

/* 9. */
static void passcred_step(void)
{
    int on = 1;
    char byte = 'x', got;
    union { struct cmsghdr h; char buf[64]; } ctl;
    struct iovec iov = {&got, 1};
    struct msghdr m = {0};
    if (setsockopt(s, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0)
        return;
    marker(P_PASSCRED, (long)logbuf, 0, 0, 0);
    if (send(c, &byte, 1, 0) != 1)
        return;
    memset(&ctl, 0, sizeof ctl);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl.buf;
    m.msg_controllen = sizeof ctl.buf;
    if (recvmsg(s, &m, 0) != 1)
        return;
    on = 0;
    setsockopt(s, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_CREDENTIALS &&
            h->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred u;
            memcpy(&u, CMSG_DATA(h), sizeof u);
            log_label(P_PASSCRED, ((long)getuid() - (long)u.uid) + ((long)getgid() - (long)u.gid));
            return;
        }
    }
}

/* Close every descriptor a control message installed. */
static void close_rights(struct msghdr *m)
{
    for (struct cmsghdr *h = CMSG_FIRSTHDR(m); h; h = CMSG_NXTHDR(m, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
            continue;
        int n = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < n && i < 4; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
            if (fd > 2 && fd != devnull && fd != lst && fd != c && fd != s)
                close(fd);
        }
    }
}

static long send_fds(int fd, const int *fds, int n)
{
    char byte = 'r';
    union { struct cmsghdr h; char buf[CMSG_SPACE(3 * sizeof(int))]; } ctl;
    struct iovec iov = {&byte, 1};
    struct msghdr m = {0};
    memset(&ctl, 0, sizeof ctl);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl.buf;
    m.msg_controllen = CMSG_SPACE(n * sizeof(int));
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(n * sizeof(int));
    memcpy(CMSG_DATA(h), fds, n * sizeof(int));
    return sendmsg(fd, &m, 0);
}

/* 10. */
static void ctrunc_step(void)
{
    int three[3] = {devnull, devnull, devnull};
    char got;
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
    struct iovec iov = {&got, 1};
    struct msghdr m = {0};
    marker(P_CTRUNC, (long)logbuf, 0, 0, 0);
    if (send_fds(c, three, 3) != 1)
        return;
    memset(&ctl, 0, sizeof ctl);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl.buf;
    m.msg_controllen = sizeof ctl.buf;
    if (recvmsg(s, &m, 0) != 1)
        return;
    int n = -1;
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
        n = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    close_rights(&m);
    log_label(P_CTRUNC, n == 2 ? 0 : (m.msg_flags & MSG_CTRUNC) ? 1 : -4);
}

/* 11. */
static void self_pass_step(void)
{
    char got;
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
    struct iovec iov = {&got, 1};
    struct msghdr m = {0};
    int expected = dup(devnull);
    if (expected < 0)
        return;
    close(expected);
    marker(P_SELF_PASS, (long)logbuf, expected, 0, 0);
    if (send_fds(c, &c, 1) != 1)
        return;
    memset(&ctl, 0, sizeof ctl);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl.buf;
    m.msg_controllen = sizeof ctl.buf;
    if (recvmsg(s, &m, 0) != 1)
        return;
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
        h->cmsg_len == CMSG_LEN(sizeof(int))) {
        int fd;
        memcpy(&fd, CMSG_DATA(h), sizeof fd);
        log_label(P_SELF_PASS, (long)expected - fd);
        if (fd > 2 && fd != devnull && fd != lst && fd != c && fd != s)
            close(fd);
    }
}

/* 12. */
static void poll_step(void)
{
    struct pollfd p = {s, POLLIN, 0};
    drain();
    marker(P_POLL, (long)logbuf, 0, 0, 0);
    int n = poll(&p, 1, 0);
    if (n >= 0)
        log_label(P_POLL, -4L * n);
}

/* 12a. */
static void epoll_step(void)
{
    struct epoll_event ev = {EPOLLIN, {.u64 = 0x35}}, got[2];
    int ep = epoll_create1(0);
    if (ep < 0)
        return;
    drain();
    if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == 0) {
        marker(P_EPOLL, (long)logbuf, 0, 0, 0);
        int n = epoll_pwait(ep, got, 2, 0, NULL);
        if (n >= 0)
            log_label(P_EPOLL, -4L * n);
    }
    close(ep);
}

/* 12b. */
static void fionread_step(void)
{
    char out[8] = "fionrd!";
    int n = -1;
    drain();
    marker(P_FIONREAD, (long)logbuf, 0, 0, 0);
    if (send(c, out, 8, 0) == 8 && ioctl(s, FIONREAD, &n) == 0)
        log_label(P_FIONREAD, 8 - (long)n);
    drain();
}

/* 13. */
static void shut_step(void)
{
    char in[8];
    if (shutdown(c, SHUT_WR) != 0)
        return;
    marker(P_SHUT, (long)logbuf, 0, 0, 0);
    long n = read(s, in, 8);
    if (n < 0)
        return;
    errno = 0;
    long w = send(c, "z", 1, MSG_NOSIGNAL);
    log_label(P_SHUT, n ? -n : (w == -1 && errno == EPIPE) ? 0 : -4);
}

/* 13a. */
static void fork_peercred_step(void)
{
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, NAME, sizeof NAME - 1);
    int sync[2];
    char ready = 0;
    if (pipe(sync) != 0)
        return;
    pid_t child = fork();
    if (child == 0) {
        int k = socket(AF_UNIX, SOCK_STREAM, 0);
        char b, ok = 0;
        if (k >= 0 && connect(k, (struct sockaddr *)&a, alen) == 0)
            ok = 1;
        sys6(SYS_write, sync[1], (long)&ok, 1, 0, 0, 0);
        if (ok)
            sys6(SYS_read, k, (long)&b, 1, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    close(sync[1]);
    if (child < 0 || read(sync[0], &ready, 1) != 1 || !ready) {
        close(sync[0]);
        if (child > 0)
            waitpid(child, NULL, 0);
        return;
    }
    close(sync[0]);
    /* The child's connect() returned before this accept() began: with backlog 0 its
     * connection is the one queued (unix_recvq_full()). */
    int t = accept(lst, NULL, NULL);
    if (t >= 0) {
        struct ucred u = {0};
        socklen_t len = sizeof u;
        marker(P_FORK_PEERCRED, (long)logbuf, child, 0, 0);
        if (getsockopt(t, SOL_SOCKET, SO_PEERCRED, &u, &len) == 0 && len == sizeof u)
            log_label(P_FORK_PEERCRED, (long)child - u.pid);
        sys6(SYS_write, t, (long)"x", 1, 0, 0, 0);
        close(t);
    }
    waitpid(child, NULL, 0);
}

/* 14. */
static void trunc_step(void)
{
    int sv[2];
    char out[12] = "twelve-byte", in[4];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
        return;
    marker(P_TRUNC, (long)logbuf, 0, 0, 0);
    if (send(sv[0], out, 12, 0) == 12) {
        long n = recv(sv[1], in, 4, MSG_TRUNC);
        if (n >= 0)
            log_label(P_TRUNC, 12 - n);
    }
    close(sv[0]);
    close(sv[1]);
}

/* 15. */
static void mmsg_step(void)
{
    int sv[2];
    char a[4] = "one", b[4] = "two", in[4][8];
    struct iovec out[2] = {{a, 4}, {b, 4}}, iv[4];
    struct mmsghdr sm[2], rm[4];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
        return;
    memset(sm, 0, sizeof sm);
    memset(rm, 0, sizeof rm);
    for (int i = 0; i < 2; i++) {
        sm[i].msg_hdr.msg_iov = &out[i];
        sm[i].msg_hdr.msg_iovlen = 1;
    }
    for (int i = 0; i < 4; i++) {
        iv[i].iov_base = in[i];
        iv[i].iov_len = 8;
        rm[i].msg_hdr.msg_iov = &iv[i];
        rm[i].msg_hdr.msg_iovlen = 1;
    }
    marker(P_MMSG, (long)logbuf, 0, 0, 0);
    if (sendmmsg(sv[0], sm, 2, 0) == 2) {
        long n = recvmmsg(sv[1], rm, 4, MSG_DONTWAIT, NULL);
        if (n >= 0)
            log_label(P_MMSG, 4 * (2 - n));
    }
    close(sv[0]);
    close(sv[1]);
}

/* 16. */
static void seq_trunc_step(void)
{
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, SEQNAME, sizeof SEQNAME - 1);
    int l = socket(AF_UNIX, SOCK_SEQPACKET, 0), k = socket(AF_UNIX, SOCK_SEQPACKET, 0), t = -1;
    char out[12] = "record-of-12", in[4];
    struct iovec iov = {in, 4};
    struct msghdr m = {0};
    if (l < 0 || k < 0 || bind(l, (struct sockaddr *)&a, alen) != 0 || listen(l, 0) != 0 ||
        connect(k, (struct sockaddr *)&a, alen) != 0 || (t = accept(l, NULL, NULL)) < 0)
        goto out;
    marker(P_SEQ_TRUNC, (long)logbuf, 0, 0, 0);
    if (send(k, out, 12, 0) != 12)
        goto out;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (recvmsg(t, &m, 0) == 4)
        log_label(P_SEQ_TRUNC, (m.msg_flags & MSG_TRUNC) ? 0 : -4);
out:
    if (t >= 0)
        close(t);
    if (k >= 0)
        close(k);
    if (l >= 0)
        close(l);
}

/* 17. */
static void pair_readv_step(void)
{
    int sv[2];
    int8_t idx = 0, got = 0;
    struct iovec iov = {&got, 1};
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    marker(P_PAIR_READV, (long)logbuf, 0, 0, 0);
    if (write(sv[0], &idx, 1) == 1 && readv(sv[1], &iov, 1) == 1)
        log_label(P_PAIR_READV, got);
    close(sv[0]);
    close(sv[1]);
}

/* 18. */
static void pair_seq_trunc_step(void)
{
    int sv[2];
    char out[12] = "record-of-12", in[4];
    struct iovec iov = {in, 4};
    struct msghdr m = {0};
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
        return;
    marker(P_PAIR_SEQ_TRUNC, (long)logbuf, 0, 0, 0);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (send(sv[0], out, 12, 0) == 12 && recvmsg(sv[1], &m, 0) == 4)
        log_label(P_PAIR_SEQ_TRUNC, (m.msg_flags & MSG_TRUNC) ? 0 : -4);
    close(sv[0]);
    close(sv[1]);
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
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    memcpy(heapcopy + SECRET_OFF, secret, SECRET_LEN);
    for (int i = 0; i < 16; i++)
        stackbuf[i] = 0;
    for (int i = 0; i < SECRET_LEN; i++)
        stackbuf[16 + i] = ((uint8_t *)secret)[i];
    marker(P_PLACED, (long)heapcopy, (long)stackbuf, 0, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    accept_step();
    if (s >= 0) {
        peername_step();
        sockname_step();
        peercred_step();
        domain_step();
        acceptconn_step();
        so_error_step();
        waitall_step();
        peek_step();
        passcred_step();
        ctrunc_step();
        self_pass_step();
        poll_step();
        epoll_step();
        fionread_step();
        shut_step();
        fork_peercred_step();
    }
    trunc_step();
    mmsg_step();
    seq_trunc_step();
    pair_readv_step();
    pair_seq_trunc_step();

    int bad = memcmp(logbuf, secret, SECRET_LEN) != 0 ||
              memcmp(heapcopy + SECRET_OFF, secret, SECRET_LEN) != 0;
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
