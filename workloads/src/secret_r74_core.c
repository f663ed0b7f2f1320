/* The attack target of red-team round 74c: what a fork child, a vfork child and an
 * exec'd image keep of MMF_DISABLE_THP, the dumpable mode, the parent-death signal, the
 * bounding and ambient sets, SECURE_KEEP_CAPS, the child subreaper bit and the
 * store-bypass control; the parent-death signal after setfsuid() and a set*id call that
 * changes no id; mprotect() and a file mmap() under MDWE and READ_IMPLIES_EXEC.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  In the order they run:
 *
 *   0. prctl(PR_SET_THP_DISABLE, 1), fork(): the grandchild's PR_GET_THP_DISABLE answers
 *      1 (dup_mm() -> mm_init() -> mmf_init_flags()); 7 for 0.
 *   1. prctl(PR_SET_DUMPABLE, 0), fork(): the grandchild's PR_GET_DUMPABLE answers 0
 *      (MMF_DUMPABLE_MASK is in MMF_INIT_MASK); 7 for 1.
 *   2. prctl(PR_SET_PDEATHSIG, SIGUSR1), execve() with -p: the new image's
 *      PR_GET_PDEATHSIG stores 10 (0 only for a secure exec: begin_new_exec()); 7 for 12.
 *   3. prctl(PR_CAPBSET_DROP, 5), execve() with -c: the new image's PR_CAPBSET_READ(5)
 *      answers 0 (cap_bprm_creds_from_file() never raises cap_bset); 7 for 1.
 *   4. PR_SET_SPECULATION_CTRL(PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE), execve() with -s:
 *      the new image's PR_GET_SPECULATION_CTRL is never PR_SPEC_PRCTL | PR_SPEC_ENABLE
 *      (the task's PFA_SPEC_SSB_DISABLE survives; only _NOEXEC is cleared); 7 for 3.
 *   5. prctl(PR_SET_CHILD_SUBREAPER, 1), execve() with -r: the new image's
 *      PR_GET_CHILD_SUBREAPER stores 1 (the signal_struct survives); 7 for 0.
 *   6. prctl(PR_SET_PDEATHSIG, SIGUSR1), setfsuid(65534) answered 0 (the old fsuid) and
 *      setfsuid(-1) answered 65534: PR_GET_PDEATHSIG stores 0 (commit_creds(): the fsuid
 *      changed); 7 for 10.
 *   7. prctl(PR_SET_KEEPCAPS, 1), fork(): the grandchild's PR_GET_KEEPCAPS answers 1
 *      (copy_creds()); 7 for 0.
 *   8. PR_SET_SPECULATION_CTRL(PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE), fork(): the
 *      grandchild's PR_GET_SPECULATION_CTRL is never PRCTL | ENABLE (dup_task_struct()
 *      copies atomic_flags); 7 for 3.
 *   9. PR_CAP_AMBIENT_RAISE(5), fork(): the grandchild's PR_CAP_AMBIENT_IS_SET(5) answers
 *      1 (copy_creds()); 7 for 0.
 *  10. vfork(): the child's prctl(PR_SET_MDWE, 1), _exit(); the parent's PR_GET_MDWE
 *      answers 1 where the child's set answered 0 (one mm); 7 for 0.
 *  11. prctl(PR_SET_PDEATHSIG, SIGUSR1), setresuid(-1, -1, -1): PR_GET_PDEATHSIG stores
 *      10 (__sys_setresuid() changes nothing); 7 for 12.
 *  12. An anonymous PROT_READ page, personality(READ_IMPLIES_EXEC), prctl(PR_SET_MDWE, 1),
 *      then mprotect(PROT_READ | PROT_WRITE) of it: -EACCES (do_mprotect_pkey() adds
 *      PROT_EXEC, map_deny_write_exec()); 7 for 0.
 *  13. A memfd, personality(READ_IMPLIES_EXEC), prctl(PR_SET_MDWE, 1), then
 *      mmap(PROT_READ | PROT_WRITE, MAP_SHARED) of it: -EACCES (do_mmap() adds PROT_EXEC
 *      to a file mapping not on a noexec mount); 7 for a mapping.
 *  15. prctl(PR_SET_NO_NEW_PRIVS, 1), execve() with -n: the new image's
 *      PR_GET_NO_NEW_PRIVS answers 1 (task_no_new_privs() survives); 7 for 0.
 *  16. prctl(PR_SET_DUMPABLE, 0), setresgid(-1, -1, -1): PR_GET_DUMPABLE answers 0
 *      (__sys_setresgid() changes nothing, no commit_creds()); 7 for 1.
 *  17. PR_CAP_AMBIENT_RAISE(5), setresuid(-1, -1, -1): PR_CAP_AMBIENT_IS_SET(5) answers
 *      1 where the raise answered 0; 7 for 0.
 *  18. PR_SET_SPECULATION_CTRL(PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE), then a new
 *      thread's (CLONE_THREAD) PR_GET_SPECULATION_CTRL: never PRCTL | ENABLE
 *      (dup_task_struct() copies atomic_flags); 7 for 3.
 *  14. (last, only with --drop) prctl(PR_SET_PDEATHSIG, SIGUSR1), setresuid(65534, 65534,
 *      65534), PR_GET_PDEATHSIG: 0 where the set*id answered 0 (commit_creds(): the
 *      euid changed); 7 for 10.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r74c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r74"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_THP_FORK 9900
#define P_DUMP_FORK 9902
#define P_PDEATH_EXEC 9904
#define P_CAPBSET_EXEC 9906
#define P_SPEC_EXEC 9908
#define P_SUBREAPER_EXEC 9910
#define P_PDEATH_FSUID 9912
#define P_KEEPCAPS_FORK 9914
#define P_SPEC_FORK 9916
#define P_AMBIENT_FORK 9918
#define P_MDWE_VFORK 9920
#define P_PDEATH_NOCHANGE 9922
#define P_RIE_MPROTECT 9924
#define P_RIE_MEMFD 9926
#define P_PRIV_DROP 9928
#define P_NNP_EXEC 9930
#define P_DUMP_NOCHANGE 9932
#define P_AMBIENT_NOCHANGE 9934
#define P_SPEC_THREAD 9936
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

/* A new image started with -p, -c, -s, -r or -n: 7 where it sees what Linux never answers. */
static int image_check(char how)
{
    switch (how) {
    case 'p':
        return pr_word(2) == 12 ? 7 : 0;
    case 'c':
        return pr(23, 5) == 1 ? 7 : 0;
    case 's':
        return pr3(PR_GET_SPECULATION_CTRL_, 0, 0) == 3 ? 7 : 0;
    case 'r':
        return pr_word(37) == 0 ? 7 : 0;
    case 'n':
        return pr(39, 0) == 0 ? 7 : 0;
    }
    return 0;
}

