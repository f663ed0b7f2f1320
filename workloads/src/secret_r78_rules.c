/* secret_r78_rules: the attack target of red-team round seventy-eight (kcmp(KCMP_EPOLL_TFD)
 * of a slot naming no epoll file or no watched target, kcmp(KCMP_FILE) of a closed
 * descriptor and of a dup()ed one, process_madvise() of the caller's own mm with a leading
 * empty unaligned iovec, with an iovec past the user address space, with MADV_FREE of a
 * private file page, madvise(MADV_FREE) of that page, perf_event_open() in cgroup mode with
 * cpu -1, with a group descriptor that is no event and with an attr too small,
 * pidfd_getfd() and process_mrelease() of a descriptor that is no pidfd).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 * Calls Linux refuses:
 *  P_KCMPNOTEP    kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {efd devnull}): -EINVAL
 *                 (get_epoll_tfile_raw_ptr(): !is_file_epoll())
 *  P_KCMPNOTFD    kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, {efd ep, tfd devnull}) of an
 *                 epoll watching nothing: -ENOENT (ep_find_tfd())
 *  P_KCMPCLOSED   kcmp(pid, pid, KCMP_FILE, devnull, c) of a closed c: -EBADF
 *  P_MADVLEAD     process_madvise(-10000, {Q + 1, 0, Q, 4096}, 2, MADV_COLD, 0): -EINVAL
 *                 (the first segment goes to madvise as it is: !PAGE_ALIGNED(start))
 *  P_MADVFAULT    process_madvise(-10000, {Q, 4096, 1 << 54, 4096}, 2, MADV_COLD, 0):
 *                 -EFAULT (__import_iovec(): !access_ok() of the second iovec)
 *  P_MADVFREEFILE process_madvise(-10000, {F, 4096}, 1, MADV_FREE, 0) of a private memfd
 *                 page: -EINVAL (madvise_free_single_vma(): !vma_is_anonymous())
 *  P_FREEFILE     madvise(F, 4096, MADV_FREE): -EINVAL
 *  P_PERFCGCPU    perf_event_open(dummy, devnull, -1, -1, PERF_FLAG_PID_CGROUP): -EINVAL
 *  P_PERFGROUP    perf_event_open(dummy, 0, -1, devnull, 0): an error (perf_fget_light():
 *                 -EBADF, or an earlier one)
 *  P_PERFSIZE     perf_event_open(attr of size 8, 0, -1, -1, 0): an error
 *                 (perf_copy_attr(): -E2BIG, or an earlier one)
 *  P_GETFDNOTPID  pidfd_getfd(devnull, 0, 0): -EBADF (pidfd_get_pid(): no pidfd)
 *  P_MRELEASENOTPID process_mrelease(devnull, 0): -EBADF (pidfd_get_task(): no pidfd)
 *  P_MADVMOVEDLOCK process_madvise(-10000, {N, 4096}, 1, MADV_COLD, 0) of the page
 *                 mremap(K, 4096, 4096, MREMAP_MAYMOVE | MREMAP_DONTUNMAP) moved a
 *                 MAP_LOCKED page K to: -EINVAL (the moved vma keeps VM_LOCKED)
 *  P_COLDMOVEDLOCK madvise(N, 4096, MADV_COLD): -EINVAL
 *  P_MADVTAGGED   process_madvise(-10000, {Q | 0x5a << 56, 4096}, 1, MADV_COLD, 0):
 *                 -EFAULT (__import_iovec(): access_ok() untags only under the tagged
 *                 address ABI, which the program never enables)
 *  P_OWNUNALIGNED process_madvise(pidfd_open(getpid()), {Q + 1, 4096}, 1, MADV_COLD, 0):
 *                 -EINVAL (the pidfd names its own mm: do_madvise(): !PAGE_ALIGNED)
 *  P_OWNLOCKED    the same of a MAP_LOCKED page: -EINVAL (can_madv_lru_vma())
 *  P_OWNHOLE      the same of a page its own munmap() left a hole: -ENOMEM
 *  P_KCMPSLOTFAULT kcmp(pid, pid, KCMP_EPOLL_TFD, devnull, 8): -EFAULT (copy_from_user()
 *                 of the slot)
 *  P_KCMPPARENTVM kcmp(pid, child, KCMP_VM, 0, 0) of a live fork child: an order, 1 or 2
 *                 (index 0; an error 1, 0 -4): dup_mmap() gave the child an mm of its own
 *  P_KCMPPARENTFILES kcmp(pid, child, KCMP_FILES, 0, 0): an order (copy_files() without
 *                 CLONE_FILES: dup_fd())
 *  P_KCMPVFORKVM  a vfork child's kcmp(getpid(), parent, KCMP_VM, 0, 0): 0 (index 0;
 *                 an error 1, an order -4): CLONE_VM shares the parent's mm
 *  P_PERFWIDE     perf_event_open(dummy, 0xffffffff, 0xffffffff, -1, 0): -EINVAL
 *  P_MADVNEGLEN   process_madvise(-10000, {Q, 4096, Q, -4096}, 2, MADV_COLD, 0): -EINVAL
 *                 (iovec_from_user(): a negative length)
 *  P_GETFDCLOSED  pidfd_getfd(pidfd_open(getpid()), c, 0) of a closed c: -EBADF
 *  P_KCMPEPCLOSED kcmp(pid, pid, KCMP_EPOLL_TFD, c, {efd ep}) of a closed c: -EBADF
 * Calls Linux answers 0, the same object (index 0; another error 1, any other order -4):
 *  P_KCMPDUP      kcmp(pid, pid, KCMP_FILE, devnull, dup(devnull)) (one struct file)
 * Calls Linux lets through (index 0; 1 otherwise):
 *  P_HMADVMID     process_madvise(-10000, {Q, 4096, Q2 + 1, 0, Q2, 4096}, 3, MADV_COLD,
 *                 0): 8192 (iov_iter_advance() steps over the empty middle segment)
 *  P_HWILLFILE    process_madvise(-10000, {F, 4096}, 1, MADV_WILLNEED, 0) of a private
 *                 memfd page: 4096
 *  P_HWILLLOCKED  process_madvise(-10000, {K, 4096}, 1, MADV_WILLNEED, 0) of a
 *                 MAP_LOCKED page: 4096 (only MADV_COLD/PAGEOUT/DONTNEED/FREE refuse it)
 *  P_HCOLDSHARED  process_madvise(-10000, {S, 4096}, 1, MADV_COLD, 0) of a MAP_SHARED |
 *                 MAP_ANONYMOUS page: 4096
 *  P_HADVICE + 2i process_madvise(-10000, {P, 4096}, 1, advice, 0) of MADV_DONTNEED_LOCKED
 *                 (a MAP_LOCKED page), MADV_GUARD_INSTALL, MADV_POPULATE_WRITE,
 *                 MADV_WIPEONFORK, MADV_DONTDUMP, MADV_REMOVE (a shared anonymous page),
 *                 MADV_SOFT_OFFLINE (CAP_SYS_ADMIN): 4096
 *  P_HPERFFLAGS   perf_event_open(dummy, 0, -1, -1, PERF_FLAG_FD_NO_GROUP |
 *                 PERF_FLAG_FD_CLOEXEC): a descriptor
 *  P_HPERFWIDE    perf_event_open(dummy, 0, -1, 0xffffffff, 0): a descriptor (group -1)
 *  P_HPERFCPU     perf_event_open(dummy, -1, 0, -1, 0): a descriptor (CAP_PERFMON)
 *  P_HPERFOUTPUT  perf_event_open(dummy, 0, -1, -1, PERF_FLAG_FD_OUTPUT): a descriptor
 *  P_HPERFSIZE0   perf_event_open() of an attr of size 0 (PERF_ATTR_SIZE_VER0): a
 *                 descriptor
 *  P_HMADVSHORT   process_madvise(-10000, {Q, 100, Q + 100, 3996}, 2, MADV_COLD, 0): 100
 *                 (the second start is unaligned: -EINVAL stops the vector there)
 *  P_HGETFD       pidfd_getfd(pidfd_open(getpid()), devnull, 0): a descriptor
 *  P_HMADVLEFT    process_madvise(-10000, {K, 4096}, 1, MADV_COLD, 0) of the old page
 *                 MREMAP_DONTUNMAP left: 4096 (move_vma() clears its VM_LOCKED)
 *  P_HCOLDLEFT    madvise(K, 4096, MADV_COLD): 0
 *  P_HTAGGEDCOLD  madvise(Q | 0x5a << 56, 4096, MADV_COLD): 0 (untagged_addr())
 *  P_HCHILDCOLD   a fork child's process_madvise(-10000, {K, 4096}, 1, MADV_COLD, 0) of
 *                 its copy of a MAP_LOCKED page: 4096 (dup_mmap() drops VM_LOCKED)
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r78.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sched.h>
#include <signal.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_KCMPNOTEP 10900
#define P_KCMPNOTFD 10902
#define P_KCMPCLOSED 10904
#define P_KCMPDUP 10906
#define P_MADVLEAD 10908
#define P_MADVFAULT 10910
#define P_MADVFREEFILE 10912
#define P_FREEFILE 10914
#define P_PERFCGCPU 10916
#define P_PERFGROUP 10918
#define P_PERFSIZE 10920
#define P_GETFDNOTPID 10922
#define P_MRELEASENOTPID 10924
#define P_HMADVMID 10926
#define P_HWILLFILE 10928
#define P_HWILLLOCKED 10930
#define P_HCOLDSHARED 10932
#define P_PERFWIDE 10934
#define P_MADVNEGLEN 10936
#define P_GETFDCLOSED 10938
#define P_KCMPEPCLOSED 10940
#define P_HADVICE 10942     /* 10942..10954: one phase per advice of advices[] */
#define P_HPERFFLAGS 10956
#define P_HPERFWIDE 10958
#define P_HPERFCPU 10960
#define P_HGETFD 10962
#define P_HCHILDCOLD 10964
#define P_MADVMOVEDLOCK 10966
#define P_COLDMOVEDLOCK 10968
#define P_HMADVLEFT 10970
#define P_HCOLDLEFT 10972
#define P_MADVTAGGED 10974
#define P_HTAGGEDCOLD 10976
#define TAG (0x5AL << 56)
#define P_OWNUNALIGNED 10978
#define P_OWNLOCKED 10980
#define P_OWNHOLE 10982
#define P_HPERFOUTPUT 10984
#define P_HPERFSIZE0 10986
#define P_HMADVSHORT 10988
#define P_KCMPSLOTFAULT 10990
#define P_KCMPPARENTVM 10992
#define P_KCMPPARENTFILES 10994
#define P_KCMPVFORKVM 10996

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define COLD 20
#define SELF_THREAD (-10000)

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r78"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static int show_digest;

