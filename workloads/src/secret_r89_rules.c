/* secret_r89_rules: the attack target of red-team round eighty-nine (round 88's kind rules
 * past the kinds they judge: ioctls of a timerfd, signalfd, pipe and socket, reads and
 * writes of a signalfd, positioned calls on files without FMODE_PREAD or
 * FMODE_LSEEK, a pipe's write end read, splice/copy_file_range of an eventfd, fcntl
 * commands per kind, epoll calls on files that are no epoll, the file calls a pipe or an
 * eventfd has not, and a timerfd never armed).  (Phases 16804, 16812, 16816 and 16834 are
 * unused: the kernel model has no inotify, and it takes F_SETFL O_DIRECT on any file.)
 *
 * A secret (getrandom) is copied to the start of a log buffer whose public labels follow
 * it.  Each step announces itself with a marker (phase P), turns what it observed into the
 * index of a label (an honest Linux gives 0..3) and writes that label to /dev/null; an
 * index of -4 writes the secret's first 8 bytes.
 *
 * Calls Linux refuses (index 0 for its error -- any error where "an error" --, 1 another,
 * -4 a success):
 *  P_TCGETSTFD   ioctl(timerfd, TCGETS, &t): -ENOTTY (timerfd_ioctl()'s default)
 *  P_TCGETSSFD   ioctl(signalfd, TCGETS, &t): -ENOTTY (no unlocked_ioctl)
 *  P_TCGETSPIPE  ioctl(pipe, TCGETS, &t): -ENOTTY (pipe_ioctl()'s default)
 *  P_TCGETSSOCK  ioctl(AF_UNIX socket, TCGETS, &t): -ENOTTY (sock_do_ioctl())
 *  P_SFDREAD64   read(signalfd, buf, 64): -EINVAL (less than one siginfo)
 *  P_SFDWRITE    write(signalfd, &v, 8): -EINVAL (no ->write)
 *  P_PREADEV     pread64(eventfd, buf, 8, 0): -ESPIPE (no FMODE_PREAD)
 *  P_LSEEKPIPE   lseek(pipe, 0, SEEK_SET): -ESPIPE
 *  P_PWRITEPIPE  pwrite64(pipe write end, &v, 8, 0): -ESPIPE
 *  P_READPIPEW   read(pipe write end, buf, 8): -EBADF
 *  P_SPLICEEV    splice(eventfd, NULL, pipe write end, NULL, 8, 0): -EINVAL
 *  P_CFREV       copy_file_range(eventfd, NULL, memfd, NULL, 8, 0): -EINVAL
 *  P_NOTIFYEV    fcntl(eventfd, F_NOTIFY, DN_MODIFY): -ENOTDIR
 *  P_LEASEPIPE   fcntl(pipe, F_SETLEASE, F_RDLCK): an error (-EINVAL: no S_ISREG)
 *  P_EPWAITEV    epoll_pwait(eventfd, evs, 1, 0, NULL, 8): -EINVAL
 *  P_EPADDSELF   epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e): -EINVAL
 *  P_EPCTLNOTEP  epoll_ctl(eventfd, EPOLL_CTL_ADD, timerfd, &e): -EINVAL
 *  P_TFDUNARMED  read(timerfd, buf, 8), the timer never armed, TFD_NONBLOCK: -EAGAIN
 *  P_FANMARKEV   fanotify_mark(eventfd, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, "/"): an error
 *  P_FALLOCPIPE  fallocate(pipe write end, 0, 0, 8): -ESPIPE
 *  P_FTRUNCPIPE  ftruncate(pipe write end, 0): -EINVAL
 *  P_FSYNCEV     fsync(eventfd): -EINVAL (no ->fsync)
 *  P_INOADDEV    inotify_add_watch(eventfd, "/", IN_MODIFY): -EINVAL
 *  P_SFDSIGNO    read(signalfd, buf, 128), SFD_NONBLOCK, mask {SIGUSR1}: -EAGAIN, or 128
 *                with ssi_signo SIGUSR1 (index 0 each); another ssi_signo indexes -4
 *  P_KCMPFILE    kcmp(pid, pid, KCMP_FILE, eventfd, memfd): never 0 (1, 2 or an error)
 *  P_GETDENTSPIPE getdents64(pipe, buf, 64): -ENOTDIR
 *  P_TEESAME     tee(pipe, its own write end, 8, SPLICE_F_NONBLOCK): -EINVAL
 *  P_VMSPLICEEV  vmsplice(eventfd, &iov, 1, 0): -EBADF
 *  P_FADVPIPE    fadvise64(pipe write end, 0, 0, POSIX_FADV_NORMAL): -ESPIPE
 *  P_READAHEADPIPE readahead(pipe, 0, 8): -EINVAL
 *  P_FIOQSZSOCK  ioctl(AF_UNIX socket, FIOQSIZE, &sz): -ENOTTY (S_IFSOCK)
 *  P_DUP3PREAD   pread64(n, buf, 8, 0) once dup3(eventfd, n, 0) put an eventfd at a
 *                memfd's number n: -ESPIPE
 *  P_EPWAITEMPTY epoll_pwait(ep2, evs, 1, 0, NULL, 8), ep2 a new epoll nothing was ever
 *                added to: 0 (index 0); an error indexes 1, a count -4
 *  P_EVREADUNSET read(e3, buf, 8), e3 a new EFD_NONBLOCK eventfd of count 0 never
 *                written: -EAGAIN
 *  P_FIONREADPIPEN ioctl(p2, FIONREAD, &n), p2 a new pipe never written: 0 with n 0
 *                (index 0); an error 1, n other than 0 -4
 *  P_FIOASYNCEV  ioctl(eventfd, FIOASYNC, &one): -ENOTTY (no ->fasync)
 *  P_SEMDRAINED  read(e5, buf, 8), e5 an EFD_SEMAPHORE | EFD_NONBLOCK eventfd written 2
 *                and read twice: -EAGAIN
 *  P_PIDFDIOCBAD ioctl(pidfd, _IO(0xFF, 0x77), 0): -ENOTTY (no unlocked_ioctl before
 *                6.11, pidfd_ioctl()'s default after)
 *  P_EPIOCBAD    ioctl(ep, _IO(0x8A, 0x77), 0): an error (-EINVAL 6.9 on, -ENOTTY before)
 * Honest calls (index 0 for Linux's answer, 1 another):
 *  P_OKNOTIFY0   fcntl(eventfd, F_NOTIFY, 0): 0 (fcntl_dirnotify(): no event, a flush)
 *  P_OKFIONREADPIPE ioctl(pipe, FIONREAD, &n): 0
 *  P_OKGETOWNEX  fcntl(eventfd, F_GETOWN_EX, &o): 0
 *  P_OKLSEEKTFD  lseek(timerfd, 0, SEEK_SET): 0 (noop_llseek())
 *  P_OKPREADMEM  pread64(memfd, buf, 8, 0): 0 (FMODE_PREAD, empty)
 *  P_OKFIOCLEXSFD ioctl(signalfd, FIOCLEX): 0
 *  P_OKDUP3MEMPREAD pread64(n, buf, 8, 0) once dup3(memfd, n, 0) put a memfd at an
 *                eventfd's number n: 0 (empty)
 *  P_OKKCMPSAME  kcmp(pid, pid, KCMP_FILE, eventfd, dup(eventfd)): 0, or an error where
 *                the kernel has no kcmp (index 0 each; 1 or 2 index 1)
 *  P_OKSETFLASYNC fcntl(eventfd, F_SETFL, O_ASYNC | O_NONBLOCK): 0 (setfl() calls
 *                ->fasync only where there is one)
 *  P_OKFIOASYNCPIPE ioctl(pipe, FIOASYNC, &one): 0 (pipe_rdwr_fasync())
 *  P_OKFORKEV    read(e4, buf, 8), e4 an EFD_NONBLOCK eventfd a fork child wrote 1 to
 *                before it exited (reaped): 8 with the count 1
 *  P_OKFORKPIPE  ioctl(p3, FIONREAD, &n), p3 a pipe a fork child wrote 8 bytes to before
 *                it exited (reaped): 0 with n 8
 *  P_OKSEMREAD   two reads of e5 (EFD_SEMAPHORE, written 2): 8 with the count 1 each
 *  P_OKEVINIT    read(e6, buf, 8), e6 = eventfd2(3, EFD_NONBLOCK): 8 with the count 3
 *  P_OKPIDFDINFO ioctl(pidfd, PIDFD_GET_INFO, &info): 0 (6.13 on) or -ENOTTY (before):
 *                index 0 each
 *  P_OKPIDFDNS   ioctl(pidfd, PIDFD_GET_UTS_NAMESPACE, 0): a new descriptor (6.11 on) or
 *                -ENOTTY (before): index 0 each
 *  P_OKSETTICKS  ioctl(t7, TFD_IOC_SET_TICKS, &one), t7 a new timerfd never armed: 0
 *                (CONFIG_CHECKPOINT_RESTORE) or -ENOTTY: index 0 each
 *  P_OKTICKSREAD read(t7, buf, 8): 8 with 1 tick after the ioctl's 0, -EAGAIN after its
 *                -ENOTTY: index 0 each
 *  P_OKATMARK    ioctl(AF_UNIX socket, SIOCATMARK, &v): 0 with v 0 (unix_ioctl())
 *  P_OKOUTQ      ioctl(AF_UNIX socket, SIOCOUTQ, &w): 0 with w 0 (unix_outq_len())
 *  P_OKFIGETBSZ  ioctl(memfd, FIGETBSZ, &b): 0 with b 4096 (do_vfs_ioctl())
 *  P_OKSIOCGPGRP ioctl(AF_UNIX socket, SIOCGPGRP, &g): 0 with g 0 (sock_ioctl())
 *  P_OKFORKEPMOD epoll_ctl(ep3, EPOLL_CTL_MOD, e7, &e) once a fork child added e7 (the
 *                same file at the same number) to the shared epoll ep3 and was reaped: 0
 * (A marker's first value is M, its second P.)
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r89.py.  Only the digest of the secret is ever printed.
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

#define P_START 0
#define P_PLACED 1
#define P_END 21
#define P_TCGETSTFD 16800
#define P_TCGETSSFD 16802
#define P_TCGETSINO 16804
#define P_TCGETSPIPE 16806
#define P_TCGETSSOCK 16808
#define P_SFDREAD64 16810
#define P_INOREAD4 16812
#define P_SFDWRITE 16814
#define P_INOWRITE 16816
#define P_PREADEV 16818
#define P_LSEEKPIPE 16820
#define P_PWRITEPIPE 16822
#define P_READPIPEW 16824
#define P_SPLICEEV 16826
#define P_CFREV 16828
#define P_NOTIFYEV 16830
#define P_LEASEPIPE 16832
#define P_ODIRECTEV 16834
#define P_EPWAITEV 16836
#define P_EPADDSELF 16838
#define P_EPCTLNOTEP 16840
#define P_TFDUNARMED 16842
#define P_FANMARKEV 16844
#define P_FALLOCPIPE 16846
#define P_FTRUNCPIPE 16848
#define P_FSYNCEV 16850
#define P_INOADDEV 16852
#define P_SFDSIGNO 16854
#define P_KCMPFILE 16856
#define P_GETDENTSPIPE 16858
#define P_TEESAME 16860
#define P_VMSPLICEEV 16862
#define P_FADVPIPE 16864
#define P_READAHEADPIPE 16866
#define P_FIOQSZSOCK 16868
#define P_DUP3PREAD 16870
#define P_EPWAITEMPTY 16872
#define P_EVREADUNSET 16874
#define P_FIONREADPIPEN 16876
#define P_FIOASYNCEV 16878
#define P_SEMDRAINED 16880
#define P_PIDFDIOCBAD 16882
#define P_EPIOCBAD 16884
#define P_OKNOTIFY0 16900
#define P_OKFIONREADPIPE 16902
#define P_OKGETOWNEX 16904
#define P_OKLSEEKTFD 16906
#define P_OKPREADMEM 16908
#define P_OKFIOCLEXSFD 16910
#define P_OKDUP3MEMPREAD 16912
#define P_OKKCMPSAME 16914
#define P_OKSETFLASYNC 16916
#define P_OKFIOASYNCPIPE 16918
#define P_OKFORKEV 16920
#define P_OKFORKPIPE 16922
#define P_OKSEMREAD 16924
#define P_OKEVINIT 16926
#define P_OKPIDFDINFO 16928
#define P_OKPIDFDNS 16930
#define P_OKSETTICKS 16932
#define P_OKTICKSREAD 16934
#define P_OKATMARK 16936
#define P_OKOUTQ 16938
#define P_OKFIGETBSZ 16940
#define P_OKSIOCGPGRP 16942
#define P_OKFORKEPMOD 16944

#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[2 * PAGE] __attribute__((aligned(4096)));
#define ROUND_TAG "r89"
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_refused_kit.h"

static int show_digest;
static long ev = -1, mf = -1, tfd = -1, sfd = -1, so = -1, ep = -1;
static int pfd[2] = {-1, -1};

#define TCGETS 0x5401

static void ioctl_steps(long m)
{
    static uint8_t t[64];
    long pr = pfd[0];
    /* vfs_ioctl(): each kind's unlocked_ioctl (or none) ends in -ENOTTY for TCGETS */
    refused(P_TCGETSTFD, m, tfd >= 0, SYS_ioctl, tfd, TCGETS, (long)t, 0, -ENOTTY);
    refused(P_TCGETSSFD, m, sfd >= 0, SYS_ioctl, sfd, TCGETS, (long)t, 0, -ENOTTY);
    refused(P_TCGETSPIPE, m, pr >= 0, SYS_ioctl, pr, TCGETS, (long)t, 0, -ENOTTY);
    refused(P_TCGETSSOCK, m, so >= 0, SYS_ioctl, so, TCGETS, (long)t, 0, -ENOTTY);
}

