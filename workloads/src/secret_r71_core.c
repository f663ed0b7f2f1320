/* The attack target of red-team round 71c: prctl options whose unused arguments are set
 * (-EINVAL), the tagged address ABI with an MTE bit and across a failed execve(), and
 * clone3(CLONE_PIDFD) words in writable memory that may fault (a MAP_SHARED memfd page
 * past the file's end, an anonymous page after MADV_DONTNEED) or above TASK_SIZE.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into the index
 * of a label (-4: the secret's first 8 bytes).  In the order they run:
 *
 *   0. prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0): -EINVAL; -4 for 0.
 *   1. prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0): -EINVAL; -4 for 0 or more.
 *   2. prctl(PR_GET_THP_DISABLE, 1, 0, 0, 0): -EINVAL; -4 for 0 or more.
 *   3. prctl(PR_MCE_KILL_GET, 1, 0, 0, 0): -EINVAL; -4 for 0 or more.
 *   4. prctl(PR_SET_SPECULATION_CTRL, 0, 0, 1, 0): -EINVAL (arg4); -4 for 0 or more.
 *   5. prctl(PR_GET_SPECULATION_CTRL, 0, 1, 0, 0): -EINVAL (arg3); -4 for 0 or more.
 *   6. prctl(PR_GET_AUXV, buf, 64, 1, 0): -EINVAL (arg4); -4 for 0 or more.
 *   7. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC): -EINVAL
 *      without MTE; -4 for 0.
 *   8. (With the argument -m.)  clone3(CLONE_PIDFD) whose word is in a MAP_SHARED memfd page past the file's end:
 *      -EFAULT, no child; -4 for any child.
 *   9. clone3(CLONE_PIDFD) whose word is in an anonymous page after MADV_DONTNEED: 0 for
 *      a child whose word holds the lowest free descriptor or a failure, -4 otherwise.
 *  10. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), execve() of a missing path
 *      (-ENOENT: the flag is kept), clone3 whose word is a tagged pointer to a global: 0
 *      for a child whose word holds the lowest free descriptor, -4 for -EFAULT or another
 *      word.
 *  11. clone3(CLONE_PIDFD) whose word is a global with bit 48 set: -EFAULT, no child; -4
 *      for any child.
 *  12. close(900), then clone3({CLONE_INTO_CGROUP, exit_signal SIGCHLD, cgroup 900}, 88):
 *      descriptor 900 is not open, -EBADF; -4 for any child.
 *  13. As 12 with cgroup 1 << 32: -EINVAL; -4 for any child.
 *  14. As 12 with a struct of 64 bytes (no cgroup field): -EINVAL; -4 for any child.
 *  15. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), a vfork child execs the
 *      program with -x (the new image exits at once), then the parent's clone3 with the
 *      tagged pidfd word, labelled as 10.
 *  16. prctl(PR_GET_MDWE, 1, 0, 0, 0): -EINVAL; -4 for 0 or more.
 *  17. prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 1, 0, 0): -EINVAL (arg3); -4 for 0.
 *  18. prctl(PR_GET_MEMORY_MERGE, 1, 0, 0, 0): -EINVAL; -4 for 0 or more.
 *  19. prctl(PR_PAC_GET_ENABLED_KEYS, 1, 0, 0, 0): -EINVAL; -4 for 0 or more.
 *  20. prctl(PR_PAC_RESET_KEYS, 0, 1, 0, 0): -EINVAL (arg3); -4 for 0.
 *  21. prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0, 1, 0): -EINVAL (arg4); -4 for 0
 *      or more.
 *  22. prctl(PR_CAPBSET_READ, 200, 0, 0, 0): no such capability, -EINVAL; -4 for 0 or more.
 *  23. prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0) in a thread that never enabled the
 *      tagged address ABI: 0 (or -EINVAL); -4 for 1 or more.
 *  24. clone3({CLONE_INTO_CGROUP, exit_signal SIGCHLD, cgroup = /dev/null's descriptor},
 *      88): not a cgroup directory, -EBADF; -4 for any child.
 *  25. clone3(CLONE_PIDFD) whose word is in an anonymous page mprotect()ed PROT_READ:
 *      -EFAULT, no child; -4 for any child.
 *  26. As 25 with PROT_NONE.
 *  27. clone3({CLONE_PARENT, exit_signal SIGCHLD}, 88): -EINVAL (clone3_args_valid():
 *      CLONE_PARENT takes no exit_signal); -4 for any child.
 *  28. clone3({exit_signal SIGCHLD, stack 0, stack_size 64 KiB}, 88): -EINVAL.
 *  29. clone3({flags 1 << 40, exit_signal SIGCHLD}, 88): an unknown flag, -EINVAL.
 *  30. clone3({CLONE_DETACHED, exit_signal SIGCHLD}, 88): -EINVAL.
 *  31. clone3({exit_signal SIGCHLD}, 96) with byte 88 nonzero: -E2BIG
 *      (copy_struct_from_user()).
 *  32. clone3({exit_signal 65}, 88): not a valid signal, -EINVAL.
 *  33. (With the argument -q.)  As 8 with the memfd mapped MAP_PRIVATE (the page past
 *      the file's end is never CoW'd before the clone3: the fault reads the file, SIGBUS).
 *  34. prctl(PR_SET_TAGGED_ADDR_CTRL | 1 << 32, PR_TAGGED_ADDR_ENABLE, 1, 0, 0): prctl()'s
 *      option is an int, so this is PR_SET_TAGGED_ADDR_CTRL with a nonzero arg3,
 *      -EINVAL; -4 for 0.
 *  35. prctl(PR_SET_NO_NEW_PRIVS | 1 << 32, 1, 0, 0, 0): PR_SET_NO_NEW_PRIVS, 0; -4 for 1
 *      or more (0 and failures are 0).
 *  36. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then clone3({exit_signal
 *      SIGCHLD}, 88) through a tagged clone_args pointer: a child; -4 for -EFAULT.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r71c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r71"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before it runs (x2 logbuf, x3 the word, x4 the number expected, x5 the
 * clone_args or 0), P_x + 1 after its write. */
