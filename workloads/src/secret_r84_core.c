/* The attack target of red-team round 84c: the capability rules of round 83c's fixes at
 * their edges: capset() of an inheritable bit by a thread and by a fork child made after
 * PR_CAPBSET_DROP, an exec made secure (AT_SECURE) after PR_SET_NO_NEW_PRIVS, its auxv
 * claiming a new effective uid, setgroups() after a SECBIT_KEEP_CAPS setuid(), setfsuid()
 * without CAP_SETUID, a fork child's unshare(CLONE_NEWIPC) after an empty effective set,
 * a vfork child's exec after PR_CAP_AMBIENT_CLEAR_ALL, setuid(0) after a failed exec and in
 * an image execveat() started, a secure exec after PR_CAPBSET_DROP; and Linux's own
 * answers to the same calls where another thread, a vfork child or a file capability
 * decides them.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  In order (E: capget(), then capset() of the same sets with
 * an empty effective set answered 0; D: prctl(PR_CAPBSET_DROP, CAP_SETUID)):
 *
 *   0. capget(), D, then a CLONE_THREAD thread's capget() and capset() adding CAP_SETUID
 *      to the inheritable set: -EPERM (the thread shares the cred); 7 for 0.
 *   1. A thread made, then D, then the thread's capget() and capset() adding CAP_SETUID
 *      to the inheritable set (Linux: 0: the thread's own bounding set); exits 0.
 *   2. D, then a fork child's capget() and capset() adding CAP_SETUID to the inheritable
 *      set: -EPERM (copy_creds()); 7 for 0.
 *   3. setuid(65534), prctl(PR_SET_NO_NEW_PRIVS, 1), execve() with -R: the new image's
 *      setuid(0): -EPERM (no_new_privs: the permitted set stays within the old one); 7
 *      for 0.
 *   4. setuid(65534), execve() with -F: the new image's setuid(0) (Linux: 0 where the
 *      file holds cap_setuid+ep, AT_SECURE 1); exits 0.
 *   5. setuid(65534), prctl(PR_SET_NO_NEW_PRIVS, 1), execve() with -E: the new image's
 *      geteuid(): 65534 (no_new_privs keeps euid = uid); 7 for 0.
 *   6. prctl(PR_SET_KEEPCAPS, 1), setuid(65534), setgroups(0, NULL): -EPERM (the
 *      effective set emptied, the permitted set kept); 7 for 0.
 *   7. prctl(PR_SET_KEEPCAPS, 1), setuid(65534), capget(), capset() of the effective set
 *      the permitted one, setgroups(0, NULL) (Linux: 0 each); exits 0.
 *   8. E, setfsuid(65534), setfsuid(-1): 0 (no CAP_SETUID: the fs uid stayed); 7 where it
 *      is not 0.
 *   9. setfsuid(65534), setfsuid(0), capget() (Linux: CAP_CHOWN back in the effective
 *      set); exits 0.
 *  10. E, then a fork child's unshare(CLONE_NEWIPC): -EPERM; 7 for 0.
 *  11. PR_CAP_AMBIENT_CLEAR_ALL, then a vfork child's execve() with -A: the new image's
 *      PR_CAP_AMBIENT_IS_SET(CAP_SETUID): 0; 7 for 1.
 *  12. setuid(65534), execve() of a path that does not exist (-ENOENT), setuid(0):
 *      -EPERM (a failed exec changes no cred); 7 for 0.
 *  13. setuid(65534), execveat(AT_FDCWD, the program, ..., 0) with -R: the new image's
 *      setuid(0), or where execveat() returned, the program's own: -EPERM; 7 for 0.
 *  14. A vfork child's D, then the parent's capget() and capset() adding CAP_SETUID to
 *      the inheritable set (Linux: 0: the child's bounding set is its own); exits 0.
 *  15. capget(), D, setuid(65534), execve() with -R: the new image's setuid(0): -EPERM
 *      (even a file capability gives (fP & bset) | (fI & pI)); 7 for 0.
 *  16. A thread made, then the first thread's E, then the thread's setgroups(0, NULL)
 *      (Linux: 0: its cred is its own); exits 0.
 *  17. A second thread execve()s with -U while the first spins: the new image's
 *      unshare(CLONE_NEWUSER) (Linux: 0: de_thread() made it the only thread); exits 0.
 *  18. prctl(PR_SET_KEEPCAPS, 1), execve() with -K: the new image's setuid(65534), then
 *      capset() of root's full sets: -EPERM (the exec cleared SECURE_KEEP_CAPS, the
 *      setuid() the permitted set); 7 for 0.
 *  19. A thread made, then the first thread's D and capget(), then the thread's capget()
 *      and capset() adding CAP_SETUID to its inheritable set (Linux: 0), then the first
 *      thread's capset() adding it to its own: -EPERM (the thread's capset() changed its
 *      own cred alone); 7 for 0.
 *  20. setfsuid(65534), execve() with -Z: the new image's setfsuid(-1): 0 (the exec set
 *      the fs uid to the euid); 7 where it is not 0.
 *  21. PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP), execve() with -X: the new image's
 *      setuid(65534), setgid(65534) (Linux: 0 each: the securebits survive the exec, the
 *      sets stay); exits 0.
 *  22. E, unshare(CLONE_NEWUSER | CLONE_NEWUTS) (Linux: 0: the new namespace's owner
 *      holds every capability in it); exits 0.
 *  23. D, capget(), setuid(65534), execve() with -R: the new image's setuid(0): -EPERM
 *      (as step 15, the inheritable set read after D); 7 for 0.
 *  24. prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS), execve() with -K: as step 18 (the exec
 *      clears the securebit itself); 7 for 0.
 *  25. PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP), setfsuid(65534), capget() (Linux:
 *      CAP_CHOWN stays in the effective set); exits 0.
 *  26. A thread made, its setfsuid(65534), then the first thread's capget() (Linux:
 *      CAP_CHOWN in its effective set: the fs uid is the thread's own); exits 0.
 *  27. setuid(65534), PR_CAP_AMBIENT_RAISE(CAP_SETUID), execve() with -R: the raise
 *      -EPERM (no permitted bit), the new image's setuid(0): -EPERM; 7 for 0.
 *  28. PR_SET_KEEPCAPS(1), setuid(65534), capget(), capset() of the inheritable and
 *      effective sets the permitted one, PR_CAP_AMBIENT_RAISE(CAP_SETUID), execve() with
 *      -F: the new image's setuid(0) (Linux: 0: pP' = pA' holds CAP_SETUID); exits 0.
 *  29. capget(), then D, then capset() of the sets capget() stored with CAP_SETUID added
 *      to the inheritable set: -EPERM (cap_capset()); 7 for 0.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r84c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r84"

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

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
                      CLONE_SYSVSEM)
#define VFORK_FLAGS (CLONE_VM | CLONE_VFORK | SIGCHLD)
#define V3 0x20080522

struct cap_hdr { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
static struct cap_hdr chdr;
static struct cap_data cdata[2];
static char *self_path;

static long capcall(long nr, int pid, void *data)
{
    chdr.version = V3;
    chdr.pid = pid;
    return sys6(nr, (long)&chdr, (long)data, 0, 0, 0, 0);
}

/* E: capget(), then capset() of the same sets with an empty effective set: 1 where both
 * answered 0. */