static void rw_steps(long m)
{
    static uint64_t buf[16], v = 1;
    long pr = pfd[0], pw = pfd[1];
    /* signalfd_read_iter(): `count /= sizeof(struct signalfd_siginfo); if (!count)` */
    refused(P_SFDREAD64, m, sfd >= 0, SYS_read, sfd, (long)buf, 64, 0, -EINVAL);
    /* vfs_write(): no ->write, no FMODE_CAN_WRITE: -EINVAL */
    refused(P_SFDWRITE, m, sfd >= 0, SYS_write, sfd, (long)&v, 8, 0, -EINVAL);
    /* ksys_pread64(): `if (f.file->f_mode & FMODE_PREAD)` else -ESPIPE */
    refused(P_PREADEV, m, ev >= 0, SYS_pread64, ev, (long)buf, 8, 0, -ESPIPE);
    refused(P_LSEEKPIPE, m, pr >= 0, SYS_lseek, pr, 0, 0, 0, -ESPIPE);
    refused(P_PWRITEPIPE, m, pw >= 0, SYS_pwrite64, pw, (long)&v, 8, 0, -ESPIPE);
    /* vfs_read(): `if (!(file->f_mode & FMODE_READ)) return -EBADF;` */
    refused(P_READPIPEW, m, pw >= 0, SYS_read, pw, (long)buf, 8, 0, -EBADF);
    /* do_splice_read(): no ->splice_read -EINVAL; generic_copy_file_checks(): !S_ISREG */
    refused6(P_SPLICEEV, m, ev >= 0 && pw >= 0, SYS_splice, ev, 0, pw, 0, 8, 0, -EINVAL);
    refused6(P_CFREV, m, ev >= 0 && mf >= 0, SYS_copy_file_range, ev, 0, mf, 0, 8, 0,
             -EINVAL);
}

