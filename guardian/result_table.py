"""`return.range_table`: a successful call's answer lies in the range Linux keeps it in.

The ranges are facts about Linux, stated per call and per command in `abi.value_ranges`
(the result's range, each output field's, their relations to the call's arguments and to
what the program holds: a descriptor's access mode, the caller's thread id); this module
only reads the answer and holds it to its row.  An error result is judged only by a row's
`Errors` term (`return.errno_set`): the errnos Linux's code for the call can return there;
a call without one may fail with any errno.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from abi import Status
from abi.layout import ERRNO_FLOOR, PER_CLEAR_ON_SETID
from abi.outputs import ALL_NUMBERS
from abi.value_ranges import (
    AF_UNIX,
    AMBIENT_RAISED,
    AT_EMPTY_PATH,
    BY_COMMAND,
    CAPBSET_DROPPED,
    COMM,
    DT_TYPES,
    DUMPABLE,
    FUTEX_PRIVATE_FLAG,
    FUTEX_TID_MASK,
    INODE,
    KEEPCAPS,
    MEMBARRIER_NEEDS,
    MEMBARRIER_REGS,
    MSG_TRUNC,
    NO_NEW_PRIVS,
    O_ACCMODE,
    P_PGID,
    P_PID,
    P_PIDFD,
    PDEATH_SIGNAL,
    PERSONA,
    PERSONA_CLEARABLE,
    PIPE_SIZE,
    ROBUST_LIST,
    RSEQ_AREA,
    S_IFMT,
    SA_FAMILY_SIZE,
    SECUREBITS,
    SECUREBITS_RESET,
    SO_DOMAIN,
    SO_PEERCRED,
    SO_TYPE,
    SOCKADDR_UN_SIZE,
    SOL_SOCKET,
    SUBREAPER,
    THP_DISABLE,
    TID_ADDRESS,
    TYPE_BY_MAKER,
    UIO_MAXIOV,
    AccessMode,
    ArgBits,
    ArgIn,
    ArgNotAbove,
    AtMost,
    DirentTypes,
    Errors,
    Field,
    FieldAtMost,
    FileType,
    GroupChild,
    Keeps,
    MaskNotEmpty,
    NamedChild,
    NoNul,
    NoWriteExec,
    NulEnded,
    OwnerUnset,
    OwnsLock,
    Result,
    ResultIn,
    SavedAuxv,
    SealsKept,
    Sets,
    SocketFacts,
    Text,
    TruncFull,
    UnixName,
    VmaName,
    Waiters,
    WaitidChild,
    WhenArg,
    WithoutCap,
    Woken,
    row_for,
    success_row_for,
)
from abi.value_ranges import (
    CALLS as _ROW_CALLS,
)
from guardian import (
    cap_needed,
    checks,
    launch_facts,
    prctl_state,
    securebits_locks,
    setuid_fixup,
)
from guardian.checks import refuse
from guardian.result_reads import read_or_fault, room_passed
from guardian.slots import Slot
from guardian.stated_facts import (
    COMM_WRITTEN,
    PAIR_MAKER,
    PDEATH_ASKED,
    StatedFacts,
    read_comm,
    stat_inode,
)
from guardian.user_memory import UserMemory

_NAMES = {nr: name for name, nr in ALL_NUMBERS.items()}
#: Every call some row names (plain or by command).
CALLS = frozenset(ALL_NUMBERS[n] for n in (*_ROW_CALLS, *BY_COMMAND) if n in ALL_NUMBERS)
#: Calls whose row judges only their failures (getpid, sched_yield ...): a success of
#: one needs no `check_table`.
ERRORS_ONLY = frozenset(ALL_NUMBERS[n] for n in _ROW_CALLS if n in ALL_NUMBERS
                        and n not in BY_COMMAND and not success_row_for(n, (0,) * 6))
_DIRENT_HEAD = 19                       # d_ino, d_off, d_reclen, d_type
_NR_PRCTL = ALL_NUMBERS["prctl"]
#: the facts of the sets a securebits lock refuses (PR_SET_KEEPCAPS, PR_SET_SECUREBITS)
_LOCKABLE = frozenset({KEEPCAPS, SECUREBITS_RESET})
_CAP_NEEDED = frozenset({CAPBSET_DROPPED, AMBIENT_RAISED})

#: (slot, fd) -> the descriptor's access mode (O_RDONLY/O_WRONLY/O_RDWR), or the call that
#: made it; None: unknown.
AccessOf = Callable[[Slot, int], "int | None"]
MakerOf = Callable[[Slot, int], "int | None"]
_TYPE_BY_MAKER_NR = {ALL_NUMBERS[n]: t for n, t in TYPE_BY_MAKER.items()}
#: slot -> the calling thread's id as the program was told it, None: unknown.
TidOf = Callable[[Slot], "int | None"]
#: slot -> the auxiliary vector its image started with (pairs), () unknown.
AuxvOf = Callable[[Slot], "tuple[tuple[int, int], ...]"]


@dataclass(frozen=True)
class Held:
    """What the program holds that some answers relate to."""

    access: AccessOf
    maker: MakerOf
    tid: TidOf
    auxv: AuxvOf
    seals: MakerOf
    #: (slot, fd) -> the pid a pidfd_open descriptor names (0: none known)
    pidfd: Callable[[Slot, int], int]
    #: (slot, fd) -> (domain, type, maker's pid) of a socket the program made, or None
    socket: Callable[[Slot, int], tuple[int, int, int] | None]
    #: (slot, fd) -> is it an open file the program made, with no owner ever set?
    owner_unset: Callable[[Slot, int], bool]
    #: (slot, pid) -> the process group of the program's process pid (0: the caller's),
    #: None where not known (guardian/process_groups.py)
    group: Callable[[Slot, int], int | None]
    #: What the program set and the kernel stated of its threads and open files.
    stated: StatedFacts
    #: (slot, pid) -> the pid the slot's process was told (None: never), once `pid` is
    #: what it is now told (a later getpid is held to it).
    own_pid: Callable[[Slot, int], int | None]
    #: slot -> the other threads of its address space now in a futex wait
    futex_waiters: Callable[[Slot], int]
    #: slot -> how many calls of other threads of its address space may have woken it
    futex_wakers: Callable[[Slot], int]
    #: slot -> (AT_HWCAP, AT_HWCAP2) as the program was told them (the CPU's own where its
    #: auxiliary vector is not known)
    caps: Callable[[Slot], tuple[int, int]]
    #: slot -> is its thread the one a fork made its address space for (whose per-task
    #: state is its parent thread's, not a new thread's)?
    fork_thread: Callable[[Slot], bool]
    #: slot -> is a call with this number of another thread of its address space in
    #: flight (its effect may already be Linux's state, before the Guardian sees it)?
    racing: Callable[[Slot], bool]
    #: slot -> was its address space made by a fork (its mm state a copy of the parent's)?
    forked: Callable[[Slot], bool]
    #: slot -> may a seccomp filter or syscall user dispatch be in place for its thread
    #: (one installed, in flight, or not known): then any errno is possible.
    filtered: Callable[[Slot], bool] = lambda slot: True
    #: (slot, call name) -> the file it maps (0), or the anonymous area it changes (its
    #: protection), known VM_MAYEXEC; None: not known (guardian/rie_areas.py)
    may_exec: Callable[[Slot, str], int | None] = lambda slot, name: None


def _s64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _s32(v: int) -> int:
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def _refused(slot: Slot, why: str) -> None:
    """Refuse with `why`: it names lengths, offsets, ranges and what the Guardian knows,
    never a value read from the program's memory (the answer there may be its own bytes,
    and the reason goes into the trace)."""
    refuse("return.range_table", Status.ERR_DENIED,
           f"{_NAMES.get(slot.nr or 0, slot.nr)} {why}: Linux never gives that answer "
           "(abi/value_ranges), and the program would act on it")


def check_table(memory: UserMemory, slot: Slot, ret: int, held: Held) -> None:
    """`return.range_table` for a call `CALLS` names (`return.errno_set` for an error)."""
    if slot.nr is None:
        return
    name = _NAMES.get(slot.nr)
    if name is None:
        return
    if ret >= ERRNO_FLOOR:
        _check_errors(slot, (1 << 64) - ret, held, name, row_for(name, slot.args))
        return
    terms = success_row_for(name, slot.args)
    if terms:
        _check_terms(memory, slot, ret, held, name, terms)


def _met(term: ArgIn | ArgBits | ArgNotAbove, a: tuple[int, ...]) -> bool:
    """Whether the arguments meet one condition of an `Errors` term."""
    if isinstance(term, ArgIn):
        return a[term.arg] in term.values
    if isinstance(term, ArgBits):
        return not a[term.arg] & ~term.allowed
    return a[term.arg] & 0xFFFF_FFFF <= a[term.bound_arg] & 0xFFFF_FFFF


def _check_errors(slot: Slot, errno: int, held: Held, name: str,
                  terms: tuple[object, ...]) -> None:
    """`return.errno_set`: an error answer is one Linux's code for the call returns with
    these arguments (an `Errors` term), unless a seccomp filter may answer for it."""
    rows = [t for t in terms if isinstance(t, Errors)]
    if not rows or not checks.enabled("return.errno_set"):
        return
    a = slot.args
    for row in rows:
        if not all(_met(t, a) for t in row.only_if):
            continue
        if errno in row.errnos or any(e == errno and not _met(t, a) for e, t in row.also):
            continue
        if held.filtered(slot):
            return                      # SECCOMP_RET_ERRNO may answer any errno
        allowed = sorted(row.errnos | {e for e, t in row.also if not _met(t, a)})
        refuse("return.errno_set", Status.ERR_DENIED,
               f"{name} fails with errno {errno}, but with these arguments Linux's code for "
               f"it fails only with {allowed or 'none (it cannot fail)'} "
               "(abi/value_ranges), and the program would act on it")


def _check_terms(memory: UserMemory, slot: Slot, ret: int, held: Held, name: str,
                 terms: tuple[object, ...]) -> None:
    a = slot.args
    for term in terms:
        if isinstance(term, Result):
            _check_result(slot, _s64(ret), term)
        elif isinstance(term, AtMost):
            most = sum(max(term.floor, _s32(a[i])) for i in term.args) - term.less
            if ret > most:
                _refused(slot, f"answers {ret}, more than the {most} its arguments allow")
        elif isinstance(term, Field):
            _check_field(memory, slot, ret, term)
        elif isinstance(term, FieldAtMost):
            if a[term.arg]:
                part, whole = (struct.unpack("<Q", read_or_fault(memory, slot, a[term.arg] + off,
                                                                 8))[0]
                               for off in (term.offset, term.bound))
                if part > whole:
                    _refused(slot, f"writes a value at offset {term.offset} larger than the "
                                   f"one at offset {term.bound} it is a part of")
        elif isinstance(term, MaskNotEmpty):
            if a[term.arg] and ret and not any(read_or_fault(memory, slot, a[term.arg], ret)):
                _refused(slot, "writes an empty CPU mask")
        elif isinstance(term, DirentTypes):
            _check_dirent_types(memory, slot, ret, a[term.arg])
        elif isinstance(term, AccessMode):
            mode = held.access(slot, a[term.fd_arg] & 0xFFFF_FFFF)
            if mode is not None and ret & O_ACCMODE != mode:
                _refused(slot, f"answers access mode {ret & O_ACCMODE} for descriptor "
                               f"{a[term.fd_arg] & 0xFFFF_FFFF}, opened with {mode}")
        elif isinstance(term, Text):
            if a[term.arg]:
                raw = read_or_fault(memory, slot, a[term.arg] + term.offset, term.size)
                text = raw.split(b"\0", 1)[0]
                if text not in term.values:
                    # The text's length only: its bytes may be the program's own.
                    _refused(slot, f"writes a {len(text)}-byte text at offset {term.offset}, "
                                   f"not one of {sorted(term.values)}")
        elif isinstance(term, FileType):
            _check_file_type(memory, slot, term, held.maker)
        elif isinstance(term, NoNul):
            if a[term.arg] and 0 < ret <= 1 << 16 and \
                    b"\0" in read_or_fault(memory, slot, a[term.arg], ret):
                _refused(slot, f"answers {ret} bytes with a NUL among them")
        elif isinstance(term, NulEnded):
            if a[term.arg] and a[term.size_arg] and 0 < ret <= 1 << 16 and \
                    read_or_fault(memory, slot, a[term.arg] + ret - 1, 1) != b"\0":
                _refused(slot, f"answers a {ret}-byte list of names whose last byte is no NUL")
        elif isinstance(term, NamedChild):
            pid = _s32(a[term.pid_arg])
            if pid > 0 and ret and ret != pid:
                _refused(slot, f"reports child {ret} to a wait for child {pid}")
        elif isinstance(term, GroupChild):
            pid = _s32(a[term.pid_arg])
            if ret and (pid == 0 or pid < -1):
                _check_group_child(slot, -pid, ret, held)
        elif isinstance(term, WaitidChild):
            _check_waitid_child(memory, slot, held)
        elif isinstance(term, OwnerUnset):
            if ret and held.owner_unset(slot, a[term.fd_arg] & 0xFFFF_FFFF):
                _refused(slot, f"answers owner {_s64(ret)} for an open file whose owner the "
                               "program never set")
        elif isinstance(term, SocketFacts):
            _check_socket_facts(memory, slot, held.socket(slot, a[term.fd_arg] & 0xFFFF_FFFF),
                                held)
        elif isinstance(term, UnixName):
            _check_unix_name(memory, slot, term, held.socket(slot, a[term.fd_arg] & 0xFFFF_FFFF))
        elif isinstance(term, TruncFull):
            _check_trunc_full(memory, slot, ret, term)
        elif isinstance(term, SealsKept):
            known = held.seals(slot, a[term.fd_arg] & 0xFFFF_FFFF)
            if known is not None and ret & known != known:
                _refused(slot, f"answers seals {ret:#x}, without {known & ~ret:#x} the memfd "
                               "holds (a seal is never removed)")
        elif isinstance(term, Keeps):
            if term.fact == MEMBARRIER_REGS:
                _check_membarrier_registered(slot, held)
            elif term.fact == NO_NEW_PRIVS and \
                    held.stated.of_thread(slot).get(NO_NEW_PRIVS) == 0:
                # (the launch's bit, never set since: a filter may answer, or a TSYNC
                # put it on the thread: seccomp_sync_threads())
                if not held.filtered(slot):
                    launch_facts.check_no_new_privs(slot, _s64(ret))
            elif term.fact in prctl_state.FACTS:
                # A seccomp filter may have answered the set (or this call) for Linux;
                # another thread's prctl in flight may have changed the mm's bits.
                if not held.filtered(slot) and not held.racing(slot):
                    _check_kept(memory, slot, name, _s64(ret), term.fact, held.stated)
            else:
                _check_kept(memory, slot, name, _s64(ret), term.fact, held.stated,
                            term.fact == RSEQ_AREA and held.fork_thread(slot))
        elif isinstance(term, Sets):
            if term.fact in prctl_state.FACTS and not held.filtered(slot) and \
                    not held.racing(slot):
                why = prctl_state.set_refused(held.stated, slot, term.fact)
                if why:
                    _refused(slot, why)
            if term.fact in _LOCKABLE and slot.nr == _NR_PRCTL and not held.filtered(slot):
                # (the thread's own cred->securebits: no other thread's call in flight,
                # `racing`, changes them)
                securebits_locks.check(held.stated, slot)
                if term.fact == SECUREBITS_RESET:   # (PR_SET_SECUREBITS: CAP_SETPCAP)
                    setuid_fixup.check(held.stated, slot, ret)
            if term.fact in _CAP_NEEDED and slot.nr == _NR_PRCTL:
                # (PR_CAPBSET_DROP, PR_CAP_AMBIENT: the thread's own sets, guardian/cap_needed.py)
                cap_needed.check_prctl(held.stated, slot, ret, held.filtered(slot))
            if term.fact != CAPBSET_DROPPED or not held.filtered(slot):
                # (a filter's 0 may leave the bounding set whole: a later capset()'s
                # inheritable bit, cap_capset(), or an exec's sets, exec_caps.py, are
                # judged against the drops Linux made)
                _note_set(memory, slot, ret, term.fact, held.stated)
            if term.fact in (PDEATH_SIGNAL, NO_NEW_PRIVS) and held.filtered(slot):
                # (a filter's SECCOMP_RET_ERRNO 0 answers without task_set_no_new_privs())
                held.stated.of_thread(slot).pop(term.fact, None)
            if term.fact in (SECUREBITS_RESET, KEEPCAPS) and slot.nr == _NR_PRCTL and \
                    held.filtered(slot):
                # (a filter's 0 may leave cred->securebits as they were: not known, lest
                # SECBIT_NO_CAP_AMBIENT_RAISE refuse a raise Linux grants, cap_needed.py,
                # or a SECURE_KEEP_CAPS thought clear empty the permitted set at a set*uid,
                # setuid_fixup.note_setxuid())
                held.stated.of_thread(slot).pop(SECUREBITS, None)
        elif isinstance(term, SavedAuxv):
            _check_saved_auxv(memory, slot, ret, term, held.auxv(slot))
        elif isinstance(term, Woken):
            if a[1] & FUTEX_PRIVATE_FLAG and held.futex_wakers(slot) == 0:
                _refused(slot, "answers 0 (woken), but no other thread of the address space "
                               "was in a call that wakes a futex waiter at its entry or began "
                               "one since")
        elif isinstance(term, Waiters):
            if a[1] & FUTEX_PRIVATE_FLAG:
                waiting = held.futex_waiters(slot)
                if ret > waiting:
                    _refused(slot, f"answers {ret} woken, but at most {waiting} other threads "
                                   "of the address space were in a futex wait at its entry or "
                                   "began one since")
            elif slot.shared_wake and checks.enabled("return.shared_futex_waiters"):
                waiting = held.futex_waiters(slot)
                if ret > waiting:
                    refuse("return.shared_futex_waiters", Status.ERR_DENIED,
                           f"a shared futex wake answers {ret} woken, but its words lie in "
                           "memory only the program's processes map (private anonymous, or "
                           "MAP_SHARED anonymous that only fork hands on) and at most "
                           f"{waiting} of their threads were in a futex wait at its entry or "
                           "began one since: Linux wakes only tasks queued on the word's key")
        elif isinstance(term, ArgBits):
            if a[term.arg] & ~term.allowed and not (term.filterable and held.filtered(slot)):
                _refused(slot, f"succeeds with argument {term.arg} {a[term.arg]:#x}, which "
                               f"sets bits outside {term.allowed:#x}")
        elif isinstance(term, ArgNotAbove):
            # (close_range: SYSCALL_DEFINE3(close_range) -EINVAL for fd > max_fd; a
            # filter's SECCOMP_RET_ERRNO 0 answers 0 without the test)
            if not _met(term, a) and not held.filtered(slot):
                _refused(slot, f"succeeds with argument {term.arg} {a[term.arg] & 0xFFFF_FFFF}"
                               f" above argument {term.bound_arg} "
                               f"{a[term.bound_arg] & 0xFFFF_FFFF} (unsigned ints: -EINVAL)")
        elif isinstance(term, ArgIn):
            if a[term.arg] not in term.values:
                _refused(slot, f"succeeds with argument {term.arg} {a[term.arg]:#x}, not one "
                               f"of {sorted(term.values)}")
        elif isinstance(term, VmaName):
            _check_vma_name(memory, slot, a[term.arg])
        elif isinstance(term, WhenArg):
            if a[term.arg] in term.values:
                _check_terms(memory, slot, ret, held, name, term.terms)
        elif isinstance(term, NoWriteExec):
            if not held.filtered(slot) and not held.racing(slot) and \
                    prctl_state.write_exec_denied(held.stated, slot, name,
                                                  held.may_exec(slot, name)):
                _refused(slot, "makes a writable, executable mapping (or makes an area "
                               "executable), but the process's MDWE "
                               "(PR_MDWE_REFUSE_EXEC_GAIN) refuses one (-EACCES)")
            prctl_state.note_write_exec(held.stated, slot)
        elif isinstance(term, ResultIn):
            if ret not in term.values:
                _refused(slot, f"answers {ret:#x}, not one of {sorted(term.values)}")
        elif isinstance(term, WithoutCap):
            if not held.caps(slot)[term.word - 1] & term.bits:
                cap = "AT_HWCAP" if term.word == 1 else "AT_HWCAP2"
                if not term.terms:
                    _refused(slot, f"succeeds, though the program's {cap} has none of "
                                   f"{term.bits:#x}: without that capability it fails")
                _check_terms(memory, slot, ret, held, name, term.terms)
        elif isinstance(term, OwnsLock):
            tid = held.tid(slot)
            word = struct.unpack("<I", read_or_fault(memory, slot, a[term.arg], 4))[0]
            if tid is not None and word & FUTEX_TID_MASK != tid:
                _refused(slot, f"takes the lock at {a[term.arg]:#x} for thread {tid}, yet the "
                               "lock word names another owner")


ANON_VMA_NAME_MAX_LEN = 80
_VMA_NAME_BAD = frozenset(b"\\`$[]")


def _check_vma_name(memory: UserMemory, slot: Slot, va: int) -> None:
    """A name PR_SET_VMA_ANON_NAME accepts: none, or fewer than 80 printable bytes
    without \\ ` $ [ ] (strndup_user() and is_valid_name_char())."""
    if not va:
        return
    for i in range(ANON_VMA_NAME_MAX_LEN):
        byte = read_or_fault(memory, slot, va + i, 1)[0]
        if byte == 0:
            return
        if not 0x20 <= byte <= 0x7E or byte in _VMA_NAME_BAD:
            _refused(slot, f"accepts an area name whose byte {i} is not a printable character "
                           "other than \\ ` $ [ ]")
    _refused(slot, f"accepts an area name of {ANON_VMA_NAME_MAX_LEN} bytes or more")


