"""The initial stack a confidential program starts with, as CREATE_DOMAIN checks it."""

from __future__ import annotations

import struct
from dataclasses import replace

import pytest

from guardian import initial_stack as st
from guardian.checks import Refused

SP = 0x7FFF_F000
STACK = (0x7FF0_0000, 0x8000_0000)
EXECFN, PLATFORM = SP + 0xA00, SP + 0x9F8
WANT = st.Expected(phdr=0x400040, phent=56, phnum=6, entry=0x401000, base=0,
                   hwcap=0xFF, hwcap2=0x3)


def _stack(argv_ptrs: list[int], auxv: list[tuple[int, int]]) -> dict[int, bytes]:
    words = [len(argv_ptrs), *argv_ptrs, 0, SP + 0x800, 0]
    for key, value in auxv:
        words += [key, value]
    raw = struct.pack(f"<{len(words)}Q", *words)
    mem = {SP + i: raw[i:i + 8] for i in range(0, len(raw), 8)}
    mem[EXECFN] = b"/bin/x\0\0"                  # the filename ends the stack
    mem[PLATFORM] = b"aarch64\0"
    for va in range(SP + len(raw), SP + 0xA00, 8):   # the rest of the stack exec wrote
        mem.setdefault(va, bytes(8))
    return mem


def _read(mem: dict[int, bytes]):  # noqa: ANN202
    def read(va: int, n: int) -> bytes | None:
        out = bytearray()
        for addr in range(va, va + n):
            word = mem.get(addr & ~7)
            if word is None:
                return None
            out.append(word[addr & 7])
        return bytes(out)
    return read


GOOD = [(st.AT_HWCAP, 0x7), (st.AT_PAGESZ, 4096), (st.AT_PHDR, 0x400040), (st.AT_PHENT, 56),
        (st.AT_PHNUM, 6), (st.AT_BASE, 0), (st.AT_ENTRY, 0x401000), (st.AT_UID, 0),
        (st.AT_EUID, 0), (st.AT_GID, 0), (st.AT_EGID, 0), (st.AT_SECURE, 0),
        (st.AT_RANDOM, SP + 0x600), (st.AT_HWCAP2, 1), (st.AT_EXECFN, SP + 0xA00),
        (st.AT_CLKTCK, 100), (st.AT_NULL, 0)]


def _with(key: int, value: int) -> list[tuple[int, int]]:
    return [(k, value if k == key else v) for k, v in GOOD]


def test_a_well_formed_stack_passes_and_names_at_random() -> None:
    assert st.check(_read(_stack([SP + 0x700], GOOD)), SP, STACK, WANT) == SP + 0x600
    assert st.check(_read({}), SP, STACK, WANT) is None       # no stack: nothing to trust
    with_size = [(st.AT_MINSIGSTKSZ, st.MINSIGSTKSZ), *GOOD]
    assert st.check(_read(_stack([SP + 0x700], with_size)), SP, STACK, WANT) == SP + 0x600


@pytest.mark.parametrize(("auxv", "check"), [
    (_with(st.AT_ENTRY, 0x401040), "create.auxv"),
    (_with(st.AT_PHDR, 0x401040), "create.auxv"),
    (_with(st.AT_PHNUM, 7), "create.auxv"),
    (_with(st.AT_PAGESZ, 1 << 16), "create.auxv"),
    (_with(st.AT_BASE, 0x10_0000), "create.auxv"),
    (_with(st.AT_HWCAP, 1 << 62), "create.auxv"),
    (_with(st.AT_SECURE, 1), "create.auxv"),
    (_with(st.AT_RANDOM, 0x40_0000), "create.auxv"),
    ([(st.AT_SYSINFO_EHDR, 0x40_0000), *GOOD], "create.auxv"),
    ([(st.AT_ENTRY, 0x401000), *GOOD], "create.auxv"),          # a second AT_ENTRY
    ([(k, v) for k, v in GOOD if k != st.AT_RANDOM], "create.auxv"),
    (_with(st.AT_CLKTCK, 20), "create.auxv"),
    ([(st.AT_PLATFORM, PLATFORM + 2), *GOOD], "create.auxv"),      # "rch64"
    (_with(st.AT_EXECFN, SP + 0x600), "create.auxv"),              # AT_RANDOM's bytes
    (_with(st.AT_EXECFN, SP + 0x800), "create.auxv"),              # not at the top
    ([(st.AT_MINSIGSTKSZ, 6 * 4096), *GOOD], "create.auxv"),       # not this CPU's frame
    (_with(st.AT_RANDOM, SP - 0x100), "create.at_random_placed"),  # below sp: the reserve
    (_with(st.AT_RANDOM, SP + 0xB00), "create.at_random_placed"),  # no bytes written there
], ids=["entry", "phdr", "phnum", "pagesz", "base", "hwcap", "secure", "random-outside",
        "vdso", "duplicate", "no-random", "clktck", "platform-inside", "execfn-random",
        "execfn-low", "minsigstksz", "random-below-sp", "random-unwritten"])
