"""perf_copy_attr()'s fixed field tests, and perf_event_open()'s sample_freq and clockid
tests, that every 6.1..6.18 kernel applies to a struct perf_event_attr
(kernel/events/core.c; part of `return.perf_event_args`).

The kernel judges the struct it copied: copy_struct_from_user() copies attr.size bytes (0:
PERF_ATTR_SIZE_VER0) and zeroes the rest, so a field past attr.size is 0 whatever the
caller's memory holds there; every field judged here lies below 120, inside each 6.x
struct (VER7, 128 bytes, on 6.1).  Only what no 6.1..6.18 kernel takes is judged:
- __reserved_2 (the u16 at 110) non-zero; __reserved_3 (the u32 at 116) bits 3..31 (the
  whole word on 6.1..6.12; 6.13 made bits 0..2 aux_start_paused, aux_pause, aux_resume);
- a sample_type bit from PERF_SAMPLE_MAX (1 << 25, the same on every 6.x), a read_format
  bit from PERF_FORMAT_MAX (1 << 5 since 6.0's PERF_FORMAT_LOST);
- BRANCH_STACK with no branch type outside PERF_SAMPLE_BRANCH_PLM_ALL;
- REGS_USER or REGS_INTR with mask 0 (arm64 perf_reg_validate(): !mask, -EINVAL; for
  REGS_INTR perf_copy_attr() keeps the error as its return value);
- STACK_USER with a size >= USHRT_MAX or not a multiple of 8 (arm64 has
  HAVE_PERF_USER_STACK_DUMP; without it -ENOSYS, an error too);
- WEIGHT with WEIGHT_STRUCT; inherit_thread without inherit; remove_on_exec with
  enable_on_exec; sigtrap without remove_on_exec;
- SYSCALL_DEFINE5(perf_event_open): freq with sample_freq above
  sysctl_perf_event_sample_rate, an int sysctl (proc_dointvec_minmax): above INT_MAX no
  admin can allow it (a lower sysctl is not known: not judged);
- perf_event_set_clock(): use_clockid with a clockid other than CLOCK_MONOTONIC,
  MONOTONIC_RAW, REALTIME, BOOTTIME or TAI, -EINVAL;
- perf_init_event(): a PERF_TYPE_SOFTWARE event of config at or past PERF_COUNT_SW_MAX (12
  on every 6.x: PERF_COUNT_SW_CGROUP_SWITCHES, 11, came in 5.13), -ENOENT.  Whether
  pmu_idr holds the software PMU (perf_pmu_register() kept PERF_TYPE_SOFTWARE out until
  6.15) or every PMU is tried, none takes it: perf_swevent_init() answers -ENOENT for
  event_id >= PERF_COUNT_SW_MAX, task_clock_event_init() and cpu_clock_event_init() take
  only their own config (1, 0), and every other PMU tests attr.type against its own
  (PERF_TYPE_TRACEPOINT, PERF_TYPE_BREAKPOINT, a dynamic type from PERF_TYPE_MAX up;
  arm64's armpmu_map_event() maps only its own type, HARDWARE, HW_CACHE and RAW).
"""

from __future__ import annotations

#: bytes of the attr judged here: up to the end of __reserved_3
_SPAN = 120
_VER0 = 64
_SAMPLE_MAX = 1 << 25
_FORMAT_MAX = 1 << 5
_BRANCH_STACK, _REGS_USER, _STACK_USER, _WEIGHT = 1 << 11, 1 << 12, 1 << 13, 1 << 14
_REGS_INTR, _WEIGHT_STRUCT = 1 << 18, 1 << 24
_BRANCH_PLM_ALL = 0x7           # PERF_SAMPLE_BRANCH_USER | KERNEL | HV
_INHERIT, _ENABLE_ON_EXEC, _FREQ, _USE_CLOCKID = 1 << 1, 1 << 12, 1 << 10, 1 << 25
_INHERIT_THREAD, _REMOVE_ON_EXEC, _SIGTRAP = 1 << 35, 1 << 36, 1 << 37
_INT_MAX = 0x7FFF_FFFF
_USHRT_MAX = 0xFFFF
#: CLOCK_REALTIME, MONOTONIC, MONOTONIC_RAW, BOOTTIME, TAI: perf_event_set_clock()'s cases
_CLOCKS = frozenset((0, 1, 4, 7, 11))
_RESERVED_3 = 0xFFFF_FFF8
_TYPE_SOFTWARE, _SW_MAX = 1, 12     # PERF_TYPE_SOFTWARE, PERF_COUNT_SW_MAX


