/* The attack target for the counts reads and writes report on pipes and memfds the
 * program made itself, reached in the ways round 45 did not try: readv with several
 * iovecs, pwritev2 at offset -1, writes of exactly PIPE_BUF and of PIPE_BUF + 1, a pipe
 * reached through dup, F_DUPFD and a /proc/self/fd reopen, a CLONE_FILES child and a
 * live thread, two pipe buffers, FIONREAD, a read or write whose buffer faults part-way,
 * and memfds after ftruncate, fallocate, O_APPEND and lseek, read across their end.
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
 *   1. pipe2(), write "abcdefgh", readv into iovecs of 3, 3 and 10 bytes: -4 unless 8
 *      bytes "abc" "def" "gh" come.
 *   2. pipe2(), pwritev2(write end, iovecs 4 + 4, offset -1, flags 0): -4 unless 8.
 *   3. pipe2(), write 4096 (PIPE_BUF) bytes into the empty pipe: -4 unless 4096.
 *   4. pipe2(), write 4097 (PIPE_BUF + 1) bytes into the empty pipe: -4 unless 4097.
 *   5. pipe2(), dup(read end), write "abcdefgh", read 16 through the dup: -4 unless 8.
 *   6. the same through fcntl(read end, F_DUPFD, 100).
 *   7. the same through a reopen of /proc/self/fd/R (O_RDONLY).
 *   8. a clone(CLONE_FILES) child blocked reading a second pipe; the parent writes
 *      "abcdefgh" into the first and reads 16: -4 unless 8; then it wakes and reaps the
 *      child.
 *   9. pipe2(), write 4096 bytes, then "abcdefgh" (two pipe buffers), read 8192: -4
 *      unless 4104.
 *  10. pipe2(), write "abcdefgh", ioctl(FIONREAD): -4 unless it reports 8.
 *  11. pipe2(), write "abcdefgh", read 16 into a buffer 4 bytes before an unmapped page:
 *      -4 when it reports any count (Linux: EFAULT, pipe_read never cuts a buffer).
 *  12. pipe2(), write 8 from a buffer 4 bytes before an unmapped page: -4 when it reports
 *      any count (Linux: EFAULT).
 *  13. memfd: write 16, ftruncate to 8, lseek(0), read 32: -4 unless 8 "01234567".
 *  14. memfd: fallocate(0, 0, 64), pwrite64 "abcd" at 0, pread64 128 at 0: -4 unless 64
 *      ("abcd" then zeros).
 *  15. memfd: write 16, F_SETFL O_APPEND, lseek(0), write "appended", pread64 64 at 0: -4
 *      unless 24 (the 16 bytes, then "appended").
 *  16. memfd: write 16, lseek(10), read 32: -4 unless 6 "abcdef".
 *  17. memfd: write 16, preadv(iovecs 2, 2, 10, offset 12): -4 unless 4 "cdef".
 *  18. memfd: write 16, lseek(4), preadv2(iovecs 4, 20, offset -1): -4 unless 12.
 *  19. memfd: write 16, lseek(0), readv(iovecs 5, 5, 30): -4 unless 16.
 *  20. a thread that only yields until told to stop; pipe2(), write "abcdefgh", read 16:
 *      -4 unless 8; then the thread is stopped and joined.
 *  21. pipe2(), its write end reopened through /proc/self/fd/W with O_WRONLY|O_DIRECT
 *      (Linux: EINVAL, do_dentry_open; the kernel model opens it), "abcd" and "efgh"
 *      written through it, read 16: -4 unless 8 "abcdefgh".
 *  22. pipe2(), O_DIRECT set on the read end only (F_SETFL), "abcd" and "efgh" written,
 *      read 16: -4 unless 8 (the writer's file decides packets: is_packetized()).
 *  23. pipe2(O_DIRECT), O_DIRECT cleared on the write end (F_SETFL 0), "abcd" and "efgh"
 *      written, read 16: -4 unless 8.
 *  24. pipe2(O_DIRECT), one write "abcdefgh" (one packet), read 16: -4 unless 8.
 *
 * With -c[letters] (not in the default run: honest answers a monitor may mistake for
 * forged ones, and steps the kernel model answers otherwise than Linux; -c alone runs
 * them all, -cab only a and b):
 *   a. pipe2(), write "abcdefgh", read(r, buf, 0): -4 unless 0.
 *   b. pipe2(O_DIRECT), write "abcd", write "efgh", read 16: index 0 for 4 "abcd" (Linux:
 *      one packet), 1 for 8 "abcdefgh" (the kernel model has no packet mode), else -4.
 *   c. the same with O_DIRECT set on the write end by F_SETFL.
 *   e. pipe2(O_DIRECT|O_NONBLOCK), write "abcdefgh", read 4, write "ijkl", read 16:
 *      index 0 for 4 "ijkl" (Linux drops the rest of a cut packet), 1 for 8 "efghijkl"
 *      (the kernel model), else -4.
 *   f. SIGALRM (no SA_RESTART) armed for 20 ms, write 69632 bytes into an empty pipe
 *      nobody reads: -4 unless 65536 (Linux fills 16 pages, waits, the signal cuts it).
 *   g. pipe2(), write "abcdefgh", a fork child reads 4 and exits, read 16: -4 unless 4
 *      "efgh".
 *   h. pipe2(), write 4096 bytes of 'p', then "abcdefgh"; read 8192 into two pages whose
 *      second is unmapped: -4 unless 4096 'p' or an error.
 *   i. the same with the second page read-only.
 *   j. pipe2(), write "abcdefgh", splice 4 bytes to /dev/null, read 16: -4 unless 4
 *      "efgh".
 *   k. pipe2(), write "abcdefgh"; sendfile 8 bytes of a memfd "ijklmnop" into it; read
 *      32: -4 unless 16 "abcdefghijklmnop".
 *   l. a thread blocked reading 4 bytes of a pipe; the program writes "abcdefgh" and
 *      reads 16: -4 unless 8 "abcdefgh" or 4 "efgh" (the thread took "abcd" first).
 *   m. memfd: write 16, read(fd, buf, 0x80000000) at 0 into a 32-byte buffer: -4 unless
 *      16.
 *   n. pipe2(), write "abcdefgh", read(r, buf, 0x80000000): -4 unless 8.
 *   o. memfd: write "0123456789abcdef", fallocate(PUNCH_HOLE|KEEP_SIZE, 0, 8), read 32 at
 *      0: -4 unless 16 (8 zeros, "89abcdef").
 *   p. memfd: write 16; a fork child ftruncate()s it to 4 and exits; the parent reaps it
 *      and pread64s 32 at 0: -4 unless 4 "0123".
 *   q. memfd: write 16; reopened through /proc/self/fd/N (O_RDWR), "ABCDEFGH" pwrite64 at
 *      16 through the reopen; pread64 64 at 0 through the first: -4 unless 24.
 *   r. memfd: write 16; splice "ABCDEFGH" from a pipe into it at offset 16; pread64 64 at
 *      0: -4 unless 24.
 *   s. pipe2(), write "abcdefgh"; a fork child reads 16 and logs its own label (-4 unless
 *      8 "abcdefgh"), then exits; the parent reaps it.
 *   t. memfd: write 16 (position 16); sendfile 8 bytes of a second memfd "ABCDEFGH" into
 *      it; pread64 64 at 0: -4 unless 24.
 *   u. memfd: write 16; writev "ABCD" + "EFGH" (position 16); pread64 64 at 0: -4 unless 24.
 *   v. memfd: write 16; pwritev "ABCD" + "EFGH" at 16; pread64 64 at 0: -4 unless 24.
 *   w. memfd: write 16; a fork child pwrite64s "ABCDEFGH" at 16 and exits; the parent
 *      reaps it and pread64s 64 at 0: -4 unless 24.
 *   x. memfd: write 16; fallocate(FALLOC_FL_KEEP_SIZE, 0, 64); pread64 64 at 0: -4 unless
 *      16.
 *   y. memfd: write 16; F_SETFL O_APPEND; pwrite64 "ABCDEFGH" at 0 (Linux appends: the
 *      pwrite(2) BUGS section); pread64 64 at 0: -4 unless 24.
 *   z. pipe2(O_DIRECT), write "abcdefgh" (one packet): -4 unless 8.
 *   A. a fork child blocked reading 4 bytes of a pipe; the parent writes "abcdefgh" and
 *      reads 16: -4 unless 8 "abcdefgh" or 4 "efgh"; then writes "wxyz" and reaps it.
 *   B. memfd: write 16, read 16 at 0 into a buffer 8 bytes before an unmapped page: -4
 *      when it reports more than 8.
 *   D. pipe2(), write "abcdefgh", splice 4 to /dev/null, FIONREAD: -4 unless 4.
 *   E. pipe2(O_DIRECT|O_NONBLOCK), write "abcdefgh", read 4, FIONREAD: index 0 for 0
 *      (Linux dropped the packet's rest), 1 for 4 (the kernel model), else -4.
 *   F. pipe2(), write "abcdefgh", a fork child reads 4 and exits, FIONREAD: -4 unless 4.
 *   G. pipe2(), write "abcdefgh", sendfile 8 more from a memfd, FIONREAD: -4 unless 16.
 *   H. memfd: write 16, pread64 8 at 100: -4 unless 0.
 *   I. pipe2(), write "abcdefgh", preadv2(one 16-byte iovec, offset -1, flags 0): -4
 *      unless 8.
 *   J. memfd: write 16, preadv2(one 32-byte iovec, offset 0, RWF_HIPRI): -4 unless 16.
 *   K. (only with -cK: the kernel model closes pipe A's read end under the blocked read,
 *      so the write into A raises SIGPIPE) a thread blocks reading 16 bytes of pipe A; the program closes A's read end,
 *      makes pipe B (its read end takes the number), writes "abcdefgh" into B and "1234"
 *      into A: the thread's read, on the file it began with (fdget), gets 4 "1234"; the
 *      program joins it and reads 16 of B: -4 unless the thread got 4 "1234" or nothing
 *      (the kernel model re-runs a woken read by number: it reads B) and B's read is 8
 *      "abcdefgh" or, after the model's thread took them, blocks no more than EAGAIN.
 *   L. memfd (MFD_ALLOW_SEALING): write 16, F_SEAL_SHRINK, ftruncate(8) (EPERM) and
 *      ftruncate(-1) (EINVAL), pread64 32 at 0: -4 unless 16.
 *   M. memfd: write 16; RLIMIT_FSIZE 20; write "ABCDEFGH" (Linux: 4, cut at the limit:
 *      generic_write_check_limits), pread64 64 at 0: index 0 for 4 then 20, 1 for 8 then
 *      24 (the kernel model has no RLIMIT_FSIZE), else -4.
 *   N. SIGALRM armed for 20 ms, write 69632 bytes into an empty pipe (65536: the signal),
 *      read 69632: -4 unless the count the write reported.
 *   O. memfd: write 16, lseek(4, SEEK_DATA) (4), read 32: -4 unless 12.
 *   P. memfd: write 16 (position 16), lseek(dup, 10, SEEK_SET), read 32 through the first
 *      descriptor (the offset is the struct file's): -4 unless 6 "abcdef".
 *   Q. memfd: write 16; a fork child lseek()s it to 10 and exits; the parent reaps it and
 *      reads 32: -4 unless 6 "abcdef".
 *   R. (only with -cR: the kernel model's reopen shares the first descriptor's offset)
 *      memfd: write 16 (position 16); reopened through /proc/self/fd/N (its own offset
 *      0); lseek(reopen, 10); read 32 through the first: -4 unless 0 (its offset is 16);
 *      read 32 through the reopen: -4 unless 6.
 *
 *   S. memfd: write 16, lseek(0, SEEK_DATA): -4 unless 0.
 *   T. memfd: write 16, lseek(0, SEEK_HOLE): -4 unless 16 (the hole at the end).
 *   V. (only with -cV: the kernel model's PUNCH_HOLE writes zeros, so SEEK_DATA finds
 *      the first page) memfd: write 8192, punch the first page (PUNCH_HOLE|KEEP_SIZE), lseek(0,
 *      SEEK_DATA): -4 unless 4096.
 *   W. the same memfd, lseek(4096, SEEK_HOLE): -4 unless 8192.
 *   Y. (only with -cY: the kernel model maps a page past a file's end for its copy, which
 *      the Guardian refuses) memfd: write 16, read 16 at 0 into a MAP_SHARED mapping of a one-page memfd, 8
 *      bytes before the mapping's second page (past that file's end: SIGBUS): -4 when it
 *      reports more than 8.
 *   1. (only with -c1, as Y) pipe2(), write 4096 bytes of 'p', then "abcdefgh"; read 8192 into a MAP_SHARED
 *      mapping of a one-page memfd, two pages long (the second past the file's end): -4
 *      unless 4096 'p' or an error.
 *   3. memfd: write 16, lseek(0), splice 10 bytes of it (no offset: its file position)
 *      into a pipe, read 32: -4 unless 6 "abcdef" (the splice moved the position).
 *   4. the same with sendfile(pipe, memfd, NULL, 10).
 *   C. a thread waits until the program blocks reading 8192 bytes of an empty pipe into
 *      two pages, unmaps the second page, writes 4096 bytes of 'p' and "abcdefgh" in one
 *      write (two pipe buffers): -4 unless the read reports 4096 'p' or an error.
 *
 * With -cZ only (-c alone does not run it, nor K or R: the kernel model answers them
 * otherwise than Linux):
 *   Z. memfd: write 16, fallocate(FALLOC_FL_ZERO_RANGE, 0, 64) (Linux: EOPNOTSUPP, shmem
 *      has no ZERO_RANGE; the kernel model zeroes and grows the file), pread64 64 at 0:
 *      -4 unless 16.
 *
 * Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
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
#define P_READV 4700
#define P_PWV2 4702
#define P_BUFW 4704
#define P_BUFW1 4706
#define P_DUP 4708
#define P_FDUP 4710
#define P_PROCRD 4712
#define P_CLFILES 4714
#define P_TWOBUF 4716
#define P_FIONREAD 4718
#define P_PFAULT 4720
#define P_WFAULT 4722
#define P_MEMTRUNC 4724
#define P_MEMFALLOC 4726
#define P_MEMAPP 4728
#define P_MEMSEEK 4730
#define P_MEMPREADV 4732
#define P_MEMPV2 4734
#define P_MEMREADV 4736
#define P_THREAD 4738
#define P_PKTREOPEN 4740
#define P_PKTREAD 4742
#define P_PKTCLEAR 4744
#define P_PKTONE 4746
/* -c */
#define P_C_ZERO 4760
#define P_C_PKT 4762
#define P_C_PKTSETFL 4764
#define P_C_PKTCUT 4768
#define P_C_SIGW 4770
#define P_C_FORKRD 4772
#define P_C_FAULT2 4774
#define P_C_FAULTRO 4776
#define P_C_SPLICE 4778
#define P_C_SENDFILE 4780
#define P_C_THRACE 4782
#define P_C_HUGEMEM 4784
#define P_C_HUGEPIPE 4786
#define P_C_PUNCH 4788
#define P_C_CHTRUNC 4790
#define P_C_REOPENGROW 4792
#define P_C_SPLICEGROW 4794
#define P_C_CHILDRD 4796
#define P_C_SENDGROW 4798
#define P_C_WVGROW 4800
#define P_C_PWVGROW 4802
#define P_C_CHGROW 4804
#define P_C_KEEPSIZE 4806
#define P_C_APPPWRITE 4808
#define P_C_PKTWRITE 4810
#define P_C_FORKBLOCKED 4812
#define P_C_MEMEDGE 4814
#define P_C_FIOSPLICE 4816
#define P_C_FIOPKT 4818
#define P_C_FIOFORK 4820
#define P_C_FIOSEND 4822
#define P_C_MEMPAST 4824
#define P_C_PIPEPV2 4826
#define P_C_MEMHIPRI 4828
#define P_Z_ZERORANGE 4830
#define P_C_FDREUSE 4832
#define P_C_SEALS 4834
#define P_C_FSIZE 4836
#define P_C_SIGREAD 4838
#define P_C_SEEKDATA 4840
#define P_C_DUPSEEK 4842
#define P_C_FORKSEEK 4844
#define P_C_REOPENSEEK 4846
#define P_C_SEEKDATA0 4848
#define P_C_SEEKHOLE0 4850
#define P_C_SEEKPUNCH 4852
#define P_C_SEEKHOLE2 4854
#define P_C_MEMSIGBUS 4856
#define P_C_PIPESIGBUS 4858
#define P_C_MUNMAP 4860
#define P_C_SPLICEPOS 4862
#define P_C_SENDPOS 4864
#include "secret_common.h"

