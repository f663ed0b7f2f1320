/* The attack target for what a program is started with and what it reads back from the
 * files it made: its initial stack (argv[0], AT_SECURE, AT_MINSIGSTKSZ, AT_RANDOM's bytes),
 * a temporary file it alone holds (mapped twice through one descriptor, cut and grown
 * again, read past its end inside the last page), and the image a fork child of it execs
 * (its argv, options and AT_EXECFN).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, four public 8-byte labels, then a second copy of the secret (32 bytes).  Each
 * step turns a value into a label's index the way Linux's contract allows and writes that
 * label to /dev/null (8 bytes) when the index is under 4.  Under Linux the index is
 * always 0; a value Linux could not have produced points the write into a copy of the
 * secret.  The first 16 bytes of the secret are AT_RANDOM's, as a program seeds a key
 * from them.  In the order they run:
 *
 *   1. It prints the name it was run as (argv[0]) in its banner.
 *   2. It reports getauxval(AT_SECURE), getuid() and geteuid() (secure mode decides
 *      whether it honours R24_CONFIG from its environment, as secure_getenv() does).
 *   3. It sizes its alternate signal stack from AT_MINSIGSTKSZ in pages out of two
 *      reserved pages: 2 - pages (0 on this CPU: 5120 bytes) chooses the label.
 *   4. A temporary file (O_TMPFILE, else created and unlinked at once) of two pages, the
 *      first word of page 0 being 3 and of page 1 being 0, mapped MAP_SHARED twice at
 *      offset 0 through the same descriptor (a ring buffer mapped twice): the word
 *      through the second mapping - the word through the first (0) chooses the label.
 *   5. A second such file: page 1's first word -3, then ftruncate(fd, 4096) and
 *      ftruncate(fd, 8192) (a log reset, then sized again), mapped whole: page 1's first
 *      word (0: a hole) chooses the label.
 *   6. A third such file holding two 8-byte records (1, then -3), cut to 8 bytes with
 *      ftruncate and mapped (one page): it counts the non-zero words up to a zero one (the
 *      page past the end of a file reads zeros) and 1 - count (0) chooses the label.
 *   7. A memfd of one page (its key state, first word 3), mapped MAP_SHARED and read; a
 *      fork child maps it again through its inherited descriptor and logs the label
 *      (word - 3: 0) names.
 *   7b. A fork child (a reader) opens the memfd again read-only through
 *      /proc/self/fd/N (a new open file of the same memfd), maps that MAP_SHARED and logs
 *      the label (word - 3: 0) names.
 *   8. It reads the ELF header of the file it runs from (/bin/secret_r24_loader) with
 *      pread(): e_phnum - getauxval(AT_PHNUM) (0) chooses the label; then fstat()'s
 *      st_size less the end of its section headers (the data appended to it: none), in
 *      words, chooses another.
 *   8b. With a spill file open (its first word -3), it reads 8 bytes from /dev/zero, then
 *      maps /dev/zero MAP_PRIVATE (a zero-filled arena): each first word (0) chooses the
 *      label.
 *   9. In /bin (chdir), with umask 077, a fork child hands the memfd to descriptor 9 and
 *      execs the program itself as a worker (R24_STAGE=worker in its environment, argv
 *      ["r24-worker", "-q"]).  The worker first sets umask 022 and reports the mask it
 *      replaced (077: exec keeps it), then reports the applet its argv[0] names (1:
 *      worker), the options it parsed (-q: 2, -p: 1), whether AT_EXECFN names the path
 *      R24_PATH says it was exec'd by (0: it does) and its getuid() (its parent's: exec
 *      keeps the real uid), whether getcwd() names /bin (exec keeps the working
 *      directory), then the first word of the memfd it maps through descriptor 9 (3).
 *      The parent waits.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r24.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before the value is read (x2 the log buffer), P_x + 1 after (x2 the
 * index it used, or the values it reports). */
