/*
 * secret - a confidential program for the attack scenarios to rob.
 *
 *   secret        run every step once and report whether the secret survived
 *   secret -d     also print the SHA-256 of the secret (it differs from run to run
 *                 outside the emulator, whose getrandom() is seeded)
 *
 * Built with SECRET_VARIANTS (bin/secret_variants, src/secret_variants.c) it also takes
 *   -f            map its own file twice before the end: once by its absolute path
 *                 (argv[0], a file the user admitted: the page must equal the loaded
 *                 ELF header page) and once by a relative path (input data, never code)
 *   -s            register a SIGSEGV handler that counts fault reports (a correct run
 *                 takes no fault, so the count must stay 0)
 *   -n            register a SIGUSR2 handler on the alternate stack with SA_NODEFER (a
 *                 notification another process may send at any time, even while the
 *                 handler runs); it only counts them
 *   -v            make its child with vfork() instead of fork(): the child borrows the
 *                 parent's memory and stack until it exits
 *   -k            let KSM merge any of its pages first: prctl(PR_SET_MEMORY_MERGE, 1)
 *                 (Linux 6.4; without it KSM never compares the program's memory)
 * The plain build is kept byte for byte, so that scenarios tuned to its code still hold.
 *
 * It draws SECRET_LEN random bytes with getrandom() and keeps copies where an
 * untrusted kernel would look for them: a heap page, a stack buffer, two
 * anonymous mappings, and registers (x19-x22, v8/v9) held across system
 * calls, a page fault and a long loop.  Nothing but the SHA-256 of the secret
 * is ever printed, and that only with -d.  Every step is announced by a marker, getppid() with x0 =
 * MARKER_MAGIC and x1 = the phase (x2-x5 carry addresses), so that a test
 * harness can act at a known point; attacks/workload.py mirrors the numbers.
 * At the end every copy is compared with the original and the program
 * prints "secret: intact" or "secret: TAMPERED".  win() is where a hijacked
 * control flow would land: it prints "secret: hijacked" and exits with 66.
 *
 * The program avoids the C library's allocator and stdio so that its memory
 * layout is exactly the one described above.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L

#define P_START 0
#define P_PLACED 1
#define P_ARGS 2
#define P_WRITE 3
#define P_IOCTL 4
#define P_OPEN 5
#define P_FAULT 6
#define P_SPIN 7
#define P_FRESH 8
#define P_FRESH_DONE 9
#define P_SIGNAL 10
#define P_SIGNAL_DONE 11
#define P_FORK 12
#define P_CHILD 13
#define P_PARENT 14
#define P_IAGO_MMAP 15
#define P_IAGO_BRK 16
#define P_IAGO_MREMAP 17
#define P_IAGO_FIXED 18
#define P_UNMAP 19
#define P_UNMAPPED 20
#define P_END 21
#define P_FILE 22       /* SECRET_VARIANTS -f only, reached between UNMAPPED and END */
#define P_FILE_DONE 23

#define SECRET_OFF 64             /* where the secret sits inside each page copy */
#define SPIN_ITERATIONS 400000L
#define IAGO_FIXED_HINT 0x7e0000000000L

static long sys6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long x0 __asm__("x0") = a0;
    register long x1 __asm__("x1") = a1;
    register long x2 __asm__("x2") = a2;
    register long x3 __asm__("x3") = a3;
    register long x4 __asm__("x4") = a4;
    register long x5 __asm__("x5") = a5;
    register long x8 __asm__("x8") = nr;
    __asm__ volatile("svc #0"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5), "r"(x8)
                     : "memory", "cc");
    return x0;
}

static long marker(long phase, long a2, long a3, long a4, long a5)
{
    return sys6(SYS_getppid, MARKER_MAGIC, phase, a2, a3, a4, a5);
}

static void say(const char *s)
{
    sys6(SYS_write, 1, (long)s, (long)strlen(s), 0, 0, 0);
}

/* Reachable only by a hijacked control flow; it needs nothing the C library's
 * start-up code sets up, so it also works as a substituted entry point. */
__attribute__((noinline, used)) static void win(void)
{
    static const char msg[] = "secret: hijacked\n";
    sys6(SYS_write, 1, (long)msg, sizeof msg - 1, 0, 0, 0);
    sys6(SYS_exit_group, 66, 0, 0, 0, 0, 0);
    for (;;)
        ;
}

/* --- SHA-256, so that only a digest of the secret is ever printed ----------------- */
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = k + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

/* The digest of exactly SECRET_LEN bytes (one padded block). */
static void sha256_secret(const uint8_t *msg, uint8_t out[32])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint8_t block[64] = {0};
    memcpy(block, msg, SECRET_LEN);
    block[SECRET_LEN] = 0x80;
    block[63] = (SECRET_LEN * 8) & 0xff;
    block[62] = (SECRET_LEN * 8) >> 8;
    sha256_block(h, block);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (uint8_t)(h[i] >> (24 - 8 * j));
}

