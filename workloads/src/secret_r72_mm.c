/* The attack target of red-team round 72b: untouched MAP_PRIVATE views of memfds only
 * the program holds (3 pages of 'x' unless told), whose file's bytes change after the
 * mmap by ways the Guardian may not follow; each step checks the view's pages at their
 * first fault (filemap_fault() -> shmem_fault(): the file as it is then).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS" (none by default):
 *
 *   a (P_TRUNCPATH) truncate("/proc/self/fd/N", PAGE), ftruncate(fd, 3 * PAGE): page 0
 *     'x', pages 1 and 2 zeros (do_sys_truncate() -> shmem_setattr()).
 *   b (P_FORKSTORE) a writable MAP_SHARED view too; a fork child stores 's' through the
 *     inherited shared view at page 2 and exits: page 2 reads 's'.
 *   c (P_SCMWRITE) the memfd sent to the program itself with SCM_RIGHTS over a
 *     socketpair, pwrite64() of 'y' at page 2 through the received descriptor.
 *   e (P_PARTIAL) pwrite64() of 2 pages at offset PAGE from a buffer whose second page is
 *     PROT_NONE: Linux writes one page and answers PAGE (generic_perform_write()).
 *   g (P_MREMAPSH) a writable MAP_SHARED view moved by mremap(MREMAP_FIXED), 'r' stored
 *     through it at page 2.
 *   h (P_APPENDLB) a 3-page view of a 1-page memfd; write() of 'z' at offset PAGE grows
 *     it, then an O_APPEND write() of 'w' lands at page 2.
 *   j (P_CHILDPIPE) splice() to page 2 from a pipe a fork child filled with 'c'.
 *   i (P_TEEPIPE) tee() of a page of 'e' into a second pipe, splice() from it to page 2.
 *   k (P_PVWRITE) process_vm_writev() of 'q' into the program's own shared view, page 2.
 *   m (P_DONTUNMAPSH) a writable MAP_SHARED view's page 2 moved by mremap(MREMAP_MAYMOVE |
 *     MREMAP_DONTUNMAP), 'u' stored at its new place: the private view's page 2 reads 'u'.
 *   n (P_FORKEXIT) a fork child exits at once; pwrite64() of 'y' at page 2 after.
 *   o (P_ROSHARED) a PROT_READ MAP_SHARED view (x3 at the first marker, x2 at the second),
 *     pwrite64() of 'y' at page 2: the shared view's page 2 reads 'y'.
 *   p (P_FORKREAD) a writable MAP_SHARED view too; a fork child only reads its page 2
 *     and exits; pwrite64() of 'y' at page 2 after: page 1 'x', page 2 'y'.
 *   r (P_COPYSELF) pwrite64() of 'y' at page 0, copy_file_range() of page 0 to page 2 of
 *     the same memfd: page 0 and 2 'y', page 1 'x'.
 *   q (P_SIGBUS) ftruncate(fd, PAGE): a read of page 2 of the view raises SIGBUS (past
 *     the end: shmem_fault() -> VM_FAULT_SIGBUS); the step checks the signal came.
 *   s (P_CHILDFAULT) pwrite64() of 'y' at page 2, then a fork child reads page 2 of the
 *     inherited untouched view ('y') and exits 0 if so; the parent's page 2 reads 'y'.
 *   t (P_TMPFILE) an O_TMPFILE file in /tmp of 3 pages of 'x' mapped MAP_PRIVATE,
 *     pwrite64() of 'y' at page 2: page 2 reads 'y'.
 *   u (P_STORED) page 0 of the view stored 'A' (its private copy), pwrite64() of 'y' at
 *     page 0: page 0 keeps 'A', pages 1 and 2 'x'.
 *   v (P_PAGEOUT) page 0 stored 'A', madvise(MADV_PAGEOUT) of the view (the private copy
 *     goes to swap, its content kept), pwrite64() of 'y' at page 0: page 0 keeps 'A'.
 *   w (P_CHILDWRITE) a fork child pwrite64()s 'c' at page 2 and exits: page 2 reads 'c'.
 *   x (P_VMSPLICE) vmsplice() of a page of 'V' into a pipe, splice() from it to page 2.
 *   y (P_CHILDCUT) a fork child cuts the memfd to PAGE and grows it back: pages 1 and 2
 *     of the parent's untouched view read zeros, page 0 'x'.
 *   z (P_DONTUNMAPPRIV) pwrite64() of 'y' at page 0 after the mmap, then page 0 (never
 *     faulted) moved by mremap(MREMAP_MAYMOVE | MREMAP_DONTUNMAP): the new place and the
 *     old page 0 both read 'y' (the marker after: x2 the view, x3 the new place).
 *   f (P_GAPWRITE) a 3-page view of a 1-page memfd of 'x', pwrite64() of 'y' at page 2
 *     (past the end): page 1 a hole, zeros, page 2 'y'.
 *   l (P_PARTIALV) pwritev() of two iovecs at offset PAGE, the second PROT_NONE: short.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r72b.py: P before the step's calls (x2 the log buffer, x3 the
 * private mapping, x4 the memfd), P + 2 after them, before the pages are read (x2 the
 * private mapping), P + 1 after the label.  Only the digest of the secret is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r72"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_TRUNCPATH 9200   /* (-a) truncate("/proc/self/fd/N") cut, ftruncate regrow */
