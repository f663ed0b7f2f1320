/* secret_r51_rules: the attack target of red-team round fifty-one (the rules added after
 * rounds 49 and 50, both ways: holes the program unmapped and stack growth, signal order
 * and coalescing, pipe packet mode and ring room, memfd offsets through reopens, dups and
 * fork, sigaltstack at MINSIGSTKSZ).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.
 *
 *  P_GAP       a read-write page R, the page above it munmap()ed, and a MAP_GROWSDOWN page
 *              G above that hole: a store into the hole (under a probe) is SIGSEGV
 *              SEGV_MAPERR naming it (expand_downwards() keeps stack_guard_gap from R) (0);
 *              the store completes or anything else: -4.
 *  P_SIGIGN    SIGUSR1 blocked and kill()ed to itself, then set to SIG_IGN (the pending one
 *              is discarded), a handler set again and SIGUSR1 unblocked: no delivery (0);
 *              a delivery from another pid (1); one naming its own pid: -4.
 *  P_WAITORDER SIGUSR2 then SIGUSR1 kill()ed while blocked; rt_sigtimedwait({USR1,USR2})
 *              twice, with a siginfo: SIGUSR1 then SIGUSR2 (0), else -4.
 *  P_SUSPEND   SIGUSR1 and SIGUSR2 blocked and pending; rt_sigsuspend(mask blocking
 *              SIGUSR1): SIGUSR2's handler alone runs, -EINTR; unblocking SIGUSR1 after:
 *              it runs (0), else -4.
 *  P_TWOQ      SIGUSR1 blocked; tgkill(own tid) twice and kill(own pid) twice; unblocked:
 *              two deliveries (one per queue) (0); one (1, a dropped signal); else -4.
 *  P_PKT       pipe2(O_DIRECT|O_NONBLOCK): writes of 100 'a' and 50 'b'; read(4096) is the
 *              first packet (100 'a'); read(30) is 30 'b' and drops the rest; read is
 *              -EAGAIN (0), else -4.
 *  P_PKTMERGE  a plain non-blocking pipe: write 100 'a', F_SETFL O_DIRECT on the write
 *              end, write 50 'b' (its head merges into the plain buffer): read(4096) is 150
 *              (0), else -4.
 *  P_PKTTAIL   a pipe2(O_DIRECT) write of 100 'a', F_SETFL without O_DIRECT, write 50 'b'
 *              (no merge into a packet): read(4096) is 100 'a', then 50 'b' (0), else -4.
 *  P_SZBUSY    a non-blocking pipe holding 3 pages: F_SETPIPE_SZ(4096) is -EBUSY (0), else
 *              -4.
 *  P_SZROUND   an empty pipe: F_SETPIPE_SZ(5000) answers 8192 (0), else -4.
 *  P_MEMOFF    a memfd written 100 'm' through fd1, reopened through /proc/self/fd/fd1 as
 *              fd2: read(fd2, 4096) is the 100 bytes (0), else -4.
 *  P_DUPOFF    dup(fd1) shares fd1's offset (100, the end): read is 0 (0), else -4.
 *  P_FORKOFF   lseek(fd1, 0); a fork child reads 60 through fd1 and exits; the parent's
 *              read(fd1, 4096) is the last 40 (0), else -4.
 *  P_ALTMIN    sigaltstack() with ss_size 5120 (MINSIGSTKSZ) succeeds (0), else -4.
 *  P_MOVED     a private anonymous page moved by mremap(MREMAP_MAYMOVE|MREMAP_FIXED) onto
 *              a page the program mapped for it: a load from the old place (under a
 *              probe) is SIGSEGV SEGV_MAPERR naming it (0), else -4.
 *  P_SIGFD     SIGUSR2 then SIGUSR1 kill()ed while blocked; a signalfd for both read
 *              twice (128 bytes each): SIGUSR1 then SIGUSR2 (0), else -4.
 *  P_SHRINKMR  a two-page private anonymous area shrunk to one page by mremap(): a load
 *              from the page it dropped (under a probe) is SIGSEGV SEGV_MAPERR naming
 *              it (0), else -4.
 *  P_URG       SIGURG (default action: ignore) blocked and kill()ed to itself, then set to
 *              SIG_DFL (the pending one is discarded), a handler set again and SIGURG
 *              unblocked: no delivery (0); one from another pid (1); else -4.
 *  P_BRKBACK   the heap grown by two pages, 'a' stored in the upper one, brk() shrunk by a
 *              page and grown back: a load from the page reads 0, a fresh page (0), else
 *              -4.
 *  P_PEEK      a SOCK_STREAM socketpair whose reading end has SO_PASSCRED: the program
 *              writes 100 'P', a fork child 100 'C'; recvfrom(MSG_PEEK, 4096) is 100 'P',
 *              read(4096) is 100 'P', read(4096) is 100 'C' (0), else -4.
 *  P_WAITALL   the same, recvfrom(MSG_WAITALL, 200) is 100 'P' (the credentials differ),
 *              then read(4096) is 100 'C' (0), else -4.
 *  P_QSYNC (-t: qemu-user keeps one queue) SIGSEGV kill()ed to the process and SIGUSR2
 *              tgkill()ed to its thread while both blocked (each handler blocks both):
 *              the thread's own queue is taken first, SIGUSR2 then SIGSEGV (0), else -4.
 *  P_SZMERGE   a non-blocking pipe holding 100 bytes, F_SETPIPE_SZ(4096) (one slot, in
 *              use: 4096); a write of 5000 merges its 904-byte head into the last buffer
 *              and stops: 904 (0), else -4.
 *  P_APPEND    a memfd of 100 bytes reopened O_RDWR|O_APPEND through /proc/self/fd: a
 *              write of 10 lands at 100; the reopen's read is then 0 and pread through
 *              the first descriptor sees 110 bytes (0), else -4.
 *  P_TRUNC     a reopen with O_TRUNC empties the memfd: a read through the first
 *              descriptor (offset 100) is 0 and pread at 0 is 0 (0), else -4.
 *  P_HINT      three read-write pages, the middle one munmap()ed: mmap() with the hole as
 *              its hint (no MAP_FIXED) answers the hole, a store there completes and the
 *              page reads 0 elsewhere; munmap() again and mmap(MAP_FIXED_NOREPLACE) of
 *              the hole answers it too (0), else -4.
 *  P_CHILDHOLE three read-write pages, the middle one munmap()ed, then fork: the child
 *              stores into the hole under a probe: SIGSEGV SEGV_MAPERR naming it, and it
 *              exits 0 (0); else it exits 4 (-4).
 *  P_BLOCKEDFAULT a fork child with a SIGSEGV handler blocks SIGSEGV, kill()s itself
 *              SIGSEGV (pending) and stores into an unmapped page: the fault resets the
 *              blocked handler to SIG_DFL and the child dies of SIGSEGV (0); it runs on
 *              and exits 0 (-4); else 2.
 *  P_WAITNONE  SIGUSR1 blocked, none pending: rt_sigtimedwait({USR1}, info, zero timeout)
 *              is -EAGAIN (0); SIGUSR1 from another pid (1); SIGUSR1 naming its own pid
 *              (-4).
 *  P_VFORKHOLE (-v: qemu-user runs vfork as fork) a vfork child munmap()s the middle
 *              of three read-write pages and exits; the parent's store there is SIGSEGV
 *              SEGV_MAPERR naming it (0), else -4.
 *  P_VFORKMAP  (-v) the parent munmap()s the middle of three pages; a vfork child maps it
 *              again (MAP_FIXED), stores 'v' there and exits; the parent reads 'v' (0),
 *              else -4.
 *  P_PKTBIG    an O_DIRECT write of 5000 into an empty non-blocking pipe makes two packets:
 *              read(8192) is 4096, the next 904 (0), else -4.
 *  P_PKTMIX    100 plain bytes, then (O_DIRECT set by F_SETFL) a write of 5000: its 904-byte
 *              head merges into the plain buffer and 4096 go in a packet; read(8192) is
 *              all 5100 (the read stops after the packet), the next -EAGAIN (0), else -4.
 *  P_CHILDSEGV SIGUSR1 and SIGSEGV blocked (each handler blocks both); the program
 *              kill()s itself SIGUSR1, a fork child kill()s it SIGSEGV; unblocked:
 *              SIGSEGV, a synchronous signal, runs first (0), else -4.
 *  P_SZGROW    a non-blocking pipe holding 16 pages grown by F_SETPIPE_SZ(131072) takes a
 *              write of 4096 (4096); one holding 3 pages set to 12288 answers 16384 (four
 *              slots) and a write of 8192 then copies one page: 4096 (0), else -4.
 *  P_ACCEPT (-a: written when the kernel model's accept()ed socket did not inherit
 *              SO_PASSCRED) an AF_UNIX stream socket with SO_PASSCRED listening with
 *              backlog 0 (no other process's connection can be the one accepted:
 *              unix_recvq_full()); a client connects and
 *              is accept()ed; the program writes 100 'P' through the client, a fork
 *              child 100 'C'; read(4096) of the accepted socket, which inherited
 *              SO_PASSCRED, stops at the writer change: 100 'P' (0), else -4.
 *  P_MRGROW    two read-write pages, the upper one munmap()ed: mremap() of the lower one to
 *              two pages (no flags) grows it in place over the hole; a store there
 *              completes and reads back, the rest of the page 0 (0), else -4.
 *  P_APPENDPW  pwrite64 of 10 'z' at offset 0 through the O_APPEND reopen appends them
 *              (the offset is ignored): pread through the first descriptor sees 100 'm',
 *              10 'n', 10 'z' (0), else -4.
 *  P_SEALTRUNC a 100-byte memfd sealed F_SEAL_SHRINK reopened O_RDWR|O_TRUNC through
 *              /proc/self/fd: -EPERM, and the memfd keeps its 100 bytes (0), else -4.
 *  P_ALTHUGE   sigaltstack() with ss_size 1 << 40 succeeds (no upper bound) (0), else -4.
 *  P_ALTBELOW (-m: qemu-user takes stacks down to 2048) sigaltstack() with ss_size 5119
 *              is -ENOMEM (0), else -4.
 *  P_GROWS (-g: the kernel model never grows a MAP_GROWSDOWN area) a two-page
 *              MAP_GROWSDOWN area whose lower page the program munmap()s: a store into
 *              that page grows the area (expand_stack()) and completes (0); SIGSEGV (1,
 *              the kernel model's answer); else -4.
 *  P_DONTUNMAP (-u: the kernel model unmaps the old range) a private anonymous page of
 *              'a' moved by mremap(MREMAP_MAYMOVE|MREMAP_DONTUNMAP): the new place holds
 *              'a' and a load from the old place reads 0 with no fault (0); SIGSEGV there
 *              (1, the kernel model's answer); else -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r51.py.  Only the digest of the secret is ever printed.
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
#define P_GAP 5100         /* x3 the address stored to */
#define P_SIGIGN 5102
#define P_WAITORDER 5104
#define P_SUSPEND 5106
#define P_TWOQ 5108
#define P_PKT 5110
#define P_PKTMERGE 5112
#define P_PKTTAIL 5114
#define P_SZBUSY 5116
#define P_SZROUND 5118
#define P_MEMOFF 5120
#define P_DUPOFF 5122
#define P_FORKOFF 5124
#define P_ALTMIN 5126
#define P_GROWS 5128       /* x3 the address stored to */
#define P_DONTUNMAP 5130   /* x3 the address loaded from */
#define P_MOVED 5132       /* x3 the address loaded from */
#define P_SIGFD 5134       /* x3 the read's buffer */
#define P_SHRINKMR 5136    /* x3 the address loaded from */
#define P_URG 5138
#define P_BRKBACK 5140     /* x3 the address loaded from */
#define P_PEEK 5142        /* x3 the receive buffer */
#define P_WAITALL 5144     /* x3 the receive buffer */
#define P_QSYNC 5146
#define P_SZMERGE 5148
#define P_APPEND 5150
#define P_TRUNC 5152
#define P_HINT 5154        /* x3 the hole */
#define P_CHILDHOLE 5156   /* x3 the address the child stores to */
#define P_BLOCKEDFAULT 5158 /* x3 the address the child stores to */
#define P_WAITNONE 5160    /* x3 the siginfo buffer */
#define P_VFORKHOLE 5162   /* x3 the address stored to */
#define P_VFORKMAP 5164    /* x3 the address loaded from */
#define P_PKTBIG 5166      /* x3 the read's buffer */
#define P_PKTMIX 5168      /* x3 the read's buffer */
#define P_CHILDSEGV 5170
#define P_SZGROW 5172
#define P_ACCEPT 5174      /* x3 the read's buffer */
#define P_MRGROW 5176      /* x3 the address stored to */
#define P_APPENDPW 5178    /* x3 the pread's buffer */
#define P_ALTHUGE 5180
#define P_ALTBELOW 5182
#define P_SEALTRUNC 5184

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
#define F_SEAL_SHRINK_C 0x0002
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
static int grow_steps, dontunmap_steps, qsync_steps, vfork_steps, accept_steps, below_steps;
static uint8_t altstk[ALT_SIZE] __attribute__((aligned(16)));

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};
struct kernel_stack {
    uint64_t sp;
    int32_t flags, pad;
    uint64_t size;
};