#define P_NNP_SET 9000
#define P_NNP_GET 9002
#define P_THP_GET 9004
#define P_MCE_GET 9006
#define P_SPEC_SET 9008
#define P_SPEC_GET 9010
#define P_AUXV_ARG 9012
#define P_MTE_BIT 9014
#define P_MEMFD_END 9016
#define P_DONTNEED 9018
#define P_EXEC_FAILED 9020
#define P_HIGH_WORD 9022
#define P_CGROUP_BADF 9024
#define P_CGROUP_BIG 9026
#define P_CGROUP_V0 9028
#define P_VFORK_EXEC 9030
#define P_MDWE_GET 9032
#define P_MDWE_SET 9034
#define P_MERGE_GET 9036
#define P_PAC_GET 9038
#define P_PAC_RESET 9040
#define P_AMBIENT_IS_SET 9042
#define P_CAPBSET_BAD 9044
#define P_TAGGED_GET 9046
#define P_CGROUP_FILE 9048
#define P_RDONLY_WORD 9050
#define P_NONE_WORD 9052
#define P_C3_PARENT_SIG 9054
#define P_C3_STACK_SIZE 9056
#define P_C3_FLAG40 9058
#define P_C3_DETACHED 9060
#define P_C3_TRAILING 9062
#define P_C3_SIG65 9064
#define P_MEMFD_PRIV 9066
#define P_TAGGED_HIGH 9068
#define P_NNP_HIGH 9070
#define P_TAGGED_ARGS 9072
#define CLONE_INTO_CGROUP_ 0x200000000UL
#define PR_SET_TAGGED_ADDR_CTRL 55
#define PR_GET_NO_NEW_PRIVS_ 39
#define PR_SET_NO_NEW_PRIVS_ 38
#define PR_GET_THP_DISABLE_ 42
#define PR_MCE_KILL_GET_ 34
#define PR_GET_SPECULATION_CTRL_ 52
#define PR_SET_SPECULATION_CTRL_ 53
#define PR_GET_AUXV_ 0x41555856L
#define TAG (0x5AUL << 56)
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"

