/* Event files: epoll over pipes, eventfd, timerfd, signalfd, nested epoll and the
 * console; level and edge triggering, EPOLLONESHOT, timeouts, EINTR, pidfd.
 * Every line it prints is independent of host speed, so it compares byte for
 * byte with a run on real Linux (qemu-user). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, what)                                                      \
    do {                                                                       \
        if (cond) printf("ok   %s\n", what);                                   \
        else { printf("FAIL %s (errno %d)\n", what, errno); failures++; }      \
    } while (0)

static long long mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int add(int ep, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int wait1(int ep, int timeout, struct epoll_event *out) {
    return epoll_wait(ep, out, 1, timeout);
}

static void test_pipe_triggers(void) {
    int p[2], ep = epoll_create1(EPOLL_CLOEXEC), et = epoll_create1(0);
    struct epoll_event ev;
    CHECK(ep >= 0 && et >= 0, "epoll_create1");
    CHECK(fcntl(ep, F_GETFD) == FD_CLOEXEC && fcntl(et, F_GETFD) == 0, "EPOLL_CLOEXEC");
    CHECK(pipe(p) == 0, "pipe");
    CHECK(add(ep, p[0], EPOLLIN, 7) == 0, "add pipe (level)");
    CHECK(add(et, p[0], EPOLLIN | EPOLLET, 8) == 0, "add pipe (edge)");
    CHECK(wait1(ep, 0, &ev) == 0 && wait1(et, 0, &ev) == 0, "empty pipe not ready");
    write(p[1], "ab", 2);
    CHECK(wait1(ep, 0, &ev) == 1 && ev.events == EPOLLIN && ev.data.u64 == 7, "level: ready");
    CHECK(wait1(ep, 0, &ev) == 1, "level: still ready");
    CHECK(wait1(et, 0, &ev) == 1 && ev.data.u64 == 8, "edge: ready once");
    CHECK(wait1(et, 0, &ev) == 0, "edge: not again without new data");
    char c;
    read(p[0], &c, 1);
    CHECK(wait1(et, 0, &ev) == 0, "edge: a partial read is no new edge");
    write(p[1], "c", 1);
    CHECK(wait1(et, 0, &ev) == 1, "edge: new data is a new edge");
    char buf[8];
    read(p[0], buf, sizeof buf);
    CHECK(wait1(ep, 0, &ev) == 0, "level: drained pipe not ready");
    /* EPOLLONESHOT */
    int os = epoll_create1(0);
    add(os, p[0], EPOLLIN | EPOLLONESHOT, 9);
    write(p[1], "x", 1);
    CHECK(wait1(os, 0, &ev) == 1, "oneshot: first report");
    CHECK(wait1(os, 0, &ev) == 0, "oneshot: disabled after it");
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = 10;
    CHECK(epoll_ctl(os, EPOLL_CTL_MOD, p[0], &ev) == 0, "oneshot: MOD re-arms");
    CHECK(wait1(os, 0, &ev) == 1 && ev.data.u64 == 10, "oneshot: reported again");
    /* write end watched for EPOLLOUT; hang-up on the read end */
    int wp = epoll_create1(0);
    add(wp, p[1], EPOLLOUT, 11);
    CHECK(wait1(wp, 0, &ev) == 1 && ev.events == EPOLLOUT, "pipe write end: EPOLLOUT");
    close(p[1]);
    read(p[0], buf, sizeof buf);
    CHECK(wait1(ep, 0, &ev) == 1 && ev.events == EPOLLHUP, "closed writer: EPOLLHUP");
    close(p[0]);
    close(ep); close(et); close(os); close(wp);
}

