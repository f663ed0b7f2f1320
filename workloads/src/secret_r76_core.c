/* The attack target of red-team round 76c: a thread's ids and groups after setuid,
 * setreuid, setgid, setgroups with a list and setfsuid calls the Guardian does not follow,
 * an exec'd image's real uid after setuid(); a thread's ids after unshare(CLONE_NEWUSER)
 * (the uid 0 it held is unmapped in the new namespace: from_kuid_munged() answers the
 * overflow uid).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  In order:
 *
 *   0. setuid(65534) of a root program, then getresuid(): 65534 each (__sys_setuid():
 *      CAP_SETUID sets the real, effective, saved and fs uid); 7 for a real uid 0.
 *   1. setreuid(65534, 65534), then getresuid(): 65534 each (__sys_setreuid(): a set
 *      real uid makes the saved uid the new effective one); 7 for a real uid 0.
 *   2. setgroups(1, {1234}), then getgroups(0, NULL): 1 (set_groups()); 7 for another.
 *   3. setfsuid(1234) of a root program, then setfsuid(-1): 1234 (__sys_setfsuid()
 *      answers the old fs uid); 7 for another.
 *   4. setuid(65534), execve() with -u: the new image's getuid() answers 65534 (execve
 *      keeps the real uid); 7 for 0.
 *   5. setgid(65534) of a root program, then getgid(): 65534 (__sys_setgid()); 7 for 0.
 *   6. setresuid(65534, 65534, 65534), then setfsuid(-1): 65534 (the fs uid follows the
 *      effective one); 7 for 0.
 *   7. unshare(CLONE_NEWUSER), then getuid(): the overflow uid (65534 by default), the
 *      uid 0 being unmapped in the new namespace; exits 0 whatever it answers.
 *   8. unshare(CLONE_NEWUSER), then setfsuid(-1): the overflow uid; exits 0.
 *   9. unshare(CLONE_NEWUSER), execve() with -n: the new image's AT_UID and AT_EUID are
 *      the overflow uid; exits 0.
 *  10. setuid(65534) of a root program, then setfsuid(-1): 65534 (__sys_setuid() sets
 *      the fs uid too); 7 for 0.
 *  11. setreuid(-1, 65534) of a root program, then getresuid(): 0, 65534, 65534
 *      (__sys_setreuid()); 7 for an effective uid 0.
 *  12. setgroups(1, {1234}), execve() with -g: the new image's getgroups(0, NULL)
 *      answers 1 (execve keeps the group list); 7 for another count.
 *  13. setfsuid(1234) of a root program, getresuid(), setresuid(-1, -1, -1), then
 *      setfsuid(-1): 1234 (__sys_setresuid() returns early where no id would change,
 *      keeping the fs uid; older kernels answer 0); exits 0.
 *  14. A new thread (CLONE_THREAD) calls prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) of an
 *      allow-everything filter and exits; the fork child's own thread then calls
 *      setfsuid(-1): 0, the euid of a root program (the filter is the other thread's
 *      alone: no SECCOMP_FILTER_FLAG_TSYNC); 7 for another answer.
 *  15. seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &SECCOMP_RET_KILL_PROCESS) (a probe that
 *      installs nothing), then setfsuid(-1): 0; 7 for another answer.
 *  16. prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF) (turns dispatch off),
 *      then setfsuid(-1): 0; 7 for another answer.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r76c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r76"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_SETUID_DROP 10500
#define P_SETREUID_DROP 10502
#define P_GROUPS_LIST 10504
#define P_FSUID_SET 10506
#define P_SETUID_EXEC 10508
#define P_SETGID_DROP 10510
#define P_FSUID_DROP 10512
#define P_USERNS_UID 10514
#define P_USERNS_FSUID 10516
#define P_USERNS_EXEC 10518
#define P_SETUID_FSUID 10520
#define P_SETREUID_EUID 10522
#define P_GROUPS_EXEC 10524
#define P_FSUID_KEPT 10526
#define P_THREAD_FILTER 10528
#define P_ACTION_AVAIL 10530
#define P_DISPATCH_OFF 10532
#define CLONE_NEWUSER_ 0x10000000L
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

/* A new image started with -p, -u or -a: 7 where it sees what Linux never answers. */
static int image_check(char how)
{
    if (how == 'u')
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    if (how == 'g')
        return sys6(SYS_getgroups, 0, 0, 0, 0, 0, 0) != 1 ? 7 : 0;
    return 0;
}

static uint32_t ids[3];
static uint32_t glist[4] = {1234, 0, 0, 0};

static long drop_root(void)
{
    return sys6(SYS_setresuid, 65534, 65534, 65534, 0, 0, 0);
}

static long new_userns(void)
{
    return sys6(SYS_unshare, CLONE_NEWUSER_, 0, 0, 0, 0, 0);
}

