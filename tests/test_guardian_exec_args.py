"""An image a confidential program execs starts with the argv and envp it passed.

The Guardian reads what the program passed to execve from its own memory and holds the
new image's initial stack (argc, argv strings, envp strings) to it; a script exec's
rewrite (#!interp [arg] script args...) is the one change Linux makes.
"""

from __future__ import annotations

import io
import struct

from abi import Call, Status
from cli.session import run_program
from guardian import exec_args
from guardian.exec_args import ExecArgs
from tests.test_secure_mm import HELLO, ROOT_N, build

BASE = 0x7000_0000


class Memory:
    """A little user memory: bytes laid out from BASE (None past its end)."""

    def __init__(self) -> None:
        self.data = bytearray()

    def put(self, raw: bytes) -> int:
        va = BASE + len(self.data)
        self.data += raw
        return va

    def array(self, words: list[bytes]) -> int:
        ptrs = [self.put(w + b"\0") for w in words]
        return self.put(b"".join(struct.pack("<Q", p) for p in ptrs) + bytes(8))

    def stack(self, argv: list[bytes], envp: list[bytes]) -> int:
        a = [self.put(w + b"\0") for w in argv]
        e = [self.put(w + b"\0") for w in envp]
        words = [len(argv), *a, 0, *e, 0]
        return self.put(b"".join(struct.pack("<Q", w) for w in words))

    def read(self, va: int, n: int) -> bytes | None:
        off = va - BASE
        if off < 0 or off + n > len(self.data):
            # Reads run to the page end: give what there is, as long as it holds a NUL.
            tail = bytes(self.data[off:]) if 0 <= off < len(self.data) else b""
            return tail if b"\0" in tail else None
        return bytes(self.data[off:off + n])


def test_what_the_program_passed_and_what_the_stack_carries_are_read_back() -> None:
    m = Memory()
    argv, envp = [b"/bin/secret_threads", b"-x"], [b"HOME=/root"]
    passed = exec_args.passed(m.read, m.put(b"/bin/secret_threads\0"), m.array(argv),
                              m.array(envp))
    assert passed == ExecArgs(b"/bin/secret_threads", tuple(argv), tuple(envp))
    assert exec_args.on_stack(m.read, m.stack(argv, envp)) == (tuple(argv), tuple(envp))
    assert exec_args.strings(m.read, 0) == ()                 # a NULL array: no strings
    assert exec_args.strings(m.read, BASE + 10 ** 6) is None  # not present: unknown


def test_the_stack_must_carry_exactly_those_strings() -> None:
    want = ExecArgs(b"/bin/p", (b"/bin/p", b"-x"), (b"A=1",))
    assert exec_args.agrees(want, (b"/bin/p", b"-x"), (b"A=1",))
    assert not exec_args.agrees(want, (b"-x",), (b"A=1",))             # moved by one word
    assert not exec_args.agrees(want, (b"/bin/p",), (b"A=1",))
    assert not exec_args.agrees(want, (b"/bin/p", b"-x"), ())          # envp dropped
    assert not exec_args.agrees(want, (b"/bin/p", b"-y"), (b"A=1",))


def test_a_script_exec_puts_the_interpreter_and_the_script_first() -> None:
    want = ExecArgs(b"/s.sh", (b"s.sh", b"one"), ())
    assert exec_args.agrees(want, (b"/bin/sh", b"/s.sh", b"one"), ())
    assert exec_args.agrees(want, (b"/bin/sh", b"-e", b"/s.sh", b"one"), ())
    assert not exec_args.agrees(want, (b"/bin/sh", b"/other", b"one"), ())
    assert not exec_args.agrees(want, (b"/bin/sh", b"/s.sh", b"two"), ())


def test_create_domain_names_an_execve_in_progress_or_none() -> None:
    s = build()
    digest = s.g.conf.admit_image(HELLO.read_bytes())
    entry = s.g.conf.images[digest].entry
    n = len(s.g.decisions)
    status, _, _ = s.call(Call.CREATE_DOMAIN, s.b + ROOT_N, entry, 0x7FFF_FFFF_F000, 4242,
                          payload=digest)
    assert status == Status.ERR_DENIED
    assert [d.check for d in s.g.decisions[n:]] == ["create.exec_args"]
    assert s.b + ROOT_N not in s.g.conf.root_domain


