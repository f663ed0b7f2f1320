"""Waits that take pending signals, as Linux gives them (checked against qemu), confidential
included: `signal.pending_order` refuses none of them -- a signal left at SIG_DFL or never
set, blocked and sent, is taken by a wait (synchronous first); a signal pending in both
queues is taken twice and then -EAGAIN (qemu-user keeps its own order of the two); a fork child's kill(0, ...) of the program's
group and its kill() learnt of through a pipe are pending; real-time instances leave the
queue in the order they were queued, whoever queued them, also after a wait that asked
for no siginfo; a fork child's read of its parent's signalfd finds nothing pending; a
child's kill() of a signal the program ignores by default, unblocked, is discarded, and
taken by a wait once the program blocks it."""

from __future__ import annotations

from pathlib import Path

from tests.model_diff import agrees_with_qemu, needs_tools

pytestmark = needs_tools

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static void h(int s) { (void)s; }
static struct timespec zero = {0, 0};
static int take(const sigset_t *set, siginfo_t *si) { return sigtimedwait(set, si, &zero); }
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    signal(SIGUSR1, h);
    pid_t me = getpid();
    sigset_t s; sigemptyset(&s); sigaddset(&s, SIGUSR1); sigaddset(&s, SIGSYS);
    sigprocmask(SIG_BLOCK, &s, 0);
    kill(me, SIGUSR1); kill(me, SIGSYS);          /* SIGSYS never set: SIG_DFL */
    int fd = signalfd(-1, &s, SFD_NONBLOCK);
    struct signalfd_siginfo r[3];
    int n = read(fd, r, sizeof r);
    errno = 0; int again = read(fd, r, sizeof r);
    printf("signalfd: %d %u %u then %d errno %d\n", n, r[0].ssi_signo, r[1].ssi_signo, again,
           errno);
    close(fd);
    sigset_t u1; sigemptyset(&u1); sigaddset(&u1, SIGUSR1);
    siginfo_t a, b;
    kill(me, SIGUSR1); syscall(SYS_tgkill, me, syscall(SYS_gettid), SIGUSR1);
    int w1 = take(&u1, &a), w2 = take(&u1, &b);
    errno = 0; int w3 = take(&u1, &b);
    printf("both queues: %d %d %d errno %d\n", w1 == SIGUSR1, w2 == SIGUSR1, w3, errno);
    int p[2]; pipe(p);
    pid_t c = fork();
    if (c == 0) { kill(me, SIGUSR1); write(p[1], "k", 1); _exit(0); }
    char k; read(p[0], &k, 1);
    int w = take(&u1, &a);
    printf("through a pipe: %d\n", w == SIGUSR1 && a.si_pid == c);
    waitpid(c, 0, 0);
    if (setpgid(0, 0) == 0) {
        c = fork();
        if (c == 0) _exit(kill(0, SIGUSR1) == 0 ? 0 : 1);
        waitpid(c, 0, 0);
        w = take(&u1, &a);
        printf("group: %d\n", w == SIGUSR1 && a.si_pid == c);
    }
    kill(me, SIGUSR1);
    fd = signalfd(-1, &u1, SFD_NONBLOCK);
    c = fork();
    if (c == 0) _exit(read(fd, r, sizeof r) == -1 && errno == EAGAIN ? 0 : 1);
    int st; waitpid(c, &st, 0);
    n = read(fd, r, sizeof r);
    printf("a child's read: %d %d\n", st, n);
    close(fd);
    sigset_t rt; sigemptyset(&rt); sigaddset(&rt, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &rt, 0);
    c = fork();
    if (c == 0) { union sigval v = {.sival_int = 1}; _exit(sigqueue(me, SIGRTMIN, v)); }
    waitpid(c, 0, 0);
    union sigval v2 = {.sival_int = 2}, v3 = {.sival_int = 3};
    sigqueue(me, SIGRTMIN, v2);
    sigqueue(me, SIGRTMIN, v3);
    int x = take(&rt, &a), y = sigtimedwait(&rt, 0, &zero), z = take(&rt, &b);
    printf("real-time: %d %d %d\n", x == SIGRTMIN && a.si_value.sival_int == 1,
           y == SIGRTMIN, z == SIGRTMIN && b.si_value.sival_int == 3);
    sigset_t urg; sigemptyset(&urg); sigaddset(&urg, SIGURG);
    signal(SIGURG, SIG_DFL);
    sigprocmask(SIG_UNBLOCK, &urg, 0);
    c = fork();
    if (c == 0) _exit(kill(me, SIGURG) == 0 ? 0 : 1);
    waitpid(c, 0, 0);
    sigprocmask(SIG_BLOCK, &urg, 0);
    errno = 0; int d = take(&urg, &a);
    c = fork();
    if (c == 0) _exit(kill(me, SIGURG) == 0 ? 0 : 1);
    waitpid(c, 0, 0);
    int q = take(&urg, &a);
    printf("ignored: %d errno %d, blocked: %d\n", d, errno, q == SIGURG && a.si_pid == c);
    return 0;
}
"""


def test_waits_take_what_linux_left_pending(tmp_path: Path) -> None:
    agrees_with_qemu(tmp_path, "pending_waits", SOURCE,
                     b"signalfd: 256 31 10 then -1 errno 11", b"both queues: 1 1 -1 errno 11",
                     b"through a pipe: 1", b"group: 1", b"a child's read: 0 128",
                     b"real-time: 1 1 1", b"ignored: -1 errno 11, blocked: 1")
