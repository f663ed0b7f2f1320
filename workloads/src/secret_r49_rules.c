/* secret_r49_rules: the attack target of red-team round forty-nine (round 48's rules, both
 * ways: pipe write atomicity and read counts, memfd fallocate modes, seals and shared
 * stores, SO_PASSCRED stream receives, sigaltstack, signal order).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.
 *
 *  P_NBSMALL   a non-blocking pipe holding 15 pages and 4000 bytes (16 buffers, 96 bytes
 *              of room): a write of 100 (<= PIPE_BUF) is -EAGAIN (0), else -4.
 *  P_NBPAGE    a non-blocking pipe holding 14 pages: a write of 3 pages + 10 copies two
 *              whole pages and stops: 8192 (0), else -4.
 *  P_SETSZ     a fresh non-blocking pipe F_SETPIPE_SZ'd to one page: a write of 5000 is
 *              4096 (0), else -4.
 *  P_WVATOM    a non-blocking pipe holding 15 pages and 100 bytes: writev of 64 iovecs of
 *              64 bytes (exactly PIPE_BUF) is -EAGAIN (0), else -4.
 *  P_VMSPLICE  (marker before the vmsplice) 3000 bytes vmsplice()d into an empty pipe,
 *              then read(4096): 3000 and the
 *              bytes (0); vmsplice refused (2); else -4.
 *  P_TEE       (marker before the tee) 3000 bytes in pipe A, tee(A, B): read(B, 4096)
 *              gives 3000 and the bytes
 *              (0); tee refused (2); else -4.
 *  P_TEEA      then read(A, 4096): tee consumed nothing, 3000 and the bytes (0), else -4.
 *  P_EOF       100 bytes in a pipe whose writer is closed: read(4096) 100 then 0 (0),
 *              else -4.
 *  P_MAPSH     a memfd page mapped MAP_SHARED, a store, pread(64): 64 bytes, the stored
 *              ones (0), else -4.
 *  P_PUNCH     fallocate(FALLOC_FL_PUNCH_HOLE) without KEEP_SIZE on a memfd: -EOPNOTSUPP
 *              and the bytes still there (0), else -4.
 *  P_COLLAPSE  fallocate(FALLOC_FL_COLLAPSE_RANGE) on a memfd: -EOPNOTSUPP (0), else -4.
 *  P_SEALFW    a memfd sealed F_SEAL_FUTURE_WRITE: pwrite64 of 100 is -EPERM and pread
 *              sees the old bytes (0), else -4.
 *  P_SEALGROW  a one-page memfd sealed F_SEAL_GROW: pwrite64 of 100 at 4050 writes the
 *              46 bytes inside the page (0) or none, -EPERM (1); else -4.
 *  P_PASSCRED  a SOCK_STREAM socketpair with SO_PASSCRED: the program writes 100, a fork
 *              child writes 100; recvmsg(4096) answers 100 with the program's pid (0),
 *              the 100 bytes without SCM_CREDENTIALS (1), an error (2), else -4.
 *  P_PASSCRED2 the second recvmsg: 100 with the child's pid (0), 1 and 2 as above, else
 *              -4.
 *  P_ALTSMALL  sigaltstack() with ss_size 1024 (< MINSIGSTKSZ, 5120): -ENOMEM (0), else -4.
 *  P_ALTDIS    inside an SA_ONSTACK handler on the alternate stack, sigaltstack(SS_DISABLE):
 *              -EPERM (0), else -4.
 *  P_ORDER     SIGUSR2 then SIGUSR1 sent while both blocked (each handler blocks both):
 *              SIGUSR1 runs first (0), else -4.
 *  P_RTFIFO    SIGRTMIN+8 queued twice (values 1, 2) while blocked: delivered 1 then 2
 *              (0), else -4.
 *  P_FWMAP (-f: the kernel model loses the store) a sealable memfd page mapped
 *              MAP_SHARED read-write, then sealed
 *              F_SEAL_FUTURE_WRITE: a store through the mapping made before the seal
 *              lands, pread(64) sees it (0), else -4.
 *  P_ALTONFLAG (-o: the kernel model answers EINVAL) sigaltstack() set with ss_flags
 *              SS_ONSTACK (taken as 0), then read back
 *              off the stack: ss_flags 0, the stack and size set (0), else -4.
 *  P_ALTDISSZ  sigaltstack({sp, SS_DISABLE, 8192}), then read back: {0, SS_DISABLE, 0}
 *              (0), else -4.
 *  P_ZREAD     a pipe holding 100 bytes: read(fd, buf, 0) answers 0 (0), else -4.
 *  P_PCREAD    as P_PASSCRED, but the program takes the bytes with read(4096): 100, its
 *              own (0), else -4.
 *  P_PCLATE (-l: the kernel model splits the bytes) as P_PCREAD, SO_PASSCRED set
 *              only after both writes: no credentials
 *              went with either write, so the read joins them: 200 (0), else -4.
 *  P_PIDFD (-i: the kernel model refuses SO_PASSPIDFD) as P_PCREAD with SO_PASSPIDFD
 *              instead of SO_PASSCRED: 100 (0); setsockopt refused (2); else -4.
 *  P_PCSEND    as P_PCREAD, SO_PASSCRED set on the writing end, not the reading one:
 *              the reader does not check credentials, read joins them: 200 (0), else -4.
 *  P_PCUNSET   as P_PCREAD, SO_PASSCRED cleared again on the reading end before the
 *              read: 200 (0), else -4.
 *  P_SEALREOPEN a sealable memfd of 100 bytes sealed F_SEAL_WRITE through a
 *              /proc/self/fd reopen: pwrite64 through the first descriptor is -EPERM and
 *              pread sees the old bytes (0), else -4.
 *  P_SYNCFIRST (-s: qemu-user delivers lowest first) SIGUSR1 then SIGSEGV sent by kill()
 *              while both blocked (each handler blocks both): SIGSEGV, a synchronous
 *              signal, runs first (0), else -4.
 *  P_QKERN (-k: the kernel model refuses codes >= 0 and SI_TKILL even to the caller)
 *              rt_sigqueueinfo(self, SIGALRM, {si_code SI_KERNEL}) (no timer armed): the
 *              handler sees SIGALRM with SI_KERNEL (0), else -4.
 *  P_QTKILL (-k) rt_sigqueueinfo(self, SIGUSR1, {si_code SI_TKILL, its pid}): the handler
 *              sees SI_TKILL and its pid (0), else -4.
 *  P_QSEGV (-q: qemu-user takes a queued SIGSEGV for a fault of its own; the kernel
 *              model refuses it as -k)
 *              rt_sigqueueinfo(self, SIGSEGV, {SEGV_MAPERR, si_addr 0x4900}): the handler
 *              sees exactly that (0), else -4.
 *  P_UFFD (-u: no userfaultfd in the kernel model) a read-write anonymous page
 *              registered (MODE_MISSING) with a userfaultfd made UFFD_USER_MODE_ONLY
 *              with UFFD_FEATURE_SIGBUS; a store under a probe: SIGBUS BUS_ADRERR naming
 *              it (0); userfaultfd or its ioctls refused (2); else -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r49.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <sys/uio.h>
#include <signal.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its checked call (x2 the log buffer, x3 as noted), P_x + 1 after
 * its write (x2 the index). */
