/* The attack target of red-team round 73b: untouched MAP_PRIVATE views of memfds only
 * the program holds (3 pages of 'x' unless told) whose file's bytes change after the
 * mmap by ways the Guardian may not follow, and memory calls given tagged addresses;
 * each step checks the view's pages at their first fault (filemap_fault() ->
 * shmem_fault(): the file as it is then).
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it saw into the index of a
 * label (0 under Linux) and writes that label to /dev/null.  Steps run in the order of
 * the letters of the argument "-LETTERS" (none by default):
 *
 *   a (P_PUNCH) fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) of page 2: page 2
 *     reads zeros (shmem_fallocate() -> shmem_truncate_range()).
 *   b (P_GROW) a 3-page view of a 1-page memfd, fallocate(fd, 0, 0, 3 * PAGE): pages 1
 *     and 2 read zeros, no SIGBUS (shmem_fallocate() grows i_size).
 *   c (P_REMOVE) madvise(MADV_REMOVE) of a writable MAP_SHARED view's page 2: the private
 *     view's page 2 reads zeros (madvise_remove() -> vfs_fallocate(PUNCH_HOLE)).
 *   e (P_TAGDROP) page 0 stored 'A', madvise(MADV_DONTNEED) of it through a tagged
 *     address (top byte 0x0b), pwrite64() of 'y' at page 0: page 0 reads 'y'.
 *   f (P_TAGUNMAP) page 2 stored 'A', munmap() of it through a tagged address, pwrite64()
 *     of 'y' at page 2, mmap(MAP_FIXED | MAP_PRIVATE) of the file's page 2 there: 'y'.
 *   g (P_TAGREMAP) page 0 stored 'A', the view moved by mremap(MREMAP_MAYMOVE |
 *     MREMAP_FIXED) from a tagged old address: the new place's page 0 'A', 1 and 2 'x'
 *     (the marker after: x2 the new place).
 *   h (P_VFORKSTORE) a vfork child stores 's' through a writable MAP_SHARED view at
 *     page 2 and exits: the private view's page 2 reads 's'.
 *   i (P_THREADSTORE) a thread stores 'T' through a writable MAP_SHARED view at page 2
 *     and keeps running: the private view's page 2 reads 'T'.
 *   j (P_PROCREOPEN) open("/proc/self/fd/N", O_RDWR), pwrite64() of 'y' at page 2
 *     through the new open file: page 2 reads 'y' (proc_fd_link() reopens the memfd).
 *   k (P_CHILDPRIV) a fork child stores 'K' at page 2 of its copy of the untouched view
 *     and exits: the parent's page 2 reads 'x' (the child's copy was its own).
 *   l (P_VFORKWRITE) a vfork child pwrite64()s 'c' at page 2 and exits: page 2 'c'.
 *   m (P_THREADWRITE) a thread pwrite64()s 'T' at page 2 and keeps running: page 2 'T'.
 *   n (P_KEEPSIZE) a 3-page view of a 1-page memfd, fallocate(KEEP_SIZE, 0, 3 * PAGE):
 *     i_size stays PAGE, a read of page 2 raises SIGBUS (shmem_fault()).
 *   o (P_GROWREMAP) a 1-page view of the 3-page memfd, pwrite64() of 'y' at page 1, the
 *     view grown to 3 pages by mremap(MREMAP_MAYMOVE): page 1 'y', page 2 'x' (the
 *     marker after: x2 the grown view).
 *   p (P_CHILDREMAP) a fork child moves its inherited shared view by mremap(MREMAP_MAYMOVE)
 *     and stores 'g' through it at page 2: the parent's private page 2 reads 'g'.
 *   q (P_SHPAGEOUT) 's' stored through a shared view at page 2, madvise(MADV_PAGEOUT) and
 *     munmap() of the shared view: the private view's page 2 reads 's' (swapped shmem).
 *   r (P_TAGREMOVE) madvise(MADV_REMOVE) of a shared view's page 2 through a tagged
 *     address: the private view's page 2 reads zeros.
 *   s (P_FAILWRITE) pwrite64() of page 2 from a PROT_NONE buffer fails with EFAULT:
 *     page 2 reads 'x' (nothing written).
 *   t (P_THREADCUT) a thread cuts the memfd to PAGE and grows it back (ftruncate) and
 *     keeps running: pages 1 and 2 read zeros.
 *   u (P_VFORKCUT) a vfork child cuts the memfd to PAGE and grows it back: zeros.
 *   v (P_CHILDPUNCH) a fork child punches a hole at page 2 (fallocate): zeros.
 *   w (P_REOPENVIEW) the view is of /proc/self/fd/N reopened O_RDWR, pwrite64() of 'y'
 *     at page 2 through the first descriptor: page 2 reads 'y' (one inode).
 *   x (P_POPREAD) madvise(MADV_POPULATE_READ) of the view, then pwrite64() of 'y' at
 *     page 2: page 2 reads 'y' (the private view maps the page cache folio itself until
 *     a write copies it: filemap_map_pages(), do_read_fault()).
 *   y (P_READFIRST) page 2 read once ('x'), then pwrite64() of 'y' at page 2: page 2
 *     reads 'y' (as -x).
 *   z (P_KSM) a 2-page anonymous private mapping, both pages stored 'A',
 *     madvise(MADV_MERGEABLE), then 'B' stored at page 0: page 1 still reads 'A' (a
 *     merged KSM page is write-protected, the store copies it: do_wp_page()).
 *   A (P_TAGSHRINK) the view shrunk to 1 page by mremap() from a tagged old address,
 *     pwrite64() of 'y' at page 2, the view grown back to 3 pages in place: page 1 'x',
 *     page 2 'y'.
 *   B (P_FORKDROP) page 0 stored 'A', madvise(MADV_DONTNEED) of it, pwrite64() of 'y' at
 *     page 0, then a fork child reads page 0 ('y') and page 1 ('x') and exits 0 if so;
 *     the parent's page 0 reads 'y'.
 *   C (P_SHDROP) 's' stored through a shared view at page 2, madvise(MADV_DONTNEED) and
 *     munmap() of the shared view: the private view's page 2 reads 's' (a shared file
 *     page's drop unmaps it, the page cache keeps it: zap_page_range_single()).
 *   D (P_SHREAD) a MAP_SHARED view's page 2 read ('x'), pwrite64() of 'y' at page 2:
 *     the shared view's page 2 reads 'y' (it maps the page cache folio).
 *   E (P_CUTCOW) page 2 of the view stored 'A' (its private copy), ftruncate(fd, PAGE):
 *     a read of page 2 raises SIGBUS (truncate_pagecache() -> unmap_mapping_range()
 *     with even_cows: the private copy goes too).
 *   F (P_TAGANON) a 2-page anonymous private mapping stored 'A', madvise(MADV_DONTNEED)
 *     of page 1 through a tagged address: page 0 'A', page 1 zeros (do_madvise()
 *     untags; the refault of an anonymous page is a zero page).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r73b.py: P before the step's calls (x2 the log buffer, x3 the
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
#define ROUND_TAG "r73"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_PUNCH 9500       /* (-a) fallocate punch hole of page 2 */
#define P_GROW 9504        /* (-b) fallocate mode 0 grows a 1-page memfd to 3 */
#define P_REMOVE 9508      /* (-c) MADV_REMOVE of a shared view's page 2 */
#define P_TAGDROP 9512     /* (-e) MADV_DONTNEED through a tagged address, pwrite64 */
#define P_TAGUNMAP 9516    /* (-f) munmap through a tagged address, pwrite64, MAP_FIXED */
#define P_TAGREMAP 9520    /* (-g) mremap of a tagged old address */
#define P_VFORKSTORE 9524  /* (-h) a vfork child stores through a shared view */
#define P_THREADSTORE 9528 /* (-i) a running thread stores through a shared view */
#define P_PROCREOPEN 9532  /* (-j) /proc/self/fd/N reopened, pwrite64 through it */
#define P_CHILDPRIV 9536   /* (-k) a fork child stores into its private copy */
#define P_VFORKWRITE 9540  /* (-l) a vfork child pwrite64s page 2 */
#define P_THREADWRITE 9544 /* (-m) a running thread pwrite64s page 2 */
#define P_KEEPSIZE 9548    /* (-n) fallocate KEEP_SIZE past the end: SIGBUS stays */
#define P_GROWREMAP 9552   /* (-o) a 1-page view grown by mremap after pwrite64 */
#define P_CHILDREMAP 9556  /* (-p) a fork child moves its shared view and stores */
#define P_SHPAGEOUT 9560   /* (-q) a shared page stored, paged out, the view unmapped */
#define P_TAGREMOVE 9564   /* (-r) MADV_REMOVE through a tagged address */
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#define P_FAILWRITE 9568  /* (-s) pwrite64 from a PROT_NONE buffer: EFAULT */
#define P_THREADCUT 9572   /* (-t) a running thread cuts and regrows the memfd */
#define P_VFORKCUT 9576    /* (-u) a vfork child cuts and regrows the memfd */
#define P_CHILDPUNCH 9580  /* (-v) a fork child punches a hole at page 2 */
#define P_REOPENVIEW 9584  /* (-w) a view of /proc/self/fd/N reopened, pwrite64 */
#define P_POPREAD 9588     /* (-x) MADV_POPULATE_READ, then pwrite64 of page 2 */
#define P_READFIRST 9592   /* (-y) page 2 read, then pwrite64 of page 2 */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#define P_KSM 9596        /* (-z) MADV_MERGEABLE of two equal pages, a store to one */
#ifndef MADV_MERGEABLE
#define MADV_MERGEABLE 12
#endif
#define P_TAGSHRINK 9600  /* (-A) a tagged mremap shrink, pwrite64, a grow in place */
#define P_FORKDROP 9604   /* (-B) a dropped copy, pwrite64, a fork child's fault */
#define P_SHDROP 9608     /* (-C) a shared page stored, MADV_DONTNEED, the view unmapped */
#define P_SHREAD 9612     /* (-D) a shared page read, then pwrite64 of it */
#define P_CUTCOW 9616     /* (-E) a stored private page past a cut: SIGBUS */
#define P_TAGANON 9620    /* (-F) tagged MADV_DONTNEED of a stored anonymous page */
#ifndef MADV_REMOVE
#define MADV_REMOVE 9
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 1
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 2
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif
#define TAG(p) ((long)((unsigned long)(p) | (0x0bUL << 56)))
#include "secret_common.h"


