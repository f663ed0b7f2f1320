/* The attack target for what a program's processes tell each other and what the system
 * tells it about itself: bytes, counts and credentials through its own socketpairs, values
 * carried by queued signals, bytes moved into its own pipes inside the kernel, its own
 * /proc files and its own executable file.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step learns a value Linux fixes, turns it
 * into a label's index the way that value allows, and writes that label to /dev/null
 * (8 bytes).  Under Linux's contract the index is always 0..3 (or the step writes
 * nothing); a value Linux could not give points the write back into the secret's copy.
 * In the order they run:
 *
 *   1. An eventfd made before a fork; the child adds 5 (records it handled) and exits;
 *      the parent reaps it and reads the counter: 5 - count chooses the label.
 *   2. A SOCK_STREAM socketpair: the program writes the index byte 0 into one end and
 *      read()s it from the other; the (signed) byte chooses the label.
 *   3. The same through a SOCK_DGRAM socketpair with sendto() and recvfrom().
 *   4. The same through a SOCK_SEQPACKET socketpair with sendmsg() and recvmsg().
 *   5. A fork child writes the index byte 0 into a SOCK_STREAM socketpair and exits; the
 *      parent read()s it, then reaps the child.
 *   6. A SOCK_DGRAM socketpair whose receiving end has SO_PASSCRED: a fork child sends
 *      one byte with SCM_CREDENTIALS naming its own pid, uid and gid; the parent's
 *      recvmsg() finds the credentials: ucred.pid - child chooses the label.
 *   7. FIONREAD on a SOCK_STREAM socketpair end after 8 bytes went in at the other:
 *      (8 - waiting) / 8 chooses the label.
 *   8. sendmsg() of a 16-byte record on a SOCK_SEQPACKET socketpair: a record goes whole
 *      or not at all; (sent - 16) / 4 chooses the label.
 *   9. setsockopt(SO_RCVBUF, 4096), then getsockopt(SO_RCVBUF): Linux reports twice the
 *      value set (less where rmem_max is lower); (8192 - size) / 2048 chooses the label.
 *  10. A fork child sigqueue()s signal 40 with value 0 to its parent, which blocks it
 *      until it has reaped the child, then lets its SA_SIGINFO handler run: si_value
 *      chooses the label.
 *  11. sigqueue() of signal 41 with value 0 to itself while blocked, taken with
 *      rt_sigtimedwait(): si_value chooses the label.
 *  12. rt_tgsigqueueinfo() of signal 42 with value 0 to its own thread, unblocked: the
 *      handler runs before the call returns; si_value chooses the label.
 *  13. Two sigqueue()s of signal 43 to itself while blocked, sequence numbers 5 then 6,
 *      taken with rt_sigtimedwait(): real-time signals queue in order, so the second
 *      taken follows the first; the gap between them, second - first - 1, chooses the
 *      label.
 *  14. sigqueue() of signal 44 with value 0 to itself while blocked, read from a
 *      signalfd: ssi_int chooses the label.
 *  15. pread64() of the ELF header of /proc/self/exe: (e_phentsize - 56) / 8 chooses the
 *      label.
 *  16. The same through read() of the file by the path it was started as (argv[0]).
 *  17. /proc/self/status: its Pid line less getpid() chooses the label.
 *  18. /proc/self/cmdline: argc less the strings it holds chooses the label.
 *  19. /proc/self/environ: the environment's count less the strings it holds.
 *  20. /proc/self/maps after mmap() of a fresh page: the lines whose range holds that
 *      page, less 1, choose the label.
 *  21. /proc/self/fdinfo of a memfd after a 16-byte write: (pos - 16) / 8.
 *  22. A memfd holding the index byte 0, spliced into a pipe and read back.
 *  23. The same moved with sendfile().
 *  24. A fork child makes an eventfd holding 5 and passes it to its parent with
 *      SCM_RIGHTS over a socketpair; the parent reads the counter: 5 - count chooses the
 *      label.  (Runs after step 8.)
 *  25. mmap() of the first page of /proc/self/exe: (e_phentsize - 56) / 8.
 *  26. getdents64() of /proc/self/task (one thread): the entries naming a thread, less 1.
 *  27. readlinkat() of /proc/self/fd/N of its own pipe: the inode in "pipe:[inode]" less
 *      fstat()'s st_ino.
 *  28. getrlimit(RLIMIT_NOFILE), then /proc/self/limits: its "Max open files" soft limit
 *      less rlim_cur.
 *  29. prctl(PR_SET_NAME, "r26worker"), then /proc/self/comm: (bytes read - 10) / 2.
 *  31. A memfd a fork child maps MAP_SHARED and stores 7 into; the parent reaps it and
 *      pread()s the byte: byte - 7 chooses the label.
 *  32. A POSIX timer (timer_create, SIGEV_SIGNAL 45, sigev_value 0) armed for 1 ms while
 *      45 is blocked, taken with rt_sigtimedwait(): si_value chooses the label.
 *  33. sendfile() of 8 bytes of its own memfd, from offset 0, to /dev/null: Linux moves the
 *      offset it passed on by the count; (offset - count) / 8 chooses the label.
 *  34. The same with splice() of 1 byte of the memfd into its own pipe: offset - count.
 *  35. A vfork child writes the index byte 0 into the program's pipe and exits; the
 *      parent reads it: the (signed) byte chooses the label.
 *  36. A word of a MAP_SHARED anonymous page no other process maps: FUTEX_WAKE (shared)
 *      of every waiter; the helpers it started (none) less the waiters woken chooses the
 *      label.
 *  37. /dev/null passed to itself with SCM_RIGHTS over its own socketpair and received
 *      with MSG_CMSG_CLOEXEC: fcntl(F_GETFD) of the new descriptor, less FD_CLOEXEC.
 *  38. socketpair(SOCK_NONBLOCK): fcntl(F_GETFL)'s O_NONBLOCK bit, less 1.
 *  30. Only with -x, last: a pipe holding the index byte 0 kept across an execve() of
 *      itself with "-r FD"; the new image (a secret of its own) reads the byte and logs
 *      the label it names.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r26.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <time.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before the value is learnt (x2 the log buffer), P_x + 1 after its write
 * (x2 the index it used). */