static void fcntl_steps(long m)
{
    long pr = pfd[0];
    /* fcntl_dirnotify(): `if (!S_ISDIR(inode->i_mode)) return -ENOTDIR;` */
    refused(P_NOTIFYEV, m, ev >= 0, SYS_fcntl, ev, 1026, 2, 0, -ENOTDIR);
    /* generic_setlease(): `if (!S_ISREG(inode->i_mode)) return -EINVAL;` */
    refused(P_LEASEPIPE, m, pr >= 0, SYS_fcntl, pr, 1024, 0, 0, 0);
}

static void epoll_steps(long m)
{
    static uint32_t e[4] = {1, 0, 0, 0};
    static uint32_t evs[4];
    /* do_epoll_wait(): `if (!is_file_epoll(f.file)) return -EINVAL;` */
    refused6(P_EPWAITEV, m, ev >= 0, SYS_epoll_pwait, ev, (long)evs, 1, 0, 0, 8, -EINVAL);
    /* do_epoll_ctl(): `if (f.file == tf.file || !is_file_epoll(f.file))` -EINVAL */
    refused(P_EPADDSELF, m, ep >= 0, SYS_epoll_ctl, ep, 1, ep, (long)e, -EINVAL);
    refused(P_EPCTLNOTEP, m, ev >= 0 && tfd >= 0, SYS_epoll_ctl, ev, 1, tfd, (long)e,
            -EINVAL);
}

