/* The attack target for what a read of the program's own special files returns when the
 * descriptor it reads was obtained otherwise than by a plain open: dup, dup3, fcntl
 * F_DUPFD(_CLOEXEC), /proc/self/fd/N reopened, openat with a directory descriptor,
 * openat2, SCM_RIGHTS over its own socketpair, pidfd_getfd, a fork child's copy, a
 * clone(CLONE_FILES) child's open, the lowest free number after close(0), and the
 * positioned and vector forms on such copies.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into a
 * label's index and writes that label to /dev/null (8 bytes).  Under Linux's contract the
 * index is always 0..3; an answer Linux could never give points the write into the
 * secret's copy.  Each step announces itself with a marker (getppid() with x0 =
 * MARKER_MAGIC, x1 = phase, x2 = the log buffer) just before the read it checks, and a
 * second marker (phase + 1, x2 the index) after its write.  In the order they run:
 *
 *   1. /dev/zero read through dup(): -4 when a byte is not zero, or fewer than the 8
 *      bytes asked for come without an error (so for every 8-byte /dev/zero read below).
 *   2. possible, then online read through dup3(fd, 77, O_CLOEXEC): -4 per online CPU
 *      that is not possible.
 *   3. online, then /proc/cpuinfo read through F_DUPFD_CLOEXEC (>= 40): -4 per
 *      "processor" entry more or fewer than online CPUs.
 *   4. /proc/meminfo reopened through /proc/self/fd/N: -4 when MemFree > MemTotal.
 *   5. online, then "stat" opened with openat(dirfd of /proc): -4 per cpuN line more
 *      or fewer than online CPUs.
 *   6. /dev/zero opened with openat2() (openat() when it is not there): -4 when a byte
 *      is not zero.
 *   7. /dev/zero passed by SCM_RIGHTS over the program's own socketpair (the marker
 *      comes before the socketpair): -4 when a byte of the received descriptor's read
 *      is not zero.
 *   8. An EFD_SEMAPHORE eventfd (counter 5) taken by pidfd_getfd() (dup() when that is
 *      not there): -4 unless the read is 1.
 *   9. A fork child reads 4 bytes of /proc/self/exe through its copy of the parent's
 *      descriptor: -4 (in the parent, from the child's exit status) unless they are
 *      "\x7fELF".
 *  10. The parent then reads 4 bytes through its own descriptor (the offset it shares
 *      with the child): when the child exited 0 (it read the 4 bytes), -4 unless they
 *      are the ELF header's bytes 4..7 (2, 1, 1, 3: ELF64, little-endian, version 1,
 *      GNU/Linux).
 *  11. A one-shot timerfd read through dup(): -4 unless it counts 1 expiry.
 *  12. /proc/self/exe read 4 bytes, then 4 through a dup (shared offset): -4 unless
 *      they are bytes 4..7 (2, 1, 1, 3: ELF64, little-endian, version 1, GNU).
 *  13. The same file reopened through /proc/self/fd/N (a new offset 0): -4 unless the
 *      first 4 bytes are "\x7fELF".
 *  14. /dev/urandom read 32 bytes through F_DUPFD: -4 unless 32 bytes come.
 *  15. /dev/zero read by preadv2(offset -1) into two iovecs through a dup: -4 when a
 *      byte is not zero or fewer than 16 bytes come without an error.
 *  16. close(0), then open /dev/zero (its number not used: the lowest free, 0), then
 *      read(0): -4 when a byte is not zero.
 *  17. read(-100) (AT_FDCWD is no descriptor): -4 when it returns anything but an error.
 *  18. A clone(CLONE_FILES) child opens /dev/zero and exits with its number; the parent
 *      reads that number: -4 when a byte is not zero.
 *  19. PR_SET_NAME "xb44", then /proc/self/comm read by pread64 through F_DUPFD: -4
 *      unless it reads "xb44\n".
 *  20. /proc/self/exe read by pread64(offset 0, 4 bytes) through a dup: -4 when fewer
 *      than 4 bytes but no error come (a regular file is never short before its end).
 *  21. /dev/zero opened as Z, then a fork child closes Z and opens /dev/urandom (its
 *      own table's lowest free number: Z) and exits; the parent reads Z: -4 as step 1.
 *  22. The same with a vfork child (CLONE_VM | CLONE_VFORK: the memory shared, the
 *      descriptor table copied): -4 as step 1.
 *  23. /proc/self/exe read by preadv(offset 0) into two 4-byte iovecs through a dup:
 *      -4 when 8 bytes come that are not the ELF header's first 8.
 *  24. /proc/self/exe lseek()ed to 4, then read by readv() into one 4-byte iovec through
 *      an F_DUPFD copy: -4 when 4 bytes come that are not bytes 4..7.
 *  25. /dev/zero opened, then unshare(CLONE_FILES) (its result not used), then read:
 *      -4 as step 1.
 *  26. /dev/urandom opened as U, /dev/zero as Z, dup3(Z, U, 0), then read(U): -4 as
 *      step 1.
 *  27. /dev/urandom opened as U, close_range(U, U, 0), /dev/zero opened (the lowest free
 *      number, U), then read(U): -4 as step 1.
 *
 * With -e (not in the default run) the program first opens /dev/zero as Z (no
 * O_CLOEXEC) and execs itself (/bin/secret_r44_files --stage2 Z); the new image places
 * its secret and runs only step 28: read Z (kept across execve): -4 as step 1.  Where the
 * exec fails (no such image, as under qemu-user) the program runs the default steps.
 *
 * Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_DUP 4400
#define P_DUP3 4402
#define P_DUPFD 4404
#define P_REOPEN 4406
#define P_DIRFD 4408
#define P_OPENAT2 4410
#define P_SCM 4412
#define P_GETFD 4414
#define P_FORK 4416
#define P_FORKOFF 4418
#define P_TIMERFD 4420
#define P_EXEOFF 4422
#define P_EXEREOPEN 4424
#define P_URANDOM 4426
#define P_PREADV2 4428
#define P_LOWEST 4430
#define P_NEGFD 4432
#define P_CLONEFILES 4434
#define P_COMM 4436
#define P_EXESHORT 4438
#define P_FORKTABLE 4440
#define P_VFORKTABLE 4442
#define P_EXEPREADV 4444
#define P_EXESEEK 4446
#define P_UNSHARE 4448
#define P_DUP3OVER 4450
#define P_CLOSERANGE 4452
#define P_EXECKEEP 4454
#define SELF "/bin/secret_r44_files"
#include "secret_common.h"

#define NR_OPENAT2 437
#define NR_PIDFD_GETFD 438
#define NR_PIDFD_OPEN 434
#define NR_CLOSE_RANGE 436
#define CLONE_FILES_ 0x400

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static char buf[4096];
static char ref[4096];
static const uint8_t ELF_HEAD[8] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 3}; /* ELFOSABI_GNU */

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

