"""The initial stack the kernel builds for a confidential program: argv, envp and auxv.

The kernel writes it before the program's frames become confidential, so it can say
anything there: another entry point or program-header address than the measured
image's, an interpreter base of its choosing, CPU features the CPU lacks, secure mode,
or pointers into memory it picked (a vDSO of its own and another page size crash the
program before the referee can look; tests/test_guardian_initial_stack.py covers those).  Each scenario forges one item
just before CREATE_DOMAIN; the referee reads the program's stack at PLACED through
the hardware and reports a run that started with the forged item.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi import Call
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from emulator.el1 import El1Fault

AX = "initial-stack"
AT_PHDR, AT_BASE, AT_ENTRY = 3, 7, 9
AT_HWCAP, AT_SECURE, AT_RANDOM = 16, 23, 25
FORGED = "forged"


def _stack_words(a: Adversary, sp: int) -> list[int]:
    words: list[int] = []
    for va in range(sp, sp + 4096, 8):
        try:
            words.append(a.el1.read_u64(va))
        except El1Fault:
            break
    return words


def _auxv_slot(words: list[int], key: int) -> int | None:
    """Index of the word holding auxv key `key` (None: absent)."""
    i = 1 + words[0] + 1                 # past argc, argv[], NULL
    while i < len(words) and words[i]:
        i += 1                           # envp[]
    i += 1
    while i + 1 < len(words) and words[i]:
        if words[i] == key:
            return i
        i += 2
    return None


Forge = Callable[[Adversary, list[int]], tuple[int, int, int] | None]


def _forge_entry(key: int, value: Callable[[int], int], new_key: int | None = None) -> Forge:
    """Rewrite auxv entry `key` (its value through `value`, its key to `new_key`)."""
    def forge(a: Adversary, words: list[int]) -> tuple[int, int, int] | None:
        i = _auxv_slot(words, key)
        if i is None:
            return None
        return i, new_key if new_key is not None else key, value(words[i + 1])
    return forge


def _forge_argv(a: Adversary, words: list[int]) -> tuple[int, int, int] | None:
    """Point argv[0] at the program's entry code instead of its string on the stack."""
    entry = _auxv_slot(words, AT_ENTRY)
    if entry is None or not words[0]:
        return None
    return 1, words[entry + 1], words[2]


def _tamper(forge: Forge) -> Callable[[Adversary], None]:
    def steps(adv: Adversary) -> None:
        """1. When the kernel asks for CREATE_DOMAIN (without a Guardian: right after exec),
        forge the one initial-stack item the scenario's title names.
        2. The program starts from that stack; the referee reads it back at PLACED."""
        def at(a: Adversary, sp: int) -> None:
            words = _stack_words(a, sp)
            found = forge(a, words) if words else None
            if found is None:
                a.note("the initial stack has no such item")
                return
            i, first, second = found
            va = sp + 8 * i
            a.el1.write(va, struct.pack("<QQ", first, second))
            a.hit(FORGED, (va << 128) | (second << 64) | first)
            a.hit("watch", va)

        @adv.on(Point.HVC, once=False, init_only=False)
        def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes) -> None:
            if call == Call.CREATE_DOMAIN and "done" not in a.memo:
                a.memo["done"] = True
                at(a, args[2])

        @adv.on(Point.PRE_DOMAIN, init_only=False)
        def _(a: Adversary, **_: object) -> None:
            if not a.guarded:
                at(a, a.reg("sp"))
    return steps


def _started_forged(out: Outcome) -> list[str]:
    hits = []
    for k in out.hits.get(FORGED, ()):
        va, want = k >> 128, (k & ((1 << 128) - 1)).to_bytes(16, "little")
        if out.watched.get(va) == want:
            hits.append(f"the program started with the kernel's forged initial-stack words "
                        f"at {va:#x}")
    return hits


def _define(sid: str, title: str, prop: str, forge: Forge, how: str) -> None:
    """Register one scenario; `how` says in words what `forge` changes."""
    steps = _tamper(forge)
    scenario(id=sid, title=title, family=AX, goal=Goal.TAMPER, rules=("G-INITIAL-STACK",),
             oracle=_started_forged, prop=prop)(steps)


_define("AX-001", "Start the program with another AT_ENTRY",
        "AT_ENTRY names the measured program's entry point at its bias.",
        _forge_entry(AT_ENTRY, lambda v: v + 0x40), "add 0x40 to AT_ENTRY")
_define("AX-002", "Point AT_PHDR at other program headers",
        "AT_PHDR names the measured program's own headers at its bias.",
        _forge_entry(AT_PHDR, lambda v: v + 0x1000), "move AT_PHDR one page up")
_define("AX-003", "Claim an interpreter base for a static program",
        "AT_BASE is the measured interpreter's bias, or 0 without one.",
        _forge_entry(AT_BASE, lambda v: v + 0x10_0000), "move AT_BASE by 1 MiB")
_define("AX-004", "Claim CPU features the CPU lacks in AT_HWCAP",
        "AT_HWCAP and AT_HWCAP2 claim no feature the CPU does not have.",
        _forge_entry(AT_HWCAP, lambda v: v | (1 << 62)), "set a reserved AT_HWCAP bit")
_define("AX-005", "Put the program in secure mode with AT_SECURE",
        "AT_SECURE follows the identity the kernel states (uid/euid, gid/egid).",
        _forge_entry(AT_SECURE, lambda v: 1), "set AT_SECURE to 1")
_define("AX-006", "Point argv[0] outside the initial stack",
        "argv and envp point into the initial stack only.",
        _forge_argv, "point argv[0] at the program's entry code")
_define("AX-007", "Point AT_RANDOM outside the initial stack",
        "AT_RANDOM (filled by the Guardian) lies inside the initial stack.",
        _forge_entry(AT_RANDOM, lambda v: 0x40_0000), "point AT_RANDOM into the image")
