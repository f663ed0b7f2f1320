"""SO_PASSCRED on an AF_UNIX stream: a read never glues bytes from different writers
(unix_stream_read_generic() stops where the next skb's pid or creds differ), and its
SCM_CREDENTIALS names the writer of the bytes it returns; credentials ride along only
while SO_PASSCRED is set on an end at the send (maybe_add_creds()), and only a reading
end with it set compares them -- checked against qemu."""

from __future__ import annotations

from pathlib import Path

from tests.model_diff import compile_c, needs_tools, three_ways

pytestmark = needs_tools

SOURCE = r"""
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
static int sv[2];
static long rd(const char *tag, pid_t want, int peek) {
    char buf[17] = {0}, cbuf[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = {buf, 16};
    struct msghdr m = {0};
    m.msg_iov = &iov; m.msg_iovlen = 1; m.msg_control = cbuf; m.msg_controllen = sizeof cbuf;
    long n = recvmsg(sv[0], &m, peek ? MSG_PEEK : 0);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    struct ucred uc = {0};
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
        memcpy(&uc, CMSG_DATA(cm), sizeof uc);
    printf("%s: %ld [%s] cmsg=%d writer=%d ids=%d\n", tag, n, buf, cm != 0,
           uc.pid == want, uc.uid == getuid() && uc.gid == getgid());
    return n;
}
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    int one = 1;
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    pid_t c = fork();
    if (c == 0) { write(sv[1], "abcd", 4); _exit(0); }
    waitpid(c, 0, 0);
    write(sv[1], "efgh", 4);
    rd("peek", c, 1);
    rd("child", c, 0);
    rd("parent", getpid(), 0);
    write(sv[1], "ab", 2);                  /* one writer: its writes glue */
    write(sv[1], "cd", 2);
    rd("same", getpid(), 0);
    one = 0;                                /* no credentials passing: all glue */
    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    c = fork();
    if (c == 0) { write(sv[1], "1234", 4); _exit(0); }
    waitpid(c, 0, 0);
    write(sv[1], "5678", 4);
    char buf[17] = {0};
    printf("nocred: %ld [%s]\n", read(sv[0], buf, 16), buf);
    /* set on the reader only after both writes: no credentials rode along, all glue */
    c = fork();
    if (c == 0) { write(sv[1], "wxyz", 4); _exit(0); }
    waitpid(c, 0, 0);
    write(sv[1], "WXYZ", 4);
    one = 1;
    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    memset(buf, 0, sizeof buf);
    printf("late: %ld [%s]\n", read(sv[0], buf, 16), buf);
    /* set on the writing end only: credentials ride along, but the reader compares none */
    one = 0;
    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    one = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    c = fork();
    if (c == 0) { write(sv[1], "pqrs", 4); _exit(0); }
    waitpid(c, 0, 0);
    write(sv[1], "PQRS", 4);
    memset(buf, 0, sizeof buf);
    printf("writer only: %ld [%s]\n", read(sv[0], buf, 16), buf);
    return 0;
}
"""


def test_passcred_stream_reads_stop_at_a_writer_boundary(tmp_path: Path) -> None:
    exe = compile_c(tmp_path, "passcred", SOURCE)
    q, native, confidential = three_ways(tmp_path, exe)
    assert q.code == 0
    assert b"child: 4 [abcd] cmsg=1 writer=1" in q.stdout
    assert b"nocred: 8 [12345678]" in q.stdout
    assert b"late: 8 [wxyzWXYZ]" in q.stdout and b"writer only: 8 [pqrsPQRS]" in q.stdout
    assert native == q
    assert confidential == q


ACCEPTED = r"""
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    int one = 1, l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {AF_UNIX};
    strcpy(a.sun_path + 1, "passcred-accept");      /* abstract: nothing on disk */
    socklen_t len = sizeof(sa_family_t) + 1 + strlen("passcred-accept");
    setsockopt(l, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    bind(l, (struct sockaddr *)&a, len); listen(l, 1);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, len);
    int s = accept(l, 0, 0);
    int got = 0; socklen_t gl = sizeof got;
    getsockopt(s, SOL_SOCKET, SO_PASSCRED, &got, &gl);
    printf("inherited: %d\n", got);
    write(c, "PPPP", 4);
    pid_t k = fork();
    if (k == 0) { write(c, "CCCC", 4); _exit(0); }
    waitpid(k, 0, 0);
    char buf[16] = {0};
    printf("read: %ld [%s]\n", read(s, buf, 16), buf);
    return 0;
}
"""


def test_an_accepted_socket_inherits_passcred(tmp_path: Path) -> None:
    """unix_accept() -> unix_sock_inherit_flags(): the accepted socket has the listener's
    SO_PASSCRED, so its reads stop at a change of writer."""
    from tests.model_diff import agrees_with_qemu
    agrees_with_qemu(tmp_path, "passcred_accept", ACCEPTED, b"inherited: 1",
                     b"read: 4 [PPPP]")
