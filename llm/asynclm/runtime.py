"""One task, decoded under one calling discipline: Sync, Sync-Parallel, Async-Naive or Async.

The loop is the same for all four; they differ in when calls start and when results return:

- ``sync``: each call blocks decoding until its result is injected.
- ``sync-parallel``: calls are collected until the model pauses ([TRAP] or end of turn), then
  run together; decoding resumes when all have returned.
- ``async-naive``: calls start at their [END]; every batch of results starts a *new request*
  (the context is prefilled again from scratch), as on a stateless chat API; no constrained
  decoding.
- ``async``: calls start at their [END]; results are injected at the next interruptible token on
  top of the live KV cache; a trap parks the idle cache by the trap rule.

Time is either the simulated timeline (each model forward costs one TPOT: deterministic) or the
wall clock (the executor's threads, measured). Latency is from the first to the last generated
token, as the paper measures it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from llm.asynclm.cml import CallBlock, CmlCodec, Interrupt, Marker
from llm.asynclm.executor import Completion, Executor, SimulatedExecutor, ThreadedExecutor
from llm.asynclm.interrupts import (
    HostMemorySwap,
    InterruptManager,
    SwapTarget,
    TrapDecision,
    TrapPolicy,
    swap_in,
    swap_out,
)
from llm.asynclm.monitor import EventKind, TokenMonitor
from llm.asynclm.tools import Toolbox

if TYPE_CHECKING:
    import torch

    from llm.engine import Engine
    from llm.kv import KVCache

__all__ = ["Mode", "RunConfig", "TaskRun", "run_task", "EngineTokenizer", "marker_twins"]


class Mode(Enum):
    SYNC = "sync"
    SYNC_PARALLEL = "sync-parallel"
    ASYNC_NAIVE = "async-naive"
    ASYNC = "async"


class EngineTokenizer:
    """The engine's tokenizer as CML needs it (single-token lookup included)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def tokenize(self, text: str) -> list[int]:
        return self.engine.tokenize(text)

    def detokenize(self, ids: list[int] | tuple[int, ...], skip_special: bool = False) -> str:
        return self.engine.detokenize(list(ids), skip_special)

    def token_id(self, token: str) -> int:
        tid = self.engine.tokenizer.convert_tokens_to_ids(token)
        return int(tid) if isinstance(tid, int) and tid != self.engine.unk_id else -1

    def special_ids(self) -> frozenset[int]:
        """Every added special token (chat roles, spare markers)."""
        decoder = getattr(self.engine.tokenizer, "added_tokens_decoder", None) or {}
        return frozenset(int(i) for i in decoder)


@dataclass
class RunConfig:
    mode: Mode = Mode.ASYNC
    clock: str = "simulated"          # "simulated" (TPOT per forward) or "wall"
    tpot_s: float = 0.020             # simulated: seconds per model forward
    naive_ttft_s: float | None = None  # simulated: cost of a naive re-request (default: measured n)
    prefill_s_per_token: float = 0.0005  # simulated: re-prefill cost per token (naive, recompute)
    max_new_tokens: int = 320
    max_call_tokens: int = 160        # a longer call block is closed by force
    workers: int | None = None
    trap_policy: TrapPolicy = field(default_factory=TrapPolicy)
    swap_target: SwapTarget | None = None
    user_events: list[tuple[float, Interrupt]] = field(default_factory=list)


@dataclass
class TaskRun:
    """What one decoding run did and how long it took."""

    mode: Mode
    text: str                              # the assistant's CML stream, interrupts included
    calls: list[CallBlock]
    completions: list[Completion]
    latency_s: float                       # first to last generated token
    generated_tokens: int
    injected_tokens: int
    forwards: int
    interrupts: int
    traps: int
    eos_waits: int                         # end of turn with calls outstanding: treated as a trap
    re_requests: int                       # async-naive: full re-prefills
    trap_decisions: dict[str, int]
    masked_choices: int
    stopped_by: str
    decode_s: float = 0.0                  # compute time of the one-token forwards
    decode_forwards: int = 0

    @property
    def tpot_s(self) -> float:
        """Measured seconds per generated token (one-token forwards only)."""
        return self.decode_s / self.decode_forwards if self.decode_forwards else 0.0


