/* Sockets: AF_UNIX stream, seqpacket and datagram (socketpair, paths, abstract
 * names, SCM_RIGHTS, SO_PEERCRED, shutdown, MSG_PEEK/MSG_DONTWAIT) and TCP/UDP
 * between two processes over 127.0.0.1 and ::1.  Prints only what does not
 * depend on the host (no port numbers or pids), so it compares byte for byte
 * with a run on real Linux (qemu-user). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, what)                                                      \
    do {                                                                       \
        if (cond) printf("ok   %s\n", what);                                   \
        else { printf("FAIL %s (errno %d)\n", what, errno); failures++; }      \
    } while (0)

static int send_fd(int sock, int fd, const char *byte) {
    char ctl[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {.iov_base = (void *)byte, .iov_len = 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    return sendmsg(sock, &m, 0);
}

static int recv_fd(int sock, char *byte, int *flags) {
    char ctl[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = byte, .iov_len = 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = sizeof ctl};
    if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1) return -2;
    *flags = m.msg_flags;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

static void test_socketpair(void) {
    int sv[2];
    char buf[64];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair stream");
    CHECK(fcntl(sv[0], F_GETFD) == FD_CLOEXEC, "SOCK_CLOEXEC");
    struct stat st;
    CHECK(fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode), "fstat: a socket");
    CHECK(write(sv[0], "hello", 5) == 5, "write");
    CHECK(recv(sv[1], buf, sizeof buf, MSG_PEEK) == 5, "MSG_PEEK sees the bytes");
    CHECK(read(sv[1], buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0, "read them");
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN, "MSG_DONTWAIT: EAGAIN");
    int type = 0, dom = 0;
    socklen_t len = sizeof type;
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len);
    len = sizeof dom;
    getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &dom, &len);
    CHECK(type == SOCK_STREAM && dom == AF_UNIX, "SO_TYPE, SO_DOMAIN");
    struct ucred cr;
    len = sizeof cr;
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && cr.pid == getpid() &&
          len == sizeof cr, "SO_PEERCRED: our own pid");
    int err = -1;
    len = sizeof err;
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0, "SO_ERROR 0");
    CHECK(getsockopt(sv[0], SOL_SOCKET, 9999, &err, &len) == -1 && errno == ENOPROTOOPT,
          "unknown option: ENOPROTOOPT");
    /* fd passing */
    int p[2];
    pipe(p);
    CHECK(send_fd(sv[0], p[1], "F") == 1, "sendmsg SCM_RIGHTS");
    close(p[1]);
    int flags = -1;
    char b;
    int got = recv_fd(sv[1], &b, &flags);
    CHECK(got >= 0 && b == 'F' && !(flags & MSG_CTRUNC), "recvmsg receives a descriptor");
    if (got < 0) printf("got %d flags %#x\n", got, flags);
    CHECK(fcntl(got, F_GETFD) == FD_CLOEXEC, "MSG_CMSG_CLOEXEC");
    write(got, "via passed fd", 13);
    close(got);
    CHECK(read(p[0], buf, sizeof buf) == 13 && memcmp(buf, "via passed fd", 13) == 0,
          "the passed fd writes into the same pipe");
    CHECK(read(p[0], buf, sizeof buf) == 0, "and its last close is seen");
    close(p[0]);
    /* shutdown */
    CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown SHUT_WR");
    CHECK(read(sv[1], buf, sizeof buf) == 0, "peer reads EOF");
    signal(SIGPIPE, SIG_IGN);
    CHECK(write(sv[0], "x", 1) == -1 && errno == EPIPE, "write after SHUT_WR: EPIPE");
    CHECK(shutdown(sv[0], 7) == -1 && errno == EINVAL, "shutdown bad how: EINVAL");
    close(sv[1]);
    struct pollfd pf = {.fd = sv[0], .events = POLLIN};
    CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP), "peer closed: POLLHUP");
    close(sv[0]);
    /* datagram and seqpacket keep message boundaries */
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair dgram");
    send(sv[0], "one", 3, 0);
    send(sv[0], "three", 5, 0);
    CHECK(recv(sv[1], buf, sizeof buf, 0) == 3, "dgram boundaries");
    CHECK(recv(sv[1], buf, 2, MSG_TRUNC) == 5 && memcmp(buf, "th", 2) == 0,
          "MSG_TRUNC: the whole datagram's length");
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN,
          "cut datagram is gone");
    struct mmsghdr out[3], in[3];
    struct iovec oiov[3], iiov[3];
    char ib[3][8];
    const char *words[3] = {"uno", "dos", "tres"};
    memset(out, 0, sizeof out);
    memset(in, 0, sizeof in);
    for (int i = 0; i < 3; i++) {
        oiov[i].iov_base = (void *)words[i];
        oiov[i].iov_len = strlen(words[i]);
        out[i].msg_hdr.msg_iov = &oiov[i];
        out[i].msg_hdr.msg_iovlen = 1;
        iiov[i].iov_base = ib[i];
        iiov[i].iov_len = sizeof ib[i];
        in[i].msg_hdr.msg_iov = &iiov[i];
        in[i].msg_hdr.msg_iovlen = 1;
    }
    CHECK(sendmmsg(sv[0], out, 3, 0) == 3 && out[2].msg_len == 4, "sendmmsg: three datagrams");
    CHECK(recvmmsg(sv[1], in, 3, MSG_WAITFORONE, NULL) == 3 && in[1].msg_len == 3 &&
          memcmp(ib[2], "tres", 4) == 0, "recvmmsg: three datagrams");
    close(sv[0]); close(sv[1]);
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair seqpacket");
    send(sv[0], "abcdef", 6, 0);
    struct iovec iov = {.iov_base = buf, .iov_len = 4};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    CHECK(recvmsg(sv[1], &m, 0) == 4 && (m.msg_flags & MSG_TRUNC), "seqpacket: MSG_TRUNC");
    close(sv[0]); close(sv[1]);
    CHECK(socketpair(AF_INET, SOCK_STREAM, 0, sv) == -1 && errno == EOPNOTSUPP,
          "socketpair AF_INET: EOPNOTSUPP");
}

