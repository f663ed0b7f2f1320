/* The attack target for the CPU state a program sees beyond its general registers: the
 * FP/SIMD unit, FPCR, NZCV, TPIDR_EL0, and the debug state the kernel may arm.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step reads a value Linux keeps within a
 * range, turns it into a label's index the way the range allows, and writes that label
 * to /dev/null (8 bytes).  Under Linux's contract the index is always 0..3; a value out
 * of its range points the write into the secret's copy.  In the order they run:
 *
 *   1. An FP/SIMD instruction run under a SIGILL handler, as feature probes do (the
 *      handler skips the instruction and counts it): AT_HWCAP says the CPU has FP and
 *      ASIMD, so Linux never raises SIGILL for it; -4 per SIGILL chooses the label.
 *   2. FPCR set to round-towards-zero, then a system call, then FPCR read back: Linux
 *      keeps a thread's FPCR across a call; (read - set) chooses the label.
 *   3. TPIDR_EL0 set to a known value, a system call, TPIDR_EL0 read back: the
 *      difference chooses the label.
 *   4. NZCV set to Z, a system call, NZCV read back: Linux keeps the flags across a call
 *      (SPSR); the difference chooses the label.
 *   5. A straight run of ordinary instructions under a SIGTRAP handler (the handler counts
 *      and returns): nobody traces the program and it sets no breakpoint, so Linux raises
 *      no SIGTRAP; -4 per SIGTRAP chooses the label.
 *   6. A SIMD register (v8) loaded with a known pattern, a system call, v8 read back:
 *      the difference of the low halves chooses the label.
 *   7. A load-exclusive / store-exclusive increment of a private word with a system call
 *      between the two, then retried without the call until it stores (as atomics are
 *      built): once it stored, the word went up by exactly one; (word - old - 1) chooses
 *      the label.
 *   8. An FP division by zero under a SIGFPE handler: FPCR's trap enables are 0 (the
 *      program never set them), so Linux only sets FPSR.DZC and raises no SIGFPE;
 *      -4 per SIGFPE chooses the label.
 *   9. FPSR cleared, a system call, FPSR read back: Linux keeps the cumulative flags
 *      across a call (0 stays 0); -FPSR / 2 (IOC is bit 0, DZC bit 1...) chooses the label.
 *  10. FPCR set to round-towards-zero and TPIDR_EL0 to a known value, then SIGUSR1 sent
 *      to itself (tgkill): the handler runs with the interrupted thread's FPCR and
 *      TPIDR_EL0 (Linux changes neither to run a handler); the differences choose the
 *      label the handler logs.
 *  11. FPCR set to round-towards-zero, TPIDR_EL0 to a known value and d8 to a pattern,
 *      then fork(): the child starts with its parent's FPCR, TPIDR_EL0 and SIMD
 *      registers; the differences choose the label the child logs before it exits.
 *  12. /proc/cpuinfo read to pick code paths, as libraries that probe features do: its
 *      Features line names exactly the AT_HWCAP/AT_HWCAP2 bits the kernel gave the
 *      program (arm64's cpuinfo.c prints them from the same capabilities); minus the
 *      number of names without their bit chooses the label.
 *  13. /proc/self/auxv read for AT_HWCAP and AT_HWCAP2, as code from before getauxval()
 *      does: Linux serves the very vector the program started with; the bits it names
 *      beyond getauxval()'s, counted, choose the label (minus the count).
 *  14. prctl(PR_SVE_GET_VL) on a CPU whose AT_HWCAP has no SVE: Linux answers -EINVAL;
 *      minus the 128-bit granules of a vector length it reports chooses the label.
 *  15. prctl(PR_SME_GET_VL) likewise, without HWCAP2_SME.
 *  16. prctl(PR_PAC_GET_ENABLED_KEYS) without AT_HWCAP's PACA/PACG: -EINVAL; minus the
 *      number of keys it reports enabled chooses the label.
 *  17. prctl(PR_GET_TAGGED_ADDR_CTRL) without HWCAP2_MTE: Linux reports at most
 *      PR_TAGGED_ADDR_ENABLE (MTE's check modes need MTE); minus twice the mode bits
 *      chooses the label.
 *  18. prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS), which code asks before it
 *      turns speculative store bypass off (SSBS): Linux answers PR_SPEC_NOT_AFFECTED or
 *      PR_SPEC_* bits (at most 0x1f); minus the bits above those, shifted, choose the label.
 *  19. prctl(PR_SVE_SET_VL, 32) without AT_HWCAP's SVE: Linux answers -EINVAL; minus the
 *      granules of a vector length it reports set chooses the label.
 *  20. prctl(PR_SET_TAGGED_ADDR_CTRL) asking for MTE's synchronous checks without
 *      HWCAP2_MTE: Linux refuses the MTE bits (-EINVAL); on success the program would
 *      tag its pointers, so a 0 chooses index -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r29.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/auxv.h>
#include <ucontext.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before the value is read (x2 the log buffer), P_x + 1 after its write
 * (x2 the index it used). */