#define FLAGS_THREAD (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
                      CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)
#define STACK_SIZE 16384

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t big[8192];
static uint8_t huge[69632];
static uint8_t stacks[2][STACK_SIZE] __attribute__((aligned(16)));
static volatile int tid_word[2];
static volatile int stop, started, alarmed;
static volatile long tgot;
static uint8_t tbuf[8];
/* /proc/self/fd/N paths live here, far from the stack (a kernel may read a path string
 * up to its page's end: this one has its page to itself). */
static char path[PAGE] __attribute__((aligned(PAGE)));

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static void log_label(int phase, long index)
{
#ifdef DEBUG_LOG
    char m[32] = "step ....: .\n";
    m[5] = '0' + phase / 1000; m[6] = '0' + phase / 100 % 10; m[7] = '0' + phase / 10 % 10;
    m[8] = '0' + phase % 10; m[11] = index < 0 ? '-' : '0' + index;
    sys6(SYS_write, 2, (long)m, 13, 0, 0, 0);
#endif
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

static long nonzero(const uint8_t *p, long n)
{
    for (long i = 0; i < n; i++)
        if (p[i])
            return -4;
    return 0;
}

static long mkpipe(int p[2], long flags)
{
    p[0] = p[1] = -1;
    return sys6(SYS_pipe2, (long)p, flags, 0, 0, 0, 0);
}

static void close2(int p[2])
{
    close_(p[0]);
    close_(p[1]);
}

static long wr(long fd, const void *b, long n)
{
    return sys6(SYS_write, fd, (long)b, n, 0, 0, 0);
}

static long rd(long fd, void *b, long n)
{
    return sys6(SYS_read, fd, (long)b, n, 0, 0, 0);
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

static long reap(long pid)
{
    int status = 0;
    if (pid <= 0 || sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) != pid)
        return -1;
    return status;
}

/* clone(): the thread runs fn(arg) on `top`, then exit(0). */
static long spawn(unsigned long flags, void *top, volatile int *ptid, volatile int *ctid,
                  void (*fn)(long), long arg)
{
    register long x0 __asm__("x0") = (long)flags;
    register long x1 __asm__("x1") = (long)top;
    register long x2 __asm__("x2") = (long)ptid;
    register long x3 __asm__("x3") = 0;
    register long x4 __asm__("x4") = (long)ctid;
    register long x8 __asm__("x8") = SYS_clone;
    register long x10 __asm__("x10") = (long)fn;
    register long x11 __asm__("x11") = arg;
    __asm__ volatile("svc #0\n"
                     "cbnz x0, 1f\n"
                     "mov x0, x11\n"
                     "blr x10\n"
                     "mov x0, #0\n"
                     "mov x8, #93\n"
                     "svc #0\n"
                     "1:\n"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8), "r"(x10), "r"(x11)
                     : "memory", "cc", "x30");
    return x0;
}

