"""Attacks that only the Guardian's narrower checks stop: each is refused with one named
check in the intact build, and gets through when that check alone is removed
(`blindfold attack mutate CHECK`).

Some attack the program's variant build (`secret_variants`, `Scenario.args`): with `-f` it
maps its own admitted file and the same file as input data, with `-s` it registers a
SIGSEGV handler.
"""

from __future__ import annotations

import struct

from abi import Call
from attacks.adversary import PAGE, Adversary
from attacks.families.redteam_r8 import (
    NR_RT_SIGTIMEDWAIT,
    OUTPUTS,
    P_SIGWAIT,
    SIGTERM,
    SIGWAIT,
    signal_outside_set,
)
from attacks.hooks import Point
from attacks.moves import NR_MMAP
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import MAP_FILE, SEGV_HANDLER, VARIANTS_PROGRAM, Phase
from emulator import descriptors as D
from emulator import sysregs as S
from kernel_model.signals import SEGV_MAPERR, SIGSEGV, pack_siginfo

MU = "mu"
NR_CLONE = 220
NR_SCHED_YIELD = 124
EAGAIN = 11
# Bytes the kernel serves in place of the admitted file's first page: its ELF header with
# another entry point (e_entry sits at offset 24).
E_ENTRY_OFF = 24
FORGED_ENTRY = (0x41414141).to_bytes(8, "little")