def _check_result(slot: Slot, ret: int, term: Result) -> None:
    value = ret & term.mask if term.mask != -1 else ret
    if ret & ~term.mask & ~term.flags:
        _refused(slot, f"answers {ret:#x}, with bits outside {term.mask | term.flags:#x}")
    if not term.lo <= value <= term.hi or value % term.step:
        _refused(slot, f"answers {value}, outside {term.lo}..{term.hi}"
                       + (f" in steps of {term.step}" if term.step > 1 else ""))
    if term.pow2_of:
        units, rest = divmod(value, term.pow2_of)
        if rest or units & (units - 1):
            _refused(slot, f"answers {value}, not a power of two times {term.pow2_of}")


def _check_file_type(memory: UserMemory, slot: Slot, term: FileType, maker_of: MakerOf) -> None:
    maker = maker_of(slot, slot.args[term.fd_arg] & 0xFFFF_FFFF)
    want = _TYPE_BY_MAKER_NR.get(maker) if maker is not None else None
    va = slot.args[term.arg]
    if want is None or not va:
        return
    path = slot.args[term.path_arg] if term.path_arg >= 0 else 0
    # (under AT_EMPTY_PATH a NULL name is the descriptor: getname_maybe_null(), 6.12 on;
    # never read at 0)
    if term.path_arg >= 0 and not (slot.args[term.flags_arg] & AT_EMPTY_PATH and
                                   (not path or read_or_fault(memory, slot, path, 1)
                                    == b"\0")):
        return                          # a path names another file than the descriptor
    mode = struct.unpack("<I", read_or_fault(memory, slot, va + term.offset, 4))[0]
    if mode & S_IFMT != want:
        _refused(slot, f"reports another file type than {want:#o}, the type of the "
                       "descriptor by the call that made it")


