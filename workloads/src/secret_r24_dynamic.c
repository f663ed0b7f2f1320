/* The attack target for a dynamically linked program: what its interpreter (ld.so) and
 * the C library it maps bring into it.  Built without -static: the kernel loads the
 * program and /lib/ld-linux-aarch64.so.1, which opens, reads and maps /lib/libc.so.6.
 *
 * Like the other victims it keeps a log buffer `logbuf`: a working copy of its secret in
 * its first 32 bytes, four public 8-byte labels, then a second copy of the secret.  The
 * first 16 bytes of the secret are AT_RANDOM's (the bytes ld.so also seeds the stack
 * protector and the pointer guard from).  In the order they run:
 *
 *   0. It reports errno as main() found it (the C standard makes it zero at startup; the
 *      C library's thread-local block holds it, laid out by ld.so from libc's PT_TLS).
 *   1. It prints the name it was run as (argv[0]) in its banner.
 *   2. It walks the loaded objects with dl_iterate_phdr() and, for the C library,
 *      reports the number of program headers ld.so recorded (dlpi_phnum) and e_phnum of
 *      the ELF header mapped at the library's base (the same: ld.so read that header).
 *   3. It reads the ELF header of the file it runs from (/bin/secret_r24_dynamic) with
 *      pread(): e_phnum - getauxval(AT_PHNUM) (0) chooses the label it writes to
 *      /dev/null.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r24_dynamic.py.  Only the digest of the secret is printed.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_DYN_ARGV0 2430    /* x2 argv[0]'s address; + 1 after the banner */
#define P_DYN_PHNUM 2432    /* + 1: x2 libc's dlpi_phnum, x3 its mapped e_phnum, x4 found */
#define P_DYN_OWN 2434      /* + 1: x2 the index */
#define P_DYN_ERRNO 2436    /* + 1: x2 errno as main() found it */
#include "secret_common.h"

#define SELF "/bin/secret_r24_dynamic"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32 + SECRET_LEN];

struct libc_view {
    long phnum;
    long mapped_phnum;
    long found;
};

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

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
    struct libc_view *view = data;
    (void)size;
    if (!info->dlpi_name || !strstr(info->dlpi_name, "libc.so"))
        return 0;
    const Elf64_Ehdr *ehdr = (const Elf64_Ehdr *)info->dlpi_addr;   /* its first page */
    view->phnum = info->dlpi_phnum;
    view->mapped_phnum = ehdr->e_phnum;
    view->found = 1;
    return 1;
}

static void phnum_step(void)
{
    struct libc_view view = {0, 0, 0};
    marker(P_DYN_PHNUM, (long)logbuf, 0, 0, 0);
    dl_iterate_phdr(visit, &view);
    marker(P_DYN_PHNUM + 1, view.phnum, view.mapped_phnum, view.found, 0);
}

static void own_file_step(void)
{
    uint8_t ehdr[64];
    memset(ehdr, 0, sizeof ehdr);
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)SELF, O_RDONLY | O_CLOEXEC, 0, 0, 0);
    if (fd < 0)
        return;
    marker(P_DYN_OWN, (long)logbuf, (long)ehdr, 0, 0);
    if (sys6(SYS_pread64, fd, (long)ehdr, sizeof ehdr, 0, 0, 0) == sizeof ehdr) {
        uint16_t phnum;
        memcpy(&phnum, ehdr + 0x38, 2);
        log_label(P_DYN_OWN, (long)phnum - (long)getauxval(AT_PHNUM));
    }
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    long start_errno = errno;      /* C11 7.5: zero in the initial thread at startup */
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    const uint8_t *at_random = (const uint8_t *)getauxval(AT_RANDOM);
    if (!at_random ||
        sys6(SYS_getrandom, (long)secret + 16, SECRET_LEN - 16, 0, 0, 0, 0) != SECRET_LEN - 16) {
        say("secret: getrandom failed\n");
        return 1;
    }
    memcpy(secret, at_random, 16);
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
    memcpy(logbuf + SECRET_LEN + 32, secret, SECRET_LEN);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    marker(P_DYN_ERRNO + 1, start_errno, 0, 0, 0);
    const char *name = argc > 0 ? argv[0] : "";
    marker(P_DYN_ARGV0, (long)name, 0, 0, 0);
    say("secret_r24: running as ");
    say(name);
    say("\n");
    marker(P_DYN_ARGV0 + 1, 0, 0, 0, 0);
    phnum_step();
    own_file_step();

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
