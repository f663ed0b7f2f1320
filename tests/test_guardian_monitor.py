"""The Guardian as a monitor: its check registry, invariants after every call, the El1
face shut after a return to user code, the DMA filter, and the return-path rules."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from abi import Call, FrameKind, Status
from abi.layout import CLONE_VM, NR_CLONE, NR_EXIT_GROUP, NR_MMAP
from cli.session import run_program
from emulator import sysregs as S
from emulator.bus_filter import DmaFault
from emulator.el1 import CoreOwnedByUser
from emulator.fastuc import UserContext
from emulator.machine import Machine
from emulator.machine_config import load_machine
from guardian import checks
from guardian.monitor import Guardian
from guardian.slots import Slot
from tests.test_secure_mm import ROOT_A, ROOT_N, build

ROOT = Path(__file__).resolve().parents[1]


def test_every_check_is_registered_and_made() -> None:
    used: set[str] = set()
    for path in (ROOT / "guardian").glob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r'(?:refuse|enabled|Refused)\(\s*"([a-z0-9_.]+)"', text))
        # (the per-exception paths compare with the switch instead of calling `enabled`)
        used |= set(re.findall(r'MUTATED\s*[!=]=\s*"([a-z0-9_.]+)"', text))
    assert used - set(checks.CHECKS) == set(), "checks made but not registered"
    assert set(checks.CHECKS) - used == set(), "registered checks no code makes"


def test_registry_lists_and_a_bad_mutation_is_a_clear_error() -> None:
    cmd = [sys.executable, "-c", "import guardian.checks as c; print(list(c.CHECKS))"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    assert "'set_pt.one_mapping'" in out.stdout
    bad = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "BLINDFOLD_MUTATE": "no.such.check"})
    assert bad.returncode != 0 and "no such Guardian check" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("program, args", [("hello", []), ("signals", []),
                                           ("forkexec", []), ("threads", [])])
def test_invariants_hold_after_every_guardian_call(program: str, args: list[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Guardian] = []
    init = Guardian.__init__

    def checked(self: Guardian, *a: object, **kw: object) -> None:
        init(self, *a, **kw)  # type: ignore[arg-type]
        self.check_invariants_after_every_call()
        made.append(self)

    monkeypatch.setattr(Guardian, "__init__", checked)
    native = run_program(program, args, machine="small")
    conf = run_program(program, args, machine="small", guardian="on", confidential=True)
    assert conf.exit_code == native.exit_code == 0, conf.warnings
    assert made and made[-1].invariants.violations() == []


def test_el1_face_refuses_every_state_touching_operation_after_resume() -> None:
    hw = Machine(load_machine("small"))
    face = hw.el1(0)
    face.user_owned = True
    for op in (lambda: face.fill(0, 0, 8), lambda: face.copy_page(0, 4096),
               lambda: face.read(0, 8), lambda: face.write_u64(0, 1),
               lambda: face.msr(S.TTBR0_EL1, 0), lambda: face.reg(0), lambda: face.gprs(),
               lambda: face.translate(0, 0), lambda: face.tlbi_all(),
               lambda: face.invalidate_all_code(), lambda: face.hvc(0xCA0)):
        with pytest.raises(CoreOwnedByUser):
            op()
    face.user_owned = False
    assert face.mrs(S.SCTLR_EL1) >= 0 and face.hvc(0xCA0) == (7, 0)


def test_dma_filter_follows_the_frame_table_and_reports_a_decision() -> None:
    s = build()
    port = s.hw.dma_port()
    pa = s.b + 0x40000                     # a confidential page of domain 1
    assert s.g.frames.kind_of(pa) == FrameKind.CONFIDENTIAL
    with pytest.raises(DmaFault):
        port.read(pa, 16)
    assert s.g.decisions[-1].call == "dma" and s.g.decisions[-1].check == "dma.filter"
    with pytest.raises(DmaFault):
        port.write(s.g.reserved_base, b"x")          # the Guardian's own memory
    free = s.b + 0x60000
    port.write(free, b"ok")
    assert port.read(free, 2) == b"ok"


def _clone_slot(s, sid: int, flags: int) -> None:  # noqa: ANN001
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), 0x400100, NR_CLONE,
                               (flags, 0, 0, 0, 0, 0), root=s.b + ROOT_A)


def test_one_clone_yields_one_child() -> None:
    s = build()
    _clone_slot(s, 500, CLONE_VM)
    status, child, _ = s.call(Call.FORK_DOMAIN, 0, 500, CLONE_VM)
    assert status == Status.OK and child
    assert s.call(Call.FORK_DOMAIN, 0, 500, CLONE_VM)[0] == Status.ERR_STATE
    assert s.g.decisions[-1].check == "fork.one_child"
    # The program's own flags decide: no CLONE_VM means a new address space.
    _clone_slot(s, 501, 0)
    assert s.call(Call.FORK_DOMAIN, 0, 501, CLONE_VM)[0] == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "fork.vm_flags"


def test_fork_gives_the_child_its_own_layout_and_handlers() -> None:
    s = build()
    _clone_slot(s, 502, 0)
    child_root = s.b + ROOT_N
    status, _, _ = s.call(Call.FORK_DOMAIN, child_root, 502, 0)
    assert status == Status.OK
    dom = s.g.conf.domains[1]
    parent, child = dom.spaces[s.b + ROOT_A], dom.spaces[child_root]
    child.areas.append((0x5000_0000, 0x5000_1000))
    child.handlers[17] = (0, 0, 0, 0)
    assert (0x5000_0000, 0x5000_1000) not in parent.areas and 17 not in parent.handlers


def test_restart_only_at_the_svc_of_a_restartable_syscall() -> None:
    s = build()
    root = s.b + ROOT_A
    s.hw.cpus[0].write_sysreg(S.TTBR0_EL1, root)
    s.g.conf.slots[600] = Slot(600, 1, UserContext(), 0x400104, NR_MMAP,
                               (0, 4096, 3, 0x22, 0, 0), root=root)
    before = s.g.frames.snapshot()
    assert s.call(Call.RESUME, 600, 0, 0x400100)[0] == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.restart_svc"
    assert s.g.frames.snapshot() == before and 600 in s.g.conf.slots


def test_exit_group_never_returns_to_user_code() -> None:
    s = build()
    root = s.b + ROOT_A
    s.hw.cpus[0].write_sysreg(S.TTBR0_EL1, root)
    s.g.conf.slots[601] = Slot(601, 1, UserContext(), 0x400104, NR_EXIT_GROUP,
                               (0, 0, 0, 0, 0, 0), root=root)
    assert s.call(Call.RESUME, 601, 0, 0x400104)[0] == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.no_exit" and 601 in s.g.conf.slots


def test_the_kernel_sees_no_user_pc_at_a_data_abort(monkeypatch: pytest.MonkeyPatch) -> None:
    """A confidential program's page faults show the kernel the address, never the PC."""
    from kernel_model.kernel import Kernel
    seen: list[int] = []
    orig = Kernel._el0_sync

    def spy(self, cpu, info):  # noqa: ANN001, ANN202
        if info.is_data_abort:
            seen.append(info.elr)
        return orig(self, cpu, info)

    monkeypatch.setattr(Kernel, "_el0_sync", spy)
    r = run_program("hello", [], machine="small", guardian="on", confidential=True)
    assert r.exit_code == 0 and seen and set(seen) == {0}


