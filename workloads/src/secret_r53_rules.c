/* secret_r53_rules: the attack target of red-team round fifty-three (the rules added after
 * round 52, both ways: memfd reopens with O_APPEND/O_TRUNC, waits that take pending
 * signals, other processes' sends, polls with a zero timeout, moves between pipes and
 * files, memfd SEEK_DATA).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.
 *
 *  P_SETFL     a memfd of 100 'm' (fd1), reopened O_RDWR through /proc/self/fd (fd2),
 *              F_SETFL(O_APPEND) on fd2, fd3 = dup(fd2); 10 'x' written at 0 through fd1,
 *              10 'y' through fd3: fd1's offset 10, fd2's 110 (shared with fd3), size 110,
 *              the bytes x*10 m*90 y*10 (0), else -4.
 *  P_FORKOFF   a memfd of 100 'm' (fd1, offset 100) reopened O_RDWR (fd2, offset 0); a fork
 *              child writes 10 'c' through fd2 (the shared open file): the parent's fd2
 *              offset is 10, fd1's 100, the bytes c*10 m*90 (0), else -4.
 *  P_FORKAPP   as P_FORKOFF's files; the fork child sets O_APPEND on fd2 (the shared open
 *              file) and exits; the parent's 10 'p' through fd2 land at 100: offset 110,
 *              size 110 (0), else -4.
 *  P_TRUNCEQ   an empty memfd sealed F_SEAL_SHRINK reopened O_RDWR|O_TRUNC: it opens
 *              (shmem_setattr(): newsize == oldsize, no seal asked) (0), else -4.
 *  P_GROWSEAL  a memfd of 100 'm' sealed F_SEAL_GROW reopened O_RDONLY|O_TRUNC: it opens, the
 *              size is 0 and a pread through fd1 is 0 (0), else -4.
 *  P_OWNQ      SIGUSR1 kill()ed (shared queue), SIGUSR2 tgkill()ed (the thread's queue), both
 *              blocked: rt_sigtimedwait({USR1,USR2}) takes SIGUSR2 first (dequeue_signal():
 *              own queue first), then SIGUSR1 (0), else -4.
 *  P_SYNCFIRST SIGUSR1 then SIGSYS kill()ed, both blocked: a signalfd read of 384 gives two
 *              records, SIGSYS first (next_signal(): synchronous first) (0), else -4.
 *  P_GRANDKILL SIGUSR1 blocked; a fork child's own fork child kill()s the program SIGUSR1;
 *              both reaped: rt_sigtimedwait({USR1}, zero timeout) takes it, SI_USER from
 *              the grandchild (0), else -4.
 *  P_PIPEKILL  SIGUSR1 blocked; a fork child kill()s the program and writes a byte into a
 *              pipe the program reads: rt_sigtimedwait({USR1}, zero) takes it (0), else -4.
 *  P_PSELRDY   a pipe holding a byte; SIGUSR1 blocked and pending: pselect6(the read end,
 *              zero timeout, a mask unblocking SIGUSR1) is 1, no handler inside (the mask
 *              comes back: restore_saved_sigmask_unless(false)) (0); -EFAULT (2: the
 *              mprotect design does not reach the sigset that pselect6's sixth argument
 *              points to); else -4.
 *  P_PPOLLRDY  the same with ppoll(POLLIN on the read end): 1, no handler inside (0), else -4.
 *  P_EPW2      SIGUSR1 blocked and pending: epoll_pwait2(an empty epoll, a zero timespec, a
 *              mask unblocking it) is 0, no handler (0); -ENOSYS (1); else -4.
 *  P_TEELEN    pipe A holding 100 'a': tee(A, B, 30) is 30, B's read the 30 'a' (0), else -4.
 *  P_CFR       memfds M1 (100 'm') and M2 (3 pages, no data): copy_file_range(M1@0 -> M2@8192,
 *              10) is 10; SEEK_DATA from 0 on M2 is 8192 (0); a huge folio's 0 (1); else -4.
 *  P_SPLFILE   splice(M1@0 -> pipe B, 40) is 40 and B's read the 40 'm' (0), else -4.
 *  P_SFDFAULT (-f: qemu-user answers -EFAULT, having checked the whole buffer) SIGUSR1 and SIGUSR2 blocked and pending; a signalfd read of 256 into a buffer
 *              whose second 128 bytes are PROT_NONE: 128 (SIGUSR1), SIGUSR2 dequeued and
 *              lost (signalfd_read_iter()) so nothing is pending (0); still pending (1);
 *              else -4.
 *
 *  P_CFRPOS    M1 at 0 and M2 at 8192 by lseek: copy_file_range(M1, NULL -> M2, NULL, 10) is
 *              10 and moves both file positions (10, 8202); SEEK_DATA from 0 on M2 is 8192
 *              (0); a huge folio's 0 (1); else -4.
 *  P_PWAPPEND  a memfd of 100 'm' (fd1) reopened O_RDWR|O_APPEND (fd2): pwrite(fd2, 10 'z',
 *              0) appends (generic_write_checks(): IOCB_APPEND sets ki_pos to i_size):
 *              the bytes m*100 z*10, fd2's offset 0 (0), else -4.
 *  P_DUALQ     SIGUSR1 blocked, kill()ed (shared queue) and tgkill()ed (the thread's
 *              queue): two rt_sigtimedwait({USR1}) take it twice, SI_TKILL first, then
 *              SI_USER (0), else -4.
 *  P_SPLPOS    M1 at 0: splice(M1, NULL -> pipe B, 40) is 40 and M1's position 40 (0),
 *              else -4.
 *  P_SENDPOS   M1 at 40: sendfile(pipe B, M1, NULL, 30) is 30, M1's position 70 and B's
 *              read 30 'm' (0), else -4.
 *  P_PPOLLIGN (-i: the kernel model answers 0 and leaves SIGURG pending) SIGURG (default
 *              action: ignore) blocked and kill()ed: ppoll(no fds, zero timeout, a mask
 *              unblocking it) is 0 and SIGURG no longer pending (do_poll():
 *              -ERESTARTNOHAND; get_signal() discards it; the call restarts and finds
 *              nothing) (0), else -4.
 *  P_PSELIGN  (-i) the same with SIGUSR1 set SIG_IGN while blocked (sig_ignored(): a
 *              blocked signal is queued) and pselect6: 0, nothing pending (0); -EFAULT
 *              (2, the mprotect design); else -4.
 *  P_WAITSET   SIGUSR1 kill()ed, SIGUSR2 tgkill()ed, both blocked: rt_sigtimedwait({USR1})
 *              takes SIGUSR1 (the thread's SIGUSR2 is not in the set), SIGUSR2 still
 *              pending (0), else -4.
 *  P_KILL0     the program makes its own process group (setpgid(0, 0)); SIGUSR1 blocked;
 *              a fork child kill(0, SIGUSR1)s that group: rt_sigtimedwait({USR1}, zero) takes it, SI_USER from the child
 *              (0), else -4.
 *  P_SIGQ      SIGUSR1 blocked; a fork child rt_sigqueueinfo()s the program SIGUSR1 with
 *              SI_QUEUE, its own pid and si_value 77: the wait returns that siginfo (0),
 *              else -4.
 *  P_WSEALTR   a memfd of 100 'm' sealed F_SEAL_WRITE reopened O_RDWR|O_TRUNC: it opens
 *              and cuts (shmem_setattr() checks F_SEAL_SHRINK and F_SEAL_GROW only): size
 *              0 (0), else -4.
 *  P_PWV2APP   a memfd of 100 'm' (offset 100): pwritev2(10 'q', offset 0, RWF_APPEND)
 *              appends (kiocb_set_rw_flags(): IOCB_APPEND); the offset stays 100, the
 *              bytes m*100 q*10 (0); -EOPNOTSUPP or -ENOSYS (1: qemu-user has no
 *              pwritev2); -EFAULT (2, the mprotect design: no iovec reaches a memfd
 *              write there); else -4.
 *  P_SPLMERGE  pipe A holding 100 'a' (one buffer, mergeable): splice(A -> B, 4096) moves
 *              the whole buffer (its flags kept); F_SETPIPE_SZ(B, 4096); a write of 10
 *              'w' into B merges: 10 (0), else -4.
 *  P_TEENOMRG  pipe A holding 100 'a': tee(A -> B, 100) links a buffer that may not
 *              merge; F_SETPIPE_SZ(B, 4096); a write of 10 into B is -EAGAIN (0), else
 *              -4.
 *  P_SPLIN     a pipe holding 10 'p': splice(pipe -> memfd M3 at *off_out 8192) is 10,
 *              off_out 8202; SEEK_DATA from 0 on M3 is 8192 (0); 0 (1); else -4.
 *  P_IGNKILL   SIGURG unblocked with SIG_DFL (ignore): a fork child kill()s the program
 *              SIGURG (discarded at the send: sig_ignored()); then blocked: a wait
 *              ({URG}, zero) is -EAGAIN (0), else -4.
 *  P_SFDSUB    SIGUSR1 tgkill()ed (the thread's queue), SIGUSR2 kill()ed, both blocked: a
 *              signalfd for {USR2} reads SIGUSR2 (128), SIGUSR1 still pending (0), else -4.
 *  P_SFDCHILD  SIGUSR1 blocked and kill()ed; a signalfd for it; a fork child's read of it
 *              is -EAGAIN (a fork child starts with nothing pending; a signalfd reads the
 *              reader's signals) and the child exits 0; then the program's read gives
 *              SIGUSR1 (0); the child killed by a signal (3); else -4.
 *  P_SYNCXQ    SIGSYS kill()ed (shared queue), SIGUSR2 tgkill()ed (the thread's), both
 *              blocked: rt_sigtimedwait({USR2, SYS}) takes SIGUSR2 first (dequeue_signal():
 *              the thread's queue before the shared one, synchronous or not), then SIGSYS
 *              (0), else -4.
 *  P_PSELNULL  SIGUSR1 blocked and pending: pselect6(no fds, zero timeout, {NULL, 8}) keeps
 *              the mask (set_user_sigmask(NULL): nothing to install): 0, no handler,
 *              SIGUSR1 still pending (0); -EFAULT (2, the mprotect design); else -4.
 *  P_RTORDER   SIGRTMIN blocked; a fork child rt_sigqueueinfo()s the program SIGRTMIN
 *              (SI_QUEUE, value 1) and exits; the program queues itself SIGRTMIN (value
 *              2): two waits take value 1, then value 2 (the queue's order) (0), else -4.
 *  P_TEESRC    pipe A holding 100 'a' (one buffer, mergeable): tee(A -> B, 100);
 *              F_SETPIPE_SZ(A, 4096); a write of 10 into A merges (link_pipe() leaves
 *              A's buffer as it was): 10, then A reads 110 bytes (0); else -4.
 *  P_SFDCHLD   SIGCHLD blocked, a signalfd for it; a fork child exits 7 and is reaped:
 *              SIGCHLD stays pending (a wait does not dequeue it); the read gives one
 *              record, CLD_EXITED, the child's pid, status 7 (0), else -4.
 *  P_EPW2INF   SIGUSR1 blocked and pending: epoll_pwait2(an empty epoll, NULL timeout, a
 *              mask unblocking it) is -EINTR with the handler run inside (0); -ENOSYS (1);
 *              else -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r53.py.  Only the digest of the secret is ever printed.
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
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_SETFL 5300
#define P_FORKOFF 5302
#define P_FORKAPP 5304
#define P_TRUNCEQ 5306
#define P_GROWSEAL 5308
#define P_OWNQ 5310
#define P_SYNCFIRST 5312   /* x3 the read's buffer */
#define P_GRANDKILL 5314
#define P_PIPEKILL 5316
#define P_PSELRDY 5318
#define P_PPOLLRDY 5320
#define P_EPW2 5322
#define P_TEELEN 5324      /* x3 the read's buffer */
#define P_CFR 5326
#define P_SPLFILE 5328     /* x3 the read's buffer */
#define P_SFDFAULT 5330    /* x3 the read's buffer */
#define P_CFRPOS 5332
#define P_PWAPPEND 5334    /* x3 the read's buffer */
#define P_DUALQ 5336
#define P_SPLPOS 5338
#define P_SENDPOS 5340     /* x3 the read's buffer */
#define P_PPOLLIGN 5342
#define P_PSELIGN 5344
#define P_WAITSET 5346
#define P_KILL0 5348
#define P_SIGQ 5350
#define P_WSEALTR 5352
#define P_PWV2APP 5354     /* x3 the read's buffer */
#define P_SPLMERGE 5356
#define P_TEENOMRG 5358
#define P_SPLIN 5360
#define P_IGNKILL 5362
#define P_SFDSUB 5364      /* x3 the read's buffer */
#define P_SFDCHILD 5366    /* x3 the read's buffer */
#define P_SYNCXQ 5368
#define P_PSELNULL 5370
#define P_RTORDER 5372
#define P_TEESRC 5374      /* x3 the read's buffer */
#define P_SFDCHLD 5376     /* x3 the read's buffer */
#define P_EPW2INF 5378
#define SIGRTMIN_C 34
#define F_SEAL_WRITE_C 8
#define F_SETPIPE_SZ_C 1031
#define RWF_APPEND_C 0x10
#define SIGURG_C 23

