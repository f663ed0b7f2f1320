/*
 * secret_r16_fds - the attack target for epoll registrations released by the less
 * common ways a descriptor goes: close_range(), a close in a process sharing the
 * descriptor table (CLONE_FILES), and exec's close-on-exec set by each way Linux offers.
 *
 *   secret_r16_fds       run steps 1-4 once and report whether the secret survived
 *   secret_r16_fds -e    run step 5 instead: register and run itself again with -x (the
 *                        image after the exec places the secret and reports)
 *   secret_r16_fds -T    run step 5 with a second thread calling execve()
 *   secret_r16_fds -E    run step 6 instead: register and run itself again with -y
 *   secret_r16_fds -V    run step 7 instead (a vfork child runs it with -z: it waits)
 *   secret_r16_fds -d    also print the SHA-256 of the secret
 *
 * It keeps the secret like `secret` does (a heap page, a stack buffer, an anonymous
 * page, announced by the same START and PLACED markers, checked at END).  Each step
 * registers an eventfd with an epoll instance (its data a pointer to a connection
 * record), releases the eventfd's file in its own way, reuses the record's memory for a
 * copy of the secret and registers a second record for a new eventfd; one wait (no
 * timeout), and the 16-byte name of each record reported is logged to /dev/null:
 *
 *   1. close_range(efd, efd, 0).
 *   2. close_range(efd, ~0U, 0) (efd is the highest descriptor open).
 *   3. close_range(efd, efd, CLOSE_RANGE_UNSHARE) (the table is not shared: efd closes).
 *   4. clone(CLONE_FILES | SIGCHLD): the child closes efd in the shared table and exits;
 *      the parent reaps it.
 *   8. (Run with steps 1-4.)  Two connection slots polled with ppoll() (no timeout):
 *      slot 0 an eventfd (POLLOUT), slot 1 freed (fd -1, its record's memory reused for
 *      a copy of the secret); the record of each slot whose revents is not zero is
 *      logged.  Linux never reports anything for a negative fd.
 *  11. (Run with steps 1-4.)  memfd A's page (mapped MAP_SHARED) holds a copy of the
 *      secret and is unmapped while A stays open; a new memfd B's page, mapped MAP_SHARED,
 *      is a fresh record whose 64-byte header (zeros) is written out.
 *   5. Exec: eighteen descriptors registered with one epoll instance, each made
 *      close-on-exec another way: six eventfds (ioctl FIOCLEX; fcntl F_SETFD;
 *      EFD_CLOEXEC; close_range CLOSE_RANGE_CLOEXEC; dup3(O_CLOEXEC) of a copy, the
 *      original closed; fcntl F_DUPFD_CLOEXEC, the original closed), then a timerfd
 *      (TFD_CLOEXEC), a signalfd (SFD_CLOEXEC), a pipe's write end (pipe2 O_CLOEXEC), a
 *      socketpair's end (SOCK_CLOEXEC), a datagram socket (SOCK_CLOEXEC), an epoll
 *      instance (EPOLL_CLOEXEC), a pidfd (always close-on-exec), and three eventfds more
 *      (fcntl F_SETFD with FD_CLOEXEC | 2: Linux takes bit 0; close_range CLOSE_RANGE_
 *      CLOEXEC | CLOSE_RANGE_UNSHARE; close_range(efd, ~0U, CLOSE_RANGE_CLOEXEC)), and a
 *      connection accept4(SOCK_CLOEXEC) took from an AF_UNIX listener, and /dev/random
 *      opened with O_CLOEXEC; the watching epoll
 *      descriptor is not.  The program runs itself again through execve() with "-x N"
 *      (N the epoll descriptor): the new image places the secret, copies it into the
 *      eighteen records (same addresses: the same static image), registers one record
 *      of its own for a new eventfd on the inherited instance, waits once and logs each
 *      reported record.  Linux dropped all eighteen registrations at the exec.
 *   6. Exec of a close-on-exec epoll instance (EPOLL_CLOEXEC) watching an eventfd (not
 *      close-on-exec; its data a pointer to a record): the program runs itself again with
 *      "-y"; the new image makes a new epoll instance first (the lowest free descriptor:
 *      the old instance's number), places the secret, copies it into the old record,
 *      registers a record of its own for a new eventfd, waits once and logs each
 *      reported record.  Linux dropped the old instance, and its registration, at exec.
 *   7. An eventfd registered with epoll, made close-on-exec (ioctl FIOCLEX) by the
 *      program before a vfork() or by the vfork child itself; the child runs the program
 *      with "-z N" through execve() (that image writes a byte down the pipe N, then
 *      waits until it is killed), which closes the child's copy; the parent reads that
 *      byte (the new image runs: the exec closed the copy), closes its own, reuses the record's memory for a copy of the secret, registers a second
 *      record, waits once and logs each reported record, then kills and reaps the child.
 *      Then the same twice more with the eventfd not close-on-exec: the vfork child
 *      closes its copy with close() before its execve(), or the new image closes the
 *      descriptor it inherited ("-c M") before it writes its byte.
 *   9. (Run with step 7.)  A vfork child runs the program with "-q" through execve():
 *      that image exits with status 7 at once; the parent reaps it and announces the
 *      status wait4() wrote.  Then the same reaped with waitid(P_PID, WEXITED) (si_code
 *      and si_status announced), and a plain fork child (no exec) that exits 7, reaped
 *      with waitid.
 *  10. (Run with step 7.)  A vfork child exits 7 with SIGCHLD blocked; the parent takes
 *      the SIGCHLD with rt_sigtimedwait() and announces its si_code and si_status, then
 *      the same read from a signalfd (ssi_code, ssi_status); it reaps the child each time.
 *  13. (Run with step 7, after 12.)  An eventfd registered with epoll (not close-on-exec)
 *      is inherited by a vfork child that runs the program with "-q" (exits 7); the
 *      parent reaps it, closes its own copy (the last), reuses the record's memory for a
 *      copy of the secret, registers a second record, waits once and logs each reported
 *      record.
 *  12. (Run with step 7.)  A SIGCHLD handler (SA_SIGINFO) notes si_code and si_status; a
 *      vfork child exits 7; the parent reaps it and announces what the handler noted.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r16.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* P_x: x2 the events buffer, x3 the retired record, x4 the live one; P_x + 1 the count. */
