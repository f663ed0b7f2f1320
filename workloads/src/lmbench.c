/*
 * lmbench - LMbench-style micro-operations for modeled cycles per operation.
 *
 *   lmbench OP [N]   run N iterations (default 100) of one operation, verify the
 *                    results and print "lmbench: OP x N: ok"
 *   lmbench list     print the operation names, one per line
 *   lmbench exit0    exit with status 0 at once (the image run by forkexec)
 *
 * Operations (after LMbench's lat_syscall, lat_proc, lat_pipe, lat_sig and
 * lat_pagefault):
 *
 *   null        getppid()
 *   read        read 1 byte from /dev/zero
 *   write       write 1 byte to /dev/null
 *   stat        stat() of lmbench.tmp, a file created first in the cwd
 *   openclose   open() + close() of lmbench.tmp
 *   pagefault   touch each page of an N-page anonymous mapping once
 *   forkexit    fork(); the child _exit(0)s; the parent waitpid()s
 *   forkexec    fork(); the child execve()s "argv[0] exit0"; the parent waitpid()s
 *   pipe        one byte ping-ponged between two processes through two pipes,
 *               N round trips
 *   ctxsw       the same as pipe
 *   siginstall  sigaction() of a SIGUSR1 handler
 *   sigcatch    kill(getpid(), SIGUSR1) caught by a counting handler
 *   mmap        mmap() of 64 KiB anonymous memory, touch one page, munmap()
 *
 * Nothing time-dependent is printed: the output is the same for every run, so
 * the cost of one operation is found by running N and 2N iterations and
 * taking the difference of the (virtual) run times.  Set-up work outside the
 * loop is the same in both runs and cancels.
 *
 * The forkexec operation needs an execve() that can start an AArch64 image.
 * Where it cannot (e.g. qemu-user without a binfmt registration, which hands
 * the execve to the host kernel), it prints "lmbench: forkexec: execve
 * unavailable" on stderr and exits with status 2.
 *
 * Exit status: 0 ok, 1 a check failed, 2 usage error or execve unavailable.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define TMPFILE "lmbench.tmp"
#define TMPFILE_SIZE 100
#define MMAP_SIZE (64 * 1024)
#define EXEC_FAILED_STATUS 127

static const char *self;

static void fail(const char *op, const char *what)
{
    fprintf(stderr, "lmbench: %s: FAILED: %s\n", op, what);
    exit(1);
}

static void fail_errno(const char *op, const char *what)
{
    fprintf(stderr, "lmbench: %s: FAILED: %s: %s\n", op, what, strerror(errno));
    exit(1);
}

static void create_tmpfile(const char *op)
{
    char buf[TMPFILE_SIZE];
    memset(buf, 'x', sizeof buf);
    int fd = open(TMPFILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        fail_errno(op, "create " TMPFILE);
    if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
        fail_errno(op, "write " TMPFILE);
    if (close(fd) < 0)
        fail_errno(op, "close " TMPFILE);
}

static void remove_tmpfile(const char *op)
{
    if (unlink(TMPFILE) < 0)
        fail_errno(op, "unlink " TMPFILE);
}

/* ---- lat_syscall ------------------------------------------------------ */

static void op_null(const char *op, long n)
{
    pid_t first = getppid();
    long bad = 0;
    for (long i = 0; i < n; i++)
        if (getppid() != first)
            bad++;
    if (bad)
        fail(op, "getppid() result changed");
}

static void op_read(const char *op, long n)
{
    int fd = open("/dev/zero", O_RDONLY);
    if (fd < 0)
        fail_errno(op, "open /dev/zero");
    long bad = 0;
    for (long i = 0; i < n; i++) {
        char c = 1;
        if (read(fd, &c, 1) != 1 || c != 0)
            bad++;
    }
    close(fd);
    if (bad)
        fail(op, "read of 1 byte from /dev/zero");
}

