"""Credentials (kernel_model/credentials.py) against Linux's kernel/sys.c and commoncap.c.

A probe program runs under qemu-aarch64-static (the host kernel answers its set*id calls)
and under Blindfold, natively and confidential with the Guardian on; its execve steps run
under Blindfold only (qemu-user hands an AArch64 file's execve to the host, which cannot
run it) and are checked against cap_bprm_creds_from_file()'s and begin_new_exec()'s rules.
The rules themselves are unit-tested on Cred values.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest

from cli.session import run_program
from kernel_model.credentials import (
    CAP_FS_SET,
    CAP_FULL_SET,
    Cred,
    exec_creds,
    secure_exec,
    set_fsuid,
    set_gid,
    set_regid,
    set_resuid,
    set_reuid,
    set_uid,
    status_lines,
)
from kernel_model.errors import KernelError
from tests.model_diff import GCC, compile_c, needs_tools, three_ways

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void ids(const char *tag) {
    unsigned r, e, s, gr, ge, gs;
    syscall(SYS_getresuid, &r, &e, &s);
    syscall(SYS_getresgid, &gr, &ge, &gs);
    unsigned fu = syscall(SYS_setfsuid, -1), fg = syscall(SYS_setfsgid, -1);
    printf("%s: uid %u %u %u %u gid %u %u %u %u\n", tag, r, e, s, fu, gr, ge, gs, fg);
}
static void caps(const char *tag) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    syscall(SYS_capget, &h, d);
    printf("%s: eff %s setuid %u prm %s dumpable %d\n", tag, d[0].effective ? "some" : "none",
           (d[0].effective >> 7) & 1, d[0].permitted ? "some" : "none",
           prctl(PR_GET_DUMPABLE));
}
static void status(const char *tag) {
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) || !strncmp(line, "Groups:", 7))
            printf("%s: %s", tag, line);
    fclose(f);
}
#define R(x) do { long _r = (x); printf("%s = %ld%s%s\n", #x, _r, _r < 0 ? " " : "", _r < 0 ? strerror(errno) : ""); } while (0)

static const char *prog;

static int go[2];

static void *thread_ids(void *arg) {
    char c;
    (void)arg;
    while (read(go[0], &c, 1) != 1) {}
    ids("thread");
    return NULL;
}

static void run(void (*fn)(void)) {
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) { fn(); fflush(stdout); _exit(0); }
    int st; waitpid(p, &st, 0);
    printf("-- exit %d\n", WEXITSTATUS(st));
}

static void groups(void) {
    gid_t g[4] = {5, 3, 7, 3}, out[8];
    R(setgroups(4, g));
    R(syscall(SYS_getgroups, 0, NULL));
    long n = syscall(SYS_getgroups, 8, out);
    printf("groups %ld:", n);
    for (long i = 0; i < n; i++) printf(" %u", out[i]);
    printf("\n");
    R(syscall(SYS_getgroups, 1, out));
    R(syscall(SYS_getgroups, -1, out));
    R(syscall(SYS_getgroups, 8, (void *)8));
    R(syscall(SYS_setgroups, 65537, g));
    R(syscall(SYS_setgroups, -1, g));
    R(syscall(SYS_setgroups, 2, (void *)8));
    gid_t bad[1] = {(gid_t)-1};
    R(syscall(SYS_setgroups, 1, bad));
    status("groups");
    R(setgroups(0, NULL));
    R(syscall(SYS_getgroups, 0, NULL));
    R(syscall(SYS_getresuid, (void *)8, out, out));
}

static void drop_euid(void) {
    caps("root");
    R(prctl(PR_SET_PDEATHSIG, 10));
    R(setresuid(-1, 1000, -1));
    ids("euid 1000");
    caps("euid 1000");
    int sig = -1; prctl(PR_GET_PDEATHSIG, &sig);
    printf("pdeathsig %d\n", sig);
    R(setfsuid(0));
    R(setfsuid(-1));
    R(setfsuid(1234));
    R(setfsuid(-1));
    R(setresuid(-1, 0, -1));
    caps("back to root");
    R(setfsuid(1234));
    R(setresuid(-1, -1, -1));    /* no id changes: __sys_setresuid() keeps the fs uid */
    R(setfsuid(-1));
    R(setfsuid(0));
    R(setreuid(-1, -1));
    R(setuid(-1));
    R(setreuid(1000, -1));
    ids("setreuid 1000 -1");
    R(setreuid(-1, 2000));
    ids("setreuid -1 2000");
    status("ids");
}

static void keepcaps(void) {
    R(prctl(PR_SET_KEEPCAPS, 1));
    R(setresgid(100, 200, 300));
    ids("resgid");
    R(setgid(200));
    ids("setgid root");
    R(setresgid(100, 200, 300));
    R(setresuid(1000, 1000, 1000));
    caps("keepcaps");
    ids("dropped");
    R(setuid(0));
    R(setuid(1000));
    R(setgid(5));
    R(setgid(300));
    ids("setgid 300");
    R(setregid(-1, 100));
    ids("setregid -1 100");
    R(setresgid(7, -1, -1));
    R(setresuid(-1, -1, 7));
    R(setfsgid(200));
    R(setfsgid(9));
    R(setfsgid(-1));
    R(setgroups(0, NULL));
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        ids("fork child");
        fflush(stdout);
        _exit(0);
    }
    int st; waitpid(p, &st, 0);
}

static void after_exec(void) {
    ids("exec'd");
    caps("exec'd");
    int sig = -1; prctl(PR_GET_PDEATHSIG, &sig);
    printf("keepcaps %d pdeathsig %d secure %lu\n", prctl(PR_GET_KEEPCAPS), sig,
           getauxval(AT_SECURE));
    status("exec'd");
}

static void uid_in_exec(void) {
    R(prctl(PR_SET_KEEPCAPS, 1));
    R(setresuid(0, 1000, 1000));
    R(setfsuid(0));
    R(prctl(PR_SET_PDEATHSIG, 10));
    fflush(stdout);
    execl(prog, "creds", "exec", (char *)NULL);
    _exit(99);
}

static void euid_in_exec(void) {
    R(setresuid(1000, 0, 1000));
    R(setresgid(1000, 1000, 0));
    fflush(stdout);
    execl(prog, "creds", "exec", (char *)NULL);
    _exit(99);
}

static volatile unsigned got_uid = 12345;

static void on_usr1(int signo, siginfo_t *si, void *uc) {
    (void)signo; (void)uc;
    got_uid = si->si_uid;
}

static void killperm(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    R(setresuid(1000, 1000, 1000));
    R(kill(getppid(), 0));
    R(kill(getppid(), SIGCONT));
    R(kill(getpid(), 0));
    R(kill(getpid(), SIGUSR1));
    printf("si_uid %u\n", got_uid);
    R(setresuid(-1, 1000, -1));
}

static void peercred(void) {
    int sv[2];
    struct ucred uc;
    socklen_t len = sizeof uc;
    R(setresgid(5, 6, 7));
    R(setresuid(1000, 2000, 1000));
    R(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    R(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &len));
    printf("peercred uid %u gid %u self %d\n", uc.uid, uc.gid, uc.pid == getpid());
}

static void threads(void) {
    pthread_t th;
    pipe(go);
    pthread_create(&th, NULL, thread_ids, NULL);
    R(setresgid(4, 5, 6));
    R(setresuid(1, 2, 3));
    R(setgroups(0, NULL));
    fflush(stdout);
    write(go[1], "g", 1);
    pthread_join(th, NULL);
    ids("main");
}

int main(int argc, char **argv) {
    prog = argv[0];
    if (argc > 1 && !strcmp(argv[1], "exec")) { after_exec(); return 0; }
    if (argc > 1 && !strcmp(argv[1], "x")) {  /* execve's rules (qemu-user cannot exec an AArch64 file) */
        run(uid_in_exec);
        run(euid_in_exec);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "g")) { run(groups); return 0; }
    ids("start");
    run(drop_euid);
    run(keepcaps);
    run(killperm);
    run(peercred);
    run(threads);
    return 0;
}
"""

