/* secret_r55_rules: the attack target of red-team round fifty-five (the rules added after
 * round 54, both ways: the access mode an open file has, the arguments copy_file_range(),
 * preadv2()/pwritev2() and the positioned calls refuse, the opens of /proc/self/fd/N Linux
 * refuses by their flags, polls with a descriptor ready, and waits for a signal known
 * pending).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.
 *
 *  P_ACC3W     a memfd of 100 'm' reopened through /proc/self/fd with access mode 3
 *              (O_WRONLY|O_RDWR: f_mode = OPEN_FMODE(3) has neither FMODE_READ nor
 *              FMODE_WRITE) (fd2): write(fd2, 10 'q') is -EBADF (vfs_write()), the size
 *              100 (0), else -4.
 *  P_ACC3R    (-r: the kernel model reads through the mode-3 reopen) read(fd2, 10) is
 *              -EBADF (vfs_read()) (0), else -4.
 *  P_ACC3CUT   ftruncate(fd2, 0) is -EINVAL (do_ftruncate(): no FMODE_WRITE), the size
 *              100 (0), else -4.
 *  P_PWV2ATOM  pwritev2(memfd, 10 'q', 0, RWF_ATOMIC) is -EOPNOTSUPP (kiocb_set_rw_flags():
 *              no FMODE_CAN_ATOMIC_WRITE on shmem; an unknown flag before 6.11), the size
 *              100 (0); -ENOSYS (1); -EFAULT (2); else -4.
 *  P_PWV2DC    the same with RWF_DONTCACHE: -EOPNOTSUPP (no FOP_DONTCACHE on shmem) (0).
 *  P_PRV2BAD   preadv2(memfd, 10, 0, 0x40000000) is -EOPNOTSUPP (kiocb_set_rw_flags()) (0);
 *              -ENOSYS (1); else -4.
 *  P_PRV2NEG   preadv2(memfd, 10, offset -2, 0) is -EINVAL (do_preadv(): pos < 0) (0);
 *              -ENOSYS (1); else -4.
 *  P_CFRNEG   (-c: the kernel model copies from a negative position) memfds M1 (100 'm') and M2 (empty): copy_file_range(M1, &-100, M2, NULL, 10,
 *              0) is -EINVAL (rw_verify_area(): a negative position), M2's size 0 (0),
 *              else -4.
 *  P_CFRPIPE   a pipe holding 10 'x': copy_file_range(its read end, NULL, M2, NULL, 10, 0)
 *              is -EINVAL (generic_file_rw_checks(): not S_ISREG), M2's size 0 (0), else
 *              -4.
 *  P_PWNEG     pwrite64(memfd, 10 'q', offset -5) is -EINVAL (ksys_pwrite64()), the size
 *              100 (0), else -4.
 *  P_PRNEG     pread64(memfd, 10, offset -5) is -EINVAL (ksys_pread64()) (0), else -4.
 *  P_O2UNK     openat2(the memfd's /proc/self/fd path, {O_RDWR|O_TRUNC|1<<40}) is -EINVAL
 *              (build_open_flags(): flags & ~VALID_OPEN_FLAGS), the size 100 (0); -ENOSYS
 *              (1); else -4.
 *  P_O2RES     openat2(path, {O_RDWR|O_TRUNC, resolve 0x40}) is -EINVAL (resolve &
 *              ~VALID_RESOLVE_FLAGS) (0); -ENOSYS (1); else -4.
 *  P_O2BENEATH openat2(path, {O_RDWR|O_TRUNC, RESOLVE_BENEATH}) is -EXDEV (path_init(): an
 *              absolute path under LOOKUP_BENEATH) (0); -ENOSYS (1); else -4.
 *  P_O2XDEV    openat2(path, {O_RDWR|O_TRUNC, RESOLVE_NO_XDEV}) is -EXDEV (the walk from
 *              / into /proc crosses a mount) (0); -ENOSYS (1); else -4.
 *  P_O2PATHTR  openat2(path, {O_PATH|O_TRUNC}) is -EINVAL (build_open_flags(): O_PATH with
 *              a flag outside O_PATH_FLAGS) (0); -ENOSYS (1); else -4.
 *  P_OPATHTR   openat(path, O_PATH|O_RDWR|O_TRUNC) opens an O_PATH handle and cuts nothing
 *              (build_open_how(): O_PATH keeps only O_PATH_FLAGS): a descriptor, the size
 *              100 (0); else -4.
 *  P_RDTRUNC   a memfd of 2 pages mapped MAP_SHARED: openat(path, O_RDONLY|O_TRUNC) opens
 *              it and cuts it (do_open(): O_TRUNC -> handle_truncate(); build_open_flags()
 *              asks MAY_WRITE): a descriptor, the size 0 (0), else -4.
 *  P_PPOLL0    a pipe holding 10 'x': ppoll({read end, POLLIN}, 1, {0, 0}, NULL) is 1 with
 *              POLLIN (do_poll(): the first pass counts it) (0), else -4.
 *  P_PSEL0     pselect6(read set {read end}, timeout {0, 0}) is 1, the bit kept (0), else
 *              -4.
 *  P_WAITDFL   SIGUSR1 blocked (SIG_DFL), kill(getpid(), SIGUSR1): rt_sigtimedwait({SIGUSR1},
 *              {0, 0}) is SIGUSR1 (dequeue_signal()) (0), else -4.
 *  P_WAITIGN   SIGUSR2 blocked and SIG_IGN, kill(getpid(), SIGUSR2): a blocked signal is
 *              queued though ignored (sig_ignored() is false for a blocked signal):
 *              rt_sigtimedwait({SIGUSR2}, {0, 0}) is SIGUSR2 (0), else -4.
 *  P_PENDIGN   SIGUSR2 blocked and SIG_IGN, kill(getpid(), SIGUSR2): rt_sigpending() reports
 *              it (do_sigpending(): pending | shared_pending, masked by blocked) (0),
 *              else -4.
 *  P_SFDIGN    then a signalfd of {SIGUSR2} (O_NONBLOCK) reads its record: 128 bytes,
 *              ssi_signo SIGUSR2 (signalfd_dequeue()) (0), else -4.
 *  P_TGWAIT    SIGUSR1 blocked, tgkill(pid, tid, SIGUSR1): rt_sigtimedwait({SIGUSR1},
 *              {0, 0}) is SIGUSR1 (0), else -4.
 *  P_QWAIT     SIGUSR1 blocked, rt_sigqueueinfo(pid, SIGUSR1, SI_QUEUE): the wait is
 *              SIGUSR1 (0), else -4.
 *  P_EPW2RDY   an epoll watching a pipe's read end (EPOLLIN) holding 10 'x':
 *              epoll_pwait2(a zero timespec) is 1 (ep_poll(): the ready list first) (0);
 *              -ENOSYS (1); else -4.
 *  P_CHILDSIG  SIGUSR1 blocked; a fork child kill()s its parent SIGUSR1 and exits 0; once
 *              wait4() reaped it, rt_sigtimedwait({SIGUSR1}, {0, 0}) is SIGUSR1 (0), else
 *              -4.
 *  P_FORKPEND  SIGUSR1 blocked and pending in the parent; a fork child starts with
 *              nothing pending (copy_process(): init_sigpending()): its
 *              rt_sigtimedwait({SIGUSR1}, {0, 0}) is -EAGAIN, it exits 0 (0); else -4.
 *  P_TAILCUT   a memfd of 200 'm' mapped MAP_SHARED: ftruncate(fd, 100) zeroes the page
 *              past 100 (truncate_inode_partial_folio()): byte 150 of the mapping reads 0
 *              and the size is 100 (0), else -4.
 *  P_CHILDIGN  SIGUSR2 blocked and SIG_IGN; a fork child kill()s its parent SIGUSR2 and
 *              exits 0; once reaped, rt_sigtimedwait({SIGUSR2}, {0, 0}) is SIGUSR2 (a
 *              blocked signal is never ignored at its send: sig_ignored()) (0), else -4.
 *  P_CHILDPG   SIGUSR1 blocked, the program a process group of its own; a fork child kill(0, SIGUSR1)s its process group and
 *              exits 0; once reaped, the parent's wait is SIGUSR1 (kill_pgrp_info()) (0),
 *              else -4.
 *  P_WAITRT    signals 40 and 41 blocked, queued 41 then 40: rt_sigtimedwait({40, 41},
 *              {0, 0}) is 40 (next_signal(): the lowest first) (0), else -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r55.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <signal.h>
#include <poll.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_ACC3W 5500       /* x2 the memfd, x3 the mode-3 reopen */
#define P_ACC3R 5502       /* x2 the memfd, x3 the mode-3 reopen */
#define P_ACC3CUT 5504     /* x2 the memfd, x3 the mode-3 reopen */
#define P_PWV2ATOM 5506    /* x2 fd */
#define P_PWV2DC 5508      /* x2 fd */
#define P_PRV2BAD 5510     /* x2 fd */
#define P_PRV2NEG 5512     /* x2 fd */
#define P_CFRNEG 5514      /* x2 M1, x3 M2 */
#define P_CFRPIPE 5516     /* x2 the pipe's read end, x3 M2 */
#define P_PWNEG 5518       /* x2 fd */
#define P_PRNEG 5520       /* x2 fd */
#define P_O2UNK 5522       /* x2 fd */
#define P_O2RES 5524       /* x2 fd */
#define P_O2BENEATH 5526   /* x2 fd */
#define P_O2XDEV 5528      /* x2 fd */
#define P_O2PATHTR 5530    /* x2 fd */
#define P_OPATHTR 5532     /* x2 fd */
#define P_RDTRUNC 5534     /* x2 fd, x3 the mapping */
#define P_PPOLL0 5536      /* x2 the pipe's read end */
#define P_PSEL0 5538       /* x2 the pipe's read end */
#define P_WAITDFL 5540
#define P_WAITIGN 5542
#define P_WAITRT 5544
#define P_PENDIGN 5546     /* rt_sigpending with SIGUSR2 blocked, SIG_IGN, pending */
#define P_SFDIGN 5548      /* x2 the signalfd */
#define P_TGWAIT 5550
#define P_QWAIT 5552
#define P_EPW2RDY 5554     /* x2 the epoll, x3 the pipe's read end */
#define P_CHILDSIG 5556    /* x2 the child */
#define P_FORKPEND 5558    /* x2 the child */
#define P_TAILCUT 5560     /* x2 fd, x3 the mapping */
#define P_CHILDIGN 5562    /* x2 the child */
#define P_CHILDPG 5564     /* x2 the child */
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif
#define RWF_ATOMIC_C 0x40
#define RWF_DONTCACHE_C 0x80
#define O_PATH_C 010000000
#define RESOLVE_NO_XDEV_C 0x01
#define RESOLVE_BENEATH_C 0x08

