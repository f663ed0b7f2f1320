/* The attack target for what the kernel sees at an exception: as secret_r40_core (a table
 * of eight pages, each holding one byte of the secret at offset 0, and an input buffer of
 * 256 pages filled from standard input), but the eight untouched anonymous pages are first
 * touched through tagged pointers (arm64's top-byte-ignore: the tagged address ABI every
 * arm64 Linux gives user space), whose top byte is secret byte 8 + i (a pointer carrying
 * a random tag, as a hardened allocator's or a tagged-pointer scheme's does); then one
 * store to each through a pointer tagged with secret byte 16 + i, and one more load through
 * a pointer tagged with secret byte 24 + i; last, nine SIGUSR1s to itself, handled on the
 * normal stack, each sent from a stack frame whose size a public value (the first) or
 * secret byte i picks (a variable-length array).
 *
 *   secret_r42_core2        run once and report whether the secret survived (the eight
 *                           pages are touched through untagged pointers)
 *   secret_r42_core2 -t     touch them through the tagged pointers
 *   secret_r42_core2 -d     also print the SHA-256 of the secret
 *
 * (-t is off by default: the kernel model's page-fault path looks up the faulting address
 * with its tag, where arm64 Linux's do_page_fault() strips it with untagged_addr(), so
 * under the honest kernel model the tagged touch is a SIGSEGV.)
 *
 * As every secret_* victim: the secret (32 random bytes from getrandom()) is copied to the
 * start of a log buffer; the step announces itself with a marker and turns what it
 * observed (how many input pages equal the first table page, as the program counts them
 * itself) into the index of a public label in that buffer, written to /dev/null.  An
 * honest kernel gives index 0..3.  Nothing but the SHA-256 of the secret is ever printed,
 * and that only with -d.  attacks/families/redteam_r42.py mirrors the numbers.
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

#include "secret_common.h"

#define P_START 0
#define P_PLACED 1
#define P_INPUT 4000        /* x2 the table, x3 the input buffer, x4 bytes read */
#define P_INPUT_DONE 4001   /* x2 the label index used */
#define P_FAULTS 4004       /* x2 eight untouched pages; next: one tagged load from each */
#define P_STORES 4006      /* x2 the same pages; next: one tagged store to each */
#define P_REREAD 4008      /* x2 the same pages; next: one tagged load from each */
#define P_END 4010
#define P_SIGNALS 4012     /* next: nine SIGUSR1s to itself, handled on the normal stack, the
                              first at a public depth, then at depths secret bytes 0..7 pick */
#define TABLE_PAGES 8
#define INPUT_PAGES 256

static uint64_t secret[SECRET_LEN / 8];
static uint8_t logbuf[SECRET_LEN + 32];
static int devnull = -1;

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

/* `p` with secret byte `i` in its top byte (with -t), ignored by the MMU. */
static unsigned long tag(long p, int tagged, int i)
{
    return (unsigned long)p | ((unsigned long)(tagged ? ((const uint8_t *)secret)[i] : 0) << 56);
}

static volatile int handled;

static void on_usr1(int signo)
{
    (void)signo;
    handled++;
}

/* Send itself SIGUSR1 from `16 * depth` bytes further down the stack (a buffer whose size
 * the data picks, as a variable-length array or alloca() makes). */
static void __attribute__((noinline)) signal_at_depth(unsigned depth)
{
    volatile uint8_t pad[16 * depth + 16];
    pad[0] = 0;
    sys6(SYS_kill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), SIGUSR1, 0, 0, 0, 0);
    pad[16 * depth] = pad[0];
}

/* Write label `index` of the log buffer (a negative index reaches the secret). */
static void log_label(long phase, long index)
{
    sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0, tagged = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        tagged |= strcmp(argv[i], "-t") == 0;
    }
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 1;
    }
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);

    long table = sys6(SYS_mmap, 0, TABLE_PAGES * PAGE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long input = sys6(SYS_mmap, 0, INPUT_PAGES * PAGE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!valid(table) || !valid(input)) {
        say("secret: mmap failed\n");
        return 1;
    }
    for (int i = 0; i < TABLE_PAGES; i++)
        ((volatile uint8_t *)table)[i * PAGE] = ((const uint8_t *)secret)[i];
    marker(P_PLACED, table, input, 0, 0);

    long got = 0;
    while (got < INPUT_PAGES * PAGE) {
        long n = sys6(SYS_read, 0, input + got, INPUT_PAGES * PAGE - got, 0, 0, 0);
        if (n <= 0 || n > INPUT_PAGES * PAGE - got)
            break;
        got += n;
    }
    marker(P_INPUT, table, input, got, 0);
    /* The program's own use of its input: how many input pages equal its first table
     * page (at most one can; the label is 0 or 1). */
    long same = 0;
    for (long p = 0; p < got / PAGE; p++)
        same += memcmp((const void *)(input + p * PAGE), (const void *)table, PAGE) == 0;
    log_label(P_INPUT, same > 1 ? 1 : same);

    /* Fresh pages reached through pointers tagged with secret bytes (top byte ignored by
     * the MMU): each first touch is a page fault at a tagged address. */
    long slots = sys6(SYS_mmap, 0, TABLE_PAGES * PAGE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!valid(slots)) {
        say("secret: mmap failed\n");
        return 1;
    }
    marker(P_FAULTS, slots, 0, 0, 0);
    long sum = 0;
    for (int i = 0; i < TABLE_PAGES; i++)
        sum += *(volatile const uint8_t *)tag(slots + i * PAGE, tagged, 8 + i);
    log_label(P_FAULTS, sum != 0);

    /* The same pages written, then read again, through pointers tagged with secret bytes
     * 16..23 and 24..31 (untagged without -t). */
    marker(P_STORES, slots, 0, 0, 0);
    for (int i = 0; i < TABLE_PAGES; i++)
        *(volatile uint8_t *)tag(slots + i * PAGE, tagged, 16 + i) = 0;
    marker(P_REREAD, slots, 0, 0, 0);
    sum = 0;
    for (int i = 0; i < TABLE_PAGES; i++)
        sum += *(volatile const uint8_t *)tag(slots + i * PAGE, tagged, 24 + i);
    log_label(P_REREAD, sum != 0);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, 0);
    marker(P_SIGNALS, 0, 0, 0, 0);
    signal_at_depth(0);
    for (int i = 0; i < 8; i++)
        signal_at_depth(((const uint8_t *)secret)[i]);
    log_label(P_SIGNALS, handled == 9 ? 0 : 1);

    int bad = 0;
    for (int i = 0; i < TABLE_PAGES; i++)
        bad |= ((volatile uint8_t *)table)[i * PAGE] != ((const uint8_t *)secret)[i];
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
