/* The attack target of red-team round 67d: rseq areas whose mapping changed under them
 * (munmap'd, re-mmap'd, mremap'd, PROT_NONE'd), an area on the stack and on a MAP_PRIVATE
 * file page, and registrations whose rseq_cs Linux's return fixup rejects.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into the index
 * of a label (0 under Linux) and writes that label to /dev/null.  What Linux could never
 * have produced points the write back into the secret's copy.  The C library's area is
 * given back first (no marker).  In the order they run:
 *
 *   1. An area registered at the start of a fresh page, the page munmap'd, the area given
 *      back: Linux answers -EFAULT (rseq_reset_rseq_cpu_node_id()'s put_user() finds no
 *      VMA); 0 chooses label -4.
 *   2. The page mmap'd again (MAP_FIXED, writable) at the same address, the area given
 *      back: Linux answers 0; an error chooses label -4.
 *   3. An area on a fresh page, the page mremap'd elsewhere (MREMAP_FIXED), the area given
 *      back at the old address: Linux answers -EFAULT; 0 chooses -4.  (A fresh page is
 *      mapped at the old address and the area given back, unlabelled.)
 *   4. An area on a fresh page made PROT_NONE, given back: -EFAULT; 0 chooses -4.
 *   5. An area on the stack, registered and given back: 0 to both; an error chooses -4.
 *   6. An area at the start of a MAP_PRIVATE, PROT_READ | PROT_WRITE mapping of a memfd,
 *      registered and given back: 0 to both (put_user() breaks the copy-on-write); an
 *      error chooses -4.
 *   7. An area on page A, a writable page B mremap'd onto A (MREMAP_FIXED), the area given
 *      back: Linux answers 0 (B's page is there, writable); an error chooses -4.
 *   8. The same with a PROT_READ page B: Linux answers -EFAULT; 0 chooses -4.
 *   9. An area on page A, a PROT_READ anonymous page mmap'd over A (MAP_FIXED), the area
 *      given back: Linux answers -EFAULT; 0 chooses -4.
 *  14. The program registers its area; a vfork child (clone(CLONE_VM | CLONE_VFORK)) gives
 *      that area back (Linux: -EINVAL, rseq_fork() left the child none; 0 chooses -4) and
 *      registers the same area as its own (Linux: 0; an error chooses -4), then exits; the
 *      parent gives the area back (0).
 *  10. 11. 12. (Only with the argument -c.)  A fork child sets its area's rseq_cs to an
 *      unmapped address (10), to a kernel address (11), to a descriptor of version 1
 *      (12), and registers the area: Linux 6.13 (and 6.12.y, 6.6.y, 6.1.y) clears the
 *      non-zero rseq_cs in sys_rseq() and answers 0, so the child lives on and exits 7
 *      (an error, or an rseq_cs left set, exits 9).  The parent waits: a child that
 *      exited otherwise chooses label -4 (older kernels force_sigsegv()'d the child at
 *      the return: a child ended by a signal chooses 0; -k no longer changes anything).
 *  13. (Only with the argument -t.)  A memfd of two pages mapped MAP_PRIVATE, writable;
 *      an area registered at the start of its second page; the memfd truncated to one
 *      page (truncate_pagecache() zaps the page, private copies too); the area given
 *      back: Linux answers -EFAULT (the write fault past i_size is VM_FAULT_SIGBUS, the
 *      put_user() fixup answers -EFAULT); 0 chooses -4.  The memfd is grown again and the
 *      area given back (unlabelled).
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r67d.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64
#define ROUND_TAG "r67d"

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before it runs, P_x + 1 after its write (x2 logbuf, x3 the area). */
#define P_MUNMAPPED 7700
#define P_REMAPPED 7702
#define P_MREMAPPED 7704
#define P_PROT_NONE 7706
#define P_STACK 7708
#define P_FILE_PRIVATE 7710
#define P_CS_UNMAPPED 7712
#define P_CS_KERNEL 7714
#define P_CS_VERSION 7716
#define P_MREMAP_ONTO 7718
#define P_MREMAP_RO_ONTO 7720
#define P_MMAP_RO_OVER 7722
#define P_TRUNCATED 7724
#define P_VFORK_PARENT 7726
#define RSEQ_SIG 0xd428bc00
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"