static void announce(int phase)
{
    marker(phase, (long)logbuf, 0, 0, 0);
}

static long open_ro(const char *path)
{
    return sys6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0, 0, 0);
}

static void close_(long fd)
{
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* Read up to size - 1 bytes of fd, NUL-terminated; the count, or a negative error. */
static long read_text(long fd, char *out, long size)
{
    long n = sys6(SYS_read, fd, (long)out, size - 1, 0, 0, 0);
    out[n > 0 && n < size ? n : 0] = 0;
    return n;
}

static long slurp(const char *path, char *out, long size)
{
    long fd = open_ro(path);
    if (fd < 0)
        return -1;
    long n = read_text(fd, out, size);
    close_(fd);
    return n;
}

static long num(const char **p)
{
    long v = 0;
    while (**p >= '0' && **p <= '9')
        v = v * 10 + (*(*p)++ - '0');
    return v;
}

/* A CPU list ("0-3,5\n") as a mask of the first 64 CPUs. */
static long parse_cpus(const char *p)
{
    unsigned long mask = 0;
    while (*p >= '0' && *p <= '9') {
        long a = num(&p), b = a;
        if (*p == '-') {
            p++;
            b = num(&p);
        }
        for (long c = a; c <= b && c < 64; c++)
            mask |= 1UL << c;
        if (*p != ',')
            break;
        p++;
    }
    return (long)mask;
}

static long cpulist(const char *path)
{
    if (slurp(path, ref, sizeof ref) <= 0)
        return -1;
    return parse_cpus(ref);
}

static long field(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    if (!p)
        return -1;
    p += strlen(key);
    while (*p == ' ' || *p == '\t' || *p == ':')
        p++;
    return num(&p);
}

static long count_lines(const char *text, const char *prefix, int digit)
{
    long n = 0, len = (long)strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        if (!strncmp(p, prefix, len) && (!digit || (p[len] >= '0' && p[len] <= '9')))
            n++;
    return n;
}

static long labs_(long v)
{
    return v < 0 ? -v : v;
}

/* -4 when any of the n bytes is not zero. */
static long nonzero(const uint8_t *p, long n)
{
    for (long i = 0; i < n; i++)
        if (p[i])
            return -4;
    return 0;
}

/* Read 8 bytes of fd (/dev/zero): -4 when the read returned fewer than 8 bytes without an
 * error, or bytes that are not all zero. */
static long zero_index(long fd)
{
    uint8_t b[8] = {0};
    long n = sys6(SYS_read, fd, (long)b, 8, 0, 0, 0);
    if (n >= 0 && n < 8)
        return -4;
    return n == 8 ? nonzero(b, n) : 0;
}

static void fd_path(char *out, long fd)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + fd % 10);
        fd /= 10;
    } while (fd);
    memcpy(out, "/proc/self/fd/", 14);
    for (int i = 0; i < n; i++)
        out[14 + i] = digits[n - 1 - i];
    out[14 + n] = 0;
}