static uint8_t rbuf[2 * PAGE] __attribute__((aligned(4096)));
static uint8_t wbuf[4 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r51"
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

#define SA_SIGINFO_F 0x4
#define SS_DISABLE_F 2
#define ALT_SIZE 16384
#define F_SETPIPE_SZ_C 1031
#define O_DIRECT_F 0x10000         /* arm64's O_DIRECT */
#define MAP_GROWSDOWN_F 0x100
#define MAP_FIXED_NOREPLACE_F 0x100000
#define MREMAP_MAYMOVE_F 1
#define MREMAP_DONTUNMAP_F 4
#define SEGV_MAPERR_C 1

static uint8_t altstk[ALT_SIZE] __attribute__((aligned(16)));

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
    __asm__ volatile("str %0, [%1]" :: "r"(0x51L), "r"(va) : "memory");
}

static long load(long va)
{
    long v = 0x77;
    __asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(va) : "memory");
    return v;
}

/* --- holes and stack growth ---------------------------------------------------------- */
static void gap_step(void)
{
    long r = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (!mapped_ok(r))
        return;
    long g = sys6(SYS_mmap, r + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN_F, -1, 0);
    if (g == r + 2 * PAGE && sc(SYS_munmap, r + PAGE, PAGE, 0, 0) == 0) {
        long target = r + PAGE + 0x100;
        probe_on();
        marker(P_GAP, (long)logbuf, target, 0, 0);
        store(target);
        log_label(P_GAP, probe_faults == 1 && probe_signo == SIGSEGV &&
                         probe_code == SEGV_MAPERR_C && probe_addr == target ? 0 : -4);
        probe_off();
    }
    sc(SYS_munmap, r, 3 * PAGE, 0, 0);
}

