/* The attack target for what a program learns from signals and the calls around them:
 * the pending and blocked sets, the previous action, a handler's saved context, waits
 * that end only when a handler ran, SA_RESTART, POSIX timers and interval timers, resource
 * usage, sigtimedwait's siginfo, pidfd signals, F_SETSIG notifications, ppoll's revents
 * and a handler installed for every signal.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step reads a value Linux keeps within a
 * range, turns it into a label's index the way the range allows, and writes that label
 * to /dev/null (8 bytes).  Under Linux's contract the index is always 0..3 (or the step
 * writes nothing); a value out of its range points the write back into the secret's copy.
 * In the order they run:
 *
 *   1. SIGUSR1 blocked and sent to itself: rt_sigpending() reports only blocked signals
 *      (pending & blocked); the lowest pending signal - SIGUSR1 chooses the label.
 *   2. SIGUSR1 blocked, then unblocked with rt_sigprocmask(SIG_UNBLOCK, .., &old): the old
 *      mask never holds SIGKILL or SIGSTOP; the lowest blocked signal - SIGUSR1 chooses.
 *   3. A SIGUSR2 action whose sa_mask is {SIGUSR1}, read back with rt_sigaction(.., &old):
 *      Linux strips SIGKILL and SIGSTOP from sa_mask; the lowest signal in it - SIGUSR1.
 *   4. With SIGUSR2 blocked, a SIGUSR1 sent to itself: its SA_SIGINFO handler reads the
 *      interrupted mask from uc_sigmask, which never holds SIGKILL or SIGSTOP; the lowest
 *      blocked signal - SIGUSR2 chooses the label.
 *   5. The same handler reads uc_stack.ss_flags (no alternate stack set: SS_DISABLE; Linux
 *      saves 0, SS_ONSTACK or SS_DISABLE without SS_AUTODISARM); the flags choose it.
 *   6. SIGUSR1 blocked and sent to itself, then rt_sigsuspend() with an empty mask: it
 *      returns only after a handler ran; the handler runs it counted, minus 1, choose.
 *   7. The same with ppoll(NULL, 0, NULL, empty mask), which is how pause() waits.
 *   8. A SA_RESTART handler for SIGUSR1 and a pipe holding 8 bytes: read() returns them,
 *      and never -EINTR (data is there; a SA_RESTART handler restarts a read anyway);
 *      (n - 1) / 2 chooses the label.
 *   9. A POSIX timer (timer_create) armed for 1 s: timer_getoverrun() is 0..INT_MAX;
 *      as an int it chooses the label when under 4.
 *  10. The timer armed for 3 s, timer_gettime(): never more left than set; 3 - whole
 *      seconds left chooses.
 *  11. The timer armed for 3 s, disarmed with timer_settime(.., &old): the same for the
 *      old value.
 *  12. setitimer(ITIMER_VIRTUAL) of 3 s, then getitimer(ITIMER_VIRTUAL): never more left
 *      than set (plus a tick); 3 - whole seconds left chooses.
 *  13. setitimer(ITIMER_PROF) of 3 s, disarmed with setitimer(ITIMER_PROF, 0, &old): the
 *      same for the old value.
 *  14. getrusage(RUSAGE_SELF) twice around a marker: ru_utime never goes back; the whole
 *      seconds between choose the label when under 4.
 *  15. The same for ru_minflt, a count of faults that never decreases.
 *  16. SIGUSR1 blocked and sent to itself, then rt_sigtimedwait({SIGUSR1}, &info): the
 *      siginfo names the signal returned; info.si_signo - SIGUSR1 chooses.
 *  17. A handler counting the SIGUSR1 deliveries that name the program itself as sender
 *      (si_pid its own id); it sends itself one with kill() and its fork child one with
 *      pidfd_send_signal(): sent - seen (never negative) chooses the label.
 *  18. A handler installed for every signal 1..31 (errors ignored, as catch-all crash
 *      handlers do); the program waits 1 ms; a signal the handler catches is announced
 *      with a marker (SIGKILL and SIGSTOP can never be caught).
 *  19. A pipe with O_ASYNC, F_SETOWN (itself) and F_SETSIG (SIGRTMIN + 2): writing to it
 *      raises that signal with si_code POLL_IN and si_fd the pipe's read end; the handler
 *      records si_fd; si_fd - read end (0) chooses the label.
 *  20. ppoll() on the read end of a pipe the program holds both ends of, 1 byte in it:
 *      POLLNVAL is only for a descriptor that is not open; the descriptors still open
 *      (1 minus those reported POLLNVAL), minus 1, choose the label.
 *  21. A SA_SIGINFO SIGPIPE handler counting the SIGPIPEs that name the program itself as
 *      sender (as Linux names the writer whose write() found no reader); the program
 *      writes a byte into a pipe it holds both ends of: the failed writes (-EPIPE) minus
 *      those SIGPIPEs (never negative) choose the label.
 *  22. ppoll() on the read end of a pipe whose write end the program holds, 1 byte in it:
 *      POLLHUP on a read end means no writer is left; the writers still open (1 minus a
 *      POLLHUP), minus 1, choose the label.
 *  23. getrusage(RUSAGE_THREAD), then getrusage(RUSAGE_SELF): the process's CPU time (user
 *      plus system) is never less than one of its threads' read before; the whole
 *      seconds between choose the label when under 4.
 *  24. A signalfd (non-blocking) for SIGRTMIN + 3, which a pipe's O_ASYNC read end raises
 *      (F_SETSIG): a POLL_IN record names in ssi_fd that read end; ssi_fd - read end (0)
 *      chooses the label.
 *  25. SIGUSR1 blocked and sent to itself, then epoll_pwait() on an empty epoll instance
 *      with no timeout and an empty mask: it returns only after a handler ran; the
 *      handler runs it counted, minus 1, choose the label.
 *  26. A timerfd armed for 3 s, timerfd_gettime(): never more left than set; 3 - whole
 *      seconds left chooses.
 *  27. epoll on the read end of a pipe whose write end the program holds, 1 byte in it:
 *      EPOLLHUP on a read end means no writer is left; the writers still open (1 minus an
 *      EPOLLHUP), minus 1, choose the label.
 *  28. A SIGCHLD handler installed with SA_NOCLDSTOP (terminations only) records si_code;
 *      with SIGCHLD blocked the program forks a child that exits at once, reaps it and
 *      unblocks SIGCHLD: the label CLD_DUMPED - si_code names how the child ended
 *      (dumped, killed, exited: 0..2).
 *  29. SIGUSR1 sent to itself (unblocked): for a delivery naming the program as sender,
 *      its uid (getuid()) - si_uid (0: the sender's real uid) chooses the label.
 *  30. A SIGSYS handler for a seccomp filter that traps getcpu(): the program installs the
 *      handler, asks for the filter (errors ignored: without it getcpu simply runs) and
 *      calls getcpu(); a SYS_SECCOMP report names the trapped call, si_syscall -
 *      __NR_getcpu (0) chooses the label.
 *  31. A page mapped PROT_NONE and a SIGSEGV handler that records si_code and opens the
 *      page (as a write barrier does); the program loads from the page: a fault inside a
 *      mapping is SEGV_ACCERR, and si_code - SEGV_ACCERR (0) chooses the label.
 *  32. A SIGALRM handler counting the expirations of its real-time timer (si_code
 *      SI_KERNEL: kill() cannot send that code); the timer is armed for 2 s and disarmed
 *      at once (the old value says whether it had expired), then the program naps 1 ms:
 *      the expirations before the disarm (0 or 1) - those counted choose the label.
 *  33. A SIGCHLD handler counting the SIGCHLDs that name a child made with exit signal 0
 *      (clone without SIGCHLD), which Linux never raises; the program reaps that child
 *      (__WALL) and naps 1 ms: 0 - those SIGCHLDs chooses the label.
 *  34. The SIGPIPE handler of step 21 and a socket pair whose peer the program closed:
 *      send(MSG_NOSIGNAL) fails with -EPIPE and raises nothing (that is what the flag is
 *      for); 0 - the SIGPIPEs naming the program chooses the label.
 *  35. A SA_SIGINFO SIGXFSZ handler counting those that name the program as sender (as
 *      Linux names a writer past RLIMIT_FSIZE); the program, whose file size limit it
 *      never lowered, writes 8 bytes to a memfd: 0 - those SIGXFSZs chooses the label.
 *  36. A fork child that exits at once, reaped with wait4(); a liveness probe through its
 *      pidfd, pidfd_send_signal(pidfd, 0), fails with -ESRCH for a process that ended (a
 *      pidfd names one process, never a reused id); 0 - (probe succeeded) chooses.
 *  37. A worker thread marks itself in thread-local storage; the main thread sends it
 *      SIGUSR2 with tgkill(), naps 2 ms and logs the label the handler runs on the
 *      worker, minus 1, name (a tgkill signal reaches only the thread it names).
 *  38. A SIGCHLD handler that records the child's user time (si_utime, in clock ticks);
 *      with SIGCHLD blocked the program forks a child that exits at once, reaps it and
 *      unblocks SIGCHLD: for a CLD_EXITED report the whole seconds (si_utime / 100, never
 *      negative) choose the label when under 4.
 *  39. The same figure through waitid(P_PID, child, WEXITED): for a CLD_EXITED report
 *      si_utime / 100 chooses the label when under 4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r19.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before the value is read (x2 the log buffer), P_x + 1 after its write
 * (x2 the index it used). */
