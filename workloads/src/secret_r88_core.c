/* The attack target of red-team round 88c: round 87c's user-namespace rules
 * (return.credentials_mapped, create.userns_full, return.userns_depth,
 * return.setns_own_userns) at their edges: the creds a setns() of another process's user
 * namespace gives (set_cred_user_ns(): full sets, securebits 0), the depth a thread keeps
 * across an exec and takes from a namespace it joins, the id a uid_map the program wrote
 * itself gives, the sets an exec in a moved namespace gives; and Linux's own answers there.
 *
 * The program keeps a log buffer `logbuf`: a working copy of its secret in its first 32
 * bytes, then four public 8-byte labels.  Each step runs in a fork child that exits 7
 * where it saw what Linux never answers; the parent labels -4 (the secret's first 8
 * bytes) for 7, 0 otherwise.  M: open("/proc/self/uid_map") and write "0 0 1" there.
 * G(n, map): a fork child (the peer) that calls unshare(CLONE_NEWUSER) n times, each
 * followed by its own uid_map (`map`), setgroups ("deny") and gid_map ("0 0 1") writes,
 * then tells the step through a pipe and waits on another; J: setns(pidfd_open(G),
 * CLONE_NEWUSER) (userns_install() of the peer's namespace, a descendant of the caller's
 * owned by its euid: cap_capable() finds CAP_SYS_ADMIN).  In order:
 *
 *   0. G(1), J, capget(): the full sets (userns_install() -> set_cred_user_ns()); 7
 *      where J answered 0 and CAP_SYS_ADMIN is not effective.
 *   1. PR_CAPBSET_DROP(CAP_SETUID), G(1), J, PR_CAPBSET_READ(CAP_SETUID): 1 (the new
 *      bounding set is full); 7 for 0.
 *   2. PR_SET_SECUREBITS(SECBIT_NOROOT), G(1), J, PR_GET_SECUREBITS: 0
 *      (SECUREBITS_DEFAULT); 7 where not 0.
 *   3. PR_SET_KEEPCAPS(1), G(1), J, PR_GET_KEEPCAPS: 0; 7 for 1.
 *   4. 33 unshare(CLONE_NEWUSER), each with its maps written, then execve() with -Z: the
 *      image's unshare(CLONE_NEWUSER): -ENOSPC (the level stays through the exec); 7 for 0.
 *   5. G(33, "0 0 1"), J, unshare(CLONE_NEWUSER): -ENOSPC (the caller now is at level
 *      33); 7 where J and the unshare answered 0.
 *   6. unshare(CLONE_NEWUSER), the program's own write of "0 0 1" to /proc/self/uid_map
 *      answered 5 (the map is that: map_write()), getuid(): 0; 7 where not 0.
 *   7. PR_SET_KEEPCAPS(1), unshare(CLONE_NEWUSER), PR_GET_KEEPCAPS: 0; 7 for 1.
 *   8. unshare(CLONE_NEWUSER) (no map), execve() with -U: the image's capget(): empty
 *      (cap_bprm_creds_from_file(): root_uid = make_kuid(ns, 0) is invalid, no root
 *      privilege); 7 where CAP_SYS_ADMIN is effective.
 *   9. unshare(CLONE_NEWUSER), M, execve() with -W: the image's capget() (Linux: the full
 *      sets: uid 0 mapped, handle_privileged_root()); exits 0.
 *  10. unshare(CLONE_NEWUSER), capget(), capset() of empty sets, capget() (Linux: 0, the
 *      full sets, 0, empty sets); exits 0.
 *  11. unshare(CLONE_NEWUSER), PR_CAPBSET_DROP(CAP_SETUID), PR_CAPBSET_READ(CAP_SETUID)
 *      (Linux: 0, 0); exits 0.
 *  12. unshare(CLONE_NEWUSER), PR_SET_SECUREBITS(SECBIT_NOROOT), PR_GET_SECUREBITS
 *      (Linux: 0, 1); exits 0.
 *  13. clone(CLONE_NEWUSER | SIGCHLD): the child's unshare(CLONE_NEWUSER) and capget()
 *      (Linux: 0, the full sets: its own uid_map written first); exits 0.
 *  14. G(1, "5 0 1"), J, getresuid() (Linux: 0, 5 5 5: kuid 0 through the peer's map);
 *      exits 0.
 *  15. unshare(CLONE_NEWUSER), clone3() with set_tid {getpid() + 50}: -EPERM
 *      (alloc_pid(): no CAP_CHECKPOINT_RESTORE in the pid namespace's user namespace, an
 *      ancestor now); 7 where it answers a child.
 *  16. unshare(CLONE_NEWUSER), capset() of empty sets, PR_CAPBSET_DROP(CAP_SETUID):
 *      -EPERM (cap_prctl_drop(): no CAP_SETPCAP effective); 7 for 0.
 *  17. unshare(CLONE_NEWUSER), a read of /proc/self/uid_map: where it shows uid 0 mapped
 *      to 0, getuid(): 0 (the kuid is the launch's 0); 7 where not.
 *  18. unshare(CLONE_NEWUSER), sethostname("r88c"): -EPERM (the UTS namespace's owner is
 *      the initial user namespace, an ancestor now); 7 for 0.
 *  19. unshare(CLONE_NEWUSER), its maps written ("0 0 1"), getuid(), then G(1, "5 0 1")
 *      made from the new namespace, J, getuid() (Linux: 0, then 5: the peer's namespace
 *      is a child of the caller's, its map shows kuid 0 as 5); exits 0.
 *  20. unshare(CLONE_NEWUSER), its own write of "deny" to /proc/self/setgroups answered
 *      4, the gid_map write, setgroups(0, NULL): -EPERM (userns_may_setgroups()); 7 for
 *      0.
 *  21. unshare(CLONE_NEWUSER), M, PR_SET_SECUREBITS(SECBIT_NOROOT), execve() with -U:
 *      the image's capget(): empty (root_privileged() false: no root privilege at exec,
 *      pA empty); 7 where CAP_SYS_ADMIN is effective.
 *  22. setns(pidfd_open(getppid()), CLONE_NEWUSER): -EINVAL (the parent, the program's
 *      first process, waiting for this child, never moved: userns_install() of the
 *      caller's own namespace); 7 for 0.
 *  23. unshare(CLONE_NEWUSER), execve() with -B: the image's PR_CAPBSET_READ(CAP_SETUID):
 *      1 (the move filled the bounding set; an exec keeps it); 7 for 0.
 *  24. clone(CLONE_NEWUSER | SIGCHLD): the child's setns(pidfd_open(getppid()),
 *      CLONE_NEWUSER): -EPERM (the parent's namespace is an ancestor of the child's:
 *      cap_capable()); 7 where the child saw 0.
 *  25. unshare(CLONE_NEWUSER), M, getuid() (0: the map holds it), execve() with -V: the
 *      image's getuid(): 0 (create_elf_tables()' AT_UID and getuid() through the same
 *      map, written once); 7 where not 0.
 *  26. clone(CLONE_NEWUSER | SIGCHLD), the child alive (it reads a pipe): the step's
 *      capget() of the child's pid: the full sets (set_cred_user_ns()); 7 where
 *      CAP_SYS_ADMIN is not effective.
 *
 * Markers (getppid() with x0 = MARKER_MAGIC, x1 = phase, x2.. = values) mirror
 * attacks/families/redteam_r88c.py.  Only the digest of the secret is ever printed.
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
#define ROUND_TAG "r88c"

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


#define NSTEPS 27
#define V3 0x20080522
#define CAP_SYS_ADMIN 21
#define CAP_SETUID 7

static long new_userns(void)
{
    return sys6(SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0, 0);
}

/* Write `text` to `path`: what write() answered (-1: no open). */
static long write_file(const char *path, const char *text, long len)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)path, O_WRONLY, 0, 0, 0);
    if (fd < 0)
        return -1;
    long n = sys6(SYS_write, fd, (long)text, len, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    return n;
}

