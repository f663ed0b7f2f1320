/*
 * forkexec - process-management workload: fork, waitpid, kill, pipes, execve.
 *
 *   forkexec            run every step, including a fork+execve of itself
 *   forkexec --no-exec  run every step except the execve step
 *   forkexec child ...  the re-executed image (started by the execve step;
 *                       not meant to be run by hand)
 *
 * The execve step re-executes argv[0], which is an AArch64 binary.  It only
 * succeeds where execve() can start an AArch64 image: Blindfold's kernel model
 * handles it, but qemu-user (qemu-aarch64-static) without a binfmt_misc
 * registration hands the execve to the host kernel, which rejects the image.
 * In that case the child reports the error on stderr and exits with 127, and
 * the parent prints "exec child: execve unavailable (exit status 127)" on
 * stdout instead of the exec'd child's lines, then exits with status 2.  The
 * standard output therefore differs visibly between such a host and an
 * emulator that supports execve; use --no-exec for a comparable run.
 *
 * Process ids are never printed: only relationships between them, as yes/no.
 *
 * Exit status: 0 all checks passed, 1 a check failed, 2 execve unavailable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXEC_CHILD_STATUS 7
#define EXEC_FAILED_STATUS 127
#define ENV_TOKEN "FORKEXEC_TOKEN=blindfold"

extern char **environ;

static int failures;

static const char *yes_no(int b)
{
    return b ? "yes" : "no";
}

static void check(int ok, const char *what)
{
    if (!ok) {
        failures++;
        fprintf(stderr, "forkexec: FAILED: %s\n", what);
    }
}

static pid_t fork_or_die(void)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        perror("forkexec: fork");
        exit(1);
    }
    return pid;
}

static void write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(100);
        p += w;
        n -= (size_t)w;
    }
}

static size_t read_full(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* Step 1: children exiting with distinct codes, reaped in whatever order wait() returns them. */
static void step_exit_codes(void)
{
    static const int codes[] = {0, 3, 42, 255};
    enum { N = sizeof codes / sizeof codes[0] };
    pid_t pids[N];
    int status[N], reaped[N] = {0};

    puts("step 1: exit codes");
    for (int i = 0; i < N; i++) {
        pids[i] = fork_or_die();
        if (pids[i] == 0)
            _exit(codes[i]);
    }
    for (int n = 0; n < N; n++) {
        int st;
        pid_t pid = wait(&st);
        int found = 0;
        for (int i = 0; i < N; i++)
            if (pid == pids[i] && !reaped[i]) {
                reaped[i] = 1;
                status[i] = st;
                found = 1;
            }
        check(found, "wait() returned an unknown pid");
    }
    for (int i = 0; i < N; i++) {
        int ok = reaped[i] && WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == codes[i];
        check(ok, "exit status");
        printf("  child %d: WIFEXITED=%s WEXITSTATUS=%d: %s\n", i, yes_no(reaped[i] && WIFEXITED(status[i])),
               reaped[i] && WIFEXITED(status[i]) ? WEXITSTATUS(status[i]) : -1, ok ? "ok" : "WRONG");
    }
    int st;
    errno = 0;
    int echild = wait(&st) == -1 && errno == ECHILD;
    check(echild, "wait() with no children");
    printf("  wait() with no children fails with ECHILD: %s\n", yes_no(echild));
}

