"""The numbers /proc reads in a name: a pid (proc_pid_lookup()), a task id
(proc_task_lookup()) or a descriptor (proc_lookupfd_common()), each by fs/proc/util.c's
name_to_int(): ASCII '0'..'9' only, no sign, no space, no leading zero unless the name
is "0", and ~0U (no such entry) where the value would pass (~0U - 9) / 10 before its
last digit.  Python's int() and str.isdigit() take more ('+', '_', spaces, other
scripts' digits, leading zeros); no /proc entry is read by them.
"""

from __future__ import annotations

_UINT_MAX = 0xFFFF_FFFF


def name_to_int(name: str) -> int | None:
    """fs/proc/util.c's name_to_int() of a /proc name component; None where Linux's
    answers ~0U (the lookup finds no entry)."""
    if not name or len(name) > 1 and name[0] == "0":
        return None
    n = 0
    for ch in name:
        c = ord(ch) - ord("0")
        if not 0 <= c <= 9 or n >= (_UINT_MAX - 9) // 10:
            return None
        n = n * 10 + c
    return n


def is_number(name: str) -> bool:
    """Does /proc read `name` as a number (name_to_int() is not ~0U)?"""
    return name_to_int(name) is not None
