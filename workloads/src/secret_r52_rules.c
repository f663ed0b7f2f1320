/* secret_r52_rules: the attack target of red-team round fifty-two (the rules added after
 * round 51, both ways: holes the program unmapped and stack growth, pending-signal order
 * and siginfo, pipe room with a partly read buffer and tee(), memfd SEEK_HOLE, AF_UNIX
 * SO_PASSCRED set late or on the writing end).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.
 *
 *  P_MPROTGAP  a PROT_NONE page R, the page above it munmap()ed, a MAP_GROWSDOWN page G
 *              above; R mprotect()ed PROT_READ: a store into the hole is SIGSEGV
 *              SEGV_MAPERR (expand_downwards(): R is accessible now, 0 pages below) (0),
 *              else -4.
 *  P_GAPIN     a read-write page R, a 256-page hole the program munmap()ed, G: a store
 *              into the hole's top page (255 pages above R) is SIGSEGV SEGV_MAPERR (0),
 *              else -4.
 *  P_OFFMERGE  a non-blocking pipe: write 100, read 50 (the buffer's data now at 50..100),
 *              F_SETPIPE_SZ(4096) (one slot, in use): a write of 4046 is -EAGAIN (100 +
 *              4046 > 4096: no merge, ring full), a write of 3996 merges (3996), a read
 *              is 4046 (0), else -4.
 *  P_TEE       pipes A and B: 100 'a' written to A, tee(A, B, 4096, NONBLOCK) is 100; a
 *              read of B is the 100 'a', and A still holds them (0), else -4.
 *  P_CHILDFIRST SIGUSR1 blocked; a fork child kill()s the program SIGUSR1 and exits; the
 *              program kill()s itself SIGUSR1 (dropped: legacy_queue()); unblocked: one
 *              delivery naming the child (0), else -4.
 *  P_OWNFIRST  the program kill()s itself first, then a fork child: one delivery naming
 *              the program's own pid (0), else -4.
 *  P_TAKEN     SIGUSR1 and SIGUSR2 blocked and pending; rt_sigtimedwait({SIGUSR2}, a
 *              siginfo) takes SIGUSR2; unblocked: SIGUSR1's handler alone runs (0), else -4.
 *  P_PPOLL (-p: the kernel model's ppoll with a zero timeout returns before its mask
 *              is installed) SIGUSR1 blocked and pending; ppoll(no fds, zero timeout, a
 *              mask that unblocks it) is -EINTR, the handler having run (0), else -4.
 *  P_SEEKHOLE  a memfd of 100 bytes ftruncate()d to 3 pages: SEEK_HOLE from 0 is 4096 and
 *              SEEK_DATA from 4096 -ENXIO (0); a huge folio's 12288 and 4096 (1); else -4.
 *  P_LATECRED  a socketpair with no SO_PASSCRED: 100 'P' from the program, 100 'C' from a
 *              fork child; then SO_PASSCRED on the reading end: read(4096) is 200 (no skb
 *              has credentials, unix_skb_scm_eq() of two empty ones) (0), else -4.
 *  P_WCRED     SO_PASSCRED on the writing end only: 'P' and a child's 'C'; then on the
 *              reading end too: read(4096) stops at the writer change: 100 (0), else -4.
 *  P_NONEGAP (-g) a PROT_NONE page R, a one-page hole, G MAP_GROWSDOWN: a store into the
 *              hole grows G (R is not accessible) (0); SIGSEGV (1); else -4.
 *  P_GAPEXACT (-g) a read-write page R, a 257-page hole, G: a store 256 pages above R
 *              grows G (exactly stack_guard_gap) (0); SIGSEGV (1); else -4.
 *  P_GROWSPREV (-g) a three-page MAP_GROWSDOWN area, its middle page munmap()ed: a store
 *              there grows the upper part (the part below is VM_GROWSDOWN: no gap) (0);
 *              SIGSEGV (1); else -4.
 *  P_SYNCQ (-s: qemu-user takes a queued SIGSEGV with a positive si_code for its own
 *              fault and aborts; the kernel model refuses positive codes sent to oneself)
 *              rt_tgsigqueueinfo() to its own thread SIGSEGV (SEGV_MAPERR) then SIGBUS
 *              (BUS_ADRERR), both blocked; unblocked: dequeue_synchronous_signal() takes
 *              the first queued, SIGSEGV (0); SIGBUS first, the lower number, or else: -4.
 *  P_EPWAIT    SIGUSR1 blocked and pending; epoll_pwait(an empty epoll, zero timeout, a
 *              mask that unblocks it) is 0 and no handler runs (ep_poll() returns at
 *              once with a zero timeout; the mask comes back before any delivery) (0),
 *              else -4.
 *  P_PSELECT (-p) the same with pselect6(no fds, zero timeout, the mask): -EINTR, the
 *              handler having run (core_sys_select(): signal_pending()) (0), else -4.
 *  P_CHILDGROW (-g) a PROT_NONE page, a one-page hole, a MAP_GROWSDOWN page above; a
 *              fork child stores into the hole: the area grows and the child exits 0
 *              (0); SIGSEGV, it exits 1 (1); else -4.
 *  P_MPROTNONE (-g) a read-write page R mprotect()ed PROT_NONE, a one-page hole, a
 *              MAP_GROWSDOWN page above: a store into the hole grows the area (0);
 *              SIGSEGV (1); else -4.
 *  P_TQIGN     SIGUSR1 blocked and tgkill()ed to its own thread (the thread's queue), set
 *              to SIG_IGN (flush_sigqueue_mask() empties every thread's queue too), a
 *              handler set again, unblocked: no delivery (0), else -4.
 *  P_TOGGLE    a socketpair whose reading end has SO_PASSCRED at the program's write of
 *              100 'P', not at a fork child's write of 100 'C' (no credentials), and again
 *              at the read: read(4096) stops at the change, 100 'P', then 100 'C' (0),
 *              else -4.
 *  P_SPLICE    pipes A and B: 100 'a' in A, splice(A, B, 60, NONBLOCK) is 60; a read of
 *              A is the other 40, a read of B the 60 (0), else -4.
 *  P_SFDTAKEN  SIGUSR1 and SIGUSR2 blocked and pending; a signalfd for SIGUSR2 read once
 *              takes it; unblocked: SIGUSR1's handler alone runs (0), else -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r52.py.  Only the digest of the secret is ever printed.
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
#define P_MPROTGAP 5200    /* x3 the address stored to */
#define P_GAPIN 5202       /* x3 the address stored to */
#define P_OFFMERGE 5204
#define P_TEE 5206         /* x3 the read's buffer */
#define P_CHILDFIRST 5208  /* x3 the child's pid */
#define P_OWNFIRST 5210    /* x3 the child's pid */
#define P_TAKEN 5212
#define P_PPOLL 5214
#define P_SEEKHOLE 5216
#define P_LATECRED 5218    /* x3 the read's buffer */
#define P_WCRED 5220       /* x3 the read's buffer */
#define P_NONEGAP 5222     /* x3 the address stored to */
#define P_GAPEXACT 5224    /* x3 the address stored to */
#define P_GROWSPREV 5226   /* x3 the address stored to */
#define P_SYNCQ 5228
#define P_EPWAIT 5230
#define P_PSELECT 5232
#define P_CHILDGROW 5234   /* x3 the address the child stores to */
#define P_MPROTNONE 5236   /* x3 the address stored to */
#define P_TQIGN 5238
#define P_TOGGLE 5240      /* x3 the read's buffer */
#define P_SPLICE 5242      /* x3 the read's buffer */
#define P_SFDTAKEN 5244