#define P_EFD_FORK 2600
#define P_STREAM 2602
#define P_DGRAM 2604
#define P_SEQPACKET 2606
#define P_CHILD_STREAM 2608
#define P_CREDS 2610       /* x3 the child */
#define P_FIONREAD 2612
#define P_SEQ_SENT 2614
#define P_RCVBUF 2616
#define P_SIGQUEUE_CHILD 2618
#define P_SIGWAIT_VALUE 2620
#define P_TGSIGQUEUE 2622
#define P_RT_ORDER 2624
#define P_SIGNALFD_VALUE 2626
#define P_EXE_PREAD 2628
#define P_EXE_READ 2630
#define P_STATUS_PID 2632  /* x3 the pid */
#define P_CMDLINE 2634     /* x3 argc */
#define P_ENVIRON 2636     /* x3 the environment's count */
#define P_MAPS 2638        /* x3 the fresh page */
#define P_FDINFO 2640
#define P_SPLICE 2642
#define P_SENDFILE 2644
#define P_RIGHTS_CHILD 2646
#define P_EXE_MMAP 2648
#define P_TASKS 2650
#define P_FD_LINK 2652     /* x3 the pipe's st_ino */
#define P_LIMITS 2654      /* x3 rlim_cur */
#define P_COMM 2656
#define P_EXEC_PIPE 2658   /* in the exec'd image */
#define P_MEMFD_SHARED 2660
#define P_TIMER_VALUE 2662
#define P_SENDFILE_OFF 2664
#define P_SPLICE_OFF 2666
#define P_VFORK_PIPE 2668
#define P_FUTEX_WAKE 2670
#define P_CMSG_CLOEXEC 2672
#define P_NONBLOCK 2674
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static char text[8192];             /* what a /proc file read returns */
/* A page holding a copy of the secret at SECRET_OFF (the referee checks it is intact). */
static uint8_t heapcopy[PAGE] __attribute__((aligned(4096)));
static volatile long sig_value;     /* si_value a handler saw */
static volatile int sig_seen;

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

static void closeboth(int *fds)
{
    close(fds[0]);
    close(fds[1]);
}

