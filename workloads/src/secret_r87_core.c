/* The attack target of red-team round 87c: round 86c's user-namespace and setuid rules
 * (create.userns_caps, create.setuid_caps, return.credentials in a moved user namespace)
 * at their edges: a setns() of a namespace that is not a user one, an unshare() or clone()
 * of a user namespace Linux refuses (a second thread, CLONE_FS), the ids a moved thread
 * reports before and after its uid_map is written, a setns() back to the namespace it
 * left; and Linux's own answers there.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  M: open("/proc/self/uid_map") and write "0 0 1" there.
 * In order:
 *
 *   0. setns(open("/proc/self/ns/uts"), CLONE_NEWUTS), then getuid(): 0 (the cred stays:
 *      commit_nsset() commits one only for CLONE_NEWUSER); 7 where not.
 *   1. A thread made; unshare(CLONE_NEWUSER): -EINVAL (check_unshare_flags()); 7 for 0.
 *   2. unshare(CLONE_NEWUSER), getuid(), M, getuid(): the first is the overflow id 65534
 *      or the mapped one, the second the mapped one; 7 where the first is not 65534 and
 *      the two differ.
 *   3. unshare(CLONE_NEWUSER), getresuid(): the three ids one kuid mapped (all 65534
 *      before a map); 7 where the real and effective ones differ, neither 65534.
 *   4. clone(CLONE_NEWUSER | CLONE_FS | SIGCHLD): -EINVAL (copy_process()); 7 where it
 *      answers a child.
 *   5. open("/proc/self/ns/user"), unshare(CLONE_NEWUSER), setns(fd, CLONE_NEWUSER):
 *      -EPERM (userns_install(): no CAP_SYS_ADMIN in the parent namespace); 7 for 0.
 *   6. unshare(CLONE_NEWUSER), setfsuid(-1), M, setfsuid(-1): as step 2 for the fs uid;
 *      7 where the first is not 65534 and the two differ.
 *   7. A thread made; setns(open("/proc/self/ns/user"), CLONE_NEWUSER): -EINVAL
 *      (userns_install()); the first thread's getuid(): 0; 7 where not 0.
 *   8. unshare(CLONE_NEWUSER), capget(): every set full but pI (set_cred_user_ns()); 7
 *      where CAP_SYS_ADMIN is not effective.
 *   9. clone(CLONE_NEWUSER | SIGCHLD): the child's capget() as step 8; 7 where
 *      CAP_SYS_ADMIN is not effective.
 *  10. PR_CAPBSET_DROP(CAP_SETUID), unshare(CLONE_NEWUSER), PR_CAPBSET_READ(CAP_SETUID):
 *      1 (the new bounding set is full); 7 for 0.
 *  11. PR_SET_SECUREBITS(SECBIT_NOROOT), unshare(CLONE_NEWUSER), PR_GET_SECUREBITS: 0
 *      (SECUREBITS_DEFAULT); 7 where not.
 *  12. A vfork child's unshare(CLONE_NEWUSER), then its exit; the parent's getuid(): 0
 *      (the child's cred is its own); 7 where not.
 *  13. clone(CLONE_NEWUSER | SIGCHLD): the child's getresuid(): one kuid mapped (65534
 *      before a map); 7 where the real and effective ones differ, neither 65534.
 *  14. unshare(CLONE_NEWUSER), K (capget(), capset() adding CAP_KILL to pI), then
 *      PR_CAP_AMBIENT_RAISE(CAP_KILL) (Linux: 0: pP full, pI holds it); exits 0.
 *  15. unshare(CLONE_NEWUSER), M, setuid(0), capget() (Linux: 0, the full sets: the
 *      euid was the namespace's root already); exits 0.
 *  16. PR_SET_SECUREBITS(SECBIT_KEEP_CAPS_LOCKED), PR_SET_KEEPCAPS(1): -EPERM; 7 for 0.
 *  17. PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED), PR_SET_SECUREBITS(0):
 *      -EPERM (a locked bit cannot change); 7 for 0.
 *  18. PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP), setuid(65534), capget() (Linux: the
 *      full sets: no fixup ran); exits 0.
 *  19. A thread's setuid(65534) (its own cred), then the first thread's getuid(): 0; 7
 *      where not.
 *  20. setresuid(-1, -1, -1), capget() (Linux: 0 and root's full sets: nothing changes);
 *      exits 0.
 *  21. PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED), execve() with -S: the new
 *      image's PR_SET_SECUREBITS(0): -EPERM (an exec keeps every securebit but
 *      SECURE_KEEP_CAPS); 7 for 0.
 *  22. PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED), unshare(CLONE_NEWUSER),
 *      PR_SET_SECUREBITS(0) (Linux: 0: the new namespace's securebits are the default);
 *      exits 0.
 *  23. PR_SET_KEEPCAPS(1), execve() with -P: the new image's PR_GET_KEEPCAPS: 0 (the exec
 *      cleared SECURE_KEEP_CAPS); 7 for 1.
 *  24. A clone(CLONE_FS | SIGCHLD) child alive (it reads a pipe), then
 *      setns(open("/proc/self/ns/user"), CLONE_NEWUSER): -EINVAL (userns_install(): the
 *      fs_struct is shared); 7 for 0.
 *  25. A clone(CLONE_FS | SIGCHLD) child alive, then unshare(CLONE_NEWUSER) (Linux: 0:
 *      unshare_fs() gives the caller its own copy); exits 0.
 *  26. chroot("/proc"), unshare(CLONE_NEWUSER): -EPERM (create_user_ns():
 *      current_chrooted()); 7 for 0.
 *  27. setns(pidfd_open(getpid()), CLONE_NEWUSER): -EINVAL (its own user namespace); 7
 *      for 0.
 *  28. A thread made (alive); a fork child's unshare(CLONE_NEWUSER) (Linux: 0: the child's
 *      thread group is its own); exits 0.
 *  29. A thread made (alive); a vfork child's unshare(CLONE_NEWUSER) (Linux: 0: the
 *      child is a thread group of its own though it shares the mm); exits 0.
 *  30. 34 times unshare(CLONE_NEWUSER), each followed by its own uid_map, setgroups and
 *      gid_map writes: at most 33 answer 0 (create_user_ns(): `parent_ns->level > 32`:
 *      -ENOSPC); 7 where all 34 do.
 *  31. clone(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_NEWUSER): -EINVAL
 *      (copy_process(): a thread never gets a user namespace of its own); 7 where it
 *      answers a thread.
 *  32. unshare(CLONE_NEWUSER), M, setuid(0), getuid(): 0 (a setuid(0) answered 0 mapped
 *      0: the uid is final); 7 where not.
 *  33. setfsuid(65534), setfsuid(0), capget() (Linux: 0, 65534 and root's full sets:
 *      cap_raise_fs_set() puts the fs set back); exits 0.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r87c.py.  Only the digest of the secret is ever printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
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
#define ROUND_TAG "r87c"

#define P_START 0
#define P_PLACED 1
#define P_END 21
#include "secret_common.h"

static uint64_t secret[SECRET_LEN / 8];
static int devnull = -1;
/* The secret's working copy, then the labels: label i is at logbuf + 32 + 8 * i. */
static uint8_t logbuf[SECRET_LEN + 32];
static uint8_t wbuf[64];
#include "secret_rules_kit.h"
#include "secret_main_kit.h"
#include "secret_core_kit.h"

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
                      CLONE_SYSVSEM)
