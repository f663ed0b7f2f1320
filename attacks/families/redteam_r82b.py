"""Red-team round 82b: the memory ground after round 81b's fixes -- `cut.call_ranges`
(guardian/call_stores.py: per call, what a memory call in flight may store to or
write-fault) and the calls set_pt.cut_writable still takes as storing ANYWHERE
(cut_writable._writes_page(): a call in no list) -- against round 81b's victim
`secret_r81_mm` run with two steps (the letters run in order: the first step's call
leaves the space "may be locked", the second step's call is the one in flight) and
round 79b's `secret_r79_mm` (its signal steps), and this round's `secret_r82_mm` (on the
kits, markers from 13000: page 2 read, one call, pwrite64() of 'y'; see
workloads/src/secret_r82_mm.c).

Every attack: page 2 of the step's MAP_PRIVATE view of the memfd (3 pages of 'x') is
a clean page -- the page cache folio under Linux -- or not touched yet; as a call of
the program that stores nothing at the view enters, the kernel drops page 2 and maps it
WRITABLE on a fresh copy of 'x'; the file's later change ('y', pwrite64()) misses the
copy, the step reads 'x' and indexes its log buffer at -4, writing the secret's bytes
to /dev/null.  Linux: a read fault maps the folio read-only (do_read_fault() ->
finish_fault()); only a store or a FOLL_WRITE gup copies it (do_cow_fault(),
wp_page_copy()), and none of these calls stores at the view or write-faults it.

`Space.lock_seen` (call_stores.may_lock()) is sticky: once any mlock, mlock2, mlockall
or MAP_LOCKED mmap of the tree returned, every later mprotect/pkey_mprotect adding
PROT_WRITE opens its whole range, every growing mremap and every brk() opens EVERY page
of the tree -- though the area lock was dropped (munlock(), munlockall(), munmap()) or
never covered the view, and though brk() and mremap() populate only the new part:

- AA-001 (secret_r81_mm -pu): -p mlock()s an unrelated anonymous page (munmap()ed at
  the step's end); -u makes the step's own view PROT_READ, reads page 2 and calls
  mprotect(PROT_READ | PROT_WRITE).  Linux: mprotect_fixup() populates only when
  `(oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED` and VM_WRITE is added;
  the view was never VM_LOCKED (mlock_fixup() touched only the other area): only
  change_protection(), the read-only folio entry stays.
- AA-002 (-pi): the same lock history, then pkey_mprotect(view, PROT_READ | PROT_WRITE,
  -1) of the READ-WRITE view: do_mprotect_pkey() -> mprotect_fixup() returns at once at
  `newflags == oldflags`; even a VM_LOCKED area would not be populated there (VM_WRITE
  is not added).
- AA-003 (-pr): the same history, then mremap() growing an unrelated unlocked
  anonymous page to two: do_mremap() populates (mm_populate()) only the GROWN part of a
  VM_LOCKED area (vma_expandable() in place, or move_vma() with *locked), a range that
  was a hole before the call -- never a page of another area.
- AA-004 (-pz): the same history, then brk() growing the heap by a page: brk() ->
  do_brk_flags(); `populate = mm->def_flags & VM_LOCKED` and mm_populate(oldbrk, newbrk
  - oldbrk) only -- mlock() sets no def_flags (apply_vma_lock_flags() only), and only
  the new heap page would be populated.
- AA-005 (-ez): -e's mlockall(MCL_FUTURE) then munlockall() (the step's end), then
  brk(): apply_mlockall_flags(0) cleared def_flags' VM_LOCKED, so brk() populates
  nothing.

A call in no list of set_pt.cut_writable is taken as storing anywhere (`_POINTERS` has
no entry: "a call that may write user memory anywhere"), though its user stores go
only through an output pointer, NULL here (page 2 never touched yet: a view's first
fault owes the file's bytes read-only too, FileView.cut):

- AA-006 (secret_r79_mm -a): rt_sigaction(SIGUSR1, &sa, NULL): do_sigaction() and
  copy_to_user() only of `oact`, which is NULL (SYSCALL_DEFINE4(rt_sigaction)).
- AA-007 (secret_r79_mm -b): rt_sigprocmask(SIG_BLOCK, &set, NULL): only `oset` is
  stored (SYSCALL_DEFINE4(rt_sigprocmask): `if (oset) copy_to_user(oset, ...)`), NULL.
- AA-008 (secret_r79_mm -c): the vfork child's rt_sigaction(SIGUSR1, &sa, NULL), the
  child sharing the program's mm (CLONE_VM): the same do_sigaction(), no store; the
  parent's page 2, not yet touched, is read after the child's exit.

AA-009..AA-025 (this round's victim `secret_r82_mm`, on the kits, markers from 13000:
view_x(), page 2 read, one call storing only at a static buffer `out`, marker P + 4,
pwrite64() of 'y', the label): every call with an output pointer that set_pt.cut_writable
has in none of its lists -- so takes as storing anywhere -- though Linux stores only at
that pointer (the kernel function in brackets):

- AA-009 (-a) clock_gettime(CLOCK_MONOTONIC, &ts), the system call (put_timespec64());
- AA-010 (-b) uname(&uts) (newuname(): copy_to_user(name, &tmp, sizeof(tmp)));
- AA-011 (-c) sysinfo(&info) (do_sysinfo(), copy_to_user(info, ...));
- AA-012 (-e) times(&tms) (do_sys_times(), copy_to_user(tbuf, ...));
- AA-013 (-f) getcwd(buf, 256) (copy_to_user(buf, cwd, len) of the path only);
- AA-014 (-g) gettimeofday(&tv, NULL), the system call (put_user() at tv; tz NULL);
- AA-015 (-h) getrusage(RUSAGE_SELF, &ru) (copy_to_user(ru, &r, sizeof(r)));
- AA-016 (-i) prctl(PR_GET_NAME, name) (copy_to_user(arg2, comm, sizeof(comm)), 16 bytes);
- AA-017 (-j) fstat(memfd, &st) (vfs_fstat(), cp_new_stat());
- AA-018 (-k) rt_sigaction(SIGUSR1, NULL, &old) (copy_to_user(oact, ...) only);
- AA-019 (-l) sched_getaffinity(0, 128, mask) (copy_to_user(user_mask_ptr, ..., retlen));
- AA-020 (-m) prlimit64(0, RLIMIT_STACK, NULL, &old) (copy_to_user(old_rlim, ...));
- AA-021 (-n) clock_getres(CLOCK_MONOTONIC, &ts) (put_timespec64());
- AA-022 (-o) getresuid(&r, &e, &s) (put_user() at each of the three);
- AA-023 (-p) sigaltstack(NULL, &old) (do_sigaltstack(), copy_to_user(uoss, ...));
- AA-024 (-q) futex(&word, FUTEX_WAKE_PRIVATE, 1) of a static word, no waiter
  (futex_wake(): no user store at all; only FUTEX_WAKE_OP stores, at uaddr2);
- AA-025 (-r) statx(memfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) (cp_statx()).

qemu-aarch64-static (the host's Linux answers these calls):
`qemu-aarch64-static -strace workloads/bin/secret_r82_mm -abcefghijklmnopqr` prints
"secret: intact" with `clock_gettime(CLOCK_MONOTONIC,0x00000000004920d0) = 0`,
`uname(0x4920d0) = 0`, `sysinfo(4792528,0,0,0,0,0) = 0`, `times(4792528,0,0,0,0,0) =
1719335186`, `getcwd(0x4920d0,256) = 15`, `gettimeofday(0x00000000004920d0,NULL) = 0`,
`getrusage(0,4792528,0,0,0,0) = 0`, `prctl(16,4792528,0,0,0,0) = 0`,
`fstat(4,0x00000000004920d0) = 0`, `rt_sigaction(SIGUSR1,NULL,0x00000000004920d0) = 0`,
`sched_getaffinity(0,128,4792528,0,0,0) = 32`, `prlimit64(0,3,0,4792528,0,0) = 0`,
`clock_getres(CLOCK_MONOTONIC,0x00000000004920d0) = 0`,
`getresuid(4792528,4792532,4792536,0,0,0) = 0`, `sigaltstack((nil),0x4920d0) = 0`,
`futex(0x00000000004922d0,FUTEX_PRIVATE_FLAG|FUTEX_WAKE,1,NULL,NULL,0) = 0`,
`statx(4,"",AT_EMPTY_PATH,STATX_BASIC_STATS,0x00000000004920d0) = 0`, each followed by
the label `write(3,0x492090,8) = 8` (logbuf + 32: label 0, page 2 'y').
`-strace workloads/bin/secret_r81_mm -pu`: `mlock(0x5500806000,4096) = 0`,
`mprotect(0x0000005500807000,12288,PROT_READ|PROT_WRITE) = 0`, labels
`write(3,0x492090,8) = 8`; `-pr`: `mremap(365080649728,4096,8192,1,0,0) =
365080653824`, label 0; `-pz`: `brk(0x00000000004bc000) = 0x00000000004bc000`, label 0;
`-ez`: `munlockall() = 0`, `brk(0x00000000004bc000) = 0x00000000004bc000`, label 0.  qemu
does not pass pkey_mprotect() through (its ENOSYS gives -pi's second label -4,
`write(3,0x492070,8)`): -pi's Linux answer is mprotect_fixup()'s, cited.
`-strace workloads/bin/secret_r79_mm -abc`: `rt_sigaction(SIGUSR1,0x0000005500800248,NULL)
= 0`, `rt_sigprocmask(SIG_BLOCK,0x00000055008003d8,NULL) = 0`, the vfork child's
`rt_sigaction(SIGUSR1,0x0000005500800248,NULL) = 0` and `exit(0)`, each label
`write(3,0x492090,8) = 8`, "secret: intact".

Honest answers (tests/test_redteam_r82b_claims.py): the kernel model's own answers to
secret_r81_mm -pu, -pi, -pr, -pz, -ez, secret_r79_mm -a, -b, -c and every step of
secret_r82_mm untouched (-u: 'x', the vfork child's population), and for the r81 pairs,
every r82 call step and -s, -v page 2's clean entry
dropped as the attacked call enters (reclaim: shrink_folio_list() -> try_to_unmap()), the
read refaulting the folio read-only: label 0, no decision.  False refusals found: none.

AA-026..AA-029 (secret_r82_mm -s, -t, -u, -v): on-fault locks and a vfork child's lock:

- AA-026 (-s): the view made PROT_READ, page 2 read, mlock2(view, MLOCK_ONFAULT), then
  mprotect(PROT_READ | PROT_WRITE); as it enters, page 2 mapped writable on a copy of
  'x'.  Linux: mprotect_fixup() calls populate_vma_page_range() for a VM_LOCKED private
  area made writable, which returns at once for VM_LOCKONFAULT: no fault, 'y'.
- AA-027 (-t): as -s, the on-fault locked view first moved by mremap(MREMAP_MAYMOVE |
  MREMAP_FIXED) onto a reserved PROT_NONE hole; the refault at the MOVED view's page 2 as
  mprotect() of it enters.  Linux: move_vma() -> copy_vma() keeps vm_flags (VM_LOCKED |
  VM_LOCKONFAULT), so the same early return: 'y'.
- AA-028 (-u): the read-write view's page 2 read; a vfork child (CLONE_VM) mlock()s the
  view and exits; the kernel serves the CHILD's mlock() as getpid() (nothing populated).
  Linux: the child's do_mlock() -> __mm_populate() write-faults the shared mm's view
  (FOLL_WRITE, wp_page_copy()): page 2 'x' after pwrite64() of 'y'.
- AA-029 (-v): page 2 read, mlockall(MCL_FUTURE | MCL_ONFAULT), brk() growing the heap by a
  page; the refault as that brk() enters.  Linux: brk() populates under def_flags'
  VM_LOCKED, but the new area is VM_LOCKONFAULT too (populate_vma_page_range() returns),
  and only [oldbrk, newbrk) ever: 'y'.
qemu-aarch64-static (`-strace secret_r82_mm -stuv`): `mlock2(...,12288,1,0,0,0) = -1
errno=38` (qemu passes no mlock2(): -s, -t show nothing there, their Linux answer is the
kernel function cited); -u: `clone(CLONE_VM|CLONE_VFORK|0x11,...)`, the child's
`mlock(0x5500809000,12288) = 0`, `exit(0)`, label -4 -- qemu runs a vfork child as a fork
(its own mm), not Linux's answer; -v: `mlockall(MCL_FUTURE|MCL_ONFAULT) = 0`,
`brk(0x00000000004bc000) = 0x00000000004bc000`, label `write(3,0x492090,8) = 8` (0, 'y').

Through with the Guardian on when written (gaps, P2; --mode mprotect too): AA-001..AA-027,
AA-029.
Refused since: AA-001..AA-005, AA-026, AA-027, AA-029 by `cut.lock_state`
(guardian/lock_state.py, for call_stores.stores_at): the tree's record of the areas that
MAY be VM_LOCKED without VM_LOCKONFAULT (a superset of locked_ranges' sure record: grown
at every lock call's, MAP_LOCKED or def_flags mmap's, brk's and a possibly-locked area's
mremap's return whatever the answer; shrunk by munlock(), munlockall() and on-fault
mlockall() answered 0 only with no adding call beside them) and whether mm->def_flags may
hold VM_LOCKED without VM_LOCKONFAULT (mlockall(MCL_FUTURE) until munlockall() or another
mlockall(), apply_mlockall_flags()).  mprotect/pkey_mprotect adding PROT_WRITE opens a
page only where its own area may be so locked (mprotect_fixup() ->
populate_vma_page_range(); AA-001, AA-002: the lock was elsewhere; AA-026, AA-027:
mlock2(MLOCK_ONFAULT) adds nothing, the moved area keeps no hard lock); a growing mremap
of such an area only its MREMAP_FIXED target or a hole (do_mremap(); AA-003); brk only
[oldbrk, newbrk) under def_flags' hard lock (do_brk_flags(); AA-004: mlock() sets no
def_flags, AA-005: munlockall() cleared it, AA-029: MCL_ONFAULT).  Not followed (so still
opened, a false opening, never a false refusal): whether mprotect ADDS VM_WRITE to a
hard-locked area (AA-002's second half: mprotect_fixup() returns at newflags ==
oldflags) -- `Space.protections` records only narrowings of the program's own mmaps, so
a read-only area of exec's image cannot be told from a read-write one.
Refused since (--mode mprotect too): AA-006..AA-025 by `cut.output_stores`
(guardian/granted_stores.py, for set_pt.cut_writable and swap_in.clean_writable): a call
with a row in the capability table the Guardian grants the kernel (CAP_TABLE; prctl per
option, prctl_caps.py; futex per command, futex_caps.py) opens to a writable refault only
its write grants as fixed by the registers it entered with -- copy_to_user()/put_user()
write-fault only where they store, and `uaccess.capability` refuses any other store --:
a NULL output nothing (rt_sigaction's oact, rt_sigprocmask's oset), futex_wake() nothing,
each output call its own buffer; a grant whose extent is read from user memory (a
socklen_t, an iovec array, a message header, clone_args), ioctl (UFFDIO_COPY installs
pages outside any copy_to_user()) and execve still "may store anywhere".
Refused: AA-028 (no decision needed: with the Guardian on the step reads 'x' as under
Linux, label 0 -- clean.locked_populate follows the vfork child's mlock() in the shared
tree and takes page 2 as the populated copy, so the kernel's skipped population changes
nothing the program sees).

Not registered: secret_r82_mm -w (a PROT_READ view's page 2 read and mlock()ed, a fork
child mprotect()s it read-write -- not VM_LOCKED in the child, dup_mmap() -- and
pwrite64()s 'y', exiting 0 where its page 2 reads 'y'; qemu-aarch64-static: the child's
`mprotect(...,PROT_READ|PROT_WRITE) = 0`, `pwrite64(4,4793056,4096,8192,0,0) = 4096`,
`exit_group(0)`, the parent's label 0).  Its honest run is a claim; the attack (the
child's page 2 refaulted writable as its mprotect() enters) is refused by
set_pt.cut_writable, but the refusal itself fails the child and so the parent's step
(label -4): the step's shape cannot tell a refused attack from a leak, so no scenario.

Not tried (left for a later round): a second thread's munlock() racing an mlock()'s
population (call_stores._settled), mremap() moving an on-fault area, fork children of a
locked view (dup_mmap() drops VM_LOCKED_MASK), tagged or wrapping lengths of the output
pointers (untagged_addr(); access_ok() refuses a wrap with -EFAULT before any store),
ioctl(), readlinkat(), getdents64() (a directory descriptor).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attacks.families import redteam_r79b as r79
from attacks.families import redteam_r81b as r81
from attacks.families.redteam_r79b import refault_writable, writable_as
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.scenario import Expect, Goal, explained, scenario
from emulator import descriptors as D

if TYPE_CHECKING:
    from attacks.adversary import Adversary

RT = "redteam_r82b"
PAGE = 4096
OPEN = "G-LEAVE-ON-REQUEST"
NR = {"mprotect": 226, "pkey_mprotect": 288, "mremap": 216, "brk": 214,
      "rt_sigaction": 134, "rt_sigprocmask": 135}
#: the scenarios through with the Guardian on when written (P2: page 2 stops showing
#: its file where Linux keeps the folio); none is open since the fixes
GAPS: dict[str, str] = {}
#: refused with the Guardian on when written (AA-028), and since the fixes (AA-006..AA-025:
#: cut.output_stores, guardian/granted_stores.py; AA-001..005, 026, 027, 029:
#: cut.lock_state, guardian/lock_state.py)
REFUSED: frozenset[str] = frozenset(f"AA-{n:03d}" for n in range(1, 30))
#: the predecessor design (--mode mprotect) judges the refault as --mode on does: every
#: attack got through it too when written; AA-006..AA-025 are refused there too since
OLD_DESIGN: tuple[str, ...] = tuple(GAPS)


def _aa(sid: str, title: str, prop: str, program: str, args: bytes):  # type: ignore[no-untyped-def]
    return explained(title, prop, scenario(
        id=sid, title=title, family=RT, goal=Goal.LEAK, rules=(OPEN,), program=program,
        prop=prop, gap=GAPS.get(sid, ""), args=(args,),
        mprotect=Expect.SUCCEEDS if sid in OLD_DESIGN else Expect.REFUSED))


WRITABLE = ("A page a private view left clean (or never touched) comes back read-only on a "
            "read fault (do_read_fault() -> finish_fault()); only a store or a FOLL_WRITE "
            "gup copies it (do_cow_fault(), wp_page_copy()).  ")
LINUX_Y = ("  No Linux maps page 2 writable while the call runs: pwrite64() of 'y' reaches "
           "the folio, the step reads 'y' (label 0).")
LOCKED_BEFORE = "an unrelated page mlock()ed (and unmapped) by the step before"
#: (id, args, phase of the step attacked, call, nth call of it in the step, what, why)
_PAIRS = (
    ("AA-001", b"-pu", r81.P_PROTRW, "mprotect", 2,
     f"{LOCKED_BEFORE}, mprotect(PROT_READ | PROT_WRITE) of the never-locked PROT_READ view",
     "mprotect_fixup() populates only when (oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) "
     "== VM_LOCKED and VM_WRITE is added; mlock_fixup() locked only the other area, this "
     "one is re-protected (change_protection()), its read-only folio entry stays."),
    ("AA-002", b"-pi", r81.P_PKEYSAME, "pkey_mprotect", 1,
     f"{LOCKED_BEFORE}, pkey_mprotect(PROT_READ | PROT_WRITE, -1) of the read-write view",
     "do_mprotect_pkey() -> mprotect_fixup() returns at once at newflags == oldflags; "
     "VM_WRITE is not added, so even a VM_LOCKED area would not be populated."),
    ("AA-003", b"-pr", r81.P_GROWOTHER, "mremap", 1,
     f"{LOCKED_BEFORE}, mremap() growing another unlocked anonymous page to two",
     "do_mremap() populates (mm_populate()) only the grown part of a VM_LOCKED area "
     "(vma_expandable() in place or move_vma() with *locked): a range that was a hole, "
     "never a page of the view; and this area is not VM_LOCKED."),
    ("AA-004", b"-pz", r81.P_BRK, "brk", 2,
     f"{LOCKED_BEFORE}, brk() growing the heap by a page",
     "brk() populates (mm_populate(oldbrk, newbrk - oldbrk)) only under mm->def_flags' "
     "VM_LOCKED, which mlock() never sets (apply_vma_lock_flags() flags areas only), and "
     "only the new heap page."),
    ("AA-005", b"-ez", r81.P_BRK, "brk", 2,
     "mlockall(MCL_FUTURE) then munlockall() by the step before, brk() growing the heap "
     "by a page", "munlockall() -> apply_mlockall_flags(0) cleared mm->def_flags' "
     "VM_LOCKED, so brk() populates nothing (do_brk_flags(); populate only with "
     "def_flags & VM_LOCKED), and would populate only the new heap page."),
)
for sid, args, phase, call, nth, what, why in _PAIRS:
    _t = (f"(secret_r81_mm {args.decode()}) Page 2 read (no store): {what}; as that call "
          "enters, page 2 dropped and mapped writable on a copy of 'x', before pwrite64() "
          "of 'y'")
    _aa(sid, _t, WRITABLE + why + LINUX_Y, r81.VICTIM81, args)(
        writable_as(phase, NR[call], nth=nth))

NULL_OUT = ("A call's user stores go only through its output pointers; set_pt.cut_writable "
            "takes a call in none of its lists as storing anywhere.  ")
_SIGNALS = (
    ("AA-006", r79.P_HANDLER, "rt_sigaction", False,
     "rt_sigaction(SIGUSR1, &sa, NULL) of the program",
     "SYSCALL_DEFINE4(rt_sigaction) copies from `act` and stores only at `oact` "
     "(copy_to_user() when oact is not NULL): NULL here; do_sigaction() touches no user "
     "memory."),
    ("AA-007", r79.P_BLOCKED, "rt_sigprocmask", False,
     "rt_sigprocmask(SIG_BLOCK, &set, NULL) of the program",
     "SYSCALL_DEFINE4(rt_sigprocmask) reads `nset` and stores only at `oset` (`if (oset) "
     "copy_to_user(oset, ...)`): NULL here."),
    ("AA-008", r79.P_VFORKH, "rt_sigaction", True,
     "the vfork child's rt_sigaction(SIGUSR1, &sa, NULL) (CLONE_VM: the program's mm)",
     "The child's SYSCALL_DEFINE4(rt_sigaction) stores only at `oact`, NULL: nothing in "
     "the shared mm; the parent's first read of page 2 after the child's exit maps the "
     "folio read-only."),
)
for sid, phase, call, child, what, why in _SIGNALS:
    _t = (f"(secret_r79_mm {r79.LETTER79[phase].decode()}) Page 2 of the step's view not "
          f"touched yet: as {what} enters, page 2 mapped writable on a copy of 'x', before "
          "the program's read and pwrite64() of 'y'")
    _aa(sid, _t, WRITABLE + NULL_OUT + why + LINUX_Y, r79.VICTIM79,
        r79.LETTER79[phase])(writable_as(phase, NR[call], child=child))


# --- the round's own victim, secret_r82_mm (markers from 13000: P before the step's
# calls, x3 the private view; P + 4 after page 2 is read and the step's call, before
# pwrite64() of 'y', x2 the view; P + 2 after the calls, x2 the view) ------------------

VICTIM82 = "secret_r82_mm"
(P_CLOCK, P_UNAME, P_SYSINFO, P_TIMES, P_GETCWD, P_TOD, P_RUSAGE, P_PRNAME, P_FSTAT,
 P_OLDACT, P_AFFINITY, P_RLIMIT, P_CLOCKRES, P_RESUID, P_ALTSTACK, P_FUTEX,
 P_STATX) = range(13000, 13136, 8)
P_FIRST, P_LAST = P_CLOCK, P_STATX
LETTER82 = dict(zip(range(13000, 13136, 8), (b"-" + c.encode() for c in "abcefghijklmnopqr"),
                    strict=True))
ALL_ARGS82 = b"-abcefghijklmnopqr"
NR82 = {P_CLOCK: 113, P_UNAME: 160, P_SYSINFO: 179, P_TIMES: 153, P_GETCWD: 17,
        P_TOD: 169, P_RUSAGE: 165, P_PRNAME: 167, P_FSTAT: 80, P_OLDACT: 134,
        P_AFFINITY: 123, P_RLIMIT: 261, P_CLOCKRES: 114, P_RESUID: 148, P_ALTSTACK: 132,
        P_FUTEX: 98, P_STATX: 291}
#: (id, step, the call as the program makes it, where Linux stores: the kernel function)
_OUT = (
    ("AA-009", P_CLOCK, "clock_gettime(CLOCK_MONOTONIC, &ts) (the system call, no vDSO)",
     "SYSCALL_DEFINE2(clock_gettime) -> put_timespec64(&kernel_tp, tp): 16 bytes at tp."),
    ("AA-010", P_UNAME, "uname(&uts)", "SYSCALL_DEFINE1(newuname): copy_to_user(name, "
     "&tmp, sizeof(tmp)), 390 bytes at name."),
    ("AA-011", P_SYSINFO, "sysinfo(&info)", "SYSCALL_DEFINE1(sysinfo) -> do_sysinfo(); "
     "copy_to_user(info, &val, sizeof(struct sysinfo)), 112 bytes at info."),
    ("AA-012", P_TIMES, "times(&tms)", "SYSCALL_DEFINE1(times) -> do_sys_times(); "
     "copy_to_user(tbuf, &tmp, sizeof(struct tms)), 32 bytes at tbuf."),
    ("AA-013", P_GETCWD, "getcwd(buf, 256)", "SYSCALL_DEFINE2(getcwd): copy_to_user(buf, "
     "cwd, len) of the path's length only, at buf."),
    ("AA-014", P_TOD, "gettimeofday(&tv, NULL) (the system call)",
     "SYSCALL_DEFINE2(gettimeofday): put_user() of tv_sec, tv_usec at tv; tz NULL."),
    ("AA-015", P_RUSAGE, "getrusage(RUSAGE_SELF, &ru)", "SYSCALL_DEFINE2(getrusage) -> "
     "getrusage(); copy_to_user(ru, &r, sizeof(r)), 144 bytes at ru."),
    ("AA-016", P_PRNAME, "prctl(PR_GET_NAME, name)", "SYSCALL_DEFINE5(prctl) PR_GET_NAME: "
     "get_task_comm() then copy_to_user((char __user *)arg2, comm, sizeof(comm)), 16 "
     "bytes at name."),
    ("AA-017", P_FSTAT, "fstat(memfd, &st)", "SYSCALL_DEFINE2(newfstat) -> vfs_fstat(); "
     "cp_new_stat() -> copy_to_user(statbuf, &tmp, sizeof(tmp)), 128 bytes at st."),
    ("AA-018", P_OLDACT, "rt_sigaction(SIGUSR1, NULL, &old)", "SYSCALL_DEFINE4"
     "(rt_sigaction): do_sigaction() with act NULL, then copy_to_user(oact, &old_ka.sa, "
     "sizeof(*oact)), 32 bytes at old."),
    ("AA-019", P_AFFINITY, "sched_getaffinity(0, 128, mask)", "SYSCALL_DEFINE3"
     "(sched_getaffinity): copy_to_user(user_mask_ptr, cpumask_bits(mask), retlen), "
     "min(len, nr_cpu_ids/8 rounded to a long) bytes at mask."),
    ("AA-020", P_RLIMIT, "prlimit64(0, RLIMIT_STACK, NULL, &old)", "SYSCALL_DEFINE4"
     "(prlimit64): do_prlimit() then copy_to_user(old_rlim, &old64, sizeof(old64)), 16 "
     "bytes at old."),
    ("AA-021", P_CLOCKRES, "clock_getres(CLOCK_MONOTONIC, &ts)", "SYSCALL_DEFINE2"
     "(clock_getres) -> put_timespec64(&rtn_tp, tp): 16 bytes at tp."),
    ("AA-022", P_RESUID, "getresuid(&r, &e, &s)", "SYSCALL_DEFINE3(getresuid): put_user() "
     "of each id at ruidp, euidp, suidp: 4 bytes each."),
    ("AA-023", P_ALTSTACK, "sigaltstack(NULL, &old)", "SYSCALL_DEFINE2(sigaltstack) -> "
     "do_sigaltstack(NULL, &old, ...); copy_to_user(uoss, &old, sizeof(stack_t)), 24 "
     "bytes at old."),
    ("AA-024", P_FUTEX, "futex(&word, FUTEX_WAKE_PRIVATE, 1) of a static word, no waiter",
     "do_futex() -> futex_wake(): get_futex_key() of the word, no user store at all "
     "(only FUTEX_WAKE_OP stores, at uaddr2: futex_atomic_op_inuser())."),
    ("AA-025", P_STATX, "statx(memfd, \"\", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx)",
     "SYSCALL_DEFINE5(statx) -> do_statx() -> cp_statx(): copy_to_user(buffer, &tmp, "
     "sizeof(tmp)), 256 bytes at stx."),
)
for sid, phase, what, why in _OUT:
    _t = (f"(secret_r82_mm {LETTER82[phase].decode()}) Page 2 read (no store): as {what} "
          "enters, page 2 dropped and mapped writable on a copy of 'x', before pwrite64() "
          "of 'y'")
    _aa(sid, _t, WRITABLE + NULL_OUT.replace("; set_pt", ", a static buffer here; set_pt")
        + why + LINUX_Y, VICTIM82, LETTER82[phase])(writable_as(phase, NR82[phase]))


# --- on-fault locks and a vfork child's lock (secret_r82_mm -s, -t, -u, -v) -----------

P_ONFPROT, P_ONFMOVE, P_VFORKLOCK, P_FUTBRK = 13136, 13144, 13152, 13160
LETTER82.update({P_ONFPROT: b"-s", P_ONFMOVE: b"-t", P_VFORKLOCK: b"-u", P_FUTBRK: b"-v"})
ALL_ARGS82 = b"-abcefghijklmnopqrstuv"
P_LAST = P_FUTBRK
NR.update({"mlock": 228})


def writable_at_call_arg(phase: int, nr: int, nth: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The step's view made PROT_READ, page 2 read, mlock2(view, MLOCK_ONFAULT),
        the view moved by mremap(MREMAP_MAYMOVE | MREMAP_FIXED) onto a reserved hole.
        2. As mprotect(new view, PROT_READ | PROT_WRITE) enters, the kernel drops page 2
        of the MOVED view and maps it writable on a fresh copy of 'x'.
        3. pwrite64() of 'y' misses the copy: the program reads 'x' where Linux shows 'y'
        (the moved area keeps VM_LOCKONFAULT, move_vma(); mprotect_fixup() ->
        populate_vma_page_range() returns at once), and indexes its log buffer at -4."""
        @adv.on(Point.MARKER, phase=phase)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            a.memo["bits"] = a.init.mm.tables.lookup(args[0]) & ~D.ADDR_MASK

        @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, once=False)
        def _(a: Adversary, **_: object) -> None:
            a.memo["seen"] = a.memo.get("seen", 0) + 1
            if a.memo["seen"] == nth:
                refault_writable(a, a.init.mm, a.reg("x0") + 2 * PAGE)
    return steps