static int empty_eff(void)
{
    if (capcall(SYS_capget, 0, cdata) != 0)
        return 0;
    cdata[0].effective = cdata[1].effective = 0;
    return capcall(SYS_capset, 0, cdata) == 0;
}

/* capget(), then capset() of the same sets with CAP_SETUID added to the inheritable set:
 * 1 where both answered 0. */
static int inh_setuid(void)
{
    if (capcall(SYS_capget, 0, cdata) != 0)
        return 0;
    cdata[0].inheritable |= 1u << 7;
    return capcall(SYS_capset, 0, cdata) == 0;
}

static long setuid_to(long uid)
{
    return sys6(SYS_setuid, uid, 0, 0, 0, 0, 0);
}

/* A new image started with -R, -A, -E: 7 where what it checks answers what Linux never
 * does; with -F, -U: 0 whatever it answers. */
static int image_check(char how)
{
    if (how == 'R')
        return setuid_to(0) == 0 ? 7 : 0;
    if (how == 'F')
        setuid_to(0);
    if (how == 'E')
        return sys6(SYS_geteuid, 0, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    if (how == 'A')
        return pr3(47, 1, 7) == 1 ? 7 : 0;
    if (how == 'U')
        sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0);
    if (how == 'K') {
        if (setuid_to(65534) != 0)
            return 0;
        cdata[0].effective = cdata[0].permitted = 0xffffffffu;
        cdata[1].effective = cdata[1].permitted = 0x1ffu;
        cdata[0].inheritable = cdata[1].inheritable = 0;
        return capcall(SYS_capset, 0, cdata) == 0 ? 7 : 0;
    }
    if (how == 'Z')
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    if (how == 'X' && setuid_to(65534) == 0)
        sys6(SYS_setgid, 65534, 0, 0, 0, 0, 0);
    return 0;
}

