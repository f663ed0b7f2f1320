/* secret_r46_signals: the attack target of red-team round forty-six (signals, and what
 * the kernel says about them).
 *
 * A secret (getrandom) is copied to the heap, the stack, an anonymous page and the start
 * of a log buffer whose public labels follow it.  Each step announces itself with a marker
 * (phase P), turns what it observed into the index of a label (an honest Linux gives 0..3)
 * and writes that label to /dev/null; an index of -4 writes the secret's first 8 bytes.
 *
 *  P_SAMASK         a SIGUSR1 handler with sa_mask {SIGUSR2} tgkill()s itself SIGUSR2: its
 *                   handler must not run before SIGUSR1's handler returns.
 *  P_HMASK          the same handler reads its mask: SIGUSR1 and SIGUSR2 both blocked.
 *  P_RESETHAND      after an SA_RESETHAND handler ran, rt_sigaction() reports SIG_DFL.
 *  P_IGNORED        a SIGUSR2 sent while SIG_IGN runs no handler.
 *  P_SELF_KILL      kill(getpid(), SIGUSR1) returns 0 with the handler already run.
 *  P_TKILL_CODE     the program's own tgkill() arrives with si_code SI_TKILL.
 *  P_SEGV_ADDR      a store into the program's PROT_READ page: SIGSEGV SEGV_ACCERR with
 *                   si_addr the store's address (the handler skips the store).
 *  P_ONSTACK_UNSET  a handler without SA_ONSTACK runs off the alternate stack.
 *  P_ONSTACK_SET    a handler with SA_ONSTACK runs on it.
 *  P_ALT_OLD        sigaltstack(NULL, &old) in that handler reports SS_ONSTACK (only with
 *                   -a: the honest kernel model under the Guardian reports otherwise).
 *  P_SIGRET_X0      a handler's edit of uc_mcontext.regs[0] is what kill() returns.
 *  P_SIGRET_MASK    a handler's edit of uc_sigmask (SIGUSR2 added) holds after it: a
 *                   SIGUSR2 sent then stays pending.
 *  P_SIGRET_TPIDR   TPIDR_EL0 a handler set survives rt_sigreturn (not in the frame).
 *  P_SIGRET_Q8      d8 across a handled kill() is what it was.
 *  P_FAKE_RETURN    a handler's getpid() returns to the handler (it never sigreturns).
 *  P_PPOLL          ppoll() whose mask lets a pending SIGUSR1 in: -EINTR, never restarted.
 *  P_WAIT_CODE      rt_sigtimedwait() takes the program's own tgkill() with SI_TKILL.
 *  P_PIDFD_SELF     pidfd_send_signal(self) arrives with SI_USER and si_pid = getpid().
 *  P_SEGV_RETRY     a SIGSEGV handler mprotect()s the page writable and returns to the
 *                   store, which then completes (one SIGSEGV).
 *  P_LONGJMP        a handler leaves by longjmp 40 times (never rt_sigreturn); the program
 *                   unblocks the signal itself each time and every signal is handled.
 *  P_FAULT_*        a store into memory Linux lets the program write, each first touched
 *                   under a probe (a SIGSEGV handler that skips the store): an area
 *                   mprotect()ed PROT_NONE -> RW, a MAP_SHARED anonymous area, a fresh
 *                   .bss page, a MAP_PRIVATE memfd area, a fresh page deep in the stack and
 *                   the tail mremap() grew: no SIGSEGV.
 *  P_FAULT_RO_LOAD  a load from a fresh page of a PROT_READ anonymous area (zeros, no
 *                   signal), under a probe.
 *  P_SIGNALFD_CODE  a signalfd read of the program's own tgkill(): ssi_code SI_TKILL.
 *  P_ALT_BUSY       (with -a) sigaltstack() in a handler on the alternate stack, changing
 *                   it, fails with EPERM.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r46.py.  Only the digest of the secret is ever printed.
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
#include <time.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before it (x2 the log buffer, x3.. as noted), P_x + 1 after its write
 * (x2 the index). */
