"""Red-team round twenty-four, the dynamically linked program: what ld.so brings in.

A dynamically linked confidential program starts in its interpreter, which opens the C
library, read()s its ELF header and program headers, and maps the library's segments
from what those headers say.  The pages it maps are measured (the library is admitted),
but the header ld.so decided from arrived through read(): Linux hands ld.so the file's
own bytes, the ones it then maps (QG-014, QG-015).  AT_RANDOM's bytes stay apart from
the argument strings for ld.so as for a static program (QG-013).

The victim is `secret_r24_dynamic` (workloads/src/secret_r24_dynamic.c), run with the
interpreter and C library of the sysroot (`attacks/sysroot.py`, as `blindfold run -L`).
Each scenario holds only the kernel's powers (the initial stack it builds, the results of
the calls it serves).  Where an attack still gets through with the Guardian on, it names
the property it breaks (`gap`).
"""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r24 import RT, _at_start, _random_into, _read_stack
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.sysroot import sysroot_root

DYNAMIC = "secret_r24_dynamic"
# secret_r24_dynamic: the marker before each step; the marker after it is + 1.
P_DYN_ARGV0, P_DYN_PHNUM, P_DYN_OWN, P_DYN_ERRNO = 2430, 2432, 2434, 2436
NR_READ = NUMBERS["read"]
#: ld.so's first read() of a library: the ELF header and program headers (glibc's
#: struct filebuf, 832 bytes on a 64-bit target).
HEADER_READ = 832
ELF_MAGIC = b"\x7fELF"
E_PHNUM, PHDR0, PHENT = 0x38, 64, 56
PT_TLS = 7


def _on_library_header(adv: Adversary, patch: dict[int, bytes], what: str) -> None:
    """At the exit of ld.so's read() of the C library's header (the program's first
    read() of 832 bytes, before main), store each `patch` {offset: bytes} into the buffer
    (the kernel wrote it for this very call)."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, once=False)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        if "patched" in a.memo or int(args[2]) != HEADER_READ:
            return
        a.memo["patched"] = True
        for offset, data in patch.items():
            a.kernel.uaccess.write(int(args[1]) + offset, data)
        a.note(f"ld.so's read of the C library's header: {what}")


@scenario(id="QG-013", title="Point AT_RANDOM at argv[0]'s string of a dynamically linked "
                             "program",
          family=RT, goal=Goal.LEAK, rules=("G-INITIAL-STACK", "G-KEYS-PRIVATE"),
          program=DYNAMIC,
          prop="AT_RANDOM's 16 bytes have their own place on the initial stack, for a "
               "program ld.so starts as for a static one.")
def qg_dynamic_random_over_argv0(adv: Adversary) -> None:
    """1. The program (secret_r24_dynamic, started in ld.so, which seeds the stack
    protector and the pointer guard from AT_RANDOM) seeds the first 16 bytes of its
    secret from AT_RANDOM and prints argv[0] in its banner.
    2. Build the initial stack with AT_RANDOM pointing at the first byte of argv[0]'s
    string (inside the stack; the string reads as the command line when it is checked).
    3. The random bytes are written over argv[0]'s string after the check: the program
    prints its key's first bytes.  Linux's create_elf_tables() copies the random bytes
    apart from every argument string."""
    def move(a: Adversary, sp: int) -> None:
        st = _read_stack(a, sp)
        _random_into(a, st, st.argv_at[0])

    _at_start(adv, move)


def _phnum_differs(out: Outcome) -> list[str]:
    return [f"dl_iterate_phdr() reported {m.args[0]} program headers for the C library, whose "
            f"mapped ELF header says {m.args[1]}"
            for m in out.markers if m.phase == P_DYN_PHNUM + 1 and m.pid == out.init_pid
            and m.args[2] and m.args[0] != m.args[1]]


@scenario(id="QG-014", title="Answer ld.so's read() of the C library's header with one "
                             "program header fewer",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ADMITTED",), program=DYNAMIC,
          oracle=_phnum_differs,
          prop="ld.so loads an admitted library from the library's own header: a read() of "
               "an admitted file returns the file's bytes.")
def qg_library_phnum(adv: Adversary) -> None:
    """1. ld.so opens /lib/libc.so.6 (admitted) for the program (secret_r24_dynamic),
    read()s its ELF header and program headers, and maps and sets the library up from
    them; the program later reports, from dl_iterate_phdr(), how many program headers ld.so
    recorded and e_phnum of the header mapped at the library's base.
    2. Let the read run, then store e_phnum 9 (of 10) into its buffer: the last header,
    PT_GNU_RELRO, is gone.
    3. ld.so never makes the library's RELRO region read-only, and the program finds 9
    headers where the library's mapped header says 10.  The library is admitted: Linux's
    read() returns the file's bytes, the ones its mapped pages hold."""
    _on_library_header(adv, {E_PHNUM: struct.pack("<H", 9)}, "e_phnum 10 -> 9")


def _errno_at_start(out: Outcome) -> list[str]:
    return [f"main() found errno {m.args[0]:#x}, not 0"
            for m in out.markers if m.phase == P_DYN_ERRNO + 1 and m.pid == out.init_pid
            and m.args[0]]


@scenario(id="QG-015", title="Answer ld.so's read() of the C library's header with a PT_TLS "
                             "whose file image covers its .tbss",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ADMITTED",), program=DYNAMIC,
          oracle=_errno_at_start,
          prop="The C library's thread-local block starts as its PT_TLS says: .tdata's bytes, "
               "then zeros (errno is 0 when main() starts).")
def qg_library_tls(adv: Adversary) -> None:
    """1. ld.so read()s the admitted C library's header and lays the initial thread's TLS
    block out from its PT_TLS (copy p_filesz bytes of .tdata, zero up to p_memsz: .tbss,
    where errno lives); the program (secret_r24_dynamic) reports errno as main() finds it.
    2. Let the read run, then store p_filesz = p_memsz (0x90) into PT_TLS in the buffer.
    3. ld.so copies the 0x80 bytes after .tdata (the library's .init_array, measured bytes
    of the file) over .tbss: main() starts with errno non-zero.  Linux's read() returns the
    file's PT_TLS (p_filesz 0x10), and C11 7.5 makes errno zero at startup."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, once=False)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        if "patched" in a.memo or int(args[2]) != HEADER_READ:
            return
        a.memo["patched"] = True
        libc = _library_header(a)
        if libc is None:
            return
        for i in range(struct.unpack_from("<H", libc, E_PHNUM)[0]):
            at = PHDR0 + i * PHENT
            if struct.unpack_from("<I", libc, at)[0] == PT_TLS:
                memsz = struct.unpack_from("<Q", libc, at + 40)[0]
                a.kernel.uaccess.write(int(args[1]) + at + 32, struct.pack("<Q", memsz))
                a.note(f"the C library's PT_TLS p_filesz served as {memsz:#x}")
                return


def _library_header(a: Adversary) -> bytes | None:
    """The C library's first 832 bytes, as the kernel holds the file (its own copy)."""
    try:
        data = (sysroot_root() / "lib" / "libc.so.6").read_bytes()[:HEADER_READ]
    except OSError:
        a.note("the C library is not in the sysroot")
        return None
    return data if data.startswith(ELF_MAGIC) else None
