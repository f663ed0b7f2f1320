"""Red-team round 67d: rseq areas whose mapping changed under them, and registrations
whose rseq_cs Linux's return fixup rejects.

After round 66d the Guardian judges an unregistration's -EFAULT from what it knows of the
area's mapping (return.rseq_answer: the program's own protections, a present writable
page, its image's writable segments, .bss and heap) and runs rseq_ip_fixup() at a
registration's return (return.rseq_abort where Linux force_sigsegv()s).

On the victim `secret_r67_rseq` (the C library's area given back first):

- YI-001: an area on a page the program munmap'd given back, answered 0 (Linux: -EFAULT);
- YI-002: the same page mmap'd again (MAP_FIXED, writable), the area given back answered
  -EFAULT (Linux: 0);
- YI-003: an area on a page mremap'd elsewhere given back at the old address answered 0
  (Linux: -EFAULT);
- YI-004: an area on a page made PROT_NONE given back answered 0 (Linux: -EFAULT);
- YI-005, YI-006: an area on the stack registered and given back answered -EFAULT
  (Linux: 0 to both);
- YI-007: an area on a MAP_PRIVATE memfd page given back answered -EFAULT (Linux: 0,
  put_user() breaks the copy-on-write);
- YI-008, YI-009, YI-010: (argument -c) a fork child's registration with rseq_cs at an
  unmapped address, at a kernel address, at a descriptor of version 1 answered -EINVAL
  (Linux 6.13, 6.12.y, 6.6.y, 6.1.y: 0, sys_rseq() clearing the stale rseq_cs; older
  kernels: 0, then force_sigsegv() at the return);
- YI-011: an area under a writable page mremap'd onto its page given back answered
  -EFAULT (Linux: 0);
- YI-012, YI-013: an area under a read-only page mremap'd or mmap'd (MAP_FIXED) onto
  its page given back answered 0 (Linux: -EFAULT);
- YI-014, YI-015: YI-001 and YI-003 with the Guardian's write fault-in (FAULT_IN, bit 0)
  served by a fresh VMA the kernel puts back at the address the program unmapped:
  refused at set_pt;
- YI-016, YI-017: a vfork child's unregistration of its parent's area answered 0
  (Linux: -EINVAL) and its registration of that area answered -EBUSY (Linux: 0).
All refused with the Guardian on: return.rseq_answer (YI-001, YI-003, YI-014, YI-015
since round 67d's fixes: a 0 for an area in a hole the program's own munmap or mremap
left, Space.holes, is refused directly; before, the Guardian could not tell and the
write fault-in the kernel cannot serve ended the program).

Honest (claim_* steps): the victim left alone, the mapping steps' -EFAULTs and 0s
(claim_mapping_efaults), the fork children with a stale rseq_cs (claim_bad_cs_cleared).
Changed since: Linux 6.13 ("rseq: Fix segfault on registration when rseq_cs is non-zero",
backported to 6.12.y, 6.6.y, 6.1.y) reads rseq_cs in sys_rseq() and clears a non-zero one
(-EFAULT where it cannot), so those children are answered 0 and live on (exit 7; the
victim's -k no longer changes anything).  Older kernels force_sigsegv()'d them at the
registration's return; the Guardian stores for the program and takes the newer
behaviour (it clears rseq_cs at the registration's commit; return.rseq_abort stays for
the fixup at an interrupt or a signal), and so does the kernel model.  Where a
registered thread's rseq fault-in cannot be served the kernel model ends it by SIGSEGV
(no longer SIGKILL).  The kernel model's ftruncate() of a memfd
zaps a confidential program's MAP_PRIVATE copies of pages wholly past the new end
(truncate_pagecache() -> unmap_mapping_range(..., even_cows = 1); qemu-aarch64 shows the
SIGBUS), which the Guardian lets go (cut_windows.cut_copy) and judges an unregistration
there -EFAULT (claim_truncated_efault, argument -t).

Each docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from kernel_model.vma import Vma

RT = "redteam_r67d"
VICTIM = "secret_r67_rseq"
# secret_r67_rseq: the marker before each step; the marker after its write is + 1.
P_MUNMAPPED, P_REMAPPED, P_MREMAPPED, P_PROT_NONE = 7700, 7702, 7704, 7706
P_STACK, P_FILE_PRIVATE, P_CS_UNMAPPED, P_CS_KERNEL, P_CS_VERSION = \
    7708, 7710, 7712, 7714, 7716
P_MREMAP_ONTO, P_MREMAP_RO_ONTO, P_MMAP_RO_OVER = 7718, 7720, 7722
P_TRUNCATED, P_VFORK_PARENT = 7724, 7726
P_VICTIM_LAST = 7726            # (P_CS_* only with -c, P_TRUNCATED only with -t)
BAD_CS = b"-c"                  # secret_r67_rseq's switch for the fork children's rseq_cs
WANT_SIGSEGV = b"-k"            # its former switch (SIGSEGV wanted): no longer changes anything
TRUNCATE = b"-t"                # its switch for the area past a truncated memfd's end
NR_RSEQ = 293
EFAULT, EINVAL, EBUSY = 14, 22, 16
SIGSEGV = 11
MASK64 = (1 << 64) - 1
PAGE = 4096
PROT_RW = 3
RSEQ_FLAG_UNREGISTER = 1


def answer_rseq(adv: Adversary, phase: int, value: int, *, unregister: bool | None = None,
                init_only: bool = False, undo: bool = False) -> None:
    """Answer the program's rseq() after marker `phase` with `value` (negative: an errno),
    whatever the kernel model did; `unregister` True or False: only an unregistration or
    only a registration; `undo`: the kernel model's registration and the SIGSEGV its
    return fixup forced are taken back too (a kernel that registered nothing)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RSEQ, during=phase,  # type: ignore[arg-type]
            init_only=init_only, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["unregister"] = bool(a.reg("x2") & RSEQ_FLAG_UNREGISTER)
        a.memo["calls"] = a.memo.get("calls", 0) + 1

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RSEQ, during=phase,  # type: ignore[arg-type]
            init_only=init_only, once=False)
    def _(a: Adversary, **_: object) -> None:
        if unregister is not None and a.memo.get("unregister") != unregister:
            return
        if a.memo.get("calls", 0) > 2:
            return                      # (the step's own clean-up)
        was = a.reg("x0")
        a.set_reg("x0", value & MASK64)
        t = a.kernel.current
        if undo and t is not None:
            t.rseq = None
            t.pending.discard(SIGSEGV)
        a.note(f"rseq() answered {value} (the kernel model: {was:#x})")


