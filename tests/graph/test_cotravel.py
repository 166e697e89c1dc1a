"""Co-travel: a planted convoy among chance traffic, with misreads, ranks first; stored pairs
become evidence-carrying edges."""

from __future__ import annotations

import numpy as np

from pasienis.graph import GraphService
from pasienis.graph.cotravel import CoTravelParams, Reads, detect
from pasienis.graph.cotravel_run import run_cotravel
from pasienis.graph.evidence import edge_evidence
from pasienis.graph.plates import cluster_plates, lookalike_key
from pasienis.graph.service import edge_json, node_index
from pasienis.model.events import plate_reads, row_columns
from pasienis.model.ids import make_id
from pasienis.store import Store

CAMS = 6


def _traffic(seed: int = 3, trips: int = 4000, fleet: int = 300) -> tuple[list, list, list]:
    """Background trips: random vehicle, start camera, speed; each camera 10 min apart-ish."""
    rng = np.random.default_rng(seed)
    cams, times, plates = [], [], []
    for _ in range(trips):
        v = f"BG{int(rng.integers(fleet)):04d}"
        t0 = int(rng.integers(0, 30 * 86400))
        pace = float(rng.uniform(500, 900))
        start = int(rng.integers(0, CAMS - 2))
        for k, c in enumerate(range(start, min(CAMS, start + int(rng.integers(2, 5))))):
            cams.append(c)
            times.append(t0 + int(k * pace))
            plates.append(v)
    return cams, times, plates


#: The convoy's runs start at different hours of the night, like the scenario's (a pair seen
#: at the same time every day is a habit, see test_commuters_do_not_outrank_a_convoy).
NIGHT = (2, 23, 0, 21)


def _convoy(cams: list, times: list, plates: list, *, misread: bool) -> None:
    for run in range(4):
        t0 = 86400 * (3 + 5 * run) + 3600 * NIGHT[run] + 97 * run
        for c in range(CAMS):
            cams += [c, c]
            times += [t0 + 700 * c, t0 + 700 * c + 420 + (c % 3) * 7]
            scout, cargo = "LJG943", "3537HB6"
            if misread and c == 2:
                scout = "LJ6943" if run % 2 else "LJG94"  # an OCR confusion, a lost character
            if misread and c == 4:
                cargo = "3537H86" if run % 2 else "3537HB"  # the follower's plate, too
            plates += [scout, cargo]


def test_lookalike_and_missing_character_join_the_plate() -> None:
    assert lookalike_key("LJG943") == lookalike_key("LJ6943")
    plates = np.array(["LJG943"] * 5 + ["LJ6943", "LJG94", "ABC123"] + ["ABC123"] * 4, object)
    codes, reps = cluster_plates(plates)
    assert len(set(codes[:7].tolist())) == 1
    assert reps[codes[0]] == "LJG943"
    assert codes[7] != codes[0]


def test_convoy_ranks_first_despite_misreads() -> None:
    cams, times, plates = _traffic()
    _convoy(cams, times, plates, misread=True)
    reads = Reads(np.array(cams), np.array(times), np.array(plates, object))
    pairs = detect(reads, CoTravelParams(window_s=900))
    top = pairs[0]
    assert (top.leader, top.follower) == ("LJG943", "3537HB6")
    assert top.occasions == 4
    # Misread reads of either plate are evidence.
    assert {plates[i] for i in top.reads} >= {"LJ6943", "LJG94", "3537H86", "3537HB"}
    assert all(p.score < top.score for p in pairs[1:])
    assert top.score > 3  # about a thousandth of a chance pair this good expected
    assert pairs[1].score < 1


def test_streaming_in_time_chunks_finds_the_same_occasions() -> None:
    """Chunks far smaller than the data (trip pairs straddle their bounds) give the same
    pairs, occasions, co-passages, supporting reads and scores (the null model is over the
    whole data, not per chunk)."""
    cams, times, plates = _traffic(trips=2500)
    _convoy(cams, times, plates, misread=True)
    reads = Reads(np.array(cams), np.array(times), np.array(plates, object))
    whole = detect(reads, CoTravelParams(top=10_000))
    chunked = detect(reads, CoTravelParams(top=10_000, chunk_reads=7, chunk_pairs=500,
                                           fold_rows=50))  # fmt: skip
    assert len(times) > 1000 * 7  # chunks of ~40 minutes: every convoy trip straddles
    assert len(whole) >= 5  # the convoy and chance pairs

    def facts(pairs: list) -> dict:
        return {(p.leader, p.follower): (p.occasions, p.co_passages, p.first, p.last, p.reads,
                                          round(p.score, 9)) for p in pairs}  # fmt: skip

    assert facts(chunked) == facts(whole)
    assert (chunked[0].leader, chunked[0].follower) == ("LJG943", "3537HB6")


