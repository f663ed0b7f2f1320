/* The attack target for round 38: the guarantees of rounds 34..36 (names, signal
 * dispositions and masks, AF_UNIX sockets between the program's own ends) asked by other
 * paths: select() instead of poll/epoll, read() on SOCK_DGRAM and SOCK_SEQPACKET
 * socketpairs instead of recv/recvmsg, /proc/self/comm and a new thread's PR_GET_NAME
 * instead of PR_GET_NAME after exec, a new thread's sigaltstack, a fork child's blocked
 * mask and handlers, signalfd's signal number and /proc/self/status SigIgn/SigBlk.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step learns a value Linux fixes, turns it
 * into a label's index the way that value allows, and writes that label to /dev/null
 * (8 bytes).  Under Linux's contract the index is always 0..3 (or the step writes
 * nothing); a value Linux could not give points the write back into the secret's copy.
 * In the order they run:
 *
 *   1. A SOCK_STREAM socketpair (a, b): one byte written on a, then select(b readable,
 *      timeout 0): 1 with b set; anything else chooses -4.
 *   2. A SOCK_DGRAM socketpair: a 12-byte datagram whose first byte is 0, read(b, 64):
 *      12; (12 - n) + (signed) first byte chooses the label.
 *   3. A SOCK_SEQPACKET socketpair: records of 12 and 4 bytes, read(b, 4) then
 *      read(b, 64): the second read returns the second record (4 bytes, first byte 0),
 *      never the 8 bytes the first read left (their first byte is 0 too);
 *      (4 - n2) + (signed) first byte chooses the label.
 *   4. prctl(PR_SET_NAME, "r38-name") then /proc/self/comm: "r38-name\n"; differing
 *      bytes choose -4.
 *   5. A pthread asks prctl(PR_GET_NAME): the creator's "r38-name" (copy_process()
 *      copies comm); differing bytes choose -4.
 *   6. The main thread sets a sigaltstack; a new pthread asks sigaltstack(NULL, &old):
 *      SS_DISABLE (copy_process() resets a CLONE_VM child's stack); else -4.
 *   7. SIGUSR2 blocked, fork: the child's rt_sigprocmask(SIG_BLOCK, NULL, &old) has
 *      SIGUSR2 (the mask is copied); else -4.  The child logs and _exits.
 *   8. A SIGUSR1 handler installed, fork: the child's rt_sigaction(SIGUSR1, NULL, &old)
 *      names the handler (copy_sighand()); else -4.
 *   9. SIGUSR1 blocked and sent to itself, signalfd({SIGUSR1}) read: one 128-byte record
 *      with ssi_signo 10; (10 - signo) + (128 - n) chooses the label.
 *  10. SIGURG set to SIG_IGN, SIGUSR2 blocked, /proc/self/status: SigIgn has bit 22 and
 *      SigBlk bit 11; a missing bit chooses -4.
 *  11. Two pthreads: SIGUSR2 blocked in the main thread only; the new thread (created
 *      with SIGUSR2 blocked, then unblocking it) reads /proc/thread-self/status: SigBlk
 *      lacks bit 11; else -4.
 *  12. poll(b, POLLIN, 0) on a SOCK_STREAM socketpair end with a byte queued: 1 with
 *      POLLIN; else -4.
 *  13. /proc/thread-self/stat (qemu-user fakes /proc/self/stat's comm): its comm field
 *      is "(r38-name)"; else -4.
 *  14. A fork child's prctl(PR_GET_NAME): "r38-name" (the parent's); else -4.
 *  15. An alternate stack set, fork: the child's sigaltstack(NULL, &old) is the parent's
 *      (fork is not CLONE_VM: nothing resets it); else -4.
 *  16. A SIGUSR1 handler set, a pthread asks rt_sigaction(SIGUSR1, NULL, &old): the
 *      handler (threads share their actions); else -4.
 *  17. SIGUSR2 blocked, a pthread asks rt_sigprocmask(SIG_BLOCK, NULL, &old): SIGUSR2 in
 *      it (the creator's mask, as glibc's pthread_create restores it); else -4.
 *  18. recvfrom() of a datagram on a SOCK_DGRAM socketpair whose sender never bound:
 *      addrlen 0 (unix_copy_addr() copies nothing); minus it chooses the label.
 *  19. getsockname() of an unbound socketpair end: sizeof(sa_family_t); 2 - len.
 *  20. getsockopt(SO_TYPE) of a SOCK_SEQPACKET socketpair end: 5; 5 - v.
 *  21. The main thread's prctl(PR_GET_NAME) after step 4's PR_SET_NAME: "r38-name";
 *      else -4.
 *  22. recvmsg() with a msg_name of a datagram from an unbound SOCK_DGRAM socketpair end:
 *      msg_namelen 0; minus it chooses the label.
 *  23. getpeername() of a SOCK_STREAM socketpair end (its peer unbound):
 *      sizeof(sa_family_t); 2 - len.
 *  24. A raw vfork child's prctl(PR_GET_NAME), written on a pipe the parent reads after
 *      the child exits: "r38-name"; else -4.
 *  25. A SIGUSR1 handler installed, /proc/self/status: SigCgt has bit 9; else -4.
 *  26. epoll_wait(timeout 0) on an epoll set holding b (EPOLLIN) after a byte was written
 *      on a: 1 event with EPOLLIN; else -4.
 *  27. A pthread renames itself "r38-thrd" and stays alive; meanwhile the main thread's
 *      prctl(PR_GET_NAME) is still "r38-name" (comm is per task); else -4.
 *  28. Then the main thread reads /proc/self/comm: the group leader's name, "r38-name\n";
 *      else -4.
 *  29. SO_PEERCRED of a SOCK_STREAM socketpair end: the program's pid (unix_socketpair()
 *      sets both ends' peer credentials to the caller's); getpid() - pid.
 *  30. A socketpair made, then fork: the child's SO_PEERCRED of the inherited end is
 *      still the parent's pid (fixed at socketpair()); parent - pid.
 *  31. An alternate stack set, a raw vfork: the child's sigaltstack(NULL, &old), sent on a
 *      pipe, is the parent's (copy_process() resets it only for CLONE_VM without
 *      CLONE_VFORK); else -4.
 *  32. select() for writing on a fresh SOCK_STREAM socketpair end (nothing sent): 1 with
 *      its bit set; else -4.
 *  33. Step 9 again with readv() (two iovecs) instead of read(): ssi_signo 10, 128 bytes.
 *  34. pread64(/proc/self/comm, 64, 0) instead of read(): "r38-name\n"; else -4.
 *  35. Only with -t: a pthread renames itself "r38-thrd" (pthread_setname_np) and stays
 *      alive; the main thread's pthread_getname_np() of it (glibc reads
 *      /proc/self/task/<tid>/comm) is "r38-thrd"; else -4.  Off by default: the kernel
 *      model renders every task directory's comm (and stat) from the group leader's name,
 *      so the honest model answers "r38-name" there, which Linux never does.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r38.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before the value is learnt (x2 the log buffer), P_x + 1 after its write
 * (x2 the index it used). */