static void test_ctl_errors(void) {
    int ep = epoll_create1(0), p[2];
    struct epoll_event ev = {.events = EPOLLIN};
    pipe(p);
    int f = open("events-tmp", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev) == -1 && errno == EPERM, "regular file: EPERM");
    int dn = open("/dev/null", O_RDONLY);
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, dn, &ev) == -1 && errno == EPERM, "/dev/null: EPERM");
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev) == -1 && errno == EINVAL, "itself: EINVAL");
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev) == -1 && errno == EBADF, "bad fd: EBADF");
    CHECK(epoll_ctl(f, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EINVAL, "not an epoll: EINVAL");
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "add");
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EEXIST, "add twice: EEXIST");
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev) == -1 && errno == ENOENT, "mod missing: ENOENT");
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0, "del");
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == -1 && errno == ENOENT, "del twice: ENOENT");
    CHECK(epoll_ctl(ep, 99, p[0], &ev) == -1 && errno == EINVAL, "bad op: EINVAL");
    CHECK(epoll_wait(ep, &ev, 0, 0) == -1 && errno == EINVAL, "maxevents 0: EINVAL");
    CHECK(epoll_wait(f, &ev, 1, 0) == -1 && errno == EINVAL, "wait on a file: EINVAL");
    CHECK(epoll_create1(12345) == -1 && errno == EINVAL, "create1 bad flags: EINVAL");
    add(ep, 1, EPOLLOUT, 12);
    CHECK(wait1(ep, 0, &ev) == 1 && (ev.events & EPOLLOUT) && ev.data.u64 == 12, "stdout: EPOLLOUT");
    close(f); unlink("events-tmp"); close(dn); close(p[0]); close(p[1]); close(ep);
}

static void test_eventfd(void) {
    uint64_t v;
    int e = eventfd(0, EFD_NONBLOCK);
    CHECK(e >= 0, "eventfd");
    CHECK(read(e, &v, 8) == -1 && errno == EAGAIN, "eventfd empty: EAGAIN");
    v = 3; write(e, &v, 8);
    v = 4; write(e, &v, 8);
    CHECK(read(e, &v, 8) == 8 && v == 7, "eventfd sums writes");
    uint32_t small;
    CHECK(read(e, &small, 4) == -1 && errno == EINVAL, "eventfd short read: EINVAL");
    v = UINT64_MAX;
    CHECK(write(e, &v, 8) == -1 && errno == EINVAL, "eventfd writing ~0: EINVAL");
    v = UINT64_MAX - 1; write(e, &v, 8);
    v = 1;
    CHECK(write(e, &v, 8) == -1 && errno == EAGAIN, "eventfd full: EAGAIN");
    close(e);
    int s = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
    CHECK(fcntl(s, F_GETFD) == FD_CLOEXEC, "EFD_CLOEXEC");
    int ok = read(s, &v, 8) == 8 && v == 1 && read(s, &v, 8) == 8 && v == 1;
    CHECK(ok && read(s, &v, 8) == -1 && errno == EAGAIN, "semaphore: one at a time");
    int ep = epoll_create1(0);
    struct epoll_event ev;
    add(ep, s, EPOLLIN | EPOLLOUT, 5);
    CHECK(wait1(ep, 0, &ev) == 1 && ev.events == EPOLLOUT, "eventfd 0: writable only");
    v = 1; write(s, &v, 8);
    CHECK(wait1(ep, 0, &ev) == 1 && ev.events == (EPOLLIN | EPOLLOUT), "eventfd 1: readable");
    /* a blocking read waits for another process's write */
    int b = eventfd(0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(20000);
        uint64_t one = 42;
        write(b, &one, 8);
        _exit(0);
    }
    CHECK(read(b, &v, 8) == 8 && v == 42, "eventfd blocking read woken by a writer");
    waitpid(pid, NULL, 0);
    CHECK(eventfd(0, 0x10) == -1 && errno == EINVAL, "eventfd bad flags: EINVAL");
    close(s); close(ep); close(b);
}

