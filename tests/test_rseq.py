"""Restartable sequences: sys_rseq()'s checks (kernel_model/rseq.py, and the Guardian's
judgement of the answer, guardian/rseq_areas.py), rseq_ip_fixup() in the kernel model and
in the Guardian (inside and outside the section, a bad signature), and a run that aborts a
section twice alike."""

from __future__ import annotations

import errno
import itertools
import struct
from types import SimpleNamespace

import pytest

from abi import Status
from abi.syscalls import NUMBERS
from emulator.fastuc import CTX_PC
from guardian.checks import Refused
from guardian.rseq_areas import Area, RseqAreas, linux_errno
from guardian.slots import Space
from kernel_model import rseq as krseq

SIG = 0xD428BC00
AREA, CS, START, POST, ABORT = 0x1000, 0x2000, 0x3000, 0x3040, 0x3100


class Memory:
    """User memory as a dict of bytes; addresses below 0x100 are unmapped."""

    def __init__(self) -> None:
        self.b: dict[int, int] = {}

    def put(self, va: int, data: bytes) -> None:
        for i, x in enumerate(data):
            self.b[va + i] = x

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        if va < 0x100:
            return None
        return bytes(self.b.get(va + i, 0) for i in range(n))

    def write(self, va: int, data: bytes, root: int | None = None) -> int | None:
        self.put(va, data)
        return None

    def first_missing(self, va: int, n: int, write: bool) -> int | None:
        return va if va < 0x100 else None

    def kread(self, va: int, n: int) -> bytes:
        raw = self.read(va, n)
        if raw is None:
            raise ValueError("fault")
        return raw


def _memory(signature: int = SIG, cs_flags: int = 0) -> Memory:
    m = Memory()
    m.put(AREA, struct.pack("<IIQIII", 7, 7, CS, 0, 7, 7))
    m.put(CS, struct.pack("<IIQQQ", 0, cs_flags, START, POST - START, ABORT))
    m.put(ABORT - 4, struct.pack("<I", signature))
    return m


def test_sys_rseq_checks_and_the_guardians_judgement_agree() -> None:
    cur = krseq.Rseq(AREA, 32, SIG)
    mine = Area(AREA, 32, SIG)
    vas = (AREA, AREA + 8, AREA + 32, (1 << 48) - 32)
    for va, length, flags, sig in itertools.product(vas, (16, 28, 32, 64), (0, 1, 2, 3),
                                                    (SIG, SIG + 1)):
        assert krseq.register_errno(None, va, length, flags, sig) == \
            linux_errno(None, va, length, flags, sig)
        assert krseq.register_errno(cur, va, length, flags, sig) == \
            linux_errno(mine, va, length, flags, sig)
    assert linux_errno(None, AREA, 32, 0, SIG) == 0
    assert linux_errno(None, AREA + 16, 32, 0, SIG) == errno.EINVAL     # 32-byte aligned
    assert linux_errno(None, AREA, 28, 0, SIG) == errno.EINVAL          # below ORIG_RSEQ_SIZE
    assert linux_errno(mine, AREA, 32, 0, SIG) == errno.EBUSY
    assert linux_errno(mine, AREA, 32, 0, SIG + 1) == errno.EPERM
    assert linux_errno(mine, AREA + 32, 32, 0, SIG) == errno.EINVAL
    assert linux_errno(mine, AREA, 32, 1, SIG + 1) == errno.EPERM
    assert linux_errno(mine, AREA, 32, 1, SIG) == 0


@pytest.mark.parametrize(("pc", "want"), [(START, ABORT), (POST - 4, ABORT), (POST, -1),
                                          (START - 4, -1), (ABORT, -1)])
def test_kernel_fixup_moves_only_a_pc_inside_the_section(pc: int, want: int) -> None:
    m = _memory()
    assert krseq.fixup_target(m.kread, AREA, SIG, pc) == want


