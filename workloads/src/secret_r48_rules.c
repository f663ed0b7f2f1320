/* secret_r48_rules: the attack target of red-team round forty-eight (the rules added since
 * round 45: fault signals, signal senders, sigaltstack, memfd sizes).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.
 *
 *  P_SHRINK      a memfd of two pages mapped MAP_PRIVATE read-write; a /proc/self/fd
 *                reopen ftruncate()s it to one page; a store into the second page raises
 *                SIGBUS/BUS_ADRERR (0), anything else -4.
 *  P_GROW        a memfd of one page mapped two pages; the reopen ftruncate()s it to two;
 *                a store into the second page completes (0), a signal -4.
 *  P_SWAPLOAD    a load from an anonymous page written earlier: the value written (0), a
 *                SIGBUS BUS_MCEERR_AR naming the address (1), anything else -4.
 *  P_COAL_Q      SIGUSR1 blocked; rt_sigqueueinfo(self, SI_QUEUE) then kill(self): one
 *                delivery with SI_QUEUE (legacy_queue drops the kill) (0), else -4.
 *  P_COAL_T      SIGUSR1 blocked; tgkill(self) then kill(self): two deliveries, SI_TKILL
 *                (thread queue) first, then SI_USER (0), else -4.
 *  P_QVAL        rt_sigqueueinfo(self, SIGUSR1, {SI_QUEUE, si_pid 4242, si_value V}):
 *                the handler sees exactly that siginfo (0), else -4.
 *  P_QWAIT       the same queued to a blocked SIGUSR2 and taken by rt_sigtimedwait():
 *                exactly that siginfo (0), else -4.
 *  P_HUGE        a store into a private MAP_HUGETLB|MAP_NORESERVE area: completes (0) or
 *                SIGBUS BUS_ADRERR naming it, no huge page free (1); mmap refused (2);
 *                else -4.
 *  P_NORES       a store into a private anonymous MAP_NORESERVE area (no hugetlb):
 *                completes (0), any signal -4.
 *  P_CHILD       a fork child stores into a fresh page of a read-write anonymous area
 *                its parent mapped (never touched): it completes, the child exits 0 (0);
 *                a signal (exit 1) or another end -4.
 *  P_BRKSHRINK (-b: qemu-user's brk() never unmaps what it gives back) brk() grows the heap two pages and shrinks it back; a store into the
 *                page given back: SIGSEGV SEGV_MAPERR naming it (0), else -4.
 *  P_HOLE        munmap() of the middle page of three read-write ones; a store there:
 *                SIGSEGV SEGV_MAPERR naming it (0), else -4.
 *  P_BSSRO       a fresh .bss page mprotect()ed PROT_READ; a store: SIGSEGV SEGV_ACCERR
 *                naming it (0), else -4.
 *  P_BSSGONE     a fresh .bss page munmap()ed; a store: SIGSEGV SEGV_MAPERR (0), else -4.
 *  P_KILL0 (-p) kill(0, SIGUSR1) (its process group, itself included): one delivery,
 *                SI_USER with its pid (0), else -4.  (A switch: it signals the group.)
 *  P_PIDFDQ      pidfd_send_signal(pidfd of itself, SIGUSR1, {SI_QUEUE, 4242, V}): the
 *                handler sees exactly that siginfo (0), else -4.
 *  P_FALLOC      a memfd of one page mapped two pages; fallocate(mode 0, 0, 2 pages)
 *                through the reopen grows it; a store into the second page completes (0),
 *                a signal -4.
 *  P_PIPEMERGE (-m: the kernel model answers otherwise) a non-blocking pipe holding 15 pages and 100 bytes (16 buffers): a
 *                write of 5000 merges 5000 % 4096 = 904 into the last buffer and stops:
 *                904 (0), else -4.
 *  P_GUARD (-g)  madvise(MADV_GUARD_INSTALL) on a read-write page, then a store: SIGSEGV
 *                SEGV_MAPERR (0); madvise refused (1); no fault after success -4.
 *  P_PKEY (-k)   pkey_alloc(0, PKEY_DISABLE_WRITE), pkey_mprotect(RW, pkey), a store:
 *                SIGSEGV SEGV_PKUERR with HWCAP2_POE in the auxv (0); pkey calls
 *                refused (1); else -4.
 *  P_AUTO_OLD (-z) an SA_ONSTACK handler on an SS_AUTODISARM alternate stack reads it:
 *                SS_DISABLE, size 0 (0), else -4.
 *  P_AUTO_SET (-z) the same handler sets another alternate stack: 0 (0), else -4.
 *  P_ALT_TOP (-e) sigaltstack(NULL, &old) with SP exactly the alternate stack's top:
 *                SS_ONSTACK (0), else -4.
 *  P_ALT_BASE (-e) with SP exactly its base: 0 (0), else -4.
 *  P_ALT_TOPSET (-e) with SP at its top, a change: -EPERM (0), else -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r48.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
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
/* Each step: P_x before it (x2 the log buffer, x3 as noted), P_x + 1 after its write
 * (x2 the index). */