#include "secret_common.h"

#define SA_SIGINFO_F 0x4
#define F_SETPIPE_SZ_C 1031
#define MAP_GROWSDOWN_F 0x100
#define SEGV_MAPERR_C 1
#define SEEK_DATA_C 3
#define SEEK_HOLE_C 4

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static long my_pid;
static int grow_steps, syncq_steps, ppoll_steps;
static uint8_t rbuf[2 * PAGE] __attribute__((aligned(4096)));
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};

#define ROUND_TAG "r52"
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

static void probe_on(void)
{
    probe_faults = 0;
    probe_signo = probe_code = probe_addr = -1;
    set_action(SIGSEGV, on_probe, SA_SIGINFO_F, 0);
    set_action(SIGBUS, on_probe, SA_SIGINFO_F, 0);
}

static void probe_off(void)
{
    set_action(SIGSEGV, 0, 0, 0);
    set_action(SIGBUS, 0, 0, 0);
}

static void store(long va)
{
    __asm__ volatile("str %0, [%1]" :: "r"(0x52L), "r"(va) : "memory");
}

static long load(long va)
{
    long v = 0x77;
    __asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(va) : "memory");
    return v;
}

/* --- holes and stack growth ---------------------------------------------------------- */
/* R: one page of `rprot` at r; a hole of `hole` pages the program munmap()s; G: one
 * MAP_GROWSDOWN read-write page on top.  Answers r (0 when it failed). */