#include "secret_common.h"

#define SA_SIGINFO_F 0x4
#define MFD_ALLOW_SEALING_C 2
#define F_ADD_SEALS_C 1033
#define F_SEAL_SHRINK_C 2
#define F_SEAL_GROW_C 4
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif
#define SEEK_DATA_C 3
#define SEEK_HOLE_C 4

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static long my_pid;
static int fault_steps, ign_steps;
static uint8_t rbuf[2 * PAGE] __attribute__((aligned(4096)));
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};

#define ROUND_TAG "r53"
#include "secret_rules_kit.h"

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

static void close2(int *fds)
{
    sc(SYS_close, fds[0], 0, 0, 0);
    sc(SYS_close, fds[1], 0, 0, 0);
}

static int got(long n, long want, long off, uint8_t c)
{
    if (n != want)
        return 0;
    for (long i = 0; i < want; i++)
        if (rbuf[off + i] != c)
            return 0;
    return 1;
}


static long wait_ok(long pid)
{
    int status = -1;
    return pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid && status == 0;
}

static int bytes_are(long fd, long off, long n, const char *pat)
{
    /* pat: runs "c<count>" pairs, e.g. {'x',10,'m',90} */
    long r = sys6(SYS_pread64, fd, (long)rbuf, 2 * PAGE, off, 0, 0);
    if (r != n)
        return 0;
    long i = 0;
    for (const char *p = pat; *p; p += 2)
        for (int k = 0; k < (unsigned char)p[1]; k++, i++)
            if (rbuf[i] != (uint8_t)p[0])
                return 0;
    return i == n;
}

