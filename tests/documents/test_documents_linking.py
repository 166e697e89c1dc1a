"""Mentions linked to resolved entities: one link per resolved entity, namesakes left unlinked
unless the document's context tells them apart, analysts' judgements, compartments."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from pasienis.documents import (
    InvalidJudgementError,
    MentionNotFoundError,
    document_mentions,
    ingest_paths,
    judge_mention,
    relink_mentions,
)
from pasienis.documents.models import mention_judgements
from pasienis.jobs import events_since
from pasienis.model import Provenance, entity_statements, make_id, write_statements
from pasienis.model.mention_links import mention_links
from pasienis.model.models import resolver
from pasienis.store import Store

SEEN = datetime(2026, 11, 1, tzinfo=UTC)
DOC = "reports_a"


def put(store: Store, dataset: str, key: str, schema: str, props: dict) -> str:
    entity = make_id(dataset, key)
    with store.begin() as conn:
        rows = entity_statements(entity, schema, props, Provenance(dataset, SEEN))
        write_statements(store, conn, rows)
    return entity


def merge(store: Store, canonical: str, *members: str) -> None:
    """Resolver rows as the resolve capability writes them after a merge."""
    with store.begin() as conn:
        conn.execute(insert(resolver), [
            {"entity_id": m, "canonical_id": canonical, "judgement_id": None,
             "updated_at": SEEN} for m in (canonical, *members)
        ])  # fmt: skip


def ingest(store: Store, options, folder: Path, texts: dict[str, str]):  # type: ignore[no-untyped-def]
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = ingest_paths(store, [folder / n for n in texts], options=options)
    return {Path(d["file"]).name: d["id"] for d in report.documents}


def person_mention(store: Store, doc_id: str, datasets=(DOC, "registry", "border")) -> dict:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        found = document_mentions(conn, doc_id, datasets=list(datasets))
    return next(m for m in found if m["kind"] == "person")


@pytest.fixture
def namesakes(store: Store) -> dict[str, str]:
    """Two records of "Jonas Žukauskas" (register, border); the register one owns a car."""
    w = {
        "reg": put(store, "registry", "P1", "Person", {"name": "Jonas Žukauskas"}),
        "bor": put(store, "border", "X1", "Person", {"name": "Jonas Žukauskas", "gender": "m"}),
        "car": put(store, "registry", "V1", "Vehicle", {"registrationNumber": "BSE71509"}),
    }
    w["own"] = put(store, "registry", "O1", "Ownership", {"owner": w["reg"], "asset": w["car"]})
    return w


def test_namesakes_unlinked_until_the_resolver_merges_them(
    store: Store, options, namesakes, tmp_path: Path
) -> None:  # fmt: skip
    docs = ingest(store, options, tmp_path / "in", {"a.txt": "Jonas Žukauskas crossed at night.\n"})
    m = person_mention(store, docs["a.txt"])
    assert m["entity_id"] is None
    assert m["link"]["status"] == "unlinked"
    assert m["link"]["evidence"]["rule"] == "namesakes"
    assert {c["canonical"] for c in m["link"]["evidence"]["candidates"]} == {
        namesakes["reg"], namesakes["bor"]}  # fmt: skip
    assert m["link"]["score"] < 0.85

    merge(store, namesakes["reg"], namesakes["bor"])
    assert relink_mentions(store, stale_only=True) == 1  # the merge made the document stale
    assert relink_mentions(store, stale_only=True) == 0  # and the re-link made it current
    m = person_mention(store, docs["a.txt"])
    assert m["link"]["status"] == "linked"
    assert m["entity_id"] == namesakes["reg"]
    assert m["link"]["canonical_id"] == namesakes["reg"]
    assert m["link"]["evidence"]["rule"] == "name"
    assert m["link"]["score"] >= 0.85
    with store.read() as conn:
        events = events_since(conn, topics=["documents.mentions.linked"])
    assert namesakes["reg"] in events[-1].payload["entity_ids"]
    assert docs["a.txt"] in events[-1].payload["entity_ids"]


def test_context_tells_namesakes_apart(store: Store, options, namesakes, tmp_path: Path) -> None:
    docs = ingest(store, options, tmp_path / "in", {
        "b.txt": "Jonas Žukauskas drove the car BSE 71509 to the border.\n"})  # fmt: skip
    m = person_mention(store, docs["b.txt"])
    assert m["link"]["status"] == "linked"
    assert m["entity_id"] == namesakes["reg"]
    assert m["link"]["evidence"]["rule"] == "context"
    support = {c["canonical"]: c["support"] for c in m["link"]["evidence"]["candidates"]}
    assert support == {namesakes["reg"]: [namesakes["car"]], namesakes["bor"]: []}


def test_unknown_identifier_links_two_reports_through_a_new_entity(
    store: Store, options, tmp_path: Path
) -> None:  # fmt: skip
    docs = ingest(
        store,
        options,
        tmp_path / "in",
        {"c.txt": "Call +370 612 34567 tonight.\n", "d.txt": "The number 861234567 again.\n"},
    )
    with store.read() as conn:
        phones = [next(m for m in document_mentions(conn, d, datasets=[DOC])
                       if m["kind"] == "phone") for d in docs.values()]  # fmt: skip
    assert {p["link"]["status"] for p in phones} == {"linked"}
    assert {p["link"]["evidence"]["rule"] for p in phones} == {"new-identifier"}
    assert phones[0]["entity_id"] == phones[1]["entity_id"] == make_id("phone", "+37061234567")


def test_confirm_reject_clear_with_who_when_why(
    store: Store, options, namesakes, tmp_path: Path
) -> None:  # fmt: skip
    docs = ingest(store, options, tmp_path / "in", {"a.txt": "Jonas Žukauskas crossed at night.\n"})
    m = person_mention(store, docs["a.txt"])
    allowed = [DOC, "registry", "border"]
    link = judge_mention(store, mention_id=m["id"], decision="confirm", entity_id=namesakes["bor"],
                         actor="ona", reason="passport seen", datasets=allowed)  # fmt: skip
    assert (link["status"], link["entity_id"]) == ("confirmed", namesakes["bor"])
    assert link["score"] == 1.0
    assert person_mention(store, docs["a.txt"])["entity_id"] == namesakes["bor"]
    relink_mentions(store)  # a re-link keeps the analyst's decision
    assert person_mention(store, docs["a.txt"])["link"]["status"] == "confirmed"

    link = judge_mention(store, mention_id=m["id"], decision="reject", actor="petras",
                         reason="wrong Jonas", datasets=allowed)  # fmt: skip
    assert (link["status"], link["entity_id"]) == ("rejected", None)
    assert link["evidence"]["rejected"] == [namesakes["bor"]]
    with store.read() as conn:  # the graph hears of the entity that lost its link
        event = events_since(conn, topics=["documents.mentions.linked"])[-1]
    assert namesakes["bor"] in event.payload["entity_ids"]
    with store.read() as conn:
        rows = conn.execute(select(mention_judgements).order_by(mention_judgements.c.created_at))
        history = [(r.decision, r.entity_id, r.actor, r.reason) for r in rows]
    assert history == [("confirm", namesakes["bor"], "ona", "passport seen"),
                       ("reject", namesakes["bor"], "petras", "wrong Jonas")]  # fmt: skip

    link = judge_mention(store, mention_id=m["id"], decision="clear", actor="ona", reason=None,
                         datasets=allowed)  # fmt: skip
    assert link["status"] == "unlinked"
    assert link["evidence"]["rule"] == "namesakes"


def test_judgements_respect_compartments(store: Store, options, namesakes, tmp_path: Path) -> None:
    docs = ingest(store, options, tmp_path / "in", {"a.txt": "Jonas Žukauskas crossed at night.\n"})
    m = person_mention(store, docs["a.txt"])
    with pytest.raises(MentionNotFoundError):
        judge_mention(store, mention_id=m["id"], decision="reject", entity_id=namesakes["reg"],
                      actor="x", reason=None, datasets=["registry"])  # fmt: skip
    with pytest.raises(InvalidJudgementError, match="no entity"):
        judge_mention(store, mention_id=m["id"], decision="confirm", entity_id=namesakes["bor"],
                      actor="x", reason=None, datasets=[DOC, "registry"])  # fmt: skip
    with pytest.raises(InvalidJudgementError, match="unknown decision"):
        judge_mention(store, mention_id=m["id"], decision="merge", actor="x", reason=None,
                      datasets=[DOC])  # fmt: skip
    with pytest.raises(InvalidJudgementError, match="needs an entity_id"):
        judge_mention(store, mention_id=m["id"], decision="confirm", actor="x", reason=None,
                      datasets=[DOC])  # fmt: skip


def test_links_and_candidates_are_withheld_from_who_cannot_see_them(
    store: Store, options, namesakes, tmp_path: Path
) -> None:  # fmt: skip
    docs = ingest(store, options, tmp_path / "in", {
        "b.txt": "Jonas Žukauskas drove the car BSE 71509 to the border.\n"})  # fmt: skip
    m = person_mention(store, docs["b.txt"], datasets=[DOC, "border"])
    assert m["entity_id"] is None
    assert m["link"]["status"] == "withheld"
    assert [c["canonical"] for c in m["link"]["evidence"]["candidates"]] == [namesakes["bor"]]
    assert m["link"]["evidence"]["candidates_withheld"] == 1
    assert "matched" not in m["link"]["evidence"]


def test_upload_links_only_within_the_uploaders_grants(
    store: Store, options, namesakes, tmp_path: Path
) -> None:  # fmt: skip
    from dataclasses import replace

    scoped = replace(options, link_datasets=frozenset({DOC, "border"}))
    docs = ingest(store, scoped, tmp_path / "in", {
        "b.txt": "Jonas Žukauskas drove the car BSE 71509 to the border.\n"})  # fmt: skip
    m = person_mention(store, docs["b.txt"])
    assert m["entity_id"] == namesakes["bor"]  # the register's namesake is not a candidate
    assert m["link"]["evidence"]["rule"] == "name"
    merge(store, namesakes["reg"], namesakes["bor"])
    relink_mentions(store)  # re-linking keeps the grants recorded at ingest
    with store.read() as conn:
        row = conn.execute(select(mention_links).where(mention_links.c.mention_id == m["id"])).one()
    assert row.evidence["datasets"] == sorted({DOC, "border"})
    assert row.entity_id == namesakes["reg"]  # the canonical id now: the same person


@pytest.mark.parametrize(("lat", "linked"), [(54.5353, True), (55.9, False)])
def test_places_of_one_name_at_one_spot_are_one_place(
    store: Store, options, tmp_path: Path, lat: float, linked: bool
) -> None:  # fmt: skip
    """ "Medininkai" the village and the checkpoint: one place; two far apart: namesakes."""
    point = {"name": "Medininkai", "latitude": "54.5353", "longitude": "25.7595"}
    post = put(store, "border", "MED", "BorderCheckpoint", point | {"code": "MED"})
    village = put(store, "places", "N1", "Address", point | {"latitude": str(lat)})
    docs = ingest(store, options, tmp_path / "in", {"p.txt": "Seen near Medininkai at dawn.\n"})
    with store.read() as conn:
        found = document_mentions(conn, docs["p.txt"], datasets=[DOC, "border", "places"])
    m = next(x for x in found if x["kind"] == "place")
    assert {c["canonical"] for c in m["link"]["evidence"]["candidates"]} == {post, village}
    if linked:
        assert (m["entity_id"], m["link"]["evidence"]["rule"]) == (post, "same-place")
    else:
        assert (m["entity_id"], m["link"]["evidence"]["rule"]) == (None, "namesakes")


def test_a_finished_resolve_job_queues_the_relink(
    store: Store, options, namesakes, tmp_path: Path
) -> None:  # fmt: skip
    """The API composes the siblings: a resolve job, then the documents' re-link job."""
    from pasienis.api.app import then_relink
    from pasienis.documents import RELINK_JOB, relink_job
    from pasienis.jobs import JobRunner, list_jobs

    docs = ingest(store, options, tmp_path / "in", {"a.txt": "Jonas Žukauskas crossed at night.\n"})
    runner = JobRunner(store)

    def resolve_stand_in(ctx):  # type: ignore[no-untyped-def]
        merge(store, namesakes["reg"], namesakes["bor"])  # what a resolve run writes
        return {"runs": []}

    runner.register("resolve", then_relink(resolve_stand_in, runner.submit))
    runner.register(RELINK_JOB, relink_job)
    try:
        assert runner.wait(runner.submit("resolve", {}))["status"] == "succeeded"
        with store.read() as conn:
            relink = next(j for j in list_jobs(conn) if j["kind"] == RELINK_JOB)
        done = runner.wait(relink["id"])
    finally:
        runner.shutdown()
    assert (done["status"], done["result"]) == ("succeeded", {"linked": 1})
    assert person_mention(store, docs["a.txt"])["entity_id"] == namesakes["reg"]


