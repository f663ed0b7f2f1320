"""copy_from_user / copy_to_user outside what the syscall being served allows."""

from __future__ import annotations

from abi import Call
from attacks.adversary import PAGE, Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_LEN, SECRET_OFF, Phase

CU = "uaccess"
NR_IOCTL, NR_OPENAT, NR_WRITE = 29, 56, 64


@scenario(id="CU-001", title="copy_from_user of the heap page while serving write()",
          family=CU, goal=Goal.LEAK, rules=("G-UACCESS-CAP",),
          prop="While serving a syscall, the kernel reads only the buffers that syscall names.")
def cu_read(adv: Adversary) -> None:
    """1. While serving write(/dev/null, public buffer), copy the heap page from the user."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_WRITE, during=Phase.WRITE)
    def _(a: Adversary, **_: object) -> None:
        a.observe(a.kernel.uaccess.read(a.layout.heap, PAGE), "copy_from_user (heap)")


@scenario(id="CU-002", title="Use the slot of a syscall that already returned", family=CU,
          goal=Goal.LEAK, rules=("G-UACCESS-LIVE-SLOT",),
          prop="A capability dies with its syscall: a stale slot grants nothing.")
def cu_stale(adv: Adversary) -> None:
    """1. Remember the Guardian slot of the PLACED marker.
    2. Later, while serving write(), ask for the heap page with that old slot."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.memo["slot"] = a.thread.slot

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_WRITE, during=Phase.WRITE)
    def _(a: Adversary, **_: object) -> None:
        if a.guarded:
            a.hvc_data(Call.USER_READ, (a.memo["slot"], a.layout.heap, PAGE))
        else:
            a.observe(a.kernel.uaccess.read(a.layout.heap, PAGE), "copy_from_user (heap)")


@scenario(id="CU-003", title="Read past the ioctl argument", family=CU, goal=Goal.LEAK,
          rules=("G-UACCESS-CAP",),
          prop="An ioctl argument grants a bounded buffer, not everything behind the pointer.")
def cu_ioctl(adv: Adversary) -> None:
    """1. While serving ioctl(/dev/null, TCSETS, heap page), copy 128 bytes from the
    argument (the secret sits 64 bytes in)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_IOCTL, during=Phase.IOCTL)
    def _(a: Adversary, **_: object) -> None:
        a.observe(a.kernel.uaccess.read(a.layout.heap, 128), "copy_from_user (ioctl)")


@scenario(id="CU-004", title="copy_to_user over the secret while serving write()", family=CU,
          goal=Goal.TAMPER, rules=("G-UACCESS-CAP",),
          prop="While serving a syscall, the kernel writes only the buffers that syscall "
               "lets it write.")
def cu_write(adv: Adversary) -> None:
    """1. While serving write(/dev/null, public buffer), write zeros over the heap copy of
    the secret."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_WRITE, during=Phase.WRITE)
    def _(a: Adversary, **_: object) -> None:
        a.kernel.uaccess.write(a.layout.heap_secret, bytes(SECRET_LEN))


@scenario(id="CU-005", title="Read strings past the openat path", family=CU, goal=Goal.LEAK,
          rules=("G-UACCESS-STRING",),
          prop="A string capability covers the string and its NUL, nothing after it.")
def cu_string(adv: Adversary) -> None:
    """1. While serving openat("/dev/null"), read C strings starting at each byte of the
    heap copy of the secret."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_OPENAT, during=Phase.OPEN)
    def _(a: Adversary, **_: object) -> None:
        for off in range(SECRET_LEN):
            a.observe(a.kernel.uaccess.read_cstring(a.layout.heap + SECRET_OFF + off, 64),
                      "strncpy_from_user")


@scenario(id="CU-006", title="copy_from_user while handling a page fault", family=CU,
          goal=Goal.LEAK, rules=("G-UACCESS-CAP",),
          prop="A fault grants no access to user memory.")
def cu_fault(adv: Adversary) -> None:
    """1. While handling the program's page fault (FAULT phase), copy the heap page from
    the user with the fault's slot."""
    @adv.on(Point.FAULT, during=Phase.FAULT)
    def _(a: Adversary, **_: object) -> None:
        a.observe(a.kernel.uaccess.read(a.layout.heap, PAGE), "copy_from_user at a fault")
