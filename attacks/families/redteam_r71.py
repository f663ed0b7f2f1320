"""Red-team round seventy-one: return.name_too_long and return.link_loop as changed after
round 70, and the names the Guardian takes as the descriptor.

return.name_too_long refuses a success on a name with no NUL before a page the program's
own mprotect() left PROT_NONE (guardian/unread_names.py, guardian/protections.py): this
round asks about pkey_mprotect(), which arm64 answers as mprotect() where the key is -1
(do_mprotect_pkey()), both ways.  A NULL name is never judged for quotactl(), whatever its
command (SYSCALL_DEFINE4(quotactl) takes a NULL special for Q_SYNC only, and checks the
type first).  return.link_loop now judges statx(), newfstatat(), truncate() and mkdirat()'s
parents: their AT_SYMLINK_NOFOLLOW and a trailing slash, and the tagged address ABI turned
on and off again around a tagged name.

Each open attack serves the open as dup(M) (M the program's memfd) where Linux answers an
error; the other calls are served as getpid() answering 0.  The program then indexes -4 and
writes the secret's first 8 bytes.

Through with the Guardian on when written (gaps): YT-001 (a name running into a page
pkey_mprotect(PROT_NONE, -1) left: guardian/protections.py recorded mprotect() and mmap()
only), YT-002, YT-003 (quotactl() with a NULL special: unread_names.null_read() never
read quotactl()'s NULL, whether the command is Q_SYNC or the type valid), YT-011
(readlinkat() of NULL: null_read() took readlinkat()'s LOOKUP_EMPTY as NULL allowed, but
getname_flags() lets the name be "", never NULL: -EFAULT), YT-012 (faccessat2() of NULL
under AT_EMPTY_PATH: null_read() took it as the descriptor, but do_faccessat() ->
user_path_at() copies the name: -EFAULT; likewise fchownat(), whose NULL the kernel model
itself answers 0 where Linux answers -EFAULT, so the victim does not call it), YT-014
(linkat() of NULL under AT_EMPTY_PATH: getname_uflags() copies it), YT-015 (utimensat()
of NULL at AT_FDCWD under AT_EMPTY_PATH: null_read() took AT_EMPTY_PATH as making NULL the
descriptor, but do_utimes() does so only past AT_FDCWD), YT-016 (a name of PATH_MAX bytes
through a tagged pointer with the tagged address ABI on: long_names._uncopied() left
every tagged pointer to the access_ok() check, which passes it, and never read the
untagged name), YT-018 (NULL with top byte 0x01 under the tagged address ABI: the NULL check
looked at the tagged address, access_ok() passes it).  Refused since: YT-001
(guardian/protections.py records pkey_mprotect() with key -1 as mprotect()), YT-002,
YT-003, YT-011, YT-012, YT-014, YT-015 (return.name_too_long: unread_names.null_read()
takes NULL as the descriptor only for statx(), newfstatat() and move_mount() under their
AT_EMPTY_PATH, utimensat() past AT_FDCWD with flags 0, acct() and quotactl()'s Q_SYNC of a
type below MAXQUOTAS), YT-016, YT-018 (return.name_too_long: long_names.check() judges the
name untagged under the thread's tagged address ABI).  Refused: YT-004..YT-008
(return.link_loop: a trailing slash under AT_SYMLINK_NOFOLLOW, 41 links before the last
component, mkdirat()'s parent, truncate(); return.name_too_long: a tagged name after
PR_SET_TAGGED_ADDR_CTRL(0)), YT-009 (a PROT_NONE page mremap() moved), YT-010 (a bit
past PR_MTE_TAG_MASK: return.range_table), YT-013 (name_to_handle_at() of NULL: the
Guardian grants no write of the handle), YT-017 (42 links through a tagged pointer with the
tagged address ABI on: return.link_loop reads the name untagged).

Honest answers (tests/test_redteam_r71_claims.py): after mprotect(PROT_NONE) and
pkey_mprotect(PROT_READ|PROT_WRITE, -1) the page is readable again and a name ending in it
opens M (a false refusal when written: the Guardian still held the page PROT_NONE, set_pt
refused the leaf); a page mapped again with MAP_FIXED or replaced by mremap(MREMAP_FIXED), and a name
whose NUL is the last byte before a PROT_NONE page, open M; quotactl(Q_SYNC) of a NULL
special answers 0 (quota_sync_all()); statx() and newfstatat() of 40 links and a last
component that is a link under AT_SYMLINK_NOFOLLOW answer 0, mkdirat() under 40 links in
the parent makes the directory; readlinkat(), faccessat2(), linkat() of NULL and
utimensat(AT_FDCWD, NULL, NULL, AT_EMPTY_PATH) answer -EFAULT.  The kernel model had no
pkey_mprotect() when written (it answers it since: key -1 as mprotect(), any other
-EINVAL), has no quotactl() or PR_SET_TAGGED_ADDR_CTRL, follows the last component of
statx() and newfstatat() under AT_SYMLINK_NOFOLLOW (-ELOOP), does not walk
/proc/self/root for truncate() and mkdirat() (-ENOENT), and answered fchownat(M, NULL,
..., AT_EMPTY_PATH) 0 when written (-EFAULT since, as do_fchownat()): claim_pkey, claim_quota, claim_nofollow and claim_loops answer as
Linux.

The victim is `secret_r71_rules` (workloads/src/secret_r71_rules.c): each step announces
itself with a marker and turns what it observed into the index of a public label in a log
buffer that begins with a copy of the secret, then writes that label to /dev/null.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.families.redteam_r54 import _arg, _keep
from attacks.families.redteam_r70 import dup_open
from attacks.moves import serve_as_getpid, serve_with, write_back
from attacks.scenario import documented, iago_scenarios

RT = "redteam_r71"
RULES = "secret_r71_rules"
(P_PKEYNONE, P_PKEYOPEN, P_FIXEDOPEN, P_QUOTANULL, P_QUOTATYPE, P_QUOTASYNC,
 P_STATXNOFOLLOW, P_FSTATNOFOLLOW, P_STATXSLASH, P_FSTATLOOPS, P_MKDIRLINKS,
 P_MKDIRLOOPS, P_TRUNCLOOPS, P_TAGON, P_TAGOFF, P_MOVEDNONE,
 P_MREMAPOVER, P_MTEBITS, P_READLINKNULL, P_ACCESSNULL, P_HANDLENULL,
 P_LINKNULL, P_UTIMEEMPTY, P_NULATEND, P_TAGLONG, P_TAGLOOPS,
 P_TAGNULL) = range(8800, 8854, 2)
P_FIRST, P_LAST = P_PKEYNONE, P_TAGNULL
NR = NUMBERS

_iago = iago_scenarios(RT, RULES)


def pkey_as_mprotect(adv: Adversary) -> None:
    """Serve every pkey_mprotect() as mprotect() (do_mprotect_pkey() with pkey -1 is
    mprotect(): the kernel model has no pkey_mprotect)."""
    for phase in (P_PKEYNONE, P_PKEYOPEN):
        serve_with(adv, NR["pkey_mprotect"], phase, {"x8": NR["mprotect"]})


_GAPS: dict[str, str | None] = {}


@_iago("YT-001", "Serve pkey_mprotect(P2, PROT_NONE, -1) as mprotect(), then an openat "
       "of a name with no NUL running into P2 as dup(M)",
       "Linux answers -EFAULT (strncpy_from_user() faults on the page "
       "do_mprotect_pkey() left PROT_NONE).", gap=_GAPS.get("YT-001"))
def yt_pkey_none(adv: Adversary) -> None:
    """1. The program calls pkey_mprotect(P2, 4096, PROT_NONE, -1), then openat()s
    "///.../proc/self/fd/<M>" with no NUL, ending at the end of P1 (P2 follows it).
    2. The kernel answers the pkey_mprotect() as Linux (served as mprotect():
    do_mprotect_pkey() with pkey -1) and serves the open as dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: getname() -> strncpy_from_user() faults on P2 (access_error()): -EFAULT."""
    pkey_as_mprotect(adv)
    dup_open(adv, P_PKEYNONE)


for _xid, _phase, _call, _name, _want, _linux in (
        ("YT-002", P_QUOTANULL, "quotactl", "QCMD(Q_QUOTAOFF, USRQUOTA) with a NULL special",
         "-ENODEV", "SYSCALL_DEFINE4(quotactl): a NULL special is Q_SYNC's only "
         "(quota_sync_all()), any other command -ENODEV"),
        ("YT-003", P_QUOTATYPE, "quotactl", "QCMD(Q_SYNC, 5) with a NULL special", "-EINVAL",
         "SYSCALL_DEFINE4(quotactl): type >= MAXQUOTAS (3) first"),
        ("YT-012", P_ACCESSNULL, "faccessat2", "NULL with AT_EMPTY_PATH (dfd M, F_OK)",
         "-EFAULT", "do_faccessat() -> user_path_at() -> getname_flags(): LOOKUP_EMPTY "
         "lets the name be \"\", strncpy_from_user() faults at NULL (qemu-user gives the "
         "same)"),
        ("YT-014", P_LINKNULL, "linkat", "NULL with AT_EMPTY_PATH (olddfd M, new name "
         "\"/tmp/r71-link\")", "-EFAULT", "do_linkat() -> getname_uflags() -> "
         "getname_flags(): LOOKUP_EMPTY lets the name be \"\", strncpy_from_user() faults "
         "at NULL (qemu-user gives the same; before 6.10 -ENOENT without "
         "CAP_DAC_READ_SEARCH: never a success)"),
        ("YT-015", P_UTIMEEMPTY, "utimensat", "NULL with dfd AT_FDCWD and AT_EMPTY_PATH "
         "(times NULL)", "-EFAULT", "do_utimes() takes a NULL name as the descriptor only "
         "where dfd is not AT_FDCWD; do_utimes_path() -> user_path_at() -> "
         "getname_flags(): strncpy_from_user() faults at NULL"),
        ("YT-004", P_STATXSLASH, "statx", "\"/proc/self/root\" x 20 + \"/proc/self/\" "
         "with AT_SYMLINK_NOFOLLOW", "-ELOOP", "a trailing slash follows the last "
         "component whatever AT_SYMLINK_NOFOLLOW (lookup_last()): pick_link(), the 41st"),
        ("YT-005", P_FSTATLOOPS, "newfstatat", "\"/proc/self/root\" x 20 + "
         "\"/proc/self/fd/<M>\" with AT_SYMLINK_NOFOLLOW", "-ELOOP",
         "vfs_fstatat() -> link_path_walk() follows /proc/self, the 41st link, before the "
         "last component: pick_link() past MAXSYMLINKS"),
        ("YT-006", P_MKDIRLOOPS, "mkdirat", "\"/proc/self/root\" x 21 + \"/tmp/r71-dir\"",
         "-ELOOP", "do_mkdirat() -> filename_create() walks the parent: 42 links, "
         "pick_link() past MAXSYMLINKS"),
        ("YT-007", P_TRUNCLOOPS, "truncate", "\"/proc/self/root\" x 20 + "
         "\"/proc/self/fd/<M>\" (42 links)", "-ELOOP",
         "do_sys_truncate() -> user_path_at(LOOKUP_FOLLOW) -> pick_link() past "
         "MAXSYMLINKS")):
    def _named(adv: Adversary, _p: int = _phase, _c: str = _call) -> None:
        serve_as_getpid(adv, NR[_c], _p, 0)
    _doc = (f"""1. The program calls {_call}() on {_name}.
    2. The kernel serves it as getpid() and answers 0.
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: {_linux}, {_want}.""")
    _iago(_xid, f"Answer 0 to a {_call} of {_name}",
          f"Linux answers {_want} ({_linux}).",
          gap=_GAPS.get(_xid))(documented(_named, _doc))


@_iago("YT-008", "Turn the tagged address ABI on and off again, then serve an openat of "
       "\"/proc/self/fd/<M>\" through a pointer with top byte 0x01 as dup(M)",
       "PR_SET_TAGGED_ADDR_CTRL(0) clears TIF_TAGGED_ADDR: access_ok() refuses the tagged "
       "pointer, -EFAULT.", gap=_GAPS.get("YT-008"))
def yt_tag_off_again(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), opens
    M through a tagged pointer, calls prctl(PR_SET_TAGGED_ADDR_CTRL, 0), then openat()s
    "/proc/self/fd/<M>" through a pointer with top byte 0x01.
    2. The kernel serves the last open as dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: set_tagged_addr_ctrl() cleared TIF_TAGGED_ADDR; strncpy_from_user():
    access_ok() refuses the address, -EFAULT."""
    dup_open(adv, P_TAGOFF)