#define P_CR_ONE 700
#define P_CR_OPEN_END 702
#define P_CR_UNSHARE 704
#define P_FILES_CHILD 706
#define P_EXEC_BEFORE 708   /* x2 the epoll descriptor, x3 the first of the eighteen records,
                             x4 1: a second thread makes the execve() call */
#define P_EXEC_AFTER 710    /* x2 the events buffer, x3 the first of the 18, x4 the live one */
#define P_RENEW_BEFORE 712  /* x2 the close-on-exec epoll descriptor, x3 its record */
#define P_RENEW_AFTER 714
#define P_VFORK_EXEC 716    /* P_x layout; FIOCLEX set before the vfork */
#define P_VFORK_EXEC_CHILD 718  /* the same, FIOCLEX set by the vfork child itself */
#define P_VFORK_CLOSE 720   /* the same, the vfork child closes its copy before its exec */
#define P_VFORK_IMAGE_CLOSE 724  /* the same, the child's new image closes the inherited copy */
#define P_EXEC_STATUS 726   /* next: vfork, the child's image exits 7; P_x + 1: x2 wait4's status */
#define P_EXEC_WAITID 728   /* the same reaped by waitid: x2 si_code, x3 si_status; x2 info */
#define P_FORK_WAITID 730   /* a fork child (no exec) exits 7, reaped by waitid; the same */
#define P_SIGCHLD_WAIT 732  /* its SIGCHLD taken by rt_sigtimedwait: x2 the siginfo; the same */
#define P_SIGCHLD_FD 734    /* its SIGCHLD read from a signalfd: x2 the record; the same */
#define P_MEMFD_OTHER 736   /* x2 memfd A (holds the secret), x3 memfd B (new); next: map B */
#define P_EXEC_REAPED 740   /* P_x layout: the exec'd child holding the eventfd was reaped */
#define P_SIGCHLD_HANDLER 738  /* next: vfork, the child exits 7; P_x + 1: the handler's code, status */
#define P_POLL_SLOTS 722   /* x2 the pollfd array, x3 the records, x4 the freed slot's record */
#define CLONE_VM_ 0x100
#define CLONE_VFORK_ 0x4000   /* x2 the events buffer, x3 the old instance's record, x4 the live one */
#define CLOSE_RANGE_UNSHARE_ 2
#define CLOSE_RANGE_CLOEXEC_ 4
#define CLONE_FILES_ 0x400
#define FIOCLEX_ 0x5451
#define EPOLLOUT_ 0x004
#define EXEC_RECORDS 18
#define CLOEXEC_ 0x80000   /* O_CLOEXEC = EFD_, TFD_, SFD_, SOCK_, EPOLL_CLOEXEC */
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t events[64];

struct record {
    char name[16];
};
static struct record conns[2];
static struct record exec_recs[EXEC_RECORDS];
static struct record exec_live;

