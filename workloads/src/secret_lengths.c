/*
 * secret_lengths - the attack target for results a program takes as a length or as a
 * descriptor's identity.
 *
 *   secret_lengths        run once and report whether the secret survived
 *   secret_lengths -d     also print the SHA-256 of the secret
 *   secret_lengths -r DEV take the secret from the entropy device DEV (e.g. /dev/random)
 *                         instead of getrandom()
 *   secret_lengths -g N   call getrandom() with flags N (1 GRND_NONBLOCK, 2 GRND_RANDOM,
 *                         4 GRND_INSECURE)
 *   secret_lengths -r DEV -m HOW   ... read it with HOW: read (the default), readv,
 *                         preadv (offset 0), pread (pread64 at offset 0) or dup (read()
 *                         through a dup() of the descriptor, the original closed first)
 *
 * It keeps the secret like `secret` does (a heap page, a stack buffer, an anonymous
 * page, announced by the same START and PLACED markers, checked at END), then:
 *
 *   1. getsockname() of its own bound AF_UNIX socket into a 16-byte address with a
 *      16-byte addrlen, both in a scratch area that held copies of the secret: it sends
 *      the addrlen bytes the call reports of the address to /dev/null (a log record).
 *   2. recvfrom() of an 8-byte datagram it sent itself through a socketpair, with a
 *      16-byte source address and addrlen in the scratch area: the addrlen bytes of the
 *      address go to /dev/null.
 *   3. recvmsg() of another such datagram with a 16-byte control buffer in the scratch
 *      area: the msg_controllen bytes the call reports of the control buffer go to
 *      /dev/null.
 *   4. epoll_pwait() for one event (maxevents 1) into the scratch area: the events the
 *      call reports (16 bytes each) go to /dev/null.
 *   5. fgetxattr(/dev/null, "user.tag") into an 8-byte value in the scratch area: the
 *      bytes the call reports go to /dev/null.
 *   6. Its own file (argv[0], a file the user admitted) opened, then
 *      close_range(fd + 1, ~0, CLOSE_RANGE_CLOEXEC) - which closes nothing - and the
 *      first page mapped through the same descriptor and compared with its loaded ELF
 *      header page; `file_mismatch` counts a difference.
 *   7. The same with close_range(fd, ~0, CLOSE_RANGE_CLOEXEC): the descriptor is only
 *      marked close-on-exec, it stays open and names the same file.
 *   8. The same with close_range(fd + 1, ~0, CLOSE_RANGE_UNSHARE): the table is copied,
 *      the descriptors past fd closed in the copy, fd itself kept.
 *   9. The same with unshare(CLONE_FILES): the table is copied whole.
 *  10. Its own file opened, dup3(fd, 30, 0), the original closed, the first page mapped
 *      through descriptor 30 (the number the program asked for; it checks only that
 *      dup3 did not fail).
 *  11. Its own file opened, fcntl(fd, F_DUPFD, 40) (plain F_DUPFD), the original closed,
 *      the first page mapped through the copy.
 *  12. recvmmsg() of one 8-byte datagram into an 8-byte buffer in the scratch area: the
 *      msg_len bytes the call reports of the buffer go to /dev/null.
 *  13. getgroups(2, list) into the scratch area: the groups the call reports (4 bytes
 *      each) go to /dev/null.
 *  14. Calls whose success means they filled a structure in the scratch area, each
 *      followed by a write() of the whole structure to /dev/null (OUTPUTS below, in
 *      order: getrusage, times, prlimit64's old limit, getitimer, clock_getres, statfs,
 *      fstatfs, newfstatat, statx, rt_sigpending, gettimeofday, sched_rr_get_interval,
 *      timerfd_gettime, getpeername, sched_getattr, get_robust_list, getresuid, adjtimex,
 *      ioctl(TIOCGWINSZ), ioctl(TCGETS), capget, prctl(PR_GET_NAME), get_mempolicy,
 *      getcpu, pipe2, socketpair).
 *  15. An anonymous page holding a copy of the secret moved with
 *      mremap(MREMAP_MAYMOVE | MREMAP_DONTUNMAP): the old range stays mapped but empty, so
 *      the program takes it for a zero-filled buffer, fills 8 bytes and sends it whole to
 *      /dev/null.
 *  16. Calls whose result counts what they wrote into a buffer in the scratch area, each
 *      followed by a write() of as many bytes as the call reported (COUNTED below, in
 *      order: epoll_pwait2 (16-byte events, maxevents 1), flistxattr (8 bytes),
 *      vmsplice from a pipe holding 8 bytes (an 8-byte iovec), process_vm_readv of its own
 *      8 public bytes (an 8-byte iovec), msgrcv (an 8-byte mtext)).
 *  17. Waits that fill a structure in the scratch area, each followed by a write() of the
 *      whole structure to /dev/null: rt_sigtimedwait({SIGUSR1}) for a SIGUSR1 it blocked
 *      and sent itself (its 128-byte siginfo), waitid(P_PID) for a forked child that
 *      exited (the six siginfo fields Linux writes) and wait4() for another (its 144-byte rusage).
 *  18. epoll as an event loop: descriptor A registered with a cookie naming the handler
 *      table's "admin" entry, then removed with EPOLL_CTL_DEL (that channel is closed);
 *      the socket registered with a cookie naming the "ready" entry; epoll_pwait() for one
 *      event, then the handler its cookie names is called.  Only "ready" may run.
 *  20. Strings a call returns, logged up to their terminating NUL (as a program printing
 *      them does): getcwd() into a 64-byte buffer at the start of the scratch area, and
 *      uname() into a struct utsname whose nodename it logs.
 *  21. signalfd4() for SIGUSR2 (blocked), the program sends itself SIGUSR2 and reads one
 *      128-byte signalfd_siginfo: it dispatches on ssi_signo.
 *  19. In a forked process, a child made with clone(CLONE_VM | CLONE_FILES) (a process of
 *      its own sharing the descriptor table, not a thread) opens its own file and waits;
 *      its parent maps the first page through that descriptor, which is in its table
 *      too, compares it and reports a difference in its exit status.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r9.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_SOCKNAME 160      /* x2 the address, x3 addrlen; next: getsockname() */
