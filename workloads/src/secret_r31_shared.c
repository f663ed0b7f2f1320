/* The attack target for memory a program shares with the kernel by design, and for the
 * calls in which the kernel acts on a program's memory on its behalf: mincore()'s
 * residency vector, lazily freed (MADV_FREE) memory written again, advice that keeps a
 * page's bytes (MADV_COLD, MADV_POPULATE_READ, mlock2(MLOCK_ONFAULT)), personality(),
 * membarrier(), rseq() registrations, set_tid_address(), prctl()'s THP and VMA-name
 * options, remap_file_pages(), set_robust_list(), process_madvise() and userfaultfd's
 * UFFDIO_COPY.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step turns what it observed into a
 * label's index and writes that label to /dev/null (8 bytes).  Under Linux's contract
 * the index is always 0..3; an answer Linux never gives points the write into the
 * secret's copy.  In the order they run:
 *
 *   1. mincore() of a page the program just wrote: Linux writes 0 or 1 per page (bit 0;
 *      the other bits are always clear); minus the bits above bit 0 choose the label.
 *   2. mincore() over three pages whose middle one the program unmapped: Linux answers
 *      -ENOMEM for a range with a hole; a success chooses index -4.
 *   3. A record (cursor 2) in a private page marked MADV_FREE and then written again,
 *      then a call (the marker): a lazily freed page written after the advice is dirty
 *      and is never discarded; cursor - 2 chooses the label.
 *   4. The record after madvise(MADV_COLD) of its page: cold pages keep their bytes.
 *   5. The record after madvise(MADV_POPULATE_READ) of its page.
 *   6. The record after mlock2(MLOCK_ONFAULT) of its page (then munlock()).
 *   7. personality(ADDR_NO_RANDOMIZE), then personality(0xffffffff): Linux reports what
 *      the program set; a persona that is neither that nor 0 (a kernel that keeps none)
 *      chooses index -4.
 *   8. personality(0xffffffff): Linux answers an unsigned int; the bits above 32 choose
 *      the label (minus their value).
 *   9. membarrier(MEMBARRIER_CMD_QUERY): Linux answers a mask of its commands (bits 0..9);
 *      minus the count of bits above them chooses the label.
 *  10. rseq() registration of a 32-byte area, then the same registration again: Linux
 *      answers -EBUSY to the second; two successes choose index -4.
 *  11. rseq(RSEQ_FLAG_UNREGISTER) of an area never registered: -EINVAL; a success
 *      chooses index -4.
 *  12. rseq() of an area that is not 32-byte aligned: -EINVAL; a success, -4.
 *  13. set_tid_address(): Linux answers the caller's thread id; (answer - gettid())
 *      chooses the label.
 *  14. prctl(PR_SET_THP_DISABLE, 1), then prctl(PR_GET_THP_DISABLE): Linux reports 1
 *      once the set succeeded; a success followed by 0 chooses index -4.
 *  15. prctl(PR_SET_THP_DISABLE, 1, 1): arg3 must be 0 (-EINVAL); a success, -4.
 *  16. prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME) with a name holding '$': -EINVAL; a
 *      success, -4.
 *  17. remap_file_pages() with prot != 0: -EINVAL; a success, -4.
 *  18. set_robust_list() with a length other than 24: -EINVAL; a success, -4.
 *  19. process_madvise(MADV_COLD) of one page through a pidfd of the program itself:
 *      Linux answers at most the 4096 bytes the iovec holds; (4096 - answer) / 1024
 *      chooses the label.
 *  20. userfaultfd: a page registered for missing faults, filled with UFFDIO_COPY from a
 *      public label; once UFFDIO_COPY reports the whole page copied, the page holds the
 *      source's bytes; a page that differs chooses index -4.
 *  21. A word holding -4, then fork(): the child waits on a pipe while the parent
 *      writes 2 into the child's word with process_vm_writev() and sends the child the
 *      call's result; once the call reported all 8 bytes written, the child's word is 2
 *      and chooses the label the child logs (otherwise the child logs label 0).  The
 *      parent then hands the child the secret's first 8 bytes the same way (the child's
 *      own copy of logbuf already holds them): memory passed between the program's own
 *      processes.
 *  22. io_uring with a kernel thread polling the submission queue (IORING_SETUP_SQPOLL):
 *      the rings mapped from the ring's descriptor, one IORING_OP_NOP submitted with
 *      user_data 7, the completion queue polled (sched_yield() between looks); Linux's
 *      completion carries the submission's user_data, and (user_data - 7) chooses the
 *      label.
 *  23. prctl(PR_SET_MM, 99): no such field (-EINVAL, or -EPERM without
 *      CAP_SYS_RESOURCE); a success chooses index -4.
 *  24. remap_file_pages() of the program's private anonymous area: only a shared
 *      mapping can be remapped (-EINVAL); a success, -4.
 *  25. process_madvise() with flags 1: flags must be 0 (-EINVAL); a success, -4.
 *  26. The record (cursor 2) after process_madvise(MADV_DONTNEED) of its page: that
 *      advice is not one process_madvise() takes (-EINVAL), so nothing is discarded;
 *      cursor - 2 chooses the label.
 *  27. userfaultfd: a page the program already wrote (a word of -4) registered for
 *      missing faults, then UFFDIO_ZEROPAGE over it: Linux answers -EEXIST for a page
 *      already present; once it reports the page zeroed, the word is 0 and chooses the
 *      label.
 *  28. membarrier(MEMBARRIER_CMD_GET_REGISTRATIONS) in a process that registered
 *      nothing: Linux reports no registration (or -EINVAL before 6.3); minus the count of
 *      registrations reported chooses the label.
 *  29. A two-page memfd mapped MAP_SHARED, its first page holding -4 and its second 2,
 *      then remap_file_pages(first page, pgoff 1): once it succeeded the first page
 *      shows the file's second page, and its word (2) chooses the label.
 *  30. A lock word in MAP_SHARED memory held by the parent (its TID), listed in a
 *      robust-futex list a fork child registers before it exits: the exit's walk marks
 *      FUTEX_OWNER_DIED only in words the dying thread owns, so the parent's word stays
 *      as it was; OWNER_DIED in it chooses index -4.
 *  31. userfaultfd: a fresh page registered for missing faults and never touched, then
 *      one non-blocking read() of the descriptor: no thread faulted, so Linux has no
 *      event (-EAGAIN); a page-fault event's address, in pages from the registered
 *      page, chooses the label.
 *  32. (only with -l) The record (cursor 2) in a page locked with mlock(), then
 *      madvise(MADV_DONTNEED) of it: Linux refuses DONTNEED on a VM_LOCKED area
 *      (-EINVAL) and the page keeps its bytes; cursor - 2 chooses the label.
 *  33. (only with -l) The same with madvise(MADV_FREE): also refused on a locked area.
 *  34. (only with -l) The record set to -4 in the locked page, then
 *      madvise(MADV_DONTNEED_LOCKED): once it succeeded the private page reads as zeros,
 *      and the record (0) chooses the label.  (qemu-user's madvise emulation answers 0
 *      to MADV_DONTNEED_LOCKED without discarding: run -l on a real kernel only.)
 *  35. A pipe, vmsplice() of 8 bytes of a public label into its write end, then read()
 *      of 8 bytes from its read end: once vmsplice() reported 8 bytes, the read returns
 *      them; bytes that differ choose index -4.
 *  39. userfaultfd: a fresh page registered for missing faults and filled with
 *      UFFDIO_COPY from the program's own page that holds a copy of its secret (the
 *      program moving its own memory); always label 0.
 *  The -l steps were those whose honest answer the kernel model got wrong (it discarded
 *  locked pages, kept no membarrier registrations, ignored mlock flags); it follows Linux
 *  there now (tests/test_redteam_r31_victim.py runs them), but qemu-user answers
 *  MADV_DONTNEED_LOCKED without discarding, so the default run leaves them out.  They
 *  (32..34, 36..38) run last.
 *  36. (only with -l) membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) without having
 *      registered for it: -EPERM; a success chooses index -4.
 *  37. (only with -l) mlock2() with flags 2 (only MLOCK_ONFAULT exists): -EINVAL; a
 *      success, -4.
 *  38. (only with -l) mlockall(MCL_ONFAULT) alone: -EINVAL; a success, -4.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r31.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
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

#define P_START 0
#define P_PLACED 1
#define P_END 21
/* Each step: P_x before it (x2 the log buffer, x3 the page or word it acts on), P_x + 1
 * after its write (x2 the index it used). */