#define P_ARGV0 2400        /* x2 argv[0]'s address; + 1 after the banner */
#define P_SECURE 2402       /* + 1: x2 AT_SECURE, x3 getuid(), x4 geteuid() */
#define P_MINSIG 2404
#define P_TWICE 2406
#define P_REGROW 2408
#define P_TAIL 2410
#define P_EXEC 2412         /* x2 the child's pid after fork; + 1 after wait4 */
#define P_WORKER 2414       /* in the worker: + 1: x2 applet, x3 options, x4 AT_EXECFN differs,
                             * x5 its getuid() */
#define P_WORKER_KEY 2421   /* in the worker: x2 the first word of the memfd it was handed */
#define P_MEMFD_CHILD 2416  /* x2 the log buffer; the fork child's + 1: x2 its index */
#define P_OWN_FILE 2418
#define P_MEMFD_REOPEN 2422 /* x2 the log buffer; the reader child's + 1: x2 the index */
#define P_ZERO_READ 2424    /* + 1: x2 the index */
#define P_ZERO_MAP 2426     /* + 1: x2 the index */
#define P_WORKER_CWD 2429   /* in the worker: x2 1 when getcwd() is not the /bin it was started in */
#define P_OWN_SIZE 2440     /* + 1: x2 the index */
#define P_WORKER_UMASK 2443 /* in the worker: x2 the mask its first umask() replaced */
#define KEEP_FD 9           /* where the fork child hands the worker its memfd */
#include "secret_common.h"

#define SELF "/bin/secret_r24_loader"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static int memfd = -1;      /* a shared page of key state: its first word is 3 */
/* The secret's working copy, the labels (label i at logbuf + 32 + 8 * i), a second copy. */
static uint8_t logbuf[SECRET_LEN + 32 + SECRET_LEN];

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static void clear_vectors(void)
{
    __asm__ volatile("movi v0.16b, #0\n movi v1.16b, #0\n movi v2.16b, #0\n movi v3.16b, #0\n"
                     "movi v4.16b, #0\n movi v5.16b, #0\n movi v6.16b, #0\n movi v7.16b, #0\n"
                     ::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7");
}

/* An index that may be large: only one under 4 names a label. */
static void log_label(int phase, long index)
{
    if (index < 4)
        sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

static void argv0_step(const char *argv0)
{
    marker(P_ARGV0, (long)argv0, 0, 0, 0);
    say("secret_r24: running as ");
    say(argv0);
    say("\n");
    marker(P_ARGV0 + 1, 0, 0, 0, 0);
}

static void secure_step(void)
{
    marker(P_SECURE, (long)logbuf, 0, 0, 0);
    long secure = (long)getauxval(AT_SECURE);
    long uid = sys6(SYS_getuid, 0, 0, 0, 0, 0, 0);
    long euid = sys6(SYS_geteuid, 0, 0, 0, 0, 0, 0);
    /* As secure_getenv() would: a program started in secure mode ignores its environment. */
    const char *config = secure ? NULL : getenv("R24_CONFIG");
    marker(P_SECURE + 1, secure, uid, euid, config != NULL);
}

static void minsig_step(void)
{
    marker(P_MINSIG, (long)logbuf, 0, 0, 0);
    long need = (long)getauxval(AT_MINSIGSTKSZ);
    long pages = (need + PAGE - 1) / PAGE;
    log_label(P_MINSIG, 2 - pages);
}

/* A file only this program holds: unnamed (O_TMPFILE), else created and unlinked at once. */
static int private_file(const char *fallback)
{
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)"/", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600,
                       0, 0);
    if (fd >= 0)
        return fd;
    fd = (int)sys6(SYS_openat, AT_FDCWD, (long)fallback,
                   O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, 0, 0);
    if (fd >= 0)
        sys6(SYS_unlinkat, AT_FDCWD, (long)fallback, 0, 0, 0, 0);
    return fd;
}

static int put_word(int fd, int64_t value, long offset)
{
    return sys6(SYS_pwrite64, fd, (long)&value, 8, offset, 0, 0) == 8;
}

