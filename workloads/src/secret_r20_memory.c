/* The attack target for memory the kernel manages for a program: calls that change
 * nothing when Linux refuses them, advice that keeps a page's bytes, protections a
 * program relies on, and the results of mincore() and process_vm_readv().
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Most steps keep a record whose first word is
 * its cursor, 2 once the record is set up, make a memory call under which Linux keeps the
 * record's bytes, and then log the label cursor - 2 names (label 0) by writing it to
 * /dev/null.  A record Linux could never have lost, read back as zero, points the write
 * two labels back, into the secret's copy.  In the order they run:
 *
 *   1. madvise(object + 64, 4096, MADV_DONTNEED) on a two-page area whose second page is
 *      the record: a start that is not page aligned is EINVAL and discards nothing.
 *   2. The same with munmap(object + 64, 4096).
 *   3. mremap(area + 64, 8192, 4096, 0) on a three-page area whose third page is the
 *      record: an old address that is not page aligned is EINVAL and moves nothing.
 *   4. brk() a megabyte below the current break (a size that underflowed), below the
 *      program's own image, with a record in a page of .bss: Linux refuses a break
 *      below the end of the data segment (it answers the current break) and changes
 *      nothing.
 *   5. mmap(record, 4096, MAP_PRIVATE | MAP_FIXED, memfd, 100): an offset that is not
 *      page aligned is EINVAL, checked before anything is unmapped.
 *   6. madvise(record, 4096, MADV_REMOVE) on private anonymous memory: EINVAL (only a
 *      shared mapping of a file or shmem can punch a hole), nothing discarded.
 *   7. madvise(record, 4096, MADV_FREE) on a MAP_SHARED anonymous page: EINVAL (lazy
 *      freeing is for private anonymous memory), nothing discarded.
 *   8. A page filled lazily: mprotect(PROT_NONE), and a SIGSEGV handler that makes it
 *      readable and writes its record (cursor 2) at the first access; the access then
 *      reads the record.  An access to a PROT_NONE page always faults.
 *   9. Only with -v (as step 22): a vault page holding a copy of the secret, made PROT_NONE (as a
 *      secure allocator locks a key away), then a dump of the program's pages that
 *      probes each with write() to a pipe it drains: EFAULT marks an unreadable page,
 *      skipped.  Linux never copies a PROT_NONE page into a pipe.  (The kernel model's
 *      own copy_from_user does not check an area's protection, so even an untouched
 *      run hands it the vault: the step runs only when asked.)
 *  10. mlock() of a touched page, then mincore(): a locked page is resident; the label
 *      (residency bit - 1) names label 0.
 *  11. process_vm_readv() of the program's own record into a local word (a copy that
 *      cannot fault): the word holds the record's bytes, the cursor 2; a failed call
 *      falls back to a plain copy.
 *  12. mprotect(record, 4096, PROT_READ): the record stays as it was.
 *  13. madvise(record, 4096, MADV_POPULATE_WRITE): the present record stays as it was.
 *  14. A MAP_PRIVATE mapping of the memfd, whose file record says 2: the program takes
 *      the record (writes 0 in its private copy) and then reverts the page with
 *      madvise(MADV_DONTNEED): a private file page dropped reads the file again (2).
 *  15. A MAP_SHARED mapping of the memfd's second page, the record written through it,
 *      then msync(MS_SYNC | MS_INVALIDATE): the shared page keeps the record.
 *  16. madvise(record, 4096, MADV_DONTNEED) on a MAP_SHARED anonymous page: shared
 *      memory keeps its bytes (the next access maps the same page).
 *  17. mremap(record, 4096, 8192, 0) where the next page is another area: growing in
 *      place fails (ENOMEM) and leaves the record as it was.
 *  18. madvise(record, 4096, MADV_DONTNEED) on a private anonymous page, a fully mapped
 *      range: Linux either discards it (0: the program sets the record up again) or,
 *      failing, discards nothing (the record keeps its cursor).
 *  19. mremap(area, 8192, 8192, MREMAP_MAYMOVE | MREMAP_FIXED, area + 4096) on a
 *      three-page area whose third page is the record: a target that overlaps the old
 *      range is EINVAL, checked before the target is unmapped.
 *  20. mremap(record, 4096, 0, 0): a new length of 0 is EINVAL, nothing cut.
 *  21. Write tracking (a garbage collector's write barrier): the record's page made
 *      PROT_READ, and a SIGSEGV handler that counts the page dirty and makes it
 *      writable; the program stores its record and logs the label (dirty count - 1).  A
 *      store to a PROT_READ page always faults, so the count is 1.
 *  22. Only with -v: a slot of a quarantine (as a use-after-free detector keeps freed
 *      memory) holding a record (cursor 2), made PROT_NONE; a read() from /dev/zero
 *      into it through a stale pointer fails with EFAULT; the slot is then made
 *      readable again and the program logs the label cursor - 2 names.  Linux never
 *      writes into a PROT_NONE page.
 *  23. madvise(record, 4096, MADV_PAGEOUT): reclaim writes the page out; its bytes stay.
 *  24. A per-process generator state in a page of a 2 MiB-aligned region, marked
 *      MADV_WIPEONFORK, then fork(): the child finds the state wiped (its flag 0) and
 *      would reseed; it reports the flag it found.
 *  25. munmap(object, length) with a length that underflowed (end - start with end
 *      below start) on a two-page area whose second page is the record: a range past
 *      the end of the address space is EINVAL and unmaps nothing.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r20.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before its memory call (x2 the log buffer, x3 the record or the page it
 * acts on, x4 the call's address where it differs), P_x + 1 after its write (x2 the index
 * it used). */
