"""Iago results about the program's own buffers, judged by the output contract.

A success result tells the program what the kernel put in the memory it handed over:
uname() answering 0 means the utsname was filled in, getgroups() answering 3 means three
ids arrived, recvmsg's msg_controllen says how much control data there is.  A kernel that
answers without writing, or reports more than the room given, makes the program pass the
buffer's old contents (a secret, when memory is reused) off as the answer.  What Linux
writes is stated once, per call, in `abi.outputs.OUTPUTS`; the checks here are derived
from it and from the writes the kernel made through the call's capabilities
(`Slot.written`):

- `return.output_written`: every output the contract says a result means was written
  during the call, whole (fixed structs, counted records, the length words of a
  value-result, the bytes those lengths report, recvmsg's header fields);
- `return.count_bound`: a count of records is at most the room the program gave;
- `return.value_length`: a length written back stays within what was passed (an address
  length within a sockaddr_storage: Linux reports a truncated name's full length);
- `return.string_nul`: a name Linux NUL-terminates has its NUL where the contract says;
- `return.no_contract`: a call (or a multiplexed call's command) the contract has no row
  for, or one whose success it cannot judge (`NoSuccess`), answers only an error.  The
  contract is an allow-list: a success nobody stated the outputs of is refused, so a call
  or command added to the kernel without its row cannot leak the buffer's old bytes.

"The length the program passed" is the write capability the Guardian derived from it
before the kernel touched anything; the msghdr fields holding pointers are read-only to
the kernel (abi/outputs' Message term, guardian/capabilities), so they still name what
the program passed.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi import Status
from abi.descriptors import O_RDWR, O_WRONLY
from abi.layout import EINTR_RESULT, ERRNO_FLOOR, MSG_TRUNC, UIO_MAXIOV
from abi.outputs import ALL_NUMBERS as _ALL_NUMBERS
from abi.outputs import (
    ANY,
    CAPGET_V1,
    CAPGET_V1_SIZE,
    EINTR,
    OK,
    OUTPUTS,
    POSITIVE,
    REPORTED,
    SOCKADDR_STORAGE,
    WHERE_WRITTEN,
    WNOHANG,
    Copied,
    Fixed,
    Handle,
    Message,
    NoWrite,
    NulString,
    Records,
    Reported,
    SpliceTo,
    Term,
    Varies,
    contract,
)
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.result_bounds import reported, unwritten
from guardian.result_reads import (
    count_within,
    length_within,
    need_written,
    read_or_fault,
    room_passed,
    u32_at,
    u64_at,
)
from guardian.result_values import check_cmsg_layout, check_values
from guardian.slots import Slot
from guardian.user_memory import UserMemory

_MSG_NAMELEN, _MSG_IOV, _MSG_CONTROL, _MSG_CONTROLLEN, _MSG_FLAGS = 8, 16, 32, 40, 48
_MMSG, _MMSG_LEN = 64, 56
_CMSG_HDR = 16                 # struct cmsghdr: cmsg_len (8), cmsg_level, cmsg_type
_HANDLE_HEADER, _MAX_HANDLE_SZ = 8, 128     # struct file_handle: handle_bytes, handle_type
_NR_CAPGET = NUMBERS["capget"]
_NR_RECVMMSG = NUMBERS["recvmmsg"]

#: syscall number -> its contract terms (every number the table names, private ones too).
BY_NR: dict[int, tuple[Term, ...]] = {_ALL_NUMBERS[name]: terms for name, terms in OUTPUTS.items()}
#: The calls `check_outputs` has nothing to judge for: rows of `NoWrite` and `Varies` terms
#: only.  Every other number -- a call with outputs, a multiplexed call, one with no row --
#: is judged (the return path asks by number: `nr not in UNJUDGED`).
UNJUDGED = frozenset(nr for nr, terms in BY_NR.items()
                     if all(isinstance(t, (NoWrite, Varies)) for t in terms))
_NO_ROW = "no row in the output contract (abi/outputs)"
#: (slot, fd) -> the O_ACCMODE the calling thread's descriptor was opened with (None: not
#: known): which way vmsplice moves bytes.
AccessOf = Callable[[Slot, int], "int | None"]


def _size(spec: object, args: tuple[int, ...]) -> int:
    if isinstance(spec, int):
        return spec
    assert isinstance(spec, tuple)
    kind, i = spec[0], spec[1]
    if kind == "pages":
        return -(-args[i] // 4096)
    if kind == "min_arg":
        return min(args[i], spec[2])
    if kind == "arg*":
        return args[i] * spec[2]
    if kind == "bits":                       # a node mask: whole longs of maxnode - 1 bits
        return (max(args[i] - 1, 0) + 63) // 64 * 8
    return args[i]


def _holds(memory: UserMemory, fixed: Fixed, slot: Slot, ret: int) -> bool:
    """Whether this result means Linux wrote the output."""
    if fixed.unless_flag is not None and slot.args[fixed.unless_flag[0]] & fixed.unless_flag[1]:
        return False
    if fixed.when == EINTR:
        return ret == EINTR_RESULT
    if fixed.when == WHERE_WRITTEN:
        base = slot.args[fixed.arg]
        end = base + _size(fixed.size, slot.args)
        return any(s < end and base < e for s, e in slot.written)
    if ret >= ERRNO_FLOOR:
        return False
    if fixed.when == REPORTED:          # waitid: x2 its siginfo, x3 its options
        info = slot.args[2]
        return ret == 0 and (not slot.args[3] & WNOHANG
                             or bool(info and u32_at(memory, slot, info)))
    return {OK: ret == 0, POSITIVE: ret > 0, ANY: True}[fixed.when]


# --- the four checks ---------------------------------------------------------------------


def _fixed_spans(memory: UserMemory, slot: Slot, term: Fixed) -> list[tuple[int, int]]:
    base = slot.args[term.arg]
    size = _size(term.size, slot.args)
    hdr = slot.args[0]
    if slot.nr == _NR_CAPGET and hdr and u32_at(memory, slot, hdr) == CAPGET_V1 and \
            unwritten(slot.written, [(hdr, hdr + 4)]) is not None:
        size = CAPGET_V1_SIZE             # the version the program asked for: one struct
    if term.spans:
        return [(base + off, base + off + n) for off, n in term.spans]
    return [(base, base + size)]


def check_records(memory: UserMemory, slot: Slot, ret: int, terms: list[object]) -> None:
    """`return.count_bound` and `return.output_written` for counted records."""
    if ret >= ERRNO_FLOOR:
        return
    for term in terms:
        if isinstance(term, Records):
            count = slot.args[term.count_arg]
            if term.probe and count == 0:
                continue                      # the program asked for the number only
            count_within(slot, "records", ret, min(count * term.scale, term.limit))
            buf = slot.args[term.arg]
            if term.written and ret and buf:
                need_written(slot, [(buf, buf + term.header + ret * term.elem)],
                             f"{ret} records")
        elif isinstance(term, Message) and term.many:
            count_within(slot, "messages", ret, min(slot.args[2] & 0xFFFF_FFFF, UIO_MAXIOV))


def held_outputs(memory: UserMemory, slot: Slot, ret: int, terms: list[object]) -> list[Fixed]:
    """The fixed outputs this result says were written (a NULL one was not asked for)."""
    return [t for t in terms if isinstance(t, Fixed) and slot.args[t.arg]
            and _holds(memory, t, slot, ret)]


def check_written(memory: UserMemory, slot: Slot, ret: int, held: list[Fixed]) -> None:
    """`return.output_written` for fixed outputs."""
    want = [span for term in held for span in _fixed_spans(memory, slot, term)]
    if want:
        need_written(slot, want, f"{ret:#x}")


def _reported(memory: UserMemory, slot: Slot, term: Reported) -> None:
    buf, lenp = slot.args[term.buf_arg], slot.args[term.len_arg]
    if not buf or not lenp:
        return                                # no value asked for
    need_written(slot, [(lenp, lenp + 4)], "success without writing back the length")
    passed = room_passed(memory, slot, buf, lenp)
    new = u32_at(memory, slot, lenp)
    length_within(slot, "bytes of value", new, passed if term.cut else SOCKADDR_STORAGE)
    need_written(slot, [(buf, buf + min(new, passed))], f"a length of {new:#x}")


def _iov_total(memory: UserMemory, slot: Slot, hdr: int) -> tuple[int, list[tuple[int, int]]]:
    iov, count = struct.unpack("<QQ", read_or_fault(memory, slot, hdr + _MSG_IOV, 16))
    if not count or count > UIO_MAXIOV:
        return 0, []
    raw = read_or_fault(memory, slot, iov, 16 * count)
    vecs = [struct.unpack_from("<QQ", raw, 16 * i) for i in range(count)]
    return sum(n for _, n in vecs), vecs


def _first_bytes(vecs: list[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    out = []
    for base, length in vecs:
        if n <= 0:
            break
        take = min(n, length)
        out.append((base, base + take))
        n -= take
    return out


def _message(memory: UserMemory, slot: Slot, hdr: int, flags: int) -> None:
    """One received msghdr: its length fields written back, within what was passed, and
    the name and control bytes they report written."""
    need_written(slot, [(hdr + _MSG_CONTROLLEN, hdr + _MSG_FLAGS + 4)],
                 "a message without writing back msg_controllen and msg_flags")
    name, control = u64_at(memory, slot, hdr), u64_at(memory, slot, hdr + _MSG_CONTROL)
    if name:
        need_written(slot, [(hdr + _MSG_NAMELEN, hdr + _MSG_NAMELEN + 4)],
                     "a message without writing back msg_namelen")
        namelen = u32_at(memory, slot, hdr + _MSG_NAMELEN)
        length_within(slot, "bytes of msg_namelen", namelen, SOCKADDR_STORAGE)
        need_written(slot, [(name, name + min(namelen, room_passed(memory, slot, name, None)))],
                     f"a msg_namelen of {namelen:#x}")
    controllen = u64_at(memory, slot, hdr + _MSG_CONTROLLEN)
    length_within(slot, "bytes of msg_controllen", controllen,
                  room_passed(memory, slot, control, None) if control else 0)
    if controllen:
        if unwritten(slot.written, [(control, control + 8)]) is None:
            check_cmsg_layout(memory, slot, control, controllen)
        need_written(slot, _cmsgs(memory, slot, control, controllen),
                     f"a msg_controllen of {controllen:#x}")


def _cmsgs(memory: UserMemory, slot: Slot, control: int, length: int) -> list[tuple[int, int]]:
    """The bytes of each control message within `length`, walked as CMSG_NXTHDR does:
    Linux writes each header and its data, not the padding to the next 8-byte boundary."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while pos + _CMSG_HDR <= length:
        spans.append((control + pos, control + pos + 8))
        if unwritten(slot.written, spans[-1:]) is not None:
            break                             # the length word itself: reported unwritten
        cmsg_len = u64_at(memory, slot, control + pos)
        if cmsg_len < _CMSG_HDR:
            break
        spans.append((control + pos, control + min(pos + cmsg_len, length)))
        pos += (cmsg_len + 7) & ~7
    return spans


