/* The attack target of red-team round 74b: MAP_PRIVATE views of memfds only the program
 * holds (3 pages of 'x') whose page 2 is a clean page, a page the program stored the
 * very bytes it held into, a page a read() filled, a page a CLONE_VM child or a thread
 * that exited stored into through a shared view, and views of a memfd passed over
 * SCM_RIGHTS; each step checks the view's pages after its calls.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS":
 *   a: page 2 read, stored 'x' (the bytes it held), pwrite64 of 'y': page 2 reads 'x'.
 *   b: page 2 read, stored 'A' then 'x', pwrite64 of 'y': page 2 reads 'x'.
 *   c: page 2 read, pread64 of 'x' into it from another memfd, pwrite64 'y': 'x'.
 *   e: pread64 of 'r' into the untouched page 2, pwrite64 'y': 'r'.
 *   f: clone(CLONE_VM | CLONE_VFORK, exit signal 0) child stores 's' through a
 *      shared view and exits, never reaped: page 2 reads 's'.
 *   g: a thread stores 's' through a shared view and exits (tgkill() finds it
 *      gone): 's'.
 *   h: the memfd sent over a socketpair (SCM_RIGHTS, never received), page 2 read,
 *      pwrite64 of 'y': 'y'.
 *   i: the memfd sent and received back, pwrite64 of 'y' through the received
 *      descriptor: the untouched page 2 reads 'y'.
 *   j: a thread stores 's' through a shared view, then waits in futex(FUTEX_WAIT)
 *      while the program reads its private view: page 2 reads 's'.
 *   k: as j, the thread blocked in read() of an empty pipe into its own buffer: 's'.
 *   l: clone3(CLONE_VM | CLONE_VFORK, SIGCHLD, no stack) child stores 's' through a
 *      shared view and exits, reaped: 's'.
 *   m: a vfork child stores 's' through a shared view and execs the program with -X
 *      (its new image exits at once); before reaping it, page 2 reads 's'.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r74b.py: P before the step's calls (x2 the log buffer, x3 the
 * private mapping, x4 the memfd), P + 2 after them, before the pages are read (x2 the
 * private mapping), P + 1 after the label.  Only the digest of the secret is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r74"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_SAMESTORE 9800  /* (-a) the bytes page 2 held stored back, pwrite64 */
#define P_BACKSTORE 9804  /* (-b) 'A' then 'x' stored at page 2, pwrite64 */
#define P_READSAME 9808   /* (-c) pread64 of the same bytes into page 2, pwrite64 */
#define P_READDIFF 9812   /* (-e) pread64 of 'r' into page 2, pwrite64 */
#define P_VFORK0 9816     /* (-f) a CLONE_VM|CLONE_VFORK child, exit signal 0 */
#define P_THREADEXIT 9820 /* (-g) a thread stores through a shared view and exits */
#define P_SCMOUT 9824     /* (-h) the memfd in flight over SCM_RIGHTS, pwrite64 */
#define P_SCMBACK 9828    /* (-i) the memfd received back, pwrite64 through it */
#define P_FUTEXHELD 9832  /* (-j) a thread stores through a shared view, waits in futex */
#define P_READHELD 9836   /* (-k) a thread stores through a shared view, blocks in read */
#define P_CLONE3VF 9840   /* (-l) clone3(CLONE_VM | CLONE_VFORK) child stores, exits */
#define P_VFORKEXEC 9844  /* (-m) a vfork child stores through a shared view, execs */
#include <linux/futex.h>
#include <linux/sched.h>
#include <sys/socket.h>
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

static void samestore_step(int phase)
{
    long fd, at = view_x(&fd), done = 0;
    marker(phase, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at) && filled(at + 2 * PAGE, 'x')) {
        if (phase == P_BACKSTORE)
            fill_store(at, 2, 'A');
        fill_store(at, 2, 'x');
        done = sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE;
    }
    judge(phase, at, done, 'x', 'x', 'x');
}

