/* The attack target for the Guardian's own limits: a program that holds many
 * descriptors, reuses descriptor numbers, dups over followed descriptors, closes ranges,
 * passes descriptors over sockets, forks many children and maps many pages, then checks
 * one answer Linux pins down at the far end of each of those.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into a label's
 * index (0 when the answer is one Linux could give, -4 when it is not) and writes that
 * label to /dev/null (8 bytes).  In the order they run:
 *
 *   1. 900 descriptors of /dev/null opened, one in the middle closed, /dev/null opened
 *      again: Linux's alloc_fd() hands out the lowest free number, the closed one.
 *   2. A pipe made above those 900 descriptors, one byte (2) written and read back: a
 *      pipe returns the bytes written to it.
 *   3. A memfd written ('E'), dup2()ed to descriptor 1000, the original closed, the byte
 *      read back through 1000 with pread: the same file.
 *   4. A memfd written (8 bytes), closed by close_range(n, n, 0), a new empty memfd made
 *      (it gets n): a read through n returns 0 bytes.
 *   5. An eventfd made with 5, closed, a new eventfd made with 1 (same number): its read
 *      returns 1.
 *   6. /dev/zero opened with O_PATH, read(): Linux refuses (-EBADF).
 *   7. A memfd written ('E') passed over a socketpair (SCM_RIGHTS) and received: pread
 *      through the received descriptor reads 'E'.
 *   8. 40 children forked, each exits 7, each reaped by wait4(pid): the last one's
 *      status is exit code 7 and wait4 returns its pid.
 *   9. A child forked and reaped, a second child forked: wait4(-1) returns the second
 *      child's pid (the program has no other child).
 *  10. getpid() 3000 times: always the same number.
 *  11. Two memfds ('A', 'E'), dup3(E, A, 0): a pread through A reads 'E'.
 *  12. A memfd written (8 bytes), dup()ed: lseek(dup, 0, SEEK_CUR) is 8 (one shared
 *      file position).
 *  13. A pipe's write end dup()ed, one byte written through the dup, both write ends
 *      closed: the first read returns the byte, the second returns 0 (end of file).
 *  14. 200 private anonymous pages mapped one by one, each marked with its number, the
 *      100th unmapped, one page mapped again: a new anonymous page reads zero.
 *  15. 100 eventfds (-n N: N), the k-th made with k+1: a read of the last returns 100.
 *  16. A socketpair, fork(): the child writes 'E' to its end and exits; the parent reads
 *      'E' from its end.
 *  17. /dev/null opened with O_CLOEXEC above 900 descriptors: fcntl(F_GETFD) returns
 *      FD_CLOEXEC (1).
 *  18. A pipe's read end reopened through /proc/self/fd/N, a byte ('E') written to the
 *      pipe: the reopened descriptor reads 'E'.
 *  19. A memfd and its dup(): fstat() reports the same inode number through both.
 *  20. A read through descriptor 1000 after close(1000): Linux refuses (-EBADF).
 *  21. A read through one of the 900 low descriptors after its close: -EBADF.
 *  (The 900 descriptors are closed here.)
 *  22. 100 pipes (-n N: N), the k-th holding the byte k + 1: the last one reads 100.
 *  23. 100 memfds (-n N: N), the k-th holding the byte k + 1: a pread of the last reads 100.
 *  24. 60 socketpairs, the k-th holding the byte k + 1: the last one reads 60.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r33.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its calls (x2 the log buffer, x3.. values), P_x + 1 after its
 * write (x2 the index it used). */