/* --- the secret and its copies ----------------------------------------------------- */
static uint64_t secret[SECRET_LEN / 8];
static int tampered;                 /* a register copy came back changed */
static volatile int usr1_count;
static uint8_t altstack[16384] __attribute__((aligned(16)));
#ifdef SECRET_VARIANTS
static volatile int file_mismatch __attribute__((used));  /* -f: the mapped file page differed */
static volatile int segv_faults __attribute__((used));    /* -s: fault reports the handler got */
static volatile int usr2_count __attribute__((used));     /* -n: SIGUSR2 notifications */
extern const uint8_t __ehdr_start[];  /* the image's first page (its ELF header) as loaded */
#endif

static void check_words(const uint64_t *seen, const char *where)
{
    (void)where;
    if (memcmp(seen, secret, SECRET_LEN) != 0)
        tampered = 1;
}

/* A marker with the secret in x19-x22 and v8/v9 and the flags set to "not equal";
 * afterwards the registers and flags must be exactly what they were. */
static void marker_in_registers(long phase, long a2, long a3, long a4, long a5)
{
    uint64_t out[8];
    long z;
    register long x0 __asm__("x0") = MARKER_MAGIC;
    register long x1 __asm__("x1") = phase;
    register long x2 __asm__("x2") = a2;
    register long x3 __asm__("x3") = a3;
    register long x4 __asm__("x4") = a4;
    register long x5 __asm__("x5") = a5;
    register long x8 __asm__("x8") = SYS_getppid;
    __asm__ volatile(
        "ldp x19, x20, [%[s]]\n\t"
        "ldp x21, x22, [%[s], #16]\n\t"
        "ldr q8, [%[s]]\n\t"
        "ldr q9, [%[s], #16]\n\t"
        "tst x8, x8\n\t"              /* x8 != 0: the flags say "not equal" */
        "svc #0\n\t"
        "cset %[z], eq\n\t"
        "stp x19, x20, [%[o]]\n\t"
        "stp x21, x22, [%[o], #16]\n\t"
        "mov x19, xzr\n\tmov x20, xzr\n\tmov x21, xzr\n\tmov x22, xzr\n\t"
        "str q8, [%[o], #32]\n\t"
        "str q9, [%[o], #48]\n\t"
        "movi v8.2d, #0\n\t"          /* only d8/d9 are callee-saved: clear the upper halves */
        "movi v9.2d, #0\n\t"
        : "+r"(x0), [z] "=&r"(z)
        : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5), "r"(x8), [s] "r"(secret), [o] "r"(out)
        : "x19", "x20", "x21", "x22", "v8", "v9", "memory", "cc");
    check_words(out, "x19-x22");
    check_words(out + 4, "v8-v9");
    if (z)
        tampered = 1;
}

/* A load from an untouched page (a translation fault) with the secret in x19-x22. */
static void fault_in_registers(volatile long *page)
{
    uint64_t out[4];
    __asm__ volatile(
        "ldp x19, x20, [%[s]]\n\t"
        "ldp x21, x22, [%[s], #16]\n\t"
        "ldr x9, [%[p]]\n\t"
        "stp x19, x20, [%[o]]\n\t"
        "stp x21, x22, [%[o], #16]\n\t"
        "mov x19, xzr\n\tmov x20, xzr\n\tmov x21, xzr\n\tmov x22, xzr\n\t"
        :
        : [s] "r"(secret), [p] "r"(page), [o] "r"(out)
        : "x9", "x19", "x20", "x21", "x22", "memory");
    check_words(out, "x19-x22 (fault)");
}

/* A long loop with the secret in x19-x22: timer interrupts land in it. */
static void spin_in_registers(long n)
{
    uint64_t out[4];
    __asm__ volatile(
        "ldp x19, x20, [%[s]]\n\t"
        "ldp x21, x22, [%[s], #16]\n\t"
        "mov x9, %[n]\n\t"
        "1: subs x9, x9, #1\n\t"
        "b.ne 1b\n\t"
        "stp x19, x20, [%[o]]\n\t"
        "stp x21, x22, [%[o], #16]\n\t"
        "mov x19, xzr\n\tmov x20, xzr\n\tmov x21, xzr\n\tmov x22, xzr\n\t"
        :
        : [s] "r"(secret), [n] "r"(n), [o] "r"(out)
        : "x9", "x19", "x20", "x21", "x22", "memory", "cc");
    check_words(out, "x19-x22 (spin)");
}

/* Leave no stray copy of the secret in scratch registers (memcpy and memcmp pass
 * it through them): a signal frame would carry them to the kernel. */