def child_lock_answered(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv: Adversary) -> None:
        """1. The read-write view's page 2 read (clean); a vfork child (CLONE_VM: the
        program's mm) mlock()s the view and exits.
        2. The kernel serves the CHILD's mlock() as getpid() and answers 0: nothing
        populated, page 2 of the shared mm stays the file's clean page.
        3. pwrite64() of 'y' reaches it: the program reads 'y' where Linux shows its
        private copy 'x' (the child's do_mlock() -> __mm_populate() with FOLL_WRITE in
        the shared mm), and indexes its log buffer at -4."""
        serve_as_getpid(adv, NR["mlock"], phase, 0, init_only=False)

        @adv.on(Point.MARKER, phase=phase + 2)
        def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
            if a.guarded:
                a.note("page 2 left the file's clean page across the child's mlock()")
                return
            # (without a Guardian the kernel model's read fault already copied page 2:
            # the kernel writes 'y' into that frame, as the shared folio would hold)
            pa = a.init.mm.tables.lookup(args[0] + 2 * PAGE) & D.ADDR_MASK
            a.write_lm(pa, b"y" * PAGE)
            a.note(f"page 2's frame {pa:#x} holds the file's 'y'")
    return steps


ONFAULT = ("A VM_LOCKONFAULT area is never populated: populate_vma_page_range() returns at "
           "once for it (mlock2(MLOCK_ONFAULT): apply_vma_lock_flags(); "
           "mlockall(MCL_FUTURE | MCL_ONFAULT): def_flags), so no call write-faults page 2.  ")