def _note_set(memory: UserMemory, slot: Slot, ret: int, fact: str,
              stated: StatedFacts) -> None:
    """A successful call set `fact` (each call's `Sets` names what it sets)."""
    a = slot.args
    if fact == PIPE_SIZE:
        facts = stated.of_file(slot, a[0])
        if facts is not None:
            facts[PIPE_SIZE] = ret
        return
    if fact == THP_DISABLE:
        stated.of_space(slot)[THP_DISABLE] = int(bool(a[1]))
        return
    if fact in prctl_state.FACTS:
        prctl_state.note_set(stated, slot, fact, ret)
        return
    if fact == MEMBARRIER_REGS:
        space = stated.of_space(slot)
        made = int(space.get(MEMBARRIER_REGS, 0))  # type: ignore[call-overload]
        space[MEMBARRIER_REGS] = made | a[0] & 0xFFFF_FFFF
        return
    facts = stated.of_thread(slot)
    if fact == PERSONA:
        prctl_state.note_persona(stated, slot)
        if a[0] & 0xFFFF_FFFF != 0xFFFF_FFFF:
            facts[PERSONA] = a[0] & 0xFFFF_FFFF
            facts.pop(PERSONA_CLEARABLE, None)
    elif fact == RSEQ_AREA:
        facts[RSEQ_AREA] = 0 if a[2] & RSEQ_FLAG_UNREGISTER else a[0]
    elif fact == COMM:
        if not stated.of_space(slot).get(COMM_WRITTEN):    # (a /proc comm write may rename it)
            facts[COMM] = read_comm(memory, slot, a[1])
    elif fact == ROBUST_LIST:
        facts[ROBUST_LIST] = (a[0], a[1])
    elif fact == TID_ADDRESS:
        facts[TID_ADDRESS] = a[0]
    elif fact == NO_NEW_PRIVS:
        facts[NO_NEW_PRIVS] = 1
    elif fact == PDEATH_SIGNAL:
        # (a credential change clears it: commit_creds(), prctl_state.note_set())
        facts[PDEATH_SIGNAL] = a[1] & 0xFFFF_FFFF
        facts[PDEATH_ASKED] = a[1] & 0xFFFF_FFFF


