"""Co-travel (convoy) detection from plate reads, vectorised with numpy, in bounded memory.

A *co-passage* is vehicle B read at the same camera as vehicle A within ``window_s`` after
A. A *trip* is a vehicle's run of reads without a gap over ``trip_gap_s``. A co-passage is
*chained* when both vehicles' next reads are again at one camera, B again behind A within
the window: the two drove a stretch together in the same order (the follower may
have one interleaved read in between, :func:`_chained`). An *occasion* is one
(trip of A, trip of B) pair with >= ``min_cameras`` - 1 chained co-passages. A pair needs >=
``min_occasions`` separate occasions (different trips).

Streaming: reads are taken in time chunks of ``chunk_reads`` (plus one window of overlap);
each chunk's chained co-passages are folded at once into per-(trip pair) sums, a trip pair is
closed as soon as one of its trips has ended, and closed occasions (24-byte records) are
spilled to disk partitioned by leader once more than ``fold_rows`` are held; each partition
is folded into per-(vehicle pair) sums on its own at the end. Memory is one chunk of
co-passages plus the open trip pairs and one partition of occasions, never all co-passages
(which at 10M reads outgrew 13.9 GiB) nor all pair sums (12.2 GB; docs/benchmarks.md).

Score (:mod:`pasienis.graph.cotravel_null`, docs/graph.md "Null model"): per occasion, the
chance that B is behind A by accident given the traffic at those cameras and times of day
(or B's own habit there on other days, if higher); the k-subset bound C(trips of A, k) x
prod p; a Bonferroni correction over the pairs tested. Chain length and the steadiness of
the gap are not evidence: two chance cars at one cruising speed hold their gap to the
second over 100 km (what made chance pairs outrank convoys at 10M reads before).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from pasienis.graph.cotravel_null import habits, occasion_log10p, skip_next, subset_scores
from pasienis.graph.plates import cluster_plates

HOUR = 3600


@dataclass(frozen=True)
class CoTravelParams:
    window_s: int = 900
    trip_gap_s: int = 2 * HOUR
    min_cameras: int = 2
    min_occasions: int = 2
    top: int = 1000
    #: Co-passages per step of the window join (memory of one step).
    chunk_pairs: int = 8_000_000
    #: Reads per time chunk: the unit of streaming and the sample of the drift null.
    chunk_reads: int = 1_000_000
    #: Closed occasions held in memory (24 bytes each) before they are spilled to disk.
    fold_rows: int = 4_000_000
    #: Spill files (by leader hash): the final fold holds one of them in memory.
    partitions: int = 16


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


@dataclass
class _Trips:
    """Per read: trip id and the same trip's next read (-1 at its end); per trip: last time."""

    trip: np.ndarray
    nxt: np.ndarray
    end: np.ndarray
    #: Reads sorted by (vehicle, time) and each trip's first position in that order.
    order: np.ndarray
    start: np.ndarray

    @property
    def n(self) -> int:
        return len(self.end)


def _trip_order(veh: np.ndarray, t: np.ndarray, gap: int) -> _Trips:
    order = np.lexsort((t, veh))
    v, ts = veh[order], t[order]
    new = np.r_[True, (v[1:] != v[:-1]) | (ts[1:] - ts[:-1] > gap)]
    trip_sorted = np.cumsum(new) - 1
    trip = np.empty(len(order), np.int64)
    trip[order] = trip_sorted
    nxt = np.full(len(order), -1, np.int64)
    same = ~new[1:]
    nxt[order[:-1][same]] = order[1:][same]
    return _Trips(trip, nxt, ts[np.r_[new[1:], True]], order, np.flatnonzero(new))


def _window_pairs(key: np.ndarray, window: int, chunk: int):
    """(i, j) index chunks: j at i's camera within ``window`` s after i (key-sorted reads)."""
    end = np.searchsorted(key, key + window, side="right")
    for start, stop, ln, offset in _chunks(end - np.arange(len(key)) - 1, chunk):
        i = np.repeat(np.arange(start, stop), ln)
        yield i, i + 1 + offset


