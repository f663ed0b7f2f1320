/* The attack target of red-team round 81c: the dumpable mode after an fs uid change, an
 * egid change, an exec with the effective uid or gid not the real one, a second thread's
 * setuid(), a fork child of a set-id thread, PR_SET_DUMPABLE(2); no_new_privs
 * after PR_SET_NO_NEW_PRIVS with a stray argument and in the parent of a vfork child that
 * set it; capget()'s version probe; capset() with a version-1 header and capget() of
 * version 1; setuid() and PR_CAPBSET_DROP with an empty effective set; PR_CAP_AMBIENT
 * without the capability inheritable, under SECBIT_NO_CAP_AMBIENT_RAISE and with a stray
 * argument; the ambient set after capset() and setuid(); capset() growing the permitted
 * set or of a version-2 or unknown header; unshare() beside a thread in user code or a
 * CLONE_VM child.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  In order (E: capget(), then capset() of the same sets with
 * an empty effective set answered 0):
 *
 *   0. setfsuid(65534), then PR_GET_DUMPABLE: 0 (commit_creds(): the fs uid changed,
 *      fs.suid_dumpable 0); 7 for 1.
 *   1. setresuid(-1, 65534, -1) answered 0, execve() with -D: the new image's
 *      PR_GET_DUMPABLE: 0 (begin_new_exec(): euid not the uid); 7 for 1.
 *   2. setgid(65534) answered 0, then PR_GET_DUMPABLE: 0 (commit_creds(): the egid
 *      changed); 7 for 1.
 *   3. A second thread's own setuid(65534); the first thread's PR_GET_DUMPABLE: 0; 7
 *      for 1.
 *   4. PR_SET_DUMPABLE(2): -EINVAL; 7 for 0.
 *   5. setuid(65534) answered 0, a fork child: its PR_GET_DUMPABLE 0 (dup_mm()); 7 for
 *      1.
 *   6. prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0): -EINVAL, then PR_GET_NO_NEW_PRIVS: 0; 7
 *      where the set answered 0 and the get 1.
 *   7. A vfork child's PR_SET_NO_NEW_PRIVS(1); the parent's PR_GET_NO_NEW_PRIVS: 0; 7
 *      for 1.
 *   8. capget() of a header of version 0 and data NULL: 0, the header's version
 *      0x20080522 (cap_validate_magic()); 7 for another version.
 *   9. capget() (version 3), capset() of the same first words with a version-1 header,
 *      capget() (version 3): the second effective word 0; 7 for another.
 *  10. E, setuid(65534): -EPERM (no CAP_SETUID); 7 for 0.
 *  11. E, PR_CAPBSET_DROP(CAP_SETUID): -EPERM (no CAP_SETPCAP); 7 for 0.
 *  12. capget(), capset() of the same sets with an empty inheritable set,
 *      PR_CAP_AMBIENT_RAISE(CAP_SETUID): -EPERM; 7 for 0.
 *  13. capget(), capset() with the inheritable set the permitted one,
 *      PR_SET_SECUREBITS(SECBIT_NO_CAP_AMBIENT_RAISE) answered 0,
 *      PR_CAP_AMBIENT_RAISE(CAP_SETUID): -EPERM; 7 for 0.
 *  14. prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_SETUID, 1, 0): -EINVAL; 7 for 0
 *      or more.
 *  15. setuid(0) answered 0, PR_GET_DUMPABLE (Linux: 1); exits 0.
 *  16. setuid(65534) answered 0, execve() with -E: the new image's PR_GET_DUMPABLE
 *      (Linux: 1); exits 0.
 *  17. setuid(65534), PR_SET_DUMPABLE(1) answered 0, PR_GET_DUMPABLE (Linux: 1); exits
 *      0.
 *  18. setreuid(65534, -1) answered 0, PR_GET_DUMPABLE (Linux: 1); exits 0.
 *  19. E, the second effective word of the data set to all ones, capget() with a
 *      version-1 header: the first effective word 0; 7 for another.
 *  20. setresgid(-1, 65534, -1) answered 0, execve() with -D: the new image's
 *      PR_GET_DUMPABLE: 0 (begin_new_exec(): egid not the gid); 7 for 1.
 *  21. capget(), capset() of empty permitted and effective sets answered 0, capset() of
 *      the old permitted set: -EPERM (a permitted set never grows); 7 for 0.
 *  22. capget(), capset() with a version-2 header of an empty effective set answered 0,
 *      capget(): effective 0; 7 for another.
 *  23. capset() with a header of version 0x12345678: -EINVAL; 7 for 0.
 *  24. capget(), capset() with the inheritable set the permitted one,
 *      PR_CAP_AMBIENT_RAISE(CAP_SETUID) answered 0, capset() of an empty inheritable
 *      set answered 0, PR_CAP_AMBIENT_IS_SET(CAP_SETUID): 0 (cap_capset() keeps the
 *      ambient set within permitted and inheritable); 7 for 1.
 *  25. The same raise, then setuid(65534) answered 0, PR_CAP_AMBIENT_IS_SET(CAP_SETUID):
 *      0 (cap_emulate_setxuid() clears the ambient set); 7 for 1.
 *  26. capget(), capset() of empty effective, permitted and inheritable sets answered
 *      0, capget(): permitted 0; 7 for another.
 *  27. A second thread that spins in user code (no call); the first thread's
 *      unshare(CLONE_NEWUSER): -EINVAL (not the only thread); 7 for 0.
 *  28. A CLONE_VM child (its own thread group, sighand and pid) that waits in
 *      sched_yield() calls; the parent's unshare(CLONE_VM): -EINVAL (the mm is shared);
 *      7 for 0.

 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r81c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r81"

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
#define V3 0x20080522
#define V1 0x19980330
#define V2 0x20071026

struct cap_hdr { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
static struct cap_hdr chdr;
static struct cap_data cdata[2], cdata2[2];

static long capcall(long nr, uint32_t version, void *data)
{
    chdr.version = version;
    chdr.pid = 0;
    return sys6(nr, (long)&chdr, (long)data, 0, 0, 0, 0);
}

/* E: capget(), then capset() of the same sets with an empty effective set: 1 where both
 * answered 0. */