static void memfd_steps(void)
{
    /* F_SETFL changes one open file: a dup shares it, a reopen does not */
    long fd1 = memfd_of('m', 100, 0);
    if (fd1 >= 0) {
        long fd2 = reopen(fd1, O_RDWR);
        long fd3 = fd2 >= 0 && sc(SYS_fcntl, fd2, F_SETFL, O_APPEND, 0) == 0 ?
                   sc(SYS_dup, fd2, 0, 0, 0) : -1;
        if (fd3 >= 0) {
            marker(P_SETFL, (long)logbuf, 0, 0, 0);
            memset(wbuf, 'x', 10);
            long a = sc(SYS_lseek, fd1, 0, SEEK_SET, 0) == 0 &&
                     sc(SYS_write, fd1, (long)wbuf, 10, 0) == 10;
            memset(wbuf, 'y', 10);
            long b = sc(SYS_write, fd3, (long)wbuf, 10, 0) == 10;
            long c1 = sc(SYS_lseek, fd1, 0, SEEK_CUR, 0);
            long c2 = sc(SYS_lseek, fd2, 0, SEEK_CUR, 0);
            long s = size_of(fd1);
            int ok = bytes_are(fd1, 0, 110, "x\012m\132y\012");
            if (a && b)
                log_label(P_SETFL, c1 == 10 && c2 == 110 && s == 110 && ok ? 0 : -4);
            sc(SYS_close, fd3, 0, 0, 0);
        }
        if (fd2 >= 0)
            sc(SYS_close, fd2, 0, 0, 0);
        sc(SYS_close, fd1, 0, 0, 0);
    }

    /* a fork child's write through a reopened memfd moves the shared open file's offset */
    fd1 = memfd_of('m', 100, 0);
    if (fd1 >= 0) {
        long fd2 = reopen(fd1, O_RDWR);
        if (fd2 >= 0) {
            marker(P_FORKOFF, (long)logbuf, 0, 0, 0);
            long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
            if (pid == 0) {
                memset(wbuf, 'c', 10);
                sc(SYS_exit_group, sc(SYS_write, fd2, (long)wbuf, 10, 0) == 10 ? 0 : 1, 0, 0, 0);
            }
            if (wait_ok(pid)) {
                long c2 = sc(SYS_lseek, fd2, 0, SEEK_CUR, 0);
                long c1 = sc(SYS_lseek, fd1, 0, SEEK_CUR, 0);
                int ok = bytes_are(fd1, 0, 100, "c\012m\132");
                log_label(P_FORKOFF, c2 == 10 && c1 == 100 && ok ? 0 : -4);
            }
            sc(SYS_close, fd2, 0, 0, 0);
        }
        sc(SYS_close, fd1, 0, 0, 0);
    }

    /* a fork child's F_SETFL(O_APPEND) on the shared open file */
    fd1 = memfd_of('m', 100, 0);
    if (fd1 >= 0) {
        long fd2 = reopen(fd1, O_RDWR);
        if (fd2 >= 0) {
            marker(P_FORKAPP, (long)logbuf, 0, 0, 0);
            long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
            if (pid == 0)
                sc(SYS_exit_group, sc(SYS_fcntl, fd2, F_SETFL, O_APPEND, 0) == 0 ? 0 : 1, 0, 0, 0);
            if (wait_ok(pid)) {
                memset(wbuf, 'p', 10);
                long w = sc(SYS_write, fd2, (long)wbuf, 10, 0);
                long c2 = sc(SYS_lseek, fd2, 0, SEEK_CUR, 0);
                long s = size_of(fd1);
                int ok = bytes_are(fd1, 0, 110, "m\144p\012");
                if (w == 10)
                    log_label(P_FORKAPP, c2 == 110 && s == 110 && ok ? 0 : -4);
            }
            sc(SYS_close, fd2, 0, 0, 0);
        }
        sc(SYS_close, fd1, 0, 0, 0);
    }

    /* O_TRUNC of an empty memfd under F_SEAL_SHRINK: nothing shrinks */
    fd1 = memfd_of('m', 0, MFD_ALLOW_SEALING_C);
    if (fd1 >= 0) {
        if (sc(SYS_fcntl, fd1, F_ADD_SEALS_C, F_SEAL_SHRINK_C, 0) == 0) {
            marker(P_TRUNCEQ, (long)logbuf, 0, 0, 0);
            long fd2 = reopen(fd1, O_RDWR | O_TRUNC);
            log_label(P_TRUNCEQ, fd2 >= 0 && size_of(fd1) == 0 ? 0 : -4);
            if (fd2 >= 0)
                sc(SYS_close, fd2, 0, 0, 0);
        }
        sc(SYS_close, fd1, 0, 0, 0);
    }

    /* O_RDONLY|O_TRUNC under F_SEAL_GROW only: the cut is allowed */
    fd1 = memfd_of('m', 100, MFD_ALLOW_SEALING_C);
    if (fd1 >= 0) {
        if (sc(SYS_fcntl, fd1, F_ADD_SEALS_C, F_SEAL_GROW_C, 0) == 0) {
            marker(P_GROWSEAL, (long)logbuf, 0, 0, 0);
            long fd2 = reopen(fd1, O_RDONLY | O_TRUNC);
            long s = size_of(fd1);
            long r = sys6(SYS_pread64, fd1, (long)rbuf, 200, 0, 0, 0);
            log_label(P_GROWSEAL, fd2 >= 0 && s == 0 && r == 0 ? 0 : -4);
            if (fd2 >= 0)
                sc(SYS_close, fd2, 0, 0, 0);
        }
        sc(SYS_close, fd1, 0, 0, 0);
    }

    /* pwrite through an O_APPEND open file appends, whatever its offset argument */
    fd1 = memfd_of('m', 100, 0);
    if (fd1 >= 0) {
        long fd2 = reopen(fd1, O_RDWR | O_APPEND);
        if (fd2 >= 0) {
            marker(P_PWAPPEND, (long)logbuf, (long)rbuf, 0, 0);
            memset(wbuf, 'z', 10);
            long w = sys6(SYS_pwrite64, fd2, (long)wbuf, 10, 0, 0, 0);
            long c2 = sc(SYS_lseek, fd2, 0, SEEK_CUR, 0);
            int ok = bytes_are(fd1, 0, 110, "m\144z\012");
            if (w == 10)
                log_label(P_PWAPPEND, c2 == 0 && ok ? 0 : -4);
            sc(SYS_close, fd2, 0, 0, 0);
        }
        sc(SYS_close, fd1, 0, 0, 0);
    }
    /* O_TRUNC under F_SEAL_WRITE: no seal forbids the cut */
    fd1 = memfd_of('m', 100, MFD_ALLOW_SEALING_C);
    if (fd1 >= 0) {
        if (sc(SYS_fcntl, fd1, F_ADD_SEALS_C, F_SEAL_WRITE_C, 0) == 0) {
            marker(P_WSEALTR, (long)logbuf, 0, 0, 0);
            long fd2 = reopen(fd1, O_RDWR | O_TRUNC);
            long sz = size_of(fd1);
            if (fd2 >= 0)
                sc(SYS_close, fd2, 0, 0, 0);
            log_label(P_WSEALTR, fd2 >= 0 && sz == 0 ? 0 : -4);
        }
        sc(SYS_close, fd1, 0, 0, 0);
    }

    /* pwritev2 with RWF_APPEND appends for this call only, the offset kept */
    fd1 = memfd_of('m', 100, 0);
    if (fd1 >= 0) {
        struct { long base, len; } iov = {(long)wbuf, 10};
        marker(P_PWV2APP, (long)logbuf, (long)rbuf, 0, 0);
        memset(wbuf, 'q', 10);
        long w = sys6(SYS_pwritev2, fd1, (long)&iov, 1, 0, 0, RWF_APPEND_C);
        long c1 = sc(SYS_lseek, fd1, 0, SEEK_CUR, 0);
        int ok = bytes_are(fd1, 0, 110, "m\144q\012");
#ifdef R53_DEBUG
        { char m[32] = "pwv2 w=+00 c=000 ok=0\n"; long v = w < 0 ? -w : w; m[7] = w < 0 ? '-' : '+';
          m[8] += v / 10 % 10; m[9] += v % 10; m[13] += c1 / 100 % 10; m[14] += c1 / 10 % 10; m[15] += c1 % 10;
          m[20] += ok; sys6(SYS_write, 2, (long)m, 22, 0, 0, 0); }
#endif
        log_label(P_PWV2APP, w == 10 && c1 == 100 && ok ? 0 :
                             w == -EOPNOTSUPP || w == -ENOSYS ? 1 : w == -EFAULT ? 2 : -4);
        sc(SYS_close, fd1, 0, 0, 0);
    }
}

