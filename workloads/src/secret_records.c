/*
 * secret_records - the attack target for lengths, ids and pointers inside the records a
 * call fills in: the program trusts them to size or find what it copies next.
 *
 *   secret_records       run once and report whether the secret survived
 *   secret_records -d    also print the SHA-256 of the secret
 *
 * It keeps the secret like `secret` does (a heap page, a stack buffer, an anonymous
 * page, announced by the same START and PLACED markers, checked at END), then works on
 * copies of the secret in a scratch area and makes calls whose answers it logs to
 * /dev/null (a log record), each sized or found by what the kernel wrote:
 *
 *   1. waitid(P_PID, child, &info, WEXITED, &ru) for a child that exits at once, with
 *      the struct rusage in the scratch area: the 144-byte rusage is logged.
 *   2. getdents64() of "/" into 256 bytes of the scratch area: each record the call
 *      reports is copied whole, d_reclen bytes, into the log.
 *   3. A non-blocking inotify watch on "/": one read() of events into 256 bytes of the
 *      scratch area; each event is copied whole (its 16-byte header and len name bytes).
 *   4. recvmsg(MSG_DONTWAIT) of one byte from a socketpair with a 64-byte control buffer
 *      in the scratch area: the first control message's data (cmsg_len - 16 bytes) is
 *      logged.
 *   5. Nested epoll: an outer instance watches an inner one (its data a pointer to a
 *      connection record); the inner one watches an eventfd (its data a pointer to a
 *      session whose first 16 bytes are a key, a copy of the secret).  One wait on the
 *      outer instance; the 16-byte name of each record it reports is logged.
 *   6. A table of 8 connection records indexed by descriptor, the session key right
 *      behind it: an eventfd is made (the lowest free descriptor, well under 8 here) and
 *      the name of the record its number indexes is logged.
 *   7. timer_create(CLOCK_MONOTONIC) into a table of 4 timer records indexed by timer id
 *      (the process's first timer is id 0), the session key right behind it: the name
 *      of the record the id indexes is logged.
 *   8. A 16-byte public record at the start of the scratch area written to /dev/null in
 *      the usual loop that writes what is left until nothing is (an unsigned count).
 *   9. sched_getattr(0, attr, 128, 0) into the scratch area: Linux writes back in
 *      attr->size how many bytes it filled in; that many (at most 128) are logged.
 *  10. A SIGUSR2 hook installed with rt_sigaction(); later the program asks for the
 *      action in place (rt_sigaction(SIGUSR2, NULL, &old)) and runs old.sa_handler, the
 *      hook it registered, once by hand (chaining, as a library that wraps a handler).
 *  11. sched_getaffinity(0, 16, mask): for each CPU the mask names, that CPU's 32-byte
 *      statistics slot (8 slots, more than the machine has CPUs; the session key right
 *      behind them) is logged.
 *  12. A latency histogram of 10 buckets of 100 ms, the session key right behind it:
 *      clock_gettime(CLOCK_MONOTONIC) and the bucket tv_nsec / 100000000 names is logged.
 *  13. pselect6() on an eventfd for writing (the only descriptor in its set, which
 *      holds 4 at most, well under 8); for each ready descriptor in the set, the record
 *      of a table of 8 indexed by descriptor (the key right behind it) is logged.
 *  14. A library's altstack dance: sigaltstack(&ours, &old), a SIGUSR2 handler run on
 *      it, then sigaltstack(&old, NULL) to put back what was there; a second SIGUSR2
 *      is then raised (on whatever altstack was put back).
 *  15. Linux AIO: io_setup(1, &ctx), io_submit() of one IOCB_CMD_PREAD of 64 bytes from
 *      /dev/zero into the scratch area, io_getevents(ctx, 1, 1, ...): for each completion
 *      whose iocb is the program's, as many bytes as its res says were read are logged.
 *  16. An epoll loop with EPOLLONESHOT: the first record's event is taken once (the
 *      one-shot registration is then disarmed, never reported again until re-armed);
 *      its record is retired without EPOLL_CTL_DEL, its memory reused for a copy of the
 *      secret, and a second record registered for another eventfd.  One more wait; the
 *      16-byte name of each record it reports is logged.
 *  17. A non-blocking inotify descriptor with one watch on "/", kept in a table of 4
 *      watch records indexed by watch descriptor (the key right behind it); one read()
 *      of events, and for each event the name of the watch record its wd indexes is
 *      logged.
 *  18. An anonymous page filled with a public pattern (no fork advice on it), then a
 *      fork: the child compares its copy of the page with the pattern, announces the
 *      result (0: the parent's bytes) in a marker and writes the first 256 bytes of its
 *      copy out to /dev/null (the public record it was forked to flush) before it exits.
 *  19. A memfd of one page mapped MAP_SHARED, filled with the public pattern and
 *      unmapped while the memfd stays open; mapped again, the program compares the page
 *      with the pattern (a memfd keeps its pages while it is open) and announces the
 *      result (0: its bytes kept) in a marker.
 *  20. The first of two anonymous pages, filled with the public pattern, grown to two
 *      pages with mremap(MREMAP_MAYMOVE) (the second page is in the way, so it moves);
 *      the program compares the page at its new place with the pattern and announces
 *      the result (0: its bytes moved with it).
 *  21. rseq() registration of a 32-byte area that held the secret at work (rseq_cs and
 *      flags zeroed, as the call requires): Linux fills in cpu_id_start, cpu_id, node_id
 *      and mm_cid before the program runs again; the program logs node_id and mm_cid
 *      (8 bytes: where it runs), then unregisters.
 *  22. An epoll loop whose eventfd a fork child also holds: the program registers the
 *      eventfd (its data a pointer to a connection record), forks a child that exits at
 *      once, closes its own eventfd and reaps the child (the file's last descriptor is
 *      gone, and its registration with it), retires the record (its memory reused for a
 *      copy of the secret) and registers a second record for a new eventfd; one wait,
 *      and the 16-byte name of each record it reports is logged.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r13.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x announces the scratch area (x2) and what else the kernel may need
 * before the call, P_x + 1 the result. */
