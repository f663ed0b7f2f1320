"""The initial stack a confidential program starts with: argc, argv, envp and auxv.

The kernel builds it (it holds the strings the user passed), so CREATE_DOMAIN reads it
back before the frames become confidential and holds it to what the Guardian knows:
the auxiliary vector's image facts (AT_PHDR, AT_PHENT, AT_PHNUM, AT_ENTRY, AT_BASE)
agree with the measured images at their biases, AT_PAGESZ is the granule, AT_CLKTCK is
arm64's USER_HZ (100), AT_MINSIGSTKSZ this CPU's signal frame size, AT_HWCAP*
claim no feature the CPU lacks, AT_SECURE follows the identity the kernel states (or is
1 for a non-root real uid, whose file capabilities may make an exec secure, for an
exec'd image, which a downgrade may have made secure, and for the launch under an LSM
it states: `--launch-secure-exec`), no
AT_SYSINFO_EHDR names unmeasured code, and every pointer (argv, envp, AT_RANDOM,
AT_EXECFN, AT_PLATFORM) lies inside the initial stack; AT_PLATFORM names the string
"aarch64" (ELF_PLATFORM) and AT_EXECFN the start of the filename string exec copies
first, so that it ends the stack (after its NUL at most the NULL word Linux keeps at the top).  AT_RANDOM's
bytes are then
written by the Guardian.  A stack that is not there at all is no risk: the pages the
program then faults in must be zero-filled.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from abi import Status
from abi.layout import AT_RANDOM
from abi.sigframe import MINSIGSTKSZ
from guardian.checks import refuse

PAGE = 4096
AT_NULL, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_ENTRY = 0, 3, 4, 5, 6, 7, 9
AT_UID, AT_EUID, AT_GID, AT_EGID, AT_HWCAP = 11, 12, 13, 14, 16
AT_SECURE, AT_HWCAP2, AT_EXECFN, AT_SYSINFO_EHDR = 23, 26, 31, 33
AT_PLATFORM, AT_CLKTCK, AT_MINSIGSTKSZ = 15, 17, 51
#: ELF_PLATFORM of arm64 (AT_PLATFORM names it).
PLATFORM = b"aarch64\0"
#: What may follow the filename's NUL at the top of the stack: Linux's NULL word.
TOP_WORD = 8
#: CLOCKS_PER_SEC: arm64's USER_HZ, the tick every times() and /proc count uses.
USER_HZ = 100
_POINTERS = (AT_RANDOM, AT_EXECFN, AT_PLATFORM)
#: create_elf_tables() writes these, always (`NEW_AUX_ENT(AT_UID, ...)` .. AT_SECURE): the
#: identity rules (create.exec_real_ids, create.exec_no_new_privs) must never skip.
_IDENTITY = (AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE)
MAX_STRINGS = 4096
MAX_AUXV = 64

ReadUser = Callable[[int, int], "bytes | None"]


@dataclass(frozen=True)
class Expected:
    """What the Guardian knows the auxiliary vector must say."""

    phdr: int
    phent: int
    phnum: int
    entry: int
    base: int
    hwcap: int
    hwcap2: int
    #: an execve's image: a downgrade may have made it secure with equal ids (below)
    exec_image: bool = False
    #: the launch states an LSM whose exec transitions may make an exec secure
    #: (`--launch-secure-exec`, LaunchFacts.secure_exec)
    lsm_secure: bool = False
    #: the launch states no_new_privs (`--launch-no-new-privs`): 6.1..6.14 take is_setid
    #: before the downgrade, so a set-ID image launched by root comes out secure with
    #: its ids downgraded back to equal (cap_bprm_creds_from_file(),
    #: LSM_UNSAFE_NO_NEW_PRIVS)
    launch_no_new_privs: bool = False


def _words(read: ReadUser, va: int, limit: int, what: str) -> list[int] | None:
    """The NULL-terminated list of words at va (None: the stack is not there)."""
    out: list[int] = []
    for _ in range(limit):
        raw = read(va, 8)
        if raw is None:
            return None if not out and what == "argc" else out
        word = struct.unpack("<Q", raw)[0]
        va += 8
        if not word:
            return out
        out.append(word)
    refuse("create.initial_stack", Status.ERR_DENIED, f"{what} has no end within {limit} entries")
    return out


def check(read: ReadUser, sp: int, stack: tuple[int, int], want: Expected,
          pairs: list[tuple[int, int]] | None = None) -> int | None:
    """Check the initial stack at sp; returns AT_RANDOM's address (None: no stack).  The
    auxiliary vector's pairs, AT_NULL's included, are appended to `pairs`."""
    raw = read(sp, 8)
    if raw is None:
        return None
    argc = struct.unpack("<Q", raw)[0]
    inside = lambda p: stack[0] <= p < stack[1]        # noqa: E731 - one-line predicate
    if argc > MAX_STRINGS:
        refuse("create.initial_stack", Status.ERR_DENIED, f"argc {argc} is implausible")
    argv = _words(read, sp + 8, argc + 1, "argv") or []
    envp = _words(read, sp + 8 * (len(argv) + 2), MAX_STRINGS, "envp") or []
    bad = [p for p in argv + envp if not inside(p)]
    if len(argv) != argc or bad:
        refuse("create.initial_stack", Status.ERR_DENIED,
               f"argv/envp do not point into the initial stack ({len(argv)} of {argc} "
               f"arguments; {len(bad)} pointers outside)")
    pos = sp + 8 * (len(argv) + len(envp) + 3)
    auxv: dict[int, int] = {}
    for _ in range(MAX_AUXV):
        pair = read(pos, 16)
        if pair is None:
            break
        key, value = struct.unpack("<QQ", pair)
        pos += 16
        if pairs is not None:
            pairs.append((key, value))
        if key == AT_NULL:
            break
        if key in auxv:
            refuse("create.auxv", Status.ERR_DENIED, f"auxv entry {key} appears twice")
        auxv[key] = value
    else:
        refuse("create.auxv", Status.ERR_DENIED, "the auxiliary vector has no AT_NULL")
    _check_auxv(auxv, want, inside)
    _check_strings(read, auxv)
    at_random = auxv.get(AT_RANDOM)
    if at_random is not None and (at_random < sp or read(at_random, 16) is None):
        # exec's create_elf_tables copies the random bytes onto the stack above the
        # pointer block: present, where the Guardian's own bytes then land.
        refuse("create.at_random_placed", Status.ERR_DENIED,
               f"AT_RANDOM {at_random:#x} does not name 16 bytes exec wrote on the initial "
               f"stack above sp {sp:#x}: the Guardian's bytes would not land there")
    _check_random_apart(auxv, sp, pos, argv + envp)
    return at_random


def _check_random_apart(auxv: dict[int, int], sp: int, vector_end: int,
                        strings: list[int]) -> None:
    """AT_RANDOM's 16 bytes have their own place: Linux's create_elf_tables() copies them
    below the strings (argv, envp, AT_PLATFORM's, AT_EXECFN's) and builds argc, argv[],
    envp[] and the auxiliary vector below them, so writing the bytes after the check
    changes no string and no word that was checked."""
    if AT_RANDOM not in auxv:
        return
    first_string = min([*strings, *(auxv[k] for k in (AT_EXECFN, AT_PLATFORM) if k in auxv)],
                       default=vector_end + 16)
    at = auxv[AT_RANDOM]
    if at < sp:
        return          # below the stack exec wrote: create.at_random_placed's to refuse
    if at < vector_end or at + 16 > first_string:
        refuse("create.at_random_apart", Status.ERR_DENIED,
               f"AT_RANDOM ({at:#x}) is not 16 bytes of their own between the auxiliary "
               f"vector's end ({vector_end:#x}, sp {sp:#x}) and the strings "
               f"({first_string:#x})")


def _check_strings(read: ReadUser, auxv: dict[int, int]) -> None:
    """AT_PLATFORM names "aarch64"; AT_EXECFN a string that ends the stack."""
    if AT_PLATFORM in auxv and read(auxv[AT_PLATFORM], len(PLATFORM)) != PLATFORM:
        refuse("create.auxv", Status.ERR_DENIED,
               "AT_PLATFORM does not point at the string \"aarch64\" (arm64's ELF_PLATFORM)")
    if AT_EXECFN not in auxv:
        return
    end = auxv[AT_EXECFN]
    while end - auxv[AT_EXECFN] < MAX_STRINGS and read(end, 1) not in (None, b"\0"):
        end += 1
    after = 0
    while after <= TOP_WORD and read(end + 1 + after, 1) == b"\0":
        after += 1
    # Its start follows the NUL of the string pushed before it (envp's or argv's last).
    starts = read(auxv[AT_EXECFN] - 1, 1) == b"\0"
    if not starts or read(end, 1) != b"\0" or after > TOP_WORD or \
            read(end + 1 + after, 1) is not None:
        # (lengths and offsets only: the bytes are the program's)
        refuse("create.auxv", Status.ERR_DENIED,
               f"AT_EXECFN ({auxv[AT_EXECFN]:#x}) does not name the filename string that "
               "ends the initial stack (exec copies it first, to the top)")


def _check_auxv(auxv: dict[int, int], want: Expected, inside: Callable[[int], bool]) -> None:
    facts = {AT_PHDR: want.phdr, AT_PHENT: want.phent, AT_PHNUM: want.phnum,
             AT_ENTRY: want.entry, AT_PAGESZ: PAGE}
    for key, value in facts.items():
        if auxv.get(key) != value:
            refuse("create.auxv", Status.ERR_DENIED,
                   f"auxv entry {key} is {auxv.get(key, 'missing')!s}, the measured image "
                   f"says {value:#x}")
    missing = [key for key in _IDENTITY if key not in auxv]
    if missing:
        refuse("create.auxv", Status.ERR_DENIED,
               f"the auxiliary vector lacks entries {missing}: create_elf_tables() always "
               "writes AT_UID, AT_EUID, AT_GID, AT_EGID and AT_SECURE")
    if auxv.get(AT_CLKTCK, USER_HZ) != USER_HZ:
        refuse("create.auxv", Status.ERR_DENIED,
               f"AT_CLKTCK {auxv[AT_CLKTCK]} is not arm64's USER_HZ ({USER_HZ})")
    if auxv.get(AT_MINSIGSTKSZ, MINSIGSTKSZ) != MINSIGSTKSZ:
        refuse("create.auxv", Status.ERR_DENIED,
               f"AT_MINSIGSTKSZ {auxv[AT_MINSIGSTKSZ]} is not this CPU's signal frame size "
               f"({MINSIGSTKSZ})")
    if auxv.get(AT_BASE, 0) != want.base:
        refuse("create.auxv", Status.ERR_DENIED,
               f"AT_BASE {auxv.get(AT_BASE, 0):#x} is not the interpreter's bias {want.base:#x}")
    if auxv.get(AT_HWCAP, 0) & ~want.hwcap or auxv.get(AT_HWCAP2, 0) & ~want.hwcap2:
        refuse("create.auxv", Status.ERR_DENIED, "AT_HWCAP/AT_HWCAP2 claim features the CPU "
                                                 "lacks")
    setid = (auxv.get(AT_UID) != auxv.get(AT_EUID)) or (auxv.get(AT_GID) != auxv.get(AT_EGID))
    secure = auxv.get(AT_SECURE, 0)
    # cap_bprm_creds_from_file(): a non-root real uid's file capabilities (xattrs the
    # Guardian cannot see) make the exec secure with AT_UID = AT_EUID.  For a root real
    # uid only a changed id does -- but 6.1..6.14 take is_setid before the downgrade, so
    # an execve of a set-user-ID image under no_new_privs, a shared fs_struct or a tracer
    # without CAP_SYS_PTRACE is secure with the ids downgraded back to equal (none of
    # which the Guardian can exclude for an exec'd image: the file's mode, a tracer); the
    # user's launch is secure with equal ids only under an LSM it states
    # (selinux_bprm_creds_for_exec() without PROCESS__NOATSECURE, apparmor's) or under
    # the no_new_privs it states (a set-ID image's downgrade, as for an exec'd image).
    file_caps = secure == 1 and not setid and (auxv.get(AT_UID, 0) != 0 or want.exec_image
                                               or want.lsm_secure or want.launch_no_new_privs)
    if secure != int(setid) and not file_caps:
        refuse("create.auxv", Status.ERR_DENIED,
               f"AT_SECURE {auxv.get(AT_SECURE, 0)} does not follow the stated identity")
    if AT_SYSINFO_EHDR in auxv:
        refuse("create.auxv", Status.ERR_DENIED,
               "AT_SYSINFO_EHDR names code the user did not admit (no measured vDSO)")
    if AT_RANDOM not in auxv:
        refuse("create.auxv", Status.ERR_DENIED, "no AT_RANDOM for the Guardian to fill")
    for key in _POINTERS:
        if key in auxv and not inside(auxv[key]) or \
                key == AT_RANDOM and not inside(auxv[key] + 15):
            refuse("create.auxv", Status.ERR_DENIED,
                   f"auxv entry {key} points outside the initial stack ({auxv[key]:#x})")