#define P_FORKSTORE 9204   /* (-b) a fork child stores through an inherited shared view */
#define P_SCMWRITE 9208    /* (-c) pwrite64 through a descriptor SCM_RIGHTS handed back */
#define P_PARTIAL 9212     /* (-e) pwrite64 of 2 pages whose second is PROT_NONE: short */
#define P_MREMAPSH 9216    /* (-g) a shared view moved by mremap, a store through it */
#define P_APPENDLB 9220    /* (-h) write() grows the memfd, then an O_APPEND write */
#define P_CHILDPIPE 9224   /* (-j) splice from a pipe a fork child filled */
#define P_TEEPIPE 9228     /* (-i) tee() into a second pipe, splice from it */
#define P_PVWRITE 9232     /* (-k) process_vm_writev into the program's own shared view */
#define P_PARTIALV 9236    /* (-l) writev of two iovecs, the second unreadable: short */
#define P_DONTUNMAPSH 9240 /* (-m) a shared page moved by MREMAP_DONTUNMAP, a store there */
#define P_FORKEXIT 9244    /* (-n) a fork child exits, then pwrite64 of page 2 */
#define P_ROSHARED 9248    /* (-o) a PROT_READ shared view, pwrite64 of page 2 */
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#define P_FORKREAD 9252    /* (-p) a fork child only reads the shared view, then pwrite64 */
#define P_COPYSELF 9256    /* (-r) copy_file_range() of page 0 to page 2 of the same memfd */
#define P_SIGBUS 9260      /* (-q) cut to PAGE: page 2 of the view faults SIGBUS */
#define P_CHILDFAULT 9264  /* (-s) a fork child faults the inherited untouched view */
#define P_TMPFILE 9268     /* (-t) an O_TMPFILE file's private view, pwrite64 of page 2 */
#define P_STORED 9272      /* (-u) page 0 stored 'A', then pwrite64 of 'y' at page 0 */
#define P_PAGEOUT 9276     /* (-v) page 0 stored 'A', MADV_PAGEOUT, pwrite64 of 'y' there */
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#define P_CHILDWRITE 9280  /* (-w) a fork child pwrite64s 'c' at page 2 */
#define P_VMSPLICE 9284    /* (-x) vmsplice() of 'V' into a pipe, splice() to page 2 */
#define P_CHILDCUT 9288    /* (-y) a fork child cuts the memfd to PAGE and grows it back */
#define P_DONTUNMAPPRIV 9292 /* (-z) pwrite64 of page 0, MREMAP_DONTUNMAP of untouched page 0 */
#define P_GAPWRITE 9296   /* (-f) a 3-page view of a 1-page memfd, pwrite64 at page 2 */
#include <sys/socket.h>
#include <sys/uio.h>
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

static int filled(long at, int c)
{
    for (long i = 0; i < PAGE; i++)
        if (((volatile uint8_t *)at)[i] != (uint8_t)c)
            return 0;
    return 1;
}

static uint8_t page_p[PAGE];

