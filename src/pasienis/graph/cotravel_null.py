"""The co-travel null model: how unlikely a pair's occasions are by chance, given the traffic.

Why a separate module: the score is the one statistical claim the co-travel ranking makes
(an analyst may have to defend it), so it is stated and tested on its own (docs/graph.md,
"Null model").

Null hypothesis for an ordered pair (A, B): B drives independently of A. Per occasion (A's
trip j that B followed), B's expected passages of A's segment s (camera c, then camera c')
within the window W behind A, on that day (a passage of s may have one interleaved read,
:func:`skip_next`), are the larger of
(a) B's share of the traffic there: n_B x (all passages of s in that slot of the day, over
    all days / all passages) / D — the traffic at that camera and hour, and
(b) B's own habit there on *other* days: B's passages of s in that slot on days other than
    this one, less one (a single other day is a coincidence: a convoy's two runs at a
    similar hour would explain each other), / (D - 1) — a commuter behind the same
    neighbour at 7:40 every weekday is explained by its habit;
the occasion's chance p_j = 1 - exp(-sum over the passages of A's trip) (a union bound over
the trip's cameras: the length of a run is no evidence). The pair's k occasions are k of
A's n trips; that *some* k of them all meet B with a product of chances this small has
probability at most C(n, k) x prod p_j. The score is -log10 of N x that bound, N = the
ordered pairs with at least one occasion (Bonferroni over the pairs tested; the bound is
unconditional, so this is approximate: pure chance reaches about 1, see the tests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

DAY = 86400
_TOD_BITS = 17  # a time of day (< 86,400 s) fits in 17 bits


@dataclass(frozen=True)
class Habits:
    """Every vehicle's segment passages, sorted by (vehicle, segment, time of day), and all
    passages by (segment, time of day)."""

    key: np.ndarray
    #: Per vehicle, the range of its passages in the sorted arrays.
    start: np.ndarray
    seg: np.ndarray
    tod: np.ndarray
    n_seg: int
    days: float
    #: All vehicles' passages as sorted (segment, time of day) keys: the traffic.
    traffic: np.ndarray
    #: Absolute time of each passage (to leave the passage's own day out of a habit).
    time: np.ndarray

    @property
    def passages(self) -> np.ndarray:
        return np.diff(self.start)


def skip_next(cam: np.ndarray, nxt: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per read of ``rows`` (each with a next read): the read after its next, when that is
    at another camera than the next (-1 otherwise) — a passage with one interleaved read
    (a misread, a second lane's camera, another trip of the vehicle in the same hours),
    the follower's tolerance in the co-travel chain (cotravel._chained)."""
    nx2 = nxt[nxt[rows]]
    ok = (nx2 >= 0) & (cam[np.maximum(nx2, 0)] != cam[nxt[rows]])
    return np.where(ok, nx2, -1)


def habits(veh: np.ndarray, cam: np.ndarray, t: np.ndarray, nxt: np.ndarray, n_veh: int,
           days: float) -> Habits:  # fmt: skip
    """The table of segment passages: a read whose trip goes on (``nxt`` >= 0) is a passage
    of the segment (its camera, the next read's camera) at its time of day, and also of
    (its camera, the camera after the next) when :func:`skip_next` allows it: a follower
    that chains behind a leader on a segment through an interleaved read must count as
    being there under the null too (else a leader that missed a camera, 0 -> 2 where all
    traffic reads 0, 1, 2, would meet a follower nobody else passes there)."""
    n_cams = int(cam.max()) + 1 if len(cam) else 1
    direct = np.flatnonzero(nxt >= 0)
    nx2 = skip_next(cam, nxt, direct)
    on = np.r_[direct, direct[nx2 >= 0]]
    seg = cam[on] * n_cams + cam[np.r_[nxt[direct], nx2[nx2 >= 0]]]
    tod = t[on] % DAY
    n_seg = n_cams * n_cams
    if math.log2(max(n_veh, 1) * n_seg + 1) + _TOD_BITS >= 63:
        raise ValueError("too many vehicles x camera segments for the habit table")
    key = (veh[on] * n_seg + seg) << _TOD_BITS | tod
    order = np.argsort(key, kind="stable")
    key, on = key[order], on[order]
    start = np.searchsorted(key >> _TOD_BITS, np.arange(n_veh + 1) * n_seg)
    seg, tod = seg[order], tod[order]
    return Habits(key, start, seg.astype(np.int32), tod.astype(np.int32),
                  n_seg, max(days, 1.0),
                  np.sort(seg << _TOD_BITS | tod), t[on])  # fmt: skip