static void grows_step(void)
{
    long g = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN_F, -1, 0);
    if (!mapped_ok(g))
        return;
    if (sc(SYS_munmap, g, PAGE, 0, 0) == 0) {
        long target = g + 0x200;
        probe_on();
        marker(P_GROWS, (long)logbuf, target, 0, 0);
        store(target);
        long v = probe_faults ? 0 : load(target);
        log_label(P_GROWS, probe_faults == 0 && v == 0x51 ? 0 :
                           probe_faults == 1 && probe_signo == SIGSEGV &&
                           probe_addr == target ? 1 : -4);
        probe_off();
    }
    sc(SYS_munmap, g, 2 * PAGE, 0, 0);
}

static void dontunmap_step(void)
{
    long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!mapped_ok(p))
        return;
    memset((void *)p, 'a', PAGE);
    long q = sys6(SYS_mremap, p, PAGE, PAGE, MREMAP_MAYMOVE_F | MREMAP_DONTUNMAP_F, 0, 0);
    if (mapped_ok(q) && q != p) {
        probe_on();
        marker(P_DONTUNMAP, (long)logbuf, p + 8, 0, 0);
        long v = load(p + 8);
        int moved = ((uint8_t *)q)[100] == 'a';
        log_label(P_DONTUNMAP, moved && probe_faults == 0 && v == 0 ? 0 :
                               moved && probe_faults == 1 && probe_signo == SIGSEGV ? 1 : -4);
        probe_off();
        sc(SYS_munmap, q, PAGE, 0, 0);
    }
    sc(SYS_munmap, p, PAGE, 0, 0);
}

static void moved_step(void)
{
    long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long t = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!mapped_ok(p) || !mapped_ok(t))
        return;
    memset((void *)p, 'a', PAGE);
    long q = sys6(SYS_mremap, p, PAGE, PAGE, MREMAP_MAYMOVE_F | 2 /* MREMAP_FIXED */, t, 0);
    if (q == t) {
        long target = p + 8;
        probe_on();
        marker(P_MOVED, (long)logbuf, target, 0, 0);
        load(target);
        int moved = ((uint8_t *)q)[100] == 'a';
        log_label(P_MOVED, moved && probe_faults == 1 && probe_signo == SIGSEGV &&
                           probe_code == SEGV_MAPERR_C && probe_addr == target ? 0 : -4);
        probe_off();
    }
    sc(SYS_munmap, t, PAGE, 0, 0);
    sc(SYS_munmap, p, PAGE, 0, 0);
}

static void shrink_step(void)
{
    long p = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (!mapped_ok(p))
        return;
    memset((void *)p, 'a', 2 * PAGE);
    if (sys6(SYS_mremap, p, 2 * PAGE, PAGE, 0, 0, 0) == p) {
        long target = p + PAGE + 8;
        probe_on();
        marker(P_SHRINKMR, (long)logbuf, target, 0, 0);
        long v = load(target);
        log_label(P_SHRINKMR, probe_faults == 1 && probe_signo == SIGSEGV &&
                              probe_code == SEGV_MAPERR_C && probe_addr == target &&
                              v == 0x77 ? 0 : -4);
        probe_off();
    }
    sc(SYS_munmap, p, 2 * PAGE, 0, 0);
}

static void brkback_step(void)
{
    long cur = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    if (sys6(SYS_brk, cur + 2 * PAGE, 0, 0, 0, 0, 0) != cur + 2 * PAGE)
        return;
    long target = cur + PAGE + 8;
    memset((void *)(cur + PAGE), 'a', PAGE);
    marker(P_BRKBACK, (long)logbuf, target, 0, 0);
    long s1 = sys6(SYS_brk, cur + PAGE, 0, 0, 0, 0, 0);
    long s2 = sys6(SYS_brk, cur + 2 * PAGE, 0, 0, 0, 0, 0);
    if (s1 == cur + PAGE && s2 == cur + 2 * PAGE)
        log_label(P_BRKBACK, load(target) == 0 ? 0 : -4);
    sys6(SYS_brk, cur, 0, 0, 0, 0, 0);
}

/* --- SO_PASSCRED: MSG_PEEK and MSG_WAITALL ------------------------------------------ */
static int two_writers(int *sv)
{
    if (sc(SYS_socketpair, 1, 1, 0, (long)sv) != 0)
        return 0;
    int one = 1;
    if (sys6(SYS_setsockopt, sv[0], 1, 16, (long)&one, 4, 0) != 0) {
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
        status == 0)
        return 1;
    close2(sv);
    return 0;
}