#define P_MINCORE_BITS 3100
#define P_MINCORE_HOLE 3102
#define P_FREE_REDIRTY 3104
#define P_COLD 3106
#define P_POPULATE_READ 3108
#define P_MLOCK_ONFAULT 3110
#define P_PERSONA 3112
#define P_PERSONA_WIDE 3114
#define P_MEMBARRIER 3116
#define P_RSEQ_TWICE 3118
#define P_RSEQ_UNREG 3120
#define P_RSEQ_ALIGN 3122
#define P_TID_ADDRESS 3124
#define P_THP_KEEP 3126
#define P_THP_ARGS 3128
#define P_VMA_NAME 3130
#define P_REMAP_PROT 3132
#define P_ROBUST_LEN 3134
#define P_PROC_MADVISE 3136
#define P_UFFD_COPY 3138
#define P_VM_WRITEV 3140   /* x3 the word; the child logs */
#define P_URING 3142       /* x3 the params */
#define P_PR_SET_MM 3144
#define P_REMAP_PRIVATE 3146
#define P_PMADV_FLAGS 3148
#define P_PMADV_DONTNEED 3150
#define P_UFFD_ZEROPAGE 3152
#define P_MEMBARRIER_REGS 3154
#define P_REMAP_SHARED 3156
#define P_ROBUST_DEATH 3158   /* x3 the robust-list head, x4 the futex word */
#define P_UFFD_EVENT 3160
#define P_LOCKED_DONTNEED 3162  /* only with -l: x3 the page, x4 the record */
#define P_LOCKED_FREE 3164      /* only with -l: x3 the page, x4 the record */
#define P_DONTNEED_LOCKED 3166  /* only with -l: x3 the page, x4 the record */
#define P_VMSPLICE 3168
#define P_UFFD_OWN 3176
#define P_MEMBARRIER_UNREG 3170 /* only with -l */
#define P_MLOCK2_FLAGS 3172     /* only with -l */
#define P_MLOCKALL_ONFAULT 3174 /* only with -l */
#include "secret_common.h"

