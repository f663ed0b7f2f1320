/* The attack target of red-team round 71b: MAP_PRIVATE views of memfds only the program
 * holds, whose file changes after the mmap and before the view's first fault there.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.
 *
 *   1. (P_FRESH) a memfd of 3 pages of 'x' (pwrite64 before the mmap), mapped MAP_PRIVATE
 *      and not touched; pwrite64() of a page of 'y' at offset 0: page 0 reads 'y', pages
 *      1 and 2 read 'x' (filemap_fault()/shmem_fault() read the file at the first fault).
 *   2. (P_GROWFILE) a memfd of 1 page of 'x', a 3-page MAP_PRIVATE view of it (pages 1
 *      and 2 past the end), ftruncate(fd, 3 * PAGE): page 0 reads 'x', pages 1 and 2
 *      zeros.
 *   3. (P_REOPEN) a memfd of 3 pages mapped MAP_PRIVATE, each page stored ('A', 'B',
 *      'C'), cut to PAGE and grown back, then /proc/self/fd/N reopened O_RDWR and a
 *      public note of 8 bytes written through it at offset 0: page 0 keeps 'A' (its
 *      private copy), pages 1 and 2 read zeros.
 *   4. (P_CUTFRESH) a memfd of 3 pages of 'x', mapped MAP_PRIVATE and not touched, cut to
 *      PAGE and grown back: page 0 reads 'x', pages 1 and 2 zeros.
 *   5. (P_DUPWRITE) a memfd of 3 pages mapped MAP_PRIVATE, stored ('D', 'E', 'F'), cut
 *      and grown back, dup3() of it onto a high descriptor, pwrite64() of a page of 'p'
 *      through the dup at offset 2 * PAGE: page 1 zeros, page 2 'p'.
 *   6. (P_FORKDROP) with a fork child alive (blocked in read() of a pipe), a memfd of 3
 *      pages mapped MAP_PRIVATE, stored ('P', 'Q', 'R'), cut and grown back, page 2 read
 *      (zeros), madvise(MADV_DONTNEED) of page 2: page 2 reads zeros again.
 *   7. (P_FORKGROW) with the child still alive, a 1-page MAP_PRIVATE view of a 3-page
 *      memfd stored 'g', the memfd cut and grown back, mremap(MREMAP_MAYMOVE) grows the
 *      view to 3 pages: pages 1 and 2 read zeros.  Then the pipe is closed and the child
 *      reaped.
 *   8. (only with -x) (3 pages, stored 'a', 'b', 'c'; cut to PAGE, grown back) pwritev()
 *      of a page of 'v' at offset 2 * PAGE (P_PWRITEV), copy_file_range() of a page of
 *      'k' from another memfd to offset 2 * PAGE (P_COPYRANGE), sendfile() of a page of
 *      'n' from another memfd with the file offset at 2 * PAGE (P_SENDFILE); (P_APPEND)
 *      cut to 2 * PAGE, fcntl(F_SETFL, O_APPEND), write() of a page of 'w': page 2 reads
 *      the bytes written, page 1 zeros; (P_SPLICE) splice() of a page of 'i' from a pipe to
 *      offset 2 * PAGE: likewise.
 *   9. (only with -t: P_THREADED) a thread made (its run awaited by a flag, not joined), then (3 pages, stored 'G', 'H',
 *      'I', and a MAP_SHARED writable view of the same memfd) ftruncate(fd, PAGE),
 *      ftruncate(fd, 3 * PAGE), a page of 's' stored through the shared view at page 2:
 *      the private view's page 1 reads zeros, page 2 reads 's'.
 *  10. (only with -m: P_DONTUNMAP) a memfd of 3 pages of 'x' mapped MAP_PRIVATE, page 0
 *      stored 'A', mremap(page 0, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP): the new
 *      place reads 'A', the old page 0 (its vma kept, emptied) reads the file again,
 *      'x' (shmem_fault(): the vma keeps its file and vm_ops).
 *  11. (only with -p: P_REMOVE) a memfd of 3 pages of 'x', an untouched MAP_PRIVATE view
 *      and a writable MAP_SHARED view of it, madvise(MADV_REMOVE) of the shared view's
 *      page 1 (vfs_fallocate(PUNCH_HOLE | KEEP_SIZE)): page 1 reads zeros through both
 *      views, the private view's page 2 reads 'x'.
 *  12. (only with -o: P_OTRUNC) a memfd of 3 pages mapped MAP_PRIVATE, stored ('K', 'L',
 *      'M'), /proc/self/fd/N reopened O_RDWR | O_TRUNC (do_truncate() to 0:
 *      truncate_pagecache() zaps every private copy, even_cows = 1), ftruncate(fd,
 *      3 * PAGE): pages 1 and 2 read zeros.
 *  13. (only with -s: P_DROPSHARED) a memfd of 3 pages of 'x', a MAP_PRIVATE view and a
 *      writable MAP_SHARED view of it; the private view's page 2 read ('x'), a page of
 *      's' stored through the shared view at page 2, madvise(MADV_DONTNEED) of the
 *      private view's page 2: it reads 's' (the next fault maps the page cache folio).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r71b.py: P before the step's calls (x2 the log buffer, x3 the
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
#define ROUND_TAG "r71"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_FRESH 8900       /* untouched view, pwrite64 of page 0 after the mmap */
#define P_GROWFILE 8904    /* a 3-page view of a 1-page memfd, ftruncate grows it */
#define P_REOPEN 8908      /* cut, regrow, a note written through /proc/self/fd/N */
#define P_CUTFRESH 8912    /* untouched view, cut, regrow */
#define P_DUPWRITE 8916    /* cut, regrow, pwrite64 through a dup3() of the memfd */
#define P_FORKDROP 8920    /* (a fork child alive) cut, regrow, page 2 read, MADV_DONTNEED */
#define P_PWRITEV 8928     /* (-x) cut, regrow, pwritev() of page 2 */
#define P_COPYRANGE 8932   /* (-x) cut, regrow, copy_file_range() into page 2 */
#define P_SENDFILE 8936    /* (-x) cut, regrow, sendfile() into page 2 */
#define P_APPEND 8940      /* (-x) cut to 2 pages, O_APPEND, write() of page 2 */
#define P_THREADED 8944    /* (-t) a thread made; cut, regrow, a store through a shared view */
#define P_DONTUNMAP 8948   /* (-m) page 0 stored, mremap(MREMAP_DONTUNMAP) of it */
#define P_REMOVE 8952      /* (-p) MADV_REMOVE through a shared view, private view untouched */
#define P_SPLICE 8956      /* (-x) cut, regrow, splice() from a pipe into page 2 */
#define P_OTRUNC 8960      /* (-o) stored pages, /proc/self/fd/N reopened O_TRUNC, regrow */
#define P_DROPSHARED 8964  /* (-s) private page read, shared store, MADV_DONTNEED of it */
#define P_FORKGROW 8924    /* (a fork child alive) a 1-page view, cut, regrow, mremap grow */
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