/* A memfd of `pages` pages of `c` (pwrite64), mapped MAP_PRIVATE over `span` pages. */
static long fresh_map(long pages, long span, int c, long *fd)
{
    *fd = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0);
    if (*fd < 0 || sys6(SYS_ftruncate, *fd, pages * PAGE, 0, 0, 0, 0) != 0)
        return -1;
    memset(page_p, c, sizeof page_p);
    for (long i = 0; i < pages; i++)
        if (sys6(SYS_pwrite64, *fd, (long)page_p, PAGE, i * PAGE, 0, 0) != PAGE)
            return -1;
    long at = sys6(SYS_mmap, 0, span * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, *fd, 0);
    return valid(at) ? at : -1;
}

/* An untouched 3-page MAP_PRIVATE view of a memfd of 3 pages of 'x'. */
static long view_x(long *fd)
{
    return fresh_map(3, 3, 'x', fd);
}

static long shared_of(long fd, long prot)
{
    long sh = sys6(SYS_mmap, 0, 3 * PAGE, prot, MAP_SHARED, fd, 0);
    return valid(sh) ? sh : -1;
}

/* After the step's calls: page 2 reads `c`, pages 0 and 1 read `c0`, `c1` (-1: skip). */
static void judge(int phase, long at, long done, int c0, int c1, int c)
{
    long ok = 0;
    if (done) {
        marker(phase + 2, at, 0, 0, 0);
        ok = (c0 < 0 || filled(at, c0)) && (c1 < 0 || filled(at + PAGE, c1)) &&
             filled(at + 2 * PAGE, c);
    }
    log_label(phase, ok ? 0 : -4);
}

static void truncpath_step(void)
{
    long fd, at = view_x(&fd), done = 0;
    char path[32] = "/proc/self/fd/";
    int n = 14;
    if (fd >= 10)
        path[n++] = (char)('0' + fd / 10 % 10);
    path[n++] = (char)('0' + fd % 10);
    path[n] = 0;
    marker(P_TRUNCPATH, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_truncate, (long)path, PAGE, 0, 0, 0, 0) == 0 &&
        sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0)
        done = 1;
    judge(P_TRUNCPATH, at, done, 'x', 0, 0);
}

static void forkstore_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_FORKSTORE, (long)logbuf, at, fd, sh);
    if (valid(sh)) {
        pid_t pid = fork();
        if (pid == 0) {
            memset((uint8_t *)sh + 2 * PAGE, 's', PAGE);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        int st = -1;
        done = pid > 0 && waitpid(pid, &st, 0) == pid && st == 0;
    }
    judge(P_FORKSTORE, at, done, 'x', 'x', 's');
}

static long passed_back(long fd)
{
    int sv[2];
    char b = 0, cb[CMSG_SPACE(sizeof(int))];
    struct iovec io = { &b, 1 };
    struct msghdr m = { 0 };
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return -1;
    memset(cb, 0, sizeof cb);
    m.msg_iov = &io;
    m.msg_iovlen = 1;
    m.msg_control = cb;
    m.msg_controllen = sizeof cb;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int f = (int)fd;
    memcpy(CMSG_DATA(c), &f, sizeof f);
    if (sendmsg(sv[0], &m, 0) != 1)
        return -1;
    memset(cb, 0, sizeof cb);
    m.msg_controllen = sizeof cb;
    if (recvmsg(sv[1], &m, 0) != 1)
        return -1;
    c = CMSG_FIRSTHDR(&m);
    if (!c || c->cmsg_type != SCM_RIGHTS)
        return -1;
    memcpy(&f, CMSG_DATA(c), sizeof f);
    return f;
}

