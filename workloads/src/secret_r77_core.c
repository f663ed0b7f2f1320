/* The attack target of red-team round 77c: the group list after setgroups() of a
 * one-group list, a root program's gids after setresgid() and setregid() (and in an
 * exec'd image), its fs gid after setgid(); setfsuid(-1) in a process that shares the
 * program's memory (CLONE_VM without CLONE_THREAD) after a SECCOMP_FILTER_FLAG_TSYNC
 * filter, and after filter and dispatch calls Linux refuses with -EINVAL (nothing
 * attached); getuid() under the program's own filter answering SECCOMP_RET_ERRNO, and
 * setfsuid(-1) of a program launched under such a filter; the Uid, Groups and Gid lines
 * of /proc/self/status after setuid(), setgroups() and setresgid().
 * After set*id, setgroups and unshare(CLONE_NEWUSER) calls that fail: the ids and
 * groups as they were.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  In order:
 *
 *   0. setgroups(1, {1234}), then getgroups(4, list): 1, the list {1234} (set_groups());
 *      7 for another first group.
 *   1. setgroups(1, {1234}), then getgroups(4, list): 1 (sys_getgroups() answers -EINVAL
 *      only for a size below the count); 7 for an error.
 *   2. setresgid(65534, 65534, 65534) of a root program, then getresgid(): 65534 each;
 *      7 for a real gid 0.
 *   3. setregid(65534, 65534), execve() with -G: the new image's getgid() answers 65534
 *      (execve keeps the real gid); 7 for 0.
 *   4. A process sharing the fork child's memory (clone(CLONE_VM | SIGCHLD), no
 *      CLONE_THREAD) waits while the child installs an allow-everything filter with
 *      SECCOMP_FILTER_FLAG_TSYNC, then calls setfsuid(-1): 0 (seccomp_sync_threads()
 *      reaches the caller's thread group alone); 7 for another answer.
 *   5. seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC) of an empty program
 *      (-EINVAL: seccomp_prepare_filter()), then setfsuid(-1): 0; 7 for another answer.
 *   6. prctl(PR_SET_SECCOMP, 3) (-EINVAL: prctl_set_seccomp() knows modes 1 and 2),
 *      then setfsuid(-1): 0; 7 for another answer.
 *   7. prctl(PR_SET_SYSCALL_USER_DISPATCH, 7) (-EINVAL), then setfsuid(-1): 0; 7 for
 *      another answer.
 *   8. seccomp(SECCOMP_SET_MODE_STRICT, 1, NULL) (-EINVAL: flags must be 0), then
 *      setfsuid(-1): 0; 7 for another answer.
 *   9. setgid(65534) of a root program, then setfsgid(-1): 65534 (__sys_setgid() sets
 *      the fs gid too); 7 for 0.
 *  10. seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC) of a filter that
 *      answers getuid() SECCOMP_RET_ERRNO | EPERM, then getuid(); exits 0 whatever it
 *      answers (Linux: -EPERM).
 *  11. setfsuid(-1); exits 0 whatever it answers (under a launcher's filter: -EPERM).
 *  12. setuid(65534) of a root program, then /proc/self/status: its Uid line 65534 each
 *      (proc_pid_status() -> task_state(): the cred); 7 for a real uid 0.
 *  13. setgroups(1, {1234}), then /proc/self/status: its Groups line "1234 "; 7 for a
 *      first group 0.
 *  14. setresgid(65534, 65534, 65534) of a root program, then /proc/self/status: its Gid
 *      line 65534 each; 7 for a real gid 0.
 *  15. setuid(65534) answered an error, then getuid(): 0 (a failing __sys_setuid()
 *      aborts the new cred); 7 for another.
 *  16. unshare(CLONE_NEWUSER) answered an error, then getuid(): 0; 7 for another.
 *  17. getgroups(0, NULL), setgroups(1, {1234}) answered an error, getgroups(0, NULL)
 *      again: the same count; 7 for another.
 *  18. setresuid(65534, 65534, 65534) answered an error, then getresuid(): 0, 0, 0; 7
 *      for a real uid not 0.
 *  19. setresuid(-1, -1, 1234), setfsuid(1234) (the saved uid: always allowed), then
 *      setfsuid(-1): 1234; 7 for another.
 *  20. A new thread (CLONE_THREAD) waits while the fork child's own thread calls
 *      setuid(65534), then calls setuid(65534) itself (as glibc's setxid broadcast has
 *      each thread do) and getuid(): 65534 in both threads; 7 for another.
 *  21. unshare(CLONE_FILES) (a new descriptor table, no new cred), then getuid(): 0; 7
 *      for another.
 *  22. setuid(65534) answered an error, execve() with -U: the new image's getuid()
 *      answers 0 (nothing changed the real uid); 7 for another.
 *  23. seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC) of an allow-everything
 *      filter answered 0, then prctl(PR_GET_SECCOMP): 2 (SECCOMP_MODE_FILTER); 7 for 0.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r77c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r77"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_GROUPS_LIST 10800
#define P_GROUPS_EINVAL 10802
#define P_RESGID_DROP 10804
#define P_REGID_EXEC 10806
#define P_VM_CHILD 10808
#define P_FILTER_EMPTY 10810
#define P_SECCOMP_MODE 10812
#define P_DISPATCH_MODE 10814
#define P_STRICT_FLAGS 10816
#define P_SETGID_FSGID 10818
#define P_FILTER_ERRNO 10820
#define P_LAUNCH_FILTER 10822
#define P_STATUS_UID 10824
#define P_STATUS_GROUPS 10826
#define P_STATUS_GID 10828
#define P_SETUID_FAIL 10830
#define P_UNSHARE_FAIL 10832
#define P_SETGROUPS_FAIL 10834
#define P_SETRESUID_FAIL 10836
#define P_FSUID_SAVED 10838
#define P_SETXID_THREADS 10840
#define P_UNSHARE_FILES 10842
#define P_SETUID_FAIL_EXEC 10844
#define P_GET_SECCOMP 10846
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

/* A new image started with -G or -U: 7 where it sees what Linux never answers. */
static int image_check(char how)
{
    if (how == 'G')
        return sys6(SYS_getgid, 0, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    if (how == 'U')
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    return 0;
}

static uint32_t gids[3];
static uint32_t glist[4] = {1234, 0, 0, 0};
static uint32_t gout[4];

struct sock_prog {
    uint16_t len;
    uint16_t pad[3];
    void *filter;
};

/* An allow-everything seccomp filter: BPF_RET | BPF_K, SECCOMP_RET_ALLOW. */
static uint64_t allow_insn = 0x7fff000000000006ULL;
static struct sock_prog allow_prog = {1, {0, 0, 0}, &allow_insn};
static struct sock_prog empty_prog = {0, {0, 0, 0}, &allow_insn};
/* ld [nr]; jeq #getuid, 0, 1; ret ERRNO | EPERM; ret ALLOW. */
static uint64_t errno_insns[4] = {
    0x0000000000000020ULL, 0x000000ae01000015ULL,
    0x0005000100000006ULL, 0x7fff000000000006ULL,
};
static struct sock_prog errno_prog = {4, {0, 0, 0}, errno_insns};

static volatile long vm_go, vm_fsuid;
static uint8_t vm_stack[16384] __attribute__((aligned(16)));

/* Step 4's process: it shares the memory, not the thread group. */
static int vm_child(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&vm_go, __ATOMIC_SEQ_CST))
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    vm_fsuid = sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0);
    sys6(SYS_exit, vm_fsuid != 0 ? 7 : 0, 0, 0, 0, 0, 0);
    return 0;
}