static volatile long th_state, th_go;
static uint8_t th_stack[16384] __attribute__((aligned(16)));
static uint8_t vf_stack[16384] __attribute__((aligned(16)));

/* The second thread of step `arg`: 2 in th_state where its calls answered 0, else 3. */
static int th_body(void *arg)
{
    long how = (long)arg, st = 3;
    if (how == 1 || how == 16 || how == 17 || how == 19 || how == 26) {
        __atomic_store_n(&th_state, 1, __ATOMIC_SEQ_CST);
        while (!__atomic_load_n(&th_go, __ATOMIC_SEQ_CST))
            ;
    }
    if (how == 0 || how == 1 || how == 19)
        st = inh_setuid() ? 2 : 3;
    if (how == 26)
        st = sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0) == 0 ? 2 : 3;
    if (how == 16)
        st = sys6(SYS_setgroups, 0, 0, 0, 0, 0, 0) == 0 ? 2 : 3;
    if (how == 17) {
        exec_self(self_path, "-U");
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);     /* the exec failed */
    }
    __atomic_store_n(&th_state, st, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* A thread running th_body(how): 1 where it was made. */
static int make_thread(long how)
{
    th_state = th_go = 0;
    return clone(th_body, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)how) > 0;
}

/* The thread's final th_state (2 or 3). */
static long thread_done(void)
{
    long st;
    while ((st = __atomic_load_n(&th_state, __ATOMIC_SEQ_CST)) < 2)
        ;
    return st;
}

/* The vfork child of step `arg`: exits 7 where its call answered 0. */
static int vf_body(void *arg)
{
    long how = (long)arg;
    if (how == 11)
        exec_self(self_path, "-A");
    if (how == 14)
        pr(24, 7);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

static int in_vfork(long how)
{
    long pid = clone(vf_body, vf_stack + sizeof vf_stack, VFORK_FLAGS, (void *)how);
    return status_of(pid);
}

/* A fork child's status: it exits 7 where its call of step `how` answered 0. */
static int in_fork(int how)
{
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        int ok = 0;
        if (how == 2)
            ok = inh_setuid();
        if (how == 10)
            ok = sys6(SYS_unshare, CLONE_NEWIPC, 0, 0, 0, 0, 0) == 0;
        sys6(SYS_exit, ok ? 7 : 0, 0, 0, 0, 0, 0);
    }
    return status_of(pid);
}

