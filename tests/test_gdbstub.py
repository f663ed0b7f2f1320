"""Debian's gdb-multiarch against `blindfold run --gdb`: forwards, backwards, threads,
the Guardian's views, and a stub that survives malformed packets."""

from __future__ import annotations

import random
import re

import pytest

from tests.gdb_harness import GDB, WATCHED, RawGdb, finish, gdb_session, start_blindfold

pytestmark = pytest.mark.skipif(GDB is None, reason="gdb-multiarch is not installed")

# watched with no threads: counter goes 1..5 in bump(1), then +100; exit status 105 % 64.
EXIT_CODE = 105 % 64


def test_break_read_variable_and_exit_code() -> None:
    s = gdb_session(("0",), ["break bump", "continue", "continue", "continue", "print counter",
                             "print by", "bt", "delete", "continue"])
    assert "Breakpoint 1, bump (by=by@entry=1)" in s.gdb_out
    assert "$1 = 2" in s.gdb_out                    # two bumps done at the third stop
    assert "$2 = 1" in s.gdb_out
    assert re.search(r"#1 .* in main \(argc=2", s.gdb_out)
    assert f"exited with code 0{EXIT_CODE:o}" in s.gdb_out
    assert s.stdout == "counter=105\n"
    assert s.returncode == EXIT_CODE


def test_a_debugged_run_is_the_same_run_to_the_cycle() -> None:
    import io
    import json

    from cli.session import run_program
    plain = run_program(str(WATCHED), ["1", "1000"], timing="exact", stdout=io.BytesIO(),
                        stderr=io.BytesIO(), stdin=io.BytesIO())
    s = gdb_session(("1", "1000"), ["break bump", "continue", "print counter", "x/8xg $sp",
                                    "reverse-stepi", "continue", "delete", "continue"],
                    extra=("--json", "--deterministic", "--timing", "exact",
                           "--gdb-checkpoint-every", "20000"))
    debugged = json.loads(s.stdout)
    assert debugged["stdout"] == "counter=135\n" and debugged["exit_code"] == plain.exit_code
    # Stops, memory reads and a trip back in time leave no trace in the machine's counters.
    assert debugged["stats"] == plain.stats


def test_watch_a_write_then_step() -> None:
    s = gdb_session(("0",), ["watch counter", "continue", "continue", "stepi", "print $pc",
                             "delete", "continue"])
    assert "Old value = 0\nNew value = 1" in s.gdb_out
    assert "Old value = 1\nNew value = 2" in s.gdb_out
    assert s.returncode == EXIT_CODE


def test_read_and_access_watchpoints() -> None:
    s = gdb_session(("0",), ["rwatch counter", "continue", "continue", "delete",
                             "awatch counter", "continue", "continue", "delete", "continue"])
    # Reads are seen in bump (the load before the add), writes too with awatch.
    assert s.gdb_out.count("Hardware read watchpoint 1: counter\n\nValue = ") == 2
    assert re.search(r"Value = 0\n0x[0-9a-f]+ in bump", s.gdb_out), s.gdb_out
    assert "Old value = 1\nNew value = 2" in s.gdb_out
    assert s.returncode == EXIT_CODE


def test_threads_are_listed_and_a_thread_steps() -> None:
    s = gdb_session(("2",), ["break worker", "continue", "info threads", "thread",
                             "stepi", "stepi", "thread", "delete", "continue"])
    m = re.search(r"Thread (\d+) hit Breakpoint 1, worker", s.gdb_out) or \
        re.search(r"Breakpoint 1, worker", s.gdb_out)
    assert m, s.gdb_out
    threads = re.findall(r"^\*?\s+(\d+)\s+Thread (\d+)", s.gdb_out, re.M)
    assert len({t for _, t in threads}) >= 2, s.gdb_out
    current = re.findall(r"\[Current thread is \d+ \(Thread (\d+)", s.gdb_out)
    assert current and current[0] != "1" and current[0] == current[-1], s.gdb_out
    assert "counter=195" in s.stdout
    assert s.returncode == 195 % 64


def test_reverse_step_back_over_a_write_shows_the_old_value() -> None:
    s = gdb_session(("0",), ["break bump", "continue", "continue", "continue", "next",
                             "print counter", "reverse-next", "print counter",
                             "reverse-stepi", "reverse-continue", "print counter",
                             "delete", "continue"],
                    extra=("--gdb-checkpoint-every", "50000"))
    values = re.findall(r"^\$\d+ = (\d+)", s.gdb_out, re.M)
    assert values[:2] == ["3", "2"], s.gdb_out     # after the write, then back before it
    assert values[2] == "1", s.gdb_out              # the previous breakpoint hit
    assert s.stdout == "counter=105\n"              # replays did not print twice
    assert s.returncode == EXIT_CODE