#define P_SAMASK 4600        /* x3 SIGUSR2's handler */
#define P_HMASK 4602
#define P_RESETHAND 4604     /* x3 the handler */
#define P_IGNORED 4606       /* x3 SIGUSR2's old handler */
#define P_SELF_KILL 4608
#define P_TKILL_CODE 4610
#define P_SEGV_ADDR 4612     /* x3 the address stored to */
#define P_ONSTACK_UNSET 4614 /* x3 the alternate stack, x4 its size */
#define P_ONSTACK_SET 4616   /* x3 the alternate stack, x4 its size */
#define P_ALT_OLD 4618
#define P_SIGRET_X0 4620
#define P_SIGRET_MASK 4622   /* x3 SIGUSR2's handler */
#define P_SIGRET_TPIDR 4624  /* x3 the value the handler sets */
#define P_SIGRET_Q8 4626     /* x3 the pattern */
#define P_FAKE_RETURN 4628
#define P_PPOLL 4630
#define P_WAIT_CODE 4632     /* x3 the siginfo */
#define P_PIDFD_SELF 4634
#define P_SEGV_RETRY 4636   /* x3 the address stored to */
#define P_LONGJMP 4638
#define P_ALT_BUSY 4640
/* x3 the address stored to */
#define P_FAULT_MPROT 4642
#define P_FAULT_SHARED 4644
#define P_FAULT_BSS 4646
#define P_FAULT_FILE 4648
#define P_FAULT_STACK 4650
#define P_FAULT_MREMAP 4652
#define P_FAULT_RO_LOAD 4654
#define P_SIGNALFD_CODE 4656  /* x3 the record */

#include "secret_common.h"

#define SA_SIGINFO_F 0x4
#define SA_ONSTACK_F 0x08000000
#define SA_RESETHAND_F 0x80000000UL
#define SS_ONSTACK_F 1
#define TLS_SET 0x7EAD4600L
#define Q8_PATTERN 0x5A5A5A5A46464646L
#define ALT_SIZE 16384

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static long my_pid;
static int alt_old_step;        /* -a */
static uint8_t altstk[ALT_SIZE] __attribute__((aligned(16)));

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};
struct kernel_stack {
    uint64_t sp;
    int32_t flags, pad;
    uint64_t size;
};

/* Leave no copy of the secret in a register a signal frame would save. */
static void clear_registers(void)
{
    __asm__ volatile("movi v0.16b, #0\n movi v1.16b, #0\n movi v2.16b, #0\n movi v3.16b, #0\n"
                     "movi v4.16b, #0\n movi v5.16b, #0\n movi v6.16b, #0\n movi v7.16b, #0\n"
                     "movi v16.16b, #0\n movi v17.16b, #0\n movi v18.16b, #0\n"
                     "movi v19.16b, #0\n"
                     "mov x9, xzr\n mov x10, xzr\n mov x11, xzr\n mov x12, xzr\n"
                     "mov x13, xzr\n mov x14, xzr\n mov x15, xzr\n mov x16, xzr\n"
                     "mov x17, xzr\n"
                     ::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v16", "v17",
                         "v18", "v19", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
                         "x16", "x17");
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

static uint64_t current_mask(void)
{
    uint64_t cur = 0;
    sys6(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&cur, 8, 0, 0);
    return cur;
}

static long raise_self(int signo)
{
    return sys6(SYS_kill, my_pid, signo, 0, 0, 0, 0);
}

static long tkill_self(int signo)
{
    return sys6(SYS_tgkill, my_pid, my_pid, signo, 0, 0, 0);
}

static int on_alt(const void *p)
{
    return (const uint8_t *)p >= altstk && (const uint8_t *)p < altstk + ALT_SIZE;
}

/* --- handlers ------------------------------------------------------------------------ */
static volatile long usr1_runs, usr2_runs;
static volatile long inside_usr2 = -1;      /* SIGUSR2 runs seen inside SIGUSR1's handler */
static volatile uint64_t inside_mask;
static volatile long info_code = 99, info_pid = -1;
static volatile long segv_addr, segv_code, segv_runs;
static volatile long where_alt = -1, alt_flags = -1, alt_busy = 1;

static void on_usr2(int signo)
{
    (void)signo;
    usr2_runs++;
}

static void on_count(int signo)
{
    (void)signo;
    usr1_runs++;
}

static void on_samask(int signo)
{
    (void)signo;
    long before = usr2_runs;
    tkill_self(SIGUSR2);
    inside_usr2 = usr2_runs - before;
    inside_mask = current_mask();
    usr1_runs++;
}

static void on_info(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    (void)ucv;
    info_code = si->si_code;
    info_pid = si->si_pid;
    usr1_runs++;
}

static void on_segv(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    ucontext_t *uc = ucv;
    segv_addr = (long)si->si_addr;
    segv_code = si->si_code;
    segv_runs++;
    uc->uc_mcontext.pc += 4;        /* past the store */
}

static void on_where(int signo)
{
    (void)signo;
    volatile int here = 0;
    where_alt = on_alt((const void *)&here);
    struct kernel_stack old = {0, -1, 0, 0};
    if (alt_old_step && where_alt) {
        marker(P_ALT_OLD, (long)logbuf, 0, 0, 0);
        sys6(SYS_sigaltstack, 0, (long)&old, 0, 0, 0, 0);
        alt_flags = old.flags;
        static uint8_t other[ALT_SIZE] __attribute__((aligned(16)));
        struct kernel_stack ss = {(uint64_t)other, 0, 0, ALT_SIZE};
        marker(P_ALT_BUSY, (long)logbuf, 0, 0, 0);
        alt_busy = sys6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0);
    }
    usr1_runs++;
}

