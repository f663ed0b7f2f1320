/* The attack target of red-team round 83c: the credential calls round 82c's fixes judge, at
 * their edges: setgroups() after capset() emptied the effective set, a CLONE_THREAD thread
 * and a vfork child made after it, setgid() after setresuid() moved the effective uid off
 * 0, the image exec'd after PR_CAPBSET_DROP(CAP_SETUID), capset() of version 1 then
 * capget() of version 3, capset() of an unknown version, a second thread's capset() naming
 * the group leader, a second thread's unshare(CLONE_NEWUSER) after the leader's exit(), a
 * vfork child's unshare(CLONE_VM), capset() raising an inheritable bit the bounding set
 * dropped, the ambient set of an image exec'd after PR_CAP_AMBIENT_CLEAR_ALL; and Linux's
 * own answers: setgid() after the effective uid went back to 0, the parent's setuid()
 * after a vfork child emptied its own effective set, a second thread's capset() naming
 * its own tid, unshare(CLONE_NEWUSER) in an image exec'd by a process with a second
 * thread, an ambient capability across an exec, the saved uid through setreuid(), set*id
 * calls of no new id; then the effective set after a root setfsuid(),
 * unshare(CLONE_NEWUSER) after chroot(), unshare(CLONE_NEWUTS) without CAP_SYS_ADMIN,
 * unshare(CLONE_SIGHAND) beside a child sharing the handlers, PR_GET_KEEPCAPS after an
 * exec, setuid(0) and getuid() in a new user namespace.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  In order (E: capget(), then capset() of the same sets with
 * an empty effective set answered 0):
 *
 *   0. E, setgroups(0, NULL): -EPERM (may_setgroups(): no CAP_SETGID); 7 for 0.
 *   1. E, then a CLONE_THREAD thread's setuid(65534): -EPERM (the thread shares the
 *      cred); 7 for 0.
 *   2. E, then a vfork child's setuid(65534): -EPERM (copy_creds()); 7 for 0.
 *   3. setresuid(-1, 65534, -1) answered 0, setgid(65534): -EPERM (cap_emulate_setxuid()
 *      cleared the effective set); 7 for 0.
 *   4. PR_CAPBSET_DROP(CAP_SETUID) answered 0, execve() with -S: the new image's
 *      setuid(65534): -EPERM (the permitted set is the bounding set); 7 for 0.
 *   5. capget() (v3), capset() (v1) of the low words, capget() (v3): the upper permitted
 *      word 0; 7 where it is not.
 *   6. capget(), capset() of a header of version 0x12345678: -EINVAL; 7 for 0.
 *   7. A second thread's capget() and capset() of a header naming getpid() (the leader):
 *      -EPERM; 7 for 0.
 *   8. The leader's exit() after making a second thread; the second thread's
 *      unshare(CLONE_NEWUSER): -EINVAL (the zombie leader stays in the group); 7 for 0.
 *   9. A vfork child's unshare(CLONE_VM): -EINVAL (current_is_single_threaded()); 7 for 0.
 *  10. PR_CAPBSET_DROP(CAP_SETUID), capget(), capset() adding CAP_SETUID to the
 *      inheritable set: -EPERM (cap_capset()); 7 for 0.
 *  11. PR_CAP_AMBIENT_CLEAR_ALL answered 0, execve() with -A: the new image's
 *      PR_CAP_AMBIENT_IS_SET(CAP_SETUID): 0; 7 for 1.
 *  12. setresuid(-1, 65534, -1), setresuid(-1, 0, -1), setgid(65534) (Linux: 0 each);
 *      exits 0.
 *  13. A vfork child's E, then the parent's setuid(65534) (Linux: 0); exits 0.
 *  14. A second thread's capget() and capset() of a header naming its own tid (Linux: 0);
 *      exits 0.
 *  15. A second thread spins, execve() with -U: the new image's unshare(CLONE_NEWUSER)
 *      (Linux: 0, de_thread() ended the thread); exits 0.
 *  16. capget(), capset() of the inheritable set the permitted one,
 *      PR_CAP_AMBIENT_RAISE(CAP_SETUID), execve() with -B: the new image's
 *      PR_CAP_AMBIENT_IS_SET(CAP_SETUID) (Linux: 1); exits 0.
 *  17. setfsuid(65534), capget(): CAP_CHOWN out of the effective set
 *      (cap_task_fix_setfsuid()); 7 where it is in.
 *  18. chroot("/tmp") answered 0, unshare(CLONE_NEWUSER): -EPERM (create_user_ns():
 *      current_chrooted()); 7 for 0.
 *  19. E, unshare(CLONE_NEWUTS): -EPERM (no CAP_SYS_ADMIN); 7 for 0.
 *  20. A CLONE_VM | CLONE_SIGHAND child (no CLONE_THREAD) spins; unshare(CLONE_SIGHAND):
 *      -EINVAL (the handlers are shared); 7 for 0.
 *  21. PR_SET_KEEPCAPS(1) answered 0, execve() with -K: the new image's
 *      PR_GET_KEEPCAPS: 0 (prepare_exec_creds()); 7 for 1.
 *  22. setreuid(12345, 65534), setreuid(-1, 12345), setresuid(65534, -1, -1) (Linux: 0
 *      each: the saved uid is 65534); exits 0.
 *  23. E, setresuid(-1, -1, -1), setreuid(-1, -1), setresgid(0, 0, 0), setfsuid(0)
 *      (Linux: 0 each: no new id); exits 0.
 *  24. unshare(CLONE_NEWUSER) answered 0, setuid(0): -EINVAL (no uid_map: 0 maps to no
 *      kuid); 7 for 0.
 *  25. unshare(CLONE_NEWUSER) answered 0, getuid(): 65534 (overflowuid); 7 for 0.
 *  26. setgroups(1, {65534}) answered 0, getgroups(0, NULL): 1; 7 for 0.
 *  27. PR_SET_SECUREBITS(SECBIT_NOROOT) answered 0, execve() with -N: the new image's
 *      setuid(65534): -EPERM (root's exec grants no capability); 7 for 0.
 *  28. PR_SET_SECUREBITS(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED) answered 0,
 *      PR_SET_KEEPCAPS(0): -EPERM; 7 for 0.
 *  29. setgid(65534), setgid(0) (Linux: 0 each: no gid change drops a capability);
 *      exits 0.
 *  30. A vfork child's unshare(CLONE_NEWUSER) (Linux: 0); exits 0.
 *  31. setresuid(-1, 65534, -1), capget(), capset() of the effective set the permitted
 *      one, setgid(65534) (Linux: 0 each); exits 0.
 *  32. setuid(65534) answered 0 (every uid 65534), execve() with -R: the new image's
 *      setuid(0): -EPERM (a non-root exec's permitted set is the ambient one); 7 for 0.
 *  33. setresuid(-1, 65534, -1) answered 0, setfsuid(-1): 65534 (the fs uid follows the
 *      euid); 7 for 0.
 *  34. PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP), setuid(65534), setgid(65534) (Linux: 0
 *      each: the sets stay); exits 0.
 *  35. E, execve() with -G: the new image's setgid(65534) (Linux: 0: root's exec fills
 *      the effective set); exits 0.
 *  36. A second thread made, then the first thread's E and capget() of a header naming
 *      the second thread (Linux: its sets, CAP_SETUID effective); exits 0.
 *  37. E, then a second thread made, the first thread's capget() of a header naming it:
 *      its effective set empty (the shared cred); 7 where it is not (no scenario yet).
 *      (Steps 24 and 25 carry no scenario: another root process may write the new
 *      namespace's uid_map, after which 0 is Linux's answer to both.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r83c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r83"

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
#define V1 0x19980330

struct cap_hdr { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
static struct cap_hdr chdr;
static struct cap_data cdata[2];

static long capcall(long nr, uint32_t version, int pid, void *data)
{
    chdr.version = version;
    chdr.pid = pid;
    return sys6(nr, (long)&chdr, (long)data, 0, 0, 0, 0);
}

/* E: capget(), then capset() of the same sets with an empty effective set: 1 where both
 * answered 0. */