static long long mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void test_waits(void) {
    int sv[2];
    char buf[8];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct timeval tv = {.tv_sec = 0, .tv_usec = 20000};
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "SO_RCVTIMEO");
    long long t0 = mono_ms();
    CHECK(recv(sv[0], buf, sizeof buf, 0) == -1 && errno == EAGAIN && mono_ms() - t0 >= 20,
          "recv times out after 20 ms: EAGAIN");
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(40000);
        write(sv[1], "late", 4);
        _exit(0);
    }
    tv.tv_usec = 0;
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ualarm(10000, 0);
    CHECK(read(sv[0], buf, sizeof buf) == 4 && alarms == 1, "SA_RESTART: read goes on after a handler");
    waitpid(pid, NULL, 0);
    sa.sa_flags = 0;
    sigaction(SIGALRM, &sa, NULL);
    ualarm(10000, 0);
    CHECK(recv(sv[0], buf, sizeof buf, 0) == -1 && errno == EINTR && alarms == 2,
          "without SA_RESTART: EINTR");
    close(sv[0]); close(sv[1]);
}

static void test_unix_paths(void) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, "srv.sock");
    unlink(a.sun_path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0, "bind a path");
    struct stat st;
    CHECK(stat("srv.sock", &st) == 0 && S_ISSOCK(st.st_mode), "the path is a socket file");
    int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(l2, (struct sockaddr *)&a, sizeof a) == -1 && errno == EADDRINUSE,
          "bind taken path: EADDRINUSE");
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == -1 && errno == ECONNREFUSED,
          "connect before listen: ECONNREFUSED");
    close(c);
    CHECK(listen(l, 4) == 0, "listen");
    int acc = 0;
    socklen_t len = sizeof acc;
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len);
    CHECK(acc == 1, "SO_ACCEPTCONN");
    pid_t pid = fork();
    if (pid == 0) {
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) _exit(1);
        char buf[32];
        int n = read(s, buf, sizeof buf);
        write(s, buf, n);
        struct ucred cr;
        socklen_t cl = sizeof cr;
        getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
        _exit(cr.pid == getppid() ? 0 : 2);
    }
    struct sockaddr_un peer;
    len = sizeof peer;
    int s = accept4(l, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
    CHECK(s >= 0 && len == sizeof(sa_family_t), "accept: an unnamed peer");
    struct ucred cr;
    socklen_t cl = sizeof cr;
    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
    CHECK(cr.pid == pid, "SO_PEERCRED: the child's pid");
    write(s, "ping", 4);
    char buf[32];
    CHECK(read(s, buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0, "echo from the child");
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child saw the listener's pid");
    struct sockaddr_un name;
    len = sizeof name;
    getsockname(l, (struct sockaddr *)&name, &len);
    CHECK(len == offsetof(struct sockaddr_un, sun_path) + 9 && strcmp(name.sun_path, "srv.sock") == 0,
          "getsockname: the path");
    close(s); close(l); close(l2);
    unlink("srv.sock");
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == -1 && errno == ENOENT,
          "connect to a missing path: ENOENT");
    close(c);
    /* abstract names (unique per process: they are host-global under qemu-user) */
    struct sockaddr_un ab = {.sun_family = AF_UNIX};
    int n = snprintf(ab.sun_path + 1, sizeof ab.sun_path - 1, "blindfold-test-%d", getpid());
    socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 1 + n;
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(bind(d, (struct sockaddr *)&ab, alen) == 0, "bind an abstract name");
    int e = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(sendto(e, "dgram", 5, 0, (struct sockaddr *)&ab, alen) == 5, "sendto the name");
    struct sockaddr_un from;
    len = sizeof from;
    CHECK(recvfrom(d, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) == 5 &&
          len == 0, "recvfrom an unnamed sender: no address");
    len = sizeof name;
    getsockname(d, (struct sockaddr *)&name, &len);
    CHECK(len == alen && name.sun_path[0] == 0, "getsockname: the abstract name");
    CHECK(send(e, "x", 1, 0) == -1 && errno == ENOTCONN, "dgram send unconnected: ENOTCONN");
    close(d); close(e);
    CHECK(socket(AF_UNIX, SOCK_STREAM, 99) == -1 && errno == EPROTONOSUPPORT,
          "bad protocol: EPROTONOSUPPORT");
    CHECK(socket(12345, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT, "bad family: EAFNOSUPPORT");
    int fd = open("/dev/null", O_RDONLY);
    len = sizeof name;
    CHECK(getpeername(fd, (struct sockaddr *)&name, &len) == -1 && errno == ENOTSOCK,
          "getpeername on a file: ENOTSOCK");
    close(fd);
}

static void tcp_echo(int family, const char *what) {
    char label[128];
    struct sockaddr_storage ss = {0};
    socklen_t len;
    int l = socket(family, SOCK_STREAM, 0);
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    }
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    snprintf(label, sizeof label, "%s: bind port 0, listen", what);
    CHECK(bind(l, (struct sockaddr *)&ss, len) == 0 && listen(l, 8) == 0, label);
    getsockname(l, (struct sockaddr *)&ss, &len);
    int port = family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
                                 : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    snprintf(label, sizeof label, "%s: an ephemeral port", what);
    CHECK(port >= 1024, label);
    int l2 = socket(family, SOCK_STREAM, 0);
    setsockopt(l2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    snprintf(label, sizeof label, "%s: same port again: EADDRINUSE", what);
    CHECK(bind(l2, (struct sockaddr *)&ss, len) == -1 && errno == EADDRINUSE, label);
    close(l2);
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(family, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&ss, len) != 0) _exit(1);
        int nd = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &nd, sizeof nd);
        char buf[64];
        int n = 0, r;
        while ((r = read(c, buf + n, sizeof buf - n)) > 0) n += r;
        write(c, buf, n);
        shutdown(c, SHUT_WR);
        _exit(n == 11 ? 0 : 3);
    }
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    int s = accept(l, (struct sockaddr *)&peer, &plen);
    snprintf(label, sizeof label, "%s: accept with the peer's address", what);
    CHECK(s >= 0 && plen == len && peer.ss_family == family, label);
    write(s, "hello world", 11);
    shutdown(s, SHUT_WR);
    char buf[64];
    int n = 0, r;
    while ((r = read(s, buf + n, sizeof buf - n)) > 0) n += r;
    snprintf(label, sizeof label, "%s: echoed until EOF", what);
    CHECK(n == 11 && memcmp(buf, "hello world", 11) == 0, label);
    int status;
    waitpid(pid, &status, 0);
    snprintf(label, sizeof label, "%s: child connected and echoed", what);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, label);
    close(s);
    /* a bound socket that does not listen refuses connections */
    int b = socket(family, SOCK_STREAM, 0);
    ((struct sockaddr_in *)&ss)->sin_port = 0;
    bind(b, (struct sockaddr *)&ss, len);
    getsockname(b, (struct sockaddr *)&ss, &len);
    int c = socket(family, SOCK_STREAM, 0);
    snprintf(label, sizeof label, "%s: nobody listening: ECONNREFUSED", what);
    CHECK(connect(c, (struct sockaddr *)&ss, len) == -1 && errno == ECONNREFUSED, label);
    close(b); close(c); close(l);
}

