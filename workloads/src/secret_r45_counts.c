/* The attack target for the counts reads, writes and seeks report on files whose count
 * Linux fixes: a pipe and a socketpair only the program holds, a memfd it made,
 * /dev/null, /dev/zero, /dev/full, /dev/urandom, an eventfd, a timerfd, a directory's
 * getdents64 and the program's own image (/proc/self/exe) at and past its end.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into a
 * label's index and writes that label to /dev/null (8 bytes).  Under Linux's contract the
 * index is always 0..3; an answer Linux could never give points the write into the
 * secret's copy (index -4: bytes 0..7).  Each step announces itself with a marker
 * (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2 = the log buffer) just before the call
 * it checks, and a second marker (phase + 1, x2 the index) after its write.  An error
 * answer is always index 0.  In the order they run:
 *
 *   1. pipe2(), write "abcdefgh" into it, read 16: -4 unless 8 bytes "abcdefgh" come.
 *   2. pipe2(), write 8 bytes into the empty pipe: -4 unless the write reports 8.
 *   3. memfd_create(), write 16 bytes, lseek(0), read 32: -4 unless the 16 bytes come.
 *   4. memfd_create(), write 16 bytes, lseek(0, SEEK_END): -4 unless it reports 16.
 *   5. /dev/null read 8: -4 unless it reports 0.
 *   6. /dev/null write 8: -4 unless it reports 8.
 *   7. /dev/null writev 8 + 8: -4 unless it reports 16.
 *   8. /dev/zero (O_WRONLY) pwrite64 8 at offset 0: -4 unless it reports 8.
 *   9. /dev/full write 8: -4 when it reports any count (Linux: ENOSPC).
 *  10. /dev/full read 8: -4 unless 8 zero bytes come.
 *  11. eventfd(3) read 16: -4 unless it reports 8 and the value 3.
 *  12. a one-shot timerfd (1 ms) read 16: -4 unless it reports 8 and a count >= 1.
 *  13. getdents64("/", 4096): -4 when a positive count is not the sum of the records'
 *      lengths, a record length is not a multiple of 8, or the count exceeds 4096.
 *  14. /dev/zero read 8 into a mapped, written stack buffer: -4 when it reports EFAULT.
 *  15. /dev/zero readv of three 8-byte iovecs: -4 unless it reports 24 zero bytes.
 *  16. socketpair(AF_UNIX, SOCK_STREAM), send 8 on one end, read 16 on the other: -4
 *      unless the 8 bytes come.
 *  17. /dev/urandom read 100: -4 unless it reports 100.
 *  18. /proc/self/exe: lseek(0, SEEK_END) against fstat's st_size: -4 when they differ.
 *  19. /proc/self/exe pread64 16 at size - 4: -4 unless it reports 4.
 *  20. /proc/self/exe pread64 8 at its size (its end): -4 unless it reports 0.
 *  21. /dev/zero pread64 8 at offset 4096 through an O_RDONLY descriptor: -4 unless 8
 *      zero bytes come.
 *  22. /dev/zero read 16 into a buffer whose last 8 bytes lie on an unmapped page: -4
 *      when it reports more than 8 (Linux copies 8, then faults: 8).
 *  23. /dev/zero read 8192: -4 unless it reports 8192, or 4096 (a signal after the first
 *      page), with zero bytes.
 *  24. /dev/urandom read 8192: -4 unless it reports 8192 or 4096 (the same).
 *
 * With -m (not in the default run: the kernel model copies a write's whole buffer before
 * /dev/null drops it, so it answers EFAULT where Linux does not look at the buffer):
 *  25. write(/dev/null, a 32-byte label, 0x80001000): -4 when it reports more than
 *      MAX_RW_COUNT (0x7ffff000).
 *  26. writev(/dev/null) of two iovecs of 0x40000000 and 0x40001000 bytes: -4 the same.
 *
 * With -c (not in the default run: honest answers a monitor may mistake for forged ones):
 *  27. memfd: write 16 bytes, ftruncate to 32, lseek(0), read 64: -4 unless it reports 32
 *      (the 16 bytes, then 16 zero bytes).
 *  28. memfd: ftruncate to a page, mmap it MAP_SHARED, store "mapped!!" through the
 *      mapping, pread64 8 at 0: -4 unless it reports "mapped!!".
 *  29. memfd: pwrite64 "z" at offset 100, pread64 200 at 0: -4 unless it reports 101
 *      bytes, 100 zero bytes then "z".
 *  30. pipe2(); a fork child writes "childpip" into it and exits; the parent reaps it and
 *      reads 16: -4 unless the 8 bytes come.
 *  31. eventfd(0); a fork child writes 7 and exits; the parent reaps it and reads: -4
 *      unless it reads 7.
 *  32. memfd (a page); a fork child pwrite64s "childmem" at 0 and exits; the parent reaps
 *      it and pread64s 8 at 0: -4 unless "childmem".
 *  33. pipe2(); its write end reopened through /proc/self/fd/W (O_WRONLY); "reopen!!"
 *      written through the new descriptor; read 16 from the read end: -4 unless the 8
 *      bytes come.
 *  34. memfd; reopened through /proc/self/fd/N (O_RDWR); "reopened" pwrite64 at 0 through
 *      the new descriptor; pread64 8 at 0 through the first: -4 unless "reopened".
 *  35. /dev/zero read 16 into a buffer whose last 8 bytes lie on a PROT_NONE page: -4
 *      when it reports more than 8.
 *  36. /dev/zero read 16 into a MAP_SHARED mapping of a one-page memfd, 8 bytes before
 *      the mapping's second page (past the file's end: SIGBUS): -4 when it reports more
 *      than 8.
 *  37. socketpair(AF_UNIX, SOCK_STREAM), SO_PASSCRED on the reading end; a fork child
 *      sends "abcd" and exits, then the parent sends "efgh"; read 16: -4 unless 4 bytes
 *      "abcd" come (Linux never glues two writers' bytes when credentials pass).
 *  38. /proc/self/exe preadv2(offset 0, RWF_NOWAIT) into two 4096-byte iovecs: -4 when
 *      it reports a count that is not a whole number of pages or bytes that are not the
 *      file's (checked against pread64).
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_PIPE 4500
#define P_PIPEW 4502
#define P_MEMFD 4504
#define P_MEMSEEK 4506
#define P_NULLR 4508
#define P_NULLW 4510
#define P_NULLWV 4512
#define P_ZEROPW 4514
#define P_FULLW 4516
#define P_FULLR 4518
#define P_EVENTFD 4520
#define P_TIMERFD 4522
#define P_DENTS 4524
#define P_EFAULT 4526
#define P_ZEROV 4528
#define P_SOCK 4530
#define P_URANDOM 4532
#define P_EXESEEK 4534
#define P_EXETAIL 4536
#define P_EXEEOF 4538
#define P_ZEROPR 4540
#define P_ZEROEDGE 4542
#define P_ZEROBIG 4544
#define P_URANDBIG 4546
#define P_HUGEW 4548
#define P_HUGEWV 4550
#define P_MEMGROW 4552
#define P_MEMMAP 4554
#define P_MEMHOLE 4556
#define MAX_RW 0x7ffff000L
#define P_FORKPIPE 4558
#define P_FORKEFD 4560
#define P_FORKMEM 4562
#define P_REOPENPIPE 4564
#define P_REOPENMEM 4566
#define P_ZERONONE 4568
#define P_ZEROSIGBUS 4570
#define P_PASSCRED 4572
#define P_NOWAIT 4574
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static char buf[4096];
static uint8_t big[8192];
static uint8_t ref2[8192];

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

static long open_fl(const char *path, long flags)
{
    return sys6(SYS_openat, AT_FDCWD, (long)path, flags, 0, 0, 0);
}

static void close_(long fd)
{
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* -4 when any of the n bytes is not zero. */
static long nonzero(const uint8_t *p, long n)
{
    for (long i = 0; i < n; i++)
        if (p[i])
            return -4;
    return 0;
}

