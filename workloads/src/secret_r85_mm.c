/* The attack target of red-team round 85b: a MAP_PRIVATE view of a memfd only the
 * program holds (3 pages of 'x', secret_mm_kit.h's view_x()) whose page 2 is read (a
 * clean page: the file's page cache folio under Linux), then one futex call whose second
 * word is at page 2, then pwrite64() of 'y' changes the file.  Under Linux the call
 * stores at page 2 (futex_atomic_op_inuser(): the op at uaddr2, a write fault that
 * copies the folio, do_wp_page() -> wp_page_copy()), so page 2 keeps the copy's 'x':
 *   a: futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, 1, page 2, ADD 0, cmp 7): the op stores,
 *      then -ENOSYS (futex_atomic_op_inuser(): `default: return -ENOSYS;` for a cmp
 *      past FUTEX_OP_CMP_GE, after arch_futex_atomic_op_inuser()).
 *   b: futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, 1, page 2, ADD 0, cmp EQ 0): the op
 *      stores, then 0 (no waiter).
 * and calls whose output at page 2 no register sizes (an iovec, a msghdr, a length word),
 * that Linux answers without storing at page 2 (then page 2 reads 'y'):
 *   c: readv(/dev/null opened O_WRONLY, {page 2, 16}, 1): -EBADF (vfs_readv()).
 *   e: preadv(memfd, {page 2, 16}, 1, 3 pages): 0 (the file ends: shmem_file_read_iter()).
 *   f: recvfrom(an empty AF_UNIX datagram socket, page 2, 16, MSG_DONTWAIT, NULL, NULL):
 *      -EAGAIN (unix_dgram_recvmsg()).
 *   g: getsockopt(that socket, SOL_SOCKET, 9999, page 2, &len 4): -ENOPROTOOPT
 *      (sk_getsockopt()).
 *   h: recvmsg(that socket, {iov {page 2, 16}}, MSG_DONTWAIT): -EAGAIN.
 * and calls that may store and then fail, with registers that fail before any store:
 *   i: nanosleep({0, 2000000000}, page 2): -EINVAL (timespec64_valid()).
 *   j: capget({version 0, pid 0}, page 2): -EINVAL (cap_validate_magic() stores the
 *      header's version, not the data).
 *   k: ppoll(NULL, 0, page 2 (tv_nsec 'xxxx...' past a second), NULL, 8): -EINVAL
 *      (poll_select_set_timeout()).
 *   l: socketpair(AF_UNIX, SOCK_DGRAM | 0x10, 0, page 2): -EINVAL (__sys_socketpair()).
 *   m: copy_file_range(memfd, page 2, memfd, NULL, 16, 1): -EINVAL (flags).
 *   n: timer_create(16, NULL, page 2): -EINVAL (clockid_to_kclock()).
 *   o: pselect6(0, NULL, NULL, NULL, page 2 (as k), NULL): -EINVAL.
 * and more outputs no register sizes:
 *   p: getsockname(memfd, page 2, &len 16): -ENOTSOCK (sockfd_lookup_light()).
 *   q: accept4(an AF_UNIX datagram socket, page 2, &len 16, 0): -EOPNOTSUPP
 *      (sock_no_accept()).
 *   r: process_vm_readv(0x3fffffff, {page 2, 16}, 1, {logbuf, 16}, 1, 0): -ESRCH (no
 *      such pid: pids stop at PID_MAX_LIMIT).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS".
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r85b.py: P before the step's call (x2 the log buffer, x3 the
 * private mapping, x4 the memfd), P + 4 after page 2 is read and the step's call, before
 * the file changes (x2 the private mapping), P + 2 after the calls (x2 the private
 * mapping), P + 1 after the label.  Only the digest of the secret is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r85"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_WAKECMP 15000 /* (-a) futex(FUTEX_WAKE_OP_PRIVATE, page 2, ADD 0, cmp 7) */
#define P_WAKEEQ 15008  /* (-b) futex(FUTEX_WAKE_OP_PRIVATE, page 2, ADD 0, cmp EQ 0) */
#define P_READV 15016   /* (-c) readv(O_WRONLY fd, {page 2, 16}, 1) */
#define P_PREADV 15024  /* (-e) preadv(memfd, {page 2, 16}, 1, 3 pages) */
#define P_RECVFROM 15032 /* (-f) recvfrom(empty socket, page 2, 16, MSG_DONTWAIT) */
#define P_GETSOCKOPT 15040 /* (-g) getsockopt(socket, SOL_SOCKET, 9999, page 2, &4) */
#define P_RECVMSG 15048 /* (-h) recvmsg(empty socket, {page 2, 16}, MSG_DONTWAIT) */
#define P_NSLEEP 15056 /* (-i) nanosleep({0, 2e9}, page 2) */
#define P_CAPGET 15064 /* (-j) capget({version 0}, page 2) */
#define P_PPOLL 15072  /* (-k) ppoll(NULL, 0, page 2, NULL, 8) */
#define P_SOCKPAIR 15080 /* (-l) socketpair(AF_UNIX, SOCK_DGRAM | 0x10, 0, page 2) */
#define P_COPYRANGE 15088 /* (-m) copy_file_range(memfd, page 2, memfd, NULL, 16, 1) */
#define P_TIMERNEW 15096 /* (-n) timer_create(16, NULL, page 2) */
#define P_PSELECT 15104 /* (-o) pselect6(0, NULL, NULL, NULL, page 2, NULL) */
#define P_SOCKNAME 15112 /* (-p) getsockname(memfd, page 2, &16) */
#define P_ACCEPT 15120 /* (-q) accept4(datagram socket, page 2, &16, 0) */
#define P_VMREAD 15128 /* (-r) process_vm_readv(no such pid, {page 2, 16}, ...) */
#include <sys/socket.h>
#include <sys/uio.h>
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