def check_lengths(memory: UserMemory, slot: Slot, ret: int, terms: list[object]) -> None:
    """`return.value_length` (and `return.output_written` for what the lengths report)."""
    if ret >= ERRNO_FLOOR:
        return
    for term in terms:
        if isinstance(term, Reported):
            if term.cut and ret != 0:
                continue
            _reported(memory, slot, term)
        elif isinstance(term, Message):
            base = slot.args[term.arg]
            if not term.many:
                _message(memory, slot, base, slot.args[2])
                continue
            for i in range(ret):
                entry = base + _MMSG * i
                need_written(slot, [(entry + _MMSG_LEN, entry + _MMSG_LEN + 4)],
                             f"{ret} messages without writing message {i}'s msg_len")
                if not term.receive:
                    continue
                _message(memory, slot, entry, slot.args[3])
                total, vecs = _iov_total(memory, slot, entry)
                got = u32_at(memory, slot, entry + _MMSG_LEN)
                if not slot.args[3] & MSG_TRUNC:
                    length_within(slot, f"bytes in message {i}", got, total)
                need_written(slot, _first_bytes(vecs, min(got, total)),
                             f"a msg_len of {got:#x} for message {i}")


def check_strings(memory: UserMemory, slot: Slot, ret: int, terms: list[object]) -> None:
    """`return.string_nul`: each name Linux NUL-terminates has its NUL."""
    if ret >= ERRNO_FLOOR:
        return
    for term in terms:
        if not isinstance(term, NulString) or not slot.args[term.arg]:
            continue
        base = slot.args[term.arg]
        if term.fields is None:               # the result counts the string and its NUL
            if ret == 0 or read_or_fault(memory, slot, base + ret - 1, 1) != b"\0":
                refuse("return.string_nul", Status.ERR_DENIED,
                       f"syscall {slot.nr} reports a {ret:#x}-byte name that does not end "
                       "with its NUL: the program would read on past it")
            continue
        for off, n in term.fields:
            if b"\0" not in read_or_fault(memory, slot, base + off, n):
                refuse("return.string_nul", Status.ERR_DENIED,
                       f"syscall {slot.nr} answered with the {n}-byte name at "
                       f"{base + off:#x} holding no NUL: the program would read on past it")


