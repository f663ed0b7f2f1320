/*
 * secret_results - the attack target for results a program trusts about buffers it owns.
 *
 *   secret_results        run once and report whether the secret survived
 *   secret_results -d     also print the SHA-256 of the secret
 *   secret_results -n     also run the steps that pass names (34, 35, 42, 45)
 *
 * It keeps the secret like `secret` does (a heap page, a stack buffer, an anonymous
 * page, announced by the same START and PLACED markers, checked at END), then makes
 * calls whose success means the kernel filled in a structure (or reported how much it
 * filled in) in a scratch area that held copies of the secret, and sends what the call
 * reported filled on to /dev/null (a log record):
 *
 *   1. getrusage(RUSAGE_SELF): the whole struct rusage (144 bytes).
 *   2. times(): the whole struct tms (32 bytes).
 *   3. rt_sigpending(): the 8-byte pending set.
 *   4. prctl(PR_GET_NAME): the 16-byte thread name.
 *   5. fork() a child that exits at once, wait4(child, &status, 0, &rusage): the rusage.
 *   6. getsockname() of a bound AF_UNIX socket, addrlen 16: addrlen bytes of the address.
 *   7. recvmsg(MSG_DONTWAIT) of one byte from a socketpair (a lone socket if there is
 *      none) with a 16-byte control buffer and a 16-byte name buffer: msg_controllen
 *      bytes of the control buffer, msg_namelen bytes of the name.
 *   8. getgroups(2, list): as many 4-byte ids as the call reports.
 *   9. epoll_pwait(ep, events, 1, 0) on an empty epoll set: as many 12-byte events as
 *      the call reports.
 *  10. statx("/dev/null"): the whole struct statx (256 bytes).
 *  11. getitimer(ITIMER_REAL): the struct itimerval (32 bytes).
 *  12. prlimit64(0, RLIMIT_NOFILE, NULL, &old): the old struct rlimit (16 bytes).
 *  13. timerfd_gettime() of a fresh timerfd: the struct itimerspec (32 bytes).
 *  14. fork() a child that exits at once, waitid(P_PID, child, &info, WEXITED): the
 *      six fields Linux writes (si_signo, si_errno, si_code; si_pid, si_uid, si_status).
 *  15. fstatfs() of /dev/null: the whole struct statfs (120 bytes).
 *  16. get_robust_list(0, &head, &len): the head pointer and length (16 bytes).
 *  17. clock_getres(CLOCK_MONOTONIC) and gettimeofday(): each 16-byte result.
 *  18. capget(v3 header, data): the two data records (24 bytes).
 *  19. newfstatat("/dev/null"): the whole struct stat (128 bytes).
 *  20. getresuid(&r, &e, &s) with the three ids side by side: the 12 bytes.
 *  21. pipe2(fds): the two descriptors (8 bytes), logged before use.
 *  22. getcpu(&cpu, &node): the 8 bytes.
 *  23. timer_gettime() of a fresh POSIX timer: the struct itimerspec (32 bytes).
 *  24. getrlimit(RLIMIT_NOFILE): the struct rlimit (16 bytes).
 *  25. SIGUSR1 blocked and sent to itself, rt_sigtimedwait({SIGUSR1}, &info): the
 *      whole siginfo (128 bytes).
 *  26. mincore() of a 16-page mapping: the 16-byte vector.
 *  27. getsockopt(SO_LINGER): optlen bytes of the struct linger (8).
 *  28. recvmmsg(MSG_DONTWAIT) with room for one message: as many 64-byte mmsghdr
 *      records as the call reports, msg_len bytes of the message's 8-byte buffer, and
 *      msg_controllen bytes at its msg_control (none: it passed no control buffer).
 *  29. timerfd_settime() and setitimer() disarming a timer: each old value (32 bytes).
 *  30. prctl(PR_GET_TID_ADDRESS): the 8-byte pointer.
 *  31. clock_nanosleep() and nanosleep() of 1 ns: the remaining time (16 bytes) when the
 *      call reports it was interrupted (EINTR).
 *  32. ppoll() of one pollfd with a zero timeout: as many 8-byte pollfds as it reports.
 *  33. read() of 64 bytes of /dev/zero into the scratch area (its copies of the secret
 *      are overwritten by the call), then readv() of an 8-byte and a 64-byte buffer
 *      there: the bytes each call reports read.
 *  34. prctl(PR_SET_NAME) of a short name ("rl") at the start of the scratch area, the
 *      secret's copies right behind its NUL.
 *  35. openat() of "/dev/null" spelt at the start of the scratch area, the secret's
 *      copies right behind its NUL.
 *  36. rseq() registration of an area, then its unregistration; the area's words are
 *      then reused for a copy of the secret.
 *  37. getresgid(&r, &e, &s) with the three ids side by side: the 12 bytes.
 *  38. timer_settime() disarming a POSIX timer: the old struct itimerspec (32 bytes).
 *  39. statfs("/"): the whole struct statfs (120 bytes).
 *  40. epoll_pwait2(ep, events, 1, &zero) on an empty epoll set: as many 12-byte events
 *      as the call reports.
 *  41. recvfrom(MSG_DONTWAIT) of one byte with a 16-byte source address and addrlen 16:
 *      addrlen bytes of the address.
 *  42. memfd_create(), faccessat(), statfs() and truncate() of short names (e.g. "rl")
 *      spelt at the start of the scratch area, the secret's copies right behind the NUL.
 *  43. ioctl(1, TCGETS), ioctl(1, TIOCGWINSZ) and ioctl(/dev/null, FS_IOC_GETFLAGS): the
 *      struct termios (60 bytes), struct winsize (8) and the flags word (8).
 *  44. fcntl(/dev/null, F_GETOWN_EX): the struct f_owner_ex (8 bytes).
 *  45. prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME) naming its anonymous page "rl", and
 *      renameat2() of a missing file to "rl", each name spelt at the start of the
 *      scratch area with the secret's copies right behind the NUL.
 *  46. epoll: an eventfd registered for EPOLLOUT with a pointer to a connection record
 *      as its data; epoll_pwait() on it, and for each event the record's 16-byte name,
 *      reached through the event's data pointer, is logged.
 *  47. set_tid_address(&word) with the word holding 12345 while the thread runs (the
 *      kernel clears it only when the thread exits), then set_tid_address(&other) and the
 *      first word reused (777): both values must stay as the program left them.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r10.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define SIGCHLD_ 17

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x announces the scratch area (x2) before the call, P_x + 1 the result. */
#define P_RUSAGE 200
#define P_TIMES 202
#define P_PENDING 204
#define P_PRNAME 206
#define P_WAITRU 208
#define P_SOCKNAME 210
#define P_RECVMSG 212
#define P_GROUPS 214
#define P_EPOLL 216
#define P_STATX 218
#define P_ITIMER 220
#define P_PRLIMIT 222
#define P_TIMERFD 224
#define P_WAITID 226
#define P_STATFS 228
#define P_ROBUST 230
#define P_CLOCKRES 232
#define P_TIMEOFDAY 234
#define P_CAPGET 236
#define P_FSTATAT 238
#define P_GETRESUID 240
#define P_PIPE 242
#define P_GETCPU 244
#define P_TIMERGET 246
#define P_RLIMIT 248
#define P_SIGINFO 250
#define P_MINCORE 252
#define P_LINGER 254
#define P_RECVMMSG 256
#define P_TFDSET 258
#define P_SETITIMER 260
#define P_TIDADDR 262
#define P_CLOCKSLEEP 264
#define P_NANOSLEEP 266
#define P_PPOLL 268
#define P_READBUF 270
#define P_SETNAME 272
#define P_PATH 274
#define P_RSEQ 276
#define P_GETRESGID 278
#define P_TIMERSET 280
#define P_STATFSPATH 282
#define P_EPOLL2 284
#define P_FROMLEN 286
#define P_MEMFDNAME 288
#define P_ACCESSNAME 290
#define P_STATFSNAME 292
#define P_TRUNCNAME 294
#define P_TCGETS 296
#define P_WINSZ 298
#define P_IOCFLAGS 300
#define P_OWNEX 302
#define P_VMANAME 304
#define P_RENAME 306
#define P_READV 308
#define P_EPDATA 310
#define P_TIDWORD 312
#define P_TIDOLD 314
#define RSEQ_SIG 0x53053053
#define EINTR_ 4
#define SCRATCH 512

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int tampered;                   /* kept for the referee (no register checks here) */
static int devnull = -1;
static union {
    uint8_t raw[SCRATCH];
    uint64_t words[SCRATCH / 8];
} scratch;

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static long anon_page(void)
{
    return sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* Work on the secret in the scratch area (copies of it everywhere in the area). */
static void work_in_scratch(void)
{
    for (unsigned i = 0; i + SECRET_LEN <= sizeof scratch.raw; i += SECRET_LEN)
        memcpy(scratch.raw + i, secret, SECRET_LEN);
}

static void log_bytes(const void *p, long n)
{
    if (n > 0)
        sys6(SYS_write, devnull, (long)p, n, 0, 0, 0);
}

/* A call of up to four arguments whose success (0) means `len` bytes at the scratch
 * area were filled in; those bytes are logged. */
static void filled_step(long phase, long nr, long a0, long a1, long a2, long a3, long len)
{
    work_in_scratch();
    marker(phase, (long)scratch.raw, 0, 0, 0);
    long r = sys6(nr, a0, a1, a2, a3, 0, 0);
    if (r == 0)
        log_bytes(scratch.raw, len);
    marker(phase + 1, r, 0, 0, 0);
}

static void times_step(void)
{
    work_in_scratch();
    marker(P_TIMES, (long)scratch.raw, 0, 0, 0);
    long r = sys6(SYS_times, (long)scratch.raw, 0, 0, 0, 0, 0);
    if (r >= 0)
        log_bytes(scratch.raw, 32);
    marker(P_TIMES + 1, r, 0, 0, 0);
}

static long fork_exited_child(void)
{
    long pid = sys6(SYS_clone, SIGCHLD_, 0, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    return pid;
}

static void wait_rusage_step(void)
{
    long pid = fork_exited_child();
    if (pid < 0)
        return;
    int status = -1;
    work_in_scratch();
    marker(P_WAITRU, (long)scratch.raw, pid, 0, 0);
    long r = sys6(SYS_wait4, pid, (long)&status, 0, (long)scratch.raw, 0, 0);
    if (r == pid)
        log_bytes(scratch.raw, 144);
    marker(P_WAITRU + 1, r, status, 0, 0);
}

static void waitid_step(void)
{
    long pid = fork_exited_child();
    if (pid < 0)
        return;
    work_in_scratch();
    marker(P_WAITID, (long)scratch.raw, pid, 0, 0);
    long r = sys6(SYS_waitid, 1 /* P_PID */, pid, (long)scratch.raw, 4 /* WEXITED */, 0, 0);
    if (r == 0) {   /* the six fields Linux writes (unsafe_put_user() each) */
        log_bytes(scratch.raw, 12);        /* si_signo, si_errno, si_code */
        log_bytes(scratch.raw + 16, 12);   /* si_pid, si_uid, si_status */
    }
    marker(P_WAITID + 1, r, 0, 0, 0);
}

static void sockname_step(void)
{
    long sock = sys6(SYS_socket, AF_UNIX, SOCK_DGRAM, 0, 0, 0, 0);
    if (sock < 0)
        return;
    struct sockaddr_un me = {.sun_family = AF_UNIX};
    memcpy(me.sun_path, "\0rl", 3);                       /* an abstract name */
    sys6(SYS_bind, sock, (long)&me, 2 + 3, 0, 0, 0);
    work_in_scratch();
    uint32_t *len = (uint32_t *)(scratch.raw + 4);
    *len = 16;
    marker(P_SOCKNAME, (long)scratch.raw + 8, (long)len, 0, 0);
    long r = sys6(SYS_getsockname, sock, (long)scratch.raw + 8, (long)len, 0, 0, 0);
    if (r == 0)
        log_bytes(scratch.raw + 8, *len);
    marker(P_SOCKNAME + 1, r, *len, 0, 0);
    sys6(SYS_close, sock, 0, 0, 0, 0, 0);
}

static void recvmsg_step(void)
{
    int sv[2];
    if (sys6(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, (long)sv, 0, 0) == 0) {
        sys6(SYS_write, sv[1], (long)"x", 1, 0, 0, 0);
    } else {
        /* No pair: a lone socket, whose recvmsg finds nothing to receive. */
        sv[0] = sv[1] = (int)sys6(SYS_socket, AF_UNIX, SOCK_DGRAM, 0, 0, 0, 0);
        if (sv[0] < 0)
            return;
    }
    work_in_scratch();
    uint8_t one;
    struct iovec iov = {.iov_base = &one, .iov_len = 1};
    struct msghdr msg = {.msg_name = scratch.raw + 64, .msg_namelen = 16, .msg_iov = &iov,
                         .msg_iovlen = 1, .msg_control = scratch.raw + 128,
                         .msg_controllen = 16};
    marker(P_RECVMSG, (long)&msg, (long)scratch.raw, 0, 0);
    long r = sys6(SYS_recvmsg, sv[0], (long)&msg, MSG_DONTWAIT, 0, 0, 0);
    if (r >= 0) {
        log_bytes(msg.msg_control, (long)msg.msg_controllen);
        log_bytes(msg.msg_name, (long)msg.msg_namelen);
    }
    marker(P_RECVMSG + 1, r, (long)msg.msg_controllen, (long)msg.msg_namelen, 0);
    sys6(SYS_close, sv[0], 0, 0, 0, 0, 0);
    if (sv[1] != sv[0])
        sys6(SYS_close, sv[1], 0, 0, 0, 0, 0);
}

static void groups_step(void)
{
    work_in_scratch();
    marker(P_GROUPS, (long)scratch.raw, 0, 0, 0);
    long n = sys6(SYS_getgroups, 2, (long)scratch.raw, 0, 0, 0, 0);
    if (n > 0)
        log_bytes(scratch.raw, 4 * n);
    marker(P_GROUPS + 1, n, 0, 0, 0);
}

static void epoll_step(void)
{
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    if (ep < 0)
        return;
    work_in_scratch();
    marker(P_EPOLL, (long)scratch.raw, 0, 0, 0);
    long n = sys6(SYS_epoll_pwait, ep, (long)scratch.raw, 1, 0, 0, 8);
    if (n > 0)
        log_bytes(scratch.raw, 12 * n);
    marker(P_EPOLL + 1, n, 0, 0, 0);
    sys6(SYS_close, ep, 0, 0, 0, 0, 0);
}

static void timerfd_step(void)
{
    long fd = sys6(SYS_timerfd_create, CLOCK_MONOTONIC, 0, 0, 0, 0, 0);
    if (fd < 0)
        return;
    filled_step(P_TIMERFD, SYS_timerfd_gettime, fd, (long)scratch.raw, 0, 0, 32);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void robust_step(void)
{
    work_in_scratch();
    marker(P_ROBUST, (long)scratch.raw, 0, 0, 0);
    long r = sys6(SYS_get_robust_list, 0, (long)scratch.raw, (long)scratch.raw + 8, 0, 0, 0);
    if (r == 0)
        log_bytes(scratch.raw, 16);
    marker(P_ROBUST + 1, r, 0, 0, 0);
}

static void capget_step(void)
{
    uint32_t header[2] = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
    work_in_scratch();
    marker(P_CAPGET, (long)scratch.raw, 0, 0, 0);
    long r = sys6(SYS_capget, (long)header, (long)scratch.raw, 0, 0, 0, 0);
    if (r == 0)
        log_bytes(scratch.raw, 24);
    marker(P_CAPGET + 1, r, 0, 0, 0);
}

static void pipe_step(void)
{
    work_in_scratch();
    marker(P_PIPE, (long)scratch.raw, 0, 0, 0);
    long r = sys6(SYS_pipe2, (long)scratch.raw, 0, 0, 0, 0, 0);
    if (r == 0)
        log_bytes(scratch.raw, 8);
    marker(P_PIPE + 1, r, 0, 0, 0);
    if (r == 0) {
        int fds[2];
        memcpy(fds, scratch.raw, sizeof fds);
        sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
    }
}

static void timer_step(void)
{
    int timer = -1;
    if (sys6(SYS_timer_create, CLOCK_MONOTONIC, 0, (long)&timer, 0, 0, 0) != 0)
        timer = 0;              /* the first timer id: the call still runs */
    filled_step(P_TIMERGET, SYS_timer_gettime, timer, (long)scratch.raw, 0, 0, 32);
    sys6(SYS_timer_delete, timer, 0, 0, 0, 0, 0);
}

static void siginfo_step(void)
{
    uint64_t set = 1UL << (SIGUSR1 - 1);
    sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 8, 0, 0);
    sys6(SYS_kill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), SIGUSR1, 0, 0, 0, 0);
    work_in_scratch();
    marker(P_SIGINFO, (long)scratch.raw, 0, 0, 0);
    long r = sys6(SYS_rt_sigtimedwait, (long)&set, (long)scratch.raw, 0, 8, 0, 0);
    if (r == SIGUSR1)
        log_bytes(scratch.raw, 128);
    marker(P_SIGINFO + 1, r, 0, 0, 0);
    /* Not taken: it stays blocked (unblocked, the pending SIGUSR1 would end the program). */
    if (r == SIGUSR1)
        sys6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&set, 0, 8, 0, 0);
}