static void file_steps(long m)
{
    static uint64_t buf[2];
    long pw = pfd[1];
    /* timerfd_read(): never armed, no ticks, TFD_NONBLOCK: -EAGAIN */
    refused(P_TFDUNARMED, m, tfd >= 0, SYS_read, tfd, (long)buf, 8, 0, -EAGAIN);
    /* fanotify_mark(): `f_op != &fanotify_fops` -EINVAL (or an earlier error) */
    refused6(P_FANMARKEV, m, ev >= 0, SYS_fanotify_mark, ev, 1, 2, -100, (long)"/", 0, 0);
    /* vfs_fallocate(): `if (S_ISFIFO(inode->i_mode)) return -ESPIPE;` */
    refused(P_FALLOCPIPE, m, pw >= 0, SYS_fallocate, pw, 0, 0, 8, -ESPIPE);
    /* do_sys_ftruncate(): `!S_ISREG(inode->i_mode)` -EINVAL */
    refused(P_FTRUNCPIPE, m, pw >= 0, SYS_ftruncate, pw, 0, 0, 0, -EINVAL);
    /* vfs_fsync_range(): `if (!file->f_op->fsync) return -EINVAL;` */
    refused(P_FSYNCEV, m, ev >= 0, SYS_fsync, ev, 0, 0, 0, -EINVAL);
    /* inotify_add_watch(): `f_op != &inotify_fops` -EINVAL */
    refused(P_INOADDEV, m, ev >= 0, SYS_inotify_add_watch, ev, (long)"/", 2, 0, -EINVAL);
}