struct epoll_ev {
    uint32_t events, pad;
    uint64_t data;
};

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static void log_bytes(const void *p, long n)
{
    if (n > 0)
        sys6(SYS_write, devnull, (long)p, n, 0, 0, 0);
}

static void add(long ep, long fd, void *rec)
{
    struct epoll_ev ev = {EPOLLOUT_, 0, (uint64_t)rec};
    sys6(SYS_epoll_ctl, ep, 1 /* ADD */, fd, (long)&ev, 0, 0);
}

/* One wait on `ep` with no timeout; the name of each record reported is logged. */
static long wait_and_log(long ep, long phase, void *retired, void *live)
{
    memset(events, 0, sizeof events);
    marker(phase, (long)events, (long)retired, (long)live, 0);
    struct { long sec, nsec; } zero = {0, 0};
    long n = sys6(SYS_epoll_pwait2, ep, (long)events, 1, (long)&zero, 0, 8);
    for (long i = 0; i < n && i < 1; i++) {
        uint64_t data;
        memcpy(&data, events + 16 * i + 8, 8);
        log_bytes((const void *)data, 16);
    }
    marker(phase + 1, n, 0, 0, 0);
    return n;
}

/* Steps 1-4: register conns[0] for an eventfd, release it with `how`, reuse the record. */
static void released_step(long phase, int how)
{
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    long efd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    memcpy(conns[0].name, "conn-released...", 16);
    memcpy(conns[1].name, "conn-live.......", 16);
    add(ep, efd, &conns[0]);
    if (how == 0) {
        sys6(SYS_close_range, efd, efd, 0, 0, 0, 0);
    } else if (how == 1) {
        sys6(SYS_close_range, efd, ~0U, 0, 0, 0, 0);
    } else if (how == 2) {
        sys6(SYS_close_range, efd, efd, CLOSE_RANGE_UNSHARE_, 0, 0, 0);
    } else {
        long pid = sys6(SYS_clone, CLONE_FILES_ | 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
        if (pid == 0) {
            sys6(SYS_close, efd, 0, 0, 0, 0, 0);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        int status = -1;
        if (pid > 0)
            sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    }
    memcpy(conns[0].name, secret, 16);      /* the file is gone: its record's memory reused */
    long e2 = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    add(ep, e2, &conns[1]);
    wait_and_log(ep, phase, &conns[0], &conns[1]);
    memset(conns, 0, sizeof conns);
    sys6(SYS_close, e2, 0, 0, 0, 0, 0);
    sys6(SYS_close, ep, 0, 0, 0, 0, 0);
}

/* Step 5's records 6-12, 16 and 17: a descriptor made close-on-exec by the call that makes
 * it. */
static long made_cloexec(int i)
{
    int pair[2] = {-1, -1};
    uint64_t mask = 1UL << (12 - 1);        /* SIGUSR2 */
    switch (i) {
    case 6:
        return sys6(SYS_timerfd_create, 1 /* CLOCK_MONOTONIC */, CLOEXEC_, 0, 0, 0, 0);
    case 7:
        return sys6(SYS_signalfd4, -1, (long)&mask, 8, CLOEXEC_, 0, 0);
    case 8:
        sys6(SYS_pipe2, (long)pair, CLOEXEC_, 0, 0, 0, 0);
        return pair[1];
    case 9:
        sys6(SYS_socketpair, 1 /* AF_UNIX */, 1 /* SOCK_STREAM */ | CLOEXEC_, 0, (long)pair,
             0, 0);
        return pair[0];
    case 10:
        return sys6(SYS_socket, 1 /* AF_UNIX */, 2 /* SOCK_DGRAM */ | CLOEXEC_, 0, 0, 0, 0);
    case 11:
        return sys6(SYS_epoll_create1, CLOEXEC_, 0, 0, 0, 0, 0);
    case 12:
        return sys6(SYS_pidfd_open, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), 0, 0, 0, 0, 0);
    case 17:                                 /* a character device Linux polls */
        return sys6(SYS_openat, AT_FDCWD, (long)"/dev/random", O_RDONLY | CLOEXEC_, 0, 0, 0);
    default: {
        /* A connection accepted with SOCK_CLOEXEC on an abstract AF_UNIX listener. */
        static const char addr[] = "\1\0\0r16-accept";  /* sun_family 1, abstract name */
        long addrlen = sizeof addr - 1;
        long lsock = sys6(SYS_socket, 1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, 0, 0, 0);
        sys6(SYS_bind, lsock, (long)addr, addrlen, 0, 0, 0);
        sys6(SYS_listen, lsock, 1, 0, 0, 0, 0);
        long csock = sys6(SYS_socket, 1, 1, 0, 0, 0, 0);
        sys6(SYS_connect, csock, (long)addr, addrlen, 0, 0, 0);
        return sys6(SYS_accept4, lsock, 0, 0, CLOEXEC_, 0, 0);
    }
    }
}

/* Step 5's variant -T: a second thread of the program calls execve() (Linux ends the
 * other threads first); the main thread waits to be ended. */
static uint8_t exec_thread_stack[16384] __attribute__((aligned(16)));
static char *thread_argv[5], *thread_envp[1];

__attribute__((noreturn)) static void thread_exec(void)
{
    sys6(SYS_execve, (long)thread_argv[0], (long)thread_argv, (long)thread_envp, 0, 0, 0);
    sys6(SYS_exit_group, 127, 0, 0, 0, 0, 0);
    for (;;)
        ;
}

static long spawn_thread(void (*fn)(void), void *stack_top)
{
    register long x0 __asm__("x0") = 0x3d0f00;   /* CLONE_VM | FS | FILES | SIGHAND | THREAD |
                                                   SYSVSEM | SETTLS-less thread flags */
    register long x1 __asm__("x1") = (long)stack_top;
    register long x2 __asm__("x2") = 0;
    register long x3 __asm__("x3") = 0;
    register long x4 __asm__("x4") = 0;
    register long x8 __asm__("x8") = SYS_clone;
    register long x9 __asm__("x9") = (long)fn;
    __asm__ volatile("svc #0\n\tcbnz x0, 1f\n\tblr x9\n1:"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), "r"(x9)
                     : "memory", "cc", "x30");
    return x0;
}