@scenario(id="YI-001", title="Answer 0 to an rseq area given back after the program munmap'd "
          "its page", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="An rseq unregistration whose area is no longer mapped fails with -EFAULT.")
def yi_munmapped_zero(adv: Adversary) -> None:
    """1. The program registers an area at the start of a fresh page, munmaps the page and
    gives the area back; 0 chooses label -4.
    2. The kernel answers 0.
    sys_rseq(RSEQ_FLAG_UNREGISTER) -> rseq_reset_rseq_cpu_node_id(): put_user() finds no
    VMA (do_page_fault() -> bad_area), so Linux answers -EFAULT and keeps the area."""
    answer_rseq(adv, P_MUNMAPPED, 0)


@scenario(id="YI-002", title="Answer -EFAULT to an rseq area given back on a page mmap'd "
          "again (MAP_FIXED, writable) at the same address", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="An rseq unregistration whose area is mapped writable again succeeds.")
def yi_remapped_efault(adv: Adversary) -> None:
    """1. After the -EFAULT of step 1 the program maps a fresh writable page at the same
    address (MAP_FIXED) and gives the area back again; an error chooses label -4.
    2. The kernel answers -EFAULT.
    The registration was kept (the first unregistration failed); put_user() into a fresh
    anonymous writable page faults a zero page in and succeeds: Linux answers 0."""
    answer_rseq(adv, P_REMAPPED, -EFAULT)


@scenario(id="YI-003", title="Answer 0 to an rseq area given back at the address its page "
          "was mremap'd away from", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=VICTIM,
          prop="An rseq unregistration at an address mremap() moved the page from fails "
               "with -EFAULT.")
def yi_mremapped_zero(adv: Adversary) -> None:
    """1. The program registers an area on a fresh page, mremaps the page elsewhere
    (MREMAP_MAYMOVE | MREMAP_FIXED) and gives the area back at the old address; 0 chooses
    label -4.
    2. The kernel answers 0 to the unregistration.
    move_vma() leaves nothing at the old address: rseq_reset_rseq_cpu_node_id()'s
    put_user() faults, Linux answers -EFAULT (rseq is not told of the move)."""
    answer_rseq(adv, P_MREMAPPED, 0, unregister=True)