def test_an_interleaved_read_of_the_follower_does_not_break_the_chain() -> None:
    """A convoy on a two-camera stretch (one co-passage per run, the scenario's short
    roads); on two of its four runs the cargo truck is read once at a camera of another
    road in between (its own other trip in the same hours, a misread, a parallel lane).
    Without the tolerance those two runs are not occasions (3 of 4 at 3M reads lost 2)."""
    cams, times, plates = _traffic()
    elsewhere = CAMS + 3  # a camera no other traffic passes
    for run in range(4):
        t0 = 86400 * (3 + 5 * run) + 3600 * NIGHT[run]
        cams += [1, 1, 2, 2]
        times += [t0, t0 + 400, t0 + 700, t0 + 1110]
        plates += ["SCOUT9", "CARGO9", "SCOUT9", "CARGO9"]
        if run % 2:
            cams.append(elsewhere)
            times.append(t0 + 800)
            plates.append("CARGO9")
    reads = Reads(np.array(cams), np.array(times), np.array(plates, object))
    pairs = detect(reads, CoTravelParams(window_s=900))
    top = pairs[0]
    assert (top.leader, top.follower) == ("SCOUT9", "CARGO9")
    assert top.occasions == 4
    assert top.co_passages == 8
    # The supporting reads are both vehicles' reads at the two shared cameras, not the
    # interleaved one.
    assert {cams[i] for i in top.reads} == {1, 2}
    assert len(top.reads) == 16


def _border_regulars(cams: list, times: list, plates: list, *, days: int = 30) -> None:
    """Two implausibly frequent border crossers at checkpoints 7 and 8 (the scenario's
    Pareto activity): one every ~8 minutes for the whole month (a single endless trip), one
    in ~2-hour bursts twice a day. Chance gives them dozens of chained co-passages."""
    rng = np.random.default_rng(11)
    t = 0
    while t < days * 86400:
        cams.append(7 + int(rng.integers(2)))
        times.append(t)
        plates.append("REG0001")
        t += int(rng.integers(200, 800))
    for day in range(days):
        for start in (8 * 3600, 17 * 3600):
            t = day * 86400 + start + int(rng.integers(0, 3600))
            for _ in range(int(rng.integers(6, 14))):
                cams.append(7 + int(rng.integers(2)))
                times.append(t)
                plates.append("REG0002")
                t += int(rng.integers(200, 900))


def test_frequent_border_crossers_do_not_outrank_a_convoy() -> None:
    """Crossings as reads: a leader with one endless trip has few trips but many chances;
    the score counts every chance of its trip and the overlapping trip pairs of both
    vehicles (before, C(1 trip, k occasions) < 1 turned the correction into a bonus)."""
    cams, times, plates = _traffic()
    _convoy(cams, times, plates, misread=False)
    _border_regulars(cams, times, plates)
    reads = Reads(np.array(cams), np.array(times), np.array(plates, object))
    pairs = detect(reads, CoTravelParams(window_s=900))
    regulars = [p for p in pairs if {p.leader, p.follower} == {"REG0001", "REG0002"}]
    assert regulars  # the chance pair is found, and with many occasions
    assert regulars[0].occasions >= 10
    assert (pairs[0].leader, pairs[0].follower) == ("LJG943", "3537HB6")
    assert regulars[0].score < pairs[0].score


