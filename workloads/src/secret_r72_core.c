/* The attack target of red-team round 72c: prctl options whose arguments Linux refuses
 * past round 71c's table (PR_SET_MDWE with PR_MDWE_NO_INHERIT alone, an unknown
 * speculation control, an unknown PR_SPEC_* value, PR_CAP_AMBIENT_CLEAR_ALL with arg3),
 * answers Linux never gives (1 from PR_CAP_AMBIENT_LOWER, PR_GET_MDWE losing a bit the
 * program set), clone3(CLONE_PIDFD) words in pages a failed mprotect() left read-only,
 * and the tagged address ABI in a fork child.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into the index
 * of a label (-4: the secret's first 8 bytes).  In the order they run:
 *
 *   0. prctl(PR_SET_MDWE, PR_MDWE_NO_INHERIT, 0, 0, 0): -EINVAL (prctl_set_mdwe():
 *      NO_INHERIT needs REFUSE_EXEC_GAIN; before 6.7 an unknown bit); -4 for 0 or more.
 *   1. prctl(PR_GET_SPECULATION_CTRL, 9, 0, 0, 0): -ENODEV (arm64's
 *      arch_prctl_spec_ctrl_get() knows PR_SPEC_STORE_BYPASS alone); -4 for 0 or more.
 *   2. prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0x100, 0, 0): -ERANGE
 *      (ssbd_prctl_set()); -4 for 0 or more.
 *   3. prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 5, 0, 0): -EINVAL
 *      (cap_task_prctl(): arg3 | arg4 | arg5); -4 for 0 or more.
 *   4. prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, 0, 0, 0): 0 (commit_creds()); -4 for 1
 *      or more.
 *   5. A MAP_SHARED PROT_READ mapping of the program's own file opened O_RDONLY,
 *      mprotect(PROT_READ | PROT_WRITE) of its one page (-EACCES: no VM_MAYWRITE), then
 *      clone3(CLONE_PIDFD) whose word is in that page: -EFAULT, no child; -4 for any child.
 *   6. As 5 without the mprotect.
 *   7. An anonymous page mprotect()ed PROT_READ, mprotect(PROT_READ | PROT_WRITE |
 *      0x100) of it (-EINVAL before any change), then the clone3 as 5.
 *   8. As 7 with pkey_mprotect(PROT_READ | PROT_WRITE, key 5) (-EINVAL: no such key).
 *   9. As 7 with mprotect(page + 1, ...) (-EINVAL: not page aligned).
 *  10. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), fork(): the child's
 *      prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0) answers 1 (the thread flags are copied);
 *      the child exits 7 where it answered 0, and the parent labels -4 for 7.
 *  11. prctl(PR_GET_MDWE, 0, 0, 0, 0) before any set: 0 (or 1 inherited); -4 for 2 or
 *      more (PR_MDWE_NO_INHERIT is never inherited, never set without REFUSE_EXEC_GAIN).
 *  12. prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0): -EINVAL (valid_signal()); -4 for 0 or more.
 *  13. prctl(PR_SET_DUMPABLE, 2, 0, 0, 0): -EINVAL (SUID_DUMP_ROOT is not settable); -4
 *      for 0 or more.
 *  14. prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0): -EINVAL (cap_task_prctl(): arg2 > 1); -4 for 0
 *      or more.
 *  15. prctl(PR_SET_TIMING, 1, 0, 0, 0): -EINVAL (only PR_TIMING_STATISTICAL); -4 for 0
 *      or more.
 *  16. prctl(PR_GET_TSC, &word, 0, 0, 0): -EINVAL on arm64 (no GET_TSC_CTL); -4 for 0 or
 *      more.
 *  17. prctl(PR_GET_FP_MODE, 0, 0, 0, 0): -EINVAL on arm64 (GET_FP_MODE is MIPS's); -4
 *      for 0 or more.
 *  18. prctl(PR_GET_ENDIAN, &word, 0, 0, 0): -EINVAL on arm64 (no GET_ENDIAN); -4 for 0
 *      or more.
 *  19. prctl(1000, 0, 0, 0, 0): no such option, -EINVAL; -4 for 0 or more.
 *  20. A vfork child calls prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) and
 *      exits; the parent's prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0) answers 0 (or
 *      -EINVAL): the flag is the child thread's; -4 for 1 or more.
 *  21. clone3(CLONE_PIDFD) whose word is in a MAP_PRIVATE PROT_READ | PROT_WRITE view of
 *      the program's own file opened O_RDONLY: a child whose word holds the lowest free
 *      descriptor (the fault copies the page), or a failure; -4 for another word.
 *  22. prctl(PR_SET_DUMPABLE, 0), then prctl(PR_GET_DUMPABLE): 0 where the set answered
 *      0; -4 for 1 or more.  (The set back to 1 follows.)
 *  23. prctl(PR_SET_KEEPCAPS, 1), then prctl(PR_GET_KEEPCAPS): 1 where the set answered
 *      0; -4 for 0.  (The set back to 0 follows.)
 *  24. prctl(PR_SET_CHILD_SUBREAPER, 1), then prctl(PR_GET_CHILD_SUBREAPER, &word): the
 *      word 1 where both answered 0; -4 for 0.  (The set back to 0 follows.)
 *  25. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), a vfork child execs the
 *      program with -x (the new image exits at once), then the parent's
 *      prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0): 1 where the set answered 0 (the exec
 *      cleared the child's flag only); -4 for 0.
 *  26. prctl(PR_SET_PDEATHSIG, SIGUSR1), fork(): the child's prctl(PR_GET_PDEATHSIG,
 *      &word) stores 0 (copy_process() clears pdeath_signal); the child exits 7 where the
 *      word is 10, the parent labels -4 for 7.  (The set back to 0 follows.)
 *  27. prctl(PR_SET_THP_DISABLE, 1), fork(): the child's PR_GET_THP_DISABLE answers 1
 *      (MMF_DISABLE_THP is in MMF_INIT_MASK); -4 where it answered 0.
 *  28. prctl(PR_SET_NO_NEW_PRIVS, 1), fork(): the child's PR_GET_NO_NEW_PRIVS answers 1
 *      (the atomic flags are copied); -4 where it answered 0.
 *  29. prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0), then prctl(PR_GET_MDWE, 0, 0,
 *      0, 0): 1 where the set answered 0 (MMF_HAS_MDWE is never cleared); -4 for 0.
 *
 *  30. prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN) again (the same bits: 0), then
 *      mmap(PROT_READ | PROT_WRITE | PROT_EXEC) of an anonymous page: -EACCES
 *      (map_deny_write_exec()); -4 for a mapping.
 *  31. An anonymous page mprotect()ed PROT_READ, pkey_mprotect(PROT_READ | PROT_WRITE,
 *      key 0) (0: key 0 is always allocated), then clone3(CLONE_PIDFD) whose word is in
 *      it: a child whose word holds the lowest free descriptor, or a failure; -4 for
 *      another word.  (Runs before step 29.)
 *  32. prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0, 0, 0): one of 0, 2, 3, 5, 9
 *      and 17 (arm64's ssbd_prctl_get()), or an error; -4 for another value.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r72c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r72"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_MDWE_INHERIT 9300
#define P_SPEC_WHICH 9302
#define P_SPEC_CTRL 9304
#define P_AMB_CLEAR 9306
#define P_AMB_LOWER 9308
#define P_FILE_RO_WORD 9310
#define P_FILE_RO_PLAIN 9312
#define P_BADPROT_WORD 9314
#define P_PKEY_WORD 9316
#define P_UNALIGNED_WORD 9318
#define P_TAGGED_FORK 9320
#define P_MDWE_KEPT 9322
#define P_PDEATH_BAD 9324
#define P_DUMPABLE_BAD 9326
#define P_KEEPCAPS_BAD 9328
#define P_TIMING_BAD 9330
#define P_GET_TSC 9332
#define P_GET_FP_MODE 9334
#define P_GET_ENDIAN 9336
#define P_UNKNOWN_OPT 9338
#define P_MDWE_GET_TWO 9340
#define P_VFORK_TAGGED 9342
#define P_PRIV_FILE_WORD 9344
#define P_DUMP_KEPT 9346
#define P_KEEPCAPS_KEPT 9348
#define P_SUBREAPER_KEPT 9350
#define P_VFORK_EXEC_GET 9352
#define P_FORK_PDEATH 9354
#define P_FORK_THP 9356
#define P_FORK_NNP 9358
#define P_MDWE_RWX 9360
#define P_PKEY_ZERO 9362
#define P_SPEC_ODD 9364
/* Each step: P_x before it runs (x2 logbuf, x3 the word, x4 the number expected, x5 the
 * clone_args or 0), P_x + 1 after its write. */