static void more_steps(long m)
{
    static uint32_t si[32];
    static uint64_t buf[8], sz;
    static struct { long base, len; } iov = {(long)buf, 8};
    long pr = pfd[0], pw = pfd[1], pid = sc(SYS_getpid, 0, 0, 0, 0);
    /* signalfd_dequeue(): only a signal of the mask; none pending: -EAGAIN */
    marker(P_SFDSIGNO, m, sfd >= 0, 0, 0);
    long r = sfd >= 0 ? sc(SYS_read, sfd, (long)si, 128, 0) : 1;
    log_label(P_SFDSIGNO, sfd < 0 ? 1 : r < 0 || (r == 128 && si[0] == 10) ? 0
                          : r == 128 ? -4 : 1);
    /* kcmp(): kcmp_ptr() of two struct files: 0 only for the same file */
    marker(P_KCMPFILE, m, ev >= 0 && mf >= 0, 0, 0);
    r = ev >= 0 && mf >= 0 ? sys6(SYS_kcmp, pid, pid, 0, ev, mf, 0) : 1;
    log_label(P_KCMPFILE, ev < 0 || mf < 0 ? 1 : r == 0 ? -4 : 0);
    /* iterate_dir(): no ->iterate_shared, -ENOTDIR */
    refused(P_GETDENTSPIPE, m, pr >= 0, SYS_getdents64, pr, (long)buf, 64, 0, -ENOTDIR);
    /* do_tee(): `if (ipipe && opipe && ipipe != opipe)` else -EINVAL */
    refused(P_TEESAME, m, pr >= 0 && pw >= 0, SYS_tee, pr, pw, 8, 2, -EINVAL);
    /* vmsplice(): get_pipe_info(f.file, true) NULL, -EBADF */
    refused(P_VMSPLICEEV, m, ev >= 0, SYS_vmsplice, ev, (long)&iov, 1, 0, -EBADF);
    /* generic_fadvise() / vfs_fadvise(): `if (S_ISFIFO(inode->i_mode)) return -ESPIPE;` */
    refused(P_FADVPIPE, m, pw >= 0, SYS_fadvise64, pw, 0, 0, 0, -ESPIPE);
    /* ksys_readahead(): `!S_ISREG(file_inode(f.file)->i_mode)` -EINVAL */
    refused(P_READAHEADPIPE, m, pr >= 0, SYS_readahead, pr, 0, 8, 0, -EINVAL);
    /* do_vfs_ioctl() FIOQSIZE -> ioctl_fioqsize(): S_IFSOCK -ENOTTY */
    refused(P_FIOQSZSOCK, m, so >= 0, SYS_ioctl, so, 0x5460, (long)&sz, 0, -ENOTTY);
    /* an eventfd dup3()ed over a memfd's number: ksys_pread64() -ESPIPE */
    long e2 = sc(SYS_eventfd2, 0, 0, 0, 0);
    long m2 = sc(SYS_memfd_create, (long)"q", 0, 0, 0);
    long ok = e2 >= 0 && m2 >= 0 && sc(SYS_dup3, e2, m2, 0, 0) == m2;
    refused(P_DUP3PREAD, m, ok, SYS_pread64, m2, (long)buf, 8, 0, -ESPIPE);
    /* honest: a memfd dup3()ed over an eventfd's number has FMODE_PREAD */
    ok = e2 >= 0 && mf >= 0 && sc(SYS_dup3, mf, e2, 0, 0) == e2;
    ok_step(P_OKDUP3MEMPREAD, m, ok, SYS_pread64, e2, (long)buf, 8, 0);
    /* honest: kcmp() of a file and its dup: 0 */
    long d = ev >= 0 ? sc(SYS_dup, ev, 0, 0, 0) : -1;
    marker(P_OKKCMPSAME, m, d >= 0, 0, 0);
    r = d >= 0 ? sys6(SYS_kcmp, pid, pid, 0, ev, d, 0) : 1;
    log_label(P_OKKCMPSAME, d < 0 ? 1 : r == 0 || r < 0 ? 0 : 1);
    long fds[3] = {e2, m2, d};
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            sc(SYS_close, fds[i], 0, 0, 0);
}