static void accept_step(void)
{
    struct { uint16_t family; char path[14]; } addr = {1, "\0r51-accept-x"};
    addr.path[13] = 'a' + my_pid % 26;
    long l = sc(SYS_socket, 1, 1, 0, 0);
    long c = sc(SYS_socket, 1, 1, 0, 0);
    int one = 1;
    if (l < 0 || c < 0)
        return;
    long conn = -1;
    if (sys6(SYS_setsockopt, l, 1, 16, (long)&one, 4, 0) == 0 &&
        sc(SYS_bind, l, (long)&addr, sizeof addr, 0) == 0 && sc(SYS_listen, l, 0, 0, 0) == 0 &&
        sc(SYS_connect, c, (long)&addr, sizeof addr, 0) == 0)
        conn = sys6(SYS_accept4, l, 0, 0, 0, 0, 0);
    if (conn >= 0) {
        memset(wbuf, 'P', 100);
        long w = sc(SYS_write, c, (long)wbuf, 100, 0);
        long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
        if (pid == 0) {
            memset(wbuf, 'C', 100);
            sc(SYS_exit_group, sc(SYS_write, c, (long)wbuf, 100, 0) == 100 ? 0 : 1, 0, 0, 0);
        }
        int status = -1;
        if (w == 100 && pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid &&
            status == 0) {
            memset(rbuf, 0, sizeof rbuf);
            marker(P_ACCEPT, (long)logbuf, (long)rbuf, 0, 0);
            long n = sc(SYS_read, conn, (long)rbuf, PAGE, 0);
            log_label(P_ACCEPT, got(n, 100, 0, 'P') ? 0 : -4);
        }
        sc(SYS_close, conn, 0, 0, 0);
    }
    sc(SYS_close, c, 0, 0, 0);
    sc(SYS_close, l, 0, 0, 0);
}

static void creds_steps(void)
{
    int sv[2];
    if (two_writers(sv)) {
        memset(rbuf, 0, sizeof rbuf);
        marker(P_PEEK, (long)logbuf, (long)rbuf, 0, 0);
        long n1 = sys6(SYS_recvfrom, sv[0], (long)rbuf, PAGE, 2 /* MSG_PEEK */, 0, 0);
        int ok = got(n1, 100, 0, 'P');
        long n2 = sc(SYS_read, sv[0], (long)rbuf, PAGE, 0);
        ok &= got(n2, 100, 0, 'P');
        long n3 = sc(SYS_read, sv[0], (long)rbuf, PAGE, 0);
        log_label(P_PEEK, ok && got(n3, 100, 0, 'C') ? 0 : -4);
        close2(sv);
    }
    if (two_writers(sv)) {
        memset(rbuf, 0, sizeof rbuf);
        marker(P_WAITALL, (long)logbuf, (long)rbuf, 0, 0);
        long n1 = sys6(SYS_recvfrom, sv[0], (long)rbuf, 200, 0x100 /* MSG_WAITALL */, 0, 0);
        int ok = got(n1, 100, 0, 'P');
        long n2 = sc(SYS_read, sv[0], (long)rbuf, PAGE, 0);
        log_label(P_WAITALL, ok && got(n2, 100, 0, 'C') ? 0 : -4);
        close2(sv);
    }
}

static void mrgrow_step(void)
{
    long r = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (!mapped_ok(r))
        return;
    long target = r + PAGE + 8;
    if (sc(SYS_munmap, r + PAGE, PAGE, 0, 0) == 0) {
        marker(P_MRGROW, (long)logbuf, target, 0, 0);
        long g = sys6(SYS_mremap, r, PAGE, 2 * PAGE, 0, 0, 0);
        int ok = g == r;
        if (ok) {
            probe_on();
            store(target);
            ok = probe_faults == 0 && load(target) == 0x51 && load(target + 64) == 0;
            probe_off();
        }
        log_label(P_MRGROW, ok ? 0 : -4);
    }
    sc(SYS_munmap, r, 2 * PAGE, 0, 0);
}