static void mincore_step(void)
{
    long region = sys6(SYS_mmap, 0, 16 * PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!valid(region))
        return;
    filled_step(P_MINCORE, SYS_mincore, region, 16 * PAGE, (long)scratch.raw, 0, 16);
    sys6(SYS_munmap, region, 16 * PAGE, 0, 0, 0, 0);
}

static void linger_step(void)
{
    long sock = sys6(SYS_socket, AF_UNIX, SOCK_DGRAM, 0, 0, 0, 0);
    if (sock < 0)
        return;
    work_in_scratch();
    uint32_t *optlen = (uint32_t *)(scratch.raw + 4);
    *optlen = 8;
    marker(P_LINGER, (long)scratch.raw + 8, (long)optlen, 0, 0);
    long r = sys6(SYS_getsockopt, sock, SOL_SOCKET, SO_LINGER, (long)scratch.raw + 8,
                  (long)optlen, 0);
    if (r == 0)
        log_bytes(scratch.raw + 8, *optlen);
    marker(P_LINGER + 1, r, *optlen, 0, 0);
    sys6(SYS_close, sock, 0, 0, 0, 0, 0);
}

static void recvmmsg_step(void)
{
    long sock = sys6(SYS_socket, AF_UNIX, SOCK_DGRAM, 0, 0, 0, 0);
    if (sock < 0)
        return;
    work_in_scratch();
    /* One record at the start of the scratch area, its 8-byte buffer just after it. */
    struct mmsghdr *vec = (struct mmsghdr *)scratch.raw;
    struct iovec iov = {.iov_base = scratch.raw + 64, .iov_len = 8};
    memset(vec, 0, sizeof *vec);
    vec->msg_hdr.msg_iov = &iov;
    vec->msg_hdr.msg_iovlen = 1;
    marker(P_RECVMMSG, (long)vec, 0, 0, 0);
    long n = sys6(SYS_recvmmsg, sock, (long)vec, 1, MSG_DONTWAIT, 0, 0);
    if (n > 0) {
        log_bytes(vec, n * (long)sizeof *vec);
        log_bytes(iov.iov_base, vec->msg_len);
        log_bytes(vec->msg_hdr.msg_control, (long)vec->msg_hdr.msg_controllen);
    }
    marker(P_RECVMMSG + 1, n, 0, 0, 0);
    sys6(SYS_close, sock, 0, 0, 0, 0, 0);
}