def _check_kept(memory: UserMemory, slot: Slot, name: str, ret: int, fact: str,
                stated: StatedFacts, fork_thread: bool = False) -> None:
    """The answer reports `fact` as it was set (or, for an inode, first stated)."""
    a = slot.args
    if fact == INODE:
        facts = stated.of_file(slot, a[0])
        got = stat_inode(memory, slot, name)
        if facts is None or got is None:
            return
        first = facts.setdefault(INODE, got)
        if first != got:
            # (what it read back is not quoted: it may be the program's own bytes)
            _refused(slot, "reports another device or inode than it first reported for "
                           "this open file (an open file's inode never changes)")
        return
    if fact in prctl_state.FACTS:
        if fact == DUMPABLE and launch_facts.check_dumpable(stated.launch, stated, slot, ret):
            return                      # (commit_creds()'s suid_dumpable)
        why = prctl_state.answer_refused(stated, slot, fact, ret)
        if why:
            _refused(slot, why)
        known = prctl_state.kept(stated, slot, fact)
        if known is not None and fact == SUBREAPER:
            # (the word is not quoted: it may be the program's own bytes)
            if _s32(int.from_bytes(read_or_fault(memory, slot, a[1], 4), "little")) != known:
                _refused(slot, f"stores another value than {known}, the state the call that "
                               "last set it left")
        elif known is not None and ret != known:
            _refused(slot, f"answers {ret}, but the caller's state is {known}, as the call "
                           "that last set it left it")
        return
    facts = stated.of_file(slot, a[0]) if fact == PIPE_SIZE else \
        stated.of_space(slot) if fact == THP_DISABLE else stated.of_thread(slot)
    want = facts.get(fact) if facts is not None else None
    if fact == RSEQ_AREA:
        # A thread starts with no rseq area (a new thread's is cleared, exec clears it),
        # but a fork child's thread keeps its parent thread's (kernel/rseq.c rseq_fork).
        if want is None and not fork_thread:
            want = 0
        if want is not None:
            _check_rseq(slot, want)     # type: ignore[arg-type]
        return
    if want is None:
        return                          # never set where the Guardian saw it
    if fact in (PIPE_SIZE, NO_NEW_PRIVS, PERSONA, THP_DISABLE):
        got = ret
    elif fact == PDEATH_SIGNAL:
        got = _s32(int.from_bytes(read_or_fault(memory, slot, a[1], 4), "little"))
    elif fact == COMM:
        got = read_or_fault(memory, slot, a[1], 16).split(b"\0", 1)[0] if a[1] else want
    elif fact == ROBUST_LIST:
        if _s32(a[0]) or not a[1] or not a[2]:
            return                      # another thread's list, or nowhere to report it
        got = (_u64(memory, slot, a[1]), _u64(memory, slot, a[2]))
    else:                               # TID_ADDRESS
        got = _u64(memory, slot, a[1]) if a[1] else want
    if fact == PERSONA and facts is not None and facts.pop(PERSONA_CLEARABLE, None) and \
            got == want & ~PER_CLEAR_ON_SETID:  # type: ignore[operator]
        # An image exec'd set-user-id (even the caller's own, AT_SECURE 0) or with file
        # capabilities lost these bits (begin_new_exec: personality &= ~bprm->per_clear);
        # the Guardian cannot see the file's mode, so either answer is Linux's.
        facts[PERSONA] = got
        return
    if got != want:
        # Neither value is quoted: the answer may be the program's own bytes, and the
        # name it set is its own.
        _refused(slot, f"reports another {fact} than the program set or its thread started "
                       "with (only its own calls, the execve that started its image, or the "
                       "clone that made the thread, copying its creator's, set it)")


