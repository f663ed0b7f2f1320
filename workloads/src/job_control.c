/* Job control: stop signals, SIGCONT and what a parent's waits and SIGCHLD tell of them.
 *
 * Each step runs a child, acts on it and prints what wait4()/waitid(), SIGCHLD's siginfo,
 * sigpending() and /proc/PID/stat report, one line each.  Every line is fixed by Linux's
 * rules alone (no timing), so the output is the same on any Linux and under qemu-user.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void say(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static const char *status_text(int st) {
    static char buf[64];
    if (WIFEXITED(st))
        snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, sizeof buf, "killed by %d", WTERMSIG(st));
    else if (WIFSTOPPED(st))
        snprintf(buf, sizeof buf, "stopped by %d", WSTOPSIG(st));
    else if (WIFCONTINUED(st))
        snprintf(buf, sizeof buf, "continued");
    else
        snprintf(buf, sizeof buf, "status %#x", st);
    return buf;
}

/* waitpid() and what it told, or its errno */
static void show_wait(const char *what, pid_t pid, int options) {
    int st = 0;
    pid_t r = waitpid(pid, &st, options);
    if (r < 0)
        say("%s: errno %d", what, errno);
    else if (r == 0)
        say("%s: 0", what);
    else
        say("%s: %s", what, status_text(st));
}

static char proc_state(pid_t pid) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return '?';
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return '?';
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : '?';
}

static int sigchld_pending(void) {
    sigset_t s;
    sigpending(&s);
    return sigismember(&s, SIGCHLD);
}

/* A child that sleeps reading `fd` and exits with the byte it reads. */
static pid_t reader_child(int fd, int own_group) {
    pid_t pid = fork();
    if (pid == 0) {
        if (own_group)
            setpgid(0, 0);
        char c = 0;
        while (read(fd, &c, 1) < 0 && errno == EINTR)
            ;
        _exit(c);
    }
    if (own_group)
        setpgid(pid, pid);   /* both sides, so the group is made before anything is sent */
    return pid;
}

static void step_stop_continue(void) {
    int p[2];
    pipe(p);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    pid_t pid = reader_child(p[0], 0);
    siginfo_t si;

    kill(pid, SIGSTOP);
    show_wait("SIGSTOP, wait4(WUNTRACED)", pid, WUNTRACED);
    sigwaitinfo(&chld, &si);
    say("SIGCHLD: code %d status %d from the child %d", si.si_code, si.si_status,
        si.si_pid == pid);
    show_wait("again, wait4(WNOHANG|WUNTRACED)", pid, WNOHANG | WUNTRACED);
    say("/proc/PID/stat state: %c", proc_state(pid));
    show_wait("wait4(WNOHANG|WCONTINUED) while stopped", pid, WNOHANG | WCONTINUED);

    kill(pid, SIGCONT);
    show_wait("SIGCONT, wait4(WCONTINUED)", pid, WCONTINUED);
    sigwaitinfo(&chld, &si);
    say("SIGCHLD: code %d status %d from the child %d", si.si_code, si.si_status,
        si.si_pid == pid);
    show_wait("again, wait4(WNOHANG|WCONTINUED)", pid, WNOHANG | WCONTINUED);

    write(p[1], "\7", 1);
    show_wait("after the pipe's byte, wait4(0)", pid, 0);
    sigwaitinfo(&chld, &si);
    say("SIGCHLD: code %d status %d from the child %d", si.si_code, si.si_status,
        si.si_pid == pid);
    close(p[0]);
    close(p[1]);
    sigprocmask(SIG_UNBLOCK, &chld, NULL);
}

