"""The one definition of "what was known before": sums over a party's earlier rows.

Every history feature (a party's past declarations, its past illicit outcomes, links to past
offenders, seizures near it) is :func:`prior_sum` with a cutoff per row. The cutoff is what
keeps training honest: a row may only see rows strictly before its own day, and outcomes only
before the day its period's model was fitted (see :mod:`pasienis.risk.features`).
"""

from __future__ import annotations

import numpy as np

#: The day of saved aggregates (before any real row) when scoring new data.
BEFORE_ALL = np.int64(-(2**20))


def prior_sum(
    party: np.ndarray,
    day: np.ndarray,
    weight: np.ndarray,
    q_party: np.ndarray,
    q_cutoff: np.ndarray,
) -> np.ndarray:
    """For each query i: sum of ``weight`` over rows with ``party == q_party[i]`` and
    ``day < q_cutoff[i]``. Parties are integer codes; days integers. O((n + q) log n)."""
    if len(party) == 0 or len(q_party) == 0:
        return np.zeros(len(q_party))
    party = party.astype(np.int64)
    span = np.int64(2**22)  # any day from BEFORE_ALL to year ~7700 fits below it
    keys = party * span + (day.astype(np.int64) - BEFORE_ALL)
    order = np.argsort(keys, kind="stable")
    keys, cum = keys[order], np.concatenate(([0.0], np.cumsum(weight[order], dtype=float)))
    q_party = q_party.astype(np.int64)
    q_cutoff = np.clip(q_cutoff.astype(np.int64), BEFORE_ALL, BEFORE_ALL + span - 1)
    lo = np.searchsorted(keys, q_party * span, side="left")
    hi = np.searchsorted(
        keys, q_party * span + (q_cutoff.astype(np.int64) - BEFORE_ALL), side="left"
    )
    return cum[hi] - cum[lo]


def days(values: np.ndarray) -> np.ndarray:
    """Days since 1970 of datetime64 values (the unit every cutoff uses)."""
    return values.astype("datetime64[D]").astype(np.int64)
