/* The attack target of red-team round 70c: clone3(CLONE_PIDFD) -EFAULTs Linux gives where
 * the stack may not grow (RLIMIT_STACK lowered from outside, RLIMIT_AS, stack_guard_gap),
 * and the tagged address ABI across fork, exec and its disabling.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into the index
 * of a label.  In the order they run:
 *
 *   0. (First of all.)  clone3(CLONE_PIDFD) whose word is 512 KiB below the stack
 *      pointer: the stack grows there, or -EFAULT where the RLIMIT_STACK another process
 *      set (prlimit64 from outside the program) refuses the growth; 0 for -EFAULT, another
 *      failure or a child whose word holds the lowest free descriptor, -4 otherwise.
 *   1. (With the argument -a.)  setrlimit(RLIMIT_AS, {64 KiB, inf}), then the clone3 of 0:
 *      may_expand_vm() refuses the growth, -EFAULT; 0 for a failure, -4 for any child.
 *      RLIMIT_AS goes back to unlimited.
 *   2. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then a fork child (which
 *      inherits TIF_TAGGED_ADDR) calls clone3(CLONE_PIDFD) whose word is a writable global
 *      named by a pointer with top byte 0x5A: 0 for a grandchild whose word holds the
 *      lowest free descriptor or a failure other than -EFAULT, -4 for -EFAULT or another
 *      word.  The parent disables the ABI again after reaping it.
 *   3. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then a fork child execs the
 *      program again with -t (execve() clears TIF_TAGGED_ADDR); the new image's clone3
 *      with the tagged pidfd word: 0 for -EFAULT or another failure, -4 for a child (the
 *      image exits with 4 and the parent logs the label).
 *   4. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then prctl(..., 0) (cleared
 *      again), then the clone3 with the tagged pidfd word, labelled as 3.
 *   5. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE, 1, 0, 0): a nonzero arg3,
 *      -EINVAL; -4 where it answers 0 (the ABI is then disabled again), 0 otherwise.
 *   6. (With the argument -l.)  setrlimit(RLIMIT_STACK, {64 KiB, inf}) (below the stack
 *      already in use), then the clone3 of 0: acct_stack_growth() refuses, -EFAULT; 0 for
 *      a failure, -4 for any child.  The limit goes back to 8 MiB.
 *   7. mmap(MAP_FIXED) of one page 2 MiB below the stack pointer, then the
 *      clone3 of 0 (-EFAULT where stack_guard_gap is set above 2 MiB on the kernel's
 *      command line), labelled as 0.
 *   8. prlimit64(getpid(), RLIMIT_STACK, {64 MiB, inf}) (the program's own pid: its own
 *      limit, raised), then the clone3 of 0 with its word 768 KiB below the stack
 *      pointer (below any page touched before): the stack grows, 0 for a child whose word
 *      holds the lowest free descriptor or a failure other than -EFAULT, -4 otherwise.
 *      The limit goes back to 8 MiB.
 *   9. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then a vfork child
 *      (CLONE_VM | CLONE_VFORK, which inherits TIF_TAGGED_ADDR) makes the clone3 of 2.
 *  10. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE | 1 << 40): an unknown bit,
 *      -EINVAL; -4 where it answers 0.
 *  11. prctl(PR_GET_TAGGED_ADDR_CTRL, 1, 0, 0, 0): a nonzero arg2, -EINVAL; -4 where it
 *      answers 0 or more.
 *  12. clone(CLONE_SETTLS | SIGCHLD, 0, 0, tls, 0): the child starts with TPIDR_EL0 = tls
 *      (copy_thread()); the child chooses -4 for another value.
 *  13. As 12 with clone3({CLONE_SETTLS, exit_signal SIGCHLD, tls}).
 *  14. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then setrlimit(RLIMIT_STACK)
 *      through a tagged pointer to {64 MiB, inf}, then clone3(CLONE_PIDFD) whose word is
 *      896 KiB below the stack pointer: the stack grows; 0 for a child whose word holds
 *      the lowest free descriptor or a failure other than -EFAULT, -4 otherwise.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r70c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r70"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before it runs (x2 logbuf, x3 the word, x4 the number expected, x5 the
 * clone_args or 0), P_x + 1 after its write. */