/* Step 5, before the exec: eighteen close-on-exec registrations on a kept epoll instance. */
static void exec_step(const char *self, int from_thread)
{
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    for (int i = 0; i < EXEC_RECORDS; i++) {
        memcpy(exec_recs[i].name, "conn-at-exec....", 16);
        exec_recs[i].name[15] = (char)('0' + i);
        long fd = i < 6 || (i > 12 && i < 16)
                      ? sys6(SYS_eventfd2, 0, i == 2 ? CLOEXEC_ : 0, 0, 0, 0, 0)
                      : made_cloexec(i);
        if (i == 0) {
            sys6(SYS_ioctl, fd, FIOCLEX_, 0, 0, 0, 0);
        } else if (i == 1) {
            sys6(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC, 0, 0, 0);
        } else if (i == 3) {
            sys6(SYS_close_range, fd, fd, CLOSE_RANGE_CLOEXEC_, 0, 0, 0);
        } else if (i == 4) {
            long copy = sys6(SYS_dup3, fd, 40, O_CLOEXEC, 0, 0, 0);
            sys6(SYS_close, fd, 0, 0, 0, 0, 0);
            fd = copy;
        } else if (i == 5) {
            long copy = sys6(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 50, 0, 0, 0);
            sys6(SYS_close, fd, 0, 0, 0, 0, 0);
            fd = copy;
        } else if (i == 13) {
            sys6(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC | 2, 0, 0, 0);   /* Linux: bit 0 counts */
        } else if (i == 14) {
            sys6(SYS_close_range, fd, fd, CLOSE_RANGE_CLOEXEC_ | CLOSE_RANGE_UNSHARE_, 0, 0, 0);
        } else if (i == 15) {
            sys6(SYS_close_range, fd, ~0U, CLOSE_RANGE_CLOEXEC_, 0, 0, 0);
        }
        add(ep, fd, &exec_recs[i]);
    }
    char num[4] = {(char)('0' + ep / 10), (char)('0' + ep % 10), 0, 0};
    static char dash_x[] = "-x", dash_d[] = "-d";
    char *argv[] = {(char *)self, dash_x, num, dash_d, 0};
    char *envp[] = {0};
    marker(P_EXEC_BEFORE, ep, (long)exec_recs, from_thread, 0);
    if (from_thread) {
        static char num_kept[4];
        memcpy(num_kept, num, sizeof num_kept);
        thread_argv[0] = (char *)self;
        thread_argv[1] = dash_x;
        thread_argv[2] = num_kept;
        thread_argv[3] = dash_d;
        if (spawn_thread(thread_exec, exec_thread_stack + sizeof exec_thread_stack) > 0)
            for (;;)
                sys6(SYS_ppoll, 0, 0, 0, 0, 0, 0);
    }
    sys6(SYS_execve, (long)self, (long)argv, (long)envp, 0, 0, 0);
    say("secret: execve failed\n");
}

