/* The attack target of red-team round 69c: clone3(CLONE_PIDFD) words in the stack's reserve
 * after RLIMIT_STACK was changed, by the program itself or by another process.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into the index
 * of a label.  In the order they run:
 *
 *   0. (First of all.)  setrlimit(RLIMIT_STACK, {16 MiB, 8 MiB}): soft above hard,
 *      do_prlimit() refuses it (-EINVAL) and no limit changes; then clone3(CLONE_PIDFD)
 *      whose word is 16 KiB below the stack pointer, labelled as 2.
 *   1. A child calls prlimit64(getppid(), RLIMIT_STACK, {1 MiB, inf}) and exits; the
 *      parent calls clone3(CLONE_PIDFD) whose word is 4 MiB below its stack pointer:
 *      acct_stack_growth() refuses to grow the stack past the new limit, put_user()
 *      faults, -EFAULT and no child.  The parent chooses 0 for -EFAULT, for another
 *      failure or for a child whose word holds the lowest free descriptor, -4 otherwise;
 *      then it sets RLIMIT_STACK back to 8 MiB.
 *   2. setrlimit(RLIMIT_STACK, {64 MiB, inf}), then clone3(CLONE_PIDFD) whose word is 16
 *      KiB below the stack pointer (the stack grows there: expand_stack()): 0 for a child
 *      whose word holds the lowest free descriptor or a failure Linux may report, -4 for
 *      another word or -EFAULT; then RLIMIT_STACK goes back to 8 MiB.
 *   3. setrlimit(RLIMIT_STACK, {1 MiB, inf}), then a fork child (which inherits the limit:
 *      copy_signal() copies signal->rlim) calls clone3(CLONE_PIDFD) whose word is 4 MiB
 *      below its stack pointer: -EFAULT, no grandchild; the child chooses 0 for -EFAULT,
 *      another failure or a grandchild whose word holds the lowest free descriptor, -4
 *      otherwise.  The parent sets RLIMIT_STACK back to 8 MiB after reaping it.
 *   4. prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) (skipped, label 0, where it
 *      fails); then clone3(CLONE_PIDFD) whose word is a writable global named by a
 *      pointer with top byte 0x5A: with TIF_TAGGED_ADDR, access_ok() untags it and
 *      put_user() stores the pidfd (TBI).  0 for a child whose word holds the lowest
 *      free descriptor or a failure other than -EFAULT, -4 for -EFAULT or another word.
 *   5. As 4, clone3(SIGCHLD) (no CLONE_PIDFD) whose clone_args pointer is tagged: with
 *      TIF_TAGGED_ADDR, copy_struct_from_user() reads the struct, the child is made.  0
 *      for a child or a failure other than -EFAULT, -4 for -EFAULT.
 *   6. (Last; first of all, before 0, with the argument -p.)  mmap(MAP_FIXED) of one page 2 MiB below the stack pointer (in Linux,
 *      unmapped space below the stack area, more than stack_guard_gap below the words
 *      the stack grows to), then clone3(CLONE_PIDFD) whose word is 16 KiB below the stack
 *      pointer, labelled as 2.
 *   7. (Last; first of all with the argument -c.)  A fork child sets its own
 *      RLIMIT_STACK to 1 MiB (setrlimit: the child's signal->rlim only) and exits; the
 *      parent's clone3(CLONE_PIDFD) whose word is 16 KiB below its stack pointer,
 *      labelled as 2.
 *   8. (Last.)  setrlimit(RLIMIT_STACK, {1 MiB, inf}), then a fork child execs the
 *      program again with -x (the limit survives execve()); the new image's
 *      clone3(CLONE_PIDFD) whose word is 4 MiB below its stack pointer fails with
 *      -EFAULT (acct_stack_growth()), labelled as 1.  The parent restores 8 MiB.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r69c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r69"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before it runs (x2 logbuf, x3 the word, x4 the number expected, x5 the
 * clone_args or 0), P_x + 1 after its write. */
#define P_PRLIMIT_OTHER 8300
#define P_RAISED_LIMIT 8302
#define P_INHERITED_LIMIT 8304
#define P_TAGGED_WORD 8306
#define P_TAGGED_ARGS 8308
#define P_BAD_LIMIT 8310
#define P_PLACED_BELOW 8312
#define P_CHILD_OWN_LIMIT 8314
#define P_EXEC_LIMIT 8316
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

static void stack_limit(long pid, unsigned long soft)
{
    unsigned long lim[2] = {soft, ~0UL};
    sys6(SYS_prlimit64, pid, RLIMIT_STACK, (long)lim, 0, 0, 0);
}

/* clone3(CLONE_PIDFD) whose word is `below` bytes under the stack pointer; returns the
 * label: 0 for a child whose word holds the lowest free descriptor or a failure other
 * than -EFAULT, and for -EFAULT where `efault_ok`; -4 otherwise. */
__attribute__((noinline)) static int stack_word_clone(int phase, long below, int efault_ok)
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
        return efault_ok ? 0 : -4;
    return pid > 0 && got != low ? -4 : 0;
}

/* 1: another process lowers the program's RLIMIT_STACK (prlimit64 on its pid). */
__attribute__((noinline)) static void prlimit_other_step(int phase)
{
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        stack_limit(sys6(SYS_getppid, 0, 0, 0, 0, 0, 0), 1L << 20);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    reap(pid);
    log_label(phase, stack_word_clone(phase, 4L << 20, 1));
    stack_limit(0, 8L << 20);
}

