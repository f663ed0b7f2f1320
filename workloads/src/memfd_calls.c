/*
 * memfd_calls - a memfd's shared pages across munmap, and calls whose user memory is
 * a struct, a socklen_t-sized buffer or a name.
 *
 *   memfd_calls          the memfd, calls and thread parts below
 *   memfd_calls PART...  only these parts: memfd, writeback, calls, thread, clone3, remap, exec,
 *                        vectors, waits
 *
 * memfd part: data written with write() survives a MAP_SHARED mmap and munmap of the
 * memfd (pread reads it back); data stored through a MAP_SHARED mapping survives
 * munmap and a second mmap of the same memfd while the descriptor stays open.
 *
 * writeback part (a program whose pages the kernel may read): a store through a
 * MAP_SHARED mapping at file offset 4096 reaches the file at offset 4096 once unmapped.
 *
 * calls part: memfd_create with a name (/proc/self/fd shows it), sched_getaffinity,
 * getsockopt(SO_TYPE) and rt_sigtimedwait on a blocked pending signal.
 *
 * thread part: a thread made by pthread_create returns a value to pthread_join.
 *
 * clone3 part (asked for by name: qemu-user 7.2 answers ENOSYS): a raw fork-like clone3
 * with CLONE_PARENT_SETTID.
 *
 * remap part: mremap(MREMAP_MAYMOVE | MREMAP_FIXED) onto the middle of a live area (Linux
 * unmaps the target range first): the moved page arrives with its data, the live pages
 * around the target keep theirs, the old place is free; the same for a growing move
 * (the added page reads zero), a shrinking one (the dropped page is gone), and for a memfd's MAP_SHARED page (mapped again after
 * munmap, the memfd shows the stores made through the moved mapping).
 *
 * exec part (asked for by name: qemu-user hands execve of an AArch64 image to the host): a
 * memfd without MFD_CLOEXEC, stored to through a MAP_SHARED mapping, then execve of the
 * program itself with "after-exec FD": the new image maps the memfd again and must see the
 * stores, then stores, unmaps and maps again (a second memfd, MFD_CLOEXEC, closes at the
 * exec).  The part ends in the new image.
 *
 * vectors part (asked for by name: qemu-user 7.2 answers ENOSYS): raw pwritev2/preadv2
 * on a memfd at an offset, preadv2 at the file position (offset -1), an unknown flag
 * (EOPNOTSUPP) and a negative offset (EINVAL).
 *
 * waits part: rt_sigtimedwait sleeping for a signal that arrives later: a blocked SIGCHLD
 * from a child's exit (with its status), a blocked SIGUSR2 a thread sends to this thread, an
 * unblocked SIGUSR1 with a handler (taken by the wait, the handler never runs), and a
 * timeout with nothing sent (EAGAIN).
 *
 * Each check prints "ok NAME" or "FAIL NAME"; the exit status is the number of failures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *name) {
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static void memfd_part(void) {
    int fd = memfd_create("data", 0);
    check(fd >= 0 && ftruncate(fd, 2 * 4096) == 0, "memfd: create, ftruncate");
    if (fd < 0)
        return;
    check(pwrite(fd, "written", 7, 100) == 7, "memfd: pwrite");
    char *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check(m != MAP_FAILED && memcmp(m + 100, "written", 7) == 0, "memfd: mmap sees pwrite");
    if (m == MAP_FAILED)
        return;
    munmap(m, 2 * 4096);
    char back[8] = {0};
    check(pread(fd, back, 7, 100) == 7 && strcmp(back, "written") == 0,
          "memfd: pwrite data survives mmap and munmap");

    m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        check(0, "memfd: second mmap");
        return;
    }
    strcpy(m, "stored-first-page");
    strcpy(m + 4096, "stored-second-page");
    munmap(m, 2 * 4096);
    char *again = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, fd, 0);
    check(again != MAP_FAILED && strcmp(again, "stored-first-page") == 0 &&
          strcmp(again + 4096, "stored-second-page") == 0,
          "memfd: stores survive munmap and mmap again");
    if (again != MAP_FAILED)
        munmap(again, 2 * 4096);
    /* The second page alone, at its file offset. */
    char *second = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
    check(second != MAP_FAILED && strcmp(second, "stored-second-page") == 0,
          "memfd: a page mapped again at its offset");
    if (second != MAP_FAILED)
        munmap(second, 4096);
    close(fd);
}