_aa("AA-026", "(secret_r82_mm -s) A PROT_READ view's page 2 read, mlock2(view, "
    "MLOCK_ONFAULT), then as mprotect(PROT_READ | PROT_WRITE) enters, page 2 dropped and "
    "mapped writable on a copy of 'x', before pwrite64() of 'y'",
    WRITABLE + ONFAULT + "mprotect_fixup() calls populate_vma_page_range() for a "
    "VM_LOCKED private area made writable, which returns at once for VM_LOCKONFAULT: only "
    "change_protection(), the read-only folio entry stays." + LINUX_Y,
    VICTIM82, b"-s")(writable_as(P_ONFPROT, NR["mprotect"], nth=2))
_aa("AA-027", "(secret_r82_mm -t) As -s, the on-fault locked view first moved by "
    "mremap(MREMAP_MAYMOVE | MREMAP_FIXED) onto a reserved hole; as mprotect(PROT_READ | "
    "PROT_WRITE) of the moved view enters, its page 2 dropped and mapped writable on a "
    "copy of 'x'", WRITABLE + ONFAULT + "move_vma() -> copy_vma() keeps vm_flags, "
    "VM_LOCKED | VM_LOCKONFAULT with them (and populates only a grown part); "
    "mprotect_fixup()'s population returns at once." + LINUX_Y,
    VICTIM82, b"-t")(writable_at_call_arg(P_ONFMOVE, NR["mprotect"], 2))