class _Stepper:
    """Greedy decoding on a live cache: feed tokens (one forward), then choose the next."""

    def __init__(self, engine: Engine, cache: KVCache, logits: torch.Tensor, position: int) -> None:
        self.engine = engine
        self.cache: KVCache | None = cache
        self.logits = logits
        self.position = position
        self.pending: list[int] = []
        self.forwards = 0
        self.decode_s = 0.0           # compute time of one-token forwards (the measured TPOT)
        self.decode_forwards = 0

    def feed(self) -> int:
        n = len(self.pending)
        if n:
            assert self.cache is not None
            began = time.perf_counter()
            self.logits = self.engine.prefill(self.pending, range(self.position,
                                                                  self.position + n), self.cache)
            if n == 1:
                self.decode_s += time.perf_counter() - began
                self.decode_forwards += 1
            self.position += n
            self.forwards += 1
            self.pending = []
        return n


def run_task(engine: Engine, toolbox: Toolbox, prompt: str, config: RunConfig) -> TaskRun:
    """Decode one task's assistant turn under ``config.mode``; run its calls with ``toolbox``."""
    import torch

    tokenizer = EngineTokenizer(engine)
    codec = CmlCodec(tokenizer)
    mode = config.mode
    # Inside an assistant turn only the CML markers and the end of turn are legal specials; nor
    # may the model write a marker's twin (see marker_twins).
    others = (tokenizer.special_ids() | marker_twins(engine, codec)) - set(
        codec.ids.values()) - engine.eos_ids
    monitor = TokenMonitor(codec, engine.eos_ids, enforce=mode is not Mode.ASYNC_NAIVE,
                           other_specials=others, max_call_tokens=config.max_call_tokens)
    manager = InterruptManager(codec)
    wall = config.clock == "wall"
    executor: Executor = (ThreadedExecutor(toolbox, config.workers or 16) if wall
                          else SimulatedExecutor(toolbox, config.workers))
    swap_target = config.swap_target or HostMemorySwap()
    events = sorted(config.user_events, key=lambda e: e[0])

    context: list[int] = codec.encode(prompt)
    prompt_len = len(context)
    cache = engine.new_cache()
    logits = engine.prefill(context, range(prompt_len), cache)
    step = _Stepper(engine, cache, logits, prompt_len)

    t_first: float | None = None
    sim_now = 0.0
    wall_start = time.perf_counter()

    def now() -> float:
        return executor.now() if isinstance(executor, ThreadedExecutor) else sim_now

    def charge(seconds: float) -> None:
        nonlocal sim_now
        if not wall:
            sim_now += seconds

    generated = injected = traps = eos_waits = re_requests = 0
    decisions: dict[str, int] = {d.value: 0 for d in TrapDecision}
    calls: list[CallBlock] = []
    held: list[CallBlock] = []       # sync-parallel: calls waiting for the model to pause
    stopped_by = "length"

    def deliver_events() -> None:
        while events and events[0][0] <= now():
            manager.add([events.pop(0)[1]])

    def inject(ids: list[int]) -> None:
        nonlocal injected
        step.pending.extend(ids)
        context.extend(ids)
        injected += len(ids)

    def re_request() -> None:
        """async-naive: drop the session; a new request prefills the whole context."""
        nonlocal re_requests
        re_requests += 1
        fresh = engine.new_cache()
        step.logits = engine.prefill(context, range(len(context)), fresh)
        step.cache, step.position, step.pending = fresh, len(context), []
        step.forwards += 1
        charge(config.naive_ttft_s if config.naive_ttft_s is not None
               else config.prefill_s_per_token * len(context))

    def park_and_wait() -> None:
        """Pause at a trap: park the idle cache by the rule, wait for a result, restore."""
        nonlocal traps, sim_now
        traps += 1
        step.feed()      # the trap's own tokens enter the cache before it idles
        charge(config.tpot_s)
        expected = _expected_wait(executor, toolbox, now())
        n = len(context)
        decision = (config.trap_policy.decide(n, expected) if mode is Mode.ASYNC
                    else TrapDecision.KEEP)
        decisions[decision.value] += 1
        assert step.cache is not None
        if decision is TrapDecision.SWAP:
            swap_out(step.cache, swap_target, "trap")
            step.cache = None
        elif decision is TrapDecision.RECOMPUTE:
            step.cache = None
        waited = executor.wait(now(), events[0][0] if events else None)
        if not wall:
            sim_now = max(sim_now, waited)
        if decision is TrapDecision.SWAP:
            step.cache = swap_in(swap_target, "trap", engine.layout)
            charge(config.trap_policy.swap_s(n))
        elif decision is TrapDecision.RECOMPUTE:
            fresh = engine.new_cache()
            step.logits = engine.prefill(context, range(n), fresh)
            step.cache = fresh
            charge(config.trap_policy.recompute_s(n))

    def wait_for(ids: set[str]) -> None:
        nonlocal sim_now
        while ids - set(executor.results):
            waited = executor.wait(now())
            if not wall:
                sim_now = max(sim_now, waited)
            manager.add(executor.poll(now()))

    try:
        while generated < config.max_new_tokens:
            fed = step.feed()
            if fed:
                charge(config.tpot_s)
            if t_first is None:
                t_first = now()
            logits = monitor.mask(step.logits, ())
            token = int(torch.argmax(logits).item())
            generated += 1
            step.pending.append(token)
            context.append(token)
            event = monitor.observe(token)
            pause = False
            if event is not None and event.kind is EventKind.CALL:
                assert event.call is not None
                calls.append(event.call)
                if mode is Mode.SYNC_PARALLEL:
                    held.append(event.call)
                else:
                    cid = executor.submit(event.call, now())
                    if mode is Mode.SYNC:
                        wait_for({cid})
            elif event is not None and event.kind is EventKind.TRAP:
                pause = True
            elif event is not None and event.kind is EventKind.EOS:
                if executor.outstanding or held or manager.queue or events:
                    # The model ended its turn with work in flight: wait as a trap would,
                    # with the end-of-turn token replaced by [TRAP][END] in the context.
                    eos_waits += 1
                    monitor.reopen()
                    step.pending.pop()
                    context.pop()
                    trap_ids = [codec.ids[Marker.TRAP], codec.ids[Marker.END]]
                    step.pending.extend(trap_ids)
                    context.extend(trap_ids)
                    pause = True
                else:
                    stopped_by = "stop"
                    break
            if pause:
                if mode is Mode.SYNC_PARALLEL and held:
                    ids = {executor.submit(c, now()) for c in held}
                    held.clear()
                    traps += 1
                    step.feed()
                    charge(config.tpot_s)
                    wait_for(ids)
                elif executor.outstanding:
                    if mode is Mode.ASYNC:
                        park_and_wait()
                    else:
                        traps += 1
                        step.feed()
                        charge(config.tpot_s)
                        waited = executor.wait(now(), events[0][0] if events else None)
                        if not wall:
                            sim_now = max(sim_now, waited)
                elif events and not manager.queue:
                    if not wall:
                        sim_now = max(sim_now, events[0][0])
                    else:
                        time.sleep(max(0.0, events[0][0] - now()))
                elif not manager.queue:
                    stopped_by = "trap-with-nothing-pending"
                    break
            manager.add(executor.poll(now()))
            deliver_events()
            ids = manager.drain(monitor.critical)
            if ids:
                inject(ids)
                if mode is Mode.ASYNC_NAIVE:
                    step.pending = []
                    re_request()
    finally:
        executor.close()
    step.feed()
    latency = now() - (t_first or 0.0) if not wall else (
        executor.now() - (t_first or 0.0))
    _ = wall_start
    return TaskRun(mode=mode, text=codec.decode(context[prompt_len:]), calls=calls,
                   completions=list(executor.completions), latency_s=latency,
                   generated_tokens=generated, injected_tokens=injected,
                   forwards=step.forwards, interrupts=manager.injected, traps=traps,
                   eos_waits=eos_waits, re_requests=re_requests, trap_decisions=decisions,
                   masked_choices=monitor.masked_choices, stopped_by=stopped_by,
                   decode_s=step.decode_s, decode_forwards=step.decode_forwards)