struct rseq_area {
    uint32_t cpu_id_start;
    uint32_t cpu_id;
    uint64_t rseq_cs;
    uint32_t flags;
    uint32_t node_id;
    uint32_t mm_cid;
    uint32_t pad;
} __attribute__((aligned(32)));

struct rseq_desc {
    uint32_t version;
    uint32_t flags;
    uint64_t start_ip;
    uint64_t post_commit_offset;
    uint64_t abort_ip;
} __attribute__((aligned(32)));

static struct rseq_area area;
static struct rseq_desc bad_cs;

extern const ptrdiff_t __rseq_offset;
extern const unsigned int __rseq_size;

static long rseq_call(long va, long len, long flags, long sig)
{
    return sys6(SYS_rseq, va, len, flags, sig, 0, 0);
}

static long fresh_page(void)
{
    return sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* Steps 1 and 2: munmap'd, then mmap'd again at the same address. */
__attribute__((noinline)) static void munmapped_step(void)
{
    long page = fresh_page(), r = -1, u = -14, again = -1;
    if (mapped_ok(page) && rseq_call(page, 32, 0, RSEQ_SIG) == 0) {
        sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
        marker(P_MUNMAPPED, (long)logbuf, page, 0, 0);
        u = rseq_call(page, 32, 1, RSEQ_SIG);
        long back = sys6(SYS_mmap, page, PAGE, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (u != 0 && back == page) {
            marker(P_REMAPPED, (long)logbuf, page, u, 0);
            again = rseq_call(page, 32, 1, RSEQ_SIG);
            r = 0;
        }
    } else {
        marker(P_MUNMAPPED, (long)logbuf, page, 0, 0);
    }
    log_label(P_MUNMAPPED, u == 0 ? -4 : 0);
    if (r != 0)
        marker(P_REMAPPED, (long)logbuf, page, u, 0);
    log_label(P_REMAPPED, r == 0 && again != 0 ? -4 : 0);
    if (mapped_ok(page))
        sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
}

/* Step 3: mremap'd elsewhere. */
__attribute__((noinline)) static void mremapped_step(void)
{
    long page = fresh_page(), dest = fresh_page(), u = -14;
    marker(P_MREMAPPED, (long)logbuf, page, dest, 0);
    if (mapped_ok(page) && mapped_ok(dest) && rseq_call(page, 32, 0, RSEQ_SIG) == 0) {
        long moved = sys6(SYS_mremap, page, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dest, 0);
        if (moved == dest) {
            u = rseq_call(page, 32, 1, RSEQ_SIG);
            if (u != 0 && sys6(SYS_mmap, page, PAGE, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == page)
                rseq_call(page, 32, 1, RSEQ_SIG);
        } else {
            rseq_call(page, 32, 1, RSEQ_SIG);
        }
    }
    log_label(P_MREMAPPED, u == 0 ? -4 : 0);
    if (mapped_ok(page))
        sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
    if (mapped_ok(dest))
        sys6(SYS_munmap, dest, PAGE, 0, 0, 0, 0);
}

/* Step 4: PROT_NONE. */
__attribute__((noinline)) static void prot_none_step(void)
{
    long page = fresh_page(), u = -14;
    marker(P_PROT_NONE, (long)logbuf, page, 0, 0);
    if (mapped_ok(page) && rseq_call(page, 32, 0, RSEQ_SIG) == 0) {
        sys6(SYS_mprotect, page, PAGE, PROT_NONE, 0, 0, 0);
        u = rseq_call(page, 32, 1, RSEQ_SIG);
        sys6(SYS_mprotect, page, PAGE, PROT_READ | PROT_WRITE, 0, 0, 0);
        if (u != 0)
            rseq_call(page, 32, 1, RSEQ_SIG);
    }
    log_label(P_PROT_NONE, u == 0 ? -4 : 0);
    if (mapped_ok(page))
        sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
}

/* Step 5: on the stack. */
__attribute__((noinline)) static void stack_step(void)
{
    struct rseq_area sa;
    memset(&sa, 0, sizeof sa);
    marker(P_STACK, (long)logbuf, (long)&sa, 0, 0);
    long r = rseq_call((long)&sa, sizeof sa, 0, RSEQ_SIG);
    long u = r == 0 ? rseq_call((long)&sa, sizeof sa, 1, RSEQ_SIG) : -1;
    log_label(P_STACK, r == 0 && u == 0 ? 0 : -4);
}

/* Step 6: a MAP_PRIVATE memfd page. */
__attribute__((noinline)) static void file_private_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0), page = -1, r = -1, u = -1;
    if (fd >= 0 && sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0) == 0)
        page = sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    marker(P_FILE_PRIVATE, (long)logbuf, page, fd, 0);
    if (mapped_ok(page)) {
        r = rseq_call(page, 32, 0, RSEQ_SIG);
        u = r == 0 ? rseq_call(page, 32, 1, RSEQ_SIG) : -1;
        sys6(SYS_munmap, page, PAGE, 0, 0, 0, 0);
    }
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    log_label(P_FILE_PRIVATE, !mapped_ok(page) || (r == 0 && u == 0) ? 0 : -4);
}