#define P_SHRINK 4800      /* x3 the address stored to */
#define P_GROW 4802        /* x3 the address stored to */
#define P_SWAPLOAD 4804    /* x3 the address loaded from */
#define P_COAL_Q 4806
#define P_COAL_T 4808
#define P_GUARD 4810       /* x3 the address stored to */
#define P_PKEY 4812        /* x3 the address stored to */
#define P_AUTO_OLD 4814    /* x3 the old state */
#define P_AUTO_SET 4816
#define P_ALT_TOP 4818     /* x3 the alternate stack, x4 its size */
#define P_ALT_BASE 4820
#define P_ALT_TOPSET 4822
#define P_QVAL 4824        /* x3 the value queued */
#define P_QWAIT 4826       /* x3 the siginfo rt_sigtimedwait() fills */
#define P_HUGE 4828        /* x3 the address stored to */
#define P_NORES 4830       /* x3 the address stored to */
#define P_CHILD 4832       /* x3 the address the child stores to */
#define P_BRKSHRINK 4834   /* x3 the address stored to */
#define P_HOLE 4836        /* x3 the address stored to */
#define P_BSSRO 4838       /* x3 the address stored to */
#define P_BSSGONE 4840     /* x3 the address stored to */
#define P_KILL0 4842
#define P_PIDFDQ 4844
#define P_FALLOC 4846      /* x3 the address stored to */
#define P_PIPEMERGE 4848

#include "secret_common.h"

#define SA_SIGINFO_F 0x4
#define SA_ONSTACK_F 0x08000000
#define SS_ONSTACK_F 1
#define SS_DISABLE_F 2
#define SS_AUTODISARM_F (1U << 31)
#define ALT_SIZE 16384
#define SI_QUEUE_C (-1)
#define SI_TKILL_C (-6)
#define SEGV_MAPERR_C 1
#define SEGV_ACCERR_C 2
#define SEGV_PKUERR_C 4
#define BUS_ADRERR_C 2
#define BUS_MCEERR_AR_C 4
#define MADV_GUARD_INSTALL_A 102
#define PKEY_DISABLE_WRITE_F 2

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static long my_pid;
static int guard_steps, pkey_steps, auto_steps, edge_steps, brk_steps, group_steps;
static int merge_steps;
static uint8_t altstk[ALT_SIZE] __attribute__((aligned(16)));
static uint8_t altstk2[ALT_SIZE] __attribute__((aligned(16)));

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
    set_action(SIGSEGV, on_probe, SA_SIGINFO_F, 0);
    set_action(SIGBUS, on_probe, SA_SIGINFO_F, 0);
    probe_faults = 0;
    probe_signo = probe_code = probe_addr = 0;
}

static void probe_off(void)
{
    set_action(SIGSEGV, 0, 0, 0);
    set_action(SIGBUS, 0, 0, 0);
}

static void probe_store(long target)
{
    __asm__ volatile("str %0, [%1]" :: "r"(0x48L), "r"(target) : "memory");
}