static void pipe_step(void)
{
    int p[2] = {-1, -1};
    uint8_t b[16];
    memset(b, 0x55, sizeof b);
    long r = sys6(SYS_pipe2, (long)p, 0, 0, 0, 0, 0);
    if (r == 0)
        sys6(SYS_write, p[1], (long)"abcdefgh", 8, 0, 0, 0);
    announce(P_PIPE);
    long n = r ? -1 : sys6(SYS_read, p[0], (long)b, 16, 0, 0, 0);
    close_(r ? -1 : p[0]);
    close_(r ? -1 : p[1]);
    log_label(P_PIPE, n >= 0 && (n != 8 || memcmp(b, "abcdefgh", 8)) ? -4 : 0);
}

static void pipew_step(void)
{
    int p[2] = {-1, -1};
    long r = sys6(SYS_pipe2, (long)p, 0, 0, 0, 0, 0);
    announce(P_PIPEW);
    long n = r ? -1 : sys6(SYS_write, p[1], (long)"abcdefgh", 8, 0, 0, 0);
    close_(r ? -1 : p[0]);
    close_(r ? -1 : p[1]);
    log_label(P_PIPEW, n >= 0 && n != 8 ? -4 : 0);
}

static void memfd_step(void)
{
    uint8_t b[32];
    memset(b, 0x55, sizeof b);
    long fd = sys6(SYS_memfd_create, (long)"xc45", 0, 0, 0, 0, 0);
    if (fd >= 0) {
        sys6(SYS_write, fd, (long)"0123456789abcdef", 16, 0, 0, 0);
        sys6(SYS_lseek, fd, 0, SEEK_SET, 0, 0, 0);
    }
    announce(P_MEMFD);
    long n = fd < 0 ? -1 : sys6(SYS_read, fd, (long)b, 32, 0, 0, 0);
    close_(fd);
    log_label(P_MEMFD, n >= 0 && (n != 16 || memcmp(b, "0123456789abcdef", 16)) ? -4 : 0);
}