def _aborts_the_kernel_sees(monkeypatch: pytest.MonkeyPatch, program: str,
                            mutate: str = "") -> list[tuple[int, ...]]:
    """(class, the record's FAR, FAR_EL1, ELR_EL1) of every abort the kernel's vector takes
    from a confidential run of `program`."""
    from kernel_model.kernel import Kernel
    seen: list[tuple[int, ...]] = []
    orig = Kernel._el0_sync

    def spy(self, cpu, info):  # noqa: ANN001, ANN202
        ec = info.esr >> 26
        if ec in (0x20, 0x24):          # an instruction or data abort from EL0
            seen.append((ec, info.far, cpu.read_sysreg(S.FAR_EL1), cpu.read_sysreg(S.ELR_EL1)))
        return orig(self, cpu, info)

    monkeypatch.setattr(Kernel, "_el0_sync", spy)
    monkeypatch.setattr(checks, "MUTATED", checks.MUTATED)     # put back afterwards
    r = run_program(program, [], machine="small", guardian="on", confidential=True,
                    mutate=mutate)
    assert r.exit_code == 0, r.warnings
    return seen


def test_the_kernel_sees_only_the_page_of_a_fault_address(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """At a confidential thread's data or instruction abort FAR_EL1 (and the record the
    kernel's vector gets) hold the fault address's page, offset cleared, and an
    instruction abort shows no ELR (it is the fault address); the program's own signal
    handler still gets the exact si_addr (the signals workload checks it)."""
    seen = _aborts_the_kernel_sees(monkeypatch, "signals")
    assert {0x20, 0x24} <= {ec for ec, *_ in seen}, seen
    assert all(far == far_el1 and not far & 0xFFF for _, far, far_el1, _ in seen), seen
    assert all(elr == 0 for ec, _, _, elr in seen if ec == 0x20), seen


def test_without_the_check_the_kernel_sees_the_exact_fault_address(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _aborts_the_kernel_sees(monkeypatch, "signals", "entry.hide_fault_offset")
    assert any(far & 0xFFF for _, far, _, _ in seen), seen
    assert any(elr for ec, _, _, elr in seen if ec == 0x20), seen


def test_keys_come_from_the_guardian_seed_not_the_machine() -> None:
    a = Guardian(Machine(load_machine("small")), guardian_seed=1)
    b = Guardian(Machine(load_machine("small")), guardian_seed=2)
    c = Guardian(Machine(load_machine("small")), guardian_seed=1)
    ka, kb, kc = (g.state.entropy.domain_key(1) for g in (a, b, c))
    assert ka != kb and ka == kc


def test_without_a_seed_each_boot_draws_fresh_entropy() -> None:
    """No constant of the monitor's source names the keys: two boots without an
    operator's seed share no key and no draw; the seed a boot drew reproduces it."""
    a, b = (Guardian(Machine(load_machine("small"))) for _ in range(2))
    assert a.guardian_seed != b.guardian_seed
    assert a.state.entropy.domain_key(1) != b.state.entropy.domain_key(1)
    assert a.state.entropy.draw(32, b"getrandom") != b.state.entropy.draw(32, b"getrandom")
    again = Guardian(Machine(load_machine("small")), guardian_seed=a.guardian_seed)
    assert again.state.entropy.domain_key(1) == a.state.entropy.domain_key(1)


def test_guardian_seed_option_and_mutation_on_the_command_line(tmp_path: Path) -> None:
    r = run_program("hello", [], machine="small", guardian="on", confidential=True,
                    guardian_seed=7, mutate="entry.hide_irq_pc")
    assert r.exit_code == 0
    checks.set_mutation("")
    from emulator.errors import UsageError
    with pytest.raises(UsageError):
        run_program("hello", [], machine="small", guardian="on", mutate="nope")
    checks.set_mutation("")


@pytest.mark.parametrize("check, call, args", [
    ("frame.in_ram", Call.SET_PT, (1 << 40, 0, 0)),
    ("free_pgd.root", Call.FREE_PGD, (1 << 40,)),
    ("return.slot", Call.RESUME, (77, 0, 0)),
    ("uaccess.slot", Call.USER_READ, (77, 0, 8)),
    ("copy_page.ram", Call.COPY_PAGE, (1 << 40, 0)),
    ("smm.confidential_root", Call.KSM_MERGE, ("A", 0x7000_0000_0000, "N", 0x7000_0000_0000, 0)),
])
def test_a_mutated_build_fails_a_call_it_cannot_serve_without_crashing(
        check: str, call: Call, args: tuple) -> None:
    s = build()
    named = {"A": s.b + ROOT_A, "N": s.b + ROOT_N}
    real = tuple(named.get(a, a) if isinstance(a, str) else a for a in args)
    checks.set_mutation(check)
    try:
        status, _, _ = s.call(call, *real)
    finally:
        checks.set_mutation("")
    assert status == Status.ERR_STATE
    assert s.g.decisions[-1].check == check and "this build has no" in s.g.decisions[-1].reason
    assert s.call(call, *real)[0] != Status.OK          # the intact build refuses it


def _finish_syscall(s, sid: int, nr: int, args: tuple, ret: int) -> None:  # noqa: ANN001
    root = s.b + ROOT_A
    cpu = s.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, root)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())          # the MMU as the kernel sets it up
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), 0x400104, nr, args, root=root)
    assert s.call(Call.RESUME, sid, ret, 0x400104)[0] == Status.OK, s.g.decisions[-1:]
    s.g.lock_el1(False)                  # the program's next exception: the kernel runs


