"""return.early_error's timespec / itimerspec and register-sigset rules (AO-036, AO-037,
AO-038) and return.handle_size (AO-031), each with the honest neighbour
Linux gives (the mprotect grant of handle_caps: tests/test_redteam_r87_claims.py)."""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS as N
from guardian import early_errors as ee
from guardian.handle_overflow import overflow_size_error
from guardian.slots import Slot

_BAD, _OK = struct.pack("<qq", 0, 10 ** 9), struct.pack("<qq", 0, 10 ** 9 - 1)


def _judge(name: str, args: tuple[int, ...], mem: dict[int, bytes]) -> str:
    slot = Slot(9, 1, None, 0, N[name], args, 1, 2)
    return ee.early_error(slot, lambda addr, n: mem.get(addr, b"")[:n] or None)


def test_sleeps_invalid_timespec() -> None:
    # clock_nanosleep(CLOCK_MONOTONIC, 0, {0, 10^9}, NULL): !timespec64_valid() -EINVAL
    assert "timespec64_valid" in _judge("clock_nanosleep", (1, 0, 0x2000, 0), {0x2000: _BAD})
    assert _judge("nanosleep", (0x2000, 0), {0x2000: struct.pack("<qq", -1, 0)})
    assert not _judge("clock_nanosleep", (1, 0, 0x2000, 0), {0x2000: _OK})   # honest
    assert not _judge("clock_nanosleep", (1, 0, 0x2000, 0), {})             # not quiet


def test_timers_invalid_itimerspec() -> None:
    # timerfd_settime(fd, 0, {{0, 0}, {0, 10^9}}, NULL): !itimerspec64_valid() -EINVAL
    assert _judge("timerfd_settime", (3, 0, 0x2000, 0), {0x2000: bytes(16) + _BAD})
    assert _judge("timer_settime", (0, 0, 0x2000, 0), {0x2000: _BAD + bytes(16)})
    assert not _judge("timerfd_settime", (3, 0, 0x2000, 0), {0x2000: _OK + _OK})
    assert not _judge("timerfd_settime", (3, 0, 0x2000, 0x2000), {0x2000: bytes(32)})


def test_register_sigset_size() -> None:
    # ppoll(NULL, 0, NULL, &mask, 4): set_user_sigmask() -EINVAL; no mask, any size: fine
    assert "sigset size 4" in _judge("ppoll", (0, 0, 0, 0x3000, 4), {})
    assert not _judge("ppoll", (0, 0, 0, 0x3000, 8), {})
    assert not _judge("ppoll", (0, 0, 0, 0, 4), {})
    assert _judge("epoll_pwait2", (3, 0x4000, 1, 0, 0x3000, 16), {})
    assert not _judge("epoll_pwait2", (3, 0x4000, 1, 0, 0x3000, 8), {})


def test_overflow_handle_bytes() -> None:
    def size(n: int | None) -> str:
        mem = {} if n is None else {0x5000: struct.pack("<I", n)}
        return overflow_size_error((0, 0, 0x5000, 0x6000, 0), lambda a, k: mem.get(a))
    assert "152" in size(4096)                   # AO-031
    assert "multiple of 4" in size(13)
    assert not size(12)                          # shmem's, the host's answer
    assert not size(144)                         # an NFS handle of a 128-byte server fh
    assert not size(152)                         # overlayfs over a MAX_HANDLE_SZ handle
    assert not size(8)                           # ovl's FILEID_INVALID, max_len untouched
    assert not size(None)                        # not quiet



def test_overflow_leaves_the_handle_bytes() -> None:
    """-EOVERFLOW copies the header alone: the handle's bytes the program passed (kept at
    the entry by note_handle) must be found as they were."""
    from guardian.handle_overflow import note_handle

    slot = Slot(9, 1, None, 0, N["name_to_handle_at"], (0, 0, 0x5000, 0x6000, 0), 1, 2)
    mem = {0x5000: struct.pack("<I", 8), 0x5008: b"\x11" * 8}
    memory = type("M", (), {"read": staticmethod(lambda a, n, root=None: mem.get(a, b"")[:n]
                                                 or None)})()
    note_handle(memory, slot)                          # type: ignore[arg-type]
    assert slot.asked == {0x5008: b"\x11" * 8}
    mem[0x5000] = struct.pack("<I", 12)                # Linux's header: the size it needs
    assert not overflow_size_error(slot.args, lambda a, n: mem.get(a, b"")[:n], slot.asked)
    mem[0x5008] = b"\x22" * 8                          # the kernel filled the handle
    assert "header alone" in overflow_size_error(slot.args, lambda a, n: mem.get(a, b"")[:n],
                                                 slot.asked)
    assert not overflow_size_error(slot.args, lambda a, n: mem.get(a) if a != 0x5008 else None,
                                   slot.asked)         # not quiet: not judged