static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_mm_kit.h"

static void punch_step(void)
{
    long fd, at = view_x(&fd), done = 0;
    marker(P_PUNCH, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_fallocate, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                          2 * PAGE, PAGE, 0, 0) == 0)
        done = 1;
    judge(P_PUNCH, at, done, 'x', 'x', 0);
}

static void grow_step(void)
{
    long fd, at = fresh_map(1, 3, 'x', &fd), done = 0;
    marker(P_GROW, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_fallocate, fd, 0, 0, 3 * PAGE, 0, 0) == 0)
        done = 1;
    judge(P_GROW, at, done, 'x', 0, 0);
}

static void remove_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_REMOVE, (long)logbuf, at, fd, sh);
    if (valid(sh) && sys6(SYS_madvise, sh + 2 * PAGE, PAGE, MADV_REMOVE, 0, 0, 0) == 0)
        done = 1;
    judge(P_REMOVE, at, done, 'x', 'x', 0);
}

static void tagdrop_step(void)
{
    long fd, at = view_x(&fd), done = 0, ok = 0;
    marker(P_TAGDROP, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at) && fill_store(at, 0, 'A') &&
        sys6(SYS_madvise, TAG(at), PAGE, MADV_DONTNEED, 0, 0, 0) == 0 &&
        sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 0, 0, 0) == PAGE)
        done = 1;
    if (done) {
        marker(P_TAGDROP + 2, at, 0, 0, 0);
        ok = filled(at, 'y') && filled(at + PAGE, 'x') && filled(at + 2 * PAGE, 'x');
    }
    log_label(P_TAGDROP, ok ? 0 : -4);
}

