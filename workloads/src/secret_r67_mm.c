/* The attack target of red-team round 67b: the calls a confidential program's kernel has
 * not (the unassigned numbers 244..259, a number past the table, io_setup() that the
 * Guardian shows the kernel as 244), the registers each leaves, and a fork child's first
 * return, where the rseq area's page is copy-on-write.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  In the order they run:
 *
 *   1-4. svc with x8 = 244, 251, 259, 1000 (and io_setup's 0 in step 5) and x0..x5 set to
 *      known words: Linux answers -ENOSYS (sys_ni_syscall(), or invoke_syscall()'s
 *      do_ni_syscall() past __NR_syscalls) and leaves x1..x5 and x8 as they were; label 0,
 *      any other x0 or a changed register label -4.  A marker precedes each call.
 *   5. io_setup(1, &ctx) the same way: -ENOSYS (the program's kernel has no aio), ctx
 *      left 0.
 *   A SIGUSR1 handler (no SA_RESTART) makes a call (its marker, P_USR1) and returns; a
 *   signal delivered at one of these calls' returns leaves its answer and registers.
 *   6. fork (a raw clone(SIGCHLD)): the child makes a call (its marker) and sums the words
 *      of the page holding its rseq area (glibc's registration, __rseq_offset from the
 *      thread pointer), the area's 32 bytes left out: the sum the parent took before the
 *      fork, label 0; any other, label -4.  The parent waits for it.
 *
 *   7. (only with the argument -ro) the page of the rseq area made read-only by
 *      mprotect(), a loop of about a million iterations (timer interrupts come and go;
 *      Linux stores into the area only at a notify-resume: a preemption, a migration, a
 *      signal), the page made writable again: label 0 where both mprotect() calls
 *      answered 0.
 *
 *   8. (only with the argument -hi) svc with x8 = 2^32 + __NR_getpid: arm64's
 *      el0_svc_common() takes the number as an int (w8), so Linux runs getpid(): the
 *      program's pid, label 0; an error, label -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r67b.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r67"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its call (x2 the log buffer), P_x + 1 after its write (x2 the index
 * it used). */
#define P_NR244 7600       /* x3 the number */
#define P_NR251 7602
#define P_NR259 7604
#define P_NR1000 7606
#define P_IO_SETUP 7608
#define P_FORK 7610        /* (in the child) x3 the rseq area's page, x4 the area */
#define P_USR1 7612        /* the SIGUSR1 handler's call (x2 the signal) */
#define P_RO_RSEQ 7614     /* (with -ro) x3 the rseq area's page, x4 the area */
#define P_HIGH_NR 7616     /* (with -hi) x3 the x8 it sets */
#define HIGH_GETPID ((1L << 32) | SYS_getpid)
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif
#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#include "secret_common.h"


static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

#define ENOSYS_RET (-38L)
#define W(i) (0x1111111111111111L * (i))

/* svc with x8 = nr and x0..x5 = W(1)..W(6) (x1 = a1 where given): -ENOSYS, x1..x5 and x8
 * kept -> 0; anything else -> -4. */
static long ni_call(long nr, long a1)
{
    register long x0 __asm__("x0") = W(1);
    register long x1 __asm__("x1") = a1;
    register long x2 __asm__("x2") = W(3);
    register long x3 __asm__("x3") = W(4);
    register long x4 __asm__("x4") = W(5);
    register long x5 __asm__("x5") = W(6);
    register long x8 __asm__("x8") = nr;
    __asm__ volatile("svc 0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5),
                     "+r"(x8) : : "memory");
    int kept = x1 == a1 && x2 == W(3) && x3 == W(4) && x4 == W(5) && x5 == W(6) && x8 == nr;
    return x0 == ENOSYS_RET && kept ? 0 : -4;
}

static void ni_step(int phase, long nr)
{
    marker(phase, (long)logbuf, nr, 0, 0);
    log_label(phase, ni_call(nr, W(2)));
}

static void on_usr1(int sig)
{
    marker(P_USR1, sig, 0, 0, 0);
}

static unsigned long io_ctx;

static void io_setup_step(void)
{
    marker(P_IO_SETUP, (long)logbuf, 0, (long)&io_ctx, 0);
    long index = ni_call(SYS_io_setup, (long)&io_ctx);
    log_label(P_IO_SETUP, io_ctx ? -4 : index);
}

extern const long __rseq_offset;

static unsigned long page_sum(unsigned long page, unsigned long area)
{
    unsigned long sum = 0;
    for (unsigned long a = page; a < page + PAGE; a += 8)
        if (a + 8 <= area || a >= area + 32)
            sum = sum * 31 + *(volatile unsigned long *)a;
    return sum;
}

static void fork_step(void)
{
    unsigned long area = (unsigned long)__builtin_thread_pointer() + __rseq_offset;
    unsigned long page = area & ~(PAGE - 1);
    unsigned long before = page_sum(page, area);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        marker(P_FORK, (long)logbuf, (long)page, (long)area, 0);
        log_label(P_FORK, page_sum(page, area) == before ? 0 : -4);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0)
        sys6(SYS_wait4, pid, 0, 0, 0, 0, 0);
}
static void ro_rseq_step(void)
{
    unsigned long area = (unsigned long)__builtin_thread_pointer() + __rseq_offset;
    unsigned long page = area & ~(PAGE - 1);
    marker(P_RO_RSEQ, (long)logbuf, (long)page, (long)area, 0);
    long r = sys6(SYS_mprotect, (long)page, PAGE, PROT_READ, 0, 0, 0);
    for (volatile long i = 0; i < 1000000; i++)
        ;
    r |= sys6(SYS_mprotect, (long)page, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0);
    log_label(P_RO_RSEQ, r == 0 ? 0 : -4);
}

static void high_nr_step(void)
{
    marker(P_HIGH_NR, (long)logbuf, HIGH_GETPID, 0, 0);
    register long x0 __asm__("x0") = 0;
    register long x8 __asm__("x8") = HIGH_GETPID;
    __asm__ volatile("svc 0" : "+r"(x0), "+r"(x8) : : "memory");
    log_label(P_HIGH_NR, x0 > 0 ? 0 : -4);
}

int main(int argc, char **argv)
{
    int show_digest = 0, ro = 0, hi = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        ro |= strcmp(argv[i], "-ro") == 0;
        hi |= strcmp(argv[i], "-hi") == 0;
    }
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
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    /* The referee reads the heap copy at the page it is told + SECRET_OFF: the page
     * announced is the one whose SECRET_OFF is logbuf's working copy. */
    marker(P_PLACED, (long)logbuf - SECRET_OFF, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, 0);
    ni_step(P_NR244, 244);
    ni_step(P_NR251, 251);
    ni_step(P_NR259, 259);
    ni_step(P_NR1000, 1000);
    io_setup_step();
    fork_step();
    if (ro)
        ro_rseq_step();
    if (hi)
        high_nr_step();

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