/* Whether exactly one signal `signo` with `code` named `target`. */
static int probe_was(int signo, long code, long target)
{
    return probe_faults == 1 && probe_signo == signo && probe_code == code &&
           probe_addr == target;
}

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

/* --- memfd sizes through a reopen ------------------------------------------------------- */
static void memfd_step(int phase, long size, long newsize)
{
    int by_falloc = phase == P_FALLOC;
    long fd = sys6(SYS_memfd_create, (long)"r48", 0, 0, 0, 0, 0);
    if (fd < 0)
        return;
    if (sys6(SYS_ftruncate, fd, size, 0, 0, 0, 0) == 0) {
        long p = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        long fd2 = reopen(fd);
        long grown = fd2 < 0 ? -1 : by_falloc ? sys6(SYS_fallocate, fd2, 0, 0, newsize, 0, 0)
                                              : sys6(SYS_ftruncate, fd2, newsize, 0, 0, 0, 0);
        if (mapped_ok(p) && grown == 0) {
            long target = p + PAGE + 0x300;
            probe_on();
            marker(phase, (long)logbuf, target, 0, 0);
            probe_store(target);
            if (newsize < 2 * PAGE)
                log_label(phase, probe_was(SIGBUS, BUS_ADRERR_C, target) ? 0 : -4);
            else
                log_label(phase, probe_faults ? -4 : 0);
            probe_off();
        }
        if (fd2 >= 0)
            sys6(SYS_close, fd2, 0, 0, 0, 0, 0);
        if (mapped_ok(p))
            sys6(SYS_munmap, p, 2 * PAGE, 0, 0, 0, 0);
    }
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void swapload_step(void)
{
    long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!mapped_ok(p))
        return;
    long target = p + 0x300;
    *(volatile long *)target = 0x4848;
    long got = -1;
    probe_on();
    marker(P_SWAPLOAD, (long)logbuf, target, 0, 0);
    __asm__ volatile("ldr %0, [%1]" : "+r"(got) : "r"(target) : "memory");
    if (probe_faults == 0)
        log_label(P_SWAPLOAD, got == 0x4848 ? 0 : -4);
    else
        log_label(P_SWAPLOAD, probe_was(SIGBUS, BUS_MCEERR_AR_C, target) ? 1 : -4);
    probe_off();
    sys6(SYS_munmap, p, PAGE, 0, 0, 0, 0);
}

/* --- signal senders coalesced ------------------------------------------------------------ */
static volatile long runs, codes[4];

static void on_code(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    (void)ucv;
    if (runs < 4)
        codes[runs] = si->si_code;
    runs++;
}

static void coalesce_steps(void)
{
    set_action(SIGUSR1, on_code, SA_SIGINFO_F, 0);
    mask(SIG_BLOCK, bit(SIGUSR1));
    runs = 0;
    uint8_t info[128];
    memset(info, 0, sizeof info);
    int32_t head[3] = {SIGUSR1, 0, SI_QUEUE_C};
    memcpy(info, head, sizeof head);
    uint32_t ids[2] = {(uint32_t)my_pid, 0};
    memcpy(info + 16, ids, sizeof ids);
    marker(P_COAL_Q, (long)logbuf, 0, 0, 0);
    long q = sys6(SYS_rt_sigqueueinfo, my_pid, SIGUSR1, (long)info, 0, 0, 0);
    long k = sys6(SYS_kill, my_pid, SIGUSR1, 0, 0, 0, 0);
    mask(SIG_UNBLOCK, bit(SIGUSR1));
    if (q == 0 && k == 0)
        log_label(P_COAL_Q, runs == 1 && codes[0] == SI_QUEUE_C ? 0 : -4);

    mask(SIG_BLOCK, bit(SIGUSR1));
    runs = 0;
    marker(P_COAL_T, (long)logbuf, 0, 0, 0);
    long t = sys6(SYS_tgkill, my_pid, my_pid, SIGUSR1, 0, 0, 0);
    k = sys6(SYS_kill, my_pid, SIGUSR1, 0, 0, 0, 0);
    mask(SIG_UNBLOCK, bit(SIGUSR1));
    if (t == 0 && k == 0)
        log_label(P_COAL_T, runs == 2 && codes[0] == SI_TKILL_C && codes[1] == SI_USER ? 0 : -4);
    set_action(SIGUSR1, 0, 0, 0);
}