static void on_edit_x0(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    (void)si;
    ucontext_t *uc = ucv;
    uc->uc_mcontext.regs[0] = 7;
    usr1_runs++;
}

static void on_edit_mask(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    (void)si;
    ucontext_t *uc = ucv;
    *(uint64_t *)&uc->uc_sigmask |= bit(SIGUSR2);
    usr1_runs++;
}

static void on_set_tpidr(int signo)
{
    (void)signo;
    __asm__ volatile("msr tpidr_el0, %0" :: "r"(TLS_SET));
    usr1_runs++;
}

/* A handler that calls getpid() with SP at its frame, then notes it ran on and returns
 * through rt_sigreturn itself. */
static volatile long fake_done;
void fake_handler(int signo);
__asm__(".text\n.p2align 2\n.type fake_handler, %function\nfake_handler:\n"
        "  mov x8, #172\n  svc #0\n"
        "  adrp x9, fake_done\n  add x9, x9, :lo12:fake_done\n"
        "  mov x10, #1\n  str x10, [x9]\n"
        "  mov x8, #139\n  svc #0\n  brk #0\n"
        ".size fake_handler, .-fake_handler\n");

static volatile long fix_runs;
static volatile long fix_page;

static void on_fix(int signo)
{
    (void)signo;
    fix_runs++;
    sys6(SYS_mprotect, fix_page, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0);
}

static void *jump_buf[5];
static volatile long jump_runs;

static void on_jump(int signo)
{
    (void)signo;
    jump_runs++;
    __builtin_longjmp(jump_buf, 1);
}

static volatile long probe_faults;
static uint8_t bss_pages[3 * PAGE] __attribute__((aligned(4096)));

static void on_probe(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    (void)si;
    ucontext_t *uc = ucv;
    probe_faults++;
    uc->uc_mcontext.pc += 4;        /* past the store */
}

/* Store into `target` (first touch of its page) under a skipping SIGSEGV/SIGBUS handler;
 * log -4 if it faulted. */
static void probe_step(int phase, long target)
{
    set_action(SIGSEGV, on_probe, SA_SIGINFO_F, 0);
    set_action(SIGBUS, on_probe, SA_SIGINFO_F, 0);
    probe_faults = 0;
    marker(phase, (long)logbuf, target, 0, 0);
    __asm__ volatile("str %0, [%1]" :: "r"(0x46L), "r"(target) : "memory");
    log_label(phase, probe_faults ? -4 : 0);
    set_action(SIGSEGV, 0, 0, 0);
    set_action(SIGBUS, 0, 0, 0);
}