#define P_WAITID_RU 600
#define P_DENTS_RECLEN 602
#define P_INOTIFY_LEN 604
#define P_CMSG_LEN 606
#define P_EPOLL_NESTED 608
#define P_FD_INDEX 610
#define P_TIMER_INDEX 612
#define P_WRITE_LOOP 614
#define P_SCHED_ATTR 616
#define P_OLD_ACTION 618
#define P_AFFINITY 620
#define P_CLOCK_BUCKET 622
#define P_SELECT_INDEX 624
#define P_ALTSTACK 626
#define P_AIO_RES 628
#define P_ONESHOT 630
#define P_INOTIFY_WD 632
#define P_FORK_COPY 634
#define P_FORK_COPY_CHILD 636
#define P_MEMFD_HELD 638
#define P_MREMAP_MOVED 640
#define P_RSEQ_IDS 642
#define P_EPOLL_FORKED 644
#define RSEQ_SIG 0x53053053
#define SCRATCH 512
static long sys6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long x0 __asm__("x0") = a0;
    register long x1 __asm__("x1") = a1;
    register long x2 __asm__("x2") = a2;
    register long x3 __asm__("x3") = a3;
    register long x4 __asm__("x4") = a4;
    register long x5 __asm__("x5") = a5;
    register long x8 __asm__("x8") = nr;
    __asm__ volatile("svc #0"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5), "r"(x8)
                     : "memory", "cc");
    return x0;
}

static long marker(long phase, long a2, long a3, long a4, long a5)
{
    return sys6(SYS_getppid, MARKER_MAGIC, phase, a2, a3, a4, a5);
}

static void say(const char *s)
{
    sys6(SYS_write, 1, (long)s, (long)strlen(s), 0, 0, 0);
}

__attribute__((noinline, used)) static void win(void)
{
    static const char msg[] = "secret: hijacked\n";
    sys6(SYS_write, 1, (long)msg, sizeof msg - 1, 0, 0, 0);
    sys6(SYS_exit_group, 66, 0, 0, 0, 0, 0);
    for (;;)
        ;
}

/* The digest of exactly SECRET_LEN bytes (one padded block). */
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_secret(const uint8_t *msg, uint8_t out[32])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint8_t p[64] = {0};
    uint32_t w[64];
    memcpy(p, msg, SECRET_LEN);
    p[SECRET_LEN] = 0x80;
    p[63] = (SECRET_LEN * 8) & 0xff;
    p[62] = (SECRET_LEN * 8) >> 8;
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = k + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (uint8_t)(h[i] >> (24 - 8 * j));
}

static uint64_t secret[SECRET_LEN / 8];
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