static void writeback_part(void) {
    int fd = memfd_create("writeback", 0);
    check(fd >= 0 && ftruncate(fd, 3 * 4096) == 0, "writeback: create, ftruncate");
    if (fd < 0)
        return;
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
    if (m != MAP_FAILED) {
        strcpy(m, "at-4096");
        munmap(m, 4096);
    }
    char at[8] = {0}, past[8] = {0};
    check(m != MAP_FAILED && pread(fd, at, 7, 4096) == 7 && strcmp(at, "at-4096") == 0 &&
          pread(fd, past, 7, 8192) == 7 && past[0] == 0,
          "writeback: a store at file offset 4096 lands there");
    close(fd);
}

/* Whether [p, p+len) is free: a MAP_FIXED_NOREPLACE mmap there succeeds (and is undone). */
static int range_free(char *p, size_t len) {
    char *m = mmap(p, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (m == MAP_FAILED)
        return 0;
    munmap(m, len);
    return m == p;
}

static void remap_part(void) {
    const size_t pg = 4096;
    char *live = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *src = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (live == MAP_FAILED || src == MAP_FAILED) {
        check(0, "remap: mmap");
        return;
    }
    for (int i = 0; i < 4; i++)
        memset(live + i * pg, 'A' + i, pg);
    strcpy(src, "moved-page");
    char *r = mremap(src, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, live + pg);
    check(r == live + pg && strcmp(r, "moved-page") == 0 && r[pg - 1] == 0,
          "remap: fixed move onto a live page");
    check(live[0] == 'A' && live[pg - 1] == 'A' && live[2 * pg] == 'C' && live[4 * pg - 1] == 'D',
          "remap: live pages around the target keep their data");
    check(range_free(src, pg), "remap: the old place is free");

    /* Growing while moving: one page becomes two over the live area's last two pages. */
    char *grow = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (grow != MAP_FAILED) {
        strcpy(grow, "grown-page");
        r = mremap(grow, pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, live + 2 * pg);
        check(r == live + 2 * pg && strcmp(r, "grown-page") == 0 && r[pg] == 0 &&
              r[2 * pg - 1] == 0 && strcmp(live + pg, "moved-page") == 0,
              "remap: a growing fixed move, the added page zero");
    }

    /* Shrinking while moving: of two pages only the first arrives, the second is gone. */
    char *two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (two != MAP_FAILED) {
        strcpy(two, "kept-half");
        strcpy(two + pg, "dropped-half");
        r = mremap(two, 2 * pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, live + 3 * pg);
        check(r == live + 3 * pg && strcmp(r, "kept-half") == 0 && range_free(two, 2 * pg) &&
              strcmp(live + 2 * pg, "grown-page") == 0, "remap: a shrinking fixed move");
    }
    errno = 0;
    r = mremap(live, pg, pg, MREMAP_FIXED, live + 2 * pg);
    int no_maymove = r == MAP_FAILED && errno == EINVAL;
    errno = 0;
    r = mremap(live, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, live + pg);
    check(no_maymove && r == MAP_FAILED && errno == EINVAL && strcmp(live + pg, "moved-page") == 0,
          "remap: fixed without MREMAP_MAYMOVE, or onto itself, is EINVAL");

    /* A memfd's shared page moved over the live area's first page: still the memfd's. */
    int fd = memfd_create("remapped", 0);
    char *shared = fd >= 0 && ftruncate(fd, pg) == 0 ?
        mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    if (shared != MAP_FAILED) {
        strcpy(shared, "shared-before");
        r = mremap(shared, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, live);
        if (r == live)
            strcpy(r + 16, "shared-after");
        int moved = r == live && strcmp(r, "shared-before") == 0;
        if (r == live)
            munmap(r, pg);
        char *again = r == live ? mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
        check(moved && again != MAP_FAILED &&
              strcmp(again, "shared-before") == 0 && strcmp(again + 16, "shared-after") == 0,
              "remap: a memfd page moved onto a live page stays the memfd's");
        if (again != MAP_FAILED)
            munmap(again, pg);
    }
    if (fd >= 0)
        close(fd);
    munmap(live, 4 * pg);
}

/* exec part: a memfd kept open across execve (no MFD_CLOEXEC) keeps the stores made
 * through a MAP_SHARED mapping of the old image; the new image maps it again. */
static void exec_part(const char *self) {
    int fd = memfd_create("across-exec", 0);
    char *m = fd >= 0 && ftruncate(fd, 2 * 4096) == 0 ?
        mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    if (m == MAP_FAILED) {
        check(0, "exec: memfd before execve");
        return;
    }
    strcpy(m, "stored-before-exec");
    strcpy(m + 4096, "second-page-before-exec");
    /* One with MFD_CLOEXEC: it closes at the exec, its page unmapped before. */
    int closed = memfd_create("closed-at-exec", MFD_CLOEXEC);
    char *c = closed >= 0 && ftruncate(closed, 4096) == 0 ?
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, closed, 0) : MAP_FAILED;
    if (c != MAP_FAILED) {
        strcpy(c, "gone-at-exec");
        munmap(c, 4096);
    }
    char arg[16];
    snprintf(arg, sizeof arg, "%d", fd);
    fflush(stdout);
    char *const args[] = {(char *)self, "after-exec", arg, NULL};
    execv(self, args);
    check(0, "exec: execve");
}