static void test_timerfd(void) {
    struct itimerspec its = {0}, cur;
    uint64_t ticks;
    struct epoll_event ev;
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    CHECK(t >= 0, "timerfd_create");
    CHECK(read(t, &ticks, 8) == -1 && errno == EAGAIN, "unarmed timerfd: EAGAIN");
    its.it_value.tv_nsec = 50 * 1000000;
    long long t0 = mono_ms();
    CHECK(timerfd_settime(t, 0, &its, NULL) == 0, "timerfd_settime relative");
    timerfd_gettime(t, &cur);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
          cur.it_value.tv_nsec <= 50 * 1000000, "timerfd_gettime counts down");
    int ep = epoll_create1(0);
    add(ep, t, EPOLLIN, 1);
    CHECK(wait1(ep, 5000, &ev) == 1 && ev.events == EPOLLIN, "epoll wakes on expiry");
    CHECK(mono_ms() - t0 >= 50, "not before 50 ms");
    CHECK(read(t, &ticks, 8) == 8 && ticks == 1, "one expiry");
    timerfd_gettime(t, &cur);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0, "one-shot disarmed");
    /* periodic */
    its.it_value.tv_nsec = 10 * 1000000;
    its.it_interval.tv_nsec = 10 * 1000000;
    timerfd_settime(t, 0, &its, NULL);
    usleep(35000);
    CHECK(read(t, &ticks, 8) == 8 && ticks >= 3, "periodic: expiries accumulate");
    timerfd_gettime(t, &cur);
    CHECK(cur.it_interval.tv_nsec == 10 * 1000000, "interval reported");
    struct itimerspec zero = {0}, old;
    timerfd_settime(t, 0, &zero, &old);
    CHECK(old.it_interval.tv_nsec == 10 * 1000000, "old setting returned");
    /* absolute, already past: expires at once */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    its.it_interval.tv_nsec = 0;
    its.it_value = now;
    timerfd_settime(t, TFD_TIMER_ABSTIME, &its, NULL);
    CHECK(read(t, &ticks, 8) == 8 && ticks == 1, "absolute time in the past: at once");
    close(t);
    /* CLOCK_REALTIME absolute, blocking read */
    int r = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_nsec += 20 * 1000000;
    if (now.tv_nsec >= 1000000000) { now.tv_sec++; now.tv_nsec -= 1000000000; }
    its.it_value = now;
    t0 = mono_ms();
    timerfd_settime(r, TFD_TIMER_ABSTIME, &its, NULL);
    CHECK(read(r, &ticks, 8) == 8 && ticks == 1 && mono_ms() - t0 >= 19, "realtime absolute: blocking read");
    its.it_value.tv_nsec = 2000000000L;
    CHECK(timerfd_settime(r, 0, &its, NULL) == -1 && errno == EINVAL, "bad timespec: EINVAL");
    CHECK(timerfd_create(12, 0) == -1 && errno == EINVAL, "bad clock: EINVAL");
    CHECK(timerfd_settime(ep, 0, &its, NULL) == -1 && errno == EINVAL, "not a timerfd: EINVAL");
    close(r); close(ep);
}

static void test_signalfd(void) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int s = signalfd(-1, &mask, SFD_NONBLOCK);
    CHECK(s >= 0, "signalfd");
    struct signalfd_siginfo si;
    CHECK(read(s, &si, sizeof si) == -1 && errno == EAGAIN, "nothing pending: EAGAIN");
    int ep = epoll_create1(0);
    struct epoll_event ev;
    add(ep, s, EPOLLIN, 3);
    CHECK(wait1(ep, 0, &ev) == 0, "signalfd not ready");
    kill(getpid(), SIGUSR1);
    CHECK(wait1(ep, 0, &ev) == 1 && ev.data.u64 == 3, "signalfd ready after kill");
    CHECK(read(s, &si, sizeof si) == sizeof si, "read one signalfd_siginfo");
    CHECK(si.ssi_signo == SIGUSR1 && si.ssi_code == SI_USER && si.ssi_pid == (uint32_t)getpid(),
          "signo, code and sender pid");
    pid_t pid = fork();
    if (pid == 0) _exit(5);
    CHECK(wait1(ep, 5000, &ev) == 1, "SIGCHLD wakes the waiter");
    CHECK(read(s, &si, sizeof si) == sizeof si && si.ssi_signo == SIGCHLD &&
          si.ssi_code == CLD_EXITED && si.ssi_status == 5 && si.ssi_pid == (uint32_t)pid,
          "SIGCHLD record: exited, status 5");
    waitpid(pid, NULL, 0);
    CHECK(read(s, &si, 8) == -1 && errno == EINVAL, "short read: EINVAL");
    sigaddset(&mask, SIGUSR2);
    CHECK(signalfd(s, &mask, 0) == s, "mask update keeps the fd");
    CHECK(signalfd(-1, &mask, 4) == -1 && errno == EINVAL, "bad flags: EINVAL");
    sigprocmask(SIG_UNBLOCK, &mask, NULL);
    close(s); close(ep);
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static int with_pwait2;   /* qemu-user 7 lacks epoll_pwait2: asked for with "pwait2" */

