"""Round 70's honest answers: what Linux does on the edges of return.name_too_long and
return.link_loop, which a monitor could mistake for forged.

Each test runs the round-70 victim (secret_r70_rules) with a kernel that answers exactly
as Linux does and asserts the Guardian lets it through: no decision, the program finishes
intact, and each step indexes the label Linux's answer gives (each as the host kernel
gives it natively).
"""

from __future__ import annotations

from attacks.families import redteam_r70 as r
from tests.honest_runs import claim_run, honest


def test_honest_errors_of_the_new_spellings() -> None:
    # 41 links whose last is the last component under O_CREAT, O_TMPFILE and O_PATH, and
    # faccessat() past 40 links: -ELOOP (pick_link()); utimensat() (times NULL) of a name of
    # PATH_MAX bytes: -ENAMETOOLONG (getname()); umount2(): an error; 41 links with a
    # trailing slash under O_NOFOLLOW: -ELOOP (open_last_lookups() follows); a name with no
    # NUL running into a PROT_NONE page or a page past a memfd's EOF: -EFAULT
    # (strncpy_from_user() faults); "/proc/self/fd/<R>" x 20 + "/proc/self/fd/<M>" (R a
    # descriptor of "/") and "/proc/self/root" x 20 + "/proc/mounts": 42 links, -ELOOP
    # (the host kernel natively); openat() of NULL and of 1 << 48: -EFAULT
    # (strncpy_from_user()); 42 links while a thread is blocked in read(), and relative to
    # a dirfd opened as "/." or "/proc/self/root", and after a symlinkat() into /tmp:
    # -ELOOP; openat() through a pointer with top byte 0x01 under no tagged address ABI:
    # -EFAULT (access_ok()) (index 0 each).
    claim_run(r, honest, (), dict.fromkeys(
        (r.P_CREATLAST, r.P_TMPFILELAST, r.P_PATHLAST, r.P_ACCESSLOOPS, r.P_UMOUNTLONG,
         r.P_UTIMENOW, r.P_NOFOLLOWSLASH, r.P_PROTNONE, r.P_PASTEOF, r.P_FDROOTLOOPS,
         r.P_MOUNTSLOOPS, r.P_NULLNAME, r.P_HIGHNAME, r.P_BLOCKEDLOOPS,
         r.P_DOTROOTLOOPS, r.P_SELFROOTLOOPS, r.P_SYMLINKLOOPS, r.P_TAGNAME), 0))


def test_honest_utimensat_null_name_at_fdcwd() -> None:
    # utimensat(AT_FDCWD, NULL, NULL, 0) is -EFAULT (do_utimes(): a NULL name is the
    # descriptor only where dfd is not AT_FDCWD; the host kernel natively; claim_utimenull:
    # the step serves it as Linux; index 0).
    claim_run(r, r.claim_utimenull, (), {r.P_UTIMENULL: 0})


def test_honest_names_into_holes_mapped_again() -> None:
    # A name with no NUL to the end of a page whose next page the program unmapped and
    # mremap() then grew the page over in place: the new page is zero, the name ends
    # there and opens M (the host kernel natively; index 0).
    # Likewise a heap page H whose next page the program mapped, unmapped and then brk()
    # grew the heap over (do_brk_flags() maps a zero page).
    claim_run(r, honest, (), {r.P_REMAPFILL: 0, r.P_BRKFILL: 0})


def test_honest_cwd_links_through_dev_stdin_and_dev_fd() -> None:
    # The working directory /proc/<P>/fd entered through /dev/stdin (fd 0 a descriptor of
    # /proc/self/fd) and through /dev/fd/<D>: "/proc/self" + "/cwd/../fd/.." x 14 +
    # "/fd/<M>" follows 16 links and opens M (the host kernel natively; claim_cwd: the
    # kernel model refuses the chdir() with -ENOTDIR; index 0 each).
    claim_run(r, r.claim_cwd, (), {r.P_STDINCWD: 0, r.P_DEVFDCWD: 0})


def test_honest_proc_net_links() -> None:
    # "/proc" + "/net/../.." x 21 + "/self/fd/<M>" (44 links) is -ELOOP, x 19 (40 links)
    # opens M (the host kernel; claim_net: the kernel model has no /proc/net; index 0 each).
    claim_run(r, r.claim_net, (), {r.P_NETLOOPS: 0, r.P_HNETLOOPS: 0})


def test_honest_resolve_flags() -> None:
    # openat2() of "/proc/self/fd/<M>" under RESOLVE_NO_SYMLINKS and RESOLVE_NO_MAGICLINKS
    # is -ELOOP (the host kernel; claim_resolve: the kernel model has no openat2; index 0).
    claim_run(r, r.claim_resolve, (), {r.P_NOSYMLINKS: 0, r.P_NOMAGIC: 0})


def test_honest_chroot_and_open_tree_errors() -> None:
    # chroot() past 40 links is -ELOOP, open_tree() of a name of PATH_MAX bytes
    # -ENAMETOOLONG (the host kernel; claim_mounts: the kernel model answers -ENOENT and
    # -ENOSYS; index 0 each).
    claim_run(r, r.claim_mounts, (), {r.P_CHROOTLOOPS: 0, r.P_TREELONG: 0})


def test_honest_utimensat_omit_reads_no_name() -> None:
    # utimensat(AT_FDCWD, name, {UTIME_OMIT, UTIME_OMIT}, 0) answers 0 whether the name
    # has no NUL within PATH_MAX or runs into an unmapped page (the host kernel natively;
    # claim_omit: qemu-user reads the name; index 0 each).
    claim_run(r, r.claim_omit, (), {r.P_UTIMEOMIT: 0, r.P_UTIMEHOLE: 0})


def test_kernel_model_answers_utimensat_as_linux() -> None:
    # The kernel model answers 0 to utimensat() with both times UTIME_OMIT before it reads
    # the name, and -EFAULT to a NULL name with dfd AT_FDCWD (SYSCALL_DEFINE4(utimensat),
    # do_utimes(); the host kernel natively): index 0 each with no step.  (With the name
    # running into an unmapped page, the capability of the call's string cannot be derived
    # at the model's first copy, guardian/confidential_uaccess.py: claim_omit serves it.)
    claim_run(r, honest, (), {r.P_UTIMEOMIT: 0, r.P_UTIMENULL: 0})