#include "secret_common.h"

#define MFD_ALLOW_SEALING_C 2
#define F_ADD_SEALS_C 1033
#define F_SEAL_SHRINK_C 2
#define F_SEAL_GROW_C 4
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static int acc3r_steps, cfrneg_steps;
static uint8_t rbuf[2 * PAGE] __attribute__((aligned(4096)));
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r55"
#include "secret_rules_kit.h"


static int wait_ok(long pid)
{
    int status = -1;
    return pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid && status == 0;
}


struct open_how_c {
    uint64_t flags, mode, resolve;
};
/* a page of its own: what the kernel reads of it stays inside */
static struct open_how_c how __attribute__((aligned(4096)));

static long o2(uint64_t flags, uint64_t resolve)
{
    how.flags = flags;
    how.mode = 0;
    how.resolve = resolve;
    return sc(SYS_openat2, AT_FDCWD, (long)procpath, (long)&how, sizeof how);
}

static long rwv2(long nr, long fd, long n, long off, long flags)
{
    static struct { long base, len; } iov;
    memset(wbuf, 'q', n);
    iov.base = (long)(nr == SYS_preadv2 ? rbuf : wbuf);
    iov.len = n;
    return sys6(nr, fd, (long)&iov, 1, off, 0, flags);
}

static long v2_index(long r, long want, long fd)
{
    if (r == want && size_of(fd) == 100)
        return 0;
    if (r == -ENOSYS && size_of(fd) == 100)
        return 1;
    if (r == -EFAULT && size_of(fd) == 100)
        return 2;
    return -4;
}