def test_file_pages_are_measured_where_the_programs_own_mmap_put_them() -> None:
    """A page of an admitted file enters the domain only with that file's bytes at that
    offset, at the address the program's mmap of its own openat descriptor returned."""
    from abi.layout import NR_CLOSE, NR_OPENAT
    from emulator import descriptors as D
    from tests.test_secure_mm import FREE, FREE2, PAGE, PAGES_A, VA
    s = build()
    b = s.b
    library = bytes(range(256)) * 16 + b"tail of the library"      # one page and a bit
    s.g.conf.admit_file("/lib/libdemo.so", library)
    s.hw.ram.write(b + PAGES_A, b"/lib/../lib/libdemo.so\0")       # the program's path string
    _finish_syscall(s, 700, NR_OPENAT, (0xFFFF_FF9C, VA, 0, 0, 0, 0), 3)
    at = VA + 16 * PAGE
    _finish_syscall(s, 701, NR_MMAP, (0, 3 * PAGE, 1, 2, 3, 0), at)
    l3 = s.tables[b + ROOT_A][3]
    index = D.level_index

    read_only = D.PagePerms(user=True, write=False, user_exec=False)   # its PROT_READ

    def map_page(va: int, frame: int, data: bytes) -> int:
        s.hw.ram.write(frame, data.ljust(PAGE, b"\0"))
        return s.call(Call.SET_PT, l3, index(va, 3), D.leaf_descriptor(frame, read_only))[0]

    # Offset 0x1000 at the first page, or offset 0 at the second: refused.
    assert map_page(at, b + FREE, library[PAGE:]) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "set_pt.measured_file"
    assert map_page(at + PAGE, b + FREE, library[:PAGE]) == Status.ERR_DENIED
    assert map_page(at, b + FREE, library[:PAGE]) == Status.OK
    assert map_page(at + PAGE, b + FREE2, library[PAGE:]) == Status.OK
    assert s.g.stats.get("guardian.file_pages_measured") == 2
    # After close, fd 3 names no admitted file: a read-only mapping of it brings input data
    # (as read() would), which may arrive with the kernel's bytes but never executable ...
    _finish_syscall(s, 702, NR_CLOSE, (3, 0, 0, 0, 0, 0), 0)
    _finish_syscall(s, 703, NR_MMAP, (0, PAGE, 1, 2, 3, 0), VA + 32 * PAGE)
    s.hw.ram.write(b + 0x63000, library[:PAGE])
    executable = D.leaf_descriptor(b + 0x63000, read_only) & ~D.UXN
    assert s.call(Call.SET_PT, l3, index(VA + 32 * PAGE, 3), executable)[0] == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "set_pt.protection"        # mmap asked no PROT_EXEC
    checks.set_mutation("set_pt.protection")                      # and behind that check:
    try:
        assert s.call(Call.SET_PT, l3, index(VA + 32 * PAGE, 3), executable)[0] \
            == Status.ERR_DENIED
    finally:
        checks.set_mutation("")
    assert s.g.decisions[-1].check == "set_pt.input_not_exec"
    assert map_page(VA + 32 * PAGE, b + 0x63000, library[:PAGE]) == Status.OK
    assert s.g.stats.get("guardian.input_pages") == 1
    # ... while a mapping the program asked to execute gets measured pages or zeros only.
    _finish_syscall(s, 704, NR_MMAP, (0, PAGE, 5, 2, 3, 0), VA + 48 * PAGE)
    assert map_page(VA + 48 * PAGE, b + 0x64000, library[:PAGE]) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "set_pt.zero_fill"