#define P_SOCKNAME_DONE 161 /* x2 the result, x3 the addrlen reported */
#define P_RECVFROM 162      /* x2 the address, x3 addrlen; next: recvfrom() */
#define P_RECVFROM_DONE 163 /* x2 the result, x3 the addrlen reported */
#define P_RECVMSG 164       /* x2 the msghdr, x3 the control buffer; next: recvmsg() */
#define P_RECVMSG_DONE 165  /* x2 the result, x3 the msg_controllen reported */
#define P_EPOLL 166         /* x2 the events; next: epoll_pwait(maxevents 1) */
#define P_EPOLL_DONE 167    /* x2 the result */
#define P_XATTR 168         /* x2 the value; next: fgetxattr(8 bytes) */
#define P_XATTR_DONE 169    /* x2 the result */
#define P_CR_ABOVE 170      /* next: open self, close_range(fd+1, ~0, CLOEXEC), map fd */
#define P_CR_CLOEXEC 171    /* next: open self, close_range(fd, ~0, CLOEXEC), map fd */
#define P_CR_UNSHARE 172    /* next: open self, close_range(fd+1, ~0, UNSHARE), map fd */
#define P_UNSHARE 173       /* next: open self, unshare(CLONE_FILES), map fd */
#define P_DUP3_NUM 174      /* next: open self, dup3(fd, 30), close fd, map 30 */
#define P_FDUPFD 175        /* next: open self, fcntl(fd, F_DUPFD, 40), close fd, map copy */
#define P_FDS_DONE 176      /* x2 file_mismatch (a bit per step 6-11) */
#define P_MMSG 177          /* x2 the mmsghdr vector; next: recvmmsg(vlen 1) */
#define P_GROUPS 178        /* x2 the list; next: getgroups(2, list) */
#define P_OUT 180           /* + i: x2 the structure, x3 its size; next: OUTPUTS[i] */
#define P_OUT_DONE 210      /* x2 how many calls reported success */
#define P_DONTUNMAP 211     /* x2 the page; next: mremap(MAYMOVE | DONTUNMAP) */
#define P_DONTUNMAP_DONE 212 /* x2 mremap's result, x3 nonzero bytes left in the old range */
#define MREMAP_MAYMOVE_ 1
#define MREMAP_DONTUNMAP_ 4
#define P_COUNTED 216       /* + i: x2 the buffer; next: COUNTED[i] */
#define P_COUNTED_DONE 221  /* x2 the sum of the counts reported */
#define P_SIGINFO 222       /* x2 the siginfo; next: rt_sigtimedwait({SIGUSR1}, siginfo) */
#define P_WAITID 223        /* x2 the siginfo, x3 the child; next: waitid(P_PID, child) */
#define P_WAIT4 224         /* x2 the rusage, x3 the child; next: wait4(child, rusage) */
#define P_WAITS_DONE 225
#define P_COOKIE 226        /* x2 the events, x3 the admin handler, x4 the ready one */
#define P_COOKIE_DONE 227   /* x2 epoll_pwait's result, x3 the handler called (0 none) */
#define P_CWD 228           /* x2 the buffer; next: getcwd(buffer, 64), logged to its NUL */
#define P_UTS 229           /* x2 the utsname; next: uname(), the nodename logged to its NUL */
#define P_SIGFD 230         /* x2 the siginfo; next: read(signalfd for SIGUSR2) */
#define P_SIGFD_DONE 231    /* x2 read's result, x3 the ssi_signo it reported */
#define P_SHARED_FILES 213  /* next: clone(VM | FILES) child opens self; the parent maps it */
#define P_SHARED_DONE 215   /* x2 file_mismatch */
#define CLONE_VM_ 0x100
#define SIGCHLD_ 17
#define CLOSE_RANGE_UNSHARE_ 2
#define CLOSE_RANGE_CLOEXEC_ 4
#define CLONE_FILES_ 0x400
#define DUP3_TARGET 30
#define DUPFD_FLOOR 40

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int tampered;                   /* kept for the referee (no register checks here) */
static volatile int file_mismatch;     /* steps 6-11: a page of the admitted file differed */
static int devnull = -1;
extern const uint8_t __ehdr_start[];   /* the image's first page as loaded */