def test_an_exec_of_an_admitted_path_starts_the_image_admitted_there() -> None:
    """The admission fixes what a path holds: an execve of /bin/hello starts hello, not
    another admitted image (for a dynamic program: never its interpreter alone)."""
    s = build()
    hello = s.g.conf.admit_image(HELLO.read_bytes(), "/bin/hello")
    other = s.g.conf.admit_image((HELLO.parent / "nullsys").read_bytes(), "/bin/nullsys")
    s.g.conf.lifecycle.exec_passed[4242] = ExecArgs(b"/bin/hello", (b"/bin/hello",), ())
    n = len(s.g.decisions)
    status, _, _ = s.call(Call.CREATE_DOMAIN, s.b + ROOT_N, s.g.conf.images[other].entry,
                          0x7FFF_FFFF_F000, 4242, payload=other)
    assert status == Status.ERR_DENIED
    assert [d.check for d in s.g.decisions[n:]] == ["create.exec_args"]
    assert "another admitted image" in s.g.decisions[-1].reason
    # The image admitted at that path gets past this check (to the stack's argv).
    s.g.conf.lifecycle.exec_passed[4242] = ExecArgs(b"/bin/hello", (b"/bin/hello",), ())
    n = len(s.g.decisions)
    s.call(Call.CREATE_DOMAIN, s.b + ROOT_N, s.g.conf.images[hello].entry,
           0x7FFF_FFFF_F000, 4242, payload=hello)
    assert "another admitted image" not in " ".join(d.reason for d in s.g.decisions[n:])


def test_the_users_launch_runs_the_program_the_user_named() -> None:
    """With another program admitted (--admit), the launch must still start the image the
    user launched: the kernel cannot run the user's command line under another program."""
    s = build()
    s.g.conf.admit_image(HELLO.read_bytes(), "/bin/hello")
    other = s.g.conf.admit_image((HELLO.parent / "nullsys").read_bytes(), "/bin/nullsys")
    s.g.conf.admit_launch([b"/bin/hello"], [], "/bin/hello")
    n = len(s.g.decisions)
    status, _, _ = s.call(Call.CREATE_DOMAIN, s.b + ROOT_N, s.g.conf.images[other].entry,
                          0x7FFF_FFFF_F000, payload=other)
    assert status == Status.ERR_DENIED
    assert [d.check for d in s.g.decisions[n:]] == ["create.launch_args"]
    assert "other than the program the user named" in s.g.decisions[-1].reason


def test_a_confidential_program_execs_itself_with_its_own_arguments() -> None:
    out = io.BytesIO()
    res = run_program("secret_threads", [], guardian="on", confidential=True, stdout=out,
                      stderr=io.BytesIO())
    assert res.exit_code == 0 and out.getvalue().endswith(b"secret: intact\n")
    # The launch and the vfork child's execve(self, {self, "-x"}) both became domains.
    assert res.stats["guardian.calls.create_domain"] == 2
    assert res.stats["kernel.confidential.execs"] == 2
    assert res.stats["guardian.exec_args.bound"] == 1      # the exec, held to its argv


def test_an_exit_or_execve_that_never_returns_opens_no_unmapping_window() -> None:
    """A thread's exit (or a vfork child's exit or execve) leaves the address space to the
    threads sharing it; only its teardown (EXIT_DOMAIN) lets the kernel drop its pages."""
    from abi.layout import NR_EXECVE, NR_EXIT, NR_EXIT_GROUP
    from emulator import descriptors as D
    from emulator.fastuc import UserContext
    from guardian.slots import Slot
    from tests.test_secure_mm import ROOT_A, VA

    s = build()
    root = s.b + ROOT_A
    for i, nr in enumerate((NR_EXIT, NR_EXIT_GROUP, NR_EXECVE)):
        s.g.conf.slots[900 + i] = Slot(900 + i, 1, UserContext(), 0, nr, (0,) * 6, root=root)
    assert not s.g.conf.lifecycle.may_discard(root, VA)
    l3 = s.tables[root][3]
    assert s.call(Call.SET_PT, l3, D.level_index(VA, 3), 0)[0] == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "set_pt.discard_leaf"
    s.ok(Call.EXIT_DOMAIN, root)
    assert s.g.conf.lifecycle.may_discard(root, VA)


def test_the_users_launch_starts_once_with_the_users_command_line() -> None:
    s = build()
    digest = s.g.conf.admit_image(HELLO.read_bytes())
    entry = s.g.conf.images[digest].entry
    lifecycle = s.g.conf.lifecycle
    s.g.conf.admit_launch([b"/bin/hello", b"--loud"], [b"HOME=/"])
    n = len(s.g.decisions)
    # The kernel's stack is not the user's command line (here: none at all): refused.
    status, _, _ = s.call(Call.CREATE_DOMAIN, s.b + ROOT_N, entry, 0x7FFF_FFFF_F000,
                          payload=digest)
    assert status == Status.ERR_DENIED
    assert [d.check for d in s.g.decisions[n:]] == ["create.launch_args"]
    assert len(lifecycle.launches) == 1                 # not served: still the user's
    # Once served, a later image naming no execve is refused whatever its stack.
    lifecycle.launches.clear()
    status, _, _ = s.call(Call.CREATE_DOMAIN, s.b + ROOT_N, entry, 0x7FFF_FFFF_F000,
                          payload=digest)
    assert status == Status.ERR_DENIED and "served already" in s.g.decisions[-1].reason