#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_rseq
#define SYS_rseq 293
#endif
#ifndef SYS_userfaultfd
#define SYS_userfaultfd 282
#endif
#define ADDR_NO_RANDOMIZE_F 0x0040000L
#define MADV_FREE_A 8
#define MADV_COLD_A 20
#define MADV_POPULATE_READ_A 22
#define MLOCK_ONFAULT_F 1
#define RSEQ_SIG_V 0xd428bc00
#define PR_SET_THP_DISABLE_O 41
#define PR_GET_THP_DISABLE_O 42
#define PR_SET_VMA_O 0x53564d41
#define UFFD_USER_MODE_ONLY_F 1
#define UFFDIO_API_R 0xc018aa3fUL
#define UFFDIO_REGISTER_R 0xc020aa00UL
#define UFFDIO_COPY_R 0xc028aa03UL
#define UFFDIO_REGISTER_MODE_MISSING_F 1
#define SIGCHLD_N 17

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t *area;           /* three private pages: [0] probed, [1] unmapped, [2] record */
static uint32_t rseq_area[16] __attribute__((aligned(64)));
static uint32_t rseq_other[8] __attribute__((aligned(32)));
static volatile int tid_word;
static uint64_t robust_head[3];
static uint8_t label_page[PAGE] __attribute__((aligned(4096)));

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

static void mincore_bits_step(void)
{
    unsigned char vec[4] = {0, 0, 0, 0};
    area[0] = 1;
    marker(P_MINCORE_BITS, (long)logbuf, (long)area, (long)vec, 0);
    long r = sys6(SYS_mincore, (long)area, PAGE, (long)vec, 0, 0, 0);
    log_label(P_MINCORE_BITS, r == 0 ? -(long)(vec[0] & 0xfe) : 0);
}

static void mincore_hole_step(void)
{
    unsigned char vec[4] = {0, 0, 0, 0};
    marker(P_MINCORE_HOLE, (long)logbuf, (long)area, (long)vec, 0);
    long r = sys6(SYS_mincore, (long)area, 3 * PAGE, (long)vec, 0, 0, 0);
    log_label(P_MINCORE_HOLE, r == 0 ? -4 : 0);
}

/* The record: cursor 2 in the third page; cursor - 2 chooses the label. */
static volatile long *record(void)
{
    return (volatile long *)(area + 2 * PAGE + 128);
}

static void free_redirty_step(void)
{
    *record() = 2;
    sys6(SYS_madvise, (long)(area + 2 * PAGE), PAGE, MADV_FREE_A, 0, 0, 0);
    *record() = 2;                      /* written again: the page is dirty */
    marker(P_FREE_REDIRTY, (long)logbuf, (long)(area + 2 * PAGE), (long)record(), 0);
    log_label(P_FREE_REDIRTY, *record() - 2);
}

static void advice_step(int phase, long nr, long a0, long a1, long a2)
{
    *record() = 2;
    marker(phase, (long)logbuf, (long)(area + 2 * PAGE), (long)record(), 0);
    sys6(nr, a0, a1, a2, 0, 0, 0);
    log_label(phase, *record() - 2);
}

static void persona_step(void)
{
    marker(P_PERSONA, (long)logbuf, 0, 0, 0);
    long old = sys6(SYS_personality, ADDR_NO_RANDOMIZE_F, 0, 0, 0, 0, 0);
    long now = sys6(SYS_personality, 0xffffffffL, 0, 0, 0, 0, 0);
    if (old >= 0)
        sys6(SYS_personality, old & 0xffffffffL, 0, 0, 0, 0, 0);
    long index = 0;
    if (old >= 0 && now != ADDR_NO_RANDOMIZE_F && now != 0)
        index = -4;
    log_label(P_PERSONA, index);
}

static void persona_wide_step(void)
{
    marker(P_PERSONA_WIDE, (long)logbuf, 0, 0, 0);
    long now = sys6(SYS_personality, 0xffffffffL, 0, 0, 0, 0, 0);
    log_label(P_PERSONA_WIDE, now > 0 ? -(long)((unsigned long)now >> 32) : 0);
}