/* --- access modes and arguments Linux refuses ------------------------------------------- */
static void file_steps(void)
{
    long m = memfd_of('m', 100, 0), fd2, r;
    if (m < 0)
        return;
    fd2 = reopen(m, 3);
    if (fd2 >= 0) {
        memset(wbuf, 'q', 10);
        marker(P_ACC3W, m, fd2, 0, 0);
        r = sc(SYS_write, fd2, (long)wbuf, 10, 0);
        log_label(P_ACC3W, r == -EBADF && size_of(m) == 100 ? 0 : -4);
        if (acc3r_steps) {
            marker(P_ACC3R, m, fd2, 0, 0);
            r = sc(SYS_read, fd2, (long)rbuf, 10, 0);
            log_label(P_ACC3R, r == -EBADF ? 0 : -4);
        }
        marker(P_ACC3CUT, m, fd2, 0, 0);
        r = sc(SYS_ftruncate, fd2, 0, 0, 0);
        log_label(P_ACC3CUT, r == -EINVAL && size_of(m) == 100 ? 0 : -4);
        sc(SYS_close, fd2, 0, 0, 0);
    }

    marker(P_PWV2ATOM, m, 0, 0, 0);
    r = rwv2(SYS_pwritev2, m, 10, 0, RWF_ATOMIC_C);
    log_label(P_PWV2ATOM, v2_index(r, -EOPNOTSUPP, m));
    marker(P_PWV2DC, m, 0, 0, 0);
    r = rwv2(SYS_pwritev2, m, 10, 0, RWF_DONTCACHE_C);
    log_label(P_PWV2DC, v2_index(r, -EOPNOTSUPP, m));
    marker(P_PRV2BAD, m, 0, 0, 0);
    r = rwv2(SYS_preadv2, m, 10, 0, 0x40000000);
    log_label(P_PRV2BAD, v2_index(r, -EOPNOTSUPP, m));
    marker(P_PRV2NEG, m, 0, 0, 0);
    r = rwv2(SYS_preadv2, m, 10, -2, 0);
    log_label(P_PRV2NEG, v2_index(r, -EINVAL, m));

    memset(wbuf, 'q', 10);
    marker(P_PWNEG, m, 0, 0, 0);
    r = sys6(SYS_pwrite64, m, (long)wbuf, 10, -5, 0, 0);
    log_label(P_PWNEG, r == -EINVAL && size_of(m) == 100 ? 0 : -4);
    marker(P_PRNEG, m, 0, 0, 0);
    r = sys6(SYS_pread64, m, (long)rbuf, 10, -5, 0, 0);
    log_label(P_PRNEG, r == -EINVAL ? 0 : -4);

    long m2 = memfd_of('n', 0, 0);
    if (m2 >= 0) {
        long oi = -100;
        if (cfrneg_steps) {
            marker(P_CFRNEG, m, m2, 0, 0);
            r = sys6(SYS_copy_file_range, m, (long)&oi, m2, 0, 10, 0);
            log_label(P_CFRNEG, r == -EINVAL && oi == -100 && size_of(m2) == 0 ? 0 : -4);
        }
        int p[2];
        if (sc(SYS_pipe2, (long)p, 0, 0, 0) == 0) {
            memset(wbuf, 'x', 10);
            if (sc(SYS_write, p[1], (long)wbuf, 10, 0) == 10) {
                marker(P_CFRPIPE, p[0], m2, 0, 0);
                r = sys6(SYS_copy_file_range, p[0], 0, m2, 0, 10, 0);
                log_label(P_CFRPIPE, r == -EINVAL && size_of(m2) == 0 ? 0 : -4);
            }
            sc(SYS_close, p[0], 0, 0, 0);
            sc(SYS_close, p[1], 0, 0, 0);
        }
        sc(SYS_close, m2, 0, 0, 0);
    }
    sc(SYS_close, m, 0, 0, 0);
}