static int empty_eff(void)
{
    if (capcall(SYS_capget, V3, 0, cdata) != 0)
        return 0;
    cdata[0].effective = cdata[1].effective = 0;
    return capcall(SYS_capset, V3, 0, cdata) == 0;
}

static long setuid_nobody(void)
{
    return sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0);
}

static long setuid_uid0(void)
{
    return sys6(SYS_setuid, 0, 0, 0, 0, 0, 0);
}

/* A new image started with -S, -A: 7 where what it checks answers what Linux never does;
 * with -K likewise; with -U, -B: 0 whatever it answers. */
static int image_check(char how)
{
    if (how == 'S')
        return setuid_nobody() == 0 ? 7 : 0;
    if (how == 'A')
        return pr3(47, 1, 7) == 1 ? 7 : 0;
    if (how == 'U')
        sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0);
    if (how == 'B')
        pr3(47, 1, 7);
    if (how == 'N')
        return setuid_nobody() == 0 ? 7 : 0;
    if (how == 'R')
        return setuid_uid0() == 0 ? 7 : 0;
    if (how == 'G')
        sys6(SYS_setgid, 65534, 0, 0, 0, 0, 0);
    if (how == 'K')
        return pr(7, 0) == 1 ? 7 : 0;
    return 0;
}

static volatile long th_state, leader_gone;
static uint8_t th_stack[16384] __attribute__((aligned(16)));
static uint8_t vf_stack[16384] __attribute__((aligned(16)));