/* The grandchild's exit status for step `how` (fork()), 0 where the fork failed. */
static int in_grandchild(int how)
{
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        long r = 0;
        if (how == 0)
            r = pr(42, 0) == 0;
        else if (how == 1)
            r = pr(3, 0) == 1;
        else if (how == 7)
            r = pr(7, 0) == 0;
        else if (how == 8)
            r = pr3(PR_GET_SPECULATION_CTRL_, 0, 0) == 3;
        else if (how == 9)
            r = pr3(47, 1, 5) == 0;
        sys6(SYS_exit, r ? 7 : 0, 0, 0, 0, 0, 0);
    }
    return status_of(pid) == 7 ? 7 : 0;
}

/* Step 10: a vfork child's PR_SET_MDWE(1); 7 where it answered 0 and the parent's
 * PR_GET_MDWE then answers 0. */
static volatile long vfork_set = -1;

static int mdwe_vfork(void)
{
    vfork_set = -1;
    long pid = vfork();
    if (pid == 0) {
        vfork_set = pr(65, 1);
        syscall(SYS_exit, 0);
    }
    if (status_of(pid) != 0 || vfork_set != 0)
        return 0;
    return pr(66, 0) == 0 ? 7 : 0;
}

static volatile long thread_seen = -1000, thread_done;
static uint8_t thread_stack[16384] __attribute__((aligned(16)));

