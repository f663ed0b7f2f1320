"""Red-team round 84's rules: `return.fd_never_opened` on pselect6's bits below a grown
table's size, every ppoll entry, sendmmsg's messages, SO_ATTACH_REUSEPORT_EBPF's value,
FICLONERANGE's src_fd and statx's / newfstatat's NULL name under AT_EMPTY_PATH;
`return.early_error` (guardian/early_errors.py) on openat2's RESOLVE_BENEATH of an absolute
name and SO_ATTACH_BPF's optlen.  Each with the honest neighbour Linux gives."""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS as N
from guardian import early_errors as ee
from guardian.open_files import OpenFile
from guardian.slots import Slot
from tests.test_fd_never_args import NEVER, _own
from tests.test_fd_never_r83 import _mem
from tests.test_launch_fds import _Launch

AT_EMPTY_PATH, FICLONERANGE = 0x1000, 0x4020940D
AT_FDCWD = -100 % (1 << 64)


def test_pselect6_judges_bits_below_the_size_a_grown_table_keeps() -> None:
    # AG-001: dup3(fd, 100) then close(100): expand_fdtable() made max_fds 128, a table
    # never shrinks, so core_sys_select() judges bit 120 (max_select_fd(): -EBADF)
    files = _Launch()
    sets = {0x1000: (1 << 120).to_bytes(16, "little")}
    assert not _mem(files, "pselect6", (121, 0x1000, 0, 0, 0, 0), sets)   # 64: left alone
    files.table.grown = 101
    assert "120" in _mem(files, "pselect6", (121, 0x1000, 0, 0, 0, 0), sets)
    # a bit past the known size stays the program's own (bit 130 of 256: not judged)
    high = {0x1000: (1 << 130).to_bytes(24, "little")}
    assert not _mem(files, "pselect6", (131, 0x1000, 0, 0, 0, 0), high)
    # a number the table holds now makes room for itself
    grown = _Launch()
    grown.table.fds[100] = OpenFile(path="/dev/null")
    assert "120" in _mem(grown, "pselect6", (121, 0x1000, 0, 0, 0, 0), sets)
    # a fork child's copy (dup_fd()) is sized by what it holds: not the parent's past
    assert files.table.copy().grown == 0


def test_every_ppoll_entry_is_judged() -> None:
    # AG-002: do_sys_poll() writes every entry's revents; the 300th of 300 too
    files = _Launch()
    entries = bytes(struct.pack("<ihh", -1, 1, 0) * 299) + struct.pack("<ihh", NEVER, 1, 1)
    assert "77" in _mem(files, "ppoll", (0x1000, 300, 0, 0, 8), {0x1000: entries})
    nval = entries[:-8] + struct.pack("<ihh", NEVER, 1, 0x20)
    assert not _mem(files, "ppoll", (0x1000, 300, 0, 0, 8), {0x1000: nval})


def _sendmmsg(files: _Launch, ret: int, fd: int) -> str:
    from guardian import fd_never_memory as fnm
    files.table.fds[6] = OpenFile(maker=N["socketpair"], sock=(1, 1, 0))
    hdr = struct.pack("<QI4xQQQQi4x", 0, 0, 0x3000, 1, 0x4000, 20, 0) + bytes(8)
    cmsg = struct.pack("<Qii", 20, 1, 1) + struct.pack("<i", fd)
    mem = {0x2000: hdr, 0x2020: hdr[32:], 0x4000: cmsg}
    slot = Slot(9, 1, None, 0, N["sendmmsg"], (6, 0x2000, 1, 0), 1, 2)
    return fnm.memory_never(files, slot, lambda addr, n: (  # type: ignore[arg-type]
        mem[addr][:n] if addr in mem else None), ret)


def test_sendmmsg_messages_sent_are_judged_as_sendmsg() -> None:
    # AG-004: ___sys_sendmsg() -> __scm_send() -> scm_fp_copy() -> fget() per message
    assert "77" in _sendmmsg(_Launch(), 1, NEVER)
    assert not _sendmmsg(_Launch(), 1, 3)          # an open number: Linux sends it
    assert not _sendmmsg(_Launch(), 0, NEVER)      # no message said sent: none judged


def test_scm_rights_on_an_accepted_af_unix_socket() -> None:
    # AG-019: unix_accept() gives the listener's family; __scm_send() -> fget(77)
    from guardian import fd_never_memory as fnm
    for accepted, want in ((True, "77"), (False, "")):
        files = _Launch()
        files.table.fds[6] = OpenFile(maker=N["accept4"], unix_accepted=accepted)
        hdr = struct.pack("<QI4xQQQQi4x", 0, 0, 0x3000, 1, 0x4000, 20, 0)
        cmsg = struct.pack("<Qii", 20, 1, 1) + struct.pack("<i", NEVER)
        mem = {0x2000: hdr, 0x2020: hdr[32:], 0x4000: cmsg}
        slot = Slot(9, 1, None, 0, N["sendmsg"], (6, 0x2000, 0), 1, 2)
        got = fnm.memory_never(files, slot, lambda addr, n, m=mem: (  # type: ignore[arg-type]
            m[addr][:n] if addr in m else None))
        assert want in got and bool(got) == accepted
    assert OpenFile(unix_accepted=True).copied().unix_accepted       # dup, fork: kept