static void membarrier_step(void)
{
    marker(P_MEMBARRIER, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_membarrier, 0, 0, 0, 0, 0, 0);     /* MEMBARRIER_CMD_QUERY */
    log_label(P_MEMBARRIER, r > 0 ? -__builtin_popcountl((unsigned long)r & ~0x3ffUL) : 0);
}

static void rseq_twice_step(void)
{
    marker(P_RSEQ_TWICE, (long)logbuf, (long)rseq_area, 0, 0);
    long r1 = sys6(SYS_rseq, (long)rseq_area, 32, 0, RSEQ_SIG_V, 0, 0);
    long r2 = r1 == 0 ? sys6(SYS_rseq, (long)rseq_area, 32, 0, RSEQ_SIG_V, 0, 0) : -1;
    if (r1 == 0)
        sys6(SYS_rseq, (long)rseq_area, 32, 1, RSEQ_SIG_V, 0, 0);   /* unregister */
    log_label(P_RSEQ_TWICE, r1 == 0 && r2 == 0 ? -4 : 0);
}

static void rseq_unreg_step(void)
{
    marker(P_RSEQ_UNREG, (long)logbuf, (long)rseq_other, 0, 0);
    long r = sys6(SYS_rseq, (long)rseq_other, 32, 1, RSEQ_SIG_V, 0, 0);
    log_label(P_RSEQ_UNREG, r == 0 ? -4 : 0);
}

static void rseq_align_step(void)
{
    marker(P_RSEQ_ALIGN, (long)logbuf, (long)rseq_area + 8, 0, 0);
    long r = sys6(SYS_rseq, (long)rseq_area + 8, 32, 0, RSEQ_SIG_V, 0, 0);
    if (r == 0)
        sys6(SYS_rseq, (long)rseq_area + 8, 32, 1, RSEQ_SIG_V, 0, 0);
    log_label(P_RSEQ_ALIGN, r == 0 ? -4 : 0);
}

static void tid_address_step(void)
{
    long tid = sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);
    marker(P_TID_ADDRESS, (long)logbuf, (long)&tid_word, 0, 0);
    long r = sys6(SYS_set_tid_address, (long)&tid_word, 0, 0, 0, 0, 0);
    log_label(P_TID_ADDRESS, r - tid);
}

static void thp_keep_step(void)
{
    marker(P_THP_KEEP, (long)logbuf, 0, 0, 0);
    long s = sys6(SYS_prctl, PR_SET_THP_DISABLE_O, 1, 0, 0, 0, 0);
    long g = sys6(SYS_prctl, PR_GET_THP_DISABLE_O, 0, 0, 0, 0, 0);
    if (s == 0)
        sys6(SYS_prctl, PR_SET_THP_DISABLE_O, 0, 0, 0, 0, 0);
    log_label(P_THP_KEEP, s == 0 && g == 0 ? -4 : 0);
}

static void must_fail_step(int phase, long nr, long a0, long a1, long a2, long a3, long a4)
{
    marker(phase, (long)logbuf, a0, a1, 0);
    long r = sys6(nr, a0, a1, a2, a3, a4, 0);
    log_label(phase, r == 0 ? -4 : 0);
}

static void proc_madvise_step(void)
{
    marker(P_PROC_MADVISE, (long)logbuf, (long)(area + 2 * PAGE), 0, 0);
    long pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    long pidfd = sys6(SYS_pidfd_open, pid, 0, 0, 0, 0, 0);
    long r = -1;
    if (pidfd >= 0) {
        struct { void *base; unsigned long len; } iov = {area + 2 * PAGE, PAGE};
        r = sys6(SYS_process_madvise, pidfd, (long)&iov, 1, MADV_COLD_A, 0, 0);
        sys6(SYS_close, pidfd, 0, 0, 0, 0, 0);
    }
    log_label(P_PROC_MADVISE, r > PAGE ? (PAGE - r) / 1024 : 0);
}

static void uffd_copy_step(void)
{
    long index = 0;
    marker(P_UFFD_COPY, (long)logbuf, 0, 0, 0);
    uint8_t *page = (uint8_t *)sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long fd = sys6(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY_F, 0, 0, 0,
                   0, 0);
    if (valid((long)page) && fd >= 0) {
        uint64_t api[3] = {0xAA, 0, 0};
        uint64_t reg[4] = {(uint64_t)page, PAGE, UFFDIO_REGISTER_MODE_MISSING_F, 0};
        uint64_t copy[5] = {(uint64_t)page, (uint64_t)label_page, PAGE, 0, 0};
        if (sys6(SYS_ioctl, fd, UFFDIO_API_R, (long)api, 0, 0, 0) == 0 &&
            sys6(SYS_ioctl, fd, UFFDIO_REGISTER_R, (long)reg, 0, 0, 0) == 0 &&
            sys6(SYS_ioctl, fd, UFFDIO_COPY_R, (long)copy, 0, 0, 0) == 0 &&
            (int64_t)copy[4] == PAGE)
            index = memcmp(page, label_page, 64) == 0 ? 2 : -4;
    }
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (valid((long)page))
        sys6(SYS_munmap, (long)page, PAGE, 0, 0, 0, 0);
    log_label(P_UFFD_COPY, index);
}