#define P_NBSMALL 4900
#define P_NBPAGE 4902
#define P_SETSZ 4904
#define P_WVATOM 4906
#define P_VMSPLICE 4908    /* x3 the read's buffer */
#define P_TEE 4910         /* x3 the read's buffer */
#define P_TEEA 4912        /* x3 the read's buffer */
#define P_EOF 4914
#define P_MAPSH 4916       /* x3 the pread's buffer */
#define P_PUNCH 4918
#define P_COLLAPSE 4920
#define P_SEALFW 4922
#define P_SEALGROW 4924
#define P_PASSCRED 4926    /* x3 the msghdr */
#define P_PASSCRED2 4928   /* x3 the msghdr */
#define P_ALTSMALL 4930
#define P_ALTDIS 4932
#define P_ORDER 4934
#define P_RTFIFO 4936
#define P_FWMAP 4938       /* x3 the pread's buffer */
#define P_ALTONFLAG 4940   /* x3 the old state */
#define P_ALTDISSZ 4942    /* x3 the old state */
#define P_ZREAD 4944
#define P_PCREAD 4946
#define P_PCLATE 4948
#define P_PIDFD 4950
#define P_UFFD 4952        /* x3 the address stored to */
#define P_PCSEND 4954
#define P_PCUNSET 4956
#define P_SEALREOPEN 4958
#define P_SYNCFIRST 4960
#define P_QKERN 4962
#define P_QTKILL 4964
#define P_QSEGV 4966

#include "secret_common.h"

#define SA_SIGINFO_F 0x4
#define SA_ONSTACK_F 0x08000000
#define SS_ONSTACK_F 1
#define SS_DISABLE_F 2
#define ALT_SIZE 16384
#define SI_QUEUE_C (-1)
#define SI_TKILL_C (-6)
#define SI_KERNEL_C 0x80
#define F_SETPIPE_SZ_C 1031
#define F_ADD_SEALS_C 1033
#define F_SEAL_GROW_C 0x0004
#define F_SEAL_WRITE_C 0x0008
#define F_SEAL_FUTURE_WRITE_C 0x0010
#define MFD_ALLOW_SEALING_F 2
#define PUNCH_HOLE_F 0x02
#define COLLAPSE_RANGE_F 0x08
#define SIGRT8 40

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static long my_pid;
static int fwmap_steps, onflag_steps, pidfd_steps, uffd_steps, late_steps, sync_steps, qsegv_steps,
    kcode_steps;
static uint8_t altstk[ALT_SIZE] __attribute__((aligned(16)));

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};
struct kernel_stack {
    uint64_t sp;
    int32_t flags, pad;
    uint64_t size;
};

static void clear_registers(void)
{
    __asm__ volatile("movi v0.16b, #0\n movi v1.16b, #0\n movi v2.16b, #0\n movi v3.16b, #0\n"
                     "movi v4.16b, #0\n movi v5.16b, #0\n movi v6.16b, #0\n movi v7.16b, #0\n"
                     "movi v16.16b, #0\n movi v17.16b, #0\n movi v18.16b, #0\n"
                     "movi v19.16b, #0\n movi v20.16b, #0\n movi v21.16b, #0\n"
                     "movi v22.16b, #0\n movi v23.16b, #0\n"
                     "mov x9, xzr\n mov x10, xzr\n mov x11, xzr\n mov x12, xzr\n"
                     "mov x13, xzr\n mov x14, xzr\n mov x15, xzr\n mov x16, xzr\n"
                     "mov x17, xzr\n"
                     ::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v16", "v17",
                         "v18", "v19", "v20", "v21", "v22", "v23", "x9", "x10",
                         "x11", "x12", "x13", "x14", "x15", "x16", "x17");
}