def test_scm_rights_in_control_data_up_to_optmem_max() -> None:
    # AG-003: ____sys_sendmsg() copies up to optmem_max (131072 on 6.9+) control bytes,
    # __scm_send() -> scm_fp_copy() -> fget() of the first cmsg's number
    from guardian.side_fds import rights
    for size, found in ((1032, [NEVER]), (70000, [NEVER]), ((1 << 17) + 8, [])):
        control = struct.pack("<Qii", 20, 1, 1) + struct.pack("<i", NEVER) + bytes(4)
        control += struct.pack("<Qii", size - 24, 0, 0) + bytes(size - 40)
        hdr = struct.pack("<QQ", 0x4000, size)
        mem = {0x2020: hdr, 0x4000: control}
        assert rights(lambda addr, n, m=mem: m[addr][:n] if addr in m else None,
                      0x2000) == found


def test_so_attach_reuseport_ebpf_value() -> None:
    # AG-005: sk_reuseport_attach_bpf() -> bpf_prog_get_type() -> fdget(ufd)
    files = _Launch()
    assert "77" in _mem(files, "setsockopt", (3, 1, 52, 0x1000, 4), {0x1000: b"M\0\0\0"})
    assert not _mem(files, "setsockopt", (3, 1, 52, 0x1000, 4), {0x1000: b"\3\0\0\0"})
    from guardian.quiet_ranges import noted
    assert noted(N["setsockopt"], (3, 1, 52, 0x1000, 4))
    assert noted(N["ioctl"], (3, FICLONERANGE, 0x1000))


def test_ficlonerange_src_fd() -> None:
    # AG-006: ioctl_file_clone_range() -> ioctl_file_clone() -> fdget(src_fd)
    files = _Launch()
    rng = {0x1000: struct.pack("<qQQQ", NEVER, 0, 0, 0)}
    assert "77" in _own(files, "ioctl", (3, FICLONERANGE, 0x1000), rng)
    rng = {0x1000: struct.pack("<qQQQ", 3, 0, 0, 0)}
    assert not _own(files, "ioctl", (3, FICLONERANGE, 0x1000), rng)
    assert not _own(files, "ioctl", (3, FICLONERANGE, 0x1000), {})     # unread: left alone


def test_a_null_name_under_at_empty_path() -> None:
    # AG-020, AG-021: 6.11+ looks dfd up (-EBADF), 6.1..6.10 faults (-EFAULT)
    files = _Launch()
    assert "77" in _own(files, "statx", (NEVER, 0, AT_EMPTY_PATH, 0x7FF, 0x2000), {})
    assert "77" in _own(files, "newfstatat", (NEVER, 0, 0x2000, AT_EMPTY_PATH), {})
    # an open dfd, AT_FDCWD (the working directory) or no AT_EMPTY_PATH: not judged here
    assert not _own(files, "statx", (3, 0, AT_EMPTY_PATH, 0x7FF, 0x2000), {})
    assert not _own(files, "statx", (AT_FDCWD, 0, AT_EMPTY_PATH, 0x7FF, 0x2000), {})
    assert not _own(files, "newfstatat", (NEVER, 0, 0x2000, 0), {})


def _early(nr: str, args: tuple[int, ...], mem: dict[int, bytes]) -> str:
    slot = Slot(9, 1, None, 0, N[nr], tuple(a % (1 << 64) for a in args), 1, 2)
    assert slot.nr in ee.CALLS
    return ee.early_error(slot, lambda addr, n: mem[addr][:n] if addr in mem else None)


def test_openat2_of_an_absolute_name_under_resolve_beneath() -> None:
    # AG-010: path_init() -> nd_jump_root(): -EXDEV under LOOKUP_BENEATH, whatever dfd is
    how = {0x1000: b"/dev/null\0", 0x2000: struct.pack("<QQQ", 0, 0, 0x08)}
    assert "RESOLVE_BENEATH" in _early("openat2", (AT_FDCWD, 0x1000, 0x2000, 24), how)
    assert "RESOLVE_BENEATH" in _early("openat2", (3, 0x1000, 0x2000, 24), how)
    rel = {**how, 0x1000: b"null\0"}               # a relative name: beneath dfd
    assert not _early("openat2", (AT_FDCWD, 0x1000, 0x2000, 24), rel)
    plain = {**how, 0x2000: struct.pack("<QQQ", 0, 0, 0)}
    assert not _early("openat2", (AT_FDCWD, 0x1000, 0x2000, 24), plain)
    in_root = {**how, 0x2000: struct.pack("<QQQ", 0, 0, 0x10)}   # RESOLVE_IN_ROOT: dfd's root
    assert not _early("openat2", (AT_FDCWD, 0x1000, 0x2000, 24), in_root)
    assert not _early("openat2", (AT_FDCWD, 0x1000, 0x2000, 24), {0x1000: b"/"})  # unread


def test_so_attach_bpf_optlen_other_than_four() -> None:
    # AG-024: sk_setsockopt(): SO_ATTACH_BPF takes optlen == sizeof(u32) alone (-EINVAL)
    assert "optlen 8" in _early("setsockopt", (3, 1, 50, 0x1000, 8), {})
    assert "optlen 2" in _early("setsockopt", (3, 1, 52, 0x1000, 2), {})
    assert not _early("setsockopt", (3, 1, 50, 0x1000, 4), {})
    assert not _early("setsockopt", (3, 1, 7, 0x1000, 8), {})      # SO_SNDBUF
    assert not _early("setsockopt", (3, 6, 50, 0x1000, 8), {})     # another level


def test_the_rules_are_wired_with_their_checks() -> None:
    from attacks.rules import RULES
    from guardian.checks import CHECKS
    from guardian.result_arguments import ARGUMENT_CALLS
    assert "return.early_error" in CHECKS
    assert ee.CALLS <= ARGUMENT_CALLS
    assert any("return.early_error" in r.checks for r in RULES)
