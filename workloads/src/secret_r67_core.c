/* The attack target of red-team round 67c: the pidfd CLONE_PIDFD asks for, and clones
 * Linux refuses for it.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into the index
 * of a label.  In the order they run:
 *
 *   1. clone(CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0) (Go's syscall.forkExec), three times:
 *      before each the program learns the lowest free descriptor (dup(0), then close());
 *      Linux's copy_process() installs the pidfd at that lowest number (pidfd_prepare() ->
 *      get_unused_fd_flags()) and writes it into the word.  The child exits at once; the
 *      parent waits for it and chooses 0 if the word holds that lowest number, -4 if not.
 *   2. As 1 with clone3(CLONE_PIDFD, pidfd = &word, exit_signal SIGCHLD) of size 88
 *      (Rust's std), twice.
 *   3. Clones Linux refuses (a child, or a parent that saw one, chooses -4; a refusal 0):
 *      clone(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD) (the pidfd and parent_tid are
 *      one word: kernel_clone() -EINVAL), clone3() with pidfd == parent_tid and both
 *      flags, clone(CLONE_PIDFD | CLONE_DETACHED | SIGCHLD) (copy_process() -EINVAL),
 *      clone3(CLONE_PIDFD) whose pidfd word is at an address nothing is mapped at and
 *      clone(CLONE_PIDFD | SIGCHLD) whose parent_tid is such an address (copy_process():
 *      put_user() fails, -EFAULT, the child is never woken).
 *   4. glibc's pidfd_spawn(): clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD) of size 88; the
 *      child exits at once; the parent chooses 0 if the word holds the lowest free
 *      descriptor, -4 if not.
 *   5. With a hole below the lowest free number (dup(0) twice, the first closed), as 1:
 *      the pidfd takes the hole.
 *   6. As 3, clone3(CLONE_INTO_CGROUP) of size 88 whose cgroup is a pidfd the program
 *      holds, descriptor 50 (closed just before: close(50)) and a pipe's read end: none is a cgroup2
 *      directory (cgroup_css_set_fork(): fget_raw() fails, -EBADF, or
 *      cgroup_get_from_file() finds no cgroup, -EBADF), before any child exists.
 *   7. Go's syscall.forkExec: clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, 0,
 *      &pidfd); the child exits at once; as 1.
 *   8. As 3, clone3(CLONE_PIDFD) whose pidfd word is in the read-only image
 *      (put_user() faults: -EFAULT, no child).
 *   9. clone3() of size 88 with a set_tid array {30000} (set_tid_size 1, exit_signal
 *      SIGCHLD, no CLONE_NEWPID): alloc_pid() gives the child exactly 30000 or makes none
 *      (here -EPERM: no CAP_CHECKPOINT_RESTORE).  The child exits at once; the parent
 *      chooses 0 for a refusal or the child 30000, -4 for any other child id.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r67c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r67"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before it runs (x2 logbuf, x3 the pidfd word, x4 the lowest free
 * descriptor, x5 the clone_args or 0), P_x + 1 after its write. */
#define P_PIDFD_HIGH 7800
#define P_PIDFD_OPEN 7802
#define P_PIDFD_NONE 7804
#define P_PIDFD3_HIGH 7806
#define P_PIDFD3_OPEN 7808
#define P_SETTID_SAME 7810
#define P_SETTID_SAME3 7812
#define P_PIDFD_DETACHED 7814
#define P_PIDFD3_FAULT 7816
#define P_PIDFD_FAULT 7818
#define P_PIDFD_SPAWN 7820
#define P_PIDFD_HOLE 7822
#define P_CGROUP_PIDFD 7824
#define P_CGROUP_CLOSED 7826
#define P_CGROUP_PIPE 7828
#define P_GO_VFORK 7830
#define P_PIDFD3_RODATA 7832
#define P_SET_TID 7834
#define SET_TID_ASKED 30000
#define CLONE_INTO_CGROUP_FLAG 0x200000000UL
#define CLONE_DETACHED_FLAG 0x400000UL
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
static const int32_t rodata_word[4] = {-1, -1, -1, -1};
static int32_t pidfd_word;
static int32_t set_tid_array[1] = {SET_TID_ASKED};

static long lowest_free(void)
{
    long fd = sys6(SYS_dup, 0, 0, 0, 0, 0, 0);
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    return fd;
}

