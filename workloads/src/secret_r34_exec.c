/* The attack target for exec and what survives it: a program that execs itself.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step reads a value Linux keeps within a
 * range, turns it into a label's index the way the range allows, and writes that label
 * to /dev/null (8 bytes).  Under Linux's contract the index is always 0..3; a value out
 * of its range points the write into the secret's copy.
 *
 * Stage one (the image as started) sets up state exec must keep or reset: SIGHUP
 * ignored, a SIGUSR2 handler, SIGUSR1 blocked, an alternate signal stack (`altbuf`), a
 * robust-futex list head (`my_head`), a clear-child-tid word (`my_tid`), the persona
 * ADDR_NO_RANDOMIZE|WHOLE_SECONDS, the name "r34-before" and a POSIX timer (unarmed); it holds no
 * secret yet.  The image that holds the secret runs (last) the failed-exec steps:
 *
 *   1. execve() of a path that does not exist fails (-ENOENT); the SIGWINCH disposition
 *      read back is still the program's handler (a failed exec changes nothing).
 *   2. The blocked mask read back after that failed exec still holds SIGUSR1.
 *   3. Stage one execs itself (/bin/secret_r34_exec --stage2 <timer id> [-t] [-s]).
 *      Where that exec fails (qemu-user without binfmt; the predecessor design), stage
 *      one places the secret, runs steps 1 and 2 and ends, intact.
 *
 * Stage two (the exec'd image; every static address is the same as stage one's):
 *
 *   4. SIGUSR2's disposition: exec reset the handled signal to SIG_DFL
 *      (flush_signal_handlers()).
 *   5. SIGHUP's disposition: still SIG_IGN (ignored signals stay ignored).
 *   6. The blocked mask: still holds SIGUSR1 (exec keeps it).
 *   7. sigaltstack(): SS_DISABLE (exec clears the alternate stack).
 *   8. get_robust_list(): never stage one's `my_head` (exec releases the list; the new
 *      image's libc registers its own).
 *   9. prctl(PR_GET_TID_ADDRESS): never stage one's `my_tid` (mm_release clears it).
 *  10. personality(0xffffffff): still ADDR_NO_RANDOMIZE|WHOLE_SECONDS (exec keeps the persona;
 *      a set-user-id image would lose ADDR_NO_RANDOMIZE, never WHOLE_SECONDS).
 *  11. prctl(PR_GET_NAME): never "r34-before" (exec names the task after the image).
 *  12. timer_gettime() of stage one's timer: -EINVAL (exec deletes POSIX timers).
 *      With -t only (the kernel model kept them once; it deletes them now).
 *  13. A marker call, then the count of SIGUSR2 handler runs (stage one's handler, at
 *      the same address in this image): this image installed none, so 0.
 *  14. A SIGUSR1 handler installed, SIGUSR1 sent to itself (tgkill) while blocked, a
 *      marker call: a blocked signal stays pending, the handler ran 0 times.
 *  15. With -s only: a SIGPROF handler with SA_ONSTACK, SIGPROF sent to itself: no
 *      alternate stack is set in this image, so the handler's frame is never in stage
 *      one's `altbuf`.  (Off by default: with the Guardian on, the untouched exec'd
 *      image dies of SIGSEGV at its first handled signal.)
 *  16. At the end, steps 1 and 2 run in the exec'd image (SIGWINCH's handler instead).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r34.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/personality.h>
#include <time.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before the value is read (x2 the log buffer), P_x + 1 after its write
 * (x2 the index it used). */
#define P_FAILED_EXEC 3400
#define P_FAILED_MASK 3402
#define P_EXEC 3404          /* x2 altbuf, x3 &my_head, x4 &my_tid, x5 the timer id */
#define P_STAGE2 3406        /* in the exec'd image, x2 altbuf */
#define P_DISP_HANDLED 3410
#define P_DISP_IGNORED 3412
#define P_MASK 3414
#define P_ALTSTACK 3416
#define P_ROBUST 3418
#define P_TIDADDR 3420
#define P_PERSONA 3422
#define P_NAME 3424
#define P_POSIX_TIMER 3426
#define P_STALE_HANDLER 3428
#define P_BLOCKED 3430
#define P_ONSTACK 3432       /* x3 altbuf, x4 its size */
#include "secret_common.h"

#define SELF "/bin/secret_r34_exec"
#define ALT_SIZE 16384
/* ADDR_NO_RANDOMIZE may go at exec (PER_CLEAR_ON_SETID, for a set-user-id image); WHOLE_SECONDS
 * (a no-op flag) never does, so a persona of 0 after exec is impossible either way. */