#define NSTEPS 34
#define VFORK_FLAGS (CLONE_VM | CLONE_VFORK | SIGCHLD)
#define V3 0x20080522
#define CAPKILL 5
#define CAP_SYS_ADMIN 21
#define OVERFLOW 65534

static volatile long th_go;
static uint8_t th_stack[16384] __attribute__((aligned(16)));

static volatile long th_done;

static int th_body(void *arg)
{
    if ((long)arg == 19) {
        sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0);
        __atomic_store_n(&th_done, 1, __ATOMIC_SEQ_CST);
    }
    while (!__atomic_load_n(&th_go, __ATOMIC_SEQ_CST))
        sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

/* A second thread that waits for the step's end: 1 where it was made. */
static int make_thread_doing(long how)
{
    th_go = th_done = 0;
    return clone(th_body, th_stack + sizeof th_stack, THREAD_FLAGS, (void *)how) > 0;
}

static int make_thread(void)
{
    return make_thread_doing(0);
}

/* The step's end where the thread lives on: the whole group exits with `st`. */
static int group_exit(int st)
{
    __atomic_store_n(&th_go, 1, __ATOMIC_SEQ_CST);
    sys6(SYS_exit_group, st, 0, 0, 0, 0, 0);
    return st;
}

static long open_ro(const char *path)
{
    return sys6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0, 0, 0);
}

static long new_userns(void)
{
    return sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0);
}

/* M: map uid 0 to kuid 0 in the new namespace (its answer is not looked at). */
static void write_map(void)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)"/proc/self/uid_map", O_WRONLY, 0, 0, 0);
    if (fd >= 0) {
        sys6(SYS_write, fd, (long)"0 0 1", 5, 0, 0, 0);
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    }
}

/* Write `text` to `path` (its answer is not looked at). */
static void write_file(const char *path, const char *text, long len)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)path, O_WRONLY, 0, 0, 0);
    if (fd >= 0) {
        sys6(SYS_write, fd, (long)text, len, 0, 0, 0);
        sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    }
}