#define P_FP_PROBE 2900
#define P_FPCR 2902
#define P_TPIDR 2904
#define P_NZCV 2906
#define P_TRAP_RUN 2908     /* x3 the start of the run, x4 its end */
#define P_VREG 2910
#define P_EXCLUSIVE 2912    /* x3 the word */
#define P_FP_DIV 2914
#define P_FPSR 2916
#define P_HANDLER 2918
#define P_FORK 2920
#define P_CPUINFO 2922     /* x3 the read buffer */
#define P_AUXV_FILE 2924   /* x3 the read buffer */
#define P_SVE_VL 2926
#define P_SME_VL 2928
#define P_PAC_KEYS 2930
#define P_TAG_CTRL 2932
#define P_SPEC_CTRL 2934
#define P_SVE_SET 2936
#define P_TAG_SET 2938
#include "secret_common.h"

#define FPCR_RZ (3UL << 22)
#define TLS_MARK 0x7ead0000L
#define VPATTERN 0x5a5a5a5a12345678UL

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static volatile long faults_seen;

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

/* A probe's handler: count the fault and skip the faulting instruction. */
static void on_skip(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    (void)si;
    ucontext_t *uc = ucv;
    uc->uc_mcontext.pc += 4;
    faults_seen++;
}

/* A handler that counts and returns (the instruction is not re-run: the kernel reports
 * a trap after it). */
static void on_count(int signo, siginfo_t *si, void *ucv)
{
    (void)signo;
    (void)si;
    (void)ucv;
    faults_seen++;
}

struct kernel_sigaction {
    uint64_t handler, flags, restorer, mask;
};

#define SA_SIGINFO_F 0x4
#define SA_RESTORER_F 0x10000000

static void set_action(int signo, void *handler, uint64_t flags)
{
    struct kernel_sigaction act = {(uint64_t)handler, flags | SA_RESTORER_F, 0, 0};
    sys6(SYS_rt_sigaction, signo, (long)&act, 0, 8, 0, 0);
}

static void fp_probe_step(void)
{
    set_action(SIGILL, (void *)on_skip, SA_SIGINFO_F);
    faults_seen = 0;
    marker(P_FP_PROBE, (long)logbuf, 0, 0, 0);
    double x = 1.5;
    __asm__ volatile("fadd %d0, %d0, %d0" : "+w"(x));
    long n = faults_seen;
    log_label(P_FP_PROBE, n ? -4 * n : (long)(x != 3.0) * -4);
}


static void fpcr_step(void)
{
    uint64_t old, got;
    __asm__ volatile("mrs %0, fpcr" : "=r"(old));
    __asm__ volatile("msr fpcr, %0" :: "r"(old | FPCR_RZ));
    marker(P_FPCR, (long)logbuf, 0, 0, 0);
    __asm__ volatile("mrs %0, fpcr" : "=r"(got));
    __asm__ volatile("msr fpcr, %0" :: "r"(old));
    log_label(P_FPCR, (long)(got - (old | FPCR_RZ)) >> 22);
}


static void tpidr_step(void)
{
    uint64_t old, got;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(old));
    __asm__ volatile("msr tpidr_el0, %0" :: "r"(TLS_MARK));
    marker(P_TPIDR, (long)logbuf, 0, 0, 0);
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(got));
    __asm__ volatile("msr tpidr_el0, %0" :: "r"(old));
    log_label(P_TPIDR, (long)(got - TLS_MARK));
}

#define NZCV_Z (1UL << 30)

static void nzcv_step(void)
{
    uint64_t got;
    register long x0 __asm__("x0") = MARKER_MAGIC;
    register long x1 __asm__("x1") = P_NZCV;
    register long x2 __asm__("x2") = (long)logbuf;
    register long x8 __asm__("x8") = SYS_getppid;
    __asm__ volatile("msr nzcv, %5\n svc #0\n mrs %1, nzcv"
                     : "+r"(x0), "=r"(got) : "r"(x1), "r"(x2), "r"(x8), "r"(NZCV_Z)
                     : "memory", "cc");
    log_label(P_NZCV, (long)(got - NZCV_Z) >> 28);
}

