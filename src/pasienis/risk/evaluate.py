"""Selection metrics as customs-fraud research reports them: inspect the top n% and count.

precision@n% (share of inspected that were illicit), recall@n% (share of all illicit found)
and revenue@n% (share of recoverable revenue found), for n = 1, 2, 5, 10. Ties in a score
are broken by a seeded random order, so a coarse score (a few rules) gets no credit for the
file's row order.
"""

from __future__ import annotations

import math

import numpy as np

SHARES = (1, 2, 5, 10)


def at_n(
    score: np.ndarray, label: np.ndarray, revenue: np.ndarray | None = None, *, seed: int = 7
) -> dict[str, float]:
    """``{"precision@1%": …, "recall@1%": …, "revenue@1%": …, …}`` for one ranking."""
    n = len(score)
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(n), -np.asarray(score, float)))
    y = np.asarray(label, float)[order]
    rev = np.nan_to_num(np.asarray(revenue, float)[order]) if revenue is not None else None
    total_y, out = y.sum(), {}
    for share in SHARES:
        k = max(1, math.ceil(n * share / 100))
        found = y[:k].sum()
        out[f"precision@{share}%"] = float(found / k)
        out[f"recall@{share}%"] = float(found / total_y) if total_y else 0.0
        if rev is not None:
            out[f"revenue@{share}%"] = float(rev[:k].sum() / rev.sum()) if rev.sum() else 0.0
    return out


def random_baseline(
    label: np.ndarray, revenue: np.ndarray | None, *, draws: int = 50, seed: int = 11
) -> dict[str, float]:
    """The mean of ``draws`` random selections (the floor every method must clear)."""
    rng = np.random.default_rng(seed)
    runs = [
        at_n(rng.random(len(label)), label, revenue, seed=int(s))
        for s in rng.integers(0, 2**31, draws)
    ]
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}


def report(
    rankings: dict[str, np.ndarray], label: np.ndarray, revenue: np.ndarray | None
) -> dict[str, dict[str, float]]:
    """Metrics of each named ranking plus the random baseline, in one table."""
    out = {name: at_n(s, label, revenue) for name, s in rankings.items()}
    out["random"] = random_baseline(label, revenue)
    return out


def format_table(table: dict[str, dict[str, float]]) -> str:
    """A plain-text table: one row per method, columns precision/recall/revenue at n%."""
    cols = list(next(iter(table.values())))
    head = f"{'method':<16}" + "".join(f"{c:>14}" for c in cols)
    rows = [
        f"{name:<16}" + "".join(f"{m.get(c, float('nan')):>14.3f}" for c in cols)
        for name, m in table.items()
    ]
    return "\n".join([head, *rows])
