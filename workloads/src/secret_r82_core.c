/* The attack target of red-team round 82c: calls that need a capability after capset()
 * emptied the effective set (setresuid(), setreuid(), setgid(), PR_SET_SECUREBITS, a fork
 * child's setuid()), capset() naming the parent or the caller's own tid, PR_CAPBSET_READ
 * after PR_CAPBSET_DROP, PR_CAP_AMBIENT_IS_SET after PR_CAP_AMBIENT_CLEAR_ALL,
 * setresuid() back to 0 after a root setuid(65534), the dumpable mode of an image exec'd
 * after capset() emptied the permitted set, unshare(CLONE_NEWUSER) of a second thread
 * while the first spins; and Linux's own answers: a second thread's empty effective set
 * and the first thread's setuid(), PR_GET_DUMPABLE after capset() emptied every set, the
 * exec'd image's PR_GET_DUMPABLE after an empty effective set, setuid(0) after
 * PR_SET_KEEPCAPS, setuid(65534) and capset() raising the effective set; setfsuid() after
 * capset() emptied the effective set.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  In order (E: capget(), then capset() of the same sets with
 * an empty effective set answered 0):
 *
 *   0. E, setresuid(65534, 65534, 65534): -EPERM (no CAP_SETUID); 7 for 0.
 *   1. E, setreuid(65534, 65534): -EPERM; 7 for 0.
 *   2. E, setgid(65534): -EPERM (no CAP_SETGID); 7 for 0.
 *   3. E, PR_SET_SECUREBITS(SECBIT_KEEP_CAPS): -EPERM (no CAP_SETPCAP); 7 for 0.
 *   4. E, then a fork child's setuid(65534): -EPERM (copy_creds()); 7 for 0.
 *   5. capget(), capset() of the same sets with the header's pid the parent's: -EPERM;
 *      7 for 0.
 *   6. E with the header's pid the caller's own tid (gettid()), setuid(65534): -EPERM;
 *      7 for 0.
 *   7. PR_CAPBSET_DROP(CAP_SETUID) answered 0, PR_CAPBSET_READ(CAP_SETUID): 0; 7 for 1.
 *   8. capget(), capset() with the inheritable set the permitted one,
 *      PR_CAP_AMBIENT_RAISE(CAP_SETUID) answered 0, PR_CAP_AMBIENT_CLEAR_ALL answered 0,
 *      PR_CAP_AMBIENT_IS_SET(CAP_SETUID): 0; 7 for 1.
 *   9. setuid(65534) answered 0, setresuid(-1, 0, -1): -EPERM; 7 for 0.
 *  10. capget(), capset() of empty sets answered 0, execve() with -D: the new image's
 *      PR_GET_DUMPABLE: 0 (commit_creds(): the permitted set grew); 7 for 1.
 *  11. A second thread's unshare(CLONE_NEWUSER) while the first thread spins in user
 *      code: -EINVAL; 7 for 0.
 *  12. A second thread's E; the first thread's setuid(65534) (Linux: 0); exits 0.
 *  13. capget(), capset() of empty sets, PR_GET_DUMPABLE (Linux: 1); exits 0.
 *  14. E, execve() with -E: the new image's PR_GET_DUMPABLE (Linux: 1); exits 0.
 *  15. PR_SET_KEEPCAPS(1), setuid(65534), capget(), capset() of the effective set the
 *      permitted one, setuid(0) (Linux: 0 each); exits 0.
 *  16. E, setfsuid(65534), then setfsuid(-1): 0 (the fs uid never moved: no
 *      CAP_SETUID); 7 for 65534.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r82c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r82"

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
static struct cap_data cdata[2];


static long capcall(long nr, uint32_t version, int pid, void *data)
{
    chdr.version = version;
    chdr.pid = pid;
    return sys6(nr, (long)&chdr, (long)data, 0, 0, 0, 0);
}

/* E: capget(), then capset() (header pid `pid`) of the same sets with an empty effective
 * set: 1 where both answered 0. */