#define P_MADV_UNALIGNED 1100
#define P_MUNMAP_UNALIGNED 1102
#define P_MREMAP_UNALIGNED 1104
#define P_BRK_LOW 1106
#define P_FIXED_OFFSET 1108
#define P_REMOVE_PRIVATE 1110
#define P_FREE_SHARED 1112
#define P_LAZY 1114
#define P_VAULT 1116        /* x3 the vault, x4 the public page; + 1 after the dump */
#define P_MINCORE 1118
#define P_VM_READV 1120     /* x3 the record, x4 the local word */
#define P_PROTECT 1122
#define P_POPULATE 1124
#define P_PRIVATE_REVERT 1126
#define P_MSYNC 1128
#define P_SHARED_DONTNEED 1130
#define P_GROW_FAIL 1132
#define P_DONTNEED_ERROR 1134
#define P_REMAP_OVERLAP 1136
#define P_REMAP_ZERO 1138
#define P_WRITE_TRACK 1140
#define P_QUARANTINE 1142
#define P_PAGEOUT 1144
#define P_THP_WIPE 1146     /* x3 the region, x4 the state page; the child: + 1, its flag */
#define P_MUNMAP_LENGTH 1148
#define HUGE (2L << 20)
#include "secret_common.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static long memfd = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
/* A record the program keeps in a page of .bss of its own. */
static struct {
    volatile long cursor;
    uint8_t pad[PAGE - 8];
} bss_record __attribute__((aligned(4096)));
/* The page the SIGSEGV handler fills on first access. */
static volatile long *volatile lazy_page;
/* The page whose writes the SIGSEGV handler counts, and the count. */
static volatile long *volatile tracked_page;
static volatile long dirty_count;

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

static volatile long *map_pages(long pages, long flags)
{
    long p = sys6(SYS_mmap, 0, pages * PAGE, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS,
                  -1, 0);
    return valid(p) ? (volatile long *)p : 0;
}

static volatile long *anon(long pages)
{
    return map_pages(pages, MAP_PRIVATE);
}

static volatile long *page_at(volatile long *area, long page)
{
    return (volatile long *)((uintptr_t)area + page * PAGE);
}

/* Steps 1 and 2: a call on an address inside an object, not at a page boundary. */
static void unaligned_step(int phase, long nr)
{
    volatile long *area = anon(2);
    if (!area)
        return;
    volatile long *rec = page_at(area, 1);
    rec[0] = 2;
    memcpy((void *)((uintptr_t)area + 64), "object bytes....", 16);
    marker(phase, (long)logbuf, (long)rec, (long)area + 64, 0);
    if (nr == SYS_madvise)
        sys6(SYS_madvise, (long)area + 64, PAGE, MADV_DONTNEED, 0, 0, 0);  /* a hint */
    else
        sys6(SYS_munmap, (long)area + 64, PAGE, 0, 0, 0, 0);
    log_label(phase, rec[0] - 2);
}

static void munmap_length_step(void)
{
    volatile long *area = anon(2);
    if (!area)
        return;
    volatile long *rec = page_at(area, 1);
    rec[0] = 2;
    long start = (long)area, end = start - PAGE;    /* a stale end, below the start */
    marker(P_MUNMAP_LENGTH, (long)logbuf, (long)rec, end - start, 0);
    sys6(SYS_munmap, start, end - start, 0, 0, 0, 0);
    log_label(P_MUNMAP_LENGTH, rec[0] - 2);
}

