/* The attack target of red-team round 85c: round 84c's capability fixes at their edges:
 * no_new_privs carried into a fork child, a thread and a vfork child and their execs, an
 * execveat() of an O_PATH descriptor under no_new_privs, the effective uid and gid an exec
 * under no_new_privs leaves when both differ from the real ones, the inheritable set a
 * capget() reported against PR_CAP_AMBIENT_RAISE, a root exec after capset() emptied the
 * permitted set, the fs capabilities a fork child inherits after setfsuid(), the bounding
 * set a thread's exec keeps, SECBIT_NO_CAP_AMBIENT_RAISE, a securebits lock, setfsgid()
 * without CAP_SETGID; and Linux's own answers where another thread, a file capability, a
 * new user namespace or SECURE_KEEP_CAPS decides them.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  In order (N: prctl(PR_SET_NO_NEW_PRIVS, 1); D:
 * prctl(PR_CAPBSET_DROP, CAP_SETUID); Z: capget(), then capset() of empty sets):
 *
 *   0. setuid(65534), N, then a fork child's execve() with -E: the new image's geteuid():
 *      65534 (the child inherited no_new_privs); 7 for 0.
 *   1. N, then a thread made; its setuid(65534) and execve() with -E: as step 0; 7 for 0.
 *   2. A vfork child's setuid(65534), N and execve() with -E: as step 0; 7 for 0.
 *   3. setuid(65534), N, open(self, O_PATH), execveat(fd, "", ..., AT_EMPTY_PATH) with
 *      -E: as step 0; 7 for 0.
 *   4. setresgid(-1, 65534, -1), setresuid(-1, 65534, -1), N, execve() with -G: the new
 *      image's geteuid() and getegid(): both the old ids or both the real ones (never
 *      euid 0 with egid 65534); 7 for that pair.
 *   5. A thread made, its N; then the first thread's setuid(65534) and execve() with -e:
 *      the new image's geteuid() (Linux: 0 where the file is set-user-id root: the
 *      exec'ing thread has no no_new_privs); exits 0.
 *   6. capget(), then PR_CAP_AMBIENT_RAISE(CAP_SETUID): -EPERM (the inheritable set
 *      lacks it); 7 for 0.
 *   7. PR_SET_KEEPCAPS(1), setuid(65534), N, execve() with -S: the new image's setuid(0)
 *      (Linux: 0 only with AT_SECURE 1, a file capability within the kept permitted set);
 *      7 for 0 where AT_SECURE is 0.
 *   8. D, unshare(CLONE_NEWUSER), capget(), capset() adding CAP_SETUID to the inheritable
 *      set (Linux: 0: the new namespace's full bounding set); exits 0.
 *   9. Z, N, execve() with -P: the new image's capset() of root's full sets: -EPERM (the
 *      permitted set stays within the old, empty one); 7 for 0.
 *  10. Z, execve() with -p: the new image's capset() of root's full sets (Linux: 0: a
 *      root exec fills the permitted set); exits 0.
 *  11. setfsuid(65534), then a fork child's capget(): CAP_CHOWN not effective
 *      (cap_drop_fs_set(), copy_creds()); 7 where it is.
 *  12. setfsuid(65534), then a fork child's setfsuid(0) and capget() (Linux: CAP_CHOWN
 *      effective again); exits 0.
 *  13. A thread made, its D and execve() with -B: the new image's
 *      PR_CAPBSET_READ(CAP_SETUID): 0; 7 for 1.
 *  14. A thread made, the first thread's D, then the thread's execve() with -b: the new
 *      image's PR_CAPBSET_READ(CAP_SETUID) (Linux: 1: the thread's own bounding set);
 *      exits 0.
 *  15. PR_SET_SECUREBITS(SECBIT_NO_CAP_AMBIENT_RAISE), capget(), capset() of the
 *      inheritable set the permitted one, PR_CAP_AMBIENT_RAISE(CAP_SETUID): -EPERM; 7 for
 *      0.
 *  16. PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED), then
 *      PR_SET_SECUREBITS(0): -EPERM (a locked bit); 7 for 0.
 *  17. Z, setfsgid(65534), setfsgid(-1): 0 (no CAP_SETGID: the fs gid stayed); 7 where it
 *      is not 0.
 *  18. setresuid(65534, -1, -1), N, execve() with -s: the new image's setuid(0) (Linux
 *      6.1-6.14: 0: the downgrade sets euid = uid = 65534 but keeps the full effective
 *      set root's exec computed; 6.15+: euid 0 kept); exits 0.
 *  19. setuid(65534), N, execve() with -U: the new image's auxv AT_EUID (getauxval(), the
 *      first entry of that key): 65534; 7 for 0.
 *  20. D, then where unshare(CLONE_NEWUSER) fails, capget() and capset() adding
 *      CAP_SETUID to the inheritable set: -EPERM (no new namespace, the bounding set
 *      still without it); 7 for 0.
 *  21. setfsuid(65534), execve() with -c: the new image's capget() (Linux: root's full
 *      sets: the exec sets the fs uid to the euid, 0, and fills the effective set);
 *      exits 0.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r85c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r85c"

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
#define NSTEPS 22

struct cap_hdr { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
static struct cap_hdr chdr;
static struct cap_data cdata[2];
static char *self_path;

static long capcall(long nr, void *data)
{
    chdr.version = V3;
    chdr.pid = 0;
    return sys6(nr, (long)&chdr, (long)data, 0, 0, 0, 0);
}

/* Z: capget(), then capset() of empty sets: 1 where both answered 0. */
static int empty_sets(void)
{
    if (capcall(SYS_capget, cdata) != 0)
        return 0;
    memset(cdata, 0, sizeof cdata);
    return capcall(SYS_capset, cdata) == 0;
}