static void tagunmap_step(void)
{
    long fd, at = view_x(&fd), done = 0;
    marker(P_TAGUNMAP, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at) && fill_store(at, 2, 'A') &&
        sys6(SYS_munmap, TAG(at + 2 * PAGE), PAGE, 0, 0, 0, 0) == 0 &&
        sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE &&
        sys6(SYS_mmap, at + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
             fd, 2 * PAGE) == at + 2 * PAGE)
        done = 1;
    judge(P_TAGUNMAP, at, done, 'x', 'x', 'y');
}

static void tagremap_step(void)
{
    long fd, at = view_x(&fd), done = 0, ok = 0, to = -1;
    long dst = sys6(SYS_mmap, 0, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    marker(P_TAGREMAP, (long)logbuf, at, fd, dst);
    if (valid(at) && valid(dst) && fill_store(at, 0, 'A')) {
        to = sys6(SYS_mremap, TAG(at), 3 * PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
                  dst, 0);
        done = to == dst;
    }
    if (done) {
        marker(P_TAGREMAP + 2, to, 0, 0, 0);
        ok = filled(to, 'A') && filled(to + PAGE, 'x') && filled(to + 2 * PAGE, 'x');
    }
    log_label(P_TAGREMAP, ok ? 0 : -4);
}

static void vforkstore_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_VFORKSTORE, (long)logbuf, at, fd, sh);
    if (valid(sh)) {
        pid_t pid = vfork();
        if (pid == 0) {
            for (long i = 0; i < PAGE; i++)
                ((volatile uint8_t *)sh)[2 * PAGE + i] = 's';
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        }
        int st = -1;
        done = pid > 0 && waitpid(pid, &st, 0) == pid && st == 0;
    }
    judge(P_VFORKSTORE, at, done, 'x', 'x', 's');
}