#define CLONE_INTO_CGROUP_ 0x200000000UL
#define PR_SET_TAGGED_ADDR_CTRL 55
#define PR_GET_NO_NEW_PRIVS_ 39
#define PR_SET_NO_NEW_PRIVS_ 38
#define PR_GET_THP_DISABLE_ 42
#define PR_MCE_KILL_GET_ 34
#define PR_GET_SPECULATION_CTRL_ 52
#define PR_SET_SPECULATION_CTRL_ 53
#define PR_GET_AUXV_ 0x41555856L
#define PR_GET_TAGGED_ADDR_CTRL_ 56
#define TAG (0x5AUL << 56)
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"

static uint64_t ca[PAGE / 8];
static int32_t pword[4];

static long lowest_free(void)
{
    long fd = sys6(SYS_dup, devnull, 0, 0, 0, 0, 0);
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    return fd;
}

static void reap(long pid)
{
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    }
}

/* 0..4: -4 where the prctl answers `least` or more, 0 otherwise. */
__attribute__((noinline)) static void bad_prctl_step(int phase, long opt, long a2, long a3,
                                                     long a4, long least)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_prctl, opt, a2, a3, a4, 0, 0);
    log_label(phase, r >= least ? -4 : 0);
}

/* clone3(CLONE_PIDFD) whose word is `word`: 0 for a failure or a child whose word holds
 * the lowest free descriptor; -4 for another word, for any child where `stuck` (Linux
 * makes none), and for -EFAULT where `stuck` is 2 (Linux stores the word). */