static long map_read_only(long at)
{
    return sys6(SYS_mmap, at, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | (at ? MAP_FIXED : 0),
                -1, 0);
}

/* Steps 7, 8: a page (read-only where `read_only`) mremap'd onto the area's. */
__attribute__((noinline)) static void mremap_onto_step(int phase, int read_only)
{
    long a = fresh_page(), b = read_only ? map_read_only(0) : fresh_page(), u = read_only ? -14 : 0;
    marker(phase, (long)logbuf, a, b, 0);
    if (mapped_ok(a) && mapped_ok(b) && rseq_call(a, 32, 0, RSEQ_SIG) == 0) {
        long moved = sys6(SYS_mremap, b, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, a, 0);
        if (moved == a) {
            b = -1;
            u = rseq_call(a, 32, 1, RSEQ_SIG);
        }
        if (moved != a || u != 0) {
            sys6(SYS_mmap, a, PAGE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            rseq_call(a, 32, 1, RSEQ_SIG);
        }
    }
    log_label(phase, read_only ? (u == 0 ? -4 : 0) : (u == 0 ? 0 : -4));
    if (mapped_ok(a))
        sys6(SYS_munmap, a, PAGE, 0, 0, 0, 0);
    if (mapped_ok(b))
        sys6(SYS_munmap, b, PAGE, 0, 0, 0, 0);
}

/* Step 9: a read-only page mmap'd over the area's. */
__attribute__((noinline)) static void mmap_over_step(void)
{
    long a = fresh_page(), u = -14;
    marker(P_MMAP_RO_OVER, (long)logbuf, a, 0, 0);
    if (mapped_ok(a) && rseq_call(a, 32, 0, RSEQ_SIG) == 0) {
        if (map_read_only(a) == a)
            u = rseq_call(a, 32, 1, RSEQ_SIG);
        if (u != 0) {
            sys6(SYS_mmap, a, PAGE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            rseq_call(a, 32, 1, RSEQ_SIG);
        }
    }
    log_label(P_MMAP_RO_OVER, u == 0 ? -4 : 0);
    if (mapped_ok(a))
        sys6(SYS_munmap, a, PAGE, 0, 0, 0, 0);
}

static int bad_cs_steps, want_sigsegv, truncate_step;

/* Step 14: a vfork child and its parent's area. */
__attribute__((noinline)) static void vfork_parent_area_step(void)
{
    long mine = rseq_call((long)&area, sizeof area, 0, RSEQ_SIG);
    long pid = mine == 0 ? sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0) : -1;
    if (pid == 0) {
        marker(P_VFORK_PARENT, (long)logbuf, (long)&area, mine, 0);
        long u = rseq_call((long)&area, sizeof area, 1, RSEQ_SIG);
        long r = u != 0 ? rseq_call((long)&area, sizeof area, 0, RSEQ_SIG) : -1;
        log_label(P_VFORK_PARENT, u != 0 && r == 0 ? 0 : -4);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        int status = 0;
        sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    } else {
        marker(P_VFORK_PARENT, (long)logbuf, (long)&area, mine, pid);
        log_label(P_VFORK_PARENT, 0);
    }
    if (mine == 0)
        rseq_call((long)&area, sizeof area, 1, RSEQ_SIG);
}

/* Step 13 (only with the argument -t): an area past a truncated memfd's end. */
__attribute__((noinline)) static void truncated_step(void)
{
    long fd = sys6(SYS_memfd_create, (long)ROUND_TAG, 0, 0, 0, 0, 0), page = -1, u = -14;
    if (fd >= 0 && sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) == 0)
        page = sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    marker(P_TRUNCATED, (long)logbuf, page + PAGE, fd, 0);
    if (mapped_ok(page) && rseq_call(page + PAGE, 32, 0, RSEQ_SIG) == 0) {
        sys6(SYS_ftruncate, fd, PAGE, 0, 0, 0, 0);
        u = rseq_call(page + PAGE, 32, 1, RSEQ_SIG);
        if (u != 0) {
            sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0);
            rseq_call(page + PAGE, 32, 1, RSEQ_SIG);
        }
    }
    if (mapped_ok(page))
        sys6(SYS_munmap, page, 2 * PAGE, 0, 0, 0, 0);
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    log_label(P_TRUNCATED, u == 0 ? -4 : 0);
}