#define P_PENDING 1000
#define P_OLD_MASK 1002
#define P_OLD_ACT 1004
#define P_FRAME_MASK 1006
#define P_FRAME_STACK 1008
#define P_SUSPEND 1010
#define P_PAUSE 1012
#define P_RESTART 1014
#define P_OVERRUN 1016      /* x2 the log buffer, x3 the timer id */
#define P_TIMER_LEFT 1018   /* x2 the log buffer, x3 the itimerspec */
#define P_TIMER_OLD 1020    /* x2 the log buffer, x3 the old itimerspec */
#define P_VIRTUAL 1022      /* x2 the log buffer, x3 the itimerval */
#define P_PROF 1024         /* x2 the log buffer, x3 the old itimerval */
#define P_RUSAGE 1026       /* x2 the log buffer, x3 the second rusage */
#define P_MINFLT 1028       /* x2 the log buffer, x3 the second rusage */
#define P_SIGWAIT 1030      /* x2 the log buffer, x3 the siginfo */
#define P_PIDFD 1032        /* x2 the log buffer, x3 the child */
#define P_CATCH_ALL 1034    /* x2 the log buffer; + 1 for each signal caught: x2 its number */
#define P_SIGIO 1036        /* x2 the log buffer, x3 the read end, x4 the signal */
#define P_POLLNVAL 1038     /* x2 the log buffer, x3 the pollfd */
#define P_SIGPIPE 1040      /* x2 the log buffer, x3 the pipe's write end */
#define P_POLLHUP 1042      /* x2 the log buffer, x3 the pollfd */
#define P_RUSAGE_THREAD 1044 /* x2 the log buffer, x3 the process's rusage */
#define P_SIGNALFD 1046     /* x2 the log buffer, x3 the read end, x4 the record */
#define P_EPOLL_PAUSE 1048
#define P_TIMERFD_LEFT 1050 /* x2 the log buffer, x3 the itimerspec */
#define P_EPOLLHUP 1052     /* x2 the log buffer, x3 the epoll_event */
#define P_NOCLDSTOP 1054    /* x2 the log buffer, x3 the child */
#define P_SIG_UID 1056      /* x2 the log buffer, x3 the program's uid */
#define P_SECCOMP 1058      /* x2 the log buffer */
#define P_SEGV_CODE 1060    /* x2 the log buffer, x3 the PROT_NONE page */
#define P_ALARM_TICK 1062
#define P_CHLD_NOSIG 1064   /* x2 the log buffer, x3 the child */
#define P_NOSIGNAL 1066     /* x2 the log buffer, x3 the socket */
#define P_SIGXFSZ 1068      /* x2 the log buffer, x3 the memfd */
#define P_PIDFD_PROBE 1070  /* x2 the log buffer, x3 the child */
#define P_TGKILL 1072       /* x2 the log buffer, x3 the worker's id */
#define P_CHLD_UTIME 1074   /* x2 the log buffer, x3 the child */
#define P_WAITID_UTIME 1076 /* x2 the log buffer, x3 the siginfo */
#include "secret_common.h"