def test_kernel_fixup_refuses_a_bad_signature_or_flags() -> None:
    with pytest.raises(ValueError):
        krseq.fixup_target(_memory(SIG + 1).kread, AREA, SIG, START)
    with pytest.raises(ValueError):
        krseq.fixup_target(_memory(SIG + 1).kread, AREA, SIG, POST)   # checked first
    with pytest.raises(ValueError):
        krseq.fixup_target(_memory(cs_flags=1).kread, AREA, SIG, START)
    assert krseq.fixup_target(_memory(cs_flags=1).kread, AREA, SIG, POST) == -1
    m = _memory()
    m.put(AREA + 8, bytes(8))
    assert krseq.fixup_target(m.kread, AREA, SIG, START) == -1      # no rseq_cs


class Ctx:
    def __init__(self, pc: int) -> None:
        self.r = {CTX_PC: pc}

    def get(self, i: int) -> int:
        return self.r[i]

    def set(self, i: int, v: int) -> None:
        self.r[i] = v


def _at_return(areas: RseqAreas, slot: object, cpu: int, event: bool, switched: bool) -> None:
    plan = areas.plan(slot, event, switched)  # type: ignore[arg-type]
    if plan is not None:
        areas.apply(slot, plan, cpu)  # type: ignore[arg-type]


def _guardian(m: Memory, pc: int) -> tuple[RseqAreas, SimpleNamespace]:
    areas = RseqAreas(m)  # type: ignore[arg-type]
    areas.areas[(1, 5)] = Area(AREA, 32, SIG)
    slot = SimpleNamespace(root=1, thread=5, domain=1, ctx=Ctx(pc), elr=pc, id=9)
    return areas, slot


@pytest.mark.parametrize(("pc", "event", "switched", "moved"),
                         [(START + 8, True, False, True), (POST, True, False, False),
                          (START + 8, False, True, True), (START - 4, False, True, False)])
def test_guardian_fixup_at_an_interrupt_or_a_switch(pc: int, event: bool, switched: bool,
                                                    moved: bool) -> None:
    m = _memory()
    areas, slot = _guardian(m, pc)
    _at_return(areas, slot, 0, event, switched)  # type: ignore[arg-type]
    assert slot.ctx.get(CTX_PC) == (ABORT if moved else pc)
    assert m.read(AREA + 8, 8) == bytes(8)            # rseq_cs cleared once looked at
    assert m.read(AREA, 8) == bytes(8)                # cpu_id_start, cpu_id: CPU 0
    assert m.read(AREA + 20, 8) == bytes(8)           # node_id, mm_cid


def test_guardian_fixup_with_a_bad_signature_ends_the_process() -> None:
    m = _memory(SIG ^ 1)
    areas, slot = _guardian(m, START + 8)
    with pytest.raises(Refused) as exc:
        _at_return(areas, slot, 0, True, switched=False)  # type: ignore[arg-type]
    assert exc.value.check == "return.rseq_abort"
    assert exc.value.signo == 11                       # force_sigsegv(): the kernel's SIGSEGV
    assert slot.ctx.get(CTX_PC) == START + 8


def test_guardian_fork_keeps_a_registration_and_threads_start_without() -> None:
    areas = RseqAreas(Memory())  # type: ignore[arg-type]
    areas.areas[(1, 5)] = Area(AREA, 32, SIG)
    areas.note_clone(1, 5, 2, 6, 0x11)                # fork: SIGCHLD | ...
    areas.note_clone(1, 5, 0, 7, 0x50F00)             # a thread (CLONE_VM | ...)
    areas.note_clone(1, 5, 0, 8, 0x4111)              # vfork (CLONE_VM | CLONE_VFORK)
    assert set(areas.areas) == {(1, 5), (2, 6)}
    areas.forget(1)
    assert set(areas.areas) == {(2, 6)}