static int after_exec(const char *fd_text) {
    int fd = atoi(fd_text);
    char *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check(m != MAP_FAILED && strcmp(m, "stored-before-exec") == 0 &&
          strcmp(m + 4096, "second-page-before-exec") == 0,
          "exec: the new image maps the memfd's stores again");
    if (m != MAP_FAILED) {
        strcpy(m, "stored-after-exec");
        munmap(m, 2 * 4096);
        char *again = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
        check(again != MAP_FAILED && strcmp(again, "stored-after-exec") == 0,
              "exec: stores after execve survive munmap and mmap again");
    }
    close(fd);
    return failures;
}

/* vectors part: raw preadv2/pwritev2 on a memfd (glibc would fall back to preadv). */
static void vectors_part(void) {
    int fd = memfd_create("vectors", 0);
    char a[8] = "hello, ", b[8] = "vectors", x[8] = {0}, y[8] = {0};
    struct iovec w[2] = {{a, 7}, {b, 7}}, r[2] = {{x, 7}, {y, 7}}, one[1] = {{x, 7}};
    check(fd >= 0 && syscall(SYS_pwritev2, fd, w, 2, 0L, 0L, 0) == 14 &&
          syscall(SYS_preadv2, fd, r, 2, 0L, 0L, 0) == 14 && !strcmp(x, "hello, ") &&
          !strcmp(y, "vectors"), "vectors: pwritev2, preadv2 at an offset");
    memset(x, 0, sizeof x);
    check(lseek(fd, 7, SEEK_SET) == 7 && syscall(SYS_preadv2, fd, one, 1, -1L, -1L, 0) == 7 &&
          !strcmp(x, "vectors") && lseek(fd, 0, SEEK_CUR) == 14,
          "vectors: preadv2 at the file position (offset -1) moves it");
    errno = 0;
    long unknown = syscall(SYS_preadv2, fd, one, 1, 0L, 0L, 0x40000000);
    int unknown_errno = errno;
    errno = 0;
    check(unknown == -1 && unknown_errno == EOPNOTSUPP &&
          syscall(SYS_pwritev2, fd, w, 2, -5L, 0L, 0) == -1 && errno == EINVAL,
          "vectors: an unknown flag is EOPNOTSUPP, a negative offset EINVAL");
    if (fd >= 0)
        close(fd);
}

static void *thread_main(void *arg) {
    return (void *)((uintptr_t)arg + 1);
}

static void calls_part(void) {
    int fd = memfd_create("named-by-the-program", MFD_CLOEXEC);
    char path[64], link[128];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = fd >= 0 ? readlink(path, link, sizeof link - 1) : -1;
    link[n > 0 ? n : 0] = 0;
    check(fd >= 0 && strcmp(link, "/memfd:named-by-the-program (deleted)") == 0,
          "memfd_create: name");
    if (fd >= 0)
        close(fd);

    cpu_set_t set;
    CPU_ZERO(&set);
    check(sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) >= 1,
          "sched_getaffinity");

    int sv[2], type = -1;
    socklen_t len = sizeof type;
    check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 &&
          getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
          type == SOCK_STREAM && len == sizeof type, "getsockopt");

    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    raise(SIGUSR1);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    struct timespec ts = {1, 0};
    check(sigtimedwait(&usr1, &info, &ts) == SIGUSR1 && info.si_signo == SIGUSR1,
          "rt_sigtimedwait");
}