def _u(b: bytes, at: int, n: int) -> int:
    return int.from_bytes(b[at:at + n], "little")


def why(raw: bytes) -> str:
    """Why the attr whose first bytes (up to attr.size, at most _SPAN) are `raw` fails the
    call on every 6.1..6.18 kernel ('': it may not); bytes past `raw` count as 0."""
    b = raw[:_SPAN].ljust(_SPAN, b"\0")
    stype, rfmt, flags = _u(b, 24, 8), _u(b, 32, 8), _u(b, 40, 8)
    if _u(b, 110, 2):
        return "attr.__reserved_2 non-zero (perf_copy_attr(): -EINVAL)"
    if _u(b, 116, 4) & _RESERVED_3:
        return (f"attr word at 116 {_u(b, 116, 4):#x}: a __reserved_3 bit (perf_copy_attr(): "
                "-EINVAL)")
    if stype & ~(_SAMPLE_MAX - 1):
        return f"attr.sample_type {stype:#x} past PERF_SAMPLE_MAX (perf_copy_attr(): -EINVAL)"
    if rfmt & ~(_FORMAT_MAX - 1):
        return f"attr.read_format {rfmt:#x} past PERF_FORMAT_MAX (perf_copy_attr(): -EINVAL)"
    if stype & _BRANCH_STACK and not _u(b, 72, 8) & ~_BRANCH_PLM_ALL:
        return "BRANCH_STACK of no branch type (perf_copy_attr(): -EINVAL)"
    if stype & _REGS_USER and not _u(b, 80, 8) or stype & _REGS_INTR and not _u(b, 96, 8):
        return "REGS_USER or REGS_INTR of mask 0 (perf_reg_validate(): -EINVAL)"
    stack = _u(b, 88, 4)
    if stype & _STACK_USER and (stack >= _USHRT_MAX or stack % 8):
        return f"STACK_USER of size {stack} (perf_copy_attr(): -EINVAL)"
    if stype & _WEIGHT and stype & _WEIGHT_STRUCT:
        return "WEIGHT with WEIGHT_STRUCT (perf_copy_attr(): -EINVAL)"
    if flags & _INHERIT_THREAD and not flags & _INHERIT:
        return "inherit_thread without inherit (perf_copy_attr(): -EINVAL)"
    if flags & _REMOVE_ON_EXEC and flags & _ENABLE_ON_EXEC:
        return "remove_on_exec with enable_on_exec (perf_copy_attr(): -EINVAL)"
    if flags & _SIGTRAP and not flags & _REMOVE_ON_EXEC:
        return "sigtrap without remove_on_exec (perf_copy_attr(): -EINVAL)"
    if flags & _FREQ and _u(b, 16, 8) > _INT_MAX:
        return (f"freq with sample_freq {_u(b, 16, 8):#x} above INT_MAX, past any "
                "sysctl_perf_event_sample_rate (SYSCALL_DEFINE5(perf_event_open): -EINVAL)")
    clock = _u(b, 92, 4)
    if flags & _USE_CLOCKID and clock not in _CLOCKS:
        return f"use_clockid with clockid {clock} (perf_event_set_clock(): -EINVAL)"
    if _u(b, 0, 4) == _TYPE_SOFTWARE and _u(b, 8, 8) >= _SW_MAX:
        return (f"a software event of config {_u(b, 8, 8):#x}, past PERF_COUNT_SW_MAX: no "
                "PMU takes it (perf_init_event(), perf_swevent_init(): -ENOENT)")
    return ""


def span(size: int) -> int:
    """How many of the attr's first bytes the kernel copies that `why` judges."""
    return min(size or _VER0, _SPAN)