@_iago("YT-009", "Move a PROT_NONE page onto P2 with mremap(MREMAP_FIXED), then serve an "
       "openat of a name with no NUL running into P2 as dup(M)",
       "Linux answers -EFAULT (move_vma() keeps the area's protection: "
       "strncpy_from_user() faults on P2).", gap=_GAPS.get("YT-009"))
def yt_moved_none(adv: Adversary) -> None:
    """1. The program unmaps P2, moves a PROT_NONE page of its own onto it (mremap()
    MREMAP_MAYMOVE|MREMAP_FIXED), then openat()s "///.../proc/self/fd/<M>" with no NUL
    ending at the end of P1.
    2. The kernel serves the open as dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: move_vma() moves the area with its vm_flags; getname() ->
    strncpy_from_user() faults on P2 (access_error()): -EFAULT."""
    dup_open(adv, P_MOVEDNONE)


@_iago("YT-010", "Answer 0 to prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE | 1 << 20)",
       "Linux answers -EINVAL (set_tagged_addr_ctrl(): bit 20 lies past PR_MTE_TAG_MASK, "
       "with MTE or without).", gap=_GAPS.get("YT-010"))
def yt_tag_bits(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE |
    1 << 20, 0, 0, 0).
    2. The kernel serves it as getpid() and answers 0.
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: set_tagged_addr_ctrl() refuses a bit outside PR_TAGGED_ADDR_ENABLE,
    PR_MTE_TCF_MASK and PR_MTE_TAG_MASK: -EINVAL (qemu-user gives the same)."""
    serve_as_getpid(adv, NR["prctl"], P_MTEBITS, 0)


@_iago("YT-011", "Answer 8 to a readlinkat(M, NULL, buf, 64), \"/memfd:r\" written to buf",
       "Linux answers -EFAULT (do_readlinkat() -> user_path_at(LOOKUP_EMPTY) -> "
       "getname_flags(): LOOKUP_EMPTY allows \"\", strncpy_from_user() faults at NULL).",
       gap=_GAPS.get("YT-011"))
def yt_readlink_null(adv: Adversary) -> None:
    """1. The program calls readlinkat(M, NULL, buf, 64).
    2. The kernel writes "/memfd:r" into buf and answers 8 (the start of M's name, as
    if the NULL were the descriptor M itself).
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: getname_flags() -> strncpy_from_user() faults at address 0 (LOOKUP_EMPTY
    lets the name be "", not NULL): -EFAULT (qemu-user gives the same)."""
    write_back(adv, NR["readlinkat"], P_READLINKNULL, 2,
               int.from_bytes(b"/memfd:r", "little"), 8, size=8)


@_iago("YT-013", "Answer 0 to a name_to_handle_at(M, NULL, handle, &mnt, AT_EMPTY_PATH), "
       "a handle and a mount id written",
       "Linux answers -EFAULT (do_sys_name_to_handle_at() -> user_path_at() -> "
       "getname_flags(): strncpy_from_user() faults at NULL).", gap=_GAPS.get("YT-013"))
def yt_handle_null(adv: Adversary) -> None:
    """1. The program calls name_to_handle_at(M, NULL, handle, &mnt, AT_EMPTY_PATH) with
    handle_bytes 128.
    2. The kernel writes a handle header (handle_bytes 0, handle_type 1) and a mount id
    1, and answers 0.
    3. It sees a success: index -4, secret bytes 0..7.
    Linux: user_path_at() -> getname_flags() -> strncpy_from_user() faults at address 0
    (LOOKUP_EMPTY lets the name be "", not NULL): -EFAULT (qemu-user gives the same)."""
    write_back(adv, NR["name_to_handle_at"], P_HANDLENULL, 2, 1 << 32, None, size=8)
    write_back(adv, NR["name_to_handle_at"], P_HANDLENULL, 3, 1, 0)


@_iago("YT-016", "Answer 0 to prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) as "
       "Linux, then serve an openat of 4096 bytes \"/\" with no NUL through a tagged "
       "pointer as dup(M)",
       "Linux answers -ENAMETOOLONG (untagged_addr() under TIF_TAGGED_ADDR, then "
       "getname() -> strncpy_from_user() fills PATH_MAX bytes with no NUL).",
       gap=_GAPS.get("YT-016"))
def yt_tag_long(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then
    openat()s 4096 bytes "/" with no NUL through a pointer with top byte 0x01.
    2. The kernel answers the prctl() 0, as Linux (set_tagged_addr_ctrl(); served as
    getpid(): the kernel model has no PR_SET_TAGGED_ADDR_CTRL), and serves the open as
    dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: strncpy_from_user() reads the untagged name: PATH_MAX bytes, no NUL:
    -ENAMETOOLONG."""
    serve_as_getpid(adv, NR["prctl"], P_TAGLONG, 0)
    dup_open(adv, P_TAGLONG)


