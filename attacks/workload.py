"""What the `secret` workload does, as numbers the scenarios can act on.

The program (workloads/src/secret.c) announces each step with a marker system
call: getppid() with x0 = MARKER_MAGIC and x1 = the phase, x2-x5 carrying
addresses.  The constants here must match the C source; a test compares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

MARKER_MAGIC = 0x5EC2E7B1ADF01D
SECRET_LEN = 32
SECRET_OFF = 64            # offset of the secret inside each page that holds a copy
NR_GETPPID = 173
PROGRAM = "secret"
PROGRAM_ARGS = (b"-d",)     # also print the digest, which the referee checks
VARIANTS_PROGRAM = "secret_variants"   # the same program built with its variant switches:
MAP_FILE = b"-f"            # map its own (admitted) file and the same file as input data
SEGV_HANDLER = b"-s"        # register a SIGSEGV handler counting fault reports
NODEFER_HANDLER = b"-n"     # register a SIGUSR2 handler on the alternate stack, SA_NODEFER
USE_VFORK = b"-v"           # make its child with vfork(): the child borrows the parent's stack
KSM_OPT_IN = b"-k"          # prctl(PR_SET_MEMORY_MERGE, 1) first: KSM may merge any of its pages
BANNER_INTACT = b"secret: intact\n"
BANNER_PWNED = b"secret: PWNED!\n"      # same length: what an image tamperer prints instead
HIJACKED = b"secret: hijacked"
TAMPERED = b"secret: TAMPERED"
WIN_EXIT_CODE = 66


class Phase(IntEnum):
    """Marker phases, in the order the program reaches them (x1 of the marker)."""

    START = 0
    PLACED = 1          # x2 heap page, x3 stack buffer, x4 mapped page, x5 win(); secret in x19-x22, v8/v9
    ARGS = 2            # x2-x5 hold the secret's four words (stale argument registers)
    WRITE = 3           # next: write(/dev/null, public buffer)
    IOCTL = 4           # next: ioctl(/dev/null, TCSETS, heap page)
    OPEN = 5            # next: openat("/dev/null")
    FAULT = 6           # x2 an untouched page; next: a load from it, secret in x19-x22
    SPIN = 7            # next: a long loop with the secret in x19-x22
    FRESH = 8           # x2 a mapped, untouched page; next: the secret is copied into it
    FRESH_DONE = 9
    SIGNAL = 10         # next: kill(getpid(), SIGUSR1); the handler runs on the alternate stack
    SIGNAL_DONE = 11
    FORK = 12           # next: fork()
    CHILD = 13          # in the child only
    PARENT = 14
    IAGO_MMAP = 15      # next: mmap(NULL, 4096) whose result is filled and written out
    IAGO_BRK = 16       # next: brk(0), brk(+4096), the new memory written out
    IAGO_MREMAP = 17    # next: mmap + mremap(MAYMOVE), the result written out
    IAGO_FIXED = 18     # x3 the hint; next: mmap(hint, MAP_FIXED), the result written out
    UNMAP = 19          # next: munmap(mapped page) without clearing it
    UNMAPPED = 20
    END = 21
    # The variant build only (VARIANTS_PROGRAM -f), between UNMAPPED and END:
    FILE = 22           # x2 its admitted file's first page, x3 the same file as input data
    FILE_DONE = 23      # both pages read


@dataclass(frozen=True)
class Marker:
    """One marker as the kernel saw it (recorded by the harness, not the adversary)."""

    phase: int
    pid: int
    tid: int
    args: tuple[int, int, int, int]


@dataclass
class Layout:
    """Addresses the program announced (public knowledge: no ASLR in the model)."""

    heap: int = 0            # page holding the secret at SECRET_OFF
    stack: int = 0           # stack buffer holding the secret at offset 16
    mapped: int = 0          # anonymous page holding the secret at SECRET_OFF
    win: int = 0             # the function a hijacker would jump to
    untouched: int = 0       # the page the fault phase loads from
    fresh: int = 0           # the page the secret is copied into after FRESH
    file_page: int = 0       # -f: the admitted file's first page, mapped by the program
    input_page: int = 0      # -f: the same file mapped through a relative path (input data)

    @property
    def stack_secret(self) -> int:
        return self.stack + 16

    @property
    def heap_secret(self) -> int:
        return self.heap + SECRET_OFF

    def learn(self, phase: int, args: tuple[int, ...]) -> None:
        if phase == Phase.PLACED:
            self.heap, self.stack, self.mapped, self.win = args[:4]
        elif phase == Phase.FAULT:
            self.untouched = args[0]
        elif phase == Phase.FRESH:
            self.fresh = args[0]
        elif phase == Phase.FILE:
            self.file_page, self.input_page = args[:2]