def test_a_shared_phone_names_neither_holder_for_sure(
    store: Store, options, tmp_path: Path
) -> None:  # fmt: skip
    one = put(store, "registry", "P1", "Person", {"name": "Ona Onaitė", "phone": "+37061234567"})
    docs = ingest(store, options, tmp_path / "a", {"a.txt": "Call +370 612 34567 tonight.\n"})
    with store.read() as conn:
        phone = next(m for m in document_mentions(conn, docs["a.txt"], datasets=[DOC, "registry"])
                     if m["kind"] == "phone")  # fmt: skip
    assert (phone["entity_id"], phone["link"]["evidence"]["rule"]) == (one, "identifier")
    two = put(store, "registry", "P2", "Person", {"name": "Rūta Rūtaitė", "phone": "+37061234567"})
    docs = ingest(store, options, tmp_path / "b", {"b.txt": "Again +370 612 34567 called.\n"})
    with store.read() as conn:
        phone = next(m for m in document_mentions(conn, docs["b.txt"], datasets=[DOC, "registry"])
                     if m["kind"] == "phone")  # fmt: skip
    assert phone["entity_id"] is None
    assert phone["link"]["evidence"]["rule"] == "shared-identifier"
    assert {c["canonical"] for c in phone["link"]["evidence"]["candidates"]} == {one, two}
    merge(store, one, two)  # the resolver says they are one person: the phone names them
    relink_mentions(store, stale_only=False)
    with store.read() as conn:
        phone = next(m for m in document_mentions(conn, docs["b.txt"], datasets=[DOC, "registry"])
                     if m["kind"] == "phone")  # fmt: skip
    assert (phone["entity_id"], phone["link"]["evidence"]["rule"]) == (one, "identifier")