static void test_inet(void) {
    tcp_echo(AF_INET, "tcp 127.0.0.1");
    tcp_echo(AF_INET6, "tcp ::1");
    int u = socket(AF_INET, SOCK_DGRAM, 0), v = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(u, (struct sockaddr *)&a, len);
    getsockname(u, (struct sockaddr *)&a, &len);
    CHECK(sendto(v, "udp!", 4, 0, (struct sockaddr *)&a, len) == 4, "udp sendto");
    struct sockaddr_in from, vname;
    socklen_t flen = sizeof from, vlen = sizeof vname;
    char buf[16];
    CHECK(recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen) == 4, "udp recvfrom");
    getsockname(v, (struct sockaddr *)&vname, &vlen);
    CHECK(from.sin_port == vname.sin_port && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "udp: sender is the autobound port on 127.0.0.1");
    int t = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(send(t, "x", 1, 0) == -1 && errno == EDESTADDRREQ, "udp send unconnected: EDESTADDRREQ");
    struct sockaddr_in far = {.sin_family = AF_INET, .sin_port = htons(9),
                              .sin_addr.s_addr = inet_addr("192.0.2.1")};
    CHECK(bind(t, (struct sockaddr *)&far, sizeof far) == -1 && errno == EADDRNOTAVAIL,
          "bind a foreign address: EADDRNOTAVAIL");
    close(u); close(v); close(t);
    CHECK(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) == -1 && errno == EPROTONOSUPPORT,
          "tcp with udp protocol: EPROTONOSUPPORT");
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_socketpair();
    test_waits();
    test_unix_paths();
    test_inet();
    printf("%s: %d failures\n", failures ? "FAILED" : "passed", failures);
    return failures != 0;
}