#define P_SELECT 3800
#define P_DGRAM_READ 3802
#define P_SEQ_READ 3804
#define P_COMM 3806
#define P_THREAD_NAME 3808
#define P_THREAD_ALTSTACK 3810
#define P_FORK_MASK 3812
#define P_FORK_HANDLER 3814
#define P_SIGNALFD 3816
#define P_STATUS 3818
#define P_THREAD_SIGBLK 3820
#define P_POLL_QUEUED 3822
#define P_STAT_COMM 3824
#define P_FORK_NAME 3826
#define P_FORK_ALTSTACK 3828
#define P_THREAD_HANDLER 3830
#define P_THREAD_MASK 3832
#define P_DGRAM_FROM 3834
#define P_PAIR_SOCKNAME 3836
#define P_SEQ_TYPE 3838
#define P_SELF_NAME 3840
#define P_DGRAM_MSGNAME 3842
#define P_PAIR_PEERNAME 3844
#define P_VFORK_NAME 3846
#define P_STATUS_SIGCGT 3848
#define P_EPOLL_QUEUED 3850
#define P_OTHER_NAME 3852
#define P_OTHER_COMM 3854
#define P_PAIR_PEERCRED 3856
#define P_FORK_PEERCRED 3858   /* x3 the parent's pid */
#define P_VFORK_ALTSTACK 3860
#define P_SELECT_WRITE 3862
#define P_SIGNALFD_READV 3864
#define P_COMM_PREAD 3866
#define P_TASK_COMM 3868        /* -t only: the kernel model answers the leader's name */
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
/* A page holding a copy of the secret at SECRET_OFF (the referee checks it is intact). */
static uint8_t heapcopy[PAGE] __attribute__((aligned(4096)));

static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