/* a touched page of a fresh mapping (0: none) */
static long touched(long flags, long fd)
{
    long r = sys6(SYS_mmap, 0, PAGE, RW, flags, fd, 0);
    if (!mapped_ok(r))
        return 0;
    (void)*(volatile char *)r;
    return r;
}

static void kcmp_steps(long m)
{
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    uint32_t notep[3] = {(uint32_t)devnull, (uint32_t)devnull, 0};   /* efd, tfd, toff */
    refused6(P_KCMPNOTEP, m, devnull >= 0, SYS_kcmp, pid, pid, 7, devnull, (long)notep, 0,
             -EINVAL);
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    uint32_t empty[3] = {(uint32_t)ep, (uint32_t)devnull, 0};
    refused6(P_KCMPNOTFD, m, ep >= 0 && devnull >= 0, SYS_kcmp, pid, pid, 7, devnull,
             (long)empty, 0, -ENOENT);
    long c = sc(SYS_dup, devnull, 0, 0, 0);
    int shut = c >= 0 && sc(SYS_close, c, 0, 0, 0) == 0;
    refused6(P_KCMPCLOSED, m, shut, SYS_kcmp, pid, pid, 0, devnull, c, 0, -EBADF);
    refused6(P_KCMPSLOTFAULT, m, devnull >= 0, SYS_kcmp, pid, pid, 7, devnull, 8, 0,
             -EFAULT);
    /* a fork child (no CLONE_VM, no CLONE_FILES) has an mm and a table of its own */
    int pp[2] = {-1, -1};
    long child = sc(SYS_pipe2, (long)pp, 0, 0, 0) == 0 ? sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0)
                                                       : -1;
    if (child == 0) {
        char b;
        sc(SYS_close, pp[1], 0, 0, 0);
        sc(SYS_read, pp[0], (long)&b, 1, 0);
        sc(SYS_exit_group, 0, 0, 0, 0);
    }
    for (int t = 0; t < 2; t++) {
        int phase = t ? P_KCMPPARENTFILES : P_KCMPPARENTVM;
        marker(phase, m, child > 0, 0, 0);
        long o = child > 0 ? sys6(SYS_kcmp, pid, child, t ? 2 : 1, 0, 0, 0) : 1;
        log_label(phase, o > 0 ? 0 : o < 0 ? 1 : -4);
    }
    if (pp[0] >= 0) {
        sc(SYS_close, pp[0], 0, 0, 0);
        sc(SYS_close, pp[1], 0, 0, 0);
    }
    if (child > 0)
        sys6(SYS_wait4, child, 0, 0, 0, 0, 0);
    /* a vfork child (CLONE_VM | CLONE_VFORK) runs in its parent's mm */
    static volatile long seen = -1;
    marker(P_KCMPVFORKVM, m, 1, 0, 0);
    long vc = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (vc == 0) {
        seen = sys6(SYS_kcmp, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), pid, 1, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    if (vc > 0)
        sys6(SYS_wait4, vc, 0, 0, 0, 0, 0);
    log_label(P_KCMPVFORKVM, vc < 0 || seen < 0 ? 1 : seen == 0 ? 0 : -4);
    long d = sc(SYS_dup, devnull, 0, 0, 0);
    marker(P_KCMPDUP, m, d >= 0, 0, 0);
    long r = d >= 0 ? sys6(SYS_kcmp, pid, pid, 0, devnull, d, 0) : -1;
    log_label(P_KCMPDUP, r == 0 ? 0 : r < 0 ? 1 : -4);
    if (d >= 0)
        sc(SYS_close, d, 0, 0, 0);
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
}