static void hint_step(void)
{
    long r = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (!mapped_ok(r))
        return;
    long hole = r + PAGE;
    if (sc(SYS_munmap, hole, PAGE, 0, 0) == 0) {
        marker(P_HINT, (long)logbuf, hole, 0, 0);
        long h = sys6(SYS_mmap, hole, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
        int ok = h == hole;
        if (ok) {
            ok &= load(hole + 64) == 0;
            store(hole + 8);
            ok &= load(hole + 8) == 0x51;
        }
        sc(SYS_munmap, hole, PAGE, 0, 0);
        long f = sys6(SYS_mmap, hole, PAGE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE_F, -1, 0);
        ok &= f == hole;
        if (f == hole) {
            ok &= load(hole + 8) == 0;
            store(hole + 8);
            ok &= load(hole + 8) == 0x51;
        }
        log_label(P_HINT, ok ? 0 : -4);
    }
    sc(SYS_munmap, r, 3 * PAGE, 0, 0);
}

static void childhole_step(void)
{
    long r = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (!mapped_ok(r))
        return;
    long target = r + PAGE + 0x80;
    if (sc(SYS_munmap, r + PAGE, PAGE, 0, 0) == 0) {
        marker(P_CHILDHOLE, (long)logbuf, target, 0, 0);
        long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
        if (pid == 0) {
            probe_on();
            store(target);
            sc(SYS_exit_group, probe_faults == 1 && probe_signo == SIGSEGV &&
                               probe_code == SEGV_MAPERR_C && probe_addr == target ? 0 : 4,
               0, 0, 0);
        }
        int status = -1;
        /* (a child the kernel killed is its right to refuse service: a public label) */
        if (pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid)
            log_label(P_CHILDHOLE, status == 0 ? 0 : (status & 0x7f) ? 1 : -4);
    }
    sc(SYS_munmap, r, 3 * PAGE, 0, 0);
}

static void blockedfault_step(void)
{
    long r = sys6(SYS_mmap, 0, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!mapped_ok(r) || sc(SYS_munmap, r, PAGE, 0, 0) != 0)
        return;
    long target = r + 0x40;
    marker(P_BLOCKEDFAULT, (long)logbuf, target, 0, 0);
    long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
    if (pid == 0) {
        probe_on();
        mask(SIG_BLOCK, bit(SIGSEGV));
        sc(SYS_kill, sc(SYS_getpid, 0, 0, 0, 0), SIGSEGV, 0, 0);
        store(target);
        sc(SYS_exit_group, 0, 0, 0, 0);
    }
    int status = -1;
    if (pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid)
        log_label(P_BLOCKEDFAULT, (status & 0x7f) == SIGSEGV ? 0 : status == 0 ? -4 : 2);
}

#define CLONE_VM_F 0x100
#define CLONE_VFORK_F 0x4000

static void vfork_steps_run(void)
{
    long r = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (!mapped_ok(r))
        return;
    long hole = r + PAGE, target = hole + 0x80;
    int status = -1;
    long pid = sys6(SYS_clone, CLONE_VM_F | CLONE_VFORK_F | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_munmap, hole, PAGE, 0, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid && status == 0) {
        probe_on();
        marker(P_VFORKHOLE, (long)logbuf, target, 0, 0);
        store(target);
        log_label(P_VFORKHOLE, probe_faults == 1 && probe_signo == SIGSEGV &&
                               probe_code == SEGV_MAPERR_C && probe_addr == target ? 0 : -4);
        probe_off();
    }
    /* the parent's own hole, mapped again by its vfork child */
    sc(SYS_munmap, hole, PAGE, 0, 0);
    marker(P_VFORKMAP, (long)logbuf, target, 0, 0);
    pid = sys6(SYS_clone, CLONE_VM_F | CLONE_VFORK_F | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        long m = sys6(SYS_mmap, hole, PAGE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (m == hole)
            *(volatile uint8_t *)target = 'v';
        sys6(SYS_exit, m == hole ? 0 : 1, 0, 0, 0, 0, 0);
    }
    status = -1;
    if (pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid && status == 0) {
        probe_on();
        long v = load(target);
        log_label(P_VFORKMAP, probe_faults == 0 && (v & 0xff) == 'v' ? 0 : -4);
        probe_off();
    }
    sc(SYS_munmap, r, 3 * PAGE, 0, 0);
}

/* --- signals ------------------------------------------------------------------------- */
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

static void signal_steps(void)
{
    uint64_t u1 = bit(SIGUSR1), both = bit(SIGUSR1) | bit(SIGUSR2);
    long tid = sc(SYS_gettid, 0, 0, 0, 0);

    /* SIG_IGN discards a pending signal (do_sigaction(): sig_handler_ignored ->
     * flush_sigqueue_mask) */
    set_action(SIGUSR1, on_seen, SA_SIGINFO_F, 0);
    mask(SIG_BLOCK, u1);
    seen_n = 0;
    long a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
    set_action(SIGUSR1, (void *)SIG_IGN, 0, 0);
    set_action(SIGUSR1, on_seen, SA_SIGINFO_F, 0);
    marker(P_SIGIGN, (long)logbuf, 0, 0, 0);
    mask(SIG_UNBLOCK, u1);
    if (a == 0)
        log_label(P_SIGIGN, seen_n == 0 ? 0 : seen_n == 1 && seen_pid[0] != my_pid ? 1 : -4);

    /* rt_sigtimedwait takes the lowest first (next_signal()) */
    set_action(SIGUSR2, on_seen, SA_SIGINFO_F, both);
    set_action(SIGUSR1, on_seen, SA_SIGINFO_F, both);
    mask(SIG_BLOCK, both);
    a = sc(SYS_kill, my_pid, SIGUSR2, 0, 0);
    long b = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
    uint64_t set = both;
    struct { long s, ns; } zero = {0, 0};
    marker(P_WAITORDER, (long)logbuf, 0, 0, 0);
    /* (with a siginfo: SI_USER from its own pid names the shared queue's kill(), where
     * another process's tgkill() to the thread would carry its own pid) */
    uint64_t waited[16];
    long w1 = sys6(SYS_rt_sigtimedwait, (long)&set, (long)waited, (long)&zero, 8, 0, 0);
    long w2 = sys6(SYS_rt_sigtimedwait, (long)&set, (long)waited, (long)&zero, 8, 0, 0);
    if (a == 0 && b == 0)
        log_label(P_WAITORDER, w1 == SIGUSR1 && w2 == SIGUSR2 ? 0 : -4);
    mask(SIG_UNBLOCK, both);
    mask(SIG_BLOCK, both);

    /* rt_sigsuspend's temporary mask keeps SIGUSR1 blocked */
    seen_n = 0;
    a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
    b = sc(SYS_kill, my_pid, SIGUSR2, 0, 0);
    uint64_t tmp = u1;
    marker(P_SUSPEND, (long)logbuf, 0, 0, 0);
    long s = sys6(SYS_rt_sigsuspend, (long)&tmp, 8, 0, 0, 0, 0);
    long n1 = seen_n, f1 = seen[0];
    mask(SIG_UNBLOCK, both);
    if (a == 0 && b == 0)
        log_label(P_SUSPEND, s == -EINTR && n1 == 1 && f1 == SIGUSR2 && seen_n == 2 &&
                             seen[1] == SIGUSR1 ? 0 : -4);

    /* a standard signal is pending once per queue: the thread's and the process's */
    mask(SIG_BLOCK, u1);
    seen_n = 0;
    a = sc(SYS_tgkill, my_pid, tid, SIGUSR1, 0) | sc(SYS_tgkill, my_pid, tid, SIGUSR1, 0) |
        sc(SYS_kill, my_pid, SIGUSR1, 0, 0) | sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
    marker(P_TWOQ, (long)logbuf, 0, 0, 0);
    mask(SIG_UNBLOCK, u1);
    if (a == 0)
        log_label(P_TWOQ, seen_n == 2 ? 0 : seen_n == 1 ? 1 : -4);

    /* SIG_DFL of a signal whose default is to ignore it discards it too */
    set_action(SIGURG, on_seen, SA_SIGINFO_F, 0);
    mask(SIG_BLOCK, bit(SIGURG));
    seen_n = 0;
    a = sc(SYS_kill, my_pid, SIGURG, 0, 0);
    set_action(SIGURG, (void *)SIG_DFL, 0, 0);
    set_action(SIGURG, on_seen, SA_SIGINFO_F, 0);
    marker(P_URG, (long)logbuf, 0, 0, 0);
    mask(SIG_UNBLOCK, bit(SIGURG));
    if (a == 0)
        log_label(P_URG, seen_n == 0 ? 0 : seen_n == 1 && seen_pid[0] != my_pid ? 1 : -4);
    set_action(SIGURG, 0, 0, 0);

    /* rt_sigtimedwait with nothing pending */
    {
        uint64_t one = u1;
        memset(rbuf, 0, 128);
        marker(P_WAITNONE, (long)logbuf, (long)rbuf, 0, 0);
        long w = sys6(SYS_rt_sigtimedwait, (long)&one, (long)rbuf, (long)&zero, 8, 0, 0);
        int32_t spid;
        memcpy(&spid, rbuf + 16, 4);
        log_label(P_WAITNONE, w == -EAGAIN ? 0 : w == SIGUSR1 && spid != my_pid ? 1 : -4);
    }

    /* the thread's own queue before the process's, a synchronous signal or not */
    uint64_t two = bit(SIGUSR2) | bit(SIGSEGV);
    if (qsync_steps) {
        set_action(SIGUSR2, on_seen, SA_SIGINFO_F, two);
        set_action(SIGSEGV, on_seen, SA_SIGINFO_F, two);
        mask(SIG_BLOCK, two);
        seen_n = 0;
        a = sc(SYS_kill, my_pid, SIGSEGV, 0, 0);
        b = sc(SYS_tgkill, my_pid, tid, SIGUSR2, 0);
        marker(P_QSYNC, (long)logbuf, 0, 0, 0);
        mask(SIG_UNBLOCK, two);
        if (a == 0 && b == 0)
            log_label(P_QSYNC, seen_n == 2 && seen[0] == SIGUSR2 && seen[1] == SIGSEGV ? 0 : -4);
        set_action(SIGSEGV, 0, 0, 0);
        set_action(SIGUSR2, on_seen, SA_SIGINFO_F, both);
    }

    /* a fork child's SIGSEGV (synchronous) before the program's own SIGUSR1 */
    {
        uint64_t us = bit(SIGUSR1) | bit(SIGSEGV);
        set_action(SIGUSR1, on_seen, SA_SIGINFO_F, us);
        set_action(SIGSEGV, on_seen, SA_SIGINFO_F, us);
        mask(SIG_BLOCK, us);
        seen_n = 0;
        a = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
        long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
        if (pid == 0)
            sc(SYS_exit_group, sc(SYS_kill, sc(SYS_getppid, 0, 0, 0, 0), SIGSEGV, 0, 0) == 0 ? 0 : 1,
               0, 0, 0);
        int status = -1;
        long w = -EINTR;
        while (pid > 0 && w == -EINTR)      /* qemu-user's host signal may interrupt it */
            w = sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
        if (a == 0 && pid > 0 && w == pid && status == 0) {
            marker(P_CHILDSEGV, (long)logbuf, 0, 0, 0);
            mask(SIG_UNBLOCK, us);
            log_label(P_CHILDSEGV, seen_n == 2 && seen[0] == SIGSEGV && seen[1] == SIGUSR1 &&
                                   seen_pid[0] == pid && seen_pid[1] == my_pid ? 0 : -4);
        }
        mask(SIG_UNBLOCK, us);
        set_action(SIGSEGV, 0, 0, 0);
        set_action(SIGUSR1, on_seen, SA_SIGINFO_F, both);
    }

    /* a signalfd read takes the lowest too (signalfd_dequeue() -> dequeue_signal()) */
    mask(SIG_BLOCK, both);
    a = sc(SYS_kill, my_pid, SIGUSR2, 0, 0);
    b = sc(SYS_kill, my_pid, SIGUSR1, 0, 0);
    long sfd = sc(SYS_signalfd4, -1, (long)&set, 8, O_NONBLOCK);
    if (a == 0 && b == 0 && sfd >= 0) {
        memset(rbuf, 0, sizeof rbuf);
        marker(P_SIGFD, (long)logbuf, (long)rbuf, 0, 0);
        long r1 = sc(SYS_read, sfd, (long)rbuf, 128, 0);
        uint32_t s1 = *(uint32_t *)rbuf;
        long r2 = sc(SYS_read, sfd, (long)rbuf, 128, 0);
        uint32_t s2 = *(uint32_t *)rbuf;
        log_label(P_SIGFD, r1 == 128 && r2 == 128 && s1 == SIGUSR1 && s2 == SIGUSR2 ? 0 : -4);
    }
    if (sfd >= 0)
        sc(SYS_close, sfd, 0, 0, 0);
    mask(SIG_UNBLOCK, both);
    set_action(SIGUSR1, 0, 0, 0);
    set_action(SIGUSR2, 0, 0, 0);
}

/* --- pipes: packet mode and the ring's room ------------------------------------------- */
static void pipe_steps(void)
{
    int fds[2];
    memset(wbuf, 'a', 100);
    memset(wbuf + 100, 'b', 50);
    if (sc(SYS_pipe2, (long)fds, O_DIRECT_F | O_NONBLOCK, 0, 0) == 0) {
        if (sc(SYS_write, fds[1], (long)wbuf, 100, 0) == 100 &&
            sc(SYS_write, fds[1], (long)wbuf + 100, 50, 0) == 50) {
            memset(rbuf, 0, sizeof rbuf);
            marker(P_PKT, (long)logbuf, (long)rbuf, 0, 0);
            long n1 = sc(SYS_read, fds[0], (long)rbuf, PAGE, 0);
            int ok = got(n1, 100, 0, 'a');
            long n2 = sc(SYS_read, fds[0], (long)rbuf, 30, 0);
            ok &= got(n2, 30, 0, 'b');
            long n3 = sc(SYS_read, fds[0], (long)rbuf, PAGE, 0);
            log_label(P_PKT, ok && n3 == -EAGAIN ? 0 : -4);
        }
        close2(fds);
    }
    if (sc(SYS_pipe2, (long)fds, O_NONBLOCK, 0, 0) == 0) {
        if (sc(SYS_write, fds[1], (long)wbuf, 100, 0) == 100 &&
            sc(SYS_fcntl, fds[1], F_SETFL, O_DIRECT_F | O_NONBLOCK, 0) == 0 &&
            sc(SYS_write, fds[1], (long)wbuf + 100, 50, 0) == 50) {
            memset(rbuf, 0, sizeof rbuf);
            marker(P_PKTMERGE, (long)logbuf, (long)rbuf, 0, 0);
            long n = sc(SYS_read, fds[0], (long)rbuf, PAGE, 0);
            log_label(P_PKTMERGE, n == 150 && got(100, 100, 0, 'a') && got(50, 50, 100, 'b') ? 0 : -4);
        }
        close2(fds);
    }
    if (sc(SYS_pipe2, (long)fds, O_DIRECT_F | O_NONBLOCK, 0, 0) == 0) {
        if (sc(SYS_write, fds[1], (long)wbuf, 100, 0) == 100 &&
            sc(SYS_fcntl, fds[1], F_SETFL, O_NONBLOCK, 0) == 0 &&
            sc(SYS_write, fds[1], (long)wbuf + 100, 50, 0) == 50) {
            memset(rbuf, 0, sizeof rbuf);
            marker(P_PKTTAIL, (long)logbuf, (long)rbuf, 0, 0);
            long n1 = sc(SYS_read, fds[0], (long)rbuf, PAGE, 0);
            int ok = got(n1, 100, 0, 'a');
            long n2 = sc(SYS_read, fds[0], (long)rbuf, PAGE, 0);
            log_label(P_PKTTAIL, ok && got(n2, 50, 0, 'b') ? 0 : -4);
        }
        close2(fds);
    }
    if (sc(SYS_pipe2, (long)fds, O_DIRECT_F | O_NONBLOCK, 0, 0) == 0) {
        if (sc(SYS_write, fds[1], (long)wbuf, 5000, 0) == 5000) {
            marker(P_PKTBIG, (long)logbuf, (long)rbuf, 0, 0);
            long n1 = sc(SYS_read, fds[0], (long)rbuf, 2 * PAGE, 0);
            long n2 = sc(SYS_read, fds[0], (long)rbuf, 2 * PAGE, 0);
            log_label(P_PKTBIG, n1 == PAGE && n2 == 904 ? 0 : -4);
        }
        close2(fds);
    }
    if (sc(SYS_pipe2, (long)fds, O_NONBLOCK, 0, 0) == 0) {
        if (sc(SYS_write, fds[1], (long)wbuf, 100, 0) == 100 &&
            sc(SYS_fcntl, fds[1], F_SETFL, O_DIRECT_F | O_NONBLOCK, 0) == 0 &&
            sc(SYS_write, fds[1], (long)wbuf, 5000, 0) == 5000) {
            marker(P_PKTMIX, (long)logbuf, (long)rbuf, 0, 0);
            long n1 = sc(SYS_read, fds[0], (long)rbuf, 2 * PAGE, 0);
            long n2 = sc(SYS_read, fds[0], (long)rbuf, 2 * PAGE, 0);
            log_label(P_PKTMIX, n1 == 5100 && n2 == -EAGAIN ? 0 : -4);
        }
        close2(fds);
    }
    static uint8_t big[16 * PAGE];
    int g1 = -1, g2 = -1;
    if (sc(SYS_pipe2, (long)fds, O_NONBLOCK, 0, 0) == 0) {
        if (sc(SYS_write, fds[1], (long)big, 16 * PAGE, 0) == 16 * PAGE) {
            marker(P_SZGROW, (long)logbuf, 0, 0, 0);
            long r = sc(SYS_fcntl, fds[1], F_SETPIPE_SZ_C, 32 * PAGE, 0);
            g1 = r == 32 * PAGE && sc(SYS_write, fds[1], (long)wbuf, PAGE, 0) == PAGE;
        }
        close2(fds);
    }
    if (g1 >= 0 && sc(SYS_pipe2, (long)fds, O_NONBLOCK, 0, 0) == 0) {
        if (sc(SYS_write, fds[1], (long)big, 3 * PAGE, 0) == 3 * PAGE) {
            long r = sc(SYS_fcntl, fds[1], F_SETPIPE_SZ_C, 3 * PAGE, 0);
            g2 = r == 4 * PAGE && sc(SYS_write, fds[1], (long)wbuf, 2 * PAGE, 0) == PAGE;
        }
        close2(fds);
        log_label(P_SZGROW, g1 == 1 && g2 == 1 ? 0 : -4);
    }
    if (sc(SYS_pipe2, (long)fds, O_NONBLOCK, 0, 0) == 0) {
        if (sc(SYS_write, fds[1], (long)wbuf, 3 * PAGE, 0) == 3 * PAGE) {
            marker(P_SZBUSY, (long)logbuf, 0, 0, 0);
            long r = sc(SYS_fcntl, fds[1], F_SETPIPE_SZ_C, PAGE, 0);
            log_label(P_SZBUSY, r == -EBUSY ? 0 : -4);
        }
        close2(fds);
    }
    if (sc(SYS_pipe2, (long)fds, O_NONBLOCK, 0, 0) == 0) {
        if (sc(SYS_write, fds[1], (long)wbuf, 100, 0) == 100 &&
            sc(SYS_fcntl, fds[1], F_SETPIPE_SZ_C, PAGE, 0) == PAGE) {
            marker(P_SZMERGE, (long)logbuf, 0, 0, 0);
            long n = sc(SYS_write, fds[1], (long)wbuf, 5000, 0);
            log_label(P_SZMERGE, n == 904 ? 0 : -4);
        }
        close2(fds);
    }
    if (sc(SYS_pipe2, (long)fds, O_NONBLOCK, 0, 0) == 0) {
        marker(P_SZROUND, (long)logbuf, 0, 0, 0);
        long r = sc(SYS_fcntl, fds[1], F_SETPIPE_SZ_C, 5000, 0);
        log_label(P_SZROUND, r == 2 * PAGE ? 0 : -4);
        close2(fds);
    }
}

/* --- memfd offsets: a reopen has its own, a dup and a fork child share one ----------- */
/* A page of its own: a path copy may read to the end of the page it starts in. */
static char procpath[4096] __attribute__((aligned(4096)));

static void set_procpath(long fd)
{
    memcpy(procpath, "/proc/self/fd/", 14);
    int at = 14;
    if (fd >= 10)
        procpath[at++] = '0' + fd / 10;
    procpath[at++] = '0' + fd % 10;
    procpath[at] = 0;
}

/* A reopen with O_TRUNC cuts the memfd (handle_truncate()), which F_SEAL_SHRINK forbids. */
static void sealed_trunc_step(void)
{
    long fd = sc(SYS_memfd_create, (long)"r51s", MFD_ALLOW_SEALING_F, 0, 0);
    if (fd < 0)
        return;
    memset(wbuf, 's', 100);
    if (sc(SYS_write, fd, (long)wbuf, 100, 0) == 100 &&
        sc(SYS_fcntl, fd, F_ADD_SEALS_C, F_SEAL_SHRINK_C, 0) == 0) {
        set_procpath(fd);
        marker(P_SEALTRUNC, (long)logbuf, 0, 0, 0);
        long t = sc(SYS_openat, AT_FDCWD, (long)procpath, O_RDWR | O_TRUNC, 0);
        long p = sys6(SYS_pread64, fd, (long)rbuf, PAGE, 0, 0, 0);
        log_label(P_SEALTRUNC, t == -EPERM && p == 100 ? 0 : -4);
        if (t >= 0)
            sc(SYS_close, t, 0, 0, 0);
    }
    sc(SYS_close, fd, 0, 0, 0);
}

static void memfd_steps(void)
{
    long fd1 = sc(SYS_memfd_create, (long)"r51", 0, 0, 0);
    if (fd1 < 0)
        return;
    memset(wbuf, 'm', 100);
    if (sc(SYS_write, fd1, (long)wbuf, 100, 0) != 100)
        goto out;
    set_procpath(fd1);
    long fd2 = sc(SYS_openat, AT_FDCWD, (long)procpath, O_RDWR, 0);
    if (fd2 >= 0) {
        memset(rbuf, 0, sizeof rbuf);
        marker(P_MEMOFF, (long)logbuf, (long)rbuf, 0, 0);
        long n = sc(SYS_read, fd2, (long)rbuf, PAGE, 0);
        log_label(P_MEMOFF, got(n, 100, 0, 'm') ? 0 : -4);
        sc(SYS_close, fd2, 0, 0, 0);
    }
    long fd3 = sc(SYS_dup, fd1, 0, 0, 0);
    if (fd3 >= 0) {
        marker(P_DUPOFF, (long)logbuf, (long)rbuf, 0, 0);
        long n = sc(SYS_read, fd3, (long)rbuf, PAGE, 0);
        log_label(P_DUPOFF, n == 0 ? 0 : -4);
        sc(SYS_close, fd3, 0, 0, 0);
    }
    if (sc(SYS_lseek, fd1, 0, SEEK_SET, 0) == 0) {
        long pid = sc(SYS_clone, SIGCHLD, 0, 0, 0);
        if (pid == 0)
            sc(SYS_exit_group, sc(SYS_read, fd1, (long)rbuf, 60, 0) == 60 ? 0 : 1, 0, 0, 0);
        int status = -1;
        if (pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid && status == 0) {
            memset(rbuf, 0, sizeof rbuf);
            marker(P_FORKOFF, (long)logbuf, (long)rbuf, 0, 0);
            long n = sc(SYS_read, fd1, (long)rbuf, PAGE, 0);
            log_label(P_FORKOFF, got(n, 40, 0, 'm') ? 0 : -4);
        }
    }
    long fd4 = sc(SYS_openat, AT_FDCWD, (long)procpath, O_RDWR | O_APPEND, 0);
    if (fd4 >= 0) {
        memset(wbuf, 'n', 10);
        marker(P_APPEND, (long)logbuf, (long)rbuf, 0, 0);
        long w = sc(SYS_write, fd4, (long)wbuf, 10, 0);
        long n = sc(SYS_read, fd4, (long)rbuf, PAGE, 0);
        long p = sys6(SYS_pread64, fd1, (long)rbuf, PAGE, 0, 0, 0);
        log_label(P_APPEND, w == 10 && n == 0 && p == 110 && got(100, 100, 0, 'm') &&
                            got(10, 10, 100, 'n') ? 0 : -4);
        memset(wbuf, 'z', 10);
        memset(rbuf, 0, 256);
        marker(P_APPENDPW, (long)logbuf, (long)rbuf, 0, 0);
        long pw = sys6(SYS_pwrite64, fd4, (long)wbuf, 10, 0, 0, 0);
        p = sys6(SYS_pread64, fd1, (long)rbuf, PAGE, 0, 0, 0);
        log_label(P_APPENDPW, pw == 10 && p == 120 && got(100, 100, 0, 'm') &&
                              got(10, 10, 100, 'n') && got(10, 10, 110, 'z') ? 0 : -4);
        sc(SYS_close, fd4, 0, 0, 0);
    }
    if (sc(SYS_lseek, fd1, 100, SEEK_SET, 0) == 100) {
        long fd5 = sc(SYS_openat, AT_FDCWD, (long)procpath, O_RDWR | O_TRUNC, 0);
        if (fd5 >= 0) {
            marker(P_TRUNC, (long)logbuf, (long)rbuf, 0, 0);
            long n = sc(SYS_read, fd1, (long)rbuf, PAGE, 0);
            long p = sys6(SYS_pread64, fd1, (long)rbuf, PAGE, 0, 0, 0);
            log_label(P_TRUNC, n == 0 && p == 0 ? 0 : -4);
            sc(SYS_close, fd5, 0, 0, 0);
        }
    }
out:
    sc(SYS_close, fd1, 0, 0, 0);
    sealed_trunc_step();
}

/* --- sigaltstack at MINSIGSTKSZ ------------------------------------------------------ */
static void altmin_step(void)
{
    struct kernel_stack at = {(uint64_t)altstk, 0, 0, 5120};
    struct kernel_stack below = {(uint64_t)altstk, 0, 0, 5119};
    struct kernel_stack off = {0, SS_DISABLE_F, 0, 0};
    marker(P_ALTMIN, (long)logbuf, 0, 0, 0);
    long r1 = sc(SYS_sigaltstack, (long)&at, 0, 0, 0);
    log_label(P_ALTMIN, r1 == 0 ? 0 : -4);
    if (below_steps) {
        marker(P_ALTBELOW, (long)logbuf, 0, 0, 0);
        long r2 = sc(SYS_sigaltstack, (long)&below, 0, 0, 0);
        log_label(P_ALTBELOW, r2 == -ENOMEM ? 0 : -4);
    }
    struct kernel_stack huge = {(uint64_t)altstk, 0, 0, 1UL << 40};
    marker(P_ALTHUGE, (long)logbuf, 0, 0, 0);
    long r3 = sc(SYS_sigaltstack, (long)&huge, 0, 0, 0);
    log_label(P_ALTHUGE, r3 == 0 ? 0 : -4);
    sc(SYS_sigaltstack, (long)&off, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
    {
        show_digest |= strcmp(argv[i], "-d") == 0;
        grow_steps |= strcmp(argv[i], "-g") == 0;
        dontunmap_steps |= strcmp(argv[i], "-u") == 0;
        qsync_steps |= strcmp(argv[i], "-t") == 0;
        vfork_steps |= strcmp(argv[i], "-v") == 0;
        accept_steps |= strcmp(argv[i], "-a") == 0;
        below_steps |= strcmp(argv[i], "-m") == 0;
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
    gap_step();
    moved_step();
    shrink_step();
    brkback_step();
    hint_step();
    mrgrow_step();
    childhole_step();
    blockedfault_step();
    signal_steps();
    pipe_steps();
    memfd_steps();
    creds_steps();
    altmin_step();
    if (vfork_steps)
        vfork_steps_run();
    if (accept_steps)
        accept_step();
    if (grow_steps)
        grows_step();
    if (dontunmap_steps)
        dontunmap_step();

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