_twins: dict[int, frozenset[int]] = {}


def marker_twins(engine: Engine, codec: CmlCodec) -> frozenset[int]:
    """Tokens whose embedding row is identical to a CML marker's.

    The spare specials that play the markers were never trained, and SmolLM2 ties its output
    layer to its embeddings: every other never-trained row that equals a marker's row (other
    spare specials, and glitch words such as ``PlaneProtection`` beside ``[HEAD]``) gets exactly
    the marker's logit, so greedy decoding would pick between them by rounding. Banning the
    twins leaves the marker itself; it never removes a token the model could mean otherwise.
    """
    model = getattr(engine, "model", None)
    if model is None or not hasattr(model, "get_input_embeddings"):
        return frozenset()        # the scripted model has no embeddings
    key = id(model)
    if key not in _twins:
        import torch
        weight = model.get_input_embeddings().weight.detach()
        twins: set[int] = set()
        for tid in codec.ids.values():
            same = torch.nonzero((weight == weight[tid]).all(dim=1)).flatten().tolist()
            twins.update(int(i) for i in same if int(i) != tid)
        _twins[key] = frozenset(twins)
    return _twins[key]


def _expected_wait(executor: Executor, toolbox: Toolbox, now: float) -> float:
    """Time until the next result, from the functions' *estimated* times (what the model knows)."""
    etas = [start + toolbox.estimate_ms(name) / 1000.0 - now
            for start, name in executor.in_flight()]
    return max(0.0, min(etas)) if etas else 0.0
