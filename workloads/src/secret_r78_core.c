/* The attack target of red-team round 78c: the Uid line of /proc/thread-self/status and
 * /proc/<pid>/status and the CapEff line of /proc/self/status after setuid(); the
 * no_new_privs bit after PR_SET_NO_NEW_PRIVS; a group list with duplicates, one of 40
 * groups and an empty one, through getgroups() and the Groups line; the group list in
 * an exec'd image and a clone3() child; getresgid() after a setresgid() that failed;
 * setgroups() of more than NGROUPS_MAX groups; getgroups() of a size equal to the count;
 * getuid() in a fork grandchild after setuid(); seccomp filters with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER, _LOG and _SPEC_ALLOW; a filter installed after a
 * fork child was made; the Seccomp line of /proc/self/status after a filter; a second
 * thread's own setuid() or setgroups() as /proc/self/status, /proc/<tid>/status,
 * /proc/self/task/<tid>/status, an image it exec'd and a child it forked see it.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  In order:
 *
 *   0. setuid(65534) of a root program, then /proc/thread-self/status: Uid 65534 each;
 *      7 for a real uid 0.
 *   1. setuid(65534), then /proc/<getpid()>/status: Uid 65534 each; 7 for 0.
 *   2. setuid(65534), then /proc/self/status: CapEff 0 (cap_emulate_setxuid()); 7 for
 *      another.
 *   3. prctl(PR_SET_NO_NEW_PRIVS, 1) answered 0, then PR_GET_NO_NEW_PRIVS: 1; 7 for 0.
 *   4. setgroups(3, {5, 5, 3}), then getgroups(8, list): 3, {3, 5, 5} (groups_sort()
 *      keeps duplicates); 7 for another list of 3.
 *   5. setgroups(40, {100..139}), then /proc/self/status: "Groups:\t100 101 ..."; 7 for
 *      a first group 0.
 *   6. setgroups(0, NULL), then /proc/self/status: "Groups:\t \n"; 7 for a group 0.
 *   7. setgroups(1, {1234}), execve() with -g: the new image's getgroups(4, list) answers
 *      1, {1234}; 7 for another first group.
 *   8. setresgid(65534, 65534, 65534) answered an error, then getresgid(): 0; 7 for
 *      another real gid.
 *   9. getgroups(0, NULL), setgroups(65537, NULL) (-EINVAL: NGROUPS_MAX), getgroups(0,
 *      NULL): the same count; 7 for another.
 *  10. setgroups(2, {7, 8}), then getgroups(2, list): 2; 7 for an error.
 *  11. setuid(65534), then a fork grandchild's getuid(): 65534; 7 for another.
 *  12. setgroups(1, {1234}), then a clone3() child's getgroups(4, list): 1, {1234}; 7 for
 *      another first group.
 *  13. seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER) of a filter
 *      answering setfsuid() SECCOMP_RET_ERRNO | EPERM, then setfsuid(-1); exits 0
 *      whatever it answers (Linux: a listener descriptor, then -EPERM).
 *  14. The same with SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW; exits 0
 *      whatever it answers (Linux: 0, then -EPERM).
 *  15. A fork grandchild made first waits on a pipe while the child installs an
 *      allow-everything filter; then the grandchild's setfsuid(-1): 0 (the filter is not
 *      the grandchild's: copy_seccomp() ran before it); 7 for another.
 *  16. seccomp(SECCOMP_SET_MODE_FILTER, 0) of an allow-everything filter answered 0,
 *      then /proc/self/status: "Seccomp:\t2" (SECCOMP_MODE_FILTER); 7 for 0.
 *  17. A second thread (CLONE_THREAD) calls setuid(65534) itself (raw, no broadcast),
 *      then execve() with -u: the new image's getuid() answers 65534 (the exec'ing
 *      thread's cred goes on); 7 for another.
 *  18. A second thread reads /proc/self/status, the first thread's (which made no
 *      set*id call): Uid 0 each; 7 for another.
 *  19. A second thread calls setuid(65534) itself and waits; the first thread reads
 *      /proc/<its tid>/status: Uid 65534 each (the second thread's cred); 7 for 0.
 *  20. The same through /proc/self/task/<its tid>/status; 7 for 0.
 *  21. A second thread calls setgroups(1, {4321}) itself, then execve() with -h: the new
 *      image's getgroups(4, list) answers 1, {4321} (the exec'ing thread's cred); 7 for
 *      another first group.
 *  22. A second thread calls setuid(65534) itself, then forks: the grandchild's getuid()
 *      answers 65534 (copy_creds() of the forking thread's cred); 7 for another.
 *  23. A second thread calls setgroups(1, {4321}) itself, then forks: the grandchild's
 *      getgroups(4, list) answers 1, {4321}; 7 for another first group.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r78c.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r78"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_TSELF_UID 11100
#define P_PID_UID 11102
#define P_CAPEFF 11104
#define P_NNP_GET 11106
#define P_GROUPS_DUP 11108
#define P_GROUPS_MANY 11110
#define P_GROUPS_EMPTY 11112
#define P_GROUPS_EXEC 11114
#define P_RESGID_FAIL 11116
#define P_SETGROUPS_BIG 11118
#define P_GETGROUPS_EQ 11120
#define P_FORK_UID 11122
#define P_CLONE3_GROUPS 11124
#define P_FILTER_LISTENER 11126
#define P_FILTER_LOG 11128
#define P_FILTER_AFTER_FORK 11130
#define P_SECCOMP_STATUS 11132
#define P_THREAD_EXEC 11134
#define P_THREAD_STATUS 11136
#define P_TID_STATUS 11138
#define P_TASK_STATUS 11140
#define P_THREAD_GROUPS_EXEC 11142
#define P_THREAD_FORK_UID 11144
#define P_THREAD_FORK_GROUPS 11146
#define PR_GET_SPECULATION_CTRL_ 52
#define PR_SET_SPECULATION_CTRL_ 53
#define RIE 0x0400000
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_core_kit.h"

static uint32_t one_group[1] = {1234};
static uint32_t dup_groups[3] = {5, 5, 3};
static uint32_t two_groups[2] = {7, 8};
static uint32_t many_groups[40];
static uint32_t gout[8];

/* A new image started with -g: 7 where its group list is not {1234}; with -u: 7 where
 * its uid is not 65534. */