static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
#ifdef R49_DEBUG
    char m[16] = "step 0000: +0\n";
    m[5] += phase / 1000 % 10;
    m[6] += phase / 100 % 10;
    m[7] += phase / 10 % 10;
    m[8] += phase % 10;
    if (index < 0) { m[11] = '-'; m[12] += -index; } else m[12] += index;
    sys6(SYS_write, 2, (long)m, 14, 0, 0, 0);
#endif
}

static uint64_t bit(int signo)
{
    return 1UL << (signo - 1);
}

static void set_action(int signo, void *handler, uint64_t flags, uint64_t mask)
{
    struct kernel_sigaction act = {(uint64_t)handler, flags, 0, mask};
    sys6(SYS_rt_sigaction, signo, (long)&act, 0, 8, 0, 0);
}

static void mask(int how, uint64_t set)
{
    sys6(SYS_rt_sigprocmask, how, (long)&set, 0, 8, 0, 0);
}

static int mapped_ok(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}


static long sc(long nr, long a0, long a1, long a2, long a3)
{
    return sys6(nr, a0, a1, a2, a3, 0, 0);
}
static void close2(int *fds)
{
    sc(SYS_close, fds[0], 0, 0, 0);
    sc(SYS_close, fds[1], 0, 0, 0);
}

/* --- pipe write atomicity ------------------------------------------------------------ */
static uint8_t pipebuf[16 * PAGE] __attribute__((aligned(4096)));
static uint8_t rbuf[2 * PAGE] __attribute__((aligned(4096)));

static int nb_pipe(int *fds, long pages, long extra)
{
    if (sc(SYS_pipe2, (long)fds, O_NONBLOCK, 0, 0) != 0)
        return 0;
    if (pages && sc(SYS_write, fds[1], (long)pipebuf, pages * PAGE, 0) != pages * PAGE) {
        close2(fds);
        return 0;
    }
    if (extra && sc(SYS_write, fds[1], (long)pipebuf, extra, 0) != extra) {
        close2(fds);
        return 0;
    }
    return 1;
}

static struct iovec wv[64];

static void pipe_write_steps(void)
{
    int fds[2];
    memset(pipebuf, 'p', sizeof pipebuf);
    if (nb_pipe(fds, 15, 4000)) {
        marker(P_NBSMALL, (long)logbuf, 0, 0, 0);
        long n = sc(SYS_write, fds[1], (long)pipebuf, 100, 0);
        log_label(P_NBSMALL, n == -EAGAIN ? 0 : -4);
        close2(fds);
    }
    if (nb_pipe(fds, 14, 0)) {
        marker(P_NBPAGE, (long)logbuf, 0, 0, 0);
        long n = sc(SYS_write, fds[1], (long)pipebuf, 3 * PAGE + 10, 0);
        log_label(P_NBPAGE, n == 2 * PAGE ? 0 : -4);
        close2(fds);
    }
    if (nb_pipe(fds, 0, 0)) {
        if (sc(SYS_fcntl, fds[1], F_SETPIPE_SZ_C, PAGE, 0) == PAGE) {
            marker(P_SETSZ, (long)logbuf, 0, 0, 0);
            long n = sc(SYS_write, fds[1], (long)pipebuf, 5000, 0);
            log_label(P_SETSZ, n == PAGE ? 0 : -4);
        }
        close2(fds);
    }
    if (nb_pipe(fds, 15, 100)) {
        for (int i = 0; i < 64; i++) {
            wv[i].iov_base = pipebuf + 64 * i;
            wv[i].iov_len = 64;
        }
        marker(P_WVATOM, (long)logbuf, 0, 0, 0);
        long n = sc(SYS_writev, fds[1], (long)wv, 64, 0);
        log_label(P_WVATOM, n == -EAGAIN ? 0 : -4);
        close2(fds);
    }
}

/* --- pipe read counts -------------------------------------------------------------------- */
static uint8_t vsrc[PAGE] __attribute__((aligned(4096)));

static int got_bytes(long n, long want, uint8_t c)
{
    if (n != want)
        return 0;
    for (long i = 0; i < want; i++)
        if (rbuf[i] != c)
            return 0;
    return 1;
}