def _check_membarrier_registered(slot: Slot, held: Held) -> None:
    """A private expedited membarrier succeeds only once the process registered for it
    (-EPERM before).  An address space exec made starts with none registered; a fork
    child's copies its parent's (not known here), and a registration in flight on another
    thread may already count."""
    need = MEMBARRIER_NEEDS[slot.args[0] & 0xFFFF_FFFF]
    made = held.stated.of_space(slot).get(MEMBARRIER_REGS)
    if made is None:
        if held.forked(slot):
            return
        made = 0
    if not int(made) & need and not held.racing(slot):  # type: ignore[call-overload]
        _refused(slot, f"succeeds without the process's registration {need:#x} "
                       "(Linux answers -EPERM until it registers)")


RSEQ_FLAG_UNREGISTER = 1


def _check_rseq(slot: Slot, registered: int) -> None:
    """rseq() succeeds in registering only where the thread has no area, and in
    unregistering only the area it has (kernel/rseq.c: -EINVAL, or -EBUSY for the same
    area twice)."""
    area = slot.args[0]
    if slot.args[2] & RSEQ_FLAG_UNREGISTER:
        if registered != area:
            _refused(slot, f"unregisters the area at {area:#x}, but the thread's registered "
                           "area is " + (f"at {registered:#x}" if registered else "none"))
    elif registered:
        _refused(slot, f"registers an area at {area:#x} while the thread has one at "
                       f"{registered:#x} (Linux answers -EBUSY or -EINVAL)")