/* Step 6, before the exec: the watching instance itself is close-on-exec. */
static void renew_step(const char *self)
{
    long ep = sys6(SYS_epoll_create1, CLOEXEC_, 0, 0, 0, 0, 0);
    long efd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    memcpy(exec_recs[0].name, "conn-old-epoll..", 16);
    add(ep, efd, &exec_recs[0]);
    static char dash_y[] = "-y", dash_d[] = "-d";
    char *argv[] = {(char *)self, dash_y, dash_d, 0};
    char *envp[] = {0};
    marker(P_RENEW_BEFORE, ep, (long)exec_recs, 0, 0);
    sys6(SYS_execve, (long)self, (long)argv, (long)envp, 0, 0, 0);
    say("secret: execve failed\n");
}

/* Step 6, after the exec: a new instance (the old one's number, the lowest free). */
static void after_renew_step(long ep)
{
    memcpy(exec_recs[0].name, secret, 16);
    memcpy(exec_live.name, "conn-new-epoll..", 16);
    long e2 = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    add(ep, e2, &exec_live);
    wait_and_log(ep, P_RENEW_AFTER, exec_recs, &exec_live);
    memset(exec_recs, 0, sizeof exec_recs);
    sys6(SYS_close, e2, 0, 0, 0, 0, 0);
    sys6(SYS_close, ep, 0, 0, 0, 0, 0);
}

/* Step 7: a vfork child runs an image that waits forever through execve(); the child's
 * copy of the registered eventfd goes with the exec (child_sets 0: FIOCLEX set before the
 * vfork, 1: by the child), before it (2: the child closes it) or in the new image (3: it
 * closes the inherited descriptor first); the parent then closes its own. */
static void vfork_exec_step(const char *self, long phase, int child_sets)
{
    static char dash_z[] = "-z";
    int ready[2] = {-1, -1};                 /* the new image says it runs through it */
    sys6(SYS_pipe2, (long)ready, 0, 0, 0, 0, 0);
    static char num[4];                      /* not on the stack: only the string is read */
    num[0] = (char)('0' + ready[1] / 10);
    num[1] = (char)('0' + ready[1] % 10);
    static char dash_c[] = "-c", held[4];
    char *child_argv[] = {(char *)self, dash_z, num, child_sets == 3 ? dash_c : 0, held, 0};
    char *child_envp[] = {0};
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    long efd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    memcpy(conns[0].name, "conn-vforked....", 16);
    memcpy(conns[1].name, "conn-live.......", 16);
    add(ep, efd, &conns[0]);
    held[0] = (char)('0' + efd / 10);
    held[1] = (char)('0' + efd % 10);
    if (child_sets == 0)
        sys6(SYS_ioctl, efd, FIOCLEX_, 0, 0, 0, 0);
    long pid = sys6(SYS_clone, CLONE_VM_ | CLONE_VFORK_ | 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
    if (pid == 0) {
        if (child_sets == 1)
            sys6(SYS_ioctl, efd, FIOCLEX_, 0, 0, 0, 0);
        else if (child_sets == 2)
            sys6(SYS_close, efd, 0, 0, 0, 0, 0);
        sys6(SYS_execve, (long)self, (long)child_argv, (long)child_envp, 0, 0, 0);
        sys6(SYS_exit, 127, 0, 0, 0, 0, 0);
    }
    sys6(SYS_close, ready[1], 0, 0, 0, 0, 0);  /* EOF instead if the child never runs it */
    char byte = 0;                           /* the child's new image runs: its exec */
    sys6(SYS_read, ready[0], (long)&byte, 1, 0, 0, 0);   /* closed its close-on-exec copy */
    sys6(SYS_close, efd, 0, 0, 0, 0, 0);     /* the parent's copy: now none is left */
    memcpy(conns[0].name, secret, 16);
    long e2 = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    add(ep, e2, &conns[1]);
    wait_and_log(ep, phase, &conns[0], &conns[1]);
    memset(conns, 0, sizeof conns);
    int status = -1;
    if (pid > 0) {
        sys6(SYS_kill, pid, 9, 0, 0, 0, 0);
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    }
    sys6(SYS_close, e2, 0, 0, 0, 0, 0);
    sys6(SYS_close, ep, 0, 0, 0, 0, 0);
    sys6(SYS_close, ready[0], 0, 0, 0, 0, 0);
}

/* Step 8: a table of two connection slots polled with ppoll(); slot 1's connection was
 * closed (its fd set to -1, as poll() users free a slot: Linux reports nothing for a
 * negative fd) and its record's memory reused for a copy of the secret.  The record of
 * each slot whose revents is not zero is logged (its connection has news: ready, hung up
 * or in error). */
static void poll_slots_step(void)
{
    struct pollfd_ {
        int fd;
        short events, revents;
    } slots[2];
    long efd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    long gone = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    memcpy(conns[0].name, "conn-polled.....", 16);
    sys6(SYS_close, gone, 0, 0, 0, 0, 0);
    memcpy(conns[1].name, secret, 16);      /* the slot's connection is gone: memory reused */
    slots[0].fd = (int)efd;
    slots[0].events = 0x004;                /* POLLOUT */
    slots[1].fd = -1;
    slots[1].events = 0;
    slots[0].revents = slots[1].revents = 0;
    struct { long sec, nsec; } zero = {0, 0};
    marker(P_POLL_SLOTS, (long)slots, (long)conns, (long)&conns[1], 0);
    long n = sys6(SYS_ppoll, (long)slots, 2, (long)&zero, 0, 8, 0);
    for (int i = 0; i < 2; i++)
        if (slots[i].revents)
            log_bytes(&conns[i], 16);
    marker(P_POLL_SLOTS + 1, n, slots[0].revents, slots[1].revents, 0);
    memset(conns, 0, sizeof conns);
    sys6(SYS_close, efd, 0, 0, 0, 0, 0);
}

/* Step 9: a vfork child runs an image that exits with status 7 at once; the parent reaps
 * it and announces the status wait4() wrote (a job's verdict it acts on). */
static void exec_status_step(const char *self)
{
    static char dash_q[] = "-q";
    char *child_argv[] = {(char *)self, dash_q, 0};
    char *child_envp[] = {0};
    marker(P_EXEC_STATUS, 0, 0, 0, 0);
    long pid = sys6(SYS_clone, CLONE_VM_ | CLONE_VFORK_ | 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_execve, (long)self, (long)child_argv, (long)child_envp, 0, 0, 0);
        sys6(SYS_exit, 127, 0, 0, 0, 0, 0);
    }
    int status = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    marker(P_EXEC_STATUS + 1, status, pid, 0, 0);
}