def test_overflow_with_the_handle_filled_is_refused() -> None:
    """End to end (AO-032's call, handle_bytes 8 passed): the kernel writes Linux's header
    (12, 255) and the mount id -- but fills the handle's 8 bytes too -- and answers
    -EOVERFLOW: refused by return.handle_size (Linux copies the header alone)."""
    from attacks.adversary import Adversary
    from attacks.families import redteam_r87 as r
    from attacks.runner import run_one
    from attacks.scenario import Goal, Scenario

    def steps(adv: Adversary) -> None:
        r._serve_written(adv, N["name_to_handle_at"], r.P_N2HSMALL, -75 % (1 << 64),
                         ((2, 0, 12), (2, 4, 255), (2, 8, 0x41414141), (2, 12, 0x42424242),
                          (3, 0, 24)))

    sc = Scenario(id="ZZ-987", title="r87 fix", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-IAGO-COUNT",), program=r.RULES,
                  args=(b"-n",))
    out = run_one(sc, "on").outcome
    assert out.decided_by and "return.handle_size" in str(out.decided_by), out.evidence



def _mount_id_inside(flags: int, width: int) -> None:
    args = (0, 0, 0x5000, 0x5008 + 4, flags)
    slot = Slot(9, 1, None, 0, N["name_to_handle_at"], args, 1, 2)
    mem = {0x5000: struct.pack("<I", 16), 0x5008: b"\x11" * 16}

    def read(a: int, n: int, root: object = None) -> bytes | None:
        return mem.get(a, b"")[:n] or None

    from guardian.handle_overflow import note_handle
    note_handle(type("M", (), {"read": staticmethod(read)})(), slot)  # type: ignore[arg-type]
    mem[0x5000] = struct.pack("<I", 20)            # Linux's header: the size it needs
    mem[0x5008] = b"\x11" * 4 + b"\x07" * width + b"\x11" * (12 - width)   # the mount id
    assert not overflow_size_error(args, read, slot.asked)
    mem[0x5008] = b"\x22" + mem[0x5008][1:]        # a byte outside the mount id: refused
    assert "header alone" in overflow_size_error(args, read, slot.asked)


def test_overflow_mount_id_inside_the_handle_is_no_refusal() -> None:
    """name_to_handle_at(dfd, name, h, h + 12, flags), the mount id's
    pointer inside the handle's bytes: do_sys_name_to_handle() put_user()s the mount id
    there even with -EOVERFLOW (before the header's copy_to_user()), so those 4 bytes (8
    with AT_HANDLE_MNT_ID_UNIQUE, 6.12) change on Linux; the others must not."""
    _mount_id_inside(0, 4)
    _mount_id_inside(1, 8)


def test_timers_old_setting_overlapping_the_new_one() -> None:
    """timerfd_settime(fd, 0, new, new + 4) succeeds and
    put_itimerspec64() writes the old setting {{0, 5e8}, {1, 0}} at new + 4: read back
    at new, its tv_nsec holds the old tv_sec's high half and tv_nsec's low half -- no
    valid time, yet Linux read the new one at the entry.  Not judged."""
    old = struct.pack("<qqqq", 0, 5 * 10 ** 8, 1, 0)
    back = _OK[:4] + old[:28]                    # the program's first 4 bytes, then old's
    assert not _judge("timerfd_settime", (3, 0, 0x2000, 0x2004), {0x2000: back})
    assert not _judge("timer_settime", (0, 0, 0x2000, 0x2004), {0x2000: back})
    # (the old setting elsewhere: the new one as the program left it is judged)
    assert _judge("timerfd_settime", (3, 0, 0x2000, 0x3000), {0x2000: back})
    # (the old setting over the new one, whole: the kernel's valid times, still judged)
    assert _judge("timerfd_settime", (3, 0, 0x2000, 0x2000), {0x2000: bytes(16) + _BAD})
    assert _judge("timer_settime", (0, 0, 0x2000, 0x1FF0), {0x2000: bytes(16) + _BAD})