static void dup_step(void)
{
    long fd = open_ro("/dev/zero");
    long d = sys6(SYS_dup, fd, 0, 0, 0, 0, 0);
    announce(P_DUP);
    long idx = d < 0 ? 0 : zero_index(d);
    close_(d);
    close_(fd);
    log_label(P_DUP, idx);
}

static void dup3_step(void)
{
    long possible = cpulist("/sys/devices/system/cpu/possible");
    long fd = open_ro("/sys/devices/system/cpu/online");
    long d = sys6(SYS_dup3, fd, 77, O_CLOEXEC, 0, 0, 0);
    close_(fd);
    announce(P_DUP3);
    long n = d < 0 ? -1 : read_text(d, buf, sizeof buf);
    close_(d);
    if (possible < 0 || n <= 0)
        return log_label(P_DUP3, 0);
    log_label(P_DUP3, -4L * __builtin_popcountl(parse_cpus(buf) & ~possible));
}

static void dupfd_step(void)
{
    long online = cpulist("/sys/devices/system/cpu/online");
    long fd = open_ro("/proc/cpuinfo");
    long d = sys6(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 40, 0, 0, 0);
    announce(P_DUPFD);
    long n = d < 0 ? -1 : read_text(d, buf, sizeof buf);
    close_(d);
    close_(fd);
    if (online < 0 || n <= 0)
        return log_label(P_DUPFD, 0);
    log_label(P_DUPFD,
              -4 * labs_(count_lines(buf, "processor", 0) - __builtin_popcountl(online)));
}

static void reopen_step(void)
{
    char path[40];
    long fd = open_ro("/proc/meminfo");
    fd_path(path, fd);
    long r = open_ro(path);
    announce(P_REOPEN);
    long n = r < 0 ? -1 : read_text(r, buf, sizeof buf);
    close_(r);
    close_(fd);
    if (n <= 0)
        return log_label(P_REOPEN, 0);
    log_label(P_REOPEN, field(buf, "MemFree:") > field(buf, "MemTotal:") ? -4 : 0);
}