static char *at_args[3], *at_envp[1];

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    self_path = self;
    switch (how) {
    case 0:
        if (capcall(SYS_capget, 0, cdata) != 0 || pr(24, 7) != 0 || !make_thread(0))
            return 0;
        return thread_done() == 2 ? 7 : 0;
    case 1:
        if (!make_thread(1))
            return 0;
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            ;
        pr(24, 7);
        __atomic_store_n(&th_go, 1, __ATOMIC_SEQ_CST);
        thread_done();
        return 0;
    case 2:
        if (pr(24, 7) != 0)
            return 0;
        return in_fork(2) == 7 ? 7 : 0;
    case 3:
    case 5:
        if (setuid_to(65534) != 0 || pr(38, 1) != 0)
            return 0;
        return exec_self(self, how == 3 ? "-R" : "-E") * 0;
    case 4:
        if (setuid_to(65534) != 0)
            return 0;
        return exec_self(self, "-F") * 0;
    case 6:
    case 7:
        if (pr(8, 1) != 0 || setuid_to(65534) != 0)
            return 0;
        if (how == 6)
            return sys6(SYS_setgroups, 0, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
        if (capcall(SYS_capget, 0, cdata) != 0)
            return 0;
        cdata[0].effective = cdata[0].permitted;
        cdata[1].effective = cdata[1].permitted;
        if (capcall(SYS_capset, 0, cdata) == 0)
            sys6(SYS_setgroups, 0, 0, 0, 0, 0, 0);
        return 0;
    case 8:
        if (!empty_eff())
            return 0;
        sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0);
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    case 9:
        sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0);
        sys6(SYS_setfsuid, 0, 0, 0, 0, 0, 0);
        capcall(SYS_capget, 0, cdata);
        return 0;
    case 10:
        if (!empty_eff())
            return 0;
        return in_fork(10) == 7 ? 7 : 0;
    case 11:
        if (pr3(47, 4, 0) != 0)
            return 0;
        return in_vfork(11) == 7 ? 7 : 0;
    case 12:
        if (setuid_to(65534) != 0)
            return 0;
        exec_args[0] = "/nonexistent/r84";
        exec_args[1] = 0;
        exec_envp[0] = 0;
        sys6(SYS_execve, (long)exec_args[0], (long)exec_args, (long)exec_envp, 0, 0, 0);
        return setuid_to(0) == 0 ? 7 : 0;
    case 13:
        if (setuid_to(65534) != 0)
            return 0;
        at_args[0] = self;
        at_args[1] = "-R";
        at_args[2] = 0;
        at_envp[0] = 0;
        sys6(SYS_execveat, AT_FDCWD, (long)self, (long)at_args, (long)at_envp, 0, 0);
        return setuid_to(0) == 0 ? 7 : 0;               /* the exec returned */
    case 14:
        in_vfork(14);
        inh_setuid();
        return 0;
    case 15:
        if (capcall(SYS_capget, 0, cdata) != 0 || pr(24, 7) != 0 || setuid_to(65534) != 0)
            return 0;
        return exec_self(self, "-R") * 0;
    case 16:
        if (!make_thread(16))
            return 0;
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            ;
        empty_eff();
        __atomic_store_n(&th_go, 1, __ATOMIC_SEQ_CST);
        thread_done();
        return 0;
    case 17:
        if (!make_thread(17))
            return 0;
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            ;
        __atomic_store_n(&th_go, 1, __ATOMIC_SEQ_CST);
        for (;;)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    case 18:
        if (pr(8, 1) != 0)
            return 0;
        return exec_self(self, "-K") * 0;
    case 19: {
        static struct cap_data mine[2];
        if (!make_thread(19))
            return 0;
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            ;
        chdr.version = V3;
        chdr.pid = 0;
        if (pr(24, 7) != 0 || sys6(SYS_capget, (long)&chdr, (long)mine, 0, 0, 0, 0) != 0)
            chdr.version = 0;
        __atomic_store_n(&th_go, 1, __ATOMIC_SEQ_CST);
        thread_done();
        if (chdr.version == 0)
            return 0;
        mine[0].inheritable |= 1u << 7;
        chdr.version = V3;
        chdr.pid = 0;
        return sys6(SYS_capset, (long)&chdr, (long)mine, 0, 0, 0, 0) == 0 ? 7 : 0;
    }
    case 23:
        if (pr(24, 7) != 0 || capcall(SYS_capget, 0, cdata) != 0 || setuid_to(65534) != 0)
            return 0;
        return exec_self(self, "-R") * 0;
    case 24:
        if (pr(28, 0x10) != 0)
            return 0;
        return exec_self(self, "-K") * 0;
    case 25:
        if (pr(28, 4) != 0)
            return 0;
        sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0);
        capcall(SYS_capget, 0, cdata);
        return 0;
    case 26:
        if (!make_thread(26))
            return 0;
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            ;
        __atomic_store_n(&th_go, 1, __ATOMIC_SEQ_CST);
        thread_done();
        capcall(SYS_capget, 0, cdata);
        return 0;
    case 27:
        if (setuid_to(65534) != 0)
            return 0;
        pr3(47, 2, 7);
        return exec_self(self, "-R") * 0;
    case 28:
        if (pr(8, 1) != 0 || setuid_to(65534) != 0 || capcall(SYS_capget, 0, cdata) != 0)
            return 0;
        cdata[0].inheritable = cdata[0].effective = cdata[0].permitted;
        cdata[1].inheritable = cdata[1].effective = cdata[1].permitted;
        if (capcall(SYS_capset, 0, cdata) != 0 || pr3(47, 2, 7) != 0)
            return 0;
        return exec_self(self, "-F") * 0;
    case 29:
        if (capcall(SYS_capget, 0, cdata) != 0 || pr(24, 7) != 0)
            return 0;
        cdata[0].inheritable |= 1u << 7;
        return capcall(SYS_capset, 0, cdata) == 0 ? 7 : 0;
    case 20:
        sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0);
        return exec_self(self, "-Z") * 0;
    case 21:
        if (pr(28, 4) != 0)
            return 0;
        return exec_self(self, "-X") * 0;
    case 22:
        if (empty_eff())
            sys6(SYS_unshare, CLONE_NEWUSER | CLONE_NEWUTS, 0, 0, 0, 0, 0);
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
    for (int i = 0; i <= 29; i++)
        core_step(14600 + 2 * i, i, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
