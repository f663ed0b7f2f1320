/* The attack target for the secure memory-management ABI: pages the kernel may merge,
 * share with a fork child, swap out, move and discard, while a syscall writes into them.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step keeps a record in a page of its own,
 * makes the memory calls Linux answers in a known way, reads the record back, turns it
 * into the index of a label (0 under Linux) and writes that label to /dev/null.  A
 * record Linux could never have produced points the write back into the secret's copy.
 * In the order they run:
 *
 *   1. Two zero pages A and B of one private anonymous area, both written (present),
 *      made MADV_MERGEABLE; then read() from a pipe puts the word 4 into A.  B stays
 *      zero: a write into a page KSM merged copies it first (do_wp_page() never reuses
 *      a KSM page); -B[0] chooses the label.
 *   2. A private page P holding 4, then fork(): the child waits on a pipe; the parent
 *      read()s the word 0 into P, wakes the child and waits for it.  The child's P still
 *      holds 4 (fork copies private memory: copy_to_user in the parent breaks the CoW
 *      share, wp_page_copy()); the child logs P[0] - 4, the parent logs P[0].
 *   3. A private page Q holding 0; a first child writes 4 into its copy of Q and exits;
 *      a second child, forked after, reads Q: 0 (the parent's bytes); it logs -Q[0] and
 *      so does the parent.
 *   4. A private page R holding 2 (and the page U after it, equal, both
 *      MADV_MERGEABLE), madvise(R, MADV_PAGEOUT) (reclaim may write it out), then
 *      mremap(MAYMOVE | FIXED) onto a reserved page T: T holds 2 (move_ptes() carries
 *      the page, a KSM page or its swap entry); T[0] - 2 chooses the label.
 *   5. Two private pages C and D both holding 4, made MADV_MERGEABLE; then
 *      madvise(C, MADV_DONTNEED): C reads 0 (zap_page_range_single(); the next touch of
 *      private anonymous memory maps a zero page); -C[0] chooses the label.
 *   6. A 2 MiB-aligned region X of a private anonymous area, every page written (the
 *      first holds 2, the others 0): khugepaged may collapse it into a huge page, which
 *      keeps each page's bytes at its address (collapse_huge_page() copies page i to
 *      subpage i); X[0] - 2 chooses the label.
 *   7. A private page S holding 0; a first child writes 4 into its copy of S and waits on
 *      a pipe (alive); a second child, forked meanwhile, reads S: 0 (the parent's bytes,
 *      copy_page_range() at its fork); it logs -S[0].  The parent then wakes the first
 *      child and waits for both.
 *   8. A second 2 MiB-aligned region Y, every page written (the first holds 2), then
 *      madvise(Y + 4096, 4096, MADV_DONTNEED): only the second page goes (a huge page is
 *      split first, split_huge_pmd() in zap_pmd_range()); Y[0] - 2 chooses the label.
 *   9. A private page M holding 2, then fork(): the child waits on a pipe; the parent
 *      moves M onto a reserved page T with mremap(MAYMOVE | FIXED) while the child
 *      still shares it (move_ptes() carries the write-protected pte), logs T[0] - 2 and
 *      wakes the child, which logs M[0] - 2 (its copy stays at M).
 *  10. A private page V holding 4, a call (its marker), then V[0] = 0 and fork(): the
 *      child logs -V[0] (fork copies the page as it is at the fork: 0), and so does
 *      the parent after waiting for it.
 *  11. mmap(MAP_PRIVATE | MAP_ANONYMOUS) with a file descriptor (/dev/null's) and then
 *      with fd -1 and a non-zero offset: Linux ignores both for anonymous memory
 *      (ksys_mmap_pgoff() never looks at fd; the offset only sets vm_pgoff), so each
 *      page reads zero; -P[0] chooses each label.
 *  12. A private page G holding 0, a call (its marker), then fork(): the child writes 4
 *      into its copy, makes a call (its marker) and reads G back: 4; G[0] - 4 chooses
 *      the child's label, -G[0] the parent's after waiting.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r50.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
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
/* Each step: P_x before its memory calls (x2 the log buffer, x3.. its pages), P_x + 1
 * after its write (x2 the index it used). */
#define P_KSM_READ 5000      /* x3 A, x4 B */
#define P_FORK_WRITE 5002    /* parent: x3 P, x4 the child's pid */
#define P_FORK_CHILD 5004    /* the child, after the parent wrote: x3 P */
#define P_REUSE 5006         /* parent: x3 Q */
#define P_REUSE_FIRST 5008   /* the first child, after its write: x3 Q */
#define P_REUSE_SECOND 5010  /* the second child, before its read: x3 Q */
#define P_MREMAP_OUT 5012    /* x3 R, x4 T */
#define P_DONTNEED_KSM 5014  /* x3 C, x4 D */
#define P_THP_ORDER 5016     /* x3 X */
#define P_SIBLING 5018       /* parent, before the forks: x3 S */
#define P_SIBLING_FIRST 5020 /* the first child, after its write: x3 S */
#define P_SIBLING_SECOND 5022 /* the second child, before its read: x3 S */
#define P_THP_DONTNEED 5024  /* x3 Y */
#define P_FORK_MREMAP 5026   /* parent: x3 M, x4 T; the child: + 2 */
#define P_SNAPSHOT 5030      /* parent, before its last write: x3 V; the child: + 2 */
#define P_ANON_FD 5034       /* x3 the page mapped with fd /dev/null */
#define P_ANON_OFF 5036      /* x3 the page mapped with fd -1 and offset 20 KiB */
#define P_SHARE_TWICE 5038   /* parent, before the fork: x3 G; the child: + 2 */
#define HUGE (2L << 20)
#include "secret_common.h"

