/* autoreap: a parent that ignores SIGCHLD, or sets SA_NOCLDWAIT, leaves no zombies.
 *
 * Linux releases such a child at its exit (do_notify_parent()), so the parent's wait
 * answers ECHILD once no child is left; with SA_NOCLDWAIT and a handler the SIGCHLD is
 * still sent.  With SIGCHLD back at SIG_DFL a child is a zombie until it is waited for.
 * `-n` runs the SA_NOCLDWAIT step alone: qemu-user does not pass SA_NOCLDWAIT to the host
 * kernel (it installs its own SIGCHLD action), so there it answers as without the flag.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_chld(int signo) { (void)signo; handled++; }

static void child_exits(int code) {
    pid_t pid = fork();
    if (pid == 0)
        _exit(code);
    if (pid < 0) {
        perror("fork");
        _exit(1);
    }
}

static void report(const char *what) {
    int status = 0;
    pid_t got = waitpid(-1, &status, 0);
    int err = got < 0 ? errno : 0;
    printf("%s: wait %s errno=%s status=%d handled=%d\n", what, got < 0 ? "-1" : "a child",
           err ? strerror(err) : "0", got < 0 ? 0 : WEXITSTATUS(status), (int)handled);
}

static void nocldwait(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_NOCLDWAIT | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    child_exits(4);
    report("SA_NOCLDWAIT");
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "-n") == 0) {
        nocldwait();
        return 0;
    }
    signal(SIGCHLD, SIG_IGN);
    child_exits(3);
    report("SIG_IGN");

    signal(SIGCHLD, SIG_DFL);
    child_exits(5);
    report("SIG_DFL");

    /* Two children: the wait blocks until the second one is gone too. */
    signal(SIGCHLD, SIG_IGN);
    child_exits(6);
    child_exits(7);
    report("SIG_IGN, two children");
    return 0;
}