def test_reverse_continue_to_the_previous_watchpoint_hit() -> None:
    s = gdb_session(("0",), ["watch counter", "continue", "continue", "continue",
                             "reverse-continue", "print counter", "continue", "print counter",
                             "delete", "continue"], extra=("--gdb-checkpoint-every", "50000"))
    assert "Old value = 2\nNew value = 3" in s.gdb_out
    # Backwards the watchpoint reports the write being undone.
    assert "Old value = 3\nNew value = 2" in s.gdb_out
    values = re.findall(r"^\$\d+ = (\d+)", s.gdb_out, re.M)
    assert values == ["2", "3"], s.gdb_out         # and forwards again, the same write
    assert s.returncode == EXIT_CODE


def test_reverse_finish_history_start_and_stdin_replayed_from_its_record() -> None:
    s = gdb_session(("0", "0", "stdin"), [
        "break bump if by == 7", "continue", "reverse-finish", "print counter", "delete",
        "break bump if by == 3", "reverse-continue", "delete",
        "break bump if by == 100", "continue", "print counter", "delete", "continue"],
        extra=("--gdb-checkpoint-every", "20000"), stdin=b"7\n")
    assert "Breakpoint 1, bump (by=7)" in s.gdb_out
    assert re.search(r"in main \(.*\) at .*watched.c:53", s.gdb_out), s.gdb_out
    assert "No more reverse-execution history." in s.gdb_out
    values = re.findall(r"^\$\d+ = (\d+)", s.gdb_out, re.M)
    # Forwards again from the start, the line is read from the record (stdin is at EOF).
    assert values == ["5", "12"], s.gdb_out
    assert s.stdout == "counter=112\n" and s.returncode == 112 % 64


def test_fork_follows_the_parent() -> None:
    forkexec = WATCHED.parent.parent.parent / "workloads" / "bin" / "forkexec"
    s = gdb_session((), ["break write", "continue", "info threads", "continue", "continue",
                         "delete", "continue"], program=forkexec)
    assert s.gdb_out.count("Breakpoint 1, ") == 3
    assert "Thread 2" not in s.gdb_out and "exited normally" in s.gdb_out
    assert s.stdout.endswith("forkexec: ok\n") and s.returncode == 0


def test_a_fault_stops_before_the_signal_and_the_death_is_reported() -> None:
    faulty = WATCHED.parent.parent.parent / "workloads" / "bin" / "faulty"
    s = gdb_session(("segv",), ["continue", "x/i $pc", "bt 1", "continue"], program=faulty)
    assert "Program received signal SIGSEGV, Segmentation fault." in s.gdb_out
    assert re.search(r"=> 0x[0-9a-f]+ <main\+\d+>:\s+str\s", s.gdb_out), s.gdb_out
    assert "Program terminated with signal SIGSEGV" in s.gdb_out
    assert s.returncode == 128 + 11


def _replayed_by_reverse_stepi(loops: int, interval: int) -> tuple[int, int]:
    s = gdb_session(("0", str(loops)), ["break bump if by == 100", "continue",
                                          "reverse-stepi", "monitor history", "monitor position",
                                          "delete", "continue"],
                    extra=("--gdb-checkpoint-every", str(interval)))
    replayed = int(re.search(r"last replay (\d+) instructions", s.gdb_out).group(1))
    position = int(re.search(r"instruction (\d+)", s.gdb_out).group(1))
    assert s.returncode == (105 % 64), s.gdb_out
    return replayed, position


def test_reverse_step_cost_follows_the_checkpoint_distance_not_the_run_length() -> None:
    interval = 100_000
    short_replayed, short_pos = _replayed_by_reverse_stepi(10_000, interval)
    long_replayed, long_pos = _replayed_by_reverse_stepi(400_000, interval)
    assert long_pos > 20 * short_pos // 2            # a run many times longer
    assert short_replayed <= interval and long_replayed <= interval
    assert long_replayed < long_pos // 10