static void op_write(const char *op, long n)
{
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0)
        fail_errno(op, "open /dev/null");
    long bad = 0;
    char c = 'x';
    for (long i = 0; i < n; i++)
        if (write(fd, &c, 1) != 1)
            bad++;
    close(fd);
    if (bad)
        fail(op, "write of 1 byte to /dev/null");
}

static void op_stat(const char *op, long n)
{
    create_tmpfile(op);
    long bad = 0;
    for (long i = 0; i < n; i++) {
        struct stat st;
        if (stat(TMPFILE, &st) < 0 || st.st_size != TMPFILE_SIZE || !S_ISREG(st.st_mode))
            bad++;
    }
    remove_tmpfile(op);
    if (bad)
        fail(op, "stat of " TMPFILE);
}

static void op_openclose(const char *op, long n)
{
    create_tmpfile(op);
    long bad = 0;
    for (long i = 0; i < n; i++) {
        int fd = open(TMPFILE, O_RDONLY);
        if (fd < 0 || close(fd) < 0)
            bad++;
    }
    remove_tmpfile(op);
    if (bad)
        fail(op, "open+close of " TMPFILE);
}

/* ---- lat_pagefault / lat_mmap ----------------------------------------- */

static void op_pagefault(const char *op, long n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t len = (size_t)n * page;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        fail_errno(op, "mmap");
    /* Write first: a read would map the zero page and the write fault again. */
    long bad = 0;
    for (long i = 0; i < n; i++) {
        unsigned char *q = p + (size_t)i * page;
        q[0] = (unsigned char)(i | 1);
        if (q[0] != (unsigned char)(i | 1) || q[1] != 0)
            bad++;
    }
    if (munmap(p, len) < 0)
        fail_errno(op, "munmap");
    if (bad)
        fail(op, "page contents");
}

/*
 * Each iteration writes a marker at a different offset of the first page (a
 * write first, so there is one fault, not a zero-page read fault plus a
 * copy-on-write fault), then checks that the previous iteration's marker is
 * gone: a fresh anonymous mapping reads as zeros even when mmap() hands out
 * the address just unmapped.
 */
static void op_mmap(const char *op, long n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    long bad = 0;
    size_t prev = page;   /* no previous marker yet */
    for (long i = 0; i < n; i++) {
        unsigned char *p = mmap(NULL, MMAP_SIZE, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            fail_errno(op, "mmap");
        size_t off = ((size_t)i * 8) % page;
        p[off] = 0x5a;
        if (p[off] != 0x5a || (prev < page && p[prev] != 0))
            bad++;
        prev = off;
        if (munmap(p, MMAP_SIZE) < 0)
            fail_errno(op, "munmap");
    }
    if (bad)
        fail(op, "contents of a fresh mapping (not zero-filled, or the old page survived munmap)");
}

/* ---- lat_proc --------------------------------------------------------- */

static void op_forkexit(const char *op, long n)
{
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            fail_errno(op, "fork");
        if (pid == 0)
            _exit(0);
        int st;
        if (waitpid(pid, &st, 0) != pid)
            fail_errno(op, "waitpid");
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            fail(op, "child exit status");
    }
}

static void op_forkexec(const char *op, long n)
{
    char *args[] = {(char *)self, "exit0", NULL};
    char *envp[] = {NULL};
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            fail_errno(op, "fork");
        if (pid == 0) {
            execve(self, args, envp);
            _exit(EXEC_FAILED_STATUS);
        }
        int st;
        if (waitpid(pid, &st, 0) != pid)
            fail_errno(op, "waitpid");
        if (WIFEXITED(st) && WEXITSTATUS(st) == EXEC_FAILED_STATUS) {
            fprintf(stderr, "lmbench: forkexec: execve unavailable\n");
            exit(2);
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            fail(op, "exec'd child exit status");
    }
}

/* ---- lat_pipe / lat_ctx ----------------------------------------------- */