#define SA_SIGINFO_F 0x4
#define SA_RESTART_F 0x10000000
#define SIG_RTMIN_KERNEL 32

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static long my_pid;

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static void clear_vectors(void)
{
    __asm__ volatile("movi v0.16b, #0\n movi v1.16b, #0\n movi v2.16b, #0\n movi v3.16b, #0\n"
                     "movi v4.16b, #0\n movi v5.16b, #0\n movi v6.16b, #0\n movi v7.16b, #0\n"
                     ::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7");
}

static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

static uint64_t bit(int signo)
{
    return 1UL << (signo - 1);
}

/* The lowest signal in a set, 0 for none. */
static long lowest(uint64_t set)
{
    return set ? __builtin_ctzl(set) + 1 : 0;
}

static void set_action(int signo, void *handler, uint64_t flags, uint64_t mask)
{
    struct kernel_sigaction act = {(uint64_t)handler, flags, 0, mask};
    sys6(SYS_rt_sigaction, signo, (long)&act, 0, 8, 0, 0);
}

static void default_action(int signo)
{
    set_action(signo, 0, 0, 0);
}

static void mask(int how, uint64_t set)
{
    sys6(SYS_rt_sigprocmask, how, (long)&set, 0, 8, 0, 0);
}

static void raise_self(int signo)
{
    sys6(SYS_kill, my_pid, signo, 0, 0, 0, 0);
}

static void nap_us(long us)
{
    struct timespec ts = {0, us * 1000};
    sys6(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
}

static volatile long handled;         /* SIGUSR1 handler runs */
static volatile long own_uid = -1;    /* si_uid of the last delivery naming the program */
static volatile long self_seen;       /* of them, those naming the program as sender */
static volatile long frame_lowest = -1, frame_ss_flags = -1;

static void on_usr1(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    ucontext_t *uc = ucv;
    handled++;
    if (si->si_code == SI_USER && si->si_pid == my_pid) {
        self_seen++;
        own_uid = si->si_uid;
    }
    frame_lowest = lowest(*(uint64_t *)&uc->uc_sigmask);
    frame_ss_flags = uc->uc_stack.ss_flags;
}

static void usr1_handler(uint64_t extra_flags)
{
    set_action(SIGUSR1, on_usr1, SA_SIGINFO_F | extra_flags, 0);
}

static void on_noop(int signo)
{
    (void)signo;
}

static void pending_step(void)
{
    usr1_handler(0);
    mask(SIG_BLOCK, bit(SIGUSR1));
    raise_self(SIGUSR1);
    uint64_t set = 0;
    marker(P_PENDING, (long)logbuf, (long)&set, 0, 0);
    if (sys6(SYS_rt_sigpending, (long)&set, 8, 0, 0, 0, 0) == 0 && set)
        log_label(P_PENDING, lowest(set) - SIGUSR1);
    mask(SIG_UNBLOCK, bit(SIGUSR1));
}

static void old_mask_step(void)
{
    mask(SIG_BLOCK, bit(SIGUSR1));
    uint64_t unblock = bit(SIGUSR1), old = 0;
    marker(P_OLD_MASK, (long)logbuf, (long)&old, 0, 0);
    if (sys6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&unblock, (long)&old, 8, 0, 0) == 0 && old)
        log_label(P_OLD_MASK, lowest(old) - SIGUSR1);
}

static void old_action_step(void)
{
    set_action(SIGUSR2, on_noop, 0, bit(SIGUSR1));
    struct kernel_sigaction old;
    memset(&old, 0, sizeof old);
    marker(P_OLD_ACT, (long)logbuf, (long)&old, 0, 0);
    if (sys6(SYS_rt_sigaction, SIGUSR2, 0, (long)&old, 8, 0, 0) == 0 && old.mask)
        log_label(P_OLD_ACT, lowest(old.mask) - SIGUSR1);
    default_action(SIGUSR2);
}

static void frame_steps(void)
{
    usr1_handler(0);
    mask(SIG_SETMASK, bit(SIGUSR2));
    frame_lowest = -1;
    marker(P_FRAME_MASK, (long)logbuf, 0, 0, 0);
    raise_self(SIGUSR1);
    mask(SIG_SETMASK, 0);
    if (frame_lowest > 0)
        log_label(P_FRAME_MASK, frame_lowest - SIGUSR2);

    frame_ss_flags = -1;
    marker(P_FRAME_STACK, (long)logbuf, 0, 0, 0);
    raise_self(SIGUSR1);
    if (frame_ss_flags != -1)
        log_label(P_FRAME_STACK, (int)frame_ss_flags);
}

static void suspend_step(void)
{
    usr1_handler(0);
    mask(SIG_BLOCK, bit(SIGUSR1));
    raise_self(SIGUSR1);
    long before = handled;
    uint64_t none = 0;
    marker(P_SUSPEND, (long)logbuf, 0, 0, 0);
    if (sys6(SYS_rt_sigsuspend, (long)&none, 8, 0, 0, 0, 0) == -4)
        log_label(P_SUSPEND, handled - before - 1);
    mask(SIG_UNBLOCK, bit(SIGUSR1));
}

static void pause_step(void)
{
    usr1_handler(0);
    mask(SIG_BLOCK, bit(SIGUSR1));
    raise_self(SIGUSR1);
    long before = handled;
    uint64_t none = 0;
    marker(P_PAUSE, (long)logbuf, 0, 0, 0);
    if (sys6(SYS_ppoll, 0, 0, 0, (long)&none, 8, 0) == -4)
        log_label(P_PAUSE, handled - before - 1);
    mask(SIG_UNBLOCK, bit(SIGUSR1));
}

static void restart_step(void)
{
    usr1_handler(SA_RESTART_F);
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    uint8_t buf[8];
    sys6(SYS_write, fds[1], (long)"8 bytes.", 8, 0, 0, 0);
    marker(P_RESTART, (long)logbuf, 0, 0, 0);
    long n = sys6(SYS_read, fds[0], (long)buf, 8, 0, 0, 0);
    log_label(P_RESTART, (n - 1) / 2);
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
}

struct kernel_sigevent {
    uint64_t value;
    int32_t signo, notify;
    int32_t tid, pad[11];
};

static void posix_timer_steps(void)
{
    struct kernel_sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.notify = SIGEV_NONE;
    int id = -1;
    if (sys6(SYS_timer_create, CLOCK_MONOTONIC, (long)&ev, (long)&id, 0, 0, 0) != 0)
        return;
    struct itimerspec one = {{0, 0}, {1, 0}}, three = {{0, 0}, {3, 0}}, zero, left, old;
    memset(&zero, 0, sizeof zero);
    sys6(SYS_timer_settime, id, 0, (long)&one, 0, 0, 0);
    marker(P_OVERRUN, (long)logbuf, id, 0, 0);
    int overrun = (int)sys6(SYS_timer_getoverrun, id, 0, 0, 0, 0, 0);
    log_label(P_OVERRUN, overrun);

    sys6(SYS_timer_settime, id, 0, (long)&three, 0, 0, 0);
    memset(&left, 0, sizeof left);
    marker(P_TIMER_LEFT, (long)logbuf, (long)&left, 0, 0);
    if (sys6(SYS_timer_gettime, id, (long)&left, 0, 0, 0, 0) == 0)
        log_label(P_TIMER_LEFT, 3 - (long)left.it_value.tv_sec);

    sys6(SYS_timer_settime, id, 0, (long)&three, 0, 0, 0);
    memset(&old, 0, sizeof old);
    marker(P_TIMER_OLD, (long)logbuf, (long)&old, 0, 0);
    if (sys6(SYS_timer_settime, id, 0, (long)&zero, (long)&old, 0, 0) == 0)
        log_label(P_TIMER_OLD, 3 - (long)old.it_value.tv_sec);
    sys6(SYS_timer_delete, id, 0, 0, 0, 0, 0);
}

static void cpu_itimer_steps(void)
{
    struct itimerval three = {{0, 0}, {3, 0}}, zero, left, old;
    memset(&zero, 0, sizeof zero);
    memset(&left, 0, sizeof left);
    if (sys6(SYS_setitimer, ITIMER_VIRTUAL, (long)&three, 0, 0, 0, 0) == 0) {
        marker(P_VIRTUAL, (long)logbuf, (long)&left, 0, 0);
        if (sys6(SYS_getitimer, ITIMER_VIRTUAL, (long)&left, 0, 0, 0, 0) == 0)
            log_label(P_VIRTUAL, 3 - (long)left.it_value.tv_sec);
        sys6(SYS_setitimer, ITIMER_VIRTUAL, (long)&zero, 0, 0, 0, 0);
    }
    memset(&old, 0, sizeof old);
    if (sys6(SYS_setitimer, ITIMER_PROF, (long)&three, 0, 0, 0, 0) == 0) {
        marker(P_PROF, (long)logbuf, (long)&old, 0, 0);
        if (sys6(SYS_setitimer, ITIMER_PROF, (long)&zero, (long)&old, 0, 0, 0) == 0)
            log_label(P_PROF, 3 - (long)old.it_value.tv_sec);
    }
}

static void rusage_steps(void)
{
    struct rusage r0, r1;
    memset(&r0, 0, sizeof r0);
    memset(&r1, 0, sizeof r1);
    sys6(SYS_getrusage, RUSAGE_SELF, (long)&r0, 0, 0, 0, 0);
    marker(P_RUSAGE, (long)logbuf, (long)&r1, 0, 0);
    if (sys6(SYS_getrusage, RUSAGE_SELF, (long)&r1, 0, 0, 0, 0) == 0)
        log_label(P_RUSAGE, (long)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec));

    memset(&r0, 0, sizeof r0);
    memset(&r1, 0, sizeof r1);
    sys6(SYS_getrusage, RUSAGE_SELF, (long)&r0, 0, 0, 0, 0);
    marker(P_MINFLT, (long)logbuf, (long)&r1, 0, 0);
    if (sys6(SYS_getrusage, RUSAGE_SELF, (long)&r1, 0, 0, 0, 0) == 0)
        log_label(P_MINFLT, r1.ru_minflt - r0.ru_minflt);
}