/* process_madvise(PIDFD_SELF_THREAD, iov, cnt, advice, 0) */
static long self_advise(long *iov, long cnt, long advice)
{
    return sys6(SYS_process_madvise, SELF_THREAD, (long)iov, cnt, advice, 0, 0);
}

static void vector_steps(long m, long f)
{
    long q = touched(ANON, -1);
    long lead[4] = {q + 1, 0, q, PAGE};
    refused6(P_MADVLEAD, m, q, SYS_process_madvise, SELF_THREAD, (long)lead, 2, COLD, 0, 0,
             -EINVAL);
    long far[4] = {q, PAGE, 1L << 54, PAGE};
    refused6(P_MADVFAULT, m, q, SYS_process_madvise, SELF_THREAD, (long)far, 2, COLD, 0, 0,
             -EFAULT);
    long fv[2] = {f, PAGE};
    refused6(P_MADVFREEFILE, m, f, SYS_process_madvise, SELF_THREAD, (long)fv, 1, MADV_FREE,
             0, 0, -EINVAL);
    long neg[4] = {q, PAGE, q, -PAGE};
    refused6(P_MADVNEGLEN, m, q, SYS_process_madvise, SELF_THREAD, (long)neg, 2, COLD, 0, 0,
             -EINVAL);
    refused(P_FREEFILE, m, f, SYS_madvise, f, PAGE, MADV_FREE, 0, -EINVAL);
    /* access_ok() untags only under PR_TAGGED_ADDR_ENABLE: a tagged iovec faults */
    long tv[2] = {q | TAG, PAGE};
    refused6(P_MADVTAGGED, m, q, SYS_process_madvise, SELF_THREAD, (long)tv, 1, COLD, 0, 0,
             -EFAULT);
    /* do_madvise() untags its start itself */
    ok_step(P_HTAGGEDCOLD, m, q, SYS_madvise, q | TAG, PAGE, COLD, 0);
    /* process_madvise() of a real pidfd of its own process acts on its own mm */
    long pfd = sc(SYS_pidfd_open, sc(SYS_getpid, 0, 0, 0, 0), 0, 0, 0);
    long uv[2] = {q + 1, PAGE};
    refused6(P_OWNUNALIGNED, m, q && pfd >= 0, SYS_process_madvise, pfd, (long)uv, 1, COLD,
             0, 0, -EINVAL);
    long lk = touched(ANON | MAP_LOCKED, -1);
    long lv[2] = {lk, PAGE};
    refused6(P_OWNLOCKED, m, lk && pfd >= 0, SYS_process_madvise, pfd, (long)lv, 1, COLD, 0,
             0, -EINVAL);
    long h = sys6(SYS_mmap, 0, 2 * PAGE, RW, ANON, -1, 0);
    h = mapped_ok(h) && sc(SYS_munmap, h + PAGE, PAGE, 0, 0) == 0 ? h + PAGE : 0;
    long hv[2] = {h, PAGE};
    refused6(P_OWNHOLE, m, h && pfd >= 0, SYS_process_madvise, pfd, (long)hv, 1, COLD, 0, 0,
             -ENOMEM);
    if (pfd >= 0)
        sc(SYS_close, pfd, 0, 0, 0);
    sc(SYS_munlockall, 0, 0, 0, 0);
    /* the new vma of mremap(MREMAP_DONTUNMAP) of a MAP_LOCKED page keeps VM_LOCKED */
    long k = touched(ANON | MAP_LOCKED, -1);
    long n = k ? sys6(SYS_mremap, k, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0, 0) : 0;
    n = mapped_ok(n) ? n : 0;
    long nv[2] = {n, PAGE};
    refused6(P_MADVMOVEDLOCK, m, n, SYS_process_madvise, SELF_THREAD, (long)nv, 1, COLD, 0, 0,
             -EINVAL);
    refused(P_COLDMOVEDLOCK, m, n, SYS_madvise, n, PAGE, COLD, 0, -EINVAL);
    /* its old vma does not (move_vma(): vm_flags_clear(vma, VM_LOCKED_MASK)) */
    long kv[2] = {k, PAGE};
    marker(P_HMADVLEFT, m, n, 0, 0);
    long r = n ? self_advise(kv, 1, COLD) : 0;
    log_label(P_HMADVLEFT, r == PAGE ? 0 : 1);
    ok_step(P_HCOLDLEFT, m, n, SYS_madvise, k, PAGE, COLD, 0);
}

