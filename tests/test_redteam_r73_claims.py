"""Round 73's honest answers: what Linux does with mprotect()'s bits on a CPU without MTE
and BTI, with memory calls it refuses before any area, and with the memory calls through
tagged pointers, which a monitor could mistake for forged.

Each test runs the round-73 victim (secret_r73_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives.
"""

from __future__ import annotations

from attacks.families import redteam_r73 as r
from tests.honest_runs import claim_run, honest


def test_honest_mprotect_bits_and_refusals() -> None:
    # mprotect(P2, read-write|PROT_MTE), |PROT_BTI (arch_validate_prot(): no MTE, no BTI
    # on the CPU) and |1 << 32 (prot is an unsigned long): -EINVAL before any area, the
    # open of a name running into the PROT_NONE P2 -EFAULT; mprotect() with bit 0x100,
    # both grows bits or an unaligned start: -EINVAL; a length that wraps: -ENOMEM;
    # pkey_mprotect() with key 5: -EINVAL; mprotect(), munmap() and madvise() of an
    # address with bit 55 set (untagged_addr() keeps it past TASK_SIZE): -ENOMEM,
    # -EINVAL, -ENOMEM; the same through pkey_mprotect() with key 0 (mprotect()); munmap()
    # of an unaligned start: -EINVAL; mlock(), msync() and mincore() of an address with
    # bit 55 set: -ENOMEM; close(), fcntl(), lseek(), fsync(), ftruncate(), dup(),
    # fchmod(), flock(), fchown(), fchdir(), fdatasync(), fadvise64(), fallocate(),
    # getdents64(), write(), ioctl(FIONCLEX), shutdown() and listen() of descriptor -1:
    # -EBADF; openat(-5, "dev/null"): -EBADF (index 0 each).  The kernel model
    # answered bit 32 and both grows bits 0, madvise() and msync() past TASK_SIZE 0; it
    # answers as Linux since.
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_MTEBIT, r.P_BTIBIT, r.P_WIDEBIT, r.P_BADOK, r.P_GROWSOK, r.P_UNALIGNOK,
         r.P_WRAPOK, r.P_PKEYOK, r.P_HIGHTAGOK, r.P_HIGHUNMAP, r.P_HIGHADVISE,
         r.P_WIDEOK, r.P_PKEYMTE, r.P_PKEYWIDE, r.P_PKEYBADOK, r.P_UNALIGNUNMAP,
         r.P_HIGHMLOCK, r.P_HIGHMSYNC, r.P_HIGHMINCORE, r.P_BADCLOSE, r.P_BADFCNTL,
         r.P_BADLSEEK, r.P_BADFSYNC, r.P_BADFTRUNC, r.P_BADDUP, r.P_BADFCHMOD,
         r.P_BADFLOCK, r.P_BADFCHOWN, r.P_BADFCHDIR, r.P_BADFDATASYNC, r.P_BADFADVISE,
         r.P_BADFALLOC, r.P_BADGETDENTS, r.P_BADWRITE, r.P_BADIOCTL, r.P_BADSHUTDOWN,
         r.P_BADLISTEN, r.P_RELBADFD), 0))


def test_honest_prot_sem_opens() -> None:
    # mprotect(P2, read-write|PROT_SEM) after PROT_NONE: 0 (arm64's arch_validate_prot()
    # takes PROT_SEM), P2 a zero page again: the name opens M (the kernel model answered
    # -EINVAL; it answers as Linux since; index 0).
    claim_run(r, honest, (), {r.P_SEMOPEN: 0})


def test_honest_tagged_mincore_msync_mlock() -> None:
    # mincore(), msync(MS_SYNC), mlock2() and munlock() of a mapped page through a pointer
    # with top byte 0x01: 0 each (SYSCALL_DEFINE3(mincore), SYSCALL_DEFINE3(msync),
    # do_mlock(), SYSCALL_DEFINE2(munlock): untagged_addr(); index 0 each).
    claim_run(r, honest, (), {r.P_TAGMINCORE: 0, r.P_TAGMSYNC: 0, r.P_TAGMLOCK: 0})


def test_honest_mincore_tagged_vector() -> None:
    # mincore(P, 4096, vec with top byte 0x01): -EFAULT without the tagged address ABI
    # (copy_to_user(): arm64's access_ok() untags only under TIF_TAGGED_ADDR); under it 0
    # with the vector's byte written (claim_vec_abi: the kernel model has no tagged
    # address ABI; index 0 each).
    claim_run(r, r.claim_vec_abi, (), {r.P_VECNOABI: 0, r.P_VECABI: 0})


def test_honest_growsdown_mprotect_from_the_area_start() -> None:
    # P2, P3 a MAP_GROWSDOWN area mapped PROT_NONE after N's page:
    # mprotect(P3, read-write|PROT_GROWSDOWN) makes P2 and P3 read-write and the name
    # opens M (index 0); mprotect(P3, PROT_NONE|PROT_GROWSDOWN) of a read-write one makes
    # P2 PROT_NONE too and the open -EFAULT (index 0).  (The kernel model changed P3 alone;
    # it answers as Linux since.)
    claim_run(r, honest, (), {r.P_GROWSDOWNOPEN: 0, r.P_GROWSDOWNNONE: 0})


def test_honest_syncfs_bad_descriptor() -> None:
    # syncfs(), readahead(), fremovexattr(), fgetxattr() and flistxattr() of size 0,
    # sync_file_range(), inotify_add_watch() and fsetxattr() of descriptor -1: -EBADF
    # (fdget() finds no file; claim_syncfs: the kernel model answers otherwise; index 0
    # each).
    claim_run(r, r.claim_syncfs, (), dict.fromkeys(
        (r.P_BADSYNCFS, r.P_BADREADAHEAD, r.P_BADFREMOVEXATTR, r.P_BADFGETXATTR,
         r.P_BADFLISTXATTR, r.P_BADSYNCRANGE, r.P_BADINOTIFY, r.P_BADFSETXATTR), 0))


def test_honest_absolute_names_at_bad_dfd() -> None:
    # openat(), newfstatat() and faccessat() of "/dev/null" with dfd -5: 0 each (an
    # absolute name starts at the root, path_init() never looks at dfd; qemu-user gives
    # the same; index 0 each).
    claim_run(r, honest, (), {r.P_ABSOPEN: 0, r.P_ABSSTAT: 0, r.P_ABSACCESS: 0})
