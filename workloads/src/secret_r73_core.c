/* The attack target of red-team round 73c: what MDWE, SECURE_KEEP_CAPS, the child
 * subreaper bit, MMF_DISABLE_THP and the parent-death signal are after a fork, an execve()
 * and a credential change, and the calls MDWE refuses beyond a writable, executable
 * mapping (an exec gain, READ_IMPLIES_EXEC's implied PROT_EXEC, a second PR_SET_MDWE with
 * other bits).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child (MDWE can never
 * be cleared) that exits 7 where it saw what Linux never answers; the parent labels -4
 * (the secret's first 8 bytes) for 7, 0 otherwise.  In the order they run:
 *
 *   0. prctl(PR_SET_MDWE, 1), then prctl(PR_SET_MDWE, 0): -EPERM (prctl_set_mdwe(): the
 *      bits are never cleared); 7 for 0.
 *   1. prctl(PR_SET_MDWE, 1), then prctl(PR_SET_MDWE, 3): -EPERM (current != bits); 7
 *      for 0.
 *   2. An anonymous PROT_READ | PROT_WRITE page, prctl(PR_SET_MDWE, 1), then
 *      mprotect(PROT_READ | PROT_EXEC) of it: -EACCES (map_deny_write_exec(): the page
 *      was not executable); 7 for 0.
 *   3. personality(READ_IMPLIES_EXEC), prctl(PR_SET_MDWE, 1), then an anonymous
 *      mmap(PROT_READ | PROT_WRITE): -EACCES (do_mmap() adds PROT_EXEC); 7 for a mapping.
 *   4. mmap(PROT_READ | PROT_WRITE | PROT_EXEC), munmap() of it, prctl(PR_SET_MDWE, 1),
 *      then mmap(NULL, PROT_READ | PROT_WRITE | PROT_EXEC): -EACCES (no writable,
 *      executable area is left to merge with); 7 for a mapping.
 *   5. prctl(PR_SET_MDWE, 1), fork(): the grandchild's PR_GET_MDWE answers 1
 *      (mmf_init_flags() keeps it); 7 for 0.
 *   6. prctl(PR_SET_MDWE, 3), fork(): the grandchild's PR_GET_MDWE answers 0 (NO_INHERIT
 *      clears both bits), its mmap(PROT_READ | PROT_WRITE | PROT_EXEC) succeeds; 7 for 3.
 *   7. prctl(PR_SET_MDWE, 1), execve() of the program with -m: the new image's
 *      PR_GET_MDWE answers 1 (mm_alloc() -> mm_init() -> mmf_init_flags()); 7 for 0.
 *   8. prctl(PR_SET_MDWE, 3), execve() with -w: the new image's PR_GET_MDWE answers 0,
 *      its writable, executable mmap succeeds; 7 for 3.
 *   9. prctl(PR_SET_MDWE, 0) (0 on 6.3 and later, where it runs the step at all),
 *      prctl(PR_SET_KEEPCAPS, 1), execve() with -k: the new image's PR_GET_KEEPCAPS
 *      answers 0 (cap_bprm_creds_from_file() clears SECURE_KEEP_CAPS); 7 for 1.
 *  10. prctl(PR_SET_CHILD_SUBREAPER, 1), fork(): the grandchild's
 *      PR_GET_CHILD_SUBREAPER stores 0 (copy_signal(): a zeroed signal_struct); 7 for 1.
 *  11. prctl(PR_SET_MDWE, 0), prctl(PR_SET_THP_DISABLE, 1), execve() with -t: the new image's
 *      PR_GET_THP_DISABLE answers 1 (MMF_DISABLE_THP is in MMF_INIT_MASK); 7 for 0.
 *  12. prctl(PR_SET_PDEATHSIG, SIGUSR1), setresgid(-1, 65534, -1): where it answered 0
 *      and getresgid() reports the egid 65534, PR_GET_PDEATHSIG stores 0 (commit_creds(): the egid changed); 7 for 10.
 *  13. prctl(PR_SET_MDWE, 3), then PR_GET_MDWE: 3; 7 for 1.
 *  14. personality(READ_IMPLIES_EXEC), an anonymous mmap(PROT_READ | PROT_WRITE) (made
 *      writable and executable: do_mmap() adds PROT_EXEC), prctl(PR_SET_MDWE, 1), then
 *      mmap(NULL, PROT_READ | PROT_WRITE | PROT_EXEC): placed just below the first, it
 *      merges into it on 6.3..6.11 (mmap_region() checks a new vma only) and succeeds, or
 *      -EACCES; 0 either way.
 *  15. prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE), then
 *      PR_GET_SPECULATION_CTRL: where the set answered 0, PR_SPEC_NOT_AFFECTED,
 *      PR_SPEC_ENABLE or PR_SPEC_PRCTL | PR_SPEC_DISABLE (ssbd_prctl_get()); 7 for
 *      PR_SPEC_PRCTL | PR_SPEC_ENABLE.
 *  16. prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, PR_SPEC_FORCE_DISABLE), then
 *      the set of PR_SPEC_ENABLE: -EPERM (task_spec_ssb_force_disable()); 7 for 0.
 *  17. prctl(PR_SET_KEEPCAPS, 1), then a new thread's (CLONE_THREAD) PR_GET_KEEPCAPS: 1
 *      (copy_creds() shares the creator's cred); 7 for 0.
 *  18. prctl(PR_SET_CHILD_SUBREAPER, 1), then a new thread's PR_GET_CHILD_SUBREAPER: the
 *      word 1 (one signal_struct); 7 for 0.
 *  19. prctl(PR_SET_MDWE, 1), then a new thread's PR_GET_MDWE: 1 (one mm); 7 for 0.
 *  20. prctl(PR_SET_PDEATHSIG, SIGUSR1), then PR_GET_PDEATHSIG: the word 10 (or 0 after a
 *      credential change); 7 for 12.
 *  21. prctl(PR_CAPBSET_DROP, 5), then PR_CAPBSET_READ(5): 0 where the drop answered 0
 *      (cap_prctl_drop() lowers the bit); 7 for 1.
 *  22. prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 5), then PR_CAP_AMBIENT_IS_SET(5): 1
 *      where the raise answered 0; 7 for 0.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r73c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r73"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_MDWE_DROP 9600
#define P_MDWE_WIDEN 9602
#define P_MDWE_EXEC_GAIN 9604
#define P_MDWE_RIE 9606
#define P_MDWE_WX_GONE 9608
#define P_MDWE_FORK 9610
#define P_MDWE_NOINH_FORK 9612
#define P_MDWE_EXEC 9614
#define P_MDWE_NOINH_EXEC 9616
#define P_KEEPCAPS_EXEC 9618
#define P_SUBREAPER_FORK 9620
#define P_THP_EXEC 9622
#define P_PDEATH_SETUID 9624
#define P_MDWE_GET_NOINH 9626
#define P_MDWE_RIE_MERGE 9628
#define P_SPEC_DISABLE_GET 9630
#define P_SPEC_FORCE_ENABLE 9632
#define P_KEEPCAPS_THREAD 9634
#define P_SUBREAPER_THREAD 9636
#define P_MDWE_THREAD 9638
#define P_PDEATH_OTHER 9640
#define P_CAPBSET_DROP_READ 9642
#define P_AMBIENT_RAISE_IS_SET 9644
#define PR_GET_SPECULATION_CTRL_ 52
#define PR_SET_SPECULATION_CTRL_ 53
#define RWX (PROT_READ | PROT_WRITE | PROT_EXEC)
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

/* A new image started with -m, -w, -k or -t: 7 where it sees what Linux never answers. */
static int image_check(char how)
{
    long r;
    switch (how) {
    case 'm':
        return pr(66, 0) == 0 ? 7 : 0;
    case 'w':
        r = pr(66, 0);
        sys6(SYS_mmap, 0, PAGE, RWX, ANON, -1, 0);
        return r == 3 ? 7 : 0;
    case 'k':
        return pr(7, 0) == 1 ? 7 : 0;
    case 't':
        return pr(42, 0) == 0 ? 7 : 0;
    }
    return 0;
}