static void dirfd_step(void)
{
    long online = cpulist("/sys/devices/system/cpu/online");
    long dir = sys6(SYS_openat, AT_FDCWD, (long)"/proc", O_RDONLY | O_DIRECTORY, 0, 0, 0);
    announce(P_DIRFD);
    long fd = dir < 0 ? -1 : sys6(SYS_openat, dir, (long)"stat", O_RDONLY, 0, 0, 0);
    long n = fd < 0 ? -1 : read_text(fd, buf, sizeof buf);
    close_(fd);
    close_(dir);
    if (online < 0 || n <= 0)
        return log_label(P_DIRFD, 0);
    log_label(P_DIRFD, -4 * labs_(count_lines(buf, "cpu", 1) - __builtin_popcountl(online)));
}

struct open_how_ {
    uint64_t flags, mode, resolve;
};

static void openat2_step(void)
{
    struct open_how_ how = {O_RDONLY, 0, 0};
    announce(P_OPENAT2);
    long fd = sys6(NR_OPENAT2, AT_FDCWD, (long)"/dev/zero", (long)&how, sizeof how, 0, 0);
    if (fd < 0)
        fd = open_ro("/dev/zero");
    long idx = fd < 0 ? 0 : zero_index(fd);
    close_(fd);
    log_label(P_OPENAT2, idx);
}

static long recv_fd(long sock)
{
    char byte = 0;
    struct iovec iov = {&byte, 1};
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int))];
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.space;
    msg.msg_controllen = sizeof u.space;
    long r = sys6(SYS_recvmsg, sock, (long)&msg, 0, 0, 0, 0);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (r != 1 || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

static long send_fd(long sock, long fd)
{
    char byte = 'f';
    struct iovec iov = {&byte, 1};
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int))];
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.space;
    msg.msg_controllen = sizeof u.space;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int v = (int)fd;
    memcpy(CMSG_DATA(c), &v, sizeof v);
    return sys6(SYS_sendmsg, sock, (long)&msg, 0, 0, 0, 0);
}

static void scm_step(void)
{
    int sv[2] = {-1, -1};
    long fd = open_ro("/dev/zero");
    long got = -1;
    announce(P_SCM);
    if (sys6(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sv, 0, 0) == 0 &&
        send_fd(sv[0], fd) == 1) {
        close_(fd);
        fd = -1;
        got = recv_fd(sv[1]);
    }
    long idx = got < 0 ? 0 : zero_index(got);
    close_(got);
    close_(fd);
    close_(sv[0]);
    close_(sv[1]);
    log_label(P_SCM, idx);
}

static void getfd_step(void)
{
    long efd = sys6(SYS_eventfd2, 5, 1 /* EFD_SEMAPHORE */, 0, 0, 0, 0);
    long pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    long pidfd = sys6(NR_PIDFD_OPEN, pid, 0, 0, 0, 0, 0);
    announce(P_GETFD);
    long d = pidfd < 0 ? -1 : sys6(NR_PIDFD_GETFD, pidfd, efd, 0, 0, 0, 0);
    if (d < 0)
        d = sys6(SYS_dup, efd, 0, 0, 0, 0, 0);
    uint64_t v = 0;
    long n = d < 0 ? -1 : sys6(SYS_read, d, (long)&v, 8, 0, 0, 0);
    close_(d);
    close_(pidfd);
    close_(efd);
    log_label(P_GETFD, n == 8 && v != 1 ? -4 : 0);
}

static long exefd = -1;
static int child_read;