/* A memfd of `pages` pages mapped MAP_PRIVATE, page i stored with c + i. */
static long private_map(long pages, int c, long *fd)
{
    long at = fresh_map(pages, pages, 0, fd);
    if (valid(at))
        for (long i = 0; i < pages; i++)
            memset((uint8_t *)at + i * PAGE, c + (int)i, PAGE);
    return at;
}

static long cut_regrow(long fd, long to, long back)
{
    return sys6(SYS_ftruncate, fd, to, 0, 0, 0, 0) == 0 &&
           sys6(SYS_ftruncate, fd, back, 0, 0, 0, 0) == 0;
}

static void fresh_step(void)
{
    long fd, at = fresh_map(3, 3, 'x', &fd), ok = 0;
    marker(P_FRESH, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at) && sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 0, 0, 0) == PAGE) {
        marker(P_FRESH + 2, at, 0, 0, 0);
        ok = filled(at, 'y') && filled(at + PAGE, 'x') && filled(at + 2 * PAGE, 'x');
    }
    log_label(P_FRESH, ok ? 0 : -4);
}

static void growfile_step(void)
{
    long fd, at = fresh_map(1, 3, 'x', &fd), ok = 0;
    marker(P_GROWFILE, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0) {
        marker(P_GROWFILE + 2, at, 0, 0, 0);
        ok = filled(at, 'x') && filled(at + PAGE, 0) && filled(at + 2 * PAGE, 0);
    }
    log_label(P_GROWFILE, ok ? 0 : -4);
}

