"""The terms of `return.range_table`'s rows that need more than a comparison: each reads
the answer's fields, names, lists or the facts the program holds (`Held`) and refuses one
Linux never gives.  result_table.py walks a call's row and calls these; the rows
themselves are `abi.value_ranges`' facts.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from abi import Status
from abi.layout import PER_CLEAR_ON_SETID
from abi.outputs import ALL_NUMBERS
from abi.value_ranges import (
    AF_UNIX,
    AT_EMPTY_PATH,
    COMM,
    DT_TYPES,
    DUMPABLE,
    INODE,
    MEMBARRIER_NEEDS,
    MEMBARRIER_REGS,
    MSG_TRUNC,
    NO_NEW_PRIVS,
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
    Field,
    FileType,
    OwnerUnset,
    Result,
    SavedAuxv,
    TruncFull,
    UnixName,
)
from guardian import (
    launch_facts,
    prctl_state,
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

#: Each call's name by its number (the reasons name the call).
NAMES = {nr: name for name, nr in ALL_NUMBERS.items()}
_DIRENT_HEAD = 19                       # d_ino, d_off, d_reclen, d_type

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


def s64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def s32(v: int) -> int:
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def refused(slot: Slot, why: str) -> None:
    """Refuse with `why`: it names lengths, offsets, ranges and what the Guardian knows,
    never a value read from the program's memory (the answer there may be its own bytes,
    and the reason goes into the trace)."""
    refuse("return.range_table", Status.ERR_DENIED,
           f"{NAMES.get(slot.nr or 0, slot.nr)} {why}: Linux never gives that answer "
           "(abi/value_ranges), and the program would act on it")


ANON_VMA_NAME_MAX_LEN = 80
_VMA_NAME_BAD = frozenset(b"\\`$[]")


def check_vma_name(memory: UserMemory, slot: Slot, va: int) -> None:
    """A name PR_SET_VMA_ANON_NAME accepts: none, or fewer than 80 printable bytes
    without \\ ` $ [ ] (strndup_user() and is_valid_name_char())."""
    if not va:
        return
    for i in range(ANON_VMA_NAME_MAX_LEN):
        byte = read_or_fault(memory, slot, va + i, 1)[0]
        if byte == 0:
            return
        if not 0x20 <= byte <= 0x7E or byte in _VMA_NAME_BAD:
            refused(slot, f"accepts an area name whose byte {i} is not a printable character "
                           "other than \\ ` $ [ ]")
    refused(slot, f"accepts an area name of {ANON_VMA_NAME_MAX_LEN} bytes or more")


def check_result(slot: Slot, ret: int, term: Result) -> None:
    value = ret & term.mask if term.mask != -1 else ret
    if ret & ~term.mask & ~term.flags:
        refused(slot, f"answers {ret:#x}, with bits outside {term.mask | term.flags:#x}")
    if not term.lo <= value <= term.hi or value % term.step:
        refused(slot, f"answers {value}, outside {term.lo}..{term.hi}"
                       + (f" in steps of {term.step}" if term.step > 1 else ""))
    if term.pow2_of:
        units, rest = divmod(value, term.pow2_of)
        if rest or units & (units - 1):
            refused(slot, f"answers {value}, not a power of two times {term.pow2_of}")


def check_file_type(memory: UserMemory, slot: Slot, term: FileType, maker_of: MakerOf) -> None:
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
        refused(slot, f"reports another file type than {want:#o}, the type of the "
                       "descriptor by the call that made it")