static void step_waitid(void) {
    int p[2];
    pipe(p);
    pid_t pid = reader_child(p[0], 0);
    siginfo_t si;

    kill(pid, SIGSTOP);
    memset(&si, 0x55, sizeof si);
    int r = waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT);
    say("waitid(WSTOPPED|WNOWAIT): %d code %d status %d pid ok %d", r, si.si_code,
        si.si_status, si.si_pid == pid);
    memset(&si, 0x55, sizeof si);
    r = waitid(P_PID, pid, &si, WSTOPPED);
    say("waitid(WSTOPPED) again: %d code %d status %d", r, si.si_code, si.si_status);
    memset(&si, 0x55, sizeof si);
    r = waitid(P_PID, pid, &si, WSTOPPED | WNOHANG);
    say("waitid(WSTOPPED|WNOHANG) once told: %d signo %d code %d pid %d", r, si.si_signo,
        si.si_code, si.si_pid);
    memset(&si, 0x55, sizeof si);
    r = waitid(P_PID, pid, &si, WEXITED | WNOHANG);
    say("waitid(WEXITED|WNOHANG) while stopped: %d signo %d pid %d", r, si.si_signo,
        si.si_pid);
    errno = 0;
    r = waitid(P_PID, pid, &si, WNOHANG);
    say("waitid(WNOHANG) alone: %d errno %d", r, errno);
    errno = 0;
    r = waitid(P_PID, 0, &si, WEXITED);
    say("waitid(P_PID, 0): %d errno %d", r, errno);
    errno = 0;
    int st;
    r = waitpid(pid, &st, 0x10);
    say("wait4 with an unknown option: %d errno %d", r, errno);

    kill(pid, SIGCONT);
    memset(&si, 0x55, sizeof si);
    r = waitid(P_PID, pid, &si, WCONTINUED);
    say("SIGCONT, waitid(WCONTINUED): %d code %d status %d", r, si.si_code, si.si_status);
    write(p[1], "\11", 1);
    memset(&si, 0x55, sizeof si);
    r = waitid(P_ALL, 0, &si, WEXITED);
    say("waitid(P_ALL, WEXITED): %d code %d status %d pid ok %d", r, si.si_code,
        si.si_status, si.si_pid == pid);
    errno = 0;
    r = waitid(P_ALL, 0, &si, WEXITED);
    say("no child left, waitid: %d errno %d", r, errno);
    close(p[0]);
    close(p[1]);
}

/* A stop signal other than SIGSTOP stops a process only in a group with a parent in
 * another group of the same session (is_current_pgrp_orphaned()). */
static void step_orphaned(void) {
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        raise(SIGTSTP);
        _exit(3);
    }
    show_wait("own group, raise(SIGTSTP): wait4(WUNTRACED)", pid, WUNTRACED);
    kill(pid, SIGCONT);
    show_wait("SIGCONT, wait4(WUNTRACED)", pid, WUNTRACED);

    pid = fork();
    if (pid == 0) {
        setsid();                       /* its group's only member; its parent is in another session */
        raise(SIGTSTP);
        raise(SIGTTOU);
        raise(SIGTTIN);
        _exit(4);
    }
    show_wait("own session (an orphaned group), raise(SIGTSTP/TTOU/TTIN): wait4(WUNTRACED)",
              pid, WUNTRACED);

    pid = fork();
    if (pid == 0) {
        setsid();
        raise(SIGSTOP);                 /* SIGSTOP stops it all the same */
        _exit(5);
    }
    show_wait("own session, raise(SIGSTOP): wait4(WUNTRACED)", pid, WUNTRACED);
    kill(pid, SIGCONT);
    show_wait("SIGCONT, wait4(0)", pid, 0);
}

static int ready[2], go[2];

static void on_cont(int s) {
    (void)s;
}

/* SIGCONT sent drops the pending stop signals, a stop signal sent the pending SIGCONT. */
static void step_flushes(void) {
    pipe(ready);
    pipe(go);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_cont;
        sigaction(SIGCONT, &sa, NULL);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGTSTP);
        sigaddset(&s, SIGCONT);
        sigprocmask(SIG_BLOCK, &s, NULL);
        char c;
        write(ready[1], "r", 1);
        read(go[0], &c, 1);
        sigset_t pend;
        sigpending(&pend);
        say("child: after SIGTSTP then SIGCONT, pending TSTP %d CONT %d",
            sigismember(&pend, SIGTSTP), sigismember(&pend, SIGCONT));
        sigset_t cont;
        sigemptyset(&cont);
        sigaddset(&cont, SIGCONT);
        int sig;
        sigwait(&cont, &sig);            /* take the SIGCONT */
        write(ready[1], "r", 1);
        read(go[0], &c, 1);
        sigpending(&pend);
        say("child: after SIGCONT then SIGTSTP, pending TSTP %d CONT %d",
            sigismember(&pend, SIGTSTP), sigismember(&pend, SIGCONT));
        _exit(0);
    }
    setpgid(pid, pid);
    char c;
    read(ready[0], &c, 1);
    kill(pid, SIGTSTP);
    kill(pid, SIGCONT);
    write(go[1], "g", 1);
    read(ready[0], &c, 1);
    kill(pid, SIGCONT);
    kill(pid, SIGTSTP);
    write(go[1], "g", 1);
    show_wait("flushes child: wait4(0)", pid, 0);
    close(ready[0]); close(ready[1]); close(go[0]); close(go[1]);
}