#define PERSONA (ADDR_NO_RANDOMIZE | WHOLE_SECONDS)
#define PERSONA_SETID_CLEARED (PERSONA & ~(READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | \
                                           ADDR_COMPAT_LAYOUT | MMAP_PAGE_ZERO))

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t altbuf[ALT_SIZE] __attribute__((aligned(16)));
static volatile long usr1_seen, usr2_seen;
static volatile uintptr_t onstack_at;
static struct { uint64_t next; long offset; uint64_t pending; } my_head;
static int my_tid;

static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

/* A query answered with an error (an answer the kernel may always give) says nothing:
 * the step that asked logs label 0 instead of judging the unwritten buffer. */
static int query_failed;

static void log_answer(int phase, long index)
{
    log_label(phase, query_failed ? 0 : index);
    query_failed = 0;
}

static void on_usr1(int signo) { (void)signo; usr1_seen++; }
static void on_usr2(int signo) { (void)signo; usr2_seen++; }
static void on_stack2(int signo)
{
    volatile int here = signo;
    onstack_at = (uintptr_t)&here;
}

static void install(int signo, void (*handler)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigaction(signo, &sa, NULL);
}

/* The kernel's struct sigaction as rt_sigaction() reads it back: the handler first. */
static uint64_t handler_of(int signo)
{
    uint64_t old[4] = {~0UL, 0, 0, 0};
    if (sys6(SYS_rt_sigaction, signo, 0, (long)old, 8, 0, 0) < 0)
        query_failed = 1;
    return old[0];
}

static uint64_t blocked_mask(void)
{
    uint64_t old = 0;
    if (sys6(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&old, 8, 0, 0) < 0)
        query_failed = 1;
    return old;
}

#define BIT(s) (1UL << ((s) - 1))

static uint8_t copies[128];

static int place_secret(void)
{
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return -1;
    }
    memcpy(copies + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    /* the "heap" copy at copies + 64, the "stack" copy at (copies + 48) + 16 */
    marker(P_PLACED, (long)copies, (long)copies + 48, 0, (long)win);
    return 0;
}

static int finish(void)
{
    uint8_t d[32];
    int bad = memcmp(copies + SECRET_OFF, secret, SECRET_LEN) != 0;
    sha256_secret((const uint8_t *)secret, d);
    (void)d;
    marker(P_END, bad, 0, 0, 0);
    say(bad ? "secret: TAMPERED\n" : "secret: intact\n");
    return bad ? 3 : 0;
}

/* Steps 1 and 2 (run by the image that holds the secret): a failed execve() changes
 * nothing, neither a disposition nor the blocked mask. */
static void failed_exec_steps(void)
{
    install(SIGWINCH, on_usr2, 0);
    marker(P_FAILED_EXEC, (long)logbuf, 0, 0, 0);
    static char *const none_args[] = {"r34-none", NULL};
    static char *const no_env[] = {NULL};
    long r = sys6(SYS_execve, (long)"/nonexistent/r34-none", (long)none_args, (long)no_env,
                  0, 0, 0);
    log_answer(P_FAILED_EXEC, r < 0 && handler_of(SIGWINCH) == (uint64_t)on_usr2 ? 0 : -4);

    marker(P_FAILED_MASK, (long)logbuf, 0, 0, 0);
    log_answer(P_FAILED_MASK, blocked_mask() & BIT(SIGUSR1) ? 1 : -4);
}

static void self_kill(int signo)
{
    sys6(SYS_tgkill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), sys6(SYS_gettid, 0, 0, 0, 0, 0, 0),
         signo, 0, 0, 0);
}