def _chunks(lens: np.ndarray, chunk: int):
    """Row ranges whose ``lens`` sum to about ``chunk`` pairs: ``(start, stop, lens of the
    range, each pair's offset within its row)``, so no chunk of pairs outgrows memory."""
    cum = np.cumsum(lens)
    start = 0
    while start < len(lens):
        base = int(cum[start - 1]) if start else 0
        stop = max(int(np.searchsorted(cum, base + chunk, side="right")), start + 1)
        ln = lens[start:stop]
        yield start, stop, ln, np.arange(int(ln.sum())) - np.repeat(np.cumsum(ln) - ln, ln)
        start = stop


def _range_pairs(qkey: np.ndarray, key: np.ndarray, lo: int, hi: int, chunk: int):
    """(q, k) index chunks: ``key[k]`` in (``qkey[q]`` + lo, ``qkey[q]`` + hi] (``key``
    sorted)."""
    a = np.searchsorted(key, qkey + lo, side="right")
    lens = np.searchsorted(key, qkey + hi, side="right") - a
    for start, stop, ln, offset in _chunks(lens, chunk):
        yield np.repeat(np.arange(start, stop), ln), np.repeat(a[start:stop], ln) + offset


def _chained(idx: np.ndarray, cam, t, veh, nxt, p: CoTravelParams, before: int | None = None):
    """Chained co-passages (i, j, next of i, next of j) among reads ``idx`` (global
    indices), ``t[i] < before``: both next reads at one camera, j again behind i within
    the window.

    The window join runs per *segment* (camera, next camera), not per camera: a chained
    pair must share both, so co-passages that part ways are never enumerated (7x fewer
    pairs on a day of the scale-1000 scenario, the same chained ones).

    *One interleaved read of the follower* is tolerated: j's "next" may be the read after
    its next (:func:`~pasienis.graph.cotravel_null.skip_next`), when that is at i's next
    camera. In the scenario a cargo truck drives a background trip on another road in the
    same hours, and in real data a misread or a second camera on a parallel lane does the
    same; without it two of a convoy's four occasions were lost at 3M reads. Only the
    follower's: the chained segment is then always one of the leader's passages, the unit of
    the null model (a leader's skip would chain on a segment its trip never passes)."""
    idx = idx[nxt[idx] >= 0]
    n_cams = int(cam.max()) + 1
    nx2 = skip_next(cam, nxt, idx)
    sk = nx2 >= 0
    rows = np.r_[idx, idx[sk]]
    nexts = np.r_[nxt[idx], nx2[sk]]
    skip = np.r_[np.zeros(len(idx), bool), np.ones(int(sk.sum()), bool)]
    segment = cam[rows] * n_cams + cam[nexts]
    order = np.lexsort((t[rows], segment))
    g, nexts, skip, segment = rows[order], nexts[order], skip[order], segment[order]
    rank = np.cumsum(np.r_[False, segment[1:] != segment[:-1]]) if len(g) else segment
    key = rank * (1 << 33) + (t[g] - (int(t[g].min()) if len(g) else 0))
    direct, skipped = np.flatnonzero(~skip), np.flatnonzero(skip)
    dkey = key[direct]

    def joins():
        for a, b in _window_pairs(dkey, p.window_s, p.chunk_pairs):
            yield direct[a], direct[b]
        # A follower's skip entry behind a leader's direct one (at an equal time too). No
        # (i, j) is found twice: j's two next cameras differ, i has one.
        for q, k in _range_pairs(key[skipped], dkey, -p.window_s - 1, 0, p.chunk_pairs):
            yield direct[k], skipped[q]

    for a, b in joins():
        i, j, ni, nj = g[a], g[b], nexts[a], nexts[b]
        ok = veh[i] != veh[j]
        if before is not None:
            ok &= t[i] < before
        dt = t[nj] - t[ni]
        ok &= (cam[ni] == cam[nj]) & (dt > 0) & (dt <= p.window_s)
        if ok.any():
            yield i[ok], j[ok], ni[ok], nj[ok]