def check_no_contract(slot: Slot, ret: int, why: str) -> None:
    """`return.no_contract`: a call or command without a stated output answers an error."""
    if ret < ERRNO_FLOOR:
        refuse("return.no_contract", Status.ERR_DENIED,
               f"syscall {slot.nr} answered {ret:#x}, a success, but {why}: nothing says "
               "what it wrote, so the program would take its buffer's old bytes for the "
               "answer (only an error is within the contract)")


def check_copied(slot: Slot, ret: int, terms: list[object]) -> None:
    """`return.output_written` for a value whose full length is the answer (PR_GET_AUXV,
    KEYCTL_READ) and for name_to_handle_at's handle and mount id."""
    if ret >= ERRNO_FLOOR:
        return
    for term in terms:
        if isinstance(term, Copied):
            buf, room = slot.args[term.buf_arg], slot.args[term.len_arg]
            if buf and room and ret:
                need_written(slot, [(buf, buf + min(ret, room))],
                             f"a {ret:#x}-byte value")


def check_handle(memory: UserMemory, slot: Slot, ret: int, terms: list[object]) -> None:
    """name_to_handle_at: the struct file_handle header (handle_bytes, handle_type), the
    handle_bytes it reports (at most MAX_HANDLE_SZ) and the mount id, all written."""
    if ret >= ERRNO_FLOOR:
        return
    for term in terms:
        if isinstance(term, Handle):
            handle, mount = slot.args[term.arg], slot.args[term.mount_arg]
            need_written(slot, [(handle, handle + _HANDLE_HEADER), (mount, mount + 4)],
                         "a file handle")
            size = u32_at(memory, slot, handle)
            length_within(slot, "bytes of handle", size, _MAX_HANDLE_SZ)
            need_written(slot, [(handle, handle + _HANDLE_HEADER + size)],
                         f"a {size:#x}-byte handle")