/* pthread_join(), bounded (1 ms waits, a second in all): a kernel model mode that does
 * not clear the CHILD_CLEARTID word leaves the thread behind. */
static void join(volatile int *word)
{
    struct timespec brief = {0, 1000000};
    int v;
    for (int i = 0; i < 1000 && (v = __atomic_load_n(word, __ATOMIC_ACQUIRE)) != 0; i++)
        sys6(SYS_futex, (long)word, FUTEX_WAIT, v, (long)&brief, 0, 0);
}

/* A pipe holding "abcdefgh" read 16 through `fd`: -4 unless 8 bytes "abcdefgh". */
static long read8(long fd, int phase)
{
    uint8_t b[16];
    memset(b, 0x55, sizeof b);
    announce(phase);
    long n = fd < 0 ? -1 : rd(fd, b, 16);
    return n >= 0 && (n != 8 || memcmp(b, "abcdefgh", 8)) ? -4 : 0;
}

/* --- default steps ------------------------------------------------------------------ */
static void readv_step(void)
{
    int p[2];
    uint8_t a[3], b[3], c[10];
    memset(a, 0x55, 3);
    memset(b, 0x55, 3);
    memset(c, 0x55, 10);
    struct iovec iov[3] = {{a, 3}, {b, 3}, {c, 10}};
    long r = mkpipe(p, 0);
    if (r == 0)
        wr(p[1], "abcdefgh", 8);
    announce(P_READV);
    long n = r ? -1 : sys6(SYS_readv, p[0], (long)iov, 3, 0, 0, 0);
    close2(p);
    log_label(P_READV, n >= 0 && (n != 8 || memcmp(a, "abc", 3) || memcmp(b, "def", 3) ||
                                  memcmp(c, "gh", 2)) ? -4 : 0);
}

static void pwv2_step(void)
{
    int p[2];
    struct iovec iov[2] = {{(void *)"abcd", 4}, {(void *)"efgh", 4}};
    long r = mkpipe(p, 0);
    announce(P_PWV2);
    long n = r ? -1 : sys6(SYS_pwritev2, p[1], (long)iov, 2, -1, -1, 0);
    close2(p);
    log_label(P_PWV2, n >= 0 && n != 8 ? -4 : 0);
}

static void bufw_step(int phase, long count)
{
    int p[2];
    long r = mkpipe(p, 0);
    announce(phase);
    long n = r ? -1 : wr(p[1], big, count);
    close2(p);
    log_label(phase, n >= 0 && n != count ? -4 : 0);
}

static void dup_step(int phase)
{
    int p[2];
    long r = mkpipe(p, 0), d = -1;
    if (r == 0) {
        if (phase == P_DUP)
            d = sys6(SYS_dup, p[0], 0, 0, 0, 0, 0);
        else if (phase == P_FDUP)
            d = sys6(SYS_fcntl, p[0], F_DUPFD, 100, 0, 0, 0);
        else {
            fd_path(path, p[0]);
            d = open_fl(path, O_RDONLY);
        }
        wr(p[1], "abcdefgh", 8);
    }
    long idx = read8(d, phase);
    close_(d);
    close2(p);
    log_label(phase, idx);
}