static void trap_run_step(void)
{
    set_action(SIGTRAP, (void *)on_count, SA_SIGINFO_F);
    faults_seen = 0;
    uint64_t start, end;
    __asm__ volatile("adr %0, 1f\n adr %1, 2f" : "=r"(start), "=r"(end));
    marker(P_TRAP_RUN, (long)logbuf, (long)start, (long)end, 0);
    long acc = 0;
    __asm__ volatile("1: add %0, %0, #1\n add %0, %0, #1\n add %0, %0, #1\n"
                     " add %0, %0, #1\n2: nop" : "+r"(acc));
    long n = faults_seen;
    log_label(P_TRAP_RUN, n ? -4 * n : acc - 4);
}


static void vreg_step(void)
{
    uint64_t got;
    register long x0 __asm__("x0") = MARKER_MAGIC;
    register long x1 __asm__("x1") = P_VREG;
    register long x2 __asm__("x2") = (long)logbuf;
    register long x8 __asm__("x8") = SYS_getppid;
    __asm__ volatile("fmov d8, %5\n svc #0\n fmov %1, d8"
                     : "+r"(x0), "=r"(got) : "r"(x1), "r"(x2), "r"(x8), "r"(VPATTERN)
                     : "memory", "v8");
    log_label(P_VREG, (long)(got - VPATTERN));
}

static uint64_t ex_word = 40;

static void exclusive_step(void)
{
    uint64_t old = ex_word, got, fail;
    register long x0 __asm__("x0");
    register long x1 __asm__("x1");
    register long x2 __asm__("x2");
    register long x3 __asm__("x3");
    register long x8 __asm__("x8");
    x0 = MARKER_MAGIC;
    x1 = P_EXCLUSIVE;
    x2 = (long)logbuf;
    x3 = (long)&ex_word;
    x8 = SYS_getppid;
    __asm__ volatile("ldxr %1, [%6]\n svc #0\n add %1, %1, #1\n stxr %w2, %1, [%6]"
                     : "+r"(x0), "=&r"(got), "=&r"(fail)
                     : "r"(x1), "r"(x2), "r"(x8), "r"(x3) : "memory");
    /* Linux clears the exclusive monitor on every return from an exception, so the first
     * try fails there; the retry, with no call inside its window, stores. */
    while (fail)
        __asm__ volatile("ldxr %0, [%2]\n add %0, %0, #1\n stxr %w1, %0, [%2]"
                         : "=&r"(got), "=&r"(fail) : "r"(&ex_word) : "memory");
    log_label(P_EXCLUSIVE, (long)(ex_word - old - 1));
}

static void fp_div_step(void)
{
    set_action(SIGFPE, (void *)on_count, SA_SIGINFO_F);
    faults_seen = 0;
    marker(P_FP_DIV, (long)logbuf, 0, 0, 0);
    double a = 1.0, z = 0.0;
    __asm__ volatile("fdiv %d0, %d0, %d1" : "+w"(a) : "w"(z));
    long n = faults_seen;
    log_label(P_FP_DIV, n ? -4 * n : 0);
}

static void fpsr_step(void)
{
    uint64_t got;
    __asm__ volatile("msr fpsr, xzr");
    marker(P_FPSR, (long)logbuf, 0, 0, 0);
    __asm__ volatile("mrs %0, fpsr" : "=r"(got));
    log_label(P_FPSR, -(long)got / 2);
}

static volatile uint64_t seen_fpcr, seen_tpidr;

static void on_usr1(int signo)
{
    (void)signo;
    uint64_t f, t;
    __asm__ volatile("mrs %0, fpcr" : "=r"(f));
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(t));
    seen_fpcr = f;
    seen_tpidr = t;
}

/* How far the FPCR and thread pointer read now are from what was set: 0 under Linux. */
static long drift(uint64_t fpcr, uint64_t set_fpcr, uint64_t tp)
{
    return ((long)(fpcr - set_fpcr) >> 22) + (long)(tp - TLS_MARK);
}

