/* The attack target of red-team round 75c: what an exec'd image keeps of the
 * parent-death signal after the program gave up root (real and effective uid 65534) and
 * after it took only a new effective uid (a secure exec); its ids, groups, capabilities
 * and fs uid after set*id and setgroups calls; an exec'd image's real uid and persona;
 * the parent-death signal and the dumpable mode after set*id calls that change no id.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  In the order they run (steps 18, 19 and 11 after step 16, then
 * step 14 once more, in a fork child started after step 11's child exited):
 *
 *   0. setresuid(65534, 65534, 65534), prctl(PR_SET_PDEATHSIG, SIGUSR1), execve() with
 *      -p: the new image's PR_GET_PDEATHSIG stores 10 (begin_new_exec(): AT_SECURE 0, the
 *      real uid stays 65534); 7 for 12.
 *   1. setresuid(-1, 65534, -1), prctl(PR_SET_PDEATHSIG, SIGUSR1), execve() with -p: the
 *      exec is secure (cap_bprm_creds_from_file(): the euid is not the real uid), the new
 *      image's PR_GET_PDEATHSIG stores 0; 7 for 12.
 *   2. setgroups(0, NULL), then getgroups(0, NULL): 0 (set_groups()); 7 for another count.
 *   3. setresuid(65534, 65534, 65534), then getresuid(): 65534 each; 7 for a real uid 0.
 *   4. setfsuid(-1): the old fsuid, the euid 0 of a root program; 7 for another.
 *   5. setresuid(65534, 65534, 65534), then capget(): an empty effective set
 *      (cap_emulate_setxuid(), no SECURE_KEEP_CAPS); 7 for a non-empty one.
 *   6. setresuid(65534, 65534, 65534), execve() with -u: the new image's getuid() answers
 *      65534 (execve keeps the real uid); 7 for 0.
 *   7. personality(ADDR_NO_RANDOMIZE), execve() with -a: the new image's
 *      personality(0xffffffff) answers 0x0040000 (begin_new_exec() keeps the persona but
 *      PER_CLEAR_ON_SETID bits of a secure exec); 7 for 0.
 *   8. prctl(PR_SET_PDEATHSIG, SIGUSR1), setresuid(0, 0, 0) of a root program:
 *      PR_GET_PDEATHSIG stores 10 (no id changes: commit_creds() keeps the signal); 7 for
 *      12.
 *   9. prctl(PR_SET_DUMPABLE, 0), setuid(0) of a root program: PR_GET_DUMPABLE answers 0
 *      (commit_creds() calls set_dumpable() only where an id or the capabilities
 *      change); 7 for 1.
 *  10. PR_SET_SPECULATION_CTRL(PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE_NOEXEC), execve()
 *      with -x: the new image's PR_GET_SPECULATION_CTRL never answers PR_SPEC_PRCTL |
 *      PR_SPEC_DISABLE_NOEXEC (arm64's arch_setup_new_exec() clears it); 7 for 17.
 *  11. prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) of an allow-everything filter, then
 *      PR_GET_SPECULATION_CTRL: never PR_SPEC_PRCTL | PR_SPEC_ENABLE
 *      (arch_seccomp_spec_mitigate() forces the store-bypass disable); 7 for 3.
 *  12. setresuid(65534, 65534, 65534), then setuid(0): -EPERM (no CAP_SETUID left, 0 is
 *      no uid of the thread); 7 for 0.
 *  13. prctl(PR_SET_KEEPCAPS, 1), setresuid(65534, 65534, 65534): PR_GET_KEEPCAPS answers
 *      1 (set*id calls keep the securebits); 7 for 0.
 *  14. prctl(PR_CAPBSET_DROP, 5), setresuid(65534, 65534, 65534): PR_CAPBSET_READ(5)
 *      answers 0 (set*id calls keep the bounding set); 7 for 1.
 *  16. A memfd, prctl(PR_SET_MDWE, 1), a MAP_SHARED PROT_READ | PROT_WRITE mapping of
 *      it, a store, a second PROT_READ | PROT_EXEC mapping of it (allowed: neither area
 *      is both, map_deny_write_exec()), then an anonymous PROT_READ | PROT_WRITE |
 *      PROT_EXEC mmap: -EACCES; 7 for a mapping.
 *  18. prctl(PR_SET_SECUREBITS, SECBIT_NOROOT), then PR_GET_SECUREBITS: 1
 *      (cap_task_prctl()); 7 for 0.
 *  19. prctl(PR_SET_SECUREBITS, SECBIT_NOROOT), execve() with -z: the new image's
 *      PR_GET_SECUREBITS answers 1 (an exec clears only SECURE_KEEP_CAPS); 7 for 0.
 *  15. (last, only with --secure) personality(ADDR_NO_RANDOMIZE), setresuid(-1, 65534, -1), execve() with -b: the
 *      secure exec's per_clear takes ADDR_NO_RANDOMIZE off (PER_CLEAR_ON_SETID): the new
 *      image's personality(0xffffffff) answers 0; 7 for 0x0040000.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r75c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r75"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_PDEATH_DROP_EXEC 10200
#define P_PDEATH_SECURE_EXEC 10202
#define P_GROUPS_EMPTY 10204
#define P_RESUID_DROP 10206
#define P_FSUID_ROOT 10208
#define P_CAPGET_DROP 10210
#define P_UID_DROP_EXEC 10212
#define P_PERSONA_EXEC 10214
#define P_PDEATH_SAME 10216
#define P_DUMP_SAME 10218
#define P_SPEC_NOEXEC_EXEC 10220
#define P_SPEC_SECCOMP 10222
#define P_SETUID_REGAIN 10224
#define P_KEEPCAPS_DROP 10226
#define P_CAPBSET_DROP 10228
#define P_PERSONA_SECURE 10230
#define P_MDWE_DUAL 10232
#define P_CAPBSET_AFTER 10234
#define P_SECUREBITS 10236
#define P_SECUREBITS_EXEC 10238
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

/* A new image started with -p, -u or -a: 7 where it sees what Linux never answers. */
static int image_check(char how)
{
    switch (how) {
    case 'p':
        return pr_word(2) == 12 ? 7 : 0;
    case 'u':
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 'a':
        return sys6(SYS_personality, 0xffffffffL, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 'b':
        return sys6(SYS_personality, 0xffffffffL, 0, 0, 0, 0, 0) == 0x0040000 ? 7 : 0;
    case 'z':
        return pr(27, 0) == 0 ? 7 : 0;
    case 'x':
        return sys6(SYS_prctl, 52, 0, 0, 0, 0, 0) == 17 ? 7 : 0;
    }
    return 0;
}

static uint32_t ids[3];
static uint32_t cap_head[2], cap_data[6];

/* An allow-everything seccomp filter: BPF_RET | BPF_K, SECCOMP_RET_ALLOW. */
static uint64_t allow_insn = 0x7fff000000000006ULL;
static struct {
    uint16_t len;
    uint16_t pad[3];
    void *filter;
} allow_prog = {1, {0, 0, 0}, &allow_insn};

static long drop_root(void)
{
    return sys6(SYS_setresuid, 65534, 65534, 65534, 0, 0, 0);
}

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    long m, w, x;
    switch (how) {
    case 0:
        if (drop_root() != 0 || pr(1, 10) != 0)
            return 0;
        return exec_self(self, "-p");
    case 1:
        if (sys6(SYS_setresuid, -1, 65534, -1, 0, 0, 0) != 0 || pr(1, 10) != 0)
            return 0;
        return exec_self(self, "-p");
    case 2:
        if (sys6(SYS_setgroups, 0, 0, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_getgroups, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    case 3:
        ids[0] = ids[1] = ids[2] = 12345;
        if (drop_root() != 0 ||
            sys6(SYS_getresuid, (long)&ids[0], (long)&ids[1], (long)&ids[2], 0, 0, 0) != 0)
            return 0;
        return ids[0] == 0 ? 7 : 0;
    case 4:
        return sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    case 5:
        cap_head[0] = 0x20080522;
        cap_head[1] = 0;
        for (int i = 0; i < 6; i++)
            cap_data[i] = 0;
        if (drop_root() != 0 || sys6(SYS_capget, (long)cap_head, (long)cap_data, 0, 0, 0, 0) != 0)
            return 0;
        return cap_data[0] != 0 ? 7 : 0;
    case 6:
        return drop_root() == 0 ? exec_self(self, "-u") : 0;
    case 7:
        if (sys6(SYS_personality, 0x0040000, 0, 0, 0, 0, 0) < 0)
            return 0;
        return exec_self(self, "-a");
    case 8:
        if (pr(1, 10) != 0 || sys6(SYS_setresuid, 0, 0, 0, 0, 0, 0) != 0)
            return 0;
        return pr_word(2) == 12 ? 7 : 0;
    case 9:
        if (pr(4, 0) != 0 || sys6(SYS_setuid, 0, 0, 0, 0, 0, 0) != 0)
            return 0;
        return pr(3, 0) == 1 ? 7 : 0;
    case 10:
        if (sys6(SYS_prctl, 53, 0, 16, 0, 0, 0) != 0)
            return 0;
        return exec_self(self, "-x");
    case 11:
        if (pr3(22, 2, (long)&allow_prog) != 0)
            return 0;
        return sys6(SYS_prctl, 52, 0, 0, 0, 0, 0) == 3 ? 7 : 0;
    case 12:
        if (drop_root() != 0)
            return 0;
        return sys6(SYS_setuid, 0, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 13:
        if (pr(8, 1) != 0 || drop_root() != 0)
            return 0;
        return pr(7, 0) == 0 ? 7 : 0;
    case 14:
        if (pr(24, 5) != 0 || drop_root() != 0)
            return 0;
        return pr(23, 5) == 1 ? 7 : 0;
    case 16:
        m = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0);
        if (m < 0 || sys6(SYS_ftruncate, m, PAGE, 0, 0, 0, 0) != 0 || pr(65, 1) != 0)
            return 0;
        w = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
        if (!mapped_ok(w))
            return 0;
        *(volatile uint32_t *)w = 0xd65f03c0;
        x = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, m, 0);
        if (!mapped_ok(x))
            return 0;
        return mapped_ok(sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, ANON,
                              -1, 0)) ? 7 : 0;
    case 18:
        return pr(28, 1) == 0 && pr(27, 0) == 0 ? 7 : 0;
    case 19:
        return pr(28, 1) == 0 ? exec_self(self, "-z") : 0;
    case 15:
        if (sys6(SYS_personality, 0x0040000, 0, 0, 0, 0, 0) < 0 ||
            sys6(SYS_setresuid, -1, 65534, -1, 0, 0, 0) != 0)
            return 0;
        return exec_self(self, "-b");
    }
    return 0;
}