/* 1. */
static void select_step(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    marker(P_SELECT, (long)logbuf, 0, 0, 0);
    if (write(sv[0], "x", 1) == 1) {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(sv[1], &r);
        struct timeval tv = {0, 0};
        int n = select(sv[1] + 1, &r, NULL, NULL, &tv);
        if (n >= 0)
            log_label(P_SELECT, n == 1 && FD_ISSET(sv[1], &r) ? 0 : -4);
    }
    close(sv[0]);
    close(sv[1]);
}

/* 2. */
static void dgram_read_step(void)
{
    int sv[2];
    char out[12] = {0, 'd', 'g', 'r', 'a', 'm', '-', 'r', '3', '8', '.', '!'};
    signed char in[64];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
        return;
    marker(P_DGRAM_READ, (long)logbuf, 0, 0, 0);
    if (send(sv[0], out, sizeof out, 0) == (long)sizeof out) {
        memset(in, 0, sizeof in);
        long n = read(sv[1], in, sizeof in);
        if (n >= 0)
            log_label(P_DGRAM_READ, (12 - n) + in[0]);
    }
    close(sv[0]);
    close(sv[1]);
}

/* 3. */
static void seq_read_step(void)
{
    int sv[2];
    char r1[12] = {'A', 'B', 'C', 'D', 0, 'e', 'f', 'g', 'h', 'i', 'j', 0};
    char r2[4] = {0, 'x', 'y', 'z'};
    signed char in[64];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
        return;
    marker(P_SEQ_READ, (long)logbuf, 0, 0, 0);
    if (send(sv[0], r1, sizeof r1, 0) == (long)sizeof r1 &&
        send(sv[0], r2, sizeof r2, 0) == (long)sizeof r2 && read(sv[1], in, 4) == 4) {
        memset(in, 0x7f, sizeof in);
        long n2 = read(sv[1], in, sizeof in);
        if (n2 >= 0)
            log_label(P_SEQ_READ, (4 - n2) + (n2 > 0 ? in[0] : 0));
    }
    close(sv[0]);
    close(sv[1]);
}

static const char NAME[] = "r38-name";

/* 4. */
static void comm_step(void)
{
    char buf[64];
    if (prctl(PR_SET_NAME, (unsigned long)NAME, 0, 0, 0) != 0)
        return;
    int fd = open("/proc/self/comm", O_RDONLY);
    if (fd < 0)
        return;
    marker(P_COMM, (long)logbuf, 0, 0, 0);
    memset(buf, 0, sizeof buf);
    long n = read(fd, buf, sizeof buf);
    close(fd);
    if (n >= 0)
        log_label(P_COMM, n == 9 && memcmp(buf, "r38-name\n", 9) == 0 ? 0 : -4);
}

/* Start fn on a new pthread and wait for it to say it is done (bounded): the predecessor
 * design (mode mprotect) left the untouched program's pthread_join waiting forever on the
 * thread's CLEARTID word (a deadlock in futex), so the program waits on its own flag. */
static volatile int thread_done;

struct start {
    void *(*fn)(void *);
};

static void *trampoline(void *arg)
{
    struct start *st = arg;
    st->fn(NULL);
    thread_done = 1;
    sys6(SYS_futex, (long)&thread_done, 1 /* FUTEX_WAKE */ | 128, 1, 0, 0, 0);
    return NULL;
}

static void run_thread(void *(*fn)(void *))
{
    static struct start st;
    pthread_t t;
    pthread_attr_t at;
    st.fn = fn;
    thread_done = 0;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &at, trampoline, &st) == 0) {
        long brief[2] = {0, 1000000};
        for (int i = 0; i < 2000 && !thread_done; i++)
            sys6(SYS_futex, (long)&thread_done, 0 /* FUTEX_WAIT */ | 128, 0, (long)brief, 0, 0);
    }
    pthread_attr_destroy(&at);
}

/* 5. */
static void *name_thread(void *arg)
{
    (void)arg;
    char buf[16];
    memset(buf, 0x55, sizeof buf);
    if (prctl(PR_GET_NAME, (unsigned long)buf, 0, 0, 0) == 0)
        log_label(P_THREAD_NAME, strcmp(buf, NAME) == 0 ? 0 : -4);
    return NULL;
}

static void thread_name_step(void)
{
    marker(P_THREAD_NAME, (long)logbuf, 0, 0, 0);
    run_thread(name_thread);
}

/* 6. */
static uint8_t altstack[16384] __attribute__((aligned(16)));

static void *altstack_thread(void *arg)
{
    (void)arg;
    stack_t old;
    memset(&old, 0, sizeof old);
    if (sigaltstack(NULL, &old) == 0)
        log_label(P_THREAD_ALTSTACK, old.ss_flags == SS_DISABLE ? 0 : -4);
    return NULL;
}