#define P_LOWEST_FD 3300      /* x3 the number closed */
#define P_PIPE_HIGH 3302
#define P_DUP2_HIGH 3304
#define P_CLOSE_RANGE 3306
#define P_EVENTFD_REUSE 3308
#define P_OPATH_READ 3310
#define P_SCM_RIGHTS 3312
#define P_FORK_MANY 3314
#define P_PID_REUSE 3316      /* x3 the first child's pid */
#define P_GETPID_LOOP 3318
#define P_DUP3_OVER 3320
#define P_DUP_OFFSET 3322
#define P_PIPE_EOF 3324
#define P_MMAP_REUSE 3326     /* x3 the page below the hole, x4 the hole */
#define P_EVENTFD_MANY 3328
#define P_SOCK_FORK 3330
#define P_GETFD 3332
#define P_PROC_FD 3334
#define P_FSTAT_DUP 3336
#define P_CLOSED_READ 3338
#define P_CLOSED_LOW 3340     /* x3 the number closed */
#define P_PIPES_MANY 3342
#define P_MEMFDS_MANY 3344
#define P_SOCKS_MANY 3346
#include "secret_common.h"

#define MANY 900
#define HIGH_FD 1000

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static int many[MANY];
/* How many eventfds, pipes and memfds steps 15, 22 and 23 make (-n N, 4..100). */
static int scale = 100;

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

static void check(int phase, int ok)
{
    log_label(phase, ok ? 0 : -4);
}

static long memfd_with(const char *bytes, long n)
{
    long fd = sys6(SYS_memfd_create, (long)"r33", 0, 0, 0, 0, 0);
    if (fd >= 0 && n)
        sys6(SYS_write, fd, (long)bytes, n, 0, 0, 0);
    return fd;
}

static long fork_raw(void)
{
    return sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
}

static void lowest_fd_step(void)
{
    int n = 0;
    for (; n < MANY; n++) {
        many[n] = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDONLY, 0, 0, 0);
        if (many[n] < 0)
            break;
    }
    if (n < MANY / 2)
        return;
    int hole = many[n / 2];
    sys6(SYS_close, hole, 0, 0, 0, 0, 0);
    marker(P_LOWEST_FD, (long)logbuf, hole, 0, 0);
    long got = sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDONLY, 0, 0, 0);
    many[n / 2] = (int)got;
    check(P_LOWEST_FD, got == hole);
}

