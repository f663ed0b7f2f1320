"""AsyncLM's latency model (section 6.3 and appendix A of the paper) for independent calls.

With generation latency G(f) and execution time E(f) of each call f in F:

    L_sync(F)          = sum G + sum E
    L_sync_parallel(F) = sum G + max E
    L_async(F)         = max_f ( E(f) + sum of G(g) over g issued no later than f )

where async issues calls longest-first (LPT), so the calls issued up to f are those with
E(g) >= E(f). Theorem 6.1: L_async <= L_sync_parallel < L_sync.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["l_sync", "l_sync_parallel", "l_async", "lpt_order"]


def lpt_order(e: Sequence[float]) -> list[int]:
    """Indices by decreasing execution time (ties: original order)."""
    return sorted(range(len(e)), key=lambda i: (-e[i], i))


def l_sync(e: Sequence[float], g: Sequence[float]) -> float:
    return sum(g) + sum(e)


def l_sync_parallel(e: Sequence[float], g: Sequence[float]) -> float:
    return sum(g) + (max(e) if e else 0.0)


def l_async(e: Sequence[float], g: Sequence[float]) -> float:
    issued = 0.0
    worst = 0.0
    for i in lpt_order(e):
        issued += g[i]
        worst = max(worst, issued + e[i])
    return worst
