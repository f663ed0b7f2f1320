"""Iago results that name a CPU: getcpu()'s cpu and node are the machine's own.

A program indexes per-CPU data by the number getcpu() writes (a slot of per-CPU
statistics, a per-CPU arena, a lock stripe), sized for the CPUs it can run on; Linux's
contract is cpu < nr_cpu_ids and node < nr_node_ids.  A number past them sends the
program's index past its table into whatever lies behind it.  The Guardian knows the
machine: its CPUs and its memory nodes (one, node 0, where the machine description splits
RAM into none).  A getcpu() that succeeds writes a cpu below the count of CPUs and a
node below the count of nodes (check `return.cpu_number`); that they were written during
the call is the output contract's (`return.output_written`).
"""

from __future__ import annotations

from abi import Status
from abi.layout import NR_GETCPU
from guardian.checks import FaultIn, refuse
from guardian.slots import Slot
from guardian.user_memory import UserMemory

#: Every call `check_cpu_numbers` acts on.
CALLS = frozenset({NR_GETCPU})


def check_cpu_numbers(memory: UserMemory, slot: Slot, ret: int, cpus: int, nodes: int) -> None:
    """Refuse a successful getcpu() whose cpu or node (each a u32, where the program
    passed a pointer) is not one of the machine's `cpus` CPUs or `nodes` nodes."""
    if ret != 0:
        return
    for va, what, count in ((slot.args[0], "CPU", cpus), (slot.args[1], "node", nodes)):
        if not va:
            continue
        raw = memory.read(va, 4, slot.root)
        if raw is None:
            missing = memory.first_missing(va, 4, False)
            raise FaultIn(va if missing is None else missing)
        number = int.from_bytes(raw, "little")
        if number >= count:
            refuse("return.cpu_number", Status.ERR_DENIED,
                   f"getcpu() reports {what} {number}, but the machine has {count} "
                   f"{what}{'s' if count != 1 else ''} (numbered from 0)")