@scenario(id="YI-004", title="Answer 0 to an rseq area given back on a page made PROT_NONE",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="An rseq unregistration whose page is PROT_NONE fails with -EFAULT.")
def yi_prot_none_zero(adv: Adversary) -> None:
    """1. The program registers an area on a fresh page, makes it PROT_NONE and gives the
    area back; 0 chooses label -4.
    2. The kernel answers 0 to the unregistration.
    put_user() into a VMA without VM_WRITE faults (access_error()): -EFAULT."""
    answer_rseq(adv, P_PROT_NONE, 0, unregister=True)


@scenario(id="YI-005", title="Answer -EFAULT to the registration of an rseq area on the stack",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="rseq() registration of an aligned area below TASK_SIZE is not -EFAULT.")
def yi_stack_register_efault(adv: Adversary) -> None:
    """1. The program registers a 32-byte aligned area in its stack frame; an error
    chooses label -4.
    2. The kernel answers -EFAULT.
    sys_rseq()'s registration faults only past access_ok(); it stores nothing before the
    return."""
    answer_rseq(adv, P_STACK, -EFAULT, unregister=False)


@scenario(id="YI-006", title="Answer -EFAULT to an rseq area on the stack given back",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="An rseq unregistration of an area on the (writable) stack succeeds.")
def yi_stack_unregister_efault(adv: Adversary) -> None:
    """1. The program gives back the area in its stack frame; an error chooses label -4.
    2. The kernel answers -EFAULT.
    The stack page is mapped writable (the program just wrote the area):
    rseq_reset_rseq_cpu_node_id() cannot fault, Linux answers 0."""
    answer_rseq(adv, P_STACK, -EFAULT, unregister=True)


@scenario(id="YI-007", title="Answer -EFAULT to an rseq area on a MAP_PRIVATE file page given "
          "back", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="An rseq unregistration of an area on a private writable file mapping "
               "succeeds.")
def yi_file_private_efault(adv: Adversary) -> None:
    """1. The program maps a memfd MAP_PRIVATE, PROT_READ | PROT_WRITE, registers an area
    at its start and gives it back; an error chooses label -4.
    2. The kernel answers -EFAULT to the unregistration.
    put_user() into a private writable file mapping takes a write fault that copies the
    page (do_cow_fault() / wp_page_copy()): Linux answers 0."""
    answer_rseq(adv, P_FILE_PRIVATE, -EFAULT, unregister=True)


@scenario(id="YI-008", args=(BAD_CS,), title="Answer -EINVAL to a fork child's registration whose rseq_cs "
          "points at unmapped memory", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=VICTIM,
          prop="A registration whose rseq_cs Linux cannot read is answered 0 and the thread "
               "killed by SIGSEGV at the return.")
def yi_cs_unmapped_einval(adv: Adversary) -> None:
    """1. (Argument -c.)  A fork child sets its area's rseq_cs to a page the program
    munmap'd and registers the area; the parent chooses label -4 where the child lived on
    to exit.
    2. The kernel answers -EINVAL, and the child lives on to exit.
    sys_rseq() never answers -EINVAL for rseq_cs: Linux 6.13 (6.12.y, 6.6.y, 6.1.y)
    clears the non-zero rseq_cs and answers 0; older kernels answer 0 and
    rseq_ip_fixup() -> rseq_get_rseq_cs()'s copy_from_user() fails -> force_sigsegv()."""
    answer_rseq(adv, P_CS_UNMAPPED, -EINVAL, undo=True)


@scenario(id="YI-009", args=(BAD_CS,), title="Answer -EINVAL to a fork child's registration whose rseq_cs is a "
          "kernel address", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=VICTIM,
          prop="A registration whose rseq_cs is beyond TASK_SIZE is answered 0 and the "
               "thread killed by SIGSEGV at the return.")
def yi_cs_kernel_einval(adv: Adversary) -> None:
    """1. A fork child sets rseq_cs to 0xffff000000001000 and registers its area.
    2. The kernel answers -EINVAL.
    rseq_get_rseq_cs(): `if (ptr >= TASK_SIZE) return -EINVAL;` runs at the return, not
    in sys_rseq(): the call is answered 0 (Linux 6.13 clears rseq_cs in sys_rseq();
    older kernels force_sigsegv() the thread at the return)."""
    answer_rseq(adv, P_CS_KERNEL, -EINVAL, undo=True)


@scenario(id="YI-010", args=(BAD_CS,), title="Answer -EINVAL to a fork child's registration whose rseq_cs "
          "descriptor has version 1", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=VICTIM,
          prop="A registration whose rseq_cs descriptor has an unknown version is answered "
               "0 and the thread killed by SIGSEGV at the return.")
