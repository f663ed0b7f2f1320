"""`return.range_table`: a successful call's answer lies in the range Linux keeps it in.

The ranges are facts about Linux, stated per call and per command in `abi.value_ranges`
(the result's range, each output field's, their relations to the call's arguments and to
what the program holds: a descriptor's access mode, the caller's thread id); this module
only reads the answer and holds it to its row.  An error result is judged only by a row's
`Errors` term (`return.errno_set`): the errnos Linux's code for the call can return there;
a call without one may fail with any errno.  The terms that read more than the answer
(fields, names, lists, what the program holds: `Held`) are result_terms.py's.
"""

from __future__ import annotations

import struct

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.outputs import ALL_NUMBERS
from abi.value_ranges import (
    AMBIENT_RAISED,
    BY_COMMAND,
    CAPBSET_DROPPED,
    FUTEX_PRIVATE_FLAG,
    FUTEX_TID_MASK,
    KEEPCAPS,
    MEMBARRIER_REGS,
    NO_NEW_PRIVS,
    O_ACCMODE,
    PDEATH_SIGNAL,
    RSEQ_AREA,
    SECUREBITS,
    SECUREBITS_RESET,
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
    OnSocket,
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
from guardian.result_reads import read_or_fault
from guardian.result_terms import (
    NAMES,
    Held,
    check_dirent_types,
    check_field,
    check_file_type,
    check_group_child,
    check_kept,
    check_membarrier_registered,
    check_owner_unset,
    check_result,
    check_saved_auxv,
    check_socket_facts,
    check_trunc_full,
    check_unix_name,
    check_vma_name,
    check_waitid_child,
    note_set,
    refused,
    s32,
    s64,
)
from guardian.slots import Slot
from guardian.user_memory import UserMemory

#: Every call some row names (plain or by command).
CALLS = frozenset(ALL_NUMBERS[n] for n in (*_ROW_CALLS, *BY_COMMAND) if n in ALL_NUMBERS)
#: Calls whose row judges only their failures (getpid, sched_yield ...): a success of
#: one needs no `check_table`.
ERRORS_ONLY = frozenset(ALL_NUMBERS[n] for n in _ROW_CALLS if n in ALL_NUMBERS
                        and n not in BY_COMMAND and not success_row_for(n, (0,) * 6))
_NR_PRCTL = ALL_NUMBERS["prctl"]
#: the facts of the sets a securebits lock refuses (PR_SET_KEEPCAPS, PR_SET_SECUREBITS)
_LOCKABLE = frozenset({KEEPCAPS, SECUREBITS_RESET})
_CAP_NEEDED = frozenset({CAPBSET_DROPPED, AMBIENT_RAISED})


def check_table(memory: UserMemory, slot: Slot, ret: int, held: Held) -> None:
    """`return.range_table` for a call `CALLS` names (`return.errno_set` for an error)."""
    if slot.nr is None:
        return
    name = NAMES.get(slot.nr)
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
            check_result(slot, s64(ret), term)
        elif isinstance(term, AtMost):
            most = sum(max(term.floor, s32(a[i])) for i in term.args) - term.less
            if ret > most:
                refused(slot, f"answers {ret}, more than the {most} its arguments allow")
        elif isinstance(term, Field):
            check_field(memory, slot, ret, term)
        elif isinstance(term, FieldAtMost):
            if a[term.arg]:
                part, whole = (struct.unpack("<Q", read_or_fault(memory, slot, a[term.arg] + off,
                                                                 8))[0]
                               for off in (term.offset, term.bound))
                if part > whole:
                    refused(slot, f"writes a value at offset {term.offset} larger than the "
                                   f"one at offset {term.bound} it is a part of")
        elif isinstance(term, MaskNotEmpty):
            if a[term.arg] and ret and not any(read_or_fault(memory, slot, a[term.arg], ret)):
                refused(slot, "writes an empty CPU mask")
        elif isinstance(term, DirentTypes):
            check_dirent_types(memory, slot, ret, a[term.arg])
        elif isinstance(term, AccessMode):
            mode = held.access(slot, a[term.fd_arg] & 0xFFFF_FFFF)
            if mode is not None and ret & O_ACCMODE != mode:
                refused(slot, f"answers access mode {ret & O_ACCMODE} for descriptor "
                               f"{a[term.fd_arg] & 0xFFFF_FFFF}, opened with {mode}")
        elif isinstance(term, Text):
            if a[term.arg]:
                raw = read_or_fault(memory, slot, a[term.arg] + term.offset, term.size)
                text = raw.split(b"\0", 1)[0]
                if text not in term.values:
                    # The text's length only: its bytes may be the program's own.
                    refused(slot, f"writes a {len(text)}-byte text at offset {term.offset}, "
                                   f"not one of {sorted(term.values)}")
        elif isinstance(term, FileType):
            check_file_type(memory, slot, term, held.maker)
        elif isinstance(term, NoNul):
            if a[term.arg] and 0 < ret <= 1 << 16 and \
                    b"\0" in read_or_fault(memory, slot, a[term.arg], ret):
                refused(slot, f"answers {ret} bytes with a NUL among them")
        elif isinstance(term, NulEnded):
            if a[term.arg] and a[term.size_arg] and 0 < ret <= 1 << 16 and \
                    read_or_fault(memory, slot, a[term.arg] + ret - 1, 1) != b"\0":
                refused(slot, f"answers a {ret}-byte list of names whose last byte is no NUL")
        elif isinstance(term, NamedChild):
            pid = s32(a[term.pid_arg])
            if pid > 0 and ret and ret != pid:
                refused(slot, f"reports child {ret} to a wait for child {pid}")
        elif isinstance(term, GroupChild):
            pid = s32(a[term.pid_arg])
            if ret and (pid == 0 or pid < -1):
                check_group_child(slot, -pid, ret, held)
        elif isinstance(term, WaitidChild):
            check_waitid_child(memory, slot, held)
        elif isinstance(term, OwnerUnset):
            check_owner_unset(memory, slot, ret, held, term)
        elif isinstance(term, OnSocket):
            if held.socket(slot, a[term.fd_arg] & 0xFFFF_FFFF) is not None:
                _check_terms(memory, slot, ret, held, name, term.terms)
        elif isinstance(term, SocketFacts):
            check_socket_facts(memory, slot, held.socket(slot, a[term.fd_arg] & 0xFFFF_FFFF),
                                held)
        elif isinstance(term, UnixName):
            check_unix_name(memory, slot, term, held.socket(slot, a[term.fd_arg] & 0xFFFF_FFFF))
        elif isinstance(term, TruncFull):
            check_trunc_full(memory, slot, ret, term)
        elif isinstance(term, SealsKept):
            known = held.seals(slot, a[term.fd_arg] & 0xFFFF_FFFF)
            if known is not None and ret & known != known:
                refused(slot, f"answers seals {ret:#x}, without {known & ~ret:#x} the memfd "
                               "holds (a seal is never removed)")
        elif isinstance(term, Keeps):
            if term.fact == MEMBARRIER_REGS:
                check_membarrier_registered(slot, held)
            elif term.fact == NO_NEW_PRIVS and \
                    held.stated.of_thread(slot).get(NO_NEW_PRIVS) == 0:
                # (the launch's bit, never set since: a filter may answer, or a TSYNC
                # put it on the thread: seccomp_sync_threads())
                if not held.filtered(slot):
                    launch_facts.check_no_new_privs(slot, s64(ret))
            elif term.fact in prctl_state.FACTS:
                # A seccomp filter may have answered the set (or this call) for Linux;
                # another thread's prctl in flight may have changed the mm's bits.
                if not held.filtered(slot) and not held.racing(slot):
                    check_kept(memory, slot, name, s64(ret), term.fact, held.stated)
            else:
                check_kept(memory, slot, name, s64(ret), term.fact, held.stated,
                            term.fact == RSEQ_AREA and held.fork_thread(slot))
        elif isinstance(term, Sets):
            if term.fact in prctl_state.FACTS and not held.filtered(slot) and \
                    not held.racing(slot):
                why = prctl_state.set_refused(held.stated, slot, term.fact)
                if why:
                    refused(slot, why)
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
                note_set(memory, slot, ret, term.fact, held.stated)
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
            check_saved_auxv(memory, slot, ret, term, held.auxv(slot))
        elif isinstance(term, Woken):
            if a[1] & FUTEX_PRIVATE_FLAG and held.futex_wakers(slot) == 0:
                refused(slot, "answers 0 (woken), but no other thread of the address space "
                               "was in a call that wakes a futex waiter at its entry or began "
                               "one since")
        elif isinstance(term, Waiters):
            if a[1] & FUTEX_PRIVATE_FLAG:
                waiting = held.futex_waiters(slot)
                if ret > waiting:
                    refused(slot, f"answers {ret} woken, but at most {waiting} other threads "
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
                refused(slot, f"succeeds with argument {term.arg} {a[term.arg]:#x}, which "
                               f"sets bits outside {term.allowed:#x}")
        elif isinstance(term, ArgNotAbove):
            # (close_range: SYSCALL_DEFINE3(close_range) -EINVAL for fd > max_fd; a
            # filter's SECCOMP_RET_ERRNO 0 answers 0 without the test)
            if not _met(term, a) and not held.filtered(slot):
                refused(slot, f"succeeds with argument {term.arg} {a[term.arg] & 0xFFFF_FFFF}"
                               f" above argument {term.bound_arg} "
                               f"{a[term.bound_arg] & 0xFFFF_FFFF} (unsigned ints: -EINVAL)")
        elif isinstance(term, ArgIn):
            if a[term.arg] not in term.values:
                refused(slot, f"succeeds with argument {term.arg} {a[term.arg]:#x}, not one "
                               f"of {sorted(term.values)}")
        elif isinstance(term, VmaName):
            check_vma_name(memory, slot, a[term.arg])
        elif isinstance(term, WhenArg):
            if a[term.arg] in term.values:
                _check_terms(memory, slot, ret, held, name, term.terms)
        elif isinstance(term, NoWriteExec):
            if not held.filtered(slot) and not held.racing(slot) and \
                    prctl_state.write_exec_denied(held.stated, slot, name,
                                                  held.may_exec(slot, name)):
                refused(slot, "makes a writable, executable mapping (or makes an area "
                               "executable), but the process's MDWE "
                               "(PR_MDWE_REFUSE_EXEC_GAIN) refuses one (-EACCES)")
            prctl_state.note_write_exec(held.stated, slot)
        elif isinstance(term, ResultIn):
            if ret not in term.values:
                refused(slot, f"answers {ret:#x}, not one of {sorted(term.values)}")
        elif isinstance(term, WithoutCap):
            if not held.caps(slot)[term.word - 1] & term.bits:
                cap = "AT_HWCAP" if term.word == 1 else "AT_HWCAP2"
                if not term.terms:
                    refused(slot, f"succeeds, though the program's {cap} has none of "
                                   f"{term.bits:#x}: without that capability it fails")
                _check_terms(memory, slot, ret, held, name, term.terms)
        elif isinstance(term, OwnsLock):
            tid = held.tid(slot)
            word = struct.unpack("<I", read_or_fault(memory, slot, a[term.arg], 4))[0]
            if tid is not None and word & FUTEX_TID_MASK != tid:
                refused(slot, f"takes the lock at {a[term.arg]:#x} for thread {tid}, yet the "
                               "lock word names another owner")