static void state_steps(long m)
{
    static uint32_t evs[4];
    static uint64_t buf[2];
    static int n, one = 1, p2[2] = {-1, -1};
    /* ep_poll(): an epoll with no item has nothing ready: timeout 0 answers 0 */
    long ep2 = sc(SYS_epoll_create1, 0, 0, 0, 0);
    marker(P_EPWAITEMPTY, m, ep2 >= 0, 0, 0);
    long r = ep2 >= 0 ? sys6(SYS_epoll_pwait, ep2, (long)evs, 1, 0, 0, 8) : -1;
    log_label(P_EPWAITEMPTY, ep2 < 0 || r < 0 ? 1 : r == 0 ? 0 : -4);
    /* eventfd_read(): `if (ctx->count == 0) { if (file->f_flags & O_NONBLOCK) -EAGAIN` */
    long e3 = sc(SYS_eventfd2, 0, 0x800, 0, 0);
    refused(P_EVREADUNSET, m, e3 >= 0, SYS_read, e3, (long)buf, 8, 0, -EAGAIN);
    /* pipe_ioctl() FIONREAD: the bytes in the pipe's buffers, none ever written */
    long ok = sc(SYS_pipe2, (long)p2, 0x800, 0, 0) == 0;
    marker(P_FIONREADPIPEN, m, ok, 0, 0);
    n = -1;
    r = ok ? sc(SYS_ioctl, p2[0], 0x541B, (long)&n, 0) : -1;
    log_label(P_FIONREADPIPEN, !ok || r < 0 ? 1 : n == 0 ? 0 : -4);
    /* ioctl_fioasync(): FASYNC changes and no ->fasync: -ENOTTY */
    refused(P_FIOASYNCEV, m, e3 >= 0, SYS_ioctl, e3, 0x5452, (long)&one, 0, -ENOTTY);
    /* honest: setfl() leaves FASYNC to ->fasync where there is one; a pipe has one */
    ok_step(P_OKSETFLASYNC, m, e3 >= 0, SYS_fcntl, e3, 4, O_ASYNC | O_NONBLOCK, 0);
    ok_step(P_OKFIOASYNCPIPE, m, ok, SYS_ioctl, p2[0], 0x5452, (long)&one, 0);
    long fds[4] = {ep2, e3, p2[0], p2[1]};
    for (int i = 0; i < 4; i++)
        if (fds[i] >= 0)
            sc(SYS_close, fds[i], 0, 0, 0);
}

static void fork_steps(long m)
{
    static uint64_t one = 1, buf[2];
    static int n, p3[2] = {-1, -1};
    long e4 = sc(SYS_eventfd2, 0, 0x800, 0, 0);
    long ok = e4 >= 0 && sc(SYS_pipe2, (long)p3, 0x800, 0, 0) == 0;
    long pid = ok ? sc(SYS_clone, 17, 0, 0, 0) : -1;           /* SIGCHLD */
    if (pid == 0) {
        sc(SYS_write, e4, (long)&one, 8, 0);
        sc(SYS_write, p3[1], (long)&one, 8, 0);
        sc(SYS_exit, 0, 0, 0, 0);
    }
    ok = pid > 0 && sc(SYS_wait4, pid, 0, 0, 0) == pid;
    /* eventfd_read(): the count the child's eventfd_write() added */
    marker(P_OKFORKEV, m, ok, 0, 0);
    long r = ok ? sc(SYS_read, e4, (long)buf, 8, 0) : -1;
    log_label(P_OKFORKEV, r == 8 && buf[0] == 1 ? 0 : 1);
    /* pipe_ioctl() FIONREAD: the 8 bytes the child wrote */
    marker(P_OKFORKPIPE, m, ok, 0, 0);
    n = -1;
    r = ok ? sc(SYS_ioctl, p3[0], 0x541B, (long)&n, 0) : -1;
    log_label(P_OKFORKPIPE, r == 0 && n == 8 ? 0 : 1);
    long fds[3] = {e4, p3[0], p3[1]};
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            sc(SYS_close, fds[i], 0, 0, 0);
}