#define P_OUTSIDE_LIMIT 8700
#define P_AS_LIMIT 8702
#define P_FORK_TAGGED 8704
#define P_EXEC_TAGGED 8706
#define P_DISABLED_TAGGED 8708
#define P_BAD_PRCTL 8710
#define P_LOWERED_LIMIT 8712
#define P_GAP_BELOW 8714
#define P_SELF_PRLIMIT 8716
#define P_VFORK_TAGGED 8718
#define P_BAD_TAG_BITS 8720
#define P_BAD_GET 8722
#define P_SETTLS 8724
#define P_SETTLS3 8726
#define P_TAGGED_RLIMIT 8728
#define PR_GET_TAGGED_ADDR_CTRL 56
#define RLIMIT_AS_ 9
#define PR_SET_TAGGED_ADDR_CTRL 55
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

static long lowest_free(void)
{
    long fd = sys6(SYS_dup, 0, 0, 0, 0, 0, 0);
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

static void set_limit(int resource, unsigned long soft)
{
    unsigned long lim[2] = {soft, ~0UL};
    sys6(SYS_prlimit64, 0, resource, (long)lim, 0, 0, 0);
}

/* clone3(CLONE_PIDFD) whose word is `below` bytes under the stack pointer: 0 for -EFAULT,
 * another failure or a child whose word holds the lowest free descriptor, -4 otherwise;
 * where the stack cannot grow there (`stuck` 1), -4 for any child; where it surely grows
 * there (`stuck` 2), -4 for -EFAULT too. */
__attribute__((noinline)) static int stack_word_clone(int phase, long below, int stuck)
{
    volatile uint8_t here[16];
    here[0] = 0;
    int32_t *word = (int32_t *)(((uintptr_t)here - below) & ~(uintptr_t)3);
    long low = lowest_free();
    memset(ca, 0, sizeof ca);
    ca[0] = CLONE_PIDFD;
    ca[1] = (uint64_t)word;
    ca[4] = SIGCHLD;
    marker(phase, (long)logbuf, (long)word, low, (long)ca);
    long pid = sys6(SYS_clone3, (long)ca, 88, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    reap(pid);
    int got = pid > 0 ? *word : -1;
    if (pid > 0 && got >= 0)
        sys6(SYS_close, got, 0, 0, 0, 0, 0);
    memset(ca, 0, sizeof ca);
    if (pid == -14)
        return stuck == 2 ? -4 : 0;
    return pid > 0 && (stuck == 1 || got != low) ? -4 : 0;
}

/* clone3(CLONE_PIDFD) whose word is the tagged global: `tagged` says whether the calling
 * thread has TIF_TAGGED_ADDR.  Tagged: 0 for a child whose word holds the lowest free
 * descriptor or a failure other than -EFAULT, -4 otherwise; untagged: 0 for a failure,
 * -4 for a child. */
__attribute__((noinline)) static int tagged_clone(int phase, int tagged)
{
    long low = lowest_free();
    tagged_word[0] = -1;
    memset(ca, 0, sizeof ca);
    ca[0] = CLONE_PIDFD;
    ca[1] = (uint64_t)(uintptr_t)tagged_word | TAG;
    ca[4] = SIGCHLD;
    marker(phase, (long)logbuf, (long)ca[1], low, (long)ca);
    long pid = sys6(SYS_clone3, (long)ca, 88, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    reap(pid);
    int got = pid > 0 ? tagged_word[0] : -1;
    if (pid > 0 && got >= 0)
        sys6(SYS_close, got, 0, 0, 0, 0, 0);
    memset(ca, 0, sizeof ca);
    if (!tagged)
        return pid > 0 ? -4 : 0;
    return pid == -14 || (pid > 0 && got != low) ? -4 : 0;
}

/* 0: RLIMIT_STACK as another process may have set it. */
__attribute__((noinline)) static void outside_limit_step(int phase)
{
    log_label(phase, stack_word_clone(phase, 512L << 10, 0));
}

/* 1: RLIMIT_AS refuses the stack's growth. */
__attribute__((noinline)) static void as_limit_step(int phase)
{
    set_limit(RLIMIT_AS_, 64L << 10);
    int label = stack_word_clone(phase, 512L << 10, 1);
    set_limit(RLIMIT_AS_, ~0UL);
    log_label(phase, label);
}

/* 2: a fork child inherits TIF_TAGGED_ADDR. */
__attribute__((noinline)) static void fork_tagged_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long on = sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0);
    if (on != 0) {
        log_label(phase, 0);
        return;
    }
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        log_label(phase, tagged_clone(phase, 1));
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    reap(pid);
    sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
}

/* 3, in the image exec'd with -t: execve() cleared TIF_TAGGED_ADDR.  The image holds no
 * secret: it exits with 4 where it chose -4, and its parent logs that label. */
static int exec_stage(void)
{
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    int label = tagged_clone(P_EXEC_TAGGED, 0);
    sys6(SYS_exit_group, label == -4 ? 4 : 0, 0, 0, 0, 0, 0);
    return 0;
}

/* 3: a fork child execs the program with the tagged address ABI enabled. */
__attribute__((noinline)) static void exec_tagged_step(char *self)
{
    marker(P_EXEC_TAGGED, (long)logbuf, 0, 0, 0);
    long on = sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        char *args[] = {self, "-t", 0};
        char *envp[] = {0};
        sys6(SYS_execve, (long)self, (long)args, (long)envp, 0, 0, 0);
        sys6(SYS_exit_group, 1, 0, 0, 0, 0, 0);
    }
    int status = 0;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    if (on == 0)
        sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
    log_label(P_EXEC_TAGGED, (status & 0x7f) == 0 && (status >> 8 & 0xff) == 4 ? -4 : 0);
}