static void descriptor_steps(long m)
{
    uint64_t attr[16] = {0};
    attr[0] = 1 | (128ul << 32);    /* PERF_TYPE_SOFTWARE, size 128 */
    attr[1] = 9;                    /* PERF_COUNT_SW_DUMMY */
    attr[5] = 1ul << 5;             /* exclude_kernel */
    marker(P_PERFCGCPU, m, devnull >= 0, 0, 0);
    long r = sys6(SYS_perf_event_open, (long)attr, devnull, -1, -1, 4, 0);
    log_label(P_PERFCGCPU, open_index(r, -EINVAL));
    marker(P_PERFGROUP, m, devnull >= 0, 0, 0);
    r = sys6(SYS_perf_event_open, (long)attr, 0, -1, devnull, 0, 0);
    log_label(P_PERFGROUP, r < 0 ? 0 : open_index(r, 0));
    uint64_t small[16] = {0};
    small[0] = 1 | (8ul << 32);     /* PERF_TYPE_SOFTWARE, size 8 */
    small[1] = 9;
    marker(P_PERFSIZE, m, 1, 0, 0);
    r = sys6(SYS_perf_event_open, (long)small, 0, -1, -1, 0, 0);
    log_label(P_PERFSIZE, r < 0 ? 0 : open_index(r, 0));
    marker(P_GETFDNOTPID, m, devnull >= 0, 0, 0);
    r = sys6(SYS_pidfd_getfd, devnull, 0, 0, 0, 0, 0);
    log_label(P_GETFDNOTPID, open_index(r, -EBADF));
    refused(P_MRELEASENOTPID, m, devnull >= 0, 448, devnull, 0, 0, 0, -EBADF);
    marker(P_PERFWIDE, m, 1, 0, 0);
    r = sys6(SYS_perf_event_open, (long)attr, 0xFFFFFFFFL, 0xFFFFFFFFL, -1, 0, 0);
    log_label(P_PERFWIDE, open_index(r, -EINVAL));
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    long pfd = sc(SYS_pidfd_open, pid, 0, 0, 0);
    long c = sc(SYS_dup, devnull, 0, 0, 0);
    int shut = c >= 0 && sc(SYS_close, c, 0, 0, 0) == 0;
    marker(P_GETFDCLOSED, m, pfd >= 0 && shut, 0, 0);
    r = pfd >= 0 && shut ? sys6(SYS_pidfd_getfd, pfd, c, 0, 0, 0, 0) : -EBADF;
    log_label(P_GETFDCLOSED, open_index(r, -EBADF));
    if (pfd >= 0)
        sc(SYS_close, pfd, 0, 0, 0);
    long ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
    uint32_t slot[3] = {(uint32_t)ep, (uint32_t)devnull, 0};
    refused6(P_KCMPEPCLOSED, m, ep >= 0 && shut, SYS_kcmp, pid, pid, 7, c, (long)slot, 0,
             -EBADF);
    if (ep >= 0)
        sc(SYS_close, ep, 0, 0, 0);
}