EXEC_STEPS = b"""\
prctl(PR_SET_KEEPCAPS, 1) = 0
setresuid(0, 1000, 1000) = 0
setfsuid(0) = 1000
prctl(PR_SET_PDEATHSIG, 10) = 0
exec'd: uid 0 1000 1000 1000 gid 0 0 0 0
exec'd: eff none setuid 0 prm some dumpable 0
keepcaps 0 pdeathsig 0 secure 1
exec'd: Uid:\t0\t1000\t1000\t1000
exec'd: Gid:\t0\t0\t0\t0
exec'd: Groups:\t \n\
-- exit 0
setresuid(1000, 0, 1000) = 0
setresgid(1000, 1000, 0) = 0
exec'd: uid 1000 0 0 0 gid 1000 1000 1000 1000
exec'd: eff some setuid 1 prm some dumpable 0
keepcaps 0 pdeathsig 0 secure 1
exec'd: Uid:\t1000\t0\t0\t0
exec'd: Gid:\t1000\t1000\t1000\t1000
exec'd: Groups:\t \n\
-- exit 0
"""


@needs_tools[0]
@needs_tools[1]
def test_groups_as_qemu_shows(tmp_path: Path) -> None:
    """setgroups/getgroups: sorted, duplicates kept, a too-small size, a negative size,
    a size past NGROUPS_MAX, bad pointers and an invalid gid; /proc's Groups: line;
    natively and confidential (the Guardian grants setgroups the read of its list)."""
    exe = compile_c(tmp_path, "creds", SOURCE)
    q, native, confidential = three_ways(tmp_path, exe, ["g"])
    assert q.code == 0, q
    assert b"groups 4: 3 3 5 7" in q.stdout
    assert native == q
    assert confidential == q


