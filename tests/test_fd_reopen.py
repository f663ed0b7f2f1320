"""Opening /proc/self/fd/N (/proc/<pid>/fd/N, /dev/fd/N) makes a new open file
description, as Linux's proc_fd_link() and do_dentry_open() do: a memfd gets its own
offset, status flags and access mode over the same bytes and seals (O_TRUNC truncates);
a pipe end gets a new reader, writer or both (fifo_open()), its own O_NONBLOCK, counted
for EOF and EPIPE, and O_DIRECT is refused (EINVAL); sockets and anon-inode files give
ENXIO -- checked against qemu-aarch64-static, and the model's objects directly."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from kernel_model import linux_structs as ls
from kernel_model.errors import KernelError
from kernel_model.fd_reopen import reopen_pipe
from kernel_model.openfile import MemfdPages
from kernel_model.pipe_file import make_pipe
from tests.model_diff import compile_c, needs_tools, three_ways

SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
static int reopen(int fd, int flags) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int r = open(path, flags);
    if (r < 0) return -errno;
    return r;
}
static void say(const char *tag, long r) {
    if (r < 0) printf("%s: %ld errno=%d\n", tag, r, errno);
    else printf("%s: %ld\n", tag, r);
}
static char buf[64];
static void rd(const char *tag, int fd, int n) {
    errno = 0;
    long got = read(fd, buf, n);
    printf("%s: read=%ld errno=%d [%.*s]\n", tag, got, got < 0 ? errno : 0,
           got > 0 ? (int)got : 0, buf);
}
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    /* memfd O_RDWR: independent offsets, shared bytes */
    int m = memfd_create("m", MFD_ALLOW_SEALING);
    write(m, "0123456789", 10);
    int m2 = reopen(m, O_RDWR);
    printf("memfd rdwr reopen ok=%d same=%d\n", m2 >= 0, m2 == m);
    printf("offsets m=%ld m2=%ld\n", (long)lseek(m, 0, SEEK_CUR), (long)lseek(m2, 0, SEEK_CUR));
    lseek(m, 2, SEEK_SET);
    rd("m2 read", m2, 3);
    rd("m read", m, 3);
    printf("offsets m=%ld m2=%ld\n", (long)lseek(m, 0, SEEK_CUR), (long)lseek(m2, 0, SEEK_CUR));
    write(m2, "AB", 2);
    pread(m, buf, 10, 0); printf("shared bytes [%.10s]\n", buf);
    printf("acc m=%d m2=%d\n", fcntl(m, F_GETFL) & O_ACCMODE, fcntl(m2, F_GETFL) & O_ACCMODE);
    int ma = reopen(m, O_RDWR | O_APPEND);
    printf("append flag own: m=%d ma=%d\n", !!(fcntl(m, F_GETFL) & O_APPEND), !!(fcntl(ma, F_GETFL) & O_APPEND));
    write(ma, "Z", 1);
    struct stat st; fstat(m, &st); printf("size after append %ld\n", (long)st.st_size);
    /* memfd O_RDONLY */
    int mr = reopen(m, O_RDONLY);
    errno = 0; long w = write(mr, "x", 1); printf("rdonly write=%ld errno=%d\n", w, w < 0 ? errno : 0);
    printf("rdonly flags acc=%d\n", fcntl(mr, F_GETFL) & O_ACCMODE);
    rd("rdonly read", mr, 4);
    /* seals still apply */
    fcntl(m, F_ADD_SEALS, F_SEAL_GROW);
    errno = 0; w = pwrite(m2, "xx", 2, 100); printf("sealed grow via m2=%ld errno=%d\n", w, w < 0 ? errno : 0);
    /* O_TRUNC */
    int m3 = memfd_create("t", 0);
    write(m3, "hello", 5);
    int mt = reopen(m3, O_RDWR | O_TRUNC);
    fstat(m3, &st); printf("after O_TRUNC size=%ld ok=%d\n", (long)st.st_size, mt >= 0);
    /* pipe: read end reopened O_WRONLY */
    int p[2]; pipe(p);
    int pw = reopen(p[0], O_WRONLY);
    printf("pipe r->w ok=%d same=%d acc=%d\n", pw >= 0, pw == p[0], pw >= 0 ? fcntl(pw, F_GETFL) & O_ACCMODE : -1);
    errno = 0; w = write(pw, "via", 3); printf("write via reopened=%ld errno=%d\n", w, w < 0 ? errno : 0);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    rd("orig read end", p[0], 16);
    /* write end reopened O_RDONLY */
    int pr = reopen(p[1], O_RDONLY);
    printf("pipe w->r ok=%d acc=%d\n", pr >= 0, pr >= 0 ? fcntl(pr, F_GETFL) & O_ACCMODE : -1);
    write(p[1], "xyz", 3);
    rd("reopened reader", pr, 16);
    /* O_RDWR */
    int prw = reopen(p[0], O_RDWR);
    printf("pipe rdwr ok=%d acc=%d\n", prw >= 0, prw >= 0 ? fcntl(prw, F_GETFL) & O_ACCMODE : -1);
    write(prw, "self", 4);
    rd("rdwr reads own", prw, 16);
    /* O_DIRECT */
    say("pipe O_DIRECT reopen", reopen(p[0], O_RDONLY | O_DIRECT));
    say("pipe O_DIRECT|O_WRONLY reopen", reopen(p[1], O_WRONLY | O_DIRECT));
    /* O_NONBLOCK only on the new file */
    int q[2]; pipe(q);
    int qn = reopen(q[0], O_RDONLY | O_NONBLOCK);
    printf("nonblock: orig=%d new=%d\n", !!(fcntl(q[0], F_GETFL) & O_NONBLOCK), !!(fcntl(qn, F_GETFL) & O_NONBLOCK));
    rd("nonblock new empty", qn, 4);
    close(pw); close(prw);
    /* EOF counts the new writer */
    int e[2]; pipe(e);
    int ew = reopen(e[0], O_WRONLY);
    close(e[1]);
    fcntl(e[0], F_SETFL, O_NONBLOCK);
    rd("writer reopened, orig writer closed", e[0], 4);
    close(ew);
    rd("all writers closed", e[0], 4);
    /* EPIPE counts the new reader */
    int g[2]; pipe(g);
    int gr = reopen(g[1], O_RDONLY);
    close(g[0]);
    errno = 0; w = write(g[1], "k", 1); printf("reader reopened write=%ld errno=%d\n", w, w < 0 ? errno : 0);
    close(gr);
    errno = 0; w = write(g[1], "k", 1); printf("no readers write=%ld errno=%d\n", w, w < 0 ? errno : 0);
    /* socket, eventfd */
    int sv[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    say("socket reopen", reopen(sv[0], O_RDWR));
    int ev = eventfd(0, 0);
    say("eventfd reopen", reopen(ev, O_RDWR));
    say("timerfd reopen", reopen(timerfd_create(CLOCK_MONOTONIC, 0), O_RDWR));
    say("epoll reopen", reopen(epoll_create1(0), O_RDONLY));
    sigset_t ss; sigemptyset(&ss); sigaddset(&ss, SIGUSR1);
    say("signalfd reopen", reopen(signalfd(-1, &ss, 0), O_RDONLY));
    /* /dev/fd/N and /proc/PID/fd/N are the same links; a mapping through the new file
       shares the memfd's pages */
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", m);
    int d = open(path, O_RDONLY);
    snprintf(path, sizeof path, "/proc/%d/fd/%d", getpid(), m);
    int pp = open(path, O_RDWR);
    printf("dev/fd offset=%ld proc/pid offset=%ld\n", (long)lseek(d, 0, SEEK_CUR),
           (long)lseek(pp, 0, SEEK_CUR));
    ftruncate(pp, 4096);
    char *map = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, pp, 0);
    memcpy(map, "mapped", 6);
    close(pp);
    rd("mapped bytes through /dev/fd", d, 8);
    pread(m, buf, 8, 0); printf("mapped bytes through the first [%.8s]\n", buf);
    close(m); close(m2); close(ma); close(mr);
    memcpy(map + 6, "!!", 2);
    pread(d, buf, 8, 0); printf("after the others closed [%.8s]\n", buf);
    munmap(map, 4096);
    return 0;
}
"""