static int empty_eff(void)
{
    if (capcall(SYS_capget, V3, cdata) != 0)
        return 0;
    cdata[0].effective = cdata[1].effective = 0;
    return capcall(SYS_capset, V3, cdata) == 0;
}

/* A new image started with -D: 7 where PR_GET_DUMPABLE answers 1; with -E: its
 * PR_GET_DUMPABLE, 0 whatever it answers. */
static int image_check(char how)
{
    if (how == 'D')
        return pr(3, 0) == 1 ? 7 : 0;
    if (how == 'E')
        pr(3, 0);

    return 0;
}

static volatile long th_state;
static uint8_t th_stack[16384] __attribute__((aligned(16)));

/* Step 3's second thread: its own setuid(65534). */
static int th_body(void *arg)
{
    (void)arg;
    long st = sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) == 0 ? 2 : 3;
    __atomic_store_n(&th_state, st, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* Step 7's vfork child: its own PR_SET_NO_NEW_PRIVS, then exit. */
static int vf_nnp(void *arg)
{
    (void)arg;
    sys6(SYS_prctl, 38, 1, 0, 0, 0, 0);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

static volatile long spin_go;

/* Step 27's second thread: it spins in user code until told; step 28's CLONE_VM child:
 * it yields until told, then exits. */
static int spin_body(void *arg)
{
    __atomic_store_n(&th_state, 2, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&spin_go, __ATOMIC_SEQ_CST))
        if (arg)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    long pid;
    switch (how) {
    case 0:
        sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0);
        return pr(3, 0) == 1 ? 7 : 0;
    case 1:
        if (sys6(SYS_setresuid, -1, 65534, -1, 0, 0, 0) != 0)
            return 0;
        return exec_self(self, "-D") * 0;
    case 2:
        if (sys6(SYS_setgid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return pr(3, 0) == 1 ? 7 : 0;
    case 3:
        th_state = 0;
        if (clone(th_body, th_stack + sizeof th_stack, THREAD_FLAGS, 0) <= 0)
            return 0;
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        if (th_state != 2)
            return 0;
        return pr(3, 0) == 1 ? 7 : 0;
    case 4:
        return pr(4, 2) == 0 ? 7 : 0;
    case 5:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit_group, pr(3, 0) == 1 ? 7 : 0, 0, 0, 0, 0, 0);
        return status_of(pid) == 7 ? 7 : 0;
    case 6:
        if (sys6(SYS_prctl, 38, 1, 1, 0, 0, 0) != 0)
            return 0;
        return pr(39, 0) == 1 ? 7 : 0;
    case 7:
        pid = clone(vf_nnp, th_stack + sizeof th_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, 0);
        if (pid <= 0 || status_of(pid) != 0)
            return 0;
        return pr(39, 0) == 1 ? 7 : 0;
    case 8:
        chdr.version = 0;
        chdr.pid = 0;
        if (sys6(SYS_capget, (long)&chdr, 0, 0, 0, 0, 0) != 0)
            return 0;
        return chdr.version != V3 ? 7 : 0;
    case 9:
        if (capcall(SYS_capget, V3, cdata) != 0 || capcall(SYS_capset, V1, cdata) != 0)
            return 0;
        cdata[1].effective = 0;
        if (capcall(SYS_capget, V3, cdata) != 0)
            return 0;
        return cdata[1].effective != 0 ? 7 : 0;
    case 10:
        if (!empty_eff())
            return 0;
        return sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 11:
        if (!empty_eff())
            return 0;
        return pr(24, 7) == 0 ? 7 : 0;
    case 12:
        if (capcall(SYS_capget, V3, cdata) != 0)
            return 0;
        cdata[0].inheritable = cdata[1].inheritable = 0;
        if (capcall(SYS_capset, V3, cdata) != 0)
            return 0;
        return pr3(47, 2, 7) == 0 ? 7 : 0;
    case 13:
        if (capcall(SYS_capget, V3, cdata) != 0)
            return 0;
        cdata[0].inheritable = cdata[0].permitted;
        cdata[1].inheritable = cdata[1].permitted;
        if (capcall(SYS_capset, V3, cdata) != 0 || pr(28, 0x40) != 0)
            return 0;
        return pr3(47, 2, 7) == 0 ? 7 : 0;
    case 14:
        return sys6(SYS_prctl, 47, 1, 7, 1, 0, 0) >= 0 ? 7 : 0;
    case 15:
        if (sys6(SYS_setuid, 0, 0, 0, 0, 0, 0) == 0)
            pr(3, 0);
        return 0;
    case 16:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        exec_self(self, "-E");
        return 0;
    case 17:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) == 0 && pr(4, 1) == 0)
            pr(3, 0);
        return 0;
    case 18:
        if (sys6(SYS_setreuid, 65534, -1, 0, 0, 0, 0) == 0)
            pr(3, 0);
        return 0;
    case 19:
        if (!empty_eff())
            return 0;
        cdata[1].effective = 0xFFFFFFFFu;
        cdata[0].effective = 0;
        if (capcall(SYS_capget, V1, cdata) != 0)
            return 0;
        return cdata[0].effective != 0 ? 7 : 0;
    case 20:
        if (sys6(SYS_setresgid, -1, 65534, -1, 0, 0, 0) != 0)
            return 0;
        return exec_self(self, "-D") * 0;
    case 21:
        if (capcall(SYS_capget, V3, cdata) != 0)
            return 0;
        memcpy(cdata2, cdata, sizeof cdata);
        cdata[0].effective = cdata[1].effective = cdata[0].permitted = cdata[1].permitted = 0;
        cdata[0].inheritable = cdata[1].inheritable = 0;
        if (capcall(SYS_capset, V3, cdata) != 0)
            return 0;
        cdata2[0].effective = cdata2[1].effective = 0;
        cdata2[0].inheritable = cdata2[1].inheritable = 0;
        if (!cdata2[0].permitted && !cdata2[1].permitted)
            return 0;
        return capcall(SYS_capset, V3, cdata2) == 0 ? 7 : 0;
    case 22:
        if (capcall(SYS_capget, V3, cdata) != 0)
            return 0;
        cdata[0].effective = cdata[1].effective = 0;
        if (capcall(SYS_capset, V2, cdata) != 0 || capcall(SYS_capget, V3, cdata) != 0)
            return 0;
        return cdata[0].effective || cdata[1].effective ? 7 : 0;
    case 23:
        if (capcall(SYS_capget, V3, cdata) != 0)
            return 0;
        return capcall(SYS_capset, 0x12345678, cdata) == 0 ? 7 : 0;
    case 24:
    case 25:
        if (capcall(SYS_capget, V3, cdata) != 0)
            return 0;
        cdata[0].inheritable = cdata[0].permitted;
        cdata[1].inheritable = cdata[1].permitted;
        if (capcall(SYS_capset, V3, cdata) != 0 || pr3(47, 2, 7) != 0)
            return 0;
        cdata[0].inheritable = cdata[1].inheritable = 0;
        if (how == 24 ? capcall(SYS_capset, V3, cdata) != 0
                      : sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return pr3(47, 1, 7) == 1 ? 7 : 0;
    case 26:
        if (capcall(SYS_capget, V3, cdata) != 0)
            return 0;
        memset(cdata, 0, sizeof cdata);
        if (capcall(SYS_capset, V3, cdata) != 0 || capcall(SYS_capget, V3, cdata) != 0)
            return 0;
        return cdata[0].permitted || cdata[1].permitted ? 7 : 0;
    case 27:
    case 28:
        th_state = spin_go = 0;
        pid = clone(spin_body, th_stack + sizeof th_stack,
                    how == 27 ? THREAD_FLAGS : CLONE_VM | SIGCHLD, (void *)(long)(how == 28));
        if (pid <= 0)
            return 0;
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        pid = sys6(SYS_unshare, how == 27 ? CLONE_NEWUSER : CLONE_VM, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
        __atomic_store_n(&spin_go, 1, __ATOMIC_SEQ_CST);
        if (how == 28)
            sys6(SYS_wait4, -1, 0, 0, 0, 0, 0);
        sys6(SYS_exit_group, pid, 0, 0, 0, 0, 0);
        return 0;
    case 29:
        return pr(23, 41) >= 0 ? 7 : 0;
    case 30:
        if (capcall(SYS_capget, V3, cdata) != 0)
            return 0;
        return ((cdata[1].effective | cdata[1].permitted | cdata[1].inheritable) & ~0x1FFu) ? 7 : 0;
    case 31:
        chdr.version = V3;
        chdr.pid = 0x7fffffff;
        return sys6(SYS_capget, (long)&chdr, (long)cdata, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 32:
        return sys6(SYS_prctl, 4, (1L << 32) | 1, 0, 0, 0, 0) == 0 ? 7 : 0;
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
    for (int i = 0; i <= 32; i++)
        core_step(12800 + 2 * i, i, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
