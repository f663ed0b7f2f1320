/* The attack target of red-team round 80c: the securebits locks and capget() after
 * capset() around the calls that keep a thread's cred (unshare(CLONE_FS), setgid(), a
 * failed execve(), another thread's setuid(), setresuid(-1, -1, -1)), an exec, a new
 * thread, a fork child, a vfork child, a header naming the caller by its tid;
 * PR_SET_SECUREBITS without CAP_SETPCAP and of an unknown bit.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  In order (L: PR_SET_SECUREBITS(SECBIT_KEEP_CAPS |
 * SECBIT_KEEP_CAPS_LOCKED) answered 0; E: capget(), then capset() of the same sets with
 * an empty effective set answered 0):
 *
 *   0. L, unshare(CLONE_FS) answered 0, PR_SET_KEEPCAPS(0): -EPERM; 7 for 0.
 *   1. L, execve() with -l: the new image's PR_SET_KEEPCAPS(0): -EPERM; 7 for 0.
 *   2. L, execve() of a missing file (-ENOENT), PR_SET_KEEPCAPS(0): -EPERM; 7 for 0.
 *   3. L, a thread made after it: its PR_SET_KEEPCAPS(0): -EPERM; 7 for 0.
 *   4. PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED) answered 0, then
 *      PR_SET_SECUREBITS(SECBIT_NOROOT_LOCKED): -EPERM; 7 for 0.
 *   5. setuid(65534) answered 0, then PR_SET_SECUREBITS(SECBIT_KEEP_CAPS): -EPERM (no
 *      CAP_SETPCAP); 7 for 0.
 *   6. PR_SET_SECUREBITS(1 << 12): -EPERM (no such bit); 7 for 0.
 *   7. E, capget() with the header's pid the caller's tid: effective 0; 7 for another.
 *   8. E, setgid(0) answered 0, capget(): effective 0; 7 for another.
 *   9. E, unshare(CLONE_FS) answered 0, capget(): effective 0; 7 for another.
 *  10. E, a thread made after it: its capget(): effective 0; 7 for another.
 *  11. E, a fork child: its capget(): effective 0; 7 for another.
 *  12. E, a second thread's own setuid(65534), then capget(): effective 0; 7 for
 *      another.
 *  13. E, setresuid(-1, -1, -1) answered 0, capget(): effective 0; 7 for another.
 *  14. A second thread's L; the first thread's PR_SET_KEEPCAPS(0) (Linux: 0); exits 0.
 *  15. L, unshare(CLONE_NEWUSER), PR_SET_KEEPCAPS(0) (Linux: 0); exits 0.
 *  16. E, execve() with -c: the new image's capget() (Linux: the full set); exits 0.
 *  17. E, a clone(CLONE_NEWUSER) child's capget() (Linux: the full set); exits 0.
 *  18. A vfork child's L; the parent's PR_SET_KEEPCAPS(0) (Linux: 0); exits 0.
 *  19. E with the header's pid the caller's tid, then capget() of pid 0: effective 0;
 *      7 for another.
 *  20. E, execve() of a missing file (-ENOENT), capget(): effective 0; 7 for another.
 *  21. L, setns() of the /dev/null descriptor (-EINVAL), PR_SET_KEEPCAPS(0): -EPERM;
 *      7 where both answered 0.
 *  22. L, a clone3() child (no CLONE_NEWUSER): its PR_SET_KEEPCAPS(0): -EPERM; 7 for 0.
 *  23. A second thread's L, then its execve() with -l: the new image's
 *      PR_SET_KEEPCAPS(0): -EPERM; 7 for 0.
 *  24. A second thread made first waits; the first thread's L, then the second
 *      thread's execve() with -k: the new image's PR_SET_KEEPCAPS(0)
 *      (Linux: 0, the second thread's cred); exits 0.
 *  25. L, setuid(65534) answered 0, PR_SET_KEEPCAPS(0): -EPERM; 7 for 0.
 *  26. E, setfsuid(0) (no change), capget(): effective 0; 7 for another.
 *  27. L, PR_SET_SECUREBITS(L) again and PR_SET_SECUREBITS(L | SECBIT_NOROOT) (Linux: 0
 *      each, no locked bit changes); exits 0.
 *  28. L, a second thread that stays, unshare(CLONE_NEWUSER) (-EINVAL: not the only
 *      thread), PR_SET_KEEPCAPS(0): -EPERM; 7 where both answered 0.
 *  29. E, a vfork child's setuid(65534), the parent's capget(): effective 0; 7 for
 *      another.
 *  30. capget(), then capset() of an empty permitted set with the old permitted set as
 *      the effective one: -EPERM (not a subset); 7 for 0.
 *  31. E, capset() of the permitted set as the effective one with the header naming the
 *      parent process (-EPERM: not the caller), capget(): effective 0; 7 for another.
 *  32. prctl(PR_SET_KEEPCAPS, 1 << 32 | 1) (-EINVAL: arg2 > 1), PR_GET_KEEPCAPS: 0; 7
 *      for 1.
 *  33. L, a clone3(CLONE_NEWUSER) child's PR_SET_KEEPCAPS(0) (Linux: 0); exits 0.
 *  34. A second thread made first waits; the first thread's L; the second thread's
 *      fork child's PR_SET_KEEPCAPS(0) (Linux: 0); exits 0.
 *  35. A second thread made first waits; the first thread's E; the second thread's
 *      fork child's capget() (Linux: the full set); exits 0.
 *  36. A second thread's own L, then its fork child's PR_SET_KEEPCAPS(0): -EPERM; 7 for
 *      0.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r80c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r80"

#define P_START 0
#define P_PLACED 1
#define P_END 21
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

#define LOCKED 0x30
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
                      CLONE_SYSVSEM)

struct cap_hdr { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
static struct cap_hdr chdr;
static struct cap_data cdata[2];

/* capget() of the thread named `pid` (0: the caller): 1 where it answered 0 with an
 * effective bit set, 0 otherwise. */