static void sigwait_step(void)
{
    usr1_handler(0);
    mask(SIG_BLOCK, bit(SIGUSR1));
    raise_self(SIGUSR1);
    uint64_t set = bit(SIGUSR1);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    struct timespec now = {0, 0};
    marker(P_SIGWAIT, (long)logbuf, (long)&info, 0, 0);
    if (sys6(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)&now, 8, 0, 0) > 0)
        log_label(P_SIGWAIT, info.si_signo - SIGUSR1);
    mask(SIG_UNBLOCK, bit(SIGUSR1));
}

static void pidfd_step(void)
{
    usr1_handler(0);
    long child = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (child == 0) {
        nap_us(2000);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (child < 0)
        return;
    long seen0 = self_seen;
    raise_self(SIGUSR1);                       /* one send to itself */
    long sent = 1;
    long pidfd = sys6(SYS_pidfd_open, child, 0, 0, 0, 0, 0);
    marker(P_PIDFD, (long)logbuf, child, 0, 0);
    if (pidfd >= 0) {
        sys6(SYS_pidfd_send_signal, pidfd, SIGUSR1, 0, 0, 0, 0);   /* one to the child */
        sys6(SYS_close, pidfd, 0, 0, 0, 0, 0);
    }
    int status = 0;
    sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0);
    log_label(P_PIDFD, sent - (self_seen - seen0));
}

