"""The co-travel null model on small synthetic cases whose answer is known: the expected chance
occasions against a brute-force count, the Poisson tail against scipy, calibration on pure
chance traffic, and habits (commuters) against a convoy."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import poisson

from pasienis.graph.cotravel import CoTravelParams, Reads, _trip_order, detect
from pasienis.graph.cotravel_null import (
    DAY,
    expected_occasions,
    habits,
    log10_tail,
    pair_scores,
)

W = 900


def _brute_lambda(veh, cam, t, nxt, a: int, b: int, days: float) -> float:
    """The definition, read by read: over A's segment passages r, B's passages of the same
    segment with time of day in (tau_r, tau_r + W], unless B was also within W behind A at
    the camera before (same camera), / days."""
    prv = {int(j): i for i, j in enumerate(nxt.tolist()) if j >= 0}

    def passages(v: int) -> list[int]:
        return [i for i in range(len(t)) if veh[i] == v and nxt[i] >= 0]

    def seg(i: int) -> tuple[int, int]:
        return int(cam[i]), int(cam[nxt[i]])

    def behind(x: int, y: int) -> bool:  # y's time of day in (x's, x's + W]
        return 0 < (int(t[y]) - int(t[x])) % DAY <= W

    total = 0
    for r in passages(a):
        for s in passages(b):
            if seg(s) != seg(r) or not behind(r, s):
                continue
            pr, ps = prv.get(r), prv.get(s)
            if pr is not None and ps is not None and cam[pr] == cam[ps] and behind(pr, ps):
                continue  # the run started at an earlier camera
            total += 1
    return total / days


def test_expected_occasions_match_the_definition() -> None:
    """Random trips of four vehicles on a 4-camera road (both directions, around midnight
    too): the vectorised sum, whichever vehicle it walks, equals the brute-force count."""
    rng = np.random.default_rng(5)
    cams, times, vehs = [], [], []
    for _ in range(160):
        v = int(rng.integers(4))
        t0 = int(rng.integers(0, 10 * DAY))
        t0 = t0 - t0 % DAY + int(rng.choice([23 * 3600, 2 * 3600])) + int(rng.integers(3600))
        path = [0, 1, 2, 3] if rng.random() < 0.7 else [3, 2, 1, 0]
        path = path[int(rng.integers(2)) :]
        for k, c in enumerate(path):
            cams.append(c)
            times.append(t0 + 600 * k + int(rng.integers(60)))
            vehs.append(v)
    veh, cam, t = np.array(vehs), np.array(cams), np.array(times)
    trips = _trip_order(veh, t, 2 * 3600)
    days = 10.0
    table = habits(veh, cam, t, trips.nxt, 4, days)
    lead, follow = np.array([a for a in range(4) for b in range(4) if a != b]), np.array(
        [b for a in range(4) for b in range(4) if a != b])  # fmt: skip
    got = expected_occasions(table, lead, follow, W, batch=7)
    want = [_brute_lambda(veh, cam, t, trips.nxt, int(a), int(b), days)
            for a, b in zip(lead, follow, strict=True)]  # fmt: skip
    assert max(want) > 0.5  # the case is not empty
    np.testing.assert_allclose(got, want)


def test_a_chained_run_is_one_expected_occasion_not_one_per_camera() -> None:
    """A and B drive a 5-camera road together on 3 of 10 days, B 5 minutes behind: B's habit
    gives each of A's 3 trips 3 chances (the same slot on 3 days), 9 runs in all, / 10
    days = 0.9 — the chained cameras after the first add nothing."""
    cams, times, vehs = [], [], []
    for day in (1, 4, 7):
        for c in range(5):
            for v, lag in ((0, 0), (1, 300)):
                cams.append(c)
                times.append(day * DAY + 8 * 3600 + 700 * c + lag)
                vehs.append(v)
    veh, cam, t = np.array(vehs), np.array(cams), np.array(times)
    trips = _trip_order(veh, t, 2 * 3600)
    table = habits(veh, cam, t, trips.nxt, 2, 10.0)
    got = expected_occasions(table, np.array([0, 1]), np.array([1, 0]), W)
    assert got.tolist() == [0.9, 0.0]  # and A is never behind B


def test_poisson_tail_matches_scipy_and_stays_finite() -> None:
    for k in (1, 2, 4, 10, 40):
        for mu in (1e-6, 1e-3, 0.05, 0.7, 3.0, 25.0):
            want = math.log10(poisson.sf(k - 1, mu) / poisson.sf(0, mu))
            assert math.isclose(log10_tail(np.array([k]), np.array([mu]))[0], want,
                                rel_tol=1e-6, abs_tol=1e-9)  # fmt: skip
    tiny = log10_tail(np.array([60, 200]), np.array([1e-4, 1e-9]))
    assert np.all(np.isfinite(tiny))
    assert tiny[1] < tiny[0] < -150
    assert abs(log10_tail(np.array([1]), np.array([0.3]))[0]) < 1e-12  # tested because of it
    # 4 occasions where 0.1 are expected, among 1,000 pairs tested.
    assert math.isclose(pair_scores(np.array([4]), np.array([0.1]), 1000)[0],
                        -math.log10(poisson.sf(3, 0.1) / poisson.sf(0, 0.1)) - 3)  # fmt: skip


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
    score is calibrated as -log10 of the chance pairs expected this good, so no chance pair
    should reach 1 (P <= 0.1 per data set by Bonferroni; conservative, so far less)."""
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
    assert max(p.score for p in pairs) < 1.0


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