__attribute__((noinline)) static int word_clone(int phase, int32_t *word, int32_t *seen,
                                                int stuck)
{
    long low = lowest_free();
    memset(ca, 0, sizeof ca);
    ca[0] = CLONE_PIDFD;
    ca[1] = (uint64_t)(uintptr_t)word;
    ca[4] = SIGCHLD;
    marker(phase, (long)logbuf, (long)word, low, (long)ca);
    long pid = sys6(SYS_clone3, (long)ca, 88, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    reap(pid);
    int got = pid > 0 && seen ? *seen : -1;
    if (pid > 0 && got >= 0)
        sys6(SYS_close, got, 0, 0, 0, 0, 0);
    memset(ca, 0, sizeof ca);
    if (pid == -14)
        return stuck == 2 ? -4 : 0;
    return pid > 0 && (stuck == 1 || got != low) ? -4 : 0;
}


/* 5, 6: the program's own file mapped MAP_SHARED PROT_READ. */
__attribute__((noinline)) static void file_word_step(int phase, const char *path, int try_w)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long fd = sys6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0, 0, 0);
    int label = 0;
    if (fd >= 0) {
        long m = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, fd, 0);
        if (mapped_ok(m)) {
            long r = try_w ? sys6(SYS_mprotect, m, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) : -13;
            if (r == -13)
                label = word_clone(phase, (int32_t *)(m + 256), 0, 1);
            sys6(SYS_munmap, m, PAGE, 0, 0, 0, 0);
        }
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    }
    log_label(phase, label);
}

/* 7..9: an anonymous PROT_READ page, a call that fails before any change, the clone3. */
__attribute__((noinline)) static void failed_prot_step(int phase, int how)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long m = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    int label = 0;
    if (mapped_ok(m)) {
        *(volatile int32_t *)(m + 256) = -1;
        if (sys6(SYS_mprotect, m, PAGE, PROT_READ, 0, 0, 0) == 0) {
            long r;
            if (how == 0)
                r = sys6(SYS_mprotect, m, PAGE, PROT_READ | PROT_WRITE | 0x100, 0, 0, 0);
            else if (how == 1)
                r = sys6(SYS_pkey_mprotect, m, PAGE, PROT_READ | PROT_WRITE, 5, 0, 0);
            else
                r = sys6(SYS_mprotect, m + 1, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0);
            if (r == -22)
                label = word_clone(phase, (int32_t *)(m + 256), 0, 1);
        }
        sys6(SYS_munmap, m, PAGE, 0, 0, 0, 0);
    }
    log_label(phase, label);
}

/* 10: the tagged address ABI in a fork child. */
__attribute__((noinline)) static void tagged_fork_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    int label = 0;
    if (sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0) == 0) {
        long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            long r = sys6(SYS_prctl, PR_GET_TAGGED_ADDR_CTRL_, 0, 0, 0, 0, 0);
            sys6(SYS_exit, r == 0 ? 7 : 0, 0, 0, 0, 0, 0);
        }
        if (pid > 0) {
            int status = 0;
            sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
            label = (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 7 ? -4 : 0;
        }
        sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
    }
    log_label(phase, label);
}

/* 20: the tagged address ABI enabled in a vfork child only. */
__attribute__((noinline)) static void vfork_tagged_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    reap(pid);
    long r = sys6(SYS_prctl, PR_GET_TAGGED_ADDR_CTRL_, 0, 0, 0, 0, 0);
    log_label(phase, r >= 1 ? -4 : 0);
}