/* --- a siginfo the program queued itself ------------------------------------------------ */
#define QVALUE 0x4848123456780048L
#define QPID 4242
static volatile long q_code = 99, q_pid = -1, q_value = -1, q_runs;

static void on_q(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    (void)ucv;
    q_runs++;
    q_code = si->si_code;
    q_pid = si->si_pid;
    q_value = (long)si->si_value.sival_ptr;
}

static void queue_info(uint8_t *info, int signo)
{
    memset(info, 0, 128);
    int32_t head[3] = {signo, 0, SI_QUEUE_C};
    memcpy(info, head, sizeof head);
    uint32_t ids[2] = {QPID, 0};
    memcpy(info + 16, ids, sizeof ids);
    long v = QVALUE;
    memcpy(info + 24, &v, 8);
}

static int info_is(const uint8_t *info, int signo)
{
    int32_t head[3];
    uint32_t ids[2];
    long v;
    memcpy(head, info, sizeof head);
    memcpy(ids, info + 16, sizeof ids);
    memcpy(&v, info + 24, 8);
    return head[0] == signo && head[2] == SI_QUEUE_C && ids[0] == QPID && v == QVALUE;
}

static uint8_t qinfo[128], qgot[128];

static void queue_steps(void)
{
    set_action(SIGUSR1, on_q, SA_SIGINFO_F, 0);
    queue_info(qinfo, SIGUSR1);
    marker(P_QVAL, (long)logbuf, QVALUE, 0, 0);
    long r = sys6(SYS_rt_sigqueueinfo, my_pid, SIGUSR1, (long)qinfo, 0, 0, 0);
    if (r == 0)
        log_label(P_QVAL, q_runs == 1 && q_code == SI_QUEUE_C && q_pid == QPID &&
                          q_value == QVALUE ? 0 : -4);
    set_action(SIGUSR1, 0, 0, 0);

    mask(SIG_BLOCK, bit(SIGUSR2));
    queue_info(qinfo, SIGUSR2);
    memset(qgot, 0, sizeof qgot);
    uint64_t set = bit(SIGUSR2);
    marker(P_QWAIT, (long)logbuf, (long)qgot, 0, 0);
    r = sys6(SYS_rt_sigqueueinfo, my_pid, SIGUSR2, (long)qinfo, 0, 0, 0);
    long w = r == 0 ? sys6(SYS_rt_sigtimedwait, (long)&set, (long)qgot, 0, 8, 0, 0) : -1;
    if (r == 0)
        log_label(P_QWAIT, w == SIGUSR2 && info_is(qgot, SIGUSR2) ? 0 : -4);
    mask(SIG_UNBLOCK, bit(SIGUSR2));
}

/* --- hugetlb without a reservation ---------------------------------------------------------- */
static void huge_step(void)
{
    long size = 2L << 20;
    long p = sys6(SYS_mmap, 0, size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_NORESERVE, -1, 0);
    if (!mapped_ok(p)) {
        marker(P_HUGE, (long)logbuf, 0, 0, 0);
        log_label(P_HUGE, 2);
        return;
    }
    long target = p + 0x300;
    probe_on();
    marker(P_HUGE, (long)logbuf, target, 0, 0);
    probe_store(target);
    if (probe_faults == 0)
        log_label(P_HUGE, 0);
    else
        log_label(P_HUGE, probe_was(SIGBUS, BUS_ADRERR_C, target) ? 1 : -4);
    probe_off();
    sys6(SYS_munmap, p, size, 0, 0, 0, 0);
}