static long setuid_to(long uid)
{
    return sys6(SYS_setuid, uid, 0, 0, 0, 0, 0);
}

static long nnp(void)
{
    return pr(38, 1);
}

/* capset() of root's full permitted and effective sets: 1 where it answered 0. */
static int full_sets(void)
{
    cdata[0].effective = cdata[0].permitted = 0xffffffffu;
    cdata[1].effective = cdata[1].permitted = 0x1ffu;
    cdata[0].inheritable = cdata[1].inheritable = 0;
    return capcall(SYS_capset, cdata) == 0;
}

/* A new image started with an upper-case flag: 7 where what it checks answers what Linux
 * never does; with a lower-case one: 0 whatever it answers. */
static int image_check(char how)
{
    long euid;
    switch (how) {
    case 'E':
        return sys6(SYS_geteuid, 0, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 'e':
        sys6(SYS_geteuid, 0, 0, 0, 0, 0, 0);
        return 0;
    case 'G':
        euid = sys6(SYS_geteuid, 0, 0, 0, 0, 0, 0);
        return euid == 0 && sys6(SYS_getegid, 0, 0, 0, 0, 0, 0) == 65534 ? 7 : 0;
    case 'S':
        return setuid_to(0) == 0 && getauxval(AT_SECURE) == 0 ? 7 : 0;
    case 'P':
        return full_sets() ? 7 : 0;
    case 'p':
        full_sets();
        return 0;
    case 'B':
        return pr(23, 7) == 1 ? 7 : 0;
    case 'b':
        pr(23, 7);
        return 0;
    case 's':
        setuid_to(0);
        return 0;
    case 'U':
        return getauxval(AT_EUID) == 0 ? 7 : 0;
    case 'c':
        capcall(SYS_capget, cdata);
        return 0;
    }
    return 0;
}

static volatile long th_state, th_go;
static uint8_t th_stack[16384] __attribute__((aligned(16)));
static uint8_t vf_stack[16384] __attribute__((aligned(16)));

/* The second thread of step `arg`. */
static int th_body(void *arg)
{
    long how = (long)arg;
    if (how == 14) {
        __atomic_store_n(&th_state, 1, __ATOMIC_SEQ_CST);
        while (!__atomic_load_n(&th_go, __ATOMIC_SEQ_CST))
            ;
    }
    if (how == 1 && setuid_to(65534) == 0)
        exec_self(self_path, "-E");
    if (how == 5)
        nnp();
    if (how == 13 && pr(24, 7) == 0)
        exec_self(self_path, "-B");
    if (how == 14)
        exec_self(self_path, "-b");
    if (how != 5)
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);     /* the exec failed */
    __atomic_store_n(&th_state, 2, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* A thread running th_body(how): 1 where it was made. */
static int make_thread(long how)
{
    th_state = th_go = 0;
    return clone(th_body, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)how) > 0;
}

/* The first thread's wait for the thread's exec (de_thread() ends it). */
static int spin(void)
{
    for (;;)
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* The vfork child of step 2. */
static int vf_body(void *arg)
{
    (void)arg;
    if (setuid_to(65534) == 0 && nnp() == 0)
        exec_self(self_path, "-E");
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* A fork child's status: it exits 7 where its call of step `how` answered what Linux
 * never does. */
static int in_fork(int how)
{
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        int st = 0;
        if (how == 0) {
            exec_self(self_path, "-E");
        } else if (how == 11) {
            st = capcall(SYS_capget, cdata) == 0 && (cdata[0].effective & 1) ? 7 : 0;
        } else if (how == 12) {
            sys6(SYS_setfsuid, 0, 0, 0, 0, 0, 0);
            capcall(SYS_capget, cdata);
        }
        sys6(SYS_exit, st, 0, 0, 0, 0, 0);
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
        if (setuid_to(65534) != 0 || nnp() != 0)
            return 0;
        return in_fork(0) == 7 ? 7 : 0;
    case 1:
        if (nnp() != 0 || !make_thread(1))
            return 0;
        return spin();
    case 2: {
        long pid = clone(vf_body, vf_stack + sizeof vf_stack, VFORK_FLAGS, 0);
        return status_of(pid) == 7 ? 7 : 0;
    }
    case 3: {
        if (setuid_to(65534) != 0 || nnp() != 0)
            return 0;
        long fd = sys6(SYS_openat, AT_FDCWD, (long)self, O_PATH, 0, 0, 0);
        if (fd < 0)
            return 0;
        at_args[0] = self;
        at_args[1] = "-E";
        at_args[2] = 0;
        at_envp[0] = 0;
        sys6(SYS_execveat, fd, (long)"", (long)at_args, (long)at_envp, AT_EMPTY_PATH, 0);
        return 0;
    }
    case 4:
        if (sys6(SYS_setresgid, -1, 65534, -1, 0, 0, 0) != 0 ||
            sys6(SYS_setresuid, -1, 65534, -1, 0, 0, 0) != 0 || nnp() != 0)
            return 0;
        return exec_self(self, "-G") * 0;
    case 5:
        if (!make_thread(5))
            return 0;
        while (__atomic_load_n(&th_state, __ATOMIC_SEQ_CST) < 2)
            ;
        if (setuid_to(65534) != 0)
            return 0;
        return exec_self(self, "-e") * 0;
    case 6:
        if (capcall(SYS_capget, cdata) != 0)
            return 0;
        return pr3(47, 2, 7) == 0 ? 7 : 0;
    case 7:
        if (pr(8, 1) != 0 || setuid_to(65534) != 0 || nnp() != 0)
            return 0;
        return exec_self(self, "-S") * 0;
    case 8:
        if (pr(24, 7) != 0 || sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0) != 0 ||
            capcall(SYS_capget, cdata) != 0)
            return 0;
        cdata[0].inheritable |= 1u << 7;
        capcall(SYS_capset, cdata);
        return 0;
    case 9:
    case 10:
        if (!empty_sets() || (how == 9 && nnp() != 0))
            return 0;
        return exec_self(self, how == 9 ? "-P" : "-p") * 0;
    case 11:
    case 12:
        sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0);
        return in_fork(how) == 7 ? 7 : 0;
    case 13:
        if (!make_thread(13))
            return 0;
        return spin();
    case 14:
        if (!make_thread(14))
            return 0;
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            ;
        pr(24, 7);
        __atomic_store_n(&th_go, 1, __ATOMIC_SEQ_CST);
        return spin();
    case 15:
        if (pr(28, 0x40) != 0 || capcall(SYS_capget, cdata) != 0)
            return 0;
        cdata[0].inheritable = cdata[0].permitted;
        cdata[1].inheritable = cdata[1].permitted;
        if (capcall(SYS_capset, cdata) != 0)
            return 0;
        return pr3(47, 2, 7) == 0 ? 7 : 0;
    case 16:
        if (pr(28, 0x3) != 0)
            return 0;
        return pr(28, 0) == 0 ? 7 : 0;
    case 18:
        if (sys6(SYS_setresuid, 65534, -1, -1, 0, 0, 0) != 0 || nnp() != 0)
            return 0;
        return exec_self(self, "-s") * 0;
    case 19:
        if (setuid_to(65534) != 0 || nnp() != 0)
            return 0;
        return exec_self(self, "-U") * 0;
    case 20:
        if (pr(24, 7) != 0 || sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0) == 0 ||
            capcall(SYS_capget, cdata) != 0)
            return 0;
        cdata[0].inheritable |= 1u << 7;
        return capcall(SYS_capset, cdata) == 0 ? 7 : 0;
    case 21:
        sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0);
        return exec_self(self, "-c") * 0;
    case 17:
        if (!empty_sets())
            return 0;
        sys6(SYS_setfsgid, 65534, 0, 0, 0, 0, 0);
        return sys6(SYS_setfsgid, -1, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
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
        core_step(15600 + 2 * i, i, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
