"""set_pt.clean_writable judges a frame only while it is still the clean page: a clean
frame the kernel freed once a store copied its page (wp_page_copy()) may come back as
any page, a later copy's writable one included (guardian/clean_pages.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli.session import run_program
from tests.model_diff import GCC, compile_c

COPIED_THEN_MOVED = r"""
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    int fd = memfd_create("m", 0);
    char buf[8192]; memset(buf, 'a', sizeof buf);
    if (write(fd, buf, sizeof buf) != sizeof buf) return 2;
    volatile char *p = mmap(0, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
    char c = p[0] + p[4096];
    if (mprotect((void *)p, 8192, PROT_READ | PROT_WRITE)) return 3;
    p[0] = 'b';
    volatile char *q = mremap((void *)p, 8192, 16384, MREMAP_MAYMOVE);
    q[4096] = 'c';
    char f; pread(fd, &f, 1, 0);
    printf("%d %c %c %c\n", c, q[0], q[4096], f);
    return 0;
}
"""


@pytest.mark.skipif(GCC is None, reason="aarch64-linux-gnu-gcc is not installed")
def test_a_freed_clean_frame_may_come_back_writable(tmp_path: Path) -> None:
    exe = compile_c(tmp_path, "mp", COPIED_THEN_MOVED)
    out = io.BytesIO()
    result = run_program(str(exe), ["x"], stdout=out, stderr=io.BytesIO(),
                         stdin=io.BytesIO(b""), guardian="on", confidential=True,
                         guardian_seed=0)
    assert result.exit_code == 0
    assert out.getvalue() == b"194 b c a\n"


def test_a_refused_copy_keeps_the_old_frame_mapped_and_held() -> None:
    """A write fault's copy whose new entry the monitor refuses leaves the old entry and
    its reference as they were (no frame freed while mapped: no double free at exit)."""
    from types import SimpleNamespace

    from kernel_model.page_faults import PageFaults
    from kernel_model.pagetable import PageTableRefused

    held = {0x1000: 1}
    frames = SimpleNamespace(refcount=lambda pa: held.get(pa, 0), alloc=lambda: 0x2000,
                             put=lambda pa: held.__setitem__(pa, held.get(pa, 1) - 1))
    held[0x2000] = 1
    ctx = SimpleNamespace(frames=frames, copy_frame=lambda new, old: None,
                          stats=SimpleNamespace(inc=lambda name: None))

    def refused(va: int, desc: int) -> None:
        raise PageTableRefused("set_pt", 6)

    pf = object.__new__(PageFaults)
    pf.ctx = ctx  # type: ignore[attr-defined]
    pf.tables = SimpleNamespace(set=refused)  # type: ignore[attr-defined]
    vma = SimpleNamespace(prot=3)
    with pytest.raises(PageTableRefused):
        pf._break_cow(vma, 0x4000, 0x1000 | 3, copy=True)  # type: ignore[arg-type]
    assert held == {0x1000: 1, 0x2000: 0}


FORK_THEN_BOTH_STORE = r"""
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    int fd = memfd_create("m", 0);
    char buf[4096]; memset(buf, 'a', sizeof buf);
    if (write(fd, buf, sizeof buf) != sizeof buf) return 2;
    volatile char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) return 3;
    char c = p[0];                          /* read fault: the file's page */
    int go[2]; if (pipe(go)) return 4;
    pid_t pid = fork();
    if (pid == 0) {
        char x; if (read(go[0], &x, 1) != 1) _exit(5);
        p[0] = 'c';                          /* the last mapper's store */
        _exit(p[0] == 'c' ? 0 : 6);
    }
    p[0] = 'b';                              /* the parent's copy */
    if (write(go[1], "x", 1) != 1) return 7;
    int st; waitpid(pid, &st, 0);
    char f; pread(fd, &f, 1, 0);
    printf("%c %c %d %c\n", c, p[0], st, f);
    return 0;
}
"""


@pytest.mark.skipif(GCC is None, reason="aarch64-linux-gnu-gcc is not installed")
def test_the_last_mapper_of_a_private_file_page_copies_it(tmp_path: Path) -> None:
    """do_wp_page() reuses only an anonymous folio: after fork and the parent's copy, the
    child's store still copies the file's page (the Guardian refuses it writable)."""
    exe = compile_c(tmp_path, "cow", FORK_THEN_BOTH_STORE)
    out = io.BytesIO()
    result = run_program(str(exe), ["x"], stdout=out, stderr=io.BytesIO(),
                         stdin=io.BytesIO(b""), guardian="on", confidential=True,
                         guardian_seed=0)
    assert result.exit_code == 0
    assert out.getvalue() == b"a b 0 a\n"