static void noreserve_step(void)
{
    long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (!mapped_ok(p))
        return;
    long target = p + 0x300;
    probe_on();
    marker(P_NORES, (long)logbuf, target, 0, 0);
    probe_store(target);
    log_label(P_NORES, probe_faults ? -4 : 0);
    probe_off();
    sys6(SYS_munmap, p, PAGE, 0, 0, 0, 0);
}

static void child_step(void)
{
    long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!mapped_ok(p))
        return;
    long target = p + 0x300;
    probe_on();
    marker(P_CHILD, (long)logbuf, target, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        probe_store(target);
        sys6(SYS_exit_group, probe_faults ? 1 : 0, 0, 0, 0, 0, 0);
    }
    int status = -1;
    if (pid > 0 && sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) == pid)
        /* killed (the kernel may always end a process): a public label, not a breach */
        log_label(P_CHILD, (status & 0x7f) ? 1 : status == 0 ? 0 : -4);
    probe_off();
    sys6(SYS_munmap, p, PAGE, 0, 0, 0, 0);
}

static void gone_steps(long heap_end)
{
    if (brk_steps && sys6(SYS_brk, heap_end + 2 * PAGE, 0, 0, 0, 0, 0) == heap_end + 2 * PAGE &&
        sys6(SYS_brk, heap_end, 0, 0, 0, 0, 0) == heap_end) {
        long target = heap_end + PAGE + 0x300;
        probe_on();
        marker(P_BRKSHRINK, (long)logbuf, target, 0, 0);
        probe_store(target);
        log_label(P_BRKSHRINK, probe_was(SIGSEGV, SEGV_MAPERR_C, target) ? 0 : -4);
        probe_off();
    }
    long p = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (!mapped_ok(p))
        return;
    if (sys6(SYS_munmap, p + PAGE, PAGE, 0, 0, 0, 0) == 0) {
        long target = p + PAGE + 0x300;
        probe_on();
        marker(P_HOLE, (long)logbuf, target, 0, 0);
        probe_store(target);
        log_label(P_HOLE, probe_was(SIGSEGV, SEGV_MAPERR_C, target) ? 0 : -4);
        probe_off();
    }
    sys6(SYS_munmap, p, 3 * PAGE, 0, 0, 0, 0);
}

static uint8_t bss_pages[4 * PAGE] __attribute__((aligned(4096)));

static void bss_steps(void)
{
    long page = (long)&bss_pages[PAGE];
    long target = page + 0x300;
    if (sys6(SYS_mprotect, page, PAGE, PROT_READ, 0, 0, 0) == 0) {
        probe_on();
        marker(P_BSSRO, (long)logbuf, target, 0, 0);
        probe_store(target);
        log_label(P_BSSRO, probe_was(SIGSEGV, SEGV_ACCERR_C, target) ? 0 : -4);
        probe_off();
        sys6(SYS_mprotect, page, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0);
    }
    page = (long)&bss_pages[2 * PAGE];
    target = page + 0x300;
    if (sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0) == 0) {
        probe_on();
        marker(P_BSSGONE, (long)logbuf, target, 0, 0);
        probe_store(target);
        log_label(P_BSSGONE, probe_was(SIGSEGV, SEGV_MAPERR_C, target) ? 0 : -4);
        probe_off();
    }
}

static void kill0_step(void)
{
    set_action(SIGUSR1, on_q, SA_SIGINFO_F, 0);
    q_runs = 0;
    q_code = 99;
    marker(P_KILL0, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_kill, 0, SIGUSR1, 0, 0, 0, 0);
    if (r == 0)
        log_label(P_KILL0, q_runs == 1 && q_code == SI_USER && q_pid == my_pid ? 0 : -4);
    set_action(SIGUSR1, 0, 0, 0);
}