static void reopen_step(void)
{
    long fd, at = private_map(3, 'A', &fd), ok = 0, fd2 = -1;
    marker(P_REOPEN, (long)logbuf, at, fd, 0);
    if (valid(at) && cut_regrow(fd, PAGE, 3 * PAGE))
        fd2 = reopen(fd, O_RDWR);
    if (fd2 >= 0 && sys6(SYS_write, fd2, (long)"note....", 8, 0, 0, 0) == 8) {
        marker(P_REOPEN + 2, at, 0, 0, 0);
        ok = filled(at, 'A') && filled(at + PAGE, 0) && filled(at + 2 * PAGE, 0);
    }
    log_label(P_REOPEN, ok ? 0 : -4);
}

static void cutfresh_step(void)
{
    long fd, at = fresh_map(3, 3, 'x', &fd), ok = 0;
    marker(P_CUTFRESH, (long)logbuf, at, fd, 0);
    if (valid(at) && cut_regrow(fd, PAGE, 3 * PAGE)) {
        marker(P_CUTFRESH + 2, at, 0, 0, 0);
        ok = filled(at, 'x') && filled(at + PAGE, 0) && filled(at + 2 * PAGE, 0);
    }
    log_label(P_CUTFRESH, ok ? 0 : -4);
}

static void dupwrite_step(void)
{
    long fd, at = private_map(3, 'D', &fd), ok = 0, fd2 = -1;
    marker(P_DUPWRITE, (long)logbuf, at, fd, 0);
    if (valid(at) && cut_regrow(fd, PAGE, 3 * PAGE))
        fd2 = sys6(SYS_dup3, fd, 60, 0, 0, 0, 0);
    memset(page_p, 'p', sizeof page_p);
    if (fd2 == 60 && sys6(SYS_pwrite64, fd2, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE) {
        marker(P_DUPWRITE + 2, at, 0, 0, 0);
        ok = filled(at + PAGE, 0) && filled(at + 2 * PAGE, 'p');
    }
    log_label(P_DUPWRITE, ok ? 0 : -4);
}

static void forkdrop_step(void)
{
    long fd, at = private_map(3, 'P', &fd), ok = 0;
    marker(P_FORKDROP, (long)logbuf, at, fd, 0);
    if (valid(at) && cut_regrow(fd, PAGE, 3 * PAGE) && filled(at + 2 * PAGE, 0) &&
        sys6(SYS_madvise, at + 2 * PAGE, PAGE, MADV_DONTNEED, 0, 0, 0) == 0) {
        marker(P_FORKDROP + 2, at, 0, 0, 0);
        ok = filled(at, 'P') && filled(at + 2 * PAGE, 0);
    }
    log_label(P_FORKDROP, ok ? 0 : -4);
}

static void forkgrow_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0), ok = 0, at = -1, to = -1;
    if (fd >= 0 && sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0)
        at = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (valid(at))
        memset((uint8_t *)at, 'g', PAGE);
    marker(P_FORKGROW, (long)logbuf, at, fd, 0);
    if (valid(at) && cut_regrow(fd, PAGE, 3 * PAGE))
        to = sys6(SYS_mremap, at, PAGE, 3 * PAGE, MREMAP_MAYMOVE, 0, 0);
    if (valid(to)) {
        marker(P_FORKGROW + 2, to, 0, 0, 0);
        ok = filled(to, 'g') && filled(to + PAGE, 0) && filled(to + 2 * PAGE, 0);
    }
    log_label(P_FORKGROW, ok ? 0 : -4);
}