static long hole_below_g(long hole, int rprot)
{
    long total = hole + 2;
    long r = sys6(SYS_mmap, 0, total * PAGE, rprot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!mapped_ok(r))
        return 0;
    long g = sys6(SYS_mmap, r + (hole + 1) * PAGE, PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN_F, -1, 0);
    if (g != r + (hole + 1) * PAGE || sc(SYS_munmap, r + PAGE, hole * PAGE, 0, 0) != 0) {
        sc(SYS_munmap, r, total * PAGE, 0, 0);
        return 0;
    }
    return r;
}

/* Store into `target` under a probe: 0 when it completed and reads back, 1 on SIGSEGV
 * SEGV_MAPERR naming it, -4 otherwise. */
static long probe_store(int phase, long target)
{
    probe_on();
    marker(phase, (long)logbuf, target, 0, 0);
    store(target);
    long v = probe_faults ? 0 : load(target);
    long r = probe_faults == 0 && v == 0x52 ? 0 :
             probe_faults == 1 && probe_signo == SIGSEGV && probe_code == SEGV_MAPERR_C &&
             probe_addr == target ? 1 : -4;
    probe_off();
    return r;
}

static void gap_steps(void)
{
    /* R PROT_NONE, then mprotect()ed readable: the gap counts against it again */
    long r = hole_below_g(1, PROT_NONE);
    if (r) {
        if (sc(SYS_mprotect, r, PAGE, PROT_READ, 0) == 0) {
            long s = probe_store(P_MPROTGAP, r + PAGE + 0x80);
            log_label(P_MPROTGAP, s == 1 ? 0 : -4);
        }
        sc(SYS_munmap, r, 3 * PAGE, 0, 0);
    }
    /* 255 pages above an accessible page: within stack_guard_gap */
    r = hole_below_g(256, PROT_READ | PROT_WRITE);
    if (r) {
        long s = probe_store(P_GAPIN, r + 256 * PAGE + 0x80);
        log_label(P_GAPIN, s == 1 ? 0 : -4);
        sc(SYS_munmap, r, 258 * PAGE, 0, 0);
    }
}

static void grow_steps_run(void)
{
    /* R PROT_NONE: vma_is_accessible() is false, the area grows */
    long r = hole_below_g(1, PROT_NONE);
    if (r) {
        log_label(P_NONEGAP, probe_store(P_NONEGAP, r + PAGE + 0x80));
        sc(SYS_munmap, r, 3 * PAGE, 0, 0);
    }
    /* exactly stack_guard_gap above R: address - prev->vm_end is not below it */
    r = hole_below_g(257, PROT_READ | PROT_WRITE);
    if (r) {
        log_label(P_GAPEXACT, probe_store(P_GAPEXACT, r + 257 * PAGE + 0x80));
        sc(SYS_munmap, r, 259 * PAGE, 0, 0);
    }
    /* a fork child's copy of the area grows the same way */
    r = hole_below_g(1, PROT_NONE);
    if (r) {
        long target = r + PAGE + 0x80;
        marker(P_CHILDGROW, (long)logbuf, target, 0, 0);
        long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
        if (pid == 0) {
            long s = probe_store(P_CHILDGROW, target);
            sc(SYS_exit_group, s == 0 ? 0 : s == 1 ? 1 : 4, 0, 0, 0);
        }
        int status = -1;
        if (pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid)
            log_label(P_CHILDGROW, status == 0 ? 0 : status == 0x100 ? 1 : -4);
        sc(SYS_munmap, r, 3 * PAGE, 0, 0);
    }
    /* R read-write, mprotect()ed PROT_NONE: not accessible any more, the area grows */
    r = hole_below_g(1, PROT_READ | PROT_WRITE);
    if (r) {
        if (sc(SYS_mprotect, r, PAGE, PROT_NONE, 0) == 0)
            log_label(P_MPROTNONE, probe_store(P_MPROTNONE, r + PAGE + 0x80));
        sc(SYS_munmap, r, 3 * PAGE, 0, 0);
    }
    /* the part below is VM_GROWSDOWN itself: no gap is enforced */
    long g = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN_F, -1, 0);
    if (mapped_ok(g)) {
        if (sc(SYS_munmap, g + PAGE, PAGE, 0, 0) == 0)
            log_label(P_GROWSPREV, probe_store(P_GROWSPREV, g + PAGE + 0x80));
        sc(SYS_munmap, g, 3 * PAGE, 0, 0);
    }
}