static void scmwrite_step(void)
{
    long fd, at = view_x(&fd), done = 0, fd2 = -1;
    marker(P_SCMWRITE, (long)logbuf, at, fd, 0);
    if (valid(at))
        fd2 = passed_back(fd);
    memset(page_p, 'y', sizeof page_p);
    if (fd2 >= 0 && sys6(SYS_pwrite64, fd2, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE)
        done = 1;
    judge(P_SCMWRITE, at, done, 'x', 'x', 'y');
}

/* Two pages, the first of `c`, the second PROT_NONE. */
static long half_readable(int c)
{
    long b = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (!valid(b))
        return -1;
    memset((uint8_t *)b, c, PAGE);
    if (sys6(SYS_mprotect, b + PAGE, PAGE, PROT_NONE, 0, 0, 0) != 0)
        return -1;
    return b;
}

static void partial_step(void)
{
    long fd, at = view_x(&fd), done = 0, b = half_readable('y');
    marker(P_PARTIAL, (long)logbuf, at, fd, 0);
    if (valid(at) && valid(b) &&
        sys6(SYS_pwrite64, fd, b, 2 * PAGE, PAGE, 0, 0) == PAGE)
        done = 1;
    judge(P_PARTIAL, at, done, 'x', 'y', 'x');
}

static void partialv_step(void)
{
    long fd, at = view_x(&fd), done = 0, b = half_readable('z');
    struct { long base, len; } iov[2] = { { b, PAGE }, { b + PAGE, PAGE } };
    marker(P_PARTIALV, (long)logbuf, at, fd, 0);
    if (valid(at) && valid(b) &&
        sys6(SYS_pwritev, fd, (long)iov, 2, PAGE, 0, 0) == PAGE)
        done = 1;
    judge(P_PARTIALV, at, done, 'x', 'z', 'x');
}

static void mremapsh_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1, to = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_MREMAPSH, (long)logbuf, at, fd, sh);
    long spot = sys6(SYS_mmap, 0, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (valid(sh) && valid(spot))
        to = sys6(SYS_mremap, sh, 3 * PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, spot, 0);
    if (valid(to)) {
        memset((uint8_t *)to + 2 * PAGE, 'r', PAGE);
        done = 1;
    }
    judge(P_MREMAPSH, at, done, 'x', 'x', 'r');
}

static void appendlb_step(void)
{
    long fd, at = fresh_map(1, 3, 'x', &fd), done = 0;
    marker(P_APPENDLB, (long)logbuf, at, fd, 0);
    memset(page_p, 'z', sizeof page_p);
    if (valid(at) && sys6(SYS_lseek, fd, PAGE, SEEK_SET, 0, 0, 0) == PAGE &&
        sys6(SYS_write, fd, (long)page_p, PAGE, 0, 0, 0) == PAGE &&
        sys6(SYS_fcntl, fd, F_SETFL, O_APPEND, 0, 0, 0) == 0) {
        memset(page_p, 'w', sizeof page_p);
        done = sys6(SYS_write, fd, (long)page_p, PAGE, 0, 0, 0) == PAGE;
    }
    judge(P_APPENDLB, at, done, 'x', 'z', 'w');
}

static void childpipe_step(void)
{
    long fd, at = view_x(&fd), done = 0, off = 2 * PAGE;
    int pp[2] = { -1, -1 };
    marker(P_CHILDPIPE, (long)logbuf, at, fd, 0);
    if (valid(at) && pipe(pp) == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            memset(page_p, 'c', sizeof page_p);
            sys6(SYS_write, pp[1], (long)page_p, PAGE, 0, 0, 0);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        int st = -1;
        done = pid > 0 && waitpid(pid, &st, 0) == pid &&
               sys6(SYS_splice, pp[0], 0, fd, (long)&off, PAGE, 0) == PAGE;
    }
    judge(P_CHILDPIPE, at, done, 'x', 'x', 'c');
}

static void teepipe_step(void)
{
    long fd, at = view_x(&fd), done = 0, off = 2 * PAGE;
    int pa[2] = { -1, -1 }, pb[2] = { -1, -1 };
    marker(P_TEEPIPE, (long)logbuf, at, fd, 0);
    memset(page_p, 'e', sizeof page_p);
    if (valid(at) && pipe(pa) == 0 && pipe(pb) == 0 &&
        sys6(SYS_write, pa[1], (long)page_p, PAGE, 0, 0, 0) == PAGE &&
        sys6(SYS_tee, pa[0], pb[1], PAGE, 0, 0, 0) == PAGE)
        done = sys6(SYS_splice, pb[0], 0, fd, (long)&off, PAGE, 0) == PAGE;
    judge(P_TEEPIPE, at, done, 'x', 'x', 'e');
}

static void pvwrite_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_PVWRITE, (long)logbuf, at, fd, sh);
    memset(page_p, 'q', sizeof page_p);
    struct { long base, len; } l = { (long)page_p, PAGE }, r = { sh + 2 * PAGE, PAGE };
    if (valid(sh) && sys6(SYS_process_vm_writev, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0),
                          (long)&l, 1, (long)&r, 1, 0) == PAGE)
        done = 1;
    judge(P_PVWRITE, at, done, 'x', 'x', 'q');
}