/* --- opens of /proc/self/fd/N refused by their flags ------------------------------------ */
static void open_steps(void)
{
    long fd = memfd_of('m', 100, 0), r;
    if (fd < 0)
        return;
    reopen_path(fd);
    static const struct { long phase; uint64_t flags, resolve; long want; } o2s[] = {
        {P_O2UNK, O_RDWR | O_TRUNC | (1UL << 40), 0, -EINVAL},
        {P_O2RES, O_RDWR | O_TRUNC, 0x40, -EINVAL},
        {P_O2BENEATH, O_RDWR | O_TRUNC, RESOLVE_BENEATH_C, -EXDEV},
        {P_O2XDEV, O_RDWR | O_TRUNC, RESOLVE_NO_XDEV_C, -EXDEV},
        {P_O2PATHTR, O_PATH_C | O_TRUNC, 0, -EINVAL},
    };
    for (unsigned i = 0; i < sizeof o2s / sizeof o2s[0]; i++) {
        marker(o2s[i].phase, fd, 0, 0, 0);
        r = o2(o2s[i].flags, o2s[i].resolve);
        log_label(o2s[i].phase, r == o2s[i].want && size_of(fd) == 100 ? 0 :
                                r == -ENOSYS && size_of(fd) == 100 ? 1 : -4);
        if (r >= 0)
            sc(SYS_close, r, 0, 0, 0);
    }
    reopen_path(fd);
    marker(P_OPATHTR, fd, 0, 0, 0);
    r = sc(SYS_openat, AT_FDCWD, (long)procpath, O_PATH_C | O_RDWR | O_TRUNC, 0);
    log_label(P_OPATHTR, r >= 0 && size_of(fd) == 100 ? 0 : -4);
    if (r >= 0)
        sc(SYS_close, r, 0, 0, 0);
    sc(SYS_close, fd, 0, 0, 0);

    /* O_RDONLY|O_TRUNC cuts a mapped memfd */
    fd = sc(SYS_memfd_create, (long)"r55p", 0, 0, 0);
    memset(wbuf, 'a', 2 * PAGE);
    long map = -1;
    if (fd >= 0 && sc(SYS_write, fd, (long)wbuf, 2 * PAGE, 0) == 2 * PAGE)
        map = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mapped_ok(map) && ((volatile uint8_t *)map)[PAGE] == 'a') {
        reopen_path(fd);
        marker(P_RDTRUNC, fd, map, 0, 0);
        r = sc(SYS_openat, AT_FDCWD, (long)procpath, O_RDONLY | O_TRUNC, 0);
        log_label(P_RDTRUNC, r >= 0 && size_of(fd) == 0 ? 0 : -4);
        if (r >= 0)
            sc(SYS_close, r, 0, 0, 0);
    }
    if (mapped_ok(map))
        sc(SYS_munmap, map, 2 * PAGE, 0, 0);
    if (fd >= 0)
        sc(SYS_close, fd, 0, 0, 0);
}