def _count_keys(key: np.ndarray, base: np.ndarray, lo: np.ndarray, width: int):
    """Per query: (start, stop) ranges of ``key`` with prefix ``base`` and time of day in
    (lo, lo + width], as one or two parts (wrapping at midnight), and the total count."""
    hi = lo + width
    a = np.searchsorted(key, base | lo, side="right")
    z = np.searchsorted(key, base | np.minimum(hi, DAY - 1), side="right")
    parts = [(np.arange(len(base)), a, z)]
    wrap = np.flatnonzero(hi >= DAY)
    if len(wrap):
        b = base[wrap]
        parts.append((wrap, np.searchsorted(key, b, side="left"),
                      np.searchsorted(key, b | (hi[wrap] - DAY), side="right")))  # fmt: skip
    n = np.zeros(len(base), np.int64)
    for which, x, y in parts:
        n[which] += y - x
    return parts, n


def occasion_log10p(h: Habits, order, lo, hi, follow, cam, t, window: int) -> np.ndarray:
    """log10 of each occasion's chance: that the follower is within ``window`` s behind
    the leader at some passage of the leader's trip (reads ``order[lo:hi]``) by accident.

    Per passage r of segment s at time of day tau, the follower's expected passages of s
    in (tau, tau + W] on that day are the larger of (a) its share of the traffic there,
    n_B x (all passages of s in that slot / all passages) / D: the traffic at that camera
    and hour, and (b) its own habit there on *other* days, its passages of s in that slot
    on days other than this one / (D - 1) (commuters: their meetings are explained). The
    trip's chance is 1 - exp(-sum over its passages) (a union bound)."""
    n_cams = math.isqrt(h.n_seg)
    n = np.maximum(hi - lo - 1, 0)  # the trip's last read starts no segment
    occ = np.repeat(np.arange(len(lo)), n)
    pos = np.repeat(lo, n) + (np.arange(len(occ)) - np.repeat(np.cumsum(n) - n, n))
    r, r_next = order[pos], order[pos + 1]
    seg = cam[r] * n_cams + cam[r_next]
    tod = t[r] % DAY
    b = follow[occ]
    _parts, all_n = _count_keys(h.traffic, seg << _TOD_BITS, tod, window)
    share = h.passages[b] * all_n / max(len(h.traffic), 1) / h.days
    parts, own = _count_keys(h.key, (b * h.n_seg + seg) << _TOD_BITS, tod, window)
    for which, x, y in parts:
        lens = np.maximum(y - x, 0)
        if lens.any():
            q = np.repeat(which, lens)
            at = np.repeat(x, lens) + (np.arange(len(q)) - np.repeat(np.cumsum(lens) - lens,
                                                                      lens))  # fmt: skip
            same = np.abs(h.time[at] - t[r][q]) < DAY // 2
            own -= np.bincount(q[same], minlength=len(own))
    # One other day in the slot is a coincidence, not a habit: a convoy's two runs at a
    # similar hour would otherwise explain each other. Repetition beyond it is a habit.
    habit = np.maximum(own - 1, 0) / max(h.days - 1, 1.0)
    lam = np.bincount(occ, weights=np.maximum(share, habit), minlength=len(lo))
    return np.log10(np.maximum(-np.expm1(-lam), 1e-300))


def subset_scores(k, logp, n_trips, tested: int) -> np.ndarray:
    """-log10(N x min(1, C(n, k) x prod p)): the pair's k occasions are k of the leader's n
    trips, and the chance that *some* k of them all meet the follower with a product of
    chances this small is at most C(n, k) x that product (the sum of prod p over such
    k-subsets); N = ``tested`` ordered pairs with at least one occasion (Bonferroni)."""
    kk = k.astype(np.float64)
    nn = np.maximum(n_trips, k).astype(np.float64)
    choose = (gammaln(nn + 1) - gammaln(kk + 1) - gammaln(nn - kk + 1)) / math.log(10)
    return -np.minimum(logp + choose, 0.0) - math.log10(max(tested, 1))