def _groups(key: np.ndarray, *tie: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort order by ``key`` (then ``tie``) and the start of each run of equal keys."""
    order = np.lexsort((*tie, key)) if tie else np.argsort(key, kind="stable")
    k = key[order]
    return order, np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if len(k) else np.zeros(0, int)


@dataclass
class _TripPairs:
    """Per (trip of A, trip of B): chained co-passages, first co-passage (time, camera,
    vehicles) and the time of the last read."""

    tk: np.ndarray
    n: np.ndarray
    first: np.ndarray
    cam: np.ndarray
    lead: np.ndarray
    follow: np.ndarray
    last: np.ndarray

    @classmethod
    def empty(cls) -> _TripPairs:
        z = np.zeros(0, np.int64)
        return cls(z, z, z, z, z, z, z)

    def take(self, sel: np.ndarray) -> _TripPairs:
        return _TripPairs(*(getattr(self, f.name)[sel] for f in fields(self)))

    @classmethod
    def concat(cls, parts: list[_TripPairs]) -> _TripPairs:
        return cls(*(np.concatenate([getattr(x, f.name) for x in parts]) for f in fields(cls)))

    def fold(self) -> _TripPairs:
        """One row per trip pair: counts summed, the earliest first, the latest last."""
        order, starts = _groups(self.tk, self.first)
        s = self.take(order)
        return _TripPairs(
            s.tk[starts], np.add.reduceat(s.n, starts),
            s.first[starts], s.cam[starts], s.lead[starts], s.follow[starts],
            np.maximum.reduceat(s.last, starts),
        ) if len(starts) else s  # fmt: skip


def _trip_pairs(ci, cj, nj, cam, t, veh, trips: _Trips) -> _TripPairs:
    """Chained co-passages as (unfolded) trip-pair rows (``nj``: the follower's read at the
    shared next camera)."""
    return _TripPairs(trips.trip[ci] * trips.n + trips.trip[cj], np.ones(len(ci), np.int64),
                      t[ci], cam[ci], veh[ci], veh[cj], t[nj])  # fmt: skip


#: One closed occasion as spilled: 24 bytes (times as seconds after the data's first read;
#: ``trip`` is the leader's trip, for the occasion's chance computed at the end).
_OCCASION = np.dtype([("lead", "<u4"), ("follow", "<u4"), ("passages", "<u4"),
                      ("first", "<u4"), ("last", "<u4"), ("trip", "<u4")])  # fmt: skip


@dataclass
class _Folded:
    """Per ordered vehicle pair: occasions, co-passages, first and last time."""

    lead: np.ndarray
    follow: np.ndarray
    k: np.ndarray
    passages: np.ndarray
    first: np.ndarray
    last: np.ndarray
    #: Σ log10 p over the occasions (their chance given the traffic, cotravel_null).
    logp: np.ndarray

    @classmethod
    def concat(cls, parts: list[_Folded]) -> _Folded:
        return cls(*(np.concatenate([getattr(x, f.name) for x in parts]) for f in fields(cls)))


def _fold_occasions(rows: np.ndarray, origin: int, logp: np.ndarray | None = None) -> _Folded:
    """Occasion records (``_OCCASION``) folded to one row per ordered vehicle pair."""
    pk = rows["lead"].astype(np.int64) << 32 | rows["follow"].astype(np.int64)
    order, starts = _groups(pk)
    r = rows[order]
    if not len(starts):
        z = np.zeros(0, np.int64)
        return _Folded(z, z, z, z, z, z, np.zeros(0))
    lp = np.zeros(len(r)) if logp is None else logp[order]
    return _Folded(
        r["lead"][starts].astype(np.int64), r["follow"][starts].astype(np.int64),
        np.diff(np.r_[starts, len(r)]),
        np.add.reduceat(r["passages"].astype(np.int64), starts),
        np.minimum.reduceat(r["first"], starts).astype(np.int64) + origin,
        np.maximum.reduceat(r["last"], starts).astype(np.int64) + origin,
        np.add.reduceat(lp, starts),
    )  # fmt: skip


class _Occasions:
    """Closed occasions until the end of the data, in bounded memory.

    Nearly every chance occasion of a large data set is a distinct vehicle pair, and a pair
    must be kept until the end (its second occasion may come later): at 10M reads the per-
    pair sums outgrew 12 GB in memory. Occasions are therefore kept as narrow 24-byte records
    (``_OCCASION``); when more than ``limit`` are held they are *spilled* to ``partitions``
    files by a hash of the leader, so every occasion of one ordered pair lands in one file.
    At the end each partition is read and folded on its own: memory is one partition's
    occasions, whatever the number of pairs. Data that never exceeds ``limit`` is folded in
    memory without touching the disk."""

    def __init__(self, origin: int, *, limit: int, partitions: int = 16) -> None:
        self.origin, self.limit, self.partitions = origin, limit, partitions
        self._held: list[np.ndarray] = []
        self._rows = 0
        self._dir: tempfile.TemporaryDirectory | None = None
        self.spilled = 0
        #: Distinct ordered pairs with at least one occasion, known after :meth:`pairs`.
        self.tested = 0

    def add(self, lead, follow, passages, first, last, trip) -> None:
        rec = np.empty(len(lead), _OCCASION)
        rec["lead"], rec["follow"], rec["passages"], rec["trip"] = lead, follow, passages, trip
        rec["first"], rec["last"] = first - self.origin, last - self.origin
        self._held.append(rec)
        self._rows += len(rec)
        if self._rows > self.limit:
            self._spill()

    def _part_of(self, lead: np.ndarray) -> np.ndarray:
        # Fibonacci hashing: vehicle codes are dense and sorted by plate, not random.
        return ((lead.astype(np.uint64) * np.uint64(11400714819323198485)) >> np.uint64(58)) \
            % np.uint64(self.partitions)  # fmt: skip

    def _path(self, part: int) -> Path:
        assert self._dir is not None
        return Path(self._dir.name) / f"occasions-{part:03d}.bin"

    def _spill(self) -> None:
        if not self._held:
            return
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="pasienis-cotravel-")
        rows = np.concatenate(self._held)
        self._held, self._rows = [], 0
        part = self._part_of(rows["lead"])
        order = np.argsort(part, kind="stable")
        rows, part = rows[order], part[order]
        bounds = np.searchsorted(part, np.arange(self.partitions + 1, dtype=np.uint64))
        for i in range(self.partitions):
            if bounds[i + 1] > bounds[i]:
                with self._path(i).open("ab") as f:
                    rows[bounds[i] : bounds[i + 1]].tofile(f)
        self.spilled += len(rows)

    def pairs(self, min_occasions: int, chance) -> _Folded:
        """Pairs with at least ``min_occasions`` occasions (partition by partition); counts
        the pairs tested (with any occasion) in :attr:`tested`. ``chance(rows)``: log10 p
        of each occasion of a qualifying pair."""
        self.tested = 0

        def qualify(rows: np.ndarray) -> _Folded:
            pk = rows["lead"].astype(np.int64) << 32 | rows["follow"].astype(np.int64)
            _keys, inverse, counts = np.unique(pk, return_inverse=True, return_counts=True)
            self.tested += len(counts)  # a pair's occasions all land in one partition
            rows = rows[counts[inverse] >= min_occasions]
            return _fold_occasions(rows, self.origin, chance(rows))

        try:
            if self._dir is None:
                rows = np.concatenate(self._held) if self._held else np.zeros(0, _OCCASION)
                self._held = []
                return qualify(rows)
            self._spill()
            kept = []
            for i in range(self.partitions):
                path = self._path(i)
                if path.exists():
                    kept.append(qualify(np.fromfile(path, _OCCASION)))
                    path.unlink()
            return _Folded.concat(kept) if kept else _fold_occasions(np.zeros(0, _OCCASION), 0)
        finally:
            if self._dir is not None:
                self._dir.cleanup()
                self._dir = None


def _time_chunks(t_sorted: np.ndarray, size: int) -> list[tuple[int, int]]:
    """[T0, T1) bounds, about ``size`` reads each, on distinct times."""
    cuts = np.unique(t_sorted[::size])
    ends = np.r_[cuts[1:], t_sorted[-1] + 1]
    return list(zip(cuts.tolist(), ends.tolist(), strict=True))


def detect(reads: Reads, params: CoTravelParams | None = None) -> list[Pair]:
    """Ranked co-travelling ordered pairs (leader, follower) with their supporting reads."""
    p = params or CoTravelParams()
    if len(reads.time) == 0:
        return []
    v, reps = cluster_plates(reads.plate)
    cam, t = reads.camera.astype(np.int64), reads.time.astype(np.int64)
    trips = _trip_order(v, t, p.trip_gap_s)
    n_veh = len(reps)
    days = max((int(t.max()) - int(t.min())) / 86400.0, 1.0)
    by_time = np.argsort(t, kind="stable")
    t_sorted = t[by_time]
    sums = _Occasions(int(t.min()), limit=p.fold_rows, partitions=p.partitions)
    open_pairs = _TripPairs.empty()
    min_chain = max(p.min_cameras - 1, 1)
    for t0, t1 in _time_chunks(t_sorted, p.chunk_reads):
        lo, hi = np.searchsorted(t_sorted, [t0, t1 + p.window_s], side="left")
        found = list(_chained(by_time[lo:hi], cam, t, v, trips.nxt, p, before=t1))
        ci, cj, nj = (
            np.concatenate([x[c] for x in found]) if found else np.zeros(0, np.int64)
            for c in (0, 1, 3)
        )
        del found
        new = _trip_pairs(ci, cj, nj, cam, t, v, trips).fold()
        del ci, cj, nj
        open_pairs = _TripPairs.concat([open_pairs, new]).fold()
        a, b = open_pairs.tk // trips.n, open_pairs.tk % trips.n
        closed = np.minimum(trips.end[a], trips.end[b]) < t1
        occ = open_pairs.take(closed & (open_pairs.n >= min_chain))
        open_pairs = open_pairs.take(~closed)
        sums.add(occ.lead, occ.follow, occ.n + 1, occ.first, occ.last, occ.tk // trips.n)
    del by_time, t_sorted, open_pairs
    # The null model (cotravel_null, docs/graph.md): each occasion's chance given the
    # traffic at its segments and times of day (or the follower's habit there, if higher),
    # the k-subsets of the leader's trips, Bonferroni over the pairs tested.
    table = habits(v, cam, t, trips.nxt, n_veh, days)

    def chance(rows: np.ndarray) -> np.ndarray:
        trip = rows["trip"].astype(np.int64)
        lo = trips.start[trip]
        hi = np.r_[trips.start[1:], len(trips.order)][trip]
        return occasion_log10p(table, trips.order, lo, hi, rows["follow"].astype(np.int64),
                               cam, t, p.window_s)  # fmt: skip

    found = sums.pairs(p.min_occasions, chance)
    trip_veh = np.zeros(trips.n, np.int64)
    trip_veh[trips.trip] = v
    n_trips = np.bincount(trip_veh, minlength=n_veh)
    score = subset_scores(found.k, found.logp, n_trips[found.lead], sums.tested)
    best = np.argsort(-score, kind="stable")[: p.top]
    pairs = [
        Pair(reps[int(found.lead[b])], reps[int(found.follow[b])], float(score[b]),
             int(found.k[b]), int(found.passages[b]), int(found.first[b]), int(found.last[b]))
        for b in best
    ]  # fmt: skip
    _attach_reads(pairs, found.lead[best] * n_veh + found.follow[best], cam, t, v, trips,
                  n_veh, p)  # fmt: skip
    return pairs


def _attach_reads(
    pairs: list[Pair], keys: np.ndarray, cam, t, v, trips: _Trips, n_veh: int, p: CoTravelParams
) -> None:
    """Indices (in the caller's read order) of the reads behind each pair's occasions: the
    chained co-passages re-found among the reads of the ranked pairs' vehicles only."""
    if not pairs:
        return
    vehicles = np.unique(np.r_[keys // n_veh, keys % n_veh])
    mine = np.flatnonzero(np.isin(v, vehicles))
    where = {int(key): pair for key, pair in zip(keys.tolist(), pairs, strict=True)}
    parts = []
    for ci, cj, ni, nj in _chained(mine, cam, t, v, trips.nxt, p):
        ok = np.isin(v[ci] * n_veh + v[cj], keys)
        parts.append((ci[ok], cj[ok], ni[ok], nj[ok]))
    if not parts:
        return
    ci, cj, ni, nj = (np.concatenate(x) for x in zip(*parts, strict=True))
    tk = trips.trip[ci] * trips.n + trips.trip[cj]
    _keys, inv, counts = np.unique(tk, return_inverse=True, return_counts=True)
    occasion = counts[inv] >= max(p.min_cameras - 1, 1)
    for a, b, na, nb in zip(*(x[occasion].tolist() for x in (ci, cj, ni, nj)), strict=True):
        where[int(v[a]) * n_veh + int(v[b])].reads.extend((a, b, na, nb))
    for pair in pairs:
        pair.reads = sorted(set(pair.reads))