/* 1. */
static void efd_fork_step(void)
{
    int efd = eventfd(0, 0);
    if (efd < 0)
        return;
    marker(P_EFD_FORK, (long)logbuf, 0, 0, 0);
    pid_t child = fork();
    if (child == 0) {
        uint64_t handled = 5;
        sys6(SYS_write, efd, (long)&handled, 8, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (child < 0 || waitpid(child, NULL, 0) != child) {
        close(efd);
        return;
    }
    uint64_t count = 0;
    if (read(efd, &count, 8) == 8)
        log_label(P_EFD_FORK, 5 - (long)count);
    close(efd);
}

/* 2-4: one index byte through the program's own socketpair. */
static void pair_step(int phase, int type)
{
    int sv[2];
    int8_t idx = 0, got = 0;
    if (socketpair(AF_UNIX, type, 0, sv) != 0)
        return;
    marker(phase, (long)logbuf, 0, 0, 0);
    long n = -1;
    if (type == SOCK_STREAM) {
        if (write(sv[0], &idx, 1) == 1)
            n = read(sv[1], &got, 1);
    } else if (type == SOCK_DGRAM) {
        if (sendto(sv[0], &idx, 1, 0, NULL, 0) == 1)
            n = recvfrom(sv[1], &got, 1, 0, NULL, NULL);
    } else {
        struct iovec out = {&idx, 1}, in = {&got, 1};
        struct msghdr m = {0};
        m.msg_iov = &out;
        m.msg_iovlen = 1;
        if (sendmsg(sv[0], &m, 0) == 1) {
            m.msg_iov = &in;
            n = recvmsg(sv[1], &m, 0);
        }
    }
    if (n == 1)
        log_label(phase, got);
    closeboth(sv);
}

/* 5. */
static void child_stream_step(void)
{
    int sv[2];
    int8_t got = 0;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    marker(P_CHILD_STREAM, (long)logbuf, 0, 0, 0);
    pid_t child = fork();
    if (child == 0) {
        int8_t idx = 0;
        sys6(SYS_write, sv[0], (long)&idx, 1, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (child > 0) {
        long n = read(sv[1], &got, 1);
        waitpid(child, NULL, 0);
        if (n == 1)
            log_label(P_CHILD_STREAM, got);
    }
    closeboth(sv);
}

/* 6. */
static void creds_step(void)
{
    int sv[2], one = 1;
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
        return;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    pid_t child = fork();
    if (child == 0) {
        union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(struct ucred))]; } c;
        struct ucred me = {getpid(), getuid(), getgid()};
        char byte = 'c';
        struct iovec iov = {&byte, 1};
        struct msghdr m = {0};
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = c.buf;
        m.msg_controllen = sizeof c.buf;
        c.h.cmsg_len = CMSG_LEN(sizeof me);
        c.h.cmsg_level = SOL_SOCKET;
        c.h.cmsg_type = SCM_CREDENTIALS;
        memcpy(CMSG_DATA(&c.h), &me, sizeof me);
        if (sendmsg(sv[0], &m, 0) != 1)
            sys6(SYS_write, sv[0], (long)&byte, 1, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (child < 0) {
        closeboth(sv);
        return;
    }
    marker(P_CREDS, (long)logbuf, child, 0, 0);
    union { struct cmsghdr h; char buf[64]; } c;
    char byte;
    struct iovec iov = {&byte, 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = c.buf;
    m.msg_controllen = sizeof c.buf;
    long n = recvmsg(sv[1], &m, 0);
    waitpid(child, NULL, 0);
    if (n == 1) {
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
            if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_CREDENTIALS) {
                struct ucred who;
                memcpy(&who, CMSG_DATA(h), sizeof who);
                log_label(P_CREDS, (long)who.pid - child);
                break;
            }
        }
    }
    closeboth(sv);
}

/* 7. */
static void fionread_step(void)
{
    int sv[2], waiting = 0;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    if (write(sv[0], "8 bytes.", 8) == 8) {
        marker(P_FIONREAD, (long)logbuf, 0, 0, 0);
        if (sys6(SYS_ioctl, sv[1], FIONREAD, (long)&waiting, 0, 0, 0) == 0)
            log_label(P_FIONREAD, (8 - waiting) / 8);
    }
    closeboth(sv);
}

/* 8. */
static void seq_sent_step(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
        return;
    char record[16] = "record: 16 bytes";
    struct iovec iov = {record, sizeof record};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    marker(P_SEQ_SENT, (long)logbuf, 0, 0, 0);
    long sent = sendmsg(sv[0], &m, 0);
    if (sent >= 0)
        log_label(P_SEQ_SENT, (sent - 16) / 4);
    closeboth(sv);
}

/* 9. */
static void rcvbuf_step(void)
{
    int sv[2], size = 4096;
    socklen_t len = sizeof size;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    if (setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &size, sizeof size) == 0) {
        marker(P_RCVBUF, (long)logbuf, 0, 0, 0);
        if (getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &size, &len) == 0)
            log_label(P_RCVBUF, (8192 - size) / 2048);
    }
    closeboth(sv);
}

