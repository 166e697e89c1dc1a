"""Co-travel (convoy) detection from plate reads, vectorised with numpy.

A *co-passage* is vehicle B read at the same camera as vehicle A within ``window_s`` after
A. A *trip* is a vehicle's run of reads without a gap over ``trip_gap_s``. A co-passage is
*chained* when both vehicles' next reads are again at one camera, B again behind A within
the window: the two drove a stretch together in the same order. An *occasion* is one
(trip of A, trip of B) pair with >= ``min_cameras`` - 1 chained co-passages. A pair needs >=
``min_occasions`` separate occasions (different trips). Testing the chain per co-passage
(two array lookups) instead of counting all co-passages per trip pair keeps memory to one
chunk of co-passages, which is what makes 10M reads fit.

Null model (docs/graph.md): if B drove independently of A, B's reads at camera c in hour of
day h form a Poisson process with B's own rate there, rho_B(c,h) = reads of B at c within ±1 h
of h / (days x 3 h). The chance that B falls in A's window by accident is
p = 1 - exp(-W·rho_B(c,h)), taken at the first camera of the occasion (later cameras of the
same trip are not independent). What later cameras add is how steady the gap stays: the
drift of B's gap behind A from one camera to the next is compared with the drift of all
chained co-passages in the data (nearly all of them chance followers): an empirical null,
P(drift ≤ observed), averaged over the occasion's chain. The score of the ordered pair is
Σ -log10 p over its occasions - log10 C(trips of A, occasions): the improbability of so many
chance occasions among all of A's trips. Busy roads and habitual drivers have high rho, so
commuters following each other every morning score low; a convoy at night scores high.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from pasienis.graph.plates import cluster_plates

HOUR = 3600


@dataclass(frozen=True)
class CoTravelParams:
    window_s: int = 900
    trip_gap_s: int = 2 * HOUR
    min_cameras: int = 2
    min_occasions: int = 2
    top: int = 1000
    chunk_pairs: int = 8_000_000


@dataclass
class Pair:
    """A ranked ordered pair with the indices (into the input) of its supporting reads."""

    leader: str
    follower: str
    score: float
    occasions: int
    co_passages: int
    first: int
    last: int
    reads: list[int] = field(default_factory=list)


@dataclass
class Reads:
    """Plate reads as arrays: camera code, UTC seconds, plate text (normalised)."""

    camera: np.ndarray
    time: np.ndarray
    plate: np.ndarray


def _trip_order(veh: np.ndarray, t: np.ndarray, gap: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Trip id per read and the index of the same trip's next read (-1 at a trip's end)."""
    order = np.lexsort((t, veh))
    v, ts = veh[order], t[order]
    new = np.r_[True, (v[1:] != v[:-1]) | (ts[1:] - ts[:-1] > gap)] if len(order) else \
        np.zeros(0, bool)  # fmt: skip
    trip_sorted = np.cumsum(new) - 1
    trip = np.empty(len(order), np.int64)
    trip[order] = trip_sorted
    nxt = np.full(len(order), -1, np.int64)
    same = ~new[1:]
    nxt[order[:-1][same]] = order[1:][same]
    return trip, nxt, int(trip_sorted[-1] + 1) if len(order) else 0


def _chunks(key: np.ndarray, window: int, chunk: int):
    """(i, j) index chunks: j at i's camera within ``window`` s after i (key-sorted reads)."""
    end = np.searchsorted(key, key + window, side="right")
    lens = end - np.arange(len(key)) - 1
    cum = np.cumsum(lens)
    start = 0
    while start < len(key):
        base = int(cum[start - 1]) if start else 0
        stop = max(int(np.searchsorted(cum, base + chunk, side="right")), start + 1)
        ln = lens[start:stop]
        i = np.repeat(np.arange(start, stop), ln)
        j = i + 1 + (np.arange(len(i)) - np.repeat(np.cumsum(ln) - ln, ln))
        yield i, j
        start = stop


def _chained(cam, t, veh, nxt, p: CoTravelParams):
    """Chained co-passages (i, j): both next reads at one camera, j again behind i."""
    key = cam.astype(np.int64) * (1 << 40) + t
    found_i, found_j = [], []
    for i, j in _chunks(key, p.window_s, p.chunk_pairs):
        ok = veh[i] != veh[j]
        i, j = i[ok], j[ok]
        ni, nj = nxt[i], nxt[j]
        ok = (ni >= 0) & (nj >= 0)
        i, j, ni, nj = i[ok], j[ok], ni[ok], nj[ok]
        dt = t[nj] - t[ni]
        ok = (cam[ni] == cam[nj]) & (dt > 0) & (dt <= p.window_s)
        found_i.append(i[ok])
        found_j.append(j[ok])
    if not found_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(found_i), np.concatenate(found_j)