static int stage2(long timer_id, int timers, int onstack)
{
    long r;
    if (place_secret() < 0)
        return 1;
    marker(P_STAGE2, (long)altbuf, 0, 0, 0);

    marker(P_DISP_HANDLED, (long)logbuf, 0, 0, 0);
    log_answer(P_DISP_HANDLED, handler_of(SIGUSR2) == (uint64_t)SIG_DFL ? 0 : -4);

    marker(P_DISP_IGNORED, (long)logbuf, 0, 0, 0);
    log_answer(P_DISP_IGNORED, handler_of(SIGHUP) == (uint64_t)SIG_IGN ? 1 : -4);

    marker(P_MASK, (long)logbuf, 0, 0, 0);
    log_answer(P_MASK, blocked_mask() & BIT(SIGUSR1) ? 2 : -4);

    marker(P_ALTSTACK, (long)logbuf, 0, 0, 0);
    stack_t ss = {.ss_sp = 0, .ss_flags = 0, .ss_size = 0};
    if (sys6(SYS_sigaltstack, 0, (long)&ss, 0, 0, 0, 0) < 0)
        query_failed = 1;
    log_answer(P_ALTSTACK, ss.ss_flags & SS_DISABLE ? 3 : -4);

    marker(P_ROBUST, (long)logbuf, 0, 0, 0);
    uint64_t head = 0, len = 0;
    sys6(SYS_get_robust_list, 0, (long)&head, (long)&len, 0, 0, 0);
    log_label(P_ROBUST, head == (uint64_t)&my_head ? -4 : 0);

    marker(P_TIDADDR, (long)logbuf, 0, 0, 0);
    uint64_t tidaddr = 0;
    r = sys6(SYS_prctl, 40 /* PR_GET_TID_ADDRESS */, (long)&tidaddr, 0, 0, 0, 0);
    log_label(P_TIDADDR, r == 0 && tidaddr == (uint64_t)&my_tid ? -4 : 1);

    marker(P_PERSONA, (long)logbuf, 0, 0, 0);
    r = sys6(SYS_personality, 0xffffffffL, 0, 0, 0, 0, 0);
    log_label(P_PERSONA, r == PERSONA || r == PERSONA_SETID_CLEARED ? 2 : -4);

    marker(P_NAME, (long)logbuf, 0, 0, 0);
    char name[17] = {0};
    sys6(SYS_prctl, 16 /* PR_GET_NAME */, (long)name, 0, 0, 0, 0);
    log_label(P_NAME, strcmp(name, "r34-before") == 0 ? -4 : 3);

    if (timers) {
        marker(P_POSIX_TIMER, (long)logbuf, 0, 0, 0);
        uint64_t its[4] = {0};
        r = sys6(SYS_timer_gettime, timer_id, (long)its, 0, 0, 0, 0);
        log_label(P_POSIX_TIMER, r == 0 ? -4 : 0);
    }

    usr2_seen = 0;
    marker(P_STALE_HANDLER, (long)logbuf, (long)on_usr2, 0, 0);
    log_label(P_STALE_HANDLER, -4 * usr2_seen);

    install(SIGUSR1, on_usr1, 0);
    usr1_seen = 0;
    self_kill(SIGUSR1);
    marker(P_BLOCKED, (long)logbuf, 0, 0, 0);
    log_label(P_BLOCKED, -4 * usr1_seen);

    if (onstack) {
        install(SIGPROF, on_stack2, SA_ONSTACK);
        onstack_at = 0;
        marker(P_ONSTACK, (long)logbuf, (long)altbuf, ALT_SIZE, 0);
        self_kill(SIGPROF);
        log_label(P_ONSTACK, onstack_at >= (uintptr_t)altbuf &&
                  onstack_at < (uintptr_t)altbuf + ALT_SIZE ? -4 : 0);
    }

    failed_exec_steps();
    return finish();
}

int main(int argc, char **argv)
{
    marker(P_START, 0, 0, 0, 0);
    int timers = 0, onstack = 0;
    for (int i = 1; i < argc; i++) {
        timers |= strcmp(argv[i], "-t") == 0;
        onstack |= strcmp(argv[i], "-s") == 0;
    }
    if (argc >= 3 && strcmp(argv[1], "--stage2") == 0)
        return stage2(strtol(argv[2], NULL, 10), timers, onstack);

    /* Stage one: the state exec must keep or reset (no secret yet). */
    install(SIGHUP, SIG_IGN, 0);
    install(SIGUSR2, on_usr2, 0);
    uint64_t block = BIT(SIGUSR1);
    sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&block, 0, 8, 0, 0);
    stack_t ss = {.ss_sp = altbuf, .ss_flags = 0, .ss_size = ALT_SIZE};
    sys6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0);
    my_head.next = (uint64_t)&my_head;
    sys6(SYS_set_robust_list, (long)&my_head, sizeof my_head, 0, 0, 0, 0);
    sys6(SYS_set_tid_address, (long)&my_tid, 0, 0, 0, 0, 0);
    sys6(SYS_personality, PERSONA, 0, 0, 0, 0, 0);
    sys6(SYS_prctl, 15 /* PR_SET_NAME */, (long)"r34-before", 0, 0, 0, 0);
    int timer_id = 0;
    sys6(SYS_timer_create, CLOCK_MONOTONIC, 0, (long)&timer_id, 0, 0, 0);

    char idbuf[24];
    int n = 0, v = timer_id;
    char tmp[24];
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v && n < 20);
    for (int i = 0; i < n; i++)
        idbuf[i] = tmp[n - 1 - i];
    idbuf[n] = 0;
    char *args[5] = {"secret_r34_exec", "--stage2", idbuf, NULL, NULL};
    int k = 3;
    if (timers)
        args[k++] = "-t";
    if (onstack)
        args[k++] = "-s";
    static char *const env[] = {"R34_STAGE=2", NULL};
    marker(P_EXEC, (long)altbuf, (long)&my_head, (long)&my_tid, timer_id);
    sys6(SYS_execve, (long)SELF, (long)args, (long)env, 0, 0, 0);
    /* The exec failed (no such image here, as under qemu-user): stage two's checks of
     * what exec keeps cannot run; the failed-exec steps still do. */
    if (place_secret() < 0)
        return 1;
    failed_exec_steps();
    return finish();
}
