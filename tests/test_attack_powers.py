"""The adversary holds only the kernel's powers.

A scenario's steps receive an `Adversary`.  Walking every public attribute
reachable from it (and the object behind every bound method, as
`el1.hvc_handler.__self__` once led to the monitor) must find no physical
memory, no CPU or Unicorn engine, no monitor object and no vector registry.
The scenario code itself may not name a private attribute or use a
reflective helper that would step around the public surface.
"""

from __future__ import annotations

import ast
import collections
import types
from pathlib import Path

import pytest

from attacks.runner import boot
from attacks.workload import PROGRAM_ARGS

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_TYPES = ("Uc", "Unicorn", "Cpu", "FastUc", "Machine", "PhysicalMemory", "Ram",
                   "VectorRegistry", "Walker", "Guardian", "Confidential", "FrameTable",
                   "Referee", "Hooks", "BusPort")
FORBIDDEN_NAMES = ("register_vectors", "uc", "ram", "machine", "guardian", "vectors",
                   "referee", "hooks", "set_marker_registers")
ATOMS = (int, str, bytes, float, bool, type(None), bytearray, memoryview, type,
         types.FunctionType, types.BuiltinFunctionType, types.ModuleType, range)


def _public_names(obj: object) -> set[str]:
    names = set(getattr(obj, "__dict__", {}) or {})
    for cls in type(obj).__mro__:
        slots = getattr(cls, "__slots__", ())
        names |= {slots} if isinstance(slots, str) else set(slots)
    names |= {n for n in dir(obj) if not n.startswith("_")}
    return {n for n in names if not n.startswith("_")}


def reachable(root: object, depth: int = 9) -> dict[str, list[str]]:
    """Forbidden things reachable from `root` through public attributes: kind -> paths."""
    found: dict[str, list[str]] = collections.defaultdict(list)
    seen: set[int] = set()
    queue = collections.deque([(root, "adv", 0)])
    while queue:
        obj, path, d = queue.popleft()
        if id(obj) in seen or d > depth:
            continue
        seen.add(id(obj))
        name = type(obj).__name__
        mod = type(obj).__module__ or ""
        if name in FORBIDDEN_TYPES or mod.startswith(("unicorn", "guardian")):
            found[name].append(path)
            continue
        if isinstance(obj, types.MethodType):
            queue.append((obj.__self__, path + ".__self__", d + 1))
            continue
        if isinstance(obj, ATOMS):
            continue
        if isinstance(obj, dict):
            for k, v in list(obj.items())[:64]:
                queue.append((v, f"{path}[{k!r}]", d + 1))
            continue
        if isinstance(obj, (list, tuple, set, frozenset, collections.deque)):
            for i, v in enumerate(list(obj)[:64]):
                queue.append((v, f"{path}[{i}]", d + 1))
            continue
        for n in sorted(_public_names(obj)):
            try:
                v = getattr(obj, n)
            except Exception:  # noqa: BLE001 - a property that refuses is no path
                continue
            if n in FORBIDDEN_NAMES:
                found[f".{n}"].append(f"{path}.{n}")
                continue
            queue.append((v, f"{path}.{n}", d + 1))
    return dict(found)


@pytest.mark.parametrize("mode", ["on", "off"])
def test_adversary_reaches_no_hardware_or_monitor(mode: str) -> None:
    s = boot(mode)
    s.kernel.spawn_init(s.image, s.guest_path, [s.guest_path.encode(), *PROGRAM_ARGS],
                        confidential=mode != "off")
    found = reachable(s.adversary)
    assert not found, {k: v[:3] for k, v in found.items()}


def test_the_walk_would_see_a_reach_around() -> None:
    """The walk itself is no test that cannot fail: the emulator's plain EL1 face, with
    a monitor installed, leads to the monitor (`hvc_handler.__self__`) and installs
    vector code; the face the attacked kernel runs on does neither."""
    from emulator.machine import Machine
    from emulator.machine_config import load_machine
    from guardian.monitor import Guardian
    hw = Machine(load_machine("small"))
    hw.install_monitor(Guardian(hw))
    found = reachable(hw.el1(0))
    assert ".register_vectors" in found and "Guardian" in found, sorted(found)


def test_faces_refuse_rewiring_and_unknown_operations() -> None:
    s = boot("on")
    adv = s.adversary
    with pytest.raises(AttributeError):
        adv.el1.register_vectors  # noqa: B018
    with pytest.raises(AttributeError):
        adv.el1.hvc_handler  # noqa: B018
    with pytest.raises(AttributeError):
        adv.el1.read = print
    s.kernel.spawn_init(s.image, s.guest_path, [s.guest_path.encode(), *PROGRAM_ARGS],
                        confidential=True)
    assert adv.kernel.el1 is adv.el1
    with pytest.raises(AttributeError):
        adv.kernel.referee  # noqa: B018
    with pytest.raises(AttributeError):
        adv.kernel.hooks  # noqa: B018
    assert not hasattr(adv.kernel.alloc_id, "__self__")


REFLECTIVE = {"getattr", "setattr", "delattr", "vars", "globals", "locals", "eval", "exec",
              "compile", "__import__"}
BANNED_MODULES = ("guardian", "unicorn", "gc", "ctypes", "inspect", "sys", "emulator.cpu",
                  "emulator.machine", "emulator.physmem", "emulator.fastuc", "attacks.runner",
                  "attacks.hooks.Referee", "emulator.mmio")


def _scenario_files() -> list[Path]:
    return sorted((ROOT / "attacks" / "families").glob("*.py"))


@pytest.mark.parametrize("path", _scenario_files(), ids=lambda p: p.stem)
def test_scenario_code_uses_no_reach_around(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute):
            assert not node.attr.startswith("_"), f"{where} names private .{node.attr}"
        if isinstance(node, ast.Name):
            assert node.id not in REFLECTIVE, f"{where} uses {node.id}()"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names]
            for m in mods:
                assert not m.startswith(BANNED_MODULES) or m == "attacks.runner" and \
                    all(a.name == "Outcome" for a in node.names), f"{where} imports {m}"


def test_every_core_has_the_kernels_face_and_nothing_more() -> None:
    """On a machine of two cores the adversary holds the kernel's EL1 face of each (the
    same powers, a face of its own per core) and still reaches no hardware or monitor."""
    s = boot("on", machine="two-nodes")
    adv = s.adversary
    s.kernel.spawn_init(s.image, s.guest_path, [s.guest_path.encode(), *PROGRAM_ARGS],
                        confidential=True)
    assert adv.cores == 2 and adv.core == 0
    assert adv.el1_on(0) is adv.el1 and adv.el1_on(1) is not adv.el1
    assert sorted(dir(adv.el1_on(1))) == sorted(dir(adv.el1))
    with pytest.raises(IndexError):
        adv.el1_on(2)
    with pytest.raises(AttributeError):
        adv.el1_on(1).hvc_handler  # noqa: B018
    for i in range(adv.cores):
        found = reachable(adv.el1_on(i))
        assert not found, {k: v[:3] for k, v in found.items()}


def test_a_scenario_names_its_machine_and_the_command_overrides_it() -> None:
    from attacks.runner import run_one
    from attacks.scenario import Goal, Scenario
    seen: list[int] = []
    sc = Scenario(id="ZZ-001", title="t", prop="p", family="f", goal=Goal.LEAK,
                  steps=lambda adv: seen.append(adv.cores), rules=(), machine="two-nodes")
    run_one(sc, "off")
    run_one(sc, "off", machine="small")
    assert seen == [2, 1]
