"""Attacks that only the Guardian's narrower checks stop: each is refused with one named
check in the intact build, and gets through when that check alone is removed
(`blindfold attack mutate CHECK`).

Some need a variant of the program (`Scenario.args`): `-f` maps its own admitted file
and the same file as input data, `-s` registers a SIGSEGV handler.
"""

from __future__ import annotations

from abi import Call
from attacks.adversary import PAGE, Adversary
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import MAP_FILE, SEGV_HANDLER, Phase
from emulator import descriptors as D
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
        page = getattr(a.layout, which)
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
          family=MU, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), args=(MAP_FILE,),
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
          family=MU, goal=Goal.TAMPER, rules=("G-MEASURE-ALL",), args=(MAP_FILE,),
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
          args=(SEGV_HANDLER,),
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
