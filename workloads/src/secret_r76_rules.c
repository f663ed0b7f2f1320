/* secret_r76_rules: the attack target of red-team round seventy-six (descriptor_args.
 * SENTINELS' values a version never takes for the call, and pages mmap(MAP_LOCKED),
 * mlockall(MCL_FUTURE)'s mm->def_flags or mlock() locked, as guardian/locked_ranges.py
 * follows them).
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.  A step expecting an error indexes 0 for
 * Linux's, 1 for another error, -4 for a success.
 *
 * Calls Linux refuses:
 *  P_SELF20000    pidfd_send_signal(-20000, 0, NULL, 0): -EBADF (6.14 knew no sentinel
 *                 in it; 6.15's switch knows -10000 and -10001 alone)
 *  P_MRELEASE     process_mrelease(-10000, 0): -EINVAL (the live caller's mm is no
 *                 task_will_free_mem() one)
 *  P_COLDLOCKED   madvise(K, MADV_COLD) of a MAP_LOCKED page: -EINVAL (can_madv_lru_vma())
 *  P_PAGEOUTLOCKED madvise(K, MADV_PAGEOUT) of it: -EINVAL
 *  P_GROWLOCKED   msync(MS_INVALIDATE) of the part mremap() grew a MAP_LOCKED page by in
 *                 place: -EBUSY (the area keeps VM_LOCKED)
 *  P_BRKLOCKED    msync(MS_INVALIDATE) of a page brk() grew after mlockall(MCL_FUTURE):
 *                 -EBUSY (do_brk_flags(): mm->def_flags)
 *  P_SPLITLOCKED  msync(MS_INVALIDATE) of the half of a MAP_LOCKED area mprotect() split:
 *                 -EBUSY
 *  P_ONFAULT      msync(MS_INVALIDATE) of a page mapped after
 *                 mlockall(MCL_FUTURE | MCL_ONFAULT): -EBUSY
 *  P_DONTNEEDFUTURE madvise(MADV_DONTNEED) of a page mapped after mlockall(MCL_FUTURE):
 *                 -EINVAL
 *  P_VFORKFUTURE  msync(MS_INVALIDATE) of a page mapped after a vfork child's
 *                 mlockall(MCL_FUTURE) (the child shares the mm): -EBUSY
 *  P_MOVEFUTURE   msync(MS_INVALIDATE) of a page mlockall(MCL_FUTURE) locked that
 *                 mremap(MREMAP_FIXED) moved: -EBUSY
 *  P_COLDMLOCK    madvise(MADV_COLD) of a page mlock() locked: -EINVAL
 *  P_PAGEOUTFUTURE madvise(MADV_PAGEOUT) of a page mapped after mlockall(MCL_FUTURE):
 *                 -EINVAL
 * Calls Linux answers 0 (index 0; 1 otherwise):
 *  P_HDONTNEEDLOCKED madvise(MADV_DONTNEED_LOCKED) of a MAP_LOCKED page
 *  P_HFORKFUTURE  a fork child's msync(MS_INVALIDATE) of a page it mapped after its
 *                 parent's mlockall(MCL_FUTURE) (mm_init(): def_flags & VM_INIT_DEF_MASK)
 *  P_HSELFSIGNAL  pidfd_send_signal(-10001, 0, NULL, 0) (6.15: PIDFD_SELF_THREAD_GROUP)
 *  P_HMUNLOCKFUTURE msync(MS_INVALIDATE) of a page mapped after mlockall(MCL_FUTURE),
 *                 then munlock()ed
 *  P_HSPLITUNLOCK msync(MS_INVALIDATE) of the munlock()ed half of a MAP_LOCKED area
 *  P_HCURRENTONLY msync(MS_INVALIDATE) of a page mapped after mlockall(MCL_FUTURE) and
 *                 then mlockall(MCL_CURRENT) (which clears def_flags' VM_LOCKED)
 * Last, P_MEMFDLOCKED: msync(MS_INVALIDATE) of a MAP_SHARED | MAP_LOCKED page of the
 * memfd M: -EBUSY (shmem is never DAX nor VM_SPECIAL); P_BRKFREE: madvise(MADV_FREE) of a
 * page brk() grew after mlockall(MCL_FUTURE): -EINVAL; P_MEMFDFUTURE:
 * madvise(MADV_DONTNEED) of a MAP_PRIVATE page of M mapped after mlockall(MCL_FUTURE):
 * -EINVAL; P_HFORKMAPLOCKED: a fork child's msync(MS_INVALIDATE) of a MAP_LOCKED page it
 * inherited: 0 (dup_mmap() clears VM_LOCKED_MASK; index 0, 1 otherwise); P_GUARDLOCKED:
 * madvise(MADV_GUARD_INSTALL) of a MAP_LOCKED page: -EINVAL (is_valid_guard_vma());
 * P_SHAREDFUTURE: msync(MS_INVALIDATE) of a MAP_SHARED | MAP_ANONYMOUS page mapped after
 * mlockall(MCL_FUTURE): -EBUSY; P_HGUARDREMOVE: madvise(MADV_GUARD_REMOVE) of a
 * MAP_LOCKED page: 0 (allow_locked); P_PROCMADVLOCKED: process_madvise(-10000, {K, 4096},
 * 1, MADV_COLD, 0) of a MAP_LOCKED page: -EINVAL (nothing advised: the first error);
 * P_HPROCMADV: process_madvise(-10001, {Q, 4096}, 1, MADV_COLD, 0) of an unlocked page:
 * 4096 (6.15; index 0 for 4096, 1 otherwise); P_MEMFDCURRENT: msync(MS_INVALIDATE) of a
 * MAP_SHARED page of the memfd M after mlockall(MCL_CURRENT): -EBUSY; P_HANDLEANCHOR:
 * open_by_handle_at(-10009, h, O_RDONLY): -EBADF (get_path_anchor(), 6.17, knows AT_FDCWD,
 * FD_PIDFS_ROOT and FD_NSFS_ROOT alone; get_path_from_fd() before: fdget());
 * P_KCMPFILE: kcmp(pid, pid, KCMP_FILE, -10000, -10000): -EBADF (get_file_raw_ptr() finds
 * no file); P_PERFGROUP: perf_event_open(software dummy, 0, -1, -10000, 0): -EBADF
 * (perf_fget_light(group_fd)) or an earlier error, never a descriptor.
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r76.py.  Only the digest of the secret is ever printed.
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
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <signal.h>

#define MARKER_MAGIC 0x5EC2E7B1ADF01DL
#define SECRET_LEN 32
#define PAGE 4096L
#define SECRET_OFF 64

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_SELF20000 10300
#define P_MRELEASE 10302
#define P_COLDLOCKED 10304
#define P_PAGEOUTLOCKED 10306
#define P_GROWLOCKED 10308
#define P_BRKLOCKED 10310
#define P_SPLITLOCKED 10312
#define P_ONFAULT 10314
#define P_DONTNEEDFUTURE 10316
#define P_VFORKFUTURE 10318
#define P_MOVEFUTURE 10320
#define P_COLDMLOCK 10322
#define P_PAGEOUTFUTURE 10324
#define P_HDONTNEEDLOCKED 10326
#define P_HFORKFUTURE 10328
#define P_HSELFSIGNAL 10330
#define P_HMUNLOCKFUTURE 10332
#define P_HSPLITUNLOCK 10334
#define P_HCURRENTONLY 10336
#define P_MEMFDLOCKED 10338
#define P_BRKFREE 10340
#define P_MEMFDFUTURE 10342
#define P_HFORKMAPLOCKED 10344
#define P_GUARDLOCKED 10346
#define P_SHAREDFUTURE 10348
#define P_HGUARDREMOVE 10350
#define P_PROCMADVLOCKED 10352
#define P_HPROCMADV 10354
#define P_MEMFDCURRENT 10356
#define P_HANDLEANCHOR 10358
#define P_KCMPFILE 10360
#define P_PERFGROUP 10362

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define COLD 20
#define PAGEOUT 21
#define DONTNEED_LOCKED 24
#define ONFAULT 4

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r76"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static long map(long len, long flags)
{
    long r = sys6(SYS_mmap, 0, len, RW, flags, -1, 0);
    if (!mapped_ok(r))
        return 0;
    for (long i = 0; i < len; i += PAGE)
        *(volatile char *)(r + i) = 1;
    return r;
}

/* a page mapped while mlockall(`flags`) holds (0: the setup failed) */
static long future_page(long flags)
{
    return sc(SYS_mlockall, flags, 0, 0, 0) == 0 ? map(PAGE, ANON) : 0;
}