static void dontunmapsh_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1, to = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_DONTUNMAPSH, (long)logbuf, at, fd, sh);
    if (valid(sh))
        to = sys6(SYS_mremap, sh + 2 * PAGE, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0, 0);
    if (valid(to)) {
        memset((uint8_t *)to, 'u', PAGE);
        done = 1;
    }
    judge(P_DONTUNMAPSH, at, done, 'x', 'x', 'u');
}

static void forkexit_step(void)
{
    long fd, at = view_x(&fd), done = 0;
    marker(P_FORKEXIT, (long)logbuf, at, fd, 0);
    pid_t pid = valid(at) ? fork() : -1;
    if (pid == 0)
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    memset(page_p, 'y', sizeof page_p);
    if (pid > 0 && waitpid(pid, 0, 0) == pid &&
        sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE)
        done = 1;
    judge(P_FORKEXIT, at, done, 'x', 'x', 'y');
}

static void roshared_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ);
    marker(P_ROSHARED, (long)logbuf, sh, fd, at);
    memset(page_p, 'y', sizeof page_p);
    if (valid(sh) && sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE)
        done = 1;
    judge(P_ROSHARED, valid(sh) ? sh : at, done, 'x', 'x', 'y');
}

static void forkread_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_FORKREAD, (long)logbuf, at, fd, sh);
    pid_t pid = valid(sh) ? fork() : -1;
    if (pid == 0)
        sys6(SYS_exit_group, filled(sh + 2 * PAGE, 'x') ? 0 : 1, 0, 0, 0, 0, 0);
    memset(page_p, 'y', sizeof page_p);
    int st = -1;
    if (pid > 0 && waitpid(pid, &st, 0) == pid && st == 0 &&
        sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE)
        done = 1;
    judge(P_FORKREAD, at, done, 'x', 'x', 'y');
}

static void copyself_step(void)
{
    long fd, at = view_x(&fd), done = 0, off_in = 0, off_out = 2 * PAGE;
    marker(P_COPYSELF, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at) && sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 0, 0, 0) == PAGE &&
        sys6(SYS_copy_file_range, fd, (long)&off_in, fd, (long)&off_out, PAGE, 0) == PAGE)
        done = 1;
    judge(P_COPYSELF, at, done, 'y', 'x', 'y');
}

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
    siglongjmp(bus_jmp, sig);
}

static void sigbus_step(void)
{
    long fd, at = view_x(&fd), ok = 0;
    marker(P_SIGBUS, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0) {
        signal(SIGBUS, on_bus);
        marker(P_SIGBUS + 2, at, 0, 0, 0);
        if (sigsetjmp(bus_jmp, 1) == 0) {
            ok = ((volatile uint8_t *)at)[2 * PAGE] == 0x7f;   /* never: SIGBUS first */
            ok = 0;
        } else {
            ok = filled(at, 'x');
        }
        signal(SIGBUS, SIG_DFL);
    }
    log_label(P_SIGBUS, ok ? 0 : -4);
}

static void childfault_step(void)
{
    long fd, at = view_x(&fd), done = 0;
    marker(P_CHILDFAULT, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at) && sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE) {
        pid_t pid = fork();
        if (pid == 0)
            sys6(SYS_exit_group, filled(at + 2 * PAGE, 'y') && filled(at + PAGE, 'x') ? 0 : 1,
                 0, 0, 0, 0, 0);
        int st = -1;
        done = pid > 0 && waitpid(pid, &st, 0) == pid && st == 0;
    }
    judge(P_CHILDFAULT, at, done, 'x', 'x', 'y');
}

static void tmpfile_step(void)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)"/tmp", O_TMPFILE | O_RDWR, 0600, 0, 0);
    long at = -1, done = 0;
    memset(page_p, 'x', sizeof page_p);
    if (fd >= 0 && sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0 &&
        sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 0, 0, 0) == PAGE &&
        sys6(SYS_pwrite64, fd, (long)page_p, PAGE, PAGE, 0, 0) == PAGE &&
        sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE)
        at = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    marker(P_TMPFILE, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at) && sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE)
        done = 1;
    judge(P_TMPFILE, at, done, 'x', 'x', 'y');
}

