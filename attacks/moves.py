"""Kernel moves the red-team families share.

Each move is one thing a kernel does with only its own powers (its syscall dispatch, the
registers of the call it serves, the user access that call grants, its descriptor table):
serve a call as another, answer a result, write back a word the call returns in, change
a call's arguments for the call only, keep what a marker announced.  A move registers its
callbacks on an `Adversary` for the program's next such call after one marker; a scenario
is a few moves and its docstring.  Only moves more than one family uses live here; the
oracle helper reads what the program reported through its markers, and one scenario shape
two families register (the admitted file served as a zero page) is registered here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from abi import Call
from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, documented, scenario
from attacks.workload import Marker
from kernel_model import signals as sig
from kernel_model.devfiles import RandomFile

NR_GETPID = NUMBERS["getpid"]
NR_MMAP = NUMBERS["mmap"]
MAP_ANONYMOUS = 0x20
NO_FD = (1 << 64) - 1           # mmap's descriptor for an anonymous mapping (-1)

#: A register value, or a function of the adversary when the call is served.
Value = int | Callable[[Adversary], int]


def serve_as_getpid(adv: Adversary, nr: int, phase: int, result: Value = 0, *,
                    init_only: bool = True) -> None:
    """Serve the program's next call `nr` after marker `phase` as getpid() (a call that
    writes nothing to user memory) and answer `result`, as if the call had done its work;
    put the program's x8 back at the exit (without a Guardian the kernel's own entry code
    would)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, init_only=init_only)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("x8", nr)] = a.reg("x8")
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, init_only=init_only)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", a.memo.pop(("x8", nr), nr))
        a.set_reg("x0", result(a) if callable(result) else result)


def serve_stat_written(adv: Adversary, nr: int, phase: int, arg: int, size: int) -> None:
    """Serve the call as getpid() and write `size` bytes of a stat record (st_mode a
    character device's, the rest 0) where argument `arg` points, then answer 0."""
    seen: list[int] = []

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        seen.append(a.el1.syscall_args()[arg])

    def _wrote(a: Adversary) -> int:
        if seen:
            for off in range(0, size, 8):
                a.kernel.uaccess.write_u64(seen[-1] + off, 0)
            # st_mode S_IFCHR | 0666: struct stat at 16, struct statx at 28 (u16)
            a.kernel.uaccess.write_u32(seen[-1] + (16 if size == 128 else 28), 0o20666)
        return 0
    serve_as_getpid(adv, nr, phase, _wrote)


#: (id, phase, call number, what the program calls, Linux's answer, why, forged answer)
ForgedStep = tuple[str, int, int, str, str, str, int]


def forged_answers(iago: Callable[..., Callable[[Callable[[Adversary], None]], object]],
                   steps: tuple[ForgedStep, ...], open_ids: frozenset[str], *,
                   seen: Callable[[str, int], str],
                   child_phases: tuple[int, ...] = (),
                   before: Callable[[Adversary, int], None] | None = None) -> None:
    """Register one scenario per step of a round's table: the kernel serves the call as
    getpid() and answers the forged value (`serve_as_getpid`); `seen(linux, forged)` says
    what the program then sees, `child_phases` the steps a child process makes, `before`
    what the kernel does first at a step (its phase given); the open ids carry gap P5."""
    for xid, phase, nr, what, err, linux, forged in steps:
        def forge(adv: Adversary, _p: int = phase, _n: int = nr, _v: int = forged) -> None:
            if before is not None:
                before(adv, _p)
            serve_as_getpid(adv, _n, _p, _v, init_only=_p not in child_phases)
        doc = (f"""1. The program calls {what}.
    2. The kernel answers {forged} (served as getpid()).
    3. It sees {seen(err, forged)}: index -4, secret bytes 0..7.
    Linux: {linux}: {err}, never {forged}.""")
        iago(xid, f"Answer {forged} to {what}", f"Linux answers {err} ({linux}).",
             gap="P5" if xid in open_ids else "")(documented(forge, doc))