static volatile long thr_sh, thr_stored, thr_stop;

static void *storer(void *arg)
{
    (void)arg;
    memset((uint8_t *)thr_sh + 2 * PAGE, 'T', PAGE);
    __atomic_store_n(&thr_stored, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&thr_stop, __ATOMIC_SEQ_CST))
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    return 0;
}

static void threadstore_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    pthread_t t;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_THREADSTORE, (long)logbuf, at, fd, sh);
    int started = 0;
    if (valid(sh)) {
        thr_sh = sh;
        started = pthread_create(&t, 0, storer, 0) == 0;
        while (started && !__atomic_load_n(&thr_stored, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        done = started;
    }
    judge(P_THREADSTORE, at, done, 'x', 'x', 'T');
    __atomic_store_n(&thr_stop, 1, __ATOMIC_SEQ_CST);
    if (started)
        pthread_join(t, 0);
}

static void procreopen_step(void)
{
    long fd, at = view_x(&fd), done = 0, fd2 = -1;
    char path[32] = "/proc/self/fd/";
    int n = 14;
    if (fd >= 10)
        path[n++] = (char)('0' + fd / 10 % 10);
    path[n++] = (char)('0' + fd % 10);
    path[n] = 0;
    marker(P_PROCREOPEN, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at))
        fd2 = sys6(SYS_openat, AT_FDCWD, (long)path, O_RDWR, 0, 0, 0);
    if (fd2 >= 0 && sys6(SYS_pwrite64, fd2, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE)
        done = 1;
    judge(P_PROCREOPEN, at, done, 'x', 'x', 'y');
}

static void childpriv_step(void)
{
    long fd, at = view_x(&fd), done = 0;
    marker(P_CHILDPRIV, (long)logbuf, at, fd, 0);
    if (valid(at)) {
        pid_t pid = fork();
        if (pid == 0) {
            memset((uint8_t *)at + 2 * PAGE, 'K', PAGE);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        int st = -1;
        done = pid > 0 && waitpid(pid, &st, 0) == pid && st == 0;
    }
    judge(P_CHILDPRIV, at, done, 'x', 'x', 'x');
}


static void vforkwrite_step(void)
{
    long fd, at = view_x(&fd), done = 0;
    marker(P_VFORKWRITE, (long)logbuf, at, fd, 0);
    memset(page_p, 'c', sizeof page_p);
    if (valid(at)) {
        pid_t pid = vfork();
        if (pid == 0) {
            long r = sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0);
            sys6(SYS_exit, r == PAGE ? 0 : 1, 0, 0, 0, 0, 0);
        }
        int st = -1;
        done = pid > 0 && waitpid(pid, &st, 0) == pid && st == 0;
    }
    judge(P_VFORKWRITE, at, done, 'x', 'x', 'c');
}

static volatile long thw_fd, thw_done, thw_stop;

static void *writer(void *arg)
{
    (void)arg;
    static uint8_t tp[PAGE];
    memset(tp, 'T', sizeof tp);
    long r = sys6(SYS_pwrite64, thw_fd, (long)tp, PAGE, 2 * PAGE, 0, 0);
    __atomic_store_n(&thw_done, r == PAGE ? 1 : 2, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&thw_stop, __ATOMIC_SEQ_CST))
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    return 0;
}