static void old_timer_steps(void)
{
    uint64_t disarm[4] = {0, 0, 0, 0};
    long fd = sys6(SYS_timerfd_create, CLOCK_MONOTONIC, 0, 0, 0, 0, 0);
    if (fd >= 0) {
        filled_step(P_TFDSET, SYS_timerfd_settime, fd, 0, (long)disarm, (long)scratch.raw, 32);
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    }
    filled_step(P_SETITIMER, SYS_setitimer, 0 /* ITIMER_REAL */, (long)disarm,
                (long)scratch.raw, 0, 32);
}

/* A 1 ns sleep: the remaining time is logged when the call reports an interruption. */
static void sleep_step(long phase, long nr, long a0, long a1, long a2, long a3)
{
    work_in_scratch();
    marker(phase, (long)scratch.raw, 0, 0, 0);
    long r = sys6(nr, a0, a1, a2, a3, 0, 0);
    if (r == -EINTR_ || (r == EINTR_ && nr == SYS_clock_nanosleep))
        log_bytes(scratch.raw, 16);
    marker(phase + 1, r, 0, 0, 0);
}

static void ppoll_step(void)
{
    work_in_scratch();
    struct pollfd_ {
        int fd;
        short events, revents;
    } *pfd = (struct pollfd_ *)scratch.raw;
    pfd->fd = devnull;
    pfd->events = 4 /* POLLOUT */;
    pfd->revents = 0;
    struct timespec zero = {0, 0};
    marker(P_PPOLL, (long)scratch.raw, 0, 0, 0);
    long n = sys6(SYS_ppoll, (long)pfd, 1, (long)&zero, 0, 8, 0);
    if (n > 0)
        log_bytes(pfd, 8 * n);
    marker(P_PPOLL + 1, n, 0, 0, 0);
}