@needs_tools[0]
@needs_tools[1]
def test_set_ids_and_caps_as_qemu_shows(tmp_path: Path) -> None:
    """kill() permission by kill_ok_by_cred() and the sender's uid in si_uid; SO_PEERCRED's
    effective ids;
    setresuid dropping the
    effective capabilities and the dumpable mode and PDEATHSIG, setfsuid's old value,
    setreuid's saved id, KEEPCAPS, non-root EPERM, a fork child's ids, and a thread that
    follows glibc's broadcast: the same lines under qemu and Blindfold."""
    exe = compile_c(tmp_path, "creds", SOURCE)
    q, native, confidential = three_ways(tmp_path, exe)
    assert q.code == 0, q
    assert b"euid 1000: eff none setuid 0 prm some dumpable 0" in q.stdout
    assert b"kill(getppid(), 0) = -1 Operation not permitted" in q.stdout
    assert b"si_uid 1000" in q.stdout
    assert b"peercred uid 2000 gid 6 self 1" in q.stdout
    assert native == q
    assert confidential == q


@pytest.mark.skipif(GCC is None, reason="aarch64-linux-gnu-gcc is not installed")
@pytest.mark.parametrize(("guardian", "confidential"), [("off", False), ("on", True)])
def test_execve_credentials(tmp_path: Path, guardian: str, confidential: bool) -> None:
    """execve: saved and fs ids become the effective ones, KEEPCAPS is cleared, real root
    keeps a full permitted set (effective only with euid 0), AT_SECURE is set and the
    image is not dumpable when the effective ids differ from the real ones, and the
    parent-death signal is gone."""
    exe = compile_c(tmp_path, "creds", SOURCE)
    out = io.BytesIO()
    result = run_program(str(exe), ["x"], stdout=out, stderr=io.BytesIO(),
                         stdin=io.BytesIO(b""), guardian=guardian, confidential=confidential,
                         guardian_seed=0 if confidential else None)
    assert result.exit_code == 0
    assert out.getvalue() == EXEC_STEPS


ROOT = Cred()
USER = Cred(1000, 1000, 1000, 1000, 100, 100, 100, 100, cap_permitted=0, cap_effective=0)


def _errno(fn, *args) -> int:  # noqa: ANN001
    with pytest.raises(KernelError) as e:
        fn(*args)
    return e.value.errno


def test_setuid_as_root_sets_all_and_drops_caps() -> None:
    new = set_uid(ROOT, 1000)
    assert (new.uid, new.euid, new.suid, new.fsuid) == (1000,) * 4
    assert new.cap_permitted == new.cap_effective == 0
    kept = set_uid(ROOT, 1000, keep_caps=True)
    assert kept.cap_permitted == CAP_FULL_SET and kept.cap_effective == 0
    assert _errno(set_uid, ROOT, 0xFFFF_FFFF) == 22


def test_setuid_without_cap_changes_only_the_effective_id() -> None:
    c = replace(USER, uid=1000, euid=2000, suid=3000, fsuid=2000)
    new = set_uid(c, 3000)
    assert (new.uid, new.euid, new.suid, new.fsuid) == (1000, 3000, 3000, 3000)
    assert _errno(set_uid, c, 2000) == 1
    assert _errno(set_uid, c, 0) == 1