/* 4: the tagged address ABI enabled, then disabled again. */
__attribute__((noinline)) static void disabled_tagged_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0);
    long off = sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
    log_label(phase, off == 0 ? tagged_clone(phase, 0) : 0);
}

/* 5: PR_SET_TAGGED_ADDR_CTRL with a nonzero arg3 (-EINVAL). */
__attribute__((noinline)) static void bad_prctl_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 1, 0, 0, 0);
    if (r == 0)
        sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
    log_label(phase, r == 0 ? -4 : 0);
}

/* 6: RLIMIT_STACK lowered below the stack already in use. */
__attribute__((noinline)) static void lowered_limit_step(int phase)
{
    set_limit(RLIMIT_STACK, 64L << 10);
    int label = stack_word_clone(phase, 512L << 10, 1);
    set_limit(RLIMIT_STACK, 8L << 20);
    log_label(phase, label);
}

/* 7: a page mapped 2 MiB below the stack pointer (a boot-time stack_guard_gap). */
__attribute__((noinline)) static void gap_below_step(int phase)
{
    volatile uint8_t here[16];
    here[0] = 0;
    uintptr_t at = (((uintptr_t)here) - (2L << 20)) & ~(uintptr_t)(PAGE - 1);
    marker(phase, (long)logbuf, (long)at, 0, 0);
    sys6(SYS_mmap, (long)at, PAGE, PROT_READ | PROT_WRITE,
         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    log_label(phase, stack_word_clone(phase, 512L << 10, 0));
}

/* 8: prlimit64 of RLIMIT_STACK on the program's own pid, raised to 64 MiB: the stack
 * grows 768 KiB below the stack pointer, -EFAULT is -4. */
__attribute__((noinline)) static void self_prlimit_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    unsigned long lim[2] = {64UL << 20, ~0UL};
    long self = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    long r = sys6(SYS_prlimit64, self, RLIMIT_STACK, (long)lim, 0, 0, 0);
    int label = r == 0 ? stack_word_clone(phase, 768L << 10, 2) : 0;
    set_limit(RLIMIT_STACK, 8L << 20);
    log_label(phase, label);
}

/* 9: a vfork child (CLONE_VM | CLONE_VFORK) inherits TIF_TAGGED_ADDR. */
__attribute__((noinline)) static void vfork_tagged_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long on = sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0);
    if (on != 0) {
        log_label(phase, 0);
        return;
    }
    long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        log_label(phase, tagged_clone(phase, 1));
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    reap(pid);
    sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
}