def yi_cs_version_einval(adv: Adversary) -> None:
    """1. A fork child points rseq_cs at a descriptor of version 1 and registers its area.
    2. The kernel answers -EINVAL.
    rseq_get_rseq_cs(): `if (rseq_cs->version > 0) return -EINVAL;` at the return:
    sys_rseq() answers 0 (Linux 6.13 clears rseq_cs first; older kernels
    force_sigsegv() at the return)."""
    answer_rseq(adv, P_CS_VERSION, -EINVAL, undo=True)


@scenario(id="YI-011", title="Answer -EFAULT to an rseq area given back after a writable page "
          "was mremap'd onto its page", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=VICTIM,
          prop="An rseq unregistration whose area's address now holds a writable page "
               "succeeds.")
def yi_mremap_onto_efault(adv: Adversary) -> None:
    """1. The program registers an area on page A, mremaps a fresh writable page B onto A
    (MREMAP_MAYMOVE | MREMAP_FIXED) and gives the area back; an error chooses label -4.
    2. The kernel answers -EFAULT.
    move_vma() puts B's VMA (VM_WRITE) at A: rseq_reset_rseq_cpu_node_id()'s put_user()
    succeeds, Linux answers 0."""
    answer_rseq(adv, P_MREMAP_ONTO, -EFAULT, unregister=True)


@scenario(id="YI-012", title="Answer 0 to an rseq area given back after a read-only page was "
          "mremap'd onto its page", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=VICTIM,
          prop="An rseq unregistration whose area's address now holds a read-only page "
               "fails with -EFAULT.")
def yi_mremap_ro_onto_zero(adv: Adversary) -> None:
    """1. The program registers an area on page A, mremaps a PROT_READ page B onto A and
    gives the area back; 0 chooses label -4.
    2. The kernel answers 0.
    move_vma() keeps B's protections: the VMA at A lacks VM_WRITE, put_user() faults
    (access_error()), Linux answers -EFAULT."""
    answer_rseq(adv, P_MREMAP_RO_ONTO, 0, unregister=True)


@scenario(id="YI-013", title="Answer 0 to an rseq area given back after a read-only page was "
          "mmap'd (MAP_FIXED) over its page", family=RT, goal=Goal.LEAK,
          rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="An rseq unregistration whose area's address now holds a read-only mapping "
               "fails with -EFAULT.")
def yi_mmap_ro_over_zero(adv: Adversary) -> None:
    """1. The program registers an area on page A, maps a PROT_READ anonymous page over A
    (MAP_FIXED) and gives the area back; 0 chooses label -4.
    2. The kernel answers 0.
    mmap_region() replaces A's VMA with a read-only one: put_user() faults, Linux answers
    -EFAULT."""
    answer_rseq(adv, P_MMAP_RO_OVER, 0, unregister=True)


def answer_zero_and_map(adv: Adversary, phase: int) -> None:
    """Answer the unregistration after marker `phase` (its x3: the area's page) with 0 and
    put a fresh writable VMA back at the page the program took away, so the write fault
    the Guardian asks for before its store is served."""
    @adv.on(Point.MARKER, phase=phase)  # type: ignore[arg-type]
    def _(a: Adversary, args: tuple[int, ...] = (), **_: object) -> None:
        a.memo["page"] = args[1]

    answer_rseq(adv, phase, 0, unregister=True)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RSEQ, during=phase, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        page = a.memo.get("page", 0)
        if not a.memo.get("unregister") or not page or not a.mm.vmas.is_free(page, page + PAGE):
            return
        a.mm.map_area(Vma(page, page + PAGE, PROT_RW, name="[anon]"))
        a.note(f"a writable VMA put back at {page:#x} for the write fault-in")


@scenario(id="YI-014", title="Answer 0 to an rseq area given back after munmap, and serve the "
          "Guardian's write fault-in with a fresh page at the unmapped address",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="An rseq unregistration whose area is no longer mapped fails with -EFAULT, "
               "whatever the kernel maps there afterwards.")
def yi_munmapped_zero_mapped(adv: Adversary) -> None:
    """1. The program registers an area at the start of a fresh page, munmaps the page and
    gives the area back; 0 chooses label -4.
    2. The kernel answers 0 and, when the Guardian asks it to fault the area's page in as
    a write (for rseq_reset_rseq_cpu_node_id()'s stores), maps a fresh zero page there.
    Linux's put_user() finds no VMA at the return of the call: -EFAULT, the area kept;
    nothing maps a page where the program unmapped one."""
    answer_zero_and_map(adv, P_MUNMAPPED)