static void stored_step(int phase, long advice)
{
    long fd, at = view_x(&fd), done = 0;
    if (valid(at))
        memset((uint8_t *)at, 'A', PAGE);
    marker(phase, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at) && (!advice || sys6(SYS_madvise, at, 3 * PAGE, advice, 0, 0, 0) == 0) &&
        sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 0, 0, 0) == PAGE)
        done = 1;
    judge(phase, at, done, 'A', 'x', 'x');
}

static long cut_regrow(long fd, long to, long back)
{
    return sys6(SYS_ftruncate, fd, to, 0, 0, 0, 0) == 0 &&
           sys6(SYS_ftruncate, fd, back, 0, 0, 0, 0) == 0;
}

static void child_step(int phase, int cut)
{
    long fd, at = view_x(&fd), done = 0;
    marker(phase, (long)logbuf, at, fd, 0);
    pid_t pid = valid(at) ? fork() : -1;
    if (pid == 0) {
        memset(page_p, 'c', sizeof page_p);
        long r = cut ? cut_regrow(fd, PAGE, 3 * PAGE)
                     : sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE;
        sys6(SYS_exit_group, r ? 0 : 1, 0, 0, 0, 0, 0);
    }
    int st = -1;
    done = pid > 0 && waitpid(pid, &st, 0) == pid && st == 0;
    judge(phase, at, done, 'x', cut ? 0 : 'x', cut ? 0 : 'c');
}

static void vmsplice_step(void)
{
    long fd, at = view_x(&fd), done = 0, off = 2 * PAGE;
    int pp[2] = { -1, -1 };
    static uint8_t gift[PAGE] __attribute__((aligned(4096)));
    memset(gift, 'V', sizeof gift);
    struct { long base, len; } iov = { (long)gift, PAGE };
    marker(P_VMSPLICE, (long)logbuf, at, fd, 0);
    if (valid(at) && pipe(pp) == 0 &&
        sys6(SYS_vmsplice, pp[1], (long)&iov, 1, 0, 0, 0) == PAGE)
        done = sys6(SYS_splice, pp[0], 0, fd, (long)&off, PAGE, 0) == PAGE;
    judge(P_VMSPLICE, at, done, 'x', 'x', 'V');
}

static void dontunmappriv_step(void)
{
    long fd, at = view_x(&fd), ok = 0, to = -1;
    marker(P_DONTUNMAPPRIV, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at) && sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 0, 0, 0) == PAGE)
        to = sys6(SYS_mremap, at, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0, 0);
    if (valid(to)) {
        marker(P_DONTUNMAPPRIV + 2, at, to, 0, 0);
        ok = filled(to, 'y') && filled(at, 'y') && filled(at + PAGE, 'x');
    }
    log_label(P_DONTUNMAPPRIV, ok ? 0 : -4);
}

static void gapwrite_step(void)
{
    long fd, at = fresh_map(1, 3, 'x', &fd), done = 0;
    marker(P_GAPWRITE, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at) && sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE)
        done = 1;
    judge(P_GAPWRITE, at, done, 'x', 0, 'y');
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *steps = "";
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        if (argv[i][0] == '-' && argv[i][1] && argv[i][1] != 'd')
            steps = argv[i] + 1;
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
    for (const char *s = steps; *s; s++) {
        switch (*s) {
        case 'a': truncpath_step(); break;
        case 'b': forkstore_step(); break;
        case 'c': scmwrite_step(); break;
        case 'e': partial_step(); break;
        case 'g': mremapsh_step(); break;
        case 'h': appendlb_step(); break;
        case 'j': childpipe_step(); break;
        case 'i': teepipe_step(); break;
        case 'k': pvwrite_step(); break;
        case 'l': partialv_step(); break;
        case 'm': dontunmapsh_step(); break;
        case 'n': forkexit_step(); break;
        case 'o': roshared_step(); break;
        case 'p': forkread_step(); break;
        case 'r': copyself_step(); break;
        case 'q': sigbus_step(); break;
        case 's': childfault_step(); break;
        case 't': tmpfile_step(); break;
        case 'u': stored_step(P_STORED, 0); break;
        case 'w': child_step(P_CHILDWRITE, 0); break;
        case 'x': vmsplice_step(); break;
        case 'y': child_step(P_CHILDCUT, 1); break;
        case 'z': dontunmappriv_step(); break;
        case 'f': gapwrite_step(); break;
        case 'v': stored_step(P_PAGEOUT, MADV_PAGEOUT); break;
        default: break;
        }
    }

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