/* A scratch area the program works in: it held copies of the secret before a call
 * that fills it (as a stack frame reused by the next function would). */
static union {
    uint8_t raw[512];
    uint64_t words[64];
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

static void sockname_step(void)
{
    /* Each call is made whatever the calls before it returned: its result is always the
     * kernel's to report. */
    long sock = sys6(SYS_socket, AF_UNIX, SOCK_DGRAM, 0, 0, 0, 0);
    struct sockaddr_un bound = {.sun_family = AF_UNIX};
    memcpy(bound.sun_path, "/tmp/sr.sock", 13);
    sys6(SYS_bind, sock, (long)&bound, sizeof bound, 0, 0, 0);
    work_in_scratch();
    uint32_t *addrlen = (uint32_t *)(scratch.raw + 4);
    uint8_t *addr = scratch.raw + 8;
    *addrlen = 16;
    marker(P_SOCKNAME, (long)addr, (long)addrlen, 0, 0);
    long r = sys6(SYS_getsockname, sock, (long)addr, (long)addrlen, 0, 0, 0);
    if (r == 0)
        log_bytes(addr, *addrlen);
    marker(P_SOCKNAME_DONE, r, *addrlen, 0, 0);
    if (sock >= 0)
        sys6(SYS_close, sock, 0, 0, 0, 0, 0);
}

static void recvfrom_step(int pair[2])
{
    static const char dgram[8] = "datagram";
    sys6(SYS_sendto, pair[1], (long)dgram, sizeof dgram, 0, 0, 0);
    work_in_scratch();
    uint32_t *addrlen = (uint32_t *)(scratch.raw + 4);
    uint8_t *addr = scratch.raw + 8;
    uint8_t got[8];
    *addrlen = 16;
    marker(P_RECVFROM, (long)addr, (long)addrlen, 0, 0);
    long r = sys6(SYS_recvfrom, pair[0], (long)got, sizeof got, MSG_DONTWAIT, (long)addr,
                  (long)addrlen);
    if (r >= 0)
        log_bytes(addr, *addrlen);
    marker(P_RECVFROM_DONE, r, *addrlen, 0, 0);
}

static void recvmsg_step(int pair[2])
{
    static const char dgram[8] = "datagram";
    sys6(SYS_sendto, pair[1], (long)dgram, sizeof dgram, 0, 0, 0);
    work_in_scratch();
    uint8_t got[8];
    struct iovec iov = {.iov_base = got, .iov_len = sizeof got};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = scratch.raw + 16, .msg_controllen = 16};
    marker(P_RECVMSG, (long)&msg, (long)msg.msg_control, 0, 0);
    long r = sys6(SYS_recvmsg, pair[0], (long)&msg, MSG_DONTWAIT, 0, 0, 0);
    if (r >= 0)
        log_bytes(msg.msg_control, (long)msg.msg_controllen);
    marker(P_RECVMSG_DONE, r, (long)msg.msg_controllen, 0, 0);
}