static void memseek_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)"xc45s", 0, 0, 0, 0, 0);
    long w = fd < 0 ? -1 : sys6(SYS_write, fd, (long)"0123456789abcdef", 16, 0, 0, 0);
    announce(P_MEMSEEK);
    long off = fd < 0 ? -1 : sys6(SYS_lseek, fd, 0, SEEK_END, 0, 0, 0);
    close_(fd);
    log_label(P_MEMSEEK, w == 16 && off >= 0 && off != 16 ? -4 : 0);
}

static void nullr_step(void)
{
    uint8_t b[8];
    long fd = open_fl("/dev/null", O_RDONLY);
    announce(P_NULLR);
    long n = fd < 0 ? -1 : sys6(SYS_read, fd, (long)b, 8, 0, 0, 0);
    close_(fd);
    log_label(P_NULLR, n > 0 ? -4 : 0);
}

static void nullw_step(void)
{
    announce(P_NULLW);
    long n = sys6(SYS_write, devnull, (long)"public!!", 8, 0, 0, 0);
    log_label(P_NULLW, n >= 0 && n != 8 ? -4 : 0);
}

static void nullwv_step(void)
{
    struct iovec iov[2] = {{(void *)"public!!", 8}, {(void *)"public??", 8}};
    announce(P_NULLWV);
    long n = sys6(SYS_writev, devnull, (long)iov, 2, 0, 0, 0);
    log_label(P_NULLWV, n >= 0 && n != 16 ? -4 : 0);
}

static void zeropw_step(void)
{
    long fd = open_fl("/dev/zero", O_WRONLY);
    announce(P_ZEROPW);
    long n = fd < 0 ? -1 : sys6(SYS_pwrite64, fd, (long)"public!!", 8, 0, 0, 0);
    close_(fd);
    log_label(P_ZEROPW, n >= 0 && n != 8 ? -4 : 0);
}