/* 10-14: values queued signals carry. */
static void on_queued(int sig, siginfo_t *info, void *uc)
{
    (void)sig;
    (void)uc;
    sig_value = info->si_value.sival_int;
    sig_seen = 1;
}

static void catch_queued(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_queued;
    sa.sa_flags = SA_SIGINFO;
    sigaction(sig, &sa, NULL);
}

static void block(int sig, int how)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(how, &set, NULL);
}

static void sigqueue_child_step(void)
{
    pid_t parent = getpid();
    catch_queued(40);
    block(40, SIG_BLOCK);
    sig_seen = 0;
    marker(P_SIGQUEUE_CHILD, (long)logbuf, 0, 0, 0);
    pid_t child = fork();
    if (child == 0) {
        union sigval v = {.sival_int = 0};
        sigqueue(parent, 40, v);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (child > 0)
        waitpid(child, NULL, 0);
    block(40, SIG_UNBLOCK);
    if (sig_seen)
        log_label(P_SIGQUEUE_CHILD, sig_value);
}

static void sigwait_value_step(void)
{
    sigset_t set;
    siginfo_t info;
    sigemptyset(&set);
    sigaddset(&set, 41);
    sigprocmask(SIG_BLOCK, &set, NULL);
    marker(P_SIGWAIT_VALUE, (long)logbuf, 0, 0, 0);
    union sigval v = {.sival_int = 0};
    if (sigqueue(getpid(), 41, v) == 0 && sigtimedwait(&set, &info, NULL) == 41)
        log_label(P_SIGWAIT_VALUE, info.si_value.sival_int);
}

static void tgsigqueue_step(void)
{
    siginfo_t info;
    catch_queued(42);
    sig_seen = 0;
    memset(&info, 0, sizeof info);
    info.si_signo = 42;
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    info.si_value.sival_int = 0;
    marker(P_TGSIGQUEUE, (long)logbuf, 0, 0, 0);
    if (syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), 42, &info) == 0 && sig_seen)
        log_label(P_TGSIGQUEUE, sig_value);
}

static void rt_order_step(void)
{
    sigset_t set;
    siginfo_t info;
    sigemptyset(&set);
    sigaddset(&set, 43);
    sigprocmask(SIG_BLOCK, &set, NULL);
    marker(P_RT_ORDER, (long)logbuf, 0, 0, 0);
    union sigval first = {.sival_int = 5}, second = {.sival_int = 6};
    if (sigqueue(getpid(), 43, first) != 0 || sigqueue(getpid(), 43, second) != 0)
        return;
    if (sigtimedwait(&set, &info, NULL) == 43) {
        long seq = info.si_value.sival_int;
        if (sigtimedwait(&set, &info, NULL) == 43)
            log_label(P_RT_ORDER, info.si_value.sival_int - seq - 1);
    }
}

static void signalfd_value_step(void)
{
    sigset_t set;
    struct signalfd_siginfo ssi;
    sigemptyset(&set);
    sigaddset(&set, 44);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, 0);
    if (sfd < 0)
        return;
    marker(P_SIGNALFD_VALUE, (long)logbuf, 0, 0, 0);
    union sigval v = {.sival_int = 0};
    if (sigqueue(getpid(), 44, v) == 0 && read(sfd, &ssi, sizeof ssi) == sizeof ssi)
        log_label(P_SIGNALFD_VALUE, ssi.ssi_int);
    close(sfd);
}

