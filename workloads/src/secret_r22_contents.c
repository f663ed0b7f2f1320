/* The attack target for what the kernel writes into a program's buffers while it serves a
 * call, and what a program concludes from it because Linux could not have written
 * anything else: file types and identities from fstat()/statx(), the size and bytes of a
 * memfd only it holds, the bytes of a pipe only it holds, FIONREAD against what it wrote, an
 * eventfd counter it alone wrote, directory records, a symbolic link's target, the
 * working directory, uname(), sysinfo(), a socket's type and name, a datagram's MSG_TRUNC,
 * sched_getaffinity()'s size, the comm it set, a pipe end's access mode, a file offset
 * after a read, getgroups() twice, and the auxiliary vector (AT_CLKTCK, AT_UID,
 * AT_PLATFORM, AT_EXECFN).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, four public 8-byte labels, then a second copy of the secret (32 bytes).  Each
 * step turns a value into a label's index the way Linux's contract allows and writes that
 * label to /dev/null (8 bytes): `log_label` only for an index under 4 (a value that may
 * be large), `log_kind` for an index the contract keeps in 0..3 (no check, as a table
 * lookup has none).  Under Linux the index is always 0..3 (or the step writes nothing);
 * a value Linux could not have produced points the write into a copy of the secret.
 * The first 16 bytes of the secret are AT_RANDOM's, as a program seeds a key from them.
 * In the order they run:
 *
 *   1. pipe2(), fstat() of its read end: (S_IFMT >> 12) - 1 (a FIFO: 0) is a kind.
 *   2. fstat(/dev/null) twice: st_ino second - first (0) chooses the label.
 *   3. statx(/dev/null, "", AT_EMPTY_PATH): stx_ino - step 2's st_ino (0).
 *   4. A memfd only the program holds (never shared, close-on-exec, no child), written 32
 *      bytes (its first word 0): fstat()'s st_size / 8 - 4 (0) chooses the label.
 *   5. pread() of the memfd's first word (0): a kind.
 *   6. The word 0 written into the program's own pipe and read back: a kind.
 *   7. 16 bytes written into the pipe, FIONREAD on its read end: bytes / 8 - 2 (0).
 *   8. A new eventfd, written 1 and read: value - 1 (0).
 *   9. The root directory listed with getdents64() (one call, 512 bytes): for each
 *      record d_type >> 2 is a kind, strlen(d_name) - 1 chooses the label (when under 4)
 *      and the offset of a '/' in the name against its length (0) chooses another.
 *  10. readlinkat(/proc/self/exe) into 64 bytes: strnlen(buf, n) - n (0).
 *  11. getcwd(): strlen(path) - 1 chooses the label (when under 4).
 *  12. uname(): strlen(sysname) - 5 ("Linux": 0).
 *  13. sysinfo(): totalswap - freeswap and totalram - freeram choose labels (when under 4).
 *  14. socketpair(AF_UNIX, SOCK_DGRAM): getsockopt(SO_TYPE) - SOCK_DGRAM (0).
 *  15. getsockname() of one end: addrlen - 2 and sa_family - AF_UNIX (0 each).
 *  16. A scratch buffer that held a copy of the secret receives an 8-byte datagram with
 *      recvmsg() into 32 bytes; with MSG_TRUNC the message filled the buffer: the program
 *      logs the bytes received (32 when truncated).
 *  17. sched_getaffinity(0, 128): bytes / 8 - 1 chooses the label (when under 4).
 *  18. prctl(PR_SET_NAME, "r22w"), prctl(PR_GET_NAME): strlen(name) - 4 (0).
 *  19. fcntl(F_GETFL) of the pipe's write end: 1 - (flags & O_ACCMODE) (0).
 *  20. The memfd read 8 bytes from offset 0, then lseek(SEEK_CUR): pos / 8 - 1 (0).
 *  21. getgroups(0) then getgroups(32): the second count - the first (0).
 *  22. getauxval(AT_CLKTCK): 100 / ticks - 1 (0).
 *  23. getuid() - getauxval(AT_UID) (0).
 *  24. strlen(AT_PLATFORM) - 7 ("aarch64": 0).
 *  25. The program prints the name it was run as (AT_EXECFN) and its argv[0].
 *  26. set_robust_list(&head, 24), then get_robust_list(0): (head - &head) / 8 and
 *      len / 8 - 3 choose labels (0 each).
 *  27. set_tid_address(&word), then prctl(PR_GET_TID_ADDRESS): (p - &word) / 8 (0).
 *  28. fcntl(F_SETPIPE_SZ, 8192) on its pipe, then F_GETPIPE_SZ: size / 4096 - 2 (0).
 *  29. A zeroed 64-byte buffer; 8 bytes written into its pipe and read(pipe, buf, 32):
 *      strlen(buf) - n (0: the bytes past the count are still the zeros) is a kind.
 *  30. (In step 14's socketpair) getsockopt(SO_PEERCRED): the peer's pid - getpid() (0:
 *      the program made both ends).
 *  31. clock_gettime(CLOCK_BOOTTIME), then sysinfo(): uptime - the clock's whole seconds
 *      (0 or 1) chooses the label.
 *  32. prctl(PR_SET_NO_NEW_PRIVS, 1), then PR_GET_NO_NEW_PRIVS: the flag - 1 (0).
 *  33. statx(), then newfstatat(), of the pipe's read end ("", AT_EMPTY_PATH): each
 *      (S_IFMT >> 12) - 1 (a FIFO: 0) is a kind.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r22.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before the value is read (x2 the log buffer), P_x + 1 after each write
 * (x2 the index it used). */