static void fullw_step(void)
{
    long fd = open_fl("/dev/full", O_RDWR);
    announce(P_FULLW);
    long n = fd < 0 ? -1 : sys6(SYS_write, fd, (long)"public!!", 8, 0, 0, 0);
    close_(fd);
    log_label(P_FULLW, n >= 0 ? -4 : 0);
}

static void fullr_step(void)
{
    uint8_t b[8];
    memset(b, 0x55, sizeof b);
    long fd = open_fl("/dev/full", O_RDONLY);
    announce(P_FULLR);
    long n = fd < 0 ? -1 : sys6(SYS_read, fd, (long)b, 8, 0, 0, 0);
    close_(fd);
    log_label(P_FULLR, n >= 0 && (n != 8 || nonzero(b, 8)) ? -4 : 0);
}

static void eventfd_step(void)
{
    uint64_t v[2] = {0, 0};
    long fd = sys6(SYS_eventfd2, 3, 0, 0, 0, 0, 0);
    announce(P_EVENTFD);
    long n = fd < 0 ? -1 : sys6(SYS_read, fd, (long)v, 16, 0, 0, 0);
    close_(fd);
    log_label(P_EVENTFD, n >= 0 && (n != 8 || v[0] != 3) ? -4 : 0);
}

static void timerfd_step(void)
{
    uint64_t v[2] = {0, 0};
    struct itimerspec its = {{0, 0}, {0, 1000000}};
    long fd = sys6(SYS_timerfd_create, CLOCK_MONOTONIC, 0, 0, 0, 0, 0);
    long s = fd < 0 ? -1 : sys6(SYS_timerfd_settime, fd, 0, (long)&its, 0, 0, 0);
    announce(P_TIMERFD);
    long n = s ? -1 : sys6(SYS_read, fd, (long)v, 16, 0, 0, 0);
    close_(fd);
    log_label(P_TIMERFD, n >= 0 && (n != 8 || v[0] < 1) ? -4 : 0);
}

static void dents_step(void)
{
    long fd = open_fl("/", O_RDONLY | O_DIRECTORY);
    announce(P_DENTS);
    long n = fd < 0 ? -1 : sys6(SYS_getdents64, fd, (long)buf, sizeof buf, 0, 0, 0);
    close_(fd);
    long idx = 0, pos = 0;
    if (n > (long)sizeof buf)
        idx = -4;
    else if (n > 0) {
        while (pos < n) {
            uint16_t reclen;
            memcpy(&reclen, buf + pos + 16, 2);
            if (reclen < 24 || reclen % 8) {
                idx = -4;
                break;
            }
            pos += reclen;
        }
        if (pos != n)
            idx = -4;
    }
    log_label(P_DENTS, idx);
}

static void efault_step(void)
{
    volatile uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = 0x55;
    long fd = open_fl("/dev/zero", O_RDONLY);
    announce(P_EFAULT);
    long n = fd < 0 ? -1 : sys6(SYS_read, fd, (long)b, 8, 0, 0, 0);
    close_(fd);
    log_label(P_EFAULT, n == -14 ? -4 : 0);
}

static void zerov_step(void)
{
    uint8_t a[8], b[8], c[8];
    memset(a, 0x55, 8);
    memset(b, 0x55, 8);
    memset(c, 0x55, 8);
    struct iovec iov[3] = {{a, 8}, {b, 8}, {c, 8}};
    long fd = open_fl("/dev/zero", O_RDONLY);
    announce(P_ZEROV);
    long n = fd < 0 ? -1 : sys6(SYS_readv, fd, (long)iov, 3, 0, 0, 0);
    close_(fd);
    long idx = n >= 0 && n != 24 ? -4 : 0;
    if (n == 24)
        idx = nonzero(a, 8) | nonzero(b, 8) | nonzero(c, 8);
    log_label(P_ZEROV, idx);
}