def test_an_aborted_section_runs_alike_twice() -> None:
    from attacks.families import redteam_r65c as r
    from tests.test_redteam_r65c_claims import _run

    first = _run(r.claim_rseq_abort_in_section, r.VICTIM)
    second = _run(r.claim_rseq_abort_in_section, r.VICTIM)
    assert any("abort_ip" in n for n in first.evidence), first.evidence
    assert (first.stdout, first.evidence, first.exit_status) == \
        (second.stdout, second.evidence, second.exit_status)


def test_the_kernel_model_aborts_a_preempted_section_of_an_unprotected_program() -> None:
    from attacks.families import redteam_r65c as r
    from attacks.runner import run_one
    from attacks.scenario import Goal, Scenario

    sc = Scenario(id="ZZ-966", title="rseq abort, unprotected", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=r.claim_rseq_abort_in_section,
                  rules=("G-LEAVE-ON-REQUEST",), program=r.VICTIM, timing="exact")
    out = run_one(sc, "off").outcome
    assert any("abort_ip" in n for n in out.evidence), out.evidence
    assert out.exit_status == 0 and out.stdout.endswith(b"secret: intact\n"), out.ended


class _El1:
    cpu_index = 0

    def __init__(self, pc: int) -> None:
        self.pc = pc

    def reg(self, _: int) -> int:
        return self.pc

    def set_reg(self, _: int, value: int) -> None:
        self.pc = value


@pytest.mark.parametrize(("signature", "pc", "want_pc", "segv"),
                         [(SIG, START + 8, ABORT, False), (SIG, POST, POST, False),
                          (SIG ^ 1, START + 8, START + 8, True)])
def test_kernel_return_aborts_or_forces_sigsegv(signature: int, pc: int, want_pc: int,
                                                segv: bool) -> None:
    m = _memory(signature)
    forced: list[int] = []
    uaccess = SimpleNamespace(read=m.kread, write=m.put)
    signals = SimpleNamespace(force=lambda t, signo, info: forced.append(signo))
    k = SimpleNamespace(uaccess=uaccess, el1=_El1(pc), signals=signals)
    r = krseq.Rseq(AREA, 32, SIG, event=True)
    krseq.notify_resume(k, SimpleNamespace(), r)  # type: ignore[arg-type]
    assert k.el1.pc == want_pc
    assert forced == ([11] if segv else [])           # force_sigsegv()
    if not segv:
        assert m.read(AREA, 28) == bytes(8) + bytes(8) + bytes(4) + bytes(8)
    assert not r.notify and not r.event


def test_a_filtered_programs_rseq_may_get_the_filters_errno() -> None:
    """A seccomp filter answering rseq() -EPERM (systemd's SystemCallFilter=, sandboxes):
    glibc runs on unregistered, so only a program no filter may answer is refused."""
    from tests.test_guardian_result_outputs import _refused_by
    from tests.test_guardian_result_values import _resume
    from tests.test_secure_mm import build_translating
    s = build_translating()
    eperm = (1 << 64) - 1
    assert _resume(s, "rseq", (0x40_0000, 32, 0, SIG), eperm, []) != Status.OK
    assert _refused_by(s, "return.rseq_answer")
    s.g.conf.returns.results.facts.filter_domains.add(1)          # the program installed a filter
    assert _resume(s, "rseq", (0x40_0000, 32, 0, SIG), eperm, []) == Status.OK


class Absent(Memory):
    """Nothing present in the tables: every put_user() faults a page in first."""

    def first_missing(self, va: int, n: int, write: bool) -> int | None:
        return va


def _unregister(areas: RseqAreas, ret: int, space: object, others: tuple = ()) -> None:
    slot = SimpleNamespace(root=1, thread=5, domain=1, id=9, nr=NUMBERS["rseq"],
                           args=(AREA, 32, 1, SIG))
    areas.check(slot, ret, None, space, (slot, *others))  # type: ignore[arg-type]


