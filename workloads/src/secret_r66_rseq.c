/* The attack target of red-team round 66d: restartable sequences (rseq) registered,
 * given back and judged, the C library's own area, a signal inside a section, a fork
 * child's inherited area.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into the index
 * of a label (0 under Linux) and writes that label to /dev/null.  What Linux could never
 * have produced points the write back into the secret's copy.  In the order they run:
 *
 *   1. sched_getcpu(), which the C library answers from the cpu_id of the area it
 *      registered at start: anything but 0 (one CPU) chooses label -4.
 *   2. The C library's area written (its flags word, 0 again), then given back with the
 *      arguments it was registered with (rseq(area, size, RSEQ_FLAG_UNREGISTER,
 *      RSEQ_SIG)): Linux answers 0 (rseq_reset_rseq_cpu_node_id() stores into a page the
 *      program just wrote); an error chooses label -4.  (No area registered at start:
 *      label 0.)
 *   3. The program's own 32-byte area registered: an error chooses label -4 (Linux's
 *      sys_rseq() accepts an aligned area below TASK_SIZE when the thread has none), and
 *      so does a success where the C library's registration at start failed (the same
 *      kernel has rseq and accepts an aligned area of the size it announced).
 *   4. The same area registered again: Linux answers -EBUSY; 0 chooses label -4.
 *   5. The area given back with another signature: Linux answers -EPERM; 0 chooses -4.
 *   6. A SIGUSR2 handler that notes it ran; a critical section over the area (a long
 *      count down, the commit done = 1 as its last instruction); the abort handler notes
 *      the abort.  A section that committed though the handler ran inside it chooses
 *      label -4 (Linux's rseq_signal_deliver() moves the thread to abort_ip before the
 *      frame is built: the handler returns to the abort handler).
 *   7. fork(): the child gives back the area it inherited (rseq_fork() copies the
 *      registration): an error chooses label -4, and (only with the argument -f) so
 *      does a cpu_id other than RSEQ_CPU_ID_UNINITIALIZED (-1) after it
 *      (rseq_reset_rseq_cpu_node_id() stores it into the child's copy of the page, which
 *      the fork left shared, copy-on-write); with no area it registers one 16 bytes
 *      into its area (32 bytes, not 32-aligned) and its area with length 16, both
 *      -EINVAL under Linux (0 chooses label -4); it registers its area again (0, else
 *      -4) and exits; the parent waits for it.
 *   8. A vfork child (clone(CLONE_VM | CLONE_VFORK)) registers an area of its own and gives
 *      it back: Linux answers 0 to both (rseq_fork(): a CLONE_VM child starts with no
 *      area); an error chooses label -4.  It exits; the parent goes on.
 *  10. (Only with the argument -s.)  The area given back, its rseq_cs set to the
 *      section's descriptor (the pc outside the section), the area registered again:
 *      Linux's return from the registration runs rseq_ip_fixup() (TIF_NOTIFY_RESUME, with
 *      the registers), which clears an rseq_cs whose section the pc is not in
 *      (clear_rseq_cs()): rseq_cs still set after the call chooses label -4.
 *   9. (Only with the argument -r.)  The area given back; a fresh page mapped, an area registered at its start, the page
 *      made read-only (PROT_READ) and the area given back: Linux answers -EFAULT
 *      (rseq_reset_rseq_cpu_node_id()'s put_user() faults) and leaves the page as it was;
 *      0, or a changed page, chooses label -4.  The page is made writable again, the area
 *      given back (0) and the program's own registered again.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r66d.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r66d"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before it runs, P_x + 1 after its write (x2 the index it used). */