/* 15-16: the program's own executable file. */
static void exe_step(int phase, const char *path, int positioned)
{
    uint8_t hdr[64];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    marker(phase, (long)logbuf, 0, 0, 0);
    long n = positioned ? pread(fd, hdr, sizeof hdr, 0) : read(fd, hdr, sizeof hdr);
    if (n == sizeof hdr) {
        uint16_t phentsize = (uint16_t)(hdr[54] | hdr[55] << 8);
        log_label(phase, ((long)phentsize - 56) / 8);
    }
    close(fd);
}

/* 17-21: /proc files about the program itself. */
static long read_text(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = read(fd, text, sizeof text - 1);
    close(fd);
    text[n > 0 ? n : 0] = 0;
    return n;
}

static long count_strings(long n)
{
    long count = 0;
    for (long i = 0; i < n; i++)
        count += text[i] == 0;
    return count;
}

static long number_after(const char *key)
{
    char *at = strstr(text, key);
    long v = 0;
    if (!at)
        return -1;
    for (at += strlen(key); *at == ' ' || *at == '\t'; at++)
        ;
    for (; *at >= '0' && *at <= '9'; at++)
        v = v * 10 + (*at - '0');
    return v;
}

static void status_step(void)
{
    long pid = getpid();
    marker(P_STATUS_PID, (long)logbuf, pid, 0, 0);
    if (read_text("/proc/self/status") > 0) {
        long said = number_after("\nPid:");
        if (said >= 0)
            log_label(P_STATUS_PID, said - pid);
    }
}

static void strings_step(int phase, const char *path, long expected)
{
    marker(phase, (long)logbuf, expected, 0, 0);
    long n = read_text(path);
    if (n > 0)
        log_label(phase, expected - count_strings(n));
}

/* The lines of a maps text whose range holds `addr` (an area may have merged with a
 * neighbour, so its line need not start at the address the program mapped). */