/* The second thread of step `arg`: 2 in th_state where its call answered 0, else 3. */
static int th_body(void *arg)
{
    long how = (long)arg, st = 3;
    if (how == 1)
        st = setuid_nobody() == 0 ? 2 : 3;
    if (how == 7 || how == 14) {
        long pid = how == 7 ? sys6(SYS_getpid, 0, 0, 0, 0, 0, 0)
                            : sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
        if (capcall(SYS_capget, V3, 0, cdata) == 0)
            st = capcall(SYS_capset, V3, (int)pid, cdata) == 0 ? 2 : 3;
    }
    if (how == 8) {
        while (!__atomic_load_n(&leader_gone, __ATOMIC_SEQ_CST))
            ;
        for (int i = 0; i < 20; i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        sys6(SYS_exit_group, sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0) == 0 ? 7 : 0,
             0, 0, 0, 0, 0);
    }
    if (how == 15)
        for (;;)
            __atomic_store_n(&th_state, 2, __ATOMIC_SEQ_CST);
    __atomic_store_n(&th_state, st, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* A thread running th_body(how), waited for: its th_state. */
static long in_thread(long how)
{
    th_state = 0;
    if (clone(th_body, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)how) <= 0)
        return 0;
    while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
        ;
    return th_state;
}

/* The vfork child of step `arg`: exits 7 where its call answered 0. */
static int vf_body(void *arg)
{
    long how = (long)arg, ok = 0;
    if (how == 2)
        ok = setuid_nobody() == 0;
    if (how == 9)
        ok = sys6(SYS_unshare, CLONE_VM, 0, 0, 0, 0, 0) == 0;
    if (how == 13)
        empty_eff();
    if (how == 30)
        sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0);
    sys6(SYS_exit, ok ? 7 : 0, 0, 0, 0, 0, 0);
    return 0;
}

static volatile long sh_go;

/* Step 20's CLONE_VM | CLONE_SIGHAND child: spins until its parent's unshare() is over. */
static int sh_body(void *arg)
{
    (void)arg;
    __atomic_store_n(&th_state, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&sh_go, __ATOMIC_SEQ_CST))
        ;
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