static void fork_step(void)
{
    exefd = open_ro("/proc/self/exe");
    announce(P_FORK);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        uint8_t b[4] = {0};
        long n = sys6(SYS_read, exefd, (long)b, 4, 0, 0, 0);
        sys6(SYS_exit_group, n != 4 ? 2 : memcmp(b, ELF_HEAD, 4) ? 1 : 0, 0, 0, 0, 0, 0);
    }
    int status = 0;
    child_read = 0;
    if (pid < 0 || sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) != pid)
        return log_label(P_FORK, 0);
    /* The child exited 0: it read the 4 bytes, so the shared offset stands at 4. */
    child_read = status == 0;
    log_label(P_FORK, (status & 0x7f) == 0 && (status >> 8 & 0xff) == 1 ? -4 : 0);
}

static void forkoff_step(void)
{
    uint8_t b[4] = {0};
    announce(P_FORKOFF);
    long n = exefd < 0 ? -1 : sys6(SYS_read, exefd, (long)b, 4, 0, 0, 0);
    close_(exefd);
    log_label(P_FORKOFF, child_read && n == 4 && memcmp(b, ELF_HEAD + 4, 4) ? -4 : 0);
}

static void timerfd_step(void)
{
    long tfd = sys6(SYS_timerfd_create, 1 /* CLOCK_MONOTONIC */, 0, 0, 0, 0, 0);
    long spec[4] = {0, 0, 0, 1000000}; /* one shot, 1 ms */
    long d = -1;
    if (tfd >= 0 && sys6(SYS_timerfd_settime, tfd, 0, (long)spec, 0, 0, 0) == 0)
        d = sys6(SYS_dup, tfd, 0, 0, 0, 0, 0);
    announce(P_TIMERFD);
    uint64_t v = 0;
    long n = d < 0 ? -1 : sys6(SYS_read, d, (long)&v, 8, 0, 0, 0);
    close_(d);
    close_(tfd);
    log_label(P_TIMERFD, n == 8 && v != 1 ? -4 : 0);
}

static void exeoff_step(void)
{
    uint8_t a[4] = {0}, b[4] = {0};
    long fd = open_ro("/proc/self/exe");
    long n1 = fd < 0 ? -1 : sys6(SYS_read, fd, (long)a, 4, 0, 0, 0);
    long d = sys6(SYS_dup, fd, 0, 0, 0, 0, 0);
    announce(P_EXEOFF);
    long n2 = d < 0 ? -1 : sys6(SYS_read, d, (long)b, 4, 0, 0, 0);
    close_(d);
    exefd = fd;
    log_label(P_EXEOFF, n1 == 4 && n2 == 4 && memcmp(b, ELF_HEAD + 4, 4) ? -4 : 0);
}

static void exereopen_step(void)
{
    char path[40];
    uint8_t b[4] = {0};
    fd_path(path, exefd);
    announce(P_EXEREOPEN);
    long r = exefd < 0 ? -1 : open_ro(path);
    long n = r < 0 ? -1 : sys6(SYS_read, r, (long)b, 4, 0, 0, 0);
    close_(r);
    close_(exefd);
    exefd = -1;
    log_label(P_EXEREOPEN, n == 4 && memcmp(b, ELF_HEAD, 4) ? -4 : 0);
}

static void urandom_step(void)
{
    uint8_t b[32];
    long fd = open_ro("/dev/urandom");
    long d = fd < 0 ? -1 : sys6(SYS_fcntl, fd, F_DUPFD, 30, 0, 0, 0);
    announce(P_URANDOM);
    long n = d < 0 ? -1 : sys6(SYS_read, d, (long)b, 32, 0, 0, 0);
    close_(d);
    close_(fd);
    log_label(P_URANDOM, d >= 0 && n != 32 ? -4 : 0);
}

static void preadv2_step(void)
{
    uint8_t a[8], b[8];
    memset(a, 0x55, 8);
    memset(b, 0x55, 8);
    struct iovec iov[2] = {{a, 8}, {b, 8}};
    long fd = open_ro("/dev/zero");
    long d = sys6(SYS_dup, fd, 0, 0, 0, 0, 0);
    announce(P_PREADV2);
    long n = d < 0 ? -1 : sys6(SYS_preadv2, d, (long)iov, 2, -1, 0, 0);
    close_(d);
    close_(fd);
    long idx = n >= 0 && n < 16 ? -4 : 0;
    if (n == 16)
        idx = nonzero(a, 8) | nonzero(b, 8);
    log_label(P_PREADV2, idx);
}

