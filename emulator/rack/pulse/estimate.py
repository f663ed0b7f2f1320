"""The offload estimate: does an iterator pay on the SmartNIC (PULSE's t_c <= eta * t_d)?

t_c is the logic pipeline's time for one iteration: the instructions one `next` executes, taken
from the translated PULSE code, at one instruction per logic cycle.  The count is the longest
path through the program's control flow with every loop running the trip bound the verifier
proved (each trip on its longest body path), so it is an upper bound that holds for every node
and every scratchpad; the shortest path is reported beside it.  t_d is the memory pipeline's
time for the iteration's one node fetch (translation, DRAM access, the node's burst).  With eta
logic pipelines per memory pipeline, t_c <= eta * t_d means the logic never holds the memory
pipeline up, so the device runs at the speed of its memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.rack.pulse.compiler import _dominators, successors
from emulator.rack.pulse.costs import PulseCosts
from emulator.rack.pulse.isa import Op, Program


@dataclass(frozen=True)
class Estimate:
    insns_max: int          # instructions per iteration, longest path with loop bounds
    insns_min: int          # shortest path to a return
    t_c_ns: float           # insns_max on one logic pipeline
    t_d_ns: float           # one node fetch on the memory pipeline
    eta: float

    @property
    def pays(self) -> bool:
        return self.t_c_ns <= self.eta * self.t_d_ns

    def why(self) -> str:
        rel = "<=" if self.pays else ">"
        return (f"t_c {self.t_c_ns:.0f} ns ({self.insns_max} instructions at most) {rel} "
                f"eta {self.eta:g} x t_d {self.t_d_ns:.0f} ns")

    def as_stats(self, prefix: str) -> dict[str, int]:
        return {f"{prefix}.insns_max": self.insns_max, f"{prefix}.insns_min": self.insns_min,
                f"{prefix}.t_c_ns": round(self.t_c_ns), f"{prefix}.t_d_ns": round(self.t_d_ns),
                f"{prefix}.eta_x_t_d_ns": round(self.eta * self.t_d_ns),
                f"{prefix}.pays": int(self.pays)}


def path_lengths(prog: Program) -> tuple[int, int]:
    """(longest, shortest) instructions from entry to a RET; loops weigh their trip bound in
    the longest path and one trip in the shortest."""
    insns = list(prog.insns)
    trips = prog.trips or (1,) * len(insns)
    dom = _dominators(insns)
    forward = [[n for n in successors(insns, pc) if n not in dom[pc]] for pc in range(len(insns))]
    order: list[int] = []
    seen: set[int] = set()
    stack: list[tuple[int, int]] = [(0, 0)]
    while stack:                       # iterative post-order over the acyclic forward graph
        pc, i = stack.pop()
        if i == 0:
            if pc in seen:
                continue
            seen.add(pc)
        if i < len(forward[pc]):
            stack.append((pc, i + 1))
            if forward[pc][i] not in seen:
                stack.append((forward[pc][i], 0))
        else:
            order.append(pc)
    longest: dict[int, int] = {}
    shortest: dict[int, int] = {}
    for pc in order:                   # successors come first in post-order
        if insns[pc].op is Op.RET:
            longest[pc], shortest[pc] = trips[pc], 1
            continue
        outs = [n for n in forward[pc] if n in longest]
        if not outs:                   # only a back edge leaves: the loop's exit is elsewhere
            continue
        longest[pc] = trips[pc] + max(longest[n] for n in outs)
        shortest[pc] = 1 + min(shortest[n] for n in outs)
    if 0 not in longest:
        return prog.max_steps, prog.max_steps
    return longest[0], shortest[0]


def estimate(prog: Program, costs: PulseCosts) -> Estimate:
    most, least = path_lengths(prog)
    return Estimate(most, least, most * costs.cycle_ns, float(costs.fetch_ns(prog.node_bytes)),
                    costs.eta)