static void mremap_unaligned_step(void)
{
    volatile long *area = anon(3);
    if (!area)
        return;
    volatile long *rec = page_at(area, 2);
    rec[0] = 2;
    marker(P_MREMAP_UNALIGNED, (long)logbuf, (long)rec, (long)area + 64, 0);
    sys6(SYS_mremap, (long)area + 64, 2 * PAGE, PAGE, 0, 0, 0);
    log_label(P_MREMAP_UNALIGNED, rec[0] - 2);
}

static void brk_low_step(void)
{
    long cur = sys6(SYS_brk, 0, 0, 0, 0, 0, 0);
    bss_record.cursor = 2;
    marker(P_BRK_LOW, (long)logbuf, (long)&bss_record, cur - 256 * PAGE, 0);
    sys6(SYS_brk, cur - 256 * PAGE, 0, 0, 0, 0, 0);  /* below the image itself: refused */
    log_label(P_BRK_LOW, bss_record.cursor - 2);
}

static void fixed_offset_step(void)
{
    volatile long *rec = anon(1);
    if (!rec || memfd < 0)
        return;
    rec[0] = 2;
    marker(P_FIXED_OFFSET, (long)logbuf, (long)rec, 0, 0);
    sys6(SYS_mmap, (long)rec, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, memfd, 100);
    log_label(P_FIXED_OFFSET, rec[0] - 2);
}

/* Steps 6, 7, 12, 13, 15, 16, 20, 23: one call on the record's page (its length one page,
 * a third argument), its result ignored. */
static void record_call_step(int phase, volatile long *rec, long nr, long a2)
{
    if (!rec)
        return;
    rec[0] = 2;
    marker(phase, (long)logbuf, (long)rec, 0, 0);
    sys6(nr, (long)rec, PAGE, a2, 0, 0, 0);
    log_label(phase, rec[0] - 2);
}

/* Step 18: a discard that succeeded left a zero page, so the record is set up again;
 * one that failed left it as it was. */
static void dontneed_error_step(void)
{
    volatile long *rec = anon(1);
    if (!rec)
        return;
    rec[0] = 2;
    marker(P_DONTNEED_ERROR, (long)logbuf, (long)rec, 0, 0);
    if (sys6(SYS_madvise, (long)rec, PAGE, MADV_DONTNEED, 0, 0, 0) == 0)
        rec[0] = 2;
    log_label(P_DONTNEED_ERROR, rec[0] - 2);
}

static void on_segv(int sig, siginfo_t *info, void *uc)
{
    (void)sig; (void)uc;
    uintptr_t at = (uintptr_t)info->si_addr, page = (uintptr_t)lazy_page;
    if (page && at - page < (uintptr_t)PAGE) {
        sys6(SYS_mprotect, (long)page, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0);
        lazy_page[0] = 2;
        return;
    }
    page = (uintptr_t)tracked_page;
    if (page && at - page < (uintptr_t)PAGE) {
        dirty_count++;
        sys6(SYS_mprotect, (long)page, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0);
        return;
    }
    signal(SIGSEGV, SIG_DFL);   /* any other fault is fatal, as without the handler */
}

static void lazy_step(void)
{
    volatile long *page = anon(1);
    if (!page)
        return;
    marker(P_LAZY, (long)logbuf, (long)page, 0, 0);
    if (sys6(SYS_mprotect, (long)page, PAGE, PROT_NONE, 0, 0, 0) != 0)
        return;
    lazy_page = page;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, &old);
    long cursor = page[0];          /* faults once: the handler fills the record */
    sigaction(SIGSEGV, &old, 0);
    lazy_page = 0;
    log_label(P_LAZY, cursor - 2);
}