/* 21: the clone3's word in a MAP_PRIVATE writable view of a file opened O_RDONLY. */
__attribute__((noinline)) static void priv_file_word_step(int phase, const char *path)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long fd = sys6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0, 0, 0);
    int label = 0;
    if (fd >= 0) {
        long m = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
        if (mapped_ok(m)) {
            label = word_clone(phase, (int32_t *)(m + 256), (int32_t *)(m + 256), 0);
            sys6(SYS_munmap, m, PAGE, 0, 0, 0, 0);
        }
    }
    log_label(phase, label);
}

/* 22..24: a get after a set the kernel answered 0; -4 where the get reports the old
 * state: the value `bad` (a return, or the word where `word` is set). */
__attribute__((noinline)) static void kept_step(int phase, long set, long on, long off,
                                                long get, int word, long bad)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    int label = 0;
    if (sys6(SYS_prctl, set, on, 0, 0, 0, 0) == 0) {
        pword[0] = -1;
        long r = sys6(SYS_prctl, get, word ? (long)pword : 0, 0, 0, 0, 0);
        if (word)
            r = r == 0 ? pword[0] : -1;
        label = r == bad ? -4 : 0;
        sys6(SYS_prctl, set, off, 0, 0, 0, 0);
    }
    log_label(phase, label);
}

/* 25: the parent's tagged address ABI after its vfork child's execve(). */
__attribute__((noinline)) static void vfork_exec_get_step(int phase, char *self)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    int label = 0;
    if (sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0) == 0) {
        long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            char *args[] = {self, "-x", 0};
            char *envp[] = {0};
            sys6(SYS_execve, (long)self, (long)args, (long)envp, 0, 0, 0);
            sys6(SYS_exit, 1, 0, 0, 0, 0, 0);
        }
        reap(pid);
        label = sys6(SYS_prctl, PR_GET_TAGGED_ADDR_CTRL_, 0, 0, 0, 0, 0) == 0 ? -4 : 0;
        sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
    }
    log_label(phase, label);
}

/* 26..28: a prctl set, then a get in a fork child; -4 where the child saw `bad` (a
 * return, or the word where `word` is set). */
__attribute__((noinline)) static void fork_get_step(int phase, long set, long on, long off,
                                                    long get, int word, long bad)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    int label = 0;
    if (sys6(SYS_prctl, set, on, 0, 0, 0, 0) == 0) {
        long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            pword[0] = -1;
            long r = sys6(SYS_prctl, get, word ? (long)pword : 0, 0, 0, 0, 0);
            if (word)
                r = r == 0 ? pword[0] : -1;
            sys6(SYS_exit, r == bad ? 7 : 0, 0, 0, 0, 0, 0);
        }
        if (pid > 0) {
            int status = 0;
            sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
            label = (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 7 ? -4 : 0;
        }
        if (off >= 0)
            sys6(SYS_prctl, set, off, 0, 0, 0, 0);
    }
    log_label(phase, label);
}

/* 29: PR_GET_MDWE after PR_SET_MDWE(PR_MDWE_REFUSE_EXEC_GAIN) answered 0. */
__attribute__((noinline)) static void mdwe_kept_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    int label = 0;
    if (sys6(SYS_prctl, 65, 1, 0, 0, 0, 0) == 0)
        label = sys6(SYS_prctl, 66, 0, 0, 0, 0, 0) == 0 ? -4 : 0;
    log_label(phase, label);
}

/* 31: pkey_mprotect() with key 0. */
__attribute__((noinline)) static void pkey_zero_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long m = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    int label = 0;
    if (mapped_ok(m)) {
        *(volatile int32_t *)(m + 256) = -1;
        if (sys6(SYS_mprotect, m, PAGE, PROT_READ, 0, 0, 0) == 0 &&
            sys6(SYS_pkey_mprotect, m, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0)
            label = word_clone(phase, (int32_t *)(m + 256), (int32_t *)(m + 256), 0);
        sys6(SYS_munmap, m, PAGE, 0, 0, 0, 0);
    }
    log_label(phase, label);
}

/* 32: the store-bypass state, one of the values ssbd_prctl_get() returns. */
__attribute__((noinline)) static void spec_odd_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_prctl, PR_GET_SPECULATION_CTRL_, 0, 0, 0, 0, 0);
    int known = r < 0 || r == 0 || r == 2 || r == 3 || r == 5 || r == 9 || r == 17;
    log_label(phase, known ? 0 : -4);
}