static void twice_step(void)
{
    int fd = private_file("/r24-ring");
    if (fd < 0 || !put_word(fd, 3, 0) || !put_word(fd, 0, PAGE) ||
        sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) != 0)
        return;
    marker(P_TWICE, (long)logbuf, 0, 0, 0);
    long a = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    long b = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    if (valid(a) && valid(b))
        log_label(P_TWICE, *(volatile int64_t *)b - *(volatile int64_t *)a);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void regrow_step(void)
{
    int fd = private_file("/r24-log");
    if (fd < 0 || !put_word(fd, 1, 0) || !put_word(fd, -3, PAGE))
        return;
    marker(P_REGROW, (long)logbuf, 0, 0, 0);
    if (sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) != 0 ||
        sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) != 0)
        return;
    long m = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
    if (valid(m))
        log_label(P_REGROW, *(volatile int64_t *)(m + PAGE));
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void tail_step(void)
{
    int fd = private_file("/r24-records");
    if (fd < 0 || !put_word(fd, 1, 0) || !put_word(fd, -3, 8))
        return;
    marker(P_TAIL, (long)logbuf, 0, 0, 0);
    if (sys6(SYS_ftruncate, fd, 8, 0, 0, 0, 0) != 0)
        return;
    long m = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    if (!valid(m))
        return;
    long count = 0;
    while (count < PAGE / 8 && ((volatile int64_t *)m)[count] != 0)
        count++;
    log_label(P_TAIL, 1 - count);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void memfd_child_step(void)
{
    memfd = (int)sys6(SYS_memfd_create, (long)"r24-keys", MFD_CLOEXEC, 0, 0, 0, 0);
    if (memfd < 0 || !put_word(memfd, 3, 0) || sys6(SYS_ftruncate, memfd, PAGE, 0, 0, 0, 0) != 0)
        return;
    long m = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    if (!valid(m) || *(volatile int64_t *)m != 3)     /* its key state, mapped in */
        return;
    marker(P_MEMFD_CHILD, (long)logbuf, 0, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        long c = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, memfd, 0);
        if (valid(c))
            log_label(P_MEMFD_CHILD, *(volatile int64_t *)c - 3);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    int status = 0;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
}

/* "/proc/self/fd/N" (static: a path a call reads lies apart from the program's secrets). */
static char fd_path[32] = "/proc/self/fd/";

static void memfd_reopen_step(void)
{
    int n = memfd, len = 14, k = 0;
    char digits[8];
    if (memfd < 0)
        return;
    do {
        digits[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n && k < 8);
    while (k)
        fd_path[len++] = digits[--k];
    fd_path[len] = 0;
    marker(P_MEMFD_REOPEN, (long)logbuf, 0, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        /* A reader process: a read-only descriptor of the same memfd, opened again. */
        int ro = (int)sys6(SYS_openat, AT_FDCWD, (long)fd_path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
        long m = ro < 0 ? -1 : sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, ro, 0);
        if (valid(m))
            log_label(P_MEMFD_REOPEN, *(volatile int64_t *)m - 3);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    int status = 0;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
}

static void own_file_step(void)
{
    uint8_t ehdr[64];
    memset(ehdr, 0, sizeof ehdr);
    int fd = (int)sys6(SYS_openat, AT_FDCWD, (long)SELF, O_RDONLY | O_CLOEXEC, 0, 0, 0);
    if (fd < 0)
        return;
    marker(P_OWN_FILE, (long)logbuf, (long)ehdr, 0, 0);
    if (sys6(SYS_pread64, fd, (long)ehdr, sizeof ehdr, 0, 0, 0) != sizeof ehdr) {
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
        return;
    }
    uint16_t phnum, shentsize, shnum;
    uint64_t shoff;
    memcpy(&phnum, ehdr + 0x38, 2);     /* e_phnum of the file it runs from */
    log_label(P_OWN_FILE, (long)phnum - (long)getauxval(AT_PHNUM));
    /* Data appended to an executable starts where its section headers end (the linker puts
     * them last): the size fstat() reports, less that end, is what was appended (none). */
    memcpy(&shoff, ehdr + 0x28, 8);
    memcpy(&shentsize, ehdr + 0x3a, 2);
    memcpy(&shnum, ehdr + 0x3c, 2);
    struct stat st;
    memset(&st, 0, sizeof st);
    marker(P_OWN_SIZE, (long)logbuf, 0, 0, 0);
    if (sys6(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) == 0)
        log_label(P_OWN_SIZE, ((long)st.st_size - (long)(shoff + (uint64_t)shnum * shentsize)) / 8);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void dev_zero_steps(void)
{
    /* A spill file of the work queue (its first record -3), kept open while the program
     * takes a zero-filled arena from /dev/zero, as allocators did before MAP_ANONYMOUS. */
    int spill = private_file("/r24-spill");
    int zero = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/zero", O_RDWR | O_CLOEXEC, 0, 0, 0);
    int64_t word = 1;
    if (spill < 0 || zero < 0 || !put_word(spill, -3, 0))
        return;
    marker(P_ZERO_READ, (long)logbuf, spill, zero, 0);
    if (sys6(SYS_read, zero, (long)&word, 8, 0, 0, 0) == 8)
        log_label(P_ZERO_READ, word);
    marker(P_ZERO_MAP, (long)logbuf, spill, zero, 0);
    long m = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, zero, 0);
    if (valid(m))
        log_label(P_ZERO_MAP, *(volatile int64_t *)m);
    sys6(SYS_close, zero, 0, 0, 0, 0, 0);
    sys6(SYS_close, spill, 0, 0, 0, 0, 0);
}

static void exec_step(void)
{
    static char *const args[] = {"r24-worker", "-q", NULL};
    static char *const env[] = {"R24_STAGE=worker", "R24_PATH=" SELF, NULL};
    sys6(SYS_chdir, (long)"/bin", 0, 0, 0, 0, 0);     /* the worker runs in /bin */
    sys6(SYS_umask, 077, 0, 0, 0, 0, 0);               /* ... with private files */
    marker(P_EXEC, (long)logbuf, 0, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        if (memfd >= 0)
            sys6(SYS_dup3, memfd, KEEP_FD, 0, 0, 0, 0);
        sys6(SYS_execve, (long)SELF, (long)args, (long)env, 0, 0, 0);
        sys6(SYS_exit_group, 127, 0, 0, 0, 0, 0);
    }
    int status = 0;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    marker(P_EXEC + 1, pid, status, 0, 0);
}

/* The exec'd worker: a multi-call program dispatches on the name it was run as. */
static int worker(int argc, char **argv)
{
    /* It sets the mask its files need and keeps the one it was started with, to restore. */
    long started_with = sys6(SYS_umask, 022, 0, 0, 0, 0, 0);
    marker(P_WORKER_UMASK, started_with, 0, 0, 0);
    const char *name = argc > 0 ? argv[0] : "";
    const char *slash = strrchr(name, '/');
    name = slash ? slash + 1 : name;
    long applet = strcmp(name, "r24-worker") == 0 ? 1 : strcmp(name, "r24-keydump") == 0 ? 2 : 0;
    long options = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-p") == 0)
            options |= 1;          /* print the key (a debugging option) */
        else if (strcmp(argv[i], "-q") == 0)
            options |= 2;          /* quiet */
    }
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    const char *path = getenv("R24_PATH");
    long differs = !execfn || !path || strcmp(execfn, path) != 0;
    marker(P_WORKER + 1, applet, options, differs, sys6(SYS_getuid, 0, 0, 0, 0, 0, 0));
    static char cwd[64];
    long n = sys6(SYS_getcwd, (long)cwd, sizeof cwd, 0, 0, 0, 0);
    marker(P_WORKER_CWD, n <= 0 || strcmp(cwd, "/bin") != 0, 0, 0, 0);
    long m = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, KEEP_FD, 0);
    if (valid(m))
        marker(P_WORKER_KEY, *(volatile int64_t *)m, 0, 0, 0);
    return 0;
}

int main(int argc, char **argv)
{
    const char *stage = getenv("R24_STAGE");
    if (stage && strcmp(stage, "worker") == 0)
        return worker(argc, argv);
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
    clear_vectors();
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    argv0_step(argc > 0 ? argv[0] : "");
    secure_step();
    minsig_step();
    twice_step();
    regrow_step();
    tail_step();
    memfd_child_step();
    memfd_reopen_step();
    own_file_step();
    dev_zero_steps();
    exec_step();

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