static void sock_step(void)
{
    int s[2] = {-1, -1};
    uint8_t b[16];
    memset(b, 0x55, sizeof b);
    long r = sys6(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)s, 0, 0);
    if (r == 0)
        sys6(SYS_write, s[0], (long)"stream!!", 8, 0, 0, 0);
    announce(P_SOCK);
    long n = r ? -1 : sys6(SYS_read, s[1], (long)b, 16, 0, 0, 0);
    close_(r ? -1 : s[0]);
    close_(r ? -1 : s[1]);
    log_label(P_SOCK, n >= 0 && (n != 8 || memcmp(b, "stream!!", 8)) ? -4 : 0);
}

static void urandom_step(void)
{
    long fd = open_fl("/dev/urandom", O_RDONLY);
    announce(P_URANDOM);
    long n = fd < 0 ? -1 : sys6(SYS_read, fd, (long)buf, 100, 0, 0, 0);
    close_(fd);
    log_label(P_URANDOM, n >= 0 && n != 100 ? -4 : 0);
}

static long exe_size(long fd)
{
    struct stat st;
    if (sys6(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) != 0)
        return -1;
    return (long)st.st_size;
}

static void exeseek_step(void)
{
    long fd = open_fl("/proc/self/exe", O_RDONLY);
    long size = fd < 0 ? -1 : exe_size(fd);
    announce(P_EXESEEK);
    long off = size <= 0 ? -1 : sys6(SYS_lseek, fd, 0, SEEK_END, 0, 0, 0);
    close_(fd);
    log_label(P_EXESEEK, off >= 0 && off != size ? -4 : 0);
}

static void exetail_step(void)
{
    uint8_t b[16];
    long fd = open_fl("/proc/self/exe", O_RDONLY);
    long size = fd < 0 ? -1 : exe_size(fd);
    announce(P_EXETAIL);
    long n = size <= 4 ? -1 : sys6(SYS_pread64, fd, (long)b, 16, size - 4, 0, 0);
    close_(fd);
    log_label(P_EXETAIL, n >= 0 && n != 4 ? -4 : 0);
}

static void exeeof_step(void)
{
    uint8_t b[8];
    long fd = open_fl("/proc/self/exe", O_RDONLY);
    long size = fd < 0 ? -1 : exe_size(fd);
    announce(P_EXEEOF);
    long n = size <= 0 ? -1 : sys6(SYS_pread64, fd, (long)b, 8, size, 0, 0);
    close_(fd);
    log_label(P_EXEEOF, n > 0 ? -4 : 0);
}

static void zeropr_step(void)
{
    uint8_t b[8];
    memset(b, 0x55, sizeof b);
    long fd = open_fl("/dev/zero", O_RDONLY);
    announce(P_ZEROPR);
    long n = fd < 0 ? -1 : sys6(SYS_pread64, fd, (long)b, 8, 4096, 0, 0);
    close_(fd);
    log_label(P_ZEROPR, n >= 0 && (n != 8 || nonzero(b, 8)) ? -4 : 0);
}

static void zeroedge_step(void)
{
    long m = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    long idx = 0;
    if (valid(m) && sys6(SYS_munmap, m + PAGE, PAGE, 0, 0, 0, 0) == 0) {
        uint8_t *b = (uint8_t *)(m + PAGE - 8);
        memset(b, 0x55, 8);
        long fd = open_fl("/dev/zero", O_RDONLY);
        announce(P_ZEROEDGE);
        long n = fd < 0 ? -1 : sys6(SYS_read, fd, (long)b, 16, 0, 0, 0);
        close_(fd);
        if (n > 8 || (n >= 0 && nonzero(b, n < 8 ? n : 8)))
            idx = -4;
        sys6(SYS_munmap, m, PAGE, 0, 0, 0, 0);
    } else {
        announce(P_ZEROEDGE);
    }
    log_label(P_ZEROEDGE, idx);
}