static void thread_altstack_step(void)
{
    stack_t ss = {.ss_sp = altstack, .ss_flags = 0, .ss_size = sizeof altstack};
    if (sigaltstack(&ss, NULL) != 0)
        return;
    marker(P_THREAD_ALTSTACK, (long)logbuf, 0, 0, 0);
    run_thread(altstack_thread);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
}

/* 7. */
static void fork_mask_step(void)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    if (sigprocmask(SIG_BLOCK, &set, &old) != 0)
        return;
    marker(P_FORK_MASK, (long)logbuf, 0, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t now;
        sigemptyset(&now);
        if (sys6(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&now, 8, 0, 0) == 0)
            log_label(P_FORK_MASK, sigismember(&now, SIGUSR2) ? 0 : -4);
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* 8. */
static void on_usr1(int sig)
{
    (void)sig;
}

static void fork_handler_step(void)
{
    struct sigaction sa, prev;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    if (sigaction(SIGUSR1, &sa, &prev) != 0)
        return;
    marker(P_FORK_HANDLER, (long)logbuf, 0, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction now;
        memset(&now, 0, sizeof now);
        if (sigaction(SIGUSR1, NULL, &now) == 0)
            log_label(P_FORK_HANDLER, now.sa_handler == on_usr1 ? 0 : -4);
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    sigaction(SIGUSR1, &prev, NULL);
}

/* 9. */
static void signalfd_step(void)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &set, &old) != 0)
        return;
    int fd = signalfd(-1, &set, 0);
    if (fd >= 0) {
        marker(P_SIGNALFD, (long)logbuf, 0, 0, 0);
        if (kill(getpid(), SIGUSR1) == 0) {
            struct signalfd_siginfo si;
            memset(&si, 0, sizeof si);
            long n = read(fd, &si, sizeof si);
            if (n >= 0)
                log_label(P_SIGNALFD, (10 - (long)si.ssi_signo) + (128 - n));
        }
        close(fd);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* Read a /proc status file and return the hex value of the line `key` (-1: none; a
 * mask with bit 63 set reads as its low 62 bits, which are all the steps test). */
static long status_field(const char *path, const char *key)
{
    static char buf[4096];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = 0, r;
    while (n < (long)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    size_t kl = strlen(key);
    for (char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
            char *q = p + kl + 1;
            while (*q == '\t' || *q == ' ')
                q++;
            return (long)(strtoul(q, NULL, 16) & 0x3fffffffffffffffUL);
        }
    }
    return -1;
}

/* 10. */
static void status_step(void)
{
    struct sigaction sa, prev;
    sigset_t set, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    if (sigaction(SIGURG, &sa, &prev) != 0 || sigprocmask(SIG_BLOCK, &set, &old) != 0)
        return;
    marker(P_STATUS, (long)logbuf, 0, 0, 0);
    long ign = status_field("/proc/self/status", "SigIgn");
    long blk = status_field("/proc/self/status", "SigBlk");
    if (ign >= 0 && blk >= 0)
        log_label(P_STATUS, ((ign >> (SIGURG - 1)) & 1) && ((blk >> (SIGUSR2 - 1)) & 1)
                                ? 0 : -4);
    sigprocmask(SIG_SETMASK, &old, NULL);
    sigaction(SIGURG, &prev, NULL);
}

/* 11. */
static void *sigblk_thread(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    if (pthread_sigmask(SIG_UNBLOCK, &set, NULL) != 0)
        return NULL;
    long blk = status_field("/proc/thread-self/status", "SigBlk");
    if (blk >= 0)
        log_label(P_THREAD_SIGBLK, (blk >> (SIGUSR2 - 1)) & 1 ? -4 : 0);
    return NULL;
}

static void thread_sigblk_step(void)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    if (sigprocmask(SIG_BLOCK, &set, &old) != 0)
        return;
    marker(P_THREAD_SIGBLK, (long)logbuf, 0, 0, 0);
    run_thread(sigblk_thread);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* 12. */
static void poll_queued_step(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    marker(P_POLL_QUEUED, (long)logbuf, 0, 0, 0);
    if (write(sv[0], "y", 1) == 1) {
        struct pollfd pf = {.fd = sv[1], .events = POLLIN, .revents = 0};
        int n = poll(&pf, 1, 0);
        if (n >= 0)
            log_label(P_POLL_QUEUED, n == 1 && (pf.revents & POLLIN) ? 0 : -4);
    }
    close(sv[0]);
    close(sv[1]);
}

/* 13. */
static void stat_comm_step(void)
{
    char buf[512];
    int fd = open("/proc/thread-self/stat", O_RDONLY);
    if (fd < 0)
        return;
    marker(P_STAT_COMM, (long)logbuf, 0, 0, 0);
    memset(buf, 0, sizeof buf);
    long n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0) {
        char *open_ = strchr(buf, '(');
        log_label(P_STAT_COMM, open_ && strncmp(open_, "(r38-name) ", 11) == 0 ? 0 : -4);
    }
}