static void pipe_read_steps(void)
{
    int fds[2], fb[2];
    memset(vsrc, 'v', sizeof vsrc);
    if (sc(SYS_pipe2, (long)fds, 0, 0, 0) == 0) {
        struct iovec iov = {vsrc, 3000};
        memset(rbuf, 0, sizeof rbuf);
        marker(P_VMSPLICE, (long)logbuf, (long)rbuf, 0, 0);
        long v = sc(SYS_vmsplice, fds[1], (long)&iov, 1, 0);
        if (v == 3000) {
            long n = sc(SYS_read, fds[0], (long)rbuf, PAGE, 0);
            log_label(P_VMSPLICE, got_bytes(n, 3000, 'v') ? 0 : -4);
        } else {
            log_label(P_VMSPLICE, v < 0 ? 2 : -4);
        }
        close2(fds);
    }
    if (sc(SYS_pipe2, (long)fds, 0, 0, 0) == 0) {
        if (sc(SYS_pipe2, (long)fb, 0, 0, 0) == 0) {
            memset(pipebuf, 't', 3000);
            if (sc(SYS_write, fds[1], (long)pipebuf, 3000, 0) == 3000) {
                memset(rbuf, 0, sizeof rbuf);
                marker(P_TEE, (long)logbuf, (long)rbuf, 0, 0);
                long t = sys6(SYS_tee, fds[0], fb[1], PAGE, 0, 0, 0);
                if (t == 3000) {
                    long n = sc(SYS_read, fb[0], (long)rbuf, PAGE, 0);
                    log_label(P_TEE, got_bytes(n, 3000, 't') ? 0 : -4);
                    memset(rbuf, 0, sizeof rbuf);
                    marker(P_TEEA, (long)logbuf, (long)rbuf, 0, 0);
                    n = sc(SYS_read, fds[0], (long)rbuf, PAGE, 0);
                    log_label(P_TEEA, got_bytes(n, 3000, 't') ? 0 : -4);
                } else {
                    log_label(P_TEE, t < 0 ? 2 : -4);
                }
            }
            close2(fb);
        }
        close2(fds);
    }
    if (sc(SYS_pipe2, (long)fds, 0, 0, 0) == 0) {
        memset(pipebuf, 'e', 100);
        if (sc(SYS_write, fds[1], (long)pipebuf, 100, 0) == 100 &&
            sc(SYS_close, fds[1], 0, 0, 0) == 0) {
            memset(rbuf, 0, sizeof rbuf);
            marker(P_EOF, (long)logbuf, (long)rbuf, 0, 0);
            long n = sc(SYS_read, fds[0], (long)rbuf, PAGE, 0);
            long m = sc(SYS_read, fds[0], (long)rbuf + PAGE, PAGE, 0);
            log_label(P_EOF, got_bytes(n, 100, 'e') && m == 0 ? 0 : -4);
        }
        sc(SYS_close, fds[0], 0, 0, 0);
    }
}

/* --- memfds ------------------------------------------------------------------------------ */
/* Static, not on the stack: the kernel may read a path past its NUL, in chunks. */
static char path[32] = "/proc/self/fd/";
static long reopen(long fd)
{
    char digits[12];
    int n = 0;
    do {
        digits[n++] = '0' + fd % 10;
        fd /= 10;
    } while (fd);
    int at = 14;
    while (n)
        path[at++] = digits[--n];
    path[at] = 0;
    return sys6(SYS_openat, AT_FDCWD, (long)path, O_RDWR, 0, 0, 0);
}

static long new_memfd(long flags, long size, uint8_t fill)
{
    long fd = sc(SYS_memfd_create, (long)"r49", flags, 0, 0);
    if (fd < 0)
        return fd;
    if (size) {
        memset(pipebuf, fill, size);
        if (sc(SYS_write, fd, (long)pipebuf, size, 0) != size) {
            sc(SYS_close, fd, 0, 0, 0);
            return -1;
        }
    }
    return fd;
}