/* 30: a writable, executable mapping under MDWE. */
__attribute__((noinline)) static void mdwe_rwx_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    int label = 0;
    if (sys6(SYS_prctl, 65, 1, 0, 0, 0, 0) == 0) {
        long m = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapped_ok(m)) {
            label = -4;
            sys6(SYS_munmap, m, PAGE, 0, 0, 0, 0);
        }
    }
    log_label(phase, label);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        if (strcmp(argv[i], "-x") == 0)
            return 0;
    }
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 1;
    }
    for (int i = 0; i < 16; i++)
        stackbuf[i] = 0;
    for (int i = 0; i < SECRET_LEN; i++)
        stackbuf[16 + i] = ((uint8_t *)secret)[i];
    long mapped = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (!mapped_ok(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    marker(P_PLACED, (long)logbuf, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    bad_prctl_step(P_MDWE_INHERIT, 65, 2, 0, 0, 0);
    bad_prctl_step(P_SPEC_WHICH, PR_GET_SPECULATION_CTRL_, 9, 0, 0, 0);
    bad_prctl_step(P_SPEC_CTRL, PR_SET_SPECULATION_CTRL_, 0, 0x100, 0, 0);
    bad_prctl_step(P_AMB_CLEAR, 47, 4, 5, 0, 0);
    bad_prctl_step(P_AMB_LOWER, 47, 3, 0, 0, 1);
    file_word_step(P_FILE_RO_WORD, argv[0], 1);
    file_word_step(P_FILE_RO_PLAIN, argv[0], 0);
    failed_prot_step(P_BADPROT_WORD, 0);
    failed_prot_step(P_PKEY_WORD, 1);
    failed_prot_step(P_UNALIGNED_WORD, 2);
    tagged_fork_step(P_TAGGED_FORK);
    bad_prctl_step(P_MDWE_GET_TWO, 66, 0, 0, 0, 2);
    bad_prctl_step(P_PDEATH_BAD, 1, 65, 0, 0, 0);
    bad_prctl_step(P_DUMPABLE_BAD, 4, 2, 0, 0, 0);
    bad_prctl_step(P_KEEPCAPS_BAD, 8, 2, 0, 0, 0);
    bad_prctl_step(P_TIMING_BAD, 14, 1, 0, 0, 0);
    bad_prctl_step(P_GET_TSC, 25, (long)pword, 0, 0, 0);
    bad_prctl_step(P_GET_FP_MODE, 46, 0, 0, 0, 0);
    bad_prctl_step(P_GET_ENDIAN, 19, (long)pword, 0, 0, 0);
    bad_prctl_step(P_UNKNOWN_OPT, 1000, 0, 0, 0, 0);
    vfork_tagged_step(P_VFORK_TAGGED);
    priv_file_word_step(P_PRIV_FILE_WORD, argv[0]);
    kept_step(P_DUMP_KEPT, 4, 0, 1, 3, 0, 1);
    kept_step(P_KEEPCAPS_KEPT, 8, 1, 0, 7, 0, 0);
    kept_step(P_SUBREAPER_KEPT, 36, 1, 0, 37, 1, 0);
    vfork_exec_get_step(P_VFORK_EXEC_GET, argv[0]);
    fork_get_step(P_FORK_PDEATH, 1, 10, 0, 2, 1, 10);
    fork_get_step(P_FORK_THP, 41, 1, 0, 42, 0, 0);
    fork_get_step(P_FORK_NNP, 38, 1, -1, 39, 0, 0);
    pkey_zero_step(P_PKEY_ZERO);
    spec_odd_step(P_SPEC_ODD);
    mdwe_kept_step(P_MDWE_KEPT);
    mdwe_rwx_step(P_MDWE_RWX);

    int bad = memcmp((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
    for (int i = 0; i < SECRET_LEN; i++)
        bad |= stackbuf[16 + i] != ((uint8_t *)secret)[i];
    sha256_secret((const uint8_t *)secret, digest);
    memcpy(hex, "secret: sha256=", 15);
    for (int i = 0; i < 32; i++) {
        hex[15 + 2 * i] = "0123456789abcdef"[digest[i] >> 4];
        hex[16 + 2 * i] = "0123456789abcdef"[digest[i] & 15];
    }
    hex[79] = '\n';
    if (show_digest)
        sys6(SYS_write, 1, (long)hex, 80, 0, 0, 0);
    marker(P_END, bad, 0, 0, 0);
    say(bad ? "secret: TAMPERED\n" : "secret: intact\n");
    return bad ? 3 : 0;
}