def test_the_launch_path_admits_the_files_the_user_names(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from emulator.errors import UsageError
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "libdemo.so").write_bytes(b"\x7fELF library bytes")
    made: list[Guardian] = []
    init = Guardian.__init__

    def spy(self: Guardian, *a: object, **kw: object) -> None:
        init(self, *a, **kw)  # type: ignore[arg-type]
        made.append(self)

    monkeypatch.setattr(Guardian, "__init__", spy)
    r = run_program("hello", [], machine="small", guardian="on", confidential=True,
                    rootfs=tmp_path, admit=["/lib/libdemo.so"])
    assert r.exit_code == 0 and list(made[-1].conf.files) == ["/lib/libdemo.so"]
    for bad in ("/lib/none.so", "lib/libdemo.so", "/../etc/passwd"):
        with pytest.raises(UsageError):
            run_program("hello", [], machine="small", guardian="on", confidential=True,
                        rootfs=tmp_path, admit=[bad])


def test_a_write_that_moved_bytes_is_never_restarted() -> None:
    from abi.layout import TRANSFERS
    s = build()
    root = s.b + ROOT_A
    s.hw.cpus[0].write_sysreg(S.TTBR0_EL1, root)
    nr_write = 64
    assert nr_write in TRANSFERS
    s.g.conf.slots[602] = Slot(602, 1, UserContext(), 0x400104, nr_write,
                               (1, 0x400000, 15, 0, 0, 0), root=root, touched=15)
    assert s.call(Call.RESUME, 602, 0, 0x400100)[0] == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.restart_untouched"