/* 7 where `a` is not the overflow id and `b` differs from it. */
static int changed(long a, long b)
{
    return a != OVERFLOW && a != b ? 7 : 0;
}

static uint32_t ids[3];

struct cap_hdr { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
static struct cap_hdr chdr;
static struct cap_data cdata[2];
static uint8_t vf_stack[16384] __attribute__((aligned(16)));

static long capcall(long nr)
{
    chdr.version = V3;
    chdr.pid = 0;
    return sys6(nr, (long)&chdr, (long)cdata, 0, 0, 0, 0);
}

/* capget(): 7 where it answered 0 without CAP_SYS_ADMIN effective. */
static int no_admin(void)
{
    memset(cdata, 0, sizeof cdata);
    return capcall(SYS_capget) == 0 && !(cdata[0].effective >> CAP_SYS_ADMIN & 1) ? 7 : 0;
}

/* getresuid(): 7 where the real and effective uids differ, neither the overflow id. */
static int split_ids(void)
{
    if (sys6(SYS_getresuid, (long)&ids[0], (long)&ids[1], (long)&ids[2], 0, 0, 0) != 0)
        return 0;
    return ids[0] != ids[1] && ids[0] != OVERFLOW && ids[1] != OVERFLOW ? 7 : 0;
}

/* A clone(CLONE_NEWUSER | SIGCHLD) child exits with what `body` answers: 7 where the
 * child's did. */
static int userns_child(int (*body)(void))
{
    long pid = sys6(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0)
        sys6(SYS_exit, body(), 0, 0, 0, 0, 0);
    return status_of(pid) == 7 ? 7 : 0;
}

static int vf_body(void *arg)
{
    (void)arg;
    new_userns();
    sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    return 0;
}

static int fs_pipe[2];

/* A clone(CLONE_FS | SIGCHLD) child that lives until `fs_child_end()`: its pid. */
static long fs_child(void)
{
    if (sys6(SYS_pipe2, (long)fs_pipe, 0, 0, 0, 0, 0) != 0)
        return -1;
    long pid = sys6(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        char b;
        sys6(SYS_close, fs_pipe[1], 0, 0, 0, 0, 0);
        sys6(SYS_read, fs_pipe[0], (long)&b, 1, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    return pid;
}

/* The step's end: the CLONE_FS child `pid` ends (its pipe closed), `st` answered. */
static int fs_child_end(long pid, int st)
{
    sys6(SYS_close, fs_pipe[1], 0, 0, 0, 0, 0);
    if (pid > 0)
        status_of(pid);
    return st;
}

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    switch (how) {
    case 0: {
        long fd = open_ro("/proc/self/ns/uts");
        if (sys6(SYS_setns, fd, CLONE_NEWUTS, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    }
    case 1:
        if (!make_thread())
            return 0;
        return group_exit(new_userns() == 0 ? 7 : 0);
    case 2: {
        if (new_userns() != 0)
            return 0;
        long a = sys6(SYS_getuid, 0, 0, 0, 0, 0, 0);
        write_map();
        return changed(a, sys6(SYS_getuid, 0, 0, 0, 0, 0, 0));
    }
    case 3:
        if (new_userns() != 0)
            return 0;
        return split_ids();
    case 4: {
        long pid = sys6(SYS_clone, CLONE_NEWUSER | CLONE_FS | SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        if (pid < 0)
            return 0;
        status_of(pid);
        return 7;
    }
    case 5: {
        long fd = open_ro("/proc/self/ns/user");
        if (new_userns() != 0)
            return 0;
        return sys6(SYS_setns, fd, CLONE_NEWUSER, 0, 0, 0, 0) == 0 ? 7 : 0;
    }
    case 6: {
        if (new_userns() != 0)
            return 0;
        long a = sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0);
        write_map();
        return changed(a, sys6(SYS_setfsuid, -1, 0, 0, 0, 0, 0));
    }
    case 7: {
        if (!make_thread())
            return 0;
        long fd = open_ro("/proc/self/ns/user");
        if (sys6(SYS_setns, fd, CLONE_NEWUSER, 0, 0, 0, 0) != 0)
            return group_exit(0);
        return group_exit(sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0);
    }
    case 8:
        if (new_userns() != 0)
            return 0;
        return no_admin();
    case 9:
        return userns_child(no_admin);
    case 10:
        if (pr(24, 7) != 0 || new_userns() != 0)
            return 0;
        return pr(23, 7) == 0 ? 7 : 0;
    case 11:
        if (pr(28, 1) != 0 || new_userns() != 0)
            return 0;
        return pr(27, 0) != 0 ? 7 : 0;
    case 12: {
        long pid = clone(vf_body, vf_stack + sizeof vf_stack, VFORK_FLAGS, 0);
        if (status_of(pid) < 0)
            return 0;
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    }
    case 13:
        return userns_child(split_ids);
    case 14:
        if (new_userns() != 0 || capcall(SYS_capget) != 0)
            return 0;
        cdata[0].inheritable |= 1u << CAPKILL;
        if (capcall(SYS_capset) != 0)
            return 0;
        pr3(47, 2, CAPKILL);
        return 0;
    case 15:
        if (new_userns() != 0)
            return 0;
        write_map();
        if (sys6(SYS_setuid, 0, 0, 0, 0, 0, 0) != 0)
            return 0;
        capcall(SYS_capget);
        return 0;
    case 16:
        if (pr(28, 1 << 5) != 0)
            return 0;
        return pr(8, 1) == 0 ? 7 : 0;
    case 17:
        if (pr(28, 3) != 0)
            return 0;
        return pr(28, 0) == 0 ? 7 : 0;
    case 18:
        if (pr(28, 4) != 0 || sys6(SYS_setuid, 65534, 0, 0, 0, 0, 0) != 0)
            return 0;
        capcall(SYS_capget);
        return 0;
    case 19:
        if (!make_thread_doing(19))
            return 0;
        while (!__atomic_load_n(&th_done, __ATOMIC_SEQ_CST))
            sys6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
        return group_exit(sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0);
    case 20:
        if (sys6(SYS_setresuid, -1, -1, -1, 0, 0, 0) != 0)
            return 0;
        capcall(SYS_capget);
        return 0;
    case 21:
        if (pr(28, 3) != 0)
            return 0;
        return exec_self(self, "-S") * 0;
    case 22:
        if (pr(28, 3) != 0 || new_userns() != 0)
            return 0;
        pr(28, 0);
        return 0;
    case 23:
        if (pr(8, 1) != 0)
            return 0;
        return exec_self(self, "-P") * 0;
    case 24: {
        long pid = fs_child();
        if (pid <= 0)
            return 0;
        long fd = open_ro("/proc/self/ns/user");
        return fs_child_end(pid, sys6(SYS_setns, fd, CLONE_NEWUSER, 0, 0, 0, 0) == 0 ? 7 : 0);
    }
    case 25: {
        long pid = fs_child();
        if (pid <= 0)
            return 0;
        new_userns();
        return fs_child_end(pid, 0);
    }
    case 26:
        if (sys6(SYS_chroot, (long)"/proc", 0, 0, 0, 0, 0) != 0)
            return 0;
        return new_userns() == 0 ? 7 : 0;
    case 27: {
        long pfd = sys6(SYS_pidfd_open, sys6(SYS_getpid, 0, 0, 0, 0, 0, 0), 0, 0, 0, 0, 0);
        if (pfd < 0)
            return 0;
        return sys6(SYS_setns, pfd, CLONE_NEWUSER, 0, 0, 0, 0) == 0 ? 7 : 0;
    }
    case 28: {
        if (!make_thread())
            return 0;
        long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            new_userns();
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        }
        status_of(pid);
        return group_exit(0);
    }
    case 29: {
        if (!make_thread())
            return 0;
        status_of(clone(vf_body, vf_stack + sizeof vf_stack, VFORK_FLAGS, 0));
        return group_exit(0);
    }
    case 30:
        for (int i = 0; i < 34; i++) {
            if (new_userns() != 0)
                return 0;
            write_map();
            write_file("/proc/self/setgroups", "deny", 4);
            write_file("/proc/self/gid_map", "0 0 1", 5);
        }
        return 7;
    case 31:
        th_go = 0;
        if (clone(th_body, th_stack + sizeof th_stack,
                  CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_NEWUSER, 0) <= 0)
            return 0;
        return group_exit(7);
    case 32:
        if (new_userns() != 0)
            return 0;
        write_map();
        if (sys6(SYS_setuid, 0, 0, 0, 0, 0, 0) != 0)
            return 0;
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    case 33:
        sys6(SYS_setfsuid, 65534, 0, 0, 0, 0, 0);
        sys6(SYS_setfsuid, 0, 0, 0, 0, 0, 0);
        capcall(SYS_capget);
        return 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int show_digest = 0, unused = 0;
    char flag = image_flag(argc, argv, &show_digest, 0, &unused);
    if (flag == 'S')
        return pr(28, 0) == 0 ? 7 : 0;
    if (flag == 'P')
        return pr(7, 0) == 1 ? 7 : 0;
    if (flag)
        return 0;
    volatile uint8_t stackbuf[64];

    long mapped = core_start(stackbuf);
    if (!mapped)
        return 1;
    for (int i = 0; i < NSTEPS; i++)
        core_step(17200 + 2 * i, i, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