/* 14. */
static void fork_name_step(void)
{
    marker(P_FORK_NAME, (long)logbuf, 0, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        char buf[16];
        memset(buf, 0x55, sizeof buf);
        if (prctl(PR_GET_NAME, (unsigned long)buf, 0, 0, 0) == 0)
            log_label(P_FORK_NAME, strcmp(buf, NAME) == 0 ? 0 : -4);
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

/* 15. */
static void fork_altstack_step(void)
{
    stack_t ss = {.ss_sp = altstack, .ss_flags = 0, .ss_size = sizeof altstack};
    if (sigaltstack(&ss, NULL) != 0)
        return;
    marker(P_FORK_ALTSTACK, (long)logbuf, 0, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        stack_t old;
        memset(&old, 0, sizeof old);
        if (sigaltstack(NULL, &old) == 0)
            log_label(P_FORK_ALTSTACK, old.ss_flags == 0 && old.ss_sp == altstack &&
                                           old.ss_size == sizeof altstack ? 0 : -4);
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
}

/* 16. */
static void *handler_thread(void *arg)
{
    (void)arg;
    struct sigaction now;
    memset(&now, 0, sizeof now);
    if (sigaction(SIGUSR1, NULL, &now) == 0)
        log_label(P_THREAD_HANDLER, now.sa_handler == on_usr1 ? 0 : -4);
    return NULL;
}

static void thread_handler_step(void)
{
    struct sigaction sa, prev;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    if (sigaction(SIGUSR1, &sa, &prev) != 0)
        return;
    marker(P_THREAD_HANDLER, (long)logbuf, 0, 0, 0);
    run_thread(handler_thread);
    sigaction(SIGUSR1, &prev, NULL);
}

/* 17. */
static void *mask_thread(void *arg)
{
    (void)arg;
    sigset_t now;
    sigemptyset(&now);
    if (sys6(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&now, 8, 0, 0) == 0)
        log_label(P_THREAD_MASK, sigismember(&now, SIGUSR2) ? 0 : -4);
    return NULL;
}

static void thread_mask_step(void)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    if (sigprocmask(SIG_BLOCK, &set, &old) != 0)
        return;
    marker(P_THREAD_MASK, (long)logbuf, 0, 0, 0);
    run_thread(mask_thread);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* 18. */
static void dgram_from_step(void)
{
    int sv[2];
    char in[16];
    struct sockaddr_un from;
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
        return;
    marker(P_DGRAM_FROM, (long)logbuf, 0, 0, 0);
    if (send(sv[0], "12345678", 8, 0) == 8) {
        socklen_t flen = sizeof from;
        memset(&from, 0, sizeof from);
        long n = recvfrom(sv[1], in, sizeof in, 0, (struct sockaddr *)&from, &flen);
        if (n >= 0)
            log_label(P_DGRAM_FROM, -(long)flen);
    }
    close(sv[0]);
    close(sv[1]);
}

/* 19. */
static void pair_sockname_step(void)
{
    int sv[2];
    struct sockaddr_un me;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    marker(P_PAIR_SOCKNAME, (long)logbuf, 0, 0, 0);
    socklen_t len = sizeof me;
    memset(&me, 0, sizeof me);
    if (getsockname(sv[0], (struct sockaddr *)&me, &len) == 0)
        log_label(P_PAIR_SOCKNAME, 2 - (long)len);
    close(sv[0]);
    close(sv[1]);
}

/* 20. */
static void seq_type_step(void)
{
    int sv[2], v = -1000;
    socklen_t len = sizeof v;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
        return;
    marker(P_SEQ_TYPE, (long)logbuf, 0, 0, 0);
    if (getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len) == 0 && len == sizeof v)
        log_label(P_SEQ_TYPE, SOCK_SEQPACKET - (long)v);
    close(sv[0]);
    close(sv[1]);
}

/* 21. */
static void self_name_step(void)
{
    char buf[16];
    marker(P_SELF_NAME, (long)logbuf, 0, 0, 0);
    memset(buf, 0x55, sizeof buf);
    if (prctl(PR_GET_NAME, (unsigned long)buf, 0, 0, 0) == 0)
        log_label(P_SELF_NAME, strcmp(buf, NAME) == 0 ? 0 : -4);
}

/* 22. */
static void dgram_msgname_step(void)
{
    int sv[2];
    char in[16];
    struct sockaddr_un from;
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
        return;
    marker(P_DGRAM_MSGNAME, (long)logbuf, 0, 0, 0);
    if (send(sv[0], "abcdefgh", 8, 0) == 8) {
        struct iovec iov = {.iov_base = in, .iov_len = sizeof in};
        struct msghdr mh;
        memset(&mh, 0, sizeof mh);
        memset(&from, 0, sizeof from);
        mh.msg_name = &from;
        mh.msg_namelen = sizeof from;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        long n = recvmsg(sv[1], &mh, 0);
        if (n >= 0)
            log_label(P_DGRAM_MSGNAME, -(long)mh.msg_namelen);
    }
    close(sv[0]);
    close(sv[1]);
}

/* 23. */
static void pair_peername_step(void)
{
    int sv[2];
    struct sockaddr_un peer;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    marker(P_PAIR_PEERNAME, (long)logbuf, 0, 0, 0);
    socklen_t len = sizeof peer;
    memset(&peer, 0, sizeof peer);
    if (getpeername(sv[0], (struct sockaddr *)&peer, &len) == 0)
        log_label(P_PAIR_PEERNAME, 2 - (long)len);
    close(sv[0]);
    close(sv[1]);
}

/* 24. */
static void vfork_name_step(void)
{
    static char buf[16];
    char got[16];
    int pp[2];
    if (pipe(pp) != 0)
        return;
    marker(P_VFORK_NAME, (long)logbuf, 0, 0, 0);
    memset(buf, 0x55, sizeof buf);
    /* A raw vfork: the child asks its name and writes it on a pipe (qemu-user runs a vfork
     * child in a copy of the memory, so the parent cannot read the child's buffer). */
    long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        if (sys6(SYS_prctl, PR_GET_NAME, (long)buf, 0, 0, 0, 0) == 0)
            sys6(SYS_write, pp[1], (long)buf, sizeof buf, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    close(pp[1]);
    if (pid > 0) {
        waitpid((pid_t)pid, NULL, 0);
        memset(got, 0x55, sizeof got);
        if (read(pp[0], got, sizeof got) == (long)sizeof got)
            log_label(P_VFORK_NAME, strcmp(got, NAME) == 0 ? 0 : -4);
    }
    close(pp[0]);
}

/* 25. */
static void status_sigcgt_step(void)
{
    struct sigaction sa, prev;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    if (sigaction(SIGUSR1, &sa, &prev) != 0)
        return;
    marker(P_STATUS_SIGCGT, (long)logbuf, 0, 0, 0);
    long cgt = status_field("/proc/self/status", "SigCgt");
    if (cgt >= 0)
        log_label(P_STATUS_SIGCGT, (cgt >> (SIGUSR1 - 1)) & 1 ? 0 : -4);
    sigaction(SIGUSR1, &prev, NULL);
}

/* 26. */
static void epoll_queued_step(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x38};
    if (ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev) == 0) {
        marker(P_EPOLL_QUEUED, (long)logbuf, 0, 0, 0);
        if (write(sv[0], "z", 1) == 1) {
            struct epoll_event got[2];
            memset(got, 0, sizeof got);
            int n = epoll_wait(ep, got, 2, 0);
            if (n >= 0)
                log_label(P_EPOLL_QUEUED, n == 1 && (got[0].events & EPOLLIN) ? 0 : -4);
        }
    }
    if (ep >= 0)
        close(ep);
    close(sv[0]);
    close(sv[1]);
}

/* 27, 28. */
static volatile int rename_stage;

static void wait_stage(int want)
{
    long brief[2] = {0, 1000000};
    for (int i = 0; i < 2000 && rename_stage < want; i++)
        sys6(SYS_futex, (long)&rename_stage, 0 /* FUTEX_WAIT */ | 128, rename_stage,
             (long)brief, 0, 0);
}

static void set_stage(int v)
{
    rename_stage = v;
    sys6(SYS_futex, (long)&rename_stage, 1 /* FUTEX_WAKE */ | 128, 8, 0, 0, 0);
}

static void *rename_thread(void *arg)
{
    (void)arg;
    if (prctl(PR_SET_NAME, (unsigned long)"r38-thrd", 0, 0, 0) == 0) {
        set_stage(1);
        wait_stage(2);     /* alive, renamed, while the main thread asks */
    }
    return NULL;
}

static void other_name_step(void)
{
    rename_stage = 0;
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    thread_done = 0;
    static struct start st = {rename_thread};
    if (pthread_create(&t, &at, trampoline, &st) != 0)
        return;
    wait_stage(1);
    if (rename_stage >= 1) {
        char buf[16];
        marker(P_OTHER_NAME, (long)logbuf, 0, 0, 0);
        memset(buf, 0x55, sizeof buf);
        if (prctl(PR_GET_NAME, (unsigned long)buf, 0, 0, 0) == 0)
            log_label(P_OTHER_NAME, strcmp(buf, NAME) == 0 ? 0 : -4);
        int fd = open("/proc/self/comm", O_RDONLY);
        if (fd >= 0) {
            char cb[64];
            marker(P_OTHER_COMM, (long)logbuf, 0, 0, 0);
            memset(cb, 0, sizeof cb);
            long n = read(fd, cb, sizeof cb);
            close(fd);
            if (n >= 0)
                log_label(P_OTHER_COMM, n == 9 && memcmp(cb, "r38-name\n", 9) == 0 ? 0 : -4);
        }
    }
    set_stage(2);
    long brief[2] = {0, 1000000};
    for (int i = 0; i < 2000 && !thread_done; i++)
        sys6(SYS_futex, (long)&thread_done, 0 | 128, 0, (long)brief, 0, 0);
    pthread_attr_destroy(&at);
}

/* 29. */
static void pair_peercred_step(void)
{
    int sv[2];
    struct ucred uc = {0};
    socklen_t l = sizeof uc;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    marker(P_PAIR_PEERCRED, (long)logbuf, 0, 0, 0);
    if (getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &l) == 0 && l == sizeof uc)
        log_label(P_PAIR_PEERCRED, (long)getpid() - uc.pid);
    close(sv[0]);
    close(sv[1]);
}