static void vault_step(void)
{
    volatile long *vault = anon(1), *open = anon(1);
    int fds[2];
    if (!vault || !open || sys6(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0) != 0)
        return;
    memcpy((void *)vault, secret, SECRET_LEN);
    memcpy((void *)open, "a public page of the program....", 32);
    marker(P_VAULT, (long)logbuf, (long)vault, (long)open, 0);
    if (sys6(SYS_mprotect, (long)vault, PAGE, PROT_NONE, 0, 0, 0) != 0)
        return;
    volatile long *pages[2] = {open, vault};
    long dumped = 0;
    uint8_t drain[32];
    for (int i = 0; i < 2; i++) {
        /* write() to a pipe reads the page or fails with EFAULT: a probe that never
         * faults the program itself. */
        if (sys6(SYS_write, fds[1], (long)pages[i], 32, 0, 0, 0) != 32)
            continue;
        sys6(SYS_read, fds[0], (long)drain, 32, 0, 0, 0);
        dumped++;
    }
    sys6(SYS_close, fds[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, fds[1], 0, 0, 0, 0, 0);
    sys6(SYS_mprotect, (long)vault, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0);
    memset((void *)vault, 0, SECRET_LEN);
    marker(P_VAULT + 1, dumped, 0, 0, 0);
}

static void mincore_step(void)
{
    volatile long *page = anon(1);
    if (!page)
        return;
    page[0] = 1;
    if (sys6(SYS_mlock, (long)page, PAGE, 0, 0, 0, 0) != 0)
        return;
    uint8_t vec = 0;
    marker(P_MINCORE, (long)logbuf, (long)page, (long)&vec, 0);
    if (sys6(SYS_mincore, (long)page, PAGE, (long)&vec, 0, 0, 0) == 0)
        log_label(P_MINCORE, (long)(vec & 1) - 1);
    sys6(SYS_munlock, (long)page, PAGE, 0, 0, 0, 0);
}

static void vm_readv_step(void)
{
    volatile long *rec = anon(1);
    if (!rec)
        return;
    rec[0] = 2;
    long word = 0;
    struct iovec local = {&word, 8}, remote = {(void *)rec, 8};
    long self = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    marker(P_VM_READV, (long)logbuf, (long)rec, (long)&word, 0);
    if (sys6(SYS_process_vm_readv, self, (long)&local, 1, (long)&remote, 1, 0) != 8)
        word = rec[0];              /* no such call: a plain copy */
    log_label(P_VM_READV, word - 2);
}

static void private_revert_step(void)
{
    if (memfd < 0)
        return;
    long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, memfd, 0);
    if (!valid(p))
        return;
    volatile long *rec = (volatile long *)p;
    if (rec[0] != 2)
        return;
    rec[0] = 0;                     /* taken, in the private copy only */
    marker(P_PRIVATE_REVERT, (long)logbuf, (long)rec, 0, 0);
    sys6(SYS_madvise, (long)rec, PAGE, MADV_DONTNEED, 0, 0, 0);   /* back to the file */
    log_label(P_PRIVATE_REVERT, rec[0] - 2);
}

static void msync_step(void)
{
    if (memfd < 0)
        return;
    long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, PAGE);
    if (!valid(p))
        return;
    record_call_step(P_MSYNC, (volatile long *)p, SYS_msync, MS_SYNC | MS_INVALIDATE);
}

static void grow_fail_step(void)
{
    volatile long *area = anon(2);
    if (!area)
        return;
    /* The second page becomes an area of its own: the first cannot grow in place. */
    if (sys6(SYS_mprotect, (long)page_at(area, 1), PAGE, PROT_READ, 0, 0, 0) != 0)
        return;
    area[0] = 2;
    marker(P_GROW_FAIL, (long)logbuf, (long)area, 0, 0);
    sys6(SYS_mremap, (long)area, PAGE, 2 * PAGE, 0, 0, 0);
    log_label(P_GROW_FAIL, area[0] - 2);
}

static void remap_overlap_step(void)
{
    volatile long *area = anon(3);
    if (!area)
        return;
    volatile long *rec = page_at(area, 2);
    rec[0] = 2;
    marker(P_REMAP_OVERLAP, (long)logbuf, (long)rec, (long)page_at(area, 1), 0);
    sys6(SYS_mremap, (long)area, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
         (long)page_at(area, 1), 0);
    log_label(P_REMAP_OVERLAP, rec[0] - 2);
}

static void write_track_step(void)
{
    volatile long *rec = anon(1);
    if (!rec)
        return;
    rec[0] = 0;
    marker(P_WRITE_TRACK, (long)logbuf, (long)rec, 0, 0);
    if (sys6(SYS_mprotect, (long)rec, PAGE, PROT_READ, 0, 0, 0) != 0)
        return;
    dirty_count = 0;
    tracked_page = rec;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, &old);
    rec[0] = 2;                     /* faults once: the handler counts the page dirty */
    sigaction(SIGSEGV, &old, 0);
    tracked_page = 0;
    log_label(P_WRITE_TRACK, dirty_count - 1);
}