static void pidfd_queue_step(void)
{
    long fd = sys6(SYS_pidfd_open, my_pid, 0, 0, 0, 0, 0);
    if (fd < 0)
        return;
    set_action(SIGUSR1, on_q, SA_SIGINFO_F, 0);
    q_runs = 0;
    q_code = 99;
    queue_info(qinfo, SIGUSR1);
    marker(P_PIDFDQ, (long)logbuf, QVALUE, 0, 0);
    long r = sys6(SYS_pidfd_send_signal, fd, SIGUSR1, (long)qinfo, 0, 0, 0);
    if (r == 0)
        log_label(P_PIDFDQ, q_runs == 1 && q_code == SI_QUEUE_C && q_pid == QPID &&
                            q_value == QVALUE ? 0 : -4);
    set_action(SIGUSR1, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static uint8_t pipebuf[16 * PAGE];

static void pipe_merge_step(void)
{
    int fds[2];
    if (sys6(SYS_pipe2, (long)fds, O_NONBLOCK, 0, 0, 0, 0) != 0)
        return;
    memset(pipebuf, 'p', sizeof pipebuf);
    long a = sys6(SYS_write, fds[1], (long)pipebuf, 15 * PAGE, 0, 0, 0);
    long b = sys6(SYS_write, fds[1], (long)pipebuf, 100, 0, 0, 0);
    if (a == 15 * PAGE && b == 100) {
        marker(P_PIPEMERGE, (long)logbuf, 0, 0, 0);
        long n = sys6(SYS_write, fds[1], (long)pipebuf, 5000, 0, 0, 0);
        log_label(P_PIPEMERGE, n == 904 ? 0 : -4);
    }
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
}

/* --- guard pages (-g) and protection keys (-k) ------------------------------------------------ */
static void guard_step(void)
{
    long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!mapped_ok(p))
        return;
    long target = p + 0x300;
    long r = sys6(SYS_madvise, p, PAGE, MADV_GUARD_INSTALL_A, 0, 0, 0);
    probe_on();
    marker(P_GUARD, (long)logbuf, target, 0, 0);
    if (r == 0) {
        probe_store(target);
        log_label(P_GUARD, probe_was(SIGSEGV, SEGV_MAPERR_C, target) ? 0 : -4);
    } else {
        log_label(P_GUARD, 1);
    }
    probe_off();
    sys6(SYS_munmap, p, PAGE, 0, 0, 0, 0);
}

static void pkey_step(void)
{
    long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!mapped_ok(p))
        return;
    long target = p + 0x300;
    long key = sys6(SYS_pkey_alloc, 0, PKEY_DISABLE_WRITE_F, 0, 0, 0, 0);
    long r = key > 0 ? sys6(SYS_pkey_mprotect, p, PAGE, PROT_READ | PROT_WRITE, key, 0, 0) : -1;
    probe_on();
    marker(P_PKEY, (long)logbuf, target, 0, 0);
    if (r == 0) {
        probe_store(target);
        /* Linux takes a key only on a CPU with FEAT_S1POE, which HWCAP2_POE reports. */
        int poe = (getauxval(AT_HWCAP2) >> 63) & 1;
        log_label(P_PKEY, probe_was(SIGSEGV, SEGV_PKUERR_C, target) && poe ? 0 : -4);
    } else {
        log_label(P_PKEY, 1);
    }
    probe_off();
    sys6(SYS_munmap, p, PAGE, 0, 0, 0, 0);
}

/* --- SS_AUTODISARM (-z) ------------------------------------------------------------------ */
static volatile long auto_ran, auto_flags = -1, auto_size = -1, auto_set = 1;

static void on_auto(int signo)
{
    (void)signo;
    struct kernel_stack old = {1, -1, 0, 1};
    auto_ran = 1;
    marker(P_AUTO_OLD, (long)logbuf, (long)&old, 0, 0);
    sys6(SYS_sigaltstack, 0, (long)&old, 0, 0, 0, 0);
    auto_flags = old.flags;
    auto_size = (long)old.size;
    struct kernel_stack ss = {(uint64_t)altstk2, 0, 0, ALT_SIZE};
    marker(P_AUTO_SET, (long)logbuf, 0, 0, 0);
    auto_set = sys6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0);
}