static void memfd_steps(void)
{
    long fd = new_memfd(0, 0, 0);
    if (fd >= 0 && sc(SYS_ftruncate, fd, PAGE, 0, 0) == 0) {
        long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (mapped_ok(p)) {
            for (int i = 0; i < 64; i++)
                ((volatile uint8_t *)p)[i] = 'S';
            memset(rbuf, 0, sizeof rbuf);
            marker(P_MAPSH, (long)logbuf, (long)rbuf, 0, 0);
            long n = sys6(SYS_pread64, fd, (long)rbuf, 64, 0, 0, 0);
            log_label(P_MAPSH, got_bytes(n, 64, 'S') ? 0 : -4);
            sc(SYS_munmap, p, PAGE, 0, 0);
        }
    }
    if (fd >= 0)
        sc(SYS_close, fd, 0, 0, 0);
    fd = new_memfd(0, PAGE, 'm');
    if (fd >= 0) {
        marker(P_PUNCH, (long)logbuf, 0, 0, 0);
        long r = sc(SYS_fallocate, fd, PUNCH_HOLE_F, 0, PAGE);
        memset(rbuf, 0, sizeof rbuf);
        long n = sys6(SYS_pread64, fd, (long)rbuf, PAGE, 0, 0, 0);
        log_label(P_PUNCH, r == -EOPNOTSUPP && got_bytes(n, PAGE, 'm') ? 0 : -4);
        sc(SYS_close, fd, 0, 0, 0);
    }
    fd = new_memfd(0, 2 * PAGE, 'm');
    if (fd >= 0) {
        marker(P_COLLAPSE, (long)logbuf, 0, 0, 0);
        long r = sc(SYS_fallocate, fd, COLLAPSE_RANGE_F, 0, PAGE);
        log_label(P_COLLAPSE, r == -EOPNOTSUPP ? 0 : -4);
        sc(SYS_close, fd, 0, 0, 0);
    }
    fd = new_memfd(MFD_ALLOW_SEALING_F, 100, 'o');
    if (fd >= 0) {
        if (sc(SYS_fcntl, fd, F_ADD_SEALS_C, F_SEAL_FUTURE_WRITE_C, 0) == 0) {
            memset(pipebuf, 'n', 100);
            marker(P_SEALFW, (long)logbuf, 0, 0, 0);
            long w = sys6(SYS_pwrite64, fd, (long)pipebuf, 100, 0, 0, 0);
            memset(rbuf, 0, sizeof rbuf);
            long n = sys6(SYS_pread64, fd, (long)rbuf, PAGE, 0, 0, 0);
            log_label(P_SEALFW, w == -EPERM && got_bytes(n, 100, 'o') ? 0 : -4);
        }
        sc(SYS_close, fd, 0, 0, 0);
    }
    fd = new_memfd(MFD_ALLOW_SEALING_F, 0, 0);
    if (fwmap_steps && fd >= 0 && sc(SYS_ftruncate, fd, PAGE, 0, 0) == 0) {
        long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (mapped_ok(p)) {
            if (sc(SYS_fcntl, fd, F_ADD_SEALS_C, F_SEAL_FUTURE_WRITE_C, 0) == 0) {
                for (int i = 0; i < 64; i++)
                    ((volatile uint8_t *)p)[i] = 'F';
                memset(rbuf, 0, sizeof rbuf);
                marker(P_FWMAP, (long)logbuf, (long)rbuf, 0, 0);
                long n = sys6(SYS_pread64, fd, (long)rbuf, 64, 0, 0, 0);
                log_label(P_FWMAP, got_bytes(n, 64, 'F') ? 0 : -4);
            }
            sc(SYS_munmap, p, PAGE, 0, 0);
        }
    }
    if (fd >= 0)
        sc(SYS_close, fd, 0, 0, 0);
    fd = new_memfd(MFD_ALLOW_SEALING_F, 100, 'o');
    if (fd >= 0) {
        long fd2 = reopen(fd);
        if (fd2 >= 0 && sc(SYS_fcntl, fd2, F_ADD_SEALS_C, F_SEAL_WRITE_C, 0) == 0) {
            memset(pipebuf, 'n', 100);
            marker(P_SEALREOPEN, (long)logbuf, 0, 0, 0);
            long w = sys6(SYS_pwrite64, fd, (long)pipebuf, 100, 0, 0, 0);
            memset(rbuf, 0, sizeof rbuf);
            long n = sys6(SYS_pread64, fd, (long)rbuf, PAGE, 0, 0, 0);
            log_label(P_SEALREOPEN, w == -EPERM && got_bytes(n, 100, 'o') ? 0 : -4);
        }
        if (fd2 >= 0)
            sc(SYS_close, fd2, 0, 0, 0);
        sc(SYS_close, fd, 0, 0, 0);
    }
    fd = new_memfd(MFD_ALLOW_SEALING_F, PAGE, 'g');
    if (fd >= 0) {
        if (sc(SYS_fcntl, fd, F_ADD_SEALS_C, F_SEAL_GROW_C, 0) == 0) {
            memset(pipebuf, 'h', 100);
            marker(P_SEALGROW, (long)logbuf, 0, 0, 0);
            long w = sys6(SYS_pwrite64, fd, (long)pipebuf, 100, 4050, 0, 0);
            log_label(P_SEALGROW, w == 46 ? 0 : w == -EPERM ? 1 : -4);
        }
        sc(SYS_close, fd, 0, 0, 0);
    }
}

/* --- SO_PASSCRED stream receives --------------------------------------------------------- */
struct ucred_s {
    int32_t pid;
    uint32_t uid, gid;
};
static uint8_t cbuf[64] __attribute__((aligned(8)));
static struct iovec riov;
static struct {
    void *name;
    uint32_t namelen, pad;
    struct iovec *iov;
    uint64_t iovlen;
    void *control;
    uint64_t controllen;
    int32_t flags, pad2;
} msg;

static long recv_creds(int fd, int phase, int32_t *pid)
{
    memset(rbuf, 0, sizeof rbuf);
    memset(cbuf, 0, sizeof cbuf);
    riov.iov_base = rbuf;
    riov.iov_len = PAGE;
    memset(&msg, 0, sizeof msg);
    msg.iov = &riov;
    msg.iovlen = 1;
    msg.control = cbuf;
    msg.controllen = sizeof cbuf;
    marker(phase, (long)logbuf, (long)&msg, 0, 0);
    long n = sc(SYS_recvmsg, fd, (long)&msg, 0, 0);
    *pid = -1;
    uint64_t len;
    int32_t level, type;
    memcpy(&len, cbuf, 8);
    memcpy(&level, cbuf + 8, 4);
    memcpy(&type, cbuf + 12, 4);
    if (msg.controllen >= 28 && len == 28 && level == 1 && type == 2)
        memcpy(pid, cbuf + 16, 4);
    return n;
}