static void sem_steps(long m)
{
    static uint64_t two = 2, a[2], b[2], c[2];
    long e5 = sc(SYS_eventfd2, 0, 0x800 | 1, 0, 0);            /* EFD_SEMAPHORE */
    long ok = e5 >= 0 && sc(SYS_write, e5, (long)&two, 8, 0) == 8;
    /* eventfd_read(): EFD_SEMAPHORE hands out 1 a read */
    marker(P_OKSEMREAD, m, ok, 0, 0);
    long r1 = ok ? sc(SYS_read, e5, (long)a, 8, 0) : -1;
    long r2 = ok ? sc(SYS_read, e5, (long)b, 8, 0) : -1;
    log_label(P_OKSEMREAD, r1 == 8 && r2 == 8 && a[0] == 1 && b[0] == 1 ? 0 : 1);
    /* eventfd_read(): the count is 0 again: -EAGAIN */
    refused(P_SEMDRAINED, m, r1 == 8 && r2 == 8, SYS_read, e5, (long)c, 8, 0, -EAGAIN);
    long e6 = sc(SYS_eventfd2, 3, 0x800, 0, 0);
    marker(P_OKEVINIT, m, e6 >= 0, 0, 0);
    long r = e6 >= 0 ? sc(SYS_read, e6, (long)c, 8, 0) : -1;
    log_label(P_OKEVINIT, r == 8 && c[0] == 3 ? 0 : 1);
    if (e5 >= 0)
        sc(SYS_close, e5, 0, 0, 0);
    if (e6 >= 0)
        sc(SYS_close, e6, 0, 0, 0);
}

static void pidfd_steps(long m)
{
    static uint64_t info[8];
    long pfd = sc(SYS_pidfd_open, sc(SYS_getpid, 0, 0, 0, 0), 0, 0, 0);
    /* pidfd_ioctl(): PIDFS_IOCTL's served numbers alone, `default: return -ENOIOCTLCMD;` */
    refused(P_PIDFDIOCBAD, m, pfd >= 0, SYS_ioctl, pfd, 0xFF77, 0, 0, -ENOTTY);
    /* ep_eventpoll_ioctl() (6.9 on): EPIOCSPARAMS / EPIOCGPARAMS, `default: -EINVAL` */
    refused(P_EPIOCBAD, m, ep >= 0, SYS_ioctl, ep, 0x8A77, 0, 0, 0);
    /* honest: PIDFD_GET_INFO (_IOWR(0xFF, 11, struct pidfd_info)), 6.13 on */
    info[0] = 1;                                        /* PIDFD_INFO_PID */
    marker(P_OKPIDFDINFO, m, pfd >= 0, 0, 0);
    long r = pfd >= 0 ? sc(SYS_ioctl, pfd, 0xC040FF0BL, (long)info, 0) : 1;
    log_label(P_OKPIDFDINFO, r == 0 || r == -ENOTTY ? 0 : 1);
    /* honest: PIDFD_GET_UTS_NAMESPACE (_IO(0xFF, 10)), 6.11 on: an nsfs descriptor */
    marker(P_OKPIDFDNS, m, pfd >= 0, 0, 0);
    r = pfd >= 0 ? sc(SYS_ioctl, pfd, 0xFF0A, 0, 0) : 1;
    log_label(P_OKPIDFDNS, r >= 0 || r == -ENOTTY ? 0 : 1);
    if (r >= 0 && pfd >= 0)
        sc(SYS_close, r, 0, 0, 0);
    if (pfd >= 0)
        sc(SYS_close, pfd, 0, 0, 0);
}

static void ticks_steps(long m)
{
    static uint64_t one = 1, buf[2];
    long t7 = sc(SYS_timerfd_create, 1, 0x800, 0, 0);
    /* timerfd_ioctl() TFD_IOC_SET_TICKS (_IOW('T', 0, u64)): ctx->ticks = the count */
    marker(P_OKSETTICKS, m, t7 >= 0, 0, 0);
    long r = t7 >= 0 ? sc(SYS_ioctl, t7, 0x40085400L, (long)&one, 0) : 1;
    log_label(P_OKSETTICKS, r == 0 || r == -ENOTTY ? 0 : 1);
    /* timerfd_read(): the ticks the ioctl set, never armed */
    marker(P_OKTICKSREAD, m, t7 >= 0, 0, 0);
    long q = t7 >= 0 ? sc(SYS_read, t7, (long)buf, 8, 0) : 1;
    log_label(P_OKTICKSREAD, (r == 0 && q == 8 && buf[0] == 1) ||
                             (r == -ENOTTY && q == -EAGAIN) ? 0 : 1);
    if (t7 >= 0)
        sc(SYS_close, t7, 0, 0, 0);
}