static uint64_t ca[PAGE / 8];
static int32_t tagged_word[4];
static uint8_t auxv[64];

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

/* 0..6: a prctl whose unused argument is set is -EINVAL (kernel/sys.c, prctl()); -4 where
 * it answers `least` or more, 0 otherwise. */
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

/* 7: PR_SET_TAGGED_ADDR_CTRL with PR_MTE_TCF_SYNC on a CPU without MTE: -EINVAL
 * (set_tagged_addr_ctrl(): valid_mask is PR_TAGGED_ADDR_ENABLE alone); -4 for 0. */
__attribute__((noinline)) static void mte_bit_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1 | 2, 0, 0, 0, 0);
    if (r == 0)
        sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
    log_label(phase, r == 0 ? -4 : 0);
}

/* 8: a MAP_SHARED memfd mapping of two pages, the memfd cut to one: the clone3 whose word
 * is in the second page faults (shmem_fault() past i_size: VM_FAULT_SIGBUS), -EFAULT,
 * no child; -4 for any child. */
__attribute__((noinline)) static void memfd_end_step(int phase, int share)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long fd = sys6(SYS_memfd_create, (long)"r71", 0, 0, 0, 0, 0);
    int label = 0;
    if (fd >= 0 && sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) == 0) {
        long m = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, share, fd, 0);
        if (mapped_ok(m) && sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0)
            label = word_clone(phase, (int32_t *)(m + PAGE + 64), 0, 1);
        if (mapped_ok(m))
            sys6(SYS_munmap, m, 2 * PAGE, 0, 0, 0, 0);
    }
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    log_label(phase, label);
}

/* 9: an anonymous page written, then MADV_DONTNEED: the clone3 whose word is in it
 * (a fresh zero page at the fault, do_anonymous_page()); labelled as word_clone(0). */
__attribute__((noinline)) static void dontneed_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long m = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    int label = 0;
    if (mapped_ok(m)) {
        *(volatile uint8_t *)m = 1;
        sys6(SYS_madvise, m, PAGE, MADV_DONTNEED, 0, 0, 0);
        label = word_clone(phase, (int32_t *)(m + 128), (int32_t *)(m + 128), 0);
        sys6(SYS_munmap, m, PAGE, 0, 0, 0, 0);
    }
    log_label(phase, label);
}

/* 10: prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then an execve() of a path
 * that does not exist (-ENOENT before the point of no return: TIF_TAGGED_ADDR kept), then
 * the clone3 whose word is the tagged global: 0 for a child whose word holds the lowest
 * free descriptor or a failure other than -EFAULT, -4 otherwise. */
__attribute__((noinline)) static void exec_failed_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long on = sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0);
    int label = 0;
    if (on == 0) {
        char *args[] = {"/nonexistent/r71", 0};
        char *envp[] = {0};
        long e = sys6(SYS_execve, (long)args[0], (long)args, (long)envp, 0, 0, 0);
        tagged_word[0] = -1;
        if (e == -2)
            label = word_clone(phase, (int32_t *)((uintptr_t)tagged_word | TAG),
                               tagged_word, 2);
        sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
    }
    log_label(phase, label);
}

/* 11: the clone3 whose word is the global with bit 48 set (above TASK_SIZE, top byte 0:
 * access_ok() refuses it with or without the tagged address ABI), -EFAULT, no child;
 * -4 for any child. */
__attribute__((noinline)) static void high_word_step(int phase)
{
    tagged_word[0] = -1;
    log_label(phase, word_clone(phase, (int32_t *)((uintptr_t)tagged_word | 1UL << 48), 0,
                                1));
}