/* 30. */
static void fork_peercred_step(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    long parent = getpid();
    marker(P_FORK_PEERCRED, (long)logbuf, parent, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct ucred uc = {0};
        socklen_t l = sizeof uc;
        if (getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &l) == 0 && l == sizeof uc)
            log_label(P_FORK_PEERCRED, parent - uc.pid);
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    close(sv[0]);
    close(sv[1]);
}

/* 31. */
static void vfork_altstack_step(void)
{
    static stack_t old;
    stack_t got;
    int pp[2];
    stack_t ss = {.ss_sp = altstack, .ss_flags = 0, .ss_size = sizeof altstack};
    if (pipe(pp) != 0)
        return;
    if (sigaltstack(&ss, NULL) == 0) {
        marker(P_VFORK_ALTSTACK, (long)logbuf, 0, 0, 0);
        memset(&old, 0, sizeof old);
        long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            if (sys6(SYS_sigaltstack, 0, (long)&old, 0, 0, 0, 0) == 0)
                sys6(SYS_write, pp[1], (long)&old, sizeof old, 0, 0, 0);
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        }
        close(pp[1]);
        pp[1] = -1;
        if (pid > 0) {
            waitpid((pid_t)pid, NULL, 0);
            memset(&got, 0, sizeof got);
            if (read(pp[0], &got, sizeof got) == (long)sizeof got)
                log_label(P_VFORK_ALTSTACK, got.ss_flags == 0 && got.ss_sp == altstack &&
                                                got.ss_size == sizeof altstack ? 0 : -4);
        }
        ss.ss_flags = SS_DISABLE;
        sigaltstack(&ss, NULL);
    }
    if (pp[1] >= 0)
        close(pp[1]);
    close(pp[0]);
}