#define P_GETCPU 7400       /* x2 logbuf */
#define P_UNREG_GLIBC 7402  /* x2 logbuf, x3 the C library's area, x4 its size */
#define P_REGISTER 7404     /* x2 logbuf, x3 the area */
#define P_REREGISTER 7406   /* x2 logbuf, x3 the area, x4 the first registration's result */
#define P_OTHER_SIG 7408    /* x2 logbuf, x3 the area, x4 the first registration's result */
#define P_SIG_IN_CS 7410    /* x2 logbuf, x3 the area, x4 the rseq_cs, x5 abort_ip */
#define P_FORK 7412         /* (the child) x2 logbuf, x3 the area */
#define P_VFORK 7416        /* (the vfork child) x2 logbuf, x3 its area */
#define P_MISALIGNED 7418   /* (the fork child) x2 logbuf, x3 the misaligned area */
#define P_SHORT 7420        /* (the fork child) x2 logbuf, x3 the area */
#define P_STALE_CS 7422     /* x2 logbuf, x3 the area, x4 the registration's result */
#define P_CHILD_RESET 7424  /* (the fork child) x2 logbuf, x3 the area, x4 the unregistration's result */
#define P_RO_UNREG 7414     /* x2 logbuf, x3 the page's area, x4 its registration's result */
#define RSEQ_SIG 0xd428bc00
#define SPINS 400000
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"

struct rseq_area {
    uint32_t cpu_id_start;
    uint32_t cpu_id;
    uint64_t rseq_cs;
    uint32_t flags;
    uint32_t node_id;
    uint32_t mm_cid;
    uint32_t pad;
} __attribute__((aligned(32)));

struct rseq_desc {
    uint32_t version;
    uint32_t flags;
    uint64_t start_ip;
    uint64_t post_commit_offset;
    uint64_t abort_ip;
} __attribute__((aligned(32)));

static struct rseq_area area;
static volatile long done;
static long registered = -1;

extern const char r66_cs_start[], r66_cs_post[], r66_cs_abort[];
static struct rseq_desc cs;

extern const ptrdiff_t __rseq_offset;
extern const unsigned int __rseq_size;

static long rseq_call(long va, long len, long flags, long sig)
{
    return sys6(SYS_rseq, va, len, flags, sig, 0, 0);
}

/* Step 1: the C library's sched_getcpu() (from its area's cpu_id). */
__attribute__((noinline)) static void getcpu_step(void)
{
    marker(P_GETCPU, (long)logbuf, 0, 0, 0);
    int cpu = sched_getcpu();
    log_label(P_GETCPU, cpu == 0 ? 0 : -4);
}

/* Step 2: the C library's area written, then given back. */
__attribute__((noinline)) static void unregister_glibc_step(void)
{
    volatile struct rseq_area *g = (volatile struct rseq_area *)
        ((char *)__builtin_thread_pointer() + __rseq_offset);
    marker(P_UNREG_GLIBC, (long)logbuf, (long)g, (long)__rseq_size, 0);
    long r = 0;
    if (__rseq_size) {
        g->flags = 0;
        r = rseq_call((long)g, __rseq_size, 1, RSEQ_SIG);
    }
    log_label(P_UNREG_GLIBC, r == 0 ? 0 : -4);
}

/* Step 3: the program's own area. */
__attribute__((noinline)) static void register_step(void)
{
    marker(P_REGISTER, (long)logbuf, (long)&area, 0, 0);
    registered = rseq_call((long)&area, sizeof area, 0, RSEQ_SIG);
    log_label(P_REGISTER, registered == 0 && __rseq_size ? 0 : -4);
}

/* Step 4: the same area again (-EBUSY). */
__attribute__((noinline)) static void reregister_step(void)
{
    marker(P_REREGISTER, (long)logbuf, (long)&area, registered, 0);
    long r = registered == 0 ? rseq_call((long)&area, sizeof area, 0, RSEQ_SIG) : -16;
    log_label(P_REREGISTER, r == 0 ? -4 : 0);
}

/* Step 5: given back with another signature (-EPERM). */
__attribute__((noinline)) static void other_sig_step(void)
{
    marker(P_OTHER_SIG, (long)logbuf, (long)&area, registered, 0);
    long r = registered == 0 ? rseq_call((long)&area, sizeof area, 1, RSEQ_SIG + 1) : -1;
    if (r == 0)
        registered = rseq_call((long)&area, sizeof area, 0, RSEQ_SIG);
    log_label(P_OTHER_SIG, r == 0 ? -4 : 0);
}