static void sock_steps(long m)
{
    static int v, w;
    /* unix_ioctl(): SIOCATMARK (CONFIG_AF_UNIX_OOB) and SIOCOUTQ put an int */
    v = w = -1;
    marker(P_OKATMARK, m, so >= 0, 0, 0);
    long r = so >= 0 ? sc(SYS_ioctl, so, 0x8905, (long)&v, 0) : 1;
    log_label(P_OKATMARK, r == 0 && v == 0 ? 0 : 1);
    marker(P_OKOUTQ, m, so >= 0, 0, 0);
    r = so >= 0 ? sc(SYS_ioctl, so, 0x5411, (long)&w, 0) : 1;
    log_label(P_OKOUTQ, r == 0 && w == 0 ? 0 : 1);
    static int b, g;
    b = g = -1;
    /* do_vfs_ioctl() `case FIGETBSZ:` puts the superblock's block size */
    marker(P_OKFIGETBSZ, m, mf >= 0, 0, 0);
    r = mf >= 0 ? sc(SYS_ioctl, mf, 2, (long)&b, 0) : 1;
    log_label(P_OKFIGETBSZ, r == 0 && b == 4096 ? 0 : 1);
    /* sock_ioctl() `case SIOCGPGRP:` puts f_getown(): no owner, 0 */
    marker(P_OKSIOCGPGRP, m, so >= 0, 0, 0);
    r = so >= 0 ? sc(SYS_ioctl, so, 0x8904, (long)&g, 0) : 1;
    log_label(P_OKSIOCGPGRP, r == 0 && g == 0 ? 0 : 1);
}

static void fork_epoll_steps(long m)
{
    static uint32_t e[4] = {1, 0, 0, 0};
    long ep3 = sc(SYS_epoll_create1, 0, 0, 0, 0);
    long e7 = sc(SYS_eventfd2, 0, 0x800, 0, 0);
    long ok = ep3 >= 0 && e7 >= 0;
    long pid = ok ? sc(SYS_clone, 17, 0, 0, 0) : -1;           /* SIGCHLD */
    if (pid == 0) {
        sc(SYS_epoll_ctl, ep3, 1, e7, (long)e);
        sc(SYS_exit, 0, 0, 0, 0);
    }
    ok = pid > 0 && sc(SYS_wait4, pid, 0, 0, 0) == pid;
    /* do_epoll_ctl(): ep_find(ep, file, fd) finds the child's item: MOD 0 */
    ok_step(P_OKFORKEPMOD, m, ok, SYS_epoll_ctl, ep3, 3, e7, (long)e);
    if (ep3 >= 0)
        sc(SYS_close, ep3, 0, 0, 0);
    if (e7 >= 0)
        sc(SYS_close, e7, 0, 0, 0);
}

static void honest_steps(long m)
{
    static int n;
    static int own[2];
    static uint64_t buf[2];
    ok_step(P_OKNOTIFY0, m, ev >= 0, SYS_fcntl, ev, 1026, 0, 0);
    ok_step(P_OKFIONREADPIPE, m, pfd[0] >= 0, SYS_ioctl, pfd[0], 0x541B, (long)&n, 0);
    ok_step(P_OKGETOWNEX, m, ev >= 0, SYS_fcntl, ev, 16, (long)own, 0);
    ok_step(P_OKLSEEKTFD, m, tfd >= 0, SYS_lseek, tfd, 0, 0, 0);
    ok_step(P_OKPREADMEM, m, mf >= 0, SYS_pread64, mf, (long)buf, 8, 0);
    ok_step(P_OKFIOCLEXSFD, m, sfd >= 0, SYS_ioctl, sfd, 0x5451, 0, 0);
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
    if (m >= 0) {
        static uint64_t mask = 1UL << 9;     /* SIGUSR1 - 1: never delivered */
        ev = sc(SYS_eventfd2, 0, 0x800, 0, 0);      /* EFD_NONBLOCK */
        mf = sc(SYS_memfd_create, (long)"k", 0, 0, 0);
        tfd = sc(SYS_timerfd_create, 1, 0x800, 0, 0);
        sfd = sc(SYS_signalfd4, -1, (long)&mask, 8, 0x800);
        so = sc(SYS_socket, 1, 1, 0, 0);
        ep = sc(SYS_epoll_create1, 0, 0, 0, 0);
        if (sc(SYS_pipe2, (long)pfd, 0x800, 0, 0) != 0)
            pfd[0] = pfd[1] = -1;
        ioctl_steps(m);
        rw_steps(m);
        fcntl_steps(m);
        epoll_steps(m);
        file_steps(m);
        honest_steps(m);
        more_steps(m);
        state_steps(m);
        fork_steps(m);
        sem_steps(m);
        pidfd_steps(m);
        ticks_steps(m);
        sock_steps(m);
        fork_epoll_steps(m);
    }
    return finish(show_digest);
}