static void readbuf_step(void)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)"/dev/zero", O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return;
    work_in_scratch();
    marker(P_READBUF, (long)scratch.raw, 0, 0, 0);
    long n = sys6(SYS_read, fd, (long)scratch.raw, 64, 0, 0, 0);
    log_bytes(scratch.raw, n);
    marker(P_READBUF + 1, n, 0, 0, 0);
    /* The same with two buffers: 8 bytes, then 64 bytes further on. */
    work_in_scratch();
    struct iovec iov[2] = {{scratch.raw, 8}, {scratch.raw + 64, 64}};
    marker(P_READV, (long)iov, 0, 0, 0);
    n = sys6(SYS_readv, fd, (long)iov, 2, 0, 0, 0);
    if (n > 0) {
        log_bytes(iov[0].iov_base, n < 8 ? n : 8);
        log_bytes(iov[1].iov_base, n > 8 ? (n - 8 < 64 ? n - 8 : 64) : 0);
    }
    marker(P_READV + 1, n, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* A string at the start of the scratch area; the secret's copies right behind it. */
static void string_step(long phase, const char *text, long nr, long a0, long a2)
{
    work_in_scratch();
    memcpy(scratch.raw, text, strlen(text) + 1);
    marker(phase, (long)scratch.raw, 0, 0, 0);
    long r = nr == SYS_prctl ? sys6(nr, a0, (long)scratch.raw, 0, 0, 0, 0)
                             : sys6(nr, a0, (long)scratch.raw, a2, 0, 0, 0);
    marker(phase + 1, r, 0, 0, 0);
    if (nr == SYS_openat && r >= 0)
        sys6(SYS_close, r, 0, 0, 0, 0, 0);
}

static struct {
    uint32_t cpu_id_start, cpu_id;
    uint64_t rseq_cs;
    uint32_t flags, pad[3];
} rseq_area __attribute__((aligned(32)));

static void rseq_step(void)
{
    long r = sys6(SYS_rseq, (long)&rseq_area, sizeof rseq_area, 0, RSEQ_SIG, 0, 0);
    long u = r == 0 ? sys6(SYS_rseq, (long)&rseq_area, sizeof rseq_area, 1, RSEQ_SIG, 0, 0)
                    : r;
    memcpy(&rseq_area, secret, SECRET_LEN);              /* the area is free again */
    marker(P_RSEQ, (long)&rseq_area, r, u, 0);
    marker(P_RSEQ + 1, 0, 0, 0, 0);
}

static void timer_set_step(void)
{
    int timer = -1;
    uint64_t disarm[4] = {0, 0, 0, 0};
    if (sys6(SYS_timer_create, CLOCK_MONOTONIC, 0, (long)&timer, 0, 0, 0) != 0)
        timer = 0;
    filled_step(P_TIMERSET, SYS_timer_settime, timer, 0, (long)disarm, (long)scratch.raw, 32);
    sys6(SYS_timer_delete, timer, 0, 0, 0, 0, 0);
}

static void epoll2_step(void)
{
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    if (ep < 0)
        return;
    struct timespec zero = {0, 0};
    work_in_scratch();
    marker(P_EPOLL2, (long)scratch.raw, 0, 0, 0);
    long n = sys6(SYS_epoll_pwait2, ep, (long)scratch.raw, 1, (long)&zero, 0, 8);
    if (n > 0)
        log_bytes(scratch.raw, 12 * n);
    marker(P_EPOLL2 + 1, n, 0, 0, 0);
    sys6(SYS_close, ep, 0, 0, 0, 0, 0);
}

static void fromlen_step(void)
{
    long sock = sys6(SYS_socket, AF_UNIX, SOCK_DGRAM, 0, 0, 0, 0);
    if (sock < 0)
        return;
    work_in_scratch();
    uint8_t one;
    uint32_t *len = (uint32_t *)(scratch.raw + 4);
    *len = 16;
    marker(P_FROMLEN, (long)scratch.raw + 8, (long)len, 0, 0);
    long r = sys6(SYS_recvfrom, sock, (long)&one, 1, MSG_DONTWAIT, (long)scratch.raw + 8,
                  (long)len);
    if (r >= 0)
        log_bytes(scratch.raw + 8, *len);
    marker(P_FROMLEN + 1, r, *len, 0, 0);
    sys6(SYS_close, sock, 0, 0, 0, 0, 0);
}

/* A short name at the start of the scratch area (the secret's copies right behind its
 * NUL) passed as argument `pos` of a call of three arguments. */
static void name_step(long phase, const char *text, long nr, int pos, long b, long c)
{
    work_in_scratch();
    memcpy(scratch.raw, text, strlen(text) + 1);
    long name = (long)scratch.raw;
    marker(phase, name, 0, 0, 0);
    long r = pos == 0 ? sys6(nr, name, b, c, 0, 0, 0) : sys6(nr, b, name, c, 0, 0, 0);
    marker(phase + 1, r, 0, 0, 0);
    if (nr == SYS_memfd_create && r >= 0)
        sys6(SYS_close, r, 0, 0, 0, 0, 0);
}

static void vma_name_step(long page)
{
    work_in_scratch();
    memcpy(scratch.raw, "rl", 3);
    marker(P_VMANAME, (long)scratch.raw, 0, 0, 0);
    long r = sys6(SYS_prctl, 0x53564d41 /* PR_SET_VMA */, 0 /* PR_SET_VMA_ANON_NAME */, page,
                  PAGE, (long)scratch.raw, 0);
    marker(P_VMANAME + 1, r, 0, 0, 0);
}

static void rename_step(void)
{
    work_in_scratch();
    memcpy(scratch.raw, "rl", 3);
    marker(P_RENAME, (long)scratch.raw, 0, 0, 0);
    long r = sys6(SYS_renameat2, AT_FDCWD, (long)"/nonexistent-rl", AT_FDCWD, (long)scratch.raw,
                  0, 0);
    marker(P_RENAME + 1, r, 0, 0, 0);
}

static struct {
    char name[16];
    long served;
} event_conn = {"eventfd-conn", 0};

static void epoll_data_step(void)
{
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    if (ep < 0)
        return;
    long efd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = &event_conn};
    sys6(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, efd, (long)&ev, 0, 0);
    struct epoll_event got[4];
    memset(got, 0, sizeof got);
    marker(P_EPDATA, (long)got, (long)scratch.raw, 0, 0);
    long n = sys6(SYS_epoll_pwait, ep, (long)got, 4, 0, 0, 8);
    for (long i = 0; i < n && i < 4; i++) {
        typeof(event_conn) *conn = got[i].data.ptr;
        log_bytes(conn->name, sizeof conn->name);
        conn->served++;
    }
    marker(P_EPDATA + 1, n, event_conn.served, 0, 0);
    sys6(SYS_close, efd, 0, 0, 0, 0, 0);
    sys6(SYS_close, ep, 0, 0, 0, 0, 0);
}