#define P_FSTAT_PIPE 2200
#define P_FSTAT_TWICE 2202
#define P_STATX 2204
#define P_MEMFD_SIZE 2206
#define P_MEMFD_READ 2208
#define P_PIPE_BACK 2210
#define P_FIONREAD 2212
#define P_EVENTFD 2214
#define P_DENTS_KIND 2216
#define P_DENTS_LEN 2218
#define P_DENTS_SLASH 2220
#define P_READLINK 2222
#define P_GETCWD 2224
#define P_UNAME 2226
#define P_SWAP 2228
#define P_RAM 2230
#define P_SO_TYPE 2232
#define P_NAMELEN 2234
#define P_FAMILY 2236
#define P_TRUNC 2238        /* x2 the scratch buffer; + 1 after its write (x2 the count) */
#define P_AFFINITY 2240
#define P_COMM 2242
#define P_ACCMODE 2244
#define P_SEEK_CUR 2246
#define P_GROUPS 2248
#define P_CLKTCK 2250
#define P_AT_UID 2252
#define P_PLATFORM 2254
#define P_EXECFN 2256       /* x2 the name's address; + 1 after it was printed */
#define P_ROBUST_HEAD 2258
#define P_ROBUST_LEN 2260
#define P_TID_ADDRESS 2262
#define P_PIPE_SIZE 2264
#define P_READ_TAIL 2266
#define P_PEERCRED 2268
#define P_UPTIME 2270
#define P_NO_NEW_PRIVS 2272
#define P_STATX_PIPE 2274
#define P_FSTATAT_PIPE 2276
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, the labels (label i at logbuf + 32 + 8 * i), a second copy. */
static uint8_t logbuf[SECRET_LEN + 32 + SECRET_LEN];
/* A scratch buffer the key exchange used; reused to receive messages. */
static uint8_t scratch[SECRET_LEN];
static int pipefd[2] = {-1, -1};
static int memfd = -1;
static uint64_t devnull_ino;

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

/* An index the contract keeps in 0..3: looked up as a table is, unchecked. */
static void log_kind(int phase, long index)
{
    sys6(SYS_write, devnull, (long)(logbuf + SECRET_LEN + 8 * index), 8, 0, 0, 0);
    marker(phase + 1, index, 0, 0, 0);
}

static void fstat_pipe_step(void)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    if (sys6(SYS_pipe2, (long)pipefd, O_CLOEXEC, 0, 0, 0, 0) != 0)
        return;
    marker(P_FSTAT_PIPE, (long)logbuf, (long)&st, 0, 0);
    if (sys6(SYS_fstat, pipefd[0], (long)&st, 0, 0, 0, 0) == 0)
        log_kind(P_FSTAT_PIPE, (long)((st.st_mode & S_IFMT) >> 12) - 1);
}