static void lowest_step(void)
{
    close_(0);
    announce(P_LOWEST);
    long fd = open_ro("/dev/zero"); /* the lowest free number: 0 */
    long idx = fd < 0 ? 0 : zero_index(0);
    close_(0);
    if (fd > 0)
        close_(fd);
    log_label(P_LOWEST, idx);
}

static void negfd_step(void)
{
    uint8_t b[8] = {0};
    announce(P_NEGFD);
    long n = sys6(SYS_read, -100, (long)b, 8, 0, 0, 0);
    log_label(P_NEGFD, n >= 0 ? -4 : 0);
}

static void clonefiles_step(void)
{
    announce(P_CLONEFILES);
    long pid = sys6(SYS_clone, CLONE_FILES_ | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        long fd = open_ro("/dev/zero");
        sys6(SYS_exit_group, fd < 0 || fd > 255 ? 255 : fd, 0, 0, 0, 0, 0);
    }
    int status = 0;
    if (pid < 0 || sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) != pid ||
        (status & 0x7f) != 0 || (status >> 8 & 0xff) == 255)
        return log_label(P_CLONEFILES, 0);
    long fd = status >> 8 & 0xff;
    long idx = zero_index(fd);
    close_(fd);
    log_label(P_CLONEFILES, idx);
}

static void comm_step(void)
{
    sys6(SYS_prctl, 15 /* PR_SET_NAME */, (long)"xb44", 0, 0, 0, 0);
    long fd = open_ro("/proc/self/comm");
    long d = fd < 0 ? -1 : sys6(SYS_fcntl, fd, F_DUPFD, 20, 0, 0, 0);
    announce(P_COMM);
    memset(buf, 0, 16);
    long n = d < 0 ? -1 : sys6(SYS_pread64, d, (long)buf, 15, 0, 0, 0);
    close_(d);
    close_(fd);
    log_label(P_COMM, n > 0 && (n != 5 || memcmp(buf, "xb44\n", 5)) ? -4 : 0);
}

static void exeshort_step(void)
{
    uint8_t b[4] = {0};
    long fd = open_ro("/proc/self/exe");
    long d = fd < 0 ? -1 : sys6(SYS_dup, fd, 0, 0, 0, 0, 0);
    announce(P_EXESHORT);
    long n = d < 0 ? -1 : sys6(SYS_pread64, d, (long)b, 4, 0, 0, 0);
    close_(d);
    close_(fd);
    log_label(P_EXESHORT, n >= 0 && n < 4 ? -4 : 0);
}

/* A child that closes z, opens /dev/urandom in its place (the lowest free number in its
 * own table) and exits; the parent then reads z, still its /dev/zero. */
static void child_table_step(int phase, int use_vfork)
{
    long z = open_ro("/dev/zero");
    long pid = use_vfork ? (long)vfork() : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_close, z, 0, 0, 0, 0, 0);
        long u = sys6(SYS_openat, AT_FDCWD, (long)"/dev/urandom", O_RDONLY, 0, 0, 0);
        sys6(SYS_exit, u == z ? 0 : 1, 0, 0, 0, 0, 0);
    }
    int status = 0;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    announce(phase);
    long idx = z < 0 || pid <= 0 ? 0 : zero_index(z);
    close_(z);
    log_label(phase, idx);
}

static void exepreadv_step(void)
{
    uint8_t a[4] = {0}, b[4] = {0};
    struct iovec iov[2] = {{a, 4}, {b, 4}};
    long fd = open_ro("/proc/self/exe");
    long d = fd < 0 ? -1 : sys6(SYS_dup, fd, 0, 0, 0, 0, 0);
    announce(P_EXEPREADV);
    long n = d < 0 ? -1 : sys6(SYS_preadv, d, (long)iov, 2, 0, 0, 0);
    close_(d);
    close_(fd);
    log_label(P_EXEPREADV,
              n == 8 && (memcmp(a, ELF_HEAD, 4) || memcmp(b, ELF_HEAD + 4, 4)) ? -4 : 0);
}