static void big_step(int phase, const char *path)
{
    memset(big, 0x55, sizeof big);
    long fd = open_fl(path, O_RDONLY);
    announce(phase);
    long n = fd < 0 ? -1 : sys6(SYS_read, fd, (long)big, sizeof big, 0, 0, 0);
    close_(fd);
    long idx = 0;
    if (n >= 0 && n != 8192 && n != 4096)
        idx = -4;
    else if (n > 0 && phase == P_ZEROBIG)
        idx = nonzero(big, n);
    log_label(phase, idx);
}

static void hugew_step(void)
{
    announce(P_HUGEW);
    long n = sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN), 0x80001000L, 0, 0, 0);
    log_label(P_HUGEW, n > MAX_RW ? -4 : 0);
}

static void hugewv_step(void)
{
    struct iovec iov[2] = {{logbuf + SECRET_LEN, 0x40000000L}, {logbuf + SECRET_LEN, 0x40001000L}};
    announce(P_HUGEWV);
    long n = sys6(SYS_writev, devnull, (long)iov, 2, 0, 0, 0);
    log_label(P_HUGEWV, n > MAX_RW ? -4 : 0);
}

static void memgrow_step(void)
{
    uint8_t b[64];
    memset(b, 0x55, sizeof b);
    long fd = sys6(SYS_memfd_create, (long)"xc45g", 0, 0, 0, 0, 0);
    long ok = fd >= 0 && sys6(SYS_write, fd, (long)"0123456789abcdef", 16, 0, 0, 0) == 16 &&
              sys6(SYS_ftruncate, fd, 32, 0, 0, 0, 0) == 0 &&
              sys6(SYS_lseek, fd, 0, SEEK_SET, 0, 0, 0) == 0;
    announce(P_MEMGROW);
    long n = ok ? sys6(SYS_read, fd, (long)b, 64, 0, 0, 0) : -1;
    close_(fd);
    long idx = 0;
    if (n >= 0 && (n != 32 || memcmp(b, "0123456789abcdef", 16) || nonzero(b + 16, 16)))
        idx = -4;
    log_label(P_MEMGROW, idx);
}

static void memmap_step(void)
{
    uint8_t b[8];
    memset(b, 0x55, sizeof b);
    long fd = sys6(SYS_memfd_create, (long)"xc45m", 0, 0, 0, 0, 0);
    long m = -1;
    if (fd >= 0 && sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0)
        m = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (valid(m))
        memcpy((void *)m, "mapped!!", 8);
    announce(P_MEMMAP);
    long n = valid(m) ? sys6(SYS_pread64, fd, (long)b, 8, 0, 0, 0) : -1;
    if (valid(m))
        sys6(SYS_munmap, m, PAGE, 0, 0, 0, 0);
    close_(fd);
    log_label(P_MEMMAP, n >= 0 && (n != 8 || memcmp(b, "mapped!!", 8)) ? -4 : 0);
}

static void memhole_step(void)
{
    memset(buf, 0x55, 200);
    long fd = sys6(SYS_memfd_create, (long)"xc45h", 0, 0, 0, 0, 0);
    long ok = fd >= 0 && sys6(SYS_pwrite64, fd, (long)"z", 1, 100, 0, 0) == 1;
    announce(P_MEMHOLE);
    long n = ok ? sys6(SYS_pread64, fd, (long)buf, 200, 0, 0, 0) : -1;
    close_(fd);
    log_label(P_MEMHOLE, n >= 0 && (n != 101 || nonzero((uint8_t *)buf, 100) || buf[100] != 'z')
                             ? -4 : 0);
}

static long reap(long pid)
{
    int status = 0;
    if (pid <= 0 || sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) != pid)
        return -1;
    return status;
}