static void threadwrite_step(void)
{
    long fd, at = view_x(&fd), done = 0;
    pthread_t t;
    marker(P_THREADWRITE, (long)logbuf, at, fd, 0);
    int started = 0;
    if (valid(at)) {
        thw_fd = fd;
        started = pthread_create(&t, 0, writer, 0) == 0;
        while (started && !__atomic_load_n(&thw_done, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        done = started && thw_done == 1;
    }
    judge(P_THREADWRITE, at, done, 'x', 'x', 'T');
    __atomic_store_n(&thw_stop, 1, __ATOMIC_SEQ_CST);
    if (started)
        pthread_join(t, 0);
}

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
    siglongjmp(bus_jmp, sig);
}

static void keepsize_step(void)
{
    long fd, at = fresh_map(1, 3, 'x', &fd), ok = 0;
    marker(P_KEEPSIZE, (long)logbuf, at, fd, 0);
    if (valid(at) && sys6(SYS_fallocate, fd, FALLOC_FL_KEEP_SIZE, 0, 3 * PAGE, 0, 0) == 0) {
        signal(SIGBUS, on_bus);
        marker(P_KEEPSIZE + 2, at, 0, 0, 0);
        if (sigsetjmp(bus_jmp, 1) == 0) {
            ok = ((volatile uint8_t *)at)[2 * PAGE] == 0x7f;   /* never: SIGBUS first */
            ok = 0;
        } else {
            ok = filled(at, 'x');
        }
        signal(SIGBUS, SIG_DFL);
    }
    log_label(P_KEEPSIZE, ok ? 0 : -4);
}

static void growremap_step(void)
{
    long fd, at = fresh_map(3, 1, 'x', &fd), done = 0, ok = 0, to = -1;
    marker(P_GROWREMAP, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at) && sys6(SYS_pwrite64, fd, (long)page_p, PAGE, PAGE, 0, 0) == PAGE) {
        to = sys6(SYS_mremap, at, PAGE, 3 * PAGE, MREMAP_MAYMOVE, 0, 0);
        done = valid(to);
    }
    if (done) {
        marker(P_GROWREMAP + 2, to, 0, 0, 0);
        ok = filled(to, 'x') && filled(to + PAGE, 'y') && filled(to + 2 * PAGE, 'x');
    }
    log_label(P_GROWREMAP, ok ? 0 : -4);
}