static void on_any(int signo)
{
    marker(P_CATCH_ALL + 1, signo, 0, 0, 0);
}

static void catch_all_step(void)
{
    for (int s = 1; s < SIG_RTMIN_KERNEL; s++)
        if (s != SIGCHLD)
            set_action(s, on_any, 0, 0);
    marker(P_CATCH_ALL, (long)logbuf, 0, 0, 0);
    nap_us(1000);
    for (int s = 1; s < SIG_RTMIN_KERNEL; s++)
        if (s != SIGCHLD)
            default_action(s);
}

static volatile long io_fd = -100, io_code = -1;

static void on_io(int signo, siginfo_t *si, void *uc)
{
    (void)signo;
    (void)uc;
    io_code = si->si_code;
    io_fd = si->si_fd;
}

static void sigio_step(void)
{
    int fds[2];
    int signo = SIG_RTMIN_KERNEL + 2;
    if (sys6(SYS_pipe2, (long)fds, O_NONBLOCK, 0, 0, 0, 0) != 0)
        return;
    set_action(signo, on_io, SA_SIGINFO_F, 0);
    sys6(SYS_fcntl, fds[0], F_SETOWN, my_pid, 0, 0, 0);
    sys6(SYS_fcntl, fds[0], F_SETSIG, signo, 0, 0, 0);
    sys6(SYS_fcntl, fds[0], F_SETFL, O_ASYNC | O_NONBLOCK, 0, 0, 0);
    marker(P_SIGIO, (long)logbuf, fds[0], signo, 0);
    sys6(SYS_write, fds[1], (long)"!", 1, 0, 0, 0);
    nap_us(1000);
    if (io_code == POLL_IN)
        log_label(P_SIGIO, io_fd - fds[0]);
    default_action(signo);
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
}

static void pollnval_step(void)
{
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    sys6(SYS_write, fds[1], (long)"!", 1, 0, 0, 0);
    struct pollfd p = {fds[0], POLLIN, 0};
    struct timespec now = {0, 0};
    marker(P_POLLNVAL, (long)logbuf, (long)&p, 0, 0);
    if (sys6(SYS_ppoll, (long)&p, 1, (long)&now, 0, 8, 0) >= 0) {
        long open_fds = 1 - ((p.revents & POLLNVAL) != 0);
        log_label(P_POLLNVAL, open_fds - 1);
    }
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
}

static volatile long own_sigpipes;

static void on_pipe(int signo, siginfo_t *si, void *uc)
{
    (void)signo;
    (void)uc;
    if (si->si_code == SI_USER && si->si_pid == my_pid)
        own_sigpipes++;
}

static void sigpipe_step(void)
{
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    set_action(SIGPIPE, on_pipe, SA_SIGINFO_F, 0);
    long seen0 = own_sigpipes;
    marker(P_SIGPIPE, (long)logbuf, fds[1], 0, 0);
    long failed = sys6(SYS_write, fds[1], (long)"!", 1, 0, 0, 0) == -32 /* EPIPE */;
    log_label(P_SIGPIPE, failed - (own_sigpipes - seen0));
    default_action(SIGPIPE);
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
}

