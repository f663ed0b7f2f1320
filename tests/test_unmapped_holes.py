"""A hole the program's own munmap (mremap, brk shrink) left stays empty until a call of
its own maps there again: touching it is SIGSEGV/SEGV_MAPERR, and a page the kernel
maps there anyway is refused (`set_pt.unmapped`); mapping the hole again by mmap,
mremap or brk, and the stack growing down through a hole in its reserve, are Linux's
own and pass -- checked against qemu, and unit-checked on the Guardian's record (the
stack's growth too: qemu-user's guest stack is one fixed host mapping, and the kernel
model does not grow a stack through a hole, so no program can compare it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from abi.syscalls import NUMBERS
from emulator import descriptors as D
from guardian.checks import Refused
from guardian.slots import Slot, Space
from guardian.unmapped_holes import check_leaf, hole_at, note_call
from tests.model_diff import agrees_with_qemu, needs_tools

PAGE = 4096

SOURCE = r"""
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
static sigjmp_buf jb;
static volatile int code, sig;
static void h(int s, siginfo_t *si, void *u) { sig = s; code = si->si_code; siglongjmp(jb, 1); }
static void touch(const char *what, volatile char *p) {
    sig = 0;
    if (!sigsetjmp(jb, 1)) { *p = 7; printf("%s: ok %d\n", what, *p); }
    else printf("%s: sig %d code %d\n", what, sig, code);
}
int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    static char alt[65536];
    stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt };
    sigaltstack(&ss, 0);
    struct sigaction sa = {0};
    sa.sa_sigaction = h; sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, 0);
    char *p = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = p[8192] = 1;
    munmap(p + 4096, 4096);
    touch("hole", p + 4096);
    char *q = mmap(p + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    touch(q == p + 4096 ? "mapped again at the hint" : "mapped elsewhere", q);
    munmap(p, 3 * 4096);
    char *r = mmap(0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r[0] = 1;
    r = mremap(r, 4 * 4096, 4096, 0);
    touch("after an in-place shrink", r + 3 * 4096);
    r = mremap(r, 4096, 4 * 4096, 0);
    if (r != MAP_FAILED) touch("grown back in place", r + 3 * 4096);
    char *b = sbrk(0);
    sbrk(2 * 4096); b[4096] = 1; sbrk(-2 * 4096);
    sbrk(2 * 4096);
    touch("brk grown again", b + 4096);
    char *f = mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *g = mmap(f + 2 * 4096, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    f[0] = 1; munmap(f + 4096, 4096);
    pid_t pid = fork();
    if (pid == 0) { touch("the fork child's hole", f + 4096); _exit(0); }
    waitpid(pid, 0, 0);
    (void)g;
    char *d = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    d[0] = 1;
    char *e = mremap(d, 4096, 4096, MREMAP_MAYMOVE | 4 /* MREMAP_DONTUNMAP */);
    if (e != MAP_FAILED) {
        printf("dontunmap old reads %d, new %d\n", d[0], e[0]);
        munmap(d, 4096);
        touch("dontunmap old after munmap", d);
    }
    return 0;
}
"""


@needs_tools[0]
@needs_tools[1]
def test_holes_as_linux(tmp_path: Path) -> None:
    agrees_with_qemu(tmp_path, "holes", SOURCE,
                     b"hole: sig 11 code 1",
                     b"the fork child's hole: sig 11 code 1",
                     b"brk grown again: ok 7",
                     b"dontunmap old reads 0, new 1",
                     b"dontunmap old after munmap: sig 11 code 1")


# --- the rule on the Guardian's record ---------------------------------------------------

LEAF = D.leaf_descriptor(0x4000_0000, D.PagePerms(user=True, write=True))
STACK = (0x7F00_0000, 0x7F80_0000)


def _space() -> Space:
    space = Space(areas=[(0x1000_0000, 0x1000_3000), STACK])
    space.stack = STACK
    space.remove_area(0x1000_1000, 0x1000_2000)
    return space


def _slot(nr: str, root: int = 1, args: tuple[int, ...] = (0,) * 6) -> Slot:
    slot = Slot(1, 1, None, 0, NUMBERS[nr], args)
    slot.root = root
    return slot


def test_a_leaf_in_a_hole_is_refused() -> None:
    space = _space()
    assert hole_at(space, 0x1000_1800) == (0x1000_1000, 0x1000_2000)
    with pytest.raises(Refused) as exc:
        check_leaf(space, [], 1, 0x1000_1000, LEAF)
    assert exc.value.check == "set_pt.unmapped"
    check_leaf(space, [], 1, 0x1000_2000, LEAF)            # the area above: mapped


def test_a_mapping_call_in_flight_or_a_new_area_lifts_it() -> None:
    space = _space()
    check_leaf(space, [_slot("mmap")], 1, 0x1000_1000, LEAF)
    check_leaf(space, [_slot("brk")], 1, 0x1000_1000, LEAF)
    with pytest.raises(Refused):                            # another address space's call
        check_leaf(space, [_slot("mmap", root=2)], 1, 0x1000_1000, LEAF)
    space.add_area(0x1000_1000, 0x1000_2000, 9)
    check_leaf(space, [], 1, 0x1000_1000, LEAF)
    space.remove_area(0x1000_1000, 0x1000_2000)
    space.mapped_again(0x1000_1000, 0x1000_2000, 9, [])   # MREMAP_DONTUNMAP's old area
    check_leaf(space, [], 1, 0x1000_1000, LEAF)
    space.remove_area(0x1000_1000, 0x1000_2000)             # the program's munmap of it
    with pytest.raises(Refused):
        check_leaf(space, [], 1, 0x1000_1000, LEAF)


def test_where_the_stack_may_grow_no_hole_is_judged() -> None:
    space = _space()
    space.remove_area(STACK[0] + PAGE, STACK[0] + 2 * PAGE)     # inside the reserve
    assert hole_at(space, STACK[0] + PAGE) is None
    space.remove_area(STACK[0] - 2 * PAGE, STACK[0] - PAGE)     # just below it
    assert hole_at(space, STACK[0] - 2 * PAGE) is None
    assert hole_at(space, 0x1000_1000) is not None              # an area lies between
    forked = space.forked()
    assert hole_at(forked, 0x1000_1000) is not None             # a fork child keeps it


def test_a_growsdown_area_grows_into_a_hole_right_below_it_only() -> None:
    space = _space()                                   # hole [0x10001000, 0x10002000)
    grows = _slot("mmap", args=(0, PAGE, 3, 0x122, 2**64 - 1, 0))
    space.add_area(0x3000_0000, 0x3000_1000, 7)
    note_call(space, grows, 0x3000_0000)               # far above: areas between
    assert hole_at(space, 0x1000_1000) is not None
    space.add_area(0x2fff_0000, 0x3000_0000, 9)
    space.remove_area(0x2fff_0000, 0x3000_0000)        # a hole right below it
    assert hole_at(space, 0x2fff_8000) is None         # (nothing accessible within the gap)
    space.add_area(0x2ffe_0000, 0x2ffe_1000, 8)        # an accessible area 60 KiB below
    assert hole_at(space, 0x2fff_0000) is not None     # inside stack_guard_gap above it
    space.remove_area(0x2ffe_0000, 0x2ffe_1000)


def test_only_a_removed_area_leaves_a_hole() -> None:
    space = _space()                                   # hole [0x10001000, 0x10002000)
    space.remove_area(0x5000_0000, 0x5000_1000)        # never mapped: munmap answers 0
    assert hole_at(space, 0x5000_0000) is None
    assert space.holes == [(0x1000_1000, 0x1000_2000)]
    space.remove_area(0x1000_2000, 0x1000_5000)        # half in an area: that half only
    assert space.holes == [(0x1000_1000, 0x1000_3000)]


def test_an_unreadable_leaf_is_not_judged() -> None:
    kernel_only = D.leaf_descriptor(0x4000_0000, D.PagePerms(user=False, write=True)) | D.UXN
    check_leaf(_space(), [], 1, 0x1000_1000, kernel_only)