/* Step 2: children terminated by signals. */
static void step_signals(void)
{
    int st;
    puts("step 2: children killed by signals");

    pid_t pid = fork_or_die();
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        kill(getpid(), SIGTERM);
        _exit(99);  /* not reached */
    }
    int ok = waitpid(pid, &st, 0) == pid;
    check(ok && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "child killed by its own SIGTERM");
    printf("  self-kill with SIGTERM: WIFSIGNALED=%s WTERMSIG=%d\n", yes_no(ok && WIFSIGNALED(st)),
           ok && WIFSIGNALED(st) ? WTERMSIG(st) : -1);

    pid = fork_or_die();
    if (pid == 0) {
        for (;;)
            pause();
    }
    check(kill(pid, SIGKILL) == 0, "kill(child, SIGKILL)");
    ok = waitpid(pid, &st, 0) == pid;
    check(ok && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child killed by parent's SIGKILL");
    printf("  killed by parent with SIGKILL: WIFSIGNALED=%s WTERMSIG=%d\n", yes_no(ok && WIFSIGNALED(st)),
           ok && WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

/* Step 3: the pid relationship, reported back by the child through a pipe. */
static void step_pids(void)
{
    int fds[2], st;
    pid_t parent = getpid();
    puts("step 3: process ids");
    if (pipe(fds) < 0) {
        perror("forkexec: pipe");
        exit(1);
    }
    pid_t pid = fork_or_die();
    if (pid == 0) {
        close(fds[0]);
        int report[3] = {getppid() == parent, getpid() != parent, 0};
        report[2] = getpgid(0) == getpgid(parent);
        write_all(fds[1], report, sizeof report);
        _exit(0);
    }
    close(fds[1]);
    int report[3] = {0, 0, 0};
    int got = read_full(fds[0], report, sizeof report) == sizeof report;
    close(fds[0]);
    int waited = waitpid(pid, &st, 0) == pid;
    check(got && report[0] && report[1] && report[2], "pid relationship");
    check(waited && WIFEXITED(st) && WEXITSTATUS(st) == 0, "pid child status");
    printf("  fork() returned a pid different from the parent's: %s\n", yes_no(pid > 0 && pid != parent));
    printf("  getppid()==parent: %s\n", yes_no(got && report[0]));
    printf("  child getpid()!=parent: %s\n", yes_no(got && report[1]));
    printf("  same process group as parent: %s\n", yes_no(got && report[2]));
    printf("  waitpid() returned the child pid: %s\n", yes_no(waited));
}

/*
 * Step 4: bidirectional pipes.  The parent sends 128 KiB (more than a pipe
 * buffer holds, so writes block until the child reads) to the child's stdin;
 * the child sums the data and sends the result back on a second pipe.
 */
static void step_pipe(void)
{
    enum { WORDS = 32768 };
    static uint32_t data[WORDS];
    int down[2], up[2], st;
    uint64_t expect_sum = 0, expect_mix = 0;

    puts("step 4: pipes");
    for (uint32_t i = 0; i < WORDS; i++) {
        data[i] = i * 2654435761u;
        expect_sum += data[i];
        expect_mix = (expect_mix ^ data[i]) * 0x100000001B3ull;
    }
    if (pipe(down) < 0 || pipe(up) < 0) {
        perror("forkexec: pipe");
        exit(1);
    }
    pid_t pid = fork_or_die();
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        if (dup2(down[0], STDIN_FILENO) < 0)
            _exit(101);
        close(down[0]);
        uint64_t result[3] = {0, 0, 0};  /* bytes, sum, mix */
        uint32_t buf[1024];
        size_t carry = 0;  /* bytes of a partial word kept at the front of buf */
        for (;;) {
            ssize_t r = read(STDIN_FILENO, (char *)buf + carry, sizeof buf - carry);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            result[0] += (uint64_t)r;
            size_t have = carry + (size_t)r, words = have / 4;
            for (size_t i = 0; i < words; i++) {
                result[1] += buf[i];
                result[2] = (result[2] ^ buf[i]) * 0x100000001B3ull;
            }
            carry = have % 4;
            memmove(buf, (char *)buf + words * 4, carry);
        }
        write_all(up[1], result, sizeof result);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    write_all(down[1], data, sizeof data);
    close(down[1]);  /* the child sees EOF */
    uint64_t result[3] = {0, 0, 0};
    int got = read_full(up[0], result, sizeof result) == sizeof result;
    char extra;
    int eof = read(up[0], &extra, 1) == 0;
    close(up[0]);
    int waited = waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    int ok = got && eof && waited && result[0] == sizeof data && result[1] == expect_sum &&
             result[2] == expect_mix;
    check(ok, "pipe round trip");
    printf("  sent %zu bytes to child stdin, child counted %llu bytes, sum=%llu mix=%016llx: %s\n",
           sizeof data, (unsigned long long)result[0], (unsigned long long)result[1],
           (unsigned long long)result[2], ok ? "ok" : "WRONG");
    printf("  EOF on reply pipe after child exit: %s\n", yes_no(eof));
}

/* Step 5: fork + execve of this program.  Returns 1 if execve was unavailable. */
static int step_exec(const char *self)
{
    int keep[2], cloexec[2], st;
    char ppid_arg[32], keep_arg[16], cloexec_arg[16];
    static char env_token[] = ENV_TOKEN;
    char *envp[] = {env_token, NULL};

    puts("step 5: fork + execve of self");
    if (pipe(keep) < 0 || pipe2(cloexec, O_CLOEXEC) < 0) {
        perror("forkexec: pipe");
        exit(1);
    }
    snprintf(ppid_arg, sizeof ppid_arg, "%ld", (long)getpid());
    snprintf(keep_arg, sizeof keep_arg, "%d", keep[1]);
    snprintf(cloexec_arg, sizeof cloexec_arg, "%d", cloexec[1]);
    char *args[] = {(char *)self, "child", ppid_arg, keep_arg, cloexec_arg, NULL};

    pid_t pid = fork_or_die();
    if (pid == 0) {
        close(keep[0]);
        close(cloexec[0]);
        execve(self, args, envp);
        fprintf(stderr, "forkexec: execve(%s) failed: %s (this step needs a host or emulator "
                        "that can execute AArch64 images)\n", self, strerror(errno));
        _exit(EXEC_FAILED_STATUS);
    }
    close(keep[1]);
    close(cloexec[1]);
    char msg[64] = {0};
    size_t n = read_full(keep[0], msg, sizeof msg - 1);
    close(keep[0]);
    close(cloexec[0]);
    int waited = waitpid(pid, &st, 0) == pid;
    if (waited && WIFEXITED(st) && WEXITSTATUS(st) == EXEC_FAILED_STATUS) {
        puts("exec child: execve unavailable (exit status 127)");
        return 1;
    }
    int ok = waited && WIFEXITED(st) && WEXITSTATUS(st) == EXEC_CHILD_STATUS;
    check(ok, "exec child exit status");
    printf("exec child: WIFEXITED=%s WEXITSTATUS=%d: %s\n", yes_no(waited && WIFEXITED(st)),
           waited && WIFEXITED(st) ? WEXITSTATUS(st) : -1, ok ? "ok" : "WRONG");
    int msg_ok = n > 0 && strcmp(msg, "written after execve\n") == 0;
    check(msg_ok, "message through inherited descriptor");
    printf("  message through inherited descriptor: %s\n", yes_no(msg_ok));
    return 0;
}

/* The re-executed image: verify what execve was supposed to preserve, then exit 7. */
static int run_exec_child(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "forkexec child: expected 5 arguments\n");
        return 1;
    }
    long parent = strtol(argv[2], NULL, 10);
    int keep_fd = atoi(argv[3]), cloexec_fd = atoi(argv[4]);
    const char *token = getenv("FORKEXEC_TOKEN");

    int ppid_ok = (long)getppid() == parent;
    int env_ok = token != NULL && strcmp(token, "blindfold") == 0 && environ[0] != NULL && environ[1] == NULL;
    int keep_ok = fcntl(keep_fd, F_GETFD) == 0;
    errno = 0;
    int cloexec_ok = fcntl(cloexec_fd, F_GETFD) == -1 && errno == EBADF;
    if (keep_ok) {
        static const char msg[] = "written after execve\n";
        keep_ok = write(keep_fd, msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1);
    }

    printf("forkexec child: running after execve, argc=%d argv[1]=%s\n", argc, argv[1]);
    printf("  getppid()==parent after execve: %s\n", yes_no(ppid_ok));
    printf("  environment replaced by execve: %s\n", yes_no(env_ok));
    printf("  inherited descriptor still open: %s\n", yes_no(keep_ok));
    printf("  close-on-exec descriptor closed: %s\n", yes_no(cloexec_ok));
    return ppid_ok && env_ok && keep_ok && cloexec_ok ? EXEC_CHILD_STATUS : 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return run_exec_child(argc, argv);

    int do_exec = 1;
    if (argc == 2 && strcmp(argv[1], "--no-exec") == 0)
        do_exec = 0;
    else if (argc != 1) {
        fprintf(stderr, "usage: forkexec [--no-exec]\n");
        return 2;
    }

    puts("forkexec: start");
    step_exit_codes();
    step_signals();
    step_pids();
    step_pipe();
    int exec_unavailable = do_exec ? step_exec(argv[0]) : 0;
    if (!do_exec)
        puts("step 5: skipped (--no-exec)");

    if (failures) {
        printf("forkexec: FAILED (%d checks)\n", failures);
        return 1;
    }
    if (exec_unavailable) {
        puts("forkexec: ok except execve (unavailable on this host)");
        return 2;
    }
    puts("forkexec: ok");
    return 0;
}