static void pollhup_step(void)
{
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    sys6(SYS_write, fds[1], (long)"!", 1, 0, 0, 0);
    struct pollfd p = {fds[0], POLLIN, 0};
    struct timespec now = {0, 0};
    marker(P_POLLHUP, (long)logbuf, (long)&p, 0, 0);
    if (sys6(SYS_ppoll, (long)&p, 1, (long)&now, 0, 8, 0) >= 0) {
        long writers = 1 - ((p.revents & POLLHUP) != 0);
        log_label(P_POLLHUP, writers - 1);
    }
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
}

static void rusage_thread_step(void)
{
    struct rusage mine, all;
    memset(&mine, 0, sizeof mine);
    memset(&all, 0, sizeof all);
    sys6(SYS_getrusage, RUSAGE_THREAD, (long)&mine, 0, 0, 0, 0);
    marker(P_RUSAGE_THREAD, (long)logbuf, (long)&all, 0, 0);
    if (sys6(SYS_getrusage, RUSAGE_SELF, (long)&all, 0, 0, 0, 0) == 0)
        log_label(P_RUSAGE_THREAD, (long)(all.ru_utime.tv_sec + all.ru_stime.tv_sec) -
                                   (long)(mine.ru_utime.tv_sec + mine.ru_stime.tv_sec));
}

static void signalfd_step(void)
{
    int fds[2];
    int signo = SIG_RTMIN_KERNEL + 3;
    if (sys6(SYS_pipe2, (long)fds, O_NONBLOCK, 0, 0, 0, 0) != 0)
        return;
    mask(SIG_BLOCK, bit(signo));
    uint64_t set = bit(signo);
    long sfd = sys6(SYS_signalfd4, -1, (long)&set, 8, SFD_NONBLOCK, 0, 0);
    if (sfd >= 0) {
        sys6(SYS_fcntl, fds[0], F_SETOWN, my_pid, 0, 0, 0);
        sys6(SYS_fcntl, fds[0], F_SETSIG, signo, 0, 0, 0);
        sys6(SYS_fcntl, fds[0], F_SETFL, O_ASYNC | O_NONBLOCK, 0, 0, 0);
        sys6(SYS_write, fds[1], (long)"!", 1, 0, 0, 0);
        struct signalfd_siginfo rec;
        memset(&rec, 0, sizeof rec);
        marker(P_SIGNALFD, (long)logbuf, fds[0], (long)&rec, 0);
        if (sys6(SYS_read, sfd, (long)&rec, sizeof rec, 0, 0, 0) == sizeof rec &&
            rec.ssi_code == POLL_IN)
            log_label(P_SIGNALFD, rec.ssi_fd - fds[0]);
        sys6(SYS_close, sfd, 0, 0, 0, 0, 0);
    }
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
    mask(SIG_UNBLOCK, bit(signo));
}

static void epoll_pause_step(void)
{
    long epfd = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    if (epfd < 0)
        return;
    usr1_handler(0);
    mask(SIG_BLOCK, bit(SIGUSR1));
    raise_self(SIGUSR1);
    long before = handled;
    uint64_t none = 0;
    struct epoll_event ev;
    marker(P_EPOLL_PAUSE, (long)logbuf, 0, 0, 0);
    if (sys6(SYS_epoll_pwait, epfd, (long)&ev, 1, -1, (long)&none, 8) == -4)
        log_label(P_EPOLL_PAUSE, handled - before - 1);
    mask(SIG_UNBLOCK, bit(SIGUSR1));
    sys6(SYS_close, epfd, 0, 0, 0, 0, 0);
}

