"""The co-travel null model on small synthetic cases whose answer is known: each occasion's
chance against a brute-force sum, the subset bound, calibration on pure chance traffic, and
habits (commuters) against a convoy."""

from __future__ import annotations

import math

import numpy as np

from pasienis.graph.cotravel import CoTravelParams, Reads, _trip_order, detect
from pasienis.graph.cotravel_null import DAY, habits, occasion_log10p, subset_scores

W = 900


def _brute_log10p(veh, cam, t, nxt, trip_reads: list[int], b: int, days: float) -> float:
    """The definition, read by read: over the passages r of A's trip, the larger of B's
    share of the traffic on r's segment in (tau_r, tau_r + W] and B's own passages there on
    other days, less one, / (days - 1); p = 1 - exp(-sum). A passage is a read with its next
    read, or with the one after the next when that is at another camera (the follower's
    tolerance of one interleaved read: B passing 0, x, 1 counts on segment (0, 1))."""
    passes = [(i, int(nxt[i])) for i in range(len(t)) if nxt[i] >= 0]
    passes += [(i, int(nxt[n])) for i, n in list(passes)
               if nxt[n] >= 0 and cam[nxt[n]] != cam[n]]  # fmt: skip

    def in_slot(r: int, x: int) -> bool:
        return 0 < (int(t[x]) - int(t[r])) % DAY <= W

    n_b = sum(1 for i, _ in passes if veh[i] == b)
    lam = 0.0
    for r in trip_reads[:-1]:
        seg = (int(cam[r]), int(cam[nxt[r]]))
        cell = [i for i, n in passes if (int(cam[i]), int(cam[n])) == seg and in_slot(r, i)]
        share = n_b * len(cell) / len(passes) / days
        own = [i for i in cell if veh[i] == b and abs(int(t[i]) - int(t[r])) >= DAY // 2]
        lam += max(share, max(len(own) - 1, 0) / (days - 1))
    return math.log10(-math.expm1(-lam)) if lam > 0 else math.log10(1e-300)


def test_occasion_chance_matches_the_definition() -> None:
    """Random trips of five vehicles on a 4-camera road (both directions, around midnight
    too, one vehicle with a habit at 7:00): the vectorised chance of every trip against
    every other vehicle equals the brute-force sum."""
    rng = np.random.default_rng(5)
    cams, times, vehs = [], [], []
    for _ in range(160):
        v = int(rng.integers(5))
        day = int(rng.integers(10))
        hour = 7 if v == 4 else int(rng.choice([23, 2, 7]))
        t0 = day * DAY + hour * 3600 + int(rng.integers(3600 if v != 4 else 300))
        path = [0, 1, 2, 3] if rng.random() < 0.7 else [3, 2, 1, 0]
        path = path[int(rng.integers(2)) :]
        for k, c in enumerate(path):
            cams.append(c)
            times.append(t0 + 600 * k + int(rng.integers(60)))
            vehs.append(v)
    veh, cam, t = np.array(vehs), np.array(cams), np.array(times)
    trips = _trip_order(veh, t, 2 * 3600)
    days = 10.0
    table = habits(veh, cam, t, trips.nxt, 5, days)
    trip_veh = veh[trips.order[trips.start]]
    trip_ids = np.array([j for j in range(trips.n) for b in range(5) if b != trip_veh[j]])
    follow = np.array([b for j in range(trips.n) for b in range(5) if b != trip_veh[j]])
    lo = trips.start[trip_ids]
    hi = np.r_[trips.start[1:], len(trips.order)][trip_ids]
    got = occasion_log10p(table, trips.order, lo, hi, follow, cam, t, W)
    want = [_brute_log10p(veh, cam, t, trips.nxt, trips.order[a:z].tolist(), int(b), days)
            for a, z, b in zip(lo, hi, follow, strict=True)]  # fmt: skip
    assert sum(w > -1 for w in want) > 20  # the case is not empty
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_subset_bound() -> None:
    """Four occasions of chance 0.01 each among a leader's 50 trips, 1,000 pairs tested:
    -log10(1000 x C(50, 4) x 1e-8); never a bonus for bounds above 1."""
    got = subset_scores(np.array([4, 2]), np.array([-8.0, -0.1]), np.array([50, 50]), 1000)
    assert math.isclose(got[0], -math.log10(1000 * math.comb(50, 4) * 1e-8))
    assert got[1] == -3.0


def _road_traffic(rng, n_trips: int, fleet: int, days: int, prefix: str = "BG"):
    """Independent trips on a 6-camera road: random vehicle, day, hour, start, length and
    speed — the null hypothesis itself."""
    cams, times, plates = [], [], []
    for _ in range(n_trips):
        v = f"{prefix}{int(rng.integers(fleet)):04d}"
        t0 = int(rng.integers(0, days * DAY))
        pace = float(rng.uniform(550, 800))
        start = int(rng.integers(0, 4))
        for k, c in enumerate(range(start, min(6, start + int(rng.integers(2, 5))))):
            cams.append(c)
            times.append(t0 + int(k * pace))
            plates.append(v)
    return cams, times, plates


def test_chance_traffic_scores_below_zero() -> None:
    """Pure chance (independent vehicles, a heavy-tailed fleet so that some meet often): the
    score is about -log10 of the chance pairs expected this good. Bonferroni runs over the
    pairs *tested* (with an occasion) with unconditional bounds, so the best chance pair can
    exceed 0 somewhat (1.1 here); 2 would be a hundredfold miscalibration."""
    rng = np.random.default_rng(21)
    cams, times, plates = [], [], []
    for seed_fleet in (40, 400):  # a few very busy vehicles and many occasional ones
        c, t, p = _road_traffic(rng, 3000, seed_fleet, 30, prefix=f"F{seed_fleet}_")
        cams += c
        times += t
        plates += p
    reads = Reads(np.array(cams), np.array(times), np.array(plates, object))
    pairs = detect(reads, CoTravelParams(top=100_000))
    assert len(pairs) > 100  # chance gives many pairs with >= 2 occasions
    assert max(p.occasions for p in pairs) >= 4
    assert max(p.score for p in pairs) < 2.0


def test_commuters_do_not_outrank_a_convoy() -> None:
    """Two commuters drive the road at 7:40 every weekday for six weeks, one 3 minutes
    behind the other (30 occasions); a convoy drives together on 4 nights at different
    hours and on different stretches. The commuters' meetings are explained by their own
    habits (each is at that camera at that time every day); the convoy's are not."""
    rng = np.random.default_rng(8)
    cams, times, plates = _road_traffic(rng, 3000, 300, 42)
    for day in range(42):
        if day % 7 < 5:
            t0 = day * DAY + 7 * 3600 + 40 * 60 + int(rng.integers(-120, 120))
            for c in range(6):
                for plate, lag in (("COM001", 0), ("COM002", 180 + int(rng.integers(-30, 30)))):
                    cams.append(c)
                    times.append(t0 + 650 * c + lag)
                    plates.append(plate)
    for run, (day, hour, first) in enumerate(((3, 22, 0), (11, 1, 2), (19, 3, 1), (30, 20, 0))):
        t0 = day * DAY + hour * 3600 + 37 * run
        for c in range(first, first + 3):
            for plate, lag in (("SCOUT1", 0), ("CARGO1", 400 + int(rng.integers(-20, 20)))):
                cams.append(c)
                times.append(t0 + 700 * (c - first) + lag)
                plates.append(plate)
    reads = Reads(np.array(cams), np.array(times), np.array(plates, object))
    pairs = detect(reads, CoTravelParams(top=100_000))
    rank = {(p.leader, p.follower): i for i, p in enumerate(pairs)}
    commuters = pairs[rank[("COM001", "COM002")]]
    assert commuters.occasions == 30  # found, as a pattern, with all its occasions
    assert rank[("SCOUT1", "CARGO1")] == 0
    assert pairs[0].score > 0 > commuters.score
