/*
 * secret_commands - the attack target for outputs chosen by a command argument: ioctl
 * requests, fcntl commands and prctl options that fill a buffer the program owns.
 *
 *   secret_commands       run once and report whether the secret survived
 *   secret_commands -d    also print the SHA-256 of the secret
 *   secret_commands -s HOW  take the secret from /dev/urandom instead of getrandom(), the
 *                         bytes moved with HOW: splice (splice() into a pipe, then read()
 *                         from the pipe), sendfile (sendfile() into a pipe, then read())
 *                         or preadv2 (preadv2() at the current position); or read() from
 *                         /dev/urandom opened as dirfd (openat() of "urandom" relative to a
 *                         descriptor of /dev), chdir (chdir("/dev"), then "urandom") or
 *                         reopen (/proc/self/fd/N of a /dev/urandom descriptor)
 *
 * It keeps the secret like `secret` does (a heap page, a stack buffer, an anonymous
 * page, announced by the same START and PLACED markers, checked at END), then makes
 * calls whose success means they filled a structure in a scratch area that held copies
 * of the secret, and sends what the call filled in to /dev/null (a log record):
 *
 *   1. fcntl(/dev/null, F_GET_RW_HINT): the 64-bit write-life hint (8 bytes).
 *   2. fcntl(/dev/null, F_GET_FILE_RW_HINT): the file's 64-bit hint (8 bytes).
 *   3. ioctl(/dev/null, FIOQSIZE): the 64-bit size (a request without an _IOC size).
 *   4. ioctl(socket, SIOCGIFADDR) for "lo": struct ifreq (40 bytes; the name is the
 *      program's, the address after it the kernel's): the 16-byte address is logged.
 *   5. ioctl(1, TIOCGSERIAL): struct serial_struct (72 bytes).
 *   6. prctl(PR_SCHED_CORE, PR_SCHED_CORE_GET, 0, PIDTYPE_PID, &cookie): the 64-bit
 *      core-scheduling cookie.
 *   7. prctl(PR_GET_AUXV, buf, 64): the auxiliary vector; the call answers its full
 *      size and copies at most 64 bytes: min(answer, 64) bytes are logged.
 *   8. ioctl(1, TCGETA): struct termio (18 bytes, a request without an _IOC size).
 *   9. msgctl(0, IPC_STAT): struct msqid64_ds (120 bytes).
 *  10. shmctl(0, IPC_STAT): struct shmid64_ds (112 bytes).
 *  11. semctl(0, 0, IPC_STAT): struct semid64_ds (104 bytes).
 *  12. mq_getsetattr(3, NULL, &old): the old struct mq_attr (64 bytes).
 *  13. cachestat(/dev/null, {0, 0}, &cs, 0): struct cachestat (40 bytes).
 *  14. syslog(SYSLOG_ACTION_READ_ALL, buf, 64): as many bytes as the call reports.
 *  15. keyctl(KEYCTL_READ, KEY_SPEC_SESSION_KEYRING, buf, 64): the payload's length is
 *      the answer, at most 64 bytes of it copied: min(answer, 64) bytes are logged.
 *  16. quotactl(Q_GETQUOTA, "/", 0, &dq): struct if_dqblk (72 bytes).
 *  17-19. An epoll event loop over an eventfd whose event's data is a pointer to a
 *      connection record; for each event epoll_pwait() reports, the record's 16-byte name
 *      is logged.  Before the wait, the record first registered is retired and its memory
 *      reused for a copy of the secret, a second record registered instead:
 *      17. by EPOLL_CTL_DEL and EPOLL_CTL_ADD of the same eventfd;
 *      18. by EPOLL_CTL_MOD of the eventfd's data;
 *      19. by close() of the eventfd and EPOLL_CTL_ADD of a new one;
 *      19b. (step 33, at the end) by close() of the epoll instance itself and a new
 *          instance (the same descriptor number) with the second record.
 *  20-21. A signalfd first made for SIGUSR1 (the signal that tells the program to drop
 *      its key: it zeroes the heap copy of the secret), then moved to SIGUSR2 only; the
 *      program raises SIGUSR2, reads one record and acts on its ssi_signo:
 *      20. by signalfd4() on the same descriptor with the new mask;
 *      21. by close() of the descriptor and a new signalfd4(-1) for SIGUSR2.
 *  22. shmat(0, NULL, 0): the first 128 bytes of the attached segment are logged.
 *  23. ptrace(PTRACE_PEEKDATA, getpid(), addr, &word): the 8-byte word.
 *  24. lookup_dcookie(0, buf, 64): as many bytes of the path as the call reports.
 *  25. name_to_handle_at(AT_FDCWD, "/", handle, &mount_id, 0) with handle_bytes 64: the
 *      handle's 8-byte header and the handle_bytes it reports.
 *  26. getdents64() of "/" into 256 bytes of the scratch area: it walks the records the
 *      call reports by their d_reclen and logs each d_name up to its NUL.
 *  27. flistxattr(/dev/null) into 64 bytes of the scratch area: it walks the names the
 *      call reports and logs each up to its NUL.
 *  28. An inotify watch on "/": one read() of events into 256 bytes of the scratch
 *      area, walked by their len fields; each named event's name is logged up to its NUL.
 *  29. prctl(PR_GET_SHADOW_STACK_STATUS, &status): the 64-bit GCS status word.
 *  30. quotactl_fd(/dev/null, Q_GETQUOTA, 0, &dq): struct if_dqblk (72 bytes).
 *  31. getcpu(&cpu, NULL): the 32-byte per-CPU statistics slot of that CPU (of 8 slots,
 *      more than the machine has CPUs; the session key, a copy of the secret, is kept
 *      right behind them) is logged.
 *  32. rseq() registration of an area; the slot of the CPU its cpu_id names is logged as
 *      in step 31, then the area is unregistered.
 *  33. ioctl(1, TIOCGLCKTRMIOS): the terminal's locking struct termios (36 bytes, a
 *      request without an _IOC size).
 *  34. keyctl(KEYCTL_PKEY_QUERY, KEY_SPEC_SESSION_KEYRING, 0, "", &query): struct
 *      keyctl_pkey_query; its first 16 bytes (the operations and the sizes) are logged.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r12.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x announces the scratch area (x2) before the call, P_x + 1 the result. */