static void childremap_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_CHILDREMAP, (long)logbuf, at, fd, sh);
    if (valid(sh)) {
        pid_t pid = fork();
        if (pid == 0) {
            long to = sys6(SYS_mremap, sh, 3 * PAGE, 4 * PAGE, MREMAP_MAYMOVE, 0, 0);
            if (!valid(to))
                sys6(SYS_exit_group, 1, 0, 0, 0, 0, 0);
            memset((uint8_t *)to + 2 * PAGE, 'g', PAGE);
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        int st = -1;
        done = pid > 0 && waitpid(pid, &st, 0) == pid && st == 0;
    }
    judge(P_CHILDREMAP, at, done, 'x', 'x', 'g');
}

static void shpageout_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_SHPAGEOUT, (long)logbuf, at, fd, sh);
    if (valid(sh) && fill_store(sh, 2, 's') &&
        sys6(SYS_madvise, sh, 3 * PAGE, MADV_PAGEOUT, 0, 0, 0) == 0 &&
        sys6(SYS_munmap, sh, 3 * PAGE, 0, 0, 0, 0) == 0)
        done = 1;
    judge(P_SHPAGEOUT, at, done, 'x', 'x', 's');
}

static void tagremove_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_TAGREMOVE, (long)logbuf, at, fd, sh);
    if (valid(sh) && sys6(SYS_madvise, TAG(sh + 2 * PAGE), PAGE, MADV_REMOVE, 0, 0, 0) == 0)
        done = 1;
    judge(P_TAGREMOVE, at, done, 'x', 'x', 0);
}


static void failwrite_step(void)
{
    long fd, at = view_x(&fd), done = 0;
    long bad = sys6(SYS_mmap, 0, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    marker(P_FAILWRITE, (long)logbuf, at, fd, 0);
    if (valid(at) && valid(bad) &&
        sys6(SYS_pwrite64, fd, bad, PAGE, 2 * PAGE, 0, 0) == -EFAULT)
        done = 1;
    judge(P_FAILWRITE, at, done, 'x', 'x', 'x');
}

static volatile long thc_fd, thc_done, thc_stop;

static void *cutter(void *arg)
{
    (void)arg;
    long ok = sys6(SYS_ftruncate, thc_fd, PAGE, 0, 0, 0, 0) == 0 &&
              sys6(SYS_ftruncate, thc_fd, 3 * PAGE, 0, 0, 0, 0) == 0;
    __atomic_store_n(&thc_done, ok ? 1 : 2, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&thc_stop, __ATOMIC_SEQ_CST))
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    return 0;
}