/* 10 and 11: PR_SET_TAGGED_ADDR_CTRL with bit 40 set, PR_GET_TAGGED_ADDR_CTRL with a
 * nonzero arg2: both -EINVAL; -4 where either answers 0 or more. */
__attribute__((noinline)) static void bad_bits_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1 | 1L << 40, 0, 0, 0, 0);
    if (r == 0)
        sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
    log_label(phase, r == 0 ? -4 : 0);
}

__attribute__((noinline)) static void bad_get_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_prctl, PR_GET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0);
    log_label(phase, r >= 0 ? -4 : 0);
}

static uint64_t tpidr(void)
{
    uint64_t t;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(t));
    return t;
}

/* 12 and 13: a fork child made with CLONE_SETTLS (clone's x3, clone3's tls) starts with
 * TPIDR_EL0 = tls (copy_thread(): p->thread.uw.tp_value = tls); the child chooses -4
 * where it holds another value, 0 otherwise.  The child touches no thread-local data. */
__attribute__((noinline)) static void settls_step(int phase, int three)
{
    uint64_t want = tpidr() ^ 0x1000;
    marker(phase, (long)logbuf, (long)want, 0, 0);
    long pid;
    if (three) {
        memset(ca, 0, sizeof ca);
        ca[0] = CLONE_SETTLS;
        ca[4] = SIGCHLD;
        ca[7] = want;
        pid = sys6(SYS_clone3, (long)ca, 88, 0, 0, 0, 0);
    } else {
        pid = sys6(SYS_clone, CLONE_SETTLS | SIGCHLD, 0, 0, (long)want, 0, 0);
    }
    if (pid == 0) {
        log_label(phase, tpidr() == want ? 0 : -4);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    reap(pid);
    memset(ca, 0, sizeof ca);
}

/* 14: under the tagged address ABI, setrlimit(RLIMIT_STACK) through a tagged pointer to
 * {64 MiB, inf} (access_ok() untags it: the limit is raised), then clone3(CLONE_PIDFD)
 * whose word is 896 KiB below the stack pointer: the stack grows, -EFAULT is -4. */
static unsigned long tagged_lim[2];

__attribute__((noinline)) static void tagged_rlimit_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long on = sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0);
    int label = 0;
    if (on == 0) {
        tagged_lim[0] = 64UL << 20;
        tagged_lim[1] = ~0UL;
        long r = sys6(SYS_setrlimit, RLIMIT_STACK, (long)((uintptr_t)tagged_lim | TAG),
                      0, 0, 0, 0);
        label = r == 0 ? stack_word_clone(phase, 896L << 10, 2) : 0;
        set_limit(RLIMIT_STACK, 8L << 20);
        sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
    }
    log_label(phase, label);
}

int main(int argc, char **argv)
{
    int show_digest = 0, as_step = 0, lowered_step = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        as_step |= strcmp(argv[i], "-a") == 0;
        lowered_step |= strcmp(argv[i], "-l") == 0;
        if (strcmp(argv[i], "-t") == 0)
            return exec_stage();
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
    outside_limit_step(P_OUTSIDE_LIMIT);
    if (as_step)
        as_limit_step(P_AS_LIMIT);
    fork_tagged_step(P_FORK_TAGGED);
    exec_tagged_step(argv[0]);
    disabled_tagged_step(P_DISABLED_TAGGED);
    bad_prctl_step(P_BAD_PRCTL);
    if (lowered_step)
        lowered_limit_step(P_LOWERED_LIMIT);
    gap_below_step(P_GAP_BELOW);
    self_prlimit_step(P_SELF_PRLIMIT);
    vfork_tagged_step(P_VFORK_TAGGED);
    bad_bits_step(P_BAD_TAG_BITS);
    bad_get_step(P_BAD_GET);
    settls_step(P_SETTLS, 0);
    settls_step(P_SETTLS3, 1);
    tagged_rlimit_step(P_TAGGED_RLIMIT);

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