/* 12..14: close(cgroup), then clone3(CLONE_INTO_CGROUP) with that descriptor not open (900:
 * cgroup_css_set_fork(), -EBADF), past INT_MAX (copy_clone_args_from_user(), -EINVAL) or
 * with a struct of 64 bytes, before the cgroup field (-EINVAL): no child; -4 for any
 * child. */
__attribute__((noinline)) static void cgroup_step(int phase, uint64_t cgroup, long size)
{
    if (cgroup == 900)
        sys6(SYS_close, 900, 0, 0, 0, 0, 0);
    memset(ca, 0, sizeof ca);
    ca[0] = CLONE_INTO_CGROUP_;
    ca[4] = SIGCHLD;
    ca[10] = cgroup;
    marker(phase, (long)logbuf, 0, 0, (long)ca);
    long pid = sys6(SYS_clone3, (long)ca, size, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    reap(pid);
    memset(ca, 0, sizeof ca);
    log_label(phase, pid >= 0 ? -4 : 0);
}

/* 15: prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then a vfork child execs the
 * program with -x (its new image exits at once; execve() clears the child's flag, not its
 * parent's), then the parent's clone3 with the tagged pidfd word: labelled as 10. */
__attribute__((noinline)) static void vfork_exec_step(int phase, char *self)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long on = sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0);
    int label = 0;
    if (on == 0) {
        long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            char *args[] = {self, "-x", 0};
            char *envp[] = {0};
            sys6(SYS_execve, (long)self, (long)args, (long)envp, 0, 0, 0);
            sys6(SYS_exit, 1, 0, 0, 0, 0, 0);
        }
        reap(pid);
        tagged_word[0] = -1;
        label = word_clone(phase, (int32_t *)((uintptr_t)tagged_word | TAG), tagged_word, 2);
        sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
    }
    log_label(phase, label);
}

/* 25, 26: the clone3 whose word is in an anonymous page the program mprotect()ed to
 * PROT_READ or PROT_NONE: put_user() faults (access_error()), -EFAULT, no child; -4 for
 * any child. */
__attribute__((noinline)) static void prot_word_step(int phase, int prot)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long m = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    int label = 0;
    if (mapped_ok(m)) {
        *(volatile int32_t *)(m + 256) = -1;
        if (sys6(SYS_mprotect, m, PAGE, prot, 0, 0, 0) == 0)
            label = word_clone(phase, (int32_t *)(m + 256), 0, 1);
        sys6(SYS_munmap, m, PAGE, 0, 0, 0, 0);
    }
    log_label(phase, label);
}

/* 27..32: clone3 calls Linux refuses before any child (copy_clone_args_from_user(),
 * clone3_args_valid()): -4 for any child, 0 otherwise. */
__attribute__((noinline)) static void clone3_bad_step(int phase, uint64_t flags, uint64_t sig,
                                                      uint64_t stack_size, long size)
{
    memset(ca, 0, sizeof ca);
    ca[0] = flags;
    ca[4] = sig;
    ca[6] = stack_size;
    if (size > 88)
        ca[11] = 1;
    marker(phase, (long)logbuf, 0, 0, (long)ca);
    long pid = sys6(SYS_clone3, (long)ca, size, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    reap(pid);
    memset(ca, 0, sizeof ca);
    log_label(phase, pid >= 0 ? -4 : 0);
}

/* 36: prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then clone3 whose clone_args
 * pointer is tagged ({exit_signal SIGCHLD}): copy_struct_from_user() -> access_ok()
 * untags it, a child; -4 for -EFAULT, 0 otherwise. */
__attribute__((noinline)) static void tagged_args_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long on = sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0);
    int label = 0;
    if (on == 0) {
        memset(ca, 0, sizeof ca);
        ca[4] = SIGCHLD;
        marker(phase, (long)logbuf, 0, 0, (long)ca | (long)TAG);
        long pid = sys6(SYS_clone3, (long)((uintptr_t)ca | TAG), 88, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        reap(pid);
        memset(ca, 0, sizeof ca);
        label = pid == -14 ? -4 : 0;
        sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
    }
    log_label(phase, label);
}