/* The grandchild's exit status for `flag` (fork()), 0 where the fork failed. */
static int in_grandchild(int how)
{
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        long r;
        if (how == 5) {
            r = pr(66, 0) == 0;
        } else if (how == 6) {
            r = pr(66, 0) == 3;
            sys6(SYS_mmap, 0, PAGE, RWX, ANON, -1, 0);
        } else {
            pword[0] = -1;
            r = pr(37, (long)pword) == 0 && pword[0] == 1;
        }
        sys6(SYS_exit, r ? 7 : 0, 0, 0, 0, 0, 0);
    }
    return status_of(pid) == 7 ? 7 : 0;
}

static volatile long thread_seen = -1000, thread_done;
static long thread_opt;
static uint8_t thread_stack[16384] __attribute__((aligned(16)));

static int thread_body(void *arg)
{
    (void)arg;
    pword[0] = -1;
    long r = sys6(SYS_prctl, thread_opt, thread_opt == 37 ? (long)pword : 0, 0, 0, 0, 0);
    thread_seen = thread_opt == 37 ? (r == 0 ? pword[0] : -1) : r;
    __atomic_store_n(&thread_done, 1, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* prctl(`opt`) in a new thread (CLONE_THREAD): its answer (the word for
 * PR_GET_CHILD_SUBREAPER), or -1000 where no thread ran. */
static long in_thread(long opt)
{
    thread_opt = opt;
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
        return pr(65, 1) == 0 && pr(65, 0) == 0 ? 7 : 0;
    case 1:
        return pr(65, 1) == 0 && pr(65, 3) == 0 ? 7 : 0;
    case 2:
        m = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);
        if (!mapped_ok(m) || pr(65, 1) != 0)
            return 0;
        return sys6(SYS_mprotect, m, PAGE, PROT_READ | PROT_EXEC, 0, 0, 0) == 0 ? 7 : 0;
    case 3:
        if (sys6(SYS_personality, 0x0400000, 0, 0, 0, 0, 0) < 0 || pr(65, 1) != 0)
            return 0;
        return mapped_ok(sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0)) ? 7 : 0;
    case 4:
        m = sys6(SYS_mmap, 0, PAGE, RWX, ANON, -1, 0);
        if (!mapped_ok(m))
            return 0;
        sys6(SYS_munmap, m, PAGE, 0, 0, 0, 0);
        if (pr(65, 1) != 0)
            return 0;
        return mapped_ok(sys6(SYS_mmap, 0, PAGE, RWX, ANON, -1, 0)) ? 7 : 0;
    case 5:
        return pr(65, 1) == 0 ? in_grandchild(5) : 0;
    case 6:
        return pr(65, 3) == 0 ? in_grandchild(6) : 0;
    case 7:
        return pr(65, 1) == 0 ? exec_self(self, "-m") : 0;
    case 8:
        return pr(65, 3) == 0 ? exec_self(self, "-w") : 0;
    case 9:
        return pr(65, 0) == 0 && pr(8, 1) == 0 ? exec_self(self, "-k") : 0;
    case 10:
        return pr(36, 1) == 0 ? in_grandchild(10) : 0;
    case 11:
        return pr(65, 0) == 0 && pr(41, 1) == 0 ? exec_self(self, "-t") : 0;
    case 12:
        if (pr(1, 10) != 0 || sys6(SYS_setresgid, -1, 65534, -1, 0, 0, 0) != 0)
            return 0;
        pword[1] = pword[2] = pword[3] = -1;
        if (sys6(SYS_getresgid, (long)&pword[1], (long)&pword[2], (long)&pword[3], 0, 0, 0) != 0
            || pword[2] != 65534)
            return 0;
        pword[0] = -1;
        return pr(2, (long)pword) == 0 && pword[0] == 10 ? 7 : 0;
    case 13:
        return pr(65, 3) == 0 && pr(66, 0) == 1 ? 7 : 0;
    case 14:
        if (sys6(SYS_personality, 0x0400000, 0, 0, 0, 0, 0) < 0)
            return 0;
        m = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);
        if (mapped_ok(m) && pr(65, 1) == 0)
            sys6(SYS_mmap, 0, PAGE, RWX, ANON, -1, 0);
        return 0;
    case 15:
        return sys6(SYS_prctl, PR_SET_SPECULATION_CTRL_, 0, 4, 0, 0, 0) == 0 &&
               sys6(SYS_prctl, PR_GET_SPECULATION_CTRL_, 0, 0, 0, 0, 0) == 3 ? 7 : 0;
    case 16:
        return sys6(SYS_prctl, PR_SET_SPECULATION_CTRL_, 0, 8, 0, 0, 0) == 0 &&
               sys6(SYS_prctl, PR_SET_SPECULATION_CTRL_, 0, 2, 0, 0, 0) == 0 ? 7 : 0;
    case 17:
        return pr(8, 1) == 0 && in_thread(7) == 0 ? 7 : 0;
    case 18:
        return pr(36, 1) == 0 && in_thread(37) == 0 ? 7 : 0;
    case 19:
        return pr(65, 1) == 0 && in_thread(66) == 0 ? 7 : 0;
    case 20:
        pword[0] = -1;
        return pr(1, 10) == 0 && pr(2, (long)pword) == 0 && pword[0] == 12 ? 7 : 0;
    case 21:
        return pr(24, 5) == 0 && pr(23, 5) == 1 ? 7 : 0;
    case 22:
        return sys6(SYS_prctl, 47, 2, 5, 0, 0, 0) == 0 &&
               sys6(SYS_prctl, 47, 1, 5, 0, 0, 0) == 0 ? 7 : 0;
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
    core_step(P_MDWE_DROP, 0, argv[0]);
    core_step(P_MDWE_WIDEN, 1, argv[0]);
    core_step(P_MDWE_EXEC_GAIN, 2, argv[0]);
    core_step(P_MDWE_RIE, 3, argv[0]);
    core_step(P_MDWE_WX_GONE, 4, argv[0]);
    core_step(P_MDWE_FORK, 5, argv[0]);
    core_step(P_MDWE_NOINH_FORK, 6, argv[0]);
    core_step(P_MDWE_EXEC, 7, argv[0]);
    core_step(P_MDWE_NOINH_EXEC, 8, argv[0]);
    core_step(P_KEEPCAPS_EXEC, 9, argv[0]);
    core_step(P_SUBREAPER_FORK, 10, argv[0]);
    core_step(P_THP_EXEC, 11, argv[0]);
    core_step(P_PDEATH_SETUID, 12, argv[0]);
    core_step(P_MDWE_GET_NOINH, 13, argv[0]);
    core_step(P_MDWE_RIE_MERGE, 14, argv[0]);
    core_step(P_SPEC_DISABLE_GET, 15, argv[0]);
    core_step(P_SPEC_FORCE_ENABLE, 16, argv[0]);
    core_step(P_KEEPCAPS_THREAD, 17, argv[0]);
    core_step(P_SUBREAPER_THREAD, 18, argv[0]);
    core_step(P_MDWE_THREAD, 19, argv[0]);
    core_step(P_PDEATH_OTHER, 20, argv[0]);
    core_step(P_CAPBSET_DROP_READ, 21, argv[0]);
    core_step(P_AMBIENT_RAISE_IS_SET, 22, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