static int eff_set(int pid)
{
    chdr.version = 0x20080522;
    chdr.pid = pid;
    cdata[0].effective = cdata[1].effective = 0;
    if (sys6(SYS_capget, (long)&chdr, (long)cdata, 0, 0, 0, 0) != 0)
        return 0;
    return cdata[0].effective != 0 || cdata[1].effective != 0;
}

/* E: capget(), then capset() of the same sets with an empty effective set: 1 where both
 * answered 0. */
static int empty_eff(void)
{
    chdr.version = 0x20080522;
    chdr.pid = 0;
    if (sys6(SYS_capget, (long)&chdr, (long)cdata, 0, 0, 0, 0) != 0)
        return 0;
    cdata[0].effective = cdata[1].effective = 0;
    return sys6(SYS_capset, (long)&chdr, (long)cdata, 0, 0, 0, 0) == 0;
}

/* A new image started with -l: 7 where PR_SET_KEEPCAPS(0) answers 0; with -c: its
 * capget(), 0 whatever it answers. */
static int image_check(char how)
{
    if (how == 'l')
        return pr(8, 0) == 0 ? 7 : 0;
    if (how == 'c')
        eff_set(0);
    if (how == 'k')
        pr(8, 0);
    return 0;
}

static volatile long th_state;
static char *self_path;
static volatile long th_go;
static uint8_t th_stack[16384] __attribute__((aligned(16)));