static void threadcut_step(void)
{
    long fd, at = view_x(&fd), done = 0;
    pthread_t t;
    marker(P_THREADCUT, (long)logbuf, at, fd, 0);
    int started = 0;
    if (valid(at)) {
        thc_fd = fd;
        started = pthread_create(&t, 0, cutter, 0) == 0;
        while (started && !__atomic_load_n(&thc_done, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        done = started && thc_done == 1;
    }
    judge(P_THREADCUT, at, done, 'x', 0, 0);
    __atomic_store_n(&thc_stop, 1, __ATOMIC_SEQ_CST);
    if (started)
        pthread_join(t, 0);
}

static void vforkcut_step(void)
{
    long fd, at = view_x(&fd), done = 0;
    marker(P_VFORKCUT, (long)logbuf, at, fd, 0);
    if (valid(at)) {
        pid_t pid = vfork();
        if (pid == 0) {
            long ok = sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0 &&
                      sys6(SYS_ftruncate, fd, 3 * PAGE, 0, 0, 0, 0) == 0;
            sys6(SYS_exit, ok ? 0 : 1, 0, 0, 0, 0, 0);
        }
        int st = -1;
        done = pid > 0 && waitpid(pid, &st, 0) == pid && st == 0;
    }
    judge(P_VFORKCUT, at, done, 'x', 0, 0);
}

static void childpunch_step(void)
{
    long fd, at = view_x(&fd), done = 0;
    marker(P_CHILDPUNCH, (long)logbuf, at, fd, 0);
    if (valid(at)) {
        pid_t pid = fork();
        if (pid == 0) {
            long r = sys6(SYS_fallocate, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                          2 * PAGE, PAGE, 0, 0);
            sys6(SYS_exit_group, r == 0 ? 0 : 1, 0, 0, 0, 0, 0);
        }
        int st = -1;
        done = pid > 0 && waitpid(pid, &st, 0) == pid && st == 0;
    }
    judge(P_CHILDPUNCH, at, done, 'x', 'x', 0);
}

static void reopenview_step(void)
{
    long fd, at = view_x(&fd), done = 0, fd2 = -1, v = -1;
    char path[32] = "/proc/self/fd/";
    int n = 14;
    if (fd >= 10)
        path[n++] = (char)('0' + fd / 10 % 10);
    path[n++] = (char)('0' + fd % 10);
    path[n] = 0;
    if (valid(at))
        fd2 = sys6(SYS_openat, AT_FDCWD, (long)path, O_RDWR, 0, 0, 0);
    if (fd2 >= 0)
        v = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd2, 0);
    marker(P_REOPENVIEW, (long)logbuf, valid(v) ? v : -1, fd, fd2);
    memset(page_p, 'y', sizeof page_p);
    if (valid(v) && sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE)
        done = 1;
    judge(P_REOPENVIEW, v, done, 'x', 'x', 'y');
}

static void popread_step(int phase)
{
    long fd, at = view_x(&fd), done = 0;
    marker(phase, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    int pre = 0;
    if (valid(at)) {
        if (phase == P_POPREAD)
            pre = sys6(SYS_madvise, at, 3 * PAGE, MADV_POPULATE_READ, 0, 0, 0) == 0;
        else
            pre = filled(at + 2 * PAGE, 'x');
    }
    if (pre && sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE)
        done = 1;
    judge(phase, at, done, 'x', 'x', 'y');
}

static void ksm_step(void)
{
    long at = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0), ok = 0;
    marker(P_KSM, (long)logbuf, valid(at) ? at : -1, 0, 0);
    if (valid(at) && fill_store(at, 0, 'A') && fill_store(at, 1, 'A') &&
        sys6(SYS_madvise, at, 2 * PAGE, MADV_MERGEABLE, 0, 0, 0) == 0) {
        marker(P_KSM + 2, at, 0, 0, 0);
        memset((uint8_t *)at, 'B', PAGE);
        ok = filled(at, 'B') && filled(at + PAGE, 'A');
    }
    log_label(P_KSM, ok ? 0 : -4);
}

static void tagshrink_step(void)
{
    long fd, at = view_x(&fd), done = 0;
    marker(P_TAGSHRINK, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at) && sys6(SYS_mremap, TAG(at), 3 * PAGE, PAGE, 0, 0, 0) == at &&
        sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE &&
        sys6(SYS_mremap, at, PAGE, 3 * PAGE, 0, 0, 0) == at)
        done = 1;
    judge(P_TAGSHRINK, at, done, 'x', 'x', 'y');
}

static void forkdrop_step(void)
{
    long fd, at = view_x(&fd), done = 0, ok = 0;
    marker(P_FORKDROP, (long)logbuf, at, fd, 0);
    memset(page_p, 'y', sizeof page_p);
    if (valid(at) && fill_store(at, 0, 'A') &&
        sys6(SYS_madvise, at, PAGE, MADV_DONTNEED, 0, 0, 0) == 0 &&
        sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 0, 0, 0) == PAGE) {
        pid_t pid = fork();
        if (pid == 0) {
            int good = filled(at, 'y') && filled(at + PAGE, 'x');
            sys6(SYS_exit_group, good ? 0 : 1, 0, 0, 0, 0, 0);
        }
        int st = -1;
        done = pid > 0 && waitpid(pid, &st, 0) == pid && st == 0;
    }
    if (done) {
        marker(P_FORKDROP + 2, at, 0, 0, 0);
        ok = filled(at, 'y') && filled(at + PAGE, 'x') && filled(at + 2 * PAGE, 'x');
    }
    log_label(P_FORKDROP, ok ? 0 : -4);
}

