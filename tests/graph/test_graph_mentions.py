"""Documents in the graph: ``mentions`` edges (document → entity) with their evidence, and
``co_mentioned`` links weighted by documents, under compartments and after judgements."""

from __future__ import annotations

from pathlib import Path

import pytest

from pasienis.documents import Options, document_mentions, ingest_paths, judge_mention
from pasienis.documents.formats import OcrOptions
from pasienis.graph import EdgeFilter, GraphService, UnknownNodeError
from pasienis.graph.evidence import edge_evidence
from pasienis.graph.service import edge_json, node_index
from pasienis.graph.traverse import expand
from pasienis.store import Store

from .conftest import A, B

R = "reports"
TEXTS = {
    "r1.txt": "Night shift. Jonas Žukauskas drove KLM 482 towards Medininkai.\n",
    "r2.txt": "Again Jonas Žukauskas with Petras Petraitis, the car KLM 482.\n",
}


@pytest.fixture
def reports(store: Store, world: dict[str, str], tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    options = Options(root=tmp_path / "originals", dataset=R, ocr=OcrOptions(enabled=False),
                      max_depth=2, max_members=10, max_total_bytes=1 << 20, max_ratio=100,
                      ner=False)  # fmt: skip
    report = ingest_paths(store, [folder], options=options)
    return {Path(d["file"]).name: d["id"] for d in report.documents}


def _edges(view, entity: str) -> list[dict]:  # type: ignore[no-untyped-def]
    sg = expand(view, [node_index(view, entity)], depth=1, f=EdgeFilter(), max_nodes=500,
                per_node=500)  # fmt: skip
    return [edge_json(view, e) | {"index": int(e)} for e in sg.edges]


def test_mentions_and_co_mentions_with_evidence(store: Store, world, reports) -> None:  # type: ignore[no-untyped-def]
    svc = GraphService(store)
    with svc.view(frozenset({A, B, R})) as view, store.read() as conn:
        assert "Mention" not in view.projection.schemata.names  # mentions are edges, not nodes
        doc = {(e["relation"], e["target"]): e for e in _edges(view, reports["r1.txt"])}
        assert set(doc) == {("mentions", world["jonas"]), ("mentions", world["car"])}
        edge = doc[("mentions", world["jonas"])]
        assert edge["datasets"] == [R]
        rows = edge_evidence(conn, view, edge["index"], shared_cap=25)
        assert len(rows) == 1
        ev = rows[0]
        assert ev["kind"] == "mention"
        assert (ev["source"], ev["target"], ev["dataset"]) == (reports["r1.txt"], world["jonas"], R)
        start = TEXTS["r1.txt"].index("Jonas")
        assert (ev["detail"]["start"], ev["detail"]["end"]) == (start, start + 15)
        assert ev["detail"]["text"] == "Jonas Žukauskas"
        assert ev["detail"]["passage"] == TEXTS["r1.txt"]
        assert ev["detail"]["rule"] == "name+context"  # he owns the car the report names
        assert f"chars={start}-{start + 15}" in ev["locator"]
        co = {e["target"] if e["source"] == world["jonas"] else e["source"]: e
              for e in _edges(view, world["jonas"]) if e["relation"] == "co_mentioned"}  # fmt: skip
        assert co[world["car"]]["weight"] == 2  # two documents name both
        assert co[world["petras"]]["weight"] == 1
        rows = edge_evidence(conn, view, co[world["car"]]["index"], shared_cap=25)
        assert sorted((r["detail"]["document_id"], r["detail"]["text"]) for r in rows) == sorted(
            (reports[n], t) for n in TEXTS for t in ("Jonas Žukauskas", "KLM 482"))  # fmt: skip


def test_compartments_hide_document_links(store: Store, world, reports) -> None:  # type: ignore[no-untyped-def]
    svc = GraphService(store)
    with svc.view(frozenset({A})) as view:
        rels = {e["relation"] for e in _edges(view, world["jonas"])}
        assert not rels & {"mentions", "co_mentioned"}
        with pytest.raises(UnknownNodeError):
            node_index(view, reports["r1.txt"])
    with svc.view(frozenset({R})) as view:  # the document, but not the people it names
        assert _edges(view, reports["r1.txt"]) == []


def test_a_rejected_link_leaves_the_graph_at_the_next_refresh(store: Store, world, reports) -> None:  # type: ignore[no-untyped-def]
    svc = GraphService(store)
    svc.build()
    with store.read() as conn:
        mention = next(m for m in document_mentions(conn, reports["r1.txt"], datasets=[A, R])
                       if m["kind"] == "person")  # fmt: skip
    judge_mention(store, mention_id=mention["id"], decision="reject", actor="ona",
                  reason="another Jonas", datasets=[A, R])  # fmt: skip
    assert svc.refresh() > 0
    with svc.view(frozenset({A, B, R})) as view:
        doc = {(e["relation"], e["target"]) for e in _edges(view, reports["r1.txt"])}
        assert doc == {("mentions", world["car"])}
        co = [e for e in _edges(view, world["jonas"]) if e["relation"] == "co_mentioned"]
        assert {e["weight"] for e in co} == {1}  # only r2 names Jonas with the car and Petras
