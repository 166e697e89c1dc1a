"""The co-travel null model: how many occasions two independent vehicles would share by chance.

Why a separate module: the score is the one statistical claim the co-travel ranking makes
(an analyst may have to defend it), so it is stated and tested on its own (docs/graph.md,
"Null model").

Null hypothesis for an ordered pair (A, B): both keep their own routes and times of day
(their habits), but B drives on days independent of A's — as if B's trips were moved to
days drawn at random. Then B's passage of segment s (camera c, then camera c') at time of
day sigma coincides with A's passage of s at tau, B within the window W behind A, on a given
day with probability 1/D (D the days of data) when sigma is in (tau, tau + W]. Summed over
every pair of such passages (one of A's, one of B's), Lambda_AB is the expected number of
chance co-passages of B behind A; counting only B's passages that were not already behind
A at the camera before, it is the expected number of chance *runs* of co-passages, i.e. of
chance occasions (an occasion holds at least one run: an upper bound, so conservative).
B's share of the traffic at that camera and time of day is the whole of the rate: a habit
(a commuter behind the same neighbour at 7:40 every morning) explains itself, while a
follower that is never there at that hour except with A does not. The observed occasions
count in Lambda too (each adds 1/D), as Fisher's exact test conditions on its margins: two
rare vehicles meeting twice stay unremarkable.

The occasion count K is then Poisson with a mean <= Lambda, and the pair's p-value is
P(K >= k | K >= 1): it was tested because it had an occasion. The score is -log10 of N x
that p-value, N = the ordered pairs with at least one occasion (Bonferroni over the pairs
actually tested): 10^-score bounds the chance pairs this good expected in the whole data,
``score >= 0`` means fewer than one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammainc, gammaln

DAY = 86400
_TOD_BITS = 17  # a time of day (< 86,400 s) fits in 17 bits


@dataclass(frozen=True)
class Habits:
    """Every vehicle's segment passages, sorted by (vehicle, segment, time of day), with the
    camera and time of day of the read before each (-1: the trip starts there)."""

    key: np.ndarray
    #: Per vehicle, the range of its passages in the sorted arrays.
    start: np.ndarray
    seg: np.ndarray
    tod: np.ndarray
    prev_cam: np.ndarray
    prev_tod: np.ndarray
    n_seg: int
    days: float

    @property
    def passages(self) -> np.ndarray:
        return np.diff(self.start)


def habits(veh: np.ndarray, cam: np.ndarray, t: np.ndarray, nxt: np.ndarray, n_veh: int,
           days: float) -> Habits:  # fmt: skip
    """The table of segment passages: a read whose trip goes on (``nxt`` >= 0) is a passage
    of the segment (its camera, the next read's camera) at its time of day."""
    n_cams = int(cam.max()) + 1 if len(cam) else 1
    prv = np.full(len(nxt), -1, np.int64)
    prv[nxt[nxt >= 0]] = np.flatnonzero(nxt >= 0)
    on = np.flatnonzero(nxt >= 0)
    seg = cam[on] * n_cams + cam[nxt[on]]
    tod = t[on] % DAY
    n_seg = n_cams * n_cams
    if math.log2(max(n_veh, 1) * n_seg + 1) + _TOD_BITS >= 63:
        raise ValueError("too many vehicles x camera segments for the habit table")
    key = (veh[on] * n_seg + seg) << _TOD_BITS | tod
    order = np.argsort(key, kind="stable")
    key, on = key[order], on[order]
    before = prv[on]
    start = np.searchsorted(key >> _TOD_BITS, np.arange(n_veh + 1) * n_seg)
    return Habits(key, start, seg[order].astype(np.int32), tod[order].astype(np.int32),
                  np.where(before >= 0, cam[before], -1).astype(np.int32),
                  (t[before] % DAY).astype(np.int32), n_seg, max(days, 1.0))  # fmt: skip


def _in_slot(tod: np.ndarray, lo: np.ndarray, window: int) -> np.ndarray:
    """Time of day in (lo, lo + window], wrapping at midnight."""
    return (tod - lo - 1) % DAY < window


def _entries(h: Habits, base, lo, prev_cam, prev_lo, window: int) -> np.ndarray:
    """Per query: passages with key ``base`` (vehicle, segment) and time of day in (lo, lo +
    window] (wrapping at midnight) that were *not* already in the window at the previous
    camera (same previous camera, its time of day in (prev_lo, prev_lo + window]): the
    number of co-passage runs that start here, i.e. of occasions, not of co-passages."""
    hi = lo + window
    key = h.key
    parts = [
        (
            np.searchsorted(key, base | lo, side="right"),
            np.searchsorted(key, base | np.minimum(hi, DAY - 1), side="right"),
        )
    ]
    wrap = np.flatnonzero(hi >= DAY)
    if len(wrap):
        b = base[wrap]
        parts.append((np.searchsorted(key, b, side="left"),
                      np.searchsorted(key, b | (hi[wrap] - DAY), side="right")))  # fmt: skip
    n = parts[0][1] - parts[0][0]
    if len(wrap):
        n[wrap] += parts[1][1] - parts[1][0]
    for which, (a, z) in zip((None, wrap), parts, strict=False):
        lens = np.maximum(z - a, 0)
        if not lens.any():
            continue
        query = np.repeat(np.arange(len(a)) if which is None else which, lens)
        pos = np.repeat(a, lens) + (np.arange(len(query)) - np.repeat(np.cumsum(lens) - lens,
                                                                        lens))  # fmt: skip
        still = (h.prev_cam[pos] == prev_cam[query]) & (prev_cam[query] >= 0)
        still &= _in_slot(h.prev_tod[pos].astype(np.int64), prev_lo[query], window)
        n -= np.bincount(query[still], minlength=len(n))
    return n


def expected_occasions(
    h: Habits, lead: np.ndarray, follow: np.ndarray, window: int, batch: int = 2_000_000
) -> np.ndarray:
    """Lambda per ordered pair: the expected chance occasions of ``follow`` within ``window``
    s behind ``lead`` over the data. Over the leader's segment passages, the follower's
    passages of that segment in that slot of the day that start a run (were not behind the
    leader at the camera before), / D: expected co-passage runs, each occasion being one
    (or more) of them, so an upper bound on the expected occasions.

    Symmetric by a change of variable (B within W after A = A within W before B), so the sum
    runs over the vehicle with fewer passages; the work is bounded in ``batch`` rows."""
    npass = h.passages
    swap = npass[follow] < npass[lead]
    walk = np.where(swap, follow, lead)  # whose passages are enumerated
    other = np.where(swap, lead, follow)
    rows = npass[walk]
    out = np.zeros(len(lead), np.float64)
    cum = np.cumsum(rows)
    first = 0
    while first < len(lead):
        base_rows = int(cum[first - 1]) if first else 0
        last = max(int(np.searchsorted(cum, base_rows + batch, side="right")), first + 1)
        n = rows[first:last]
        pair = np.repeat(np.arange(first, last), n)
        pos = np.repeat(h.start[walk[first:last]], n) + (
            np.arange(len(pair)) - np.repeat(np.cumsum(n) - n, n))  # fmt: skip
        base = (other[pair] * h.n_seg + h.seg[pos].astype(np.int64)) << _TOD_BITS
        tod, ptod = h.tod[pos].astype(np.int64), h.prev_tod[pos].astype(np.int64)
        # The follower behind the walked leader: its passages in (tod, tod + W]; the leader
        # ahead of the walked follower: its passages in [tod - W, tod) = (tod - W - 1, tod - 1].
        back = np.where(swap[pair], window + 1, 0)
        found = _entries(h, base, (tod - back) % DAY, h.prev_cam[pos], (ptod - back) % DAY,
                         window)  # fmt: skip
        out[first:last] = np.bincount(pair - first, weights=found, minlength=last - first)
        first = last
    return out / h.days


def log10_tail(k: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """log10 P(K >= k | K >= 1) for K ~ Poisson(``mean``), k >= 1, stable for tiny means."""
    k = k.astype(np.float64)
    mu = np.maximum(mean.astype(np.float64), 1e-300)
    with np.errstate(divide="ignore"):
        direct = np.log(gammainc(k, mu)) - np.log(-np.expm1(-mu))
    # Series for small means, where gammainc underflows: P(K >= k) = e^-mu mu^k / k! x
    # (1 + mu/(k+1) + ...) and P(K >= 1) = 1 - e^-mu.
    series = (k * np.log(mu) - mu - gammaln(k + 1) + np.log1p(mu / (k + 1))
              - np.log(-np.expm1(-mu)))  # fmt: skip
    use = np.isfinite(direct) & (direct > -600)
    return np.minimum(np.where(use, direct, series), 0.0) / math.log(10)


def pair_scores(k: np.ndarray, mean: np.ndarray, tested: int) -> np.ndarray:
    """-log10(N x P(K >= k | K >= 1)): how many chance pairs this good the data should hold
    (10^-score), N = ``tested`` ordered pairs with at least one occasion."""
    return -log10_tail(k, mean) - math.log10(max(tested, 1))