static void epoll_step(int pair[2])
{
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    struct epoll_event want = {.events = EPOLLOUT, .data = {.u64 = 7}};
    sys6(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, pair[1], (long)&want, 0, 0);
    work_in_scratch();
    struct epoll_event *events = (struct epoll_event *)scratch.raw;
    marker(P_EPOLL, (long)events, 0, 0, 0);
    long n = sys6(SYS_epoll_pwait, ep, (long)events, 1, 0, 0, 8);
    if (n > 0)
        log_bytes(events, n * (long)sizeof *events);
    marker(P_EPOLL_DONE, n, 0, 0, 0);
    if (ep >= 0)
        sys6(SYS_close, ep, 0, 0, 0, 0, 0);
}

static void xattr_step(void)
{
    work_in_scratch();
    uint8_t *value = scratch.raw + 8;
    marker(P_XATTR, (long)value, 0, 0, 0);
    long n = sys6(SYS_fgetxattr, devnull, (long)"user.tag", (long)value, 8, 0, 0);
    log_bytes(value, n);
    marker(P_XATTR_DONE, n, 0, 0, 0);
}

/* Map the first page through `fd` and compare it with the image's own first page. */
static void compare_fd(int fd, int bit)
{
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    if (valid(page) && memcmp((const void *)page, __ehdr_start, PAGE) != 0)
        file_mismatch |= bit;
}

static int open_self(const char *self)
{
    return (int)sys6(SYS_openat, AT_FDCWD, (long)self, O_RDONLY, 0, 0, 0);
}

/* Open `self`, change the table with close_range(first, ~0, flags) (first = fd + above)
 * and compare the first page mapped through fd, which is still open. */