static void shdrop_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_SHDROP, (long)logbuf, at, fd, sh);
    if (valid(sh) && fill_store(sh, 2, 's') &&
        sys6(SYS_madvise, sh, 3 * PAGE, MADV_DONTNEED, 0, 0, 0) == 0 &&
        sys6(SYS_munmap, sh, 3 * PAGE, 0, 0, 0, 0) == 0)
        done = 1;
    judge(P_SHDROP, at, done, 'x', 'x', 's');
}

static void shread_step(void)
{
    long fd, at = view_x(&fd), done = 0, sh = -1;
    if (valid(at))
        sh = shared_of(fd, PROT_READ | PROT_WRITE);
    marker(P_SHREAD, (long)logbuf, sh, fd, at);
    memset(page_p, 'y', sizeof page_p);
    if (valid(sh) && filled(sh + 2 * PAGE, 'x') &&
        sys6(SYS_pwrite64, fd, (long)page_p, PAGE, 2 * PAGE, 0, 0) == PAGE)
        done = 1;
    judge(P_SHREAD, sh, done, 'x', 'x', 'y');
}

static void cutcow_step(void)
{
    long fd, at = view_x(&fd), ok = 0;
    marker(P_CUTCOW, (long)logbuf, at, fd, 0);
    if (valid(at) && fill_store(at, 2, 'A') && sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0) {
        signal(SIGBUS, on_bus);
        marker(P_CUTCOW + 2, at, 0, 0, 0);
        if (sigsetjmp(bus_jmp, 1) == 0) {
            ok = ((volatile uint8_t *)at)[2 * PAGE] == 0x7f;   /* never: SIGBUS first */
            ok = 0;
        } else {
            ok = filled(at, 'x');
        }
        signal(SIGBUS, SIG_DFL);
    }
    log_label(P_CUTCOW, ok ? 0 : -4);
}

static void taganon_step(void)
{
    long at = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0), ok = 0;
    marker(P_TAGANON, (long)logbuf, valid(at) ? at : -1, 0, 0);
    if (valid(at) && fill_store(at, 0, 'A') && fill_store(at, 1, 'A') &&
        sys6(SYS_madvise, TAG(at + PAGE), PAGE, MADV_DONTNEED, 0, 0, 0) == 0) {
        marker(P_TAGANON + 2, at, 0, 0, 0);
        ok = filled(at, 'A') && filled(at + PAGE, 0);
    }
    log_label(P_TAGANON, ok ? 0 : -4);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    const char *steps = step_letters(argc, argv, &show_digest);
    volatile uint8_t stackbuf[64];

    long mapped = start_secret(stackbuf);
    if (!mapped)
        return 1;
    announce_placed(mapped, stackbuf);
    for (const char *s = steps; *s; s++) {
        switch (*s) {
        case 'a': punch_step(); break;
        case 'b': grow_step(); break;
        case 'c': remove_step(); break;
        case 'e': tagdrop_step(); break;
        case 'f': tagunmap_step(); break;
        case 'g': tagremap_step(); break;
        case 'h': vforkstore_step(); break;
        case 'i': threadstore_step(); break;
        case 'j': procreopen_step(); break;
        case 'k': childpriv_step(); break;
        case 'l': vforkwrite_step(); break;
        case 'm': threadwrite_step(); break;
        case 'n': keepsize_step(); break;
        case 'o': growremap_step(); break;
        case 'p': childremap_step(); break;
        case 'q': shpageout_step(); break;
        case 'r': tagremove_step(); break;
        case 's': failwrite_step(); break;
        case 't': threadcut_step(); break;
        case 'u': vforkcut_step(); break;
        case 'v': childpunch_step(); break;
        case 'w': reopenview_step(); break;
        case 'x': popread_step(P_POPREAD); break;
        case 'y': popread_step(P_READFIRST); break;
        case 'z': ksm_step(); break;
        case 'A': tagshrink_step(); break;
        case 'B': forkdrop_step(); break;
        case 'C': shdrop_step(); break;
        case 'D': shread_step(); break;
        case 'E': cutcow_step(); break;
        case 'F': taganon_step(); break;
        default: break;
        }
    }

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