def at_each_new_stack(adv: Adversary, phase: int,
                      act: Callable[[Adversary, int], None]) -> None:
    """Call `act(a, sp)` with the initial stack of each image an exec after marker `phase`
    starts: just before its CREATE_DOMAIN (the call's stack argument) or, without a
    Guardian, where the new image's first call enters."""
    @adv.on(Point.HVC, during=phase, once=False, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes) -> None:
        if call == Call.CREATE_DOMAIN:
            act(a, args[2])

    @adv.on(Point.PRE_DOMAIN, during=phase, once=False, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            act(a, a.reg("sp"))


def answer(adv: Adversary, nr: int, phase: int, result: Value) -> None:
    """Let the program's next call `nr` after marker `phase` run, then answer `result`
    instead of what it returned (a count or a length larger than the call's buffer)."""
    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", result(a) if callable(result) else result)


def write_back(adv: Adversary, nr: int, phase: int, arg: int, value: int,
               result: Value | None = 0, size: int = 4) -> None:
    """Let the program's next call `nr` after marker `phase` run, then write `value` into
    the `size`-byte word its argument `arg` points at (a value-result length, an old value:
    words the call writes back) and answer `result` (None: what the call returned)."""
    if size not in (4, 8):
        raise ValueError(f"write_back: a word of {size} bytes; use 4 or 8")

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        where = a.el1.syscall_args()[arg]
        if size == 8:
            a.kernel.uaccess.write_u64(where, value)
        else:
            a.kernel.uaccess.write_u32(where, value)
        if result is not None:
            a.set_reg("x0", result(a) if callable(result) else result)


def serve_with(adv: Adversary, nr: int, phase: int, change: dict[str, Value],
               init_only: bool = True) -> None:
    """Serve the program's next call `nr` after marker `phase` with argument registers
    changed; put the program's own values back at the call's exit, as the registers the
    call does not return in are the program's (without a Guardian the kernel's own entry
    code would restore them)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, init_only=init_only)
    def _(a: Adversary, **_: object) -> None:
        a.memo[("saved", nr)] = {r: a.reg(r) for r in change}
        for r, v in change.items():
            a.set_reg(r, v(a) if callable(v) else v)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase, init_only=init_only)
    def _(a: Adversary, **_: object) -> None:
        for r, v in a.memo.pop(("saved", nr), {}).items():
            if r != "x0":
                a.set_reg(r, v)


def file_as_zero_page(adv: Adversary, phase: int, init_only: bool = True) -> None:
    """Serve the program's next file mmap after marker `phase` as an anonymous
    (zero-filled) page instead of the file's bytes."""
    serve_with(adv, NR_MMAP, phase, {"x3": lambda a: a.reg("x3") | MAP_ANONYMOUS,
                                      "x4": NO_FD}, init_only)


def keep_marker_arg(adv: Adversary, phase: int, key: object, index: int = 0,
                    offset: int = 0) -> None:
    """When the program reaches marker `phase`, keep its argument `index` (plus `offset`)
    in the scenario's memo under `key`: an address the later moves act on."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo[key] = args[index] + offset


def known_random_behind(a: Adversary, name: str, known: bytes) -> None:
    """Put a random device of the kernel's own, whose source is `known` (bytes the kernel
    chose and keeps), behind the descriptor the openat() being served returns."""
    fd = a.reg("x0")
    fds = a.init.fds
    fds.close(fd)
    fds.install(RandomFile(0, name, lambda n: known[:n]), lowest=fd)
    a.observe(known, f"the bytes the kernel served as {name}")


def hold_signal(adv: Adversary, phase: int, signo: int, *, take_at: tuple[Point, str] =
                (Point.SYSCALL_EXIT, "rt_sigprocmask"), give_back_at: tuple[Point, str] =
                (Point.SYSCALL_EXIT, "rt_sigreturn"), thread_only: bool = False) -> None:
    """After marker `phase`, at `take_at` (the unblocking rt_sigprocmask's return, by
    default) take `signo` off the pending sets (the thread's only, with `thread_only`),
    and put it back at `give_back_at` (the first handler's rt_sigreturn): the kernel
    delivers the signals pending with it first."""
    @adv.on(take_at[0], nr=NUMBERS[take_at[1]], during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, thread: object = None, **_: object) -> None:
        queues = (thread.pending,) if thread_only else (  # type: ignore[attr-defined]
            a.init.pending, thread.pending)  # type: ignore[attr-defined]
        for pending in queues:
            if pending.mask & sig.bit(signo):
                a.memo["held"] = (pending, pending.take(signo))
                a.note(f"signal {signo} held back")
                return
        a.note(f"signal {signo} not pending")

    @adv.on(give_back_at[0], nr=NUMBERS[give_back_at[1]], during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        held = a.memo.pop("held", None)
        if held:
            held[0].add(signo, held[1])
            a.note(f"signal {signo} pending again")


def grow_down_at_fault(adv: Adversary, phase: int) -> None:
    """At a data abort after marker `phase` on a free page right below a MAP_GROWSDOWN
    area, move the area's start down over that page (expand_stack()), so the kernel's
    fault path maps a fresh page there."""
    @adv.on(Point.FAULT, during=phase)  # type: ignore[arg-type]
    def _(a: Adversary, info: object = None, **_: object) -> None:
        page = info.far & ~0xFFF  # type: ignore[attr-defined]
        above = a.mm.vmas.find(page + 0x1000)
        if above is None or not above.growsdown or not a.mm.vmas.is_free(page, page + 0x1000):
            a.note("no MAP_GROWSDOWN area right above the fault")
            return
        a.mm.vmas.replace(above, replace(above, start=page))
        a.note(f"the MAP_GROWSDOWN area grown down over {page:#x}")


def program_markers(out: Outcome, phase: int) -> list[Marker]:
    """The markers `phase` the program's first process reported, in order."""
    return [m for m in out.markers if m.phase == phase and m.pid == out.init_pid]


def admitted_file_as_zero_page(*, id: str, title: str, prop: str,  # noqa: A002
                               opens: tuple[str, ...], phase: int, family: str,
                               program: str) -> None:
    """Register the scenario shape several families share: the program opens its own
    admitted file some way and maps the first page (`opens`: the first step's lines as
    `blindfold attack explain` shows them), then compares the page with its loaded ELF
    header page; the kernel serves the mapping as a zero-filled page."""
    def steps(adv: Adversary) -> None:
        file_as_zero_page(adv, phase)
    doc = "\n".join((*opens, "2. Serve the mapping as a zero-filled anonymous page.",
                      "3. The program compares the page with its loaded ELF header page."))
    scenario(id=id, title=title, prop=prop, family=family, goal=Goal.TAMPER,
             rules=("G-MEASURE-ALL",), program=program)(documented(steps, doc))
