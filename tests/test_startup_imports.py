"""Start-up: what `blindfold run` imports, the lazily imported syscall modules, and the
collector paused while the command loads."""

from __future__ import annotations

import gc
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cli import startup_done
from cli.main import main
from kernel_model.syscalls import LAZY_HOMES, PRIVATE_HOMES, SYSCALLS, syscall_name

ROOT = Path(__file__).resolve().parent.parent

# Nothing `run hello` needs: the other rooms, the command groups, rich, the Guardian,
# tracing, the rack, and the syscall modules of calls it never makes.
HEAVY = ("rich", "textual", "cryptography", "sqlite3", "elftools", "torch", "attacks",
         "guardian", "llm", "emulator.rack", "emulator.tracing", "emulator.gdbstub",
         "emulator.snapshot", "kernel_model.blade", "kernel_model.sockets",
         "kernel_model.epoll", "kernel_model.syscalls.net", "kernel_model.syscalls.events",
         "kernel_model.pulse_calls", "kernel_model.gcs_calls", "cli.trace_cmd", "cli.bench",
         "cli.attack_cmd", "cli.snapshot_cmd", "cli.debug_session", "json",
         # OpenSSL (hashlib), the TOML parser (the catalogue, a machine file parsed before)
         # and POSIX timers: a few milliseconds of every start-up between them.
         "hashlib", "_hashlib", "tomllib", "workloads.catalog", "kernel_model.syscalls.timers")


def test_run_hello_imports_none_of_the_heavy_modules() -> None:
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "cli.main", "run", "-q",
                        "hello"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert r.stdout.endswith("hello: ok\n")
    loaded = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if "|" in line}
    assert "kernel_model.kernel" in loaded and "unicorn" in loaded     # the listing is real
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == []


def test_a_confidential_run_imports_no_elf_or_crypto_library() -> None:
    """The Guardian reads ELF headers itself and loads AES-GCM at its first sealed page."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "cli.main", "run", "-q",
                        "--guardian", "on", "--confidential", "hello"], cwd=ROOT,
                       capture_output=True, text=True, check=True)
    assert r.stdout.endswith("hello: ok\n")
    loaded = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if "|" in line}
    assert "guardian.monitor" in loaded
    assert sorted(m for m in loaded if m.split(".")[0] in ("elftools", "cryptography")) == []


def test_lazy_syscall_homes_match_what_the_modules_register() -> None:
    table = SYSCALLS.load_all()
    for module, names in LAZY_HOMES.items():
        got = sorted(syscall_name(nr) for nr, fn in table.items() if fn.__module__ == module)
        assert got == sorted(names), module
    for nr, module in PRIVATE_HOMES.items():
        assert table[nr].__module__ == module
    lazy = {*LAZY_HOMES, *PRIVATE_HOMES.values()}
    assert {nr for nr, fn in table.items() if fn.__module__ in lazy} == \
        {nr for nr in SYSCALLS.numbers() if table[nr].__module__ in lazy}
    assert SYSCALLS.load(-1) is None


def test_a_lazy_syscall_module_is_imported_at_the_first_call() -> None:
    code = ("import sys\n"
            "from kernel_model.syscalls import SYSCALLS\n"
            "from kernel_model.syscalls.numbers import NUMBERS\n"
            "assert 'kernel_model.syscalls.net' not in sys.modules\n"
            "nr = NUMBERS['socket']\n"
            "assert SYSCALLS.get(nr) is None and nr in SYSCALLS.numbers()\n"
            "fn = SYSCALLS.load(nr)\n"
            "assert fn.__module__ == 'kernel_model.syscalls.net' and SYSCALLS.get(nr) is fn\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_command_started_with_the_collector_off_turns_it_back_on() -> None:
    code = ("import sys, gc\n"
            "sys.argv[0] = 'blindfold'\n"
            "import cli\n"
            "assert not gc.isenabled()\n"
            "cli.startup_done()\n"
            "assert gc.isenabled() and gc.get_freeze_count() > 1000\n")
    # As a command started from a terminal: Ctrl-C at its default (a suite run in the
    # background of a shell without job control inherits SIGINT ignored).
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def test_every_command_collects_again() -> None:
    for args in (["exit-codes"], ["run", "-q", "hello"]):
        gc.disable()
        try:
            r = CliRunner().invoke(main, args)
            assert r.exit_code == 0, r.output
            assert gc.isenabled(), args
        finally:
            gc.enable()
            gc.unfreeze()


def test_startup_done_leaves_a_running_collector_alone() -> None:
    assert gc.isenabled()
    startup_done()
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_memory_daemons_are_imported_when_first_due() -> None:
    # A run too short for KSM, balancing or compaction never loads them; the first scan does.
    code = ("import sys\n"
            "from cli.session import run_program\n"
            "from kernel_model import reclaim\n"
            "from kernel_model.reclaim import BALANCE_EVERY, KSM_EVERY\n"
            "import io\n"
            # (the daemons are paced by every fault the memory manager sees, a write fault
            # on a page mapped read-only included: counted here as they count it)
            "seen = [0]\n"
            "hook = reclaim.MemoryManager.before_fault\n"
            "def counted(self, mm, va):\n"
            "    seen[0] += 1\n"
            "    return hook(self, mm, va)\n"
            "reclaim.MemoryManager.before_fault = counted\n"
            "r = run_program('hello', [], stdout=io.BytesIO(), stderr=io.BytesIO())\n"
            "assert r.exit_code == 0\n"
            "faults = seen[0]\n"
            "loaded = 'kernel_model.ksm' in sys.modules\n"
            "assert loaded == (faults >= KSM_EVERY), (faults, loaded)\n"
            "assert ('kernel_model.compaction' in sys.modules) == (faults >= BALANCE_EVERY)\n"
            # memhog lets KSM merge its memory (KSM scans no other program's)
            "r = run_program('memhog', ['2'], stdout=io.BytesIO(), stderr=io.BytesIO())\n"
            "assert r.stats['kernel.mm.page_faults'] >= 2 * KSM_EVERY\n"
            "assert r.exit_code == 0 and r.stats['kernel.ksm.scanned'] > 0\n"
            "assert 'kernel_model.ksm' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