static long lines_holding(unsigned long addr)
{
    long lines = 0;
    for (char *line = text; line && *line;) {
        char *end;
        unsigned long lo = strtoul(line, &end, 16), hi = 0;
        if (*end == '-')
            hi = strtoul(end + 1, NULL, 16);
        lines += lo <= addr && addr < hi;
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return lines;
}

static void maps_step(void)
{
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (!valid(page))
        return;
    marker(P_MAPS, (long)logbuf, page, 0, 0);
    if (read_text("/proc/self/maps") > 0)
        log_label(P_MAPS, lines_holding((unsigned long)page) - 1);
    sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
}

static void fdinfo_step(void)
{
    char path[40] = "/proc/self/fdinfo/";
    int mfd = memfd_create("r26-fdinfo", 0);
    if (mfd < 0)
        return;
    if (write(mfd, "sixteen bytes...", 16) == 16) {
        int len = (int)strlen(path);
        if (mfd >= 10)
            path[len++] = (char)('0' + mfd / 10);
        path[len++] = (char)('0' + mfd % 10);
        path[len] = 0;
        marker(P_FDINFO, (long)logbuf, mfd, 0, 0);
        if (read_text(path) > 0) {
            long pos = number_after("pos:");
            if (pos >= 0)
                log_label(P_FDINFO, (pos - 16) / 8);
        }
    }
    close(mfd);
}

/* 22-23: bytes moved from the program's own memfd into its own pipe inside the kernel. */
static void moved_step(int phase, int spliced)
{
    int p[2];
    int8_t idx = 0, got = 0;
    int mfd = memfd_create("r26-moved", 0);
    if (mfd < 0)
        return;
    if (write(mfd, &idx, 1) == 1 && pipe2(p, 0) == 0) {
        loff_t off = 0;
        marker(phase, (long)logbuf, 0, 0, 0);
        long moved = spliced ? splice(mfd, &off, p[1], NULL, 1, 0)
                             : sendfile(p[1], mfd, (off_t *)&off, 1);
        if (moved == 1 && read(p[0], &got, 1) == 1)
            log_label(phase, got);
        closeboth(p);
    }
    close(mfd);
}

/* 24. */
static void rights_child_step(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    marker(P_RIGHTS_CHILD, (long)logbuf, 0, 0, 0);
    pid_t child = fork();
    if (child == 0) {
        int efd = eventfd(5, 0);
        union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } c;
        char byte = 'r';
        struct iovec iov = {&byte, 1};
        struct msghdr m = {0};
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = c.buf;
        m.msg_controllen = sizeof c.buf;
        c.h.cmsg_len = CMSG_LEN(sizeof efd);
        c.h.cmsg_level = SOL_SOCKET;
        c.h.cmsg_type = SCM_RIGHTS;
        memcpy(CMSG_DATA(&c.h), &efd, sizeof efd);
        if (efd < 0 || sendmsg(sv[0], &m, 0) != 1)
            sys6(SYS_write, sv[0], (long)&byte, 1, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    if (child < 0) {
        closeboth(sv);
        return;
    }
    union { struct cmsghdr h; char buf[64]; } c;
    char byte;
    struct iovec iov = {&byte, 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = c.buf;
    m.msg_controllen = sizeof c.buf;
    long n = recvmsg(sv[1], &m, 0);
    waitpid(child, NULL, 0);
    struct cmsghdr *h = n == 1 ? CMSG_FIRSTHDR(&m) : NULL;
    if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
        int efd;
        uint64_t count = 0;
        memcpy(&efd, CMSG_DATA(h), sizeof efd);
        if (read(efd, &count, 8) == 8)
            log_label(P_RIGHTS_CHILD, 5 - (long)count);
        close(efd);
    }
    closeboth(sv);
}

/* 25. */
static void exe_mmap_step(void)
{
    marker(P_EXE_MMAP, (long)logbuf, 0, 0, 0);
    int fd = open("/proc/self/exe", O_RDONLY);
    if (fd < 0)
        return;
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    if (valid(page)) {
        const uint8_t *hdr = (const uint8_t *)page;
        uint16_t phentsize = (uint16_t)(hdr[54] | hdr[55] << 8);
        log_label(P_EXE_MMAP, ((long)phentsize - 56) / 8);
        sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
    }
    close(fd);
}

/* 26. */
static void tasks_step(void)
{
    int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return;
    marker(P_TASKS, (long)logbuf, 0, 0, 0);
    long n = sys6(SYS_getdents64, fd, (long)text, sizeof text, 0, 0, 0);
    if (n > 0) {
        long threads = 0;
        for (long at = 0; at + 19 < n;) {
            struct dirent64 *d = (struct dirent64 *)(text + at);
            threads += d->d_name[0] != '.';
            if (d->d_reclen == 0)
                break;
            at += d->d_reclen;
        }
        log_label(P_TASKS, threads - 1);
    }
    close(fd);
}

/* 27. */
static void fd_link_step(void)
{
    int p[2];
    struct stat st;
    char path[40] = "/proc/self/fd/", link[64];
    if (pipe2(p, 0) != 0)
        return;
    if (fstat(p[0], &st) == 0) {
        int len = (int)strlen(path);
        if (p[0] >= 10)
            path[len++] = (char)('0' + p[0] / 10);
        path[len++] = (char)('0' + p[0] % 10);
        path[len] = 0;
        marker(P_FD_LINK, (long)logbuf, (long)st.st_ino, 0, 0);
        long n = readlink(path, link, sizeof link - 1);
        if (n > 7 && memcmp(link, "pipe:[", 6) == 0) {
            link[n] = 0;
            long said = strtol(link + 6, NULL, 10);
            log_label(P_FD_LINK, said - (long)st.st_ino);
        }
    }
    closeboth(p);
}

/* 28. */
static void limits_step(void)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur > 1000000)
        return;
    marker(P_LIMITS, (long)logbuf, (long)lim.rlim_cur, 0, 0);
    if (read_text("/proc/self/limits") > 0) {
        long soft = number_after("Max open files");
        if (soft >= 0)
            log_label(P_LIMITS, soft - (long)lim.rlim_cur);
    }
}