static int word;
static struct iovec iov, riov;
static struct msghdr msg;
static socklen_t optlen;
static long req[2] = {0, 2000000000L};
static uint32_t caphdr[2];

/* The steps c..h: the call, its answer not looked at. */
static void call(int phase, long p2, long fd)
{
    int sv[2] = {-1, -1};
    iov.iov_base = (void *)p2;
    iov.iov_len = 16;
    if ((phase >= P_RECVFROM && phase <= P_RECVMSG) || phase == P_ACCEPT)
        sys6(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, (long)sv, 0, 0);
    switch (phase) {
    case P_READV: sys6(SYS_readv, devnull, (long)&iov, 1, 0, 0, 0); break;
    case P_PREADV: sys6(SYS_preadv, fd, (long)&iov, 1, 3 * PAGE, 0, 0); break;
    case P_RECVFROM: sys6(SYS_recvfrom, sv[0], p2, 16, MSG_DONTWAIT, 0, 0); break;
    case P_GETSOCKOPT:
        optlen = 4;
        sys6(SYS_getsockopt, sv[0], SOL_SOCKET, 9999, p2, (long)&optlen, 0);
        break;
    case P_RECVMSG:
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        sys6(SYS_recvmsg, sv[0], (long)&msg, MSG_DONTWAIT, 0, 0, 0);
        break;
    case P_NSLEEP: sys6(SYS_nanosleep, (long)req, p2, 0, 0, 0, 0); break;
    case P_CAPGET: sys6(SYS_capget, (long)caphdr, p2, 0, 0, 0, 0); break;
    case P_PPOLL: sys6(SYS_ppoll, 0, 0, p2, 0, 8, 0); break;
    case P_SOCKPAIR: sys6(SYS_socketpair, AF_UNIX, SOCK_DGRAM | 0x10, 0, p2, 0, 0); break;
    case P_COPYRANGE: sys6(SYS_copy_file_range, fd, p2, fd, 0, 16, 1); break;
    case P_TIMERNEW: sys6(SYS_timer_create, 16, 0, p2, 0, 0, 0); break;
    case P_PSELECT: sys6(SYS_pselect6, 0, 0, 0, 0, p2, 0); break;
    case P_SOCKNAME:
        optlen = 16;
        sys6(SYS_getsockname, fd, p2, (long)&optlen, 0, 0, 0);
        break;
    case P_ACCEPT:
        optlen = 16;
        sys6(SYS_accept4, sv[0], p2, (long)&optlen, 0, 0, 0);
        break;
    case P_VMREAD:
        riov.iov_base = logbuf + SECRET_LEN;
        riov.iov_len = 16;
        sys6(SYS_process_vm_readv, 0x3fffffff, (long)&iov, 1, (long)&riov, 1, 0);
        break;
    default: break;
    }
    if (sv[0] >= 0) {
        sys6(SYS_close, sv[0], 0, 0, 0, 0, 0);
        sys6(SYS_close, sv[1], 0, 0, 0, 0, 0);
    }
}

static void step(int phase)
{
    long fd, at = view_x(&fd), done = 0, ok;
    /* FUTEX_OP_ADD (1) << 28, oparg 0; cmp 7 (unknown) or FUTEX_OP_CMP_EQ (0), cmparg 0 */
    long op = (1L << 28) | (phase == P_WAKECMP ? 7L << 24 : 0);
    marker(phase, (long)logbuf, at, fd, 0);
    if (!valid(at)) {
        judge(phase, at, 0, 'x', 'x', 'x');
        return;
    }
    ok = filled(at + 2 * PAGE, 'x');
    if (phase == P_WAKECMP || phase == P_WAKEEQ)
        sys6(SYS_futex, (long)&word, 5 | 128 /* FUTEX_WAKE_OP_PRIVATE */, 1, 1,
             at + 2 * PAGE, op);
    else
        call(phase, at + 2 * PAGE, fd);
    ok = ok && filled(at + 2 * PAGE, 'x');
    marker(phase + 4, at, 0, 0, 0);
    done = ok && put_y(fd);
    judge(phase, at, done, 'x', 'x', phase == P_WAKECMP || phase == P_WAKEEQ ? 'x' : 'y');
    sys6(SYS_munmap, at, 3 * PAGE, 0, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *steps = step_letters(argc, argv, &show_digest);
    volatile uint8_t stackbuf[64];
    static const char letters[] = "abcefghijklmnopqr";
    static const int phases[] = {P_WAKECMP, P_WAKEEQ, P_READV, P_PREADV, P_RECVFROM,
                                 P_GETSOCKOPT, P_RECVMSG, P_NSLEEP, P_CAPGET, P_PPOLL,
                                 P_SOCKPAIR, P_COPYRANGE, P_TIMERNEW, P_PSELECT,
                                 P_SOCKNAME, P_ACCEPT, P_VMREAD};

    long mapped = start_secret(stackbuf);
    if (!mapped)
        return 1;
    announce_placed(mapped, stackbuf);
    for (const char *s = steps; *s; s++)
        for (int i = 0; letters[i]; i++)
            if (*s == letters[i])
                step(phases[i]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
