/* prctls: the prctl(2) switches a program sets and reads back, and the two that act when a
 * parent exits: PR_SET_CHILD_SUBREAPER (an orphan comes to the nearest subreaper) and
 * PR_SET_PDEATHSIG (the orphan is signalled).  One line per step.
 * `-s` runs the THP and subreaper steps alone: qemu-user answers EINVAL to
 * PR_{GET,SET}_THP_DISABLE and PR_{GET,SET}_CHILD_SUBREAPER, which Linux implements, and
 * an orphan's reaper outside the program depends on what started it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r) {
    printf("%s: %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

static int get_int(int option) {
    int v = -1;
    return prctl(option, &v, 0, 0, 0) < 0 ? -1 : v;
}

static void on_usr1(int signo) {
    (void)signo;
    _exit(9);           /* the parent-death signal arrived */
}

/* A middle child forks a grandchild and exits; the grandchild comes to this process. */
static void orphan(int with_pdeath) {
    int ready[2];
    if (pipe(ready) < 0)
        _exit(1);
    pid_t middle = fork();
    if (middle == 0) {
        pid_t me = getpid();
        pid_t grandchild = fork();
        if (grandchild == 0) {
            if (with_pdeath) {
                signal(SIGUSR1, on_usr1);
                prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
            }
            if (getppid() != me)
                _exit(2);
            close(ready[0]);
            (void)!write(ready[1], "r", 1);
            while (getppid() == me)
                usleep(1000);
            if (with_pdeath)
                for (;;)
                    pause();    /* the signal ends it */
            _exit(7);
        }
        char c;
        close(ready[1]);
        (void)!read(ready[0], &c, 1);
        _exit(0);
    }
    close(ready[0]);
    close(ready[1]);
    int status;
    pid_t got = waitpid(middle, &status, 0);
    printf("middle child reaped: %s, status %d\n", got == middle ? "yes" : "no",
           WEXITSTATUS(status));
    got = waitpid(-1, &status, 0);
    if (got < 0)
        printf("orphan: not ours (%s)\n", strerror(errno));
    else
        printf("orphan: ours, status %d\n", WEXITSTATUS(status));
}

static void subreaper_steps(void) {
    show("PR_GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
    show("PR_SET_THP_DISABLE 1", prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
    show("PR_GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
    show("PR_SET_THP_DISABLE 0 with arg3", prctl(PR_SET_THP_DISABLE, 0, 1, 0, 0));
    prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);

    show("PR_GET_CHILD_SUBREAPER", get_int(PR_GET_CHILD_SUBREAPER));
    show("PR_SET_CHILD_SUBREAPER 1", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    show("PR_GET_CHILD_SUBREAPER", get_int(PR_GET_CHILD_SUBREAPER));
    orphan(0);
    orphan(1);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "-s") == 0) {
        subreaper_steps();
        return 0;
    }
    show("PR_GET_PDEATHSIG", get_int(PR_GET_PDEATHSIG));
    show("PR_SET_PDEATHSIG SIGUSR2", prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0));
    show("PR_GET_PDEATHSIG", get_int(PR_GET_PDEATHSIG));
    show("PR_SET_PDEATHSIG 99", prctl(PR_SET_PDEATHSIG, 99, 0, 0, 0));
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);

    show("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    show("PR_SET_DUMPABLE 0", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    show("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    show("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2, 0, 0, 0));
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);

    show("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    show("PR_SET_KEEPCAPS 5", prctl(PR_SET_KEEPCAPS, 5, 0, 0, 0));

    show("PR_SET_TIMERSLACK 1000", prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0));
    show("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));

    return 0;
}