static void close_range_kind(const char *self, int phase, int above, int flags, int bit)
{
    marker(phase, 0, 0, 0, 0);
    int fd = open_self(self);
    if (fd < 0)
        return;
    if (sys6(SYS_close_range, fd + above, ~0U, flags, 0, 0, 0) == 0)
        compare_fd(fd, bit);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void fds_step(const char *self)
{
    close_range_kind(self, P_CR_ABOVE, 1, CLOSE_RANGE_CLOEXEC_, 1);
    close_range_kind(self, P_CR_CLOEXEC, 0, CLOSE_RANGE_CLOEXEC_, 2);
    close_range_kind(self, P_CR_UNSHARE, 1, CLOSE_RANGE_UNSHARE_, 4);

    marker(P_UNSHARE, 0, 0, 0, 0);
    int fd = open_self(self);
    if (fd >= 0) {
        if (sys6(SYS_unshare, CLONE_FILES_, 0, 0, 0, 0, 0) == 0)
            compare_fd(fd, 8);
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    }

    marker(P_DUP3_NUM, 0, 0, 0, 0);
    fd = open_self(self);
    if (fd >= 0) {
        long r = sys6(SYS_dup3, fd, DUP3_TARGET, 0, 0, 0, 0);
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
        if (r >= 0) {
            compare_fd(DUP3_TARGET, 16);
            sys6(SYS_close, DUP3_TARGET, 0, 0, 0, 0, 0);
        }
    }

    marker(P_FDUPFD, 0, 0, 0, 0);
    fd = open_self(self);
    if (fd >= 0) {
        int copy = (int)sys6(SYS_fcntl, fd, F_DUPFD, DUPFD_FLOOR, 0, 0, 0);
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
        if (copy >= 0) {
            compare_fd(copy, 32);
            sys6(SYS_close, copy, 0, 0, 0, 0, 0);
        }
    }
    marker(P_FDS_DONE, file_mismatch, 0, 0, 0);
}

static void mmsg_step(int pair[2])
{
    static const char dgram[8] = "datagram";
    sys6(SYS_sendto, pair[1], (long)dgram, sizeof dgram, 0, 0, 0);
    work_in_scratch();
    struct iovec iov = {.iov_base = scratch.raw + 8, .iov_len = 8};
    struct mmsghdr msgs[1];
    memset(msgs, 0, sizeof msgs);
    msgs[0].msg_hdr.msg_iov = &iov;
    msgs[0].msg_hdr.msg_iovlen = 1;
    marker(P_MMSG, (long)msgs, 0, 0, 0);
    long n = sys6(SYS_recvmmsg, pair[0], (long)msgs, 1, MSG_DONTWAIT, 0, 0);
    if (n >= 1)
        log_bytes(iov.iov_base, msgs[0].msg_len);
}

static void groups_step(void)
{
    work_in_scratch();
    uint32_t *list = (uint32_t *)(scratch.raw + 8);
    marker(P_GROUPS, (long)list, 0, 0, 0);
    long n = sys6(SYS_getgroups, 2, (long)list, 0, 0, 0, 0);
    if (n > 0)
        log_bytes(list, 4 * n);
}

/* One call that fills `size` bytes at OUTBUF: arguments, and a value-result length word
 * (at scratch + 4) to set first where the call has one. */
struct output_call {
    long nr, a0, a1, a2, a3, a4;
    long size;
    uint32_t lenword;
};
#define OUTBUF ((long)(scratch.raw + 8))
#define LENWORD ((long)(scratch.raw + 4))
#define TIOCGWINSZ_ 0x5413
#define TCGETS_ 0x5401

static struct {
    uint32_t version;
    int pid;
} cap_header = {0x20080522, 0};

static void outputs_step(int pair[2])
{
    long tfd = sys6(SYS_timerfd_create, 1 /* CLOCK_MONOTONIC */, 0, 0, 0, 0, 0);
    const struct output_call calls[] = {
        {SYS_getrusage, 0, OUTBUF, 0, 0, 0, 144, 0},
        {SYS_times, OUTBUF, 0, 0, 0, 0, 32, 0},
        {SYS_prlimit64, 0, 7 /* RLIMIT_NOFILE */, 0, OUTBUF, 0, 16, 0},
        {SYS_getitimer, 0 /* ITIMER_REAL */, OUTBUF, 0, 0, 0, 32, 0},
        {SYS_clock_getres, 1 /* CLOCK_MONOTONIC */, OUTBUF, 0, 0, 0, 16, 0},
        {SYS_statfs, (long)"/", OUTBUF, 0, 0, 0, 120, 0},
        {SYS_fstatfs, devnull, OUTBUF, 0, 0, 0, 120, 0},
        {SYS_newfstatat, AT_FDCWD, (long)"/dev/null", OUTBUF, 0, 0, 128, 0},
        {SYS_statx, AT_FDCWD, (long)"/dev/null", 0, 0x7ff, OUTBUF, 256, 0},
        {SYS_rt_sigpending, OUTBUF, 8, 0, 0, 0, 8, 0},
        {SYS_gettimeofday, OUTBUF, 0, 0, 0, 0, 16, 0},
        {SYS_sched_rr_get_interval, 0, OUTBUF, 0, 0, 0, 16, 0},
        {SYS_timerfd_gettime, tfd, OUTBUF, 0, 0, 0, 32, 0},
        {SYS_getpeername, pair[0], OUTBUF, LENWORD, 0, 0, 16, 16},
        {SYS_sched_getattr, 0, OUTBUF, 56, 0, 0, 56, 0},
        {SYS_get_robust_list, 0, OUTBUF, OUTBUF + 8, 0, 0, 16, 0},
        {SYS_getresuid, OUTBUF, OUTBUF + 4, OUTBUF + 8, 0, 0, 12, 0},
        {SYS_adjtimex, OUTBUF, 0, 0, 0, 0, 208, 0},
        {SYS_ioctl, 1, TIOCGWINSZ_, OUTBUF, 0, 0, 8, 0},
        {SYS_ioctl, devnull, TCGETS_, OUTBUF, 0, 0, 60, 0},
        {SYS_capget, (long)&cap_header, OUTBUF, 0, 0, 0, 24, 0},
        {SYS_prctl, 16 /* PR_GET_NAME */, OUTBUF, 0, 0, 0, 16, 0},
        {SYS_get_mempolicy, OUTBUF, OUTBUF + 8, 64, 0, 0, 16, 0},
        {SYS_getcpu, OUTBUF, OUTBUF + 4, 0, 0, 0, 8, 0},
        {SYS_pipe2, OUTBUF, 0, 0, 0, 0, 8, 0},
        {SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, OUTBUF, 0, 8, 0},
    };
    long ok = 0;
    for (unsigned i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        const struct output_call *c = &calls[i];
        work_in_scratch();
        if (c->lenword)
            *(uint32_t *)LENWORD = c->lenword;
        if (c->nr == SYS_adjtimex)
            *(uint32_t *)OUTBUF = 0;            /* modes 0: only read the clock's state */
        marker(P_OUT + i, OUTBUF, c->size, 0, 0);
        long r = sys6(c->nr, c->a0, c->a1, c->a2, c->a3, c->a4, 0);
        if ((unsigned long)r < -4095UL) {
            ok++;
            long len = c->size;
            if (c->lenword && *(uint32_t *)LENWORD < len)
                len = *(uint32_t *)LENWORD;     /* the address's own length */
            log_bytes((const void *)OUTBUF, len);
        }
    }
    marker(P_OUT_DONE, ok, 0, 0, 0);
    if (tfd >= 0)
        sys6(SYS_close, tfd, 0, 0, 0, 0, 0);
}

static void dontunmap_step(void)
{
    long page = anon_page();
    if (!valid(page))
        return;
    memcpy((uint8_t *)page + SECRET_OFF, secret, SECRET_LEN);
    marker(P_DONTUNMAP, page, 0, 0, 0);
    long moved = sys6(SYS_mremap, page, PAGE, PAGE, MREMAP_MAYMOVE_ | MREMAP_DONTUNMAP_, 0, 0);
    long left = -1;
    /* DONTUNMAP always moves (a result at the old address is a kernel that ignored the
     * flag: the data is still there, so the range is no fresh buffer). */
    if (valid(moved) && moved != page) {
        uint8_t *old = (uint8_t *)page;
        left = 0;
        for (long i = 0; i < PAGE; i++)
            left += old[i] != 0;
        memcpy(old, "fresh!!!", 8);
        log_bytes(old, PAGE);
    }
    marker(P_DONTUNMAP_DONE, moved, left, 0, 0);
}

/* One call whose result counts `unit`-byte items it wrote at OUTBUF. */
struct counted_call {
    long nr, a0, a1, a2, a3, a4, a5;
    long unit;
};

static void counted_step(int pair[2])
{
    static const char public8[8] = "public!!";
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    struct epoll_event want = {.events = EPOLLOUT, .data = {.u64 = 7}};
    sys6(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, pair[1], (long)&want, 0, 0);
    struct timespec_ { long sec, nsec; } zero = {0, 0};
    int pipefd[2] = {-1, -1};
    sys6(SYS_pipe2, (long)pipefd, 0, 0, 0, 0, 0);
    sys6(SYS_write, pipefd[1], (long)public8, 8, 0, 0, 0);
    struct iovec local = {.iov_base = (void *)OUTBUF, .iov_len = 8};
    struct iovec remote = {.iov_base = (void *)public8, .iov_len = 8};
    long msq = sys6(SYS_msgget, 0 /* IPC_PRIVATE */, 0600 | 01000 /* IPC_CREAT */, 0, 0, 0, 0);
    struct { long mtype; char mtext[8]; } note = {1, "public!"};
    sys6(SYS_msgsnd, msq, (long)&note, 8, 0, 0, 0);
    long me = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    const struct counted_call calls[] = {
        {SYS_epoll_pwait2, ep, OUTBUF, 1, (long)&zero, 0, 8, 16},
        {SYS_flistxattr, devnull, OUTBUF, 8, 0, 0, 0, 1},
        {SYS_vmsplice, pipefd[0], (long)&local, 1, 0, 0, 0, 1},
        {SYS_process_vm_readv, me, (long)&local, 1, (long)&remote, 1, 0, 1},
        {SYS_msgrcv, msq, OUTBUF - 8, 8, 0, 04000 /* IPC_NOWAIT */, 0, 1},
    };
    long sum = 0;
    for (unsigned i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        const struct counted_call *c = &calls[i];
        work_in_scratch();
        marker(P_COUNTED + i, OUTBUF, c->unit, 0, 0);
        long n = sys6(c->nr, c->a0, c->a1, c->a2, c->a3, c->a4, c->a5);
        if (n > 0) {
            sum += n;
            log_bytes((const void *)OUTBUF, n * c->unit);
        }
    }
    marker(P_COUNTED_DONE, sum, 0, 0, 0);
    for (int i = 0; i < 2; i++)
        if (pipefd[i] >= 0)
            sys6(SYS_close, pipefd[i], 0, 0, 0, 0, 0);
    if (ep >= 0)
        sys6(SYS_close, ep, 0, 0, 0, 0, 0);
}

static long fork_exiting_child(void)
{
    long pid = sys6(SYS_clone, SIGCHLD_, 0, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    return pid;
}

static void waits_step(void)
{
    uint64_t usr1 = 1UL << (10 - 1);
    sys6(SYS_rt_sigprocmask, 0 /* SIG_BLOCK */, (long)&usr1, 0, 8, 0, 0);
    sys6(SYS_kill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), 10, 0, 0, 0, 0);
    work_in_scratch();
    marker(P_SIGINFO, OUTBUF, 0, 0, 0);
    long r = sys6(SYS_rt_sigtimedwait, (long)&usr1, OUTBUF, 0, 8, 0, 0);
    if (r == 10)
        log_bytes((const void *)OUTBUF, 128);
    /* SIGUSR1 stays blocked: a kernel that left it pending must not end the program. */

    long pid = fork_exiting_child();
    work_in_scratch();
    marker(P_WAITID, OUTBUF, pid, 0, 0);
    r = sys6(SYS_waitid, 1 /* P_PID */, pid, OUTBUF, 4 /* WEXITED */, 0, 0);
    if (r == 0) {   /* the six fields Linux writes (unsafe_put_user() each) */
        log_bytes((const void *)OUTBUF, 12);   /* si_signo, si_errno, si_code */
        log_bytes((const void *)(OUTBUF + 16), 12);   /* si_pid, si_uid, si_status */
    }

    pid = fork_exiting_child();
    int status = 0;
    work_in_scratch();
    marker(P_WAIT4, OUTBUF, pid, 0, 0);
    r = sys6(SYS_wait4, pid, (long)&status, 0, OUTBUF, 0, 0);
    if (r > 0)
        log_bytes((const void *)OUTBUF, 144);
    marker(P_WAITS_DONE, r, 0, 0, 0);
}

/* The event loop's handlers: a cookie registered with epoll names one of them. */
static volatile int ready_runs;
static void on_ready(void)
{
    ready_runs++;
}
struct handler {
    void (*fn)(void);
    const char *name;
};
static struct handler handlers[2];

static void cookie_step(int pair[2])
{
    handlers[0] = (struct handler){on_ready, "ready"};
    handlers[1] = (struct handler){win, "admin"};
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    int admin[2] = {-1, -1};
    sys6(SYS_pipe2, (long)admin, 0, 0, 0, 0, 0);
    struct epoll_event want = {.events = EPOLLIN, .data = {.ptr = &handlers[1]}};
    sys6(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, admin[0], (long)&want, 0, 0);
    sys6(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, admin[0], 0, 0, 0);
    for (int i = 0; i < 2; i++)
        if (admin[i] >= 0)
            sys6(SYS_close, admin[i], 0, 0, 0, 0, 0);
    want = (struct epoll_event){.events = EPOLLOUT, .data = {.ptr = &handlers[0]}};
    sys6(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, pair[1], (long)&want, 0, 0);
    struct epoll_event got[1];
    memset(got, 0, sizeof got);
    marker(P_COOKIE, (long)got, (long)&handlers[1], (long)&handlers[0], 0);
    long n = sys6(SYS_epoll_pwait, ep, (long)got, 1, 0, 0, 8);
    long called = 0;
    if (n == 1 && got[0].data.ptr) {
        struct handler *h = got[0].data.ptr;
        called = (long)h;
        h->fn();
    }
    marker(P_COOKIE_DONE, n, called, 0, 0);
    if (ep >= 0)
        sys6(SYS_close, ep, 0, 0, 0, 0, 0);
}

static void strings_step(void)
{
    work_in_scratch();
    char *cwd = (char *)scratch.raw;
    marker(P_CWD, (long)cwd, 0, 0, 0);
    if (sys6(SYS_getcwd, (long)cwd, 64, 0, 0, 0, 0) > 0)
        log_bytes(cwd, (long)strlen(cwd));

    work_in_scratch();
    struct utsname_ { char f[6][65]; } *uts = (struct utsname_ *)scratch.raw;
    marker(P_UTS, (long)uts, 0, 0, 0);
    if (sys6(SYS_uname, (long)uts, 0, 0, 0, 0, 0) == 0)
        log_bytes(uts->f[1], (long)strlen(uts->f[1]));
}

static void signalfd_step(void)
{
    uint64_t usr2 = 1UL << (12 - 1);
    sys6(SYS_rt_sigprocmask, 0 /* SIG_BLOCK */, (long)&usr2, 0, 8, 0, 0);
    long sfd = sys6(SYS_signalfd4, -1, (long)&usr2, 8, 0, 0, 0);
    sys6(SYS_kill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), 12, 0, 0, 0, 0);
    uint32_t info[32];
    memset(info, 0, sizeof info);
    marker(P_SIGFD, (long)info, 0, 0, 0);
    long n = sys6(SYS_read, sfd, (long)info, sizeof info, 0, 0, 0);
    marker(P_SIGFD_DONE, n, n == (long)sizeof info ? info[0] : 0, 0, 0);
    if (sfd >= 0)
        sys6(SYS_close, sfd, 0, 0, 0, 0, 0);
}