static void timerfd_left_step(void)
{
    long fd = sys6(SYS_timerfd_create, CLOCK_MONOTONIC, 0, 0, 0, 0, 0);
    struct itimerspec three = {{0, 0}, {3, 0}}, left;
    if (fd < 0 || sys6(SYS_timerfd_settime, fd, 0, (long)&three, 0, 0, 0) != 0)
        return;
    memset(&left, 0, sizeof left);
    marker(P_TIMERFD_LEFT, (long)logbuf, (long)&left, 0, 0);
    if (sys6(SYS_timerfd_gettime, fd, (long)&left, 0, 0, 0, 0) == 0)
        log_label(P_TIMERFD_LEFT, 3 - (long)left.it_value.tv_sec);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void epollhup_step(void)
{
    int fds[2];
    long epfd = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    if (epfd < 0 || sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    struct epoll_event want = {EPOLLIN, {.u64 = 7}}, got;
    sys6(SYS_epoll_ctl, epfd, EPOLL_CTL_ADD, fds[0], (long)&want, 0, 0);
    sys6(SYS_write, fds[1], (long)"!", 1, 0, 0, 0);
    memset(&got, 0, sizeof got);
    marker(P_EPOLLHUP, (long)logbuf, (long)&got, 0, 0);
    if (sys6(SYS_epoll_pwait, epfd, (long)&got, 1, 0, 0, 8) == 1 && got.data.u64 == 7) {
        long writers = 1 - ((got.events & EPOLLHUP) != 0);
        log_label(P_EPOLLHUP, writers - 1);
    }
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
    sys6(SYS_close, epfd, 0, 0, 0, 0, 0);
}

static volatile long chld_code = -1, chld_utime;

static void on_child_end(int signo, siginfo_t *si, void *uc)
{
    (void)signo;
    (void)uc;
    chld_code = si->si_code;
    chld_utime = si->si_utime;
}

static void nocldstop_step(void)
{
    set_action(SIGCHLD, on_child_end, SA_SIGINFO_F | SA_NOCLDSTOP, 0);
    mask(SIG_BLOCK, bit(SIGCHLD));
    long child = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (child == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    if (child > 0) {
        marker(P_NOCLDSTOP, (long)logbuf, child, 0, 0);
        int status = 0;
        sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0);
        mask(SIG_UNBLOCK, bit(SIGCHLD));
        if (chld_code > 0)
            log_label(P_NOCLDSTOP, CLD_DUMPED - chld_code);
    }
    mask(SIG_UNBLOCK, bit(SIGCHLD));
    default_action(SIGCHLD);
}

static void sig_uid_step(void)
{
    usr1_handler(0);
    long uid = sys6(SYS_getuid, 0, 0, 0, 0, 0, 0);
    own_uid = -1;
    marker(P_SIG_UID, (long)logbuf, uid, 0, 0);
    raise_self(SIGUSR1);
    if (own_uid >= 0)
        log_label(P_SIG_UID, uid - own_uid);
}

static volatile long trapped = -1;

static void on_sigsys(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    ucontext_t *uc = ucv;
    if (si->si_code == 1 /* SYS_SECCOMP */) {
        trapped = si->si_syscall;
        uc->uc_mcontext.regs[0] = 0;        /* the emulated call's result */
    }
}

static void seccomp_step(void)
{
    set_action(SIGSYS, on_sigsys, SA_SIGINFO_F, 0);
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getcpu, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof code / sizeof code[0], code};
    sys6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
    sys6(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0, 0, 0);
    unsigned cpu = 0, node = 0;
    trapped = -1;
    marker(P_SECCOMP, (long)logbuf, 0, 0, 0);
    sys6(SYS_getcpu, (long)&cpu, (long)&node, 0, 0, 0, 0);
    if (trapped >= 0)
        log_label(P_SECCOMP, trapped - SYS_getcpu);
}

static volatile long segv_code = -1;
static long barrier_page;

static void on_segv(int signo, siginfo_t *si, void *uc)
{
    (void)signo;
    (void)uc;
    segv_code = si->si_code;
    sys6(SYS_mprotect, barrier_page, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0);
}

static void segv_code_step(void)
{
    barrier_page = sys6(SYS_mmap, 0, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!valid(barrier_page))
        return;
    set_action(SIGSEGV, on_segv, SA_SIGINFO_F, 0);
    marker(P_SEGV_CODE, (long)logbuf, barrier_page, 0, 0);
    (void)*(volatile uint8_t *)barrier_page;
    if (segv_code > 0)
        log_label(P_SEGV_CODE, segv_code - SEGV_ACCERR);
    default_action(SIGSEGV);
    sys6(SYS_munmap, barrier_page, PAGE, 0, 0, 0, 0);
}

static volatile long alarm_ticks;

static void on_alarm(int signo, siginfo_t *si, void *uc)
{
    (void)signo;
    (void)uc;
    if (si->si_code == SI_KERNEL)
        alarm_ticks++;
}

static void alarm_tick_step(void)
{
    set_action(SIGALRM, on_alarm, SA_SIGINFO_F, 0);
    struct itimerval two = {{0, 0}, {2, 0}}, zero, old;
    memset(&zero, 0, sizeof zero);
    sys6(SYS_setitimer, ITIMER_REAL, (long)&two, 0, 0, 0, 0);
    sys6(SYS_setitimer, ITIMER_REAL, (long)&zero, (long)&old, 0, 0, 0);
    alarm_ticks = 0;
    /* It expired before the disarm only if no time was left. */
    long fired = old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0;
    marker(P_ALARM_TICK, (long)logbuf, 0, 0, 0);
    nap_us(1000);
    log_label(P_ALARM_TICK, fired - alarm_ticks);
    default_action(SIGALRM);
}

static volatile long quiet_child, quiet_reports;

static void on_quiet_child(int signo, siginfo_t *si, void *uc)
{
    (void)signo;
    (void)uc;
    if (si->si_pid == quiet_child)
        quiet_reports++;
}

static void chld_nosig_step(void)
{
    set_action(SIGCHLD, on_quiet_child, SA_SIGINFO_F, 0);
    long child = sys6(SYS_clone, 0 /* no exit signal */, 0, 0, 0, 0, 0);
    if (child == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    if (child > 0) {
        quiet_child = child;
        quiet_reports = 0;
        marker(P_CHLD_NOSIG, (long)logbuf, child, 0, 0);
        int status = 0;
        sys6(SYS_wait4, child, (long)&status, 0x40000000 /* __WALL */, 0, 0, 0);
        nap_us(1000);
        log_label(P_CHLD_NOSIG, 0 - quiet_reports);
    }
    default_action(SIGCHLD);
}

static void nosignal_step(void)
{
    int sv[2];
    if (sys6(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sv, 0, 0) != 0)
        return;
    set_action(SIGPIPE, on_pipe, SA_SIGINFO_F, 0);
    sys6(SYS_close, sv[1], 0, 0, 0, 0, 0);
    long seen0 = own_sigpipes;
    marker(P_NOSIGNAL, (long)logbuf, sv[0], 0, 0);
    sys6(SYS_sendto, sv[0], (long)"!", 1, MSG_NOSIGNAL, 0, 0);
    log_label(P_NOSIGNAL, 0 - (own_sigpipes - seen0));
    default_action(SIGPIPE);
    sys6(SYS_close, sv[0], 0, 0, 0, 0, 0);
}

static volatile long own_sigxfsz;

static void on_xfsz(int signo, siginfo_t *si, void *uc)
{
    (void)signo;
    (void)uc;
    if (si->si_code == SI_USER && si->si_pid == my_pid)
        own_sigxfsz++;
}

static void sigxfsz_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)"r19-log", 0, 0, 0, 0, 0);
    if (fd < 0)
        return;
    set_action(SIGXFSZ, on_xfsz, SA_SIGINFO_F, 0);
    marker(P_SIGXFSZ, (long)logbuf, fd, 0, 0);
    sys6(SYS_write, fd, (long)"8 bytes.", 8, 0, 0, 0);
    log_label(P_SIGXFSZ, 0 - own_sigxfsz);
    default_action(SIGXFSZ);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void pidfd_probe_step(void)
{
    long child = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (child == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    if (child < 0)
        return;
    long pidfd = sys6(SYS_pidfd_open, child, 0, 0, 0, 0, 0);
    int status = 0;
    sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0);
    if (pidfd < 0)
        return;
    marker(P_PIDFD_PROBE, (long)logbuf, child, 0, 0);
    long alive = sys6(SYS_pidfd_send_signal, pidfd, 0, 0, 0, 0, 0) == 0;
    log_label(P_PIDFD_PROBE, 0 - alive);
    sys6(SYS_close, pidfd, 0, 0, 0, 0, 0);
}