/* --- waits that take pending signals ------------------------------------------------------ */
static volatile long seen_n, seen[4], seen_pid[4];

static void on_seen(int signo, siginfo_t *si, void *ucv)
{
    (void)ucv;
    if (seen_n < 4) {
        seen[seen_n] = signo;
        seen_pid[seen_n] = si->si_pid;
    }
    seen_n++;
}

struct ksiginfo { int32_t signo, err, code, pad; int32_t pid, uid; uint64_t rest[13]; };
static struct { long s, ns; } zero_ts = {0, 0};

static long pending_now(void)
{
    uint64_t set = 0;
    sc(SYS_rt_sigpending, (long)&set, 8, 0, 0);
    return (long)set;
}

/* drop whatever of `set` is still pending, then set the handlers again */
static void drain(uint64_t set)
{
    for (int s = 1; s <= 31; s++)
        if (set & bit(s))
            set_action(s, (void *)SIG_IGN, 0, 0);
    for (int s = 1; s <= 31; s++)
        if (set & bit(s))
            set_action(s, on_seen, SA_SIGINFO_F, bit(SIGUSR1) | bit(SIGUSR2));
}

static void wait_steps(void)
{
    uint64_t u1 = bit(SIGUSR1), both = bit(SIGUSR1) | bit(SIGUSR2);
    set_action(SIGUSR1, on_seen, SA_SIGINFO_F, both);
    set_action(SIGUSR2, on_seen, SA_SIGINFO_F, both);
    long tid = sc(SYS_gettid, 0, 0, 0, 0);

    /* the thread's own queue first */
    {
        struct ksiginfo i1, i2;
        mask(SIG_BLOCK, both);
        long a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0) | sc(SYS_tgkill, my_pid, tid, SIGUSR2, 0);
        marker(P_OWNQ, (long)logbuf, 0, 0, 0);
        long w1 = sys6(SYS_rt_sigtimedwait, (long)&both, (long)&i1, (long)&zero_ts, 8, 0, 0);
        long w2 = sys6(SYS_rt_sigtimedwait, (long)&both, (long)&i2, (long)&zero_ts, 8, 0, 0);
        if (a == 0)
            log_label(P_OWNQ, w1 == SIGUSR2 && i1.code == -6 && w2 == SIGUSR1 && i2.code == 0 ?
                              0 : -4);
        drain(both);
        mask(SIG_UNBLOCK, both);
    }

    /* the same signal in both queues: pending twice, the thread's own first */
    {
        struct ksiginfo i1, i2;
        mask(SIG_BLOCK, u1);
        long a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0) | sc(SYS_tgkill, my_pid, tid, SIGUSR1, 0);
        marker(P_DUALQ, (long)logbuf, 0, 0, 0);
        long w1 = sys6(SYS_rt_sigtimedwait, (long)&u1, (long)&i1, (long)&zero_ts, 8, 0, 0);
        long w2 = sys6(SYS_rt_sigtimedwait, (long)&u1, (long)&i2, (long)&zero_ts, 8, 0, 0);
        if (a == 0)
            log_label(P_DUALQ, w1 == SIGUSR1 && i1.code == -6 && w2 == SIGUSR1 &&
                               i2.code == 0 && i2.pid == my_pid ? 0 : -4);
        drain(u1);
        mask(SIG_UNBLOCK, u1);
    }

    /* synchronous first: SIGSYS (31) before SIGUSR1 (10), two records in one read */
    {
        uint64_t set = u1 | bit(SIGSYS);
        mask(SIG_BLOCK, set);
        long a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0) | sc(SYS_kill, my_pid, SIGSYS, 0, 0);
        long sfd = sc(SYS_signalfd4, -1, (long)&set, 8, O_NONBLOCK);
        marker(P_SYNCFIRST, (long)logbuf, (long)rbuf, 0, 0);
        long n = sfd >= 0 ? sc(SYS_read, sfd, (long)rbuf, 384, 0) : -1;
        int32_t s0, s1;
        memcpy(&s0, rbuf, 4);
        memcpy(&s1, rbuf + 128, 4);
        if (a == 0 && sfd >= 0)
            log_label(P_SYNCFIRST, n == 256 && s0 == SIGSYS && s1 == SIGUSR1 ? 0 : -4);
        if (sfd >= 0)
            sc(SYS_close, sfd, 0, 0, 0);
        drain(u1);
        set_action(SIGSYS, (void *)SIG_IGN, 0, 0);
        set_action(SIGSYS, 0, 0, 0);
        mask(SIG_UNBLOCK, set);
    }

    /* a grandchild's kill() */
    {
        mask(SIG_BLOCK, u1);
        marker(P_GRANDKILL, (long)logbuf, 0, 0, 0);
        long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
        if (pid == 0) {
            long g = sc(SYS_clone, SIGCHLD, 0, 0, 0);
            if (g == 0)
                sc(SYS_exit_group, sc(SYS_kill, my_pid, SIGUSR1, 0, 0) == 0 ? 0 : 1, 0, 0, 0);
            sc(SYS_exit_group, wait_ok(g) ? 0 : 1, 0, 0, 0);
        }
        if (wait_ok(pid)) {
            struct ksiginfo i1;
            long w = sys6(SYS_rt_sigtimedwait, (long)&u1, (long)&i1, (long)&zero_ts, 8, 0, 0);
            log_label(P_GRANDKILL, w == SIGUSR1 && i1.code == 0 && i1.pid != my_pid &&
                                   i1.pid != pid && i1.pid > 0 ? 0 : -4);
        }
        drain(u1);
        mask(SIG_UNBLOCK, u1);
    }

    /* a child's kill() the program learns of through a pipe */
    {
        int p[2];
        mask(SIG_BLOCK, u1);
        if (sc(SYS_pipe2, (long)p, 0, 0, 0) == 0) {
            marker(P_PIPEKILL, (long)logbuf, 0, 0, 0);
            long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
            if (pid == 0) {
                long k = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
                if (k == 0)
                    sc(SYS_write, p[1], (long)"k", 1, 0);
                sc(SYS_exit_group, 0, 0, 0, 0);
            }
            long r = pid > 0 ? sc(SYS_read, p[0], (long)rbuf, 1, 0) : -1;
            struct ksiginfo i1;
            long w = sys6(SYS_rt_sigtimedwait, (long)&u1, (long)&i1, (long)&zero_ts, 8, 0, 0);
            if (r == 1 && rbuf[0] == 'k')
                log_label(P_PIPEKILL, w == SIGUSR1 && i1.code == 0 && i1.pid == pid ? 0 : -4);
            wait_ok(pid);
            close2(p);
        }
        drain(u1);
        mask(SIG_UNBLOCK, u1);
    }

    /* pselect6 and ppoll with a ready descriptor: the count, the mask back, no handler */
    {
        int p[2];
        if (sc(SYS_pipe2, (long)p, O_NONBLOCK, 0, 0) == 0 &&
            sc(SYS_write, p[1], (long)"r", 1, 0) == 1) {
            uint64_t none = 0;
            struct { long ss; long len; } sm = {(long)&none, 8};
            mask(SIG_BLOCK, u1);
            seen_n = 0;
            long a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
            uint64_t rset = 1UL << p[0];
            marker(P_PSELRDY, (long)logbuf, 0, 0, 0);
            long r = sys6(SYS_pselect6, p[0] + 1, (long)&rset, 0, 0, (long)&zero_ts, (long)&sm);
            long n_in = seen_n;
            mask(SIG_UNBLOCK, u1);
#ifdef R53_DEBUG
            { char m[24] = "psel r=+0 rs=0 in=0 s=0\n"; m[7] = r < 0 ? '-' : '+'; m[8] += r < 0 ? -r : r;
              m[13] += rset == (1UL << p[0]); m[18] += n_in; m[22] += seen_n; sys6(SYS_write, 2, (long)m, 24, 0, 0, 0); }
#endif
            if (a == 0)
                log_label(P_PSELRDY, r == 1 && rset == (1UL << p[0]) && n_in == 0 &&
                                     seen_n == 1 ? 0 : r == -EFAULT ? 2 : -4);
            mask(SIG_BLOCK, u1);
            seen_n = 0;
            a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
            struct { int32_t fd; int16_t ev, rev; } pfd = {p[0], 1 /* POLLIN */, 0};
            marker(P_PPOLLRDY, (long)logbuf, 0, 0, 0);
            r = sys6(SYS_ppoll, (long)&pfd, 1, (long)&zero_ts, (long)&none, 8, 0);
            n_in = seen_n;
            mask(SIG_UNBLOCK, u1);
            if (a == 0)
                log_label(P_PPOLLRDY, r == 1 && pfd.rev == 1 && n_in == 0 && seen_n == 1 ?
                                      0 : -4);
            close2(p);
        }
    }

    /* epoll_pwait2 with a zero timespec never looks at signals */
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    if (ep >= 0) {
        uint64_t none = 0;
        mask(SIG_BLOCK, u1);
        seen_n = 0;
        long a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
        marker(P_EPW2, (long)logbuf, 0, 0, 0);
        long r = sys6(SYS_epoll_pwait2, ep, (long)rbuf, 4, (long)&zero_ts, (long)&none, 8);
        long n_in = seen_n;
        mask(SIG_UNBLOCK, u1);
        if (a == 0)
            log_label(P_EPW2, r == 0 && n_in == 0 && seen_n == 1 ? 0 :
                              r == -ENOSYS && seen_n == 1 ? 1 : -4);
        sc(SYS_close, ep, 0, 0, 0);
    }

    /* a signalfd read whose second record faults: that signal is dequeued and lost
     * (-f: qemu-user checks the whole buffer first and answers -EFAULT) */
    if (fault_steps) {
        long m = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapped_ok(m) && sc(SYS_mprotect, m + PAGE, PAGE, PROT_NONE, 0) == 0) {
            mask(SIG_BLOCK, both);
            seen_n = 0;
            long a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0) | sc(SYS_kill, my_pid, SIGUSR2, 0, 0);
            long sfd = sc(SYS_signalfd4, -1, (long)&both, 8, O_NONBLOCK);
            uint8_t *buf = (uint8_t *)(m + PAGE - 128);
            marker(P_SFDFAULT, (long)logbuf, (long)buf, 0, 0);
            long n = sfd >= 0 ? sc(SYS_read, sfd, (long)buf, 256, 0) : -1;
            int32_t s0;
            memcpy(&s0, buf, 4);
            long pend = pending_now() & (long)both;
            mask(SIG_UNBLOCK, both);
