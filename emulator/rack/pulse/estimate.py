"""The offload estimate: does an iterator pay on the SmartNIC (PULSE's t_c <= eta * t_d)?

PULSE's dispatch engine (§4.1) takes t_c = t_i * N, N the instructions one iteration runs on
the accelerator's logic pipeline, and t_d the time of the iteration's one data load; it
offloads only when t_c <= eta * t_d, eta = m logic / n memory pipelines (<= 1).  Here N is the
longest path through the translated program with every loop running the trip bound the
verifier proved (each trip on its longest body path), counted in logic-pipeline instructions
(`Program.cycles`: node and scratchpad loads are workspace operand reads, an unrolled loop has
no counter step or back branch), so it is an upper bound that holds for every node and every
scratchpad.  The shortest path and the raw translated-instruction counts are reported beside
it.  t_d is the memory pipeline's time for the iteration's node (translation, protection, the
DRAM read).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from emulator.rack.pulse.compiler import _dominators, successors
from emulator.rack.pulse.costs import PulseCosts
from emulator.rack.pulse.isa import Op, Program


@dataclass(frozen=True)
class Estimate:
    insns_max: int          # translated instructions per iteration, longest path, loop bounds
    insns_min: int          # shortest path to a return
    logic_max: int          # N: logic-pipeline instructions on the longest path
    logic_min: int          # on the shortest path
    t_i_ns: float           # the logic pipeline's time per instruction
    t_c_ns: float           # t_i * N
    t_d_ns: float           # the iteration's node on the memory pipeline
    eta: float

    @property
    def pays(self) -> bool:
        return self.t_c_ns <= self.eta * self.t_d_ns

    def why(self) -> str:
        rel = "<=" if self.pays else ">"
        return (f"t_c {self.t_c_ns:.0f} ns ({self.logic_max} logic instructions x "
                f"{self.t_i_ns:g} ns at most) {rel} eta {self.eta:g} x t_d {self.t_d_ns:.0f} ns")

    def as_stats(self, prefix: str) -> dict[str, int]:
        return {f"{prefix}.insns_max": self.insns_max, f"{prefix}.insns_min": self.insns_min,
                f"{prefix}.logic_insns_max": self.logic_max,
                f"{prefix}.logic_insns_min": self.logic_min,
                f"{prefix}.t_i_ps": round(self.t_i_ns * 1000),
                f"{prefix}.t_c_ns": round(self.t_c_ns), f"{prefix}.t_d_ns": round(self.t_d_ns),
                f"{prefix}.eta_x1000": round(self.eta * 1000),
                f"{prefix}.eta_x_t_d_ns": round(self.eta * self.t_d_ns),
                f"{prefix}.pays": int(self.pays)}


def path_lengths(prog: Program, weights: Sequence[int] | None = None) -> tuple[int, int]:
    """(longest, shortest) weight from entry to a RET (each instruction weighs 1 unless
    `weights` says otherwise); loops weigh their trip bound in the longest path and one trip
    in the shortest."""
    insns = list(prog.insns)
    trips = prog.trips or (1,) * len(insns)
    w = weights if weights is not None else (1,) * len(insns)
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
            longest[pc], shortest[pc] = trips[pc] * w[pc], w[pc]
            continue
        outs = [n for n in forward[pc] if n in longest]
        if not outs:                   # only a back edge leaves: the loop's exit is elsewhere
            continue
        longest[pc] = trips[pc] * w[pc] + max(longest[n] for n in outs)
        shortest[pc] = w[pc] + min(shortest[n] for n in outs)
    if 0 not in longest:
        return prog.max_steps, prog.max_steps
    return longest[0], shortest[0]


def estimate(prog: Program, costs: PulseCosts) -> Estimate:
    most, least = path_lengths(prog)
    logic_most, logic_least = path_lengths(prog, prog.cycles or None)
    t_i = costs.insn_ns
    return Estimate(most, least, logic_most, logic_least, t_i, logic_most * t_i,
                    float(costs.fetch_ns(prog.node_bytes)), costs.eta)