static int thread_body(void *arg)
{
    (void)arg;
    thread_seen = pr3(PR_GET_SPECULATION_CTRL_, 0, 0);
    __atomic_store_n(&thread_done, 1, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* Step 18: PR_GET_SPECULATION_CTRL in a new thread (CLONE_THREAD), -1000 where none ran. */
static long spec_in_thread(void)
{
    thread_done = 0;
    thread_seen = -1000;
    long tid = clone(thread_body, thread_stack + sizeof thread_stack,
                     CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                     CLONE_SYSVSEM, 0);
    if (tid <= 0)
        return -1000;
    while (!__atomic_load_n(&thread_done, __ATOMIC_SEQ_CST))
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    return thread_seen;
}

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    long m;
    switch (how) {
    case 0:
        return pr(41, 1) == 0 ? in_grandchild(0) : 0;
    case 1:
        return pr(4, 0) == 0 ? in_grandchild(1) : 0;
    case 2:
        return pr(1, 10) == 0 ? exec_self(self, "-p") : 0;
    case 3:
        return pr(24, 5) == 0 ? exec_self(self, "-c") : 0;
    case 4:
        return pr3(PR_SET_SPECULATION_CTRL_, 0, 4) == 0 ? exec_self(self, "-s") : 0;
    case 5:
        return pr(36, 1) == 0 ? exec_self(self, "-r") : 0;
    case 6:
        if (pr(1, 10) != 0 || sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0) != 0 ||
            sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) != 65534)
            return 0;
        return pr_word(2) == 10 ? 7 : 0;
    case 7:
        return pr(8, 1) == 0 ? in_grandchild(7) : 0;
    case 8:
        return pr3(PR_SET_SPECULATION_CTRL_, 0, 4) == 0 ? in_grandchild(8) : 0;
    case 9:
        return pr3(47, 2, 5) == 0 ? in_grandchild(9) : 0;
    case 10:
        return mdwe_vfork();
    case 11:
        if (pr(1, 10) != 0 || sys6(SYS_setresuid, -1, -1, -1, 0, 0, 0) != 0)
            return 0;
        return pr_word(2) == 12 ? 7 : 0;
    case 12:
        m = sys6(SYS_mmap, 0, PAGE, PROT_READ, ANON, -1, 0);
        if (!mapped_ok(m) || sys6(SYS_personality, RIE, 0, 0, 0, 0, 0) < 0 || pr(65, 1) != 0)
            return 0;
        return sys6(SYS_mprotect, m, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0 ? 7 : 0;
    case 13:
        m = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0);
        if (m < 0 || sys6(SYS_ftruncate, m, PAGE, 0, 0, 0, 0) != 0 ||
            sys6(SYS_personality, RIE, 0, 0, 0, 0, 0) < 0 || pr(65, 1) != 0)
            return 0;
        return mapped_ok(sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0))
            ? 7 : 0;
    case 15:
        return pr3(38, 1, 0) == 0 ? exec_self(self, "-n") : 0;
    case 16:
        if (pr(4, 0) != 0 || sys6(SYS_setresgid, -1, -1, -1, 0, 0, 0) != 0)
            return 0;
        return pr(3, 0) == 1 ? 7 : 0;
    case 17:
        if (pr3(47, 2, 5) != 0 || sys6(SYS_setresuid, -1, -1, -1, 0, 0, 0) != 0)
            return 0;
        return pr3(47, 1, 5) == 0 ? 7 : 0;
    case 18:
        return pr3(PR_SET_SPECULATION_CTRL_, 0, 4) == 0 && spec_in_thread() == 3 ? 7 : 0;
    case 14:
        if (pr(1, 10) != 0 || sys6(SYS_setresuid, 65534, 65534, 65534, 0, 0, 0) != 0)
            return 0;
        return pr_word(2) == 10 ? 7 : 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int show_digest = 0, drop = 0;
    char flag = image_flag(argc, argv, &show_digest, "--drop", &drop);
    if (flag)
        return image_check(flag);
    volatile uint8_t stackbuf[64];

    long mapped = core_start(stackbuf);
    if (!mapped)
        return 1;
    core_step(P_THP_FORK, 0, argv[0]);
    core_step(P_DUMP_FORK, 1, argv[0]);
    core_step(P_PDEATH_EXEC, 2, argv[0]);
    core_step(P_CAPBSET_EXEC, 3, argv[0]);
    core_step(P_SPEC_EXEC, 4, argv[0]);
    core_step(P_SUBREAPER_EXEC, 5, argv[0]);
    core_step(P_PDEATH_FSUID, 6, argv[0]);
    core_step(P_KEEPCAPS_FORK, 7, argv[0]);
    core_step(P_SPEC_FORK, 8, argv[0]);
    core_step(P_AMBIENT_FORK, 9, argv[0]);
    core_step(P_MDWE_VFORK, 10, argv[0]);
    core_step(P_PDEATH_NOCHANGE, 11, argv[0]);
    core_step(P_RIE_MPROTECT, 12, argv[0]);
    core_step(P_RIE_MEMFD, 13, argv[0]);
    core_step(P_NNP_EXEC, 15, argv[0]);
    core_step(P_DUMP_NOCHANGE, 16, argv[0]);
    core_step(P_AMBIENT_NOCHANGE, 17, argv[0]);
    core_step(P_SPEC_THREAD, 18, argv[0]);
    if (drop)
        core_step(P_PRIV_DROP, 14, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