#ifdef R53_DEBUG
            { char m[24] = "sfd n=+000 s0=00 p=0\n"; long v = n < 0 ? -n : n; m[6] = n < 0 ? '-' : '+';
              m[7] += v / 100 % 10; m[8] += v / 10 % 10; m[9] += v % 10; m[14] += s0 / 10; m[15] += s0 % 10;
              m[19] += pend >> 10; sys6(SYS_write, 2, (long)m, 21, 0, 0, 0); }
#endif
            if (a == 0 && sfd >= 0)
                log_label(P_SFDFAULT, n == 128 && s0 == SIGUSR1 && pend == 0 && seen_n == 0 ? 0 :
                                      n == 128 && s0 == SIGUSR1 && pend == (long)bit(SIGUSR2) ?
                                      1 : -4);
            if (sfd >= 0)
                sc(SYS_close, sfd, 0, 0, 0);
        }
        if (mapped_ok(m))
            sc(SYS_munmap, m, 2 * PAGE, 0, 0);
    }
    /* a pending signal the mask unblocks but nobody handles: the poll restarts, 0 (-i) */
    if (ign_steps) {
        uint64_t urg = bit(SIGURG_C), none = 0;
        mask(SIG_BLOCK, urg);
        long a = sc(SYS_kill, my_pid, SIGURG_C, 0, 0);
        marker(P_PPOLLIGN, (long)logbuf, 0, 0, 0);
        long r = sys6(SYS_ppoll, 0, 0, (long)&zero_ts, (long)&none, 8, 0);
        long pend = pending_now() & (long)urg;
        mask(SIG_UNBLOCK, urg);
#ifdef R53_DEBUG
        { char m[24] = "pign r=+00 p=0\n"; long v = r < 0 ? -r : r; m[7] = r < 0 ? '-' : '+';
          m[8] += v / 10 % 10; m[9] += v % 10; m[13] += pend != 0; sys6(SYS_write, 2, (long)m, 15, 0, 0, 0); }
#endif
        if (a == 0)
            log_label(P_PPOLLIGN, r == 0 && pend == 0 ? 0 : -4);
    }
    if (ign_steps) {
        uint64_t none = 0;
        struct { long ss; long len; } sm = {(long)&none, 8};
        mask(SIG_BLOCK, u1);
        set_action(SIGUSR1, (void *)SIG_IGN, 0, 0);
        long a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
        long queued = pending_now() & (long)u1;
        marker(P_PSELIGN, (long)logbuf, 0, 0, 0);
        long r = sys6(SYS_pselect6, 0, 0, 0, 0, (long)&zero_ts, (long)&sm);
        long pend = pending_now() & (long)u1;
        set_action(SIGUSR1, on_seen, SA_SIGINFO_F, both);
        mask(SIG_UNBLOCK, u1);
        if (a == 0 && queued)
            log_label(P_PSELIGN, r == 0 && pend == 0 ? 0 : r == -EFAULT ? 2 : -4);
    }

    /* a wait whose set leaves out the thread's own pending signal */
    {
        struct ksiginfo i1;
        mask(SIG_BLOCK, both);
        long a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0) | sc(SYS_tgkill, my_pid, tid, SIGUSR2, 0);
        marker(P_WAITSET, (long)logbuf, 0, 0, 0);
        long w = sys6(SYS_rt_sigtimedwait, (long)&u1, (long)&i1, (long)&zero_ts, 8, 0, 0);
        long pend = pending_now() & (long)both;
        if (a == 0)
            log_label(P_WAITSET, w == SIGUSR1 && i1.code == 0 && pend == (long)bit(SIGUSR2) ?
                                 0 : -4);
        drain(both);
        mask(SIG_UNBLOCK, both);
    }

    /* a fork child's kill(0, ...) reaches its process group, the program included */
    if (sc(SYS_setpgid, 0, 0, 0, 0) == 0) {    /* a group of the program's own */
        mask(SIG_BLOCK, u1);
        marker(P_KILL0, (long)logbuf, 0, 0, 0);
        long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
        if (pid == 0)
            sc(SYS_exit_group, sc(SYS_kill, 0, SIGUSR1, 0, 0) == 0 ? 0 : 1, 0, 0, 0);
        if (wait_ok(pid)) {
            struct ksiginfo i1;
            long w = sys6(SYS_rt_sigtimedwait, (long)&u1, (long)&i1, (long)&zero_ts, 8, 0, 0);
            log_label(P_KILL0, w == SIGUSR1 && i1.code == 0 && i1.pid == pid ? 0 : -4);
        }
        drain(u1);
        mask(SIG_UNBLOCK, u1);
    }

    /* a fork child's rt_sigqueueinfo() with SI_QUEUE */
    {
        mask(SIG_BLOCK, u1);
        marker(P_SIGQ, (long)logbuf, 0, 0, 0);
        long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
        if (pid == 0) {
            struct ksiginfo q;
            memset(&q, 0, sizeof q);
            q.signo = SIGUSR1;
            q.code = -1;             /* SI_QUEUE */
            q.pid = (int32_t)sc(SYS_getpid, 0, 0, 0, 0);
            q.uid = 0;
            q.rest[0] = 77;          /* si_value */
            sc(SYS_exit_group, sc(SYS_rt_sigqueueinfo, my_pid, SIGUSR1, (long)&q, 0) == 0 ?
                               0 : 1, 0, 0, 0);
        }
        if (wait_ok(pid)) {
            struct ksiginfo i1;
            long w = sys6(SYS_rt_sigtimedwait, (long)&u1, (long)&i1, (long)&zero_ts, 8, 0, 0);
            log_label(P_SIGQ, w == SIGUSR1 && i1.code == -1 && i1.pid == pid &&
                              (i1.rest[0] & 0xFFFFFFFF) == 77 ? 0 : -4);
        }
        drain(u1);
        mask(SIG_UNBLOCK, u1);
    }

    /* a fork child's kill() of a signal the program ignores is discarded at the send */
    {
        uint64_t urg = bit(SIGURG_C);
        set_action(SIGURG_C, 0, 0, 0);
        mask(SIG_UNBLOCK, urg);
        marker(P_IGNKILL, (long)logbuf, 0, 0, 0);
        long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
        if (pid == 0)
            sc(SYS_exit_group, sc(SYS_kill, my_pid, SIGURG_C, 0, 0) == 0 ? 0 : 1, 0, 0, 0);
        if (wait_ok(pid)) {
            struct ksiginfo i1;
            mask(SIG_BLOCK, urg);
            long w = sys6(SYS_rt_sigtimedwait, (long)&urg, (long)&i1, (long)&zero_ts, 8, 0, 0);
            log_label(P_IGNKILL, w == -EAGAIN ? 0 : -4);
            mask(SIG_UNBLOCK, urg);
        }
    }

    /* a signalfd whose mask leaves out the thread's own pending signal */
    {
        uint64_t u2 = bit(SIGUSR2);
        mask(SIG_BLOCK, both);
        long a = sc(SYS_tgkill, my_pid, tid, SIGUSR1, 0) | sc(SYS_kill, my_pid, SIGUSR2, 0, 0);
        long sfd = sc(SYS_signalfd4, -1, (long)&u2, 8, O_NONBLOCK);
        marker(P_SFDSUB, (long)logbuf, (long)rbuf, 0, 0);
        long n = sfd >= 0 ? sc(SYS_read, sfd, (long)rbuf, 256, 0) : -1;
        int32_t s0;
        memcpy(&s0, rbuf, 4);
        long pend = pending_now() & (long)both;
        if (a == 0 && sfd >= 0)
            log_label(P_SFDSUB, n == 128 && s0 == SIGUSR2 && pend == (long)u1 ? 0 : -4);
        if (sfd >= 0)
            sc(SYS_close, sfd, 0, 0, 0);
        drain(both);
        mask(SIG_UNBLOCK, both);
    }

    /* a fork child reads the program's signalfd: its own (empty) pending sets */
    {
        mask(SIG_BLOCK, u1);
        long a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
        long sfd = sc(SYS_signalfd4, -1, (long)&u1, 8, O_NONBLOCK);
        if (a == 0 && sfd >= 0) {
            marker(P_SFDCHILD, (long)logbuf, (long)rbuf, 0, 0);
            long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
            if (pid == 0)
                sc(SYS_exit_group, sc(SYS_read, sfd, (long)rbuf, 128, 0) == -EAGAIN ? 0 : 1,
                   0, 0, 0);
            int status = -1;
            long r = pid > 0 ? sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) : -1;
            long n = sc(SYS_read, sfd, (long)rbuf, 128, 0);
            int32_t s0;
            memcpy(&s0, rbuf, 4);
            /* a child killed (a refused answer) saw nothing: a public label */
            if (r == pid)
                log_label(P_SFDCHILD, (status & 0x7f) && (status & 0x7f) != 0x7f ? 3 :
                                      status == 0 && n == 128 && s0 == SIGUSR1 ? 0 : -4);
        }
        if (sfd >= 0)
            sc(SYS_close, sfd, 0, 0, 0);
        drain(u1);
        mask(SIG_UNBLOCK, u1);
    }

    /* the thread's queue before the shared one, a synchronous signal in the shared one */
    {
        uint64_t set = bit(SIGUSR2) | bit(SIGSYS);
        struct ksiginfo i1, i2;
        mask(SIG_BLOCK, set);
        long a = sc(SYS_kill, my_pid, SIGSYS, 0, 0) | sc(SYS_tgkill, my_pid, tid, SIGUSR2, 0);
        marker(P_SYNCXQ, (long)logbuf, 0, 0, 0);
        long w1 = sys6(SYS_rt_sigtimedwait, (long)&set, (long)&i1, (long)&zero_ts, 8, 0, 0);
        long w2 = sys6(SYS_rt_sigtimedwait, (long)&set, (long)&i2, (long)&zero_ts, 8, 0, 0);
        if (a == 0)
            log_label(P_SYNCXQ, w1 == SIGUSR2 && w2 == SIGSYS ? 0 : -4);
        set_action(SIGSYS, (void *)SIG_IGN, 0, 0);
        set_action(SIGSYS, 0, 0, 0);
        drain(bit(SIGUSR2));
        mask(SIG_UNBLOCK, set);
    }

    /* pselect6 whose sigmask argument names no set: the mask stays */
    {
        struct { long ss; long len; } sm = {0, 8};
        mask(SIG_BLOCK, u1);
        seen_n = 0;
        long a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
        marker(P_PSELNULL, (long)logbuf, 0, 0, 0);
        long r = sys6(SYS_pselect6, 0, 0, 0, 0, (long)&zero_ts, (long)&sm);
        long n_in = seen_n;
        long pend = pending_now() & (long)u1;
        mask(SIG_UNBLOCK, u1);
        if (a == 0)
            log_label(P_PSELNULL, r == 0 && n_in == 0 && pend == (long)u1 && seen_n == 1 ? 0 :
                                  r == -EFAULT ? 2 : -4);
    }

    /* a real-time signal queued by a fork child, then by the program: the queue's order */
    {
        uint64_t rt = bit(SIGRTMIN_C);
        mask(SIG_BLOCK, rt);
        marker(P_RTORDER, (long)logbuf, 0, 0, 0);
        long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
        struct ksiginfo q;
        if (pid == 0) {
            memset(&q, 0, sizeof q);
            q.signo = SIGRTMIN_C;
            q.code = -1;
            q.pid = (int32_t)sc(SYS_getpid, 0, 0, 0, 0);
            q.rest[0] = 1;
            sc(SYS_exit_group, sc(SYS_rt_sigqueueinfo, my_pid, SIGRTMIN_C, (long)&q, 0) == 0 ?
                               0 : 1, 0, 0, 0);
        }
        if (wait_ok(pid)) {
            memset(&q, 0, sizeof q);
            q.signo = SIGRTMIN_C;
            q.code = -1;
            q.pid = (int32_t)my_pid;
            q.rest[0] = 2;
            long a = sc(SYS_rt_sigqueueinfo, my_pid, SIGRTMIN_C, (long)&q, 0);
            struct ksiginfo i1, i2;
            long w1 = sys6(SYS_rt_sigtimedwait, (long)&rt, (long)&i1, (long)&zero_ts, 8, 0, 0);
            long w2 = sys6(SYS_rt_sigtimedwait, (long)&rt, (long)&i2, (long)&zero_ts, 8, 0, 0);
            if (a == 0)
                log_label(P_RTORDER, w1 == SIGRTMIN_C && w2 == SIGRTMIN_C && i1.pid == pid &&
                                     (i1.rest[0] & 0xFFFFFFFF) == 1 && i2.pid == my_pid &&
                                     (i2.rest[0] & 0xFFFFFFFF) == 2 ? 0 : -4);
        }
        set_action(SIGRTMIN_C, (void *)SIG_IGN, 0, 0);
        set_action(SIGRTMIN_C, 0, 0, 0);
        mask(SIG_UNBLOCK, rt);
    }

    /* SIGCHLD read from a signalfd after the child was reaped */
    {
        uint64_t chld = bit(SIGCHLD);
        mask(SIG_BLOCK, chld);
        long sfd = sc(SYS_signalfd4, -1, (long)&chld, 8, O_NONBLOCK);
        if (sfd >= 0) {
            marker(P_SFDCHLD, (long)logbuf, (long)rbuf, 0, 0);
            long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
            if (pid == 0)
                sc(SYS_exit_group, 7, 0, 0, 0);
            int status = -1;
            long r = pid > 0 ? sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) : -1;
            long n = sc(SYS_read, sfd, (long)rbuf, 256, 0);
            int32_t f[12];
            memcpy(f, rbuf, sizeof f);   /* signo, errno, code, pid, uid, fd, tid, band,
                                            overrun, trapno, status, int */
            if (r == pid)
                log_label(P_SFDCHLD, n == 128 && f[0] == SIGCHLD && f[2] == 1 /* CLD_EXITED */ &&
                                     f[3] == pid && f[10] == 7 ? 0 : -4);
            sc(SYS_close, sfd, 0, 0, 0);
        }
        set_action(SIGCHLD, (void *)SIG_IGN, 0, 0);
        set_action(SIGCHLD, 0, 0, 0);
        mask(SIG_UNBLOCK, chld);
    }

    /* epoll_pwait2 with no timeout: the mask installed, -EINTR, the handler inside */
    {
        long ep2 = sc(SYS_epoll_create1, 0, 0, 0, 0);
        if (ep2 >= 0) {
            uint64_t none = 0;
            mask(SIG_BLOCK, u1);
            seen_n = 0;
            long a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
            marker(P_EPW2INF, (long)logbuf, 0, 0, 0);
            long r = sys6(SYS_epoll_pwait2, ep2, (long)rbuf, 4, 0, (long)&none, 8);
            long n_in = seen_n;
            mask(SIG_UNBLOCK, u1);
            if (a == 0)
                log_label(P_EPW2INF, r == -EINTR && n_in == 1 ? 0 :
                                     r == -ENOSYS && seen_n == 1 ? 1 : -4);
            sc(SYS_close, ep2, 0, 0, 0);
        }
    }

    set_action(SIGUSR1, 0, 0, 0);
    set_action(SIGUSR2, 0, 0, 0);
}