static volatile long vm_word;

static void vm_writev_step(void)
{
    int p[2];
    vm_word = -4;
    if (sys6(SYS_pipe2, (long)p, O_CLOEXEC, 0, 0, 0, 0) != 0)
        return;
    marker(P_VM_WRITEV, (long)logbuf, (long)&vm_word, 0, 0);
    long pid = sys6(SYS_clone, SIGCHLD_N, 0, 0, 0, 0, 0);
    if (pid == 0) {
        long r = 0;
        long n = sys6(SYS_read, p[0], (long)&r, 8, 0, 0, 0);
        log_label(P_VM_WRITEV, n == 8 && r == 8 ? vm_word : 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    long r = -1;
    if (pid > 0) {
        long val = 2;
        struct { void *base; unsigned long len; } local = {&val, 8},
            remote = {(void *)&vm_word, 8};
        r = sys6(SYS_process_vm_writev, pid, (long)&local, 1, (long)&remote, 1, 0);
        /* The secret's first 8 bytes handed to the child itself (its own copy of logbuf
         * already holds them): the program's memory to its own process, never the
         * kernel's to read. */
        struct { void *base; unsigned long len; } lsec = {logbuf, 8}, rsec = {logbuf, 8};
        sys6(SYS_process_vm_writev, pid, (long)&lsec, 1, (long)&rsec, 1, 0);
        sys6(SYS_write, p[1], (long)&r, 8, 0, 0, 0);
        sys6(SYS_wait4, pid, 0, 0, 0, 0, 0);
    }
    sys6(SYS_close, p[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, p[1], 0, 0, 0, 0, 0);
}

struct uring_params {
    uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd;
    uint32_t resv[3];
    uint32_t sq_head, sq_tail, sq_ring_mask, sq_ring_entries, sq_flags, sq_dropped, sq_array;
    uint32_t sq_resv1;
    uint64_t sq_user_addr;
    uint32_t cq_head, cq_tail, cq_ring_mask, cq_ring_entries, cq_overflow, cq_cqes, cq_flags;
    uint32_t cq_resv1;
    uint64_t cq_user_addr;
};

static void uring_step(void)
{
    struct uring_params prm;
    long index = 0;
    memset(&prm, 0, sizeof prm);
    prm.flags = 2;                              /* IORING_SETUP_SQPOLL */
    prm.sq_thread_idle = 1000;
    marker(P_URING, (long)logbuf, (long)&prm, 0, 0);
    long fd = sys6(SYS_io_uring_setup, 4, (long)&prm, 0, 0, 0, 0);
    if (fd >= 0 && prm.sq_entries && prm.cq_entries && prm.sq_entries <= 4096 &&
        prm.cq_entries <= 8192) {
        long sq_len = prm.sq_array + prm.sq_entries * 4;
        long cq_len = prm.cq_cqes + prm.cq_entries * 16;
        uint8_t *sq = (uint8_t *)sys6(SYS_mmap, 0, sq_len, PROT_READ | PROT_WRITE,
                                      MAP_SHARED | MAP_POPULATE, fd, 0);
        uint8_t *cq = (uint8_t *)sys6(SYS_mmap, 0, cq_len, PROT_READ | PROT_WRITE,
                                      MAP_SHARED | MAP_POPULATE, fd, 0x8000000);
        uint8_t *sqes = (uint8_t *)sys6(SYS_mmap, 0, prm.sq_entries * 64,
                                        PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                                        fd, 0x10000000);
        if (valid((long)sq) && valid((long)cq) && valid((long)sqes)) {
            memset(sqes, 0, 64);                /* IORING_OP_NOP */
            *(volatile uint64_t *)(sqes + 32) = 7;
            uint32_t tail = __atomic_load_n((uint32_t *)(sq + prm.sq_tail), __ATOMIC_ACQUIRE);
            uint32_t mask = *(uint32_t *)(sq + prm.sq_ring_mask);
            ((uint32_t *)(sq + prm.sq_array))[tail & mask] = 0;
            __atomic_store_n((uint32_t *)(sq + prm.sq_tail), tail + 1, __ATOMIC_RELEASE);
            for (int i = 0; i < 200; i++) {
                uint32_t head = __atomic_load_n((uint32_t *)(cq + prm.cq_head),
                                                __ATOMIC_ACQUIRE);
                uint32_t ctail = __atomic_load_n((uint32_t *)(cq + prm.cq_tail),
                                                 __ATOMIC_ACQUIRE);
                if (head != ctail) {
                    uint32_t cmask = *(uint32_t *)(cq + prm.cq_ring_mask);
                    uint64_t ud = *(volatile uint64_t *)(cq + prm.cq_cqes +
                                                         16 * (head & cmask));
                    index = (long)(ud - 7);
                    __atomic_store_n((uint32_t *)(cq + prm.cq_head), head + 1,
                                     __ATOMIC_RELEASE);
                    break;
                }
                sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
            }
        }
        if (valid((long)sq))
            sys6(SYS_munmap, (long)sq, sq_len, 0, 0, 0, 0);
        if (valid((long)cq))
            sys6(SYS_munmap, (long)cq, cq_len, 0, 0, 0, 0);
        if (valid((long)sqes))
            sys6(SYS_munmap, (long)sqes, prm.sq_entries * 64, 0, 0, 0, 0);
    }
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    log_label(P_URING, index);
}

static void pmadv_step(int phase, int advice, long flags, int record_index)
{
    *record() = 2;
    marker(phase, (long)logbuf, (long)(area + 2 * PAGE), (long)record(), 0);
    long pid = sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    long pidfd = sys6(SYS_pidfd_open, pid, 0, 0, 0, 0, 0);
    long r = -1;
    if (pidfd >= 0) {
        struct { void *base; unsigned long len; } iov = {area + 2 * PAGE, PAGE};
        r = sys6(SYS_process_madvise, pidfd, (long)&iov, 1, advice, flags, 0);
        sys6(SYS_close, pidfd, 0, 0, 0, 0, 0);
    }
    if (record_index)
        log_label(phase, *record() - 2);
    else
        log_label(phase, r >= 0 ? -4 : 0);
}

#define UFFDIO_ZEROPAGE_R 0xc020aa04UL

static void uffd_zeropage_step(void)
{
    long index = 0;
    marker(P_UFFD_ZEROPAGE, (long)logbuf, 0, 0, 0);
    uint8_t *page = (uint8_t *)sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (valid((long)page))
        *(volatile long *)page = -4;
    long fd = sys6(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY_F, 0, 0, 0,
                   0, 0);
    if (valid((long)page) && fd >= 0) {
        uint64_t api[3] = {0xAA, 0, 0};
        uint64_t reg[4] = {(uint64_t)page, PAGE, UFFDIO_REGISTER_MODE_MISSING_F, 0};
        uint64_t zero[4] = {(uint64_t)page, PAGE, 0, 0};
        if (sys6(SYS_ioctl, fd, UFFDIO_API_R, (long)api, 0, 0, 0) == 0 &&
            sys6(SYS_ioctl, fd, UFFDIO_REGISTER_R, (long)reg, 0, 0, 0) == 0 &&
            sys6(SYS_ioctl, fd, UFFDIO_ZEROPAGE_R, (long)zero, 0, 0, 0) == 0 &&
            (int64_t)zero[3] == PAGE)
            index = *(volatile long *)page;
    }
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (valid((long)page))
        sys6(SYS_munmap, (long)page, PAGE, 0, 0, 0, 0);
    log_label(P_UFFD_ZEROPAGE, index);
}

static void membarrier_regs_step(void)
{
    marker(P_MEMBARRIER_REGS, (long)logbuf, 0, 0, 0);
    long r = sys6(SYS_membarrier, 1 << 9, 0, 0, 0, 0, 0);  /* MEMBARRIER_CMD_GET_REGISTRATIONS */
    log_label(P_MEMBARRIER_REGS, r > 0 ? -__builtin_popcountl((unsigned long)r) : 0);
}

static void remap_shared_step(void)
{
    long index = 0;
    marker(P_REMAP_SHARED, (long)logbuf, 0, 0, 0);
    long fd = sys6(SYS_memfd_create, (long)"r31", 1 /* MFD_CLOEXEC */, 0, 0, 0, 0);
    if (fd >= 0 && sys6(SYS_ftruncate, fd, 2 * PAGE, 0, 0, 0, 0) == 0) {
        uint8_t *m = (uint8_t *)sys6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE,
                                     MAP_SHARED, fd, 0);
        if (valid((long)m)) {
            *(volatile long *)m = -4;
            *(volatile long *)(m + PAGE) = 2;
            if (sys6(SYS_remap_file_pages, (long)m, PAGE, 0, 1, 0, 0) == 0)
                index = *(volatile long *)m;
            sys6(SYS_munmap, (long)m, 2 * PAGE, 0, 0, 0, 0);
        }
    }
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    log_label(P_REMAP_SHARED, index);
}

static void robust_death_step(void)
{
    long index = 0;
    uint8_t *sh = (uint8_t *)sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!valid((long)sh)) {
        marker(P_ROBUST_DEATH, (long)logbuf, 0, 0, 0);
        log_label(P_ROBUST_DEATH, 0);
        return;
    }
    uint64_t *head = (uint64_t *)(sh + 64);     /* next, futex_offset, list_op_pending */
    uint64_t *entry = (uint64_t *)(sh + 128);
    volatile uint32_t *word = (volatile uint32_t *)(sh + 256);
    *word = (uint32_t)sys6(SYS_gettid, 0, 0, 0, 0, 0, 0);    /* the parent holds it */
    head[0] = (uint64_t)entry;
    head[1] = 256 - 128;
    head[2] = 0;
    entry[0] = (uint64_t)head;
    marker(P_ROBUST_DEATH, (long)logbuf, (long)head, (long)word, 0);
    long pid = sys6(SYS_clone, SIGCHLD_N, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_set_robust_list, (long)head, 24, 0, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        sys6(SYS_wait4, pid, 0, 0, 0, 0, 0);
        index = (*word & 0x40000000) ? -4 : 0;  /* FUTEX_OWNER_DIED */
    }
    sys6(SYS_munmap, (long)sh, PAGE, 0, 0, 0, 0);
    log_label(P_ROBUST_DEATH, index);
}

static void uffd_event_step(void)
{
    long index = 0;
    marker(P_UFFD_EVENT, (long)logbuf, 0, 0, 0);
    uint8_t *page = (uint8_t *)sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long fd = sys6(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY_F, 0, 0, 0,
                   0, 0);
    if (valid((long)page) && fd >= 0) {
        uint64_t api[3] = {0xAA, 0, 0};
        uint64_t reg[4] = {(uint64_t)page, PAGE, UFFDIO_REGISTER_MODE_MISSING_F, 0};
        uint64_t msg[4] = {0, 0, 0, 0};
        if (sys6(SYS_ioctl, fd, UFFDIO_API_R, (long)api, 0, 0, 0) == 0 &&
            sys6(SYS_ioctl, fd, UFFDIO_REGISTER_R, (long)reg, 0, 0, 0) == 0 &&
            sys6(SYS_read, fd, (long)msg, sizeof msg, 0, 0, 0) == (long)sizeof msg &&
            (msg[0] & 0xff) == 0x12)            /* UFFD_EVENT_PAGEFAULT */
            index = ((long)(msg[2] & ~(PAGE - 1)) - (long)page) / PAGE;
    }
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (valid((long)page))
        sys6(SYS_munmap, (long)page, PAGE, 0, 0, 0, 0);
    log_label(P_UFFD_EVENT, index);
}

static void uffd_own_step(void)
{
    marker(P_UFFD_OWN, (long)logbuf, (long)area, 0, 0);
    uint8_t *page = (uint8_t *)sys6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long fd = sys6(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY_F, 0, 0, 0,
                   0, 0);
    if (valid((long)page) && fd >= 0) {
        uint64_t api[3] = {0xAA, 0, 0};
        uint64_t reg[4] = {(uint64_t)page, PAGE, UFFDIO_REGISTER_MODE_MISSING_F, 0};
        uint64_t copy[5] = {(uint64_t)page, (uint64_t)area, PAGE, 0, 0};
        if (sys6(SYS_ioctl, fd, UFFDIO_API_R, (long)api, 0, 0, 0) == 0 &&
            sys6(SYS_ioctl, fd, UFFDIO_REGISTER_R, (long)reg, 0, 0, 0) == 0)
            sys6(SYS_ioctl, fd, UFFDIO_COPY_R, (long)copy, 0, 0, 0);
    }
    if (fd >= 0)
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (valid((long)page))
        sys6(SYS_munmap, (long)page, PAGE, 0, 0, 0, 0);
    log_label(P_UFFD_OWN, 0);
}

static void locked_dontneed_step(void)
{
    *record() = 2;
    if (sys6(SYS_mlock, (long)(area + 2 * PAGE), PAGE, 0, 0, 0, 0) != 0)
        return;
    marker(P_LOCKED_DONTNEED, (long)logbuf, (long)(area + 2 * PAGE), (long)record(), 0);
    sys6(SYS_madvise, (long)(area + 2 * PAGE), PAGE, MADV_DONTNEED, 0, 0, 0);
    log_label(P_LOCKED_DONTNEED, *record() - 2);
    *record() = 2;
    marker(P_LOCKED_FREE, (long)logbuf, (long)(area + 2 * PAGE), (long)record(), 0);
    sys6(SYS_madvise, (long)(area + 2 * PAGE), PAGE, MADV_FREE_A, 0, 0, 0);
    log_label(P_LOCKED_FREE, *record() - 2);
    *record() = -4;
    marker(P_DONTNEED_LOCKED, (long)logbuf, (long)(area + 2 * PAGE), (long)record(), 0);
    long r = sys6(SYS_madvise, (long)(area + 2 * PAGE), PAGE, 24 /* MADV_DONTNEED_LOCKED */,
                  0, 0, 0);
    log_label(P_DONTNEED_LOCKED, r == 0 ? *record() : 0);
    *record() = 2;
    sys6(SYS_munlock, (long)(area + 2 * PAGE), PAGE, 0, 0, 0, 0);
}

static void vmsplice_step(void)
{
    int p[2];
    long index = 0;
    marker(P_VMSPLICE, (long)logbuf, 0, 0, 0);
    if (sys6(SYS_pipe2, (long)p, O_CLOEXEC, 0, 0, 0, 0) != 0) {
        log_label(P_VMSPLICE, 0);
        return;
    }
    uint8_t got[8] = {0};
    struct { void *base; unsigned long len; } iov = {logbuf + SECRET_LEN + 16, 8};
    if (sys6(SYS_vmsplice, p[1], (long)&iov, 1, 0, 0, 0) == 8 &&
        sys6(SYS_read, p[0], (long)got, 8, 0, 0, 0) == 8)
        index = memcmp(got, logbuf + SECRET_LEN + 16, 8) == 0 ? 2 : -4;
    sys6(SYS_close, p[0], 0, 0, 0, 0, 0);
    sys6(SYS_close, p[1], 0, 0, 0, 0, 0);
    log_label(P_VMSPLICE, index);
}

int main(int argc, char **argv)
{
    int show_digest = 0, locked = 0;
    for (int i = 1; i < argc; i++) {
        show_digest |= strcmp(argv[i], "-d") == 0;
        locked |= strcmp(argv[i], "-l") == 0;
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
    long mapped = sys6(SYS_mmap, 0, 3 * PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!valid(mapped)) {
        say("secret: mmap failed\n");
        return 1;
    }
    area = (uint8_t *)mapped;
    memcpy(area + SECRET_OFF, secret, SECRET_LEN);
    memcpy(logbuf, secret, SECRET_LEN);
    memcpy(logbuf + SECRET_LEN, "label-0.label-1.label-2.label-3.", 32);
    for (long i = 0; i < PAGE; i += 8)
        memcpy(label_page + i, "label-2.", 8);
    marker(P_PLACED, (long)heap, (long)stackbuf, mapped, (long)win);

    devnull = (int)sys6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0, 0, 0);
    mincore_bits_step();
    sys6(SYS_munmap, (long)(area + PAGE), PAGE, 0, 0, 0, 0);
    mincore_hole_step();
    free_redirty_step();
    advice_step(P_COLD, SYS_madvise, (long)(area + 2 * PAGE), PAGE, MADV_COLD_A);
    advice_step(P_POPULATE_READ, SYS_madvise, (long)(area + 2 * PAGE), PAGE,
                MADV_POPULATE_READ_A);
    advice_step(P_MLOCK_ONFAULT, SYS_mlock2, (long)(area + 2 * PAGE), PAGE, MLOCK_ONFAULT_F);
    sys6(SYS_munlock, (long)(area + 2 * PAGE), PAGE, 0, 0, 0, 0);
    persona_step();
    persona_wide_step();
    membarrier_step();
    rseq_twice_step();
    rseq_unreg_step();
    rseq_align_step();
    tid_address_step();
    thp_keep_step();
    must_fail_step(P_THP_ARGS, SYS_prctl, PR_SET_THP_DISABLE_O, 1, 1, 0, 0);
    must_fail_step(P_VMA_NAME, SYS_prctl, PR_SET_VMA_O, 0, (long)area, PAGE,
                   (long)"bad$name");
    must_fail_step(P_REMAP_PROT, SYS_remap_file_pages, (long)area, PAGE, PROT_READ, 0, 0);
    must_fail_step(P_ROBUST_LEN, SYS_set_robust_list, (long)robust_head, 16, 0, 0, 0);
    proc_madvise_step();
    uffd_copy_step();
    vm_writev_step();
    uring_step();
    must_fail_step(P_PR_SET_MM, SYS_prctl, 35, 99, 0, 0, 0);   /* PR_SET_MM, no such field */
    must_fail_step(P_REMAP_PRIVATE, SYS_remap_file_pages, (long)area, PAGE, 0, 0, 0);
    pmadv_step(P_PMADV_FLAGS, MADV_COLD_A, 1, 0);
    pmadv_step(P_PMADV_DONTNEED, MADV_DONTNEED, 0, 1);
    uffd_zeropage_step();
    membarrier_regs_step();
    remap_shared_step();
    robust_death_step();
    uffd_event_step();
    vmsplice_step();
    uffd_own_step();
    if (locked) {
        locked_dontneed_step();
        must_fail_step(P_MEMBARRIER_UNREG, SYS_membarrier, 1 << 3, 0, 0, 0, 0);
        must_fail_step(P_MLOCK2_FLAGS, SYS_mlock2, (long)(area + 2 * PAGE), PAGE, 2, 0, 0);
        must_fail_step(P_MLOCKALL_ONFAULT, SYS_mlockall, 4, 0, 0, 0, 0);
    }

    int bad = memcmp(heap + SECRET_OFF, secret, SECRET_LEN) != 0 ||
              memcmp(area + SECRET_OFF, secret, SECRET_LEN) != 0;
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