/* The second thread of steps 3, 10, 12 and 14. */
static int th_body(void *arg)
{
    long how = (long)arg, st = 2;
    if (how == 3)
        st = pr(8, 0) == 0 ? 7 : 2;
    else if (how == 10)
        st = eff_set(0) ? 7 : 2;
    else if (how == 12)
        st = sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) == 0 ? 2 : 3;
    else if (how == 14)
        st = pr(28, LOCKED) == 0 ? 2 : 3;
    else if (how == 23 && pr(28, LOCKED) == 0)
        st = 3 + 0 * exec_self(self_path, "-l");
    else if (how == 24) {
        while (!__atomic_load_n(&th_go, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        st = 3 + 0 * exec_self(self_path, "-k");
    }
    else if (how == 28) {
        __atomic_store_n(&th_state, 2, __ATOMIC_SEQ_CST);
        while (!__atomic_load_n(&th_go, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    } else if (how == 34 || how == 35 || how == 36) {
        while (how != 36 && !__atomic_load_n(&th_go, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        long pid = how == 36 && pr(28, LOCKED) != 0 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit_group, how == 35 ? eff_set(0) * 0 : pr(8, 0) == 0 ? 7 : 0, 0, 0, 0, 0, 0);
        st = pid > 0 && status_of(pid) == 7 && how == 36 ? 7 : 2;
    } else if (how >= 23)
        st = 3;
    __atomic_store_n(&th_state, st, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* Run th_body(how) in a second thread; what it left in th_state once done. */
static long in_thread(long how)
{
    th_state = 0;
    long tid = clone(th_body, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)how);
    if (tid <= 0)
        return 0;
    while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    return th_state;
}

/* Step 18's vfork child: L, then exit. */
static int vf_lock(void *arg)
{
    (void)arg;
    pr(28, LOCKED);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* Step 29's vfork child: its own setuid(65534), then exit. */
static int vf_setuid(void *arg)
{
    (void)arg;
    sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* Step 17's child in its own user namespace: its capget(), then exit. */
static int ns_child(void *arg)
{
    (void)arg;
    eff_set(0);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

static char *const no_argv[] = {"/nonexistent/r80", 0};
static uint64_t cl3[8];

/* E with the header naming the caller by its tid: 1 where both answered 0. */
static int empty_eff_tid(void)
{
    chdr.version = 0x20080522;
    chdr.pid = 0;
    if (sys6(SYS_capget, (long)&chdr, (long)cdata, 0, 0, 0, 0) != 0)
        return 0;
    cdata[0].effective = cdata[1].effective = 0;
    chdr.pid = (int)sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    return sys6(SYS_capset, (long)&chdr, (long)cdata, 0, 0, 0, 0) == 0;
}

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    long pid;
    switch (how) {
    case 0:
        if (pr(28, LOCKED) != 0 || sys6(SYS_unshare, CLONE_FS, 0, 0, 0, 0, 0) != 0)
            return 0;
        return pr(8, 0) == 0 ? 7 : 0;
    case 1:
        if (pr(28, LOCKED) != 0)
            return 0;
        return exec_self(self, "-l");
    case 2:
        if (pr(28, LOCKED) != 0)
            return 0;
        if (sys6(SYS_execve, (long)no_argv[0], (long)no_argv, 0, 0, 0, 0) >= 0)
            return 0;
        return pr(8, 0) == 0 ? 7 : 0;
    case 3:
        if (pr(28, LOCKED) != 0)
            return 0;
        return in_thread(3) == 7 ? 7 : 0;
    case 4:
        if (pr(28, 0x3) != 0)
            return 0;
        return pr(28, 0x2) == 0 ? 7 : 0;
    case 5:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return pr(28, 0x10) == 0 ? 7 : 0;
    case 6:
        return pr(28, 1 << 12) == 0 ? 7 : 0;
    case 7:
        if (!empty_eff())
            return 0;
        return eff_set((int)sys6(SYS_gettid, 0, 0, 0, 0, 0, 0)) ? 7 : 0;
    case 8:
        if (!empty_eff() || sys6(SYS_setgid, 0, 0, 0, 0, 0, 0) != 0)
            return 0;
        return eff_set(0) ? 7 : 0;
    case 9:
        if (!empty_eff() || sys6(SYS_unshare, CLONE_FS, 0, 0, 0, 0, 0) != 0)
            return 0;
        return eff_set(0) ? 7 : 0;
    case 10:
        if (!empty_eff())
            return 0;
        return in_thread(10) == 7 ? 7 : 0;
    case 11:
        if (!empty_eff())
            return 0;
        pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit_group, eff_set(0) ? 7 : 0, 0, 0, 0, 0, 0);
        return status_of(pid) == 7 ? 7 : 0;
    case 12:
        if (!empty_eff() || in_thread(12) != 2)
            return 0;
        return eff_set(0) ? 7 : 0;
    case 13:
        if (!empty_eff() || sys6(SYS_setresuid, -1, -1, -1, 0, 0, 0) != 0)
            return 0;
        return eff_set(0) ? 7 : 0;
    case 14:
        if (in_thread(14) == 2)
            pr(8, 0);
        return 0;
    case 15:
        if (pr(28, LOCKED) == 0 && sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0) == 0)
            pr(8, 0);
        return 0;
    case 16:
        if (!empty_eff())
            return 0;
        exec_self(self, "-c");
        return 0;
    case 17:
        if (!empty_eff())
            return 0;
        pid = clone(ns_child, th_stack + sizeof th_stack, CLONE_NEWUSER | SIGCHLD, 0);
        if (pid > 0)
            status_of(pid);
        return 0;
    case 18:
        pid = clone(vf_lock, th_stack + sizeof th_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, 0);
        if (pid > 0 && status_of(pid) == 0)
            pr(8, 0);
        return 0;
    case 19:
        if (!empty_eff_tid())
            return 0;
        return eff_set(0) ? 7 : 0;
    case 20:
        if (!empty_eff())
            return 0;
        if (sys6(SYS_execve, (long)no_argv[0], (long)no_argv, 0, 0, 0, 0) >= 0)
            return 0;
        return eff_set(0) ? 7 : 0;
    case 21:
        if (pr(28, LOCKED) != 0 || sys6(SYS_setns, devnull, 0, 0, 0, 0, 0) != 0)
            return 0;
        return pr(8, 0) == 0 ? 7 : 0;
    case 22:
        if (pr(28, LOCKED) != 0)
            return 0;
        memset(cl3, 0, sizeof cl3);
        cl3[4] = SIGCHLD;
        pid = sys6(SYS_clone3, (long)cl3, sizeof cl3, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit_group, pr(8, 0) == 0 ? 7 : 0, 0, 0, 0, 0, 0);
        return pid > 0 && status_of(pid) == 7 ? 7 : 0;
    case 23:
        self_path = self;
        in_thread(23);
        return 0;
    case 24:
        self_path = self;
        th_state = th_go = 0;
        if (clone(th_body, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)24L) <= 0)
            return 0;
        pr(28, LOCKED);
        __atomic_store_n(&th_go, 1, __ATOMIC_SEQ_CST);
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        return 0;
    case 25:
        if (pr(28, LOCKED) != 0 || sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return pr(8, 0) == 0 ? 7 : 0;
    case 27:
        if (pr(28, LOCKED) == 0 && pr(28, LOCKED) == 0)
            pr(28, LOCKED | 1);
        return 0;
    case 28:
        th_state = th_go = 0;
        if (pr(28, LOCKED) != 0 ||
            clone(th_body, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)28L) <= 0)
            return 0;
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        pid = sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0) == 0 && pr(8, 0) == 0 ? 7 : 0;
        sys6(SYS_exit_group, pid, 0, 0, 0, 0, 0);     /* (the thread with it) */
        return 0;
    case 29:
        if (!empty_eff())
            return 0;
        pid = clone(vf_setuid, th_stack + sizeof th_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, 0);
        if (pid <= 0 || status_of(pid) != 0)
            return 0;
        return eff_set(0) ? 7 : 0;
    case 30:
        chdr.version = 0x20080522;
        chdr.pid = 0;
        if (sys6(SYS_capget, (long)&chdr, (long)cdata, 0, 0, 0, 0) != 0)
            return 0;
        cdata[0].effective = cdata[0].permitted;
        cdata[1].effective = cdata[1].permitted;
        cdata[0].permitted = cdata[1].permitted = 0;
        if (!cdata[0].effective && !cdata[1].effective)
            return 0;
        return sys6(SYS_capset, (long)&chdr, (long)cdata, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 31:
        if (!empty_eff())
            return 0;
        cdata[0].effective = cdata[0].permitted;
        cdata[1].effective = cdata[1].permitted;
        chdr.pid = (int)sys6(SYS_getppid, 0, 0, 0, 0, 0, 0);
        if (sys6(SYS_capset, (long)&chdr, (long)cdata, 0, 0, 0, 0) != 0)
            return 0;
        return eff_set(0) ? 7 : 0;
    case 32:
        if (sys6(SYS_prctl, 8, (1L << 32) | 1, 0, 0, 0, 0) != 0)
            return 0;
        return pr(7, 0) == 1 ? 7 : 0;
    case 33:
        if (pr(28, LOCKED) != 0)
            return 0;
        memset(cl3, 0, sizeof cl3);
        cl3[0] = CLONE_NEWUSER;
        cl3[4] = SIGCHLD;
        pid = sys6(SYS_clone3, (long)cl3, sizeof cl3, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit_group, pr(8, 0) == 0 ? 0 : 1, 0, 0, 0, 0, 0);
        if (pid > 0)
            status_of(pid);
        return 0;
    case 34:
    case 35:
        th_state = th_go = 0;
        if (clone(th_body, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)(long)how) <= 0)
            return 0;
        if (how == 34)
            pr(28, LOCKED);
        else
            empty_eff();
        __atomic_store_n(&th_go, 1, __ATOMIC_SEQ_CST);
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        return 0;
    case 36:
        return in_thread(36) == 7 ? 7 : 0;
    case 26:
        if (!empty_eff())
            return 0;
        sys6(SYS_setfsuid, 0, 0, 0, 0, 0, 0);
        return eff_set(0) ? 7 : 0;
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
    for (int i = 0; i <= 36; i++)
        core_step(12200 + 2 * i, i, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