/* Steps 10, 11, 12: a fork child registers its area with rseq_cs set to `ptr`. */
__attribute__((noinline)) static void bad_cs_step(int phase, long ptr)
{
    marker(phase, (long)logbuf, (long)&area, ptr, 0);
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        area.rseq_cs = (uint64_t)ptr;
        long r = rseq_call((long)&area, sizeof area, 0, RSEQ_SIG);
        sys6(SYS_exit_group, r == 0 && area.rseq_cs == 0 ? 7 : 9, 0, 0, 0, 0, 0);
    }
    int status = 0;
    long w = pid > 0 ? sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) : -1;
    /* (status & 0x7f: the signal that ended it, 0 where it exited) */
    /* (status & 0x7f: the signal that ended it, 0 where it exited; 7 << 8: it exited 7) */
    int lived = w == pid && (status & 0x7f) == 0;
    log_label(phase, pid > 0 && lived && status != 7 << 8 ? -4 : 0);
}

int main(int argc, char **argv)
{
    int show_digest = 0;
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0, bad_cs_steps |= strcmp(argv[i], "-c") == 0,
        want_sigsegv |= strcmp(argv[i], "-k") == 0, truncate_step |= strcmp(argv[i], "-t") == 0;
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
    long mapped = fresh_page();
    if (!mapped_ok(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    memcpy((uint8_t *)mapped + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    marker(P_PLACED, (long)logbuf, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    if (__rseq_size)
        rseq_call((long)__builtin_thread_pointer() + __rseq_offset, __rseq_size, 1, RSEQ_SIG);
    munmapped_step();
    mremapped_step();
    prot_none_step();
    stack_step();
    file_private_step();
    mremap_onto_step(P_MREMAP_ONTO, 0);
    mremap_onto_step(P_MREMAP_RO_ONTO, 1);
    mmap_over_step();
    vfork_parent_area_step();
    if (truncate_step)
        truncated_step();
    if (bad_cs_steps) {
        long gone = fresh_page();
        if (mapped_ok(gone))
            sys6(SYS_munmap, gone, PAGE, 0, 0, 0, 0);
        bad_cs_step(P_CS_UNMAPPED, mapped_ok(gone) ? gone : 16);
        bad_cs_step(P_CS_KERNEL, (long)0xffff000000001000UL);
        bad_cs_step(P_CS_VERSION, (bad_cs.version = 1, (long)&bad_cs));
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