/* --- pipes ------------------------------------------------------------------------------ */
static void pipe_steps(void)
{
    int p[2];
    if (sc(SYS_pipe2, (long)p, O_NONBLOCK, 0, 0) == 0) {
        memset(wbuf, 'a', 2 * PAGE);
        long w0 = sc(SYS_write, p[1], (long)wbuf, 100, 0);
        long r0 = sc(SYS_read, p[0], (long)rbuf, 50, 0);
        long sz = sc(SYS_fcntl, p[1], F_SETPIPE_SZ_C, PAGE, 0);
        marker(P_OFFMERGE, (long)logbuf, 0, 0, 0);
        long w1 = sc(SYS_write, p[1], (long)wbuf, 4046, 0);
        long w2 = sc(SYS_write, p[1], (long)wbuf, 3996, 0);
        long r1 = sc(SYS_read, p[0], (long)rbuf, 2 * PAGE, 0);
        if (w0 == 100 && r0 == 50 && sz == PAGE)
            log_label(P_OFFMERGE, w1 == -EAGAIN && w2 == 3996 && got(r1, 4046, 0, 'a') ? 0 : -4);
        close2(p);
    }
    int a[2], b[2];
    if (sc(SYS_pipe2, (long)a, O_NONBLOCK, 0, 0) == 0) {
        if (sc(SYS_pipe2, (long)b, O_NONBLOCK, 0, 0) == 0) {
            memset(wbuf, 'a', 100);
            long w = sc(SYS_write, a[1], (long)wbuf, 100, 0);
            marker(P_TEE, (long)logbuf, (long)rbuf, 0, 0);
            long t = sc(SYS_tee, a[0], b[1], 4096, 2 /* SPLICE_F_NONBLOCK */);
            long rb = sc(SYS_read, b[0], (long)rbuf, 4096, 0);
            int okb = got(rb, 100, 0, 'a');
            long ra = sc(SYS_read, a[0], (long)rbuf, 4096, 0);
            if (w == 100)
                log_label(P_TEE, t == 100 && okb && got(ra, 100, 0, 'a') ? 0 : -4);
            close2(b);
        }
        close2(a);
    }
    if (sc(SYS_pipe2, (long)a, O_NONBLOCK, 0, 0) == 0) {
        if (sc(SYS_pipe2, (long)b, O_NONBLOCK, 0, 0) == 0) {
            memset(wbuf, 'a', 100);
            long w = sc(SYS_write, a[1], (long)wbuf, 100, 0);
            marker(P_SPLICE, (long)logbuf, (long)rbuf, 0, 0);
            long t = sys6(SYS_splice, a[0], 0, b[1], 0, 60, 2 /* SPLICE_F_NONBLOCK */);
            long ra = sc(SYS_read, a[0], (long)rbuf, 4096, 0);
            int oka = got(ra, 40, 0, 'a');
            long rb = sc(SYS_read, b[0], (long)rbuf, 4096, 0);
            if (w == 100)
                log_label(P_SPLICE, t == 60 && oka && got(rb, 60, 0, 'a') ? 0 : -4);
            close2(b);
        }
        close2(a);
    }
}