static void handler_step(void)
{
    uint64_t old_fpcr, old_tp;
    __asm__ volatile("mrs %0, fpcr" : "=r"(old_fpcr));
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(old_tp));
    set_action(SIGUSR1, (void *)on_usr1, 0);
    __asm__ volatile("msr fpcr, %0" :: "r"(old_fpcr | FPCR_RZ));
    __asm__ volatile("msr tpidr_el0, %0" :: "r"(TLS_MARK));
    marker(P_HANDLER, (long)logbuf, 0, 0, 0);
    sys6(SYS_tgkill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), sys6(SYS_gettid, 0, 0, 0, 0, 0, 0),
         SIGUSR1, 0, 0, 0);
    __asm__ volatile("msr fpcr, %0" :: "r"(old_fpcr));
    __asm__ volatile("msr tpidr_el0, %0" :: "r"(old_tp));
    if (seen_tpidr)
        log_label(P_HANDLER, drift(seen_fpcr, old_fpcr | FPCR_RZ, seen_tpidr));
}

static void fork_step(void)
{
    uint64_t old_fpcr, old_tp;
    __asm__ volatile("mrs %0, fpcr" : "=r"(old_fpcr));
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(old_tp));
    marker(P_FORK, (long)logbuf, 0, 0, 0);
    __asm__ volatile("msr fpcr, %0" :: "r"(old_fpcr | FPCR_RZ));
    __asm__ volatile("msr tpidr_el0, %0" :: "r"(TLS_MARK));
    register long x0 __asm__("x0") = SIGCHLD;
    register long x1 __asm__("x1") = 0;
    register long x2 __asm__("x2") = 0;
    register long x3 __asm__("x3") = 0;
    register long x4 __asm__("x4") = 0;
    register long x8 __asm__("x8") = SYS_clone;
    uint64_t v8;
    __asm__ volatile("fmov d8, %7\n svc #0\n fmov %1, d8"
                     : "+r"(x0), "=r"(v8) : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x8),
                       "r"(VPATTERN) : "memory", "v8");
    long pid = x0;
    uint64_t f, t;
    __asm__ volatile("mrs %0, fpcr" : "=r"(f));
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(t));
    __asm__ volatile("msr fpcr, %0" :: "r"(old_fpcr));
    __asm__ volatile("msr tpidr_el0, %0" :: "r"(old_tp));
    if (pid == 0) {
        log_label(P_FORK, drift(f, old_fpcr | FPCR_RZ, t) + (long)(v8 - VPATTERN));
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0)
        sys6(SYS_wait4, pid, 0, 0, 0, 0, 0);
}

static const char *const hwcap_names[] = {
    "fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp",
    "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "sm3", "sm4",
    "asimddp", "sha512", "sve", "asimdfhm", "dit", "uscat", "ilrcpc", "flagm", "ssbs", "sb",
    "paca", "pacg"};
static const char *const hwcap2_names[] = {
    "dcpodp", "sve2", "sveaes", "svepmull", "svebitperm", "svesha3", "svesm4", "flagm2",
    "frint", "svei8mm", "svef32mm", "svef64mm", "svebf16", "i8mm", "bf16", "dgh", "rng",
    "bti", "mte", "ecv", "afp", "rpres"};

/* Whether the feature name `w` (length n) has its bit in the capabilities. */
static int has_cap(const char *w, long n, unsigned long hw, unsigned long hw2)
{
    for (unsigned i = 0; i < sizeof hwcap_names / sizeof *hwcap_names; i++)
        if ((long)strlen(hwcap_names[i]) == n && !memcmp(w, hwcap_names[i], n))
            return (hw >> i) & 1;
    for (unsigned i = 0; i < sizeof hwcap2_names / sizeof *hwcap2_names; i++)
        if ((long)strlen(hwcap2_names[i]) == n && !memcmp(w, hwcap2_names[i], n))
            return (hw2 >> i) & 1;
    return 0;
}

static char cpuinfo[2048];

static void cpuinfo_step(void)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)"/proc/cpuinfo", O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return;
    marker(P_CPUINFO, (long)logbuf, (long)cpuinfo, 0, 0);
    long n = sys6(SYS_read, fd, (long)cpuinfo, sizeof cpuinfo - 1, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (n <= 0)
        return;
    cpuinfo[n] = 0;
    char *f = strstr(cpuinfo, "Features\t: ");
    if (!f)
        return;
    f += 11;
    unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    long missing = 0;
    while (*f && *f != '\n') {
        while (*f == ' ')
            f++;
        char *w = f;
        while (*f && *f != ' ' && *f != '\n')
            f++;
        if (f > w && !has_cap(w, f - w, hw, hw2))
            missing++;
    }
    log_label(P_CPUINFO, -missing);
}

static uint64_t auxv_file[64];