def _serve_file_fault(adv: Adversary, which: str, serve) -> None:  # noqa: ANN001
    """At the program's first load from the page `which` (after the FILE marker), let
    `serve(adv, frame, desc) -> desc` change the frame and the leaf the kernel maps there.

    With a monitor the frame is changed just before the SET_PT that maps it (the frame is
    still the kernel's then); without one the kernel's own fault path has mapped it and
    it is changed before the return to the program."""
    @adv.on(Point.FAULT, during=Phase.FILE, once=False)
    def _(a: Adversary, info: object, **_: object) -> None:
        page = a.layout.file_page if which == "file_page" else a.layout.input_page
        if page and info.far & ~(PAGE - 1) == page:  # type: ignore[attr-defined]
            a.memo["serving"] = page

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes, **_: object):  # noqa: ANN202
        if call != Call.SET_PT or "serving" not in a.memo or len(args) < 3:
            return None
        table, index, desc = args[:3]
        last = a.walk(a.memo["serving"])[-1]
        if last.level != 3 or (last.table, last.index) != (table, index) \
                or not desc & D.VALID:
            return None                       # a table on the way down, not the page
        frame = desc & D.ADDR_MASK
        a.memo.pop("serving")
        return (table, index, serve(a, frame, desc), *args[3:]), payload

    @adv.on(Point.BEFORE_RESUME, during=Phase.FILE, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.guarded or "serving" not in a.memo:
            return
        page = a.memo.pop("serving")
        last = a.walk(page)[-1]
        if last.desc & D.VALID:
            new = serve(a, last.desc & D.ADDR_MASK, last.desc)
            if new != last.desc:
                a.kernel.writer.write_entry(last.table, last.index, new)
                a.el1.tlbi_all()


@scenario(id="MU-001", title="Serve other bytes for a page of the admitted file the program maps",
          family=MU, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=VARIANTS_PROGRAM, args=(MAP_FILE,),
          prop="A page of an admitted file that the program mmaps enters its domain holding "
               "that file's bytes at that offset, whoever fills the frame.")
def mu_file_bytes(adv: Adversary) -> None:
    """1. The program (variant -f) opens its own file by its absolute path (a file the user
    admitted) and maps its first page read-only; it then compares that page with the ELF
    header page of the image it runs from.
    2. At the fault on that page the kernel reads the file into a frame as usual, then
    changes the ELF header's entry point in the frame before mapping it.
    3. The program's copy of its own file holds bytes the file does not (a library or
    configuration file served this way changes what the program runs or believes)."""
    def forge(a: Adversary, frame: int, desc: int) -> int:
        a.write_lm(frame + E_ENTRY_OFF, FORGED_ENTRY)
        a.note(f"file page frame {frame:#x}: e_entry rewritten")
        return desc

    _serve_file_fault(adv, "file_page", forge)


def _input_executable(out: Outcome) -> list[str]:
    return [f"unmeasured file data at {va:#x} is executable in the program's address space"
            for va in sorted(out.hits.get("input-exec", set()))]


@scenario(id="MU-002", title="Map the program's input data executable",
          family=MU, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=VARIANTS_PROGRAM, args=(MAP_FILE,),
          oracle=_input_executable,
          prop="A page of a file the program mapped without measurement (input data) never "
               "becomes executable in its domain: unmeasured bytes never run as its code.")
def mu_input_exec(adv: Adversary) -> None:
    """1. The program (variant -f) maps its own file through a relative path (resolved in
    a directory the kernel keeps: input data, like bytes from read()) with PROT_READ.
    2. At the fault on that page the kernel maps the file's frame with execute permission
    (UXN clear): bytes the kernel chose, unmeasured, become code the program can run (the
    first jump of a corrupted pointer there runs them).
    3. At FILE_DONE the kernel walks the program's tree: the page is mapped executable."""
    def exec_map(a: Adversary, frame: int, desc: int) -> int:
        a.note(f"input page frame {frame:#x} mapped with UXN clear")
        return desc & ~D.UXN

    _serve_file_fault(adv, "input_page", exec_map)

    @adv.at(Phase.FILE_DONE)
    def _(a: Adversary) -> None:
        page = a.layout.input_page
        last = a.walk(page)[-1] if page else None
        if last is not None and last.level == 3 and last.desc & D.VALID \
                and not last.desc & D.UXN:
            a.hit("input-exec", page)


@scenario(id="MU-003", title="Deliver a forged SIGSEGV fault report to the program's handler",
          family=MU, goal=Goal.TAMPER, rules=("G-SIGNAL-FAULT", "G-RETURN-PATHS"),
          program=VARIANTS_PROGRAM, args=(SEGV_HANDLER,),
          prop="A fault signal (SIGSEGV with a fault si_code) reaches the program only after "
               "the exception it reports, with the Guardian's siginfo: the kernel cannot run "
               "a program's fault handler for a fault that never happened.")
def mu_forged_fault(adv: Adversary) -> None:
    """1. The program (variant -s) registers a SIGSEGV handler (as a garbage collector's
    write barrier or a guard-page allocator does: a fault report tells it memory at
    si_addr needs attention).
    2. While serving the PARENT marker (a system call, no fault), the kernel queues
    SIGSEGV with si_code SEGV_MAPERR and si_addr the heap secret for the program's thread.
    3. On the way back the handler runs and acts on a fault that never happened."""
    @adv.at(Phase.PARENT)
    def _(a: Adversary) -> None:
        info = pack_siginfo(SIGSEGV, SEGV_MAPERR, addr=a.layout.heap_secret)
        a.kernel.signals.send_thread(a.thread, SIGSEGV, info)
        a.note("SIGSEGV (SEGV_MAPERR) queued while serving a system call")


def _told_failed(out: Outcome) -> list[str]:
    failed = out.hits.get("told-failed")
    ran = any(m.phase == Phase.CHILD for m in out.markers)
    return ["the parent was told fork() failed while its child ran the program's code"] \
        if failed and ran else []


@scenario(id="MU-004", title="fork() served as asked, then reported failed while the child runs",
          family=MU, goal=Goal.TAMPER, rules=("G-IAGO-CLONE", "G-CLONE-ONCE"),
          oracle=_told_failed,
          prop="A clone that yields a child returns that child's id to the parent, even when "
               "the kernel served exactly the flags the program asked for.")
def mu_fork_told_failed(adv: Adversary) -> None:
    """1. The program calls fork() at FORK; the kernel serves it with the program's own
    flags (no vfork wait added), so the child joins the domain with the parent's memory.
    2. The parent is answered -EAGAIN, as if no child existed: it skips wait4 and goes on
    while a copy of it, with its secrets, runs code it believes never started.
    3. The kernel schedules the child first (the parent's next system call, its PARENT
    marker, is served as a sched_yield)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        a.memo["cloning"] = True

    @adv.on(Point.BEFORE_RESUME, once=False)
    def _(a: Adversary, thread: object) -> None:
        if a.memo.pop("cloning", False):
            a.note(f"clone returns {a.reg('x0'):#x} to the parent; answered -EAGAIN")
            a.set_reg("x0", (-EAGAIN) & (2**64 - 1))
            a.hit("told-failed", 1)

    @adv.on(Point.SYSCALL_ENTRY, during=Phase.PARENT)
    def _(a: Adversary, **_: object) -> None:
        if a.tally.hits.get("told-failed"):
            a.set_reg("x8", NR_SCHED_YIELD)


CLONE_VM = 0x100
SIGCHLD = 17


def _child_on_parent_tree(out: Outcome) -> list[str]:
    return ["the forked child ran inside its parent's address space (a CLONE_VM the "
            "program never asked for)"] if out.hits.get("vm-shared") else []


@scenario(id="MU-005", title="Join a fork child to the parent's tree, declaring the flags asked",
          family=MU, goal=Goal.TAMPER, rules=("G-FORK-CONTEXT", "G-CLONE-ONCE"),
          oracle=_child_on_parent_tree,
          prop="A child shares its parent's address space exactly when the program's own "
               "clone flags ask for CLONE_VM, whatever flags the kernel declares.")
def mu_fork_shared_tree(adv: Adversary) -> None:
    """1. At the program's fork clone(), the kernel dispatches it as clone(CLONE_VM), so its
    clone path joins the child to the parent's memory (FORK_DOMAIN with child root 0).
    2. In that FORK_DOMAIN it declares the flags the program asked for (no CLONE_VM), as
    if the child were a separate process.
    3. The child runs on the parent's stack in the parent's memory: its stores (libc's
    tid, its stack frames) land in the parent."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        a.memo["asked"] = a.reg("x0")
        a.set_reg("x0", CLONE_VM | SIGCHLD)

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes, **_: object):  # noqa: ANN202
        if call != Call.FORK_DOMAIN or "asked" not in a.memo or len(args) < 3:
            return None
        a.note(f"FORK_DOMAIN root {args[0]:#x}, flags {args[2]:#x} declared as "
               f"{a.memo['asked']:#x}")
        return (args[0], args[1], a.memo["asked"], *args[3:]), payload

    @adv.on(Point.MARKER, phase=Phase.CHILD, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        proc = thread.process  # type: ignore[attr-defined]
        if proc is not a.init and proc.mm is a.init.mm:
            a.hit("vm-shared", 1)


GRAFT_VA = 0x7F00_0000_0000              # a 2 MiB range no area of the program covers
USER_RW = D.PagePerms(user=True, write=True, user_exec=False)
GRAFT_BYTES = b"kernel-chosen bytes in a grafted table!!" * 64


def _grafted(out: Outcome) -> list[str]:
    return ["a table of the kernel's own, with a page it still writes through its linear "
            "map, hangs in the program's confidential tree"] if out.hits.get("grafted") else []


@scenario(id="MU-006", title="Graft a non-empty table of the kernel's into the program's tree",
          family=MU, goal=Goal.TAMPER, rules=("G-MEASURE-ALL", "G-CONF-EXCLUSIVE"),
          oracle=_grafted,
          prop="Only an empty table moves into a confidential tree: a subtree that already "
               "maps pages would bring them in unmeasured and still the kernel's.")
def mu_graft_subtree(adv: Adversary) -> None:
    """1. At PLACED the kernel builds a helper address space mapping one frame of its own
    (filled with bytes of its choosing) at GRAFT_VA, then unlinks the level-3 table that
    maps it from the helper's level-2 table (the helper is not confidential: allowed).
    2. It creates the program's level-1/level-2 tables for GRAFT_VA (empty) and links the
    orphaned, non-empty level-3 table below them with one table descriptor.
    3. The program's tree now maps the kernel's frame: it still writes it through its
    linear map, and the program reads what the kernel writes."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        w = a.kernel.writer
        frame = a.alloc_frame()
        a.write_lm(frame, GRAFT_BYTES[:PAGE])
        helper = a.new_tree()
        helper.set(GRAFT_VA, D.leaf_descriptor(frame, USER_RW))
        walk = a.walk(GRAFT_VA, helper.root)
        l2, l3 = walk[2], walk[3]
        w.write_entry(l2.table, l2.index, 0)          # orphan the level-3 table
        a.note(f"level-3 table {l3.table:#x} (maps {frame:#x}) unlinked from the helper")
        table = a.mm.tables.root
        for level in (0, 1):
            e = a.walk(GRAFT_VA)[level]
            if e.desc & D.VALID:
                table = e.desc & D.ADDR_MASK
                continue
            nxt = w.alloc_table(level + 1)
            w.write_entry(e.table, e.index, D.table_descriptor(nxt))
            table = nxt
        w.write_entry(table, D.level_index(GRAFT_VA, 2), D.table_descriptor(l3.table))
        a.el1.tlbi_all()
        if a.pa_of(GRAFT_VA) == frame:
            a.write_lm(frame, b"rewritten by the kernel")
            a.hit("grafted", 1)


def _guardian_copy(out: Outcome) -> list[str]:
    return [f"the kernel holds a copy of the Guardian's frame {pa:#x}"
            for pa in sorted(out.hits.get("guardian-copy", set()))]


@scenario(id="MU-007", title="COPY_PAGE a frame of the Guardian's into a frame the kernel reads",
          family=MU, goal=Goal.LEAK, rules=("G-LM-OWN", "G-COPY-SRC"),
          oracle=_guardian_copy,
          prop="The Guardian's own memory (outside the linear map, denied to DMA) never reaches "
               "the kernel, not even as a copy made by a Guardian call.")
def mu_copy_guardian(adv: Adversary) -> None:
    """1. At PLACED the kernel names the first frame of the RAM the boot information
    reserves for the monitor (its linear-map tables, its private memory) as the source of
    a COPY_PAGE, and a fresh frame of its own as the destination.
    2. It reads the destination through its linear map: the monitor's memory, copied by
    the monitor. (Without a monitor the kernel reads that RAM directly.)"""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        info = a.kernel.boot_info
        if info.reserved:
            src = info.reserved[0][0]
        else:
            src = info.ram_base + info.ram_size - 64 * PAGE
        dst = a.alloc_frame()
        a.write_lm(dst, bytes(PAGE))
        if a.guarded:
            status, _ = a.hvc(Call.COPY_PAGE, dst, src)
            if status != 0:
                return
            data = a.read_lm(dst)
        else:
            data = a.read_lm(src)
        a.note(f"copy of {src:#x}: {sum(1 for b in data if b)} non-zero bytes")
        a.hit("guardian-copy", src)


T1SZ_39_BITS = 25                    # TTBR1 walks start at level 1
TCR_HA = 1 << 39                     # hardware access-flag update (asked for, in case)
UPPER_39 = 0xFFFF_FF80_0000_0000     # the lowest TTBR1 address under T1SZ = 25
LM_RW = D.PagePerms(user=False, write=True, user_exec=False, kernel_exec=False, global_=True)


def _lm_table_alias(pa: int) -> int:
    """Under T1SZ = 25 the linear map's level-0 table serves as level 1, and so on: this
    address walks root[pa's L0 index] -> L1[L1 index] -> L2[L2 index], whose table
    descriptor then reads as a page descriptor naming the level-3 table itself; the
    offset selects pa's own entry in it."""
    return (UPPER_39 | ((pa >> 39) & 511) << 30 | ((pa >> 30) & 511) << 21
            | ((pa >> 21) & 511) << 12 | 8 * ((pa >> 12) & 511))


@scenario(id="MU-008", title="Shrink TTBR1's range (T1SZ) to edit the linear map's own tables",
          family=MU, goal=Goal.LEAK, rules=("G-SYSREG-TTBR1", "G-LM-OWN"),
          prop="The TTBR1 half of TCR_EL1 stays the Guardian's: a T1SZ change cannot turn the "
               "linear map's table descriptors into pages the kernel can write.")
def mu_t1sz_confusion(adv: Adversary) -> None:
    """1. At PLACED the kernel writes TCR_EL1 with T1SZ = 25 (and hardware access-flag
    update): TTBR1 walks now start at level 1, one level below the linear map's real root.
    2. It stores, through the address whose walk ends on the level-2 table descriptor of
    the heap frame's 2 MiB (read as a page: the level-3 table), a valid read-write entry
    for the heap frame, which the Guardian removed from the map.
    3. It restores T1SZ and reads the heap frame through its linear map."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        heap_pa = (a.pa_of(a.layout.heap) or 0) & ~(PAGE - 1)
        if not heap_pa:
            return
        if not a.guarded:
            a.observe(a.read_lm(heap_pa), "the heap frame through the linear map")
            return
        tcr = a.el1.mrs(S.TCR_EL1)
        a.el1.msr(S.TCR_EL1, (tcr & ~(0x3F << S.TCR_T1SZ_SHIFT))
                  | T1SZ_39_BITS << S.TCR_T1SZ_SHIFT | TCR_HA)
        try:
            a.el1.tlbi_all()
            a.el1.write_u64(_lm_table_alias(heap_pa), D.leaf_descriptor(heap_pa, LM_RW))
        finally:
            a.el1.msr(S.TCR_EL1, tcr)
            a.el1.tlbi_all()
        a.observe(a.read_lm(heap_pa), "the heap frame through an edited linear map")


@scenario(id="MU-009", title="Make a subtree of the program's tree the domain, not its root",
          family=MU, goal=Goal.LEAK, rules=("G-CONF-EXCLUSIVE", "G-MEASURE-ALL"),
          prop="CREATE_DOMAIN takes a whole address space (a registered root): the tree the "
               "program runs on is the one that becomes confidential.")
def mu_domain_subtree(adv: Adversary) -> None:
    """1. At exec the kernel names, in CREATE_DOMAIN, the program's level-1 table (the first
    table its root links) instead of the root it will run the program on.
    2. At PLACED it reads the heap copy of the secret through the program's real root,
    which no domain owns."""
    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes, **_: object):  # noqa: ANN202
        if call != Call.CREATE_DOMAIN or a.memo.get("named") or not args:
            return None
        a.memo["named"] = True
        for i in range(512):
            desc = a.el1.read_u64(a.lm(args[0]) + 8 * i)
            if desc & D.VALID:
                a.note(f"CREATE_DOMAIN names {desc & D.ADDR_MASK:#x} (root {args[0]:#x}[{i}])")
                return (desc & D.ADDR_MASK, *args[1:]), payload
        return None

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.observe(a.read_through(a.mm.tables.root, a.layout.heap_secret, 32),
                  "the heap through the program's own root")


# --- return.sigwait_set: a signal outside the set, with a siginfo that agrees -----------------

SI_SIGNO_OFF = 0                     # siginfo_t.si_signo, the record's first int


@scenario(id="MU-034", title="Answer rt_sigtimedwait({SIGUSR1}) with SIGTERM, siginfo and all",
          family=MU, goal=Goal.TAMPER, rules=("G-SIGNAL-MASK",), program=OUTPUTS,
          args=(SIGWAIT,), oracle=signal_outside_set,
          prop="rt_sigtimedwait() returns a signal of the set the program passed (or an "
               "error), never another signal, even when its siginfo names the same one.")
def mu_sigwait_outside_set_consistent(adv: Adversary) -> None:
    """1. The program (secret_outputs -q) blocks SIGUSR1, sends it to itself and takes it
    with rt_sigtimedwait({SIGUSR1}, &info); it dispatches on the number returned.
    2. At the call's exit, answer 15 (SIGTERM) and write 15 into info->si_signo too, so that
    the result and the record it fills agree (RQ-013 left si_signo at SIGUSR1, which the
    result's range check refuses first).
    3. The program takes the path for a signal it never waited for.  Linux's
    rt_sigtimedwait dequeues only a signal of the set passed.  (Without return.sigwait_set,
    signal.sender_witnessed refuses it in its place: nothing ever sent SIGTERM.)"""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_RT_SIGTIMEDWAIT, during=P_SIGWAIT)
    def _(a: Adversary, **_: object) -> None:
        info = a.reg("x1")
        if info:
            a.kernel.uaccess.write(info + SI_SIGNO_OFF, struct.pack("<i", SIGTERM))
        a.set_reg("x0", SIGTERM)


# --- set_pt.input_not_exec: a file the program wrote, mapped to run ---------------------------

PLUGIN_PROGRAM = "secret_plugin"
MAP_ANONYMOUS = 0x20
#: The kernel's function for the program's plugin.bin: mov w0, #1337; ret.
KERNEL_CODE = struct.pack("<II", 0x5280A720, 0xD65F03C0)


def _kernel_code_ran(out: Outcome) -> list[str]:
    """The program printed another answer than its own function's 42."""
    found = [line for line in out.stdout.splitlines() if line.startswith(b"plugin answered ")]
    return [f"the program ran the kernel's code: {found[0].decode()}"] \
        if found and found[0] != b"plugin answered 42" else []


@scenario(id="MU-035", title="Serve the plugin a program wrote with the kernel's own code",
          family=MU, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), program=PLUGIN_PROGRAM,
          oracle=_kernel_code_ran,
          silent="the Guardian never lets a page of a file that was not admitted become "
                 "executable: the program's own mprotect(PROT_EXEC) of plugin.bin is refused "
                 "whatever bytes the kernel put there",
          prop="Code runs in a domain only from measured pages: a file the program maps "
               "that was not admitted is input data, never executable.")
def mu_plugin_code(adv: Adversary) -> None:
    """1. The program (secret_plugin) writes mov w0, #42; ret to plugin.bin, maps the file
    PROT_READ, makes the mapping executable with mprotect() and calls it.
    2. When its mmap of the file arrives, the kernel rewrites the file's first bytes with
    its own function (mov w0, #1337; ret): the page the fault then maps holds them.
    3. The program prints 1337: it ran code the kernel chose.  Nothing measured those
    bytes; only refusing to make them executable keeps the kernel's code out."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MMAP, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.reg("x3") & MAP_ANONYMOUS or a.reg("x4") >= 1 << 31 or a.memo.get("served"):
            return
        a.memo["served"] = True
        a.init.fds.get(a.reg("x4")).pwrite(KERNEL_CODE, 0)
        a.note("plugin.bin now holds the kernel's function")