/* --- signals ----------------------------------------------------------------------------- */
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

static long child_kills_parent(void)
{
    long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
    if (pid == 0)
        sc(SYS_exit_group, sc(SYS_kill, sc(SYS_getppid, 0, 0, 0, 0), SIGUSR1, 0, 0) == 0 ? 0 : 1,
           0, 0, 0);
    int status = -1;
    if (pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid && status == 0)
        return pid;
    return -1;
}

static void signal_steps(void)
{
    uint64_t u1 = bit(SIGUSR1), both = bit(SIGUSR1) | bit(SIGUSR2);

    /* the first send's siginfo: a fork child's, then the program's own dropped */
    set_action(SIGUSR1, on_seen, SA_SIGINFO_F, both);
    set_action(SIGUSR2, on_seen, SA_SIGINFO_F, both);
    mask(SIG_BLOCK, u1);
    seen_n = 0;
    long child = child_kills_parent();
    long a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
    marker(P_CHILDFIRST, (long)logbuf, child, 0, 0);
    mask(SIG_UNBLOCK, u1);
    if (child > 0 && a == 0)
        log_label(P_CHILDFIRST, seen_n == 1 && seen_pid[0] == child ? 0 : -4);

    /* the program's own first, then a fork child's dropped */
    mask(SIG_BLOCK, u1);
    seen_n = 0;
    a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
    child = child_kills_parent();
    marker(P_OWNFIRST, (long)logbuf, child, 0, 0);
    mask(SIG_UNBLOCK, u1);
    if (child > 0 && a == 0)
        log_label(P_OWNFIRST, seen_n == 1 && seen_pid[0] == my_pid ? 0 : -4);

    /* rt_sigtimedwait takes SIGUSR2: it is not delivered after */
    struct { long s, ns; } zero = {0, 0};
    mask(SIG_BLOCK, both);
    seen_n = 0;
    a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0) | sc(SYS_kill, my_pid, SIGUSR2, 0, 0);
    uint64_t two = bit(SIGUSR2);
    /* (with a siginfo: SI_USER from its own pid names the kill() it took, where another
     * process's tgkill() to the thread, taken first, would carry its own pid) */
    uint64_t waited[16];
    long w = sys6(SYS_rt_sigtimedwait, (long)&two, (long)waited, (long)&zero, 8, 0, 0);
    marker(P_TAKEN, (long)logbuf, 0, 0, 0);
    mask(SIG_UNBLOCK, both);
    if (a == 0 && w == SIGUSR2)
        log_label(P_TAKEN, seen_n == 1 && seen[0] == SIGUSR1 ? 0 : -4);

    /* ppoll's mask unblocks a pending signal: -EINTR, the handler ran */
    if (ppoll_steps) {
        mask(SIG_BLOCK, u1);
        seen_n = 0;
        a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
        uint64_t none = 0;
        marker(P_PPOLL, (long)logbuf, 0, 0, 0);
        long pr = sys6(SYS_ppoll, 0, 0, (long)&zero, (long)&none, 8, 0);
        long n_in = seen_n;
        mask(SIG_UNBLOCK, u1);
        if (a == 0)
            log_label(P_PPOLL, pr == -EINTR && n_in == 1 ? 0 : -4);
    }

    /* a signalfd read takes SIGUSR2: it is not delivered after */
    {
        uint64_t two2 = bit(SIGUSR2);
        mask(SIG_BLOCK, both);
        seen_n = 0;
        a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0) | sc(SYS_kill, my_pid, SIGUSR2, 0, 0);
        long sfd = sc(SYS_signalfd4, -1, (long)&two2, 8, 0);
        long n = sfd >= 0 ? sc(SYS_read, sfd, (long)rbuf, 128, 0) : -1;
        int32_t signo;
        memcpy(&signo, rbuf, 4);
        marker(P_SFDTAKEN, (long)logbuf, 0, 0, 0);
        mask(SIG_UNBLOCK, both);
        if (a == 0 && n == 128 && signo == SIGUSR2)
            log_label(P_SFDTAKEN, seen_n == 1 && seen[0] == SIGUSR1 ? 0 : -4);
        if (sfd >= 0)
            sc(SYS_close, sfd, 0, 0, 0);
    }

    /* SIG_IGN flushes the thread's own queue too */
    {
        long tid = sc(SYS_gettid, 0, 0, 0, 0);
        mask(SIG_BLOCK, u1);
        seen_n = 0;
        a = sc(SYS_tgkill, my_pid, tid, SIGUSR1, 0);
        set_action(SIGUSR1, (void *)SIG_IGN, 0, 0);
        set_action(SIGUSR1, on_seen, SA_SIGINFO_F, both);
        marker(P_TQIGN, (long)logbuf, 0, 0, 0);
        mask(SIG_UNBLOCK, u1);
        if (a == 0)
            log_label(P_TQIGN, seen_n == 0 ? 0 : -4);
    }

    /* epoll_pwait with a zero timeout never looks at signals */
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    if (ep >= 0) {
        mask(SIG_BLOCK, u1);
        seen_n = 0;
        a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
        uint64_t none = 0;
        marker(P_EPWAIT, (long)logbuf, 0, 0, 0);
        long er = sys6(SYS_epoll_pwait, ep, (long)rbuf, 1, 0, (long)&none, 8);
        long n_in = seen_n;
        mask(SIG_UNBLOCK, u1);
        if (a == 0)
            log_label(P_EPWAIT, er == 0 && n_in == 0 && seen_n == 1 ? 0 : -4);
        sc(SYS_close, ep, 0, 0, 0);
    }

    /* pselect6's mask unblocks a pending signal: -EINTR, the handler ran */
    if (ppoll_steps) {
        mask(SIG_BLOCK, u1);
        seen_n = 0;
        a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
        uint64_t none = 0;
        struct { long set, size; } sm = {(long)&none, 8};
        marker(P_PSELECT, (long)logbuf, 0, 0, 0);
        long pr = sys6(SYS_pselect6, 0, 0, 0, 0, (long)&zero, (long)&sm);
        long n_in = seen_n;
        mask(SIG_UNBLOCK, u1);
        if (a == 0)
            log_label(P_PSELECT, pr == -EINTR && n_in == 1 ? 0 : -4);
    }
    set_action(SIGUSR1, 0, 0, 0);
    set_action(SIGUSR2, 0, 0, 0);
}