static int mapped_ok(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static __attribute__((noinline)) void stack_probe(void)
{
    volatile uint8_t deep[96 * 1024];
    deep[sizeof deep - 1] = 0;
    probe_step(P_FAULT_STACK, (long)&deep[64]);
}

static void fault_steps(void)
{
    long p = sys6(SYS_mmap, 0, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped_ok(p) && sys6(SYS_mprotect, p, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) == 0)
        probe_step(P_FAULT_MPROT, p + 0x300);
    p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mapped_ok(p))
        probe_step(P_FAULT_SHARED, p + 0x300);
    probe_step(P_FAULT_BSS, (long)&bss_pages[PAGE + 0x300]);
    long fd = sys6(SYS_memfd_create, (long)"r46", 0, 0, 0, 0, 0);
    if (fd >= 0 && sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0) {
        p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (mapped_ok(p))
            probe_step(P_FAULT_FILE, p + 0x300);
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    }
    stack_probe();
    p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped_ok(p)) {
        *(volatile long *)p = 1;
        long q = sys6(SYS_mremap, p, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0, 0);
        if (mapped_ok(q))
            probe_step(P_FAULT_MREMAP, q + PAGE + 0x300);
    }
    p = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped_ok(p)) {
        set_action(SIGSEGV, on_probe, SA_SIGINFO_F, 0);
        set_action(SIGBUS, on_probe, SA_SIGINFO_F, 0);
        probe_faults = 0;
        long got = -1;
        marker(P_FAULT_RO_LOAD, (long)logbuf, p + 0x300, 0, 0);
        __asm__ volatile("ldr %0, [%1]" : "+r"(got) : "r"(p + 0x300) : "memory");
        log_label(P_FAULT_RO_LOAD, probe_faults || got != 0 ? -4 : 0);
        set_action(SIGSEGV, 0, 0, 0);
        set_action(SIGBUS, 0, 0, 0);
    }
}

static void signalfd_code_step(void)
{
    uint64_t set = bit(SIGUSR1);
    mask(SIG_BLOCK, set);
    long fd = sys6(SYS_signalfd4, -1, (long)&set, 8, 0, 0, 0);
    if (fd < 0) {
        mask(SIG_UNBLOCK, set);
        return;
    }
    tkill_self(SIGUSR1);
    uint8_t rec[128];
    memset(rec, 0, sizeof rec);
    marker(P_SIGNALFD_CODE, (long)logbuf, (long)rec, 0, 0);
    long n = sys6(SYS_read, fd, (long)rec, sizeof rec, 0, 0, 0);
    int32_t code;
    uint32_t pid;
    memcpy(&code, rec + 8, 4);
    memcpy(&pid, rec + 12, 4);
    if (n == 128)
        log_label(P_SIGNALFD_CODE, code == SI_TKILL && pid == (uint32_t)my_pid ? 0 : -4);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    mask(SIG_UNBLOCK, set);
}

/* --- steps --------------------------------------------------------------------------- */
static void samask_steps(void)
{
    set_action(SIGUSR2, on_usr2, 0, 0);
    set_action(SIGUSR1, on_samask, 0, bit(SIGUSR2));
    marker(P_SAMASK, (long)logbuf, (long)on_usr2, 0, 0);
    raise_self(SIGUSR1);
    if (inside_usr2 >= 0)
        log_label(P_SAMASK, -4 * inside_usr2);

    inside_mask = 0;
    marker(P_HMASK, (long)logbuf, 0, 0, 0);
    raise_self(SIGUSR1);
    uint64_t want = bit(SIGUSR1) | bit(SIGUSR2);
    log_label(P_HMASK, (inside_mask & want) == want ? 0 : -4);
}

static void resethand_step(void)
{
    set_action(SIGUSR1, on_count, SA_RESETHAND_F, 0);
    marker(P_RESETHAND, (long)logbuf, (long)on_count, 0, 0);
    long before = usr1_runs;
    tkill_self(SIGUSR1);
    struct kernel_sigaction old = {1, 0, 0, 0};
    if (usr1_runs == before + 1 &&
        sys6(SYS_rt_sigaction, SIGUSR1, 0, (long)&old, 8, 0, 0) == 0)
        log_label(P_RESETHAND, old.handler == 0 ? 0 : -4);
}

static void ignored_step(void)
{
    set_action(SIGUSR2, on_usr2, 0, 0);
    set_action(SIGUSR2, SIG_IGN, 0, 0);
    marker(P_IGNORED, (long)logbuf, (long)on_usr2, 0, 0);
    long before = usr2_runs;
    if (raise_self(SIGUSR2) == 0)
        log_label(P_IGNORED, -4 * (usr2_runs - before));
    set_action(SIGUSR2, on_usr2, 0, 0);
}

static void self_kill_step(void)
{
    set_action(SIGUSR1, on_count, 0, 0);
    marker(P_SELF_KILL, (long)logbuf, 0, 0, 0);
    long before = usr1_runs;
    if (raise_self(SIGUSR1) == 0) {
        long ran = usr1_runs - before;
        log_label(P_SELF_KILL, ran == 1 ? 0 : -4);
    }
}