static volatile int usr2_ran;

static void on_usr2(int sig)
{
    (void)sig;
    usr2_ran = 1;
}

/* Step 6: a SIGUSR2 handler run inside a critical section. */
__attribute__((noinline)) static void signal_in_section_step(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, &old);
    long aborted = 0;
    cs.start_ip = (uint64_t)r66_cs_start;
    cs.post_commit_offset = (uint64_t)(r66_cs_post - r66_cs_start);
    cs.abort_ip = (uint64_t)r66_cs_abort;
    done = 0;
    usr2_ran = 0;
    marker(P_SIG_IN_CS, (long)logbuf, (long)&area, (long)&cs, (long)r66_cs_abort);
    __asm__ volatile(
        "   str %[cs], [%[rcs]]\n"
        "   .globl r66_cs_start\n"
        "r66_cs_start:\n"
        "   mov x10, %[n]\n"
        "1: subs x10, x10, #1\n"
        "   b.ne 1b\n"
        "   mov x11, #1\n"
        "   str x11, [%[done]]\n"
        "   .globl r66_cs_post\n"
        "r66_cs_post:\n"
        "   b 3f\n"
        "   .long 0xd428bc00\n"
        "   .globl r66_cs_abort\n"
        "r66_cs_abort:\n"
        "   mov %[ab], #1\n"
        "3: str xzr, [%[rcs]]\n"
        : [ab] "+r"(aborted)
        : [cs] "r"(&cs), [rcs] "r"(&area.rseq_cs), [n] "r"((long)SPINS),
          [done] "r"(&done)
        : "x10", "x11", "memory", "cc");
    long index = registered == 0 && usr2_ran && done == 1 && !aborted ? -4 : 0;
    log_label(P_SIG_IN_CS, index);
    sigaction(SIGUSR2, &old, 0);
}

static int child_reset;

/* Step 7: a fork child's inherited area given back and registered again. */
__attribute__((noinline)) static void fork_step(void)
{
    if (registered != 0) {
        marker(P_FORK, (long)logbuf, (long)&area, 0, 0);
        log_label(P_FORK, 0);
        marker(P_CHILD_RESET, (long)logbuf, 0, 0, 0);
        log_label(P_CHILD_RESET, 0);
        marker(P_MISALIGNED, (long)logbuf, 0, 0, 0);
        log_label(P_MISALIGNED, 0);
        marker(P_SHORT, (long)logbuf, 0, 0, 0);
        log_label(P_SHORT, 0);
        return;
    }
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        marker(P_FORK, (long)logbuf, (long)&area, 0, 0);
        long r = rseq_call((long)&area, sizeof area, 1, RSEQ_SIG);
        uint32_t reset = ((volatile struct rseq_area *)&area)->cpu_id;
        marker(P_CHILD_RESET, (long)logbuf, (long)&area, r, 0);
        log_label(P_CHILD_RESET, child_reset && r == 0 && reset != 0xffffffffu ? -4 : 0);
        long odd = (long)&area + 16;
        marker(P_MISALIGNED, (long)logbuf, odd, r, 0);
        long m = r == 0 ? rseq_call(odd, 32, 0, RSEQ_SIG) : -22;
        if (m == 0)
            rseq_call(odd, 32, 1, RSEQ_SIG);
        log_label(P_MISALIGNED, m == 0 ? -4 : 0);
        marker(P_SHORT, (long)logbuf, (long)&area, r, 0);
        long h = r == 0 ? rseq_call((long)&area, 16, 0, RSEQ_SIG) : -22;
        if (h == 0)
            rseq_call((long)&area, 16, 1, RSEQ_SIG);
        log_label(P_SHORT, h == 0 ? -4 : 0);
        long again = r == 0 ? rseq_call((long)&area, sizeof area, 0, RSEQ_SIG) : -1;
        log_label(P_FORK, r == 0 && again == 0 ? 0 : -4);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    } else {
        marker(P_FORK, (long)logbuf, (long)&area, pid, 0);
        log_label(P_FORK, 0);
        marker(P_CHILD_RESET, (long)logbuf, 0, pid, 0);
        log_label(P_CHILD_RESET, 0);
        marker(P_MISALIGNED, (long)logbuf, 0, pid, 0);
        log_label(P_MISALIGNED, 0);
        marker(P_SHORT, (long)logbuf, 0, pid, 0);
        log_label(P_SHORT, 0);
    }
}