/* a process_madvise of the caller's own mm Linux answers `want` bytes for */
static void advised(int phase, long m, long p, long *iov, long cnt, long advice, long want)
{
    marker(phase, m, p, 0, 0);
    long r = p ? self_advise(iov, cnt, advice) : 0;
    log_label(phase, r == want ? 0 : 1);
}

static void honest_steps(long m, long f)
{
    long q = touched(ANON, -1);
    long q2 = touched(ANON, -1);
    long mid[6] = {q, PAGE, q2 + 1, 0, q2, PAGE};
    advised(P_HMADVMID, m, q && q2, mid, 3, COLD, 2 * PAGE);
    long fv[2] = {f, PAGE};
    advised(P_HWILLFILE, m, f, fv, 1, MADV_WILLNEED, PAGE);
    long k = touched(ANON | MAP_LOCKED, -1);
    long kv[2] = {k, PAGE};
    advised(P_HWILLLOCKED, m, k, kv, 1, MADV_WILLNEED, PAGE);
    long s = touched(MAP_SHARED | MAP_ANONYMOUS, -1);
    long sv[2] = {s, PAGE};
    advised(P_HCOLDSHARED, m, s, sv, 1, COLD, PAGE);
    /* MADV_DONTNEED_LOCKED (of a locked page), MADV_GUARD_INSTALL, MADV_POPULATE_WRITE,
     * MADV_WIPEONFORK, MADV_DONTDUMP, MADV_REMOVE (of a shared page), MADV_SOFT_OFFLINE */
    static const long advices[7][2] = {{24, MAP_LOCKED}, {102, 0}, {23, 0}, {18, 0},
                                       {16, 0}, {9, MAP_SHARED}, {101, 0}};
    for (int i = 0; i < 7; i++) {
        long fl = advices[i][1] == MAP_SHARED ? MAP_SHARED | MAP_ANONYMOUS : ANON | advices[i][1];
        long p = touched(fl, -1);
        long v[2] = {p, PAGE};
        advised(P_HADVICE + 2 * i, m, p, v, 1, advices[i][0], PAGE);
    }
    sc(SYS_munlockall, 0, 0, 0, 0);
    uint64_t attr[16] = {0};
    attr[0] = 1 | (128ul << 32);    /* PERF_TYPE_SOFTWARE, size 128 */
    attr[1] = 9;                    /* PERF_COUNT_SW_DUMMY */
    attr[5] = 1ul << 5;             /* exclude_kernel */
    marker(P_HPERFFLAGS, m, 1, 0, 0);       /* PERF_FLAG_FD_NO_GROUP | PERF_FLAG_FD_CLOEXEC */
    long r = sys6(SYS_perf_event_open, (long)attr, 0, -1, -1, 1 | 8, 0);
    log_label(P_HPERFFLAGS, ok_index(r));
    marker(P_HPERFWIDE, m, 1, 0, 0);        /* group_fd -1 as an int */
    r = sys6(SYS_perf_event_open, (long)attr, 0, -1, 0xFFFFFFFFL, 0, 0);
    log_label(P_HPERFWIDE, ok_index(r));
    marker(P_HPERFCPU, m, 1, 0, 0);         /* every task on cpu 0 (CAP_PERFMON) */
    r = sys6(SYS_perf_event_open, (long)attr, -1, 0, -1, 0, 0);
    log_label(P_HPERFCPU, ok_index(r));
    marker(P_HPERFOUTPUT, m, 1, 0, 0);      /* PERF_FLAG_FD_OUTPUT, group -1 */
    r = sys6(SYS_perf_event_open, (long)attr, 0, -1, -1, 2, 0);
    log_label(P_HPERFOUTPUT, ok_index(r));
    uint64_t zero[16] = {0};
    zero[0] = 1;                    /* PERF_TYPE_SOFTWARE, size 0: PERF_ATTR_SIZE_VER0 */
    zero[1] = 9;
    zero[5] = 1ul << 5;
    marker(P_HPERFSIZE0, m, 1, 0, 0);
    r = sys6(SYS_perf_event_open, (long)zero, 0, -1, -1, 0, 0);
    log_label(P_HPERFSIZE0, ok_index(r));
    long sq = touched(ANON, -1);
    long shortv[4] = {sq, 100, sq + 100, PAGE - 100};
    advised(P_HMADVSHORT, m, sq, shortv, 2, COLD, 100);
    long pfd = sc(SYS_pidfd_open, sc(SYS_getpid, 0, 0, 0, 0), 0, 0, 0);
    marker(P_HGETFD, m, pfd >= 0, 0, 0);
    r = pfd >= 0 ? sys6(SYS_pidfd_getfd, pfd, devnull, 0, 0, 0, 0) : -1;
    log_label(P_HGETFD, ok_index(r));
    if (pfd >= 0)
        sc(SYS_close, pfd, 0, 0, 0);
    long lk = touched(ANON | MAP_LOCKED, -1);
    marker(P_HCHILDCOLD, m, lk, 0, 0);
    long child = lk ? sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0) : -1;
    if (child == 0) {
        /* a fork child's copy of a MAP_LOCKED area is not locked (dup_mmap()) */
        long lv[2] = {lk, PAGE};
        sc(SYS_exit_group, self_advise(lv, 1, COLD) == PAGE ? 0 : 1, 0, 0, 0);
    }
    int status = -1;
    if (child > 0 && sys6(SYS_wait4, child, (long)&status, 0, 0, 0, 0) != child)
        status = -1;
    log_label(P_HCHILDCOLD, status == 0 ? 0 : 1);
    sc(SYS_munlockall, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        show_digest |= strcmp(argv[i], "-d") == 0;
    volatile uint8_t stackbuf[64];

    if (!rules_start(stackbuf))
        return 1;

    sc(SYS_gettid, 0, 0, 0, 0);
    long m = memfd_of('l', 10, 0);
    if (m >= 0)
    {
        long f = sc(SYS_ftruncate, m, PAGE, 0, 0) == 0 ? touched(MAP_PRIVATE, m) : 0;
        kcmp_steps(m);
        vector_steps(m, f);
        descriptor_steps(m);
        honest_steps(m, f);
    }
    return finish(show_digest);
}