/* Signals sent to a stopped process wait for SIGCONT; SIGKILL does not. */
static void step_fatal(void) {
    int p[2];
    pipe(p);
    pid_t pid = reader_child(p[0], 0);
    kill(pid, SIGSTOP);
    show_wait("SIGSTOP: wait4(WUNTRACED)", pid, WUNTRACED);
    kill(pid, SIGTERM);
    show_wait("SIGTERM to the stopped child: wait4(WNOHANG)", pid, WNOHANG);
    say("/proc/PID/stat state: %c", proc_state(pid));
    kill(pid, SIGCONT);
    show_wait("SIGCONT: wait4(0)", pid, 0);

    pid = reader_child(p[0], 0);
    kill(pid, SIGSTOP);
    show_wait("SIGSTOP: wait4(WUNTRACED)", pid, WUNTRACED);
    kill(pid, SIGKILL);
    show_wait("SIGKILL to the stopped child: wait4(0)", pid, 0);
    close(p[0]);
    close(p[1]);
}

static void on_chld(int s) {
    (void)s;
}

/* SA_NOCLDSTOP: no SIGCHLD for a stop or a continue, one for the end. */
static void step_nocldstop(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int p[2];
    pipe(p);
    pid_t pid = reader_child(p[0], 0);
    kill(pid, SIGSTOP);
    show_wait("SA_NOCLDSTOP, SIGSTOP: wait4(WUNTRACED)", pid, WUNTRACED);
    say("SIGCHLD pending after the stop: %d", sigchld_pending());
    kill(pid, SIGCONT);
    show_wait("SIGCONT: wait4(WCONTINUED)", pid, WCONTINUED);
    write(p[1], "\2", 1);
    show_wait("wait4(0)", pid, 0);
    say("SIGCHLD pending after the end: %d", sigchld_pending());
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = 0;
    sigaction(SIGCHLD, &sa, NULL);
    sigprocmask(SIG_UNBLOCK, &chld, NULL);
    close(p[0]);
    close(p[1]);
}

static int tpipe[2];

static void *thread_reader(void *arg) {
    (void)arg;
    char c = 0;
    while (read(tpipe[0], &c, 1) < 0 && errno == EINTR)
        ;
    _exit(c);
}

/* A process of two threads stops and continues as one. */
static void step_threads(void) {
    pipe(tpipe);
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t th;
        pthread_create(&th, NULL, thread_reader, NULL);
        for (;;)
            pause();
    }
    kill(pid, SIGSTOP);
    show_wait("two threads, SIGSTOP: wait4(WUNTRACED)", pid, WUNTRACED);
    kill(pid, SIGCONT);
    show_wait("SIGCONT: wait4(WCONTINUED)", pid, WCONTINUED);
    write(tpipe[1], "\6", 1);
    show_wait("the second thread's byte: wait4(0)", pid, 0);
    close(tpipe[0]);
    close(tpipe[1]);
}

/* A child stopped in the middle of a sleep and continued after its deadline: the sleep
 * is restarted with the time it had left (none), and the child ends at once. */
static void step_sleep(void) {
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        _exit(nanosleep(&ts, NULL) == 0 ? 8 : 9);
    }
    struct timespec small = {0, 10 * 1000 * 1000}, big = {0, 300 * 1000 * 1000};
    nanosleep(&small, NULL);
    kill(pid, SIGSTOP);
    show_wait("a sleeping child, SIGSTOP: wait4(WUNTRACED)", pid, WUNTRACED);
    nanosleep(&big, NULL);
    kill(pid, SIGCONT);
    show_wait("SIGCONT past its deadline: wait4(0)", pid, 0);
}

int main(void) {
    step_stop_continue();
    step_waitid();
    step_orphaned();
    step_flushes();
    step_fatal();
    step_nocldstop();
    step_threads();
    step_sleep();
    say("done");
    return 0;
}