static void passcred_steps(void)
{
    int sv[2];
    if (sc(SYS_socketpair, 1, 1, 0, (long)sv) != 0)
        return;
    int one = 1;
    if (sys6(SYS_setsockopt, sv[0], 1, 16, (long)&one, 4, 0) == 0) {
        memset(pipebuf, 'P', 100);
        long w = sc(SYS_write, sv[1], (long)pipebuf, 100, 0);
        long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
        if (pid == 0) {
            memset(pipebuf, 'C', 100);
            long cw = sc(SYS_write, sv[1], (long)pipebuf, 100, 0);
            sc(SYS_exit_group, cw == 100 ? 0 : 1, 0, 0, 0);
        }
        int status = -1;
        if (w == 100 && pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid &&
            status == 0) {
            int32_t who;
            long n = recv_creds(sv[0], P_PASSCRED, &who);
            log_label(P_PASSCRED, !got_bytes(n, 100, 'P') ? (n < 0 ? 2 : -4) :
                                  who == my_pid ? 0 : who == -1 ? 1 : -4);
            n = recv_creds(sv[0], P_PASSCRED2, &who);
            log_label(P_PASSCRED2, !got_bytes(n, 100, 'C') ? (n < 0 ? 2 : -4) :
                                   who == pid ? 0 : who == -1 ? 1 : -4);
        }
    }
    close2(sv);
}

static void zread_step(void)
{
    int fds[2];
    if (sc(SYS_pipe2, (long)fds, 0, 0, 0) != 0)
        return;
    memset(pipebuf, 'z', 100);
    if (sc(SYS_write, fds[1], (long)pipebuf, 100, 0) == 100) {
        memset(rbuf, 0, sizeof rbuf);
        marker(P_ZREAD, (long)logbuf, (long)rbuf, 0, 0);
        long n = sc(SYS_read, fds[0], (long)rbuf, 0, 0);
        long m = sc(SYS_read, fds[0], (long)rbuf, PAGE, 0);
        log_label(P_ZREAD, n == 0 && got_bytes(m, 100, 'z') ? 0 : -4);
    }
    close2(fds);
}

/* Two writers on a stream socketpair, the program then its fork child; the program reads
 * with read(), SO_PASSCRED (or `opt`) set before the writes or (late) after them. */
#define CR_BEFORE 0     /* the option on the reading end before the writes */
#define CR_LATE 1       /* on the reading end only after the writes */
#define CR_SENDER 2     /* on the writing end before the writes */
#define CR_UNSET 3      /* on the reading end before the writes, cleared before the read */
static void creds_read_step(int phase, int opt, int how)
{
    int late = how == CR_LATE;
    int sv[2];
    if (sc(SYS_socketpair, 1, 1, 0, (long)sv) != 0)
        return;
    int one = 1;
    int zero = 0;
    if (!late && sys6(SYS_setsockopt, sv[how == CR_SENDER], 1, opt, (long)&one, 4, 0) != 0) {
        marker(phase, (long)logbuf, 0, 0, 0);
        log_label(phase, 2);
        close2(sv);
        return;
    }
    memset(pipebuf, 'P', 100);
    long w = sc(SYS_write, sv[1], (long)pipebuf, 100, 0);
    long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
    if (pid == 0) {
        memset(pipebuf, 'C', 100);
        sc(SYS_exit_group, sc(SYS_write, sv[1], (long)pipebuf, 100, 0) == 100 ? 0 : 1, 0, 0, 0);
    }
    int status = -1;
    if (w == 100 && pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid &&
        status == 0 && (!late || sys6(SYS_setsockopt, sv[0], 1, opt, (long)&one, 4, 0) == 0) &&
        (how != CR_UNSET || sys6(SYS_setsockopt, sv[0], 1, opt, (long)&zero, 4, 0) == 0)) {
        memset(rbuf, 0, sizeof rbuf);
        marker(phase, (long)logbuf, (long)rbuf, 0, 0);
        long n = sc(SYS_read, sv[0], (long)rbuf, PAGE, 0);
        int joined = n == 200 && rbuf[0] == 'P' && rbuf[99] == 'P' && rbuf[100] == 'C' &&
                     rbuf[199] == 'C';
        /* Late: no credentials were recorded with either write (maybe_add_creds() saw no
         * SO_PASSCRED); sender or unset: the reading end does not check them
         * (unix_may_passcred() of the reader): the receive joins them. */
        log_label(phase, how != CR_BEFORE ? (joined ? 0 : -4) : got_bytes(n, 100, 'P') ? 0 : -4);
        sys6(SYS_recvfrom, sv[0], (long)rbuf, PAGE, 0x40 /* MSG_DONTWAIT */, 0, 0);
    }
    close2(sv);
}

/* --- a probe: a SIGSEGV/SIGBUS handler that notes the fault and skips the access ----- */
static volatile long probe_faults, probe_signo, probe_code, probe_addr;

static void on_probe(int signo, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    probe_faults++;
    probe_signo = signo;
    probe_code = si->si_code;
    probe_addr = (long)si->si_addr;
    uc->uc_mcontext.pc += 4;
}

#define UFFDIO_API_C 0xC018AA3FL
#define UFFDIO_REGISTER_C 0xC020AA00L
#define UFFD_FEATURE_SIGBUS_F (1UL << 7)
#define UFFD_USER_MODE_ONLY_F 1
#define BUS_ADRERR_C 2
static uint64_t uffd_api[3], uffd_reg[4];

