/* The attack target of red-team round 66c: clones and clone3s Linux refuses for what lies
 * past the first 64 bytes of struct clone_args, or for what only a later check sees.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step makes one call Linux refuses before
 * any child exists and turns what it observed into the index of a label: a child (x0 = 0)
 * chooses label -4 and exits; a parent that sees a child waits for it and chooses -4; a
 * refusal chooses 0.  In the order they run:
 *
 *   1. clone3() of size 96 whose bytes 88..95 (past CLONE_ARGS_SIZE_VER2) are not zero:
 *      copy_struct_from_user() answers -E2BIG.
 *   2. clone3(CLONE_INTO_CGROUP) of size 80 (CLONE_ARGS_SIZE_VER1, no cgroup field):
 *      -EINVAL (copy_clone_args_from_user()).
 *   3. clone3(CLONE_INTO_CGROUP) of size 88 with cgroup 0x80000000 (past INT_MAX): -EINVAL.
 *   4. clone3() with set_tid 0 and set_tid_size 1: -EINVAL.
 *   5. clone3() with a set_tid array and set_tid_size 0: -EINVAL.
 *   6. clone3() with a set_tid array and set_tid_size 33 (past MAX_PID_NS_LEVEL): -EINVAL.
 *   7. clone3() with a stack past the user address range (clone3_stack_valid():
 *      access_ok()): -EINVAL.
 *   8. clone3() with a stack whose size runs past the user address range: -EINVAL.
 *   9. clone(CLONE_NEWIPC | CLONE_SYSVSEM | SIGCHLD): copy_namespaces() answers -EPERM
 *      without CAP_SYS_ADMIN, -EINVAL with it.
 *  10. An honest vfork made with clone3() of size 64 (CLONE_ARGS_SIZE_VER0) and one of a
 *      whole page with a zero tail: the child exits 0 at once, the parent chooses 0 if it
 *      saw a child, -4 if not.
 *  11. A SIGUSR1 handler installed, then clone(1 << 32 | SIGCHLD): sys_clone() takes the
 *      low 32 bits of its flags (lower_32_bits()), so the bit clone3 names
 *      CLONE_CLEAR_SIGHAND is no flag here and the child is a fork with its parent's
 *      handlers.  The child calls a marker (where a signal may run the handler) and exits;
 *      the parent chooses 0 if it saw a child, -4 if not.
 *  12. clone(CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0), as Go's syscall.forkExec asks for
 *      the pidfd os.StartProcess keeps: Linux writes the new pidfd's number into the
 *      word parent_tid names (copy_process(): put_user(pidfd, args->pidfd)).  The child
 *      exits at once; the parent waits for it and chooses 0 (the pidfd stays open).
 *  13. As 1 with clone3(CLONE_NEWIPC | CLONE_SYSVSEM) (copy_namespaces(): -EPERM or
 *      -EINVAL), clone3() with set_tid_size 1 and set_tid an address nothing is mapped at
 *      (copy_clone_args_from_user(): copy_from_user() fails, -EFAULT) and clone3() with
 *      set_tid {0} (alloc_pid(): a tid below 1 is -EINVAL).
 *  14. As 1 with clone3(CLONE_INTO_CGROUP) of size 88 whose cgroup is the program's
 *      /dev/null descriptor, no cgroup2 directory (cgroup_css_set_fork(): -EBADF).
 *  15. clone3(CLONE_PIDFD) of size 88 with pidfd the address of a word of its own and
 *      exit_signal SIGCHLD, as Rust's std asks for a pidfd: the child exits at once, the
 *      parent waits for it and chooses 0 (the pidfd stays open).
 *  16. A SIGUSR1 handler A installed, then vfork (clone(CLONE_VM | CLONE_VFORK | SIGCHLD),
 *      glibc's and musl's flags): the child installs handler B for SIGUSR1 in its own
 *      table (no CLONE_SIGHAND: copy_sighand() copied it) and exits; the parent calls a
 *      marker (where a signal may run A) and chooses -4 if B ran in it, 0 if not.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r66c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r66"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before it runs (x2 logbuf, x3 the clone_args), P_x + 1 after its write. */
