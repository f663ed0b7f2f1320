/*
 * memfd_calls - a memfd's shared pages across munmap, and calls whose user memory is
 * a struct, a socklen_t-sized buffer or a name.
 *
 *   memfd_calls          the memfd, calls and thread parts below
 *   memfd_calls PART...  only these parts: memfd, writeback, calls, thread, clone3
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
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

int main(int argc, char **argv) {
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
        else {
            fprintf(stderr, "memfd_calls: unknown part '%s' (memfd, writeback, calls, thread, clone3)\n", argv[i]);
            return 64;
        }
    }
    return failures;
}