/* Step 9's waitid parts: the child exits 7 (after an exec of "-q" with `exec`, else at
 * once), the parent reaps it with waitid(P_PID, WEXITED) and announces si_code and
 * si_status. */
static void waitid_status_step(const char *self, long phase, int exec)
{
    static char dash_q[] = "-q";
    char *child_argv[] = {(char *)self, dash_q, 0};
    char *child_envp[] = {0};
    static int32_t info[32];                 /* siginfo_t: 128 bytes */
    memset(info, 0, sizeof info);
    marker(phase, (long)info, 0, 0, 0);
    long pid = sys6(SYS_clone, exec ? CLONE_VM_ | CLONE_VFORK_ | 17 : 17, 0, 0, 0, 0, 0);
    if (pid == 0) {
        if (exec)
            sys6(SYS_execve, (long)self, (long)child_argv, (long)child_envp, 0, 0, 0);
        sys6(SYS_exit_group, exec ? 127 : 7, 0, 0, 0, 0, 0);
    }
    if (pid > 0)
        sys6(SYS_waitid, 1 /* P_PID */, pid, (long)info, 4 /* WEXITED */, 0, 0);
    marker(phase + 1, info[2], info[6], pid, 0);   /* si_code, si_status */
}

/* Step 10: a vfork child exits 7 with SIGCHLD blocked; the parent takes the SIGCHLD with
 * rt_sigtimedwait() (or reads it from a signalfd) and announces its code and status, then
 * reaps the child. */
static void sigchld_step(long phase, int via_signalfd)
{
    uint64_t set = 1UL << (17 - 1);          /* SIGCHLD */
    static int32_t info[32];                 /* siginfo_t or signalfd_siginfo: 128 bytes */
    memset(info, 0, sizeof info);
    sys6(SYS_rt_sigprocmask, 0 /* SIG_BLOCK */, (long)&set, 0, 8, 0, 0);
    long sfd = via_signalfd ? sys6(SYS_signalfd4, -1, (long)&set, 8, 0, 0, 0) : -1;
    marker(phase, (long)info, 0, 0, 0);
    /* vfork: the parent runs again once the child has exited (its SIGCHLD pending). */
    long pid = sys6(SYS_clone, CLONE_VM_ | CLONE_VFORK_ | 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit_group, 7, 0, 0, 0, 0, 0);
    long code = -1, status = -1;
    if (via_signalfd && sys6(SYS_read, sfd, (long)info, sizeof info, 0, 0, 0) == sizeof info) {
        code = info[2];                      /* ssi_code */
        status = info[10];                   /* ssi_status */
    } else if (!via_signalfd && sys6(SYS_rt_sigtimedwait, (long)&set, (long)info, 0, 8, 0, 0)
               == 17) {
        code = info[2];                      /* si_code */
        status = info[6];                    /* si_status */
    }
    int st = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
    marker(phase + 1, code, status, 0, 0);
    sys6(SYS_rt_sigprocmask, 1 /* SIG_UNBLOCK */, (long)&set, 0, 8, 0, 0);
    if (sfd >= 0)
        sys6(SYS_close, sfd, 0, 0, 0, 0, 0);
}