def _u64(memory: UserMemory, slot: Slot, va: int) -> int:
    return struct.unpack("<Q", read_or_fault(memory, slot, va, 8))[0]


def _check_saved_auxv(memory: UserMemory, slot: Slot, ret: int, term: SavedAuxv,
                      pairs: tuple[tuple[int, int], ...]) -> None:
    if not pairs:
        return
    saved = b"".join(struct.pack("<QQ", k, v) for k, v in pairs)
    if ret < len(saved):
        _refused(slot, f"answers {ret}, less than the {len(saved)} bytes of the vector exec "
                       "built")
    n = min(ret, slot.args[term.len_arg])
    if n and slot.args[term.arg]:
        got = read_or_fault(memory, slot, slot.args[term.arg], n)
        if got != saved.ljust(n, b"\0")[:n]:
            _refused(slot, "copies another auxiliary vector than the one exec built")


def _check_socket_facts(memory: UserMemory, slot: Slot,
                        sock: tuple[int, int, int] | None, held: Held) -> None:
    a = slot.args
    if sock is None or a[1] & 0xFFFF_FFFF != SOL_SOCKET or not a[3]:
        return
    domain, kind, maker = sock
    opt = a[2] & 0xFFFF_FFFF
    facts = held.stated.of_file(slot, a[0]) or {}
    made_by = facts.get(PAIR_MAKER)
    if opt == SO_PEERCRED and not maker and isinstance(made_by, tuple) and \
            made_by[0] == slot.root:
        # The pair was made in this address space: by this process, whose pid the
        # program is (or will be) told -- SO_PEERCRED's pid must be that one.
        got = struct.unpack("<i", read_or_fault(memory, slot, a[3], 4))[0]
        told = held.own_pid(slot, got)
        if got < 1 or told is not None and told != got:
            _refused(slot, "reports a pid for SO_PEERCRED that is not the one of the process "
                           "that made the pair" + (f" ({told})" if told is not None else ""))
        return
    want = {SO_TYPE: kind, SO_DOMAIN: domain, SO_PEERCRED: maker}.get(opt)
    if not want:
        return
    got = struct.unpack("<i", read_or_fault(memory, slot, a[3], 4))[0]
    if got != want:
        _refused(slot, f"reports another value for socket option {opt} than the {want} "
                       "the socket was made with")