static void autodisarm_steps(void)
{
    struct kernel_stack ss = {(uint64_t)altstk, (int32_t)SS_AUTODISARM_F, 0, ALT_SIZE};
    if (sys6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0) != 0)
        return;
    set_action(SIGUSR1, on_auto, SA_ONSTACK_F, 0);
    sys6(SYS_kill, my_pid, SIGUSR1, 0, 0, 0, 0);
    if (auto_ran) {
        log_label(P_AUTO_OLD, auto_flags == SS_DISABLE_F && auto_size == 0 ? 0 : -4);
        log_label(P_AUTO_SET, auto_set == 0 ? 0 : -4);
    }
    set_action(SIGUSR1, 0, 0, 0);
    ss.flags = SS_DISABLE_F;
    ss.size = 0;
    sys6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0);
}

/* --- SP exactly at the alternate stack's edges (-e) --------------------------------------- */
/* sigaltstack(new, old) with SP set to `sp` for the call only. */
static long altstack_at(long sp, struct kernel_stack *new_ss, struct kernel_stack *old_ss)
{
    register long x0 __asm__("x0") = (long)new_ss;
    register long x1 __asm__("x1") = (long)old_ss;
    register long x8 __asm__("x8") = SYS_sigaltstack;
    register long x9 __asm__("x9") = sp;
    __asm__ volatile("mov x10, sp\n mov sp, x9\n svc #0\n mov sp, x10"
                     : "+r"(x0)
                     : "r"(x1), "r"(x8), "r"(x9)
                     : "x10", "memory", "cc");
    return x0;
}

static void edge_steps_run(void)
{
    struct kernel_stack ss = {(uint64_t)altstk2, 0, 0, ALT_SIZE};
    if (sys6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0) != 0)
        return;
    long top = (long)altstk2 + ALT_SIZE, base = (long)altstk2;
    struct kernel_stack old = {0, -1, 0, 0};
    marker(P_ALT_TOP, (long)logbuf, base, ALT_SIZE, 0);
    long r = altstack_at(top, 0, &old);
    log_label(P_ALT_TOP, r == 0 && old.flags == SS_ONSTACK_F ? 0 : -4);
    old.flags = -1;
    marker(P_ALT_BASE, (long)logbuf, base, ALT_SIZE, 0);
    r = altstack_at(base, 0, &old);
    log_label(P_ALT_BASE, r == 0 && old.flags == 0 ? 0 : -4);
    struct kernel_stack other = {(uint64_t)altstk, 0, 0, ALT_SIZE};
    marker(P_ALT_TOPSET, (long)logbuf, base, ALT_SIZE, 0);
    r = altstack_at(top, &other, 0);
    log_label(P_ALT_TOPSET, r == -EPERM ? 0 : -4);
    ss.flags = SS_DISABLE_F;
    ss.size = 0;
    sys6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        guard_steps |= strcmp(argv[i], "-g") == 0;
        pkey_steps |= strcmp(argv[i], "-k") == 0;
        brk_steps |= strcmp(argv[i], "-b") == 0;
        group_steps |= strcmp(argv[i], "-p") == 0;
        merge_steps |= strcmp(argv[i], "-m") == 0;
        auto_steps |= strcmp(argv[i], "-z") == 0;
        edge_steps |= strcmp(argv[i], "-e") == 0;
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
    memfd_step(P_SHRINK, 2 * PAGE, PAGE);
    memfd_step(P_GROW, PAGE, 2 * PAGE);
    memfd_step(P_FALLOC, PAGE, 2 * PAGE);
    swapload_step();
    coalesce_steps();
    queue_steps();
    pidfd_queue_step();
    if (merge_steps)
        pipe_merge_step();
    huge_step();
    noreserve_step();
    child_step();
    gone_steps(base + 3 * PAGE);
    bss_steps();
    if (group_steps)
        kill0_step();
    if (guard_steps)
        guard_step();
    if (pkey_steps)
        pkey_step();
    if (auto_steps)
        autodisarm_steps();
    if (edge_steps)
        edge_steps_run();

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