static void unlock_all(void)
{
    sc(SYS_munlockall, 0, 0, 0, 0);
}

static void refused_steps(long m)
{
    refused(P_SELF20000, m, 1, SYS_pidfd_send_signal, -20000, 0, 0, 0, -EBADF);
    refused(P_MRELEASE, m, 1, 448, -10000, 0, 0, 0, -EINVAL);
    long k = map(PAGE, ANON | MAP_LOCKED);
    refused(P_COLDLOCKED, m, k, SYS_madvise, k, PAGE, COLD, 0, -EINVAL);
    refused(P_PAGEOUTLOCKED, m, k, SYS_madvise, k, PAGE, PAGEOUT, 0, -EINVAL);
    long g = map(2 * PAGE, ANON | MAP_LOCKED);
    if (g && (sc(SYS_munmap, g + PAGE, PAGE, 0, 0) != 0 ||
              sys6(SYS_mremap, g, PAGE, 2 * PAGE, 0, 0, 0) != g))
        g = 0;
    refused(P_GROWLOCKED, m, g, SYS_msync, g + PAGE, PAGE, MS_INVALIDATE, 0, -EBUSY);
    long b = 0;
    if (sc(SYS_mlockall, MCL_FUTURE, 0, 0, 0) == 0) {
        long cur = sc(SYS_brk, 0, 0, 0, 0);
        long top = (cur + PAGE - 1) & ~(PAGE - 1);
        if (sc(SYS_brk, top + PAGE, 0, 0, 0) == top + PAGE)
            b = top;
    }
    refused(P_BRKLOCKED, m, b, SYS_msync, b, PAGE, MS_INVALIDATE, 0, -EBUSY);
    unlock_all();
    long s = map(2 * PAGE, ANON | MAP_LOCKED);
    if (s && sc(SYS_mprotect, s, PAGE, PROT_READ, 0) != 0)
        s = 0;
    refused(P_SPLITLOCKED, m, s, SYS_msync, s + PAGE, PAGE, MS_INVALIDATE, 0, -EBUSY);
    unlock_all();
    long f = future_page(MCL_FUTURE | ONFAULT);
    refused(P_ONFAULT, m, f, SYS_msync, f, PAGE, MS_INVALIDATE, 0, -EBUSY);
    unlock_all();
    f = future_page(MCL_FUTURE);
    refused(P_DONTNEEDFUTURE, m, f, SYS_madvise, f, PAGE, MADV_DONTNEED, 0, -EINVAL);
    unlock_all();
    long pid = sys6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys6(SYS_mlockall, MCL_FUTURE, 0, 0, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    f = pid > 0 && sys6(SYS_wait4, pid, 0, 0, 0, 0, 0) == pid ? map(PAGE, ANON) : 0;
    refused(P_VFORKFUTURE, m, f, SYS_msync, f, PAGE, MS_INVALIDATE, 0, -EBUSY);
    unlock_all();
    long v = sc(SYS_mlockall, MCL_FUTURE, 0, 0, 0) == 0 ? map(2 * PAGE, ANON) : 0;
    if (v && (sc(SYS_munmap, v + PAGE, PAGE, 0, 0) != 0 ||
              sys6(SYS_mremap, v, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, v + PAGE, 0)
              != v + PAGE))
        v = 0;
    refused(P_MOVEFUTURE, m, v, SYS_msync, v + PAGE, PAGE, MS_INVALIDATE, 0, -EBUSY);
    unlock_all();
    long c = map(PAGE, ANON);
    if (c && sc(SYS_mlock, c, PAGE, 0, 0) != 0)
        c = 0;
    refused(P_COLDMLOCK, m, c, SYS_madvise, c, PAGE, COLD, 0, -EINVAL);
    unlock_all();
    f = future_page(MCL_FUTURE);
    refused(P_PAGEOUTFUTURE, m, f, SYS_madvise, f, PAGE, PAGEOUT, 0, -EINVAL);
    unlock_all();
}

static void honest_steps(long m)
{
    long k = map(PAGE, ANON | MAP_LOCKED);
    ok_step(P_HDONTNEEDLOCKED, m, k, SYS_madvise, k, PAGE, DONTNEED_LOCKED, 0);
    unlock_all();
    long ok = 0;
    if (sc(SYS_mlockall, MCL_FUTURE, 0, 0, 0) == 0) {
        long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            long f = sys6(SYS_mmap, 0, PAGE, RW, ANON, -1, 0);
            long r = mapped_ok(f) ? sc(SYS_msync, f, PAGE, MS_INVALIDATE, 0) : 1;
            sys6(SYS_exit, r == 0 ? 0 : 1, 0, 0, 0, 0, 0);
        }
        int st = 0;
        ok = pid > 0 && sys6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0) == pid && st == 0;
    }
    unlock_all();
    marker(P_HFORKFUTURE, m, ok, 0, 0);
    log_label(P_HFORKFUTURE, ok ? 0 : 1);
    ok_step(P_HSELFSIGNAL, m, 1, SYS_pidfd_send_signal, -10001, 0, 0, 0);
    long f = future_page(MCL_FUTURE);
    if (f && sc(SYS_munlock, f, PAGE, 0, 0) != 0)
        f = 0;
    ok_step(P_HMUNLOCKFUTURE, m, f, SYS_msync, f, PAGE, MS_INVALIDATE, 0);
    unlock_all();
    long s = map(2 * PAGE, ANON | MAP_LOCKED);
    if (s && (sc(SYS_munlock, s + PAGE, PAGE, 0, 0) != 0 ||
              sc(SYS_mprotect, s, PAGE, PROT_READ, 0) != 0))
        s = 0;
    ok_step(P_HSPLITUNLOCK, m, s, SYS_msync, s + PAGE, PAGE, MS_INVALIDATE, 0);
    unlock_all();
    f = sc(SYS_mlockall, MCL_FUTURE, 0, 0, 0) == 0 &&
        sc(SYS_mlockall, MCL_CURRENT, 0, 0, 0) == 0 ? map(PAGE, ANON) : 0;
    ok_step(P_HCURRENTONLY, m, f, SYS_msync, f, PAGE, MS_INVALIDATE, 0);
    unlock_all();
}