static void scrub_scratch_registers(void)
{
    __asm__ volatile(
        "mov x6, xzr\n\tmov x7, xzr\n\tmov x9, xzr\n\tmov x10, xzr\n\t"
        "mov x11, xzr\n\tmov x12, xzr\n\tmov x13, xzr\n\tmov x14, xzr\n\t"
        "mov x15, xzr\n\tmov x16, xzr\n\tmov x17, xzr\n\tmov x18, xzr\n\t"
        "movi v0.2d, #0\n\tmovi v1.2d, #0\n\tmovi v2.2d, #0\n\tmovi v3.2d, #0\n\t"
        "movi v4.2d, #0\n\tmovi v5.2d, #0\n\tmovi v6.2d, #0\n\tmovi v7.2d, #0\n\t"
        "movi v16.2d, #0\n\tmovi v17.2d, #0\n\tmovi v18.2d, #0\n\tmovi v19.2d, #0\n\t"
        "movi v20.2d, #0\n\tmovi v21.2d, #0\n\tmovi v22.2d, #0\n\tmovi v23.2d, #0\n\t"
        "movi v24.2d, #0\n\tmovi v25.2d, #0\n\tmovi v26.2d, #0\n\tmovi v27.2d, #0\n\t"
        "movi v28.2d, #0\n\tmovi v29.2d, #0\n\tmovi v30.2d, #0\n\tmovi v31.2d, #0\n\t"
        ::: "x6", "x7", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18",
            "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v16", "v17", "v18", "v19",
            "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30",
            "v31", "memory");
}

static void on_usr1(int sig, siginfo_t *info, void *uc)
{
    (void)sig; (void)info; (void)uc;
    usr1_count++;
}

#ifdef SECRET_VARIANTS
/* A fault report (si_code > 0) with no fault behind it is something only a kernel
 * can forge: kill() and sigqueue() from another process carry si_code <= 0. */
static void on_segv(int sig, siginfo_t *info, void *uc)
{
    (void)sig; (void)uc;
    if (info->si_code > 0)
        segv_faults++;
}

static void on_usr2(int sig, siginfo_t *info, void *uc)
{
    (void)sig; (void)info; (void)uc;
    usr2_count++;
}

/* -f: the program's own file by its absolute path (admitted) must hold the bytes of the
 * image it runs from; by a relative path (resolved in a directory the kernel keeps) it
 * is input data, only read. */
static void map_own_file(const char *self)
{
    int ffd = (int)sys6(SYS_openat, AT_FDCWD, (long)self, O_RDONLY, 0, 0, 0);
    long fpage = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, ffd, 0);
    int ifd = (int)sys6(SYS_openat, AT_FDCWD, (long)(self + 1), O_RDONLY, 0, 0, 0);
    long ipage = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, ifd, 0);
    marker(P_FILE, fpage, ipage, 0, 0);
    if (fpage > 0 && (unsigned long)fpage < (1UL << 48) &&
        memcmp((const void *)fpage, __ehdr_start, PAGE) != 0)
        file_mismatch = 1;
    if (ipage > 0 && (unsigned long)ipage < (1UL << 48))
        (void)*(volatile const uint8_t *)ipage;
    marker(P_FILE_DONE, fpage, ipage, 0, 0);
}
#endif