static void fstat_twice_step(void)
{
    struct stat a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    marker(P_FSTAT_TWICE, (long)logbuf, 0, 0, 0);
    if (sys6(SYS_fstat, devnull, (long)&a, 0, 0, 0, 0) != 0 ||
        sys6(SYS_fstat, devnull, (long)&b, 0, 0, 0, 0) != 0)
        return;
    devnull_ino = a.st_ino;
    log_label(P_FSTAT_TWICE, (long)(b.st_ino - a.st_ino));
}

static void statx_step(void)
{
    struct statx sx;
    memset(&sx, 0, sizeof sx);
    marker(P_STATX, (long)logbuf, 0, 0, 0);
    if (sys6(SYS_statx, devnull, (long)"", AT_EMPTY_PATH, STATX_BASIC_STATS, (long)&sx, 0) == 0)
        log_label(P_STATX, (long)(sx.stx_ino - devnull_ino));
}

static void memfd_steps(void)
{
    uint8_t data[32];
    struct stat st;
    uint64_t word = 0xffff;
    memset(data, 0, sizeof data);
    memcpy(data + 8, "public memfd record......", 24);
    memfd = (int)sys6(SYS_memfd_create, (long)"r22", MFD_CLOEXEC, 0, 0, 0, 0);
    if (memfd < 0 || sys6(SYS_write, memfd, (long)data, 32, 0, 0, 0) != 32)
        return;
    memset(&st, 0, sizeof st);
    marker(P_MEMFD_SIZE, (long)logbuf, 0, 0, 0);
    if (sys6(SYS_fstat, memfd, (long)&st, 0, 0, 0, 0) == 0)
        log_label(P_MEMFD_SIZE, (long)st.st_size / 8 - 4);
    marker(P_MEMFD_READ, (long)logbuf, (long)&word, 0, 0);
    if (sys6(SYS_pread64, memfd, (long)&word, 8, 0, 0, 0) == 8)
        log_kind(P_MEMFD_READ, (long)word);
}

static void pipe_back_step(void)
{
    uint64_t out = 0, in = 0xffff;
    marker(P_PIPE_BACK, (long)logbuf, (long)&in, 0, 0);
    if (sys6(SYS_write, pipefd[1], (long)&out, 8, 0, 0, 0) != 8)
        return;
    if (sys6(SYS_read, pipefd[0], (long)&in, 8, 0, 0, 0) == 8)
        log_kind(P_PIPE_BACK, (long)in);
}

static void fionread_step(void)
{
    uint8_t bytes[16];
    int avail = -100;
    memset(bytes, 'p', sizeof bytes);
    if (sys6(SYS_write, pipefd[1], (long)bytes, 16, 0, 0, 0) != 16)
        return;
    marker(P_FIONREAD, (long)logbuf, (long)&avail, 0, 0);
    if (sys6(SYS_ioctl, pipefd[0], FIONREAD, (long)&avail, 0, 0, 0) == 0)
        log_label(P_FIONREAD, avail / 8 - 2);
    sys6(SYS_read, pipefd[0], (long)bytes, 16, 0, 0, 0);
}

static void eventfd_step(void)
{
    uint64_t one = 1, value = 0;
    int efd = (int)sys6(SYS_eventfd2, 0, O_CLOEXEC, 0, 0, 0, 0);
    if (efd < 0 || sys6(SYS_write, efd, (long)&one, 8, 0, 0, 0) != 8)
        return;
    marker(P_EVENTFD, (long)logbuf, (long)&value, 0, 0);
    if (sys6(SYS_read, efd, (long)&value, 8, 0, 0, 0) == 8)
        log_label(P_EVENTFD, (long)value - 1);
    sys6(SYS_close, efd, 0, 0, 0, 0, 0);
}