/* 32. */
static void select_write_step(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    marker(P_SELECT_WRITE, (long)logbuf, 0, 0, 0);
    fd_set w;
    FD_ZERO(&w);
    FD_SET(sv[0], &w);
    struct timeval tv = {0, 0};
    int n = select(sv[0] + 1, NULL, &w, NULL, &tv);
    if (n >= 0)
        log_label(P_SELECT_WRITE, n == 1 && FD_ISSET(sv[0], &w) ? 0 : -4);
    close(sv[0]);
    close(sv[1]);
}

/* 33. */
static void signalfd_readv_step(void)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &set, &old) != 0)
        return;
    int fd = signalfd(-1, &set, 0);
    if (fd >= 0) {
        marker(P_SIGNALFD_READV, (long)logbuf, 0, 0, 0);
        if (kill(getpid(), SIGUSR1) == 0) {
            struct signalfd_siginfo si;
            memset(&si, 0, sizeof si);
            struct iovec iov[2] = {{&si, 64}, {(char *)&si + 64, sizeof si - 64}};
            long n = readv(fd, iov, 2);
            if (n >= 0)
                log_label(P_SIGNALFD_READV, (10 - (long)si.ssi_signo) + (128 - n));
        }
        close(fd);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* 34. */
static void comm_pread_step(void)
{
    char buf[64];
    int fd = open("/proc/self/comm", O_RDONLY);
    if (fd < 0)
        return;
    marker(P_COMM_PREAD, (long)logbuf, 0, 0, 0);
    memset(buf, 0, sizeof buf);
    long n = pread(fd, buf, sizeof buf, 0);
    close(fd);
    if (n >= 0)
        log_label(P_COMM_PREAD, n == 9 && memcmp(buf, "r38-name\n", 9) == 0 ? 0 : -4);
}

/* 35 (-t). */
static pthread_t renamed;

static void *setname_thread(void *arg)
{
    (void)arg;
    if (pthread_setname_np(pthread_self(), "r38-thrd") == 0) {
        set_stage(1);
        wait_stage(2);
    }
    return NULL;
}

static void task_comm_step(void)
{
    rename_stage = 0;
    thread_done = 0;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    static struct start st = {setname_thread};
    if (pthread_create(&renamed, &at, trampoline, &st) != 0)
        return;
    wait_stage(1);
    if (rename_stage >= 1) {
        char buf[16];
        marker(P_TASK_COMM, (long)logbuf, 0, 0, 0);
        memset(buf, 0x55, sizeof buf);
        /* glibc reads /proc/self/task/<tid>/comm for a thread other than the caller */
        if (pthread_getname_np(renamed, buf, sizeof buf) == 0)
            log_label(P_TASK_COMM, strcmp(buf, "r38-thrd") == 0 ? 0 : -4);
    }
    set_stage(2);
    long brief[2] = {0, 1000000};
    for (int i = 0; i < 2000 && !thread_done; i++)
        sys6(SYS_futex, (long)&thread_done, 0 | 128, 0, (long)brief, 0, 0);
    pthread_attr_destroy(&at);
}

int main(int argc, char **argv)
{
    int show_digest = 0, task_comm = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        task_comm |= strcmp(argv[i], "-t") == 0;
    }
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 1;
    }
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    memcpy(heapcopy + SECRET_OFF, secret, SECRET_LEN);
    for (int i = 0; i < 16; i++)
        stackbuf[i] = 0;
    for (int i = 0; i < SECRET_LEN; i++)
        stackbuf[16 + i] = ((uint8_t *)secret)[i];
    marker(P_PLACED, (long)heapcopy, (long)stackbuf, 0, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    select_step();
    dgram_read_step();
    seq_read_step();
    comm_step();
    thread_name_step();
    thread_altstack_step();
    fork_mask_step();
    fork_handler_step();
    signalfd_step();
    status_step();
    thread_sigblk_step();
    poll_queued_step();
    stat_comm_step();
    fork_name_step();
    fork_altstack_step();
    thread_handler_step();
    thread_mask_step();
    dgram_from_step();
    pair_sockname_step();
    seq_type_step();
    self_name_step();
    dgram_msgname_step();
    pair_peername_step();
    vfork_name_step();
    status_sigcgt_step();
    epoll_queued_step();
    other_name_step();
    pair_peercred_step();
    fork_peercred_step();
    vfork_altstack_step();
    select_write_step();
    signalfd_readv_step();
    comm_pread_step();
    if (task_comm)
        task_comm_step();

    int bad = memcmp(logbuf, secret, SECRET_LEN) != 0 ||
              memcmp(heapcopy + SECRET_OFF, secret, SECRET_LEN) != 0;
    for (int i = 0; i < SECRET_LEN; i++)
        bad |= stackbuf[16 + i] != ((uint8_t *)secret)[i];
    sha256_secret((const uint8_t *)secret, digest);
    memcpy(hex, "secret: sha256=", 15);
    for (int i = 0; i < 32; i++) {
        hex[15 + 2 * i] = "0123456789abcdef"[digest[i] >> 4];
        hex[16 + 2 * i] = "0123456789abcdef"[digest[i] & 15];
    }
    hex[79] = '\n';
    if (show_digest)
        sys6(SYS_write, 1, (long)hex, 80, 0, 0, 0);
    marker(P_END, bad, 0, 0, 0);
    say(bad ? "secret: TAMPERED\n" : "secret: intact\n");
    return bad ? 3 : 0;
}