static void thread_part(void) {
    pthread_t th;
    void *ret = NULL;
    check(pthread_create(&th, NULL, thread_main, (void *)41) == 0 &&
          pthread_join(th, &ret) == 0 && (uintptr_t)ret == 42, "pthread_create");
}

static void clone3_part(void) {
    pid_t parent_tid = 0;
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_PARENT_SETTID;
    args.parent_tid = (uintptr_t)&parent_tid;
    args.exit_signal = SIGCHLD;
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0)
        _exit(7);
    int status = 0;
    check(pid > 0 && parent_tid == pid && waitpid(pid, &status, 0) == pid &&
          WIFEXITED(status) && WEXITSTATUS(status) == 7, "clone3");
}

static volatile sig_atomic_t usr1_handled;

static void on_usr1(int signo) {
    (void)signo;
    usr1_handled++;
}

/* Long enough for the waiter to be asleep before the signal comes. */
static void pause_briefly(void) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static void *send_usr2(void *main_tid) {
    pause_briefly();
    syscall(SYS_tgkill, getpid(), (pid_t)(uintptr_t)main_tid, SIGUSR2);
    return NULL;
}

static void waits_part(void) {
    sigset_t chld, usr2, usr1;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    siginfo_t info;

    sigprocmask(SIG_BLOCK, &chld, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        pause_briefly();
        _exit(7);
    }
    memset(&info, 0, sizeof info);
    int got = sigwaitinfo(&chld, &info);
    int status = -1;
    check(got == SIGCHLD && info.si_code == CLD_EXITED && info.si_status == 7 &&
          info.si_pid == pid && waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 7,
          "waits: a blocked SIGCHLD wakes sigwaitinfo");
    sigprocmask(SIG_UNBLOCK, &chld, NULL);

    sigprocmask(SIG_BLOCK, &usr2, NULL);
    pthread_t th;
    memset(&info, 0, sizeof info);
    int made = pthread_create(&th, NULL, send_usr2, (void *)(uintptr_t)syscall(SYS_gettid)) == 0;
    got = sigwaitinfo(&usr2, &info);
    check(made && pthread_join(th, NULL) == 0 && got == SIGUSR2 && info.si_signo == SIGUSR2,
          "waits: a thread-directed blocked signal wakes sigwaitinfo");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    pid_t parent = getpid();
    pid = fork();
    if (pid == 0) {
        pause_briefly();
        kill(parent, SIGUSR1);
        _exit(0);
    }
    struct timespec ts = {5, 0};
    got = sigtimedwait(&usr1, NULL, &ts);
    waitpid(pid, &status, 0);
    check(got == SIGUSR1 && usr1_handled == 0,
          "waits: an unblocked signal of the set is taken by the wait, not the handler");

    struct timespec short_wait = {0, 20 * 1000 * 1000};
    errno = 0;
    got = sigtimedwait(&usr2, NULL, &short_wait);
    check(got == -1 && errno == EAGAIN, "waits: nothing sent ends in EAGAIN");
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "after-exec"))
        return after_exec(argv[2]);
    if (argc < 2) {
        memfd_part();
        calls_part();
        thread_part();
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "memfd"))
            memfd_part();
        else if (!strcmp(argv[i], "writeback"))
            writeback_part();
        else if (!strcmp(argv[i], "calls"))
            calls_part();
        else if (!strcmp(argv[i], "thread"))
            thread_part();
        else if (!strcmp(argv[i], "clone3"))
            clone3_part();
        else if (!strcmp(argv[i], "remap"))
            remap_part();
        else if (!strcmp(argv[i], "exec"))
            exec_part(argv[0]);
        else if (!strcmp(argv[i], "vectors"))
            vectors_part();
        else if (!strcmp(argv[i], "waits"))
            waits_part();
        else {
            fprintf(stderr, "memfd_calls: unknown part '%s' (memfd, writeback, calls, thread, clone3, remap, exec, vectors, waits)\n", argv[i]);
            return 64;
        }
    }
    return failures;
}