static void readinto_step(int phase, int c)
{
    long fd, at = view_x(&fd), done = 0, fd2 = -1;
    marker(phase, (long)logbuf, at, fd, 0);
    if (valid(at)) {
        fd2 = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0);
        memset(page_p, c, sizeof page_p);
        int pre = phase == P_READDIFF || filled(at + 2 * PAGE, 'x');
        if (fd2 >= 0 && pre && sys6(SYS_pwrite64, fd2, (long)page_p, PAGE, 0, 0, 0) == PAGE &&
            sys6(SYS_pread64, fd2, at + 2 * PAGE, PAGE, 0, 0, 0) == PAGE) {
            memset(page_p, 'y', sizeof page_p);
            done = sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE;
        }
    }
    judge(phase, at, done, 'x', 'x', c);
}

static void vfork0_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_VFORK0, (long)logbuf, at, fd, sh);
    if (valid(sh)) {
        long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK, 0, 0, 0, 0, 0);
        if (pid == 0) {
            for (long i = 0; i < PAGE; i++)
                ((volatile uint8_t *)sh)[2 * PAGE + i] = 's';
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        }
        done = pid > 0;
    }
    judge(P_VFORK0, at, done, 'x', 'x', 's');
}

static volatile long tx_sh, tx_tid;

static void *exiter(void *arg)
{
    (void)arg;
    memset((uint8_t *)tx_sh + 2 * PAGE, 's', PAGE);
    __atomic_store_n(&tx_tid, sys6(SYS_gettid, 0, 0, 0, 0, 0, 0), __ATOMIC_SEQ_CST);
    return 0;
}

/* A thread stores 's' through the shared view and exits; the program waits until
 * tgkill(tid, 0) finds it gone (ESRCH: past exit_notify(), its CLEARTID cleared). */
static void threadexit_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    pthread_t t;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_THREADEXIT, (long)logbuf, at, fd, sh);
    if (valid(sh)) {
        tx_sh = sh;
        long pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
        if (pthread_create(&t, 0, exiter, 0) == 0) {
            for (long i = 0; i < 100000 && !done; i++) {
                long tid = __atomic_load_n(&tx_tid, __ATOMIC_SEQ_CST);
                done = tid > 0 && sys6(SYS_tgkill, pid, tid, 0, 0, 0, 0) == -ESRCH;
                if (!done)
                    sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
            }
        }
    }
    judge(P_THREADEXIT, at, done, 'x', 'x', 's');
}

/* Send fd over sv[0]; with `back`, receive it on sv[1]: the new descriptor (-1 if none). */
static long pass_fd(long fd, int back)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return -1;
    char b = 'f';
    struct iovec io = {&b, 1};
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr a; } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {0};
    msg.msg_iov = &io;
    msg.msg_iovlen = 1;
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof u.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int one = (int)fd;
    memcpy(CMSG_DATA(c), &one, sizeof one);
    if (sys6(SYS_sendmsg, sv[0], (long)&msg, 0, 0, 0, 0) != 1)
        return -1;
    if (!back)
        return fd;
    memset(&u, 0, sizeof u);
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof u.buf;
    if (sys6(SYS_recvmsg, sv[1], (long)&msg, 0, 0, 0, 0) != 1)
        return -1;
    c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS)
        return -1;
    memcpy(&one, CMSG_DATA(c), sizeof one);
    return one;
}