static uint8_t child_stack[16384] __attribute__((aligned(16)));
static const char *child_path;         /* what the child opens */
static volatile int child_fd = -1;
static volatile int parent_done;

/* clone() a child with `flags` on `stack_top` that runs `fn` (which never returns). */
static long spawn_child(long flags, uint8_t *stack_top, void (*fn)(void))
{
    register long x0 __asm__("x0") = flags;
    register long x1 __asm__("x1") = (long)stack_top;
    register long x2 __asm__("x2") = 0;
    register long x3 __asm__("x3") = 0;
    register long x4 __asm__("x4") = 0;
    register long x8 __asm__("x8") = SYS_clone;
    register long x9 __asm__("x9") = (long)fn;
    __asm__ volatile(
        "svc #0\n\t"
        "cbnz x0, 1f\n\t"
        "blr x9\n\t"
        "1:\n\t"
        : "+r"(x0)
        : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), "r"(x9)
        : "x30", "memory", "cc");
    return x0;
}

/* Open the file, then stay until the parent has used the descriptor. */
__attribute__((noreturn, noinline, used)) static void opener_child(void)
{
    child_fd = open_self(child_path);
    for (int i = 0; i < 1000 && !parent_done; i++)
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    for (;;)
        ;
}

/* In a forked process of its own (the grandchild's exit ends the table it shares, which
 * must not be the program's): the grandchild opens the file, this process maps it. */
