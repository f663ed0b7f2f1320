"""`uaccess.ioctl_command` (guardian/ioctl_caps.py, red-team round 85: AJ-006):
ioctl(FICLONERANGE) grants a read of its 32-byte struct file_clone_range and no write
(do_vfs_ioctl() -> ioctl_file_clone_range(): copy_from_user() alone); the honest
neighbour, the kernel reading the struct, stays granted; other commands keep the generic
grant."""

from __future__ import annotations

from abi.descriptors import FICLONE, FICLONERANGE
from guardian.capabilities import CAP_TABLE, R, W, covered, expand
from guardian.ioctl_caps import ioctl_ranges


def test_ficlonerange_grants_its_struct_read_only() -> None:
    ranges = ioctl_ranges((3, FICLONERANGE, 0x1000))
    assert ranges is not None
    assert covered(ranges, 0x1000, 32, R)            # copy_from_user(): Linux's read
    assert not covered(ranges, 0x1000, 8, W)         # no write of src_fd (AJ-006)
    assert not covered(ranges, 0x1020, 1, R)         # nothing past the struct
    # the generic grant (what the rule narrows) lets the kernel write src_fd
    generic = expand(CAP_TABLE["ioctl"], (3, FICLONERANGE, 0x1000), lambda va, n: bytes(n))
    assert covered(generic, 0x1000, 8, W)


def test_other_commands_keep_the_generic_grant() -> None:
    assert ioctl_ranges((3, FICLONE, 4)) is None
    assert ioctl_ranges((3, 0x5421, 0x1000)) is None     # FIONBIO
    assert ioctl_ranges((3, FICLONERANGE | 1 << 32, 0x1000)) is not None  # an unsigned int
    assert ioctl_ranges((3, FICLONERANGE, 0)) == []


def test_the_rule_is_wired_with_its_check() -> None:
    from attacks.rules import RULES
    from guardian.checks import CHECKS
    assert "uaccess.ioctl_command" in CHECKS
    assert any("uaccess.ioctl_command" in r.checks for r in RULES)
