"""The review workflow on both engines: merge, split, undo, not-same survives a re-run,
statements untouched, compartments."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.resolve.conftest import statement_fingerprint

from pasienis.resolve import (
    CandidateNotFoundError,
    ConflictingJudgementError,
    RunParams,
    canonical_of,
    decide,
    get_candidate,
    list_candidates,
    members_of,
    run_batch,
    split,
    undo,
)
from pasienis.resolve.models import resolution_candidates
from pasienis.store import Store

BOTH = frozenset({"border", "register"})
PARAMS = RunParams(max_pairs=2e4)


def _clusters(store: Store, truth: dict[str, list[str]]) -> dict[str, str]:
    with store.read() as conn:
        return canonical_of(conn, [i for ids in truth.values() for i in ids])


def _merged_pair(store: Store, truth: dict[str, list[str]]) -> list[str]:
    canon = _clusters(store, truth)
    return next(pair for pair in truth.values() if canon[pair[0]] == canon[pair[1]])


def test_batch_run_merges_variants_and_keeps_the_model(loaded) -> None:
    store, truth = loaded
    run = run_batch(store, kind="person", params=PARAMS)
    assert run["status"] == "completed", run["error"]
    assert run["model"]["comparisons"], "the trained Splink model is saved with the run"
    canon = _clusters(store, truth)
    merged = sum(1 for a, b in truth.values() if canon[a] == canon[b])
    assert merged >= 0.9 * len(truth), f"only {merged}/{len(truth)} pairs merged"
    assert len(set(canon.values())) >= len(truth), "distinct people were merged together"
    for a, b in truth.values():
        if canon[a] == canon[b]:
            assert canon[a] == min(a, b), "the canonical id is the smallest member id"


def test_not_same_splits_and_survives_a_rerun(loaded) -> None:
    store, truth = loaded
    run_batch(store, kind="person", params=PARAMS)
    before = statement_fingerprint(store)
    a, b = _merged_pair(store, truth)
    judgement = decide(
        store,
        left_id=a,
        right_id=b,
        decision="not-same",
        actor="ona",
        reason="different fathers' names",
        datasets=BOTH,
    )
    assert judgement["actor"] == "ona"
    assert judgement["reason"] == "different fathers' names"
    canon = _clusters(store, {"x": [a, b]})
    assert canon[a] != canon[b]
    run_batch(store, kind="person", params=PARAMS)
    canon = _clusters(store, {"x": [a, b]})
    assert canon[a] != canon[b], "an automatic run overrode a not-same judgement"
    assert statement_fingerprint(store) == before
    undo(store, judgement_id=judgement["id"], actor="ona", datasets=BOTH)
    canon = _clusters(store, {"x": [a, b]})
    assert canon[a] == canon[b], "undo restores the automatic merge"
    assert statement_fingerprint(store) == before


def test_merge_then_undo_and_merge_across_not_same_is_refused(loaded) -> None:
    store, truth = loaded
    run_batch(store, kind="person", params=PARAMS)
    before = statement_fingerprint(store)
    pairs = list(truth.values())
    left, right = pairs[0][0], pairs[1][0]  # two different people
    merged = decide(
        store,
        left_id=left,
        right_id=right,
        decision="merge",
        actor="jonas",
        reason="same person, new passport",
        datasets=BOTH,
    )
    with store.read() as conn:
        members = members_of(conn, left)
        assert right in members
        assert members[0] == min(members)
        assert canonical_of(conn, [right])[right] == canonical_of(conn, [left])[left]
    undo(store, judgement_id=merged["id"], actor="jonas", reason="mistake", datasets=BOTH)
    with pytest.raises(ConflictingJudgementError):
        undo(store, judgement_id=merged["id"], actor="jonas", datasets=BOTH)
    assert _clusters(store, {"x": [left, right]})[left] != _clusters(store, {"x": [right]})[right]
    decide(store, left_id=left, right_id=right, decision="not-same", actor="jonas", datasets=BOTH)
    with pytest.raises(ConflictingJudgementError):
        decide(store, left_id=left, right_id=right, decision="merge", actor="ona", datasets=BOTH)
    assert statement_fingerprint(store) == before


def test_split_takes_a_record_out_and_undo_puts_it_back(loaded) -> None:
    store, truth = loaded
    run_batch(store, kind="person", params=PARAMS)
    a, b = _merged_pair(store, truth)
    judgement = split(store, entity_id=b, actor="ona", reason="twin", datasets=BOTH)
    with store.read() as conn:
        assert b not in members_of(conn, a)
        assert members_of(conn, b) == [b]
    with pytest.raises(Exception, match="nothing to split"):
        split(store, entity_id=b, actor="ona", datasets=BOTH)
    undo(store, judgement_id=judgement["id"], actor="ona", datasets=BOTH)
    with store.read() as conn:
        assert b in members_of(conn, a)


def test_review_queue_respects_compartments(loaded) -> None:
    store, _truth = loaded
    run_batch(
        store,
        kind="person",
        params=RunParams(max_pairs=2e4, merge_threshold=0.999999, review_threshold=0.01),
    )
    with store.read() as conn:
        queued = list_candidates(conn, datasets=BOTH, limit=500)
        assert queued, "nothing reached the review queue"
        cross = [c for c in queued if c["left_datasets"] != c["right_datasets"]]
        assert cross
        assert all(c["evidence"] for c in queued), "every queued pair carries its evidence"
        assert not [
            c
            for c in list_candidates(conn, datasets={"border"}, limit=500)
            if c["id"] in {x["id"] for x in cross}
        ]
        with pytest.raises(CandidateNotFoundError):
            get_candidate(conn, cross[0]["id"], datasets={"border"})
        shown = get_candidate(conn, cross[0]["id"], datasets=BOTH)
    assert shown["left"]["properties"]["name"]
    assert shown["right"]["properties"]["name"]
    weights = {e["comparison"]: e["match_weight"] for e in shown["evidence"]}
    assert {"name", "dob"} <= set(weights)
    with pytest.raises(CandidateNotFoundError):
        decide(
            store,
            left_id=cross[0]["left_id"],
            right_id=cross[0]["right_id"],
            decision="merge",
            actor="spy",
            datasets={"border"},
        )
    with store.read() as conn:
        row = conn.execute(
            select(resolution_candidates.c.status).where(
                resolution_candidates.c.id == cross[0]["id"]
            )
        ).scalar()
    assert row == "review"