/* --- moves between pipes and files ------------------------------------------------------- */
static void move_steps(void)
{
    int a[2], b[2];
    if (sc(SYS_pipe2, (long)a, O_NONBLOCK, 0, 0) == 0) {
        if (sc(SYS_pipe2, (long)b, O_NONBLOCK, 0, 0) == 0) {
            memset(wbuf, 'a', 100);
            long w = sc(SYS_write, a[1], (long)wbuf, 100, 0);
            marker(P_TEELEN, (long)logbuf, (long)rbuf, 0, 0);
            long t = sc(SYS_tee, a[0], b[1], 30, 2 /* SPLICE_F_NONBLOCK */);
            long rb = sc(SYS_read, b[0], (long)rbuf, 4096, 0);
            if (w == 100)
                log_label(P_TEELEN, t == 30 && got(rb, 30, 0, 'a') ? 0 : -4);
            close2(b);
        }
        close2(a);
    }

    long m1 = memfd_of('m', 100, 0);
    long m2 = sc(SYS_memfd_create, (long)"r53b", 0, 0, 0);
    if (m1 >= 0 && m2 >= 0 && sc(SYS_ftruncate, m2, 3 * PAGE, 0, 0) == 0) {
        long off_in = 0, off_out = 2 * PAGE;
        marker(P_CFR, (long)logbuf, 0, 0, 0);
        long c = sys6(SYS_copy_file_range, m1, (long)&off_in, m2, (long)&off_out, 10, 0);
        long d = sc(SYS_lseek, m2, 0, SEEK_DATA_C, 0);
        if (c == 10)
            log_label(P_CFR, off_in == 10 && off_out == 2 * PAGE + 10 && d == 2 * PAGE ? 0 :
                             d == 0 ? 1 : -4);
    }
    if (m1 >= 0 && sc(SYS_pipe2, (long)b, O_NONBLOCK, 0, 0) == 0) {
        long off_in = 0;
        marker(P_SPLFILE, (long)logbuf, (long)rbuf, 0, 0);
        long s = sys6(SYS_splice, m1, (long)&off_in, b[1], 0, 40, 2);
        long rb = sc(SYS_read, b[0], (long)rbuf, 4096, 0);
        log_label(P_SPLFILE, s == 40 && off_in == 40 && got(rb, 40, 0, 'm') ? 0 : -4);
        close2(b);
    }
    if (m1 >= 0 && m2 >= 0 && sc(SYS_lseek, m1, 0, SEEK_SET, 0) == 0 &&
        sc(SYS_lseek, m2, 2 * PAGE, SEEK_SET, 0) == 2 * PAGE) {
        long m3 = sc(SYS_memfd_create, (long)"r53c", 0, 0, 0);
        if (m3 >= 0 && sc(SYS_ftruncate, m3, 3 * PAGE, 0, 0) == 0 &&
            sc(SYS_lseek, m3, 2 * PAGE, SEEK_SET, 0) == 2 * PAGE) {
            marker(P_CFRPOS, (long)logbuf, 0, 0, 0);
            long c = sys6(SYS_copy_file_range, m1, 0, m3, 0, 10, 0);
            long p1 = sc(SYS_lseek, m1, 0, SEEK_CUR, 0);
            long p3 = sc(SYS_lseek, m3, 0, SEEK_CUR, 0);
            long d = sc(SYS_lseek, m3, 0, SEEK_DATA_C, 0);
            if (c == 10)
                log_label(P_CFRPOS, p1 == 10 && p3 == 2 * PAGE + 10 && d == 2 * PAGE ? 0 :
                                    p1 == 10 && p3 == 2 * PAGE + 10 && d == 0 ? 1 : -4);
        }
        if (m3 >= 0)
            sc(SYS_close, m3, 0, 0, 0);
    }
    if (m1 >= 0 && sc(SYS_lseek, m1, 0, SEEK_SET, 0) == 0 &&
        sc(SYS_pipe2, (long)b, O_NONBLOCK, 0, 0) == 0) {
        marker(P_SPLPOS, (long)logbuf, 0, 0, 0);
        long s = sys6(SYS_splice, m1, 0, b[1], 0, 40, 2);
        long p1 = sc(SYS_lseek, m1, 0, SEEK_CUR, 0);
        if (s == 40)
            log_label(P_SPLPOS, p1 == 40 ? 0 : -4);
        close2(b);
    }
    if (m1 >= 0 && sc(SYS_lseek, m1, 40, SEEK_SET, 0) == 40 &&
        sc(SYS_pipe2, (long)b, O_NONBLOCK, 0, 0) == 0) {
        marker(P_SENDPOS, (long)logbuf, (long)rbuf, 0, 0);
        long s = sc(SYS_sendfile, b[1], m1, 0, 30);
        long p1 = sc(SYS_lseek, m1, 0, SEEK_CUR, 0);
        long rb = sc(SYS_read, b[0], (long)rbuf, 4096, 0);
        if (s == 30)
            log_label(P_SENDPOS, p1 == 70 && got(rb, 30, 0, 'm') ? 0 : -4);
        close2(b);
    }
    /* a buffer splice() moved whole keeps its merge flag; one tee() linked does not */
    for (int t = 0; t < 2; t++) {
        int pa[2], pb[2];
        if (sc(SYS_pipe2, (long)pa, O_NONBLOCK, 0, 0) != 0)
            break;
        if (sc(SYS_pipe2, (long)pb, O_NONBLOCK, 0, 0) == 0) {
            memset(wbuf, 'a', 100);
            long w0 = sc(SYS_write, pa[1], (long)wbuf, 100, 0);
            marker(t ? P_TEENOMRG : P_SPLMERGE, (long)logbuf, 0, 0, 0);
            long m = t ? sc(SYS_tee, pa[0], pb[1], 100, 2) :
                         sys6(SYS_splice, pa[0], 0, pb[1], 0, 4096, 2);
            long z = sc(SYS_fcntl, pb[1], F_SETPIPE_SZ_C, 4096, 0);
            memset(wbuf, 'w', 10);
            long w = sc(SYS_write, pb[1], (long)wbuf, 10, 0);
            if (w0 == 100 && m == 100 && z == 4096)
                log_label(t ? P_TEENOMRG : P_SPLMERGE,
                          t ? (w == -EAGAIN ? 0 : -4) : (w == 10 ? 0 : -4));
            close2(pb);
        }
        close2(pa);
    }

    /* tee() leaves the source pipe's buffer mergeable */
    {
        int pa[2], pb[2];
        if (sc(SYS_pipe2, (long)pa, O_NONBLOCK, 0, 0) == 0) {
            if (sc(SYS_pipe2, (long)pb, O_NONBLOCK, 0, 0) == 0) {
                memset(wbuf, 'a', 100);
                long w0 = sc(SYS_write, pa[1], (long)wbuf, 100, 0);
                marker(P_TEESRC, (long)logbuf, (long)rbuf, 0, 0);
                long m = sc(SYS_tee, pa[0], pb[1], 100, 2);
                long z = sc(SYS_fcntl, pa[1], F_SETPIPE_SZ_C, 4096, 0);
                memset(wbuf, 'w', 10);
                long w = sc(SYS_write, pa[1], (long)wbuf, 10, 0);
                long n = sc(SYS_read, pa[0], (long)rbuf, 4096, 0);
                if (w0 == 100 && m == 100 && z == 4096)
                    log_label(P_TEESRC, w == 10 && n == 110 && got(100, 100, 0, 'a') &&
                                        got(10, 10, 100, 'w') ? 0 : -4);
                close2(pb);
            }
            close2(pa);
        }
    }

    /* splice() from a pipe into a memfd hole, then SEEK_DATA */
    {
        int pp[2];
        long m3 = sc(SYS_memfd_create, (long)"r53d", 0, 0, 0);
        if (m3 >= 0 && sc(SYS_ftruncate, m3, 3 * PAGE, 0, 0) == 0 &&
            sc(SYS_pipe2, (long)pp, O_NONBLOCK, 0, 0) == 0) {
            memset(wbuf, 'p', 10);
            long w0 = sc(SYS_write, pp[1], (long)wbuf, 10, 0);
            long off_out = 2 * PAGE;
            marker(P_SPLIN, (long)logbuf, 0, 0, 0);
            long n = sys6(SYS_splice, pp[0], 0, m3, (long)&off_out, 10, 0);
            long d = sc(SYS_lseek, m3, 0, SEEK_DATA_C, 0);
            if (w0 == 10 && n == 10)
                log_label(P_SPLIN, off_out == 2 * PAGE + 10 && d == 2 * PAGE ? 0 :
                                   off_out == 2 * PAGE + 10 && d == 0 ? 1 : -4);
            close2(pp);
        }
        if (m3 >= 0)
            sc(SYS_close, m3, 0, 0, 0);
    }
    if (m1 >= 0)
        sc(SYS_close, m1, 0, 0, 0);
    if (m2 >= 0)
        sc(SYS_close, m2, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        fault_steps |= strcmp(argv[i], "-f") == 0;
        ign_steps |= strcmp(argv[i], "-i") == 0;
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
    memfd_steps();
    wait_steps();
    move_steps();

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