static volatile long xid_go, xid_uid;
static uint8_t xid_stack[16384] __attribute__((aligned(16)));

/* Step 20's thread: its own setuid(65534) once the other thread's is done. */
static int xid_thread(void *arg)
{
    (void)arg;
    while (__atomic_load_n(&xid_go, __ATOMIC_SEQ_CST) != 1)
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    xid_uid = sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) == 0 ?
        sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) : 65534;
    __atomic_store_n(&xid_go, 2, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

static char sbuf[4096];

/* Whether /proc/self/status, read from its start, holds `line`. */
static int status_has(const char *line)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)"/proc/self/status", O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return 0;
    long n = sys6(SYS_read, fd, (long)sbuf, sizeof sbuf - 1, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (n <= 0 || n >= (long)sizeof sbuf)
        return 0;
    sbuf[n] = 0;
    return strstr(sbuf, line) != 0;
}

static int fsuid_not_root(void)
{
    return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
}

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    long n, pid;
    switch (how) {
    case 0:
    case 1:
        if (sys6(SYS_setgroups, 1, (long)glist, 0, 0, 0, 0) != 0)
            return 0;
        gout[0] = 1234;
        n = sys6(SYS_getgroups, 4, (long)gout, 0, 0, 0, 0);
        if (how == 1)
            return n < 0 ? 7 : 0;
        return n == 1 && gout[0] != 1234 ? 7 : 0;
    case 2:
        if (sys6(SYS_setresgid, 65534, 65534, 65534, 0, 0, 0) != 0)
            return 0;
        gids[0] = gids[1] = gids[2] = 12345;
        if (sys6(SYS_getresgid, (long)&gids[0], (long)&gids[1], (long)&gids[2], 0, 0, 0) != 0)
            return 0;
        return gids[0] == 0 ? 7 : 0;
    case 3:
        if (sys6(SYS_setregid, 65534, 65534, 0, 0, 0, 0) != 0)
            return 0;
        return exec_self(self, "-G");
    case 4:
        vm_go = 0;
        pid = clone(vm_child, vm_stack + sizeof vm_stack, CLONE_VM | SIGCHLD, 0);
        if (pid <= 0)
            return 0;
        sys6(SYS_seccomp, 1, 1, (long)&allow_prog, 0, 0, 0);
        __atomic_store_n(&vm_go, 1, __ATOMIC_SEQ_CST);
        return status_of(pid) == 7 ? 7 : 0;
    case 5:
        sys6(SYS_seccomp, 1, 1, (long)&empty_prog, 0, 0, 0);
        return fsuid_not_root();
    case 6:
        sys6(SYS_prctl, 22, 3, 0, 0, 0, 0);
        return fsuid_not_root();
    case 7:
        sys6(SYS_prctl, 59, 7, 0, 0, 0, 0);
        return fsuid_not_root();
    case 8:
        sys6(SYS_seccomp, 0, 1, 0, 0, 0, 0);
        return fsuid_not_root();
    case 9:
        if (sys6(SYS_setgid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_setfsgid, -1, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 10:
        sys6(SYS_seccomp, 1, 1, (long)&errno_prog, 0, 0, 0);
        sys6(SYS_getuid, 0, 0, 0, 0, 0, 0);
        return 0;
    case 11:
        sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0);
        return 0;
    case 12:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return status_has("\nUid:\t0\t") ? 7 : 0;
    case 13:
        if (sys6(SYS_setgroups, 1, (long)glist, 0, 0, 0, 0) != 0)
            return 0;
        return status_has("\nGroups:\t0") ? 7 : 0;
    case 14:
        if (sys6(SYS_setresgid, 65534, 65534, 65534, 0, 0, 0) != 0)
            return 0;
        return status_has("\nGid:\t0\t") ? 7 : 0;
    case 15:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) == 0)
            return 0;
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    case 16:
        if (sys6(SYS_unshare, 0x10000000L, 0, 0, 0, 0, 0) == 0)
            return 0;
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    case 17:
        n = sys6(SYS_getgroups, 0, 0, 0, 0, 0, 0);
        if (n < 0 || sys6(SYS_setgroups, 1, (long)glist, 0, 0, 0, 0) == 0)
            return 0;
        return sys6(SYS_getgroups, 0, 0, 0, 0, 0, 0) != n ? 7 : 0;
    case 18:
        if (sys6(SYS_setresuid, 65534, 65534, 65534, 0, 0, 0) == 0)
            return 0;
        gids[0] = gids[1] = gids[2] = 12345;
        if (sys6(SYS_getresuid, (long)&gids[0], (long)&gids[1], (long)&gids[2], 0, 0, 0) != 0)
            return 0;
        return gids[0] != 0 ? 7 : 0;
    case 19:
        if (sys6(SYS_setresuid, -1, -1, 1234, 0, 0, 0) != 0 ||
            sys6(SYS_setfsuid, 1234, 0, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) != 1234 ? 7 : 0;
    case 20:
        xid_go = 0;
        if (clone(xid_thread, xid_stack + sizeof xid_stack,
                  CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                  CLONE_SYSVSEM, 0) <= 0)
            return 0;
        n = sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0);
        __atomic_store_n(&xid_go, 1, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(&xid_go, __ATOMIC_SEQ_CST) != 2)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        if (n != 0)
            return 0;
        return xid_uid != 65534 || sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 65534 ? 7 : 0;
    case 21:
        if (sys6(SYS_unshare, CLONE_FILES, 0, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    case 22:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) == 0)
            return 0;
        return exec_self(self, "-U");
    case 23:
        if (sys6(SYS_seccomp, 1, 1, (long)&allow_prog, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_prctl, 21, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
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
    core_step(P_GROUPS_LIST, 0, argv[0]);
    core_step(P_GROUPS_EINVAL, 1, argv[0]);
    core_step(P_RESGID_DROP, 2, argv[0]);
    core_step(P_REGID_EXEC, 3, argv[0]);
    core_step(P_VM_CHILD, 4, argv[0]);
    core_step(P_FILTER_EMPTY, 5, argv[0]);
    core_step(P_SECCOMP_MODE, 6, argv[0]);
    core_step(P_DISPATCH_MODE, 7, argv[0]);
    core_step(P_STRICT_FLAGS, 8, argv[0]);
    core_step(P_SETGID_FSGID, 9, argv[0]);
    core_step(P_FILTER_ERRNO, 10, argv[0]);
    core_step(P_LAUNCH_FILTER, 11, argv[0]);
    core_step(P_STATUS_UID, 12, argv[0]);
    core_step(P_STATUS_GROUPS, 13, argv[0]);
    core_step(P_STATUS_GID, 14, argv[0]);
    core_step(P_SETUID_FAIL, 15, argv[0]);
    core_step(P_UNSHARE_FAIL, 16, argv[0]);
    core_step(P_SETGROUPS_FAIL, 17, argv[0]);
    core_step(P_SETRESUID_FAIL, 18, argv[0]);
    core_step(P_FSUID_SAVED, 19, argv[0]);
    core_step(P_SETXID_THREADS, 20, argv[0]);
    core_step(P_UNSHARE_FILES, 21, argv[0]);
    core_step(P_SETUID_FAIL_EXEC, 22, argv[0]);
    core_step(P_GET_SECCOMP, 23, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