static void forkpipe_step(void)
{
    int p[2] = {-1, -1};
    uint8_t b[16];
    memset(b, 0x55, sizeof b);
    long r = sys6(SYS_pipe2, (long)p, 0, 0, 0, 0, 0);
    long pid = r ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_write, p[1], (long)"childpip", 8, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    long st = reap(pid);
    announce(P_FORKPIPE);
    long n = st != 0 ? -1 : sys6(SYS_read, p[0], (long)b, 16, 0, 0, 0);
    close_(r ? -1 : p[0]);
    close_(r ? -1 : p[1]);
    log_label(P_FORKPIPE, n >= 0 && (n != 8 || memcmp(b, "childpip", 8)) ? -4 : 0);
}

static void forkefd_step(void)
{
    uint64_t v = 0, seven = 7;
    long fd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    long pid = fd < 0 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_write, fd, (long)&seven, 8, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    long st = reap(pid);
    announce(P_FORKEFD);
    long n = st != 0 ? -1 : sys6(SYS_read, fd, (long)&v, 8, 0, 0, 0);
    close_(fd);
    log_label(P_FORKEFD, n >= 0 && (n != 8 || v != 7) ? -4 : 0);
}

static void forkmem_step(void)
{
    uint8_t b[8];
    memset(b, 0x55, sizeof b);
    long fd = sys6(SYS_memfd_create, (long)"xc45f", 0, 0, 0, 0, 0);
    long pid = fd < 0 || sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) ? -1
                                                                    : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_pwrite64, fd, (long)"childmem", 8, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    long st = reap(pid);
    announce(P_FORKMEM);
    long n = st != 0 ? -1 : sys6(SYS_pread64, fd, (long)b, 8, 0, 0, 0);
    close_(fd);
    log_label(P_FORKMEM, n >= 0 && (n != 8 || memcmp(b, "childmem", 8)) ? -4 : 0);
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

static void reopenpipe_step(void)
{
    int p[2] = {-1, -1};
    uint8_t b[16];
    char path[40];
    memset(b, 0x55, sizeof b);
    long r = sys6(SYS_pipe2, (long)p, 0, 0, 0, 0, 0);
    long w = -1;
    if (r == 0) {
        fd_path(path, p[1]);
        w = open_fl(path, O_WRONLY);
    }
    long wr = w < 0 ? -1 : sys6(SYS_write, w, (long)"reopen!!", 8, 0, 0, 0);
    announce(P_REOPENPIPE);
    long n = wr != 8 ? -1 : sys6(SYS_read, p[0], (long)b, 16, 0, 0, 0);
    close_(w);
    close_(r ? -1 : p[0]);
    close_(r ? -1 : p[1]);
    log_label(P_REOPENPIPE, n >= 0 && (n != 8 || memcmp(b, "reopen!!", 8)) ? -4 : 0);
}

static void reopenmem_step(void)
{
    uint8_t b[8];
    char path[40];
    memset(b, 0x55, sizeof b);
    long fd = sys6(SYS_memfd_create, (long)"xc45r", 0, 0, 0, 0, 0);
    long w = -1;
    if (fd >= 0) {
        fd_path(path, fd);
        w = open_fl(path, O_RDWR);
    }
    long wr = w < 0 ? -1 : sys6(SYS_pwrite64, w, (long)"reopened", 8, 0, 0, 0);
    announce(P_REOPENMEM);
    long n = wr != 8 ? -1 : sys6(SYS_pread64, fd, (long)b, 8, 0, 0, 0);
    close_(w);
    close_(fd);
    log_label(P_REOPENMEM, n >= 0 && (n != 8 || memcmp(b, "reopened", 8)) ? -4 : 0);
}

/* /dev/zero read 16 at 8 bytes before the second page of the mapping at m. */
static long edge_read(long m, int phase)
{
    uint8_t *b = (uint8_t *)(m + PAGE - 8);
    memset(b, 0x55, 8);
    long fd = open_fl("/dev/zero", O_RDONLY);
    announce(phase);
    long n = fd < 0 ? -1 : sys6(SYS_read, fd, (long)b, 16, 0, 0, 0);
    close_(fd);
    return n > 8 || (n >= 0 && nonzero(b, n < 8 ? n : 8)) ? -4 : 0;
}