static void op_pipe(const char *op, long n)
{
    int to_child[2], to_parent[2];
    if (pipe(to_child) < 0 || pipe(to_parent) < 0)
        fail_errno(op, "pipe");
    pid_t pid = fork();
    if (pid < 0)
        fail_errno(op, "fork");
    if (pid == 0) {
        /* Echo each byte back, incremented, until EOF; exit 0 after exactly n. */
        close(to_child[1]);
        close(to_parent[0]);
        long count = 0;
        unsigned char c;
        ssize_t r;
        while ((r = read(to_child[0], &c, 1)) == 1) {
            c++;
            if (write(to_parent[1], &c, 1) != 1)
                _exit(1);
            count++;
        }
        _exit(r == 0 && count == n ? 0 : 1);
    }
    close(to_child[0]);
    close(to_parent[1]);
    long bad = 0;
    for (long i = 0; i < n; i++) {
        unsigned char c = (unsigned char)i, back;
        if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &back, 1) != 1 ||
            back != (unsigned char)(c + 1))
            bad++;
    }
    close(to_child[1]);
    int st;
    if (waitpid(pid, &st, 0) != pid)
        fail_errno(op, "waitpid");
    close(to_parent[0]);
    if (bad)
        fail(op, "round trip through the pipes");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail(op, "echo child exit status");
}

/* ---- lat_sig ---------------------------------------------------------- */

static volatile sig_atomic_t caught;

static void on_usr1(int sig)
{
    if (sig == SIGUSR1)
        caught++;
}

static void op_siginstall(const char *op, long n)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    long bad = 0;
    for (long i = 0; i < n; i++)
        if (sigaction(SIGUSR1, &sa, &old) < 0)
            bad++;
    if (bad)
        fail(op, "sigaction");
    if (sigaction(SIGUSR1, NULL, &old) < 0 || old.sa_handler != on_usr1)
        fail(op, "installed handler");
}

static void op_sigcatch(const char *op, long n)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) < 0)
        fail_errno(op, "sigaction");
    pid_t me = getpid();
    caught = 0;
    long bad = 0;
    for (long i = 0; i < n; i++)
        if (kill(me, SIGUSR1) < 0)
            bad++;
    if (bad)
        fail(op, "kill");
    if (caught != n)
        fail(op, "handler count differs from the number of signals sent");
}

/* ----------------------------------------------------------------------- */

struct op {
    const char *name;
    void (*run)(const char *op, long n);
};

static const struct op ops[] = {
    {"null", op_null},
    {"read", op_read},
    {"write", op_write},
    {"stat", op_stat},
    {"openclose", op_openclose},
    {"pagefault", op_pagefault},
    {"forkexit", op_forkexit},
    {"forkexec", op_forkexec},
    {"pipe", op_pipe},
    {"siginstall", op_siginstall},
    {"sigcatch", op_sigcatch},
    {"mmap", op_mmap},
    {"ctxsw", op_pipe},
};

#define NOPS (sizeof ops / sizeof ops[0])

static int usage(void)
{
    fprintf(stderr, "usage: lmbench OP [N]   (N >= 1, default 100)\n"
                    "       lmbench list\n"
                    "operations:");
    for (size_t i = 0; i < NOPS; i++)
        fprintf(stderr, " %s", ops[i].name);
    fputc('\n', stderr);
    return 2;
}

int main(int argc, char **argv)
{
    self = argv[0];
    if (argc < 2 || argc > 3)
        return usage();
    const char *name = argv[1];
    if (strcmp(name, "exit0") == 0)
        return 0;
    if (strcmp(name, "list") == 0) {
        if (argc != 2)
            return usage();
        for (size_t i = 0; i < NOPS; i++)
            puts(ops[i].name);
        return 0;
    }
    long n = 100;
    if (argc > 2) {
        char *end;
        errno = 0;
        n = strtol(argv[2], &end, 10);
        if (errno || end == argv[2] || *end != '\0' || n < 1)
            return usage();
    }
    for (size_t i = 0; i < NOPS; i++) {
        if (strcmp(name, ops[i].name) == 0) {
            ops[i].run(name, n);
            printf("lmbench: %s x %ld: ok\n", name, n);
            return 0;
        }
    }
    fprintf(stderr, "lmbench: unknown operation '%s'\n", name);
    return usage();
}