static void dents_step(void)
{
    static uint8_t buf[512] __attribute__((aligned(8)));
    int dir = (int)sys6(SYS_openat, AT_FDCWD, (long)"/",
                        O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, 0, 0);
    if (dir < 0)
        return;
    marker(P_DENTS_KIND, (long)logbuf, (long)buf, 0, 0);
    long n = sys6(SYS_getdents64, dir, (long)buf, sizeof buf, 0, 0, 0);
    for (long off = 0; n > 0 && off < n;) {
        struct dirent64 *d = (struct dirent64 *)(buf + off);
        long len = (long)strlen(d->d_name);
        log_kind(P_DENTS_KIND, d->d_type >> 2);
        log_label(P_DENTS_LEN, len - 1);
        log_label(P_DENTS_SLASH, (long)strcspn(d->d_name, "/") - len);
        off += d->d_reclen;
    }
    sys6(SYS_close, dir, 0, 0, 0, 0, 0);
}

static void readlink_step(void)
{
    char buf[64];
    memset(buf, 'x', sizeof buf);
    marker(P_READLINK, (long)logbuf, (long)buf, 0, 0);
    long n = sys6(SYS_readlinkat, AT_FDCWD, (long)"/proc/self/exe", (long)buf, sizeof buf, 0, 0);
    if (n > 0)
        log_label(P_READLINK, (long)strnlen(buf, (size_t)n) - n);
}

static void getcwd_step(void)
{
    char buf[64];
    memset(buf, 'x', sizeof buf);
    marker(P_GETCWD, (long)logbuf, (long)buf, 0, 0);
    if (sys6(SYS_getcwd, (long)buf, sizeof buf, 0, 0, 0, 0) > 0)
        log_label(P_GETCWD, (long)strlen(buf) - 1);
}

static void uname_step(void)
{
    struct utsname u;
    memset(&u, 'x', sizeof u);
    marker(P_UNAME, (long)logbuf, (long)&u, 0, 0);
    if (sys6(SYS_uname, (long)&u, 0, 0, 0, 0, 0) == 0)
        log_label(P_UNAME, (long)strlen(u.sysname) - 5);
}

static void sysinfo_step(void)
{
    struct sysinfo si;
    memset(&si, 0, sizeof si);
    marker(P_SWAP, (long)logbuf, (long)&si, 0, 0);
    if (sys6(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0) != 0)
        return;
    log_label(P_SWAP, (long)(si.totalswap - si.freeswap));
    log_label(P_RAM, (long)(si.totalram - si.freeram));
}