def _check_group_child(slot: Slot, group: int, child: int, held: Held) -> None:
    """A wait for process group `group` (0: the caller's own) reports `child`: a child of
    that group, where the Guardian knows both groups."""
    want = held.group(slot, 0) if group == 0 else group
    has = held.group(slot, child)
    if want is not None and has is not None and has != want:
        _refused(slot, f"reports a child of another process group than {want} to a wait "
                       "for the children of that group")


def _check_unix_name(memory: UserMemory, slot: Slot, term: UnixName,
                     sock: tuple[int, int, int] | None) -> None:
    a = slot.args
    if sock is None or sock[0] != AF_UNIX or not a[term.len_arg]:
        return
    room = room_passed(memory, slot, a[term.addr_arg], a[term.len_arg]) \
        if a[term.addr_arg] else 0
    size = struct.unpack("<I", read_or_fault(memory, slot, a[term.len_arg], 4))[0]
    if not SA_FAMILY_SIZE <= size <= SOCKADDR_UN_SIZE:
        _refused(slot, "reports an AF_UNIX address length outside "
                       f"{SA_FAMILY_SIZE}..{SOCKADDR_UN_SIZE}")
    if room >= SA_FAMILY_SIZE:
        family = struct.unpack("<H", read_or_fault(memory, slot, a[term.addr_arg], 2))[0]
        if family != AF_UNIX:
            _refused(slot, "reports another family than AF_UNIX for an AF_UNIX socket")