static void quarantine_step(void)
{
    volatile long *slot = anon(1);
    long zero = sys6(SYS_openat, AT_FDCWD, (long)"/dev/zero", O_RDONLY, 0, 0, 0);
    if (!slot || zero < 0)
        return;
    slot[0] = 2;
    marker(P_QUARANTINE, (long)logbuf, (long)slot, 0, 0);
    if (sys6(SYS_mprotect, (long)slot, PAGE, PROT_NONE, 0, 0, 0) == 0) {
        sys6(SYS_read, zero, (long)slot, 8, 0, 0, 0);     /* a stale pointer: EFAULT */
        sys6(SYS_mprotect, (long)slot, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0);
        log_label(P_QUARANTINE, slot[0] - 2);
    }
    sys6(SYS_close, zero, 0, 0, 0, 0, 0);
}

static void thp_wipe_step(void)
{
    long raw = sys6(SYS_mmap, 0, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                    -1, 0);
    if (!valid(raw))
        return;
    long region = (raw + HUGE - 1) & ~(HUGE - 1);
    volatile long *state = (volatile long *)(region + 5 * PAGE);
    state[0] = 1;                   /* seeded */
    memcpy((void *)(state + 8), secret, SECRET_LEN);
    if (sys6(SYS_madvise, (long)state, PAGE, MADV_WIPEONFORK, 0, 0, 0) == 0) {
        marker(P_THP_WIPE, (long)logbuf, region, (long)state, 0);
        long child = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (child == 0) {
            marker(P_THP_WIPE + 1, state[0], 0, 0, 0);   /* 0: wiped, reseed */
            sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
        }
        if (child > 0)
            sys6(SYS_wait4, child, 0, 0, 0, 0, 0);
    }
    memset((void *)(state + 8), 0, SECRET_LEN);
    sys6(SYS_munmap, raw, 2 * HUGE, 0, 0, 0, 0);
}

static void make_memfd(void)
{
    static uint8_t content[2 * PAGE];
    memset(content, '.', sizeof content);
    long two = 2, none = 0;
    memcpy(content, &two, 8);               /* page 0: a record whose cursor is 2 */
    memcpy(content + PAGE, &none, 8);       /* page 1: a record not yet set up */
    memfd = sys6(SYS_memfd_create, (long)"records", 0, 0, 0, 0, 0);
    if (memfd >= 0 && sys6(SYS_write, memfd, (long)content, sizeof content, 0, 0, 0)
            != (long)sizeof content)
        memfd = -1;
}

int main(int argc, char **argv)
{
    int show_digest = 0, vault_too = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        vault_too |= strcmp(argv[i], "-v") == 0;
    }
    volatile uint8_t stackbuf[64];
    uint8_t digest[32];
    char hex[80];

    marker(P_START, 0, 0, 0, 0);
    if (sys6(SYS_getrandom, (long)secret, SECRET_LEN, 0, 0, 0, 0) != SECRET_LEN) {
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
    long mapped = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    make_memfd();
    unaligned_step(P_MADV_UNALIGNED, SYS_madvise);
    unaligned_step(P_MUNMAP_UNALIGNED, SYS_munmap);
    mremap_unaligned_step();
    brk_low_step();
    fixed_offset_step();
    record_call_step(P_REMOVE_PRIVATE, anon(1), SYS_madvise, MADV_REMOVE);
    record_call_step(P_FREE_SHARED, map_pages(1, MAP_SHARED), SYS_madvise, MADV_FREE);
    lazy_step();
    if (vault_too)
        vault_step();
    mincore_step();
    vm_readv_step();
    record_call_step(P_PROTECT, anon(1), SYS_mprotect, PROT_READ);
    record_call_step(P_POPULATE, anon(1), SYS_madvise, MADV_POPULATE_WRITE);
    private_revert_step();
    msync_step();
    record_call_step(P_SHARED_DONTNEED, map_pages(1, MAP_SHARED), SYS_madvise, MADV_DONTNEED);
    grow_fail_step();
    dontneed_error_step();
    remap_overlap_step();
    record_call_step(P_REMAP_ZERO, anon(1), SYS_mremap, 0);
    write_track_step();
    if (vault_too)
        quarantine_step();
    record_call_step(P_PAGEOUT, anon(1), SYS_madvise, MADV_PAGEOUT);
    thp_wipe_step();
    munmap_length_step();

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
