/* The attack target of red-team round 86c: round 85c's inheritable-set rules
 * (create.launch_inheritable, return.capset_inheritable, cred_kept.keeps_inheritable) at
 * their edges: a new user namespace made by unshare(), clone(), clone3() or setns()
 * (set_cred_user_ns(): the inheritable set empty), a capget() naming the caller by its
 * pid, a CLONE_THREAD sibling's capset() against the first thread's sets and execs, a
 * vfork child's capset(); and Linux's own answers there.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  K: capget(), then capset() adding CAP_KILL to the
 * inheritable set (root: 0); R: prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL).
 * In order:
 *
 *   0. unshare(CLONE_NEWUSER), then R: -EPERM (the new namespace's pI is empty); 7 for 0.
 *   1. clone(CLONE_NEWUSER | SIGCHLD): the child's capget(): pI empty; 7 where not.
 *   2. capget() of the header pid getpid(): pI empty (the launch's); 7 where not.
 *   3. A thread made, its K; then the first thread's capget(): pI empty (its own cred);
 *      7 where CAP_KILL is in it.
 *   4. A thread made, its K; then the first thread's capget() of the thread's tid (Linux:
 *      CAP_KILL in pI); exits 0.
 *   5. A thread made, its K and execve() with -k: the new image's capget() and R (Linux:
 *      0: the exec'ing thread's pI holds CAP_KILL); exits 0.
 *   6. A thread made, its K; then the first thread's execve() with -K: the new image's R:
 *      -EPERM (the first thread's pI is empty); 7 for 0.
 *   7. A vfork child's K, then its exit; the parent's R: -EPERM; 7 for 0.
 *   8. PR_CAPBSET_DROP(CAP_SETUID), clone(CLONE_NEWUSER | SIGCHLD): the child's capget()
 *      and capset() adding CAP_SETUID to pI (Linux: 0: the new bounding set is full);
 *      exits 0.
 *   9. As step 8 with clone3() (exits 0).
 *  10. A thread made; the first thread's K; then the thread's execve() with -K: the new
 *      image's R: -EPERM (the thread's cred was copied before the capset()); 7 for 0.
 *  11. setns(open("/proc/self/ns/user"), CLONE_NEWUSER), then capget(): pI empty
 *      (userns_install(): -EINVAL for its own namespace; a new one's pI empty); 7 where
 *      not.
 *  12. K, setuid(65534), capget() (Linux: CAP_KILL still in pI); exits 0.
 *  13. clone3(CLONE_NEWUSER): the child's capget(): pI empty; 7 where not.
 *  14. setfsuid(65534), setresuid(-1, 0, -1), capget(): CAP_CHOWN not effective (the
 *      euid stayed 0: cap_emulate_setxuid() raises nothing, the fs set stays dropped); 7
 *      where it is.
 *  15. capget(), capset() of empty sets, setuid(0), capget(): every set empty (a set*uid
 *      never adds to pP; pE = pP at most); 7 where not.
 *  16. execve() with -A: the new image's auxv: AT_SECURE 0 with every id 0 (no set-id
 *      bit can change a root id to root, no LSM); 7 for AT_SECURE 1.
 *  17. K, then clone(CLONE_NEWUSER | SIGCHLD): the child's R: -EPERM (its pI empty); 7
 *      for 0.
 *  18. K, setuid(65534), R: -EPERM (cap_emulate_setxuid() cleared pP); 7 for 0.
 *  19. K, PR_SET_KEEPCAPS(1), setuid(65534), R (Linux: 0: pP kept, pI holds it); exits 0.
 *  20. A thread made; its capget() of the first thread (the header pid getpid()): pI
 *      empty (the launch's); 7 where not.
 *  21. A thread's setuid(65534) (its own cred), then the first thread's K and R (Linux:
 *      0: the first thread's sets are root's); exits 0.
 *  22. PR_CAPBSET_DROP(CAP_SETUID), then a clone(CLONE_NEWUSER | SIGCHLD) child's
 *      PR_CAPBSET_READ(CAP_SETUID) (Linux: 1: the new bounding set is full); exits 0.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r86c.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sched.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r86c"

#define P_START 0
#define P_PLACED 1
#define P_END 21
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
#define NSTEPS 23
#define CAPKILL 5

struct cap_hdr { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
static struct cap_hdr chdr;
static struct cap_data cdata[2];
static char *self_path;

static long capcall_of(long nr, long pid, void *data)
{
    chdr.version = V3;
    chdr.pid = (int)pid;
    return sys6(nr, (long)&chdr, (long)data, 0, 0, 0, 0);
}

static long capcall(long nr, void *data)
{
    return capcall_of(nr, 0, data);
}

/* capget() of `pid`: 1 where it answered 0 with an inheritable bit. */
static int inh_of(long pid)
{
    memset(cdata, 0, sizeof cdata);
    return capcall_of(SYS_capget, pid, cdata) == 0 &&
           (cdata[0].inheritable | cdata[1].inheritable);
}