static void tkill_code_step(void)
{
    set_action(SIGUSR1, on_info, SA_SIGINFO_F, 0);
    info_code = 99;
    marker(P_TKILL_CODE, (long)logbuf, 0, 0, 0);
    tkill_self(SIGUSR1);
    if (info_code != 99)
        log_label(P_TKILL_CODE, info_code == SI_TKILL && info_pid == my_pid ? 0 : -4);
}

static void segv_step(void)
{
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page <= 0 || (unsigned long)page >= (1UL << 48))
        return;
    set_action(SIGSEGV, on_segv, SA_SIGINFO_F, 0);
    long target = page + 0x100;
    marker(P_SEGV_ADDR, (long)logbuf, target, 0, 0);
    __asm__ volatile("str %0, [%1]" :: "r"(1L), "r"(target) : "memory");
    if (segv_runs == 0)
        log_label(P_SEGV_ADDR, -4);
    else if (segv_runs == 1 && segv_code == SEGV_ACCERR)
        log_label(P_SEGV_ADDR, (segv_addr - target) / 8);
    set_action(SIGSEGV, 0, 0, 0);
    sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
}

static void onstack_steps(void)
{
    struct kernel_stack ss = {(uint64_t)altstk, 0, 0, ALT_SIZE};
    if (sys6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0) != 0)
        return;
    set_action(SIGUSR1, on_where, 0, 0);
    where_alt = -1;
    marker(P_ONSTACK_UNSET, (long)logbuf, (long)altstk, ALT_SIZE, 0);
    raise_self(SIGUSR1);
    if (where_alt >= 0)
        log_label(P_ONSTACK_UNSET, -4 * where_alt);

    set_action(SIGUSR1, on_where, SA_ONSTACK_F, 0);
    where_alt = -1;
    alt_flags = -1;
    marker(P_ONSTACK_SET, (long)logbuf, (long)altstk, ALT_SIZE, 0);
    raise_self(SIGUSR1);
    if (where_alt >= 0)
        log_label(P_ONSTACK_SET, where_alt ? 0 : -4);
    if (where_alt == 1 && alt_old_step)
        log_label(P_ALT_OLD, alt_flags == SS_ONSTACK_F ? 0 : -4);
    if (where_alt == 1 && alt_old_step && alt_busy <= 0)
        log_label(P_ALT_BUSY, alt_busy == -EPERM ? 0 : -4);
    ss.flags = SS_DISABLE;
    ss.size = 0;
    sys6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0);
}

static void sigret_steps(void)
{
    set_action(SIGUSR1, on_edit_x0, SA_SIGINFO_F, 0);
    marker(P_SIGRET_X0, (long)logbuf, 0, 0, 0);
    long before = usr1_runs;
    long r = raise_self(SIGUSR1);
    if (usr1_runs == before + 1)
        log_label(P_SIGRET_X0, r == 7 ? 0 : -4);

    set_action(SIGUSR2, on_usr2, 0, 0);
    set_action(SIGUSR1, on_edit_mask, SA_SIGINFO_F, 0);
    marker(P_SIGRET_MASK, (long)logbuf, (long)on_usr2, 0, 0);
    before = usr1_runs;
    raise_self(SIGUSR1);
    long before2 = usr2_runs;
    tkill_self(SIGUSR2);
    long early = usr2_runs - before2;
    mask(SIG_UNBLOCK, bit(SIGUSR2));
    if (usr1_runs == before + 1 && usr2_runs == before2 + 1)
        log_label(P_SIGRET_MASK, -4 * early);

    long old, got;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(old));
    set_action(SIGUSR1, on_set_tpidr, 0, 0);
    marker(P_SIGRET_TPIDR, (long)logbuf, TLS_SET, 0, 0);
    before = usr1_runs;
    raise_self(SIGUSR1);
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(got));
    __asm__ volatile("msr tpidr_el0, %0" :: "r"(old));
    if (usr1_runs == before + 1)
        log_label(P_SIGRET_TPIDR, got == TLS_SET ? 0 : -4);

    set_action(SIGUSR1, on_count, 0, 0);
    marker(P_SIGRET_Q8, (long)logbuf, Q8_PATTERN, 0, 0);
    before = usr1_runs;
    long out;
    {
        register long x0 __asm__("x0") = my_pid;
        register long x1 __asm__("x1") = SIGUSR1;
        register long x8 __asm__("x8") = SYS_kill;
        __asm__ volatile("fmov d8, %[p]\n svc #0\n fmov %[o], d8"
                         : "+r"(x0), [o] "=r"(out)
                         : [p] "r"(Q8_PATTERN), "r"(x1), "r"(x8)
                         : "v8", "memory", "cc");
    }
    if (usr1_runs == before + 1)
        log_label(P_SIGRET_Q8, out - Q8_PATTERN);
}