static int image_check(char how)
{
    if (how == 'u')
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 65534 ? 7 : 0;
    if (how == 'h') {
        gout[0] = 4321;
        long n = sys6(SYS_getgroups, 4, (long)gout, 0, 0, 0, 0);
        return n == 1 && gout[0] != 4321 ? 7 : 0;
    }
    if (how != 'g')
        return 0;
    gout[0] = 1234;
    long n = sys6(SYS_getgroups, 4, (long)gout, 0, 0, 0, 0);
    return n == 1 && gout[0] != 1234 ? 7 : 0;
}

struct sock_prog {
    uint16_t len;
    uint16_t pad[3];
    void *filter;
};

static uint64_t allow_insn = 0x7fff000000000006ULL;
static struct sock_prog allow_prog = {1, {0, 0, 0}, &allow_insn};
/* ld [nr]; jeq #setfsuid, 0, 1; ret ERRNO | EPERM; ret ALLOW. */
static uint64_t fsuid_insns[4] = {
    0x0000000000000020ULL, 0x0000009701000015ULL,
    0x0005000100000006ULL, 0x7fff000000000006ULL,
};
static struct sock_prog fsuid_prog = {4, {0, 0, 0}, fsuid_insns};

static char sbuf[4096];
static char path[4096] __attribute__((aligned(4096)));

/* Whether `name`, read from its start, holds `line`. */
static int file_has(const char *name, const char *line)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)name, O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return 0;
    long n = sys6(SYS_read, fd, (long)sbuf, sizeof sbuf - 1, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (n <= 0 || n >= (long)sizeof sbuf)
        return 0;
    sbuf[n] = 0;
    return strstr(sbuf, line) != 0;
}

/* `prefix`, the decimal `id` and "/status" in `path`. */
static const char *id_status(const char *prefix, long id)
{
    char digits[24];
    int k = 0;
    do {
        digits[k++] = (char)('0' + id % 10);
        id /= 10;
    } while (id);
    strcpy(path, prefix);
    int at = (int)strlen(prefix);
    while (k)
        path[at++] = digits[--k];
    strcpy(path + at, "/status");
    return path;
}