/* Step 11: memfd A, one page mapped MAP_SHARED, holds a copy of the secret and is
 * unmapped while A stays open; memfd B, new, one page mapped MAP_SHARED, is a fresh shared
 * record whose 64-byte header (zeros: a new memfd reads as zeros) is written out. */
static void memfd_other_step(void)
{
    long a = sys6(SYS_memfd_create, (long)"r16-keys", 0, 0, 0, 0, 0);
    long b = sys6(SYS_memfd_create, (long)"r16-record", 0, 0, 0, 0, 0);
    sys6(SYS_ftruncate, a, PAGE, 0, 0, 0, 0);
    sys6(SYS_ftruncate, b, PAGE, 0, 0, 0, 0);
    long pa = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
    if (valid(pa)) {
        memcpy((void *)pa, secret, SECRET_LEN);
        sys6(SYS_munmap, pa, PAGE, 0, 0, 0, 0);
    }
    marker(P_MEMFD_OTHER, a, b, 0, 0);
    long pb = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
    long nonzero = -1;
    if (valid(pb)) {
        log_bytes((const void *)pb, 64);
        nonzero = 0;
        for (int i = 0; i < 64; i++)
            nonzero += ((const uint8_t *)pb)[i] != 0;
        sys6(SYS_munmap, pb, PAGE, 0, 0, 0, 0);
    }
    marker(P_MEMFD_OTHER + 1, nonzero, 0, 0, 0);
    sys6(SYS_close, a, 0, 0, 0, 0, 0);
    sys6(SYS_close, b, 0, 0, 0, 0, 0);
}

/* Step 12: a SIGCHLD handler (SA_SIGINFO) notes the code and status its siginfo gives; a
 * vfork child exits 7; the parent reaps it and announces what the handler noted. */
static volatile int32_t chld_code = -1, chld_status = -1;

static void chld_hook(int sig, void *info, void *uc)
{
    (void)uc;
    if (sig == 17) {
        chld_code = ((const int32_t *)info)[2];
        chld_status = ((const int32_t *)info)[6];
    }
}

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};

static void sigchld_handler_step(void)
{
    struct kernel_sigaction act = {(uint64_t)chld_hook, 4 /* SA_SIGINFO */, 0, 0};
    sys6(SYS_rt_sigaction, 17, (long)&act, 0, 8, 0, 0);
    marker(P_SIGCHLD_HANDLER, 0, 0, 0, 0);
    long pid = sys6(SYS_clone, CLONE_VM_ | CLONE_VFORK_ | 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit_group, 7, 0, 0, 0, 0, 0);
    int st = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
    marker(P_SIGCHLD_HANDLER + 1, chld_code, chld_status, pid, 0);
    act.handler = 0;                                    /* SIG_DFL again */
    act.flags = 0;
    sys6(SYS_rt_sigaction, 17, (long)&act, 0, 8, 0, 0);
}

/* Step 13: an eventfd registered with epoll (not close-on-exec) is inherited by a vfork
 * child that runs the program with "-q" through execve() (that image exits 7 at once);
 * the parent reaps it, closes its own copy (the last), reuses the record's memory for a
 * copy of the secret, registers a second record, waits once and logs each reported one. */
static void exec_reaped_step(const char *self)
{
    static char dash_q[] = "-q";
    char *child_argv[] = {(char *)self, dash_q, 0};
    char *child_envp[] = {0};
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    long efd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    memcpy(conns[0].name, "conn-exec-reaped", 16);
    memcpy(conns[1].name, "conn-live.......", 16);
    add(ep, efd, &conns[0]);
    long pid = sys6(SYS_clone, CLONE_VM_ | CLONE_VFORK_ | 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_execve, (long)self, (long)child_argv, (long)child_envp, 0, 0, 0);
        sys6(SYS_exit_group, 127, 0, 0, 0, 0, 0);
    }
    int st = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
    sys6(SYS_close, efd, 0, 0, 0, 0, 0);     /* the child is gone: this was the last copy */
    memcpy(conns[0].name, secret, 16);
    long e2 = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    add(ep, e2, &conns[1]);
    wait_and_log(ep, P_EXEC_REAPED, &conns[0], &conns[1]);
    memset(conns, 0, sizeof conns);
    sys6(SYS_close, e2, 0, 0, 0, 0, 0);
    sys6(SYS_close, ep, 0, 0, 0, 0, 0);
}