def test_an_unregistration_racing_a_layout_call_may_fault() -> None:
    """Another thread's munmap or mprotect in flight may leave the area unwritable before
    rseq_reset_rseq_cpu_node_id()'s put_user()s: -EFAULT is then Linux's too."""
    efault = (1 << 64) - errno.EFAULT
    for name in ("munmap", "mprotect", "pkey_mprotect", "madvise", "shmdt", "brk"):
        areas, _ = _guardian(_memory(), 0)
        with pytest.raises(Refused):                        # present and writable: 0 only
            _unregister(areas, efault, Space())
        other = SimpleNamespace(root=1, nr=NUMBERS[name], id=10)
        _unregister(areas, efault, Space(), (other,))


def test_a_writable_file_page_not_present_may_fault() -> None:
    """PROT_WRITE over a file page not present: a truncated file's end is SIGBUS
    (filemap_fault()), so the reset's -EFAULT is Linux's; over anonymous memory it is not."""
    efault = (1 << 64) - errno.EFAULT
    space = Space(protections=[(AREA & ~0xFFF, (AREA & ~0xFFF) + 0x1000, 3, 0)])
    areas, _ = _guardian(Absent(), 0)
    areas.areas[(1, 5)] = Area(AREA, 32, SIG)
    _unregister(areas, efault, space)
    space.anon_areas.append((AREA & ~0xFFF, (AREA & ~0xFFF) + 0x1000, 3))
    with pytest.raises(Refused):
        _unregister(areas, efault, space)


def test_a_registration_may_fault_where_the_area_is_not_proved_writable() -> None:
    """Linux 6.13 (6.12.y, 6.6.y, 6.1.y): sys_rseq() reads rseq_cs and clears a non-zero
    one, -EFAULT where it cannot; a stale rseq_cs is cleared at the commit, no SIGSEGV."""
    efault = (1 << 64) - errno.EFAULT
    slot = SimpleNamespace(root=1, thread=6, domain=1, id=9, nr=NUMBERS["rseq"],
                           args=(AREA, 32, 0, SIG), ctx=Ctx(START + 8))
    areas = RseqAreas(Absent())  # type: ignore[arg-type]
    areas.check(slot, efault, None, Space(), (slot,))  # type: ignore[arg-type]
    m = _memory(SIG ^ 1)                                # rseq_cs set, a bad signature
    areas = RseqAreas(m)  # type: ignore[arg-type]
    with pytest.raises(Refused):                        # present and writable: 0 only
        areas.check(slot, efault, None, Space(), (slot,))  # type: ignore[arg-type]
    areas.check(slot, 0, None, Space(), (slot,))  # type: ignore[arg-type]
    areas.commit(slot, 0, 0)  # type: ignore[arg-type]
    assert m.read(AREA + 8, 8) == bytes(8)
    assert slot.ctx.get(CTX_PC) == START + 8


def test_a_gone_threads_area_is_dropped() -> None:
    """Thread churn does not grow the areas: the CLEARTID clear of an exit drops the
    thread's registration (the thread never returns to user code)."""
    from tests.test_secure_mm import build_translating
    conf = build_translating().g.conf
    assert conf.uaccess.rseq is conf.returns.rseq
    areas = conf.uaccess.rseq
    areas.areas[(1, 5)] = Area(AREA, 32, SIG)
    areas.drop(1, 5)
    assert not areas.areas


def test_a_gone_threads_tagged_abi_is_dropped() -> None:
    """Thread churn does not grow the tagged-ABI set either (guardian/tagged_abi.py)."""
    from tests.test_secure_mm import build_translating
    conf = build_translating().g.conf
    tagged = conf.returns.results.clone_faults.tagged
    assert conf.uaccess.tagged is tagged and conf.forks.tagged is tagged
    tagged.tagged.add((1, 5))
    conf.uaccess.tagged.drop(1, 5)
    assert not tagged.tagged