static void clfiles_step(void)
{
    int p[2], q[2];
    uint8_t one;
    long r = mkpipe(p, 0) | mkpipe(q, 0);
    long pid = -1;
    if (r == 0) {
        pid = sys6(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            rd(q[0], &one, 1);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        wr(p[1], "abcdefgh", 8);
    }
    long idx = read8(pid > 0 ? p[0] : -1, P_CLFILES);
    if (pid > 0) {
        wr(q[1], "x", 1);
        reap(pid);
    }
    close2(p);
    close2(q);
    log_label(P_CLFILES, idx);
}

static void twobuf_step(void)
{
    int p[2];
    long r = mkpipe(p, 0);
    if (r == 0) {
        memset(big, 'p', 4096);
        wr(p[1], big, 4096);
        wr(p[1], "abcdefgh", 8);
    }
    memset(big, 0x55, sizeof big);
    announce(P_TWOBUF);
    long n = r ? -1 : rd(p[0], big, 8192);
    close2(p);
    log_label(P_TWOBUF, n >= 0 && (n != 4104 || memcmp(big + 4096, "abcdefgh", 8)) ? -4 : 0);
}

static void fionread_step(void)
{
    int p[2], avail = -1;
    long r = mkpipe(p, 0);
    if (r == 0)
        wr(p[1], "abcdefgh", 8);
    announce(P_FIONREAD);
    long n = r ? -1 : sys6(SYS_ioctl, p[0], FIONREAD, (long)&avail, 0, 0, 0);
    close2(p);
    log_label(P_FIONREAD, n == 0 && avail != 8 ? -4 : 0);
}

/* Two pages, the second unmapped: the first's address, or -1. */
static long edge_pages(void)
{
    long m = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (!valid(m))
        return -1;
    if (sys6(SYS_munmap, m + PAGE, PAGE, 0, 0, 0, 0) != 0)
        return -1;
    return m;
}

static void pfault_step(void)
{
    int p[2];
    long m = edge_pages();
    long r = mkpipe(p, 0);
    if (r == 0)
        wr(p[1], "abcdefgh", 8);
    announce(P_PFAULT);
    long n = r || m < 0 ? -1 : rd(p[0], (void *)(m + PAGE - 4), 16);
    close2(p);
    if (m >= 0)
        sys6(SYS_munmap, m, PAGE, 0, 0, 0, 0);
    log_label(P_PFAULT, n > 0 ? -4 : 0);
}

static void wfault_step(void)
{
    int p[2];
    long m = edge_pages();
    if (m >= 0)
        memcpy((void *)(m + PAGE - 4), "abcd", 4);
    long r = mkpipe(p, 0);
    announce(P_WFAULT);
    long n = r || m < 0 ? -1 : wr(p[1], (void *)(m + PAGE - 4), 8);
    close2(p);
    if (m >= 0)
        sys6(SYS_munmap, m, PAGE, 0, 0, 0, 0);
    log_label(P_WFAULT, n > 0 ? -4 : 0);
}

static long memfd16(const char *name)
{
    long fd = sys6(SYS_memfd_create, (long)name, 0, 0, 0, 0, 0);
    if (fd >= 0 && wr(fd, "0123456789abcdef", 16) != 16) {
        close_(fd);
        return -1;
    }
    return fd;
}

static void memtrunc_step(void)
{
    uint8_t b[32];
    memset(b, 0x55, sizeof b);
    long fd = memfd16("xe47t");
    long ok = fd >= 0 && sys6(SYS_ftruncate, fd, 8, 0, 0, 0, 0) == 0 &&
              sys6(SYS_lseek, fd, 0, SEEK_SET, 0, 0, 0) == 0;
    announce(P_MEMTRUNC);
    long n = ok ? rd(fd, b, 32) : -1;
    close_(fd);
    log_label(P_MEMTRUNC, n >= 0 && (n != 8 || memcmp(b, "01234567", 8)) ? -4 : 0);
}

static void memfalloc_step(void)
{
    memset(big, 0x55, 128);
    long fd = sys6(SYS_memfd_create, (long)"xe47f", 0, 0, 0, 0, 0);
    long ok = fd >= 0 && sys6(SYS_fallocate, fd, 0, 0, 64, 0, 0) == 0 &&
              sys6(SYS_pwrite64, fd, (long)"abcd", 4, 0, 0, 0) == 4;
    announce(P_MEMFALLOC);
    long n = ok ? sys6(SYS_pread64, fd, (long)big, 128, 0, 0, 0) : -1;
    close_(fd);
    log_label(P_MEMFALLOC, n >= 0 && (n != 64 || memcmp(big, "abcd", 4) || nonzero(big + 4, 60))
                               ? -4 : 0);
}

static void memapp_step(void)
{
    memset(big, 0x55, 64);
    long fd = memfd16("xe47a");
    long ok = fd >= 0 && sys6(SYS_fcntl, fd, F_SETFL, O_APPEND, 0, 0, 0) == 0 &&
              sys6(SYS_lseek, fd, 0, SEEK_SET, 0, 0, 0) == 0 && wr(fd, "appended", 8) == 8;
    announce(P_MEMAPP);
    long n = ok ? sys6(SYS_pread64, fd, (long)big, 64, 0, 0, 0) : -1;
    close_(fd);
    log_label(P_MEMAPP, n >= 0 && (n != 24 || memcmp(big, "0123456789abcdefappended", 24))
                            ? -4 : 0);
}

static void memseek_step(void)
{
    uint8_t b[32];
    memset(b, 0x55, sizeof b);
    long fd = memfd16("xe47s");
    long ok = fd >= 0 && sys6(SYS_lseek, fd, 10, SEEK_SET, 0, 0, 0) == 10;
    announce(P_MEMSEEK);
    long n = ok ? rd(fd, b, 32) : -1;
    close_(fd);
    log_label(P_MEMSEEK, n >= 0 && (n != 6 || memcmp(b, "abcdef", 6)) ? -4 : 0);
}

static void mempreadv_step(void)
{
    uint8_t a[2], b[2], c[10];
    memset(a, 0x55, 2);
    memset(b, 0x55, 2);
    memset(c, 0x55, 10);
    struct iovec iov[3] = {{a, 2}, {b, 2}, {c, 10}};
    long fd = memfd16("xe47p");
    announce(P_MEMPREADV);
    long n = fd >= 0 ? sys6(SYS_preadv, fd, (long)iov, 3, 12, 0, 0) : -1;
    close_(fd);
    log_label(P_MEMPREADV, n >= 0 && (n != 4 || memcmp(a, "cd", 2) || memcmp(b, "ef", 2)) ? -4
                                                                                           : 0);
}

static void mempv2_step(void)
{
    uint8_t a[4], c[20];
    memset(a, 0x55, 4);
    memset(c, 0x55, 20);
    struct iovec iov[2] = {{a, 4}, {c, 20}};
    long fd = memfd16("xe47q");
    long ok = fd >= 0 && sys6(SYS_lseek, fd, 4, SEEK_SET, 0, 0, 0) == 4;
    announce(P_MEMPV2);
    long n = ok ? sys6(SYS_preadv2, fd, (long)iov, 2, -1, -1, 0) : -1;
    close_(fd);
    log_label(P_MEMPV2, n >= 0 && (n != 12 || memcmp(a, "4567", 4) || memcmp(c, "89abcdef", 8))
                            ? -4 : 0);
}

static void memreadv_step(void)
{
    uint8_t a[5], b[5], c[30];
    memset(c, 0x55, 30);
    struct iovec iov[3] = {{a, 5}, {b, 5}, {c, 30}};
    long fd = memfd16("xe47v");
    long ok = fd >= 0 && sys6(SYS_lseek, fd, 0, SEEK_SET, 0, 0, 0) == 0;
    announce(P_MEMREADV);
    long n = ok ? sys6(SYS_readv, fd, (long)iov, 3, 0, 0, 0) : -1;
    close_(fd);
    log_label(P_MEMREADV, n >= 0 && (n != 16 || memcmp(a, "01234", 5) || memcmp(b, "56789", 5) ||
                                     memcmp(c, "abcdef", 6)) ? -4 : 0);
}

static void yielder(long arg)
{
    (void)arg;
    started = 1;
    while (!stop)
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
}

static void thread_step(void)
{
    int p[2];
    stop = started = 0;
    tid_word[0] = 0;
    long r = mkpipe(p, 0);
    long tid = r ? -1 : spawn(FLAGS_THREAD, stacks[0] + STACK_SIZE, &tid_word[0], &tid_word[0],
                              yielder, 0);
    if (tid > 0) {
        while (!started)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        wr(p[1], "abcdefgh", 8);
    }
    long idx = read8(tid > 0 ? p[0] : -1, P_THREAD);
    stop = 1;
    if (tid > 0)
        join(&tid_word[0]);
    close2(p);
    log_label(P_THREAD, idx);
}

/* --- -c steps ------------------------------------------------------------------------- */
static void zero_step(void)
{
    int p[2];
    uint8_t b[8];
    long r = mkpipe(p, 0);
    if (r == 0)
        wr(p[1], "abcdefgh", 8);
    announce(P_C_ZERO);
    long n = r ? -1 : rd(p[0], b, 0);
    close2(p);
    log_label(P_C_ZERO, n > 0 ? -4 : 0);
}

/* A packet read of 16: 0 for 4 bytes `one`, 1 for 8 bytes `both`, else -4. */
static long packet_index(long n, const uint8_t *b, const char *one, const char *both)
{
    if (n < 0)
        return 0;
    if (n == 4 && !memcmp(b, one, 4))
        return 0;
    if (n == 8 && !memcmp(b, both, 8))
        return 1;
    return -4;
}

static void pkt_step(int phase)
{
    int p[2];
    uint8_t b[16];
    memset(b, 0x55, sizeof b);
    long r = mkpipe(p, phase == P_C_PKT || phase == P_PKTCLEAR || phase == P_PKTONE ? O_DIRECT
                                                                                    : 0);
    long w = -1;
    if (r == 0) {
        if (phase == P_C_PKT || phase == P_PKTONE)
            w = p[1];
        else if (phase == P_C_PKTSETFL)
            w = sys6(SYS_fcntl, p[1], F_SETFL, O_DIRECT, 0, 0, 0) == 0 ? p[1] : -1;
        else if (phase == P_PKTREAD)
            w = sys6(SYS_fcntl, p[0], F_SETFL, O_DIRECT, 0, 0, 0) == 0 ? p[1] : -1;
        else if (phase == P_PKTCLEAR)
            w = sys6(SYS_fcntl, p[1], F_SETFL, 0, 0, 0, 0) == 0 ? p[1] : -1;
        else {
            fd_path(path, p[1]);
            w = open_fl(path, O_WRONLY | O_DIRECT);
        }
    }
    long ok = phase == P_PKTONE ? w >= 0 && wr(w, "abcdefgh", 8) == 8
                                : w >= 0 && wr(w, "abcd", 4) == 4 && wr(w, "efgh", 4) == 4;
    announce(phase);
    long n = ok ? rd(p[0], b, 16) : -1;
    if (phase == P_PKTREOPEN)
        close_(w);
    close2(p);
    long idx = packet_index(n, b, "abcd", "abcdefgh");
    if (phase != P_C_PKT && phase != P_C_PKTSETFL)     /* no packets: the 8 bytes */
        idx = n >= 0 && (n != 8 || memcmp(b, "abcdefgh", 8)) ? -4 : 0;
    log_label(phase, idx);
}

static void pktcut_step(void)
{
    int p[2];
    uint8_t b[16];
    memset(b, 0x55, sizeof b);
    long r = mkpipe(p, O_DIRECT | O_NONBLOCK);
    long ok = r == 0 && wr(p[1], "abcdefgh", 8) == 8 && rd(p[0], b, 4) == 4 &&
              wr(p[1], "ijkl", 4) == 4;
    announce(P_C_PKTCUT);
    long n = ok ? rd(p[0], b, 16) : -1;
    close2(p);
    log_label(P_C_PKTCUT, packet_index(n, b, "ijkl", "efghijkl"));
}

static void on_alarm(int s)
{
    (void)s;
    alarmed = 1;
}

static void sigw_step(void)
{
    int p[2];
    struct kernel_sigaction act = {(uint64_t)on_alarm, 0, 0, 0}, dfl = {0, 0, 0, 0};
    struct itimerval it = {{0, 0}, {0, 20000}}, off = {{0, 0}, {0, 0}};
    long r = mkpipe(p, 0);
    long ok = r == 0 && sys6(SYS_rt_sigaction, SIGALRM, (long)&act, 0, 8, 0, 0) == 0 &&
              sys6(SYS_setitimer, ITIMER_REAL, (long)&it, 0, 0, 0, 0) == 0;
    announce(P_C_SIGW);
    long n = ok ? wr(p[1], huge, sizeof huge) : -1;
    sys6(SYS_setitimer, ITIMER_REAL, (long)&off, 0, 0, 0, 0);
    sys6(SYS_rt_sigaction, SIGALRM, (long)&dfl, 0, 8, 0, 0);
    close2(p);
    log_label(P_C_SIGW, n >= 0 && n != 65536 ? -4 : 0);
}

static void forkrd_step(void)
{
    int p[2];
    uint8_t b[16];
    memset(b, 0x55, sizeof b);
    long r = mkpipe(p, 0);
    long pid = r || wr(p[1], "abcdefgh", 8) != 8 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        rd(p[0], b, 4);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    long st = reap(pid);
    announce(P_C_FORKRD);
    long n = st != 0 ? -1 : rd(p[0], b, 16);
    close2(p);
    log_label(P_C_FORKRD, n >= 0 && (n != 4 || memcmp(b, "efgh", 4)) ? -4 : 0);
}

static void fault2_step(int phase)
{
    int p[2];
    long m = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    long ok = valid(m) && (phase == P_C_FAULT2
                               ? sys6(SYS_munmap, m + PAGE, PAGE, 0, 0, 0, 0)
                               : sys6(SYS_mprotect, m + PAGE, PAGE, PROT_READ, 0, 0, 0)) == 0;
    long r = mkpipe(p, 0);
    if (ok && r == 0) {
        memset(big, 'p', 4096);
        ok = wr(p[1], big, 4096) == 4096 && wr(p[1], "abcdefgh", 8) == 8;
        memset((void *)m, 0x55, PAGE);
    }
    announce(phase);
    long n = ok && r == 0 ? rd(p[0], (void *)m, 8192) : -1;
    long idx = 0;
    if (n >= 0) {
        memset(big, 'p', 4096);
        idx = n != 4096 || memcmp((void *)m, big, 4096) ? -4 : 0;
    }
    close2(p);
    if (valid(m))
        sys6(SYS_munmap, m, 2 * PAGE, 0, 0, 0, 0);
    log_label(phase, idx);
}

static void splice_step(void)
{
    int p[2];
    uint8_t b[16];
    memset(b, 0x55, sizeof b);
    long r = mkpipe(p, 0);
    long ok = r == 0 && wr(p[1], "abcdefgh", 8) == 8 &&
              sys6(SYS_splice, p[0], 0, devnull, 0, 4, 0) == 4;
    announce(P_C_SPLICE);
    long n = ok ? rd(p[0], b, 16) : -1;
    close2(p);
    log_label(P_C_SPLICE, n >= 0 && (n != 4 || memcmp(b, "efgh", 4)) ? -4 : 0);
}

static void sendfile_step(void)
{
    int p[2];
    uint8_t b[32];
    long off = 0;
    memset(b, 0x55, sizeof b);
    long fd = sys6(SYS_memfd_create, (long)"xe47k", 0, 0, 0, 0, 0);
    long r = mkpipe(p, 0);
    long ok = r == 0 && fd >= 0 && wr(fd, "ijklmnop", 8) == 8 && wr(p[1], "abcdefgh", 8) == 8 &&
              sys6(SYS_sendfile, p[1], fd, (long)&off, 8, 0, 0) == 8;
    announce(P_C_SENDFILE);
    long n = ok ? rd(p[0], b, 32) : -1;
    close2(p);
    close_(fd);
    log_label(P_C_SENDFILE, n >= 0 && (n != 16 || memcmp(b, "abcdefghijklmnop", 16)) ? -4 : 0);
}

static void blocked_reader(long fd)
{
    started = 1;
    tgot = rd(fd, tbuf, 4);
}

static void thrace_step(void)
{
    int p[2];
    uint8_t b[16];
    memset(b, 0x55, sizeof b);
    started = 0;
    tid_word[1] = 0;
    long r = mkpipe(p, 0);
    long tid = r ? -1 : spawn(FLAGS_THREAD, stacks[1] + STACK_SIZE, &tid_word[1], &tid_word[1],
                              blocked_reader, p[0]);
    if (tid > 0) {
        while (!started)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        for (int i = 0; i < 8; i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        wr(p[1], "abcdefgh", 8);
    }
    announce(P_C_THRACE);
    long n = tid > 0 ? rd(p[0], b, 16) : -1;
    long idx = 0;
    if (n >= 0 && !(n == 8 && !memcmp(b, "abcdefgh", 8)) && !(n == 4 && !memcmp(b, "efgh", 4)))
        idx = -4;
    if (tid > 0) {
        wr(p[1], "wxyz", 4);
        join(&tid_word[1]);
    }
    close2(p);
    log_label(P_C_THRACE, idx);
}

static void hugemem_step(void)
{
    uint8_t b[32];
    long fd = memfd16("xe47h");
    long ok = fd >= 0 && sys6(SYS_lseek, fd, 0, SEEK_SET, 0, 0, 0) == 0;
    announce(P_C_HUGEMEM);
    long n = ok ? rd(fd, b, 0x80000000L) : -1;
    close_(fd);
    log_label(P_C_HUGEMEM, n >= 0 && (n != 16 || memcmp(b, "0123456789abcdef", 16)) ? -4 : 0);
}

static void hugepipe_step(void)
{
    int p[2];
    uint8_t b[16];
    long r = mkpipe(p, 0);
    if (r == 0)
        wr(p[1], "abcdefgh", 8);
    announce(P_C_HUGEPIPE);
    long n = r ? -1 : rd(p[0], b, 0x80000000L);
    close2(p);
    log_label(P_C_HUGEPIPE, n >= 0 && (n != 8 || memcmp(b, "abcdefgh", 8)) ? -4 : 0);
}

static void punch_step(void)
{
    uint8_t b[32];
    memset(b, 0x55, sizeof b);
    long fd = memfd16("xe47o");
    long ok = fd >= 0 && sys6(SYS_fallocate, fd, 3 /* PUNCH_HOLE|KEEP_SIZE */, 0, 8, 0, 0) == 0;
    announce(P_C_PUNCH);
    long n = ok ? sys6(SYS_pread64, fd, (long)b, 32, 0, 0, 0) : -1;
    close_(fd);
    log_label(P_C_PUNCH, n >= 0 && (n != 16 || nonzero(b, 8) || memcmp(b + 8, "89abcdef", 8))
                             ? -4 : 0);
}

/* pread64 64 at 0 of a memfd that should hold 16 bytes then "ABCDEFGH" (`ok`: the write
 * that grew it succeeded): -4 unless so.  The read runs even when the write failed (a
 * kernel may refuse it), and then decides nothing. */
static long grown24(long fd, long ok, int phase)
{
    memset(big, 0x55, 64);
    announce(phase);
    long n = fd >= 0 ? sys6(SYS_pread64, fd, (long)big, 64, 0, 0, 0) : -1;
    return ok && n >= 0 && (n != 24 || memcmp(big, "0123456789abcdefABCDEFGH", 24)) ? -4 : 0;
}

static void chtrunc_step(void)
{
    uint8_t b[32];
    memset(b, 0x55, sizeof b);
    long fd = memfd16("xe47c");
    long pid = fd < 0 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_ftruncate, fd, 4, 0, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    long st = reap(pid);
    announce(P_C_CHTRUNC);
    long n = st != 0 ? -1 : sys6(SYS_pread64, fd, (long)b, 32, 0, 0, 0);
    close_(fd);
    log_label(P_C_CHTRUNC, n >= 0 && (n != 4 || memcmp(b, "0123", 4)) ? -4 : 0);
}

static void reopengrow_step(void)
{
    long fd = memfd16("xe47r"), w = -1;
    if (fd >= 0) {
        fd_path(path, fd);
        w = open_fl(path, O_RDWR);
    }
    long ok = w >= 0 && sys6(SYS_pwrite64, w, (long)"ABCDEFGH", 8, 16, 0, 0) == 8;
    long idx = grown24(fd, ok, P_C_REOPENGROW);
    close_(w);
    close_(fd);
    log_label(P_C_REOPENGROW, idx);
}

static void splicegrow_step(void)
{
    int p[2];
    long off = 16;
    long fd = memfd16("xe47g");
    long r = mkpipe(p, 0);
    long ok = fd >= 0 && r == 0 && wr(p[1], "ABCDEFGH", 8) == 8 &&
              sys6(SYS_splice, p[0], 0, fd, (long)&off, 8, 0) == 8;
    long idx = grown24(fd, ok, P_C_SPLICEGROW);
    close2(p);
    close_(fd);
    log_label(P_C_SPLICEGROW, idx);
}

static void childrd_step(void)
{
    int p[2];
    long r = mkpipe(p, 0);
    long pid = r || wr(p[1], "abcdefgh", 8) != 8 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        log_label(P_C_CHILDRD, read8(p[0], P_C_CHILDRD));
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    reap(pid);
    close2(p);
}

static void sendgrow_step(void)
{
    long off = 0;
    long fd = memfd16("xe47s");
    long src = sys6(SYS_memfd_create, (long)"xe47S", 0, 0, 0, 0, 0);
    long ok = fd >= 0 && src >= 0 && wr(src, "ABCDEFGH", 8) == 8 &&
              sys6(SYS_sendfile, fd, src, (long)&off, 8, 0, 0) == 8;
    long idx = grown24(fd, ok, P_C_SENDGROW);
    close_(src);
    close_(fd);
    log_label(P_C_SENDGROW, idx);
}

static char upper[8] = "ABCDEFGH";
static struct iovec upper_iov[2] = {{upper, 4}, {upper + 4, 4}};

static void wvgrow_step(int phase)
{
    struct iovec *iov = upper_iov;
    long fd = memfd16("xe47w");
    long ok = fd >= 0 && (phase == P_C_WVGROW ? sys6(SYS_writev, fd, (long)iov, 2, 0, 0, 0)
                                              : sys6(SYS_pwritev, fd, (long)iov, 2, 16, 0, 0)) == 8;
    long idx = grown24(fd, ok, phase);
    close_(fd);
    log_label(phase, idx);
}

static void chgrow_step(void)
{
    long fd = memfd16("xe47x");
    long pid = fd < 0 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_pwrite64, fd, (long)"ABCDEFGH", 8, 16, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    long idx = grown24(fd, reap(pid) == 0, P_C_CHGROW);
    close_(fd);
    log_label(P_C_CHGROW, idx);
}

static void keepsize_step(void)
{
    memset(big, 0x55, 64);
    long fd = memfd16("xe47k");
    long ok = fd >= 0 && sys6(SYS_fallocate, fd, 1 /* KEEP_SIZE */, 0, 64, 0, 0) == 0;
    announce(P_C_KEEPSIZE);
    long n = ok ? sys6(SYS_pread64, fd, (long)big, 64, 0, 0, 0) : -1;
    close_(fd);
    log_label(P_C_KEEPSIZE, n >= 0 && (n != 16 || memcmp(big, "0123456789abcdef", 16)) ? -4 : 0);
}

static void apppwrite_step(void)
{
    long fd = memfd16("xe47y");
    long ok = fd >= 0 && sys6(SYS_fcntl, fd, F_SETFL, O_APPEND, 0, 0, 0) == 0 &&
              sys6(SYS_pwrite64, fd, (long)"ABCDEFGH", 8, 0, 0, 0) == 8;
    long idx = grown24(fd, ok, P_C_APPPWRITE);
    close_(fd);
    log_label(P_C_APPPWRITE, idx);
}

static void pktwrite_step(void)
{
    int p[2];
    long r = mkpipe(p, O_DIRECT);
    announce(P_C_PKTWRITE);
    long n = r ? -1 : wr(p[1], "abcdefgh", 8);
    close2(p);
    log_label(P_C_PKTWRITE, n >= 0 && n != 8 ? -4 : 0);
}

static void forkblocked_step(void)
{
    int p[2];
    uint8_t b[16];
    memset(b, 0x55, sizeof b);
    long r = mkpipe(p, 0);
    long pid = r ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        rd(p[0], b, 4);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    for (int i = 0; pid > 0 && i < 16; i++)
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    if (pid > 0)
        wr(p[1], "abcdefgh", 8);
    announce(P_C_FORKBLOCKED);
    long n = pid > 0 ? rd(p[0], b, 16) : -1;
    long idx = 0;
    if (n >= 0 && !(n == 8 && !memcmp(b, "abcdefgh", 8)) && !(n == 4 && !memcmp(b, "efgh", 4)))
        idx = -4;
    if (pid > 0) {
        wr(p[1], "wxyz", 4);
        reap(pid);
    }
    close2(p);
    log_label(P_C_FORKBLOCKED, idx);
}

static void memedge_step(void)
{
    long m = edge_pages();
    long fd = memfd16("xe47e");
    long ok = m >= 0 && fd >= 0 && sys6(SYS_lseek, fd, 0, SEEK_SET, 0, 0, 0) == 0;
    announce(P_C_MEMEDGE);
    long n = ok ? rd(fd, (void *)(m + PAGE - 8), 16) : -1;
    close_(fd);
    if (m >= 0)
        sys6(SYS_munmap, m, PAGE, 0, 0, 0, 0);
    log_label(P_C_MEMEDGE, n > 8 ? -4 : 0);
}

static long fionread(long fd)
{
    int avail = -1;
    return sys6(SYS_ioctl, fd, FIONREAD, (long)&avail, 0, 0, 0) == 0 ? avail : -1;
}

static void fio_step(int phase)
{
    int p[2];
    uint8_t b[8];
    long off = 0, src = -1, pid = -1;
    long r = mkpipe(p, phase == P_C_FIOPKT ? O_DIRECT | O_NONBLOCK : 0);
    long ok = r == 0 && wr(p[1], "abcdefgh", 8) == 8;
    long want_n = 4;
    if (ok && phase == P_C_FIOSPLICE)
        ok = sys6(SYS_splice, p[0], 0, devnull, 0, 4, 0) == 4;
    else if (ok && phase == P_C_FIOPKT) {
        ok = rd(p[0], b, 4) == 4;
        want_n = 0;
    } else if (ok && phase == P_C_FIOFORK) {
        pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            rd(p[0], b, 4);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        ok = reap(pid) == 0;
    } else if (ok) {
        src = sys6(SYS_memfd_create, (long)"xe47F", 0, 0, 0, 0, 0);
        ok = src >= 0 && wr(src, "ijklmnop", 8) == 8 &&
             sys6(SYS_sendfile, p[1], src, (long)&off, 8, 0, 0) == 8;
        want_n = 16;
    }
    announce(phase);
    long n = ok ? fionread(p[0]) : -1;
    close_(src);
    close2(p);
    long idx = n >= 0 && n != want_n ? -4 : 0;
    if (phase == P_C_FIOPKT && n == 4)
        idx = 1;
    log_label(phase, idx);
}

static void mempast_step(void)
{
    uint8_t b[8];
    long fd = memfd16("xe47P");
    announce(P_C_MEMPAST);
    long n = fd >= 0 ? sys6(SYS_pread64, fd, (long)b, 8, 100, 0, 0) : -1;
    close_(fd);
    log_label(P_C_MEMPAST, n > 0 ? -4 : 0);
}

static void pipepv2_step(void)
{
    int p[2];
    uint8_t b[16];
    memset(b, 0x55, sizeof b);
    struct iovec iov[1] = {{b, 16}};
    long r = mkpipe(p, 0);
    long ok = r == 0 && wr(p[1], "abcdefgh", 8) == 8;
    announce(P_C_PIPEPV2);
    long n = ok ? sys6(SYS_preadv2, p[0], (long)iov, 1, -1, -1, 0) : -1;
    close2(p);
    log_label(P_C_PIPEPV2, n >= 0 && (n != 8 || memcmp(b, "abcdefgh", 8)) ? -4 : 0);
}

static void memhipri_step(void)
{
    uint8_t b[32];
    memset(b, 0x55, sizeof b);
    struct iovec iov[1] = {{b, 32}};
    long fd = memfd16("xe47H");
    announce(P_C_MEMHIPRI);
    long n = fd >= 0 ? sys6(SYS_preadv2, fd, (long)iov, 1, 0, 0, 1 /* RWF_HIPRI */) : -1;
    close_(fd);
    log_label(P_C_MEMHIPRI, n >= 0 && (n != 16 || memcmp(b, "0123456789abcdef", 16)) ? -4 : 0);
}

static void zerorange_step(void)
{
    long fd = memfd16("xe47Z");
    long fa = fd < 0 ? -1 : sys6(SYS_fallocate, fd, 0x10 /* ZERO_RANGE */, 0, 64, 0, 0);
    memset(big, 0x55, 64);
    announce(P_Z_ZERORANGE);
    long n = fd >= 0 ? sys6(SYS_pread64, fd, (long)big, 64, 0, 0, 0) : -1;
    close_(fd);
    (void)fa;
    log_label(P_Z_ZERORANGE, n >= 0 && n != 16 ? -4 : 0);
}

static volatile long tgot16;
static uint8_t tbuf16[16];

static void blocked_reader16(long fd)
{
    started = 1;
    tgot16 = rd(fd, tbuf16, 16);
}

static void fdreuse_step(void)
{
    int a[2], b[2] = {-1, -1};
    uint8_t buf2[16];
    memset(buf2, 0x55, sizeof buf2);
    memset(tbuf16, 0x55, sizeof tbuf16);
    started = 0;
    tgot16 = -100;
    tid_word[1] = 0;
    long r = mkpipe(a, 0);
    long tid = r ? -1 : spawn(FLAGS_THREAD, stacks[1] + STACK_SIZE, &tid_word[1], &tid_word[1],
                              blocked_reader16, a[0]);
    long ok = tid > 0;
    if (ok) {
        while (!started)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        for (int i = 0; i < 8; i++)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        close_(a[0]);
        ok = mkpipe(b, O_NONBLOCK) == 0 && b[0] == a[0] && wr(b[1], "abcdefgh", 8) == 8;
        wr(a[1], "1234", 4);
        join(&tid_word[1]);
    }
    announce(P_C_FDREUSE);
    long n = ok ? rd(b[0], buf2, 16) : -1;
    long idx = 0;
    if (ok) {
        long tg = tgot16;
        if (!(tg == 4 && !memcmp(tbuf16, "1234", 4)) && !(tg == 8 && !memcmp(tbuf16, "abcdefgh", 8)))
            idx = -4;
        if (tg == 4 && !(n == 8 && !memcmp(buf2, "abcdefgh", 8)))
            idx = -4;
        if (tg == 8 && n != -11)
            idx = -4;
        if (tg == 8 && idx == 0)
            idx = 1;           /* the kernel model's answer: not Linux's */
    }
    close_(a[1]);
    close2(b);
    log_label(P_C_FDREUSE, idx);
}

static void seals_step(void)
{
    uint8_t b[32];
    memset(b, 0x55, sizeof b);
    long fd = sys6(SYS_memfd_create, (long)"xe47L", MFD_ALLOW_SEALING, 0, 0, 0, 0);
    long ok = fd >= 0 && wr(fd, "0123456789abcdef", 16) == 16 &&
              sys6(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_SHRINK, 0, 0, 0) == 0;
    if (ok) {
        sys6(SYS_ftruncate, fd, 8, 0, 0, 0, 0);
        sys6(SYS_ftruncate, fd, -1, 0, 0, 0, 0);
    }
    announce(P_C_SEALS);
    long n = ok ? sys6(SYS_pread64, fd, (long)b, 32, 0, 0, 0) : -1;
    close_(fd);
    log_label(P_C_SEALS, n >= 0 && (n != 16 || memcmp(b, "0123456789abcdef", 16)) ? -4 : 0);
}

static void fsize_step(void)
{
    uint64_t old[2], lim[2];
    long fd = memfd16("xe47M");
    long ok = fd >= 0 && sys6(SYS_prlimit64, 0, RLIMIT_FSIZE, 0, (long)old, 0, 0) == 0;
    lim[0] = 20;            /* the soft limit only: the hard one stays, so it can go back */
    lim[1] = ok ? old[1] : 0;
    ok = ok && sys6(SYS_prlimit64, 0, RLIMIT_FSIZE, (long)lim, 0, 0, 0) == 0;
    memset(big, 0x55, 64);
    announce(P_C_FSIZE);
    long w = ok ? wr(fd, "ABCDEFGH", 8) : -1;
    if (ok)
        sys6(SYS_prlimit64, 0, RLIMIT_FSIZE, (long)old, 0, 0, 0);
    long n = ok ? sys6(SYS_pread64, fd, (long)big, 64, 0, 0, 0) : -1;
    close_(fd);
    long idx = 0;
    if (ok && w == 4 && !(n == 20 && !memcmp(big, "0123456789abcdefABCD", 20)))
        idx = -4;
    else if (ok && w == 8)
        idx = n == 24 && !memcmp(big, "0123456789abcdefABCDEFGH", 24) ? 1 : -4;
    log_label(P_C_FSIZE, idx);
}

static void sigread_step(void)
{
    int p[2];
    struct kernel_sigaction act = {(uint64_t)on_alarm, 0, 0, 0}, dfl = {0, 0, 0, 0};
    struct itimerval it = {{0, 0}, {0, 20000}}, off = {{0, 0}, {0, 0}};
    long r = mkpipe(p, 0);
    long ok = r == 0 && sys6(SYS_rt_sigaction, SIGALRM, (long)&act, 0, 8, 0, 0) == 0 &&
              sys6(SYS_setitimer, ITIMER_REAL, (long)&it, 0, 0, 0, 0) == 0;
    long w = ok ? wr(p[1], huge, sizeof huge) : -1;
    sys6(SYS_setitimer, ITIMER_REAL, (long)&off, 0, 0, 0, 0);
    sys6(SYS_rt_sigaction, SIGALRM, (long)&dfl, 0, 8, 0, 0);
    announce(P_C_SIGREAD);
    long n = w > 0 ? rd(p[0], huge, sizeof huge) : -1;
    close2(p);
    log_label(P_C_SIGREAD, n >= 0 && n != w ? -4 : 0);
}

/* A read of 32 through `fd` that should give the 6 bytes "abcdef": -4 unless so. */
static long read6(long fd, long ok, int phase)
{
    uint8_t b[32];
    memset(b, 0x55, sizeof b);
    announce(phase);
    long n = ok ? rd(fd, b, 32) : -1;
    return n >= 0 && (n != 6 || memcmp(b, "abcdef", 6)) ? -4 : 0;
}

static void seekdata_step(void)
{
    uint8_t b[32];
    long fd = memfd16("xe47O");
    long ok = fd >= 0 && sys6(SYS_lseek, fd, 4, SEEK_DATA, 0, 0, 0) == 4;
    announce(P_C_SEEKDATA);
    long n = ok ? rd(fd, b, 32) : -1;
    close_(fd);
    log_label(P_C_SEEKDATA, n >= 0 && (n != 12 || memcmp(b, "456789abcdef", 12)) ? -4 : 0);
}

static void dupseek_step(void)
{
    long fd = memfd16("xe47D");
    long d = fd < 0 ? -1 : sys6(SYS_dup, fd, 0, 0, 0, 0, 0);
    long ok = d >= 0 && sys6(SYS_lseek, d, 10, SEEK_SET, 0, 0, 0) == 10;
    long idx = read6(fd, ok, P_C_DUPSEEK);
    close_(d);
    close_(fd);
    log_label(P_C_DUPSEEK, idx);
}

static void forkseek_step(void)
{
    long fd = memfd16("xe47Q");
    long pid = fd < 0 ? -1 : sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_lseek, fd, 10, SEEK_SET, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    long idx = read6(fd, reap(pid) == 0, P_C_FORKSEEK);
    close_(fd);
    log_label(P_C_FORKSEEK, idx);
}

static void reopenseek_step(void)
{
    uint8_t b[32], c[32];
    long fd = memfd16("xe47R"), w = -1;
    if (fd >= 0) {
        fd_path(path, fd);
        w = open_fl(path, O_RDWR);
    }
    memset(c, 0x55, sizeof c);
    long ok = w >= 0 && sys6(SYS_lseek, w, 10, SEEK_SET, 0, 0, 0) == 10;
    announce(P_C_REOPENSEEK);
    long n0 = ok ? rd(fd, b, 32) : -1;
    long n1 = ok ? rd(w, c, 32) : -1;
    long idx = n0 > 0 || (n1 >= 0 && (n1 != 6 || memcmp(c, "abcdef", 6))) ? -4 : 0;
    close_(w);
    close_(fd);
    log_label(P_C_REOPENSEEK, idx);
}

static void seek_step(int phase)
{
    long fd = sys6(SYS_memfd_create, (long)"xe47s", 0, 0, 0, 0, 0);
    long ok = fd >= 0, whence = SEEK_DATA, from = 0, want = 0;
    if (phase == P_C_SEEKPUNCH || phase == P_C_SEEKHOLE2) {
        memset(big, 'q', 8192);
        ok = ok && wr(fd, big, 8192) == 8192 &&
             sys6(SYS_fallocate, fd, 3 /* PUNCH_HOLE|KEEP_SIZE */, 0, PAGE, 0, 0) == 0;
        want = PAGE;
        if (phase == P_C_SEEKHOLE2) {
            whence = SEEK_HOLE;
            from = PAGE;
            want = 2 * PAGE;
        }
    } else {
        ok = ok && wr(fd, "0123456789abcdef", 16) == 16;
        if (phase == P_C_SEEKHOLE0) {
            whence = SEEK_HOLE;
            want = 16;
        }
    }
    announce(phase);
    long off = ok ? sys6(SYS_lseek, fd, from, whence, 0, 0, 0) : -1;
    close_(fd);
    log_label(phase, off >= 0 && off != want ? -4 : 0);
}

/* A MAP_SHARED mapping of a one-page memfd, two pages long: the second page lies past
 * the file's end (a touch raises SIGBUS; a copy faults).  Its address or -1; *mfd the
 * memfd. */
static long sigbus_pages(long *mfd)
{
    long fd = sys6(SYS_memfd_create, (long)"xe47b", 0, 0, 0, 0, 0);
    long m = fd < 0 || sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0)
                 ? -1
                 : sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    *mfd = fd;
    return valid(m) ? m : -1;
}

static void memsigbus_step(void)
{
    long mfd = -1;
    long m = sigbus_pages(&mfd);
    long fd = memfd16("xe47Y");
    long ok = m >= 0 && fd >= 0 && sys6(SYS_lseek, fd, 0, SEEK_SET, 0, 0, 0) == 0;
    announce(P_C_MEMSIGBUS);
    long n = ok ? rd(fd, (void *)(m + PAGE - 8), 16) : -1;
    close_(fd);
    if (m >= 0)
        sys6(SYS_munmap, m, 2 * PAGE, 0, 0, 0, 0);
    close_(mfd);
    log_label(P_C_MEMSIGBUS, n > 8 ? -4 : 0);
}

static void pipesigbus_step(void)
{
    int p[2];
    long mfd = -1;
    long m = sigbus_pages(&mfd);
    long r = mkpipe(p, 0);
    long ok = m >= 0 && r == 0;
    if (ok) {
        memset(big, 'p', 4096);
        ok = wr(p[1], big, 4096) == 4096 && wr(p[1], "abcdefgh", 8) == 8;
        memset((void *)m, 0x55, PAGE);
    }
    announce(P_C_PIPESIGBUS);
    long n = ok ? rd(p[0], (void *)m, 8192) : -1;
    long idx = n >= 0 && (n != 4096 || memcmp((void *)m, big, 4096)) ? -4 : 0;
    close2(p);
    if (m >= 0)
        sys6(SYS_munmap, m, 2 * PAGE, 0, 0, 0, 0);
    close_(mfd);
    log_label(P_C_PIPESIGBUS, idx);
}

static volatile long unmap_at;
static volatile int wfd;

static void unmapper(long arg)
{
    (void)arg;
    started = 1;
    while (!stop)
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    for (int i = 0; i < 8; i++)
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    sys6(SYS_munmap, unmap_at + PAGE, PAGE, 0, 0, 0, 0);
    memset(big, 'p', 4096);
    memcpy(big + 4096, "abcdefgh", 8);
    wr(wfd, big, 4104);         /* two pipe buffers: a page of 'p', then 8 bytes */
}

static void munmap_step(void)
{
    int p[2];
    long m = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    long r = mkpipe(p, 0);
    stop = started = 0;
    tid_word[0] = 0;
    unmap_at = m;
    wfd = p[1];
    long tid = r || !valid(m) ? -1 : spawn(FLAGS_THREAD, stacks[0] + STACK_SIZE, &tid_word[0],
                                           &tid_word[0], unmapper, 0);
    while (tid > 0 && !started)
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    stop = 1;
    announce(P_C_MUNMAP);
    long n = tid > 0 ? rd(p[0], (void *)m, 8192) : -1;
    if (tid > 0)
        join(&tid_word[0]);
    memset(big, 'p', 4096);
    long idx = n >= 0 && (n != 4096 || memcmp((void *)m, big, 4096)) ? -4 : 0;
    close2(p);
    if (valid(m))
        sys6(SYS_munmap, m, 2 * PAGE, 0, 0, 0, 0);
    log_label(P_C_MUNMAP, idx);
}

static void movepos_step(int phase)
{
    int p[2];
    long fd = memfd16("xe47m");
    long r = mkpipe(p, 0);
    long ok = fd >= 0 && r == 0 && sys6(SYS_lseek, fd, 0, SEEK_SET, 0, 0, 0) == 0 &&
              (phase == P_C_SPLICEPOS ? sys6(SYS_splice, fd, 0, p[1], 0, 10, 0)
                                      : sys6(SYS_sendfile, p[1], fd, 0, 10, 0, 0)) == 10;
    long idx = read6(fd, ok, phase);
    close2(p);
    close_(fd);
    log_label(phase, idx);
}

/* -c alone runs every step but K, R, V, Y, 1 and Z (the kernel model answers those
 * otherwise than Linux: they run only when named). */
static int want(const char *claims, char c)
{
    if (strchr("KRVY1Z", c))
        return claims && strchr(claims, c);
    return claims && (!*claims || strchr(claims, c));
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *claims = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        if (argv[i][0] == '-' && argv[i][1] == 'c')
            claims = argv[i] + 2;
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
    memset(big, 'q', sizeof big);
    readv_step();
    pwv2_step();
    bufw_step(P_BUFW, 4096);
    bufw_step(P_BUFW1, 4097);
    dup_step(P_DUP);
    dup_step(P_FDUP);
    dup_step(P_PROCRD);
    clfiles_step();
    twobuf_step();
    fionread_step();
    pfault_step();
    wfault_step();
    memtrunc_step();
    memfalloc_step();
    memapp_step();
    memseek_step();
    mempreadv_step();
    mempv2_step();
    memreadv_step();
    thread_step();
    pkt_step(P_PKTREOPEN);
    pkt_step(P_PKTREAD);
    pkt_step(P_PKTCLEAR);
    pkt_step(P_PKTONE);
    if (want(claims, 'a'))
        zero_step();
    if (want(claims, 'b'))
        pkt_step(P_C_PKT);
    if (want(claims, 'c'))
        pkt_step(P_C_PKTSETFL);
    if (want(claims, 'e'))
        pktcut_step();
    if (want(claims, 'f'))
        sigw_step();
    if (want(claims, 'g'))
        forkrd_step();
    if (want(claims, 'h'))
        fault2_step(P_C_FAULT2);
    if (want(claims, 'i'))
        fault2_step(P_C_FAULTRO);
    if (want(claims, 'j'))
        splice_step();
    if (want(claims, 'k'))
        sendfile_step();
    if (want(claims, 'l'))
        thrace_step();
    if (want(claims, 'm'))
        hugemem_step();
    if (want(claims, 'n'))
        hugepipe_step();
    if (want(claims, 'o'))
        punch_step();
    if (want(claims, 'p'))
        chtrunc_step();
    if (want(claims, 'q'))
        reopengrow_step();
    if (want(claims, 'r'))
        splicegrow_step();
    if (want(claims, 's'))
        childrd_step();
    if (want(claims, 't'))
        sendgrow_step();
    if (want(claims, 'u'))
        wvgrow_step(P_C_WVGROW);
    if (want(claims, 'v'))
        wvgrow_step(P_C_PWVGROW);
    if (want(claims, 'w'))
        chgrow_step();
    if (want(claims, 'x'))
        keepsize_step();
    if (want(claims, 'y'))
        apppwrite_step();
    if (want(claims, 'z'))
        pktwrite_step();
    if (want(claims, 'A'))
        forkblocked_step();
    if (want(claims, 'B'))
        memedge_step();
    if (want(claims, 'D'))
        fio_step(P_C_FIOSPLICE);
    if (want(claims, 'E'))
        fio_step(P_C_FIOPKT);
    if (want(claims, 'F'))
        fio_step(P_C_FIOFORK);
    if (want(claims, 'G'))
        fio_step(P_C_FIOSEND);
    if (want(claims, 'H'))
        mempast_step();
    if (want(claims, 'I'))
        pipepv2_step();
    if (want(claims, 'J'))
        memhipri_step();
    if (want(claims, 'K'))
        fdreuse_step();
    if (want(claims, 'L'))
        seals_step();
    if (want(claims, 'M'))
        fsize_step();
    if (want(claims, 'N'))
        sigread_step();
    if (want(claims, 'O'))
        seekdata_step();
    if (want(claims, 'P'))
        dupseek_step();
    if (want(claims, 'Q'))
        forkseek_step();
    if (want(claims, 'R'))
        reopenseek_step();
    if (want(claims, 'S'))
        seek_step(P_C_SEEKDATA0);
    if (want(claims, 'T'))
        seek_step(P_C_SEEKHOLE0);
    if (want(claims, 'V'))
        seek_step(P_C_SEEKPUNCH);
    if (want(claims, 'W'))
        seek_step(P_C_SEEKHOLE2);
    if (want(claims, 'Y'))
        memsigbus_step();
    if (want(claims, '1'))
        pipesigbus_step();
    if (want(claims, 'C'))
        munmap_step();
    if (want(claims, '3'))
        movepos_step(P_C_SPLICEPOS);
    if (want(claims, '4'))
        movepos_step(P_C_SENDPOS);
    if (want(claims, 'Z'))
        zerorange_step();

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