static void late_steps(long m)
{
    long d = sys6(SYS_mmap, 0, PAGE, RW, MAP_SHARED | MAP_LOCKED, m, 0);
    d = mapped_ok(d) ? d : 0;
    refused(P_MEMFDLOCKED, m, d, SYS_msync, d, PAGE, MS_INVALIDATE, 0, -EBUSY);
    unlock_all();
    long b = 0;
    if (sc(SYS_mlockall, MCL_FUTURE, 0, 0, 0) == 0) {
        long cur = sc(SYS_brk, 0, 0, 0, 0);
        long top = (cur + PAGE - 1) & ~(PAGE - 1);
        if (sc(SYS_brk, top + PAGE, 0, 0, 0) == top + PAGE)
            b = top;
    }
    refused(P_BRKFREE, m, b, SYS_madvise, b, PAGE, MADV_FREE, 0, -EINVAL);
    unlock_all();
    long f = 0;
    if (sc(SYS_mlockall, MCL_FUTURE, 0, 0, 0) == 0) {
        f = sys6(SYS_mmap, 0, PAGE, RW, MAP_PRIVATE, m, 0);
        f = mapped_ok(f) ? f : 0;
    }
    refused(P_MEMFDFUTURE, m, f, SYS_madvise, f, PAGE, MADV_DONTNEED, 0, -EINVAL);
    unlock_all();
    long k = map(PAGE, ANON | MAP_LOCKED);
    long ok = 0;
    if (k) {
        long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            long r = sc(SYS_msync, k, PAGE, MS_INVALIDATE, 0);
            sys6(SYS_exit, r == 0 ? 0 : 1, 0, 0, 0, 0, 0);
        }
        int st = 0;
        ok = pid > 0 && sys6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0) == pid && st == 0;
    }
    unlock_all();
    marker(P_HFORKMAPLOCKED, m, ok, 0, 0);
    log_label(P_HFORKMAPLOCKED, ok ? 0 : 1);
    k = map(PAGE, ANON | MAP_LOCKED);
    refused(P_GUARDLOCKED, m, k, SYS_madvise, k, PAGE, 102, 0, -EINVAL);
    unlock_all();
    f = 0;
    if (sc(SYS_mlockall, MCL_FUTURE, 0, 0, 0) == 0)
        f = map(PAGE, MAP_SHARED | MAP_ANONYMOUS);
    refused(P_SHAREDFUTURE, m, f, SYS_msync, f, PAGE, MS_INVALIDATE, 0, -EBUSY);
    unlock_all();
    k = map(PAGE, ANON | MAP_LOCKED);
    ok_step(P_HGUARDREMOVE, m, k, SYS_madvise, k, PAGE, 103, 0);
    unlock_all();
    long iov[2];
    k = map(PAGE, ANON | MAP_LOCKED);
    iov[0] = k;
    iov[1] = PAGE;
    marker(P_PROCMADVLOCKED, m, k, 0, 0);
    long r = k ? sys6(SYS_process_madvise, -10000, (long)iov, 1, COLD, 0, 0) : 1;
    log_label(P_PROCMADVLOCKED, !k ? 1 : err_index(r, -EINVAL));
    unlock_all();
    long q = map(PAGE, ANON);
    iov[0] = q;
    marker(P_HPROCMADV, m, q, 0, 0);
    r = q ? sys6(SYS_process_madvise, -10001, (long)iov, 1, COLD, 0, 0) : 0;
    log_label(P_HPROCMADV, r == PAGE ? 0 : 1);
    long e = sys6(SYS_mmap, 0, PAGE, RW, MAP_SHARED, m, 0);
    e = mapped_ok(e) && sc(SYS_mlockall, MCL_CURRENT, 0, 0, 0) == 0 ? e : 0;
    refused(P_MEMFDCURRENT, m, e, SYS_msync, e, PAGE, MS_INVALIDATE, 0, -EBUSY);
    unlock_all();
    uint32_t fh[4] = {8, 1, 0, 0};
    marker(P_HANDLEANCHOR, m, 1, 0, 0);
    r = sc(SYS_open_by_handle_at, -10009, (long)fh, O_RDONLY, 0);
    log_label(P_HANDLEANCHOR, open_index(r, -EBADF));
    long pid = sc(SYS_getpid, 0, 0, 0, 0);
    marker(P_KCMPFILE, m, 1, 0, 0);
    r = sys6(SYS_kcmp, pid, pid, 0, -10000, -10000, 0);
    log_label(P_KCMPFILE, err_index(r, -EBADF));
    uint64_t attr[16] = {0};
    attr[0] = 1 | (128ul << 32);    /* PERF_TYPE_SOFTWARE, size 128 */
    attr[1] = 9;                    /* PERF_COUNT_SW_DUMMY */
    attr[5] = 1ul << 5;             /* exclude_kernel */
    marker(P_PERFGROUP, m, 1, 0, 0);
    r = sys6(SYS_perf_event_open, (long)attr, 0, -1, -10000, 0, 0);
    log_label(P_PERFGROUP, open_index(r, -EBADF));
}

static int show_digest;

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
        refused_steps(m);
        honest_steps(m);
        late_steps(m);
    }
    return finish(show_digest);
}