static void fake_return_step(void)
{
    set_action(SIGUSR1, fake_handler, 0, 0);
    fake_done = 0;
    marker(P_FAKE_RETURN, (long)logbuf, 0, 0, 0);
    if (raise_self(SIGUSR1) == 0)
        log_label(P_FAKE_RETURN, fake_done ? 0 : -4);
}

static void ppoll_step(void)
{
    set_action(SIGUSR1, on_count, 0, 0);
    mask(SIG_BLOCK, bit(SIGUSR1));
    raise_self(SIGUSR1);
    struct timespec ts = {0, 1000000};
    uint64_t empty = 0;
    marker(P_PPOLL, (long)logbuf, 0, 0, 0);
    long before = usr1_runs;
    long r = sys6(SYS_ppoll, 0, 0, (long)&ts, (long)&empty, 8, 0);
    long ran = usr1_runs - before;
    mask(SIG_UNBLOCK, bit(SIGUSR1));
    if (ran == 1)
        log_label(P_PPOLL, r == -EINTR ? 0 : -4);
}

static void wait_code_step(void)
{
    mask(SIG_BLOCK, bit(SIGUSR1));
    tkill_self(SIGUSR1);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    uint64_t set = bit(SIGUSR1);
    marker(P_WAIT_CODE, (long)logbuf, (long)&info, 0, 0);
    long r = sys6(SYS_rt_sigtimedwait, (long)&set, (long)&info, 0, 8, 0, 0);
    mask(SIG_UNBLOCK, bit(SIGUSR1));
    if (r == SIGUSR1)
        log_label(P_WAIT_CODE, info.si_code == SI_TKILL && info.si_pid == my_pid ? 0 : -4);
}

static void pidfd_self_step(void)
{
    long fd = sys6(SYS_pidfd_open, my_pid, 0, 0, 0, 0, 0);
    if (fd < 0)
        return;
    set_action(SIGUSR1, on_info, SA_SIGINFO_F, 0);
    info_code = 99;
    marker(P_PIDFD_SELF, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_pidfd_send_signal, fd, SIGUSR1, 0, 0, 0, 0);
    if (r == 0 && info_code != 99)
        log_label(P_PIDFD_SELF, info_code == SI_USER && info_pid == my_pid ? 0 : -4);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void segv_retry_step(void)
{
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page <= 0 || (unsigned long)page >= (1UL << 48))
        return;
    fix_page = page;
    set_action(SIGSEGV, on_fix, 0, 0);
    long target = page + 0x200;
    marker(P_SEGV_RETRY, (long)logbuf, target, 0, 0);
    __asm__ volatile("str %0, [%1]" :: "r"(0x46L), "r"(target) : "memory");
    long got = *(volatile long *)target;
    log_label(P_SEGV_RETRY, fix_runs == 1 && got == 0x46 ? 0 : -4);
    set_action(SIGSEGV, 0, 0, 0);
    sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
}

static __attribute__((noinline)) void longjmp_step(void)
{
    set_action(SIGUSR1, on_jump, 0, 0);
    marker(P_LONGJMP, (long)logbuf, 0, 0, 0);
    volatile long sent = 0;
    __builtin_setjmp(jump_buf);
    mask(SIG_UNBLOCK, bit(SIGUSR1));
    if (sent < 40) {
        sent++;
        raise_self(SIGUSR1);
    }
    log_label(P_LONGJMP, jump_runs == 40 ? 0 : -4);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        alt_old_step |= strcmp(argv[i], "-a") == 0;
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
    if (mapped <= 0 || (unsigned long)mapped >= (1UL << 48)) {
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
    samask_steps();
    resethand_step();
    ignored_step();
    self_kill_step();
    tkill_code_step();
    segv_step();
    onstack_steps();
    sigret_steps();
    fake_return_step();
    ppoll_step();
    wait_code_step();
    pidfd_self_step();
    segv_retry_step();
    longjmp_step();
    fault_steps();
    signalfd_code_step();

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
