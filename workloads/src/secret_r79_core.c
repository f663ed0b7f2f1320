/* The attack target of red-team round 79c: PR_GET_KEEPCAPS after PR_SET_KEEPCAPS, after
 * setuid() and in an exec'd image; PR_GET_SECUREBITS after PR_SET_SECUREBITS;
 * PR_CAPBSET_READ after PR_CAPBSET_DROP and of a capability past CAP_LAST_CAP;
 * PR_GET_DUMPABLE after PR_SET_DUMPABLE(0) and after setuid(); getresuid() after
 * setreuid(65534, -1) and setresuid(-1, -1, -1); setfsuid(-1) after setresuid(-1, 65534,
 * -1); getuid() of a parent whose vfork child called setuid(), of a first thread whose
 * second thread called setuid(), of a thread made after setuid(); PR_GET_NO_NEW_PRIVS of
 * a first thread whose second thread set it and in an exec'd image; getuid() after
 * unshare(CLONE_NEWUSER); capget() after capset() cleared the effective set.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  In order:
 *
 *   0. prctl(PR_SET_KEEPCAPS, 1) answered 0, then PR_GET_KEEPCAPS: 1; 7 for 0.
 *   1. PR_SET_KEEPCAPS 1, setuid(65534) answered 0, then PR_GET_KEEPCAPS: 1; 7 for 0.
 *   2. PR_SET_KEEPCAPS 1, execve() with -k: the new image's PR_GET_KEEPCAPS answers 0
 *      (cap_bprm_creds_from_file() clears SECBIT_KEEP_CAPS); 7 for 1.
 *   3. prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS) answered 0, then PR_GET_SECUREBITS:
 *      bit 4 set; 7 for it clear.
 *   4. prctl(PR_CAPBSET_DROP, CAP_SETUID) answered 0, then PR_CAPBSET_READ(CAP_SETUID):
 *      0; 7 for 1.
 *   5. prctl(PR_CAPBSET_READ, 64): -EINVAL (cap_valid()); 7 for 1.
 *   6. prctl(PR_SET_DUMPABLE, 0) answered 0, then PR_GET_DUMPABLE: 0; 7 for 1.
 *   7. setuid(65534) answered 0, then PR_GET_DUMPABLE: fs.suid_dumpable, 0 by default
 *      (commit_creds()); 7 for 1 (SUID_DUMP_USER).
 *   8. setreuid(65534, -1) answered 0, then getresuid(): 65534, 0, 0 (the saved uid
 *      takes the effective 0); 7 for a saved uid not 0.
 *   9. setresuid(-1, -1, -1) answered 0, then getresuid(): 0 each; 7 for a real uid
 *      not 0.
 *  10. setresuid(-1, 65534, -1) answered 0, then setfsuid(-1): 65534 (the fs uid follows
 *      the effective); 7 for another.
 *  11. A vfork child calls setuid(65534) and exits; the parent's getuid(): 0; 7 for
 *      another.
 *  12. A second thread calls setuid(65534) itself (raw, no broadcast); the first
 *      thread's getuid(): 0; 7 for another.
 *  13. setuid(65534), then a thread made after it: its getuid() 65534; 7 for another.
 *  14. A second thread calls PR_SET_NO_NEW_PRIVS itself; the first thread's
 *      PR_GET_NO_NEW_PRIVS: 0 (the bit is per task); 7 for 1.
 *  15. PR_SET_NO_NEW_PRIVS answered 0, execve() with -n: the new image's
 *      PR_GET_NO_NEW_PRIVS answers 1; 7 for 0.
 *  16. unshare(CLONE_NEWUSER) answered 0, then getuid(): 65534 (no uid_map yet:
 *      overflowuid); 7 for 0.
 *  17. capset() of an empty effective set (permitted unchanged) answered 0, then
 *      capget(): effective 0; 7 for another.
 *  18. A second thread calls PR_SET_NO_NEW_PRIVS itself, then forks: the grandchild's
 *      PR_GET_NO_NEW_PRIVS answers 1 (copy_process() copies the forking task's bit); 7
 *      for 0.
 *  19. A second thread calls PR_SET_NO_NEW_PRIVS itself; the first thread reads
 *      /proc/self/status (its own, the leader's): "NoNewPrivs:\t0"; 7 for 1.
 *  20. A second thread calls PR_SET_DUMPABLE(0); the first thread's PR_GET_DUMPABLE: 0
 *      (the mode lives in the shared mm); exits 7 for 1.
 *  21. (none: a vfork child's PR_SET_DUMPABLE(0) made the untouched run without a
 *      Guardian copy 8 bytes of the secret from user memory; left out, see
 *      attacks/families/redteam_r79c.py)
 *  22. PR_SET_DUMPABLE(0), then execve() with -p: the new image calls PR_GET_DUMPABLE
 *      (Linux: 1, begin_new_exec()); exits 0 whatever it answers.
 *  23. prctl(PR_SET_KEEPCAPS, 2) (-EINVAL), then PR_GET_KEEPCAPS: 0; 7 for 1.
 *  24. PR_SET_SECUREBITS(SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED) answered 0, then
 *      PR_SET_KEEPCAPS(0) (-EPERM: locked) and PR_GET_KEEPCAPS: 1; 7 for 0.
 *  25. setresuid(-1, -1, 65534) answered 0, then execve() with -s: the new image's
 *      getresuid() saved uid 0 (cap_bprm_creds_from_file(): suid = euid); 7 for another.
 *  26. setfsuid(65534), then execve() with -f: the new image's setfsuid(-1) answers 0
 *      (the fs uid is the effective again); 7 for another.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r79c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r79"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_KEEPCAPS_GET 11600
#define P_KEEPCAPS_SETUID 11602
#define P_KEEPCAPS_EXEC 11604
#define P_SECUREBITS_GET 11606
#define P_CAPBSET_DROP 11608
#define P_CAPBSET_BAD 11610
#define P_DUMPABLE_SET 11612
#define P_DUMPABLE_SETUID 11614
#define P_SETREUID_SUID 11616
#define P_SETRESUID_NOP 11618
#define P_FSUID_EUID 11620
#define P_VFORK_SETUID 11622
#define P_THREAD_SETUID 11624
#define P_THREAD_AFTER 11626
#define P_THREAD_NNP 11628
#define P_NNP_EXEC 11630
#define P_USERNS_UID 11632
#define P_CAPSET_EFF 11634
#define P_NNP_THREAD_FORK 11636
#define P_NNP_STATUS 11638
#define P_DUMPABLE_THREAD 11640
#define P_DUMPABLE_EXEC 11644
#define P_KEEPCAPS_BAD 11646
#define P_KEEPCAPS_LOCKED 11648
#define P_SUID_EXEC 11650
#define P_FSUID_EXEC 11652
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


/* A new image started with -k: 7 where PR_GET_KEEPCAPS answers 1; with -n: 7 where
 * PR_GET_NO_NEW_PRIVS answers 0. */