static void uffd_step(void)
{
    long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!mapped_ok(p))
        return;
    long target = p + 0x300;
    long fd = sc(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY_F, 0, 0, 0);
    uffd_api[0] = 0xAA;
    uffd_api[1] = UFFD_FEATURE_SIGBUS_F;
    uffd_reg[0] = p;
    uffd_reg[1] = PAGE;
    uffd_reg[2] = 1;
    int ok = fd >= 0 && sc(SYS_ioctl, fd, UFFDIO_API_C, (long)uffd_api, 0) == 0 &&
             sc(SYS_ioctl, fd, UFFDIO_REGISTER_C, (long)uffd_reg, 0) == 0;
    if (!ok) {
        marker(P_UFFD, (long)logbuf, 0, 0, 0);
        log_label(P_UFFD, 2);
    } else {
        set_action(SIGSEGV, on_probe, SA_SIGINFO_F, 0);
        set_action(SIGBUS, on_probe, SA_SIGINFO_F, 0);
        marker(P_UFFD, (long)logbuf, target, 0, 0);
        __asm__ volatile("str %0, [%1]" :: "r"(0x48L), "r"(target) : "memory");
        log_label(P_UFFD, probe_faults == 1 && probe_signo == SIGBUS &&
                          probe_code == BUS_ADRERR_C && probe_addr == target ? 0 : -4);
        set_action(SIGSEGV, 0, 0, 0);
        set_action(SIGBUS, 0, 0, 0);
    }
    if (fd >= 0)
        sc(SYS_close, fd, 0, 0, 0);
    sc(SYS_munmap, p, PAGE, 0, 0);
}

/* --- codes the program queues itself ---------------------------------------------------- */
static volatile long qs_n, qs_signo, qs_code, qs_pid, qs_addr;

static void on_qs(int signo, siginfo_t *si, void *ucv)
{
    (void)ucv;
    qs_n++;
    qs_signo = signo;
    qs_code = si->si_code;
    qs_pid = si->si_pid;
    qs_addr = (long)si->si_addr;
}

static uint8_t qsi[128];

static void queue_code_step(int phase, int signo, int code, long word)
{
    memset(qsi, 0, sizeof qsi);
    int32_t head[3] = {signo, 0, code};
    memcpy(qsi, head, sizeof head);
    memcpy(qsi + 16, &word, 8);
    set_action(signo, on_qs, SA_SIGINFO_F, 0);
    qs_n = 0;
    qs_signo = qs_code = qs_pid = qs_addr = -1;
    marker(phase, (long)logbuf, word, 0, 0);
    long r = sc(SYS_rt_sigqueueinfo, my_pid, signo, (long)qsi, 0);
    if (r == 0) {
        int ok = qs_n == 1 && qs_signo == signo && qs_code == code;
        if (code == SI_TKILL_C)
            ok &= qs_pid == my_pid;
        if (signo == SIGSEGV)
            ok &= qs_addr == word;
        log_label(phase, ok ? 0 : -4);
    }
    set_action(signo, 0, 0, 0);
}

/* --- sigaltstack ------------------------------------------------------------------------- */
static volatile long alt_res = 99;

static void on_alt(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    (void)si;
    (void)ucv;
    struct kernel_stack off = {0, SS_DISABLE_F, 0, 0};
    marker(P_ALTDIS, (long)logbuf, 0, 0, 0);
    alt_res = sc(SYS_sigaltstack, (long)&off, 0, 0, 0);
}

static struct kernel_stack old;

static void altstack_steps(void)
{
    struct kernel_stack small = {(uint64_t)altstk, 0, 0, 1024};
    marker(P_ALTSMALL, (long)logbuf, 0, 0, 0);
    long r = sc(SYS_sigaltstack, (long)&small, 0, 0, 0);
    log_label(P_ALTSMALL, r == -ENOMEM ? 0 : -4);
    struct kernel_stack onflag = {(uint64_t)altstk, SS_ONSTACK_F, 0, ALT_SIZE};
    if (onflag_steps) {
        memset(&old, 0x55, sizeof old);
        marker(P_ALTONFLAG, (long)logbuf, (long)&old, 0, 0);
        long s1 = sc(SYS_sigaltstack, (long)&onflag, 0, 0, 0);
        r = sc(SYS_sigaltstack, 0, (long)&old, 0, 0);
        log_label(P_ALTONFLAG, s1 == 0 && r == 0 && old.flags == 0 &&
                               old.sp == (uint64_t)altstk && old.size == ALT_SIZE ? 0 : -4);
    }
    struct kernel_stack dis = {(uint64_t)altstk, SS_DISABLE_F, 0, 8192};
    if (sc(SYS_sigaltstack, (long)&dis, 0, 0, 0) == 0) {
        memset(&old, 0x55, sizeof old);
        marker(P_ALTDISSZ, (long)logbuf, (long)&old, 0, 0);
        r = sc(SYS_sigaltstack, 0, (long)&old, 0, 0);
        log_label(P_ALTDISSZ, r == 0 && old.flags == SS_DISABLE_F && old.sp == 0 &&
                                  old.size == 0 ? 0 : -4);
    }
    struct kernel_stack ss = {(uint64_t)altstk, 0, 0, ALT_SIZE};
    if (sc(SYS_sigaltstack, (long)&ss, 0, 0, 0) != 0)
        return;
    set_action(SIGUSR1, on_alt, SA_SIGINFO_F | SA_ONSTACK_F, 0);
    if (sc(SYS_kill, my_pid, SIGUSR1, 0, 0) == 0 && alt_res != 99)
        log_label(P_ALTDIS, alt_res == -EPERM ? 0 : -4);
    set_action(SIGUSR1, 0, 0, 0);
    struct kernel_stack off = {0, SS_DISABLE_F, 0, 0};
    sc(SYS_sigaltstack, (long)&off, 0, 0, 0);
}