struct clone_args_ {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static struct clone_args_ c3args;

/* The clone3() child's check of its group list. */
static int groups_one_1234(void)
{
    gout[0] = 1234;
    long n = sys6(SYS_getgroups, 4, (long)gout, 0, 0, 0, 0);
    return n == 1 && gout[0] != 1234 ? 7 : 0;
}

static int pipefd[2];
static char *self_name;
static volatile long th_state;
static uint8_t th_stack[16384] __attribute__((aligned(16)));

/* Step 17's thread: its own setuid(65534), then the exec. */
static int th_exec(void *arg)
{
    (void)arg;
    if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) == 0)
        exec_self(self_name, "-u");
    __atomic_store_n(&th_state, 2, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

static uint32_t thread_group[1] = {4321};

/* Step 21's thread: its own setgroups(1, {4321}), then the exec. */
static int th_groups_exec(void *arg)
{
    (void)arg;
    if (sys6(SYS_setgroups, 1, (long)thread_group, 0, 0, 0, 0) == 0)
        exec_self(self_name, "-h");
    __atomic_store_n(&th_state, 2, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* Steps 22 and 23's grandchild: 7 where its ids are not the forking thread's. */
static int fork_check(long how)
{
    if (how == 22)
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 65534 ? 7 : 0;
    gout[0] = 4321;
    long n = sys6(SYS_getgroups, 4, (long)gout, 0, 0, 0, 0);
    return n == 1 && gout[0] != 4321 ? 7 : 0;
}

/* Steps 22 and 23's thread: its own setuid() or setgroups(), then a fork. */
static int th_fork(void *arg)
{
    long how = (long)arg, st = 2;
    long ok = how == 22 ? sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) :
              sys6(SYS_setgroups, 1, (long)thread_group, 0, 0, 0, 0);
    if (ok == 0) {
        long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit_group, fork_check(how), 0, 0, 0, 0, 0);
        st = status_of(pid) == 7 ? 7 : 2;
    }
    __atomic_store_n(&th_state, st, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* Step 18's thread: the first thread's Uid line through /proc/self/status. */
static int th_status(void *arg)
{
    (void)arg;
    long bad = file_has("/proc/self/status", "\nUid:\t") &&
               !strstr(sbuf, "\nUid:\t0\t0\t0\t0\n");
    __atomic_store_n(&th_state, bad ? 7 : 2, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

static volatile long th_hold;

/* Steps 19 and 20's thread: its own setuid(65534), then it waits to be let go. */
static int th_setuid(void *arg)
{
    (void)arg;
    long ok = sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) == 0;
    __atomic_store_n(&th_state, ok ? 2 : 3, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&th_hold, __ATOMIC_SEQ_CST))
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
                      CLONE_SYSVSEM)

static long th_tid;

/* Run `fn` in a second thread; what it left in th_state once done (0: none ran). */
static long in_thread_arg(int (*fn)(void *), long arg)
{
    th_state = 0;
    th_tid = clone(fn, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)arg);
    if (th_tid <= 0)
        return 0;
    while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    return th_state;
}

static long in_thread(int (*fn)(void *))
{
    return in_thread_arg(fn, 0);
}

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    long n, pid;
    switch (how) {
    case 0:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return file_has("/proc/thread-self/status", "\nUid:\t0\t") ? 7 : 0;
    case 1:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return file_has(id_status("/proc/", sys6(SYS_getpid, 0, 0, 0, 0, 0, 0)), "\nUid:\t0\t") ? 7 : 0;
    case 2:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return file_has("/proc/self/status", "\nCapEff:\t") &&
               !strstr(sbuf, "\nCapEff:\t0000000000000000\n") ? 7 : 0;
    case 3:
        if (sys6(SYS_prctl, 38, 1, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_prctl, 39, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 4:
        if (sys6(SYS_setgroups, 3, (long)dup_groups, 0, 0, 0, 0) != 0)
            return 0;
        n = sys6(SYS_getgroups, 8, (long)gout, 0, 0, 0, 0);
        return n == 3 && (gout[0] != 3 || gout[1] != 5 || gout[2] != 5) ? 7 : 0;
    case 5:
        for (int i = 0; i < 40; i++)
            many_groups[i] = 100 + i;
        if (sys6(SYS_setgroups, 40, (long)many_groups, 0, 0, 0, 0) != 0)
            return 0;
        return file_has("/proc/self/status", "\nGroups:\t0") ? 7 : 0;
    case 6:
        if (sys6(SYS_setgroups, 0, 0, 0, 0, 0, 0) != 0)
            return 0;
        return file_has("/proc/self/status", "\nGroups:\t0") ? 7 : 0;
    case 7:
        if (sys6(SYS_setgroups, 1, (long)one_group, 0, 0, 0, 0) != 0)
            return 0;
        return exec_self(self, "-g");
    case 8:
        if (sys6(SYS_setresgid, 65534, 65534, 65534, 0, 0, 0) == 0)
            return 0;
        gout[0] = gout[1] = gout[2] = 12345;
        if (sys6(SYS_getresgid, (long)&gout[0], (long)&gout[1], (long)&gout[2], 0, 0, 0) != 0)
            return 0;
        return gout[0] != 0 ? 7 : 0;
    case 9:
        n = sys6(SYS_getgroups, 0, 0, 0, 0, 0, 0);
        if (n < 0 || sys6(SYS_setgroups, 65537, 0, 0, 0, 0, 0) == 0)
            return 0;
        return sys6(SYS_getgroups, 0, 0, 0, 0, 0, 0) != n ? 7 : 0;
    case 10:
        if (sys6(SYS_setgroups, 2, (long)two_groups, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_getgroups, 2, (long)gout, 0, 0, 0, 0) < 0 ? 7 : 0;
    case 11:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit, sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 65534 ? 7 : 0, 0, 0, 0, 0, 0);
        return status_of(pid) == 7 ? 7 : 0;
    case 12:
        if (sys6(SYS_setgroups, 1, (long)one_group, 0, 0, 0, 0) != 0)
            return 0;
        c3args.exit_signal = SIGCHLD;
        pid = sys6(SYS_clone3, (long)&c3args, sizeof c3args, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit, groups_one_1234(), 0, 0, 0, 0, 0);
        return status_of(pid) == 7 ? 7 : 0;
    case 13:
        sys6(SYS_seccomp, 1, 8, (long)&fsuid_prog, 0, 0, 0);
        sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0);
        return 0;
    case 14:
        sys6(SYS_seccomp, 1, 2 | 4, (long)&fsuid_prog, 0, 0, 0);
        sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0);
        return 0;
    case 15:
        if (sys6(SYS_pipe2, (long)pipefd, 0, 0, 0, 0, 0) != 0)
            return 0;
        pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            char c;
            sys6(SYS_read, pipefd[0], (long)&c, 1, 0, 0, 0);
            sys6(SYS_exit, sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) != 0 ? 7 : 0, 0, 0, 0, 0, 0);
        }
        sys6(SYS_seccomp, 1, 0, (long)&allow_prog, 0, 0, 0);
        sys6(SYS_write, pipefd[1], (long)"g", 1, 0, 0, 0);
        return status_of(pid) == 7 ? 7 : 0;
    case 16:
        if (sys6(SYS_seccomp, 1, 0, (long)&allow_prog, 0, 0, 0) != 0)
            return 0;
        return file_has("/proc/self/status", "\nSeccomp:\t0\n") ? 7 : 0;
    case 17:
        self_name = self;
        in_thread(th_exec);
        return 0;
    case 18:
        return in_thread(th_status) == 7 ? 7 : 0;
    case 22:
    case 23:
        return in_thread_arg(th_fork, how) == 7 ? 7 : 0;
    case 21:
        self_name = self;
        in_thread(th_groups_exec);
        return 0;
    case 19:
    case 20:
        th_hold = 0;
        if (in_thread(th_setuid) != 2)
            return 0;
        n = file_has(id_status(how == 19 ? "/proc/" : "/proc/self/task/", th_tid),
                     "\nUid:\t0\t");
        /* the whole group ends with this status (the waiting thread too) */
        sys6(SYS_exit_group, n ? 7 : 0, 0, 0, 0, 0, 0);
        return 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int show_digest = 0, unused = 0;
    char flag = image_flag(argc, argv, &show_digest, 0, &unused);
    if (flag)
        return image_check(flag);
    volatile uint8_t stackbuf[64];

    long mapped = core_start(stackbuf);
    if (!mapped)
        return 1;
    core_step(P_TSELF_UID, 0, argv[0]);
    core_step(P_PID_UID, 1, argv[0]);
    core_step(P_CAPEFF, 2, argv[0]);
    core_step(P_NNP_GET, 3, argv[0]);
    core_step(P_GROUPS_DUP, 4, argv[0]);
    core_step(P_GROUPS_MANY, 5, argv[0]);
    core_step(P_GROUPS_EMPTY, 6, argv[0]);
    core_step(P_GROUPS_EXEC, 7, argv[0]);
    core_step(P_RESGID_FAIL, 8, argv[0]);
    core_step(P_SETGROUPS_BIG, 9, argv[0]);
    core_step(P_GETGROUPS_EQ, 10, argv[0]);
    core_step(P_FORK_UID, 11, argv[0]);
    core_step(P_CLONE3_GROUPS, 12, argv[0]);
    core_step(P_FILTER_LISTENER, 13, argv[0]);
    core_step(P_FILTER_LOG, 14, argv[0]);
    core_step(P_FILTER_AFTER_FORK, 15, argv[0]);
    core_step(P_SECCOMP_STATUS, 16, argv[0]);
    core_step(P_THREAD_EXEC, 17, argv[0]);
    core_step(P_THREAD_STATUS, 18, argv[0]);
    core_step(P_TID_STATUS, 19, argv[0]);
    core_step(P_TASK_STATUS, 20, argv[0]);
    core_step(P_THREAD_GROUPS_EXEC, 21, argv[0]);
    core_step(P_THREAD_FORK_UID, 22, argv[0]);
    core_step(P_THREAD_FORK_GROUPS, 23, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