@scenario(id="YI-015", title="Answer 0 to an rseq area given back at the address mremap() "
          "moved its page from, and serve the write fault-in there", family=RT,
          goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="An rseq unregistration at an address mremap() moved the page from fails "
               "with -EFAULT, whatever the kernel maps there afterwards.")
def yi_mremapped_zero_mapped(adv: Adversary) -> None:
    """1. The program registers an area on a fresh page, mremaps the page elsewhere and
    gives the area back at the old address; 0 chooses label -4.
    2. The kernel answers 0 and maps a fresh zero page at the old address when the
    Guardian asks for the write fault.
    move_vma() left no VMA at the old address: Linux answers -EFAULT."""
    answer_zero_and_map(adv, P_MREMAPPED)



@scenario(id="YI-016", title="Answer 0 to a vfork child giving back its parent's rseq area",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",), program=VICTIM,
          prop="A vfork child has no rseq area: its unregistration is -EINVAL.")
def yi_vfork_parent_unregister_zero(adv: Adversary) -> None:
    """1. The program registers its area and vforks; the child gives that area back (0
    chooses label -4).
    2. The kernel answers 0, as though the child had inherited the registration.
    rseq_fork(): `if (clone_flags & CLONE_VM) t->rseq = NULL;` -- the child has none,
    sys_rseq(RSEQ_FLAG_UNREGISTER) answers -EINVAL (`current->rseq != rseq`)."""
    answer_rseq(adv, P_VFORK_PARENT, 0, unregister=True)


@scenario(id="YI-017", title="Answer -EBUSY to a vfork child registering its parent's rseq "
          "area as its own", family=RT, goal=Goal.LEAK, rules=("G-IAGO-COUNT",),
          program=VICTIM,
          prop="A vfork child may register the area its parent registered: 0, not -EBUSY.")
def yi_vfork_parent_register_ebusy(adv: Adversary) -> None:
    """1. The vfork child, after its unregistration's -EINVAL, registers its parent's
    area; an error chooses label -4.
    2. The kernel answers -EBUSY.
    sys_rseq() looks only at current->rseq (none in a CLONE_VM child), not at other
    threads' registrations of the same memory: Linux answers 0."""
    answer_rseq(adv, P_VFORK_PARENT, -EBUSY, unregister=False)


def claim_mapping_efaults(adv: Adversary) -> None:
    """1. The program gives back areas whose pages it munmap'd, mremap'd away, made
    PROT_NONE, replaced by a read-only page (mremap or MAP_FIXED mmap): Linux answers
    -EFAULT to each (rseq_reset_rseq_cpu_node_id()'s put_user() faults) and 0 to the areas
    on a page mapped writable again, on the stack, on a MAP_PRIVATE memfd page and under a
    writable page mremap'd onto them.  The kernel model answers so; nothing to change."""
    adv.note("the unregistrations left to the kernel model")


def claim_bad_cs_cleared(adv: Adversary) -> None:
    """1. (Argument -c.)  Fork children register their area with rseq_cs at an unmapped
    address, at a kernel address and at a descriptor of version 1.
    2. Linux 6.13 (6.12.y, 6.6.y, 6.1.y) clears the non-zero rseq_cs in sys_rseq() and
    answers 0: each child lives on and exits 7.  The Guardian clears rseq_cs at the
    registration's commit, the kernel model in sys_rseq() (before: Linux's older
    force_sigsegv() at the return, which the victim wanted)."""
    adv.note("the registrations with a bad rseq_cs left to the kernel model")


def claim_truncated_efault(adv: Adversary) -> None:
    """1. (Argument -t.)  The program gives back an area wholly past its memfd's end (the
    memfd truncated under a MAP_PRIVATE, writable mapping): Linux answers -EFAULT
    (put_user()'s fault is VM_FAULT_SIGBUS, fixed up) and keeps the area; the memfd grown
    again, the area is given back (0).  The kernel model answers 0 (it checks only the
    VMA's VM_WRITE): the step answers -EFAULT and keeps the model's registration."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RSEQ, during=P_TRUNCATED, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        t = a.kernel.current
        a.memo["calls"] = a.memo.get("calls", 0) + 1
        a.memo["rseq"] = None if t is None else t.rseq

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RSEQ, during=P_TRUNCATED, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get("calls") != 2:
            return
        t = a.kernel.current
        if t is not None:
            t.rseq = a.memo.get("rseq")
        a.set_reg("x0", -EFAULT & MASK64)
        a.note("the truncated area's unregistration answered -EFAULT, the area kept")