/* --- signal order ------------------------------------------------------------------------ */
static volatile long seen_n, seen[4];

static void on_seen(int signo, siginfo_t *si, void *ucv)
{
    (void)ucv;
    if (seen_n < 4)
        seen[seen_n] = signo == SIGRT8 ? (long)si->si_value.sival_ptr : signo;
    seen_n++;
}

static uint8_t qi[128];

static long queue_self(int signo, long value)
{
    memset(qi, 0, sizeof qi);
    int32_t head[3] = {signo, 0, SI_QUEUE_C};
    memcpy(qi, head, sizeof head);
    uint32_t ids[2] = {(uint32_t)my_pid, 0};
    memcpy(qi + 16, ids, sizeof ids);
    memcpy(qi + 24, &value, 8);
    return sc(SYS_rt_sigqueueinfo, my_pid, signo, (long)qi, 0);
}

static void order_steps(void)
{
    uint64_t both = bit(SIGUSR1) | bit(SIGUSR2);
    set_action(SIGUSR1, on_seen, SA_SIGINFO_F, both);
    set_action(SIGUSR2, on_seen, SA_SIGINFO_F, both);
    mask(SIG_BLOCK, both);
    seen_n = 0;
    long a = sc(SYS_kill, my_pid, SIGUSR2, 0, 0);
    long b = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
    marker(P_ORDER, (long)logbuf, 0, 0, 0);
    mask(SIG_UNBLOCK, both);
    if (a == 0 && b == 0)
        log_label(P_ORDER, seen_n == 2 && seen[0] == SIGUSR1 && seen[1] == SIGUSR2 ? 0 : -4);
    set_action(SIGUSR1, 0, 0, 0);
    set_action(SIGUSR2, 0, 0, 0);

    set_action(SIGRT8, on_seen, SA_SIGINFO_F, bit(SIGRT8));
    mask(SIG_BLOCK, bit(SIGRT8));
    seen_n = 0;
    a = queue_self(SIGRT8, 1);
    b = queue_self(SIGRT8, 2);
    marker(P_RTFIFO, (long)logbuf, 0, 0, 0);
    mask(SIG_UNBLOCK, bit(SIGRT8));
    if (a == 0 && b == 0)
        log_label(P_RTFIFO, seen_n == 2 && seen[0] == 1 && seen[1] == 2 ? 0 : -4);
    set_action(SIGRT8, 0, 0, 0);
    if (!sync_steps)
        return;
    uint64_t two = bit(SIGUSR1) | bit(SIGSEGV);
    set_action(SIGUSR1, on_seen, SA_SIGINFO_F, two);
    set_action(SIGSEGV, on_seen, SA_SIGINFO_F, two);
    mask(SIG_BLOCK, two);
    seen_n = 0;
    a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
    b = sc(SYS_kill, my_pid, SIGSEGV, 0, 0);
    marker(P_SYNCFIRST, (long)logbuf, 0, 0, 0);
    mask(SIG_UNBLOCK, two);
    if (a == 0 && b == 0)
        log_label(P_SYNCFIRST, seen_n == 2 && seen[0] == SIGSEGV && seen[1] == SIGUSR1 ? 0 : -4);
    set_action(SIGUSR1, 0, 0, 0);
    set_action(SIGSEGV, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        fwmap_steps |= strcmp(argv[i], "-f") == 0;
        onflag_steps |= strcmp(argv[i], "-o") == 0;
        pidfd_steps |= strcmp(argv[i], "-i") == 0;
        uffd_steps |= strcmp(argv[i], "-u") == 0;
        late_steps |= strcmp(argv[i], "-l") == 0;
        sync_steps |= strcmp(argv[i], "-s") == 0;
        qsegv_steps |= strcmp(argv[i], "-q") == 0;
        kcode_steps |= strcmp(argv[i], "-k") == 0;
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
    if (!mapped_ok(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    clear_registers();
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    my_pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    pipe_write_steps();
    pipe_read_steps();
    memfd_steps();
    passcred_steps();
    zread_step();
    creds_read_step(P_PCREAD, 16, CR_BEFORE);
    if (late_steps)
        creds_read_step(P_PCLATE, 16, CR_LATE);
    if (pidfd_steps)
        creds_read_step(P_PIDFD, 76, CR_BEFORE);
    creds_read_step(P_PCSEND, 16, CR_SENDER);
    creds_read_step(P_PCUNSET, 16, CR_UNSET);
    if (uffd_steps)
        uffd_step();
    altstack_steps();
    order_steps();
    if (kcode_steps) {
        queue_code_step(P_QKERN, SIGALRM, SI_KERNEL_C, 0);
        queue_code_step(P_QTKILL, SIGUSR1, SI_TKILL_C, my_pid);
    }
    if (qsegv_steps)
        queue_code_step(P_QSEGV, SIGSEGV, 1, 0x4900);

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