static void syncq_step(void)
{
    uint64_t sb = bit(SIGSEGV) | bit(SIGBUS);
    long tid = sc(SYS_gettid, 0, 0, 0, 0);
    set_action(SIGSEGV, on_seen, SA_SIGINFO_F, sb);
    set_action(SIGBUS, on_seen, SA_SIGINFO_F, sb);
    mask(SIG_BLOCK, sb);
    seen_n = 0;
    int32_t info[32];
    memset(info, 0, sizeof info);
    info[0] = SIGSEGV;
    info[2] = 1;          /* SEGV_MAPERR */
    long a = sc(SYS_rt_tgsigqueueinfo, my_pid, tid, SIGSEGV, (long)info);
    info[0] = SIGBUS;
    info[2] = 2;          /* BUS_ADRERR */
    long b = sc(SYS_rt_tgsigqueueinfo, my_pid, tid, SIGBUS, (long)info);
    marker(P_SYNCQ, (long)logbuf, 0, 0, 0);
    mask(SIG_UNBLOCK, sb);
    if (a == 0 && b == 0)
        log_label(P_SYNCQ, seen_n == 2 && seen[0] == SIGSEGV ? 0 : -4);
    set_action(SIGSEGV, 0, 0, 0);
    set_action(SIGBUS, 0, 0, 0);
}

/* --- memfd SEEK_HOLE ---------------------------------------------------------------------- */
static void memfd_step(void)
{
    long fd = sc(SYS_memfd_create, (long)"r52", 0, 0, 0);
    if (fd < 0)
        return;
    memset(wbuf, 'm', 100);
    if (sc(SYS_write, fd, (long)wbuf, 100, 0) == 100 && sc(SYS_ftruncate, fd, 3 * PAGE, 0, 0) == 0) {
        marker(P_SEEKHOLE, (long)logbuf, 0, 0, 0);
        long h = sc(SYS_lseek, fd, 0, SEEK_HOLE_C, 0);
        long d = sc(SYS_lseek, fd, PAGE, SEEK_DATA_C, 0);
        log_label(P_SEEKHOLE, h == PAGE && d == -ENXIO ? 0 : h == 3 * PAGE && d == PAGE ? 1 : -4);
    }
    sc(SYS_close, fd, 0, 0, 0);
}