#define P_RWHINT 500
#define P_FILEHINT 502
#define P_QSIZE 504
#define P_IFADDR 506
#define P_SERIAL 508
#define P_CORE 510
#define P_AUXV 512
#define P_TERMIO 514
#define P_MSGSTAT 516
#define P_SHMSTAT 518
#define P_SEMSTAT 520
#define P_MQATTR 522
#define P_CACHESTAT 524
#define P_SYSLOG 526
#define P_KEYREAD 528
#define P_QUOTA 530
#define P_EPDEL 532
#define P_EPMOD 534
#define P_EPCLOSE 536
#define P_SFDMOD 538
#define P_SFDCLOSE 540
#define P_SHMAT 542
#define P_PEEK 544
#define P_DCOOKIE 546
#define P_HANDLE 548
#define P_DENTS 550
#define P_XLIST 552
#define P_INOTIFY 554
#define P_GCSSTATUS 556
#define P_QUOTAFD 558
#define P_GETCPU 560
#define NR_SLOTS 8
#define P_RSEQCPU 562
#define P_EPNEW 564
#define P_LOCKTERMIOS 566
#define P_PKEYQUERY 568
#define RSEQ_SIG 0x53053053
#define SCRATCH 512
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static union {
    uint8_t raw[SCRATCH];
    uint64_t words[SCRATCH / 8];
} scratch;

static int valid(long p)
{
    return p > 0 && (unsigned long)p < (1UL << 48);
}

