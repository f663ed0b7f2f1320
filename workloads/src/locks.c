/* locks: fcntl record locks between a process and its fork children.
 *
 * POSIX locks are owned by the process (its descriptor table) and go when it closes any
 * descriptor of the file; OFD locks are owned by the open file; a lock of another owner
 * conflicts where ranges overlap and one is a write lock.  One line per step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int lk(int fd, int cmd, short type, short whence, off_t start, off_t len) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = whence;
    fl.l_start = start;
    fl.l_len = len;
    return fcntl(fd, cmd, &fl) < 0 ? -errno : 0;
}

static void show_getlk(const char *what, int fd, int cmd, short type, off_t start, off_t len,
                       pid_t parent) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    if (fcntl(fd, cmd, &fl) < 0) {
        printf("%s: %s\n", what, strerror(errno));
        return;
    }
    if (fl.l_type == F_UNLCK) {
        printf("%s: unlocked\n", what);
        return;
    }
    printf("%s: %s [%lld, +%lld) held by %s\n", what, fl.l_type == F_WRLCK ? "write" : "read",
           (long long)fl.l_start, (long long)fl.l_len,
           fl.l_pid == parent ? "the parent" : fl.l_pid == -1 ? "an open file (-1)" : "?");
}

static void res(const char *what, int r) {
    printf("%s: %s\n", what, r ? strerror(-r) : "ok");
}

static void wait_child(pid_t pid) {
    int status;
    waitpid(pid, &status, 0);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t me = getpid();
    int fd = open("locks.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "0123456789abcdefghij", 20) != 20) {
        perror("locks.tmp");
        return 1;
    }
    res("parent write lock [0,10)", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    res("parent read lock [15,20) by a negative length", lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 20, -5));
    pid_t c = fork();
    if (c == 0) {
        res("child write lock [0,10)", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
        show_getlk("child asks [5,6)", fd, F_GETLK, F_WRLCK, 5, 1, me);
        res("child write lock [10,15)", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 5));
        res("child read lock [16,18)", lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 16, 2));
        show_getlk("child asks write [17,+1)", fd, F_GETLK, F_WRLCK, 17, 1, me);
        _exit(0);
    }
    wait_child(c);
    res("parent relock [0,20) after the child left", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 20));

    /* A close of any descriptor of the file drops the process's POSIX locks. */
    int other = open("locks.tmp", O_RDONLY);
    close(other);
    c = fork();
    if (c == 0) {
        res("child write lock after the parent closed another descriptor",
            lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 20));
        _exit(0);
    }
    wait_child(c);

    /* OFD locks belong to the open file: the same process's POSIX lock conflicts. */
    int ofd = open("locks.tmp", O_RDWR);
    res("OFD write lock [100,110)", lk(ofd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 100, 10));
    res("same process, POSIX lock [105,106)", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 105, 1));
    show_getlk("POSIX F_GETLK [100,+1)", fd, F_GETLK, F_RDLCK, 100, 1, me);
    res("OFD relock through the same open file", lk(ofd, F_OFD_SETLK, F_RDLCK, SEEK_SET, 100, 10));
    c = fork();
    if (c == 0) {
        res("child OFD lock through the shared open file",
            lk(ofd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 100, 10));
        _exit(0);
    }
    wait_child(c);
    close(ofd);
    res("POSIX lock [105,106) after the OFD's file closed", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 105, 1));

    /* F_SETLKW waits for the holder's unlock. */
    res("parent write lock [200,201)", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 200, 1));
    c = fork();
    if (c == 0)
        _exit(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 200, 1) == 0 ? 0 : 1);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    res("parent unlock [200,201)", lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 200, 1));
    int status;
    waitpid(c, &status, 0);
    printf("child F_SETLKW [200,201) once the parent unlocked: %s\n",
           WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "failed");

    /* Errors. */
    res("lock type 7", lk(fd, F_SETLK, 7, SEEK_SET, 0, 1));
    struct flock bad;
    memset(&bad, 0, sizeof bad);
    bad.l_type = F_RDLCK;
    bad.l_pid = 1;
    res("OFD lock with l_pid set", fcntl(fd, F_OFD_SETLK, &bad) < 0 ? -errno : 0);
    int ro = open("locks.tmp", O_RDONLY);
    res("write lock on a read-only descriptor", lk(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
    res("start before the file's beginning", lk(fd, F_SETLK, F_RDLCK, SEEK_SET, -1, 1));
    close(ro);
    unlink("locks.tmp");
    return 0;
}