/* --- SO_PASSCRED set late, or on the writing end ------------------------------------------ */
static int writers(int *sv, int writer_opt)
{
    int one = 1;
    if (sc(SYS_socketpair, 1, 1, 0, (long)sv) != 0)
        return 0;
    if (writer_opt && sys6(SYS_setsockopt, sv[1], 1, 16, (long)&one, 4, 0) != 0) {
        close2(sv);
        return 0;
    }
    memset(wbuf, 'P', 100);
    long w = sc(SYS_write, sv[1], (long)wbuf, 100, 0);
    long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
    if (pid == 0) {
        memset(wbuf, 'C', 100);
        sc(SYS_exit_group, sc(SYS_write, sv[1], (long)wbuf, 100, 0) == 100 ? 0 : 1, 0, 0, 0);
    }
    int status = -1;
    if (w == 100 && pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid &&
        status == 0 && sys6(SYS_setsockopt, sv[0], 1, 16, (long)&one, 4, 0) == 0)
        return 1;
    close2(sv);
    return 0;
}

static void creds_steps(void)
{
    int sv[2], one = 1, zero = 0;
    /* the reading end's option on at the first write, off at the child's, on at the read */
    if (sc(SYS_socketpair, 1, 1, 0, (long)sv) == 0) {
        memset(wbuf, 'P', 100);
        long ok = sys6(SYS_setsockopt, sv[0], 1, 16, (long)&one, 4, 0) == 0 &&
                  sc(SYS_write, sv[1], (long)wbuf, 100, 0) == 100 &&
                  sys6(SYS_setsockopt, sv[0], 1, 16, (long)&zero, 4, 0) == 0;
        long pid = ok ? sc(SYS_clone, SIGCHLD, 0, 0, 0) : -1;
        if (pid == 0) {
            memset(wbuf, 'C', 100);
            sc(SYS_exit_group, sc(SYS_write, sv[1], (long)wbuf, 100, 0) == 100 ? 0 : 1, 0, 0, 0);
        }
        int status = -1;
        if (pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid && status == 0 &&
            sys6(SYS_setsockopt, sv[0], 1, 16, (long)&one, 4, 0) == 0) {
            marker(P_TOGGLE, (long)logbuf, (long)rbuf, 0, 0);
            long n = sc(SYS_read, sv[0], (long)rbuf, 4096, 0);
            int first = got(n, 100, 0, 'P');
            long m = sc(SYS_read, sv[0], (long)rbuf, 4096, 0);
            log_label(P_TOGGLE, first && got(m, 100, 0, 'C') ? 0 : -4);
        }
        close2(sv);
    }
    if (writers(sv, 0)) {
        marker(P_LATECRED, (long)logbuf, (long)rbuf, 0, 0);
        long n = sc(SYS_read, sv[0], (long)rbuf, 4096, 0);
        log_label(P_LATECRED, n == 200 && got(100, 100, 0, 'P') && got(100, 100, 100, 'C') ?
                              0 : -4);
        close2(sv);
    }
    if (writers(sv, 1)) {
        marker(P_WCRED, (long)logbuf, (long)rbuf, 0, 0);
        long n = sc(SYS_read, sv[0], (long)rbuf, 4096, 0);
        int first = got(n, 100, 0, 'P');
        long m = sc(SYS_read, sv[0], (long)rbuf, 4096, 0);
        log_label(P_WCRED, first && got(m, 100, 0, 'C') ? 0 : -4);
        close2(sv);
    }
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        grow_steps |= strcmp(argv[i], "-g") == 0;
        syncq_steps |= strcmp(argv[i], "-s") == 0;
        ppoll_steps |= strcmp(argv[i], "-p") == 0;
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
    gap_steps();
    pipe_steps();
    signal_steps();
    memfd_step();
    creds_steps();
    if (grow_steps)
        grow_steps_run();
    if (syncq_steps)
        syncq_step();

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