/* capget(), then capset() adding capability `cap` to the inheritable set: 1 where 0. */
static int add_inh(int cap)
{
    if (capcall(SYS_capget, cdata) != 0)
        return 0;
    cdata[cap / 32].inheritable |= 1u << (cap % 32);
    return capcall(SYS_capset, cdata) == 0;
}

static long raise_kill(void)
{
    return pr3(47, 2, CAPKILL);
}

/* A new image started with an upper-case flag: 7 where what it checks answers what Linux
 * never does; with a lower-case one: 0 whatever it answers. */
static int image_check(char how)
{
    switch (how) {
    case 'K':
        return raise_kill() == 0 ? 7 : 0;
    case 'k':
        capcall(SYS_capget, cdata);
        raise_kill();
        return 0;
    case 'A':
        return getauxval(AT_SECURE) == 1 && getauxval(AT_UID) == 0 &&
               getauxval(AT_EUID) == 0 && getauxval(AT_GID) == 0 &&
               getauxval(AT_EGID) == 0 ? 7 : 0;
    }
    return 0;
}

static volatile long th_state, th_go, th_tid, th_first;
static uint8_t th_stack[16384] __attribute__((aligned(16)));
static uint8_t vf_stack[16384] __attribute__((aligned(16)));

/* The second thread of step `arg`. */
static int th_body(void *arg)
{
    long how = (long)arg;
    if (how == 10) {
        while (!__atomic_load_n(&th_go, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        exec_self(self_path, "-K");
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (how == 20) {
        sys6(SYS_exit_group, inh_of(th_first) ? 7 : 0, 0, 0, 0, 0, 0);
    }
    if (how == 21) {
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0) {
            __atomic_store_n(&th_state, 3, __ATOMIC_SEQ_CST);
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        }
    } else if (!add_inh(CAPKILL)) {
        __atomic_store_n(&th_state, 3, __ATOMIC_SEQ_CST);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (how == 5) {
        exec_self(self_path, "-k");
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);     /* the exec failed */
    }
    __atomic_store_n(&th_state, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&th_go, __ATOMIC_SEQ_CST))
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* A thread running th_body(how): 1 where it was made. */
static int make_thread(long how)
{
    th_state = th_go = 0;
    th_tid = clone(th_body, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)how);
    return th_tid > 0;
}

/* The first thread's wait for the thread's K: 1 where it answered 0. */
static int wait_thread(void)
{
    long s;
    while ((s = __atomic_load_n(&th_state, __ATOMIC_SEQ_CST)) == 0)
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    return s == 1;
}

static void release_thread(void)
{
    __atomic_store_n(&th_go, 1, __ATOMIC_SEQ_CST);
}

/* The step's end where a thread may live on: the whole group exits with `st`. */
static int group_exit(int st)
{
    release_thread();
    sys6(SYS_exit_group, st, 0, 0, 0, 0, 0);
    return st;
}

/* The first thread's wait for the thread's exec (de_thread() ends it); 0 where the
 * thread's K failed (it exits then). */
static int spin(void)
{
    while (__atomic_load_n(&th_state, __ATOMIC_SEQ_CST) != 3)
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* The vfork child of step 7. */
static int vf_body(void *arg)
{
    (void)arg;
    add_inh(CAPKILL);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

struct clone_args3 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
        set_tid, set_tid_size, cgroup;
};
static struct clone_args3 cargs;

/* A child in a new user namespace (clone3() where `three`): its exit status, which is
 * 7 where its capget() reported an inheritable bit (`drop` 0) or 0 (`drop` 1: its capset()
 * adding CAP_SETUID to pI after the parent's PR_CAPBSET_DROP(CAP_SETUID)). */
static int userns_child(int three, int drop)
{
    long pid;
    if (drop && pr(24, 7) != 0)
        return 0;
    if (three) {
        memset(&cargs, 0, sizeof cargs);
        cargs.flags = CLONE_NEWUSER;
        cargs.exit_signal = SIGCHLD;
        pid = sys6(SYS_clone3, (long)&cargs, sizeof cargs, 0, 0, 0, 0);
    } else {
        pid = sys6(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0, 0);
    }
    if (pid == 0) {
        int st = 0;
        if (drop)
            add_inh(7);
        else
            st = inh_of(0) ? 7 : 0;
        sys6(SYS_exit, st, 0, 0, 0, 0, 0);
    }
    return status_of(pid) == 7 ? 7 : 0;
}

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    self_path = self;
    switch (how) {
    case 0:
        if (sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0) != 0)
            return 0;
        return raise_kill() == 0 ? 7 : 0;
    case 1:
        return userns_child(0, 0);
    case 2:
        return inh_of(sys6(SYS_getpid, 0, 0, 0, 0, 0, 0)) ? 7 : 0;
    case 3:
    case 4: {
        if (!make_thread(how) || !wait_thread())
            return 0;
        memset(cdata, 0, sizeof cdata);
        long r = capcall_of(SYS_capget, how == 3 ? 0 : th_tid, cdata);
        return group_exit(how == 3 && r == 0 && (cdata[0].inheritable >> CAPKILL & 1) ? 7 : 0);
    }
    case 5:
        if (!make_thread(5))
            return 0;
        return spin();
    case 6:
        if (!make_thread(6) || !wait_thread())
            return 0;
        return group_exit(exec_self(self, "-K") * 0);
    case 7: {
        long pid = clone(vf_body, vf_stack + sizeof vf_stack, VFORK_FLAGS, 0);
        if (status_of(pid) < 0)
            return 0;
        return raise_kill() == 0 ? 7 : 0;
    }
    case 8:
    case 9:
        return userns_child(how == 9, 1) * 0;
    case 10:
        if (!make_thread(10))
            return 0;
        add_inh(CAPKILL);
        release_thread();
        return spin();
    case 11: {
        long fd = sys6(SYS_openat, AT_FDCWD, (long)"/proc/self/ns/user", O_RDONLY, 0, 0, 0);
        if (sys6(SYS_setns, fd, CLONE_NEWUSER, 0, 0, 0, 0) != 0)
            return 0;
        return inh_of(0) ? 7 : 0;
    }
    case 12:
        if (!add_inh(CAPKILL) || sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        capcall(SYS_capget, cdata);
        return 0;
    case 13:
        return userns_child(1, 0);
    case 14:
        if (sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0) != 0 ||
            sys6(SYS_setresuid, -1, 0, -1, 0, 0, 0) != 0)
            return 0;
        memset(cdata, 0, sizeof cdata);
        return capcall(SYS_capget, cdata) == 0 && (cdata[0].effective & 1) ? 7 : 0;
    case 15:
        if (capcall(SYS_capget, cdata) != 0)
            return 0;
        memset(cdata, 0, sizeof cdata);
        if (capcall(SYS_capset, cdata) != 0 || sys6(SYS_setuid, 0, 0, 0, 0, 0, 0) != 0)
            return 0;
        return capcall(SYS_capget, cdata) == 0 &&
               (cdata[0].effective | cdata[0].permitted | cdata[1].effective |
                cdata[1].permitted) ? 7 : 0;
    case 16:
        return exec_self(self, "-A") * 0;
    case 17: {
        if (!add_inh(CAPKILL))
            return 0;
        long pid = sys6(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit, raise_kill() == 0 ? 7 : 0, 0, 0, 0, 0, 0);
        return status_of(pid) == 7 ? 7 : 0;
    }
    case 18:
    case 19:
        if (!add_inh(CAPKILL) || (how == 19 && pr(8, 1) != 0) ||
            sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return raise_kill() == 0 && how == 18 ? 7 : 0;
    case 20: {
        th_first = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
        if (!make_thread(20))
            return 0;
        return spin();
    }
    case 21:
        if (!make_thread(21) || !wait_thread())
            return 0;
        add_inh(CAPKILL);
        raise_kill();
        return group_exit(0);
    case 22: {
        if (pr(24, 7) != 0)
            return 0;
        long pid = sys6(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            pr(23, 7);
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        }
        status_of(pid);
        return 0;
    }
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
    for (int i = 0; i < NSTEPS; i++)
        core_step(16600 + 2 * i, i, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