#: A host file reopened with more access and O_APPEND than its first open: the new file
#: has the open's own mode and flags (the model used to copy the first open's mode).
HOST_FILE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void){ int f=open("x.txt",O_RDWR|O_CREAT|O_TRUNC,0644); write(f,"abc",3); close(f);
 f=open("x.txt",O_RDONLY); char p[64]; snprintf(p,64,"/proc/self/fd/%d",f);
 int g=open(p,O_RDWR|O_APPEND); printf("g acc=%d app=%d\n", fcntl(g,F_GETFL)&3, !!(fcntl(g,F_GETFL)&O_APPEND));
 errno=0; long w=write(g,"d",1); printf("write=%ld errno=%d\n", w, w<0?errno:0);
 char b[8]={0}; pread(f,b,8,0); printf("[%s]\n",b); return 0;}
"""

@needs_tools[0]
@needs_tools[1]
def test_reopen_through_proc_fd_as_linux_does(tmp_path: Path) -> None:
    exe = compile_c(tmp_path, "fd_reopen", SOURCE)
    q, native, confidential = three_ways(tmp_path, exe)
    assert q.code == 0
    for line in (b"offsets m=5 m2=3", b"rdonly write=-1 errno=9", b"after O_TRUNC size=0",
                 b"pipe O_DIRECT reopen: -22", b"nonblock: orig=0 new=1",
                 b"reader reopened write=1", b"socket reopen: -6", b"eventfd reopen: -6"):
        assert line in q.stdout
    assert native == q
    # Every open file of the memfd stays followed, the appending one too: the pages
    # stored through a mapping made on a reopen are what reads through each return.
    assert confidential == q


#: A memfd reopened with O_TRUNC (O_RDONLY too: the open asks MAY_WRITE) is cut to 0
#: bytes, not under F_SEAL_SHRINK (EPERM); one reopened with O_APPEND writes at the end
#: while the first open file keeps its offset, and F_SETFL changes one open file's
#: O_APPEND only.
TRUNC_APPEND = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
static int reopen(int fd, int flags) {
    char p[64]; snprintf(p, 64, "/proc/self/fd/%d", fd);
    int r = open(p, flags); return r < 0 ? -errno : r;
}
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    char buf[32] = {0}; struct stat st;
    int m = memfd_create("m", MFD_ALLOW_SEALING);
    ftruncate(m, 4096);
    int t = reopen(m, O_RDWR | O_TRUNC);
    fstat(m, &st); printf("trunc ok=%d size=%ld\n", t >= 0, (long)st.st_size);
    printf("read after trunc=%ld\n", (long)read(m, buf, 8));
    write(m, "abc", 3); fstat(m, &st); printf("size=%ld\n", (long)st.st_size);
    int r = reopen(m, O_RDONLY | O_TRUNC);
    fstat(m, &st); printf("rdonly trunc ok=%d size=%ld\n", r >= 0, (long)st.st_size);
    pwrite(m, "xyz", 3, 0);
    fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK);
    int s = reopen(m, O_RDWR | O_TRUNC);
    fstat(m, &st); printf("sealed trunc=%d size=%ld\n", s, (long)st.st_size);
    printf("pread=%ld\n", (long)pread(m, buf, 31, 0));
    int n = memfd_create("n", 0);
    write(n, "0123456789", 10); lseek(n, 2, SEEK_SET);
    int a = reopen(n, O_WRONLY | O_APPEND);
    printf("append write=%ld\n", (long)write(a, "AB", 2));
    printf("a off=%ld n off=%ld\n", (long)lseek(a, 0, SEEK_CUR), (long)lseek(n, 0, SEEK_CUR));
    write(n, "xy", 2);
    memset(buf, 0, 32); printf("pread=%ld [%s]\n", (long)pread(n, buf, 31, 0), buf);
    fcntl(a, F_SETFL, 0); lseek(a, 0, SEEK_SET); write(a, "Q", 1);
    fcntl(n, F_SETFL, O_APPEND); write(n, "Z", 1);
    memset(buf, 0, 32); printf("pread=%ld [%s]\n", (long)pread(n, buf, 31, 0), buf);
    printf("flags n=%d a=%d\n", !!(fcntl(n, F_GETFL) & O_APPEND), !!(fcntl(a, F_GETFL) & O_APPEND));
    return 0;
}
"""