static void socket_steps(void)
{
    int sv[2];
    int type = -1;
    socklen_t len = sizeof type;
    if (sys6(SYS_socketpair, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, (long)sv, 0, 0) != 0)
        return;
    marker(P_SO_TYPE, (long)logbuf, (long)&type, 0, 0);
    if (sys6(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, (long)&type, (long)&len, 0) == 0)
        log_label(P_SO_TYPE, type - SOCK_DGRAM);

    struct sockaddr_storage ss;
    socklen_t alen = sizeof ss;
    memset(&ss, 0xff, sizeof ss);
    marker(P_NAMELEN, (long)logbuf, (long)&ss, (long)&alen, 0);
    if (sys6(SYS_getsockname, sv[0], (long)&ss, (long)&alen, 0, 0, 0) == 0) {
        log_label(P_NAMELEN, (long)alen - 2);
        log_label(P_FAMILY, (long)ss.ss_family - AF_UNIX);
    }

    struct ucred cred;
    socklen_t clen = sizeof cred;
    memset(&cred, 0, sizeof cred);
    marker(P_PEERCRED, (long)logbuf, (long)&cred, 0, 0);
    if (sys6(SYS_getsockopt, sv[0], SOL_SOCKET, SO_PEERCRED, (long)&cred, (long)&clen, 0) == 0)
        log_label(P_PEERCRED, (long)cred.pid - sys6(SYS_getpid, 0, 0, 0, 0, 0, 0));

    struct iovec iov = {scratch, sizeof scratch};
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (sys6(SYS_sendto, sv[1], (long)"8 bytes.", 8, 0, 0, 0) != 8)
        return;
    marker(P_TRUNC, (long)scratch, 0, 0, 0);
    long n = sys6(SYS_recvmsg, sv[0], (long)&mh, 0, 0, 0, 0);
    if (n >= 0) {
        if (mh.msg_flags & MSG_TRUNC)
            n = sizeof scratch;            /* the datagram filled the buffer */
        sys6(SYS_write, devnull, (long)scratch, n, 0, 0, 0);
        marker(P_TRUNC + 1, n, 0, 0, 0);
    }
    sys6(SYS_close, sv[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, sv[1], 0, 0, 0, 0, 0);
}

static void affinity_step(void)
{
    static uint8_t mask[128];
    marker(P_AFFINITY, (long)logbuf, (long)mask, 0, 0);
    long n = sys6(SYS_sched_getaffinity, 0, sizeof mask, (long)mask, 0, 0, 0);
    if (n >= 0)
        log_label(P_AFFINITY, n / 8 - 1);
}

static void comm_step(void)
{
    char name[16];
    memset(name, 'x', sizeof name);
    if (sys6(SYS_prctl, PR_SET_NAME, (long)"r22w", 0, 0, 0, 0) != 0)
        return;
    marker(P_COMM, (long)logbuf, (long)name, 0, 0);
    if (sys6(SYS_prctl, PR_GET_NAME, (long)name, 0, 0, 0, 0) == 0)
        log_label(P_COMM, (long)strnlen(name, sizeof name) - 4);
}

static void accmode_step(void)
{
    marker(P_ACCMODE, (long)logbuf, 0, 0, 0);
    long fl = sys6(SYS_fcntl, pipefd[1], F_GETFL, 0, 0, 0, 0);
    if (fl >= 0)
        log_label(P_ACCMODE, 1 - (fl & O_ACCMODE));
}

static void seek_cur_step(void)
{
    uint8_t head[8];
    if (memfd < 0 || sys6(SYS_lseek, memfd, 0, SEEK_SET, 0, 0, 0) != 0 ||
        sys6(SYS_read, memfd, (long)head, 8, 0, 0, 0) != 8)
        return;
    marker(P_SEEK_CUR, (long)logbuf, 0, 0, 0);
    long pos = sys6(SYS_lseek, memfd, 0, SEEK_CUR, 0, 0, 0);
    if (pos >= 0)
        log_label(P_SEEK_CUR, pos / 8 - 1);
}

static void groups_step(void)
{
    static uint32_t list[32];
    marker(P_GROUPS, (long)logbuf, (long)list, 0, 0);
    long first = sys6(SYS_getgroups, 0, 0, 0, 0, 0, 0);
    if (first < 0 || first > 32)
        return;
    long second = sys6(SYS_getgroups, 32, (long)list, 0, 0, 0, 0);
    if (second >= 0)
        log_label(P_GROUPS, second - first);
}

static void auxv_steps(const char *argv0)
{
    unsigned long ticks = getauxval(AT_CLKTCK);
    marker(P_CLKTCK, (long)logbuf, (long)ticks, 0, 0);
    if (ticks)
        log_label(P_CLKTCK, (long)(100 / ticks) - 1);
    marker(P_AT_UID, (long)logbuf, 0, 0, 0);
    log_label(P_AT_UID, sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) - (long)getauxval(AT_UID));
    const char *platform = (const char *)getauxval(AT_PLATFORM);
    marker(P_PLATFORM, (long)logbuf, (long)platform, 0, 0);
    if (platform)
        log_label(P_PLATFORM, (long)strlen(platform) - 7);
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    marker(P_EXECFN, (long)execfn, 0, 0, 0);
    if (execfn) {
        say("secret: running as ");
        say(execfn);
        say(" (");
        say(argv0);
        say(")\n");
    }
    marker(P_EXECFN + 1, 0, 0, 0, 0);
}

static void robust_step(void)
{
    static struct { void *next; long offset; void *pending; } head;
    void *got = 0;
    size_t len = 0;
    head.next = &head;
    if (sys6(SYS_set_robust_list, (long)&head, sizeof head, 0, 0, 0, 0) != 0)
        return;
    marker(P_ROBUST_HEAD, (long)logbuf, (long)&got, (long)&len, 0);
    if (sys6(SYS_get_robust_list, 0, (long)&got, (long)&len, 0, 0, 0) != 0)
        return;
    log_label(P_ROBUST_HEAD, ((long)got - (long)&head) / 8);
    log_label(P_ROBUST_LEN, (long)len / 8 - 3);
}