static void shared_step(const char *self)
{
    marker(P_SHARED_FILES, 0, 0, 0, 0);
    child_path = self;
    long fork_pid = sys6(SYS_clone, SIGCHLD_, 0, 0, 0, 0, 0);
    if (fork_pid == 0) {
        long pid = spawn_child(CLONE_VM_ | CLONE_FILES_ | SIGCHLD_,
                               child_stack + sizeof child_stack, opener_child);
        for (int i = 0; pid > 0 && i < 1000 && child_fd < 0; i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        if (child_fd >= 0)
            compare_fd(child_fd, 64);
        parent_done = 1;
        int status = 0;
        if (pid > 0)
            sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
        sys6(SYS_exit_group, file_mismatch ? 64 : 0, 0, 0, 0, 0, 0);
    }
    int status = 0;
    if (fork_pid > 0)
        sys6(SYS_wait4, fork_pid, (long)&status, 0, 0, 0, 0);
    if (((status >> 8) & 0xff) == 64)
        file_mismatch |= 64;
    marker(P_SHARED_DONE, file_mismatch, 0, 0, 0);
}

/* The secret read from an entropy device (as a program that does not use getrandom). */
static long device_secret(const char *dev, const char *how)
{
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)dev, O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return -1;
    long n;
    if (strcmp(how, "readv") == 0) {
        struct iovec iov = {.iov_base = secret, .iov_len = SECRET_LEN};
        n = sys6(SYS_readv, fd, (long)&iov, 1, 0, 0, 0);
    } else if (strcmp(how, "preadv") == 0) {
        struct iovec iov = {.iov_base = secret, .iov_len = SECRET_LEN};
        n = sys6(SYS_preadv, fd, (long)&iov, 1, 0, 0, 0);
    } else if (strcmp(how, "pread") == 0) {
        n = sys6(SYS_pread64, fd, (long)secret, SECRET_LEN, 0, 0, 0);
    } else if (strcmp(how, "dup") == 0) {
        int copy = (int)sys6(SYS_dup, fd, 0, 0, 0, 0, 0);
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
        fd = copy;
        n = sys6(SYS_read, fd, (long)secret, SECRET_LEN, 0, 0, 0);
    } else {
        n = sys6(SYS_read, fd, (long)secret, SECRET_LEN, 0, 0, 0);
    }
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    return n;
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *device = 0, *how = "read";
    long grnd_flags = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            device = argv[++i];
        else if (strcmp(argv[i], "-m") == 0 && i + 1 < argc)
            how = argv[++i];
        else if (strcmp(argv[i], "-g") == 0 && i + 1 < argc)
            grnd_flags = argv[++i][0] - '0';
    }
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if ((device ? device_secret(device, how)
                : sys6(SYS_getrandom, (long)secret, SECRET_LEN, grnd_flags, 0, 0, 0)) != SECRET_LEN) {
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
    int pair[2] = {-1, -1};
    sockname_step();
    sys6(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, (long)pair, 0, 0);
    recvfrom_step(pair);
    recvmsg_step(pair);
    epoll_step(pair);
    mmsg_step(pair);
    groups_step();
    outputs_step(pair);
    counted_step(pair);
    cookie_step(pair);
    strings_step();
    signalfd_step();
    waits_step();
    xattr_step();
    dontunmap_step();
    fds_step(argv[0]);
    shared_step(argv[0]);
    memset(scratch.raw, 0, sizeof scratch.raw);

    int bad = tampered || file_mismatch || memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
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