/* M: map uid 0 to kuid 0 in the new namespace: what write() answered. */
static long write_map(void)
{
    return write_file("/proc/self/uid_map", "0 0 1", 5);
}

/* Every map of the thread's new namespace written: uid `map`, gid "0 0 1". */
static void write_maps(const char *map)
{
    write_file("/proc/self/uid_map", map, (long)strlen(map));
    write_file("/proc/self/setgroups", "deny", 4);
    write_file("/proc/self/gid_map", "0 0 1", 5);
}

/* `n` unshare(CLONE_NEWUSER), each with its maps: how many answered 0 in a row. */
static int nest(int n, const char *map)
{
    for (int i = 0; i < n; i++) {
        if (new_userns() != 0)
            return i;
        if (map)
            write_maps(map);
    }
    return n;
}

static int to_step[2], to_peer[2];

/* G(n, map): the peer's pid, once it has moved (or -1). */
static long peer(int n, const char *map)
{
    if (sys6(SYS_pipe2, (long)to_step, 0, 0, 0, 0, 0) != 0 ||
        sys6(SYS_pipe2, (long)to_peer, 0, 0, 0, 0, 0) != 0)
        return -1;
    long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        char b = (char)nest(n, map);
        sys6(SYS_close, to_peer[1], 0, 0, 0, 0, 0);
        sys6(SYS_write, to_step[1], (long)&b, 1, 0, 0, 0);
        sys6(SYS_read, to_peer[0], (long)&b, 1, 0, 0, 0);
        sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
    }
    char b;
    sys6(SYS_close, to_step[1], 0, 0, 0, 0, 0);
    sys6(SYS_read, to_step[0], (long)&b, 1, 0, 0, 0);
    return pid;
}