/* 29. */
static void comm_step(void)
{
    if (prctl(PR_SET_NAME, "r26worker", 0, 0, 0) != 0)
        return;
    marker(P_COMM, (long)logbuf, 0, 0, 0);
    long n = read_text("/proc/self/comm");
    if (n > 0)
        log_label(P_COMM, (n - 10) / 2);
}

/* 31. */
static void memfd_shared_step(void)
{
    int mfd = memfd_create("r26-shared", 0);
    if (mfd < 0)
        return;
    if (ftruncate(mfd, PAGE) != 0) {
        close(mfd);
        return;
    }
    marker(P_MEMFD_SHARED, (long)logbuf, 0, 0, 0);
    pid_t child = fork();
    if (child == 0) {
        long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
        if (valid(page))
            *(volatile uint8_t *)page = 7;
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    uint8_t got = 0;
    if (child > 0 && waitpid(child, NULL, 0) == child && pread(mfd, &got, 1, 0) == 1)
        log_label(P_MEMFD_SHARED, (long)got - 7);
    close(mfd);
}

/* 32. */
static void timer_value_step(void)
{
    sigset_t set;
    siginfo_t info;
    timer_t timer;
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = 45;
    ev.sigev_value.sival_int = 0;
    sigemptyset(&set);
    sigaddset(&set, 45);
    sigprocmask(SIG_BLOCK, &set, NULL);
    if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &timer) != 0)
        return;
    struct itimerspec once = {{0, 0}, {0, 1000000}};
    marker(P_TIMER_VALUE, (long)logbuf, 0, 0, 0);
    if (syscall(SYS_timer_settime, timer, 0, &once, NULL) == 0 &&
        sigtimedwait(&set, &info, NULL) == 45)
        log_label(P_TIMER_VALUE, info.si_value.sival_int);
    syscall(SYS_timer_delete, timer);
}

/* 33-34. */
static void moved_offset_step(int phase, int spliced)
{
    int p[2];
    int mfd = memfd_create("r26-offset", 0);
    if (mfd < 0)
        return;
    if (write(mfd, "eight b.", 8) == 8 && pipe2(p, 0) == 0) {
        loff_t off = 0;
        marker(phase, (long)logbuf, 0, 0, 0);
        long moved = spliced ? splice(mfd, &off, p[1], NULL, 1, 0)
                             : sendfile(devnull, mfd, (off_t *)&off, 8);
        if (moved > 0)
            log_label(phase, spliced ? (long)off - moved : ((long)off - moved) / 8);
        closeboth(p);
    }
    close(mfd);
}