def _check_trunc_full(memory: UserMemory, slot: Slot, ret: int, term: TruncFull) -> None:
    msg = slot.args[term.msg_arg]
    if not msg or slot.args[term.flags_arg] & MSG_TRUNC:
        return
    flags = struct.unpack("<i", read_or_fault(memory, slot, msg + 48, 4))[0]
    if not flags & MSG_TRUNC:
        return
    iov, iovlen = struct.unpack("<QQ", read_or_fault(memory, slot, msg + 16, 16))
    if not iov or iovlen > UIO_MAXIOV:
        return
    raw = read_or_fault(memory, slot, iov, 16 * iovlen)
    total = sum(struct.unpack_from("<Q", raw, 16 * i + 8)[0] for i in range(iovlen))
    if ret != total:
        _refused(slot, f"marks MSG_TRUNC yet returns {ret} of the {total} bytes the buffer "
                       "holds (a message is cut only when it fills the buffer)")


def _check_waitid_child(memory: UserMemory, slot: Slot, held: Held) -> None:
    """waitid(P_PID, id, &info, ...): a report (si_signo set) names child `id`; with
    P_PIDFD, the child the pidfd names; with P_PGID, a child of group `id`."""
    a = slot.args
    idtype = a[0] & 0xFFFF_FFFF
    if idtype == P_PGID and a[2]:
        signo, = struct.unpack("<i", read_or_fault(memory, slot, a[2], 4))
        pid, = struct.unpack("<i", read_or_fault(memory, slot, a[2] + 16, 4))
        if signo and pid > 0:
            _check_group_child(slot, _s32(a[1]), pid, held)
        return
    want = _s32(a[1]) if idtype == P_PID else \
        held.pidfd(slot, a[1] & 0xFFFF_FFFF) if idtype == P_PIDFD else 0
    if not want or not a[2]:
        return
    signo, = struct.unpack("<i", read_or_fault(memory, slot, a[2], 4))
    pid, = struct.unpack("<i", read_or_fault(memory, slot, a[2] + 16, 4))
    if signo and pid != want:
        _refused(slot, f"reports another child to a waitid for child {want}")


def _check_field(memory: UserMemory, slot: Slot, ret: int, term: Field) -> None:
    va = slot.args[term.arg]
    if not va or not term.returned(ret):
        return                          # an output not asked for, or not written
    size = struct.calcsize(term.fmt)
    value = struct.unpack(term.fmt, read_or_fault(memory, slot, va + term.offset, size))[0]
    if not term.allows(value, ret):
        where = term.what or f"offset {term.offset} of its output"
        _refused(slot, f"writes {where} not {term.expected()}")


def _check_dirent_types(memory: UserMemory, slot: Slot, ret: int, buf: int) -> None:
    """Each record's d_type (the record layout itself is `return.record_layout`'s)."""
    if not buf or not ret:
        return
    raw = read_or_fault(memory, slot, buf, ret)
    pos = 0
    while pos + _DIRENT_HEAD <= ret:
        reclen = struct.unpack_from("<H", raw, pos + 16)[0]
        d_type = raw[pos + 18]
        if d_type not in DT_TYPES:
            _refused(slot, f"writes a d_type at offset {pos + 18} that is no DT_* value")
        name = raw[pos + _DIRENT_HEAD:pos + max(reclen, _DIRENT_HEAD)].split(b"\0", 1)[0]
        if not name or b"/" in name:
            _refused(slot, f"writes a record at offset {pos} whose name is empty or holds "
                           "'/' (no directory entry is named so)")
        if reclen == 0:
            break
        pos += reclen