static void test_waits(void) {
    int p[2], ep = epoll_create1(0);
    struct epoll_event ev;
    pipe(p);
    add(ep, p[0], EPOLLIN, 1);
    long long t0 = mono_ms();
    CHECK(epoll_wait(ep, &ev, 1, 30) == 0 && mono_ms() - t0 >= 30, "timeout after 30 ms");
    if (with_pwait2) {
        struct timespec ts = {0, 10 * 1000000};
        t0 = mono_ms();
        CHECK(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8) == 0 && mono_ms() - t0 >= 10,
              "epoll_pwait2 timespec timeout");
        write(p[1], "w", 1);
        CHECK(syscall(SYS_epoll_pwait2, ep, &ev, 1, NULL, NULL, 8) == 1, "epoll_pwait2 no timeout");
        read(p[0], &ev, 1);
    }
    pid_t pid = fork();
    if (pid == 0) {
        usleep(20000);
        write(p[1], "z", 1);
        _exit(0);
    }
    CHECK(epoll_wait(ep, &ev, 1, -1) == 1, "infinite wait woken by a child's write");
    waitpid(pid, NULL, 0);
    char c;
    read(p[0], &c, 1);
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    ualarm(20000, 0);
    CHECK(epoll_wait(ep, &ev, 1, -1) == -1 && errno == EINTR && alarms == 1, "signal: EINTR");
    sigset_t block, during;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, NULL);
    sigemptyset(&during);
    ualarm(10000, 0);
    CHECK(epoll_pwait(ep, &ev, 1, -1, &during) == -1 && errno == EINTR && alarms == 2,
          "epoll_pwait unblocks during the wait");
    sigset_t after;
    sigprocmask(SIG_BLOCK, NULL, &after);
    CHECK(sigismember(&after, SIGALRM), "mask restored after epoll_pwait");
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    /* nested epoll */
    int outer = epoll_create1(0);
    add(outer, ep, EPOLLIN, 77);
    CHECK(wait1(outer, 0, &ev) == 0, "nested: inner not ready");
    write(p[1], "y", 1);
    CHECK(wait1(outer, 0, &ev) == 1 && ev.data.u64 == 77, "nested: inner ready");
    CHECK(add(ep, outer, EPOLLIN, 1) == -1 && errno == ELOOP, "nested cycle: ELOOP");
    close(outer); close(ep); close(p[0]); close(p[1]);
}

static void test_select(void) {
    int p[2];
    pipe(p);
    fd_set r, w;
    FD_ZERO(&r); FD_ZERO(&w);
    FD_SET(p[0], &r); FD_SET(p[1], &w);
    struct timeval tv = {0, 0};
    CHECK(select(p[1] + 1, &r, &w, NULL, &tv) == 1 && !FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w),
          "select: empty pipe writable, not readable");
    FD_ZERO(&r); FD_SET(p[0], &r);
    tv.tv_usec = 20000;
    long long t0 = mono_ms();
    CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 0 && mono_ms() - t0 >= 20 && tv.tv_usec == 0,
          "select: 20 ms timeout, time left 0");
    pid_t pid = fork();
    if (pid == 0) { usleep(10000); write(p[1], "s", 1); _exit(0); }
    FD_ZERO(&r); FD_SET(p[0], &r);
    CHECK(select(p[0] + 1, &r, NULL, NULL, NULL) == 1 && FD_ISSET(p[0], &r),
          "select: woken by a child's write");
    waitpid(pid, NULL, 0);
    FD_ZERO(&r); FD_SET(p[0], &r); FD_SET(p[0] + 10, &r);
    tv.tv_usec = 0;
    CHECK(select(p[0] + 11, &r, NULL, NULL, &tv) == -1 && errno == EBADF, "select: closed fd: EBADF");
    sigset_t block, during;
    sigemptyset(&block); sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, NULL);
    sigemptyset(&during);
    char c;
    read(p[0], &c, 1);
    ualarm(10000, 0);
    FD_ZERO(&r); FD_SET(p[0], &r);
    int before = alarms;
    CHECK(pselect(p[0] + 1, &r, NULL, NULL, NULL, &during) == -1 && errno == EINTR &&
          alarms == before + 1, "pselect: signal unblocked during the wait: EINTR");
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    close(p[0]); close(p[1]);
}