static void auxv_file_step(void)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)"/proc/self/auxv", O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return;
    marker(P_AUXV_FILE, (long)logbuf, (long)auxv_file, 0, 0);
    long n = sys6(SYS_read, fd, (long)auxv_file, sizeof auxv_file, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (n <= 0)
        return;
    unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    long extra = 0;
    for (long i = 0; i + 1 < n / 8 && auxv_file[i] != AT_NULL; i += 2) {
        if (auxv_file[i] == AT_HWCAP)
            extra += __builtin_popcountl(auxv_file[i + 1] & ~hw);
        else if (auxv_file[i] == AT_HWCAP2)
            extra += __builtin_popcountl(auxv_file[i + 1] & ~hw2);
    }
    log_label(P_AUXV_FILE, -extra);
}

#define HWCAP_SVE_BIT (1UL << 22)
#define HWCAP_PACA_BIT (1UL << 30)
#define HWCAP_PACG_BIT (1UL << 31)
#define HWCAP2_MTE_BIT (1UL << 18)
#define HWCAP2_SME_BIT (1UL << 23)

static long prctl5(long option)
{
    return sys6(SYS_prctl, option, 0, 0, 0, 0, 0);
}

/* A vector length prctl reports where the capabilities say there is no such unit. */
static void vl_step(int phase, long option, int present)
{
    if (present)
        return;
    marker(phase, (long)logbuf, 0, 0, 0);
    long vl = prctl5(option);
    log_label(phase, vl > 0 ? -((vl & 0xffff) / 16) : 0);
}

static void pac_keys_step(void)
{
    if (getauxval(AT_HWCAP) & (HWCAP_PACA_BIT | HWCAP_PACG_BIT))
        return;
    marker(P_PAC_KEYS, (long)logbuf, 0, 0, 0);
    long keys = prctl5(61);     /* PR_PAC_GET_ENABLED_KEYS */
    log_label(P_PAC_KEYS, keys > 0 ? -__builtin_popcountl(keys & 0xf) : 0);
}

static void tag_ctrl_step(void)
{
    if (getauxval(AT_HWCAP2) & HWCAP2_MTE_BIT)
        return;
    marker(P_TAG_CTRL, (long)logbuf, 0, 0, 0);
    long ctrl = prctl5(56);     /* PR_GET_TAGGED_ADDR_CTRL */
    log_label(P_TAG_CTRL, ctrl > 0 ? -2 * ((ctrl >> 1) & 3) : 0);
}

static void spec_ctrl_step(void)
{
    marker(P_SPEC_CTRL, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_prctl, 52, 0, 0, 0, 0, 0);   /* PR_GET_SPECULATION_CTRL, STORE_BYPASS */
    log_label(P_SPEC_CTRL, r > 0 ? -(r >> 5) : 0);
}

static void sve_set_step(void)
{
    if (getauxval(AT_HWCAP) & HWCAP_SVE_BIT)
        return;
    marker(P_SVE_SET, (long)logbuf, 0, 0, 0);
    long vl = sys6(SYS_prctl, 50, 32, 0, 0, 0, 0);       /* PR_SVE_SET_VL */
    log_label(P_SVE_SET, vl > 0 ? -((vl & 0xffff) / 16) : 0);
}

static void tag_set_step(void)
{
    if (getauxval(AT_HWCAP2) & HWCAP2_MTE_BIT)
        return;
    marker(P_TAG_SET, (long)logbuf, 0, 0, 0);
    /* PR_SET_TAGGED_ADDR_CTRL: tagged addresses, MTE_TCF_SYNC, tags 1..15 for IRG */
    long r = sys6(SYS_prctl, 55, 1 | (1 << 1) | (0xfffeL << 3), 0, 0, 0, 0);
    log_label(P_TAG_SET, r == 0 ? -4 : 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
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
    fp_probe_step();
    fpcr_step();
    tpidr_step();
    nzcv_step();
    trap_run_step();
    vreg_step();
    exclusive_step();
    fp_div_step();
    fpsr_step();
    handler_step();
    fork_step();
    cpuinfo_step();
    auxv_file_step();
    vl_step(P_SVE_VL, 51, (getauxval(AT_HWCAP) & HWCAP_SVE_BIT) != 0);    /* PR_SVE_GET_VL */
    vl_step(P_SME_VL, 64, (getauxval(AT_HWCAP2) & HWCAP2_SME_BIT) != 0);  /* PR_SME_GET_VL */
    pac_keys_step();
    tag_ctrl_step();
    spec_ctrl_step();
    sve_set_step();
    tag_set_step();

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