def check_spliced(memory: UserMemory, slot: Slot, ret: int, terms: list[object],
                  access_of: AccessOf | None) -> None:
    """`return.count_written` for vmsplice: a descriptor opened for writing (a pipe's write
    end) takes the program's bytes, and nothing is written; any other (a read end, or one
    the Guardian does not know) moves the pipe's bytes into the iovecs, so a count of n
    means the first n bytes across them were written, as for readv."""
    if ret >= ERRNO_FLOOR or ret == 0:
        return
    for term in terms:
        if not isinstance(term, SpliceTo):
            continue
        access = access_of(slot, slot.args[term.fd_arg]) if access_of is not None else None
        if access in (O_WRONLY, O_RDWR):
            continue
        gap = unwritten(slot.written, reported(memory, slot, ret))
        if gap is not None:
            refuse("return.count_written", Status.ERR_DENIED,
                   f"vmsplice from descriptor {slot.args[term.fd_arg] & 0xFFFF_FFFF} reports "
                   f"{ret:#x} bytes moved into the program's iovecs, but the kernel never "
                   f"wrote them at {gap:#x}: those bytes are the buffers' old contents")


def check_outputs(memory: UserMemory, slot: Slot, ret: int,
                  access_of: AccessOf | None = None, cpus: int | None = None) -> None:
    """Every rule the output contract states for this call's result (`access_of`: the
    descriptors' access modes, for vmsplice; `cpus`: the machine's CPUs, for a CPU mask)."""
    row = BY_NR.get(slot.nr) if slot.nr is not None else None
    terms = _NO_ROW if row is None else contract(row, slot.args)
    if isinstance(terms, str):
        check_no_contract(slot, ret, terms)
        return
    if not terms:
        return
    check_records(memory, slot, ret, terms)
    check_lengths(memory, slot, ret, terms)
    held = held_outputs(memory, slot, ret, terms)
    check_written(memory, slot, ret, held)
    check_copied(slot, ret, terms)
    check_handle(memory, slot, ret, terms)
    check_spliced(memory, slot, ret, terms, access_of)
    check_strings(memory, slot, ret, terms)
    check_values(memory, slot, ret, terms, held, cpus)