@needs_tools[0]
@needs_tools[1]
def test_memfd_reopened_truncating_or_appending(tmp_path: Path) -> None:
    """Every answer about the reopened memfds, natively and confidential (where the
    Guardian now follows the truncating and the appending reopens), is qemu's."""
    exe = compile_c(tmp_path, "fd_reopen_trunc", TRUNC_APPEND)
    q, native, confidential = three_ways(tmp_path, exe)
    assert q.code == 0
    for line in (b"trunc ok=1 size=0", b"rdonly trunc ok=1 size=0",
                 b"sealed trunc=-1 size=3", b"a off=12 n off=2",
                 b"pread=12 [01xy456789AB]", b"pread=13 [Q1xy456789ABZ]", b"flags n=1 a=0"):
        assert line in q.stdout, line
    assert native == q
    assert confidential == q


@needs_tools[0]
@needs_tools[1]
def test_host_file_reopened_with_the_open_flags(tmp_path: Path) -> None:
    exe = compile_c(tmp_path, "host_reopen", HOST_FILE)
    q, native, confidential = three_ways(tmp_path, exe)
    assert b"g acc=2 app=1" in q.stdout and b"[abcd]" in q.stdout
    assert native == q
    assert confidential == q


def test_pipe_ends_reopened() -> None:
    r, w = make_pipe()
    rw = reopen_pipe(r, ls.O_RDWR | ls.O_NONBLOCK)
    assert (rw.pipe.readers, rw.pipe.writers) == (2, 2)
    assert rw.flags & ls.O_NONBLOCK and not r.flags & ls.O_NONBLOCK
    assert rw.write(b"ab") == 2 and r.read(8) == b"ab"
    w.close()
    assert rw.read(8) is None            # it is a writer itself: no EOF
    rw.close()
    assert r.read(8) == b""
    with pytest.raises(KernelError) as exc:
        reopen_pipe(r, ls.O_RDONLY | ls.O_DIRECT)
    assert exc.value.errno == errno.EINVAL


def test_memfd_pages_outlive_all_but_the_last_file() -> None:
    pages = MemfdPages("/memfd:x (deleted)")
    pages.opened()
    pages.closed()
    assert pages.files == 1
    pages.closed()
    assert pages.files == 0