static void pipe_high_step(void)
{
    int p[2];
    marker(P_PIPE_HIGH, (long)logbuf, 0, 0, 0);
    if (sys6(SYS_pipe2, (long)p, 0, 0, 0, 0, 0) != 0) {
        check(P_PIPE_HIGH, 1);
        return;
    }
    uint8_t b = 2, r = 2;
    sys6(SYS_write, p[1], (long)&b, 1, 0, 0, 0);
    long n = sys6(SYS_read, p[0], (long)&r, 1, 0, 0, 0);
    check(P_PIPE_HIGH, n <= 0 || r == 2);
    sys6(SYS_close, p[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, p[1], 0, 0, 0, 0, 0);
}

static void dup2_high_step(void)
{
    marker(P_DUP2_HIGH, (long)logbuf, HIGH_FD, 0, 0);
    long m = memfd_with("E", 1);
    uint8_t r = 'E';
    if (m >= 0 && sys6(SYS_dup3, m, HIGH_FD, 0, 0, 0, 0) == HIGH_FD) {
        sys6(SYS_close, m, 0, 0, 0, 0, 0);
        long n = sys6(SYS_pread64, HIGH_FD, (long)&r, 1, 0, 0, 0);
        if (n <= 0)
            r = 'E';
    }
    check(P_DUP2_HIGH, r == 'E');
}

static void close_range_step(void)
{
    marker(P_CLOSE_RANGE, (long)logbuf, 0, 0, 0);
    long a = memfd_with("public!!", 8);
    uint8_t buf[8];
    long n = 0;
    if (a >= 0 && sys6(SYS_close_range, a, a, 0, 0, 0, 0) == 0) {
        long b = memfd_with("", 0);
        if (b == a)
            n = sys6(SYS_read, b, (long)buf, 8, 0, 0, 0);
        if (b >= 0)
            sys6(SYS_close, b, 0, 0, 0, 0, 0);
    }
    check(P_CLOSE_RANGE, n <= 0);
}

static void eventfd_reuse_step(void)
{
    marker(P_EVENTFD_REUSE, (long)logbuf, 0, 0, 0);
    long e = sys6(SYS_eventfd2, 5, 0, 0, 0, 0, 0);
    uint64_t v = 1;
    if (e >= 0) {
        sys6(SYS_close, e, 0, 0, 0, 0, 0);
        long f = sys6(SYS_eventfd2, 1, 0, 0, 0, 0, 0);
        if (f >= 0) {
            if (sys6(SYS_read, f, (long)&v, 8, 0, 0, 0) != 8)
                v = 1;
            sys6(SYS_close, f, 0, 0, 0, 0, 0);
        }
    }
    log_label(P_EVENTFD_REUSE, v == 1 ? 0 : -4);
}

static void opath_read_step(void)
{
    marker(P_OPATH_READ, (long)logbuf, 0, 0, 0);
    long fd = sys6(SYS_openat, AT_FDCWD, (long)"/dev/zero", O_PATH, 0, 0, 0);
    uint8_t buf[8];
    long n = -9;
    if (fd >= 0) {
        n = sys6(SYS_read, fd, (long)buf, 8, 0, 0, 0);
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    }
    check(P_OPATH_READ, n < 0);
}

static void scm_rights_step(void)
{
    marker(P_SCM_RIGHTS, (long)logbuf, 0, 0, 0);
    int sv[2];
    uint8_t r = 'E';
    long m = memfd_with("E", 1);
    if (m >= 0 && sys6(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sv, 0, 0) == 0) {
        char data = 'x';
        struct iovec iov = {&data, 1};
        union {
            struct cmsghdr h;
            char buf[CMSG_SPACE(sizeof(int))];
        } c;
        memset(&c, 0, sizeof c);
        struct msghdr msg = {0};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = c.buf;
        msg.msg_controllen = sizeof c.buf;
        c.h.cmsg_level = SOL_SOCKET;
        c.h.cmsg_type = SCM_RIGHTS;
        c.h.cmsg_len = CMSG_LEN(sizeof(int));
        int mi = (int)m;
        memcpy(CMSG_DATA(&c.h), &mi, sizeof mi);
        if (sys6(SYS_sendmsg, sv[0], (long)&msg, 0, 0, 0, 0) == 1) {
            sys6(SYS_close, m, 0, 0, 0, 0, 0);
            m = -1;
            memset(&c, 0, sizeof c);
            msg.msg_controllen = sizeof c.buf;
            if (sys6(SYS_recvmsg, sv[1], (long)&msg, 0, 0, 0, 0) == 1 &&
                c.h.cmsg_type == SCM_RIGHTS && c.h.cmsg_len == CMSG_LEN(sizeof(int))) {
                int got;
                memcpy(&got, CMSG_DATA(&c.h), sizeof got);
                if (sys6(SYS_pread64, got, (long)&r, 1, 0, 0, 0) != 1)
                    r = 'E';
                sys6(SYS_close, got, 0, 0, 0, 0, 0);
            }
        }
        sys6(SYS_close, sv[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, sv[1], 0, 0, 0, 0, 0);
    }
    if (m >= 0)
        sys6(SYS_close, m, 0, 0, 0, 0, 0);
    check(P_SCM_RIGHTS, r == 'E');
}

static void fork_many_step(void)
{
    marker(P_FORK_MANY, (long)logbuf, 0, 0, 0);
    int ok = 1;
    for (int i = 0; i < 40; i++) {
        long pid = fork_raw();
        if (pid == 0)
            sys6(SYS_exit_group, 7, 0, 0, 0, 0, 0);
        if (pid < 0)
            break;
        int st = 7 << 8;
        long w = sys6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
        if (w >= 0 && (w != pid || st != (7 << 8)))
            ok = 0;
    }
    check(P_FORK_MANY, ok);
}

static void pid_reuse_step(void)
{
    long a = fork_raw();
    if (a == 0)
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    if (a > 0)
        sys6(SYS_wait4, a, 0, 0, 0, 0, 0);
    marker(P_PID_REUSE, (long)logbuf, a, 0, 0);
    long b = fork_raw();
    if (b == 0)
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    int ok = 1;
    if (b > 0) {
        long w = sys6(SYS_wait4, -1, 0, 0, 0, 0, 0);
        ok = w < 0 || w == b;
    }
    check(P_PID_REUSE, ok);
}

static void getpid_loop_step(void)
{
    marker(P_GETPID_LOOP, (long)logbuf, 0, 0, 0);
    long first = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    int ok = 1;
    for (int i = 0; i < 3000; i++)
        ok &= sys6(SYS_getpid, 0, 0, 0, 0, 0, 0) == first;
    check(P_GETPID_LOOP, ok);
}

static void dup3_over_step(void)
{
    marker(P_DUP3_OVER, (long)logbuf, 0, 0, 0);
    long a = memfd_with("A", 1), b = memfd_with("E", 1);
    uint8_t r = 'E';
    if (a >= 0 && b >= 0 && sys6(SYS_dup3, b, a, 0, 0, 0, 0) == a)
        if (sys6(SYS_pread64, a, (long)&r, 1, 0, 0, 0) != 1)
            r = 'E';
    if (a >= 0)
        sys6(SYS_close, a, 0, 0, 0, 0, 0);
    if (b >= 0)
        sys6(SYS_close, b, 0, 0, 0, 0, 0);
    log_label(P_DUP3_OVER, (long)r - 'E');
}

static void dup_offset_step(void)
{
    marker(P_DUP_OFFSET, (long)logbuf, 0, 0, 0);
    long m = memfd_with("public!!", 8);
    long pos = 8;
    if (m >= 0) {
        long d = sys6(SYS_dup, m, 0, 0, 0, 0, 0);
        if (d >= 0) {
            pos = sys6(SYS_lseek, d, 0, SEEK_CUR, 0, 0, 0);
            if (pos < 0)
                pos = 8;
            sys6(SYS_close, d, 0, 0, 0, 0, 0);
        }
        sys6(SYS_close, m, 0, 0, 0, 0, 0);
    }
    log_label(P_DUP_OFFSET, pos - 8);
}

static void pipe_eof_step(void)
{
    marker(P_PIPE_EOF, (long)logbuf, 0, 0, 0);
    int p[2];
    long second = 0;
    if (sys6(SYS_pipe2, (long)p, 0, 0, 0, 0, 0) == 0) {
        long d = sys6(SYS_dup, p[1], 0, 0, 0, 0, 0);
        uint8_t b = 'Z', r[4];
        if (d >= 0) {
            sys6(SYS_write, d, (long)&b, 1, 0, 0, 0);
            sys6(SYS_close, d, 0, 0, 0, 0, 0);
        }
        sys6(SYS_close, p[1], 0, 0, 0, 0, 0);
        if (d >= 0 && sys6(SYS_read, p[0], (long)r, 4, 0, 0, 0) == 1)
            second = sys6(SYS_read, p[0], (long)r, 4, 0, 0, 0);
        sys6(SYS_close, p[0], 0, 0, 0, 0, 0);
    }
    check(P_PIPE_EOF, second <= 0);
}

static void mmap_reuse_step(void)
{
    static long pages[200];
    int n = 0;
    for (; n < 200; n++) {
        pages[n] = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (!valid(pages[n]))
            break;
        *(volatile uint8_t *)pages[n] = (uint8_t)(n + 1);
    }
    if (n < 200)
        return;
    sys6(SYS_munmap, pages[100], PAGE, 0, 0, 0, 0);
    marker(P_MMAP_REUSE, (long)logbuf, pages[99], pages[100], 0);
    long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    int ok = 1;
    if (valid(p))
        ok = *(volatile uint8_t *)p == 0;
    check(P_MMAP_REUSE, ok);
}

static void eventfd_many_step(void)
{
    static long efd[100];
    marker(P_EVENTFD_MANY, (long)logbuf, scale, 0, 0);
    int n = 0;
    for (; n < scale; n++) {
        efd[n] = sys6(SYS_eventfd2, n + 1, 0, 0, 0, 0, 0);
        if (efd[n] < 0)
            break;
    }
    uint64_t v = (uint64_t)scale;
    if (n == scale && sys6(SYS_read, efd[scale - 1], (long)&v, 8, 0, 0, 0) != 8)
        v = (uint64_t)scale;
    for (int i = 0; i < n; i++)
        sys6(SYS_close, efd[i], 0, 0, 0, 0, 0);
    log_label(P_EVENTFD_MANY, (long)v - scale);
}

static void sock_fork_step(void)
{
    marker(P_SOCK_FORK, (long)logbuf, 0, 0, 0);
    int sv[2];
    uint8_t r = 'E';
    if (sys6(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sv, 0, 0) == 0) {
        long pid = fork_raw();
        if (pid == 0) {
            uint8_t b = 'E';
            sys6(SYS_write, sv[1], (long)&b, 1, 0, 0, 0);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        sys6(SYS_close, sv[1], 0, 0, 0, 0, 0);
        if (pid > 0) {
            if (sys6(SYS_read, sv[0], (long)&r, 1, 0, 0, 0) != 1)
                r = 'E';
            sys6(SYS_wait4, pid, 0, 0, 0, 0, 0);
        }
        sys6(SYS_close, sv[0], 0, 0, 0, 0, 0);
    }
    log_label(P_SOCK_FORK, (long)r - 'E');
}

static void getfd_step(void)
{
    marker(P_GETFD, (long)logbuf, 0, 0, 0);
    long fd = sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDONLY | O_CLOEXEC, 0, 0, 0);
    long f = 1;
    if (fd >= 0) {
        f = sys6(SYS_fcntl, fd, F_GETFD, 0, 0, 0, 0);
        if (f < 0)
            f = 1;
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    }
    log_label(P_GETFD, 1 - f);
}

static void proc_fd_step(void)
{
    marker(P_PROC_FD, (long)logbuf, 0, 0, 0);
    int p[2];
    uint8_t r = 'E';
    if (sys6(SYS_pipe2, (long)p, 0, 0, 0, 0, 0) == 0) {
        char path[32] = "/proc/self/fd/";
        int len = 14, v = p[0];
        char digits[8];
        int nd = 0;
        do {
            digits[nd++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        while (nd)
            path[len++] = digits[--nd];
        path[len] = 0;
        long fd = sys6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0, 0, 0);
        if (fd >= 0) {
            uint8_t b = 'E';
            sys6(SYS_write, p[1], (long)&b, 1, 0, 0, 0);
            if (sys6(SYS_read, fd, (long)&r, 1, 0, 0, 0) != 1)
                r = 'E';
            sys6(SYS_close, fd, 0, 0, 0, 0, 0);
        }
        sys6(SYS_close, p[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, p[1], 0, 0, 0, 0, 0);
    }
    log_label(P_PROC_FD, (long)r - 'E');
}

static void fstat_dup_step(void)
{
    marker(P_FSTAT_DUP, (long)logbuf, 0, 0, 0);
    long m = memfd_with("", 0);
    int ok = 1;
    if (m >= 0) {
        long d = sys6(SYS_dup, m, 0, 0, 0, 0, 0);
        struct stat s1, s2;
        if (d >= 0) {
            if (sys6(SYS_fstat, m, (long)&s1, 0, 0, 0, 0) == 0 &&
                sys6(SYS_fstat, d, (long)&s2, 0, 0, 0, 0) == 0)
                ok = s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev;
            sys6(SYS_close, d, 0, 0, 0, 0, 0);
        }
        sys6(SYS_close, m, 0, 0, 0, 0, 0);
    }
    check(P_FSTAT_DUP, ok);
}

static void closed_read_step(void)
{
    sys6(SYS_close, HIGH_FD, 0, 0, 0, 0, 0);
    marker(P_CLOSED_READ, (long)logbuf, HIGH_FD, 0, 0);
    uint8_t buf[8];
    long n = sys6(SYS_read, HIGH_FD, (long)buf, 8, 0, 0, 0);
    check(P_CLOSED_READ, n < 0);
}

static void closed_low_step(void)
{
    int fd = many[10];
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    marker(P_CLOSED_LOW, (long)logbuf, fd, 0, 0);
    uint8_t buf[8];
    long n = sys6(SYS_read, fd, (long)buf, 8, 0, 0, 0);
    check(P_CLOSED_LOW, n < 0);
    for (int i = 0; i < MANY; i++)
        if (i != 10 && many[i] >= 0)
            sys6(SYS_close, many[i], 0, 0, 0, 0, 0);
}

static void pipes_many_step(void)
{
    static int p[100][2];
    marker(P_PIPES_MANY, (long)logbuf, scale, 0, 0);
    int n = 0;
    for (; n < scale; n++) {
        if (sys6(SYS_pipe2, (long)p[n], 0, 0, 0, 0, 0) != 0)
            break;
        uint8_t b = (uint8_t)(n + 1);
        sys6(SYS_write, p[n][1], (long)&b, 1, 0, 0, 0);
    }
    uint8_t r = (uint8_t)scale;
    if (n == scale && sys6(SYS_read, p[scale - 1][0], (long)&r, 1, 0, 0, 0) != 1)
        r = (uint8_t)scale;
    for (int i = 0; i < n; i++) {
        sys6(SYS_close, p[i][0], 0, 0, 0, 0, 0);
        sys6(SYS_close, p[i][1], 0, 0, 0, 0, 0);
    }
    check(P_PIPES_MANY, r == scale);
}

static void memfds_many_step(void)
{
    static long m[100];
    marker(P_MEMFDS_MANY, (long)logbuf, scale, 0, 0);
    int n = 0;
    for (; n < scale; n++) {
        uint8_t b = (uint8_t)(n + 1);
        m[n] = memfd_with((const char *)&b, 1);
        if (m[n] < 0)
            break;
    }
    uint8_t r = (uint8_t)scale;
    if (n == scale && sys6(SYS_pread64, m[scale - 1], (long)&r, 1, 0, 0, 0) != 1)
        r = (uint8_t)scale;
    for (int i = 0; i < n; i++)
        sys6(SYS_close, m[i], 0, 0, 0, 0, 0);
    check(P_MEMFDS_MANY, r == scale);
}

static void socks_many_step(void)
{
    static int sv[60][2];
    marker(P_SOCKS_MANY, (long)logbuf, 0, 0, 0);
    int n = 0;
    for (; n < 60; n++) {
        if (sys6(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sv[n], 0, 0) != 0)
            break;
        uint8_t b = (uint8_t)(n + 1);
        sys6(SYS_write, sv[n][1], (long)&b, 1, 0, 0, 0);
    }
    uint8_t r = 60;
    if (n == 60 && sys6(SYS_read, sv[59][0], (long)&r, 1, 0, 0, 0) != 1)
        r = 60;
    for (int i = 0; i < n; i++) {
        sys6(SYS_close, sv[i][0], 0, 0, 0, 0, 0);
        sys6(SYS_close, sv[i][1], 0, 0, 0, 0, 0);
    }
    check(P_SOCKS_MANY, r == 60);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            scale = 0;
            for (const char *c = argv[++i]; *c >= '0' && *c <= '9'; c++)
                scale = scale * 10 + (*c - '0');
            scale = scale < 4 ? 4 : scale > 100 ? 100 : scale;
        }
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
    lowest_fd_step();
    pipe_high_step();
    dup2_high_step();
    close_range_step();
    eventfd_reuse_step();
    opath_read_step();
    scm_rights_step();
    fork_many_step();
    pid_reuse_step();
    getpid_loop_step();
    dup3_over_step();
    dup_offset_step();
    pipe_eof_step();
    mmap_reuse_step();
    eventfd_many_step();
    sock_fork_step();
    getfd_step();
    proc_fd_step();
    fstat_dup_step();
    closed_read_step();
    closed_low_step();
    pipes_many_step();
    memfds_many_step();
    socks_many_step();

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