static void scm_step(int phase)
{
    long fd, at = view_x(&fd), done = 0;
    marker(phase, (long)logbuf, at, fd, 0);
    if (valid(at)) {
        long use = pass_fd(fd, phase == P_SCMBACK);
        int pre = phase == P_SCMBACK || filled(at + 2 * PAGE, 'x');
        memset(page_p, 'y', sizeof page_p);
        if (use >= 0 && pre)
            done = sys6(SYS_pwrite64, use, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE;
    }
    judge(phase, at, done, 'x', 'x', 'y');
}

static volatile long hd_sh, hd_stored;
static int hd_word, hd_pipe[2];
static uint8_t hd_buf[64];

static void *holder(void *arg)
{
    long how = (long)arg;
    memset((uint8_t *)hd_sh + 2 * PAGE, 's', PAGE);
    __atomic_store_n(&hd_stored, 1, __ATOMIC_SEQ_CST);
    if (how == P_FUTEXHELD)
        while (!__atomic_load_n(&hd_word, __ATOMIC_SEQ_CST))
            sys6(SYS_futex, (long)&hd_word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
    else
        sys6(SYS_read, hd_pipe[0], (long)hd_buf, sizeof hd_buf, 0, 0, 0);
    return 0;
}

static void held_step(int phase)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    pthread_t t;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(phase, (long)logbuf, at, fd, sh);
    int started = 0;
    hd_word = 0;
    hd_stored = 0;
    if (valid(sh) && pipe(hd_pipe) == 0) {
        hd_sh = sh;
        started = pthread_create(&t, 0, holder, (void *)(long)phase) == 0;
        while (started && !__atomic_load_n(&hd_stored, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        for (int i = 0; started && i < 50; i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        done = started;
    }
    judge(phase, at, done, 'x', 'x', 's');
    if (started) {
        __atomic_store_n(&hd_word, 1, __ATOMIC_SEQ_CST);
        sys6(SYS_futex, (long)&hd_word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
        sys6(SYS_write, hd_pipe[1], (long)"w", 1, 0, 0, 0);
        pthread_detach(t);
    }
}

static void clone3vf_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_CLONE3VF, (long)logbuf, at, fd, sh);
    if (valid(sh)) {
        struct clone_args ca;
        memset(&ca, 0, sizeof ca);
        ca.flags = CLONE_VM | CLONE_VFORK;
        ca.exit_signal = SIGCHLD;
        long pid = sys6(SYS_clone3, (long)&ca, sizeof ca, 0, 0, 0, 0);
        if (pid == 0) {
            for (long i = 0; i < PAGE; i++)
                ((volatile uint8_t *)sh)[2 * PAGE + i] = 's';
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        }
        int st = -1;
        done = pid > 0 && waitpid((pid_t)pid, &st, 0) == pid && st == 0;
    }
    judge(P_CLONE3VF, at, done, 'x', 'x', 's');
}

static char *self_path;

static void vforkexec_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_VFORKEXEC, (long)logbuf, at, fd, sh);
    pid_t pid = -1;
    if (valid(sh) && self_path) {
        pid = vfork();
        if (pid == 0) {
            for (long i = 0; i < PAGE; i++)
                ((volatile uint8_t *)sh)[2 * PAGE + i] = 's';
            char *args[] = {self_path, "-X", 0};
            char *envp[] = {0};
            sys6(SYS_execve, (long)self_path, (long)args, (long)envp, 0, 0, 0);
            sys6(SYS_exit, 1, 0, 0, 0, 0, 0);
        }
        done = pid > 0;
    }
    judge(P_VFORKEXEC, at, done, 'x', 'x', 's');
    if (pid > 0)
        waitpid(pid, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    if (argc > 1 && strcmp(argv[1], "-X") == 0)
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    self_path = argv[0];
    const char *steps = step_letters(argc, argv, &show_digest);
    volatile uint8_t stackbuf[64];

    long mapped = start_secret(stackbuf);
    if (!mapped)
        return 1;
    announce_placed(mapped, stackbuf);
    for (const char *s = steps; *s; s++) {
        switch (*s) {
        case 'a': samestore_step(P_SAMESTORE); break;
        case 'b': samestore_step(P_BACKSTORE); break;
        case 'c': readinto_step(P_READSAME, 'x'); break;
        case 'e': readinto_step(P_READDIFF, 'r'); break;
        case 'f': vfork0_step(); break;
        case 'g': threadexit_step(); break;
        case 'h': scm_step(P_SCMOUT); break;
        case 'i': scm_step(P_SCMBACK); break;
        case 'j': held_step(P_FUTEXHELD); break;
        case 'k': held_step(P_READHELD); break;
        case 'l': clone3vf_step(); break;
        case 'm': vforkexec_step(); break;
        default: break;
        }
    }

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