static void tid_address_step(void)
{
    static int word;
    int *got = 0;
    sys6(SYS_set_tid_address, (long)&word, 0, 0, 0, 0, 0);
    marker(P_TID_ADDRESS, (long)logbuf, (long)&got, 0, 0);
    if (sys6(SYS_prctl, PR_GET_TID_ADDRESS, (long)&got, 0, 0, 0, 0) == 0)
        log_label(P_TID_ADDRESS, ((long)got - (long)&word) / 8);
}

static void pipe_size_step(void)
{
    if (sys6(SYS_fcntl, pipefd[1], F_SETPIPE_SZ, 8192, 0, 0, 0) != 8192)
        return;
    marker(P_PIPE_SIZE, (long)logbuf, 0, 0, 0);
    long size = sys6(SYS_fcntl, pipefd[1], F_GETPIPE_SZ, 0, 0, 0, 0);
    if (size >= 0)
        log_label(P_PIPE_SIZE, size / 4096 - 2);
}

static void read_tail_step(void)
{
    char buf[64];
    memset(buf, 0, sizeof buf);
    if (sys6(SYS_write, pipefd[1], (long)"qqqqqqqq", 8, 0, 0, 0) != 8)
        return;
    marker(P_READ_TAIL, (long)logbuf, (long)buf, 0, 0);
    long n = sys6(SYS_read, pipefd[0], (long)buf, 32, 0, 0, 0);
    if (n > 0)
        log_kind(P_READ_TAIL, (long)strlen(buf) - n);
}

static void uptime_step(void)
{
    struct timespec boot = {0, 0};
    struct sysinfo si;
    memset(&si, 0, sizeof si);
    if (sys6(SYS_clock_gettime, CLOCK_BOOTTIME, (long)&boot, 0, 0, 0, 0) != 0)
        return;
    marker(P_UPTIME, (long)logbuf, (long)&si, 0, 0);
    if (sys6(SYS_sysinfo, (long)&si, 0, 0, 0, 0, 0) == 0)
        log_label(P_UPTIME, si.uptime - (long)boot.tv_sec);
}

static void no_new_privs_step(void)
{
    if (sys6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0) != 0)
        return;
    marker(P_NO_NEW_PRIVS, (long)logbuf, 0, 0, 0);
    long set = sys6(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0, 0);
    if (set >= 0)
        log_label(P_NO_NEW_PRIVS, set - 1);
}

static void pipe_type_steps(void)
{
    struct statx sx;
    struct stat st;
    memset(&sx, 0, sizeof sx);
    memset(&st, 0, sizeof st);
    marker(P_STATX_PIPE, (long)logbuf, (long)&sx, 0, 0);
    if (sys6(SYS_statx, pipefd[0], (long)"", AT_EMPTY_PATH, STATX_TYPE, (long)&sx, 0) == 0)
        log_kind(P_STATX_PIPE, (long)((sx.stx_mode & S_IFMT) >> 12) - 1);
    marker(P_FSTATAT_PIPE, (long)logbuf, (long)&st, 0, 0);
    if (sys6(SYS_newfstatat, pipefd[0], (long)"", (long)&st, AT_EMPTY_PATH, 0, 0) == 0)
        log_kind(P_FSTATAT_PIPE, (long)((st.st_mode & S_IFMT) >> 12) - 1);
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
    memcpy(scratch, secret, SECRET_LEN);
    clear_vectors();
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    fstat_pipe_step();
    fstat_twice_step();
    statx_step();
    memfd_steps();
    pipe_back_step();
    fionread_step();
    eventfd_step();
    dents_step();
    readlink_step();
    getcwd_step();
    uname_step();
    sysinfo_step();
    socket_steps();
    affinity_step();
    comm_step();
    accmode_step();
    seek_cur_step();
    groups_step();
    auxv_steps(argc > 0 ? argv[0] : "");
    robust_step();
    tid_address_step();
    pipe_size_step();
    read_tail_step();
    uptime_step();
    no_new_privs_step();
    pipe_type_steps();

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