static int image_check(char how)
{
    if (how == 'k')
        return pr(7, 0) == 1 ? 7 : 0;
    if (how == 'n')
        return pr(39, 0) == 0 ? 7 : 0;
    if (how == 'p') {
        pr(3, 0);
        return 0;
    }
    if (how == 'f')
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    if (how == 's') {
        uint32_t r[3] = {12345, 12345, 12345};
        if (sys6(SYS_getresuid, (long)&r[0], (long)&r[1], (long)&r[2], 0, 0, 0) != 0)
            return 0;
        return r[2] != 0 ? 7 : 0;
    }
    return 0;
}

static uint32_t ids[3];
static volatile long th_state;
static uint8_t th_stack[16384] __attribute__((aligned(16)));

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
                      CLONE_SYSVSEM)

/* Step 11's vfork child: its own setuid(65534), then exit. */
static int vf_setuid(void *arg)
{
    (void)arg;
    sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* Steps 12, 14, 18, 19 and 20's thread: its own setuid(65534), PR_SET_NO_NEW_PRIVS or
 * PR_SET_DUMPABLE(0); step 18's then forks a child that exits 7 for no no_new_privs. */
static int th_set(void *arg)
{
    long how = (long)arg;
    long ok = how == 12 ? sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) :
              how == 20 ? pr(4, 0) : pr(38, 1);
    if (ok == 0 && how == 18) {
        long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit_group, pr(39, 0) == 0 ? 7 : 0, 0, 0, 0, 0, 0);
        ok = status_of(pid) == 7 ? 7 : 0;
    }
    __atomic_store_n(&th_state, ok == 0 ? 2 : ok == 7 ? 7 : 3, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* Step 13's thread: 7 where its uid is not 65534. */
static int th_uid(void *arg)
{
    (void)arg;
    long bad = sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 65534;
    __atomic_store_n(&th_state, bad ? 7 : 2, __ATOMIC_SEQ_CST);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* Run `fn` in a second thread; what it left in th_state once done (0: none ran). */
static long in_thread(int (*fn)(void *), long arg)
{
    th_state = 0;
    long tid = clone(fn, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)arg);
    if (tid <= 0)
        return 0;
    while (!__atomic_load_n(&th_state, __ATOMIC_SEQ_CST))
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    return th_state;
}

static char sbuf[4096];

/* Whether `name`, read from its start, holds `line`. */
static int file_has(const char *name, const char *line)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)name, O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return 0;
    long n = sys6(SYS_read, fd, (long)sbuf, sizeof sbuf - 1, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (n <= 0 || n >= (long)sizeof sbuf)
        return 0;
    sbuf[n] = 0;
    return strstr(sbuf, line) != 0;
}