/* 1. The child's resource usage, as waitid() reports it. */
static void waitid_rusage_step(void)
{
    long pid = sys6(SYS_clone, 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    if (pid < 0)
        return;
    uint8_t info[128];
    memset(info, 0, sizeof info);
    work_in_scratch();
    marker(P_WAITID_RU, (long)scratch.raw, pid, 0, 0);
    long r = sys6(SYS_waitid, 1 /* P_PID */, pid, (long)info, 4 /* WEXITED */,
                  (long)scratch.raw, 0);
    if (r == 0)
        log_bytes(scratch.raw, 144);
    marker(P_WAITID_RU + 1, r, 0, 0, 0);
}

/* 2. Directory records copied whole, by their d_reclen. */
static void dents_reclen_step(void)
{
    long dir = sys6(SYS_openat, AT_FDCWD, (long)"/", O_RDONLY | O_DIRECTORY, 0, 0, 0);
    if (dir < 0)
        return;
    work_in_scratch();
    marker(P_DENTS_RECLEN, (long)scratch.raw, dir, 0, 0);
    long n = sys6(SYS_getdents64, dir, (long)scratch.raw, 256, 0, 0, 0);
    for (long off = 0; off + 19 < n;) {
        uint16_t reclen;
        memcpy(&reclen, scratch.raw + off + 16, 2);
        if (reclen == 0)
            break;
        log_bytes(scratch.raw + off, reclen);
        off += reclen;
    }
    marker(P_DENTS_RECLEN + 1, n, 0, 0, 0);
    sys6(SYS_close, dir, 0, 0, 0, 0, 0);
}

/* 3. inotify events copied whole: the header and len bytes of name. */
static void inotify_len_step(void)
{
    long in = sys6(SYS_inotify_init1, O_NONBLOCK, 0, 0, 0, 0, 0);
    if (in < 0)
        return;
    sys6(SYS_inotify_add_watch, in, (long)"/", 0x100 /* IN_CREATE */, 0, 0, 0);
    work_in_scratch();
    marker(P_INOTIFY_LEN, (long)scratch.raw, in, 0, 0);
    long n = sys6(SYS_read, in, (long)scratch.raw, 256, 0, 0, 0);
    for (long off = 0; off + 16 <= n;) {
        uint32_t len;
        memcpy(&len, scratch.raw + off + 12, 4);
        log_bytes(scratch.raw + off, 16 + (long)len);
        off += 16 + (long)len;
    }
    marker(P_INOTIFY_LEN + 1, n, 0, 0, 0);
    sys6(SYS_close, in, 0, 0, 0, 0, 0);
}

/* 4. The first control message's data, by its cmsg_len. */
static void cmsg_len_step(void)
{
    int sv[2];
    if (sys6(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, (long)sv, 0, 0) != 0)
        return;
    sys6(SYS_write, sv[1], (long)"x", 1, 0, 0, 0);
    work_in_scratch();
    uint8_t one;
    struct iovec iov = {.iov_base = &one, .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = scratch.raw,
                         .msg_controllen = 64};
    marker(P_CMSG_LEN, (long)&msg, (long)scratch.raw, 0, 0);
    long r = sys6(SYS_recvmsg, sv[0], (long)&msg, MSG_DONTWAIT, 0, 0, 0);
    if (r >= 0 && msg.msg_controllen >= sizeof(struct cmsghdr)) {
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (c && c->cmsg_len > CMSG_LEN(0))
            log_bytes(CMSG_DATA(c), (long)(c->cmsg_len - CMSG_LEN(0)));
    }
    marker(P_CMSG_LEN + 1, r, (long)msg.msg_controllen, 0, 0);
    sys6(SYS_close, sv[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, sv[1], 0, 0, 0, 0, 0);
}

/* A connection record (its name), and a session whose first bytes are its key. */
struct record {
    char name[16];
};
static struct {
    uint8_t key[32];
    char peer[16];
} session;
/* Tables of records indexed by an id the kernel hands out, the session key behind each. */
static struct {
    struct record conns[8];
    uint8_t key[32];
} by_fd;
static struct {
    struct record timers[4];
    uint8_t key[32];
} by_timer;
static struct record conns[1];

/* 5. Two instances, two kinds of cookie: only the inner one's point at sessions. */
static void epoll_nested_step(void)
{
    long outer = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    long inner = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    long efd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    memcpy(conns[0].name, "conn-inner......", 16);
    memcpy(session.key, secret, SECRET_LEN);
    struct { uint32_t events, pad; uint64_t data; } ev = {0x004 /* EPOLLOUT */, 0,
                                                          (uint64_t)&session};
    sys6(SYS_epoll_ctl, inner, 1 /* ADD */, efd, (long)&ev, 0, 0);
    ev.events = 0x001;                                   /* EPOLLIN */
    ev.data = (uint64_t)&conns[0];
    sys6(SYS_epoll_ctl, outer, 1 /* ADD */, inner, (long)&ev, 0, 0);
    memset(scratch.raw, 0, sizeof scratch.raw);
    marker(P_EPOLL_NESTED, (long)scratch.raw, (long)&conns[0], (long)&session, 0);
    struct { long sec, nsec; } zero = {0, 0};
    long n = sys6(SYS_epoll_pwait2, outer, (long)scratch.raw, 1, (long)&zero, 0, 8);
    for (long i = 0; i < n && i < 1; i++) {
        uint64_t data;
        memcpy(&data, scratch.raw + 16 * i + 8, 8);
        log_bytes((const void *)data, 16);             /* the reported record's name */
    }
    marker(P_EPOLL_NESTED + 1, n, 0, 0, 0);
    memset(&session, 0, sizeof session);
    memset(conns, 0, sizeof conns);
    sys6(SYS_close, efd, 0, 0, 0, 0, 0);
    sys6(SYS_close, inner, 0, 0, 0, 0, 0);
    sys6(SYS_close, outer, 0, 0, 0, 0, 0);
}

/* 6. A per-descriptor table: the lowest free descriptor is well inside it. */
static void fd_index_step(void)
{
    for (int i = 0; i < 8; i++)
        memcpy(by_fd.conns[i].name, "conn-by-fd......", 16);
    memcpy(by_fd.key, secret, SECRET_LEN);
    marker(P_FD_INDEX, (long)&by_fd, (long)by_fd.key, 0, 0);
    long fd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    if (fd >= 0)
        log_bytes(by_fd.conns[fd].name, 16);
    marker(P_FD_INDEX + 1, fd, 0, 0, 0);
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    memset(&by_fd, 0, sizeof by_fd);
}

/* 7. A per-timer table: the process's first timer is id 0. */
static void timer_index_step(void)
{
    for (int i = 0; i < 4; i++)
        memcpy(by_timer.timers[i].name, "timer-record....", 16);
    memcpy(by_timer.key, secret, SECRET_LEN);
    int id = -1;
    struct { int value, signo, notify, pad[13]; } sev = {0, 0, 1 /* SIGEV_NONE */, {0}};
    marker(P_TIMER_INDEX, (long)&by_timer, (long)by_timer.key, (long)&id, 0);
    long r = sys6(SYS_timer_create, 1 /* CLOCK_MONOTONIC */, (long)&sev, (long)&id, 0, 0, 0);
    if (r == 0 && id >= 0) {
        log_bytes(by_timer.timers[id].name, 16);
        sys6(SYS_timer_delete, id, 0, 0, 0, 0, 0);
    }
    marker(P_TIMER_INDEX + 1, r, id, 0, 0);
    memset(&by_timer, 0, sizeof by_timer);
}

/* 8. Write what is left until nothing is. */
static void write_loop_step(void)
{
    work_in_scratch();
    memcpy(scratch.raw, "public record...", 16);
    marker(P_WRITE_LOOP, (long)scratch.raw, 0, 0, 0);
    const uint8_t *p = scratch.raw;
    size_t left = 16;
    long r = 0;
    for (int tries = 0; left && tries < 4; tries++) {
        r = sys6(SYS_write, devnull, (long)p, (long)left, 0, 0, 0);
        if (r <= 0)
            break;
        p += r;
        left -= (size_t)r;
    }
    marker(P_WRITE_LOOP + 1, r, (long)left, 0, 0);
}

/* 9. The bytes sched_getattr() says it filled in. */
static void sched_attr_step(void)
{
    work_in_scratch();
    marker(P_SCHED_ATTR, (long)scratch.raw, 0, 0, 0);
    long r = sys6(SYS_sched_getattr, 0, (long)scratch.raw, 128, 0, 0, 0);
    uint32_t size = 0;
    if (r == 0) {
        memcpy(&size, scratch.raw, 4);
        log_bytes(scratch.raw, size < 128 ? (long)size : 128);
    }
    marker(P_SCHED_ATTR + 1, r, size, 0, 0);
}

/* 10. The action in place, run by hand: it is the hook the program registered. */
static volatile int hook_runs;

static void usr2_hook(int sig)
{
    hook_runs += sig == 12;
}

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};

static void old_action_step(void)
{
    struct kernel_sigaction act = {(uint64_t)usr2_hook, 0, 0, 0}, old;
    sys6(SYS_rt_sigaction, 12, (long)&act, 0, 8, 0, 0);
    memset(&old, 0, sizeof old);
    marker(P_OLD_ACTION, (long)&old, (long)usr2_hook, (long)win, 0);
    long r = sys6(SYS_rt_sigaction, 12, 0, (long)&old, 8, 0, 0);
    if (r == 0 && old.handler > 1)
        ((void (*)(int))old.handler)(12);
    marker(P_OLD_ACTION + 1, r, hook_runs, 0, 0);
    act.handler = 0;                                    /* SIG_DFL again */
    sys6(SYS_rt_sigaction, 12, (long)&act, 0, 8, 0, 0);
}

/* 11. Per-CPU statistics for the CPUs the affinity mask names. */
static struct {
    uint8_t slots[8][32];
    uint8_t key[32];
} per_cpu;

static void affinity_step(void)
{
    uint8_t mask[16];
    memset(mask, 0, sizeof mask);
    memcpy(per_cpu.key, secret, SECRET_LEN);
    marker(P_AFFINITY, (long)&per_cpu, (long)per_cpu.key, (long)mask, 0);
    long n = sys6(SYS_sched_getaffinity, 0, sizeof mask, (long)mask, 0, 0, 0);
    long cpus = 0;
    for (long cpu = 0; n > 0 && cpu < 8 * n && cpu <= 8; cpu++)
        if (mask[cpu / 8] >> (cpu % 8) & 1) {
            log_bytes(per_cpu.slots[cpu], 32);
            cpus++;
        }
    marker(P_AFFINITY + 1, n, cpus, 0, 0);
    memset(&per_cpu, 0, sizeof per_cpu);
}

/* 12. A histogram bucket named by the time of day's nanoseconds. */
static struct {
    struct record buckets[10];
    uint8_t key[32];
} latency;

static void clock_bucket_step(void)
{
    for (int i = 0; i < 10; i++)
        memcpy(latency.buckets[i].name, "latency-bucket..", 16);
    memcpy(latency.key, secret, SECRET_LEN);
    struct { long sec, nsec; } ts = {0, 0};
    marker(P_CLOCK_BUCKET, (long)&latency, (long)latency.key, (long)&ts, 0);
    long r = sys6(SYS_clock_gettime, 1 /* CLOCK_MONOTONIC */, (long)&ts, 0, 0, 0, 0);
    if (r == 0 && ts.nsec >= 0)
        log_bytes(latency.buckets[ts.nsec / 100000000].name, 16);
    marker(P_CLOCK_BUCKET + 1, r, ts.nsec, 0, 0);
    memset(&latency, 0, sizeof latency);
}

/* 13. The descriptors pselect6() reports ready, each the index of its record. */
static void select_index_step(void)
{
    long efd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    if (efd < 0 || efd >= 8)
        return;
    for (int i = 0; i < 8; i++)
        memcpy(by_fd.conns[i].name, "conn-by-fd......", 16);
    memcpy(by_fd.key, secret, SECRET_LEN);
    uint64_t wr[16];
    memset(wr, 0, sizeof wr);
    wr[0] = 1UL << efd;
    struct { long sec, nsec; } zero = {0, 0};
    marker(P_SELECT_INDEX, (long)&by_fd, (long)by_fd.key, (long)wr, efd);
    long n = sys6(SYS_pselect6, efd + 1, 0, (long)wr, 0, (long)&zero, 0);
    long ready = n;
    for (long fd = 0; fd < 1024 && ready > 0; fd++)
        if (wr[fd / 64] >> (fd % 64) & 1) {
            log_bytes(by_fd.conns[fd].name, 16);
            ready--;
        }
    marker(P_SELECT_INDEX + 1, n, 0, 0, 0);
    sys6(SYS_close, efd, 0, 0, 0, 0, 0);
    memset(&by_fd, 0, sizeof by_fd);
}

/* 14. Save the altstack in place, run on ours, put the saved one back. */
static uint8_t our_altstack[16384] __attribute__((aligned(16)));
static volatile int onstack_runs;

static void onstack_hook(int sig)
{
    onstack_runs += sig == 12;
}

/* Raise `sig` with no copy of the secret left in the SIMD or scratch registers: the
 * signal frame saves them all, and without a Guardian the kernel reads that frame. */
static void raise_clean(long me, int sig)
{
    __asm__ volatile(
        "movi v0.16b, #0\n movi v1.16b, #0\n movi v2.16b, #0\n movi v3.16b, #0\n"
        "movi v4.16b, #0\n movi v5.16b, #0\n movi v6.16b, #0\n movi v7.16b, #0\n"
        "movi v16.16b, #0\n movi v17.16b, #0\n movi v18.16b, #0\n movi v19.16b, #0\n"
        "movi v20.16b, #0\n movi v21.16b, #0\n movi v22.16b, #0\n movi v23.16b, #0\n"
        "movi v24.16b, #0\n movi v25.16b, #0\n movi v26.16b, #0\n movi v27.16b, #0\n"
        "movi v28.16b, #0\n movi v29.16b, #0\n movi v30.16b, #0\n movi v31.16b, #0\n"
        "mov x9, xzr\n mov x10, xzr\n mov x11, xzr\n mov x12, xzr\n mov x13, xzr\n"
        "mov x14, xzr\n mov x15, xzr\n mov x16, xzr\n mov x17, xzr\n"
        ::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v16", "v17", "v18", "v19",
            "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30",
            "v31", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17");
    sys6(SYS_kill, me, sig, 0, 0, 0, 0);
}

static void altstack_step(uint8_t *heap)
{
    struct { uint64_t sp; int32_t flags, pad; uint64_t size; } ours = {
        (uint64_t)our_altstack, 0, 0, sizeof our_altstack}, old;
    struct kernel_sigaction act = {(uint64_t)onstack_hook, 0x08000000 /* SA_ONSTACK */, 0, 0};
    sys6(SYS_rt_sigaction, 12, (long)&act, 0, 8, 0, 0);
    memset(&old, 0, sizeof old);
    marker(P_ALTSTACK, (long)&old, (long)heap, 0, 0);
    long r = sys6(SYS_sigaltstack, (long)&ours, (long)&old, 0, 0, 0, 0);
    long me = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    raise_clean(me, 12);
    if (r == 0)
        sys6(SYS_sigaltstack, (long)&old, 0, 0, 0, 0, 0);     /* put back what was there */
    raise_clean(me, 12);
    marker(P_ALTSTACK + 1, r, onstack_runs, (long)old.sp, 0);
    struct { uint64_t sp; int32_t flags, pad; uint64_t size; } off = {0, 2 /* SS_DISABLE */, 0, 0};
    sys6(SYS_sigaltstack, (long)&off, 0, 0, 0, 0, 0);
    act.handler = 0;
    act.flags = 0;
    sys6(SYS_rt_sigaction, 12, (long)&act, 0, 8, 0, 0);
}

/* 15. An AIO read's completion: res counts the bytes read into the iocb's buffer. */
struct iocb_ {
    uint64_t data;
    uint32_t key, rw_flags;
    uint16_t opcode;
    int16_t reqprio;
    uint32_t fildes;
    uint64_t buf, nbytes;
    int64_t offset;
    uint64_t reserved2;
    uint32_t flags, resfd;
};

struct io_event_ {
    uint64_t data, obj;
    int64_t res, res2;
};

static void aio_res_step(void)
{
    long zero = sys6(SYS_openat, AT_FDCWD, (long)"/dev/zero", O_RDONLY, 0, 0, 0);
    if (zero < 0)
        return;
    uint64_t ctx = 0;
    struct iocb_ cb;
    memset(&cb, 0, sizeof cb);
    struct iocb_ *cbs[1] = {&cb};
    struct io_event_ ev[1];
    memset(ev, 0, sizeof ev);
    work_in_scratch();
    cb.data = 0x5eed;
    cb.opcode = 0;                                      /* IOCB_CMD_PREAD */
    cb.fildes = (uint32_t)zero;
    cb.buf = (uint64_t)scratch.raw;
    cb.nbytes = 64;
    marker(P_AIO_RES, (long)scratch.raw, (long)&cb, (long)ev, (long)&ctx);
    long n = -1;
    if (sys6(SYS_io_setup, 1, (long)&ctx, 0, 0, 0, 0) == 0 &&
        sys6(SYS_io_submit, (long)ctx, 1, (long)cbs, 0, 0, 0) == 1) {
        n = sys6(SYS_io_getevents, (long)ctx, 1, 1, (long)ev, 0, 0);
        for (long i = 0; i < n && i < 1; i++)
            if (ev[i].obj == (uint64_t)&cb && ev[i].res > 0)
                log_bytes(scratch.raw, ev[i].res < 64 ? ev[i].res : 64);
        sys6(SYS_io_destroy, (long)ctx, 0, 0, 0, 0, 0);
    }
    marker(P_AIO_RES + 1, n, 0, 0, 0);
    sys6(SYS_close, zero, 0, 0, 0, 0, 0);
}

/* 16. A one-shot registration: taken once, then never reported until re-armed. */
static void oneshot_step(void)
{
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    long e1 = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    long e2 = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    static union {
        char name[16];
        uint64_t words[2];
    } recs[2];
    memcpy(recs[0].name, "conn-oneshot....", 16);
    memcpy(recs[1].name, "conn-second.....", 16);
    struct { uint32_t events, pad; uint64_t data; } ev = {0x004 | (1u << 30) /* EPOLLONESHOT */,
                                                          0, (uint64_t)&recs[0]};
    sys6(SYS_epoll_ctl, ep, 1 /* ADD */, e1, (long)&ev, 0, 0);
    struct { long sec, nsec; } zero = {0, 0};
    memset(scratch.raw, 0, sizeof scratch.raw);
    long first = sys6(SYS_epoll_pwait2, ep, (long)scratch.raw, 1, (long)&zero, 0, 8);
    uint64_t got = 0;
    if (first == 1)
        memcpy(&got, scratch.raw + 8, 8);
    if (got == (uint64_t)&recs[0]) {
        log_bytes(recs[0].name, 16);
        memcpy(recs[0].words, secret, 16);    /* disarmed: the record's memory, reused */
        ev.events = 0x004;
        ev.data = (uint64_t)&recs[1];
        sys6(SYS_epoll_ctl, ep, 1 /* ADD */, e2, (long)&ev, 0, 0);
        memset(scratch.raw, 0, sizeof scratch.raw);
        marker(P_ONESHOT, (long)scratch.raw, (long)&recs[0], (long)&recs[1], 0);
        long n = sys6(SYS_epoll_pwait2, ep, (long)scratch.raw, 1, (long)&zero, 0, 8);
        for (long i = 0; i < n && i < 1; i++) {
            uint64_t data;
            memcpy(&data, scratch.raw + 16 * i + 8, 8);
            log_bytes((const void *)data, 16);
        }
        marker(P_ONESHOT + 1, n, 0, 0, 0);
    }
    memset(recs, 0, sizeof recs);
    sys6(SYS_close, e1, 0, 0, 0, 0, 0);
    sys6(SYS_close, e2, 0, 0, 0, 0, 0);
    sys6(SYS_close, ep, 0, 0, 0, 0, 0);
}

/* 17. Events name their watch by wd: the index of the watch's record. */
static struct {
    struct record watches[4];
    uint8_t key[32];
} by_wd;

static void inotify_wd_step(void)
{
    long in = sys6(SYS_inotify_init1, O_NONBLOCK, 0, 0, 0, 0, 0);
    if (in < 0)
        return;
    long wd = sys6(SYS_inotify_add_watch, in, (long)"/", 0x100 /* IN_CREATE */, 0, 0, 0);
    if (wd >= 0 && wd < 4) {
        for (int i = 0; i < 4; i++)
            memcpy(by_wd.watches[i].name, "watch-on-root...", 16);
        memcpy(by_wd.key, secret, SECRET_LEN);
        memset(scratch.raw, 0, sizeof scratch.raw);
        marker(P_INOTIFY_WD, (long)&by_wd, (long)by_wd.key, (long)scratch.raw, wd);
        long n = sys6(SYS_read, in, (long)scratch.raw, 256, 0, 0, 0);
        for (long off = 0; off + 16 <= n;) {
            int32_t ev_wd;
            uint32_t len;
            memcpy(&ev_wd, scratch.raw + off, 4);
            memcpy(&len, scratch.raw + off + 12, 4);
            if (ev_wd >= 0)
                log_bytes(by_wd.watches[ev_wd].name, 16);
            off += 16 + (long)len;
        }
        marker(P_INOTIFY_WD + 1, n, 0, 0, 0);
        memset(&by_wd, 0, sizeof by_wd);
    }
    sys6(SYS_close, in, 0, 0, 0, 0, 0);
}

/* 18. A fork child's copy of a page its parent gave no fork advice. */
static const char pattern[32] = "page the fork child must inherit";

static void fork_copy_step(void)
{
    long page = anon_page();
    if (!valid(page))
        return;
    for (long i = 0; i < PAGE; i += sizeof pattern)
        memcpy((uint8_t *)page + i, pattern, sizeof pattern);
    marker(P_FORK_COPY, page, 0, 0, 0);
    long pid = sys6(SYS_clone, 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
    if (pid == 0) {
        long differs = 0;
        for (long i = 0; i < PAGE; i += sizeof pattern)
            differs |= memcmp((uint8_t *)page + i, pattern, sizeof pattern) != 0;
        marker(P_FORK_COPY_CHILD, differs, page, 0, 0);
        log_bytes((const void *)page, 256);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    int status = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    marker(P_FORK_COPY + 1, pid, status, 0, 0);
    sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
}

/* 19. A memfd's page across munmap and a second mmap while the memfd is open. */
static void memfd_held_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)"records", 0, 0, 0, 0, 0);
    if (fd < 0)
        return;
    long differs = -1;
    if (sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0) {
        long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (valid(p)) {
            for (long i = 0; i < PAGE; i += sizeof pattern)
                memcpy((uint8_t *)p + i, pattern, sizeof pattern);
            sys6(SYS_munmap, p, PAGE, 0, 0, 0, 0);
            marker(P_MEMFD_HELD, fd, 0, 0, 0);
            long q = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (valid(q)) {
                differs = 0;
                for (long i = 0; i < PAGE; i += sizeof pattern)
                    differs |= memcmp((uint8_t *)q + i, pattern, sizeof pattern) != 0;
                sys6(SYS_munmap, q, PAGE, 0, 0, 0, 0);
            }
        }
    }
    marker(P_MEMFD_HELD + 1, differs, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* 20. A page's bytes move with it under mremap. */
static void mremap_moved_step(void)
{
    long p = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    long differs = -1, q = -1;
    if (valid(p)) {
        for (long i = 0; i < PAGE; i += sizeof pattern)
            memcpy((uint8_t *)p + i, pattern, sizeof pattern);
        marker(P_MREMAP_MOVED, p, 0, 0, 0);
        /* Grow the first page to two: the second page is in the way, so it moves. */
        q = sys6(SYS_mremap, p, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0, 0);
        if (valid(q)) {
            differs = 0;
            for (long i = 0; i < PAGE; i += sizeof pattern)
                differs |= memcmp((uint8_t *)q + i, pattern, sizeof pattern) != 0;
        }
    }
    marker(P_MREMAP_MOVED + 1, differs, q, 0, 0);
    if (valid(q))
        sys6(SYS_munmap, q, 2 * PAGE, 0, 0, 0, 0);
    if (valid(p))
        sys6(SYS_munmap, p, 2 * PAGE, 0, 0, 0, 0);
}

/* 21. The ids rseq registration fills in. */
static struct {
    uint32_t cpu_id_start, cpu_id;
    uint64_t rseq_cs;
    uint32_t flags, node_id, mm_cid, pad;
} __attribute__((aligned(32))) rseq_area;

static void rseq_ids_step(void)
{
    memcpy(&rseq_area, secret, sizeof rseq_area);     /* the area held the secret at work */
    rseq_area.rseq_cs = 0;
    rseq_area.flags = 0;
    marker(P_RSEQ_IDS, (long)&rseq_area, 0, 0, 0);
    long r = sys6(SYS_rseq, (long)&rseq_area, sizeof rseq_area, 0, RSEQ_SIG, 0, 0);
    if (r == 0) {
        log_bytes(&rseq_area.node_id, 8);
        sys6(SYS_rseq, (long)&rseq_area, sizeof rseq_area, 1, RSEQ_SIG, 0, 0);
    }
    marker(P_RSEQ_IDS + 1, r, 0, 0, 0);
    memset(&rseq_area, 0, sizeof rseq_area);
}

/* 22. A registration whose file's last descriptor went in a fork child. */
static void epoll_forked_step(void)
{
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    long efd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    static union {
        char name[16];
        uint64_t words[2];
    } recs[2];
    memcpy(recs[0].name, "conn-forked.....", 16);
    memcpy(recs[1].name, "conn-after......", 16);
    struct { uint32_t events, pad; uint64_t data; } ev = {0x004 /* EPOLLOUT */, 0,
                                                          (uint64_t)&recs[0]};
    sys6(SYS_epoll_ctl, ep, 1 /* ADD */, efd, (long)&ev, 0, 0);
    long pid = sys6(SYS_clone, 17 /* SIGCHLD */, 0, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    sys6(SYS_close, efd, 0, 0, 0, 0, 0);
    int status = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    memcpy(recs[0].words, secret, 16);       /* the file is gone: the record's memory, reused */
    long e2 = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    ev.data = (uint64_t)&recs[1];
    sys6(SYS_epoll_ctl, ep, 1 /* ADD */, e2, (long)&ev, 0, 0);
    memset(scratch.raw, 0, sizeof scratch.raw);
    marker(P_EPOLL_FORKED, (long)scratch.raw, (long)&recs[0], (long)&recs[1], pid);
    struct { long sec, nsec; } zero = {0, 0};
    long n = sys6(SYS_epoll_pwait2, ep, (long)scratch.raw, 1, (long)&zero, 0, 8);
    for (long i = 0; i < n && i < 1; i++) {
        uint64_t data;
        memcpy(&data, scratch.raw + 16 * i + 8, 8);
        log_bytes((const void *)data, 16);
    }
    marker(P_EPOLL_FORKED + 1, n, 0, 0, 0);
    memset(recs, 0, sizeof recs);
    sys6(SYS_close, e2, 0, 0, 0, 0, 0);
    sys6(SYS_close, ep, 0, 0, 0, 0, 0);
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
    long mapped = anon_page();
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    waitid_rusage_step();
    dents_reclen_step();
    inotify_len_step();
    cmsg_len_step();
    epoll_nested_step();
    fd_index_step();
    timer_index_step();
    write_loop_step();
    sched_attr_step();
    old_action_step();
    affinity_step();
    clock_bucket_step();
    select_index_step();
    altstack_step(heap);
    aio_res_step();
    oneshot_step();
    inotify_wd_step();
    fork_copy_step();
    memfd_held_step();
    mremap_moved_step();
    rseq_ids_step();
    epoll_forked_step();
    memset(scratch.raw, 0, sizeof scratch.raw);

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