#ifndef MADV_MERGEABLE
#define MADV_MERGEABLE 12
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];

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

static volatile long *map_pages(long pages)
{
    long p = sys6(SYS_mmap, 0, pages * PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return valid(p) ? (volatile long *)p : 0;
}

static void wait_child(long pid)
{
    int status = 0;
    if (pid > 0)
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
}

static void ksm_read_step(void)
{
    volatile long *a = map_pages(2);
    int p[2];
    long four = 4;
    if (!a || sys6(SYS_pipe2, (long)p, 0, 0, 0, 0, 0) != 0)
        return;
    volatile long *b = a + PAGE / 8;
    a[0] = 0;
    b[0] = 0;
    sys6(SYS_madvise, (long)a, 2 * PAGE, MADV_MERGEABLE, 0, 0, 0);
    sys6(SYS_write, p[1], (long)&four, 8, 0, 0, 0);
    marker(P_KSM_READ, (long)logbuf, (long)a, (long)b, 0);
    sys6(SYS_read, p[0], (long)a, 8, 0, 0, 0);
    log_label(P_KSM_READ, -b[0]);
    sys6(SYS_close, p[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, p[1], 0, 0, 0, 0, 0);
}

static void fork_write_step(void)
{
    volatile long *pg = map_pages(1);
    int data[2], wake[2];
    long zero = 0;
    char c = 0;
    if (!pg || sys6(SYS_pipe2, (long)data, 0, 0, 0, 0, 0) != 0 ||
        sys6(SYS_pipe2, (long)wake, 0, 0, 0, 0, 0) != 0)
        return;
    pg[0] = 4;
    sys6(SYS_write, data[1], (long)&zero, 8, 0, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_read, wake[0], (long)&c, 1, 0, 0, 0);
        marker(P_FORK_CHILD, (long)logbuf, (long)pg, 0, 0);
        log_label(P_FORK_CHILD, pg[0] - 4);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    marker(P_FORK_WRITE, (long)logbuf, (long)pg, pid, 0);
    sys6(SYS_read, data[0], (long)pg, 8, 0, 0, 0);
    sys6(SYS_write, wake[1], (long)"x", 1, 0, 0, 0);
    wait_child(pid);
    log_label(P_FORK_WRITE, pg[0]);
    for (int i = 0; i < 2; i++) {
        sys6(SYS_close, data[i], 0, 0, 0, 0, 0);
        sys6(SYS_close, wake[i], 0, 0, 0, 0, 0);
    }
}

static void reuse_step(void)
{
    volatile long *q = map_pages(1);
    if (!q)
        return;
    q[0] = 0;
    marker(P_REUSE, (long)logbuf, (long)q, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        q[0] = 4;
        marker(P_REUSE_FIRST, (long)logbuf, (long)q, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    wait_child(pid);
    pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        marker(P_REUSE_SECOND, (long)logbuf, (long)q, 0, 0);
        log_label(P_REUSE_SECOND, -q[0]);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    wait_child(pid);
    log_label(P_REUSE, -q[0]);
}

static void mremap_out_step(void)
{
    volatile long *r = map_pages(2), *t = map_pages(1);
    if (!r || !t)
        return;
    volatile long *u = r + PAGE / 8;
    r[0] = 2;
    u[0] = 2;
    sys6(SYS_madvise, (long)r, 2 * PAGE, MADV_MERGEABLE, 0, 0, 0);
    sys6(SYS_madvise, (long)r, PAGE, MADV_PAGEOUT, 0, 0, 0);
    marker(P_MREMAP_OUT, (long)logbuf, (long)r, (long)t, (long)u);
    long got = sys6(SYS_mremap, (long)r, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (long)t, 0);
    log_label(P_MREMAP_OUT, got == (long)t ? t[0] - 2 : r[0] - 2);
}

static void dontneed_ksm_step(void)
{
    volatile long *c = map_pages(2);
    if (!c)
        return;
    volatile long *d = c + PAGE / 8;
    c[0] = 4;
    d[0] = 4;
    sys6(SYS_madvise, (long)c, 2 * PAGE, MADV_MERGEABLE, 0, 0, 0);
    marker(P_DONTNEED_KSM, (long)logbuf, (long)c, (long)d, 0);
    if (sys6(SYS_madvise, (long)c, PAGE, MADV_DONTNEED, 0, 0, 0) == 0)
        log_label(P_DONTNEED_KSM, -c[0]);
    else
        log_label(P_DONTNEED_KSM, 0);
}

static void thp_order_step(void)
{
    volatile long *area = map_pages(2 * HUGE / PAGE);
    if (!area)
        return;
    volatile long *x = (volatile long *)(((long)area + HUGE - 1) & ~(HUGE - 1));
    for (long i = 0; i < HUGE / 8; i += PAGE / 8)
        x[i] = 0;
    x[0] = 2;
    marker(P_THP_ORDER, (long)logbuf, (long)x, 0, 0);
    log_label(P_THP_ORDER, x[0] - 2);
    sys6(SYS_munmap, (long)area, 2 * HUGE, 0, 0, 0, 0);
}

static void thp_dontneed_step(void)
{
    volatile long *area = map_pages(2 * HUGE / PAGE);
    if (!area)
        return;
    volatile long *y = (volatile long *)(((long)area + HUGE - 1) & ~(HUGE - 1));
    for (long i = 0; i < HUGE / 8; i += PAGE / 8)
        y[i] = 0;
    y[0] = 2;
    marker(P_THP_DONTNEED, (long)logbuf, (long)y, 0, 0);
    sys6(SYS_madvise, (long)y + PAGE, PAGE, MADV_DONTNEED, 0, 0, 0);
    log_label(P_THP_DONTNEED, y[0] - 2);
    sys6(SYS_munmap, (long)area, 2 * HUGE, 0, 0, 0, 0);
}

static void fork_mremap_step(void)
{
    volatile long *m = map_pages(1), *t = map_pages(1);
    int wake[2];
    char c = 0;
    if (!m || !t || sys6(SYS_pipe2, (long)wake, 0, 0, 0, 0, 0) != 0)
        return;
    m[0] = 2;
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_read, wake[0], (long)&c, 1, 0, 0, 0);
        marker(P_FORK_MREMAP + 2, (long)logbuf, (long)m, 0, 0);
        log_label(P_FORK_MREMAP + 2, m[0] - 2);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    marker(P_FORK_MREMAP, (long)logbuf, (long)m, (long)t, 0);
    long got = sys6(SYS_mremap, (long)m, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (long)t, 0);
    log_label(P_FORK_MREMAP, got == (long)t ? t[0] - 2 : m[0] - 2);
    sys6(SYS_write, wake[1], (long)"x", 1, 0, 0, 0);
    wait_child(pid);
    sys6(SYS_close, wake[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, wake[1], 0, 0, 0, 0, 0);
}

static void snapshot_step(void)
{
    volatile long *v = map_pages(1);
    if (!v)
        return;
    v[0] = 4;
    marker(P_SNAPSHOT, (long)logbuf, (long)v, 0, 0);
    v[0] = 0;
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        marker(P_SNAPSHOT + 2, (long)logbuf, (long)v, 0, 0);
        log_label(P_SNAPSHOT + 2, -v[0]);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    wait_child(pid);
    log_label(P_SNAPSHOT, -v[0]);
}

static void anon_args_step(int phase, long fd, long offset)
{
    long p = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, fd,
                  offset);
    if (!valid(p))
        return;
    marker(phase, (long)logbuf, p, 0, 0);
    log_label(phase, -*(volatile long *)p);
}

static void share_twice_step(void)
{
    volatile long *g = map_pages(1);
    if (!g)
        return;
    g[0] = 0;
    marker(P_SHARE_TWICE, (long)logbuf, (long)g, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        g[0] = 4;
        marker(P_SHARE_TWICE + 2, (long)logbuf, (long)g, 0, 0);
        log_label(P_SHARE_TWICE + 2, g[0] - 4);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    wait_child(pid);
    log_label(P_SHARE_TWICE, -g[0]);
}

static void sibling_step(void)
{
    volatile long *sp = map_pages(1);
    int wake[2];
    char c = 0;
    if (!sp || sys6(SYS_pipe2, (long)wake, 0, 0, 0, 0, 0) != 0)
        return;
    sp[0] = 0;
    marker(P_SIBLING, (long)logbuf, (long)sp, 0, 0);
    long first = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (first == 0) {
        sp[0] = 4;
        marker(P_SIBLING_FIRST, (long)logbuf, (long)sp, 0, 0);
        sys6(SYS_read, wake[0], (long)&c, 1, 0, 0, 0);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    long second = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (second == 0) {
        marker(P_SIBLING_SECOND, (long)logbuf, (long)sp, 0, 0);
        log_label(P_SIBLING_SECOND, -sp[0]);
        sys6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
    }
    wait_child(second);
    sys6(SYS_write, wake[1], (long)"x", 1, 0, 0, 0);
    wait_child(first);
    log_label(P_SIBLING, -sp[0]);
    sys6(SYS_close, wake[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, wake[1], 0, 0, 0, 0, 0);
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
    ksm_read_step();
    fork_write_step();
    reuse_step();
    mremap_out_step();
    dontneed_ksm_step();
    thp_order_step();
    sibling_step();
    thp_dontneed_step();
    fork_mremap_step();
    snapshot_step();
    anon_args_step(P_ANON_FD, devnull, 0);
    anon_args_step(P_ANON_OFF, -1, 5 * PAGE);
    share_twice_step();

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