#define P_TAIL 7200
#define P_CGROUP_V1 7202
#define P_CGROUP_BIG 7204
#define P_SET_TID_NULL 7206
#define P_SET_TID_EMPTY 7208
#define P_SET_TID_DEEP 7210
#define P_STACK_HIGH 7212
#define P_STACK_LONG 7214
#define P_NEWIPC_SYSVSEM 7216
#define P_VFORK_V0 7218
#define P_VFORK_PAGE 7220
#define P_LEGACY_HIGH 7222  /* (the child) x2 logbuf, x3 the handler */
#define P_PIDFD_LEGACY 7224 /* x2 logbuf, x3 &pidfd */
#define P_NEWIPC_CLONE3 7226
#define P_SET_TID_FAULT 7228
#define P_SET_TID_ZERO 7230
#define P_CGROUP_DEVNULL 7232
#define P_PIDFD_CLONE3 7234 /* x2 logbuf, x3 the clone_args, x4 its size */
#define P_VFORK_ACTION 7236 /* (the parent, after its vfork child exited) x2 logbuf, x3 B */
#define CLONE_INTO_CGROUP_FLAG 0x200000000UL
#define CLONE_CLEAR_SIGHAND_FLAG 0x100000000UL
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"

static uint64_t ca[PAGE / 8];
static int32_t tids[40];

/* A clone Linux refuses: label 0 for a refusal, -4 in a child or a parent that made one. */
__attribute__((noinline)) static void refused_clone_step(int phase, long size, long flags)
{
    marker(phase, (long)logbuf, (long)ca, size, 0);
    long pid = size ? sys6(SYS_clone3, (long)ca, size, 0, 0, 0, 0)
                    : sys6(SYS_clone, flags, 0, 0, 0, 0, 0);
    if (pid == 0) {
        log_label(phase, -4);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    }
    log_label(phase, pid > 0 ? -4 : 0);
    memset(ca, 0, sizeof ca);
}

/* An honest vfork by clone3() of `size` bytes: the child exits at once. */
__attribute__((noinline)) static void vfork_step(int phase, long size)
{
    memset(ca, 0, sizeof ca);
    ca[0] = CLONE_VM | CLONE_VFORK;
    ca[4] = SIGCHLD;
    marker(phase, (long)logbuf, (long)ca, size, 0);
    long pid = sys6(SYS_clone3, (long)ca, size, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    }
    log_label(phase, pid > 0 ? 0 : -4);
}

static volatile int usr1_ran;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_ran = 1;
}

__attribute__((noinline)) static void legacy_high_step(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, &old);
    long pid = sys6(SYS_clone, (long)(CLONE_CLEAR_SIGHAND_FLAG | SIGCHLD), 0, 0, 0, 0, 0);
    if (pid == 0) {
        marker(P_LEGACY_HIGH, (long)logbuf, (long)on_usr1, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    } else {
        marker(P_LEGACY_HIGH, (long)logbuf, (long)on_usr1, pid, 0);
    }
    log_label(P_LEGACY_HIGH, pid > 0 ? 0 : -4);
    sigaction(SIGUSR1, &old, 0);
}

static int32_t pidfd_word;

__attribute__((noinline)) static void pidfd_legacy_step(void)
{
    pidfd_word = -1;
    marker(P_PIDFD_LEGACY, (long)logbuf, (long)&pidfd_word, 0, 0);
    long pid = sys6(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, (long)&pidfd_word, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    }
    log_label(P_PIDFD_LEGACY, 0);
}

static int32_t pidfd3_word;