/* 35. */
static void vfork_pipe_step(void)
{
    int p[2];
    int8_t got = 0;
    if (pipe2(p, 0) != 0)
        return;
    marker(P_VFORK_PIPE, (long)logbuf, 0, 0, 0);
    pid_t child = vfork();
    if (child == 0) {
        static const int8_t idx = 0;
        sys6(SYS_write, p[1], (long)&idx, 1, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (child > 0) {
        long n = read(p[0], &got, 1);
        waitpid(child, NULL, 0);
        if (n == 1)
            log_label(P_VFORK_PIPE, got);
    }
    closeboth(p);
}

/* 36. */
static void futex_wake_step(void)
{
    long page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
    if (!valid(page))
        return;
    *(volatile int *)page = 1;
    long helpers = 0;
    marker(P_FUTEX_WAKE, (long)logbuf, 0, 0, 0);
    long woken = sys6(SYS_futex, page, FUTEX_WAKE, 0x7fffffff, 0, 0, 0);
    if (woken >= 0)
        log_label(P_FUTEX_WAKE, helpers - woken);
    sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
}

/* 37. */
static void cmsg_cloexec_step(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } c;
    char byte = 'n';
    struct iovec iov = {&byte, 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = c.buf;
    m.msg_controllen = sizeof c.buf;
    c.h.cmsg_len = CMSG_LEN(sizeof devnull);
    c.h.cmsg_level = SOL_SOCKET;
    c.h.cmsg_type = SCM_RIGHTS;
    memcpy(CMSG_DATA(&c.h), &devnull, sizeof devnull);
    if (sendmsg(sv[0], &m, 0) == 1) {
        m.msg_controllen = sizeof c.buf;
        if (recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC) == 1 && m.msg_controllen >= CMSG_LEN(4) &&
            c.h.cmsg_type == SCM_RIGHTS) {
            int got;
            memcpy(&got, CMSG_DATA(&c.h), sizeof got);
            marker(P_CMSG_CLOEXEC, (long)logbuf, got, 0, 0);
            long fl = fcntl(got, F_GETFD);
            if (fl >= 0)
                log_label(P_CMSG_CLOEXEC, fl - FD_CLOEXEC);
            close(got);
        }
    }
    closeboth(sv);
}

/* 38. */
static void nonblock_step(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
        return;
    marker(P_NONBLOCK, (long)logbuf, 0, 0, 0);
    long fl = fcntl(sv[0], F_GETFL);
    if (fl >= 0)
        log_label(P_NONBLOCK, ((fl & O_NONBLOCK) ? 1 : 0) - 1);
    closeboth(sv);
}

/* 30, before the exec. */
static void exec_pipe_step(const char *self, char **envp)
{
    int p[2];
    int8_t idx = 0;
    char fdtext[8];
    if (pipe2(p, 0) != 0 || write(p[1], &idx, 1) != 1)
        return;
    fdtext[0] = (char)('0' + p[0] % 10);
    fdtext[1] = 0;
    char *args[] = {(char *)self, "-d", "-r", fdtext, NULL};
    if (p[0] < 10)
        sys6(SYS_execve, (long)self, (long)args, (long)envp, 0, 0, 0);
    closeboth(p);
}

/* 30, in the exec'd image. */
static void exec_pipe_read(int fd)
{
    int8_t got = 0;
    marker(P_EXEC_PIPE, (long)logbuf, 0, 0, 0);
    if (read(fd, &got, 1) == 1)
        log_label(P_EXEC_PIPE, got);
}

int main(int argc, char **argv, char **envp)
{
    int show_digest = 0;
    long envc = 0;
    int kept_fd = -1, exec_too = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        exec_too |= strcmp(argv[i], "-x") == 0;
        if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            kept_fd = argv[i + 1][0] - '0';
    }
    while (envp[envc])
        envc++;
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
        say("secret: getrandom failed\n");
        return 1;
    }
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    memcpy(heapcopy + SECRET_OFF, secret, SECRET_LEN);
    for (int i = 0; i < 16; i++)
        stackbuf[i] = 0;
    for (int i = 0; i < SECRET_LEN; i++)
        stackbuf[16 + i] = ((uint8_t *)secret)[i];
    marker(P_PLACED, (long)heapcopy, (long)stackbuf, 0, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    if (kept_fd >= 0) {
        exec_pipe_read(kept_fd);
        goto done;
    }
    efd_fork_step();
    vfork_pipe_step();
    pair_step(P_STREAM, SOCK_STREAM);
    pair_step(P_DGRAM, SOCK_DGRAM);
    pair_step(P_SEQPACKET, SOCK_SEQPACKET);
    child_stream_step();
    creds_step();
    fionread_step();
    seq_sent_step();
    rights_child_step();
    rcvbuf_step();
    futex_wake_step();
    cmsg_cloexec_step();
    nonblock_step();
    memfd_shared_step();
    sigqueue_child_step();
    sigwait_value_step();
    tgsigqueue_step();
    rt_order_step();
    signalfd_value_step();
    timer_value_step();
    exe_step(P_EXE_PREAD, "/proc/self/exe", 1);
    exe_step(P_EXE_READ, argv[0], 0);
    status_step();
    strings_step(P_CMDLINE, "/proc/self/cmdline", argc);
    strings_step(P_ENVIRON, "/proc/self/environ", envc);
    maps_step();
    fdinfo_step();
    moved_step(P_SPLICE, 1);
    moved_step(P_SENDFILE, 0);
    moved_offset_step(P_SENDFILE_OFF, 0);
    moved_offset_step(P_SPLICE_OFF, 1);
    exe_mmap_step();
    tasks_step();
    fd_link_step();
    limits_step();
    comm_step();
    if (exec_too)
        exec_pipe_step(argv[0], envp);

done:;

    int bad = memcmp(logbuf, secret, SECRET_LEN) != 0 ||
              memcmp(heapcopy + SECRET_OFF, secret, SECRET_LEN) != 0;
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