_aa("AA-028", "(secret_r82_mm -u) The read-write view's page 2 read, a vfork child's "
    "mlock() of the view answered 0 by a kernel that populates nothing: page 2 stays the "
    "file's and shows 'y'", "A VM_LOCKED writable private view is populated with "
    "FOLL_WRITE (populate_vma_page_range() -> wp_page_copy()): the vfork child shares the "
    "mm (CLONE_VM), its do_mlock() -> __mm_populate() copies page 2 of the program's own "
    "view: 'x' after pwrite64() of 'y', label 0 with 'x'.  (qemu-aarch64-static runs a "
    "vfork child as a fork, its own mm: its label there is not Linux's.)",
    VICTIM82, b"-u")(child_lock_answered(P_VFORKLOCK))
_aa("AA-029", "(secret_r82_mm -v) Page 2 read, mlockall(MCL_FUTURE | MCL_ONFAULT), then as "
    "brk() growing the heap by a page enters, page 2 dropped and mapped writable on a copy "
    "of 'x', before pwrite64() of 'y'", WRITABLE + ONFAULT + "brk() populates "
    "(mm_populate(oldbrk, newbrk - oldbrk)) under def_flags' VM_LOCKED, but the new heap "
    "area is VM_LOCKONFAULT too (def_flags), so nothing is faulted -- and never page 2, "
    "outside [oldbrk, newbrk)." + LINUX_Y, VICTIM82, b"-v")(
    writable_as(P_FUTBRK, NR["brk"], nth=2))

P_FORKPROT = 13168
LETTER82[P_FORKPROT] = b"-w"
ALL_ARGS82 = b"-abcefghijklmnopqrstuvw"
P_LAST = P_FORKPROT