static void zeronone_step(void)
{
    long m = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    long idx = 0;
    if (valid(m) && sys6(SYS_mprotect, m + PAGE, PAGE, PROT_NONE, 0, 0, 0) == 0)
        idx = edge_read(m, P_ZERONONE);
    else
        announce(P_ZERONONE);
    if (valid(m))
        sys6(SYS_munmap, m, 2 * PAGE, 0, 0, 0, 0);
    log_label(P_ZERONONE, idx);
}

static void zerosigbus_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)"xc45b", 0, 0, 0, 0, 0);
    long m = fd < 0 || sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0)
                 ? -1
                 : sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    long idx = 0;
    if (valid(m))
        idx = edge_read(m, P_ZEROSIGBUS);
    else
        announce(P_ZEROSIGBUS);
    if (valid(m))
        sys6(SYS_munmap, m, 2 * PAGE, 0, 0, 0, 0);
    close_(fd);
    log_label(P_ZEROSIGBUS, idx);
}

static void passcred_step(void)
{
    int s[2] = {-1, -1}, one = 1;
    uint8_t b[16];
    memset(b, 0x55, sizeof b);
    long r = sys6(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)s, 0, 0);
    long ok = r == 0 && sys6(SYS_setsockopt, s[1], SOL_SOCKET, SO_PASSCRED, (long)&one,
                             sizeof one, 0) == 0;
    long pid = ok ? sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0) : -1;
    if (pid == 0) {
        sys6(SYS_write, s[0], (long)"abcd", 4, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    long st = reap(pid);
    long w = st != 0 ? -1 : sys6(SYS_write, s[0], (long)"efgh", 4, 0, 0, 0);
    announce(P_PASSCRED);
    long n = w != 4 ? -1 : sys6(SYS_read, s[1], (long)b, 16, 0, 0, 0);
    close_(r ? -1 : s[0]);
    close_(r ? -1 : s[1]);
    log_label(P_PASSCRED, n >= 0 && (n != 4 || memcmp(b, "abcd", 4)) ? -4 : 0);
}

static void nowait_step(void)
{
    long fd = open_fl("/proc/self/exe", O_RDONLY);
    long want = fd < 0 ? -1 : sys6(SYS_pread64, fd, (long)ref2, sizeof ref2, 0, 0, 0);
    memset(big, 0x55, sizeof big);
    struct iovec iov[2] = {{big, 4096}, {big + 4096, 4096}};
    announce(P_NOWAIT);
    long n = want != 8192 ? -1 : sys6(SYS_preadv2, fd, (long)iov, 2, 0, 0, 8 /* RWF_NOWAIT */);
    close_(fd);
    long idx = 0;
    if (n >= 0 && (n % 4096 || n > 8192 || memcmp(big, ref2, n)))
        idx = -4;
    log_label(P_NOWAIT, idx);
}

int main(int argc, char **argv)
{
    int show_digest = 0, huge = 0, claims = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        huge |= strcmp(argv[i], "-m") == 0;
        claims |= strcmp(argv[i], "-c") == 0;
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
    pipe_step();
    pipew_step();
    memfd_step();
    memseek_step();
    nullr_step();
    nullw_step();
    nullwv_step();
    zeropw_step();
    fullw_step();
    fullr_step();
    eventfd_step();
    timerfd_step();
    dents_step();
    efault_step();
    zerov_step();
    sock_step();
    urandom_step();
    exeseek_step();
    exetail_step();
    exeeof_step();
    zeropr_step();
    zeroedge_step();
    big_step(P_ZEROBIG, "/dev/zero");
    big_step(P_URANDBIG, "/dev/urandom");
    if (huge) {
        hugew_step();
        hugewv_step();
    }
    if (claims) {
        memgrow_step();
        memmap_step();
        memhole_step();
        forkpipe_step();
        forkefd_step();
        forkmem_step();
        reopenpipe_step();
        reopenmem_step();
        zeronone_step();
        zerosigbus_step();
        passcred_step();
        nowait_step();
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