static volatile sig_atomic_t timer_hits, timer_code, timer_value;
static void on_timer(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)uc;
    timer_hits++;
    timer_code = si->si_code;
    timer_value = si->si_value.sival_int;
}

static void test_posix_timers(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR2;
    sev.sigev_value.sival_int = 4242;
    timer_t tid;
    CHECK(timer_create(CLOCK_MONOTONIC, &sev, &tid) == 0, "timer_create");
    struct itimerspec its = {.it_value = {0, 10000000}, .it_interval = {0, 10000000}};
    CHECK(timer_settime(tid, 0, &its, NULL) == 0, "timer_settime: every 10 ms");
    long long t0 = mono_ms();
    while (timer_hits < 3 && mono_ms() - t0 < 5000) usleep(1000);
    CHECK(timer_hits >= 3 && timer_code == SI_TIMER && timer_value == 4242,
          "signals with SI_TIMER and the sigev_value");
    struct itimerspec cur;
    CHECK(timer_gettime(tid, &cur) == 0 && cur.it_interval.tv_nsec == 10000000 &&
          cur.it_value.tv_nsec > 0, "timer_gettime");
    CHECK(timer_getoverrun(tid) >= 0, "timer_getoverrun");
    CHECK(timer_delete(tid) == 0, "timer_delete");
    int before = timer_hits;
    usleep(30000);
    CHECK(timer_hits == before, "no signal after delete");
    CHECK(timer_delete(tid) == -1 && errno == EINVAL, "delete twice: EINVAL");
    CHECK(timer_create(77, &sev, &tid) == -1 && errno == EINVAL, "bad clock: EINVAL");
    signal(SIGUSR2, SIG_DFL);
}

static void test_pidfd(void) {
    pid_t pid = fork();
    if (pid == 0) { usleep(20000); _exit(0); }
    int pfd = syscall(SYS_pidfd_open, pid, 0);
    CHECK(pfd >= 0 && fcntl(pfd, F_GETFD) == FD_CLOEXEC, "pidfd_open");
    int ep = epoll_create1(0);
    struct epoll_event ev;
    add(ep, pfd, EPOLLIN, 1);
    CHECK(wait1(ep, 0, &ev) == 0, "pidfd: child running");
    CHECK(wait1(ep, 5000, &ev) == 1, "pidfd: readable when the child exits");
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(syscall(SYS_waitid, 3 /* P_PIDFD */, pfd, &si, WEXITED, NULL) == 0 && si.si_pid == pid &&
          si.si_status == 0, "waitid P_PIDFD reaps it");
    pid_t other = fork();
    if (other == 0) { pause(); _exit(0); }
    int ofd = syscall(SYS_pidfd_open, other, 0);
    CHECK(syscall(SYS_pidfd_send_signal, ofd, 0, NULL, 0) == 0, "pidfd_send_signal 0: alive");
    CHECK(syscall(SYS_pidfd_send_signal, ofd, SIGTERM, NULL, 0) == 0, "pidfd_send_signal SIGTERM");
    int st;
    CHECK(waitpid(other, &st, 0) == other && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
          "the child died of it");
    CHECK(syscall(SYS_pidfd_send_signal, ofd, 0, NULL, 0) == -1 && errno == ESRCH, "then ESRCH");
    close(ofd);
    CHECK(syscall(SYS_pidfd_open, 999999, 0) == -1 && errno == ESRCH, "pidfd_open: ESRCH");
    close(pfd); close(ep);
}

int main(int argc, char **argv) {
    with_pwait2 = argc > 1 && strcmp(argv[1], "pwait2") == 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_pipe_triggers();
    test_ctl_errors();
    test_eventfd();
    test_timerfd();
    test_signalfd();
    test_waits();
    test_select();
    test_posix_timers();
    test_pidfd();
    printf("%s: %d failures\n", failures ? "FAILED" : "passed", failures);
    return failures != 0;
}