def test_each_forged_item_is_refused(auxv: list[tuple[int, int]], check: str) -> None:
    with pytest.raises(Refused) as info:
        st.check(_read(_stack([SP + 0x700], auxv)), SP, STACK, WANT)
    assert info.value.check == check


def test_platform_and_execfn_name_their_strings() -> None:
    auxv = [(st.AT_PLATFORM, PLATFORM), *GOOD]
    assert st.check(_read(_stack([SP + 0x700], auxv)), SP, STACK, WANT) == SP + 0x600
    with pytest.raises(Refused):        # into the filename, past its start
        st.check(_read(_stack([SP + 0x700], _with(st.AT_EXECFN, EXECFN + 2))), SP, STACK, WANT)


def test_argv_outside_the_stack_is_refused() -> None:
    with pytest.raises(Refused) as info:
        st.check(_read(_stack([0x401000], GOOD)), SP, STACK, WANT)
    assert info.value.check == "create.initial_stack"


def test_secure_mode_follows_the_stated_identity() -> None:
    setuid = [(k, 1000 if k == st.AT_UID else v) for k, v in _with(st.AT_SECURE, 1)]
    assert st.check(_read(_stack([SP + 0x700], setuid)), SP, STACK, WANT) == SP + 0x600


@pytest.mark.parametrize("at_random", [SP + 0x700, SP + 0x6F8, SP + 0x800, PLATFORM - 8,
                                       SP + 0x100, SP + 8],
                         ids=["argv0", "into-argv0", "envp0", "platform", "auxv", "argv"])
def test_at_random_over_what_was_checked_is_refused(at_random: int) -> None:
    """The Guardian writes AT_RANDOM's bytes after the check: they may cover no string and
    no word of argc, argv[], envp[] or the auxiliary vector (Linux keeps them apart)."""
    auxv = [(st.AT_PLATFORM, PLATFORM), *_with(st.AT_RANDOM, at_random)]
    with pytest.raises(Refused) as info:
        st.check(_read(_stack([SP + 0x700], auxv)), SP, STACK, WANT)
    assert info.value.check == "create.at_random_apart"
    # Just below the first string, above the vector: their own place.
    auxv = [(st.AT_PLATFORM, PLATFORM), *_with(st.AT_RANDOM, SP + 0x6F0)]
    assert st.check(_read(_stack([SP + 0x700], auxv)), SP, STACK, WANT) == SP + 0x6F0


def test_a_non_root_file_capability_exec_may_be_secure_with_equal_ids() -> None:
    """cap_bprm_creds_from_file(): a non-root real uid's file capabilities make the exec
    secure though AT_UID = AT_EUID; a real root's only a changed id, but 6.1..6.14 take
    is_setid before a downgrade (no_new_privs, a shared fs_struct, a tracer without
    CAP_SYS_PTRACE), so an exec'd set-user-ID image may be secure with equal ids; the user's
    launch only under an LSM it states (`--launch-secure-exec`:
    selinux_bprm_creds_for_exec() without PROCESS__NOATSECURE)."""
    caps = [(k, 65534 if k in (st.AT_UID, st.AT_EUID) else v) for k, v in _with(st.AT_SECURE, 1)]
    assert st.check(_read(_stack([SP + 0x700], caps)), SP, STACK, WANT) == SP + 0x600
    root = _read(_stack([SP + 0x700], _with(st.AT_SECURE, 1)))
    assert st.check(root, SP, STACK, replace(WANT, lsm_secure=True)) == SP + 0x600
    assert st.check(root, SP, STACK, replace(WANT, exec_image=True)) == SP + 0x600
    with pytest.raises(Refused) as info:
        st.check(root, SP, STACK, WANT)
    assert info.value.check == "create.auxv"