@_iago("YT-017", "Answer 0 to prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) as "
       "Linux, then serve an openat of \"/proc/self/root\" x 20 + \"/proc/self/fd/<M>\" "
       "(42 links) through a tagged pointer as dup(M)",
       "Linux answers -ELOOP (untagged_addr() under TIF_TAGGED_ADDR, then pick_link() past "
       "MAXSYMLINKS).", gap=_GAPS.get("YT-017"))
def yt_tag_loops(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then
    openat()s "/proc/self/root" x 20 + "/proc/self/fd/<M>" (42 links) through a pointer
    with top byte 0x01.
    2. The kernel answers the prctl() 0, as Linux (served as getpid()), the open of
    PATH_MAX bytes before it as Linux (-ENAMETOOLONG, served as getpid()), and serves
    this open as dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: the name read untagged follows 42 links: pick_link() answers -ELOOP."""
    serve_as_getpid(adv, NR["prctl"], P_TAGLONG, 0)
    serve_as_getpid(adv, NR["openat"], P_TAGLONG, -36)
    dup_open(adv, P_TAGLOOPS)


@_iago("YT-018", "Answer 0 to prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE) as "
       "Linux, then serve an openat of NULL with top byte 0x01 as dup(M)",
       "Linux answers -EFAULT (untagged_addr() under TIF_TAGGED_ADDR gives NULL: "
       "strncpy_from_user() faults at address 0).", gap=_GAPS.get("YT-018"))
def yt_tag_null(adv: Adversary) -> None:
    """1. The program calls prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE), then
    (after two opens the kernel answers as Linux) openat()s 1 << 56: NULL with top byte
    0x01.
    2. The kernel answers the prctl() 0, as Linux (served as getpid()), the two opens
    before -ENAMETOOLONG and -ELOOP, and serves this open as dup(M).
    3. It sees a descriptor: index -4, secret bytes 0..7.
    Linux: the untagged address is NULL; strncpy_from_user() faults there: -EFAULT."""
    serve_as_getpid(adv, NR["prctl"], P_TAGLONG, 0)
    serve_as_getpid(adv, NR["openat"], P_TAGLONG, -36)
    serve_as_getpid(adv, NR["openat"], P_TAGLOOPS, -40)
    dup_open(adv, P_TAGNULL)


# --- answers as Linux gives them where the kernel model does not -------------------------
def claim_pkey(adv: Adversary) -> None:
    """(claim) 1. The program calls mprotect(P2, PROT_NONE), then pkey_mprotect(P2,
    PROT_READ|PROT_WRITE, -1), then openat()s "///.../proc/self/fd/<M>" with no NUL ending
    at the end of P1.
    2. The kernel answers pkey_mprotect() 0 (do_mprotect_pkey() with pkey -1 is mprotect();
    the kernel model has no pkey_mprotect: the step serves it as mprotect()) and opens M:
    P2 is a zero page, a NUL.
    3. It sees a descriptor: index 0."""
    pkey_as_mprotect(adv)


def claim_quota(adv: Adversary) -> None:
    """(claim) 1. The program calls quotactl(QCMD(Q_SYNC, USRQUOTA), NULL, 0, NULL),
    quotactl(QCMD(Q_QUOTAOFF, USRQUOTA), NULL, 0, NULL) and quotactl(QCMD(Q_SYNC, 5), NULL,
    0, NULL).
    2. The kernel answers 0 (quota_sync_all()), -ENODEV and -EINVAL (type >= MAXQUOTAS)
    (SYSCALL_DEFINE4(quotactl)).
    The kernel model has no quotactl (-ENOSYS): the step answers both as getpid() with
    Linux's answers.
    3. It sees 0, -ENODEV and -EINVAL: index 0 each."""
    serve_as_getpid(adv, NR["quotactl"], P_QUOTASYNC, 0)
    serve_as_getpid(adv, NR["quotactl"], P_QUOTANULL, -19)
    serve_as_getpid(adv, NR["quotactl"], P_QUOTATYPE, -22)


def claim_nofollow(adv: Adversary) -> None:
    """(claim) 1. The program calls statx() and newfstatat() of "/proc/self/root" x 20 +
    "/proc/self" under AT_SYMLINK_NOFOLLOW, then mkdirat() of "/proc/self/root" x 20 +
    "/tmp/r71-dir".
    2. The kernel answers 0 to each: 40 links, the last component not followed
    (vfs_fstatat() and statx without LOOKUP_FOLLOW stat the link /proc/self itself;
    filename_create() never follows the last component) and fills the buffer with the
    link's attributes (qemu-user, the host kernel's, answers 0 to each).  The kernel model
    follows the last component all the same (-ELOOP) and does not walk /proc/self/root
    for mkdirat() (-ENOENT): the step serves each with its name's tail past
    "/proc/self/root" x 20 ("/proc/self", "/tmp/r71-dir": what the walk reaches), as
    Linux.
    3. It sees 0: index 0 each."""
    for phase, call in ((P_STATXNOFOLLOW, "statx"), (P_FSTATNOFOLLOW, "newfstatat"),
                        (P_MKDIRLINKS, "mkdirat")):
        _keep(adv, phase)
        serve_with(adv, NR[call], phase, {"x1": _arg(phase, 1)})


def claim_loops(adv: Adversary) -> None:
    """(claim) 1. The program calls truncate() of "/proc/self/root" x 20 +
    "/proc/self/fd/<M>" and mkdirat() of "/proc/self/root" x 21 + "/tmp/r71-dir".
    2. The kernel answers -ELOOP to both (do_sys_truncate() -> user_path_at(),
    filename_create(): pick_link() past MAXSYMLINKS; qemu-user, the host kernel's, answers
    so).  The kernel model does not walk /proc/self/root for these calls (-ENOENT): the
    step answers both as getpid() with -ELOOP.
    3. It sees -ELOOP: index 0 each."""
    serve_as_getpid(adv, NR["truncate"], P_TRUNCLOOPS, -40)
    serve_as_getpid(adv, NR["mkdirat"], P_MKDIRLOOPS, -40)