/* A clone Linux refuses: label 0 for a refusal, -4 in a child or a parent that made one. */
__attribute__((noinline)) static void refused_clone_step(int phase, long size, long flags,
                                                         long ptid)
{
    marker(phase, (long)logbuf, (long)&pidfd_word, 0, (long)ca);
    long pid = size ? sys6(SYS_clone3, (long)ca, size, 0, 0, 0, 0)
                    : sys6(SYS_clone, flags, 0, ptid, 0, 0, 0);
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

/* An honest clone with CLONE_PIDFD (clone3 where `flags3`): the word must hold the lowest
 * free descriptor. */
__attribute__((noinline)) static void pidfd_step_with(int phase, long flags3, long flags)
{
    long low = lowest_free();
    pidfd_word = -1;
    memset(ca, 0, sizeof ca);
    ca[0] = flags3;
    ca[1] = (uint64_t)&pidfd_word;
    ca[4] = SIGCHLD;
    marker(phase, (long)logbuf, (long)&pidfd_word, low, flags3 ? (long)ca : 0);
    long pid = flags3 ? sys6(SYS_clone3, (long)ca, 88, 0, 0, 0, 0)
                      : sys6(SYS_clone, flags, 0, (long)&pidfd_word, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    }
    int ok = pid > 0 && pidfd_word == low;
    if (ok)
        sys6(SYS_close, pidfd_word, 0, 0, 0, 0, 0);
    log_label(phase, ok ? 0 : -4);
    memset(ca, 0, sizeof ca);
}

/* clone3() with set_tid {SET_TID_ASKED}: the child has that id or there is none (x3 the
 * set_tid array, x4 the id asked for). */
__attribute__((noinline)) static void set_tid_step(int phase)
{
    memset(ca, 0, sizeof ca);
    ca[4] = SIGCHLD;
    ca[8] = (uint64_t)set_tid_array;
    ca[9] = 1;
    marker(phase, (long)logbuf, (long)set_tid_array, SET_TID_ASKED, (long)ca);
    long pid = sys6(SYS_clone3, (long)ca, 88, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    }
    log_label(phase, pid > 0 && pid != SET_TID_ASKED ? -4 : 0);
    memset(ca, 0, sizeof ca);
}

static void pidfd_step(int phase, long flags3)
{
    pidfd_step_with(phase, flags3, CLONE_PIDFD | SIGCHLD);
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
    pidfd_step(P_PIDFD_HIGH, 0);
    pidfd_step(P_PIDFD_OPEN, 0);
    pidfd_step(P_PIDFD_NONE, 0);
    pidfd_step(P_PIDFD3_HIGH, CLONE_PIDFD);
    pidfd_step(P_PIDFD3_OPEN, CLONE_PIDFD);
    refused_clone_step(P_SETTID_SAME, 0, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD,
                       (long)&pidfd_word);
    ca[0] = CLONE_PIDFD | CLONE_PARENT_SETTID;
    ca[1] = (uint64_t)&pidfd_word;
    ca[3] = (uint64_t)&pidfd_word;
    ca[4] = SIGCHLD;
    refused_clone_step(P_SETTID_SAME3, 88, 0, 0);
    refused_clone_step(P_PIDFD_DETACHED, 0, CLONE_PIDFD | CLONE_DETACHED_FLAG | SIGCHLD,
                       (long)&pidfd_word);
    ca[0] = CLONE_PIDFD;
    ca[1] = 16;
    ca[4] = SIGCHLD;
    refused_clone_step(P_PIDFD3_FAULT, 88, 0, 0);
    refused_clone_step(P_PIDFD_FAULT, 0, CLONE_PIDFD | SIGCHLD, 16);
    pidfd_step(P_PIDFD_SPAWN, CLONE_VM | CLONE_VFORK | CLONE_PIDFD);
    long hole = sys6(SYS_dup, 0, 0, 0, 0, 0, 0);
    long above = sys6(SYS_dup, 0, 0, 0, 0, 0, 0);
    sys6(SYS_close, hole, 0, 0, 0, 0, 0);
    pidfd_step(P_PIDFD_HOLE, 0);
    sys6(SYS_close, above, 0, 0, 0, 0, 0);
    pidfd_word = -1;
    long kept = sys6(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, (long)&pidfd_word, 0, 0, 0);
    if (kept == 0)
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    if (kept > 0) {
        int status = 0;
        sys6(SYS_wait4, kept, (long)&status, 0, 0, 0, 0);
    }
    ca[0] = CLONE_INTO_CGROUP_FLAG;
    ca[4] = SIGCHLD;
    ca[10] = (uint64_t)(uint32_t)pidfd_word;
    refused_clone_step(P_CGROUP_PIDFD, 88, 0, 0);
    ca[0] = CLONE_INTO_CGROUP_FLAG;
    ca[4] = SIGCHLD;
    ca[10] = 50;
    sys6(SYS_close, 50, 0, 0, 0, 0, 0);
    refused_clone_step(P_CGROUP_CLOSED, 88, 0, 0);
    int pfds[2] = {-1, -1};
    sys6(SYS_pipe2, (long)pfds, O_CLOEXEC, 0, 0, 0, 0);
    ca[0] = CLONE_INTO_CGROUP_FLAG;
    ca[4] = SIGCHLD;
    ca[10] = (uint64_t)(uint32_t)pfds[0];
    refused_clone_step(P_CGROUP_PIPE, 88, 0, 0);
    pidfd_step_with(P_GO_VFORK, 0, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD);
    ca[0] = CLONE_PIDFD;
    ca[1] = (uint64_t)rodata_word;
    ca[4] = SIGCHLD;
    refused_clone_step(P_PIDFD3_RODATA, 88, 0, 0);
    set_tid_step(P_SET_TID);

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