def test_stored_pairs_become_edges_with_reads(store: Store) -> None:
    cams, times, plates = _traffic(trips=800)
    _convoy(cams, times, plates, misread=False)
    rows = [(make_id("anpr", i), _dt(t), None, None, "anpr", f"anpr:{i}", None, None,
             f"CAM-{c}", p, p, None, 0.9, None)
            for i, (c, t, p) in enumerate(zip(cams, times, plates, strict=True))]  # fmt: skip
    with store.begin() as conn:
        store.bulk_insert(conn, plate_reads, list(row_columns(plate_reads)), rows)
    svc = GraphService(store, refresh_interval=0)
    svc.build()
    pairs = run_cotravel(store, dataset="anpr", params=CoTravelParams(top=5))
    assert (pairs[0].leader, pairs[0].follower) == ("LJG943", "3537HB6")
    assert len(run_cotravel(store, dataset="anpr", params=CoTravelParams(top=5))) == len(pairs)
    with svc.view(frozenset({"anpr"})) as view, store.read() as conn:
        a = node_index(view, "plate:LJG943")
        e = next(int(x) for x in np.flatnonzero(view.edge_ok) if int(view.projection.src[x]) == a)
        assert edge_json(view, e)["relation"] == "co_travel"
        assert edge_json(view, e)["weight"] == 4
        ev = edge_evidence(conn, view, e, shared_cap=25)
        assert len(ev) >= 16
        assert {r["detail"]["plate"] for r in ev} == {"LJG943", "3537HB6"}
    with svc.view(frozenset({"other"})) as view:
        assert not view.node_ok.any()


def _dt(seconds: int):
    from datetime import UTC, datetime, timedelta

    return datetime(2026, 9, 1, tzinfo=UTC) + timedelta(seconds=seconds)


def test_crossings_count_as_reads_at_the_checkpoint(store: Store) -> None:
    """Two vehicles cross the border together, then pass one road camera together: only with
    the crossings is that a chained co-passage; the pair then needs both datasets."""
    from datetime import UTC, datetime, timedelta

    from pasienis.model.events import border_crossings

    from .conftest import put

    scout = put(store, "border", "VS", "Vehicle", {"registrationNumber": "LJG943"})
    cargo = put(store, "border", "VC", "Vehicle", {"registrationNumber": "3537HB6"})
    start = datetime(2026, 9, 1, tzinfo=UTC)
    crossings, reads = [], []
    for run in range(4):
        t0 = 86400 * (3 + 5 * run) + 3600 * 2
        for who, vehicle, plate, lag in (("s", scout, "LJG943", 0), ("c", cargo, "3537HB6", 300)):
            at = start + timedelta(seconds=t0 + lag)
            crossings.append((make_id("border", f"X{run}{who}"), at, 54.0, 24.0, "border",
                              f"border:X{run}{who}", None, None, "MED", "entry", None, vehicle,
                              None))  # fmt: skip
            reads.append((make_id("anpr", f"R{run}{who}"), at + timedelta(seconds=900), None, None,
                          "anpr", f"anpr:R{run}{who}", None, None, "CAM-1", plate, plate, None,
                          0.9, None))  # fmt: skip
    with store.begin() as conn:
        store.bulk_insert(conn, border_crossings, list(row_columns(border_crossings)), crossings)
        store.bulk_insert(conn, plate_reads, list(row_columns(plate_reads)), reads)
    assert run_cotravel(store, dataset="anpr", params=CoTravelParams(top=5)) == []
    pairs = run_cotravel(store, dataset="anpr", crossings=["border"],
                         params=CoTravelParams(top=5))  # fmt: skip
    assert [(p.leader, p.follower, p.occasions) for p in pairs] == [("LJG943", "3537HB6", 4)]
    svc = GraphService(store, refresh_interval=0)
    with svc.view(frozenset({"anpr"})) as view:  # the pair rests on crossings too
        assert not view.edge_ok[view.projection.rel == view.projection.relations.code(
            "co_travel")].any()  # fmt: skip
    with svc.view(frozenset({"anpr", "border"})) as view, store.read() as conn:
        a = node_index(view, scout)
        e = next(int(x) for x in np.flatnonzero(view.edge_ok) if int(view.projection.src[x]) == a
                 and edge_json(view, int(x))["relation"] == "co_travel")  # fmt: skip
        assert edge_json(view, e)["target"] == cargo
        kinds = [r["kind"] for r in edge_evidence(conn, view, e, shared_cap=25)]
        assert kinds.count("border_crossings") == 8
        assert kinds.count("plate_reads") == 8
