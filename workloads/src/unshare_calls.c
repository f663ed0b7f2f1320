/* unshare(2) and what a child made with CLONE_FILES or CLONE_FS shares.
 *
 *   unshare_calls          the calls whose answers every Linux gives alike (one line each)
 *   unshare_calls ns       the namespace requests: answered by how the machine is set up
 *                          (privileges, the user.max_*_namespaces sysctls)
 *   unshare_calls thread   a second thread unshares the table and fs_struct it shares
 *                          with the first (Linux: 0, the thread's own copies)
 *
 * Each line is "<what>: <answer>", the answer a return value or an errno name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *answer(long rc) {
    static char buf[32];
    if (rc >= 0) {
        snprintf(buf, sizeof buf, "%ld", rc);
        return buf;
    }
    switch (errno) {
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case ENOSPC: return "ENOSPC";
    case EBADF: return "EBADF";
    case ENOSYS: return "ENOSYS";
    case EUSERS: return "EUSERS";
    default:
        snprintf(buf, sizeof buf, "errno %d", errno);
        return buf;
    }
}

static void show(const char *what, long rc) {
    printf("%s: %s\n", what, answer(rc));
    fflush(stdout);
}

/* A child made by a raw clone() without CLONE_VM (a fork that shares what `flags` say);
 * it runs fn and exits with its result. */
static int clone_child(unsigned long flags, int (*fn)(int), int arg) {
    long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(fn(arg));
    int status = -1;
    if (pid > 0)
        waitpid((pid_t)pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* --- CLONE_FILES: a descriptor the child installs at 40 ------------------------------- */
static int files_child(int unshare_first) {
    if (unshare_first && unshare(CLONE_FILES) != 0)
        return 1;
    int fd = open("/dev/null", O_RDONLY);
    if (fd < 0 || dup2(fd, 40) != 40)
        return 2;
    return 0;
}

static void files_case(const char *what, int unshare_first) {
    close(40);
    int rc = clone_child(CLONE_FILES, files_child, unshare_first);
    printf("%s: child %d, fd 40 in the parent %s\n", what, rc,
           fcntl(40, F_GETFD) >= 0 ? "open" : answer(-1));
    close(40);
}

/* --- CLONE_FS: the working directory and umask the child sets ------------------------- */
static int fs_child(int unshare_first) {
    if (unshare_first && unshare(CLONE_FS) != 0)
        return 1;
    if (chdir("fs_dir") != 0)
        return 2;
    umask(077);
    return 0;
}

static void fs_case(const char *what, int unshare_first) {
    char before[512], after[512];
    if (!getcwd(before, sizeof before))
        return;
    umask(022);
    int rc = clone_child(CLONE_FS, fs_child, unshare_first);
    if (!getcwd(after, sizeof after))
        return;
    mode_t mask = umask(022);
    printf("%s: child %d, parent's directory %s, umask %03o\n", what, rc,
           strcmp(before, after) == 0 ? "kept" : "moved", (unsigned)mask);
    if (chdir(before) != 0)
        exit(3);
}

/* --- a second thread: nothing of the group may be unshared --------------------------- */
static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;

static void *waiting(void *arg) {
    (void)arg;
    pthread_mutex_lock(&gate);
    pthread_mutex_unlock(&gate);
    return NULL;
}

static void thread_cases(void) {
    pthread_t th;
    pthread_mutex_lock(&gate);
    if (pthread_create(&th, NULL, waiting, NULL) != 0)
        return;
    show("unshare(CLONE_THREAD) with a second thread", unshare(CLONE_THREAD));
    show("unshare(CLONE_SIGHAND) with a second thread", unshare(CLONE_SIGHAND));
    show("unshare(CLONE_VM) with a second thread", unshare(CLONE_VM));
    show("unshare(CLONE_NEWUSER) with a second thread", unshare(CLONE_NEWUSER));
    pthread_mutex_unlock(&gate);
    pthread_join(th, NULL);
    show("unshare(CLONE_THREAD) once it ended", unshare(CLONE_THREAD));
}

/* --- a vfork child shares the parent's memory: CLONE_VM cannot be unshared ------------ */
static void vfork_case(void) {
    pid_t pid = vfork();
    if (pid == 0)
        _exit(unshare(CLONE_VM) == 0 ? 0 : errno == EINVAL ? 22 : 1);
    int status = -1;
    waitpid(pid, &status, 0);
    printf("unshare(CLONE_VM) in a vfork child: %s\n",
           WIFEXITED(status) && WEXITSTATUS(status) == 22 ? "EINVAL"
           : WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "0" : "other");
}

static void plain_cases(void) {
    show("unshare(0)", unshare(0));
    show("unshare(CSIGNAL bit 0x11)", unshare(0x11));
    show("unshare(CLONE_PTRACE)", unshare(CLONE_PTRACE));
    show("unshare(1 << 32)", syscall(SYS_unshare, 1UL << 32));
    show("unshare(CLONE_FILES), nothing shared", unshare(CLONE_FILES));
    show("unshare(CLONE_FS), nothing shared", unshare(CLONE_FS));
    show("unshare(CLONE_SYSVSEM)", unshare(CLONE_SYSVSEM));
    show("unshare(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM), one thread",
         unshare(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM));
    if (mkdir("fs_dir", 0755) != 0 && errno != EEXIST)
        exit(3);
    files_case("CLONE_FILES child opens fd 40", 0);
    files_case("CLONE_FILES child unshares, opens fd 40", 1);
    fs_case("CLONE_FS child chdir()s and sets umask 077", 0);
    fs_case("CLONE_FS child unshares, chdir()s, sets umask 077", 1);
    thread_cases();
    vfork_case();
    rmdir("fs_dir");
}

static void namespace_cases(void) {
    show("unshare(CLONE_NEWUTS)", unshare(CLONE_NEWUTS));
    show("unshare(CLONE_NEWNS)", unshare(CLONE_NEWNS));
    show("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
    show("unshare(CLONE_NEWPID | CLONE_NEWNET)", unshare(CLONE_NEWPID | CLONE_NEWNET));
    long pid = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid((pid_t)pid, NULL, 0);
    show("clone(CLONE_NEWPID)", pid > 0 ? 0 : pid);
    /* Without CAP_SYS_ADMIN every namespace but a user one is refused first. */
    if (setresuid(1000, 1000, 1000) == 0) {
        show("unshare(CLONE_NEWUTS) as uid 1000", unshare(CLONE_NEWUTS));
        show("unshare(CLONE_NEWUSER) as uid 1000", unshare(CLONE_NEWUSER));
    }
}

static void *unsharing(void *arg) {
    (void)arg;
    show("unshare(CLONE_FILES) in a second thread", unshare(CLONE_FILES));
    show("unshare(CLONE_FS) in a second thread", unshare(CLONE_FS));
    return NULL;
}

int main(int argc, char **argv) {
    pthread_t th;
    if (argc > 1 && strcmp(argv[1], "ns") == 0)
        namespace_cases();
    else if (argc > 1 && strcmp(argv[1], "thread") == 0) {
        if (pthread_create(&th, NULL, unsharing, NULL) == 0)
            pthread_join(th, NULL);
    }
    else
        plain_cases();
    return 0;
}