static int empty_eff(int pid)
{
    if (capcall(SYS_capget, V3, 0, cdata) != 0)
        return 0;
    cdata[0].effective = cdata[1].effective = 0;
    return capcall(SYS_capset, V3, pid, cdata) == 0;
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

static volatile long th_state, spin_go;
static uint8_t th_stack[16384] __attribute__((aligned(16)));

/* Step 11's second thread: unshare(CLONE_NEWUSER) while the first spins; step 12's: E. */
static int th_body(void *arg)
{
    long st;
    if (arg)
        st = sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0) == 0 ? 2 : 3;
    else
        st = empty_eff(0) ? 2 : 3;
    __atomic_store_n(&th_state, st, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    long pid;
    switch (how) {
    case 0:
        if (!empty_eff(0))
            return 0;
        return sys6(SYS_setresuid, 65534, 65534, 65534, 0, 0, 0) == 0 ? 7 : 0;
    case 1:
        if (!empty_eff(0))
            return 0;
        return sys6(SYS_setreuid, 65534, 65534, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 2:
        if (!empty_eff(0))
            return 0;
        return sys6(SYS_setgid, 65534, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 3:
        if (!empty_eff(0))
            return 0;
        return pr(28, 0x10) == 0 ? 7 : 0;
    case 4:
        if (!empty_eff(0))
            return 0;
        pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit_group, sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) == 0 ? 7 : 0,
                 0, 0, 0, 0, 0);
        return status_of(pid) == 7 ? 7 : 0;
    case 5:
        if (capcall(SYS_capget, V3, 0, cdata) != 0)
            return 0;
        return capcall(SYS_capset, V3, (int)sys6(SYS_getppid, 0, 0, 0, 0, 0, 0), cdata) == 0
               ? 7 : 0;
    case 6:
        if (!empty_eff((int)sys6(SYS_gettid, 0, 0, 0, 0, 0, 0)))
            return 0;
        return sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 7:
        if (pr(24, 7) != 0)
            return 0;
        return pr(23, 7) == 1 ? 7 : 0;
    case 8:
        if (capcall(SYS_capget, V3, 0, cdata) != 0)
            return 0;
        cdata[0].inheritable = cdata[0].permitted;
        cdata[1].inheritable = cdata[1].permitted;
        if (capcall(SYS_capset, V3, 0, cdata) != 0 || pr3(47, 2, 7) != 0 ||
            pr3(47, 4, 0) != 0)
            return 0;
        return pr3(47, 1, 7) == 1 ? 7 : 0;
    case 9:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_setresuid, -1, 0, -1, 0, 0, 0) == 0 ? 7 : 0;
    case 10:
    case 13:
        if (capcall(SYS_capget, V3, 0, cdata) != 0)
            return 0;
        memset(cdata, 0, sizeof cdata);
        if (capcall(SYS_capset, V3, 0, cdata) != 0)
            return 0;
        if (how == 13)
            return pr(3, 0) * 0;
        return exec_self(self, "-D") * 0;
    case 11:
    case 12:
        th_state = spin_go = 0;
        if (clone(th_body, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)(long)(how == 11)) <= 0)
            return 0;
        while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
            ;
        if (how == 11)
            return th_state == 2 ? 7 : 0;
        if (th_state == 2)
            sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0);
        return 0;
    case 14:
        if (!empty_eff(0))
            return 0;
        return exec_self(self, "-E") * 0;
    case 15:
        if (pr(8, 1) != 0 || sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0 ||
            capcall(SYS_capget, V3, 0, cdata) != 0)
            return 0;
        cdata[0].effective = cdata[0].permitted;
        cdata[1].effective = cdata[1].permitted;
        if (capcall(SYS_capset, V3, 0, cdata) == 0)
            sys6(SYS_setuid, 0, 0, 0, 0, 0, 0);
        return 0;
    case 16:
        if (!empty_eff(0))
            return 0;
        sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0);
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) == 65534 ? 7 : 0;
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
    for (int i = 0; i <= 16; i++)
        core_step(13400 + 2 * i, i, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