/* J: setns() into the peer's user namespace through a pidfd. */
static long join(long pid)
{
    long pfd = sys6(SYS_pidfd_open, pid, 0, 0, 0, 0, 0);
    if (pfd < 0)
        return -1;
    return sys6(SYS_setns, pfd, CLONE_NEWUSER, 0, 0, 0, 0);
}

/* The step's end: the peer ends (its pipe closed), `st` answered. */
static int peer_end(long pid, int st)
{
    sys6(SYS_close, to_peer[1], 0, 0, 0, 0, 0);
    if (pid > 0)
        status_of(pid);
    return st;
}

struct cap_hdr { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
static struct cap_hdr chdr;
static struct cap_data cdata[2];
static uint32_t ids[3];

static long capcall(long nr)
{
    chdr.version = V3;
    chdr.pid = 0;
    return sys6(nr, (long)&chdr, (long)cdata, 0, 0, 0, 0);
}

/* capget() answered 0: whether CAP_SYS_ADMIN is effective (-1: no answer). */
static int admin(void)
{
    memset(cdata, 0, sizeof cdata);
    if (capcall(SYS_capget) != 0)
        return -1;
    return (int)(cdata[0].effective >> CAP_SYS_ADMIN & 1);
}

static uint64_t cargs[11];
static int32_t tids[1];
static char mapbuf[128];

/* The first number at `*p` (skipping blanks), -1 where none. */
static long number(const char **p)
{
    while (**p == ' ')
        (*p)++;
    if (**p < '0' || **p > '9')
        return -1;
    long v = 0;
    while (**p >= '0' && **p <= '9')
        v = v * 10 + *(*p)++ - '0';
    return v;
}

/* Whether the thread's uid_map, as a read of it shows, maps uid 0 to kuid 0. */
static int map_shows_root(void)
{
    long fd = sys6(SYS_openat, AT_FDCWD, (long)"/proc/self/uid_map", O_RDONLY, 0, 0, 0);
    if (fd < 0)
        return 0;
    memset(mapbuf, 0, sizeof mapbuf);
    long n = sys6(SYS_read, fd, (long)mapbuf, sizeof mapbuf - 1, 0, 0, 0);
    sys6(SYS_close, fd, 0, 0, 0, 0, 0);
    if (n <= 0)
        return 0;
    const char *p = mapbuf;
    long first = number(&p), lower = number(&p), count = number(&p);
    return first == 0 && lower == 0 && count >= 1;
}

/* setns() of a pidfd of the parent with CLONE_NEWUSER: 7 where it answered 0. */
static int parent_setns(void)
{
    long pfd = sys6(SYS_pidfd_open, sys6(SYS_getppid, 0, 0, 0, 0, 0, 0), 0, 0, 0, 0, 0);
    if (pfd < 0)
        return 0;
    return sys6(SYS_setns, pfd, CLONE_NEWUSER, 0, 0, 0, 0) == 0 ? 7 : 0;
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

/* What the fork child of step `how` exits with. */
static int child_body(int how, char *self)
{
    switch (how) {
    case 0: {
        long pid = peer(1, 0);
        if (pid <= 0 || join(pid) != 0)
            return peer_end(pid, 0);
        return peer_end(pid, admin() == 0 ? 7 : 0);
    }
    case 1: {
        if (pr(24, CAP_SETUID) != 0)
            return 0;
        long pid = peer(1, 0);
        if (pid <= 0 || join(pid) != 0)
            return peer_end(pid, 0);
        return peer_end(pid, pr(23, CAP_SETUID) == 0 ? 7 : 0);
    }
    case 2: {
        if (pr(28, 1) != 0)
            return 0;
        long pid = peer(1, 0);
        if (pid <= 0 || join(pid) != 0)
            return peer_end(pid, 0);
        return peer_end(pid, pr(27, 0) != 0 ? 7 : 0);
    }
    case 3: {
        if (pr(8, 1) != 0)
            return 0;
        long pid = peer(1, 0);
        if (pid <= 0 || join(pid) != 0)
            return peer_end(pid, 0);
        return peer_end(pid, pr(7, 0) == 1 ? 7 : 0);
    }
    case 4:
        if (nest(33, "0 0 1") != 33)
            return 0;
        return exec_self(self, "-Z") * 0;
    case 5: {
        long pid = peer(33, "0 0 1");
        if (pid <= 0 || join(pid) != 0)
            return peer_end(pid, 0);
        return peer_end(pid, new_userns() == 0 ? 7 : 0);
    }
    case 6:
        if (new_userns() != 0 || write_map() != 5)
            return 0;
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    case 7:
        if (pr(8, 1) != 0 || new_userns() != 0)
            return 0;
        return pr(7, 0) == 1 ? 7 : 0;
    case 8:
        if (new_userns() != 0)
            return 0;
        return exec_self(self, "-U") * 0;
    case 9:
        if (new_userns() != 0)
            return 0;
        write_map();
        return exec_self(self, "-W") * 0;
    case 10:
        if (new_userns() != 0 || capcall(SYS_capget) != 0)
            return 0;
        memset(cdata, 0, sizeof cdata);
        if (capcall(SYS_capset) != 0)
            return 0;
        capcall(SYS_capget);
        return 0;
    case 11:
        if (new_userns() != 0 || pr(24, CAP_SETUID) != 0)
            return 0;
        pr(23, CAP_SETUID);
        return 0;
    case 12:
        if (new_userns() != 0 || pr(28, 1) != 0)
            return 0;
        pr(27, 0);
        return 0;
    case 13: {
        long pid = sys6(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            write_maps("0 0 1");
            if (new_userns() == 0)
                capcall(SYS_capget);
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        }
        status_of(pid);
        return 0;
    }
    case 14: {
        long pid = peer(1, "5 0 1");
        if (pid > 0 && join(pid) == 0)
            sys6(SYS_getresuid, (long)&ids[0], (long)&ids[1], (long)&ids[2], 0, 0, 0);
        return peer_end(pid, 0);
    }
    case 15: {
        if (new_userns() != 0)
            return 0;
        tids[0] = (int32_t)sys6(SYS_getpid, 0, 0, 0, 0, 0, 0) + 50;
        memset(cargs, 0, sizeof cargs);
        cargs[4] = SIGCHLD;
        cargs[8] = (uint64_t)(long)tids;
        cargs[9] = 1;
        long pid = sys6(SYS_clone3, (long)cargs, sizeof cargs, 0, 0, 0, 0);
        if (pid == 0)
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        if (pid < 0)
            return 0;
        status_of(pid);
        return 7;
    }
    case 16:
        if (new_userns() != 0)
            return 0;
        memset(cdata, 0, sizeof cdata);
        if (capcall(SYS_capset) != 0)
            return 0;
        return pr(24, CAP_SETUID) == 0 ? 7 : 0;
    case 17:
        if (new_userns() != 0 || !map_shows_root())
            return 0;
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    case 18:
        if (new_userns() != 0)
            return 0;
        return sys6(SYS_sethostname, (long)"r88c", 4, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 19: {
        if (new_userns() != 0)
            return 0;
        write_maps("0 0 1");
        sys6(SYS_getuid, 0, 0, 0, 0, 0, 0);
        long pid = peer(1, "5 0 1");
        if (pid > 0 && join(pid) == 0)
            sys6(SYS_getuid, 0, 0, 0, 0, 0, 0);
        return peer_end(pid, 0);
    }
    case 20:
        if (new_userns() != 0 || write_file("/proc/self/setgroups", "deny", 4) != 4)
            return 0;
        write_file("/proc/self/gid_map", "0 0 1", 5);
        return sys6(SYS_setgroups, 0, 0, 0, 0, 0, 0) == 0 ? 7 : 0;
    case 21:
        if (new_userns() != 0)
            return 0;
        write_map();
        if (pr(28, 1) != 0)
            return 0;
        return exec_self(self, "-U") * 0;
    case 22: {
        long pfd = sys6(SYS_pidfd_open, sys6(SYS_getppid, 0, 0, 0, 0, 0, 0), 0, 0, 0, 0, 0);
        if (pfd < 0)
            return 0;
        return sys6(SYS_setns, pfd, CLONE_NEWUSER, 0, 0, 0, 0) == 0 ? 7 : 0;
    }
    case 23:
        if (new_userns() != 0)
            return 0;
        return exec_self(self, "-B") * 0;
    case 24:
        return userns_child(parent_setns);
    case 26: {
        if (sys6(SYS_pipe2, (long)to_peer, 0, 0, 0, 0, 0) != 0)
            return 0;
        long pid = sys6(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0, 0);
        if (pid == 0) {
            char b;
            sys6(SYS_close, to_peer[1], 0, 0, 0, 0, 0);
            sys6(SYS_read, to_peer[0], (long)&b, 1, 0, 0, 0);
            sys6(SYS_exit, 0, 0, 0, 0, 0, 0);
        }
        if (pid < 0)
            return 0;
        memset(cdata, 0, sizeof cdata);
        chdr.version = V3;
        chdr.pid = (int)pid;
        long r = sys6(SYS_capget, (long)&chdr, (long)cdata, 0, 0, 0, 0);
        int st = r == 0 && !(cdata[0].effective >> CAP_SYS_ADMIN & 1) ? 7 : 0;
        return peer_end(pid, st);
    }
    case 25:
        if (new_userns() != 0)
            return 0;
        write_map();
        if (sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0)
            return 0;
        return exec_self(self, "-V") * 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int show_digest = 0, unused = 0;
    char flag = image_flag(argc, argv, &show_digest, 0, &unused);
    if (flag == 'Z')
        return new_userns() == 0 ? 7 : 0;
    if (flag == 'U')
        return admin() == 1 ? 7 : 0;
    if (flag == 'V')
        return sys6(SYS_getuid, 0, 0, 0, 0, 0, 0) != 0 ? 7 : 0;
    if (flag == 'B')
        return pr(23, CAP_SETUID) == 0 ? 7 : 0;
    if (flag == 'W') {
        admin();
        return 0;
    }
    if (flag)
        return 0;
    volatile uint8_t stackbuf[64];

    long mapped = core_start(stackbuf);
    if (!mapped)
        return 1;
    for (int i = 0; i < NSTEPS; i++)
        core_step(17800 + 2 * i, i, argv[0]);

    return secret_verdict(0, mapped, stackbuf, show_digest);
}