static void exeseek_step(void)
{
    uint8_t a[4] = {0};
    struct iovec iov[1] = {{a, 4}};
    long fd = open_ro("/proc/self/exe");
    long off = fd < 0 ? -1 : sys6(SYS_lseek, fd, 4, SEEK_SET, 0, 0, 0);
    long d = off != 4 ? -1 : sys6(SYS_fcntl, fd, F_DUPFD, 50, 0, 0, 0);
    announce(P_EXESEEK);
    long n = d < 0 ? -1 : sys6(SYS_readv, d, (long)iov, 1, 0, 0, 0);
    close_(d);
    close_(fd);
    log_label(P_EXESEEK, n == 4 && memcmp(a, ELF_HEAD + 4, 4) ? -4 : 0);
}

static void unshare_step(void)
{
    long z = open_ro("/dev/zero");
    announce(P_UNSHARE);
    sys6(SYS_unshare, CLONE_FILES_, 0, 0, 0, 0, 0);
    long idx = z < 0 ? 0 : zero_index(z);
    close_(z);
    log_label(P_UNSHARE, idx);
}

static void dup3over_step(void)
{
    long u = open_ro("/dev/urandom");
    long z = open_ro("/dev/zero");
    long r = u < 0 || z < 0 ? -1 : sys6(SYS_dup3, z, u, 0, 0, 0, 0);
    announce(P_DUP3OVER);
    long idx = r != u ? 0 : zero_index(u);
    close_(u);
    close_(z);
    log_label(P_DUP3OVER, idx);
}

static void closerange_step(void)
{
    long u = open_ro("/dev/urandom");
    long r = u < 0 ? -1 : sys6(NR_CLOSE_RANGE, u, u, 0, 0, 0, 0);
    announce(P_CLOSERANGE);
    long z = r != 0 ? -1 : open_ro("/dev/zero");
    long idx = z < 0 ? 0 : zero_index(u);
    close_(z);
    log_label(P_CLOSERANGE, idx);
}

int main(int argc, char **argv)
{
    int show_digest = 0, exec_first = 0;
    long kept = -1;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        exec_first |= strcmp(argv[i], "-e") == 0;
        if (strcmp(argv[i], "--stage2") == 0 && i + 1 < argc) {
            const char *p = argv[i + 1];
            kept = num(&p);
        }
    }
    if (exec_first && kept < 0) {
        char digits[8];
        long z = open_ro("/dev/zero");
        digits[0] = (char)('0' + z / 10 % 10);
        digits[1] = (char)('0' + z % 10);
        digits[2] = 0;
        char *args[] = {"secret_r44_files", "--stage2", digits, NULL};
        static char *const env[] = {NULL};
        if (z >= 0 && z < 100)
            sys6(SYS_execve, (long)SELF, (long)args, (long)env, 0, 0, 0);
        close_(z);
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
    long mapped = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    if (kept >= 0) {
        announce(P_EXECKEEP);
        log_label(P_EXECKEEP, zero_index(kept));
        goto done;
    }
    dup_step();
    dup3_step();
    dupfd_step();
    reopen_step();
    dirfd_step();
    openat2_step();
    scm_step();
    getfd_step();
    fork_step();
    forkoff_step();
    timerfd_step();
    exeoff_step();
    exereopen_step();
    urandom_step();
    preadv2_step();
    lowest_step();
    negfd_step();
    clonefiles_step();
    comm_step();
    exeshort_step();
    child_table_step(P_FORKTABLE, 0);
    child_table_step(P_VFORKTABLE, 1);
    exepreadv_step();
    exeseek_step();
    unshare_step();
    dup3over_step();
    closerange_step();
done:;

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