def note_set(memory: UserMemory, slot: Slot, ret: int, fact: str,
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


def check_kept(memory: UserMemory, slot: Slot, name: str, ret: int, fact: str,
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
            refused(slot, "reports another device or inode than it first reported for "
                           "this open file (an open file's inode never changes)")
        return
    if fact in prctl_state.FACTS:
        if fact == DUMPABLE and launch_facts.check_dumpable(stated.launch, stated, slot, ret):
            return                      # (commit_creds()'s suid_dumpable)
        why = prctl_state.answer_refused(stated, slot, fact, ret)
        if why:
            refused(slot, why)
        known = prctl_state.kept(stated, slot, fact)
        if known is not None and fact == SUBREAPER:
            # (the word is not quoted: it may be the program's own bytes)
            if s32(int.from_bytes(read_or_fault(memory, slot, a[1], 4), "little")) != known:
                refused(slot, f"stores another value than {known}, the state the call that "
                               "last set it left")
        elif known is not None and ret != known:
            refused(slot, f"answers {ret}, but the caller's state is {known}, as the call "
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
            check_rseq(slot, want)     # type: ignore[arg-type]
        return
    if want is None:
        return                          # never set where the Guardian saw it
    if fact in (PIPE_SIZE, NO_NEW_PRIVS, PERSONA, THP_DISABLE):
        got = ret
    elif fact == PDEATH_SIGNAL:
        got = s32(int.from_bytes(read_or_fault(memory, slot, a[1], 4), "little"))
    elif fact == COMM:
        got = read_or_fault(memory, slot, a[1], 16).split(b"\0", 1)[0] if a[1] else want
    elif fact == ROBUST_LIST:
        if s32(a[0]) or not a[1] or not a[2]:
            return                      # another thread's list, or nowhere to report it
        got = (u64(memory, slot, a[1]), u64(memory, slot, a[2]))
    else:                               # TID_ADDRESS
        got = u64(memory, slot, a[1]) if a[1] else want
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
        refused(slot, f"reports another {fact} than the program set or its thread started "
                       "with (only its own calls, the execve that started its image, or the "
                       "clone that made the thread, copying its creator's, set it)")


def check_membarrier_registered(slot: Slot, held: Held) -> None:
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
        refused(slot, f"succeeds without the process's registration {need:#x} "
                       "(Linux answers -EPERM until it registers)")


RSEQ_FLAG_UNREGISTER = 1


def check_rseq(slot: Slot, registered: int) -> None:
    """rseq() succeeds in registering only where the thread has no area, and in
    unregistering only the area it has (kernel/rseq.c: -EINVAL, or -EBUSY for the same
    area twice)."""
    area = slot.args[0]
    if slot.args[2] & RSEQ_FLAG_UNREGISTER:
        if registered != area:
            refused(slot, f"unregisters the area at {area:#x}, but the thread's registered "
                           "area is " + (f"at {registered:#x}" if registered else "none"))
    elif registered:
        refused(slot, f"registers an area at {area:#x} while the thread has one at "
                       f"{registered:#x} (Linux answers -EBUSY or -EINVAL)")


def u64(memory: UserMemory, slot: Slot, va: int) -> int:
    return struct.unpack("<Q", read_or_fault(memory, slot, va, 8))[0]


def check_saved_auxv(memory: UserMemory, slot: Slot, ret: int, term: SavedAuxv,
                      pairs: tuple[tuple[int, int], ...]) -> None:
    if not pairs:
        return
    saved = b"".join(struct.pack("<QQ", k, v) for k, v in pairs)
    if ret < len(saved):
        refused(slot, f"answers {ret}, less than the {len(saved)} bytes of the vector exec "
                       "built")
    n = min(ret, slot.args[term.len_arg])
    if n and slot.args[term.arg]:
        got = read_or_fault(memory, slot, slot.args[term.arg], n)
        if got != saved.ljust(n, b"\0")[:n]:
            refused(slot, "copies another auxiliary vector than the one exec built")


def check_socket_facts(memory: UserMemory, slot: Slot,
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
            refused(slot, "reports a pid for SO_PEERCRED that is not the one of the process "
                           "that made the pair" + (f" ({told})" if told is not None else ""))
        return
    want = {SO_TYPE: kind, SO_DOMAIN: domain, SO_PEERCRED: maker}.get(opt)
    if not want:
        return
    got = struct.unpack("<i", read_or_fault(memory, slot, a[3], 4))[0]
    if got != want:
        refused(slot, f"reports another value for socket option {opt} than the {want} "
                       "the socket was made with")


def check_group_child(slot: Slot, group: int, child: int, held: Held) -> None:
    """A wait for process group `group` (0: the caller's own) reports `child`: a child of
    that group, where the Guardian knows both groups."""
    want = held.group(slot, 0) if group == 0 else group
    has = held.group(slot, child)
    if want is not None and has is not None and has != want:
        refused(slot, f"reports a child of another process group than {want} to a wait "
                       "for the children of that group")


def check_unix_name(memory: UserMemory, slot: Slot, term: UnixName,
                     sock: tuple[int, int, int] | None) -> None:
    a = slot.args
    if sock is None or sock[0] != AF_UNIX or not a[term.len_arg]:
        return
    room = room_passed(memory, slot, a[term.addr_arg], a[term.len_arg]) \
        if a[term.addr_arg] else 0
    size = struct.unpack("<I", read_or_fault(memory, slot, a[term.len_arg], 4))[0]
    if not SA_FAMILY_SIZE <= size <= SOCKADDR_UN_SIZE:
        refused(slot, "reports an AF_UNIX address length outside "
                       f"{SA_FAMILY_SIZE}..{SOCKADDR_UN_SIZE}")
    if room >= SA_FAMILY_SIZE:
        family = struct.unpack("<H", read_or_fault(memory, slot, a[term.addr_arg], 2))[0]
        if family != AF_UNIX:
            refused(slot, "reports another family than AF_UNIX for an AF_UNIX socket")


def check_owner_unset(memory: UserMemory, slot: Slot, ret: int, held: Held,
                      term: OwnerUnset) -> None:
    """f_getown() / f_getown_ex() / F_GETSIG of an open file whose owner (and signal) no
    holder set: 0 (the fown_struct is zeroed, file_f_owner() NULL from 6.12; only
    f_setown(), __f_setown() and F_SETSIG store into it)."""
    if not held.owner_unset(slot, slot.args[term.fd_arg] & 0xFFFF_FFFF):
        return
    if term.arg < 0:
        value = s64(ret)
    elif ret != 0 or not slot.args[term.arg]:
        return
    else:
        value = struct.unpack("<i", read_or_fault(memory, slot, slot.args[term.arg]
                                                  + term.offset, 4))[0]
    if value:
        refused(slot, f"answers owner {value} for an open file whose owner (and signal) the "
                       "program never set")


def check_trunc_full(memory: UserMemory, slot: Slot, ret: int, term: TruncFull) -> None:
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
        refused(slot, f"marks MSG_TRUNC yet returns {ret} of the {total} bytes the buffer "
                       "holds (a message is cut only when it fills the buffer)")


def check_waitid_child(memory: UserMemory, slot: Slot, held: Held) -> None:
    """waitid(P_PID, id, &info, ...): a report (si_signo set) names child `id`; with
    P_PIDFD, the child the pidfd names; with P_PGID, a child of group `id`."""
    a = slot.args
    idtype = a[0] & 0xFFFF_FFFF
    if idtype == P_PGID and a[2]:
        signo, = struct.unpack("<i", read_or_fault(memory, slot, a[2], 4))
        pid, = struct.unpack("<i", read_or_fault(memory, slot, a[2] + 16, 4))
        if signo and pid > 0:
            check_group_child(slot, s32(a[1]), pid, held)
        return
    want = s32(a[1]) if idtype == P_PID else \
        held.pidfd(slot, a[1] & 0xFFFF_FFFF) if idtype == P_PIDFD else 0
    if not want or not a[2]:
        return
    signo, = struct.unpack("<i", read_or_fault(memory, slot, a[2], 4))
    pid, = struct.unpack("<i", read_or_fault(memory, slot, a[2] + 16, 4))
    if signo and pid != want:
        refused(slot, f"reports another child to a waitid for child {want}")


def check_field(memory: UserMemory, slot: Slot, ret: int, term: Field) -> None:
    va = slot.args[term.arg]
    if not va or not term.returned(ret):
        return                          # an output not asked for, or not written
    size = struct.calcsize(term.fmt)
    value = struct.unpack(term.fmt, read_or_fault(memory, slot, va + term.offset, size))[0]
    if not term.allows(value, ret):
        where = term.what or f"offset {term.offset} of its output"
        refused(slot, f"writes {where} not {term.expected()}")


def check_dirent_types(memory: UserMemory, slot: Slot, ret: int, buf: int) -> None:
    """Each record's d_type (the record layout itself is `return.record_layout`'s)."""
    if not buf or not ret:
        return
    raw = read_or_fault(memory, slot, buf, ret)
    pos = 0
    while pos + _DIRENT_HEAD <= ret:
        reclen = struct.unpack_from("<H", raw, pos + 16)[0]
        d_type = raw[pos + 18]
        if d_type not in DT_TYPES:
            refused(slot, f"writes a d_type at offset {pos + 18} that is no DT_* value")
        name = raw[pos + _DIRENT_HEAD:pos + max(reclen, _DIRENT_HEAD)].split(b"\0", 1)[0]
        if not name or b"/" in name:
            refused(slot, f"writes a record at offset {pos} whose name is empty or holds "
                           "'/' (no directory entry is named so)")
        if reclen == 0:
            break
        pos += reclen