/* A 3-page private view stored 'a', 'b', 'c', cut to `to` and grown back to 3 pages. */
static long cut_view(long to, long *fd)
{
    long at = private_map(3, 'a', fd);
    return valid(at) && cut_regrow(*fd, to, 3 * PAGE) ? at : -1;
}

static long other_memfd(int c)
{
    long fd = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0);
    memset(page_p, c, sizeof page_p);
    if (fd < 0 || sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 0, 0, 0) != PAGE)
        return -1;
    return fd;
}

static void written_check(int phase, long at, long r, int c)
{
    long ok = 0;
    if (r == PAGE) {
        marker(phase + 2, at, 0, 0, 0);
        ok = filled(at + PAGE, 0) && filled(at + 2 * PAGE, c);
    }
    log_label(phase, ok ? 0 : -4);
}

static void extra_steps(void)
{
    long fd, at, r = -1, src;
    struct { long base, len; } iov = { (long)page_p, PAGE };

    at = cut_view(PAGE, &fd);
    marker(P_PWRITEV, (long)logbuf, at, fd, 0);
    memset(page_p, 'v', sizeof page_p);
    if (valid(at))
        r = sys6(SYS_pwritev, fd, (long)&iov, 1, 2 * PAGE, 0, 0);
    written_check(P_PWRITEV, at, r, 'v');

    r = -1;
    src = other_memfd('k');
    at = cut_view(PAGE, &fd);
    marker(P_COPYRANGE, (long)logbuf, at, fd, 0);
    long off_in = 0, off_out = 2 * PAGE;
    if (valid(at) && src >= 0)
        r = sys6(SYS_copy_file_range, src, (long)&off_in, fd, (long)&off_out, PAGE, 0);
    written_check(P_COPYRANGE, at, r, 'k');

    r = -1;
    src = other_memfd('n');
    at = cut_view(PAGE, &fd);
    marker(P_SENDFILE, (long)logbuf, at, fd, 0);
    off_in = 0;
    if (valid(at) && src >= 0 && sys6(SYS_lseek, fd, 2 * PAGE, SEEK_SET, 0, 0, 0) == 2 * PAGE)
        r = sys6(SYS_sendfile, fd, src, (long)&off_in, PAGE, 0, 0);
    written_check(P_SENDFILE, at, r, 'n');

    r = -1;
    at = private_map(3, 'a', &fd);
    marker(P_APPEND, (long)logbuf, at, fd, 0);
    memset(page_p, 'w', sizeof page_p);
    if (valid(at) && sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0 &&
        sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) == 0 &&
        sys6(SYS_fcntl, fd, F_SETFL, O_APPEND, 0, 0, 0) == 0)
        r = sys6(SYS_write, fd, (long)page_p, PAGE, 0, 0, 0);
    written_check(P_APPEND, at, r, 'w');

    r = -1;
    int pp[2];
    at = cut_view(PAGE, &fd);
    marker(P_SPLICE, (long)logbuf, at, fd, 0);
    memset(page_p, 'i', sizeof page_p);
    off_out = 2 * PAGE;
    if (valid(at) && pipe(pp) == 0 &&
        sys6(SYS_write, pp[1], (long)page_p, PAGE, 0, 0, 0) == PAGE)
        r = sys6(SYS_splice, pp[0], 0, fd, (long)&off_out, PAGE, 0);
    written_check(P_SPLICE, at, r, 'i');
}

static volatile int thread_ran;

static void *idle_thread(void *arg)
{
    thread_ran = 1;
    return arg;
}

static void threaded_step(void)
{
    pthread_t t;
    long fd, at = -1, ok = 0, sh = -1;
    if (pthread_create(&t, 0, idle_thread, 0) == 0) {
        while (!thread_ran)
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        at = private_map(3, 'G', &fd);
    }
    if (valid(at))
        sh = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    marker(P_THREADED, (long)logbuf, at, fd, sh);
    if (valid(sh) && cut_regrow(fd, PAGE, 3 * PAGE)) {
        memset((uint8_t *)sh + 2 * PAGE, 's', PAGE);
        marker(P_THREADED + 2, at, 0, 0, 0);
        ok = filled(at + PAGE, 0) && filled(at + 2 * PAGE, 's');
    }
    log_label(P_THREADED, ok ? 0 : -4);
}