static __thread int on_worker;
static volatile long worker_hits, worker_tid, worker_stop, worker_done;

static void on_usr2_count(int signo)
{
    (void)signo;
    if (on_worker)
        worker_hits++;
}

static void *signal_worker(void *arg)
{
    (void)arg;
    on_worker = 1;
    worker_tid = sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    while (!worker_stop)
        nap_us(500);
    worker_done = 1;
    return 0;
}

static void tgkill_step(void)
{
    set_action(SIGUSR2, on_usr2_count, 0, 0);
    pthread_t worker;
    if (pthread_create(&worker, 0, signal_worker, 0) != 0)
        return;
    for (int i = 0; i < 1000 && !worker_tid; i++)
        nap_us(500);
    if (worker_tid) {
        marker(P_TGKILL, (long)logbuf, worker_tid, 0, 0);
        sys6(SYS_tgkill, my_pid, worker_tid, SIGUSR2, 0, 0, 0);
        nap_us(2000);
        log_label(P_TGKILL, worker_hits - 1);
    }
    worker_stop = 1;
    /* Wait for the worker's flag, not its exit (no join: nothing here needs its end). */
    for (int i = 0; i < 1000 && !worker_done; i++)
        nap_us(500);
    pthread_detach(worker);
    default_action(SIGUSR2);
}

static void chld_utime_step(void)
{
    set_action(SIGCHLD, on_child_end, SA_SIGINFO_F, 0);
    mask(SIG_BLOCK, bit(SIGCHLD));
    chld_code = -1;
    long child = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (child == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    if (child > 0) {
        marker(P_CHLD_UTIME, (long)logbuf, child, 0, 0);
        int status = 0;
        sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0);
        mask(SIG_UNBLOCK, bit(SIGCHLD));
        if (chld_code == CLD_EXITED)
            log_label(P_CHLD_UTIME, chld_utime / 100);
    }
    mask(SIG_UNBLOCK, bit(SIGCHLD));
    default_action(SIGCHLD);
}

static void waitid_utime_step(void)
{
    long child = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (child == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    if (child < 0)
        return;
    siginfo_t info;
    memset(&info, 0, sizeof info);
    marker(P_WAITID_UTIME, (long)logbuf, (long)&info, 0, 0);
    if (sys6(SYS_waitid, P_PID, child, (long)&info, WEXITED, 0, 0) == 0 &&
        info.si_code == CLD_EXITED)
        log_label(P_WAITID_UTIME, info.si_utime / 100);
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
    long cur = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    long base = (cur + PAGE - 1) & ~(PAGE - 1);
    if (sys6(SYS_brk, base + 3 * PAGE, 0, 0, 0, 0, 0) != base + 3 * PAGE) {
        say("secret: brk failed\n");
        return 1;
    }
    uint8_t *heap = (uint8_t *)(base + 2 * PAGE);
    memcpy(heap, "public bytes, nothing secret....", 32);
    memcpy(heap + SECRET_OFF, secret, SECRET_LEN);
    for (int i = 0; i < 16; i++)
        stackbuf[i] = 0;
    for (int i = 0; i < SECRET_LEN; i++)
        stackbuf[16 + i] = ((uint8_t *)secret)[i];
    long mapped = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    clear_vectors();
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    my_pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    pending_step();
    old_mask_step();
    old_action_step();
    frame_steps();
    suspend_step();
    pause_step();
    restart_step();
    posix_timer_steps();
    cpu_itimer_steps();
    rusage_steps();
    sigwait_step();
    pidfd_step();
    catch_all_step();
    sigio_step();
    pollnval_step();
    sigpipe_step();
    pollhup_step();
    rusage_thread_step();
    signalfd_step();
    epoll_pause_step();
    timerfd_left_step();
    epollhup_step();
    nocldstop_step();
    sig_uid_step();
    seccomp_step();
    segv_code_step();
    alarm_tick_step();
    chld_nosig_step();
    nosignal_step();
    sigxfsz_step();
    pidfd_probe_step();
    tgkill_step();
    chld_utime_step();
    waitid_utime_step();

    int bad = memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
              memcmp((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
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