static volatile uint32_t tid_word, tid_other;

static void tid_address_step(void)
{
    tid_word = 12345;
    sys6(SYS_set_tid_address, (long)&tid_word, 0, 0, 0, 0, 0);
    marker(P_TIDWORD, (long)&tid_word, 0, 0, 0);
    sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    if (tid_word != 12345)
        tampered = 1;
    marker(P_TIDWORD + 1, tid_word, 0, 0, 0);
    sys6(SYS_set_tid_address, (long)&tid_other, 0, 0, 0, 0, 0);
    tid_word = 777;                      /* no longer the kernel's to clear: reused */
    marker(P_TIDOLD, (long)&tid_word, 0, 0, 0);
    sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    if (tid_word != 777)
        tampered = 1;
    marker(P_TIDOLD + 1, tid_word, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0, names = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        names |= strcmp(argv[i], "-n") == 0;
    }
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
    long mapped = anon_page();
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    long raw = (long)scratch.raw;
    filled_step(P_RUSAGE, SYS_getrusage, 0 /* RUSAGE_SELF */, raw, 0, 0, 144);
    times_step();
    filled_step(P_PENDING, SYS_rt_sigpending, raw, 8, 0, 0, 8);
    filled_step(P_PRNAME, SYS_prctl, 16 /* PR_GET_NAME */, raw, 0, 0, 16);
    wait_rusage_step();
    sockname_step();
    recvmsg_step();
    groups_step();
    epoll_step();
    /* statx takes five arguments: the buffer is the fifth. */
    work_in_scratch();
    marker(P_STATX, raw, 0, 0, 0);
    {
        long r = sys6(SYS_statx, AT_FDCWD, (long)"/dev/null", 0, 0x7ff, raw, 0);
        if (r == 0)
            log_bytes(scratch.raw, 256);
        marker(P_STATX + 1, r, 0, 0, 0);
    }
    filled_step(P_ITIMER, SYS_getitimer, 0 /* ITIMER_REAL */, raw, 0, 0, 32);
    filled_step(P_PRLIMIT, SYS_prlimit64, 0, 7 /* RLIMIT_NOFILE */, 0, raw, 16);
    timerfd_step();
    waitid_step();
    filled_step(P_STATFS, SYS_fstatfs, devnull, raw, 0, 0, 120);
    robust_step();
    filled_step(P_CLOCKRES, SYS_clock_getres, CLOCK_MONOTONIC, raw, 0, 0, 16);
    filled_step(P_TIMEOFDAY, SYS_gettimeofday, raw, 0, 0, 0, 16);
    capget_step();
    filled_step(P_FSTATAT, SYS_newfstatat, AT_FDCWD, (long)"/dev/null", raw, 0, 128);
    filled_step(P_GETRESUID, SYS_getresuid, raw, raw + 4, raw + 8, 0, 12);
    pipe_step();
    filled_step(P_GETCPU, SYS_getcpu, raw, raw + 4, 0, 0, 8);
    timer_step();
    filled_step(P_RLIMIT, SYS_getrlimit, 7 /* RLIMIT_NOFILE */, raw, 0, 0, 16);
    mincore_step();
    linger_step();
    recvmmsg_step();
    old_timer_steps();
    filled_step(P_TIDADDR, SYS_prctl, 40 /* PR_GET_TID_ADDRESS */, raw, 0, 0, 8);
    {
        struct timespec ns = {0, 1};
        sleep_step(P_CLOCKSLEEP, SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&ns, raw);
        sleep_step(P_NANOSLEEP, SYS_nanosleep, (long)&ns, raw, 0, 0);
    }
    ppoll_step();
    readbuf_step();
    if (names) {
        string_step(P_SETNAME, "rl", SYS_prctl, 15 /* PR_SET_NAME */, 0);
        string_step(P_PATH, "/dev/null", SYS_openat, AT_FDCWD, O_WRONLY);
    }
    rseq_step();
    filled_step(P_GETRESGID, SYS_getresgid, raw, raw + 4, raw + 8, 0, 12);
    timer_set_step();
    {
        static const char root[] = "/";
        filled_step(P_STATFSPATH, SYS_statfs, (long)root, raw, 0, 0, 120);
    }
    epoll2_step();
    fromlen_step();
    if (names) {
        static uint8_t statbuf[128];
        name_step(P_MEMFDNAME, "rl", SYS_memfd_create, 0, 0, 0);
        name_step(P_ACCESSNAME, "rl", SYS_faccessat, 1, AT_FDCWD, F_OK);
        name_step(P_STATFSNAME, "/", SYS_statfs, 0, (long)statbuf, 0);
        name_step(P_TRUNCNAME, "rl", SYS_truncate, 0, 0, 0);
    }
    filled_step(P_TCGETS, SYS_ioctl, 1, 0x5401 /* TCGETS */, raw, 0, 60);
    filled_step(P_WINSZ, SYS_ioctl, 1, 0x5413 /* TIOCGWINSZ */, raw, 0, 8);
    filled_step(P_IOCFLAGS, SYS_ioctl, devnull, 0x80086601 /* FS_IOC_GETFLAGS */, raw, 0, 8);
    filled_step(P_OWNEX, SYS_fcntl, devnull, 16 /* F_GETOWN_EX */, raw, 0, 8);
    if (names)
        vma_name_step(mapped);
    epoll_data_step();
    tid_address_step();
    if (names)
        rename_step();
    siginfo_step();             /* last: where it fails, SIGUSR1 stays pending and blocked */
    memset(scratch.raw, 0, sizeof scratch.raw);

    int bad = tampered || memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
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