/* --- polls with a ready pipe, waits for a pending signal --------------------------------- */
static void wait_steps(void)
{
    int p[2];
    long r;
    if (sc(SYS_pipe2, (long)p, 0, 0, 0) == 0) {
        memset(wbuf, 'x', 10);
        if (sc(SYS_write, p[1], (long)wbuf, 10, 0) == 10) {
            static struct { int fd; short events, revents; } pfd;
            static long ts[2];
            pfd.fd = p[0];
            pfd.events = POLLIN;
            pfd.revents = 0;
            marker(P_PPOLL0, p[0], 0, 0, 0);
            r = sys6(SYS_ppoll, (long)&pfd, 1, (long)ts, 0, 8, 0);
            log_label(P_PPOLL0, r == 1 && (pfd.revents & POLLIN) ? 0 : -4);
            static uint64_t rset;
            rset = 1UL << p[0];
            ts[0] = ts[1] = 0;
            marker(P_PSEL0, p[0], 0, 0, 0);
            r = sys6(SYS_pselect6, p[0] + 1, (long)&rset, 0, 0, (long)ts, 0);
            log_label(P_PSEL0, r == 1 && rset == 1UL << p[0] ? 0 : -4);
        }
        sc(SYS_close, p[0], 0, 0, 0);
        sc(SYS_close, p[1], 0, 0, 0);
    }

    static uint64_t set;
    static long zero[2];
    static siginfo_t info;
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    set = 1UL << (SIGUSR1 - 1);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 8);
    if (sc(SYS_kill, pid, SIGUSR1, 0, 0) == 0) {
        marker(P_WAITDFL, 0, 0, 0, 0);
        r = sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
        log_label(P_WAITDFL, r == SIGUSR1 ? 0 : -4);
    }
    set = 1UL << (SIGUSR2 - 1);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 8);
    signal(SIGUSR2, SIG_IGN);
    if (sc(SYS_kill, pid, SIGUSR2, 0, 0) == 0) {
        marker(P_WAITIGN, 0, 0, 0, 0);
        r = sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
        log_label(P_WAITIGN, r == SIGUSR2 ? 0 : -4);
    }
    set = 3UL << (40 - 1);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, (long)&set, 0, 8);
    if (sc(SYS_kill, pid, 41, 0, 0) == 0 && sc(SYS_kill, pid, 40, 0, 0) == 0) {
        marker(P_WAITRT, 0, 0, 0, 0);
        r = sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
        log_label(P_WAITRT, r == 40 ? 0 : -4);
        sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
    }
}