static struct rseq_area child_area;

/* Step 8: a vfork child's own area. */
__attribute__((noinline)) static void vfork_step(void)
{
    long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        marker(P_VFORK, (long)logbuf, (long)&child_area, 0, 0);
        long r = rseq_call((long)&child_area, sizeof child_area, 0, RSEQ_SIG);
        long u = r == 0 ? rseq_call((long)&child_area, sizeof child_area, 1, RSEQ_SIG) : -1;
        log_label(P_VFORK, r == 0 && u == 0 ? 0 : -4);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    } else {
        marker(P_VFORK, (long)logbuf, (long)&child_area, pid, 0);
        log_label(P_VFORK, 0);
    }
}

static int read_only, stale_cs;

/* Step 10 (only with the argument -s): rseq_cs set before the registration. */
__attribute__((noinline)) static void stale_cs_step(void)
{
    long index = 0, reg = -1;
    if (registered == 0 && rseq_call((long)&area, sizeof area, 1, RSEQ_SIG) == 0) {
        area.rseq_cs = (uint64_t)&cs;
        reg = rseq_call((long)&area, sizeof area, 0, RSEQ_SIG);
        uint64_t left = ((volatile struct rseq_area *)&area)->rseq_cs;
        area.rseq_cs = 0;
        registered = reg;
        index = reg == 0 && left ? -4 : 0;
    }
    marker(P_STALE_CS, (long)logbuf, (long)&area, reg, 0);
    log_label(P_STALE_CS, index);
}

/* Step 9 (only with the argument -r): an area on a page made read-only, given back. */
__attribute__((noinline)) static void read_only_step(void)
{
    long index = 0, r = -1, reg = -1;
    if (registered == 0)
        registered = rseq_call((long)&area, sizeof area, 1, RSEQ_SIG) == 0 ? -1 : 0;
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (registered != 0 && mapped_ok(page)) {
        reg = rseq_call(page, 32, 0, RSEQ_SIG);
        marker(P_RO_UNREG, (long)logbuf, page, reg, 0);
        if (reg == 0) {
            uint8_t before[32];
            memcpy(before, (void *)page, 32);
            sys6(SYS_mprotect, page, PAGE, PROT_READ, 0, 0, 0);
            r = rseq_call(page, 32, 1, RSEQ_SIG);
            index = r == 0 || memcmp(before, (void *)page, 32) ? -4 : 0;
            sys6(SYS_mprotect, page, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0);
            if (r != 0)
                rseq_call(page, 32, 1, RSEQ_SIG);
        }
    } else {
        marker(P_RO_UNREG, (long)logbuf, page, reg, 0);
    }
    log_label(P_RO_UNREG, index);
    if (registered != 0)
        registered = rseq_call((long)&area, sizeof area, 0, RSEQ_SIG);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0, read_only |= strcmp(argv[i], "-r") == 0,
        stale_cs |= strcmp(argv[i], "-s") == 0, child_reset |= strcmp(argv[i], "-f") == 0;
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 1;
    }
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
    marker(P_PLACED, (long)logbuf, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    getcpu_step();
    unregister_glibc_step();
    register_step();
    reregister_step();
    other_sig_step();
    signal_in_section_step();
    fork_step();
    vfork_step();
    if (read_only)
        read_only_step();
    if (stale_cs)
        stale_cs_step();
    if (registered == 0)
        sys6(SYS_rseq, (long)&area, sizeof area, 1, RSEQ_SIG, 0, 0);

    int bad = memcmp((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN) != 0;
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
