/* The attack target of red-team round 68c: clones whose words Linux stores where the
 * program may not have mapped them, and descriptors another holder of the table closes.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into the index
 * of a label.  In the order they run:
 *
 *   1. clone(CLONE_PARENT_SETTID | SIGCHLD, 0, 0x10): kernel_clone() ignores what
 *      put_user(nr, args->parent_tid) reports, so the child is made; the child exits, the
 *      parent chooses 0 for a child or a failure Linux may report, -4 for -EFAULT.
 *   2. clone(CLONE_CHILD_SETTID | SIGCHLD, 0, 0, 0, 0x10) and
 *   3. clone(CLONE_CHILD_CLEARTID | SIGCHLD, 0, 0, 0, 0x10): the word is only stored by
 *      the child (schedule_tail(), mm_release(): a failing put_user() is ignored); as 1.
 *   4. A descriptor D = dup(0); clone(CLONE_FILES | SIGCHLD) whose child closes D and
 *      exits; then clone(CLONE_PIDFD | SIGCHLD, 0, &word): the pidfd takes D (the shared
 *      table's lowest free number); the parent chooses 0 if the word holds D, -4 if not.
 *   5. As 4 with clone(CLONE_VM | CLONE_VFORK | SIGCHLD) whose child closes D in its own
 *      copy of the table (no CLONE_FILES: dup_fd()): the parent's D stays open, the pidfd
 *      takes the lowest free number learnt before (dup(0), close()); -4 if not.
 *   6. clone3(CLONE_PIDFD) of size 88 whose pidfd word is 16 KiB below the stack pointer
 *      (the stack grows there: expand_stack()); 0 if the word holds the lowest free
 *      descriptor or for a failure Linux may report, -4 for any other word or -EFAULT.
 *   7. As 6 with the word 64 MiB below the stack pointer, past RLIMIT_STACK (8 MiB): the
 *      stack cannot grow there (acct_stack_growth()), put_user() faults, -EFAULT and no
 *      child; a child, or a parent that saw one, chooses -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r68c.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r68"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before it runs (x2 logbuf, x3 the word, x4 the number expected, x5 the
 * clone_args or 0), P_x + 1 after its write. */
#define P_PARENT_SETTID_FAULT 8100
#define P_CHILD_SETTID_FAULT 8102
#define P_CHILD_CLEARTID_FAULT 8104
#define P_FILES_CHILD_CLOSE 8106
#define P_VFORK_CHILD_CLOSE 8108
#define P_PIDFD_STACK 8110
#define P_PIDFD_FAR 8112
#define BAD_WORD 16L
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"

static uint64_t ca[PAGE / 8];
static int32_t pidfd_word;

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

/* A clone with a word at an unmapped address that Linux makes a child for anyway: never
 * -EFAULT. */
__attribute__((noinline)) static void bad_word_step(int phase, long flags, long ptid,
                                                    long ctid)
{
    marker(phase, (long)logbuf, BAD_WORD, 0, 0);
    long pid = sys6(SYS_clone, flags, 0, ptid, 0, ctid, 0);
    if (pid == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    reap(pid);
    log_label(phase, pid == -14 ? -4 : 0);
}

/* A child that closes `fd` (sharing the table with CLONE_FILES, or in its own copy), then
 * clone(CLONE_PIDFD | SIGCHLD): the word must hold `want`. */
__attribute__((noinline)) static void closer_step(int phase, long child_flags, long fd,
                                                  long want)
{
    pidfd_word = -1;
    marker(phase, (long)logbuf, (long)&pidfd_word, want, 0);
    long pid = sys6(SYS_clone, child_flags, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    reap(pid);
    long kid = sys6(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, (long)&pidfd_word, 0, 0, 0);
    if (kid == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    reap(kid);
    int ok = kid > 0 && pidfd_word == want;
    if (kid > 0 && pidfd_word >= 0)
        sys6(SYS_close, pidfd_word, 0, 0, 0, 0, 0);
    log_label(phase, ok || kid < 0 ? 0 : -4);
}

/* clone3(CLONE_PIDFD) whose word is `below` bytes under the stack pointer. */
__attribute__((noinline)) static void stack_word_step(int phase, long below)
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
    log_label(phase, (pid > 0 && got != low) || pid == -14 ? -4 : 0);
    memset(ca, 0, sizeof ca);
}

/* clone3(CLONE_PIDFD) whose word is `below` bytes under the stack pointer, past
 * RLIMIT_STACK: Linux fails it with -EFAULT (acct_stack_growth()), no child; a child, or a
 * parent that made one, chooses -4. */
__attribute__((noinline)) static void far_word_step(int phase, long below)
{
    volatile uint8_t here[16];
    here[0] = 0;
    uintptr_t word = ((uintptr_t)here - below) & ~(uintptr_t)3;
    memset(ca, 0, sizeof ca);
    ca[0] = CLONE_PIDFD;
    ca[1] = (uint64_t)word;
    ca[4] = SIGCHLD;
    marker(phase, (long)logbuf, (long)word, 0, (long)ca);
    long pid = sys6(SYS_clone3, (long)ca, 88, 0, 0, 0, 0);
    if (pid == 0) {
        log_label(phase, -4);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    reap(pid);
    log_label(phase, pid > 0 ? -4 : 0);
    memset(ca, 0, sizeof ca);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
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
    bad_word_step(P_PARENT_SETTID_FAULT, CLONE_PARENT_SETTID | SIGCHLD, BAD_WORD, 0);
    bad_word_step(P_CHILD_SETTID_FAULT, CLONE_CHILD_SETTID | SIGCHLD, 0, BAD_WORD);
    bad_word_step(P_CHILD_CLEARTID_FAULT, CLONE_CHILD_CLEARTID | SIGCHLD, 0, BAD_WORD);
    long d = sys6(SYS_dup, 0, 0, 0, 0, 0, 0);
    closer_step(P_FILES_CHILD_CLOSE, CLONE_FILES | SIGCHLD, d, d);
    d = sys6(SYS_dup, 0, 0, 0, 0, 0, 0);
    long low = lowest_free();
    closer_step(P_VFORK_CHILD_CLOSE, CLONE_VM | CLONE_VFORK | SIGCHLD, d, low);
    sys6(SYS_close, d, 0, 0, 0, 0, 0);
    stack_word_step(P_PIDFD_STACK, 16384);
    far_word_step(P_PIDFD_FAR, 64L << 20);

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