def _rate_table(veh, cam, t, n_cams: int):
    """Sorted keys and counts of reads per (vehicle, camera, hour of day)."""
    hour = (t // HOUR) % 24
    key = (veh * n_cams + cam) * 24 + hour
    return np.unique(key, return_counts=True)


def _chance(keys, counts, veh, cam, t, n_cams: int, days: float, window: int):
    """p = 1 - exp(-W rho): rho from the follower's reads at that camera within ±1 hour."""
    hour = (t // HOUR) % 24
    total = np.zeros(len(veh), np.float64)
    for dh in (-1, 0, 1):
        k = (veh * n_cams + cam) * 24 + (hour + dh) % 24
        pos = np.clip(np.searchsorted(keys, k), 0, max(len(keys) - 1, 0))
        total += np.where(keys[pos] == k, counts[pos], 0) if len(keys) else 0
    rho = total / (days * 3 * HOUR)
    return -np.expm1(-window * rho)


def _log10_choose(m: np.ndarray, k: np.ndarray) -> np.ndarray:
    lg = np.vectorize(math.lgamma)
    return (lg(m + 1.0) - lg(k + 1.0) - lg(np.maximum(m - k, 0) + 1.0)) / math.log(10)


@dataclass
class _Occasions:
    lead: np.ndarray
    follow: np.ndarray
    cam: np.ndarray
    time: np.ndarray
    last: np.ndarray
    passages: np.ndarray
    steady: np.ndarray  # mean -log10 P(gap change this small by chance) over the chain


def _occasions(ci, cj, cam, t, v, trip, nxt, n_trips: int, p: CoTravelParams) -> _Occasions:
    """One row per (trip of A, trip of B) with enough chained co-passages (first one kept)."""
    tk = trip[ci] * n_trips + trip[cj]
    drift = np.abs((t[nxt[cj]] - t[nxt[ci]]) - (t[cj] - t[ci]))
    # Empirical null for the gap drift: nearly all chained co-passages are chance ones.
    ranked = np.sort(drift)
    chance = (np.searchsorted(ranked, drift, side="right") + 1) / (len(ranked) + 1)
    surprise = -np.log10(chance)
    order = np.lexsort((t[ci], tk))
    tk_s, ci_s, cj_s, sur_s = tk[order], ci[order], cj[order], surprise[order]
    starts = np.flatnonzero(np.r_[True, tk_s[1:] != tk_s[:-1]])
    counts = np.diff(np.r_[starts, len(tk_s)])
    ends = starts + counts - 1
    ok = counts >= max(p.min_cameras - 1, 1)
    s, e, n = starts[ok], ends[ok], counts[ok]
    steady = np.add.reduceat(sur_s, starts)[ok] / n if len(starts) else np.zeros(0)
    return _Occasions(
        v[ci_s[s]], v[cj_s[s]], cam[ci_s[s]], t[ci_s[s]], t[nxt[cj_s[e]]], n + 1, steady
    )


def _score_pairs(
    occ: _Occasions, rates, days: float, trips_per_veh, n_veh: int, n_cams: int, p: CoTravelParams
):
    """Aggregate occasions per ordered pair and score them against the null model."""
    chance = _chance(*rates, occ.follow, occ.cam, occ.time, n_cams, days, p.window_s)
    logp = -np.log10(np.maximum(chance, 1e-300)) + occ.steady
    pk = occ.lead * n_veh + occ.follow
    uk, inv = np.unique(pk, return_inverse=True)
    k = np.bincount(inv, minlength=len(uk))
    total = np.bincount(inv, weights=logp, minlength=len(uk))
    passages = np.bincount(inv, weights=occ.passages, minlength=len(uk)).astype(np.int64)
    first = np.full(len(uk), np.iinfo(np.int64).max)
    np.minimum.at(first, inv, occ.time)
    last = np.zeros(len(uk), np.int64)
    np.maximum.at(last, inv, occ.last)
    lead = uk // n_veh
    score = total - _log10_choose(trips_per_veh[lead].astype(float), k.astype(float))
    keep = k >= p.min_occasions
    return uk[keep], score[keep], k[keep], passages[keep], first[keep], last[keep]


def detect(reads: Reads, params: CoTravelParams | None = None) -> list[Pair]:
    """Ranked co-travelling ordered pairs (leader, follower) with their supporting reads."""
    p = params or CoTravelParams()
    if len(reads.time) == 0:
        return []
    veh, reps = cluster_plates(reads.plate)
    order = np.lexsort((reads.time, reads.camera))
    cam, t, v = reads.camera[order].astype(np.int64), reads.time[order].astype(np.int64), veh[order]
    trip, nxt, n_trips = _trip_order(v, t, p.trip_gap_s)
    ci, cj = _chained(cam, t, v, nxt, p)
    if not len(ci):
        return []
    n_veh, n_cams = len(reps), int(cam.max()) + 1
    trip_veh = np.zeros(n_trips, np.int64)
    trip_veh[trip] = v
    trips_per_veh = np.bincount(trip_veh, minlength=n_veh)
    days = max((int(t.max()) - int(t.min())) / 86400.0, 1.0)
    occ = _occasions(ci, cj, cam, t, v, trip, nxt, n_trips, p)
    rates = _rate_table(v, cam, t, n_cams)
    keys, score, k, passages, first, last = _score_pairs(occ, rates, days, trips_per_veh, n_veh,
                                                         n_cams, p)  # fmt: skip
    best = np.argsort(-score, kind="stable")[: p.top]
    pairs = [
        Pair(
            reps[int(keys[b] // n_veh)],
            reps[int(keys[b] % n_veh)],
            float(score[b]),
            int(k[b]),
            int(passages[b]),
            int(first[b]),
            int(last[b]),
        )
        for b in best
    ]
    _attach_reads(pairs, keys[best], ci, cj, v, nxt, order, n_veh)
    return pairs


def _attach_reads(pairs: list[Pair], keys: np.ndarray, ci, cj, v, nxt, order, n_veh: int) -> None:
    """Indices (in the caller's read order) of the reads behind each pair's co-passages."""
    ik = v[ci] * n_veh + v[cj]
    mine = np.isin(ik, keys)
    where = {int(key): pair for key, pair in zip(keys.tolist(), pairs, strict=True)}
    for key, a, b in zip(ik[mine].tolist(), ci[mine].tolist(), cj[mine].tolist(), strict=True):
        reads = where[key].reads
        reads.extend(int(order[x]) for x in (a, b, nxt[a], nxt[b]))
    for pair in pairs:
        pair.reads = sorted(set(pair.reads))