def test_interrupt_with_ctrl_c_and_kill() -> None:
    proc, port = start_blindfold(str(WATCHED), "0", "50000000")
    g = RawGdb(port)
    assert g.ask(b"?").startswith(b"T")
    g.send(b"vCont;c")
    g.send_raw(b"\x03")
    reply = g.reply()
    assert reply.startswith(b"T02thread:1;"), reply
    assert g.ask(b"qfThreadInfo") == b"m1"
    g.send(b"k")
    g.close()
    _out, err, rc = finish(proc)
    assert rc == 128 + 9 and err == ""      # the reason shows only with -v


def test_gdb_attaches_to_a_running_program() -> None:
    # Without --gdb-wait the program runs at once; gdb attaching stops it where it is.
    proc, port = start_blindfold(str(WATCHED), "0", "5000000", wait=False)
    g = RawGdb(port)
    assert g.ask(b"QStartNoAckMode") == b"OK"
    stop = g.ask(b"?")
    assert stop.startswith(b"T02thread:1;"), stop
    pc = int.from_bytes(bytes.fromhex(g.ask(b"p20").decode()), "little")
    assert 0x400000 <= pc < 0x500000                   # somewhere in the program's text
    g.send(b"c")
    assert g.reply() == b"W%02x" % EXIT_CODE
    g.close()
    out, _err, rc = finish(proc)
    assert rc == EXIT_CODE and out == "counter=105\n"


def test_malformed_packets_never_crash_or_hang_the_stub() -> None:
    proc, port = start_blindfold(str(WATCHED), "0")
    g = RawGdb(port)
    rng = random.Random(18)
    nasty = [b"m", b"mzz,4", b"m0,ffffffffffffffff", b"M0,4:zz", b"X0,2:}", b"G00", b"p999",
             b"Pzz=1", b"Z9,0,0", b"Z0,zz", b"Z2,400000,0", b"z2,0,99999", b"qXfer:features:read:x",
             b"qXfer:auxv:read::ffffffff,10", b"qRcmd,zz", b"Hgzz", b"Hg99", b"vCont;q",
             b"vCont;s:zz", b"T99", b"bx", b"qThreadExtraInfo,zz", b"qSupported:" + b"x" * 5000]
    for pkt in nasty:
        g.send(pkt)
        g.reply()
    for _ in range(200):
        g.send_raw(bytes(rng.choice(range(4, 256)) for _ in range(rng.randrange(1, 40))))
    g.send_raw(b"$bad#00$" + b"A" * 70000 + b"#00")
    g.send_raw(b"#" * 5 + b"$")
    g.send_raw(b"#00")
    # The stub still answers, then runs the program to its end.
    g.send(b"qC")
    reply = b""
    for _ in range(500):       # whatever the noise happened to form gets its reply first
        reply = g.reply()
        if reply.startswith(b"QC"):
            break
    assert reply == b"QC1"
    assert g.ask(b"m400540,4") != b""
    assert g.ask(b"qXfer:exec-file:read::0,1000") == b"l" + str(WATCHED.resolve()).encode()
    auxv = g.ask(b"qXfer:auxv:read::0,1000")
    assert auxv[:1] == b"l" and len(auxv) > 16 * 10      # the real initial-stack auxv
    target_xml = g.ask(b"qXfer:features:read:target.xml:0,ffff")
    assert b"org.gnu.gdb.aarch64.fpu" in target_xml and b"ttbr1_el1" in target_xml
    g.send(b"c")
    assert g.reply() == b"W%02x" % EXIT_CODE
    g.close()
    out, _err, rc = finish(proc)
    assert rc == EXIT_CODE and out == "counter=105\n"


def test_guardian_views_and_monitor_commands() -> None:
    cmds = ["break bump", "continue", "print counter", "monitor el",
            "monitor guardian decisions", "print $el", "print $confidential", "kill"]
    el = gdb_session(("0",), cmds, extra=("--guardian", "on", "--confidential"))
    assert "$1 = 0" in el.gdb_out and "EL0 (user code)" in el.gdb_out
    assert "refusals so far" in el.gdb_out
    assert "$2 = 0" in el.gdb_out and "$3 = 1" in el.gdb_out
    kernel = gdb_session(("0",), cmds, extra=("--guardian", "on", "--confidential",
                                              "--gdb-view", "kernel"))
    assert "Cannot access memory at address" in kernel.gdb_out
    assert "the kernel's view" in kernel.gdb_out
    plain = gdb_session(("0",), cmds[:3] + ["kill"], extra=("--gdb-view", "kernel"))
    assert "$1 = 0" in plain.gdb_out      # no Guardian: the kernel sees everything