static long anon_page(void)
{
    return sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

/* A program that maps a buffer, fills part of it and sends all of it: if the
 * kernel answered with an address that overlaps live data, that data leaves. */
static void use_buffer(long p, int fd)
{
    if (!valid(p))
        return;
    memcpy((void *)p, "public!", 8);
    sys6(SYS_write, fd, p, PAGE, 0, 0, 0);
}

int main(int argc, char **argv)
{
#ifdef SECRET_VARIANTS
    /* volatile: the vfork child (-v) runs on this frame before the parent resumes */
    volatile int show_digest = 0, map_file = 0, segv_handler = 0, usr2_handler = 0,
                 use_vfork = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        map_file |= strcmp(argv[i], "-f") == 0;
        segv_handler |= strcmp(argv[i], "-s") == 0;
        usr2_handler |= strcmp(argv[i], "-n") == 0;
        use_vfork |= strcmp(argv[i], "-v") == 0;
        if (strcmp(argv[i], "-k") == 0)
            sys6(SYS_prctl, 67 /* PR_SET_MEMORY_MERGE */, 1, 0, 0, 0, 0);
    }
#else
    int show_digest = argc > 1 && strcmp(argv[1], "-d") == 0;
#endif
    static const char banner[] = "secret: intact\n";
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 1;
    }

    /* A heap region of three pages from brk; the secret sits in the last one. */
    long cur = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    long base = (cur + PAGE - 1) & ~(PAGE - 1);
    if (sys6(SYS_brk, base + 3 * PAGE, 0, 0, 0, 0, 0) != base + 3 * PAGE) {
        say("secret: brk failed\n");
        return 1;
    }
    uint8_t *heap = (uint8_t *)(base + 2 * PAGE);
    memcpy(heap, "public ioctl block: nothing to see here......", 46);
    memcpy(heap + SECRET_OFF, secret, SECRET_LEN);
    for (int i = 0; i < 16; i++)
        stackbuf[i] = 0;
    for (int i = 0; i < SECRET_LEN; i++)
        stackbuf[16 + i] = ((uint8_t *)secret)[i];
    long mapped = anon_page();
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);

    marker_in_registers(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);
    marker(P_ARGS, (long)secret[0], (long)secret[1], (long)secret[2], (long)secret[3]);

    int devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    marker(P_WRITE, (long)heap, 0, 0, 0);
    sys6(SYS_write, devnull, (long)"public data\n", 12, 0, 0, 0);
    marker(P_IOCTL, (long)heap, 0, 0, 0);
    sys6(SYS_ioctl, devnull, 0x5402 /* TCSETS */, (long)heap, 0, 0, 0);
    marker(P_OPEN, (long)heap, 0, 0, 0);
    int fd2 = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDONLY, 0, 0, 0);
    if (fd2 >= 0)
        sys6(SYS_close, fd2, 0, 0, 0, 0, 0);

    long untouched = anon_page();
    marker(P_FAULT, untouched, 0, 0, 0);
    if (valid(untouched))
        fault_in_registers((volatile long *)untouched);
    marker(P_SPIN, 0, 0, 0, 0);
    spin_in_registers(SPIN_ITERATIONS);

    long fresh = anon_page();
    marker(P_FRESH, fresh, 0, 0, 0);
    if (valid(fresh))
        memcpy((uint8_t *)fresh + SECRET_OFF, secret, SECRET_LEN);
    marker(P_FRESH_DONE, fresh, 0, 0, 0);

    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGUSR1, &sa, 0);
#ifdef SECRET_VARIANTS
    if (segv_handler) {
        struct sigaction sv;
        memset(&sv, 0, sizeof sv);
        sv.sa_sigaction = on_segv;
        sv.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sv, 0);
    }
    if (usr2_handler) {
        struct sigaction sn;
        memset(&sn, 0, sizeof sn);
        sn.sa_sigaction = on_usr2;
        sn.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
        sigaction(SIGUSR2, &sn, 0);
    }
#endif
    scrub_scratch_registers();
    marker(P_SIGNAL, (long)heap, 0, 0, 0);
    sys6(SYS_kill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), SIGUSR1, 0, 0, 0, 0);
    marker(P_SIGNAL_DONE, usr1_count, 0, 0, 0);

    marker(P_FORK, 0, 0, 0, 0);
#ifdef SECRET_VARIANTS
    pid_t pid = use_vfork ? vfork() : fork();
#else
    pid_t pid = fork();
#endif
    if (pid == 0) {
        marker(P_CHILD, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    int status = -1;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    marker(P_PARENT, pid, status, 0, 0);

    marker(P_IAGO_MMAP, (long)heap, (long)stackbuf, 0, 0);
    use_buffer(anon_page(), devnull);
    marker(P_IAGO_BRK, (long)heap, 0, 0, 0);
    long now = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    if (sys6(SYS_brk, now + PAGE, 0, 0, 0, 0, 0) == now + PAGE)
        use_buffer(now, devnull);
    marker(P_IAGO_MREMAP, (long)heap, 0, 0, 0);
    long small = anon_page();
    if (valid(small))
        use_buffer(sys6(SYS_mremap, small, PAGE, 2 * PAGE, 1 /* MREMAP_MAYMOVE */, 0, 0),
                   devnull);
    marker(P_IAGO_FIXED, (long)heap, IAGO_FIXED_HINT, 0, 0);
    use_buffer(sys6(SYS_mmap, IAGO_FIXED_HINT, PAGE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), devnull);

    marker(P_UNMAP, mapped, 0, 0, 0);
    sys6(SYS_munmap, mapped, PAGE, 0, 0, 0, 0);
    marker(P_UNMAPPED, mapped, 0, 0, 0);
#ifdef SECRET_VARIANTS
    if (map_file && argv[0][0] == '/')
        map_own_file(argv[0]);
#endif

    /* Every copy must still be the secret. */
    int bad = tampered || memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0;
    for (int i = 0; i < SECRET_LEN; i++)
        bad |= stackbuf[16 + i] != ((uint8_t *)secret)[i];
    if (valid(fresh))
        bad |= memcmp((uint8_t *)fresh + SECRET_OFF, secret, SECRET_LEN) != 0;
    bad |= usr1_count != 1;
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
    say(bad ? "secret: TAMPERED\n" : banner);
    return bad ? 3 : 0;
}