__attribute__((noinline)) static void pidfd_clone3_step(void)
{
    memset(ca, 0, sizeof ca);
    pidfd3_word = -1;
    ca[0] = CLONE_PIDFD;
    ca[1] = (uint64_t)&pidfd3_word;
    ca[4] = SIGCHLD;
    marker(P_PIDFD_CLONE3, (long)logbuf, (long)ca, 88, 0);
    long pid = sys6(SYS_clone3, (long)ca, 88, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    }
    log_label(P_PIDFD_CLONE3, 0);
}

static volatile int usr1_b_ran;

static void on_usr1_b(int sig)
{
    (void)sig;
    usr1_b_ran = 1;
}

__attribute__((noinline)) static void vfork_action_step(void)
{
    struct sigaction sa, old;
    static struct sigaction sb;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, &old);
    memset(&sb, 0, sizeof sb);
    sb.sa_handler = on_usr1_b;
    usr1_b_ran = 0;
    long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sigaction(SIGUSR1, &sb, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    }
    marker(P_VFORK_ACTION, (long)logbuf, (long)on_usr1_b, pid, 0);
    log_label(P_VFORK_ACTION, usr1_b_ran ? -4 : 0);
    sigaction(SIGUSR1, &old, 0);
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
    memset(ca, 0, sizeof ca);
    ca[4] = SIGCHLD;
    ca[11] = 1;
    refused_clone_step(P_TAIL, 96, 0);
    ca[0] = CLONE_INTO_CGROUP_FLAG;
    ca[4] = SIGCHLD;
    refused_clone_step(P_CGROUP_V1, 80, 0);
    ca[0] = CLONE_INTO_CGROUP_FLAG;
    ca[4] = SIGCHLD;
    ca[10] = 0x80000000UL;
    refused_clone_step(P_CGROUP_BIG, 88, 0);
    ca[4] = SIGCHLD;
    ca[9] = 1;
    refused_clone_step(P_SET_TID_NULL, 88, 0);
    ca[4] = SIGCHLD;
    ca[8] = (uint64_t)tids;
    refused_clone_step(P_SET_TID_EMPTY, 88, 0);
    ca[4] = SIGCHLD;
    ca[8] = (uint64_t)tids;
    ca[9] = 33;
    refused_clone_step(P_SET_TID_DEEP, 88, 0);
    ca[4] = SIGCHLD;
    ca[5] = 0x00F0000000000000UL;
    ca[6] = PAGE;
    refused_clone_step(P_STACK_HIGH, 88, 0);
    ca[4] = SIGCHLD;
    ca[5] = (uint64_t)wbuf;
    ca[6] = 0x00F0000000000000UL;
    refused_clone_step(P_STACK_LONG, 88, 0);
    refused_clone_step(P_NEWIPC_SYSVSEM, 0, CLONE_NEWIPC | CLONE_SYSVSEM | SIGCHLD);
    vfork_step(P_VFORK_V0, 64);
    vfork_step(P_VFORK_PAGE, PAGE);
    legacy_high_step();
    pidfd_legacy_step();
    ca[0] = CLONE_NEWIPC | CLONE_SYSVSEM;
    ca[4] = SIGCHLD;
    refused_clone_step(P_NEWIPC_CLONE3, 88, 0);
    ca[4] = SIGCHLD;
    ca[8] = 16;
    ca[9] = 1;
    refused_clone_step(P_SET_TID_FAULT, 88, 0);
    tids[0] = 0;
    ca[4] = SIGCHLD;
    ca[8] = (uint64_t)tids;
    ca[9] = 1;
    refused_clone_step(P_SET_TID_ZERO, 88, 0);
    ca[0] = CLONE_INTO_CGROUP_FLAG;
    ca[4] = SIGCHLD;
    ca[10] = (uint64_t)devnull;
    refused_clone_step(P_CGROUP_DEVNULL, 88, 0);
    pidfd_clone3_step();
    vfork_action_step();

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