struct cap_hdr { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
static struct cap_hdr chdr;
static struct cap_data cdata[2];

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    long pid;
    switch (how) {
    case 0:
        if (pr(8, 1) != 0)
            return 0;
        return pr(7, 0) == 0 ? 7 : 0;
    case 1:
        if (pr(8, 1) != 0 || sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return pr(7, 0) == 0 ? 7 : 0;
    case 2:
        if (pr(8, 1) != 0)
            return 0;
        return exec_self(self, "-k");
    case 3:
        if (pr(28, 0x10) != 0)
            return 0;
        pid = pr(27, 0);
        return pid >= 0 && !(pid & 0x10) ? 7 : 0;
    case 4:
        if (pr(24, 7) != 0)
            return 0;
        return pr(23, 7) == 1 ? 7 : 0;
    case 5:
        return pr(23, 64) == 1 ? 7 : 0;
    case 6:
        if (pr(4, 0) != 0)
            return 0;
        return pr(3, 0) == 1 ? 7 : 0;
    case 7:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return pr(3, 0) == 1 ? 7 : 0;
    case 8:
        if (sys6(SYS_setreuid, 65534, -1, 0, 0, 0, 0) != 0)
            return 0;
        ids[0] = ids[1] = ids[2] = 12345;
        if (sys6(SYS_getresuid, (long)&ids[0], (long)&ids[1], (long)&ids[2], 0, 0, 0) != 0)
            return 0;
        return ids[2] != 0 ? 7 : 0;
    case 9:
        if (sys6(SYS_setresuid, -1, -1, -1, 0, 0, 0) != 0)
            return 0;
        ids[0] = ids[1] = ids[2] = 12345;
        if (sys6(SYS_getresuid, (long)&ids[0], (long)&ids[1], (long)&ids[2], 0, 0, 0) != 0)
            return 0;
        return ids[0] != 0 ? 7 : 0;
    case 10:
        if (sys6(SYS_setresuid, -1, 65534, -1, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) != 65534 ? 7 : 0;
    case 11:
        pid = clone(vf_setuid, th_stack + sizeof th_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, 0);
        if (pid <= 0 || status_of(pid) != 0)
            return 0;
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    case 12:
        if (in_thread(th_set, 12) != 2)
            return 0;
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    case 13:
        if (sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        return in_thread(th_uid, 0) == 7 ? 7 : 0;
    case 14:
        if (in_thread(th_set, 14) != 2)
            return 0;
        return pr(39, 0) == 1 ? 7 : 0;
    case 15:
        if (pr(38, 1) != 0)
            return 0;
        return exec_self(self, "-n");
    case 16:
        if (sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 17:
        chdr.version = 0x20080522;
        if (sys6(SYS_capget, (long)&chdr, (long)cdata, 0, 0, 0, 0) != 0)
            return 0;
        cdata[0].effective = cdata[1].effective = 0;
        if (sys6(SYS_capset, (long)&chdr, (long)cdata, 0, 0, 0, 0) != 0)
            return 0;
        cdata[0].effective = cdata[1].effective = 0;
        if (sys6(SYS_capget, (long)&chdr, (long)cdata, 0, 0, 0, 0) != 0)
            return 0;
        return cdata[0].effective != 0 || cdata[1].effective != 0 ? 7 : 0;
    case 18:
        return in_thread(th_set, 18) == 7 ? 7 : 0;
    case 19:
        if (in_thread(th_set, 19) != 2)
            return 0;
        return file_has("/proc/self/status", "\nNoNewPrivs:\t1") ? 7 : 0;
    case 20:
        if (in_thread(th_set, 20) != 2)
            return 0;
        return pr(3, 0) == 1 ? 7 : 0;
    case 22:
        if (pr(4, 0) != 0)
            return 0;
        return exec_self(self, "-p");
    case 23:
        pr(8, 2);
        return pr(7, 0) == 1 ? 7 : 0;
    case 24:
        if (pr(28, 0x30) != 0)
            return 0;
        pr(8, 0);
        return pr(7, 0) == 0 ? 7 : 0;
    case 25:
        if (sys6(SYS_setresuid, -1, -1, 65534, 0, 0, 0) != 0)
            return 0;
        return exec_self(self, "-s");
    case 26:
        sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0);
        return exec_self(self, "-f");
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
    core_step(P_KEEPCAPS_GET, 0, argv[0]);
    core_step(P_KEEPCAPS_SETUID, 1, argv[0]);
    core_step(P_KEEPCAPS_EXEC, 2, argv[0]);
    core_step(P_SECUREBITS_GET, 3, argv[0]);
    core_step(P_CAPBSET_DROP, 4, argv[0]);
    core_step(P_CAPBSET_BAD, 5, argv[0]);
    core_step(P_DUMPABLE_SET, 6, argv[0]);
    core_step(P_DUMPABLE_SETUID, 7, argv[0]);
    core_step(P_SETREUID_SUID, 8, argv[0]);
    core_step(P_SETRESUID_NOP, 9, argv[0]);
    core_step(P_FSUID_EUID, 10, argv[0]);
    core_step(P_VFORK_SETUID, 11, argv[0]);
    core_step(P_THREAD_SETUID, 12, argv[0]);
    core_step(P_THREAD_AFTER, 13, argv[0]);
    core_step(P_THREAD_NNP, 14, argv[0]);
    core_step(P_NNP_EXEC, 15, argv[0]);
    core_step(P_USERNS_UID, 16, argv[0]);
    core_step(P_CAPSET_EFF, 17, argv[0]);
    core_step(P_NNP_THREAD_FORK, 18, argv[0]);
    core_step(P_NNP_STATUS, 19, argv[0]);
    core_step(P_DUMPABLE_THREAD, 20, argv[0]);
    core_step(P_DUMPABLE_EXEC, 22, argv[0]);
    core_step(P_KEEPCAPS_BAD, 23, argv[0]);
    core_step(P_KEEPCAPS_LOCKED, 24, argv[0]);
    core_step(P_SUID_EXEC, 25, argv[0]);
    core_step(P_FSUID_EXEC, 26, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