def test_setreuid_sets_saved_id_as_sys_c_does() -> None:
    new = set_reuid(ROOT, 0xFFFF_FFFF, 1000)
    assert (new.uid, new.euid, new.suid) == (0, 1000, 1000)
    assert new.cap_effective == 0 and new.cap_permitted == CAP_FULL_SET
    back = set_reuid(new, 0xFFFF_FFFF, 0)              # euid == old ruid: saved stays
    assert (back.uid, back.euid, back.suid) == (0, 0, 1000)
    assert back.cap_effective == CAP_FULL_SET
    assert _errno(set_reuid, USER, 5, 0xFFFF_FFFF) == 1


def test_setresuid_and_minus_one() -> None:
    assert set_resuid(USER, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF) == USER
    assert _errno(set_resuid, USER, 0xFFFF_FFFF, 0, 0xFFFF_FFFF) == 1


def test_setresuid_changing_no_id_keeps_the_fs_uid() -> None:
    """__sys_setresuid() returns 0 before commit_creds() where no id would change (Linux
    6.18; qemu-aarch64-static: setfsuid(-1) answers 1234 after setfsuid(1234) and
    setresuid(-1, -1, -1)), even without CAP_SETUID."""
    root = Cred()
    apart = set_fsuid(root, 1234)
    assert set_resuid(apart, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF).fsuid == 1234
    assert set_resuid(apart, 0, 0xFFFF_FFFF, 0).fsuid == 1234
    assert set_resuid(apart, 0xFFFF_FFFF, 0, 0xFFFF_FFFF).fsuid == 0    # (euid != fsuid)


def test_setfsuid_moves_the_fs_capabilities() -> None:
    c = set_fsuid(ROOT, 1000)
    assert c.fsuid == 1000 and c.cap_effective == CAP_FULL_SET & ~CAP_FS_SET
    assert set_fsuid(c, 0).cap_effective == CAP_FULL_SET
    assert set_fsuid(USER, 7) is USER                  # not allowed: unchanged, no error
    assert set_fsuid(USER, 0xFFFF_FFFF) is USER


def test_gid_rules() -> None:
    assert set_gid(ROOT, 5).sgid == 5
    assert _errno(set_gid, USER, 5) == 1
    new = set_regid(USER, 0xFFFF_FFFF, 100)
    assert new == USER


def test_exec_creds_and_secureexec() -> None:
    c = set_resuid(ROOT, 0, 1000, 1000)
    new = exec_creds(replace(c, fsuid=0))
    assert (new.suid, new.fsuid) == (1000, 1000)
    assert new.cap_permitted == CAP_FULL_SET and new.cap_effective == 0
    assert secure_exec(new) and not secure_exec(ROOT)
    user = exec_creds(replace(USER, cap_permitted=CAP_FULL_SET))
    assert user.cap_permitted == 0 and user.cap_effective == 0


def test_status_lines() -> None:
    ids, groups, caps = status_lines(replace(USER, groups=(3, 5)))
    assert ids == "Uid:\t1000\t1000\t1000\t1000\nGid:\t100\t100\t100\t100\n"
    assert groups == "Groups:\t3 5 \n"
    assert "CapEff:\t0000000000000000\nCapBnd:\t000001ffffffffff\n" in caps


def test_kill_within_the_own_thread_group_needs_no_cred_match() -> None:
    # check_kill_permission(): same_thread_group() before kill_ok_by_cred(): a thread that
    # dropped its own ids (a raw setresuid) still signals its root siblings
    from types import SimpleNamespace

    from kernel_model.syscalls.signal import _may_signal
    proc = SimpleNamespace(sid=1, threads=[SimpleNamespace(cred=ROOT)])
    me = SimpleNamespace(process=proc, cred=replace(ROOT, uid=1000, euid=1000, suid=1000,
                                                     cap_effective=0, cap_permitted=0))
    other = SimpleNamespace(process=SimpleNamespace(sid=2, threads=proc.threads))
    assert _may_signal(me, SimpleNamespace(process=proc), 10)  # type: ignore[arg-type]
    assert not _may_signal(me, other, 10)  # type: ignore[arg-type]