def test_a_read_restarts_unless_it_wrote_into_the_program() -> None:
    """readv read its iovec array (an argument) and blocked: nothing moved, so a restart
    is Linux's; once it wrote into the program's buffer it completed and is not restarted."""
    from abi.layout import READ_TRANSFERS
    s = build()
    root = s.b + ROOT_A
    s.hw.cpus[0].write_sysreg(S.TTBR0_EL1, root)
    nr_readv = 65
    assert nr_readv in READ_TRANSFERS
    s.g.conf.slots[603] = Slot(603, 1, UserContext(), 0x400104, nr_readv,
                               (3, 0x400000, 1, 0, 0, 0), root=root, touched=16)
    # Past the moved-bytes rule: it stops only at the next one (this scene has no SVC there).
    assert s.call(Call.RESUME, 603, 0, 0x400100)[0] == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.restart_svc"
    s.g.conf.slots[604] = Slot(604, 1, UserContext(), 0x400104, nr_readv,
                               (3, 0x400000, 1, 0, 0, 0), root=root, touched=24,
                               written=[(0x400100, 0x400108)])
    assert s.call(Call.RESUME, 604, 0, 0x400100)[0] == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.restart_untouched"


def test_a_calls_user_access_reaches_only_its_own_address_space() -> None:
    """USER_READ/USER_WRITE with a slot of tree C while tree A (same domain) is loaded
    are refused; the one exception is the CLONE_CHILD_SETTID word a clone of A writes
    into the fork child (tree C) it yielded."""
    from abi.layout import CLONE_CHILD_SETTID
    from tests.test_secure_mm import ROOT_C, VA
    s = build()
    b = s.b
    cpu = s.hw.cpus[0]
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    clone_args = (CLONE_CHILD_SETTID | 17, 0, 0, 0, VA, 0)
    s.g.conf.slots[800] = Slot(800, 1, UserContext(), 0x400104, NR_CLONE, clone_args,
                               root=b + ROOT_C)
    cpu.write_sysreg(S.TTBR0_EL1, b + ROOT_A)
    for call in (Call.USER_READ, Call.USER_WRITE):
        status, _, _ = s.g.hvc_data(call, (800, VA, 4), bytes(4))
        assert status == Status.ERR_DENIED
        assert s.g.decisions[-1].check == "uaccess.slot_tree"
    parent = Slot(801, 1, UserContext(), 0x400104, NR_CLONE, clone_args, root=b + ROOT_A)
    parent.children, parent.child_process, parent.child_root = 1, 5, b + ROOT_C  # (its fork)
    s.g.conf.slots[801] = parent
    s.g.conf.registry.process_of_root[b + ROOT_C] = 5
    cpu.write_sysreg(S.TTBR0_EL1, b + ROOT_C)
    n = len(s.g.decisions)
    status, _, _ = s.g.hvc_data(Call.USER_WRITE, (801, VA, 4), (5).to_bytes(4, "little"))
    assert status in (Status.OK, Status.FAULT_IN) and len(s.g.decisions) == n, s.g.decisions[-1:]
    status, _, _ = s.g.hvc_data(Call.USER_READ, (801, VA, 4), b"")
    assert status == Status.ERR_DENIED and s.g.decisions[-1].check == "uaccess.slot_tree"


def test_an_exec_of_an_image_the_user_did_not_admit_is_explained(tmp_path: Path) -> None:
    """forkexec re-executes argv[0]; named /bin/hello, that is an image the user never
    admitted: the Guardian refuses it, and the run says what that means for the user."""
    (tmp_path / "bin").mkdir()
    hello = Path(__file__).parent.parent / "workloads" / "bin" / "hello"
    (tmp_path / "bin" / "hello").write_bytes(hello.read_bytes())
    (tmp_path / "bin" / "hello").chmod(0o755)
    r = run_program("forkexec", [], rootfs=tmp_path, argv0="/bin/hello", guardian="on",
                    confidential=True, stdout=io.BytesIO(), stderr=io.BytesIO())
    assert any("did not admit" in w and "--admit PATH" in w for w in r.warnings), r.warnings


def test_a_program_admitted_with_admit_may_be_execd_as_a_new_domain(tmp_path: Path) -> None:
    """--admit names a program the confidential program may exec: forkexec's execve of
    /bin/hello then starts hello, measured, as a second domain."""
    (tmp_path / "bin").mkdir()
    hello = Path(__file__).parent.parent / "workloads" / "bin" / "hello"
    (tmp_path / "bin" / "hello").write_bytes(hello.read_bytes())
    out = io.BytesIO()
    r = run_program("forkexec", [], rootfs=tmp_path, argv0="/bin/hello", guardian="on",
                    confidential=True, admit=["/bin/hello"], stdout=out, stderr=io.BytesIO())
    assert not r.warnings, r.warnings
    assert r.stats["guardian.calls.create_domain"] == 2
    assert b"Hello" in out.getvalue() or b"hello" in out.getvalue()