static void dontunmap_step(void)
{
    long fd, at = fresh_map(3, 3, 'x', &fd), ok = 0, to = -1;
    if (valid(at))
        memset((uint8_t *)at, 'A', PAGE);
    marker(P_DONTUNMAP, (long)logbuf, at, fd, 0);
    if (valid(at))
        to = sys6(SYS_mremap, at, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0, 0);
    if (valid(to)) {
        marker(P_DONTUNMAP + 2, at, to, 0, 0);
        ok = filled(to, 'A') && filled(at, 'x');
    }
    log_label(P_DONTUNMAP, ok ? 0 : -4);
}

static void remove_step(void)
{
    long fd, at = fresh_map(3, 3, 'x', &fd), ok = 0, sh = -1;
    if (valid(at))
        sh = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    marker(P_REMOVE, (long)logbuf, at, fd, sh);
    if (valid(sh) && sys6(SYS_madvise, sh + PAGE, PAGE, MADV_REMOVE, 0, 0, 0) == 0) {
        marker(P_REMOVE + 2, at, sh, 0, 0);
        ok = filled(at + PAGE, 0) && filled(sh + PAGE, 0) && filled(at + 2 * PAGE, 'x');
    }
    log_label(P_REMOVE, ok ? 0 : -4);
}

static void otrunc_step(void)
{
    long fd, at = private_map(3, 'K', &fd), ok = 0, fd2 = -1;
    marker(P_OTRUNC, (long)logbuf, at, fd, 0);
    if (valid(at))
        fd2 = reopen(fd, O_RDWR | O_TRUNC);
    if (fd2 >= 0 && sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0) {
        marker(P_OTRUNC + 2, at, 0, 0, 0);
        ok = filled(at + PAGE, 0) && filled(at + 2 * PAGE, 0);
    }
    log_label(P_OTRUNC, ok ? 0 : -4);
}

static void dropshared_step(void)
{
    long fd, at = fresh_map(3, 3, 'x', &fd), ok = 0, sh = -1;
    if (valid(at))
        sh = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    marker(P_DROPSHARED, (long)logbuf, at, fd, sh);
    if (valid(sh) && filled(at + 2 * PAGE, 'x')) {
        memset((uint8_t *)sh + 2 * PAGE, 's', PAGE);
        if (sys6(SYS_madvise, at + 2 * PAGE, PAGE, MADV_DONTNEED, 0, 0, 0) == 0) {
            marker(P_DROPSHARED + 2, at, sh, 0, 0);
            ok = filled(at + 2 * PAGE, 's');
        }
    }
    log_label(P_DROPSHARED, ok ? 0 : -4);
}

static void forked_steps(void)
{
    int p[2];
    char c;
    if (pipe(p) != 0) {
        log_label(P_FORKDROP, -4);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(p[1]);
        sys6(SYS_read, p[0], (long)&c, 1, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    close(p[0]);
    forkdrop_step();
    forkgrow_step();
    close(p[1]);
    if (pid > 0)
        waitpid(pid, 0, 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0, extra = 0, threaded = 0, moved = 0, punched = 0, otrunc = 0, dropshared = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        extra |= strcmp(argv[i], "-x") == 0;
        threaded |= strcmp(argv[i], "-t") == 0;
        moved |= strcmp(argv[i], "-m") == 0;
        punched |= strcmp(argv[i], "-p") == 0;
        otrunc |= strcmp(argv[i], "-o") == 0;
        dropshared |= strcmp(argv[i], "-s") == 0;
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
    fresh_step();
    growfile_step();
    reopen_step();
    cutfresh_step();
    dupwrite_step();
    forked_steps();
    if (extra)
        extra_steps();
    if (threaded)
        threaded_step();
    if (moved)
        dontunmap_step();
    if (punched)
        remove_step();
    if (otrunc)
        otrunc_step();
    if (dropshared)
        dropshared_step();

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