static int in_vfork(long how)
{
    long pid = clone(vf_body, vf_stack + sizeof vf_stack, VFORK_FLAGS, (void *)how);
    return status_of(pid);
}

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    switch (how) {
    case 0:
        if (!empty_eff())
            return 0;
        return sys6(SYS_setgroups, 0, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 1:
        if (!empty_eff())
            return 0;
        return in_thread(1) == 2 ? 7 : 0;
    case 2:
        if (!empty_eff())
            return 0;
        return in_vfork(2) == 7 ? 7 : 0;
    case 3:
    case 12:
        if (sys6(SYS_setresuid, -1, 65534, -1, 0, 0, 0) != 0)
            return 0;
        if (how == 12 && sys6(SYS_setresuid, -1, 0, -1, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_setgid, 65534, 0, 0, 0, 0, 0) == 0 && how == 3 ? 7 : 0;
    case 4:
        if (pr(24, 7) != 0)
            return 0;
        return exec_self(self, "-S") * 0;
    case 5:
        if (capcall(SYS_capget, V3, 0, cdata) != 0 || capcall(SYS_capset, V1, 0, cdata) != 0)
            return 0;
        memset(cdata, 0, sizeof cdata);
        if (capcall(SYS_capget, V3, 0, cdata) != 0)
            return 0;
        return cdata[1].permitted != 0 ? 7 : 0;
    case 6:
        if (capcall(SYS_capget, V3, 0, cdata) != 0)
            return 0;
        return capcall(SYS_capset, 0x12345678, 0, cdata) == 0 ? 7 : 0;
    case 7:
    case 14:
        return in_thread(how) == 2 && how == 7 ? 7 : 0;
    case 8:
        leader_gone = 0;
        if (clone(th_body, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)8L) <= 0)
            return 0;
        __atomic_store_n(&leader_gone, 1, __ATOMIC_SEQ_CST);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        return 0;
    case 9:
        return in_vfork(9) == 7 ? 7 : 0;
    case 10:
        if (pr(24, 7) != 0 || capcall(SYS_capget, V3, 0, cdata) != 0)
            return 0;
        cdata[0].inheritable |= 1u << 7;
        return capcall(SYS_capset, V3, 0, cdata) == 0 ? 7 : 0;
    case 11:
        if (pr3(47, 4, 0) != 0)
            return 0;
        return exec_self(self, "-A") * 0;
    case 13:
        in_vfork(13);
        setuid_nobody();
        return 0;
    case 15:
        th_state = 0;
        if (clone(th_body, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)15L) <= 0)
            return 0;
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            ;
        exec_self(self, "-U");
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);     /* the exec failed: end the thread too */
        return 0;
    case 16:
        if (capcall(SYS_capget, V3, 0, cdata) != 0)
            return 0;
        cdata[0].inheritable = cdata[0].permitted;
        cdata[1].inheritable = cdata[1].permitted;
        if (capcall(SYS_capset, V3, 0, cdata) != 0 || pr3(47, 2, 7) != 0)
            return 0;
        return exec_self(self, "-B") * 0;
    case 17:
        sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0);
        if (capcall(SYS_capget, V3, 0, cdata) != 0)
            return 0;
        return cdata[0].effective & 1 ? 7 : 0;
    case 18:
        if (sys6(SYS_chroot, (long)"/tmp", 0, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 19:
        if (!empty_eff())
            return 0;
        return sys6(SYS_unshare, CLONE_NEWUTS, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 20: {
        long st, pid;
        th_state = sh_go = 0;
        pid = clone(sh_body, th_stack + sizeof th_stack, CLONE_VM | CLONE_SIGHAND | SIGCHLD, 0);
        if (pid <= 0)
            return 0;
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            ;
        st = sys6(SYS_unshare, CLONE_SIGHAND, 0, 0, 0, 0, 0);
        __atomic_store_n(&sh_go, 1, __ATOMIC_SEQ_CST);
        status_of(pid);
        return st == 0 ? 7 : 0;
    }
    case 21:
        if (pr(8, 1) != 0)
            return 0;
        return exec_self(self, "-K") * 0;
    case 22:
        if (sys6(SYS_setreuid, 12345, 65534, 0, 0, 0, 0) == 0 &&
            sys6(SYS_setreuid, -1, 12345, 0, 0, 0, 0) == 0)
            sys6(SYS_setresuid, 65534, -1, -1, 0, 0, 0);
        return 0;
    case 23:
        if (!empty_eff())
            return 0;
        sys6(SYS_setresuid, -1, -1, -1, 0, 0, 0);
        sys6(SYS_setreuid, -1, -1, 0, 0, 0, 0);
        sys6(SYS_setresgid, 0, 0, 0, 0, 0, 0);
        sys6(SYS_setfsuid, 0, 0, 0, 0, 0, 0);
        return 0;
    case 24:
        if (sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0) != 0)
            return 0;
        return setuid_uid0() == 0 ? 7 : 0;
    case 26: {
        static uint32_t gl[1] = {65534};
        if (sys6(SYS_setgroups, 1, (long)gl, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_getgroups, 0, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    }
    case 27:
        if (pr(28, 1) != 0)
            return 0;
        return exec_self(self, "-N") * 0;
    case 28:
        if (pr(28, 0x30) != 0)
            return 0;
        return pr(8, 0) == 0 ? 7 : 0;
    case 29:
        if (sys6(SYS_setgid, 65534, 0, 0, 0, 0, 0) == 0)
            sys6(SYS_setgid, 0, 0, 0, 0, 0, 0);
        return 0;
    case 30:
        in_vfork(30);
        return 0;
    case 31:
        if (sys6(SYS_setresuid, -1, 65534, -1, 0, 0, 0) != 0 ||
            capcall(SYS_capget, V3, 0, cdata) != 0)
            return 0;
        cdata[0].effective = cdata[0].permitted;
        cdata[1].effective = cdata[1].permitted;
        if (capcall(SYS_capset, V3, 0, cdata) == 0)
            sys6(SYS_setgid, 65534, 0, 0, 0, 0, 0);
        return 0;
    case 32:
        if (setuid_nobody() != 0)
            return 0;
        return exec_self(self, "-R") * 0;
    case 33:
        if (sys6(SYS_setresuid, -1, 65534, -1, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 34:
        if (pr(28, 4) == 0 && setuid_nobody() == 0)
            sys6(SYS_setgid, 65534, 0, 0, 0, 0, 0);
        return 0;
    case 35:
        if (!empty_eff())
            return 0;
        return exec_self(self, "-G") * 0;
    case 36:
    case 37: {
        long tid, eff;
        th_state = sh_go = 0;
        if (how == 37 && !empty_eff())
            return 0;
        tid = clone(sh_body, th_stack + sizeof th_stack, THREAD_FLAGS, 0);
        if (tid <= 0)
            return 0;
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            ;
        if (how == 36 && !empty_eff())
            tid = 0;
        eff = tid && capcall(SYS_capget, V3, (int)tid, cdata) == 0 &&
              (cdata[0].effective | cdata[1].effective);
        __atomic_store_n(&sh_go, 1, __ATOMIC_SEQ_CST);
        return eff && how == 37 ? 7 : 0;
    }
    case 25:
        if (sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
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
    for (int i = 0; i <= 37; i++)
        core_step(14000 + 2 * i, i, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