/* --- more pending signals, ready epolls, forks, a cut inside a page ---------------------- */
static void more_steps(void)
{
    static uint64_t set, got;
    static long zero[2];
    static siginfo_t info;
    static uint8_t rec[128];
    long r, pid = sc(SYS_getpid, 0, 0, 0, 0), tid = sc(SYS_gettid, 0, 0, 0, 0);

    set = 1UL << (SIGUSR2 - 1);
    if (sc(SYS_kill, pid, SIGUSR2, 0, 0) == 0) {      /* still blocked and SIG_IGN */
        got = 0;
        marker(P_PENDIGN, 0, 0, 0, 0);
        r = sc(SYS_rt_sigpending, (long)&got, 8, 0, 0);
        log_label(P_PENDIGN, r == 0 && (got & set) ? 0 : -4);
        long sfd = sc(SYS_signalfd4, -1, (long)&set, 8, O_NONBLOCK);
        if (sfd >= 0) {
            marker(P_SFDIGN, sfd, 0, 0, 0);
            r = sc(SYS_read, sfd, (long)rec, sizeof rec, 0);
            log_label(P_SFDIGN, r == 128 && *(uint32_t *)rec == SIGUSR2 ? 0 : -4);
            sc(SYS_close, sfd, 0, 0, 0);
        }
        sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
    }

    set = 1UL << (SIGUSR1 - 1);          /* (blocked since wait_steps) */
    if (sc(SYS_tgkill, pid, tid, SIGUSR1, 0) == 0) {
        marker(P_TGWAIT, 0, 0, 0, 0);
        r = sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
        log_label(P_TGWAIT, r == SIGUSR1 ? 0 : -4);
    }
    memset(&info, 0, sizeof info);
    info.si_signo = SIGUSR1;
    info.si_code = SI_QUEUE;
    info.si_pid = pid;
    if (sc(SYS_rt_sigqueueinfo, pid, SIGUSR1, (long)&info, 0) == 0) {
        marker(P_QWAIT, 0, 0, 0, 0);
        r = sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
        log_label(P_QWAIT, r == SIGUSR1 ? 0 : -4);
    }

    int p[2];
    if (sc(SYS_pipe2, (long)p, 0, 0, 0) == 0) {
        long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
        static struct { uint32_t events; uint64_t data; } ev, evs[4];   /* (arm64: not packed) */
        ev.events = POLLIN;
        ev.data = 7;
        memset(wbuf, 'x', 10);
        if (ep >= 0 && sc(SYS_epoll_ctl, ep, 1, p[0], (long)&ev) == 0 &&
            sc(SYS_write, p[1], (long)wbuf, 10, 0) == 10) {
            zero[0] = zero[1] = 0;
            marker(P_EPW2RDY, ep, p[0], 0, 0);
            r = sys6(SYS_epoll_pwait2, ep, (long)evs, 4, (long)zero, 0, 8);
            log_label(P_EPW2RDY, r == 1 && evs[0].data == 7 ? 0 : r == -ENOSYS ? 1 : -4);
        }
        if (ep >= 0)
            sc(SYS_close, ep, 0, 0, 0);
        sc(SYS_close, p[0], 0, 0, 0);
        sc(SYS_close, p[1], 0, 0, 0);
    }

    long child = sc(SYS_clone, SIGCHLD, 0, 0, 0);
    if (child == 0) {
        sc(SYS_kill, sc(SYS_getppid, 0, 0, 0, 0), SIGUSR1, 0, 0);
        sc(SYS_exit_group, 0, 0, 0, 0);
    }
    if (wait_ok(child)) {
        marker(P_CHILDSIG, child, 0, 0, 0);
        r = sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
        log_label(P_CHILDSIG, r == SIGUSR1 ? 0 : -4);
    }

    if (sc(SYS_kill, pid, SIGUSR1, 0, 0) == 0) {
        child = sc(SYS_clone, SIGCHLD, 0, 0, 0);
        if (child == 0) {
            r = sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
            sc(SYS_exit_group, r == -EAGAIN ? 0 : 1, 0, 0, 0);
        }
        if (child > 0) {
            marker(P_FORKPEND, child, 0, 0, 0);
            log_label(P_FORKPEND, wait_ok(child) ? 0 : -4);
        }
        sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
    }

    set = 1UL << (SIGUSR2 - 1);          /* (blocked and SIG_IGN) */
    child = sc(SYS_clone, SIGCHLD, 0, 0, 0);
    if (child == 0) {
        sc(SYS_kill, sc(SYS_getppid, 0, 0, 0, 0), SIGUSR2, 0, 0);
        sc(SYS_exit_group, 0, 0, 0, 0);
    }
    if (wait_ok(child)) {
        marker(P_CHILDIGN, child, 0, 0, 0);
        r = sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
        log_label(P_CHILDIGN, r == SIGUSR2 ? 0 : -4);
    }
    set = 1UL << (SIGUSR1 - 1);
    /* a process group of its own: kill(0, ...) reaches the program's processes only */
    child = sc(SYS_setpgid, 0, 0, 0, 0) == 0 ? sc(SYS_clone, SIGCHLD, 0, 0, 0) : -1;
    if (child == 0) {
        sc(SYS_kill, 0, SIGUSR1, 0, 0);
        sc(SYS_exit_group, 0, 0, 0, 0);
    }
    if (wait_ok(child)) {
        marker(P_CHILDPG, child, 0, 0, 0);
        r = sc(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)zero, 8);
        log_label(P_CHILDPG, r == SIGUSR1 ? 0 : -4);
    }

    long fd = memfd_of('m', 200, 0);
    long map = -1;
    if (fd >= 0)
        map = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mapped_ok(map) && ((volatile uint8_t *)map)[150] == 'm') {
        marker(P_TAILCUT, fd, map, 0, 0);
        r = sc(SYS_ftruncate, fd, 100, 0, 0);
        log_label(P_TAILCUT, r == 0 && ((volatile uint8_t *)map)[150] == 0 &&
                             ((volatile uint8_t *)map)[99] == 'm' && size_of(fd) == 100 ? 0 : -4);
    }
    if (mapped_ok(map))
        sc(SYS_munmap, map, PAGE, 0, 0);
    if (fd >= 0)
        sc(SYS_close, fd, 0, 0, 0);
}


int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        acc3r_steps |= strcmp(argv[i], "-r") == 0;
        cfrneg_steps |= strcmp(argv[i], "-c") == 0;
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

    file_steps();
    open_steps();
    wait_steps();
    more_steps();

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
