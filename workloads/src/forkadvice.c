/*
 * forkadvice - what madvise's fork advice does to a forked child's memory.
 *
 *   forkadvice      run every step and print one line per step
 *
 * MADV_WIPEONFORK: the child gets the area empty (zero-filled on touch), a grandchild too
 * (the child's area keeps the flag); MADV_KEEPONFORK undoes it; MADV_DONTFORK: the child
 * has no such area (a read there is SIGSEGV); MADV_DOFORK undoes it.  The advice applies
 * to exactly the pages of the range (an area is split at its ends), moves with the area
 * under mremap, is refused (EINVAL) for WIPEONFORK on a shared or file mapping and for an
 * unaligned start, and ENOMEM reports a hole in the range after the mapped parts took it.
 * Each line is what Linux prints; the differential test holds the emulator to it.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096L
#define DONTFORK_ 10
#define DOFORK_ 11
#define WIPEONFORK_ 18
#define KEEPONFORK_ 19

/* madvise's result as the kernel gave it: 0 or -errno. */
static long advise(void *p, long len, long advice)
{
    long r = syscall(SYS_madvise, p, len, advice);
    return r < 0 ? -(long)errno : r;
}

static char *pages(int n, const char *fill)
{
    char *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    for (int i = 0; i < n; i++)
        memset(p + i * PAGE, fill[i], PAGE);
    return p;
}

static int nonzero(const char *p)
{
    int n = 0;
    for (long i = 0; i < PAGE; i++)
        n += p[i] != 0;
    return n;
}

/* The child's report on [p, p + n pages): per page its first byte or 0 when all zero. */
static void child_report(const char *what, char *p, int n)
{
    char line[128];
    int len = snprintf(line, sizeof line, "%s: child", what);
    for (int i = 0; i < n; i++)
        len += snprintf(line + len, sizeof line - len, " %c",
                        nonzero(p + i * PAGE) ? p[i * PAGE] : '0');
    line[len++] = '\n';
    fflush(stdout);
    write(1, line, len);
}

static void wait_child(pid_t pid, const char *what)
{
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
        printf("%s: child killed by signal %d\n", what, WTERMSIG(status));
    else if (WEXITSTATUS(status))
        printf("%s: child exited %d\n", what, WEXITSTATUS(status));
    fflush(stdout);
}

static void fork_and_report(const char *what, char *p, int n)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        child_report(what, p, n);
        _exit(0);
    }
    wait_child(pid, what);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    /* The middle page of three wiped: the area splits at the range's ends. */
    char *p = pages(3, "ABC");
    printf("wipe: madvise %ld\n", advise(p + PAGE, PAGE, WIPEONFORK_));
    fork_and_report("wipe", p, 3);
    printf("wipe: parent %c %c %c\n", p[0], p[PAGE], p[2 * PAGE]);

    /* A grandchild: the child's page (its own bytes now) is wiped again at its fork. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        memset(p + PAGE, 'X', PAGE);
        fork_and_report("grandchild", p, 3);
        _exit(0);
    }
    wait_child(pid, "grandchild");

    /* KEEPONFORK undoes it. */
    printf("keep: madvise %ld\n", advise(p + PAGE, PAGE, KEEPONFORK_));
    fork_and_report("keep", p, 3);

    /* DONTFORK: no area in the child; DOFORK undoes it. */
    char *d = pages(2, "DE");
    printf("dontfork: madvise %ld\n", advise(d, PAGE, DONTFORK_));
    fork_and_report("dontfork", d, 2);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        child_report("dontfork second page", d + PAGE, 1);
        _exit(0);
    }
    wait_child(pid, "dontfork second page");
    printf("dofork: madvise %ld\n", advise(d, PAGE, DOFORK_));
    fork_and_report("dofork", d, 2);

    /* mremap moves the area with its flag. */
    char *w = pages(1, "W");
    char *dest = pages(2, "..");
    munmap(dest, 2 * PAGE);             /* a free place to move to */
    printf("mremap: madvise %ld\n", advise(w, PAGE, WIPEONFORK_));
    char *moved = mremap(w, PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
    printf("mremap: moved %d first byte %c\n", moved == dest, moved[0]);
    moved[PAGE] = 'G';
    fork_and_report("mremap", moved, 2);

    /* A hole in the range: ENOMEM, the mapped parts changed all the same. */
    char *h = pages(3, "HIJ");
    munmap(h + PAGE, PAGE);
    printf("hole: madvise %ld\n", advise(h, 3 * PAGE, WIPEONFORK_));
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        child_report("hole first", h, 1);
        child_report("hole last", h + 2 * PAGE, 1);
        _exit(0);
    }
    wait_child(pid, "hole");
    printf("unmapped: madvise %ld\n", advise(h + PAGE, PAGE, WIPEONFORK_));

    /* What WIPEONFORK is refused for. */
    char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    printf("shared: madvise %ld\n", advise(s, PAGE, WIPEONFORK_));
    printf("shared: dontfork %ld\n", advise(s, PAGE, DONTFORK_));
    int fd = open("forkadvice.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
    write(fd, "file bytes", 10);
    char *f = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("file: madvise %ld\n", advise(f, PAGE, WIPEONFORK_));
    close(fd);
    unlink("forkadvice.tmp");
    printf("unaligned: madvise %ld\n", advise(p + 1, PAGE, WIPEONFORK_));
    printf("empty: madvise %ld\n", advise(p, 0, WIPEONFORK_));
    return 0;
}
