"""The command's cache of compiled dataclass methods (cli/dataclass_code.py): classes made
through it behave exactly as classes made without it, from a fresh compile and from the
file a previous run left; a damaged file only costs the compiles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Defines a spread of dataclasses and prints what the generated methods do and declare.
_CLASSES = '''
import dataclasses, inspect
from dataclasses import InitVar, dataclass, field

def describe():
    @dataclass(frozen=True, order=True)
    class A:
        x: int
        y: "list[int]" = field(default_factory=list, compare=False)

    @dataclass(eq=False, repr=False, slots=True, kw_only=True)
    class B:
        name: str
        n: int = 3

    @dataclass
    class C:
        a: int
        scale: InitVar[int] = 2
        def __post_init__(self, scale):
            self.a *= scale

    out = []
    a = A(1)
    out.append((repr(a), a == A(1, [5]), a < A(2), hash(a) == hash(A(1))))
    try:
        a.x = 5
    except dataclasses.FrozenInstanceError as exc:
        out.append(("frozen", str(exc)))
    b = B(name="b")
    out.append((b.n, hasattr(b, "__dict__"), b == B(name="b")))
    out.append((C(3).a, repr(C(3, 5))))
    for cls in (A, B, C):
        out.append((cls.__name__, str(inspect.signature(cls)), cls.__doc__,
                    {k: str(v) for k, v in cls.__init__.__annotations__.items()}))
    return out
'''

_SCRIPT = _CLASSES + '''
import sys
from pathlib import Path
plain = describe()
from cli import dataclass_code
dataclass_code.CACHE = Path(sys.argv[1])
dataclass_code.install()
cached = describe()          # compiled by the cache's exec (or loaded from the file)
again = describe()           # from the in-memory cache
assert plain == cached == again, (plain, cached)
print(len(dataclass_code._codes), dataclass_code._new)   # entries, compiled by this run
dataclass_code.save()
'''


def _run(cache: Path) -> str:
    r = subprocess.run([sys.executable, "-c", _SCRIPT, str(cache)], cwd=ROOT,
                       capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_classes_made_through_the_cache_behave_as_without_it(tmp_path: Path) -> None:
    cache = tmp_path / "methods.bin"
    entries, new = _run(cache)
    assert int(entries) > 10 and new == entries and cache.is_file()  # compiled, then saved
    entries2, new2 = _run(cache)                                      # the next run loads it
    assert entries2 == entries and new2 == "0"


def test_a_damaged_cache_costs_the_compiles_only(tmp_path: Path) -> None:
    cache = tmp_path / "methods.bin"
    cache.write_bytes(b"\x00not marshal data")
    entries, _ = _run(cache)
    assert int(entries) > 10


def test_the_command_installs_it_and_a_library_import_does_not() -> None:
    code = ("import dataclasses, builtins, sys\n"
            "sys.argv[0] = sys.argv[1]\n"
            "import cli\n"
            "print(getattr(dataclasses, 'exec', builtins.exec) is builtins.exec)\n")
    for argv0, untouched in (("blindfold", "False"), ("pytest", "True")):
        r = subprocess.run([sys.executable, "-c", code, argv0], cwd=ROOT, capture_output=True,
                           text=True, check=True)
        assert r.stdout.strip() == untouched