static long anon_page(void)
{
    return sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* Work on the secret in the scratch area (copies of it everywhere in the area). */
static void work_in_scratch(void)
{
    for (unsigned i = 0; i + SECRET_LEN <= sizeof scratch.raw; i += SECRET_LEN)
        memcpy(scratch.raw + i, secret, SECRET_LEN);
}

static void log_bytes(const void *p, long n)
{
    if (n > 0)
        sys6(SYS_write, devnull, (long)p, n, 0, 0, 0);
}

/* A call whose success (`r` >= 0) means the `len` bytes at `out` were filled in (for
 * `counted`, min(r, len) bytes); those bytes are logged. */
static void filled_step(long phase, long nr, long a0, long a1, long a2, long a3, long a4,
                        const void *out, long len, int counted)
{
    work_in_scratch();
    marker(phase, (long)scratch.raw, 0, 0, 0);
    long r = sys6(nr, a0, a1, a2, a3, a4, 0);
    if (r >= 0)
        log_bytes(out, counted ? (r < len ? r : len) : len);
    marker(phase + 1, r, 0, 0, 0);
}

static void ifaddr_step(void)
{
    int s = (int)sys6(SYS_socket, AF_INET, SOCK_DGRAM, 0, 0, 0, 0);
    work_in_scratch();
    memcpy(scratch.raw, "lo\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);   /* ifr_name */
    marker(P_IFADDR, (long)scratch.raw, s, 0, 0);
    long r = sys6(SYS_ioctl, s, 0x8915 /* SIOCGIFADDR */, (long)scratch.raw, 0, 0, 0);
    if (r == 0)
        log_bytes(scratch.raw + 16, 16);
    marker(P_IFADDR + 1, r, 0, 0, 0);
    if (s >= 0)
        sys6(SYS_close, s, 0, 0, 0, 0, 0);
}

/* A connection record: its name, or (once retired) the secret's bytes at work. */
static union {
    char name[16];
    uint64_t words[2];
} records[2];

/* Register records[0] for an eventfd, retire it (`how`: 0 DEL+ADD, 1 MOD, 2 close and a
 * new eventfd, 3 close of the epoll instance and a new one), reuse its memory for the secret, then log each reported record's name. */
static void epoll_retire_step(long phase, int how)
{
    long ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
    long efd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
    memcpy(records[0].name, "conn-zero.......", 16);
    memcpy(records[1].name, "conn-one........", 16);
    struct { uint32_t events, pad; uint64_t data; } ev = {0x004 /* EPOLLOUT */, 0,
                                                          (uint64_t)&records[0]};
    sys6(SYS_epoll_ctl, ep, 1 /* ADD */, efd, (long)&ev, 0, 0);
    ev.data = (uint64_t)&records[1];
    if (how == 0) {
        sys6(SYS_epoll_ctl, ep, 2 /* DEL */, efd, 0, 0, 0);
        sys6(SYS_epoll_ctl, ep, 1 /* ADD */, efd, (long)&ev, 0, 0);
    } else if (how == 1) {
        sys6(SYS_epoll_ctl, ep, 3 /* MOD */, efd, (long)&ev, 0, 0);
    } else if (how == 2) {
        sys6(SYS_close, efd, 0, 0, 0, 0, 0);
        efd = sys6(SYS_eventfd2, 0, 0, 0, 0, 0, 0);
        sys6(SYS_epoll_ctl, ep, 1 /* ADD */, efd, (long)&ev, 0, 0);
    } else {
        sys6(SYS_close, ep, 0, 0, 0, 0, 0);
        ep = sys6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
        sys6(SYS_epoll_ctl, ep, 1 /* ADD */, efd, (long)&ev, 0, 0);
    }
    memcpy(records[0].words, secret, 16);      /* the retired record's memory, reused */
    memset(scratch.raw, 0, sizeof scratch.raw);
    marker(phase, (long)scratch.raw, (long)&records[0], (long)&records[1], 0);
    struct { long sec, nsec; } zero = {0, 0};
    long n = sys6(SYS_epoll_pwait2, ep, (long)scratch.raw, 1, (long)&zero, 0, 8);
    for (long i = 0; i < n && i < 1; i++) {
        uint64_t data;
        memcpy(&data, scratch.raw + 16 * i + 8, 8);
        log_bytes((const void *)data, 16);
    }
    marker(phase + 1, n, 0, 0, 0);
    memset(records, 0, sizeof records);
    sys6(SYS_close, efd, 0, 0, 0, 0, 0);
    sys6(SYS_close, ep, 0, 0, 0, 0, 0);
}

static uint8_t *heap_secret;

/* A signalfd moved from SIGUSR1 to SIGUSR2 (`reopen`: by close and a new one); SIGUSR2
 * raised; a SIGUSR1 record would mean "drop the key" (the heap copy is zeroed). */
static void signalfd_moved_step(long phase, int reopen)
{
    uint64_t usr1 = 1UL << (10 - 1), usr2 = 1UL << (12 - 1), both = usr1 | usr2;
    sys6(SYS_rt_sigprocmask, 0 /* SIG_BLOCK */, (long)&both, 0, 8, 0, 0);
    long sfd = sys6(SYS_signalfd4, -1, (long)&usr1, 8, 0, 0, 0);
    if (reopen) {
        sys6(SYS_close, sfd, 0, 0, 0, 0, 0);
        sfd = sys6(SYS_signalfd4, -1, (long)&usr2, 8, 0, 0, 0);
    } else {
        sys6(SYS_signalfd4, sfd, (long)&usr2, 8, 0, 0, 0);
    }
    sys6(SYS_kill, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), 12, 0, 0, 0, 0);
    memset(scratch.raw, 0, sizeof scratch.raw);
    marker(phase, (long)scratch.raw, sfd, 0, 0);
    long n = sys6(SYS_read, sfd, (long)scratch.raw, 128, 0, 0, 0);
    uint32_t signo = 0;
    if (n == 128)
        memcpy(&signo, scratch.raw, 4);
    if (signo == 10)
        memset(heap_secret, 0, SECRET_LEN);          /* SIGUSR1: drop the key */
    marker(phase + 1, n, signo, 0, 0);
    sys6(SYS_close, sfd, 0, 0, 0, 0, 0);
}

static void shmat_step(void)
{
    marker(P_SHMAT, 0, 0, 0, 0);
    long p = sys6(SYS_shmat, 0, 0, 0, 0, 0, 0);
    if (valid(p))
        log_bytes((const void *)p, 128);
    marker(P_SHMAT + 1, p, 0, 0, 0);
}

static void handle_step(void)
{
    int mount_id = 0;
    work_in_scratch();
    uint32_t want = 64;
    memcpy(scratch.raw, &want, 4);                      /* handle_bytes: the room */
    marker(P_HANDLE, (long)scratch.raw, 0, 0, 0);
    long r = sys6(SYS_name_to_handle_at, AT_FDCWD, (long)"/", (long)scratch.raw,
                  (long)&mount_id, 0, 0);
    uint32_t got;
    memcpy(&got, scratch.raw, 4);
    if (r == 0 && got <= want)
        log_bytes(scratch.raw, 8 + got);
    marker(P_HANDLE + 1, r, got, 0, 0);
}

static void dents_step(void)
{
    long dir = sys6(SYS_openat, AT_FDCWD, (long)"/", O_RDONLY | O_DIRECTORY, 0, 0, 0);
    work_in_scratch();
    marker(P_DENTS, (long)scratch.raw, dir, 0, 0);
    long n = sys6(SYS_getdents64, dir, (long)scratch.raw, 256, 0, 0, 0);
    for (long off = 0; off + 19 < n;) {
        uint16_t reclen;
        memcpy(&reclen, scratch.raw + off + 16, 2);
        if (reclen < 20)
            break;
        const char *name = (const char *)scratch.raw + off + 19;
        log_bytes(name, (long)strlen(name));
        off += reclen;
    }
    marker(P_DENTS + 1, n, 0, 0, 0);
    if (dir >= 0)
        sys6(SYS_close, dir, 0, 0, 0, 0, 0);
}

static void xattr_list_step(void)
{
    work_in_scratch();
    marker(P_XLIST, (long)scratch.raw, 0, 0, 0);
    long n = sys6(SYS_flistxattr, devnull, (long)scratch.raw, 64, 0, 0, 0);
    for (long off = 0; n > 0 && n <= 64 && off < n;) {
        const char *name = (const char *)scratch.raw + off;
        long len = (long)strlen(name);
        log_bytes(name, len);
        off += len + 1;
    }
    marker(P_XLIST + 1, n, 0, 0, 0);
}

static void inotify_step(void)
{
    long in = sys6(SYS_inotify_init1, 04000 /* IN_NONBLOCK */, 0, 0, 0, 0, 0);
    sys6(SYS_inotify_add_watch, in, (long)"/", 0x100 /* IN_CREATE */, 0, 0, 0);
    work_in_scratch();
    marker(P_INOTIFY, (long)scratch.raw, in, 0, 0);
    long n = sys6(SYS_read, in, (long)scratch.raw, 256, 0, 0, 0);
    for (long off = 0; off + 16 <= n;) {
        uint32_t len;
        memcpy(&len, scratch.raw + off + 12, 4);
        if (len > 0) {
            const char *name = (const char *)scratch.raw + off + 16;
            log_bytes(name, (long)strlen(name));
        }
        off += 16 + len;
    }
    marker(P_INOTIFY + 1, n, 0, 0, 0);
    if (in >= 0)
        sys6(SYS_close, in, 0, 0, 0, 0, 0);
}

/* The secret from /dev/urandom, moved by `how` (see the usage above). */
static long urandom_secret(const char *how)
{
    long fd;
    if (strcmp(how, "dirfd") == 0) {
        long dir = sys6(SYS_openat, AT_FDCWD, (long)"/dev", O_RDONLY | O_DIRECTORY, 0, 0, 0);
        fd = sys6(SYS_openat, dir, (long)"urandom", O_RDONLY, 0, 0, 0);
    } else if (strcmp(how, "chdir") == 0) {
        sys6(SYS_chdir, (long)"/dev", 0, 0, 0, 0, 0);
        fd = sys6(SYS_openat, AT_FDCWD, (long)"urandom", O_RDONLY, 0, 0, 0);
    } else if (strcmp(how, "reopen") == 0) {
        long first = sys6(SYS_openat, AT_FDCWD, (long)"/dev/urandom", O_RDONLY, 0, 0, 0);
        char path[32] = "/proc/self/fd/";
        int at = 14;
        if (first >= 10)
            path[at++] = (char)('0' + first / 10 % 10);
        path[at] = (char)('0' + first % 10);
        fd = sys6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0, 0, 0);
    } else {
        fd = sys6(SYS_openat, AT_FDCWD, (long)"/dev/urandom", O_RDONLY, 0, 0, 0);
    }
    if (fd < 0)
        return -1;
    long n = -1;
    if (strcmp(how, "dirfd") == 0 || strcmp(how, "chdir") == 0 || strcmp(how, "reopen") == 0) {
        n = sys6(SYS_read, fd, (long)secret, SECRET_LEN, 0, 0, 0);
    } else if (strcmp(how, "preadv2") == 0) {
        struct iovec_ { void *base; long len; } iov = {secret, SECRET_LEN};
        n = sys6(SYS_preadv2, fd, (long)&iov, 1, -1, 0, 0);
    } else {
        int pipefd[2] = {-1, -1};
        sys6(SYS_pipe2, (long)pipefd, 0, 0, 0, 0, 0);
        long moved = strcmp(how, "sendfile") == 0
            ? sys6(SYS_sendfile, pipefd[1], fd, 0, SECRET_LEN, 0, 0)
            : sys6(SYS_splice, fd, 0, pipefd[1], 0, SECRET_LEN, 0);
        if (moved == SECRET_LEN)
            n = sys6(SYS_read, pipefd[0], (long)secret, SECRET_LEN, 0, 0, 0);
        sys6(SYS_close, pipefd[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, pipefd[1], 0, 0, 0, 0, 0);
    }
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    return n;
}

/* Per-CPU statistics, and the session key behind them. */
static struct {
    uint64_t slots[NR_SLOTS][4];
    uint64_t key[SECRET_LEN / 8];
} stats;

static void getcpu_step(void)
{
    memcpy(stats.key, secret, SECRET_LEN);
    uint32_t cpu = 0;
    marker(P_GETCPU, (long)&cpu, 0, 0, 0);
    long r = sys6(SYS_getcpu, (long)&cpu, 0, 0, 0, 0, 0);
    if (r == 0)
        log_bytes(stats.slots[cpu], sizeof stats.slots[0]);
    marker(P_GETCPU + 1, r, cpu, 0, 0);
    memset(stats.key, 0, sizeof stats.key);
}

static struct {
    uint32_t cpu_id_start, cpu_id;
    uint64_t rseq_cs;
    uint32_t flags, node_id, mm_cid, pad;
} __attribute__((aligned(32))) rseq_area;

static void rseq_cpu_step(void)
{
    memcpy(stats.key, secret, SECRET_LEN);
    rseq_area.cpu_id = (uint32_t)-1;                    /* RSEQ_CPU_ID_UNINITIALIZED */
    marker(P_RSEQCPU, (long)&rseq_area, 0, 0, 0);
    long r = sys6(SYS_rseq, (long)&rseq_area, sizeof rseq_area, 0, RSEQ_SIG, 0, 0);
    uint32_t cpu = *(volatile uint32_t *)&rseq_area.cpu_id;
    if (r == 0) {
        log_bytes(stats.slots[cpu], sizeof stats.slots[0]);
        sys6(SYS_rseq, (long)&rseq_area, sizeof rseq_area, 1, RSEQ_SIG, 0, 0);
    }
    marker(P_RSEQCPU + 1, r, cpu, 0, 0);
    memset(stats.key, 0, sizeof stats.key);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *how = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            how = argv[++i];
    }
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if ((how ? urandom_secret(how)
             : sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0)) != SECRET_LEN) {
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
    long mapped = anon_page();
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    long raw = (long)scratch.raw;
    uint8_t *out = scratch.raw;
    filled_step(P_RWHINT, SYS_fcntl, devnull, 1035 /* F_GET_RW_HINT */, raw, 0, 0, out, 8, 0);
    filled_step(P_FILEHINT, SYS_fcntl, devnull, 1037 /* F_GET_FILE_RW_HINT */, raw, 0, 0,
                out, 8, 0);
    filled_step(P_QSIZE, SYS_ioctl, devnull, 0x5460 /* FIOQSIZE */, raw, 0, 0, out, 8, 0);
    ifaddr_step();
    filled_step(P_SERIAL, SYS_ioctl, 1, 0x541E /* TIOCGSERIAL */, raw, 0, 0, out, 72, 0);
    filled_step(P_CORE, SYS_prctl, 62 /* PR_SCHED_CORE */, 0 /* PR_SCHED_CORE_GET */, 0,
                0 /* PIDTYPE_PID */, raw, out, 8, 0);
    filled_step(P_AUXV, SYS_prctl, 0x41555856 /* PR_GET_AUXV */, raw, 64, 0, 0, out, 64, 1);
    filled_step(P_TERMIO, SYS_ioctl, 1, 0x5405 /* TCGETA */, raw, 0, 0, out, 18, 0);
    filled_step(P_MSGSTAT, SYS_msgctl, 0, 2 /* IPC_STAT */, raw, 0, 0, out, 120, 0);
    filled_step(P_SHMSTAT, SYS_shmctl, 0, 2 /* IPC_STAT */, raw, 0, 0, out, 112, 0);
    filled_step(P_SEMSTAT, SYS_semctl, 0, 0, 2 /* IPC_STAT */, raw, 0, out, 104, 0);
    filled_step(P_MQATTR, SYS_mq_getsetattr, 3, 0, raw, 0, 0, out, 64, 0);
    static const uint64_t range[2] = {0, 0};
    filled_step(P_CACHESTAT, 451 /* cachestat */, devnull, (long)range, raw, 0, 0, out, 40, 0);
    filled_step(P_SYSLOG, SYS_syslog, 3 /* SYSLOG_ACTION_READ_ALL */, raw, 64, 0, 0, out, 64, 1);
    filled_step(P_KEYREAD, SYS_keyctl, 11 /* KEYCTL_READ */, -3 /* session keyring */, raw, 64, 0,
                out, 64, 1);
    filled_step(P_QUOTA, SYS_quotactl, 0x80000700 /* QCMD(Q_GETQUOTA, USRQUOTA) */, (long)"/", 0,
                raw, 0, out, 72, 0);
    epoll_retire_step(P_EPDEL, 0);
    epoll_retire_step(P_EPMOD, 1);
    epoll_retire_step(P_EPCLOSE, 2);
    heap_secret = heap + SECRET_OFF;
    signalfd_moved_step(P_SFDMOD, 0);
    signalfd_moved_step(P_SFDCLOSE, 1);
    shmat_step();
    long me = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    filled_step(P_PEEK, SYS_ptrace, 2 /* PTRACE_PEEKDATA */, me, (long)secret + 64, raw, 0, out,
                8, 0);
    filled_step(P_DCOOKIE, SYS_lookup_dcookie, 0, raw, 64, 0, 0, out, 64, 1);
    handle_step();
    dents_step();
    xattr_list_step();
    inotify_step();
    filled_step(P_GCSSTATUS, SYS_prctl, 74 /* PR_GET_SHADOW_STACK_STATUS */, raw, 0, 0, 0, out,
                8, 0);
    getcpu_step();
    rseq_cpu_step();
    epoll_retire_step(P_EPNEW, 3);
    filled_step(P_QUOTAFD, 443 /* quotactl_fd */, devnull, 0x80000700 /* Q_GETQUOTA */, 0, raw,
                0, out, 72, 0);
    filled_step(P_LOCKTERMIOS, SYS_ioctl, 1, 0x5456 /* TIOCGLCKTRMIOS */, raw, 0, 0, out, 36,
                0);
    filled_step(P_PKEYQUERY, SYS_keyctl, 24 /* KEYCTL_PKEY_QUERY */, -3 /* session keyring */,
                0, (long)"", raw, out, 16, 0);
    memset(scratch.raw, 0, sizeof scratch.raw);

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