/* Step 5, after the exec: the records' memory holds the new secret. */
static void after_exec_step(long ep)
{
    for (int i = 0; i < EXEC_RECORDS; i++)
        memcpy(exec_recs[i].name, secret, 16);
    memcpy(exec_live.name, "conn-after-exec.", 16);
    long e2 = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    add(ep, e2, &exec_live);
    wait_and_log(ep, P_EXEC_AFTER, exec_recs, &exec_live);
    memset(exec_recs, 0, sizeof exec_recs);
    sys6(SYS_close, e2, 0, 0, 0, 0, 0);
    sys6(SYS_close, ep, 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0, exec_only = 0, renew = 0, renewed = 0, vforks = 0, by_thread = 0;
    long inherited_ep = -1;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        exec_only |= strcmp(argv[i], "-e") == 0;
        by_thread |= strcmp(argv[i], "-T") == 0;
        exec_only |= by_thread;
        renew |= strcmp(argv[i], "-E") == 0;
        renewed |= strcmp(argv[i], "-y") == 0;
        vforks |= strcmp(argv[i], "-V") == 0;
        if (strcmp(argv[i], "-q") == 0)     /* step 9's child image: exit with status 7 */
            sys6(SYS_exit_group, 7, 0, 0, 0, 0, 0);
        if (strcmp(argv[i], "-z") == 0 && i + 1 < argc) {
            /* step 7's child image: say it runs (one byte down the pipe N), wait to be
             * killed */
            long fd = 0, inherited = 0;
            for (const char *c = argv[i + 1]; *c >= '0' && *c <= '9'; c++)
                fd = fd * 10 + (*c - '0');
            if (i + 3 < argc && strcmp(argv[i + 2], "-c") == 0) {
                /* "-c M": first close the inherited descriptor M */
                for (const char *c = argv[i + 3]; *c >= '0' && *c <= '9'; c++)
                    inherited = inherited * 10 + (*c - '0');
                sys6(SYS_close, inherited, 0, 0, 0, 0, 0);
            }
            sys6(SYS_write, fd, (long)"r", 1, 0, 0, 0);
            for (;;)
                sys6(SYS_ppoll, 0, 0, 0, 0, 0, 0);
        }
        if (strcmp(argv[i], "-x") == 0 && i + 1 < argc) {
            inherited_ep = 0;
            for (const char *c = argv[i + 1]; *c >= '0' && *c <= '9'; c++)
                inherited_ep = inherited_ep * 10 + (*c - '0');
        }
    }
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    if (exec_only && inherited_ep < 0) {
        /* Step 5's first image holds no secret: the image after the exec places it. */
        exec_step(argv[0], by_thread);
        return 1;
    }
    if (renew) {
        renew_step(argv[0]);                  /* step 6: the same, the instance renewed */
        return 1;
    }
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
    long mapped = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    /* Step 6 after its exec: the new instance first, so it takes the old one's number. */
    long fresh_ep = renewed ? sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0) : -1;
    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY | O_CLOEXEC, 0, 0, 0);
    if (vforks) {
        vfork_exec_step(argv[0], P_VFORK_EXEC, 0);
        vfork_exec_step(argv[0], P_VFORK_EXEC_CHILD, 1);
        vfork_exec_step(argv[0], P_VFORK_CLOSE, 2);
        vfork_exec_step(argv[0], P_VFORK_IMAGE_CLOSE, 3);
        exec_status_step(argv[0]);
        waitid_status_step(argv[0], P_EXEC_WAITID, 1);
        waitid_status_step(argv[0], P_FORK_WAITID, 0);
        sigchld_step(P_SIGCHLD_WAIT, 0);
        sigchld_step(P_SIGCHLD_FD, 1);
        sigchld_handler_step();
        exec_reaped_step(argv[0]);
    } else if (renewed) {
        after_renew_step(fresh_ep);
    } else if (inherited_ep >= 0) {
        after_exec_step(inherited_ep);
    } else {
        released_step(P_CR_ONE, 0);
        released_step(P_CR_OPEN_END, 1);
        released_step(P_CR_UNSHARE, 2);
        released_step(P_FILES_CHILD, 3);
        poll_slots_step();
        memfd_other_step();
    }

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