/* 7 where getresuid() reports a real uid 0. */
static int resuid_root(void)
{
    ids[0] = ids[1] = ids[2] = 12345;
    if (sys6(SYS_getresuid, (long)&ids[0], (long)&ids[1], (long)&ids[2], 0, 0, 0) != 0)
        return 0;
    return ids[0] == 0 ? 7 : 0;
}

/* An allow-everything seccomp filter: BPF_RET | BPF_K, SECCOMP_RET_ALLOW. */
static uint64_t allow_insn = 0x7fff000000000006ULL;
static struct {
    uint16_t len;
    uint16_t pad[3];
    void *filter;
} allow_prog = {1, {0, 0, 0}, &allow_insn};

static uint32_t kill_process = 0x80000000U;
static volatile long thread_done;
static uint8_t thread_stack[16384] __attribute__((aligned(16)));

/* Step 14's thread: prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) for itself alone. */
static int filter_thread(void *arg)
{
    (void)arg;
    sys6(SYS_prctl, 22, 2, (long)&allow_prog, 0, 0, 0);
    __atomic_store_n(&thread_done, 1, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    switch (how) {
    case 0:
        return sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) == 0 ? resuid_root() : 0;
    case 1:
        return sys6(SYS_setreuid, 65534, 65534, 0, 0, 0, 0) == 0 ? resuid_root() : 0;
    case 2:
        if (sys6(SYS_setgroups, 1, (long)glist, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_getgroups, 0, 0, 0, 0, 0, 0) != 1 ? 7 : 0;
    case 3:
        if (sys6(SYS_setfsuid, 1234, 0, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) != 1234 ? 7 : 0;
    case 4:
        return sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) == 0 ? exec_self(self, "-u") : 0;
    case 5:
        if (sys6(SYS_setgid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_getgid, 0, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 6:
        if (drop_root() != 0)
            return 0;
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 7:
        if (new_userns() == 0)
            sys6(SYS_getuid, 0, 0, 0, 0, 0, 0);
        return 0;
    case 8:
        if (new_userns() == 0)
            sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0);
        return 0;
    case 9:
        if (new_userns() == 0)
            exec_self(self, "-n");
        return 0;
    case 10:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 11:
        if (sys6(SYS_setreuid, -1, 65534, 0, 0, 0, 0) != 0)
            return 0;
        ids[0] = ids[1] = ids[2] = 12345;
        if (sys6(SYS_getresuid, (long)&ids[0], (long)&ids[1], (long)&ids[2], 0, 0, 0) != 0)
            return 0;
        return ids[1] == 0 ? 7 : 0;
    case 12:
        if (sys6(SYS_setgroups, 1, (long)glist, 0, 0, 0, 0) != 0)
            return 0;
        return exec_self(self, "-g");
    case 13:
        if (sys6(SYS_setfsuid, 1234, 0, 0, 0, 0, 0) != 0 ||
            sys6(SYS_getresuid, (long)&ids[0], (long)&ids[1], (long)&ids[2], 0, 0, 0) != 0 ||
            sys6(SYS_setresuid, -1, -1, -1, 0, 0, 0) != 0)
            return 0;
        sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0);
        return 0;
    case 14:
        thread_done = 0;
        if (clone(filter_thread, thread_stack + sizeof thread_stack,
                  CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                  CLONE_SYSVSEM, 0) <= 0)
            return 0;
        while (!__atomic_load_n(&thread_done, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    case 15:
        sys6(SYS_seccomp, 2, 0, (long)&kill_process, 0, 0, 0);
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    case 16:
        sys6(SYS_prctl, 59, 0, 0, 0, 0, 0);
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    char flag = image_flag(argc, argv, &show_digest, 0, 0);
    if (flag)
        return image_check(flag);
    volatile uint8_t stackbuf[64];

    long mapped = core_start(stackbuf);
    if (!mapped)
        return 1;
    core_step(P_SETUID_DROP, 0, argv[0]);
    core_step(P_SETREUID_DROP, 1, argv[0]);
    core_step(P_GROUPS_LIST, 2, argv[0]);
    core_step(P_FSUID_SET, 3, argv[0]);
    core_step(P_SETUID_EXEC, 4, argv[0]);
    core_step(P_SETGID_DROP, 5, argv[0]);
    core_step(P_FSUID_DROP, 6, argv[0]);
    core_step(P_USERNS_UID, 7, argv[0]);
    core_step(P_USERNS_FSUID, 8, argv[0]);
    core_step(P_USERNS_EXEC, 9, argv[0]);
    core_step(P_SETUID_FSUID, 10, argv[0]);
    core_step(P_SETREUID_EUID, 11, argv[0]);
    core_step(P_GROUPS_EXEC, 12, argv[0]);
    core_step(P_FSUID_KEPT, 13, argv[0]);
    core_step(P_THREAD_FILTER, 14, argv[0]);
    core_step(P_ACTION_AVAIL, 15, argv[0]);
    core_step(P_DISPATCH_OFF, 16, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