int main(int argc, char **argv)
{
    int show_digest = 0, memfd_step = 0, private_step = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        memfd_step |= strcmp(argv[i], "-m") == 0;
        private_step |= strcmp(argv[i], "-q") == 0;
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
    bad_prctl_step(P_NNP_SET, PR_SET_NO_NEW_PRIVS_, 1, 1, 0, 0);
    bad_prctl_step(P_NNP_GET, PR_GET_NO_NEW_PRIVS_, 1, 0, 0, 0);
    bad_prctl_step(P_THP_GET, PR_GET_THP_DISABLE_, 1, 0, 0, 0);
    bad_prctl_step(P_MCE_GET, PR_MCE_KILL_GET_, 1, 0, 0, 0);
    bad_prctl_step(P_SPEC_SET, PR_SET_SPECULATION_CTRL_, 0, 0, 1, 0);
    bad_prctl_step(P_SPEC_GET, PR_GET_SPECULATION_CTRL_, 0, 1, 0, 0);
    bad_prctl_step(P_AUXV_ARG, PR_GET_AUXV_, (long)auxv, sizeof auxv, 1, 0);
    mte_bit_step(P_MTE_BIT);
    if (memfd_step)
        memfd_end_step(P_MEMFD_END, MAP_SHARED);
    if (private_step)
        memfd_end_step(P_MEMFD_PRIV, MAP_PRIVATE);
    dontneed_step(P_DONTNEED);
    exec_failed_step(P_EXEC_FAILED);
    high_word_step(P_HIGH_WORD);
    cgroup_step(P_CGROUP_BADF, 900, 88);
    cgroup_step(P_CGROUP_BIG, 1UL << 32, 88);
    cgroup_step(P_CGROUP_V0, 900, 64);
    vfork_exec_step(P_VFORK_EXEC, argv[0]);
    bad_prctl_step(P_MDWE_GET, 66, 1, 0, 0, 0);
    bad_prctl_step(P_MDWE_SET, 65, 1, 1, 0, 0);
    bad_prctl_step(P_MERGE_GET, 68, 1, 0, 0, 0);
    bad_prctl_step(P_PAC_GET, 61, 1, 0, 0, 0);
    bad_prctl_step(P_PAC_RESET, 54, 0, 1, 0, 0);
    bad_prctl_step(P_AMBIENT_IS_SET, 47, 1, 0, 1, 0);
    bad_prctl_step(P_CAPBSET_BAD, 23, 200, 0, 0, 0);
    bad_prctl_step(P_TAGGED_GET, 56, 0, 0, 0, 1);
    cgroup_step(P_CGROUP_FILE, (uint64_t)devnull, 88);
    prot_word_step(P_RDONLY_WORD, PROT_READ);
    prot_word_step(P_NONE_WORD, PROT_NONE);
    clone3_bad_step(P_C3_PARENT_SIG, CLONE_PARENT, SIGCHLD, 0, 88);
    clone3_bad_step(P_C3_STACK_SIZE, 0, SIGCHLD, 65536, 88);
    clone3_bad_step(P_C3_FLAG40, 1UL << 40, SIGCHLD, 0, 88);
    clone3_bad_step(P_C3_DETACHED, 0x400000, SIGCHLD, 0, 88);
    clone3_bad_step(P_C3_TRAILING, 0, SIGCHLD, 0, 96);
    clone3_bad_step(P_C3_SIG65, 0, 65, 0, 88);
    bad_prctl_step(P_TAGGED_HIGH, 55 | 1L << 32, 1, 1, 0, 0);
    bad_prctl_step(P_NNP_HIGH, 38 | 1L << 32, 1, 0, 0, 1);
    tagged_args_step(P_TAGGED_ARGS);

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