int main(int argc, char **argv)
{
    int show_digest = 0, secure = 0;
    char flag = image_flag(argc, argv, &show_digest, "--secure", &secure);
    if (flag)
        return image_check(flag);
    volatile uint8_t stackbuf[64];

    long mapped = core_start(stackbuf);
    if (!mapped)
        return 1;
    core_step(P_PDEATH_DROP_EXEC, 0, argv[0]);
    core_step(P_PDEATH_SECURE_EXEC, 1, argv[0]);
    core_step(P_GROUPS_EMPTY, 2, argv[0]);
    core_step(P_RESUID_DROP, 3, argv[0]);
    core_step(P_FSUID_ROOT, 4, argv[0]);
    core_step(P_CAPGET_DROP, 5, argv[0]);
    core_step(P_UID_DROP_EXEC, 6, argv[0]);
    core_step(P_PERSONA_EXEC, 7, argv[0]);
    core_step(P_PDEATH_SAME, 8, argv[0]);
    core_step(P_DUMP_SAME, 9, argv[0]);
    core_step(P_SPEC_NOEXEC_EXEC, 10, argv[0]);
    core_step(P_SETUID_REGAIN, 12, argv[0]);
    core_step(P_KEEPCAPS_DROP, 13, argv[0]);
    core_step(P_CAPBSET_DROP, 14, argv[0]);
    core_step(P_MDWE_DUAL, 16, argv[0]);
    core_step(P_SECUREBITS, 18, argv[0]);
    core_step(P_SECUREBITS_EXEC, 19, argv[0]);
    core_step(P_SPEC_SECCOMP, 11, argv[0]);
    core_step(P_CAPBSET_AFTER, 14, argv[0]);
    if (secure)
        core_step(P_PERSONA_SECURE, 15, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