/* 2: the program raises its own RLIMIT_STACK; the stack grows 16 KiB below sp. */
__attribute__((noinline)) static void raised_limit_step(int phase)
{
    stack_limit(0, 64L << 20);
    log_label(phase, stack_word_clone(phase, 16384, 0));
    stack_limit(0, 8L << 20);
}

/* 0: a setrlimit Linux refuses (soft above hard) changes no limit. */
__attribute__((noinline)) static void bad_limit_step(int phase)
{
    unsigned long lim[2] = {16UL << 20, 8UL << 20};
    marker(phase, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_setrlimit, RLIMIT_STACK, (long)lim, 0, 0, 0, 0);
    int label = stack_word_clone(phase, 16384, 0);
    log_label(phase, r == 0 ? 0 : label);
}

/* 6: a page the program maps 2 MiB below the stack pointer. */
__attribute__((noinline)) static void placed_below_step(int phase)
{
    volatile uint8_t here[16];
    here[0] = 0;
    uintptr_t at = (((uintptr_t)here) - (2L << 20)) & ~(uintptr_t)(PAGE - 1);
    marker(phase, (long)logbuf, (long)at, 0, 0);
    sys6(SYS_mmap, (long)at, PAGE, PROT_READ | PROT_WRITE,
         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    log_label(phase, stack_word_clone(phase, 16384, 0));
}

/* 7: a fork child lowers its own RLIMIT_STACK; the parent's limit is unchanged. */
__attribute__((noinline)) static void child_own_limit_step(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        stack_limit(0, 1L << 20);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    reap(pid);
    log_label(phase, stack_word_clone(phase, 16384, 0));
}

/* 3: a fork child inherits a lowered RLIMIT_STACK. */
__attribute__((noinline)) static void inherited_limit_step(int phase)
{
    stack_limit(0, 1L << 20);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        log_label(phase, stack_word_clone(phase, 4L << 20, 1));
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    reap(pid);
    stack_limit(0, 8L << 20);
}

/* 4: a tagged pidfd word under the tagged address ABI. */
__attribute__((noinline)) static void tagged_word_step(int phase)
{
    long low = lowest_free();
    tagged_word[0] = -1;
    memset(ca, 0, sizeof ca);
    ca[0] = CLONE_PIDFD;
    ca[1] = (uint64_t)(uintptr_t)tagged_word | TAG;
    ca[4] = SIGCHLD;
    marker(phase, (long)logbuf, (long)ca[1], low, (long)ca);
    long on = sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0);
    int label = 0;
    if (on == 0) {
        long pid = sys6(SYS_clone3, (long)ca, 88, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        reap(pid);
        int got = pid > 0 ? tagged_word[0] : -1;
        if (pid > 0 && got >= 0)
            sys6(SYS_close, got, 0, 0, 0, 0, 0);
        label = pid == -14 || (pid > 0 && got != low) ? -4 : 0;
        sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
    }
    memset(ca, 0, sizeof ca);
    log_label(phase, label);
}

/* 5: a tagged clone_args pointer under the tagged address ABI. */
__attribute__((noinline)) static void tagged_args_step(int phase)
{
    memset(ca, 0, sizeof ca);
    ca[4] = SIGCHLD;
    long tagged = (long)((uintptr_t)ca | TAG);
    marker(phase, (long)logbuf, 0, 0, tagged);
    long on = sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 1, 0, 0, 0, 0);
    int label = 0;
    if (on == 0) {
        long pid = sys6(SYS_clone3, tagged, 88, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        reap(pid);
        label = pid == -14 ? -4 : 0;
        sys6(SYS_prctl, PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0, 0);
    }
    memset(ca, 0, sizeof ca);
    log_label(phase, label);
}

/* 8, in the image exec'd with -x: a clone3 under the RLIMIT_STACK its parent set. */
static int exec_stage(void)
{
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    log_label(P_EXEC_LIMIT, stack_word_clone(P_EXEC_LIMIT, 4L << 20, 1));
    sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* 8: a fork child execs the program under a lowered RLIMIT_STACK. */
__attribute__((noinline)) static void exec_limit_step(char *self)
{
    stack_limit(0, 1L << 20);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        char *args[] = {self, "-x", 0};
        char *envp[] = {0};
        sys6(SYS_execve, (long)self, (long)args, (long)envp, 0, 0, 0);
        sys6(SYS_exit_group, 1, 0, 0, 0, 0, 0);
    }
    reap(pid);
    stack_limit(0, 8L << 20);
}

int main(int argc, char **argv)
{
    int show_digest = 0, placed_first = 0, child_first = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        placed_first |= strcmp(argv[i], "-p") == 0;
        child_first |= strcmp(argv[i], "-c") == 0;
        if (strcmp(argv[i], "-x") == 0)
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
    if (child_first)
        child_own_limit_step(P_CHILD_OWN_LIMIT);
    if (placed_first)
        placed_below_step(P_PLACED_BELOW);
    bad_limit_step(P_BAD_LIMIT);
    prlimit_other_step(P_PRLIMIT_OTHER);
    raised_limit_step(P_RAISED_LIMIT);
    inherited_limit_step(P_INHERITED_LIMIT);
    tagged_word_step(P_TAGGED_WORD);
    tagged_args_step(P_TAGGED_ARGS);
    if (!placed_first)
        placed_below_step(P_PLACED_BELOW);
    if (!child_first)
        child_own_limit_step(P_CHILD_OWN_LIMIT);
    exec_limit_step(argv[0]);

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
