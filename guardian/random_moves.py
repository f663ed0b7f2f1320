"""Entropy device bytes moved inside the kernel: never a confidential program's.

Entropy a confidential program asks for is the Guardian's (getrandom, AT_RANDOM, and
read/readv/preadv of a descriptor it opened as /dev/urandom or /dev/random: the Guardian
writes its own bytes over the kernel's before the program sees them).  splice(),
sendfile(), copy_file_range() and tee() move bytes from a descriptor to another inside the
kernel: from an entropy device, into a pipe the program then reads (or a socket or file
it reads back), they reach the program as the kernel's bytes, which the Guardian cannot
replace (they never pass through a buffer of the program's while they move).  An honest
program takes entropy by reading the device or by getrandom(); none of the workloads
moves it through a pipe.  So a call of these four whose source is a descriptor the
Guardian knows as an entropy device may not succeed: only an errno (or 0, nothing moved)
returns (check `return.urandom_moved`).  Linux itself fails copy_file_range and tee from
a character device; splice and sendfile it serves.
"""

from __future__ import annotations

from abi import Status
from abi.layout import ERRNO_FLOOR, NR_COPY_FILE_RANGE, NR_SENDFILE, NR_SPLICE, NR_TEE
from guardian.checks import refuse
from guardian.confidential_files import Descriptors
from guardian.slots import Slot

#: Names whose reads are entropy: served from the Guardian's, as getrandom is.
RANDOM_DEVICES = frozenset({"/dev/urandom", "/dev/random"})
#: The device whose reads the Guardian answers with zeros (Linux's read_zero()).
ZERO_DEVICE = "/dev/zero"
#: The calls that move bytes between descriptors in the kernel: nr -> the source's arg.
SOURCE_ARG = {NR_SPLICE: 0, NR_TEE: 0, NR_COPY_FILE_RANGE: 0, NR_SENDFILE: 1}
CALLS = frozenset(SOURCE_ARG)


def check_random_moved(files: Descriptors, slot: Slot, ret: int) -> None:
    """Refuse a move out of an entropy device that reports bytes moved."""
    if ret >= ERRNO_FLOOR or ret == 0:
        return
    source = slot.args[SOURCE_ARG[slot.nr]]
    path = files.path_of(slot, source)
    if path in RANDOM_DEVICES:
        refuse("return.urandom_moved", Status.ERR_DENIED,
               f"syscall {slot.nr} moved {ret} bytes out of {path} inside the kernel: they "
               "would reach the program as the kernel's entropy, not the Guardian's")
